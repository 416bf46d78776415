/*
 * argod: the PoP daemon. This file is the I/O around the sans-I/O engine:
 * UDP sockets with kernel receive timestamps, the libev loop, signals,
 * the pidfile and the status sockets. All protocol logic is in engine.c.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "conf.h"
#include "ctl.h"
#include "ctl-proto.h"
#include "engine.h"
#include "kern.h"
#include "lmcheck.h"
#include "ctl-cmd.h"
#include "loopstat.h"
#include "peeraddr.h"
#include "log.h"
#include "metrics.h"
#include "metrics-http.h"
#include "notify.h"
#include "prefix.h"
#include "priv.h"
#include "wire.h"
#include "cachefile.h"
#include "routelog.h"

#define MAX_SOCKS	8

struct sock {
	int		 fd;
	int		 family;
	ev_io		 w;
	uint32_t	 ovfl;		/* last SO_RXQ_OVFL count */
	uint64_t	 last_rx;	/* when the last datagram was read */
};

/*
 * Datagrams read per readiness event. Enough to empty a queue that a
 * burst filled (the queue, not the loop, is where a flood costs probes),
 * bounded so that timers and the other sockets still run in between.
 */
#define SOCK_BUDGET	512

static struct {
	struct ev_loop	*loop;
	struct conf	*conf;
	struct engine	*engine;
	struct sock	 socks[MAX_SOCKS];
	size_t		 nsocks;
	ev_timer	 timer;
	ev_prepare	 loop_prepare;	/* loopstat.h */
	ev_check	 loop_check;
	struct loopstat	 loopstat;
	ev_signal	 sighup, sigterm, sigint;
	struct ctl	*ctl, *ctl_ro;
	struct kern	*kern;
	struct lmcheck	*lm;		/* origin checks; NULL: no libcurl */
	int		 rules_dirty;	/* routes learnt or forgotten */
	struct peeraddr	*peeraddr;	/* peers by host name */
	ev_timer	 kern_timer;
	struct metrics_http *metrics;	/* NULL: no metrics listen */
	struct cachefile *cachefile;	/* cache-include */
	int		 tiers_dirty;	/* the include file may change */
	uint64_t	 cache_gen;	/* engine_cache_generation() then */
	struct metrics_hist spf_hist;	/* SPF times, seconds */
	uint64_t	 spf_start;
	uint64_t	 started;
	int		 pidfd;
	struct log_limit send_limit;
	struct log_limit drop_limit;
	struct routelog	*routelog;	/* argoctl changes */
} d;

static uint64_t
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

static uint64_t
real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

/*
 * The boot id must grow across restarts, or peers take the new life's
 * datagrams for replays and its rows and probe numbers for the old
 * ones. It is wall-clock seconds, and a restart within the same second
 * would reuse it: take the next second and wait for it to begin, so it
 * is above the boot id of every earlier start (up to a second's delay).
 */
static uint32_t
new_boot_id(void)
{
	uint64_t boot = real_now() / SEC + 1, t;
	struct timespec ts;

	while ((t = real_now()) < boot * SEC) {
		ts.tv_sec = (time_t)((boot * SEC - t) / SEC);
		ts.tv_nsec = (long)((boot * SEC - t) % SEC);
		nanosleep(&ts, NULL);
	}
	return (uint32_t)boot;
}
static void	push_rules(void);

/* After the engine ran: its next deadline, and rules it made stale. */
static void
rearm(void)
{
	uint64_t now = mono_now(), dl = engine_next_deadline(d.engine);
	double after = dl > now ? (double)(dl - now) / 1e9 : 0;

	if (d.rules_dirty) {
		d.rules_dirty = 0;
		push_rules();
	}
	ev_timer_stop(d.loop, &d.timer);
	ev_timer_set(&d.timer, after, 0);
	ev_timer_start(d.loop, &d.timer);
}

static int
addr_eq(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a,
		    *y = (const void *)b;

		return x->sin_port == y->sin_port &&
		    x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a,
		    *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		    memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
	}
	return 0;
}

/*
 * Peers by source address and port, for every datagram read: open
 * addressing over indices + 1 (0 empty), at most half full, rebuilt
 * whenever an address may have changed (configuration, reload, a host
 * name resolved anew). The linear scan it replaces was O(peers) per
 * datagram. Two peers on one address: the first, as the scan found.
 */
static struct {
	uint32_t	*v;
	size_t		 cap;		/* power of two */
} peer_tab;

static uint64_t
addr_hash(const struct sockaddr_storage *ss)
{
	const uint8_t *b;
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */
	size_t n, i;
	uint16_t port;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)ss;

		b = (const uint8_t *)&x->sin_addr;
		n = 4;
		port = x->sin_port;
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)ss;

		b = (const uint8_t *)&x->sin6_addr;
		n = 16;
		port = x->sin6_port;
	} else
		return 0;
	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	h = (h ^ (port & 0xff)) * 0x100000001b3ULL;
	h = (h ^ (port >> 8)) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

