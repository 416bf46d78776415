/*
 * argo-top's connection to argod; see top-conn.h for the model.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ctlclient.h"
#include "top-conn.h"
#include "top-model.h"

/*
 * Events come in bursts (a link goes down, then every route over it
 * moves): fetch fresh tables soon after one, but not for every event.
 */
#define CONN_EVENT_REFRESH	0.2	/* s */
/*
 * The matrix is the one reply that grows with the square of the overlay
 * (about 2 MB at 300 PoPs): unless it is on screen, fetch it every few
 * rounds only.
 */
#define CONN_MATRIX_EVERY	5
/* The daemon never waits for a client: silence this long means trouble. */
#define CONN_STALL_MIN		10.0	/* s */

void
conn_init(struct conn *cn, struct model *m, const char *path, int once)
{
	memset(cn, 0, sizeof(*cn));
	cn->m = m;
	cn->path = path;
	cn->once = once;
	cn->backoff = CONN_BACKOFF_MIN;
}

void
conn_free(struct conn *cn)
{
	ctlc_close(cn->c);
	cn->c = NULL;
}

/*
 * No connection: say why, and try again after the backoff, which doubles
 * up to CONN_BACKOFF_MAX. why may be ctlc_error() of a connection that
 * is about to be closed, so it is copied first.
 */
static void
retry_later(struct conn *cn, const char *why, int errnum, double now)
{
	char reason[CTLC_ERRLEN + 32];

	snprintf(reason, sizeof(reason), "%s", why);
	ctlc_close(cn->c);
	cn->c = NULL;
	cn->connecting = 0;
	cn->pending = 0;
	cn->retry_at = now + cn->backoff;
	model_disconnected(cn->m, reason, cn->retry_at);
	cn->backoff *= 2;
	if (cn->backoff > CONN_BACKOFF_MAX)
		cn->backoff = CONN_BACKOFF_MAX;
	if (cn->once) {
		cn->failed = 1;
		cn->failed_errno = errnum;
	}
}

void
conn_start(struct conn *cn, double now)
{
	char err[CTLC_ERRLEN];

	if (cn->c != NULL)
		return;
	if ((cn->c = ctlc_start(cn->path, CONN_TIMEOUT_MS, err,
	    sizeof(err))) == NULL) {
		retry_later(cn, err, errno, now);
		return;
	}
	cn->connecting = 1;
	model_connecting(cn->m);
}

static void
send_round(struct conn *cn, double now)
{
	static const char *const cmds[] = { CTL_CMD_STATUS, CTL_CMD_PEERS,
	    CTL_CMD_ROUTES, CTL_CMD_MATRIX, CTL_CMD_TIERS };
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(cmds[i], CTL_CMD_MATRIX) == 0 && !cn->want_matrix &&
		    cn->m->has_matrix && cn->round % CONN_MATRIX_EVERY != 0)
			continue;
		if (strcmp(cmds[i], CTL_CMD_TIERS) == 0 && !cn->want_tiers)
			continue;
		if (ctlc_send(cn->c, cmds[i], NULL, 0) == -1) {
			retry_later(cn, ctlc_error(cn->c), errno, now);
			return;
		}
		cn->pending++;
	}
	cn->round++;
	cn->last_heard = now;
	cn->next_round = now + cn->m->delay;
}

/*
 * Drive connect(2) and the banner; once connected, start the monitor.
 * Returns 1 when the connection changed state.
 */
static int
connect_step(struct conn *cn, double now)
{
	switch (ctlc_advance(cn->c)) {
	case 0:
		return 0;
	case -1:
		retry_later(cn, ctlc_error(cn->c), errno, now);
		return 1;
	}
	cn->connecting = 0;
	model_connected(cn->m, ctlc_banner(cn->c));
	cn->backoff = CONN_BACKOFF_MIN;
	cn->round = 0;
	cn->pending = 0;
	if (ctlc_set_nonblock(cn->c) == -1 ||
	    ctlc_send(cn->c, CTL_CMD_MONITOR, NULL, 0) == -1) {
		retry_later(cn, ctlc_error(cn->c), errno, now);
		return 1;
	}
	cn->pending++;
	send_round(cn, now);
	return 1;
}

