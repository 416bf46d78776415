/*
 * The Routes view: one table row per origin and prefix, the path chosen
 * and its cost, what the direct link would cost and what the detour
 * gains, the runner-up and why it lost, and when the route last changed
 * (highlighted for a moment after it does).
 */
#include "config.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ctlclient.h"
#include "top-canvas.h"
#include "top-model.h"
#include "top-table.h"
#include "top-view.h"

/* A route that changed less than this long ago is highlighted. */
#define VIEW_ROUTES_RECENT_S	10.0

enum {
	RC_ORIGIN, RC_PREFIX, RC_PATH, RC_COST, RC_LASTMILE, RC_DIRECT,
	RC_GAIN, RC_ALT, RC_RUNNER, RC_LOST, RC_SINCE, RC_COUNT
};

static const struct top_table_col view_routes_cols[RC_COUNT] = {
	[RC_ORIGIN] = { .title = "ORIGIN", .align = 'l', .max = 32,
	    .sortable = 1 },
	[RC_PREFIX] = { .title = "PREFIX", .align = 'l', .prio = 5 },
	[RC_PATH] = { .title = "PATH", .align = 'l', .min = 12,
	    .shrink = 1 },
	[RC_COST] = { .title = "COST", .align = 'r', .sortable = 1 },
	[RC_LASTMILE] = { .title = "LAST MILE", .align = 'r', .prio = 2,
	    .sortable = 1 },
	[RC_DIRECT] = { .title = "DIRECT", .align = 'r', .prio = 2 },
	[RC_ALT] = { .title = "ALT EGRESS", .align = 'l', .prio = 4 },
	[RC_GAIN] = { .title = "GAIN", .align = 'r', .prio = 1,
	    .sortable = 1 },
	[RC_RUNNER] = { .title = "RUNNER-UP", .align = 'l', .prio = 3,
	    .min = 12, .shrink = 1 },
	[RC_LOST] = { .title = "LOST BY", .align = 'l', .prio = 3 },
	[RC_SINCE] = { .title = "CHANGED", .align = 'r', .prio = 1,
	    .sortable = 1 },
};

/* What the chosen path saves over the direct link, in ms. */
static double
view_routes_gain(const struct ctlc_route *r)
{
	if (!r->reachable || isnan(r->direct_cost_ms) || isnan(r->cost_ms))
		return NAN;
	return r->direct_cost_ms - r->cost_ms;
}

static double
view_routes_key(const void *rows, size_t i, int col)
{
	const struct ctlc_route *r = (const struct ctlc_route *)rows + i;

	switch (col) {
	case RC_COST:
		return r->reachable ? r->cost_ms : NAN;
	case RC_GAIN:
		return -view_routes_gain(r);	/* the biggest gain first */
	case RC_SINCE:
		return r->since_s;
	case RC_LASTMILE:
		return r->reachable ? r->lastmile_ms : NAN;
	default:
		return NAN;	/* ORIGIN: by origin alone */
	}
}

static int
view_routes_tie(const void *rows, size_t a, size_t b)
{
	const struct ctlc_route *v = rows;
	int rc = strcmp(v[a].origin, v[b].origin);

	return rc != 0 ? rc : strcmp(v[a].prefix, v[b].prefix);
}

/*
 * The state of this node's direct link to node, from the matrix (the
 * routes reply gives the direct cost but not whether it is congested).
 */
