/*
 * The protocol engine: probing, link state, flooding, SPF and routes.
 *
 * The engine is sans-I/O (DESIGN.md decision 1). It never reads a clock,
 * opens a socket or calls the kernel. The caller feeds it
 *
 *	engine_input(e, now, peer, bytes, rx_ts)   a datagram from a peer
 *	engine_run(e, now)                          timers that are due
 *
 * and asks engine_next_deadline() when to call engine_run() again. The
 * engine answers through struct engine_ops: datagrams to send to a peer
 * (by index into the configured peer list), and events (link state and
 * route changes). It never logs: the caller reports its events. Times
 * are nanoseconds on one monotonic clock chosen by the caller; rx_ts must
 * be on the same clock. Randomness (timer jitter) comes from a PRNG
 * seeded by the caller, so a run is reproducible.
 */
#ifndef ARGO_ENGINE_H
#define ARGO_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "params.h"
#include "prefix.h"
#include "wire.h"

struct engine_peer_conf {
	char		name[WIRE_NAME_MAX + 1];
	uint32_t	id;
};

/* How an origin's cache tiers are chosen (engine-tier.c). */
enum engine_tier_mode {
	TIER_SMART = 0,		/* the best healthy egress is the upper tier */
	TIER_STATIC,		/* operator-named upper tiers */
	TIER_REGIONAL,		/* K upper tiers, a k-median of the matrix */
};
#define TIER_UPPERS_MAX	32	/* names of a static line, and K */

struct engine_origin_conf {
	char		name[WIRE_NAME_MAX + 1];
	struct prefix	*prefixes;
	size_t		nprefixes;
	uint32_t	*egress;		/* node ids */
	char		(*egress_names)[WIRE_NAME_MAX + 1];
	size_t		negress;
	int		tier_mode;		/* enum engine_tier_mode */
	uint32_t	*tier;			/* static: upper tiers;
						   regional: candidates (none:
						   every PoP) */
	char		(*tier_names)[WIRE_NAME_MAX + 1];
	size_t		ntier;
	unsigned	tier_k;			/* regional: K */
};

struct engine_conf {
	char				name[WIRE_NAME_MAX + 1];
	uint32_t			id;
	uint8_t				key[WIRE_KEY_LEN];
	/* a second key accepted, never sent with (key rollover) */
	int				has_key_next;
	uint8_t				key_next[WIRE_KEY_LEN];
	struct engine_params		p;
	struct engine_peer_conf		*peers;
	size_t				npeers;
	struct engine_origin_conf	*origins;
	size_t				norigins;
	/* this PoP's cache, ADDRESS:PORT as wire_cache_ok() allows; "" none */
	char				cache[WIRE_CACHE_MAX + 1];
	/*
	 * The highest wire version to speak, WIRE_VERSION_MIN..WIRE_VERSION
	 * (0: WIRE_VERSION). A lower one makes the engine a PoP of that
	 * release on the wire: it sends that version's forms only, rejects
	 * newer datagrams (compact probes below 6 as bad_magic, as the old
	 * decoder does), and ignores what it does not know (tests of mixed
	 * fleets; argod.8, "Wire versions").
	 */
	unsigned			wire_version;
};
void	engine_conf_free(struct engine_conf *);

/* Events. Pointers are valid only during the callback. */
struct engine_link_event {
	size_t		 peer;
	const char	*name;
	enum link_state	 from, to;
	double		 rtt_ms;	/* smoothed, <0 when unknown */
	double		 loss_pct;
};

struct engine_route;
struct engine_route_event {
	const struct engine_route	*old;	/* NULL: new route */
	const struct engine_route	*new;	/* NULL: withdrawn */
};

struct engine_tier;
struct engine_tier_event {
	const struct engine_tier	*old;	/* NULL: new origin */
	const struct engine_tier	*new;	/* NULL: origin gone */
};

struct engine_ops {
	void	(*send)(void *arg, size_t peer, const void *buf, size_t len);
	void	(*link_event)(void *arg, const struct engine_link_event *);
	void	(*route_event)(void *arg, const struct engine_route_event *);
	/*
	 * Optional (NULL: not called): around each SPF computation, done 0
	 * before the graph is built and 1 after Dijkstra, before routes are
	 * compared and their events sent. The engine has no clock; a
	 * caller that has one times SPF here (argod's metrics).
	 */
	void	(*spf)(void *arg, int done);
	/* Optional: this PoP's tier role, parent or fallback changed. */
	void	(*tier_event)(void *arg, const struct engine_tier_event *);
};

struct engine;

/*
 * boot is this incarnation's boot id: it must grow across restarts (the
 * daemon uses the wall clock in seconds); seed feeds timer jitter.
 */
struct engine	*engine_new(const struct engine_conf *, const struct engine_ops *,
		    void *arg, uint64_t now, uint32_t boot, uint64_t seed);
