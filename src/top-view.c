/*
 * argo-top's views; see top-view.h.
 *
 * Every view is a table laid out for the width it gets: columns take the
 * width of their widest cell, and when the screen is too narrow the least
 * useful columns go (each has a priority: the prefix first), then the gap
 * between columns shrinks, then long paths are cut, then more columns go;
 * a sparkline column takes whatever is left. State is always spelled out
 * ("congested", '*', 'x'), never carried by colour alone, so the views
 * read the same in monochrome, in ASCII and in batch mode.
 */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctlclient.h"
#include "log.h"
#include "top-canvas.h"
#include "top-model.h"
#include "top-view.h"

static const char *const view_names[VIEW_COUNT] = {
	[VIEW_PEERS] = "peers",
	[VIEW_MATRIX] = "matrix",
	[VIEW_ROUTES] = "routes",
	[VIEW_EVENTS] = "events",
};

static const char *const view_titles[VIEW_COUNT] = {
	[VIEW_PEERS] = "Peers",
	[VIEW_MATRIX] = "Matrix",
	[VIEW_ROUTES] = "Routes",
	[VIEW_EVENTS] = "Events",
};

/* A route that changed less than this long ago is highlighted. */
#define RECENT_CHANGE_S	10.0

const char *
view_name(enum view_id v)
{
	return v < VIEW_COUNT ? view_names[v] : "?";
}

int
view_lookup(const char *s)
{
	int v;

	for (v = 0; v < VIEW_COUNT; v++)
		if (strcmp(view_names[v], s) == 0)
			return v;
	return -1;
}

/*
 * Formatting: "-" is unknown everywhere; durations read like 3m12s.
 */
static const char *
fmt_ms(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (fabs(v) < 10)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.1f", v);
	return buf;
}

static int
state_style(int state)
{
	switch (state) {
	case 0:
		return ST_DOWN;
	case 1:
		return ST_UP;
	case 2:
		return ST_CONGESTED;
	default:
		return ST_DIM;
	}
}

static const char *
self_name(const struct model *m)
{
	if (m->has_status)
		return m->status.node;
	if (m->banner.node[0] != '\0')
		return m->banner.node;
	return NULL;
}

/*
 * Tables.
 */
#define TBL_MAXCOL	12
#define TBL_CELL	160
#define TBL_GAP		2

struct tbl_col {
	const char	*title;
	char		 align;		/* 'l' or 'r' */
	int		 prio;		/* 0: always; higher goes sooner */
	int		 max;		/* widest it gets, 0: no limit */
	int		 min;		/* shrink or flex columns */
	int		 shrink;	/* may be cut down to min */
	int		 flex;		/* takes the width that is left */
	int		 sortable;
};

struct tbl_cell {
	char		s[TBL_CELL];
	unsigned char	style;
};

struct tbl {
	const struct tbl_col	*col;
	int			 ncols, nrows;
	struct tbl_cell		*cell;
	int			 w[TBL_MAXCOL], x[TBL_MAXCOL];
	int			 shown[TBL_MAXCOL];
	int			 sortcol, reverse;	/* sortcol -1: none */
};

static void
tbl_init(struct tbl *t, const struct tbl_col *col, int ncols, int nrows)
{
	memset(t, 0, sizeof(*t));
	t->col = col;
	t->ncols = ncols;
	t->nrows = nrows;
	t->sortcol = -1;
	t->cell = xcalloc((size_t)(nrows > 0 ? nrows : 1) * (size_t)ncols,
	    sizeof(*t->cell));
}

static void
tbl_free(struct tbl *t)
{
	free(t->cell);
	t->cell = NULL;
}

static struct tbl_cell *
tbl_at(struct tbl *t, int r, int c)
{
	return &t->cell[(size_t)r * (size_t)t->ncols + (size_t)c];
}

static void
tbl_set(struct tbl *t, int r, int c, int style, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
tbl_set(struct tbl *t, int r, int c, int style, const char *fmt, ...)
{
	struct tbl_cell *cell = tbl_at(t, r, c);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cell->s, sizeof(cell->s), fmt, ap);
	va_end(ap);
	cell->style = (unsigned char)style;
}

static int
tbl_total(const struct tbl *t, int gap)
{
	int c, total = 0, n = 0;

	for (c = 0; c < t->ncols; c++)
		if (t->shown[c]) {
			total += t->w[c];
			n++;
		}
	return total + (n > 1 ? gap * (n - 1) : 0);
}

/* The shown column of the highest priority number >= floor, or -1. */
static int
tbl_droppable(const struct tbl *t, int floor)
{
	int c, best = -1;

	for (c = 0; c < t->ncols; c++)
		if (t->shown[c] && t->col[c].prio >= floor &&
		    (best == -1 || t->col[c].prio >= t->col[best].prio))
			best = c;
	return best;
}

/*
 * Widths and positions of the columns for a screen width: columns of
 * priority 4 and up go first, then the gap narrows to one space, then
 * shrinkable columns are cut down to their minimum, then the columns of
 * priority 1 and up go; a flex column gets what is left.
 */
static void
tbl_layout(struct tbl *t, int width)
{
	int c, r, w, gap = TBL_GAP, excess, widest, x;

	for (c = 0; c < t->ncols; c++) {
		t->shown[c] = 1;
		if (t->col[c].flex) {
			t->w[c] = t->col[c].min;
			continue;
		}
		w = canvas_width(t->col[c].title) + (c == t->sortcol);
		for (r = 0; r < t->nrows; r++)
			if (canvas_width(tbl_at(t, r, c)->s) > w)
				w = canvas_width(tbl_at(t, r, c)->s);
		if (t->col[c].max > 0 && w > t->col[c].max)
			w = t->col[c].max;
		t->w[c] = w;
	}
	/* air between columns matters more than the least useful ones */
	while (tbl_total(t, gap) > width && (c = tbl_droppable(t, 4)) != -1)
		t->shown[c] = 0;
	if (tbl_total(t, gap) > width)
		gap = 1;
	while ((excess = tbl_total(t, gap) - width) > 0) {
		widest = -1;
		for (c = 0; c < t->ncols; c++)
			if (t->shown[c] && t->col[c].shrink &&
			    t->w[c] > t->col[c].min &&
			    (widest == -1 || t->w[c] > t->w[widest]))
				widest = c;
		if (widest == -1)
			break;
		t->w[widest]--;
	}
	while (tbl_total(t, gap) > width && (c = tbl_droppable(t, 1)) != -1)
		t->shown[c] = 0;
	if ((excess = width - tbl_total(t, gap)) > 0)
		for (c = 0; c < t->ncols; c++)
			if (t->shown[c] && t->col[c].flex) {
				t->w[c] += excess;
				break;
			}
	for (c = 0, x = 0; c < t->ncols; c++) {
		t->x[c] = x;
		if (t->shown[c])
			x += t->w[c] + gap;
	}
}

