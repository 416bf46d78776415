/*
 * Routes: SPF runs (throttled, DESIGN.md decision 5), the route of every
 * origin prefix from the tree, and runner-ups computed off the SPF path.
 * SPF itself has no hysteresis (decision 2): damping lives where links
 * are advertised (engine-nbr.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine-int.h"
#include "log.h"

#define RUNNER_UP_REFRESH	(60 * SEC)
#define RUNNER_UP_PACE		(100 * MSEC)
#define RUNNER_UP_BATCH		8

/*
 * Settling after losses (argod.8, "Partitions"). A route whose path was
 * broken by a lost link moves at once (SPF at once, or its loop-free
 * alternate). If its new path is broken too within ROUTE_SETTLE_MAX, the
 * losses are correlated (a partition, a PoP failing, its peers finding
 * out one after the other): the new paths SPF offers run through PoPs
 * whose loss the database has not heard of yet. The route is withdrawn
 * instead, and stays so for ROUTE_SETTLE_MIN after it first moved, then
 * until no link has been lost for ROUTE_SETTLE_QUIET, at most
 * ROUTE_SETTLE_MAX after it first moved. Silence detection finds a cut
 * link that carries routes 110 to 220 ms after the cut with the
 * defaults, and its row takes a one-way delay more; an idle link, probed
 * at probe-idle-interval, takes up to about 2 s (test_engine: with a
 * quiet of 250 ms alone a route came back over an idle link not yet
 * found dead, and left again). So a pair changes at most twice while a
 * partition is detected (argosim: 48 route changes for 18 pairs, 6 loop
 * episodes, before), and a route broken twice takes SPF's path at most
 * ROUTE_SETTLE_MAX after it first moved.
 */
#define ROUTE_SETTLE_MIN	(750 * MSEC)
/*
 * Suspects. The settled route may still come back over a link not yet
 * found dead: an idle one, probed every probe-idle-interval, is found up
 * to about 2 s after a cut (test_engine, a partition: yyz took its route
 * to ash back through dub 750 ms after it first moved, and lost it again
 * 6 ms later when dub found dub-ash dead: four changes). What the
 * database already says: two other PoPs lost their links to ash within a
 * second, and ash's own row, which would say whether ash still stands,
 * is older than that. Such a PoP is a suspect; a route withdrawn to
 * settle does not come back through or to one until its row is newer
 * than the losses, or ROUTE_SUSPECT_MAX after the first of them.
 */
#define ROUTE_SUSPECT_MAX	(2500 * MSEC)
#define ROUTE_SETTLE_QUIET	(250 * MSEC)
#define ROUTE_SETTLE_MAX	(1 * SEC)

/*
 * Heal: the row of a PoP we could not reach was not refreshed while we
 * could not; it still says what its links were before (before a
 * partition: up). Taken at its word, it carries routes onto links that
 * its fresh row, a round trip later, says are down: a route withdrawn a
 * moment after it came back. So SPF leaves out the row of a PoP it did
 * not reach (lsdb.h, stale) until a newer row comes, or, for a row that
 * did not change meanwhile, STALE_GRACE after a reachable row first
 * claims a link to it.
 */
#define STALE_GRACE		(1 * SEC)

void
routes_schedule_spf(struct engine *e, uint64_t now)
{
	uint64_t at;

	at = now + e->conf.p.spf_delay;
	if (e->last_spf && at < e->last_spf + e->spf_hold)
		at = e->last_spf + e->spf_hold;
	/* pending, perhaps later: for a route on its alternate (lfa) */
	if (e->spf_pending && e->spf_at <= at)
		return;
	e->spf_pending = 1;
	e->spf_at = at;
}

/*
 * A link was lost (a row, ours or a peer's, says a link that was up is
 * down): routes through it are black holes, so SPF runs now, without
 * spf delay or hold. The run still counts for the hold's back-off, so
 * the follow-ups (the other end's row, RTT changes as traffic moves) are
 * throttled as usual. Only one such run per spf hold MIN: a PoP that dies
 * takes every peer's row down with it, and 300 of them coalesce. A link
 * that turns congested is as urgent for the routes on it, whose packets
 * queue now, and the hold may have backed off to its MAX (1 s) on the
 * RTT changes of a moment before (test_engine 3b: with spf delay 500 ms
 * a remote PoP moved 505 ms after the congested row, now 5 ms); a
 * congested link is not lost, and leaves the settling of routes
 * (routes_link_lost()) alone.
 */
static void
spf_at_once(struct engine *e, uint64_t now)
{
	if (e->last_urgent != 0 &&
	    now - e->last_urgent < e->conf.p.spf_hold_min) {
		routes_schedule_spf(e, now);
		return;
	}
	e->last_urgent = now;
	e->spf_pending = 1;
	e->spf_at = now;
}

