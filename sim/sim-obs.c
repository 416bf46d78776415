/*
 * Observation of a simulated network; see sim-obs.h for the model.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "log.h"
#include "sim-obs.h"

enum walk { W_NEW, W_STACK, W_REACH, W_LOOP, W_DROP };

struct obs {
	struct net	*net;
	size_t		 n;
	int32_t		*any_eg;	/* n: egress node of NET_ANYCAST, -1 */
	uint64_t	 damping;
	int		 debug;		/* ARGOSIM_DEBUG set */
	int32_t		*nh;		/* n*n next hop node, -1 none */
	/* destinations to re-check */
	uint8_t		*dirty;
	size_t		*dlist, ndirty;
	/* per destination */
	uint32_t	*loopers, *holers;
	uint64_t	*loop_since;	/* NET_NONE: no loop */
	uint64_t	 nloopers, nholers;	/* sums over destinations */
	uint64_t	 acc_t;		/* integrated up to here */
	double		 loop_pair_ns, hole_pair_ns;
	uint64_t	 loop_checks;
	uint8_t		*ws;		/* walk state scratch */
	size_t		*stack;
	/* database content */
	uint64_t	*digest;	/* last seen, per node */
	uint64_t	*rowver;	/* n*n: boot<<32|seq, 0 none */
	uint64_t	*rowhash;	/* n*n */
	uint64_t	*chash;		/* per node */
	uint32_t	*seen;		/* n scratch: scan generation */
	uint32_t	 gen;
	int		 db_agreed;
	int		 db_dirty;
	/* routes */
	uint64_t	*node_changes;	/* per node, whole run */
	uint32_t	*pair_changes;	/* n*n, after arming */
	uint32_t	*pair_win;	/* n*n, in the open window */
	uint16_t	*pair_fast;	/* n*n, fast reverts */
	uint64_t	*cur_hash, *prev_hash, *t_change;	/* n*n */
	int		 armed;
	uint64_t	 armed_at, finished_at;
	uint64_t	 reverts, fast_reverts, min_revert;
	/* windows */
	struct obs_window *w;
	size_t		 nw;
	int		 open;
	uint64_t	*node_changes0;		/* at window start */
	struct net_traffic *traffic0;
	struct engine_counters *ctr0;
	struct tobs	*tiers;
};

static void	on_route(void *, size_t, const struct engine_route_event *,
		    uint64_t);
static void	on_step(void *, size_t, uint64_t);
static void	on_link(void *, size_t, const struct engine_link_event *,
		    uint64_t);
static void	on_tier(void *, size_t, const struct engine_tier_event *,
		    uint64_t);

struct obs *
obs_new(size_t n, uint64_t damping)
{
	struct obs *o = xcalloc(1, sizeof(*o));
	size_t i, j;

	o->n = n;
	o->damping = damping;
	o->debug = getenv("ARGOSIM_DEBUG") != NULL;
	o->nh = xcalloc(n * n, sizeof(*o->nh));
	o->any_eg = xcalloc(n, sizeof(*o->any_eg));
	for (i = 0; i < n; i++)
		o->any_eg[i] = -1;
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			o->nh[i * n + j] = i == j ? (int32_t)i : -1;
	o->dirty = xcalloc(n, 1);
	o->dlist = xcalloc(n, sizeof(*o->dlist));
	o->loopers = xcalloc(n, sizeof(*o->loopers));
	o->holers = xcalloc(n, sizeof(*o->holers));
	o->loop_since = xcalloc(n, sizeof(*o->loop_since));
	for (i = 0; i < n; i++)
		o->loop_since[i] = NET_NONE;
	o->ws = xcalloc(n, 1);
	o->stack = xcalloc(n + 1, sizeof(*o->stack));
	o->digest = xcalloc(n, sizeof(*o->digest));
	o->rowver = xcalloc(n * n, sizeof(*o->rowver));
	o->rowhash = xcalloc(n * n, sizeof(*o->rowhash));
	o->chash = xcalloc(n, sizeof(*o->chash));
	o->seen = xcalloc(n, sizeof(*o->seen));
	o->node_changes = xcalloc(n, sizeof(*o->node_changes));
	o->node_changes0 = xcalloc(n, sizeof(*o->node_changes0));
	o->pair_changes = xcalloc(n * n, sizeof(*o->pair_changes));
	o->pair_win = xcalloc(n * n, sizeof(*o->pair_win));
	o->pair_fast = xcalloc(n * n, sizeof(*o->pair_fast));
	o->cur_hash = xcalloc(n * n, sizeof(*o->cur_hash));
	o->prev_hash = xcalloc(n * n, sizeof(*o->prev_hash));
	o->t_change = xcalloc(n * n, sizeof(*o->t_change));
	o->traffic0 = xcalloc(n, sizeof(*o->traffic0));
	o->ctr0 = xcalloc(n, sizeof(*o->ctr0));
	o->min_revert = NET_NONE;
	o->tiers = tobs_new(n);
	return o;
}