static void
tbl_header(struct canvas *cv, const struct tbl *t, int y)
{
	char title[64];
	int c;

	canvas_fill(cv, y, 0, cv->w, ST_HEADER, " ");
	for (c = 0; c < t->ncols; c++) {
		if (!t->shown[c])
			continue;
		snprintf(title, sizeof(title), "%s%s", t->col[c].title,
		    c != t->sortcol ? "" : canvas_glyph(cv, t->reverse ?
		    G_SORT_DOWN : G_SORT_UP));
		if (t->col[c].align == 'r')
			canvas_put_right(cv, y, t->x[c], t->w[c], ST_HEADER,
			    title);
		else
			canvas_put(cv, y, t->x[c], ST_HEADER, title, t->w[c]);
	}
}

static void
tbl_row(struct canvas *cv, struct tbl *t, int y, int r)
{
	struct tbl_cell *cell;
	int c;

	for (c = 0; c < t->ncols; c++) {
		if (!t->shown[c] || t->col[c].flex)
			continue;
		cell = tbl_at(t, r, c);
		if (t->col[c].align == 'r')
			canvas_put_right(cv, y, t->x[c], t->w[c], cell->style,
			    cell->s);
		else
			canvas_put(cv, y, t->x[c], cell->style, cell->s,
			    t->w[c]);
	}
}

/* The next sortable column after c, wrapping. */
static int
tbl_next_sortable(const struct tbl_col *col, int ncols, int c)
{
	int i;

	for (i = 1; i <= ncols; i++)
		if (col[(c + i) % ncols].sortable)
			return (c + i) % ncols;
	return c;
}

/*
 * The first of n rows to show in page rows, with *scroll clamped.
 */
static int
clamp_scroll(int *scroll, int n, int page)
{
	int max = n > page ? n - page : 0;

	if (*scroll > max)
		*scroll = max;
	if (*scroll < 0)
		*scroll = 0;
	return *scroll;
}

/* Body rows a table of n rows took from first on; 1 for "none". */
static int
rows_shown(int n, int first, int page)
{
	if (n == 0)
		return 1;
	return n - first < page ? n - first : page;
}

/* A hint in the body when there is nothing to show. */
static void
draw_note(struct canvas *cv, int y, const struct model *m,
    const char *what)
{
	if (m->conn != MODEL_CONNECTED && !m->ever_connected)
		canvas_put(cv, y, 1, ST_DIM, "waiting for argod ...", -1);
	else if (m->reply_err[0] != '\0')
		canvas_printf(cv, y, 1, ST_ALERT, -1, "argod: %s",
		    m->reply_err);
	else
		canvas_printf(cv, y, 1, ST_DIM, -1, "%s", what);
}

/*
 * Peers.
 */
enum {
	PC_NAME, PC_STATE, PC_RTT, PC_BASE, PC_JITTER, PC_LOSS, PC_HIST,
	PC_SINCE, PC_COUNT
};

static const struct tbl_col peer_cols[PC_COUNT] = {
	[PC_NAME] = { "NAME", 'l', 0, 32, 0, 0, 0, 1 },
	[PC_STATE] = { "STATE", 'l', 0, 0, 0, 0, 0, 1 },
	[PC_RTT] = { "RTT ms", 'r', 0, 0, 0, 0, 0, 1 },
	[PC_BASE] = { "BASE", 'r', 2, 0, 0, 0, 0, 1 },
	[PC_JITTER] = { "JITTER", 'r', 3, 0, 0, 0, 0, 1 },
	[PC_LOSS] = { "LOSS %", 'r', 1, 0, 0, 0, 0, 1 },
	[PC_HIST] = { "RTT HISTORY", 'l', 0, 0, 11, 0, 1, 0 },
	[PC_SINCE] = { "SINCE", 'r', 1, 0, 0, 0, 0, 1 },
};

/* qsort has no context argument: drawing is single-threaded */
static const struct ctlc_peer	*sort_peers;
static const struct ctlc_route	*sort_routes;
static int			 sort_col, sort_rev;

static int
state_rank(int state)
{
	switch (state) {
	case 0:
		return 0;	/* trouble first */
	case 2:
		return 1;
	case 1:
		return 2;
	default:
		return 3;
	}
}

/*
 * Unknown values go last in either direction: the result is pre-negated
 * for them, since the caller negates it for a reversed sort.
 */
static int
cmp_num(double a, double b)
{
	if (isnan(a) && isnan(b))
		return 0;
	if (isnan(a))
		return sort_rev ? -1 : 1;
	if (isnan(b))
		return sort_rev ? 1 : -1;
	return a < b ? -1 : a > b;
}

static int
cmp_peer(const void *pa, const void *pb)
{
	const struct ctlc_peer *a = &sort_peers[*(const size_t *)pa];
	const struct ctlc_peer *b = &sort_peers[*(const size_t *)pb];
	int rc = 0;

	switch (sort_col) {
	case PC_STATE:
		rc = state_rank(a->state) - state_rank(b->state);
		break;
	case PC_RTT:
		rc = cmp_num(a->rtt_ms, b->rtt_ms);
		break;
	case PC_BASE:
		rc = cmp_num(a->rtt_min_ms, b->rtt_min_ms);
		break;
	case PC_JITTER:
		rc = cmp_num(a->jitter_ms, b->jitter_ms);
		break;
	case PC_LOSS:
		rc = cmp_num(a->loss_pct, b->loss_pct);
		break;
	case PC_SINCE:
		rc = cmp_num(a->state_since_s, b->state_since_s);
		break;
	}
	if (rc == 0)
		rc = strcmp(a->name, b->name);
	return sort_rev ? -rc : rc;
}

