/*
 * Dijkstra over the usable graph; see spf.h for the metric and tie rules.
 *
 * The graph is rebuilt into compressed arrays on every run: in a full mesh
 * of n PoPs that is n^2 links, and walking flat arrays is what keeps a
 * 330-PoP run well under a millisecond (bench/bench_spf). Node selection
 * scans the unvisited set, O(n^2) overall, which for dense graphs beats a
 * heap and needs no decrease-key.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "spf.h"

void
spf_graph_init(struct spf_graph *g)
{
	memset(g, 0, sizeof(*g));
}

void
spf_graph_free(struct spf_graph *g)
{
	free(g->off);
	free(g->edges);
	free(g->roff);
	free(g->redges);
	free(g->twoway);
	memset(g, 0, sizeof(*g));
}

uint32_t
spf_link_cost(const struct lsdb_link *l, const struct engine_params *p)
{
	uint64_t c;

	if (l->rtt == WIRE_RTT_UNKNOWN)
		return p->cost_max;
	c = (uint64_t)l->rtt * 100 + (uint64_t)l->loss * p->loss_penalty / 2 +
	    p->hop_cost;
	if (c < p->cost_min)
		c = p->cost_min;
	if (c > p->cost_max)
		c = p->cost_max;
	return (uint32_t)c;
}

void
spf_graph_build(struct spf_graph *g, const struct lsdb *db,
    const struct engine_params *p)
{
	size_t n = db->nslots, u, i, ne = 0;
	uint32_t *cnt;

	if (n > g->cap_n) {
		g->off = xreallocarray(g->off, n + 1, sizeof(*g->off));
		g->roff = xreallocarray(g->roff, n + 1, sizeof(*g->roff));
		g->twoway = xreallocarray(g->twoway, n * n, 1);
		g->cap_n = n;
	}
	g->n = n;
	g->strict = p->cong_penalty == 0;
	memset(g->twoway, 0, n * n);
	for (u = 0; u < n; u++) {
		const struct lsdb_node *a = &db->slots[u];

		if (!a->in_use || !a->has_row || a->stale)
			continue;
		for (i = 0; i < a->nlinks; i++)
			if (a->links[i].state != LINK_DOWN) {
				g->twoway[u * n + a->links[i].slot] = 1;
				ne++;
			}
	}
	if (ne > g->cap_e) {
		g->edges = xreallocarray(g->edges, ne, sizeof(*g->edges));
		g->redges = xreallocarray(g->redges, ne, sizeof(*g->redges));
		g->cap_e = ne;
	}

	ne = 0;
	for (u = 0; u < n; u++) {
		const struct lsdb_node *a = &db->slots[u];

		g->off[u] = (uint32_t)ne;
		if (!a->in_use || !a->has_row || a->stale)
			continue;
		for (i = 0; i < a->nlinks; i++) {
			const struct lsdb_link *l = &a->links[i];

			if (l->state == LINK_DOWN ||
			    !g->twoway[(size_t)l->slot * n + u])
				continue;
			g->edges[ne].to = l->slot;
			g->edges[ne].cost = spf_link_cost(l, p);
			g->edges[ne].cong = l->state == LINK_CONGESTED;
			if (g->edges[ne].cong)
				g->edges[ne].cost += p->cong_penalty;
			ne++;
		}
	}
	g->off[n] = (uint32_t)ne;

	/* Reverse CSR by counting sort on the head. */
	cnt = g->roff;
	memset(cnt, 0, (n + 1) * sizeof(*cnt));
	for (i = 0; i < ne; i++)
		cnt[g->edges[i].to + 1]++;
	for (u = 0; u < n; u++)
		cnt[u + 1] += cnt[u];
	for (u = 0; u < n; u++) {
		for (i = g->off[u]; i < g->off[u + 1]; i++) {
			struct spf_edge *r = &g->redges[cnt[g->edges[i].to]++];

			*r = g->edges[i];
			r->to = (uint32_t)u;
		}
	}
	/* cnt[v] now holds the end of v's range; shift back to starts. */
	for (u = n; u > 0; u--)
		cnt[u] = cnt[u - 1];
	cnt[0] = 0;
}

void
spf_tree_init(struct spf_tree *t)
{
	memset(t, 0, sizeof(*t));
}

