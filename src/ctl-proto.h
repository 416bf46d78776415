/*
 * The status protocol (DESIGN.md decision 8, man/argoctl.8), shared by the
 * server (ctl.c, ctl-cmd.c) and its clients (ctlclient.c,
 * ctlclient-dec.c): version, limits and every name that goes on the wire.
 * Neither end includes the other's header. src/ctl-schema.json states
 * the same contract for tools; change both together.
 */
#ifndef ARGO_CTL_PROTO_H
#define ARGO_CTL_PROTO_H

/* Bump on any incompatible change of requests, replies or events. */
#define CTL_PROTOCOL		1
/* A request line, without its newline. */
#define CTL_MAX_REQUEST		(64 * 1024)
/* Output queued for one client before it is cut off (configurable). */
#define CTL_DEFAULT_MAX_OUTPUT	(4 * 1024 * 1024)
/* Clients past this many get CTL_ERR_TOO_MANY and are closed. */
#define CTL_MAX_CLIENTS		64
/* Of those, kept for root and the daemon's own uid. */
#define CTL_RESERVED_CLIENTS	4
/* Connections of one other uid (configurable). */
#define CTL_DEFAULT_MAX_PER_UID	16
/* Seconds without a request, or of output not read (configurable). */
#define CTL_DEFAULT_IDLE_TIMEOUT 60
/* An error message (reload's lists file:line messages, one a line). */
#define CTL_MAX_ERROR		4096
/* A reply line a client accepts: the matrix of 300 PoPs is about 2 MB. */
#define CTL_MAX_REPLY		(64 * 1024 * 1024)

/* Commands. */
#define CTL_CMD_STATUS		"status"
#define CTL_CMD_PEERS		"peers"
#define CTL_CMD_MATRIX		"matrix"
#define CTL_CMD_ROUTES		"routes"
#define CTL_CMD_LSDB		"lsdb"
#define CTL_CMD_MONITOR		"monitor"
#define CTL_CMD_FIB		"fib"
#define CTL_CMD_RELOAD		"reload"
#define CTL_CMD_DRY_RUN		"dry-run"
#define CTL_CMD_HELP		"help"
#define CTL_CMD_ORIGINS		"origins"
#define CTL_CMD_TIERS		"tiers"
#define CTL_CMD_CHANGES		"changes"	/* recent route changes */

/* Events. */
#define CTL_EV_LINK		"link"
#define CTL_EV_ROUTE		"route"
#define CTL_EV_ORIGIN		"origin"	/* an origin's health */
#define CTL_EV_TIER		"tier"		/* a cache tier's parent */

/* Values: link states and forwarding modes. */
#define CTL_LINK_DOWN		"down"
#define CTL_LINK_UP		"up"
#define CTL_LINK_CONGESTED	"congested"
#define CTL_MODE_NONE		"none"
#define CTL_MODE_DRY_RUN	"dry-run"
#define CTL_MODE_FORWARDING	"forwarding"
#define CTL_HEALTH_UNKNOWN	"unknown"
#define CTL_HEALTH_HEALTHY	"healthy"
#define CTL_HEALTH_UNHEALTHY	"unhealthy"
#define CTL_CHECK_HTTP		"http"
#define CTL_CHECK_TCP		"tcp"
#define CTL_TIER_SMART		"smart"
#define CTL_TIER_STATIC		"static"
#define CTL_TIER_REGIONAL	"regional"
#define CTL_ROLE_UPPER		"upper"
#define CTL_ROLE_LOWER		"lower"
/* why a route moved (changes reply) */
#define CTL_CHANGE_REACHABLE	"reachable"
#define CTL_CHANGE_UNREACHABLE	"unreachable"
#define CTL_CHANGE_EGRESS	"egress"
#define CTL_CHANGE_PATH		"path"
#define CTL_CHANGE_COST		"cost"

/* Fixed error messages; others carry details. */
#define CTL_ERR_TOO_MANY	"too many clients"
#define CTL_ERR_TOO_MANY_UID	"too many clients of this user"
#define CTL_ERR_IDLE		"idle timeout"
#define CTL_ERR_STALLED		"output not read, timed out"
#define CTL_ERR_TOO_LONG	"request too long"
#define CTL_ERR_READ_ONLY	"read-only socket"
#define CTL_ERR_NOT_RUNNING	"not running"
#define CTL_ERR_NOT_SUPPORTED	"not supported"

/*
 * Member names. One name means one thing in every object that has it
 * (rtt_ms in peers, matrix and link events alike).
 */