/* Newest sample on the right; scaled to the samples shown. */
static void
draw_sparkline(struct canvas *cv, int y, int x, int w,
    const struct model_hist *h, double base)
{
	const struct model_sample *s;
	double lo = INFINITY, hi = -INFINITY, v;
	int i, lvl;

	if (h == NULL || w <= 0)
		return;
	for (i = 0; i < w && (s = model_hist_at(h, (size_t)i)) != NULL;
	    i++)
		if (!isnan(s->rtt_ms)) {
			if (s->rtt_ms < lo)
				lo = s->rtt_ms;
			if (s->rtt_ms > hi)
				hi = s->rtt_ms;
		}
	if (!isnan(base) && base < lo)
		lo = base;
	/* noise of a few percent draws a low line, not a sawtooth */
	if (hi - lo < 1.0 || hi - lo < lo * 0.1)
		hi = lo + (lo * 0.1 > 1.0 ? lo * 0.1 : 1.0);
	for (i = 0; i < w && (s = model_hist_at(h, (size_t)i)) != NULL;
	    i++) {
		if (s->state == 0) {
			canvas_put(cv, y, x + w - 1 - i, ST_DOWN,
			    canvas_glyph(cv, G_DOWN), 1);
			continue;
		}
		if (isnan(s->rtt_ms))
			continue;	/* a gap: disconnected, or unmeasured */
		v = (s->rtt_ms - lo) / (hi - lo);
		lvl = (int)lround(v * (G_SPARK_LEVELS - 1));
		if (lvl < 0)
			lvl = 0;
		if (lvl >= G_SPARK_LEVELS)
			lvl = G_SPARK_LEVELS - 1;
		canvas_put(cv, y, x + w - 1 - i, s->state == 2 ?
		    ST_CONGESTED : ST_NORMAL,
		    canvas_glyph(cv, (enum canvas_glyph)(G_SPARK0 + lvl)), 1);
	}
}

static int
draw_peers(struct canvas *cv, const struct model *m, struct view_state *vs,
    int y0, int rows)
{
	const struct ctlc_peer *p;
	struct tbl t;
	char b[5][32];
	size_t *order, i, n;
	int r, first, page;

	if (!m->has_peers) {
		draw_note(cv, y0, m, "no peers yet");
		return 1;
	}
	n = m->peers.n;
	order = xcalloc(n ? n : 1, sizeof(*order));
	for (i = 0; i < n; i++)
		order[i] = i;
	sort_peers = m->peers.v;
	sort_col = vs->sort[VIEW_PEERS];
	sort_rev = vs->reverse[VIEW_PEERS];
	qsort(order, n, sizeof(*order), cmp_peer);

	tbl_init(&t, peer_cols, PC_COUNT, (int)n);
	t.sortcol = vs->sort[VIEW_PEERS];
	t.reverse = vs->reverse[VIEW_PEERS];
	for (i = 0; i < n; i++) {
		p = &m->peers.v[order[i]];
		r = (int)i;
		tbl_set(&t, r, PC_NAME, ST_BOLD, "%s", p->name);
		tbl_set(&t, r, PC_STATE, state_style(p->state), "%s",
		    p->state_name != NULL ? p->state_name : "-");
		tbl_set(&t, r, PC_RTT, p->state == 2 ? ST_CONGESTED :
		    ST_NORMAL, "%s", fmt_ms(b[0], sizeof(b[0]), p->rtt_ms));
		tbl_set(&t, r, PC_BASE, ST_NORMAL, "%s",
		    fmt_ms(b[1], sizeof(b[1]), p->rtt_min_ms));
		tbl_set(&t, r, PC_JITTER, ST_NORMAL, "%s",
		    fmt_ms(b[2], sizeof(b[2]), p->jitter_ms));
		if (isnan(p->loss_pct))
			tbl_set(&t, r, PC_LOSS, ST_DIM, "-");
		else
			tbl_set(&t, r, PC_LOSS, p->loss_pct > 0 ?
			    ST_CONGESTED : ST_NORMAL, "%.1f", p->loss_pct);
		tbl_set(&t, r, PC_SINCE, ST_NORMAL, "%s",
		    ctlc_fmt_duration(b[3], sizeof(b[3]), p->state_since_s));
		if (isnan(p->rtt_ms))
			tbl_at(&t, r, PC_RTT)->style = ST_DIM;
	}
	tbl_layout(&t, cv->w);
	tbl_header(cv, &t, y0);
	page = rows < 0 ? (int)n : rows - 1;
	vs->page = page;
	first = clamp_scroll(&vs->scroll[VIEW_PEERS], (int)n, page);
	for (r = first; r < (int)n && r - first < page; r++) {
		tbl_row(cv, &t, y0 + 1 + r - first, r);
		p = &m->peers.v[order[r]];
		if (t.shown[PC_HIST])
			draw_sparkline(cv, y0 + 1 + r - first, t.x[PC_HIST],
			    t.w[PC_HIST], model_hist_find(m, p->name),
			    p->rtt_min_ms);
	}
	if (n == 0)
		canvas_put(cv, y0 + 1, 1, ST_DIM, "no peers configured", -1);
	tbl_free(&t);
	free(order);
	return 1 + rows_shown((int)n, first, page);
}

/*
 * Matrix: a heat map of what every node's database row says about its
 * links. The scale is fixed, not fitted to the data, so that a colour
 * means the same latency from one refresh (and one overlay) to the next.
 */
static const double heat_rtt[ST_HEAT_LEVELS - 1] = { 10, 25, 50, 100, 200 };
static const double heat_loss[ST_HEAT_LEVELS - 1] = { 0.001, 1, 2, 5, 10 };

static int
heat_level(double v, const double *edge)
{
	int i;

	for (i = 0; i < ST_HEAT_LEVELS - 1; i++)
		if (v < edge[i])
			return i;
	return ST_HEAT_LEVELS - 1;
}

static void
matrix_cell(char *buf, size_t len, double v, int state, int decimals)
{
	if (state == 0)
		snprintf(buf, len, "x");
	else if (isnan(v))
		snprintf(buf, len, "?%s", state == 2 ? "*" : "");
	else
		snprintf(buf, len, "%.*f%s", decimals, v,
		    state == 2 ? "*" : "");
}

