/*
 * libmicrohttpd on the libev loop (metrics-http.h).
 *
 * MHD is started in "external polling" mode (no MHD_USE_INTERNAL_POLLING
 * _THREAD) with MHD_USE_EPOLL: it keeps its listen socket and connections
 * in an epoll set of its own, whose descriptor becomes readable when any
 * of them is ready. The loop watches that one descriptor; on readiness,
 * and when the timer from MHD_get_timeout() expires, MHD_run() does what
 * is due without blocking, and the timer is set again. MHD_get_timeout()
 * must be obeyed even without readiness (MHD's documentation: data may be
 * pending in its buffers), which the timer does.
 *
 * Bounds: METRICS_HTTP_MAX_CONNS connections (beyond, MHD leaves new ones
 * in the listen queue until one closes),
 * each closed after METRICS_HTTP_TIMEOUT idle seconds, requests in MHD's
 * default 32 KiB of memory per connection; a request body is refused, as
 * only GET and HEAD are answered.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>
#include <microhttpd.h>

#include "log.h"
#include "metrics-http.h"

#define CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

struct metrics_http {
	struct ev_loop		*loop;
	struct MHD_Daemon	*mhd;
	ev_io			 io;
	ev_timer		 timer;
	metrics_page_fn		*page;
	void			*arg;
	char			 where[64];	/* for log lines */
};

static void __attribute__((format(printf, 2, 0)))
mhd_log(void *arg, const char *fmt, va_list ap)
{
	struct metrics_http *m = arg;
	char buf[256];
	size_t n;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	log_warnx("metrics %s: %s", m->where, buf);
}

static enum MHD_Result
reply_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *r;
	enum MHD_Result rv;

	r = MHD_create_response_from_buffer(strlen(text), (void *)text,
	    MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rv = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rv;
}

static enum MHD_Result
request(void *arg, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_len, void **state)
{
	struct metrics_http *m = arg;
	struct MHD_Response *r;
	enum MHD_Result rv;
	char *page;
	size_t len = 0;

	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "only GET and HEAD\n");
	/* A GET with a body: refuse it rather than read it. */
	if (*upload_len != 0)
		return reply_text(c, MHD_HTTP_BAD_REQUEST,
		    "no body expected\n");
	if (strcmp(url, "/metrics") != 0)
		return reply_text(c, MHD_HTTP_NOT_FOUND,
		    "not found: argod serves /metrics\n");
	if ((page = m->page(m->arg, &len)) == NULL)
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "out of memory\n");
	r = MHD_create_response_from_buffer(len, page, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(page);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	rv = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rv;
}

static unsigned
nconns(struct metrics_http *m)
{
	const union MHD_DaemonInfo *i;

	i = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	return i != NULL ? i->num_connections : 0;
}

/*
 * Do what is due and ask MHD when to come back. At the connection limit
 * MHD takes its listen socket out of its epoll set, and puts it back
 * only at the start of a later MHD_run(); when the run that closed
 * connections leaves nothing pending (MHD_get_timeout() says no), no
 * later run would come and the server would accept nothing more. So a
 * run that closed connections is followed by another.
 */
static void
run(struct metrics_http *m)
{
	MHD_UNSIGNED_LONG_LONG ms;
	unsigned before = nconns(m);

	MHD_run(m->mhd);
	if (nconns(m) < before)
		MHD_run(m->mhd);
	ev_timer_stop(m->loop, &m->timer);
	if (MHD_get_timeout(m->mhd, &ms) == MHD_YES) {
		ev_timer_set(&m->timer, (double)ms / 1000.0, 0);
		ev_timer_start(m->loop, &m->timer);
	}
}

static void
io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	run(w->data);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	run(w->data);
}

struct metrics_http *
metrics_http_open(struct ev_loop *loop, const struct conf_addr *a,
    metrics_page_fn *page, void *arg)
{
	struct metrics_http *m;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;

	m = xcalloc(1, sizeof(*m));
	m->loop = loop;
	m->page = page;
	m->arg = arg;
	snprintf(m->where, sizeof(m->where), a->ss.ss_family == AF_INET6 ?
	    "[%s]:%u" : "%s:%u", a->host, a->port);
	if (a->ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	m->mhd = MHD_start_daemon(flags, (uint16_t)a->port, NULL, NULL,
	    request, m,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, m,
	    MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&a->ss,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_HTTP_MAX_CONNS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_HTTP_TIMEOUT,
	    MHD_OPTION_END);
	if (m->mhd == NULL) {
		log_warnx("metrics listen %s: cannot start the HTTP server "
		    "(address in use or not local?)", m->where);
		free(m);
		return NULL;
	}
	info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL || info->epoll_fd < 0) {
		log_warnx("metrics listen %s: libmicrohttpd has no epoll "
		    "descriptor", m->where);
		MHD_stop_daemon(m->mhd);
		free(m);
		return NULL;
	}
	ev_io_init(&m->io, io_cb, info->epoll_fd, EV_READ);
	m->io.data = m;
	ev_io_start(loop, &m->io);
	ev_timer_init(&m->timer, timer_cb, 0, 0);
	m->timer.data = m;
	log_info("metrics on http://%s/metrics", m->where);
	return m;
}

void
metrics_http_close(struct metrics_http *m)
{
	if (m == NULL)
		return;
	ev_io_stop(m->loop, &m->io);
	ev_timer_stop(m->loop, &m->timer);
	MHD_stop_daemon(m->mhd);
	free(m);
}
