/*
 * The decoders of the status protocol (man/argoctl.8): every reply and
 * event the daemon sends, into C structs, and the arguments of the one
 * request that has them. argoctl and argo-top share them and differ only
 * in rendering (STYLE.md convention 8); the connection that carries the
 * messages, and checks the banner, is ctlclient.h.
 *
 * A decoder never trusts the daemon: a missing or ill-typed member is an
 * error naming it ("peers[2].rtt_ms: expected a number or null"), never a
 * crash. Unknown members are ignored, so a daemon may add members without
 * bumping CTL_PROTOCOL; members that came later than protocol 1 are
 * optional (each says so below).
 *
 * Each decoder takes a reply (a new reference is kept), returns 0 or -1
 * with err filled and nothing to free. Strings in decoded structs point
 * into the reply, which the struct holds until its _free() function runs.
 * Numbers that the protocol allows to be null decode as NAN.
 */
#ifndef ARGO_CTLCLIENT_DEC_H
#define ARGO_CTLCLIENT_DEC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ctl-proto.h"

#define CTLC_ERRLEN	256

/*
 * Classifying messages. ctlc_reply_ok() returns 1 for {"ok":true}, 0 for
 * an error reply (*errmsg points into the reply), -1 for no reply at all.
 */
int		 ctlc_is_event(const json_t *);
int		 ctlc_is_reply(const json_t *);
int		 ctlc_reply_ok(const json_t *, const char **errmsg);

/* "down" 0, "up" 1, "congested" 2 (enum link_state); -1 otherwise. */
int		 ctlc_link_state(const char *);

/* Replies without members of their own (reload, monitor). */
int	ctlc_decode_ok(json_t *, char *, size_t);

struct ctlc_counter {
	const char	*name;
	uint64_t	 value;
};

/* The forwarding layer, as status, fib and dry-run carry it. */
struct ctlc_kernel {
	const char		*mode;		/* CTL_MODE_* */
	/* the rest only when mode is not "none" */
	const char		*reason;	/* NULL: none */
	const char		*tunnel, *device;
	uint64_t		 table, protocol;
	int			 policy_rules, keep_routes;
	struct ctlc_counter	*counters;	/* in order */
	size_t			 ncounters;
};

struct ctlc_status {
	json_t			*json;
	const char		*node, *id, *version, *digest;
	long long		 protocol;
	double			 clock_s;	/* optional: NAN */
	double			 uptime_s;
	uint64_t		 peers, peers_up, lsdb_rows;
	struct ctlc_counter	*counters;	/* in order */
	size_t			 ncounters;
	struct ctlc_counter	*rejected;
	size_t			 nrejected;
	int			 has_kernel;	/* optional */
	struct ctlc_kernel	 kernel;
};
int	ctlc_decode_status(json_t *, struct ctlc_status *, char *, size_t);
void	ctlc_status_free(struct ctlc_status *);
/* 0 and *v, or -1 when there is no such counter. */
int	ctlc_status_counter(const struct ctlc_status *, const char *,
	    uint64_t *v);

struct ctlc_peer {
	const char	*name, *id, *state_name;
	int		 state;			/* ctlc_link_state() */
	double		 rtt_ms, rtt_min_ms, jitter_ms, loss_pct;
	double		 last_seen_s;		/* NAN: never */
	double		 state_since_s;
	double		 adv_rtt_ms;
	uint64_t	 probes_sent, replies_received;
	double		 probe_interval_ms;	/* optional: NAN */
};
struct ctlc_peers {
	json_t		*json;
	struct ctlc_peer *v;
	size_t		 n;
};
int	ctlc_decode_peers(json_t *, struct ctlc_peers *, char *, size_t);
void	ctlc_peers_free(struct ctlc_peers *);

struct ctlc_path {
	const char	**hop;
	size_t		  n;
};