/* Take every complete message; returns how many. */
static int
drain(struct conn *cn, double now)
{
	json_t *j;
	int n = 0, rc;

	while (cn->c != NULL && (rc = ctlc_next(cn->c, &j)) != 0) {
		if (rc == -1) {
			retry_later(cn, ctlc_error(cn->c), errno, now);
			break;
		}
		n++;
		cn->last_heard = now;
		if (ctlc_is_event(j)) {
			model_event(cn->m, j);
			if (cn->next_round > now + CONN_EVENT_REFRESH)
				cn->next_round = now + CONN_EVENT_REFRESH;
		} else if (ctlc_is_reply(j)) {
			model_reply(cn->m, j, now);
			if (cn->pending > 0 && --cn->pending == 0)
				cn->rounds_done++;
		}
		json_decref(j);
	}
	return n;
}

/* How long pending replies may take before the connection is dropped. */
static double
stall_limit(const struct conn *cn)
{
	return cn->m->delay * 4 > CONN_STALL_MIN ? cn->m->delay * 4 :
	    CONN_STALL_MIN;
}

int
conn_pollfds(struct conn *cn, struct pollfd *pfd, double now,
    double *deadline)
{
	double at;
	int n = 0, wait;

	if (cn->c == NULL) {
		if (!cn->failed && cn->retry_at < *deadline)
			*deadline = cn->retry_at;
		return 0;
	}
	if ((pfd[n].events = ctlc_events(cn->c)) != 0) {
		pfd[n].fd = ctlc_fd(cn->c);
		pfd[n++].revents = 0;
	}
	if (cn->connecting) {
		if ((wait = ctlc_wait_ms(cn->c)) >= 0 &&
		    (at = now + wait / 1000.0) < *deadline)
			*deadline = at;
		return n;
	}
	if (cn->pending == 0 && cn->next_round < *deadline)
		*deadline = cn->next_round;
	if (cn->pending > 0 && cn->last_heard + stall_limit(cn) < *deadline)
		*deadline = cn->last_heard + stall_limit(cn);
	return n;
}

int
conn_dispatch(struct conn *cn, const struct pollfd *pfd, int npfd,
    double now)
{
	char why[CTLC_ERRLEN + 32];
	int i, changed = 0, rc, saved;

	for (i = 0; i < npfd; i++) {
		if (pfd[i].revents == 0 || cn->c == NULL || cn->connecting ||
		    pfd[i].fd != ctlc_fd(cn->c))
			continue;
		if ((pfd[i].revents & POLLOUT) && ctlc_flush(cn->c) == -1) {
			retry_later(cn, ctlc_error(cn->c), errno, now);
			changed = 1;
			continue;
		}
		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) {
			/* what came before the end is still worth showing */
			rc = ctlc_input(cn->c);
			saved = errno;
			if (drain(cn, now) > 0)
				changed = 1;
			if (rc == -1 && cn->c != NULL) {
				retry_later(cn, ctlc_error(cn->c), saved, now);
				changed = 1;
			}
		}
	}

	if (cn->c != NULL && cn->connecting) {
		/* with or without I/O: it keeps its own deadline */
		if (connect_step(cn, now))
			changed = 1;
	} else if (cn->c != NULL) {
		if (cn->pending > 0 &&
		    now - cn->last_heard >= stall_limit(cn)) {
			snprintf(why, sizeof(why), "argod did not answer for "
			    "%.0f s", stall_limit(cn));
			retry_later(cn, why, ETIMEDOUT, now);
			changed = 1;
		} else if (cn->pending == 0 && now >= cn->next_round)
			send_round(cn, now);
	} else if (!cn->failed && now >= cn->retry_at) {
		conn_start(cn, now);
		changed = 1;
	}
	return changed;
}

void
conn_refresh(struct conn *cn, double now)
{
	cn->next_round = now;
	if (cn->c == NULL && !cn->failed)
		cn->retry_at = now;
}