static int
draw_matrix(struct canvas *cv, const struct model *m, struct view_state *vs,
    int y0, int rows)
{
	const struct ctlc_matrix *mx = &m->matrix;
	const double *edge = vs->matrix_loss ? heat_loss : heat_rtt;
	const char *self = self_name(m);
	const char *corner = vs->matrix_loss ? "loss" : "rtt";
	char buf[48];
	size_t i, j;
	int lw, cw, dec, need, ncol, first, firstcol, page, y, x, k, st, sty;
	double v;

	if (!m->has_matrix) {
		draw_note(cv, y0, m, "no matrix yet");
		return 1;
	}
	if (mx->n == 0) {
		draw_note(cv, y0, m, "the link state database is empty");
		return 1;
	}
	lw = 2;
	for (i = 0; i < mx->n; i++)
		if (canvas_width(mx->node[i]) > lw)
			lw = canvas_width(mx->node[i]);
	if (lw > 16)
		lw = 16;
	if (lw < canvas_width(corner))
		lw = canvas_width(corner);
	/* one decimal when the whole matrix fits with it */
	for (dec = 1; dec >= 0; dec--) {
		need = 3;
		for (i = 0; i < mx->n; i++)
			for (j = 0; j < mx->n; j++) {
				if (i == j)
					continue;
				matrix_cell(buf, sizeof(buf), vs->matrix_loss ?
				    CTLC_M(mx, loss_pct, i, j) :
				    CTLC_M(mx, rtt_ms, i, j),
				    CTLC_M(mx, state, i, j), dec);
				if ((int)strlen(buf) > need)
					need = (int)strlen(buf);
			}
		cw = need + 1;
		if (lw + 1 + (int)mx->n * cw <= cv->w)
			break;
	}
	if (dec < 0)
		dec = 0;
	ncol = (cv->w - lw - 1) / cw;
	if (ncol < 1)
		ncol = 1;
	if (vs->hscroll > (int)mx->n - ncol)
		vs->hscroll = (int)mx->n - ncol;
	if (vs->hscroll < 0)
		vs->hscroll = 0;
	firstcol = vs->hscroll;

	/* header: column names, cut to the cell */
	canvas_fill(cv, y0, 0, cv->w, ST_HEADER, " ");
	canvas_put(cv, y0, 0, ST_HEADER, corner, lw);
	for (k = 0; k < ncol && firstcol + k < (int)mx->n; k++) {
		j = (size_t)(firstcol + k);
		x = lw + 1 + k * cw;
		canvas_put_right(cv, y0, x, cw - 1, ST_HEADER, mx->node[j]);
	}

	/* below the grid: a blank row and two of legend */
	page = rows < 0 ? (int)mx->n : rows - 4;
	if (page < 1)
		page = 1;
	vs->page = page;
	first = clamp_scroll(&vs->scroll[VIEW_MATRIX], (int)mx->n, page);
	y = y0 + 1;
	for (i = (size_t)first; i < mx->n && (int)i - first < page; i++, y++) {
		canvas_put(cv, y, 0, self != NULL && strcmp(self,
		    mx->node[i]) == 0 ? ST_SELF : ST_BOLD, mx->node[i], lw);
		for (k = 0; k < ncol && firstcol + k < (int)mx->n; k++) {
			j = (size_t)(firstcol + k);
			x = lw + 1 + k * cw;
			if (i == j) {
				canvas_put_right(cv, y, x, cw - 1, ST_DIM,
				    canvas_glyph(cv, G_DIAG));
				continue;
			}
			v = vs->matrix_loss ? CTLC_M(mx, loss_pct, i, j) :
			    CTLC_M(mx, rtt_ms, i, j);
			st = CTLC_M(mx, state, i, j);
			if (st == -1 && isnan(v)) {
				canvas_put_right(cv, y, x, cw - 1, ST_DIM, "-");
				continue;
			}
			matrix_cell(buf, sizeof(buf), v, st, dec);
			if (st == 0)
				sty = ST_DOWN;
			else if (st == 2)
				sty = ST_CONGESTED;
			else if (isnan(v))
				sty = ST_DIM;
			else
				sty = ST_HEAT0 + heat_level(v, edge);
			canvas_fill(cv, y, x, cw - 1, sty, " ");
			canvas_put_right(cv, y, x, cw - 1, sty, buf);
		}
	}

	/* legend */
	y++;
	x = canvas_printf(cv, y, 0, ST_DIM, -1, "%s from row to column: "
	    "* congested  x down  - unknown",
	    vs->matrix_loss ? "loss %" : "rtt ms");
	if ((int)mx->n > ncol || first > 0 || (int)mx->n - first > page)
		canvas_printf(cv, y + 1, 0, ST_DIM, -1, "rows %d-%d, columns "
		    "%d-%d of %zu", first + 1, (int)i, firstcol + 1,
		    firstcol + k, mx->n);
	else if (cv->grow)
		return y + 1 - y0;
	else {
		/* colours only: no scale in batch text */
		x = canvas_put(cv, y + 1, 0, ST_DIM, "scale: ", -1);
		for (k = 0; k < ST_HEAT_LEVELS; k++) {
			x += canvas_put(cv, y + 1, x, ST_HEAT0 + k,
			    canvas_glyph(cv, G_BLOCK), 1);
			if (k < ST_HEAT_LEVELS - 1)
				snprintf(buf, sizeof(buf), "<%g ", edge[k]);
			else
				snprintf(buf, sizeof(buf), ">=%g",
				    edge[k - 1]);
			if (vs->matrix_loss && k == 0)
				snprintf(buf, sizeof(buf), "0 ");
			x += canvas_put(cv, y + 1, x, ST_DIM, buf, -1);
		}
	}
	return y + 2 - y0;
}

/*
 * Routes.
 */
enum {
	RC_ORIGIN, RC_PREFIX, RC_PATH, RC_COST, RC_DIRECT, RC_GAIN,
	RC_RUNNER, RC_LOST, RC_SINCE, RC_COUNT
};

static const struct tbl_col route_cols[RC_COUNT] = {
	[RC_ORIGIN] = { "ORIGIN", 'l', 0, 32, 0, 0, 0, 1 },
	[RC_PREFIX] = { "PREFIX", 'l', 5, 0, 0, 0, 0, 0 },
	[RC_PATH] = { "PATH", 'l', 0, 0, 12, 1, 0, 0 },
	[RC_COST] = { "COST", 'r', 0, 0, 0, 0, 0, 1 },
	[RC_DIRECT] = { "DIRECT", 'r', 2, 0, 0, 0, 0, 0 },
	[RC_GAIN] = { "GAIN", 'r', 1, 0, 0, 0, 0, 1 },
	[RC_RUNNER] = { "RUNNER-UP", 'l', 3, 0, 12, 1, 0, 0 },
	[RC_LOST] = { "LOST BY", 'l', 3, 0, 0, 0, 0, 0 },
	[RC_SINCE] = { "CHANGED", 'r', 1, 0, 0, 0, 0, 1 },
};