void		 engine_free(struct engine *);

/* Apply a new config, keeping the state of peers that stay (by name). */
int		 engine_reconfigure(struct engine *, const struct engine_conf *,
		    uint64_t now);

/* peer is an index into conf->peers, or -1 for an unknown source. */
void		 engine_input(struct engine *, uint64_t now, long peer,
		    const uint8_t *buf, size_t len, uint64_t rx_ts);
void		 engine_run(struct engine *, uint64_t now);
uint64_t	 engine_next_deadline(const struct engine *);

/*
 * The last mile of an origin this PoP serves (it names this PoP on its
 * egress line), as the daemon's checks measure it: health is an enum
 * wire_origin_health, cost_ms the time to first byte (connect for tcp
 * checks), <0 unknown. The engine advertises it in its row, damped
 * (engine-origin.c). -1 if this PoP serves no origin of that name.
 */
struct engine_lastmile {
	int		health;
	double		cost_ms;
};
int		 engine_lastmile(struct engine *, uint64_t now,
		    const char *origin, const struct engine_lastmile *);

/*
 * Read-only views for the status socket and the simulator.
 */
struct engine_peer_info {
	const char	*name;
	uint32_t	 id;
	enum link_state	 state;
	uint64_t	 state_since;	/* ns */
	double		 rtt_ms;	/* smoothed; <0 unknown */
	double		 rtt_min_ms;	/* baseline; <0 unknown */
	double		 jitter_ms;
	double		 loss_pct;
	uint64_t	 last_seen;	/* ns of last reply, 0 never */
	double		 adv_rtt_ms;	/* what we advertise; <0 unknown */
	uint64_t	 probes_sent, replies_received;
	uint64_t	 probe_interval;	/* ns: fast or idle, now */
	double		 lrtt_ms;	/* long-term mean; <0 unknown */
	unsigned	 wire_version;	/* the version we send it */
	unsigned	 wire_heard;	/* highest it speaks, as heard in
					   its current boot; 0 not yet */
	double		 rx_loss_pct;	/* its probes' loss on the way to
					   us, as silence detection takes it */
	uint64_t	 detect;	/* ns of silence that make it down
					   now; 0: silence detection off */
};
size_t	engine_npeers(const struct engine *);
void	engine_peer(const struct engine *, size_t, struct engine_peer_info *);

/* ---- database views (engine-view.c) ------------------------------- */
/*
 * The link state database as the status socket and the simulator read
 * it, without lsdb.h or wire units: nodes by an index that is stable
 * while the node exists, link metrics in ms and percent. Rows are read
 * when asked, so values are a snapshot; names are valid until the engine
 * next runs.
 */
struct engine_db_node {
	const char	*name;		/* advertised or configured; NULL */
	uint32_t	 id;
	int		 has_row;	/* 0: only named by other rows */
	uint32_t	 boot, seq;	/* the row's version */
	unsigned	 age_s;
	size_t		 nlinks;
};
struct engine_db_link {
	uint32_t	 peer;		/* node id of the far end */
	size_t		 node;		/* its index; SIZE_MAX unknown */
	int		 state;		/* enum link_state; -1 another value */
	double		 rtt_ms;	/* advertised; <0 unknown */
	double		 loss_pct;
};
/* Indexes run from 0 to engine_db_nnodes() - 1; some are free. */
size_t	engine_db_nnodes(const struct engine *);
size_t	engine_db_nrows(const struct engine *);
/* 0, or -1 when index i holds no node. */
int	engine_db_node(const struct engine *, size_t i, uint64_t now,
	    struct engine_db_node *);
/* Link k (below nlinks) of node i's row. */
void	engine_db_link(const struct engine *, size_t i, size_t k,
	    struct engine_db_link *);
/* ---- end of database views ---------------------------------------- */

struct engine_route {
	const char	*origin;
	struct prefix	 pfx;
	const char	*prefix;	/* pfx as text */
	int		 reachable;
	uint32_t	 egress;
	const char	*egress_name;
	const uint32_t	*path;		/* node ids, this node first */
	size_t		 pathlen;
	uint32_t	 next_hop;	/* node id; == own id when local */
	const char	*next_hop_name;
	double		 cost_ms;
	int		 congested_hops;
	double		 direct_cost_ms;	/* <0: no usable direct link */
	/* runner-up: best path via a different next hop */
	int		 has_runner_up;
	double		 runner_up_cost_ms;
	const uint32_t	*runner_up_path;
	size_t		 runner_up_pathlen;
	int		 runner_up_congested_hops;
	uint64_t	 since;		/* ns of the last change */
	/*
	 * Origins (engine-origin.c): static from our config, or learnt
	 * from the database only. cost_ms, direct_cost_ms and
	 * runner_up_cost_ms include the egress's last mile.
	 */
	int		 is_static;
	double		 path_cost_ms;		/* overlay part of cost_ms */
	double		 lastmile_ms;		/* advertised; <0 unknown */
	int		 egress_health;		/* enum wire_origin_health */
	int		 has_alt_egress;	/* best through another egress */
	uint32_t	 alt_egress;
	const char	*alt_egress_name;
	double		 alt_cost_ms;
	double		 alt_lastmile_ms;
	int		 alt_egress_health;
	size_t		 negress;		/* candidate egresses */
	uint64_t	 changes;	/* counted in route_changes */
};
size_t	engine_nroutes(const struct engine *);
const struct engine_route *engine_route(const struct engine *, size_t);

