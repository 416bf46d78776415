/*
 * Cache tiers (issue 16; argod.8, "Cache tiers").
 *
 * For every origin with a route, this PoP is either an upper tier (its
 * cache fetches from the origin) or a lower tier (its cache asks a parent
 * PoP's cache, and a fallback when the parent fails). The choice is a
 * function of the database, so every PoP reaches the same one:
 *
 *  - smart (default): the upper tier is the egress of the origin with the
 *    lowest advertised last mile, healthy before unknown before failing,
 *    ties to the lower node id; the next one is the fallback. Every other
 *    PoP is a lower tier of it. The last mile is the same number on every
 *    PoP (it comes from the egress's row), so all agree on the upper tier;
 *    only reachability (a PoP cut off from the upper tier) is local.
 *  - static: the upper tiers are named in the origin block. A named PoP
 *    is an upper tier; every other PoP's parent is the named upper tier
 *    with the lowest total cost, its overlay path to it plus that tier's
 *    own cost to the origin (its last mile when it is an egress, else its
 *    path to the best egress plus that egress's last mile, from a reverse
 *    tree rooted at the egress); the second lowest is the fallback.
 *  - regional: K upper tiers, a greedy k-median over the database (see
 *    cands_regional()); parents as for static tiers.
 *
 * The mode, K and named tiers are the origin's policy as the database
 * advertises it (wire version 5, origins_policy()), so PoPs without the
 * origin block follow it too; without one, our own origin block's.
 *
 * Parent changes are damped, like advertised link metrics: a better
 * candidate takes over only once it has been better by tier_margin % for
 * tier_hold, so noise in the matrix does not move caches (a move empties
 * the parent's share of the hierarchy). The change is immediate when the
 * parent can no longer serve: unreachable, no longer a candidate, or its
 * origin failing while another's is not. Damping is applied to the same
 * advertised numbers on every PoP with the same hold, so PoPs disagree
 * only while an update spreads; a lower tier never chooses itself, and an
 * upper tier's parent is always the origin, so a disagreement costs an
 * extra hop at worst, never a loop of more than two caches (argod.8).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine-int.h"
#include "log.h"

#define COST_NONE	UINT64_MAX

/* A PoP that may be a parent, with what it costs us to reach the origin
 * through it (us). */
struct tcand {
	uint32_t	id;
	int		rank;		/* 0 healthy, 1 unknown, 2 failing */
	uint64_t	key;		/* smart: last mile; static: total */
	uint64_t	total;		/* path to it + its cost to the origin */
	uint64_t	path;
};

static const char *
copy_name(char dst[WIRE_NAME_MAX + 1], const char *src)
{
	if (src == NULL)
		return NULL;
	snprintf(dst, WIRE_NAME_MAX + 1, "%s", src);
	return dst;
}

static int
health_rank(uint8_t health)
{
	return health == WIRE_ORIGIN_HEALTHY ? 0 :
	    health == WIRE_ORIGIN_UNHEALTHY ? 2 : 1;
}