static void
peer_tab_build(void)
{
	size_t i, k, cap = 16, n = d.conf->ec.npeers;

	while (cap < 2 * n)
		cap *= 2;
	free(peer_tab.v);
	peer_tab.v = xcalloc(cap, sizeof(*peer_tab.v));
	peer_tab.cap = cap;
	for (i = 0; i < n; i++) {
		const struct sockaddr_storage *ss = &d.conf->peers[i].addr.ss;

		if (d.conf->peers[i].addr.sslen == 0)
			continue;	/* not resolved yet */
		for (k = addr_hash(ss) & (cap - 1); peer_tab.v[k] != 0;
		    k = (k + 1) & (cap - 1))
			if (addr_eq(ss, &d.conf->peers[peer_tab.v[k] - 1].
			    addr.ss))
				break;
		if (peer_tab.v[k] == 0)
			peer_tab.v[k] = (uint32_t)i + 1;
	}
}

static long
peer_of(const struct sockaddr_storage *ss)
{
	size_t k, cap = peer_tab.cap;
	uint32_t i;

	if (cap == 0)
		return -1;
	for (k = addr_hash(ss) & (cap - 1); (i = peer_tab.v[k]) != 0;
	    k = (k + 1) & (cap - 1))
		if (i - 1 < d.conf->ec.npeers &&
		    addr_eq(ss, &d.conf->peers[i - 1].addr.ss))
			return (long)i - 1;
	return -1;
}

static void
engine_send(void *arg, size_t peer, const void *buf, size_t len)
{
	const struct conf_addr *a = &d.conf->peers[peer].addr;
	uint64_t sup;
	size_t i;

	if (a->sslen == 0)
		return;		/* a host name not resolved yet */
	for (i = 0; i < d.nsocks; i++) {
		if (d.socks[i].family != a->ss.ss_family)
			continue;
		if (sendto(d.socks[i].fd, buf, len, 0,
		    (const struct sockaddr *)&a->ss, a->sslen) == -1 &&
		    log_ratelimited(&d.send_limit, mono_now(), &sup))
			log_warn("send to %s (%s)%s",
			    d.conf->ec.peers[peer].name, a->host,
			    sup ? " (more suppressed)" : "");
		return;
	}
	if (log_ratelimited(&d.send_limit, mono_now(), &sup))
		log_warnx("no %s socket to reach peer %s",
		    a->ss.ss_family == AF_INET6 ? "IPv6" : "IPv4",
		    d.conf->ec.peers[peer].name);
}

static void
engine_link_event(void *arg, const struct engine_link_event *ev)
{
	log_info("link %s: %s -> %s", ev->name, link_state_name(ev->from),
	    link_state_name(ev->to));
	if (d.ctl)
		ctl_link_event(d.ctl, ev);
	if (d.ctl_ro)
		ctl_link_event(d.ctl_ro, ev);
}

/*
 * Forwarding: a route goes into the kernel towards the underlay address
 * of its next hop, which is always a configured peer. Local egress and
 * unreachable prefixes have no route in our table: the egress PoP hands
 * packets to the origin by its main table.
 */
static void
route_to_kernel(const struct engine_route *r)
{
	struct kern_addr nh;
	size_t i;

	if (d.kern == NULL || r->prefix == NULL)
		return;
	if (!r->reachable || r->next_hop == d.conf->ec.id) {
		kern_route_set(d.kern, &r->pfx, NULL);
		return;
	}
	for (i = 0; i < d.conf->ec.npeers; i++)
		if (d.conf->ec.peers[i].id == r->next_hop)
			break;
	if (i == d.conf->ec.npeers) {
		log_warnx("route %s: next hop %s is no configured peer",
		    r->prefix, r->next_hop_name ? r->next_hop_name : "?");
		kern_route_set(d.kern, &r->pfx, NULL);
		return;
	}
	memset(&nh, 0, sizeof(nh));
	if (d.conf->peers[i].addr.sslen == 0) {
		/* a host name not resolved yet: no way there */
		kern_route_set(d.kern, &r->pfx, NULL);
		return;
	}
	nh.family = d.conf->peers[i].addr.ss.ss_family;
	if (nh.family == AF_INET)
		memcpy(nh.addr, &((const struct sockaddr_in *)(const void *)
		    &d.conf->peers[i].addr.ss)->sin_addr, 4);
	else
		memcpy(nh.addr, &((const struct sockaddr_in6 *)(const void *)
		    &d.conf->peers[i].addr.ss)->sin6_addr, 16);
	kern_route_set(d.kern, &r->pfx, &nh);
}