/*
 * Cache tiers (engine-tier.c), one per origin with a route: this PoP's
 * role and parent. An upper tier fetches from the origin itself; a lower
 * tier asks its parent, or its fallback when the parent fails. Costs are
 * ms: to the origin through the parent (path to it plus its own cost to
 * the origin), <0 unknown.
 */
enum engine_tier_role {
	TIER_UPPER = 1,
	TIER_LOWER,
};
struct engine_tier {
	const char	*origin;
	int		 mode;		/* enum engine_tier_mode */
	int		 role;		/* enum engine_tier_role */
	uint32_t	 parent;	/* lower: a PoP; upper: 0 */
	const char	*parent_name;	/* NULL: the origin */
	double		 parent_cost_ms;
	double		 parent_path_ms;	/* overlay part; upper: 0 */
	int		 has_fallback;
	uint32_t	 fallback;
	const char	*fallback_name;	/* NULL: the origin */
	double		 fallback_cost_ms;
	uint32_t	 upper;		/* smart: the origin's upper tier */
	const char	*upper_name;
	const uint32_t	*uppers;	/* every upper tier of the origin */
	size_t		 nuppers;
	double		 objective_ms;	/* regional: mean cost to the
					   origin over all PoPs; <0 none */
	uint32_t	 challenger;	/* better by the margin since ... */
	uint64_t	 challenger_since;	/* ... this; 0 none */
	uint64_t	 since;		/* ns of the last change */
	uint64_t	 changes;
};
size_t	engine_ntiers(const struct engine *);
const struct engine_tier *engine_tier(const struct engine *, size_t);

/* Node names known to the engine (own config and the database). */
const char	*engine_node_name(const struct engine *, uint32_t id);
/*
 * The cache address a node advertises with its row (version 5), or NULL;
 * the generation grows whenever one appears, changes or goes, so that
 * a caller can redo what it built from them.
 */
const char	*engine_node_cache(const struct engine *, uint32_t id);
uint64_t	 engine_cache_generation(const struct engine *);

struct engine_counters {
	uint64_t	rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t	rejected[REJ_MAX];
	uint64_t	lsa_originated, lsa_received, lsa_installed, lsa_relayed;
	uint64_t	lsa_deltas_sent, lsa_deltas_applied, lsa_deltas_unusable;
	uint64_t	summaries_sent, requests_sent;
	uint64_t	spf_runs;
	uint64_t	route_changes;
	uint64_t	lfa_repairs;	/* routes moved to a loop-free
					   alternate (engine-lfa.c) */
	uint64_t	rx_host_drops;	/* dropped by this host's kernel */
	uint64_t	origins_sent, origin_requests_sent, origins_learnt;
	uint64_t	rx_key_next;	/* datagrams that passed with key-next */
	/* Per enum wire_type (index 0 unused): datagrams sent, and those
	 * received that passed the MAC and replay checks. */
	uint64_t	tx_type_packets[WIRE_TYPE_MAX], tx_type_bytes[WIRE_TYPE_MAX];
	uint64_t	rx_type_packets[WIRE_TYPE_MAX], rx_type_bytes[WIRE_TYPE_MAX];
};
const struct engine_counters *engine_counters(const struct engine *);

/*
 * The host, not a link, lost n datagrams between from and to: the kernel
 * dropped them from a full receive queue (SO_RXQ_OVFL, which the daemon
 * learns from the next datagram it reads: from is when it read the one
 * before, to is now). Whatever was lost in that interval may have been
 * probe replies, so loss over it is no evidence against any link
 * (DESIGN.md decision 11). engine_host_drop_window() gives the union of
 * the intervals reported so far as [*from, *to] (0, 0: never), for the
 * probe side: a reply due inside it is not counted lost.
 */
void		 engine_host_drops(struct engine *, uint64_t from, uint64_t to,
		    uint64_t n);
void		 engine_host_drop_window(const struct engine *, uint64_t *from,
		    uint64_t *to);

const char	*engine_name(const struct engine *);
uint32_t	 engine_id(const struct engine *);
uint64_t	 engine_digest(const struct engine *);

struct lsdb;
const struct lsdb *engine_lsdb(const struct engine *);

#endif
