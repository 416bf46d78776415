/*
 * What argosim measures, watching the engines from outside.
 *
 * Forwarding: a table of every node's next hop to every destination,
 * kept current from the engines' route events. After every engine step
 * in which routes changed, each destination whose next hops changed is
 * checked by following next hops from every node across the engines
 * (one pass over the functional graph, O(nodes)): a node whose walk
 * revisits a node is in a transient forwarding loop, one whose walk ends
 * at a node without a route, a dead node or a cut link is black-holed.
 * Loop episodes (per destination), their duration, and the pair-seconds
 * spent looping or black-holed are recorded.
 *
 * Databases: the engines' digests cover versions, and every periodic
 * refresh changes them. Agreement is judged on content instead: a hash
 * of every row's links (peer, state, RTT, loss) per engine, updated when
 * the engine's digest moves. The databases agree when every live engine
 * has the same content hash; "converged" is the time of the last content
 * change after an event, provided they agree at the end of the window.
 *
 * Windows: an event opens a window that the next event (or the end of
 * the run) closes. Per window: convergence, the last route change
 * ("routes final"), route changes per PoP, loops, black holes, control
 * traffic per PoP, and route quality at its end.
 */
#ifndef ARGOSIM_OBS_H
#define ARGOSIM_OBS_H

#include <stddef.h>
#include <stdint.h>

#include "sim-net.h"
#include "sim-tier.h"

struct obs_quality {
	int		 valid;
	uint64_t	 pairs;		/* ordered pairs of live nodes */
	uint64_t	 reached;	/* next hops lead to the egress */
	uint64_t	 connected;	/* a true path exists */
	uint64_t	 with_direct;	/* reached and a usable direct link */
	uint64_t	 worse_than_direct;
	double		 worst_excess_ms;	/* over direct */
	uint64_t	 optimal;	/* within 0.1 ms of the true optimum */
	double		 gain_ms;	/* sum of direct - chosen */
	double		 gain_opt_ms;	/* sum of direct - optimum */
	double		 stretch_sum, stretch_max;	/* chosen / optimum */
	uint64_t	 detoured;	/* chosen path has more than one hop */
	/*
	 * The same on what the engine minimises: latency plus loss at the
	 * configured loss-penalty per per cent (the true loss of each
	 * link), hop cost left out; in ms of cost.
	 */
	uint64_t	 cost_optimal;
	uint64_t	 cost_worse_than_direct;
	double		 cost_worst_excess_ms;
	double		 cost_gain_ms, cost_gain_opt_ms;
};

struct obs_traffic {
	double		 bps_mean, bps_max;	/* per PoP, sent */
	double		 pps_mean, pps_max;
	double		 type_bps_mean[WIRE_TYPE_MAX];
	char		 max_node[MATRIX_NAME_MAX + 1];
};

struct obs_window {
	char		 label[128];
	uint64_t	 t0, t1;
	/* databases */
	int		 db_changed;
	uint64_t	 db_last_change;
	int		 db_agreed;	/* at t1 */
	/* routes */
	uint64_t	 route_changes;
	uint64_t	 route_last_change;
	uint64_t	 changes_max_node;
	char		 changes_max_name[MATRIX_NAME_MAX + 1];
	size_t		 nodes_changed;
	uint64_t	 withdrawn;	/* routes that went unreachable */
	uint64_t	 max_per_pair;	/* most changes of one (PoP, dest) */
	/* forwarding */
	uint64_t	 loop_episodes;
	double		 loop_pair_s;
	uint64_t	 loop_max_ns;
	uint64_t	 loop_max_pairs;
	double		 hole_pair_s;
	uint64_t	 hole_max_pairs;
	uint64_t	 hole_last;	/* last time a pair was black-holed */
	/* link state changes the engines saw */
	uint64_t	 link_down, link_up, link_congested;
	/* control traffic, and what the engines say they did */
	struct obs_traffic traffic;
	uint64_t	 lsa_originated, lsa_relayed, summaries, requests;
	uint64_t	 deltas_sent, deltas_unusable;
	uint64_t	 spf_runs;
	struct obs_quality quality;
	/*
	 * The anycast origin (net.h NET_ANYCAST), when there is one: how
	 * many PoPs changed egress and when the last did, and at the end
	 * how many live PoPs leave by an egress whose origin fails while
	 * a healthy one exists, or have no route.
	 */
	int		 anycast;
	uint64_t	 any_moves;
	uint64_t	 any_last_move;
	size_t		 any_on_sick;
	size_t		 any_unreachable;
	size_t		 any_egresses_used;
	/* Its cache tiers at the end of the window (sim-tier.h). */
	struct tier_quality tiers;
};

struct obs_flaps {
	uint64_t	 changes;		/* route changes after warm-up */
	uint64_t	 pairs_changed;
	uint64_t	 max_pair;		/* most changes of one pair */
	double		 per_pair_hour_mean;
	double		 per_pair_hour_p99;
	double		 per_pair_hour_max;
	uint64_t	 reverts;		/* A -> B -> A */
	uint64_t	 fast_reverts;		/* ... within the damping hold */
	uint64_t	 oscillating;		/* pairs with 2+ fast reverts */
	uint64_t	 min_revert_ns;		/* NET_NONE: none */
};

struct obs;

struct obs	*obs_new(size_t n, uint64_t damping);
void		 obs_free(struct obs *);
/* Hooks to give net_new(), then the net they watch. */
void		 obs_hooks(struct obs *, struct net_hooks *);
void		 obs_attach(struct obs *, struct net *);
/* The truth changed (link cut, node down or up, new matrix). */
void		 obs_truth_changed(struct obs *, uint64_t now);
/* Close the open window (if any) at now and open a new one. */
void		 obs_window(struct obs *, const char *label, uint64_t now);
void		 obs_finish(struct obs *, uint64_t now);
/* Route changes count towards flaps from now on. */
void		 obs_arm(struct obs *, uint64_t now);

size_t		 obs_nwindows(const struct obs *);
const struct obs_window *obs_window_get(const struct obs *, size_t);
void		 obs_flaps(const struct obs *, struct obs_flaps *);
/* Tier parent changes per PoP-hour after the warm-up (sim-tier.h). */
void		 obs_tier_rates(const struct obs *, double *mean, double *max,
		    uint64_t *total);
void		 obs_quality(struct obs *, struct obs_quality *);
int		 obs_db_agreed(const struct obs *);
/* Next hop of src towards dst as a node index; -1 none. */
long		 obs_next_hop(const struct obs *, size_t src, size_t dst);
/* The link carrying most pairs' traffic now; 0 when there is none. */
int		 obs_busiest_link(struct obs *, size_t *a, size_t *b);
uint64_t	 obs_loop_checks(const struct obs *);

#endif