void
routes_link_lost(struct engine *e, uint64_t now)
{
	e->last_loss = now;
}

int
routes_settling(const struct eroute *er, uint64_t now)
{
	return er->broke_at != 0 && now - er->broke_at < ROUTE_SETTLE_MAX;
}

/* When a route withdrawn to settle may take SPF's path again. */
static uint64_t
settle_end(const struct engine *e, const struct eroute *er)
{
	uint64_t q = e->last_loss + ROUTE_SETTLE_QUIET;
	uint64_t lo = er->broke_at + ROUTE_SETTLE_MIN;
	uint64_t hi = er->broke_at + ROUTE_SETTLE_MAX;

	if (q < lo)
		q = lo;
	return q < hi ? q : hi;
}

/*
 * The first suspect on the route's path (past the root), or -1; *until
 * gets when it stops being one.
 */
static long
path_suspect(const struct engine *e, const struct engine_route *r,
    uint64_t now, uint64_t *until)
{
	const struct lsdb_node *x;
	size_t k;
	long s;

	if (!r->reachable)
		return -1;
	for (k = 1; k < r->pathlen; k++) {
		if ((s = lsdb_slot(&e->db, r->path[k])) < 0)
			continue;
		x = &e->db.slots[s];
		if (x->lost_n >= 2 && x->installed < x->lost_last &&
		    now < x->lost_first + ROUTE_SUSPECT_MAX) {
			*until = x->lost_first + ROUTE_SUSPECT_MAX;
			return s;
		}
	}
	return -1;
}

/* SPF runs again when the route may come back. */
static void
settle_schedule(struct engine *e, const struct eroute *er)
{
	uint64_t at = settle_end(e, er);

	if (!e->spf_pending || at < e->spf_at) {
		e->spf_pending = 1;
		e->spf_at = at;
	}
}

/* Does the route's path use a link the last SPF graph does not have? */
static int
path_broken(const struct engine *e, const struct engine_route *r)
{
	size_t k, i;
	long u, v;

	if (!r->reachable)
		return 0;
	for (k = 0; k + 1 < r->pathlen; k++) {
		if ((u = lsdb_slot(&e->db, r->path[k])) < 0 ||
		    (v = lsdb_slot(&e->db, r->path[k + 1])) < 0 ||
		    (size_t)u >= e->g.n)
			return 1;
		for (i = e->g.off[u]; i < e->g.off[u + 1]; i++)
			if (e->g.edges[i].to == (uint32_t)v)
				break;
		if (i == e->g.off[u + 1])
			return 1;
	}
	return 0;
}

/*
 * After a row was installed: a refresh changes no link, so the SPF result
 * cannot change (at 300 PoPs refreshes arrive ten times a second), and
 * the tree of the last run still describes the database; keeping its
 * generation current lets routes_run_runner_ups() use it (it waits for a tree
 * of the current generation, and refreshes alone made it wait forever).
 */
void
routes_after_install(struct engine *e, uint64_t now)
{
	if (e->db.link_lost) {
		routes_link_lost(e, now);
		spf_at_once(e, now);
	} else if (e->db.link_congested)
		spf_at_once(e, now);	/* as urgent, without settling */
	else if (!e->db.same_links)
		routes_schedule_spf(e, now);
	else if (!e->spf_pending && e->spf_gen + 1 == e->db.generation)
		e->spf_gen = e->db.generation;
}

static struct spf_tree *
reverse_tree(struct engine *e, uint32_t slot)
{
	size_t i;

	for (i = 0; i < e->nrtrees; i++)
		if (e->rtrees[i].slot == slot)
			return &e->rtrees[i].t;
	if (e->nrtrees == e->caprtrees) {
		e->caprtrees = e->caprtrees ? e->caprtrees * 2 : 4;
		e->rtrees = xreallocarray(e->rtrees, e->caprtrees,
		    sizeof(*e->rtrees));
		for (i = e->nrtrees; i < e->caprtrees; i++)
			spf_tree_init(&e->rtrees[i].t);
	}
	e->rtrees[e->nrtrees].slot = slot;
	spf_run_reverse(&e->rtrees[e->nrtrees].t, &e->g, &e->db, slot);
	return &e->rtrees[e->nrtrees++].t;
}

static size_t
tree_path(const struct spf_tree *t, uint32_t dst, uint32_t *out, size_t max,
    const struct lsdb *db)
{
	size_t n = 0, i;
	long s;

	for (s = dst; s >= 0 && n < max; s = t->pred[s])
		out[n++] = db->slots[s].id;
	for (i = 0; i < n / 2; i++) {
		uint32_t x = out[i];

		out[i] = out[n - 1 - i];
		out[n - 1 - i] = x;
	}
	return n;
}