static int
view_routes_direct_state(const struct model *m, const char *node)
{
	const struct ctlc_matrix *mx = &m->matrix;
	const char *self = model_self_name(m);
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
view_routes_lost_by(char *buf, size_t len, const struct ctlc_route *r)
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

/* The columns other than PATH, COST and GAIN. */
static void
view_routes_fill_rest(struct top_table *t, int r, const struct model *m,
    const struct ctlc_route *rt, int recent)
{
	char b[TOP_TABLE_CELL], ms[TOP_TABLE_CELL];
	int direct = view_routes_direct_state(m, rt->egress);

	top_table_set(t, r, RC_ORIGIN, ST_BOLD, "%s", rt->origin);
	top_table_set(t, r, RC_PREFIX, ST_NORMAL, "%s", rt->prefix);
	top_table_set(t, r, RC_DIRECT, direct == 2 ? ST_CONGESTED :
	    ST_NORMAL, "%s%s", top_table_ms(ms, sizeof(ms),
	    rt->direct_cost_ms), direct == 2 &&
	    !isnan(rt->direct_cost_ms) ? "*" : "");
	top_table_set(t, r, RC_SINCE, recent ? ST_CHANGED : ST_NORMAL,
	    "%s", ctlc_fmt_duration(ms, sizeof(ms), rt->since_s));
	if (rt->has_runner_up)
		top_table_set(t, r, RC_RUNNER, rt->ru_congested_hops > 0 ?
		    ST_CONGESTED : ST_NORMAL, "%s%s",
		    model_path_str(b, sizeof(b), &rt->ru_path),
		    rt->ru_congested_hops > 0 ? "*" : "");
	else
		top_table_set(t, r, RC_RUNNER, ST_DIM, "-");
	/* the egress's last mile, red when its origin check fails */
	if (!rt->reachable || isnan(rt->lastmile_ms))
		top_table_set(t, r, RC_LASTMILE, ST_DIM, "%s",
		    rt->egress_health != NULL &&
		    strcmp(rt->egress_health, "unhealthy") == 0 ?
		    "failing" : "-");
	else
		top_table_set(t, r, RC_LASTMILE, rt->egress_health != NULL &&
		    strcmp(rt->egress_health, "unhealthy") == 0 ? ST_DOWN :
		    ST_NORMAL, "%s", top_table_ms(ms, sizeof(ms),
		    rt->lastmile_ms));
	if (rt->has_alt)
		top_table_set(t, r, RC_ALT, strcmp(rt->alt_health,
		    "unhealthy") == 0 ? ST_DOWN : ST_NORMAL, "%s %s",
		    rt->alt_egress != NULL ? rt->alt_egress : "?",
		    top_table_ms(ms, sizeof(ms), rt->alt_cost_ms));
	else
		top_table_set(t, r, RC_ALT, ST_DIM, "-");
	view_routes_lost_by(b, sizeof(b), rt);
	top_table_set(t, r, RC_LOST, rt->ru_congested_hops >
	    rt->congested_hops ? ST_CONGESTED : ST_NORMAL, "%s", b);
}

/* PATH, COST and GAIN: the chosen path, its cost, its gain. */
static void
view_routes_fill_path(struct top_table *t, int r,
    const struct ctlc_route *rt, int recent)
{
	char b[TOP_TABLE_CELL], ms[TOP_TABLE_CELL];
	double g;

	if (!rt->reachable) {
		top_table_set(t, r, RC_PATH, ST_DOWN, "unreachable");
		top_table_set(t, r, RC_COST, ST_DOWN, "-");
		top_table_set(t, r, RC_GAIN, ST_DIM, "-");
		return;
	}
	model_path_str(b, sizeof(b), &rt->path);
	if (rt->path.n == 1)
		top_table_set(t, r, RC_PATH, ST_DIM, "%s (local)", b);
	else
		top_table_set(t, r, RC_PATH, recent ? ST_CHANGED : ST_NORMAL,
		    "%s", b);
	top_table_set(t, r, RC_COST, rt->congested_hops > 0 ?
	    ST_CONGESTED : ST_NORMAL, "%s%s",
	    top_table_ms(ms, sizeof(ms), rt->cost_ms),
	    rt->congested_hops > 0 ? "*" : "");
	g = view_routes_gain(rt);
	if (isnan(g))
		top_table_set(t, r, RC_GAIN, ST_DIM, "-");
	else if (fabs(g) < 0.05)
		top_table_set(t, r, RC_GAIN, ST_NORMAL, "0");
	else
		top_table_set(t, r, RC_GAIN, g > 0 ? ST_GOOD : ST_CONGESTED,
		    "%+.1f", g);
}

static void
view_routes_fill(struct top_table *t, int r, const void *rows, size_t i,
    const void *arg)
{
	const struct ctlc_route *rt = (const struct ctlc_route *)rows + i;
	int recent = !isnan(rt->since_s) && rt->since_s < VIEW_ROUTES_RECENT_S;

	view_routes_fill_rest(t, r, arg, rt, recent);
	view_routes_fill_path(t, r, rt, recent);
}

static const struct top_table_def view_routes_table = {
	.cols = view_routes_cols,
	.ncols = RC_COUNT,
	.key = view_routes_key,
	.tie = view_routes_tie,
	.fill = view_routes_fill,
	.empty = "no origins configured or learnt",
};

static int
view_routes_rows(const struct model *m, const void **rows)
{
	*rows = m->routes.v;
	return m->has_routes ? (int)m->routes.n : -1;
}

const struct view_kind view_routes_kind = {
	.name = "routes",
	.title = "Routes",
	.table = &view_routes_table,
	.rows = view_routes_rows,
	.none = "no routes yet",
};
