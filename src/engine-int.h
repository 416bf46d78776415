/*
 * The engine's private face, shared by its parts (not by anything else):
 *
 *	engine.c	the struct, input/run/deadline, reconfiguration and
 *			the read-only views of engine.h
 *	engine-flood.c	flooding: origination, relays, summaries, requests,
 *			deltas, anti-entropy (flood_*)
 *	engine-nbr.c	neighbours: probe scheduling, answers, advertisement
 *			decisions (nbr_*)
 *	engine-route.c	routes: SPF runs, route and runner-up computation
 *			(routes_*)
 *	engine-origin.c	origins in the database: what this PoP serves and
 *			its last mile, declarations (origins_*)
 *	engine-lfa.c	fast local repair: loop-free alternates when a next
 *			hop dies (lfa_*)
 *	engine-tier.c	cache tiers: upper tier and parent per origin,
 *			damped (tiers_*)
 */
#ifndef ARGO_ENGINE_INT_H
#define ARGO_ENGINE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "lsdb.h"
#include "probe.h"
#include "replay.h"
#include "spf.h"
#include "wire.h"

struct peer {
	struct engine_peer_conf	 conf;
	struct probe_link	 pl;
	struct replay		 rp;
	uint64_t		 tx_seq;	/* last sequence sent to it */
	uint64_t		 next_probe;
	uint64_t		 interval;	/* of the last probe sent */
	uint32_t		 slow_seq;	/* first probe that said we
						   slow down; 0: none unheard */
	unsigned		 slow_left;	/* more probes at the old pace */
	uint64_t		 slow_keep;	/* the old pace */
	uint32_t		 row_sent;	/* seq of our row last
						   sent it */
	uint64_t		 last_rx;	/* last datagram heard (any
						   type that passed the MAC) */
	uint32_t		 rx_ask;	/* the peer's last probe seq */
	uint64_t		 rx_ask_at;	/* ... heard then */
	double			 rx_q_short;	/* its probes' loss, one way: */
	double			 rx_q_long;	/* gain 1/100 and 1/1000 */
	unsigned		 rx_q_n;
	unsigned		 rx_loss;	/* that loss then
						   (permille) */
	uint64_t		 detect_from;	/* silence counts from here at
						   the earliest (nbr_silent_at) */
	uint64_t		 quiet_done;	/* last_rx whose silence we
						   acted on */
	uint64_t		 peer_hold;	/* the peer's probe interval, as
						   its last probe's hold says */
	int			 next_hop;	/* carries a route of ours */
	/* the answer we owe the peer's latest probe (see "Probing") */
	int			 owe;
	uint32_t		 owe_seq;
	uint8_t			 owe_mask;
	uint64_t		 owe_rx;
	/* what we advertise about this link */
	uint16_t		 adv_rtt;	/* 0.1 ms */
	uint8_t			 adv_loss;	/* 0.5 % */
	uint8_t			 adv_state;
	uint64_t		 adv_change_since;	/* 0: no change */
	unsigned		 adv_samples;	/* ... seen in this many */
	uint64_t		 adv_drift_since;	/* 0: no drift */
	int			 adv_settled;	/* settled RTT advertised */
	uint64_t		 down_at;	/* last went down, 0 never */
	/* anti-entropy */
	uint64_t		 peer_digest;		/* last heard */
	uint64_t		 peer_digest_since;	/* ... unchanged
							   since */
	uint64_t		 mismatch_since;
	uint64_t		 last_summary;
	/* wire versions (argod.8, "Wire versions") */
	uint8_t			 ver;		/* highest it speaks, capped at
						   ours, in its boot; 0 unheard */
	int			 low_sent;	/* sent it our row or
						   declarations in an older
						   form than it may now get */
	/* its place among the engine's peer timers (engine-nbr.c) */
	uint64_t		 timer;		/* nbr_deadline() when last
						   asked: the heap's key */
	uint32_t		 heap_pos;
	uint8_t			 attn;		/* on the attention list */
	uint8_t			 inq;		/* in this run's queue */
};

/* An origin this PoP serves, as its row advertises it. */
struct served {
	uint32_t		 id;		/* declaration id */
	char			 name[WIRE_NAME_MAX + 1];
	uint8_t			 health;	/* enum wire_origin_health */
	uint16_t		 adv_cost;	/* 0.1 ms, WIRE_RTT_UNKNOWN */
	double			 ewma;		/* of costs, 0.1 ms; <0 none */
	uint32_t		 policy;	/* id of the declaration with
						   its tier policy; 0 default */
};

/* A declaration, known (d) or wanted because a row names it (NULL). */
struct odecl {
	uint32_t		 id;
	struct wire_origin	*d;
	int			 named;		/* by some row, last gc */
	uint64_t		 asked_at;
	uint32_t		 asked_from;	/* node whose row named it */
	int			 policy;	/* named by a policy entry:
						   only version 5 holds it */
	unsigned		 tries;
	uint64_t		 unused_since;
};

/* An egress a route may leave by. */
struct rcand {
	uint32_t		 id;
	uint16_t		 lm;		/* 0.1 ms, WIRE_RTT_UNKNOWN */
	uint8_t			 health;	/* enum wire_origin_health */
	uint8_t			 advertised;	/* by its row */
};

