/*
 * The Tiers view: this PoP's place in each origin's cache hierarchy
 * (argod(8), "Cache tiers"): the origin's upper tiers, whether this PoP
 * is one of them or asks a parent, the parent and fallback with their
 * costs, a challenger waiting out the hold, and when it last changed
 * (highlighted for a moment after it does).
 */
#include "config.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ctlclient.h"
#include "ctl-proto.h"
#include "top-canvas.h"
#include "top-model.h"
#include "top-table.h"
#include "top-view.h"

#define VIEW_TIERS_RECENT_S	10.0

enum {
	TC_ORIGIN, TC_SELECT, TC_UPPERS, TC_ROLE, TC_PARENT, TC_COST,
	TC_FALLBACK, TC_CHALLENGER, TC_SINCE, TC_COUNT
};

static const struct top_table_col view_tiers_cols[TC_COUNT] = {
	[TC_ORIGIN] = { .title = "ORIGIN", .align = 'l', .max = 32,
	    .sortable = 1 },
	[TC_SELECT] = { .title = "SELECT", .align = 'l', .prio = 4 },
	[TC_UPPERS] = { .title = "UPPER TIERS", .align = 'l', .min = 8,
	    .shrink = 1, .prio = 2 },
	[TC_ROLE] = { .title = "ROLE", .align = 'l' },
	[TC_PARENT] = { .title = "PARENT", .align = 'l' },
	[TC_COST] = { .title = "COST", .align = 'r', .sortable = 1 },
	[TC_FALLBACK] = { .title = "FALLBACK", .align = 'l', .prio = 1 },
	[TC_CHALLENGER] = { .title = "CHALLENGER", .align = 'l', .prio = 3 },
	[TC_SINCE] = { .title = "CHANGED", .align = 'r', .prio = 1,
	    .sortable = 1 },
};

static double
view_tiers_key(const void *rows, size_t i, int col)
{
	const struct ctlc_tier *t = (const struct ctlc_tier *)rows + i;

	switch (col) {
	case TC_COST:
		return t->parent_cost_ms;
	case TC_SINCE:
		return t->since_s;
	default:
		return NAN;
	}
}

static int
view_tiers_tie(const void *rows, size_t a, size_t b)
{
	const struct ctlc_tier *v = rows;

	return strcmp(v[a].origin, v[b].origin);
}

static void
view_tiers_fill(struct top_table *tb, int r, const void *rows, size_t i,
    const void *arg)
{
	const struct ctlc_tier *t = (const struct ctlc_tier *)rows + i;
	char ups[TOP_TABLE_CELL], ms[TOP_TABLE_CELL], held[32];
	int recent = !isnan(t->since_s) && t->since_s < VIEW_TIERS_RECENT_S;
	int upper = strcmp(t->role, CTL_ROLE_UPPER) == 0;
	size_t k, off = 0;

	(void)arg;
	ups[0] = '\0';
	for (k = 0; k < t->nuppers && off < sizeof(ups); k++)
		off += (size_t)snprintf(ups + off, sizeof(ups) - off, "%s%s",
		    k ? " " : "", t->uppers[k]);
	top_table_set(tb, r, TC_ORIGIN, ST_BOLD, "%s", t->origin);
	top_table_set(tb, r, TC_SELECT, ST_NORMAL, "%s", t->selection);
	top_table_set(tb, r, TC_UPPERS, ST_NORMAL, "%s", t->nuppers ? ups :
	    "-");
	top_table_set(tb, r, TC_ROLE, recent ? ST_CHANGED : upper ? ST_GOOD :
	    ST_NORMAL, "%s", t->role);
	top_table_set(tb, r, TC_PARENT, recent ? ST_CHANGED : upper ?
	    ST_DIM : ST_NORMAL, "%s", t->parent != NULL ? t->parent :
	    "origin");
	top_table_set(tb, r, TC_COST, ST_NORMAL, "%s", top_table_ms(ms,
	    sizeof(ms), t->parent_cost_ms));
	if (upper)
		top_table_set(tb, r, TC_FALLBACK, ST_DIM, "-");
	else
		top_table_set(tb, r, TC_FALLBACK, ST_NORMAL, "%s %s",
		    t->fallback != NULL ? t->fallback : "origin",
		    top_table_ms(ms, sizeof(ms), t->fallback_cost_ms));
	if (t->challenger != NULL)
		top_table_set(tb, r, TC_CHALLENGER, ST_CONGESTED, "%s (%s)",
		    t->challenger, ctlc_fmt_duration(held, sizeof(held),
		    t->challenger_s));
	else
		top_table_set(tb, r, TC_CHALLENGER, ST_DIM, "-");
	top_table_set(tb, r, TC_SINCE, recent ? ST_CHANGED : ST_NORMAL, "%s",
	    ctlc_fmt_duration(ms, sizeof(ms), t->since_s));
}

static const struct top_table_def view_tiers_table = {
	.cols = view_tiers_cols,
	.ncols = TC_COUNT,
	.key = view_tiers_key,
	.tie = view_tiers_tie,
	.fill = view_tiers_fill,
	.empty = "no origins, no cache tiers",
};

static int
view_tiers_rows(const struct model *m, const void **rows)
{
	*rows = m->tiers.v;
	return m->has_tiers ? (int)m->tiers.n : -1;
}

const struct view_kind view_tiers_kind = {
	.name = "tiers",
	.title = "Tiers",
	.table = &view_tiers_table,
	.rows = view_tiers_rows,
	.none = "no tiers yet",
};
