/*
 * Cache-tier quality in the simulator (sim-tier.h has the model).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sim-tier.h"

struct tobs {
	size_t		 n;
	uint64_t	*changes;	/* per node, after arming */
	uint64_t	 total, total0;	/* all nodes; at window start */
	int		 armed;
	uint64_t	 armed_at;
};

struct tobs *
tobs_new(size_t n)
{
	struct tobs *t = xcalloc(1, sizeof(*t));

	t->n = n;
	t->changes = xcalloc(n ? n : 1, sizeof(*t->changes));
	return t;
}

void
tobs_free(struct tobs *t)
{
	if (t == NULL)
		return;
	free(t->changes);
	free(t);
}

void
tobs_event(struct tobs *t, size_t node, const struct engine_tier_event *ev,
    uint64_t now)
{
	const struct engine_tier *a = ev->old, *b = ev->new;

	(void)now;
	if (a == NULL || b == NULL || a->origin == NULL ||
	    strcmp(a->origin, NET_ANYCAST) != 0)
		return;
	if (a->role == b->role && a->parent == b->parent)
		return;		/* only the fallback or a cost moved */
	if (!t->armed || node >= t->n)
		return;
	t->changes[node]++;
	t->total++;
}

void
tobs_arm(struct tobs *t, uint64_t now)
{
	t->armed = 1;
	t->armed_at = now;
}

void
tobs_window_open(struct tobs *t)
{
	t->total0 = t->total;
}

void
tobs_rates(const struct tobs *t, uint64_t now, double *mean, double *max,
    uint64_t *total)
{
	double hours;
	uint64_t mx = 0;
	size_t i;

	*mean = *max = 0;
	*total = t->total;
	if (!t->armed || now <= t->armed_at || t->n == 0)
		return;
	hours = (double)(now - t->armed_at) / 3600e9;
	for (i = 0; i < t->n; i++)
		if (t->changes[i] > mx)
			mx = t->changes[i];
	*mean = (double)t->total / (double)t->n / hours;
	*max = (double)mx / hours;
}

/* ------------------------------------------------------- the truth */

/* Shortest true latencies, one row per source, computed when asked. */
struct truth {
	const struct net *net;
	size_t		  n;
	uint64_t	 *w;		/* n*n link RTTs, NET_NONE none */
	uint64_t	**row;		/* per source, NULL not yet */
	uint8_t		 *done;
	uint64_t	 *up;		/* upper-tier cost per node */
};

static const uint64_t *
truth_row(struct truth *tr, size_t s)
{
	size_t n = tr->n, k, u;
	uint64_t *dist;

	if (tr->row[s] != NULL)
		return tr->row[s];
	dist = tr->row[s] = xcalloc(n, sizeof(*dist));
	for (k = 0; k < n; k++) {
		dist[k] = NET_NONE;
		tr->done[k] = 0;
	}
	dist[s] = 0;
	for (;;) {
		u = SIZE_MAX;
		for (k = 0; k < n; k++)
			if (!tr->done[k] && dist[k] != NET_NONE &&
			    (u == SIZE_MAX || dist[k] < dist[u]))
				u = k;
		if (u == SIZE_MAX)
			break;
		tr->done[u] = 1;
		for (k = 0; k < n; k++)
			if (tr->w[u * n + k] != NET_NONE && !tr->done[k] &&
			    dist[u] + tr->w[u * n + k] < dist[k])
				dist[k] = dist[u] + tr->w[u * n + k];
	}
	return dist;
}

static int
healthy_egress(const struct net *net, size_t e)
{
	return net_alive(net, e) && net_anycast_egress(net, e) &&
	    net_lastmile_health(net, e) != WIRE_ORIGIN_UNHEALTHY;
}

static uint64_t
lastmile_ns(const struct net *net, size_t e)
{
	return (uint64_t)(net_lastmile_ms(net, e) * 1e6 + 0.5);
}

/*
 * What a miss costs node u as an upper tier: its own last mile at a
 * healthy egress, else the best healthy egress's path plus last mile.
 */
static void
truth_uppers(struct truth *tr)
{
	size_t n = tr->n, e, u;
	const uint64_t *d;

	for (u = 0; u < n; u++)
		tr->up[u] = healthy_egress(tr->net, u) ?
		    lastmile_ns(tr->net, u) : NET_NONE;
	for (e = 0; e < n; e++) {
		if (!healthy_egress(tr->net, e))
			continue;
		d = truth_row(tr, e);
		for (u = 0; u < n; u++)
			if (!healthy_egress(tr->net, u) && d[u] != NET_NONE &&
			    d[u] + lastmile_ns(tr->net, e) < tr->up[u])
				tr->up[u] = d[u] + lastmile_ns(tr->net, e);
	}
}

