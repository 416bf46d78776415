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
	uint32_t		 row_sent;	/* seq of our row last
						   sent it */
	uint64_t		 last_rx;	/* last probe or answer heard */
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
};

struct eroute {
	struct engine_route	 r;
	int			 ru_stale;	/* runner-up to recompute */
	size_t			 origin;
	uint32_t		*path;
	uint32_t		*ru_path;
	/*
	 * Copies: engine_node_name() can point into the database's slot
	 * array, which moves when it grows, and a row's name can change.
	 */
	char			 egress_name[WIRE_NAME_MAX + 1];
	char			 next_hop_name[WIRE_NAME_MAX + 1];
	/* The text of r.pfx, where r.prefix points. */
	char			 prefix[PREFIX_STRLEN];
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
	uint64_t		 host_drop_from; /* see engine_host_drops() */
	uint64_t		 host_drop_to;

	struct peer		*peers;
	size_t			 npeers;
	uint64_t		 peer_min;	/* earliest per-peer timer,
						   or earlier (see
						   peer_deadline) */

	struct lsdb		 db;
	uint64_t		 own_digest;		/* db.digest, and ... */
	uint64_t		 own_digest_since;	/* ... unchanged
							   since */
	uint32_t		 lsa_boot, lsa_seq;
	/* our last row as sent, the base of the next one's deltas */
	struct wire_lsa_entry	*sent_ent;
	size_t			 sent_n;
	uint32_t		 sent_boot, sent_seq;
	int			 originate_pending;
	uint64_t		 originate_at;
	uint64_t		 last_originate;
	uint64_t		 next_refresh;
	uint64_t		 next_expire;

	int			 spf_pending;
	uint64_t		 spf_at;
	uint64_t		 last_spf;
	uint64_t		 spf_hold;
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

	struct engine_counters	 c;
	uint8_t			 pkt[WIRE_MTU];
};

/* engine.c */
uint64_t	engine_rnd(struct engine *e);
uint64_t	engine_jitter(struct engine *e, uint64_t d, unsigned pct);
void	engine_xmit(struct engine *e, size_t peer, size_t len);
void	engine_hdr(struct engine *e, size_t peer, struct wire_hdr *h,
	    enum wire_type type);

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
	    uint64_t now);

/* engine-nbr.c */
void	nbr_link_changed(struct engine *e, size_t i,
	    enum link_state from, uint64_t now);
void	nbr_check_advertisement(struct engine *e, struct peer *p, uint64_t now,
	    int sample);
uint64_t	nbr_quiet_at(const struct engine *e, const struct peer *p);
void	nbr_probe_soon(struct engine *e, struct peer *p, uint64_t now);
void	nbr_send_probe(struct engine *e, size_t i, uint64_t now);
void	nbr_probe_input(struct engine *e, size_t i,
	    const struct wire_msg *m, uint64_t now, uint64_t rx_ts);
void	nbr_init(struct engine *e, struct peer *p,
	    const struct engine_peer_conf *pc, uint64_t now);
void	nbr_restarted(struct engine *e, size_t i, uint64_t now);
uint64_t	nbr_deadline(const struct engine *e, const struct peer *p);
void	nbr_min_deadline(struct engine *e);

/* engine-route.c */
void	routes_schedule_spf(struct engine *e, uint64_t now);
void	routes_after_install(struct engine *e, uint64_t now);
void	routes_run_spf(struct engine *e, uint64_t now);
void	routes_run_runner_ups(struct engine *e, uint64_t now);
void	routes_build(struct engine *e);

#endif