/* banner */
#define CTL_F_ARGOD		"argod"
#define CTL_F_PROTOCOL		"protocol"	/* also status, fib */
#define CTL_F_NODE		"node"		/* also status */
#define CTL_F_READONLY		"readonly"
/* requests and every reply */
#define CTL_F_CMD		"cmd"		/* also help */
#define CTL_F_TAG		"tag"
#define CTL_F_OK		"ok"
#define CTL_F_ERROR		"error"
#define CTL_F_ON		"on"		/* dry-run request */
/* status */
#define CTL_F_ID		"id"		/* also peers, lsdb */
#define CTL_F_VERSION		"version"
#define CTL_F_CLOCK_S		"clock_s"
#define CTL_F_UPTIME_S		"uptime_s"
#define CTL_F_PEERS		"peers"		/* also a reply */
#define CTL_F_PEERS_UP		"peers_up"
#define CTL_F_LSDB_ROWS		"lsdb_rows"
#define CTL_F_DIGEST		"digest"
#define CTL_F_COUNTERS		"counters"	/* also kernel */
#define CTL_F_KERNEL		"kernel"	/* also fib, dry-run */
/* status counters */
#define CTL_F_RX_PACKETS	"rx_packets"
#define CTL_F_RX_BYTES		"rx_bytes"
#define CTL_F_RX_HOST_DROPS	"rx_host_drops"
#define CTL_F_RX_KEY_NEXT	"rx_key_next"
#define CTL_F_LFA_REPAIRS	"lfa_repairs"
#define CTL_F_TX_PACKETS	"tx_packets"
#define CTL_F_TX_BYTES		"tx_bytes"
#define CTL_F_LSA_ORIGINATED	"lsa_originated"
#define CTL_F_LSA_RECEIVED	"lsa_received"
#define CTL_F_LSA_INSTALLED	"lsa_installed"
#define CTL_F_LSA_RELAYED	"lsa_relayed"
#define CTL_F_LSA_DELTAS_SENT	"lsa_deltas_sent"
#define CTL_F_LSA_DELTAS_APPLIED "lsa_deltas_applied"
#define CTL_F_LSA_DELTAS_UNUSABLE "lsa_deltas_unusable"
#define CTL_F_SUMMARIES_SENT	"summaries_sent"
#define CTL_F_REQUESTS_SENT	"requests_sent"
#define CTL_F_SPF_RUNS		"spf_runs"
#define CTL_F_ROUTE_CHANGES	"route_changes"
#define CTL_F_REJECTED		"rejected"	/* by reason */
/* kernel */
#define CTL_F_MODE		"mode"
#define CTL_F_REASON		"reason"
#define CTL_F_TUNNEL		"tunnel"
#define CTL_F_DEVICE		"device"
#define CTL_F_TABLE		"table"		/* also fib */
#define CTL_F_POLICY_RULES	"policy_rules"
#define CTL_F_KEEP_ROUTES	"keep_routes"
#define CTL_F_REPLACES		"replaces"
#define CTL_F_DELETES		"deletes"
#define CTL_F_RULE_ADDS		"rule_adds"
#define CTL_F_RULE_DELETES	"rule_deletes"
#define CTL_F_ERRORS		"errors"
#define CTL_F_RECONCILES	"reconciles"
#define CTL_F_STALE_REMOVED	"stale_removed"
/* peers */
#define CTL_F_NAME		"name"
#define CTL_F_STATE		"state"		/* also matrix */
#define CTL_F_RTT_MS		"rtt_ms"	/* also matrix, events */
#define CTL_F_RTT_MIN_MS	"rtt_min_ms"
#define CTL_F_JITTER_MS		"jitter_ms"
#define CTL_F_LOSS_PCT		"loss_pct"	/* also matrix, events */
#define CTL_F_LAST_SEEN_S	"last_seen_s"
#define CTL_F_STATE_SINCE_S	"state_since_s"
#define CTL_F_ADV_RTT_MS	"adv_rtt_ms"
#define CTL_F_PROBES_SENT	"probes_sent"
#define CTL_F_REPLIES_RECEIVED	"replies_received"
#define CTL_F_PROBE_INTERVAL_MS	"probe_interval_ms"
#define CTL_F_DETECT_MS		"detect_ms"
#define CTL_F_RX_LOSS_PCT	"rx_loss_pct"
#define CTL_F_WIRE_VERSION	"wire_version"	/* peers: the one we send */
#define CTL_F_RESOLVE_ERROR	"resolve_error"	/* also address, host */
/* matrix */
#define CTL_F_NODES		"nodes"
#define CTL_F_IDS		"ids"
/* routes, and the routes of route events */
#define CTL_F_ROUTES		"routes"
#define CTL_F_ORIGIN		"origin"	/* also lsdb, events */
#define CTL_F_PREFIX		"prefix"	/* also fib, route events */
#define CTL_F_REACHABLE		"reachable"
#define CTL_F_EGRESS		"egress"
#define CTL_F_PATH		"path"
#define CTL_F_NEXT_HOP		"next_hop"
#define CTL_F_COST_MS		"cost_ms"
#define CTL_F_CONGESTED_HOPS	"congested_hops"
#define CTL_F_DIRECT_COST_MS	"direct_cost_ms"
#define CTL_F_RUNNER_UP		"runner_up"
#define CTL_F_SOURCE		"source"
/* status "loop" */
#define CTL_F_LOOP		"loop"
#define CTL_F_ITERATIONS	"iterations"
#define CTL_F_BUSY_S		"busy_s"
#define CTL_F_BUSY_MAX_MS	"busy_max_ms"
#define CTL_F_BUSY_MAX_AGO_S	"busy_max_ago_s"
#define CTL_F_BUSY_HISTOGRAM	"busy_histogram"	/* its keys: */
#define CTL_F_UNDER_1MS		"under_1ms"
#define CTL_F_UNDER_5MS		"under_5ms"
#define CTL_F_UNDER_20MS	"under_20ms"
#define CTL_F_UNDER_100MS	"under_100ms"
#define CTL_F_LONGER		"longer"	/* config | database */
#define CTL_F_PATH_COST_MS	"path_cost_ms"
#define CTL_F_LASTMILE_MS	"lastmile_ms"
#define CTL_F_EGRESS_HEALTH	"egress_health"
#define CTL_F_ALT_EGRESS	"alt_egress"
#define CTL_F_EGRESSES		"egresses"
#define CTL_F_SINCE_S		"since_s"
#define CTL_F_INSTALLED		"installed"
/* lsdb */
#define CTL_F_LSDB		"lsdb"
#define CTL_F_BOOT		"boot"
#define CTL_F_SEQ		"seq"
#define CTL_F_AGE_S		"age_s"
#define CTL_F_LINKS		"links"
/* fib */
#define CTL_F_FIB		"fib"
#define CTL_F_ENCAP_DST		"encap_dst"
#define CTL_F_VNI		"vni"
#define CTL_F_DEV		"dev"
/* origins: the last-mile checks of this PoP's origins */
#define CTL_F_ORIGINS		"origins"
#define CTL_F_KIND		"kind"
#define CTL_F_TARGET		"target"
#define CTL_F_HEALTH		"health"
#define CTL_F_HEALTH_SINCE_S	"health_since_s"
#define CTL_F_FAILURES		"failures"	/* consecutive */
#define CTL_F_SUCCESSES		"successes"	/* consecutive */
#define CTL_F_CHECKS		"checks"	/* total */
#define CTL_F_CHECKS_FAILED	"checks_failed"	/* total */
#define CTL_F_RUNNING		"running"
#define CTL_F_INTERVAL_MS	"interval_ms"
#define CTL_F_TIMEOUT_MS	"timeout_ms"
#define CTL_F_UNHEALTHY_AFTER	"unhealthy_after"
#define CTL_F_HEALTHY_AFTER	"healthy_after"
#define CTL_F_LAST		"last"		/* the last check */
#define CTL_F_LAST_GOOD		"last_good"	/* the last good one */
#define CTL_F_AGO_S		"ago_s"
#define CTL_F_PASSED		"passed"
#define CTL_F_HTTP_STATUS	"http_status"
#define CTL_F_DNS_MS		"dns_ms"
#define CTL_F_CONNECT_MS	"connect_ms"
#define CTL_F_TLS_MS		"tls_ms"
#define CTL_F_FIRST_BYTE_MS	"first_byte_ms"
#define CTL_F_TOTAL_MS		"total_ms"
#define CTL_F_RESOLVED		"resolved"	/* a target's host name */
#define CTL_F_HOST		"host"
#define CTL_F_ADDRESS		"address"	/* also check results */
#define CTL_F_TTL_S		"ttl_s"
#define CTL_F_EXPIRES_S		"expires_s"
#define CTL_F_LOOKUP_MS		"lookup_ms"
#define CTL_F_LOOKUPS		"lookups"
#define CTL_F_LOOKUP_FAILURES	"lookup_failures"
#define CTL_F_FAILING_SINCE_S	"failing_since_s"
/* tiers, and the tiers of tier events */
#define CTL_F_TIERS		"tiers"
#define CTL_F_SELECTION		"selection"	/* smart | static */
#define CTL_F_ROLE		"role"		/* upper | lower */
#define CTL_F_PARENT		"parent"	/* null: the origin */
#define CTL_F_PARENT_COST_MS	"parent_cost_ms"
#define CTL_F_PARENT_PATH_MS	"parent_path_ms"
#define CTL_F_FALLBACK		"fallback"	/* null: the origin */
#define CTL_F_FALLBACK_COST_MS	"fallback_cost_ms"
#define CTL_F_UPPER		"upper"		/* smart: the upper tier */
#define CTL_F_UPPERS		"uppers"	/* all upper tiers */
#define CTL_F_OBJECTIVE_MS	"objective_ms"	/* regional: mean cost */
#define CTL_F_CHALLENGER	"challenger"
#define CTL_F_CHALLENGER_S	"challenger_s"	/* better for this long */
#define CTL_F_CHANGES		"changes"
/* changes: the ring of recent route changes (request: optional origin) */
#define CTL_F_CAPACITY		"capacity"
#define CTL_F_RECORDED		"recorded"	/* ever, kept or not */
#define CTL_F_ENTRIES		"entries"	/* oldest first */
/* help */
#define CTL_F_COMMANDS		"commands"
#define CTL_F_WRITE		"write"
#define CTL_F_HELP		"help"
/* events */
#define CTL_F_EVENT		"event"
#define CTL_F_TIME		"time"
#define CTL_F_PEER		"peer"
#define CTL_F_FROM		"from"
#define CTL_F_TO		"to"
#define CTL_F_OLD		"old"
#define CTL_F_NEW		"new"

#endif