/* Node i's cost through upper tier u; NET_NONE if it cannot. */
static uint64_t
through(struct truth *tr, size_t i, size_t u)
{
	const uint64_t *d;

	if (tr->up[u] == NET_NONE)
		return NET_NONE;
	if (i == u)
		return tr->up[u];
	d = truth_row(tr, u);		/* RTTs are symmetric */
	return d[i] == NET_NONE ? NET_NONE : d[i] + tr->up[u];
}

/* ---------------------------------------------------- the best set */

struct best {
	struct truth	*tr;
	const size_t	*cand;
	size_t		 ncand;
	const uint8_t	*live;
	unsigned	 k;
};

/* Mean and worst over live nodes of the best member of set; the number
 * of nodes that reach one. */
static size_t
set_cost(struct best *b, const size_t *set, size_t nset, double *sum,
    uint64_t *worst)
{
	size_t i, j, reached = 0;
	uint64_t c, m;

	*sum = 0;
	*worst = 0;
	for (i = 0; i < b->tr->n; i++) {
		if (!b->live[i])
			continue;
		m = NET_NONE;
		for (j = 0; j < nset; j++)
			if ((c = through(b->tr, i, b->cand[set[j]])) < m)
				m = c;
		if (m == NET_NONE)
			continue;
		reached++;
		*sum += (double)m;
		if (m > *worst)
			*worst = m;
	}
	return reached;
}

/* Is (reached, sum) better than the best so far? More PoPs served
 * first: a set that strands PoPs never wins on their absence. */
static int
better(size_t reached, double sum, size_t breached, double bsum)
{
	return reached > breached || (reached == breached && sum < bsum);
}

static void
best_exact(struct best *b, size_t *out, double *osum, uint64_t *oworst)
{
	size_t idx[TIERQ_K_MAX], k = b->k, i, r, breached = 0;
	double s, bsum = 0;
	uint64_t w;

	for (i = 0; i < k; i++)
		idx[i] = i;
	for (;;) {
		r = set_cost(b, idx, k, &s, &w);
		if (breached == 0 || better(r, s, breached, bsum)) {
			breached = r;
			bsum = s;
			*oworst = w;
			memcpy(out, idx, k * sizeof(*idx));
		}
		/* next combination in lexicographic order */
		for (i = k; i-- > 0;)
			if (idx[i] < b->ncand - k + i)
				break;
		if (i == SIZE_MAX)
			break;
		idx[i]++;
		for (r = i + 1; r < k; r++)
			idx[r] = idx[r - 1] + 1;
	}
	*osum = bsum;
}

static void
best_search(struct best *b, size_t *set, double *osum, uint64_t *oworst)
{
	size_t k = b->k, nset, i, j, q, r, br = 0, bj;
	double s, bs = 0;
	uint64_t w;
	int improved;

	/* greedy start */
	for (nset = 0; nset < k; nset++) {
		bj = SIZE_MAX;
		for (j = 0; j < b->ncand; j++) {
			for (q = 0; q < nset && set[q] != j; q++)
				;
			if (q < nset)
				continue;
			set[nset] = j;
			r = set_cost(b, set, nset + 1, &s, &w);
			if (bj == SIZE_MAX || better(r, s, br, bs)) {
				bj = j;
				br = r;
				bs = s;
			}
		}
		set[nset] = bj;
	}
	br = set_cost(b, set, k, &bs, oworst);
	/* single swaps while one helps */
	do {
		improved = 0;
		for (i = 0; i < k; i++)
			for (j = 0; j < b->ncand; j++) {
				size_t old = set[i];

				for (q = 0; q < k && set[q] != j; q++)
					;
				if (q < k)
					continue;
				set[i] = j;
				r = set_cost(b, set, k, &s, &w);
				if (better(r, s, br, bs) &&
				    (r > br || bs - s > 0.5)) {
					br = r;
					bs = s;
					*oworst = w;
					improved = 1;
				} else
					set[i] = old;
			}
	} while (improved);
	*osum = bs;
}

static double
choose(double a, double b)
{
	double r = 1;
	size_t i;

	for (i = 0; i < (size_t)b; i++)
		r = r * (a - (double)i) / (double)(i + 1);
	return r;
}

/* ------------------------------------------------------ measuring */

static const struct engine_tier *
any_tier(const struct engine *e)
{
	size_t i;

	for (i = 0; i < engine_ntiers(e); i++) {
		const struct engine_tier *t = engine_tier(e, i);

		if (t->origin != NULL && strcmp(t->origin, NET_ANYCAST) == 0)
			return t;
	}
	return NULL;
}