struct cand {
	int		ok;
	int		sick;		/* the egress's origin check fails */
	uint32_t	cong, hops, egress;
	uint64_t	cost;		/* us, last mile included */
	uint64_t	lm;		/* us, the last mile */
	uint32_t	egress_slot;
	const struct rcand *rc;
};

/*
 * An egress whose origin is failing is used only when no other is left;
 * then congestion, cost (path plus last mile), hops and the egress id
 * decide, in that order (the total order SPF uses).
 */
static int
cand_better(const struct cand *a, const struct cand *b, int strict)
{
	int c;

	if (!b->ok)
		return a->ok;
	if (!a->ok)
		return 0;
	if (a->sick != b->sick)
		return b->sick;
	c = spf_cmp(strict, a->cong, a->cost, a->hops, b->cong, b->cost,
	    b->hops);
	return c < 0 || (c == 0 && a->egress < b->egress);
}

static uint64_t
lm_us(const struct rcand *rc)
{
	return rc->lm == WIRE_RTT_UNKNOWN ? 0 : (uint64_t)rc->lm * 100;
}

static double
lm_ms(const struct rcand *rc)
{
	return rc->lm == WIRE_RTT_UNKNOWN ? -1 : rc->lm / 10.0;
}

static const char *
name_copy(char dst[WIRE_NAME_MAX + 1], const char *src)
{
	if (src == NULL)
		return NULL;
	snprintf(dst, WIRE_NAME_MAX + 1, "%s", src);
	return dst;
}

static void
route_clear(struct engine_route *r)
{
	r->reachable = 0;
	r->has_runner_up = 0;
	r->has_alt_egress = 0;
	r->alt_egress_name = NULL;
	r->egress = 0;
	r->egress_name = NULL;
	r->pathlen = 0;
	r->next_hop = 0;
	r->next_hop_name = NULL;
	r->cost_ms = -1;
	r->path_cost_ms = -1;
	r->lastmile_ms = -1;
	r->egress_health = WIRE_ORIGIN_UNKNOWN;
	r->congested_hops = 0;
}

