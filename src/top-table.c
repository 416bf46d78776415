/*
 * argo-top's tables; see top-table.h.
 *
 * A table is laid out for the width it gets: columns take the width of
 * their widest cell, and when the screen is too narrow the least useful
 * columns go (each has a priority: the prefix first), then the gap
 * between columns shrinks, then long paths are cut, then more columns go;
 * a flex column (a sparkline) takes whatever is left. State is always
 * spelled out ("congested", '*', 'x'), never carried by colour alone, so
 * the views read the same in monochrome, in ASCII and in batch mode.
 *
 * Rows are sorted with a merge sort of our own rather than qsort(3),
 * which has no context argument (qsort_r is not portable, and its BSD and
 * GNU forms differ): it is stable, so rows that compare equal keep the
 * daemon's order.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "top-canvas.h"
#include "top-model.h"
#include "top-table.h"

#define TOP_TABLE_GAP	2

/*
 * Cells.
 */
const char *
top_table_ms(char *buf, size_t len, double ms)
{
	if (isnan(ms))
		snprintf(buf, len, "-");
	else if (fabs(ms) < 10)
		snprintf(buf, len, "%.2f", ms);
	else
		snprintf(buf, len, "%.1f", ms);
	return buf;
}

int
top_table_state_style(int state)
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

static struct top_table_cell *
top_table_at(const struct top_table *t, int r, int c)
{
	return &t->cell[(size_t)r * (size_t)t->def->ncols + (size_t)c];
}

void
top_table_set(struct top_table *t, int r, int c, int style,
    const char *fmt, ...)
{
	struct top_table_cell *cell = top_table_at(t, r, c);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cell->s, sizeof(cell->s), fmt, ap);
	va_end(ap);
	cell->style = (unsigned char)style;
}

/*
 * Sorting. The comparator gets its context (the view's table, its rows
 * and the order asked for) through this struct.
 */
struct top_table_sort {
	const struct top_table_def	*def;
	const void			*rows;
	int				 col, reverse;
};

/*
 * Unknown values go last in either direction: the result is pre-negated
 * for them, since top_table_cmp() negates it for a reversed sort.
 */
static int
top_table_cmp_num(double a, double b, int reverse)
{
	if (isnan(a) && isnan(b))
		return 0;
	if (isnan(a))
		return reverse ? -1 : 1;
	if (isnan(b))
		return reverse ? 1 : -1;
	return a < b ? -1 : a > b;
}

static int
top_table_cmp(size_t a, size_t b, const struct top_table_sort *s)
{
	int rc;

	rc = top_table_cmp_num(s->def->key(s->rows, a, s->col),
	    s->def->key(s->rows, b, s->col), s->reverse);
	if (rc == 0)
		rc = s->def->tie(s->rows, a, b);
	return s->reverse ? -rc : rc;
}

/* Sorts v[0..n) using tmp, as long; equal rows keep their order. */
static void
top_table_merge_sort(size_t *v, size_t *tmp, size_t n,
    const struct top_table_sort *s)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	top_table_merge_sort(v, tmp, mid, s);
	top_table_merge_sort(v + mid, tmp, n - mid, s);
	while (i < mid && j < n)
		tmp[k++] = top_table_cmp(v[j], v[i], s) < 0 ? v[j++] : v[i++];
	while (i < mid)
		tmp[k++] = v[i++];
	/* what is left of the right half is in place already */
	memcpy(v, tmp, k * sizeof(*v));
}

void
top_table_init(struct top_table *t, const struct top_table_def *def,
    const void *rows, int nrows, const void *arg, int sortcol, int reverse)
{
	struct top_table_sort s = { def, rows, sortcol, reverse };
	size_t i, n = (size_t)(nrows > 0 ? nrows : 1), *tmp;
	int r;

	memset(t, 0, sizeof(*t));
	t->def = def;
	t->nrows = nrows;
	t->arg = arg;
	t->sortcol = sortcol;
	t->reverse = reverse;
	t->cell = xcalloc(n * (size_t)def->ncols, sizeof(*t->cell));
	t->order = xcalloc(n, sizeof(*t->order));
	for (i = 0; i < (size_t)nrows; i++)
		t->order[i] = i;
	tmp = xcalloc(n, sizeof(*tmp));
	top_table_merge_sort(t->order, tmp, (size_t)nrows, &s);
	free(tmp);
	for (r = 0; r < nrows; r++)
		def->fill(t, r, rows, t->order[r], arg);
}

void
top_table_free(struct top_table *t)
{
	free(t->cell);
	free(t->order);
	t->cell = NULL;
	t->order = NULL;
}

int
top_table_next_sortable(const struct top_table_def *def, int c)
{
	int i, n = def->ncols;

	for (i = 1; i <= n; i++)
		if (def->cols[(c + i) % n].sortable)
			return (c + i) % n;
	return c;
}

/*
 * Layout.
 */
static int
top_table_total(const struct top_table *t, int gap)
{
	int c, total = 0, n = 0;

	for (c = 0; c < t->def->ncols; c++)
		if (t->shown[c]) {
			total += t->w[c];
			n++;
		}
	return total + (n > 1 ? gap * (n - 1) : 0);
}

