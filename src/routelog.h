/*
 * The recent route changes of this PoP, for "argoctl changes": a bounded
 * ring fed by the engine's route_event callback (argod.c), read by the
 * status socket (ctl-cmd.c). Each entry copies what it shows (names, the
 * path as names, costs), so it outlives the engine's routes and the
 * engine itself across reloads. The oldest entry gives way when the
 * ring is full; routelog_recorded() counts every change ever added, so
 * a reader sees how many it missed.
 */
#ifndef ARGO_ROUTELOG_H
#define ARGO_ROUTELOG_H

#include <stddef.h>
#include <stdint.h>

struct engine;
struct engine_route_event;

/* Entries kept: a whole partition of 300 origins fits twice. */
#define ROUTELOG_DEFAULT_CAPACITY	1024

/* Why a route moved, from the most to the least visible change. */
enum routelog_reason {
	ROUTELOG_REACHABLE,	/* no usable route before */
	ROUTELOG_UNREACHABLE,	/* no usable route now */
	ROUTELOG_EGRESS,	/* another egress PoP */
	ROUTELOG_PATH,		/* same egress, another path */
	ROUTELOG_COST,		/* same path, its cost moved */
};

/* One side of a change; present 0: there was (is) no reachable route. */
struct routelog_route {
	int		 present;
	char		*egress, *next_hop;
	char		**path;		/* node names, this PoP first */
	size_t		 pathlen;
	double		 cost_ms;
	int		 congested_hops;
};

struct routelog_entry {
	uint64_t		 time;		/* the caller's clock, ns */
	char			*origin, *prefix;
	enum routelog_reason	 reason;
	struct routelog_route	 old, new;
};

struct routelog;

struct routelog	*routelog_new(size_t capacity);
void		 routelog_free(struct routelog *);
/* Record one route event of engine e (whose node names it resolves). */
void		 routelog_add(struct routelog *, const struct engine *e,
		    const struct engine_route_event *, uint64_t now);
size_t		 routelog_capacity(const struct routelog *);
size_t		 routelog_len(const struct routelog *);
uint64_t	 routelog_recorded(const struct routelog *);
/* Entry i, 0 the oldest kept; NULL past the end. */
const struct routelog_entry *routelog_get(const struct routelog *, size_t i);
enum routelog_reason routelog_classify(const struct engine_route_event *);

#endif
