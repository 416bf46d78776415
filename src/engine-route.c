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

void
routes_schedule_spf(struct engine *e, uint64_t now)
{
	uint64_t at;

	if (e->spf_pending)
		return;
	at = now + e->conf.p.spf_delay;
	if (e->last_spf && at < e->last_spf + e->spf_hold)
		at = e->last_spf + e->spf_hold;
	e->spf_pending = 1;
	e->spf_at = at;
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
	if (!e->db.same_links)
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
	uint32_t	cong, hops, egress;
	uint64_t	cost;
	uint32_t	egress_slot;
};

static int
cand_better(const struct cand *a, const struct cand *b, int strict)
{
	int c;

	if (!b->ok)
		return a->ok;
	if (!a->ok)
		return 0;
	c = spf_cmp(strict, a->cong, a->cost, a->hops, b->cong, b->cost,
	    b->hops);
	return c < 0 || (c == 0 && a->egress < b->egress);
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
compute_route(struct engine *e, struct eroute *er, uint32_t root, int with_ru)
{
	const struct engine_origin_conf *o = &e->conf.origins[er->origin];
	struct engine_route *r = &er->r;
	struct cand best = { 0 }, ru = { 0 }, c;
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
	for (i = 0; i < o->negress; i++) {
		memset(&c, 0, sizeof(c));
		c.egress = o->egress[i];
		if (o->egress[i] == e->conf.id) {
			c.ok = 1;
			c.egress_slot = root;
		} else if ((es = lsdb_slot(&e->db, o->egress[i])) >= 0 &&
		    spf_reached(&e->t, (uint32_t)es)) {
			c.ok = 1;
			c.cong = e->t.cong[es];
			c.cost = e->t.cost[es];
			c.hops = e->t.hops[es];
			c.egress_slot = (uint32_t)es;
		}
		if (cand_better(&c, &best, e->g.strict))
			best = c;
	}
	r->reachable = best.ok;
	if (with_ru || !best.ok)
		r->has_runner_up = 0;
	r->direct_cost_ms = -1;
	if (!best.ok) {
		r->egress = 0;
		r->egress_name = NULL;
		r->pathlen = 0;
		r->next_hop = 0;
		r->next_hop_name = NULL;
		r->cost_ms = -1;
		r->congested_hops = 0;
		return;
	}
	r->egress = best.egress;
	r->egress_name = name_copy(er->egress_name,
	    engine_node_name(e, best.egress));
	r->cost_ms = best.cost / 1000.0;
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
			r->direct_cost_ms = e->g.edges[i].cost / 1000.0;
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
	for (j = 0; j < o->negress; j++) {
		struct spf_tree *rt;

		if (o->egress[j] == e->conf.id ||
		    (es = lsdb_slot(&e->db, o->egress[j])) < 0 ||
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
			c.cong = ed->cong + rt->cong[ed->to];
			c.cost = ed->cost + rt->cost[ed->to];
			c.hops = 1 + rt->hops[ed->to];
			c.egress = o->egress[j];
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
	if (root < 0)
		return;
	spf_graph_build(&e->g, &e->db, &e->conf.p);
	spf_run(&e->t, &e->g, &e->db, (uint32_t)root);
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
		if (!route_differs(&old, &er->r) && old.since != 0)
			continue;
		er->r.has_runner_up = 0;	/* until recomputed */
		er->ru_stale = 1;
		er->r.since = now;
		if (old.since == 0 && !er->r.reachable)
			continue;	/* never had a route, still none */
		e->c.route_changes++;
		ev.old = old.since != 0 && old.reachable ? &old : NULL;
		ev.new = er->r.reachable ? &er->r : NULL;
		if (ev.old != NULL || ev.new != NULL) {
			if (e->ops->route_event != NULL)
				e->ops->route_event(e->arg, &ev);
		}
	}
	free(oldpath);
	mark_next_hops(e, now);
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
		if (!er->ru_stale)
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
 * (Re)build the route table from the origins of the config. A route that
 * survives a reload (same origin name and prefix) keeps its state, so a
 * reload shows no spurious route changes.
 */
void
routes_build(struct engine *e)
{
	struct eroute *old = e->routes;
	size_t nold = e->nroutes, i, j, k = 0, n = 0;

	for (i = 0; i < e->conf.norigins; i++)
		n += e->conf.origins[i].nprefixes;
	e->routes = xcalloc(n, sizeof(*e->routes));
	e->nroutes = n;
	for (i = 0; i < e->conf.norigins; i++)
		for (j = 0; j < e->conf.origins[i].nprefixes; j++, k++) {
			struct eroute *er = &e->routes[k];
			size_t m;

			for (m = 0; m < nold; m++)
				if (old[m].r.origin != NULL &&
				    strcmp(old[m].r.origin,
				    e->conf.origins[i].name) == 0 &&
				    prefix_equal(&old[m].r.pfx,
				    &e->conf.origins[i].prefixes[j]))
					break;
			if (m < nold) {
				*er = old[m];
				old[m].path = old[m].ru_path = NULL;
				old[m].r.origin = NULL;
			}
			er->origin = i;
			er->r.origin = e->conf.origins[i].name;
			er->r.pfx = e->conf.origins[i].prefixes[j];
			er->r.prefix = prefix_fmt(&er->r.pfx, er->prefix,
			    sizeof(er->prefix));
			/* Names pointed into the old config. */
			er->r.egress_name = er->r.reachable ?
			    name_copy(er->egress_name,
			    engine_node_name(e, er->r.egress)) : NULL;
			er->r.next_hop_name = er->r.reachable ?
			    name_copy(er->next_hop_name,
			    engine_node_name(e, er->r.next_hop)) : NULL;
		}
	for (i = 0; i < nold; i++) {
		free(old[i].path);
		free(old[i].ru_path);
	}
	free(old);
}