/* The shown column of the highest priority number >= floor, or -1. */
static int
top_table_droppable(const struct top_table *t, int floor)
{
	const struct top_table_col *col = t->def->cols;
	int c, best = -1;

	for (c = 0; c < t->def->ncols; c++)
		if (t->shown[c] && col[c].prio >= floor &&
		    (best == -1 || col[c].prio >= col[best].prio))
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
top_table_layout(struct top_table *t, int width)
{
	const struct top_table_col *col = t->def->cols;
	int c, r, w, gap = TOP_TABLE_GAP, excess, widest, x;

	for (c = 0; c < t->def->ncols; c++) {
		t->shown[c] = 1;
		if (col[c].flex) {
			t->w[c] = col[c].min;
			continue;
		}
		w = canvas_width(col[c].title) + (c == t->sortcol);
		for (r = 0; r < t->nrows; r++)
			if (canvas_width(top_table_at(t, r, c)->s) > w)
				w = canvas_width(top_table_at(t, r, c)->s);
		if (col[c].max > 0 && w > col[c].max)
			w = col[c].max;
		t->w[c] = w;
	}
	/* air between columns matters more than the least useful ones */
	while (top_table_total(t, gap) > width &&
	    (c = top_table_droppable(t, 4)) != -1)
		t->shown[c] = 0;
	if (top_table_total(t, gap) > width)
		gap = 1;
	while ((excess = top_table_total(t, gap) - width) > 0) {
		widest = -1;
		for (c = 0; c < t->def->ncols; c++)
			if (t->shown[c] && col[c].shrink &&
			    t->w[c] > col[c].min &&
			    (widest == -1 || t->w[c] > t->w[widest]))
				widest = c;
		if (widest == -1)
			break;
		t->w[widest]--;
	}
	while (top_table_total(t, gap) > width &&
	    (c = top_table_droppable(t, 1)) != -1)
		t->shown[c] = 0;
	if ((excess = width - top_table_total(t, gap)) > 0)
		for (c = 0; c < t->def->ncols; c++)
			if (t->shown[c] && col[c].flex) {
				t->w[c] += excess;
				break;
			}
	for (c = 0, x = 0; c < t->def->ncols; c++) {
		t->x[c] = x;
		if (t->shown[c])
			x += t->w[c] + gap;
	}
}

/*
 * Drawing.
 */
static void
top_table_put(struct canvas *cv, const struct top_table *t, int y, int c,
    int style, const char *s)
{
	const struct top_table_col *col = t->def->cols;
	if (col[c].align == 'r')
		canvas_put_right(cv, y, t->x[c], t->w[c], style, s);
	else
		canvas_put(cv, y, t->x[c], style, s, t->w[c]);
}

/* Column titles; the sort column's carries an arrow for the order. */
static void
top_table_header(struct canvas *cv, const struct top_table *t, int y)
{
	const struct top_table_col *col = t->def->cols;
	char title[64];
	int c;

	canvas_fill(cv, y, 0, cv->w, ST_HEADER, " ");
	for (c = 0; c < t->def->ncols; c++) {
		if (!t->shown[c])
			continue;
		snprintf(title, sizeof(title), "%s%s", col[c].title,
		    c != t->sortcol ? "" : canvas_glyph(cv, t->reverse ?
		    G_SORT_DOWN : G_SORT_UP));
		top_table_put(cv, t, y, c, ST_HEADER, title);
	}
}

static void
top_table_row(struct canvas *cv, const struct top_table *t, int y, int r)
{
	const struct top_table_col *col = t->def->cols;
	const struct top_table_cell *cell;
	int c;

	for (c = 0; c < t->def->ncols; c++) {
		if (!t->shown[c])
			continue;
		if (!col[c].flex) {
			cell = top_table_at(t, r, c);
			top_table_put(cv, t, y, c, cell->style, cell->s);
		} else if (t->def->flex != NULL)
			t->def->flex(cv, t, y, t->x[c], t->w[c], r, t->arg);
	}
}

int
top_table_scroll(int *scroll, int n, int page)
{
	int max = n > page ? n - page : 0;

	if (*scroll > max)
		*scroll = max;
	if (*scroll < 0)
		*scroll = 0;
	return *scroll;
}

int
top_table_draw(struct canvas *cv, struct top_table *t, int y0, int rows,
    int *scroll, int *page)
{
	int r, first, n = t->nrows;

	top_table_layout(t, cv->w);
	top_table_header(cv, t, y0);
	*page = rows < 0 ? n : rows - 1;
	first = top_table_scroll(scroll, n, *page);
	for (r = first; r < n && r - first < *page; r++)
		top_table_row(cv, t, y0 + 1 + r - first, r);
	if (n == 0) {
		canvas_put(cv, y0 + 1, 1, ST_DIM, t->def->empty, -1);
		return 2;
	}
	return 1 + (n - first < *page ? n - first : *page);
}

void
top_table_note(struct canvas *cv, int y, const struct model *m,
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
