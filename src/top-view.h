/*
 * argo-top's views: Peers, Matrix, Routes and Events, the title, tab and
 * status bars and the help box. They draw the model (top-model.h) on a
 * canvas (top-canvas.h) and know nothing of curses, so batch mode prints
 * exactly what the screen would show. Keys arrive as VK_* codes that
 * top-screen.c translates from curses.
 *
 * Like tmux's window-*.c, each view is a file of its own that exports a
 * struct view_kind (below): top-view-peers.c, top-view-matrix.c,
 * top-view-routes.c, top-view-events.c and top-view-tiers.c. top-view.c draws the screen
 * around them, picks one and handles the keys they share; the tables of
 * Peers and Routes are top-table.c's.
 */
#ifndef ARGO_TOP_VIEW_H
#define ARGO_TOP_VIEW_H

#include "top-canvas.h"
#include "top-model.h"

enum view_id {
	VIEW_PEERS,
	VIEW_MATRIX,
	VIEW_ROUTES,
	VIEW_EVENTS,
	VIEW_TIERS,
	VIEW_COUNT
};

/* The smallest screen the views are laid out for. */
#define VIEW_MIN_W	40
#define VIEW_MIN_H	10

/* Keys beyond Unicode, so that plain characters keep their values. */
enum view_key {
	VK_UP = 0x110000,
	VK_DOWN,
	VK_LEFT,
	VK_RIGHT,
	VK_PGUP,
	VK_PGDN,
	VK_HOME,
	VK_END,
	VK_TAB,
	VK_BTAB,
	VK_F1,
};

struct view_state {
	enum view_id	cur;
	int		help;
	int		sort[VIEW_COUNT];	/* column, if sortable */
	int		reverse[VIEW_COUNT];
	int		scroll[VIEW_COUNT];	/* first row shown; Events:
						   rows back from the newest */
	int		hscroll;		/* Matrix: first column */
	int		matrix_loss;		/* Matrix: loss, not RTT */
	int		page;			/* body rows, last frame */
};

/*
 * What a view file provides. A table view (Peers, Routes) gives its table
 * and where its rows are, and top-view.c draws it, sorted on the first
 * column until s is pressed; any other view draws its body itself.
 */
struct top_table_def;
struct view_kind {
	const char	*name;		/* for -v */
	const char	*title;		/* its tab and batch heading */

	const struct top_table_def *table;
	/* The view's rows: their number, or -1 before the first reply. */
	int		(*rows)(const struct model *, const void **rows);
	const char	*none;		/* the body until that reply */

	/*
	 * Draws the body from row y0 in rows rows (rows < 0: all of it,
	 * for batch mode), sets vs->page; returns the rows used.
	 */
	int		(*draw)(struct canvas *, const struct model *,
			    struct view_state *, int y0, int rows);
	/* What the tab bar says of a view that is not a table. */
	void		(*hint)(char *, size_t, const struct model *,
			    const struct view_state *);
	/* A key only this view knows; 1 if it used it. */
	int		(*key)(struct view_state *, int key);
	/*
	 * A log rather than a snapshot: it scrolls back from the newest line
	 * and stays readable, not greyed, when the connection is lost.
	 */
	int		 log;
};

extern const struct view_kind view_peers_kind;
extern const struct view_kind view_matrix_kind;
extern const struct view_kind view_routes_kind;
extern const struct view_kind view_events_kind;
extern const struct view_kind view_tiers_kind;

void		 view_init(struct view_state *);
/* The whole screen. now is the monotonic clock, in seconds. */
void		 view_draw(struct canvas *, const struct model *,
		    struct view_state *, double now);
/*
 * Batch mode: the title, then one view (or every view, for VIEW_COUNT)
 * at full length, on a growing canvas.
 */
void		 view_batch(struct canvas *, const struct model *,
		    struct view_state *, enum view_id);
/* 1 if the key meant something to the views. */
int		 view_key(struct view_state *, int key);
/* "peers", ... and back; -1 for an unknown name. */
const char	*view_name(enum view_id);
int		 view_lookup(const char *);

#endif