static void
compute_route(struct engine *e, struct eroute *er, uint32_t root, int with_ru)
{
	struct engine_route *r = &er->r;
	struct cand best = { 0 }, alt = { 0 }, ru = { 0 }, c;
	uint32_t ru_first = 0, first_slot = UINT32_MAX;
	size_t i, j, n = e->db.nslots;
	long es;

	/*
	 * The arrays may move: re-point the route at them at once. A
	 * runner-up kept from an earlier run (with_ru == 0) still points
	 * into ru_path, whose contents realloc keeps (ASan found the stale
	 * pointer read by the status socket).
	 */
	er->path = xreallocarray(er->path, n + 1, sizeof(uint32_t));
	er->ru_path = xreallocarray(er->ru_path, n + 2, sizeof(uint32_t));
	r->path = er->path;
	r->runner_up_path = er->ru_path;
	for (i = 0; i < er->ncand; i++) {
		const struct rcand *rc = &er->cand[i];

		memset(&c, 0, sizeof(c));
		c.egress = rc->id;
		c.rc = rc;
		c.lm = lm_us(rc);
		c.sick = rc->health == WIRE_ORIGIN_UNHEALTHY;
		if (rc->id == e->conf.id) {
			c.ok = 1;
			c.egress_slot = root;
			c.cost = c.lm;
		} else if ((es = lsdb_slot(&e->db, rc->id)) >= 0 &&
		    spf_reached(&e->t, (uint32_t)es)) {
			c.ok = 1;
			c.cong = e->t.cong[es];
			c.cost = e->t.cost[es] + c.lm;
			c.hops = e->t.hops[es];
			c.egress_slot = (uint32_t)es;
		}
		/*
		 * An egress keeps its own origin whatever the others offer:
		 * its checks must reach the origin over the underlay, and
		 * an overlay route here would carry them to another egress
		 * (argod.8, "Origins").
		 */
		if (best.ok && best.egress_slot == root) {
			if (cand_better(&c, &alt, e->g.strict))
				alt = c;
		} else if (c.ok && c.egress_slot == root) {
			if (best.ok)
				alt = best;
			best = c;
		} else if (cand_better(&c, &best, e->g.strict)) {
			alt = best;
			best = c;
		} else if (cand_better(&c, &alt, e->g.strict))
			alt = c;
	}
	r->is_static = er->is_static;
	r->negress = er->ncand;
	r->has_alt_egress = best.ok && alt.ok;
	if (r->has_alt_egress) {
		r->alt_egress = alt.egress;
		r->alt_egress_name = name_copy(er->alt_egress_name,
		    engine_node_name(e, alt.egress));
		r->alt_cost_ms = alt.cost / 1000.0;
		r->alt_lastmile_ms = lm_ms(alt.rc);
		r->alt_egress_health = alt.rc->health;
	} else
		r->alt_egress_name = NULL;
	r->reachable = best.ok;
	if (with_ru || !best.ok)
		r->has_runner_up = 0;
	r->direct_cost_ms = -1;
	if (!best.ok) {
		route_clear(r);
		return;
	}
	r->egress = best.egress;
	r->egress_name = name_copy(er->egress_name,
	    engine_node_name(e, best.egress));
	r->cost_ms = best.cost / 1000.0;
	r->path_cost_ms = (best.cost - best.lm) / 1000.0;
	r->lastmile_ms = lm_ms(best.rc);
	r->egress_health = best.rc->health;
	r->congested_hops = (int)best.cong;
	r->pathlen = tree_path(&e->t, best.egress_slot, er->path, n + 1,
	    &e->db);
	r->path = er->path;
	if (best.egress_slot == root) {
		r->next_hop = e->conf.id;
	} else {
		first_slot = (uint32_t)e->t.first[best.egress_slot];
		r->next_hop = e->db.slots[first_slot].id;
	}
	r->next_hop_name = name_copy(er->next_hop_name,
	    engine_node_name(e, r->next_hop));
	for (i = e->g.off[root]; i < e->g.off[root + 1]; i++)
		if (e->g.edges[i].to == best.egress_slot)
			r->direct_cost_ms = (e->g.edges[i].cost + best.lm) /
			    1000.0;
	if (best.egress_slot == root) {
		r->has_runner_up = 0;
		return;
	}
	if (!with_ru)
		return;

	/*
	 * Runner-up: the best path to any egress of this origin whose first
	 * hop differs from the chosen one, from reverse trees rooted at each
	 * egress. A neighbour whose own best path comes back through us is
	 * no alternative.
	 */
	for (j = 0; j < er->ncand; j++) {
		const struct rcand *rc = &er->cand[j];
		struct spf_tree *rt;

		if (rc->id == e->conf.id ||
		    (es = lsdb_slot(&e->db, rc->id)) < 0 ||
		    !spf_reached(&e->t, (uint32_t)es))
			continue;
		rt = reverse_tree(e, (uint32_t)es);
		for (i = e->g.off[root]; i < e->g.off[root + 1]; i++) {
			const struct spf_edge *ed = &e->g.edges[i];
			long s;

			if (ed->to == first_slot || !spf_reached(rt, ed->to))
				continue;
			for (s = ed->to; s >= 0 && (uint32_t)s != root;
			    s = rt->pred[s])
				;
			if (s >= 0)
				continue;	/* loops back through us */
			memset(&c, 0, sizeof(c));
			c.ok = 1;
			c.rc = rc;
			c.sick = rc->health == WIRE_ORIGIN_UNHEALTHY;
			c.lm = lm_us(rc);
			c.cong = ed->cong + rt->cong[ed->to];
			c.cost = ed->cost + rt->cost[ed->to] + c.lm;
			c.hops = 1 + rt->hops[ed->to];
			c.egress = rc->id;
			c.egress_slot = (uint32_t)es;
			if (cand_better(&c, &ru, e->g.strict)) {
				ru = c;
				ru_first = ed->to;
			}
		}
	}
	if (ru.ok) {
		struct spf_tree *rt = reverse_tree(e, ru.egress_slot);
		size_t k = 0;
		long s;

		er->ru_path[k++] = e->conf.id;
		for (s = ru_first; s >= 0 && k < n + 2; s = rt->pred[s])
			er->ru_path[k++] = e->db.slots[s].id;
		r->has_runner_up = 1;
		r->runner_up_cost_ms = ru.cost / 1000.0;
		r->runner_up_congested_hops = (int)ru.cong;
		r->runner_up_path = er->ru_path;
		r->runner_up_pathlen = k;
	}
}

static int
route_differs(const struct engine_route *a, const struct engine_route *b)
{
	if (a->reachable != b->reachable)
		return 1;
	if (!a->reachable)
		return 0;
	if (a->egress != b->egress || a->next_hop != b->next_hop ||
	    a->pathlen != b->pathlen)
		return 1;
	return memcmp(a->path, b->path, a->pathlen * sizeof(uint32_t)) != 0;
}