static void
push_routes(void)
{
	size_t i;

	for (i = 0; i < engine_nroutes(d.engine); i++)
		route_to_kernel(engine_route(d.engine, i));
}

/*
 * One rule per origin prefix the engine routes: those of the config and
 * those learnt from the database.
 */
static void
push_rules(void)
{
	struct prefix *v;
	size_t i, n;

	if (d.kern == NULL)
		return;
	n = engine_nroutes(d.engine);
	v = xcalloc(n ? n : 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = engine_route(d.engine, i)->pfx;
	kern_rules_set(d.kern, v, n);
	free(v);
}

static void
kern_changed(void *arg)
{
	push_rules();
	push_routes();
}

/*
 * Routes of a previous incarnation stay in the kernel while this one
 * converges (no gap after a restart); once it has had time to learn the
 * overlay, whatever it does not want is removed. Then the same check runs
 * periodically to repair drift (someone else deleting our routes).
 */
#define KERN_SETTLE	3.0
#define KERN_RESYNC	30.0

static void
kern_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	kern_reconcile(d.kern);
	ev_timer_set(&d.kern_timer, KERN_RESYNC, 0);
	ev_timer_start(loop, &d.kern_timer);
}

static void
engine_route_event(void *arg, const struct engine_route_event *ev)
{
	const struct engine_route *r = ev->new != NULL ? ev->new : ev->old;

	log_info("route %s %s: %s via %s", r->origin, r->prefix,
	    ev->new != NULL ? r->egress_name : "unreachable",
	    ev->new != NULL && r->next_hop_name ? r->next_hop_name : "-");
	if (d.routelog != NULL)
		routelog_add(d.routelog, d.engine, ev, mono_now());
	if (d.ctl)
		ctl_route_event(d.ctl, ev);
	if (d.ctl_ro)
		ctl_route_event(d.ctl_ro, ev);
	if (ev->new != NULL)
		route_to_kernel(ev->new);
	else if (ev->old != NULL && d.kern != NULL)
		kern_route_set(d.kern, &ev->old->pfx, NULL);
	/* an origin learnt or forgotten: its prefixes' rules follow */
	if ((ev->old == NULL || ev->new == NULL) && !r->is_static)
		d.rules_dirty = 1;
}

static void
engine_tier_event(void *arg, const struct engine_tier_event *ev)
{
	const struct engine_tier *t = ev->new;

	if (t != NULL && t->role == TIER_LOWER)
		log_info("tier %s: lower, parent %s, fallback %s", t->origin,
		    t->parent_name ? t->parent_name : "?",
		    t->fallback_name ? t->fallback_name : "the origin");
	else if (t != NULL)
		log_info("tier %s: upper", t->origin);
	else
		log_info("tier %s: gone", ev->old->origin);
	if (d.ctl)
		ctl_tier_event(d.ctl, ev);
	if (d.ctl_ro)
		ctl_tier_event(d.ctl_ro, ev);
	d.tiers_dirty = 1;
}

/*
 * A last-mile check ended: the engine advertises its result (damped,
 * engine-origin.c); a change of health is also news for monitors.
 */
/* A peer's host name resolved to a new address: routes through it follow. */
static void
peer_moved(void *arg, size_t peer)
{
	size_t i;

	peer_tab_build();	/* datagrams now come from the new address */
	for (i = 0; i < engine_nroutes(d.engine); i++) {
		const struct engine_route *r = engine_route(d.engine, i);

		if (r->reachable && r->next_hop == d.conf->ec.peers[peer].id)
			route_to_kernel(r);
	}
}

static void
peer_address(void *arg, size_t peer, struct ctl_peer_addr *pa)
{
	struct peeraddr_info pi;
	const struct conf_addr *a;

	memset(pa, 0, sizeof(*pa));
	if (peer >= d.conf->ec.npeers)
		return;
	a = &d.conf->peers[peer].addr;
	peeraddr_info(d.peeraddr, peer, &pi);
	pa->host = a->is_hostname ? a->host : NULL;
	pa->error = pi.error;
	pa->has_addr = a->sslen != 0;
	pa->ss = a->ss;
}

static void
loop_check_cb(struct ev_loop *loop, ev_check *w, int revents)
{
	loopstat_woke(&d.loopstat, mono_now());
}

static void
loop_prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	/* after the engine's work of this iteration: one write per batch */
	/* ... and after a cache address in the database changed */
	if ((d.tiers_dirty || d.cache_gen !=
	    engine_cache_generation(d.engine)) && d.cachefile != NULL) {
		d.tiers_dirty = 0;
		d.cache_gen = engine_cache_generation(d.engine);
		cachefile_update(d.cachefile, d.conf, d.engine);
	}
	loopstat_sleeps(&d.loopstat, mono_now());
}

