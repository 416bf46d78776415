/*
 * Fast local repair: when the link to a next hop is lost, the routes
 * through it move at once to a loop-free alternate (RFC 5286), and stay
 * there until the overlay has heard of the loss.
 *
 * Why not just run SPF: this PoP runs it at once on its own news
 * (engine-route.c, spf_at_once()), but its peers still route on the old
 * database for a one-way delay or more, and a new next hop that still
 * routes through us bounces packets back (a transient loop, DESIGN.md
 * decision 2). A neighbour N is a loop-free alternate for destination D
 * when, on the database everyone still holds,
 *
 *	dist(N, D) < dist(N, S) + dist(S, D)			(S: us)
 *
 * so N's shortest path to D does not come back through S, whatever ties
 * N breaks (strict inequality). It protects the link; it protects the
 * node as well (the next hop F itself may be dead) when moreover
 *
 *	dist(N, D) < dist(N, F) + dist(F, D)
 *
 * and such alternates are preferred. Distances come from reverse trees on
 * the graph of the last SPF run, the database before the loss.
 *
 * When no alternate is used (the route goes to SPF at once, as before):
 *  - no neighbour satisfies the inequality (a destination reached only
 *    through the lost next hop, or every neighbour's path comes back
 *    through us, as in a ring);
 *  - the cost order is strict (cost congestion-penalty 0: congested hops
 *    rank before cost, and the inequality on costs alone proves nothing);
 *  - the route's egress is the lost next hop itself, or this PoP;
 *  - no SPF has run yet, or its graph no longer holds us or the egress.
 * An alternate that is only link-protecting may still send traffic into
 * the lost next hop if that PoP died (not just the link): those packets
 * are lost until the databases say so, as without repair.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine-int.h"
#include "log.h"

/* Longest a route is kept on its alternate (links with huge RTTs). */
#define LFA_PIN_MAX	(1 * SEC)

static long
peer_by_id(const struct engine *e, uint32_t id)
{
	size_t i;

	for (i = 0; i < e->npeers; i++)
		if (e->peers[i].conf.id == id)
			return (long)i;
	return -1;
}

/*
 * When SPF's new path for the route (in er->r) is safe to take: once
 * every PoP between us and the egress has our row saying the link is
 * lost (sent to every peer at once: the one-way delay of our link to it,
 * half the tree's cost where it is no peer) and has run SPF on it (at
 * once, at most one per spf hold MIN: that margin). Before, one of them
 * may still route through us on the old database, and send the packets
 * back. A path straight to the egress is safe at once: the egress does
 * not send its own traffic away.
 */
static uint64_t
safe_at(const struct engine *e, const struct eroute *er)
{
	const struct engine_route *r = &er->r;
	uint64_t far = 0, d;
	size_t k;
	long pi, s;

	if (r->pathlen <= 2)
		return er->lfa_from;
	for (k = 1; k + 1 < r->pathlen; k++) {
		pi = peer_by_id(e, r->path[k]);
		if (pi >= 0 && e->peers[pi].pl.have_rtt)
			d = (uint64_t)(e->peers[pi].pl.srtt / 2);
		else if ((s = lsdb_slot(&e->db, r->path[k])) >= 0 &&
		    (size_t)s < e->t.n && spf_reached(&e->t, (uint32_t)s))
			d = e->t.cost[s] * USEC / 2;
		else
			d = LFA_PIN_MAX;
		if (d > far)
			far = d;
	}
	d = far + e->conf.p.spf_hold_min;
	return er->lfa_from + (d > LFA_PIN_MAX ? LFA_PIN_MAX : d);
}

/*
 * SPF moved a route that is on its alternate (alt, a copy, what the
 * route was) to er->r. Returns 1 if the route goes back to the
 * alternate because SPF's path is not safe yet (an SPF run is set for
 * when it is), 0 to take SPF's.
 */
int
lfa_keep(struct engine *e, struct eroute *er, const struct engine_route *alt,
    uint64_t now)
{
	struct engine_route *r = &er->r;
	uint64_t at;

	if (!r->reachable || (at = safe_at(e, er)) <= now)
		return 0;
	er->path = xreallocarray(er->path, alt->pathlen + 1,
	    sizeof(uint32_t));
	memcpy(er->path, alt->path, alt->pathlen * sizeof(uint32_t));
	*r = *alt;
	r->path = er->path;
	snprintf(er->egress_name, sizeof(er->egress_name), "%s",
	    alt->egress_name ? alt->egress_name : "");
	snprintf(er->next_hop_name, sizeof(er->next_hop_name), "%s",
	    alt->next_hop_name ? alt->next_hop_name : "");
	r->egress_name = alt->egress_name ? er->egress_name : NULL;
	r->next_hop_name = alt->next_hop_name ? er->next_hop_name : NULL;
	r->has_runner_up = 0;
	r->runner_up_path = er->ru_path;
	er->lfa_until = at;
	if (!e->spf_pending || at < e->spf_at) {
		e->spf_pending = 1;
		e->spf_at = at;
	}
	return 1;
}

struct alt {
	long		slot;
	int		node;		/* node-protecting too */
	uint64_t	cost;
};

/* Is the candidate a better alternate than the best so far? */
static int
alt_better(const struct alt *a, const struct alt *b, const struct lsdb *db)
{
	if (b->slot < 0)
		return 1;
	if (a->node != b->node)
		return a->node;
	if (a->cost != b->cost)
		return a->cost < b->cost;
	return db->slots[a->slot].id < db->slots[b->slot].id;
}