/* A route as carried by the routes reply and by route events. */
struct ctlc_route {
	const char	*origin, *prefix;	/* NULL in events */
	int		 reachable;
	const char	*egress, *next_hop;	/* NULL when unreachable */
	struct ctlc_path path;
	double		 cost_ms;
	long long	 congested_hops;
	/* routes reply only */
	double		 direct_cost_ms;	/* NAN: no direct link */
	int		 has_runner_up;
	struct ctlc_path ru_path;
	double		 ru_cost_ms;
	long long	 ru_congested_hops;
	const char	*ru_next_hop;
	double		 since_s;
	int		 installed;	/* optional: -1 unknown */
	/* origins in the database; optional, older daemons lack them */
	const char	*source;	/* "config", "database"; NULL */
	double		 path_cost_ms;	/* NAN unknown */
	double		 lastmile_ms;	/* NAN unknown */
	const char	*egress_health;	/* NULL unknown */
	int		 has_alt;
	const char	*alt_egress;
	double		 alt_cost_ms, alt_lastmile_ms;
	const char	*alt_health;
};
struct ctlc_routes {
	json_t		 *json;
	struct ctlc_route *v;
	size_t		  n;
};
int	ctlc_decode_routes(json_t *, struct ctlc_routes *, char *, size_t);
void	ctlc_routes_free(struct ctlc_routes *);

/* Row i, column j is what node i's database row says about node j. */
struct ctlc_matrix {
	json_t		 *json;
	size_t		  n;
	const char	**node;
	const char	**id;		/* optional: NULL entries */
	double		 *rtt_ms;	/* n * n, NAN unknown */
	double		 *loss_pct;	/* n * n, NAN unknown */
	int		 *state;	/* n * n, -1 unknown, else link_state */
};
#define CTLC_M(m, a, i, j)	((m)->a[(i) * (m)->n + (j)])
int	ctlc_decode_matrix(json_t *, struct ctlc_matrix *, char *, size_t);
void	ctlc_matrix_free(struct ctlc_matrix *);

struct ctlc_lsdb_row {
	const char	*origin, *id;
	uint64_t	 boot, seq;
	double		 age_s;
	uint64_t	 links;
};
struct ctlc_lsdb {
	json_t			*json;
	struct ctlc_lsdb_row	*v;
	size_t			 n;
};
int	ctlc_decode_lsdb(json_t *, struct ctlc_lsdb *, char *, size_t);
void	ctlc_lsdb_free(struct ctlc_lsdb *);

/* One last-mile check's result; times in ms, NAN when not reached. */
struct ctlc_check_result {
	int		 passed;
	double		 ago_s;
	long long	 http_status;		/* 0: none */
	double		 dns_ms, connect_ms, tls_ms, first_byte_ms, total_ms;
	const char	*address;		/* NULL: not connected */
	const char	*reason;		/* NULL when passed */
};
/* The origins reply: the last-mile checks this PoP runs. */
struct ctlc_origin {
	const char	*origin, *kind, *target, *health;
	double		 health_since_s;
	uint64_t	 failures, successes, checks, checks_failed;
	int		 running;
	double		 interval_ms, timeout_ms;
	uint64_t	 unhealthy_after, healthy_after;
	int		 has_last, has_last_good;
	struct ctlc_check_result last, last_good;
	/* optional: the target's host name, as resolved */
	int		 has_resolved;
	const char	*host, *address;	/* address NULL: none yet */
	double		 ttl_s, expires_s, lookup_ms, failing_since_s;
	uint64_t	 lookups, lookup_failures;
	const char	*resolve_reason;	/* NULL: the last lookup worked */
};
struct ctlc_origins {
	json_t			*json;
	struct ctlc_origin	*v;
	size_t			 n;
};
int	ctlc_decode_origins(json_t *, struct ctlc_origins *, char *, size_t);
void	ctlc_origins_free(struct ctlc_origins *);