static void
origin_event(void *arg, const struct lmcheck_event *ev)
{
	struct engine_lastmile lm;

	lm.health = ev->to == LASTMILE_HEALTHY ? WIRE_ORIGIN_HEALTHY :
	    ev->to == LASTMILE_UNHEALTHY ? WIRE_ORIGIN_UNHEALTHY :
	    WIRE_ORIGIN_UNKNOWN;
	lm.cost_ms = lastmile_cost_ms(ev->lm);
	if (d.engine != NULL &&
	    engine_lastmile(d.engine, mono_now(), ev->origin, &lm) == 0)
		rearm();
	if (!ev->changed)
		return;
	if (d.ctl)
		ctl_origin_event(d.ctl, ev);
	if (d.ctl_ro)
		ctl_origin_event(d.ctl_ro, ev);
}

/* The engine has no clock: SPF is timed here, for the metrics. */
static void
engine_spf(void *arg, int done)
{
	uint64_t now = mono_now();

	if (!done)
		d.spf_start = now;
	else if (d.spf_start != 0 && now >= d.spf_start)
		metrics_hist_observe(&d.spf_hist,
		    (double)(now - d.spf_start) / 1e9);
}

static const struct engine_ops ops = {
	.send = engine_send,
	.link_event = engine_link_event,
	.route_event = engine_route_event,
	.spf = engine_spf,
	.tier_event = engine_tier_event,
};

/*
 * The metrics page, on the loop thread (metrics-http.h): the same views
 * of engine, kernel layer and origin checks as the status socket's.
 */
static char *
metrics_page(void *arg, size_t *len)
{
	struct metrics_origin *o;
	struct metrics_src src;
	struct lmcheck_view v;
	size_t i, n = lmcheck_count(d.lm);
	char *page;

	o = xreallocarray(NULL, n > 0 ? n : 1, sizeof(*o));
	for (i = 0; i < n; i++) {
		lmcheck_view(d.lm, i, &v);
		o[i].origin = v.origin;
		o[i].kind = v.check->kind == CONF_CHECK_TCP ? CTL_CHECK_TCP :
		    CTL_CHECK_HTTP;
		o[i].lm = v.lm;
		o[i].running = v.running;
	}
	memset(&src, 0, sizeof(src));
	src.e = d.engine;
	src.now = mono_now();
	src.started = d.started;
	src.version = PACKAGE_VERSION;
	src.kern = d.kern != NULL ? kern_stats(d.kern) : NULL;
	src.kern_dry_run = d.kern != NULL && kern_dry_run(d.kern);
	src.origins = o;
	src.norigins = n;
	src.spf = &d.spf_hist;
	page = metrics_format(&src, len);
	free(o);
	return page;
}

/*
 * The kernel dropped datagrams for a full receive queue (a flood, or a
 * stall of this process): the engine must not read those as link loss.
 */
static void
host_drops(struct sock *s, uint32_t ovfl, uint64_t now)
{
	uint32_t n = ovfl - s->ovfl;
	uint64_t sup;

	s->ovfl = ovfl;
	/* dropped after the datagram read before, before this one */
	engine_host_drops(d.engine, s->last_rx ? s->last_rx : now, now, n);
	if (log_ratelimited(&d.drop_limit, now, &sup))
		log_warnx("receive queue full: the kernel dropped %u "
		    "datagrams (%llu in all); see receive-buffer in "
		    "argod.conf(5)%s", n, (unsigned long long)
		    engine_counters(d.engine)->rx_host_drops,
		    sup ? " (more suppressed)" : "");
}

