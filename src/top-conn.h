/*
 * argo-top's connection to argod: one status-socket connection in
 * monitor mode, over which the periodic requests (status, peers, routes,
 * matrix) are pipelined too; replies and events arrive interleaved and
 * are told apart by the shared decoder (ctlclient.h).
 *
 * Nothing here blocks the caller. Connecting (connect(2) plus the banner)
 * is polled like the rest (ctlc_start() and ctlc_advance()), with a
 * deadline: a daemon that is stopped or busy accepts the connection but
 * sends no banner. Lost connections are retried with exponential
 * backoff; a connection on which the daemon stops answering is dropped
 * and retried too.
 *
 * The caller owns the poll loop: conn_pollfds() says what to wait for and
 * until when, conn_dispatch() handles what poll() found.
 */
#ifndef ARGO_TOP_CONN_H
#define ARGO_TOP_CONN_H

#include <poll.h>

#include "top-model.h"

#define CONN_BACKOFF_MIN	0.5	/* s, first retry */
#define CONN_BACKOFF_MAX	5.0	/* s */
#define CONN_TIMEOUT_MS		5000	/* connect plus banner */
#define CONN_NPOLL		1	/* pollfds conn_pollfds() may fill */

struct conn {
	struct model	*m;
	const char	*path;
	int		 once;		/* batch: no retries */
	struct ctlc	*c;
	int		 connecting;	/* c has no banner yet */
	double		 backoff, retry_at;

	double		 next_round;	/* when to send the next requests */
	double		 last_heard;	/* last message, for stall detection */
	int		 pending;	/* replies still expected */
	unsigned long	 round;		/* rounds sent on this connection */
	unsigned long	 rounds_done;	/* rounds fully answered, ever */
	int		 want_matrix;	/* the matrix is on screen */
	int		 want_tiers;	/* the tiers are: ask for them
					   (older daemons do not know) */

	int		 failed;	/* once: could not connect */
	int		 failed_errno;
};

void	conn_init(struct conn *, struct model *, const char *path, int once);
void	conn_free(struct conn *);
/* Start connecting now. */
void	conn_start(struct conn *, double now);
/*
 * Fill at most CONN_NPOLL pollfds, return how many; lower *deadline
 * (monotonic seconds, like now) to when conn_dispatch() must run even
 * without I/O.
 */
int	conn_pollfds(struct conn *, struct pollfd *, double now,
	    double *deadline);
/* Handle poll()'s findings and timers. Returns 1 if the model changed. */
int	conn_dispatch(struct conn *, const struct pollfd *, int n,
	    double now);
/* Ask for fresh data as soon as possible. */
void	conn_refresh(struct conn *, double now);

#endif