/* The tiers reply, and the tiers of tier events. */
struct ctlc_tier {
	const char	*origin, *selection, *role;
	const char	*parent, *fallback;	/* NULL: the origin */
	const char	*upper, *challenger;	/* NULL: none */
	const char	**uppers;		/* every upper tier */
	size_t		 nuppers;
	double		 parent_cost_ms, parent_path_ms, fallback_cost_ms;
	double		 challenger_s, since_s;
	uint64_t	 changes;
};
struct ctlc_tiers {
	json_t			*json;
	struct ctlc_tier	*v;
	size_t			 n;
};
int	ctlc_decode_tiers(json_t *, struct ctlc_tiers *, char *, size_t);
void	ctlc_tiers_free(struct ctlc_tiers *);

/* What the kernel holds: the fib reply. */
struct ctlc_fib_route {
	const char	*prefix;
	const char	*encap_dst;	/* NULL: no encapsulation */
	const char	*dev;
	uint64_t	 vni, protocol;
};
struct ctlc_fib {
	json_t			*json;
	uint64_t		 table;
	struct ctlc_kernel	 kernel;
	struct ctlc_fib_route	*v;
	size_t			 n;
};
int	ctlc_decode_fib(json_t *, struct ctlc_fib *, char *, size_t);
void	ctlc_fib_free(struct ctlc_fib *);

/* The dry-run reply: the forwarding layer after the switch. */
struct ctlc_dry_run {
	json_t			*json;
	struct ctlc_kernel	 kernel;
};
int	ctlc_decode_dry_run(json_t *, struct ctlc_dry_run *, char *, size_t);
void	ctlc_dry_run_free(struct ctlc_dry_run *);
/* The arguments of a dry-run request (a new object). */
json_t	*ctlc_dry_run_args(int on);

/* The changes reply: recent route changes, oldest first. */
struct ctlc_change {
	double			 time;		/* daemon clock, s */
	double			 ago_s;
	const char		*origin, *prefix;
	const char		*reason;	/* CTL_CHANGE_* */
	int			 has_before, has_after;
	struct ctlc_route	 before, after;	/* as in route events */
};
struct ctlc_changes {
	json_t			*json;
	uint64_t		 capacity, recorded;
	struct ctlc_change	*v;
	size_t			 n;
};
int	ctlc_decode_changes(json_t *, struct ctlc_changes *, char *, size_t);
void	ctlc_changes_free(struct ctlc_changes *);
/* The arguments of a changes request (a new object; NULL: all origins). */
json_t	*ctlc_changes_args(const char *origin);

struct ctlc_command {
	const char	*cmd, *help;
	int		 write;
};
struct ctlc_help {
	json_t			*json;
	struct ctlc_command	*v;
	size_t			 n;
};
int	ctlc_decode_help(json_t *, struct ctlc_help *, char *, size_t);
void	ctlc_help_free(struct ctlc_help *);

enum ctlc_event_type {
	CTLC_EVENT_OTHER,	/* a newer daemon's event: skip it */
	CTLC_EVENT_LINK,
	CTLC_EVENT_ROUTE,
	CTLC_EVENT_ORIGIN,	/* an origin check's health changed */
	CTLC_EVENT_TIER,	/* this PoP's cache tier of an origin */
};
struct ctlc_event {
	json_t			*json;
	enum ctlc_event_type	 type;
	const char		*name;		/* "link", "route", ... */
	double			 time;		/* daemon clock, s */
	/* link */
	const char		*peer, *from, *to;
	double			 rtt_ms, loss_pct;
	/* route; origin: origin, from, to (health names), reason */
	const char		*origin, *prefix, *reason;
	int			 has_before, has_after;
	struct ctlc_route	 before, after;
	/* tier: origin, and before/after in tier_before, tier_after */
	struct ctlc_tier	 tier_before, tier_after;
};
int	ctlc_decode_event(json_t *, struct ctlc_event *, char *, size_t);
void	ctlc_event_free(struct ctlc_event *);

/* Shared rendering conventions. */
const char	*ctlc_fmt_duration(char *, size_t, double seconds);

#endif
