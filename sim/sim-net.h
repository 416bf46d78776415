/*
 * The simulated network: one real engine per node, a virtual clock, and
 * links that deliver each datagram after the link's one-way delay.
 *
 * Every engine runs the daemon's code unchanged (engine.h) and is driven
 * the way argod drives it: engine_input() when a datagram arrives,
 * engine_run() when its deadline comes. Two heaps order time: datagrams
 * in flight by (arrival, send order), and engines by their next deadline.
 * engine_next_deadline() walks the engine's peers, so the deadline is
 * cached per engine and asked again only of the engine that just ran.
 * Datagram buffers come from a pool of two size classes (probes are
 * small, LSA parts large).
 *
 * Links. The one-way delay of i -> j is half the RTT the matrix gives for
 * i -> j (a link measured one way only uses that value both ways). On top
 * of it: a uniform jitter of 0..jitter per datagram (which may reorder),
 * a congestion delay (half the added RTT each way) and a loss probability
 * per direction, and a cut. A datagram is lost if its link is cut when it
 * is sent or when it would arrive, or its receiver is down.
 *
 * Traffic is counted per node and message type, in bytes on the wire:
 * what the engine handed to send() plus 28 bytes of IPv4 and UDP header.
 * Nothing is estimated: the engine's own datagrams are counted.
 */
#ifndef ARGOSIM_NET_H
#define ARGOSIM_NET_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "sim-matrix.h"

#define NET_IPUDP_OVERHEAD	28
#define NET_NONE		UINT64_MAX

struct net_traffic {
	uint64_t	pkts[WIRE_TYPE_MAX];	/* sent, by wire type */
	uint64_t	bytes[WIRE_TYPE_MAX];	/* sent, incl. IP+UDP */
	uint64_t	rx_pkts, rx_bytes;
};

struct net;

struct net_hooks {
	/* A route changed at node (the engine's route_event). */
	void	(*route)(void *, size_t node,
		    const struct engine_route_event *, uint64_t now);
	/* A link changed state at node (the engine's link_event). */
	void	(*link)(void *, size_t node, const struct engine_link_event *,
		    uint64_t now);
	/* An engine was just fed input or ran its timers. */
	void	(*step)(void *, size_t node, uint64_t now);
	/* Node's tier for an origin changed (the engine's tier_event). */
	void	(*tier)(void *, size_t node, const struct engine_tier_event *,
		    uint64_t now);
	void	 *arg;
};

struct net_conf {
	struct engine_params	 params;
	uint64_t		 seed;
	uint64_t		 jitter;	/* ns, uniform 0..jitter */
	uint32_t		 reorder_ppm;	/* may overtake (else FIFO) */
	uint32_t		 loss_ppm;	/* every direction */
	const uint8_t		*peers;		/* n*n: configure i -> j */
	/*
	 * Besides one origin per node: the origin NET_ANYCAST ("any",
	 * 10.255.255.0/24) served by this many egresses spread evenly over
	 * the nodes; 0 none. Only its egresses have its block: the others
	 * learn it from the database.
	 */
	size_t			 anycast;
	/*
	 * Its cache tiers (engine-tier.c): enum engine_tier_mode and K.
	 * Other than smart, every node has its block (regional and static
	 * tiers follow only the files that say so).
	 */
	int			 anycast_tiers;
	unsigned		 anycast_k;
};

#define NET_ANYCAST		"any"

struct net	*net_new(const struct matrix *, const struct net_conf *,
		    const struct net_hooks *);
void		 net_free(struct net *);

size_t		 net_size(const struct net *);
uint64_t	 net_now(const struct net *);
const char	*net_name(const struct net *, size_t);
uint32_t	 net_id(const struct net *, size_t);
long		 net_index(const struct net *, uint32_t id);	/* -1 */
struct engine	*net_engine(const struct net *, size_t);	/* NULL: down */
int		 net_alive(const struct net *, size_t);
const struct net_traffic *net_traffic(const struct net *, size_t);

/* Start every engine now, or each at a uniform random time within
 * stagger from now (real PoPs do not boot in the same nanosecond, and
 * their periodic timers stay in step for a long time if they do). */
void		 net_start(struct net *, uint64_t stagger);
/* Deliver datagrams and run timers up to and including t. */
void		 net_run_until(struct net *, uint64_t t);
uint64_t	 net_events(const struct net *);	/* processed so far */
size_t		 net_in_flight(const struct net *);

/* The true state of the links, as the scenario sets it. */
void		 net_set_matrix(struct net *, const struct matrix *);
void		 net_cut(struct net *, size_t a, size_t b, int cut);
/* Every link's delay times a factor uniform in 1 +- frac (both ways). */
void		 net_shift(struct net *, double frac, uint64_t seed);
void		 net_congest(struct net *, size_t a, size_t b,
		    uint64_t extra_rtt, uint32_t loss_ppm);
void		 net_node_down(struct net *, size_t);
void		 net_node_up(struct net *, size_t);
/*
 * The last mile of the origins node a serves (its own and, at an
 * egress, the anycast one), as its checks would measure it: health is an
 * enum wire_origin_health, ms the cost (<0 keeps the last). Kept across
 * restarts of the node.
 */
void		 net_lastmile(struct net *, size_t a, int health, double ms);
/* The anycast origin's egresses: is node a one, and its health. */
int		 net_anycast_egress(const struct net *, size_t a);
int		 net_lastmile_health(const struct net *, size_t a);
/* Its last-mile cost in ms as set (0 when never set). */
double		 net_lastmile_ms(const struct net *, size_t a);
/* True RTT of a -> b -> a now, with the mean jitter (both directions
 * usable), or NET_NONE. */
uint64_t	 net_true_rtt(const struct net *, size_t a, size_t b);
/* Chance that a -> b -> a loses a datagram either way (0..1). */
double		 net_true_loss(const struct net *, size_t a, size_t b);
const struct engine_params *net_params(const struct net *);
int		 net_configured(const struct net *, size_t a, size_t b);

#endif