void
obs_hooks(struct obs *o, struct net_hooks *h)
{
	h->route = on_route;
	h->step = on_step;
	h->link = on_link;
	h->tier = on_tier;
	h->arg = o;
}

void
obs_attach(struct obs *o, struct net *net)
{
	o->net = net;
}

void
obs_free(struct obs *o)
{
	if (o == NULL)
		return;
	free(o->nh);
	free(o->any_eg);
	free(o->dirty);
	free(o->dlist);
	free(o->loopers);
	free(o->holers);
	free(o->loop_since);
	free(o->ws);
	free(o->stack);
	free(o->digest);
	free(o->rowver);
	free(o->rowhash);
	free(o->chash);
	free(o->seen);
	free(o->node_changes);
	free(o->node_changes0);
	free(o->pair_changes);
	free(o->pair_win);
	free(o->pair_fast);
	free(o->cur_hash);
	free(o->prev_hash);
	free(o->t_change);
	free(o->traffic0);
	free(o->ctr0);
	tobs_free(o->tiers);
	free(o->w);
	free(o);
}

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static struct obs_window *
cur(struct obs *o)
{
	return o->open ? &o->w[o->nw - 1] : NULL;
}

/* ---------------------------------------------------------- forwarding */

static void
mark(struct obs *o, size_t d)
{
	if (!o->dirty[d]) {
		o->dirty[d] = 1;
		o->dlist[o->ndirty++] = d;
	}
}

static void
integrate(struct obs *o, uint64_t now)
{
	if (now > o->acc_t) {
		o->loop_pair_ns += (double)o->nloopers * (double)(now - o->acc_t);
		o->hole_pair_ns += (double)o->nholers * (double)(now - o->acc_t);
	}
	o->acc_t = now;
}

/* Classify every node's walk towards d; O(n). */
static void
check_dest(struct obs *o, size_t d, uint64_t now)
{
	const struct net *net = o->net;
	struct obs_window *w = cur(o);
	size_t n = o->n, s, x, sp, k;
	uint32_t loops = 0, holes = 0;
	uint8_t res;

	memset(o->ws, W_NEW, n);
	for (s = 0; s < n; s++) {
		if (!net_alive(net, s) || o->ws[s] != W_NEW)
			continue;
		sp = 0;
		x = s;
		for (;;) {
			long j;

			if (o->ws[x] == W_STACK) {
				res = W_LOOP;
				break;
			}
			if (o->ws[x] != W_NEW) {
				res = o->ws[x];
				break;
			}
			o->ws[x] = W_STACK;
			o->stack[sp++] = x;
			if (x == d) {
				res = net_alive(net, d) ? W_REACH : W_DROP;
				break;
			}
			j = o->nh[x * n + d];
			if (j < 0 || (size_t)j == x || !net_alive(net, (size_t)j) ||
			    net_true_rtt(net, x, (size_t)j) == NET_NONE) {
				res = W_DROP;
				break;
			}
			x = (size_t)j;
		}
		for (k = 0; k < sp; k++)
			o->ws[o->stack[k]] = res;
	}
	for (s = 0; s < n; s++) {
		if (s == d || !net_alive(net, s))
			continue;
		if (o->ws[s] == W_LOOP)
			loops++;
		else if (o->ws[s] == W_DROP && net_alive(net, d))
			holes++;
	}
	integrate(o, now);
	o->nloopers = o->nloopers - o->loopers[d] + loops;
	o->nholers = o->nholers - o->holers[d] + holes;
	o->loopers[d] = loops;
	o->holers[d] = holes;
	if (loops > 0 && o->loop_since[d] == NET_NONE) {
		o->loop_since[d] = now;
		if (w != NULL)
			w->loop_episodes++;
	} else if (loops == 0 && o->loop_since[d] != NET_NONE) {
		if (w != NULL && now - o->loop_since[d] > w->loop_max_ns)
			w->loop_max_ns = now - o->loop_since[d];
		o->loop_since[d] = NET_NONE;
	}
	if (w != NULL) {
		if (o->nloopers > w->loop_max_pairs)
			w->loop_max_pairs = o->nloopers;
		if (o->nholers > w->hole_max_pairs)
			w->hole_max_pairs = o->nholers;
		if (holes > 0)
			w->hole_last = now;
	}
	o->loop_checks++;
}

