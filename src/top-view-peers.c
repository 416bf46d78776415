/*
 * The Peers view: one table row per configured peer, its link state, RTT
 * now, baseline and jitter, loss, how long it has been in its state, and
 * a sparkline of the RTT samples argo-top has seen (top-model.c keeps
 * them).
 */
#include "config.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "ctlclient.h"
#include "top-canvas.h"
#include "top-model.h"
#include "top-table.h"
#include "top-view.h"

enum {
	PC_NAME, PC_STATE, PC_RTT, PC_BASE, PC_JITTER, PC_LOSS, PC_HIST,
	PC_SINCE, PC_COUNT
};

static const struct top_table_col view_peers_cols[PC_COUNT] = {
	[PC_NAME] = { .title = "NAME", .align = 'l', .max = 32,
	    .sortable = 1 },
	[PC_STATE] = { .title = "STATE", .align = 'l', .sortable = 1 },
	[PC_RTT] = { .title = "RTT ms", .align = 'r', .sortable = 1 },
	[PC_BASE] = { .title = "BASE", .align = 'r', .prio = 2,
	    .sortable = 1 },
	[PC_JITTER] = { .title = "JITTER", .align = 'r', .prio = 3,
	    .sortable = 1 },
	[PC_LOSS] = { .title = "LOSS %", .align = 'r', .prio = 1,
	    .sortable = 1 },
	[PC_HIST] = { .title = "RTT HISTORY", .align = 'l', .min = 11,
	    .flex = 1 },
	[PC_SINCE] = { .title = "SINCE", .align = 'r', .prio = 1,
	    .sortable = 1 },
};

/* Trouble first: down, congested, up, then states unknown here. */
static int
view_peers_state_rank(int state)
{
	switch (state) {
	case 0:
		return 0;
	case 2:
		return 1;
	case 1:
		return 2;
	default:
		return 3;
	}
}

static double
view_peers_key(const void *rows, size_t i, int col)
{
	const struct ctlc_peer *p = (const struct ctlc_peer *)rows + i;

	switch (col) {
	case PC_STATE:
		return view_peers_state_rank(p->state);
	case PC_RTT:
		return p->rtt_ms;
	case PC_BASE:
		return p->rtt_min_ms;
	case PC_JITTER:
		return p->jitter_ms;
	case PC_LOSS:
		return p->loss_pct;
	case PC_SINCE:
		return p->state_since_s;
	default:
		return NAN;	/* NAME: by name alone */
	}
}

static int
view_peers_tie(const void *rows, size_t a, size_t b)
{
	const struct ctlc_peer *v = rows;

	return strcmp(v[a].name, v[b].name);
}

/*
 * The RTT HISTORY cell: the newest sample on the right, scaled to the
 * samples shown.
 */
static void
view_peers_sparkline(struct canvas *cv, const struct top_table *t, int y,
    int x, int w, int r, const void *arg)
{
	const struct model *m = arg;
	const struct ctlc_peer *p = &m->peers.v[t->order[r]];
	const struct model_hist *h = model_hist_find(m, p->name);
	const struct model_sample *s;
	double lo = INFINITY, hi = -INFINITY, base = p->rtt_min_ms, v;
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
		/* a gap: disconnected, or unmeasured */
		if (isnan(s->rtt_ms))
			continue;
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

static void
view_peers_fill(struct top_table *t, int r, const void *rows, size_t i,
    const void *arg)
{
	const struct ctlc_peer *p = (const struct ctlc_peer *)rows + i;
	char b[32];

	top_table_set(t, r, PC_NAME, ST_BOLD, "%s", p->name);
	top_table_set(t, r, PC_STATE, top_table_state_style(p->state), "%s",
	    p->state_name != NULL ? p->state_name : "-");
	top_table_set(t, r, PC_RTT, isnan(p->rtt_ms) ? ST_DIM :
	    p->state == 2 ? ST_CONGESTED : ST_NORMAL, "%s",
	    top_table_ms(b, sizeof(b), p->rtt_ms));
	top_table_set(t, r, PC_BASE, ST_NORMAL, "%s",
	    top_table_ms(b, sizeof(b), p->rtt_min_ms));
	top_table_set(t, r, PC_JITTER, ST_NORMAL, "%s",
	    top_table_ms(b, sizeof(b), p->jitter_ms));
	if (isnan(p->loss_pct))
		top_table_set(t, r, PC_LOSS, ST_DIM, "-");
	else
		top_table_set(t, r, PC_LOSS, p->loss_pct > 0 ?
		    ST_CONGESTED : ST_NORMAL, "%.1f", p->loss_pct);
	top_table_set(t, r, PC_SINCE, ST_NORMAL, "%s",
	    ctlc_fmt_duration(b, sizeof(b), p->state_since_s));
}

static const struct top_table_def view_peers_table = {
	.cols = view_peers_cols,
	.ncols = PC_COUNT,
	.key = view_peers_key,
	.tie = view_peers_tie,
	.fill = view_peers_fill,
	.flex = view_peers_sparkline,
	.empty = "no peers configured",
};

static int
view_peers_rows(const struct model *m, const void **rows)
{
	*rows = m->peers.v;
	return m->has_peers ? (int)m->peers.n : -1;
}

const struct view_kind view_peers_kind = {
	.name = "peers",
	.title = "Peers",
	.table = &view_peers_table,
	.rows = view_peers_rows,
	.none = "no peers yet",
};
