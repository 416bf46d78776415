/*
 * The table the Peers and Routes views are made of, and the pieces every
 * view shares: the unknown-value and link-state conventions of a cell,
 * scrolling, and the line that stands in for an empty body.
 *
 * A view describes its table once (struct top_table_def): the columns,
 * the number each sortable column sorts by, how to fill a row's cells.
 * The table sorts the rows, lays itself out for the canvas width and
 * draws the rows that fit.
 */
#ifndef ARGO_TOP_TABLE_H
#define ARGO_TOP_TABLE_H

#include <stddef.h>

#include "top-canvas.h"
#include "top-model.h"

#define TOP_TABLE_MAXCOL	12
#define TOP_TABLE_CELL		160	/* bytes of a cell's text */

struct top_table_col {
	const char	*title;
	char		 align;		/* 'l' or 'r' */
	int		 prio;		/* 0: always; higher goes sooner */
	int		 max;		/* widest it gets, 0: no limit */
	int		 min;		/* shrink or flex columns */
	int		 shrink;	/* may be cut down to min */
	int		 flex;		/* takes the width that is left */
	int		 sortable;
};

struct top_table;

/*
 * A view's table. rows is the view's array from its reply, i and a, b
 * index it; arg is the view's (the model).
 */
struct top_table_def {
	const struct top_table_col *cols;
	int		 ncols;
	/*
	 * The number row i sorts by on column col: NAN for unknown, which
	 * goes last in either order, and for a column that sorts by tie()
	 * alone.
	 */
	double		(*key)(const void *rows, size_t i, int col);
	/* <0, 0, >0: the order of rows with the same key, by name. */
	int		(*tie)(const void *rows, size_t a, size_t b);
	/* The cells of table row r, from row i. */
	void		(*fill)(struct top_table *, int r, const void *rows,
			    size_t i, const void *arg);
	/* Draws the cell of the flex column, whose text is not drawn. */
	void		(*flex)(struct canvas *, const struct top_table *,
			    int y, int x, int w, int r, const void *arg);
	const char	*empty;		/* the body when there are no rows */
};

struct top_table_cell {
	char		s[TOP_TABLE_CELL];
	unsigned char	style;
};

struct top_table {
	const struct top_table_def *def;
	int			 nrows;
	const void		*arg;
	size_t			*order;		/* table row -> row of rows */
	struct top_table_cell	*cell;
	int			 w[TOP_TABLE_MAXCOL], x[TOP_TABLE_MAXCOL];
	int			 shown[TOP_TABLE_MAXCOL];
	int			 sortcol, reverse;
};

/*
 * The table of nrows rows, sorted on column sortcol (reversed if
 * reverse) and filled.
 */
void	top_table_init(struct top_table *, const struct top_table_def *,
	    const void *rows, int nrows, const void *arg, int sortcol,
	    int reverse);
void	top_table_free(struct top_table *);
void	top_table_set(struct top_table *, int r, int c, int style,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/*
 * The header and the rows that fit in rows screen rows from y0 (rows < 0:
 * all of them), from *scroll on, which is clamped; *page is set to the
 * body rows. Returns the screen rows used.
 */
int	top_table_draw(struct canvas *, struct top_table *, int y0,
	    int rows, int *scroll, int *page);
/* The next sortable column after c, wrapping. */
int	top_table_next_sortable(const struct top_table_def *, int c);

/* Milliseconds as a cell shows them: "-" when unknown. */
const char *top_table_ms(char *buf, size_t len, double ms);
/* The style of a link state (ctlc_link_state()). */
int	top_table_state_style(int state);

/* The first of n rows to show in page rows, with *scroll clamped. */
int	top_table_scroll(int *scroll, int n, int page);
/*
 * In place of a body with nothing to show: why (waiting for argod, its
 * error) or what.
 */
void	top_table_note(struct canvas *, int y, const struct model *,
	    const char *what);

#endif