/* Mark the rows SPF did not reach stale; unmark them after the grace. */
static void
mark_stale(struct engine *e, uint32_t root, uint64_t now)
{
	uint8_t *claimed = NULL;
	size_t n = e->db.nslots, s, i;
	int rerun = 0;

	for (s = 0; s < n; s++) {
		struct lsdb_node *nd = &e->db.slots[s];

		if (!nd->in_use || !nd->has_row || s == root ||
		    (s < e->t.n && spf_reached(&e->t, (uint32_t)s)))
			continue;
		if (!nd->stale) {
			nd->stale = 1;
			nd->stale_seen = 0;
			continue;
		}
		if (claimed == NULL) {
			claimed = xcalloc(n, 1);
			for (i = 0; i < n && i < e->t.n; i++) {
				const struct lsdb_node *y = &e->db.slots[i];
				size_t k;

				if (!y->in_use || !y->has_row || y->stale ||
				    !spf_reached(&e->t, (uint32_t)i))
					continue;
				for (k = 0; k < y->nlinks; k++)
					if (y->links[k].state != LINK_DOWN &&
					    y->links[k].slot < n)
						claimed[y->links[k].slot] = 1;
			}
		}
		if (!claimed[s]) {
			nd->stale_seen = 0;
			continue;
		}
		if (nd->stale_seen == 0)
			nd->stale_seen = now;
		if (now >= nd->stale_seen + STALE_GRACE) {
			nd->stale = 0;
			nd->stale_seen = 0;
			rerun = 1;
		} else if (!e->spf_pending ||
		    nd->stale_seen + STALE_GRACE < e->spf_at) {
			/* a run in between may have taken this one's place */
			e->spf_pending = 1;
			e->spf_at = nd->stale_seen + STALE_GRACE;
		}
	}
	free(claimed);
	if (rerun)
		routes_schedule_spf(e, now);
}

/* Which peers carry our routes (adaptive probing). */
static void
mark_next_hops(struct engine *e, uint64_t now)
{
	long *peer_of = xcalloc(e->db.nslots + 1, sizeof(long));
	size_t i;
	long s;

	for (i = 0; i < e->db.nslots; i++)
		peer_of[i] = -1;
	for (i = 0; i < e->npeers; i++) {
		e->peers[i].next_hop = 0;
		if ((s = lsdb_slot(&e->db, e->peers[i].conf.id)) >= 0)
			peer_of[s] = (long)i;
	}
	for (i = 0; i < e->nroutes; i++) {
		const struct engine_route *r = &e->routes[i].r;

		if (!r->reachable || r->next_hop == e->conf.id ||
		    (s = lsdb_slot(&e->db, r->next_hop)) < 0 ||
		    peer_of[s] < 0)
			continue;
		if (!e->peers[peer_of[s]].next_hop) {
			e->peers[peer_of[s]].next_hop = 1;
			nbr_probe_soon(e, &e->peers[peer_of[s]], now);
		}
	}
	free(peer_of);
}