static uint64_t
upper_set_hash(const struct engine_tier *t)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL, v[TIERQ_K_MAX], x;
	size_t i, j, n = t->nuppers < TIERQ_K_MAX ? t->nuppers : TIERQ_K_MAX;

	for (i = 0; i < n; i++)
		v[i] = t->uppers[i];
	for (i = 1; i < n; i++)		/* insertion sort: order is not set */
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	for (i = 0; i < n; i++)
		h = (h ^ v[i]) * 0x100000001b3ULL;
	return h;
}

void
tobs_measure(struct tobs *t, const struct net *net, struct tier_quality *q)
{
	size_t n = net_size(net), i, nc = 0, nh = 0, j, top = 0;
	struct truth tr;
	struct best b;
	const struct engine_tier **tiers = xcalloc(n, sizeof(*tiers));
	uint64_t *hashes = xcalloc(n, sizeof(*hashes)), c, worst, hop;
	size_t *cand = xcalloc(n, sizeof(*cand)), set[TIERQ_K_MAX];
	uint8_t *live = xcalloc(n, 1);
	double sum = 0;
	long p;

	memset(q, 0, sizeof(*q));
	q->parent_changes = t->total - t->total0;
	for (i = 0; i < n; i++) {
		struct engine *e = net_engine(net, i);

		if (e == NULL || !net_alive(net, i))
			continue;
		live[i] = 1;
		q->pops++;
		if ((tiers[i] = any_tier(e)) == NULL) {
			q->without++;
			continue;
		}
		q->measured = 1;
		q->mode = tiers[i]->mode;
		if (tiers[i]->mode != TIER_SMART && tiers[i]->nuppers > q->k)
			q->k = (unsigned)tiers[i]->nuppers;
		hashes[nh++] = upper_set_hash(tiers[i]);
	}
	if (!q->measured)
		goto out;
	if (q->mode == TIER_SMART || q->k == 0)
		q->k = 1;
	if (q->k > TIERQ_K_MAX)
		q->k = TIERQ_K_MAX;
	/* the most common upper set */
	for (i = 0; i < nh; i++) {
		size_t same = 0;

		for (j = 0; j < nh; j++)
			same += hashes[j] == hashes[i];
		if (same > top)
			top = same;
	}
	q->disagree = nh - top;

	tr.net = net;
	tr.n = n;
	tr.w = xcalloc(n * n, sizeof(*tr.w));
	tr.row = xcalloc(n, sizeof(*tr.row));
	tr.done = xcalloc(n, 1);
	tr.up = xcalloc(n, sizeof(*tr.up));
	hop = (uint64_t)net_params(net)->hop_cost * 1000;
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			c = i == j || !live[i] || !live[j] ? NET_NONE :
			    net_true_rtt(net, i, j);
			tr.w[i * n + j] = c == NET_NONE ? NET_NONE : c + hop;
		}
	truth_uppers(&tr);

	/* what the engines chose */
	for (i = 0; i < n; i++) {
		if (tiers[i] == NULL)
			continue;
		if (tiers[i]->role == TIER_UPPER) {
			q->uppers++;
			c = tr.up[i];
		} else {
			q->lowers++;
			p = net_index(net, tiers[i]->parent);
			c = p < 0 || !live[p] ? NET_NONE :
			    through(&tr, i, (size_t)p);
		}
		if (c == NET_NONE) {
			q->without++;
			continue;
		}
		sum += (double)c;
		if ((double)c / 1e6 > q->worst_ms)
			q->worst_ms = (double)c / 1e6;
		nc++;
	}
	q->mean_ms = nc > 0 ? sum / (double)nc / 1e6 : 0;

	/* the best with the same K, from the same candidates */
	for (i = 0, nc = 0; i < n; i++)
		if (live[i] && tr.up[i] != NET_NONE &&
		    (q->mode != TIER_SMART || healthy_egress(net, i)))
			cand[nc++] = i;
	if (q->k > nc)
		q->k = (unsigned)nc;
	b.tr = &tr;
	b.cand = cand;
	b.ncand = nc;
	b.live = live;
	b.k = q->k;
	if (b.k > 0) {
		size_t reached;

		q->best_exact = choose((double)nc, (double)b.k) *
		    (double)q->pops * b.k <= (double)TIERQ_EXACT_WORK;
		if (q->best_exact)
			best_exact(&b, set, &sum, &worst);
		else
			best_search(&b, set, &sum, &worst);
		reached = set_cost(&b, set, b.k, &sum, &worst);
		q->best_mean_ms = reached > 0 ? sum / (double)reached / 1e6 :
		    0;
		q->best_worst_ms = (double)worst / 1e6;
		q->nbest = b.k;
		for (i = 0; i < b.k; i++)
			q->best[i] = cand[set[i]];
	}
	for (i = 0; i < n; i++)
		free(tr.row[i]);
	free(tr.row);
	free(tr.w);
	free(tr.done);
	free(tr.up);
out:
	free(tiers);
	free(hashes);
	free(cand);
	free(live);
}