static void
sock_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct sock *s = w->data;
	uint8_t buf[WIRE_MTU + 512];
	char cbuf[256];
	struct sockaddr_storage from;
	struct iovec iov;
	struct msghdr msg;
	struct cmsghdr *cm;
	uint64_t now, rx;
	ssize_t n;
	int budget;

	/* Bounded batch so one busy socket cannot starve the others. */
	for (budget = 0; budget < SOCK_BUDGET; budget++) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = buf;
		iov.iov_len = sizeof(buf);
		msg.msg_name = &from;
		msg.msg_namelen = sizeof(from);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		n = recvmsg(s->fd, &msg, MSG_DONTWAIT);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_warn("recvmsg");
			break;
		}
		now = mono_now();
		rx = now;
		for (cm = CMSG_FIRSTHDR(&msg); cm != NULL;
		    cm = CMSG_NXTHDR(&msg, cm)) {
			struct timespec ts;
			uint64_t real, rnow;
			uint32_t ovfl;

			if (cm->cmsg_level != SOL_SOCKET)
				continue;
			if (cm->cmsg_type == SO_RXQ_OVFL &&
			    cm->cmsg_len >= CMSG_LEN(sizeof(ovfl))) {
				/* drops since the socket was made, mod 2^32 */
				memcpy(&ovfl, CMSG_DATA(cm), sizeof(ovfl));
				if (ovfl != s->ovfl)
					host_drops(s, ovfl, now);
				continue;
			}
			if (cm->cmsg_type != SCM_TIMESTAMPNS)
				continue;
			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			/*
			 * The kernel stamps CLOCK_REALTIME; the engine runs
			 * on CLOCK_MONOTONIC. Both clocks are read back to
			 * back, so the offset is exact to within ns unless
			 * the wall clock is stepped in between.
			 */
			real = (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
			rnow = real_now();
			now = mono_now();
			if (real <= rnow && rnow - real < now)
				rx = now - (rnow - real);
		}
		s->last_rx = now;
		if ((msg.msg_flags & MSG_TRUNC) != 0) {
			engine_input(d.engine, now, peer_of(&from), buf, 0, rx);
			continue;
		}
		engine_input(d.engine, now, peer_of(&from), buf, (size_t)n,
		    rx);
	}
	rearm();
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	engine_run(d.engine, mono_now());
	rearm();
}

static void
socks_close(void)
{
	size_t i;

	for (i = 0; i < d.nsocks; i++) {
		ev_io_stop(d.loop, &d.socks[i].w);
		close(d.socks[i].fd);
	}
	d.nsocks = 0;
}

/*
 * SO_RCVBUFFORCE passes net.core.rmem_max, with CAP_NET_ADMIN; without
 * it SO_RCVBUF is capped there silently, so say what we got. The kernel
 * doubles the value for its bookkeeping and reports it doubled.
 */
static void
rcvbuf_set(int fd, const struct conf_addr *a, size_t want)
{
	int v = want > INT_MAX / 2 ? INT_MAX / 2 : (int)want, got = 0;
	socklen_t len = sizeof(got);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) == -1 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) == -1) {
		log_warn("receive-buffer on %s", a->host);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) == 0 &&
	    (size_t)got / 2 < want)
		log_warnx("receive-buffer on %s: %zu bytes asked for, the "
		    "kernel gave %d (raise net.core.rmem_max, or run with "
		    "CAP_NET_ADMIN)", a->host, want, got / 2);
	else
		log_debug("receive buffer on %s: %d bytes", a->host, got / 2);
}

static int
socks_open(const struct conf *c)
{
	size_t i;
	int fd, on = 1;

	for (i = 0; i < c->nlisten && i < MAX_SOCKS; i++) {
		const struct conf_addr *a = &c->listen[i];
		struct sock *s = &d.socks[d.nsocks];

		fd = socket(a->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (fd == -1) {
			log_warn("socket for listen %s", a->host);
			return -1;
		}
		if (a->ss.ss_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
			    sizeof(on));
		/*
		 * No SO_REUSEADDR or SO_REUSEPORT: on UDP they would let a
		 * second daemon bind the same port and take this one's
		 * datagrams (issue 13, item 7). Nothing lingers after a
		 * UDP close, so restarts do not need them.
		 */
		if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on,
		    sizeof(on)) == -1)
			log_warn("SO_TIMESTAMPNS on %s: RTT from user-space "
			    "receive times", a->host);
		if (setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on,
		    sizeof(on)) == -1)
			log_warn("SO_RXQ_OVFL on %s: the host's own drops "
			    "will look like link loss", a->host);
		rcvbuf_set(fd, a, c->receive_buffer);
		if (bind(fd, (const struct sockaddr *)&a->ss, a->sslen) ==
		    -1) {
			if (errno == EADDRINUSE)
				log_warnx("bind %s port %u: address in use, "
				    "by another argod or another program (ss "
				    "-ulpn shows which)", a->host, a->port);
			else
				log_warn("bind %s port %u", a->host, a->port);
			close(fd);
			return -1;
		}
		s->fd = fd;
		s->family = a->ss.ss_family;
		s->ovfl = 0;
		s->last_rx = 0;
		ev_io_init(&s->w, sock_cb, fd, EV_READ);
		/*
		 * Datagrams before timers when both are due (after a stall of
		 * this process): the engine must hear what waits in the
		 * socket before it judges a peer's silence (nbr_silent_at).
		 * libev runs the watchers of one priority last queued first,
		 * and timers are queued after I/O.
		 */
		ev_set_priority(&s->w, EV_MAXPRI);
		s->w.data = s;
		ev_io_start(d.loop, &s->w);
		d.nsocks++;
	}
	return 0;
}

static int
listen_equal(const struct conf *a, const struct conf *b)
{
	size_t i;

	if (a->nlisten != b->nlisten)
		return 0;
	for (i = 0; i < a->nlisten; i++)
		if (!addr_eq(&a->listen[i].ss, &b->listen[i].ss))
			return 0;
	return 1;
}