static double
route_gain(const struct ctlc_route *r)
{
	if (!r->reachable || isnan(r->direct_cost_ms) || isnan(r->cost_ms))
		return NAN;
	return r->direct_cost_ms - r->cost_ms;
}

static int
cmp_route(const void *pa, const void *pb)
{
	const struct ctlc_route *a = &sort_routes[*(const size_t *)pa];
	const struct ctlc_route *b = &sort_routes[*(const size_t *)pb];
	int rc = 0;

	switch (sort_col) {
	case RC_COST:
		rc = cmp_num(a->reachable ? a->cost_ms : NAN,
		    b->reachable ? b->cost_ms : NAN);
		break;
	case RC_GAIN:
		/* the biggest gain first */
		rc = cmp_num(-route_gain(a), -route_gain(b));
		break;
	case RC_SINCE:
		rc = cmp_num(a->since_s, b->since_s);
		break;
	}
	if (rc == 0)
		rc = strcmp(a->origin, b->origin);
	if (rc == 0)
		rc = strcmp(a->prefix, b->prefix);
	return sort_rev ? -rc : rc;
}

/*
 * The state of this node's direct link to node, from the matrix (the
 * routes reply gives the direct cost but not whether it is congested).
 */
static int
direct_state(const struct model *m, const char *node)
{
	const struct ctlc_matrix *mx = &m->matrix;
	const char *self = self_name(m);
	size_t i, j, k;

	if (!m->has_matrix || self == NULL || node == NULL)
		return -1;
	i = j = mx->n;
	for (k = 0; k < mx->n; k++) {
		if (strcmp(mx->node[k], self) == 0)
			i = k;
		if (strcmp(mx->node[k], node) == 0)
			j = k;
	}
	if (i == mx->n || j == mx->n)
		return -1;
	return CTLC_M(mx, state, i, j);
}

/* Why the runner-up lost to the chosen path. */
static void
lost_by(char *buf, size_t len, const struct ctlc_route *r)
{
	double d;

	if (!r->has_runner_up || !r->reachable)
		snprintf(buf, len, "-");
	else if (r->ru_congested_hops > r->congested_hops)
		snprintf(buf, len, "congested: %lld hop%s",
		    r->ru_congested_hops - r->congested_hops,
		    r->ru_congested_hops - r->congested_hops == 1 ? "" : "s");
	else if (isnan(r->ru_cost_ms) || isnan(r->cost_ms))
		snprintf(buf, len, "?");
	else if (fabs(d = r->ru_cost_ms - r->cost_ms) < 0.05)
		snprintf(buf, len, "tie");
	else
		snprintf(buf, len, "%+.1fms", d);
}

static int
draw_routes(struct canvas *cv, const struct model *m,
    struct view_state *vs, int y0, int rows)
{
	const struct ctlc_route *rt;
	struct tbl t;
	char b[3][TBL_CELL];
	size_t *order, i, n;
	int r, first, page, recent, direct;
	double g;

	if (!m->has_routes) {
		draw_note(cv, y0, m, "no routes yet");
		return 1;
	}
	n = m->routes.n;
	order = xcalloc(n ? n : 1, sizeof(*order));
	for (i = 0; i < n; i++)
		order[i] = i;
	sort_routes = m->routes.v;
	sort_col = vs->sort[VIEW_ROUTES];
	sort_rev = vs->reverse[VIEW_ROUTES];
	qsort(order, n, sizeof(*order), cmp_route);

	tbl_init(&t, route_cols, RC_COUNT, (int)n);
	t.sortcol = vs->sort[VIEW_ROUTES];
	t.reverse = vs->reverse[VIEW_ROUTES];
	for (i = 0; i < n; i++) {
		rt = &m->routes.v[order[i]];
		r = (int)i;
		recent = !isnan(rt->since_s) && rt->since_s < RECENT_CHANGE_S;
		tbl_set(&t, r, RC_ORIGIN, ST_BOLD, "%s", rt->origin);
		tbl_set(&t, r, RC_PREFIX, ST_NORMAL, "%s", rt->prefix);
		direct = direct_state(m, rt->egress);
		tbl_set(&t, r, RC_DIRECT, direct == 2 ? ST_CONGESTED :
		    ST_NORMAL, "%s%s", fmt_ms(b[0], sizeof(b[0]),
		    rt->direct_cost_ms), direct == 2 &&
		    !isnan(rt->direct_cost_ms) ? "*" : "");
		tbl_set(&t, r, RC_SINCE, recent ? ST_CHANGED : ST_NORMAL,
		    "%s", ctlc_fmt_duration(b[1], sizeof(b[1]), rt->since_s));
		if (rt->has_runner_up)
			tbl_set(&t, r, RC_RUNNER, rt->ru_congested_hops > 0 ?
			    ST_CONGESTED : ST_NORMAL, "%s%s",
			    model_path_str(b[2], sizeof(b[2]), &rt->ru_path),
			    rt->ru_congested_hops > 0 ? "*" : "");
		else
			tbl_set(&t, r, RC_RUNNER, ST_DIM, "-");
		lost_by(b[0], sizeof(b[0]), rt);
		tbl_set(&t, r, RC_LOST, rt->ru_congested_hops >
		    rt->congested_hops ? ST_CONGESTED : ST_NORMAL, "%s", b[0]);
		if (!rt->reachable) {
			tbl_set(&t, r, RC_PATH, ST_DOWN, "unreachable");
			tbl_set(&t, r, RC_COST, ST_DOWN, "-");
			tbl_set(&t, r, RC_GAIN, ST_DIM, "-");
			continue;
		}
		model_path_str(b[0], sizeof(b[0]), &rt->path);
		if (rt->path.n == 1)
			tbl_set(&t, r, RC_PATH, ST_DIM, "%s (local)", b[0]);
		else
			tbl_set(&t, r, RC_PATH, recent ? ST_CHANGED :
			    ST_NORMAL, "%s", b[0]);
		tbl_set(&t, r, RC_COST, rt->congested_hops > 0 ?
		    ST_CONGESTED : ST_NORMAL, "%s%s",
		    fmt_ms(b[1], sizeof(b[1]), rt->cost_ms),
		    rt->congested_hops > 0 ? "*" : "");
		g = route_gain(rt);
		if (isnan(g))
			tbl_set(&t, r, RC_GAIN, ST_DIM, "-");
		else if (fabs(g) < 0.05)
			tbl_set(&t, r, RC_GAIN, ST_NORMAL, "0");
		else
			tbl_set(&t, r, RC_GAIN, g > 0 ? ST_GOOD :
			    ST_CONGESTED, "%+.1f", g);
	}
	tbl_layout(&t, cv->w);
	tbl_header(cv, &t, y0);
	page = rows < 0 ? (int)n : rows - 1;
	vs->page = page;
	first = clamp_scroll(&vs->scroll[VIEW_ROUTES], (int)n, page);
	for (r = first; r < (int)n && r - first < page; r++)
		tbl_row(cv, &t, y0 + 1 + r - first, r);
	if (n == 0)
		canvas_put(cv, y0 + 1, 1, ST_DIM, "no origins configured",
		    -1);
	tbl_free(&t);
	free(order);
	return 1 + rows_shown((int)n, first, page);
}