void
routes_run_spf(struct engine *e, uint64_t now)
{
	struct engine_route old;
	struct engine_route_event ev;
	char old_egress[WIRE_NAME_MAX + 1], old_next_hop[WIRE_NAME_MAX + 1];
	uint32_t *oldpath = NULL;
	long root = lsdb_slot(&e->db, e->conf.id);
	size_t i;

	e->spf_pending = 0;
	/* Back-to-back runs double the hold, a quiet period resets it. */
	if (e->last_spf && now - e->last_spf < 2 * e->spf_hold)
		e->spf_hold = e->spf_hold * 2 > e->conf.p.spf_hold_max ?
		    e->conf.p.spf_hold_max : e->spf_hold * 2;
	else
		e->spf_hold = e->conf.p.spf_hold_min;
	e->last_spf = now;
	e->c.spf_runs++;
	if (e->db.origins_generation != e->built_db_gen ||
	    e->decls_gen != e->built_decls_gen) {
		origins_gc(e, now);
		routes_build(e, 1);
	}
	if (root < 0)
		return;
	if (e->ops->spf != NULL)
		e->ops->spf(e->arg, 0);
	spf_graph_build(&e->g, &e->db, &e->conf.p);
	spf_run(&e->t, &e->g, &e->db, (uint32_t)root);
	if (e->ops->spf != NULL)
		e->ops->spf(e->arg, 1);
	mark_stale(e, (uint32_t)root, now);
	e->spf_gen = e->db.generation;
	e->nrtrees = 0;
	/*
	 * A runner-up takes a reverse SPF from its egress: with one origin
	 * per PoP that is one Dijkstra per PoP, 300 per run at 300 PoPs
	 * (argosim: 86 % of all CPU at start-up, ~0.2 s per run). It only
	 * informs the status socket, so it is computed off the SPF path, a
	 * few routes at a time (run_runner_ups): for routes that changed,
	 * and for all every RUNNER_UP_REFRESH.
	 */
	if (e->last_full_ru == 0 ||
	    now - e->last_full_ru >= RUNNER_UP_REFRESH) {
		e->last_full_ru = now;
		for (i = 0; i < e->nroutes; i++)
			e->routes[i].ru_stale = 1;
	}
	if (e->ru_at == UINT64_MAX)
		e->ru_at = now + RUNNER_UP_PACE;

	for (i = 0; i < e->nroutes; i++) {
		struct eroute *er = &e->routes[i];

		/*
		 * compute_route() rewrites (and may move) the buffers the
		 * route points to: the event's old route needs copies.
		 */
		old = er->r;
		oldpath = xreallocarray(oldpath, er->r.pathlen +
		    er->r.runner_up_pathlen + 1, sizeof(uint32_t));
		if (er->r.pathlen > 0)
			memcpy(oldpath, er->path,
			    er->r.pathlen * sizeof(uint32_t));
		old.path = oldpath;
		if (er->r.has_runner_up && er->r.runner_up_pathlen > 0)
			memcpy(oldpath + er->r.pathlen, er->ru_path,
			    er->r.runner_up_pathlen * sizeof(uint32_t));
		old.runner_up_path = er->r.has_runner_up ?
		    oldpath + er->r.pathlen : NULL;
		old.egress_name = name_copy(old_egress, er->r.egress_name);
		old.next_hop_name = name_copy(old_next_hop,
		    er->r.next_hop_name);
		compute_route(e, er, (uint32_t)root, 0);
		if (er->held) {
			uint64_t at = settle_end(e, er);

			uint64_t until;

			if (now < at) {
				/* withdrawn until the database settles */
				route_clear(&er->r);
				settle_schedule(e, er);
				continue;
			}
			if (path_suspect(e, &er->r, now, &until) >= 0) {
				/* ... and until its path is past suspicion */
				route_clear(&er->r);
				if (!e->spf_pending || until < e->spf_at) {
					e->spf_pending = 1;
					e->spf_at = until;
				}
				continue;
			}
			er->held = 0;
			er->broke_at = 0;
		} else if (old.since != 0 && route_differs(&old, &er->r) &&
		    path_broken(e, &old)) {
			if (routes_settling(er, now)) {
				/* broken again: correlated losses, settle */
				er->held = 1;
				er->lfa_until = 0;
				route_clear(&er->r);
				settle_schedule(e, er);
			} else
				er->broke_at = now;
		}
		if (er->lfa_until != 0 && route_differs(&old, &er->r) &&
		    lfa_keep(e, er, &old, now))
			continue;	/* on its alternate a while longer */
		er->lfa_until = 0;
		if (!route_differs(&old, &er->r) && old.since != 0)
			continue;
		er->r.has_runner_up = 0;	/* until recomputed */
		er->ru_stale = 1;
		er->r.since = now;
		if (old.since == 0 && !er->r.reachable)
			continue;	/* never had a route, still none */
		e->c.route_changes++;
		er->r.changes++;
		ev.old = old.since != 0 && old.reachable ? &old : NULL;
		ev.new = er->r.reachable ? &er->r : NULL;
		if (ev.old != NULL || ev.new != NULL) {
			if (e->ops->route_event != NULL)
				e->ops->route_event(e->arg, &ev);
		}
	}
	free(oldpath);
	mark_next_hops(e, now);
	tiers_update(e, now);
}

/*
 * Runner-ups for a few routes, on the graph and tree of the last SPF run
 * (the routes were computed on them too). Paced so that refreshing 300
 * of them costs a few per cent of a core, not a burst of 0.2 s.
 */
void
routes_run_runner_ups(struct engine *e, uint64_t now)
{
	long root = lsdb_slot(&e->db, e->conf.id);
	size_t k, done = 0;

	if (now < e->ru_at)
		return;
	e->ru_at = UINT64_MAX;
	if (root < 0 || e->nroutes == 0)
		return;
	if (e->spf_pending || e->db.generation != e->spf_gen) {
		/* the tree is out of date; wait for the next SPF run */
		e->ru_at = now + RUNNER_UP_PACE;
		return;
	}
	e->nrtrees = 0;
	if (e->ru_cursor >= e->nroutes)
		e->ru_cursor = 0;	/* the route table shrank (reload) */
	for (k = 0; k < e->nroutes && done < RUNNER_UP_BATCH; k++) {
		struct eroute *er = &e->routes[e->ru_cursor];

		e->ru_cursor = (e->ru_cursor + 1) % e->nroutes;
		if (!er->ru_stale || er->lfa_until > now)
			continue;
		er->ru_stale = 0;
		if (!er->r.reachable)
			continue;
		compute_route(e, er, (uint32_t)root, 1);
		done++;
	}
	for (k = 0; k < e->nroutes; k++)
		if (e->routes[k].ru_stale) {
			e->ru_at = now + RUNNER_UP_PACE;
			break;
		}
}

