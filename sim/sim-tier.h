/*
 * Cache-tier quality in the simulator (issue 16): how good the tiers the
 * engines chose for the anycast origin are, judged on the truth.
 *
 * A live PoP's fetch cost is what a miss costs it on the true network:
 * an upper tier fetches from the origin itself (its own last mile when
 * it is an egress, else its true shortest path to the egress that
 * minimises path plus last mile); a lower tier asks its parent, so its
 * cost is the true shortest path to the parent plus the parent's cost as
 * an upper tier. Paths are true shortest paths on what the engine
 * minimises without loss (each link's RTT now plus hop-cost), so the
 * figure judges the choice of tiers, not the routes (quality does that).
 *
 * The best possible with the same K: the set of K upper tiers, from the
 * same candidates the mode uses (smart: the egresses, K = 1; regional:
 * every live PoP, K = the origin's tier_k), that minimises the mean cost
 * with every PoP using its best member. Exact by enumeration when that
 * is cheap enough (at most TIERQ_EXACT_WORK distance lookups), else a
 * greedy start improved by single swaps until none helps (a local
 * optimum: the report says which).
 *
 * Parent changes are counted from the engines' tier events: a PoP whose
 * parent (or role) changes, after the warm-up.
 */
#ifndef ARGOSIM_TIER_H
#define ARGOSIM_TIER_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "sim-net.h"

#define TIERQ_K_MAX		8
#define TIERQ_EXACT_WORK	50000000ULL

struct tier_quality {
	int		 measured;	/* some live PoP has a tier for it */
	int		 mode;		/* enum engine_tier_mode */
	unsigned	 k;		/* upper tiers compared (smart: 1) */
	size_t		 pops;		/* live PoPs */
	size_t		 uppers, lowers, without;	/* without: no tier */
	size_t		 disagree;	/* upper set not the most common one */
	double		 mean_ms, worst_ms;	/* over PoPs with a tier */
	double		 best_mean_ms, best_worst_ms;
	int		 best_exact;
	size_t		 nbest;
	size_t		 best[TIERQ_K_MAX];	/* node indexes */
	uint64_t	 parent_changes;	/* in the window */
};

struct tobs;

struct tobs	*tobs_new(size_t n);
void		 tobs_free(struct tobs *);
/* An engine's tier event at node (its tier_event). */
void		 tobs_event(struct tobs *, size_t node,
		    const struct engine_tier_event *, uint64_t now);
/* Changes count from now on (the end of the warm-up). */
void		 tobs_arm(struct tobs *, uint64_t now);
/* A window opens: its parent changes count from here. */
void		 tobs_window_open(struct tobs *);
/* The tiers of NET_ANYCAST now, and the window's parent changes. */
void		 tobs_measure(struct tobs *, const struct net *,
		    struct tier_quality *);
/* Parent changes per PoP-hour between arming and t: mean and max. */
void		 tobs_rates(const struct tobs *, uint64_t t, double *mean,
		    double *max, uint64_t *total);

#endif