/* <0 when a is the better parent. */
static int
tcand_cmp(const struct tcand *a, const struct tcand *b)
{
	if (a->rank != b->rank)
		return a->rank - b->rank;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* Path cost from us to node id, us; COST_NONE when unreachable. */
static uint64_t
path_to(const struct engine *e, uint32_t id)
{
	long s;

	if (id == e->conf.id)
		return 0;
	if ((s = lsdb_slot(&e->db, id)) < 0 ||
	    !spf_reached(&e->t, (uint32_t)s))
		return COST_NONE;
	return e->t.cost[s];
}

/* The egresses of an origin: the candidates of its routes, merged. */
static struct rcand *
origin_egresses(const struct engine *e, const size_t *ri, size_t nri,
    size_t *np)
{
	struct rcand *v = NULL;
	size_t n = 0, i, j, k;

	for (i = 0; i < nri; i++) {
		const struct eroute *er = &e->routes[ri[i]];

		for (j = 0; j < er->ncand; j++) {
			for (k = 0; k < n; k++)
				if (v[k].id == er->cand[j].id)
					break;
			if (k == n) {
				v = xreallocarray(v, n + 1, sizeof(*v));
				v[n++] = er->cand[j];
			} else if (!v[k].advertised && er->cand[j].advertised)
				v[k] = er->cand[j];
		}
	}
	*np = n;
	return v;
}

static uint64_t
lm_of(const struct rcand *rc)
{
	return rc->lm == WIRE_RTT_UNKNOWN ? 0 : (uint64_t)rc->lm * 100;
}

/* Smart: the egresses we can reach, ranked by health and last mile. */
static size_t
cands_smart(const struct engine *e, const struct rcand *eg, size_t neg,
    struct tcand *out)
{
	size_t i, n = 0;
	uint64_t p;

	for (i = 0; i < neg; i++) {
		if ((p = path_to(e, eg[i].id)) == COST_NONE)
			continue;
		out[n].id = eg[i].id;
		out[n].rank = health_rank(eg[i].health);
		/* an unknown last mile sorts after every measured one */
		out[n].key = eg[i].lm == WIRE_RTT_UNKNOWN ? COST_NONE - 1 :
		    lm_of(&eg[i]);
		out[n].path = p;
		out[n].total = p + lm_of(&eg[i]);
		n++;
	}
	return n;
}

/*
 * Static: the named tiers we can reach, by total cost. A named tier's
 * cost to the origin is its last mile if it is a working egress, else
 * the best of (its path to a working egress + that last mile).
 */
static size_t
cands_static(struct engine *e, const struct engine_origin_conf *oc,
    const struct rcand *eg, size_t neg, struct tcand *out)
{
	uint64_t *via, p, c;
	size_t i, j, n = 0;
	long s;
	int any_ok = 0;

	via = xcalloc(oc->ntier ? oc->ntier : 1, sizeof(*via));
	for (i = 0; i < oc->ntier; i++)
		via[i] = COST_NONE;
	for (j = 0; j < neg; j++)
		if (eg[j].health != WIRE_ORIGIN_UNHEALTHY)
			any_ok = 1;
	for (j = 0; j < neg; j++) {
		int own_tier = 0;

		if (any_ok && eg[j].health == WIRE_ORIGIN_UNHEALTHY)
			continue;
		for (i = 0; i < oc->ntier; i++)
			if (oc->tier[i] == eg[j].id) {
				via[i] = lm_of(&eg[j]);
				own_tier = 1;
			}
		if (own_tier && oc->ntier == 1)
			continue;
		if ((s = lsdb_slot(&e->db, eg[j].id)) < 0 ||
		    (size_t)s >= e->g.n)
			continue;
		spf_run_reverse(&e->tier_rt, &e->g, &e->db, (uint32_t)s);
		for (i = 0; i < oc->ntier; i++) {
			long ts = lsdb_slot(&e->db, oc->tier[i]);

			if (ts < 0 || oc->tier[i] == eg[j].id ||
			    !spf_reached(&e->tier_rt, (uint32_t)ts))
				continue;
			c = e->tier_rt.cost[ts] + lm_of(&eg[j]);
			if (c < via[i])
				via[i] = c;
		}
	}
	for (i = 0; i < oc->ntier; i++) {
		if (via[i] == COST_NONE ||
		    (p = path_to(e, oc->tier[i])) == COST_NONE)
			continue;
		for (j = 0; j < n; j++)
			if (out[j].id == oc->tier[i])
				break;
		if (j < n)
			continue;	/* named twice */
		out[n].id = oc->tier[i];
		out[n].rank = 0;
		out[n].path = p;
		out[n].total = p + via[i];
		out[n].key = out[n].total;
		n++;
	}
	free(via);
	return n;
}

/*
 * Regional: K upper tiers chosen on the database alone, so every PoP
 * chooses the same ones. ocost[s] is node s's cost to the origin (its
 * path to a working egress plus that egress's last mile, from reverse
 * trees rooted at the egresses); d[c][s] node s's path cost to candidate
 * c (a reverse tree rooted at c). The set is grown greedily, each step
 * adding the candidate that most lowers the sum over all PoPs of
 * min over the set (d[u][s] + ocost[u]) -- the classic greedy for
 * k-median, within a factor of the optimum and exact for K = 1 -- ties
 * to the lower node id. A PoP that reaches no candidate counts
 * REG_UNREACHED, so that covering it is worth more than any path.
 */
#define REG_UNREACHED	(10ULL * 1000 * 1000)	/* us: 10 s */

/*
 * A PoP that counts: it has a row and at least one usable link (the
 * two-way check of spf_graph_build() takes a dead PoP's links away on
 * every PoP alike, while its row lingers until it ages out).
 */
static int
reg_alive(const struct engine *e, size_t i)
{
	return i < e->g.n && e->db.slots[i].in_use &&
	    e->db.slots[i].has_row &&
	    (e->g.off[i + 1] > e->g.off[i] || e->db.nrows == 1);
}

struct regional {
	size_t		 n;		/* slots */
	uint64_t	*ocost;		/* [n] */
	size_t		 ncand;
	uint32_t	*cand;		/* slots */
	uint64_t	*d;		/* [ncand][n] */
};

static void
regional_free(struct regional *r)
{
	free(r->ocost);
	free(r->cand);
	free(r->d);
}

static void
regional_build(struct engine *e, const struct engine_origin_conf *oc,
    const struct rcand *eg, size_t neg, struct regional *r)
{
	size_t i, j, n = e->g.n;
	int any_ok = 0;
	long s;

	memset(r, 0, sizeof(*r));
	r->n = n;
	r->ocost = xcalloc(n ? n : 1, sizeof(*r->ocost));
	for (i = 0; i < n; i++)
		r->ocost[i] = COST_NONE;
	for (j = 0; j < neg; j++)
		if (eg[j].health != WIRE_ORIGIN_UNHEALTHY)
			any_ok = 1;
	for (j = 0; j < neg; j++) {
		if ((any_ok && eg[j].health == WIRE_ORIGIN_UNHEALTHY) ||
		    (s = lsdb_slot(&e->db, eg[j].id)) < 0 || (size_t)s >= n)
			continue;
		spf_run_reverse(&e->tier_rt, &e->g, &e->db, (uint32_t)s);
		for (i = 0; i < n; i++)
			if (spf_reached(&e->tier_rt, (uint32_t)i) &&
			    e->tier_rt.cost[i] + lm_of(&eg[j]) < r->ocost[i])
				r->ocost[i] = e->tier_rt.cost[i] + lm_of(&eg[j]);
	}
	r->cand = xcalloc(n ? n : 1, sizeof(*r->cand));
	if (oc->ntier > 0) {
		for (i = 0; i < oc->ntier; i++)
			if ((s = lsdb_slot(&e->db, oc->tier[i])) >= 0 &&
			    reg_alive(e, (size_t)s) && r->ocost[s] != COST_NONE)
				r->cand[r->ncand++] = (uint32_t)s;
	} else {
		for (i = 0; i < n; i++)
			if (reg_alive(e, i) && r->ocost[i] != COST_NONE)
				r->cand[r->ncand++] = (uint32_t)i;
	}
	r->d = xcalloc(r->ncand * n + 1, sizeof(*r->d));
	for (j = 0; j < r->ncand; j++) {
		spf_run_reverse(&e->tier_rt, &e->g, &e->db, r->cand[j]);
		for (i = 0; i < n; i++)
			r->d[j * n + i] = spf_reached(&e->tier_rt, (uint32_t)i) ?
			    e->tier_rt.cost[i] : COST_NONE;
	}
}

/* The sum over PoPs of the cost through the best of set (candidate
 * indexes), us; best[] gets each PoP's. */
static uint64_t
regional_sum(const struct engine *e, const struct regional *r,
    const size_t *set, size_t nset, uint64_t *best)
{
	uint64_t sum = 0, c;
	size_t i, k;

	for (i = 0; i < r->n; i++) {
		if (!reg_alive(e, i))
			continue;
		best[i] = REG_UNREACHED;
		for (k = 0; k < nset; k++) {
			c = r->d[set[k] * r->n + i];
			if (c != COST_NONE &&
			    c + r->ocost[r->cand[set[k]]] < best[i])
				best[i] = c + r->ocost[r->cand[set[k]]];
		}
		sum += best[i];
	}
	return sum;
}

/* Greedy K-median: candidate indexes into set, their count. */
static size_t
regional_greedy(const struct engine *e, const struct regional *r,
    unsigned k, size_t *set, uint64_t *sum)
{
	uint64_t *best = xcalloc(r->n + 1, sizeof(*best)), s, bs;
	size_t nset = 0, j, q, bj;

	*sum = COST_NONE;
	while (nset < k && nset < r->ncand) {
		bj = SIZE_MAX;
		bs = COST_NONE;
		for (j = 0; j < r->ncand; j++) {
			for (q = 0; q < nset; q++)
				if (set[q] == j)
					break;
			if (q < nset)
				continue;
			set[nset] = j;
			s = regional_sum(e, r, set, nset + 1, best);
			if (s < bs || (s == bs && bj != SIZE_MAX &&
			    e->db.slots[r->cand[j]].id <
			    e->db.slots[r->cand[bj]].id)) {
				bs = s;
				bj = j;
			}
		}
		set[nset++] = bj;
		*sum = bs;
	}
	free(best);
	return nset;
}

/*
 * The regional set is a pure function of the database, with no damping
 * of its own: a set held by hysteresis would depend on each PoP's
 * history, and PoPs that started or restarted at different times would
 * keep different sets for good (DESIGN.md decision 2; bench_tier found
 * 4 of 32 PoPs on another set with a damped set). Its inputs are damped
 * where they are advertised (link metrics, last miles), and each PoP's
 * choice of parent among the set is damped as usual. Then this PoP's
 * candidates: the members it reaches, by path plus their cost to the
 * origin.
 */
static size_t
cands_regional(struct engine *e, struct etier *et,
    const struct engine_origin_conf *oc, const struct rcand *eg, size_t neg,
    struct tcand *out)
{
	struct regional r;
	size_t set[TIER_UPPERS_MAX], nset, i, j, n = 0;
	uint64_t sum, p;
	unsigned k = oc->tier_k ? oc->tier_k : 1;

	if (k > TIER_UPPERS_MAX)
		k = TIER_UPPERS_MAX;
	regional_build(e, oc, eg, neg, &r);
	nset = regional_greedy(e, &r, k, set, &sum);
	for (i = 0; i < nset; i++)
		et->uppers[i] = e->db.slots[r.cand[set[i]]].id;
	et->t.nuppers = nset;
	for (i = j = 0; i < r.n; i++)
		j += reg_alive(e, i);
	et->t.objective_ms = nset > 0 && sum != COST_NONE && j > 0 ?
	    sum / 1000.0 / (double)j : -1;
	for (i = 0; i < nset; i++) {
		uint32_t id = e->db.slots[r.cand[set[i]]].id;

		if ((p = path_to(e, id)) == COST_NONE)
			continue;
		out[n].id = id;
		out[n].rank = 0;
		out[n].path = p;
		out[n].total = p + r.ocost[r.cand[set[i]]];
		out[n].key = out[n].total;
		n++;
	}
	regional_free(&r);
	return n;
}

static int
tier_differs(const struct engine_tier *a, const struct engine_tier *b)
{
	return a->role != b->role || a->parent != b->parent ||
	    a->has_fallback != b->has_fallback ||
	    (a->has_fallback && a->fallback != b->fallback);
}

/*
 * An origin's tier policy: the one the database advertises (version 5,
 * origins_policy()), else that of our origin block, else NULL (smart).
 * tmp and tiers hold an advertised one.
 */
static const struct engine_origin_conf *
origin_conf(const struct engine *e, const char *name,
    struct engine_origin_conf *tmp, uint32_t tiers[WIRE_TIERS_MAX])
{
	const struct wire_origin *w;
	size_t i;

	if ((w = origins_policy(e, name)) != NULL) {
		memset(tmp, 0, sizeof(*tmp));
		snprintf(tmp->name, sizeof(tmp->name), "%s", name);
		tmp->tier_mode = w->tier_mode;
		tmp->tier_k = w->tier_k;
		memcpy(tiers, w->tiers, w->ntiers * sizeof(*tiers));
		tmp->tier = tiers;
		tmp->ntier = w->ntiers;
		return tmp;
	}
	for (i = 0; i < e->conf.norigins; i++)
		if (strcmp(e->conf.origins[i].name, name) == 0)
			return &e->conf.origins[i];
	return NULL;
}

/*
 * Choose among ranked candidates c[0..n) (best first) for the current
 * parent cur (0: none): the damped choice. *sched is lowered to when a
 * pending challenger's hold ends.
 */
static uint32_t
damped_choice(struct engine *e, struct etier *et, const struct tcand *c,
    size_t n, uint32_t cur, uint64_t now, uint64_t *sched)
{
	const struct tcand *curc = NULL;
	size_t i;
	int better;

	if (n == 0) {
		et->t.challenger = 0;
		et->t.challenger_since = 0;
		return 0;
	}
	for (i = 0; i < n; i++)
		if (c[i].id == cur)
			curc = &c[i];
	/*
	 * Move at once when the parent cannot serve, when it was chosen
	 * knowing nothing of its cost, and while the origin is new here:
	 * the first choices are made on a database that is still filling
	 * (an egress sees its own last mile before anyone else's), not on
	 * noise, and damping them would hold PoPs on different parents
	 * for a whole hold (argosim found the egresses of an anycast
	 * origin each their own upper tier for tier-hold after start).
	 */
	if (curc == NULL || curc->rank > c[0].rank ||
	    (curc->rank == 2 && c[0].rank < 2) ||
	    (curc->key == COST_NONE - 1 && c[0].key != COST_NONE - 1) ||
	    now - et->born < e->conf.p.tier_hold) {
		et->t.challenger = 0;
		et->t.challenger_since = 0;
		return c[0].id;
	}
	if (curc == &c[0])
		better = 0;
	else
		better = (double)c[0].key < (double)curc->key *
		    (100 - e->conf.p.tier_margin) / 100.0;
	if (!better) {
		et->t.challenger = 0;
		et->t.challenger_since = 0;
		return cur;
	}
	if (et->t.challenger_since == 0)
		et->t.challenger_since = now;
	et->t.challenger = c[0].id;
	if (now - et->t.challenger_since >= e->conf.p.tier_hold) {
		et->t.challenger = 0;
		et->t.challenger_since = 0;
		return c[0].id;
	}
	if (et->t.challenger_since + e->conf.p.tier_hold < *sched)
		*sched = et->t.challenger_since + e->conf.p.tier_hold;
	return cur;
}

static const struct tcand *
find_cand(const struct tcand *c, size_t n, uint32_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i].id == id)
			return &c[i];
	return NULL;
}