/*
 * The routes the configuration and the database ask for, one per
 * (origin, prefix), each with the egresses it may leave by:
 *
 *  - an origin of our config: its prefixes, the egresses of its egress
 *    line, and any PoP whose row serves an origin of the same name with
 *    the prefix;
 *  - an origin only the database knows: the prefixes of the declarations
 *    rows serve it under, each left by the PoPs whose declaration has it.
 *
 * A prefix belongs to one origin: our config wins over the database, and
 * between two names in the database the lower one (strcmp) wins, so that
 * every PoP decides the same way.
 */
struct rkey {
	char		 name[WIRE_NAME_MAX + 1];
	struct prefix	 pfx;
	int		 is_static;
	struct rcand	*cand;
	size_t		 ncand;
};

static void
key_add_cand(struct rkey *k, uint32_t id, uint16_t lm, uint8_t health,
    int advertised)
{
	size_t i;

	for (i = 0; i < k->ncand; i++)
		if (k->cand[i].id == id)
			break;
	if (i == k->ncand) {
		k->cand = xreallocarray(k->cand, k->ncand + 1,
		    sizeof(*k->cand));
		k->ncand++;
		memset(&k->cand[i], 0, sizeof(k->cand[i]));
		k->cand[i].id = id;
		k->cand[i].lm = WIRE_RTT_UNKNOWN;
	}
	if (advertised) {
		k->cand[i].lm = lm;
		k->cand[i].health = health;
		k->cand[i].advertised = 1;
	}
}

static int
key_cmp(const void *a, const void *b)
{
	const struct rkey *x = a, *y = b;
	int c;

	if (x->is_static != y->is_static)
		return y->is_static - x->is_static;
	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return prefix_cmp(&x->pfx, &y->pfx);
}

static int
rcand_cmp(const void *a, const void *b)
{
	const struct rcand *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Keys by prefix: open addressing over indexes + 1 (0 empty). */
struct pfxmap {
	size_t		*v;
	size_t		 cap;
};

static size_t
pfx_hash(const struct prefix *p)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	h = (h ^ p->family) * 0x100000001b3ULL;
	h = (h ^ p->len) * 0x100000001b3ULL;
	for (i = 0; i < sizeof(p->addr); i++)
		h = (h ^ p->addr[i]) * 0x100000001b3ULL;
	return (size_t)h;
}

/* The key of prefix p, or SIZE_MAX; with add, slot *at is where it goes. */
static size_t
pfxmap_find(const struct pfxmap *m, const struct rkey *k,
    const struct prefix *p, size_t *at)
{
	size_t h = pfx_hash(p) & (m->cap - 1);

	while (m->v[h] != 0) {
		if (prefix_equal(&k[m->v[h] - 1].pfx, p))
			return m->v[h] - 1;
		h = (h + 1) & (m->cap - 1);
	}
	*at = h;
	return SIZE_MAX;
}

static struct rkey *
wanted_routes(struct engine *e, size_t *np)
{
	struct rkey *k = NULL;
	struct pfxmap map;
	size_t n = 0, i, j, m, q, at, total = 0;

	for (i = 0; i < e->conf.norigins; i++)
		total += e->conf.origins[i].nprefixes;
	for (i = 0; i < e->db.nslots; i++) {
		const struct lsdb_node *nd = &e->db.slots[i];
		const struct wire_origin *d;

		if (!nd->in_use || !nd->has_row)
			continue;
		for (j = 0; j < nd->norigins; j++)
			if ((d = origins_decl(e, nd->origins[j].peer)) != NULL)
				total += d->nprefixes;
	}
	for (map.cap = 16; map.cap < 2 * total; map.cap *= 2)
		;
	map.v = xcalloc(map.cap, sizeof(*map.v));
	k = xcalloc(total ? total : 1, sizeof(*k));

	for (i = 0; i < e->conf.norigins; i++) {
		const struct engine_origin_conf *o = &e->conf.origins[i];

		for (j = 0; j < o->nprefixes; j++) {
			/* the config has no prefix twice */
			if (pfxmap_find(&map, k, &o->prefixes[j], &at) !=
			    SIZE_MAX)
				continue;
			map.v[at] = n + 1;
			snprintf(k[n].name, sizeof(k[n].name), "%s", o->name);
			k[n].pfx = o->prefixes[j];
			k[n].is_static = 1;
			for (m = 0; m < o->negress; m++)
				key_add_cand(&k[n], o->egress[m],
				    WIRE_RTT_UNKNOWN, WIRE_ORIGIN_UNKNOWN, 0);
			n++;
		}
	}
	for (i = 0; i < e->db.nslots; i++) {
		const struct lsdb_node *nd = &e->db.slots[i];

		if (!nd->in_use || !nd->has_row)
			continue;
		for (j = 0; j < nd->norigins; j++) {
			const struct lsdb_link *ol = &nd->origins[j];
			const struct wire_origin *d = origins_decl(e, ol->peer);

			if (d == NULL)
				continue;
			for (q = 0; q < d->nprefixes; q++) {
				m = pfxmap_find(&map, k, &d->prefixes[q], &at);
				if (m != SIZE_MAX &&
				    strcmp(k[m].name, d->name) != 0) {
					if (k[m].is_static ||
					    strcmp(k[m].name, d->name) < 0)
						continue;
					/* the lower name takes the prefix */
					free(k[m].cand);
					k[m].cand = NULL;
					k[m].ncand = 0;
					snprintf(k[m].name, sizeof(k[m].name),
					    "%s", d->name);
				}
				if (m == SIZE_MAX) {
					m = n++;
					map.v[at] = m + 1;
					snprintf(k[m].name, sizeof(k[m].name),
					    "%s", d->name);
					k[m].pfx = d->prefixes[q];
				}
				key_add_cand(&k[m], nd->id, ol->rtt,
				    ol->state, 1);
			}
		}
	}
	free(map.v);
	/* static ones keep the config's order; the rest a fixed one */
	for (i = 0; i < n && k[i].is_static; i++)
		;
	if (n > i)
		qsort(k + i, n - i, sizeof(*k), key_cmp);
	for (i = 0; i < n; i++)
		if (k[i].ncand > 1)
			qsort(k[i].cand, k[i].ncand, sizeof(*k[i].cand),
			    rcand_cmp);
	*np = n;
	return k;
}