void
spf_tree_free(struct spf_tree *t)
{
	free(t->cong);
	free(t->cost);
	free(t->hops);
	free(t->pred);
	free(t->first);
	free(t->done);
	free(t->open);
	memset(t, 0, sizeof(*t));
}

static void
tree_size(struct spf_tree *t, size_t n)
{
	if (n > t->cap) {
		t->cong = xreallocarray(t->cong, n, sizeof(*t->cong));
		t->cost = xreallocarray(t->cost, n, sizeof(*t->cost));
		t->hops = xreallocarray(t->hops, n, sizeof(*t->hops));
		t->pred = xreallocarray(t->pred, n, sizeof(*t->pred));
		t->first = xreallocarray(t->first, n, sizeof(*t->first));
		t->done = xreallocarray(t->done, n, sizeof(*t->done));
		t->open = xreallocarray(t->open, n, sizeof(*t->open));
		t->cap = n;
	}
	t->n = n;
}

int
spf_cmp(int strict, uint32_t ca, uint64_t xa, uint32_t ha, uint32_t cb,
    uint64_t xb, uint32_t hb)
{
	if (strict && ca != cb)
		return ca < cb ? -1 : 1;
	if (xa != xb)
		return xa < xb ? -1 : 1;
	if (ha != hb)
		return ha < hb ? -1 : 1;
	return 0;
}

int
spf_reached(const struct spf_tree *t, uint32_t s)
{
	return s < t->n && t->cost[s] != UINT64_MAX;
}

static void
dijkstra(struct spf_tree *t, const struct lsdb *db, uint32_t root,
    const uint32_t *off, const struct spf_edge *edges, int reverse,
    int strict)
{
	size_t n = db->nslots, k, nopen;
	uint32_t i;

	tree_size(t, n);
	t->root = root;
	for (k = 0; k < n; k++) {
		t->cong[k] = UINT32_MAX;
		t->cost[k] = UINT64_MAX;
		t->hops[k] = UINT32_MAX;
		t->pred[k] = -1;
		t->first[k] = -1;
		t->done[k] = 0;
	}
	if (root >= n)
		return;
	t->cong[root] = 0;
	t->cost[root] = 0;
	t->hops[root] = 0;

	/*
	 * The nodes reached and not done are kept in open[]: the selection
	 * scans them, not every slot (the minimum of a total order does not
	 * depend on the order of the scan).
	 */
	t->open[0] = root;
	nopen = 1;
	while (nopen > 0) {
		size_t best = 0;
		uint32_t u = t->open[0];

		for (k = 1; k < nopen; k++) {
			uint32_t x = t->open[k];
			int c;

			c = spf_cmp(strict, t->cong[x], t->cost[x], t->hops[x],
			    t->cong[u], t->cost[u], t->hops[u]);
			if (c < 0 || (c == 0 && db->slots[x].id <
			    db->slots[u].id)) {
				u = x;
				best = k;
			}
		}
		t->open[best] = t->open[--nopen];
		t->done[u] = 1;
		for (i = off[u]; i < off[u + 1]; i++) {
			const struct spf_edge *e = &edges[i];
			uint32_t v = e->to, nc = t->cong[u] + e->cong;
			uint64_t nx = t->cost[u] + e->cost;
			uint32_t nh = t->hops[u] + 1;
			int c;

			if (t->done[v])
				continue;
			c = spf_cmp(strict, nc, nx, nh, t->cong[v], t->cost[v],
			    t->hops[v]);
			if (c > 0)
				continue;
			if (c == 0 && t->pred[v] >= 0 &&
			    db->slots[t->pred[v]].id < db->slots[u].id)
				continue;
			if (t->cost[v] == UINT64_MAX)
				t->open[nopen++] = v;
			t->cong[v] = nc;
			t->cost[v] = nx;
			t->hops[v] = nh;
			t->pred[v] = (int32_t)u;
			if (reverse)
				t->first[v] = (int32_t)u;
			else
				t->first[v] = (uint32_t)u == root ?
				    (int32_t)v : t->first[u];
		}
	}
}

void
spf_run(struct spf_tree *t, const struct spf_graph *g, const struct lsdb *db,
    uint32_t root)
{
	dijkstra(t, db, root, g->off, g->edges, 0, g->strict);
}

void
spf_run_reverse(struct spf_tree *t, const struct spf_graph *g,
    const struct lsdb *db, uint32_t root)
{
	dijkstra(t, db, root, g->roff, g->redges, 1, g->strict);
}