static int
has_prefix(const struct conf *c, const struct prefix *p)
{
	size_t i, j;

	for (i = 0; i < c->ec.norigins; i++)
		for (j = 0; j < c->ec.origins[i].nprefixes; j++)
			if (prefix_equal(&c->ec.origins[i].prefixes[j], p))
				return 1;
	return 0;
}

static void
forget_removed_prefixes(const struct conf *old, const struct conf *nc)
{
	size_t i, j;

	for (i = 0; i < old->ec.norigins; i++)
		for (j = 0; j < old->ec.origins[i].nprefixes; j++)
			if (!has_prefix(nc, &old->ec.origins[i].prefixes[j]))
				kern_route_set(d.kern,
				    &old->ec.origins[i].prefixes[j], NULL);
}

static void	ctl_configure(struct ctl *, const struct conf *);

/*
 * Parse the config for a reload: the file:line messages go to the log
 * (stderr is /dev/null once detached) and, on failure, into err, so that
 * the operator who asked sees what argod -n would have printed.
 */
static struct conf *
reload_parse(char *err, size_t errlen)
{
	struct conf *nc;
	char *buf = NULL, *line, *next;
	size_t len = 0, off;
	FILE *report;

	if ((report = open_memstream(&buf, &len)) == NULL) {
		log_warn("reload: open_memstream");
		nc = conf_parse(d.conf->file);
	} else {
		nc = conf_parse_report(d.conf->file, report);
		fclose(report);
	}
	if (nc == NULL)
		snprintf(err, errlen, "%s: config has errors; running config "
		    "kept", d.conf->file);
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		log_warnx("%s", line);
		off = strlen(err);
		if (nc == NULL && off + 1 < errlen)
			snprintf(err + off, errlen - off, "\n%s", line);
	}
	if (nc == NULL)
		log_warnx("reload: %s: config has errors; running config kept",
		    d.conf->file);
	free(buf);
	return nc;
}

static int
reload_conf(char *err, size_t errlen)
{
	struct conf *nc;

	log_info("reloading %s", d.conf->file);
	err[0] = '\0';
	if ((nc = reload_parse(err, errlen)) == NULL)
		return -1;
	if (engine_reconfigure(d.engine, &nc->ec, mono_now()) == -1) {
		log_warnx("reload: node name changed (%s -> %s); restart "
		    "argod to rename a PoP", d.conf->ec.name, nc->ec.name);
		snprintf(err, errlen, "node name cannot change on reload");
		conf_free(nc);
		return -1;
	}
	forget_removed_prefixes(d.conf, nc);
	if (!listen_equal(d.conf, nc)) {
		socks_close();
		if (socks_open(nc) == -1) {
			log_warnx("reload: new listen addresses failed, "
			    "restoring the old ones");
			socks_close();
			if (socks_open(d.conf) == -1)
				fatalx("cannot restore listen sockets");
		}
	}
	if (strcmp(nc->control, d.conf->control) != 0 ||
	    (nc->control_ro == NULL) != (d.conf->control_ro == NULL) ||
	    (nc->control_ro && strcmp(nc->control_ro, d.conf->control_ro)))
		log_warnx("reload: control socket paths change only on "
		    "restart");
	if ((nc->metrics.host == NULL) != (d.conf->metrics.host == NULL) ||
	    (nc->metrics.host != NULL && (nc->metrics.port !=
	    d.conf->metrics.port || strcmp(nc->metrics.host,
	    d.conf->metrics.host) != 0)))
		log_warnx("reload: metrics listen changes only on restart");
	ctl_configure(d.ctl, nc);
	ctl_configure(d.ctl_ro, nc);
	/* Keep paths the sockets were opened with. */
	free(nc->control);
	nc->control = xstrdup(d.conf->control);
	free(nc->control_ro);
	nc->control_ro = d.conf->control_ro ? xstrdup(d.conf->control_ro) :
	    NULL;
	free(nc->pidfile);
	nc->pidfile = xstrdup(d.conf->pidfile);
	free(nc->metrics.host);
	nc->metrics = d.conf->metrics;
	if (d.conf->metrics.host != NULL)
		nc->metrics.host = xstrdup(d.conf->metrics.host);
	if ((nc->user == NULL) != (d.conf->user == NULL) ||
	    (nc->user != NULL && strcmp(nc->user, d.conf->user) != 0))
		log_warnx("reload: user changes only on restart");
	free(nc->user);
	nc->user = d.conf->user ? xstrdup(d.conf->user) : NULL;
	conf_free(d.conf);
	d.conf = nc;
	peeraddr_configure(d.peeraddr, nc);	/* before routes use them */
	peer_tab_build();
	kern_reconfigure(d.kern, &nc->kern);
	if (d.lm != NULL)
		lmcheck_reconfigure(d.lm, nc);
	push_rules();
	push_routes();
	cachefile_configure(d.cachefile, nc);
	d.tiers_dirty = 1;
	log_info("reloaded: %zu peers, %zu origins", nc->ec.npeers,
	    nc->ec.norigins);
	rearm();
	return 0;
}

