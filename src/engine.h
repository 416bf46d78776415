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

struct engine_origin_conf {
	char		name[WIRE_NAME_MAX + 1];
	struct prefix	*prefixes;
	size_t		nprefixes;
	uint32_t	*egress;		/* node ids */
	char		(*egress_names)[WIRE_NAME_MAX + 1];
	size_t		negress;
};

struct engine_conf {
	char				name[WIRE_NAME_MAX + 1];
	uint32_t			id;
	uint8_t				key[WIRE_KEY_LEN];
	struct engine_params		p;
	struct engine_peer_conf		*peers;
	size_t				npeers;
	struct engine_origin_conf	*origins;
	size_t				norigins;
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

struct engine_ops {
	void	(*send)(void *arg, size_t peer, const void *buf, size_t len);
	void	(*link_event)(void *arg, const struct engine_link_event *);
	void	(*route_event)(void *arg, const struct engine_route_event *);
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
};
size_t	engine_nroutes(const struct engine *);
const struct engine_route *engine_route(const struct engine *, size_t);

/* Node names known to the engine (own config and the database). */
const char	*engine_node_name(const struct engine *, uint32_t id);

struct engine_counters {
	uint64_t	rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t	rejected[REJ_MAX];
	uint64_t	lsa_originated, lsa_received, lsa_installed, lsa_relayed;
	uint64_t	lsa_deltas_sent, lsa_deltas_applied, lsa_deltas_unusable;
	uint64_t	summaries_sent, requests_sent;
	uint64_t	spf_runs;
	uint64_t	route_changes;
	uint64_t	rx_host_drops;	/* dropped by this host's kernel */
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