static void
eval_tier(struct engine *e, struct etier *et, const size_t *ri, size_t nri,
    uint64_t now, uint64_t *sched)
{
	struct engine_origin_conf adv;
	uint32_t adv_tiers[WIRE_TIERS_MAX];
	const struct engine_origin_conf *oc = origin_conf(e, et->oname, &adv,
	    adv_tiers);
	struct engine_tier old = et->t;
	struct engine_tier_event ev;
	char old_parent[WIRE_NAME_MAX + 1], old_fb[WIRE_NAME_MAX + 1];
	char old_upper[WIRE_NAME_MAX + 1];
	const struct tcand *pc, *fc = NULL;
	struct rcand *eg;
	struct tcand *c;
	size_t neg, n, i;
	uint32_t parent;
	int is_upper = 0;

	old.parent_name = copy_name(old_parent, et->t.parent_name);
	old.fallback_name = copy_name(old_fb, et->t.fallback_name);
	old.upper_name = copy_name(old_upper, et->t.upper_name);
	eg = origin_egresses(e, ri, nri, &neg);
	et->t.mode = oc != NULL ? oc->tier_mode : TIER_SMART;
	c = xcalloc(neg + (oc != NULL ? oc->ntier : 0) + TIER_UPPERS_MAX + 1,
	    sizeof(*c));
	if (et->t.mode == TIER_STATIC)
		n = cands_static(e, oc, eg, neg, c);
	else if (et->t.mode == TIER_REGIONAL)
		n = cands_regional(e, et, oc, eg, neg, c);
	else
		n = cands_smart(e, eg, neg, c);
	/* a stable order, best first: insertion sort, n is small */
	for (i = 1; i < n; i++) {
		struct tcand x = c[i];
		size_t k = i;

		while (k > 0 && tcand_cmp(&x, &c[k - 1]) < 0) {
			c[k] = c[k - 1];
			k--;
		}
		c[k] = x;
	}

	if (et->t.mode == TIER_STATIC || et->t.mode == TIER_REGIONAL) {
		if (et->t.mode == TIER_STATIC) {
			et->t.nuppers = 0;
			for (i = 0; i < oc->ntier &&
			    i < TIER_UPPERS_MAX; i++)
				et->uppers[et->t.nuppers++] = oc->tier[i];
			et->t.objective_ms = -1;
		}
		for (i = 0; i < et->t.nuppers; i++)
			if (et->uppers[i] == e->conf.id)
				is_upper = 1;
		parent = is_upper ? 0 : damped_choice(e, et, c, n,
		    old.role == TIER_LOWER ? old.parent : 0, now, sched);
		et->t.upper = 0;
		et->t.upper_name = NULL;
	} else {
		/* one damped choice per origin: its upper tier */
		parent = damped_choice(e, et, c, n, old.upper, now, sched);
		et->t.upper = parent;
		et->t.upper_name = parent != 0 ? copy_name(et->upper_name,
		    engine_node_name(e, parent)) : NULL;
		et->uppers[0] = parent;
		et->t.nuppers = parent != 0;
		et->t.objective_ms = -1;
		if (parent == e->conf.id)
			is_upper = 1;
	}
	if (parent == 0)
		is_upper = 1;	/* nobody to ask: fetch from the origin */
	pc = find_cand(c, n, parent);
	et->t.role = is_upper ? TIER_UPPER : TIER_LOWER;
	et->t.has_fallback = 0;
	et->t.fallback = 0;
	et->t.fallback_name = NULL;
	et->t.fallback_cost_ms = -1;
	if (is_upper) {
		const struct tcand *self = find_cand(c, n, e->conf.id);

		et->t.parent = 0;
		et->t.parent_name = NULL;
		et->t.parent_path_ms = 0;
		et->t.parent_cost_ms = self != NULL ? self->total / 1000.0 : -1;
	} else {
		et->t.parent = parent;
		et->t.parent_name = copy_name(et->parent_name,
		    engine_node_name(e, parent));
		et->t.parent_path_ms = pc != NULL ? pc->path / 1000.0 : -1;
		et->t.parent_cost_ms = pc != NULL ? pc->total / 1000.0 : -1;
		/*
		 * The fallback: the next best after the parent; when that
		 * is us (we would be the upper tier if the parent failed),
		 * the origin itself.
		 */
		for (i = 0; i < n; i++)
			if (c[i].id != parent) {
				if (c[i].id != e->conf.id)
					fc = &c[i];
				break;
			}
		et->t.has_fallback = 1;
		if (fc != NULL) {
			et->t.fallback = fc->id;
			et->t.fallback_name = copy_name(et->fallback_name,
			    engine_node_name(e, fc->id));
			et->t.fallback_cost_ms = fc->total / 1000.0;
		} else {
			/* we are the next best, or there is none: the
			 * origin itself */
			et->t.fallback = 0;
			et->t.fallback_name = NULL;
		}
	}
	free(c);
	free(eg);
	if (old.since != 0 && !tier_differs(&old, &et->t))
		return;
	et->t.since = now;
	et->t.changes++;
	if (e->ops->tier_event != NULL) {
		ev.old = old.since != 0 ? &old : NULL;
		ev.new = &et->t;
		e->ops->tier_event(e->arg, &ev);
	}
}

