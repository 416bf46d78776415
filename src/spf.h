/*
 * Shortest paths over the link state database.
 *
 * SPF is a pure, deterministic function of the database (DESIGN.md
 * decision 2): identical databases give identical answers on every PoP,
 * which is what makes hop-by-hop forwarding loop free.
 *
 * A link u -> v is usable when u's row lists v as up or congested and v's
 * row lists u as not down (the two-way check, as in OSPF: one side's
 * stale row cannot keep a dead link alive). Its cost is
 *
 *	clamp(rtt + loss% * loss_penalty, cost_min, cost_max)
 *
 * from u's row, in microseconds. Path costs compare lexicographically as
 * (congested links, cost, hops, predecessor id): a congested link is taken
 * only when no uncongested path exists, and ties fall to the lower node id,
 * a total order every PoP agrees on. Every link adds at least cost_min > 0,
 * so next hops strictly decrease the remaining cost and cannot loop.
 */
#ifndef ARGO_SPF_H
#define ARGO_SPF_H

#include <stddef.h>
#include <stdint.h>

#include "params.h"
#include "lsdb.h"

struct spf_edge {
	uint32_t	to;		/* slot */
	uint32_t	cost;		/* us */
	uint8_t		cong;
};

/* The usable graph, rebuilt from the database for each run. */
struct spf_graph {
	size_t		 n;		/* slots */
	uint32_t	*off;		/* CSR: edges of u are off[u]..off[u+1] */
	struct spf_edge	*edges;
	uint32_t	*roff;		/* reverse CSR (edges into u) */
	struct spf_edge	*redges;	/* .to is the tail */
	uint8_t		*twoway;	/* n*n scratch */
	int		 strict;	/* congested hops rank before cost */
	size_t		 cap_n, cap_e;
};

struct spf_tree {
	size_t		 n;
	uint32_t	 root;
	uint32_t	*cong;
	uint64_t	*cost;
	uint32_t	*hops;
	int32_t		*pred;		/* slot, -1 none */
	int32_t		*first;		/* first hop from root, -1 none;
					   in a reverse tree: next hop to root */
	uint8_t		*done;
	uint32_t	*open;		/* scratch: reached, not done */
	size_t		 cap;
};

void	spf_graph_init(struct spf_graph *);
void	spf_graph_free(struct spf_graph *);
void	spf_graph_build(struct spf_graph *, const struct lsdb *,
	    const struct engine_params *);
uint32_t spf_link_cost(const struct lsdb_link *, const struct engine_params *);

void	spf_tree_init(struct spf_tree *);
void	spf_tree_free(struct spf_tree *);
/* Paths from root to every node. */
void	spf_run(struct spf_tree *, const struct spf_graph *,
	    const struct lsdb *, uint32_t root);
/* Paths from every node to root (on reversed edges). */
void	spf_run_reverse(struct spf_tree *, const struct spf_graph *,
	    const struct lsdb *, uint32_t root);

int	spf_reached(const struct spf_tree *, uint32_t slot);
/*
 * Compare (cong, cost, hops): <0 when a is better. Unless strict, the
 * number of congested hops is not compared: it is then in the cost
 * (cost congestion-penalty).
 */
int	spf_cmp(int strict, uint32_t cong_a, uint64_t cost_a, uint32_t hops_a,
	    uint32_t cong_b, uint64_t cost_b, uint32_t hops_b);

#endif
