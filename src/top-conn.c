/*
 * argo-top's connection to argod; see top-conn.h for the model.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "ctlclient.h"
#include "log.h"
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

struct conn_job {
	char		 path[4096];
	int		 wfd;
	struct ctlc	*c;
	char		 err[CTLC_ERRLEN];
	int		 errnum;
};

static void *
job_run(void *arg)
{
	struct conn_job *job = arg;
	ssize_t n;

	job->c = ctlc_connect(job->path, CONN_TIMEOUT_MS, job->err,
	    sizeof(job->err));
	job->errnum = job->c == NULL ? errno : 0;
	/* a pointer is far below PIPE_BUF: the write is atomic */
	do
		n = write(job->wfd, &job, sizeof(job));
	while (n == -1 && errno == EINTR);
	return NULL;
}

int
conn_init(struct conn *cn, struct model *m, const char *path, int once)
{
	memset(cn, 0, sizeof(*cn));
	cn->m = m;
	cn->path = path;
	cn->once = once;
	cn->backoff = CONN_BACKOFF_MIN;
	if (pipe2(cn->pipe, O_CLOEXEC | O_NONBLOCK) == -1)
		return -1;
	return 0;
}

void
conn_free(struct conn *cn)
{
	ctlc_close(cn->c);
	cn->c = NULL;
	/* a connector still running owns the write end: leave both open
	 * rather than let it write into a reused descriptor */
	if (cn->job == NULL) {
		close(cn->pipe[0]);
		close(cn->pipe[1]);
	}
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
	struct conn_job *job;
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	if (cn->job != NULL || cn->c != NULL)
		return;
	job = xcalloc(1, sizeof(*job));
	snprintf(job->path, sizeof(job->path), "%s", cn->path);
	job->wfd = cn->pipe[1];
	/* signals are the main loop's business: the thread takes none */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, job_run, job);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		free(job);
		retry_later(cn, "cannot start a thread to connect", rc, now);
		return;
	}
	cn->job = job;
	model_connecting(cn->m);
}

static void
send_round(struct conn *cn, double now)
{
	static const char *const cmds[] = { "status", "peers", "routes",
	    "matrix" };
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(cmds[i], "matrix") == 0 && !cn->want_matrix &&
		    cn->m->has_matrix && cn->round % CONN_MATRIX_EVERY != 0)
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

static void
job_done(struct conn *cn, double now)
{
	struct conn_job *job;
	ssize_t n;

	n = read(cn->pipe[0], &job, sizeof(job));
	if (n != (ssize_t)sizeof(job))
		return;
	cn->job = NULL;
	if (job->c == NULL) {
		retry_later(cn, job->err, job->errnum, now);
		free(job);
		return;
	}
	cn->c = job->c;
	free(job);
	model_connected(cn->m, ctlc_banner(cn->c));
	cn->backoff = CONN_BACKOFF_MIN;
	cn->round = 0;
	cn->pending = 0;
	if (ctlc_set_nonblock(cn->c) == -1 ||
	    ctlc_send(cn->c, "monitor", NULL, 0) == -1) {
		retry_later(cn, ctlc_error(cn->c), errno, now);
		return;
	}
	cn->pending++;
	send_round(cn, now);
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
conn_pollfds(struct conn *cn, struct pollfd *pfd, double *deadline)
{
	int n = 0;

	if (cn->job != NULL) {
		pfd[n].fd = cn->pipe[0];
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	if (cn->c != NULL) {
		pfd[n].fd = ctlc_fd(cn->c);
		pfd[n].events = POLLIN | (ctlc_want_write(cn->c) ? POLLOUT : 0);
		pfd[n++].revents = 0;
		if (cn->pending == 0 && cn->next_round < *deadline)
			*deadline = cn->next_round;
		if (cn->pending > 0 &&
		    cn->last_heard + stall_limit(cn) < *deadline)
			*deadline = cn->last_heard + stall_limit(cn);
	} else if (cn->job == NULL && !cn->failed &&
	    cn->retry_at < *deadline)
		*deadline = cn->retry_at;
	return n;
}

int
conn_dispatch(struct conn *cn, const struct pollfd *pfd, int npfd,
    double now)
{
	char why[CTLC_ERRLEN + 32];
	int i, changed = 0, rc, saved;

	for (i = 0; i < npfd; i++) {
		if (pfd[i].revents == 0)
			continue;
		if (cn->job != NULL && pfd[i].fd == cn->pipe[0]) {
			job_done(cn, now);
			changed = 1;
			continue;
		}
		if (cn->c == NULL || pfd[i].fd != ctlc_fd(cn->c))
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

	if (cn->c != NULL) {
		if (cn->pending > 0 &&
		    now - cn->last_heard >= stall_limit(cn)) {
			snprintf(why, sizeof(why), "argod did not answer for "
			    "%.0f s", stall_limit(cn));
			retry_later(cn, why, ETIMEDOUT, now);
			changed = 1;
		} else if (cn->pending == 0 && now >= cn->next_round)
			send_round(cn, now);
	} else if (cn->job == NULL && !cn->failed && now >= cn->retry_at) {
		conn_start(cn, now);
		changed = 1;
	}
	return changed;
}

void
conn_refresh(struct conn *cn, double now)
{
	cn->next_round = now;
	if (cn->c == NULL && cn->job == NULL && !cn->failed)
		cn->retry_at = now;
}