static void
check_dirty(struct obs *o, uint64_t now)
{
	size_t k;

	for (k = 0; k < o->ndirty; k++) {
		o->dirty[o->dlist[k]] = 0;
		check_dest(o, o->dlist[k], now);
	}
	o->ndirty = 0;
}

static uint64_t
path_hash(const struct engine_route *r)
{
	uint64_t h = 0x1234567;
	size_t i;

	if (r == NULL)
		return 0;
	for (i = 0; i < r->pathlen; i++)
		h = mix(h ^ r->path[i]);
	return h | 1;
}

static void
on_route(void *arg, size_t i, const struct engine_route_event *ev,
    uint64_t now)
{
	struct obs *o = arg;
	const struct engine_route *r = ev->new != NULL ? ev->new : ev->old;
	struct obs_window *w = cur(o);
	size_t n = o->n, k;
	long d, j;
	uint64_t h;

	if (r == NULL || (d = net_index(o->net, r->egress)) < 0)
		return;
	if (r->origin != NULL && strcmp(r->origin, NET_ANYCAST) == 0) {
		/* not an all-pairs route: its own account */
		j = ev->new != NULL ? net_index(o->net, ev->new->egress) : -1;
		if (j != o->any_eg[i] && w != NULL) {
			w->any_moves++;
			w->any_last_move = now;
		}
		o->any_eg[i] = (int32_t)j;
		return;
	}
	k = i * n + (size_t)d;
	if (ev->new == NULL)
		o->nh[k] = -1;
	else if (ev->new->next_hop == net_id(o->net, i))
		o->nh[k] = (int32_t)i;
	else {
		j = net_index(o->net, ev->new->next_hop);
		o->nh[k] = (int32_t)j;
	}
	mark(o, (size_t)d);
	o->node_changes[i]++;
	if (w != NULL) {
		w->route_changes++;
		w->route_last_change = now;
		if (ev->new == NULL && ev->old != NULL)
			w->withdrawn++;
		if (++o->pair_win[k] > w->max_per_pair)
			w->max_per_pair = o->pair_win[k];
	}
	h = path_hash(ev->new);
	if (o->armed && o->debug)
		fprintf(stderr, "%.3f %s: route to %s via %s, cost %.2f ms\n",
		    (double)now / 1e9, net_name(o->net, i),
		    net_name(o->net, (size_t)d), ev->new != NULL &&
		    ev->new->next_hop_name ? ev->new->next_hop_name : "-",
		    ev->new != NULL ? ev->new->cost_ms : -1.0);
	if (o->armed) {
		o->pair_changes[k]++;
		if (h == o->prev_hash[k] && o->t_change[k] >= o->armed_at) {
			uint64_t dt = now - o->t_change[k];

			o->reverts++;
			if (dt < o->damping) {
				o->fast_reverts++;
				if (o->pair_fast[k] < UINT16_MAX)
					o->pair_fast[k]++;
			}
			if (dt < o->damping && o->debug)
				fprintf(stderr, "%.3f %s: route to %s reverted "
				    "after %.3f s (changes of this pair so far: "
				    "%llu)\n", (double)now / 1e9,
				    net_name(o->net, i), net_name(o->net,
				    (size_t)d), (double)dt / 1e9,
				    (unsigned long long)o->pair_changes[k]);
			if (dt < o->min_revert)
				o->min_revert = dt;
		}
	}
	o->prev_hash[k] = o->cur_hash[k];
	o->cur_hash[k] = h;
	o->t_change[k] = now;
}

static void
on_tier(void *arg, size_t i, const struct engine_tier_event *ev,
    uint64_t now)
{
	struct obs *o = arg;

	tobs_event(o->tiers, i, ev, now);
}

