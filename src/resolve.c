/*
 * c-ares on libev (resolve.h). c-ares reports each socket it wants
 * watched through the socket state callback (readable, writable; both 0
 * when it closes it) and its next deadline through ares_timeout(); each
 * wake-up, I/O or timer, goes to ares_process_fd(), after which the
 * timer is set again from ares_timeout().
 *
 * A cancelled request stays allocated until c-ares answers it (c-ares
 * has no per-query cancel); its callback then frees it quietly.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>
#include <ev.h>

#include "log.h"
#include "resolve.h"

#define RESOLVE_TIMEOUT_MS	1000	/* per try */
#define RESOLVE_TRIES		2

struct resolve_sock {
	struct resolver		*r;
	ares_socket_t		 fd;
	ev_io			 w;
	LIST_ENTRY(resolve_sock) entry;
};

struct resolve_req {
	struct resolver		*r;
	resolve_done_fn		*done;		/* NULL: cancelled */
	void			*arg;
	int			 starting;	/* in resolve_start() */
	int			 answered;	/* while starting */
};

struct resolver {
	struct ev_loop		*loop;
	ares_channel		 ch;
	ev_timer		 timer;
	int			 destroying;
	LIST_HEAD(, resolve_sock) socks;
};

static void
rearm(struct resolver *r)
{
	struct timeval tv, *tvp;

	ev_timer_stop(r->loop, &r->timer);
	if ((tvp = ares_timeout(r->ch, NULL, &tv)) == NULL)
		return;
	ev_timer_set(&r->timer, (double)tvp->tv_sec +
	    (double)tvp->tv_usec / 1e6, 0);
	ev_timer_start(r->loop, &r->timer);
}

static void
io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct resolve_sock *s = w->data;
	struct resolver *r = s->r;
	ares_socket_t fd = s->fd;

	/* s may be freed inside: only copies from here on. */
	ares_process_fd(r->ch, (revents & EV_READ) ? fd : ARES_SOCKET_BAD,
	    (revents & EV_WRITE) ? fd : ARES_SOCKET_BAD);
	rearm(r);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct resolver *r = w->data;

	ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	rearm(r);
}

static void
sock_state_cb(void *data, ares_socket_t fd, int readable, int writable)
{
	struct resolver *r = data;
	struct resolve_sock *s;
	int events = (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0);

	LIST_FOREACH(s, &r->socks, entry)
		if (s->fd == fd)
			break;
	if (events == 0) {
		if (s != NULL) {
			ev_io_stop(r->loop, &s->w);
			LIST_REMOVE(s, entry);
			free(s);
		}
		return;
	}
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->r = r;
		s->fd = fd;
		ev_io_init(&s->w, io_cb, fd, events);
		s->w.data = s;
		LIST_INSERT_HEAD(&r->socks, s, entry);
	} else {
		ev_io_stop(r->loop, &s->w);
		ev_io_set(&s->w, fd, events);
	}
	ev_io_start(r->loop, &s->w);
}

struct resolver *
resolve_new(struct ev_loop *loop)
{
	static int inited;
	struct ares_options o;
	struct resolver *r;
	int rc;

	if (!inited) {
		if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) !=
		    ARES_SUCCESS) {
			log_warnx("ares_library_init: %s", ares_strerror(rc));
			return NULL;
		}
		inited = 1;
	}
	r = xcalloc(1, sizeof(*r));
	r->loop = loop;
	LIST_INIT(&r->socks);
	ev_timer_init(&r->timer, timer_cb, 0, 0);
	r->timer.data = r;
	memset(&o, 0, sizeof(o));
	o.sock_state_cb = sock_state_cb;
	o.sock_state_cb_data = r;
	o.timeout = RESOLVE_TIMEOUT_MS;
	o.tries = RESOLVE_TRIES;
	if ((rc = ares_init_options(&r->ch, &o, ARES_OPT_SOCK_STATE_CB |
	    ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES)) != ARES_SUCCESS) {
		log_warnx("c-ares: %s", ares_strerror(rc));
		free(r);
		return NULL;
	}
	return r;
}

void
resolve_free(struct resolver *r)
{
	struct resolve_sock *s;

	if (r == NULL)
		return;
	/* Pending callbacks run with ARES_EDESTRUCTION and free their
	 * requests without calling done. */
	r->destroying = 1;
	ares_destroy(r->ch);
	while ((s = LIST_FIRST(&r->socks)) != NULL) {
		ev_io_stop(r->loop, &s->w);
		LIST_REMOVE(s, entry);
		free(s);
	}
	ev_timer_stop(r->loop, &r->timer);
	free(r);
}

/* The first IPv4 address, else the first IPv6; its TTL. */
static int
pick(const struct ares_addrinfo *ai, char *buf, size_t len, uint32_t *ttl)
{
	const struct ares_addrinfo_node *n, *best = NULL;
	const void *a;

	for (n = ai != NULL ? ai->nodes : NULL; n != NULL; n = n->ai_next) {
		if (n->ai_family == AF_INET) {
			best = n;
			break;
		}
		if (n->ai_family == AF_INET6 && best == NULL)
			best = n;
	}
	if (best == NULL)
		return -1;
	if (best->ai_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)
		    best->ai_addr)->sin_addr;
	else
		a = &((const struct sockaddr_in6 *)(const void *)
		    best->ai_addr)->sin6_addr;
	if (inet_ntop(best->ai_family, a, buf, (socklen_t)len) == NULL)
		return -1;
	*ttl = best->ai_ttl > 0 ? (uint32_t)best->ai_ttl : 0;
	return 0;
}

static void
answer_cb(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
	struct resolve_req *q = arg;
	char addr[INET6_ADDRSTRLEN];
	uint32_t ttl = 0;

	if (status == ARES_EDESTRUCTION || q->done == NULL)
		;
	else if (status != ARES_SUCCESS)
		q->done(q->arg, 0, ares_strerror(status), NULL, 0);
	else if (pick(ai, addr, sizeof(addr), &ttl) == -1)
		q->done(q->arg, 0, "no IPv4 or IPv6 address", NULL, 0);
	else
		q->done(q->arg, 1, NULL, addr, ttl);
	ares_freeaddrinfo(ai);
	if (q->starting)
		q->answered = 1;
	else
		free(q);
}

struct resolve_req *
resolve_start(struct resolver *r, const char *host, resolve_done_fn *done,
    void *arg)
{
	struct ares_addrinfo_hints h;
	struct resolve_req *q;

	q = xcalloc(1, sizeof(*q));
	q->r = r;
	q->done = done;
	q->arg = arg;
	memset(&h, 0, sizeof(h));
	h.ai_family = AF_UNSPEC;
	h.ai_socktype = SOCK_STREAM;
	/* c-ares may answer at once (/etc/hosts, a malformed name): then
	 * done has run before this returns, and there is nothing to cancel. */
	q->starting = 1;
	ares_getaddrinfo(r->ch, host, NULL, &h, answer_cb, q);
	q->starting = 0;
	if (q->answered) {
		free(q);
		return NULL;
	}
	rearm(r);
	return q;
}

void
resolve_cancel(struct resolve_req *q)
{
	if (q != NULL)
		q->done = NULL;
}