/* SIGHUP and the reload command; systemd sees RELOADING=1 then READY=1. */
static int
reload(void *arg, char *err, size_t errlen)
{
	int rv;

	notify_reloading();
	rv = reload_conf(err, errlen);
	notify_ready();
	return rv;
}

static void
signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	char err[CTL_MAX_ERROR];

	if (w->signum == SIGHUP) {
		reload(NULL, err, sizeof(err));
		return;
	}
	log_info("%s: exiting", strsignal(w->signum));
	ev_break(loop, EVBREAK_ALL);
}

/* Open and lock; the pid is written once the process is final. */
static int
pidfile_open(const char *path)
{
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1) {
		log_warn("pidfile %s", path);
		return -1;
	}
	/* the lock belongs to the open file: it survives daemon()'s fork */
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		log_warnx("pidfile %s is locked: is argod already running?",
		    path);
		close(fd);
		return -1;
	}
	return fd;
}

static void
pidfile_write(int fd, const char *path)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 ||
	    pwrite(fd, buf, strlen(buf), 0) != (ssize_t)strlen(buf))
		log_warn("pidfile %s", path);
}

static void
mkparent(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');

	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) == -1 && errno != EEXIST)
			log_warn("mkdir %s", dir);
	}
	free(dir);
}

/* The limits of a status socket from the config (both sockets alike). */
static void
ctl_configure(struct ctl *ctl, const struct conf *c)
{
	struct ctl_limits lim;

	if (ctl == NULL)
		return;
	lim.idle_timeout = (double)c->control_idle_timeout / 1e9;
	lim.max_per_uid = c->control_max_per_user;
	ctl_set_max_output(ctl, c->control_max_output);
	ctl_set_limits(ctl, &lim);
}

static uint64_t
ctl_clock(void)
{
	return mono_now();
}