static void
on_link(void *arg, size_t i, const struct engine_link_event *ev,
    uint64_t now)
{
	struct obs *o = arg;
	struct obs_window *w = cur(o);

	if (o->debug)
		fprintf(stderr, "%.3f %s: link %s %s -> %s (rtt %.2f loss "
		    "%.1f)\n", (double)now / 1e9, net_name(o->net, i),
		    ev->name, link_state_name(ev->from),
		    link_state_name(ev->to), ev->rtt_ms, ev->loss_pct);
	if (w == NULL)
		return;
	if (ev->to == LINK_DOWN)
		w->link_down++;
	else if (ev->to == LINK_CONGESTED)
		w->link_congested++;
	else
		w->link_up++;
}

/* ----------------------------------------------------------- databases */

/* A row's content: its links' peers, states, RTTs and losses. */
static uint64_t
row_hash(struct engine *e, size_t origin, size_t idx, size_t nlinks)
{
	struct engine_db_link l;
	uint64_t h = mix(origin + 1);
	size_t i;

	for (i = 0; i < nlinks; i++) {
		engine_db_link(e, idx, i, &l);
		h = mix(h ^ ((uint64_t)l.peer << 32 |
		    (uint64_t)(l.rtt_ms < 0 ? 0xffff : llround(l.rtt_ms * 10))
		    << 16 | (uint64_t)llround(l.loss_pct * 2) << 8 |
		    (uint8_t)l.state));
	}
	return h;
}

/* Bring node i's content hash up to date with its database. */
static int
rescan(struct obs *o, size_t i)
{
	struct engine *e = net_engine(o->net, i);
	struct engine_db_node nd;
	size_t n = o->n, s, k, nn = engine_db_nnodes(e);
	uint64_t before = o->chash[i];

	if (++o->gen == 0)
		o->gen = 1;
	for (s = 0; s < nn; s++) {
		long x;
		uint64_t v, h;

		if (engine_db_node(e, s, net_now(o->net), &nd) == -1 ||
		    !nd.has_row || (x = net_index(o->net, nd.id)) < 0)
			continue;
		k = i * n + (size_t)x;
		o->seen[x] = o->gen;
		v = (uint64_t)nd.boot << 32 | nd.seq;
		if (v == o->rowver[k])
			continue;
		h = row_hash(e, (size_t)x, s, nd.nlinks);
		o->chash[i] ^= o->rowhash[k] ^ h;
		o->rowhash[k] = h;
		o->rowver[k] = v;
	}
	for (s = 0; s < n; s++) {
		k = i * n + s;
		if (o->rowver[k] != 0 && o->seen[s] != o->gen) {
			o->chash[i] ^= o->rowhash[k];
			o->rowhash[k] = o->rowver[k] = 0;
		}
	}
	return o->chash[i] != before;
}

static void
check_agree(struct obs *o)
{
	size_t i, first = SIZE_MAX;
	int agree = 1;

	for (i = 0; i < o->n && agree; i++) {
		if (!net_alive(o->net, i))
			continue;
		if (first == SIZE_MAX)
			first = i;
		else if (o->chash[i] != o->chash[first])
			agree = 0;
	}
	o->db_agreed = agree;
}

static void
db_changed(struct obs *o, uint64_t now)
{
	struct obs_window *w = cur(o);

	if (w != NULL) {
		w->db_changed = 1;
		w->db_last_change = now;
	}
	check_agree(o);
}

static void
on_step(void *arg, size_t i, uint64_t now)
{
	struct obs *o = arg;
	struct engine *e = net_engine(o->net, i);

	if (e != NULL && engine_digest(e) != o->digest[i]) {
		o->digest[i] = engine_digest(e);
		if (rescan(o, i))
			db_changed(o, now);
	}
	if (o->ndirty > 0)
		check_dirty(o, now);
}

void
obs_truth_changed(struct obs *o, uint64_t now)
{
	size_t n = o->n, i, d;

	for (i = 0; i < n; i++) {
		if (net_alive(o->net, i))
			continue;
		/* a dead node forwards nothing and holds no database */
		for (d = 0; d < n; d++) {
			o->nh[i * n + d] = i == d ? (int32_t)i : -1;
			o->rowver[i * n + d] = o->rowhash[i * n + d] = 0;
		}
		o->chash[i] = 0;
		o->digest[i] = 0;
	}
	for (d = 0; d < n; d++)
		mark(o, d);
	check_dirty(o, now);
	check_agree(o);
}

