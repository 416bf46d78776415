/*
 * libcurl's multi-socket interface driven by libev (curlev.h). The
 * pattern is the one of libcurl's documentation for event libraries
 * (curl_multi_socket_action(3)): libcurl says which sockets to watch for
 * what through the socket callback and when to call it back through the
 * timer callback; we call curl_multi_socket_action() from the watchers
 * and collect finished transfers with curl_multi_info_read().
 */
#include "config.h"

#include <sys/queue.h>

#include <stdlib.h>

#include <curl/curl.h>
#include <ev.h>

#include "curlev.h"
#include "log.h"

struct curlev {
	struct ev_loop	*loop;
	CURLM		*multi;
	ev_timer	 timer;
	int		 running;
	LIST_HEAD(, curlev_sock) socks;
};

/* One socket libcurl asked us to watch (its socketp). */
struct curlev_sock {
	struct curlev	*cv;
	curl_socket_t	 fd;
	ev_io		 w;
	LIST_ENTRY(curlev_sock) entry;
};

/* One transfer (the easy handle's CURLOPT_PRIVATE). */
struct curlev_xfer {
	curlev_done_fn	*done;
	void		*arg;
};

static void
collect(struct curlev *cv)
{
	struct curlev_xfer *x;
	CURLMsg *m;
	CURL *easy;
	CURLcode rc;
	char *priv;
	int left;

	while ((m = curl_multi_info_read(cv->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		easy = m->easy_handle;
		rc = m->data.result;
		priv = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
		x = (struct curlev_xfer *)(void *)priv;
		curl_multi_remove_handle(cv->multi, easy);
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		if (x != NULL) {
			x->done(x->arg, easy, rc);
			free(x);
		}
	}
}

static void
action(struct curlev *cv, curl_socket_t fd, int what)
{
	CURLMcode mc;

	mc = curl_multi_socket_action(cv->multi, fd, what, &cv->running);
	if (mc != CURLM_OK)
		log_warnx("curl_multi_socket_action: %s",
		    curl_multi_strerror(mc));
	collect(cv);
}

static void
io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct curlev_sock *s = w->data;
	int what = 0;

	if (revents & EV_READ)
		what |= CURL_CSELECT_IN;
	if (revents & EV_WRITE)
		what |= CURL_CSELECT_OUT;
	/* s may be freed inside: use only copies from here on. */
	action(s->cv, s->fd, what);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	action(w->data, CURL_SOCKET_TIMEOUT, 0);
}

static int
socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *sockp)
{
	struct curlev *cv = userp;
	struct curlev_sock *s = sockp;
	int events = 0;

	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			ev_io_stop(cv->loop, &s->w);
			curl_multi_assign(cv->multi, fd, NULL);
			LIST_REMOVE(s, entry);
			free(s);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->cv = cv;
		s->fd = fd;
		ev_io_init(&s->w, io_cb, fd, events);
		s->w.data = s;
		curl_multi_assign(cv->multi, fd, s);
		LIST_INSERT_HEAD(&cv->socks, s, entry);
	} else {
		ev_io_stop(cv->loop, &s->w);
		ev_io_set(&s->w, fd, events);
	}
	ev_io_start(cv->loop, &s->w);
	return 0;
}

/*
 * libcurl wants to be called after timeout_ms (-1: never). Zero means as
 * soon as possible, which is the next loop iteration, never from inside
 * this callback (libcurl may be in the middle of an operation).
 */
static int
timerfn_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct curlev *cv = userp;

	ev_timer_stop(cv->loop, &cv->timer);
	if (timeout_ms >= 0) {
		ev_timer_set(&cv->timer, (double)timeout_ms / 1000.0, 0);
		ev_timer_start(cv->loop, &cv->timer);
	}
	return 0;
}

struct curlev *
curlev_new(struct ev_loop *loop)
{
	static int inited;
	struct curlev *cv;
	CURLcode rc;

	if (!inited) {
		if ((rc = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK) {
			log_warnx("curl_global_init: %s",
			    curl_easy_strerror(rc));
			return NULL;
		}
		inited = 1;
	}
	cv = xcalloc(1, sizeof(*cv));
	cv->loop = loop;
	LIST_INIT(&cv->socks);
	if ((cv->multi = curl_multi_init()) == NULL) {
		log_warnx("curl_multi_init failed");
		free(cv);
		return NULL;
	}
	ev_timer_init(&cv->timer, timer_cb, 0, 0);
	cv->timer.data = cv;
	curl_multi_setopt(cv->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(cv->multi, CURLMOPT_SOCKETDATA, cv);
	curl_multi_setopt(cv->multi, CURLMOPT_TIMERFUNCTION, timerfn_cb);
	curl_multi_setopt(cv->multi, CURLMOPT_TIMERDATA, cv);
	return cv;
}

int
curlev_add(struct curlev *cv, CURL *easy, curlev_done_fn *done, void *arg)
{
	struct curlev_xfer *x;
	CURLMcode mc;

	x = xcalloc(1, sizeof(*x));
	x->done = done;
	x->arg = arg;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, (char *)(void *)x);
	if ((mc = curl_multi_add_handle(cv->multi, easy)) != CURLM_OK) {
		log_warnx("curl_multi_add_handle: %s", curl_multi_strerror(mc));
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		free(x);
		return -1;
	}
	return 0;
}

void
curlev_cancel(struct curlev *cv, CURL *easy)
{
	char *priv = NULL;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
	curl_multi_remove_handle(cv->multi, easy);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
	free(priv);
}

void
curlev_free(struct curlev *cv)
{
	struct curlev_sock *s;

	if (cv == NULL)
		return;
	/* Callers cancel their transfers first. Whether libcurl reports
	 * CURL_POLL_REMOVE for the sockets it closes here depends on its
	 * version: free what it did not. */
	curl_multi_cleanup(cv->multi);
	while ((s = LIST_FIRST(&cv->socks)) != NULL) {
		ev_io_stop(cv->loop, &s->w);
		LIST_REMOVE(s, entry);
		free(s);
	}
	ev_timer_stop(cv->loop, &cv->timer);
	free(cv);
}
