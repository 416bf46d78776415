/*
 * The metrics endpoint (argod.conf(5) "metrics listen"): an HTTP server
 * for GET /metrics, run by libmicrohttpd on the daemon's libev loop.
 *
 * libmicrohttpd runs without threads of its own, in its epoll mode: its
 * epoll descriptor is one ev_io in the loop, and MHD_get_timeout() arms
 * one ev_timer for its connection timeouts, so a request is served on
 * the loop thread between two engine events and the page reads the
 * engine directly, with no lock and no copy. The page comes from the
 * caller's function; this file knows HTTP only.
 */
#ifndef ARGO_METRICS_HTTP_H
#define ARGO_METRICS_HTTP_H

#include <stddef.h>

#include "conf.h"

/* Connections at once, and how long an idle one is kept (seconds). */
#define METRICS_HTTP_MAX_CONNS	16
#define METRICS_HTTP_TIMEOUT	10

struct ev_loop;
struct metrics_http;

/* A page to send, malloc()ed (freed by this module), or NULL. */
typedef char	*metrics_page_fn(void *arg, size_t *len);

/* NULL (logged) when the address cannot be bound. */
struct metrics_http	*metrics_http_open(struct ev_loop *,
			    const struct conf_addr *, metrics_page_fn *,
			    void *arg);
void			 metrics_http_close(struct metrics_http *);

#endif