long
obs_next_hop(const struct obs *o, size_t s, size_t d)
{
	return o->nh[s * o->n + d];
}

int
obs_db_agreed(const struct obs *o)
{
	return o->db_agreed;
}

uint64_t
obs_loop_checks(const struct obs *o)
{
	return o->loop_checks;
}

/* ------------------------------------------------------------- quality */

/*
 * The truth a quality figure is judged on: per link, the RTT a probe sees
 * (latency), or that plus the true loss priced as the engine prices it
 * (cost: loss-penalty microseconds per per cent).
 */
static uint64_t
true_weight(const struct obs *o, size_t a, size_t b, int with_loss)
{
	uint64_t rtt = net_true_rtt(o->net, a, b);

	if (rtt == NET_NONE || !with_loss)
		return rtt;
	return rtt + (uint64_t)(net_true_loss(o->net, a, b) * 100 *
	    net_params(o->net)->loss_penalty * (double)USEC + 0.5);
}

/* Weight of the hop-by-hop path s -> d, NET_NONE if it fails. */
static uint64_t
walk_weight(const struct obs *o, const uint64_t *w, size_t s, size_t d,
    size_t *hops)
{
	uint64_t lat = 0, x;
	size_t cur_ = s, k;
	long j;

	*hops = 0;
	for (k = 0; k < o->n && cur_ != d; k++) {
		j = o->nh[cur_ * o->n + d];
		if (j < 0 || (size_t)j == cur_)
			return NET_NONE;
		x = w[cur_ * o->n + (size_t)j];
		if (x == NET_NONE)
			return NET_NONE;
		lat += x;
		cur_ = (size_t)j;
		(*hops)++;
	}
	return cur_ == d ? lat : NET_NONE;
}

/* Dense Dijkstra from s on the weights w. */
static void
true_paths(size_t n, const uint64_t *w, size_t s, uint64_t *dist,
    uint8_t *done)
{
	size_t k, u;

	for (k = 0; k < n; k++) {
		dist[k] = NET_NONE;
		done[k] = 0;
	}
	dist[s] = 0;
	for (;;) {
		u = SIZE_MAX;
		for (k = 0; k < n; k++)
			if (!done[k] && dist[k] != NET_NONE &&
			    (u == SIZE_MAX || dist[k] < dist[u]))
				u = k;
		if (u == SIZE_MAX)
			break;
		done[u] = 1;
		for (k = 0; k < n; k++)
			if (w[u * n + k] != NET_NONE && !done[k] &&
			    dist[u] + w[u * n + k] < dist[k])
				dist[k] = dist[u] + w[u * n + k];
	}
}

/* The link a -> b as s's database has it (debug output only). */
static void
db_view(const struct obs *o, size_t s, size_t a, size_t b, double *rtt,
    int *state, double *loss)
{
	struct engine *e = net_engine(o->net, s);
	struct engine_db_node nd;
	struct engine_db_link l;
	size_t i, k, nn;

	*rtt = -1;
	*state = -2;
	*loss = 0;
	if (e == NULL)
		return;
	nn = engine_db_nnodes(e);
	for (i = 0; i < nn; i++) {
		if (engine_db_node(e, i, net_now(o->net), &nd) != 0 ||
		    nd.id != net_id(o->net, a))
			continue;
		for (k = 0; k < nd.nlinks; k++) {
			engine_db_link(e, i, k, &l);
			if (l.peer == net_id(o->net, b)) {
				*rtt = l.rtt_ms;
				*state = l.state;
				*loss = l.loss_pct;
				return;
			}
		}
	}
}