struct eroute {
	struct engine_route	 r;
	int			 ru_stale;	/* runner-up to recompute */
	int			 is_static;	/* from our config */
	char			 oname[WIRE_NAME_MAX + 1];
	struct rcand		*cand;
	size_t			 ncand;
	uint64_t		 lfa_from;	/* on a loop-free alternate
						   since, */
	uint64_t		 lfa_until;	/* ... until SPF's path is safe
						   (engine-lfa.c); 0: not */
	uint64_t		 broke_at;	/* moved off a broken path */
	int			 held;		/* withdrawn until the database
						   settles (engine-route.c) */
	uint32_t		*path;
	uint32_t		*ru_path;
	/*
	 * Copies: engine_node_name() can point into the database's slot
	 * array, which moves when it grows, and a row's name can change.
	 */
	char			 egress_name[WIRE_NAME_MAX + 1];
	char			 next_hop_name[WIRE_NAME_MAX + 1];
	char			 alt_egress_name[WIRE_NAME_MAX + 1];
	/* The text of r.pfx, where r.prefix points. */
	char			 prefix[PREFIX_STRLEN];
};

struct etier {
	struct engine_tier	 t;
	char			 oname[WIRE_NAME_MAX + 1];
	char			 parent_name[WIRE_NAME_MAX + 1];
	char			 fallback_name[WIRE_NAME_MAX + 1];
	char			 upper_name[WIRE_NAME_MAX + 1];
	uint32_t		 uppers[TIER_UPPERS_MAX];
	uint64_t		 born;		/* when this PoP first had it */
};

struct rtree {
	uint32_t		 slot;
	struct spf_tree		 t;
};

struct engine {
	struct engine_conf	 conf;
	const struct engine_ops	*ops;
	void			*arg;
	uint32_t		 boot;
	uint64_t		 tx_seq;	/* datagrams sent, to anyone */
	uint64_t		 rng;
	uint64_t		 start;
	uint64_t		 due;		/* the deadline we last gave */
	uint64_t		 host_drop_from; /* see engine_host_drops() */
	uint64_t		 host_drop_to;

	struct peer		*peers;
	size_t			 npeers;
	uint32_t		*peer_ids;	/* by id (engine.c) */
	size_t			 peer_ids_cap;
	uint64_t		 peer_min;	/* earliest per-peer timer,
						   or earlier (see
						   nbr_deadline) */
	/* per-peer timers (engine-nbr.c, "Peer timers") */
	struct nbr_timer {
		uint64_t	 at;		/* = peers[peer].timer */
		uint32_t	 peer;
	}			*timers;	/* heap of peers by timer */
	uint32_t		*attn;		/* visit at the next run */
	size_t			 nattn;
	uint32_t		*runq;		/* this run: heap by index */
	size_t			 nrunq;
	long			 run_cur;	/* peer being run, -1 none */

	struct lsdb		 db;
	uint64_t		 own_digest;		/* db.digest, and ... */
	uint64_t		 own_digest_since;	/* ... unchanged
							   since */
	uint32_t		 lsa_boot, lsa_seq;
	/* our last row as sent, the base of the next one's deltas */
	struct wire_lsa_entry	*sent_ent;
	size_t			 sent_n;
	uint32_t		 sent_boot, sent_seq;
	char			 sent_cache[WIRE_CACHE_MAX + 1];
	int			 originate_pending;
	uint64_t		 originate_at;
	uint64_t		 last_originate;
	uint64_t		 next_refresh;
	uint64_t		 next_expire;

	int			 spf_pending;
	uint64_t		 spf_at;
	uint64_t		 last_spf;
	uint64_t		 spf_hold;
	uint64_t		 last_urgent;	/* last SPF run at once for a
						   link lost */
	uint64_t		 last_loss;	/* last link lost, ours or a
						   row's */
	uint64_t		 last_full_ru;
	uint64_t		 ru_at;		/* next runner-up batch */
	uint64_t		 spf_gen;	/* db generation of the tree */
	size_t			 ru_cursor;
	struct spf_graph	 g;
	struct spf_tree		 t;
	struct rtree		*rtrees;
	size_t			 nrtrees, caprtrees;

	struct eroute		*routes;
	size_t			 nroutes;

	struct served		*served;
	size_t			 nserved;
	struct odecl		*decls;
	size_t			 ndecls;
	int			 decls_wanted;	/* some not known yet */
	uint64_t		 decls_retry_at; /* none to ask again before */
	uint64_t		 decls_gen;	/* bumped when one comes
						   or goes */
	uint64_t		 built_db_gen;	/* what routes_build() saw */
	uint64_t		 built_decls_gen;
	int			 origins_push;	/* send ours to all peers */

	/* relays held back until the gap has outlived a flood (by slot) */
	uint64_t		*relay_at;
	long			*relay_from;
	size_t			 relay_cap;
	uint64_t		 relay_next;	/* earliest, UINT64_MAX none */
	/* rows recently requested from some peer, by origin id */
	struct reqd {
		uint32_t	 id;
		uint64_t	 at;
	}			*reqd;
	size_t			 reqd_cap, reqd_n;

