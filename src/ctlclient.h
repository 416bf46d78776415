/*
 * The client side of the status protocol (man/argoctl.8).
 *
 * argoctl and argo-top share this one decoder and differ only in rendering
 * (STYLE.md convention 8). It connects, checks the banner, frames lines,
 * and turns replies and events into the structs below. A decoder never
 * trusts the daemon: a missing or ill-typed field is an error naming the
 * field ("peers[2].rtt_ms: expected a number or null"), never a crash.
 * Unknown fields are ignored, so a daemon may add fields without bumping
 * CTL_PROTOCOL.
 *
 * Blocking use (argoctl):
 *
 *	c = ctlc_connect(path, timeout_ms, err, sizeof(err));
 *	reply = ctlc_request(c, "peers", timeout_ms);
 *	ctlc_decode_peers(reply, &peers, err, sizeof(err));
 *
 * Non-blocking use (argo-top): after ctlc_connect(), ctlc_set_nonblock();
 * then poll ctlc_fd() for reading (and for writing while
 * ctlc_want_write()), call ctlc_input() or ctlc_flush() when it is ready,
 * and take messages with ctlc_next() until it returns 0.
 *
 * Strings in decoded structs point into the reply, which the struct holds
 * a reference to until its _free() function runs. Numbers that the
 * protocol allows to be null decode as NAN.
 */
#ifndef ARGO_CTLCLIENT_H
#define ARGO_CTLCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Replies can be large (the matrix of 300 PoPs is about 2 MB). */
#define CTLC_MAX_LINE	(64 * 1024 * 1024)
#define CTLC_ERRLEN	256

/*
 * Line framing: feed bytes, take complete JSON objects.
 */
struct ctlc_lines {
	char	*buf;
	size_t	 off, len, cap;
	size_t	 scan;		/* bytes after off known to hold no '\n' */
	size_t	 max;
};
void	ctlc_lines_init(struct ctlc_lines *, size_t max);
void	ctlc_lines_free(struct ctlc_lines *);
/* -1 when an unterminated line grows past max. */
int	ctlc_lines_feed(struct ctlc_lines *, const void *, size_t);
/*
 * 1: *out is a new reference to a JSON object. 0: no complete line yet.
 * -1: a line that is not a JSON object was consumed; err says why.
 * Empty lines are skipped.
 */
int	ctlc_lines_next(struct ctlc_lines *, json_t **out, char *err,
	    size_t errlen);

/*
 * Connection.
 */
struct ctlc_banner {
	char	version[32];
	int	protocol;
	char	node[64];	/* "" when the daemon has no engine yet */
	int	readonly;
};

struct ctlc;

/*
 * Connect to path and read the banner, both within timeout_ms (<0: no
 * limit). NULL on failure with err filled and errno set: the connect(2)
 * error, ETIMEDOUT, ECONNRESET (closed), EPROTO (not argod or a protocol
 * mismatch: "protocol mismatch: daemon speaks 2, client 1"), or EUSERS
 * when the daemon refused the client (too many clients).
 */
struct ctlc	*ctlc_connect(const char *path, int timeout_ms, char *err,
		    size_t errlen);
void		 ctlc_close(struct ctlc *);
int		 ctlc_fd(const struct ctlc *);
const struct ctlc_banner *ctlc_banner(const struct ctlc *);
/* The last error, with errno set as for ctlc_connect(). */
const char	*ctlc_error(const struct ctlc *);

/*
 * Send a request {"cmd": cmd, ...args}; args (borrowed, may be NULL) is an
 * object whose members are added. Blocking mode writes it all (-1 on error
 * or timeout); non-blocking mode queues it and sends what it can.
 */
int		 ctlc_send(struct ctlc *, const char *cmd, json_t *args,
		    int timeout_ms);
/*
 * Blocking: the next message (reply or event), or NULL on error, timeout
 * or end of stream (ctlc_error(); errno ETIMEDOUT, ECONNRESET, EPROTO).
 */
json_t		*ctlc_read(struct ctlc *, int timeout_ms);
/*
 * Blocking: send cmd and return its reply. Events that arrive first are
 * kept and returned by later ctlc_read()/ctlc_next() calls, in order.
 */
json_t		*ctlc_request(struct ctlc *, const char *cmd, int timeout_ms);
/* The same with arguments (borrowed, may be NULL). */
json_t		*ctlc_request_args(struct ctlc *, const char *cmd, json_t *args,
		    int timeout_ms);

/* Non-blocking mode. */
int		 ctlc_set_nonblock(struct ctlc *);
int		 ctlc_want_write(const struct ctlc *);
/* 0: all sent, 1: more queued, -1: error. */
int		 ctlc_flush(struct ctlc *);
/* Read what the socket holds: 0, or -1 on error or end of stream. */
int		 ctlc_input(struct ctlc *);
/* 1: *out is the next message (caller decrefs), 0: none yet, -1: error. */
int		 ctlc_next(struct ctlc *, json_t **out);

/*
 * Classifying messages. ctlc_reply_ok() returns 1 for {"ok":true}, 0 for
 * an error reply (*errmsg points into the reply), -1 for no reply at all.
 */
int		 ctlc_is_event(const json_t *);
int		 ctlc_is_reply(const json_t *);
int		 ctlc_reply_ok(const json_t *, const char **errmsg);

/* "down" 0, "up" 1, "congested" 2 (enum link_state); -1 otherwise. */
int		 ctlc_link_state(const char *);

/*
 * Typed decoders. Each takes a reply (a new reference is kept), returns 0
 * or -1 with err filled and nothing to free.
 */
struct ctlc_counter {
	const char	*name;
	uint64_t	 value;
};

struct ctlc_status {
	json_t			*json;
	const char		*node, *id, *version, *digest;
	long long		 protocol;
	double			 clock_s;	/* NAN if absent */
	double			 uptime_s;
	uint64_t		 peers, peers_up, lsdb_rows;
	struct ctlc_counter	*counters;	/* numeric members, in order */
	size_t			 ncounters;
	struct ctlc_counter	*rejected;
	size_t			 nrejected;
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
	int		 installed;	/* in the kernel; -1 unknown */
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
};
struct ctlc_event {
	json_t			*json;
	enum ctlc_event_type	 type;
	const char		*name;		/* "link", "route", ... */
	double			 time;		/* daemon clock, s */
	/* link */
	const char		*peer, *from, *to;
	double			 rtt_ms, loss_pct;
	/* route */
	const char		*origin, *prefix;
	int			 has_before, has_after;
	struct ctlc_route	 before, after;
};
int	ctlc_decode_event(json_t *, struct ctlc_event *, char *, size_t);
void	ctlc_event_free(struct ctlc_event *);

/* Shared rendering conventions. */
const char	*ctlc_fmt_duration(char *, size_t, double seconds);

#endif