/* Why s -> d is slower than direct: each hop, true and believed. */
static void
debug_slow(const struct obs *o, const uint64_t *w, size_t s, size_t d)
{
	struct engine_peer_info pi;
	struct engine *e;
	size_t cur_ = s, k;
	double rtt, loss;
	int st;
	long j;

	db_view(o, s, s, d, &rtt, &st, &loss);
	fprintf(stderr, "slow %s -> %s: direct true %.2f db %.2f/%d/%.1f%%; "
	    "path", net_name(o->net, s), net_name(o->net, d),
	    (double)w[s * o->n + d] / 1e6, rtt, st, loss);
	for (k = 0; k < o->n && cur_ != d; k++) {
		j = o->nh[cur_ * o->n + d];
		if (j < 0)
			break;
		db_view(o, s, cur_, (size_t)j, &rtt, &st, &loss);
		fprintf(stderr, " >%s true %.2f db %.2f/%d/%.1f%%",
		    net_name(o->net, (size_t)j),
		    (double)w[cur_ * o->n + (size_t)j] / 1e6, rtt, st, loss);
		cur_ = (size_t)j;
	}
	e = net_engine(o->net, s);
	for (k = 0; e != NULL && k < engine_npeers(e); k++) {
		engine_peer(e, k, &pi);
		if (pi.id == net_id(o->net, d))
			fprintf(stderr, "; srtt %.2f base %.2f jitter %.2f "
			    "mean %.2f adv %.2f every %.1f s", pi.rtt_ms,
			    pi.rtt_min_ms, pi.jitter_ms, pi.lrtt_ms,
			    pi.adv_rtt_ms, (double)pi.probe_interval / 1e9);
	}
	fprintf(stderr, "\n");
}

void
obs_quality(struct obs *o, struct obs_quality *q)
{
	size_t n = o->n, s, d, hops;
	uint64_t *w = xcalloc(n * n, sizeof(*w)), *dist = xcalloc(n,
	    sizeof(*dist));
	uint64_t *wc = xcalloc(n * n, sizeof(*wc)), *distc = xcalloc(n,
	    sizeof(*distc));
	uint8_t *done = xcalloc(n, 1);

	memset(q, 0, sizeof(*q));
	q->valid = 1;
	for (s = 0; s < n; s++)
		for (d = 0; d < n; d++) {
			w[s * n + d] = true_weight(o, s, d, 0);
			wc[s * n + d] = true_weight(o, s, d, 1);
		}
	for (s = 0; s < n; s++) {
		if (!net_alive(o->net, s))
			continue;
		true_paths(n, w, s, dist, done);
		true_paths(n, wc, s, distc, done);
		for (d = 0; d < n; d++) {
			uint64_t lat, direct = w[s * n + d], cw;
			double c, opt, dir;

			if (d == s || !net_alive(o->net, d))
				continue;
			q->pairs++;
			if (dist[d] != NET_NONE)
				q->connected++;
			lat = walk_weight(o, w, s, d, &hops);
			if (lat == NET_NONE)
				continue;
			q->reached++;
			c = (double)lat / 1e6;
			opt = (double)dist[d] / 1e6;
			if (hops > 1)
				q->detoured++;
			if (c <= opt + 0.1)
				q->optimal++;
			else if (o->debug)
				fprintf(stderr, "suboptimal %s -> %s: %.2f ms "
				    "(nh %s), optimum %.2f ms\n",
				    net_name(o->net, s), net_name(o->net, d), c,
				    net_name(o->net, (size_t)o->nh[s * n + d]),
				    opt);
			if (opt > 0) {
				q->stretch_sum += c / opt;
				if (c / opt > q->stretch_max)
					q->stretch_max = c / opt;
			}
			cw = walk_weight(o, wc, s, d, &hops);
			if (cw != NET_NONE && (double)cw <=
			    (double)distc[d] + 0.1e6)
				q->cost_optimal++;
			if (direct == NET_NONE)
				continue;
			dir = (double)direct / 1e6;
			q->with_direct++;
			if (c > dir + 1e-6) {
				q->worse_than_direct++;
				if (o->debug)
					debug_slow(o, w, s, d);
				if (c - dir > q->worst_excess_ms)
					q->worst_excess_ms = c - dir;
			}
			q->gain_ms += dir - c;
			q->gain_opt_ms += dir - opt;
			if (cw == NET_NONE || wc[s * n + d] == NET_NONE)
				continue;
			c = (double)cw / 1e6;
			opt = (double)distc[d] / 1e6;
			dir = (double)wc[s * n + d] / 1e6;
			if (c > dir + 1e-6) {
				q->cost_worse_than_direct++;
				if (c - dir > q->cost_worst_excess_ms)
					q->cost_worst_excess_ms = c - dir;
			}
			q->cost_gain_ms += dir - c;
			q->cost_gain_opt_ms += dir - opt;
		}
	}
	free(w);
	free(wc);
	free(dist);
	free(distc);
	free(done);
}

