/*
 * The Matrix view: a heat map of what every node's database row says
 * about its links, RTT or loss from row to column (t switches), scrolled
 * both ways when the overlay does not fit. The scale is fixed, not fitted
 * to the data, so that a colour means the same latency from one refresh
 * (and one overlay) to the next.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ctlclient.h"
#include "top-canvas.h"
#include "top-model.h"
#include "top-table.h"
#include "top-view.h"

static const double view_matrix_heat_rtt[ST_HEAT_LEVELS - 1] = {
	10, 25, 50, 100, 200
};
static const double view_matrix_heat_loss[ST_HEAT_LEVELS - 1] = {
	0.001, 1, 2, 5, 10
};

/* How the grid fits the width; columns firstcol to lastcol are shown. */
struct view_matrix_fit {
	int	lw;		/* the row labels */
	int	cw;		/* a cell and the space before the next */
	int	dec;		/* decimals */
	int	firstcol, lastcol;
};

static int
view_matrix_heat_level(double v, const double *edge)
{
	int i;

	for (i = 0; i < ST_HEAT_LEVELS - 1; i++)
		if (v < edge[i])
			return i;
	return ST_HEAT_LEVELS - 1;
}

static double
view_matrix_value(const struct ctlc_matrix *mx, const struct view_state *vs,
    size_t i, size_t j)
{
	return vs->matrix_loss ? CTLC_M(mx, loss_pct, i, j) :
	    CTLC_M(mx, rtt_ms, i, j);
}

static void
view_matrix_cell(char *buf, size_t len, double v, int state, int decimals)
{
	if (state == 0)
		snprintf(buf, len, "x");
	else if (isnan(v))
		snprintf(buf, len, "?%s", state == 2 ? "*" : "");
	else
		snprintf(buf, len, "%.*f%s", decimals, v,
		    state == 2 ? "*" : "");
}

/*
 * Labels up to 16 cells; one decimal when the whole matrix fits with it;
 * the first column shown as scrolled, so that the last one is at the
 * right edge at most.
 */
static void
view_matrix_fit(struct view_matrix_fit *f, const struct canvas *cv,
    const struct ctlc_matrix *mx, struct view_state *vs, const char *corner)
{
	char buf[48];
	size_t i, j;
	int need, ncol;

	f->lw = 2;
	for (i = 0; i < mx->n; i++)
		if (canvas_width(mx->node[i]) > f->lw)
			f->lw = canvas_width(mx->node[i]);
	if (f->lw > 16)
		f->lw = 16;
	if (f->lw < canvas_width(corner))
		f->lw = canvas_width(corner);
	for (f->dec = 1; f->dec >= 0; f->dec--) {
		need = 3;
		for (i = 0; i < mx->n; i++)
			for (j = 0; j < mx->n; j++) {
				if (i == j)
					continue;
				view_matrix_cell(buf, sizeof(buf),
				    view_matrix_value(mx, vs, i, j),
				    CTLC_M(mx, state, i, j), f->dec);
				if ((int)strlen(buf) > need)
					need = (int)strlen(buf);
			}
		f->cw = need + 1;
		if (f->lw + 1 + (int)mx->n * f->cw <= cv->w)
			break;
	}
	if (f->dec < 0)
		f->dec = 0;
	ncol = (cv->w - f->lw - 1) / f->cw;
	if (ncol < 1)
		ncol = 1;
	if (vs->hscroll > (int)mx->n - ncol)
		vs->hscroll = (int)mx->n - ncol;
	if (vs->hscroll < 0)
		vs->hscroll = 0;
	f->firstcol = vs->hscroll;
	f->lastcol = f->firstcol + ncol < (int)mx->n ? f->firstcol + ncol :
	    (int)mx->n;
}

/* Row i of the grid, from node i to the columns shown. */
static void
view_matrix_row(struct canvas *cv, const struct model *m,
    const struct view_state *vs, const struct view_matrix_fit *f, int y,
    size_t i)
{
	const struct ctlc_matrix *mx = &m->matrix;
	const double *edge = vs->matrix_loss ? view_matrix_heat_loss :
	    view_matrix_heat_rtt;
	const char *self = model_self_name(m);
	char buf[48];
	size_t j;
	int x, st, sty;
	double v;

	canvas_put(cv, y, 0, self != NULL && strcmp(self, mx->node[i]) == 0 ?
	    ST_SELF : ST_BOLD, mx->node[i], f->lw);
	for (j = (size_t)f->firstcol; j < (size_t)f->lastcol; j++) {
		x = f->lw + 1 + ((int)j - f->firstcol) * f->cw;
		if (i == j) {
			canvas_put_right(cv, y, x, f->cw - 1, ST_DIM,
			    canvas_glyph(cv, G_DIAG));
			continue;
		}
		v = view_matrix_value(mx, vs, i, j);
		st = CTLC_M(mx, state, i, j);
		if (st == -1 && isnan(v)) {
			canvas_put_right(cv, y, x, f->cw - 1, ST_DIM, "-");
			continue;
		}
		view_matrix_cell(buf, sizeof(buf), v, st, f->dec);
		if (st == 0)
			sty = ST_DOWN;
		else if (st == 2)
			sty = ST_CONGESTED;
		else if (isnan(v))
			sty = ST_DIM;
		else
			sty = ST_HEAT0 + view_matrix_heat_level(v, edge);
		canvas_fill(cv, y, x, f->cw - 1, sty, " ");
		canvas_put_right(cv, y, x, f->cw - 1, sty, buf);
	}
}