/*
 * (Re)build the route table. A route that stays (same origin name and
 * prefix) keeps its state, so a reload or a new origin elsewhere shows
 * no spurious route changes. With events, a route that goes away while
 * reachable is reported withdrawn (an origin no row serves any more).
 */
void
routes_build(struct engine *e, int events)
{
	struct eroute *old = e->routes;
	struct engine_route_event ev;
	struct rkey *k;
	size_t nold = e->nroutes, i, m, n;

	e->built_db_gen = e->db.origins_generation;
	e->built_decls_gen = e->decls_gen;
	k = wanted_routes(e, &n);
	e->routes = xcalloc(n ? n : 1, sizeof(*e->routes));
	e->nroutes = n;
	for (i = 0; i < n; i++) {
		struct eroute *er = &e->routes[i];

		for (m = 0; m < nold; m++)
			if (old[m].r.origin != NULL &&
			    strcmp(old[m].oname, k[i].name) == 0 &&
			    prefix_equal(&old[m].r.pfx, &k[i].pfx))
				break;
		if (m < nold) {
			*er = old[m];
			free(old[m].cand);
			old[m].cand = NULL;
			old[m].path = old[m].ru_path = NULL;
			old[m].r.origin = NULL;
		}
		snprintf(er->oname, sizeof(er->oname), "%s", k[i].name);
		er->is_static = k[i].is_static;
		er->cand = k[i].cand;
		er->ncand = k[i].ncand;
		er->r.origin = er->oname;
		er->r.pfx = k[i].pfx;
		er->r.prefix = prefix_fmt(&er->r.pfx, er->prefix,
		    sizeof(er->prefix));
		/* Names pointed into the old array or config. */
		er->r.egress_name = er->r.reachable ?
		    name_copy(er->egress_name,
		    engine_node_name(e, er->r.egress)) : NULL;
		er->r.next_hop_name = er->r.reachable ?
		    name_copy(er->next_hop_name,
		    engine_node_name(e, er->r.next_hop)) : NULL;
		er->r.alt_egress_name = er->r.has_alt_egress ?
		    name_copy(er->alt_egress_name,
		    engine_node_name(e, er->r.alt_egress)) : NULL;
		er->r.path = er->path;
		er->r.runner_up_path = er->ru_path;
	}
	free(k);
	for (i = 0; i < nold; i++) {
		if (events && old[i].r.origin != NULL && old[i].r.reachable &&
		    old[i].r.since != 0 && e->ops->route_event != NULL) {
			old[i].r.origin = old[i].oname;
			old[i].r.prefix = old[i].prefix;
			old[i].r.egress_name = old[i].egress_name;
			old[i].r.next_hop_name = old[i].next_hop_name;
			old[i].r.alt_egress_name = NULL;
			old[i].r.path = old[i].path;
			old[i].r.runner_up_path = old[i].ru_path;
			ev.old = &old[i].r;
			ev.new = NULL;
			e->c.route_changes++;
			e->ops->route_event(e->arg, &ev);
		}
		free(old[i].cand);
		free(old[i].path);
		free(old[i].ru_path);
	}
	free(old);
}
