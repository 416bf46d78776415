/*
 * argo-top's drawing surface: a grid of character cells, each with a
 * semantic style.
 *
 * The views draw here and never call curses, so one rendering serves two
 * back ends: top-screen.c copies the grid to the terminal, and batch mode
 * prints it as plain text (canvas_print()). A canvas is either a fixed
 * w x h screen or, for batch mode, w columns that grow downwards as rows
 * are written.
 *
 * Text is UTF-8. Every code point takes one cell; anything that would not
 * (control characters, wide or combining characters, invalid bytes) is
 * drawn as '?', because strings come from the daemon and, through it,
 * from the network: none of them may reach the terminal as an escape
 * sequence or break the alignment of a table. An ASCII canvas draws every
 * non-ASCII code point as '?'; the views ask canvas_glyph() for the
 * symbols they need so that they have an ASCII form.
 */
#ifndef ARGO_TOP_CANVAS_H
#define ARGO_TOP_CANVAS_H

#include <stdint.h>
#include <stdio.h>

/* What a cell means; top-screen.c maps each to colours or attributes. */
enum canvas_style {
	ST_NORMAL,
	ST_DIM,		/* unknown values, the diagonal, hints */
	ST_BOLD,
	ST_TITLE,	/* the top bar */
	ST_TAB,
	ST_TAB_ON,	/* the current view's tab */
	ST_HEADER,	/* column titles */
	ST_STATUS,	/* the bottom bar */
	ST_ALERT,	/* disconnected, errors */
	ST_UP,
	ST_CONGESTED,
	ST_DOWN,
	ST_GOOD,	/* a detour that gains */
	ST_CHANGED,	/* a route that changed a moment ago */
	ST_SELF,	/* this node in the matrix */
	ST_HEAT0,	/* heat map, coolest ... */
	ST_HEAT1,
	ST_HEAT2,
	ST_HEAT3,
	ST_HEAT4,
	ST_HEAT5,	/* ... hottest */
	ST_COUNT
};
#define ST_HEAT_LEVELS	6

enum canvas_glyph {
	G_HLINE,	/* horizontal rule */
	G_ARROW,	/* from -> to */
	G_ELLIPSIS,	/* text was cut */
	G_DASH,		/* separates a status from its reason */
	G_SORT_UP,	/* ascending sort */
	G_SORT_DOWN,	/* descending sort */
	G_DOT,		/* separates items on a bar */
	G_BLOCK,	/* a heat map legend swatch */
	G_DIAG,		/* the matrix diagonal */
	G_DOWN,		/* a sparkline sample taken while the link was down */
	G_VLINE,	/* box drawing */
	G_TL, G_TR, G_BL, G_BR,
	G_SPARK0,	/* sparkline levels, lowest ... */
	G_SPARK7 = G_SPARK0 + 7,	/* ... highest */
	G_COUNT
};
#define G_SPARK_LEVELS	8

struct canvas_cell {
	uint32_t	ch;
	uint8_t		style;
};

struct canvas {
	int			 w, h;		/* h grows when grow is set */
	int			 grow;
	int			 ascii;
	int			 used;		/* rows written to, grow mode */
	struct canvas_cell	*cell;
};

/* h < 0: a growing canvas. ascii: draw only ASCII. */
void		 canvas_init(struct canvas *, int w, int h, int ascii);
void		 canvas_free(struct canvas *);
void		 canvas_resize(struct canvas *, int w, int h);
void		 canvas_clear(struct canvas *);
const char	*canvas_glyph(const struct canvas *, enum canvas_glyph);

/*
 * Draw s at (y, x) in at most maxw cells (maxw < 0: to the right edge);
 * a string that does not fit ends with G_ELLIPSIS. Returns the cells
 * drawn. Cells outside the canvas are dropped.
 */
int		 canvas_put(struct canvas *, int y, int x, int style,
		    const char *s, int maxw);
int		 canvas_printf(struct canvas *, int y, int x, int style,
		    int maxw, const char *fmt, ...)
		    __attribute__((format(printf, 6, 7)));
/* Draw s right-aligned so that it ends just before column x + w. */
int		 canvas_put_right(struct canvas *, int y, int x, int w,
		    int style, const char *s);
/* Fill n cells with the code point of glyph-or-char s (its first). */
void		 canvas_fill(struct canvas *, int y, int x, int n, int style,
		    const char *s);
/* Restyle n cells, keeping their characters. */
void		 canvas_style(struct canvas *, int y, int x, int n, int style);
const struct canvas_cell *canvas_at(const struct canvas *, int y, int x);
/* Rows that hold something: h, or the rows written in grow mode. */
int		 canvas_rows(const struct canvas *);
/* Plain text, one line per row, trailing blanks removed. */
int		 canvas_print(const struct canvas *, FILE *);
/* Cells that s takes. */
int		 canvas_width(const char *s);

#endif