/* The colour scale: colours only, so not in batch text. */
static void
view_matrix_scale(struct canvas *cv, const struct view_state *vs, int y)
{
	const double *edge = vs->matrix_loss ? view_matrix_heat_loss :
	    view_matrix_heat_rtt;
	char buf[48];
	int k, x;

	x = canvas_put(cv, y, 0, ST_DIM, "scale: ", -1);
	for (k = 0; k < ST_HEAT_LEVELS; k++) {
		x += canvas_put(cv, y, x, ST_HEAT0 + k,
		    canvas_glyph(cv, G_BLOCK), 1);
		if (k < ST_HEAT_LEVELS - 1)
			snprintf(buf, sizeof(buf), "<%g ", edge[k]);
		else
			snprintf(buf, sizeof(buf), ">=%g", edge[k - 1]);
		if (vs->matrix_loss && k == 0)
			snprintf(buf, sizeof(buf), "0 ");
		x += canvas_put(cv, y, x, ST_DIM, buf, -1);
	}
}

static int
view_matrix_draw(struct canvas *cv, const struct model *m,
    struct view_state *vs, int y0, int rows)
{
	const struct ctlc_matrix *mx = &m->matrix;
	const char *corner = vs->matrix_loss ? "loss" : "rtt";
	struct view_matrix_fit f;
	int n = (int)mx->n, first, last, i, j, y;

	if (!m->has_matrix) {
		top_table_note(cv, y0, m, "no matrix yet");
		return 1;
	}
	if (n == 0) {
		top_table_note(cv, y0, m, "the link state database is empty");
		return 1;
	}
	view_matrix_fit(&f, cv, mx, vs, corner);

	/* header: column names, cut to the cell */
	canvas_fill(cv, y0, 0, cv->w, ST_HEADER, " ");
	canvas_put(cv, y0, 0, ST_HEADER, corner, f.lw);
	for (j = f.firstcol; j < f.lastcol; j++)
		canvas_put_right(cv, y0, f.lw + 1 + (j - f.firstcol) * f.cw,
		    f.cw - 1, ST_HEADER, mx->node[j]);

	/* below the grid: a blank row and two of legend */
	vs->page = rows < 0 ? n : rows - 4;
	if (vs->page < 1)
		vs->page = 1;
	first = top_table_scroll(&vs->scroll[VIEW_MATRIX], n, vs->page);
	last = first + vs->page < n ? first + vs->page : n;
	for (i = first, y = y0 + 1; i < last; i++, y++)
		view_matrix_row(cv, m, vs, &f, y, (size_t)i);

	y++;
	canvas_printf(cv, y, 0, ST_DIM, -1, "%s from row to column: "
	    "* congested  x down  - unknown",
	    vs->matrix_loss ? "loss %" : "rtt ms");
	if (n > f.lastcol - f.firstcol || first > 0 || n - first > vs->page)
		canvas_printf(cv, y + 1, 0, ST_DIM, -1, "rows %d-%d, columns "
		    "%d-%d of %d", first + 1, last, f.firstcol + 1, f.lastcol,
		    n);
	else if (cv->grow)
		return y + 1 - y0;
	else
		view_matrix_scale(cv, vs, y + 1);
	return y + 2 - y0;
}

static void
view_matrix_hint(char *buf, size_t len, const struct model *m,
    const struct view_state *vs)
{
	snprintf(buf, len, "%s (t)  ", vs->matrix_loss ? "loss" : "rtt");
}

/* Left and Right scroll the columns; view_matrix_fit() clamps. */
static int
view_matrix_key(struct view_state *vs, int key)
{
	switch (key) {
	case VK_LEFT:
		if (vs->hscroll > 0)
			vs->hscroll--;
		return 1;
	case VK_RIGHT:
		vs->hscroll++;
		return 1;
	default:
		return 0;
	}
}

const struct view_kind view_matrix_kind = {
	.name = "matrix",
	.title = "Matrix",
	.draw = view_matrix_draw,
	.hint = view_matrix_hint,
	.key = view_matrix_key,
};