/*
 * Events: oldest at the top, newest at the bottom, following the newest
 * unless scrolled back. A line: the time, the kind, the subject (peer or
 * origin, padded to the longest), what changed.
 */
#define EV_TIME_W	10	/* "12:00:00  " */
#define EV_KIND_W	7	/* "route  " */
#define EV_SELF_W	10	/* "argo-top  " */
static int
event_line(struct canvas *cv, int y, const struct model_event *e,
    int subjw)
{
	char stamp[16];
	struct tm tm;
	int x, sty;

	localtime_r(&e->wall, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	canvas_put(cv, y, 0, ST_DIM, stamp, EV_TIME_W - 2);
	x = EV_TIME_W;
	switch (e->kind) {
	case MODEL_EV_LINK:
		canvas_put(cv, y, x, ST_NORMAL, "link", -1);
		x += EV_KIND_W;
		canvas_put(cv, y, x, ST_BOLD, e->subject, subjw);
		x += subjw + 2;
		x += canvas_put(cv, y, x, state_style(ctlc_link_state(
		    e->before)), e->before, -1);
		x += canvas_printf(cv, y, x, ST_NORMAL, -1, " %s ",
		    canvas_glyph(cv, G_ARROW));
		x += canvas_put(cv, y, x, state_style(e->state), e->after,
		    -1);
		canvas_printf(cv, y, x, ST_DIM, -1, "  %s", e->detail);
		break;
	case MODEL_EV_ROUTE:
		canvas_put(cv, y, x, ST_NORMAL, "route", -1);
		x += EV_KIND_W;
		canvas_put(cv, y, x, ST_BOLD, e->subject, subjw);
		x += subjw + 2;
		x += canvas_put(cv, y, x, ST_NORMAL, e->before, -1);
		x += canvas_printf(cv, y, x, ST_NORMAL, -1, " %s ",
		    canvas_glyph(cv, G_ARROW));
		sty = e->state == 0 ? ST_DOWN : e->state == 2 ?
		    ST_CONGESTED : ST_CHANGED;
		x += canvas_put(cv, y, x, sty, e->after, -1);
		canvas_printf(cv, y, x, ST_DIM, -1, "  %s", e->detail);
		break;
	case MODEL_EV_INFO:
	case MODEL_EV_ALERT:
		canvas_put(cv, y, x, ST_DIM, "argo-top", -1);
		x += EV_SELF_W;
		canvas_put(cv, y, x, e->kind == MODEL_EV_ALERT ? ST_ALERT :
		    ST_NORMAL, e->detail, -1);
		break;
	case MODEL_EV_OTHER:
		canvas_put(cv, y, x, ST_DIM, e->subject, -1);
		break;
	}
	return 1;
}

static int
draw_events(struct canvas *cv, const struct model *m,
    struct view_state *vs, int y0, int rows)
{
	const struct model_event *e;
	int n = (int)m->ev_n, page, back, k, y, subjw = 6, len;
	size_t i;

	for (i = 0; i < m->ev_n; i++) {
		e = model_event_at(m, i);
		if ((e->kind == MODEL_EV_LINK || e->kind == MODEL_EV_ROUTE) &&
		    (len = canvas_width(e->subject)) > subjw)
			subjw = len > 20 ? 20 : len;
	}
	canvas_fill(cv, y0, 0, cv->w, ST_HEADER, " ");
	canvas_put(cv, y0, 0, ST_HEADER, "TIME", -1);
	canvas_put(cv, y0, EV_TIME_W, ST_HEADER, "EVENT", -1);
	if (n == 0) {
		canvas_put(cv, y0 + 1, 1, ST_DIM, "no events yet: link and "
		    "route changes appear here as they happen", -1);
		return 2;
	}
	page = rows < 0 ? n : rows - 1;
	vs->page = page;
	/* scroll counts rows back from the newest */
	back = clamp_scroll(&vs->scroll[VIEW_EVENTS], n, page);
	y = y0 + 1;
	k = n - back - page;
	if (k < 0)
		k = 0;
	for (; k < n - back; k++, y++)
		event_line(cv, y, model_event_at(m, (size_t)(n - 1 - k)),
		    subjw);
	return y - y0;
}

static int
draw_body(struct canvas *cv, const struct model *m, struct view_state *vs,
    enum view_id v, int y0, int rows)
{
	switch (v) {
	case VIEW_PEERS:
		return draw_peers(cv, m, vs, y0, rows);
	case VIEW_MATRIX:
		return draw_matrix(cv, m, vs, y0, rows);
	case VIEW_ROUTES:
		return draw_routes(cv, m, vs, y0, rows);
	case VIEW_EVENTS:
		return draw_events(cv, m, vs, y0, rows);
	default:
		return 0;
	}
}

/*
 * Bars.
 */
static void
draw_title(struct canvas *cv, const struct model *m, int y)
{
	const char *node = self_name(m), *dot = canvas_glyph(cv, G_DOT);
	char seg[6][96], b[32], clock[16];
	struct tm tm;
	time_t t;
	int x, nseg = 0, i, room;

	canvas_fill(cv, y, 0, cv->w, ST_TITLE, " ");
	snprintf(seg[nseg++], sizeof(seg[0]), " argo-top %s %s", dot,
	    node != NULL ? node : "?");
	if (m->conn != MODEL_CONNECTED && m->ever_connected)
		snprintf(seg[nseg++], sizeof(seg[0]), "DISCONNECTED");
	if (m->has_status) {
		snprintf(seg[nseg++], sizeof(seg[0]), "peers %llu/%llu up",
		    (unsigned long long)m->status.peers_up,
		    (unsigned long long)m->status.peers);
		snprintf(seg[nseg++], sizeof(seg[0]), "up %s",
		    ctlc_fmt_duration(b, sizeof(b), m->status.uptime_s));
		snprintf(seg[nseg++], sizeof(seg[0]), "argod %s",
		    m->status.version);
		snprintf(seg[nseg++], sizeof(seg[0]), "lsdb %llu",
		    (unsigned long long)m->status.lsdb_rows);
	}
	t = time(NULL);
	localtime_r(&t, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S ", &tm);
	room = cv->w - canvas_width(clock) - 1;
	x = 0;
	for (i = 0; i < nseg; i++) {
		if (x + (i ? 3 : 0) + canvas_width(seg[i]) > room)
			break;
		if (i > 0)
			x += canvas_printf(cv, y, x, ST_TITLE, -1, " %s ",
			    dot);
		x += canvas_put(cv, y, x, ST_TITLE, seg[i], -1);
	}
	canvas_put_right(cv, y, 0, cv->w, ST_TITLE, clock);
}

static const struct tbl_col *
sort_cols(enum view_id v, int *ncols)
{
	switch (v) {
	case VIEW_PEERS:
		*ncols = PC_COUNT;
		return peer_cols;
	case VIEW_ROUTES:
		*ncols = RC_COUNT;
		return route_cols;
	default:
		*ncols = 0;
		return NULL;
	}
}

static void
draw_tabs(struct canvas *cv, const struct model *m,
    const struct view_state *vs, int y)
{
	const struct tbl_col *col;
	char hint[96];
	int v, x = 0, ncols;

	canvas_fill(cv, y, 0, cv->w, ST_TAB, " ");
	for (v = 0; v < VIEW_COUNT; v++) {
		x += canvas_printf(cv, y, x, v == (int)vs->cur ? ST_TAB_ON :
		    ST_TAB, -1, " %d %s ", v + 1, view_titles[v]);
		x++;
	}
	hint[0] = '\0';
	if ((col = sort_cols(vs->cur, &ncols)) != NULL)
		snprintf(hint, sizeof(hint), "sort %s%s (s S)  ",
		    col[vs->sort[vs->cur]].title,
		    canvas_glyph(cv, vs->reverse[vs->cur] ? G_SORT_DOWN :
		    G_SORT_UP));
	else if (vs->cur == VIEW_MATRIX)
		snprintf(hint, sizeof(hint), "%s (t)  ", vs->matrix_loss ?
		    "loss" : "rtt");
	else if (vs->cur == VIEW_EVENTS)
		snprintf(hint, sizeof(hint), "%lu events  ", m->ev_total);
	strncat(hint, "? help ", sizeof(hint) - strlen(hint) - 1);
	if (x + canvas_width(hint) < cv->w)
		canvas_put_right(cv, y, 0, cv->w, ST_TAB, hint);
}

static void
draw_status(struct canvas *cv, const struct model *m, int y, double now)
{
	const char *dot = canvas_glyph(cv, G_DOT);
	char b[32], right[32];
	int sty = ST_STATUS;

	if (m->conn == MODEL_DISCONNECTED || m->reply_err[0] != '\0' ||
	    (m->conn == MODEL_CONNECTING && m->conn_err[0] != '\0'))
		sty = ST_ALERT;
	canvas_fill(cv, y, 0, cv->w, sty, " ");
	snprintf(right, sizeof(right), " q quit ");
	switch (m->conn) {
	case MODEL_DISCONNECTED:
		snprintf(b, sizeof(b), "%.1fs", m->retry_at > now ?
		    m->retry_at - now : 0.0);
		canvas_printf(cv, y, 0, sty, cv->w - 8, " disconnected %s "
		    "retrying in %s: %s", canvas_glyph(cv, G_DASH), b,
		    m->conn_err);
		break;
	case MODEL_CONNECTING:
		if (m->conn_err[0] != '\0')
			canvas_printf(cv, y, 0, sty, cv->w - 8,
			    " disconnected %s connecting to %s",
			    canvas_glyph(cv, G_DASH), m->path);
		else
			canvas_printf(cv, y, 0, sty, cv->w - 8,
			    " connecting to %s", m->path);
		break;
	case MODEL_CONNECTED:
		if (m->reply_err[0] != '\0')
			canvas_printf(cv, y, 0, sty, cv->w - 8,
			    " argod: %s", m->reply_err);
		else
			canvas_printf(cv, y, 0, sty, cv->w - 8,
			    " connected %s updated %s ago %s every %gs %s %s",
			    dot, ctlc_fmt_duration(b, sizeof(b), m->updated_at > 0 ?
			    now - m->updated_at : NAN), dot, m->delay, dot,
			    m->path);
		break;
	}
	canvas_put_right(cv, y, 0, cv->w, sty, right);
}

static const char *const help_lines[] = {
	"argo-top: a live view of argod and its overlay",
	"",
	"1 p   Peers   state, RTT, baseline, jitter, loss, history",
	"2 m   Matrix  RTT or loss of every link, as a heat map",
	"3 r   Routes  chosen path, direct cost, gain, runner-up",
	"4 e   Events  link and route changes as they happen",
	"Tab   next view (Shift-Tab: previous)",
	"",
	"s     sort by the next column    S  reverse the order",
	"t     Matrix: switch between RTT and loss",
	"Up Down PgUp PgDn Home End       scroll",
	"Left Right                       Matrix: scroll columns",
	"+ -   refresh more or less often",
	"Space refresh now                Ctrl-L  redraw",
	"q     quit                       ?  this help",
	"",
	"States: up, congested (*), down (x). Any key closes this.",
};

static void
draw_help(struct canvas *cv)
{
	int n = (int)(sizeof(help_lines) / sizeof(help_lines[0]));
	int i, w = 0, bw, bh, x0, y0;

	for (i = 0; i < n; i++)
		if (canvas_width(help_lines[i]) > w)
			w = canvas_width(help_lines[i]);
	bw = w + 4;
	bh = n + 2;
	if (bw > cv->w)
		bw = cv->w;
	if (bh > cv->h)
		bh = cv->h;
	x0 = (cv->w - bw) / 2;
	y0 = (cv->h - bh) / 2;
	for (i = 0; i < bh; i++)
		canvas_fill(cv, y0 + i, x0, bw, ST_NORMAL, " ");
	canvas_fill(cv, y0, x0 + 1, bw - 2, ST_NORMAL,
	    canvas_glyph(cv, G_HLINE));
	canvas_fill(cv, y0 + bh - 1, x0 + 1, bw - 2, ST_NORMAL,
	    canvas_glyph(cv, G_HLINE));
	for (i = 1; i < bh - 1; i++) {
		canvas_put(cv, y0 + i, x0, ST_NORMAL,
		    canvas_glyph(cv, G_VLINE), 1);
		canvas_put(cv, y0 + i, x0 + bw - 1, ST_NORMAL,
		    canvas_glyph(cv, G_VLINE), 1);
	}
	canvas_put(cv, y0, x0, ST_NORMAL, canvas_glyph(cv, G_TL), 1);
	canvas_put(cv, y0, x0 + bw - 1, ST_NORMAL, canvas_glyph(cv, G_TR), 1);
	canvas_put(cv, y0 + bh - 1, x0, ST_NORMAL, canvas_glyph(cv, G_BL), 1);
	canvas_put(cv, y0 + bh - 1, x0 + bw - 1, ST_NORMAL,
	    canvas_glyph(cv, G_BR), 1);
	for (i = 0; i < n && i + 1 < bh - 1; i++)
		canvas_put(cv, y0 + 1 + i, x0 + 2, i == 0 ? ST_BOLD :
		    ST_NORMAL, help_lines[i], bw - 4);
}

void
view_init(struct view_state *vs)
{
	memset(vs, 0, sizeof(*vs));
	vs->cur = VIEW_PEERS;
	vs->sort[VIEW_PEERS] = PC_NAME;
	vs->sort[VIEW_ROUTES] = RC_ORIGIN;
}

void
view_draw(struct canvas *cv, const struct model *m, struct view_state *vs,
    double now)
{
	int y;

	canvas_clear(cv);
	if (cv->w < VIEW_MIN_W || cv->h < VIEW_MIN_H) {
		canvas_printf(cv, 0, 0, ST_ALERT, -1, "terminal too small: "
		    "%dx%d", cv->w, cv->h);
		canvas_printf(cv, 1, 0, ST_NORMAL, -1, "argo-top needs %dx%d",
		    VIEW_MIN_W, VIEW_MIN_H);
		canvas_put(cv, 2, 0, ST_DIM, "q quits", -1);
		return;
	}
	draw_title(cv, m, 0);
	draw_tabs(cv, m, vs, 1);
	draw_body(cv, m, vs, vs->cur, 2, cv->h - 3);
	/* what is left from before a disconnection is shown, but greyed */
	if (m->conn != MODEL_CONNECTED && vs->cur != VIEW_EVENTS)
		for (y = 3; y < cv->h - 1; y++)
			canvas_style(cv, y, 0, cv->w, ST_DIM);
	draw_status(cv, m, cv->h - 1, now);
	if (vs->help)
		draw_help(cv);
}

void
view_batch(struct canvas *cv, const struct model *m, struct view_state *vs,
    enum view_id which)
{
	int v, y;

	canvas_clear(cv);
	draw_title(cv, m, 0);
	y = 2;
	for (v = 0; v < VIEW_COUNT; v++) {
		if (which != VIEW_COUNT && v != (int)which)
			continue;
		canvas_put(cv, y++, 0, ST_BOLD, view_titles[v], -1);
		y += draw_body(cv, m, vs, (enum view_id)v, y, -1);
		y++;
	}
}

int
view_key(struct view_state *vs, int key)
{
	const struct tbl_col *col;
	int *scroll = &vs->scroll[vs->cur], ncols, page;
	int back = vs->cur == VIEW_EVENTS ? -1 : 1;

	page = vs->page > 1 ? vs->page - 1 : 1;
	if (vs->help) {
		vs->help = 0;
		return 1;
	}
	switch (key) {
	case '1': case 'p':
		vs->cur = VIEW_PEERS;
		break;
	case '2': case 'm':
		vs->cur = VIEW_MATRIX;
		break;
	case '3': case 'r':
		vs->cur = VIEW_ROUTES;
		break;
	case '4': case 'e':
		vs->cur = VIEW_EVENTS;
		break;
	case VK_TAB:
		vs->cur = (vs->cur + 1) % VIEW_COUNT;
		break;
	case VK_BTAB:
		vs->cur = (vs->cur + VIEW_COUNT - 1) % VIEW_COUNT;
		break;
	case '?': case 'h': case VK_F1:
		vs->help = 1;
		break;
	case 's':
		if ((col = sort_cols(vs->cur, &ncols)) == NULL)
			return 0;
		vs->sort[vs->cur] = tbl_next_sortable(col, ncols,
		    vs->sort[vs->cur]);
		break;
	case 'S':
		if (sort_cols(vs->cur, &ncols) == NULL)
			return 0;
		vs->reverse[vs->cur] = !vs->reverse[vs->cur];
		break;
	case 't':
		vs->matrix_loss = !vs->matrix_loss;
		break;
	case VK_UP: case 'k':
		*scroll -= back;
		break;
	case VK_DOWN: case 'j':
		*scroll += back;
		break;
	case VK_PGUP:
		*scroll -= back * page;
		break;
	case VK_PGDN:
		*scroll += back * page;
		break;
	case VK_HOME: case 'g':
		*scroll = back > 0 ? 0 : INT_MAX / 2;
		break;
	case VK_END: case 'G':
		*scroll = back > 0 ? INT_MAX / 2 : 0;
		break;
	case VK_LEFT:
		if (vs->cur != VIEW_MATRIX)
			return 0;
		vs->hscroll--;
		break;
	case VK_RIGHT:
		if (vs->cur != VIEW_MATRIX)
			return 0;
		vs->hscroll++;
		break;
	default:
		return 0;
	}
	if (*scroll < 0)
		*scroll = 0;
	if (vs->hscroll < 0)
		vs->hscroll = 0;
	return 1;
}
