/* Peers by host name; see peeraddr.h. */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "peeraddr.h"
#include "resolve.h"

#define TTL_MIN		1
#define TTL_MAX		3600

struct pentry {
	struct peeraddr		*pa;
	char			 name[WIRE_NAME_MAX + 1];
	char			*host;
	unsigned		 port;
	size_t			 peer;		/* index in the config */
	int			 live;		/* in the current config */
	int			 has_addr;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			 text[INET6_ADDRSTRLEN];
	uint32_t		 ttl;
	int			 has_error;
	char			 error[128];
	uint64_t		 lookups, failures;
	struct resolve_req	*req;
	ev_timer		 timer;
};

struct peeraddr {
	struct ev_loop		*loop;
	struct resolver		*res;
	struct conf		*c;
	struct pentry		**v;
	size_t			 n;
	peeraddr_changed_fn	*changed;
	void			*arg;
};

static void	lookup(struct pentry *);

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	lookup(w->data);
}

static void
again_in(struct pentry *e, double s)
{
	ev_timer_stop(e->pa->loop, &e->timer);
	ev_timer_set(&e->timer, s, 0);
	ev_timer_start(e->pa->loop, &e->timer);
}

/* The address into the config's peer, when this entry is one of it. */
static void
publish(struct pentry *e)
{
	struct conf_addr *a;

	if (!e->live || e->pa->c == NULL || e->peer >= e->pa->c->ec.npeers)
		return;
	a = &e->pa->c->peers[e->peer].addr;
	if (e->has_addr) {
		a->ss = e->ss;
		a->sslen = e->sslen;
	} else {
		memset(&a->ss, 0, sizeof(a->ss));
		a->sslen = 0;
	}
}

static void
done_cb(void *arg, int ok, const char *err, const char *addr, uint32_t ttl)
{
	struct pentry *e = arg;
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t sslen = 0;
	int moved;

	e->req = NULL;
	e->lookups++;
	memset(&ss, 0, sizeof(ss));
	if (ok && inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)e->port);
		sslen = sizeof(*sin);
	} else if (ok && inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)e->port);
		sslen = sizeof(*sin6);
	} else if (ok) {
		ok = 0;
		err = "the resolver gave no address";
	}
	if (!ok) {
		e->failures++;
		if (!e->has_error || strcmp(e->error, err) != 0)
			log_warnx("peer %s: resolving %s: %s%s", e->name,
			    e->host, err, e->has_addr ?
			    "; keeping the last address" : "");
		e->has_error = 1;
		snprintf(e->error, sizeof(e->error), "%s", err);
		again_in(e, PEERADDR_RETRY);
		return;
	}
	moved = !e->has_addr || strcmp(e->text, addr) != 0;
	if (moved || e->has_error)
		log_info("peer %s: %s is %s%s", e->name, e->host, addr,
		    !e->has_addr ? "" : moved ? " (moved)" : " again");
	e->has_error = 0;
	e->has_addr = 1;
	e->ss = ss;
	e->sslen = sslen;
	snprintf(e->text, sizeof(e->text), "%s", addr);
	e->ttl = ttl;
	again_in(e, ttl < TTL_MIN ? TTL_MIN : ttl > TTL_MAX ? TTL_MAX : ttl);
	if (moved) {
		publish(e);
		if (e->live && e->pa->changed != NULL)
			e->pa->changed(e->pa->arg, e->peer);
	}
}

static void
lookup(struct pentry *e)
{
	if (e->req != NULL)
		return;
	if (e->pa->res == NULL) {
		if (!e->has_error)
			log_warnx("peer %s: cannot resolve %s: no resolver",
			    e->name, e->host);
		e->has_error = 1;
		snprintf(e->error, sizeof(e->error), "no resolver");
		return;
	}
	/* done_cb() may run before this returns (/etc/hosts) */
	e->req = resolve_start(e->pa->res, e->host, done_cb, e);
}

struct peeraddr *
peeraddr_new(struct ev_loop *loop, peeraddr_changed_fn *changed, void *arg)
{
	struct peeraddr *pa = xcalloc(1, sizeof(*pa));

	pa->loop = loop;
	pa->changed = changed;
	pa->arg = arg;
	return pa;
}

static void
entry_free(struct pentry *e)
{
	if (e->req != NULL)
		resolve_cancel(e->req);
	ev_timer_stop(e->pa->loop, &e->timer);
	free(e->host);
	free(e);
}

void
peeraddr_free(struct peeraddr *pa)
{
	size_t i;

	if (pa == NULL)
		return;
	for (i = 0; i < pa->n; i++)
		entry_free(pa->v[i]);
	free(pa->v);
	resolve_free(pa->res);
	free(pa);
}

void
peeraddr_configure(struct peeraddr *pa, struct conf *c)
{
	struct pentry **nv = NULL, *e;
	size_t i, j, n = 0;

	pa->c = c;
	for (i = 0; i < pa->n; i++)
		pa->v[i]->live = 0;
	for (i = 0; i < c->ec.npeers; i++) {
		const struct conf_addr *a = &c->peers[i].addr;

		if (!a->is_hostname)
			continue;
		for (j = 0; j < pa->n; j++)
			if (pa->v[j] != NULL && !pa->v[j]->live &&
			    strcmp(pa->v[j]->name, c->ec.peers[i].name) == 0 &&
			    strcasecmp(pa->v[j]->host, a->host) == 0 &&
			    pa->v[j]->port == a->port)
				break;
		if (j < pa->n) {
			e = pa->v[j];
			pa->v[j] = NULL;
		} else {
			e = xcalloc(1, sizeof(*e));
			e->pa = pa;
			snprintf(e->name, sizeof(e->name), "%s",
			    c->ec.peers[i].name);
			e->host = xstrdup(a->host);
			e->port = a->port;
			ev_timer_init(&e->timer, timer_cb, 0, 0);
			e->timer.data = e;
		}
		e->peer = i;
		e->live = 1;
		nv = xreallocarray(nv, n + 1, sizeof(*nv));
		nv[n++] = e;
	}
	for (i = 0; i < pa->n; i++)
		if (pa->v[i] != NULL)
			entry_free(pa->v[i]);
	free(pa->v);
	pa->v = nv;
	pa->n = n;
	if (n > 0 && pa->res == NULL)
		pa->res = resolve_new(pa->loop);
	for (i = 0; i < n; i++) {
		publish(pa->v[i]);
		if (!pa->v[i]->has_addr && pa->v[i]->req == NULL &&
		    !ev_is_active(&pa->v[i]->timer))
			lookup(pa->v[i]);
	}
}

void
peeraddr_info(const struct peeraddr *pa, size_t peer,
    struct peeraddr_info *pi)
{
	size_t i;

	memset(pi, 0, sizeof(*pi));
	for (i = 0; pa != NULL && i < pa->n; i++) {
		const struct pentry *e = pa->v[i];

		if (e->peer != peer)
			continue;
		pi->host = e->host;
		pi->has_addr = e->has_addr;
		pi->error = e->has_error ? e->error : NULL;
		pi->ttl = e->ttl;
		pi->lookups = e->lookups;
		pi->failures = e->failures;
		return;
	}
}