/* Move one route to next hop alt (a neighbour's slot), path along rd. */
static void
lfa_apply(struct engine *e, struct eroute *er, const struct spf_tree *rd,
    const struct alt *alt, uint32_t root, uint64_t now)
{
	struct engine_route old = er->r, *r = &er->r;
	struct engine_route_event ev;
	char old_egress[WIRE_NAME_MAX + 1], old_next_hop[WIRE_NAME_MAX + 1];
	uint32_t *oldpath;
	size_t k = 0, n = e->g.n;
	long s, pi;

	oldpath = xcalloc(r->pathlen + 1, sizeof(uint32_t));
	if (r->pathlen > 0)
		memcpy(oldpath, er->path, r->pathlen * sizeof(uint32_t));
	old.path = oldpath;
	old.has_runner_up = 0;
	old.runner_up_path = NULL;
	snprintf(old_egress, sizeof(old_egress), "%s",
	    r->egress_name ? r->egress_name : "");
	snprintf(old_next_hop, sizeof(old_next_hop), "%s",
	    r->next_hop_name ? r->next_hop_name : "");
	old.egress_name = r->egress_name ? old_egress : NULL;
	old.next_hop_name = r->next_hop_name ? old_next_hop : NULL;

	er->path = xreallocarray(er->path, n + 2, sizeof(uint32_t));
	er->path[k++] = e->db.slots[root].id;
	for (s = alt->slot; s >= 0 && k < n + 2; s = rd->pred[s])
		er->path[k++] = e->db.slots[s].id;
	r->path = er->path;
	r->pathlen = k;
	r->next_hop = e->db.slots[alt->slot].id;
	snprintf(er->next_hop_name, sizeof(er->next_hop_name), "%s",
	    engine_node_name(e, r->next_hop) ? engine_node_name(e,
	    r->next_hop) : "");
	r->next_hop_name = er->next_hop_name;
	r->cost_ms = alt->cost / 1000.0;
	r->has_runner_up = 0;
	r->since = now;
	er->ru_stale = 1;
	er->lfa_from = now;
	er->broke_at = now;
	er->lfa_until = now + LFA_PIN_MAX;	/* until SPF says (lfa_keep) */
	e->c.route_changes++;
	e->c.lfa_repairs++;
	ev.old = &old;
	ev.new = r;
	if (e->ops->route_event != NULL)
		e->ops->route_event(e->arg, &ev);
	free(oldpath);
	/* the alternate carries routes now: probe it fast */
	if ((pi = peer_by_id(e, r->next_hop)) >= 0 &&
	    !e->peers[pi].next_hop) {
		e->peers[pi].next_hop = 1;
		nbr_probe_soon(e, &e->peers[pi], now);
	}
}

void
lfa_repair(struct engine *e, size_t peer, uint64_t now)
{
	struct spf_tree ts, tf, td;
	uint32_t fid = e->peers[peer].conf.id;
	long root = lsdb_slot(&e->db, e->conf.id);
	long fs = lsdb_slot(&e->db, fid);
	size_t i, j;
	int have_trees = 0;

	routes_link_lost(e, now);
	if (root < 0 || fs < 0 || (size_t)root >= e->g.n ||
	    (size_t)fs >= e->g.n || e->g.strict || e->t.n != e->g.n ||
	    e->t.root != (uint32_t)root)
		return;
	spf_tree_init(&ts);
	spf_tree_init(&tf);
	spf_tree_init(&td);
	for (i = 0; i < e->nroutes; i++) {
		struct eroute *er = &e->routes[i];
		struct alt best = { -1, 0, 0 }, c;
		long ds;

		if (!er->r.reachable || er->r.next_hop != fid)
			continue;
		er->lfa_until = 0;	/* SPF's, unless repaired below */
		if (er->held || routes_settling(er, now))
			continue;	/* broken again: SPF settles it */
		if (er->r.egress == fid || er->r.egress == e->conf.id ||
		    (ds = lsdb_slot(&e->db, er->r.egress)) < 0 ||
		    (size_t)ds >= e->g.n || !spf_reached(&e->t, (uint32_t)ds))
			continue;
		if (!have_trees) {
			spf_run_reverse(&ts, &e->g, &e->db, (uint32_t)root);
			spf_run_reverse(&tf, &e->g, &e->db, (uint32_t)fs);
			have_trees = 1;
		}
		spf_run_reverse(&td, &e->g, &e->db, (uint32_t)ds);
		for (j = e->g.off[root]; j < e->g.off[root + 1]; j++) {
			const struct spf_edge *ed = &e->g.edges[j];
			long pi;
			uint32_t n = ed->to;

			if (n == (uint32_t)fs || !spf_reached(&td, n) ||
			    !spf_reached(&ts, n) ||
			    (pi = peer_by_id(e, e->db.slots[n].id)) < 0 ||
			    e->peers[pi].pl.state == LINK_DOWN)
				continue;
			/* RFC 5286 inequality 1: loop-free */
			if (td.cost[n] >= ts.cost[n] + e->t.cost[ds])
				continue;
			c.slot = n;
			c.cost = ed->cost + td.cost[n];
			/* inequality 3: node-protecting */
			c.node = spf_reached(&tf, n) &&
			    spf_reached(&td, (uint32_t)fs) &&
			    td.cost[n] < tf.cost[n] + td.cost[fs];
			if (alt_better(&c, &best, &e->db))
				best = c;
		}
		if (best.slot >= 0)
			lfa_apply(e, er, &td, &best, (uint32_t)root, now);
	}
	spf_tree_free(&ts);
	spf_tree_free(&tf);
	spf_tree_free(&td);
}
