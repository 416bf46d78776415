/*
 * The client side of the status protocol (man/argoctl.8): the connection.
 * It connects, checks the banner, frames lines and carries requests and
 * replies; what the messages say is decoded by ctlclient-dec.h, which is
 * included here because every user of a connection needs it.
 *
 * Connecting never blocks: the socket is non-blocking from the start, and
 * a daemon that is stopped or busy (a full listen backlog, or a banner
 * that does not come) costs a deadline, not a hang.
 *
 * Blocking use (argoctl):
 *
 *	c = ctlc_connect(path, timeout_ms, err, sizeof(err));
 *	reply = ctlc_request(c, "peers", timeout_ms);
 *	ctlc_decode_peers(reply, &peers, err, sizeof(err));
 *
 * Polled use (argo-top), from the caller's own poll(2) loop:
 *
 *	c = ctlc_start(path, timeout_ms, err, sizeof(err));
 *	while connecting: poll ctlc_fd() for ctlc_events(), at most
 *	    ctlc_wait_ms(), then ctlc_advance() until it returns 1;
 *	then ctlc_set_nonblock(); poll ctlc_fd() for ctlc_events(), call
 *	    ctlc_input() or ctlc_flush() when it is ready, and take
 *	    messages with ctlc_next() until it returns 0.
 */
#ifndef ARGO_CTLCLIENT_H
#define ARGO_CTLCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ctl-proto.h"
#include "ctlclient-dec.h"

#define CTLC_MAX_LINE	CTL_MAX_REPLY

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
struct ctlc;

struct ctlc_banner {
	char	version[32];
	int	protocol;
	char	node[64];	/* "" when the daemon has no engine yet */
	int	readonly;
};

/*
 * Connect to path and read the banner, both within timeout_ms (<0: no
 * limit). NULL on failure with err filled and errno set: the connect(2)
 * error, ETIMEDOUT, ECONNRESET (closed), EPROTO (not argod or a protocol
 * mismatch: "protocol mismatch: daemon speaks 2, client 1"), or EUSERS
 * when the daemon refused the client (too many clients).
 */
struct ctlc	*ctlc_connect(const char *path, int timeout_ms, char *err,
		    size_t errlen);
/*
 * The same in steps: ctlc_start() makes the first connect(2) attempt and
 * fails at once only when that cannot succeed (ENOENT, ECONNREFUSED,
 * ...); ctlc_advance() then returns 1 once connected with a good banner,
 * 0 while waiting, -1 on failure (ctlc_error(), errno as above).
 */
struct ctlc	*ctlc_start(const char *path, int timeout_ms, char *err,
		    size_t errlen);
int		 ctlc_advance(struct ctlc *);
/* poll(2) events to wait for now; 0: none, only time. */
short		 ctlc_events(const struct ctlc *);
/* While connecting, ms until ctlc_advance() is due anyway; else -1. */
int		 ctlc_wait_ms(const struct ctlc *);

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

/* Non-blocking mode: ctlc_send() queues instead of waiting. */
int		 ctlc_set_nonblock(struct ctlc *);
int		 ctlc_want_write(const struct ctlc *);
/* 0: all sent, 1: more queued, -1: error. */
int		 ctlc_flush(struct ctlc *);
/* Read what the socket holds: 0, or -1 on error or end of stream. */
int		 ctlc_input(struct ctlc *);
/* 1: *out is the next message (caller decrefs), 0: none yet, -1: error. */
int		 ctlc_next(struct ctlc *, json_t **out);

#endif