int
obs_busiest_link(struct obs *o, size_t *a, size_t *b)
{
	size_t n = o->n, s, d, x, k;
	uint32_t *use = xcalloc(n * n, sizeof(*use)), best = 0;
	long j;

	for (s = 0; s < n; s++)
		for (d = 0; d < n; d++) {
			if (s == d || !net_alive(o->net, s))
				continue;
			for (x = s, k = 0; x != d && k < n; k++) {
				j = o->nh[x * n + d];
				if (j < 0 || (size_t)j == x)
					break;
				use[x < (size_t)j ? x * n + (size_t)j :
				    (size_t)j * n + x]++;
				x = (size_t)j;
			}
		}
	for (k = 0; k < n * n; k++)
		if (use[k] > best) {
			best = use[k];
			*a = k / n;
			*b = k % n;
		}
	free(use);
	return best > 0;
}

/* ------------------------------------------------------------- windows */

static void
traffic_sum(const struct obs *o, uint64_t t0, uint64_t t1,
    struct obs_traffic *tr)
{
	size_t i, k, live = 0;
	double dt = (double)(t1 - t0) / 1e9;

	memset(tr, 0, sizeof(*tr));
	if (dt <= 0)
		return;
	for (i = 0; i < o->n; i++) {
		const struct net_traffic *a = &o->traffic0[i],
		    *b = net_traffic(o->net, i);
		uint64_t bytes = 0, pkts = 0;
		double bps, pps;

		if (!net_alive(o->net, i))
			continue;
		live++;
		for (k = 0; k < WIRE_TYPE_MAX; k++) {
			bytes += b->bytes[k] - a->bytes[k];
			pkts += b->pkts[k] - a->pkts[k];
			tr->type_bps_mean[k] += (double)(b->bytes[k] -
			    a->bytes[k]) * 8 / dt;
		}
		bps = (double)bytes * 8 / dt;
		pps = (double)pkts / dt;
		tr->bps_mean += bps;
		tr->pps_mean += pps;
		if (bps > tr->bps_max) {
			tr->bps_max = bps;
			snprintf(tr->max_node, sizeof(tr->max_node), "%s",
			    net_name(o->net, i));
		}
		if (pps > tr->pps_max)
			tr->pps_max = pps;
	}
	if (live == 0)
		return;
	tr->bps_mean /= (double)live;
	tr->pps_mean /= (double)live;
	for (k = 0; k < WIRE_TYPE_MAX; k++)
		tr->type_bps_mean[k] /= (double)live;
}

/* The anycast origin at the end of a window (struct obs_window). */
static void
anycast_close(struct obs *o, struct obs_window *w)
{
	uint8_t *used;
	size_t i, healthy = 0;

	for (i = 0; i < o->n; i++)
		if (net_anycast_egress(o->net, i)) {
			w->anycast = 1;
			if (net_alive(o->net, i) && net_lastmile_health(o->net,
			    i) != WIRE_ORIGIN_UNHEALTHY)
				healthy++;
		}
	if (!w->anycast)
		return;
	used = xcalloc(o->n, 1);
	for (i = 0; i < o->n; i++) {
		if (!net_alive(o->net, i))
			continue;
		if (o->any_eg[i] < 0) {
			w->any_unreachable++;
			continue;
		}
		used[o->any_eg[i]] = 1;
		if (healthy > 0 && (size_t)o->any_eg[i] != i &&
		    net_lastmile_health(o->net, (size_t)o->any_eg[i]) ==
		    WIRE_ORIGIN_UNHEALTHY)
			w->any_on_sick++;
	}
	for (i = 0; i < o->n; i++)
		w->any_egresses_used += used[i];
	free(used);
}