static void
tier_repoint(struct etier *et)
{
	et->t.origin = et->oname;
	if (et->t.parent_name != NULL)
		et->t.parent_name = et->parent_name;
	if (et->t.fallback_name != NULL)
		et->t.fallback_name = et->fallback_name;
	if (et->t.upper_name != NULL)
		et->t.upper_name = et->upper_name;
	et->t.uppers = et->uppers;
}

static const struct engine *sort_e;

static int
route_name_cmp(const void *a, const void *b)
{
	const size_t *x = a, *y = b;
	int c = strcmp(sort_e->routes[*x].oname, sort_e->routes[*y].oname);

	return c != 0 ? c : (*x > *y) - (*x < *y);
}

/*
 * After an SPF run, and when a hold ends: every origin with a route gets
 * its tier, origins without one lose theirs. The tiers are kept sorted by
 * origin name, and routes are grouped by name through a sorted index,
 * so that 300 origins of one egress each (argosim's all-pairs networks)
 * cost O(R log R), not R^2 name comparisons, per run.
 */
void
tiers_update(struct engine *e, uint64_t now)
{
	struct engine_tier_event ev;
	struct etier *old = e->tiers, *nt;
	uint64_t sched = UINT64_MAX;
	size_t nold = e->ntiers, i, j, g, k = 0, n = 0, *ri;

	e->tier_at = UINT64_MAX;
	if (lsdb_slot(&e->db, e->conf.id) < 0)
		return;
	ri = xcalloc(e->nroutes + 1, sizeof(*ri));
	for (i = 0; i < e->nroutes; i++)
		ri[i] = i;
	sort_e = e;
	qsort(ri, e->nroutes, sizeof(*ri), route_name_cmp);
	nt = xcalloc(e->nroutes + 1, sizeof(*nt));
	for (i = 0; i < e->nroutes; i = g) {
		const char *name = e->routes[ri[i]].oname;
		struct etier *et = &nt[n++];
		int c = 1;

		for (g = i + 1; g < e->nroutes &&
		    strcmp(e->routes[ri[g]].oname, name) == 0; g++)
			;
		/* old tiers are sorted too: walk them alongside */
		while (k < nold && (c = strcmp(old[k].oname, name)) < 0) {
			if (e->ops->tier_event != NULL && old[k].t.since != 0) {
				tier_repoint(&old[k]);
				ev.old = &old[k].t;
				ev.new = NULL;
				e->ops->tier_event(e->arg, &ev);
			}
			k++;
		}
		if (k < nold && c == 0)
			*et = old[k++];
		else {
			memset(et, 0, sizeof(*et));
			snprintf(et->oname, sizeof(et->oname), "%s", name);
			et->born = now;
			et->t.objective_ms = -1;
		}
		tier_repoint(et);
		eval_tier(e, et, ri + i, g - i, now, &sched);
	}
	for (j = k; j < nold; j++)
		if (e->ops->tier_event != NULL && old[j].t.since != 0) {
			tier_repoint(&old[j]);
			ev.old = &old[j].t;
			ev.new = NULL;
			e->ops->tier_event(e->arg, &ev);
		}
	free(old);
	free(ri);
	e->tiers = nt;
	e->ntiers = n;
	e->tier_at = sched;
}

/* A hold ended: decide again, on the tree of the last SPF run. */
void
tiers_run(struct engine *e, uint64_t now)
{
	if (now < e->tier_at)
		return;
	if (e->spf_pending) {
		e->tier_at = e->spf_at;	/* that run decides */
		return;
	}
	tiers_update(e, now);
}

void
tiers_free(struct engine *e)
{
	free(e->tiers);
	e->tiers = NULL;
	e->ntiers = 0;
	spf_tree_free(&e->tier_rt);
}

size_t
engine_ntiers(const struct engine *e)
{
	return e->ntiers;
}

const struct engine_tier *
engine_tier(const struct engine *e, size_t i)
{
	return i < e->ntiers ? &e->tiers[i].t : NULL;
}