	struct etier		*tiers;
	size_t			 ntiers;
	uint64_t		 tier_at;	/* next hold to expire,
						   UINT64_MAX none */
	struct spf_tree		 tier_rt;	/* scratch reverse tree */

	struct engine_counters	 c;
	uint8_t			 pkt[WIRE_MTU];
};

/* engine.c */
uint64_t	engine_rnd(struct engine *e);
uint64_t	engine_jitter(struct engine *e, uint64_t d, unsigned pct);
void	engine_xmit(struct engine *e, size_t peer, size_t len);
size_t	engine_peer_by_id(const struct engine *e, uint32_t id);
void	engine_hdr(struct engine *e, size_t peer, struct wire_hdr *h,
	    enum wire_type type);
unsigned	engine_version(const struct engine *e);
unsigned	engine_tx_version(const struct engine *e, size_t peer);

/* engine-flood.c */
void	flood_schedule_originate(struct engine *e, uint64_t now);
void	flood_originate(struct engine *e, uint64_t now);
void	flood_run_relays(struct engine *e, uint64_t now);
void	flood_lsa_delta(struct engine *e, size_t from,
	    const struct wire_lsa *l, uint64_t now);
void	flood_lsa(struct engine *e, size_t from,
	    const struct wire_lsa *l, uint64_t now);
void	flood_send_summary(struct engine *e, size_t peer, uint64_t now);
void	flood_summary(struct engine *e, size_t from,
	    const struct wire_list *l, uint64_t now);
void	flood_request(struct engine *e, size_t from,
	    const struct wire_list *l, uint64_t now);
void	flood_note_digest(struct engine *e, size_t i, uint64_t digest,
	    uint64_t mask, uint64_t now);
void	flood_originate_now(struct engine *e);
void	flood_peer_upgraded(struct engine *e, size_t peer, uint64_t now);

/* engine-nbr.c */
void	nbr_link_changed(struct engine *e, size_t i,
	    enum link_state from, uint64_t now);
void	nbr_check_advertisement(struct engine *e, struct peer *p, uint64_t now,
	    int sample);
uint64_t	nbr_quiet_at(const struct engine *e, const struct peer *p);
uint64_t	nbr_silent_at(const struct engine *e, const struct peer *p);
void	nbr_probe_soon(struct engine *e, struct peer *p, uint64_t now);
void	nbr_send_probe(struct engine *e, size_t i, uint64_t now);
void	nbr_probe_input(struct engine *e, size_t i,
	    const struct wire_msg *m, uint64_t now, uint64_t rx_ts);
void	nbr_init(struct engine *e, struct peer *p,
	    const struct engine_peer_conf *pc, uint64_t now);
void	nbr_restarted(struct engine *e, size_t i, uint64_t now);
unsigned nbr_rx_loss(const struct peer *p);
uint64_t nbr_detect_time(const struct engine *e, const struct peer *p);
uint64_t	nbr_deadline(const struct engine *e, const struct peer *p);
void	nbr_timers_init(struct engine *e);
void	nbr_timers_free(struct engine *e);
void	nbr_attend(struct engine *e, size_t i);
void	nbr_timer_set(struct engine *e, size_t i);
void	nbr_run_queue(struct engine *e, uint64_t now, int all);
long	nbr_run_next(struct engine *e);

/* engine-route.c */
void	routes_schedule_spf(struct engine *e, uint64_t now);
void	routes_after_install(struct engine *e, uint64_t now);
void	routes_run_spf(struct engine *e, uint64_t now);
void	routes_run_runner_ups(struct engine *e, uint64_t now);
void	routes_build(struct engine *e, int events);
void	routes_link_lost(struct engine *e, uint64_t now);
int	routes_settling(const struct eroute *er, uint64_t now);

/* engine-origin.c */
void	origins_configure(struct engine *e);
size_t	origins_row_entries(const struct engine *e,
	    struct wire_lsa_entry *out);
void	origins_row_installed(struct engine *e, const struct lsdb_node *n,
	    size_t from, uint64_t now);
void	origins_input(struct engine *e, const struct wire_list *l,
	    uint64_t now);
void	origins_request(struct engine *e, size_t from,
	    const struct wire_list *l);
void	origins_run(struct engine *e, uint64_t now);
void	origins_gc(struct engine *e, uint64_t now);
const struct wire_origin *origins_decl(const struct engine *e, uint32_t id);
void	origins_push_to(struct engine *e, size_t peer);
/* The tier policy the database gives origin name, or NULL (engine-tier.c) */
const struct wire_origin *origins_policy(const struct engine *e,
	    const char *name);

/* engine-lfa.c */
void	lfa_repair(struct engine *e, size_t peer, uint64_t now);
int	lfa_keep(struct engine *e, struct eroute *er,
	    const struct engine_route *alt, uint64_t now);
/* engine-tier.c */
void	tiers_update(struct engine *e, uint64_t now);
void	tiers_run(struct engine *e, uint64_t now);
void	tiers_free(struct engine *e);

#endif