static const struct ctl_hooks hooks = {
	.reload = reload,
	.kern_changed = kern_changed,
	.peer_address = peer_address,
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: argod [-dnv] [-c file]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	const char *file = CONF_DEFAULT_FILE;
	int ch, check = 0, foreground = 0, verbose = 0;
	uint64_t seed, now;
	uint32_t boot;
	struct priv_user user;

	while ((ch = getopt(argc, argv, "c:dnvV")) != -1) {
		switch (ch) {
		case 'c':
			file = optarg;
			break;
		case 'd':
			foreground = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'V':
			printf("argod %s (protocol %d)\n", PACKAGE_VERSION,
			    CTL_PROTOCOL);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	log_init("argod", LOG_TO_STDERR, verbose);
	if (wire_init() == -1)
		fatalx("libsodium initialisation failed");
	if ((d.conf = conf_parse(file)) == NULL)
		return 1;
	/* daemon() moves to /: reloads must find the file from there. */
	if (!check && file[0] != '/') {
		char *abs = realpath(file, NULL);

		if (abs != NULL) {
			free(d.conf->file);
			d.conf->file = abs;
		}
	}
	if (check) {
		conf_print(stdout, d.conf);
		conf_free(d.conf);
		return 0;
	}

	/*
	 * Everything that can fail because of another program (the pidfile
	 * lock, the UDP ports, the control sockets) is taken before
	 * detaching, so that a start that cannot work exits non-zero with
	 * the reason on the starter's terminal (issue 13, item 7).
	 */
	if (foreground)
		/* under systemd the journal stamps lines itself */
		log_init("argod", log_foreground_dest(), verbose);
	signal(SIGPIPE, SIG_IGN);
	if (d.conf->user != NULL && priv_lookup(d.conf->user, &user) == -1) {
		conf_free(d.conf);
		return 1;
	}
	mkparent(d.conf->pidfile);
	if ((d.pidfd = pidfile_open(d.conf->pidfile)) == -1)
		return 1;

	d.loop = EV_DEFAULT;
	if (socks_open(d.conf) == -1)
		goto fail;
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)getpid() ^ real_now();
	boot = new_boot_id();
	now = mono_now();
	d.routelog = routelog_new(ROUTELOG_DEFAULT_CAPACITY);
	ctl_cmd_routelog(d.routelog);
	d.engine = engine_new(&d.conf->ec, &ops, NULL, now, boot, seed);
	d.started = now;
	d.cachefile = cachefile_new(d.loop);
	cachefile_configure(d.cachefile, d.conf);
	d.tiers_dirty = 1;

	d.ctl = ctl_open(d.loop, d.conf->control, d.conf->control_mode, 0,
	    d.conf->control_max_output, d.engine, &hooks, ctl_clock);
	if (d.ctl == NULL)
		goto fail;
	ctl_configure(d.ctl, d.conf);
	if (d.conf->control_ro != NULL) {
		d.ctl_ro = ctl_open(d.loop, d.conf->control_ro,
		    d.conf->control_ro_mode, 1, d.conf->control_max_output,
		    d.engine, &hooks, ctl_clock);
		if (d.ctl_ro == NULL)
			goto fail;
		ctl_configure(d.ctl_ro, d.conf);
	}
	if (d.conf->metrics.host != NULL && (d.metrics = metrics_http_open(
	    d.loop, &d.conf->metrics, metrics_page, NULL)) == NULL)
		goto fail;

	if (!foreground) {
		if (daemon(0, 0) == -1) {
			log_warn("daemon");
			goto fail;
		}
		/* the epoll set of the loop belongs to the parent */
		ev_loop_fork(d.loop);
		log_init("argod", LOG_TO_SYSLOG, verbose);
	}
	pidfile_write(d.pidfd, d.conf->pidfile);

	d.kern = kern_open(&d.conf->kern);
	push_rules();
	ctl_set_kern(d.ctl, d.kern);
	if (d.ctl_ro != NULL)
		ctl_set_kern(d.ctl_ro, d.kern);
	/* everything is open: the rest needs CAP_NET_ADMIN at most */
	if (d.conf->user != NULL && priv_drop(&user) == -1)
		fatalx("cannot drop privileges to user %s", d.conf->user);
	/* Without libcurl the daemon routes as before, with no checks. */
	d.lm = lmcheck_new(d.loop, d.conf, origin_event, NULL);
	d.peeraddr = peeraddr_new(d.loop, peer_moved, NULL);
	peeraddr_configure(d.peeraddr, d.conf);
	peer_tab_build();
	ctl_set_lastmile(d.ctl, d.lm);
	if (d.ctl_ro)
		ctl_set_lastmile(d.ctl_ro, d.lm);
	ev_timer_init(&d.kern_timer, kern_timer_cb, KERN_SETTLE, 0);
	ev_timer_start(d.loop, &d.kern_timer);

	ev_timer_init(&d.timer, timer_cb, 0, 0);
	/* the check watcher first after poll, so that it times every
	   callback of the iteration */
	ev_check_init(&d.loop_check, loop_check_cb);
	ev_set_priority(&d.loop_check, EV_MAXPRI);
	ev_check_start(d.loop, &d.loop_check);
	ev_prepare_init(&d.loop_prepare, loop_prepare_cb);
	ev_prepare_start(d.loop, &d.loop_prepare);
	ctl_cmd_loopstat(&d.loopstat);
	ev_signal_init(&d.sighup, signal_cb, SIGHUP);
	ev_signal_init(&d.sigterm, signal_cb, SIGTERM);
	ev_signal_init(&d.sigint, signal_cb, SIGINT);
	ev_signal_start(d.loop, &d.sighup);
	ev_signal_start(d.loop, &d.sigterm);
	ev_signal_start(d.loop, &d.sigint);
	log_info("started: node %s, %zu peers, %zu origins, control %s",
	    d.conf->ec.name, d.conf->ec.npeers, d.conf->ec.norigins,
	    d.conf->control);
	rearm();
	notify_init(d.loop, d.engine);
	notify_ready();
	ev_run(d.loop, 0);
	notify_stopping();
	notify_close();

	metrics_http_close(d.metrics);
	if (d.ctl_ro)
		ctl_close(d.ctl_ro);
	ctl_close(d.ctl);
	lmcheck_free(d.lm);
	peeraddr_free(d.peeraddr);
	free(peer_tab.v);
	cachefile_free(d.cachefile);
	socks_close();
	kern_close(d.kern);
	engine_free(d.engine);
	ctl_cmd_routelog(NULL);
	routelog_free(d.routelog);
	unlink(d.conf->pidfile);
	close(d.pidfd);
	conf_free(d.conf);
	ev_loop_destroy(d.loop);
	return 0;

fail:
	metrics_http_close(d.metrics);
	if (d.ctl_ro)
		ctl_close(d.ctl_ro);
	if (d.ctl)
		ctl_close(d.ctl);
	socks_close();
	engine_free(d.engine);
	ctl_cmd_routelog(NULL);
	routelog_free(d.routelog);
	unlink(d.conf->pidfile);
	close(d.pidfd);
	log_warnx("not started: %s", d.conf->file);
	conf_free(d.conf);
	return 1;
}