static void
close_window(struct obs *o, uint64_t now, int quality)
{
	struct obs_window *w = cur(o);
	size_t i, d;

	if (w == NULL)
		return;
	integrate(o, now);
	w->t1 = now;
	w->db_agreed = o->db_agreed;
	w->loop_pair_s = o->loop_pair_ns / 1e9 - w->loop_pair_s;
	w->hole_pair_s = o->hole_pair_ns / 1e9 - w->hole_pair_s;
	for (d = 0; d < o->n; d++)
		if (o->loop_since[d] != NET_NONE &&
		    now - o->loop_since[d] > w->loop_max_ns)
			w->loop_max_ns = now - o->loop_since[d];
	for (i = 0; i < o->n; i++) {
		uint64_t c = o->node_changes[i] - o->node_changes0[i];

		if (c > 0)
			w->nodes_changed++;
		if (c > w->changes_max_node) {
			w->changes_max_node = c;
			snprintf(w->changes_max_name,
			    sizeof(w->changes_max_name), "%s",
			    net_name(o->net, i));
		}
	}
	traffic_sum(o, w->t0, now, &w->traffic);
	anycast_close(o, w);
	if (w->anycast)
		tobs_measure(o->tiers, o->net, &w->tiers);
	for (i = 0; i < o->n; i++) {
		const struct engine_counters *c, *b = &o->ctr0[i];
		struct engine *e = net_engine(o->net, i);

		if (e == NULL)
			continue;
		c = engine_counters(e);
#define DIFF(f) (c->f >= b->f ? c->f - b->f : c->f)
		w->lsa_originated += DIFF(lsa_originated);
		w->lsa_relayed += DIFF(lsa_relayed);
		w->deltas_sent += DIFF(lsa_deltas_sent);
		w->deltas_unusable += DIFF(lsa_deltas_unusable);
		w->summaries += DIFF(summaries_sent);
		w->requests += DIFF(requests_sent);
		w->spf_runs += DIFF(spf_runs);
#undef DIFF
	}
	if (quality)
		obs_quality(o, &w->quality);
	o->open = 0;
}

void
obs_window(struct obs *o, const char *label, uint64_t now)
{
	struct obs_window *w;
	size_t i;

	close_window(o, now, 1);
	o->w = xreallocarray(o->w, o->nw + 1, sizeof(*o->w));
	w = &o->w[o->nw++];
	memset(w, 0, sizeof(*w));
	snprintf(w->label, sizeof(w->label), "%s", label);
	w->t0 = now;
	integrate(o, now);
	tobs_window_open(o->tiers);
	/* hold the running totals; close_window takes the difference */
	w->loop_pair_s = o->loop_pair_ns / 1e9;
	w->hole_pair_s = o->hole_pair_ns / 1e9;
	memcpy(o->node_changes0, o->node_changes, o->n *
	    sizeof(*o->node_changes));
	memset(o->pair_win, 0, o->n * o->n * sizeof(*o->pair_win));
	for (i = 0; i < o->n; i++) {
		o->traffic0[i] = *net_traffic(o->net, i);
		if (net_engine(o->net, i) != NULL)
			o->ctr0[i] = *engine_counters(net_engine(o->net, i));
		else
			memset(&o->ctr0[i], 0, sizeof(o->ctr0[i]));
	}
	o->open = 1;
}

void
obs_finish(struct obs *o, uint64_t now)
{
	close_window(o, now, 1);
	o->finished_at = now;
}

void
obs_arm(struct obs *o, uint64_t now)
{
	o->armed = 1;
	o->armed_at = now;
	tobs_arm(o->tiers, now);
}

void
obs_tier_rates(const struct obs *o, double *mean, double *max,
    uint64_t *total)
{
	tobs_rates(o->tiers, o->finished_at, mean, max, total);
}

size_t
obs_nwindows(const struct obs *o)
{
	return o->nw;
}

const struct obs_window *
obs_window_get(const struct obs *o, size_t i)
{
	return &o->w[i];
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void
obs_flaps(const struct obs *o, struct obs_flaps *f)
{
	size_t n = o->n, i, np = 0;
	uint32_t *v = xcalloc(n * n, sizeof(*v));
	double hours;

	memset(f, 0, sizeof(*f));
	f->min_revert_ns = o->min_revert;
	f->reverts = o->reverts;
	f->fast_reverts = o->fast_reverts;
	if (!o->armed || o->finished_at <= o->armed_at) {
		free(v);
		return;
	}
	hours = (double)(o->finished_at - o->armed_at) / 3600e9;
	for (i = 0; i < n * n; i++) {
		if (i / n == i % n)
			continue;
		v[np++] = o->pair_changes[i];
		if (o->pair_fast[i] >= 2)
			f->oscillating++;
		f->changes += o->pair_changes[i];
		if (o->pair_changes[i] > 0)
			f->pairs_changed++;
		if (o->pair_changes[i] > f->max_pair)
			f->max_pair = o->pair_changes[i];
	}
	if (np > 0) {
		qsort(v, np, sizeof(*v), cmp_u32);
		f->per_pair_hour_mean = (double)f->changes / (double)np / hours;
		f->per_pair_hour_p99 = v[(np - 1) * 99 / 100] / hours;
		f->per_pair_hour_max = f->max_pair / hours;
	}
	free(v);
}
