/*
 * Running the last-mile checks (lmcheck.h).
 *
 * Each check is a fresh easy handle on a fresh connection (connect and
 * TLS are part of what is measured), bounded by the check's timeout as a
 * whole (CURLOPT_TIMEOUT_MS: a trickling origin cannot hold it longer),
 * ending at the first bytes of the body (the status and the time of the
 * first byte are what is wanted: a body trickled or endless must not
 * hold the check until its timeout) and following no redirect. A tcp check
 * is a connect-only transfer. The next check is due an interval (with
 * jitter) after the start of the previous one, and never while one is
 * still running, so a check never overlaps itself.
 */
#include "config.h"

#include <sys/random.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <ev.h>

#include "curlev.h"
#include "lmcheck.h"
#include "log.h"
#include "resolve.h"
#include "wire.h"

#define NS		1000000000ULL

struct lmentry {
	struct lmcheck		*lc;
	char			 origin[WIRE_NAME_MAX + 1];
	struct conf_check	 cc;		/* own copy */
	struct lastmile		 lm;
	ev_timer		 timer;
	CURL			*easy;		/* non-NULL while running */
	uint64_t		 started;
	int			 truncated;
	char			 errbuf[CURL_ERROR_SIZE];
	char			*tcp_url;
	struct lmcheck_addr	 addr;
	struct resolve_req	*req;		/* lookup in flight */
	int			 waiting;	/* a check waits for it */
	uint64_t		 req_started;
	struct curl_slist	*resolve;	/* CURLOPT_RESOLVE */
};

struct lmcheck {
	struct ev_loop		*loop;
	struct curlev		*cv;
	struct resolver		*res;		/* NULL: no names */
	struct lmentry		**v;
	size_t			 n;
	uint64_t		 rng;
	lmcheck_event_fn	*event;
	void			*event_arg;
};

static uint64_t
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

/* splitmix64: jitter only, nothing secret. */
static uint64_t
rnd(struct lmcheck *lc)
{
	uint64_t z = (lc->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void	start_check(struct lmentry *);

static void
checked(struct lmentry *e, int changed, enum lastmile_health was,
    const char *why)
{
	struct lmcheck_event ev;

	if (changed)
		log_info("origin %s: %s -> %s%s%s", e->origin,
		    lastmile_health_name(was),
		    lastmile_health_name(e->lm.health),
		    why != NULL ? ": " : "", why != NULL ? why : "");
	if (e->lc->event == NULL)
		return;
	ev.origin = e->origin;
	ev.changed = changed;
	ev.from = was;
	ev.to = e->lm.health;
	ev.reason = why;
	ev.lm = &e->lm;
	e->lc->event(e->lc->event_arg, &ev);
}

static void
arm(struct lmentry *e, uint64_t due)
{
	uint64_t now = mono_now();

	ev_timer_stop(e->lc->loop, &e->timer);
	ev_timer_set(&e->timer, due > now ? (double)(due - now) / 1e9 : 0, 0);
	ev_timer_start(e->lc->loop, &e->timer);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct lmentry *e = w->data;

	if (e->easy == NULL && !e->waiting)
		start_check(e);
}

static size_t
body_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct lmentry *e = arg;
	size_t n = size * nmemb;

	/*
	 * The status and the first byte are in: a short count ends the
	 * transfer (CURLE_WRITE_ERROR), which done_cb() takes as a
	 * complete check. An origin that sends its headers and then
	 * trickles its body (the loop-latency benchmark's "trickle-body")
	 * used to hold the check until its timeout and fail it.
	 */
	(void)ptr;
	(void)n;
	e->truncated = 1;
	return 0;
}

/* A phase's end in microseconds from the start; -1 if not reached. */
static int64_t
phase(CURL *easy, CURLINFO what, int reached)
{
	curl_off_t v = 0;

	if (!reached || curl_easy_getinfo(easy, what, &v) != CURLE_OK)
		return -1;
	return (int64_t)v;
}

static void
done_cb(void *arg, CURL *easy, CURLcode rc)
{
	struct lmentry *e = arg;
	struct lastmile_result r;
	enum lastmile_health was = e->lm.health;
	int transferred = rc == CURLE_OK ||
	    (rc == CURLE_WRITE_ERROR && e->truncated);
	uint64_t now = mono_now();
	long status = 0;
	curl_off_t conn = 0;
	int changed;
	char *ip = NULL;

	memset(&r, 0, sizeof(r));
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &conn);
	r.http_status = status;
	if (curl_easy_getinfo(easy, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK &&
	    ip != NULL && conn > 0)
		snprintf(r.address, sizeof(r.address), "%s", ip);
	r.total_us = phase(easy, CURLINFO_TOTAL_TIME_T, 1);
	/* A failed check still tells how far it got. */
	r.dns_us = phase(easy, CURLINFO_NAMELOOKUP_TIME_T,
	    transferred || conn > 0);
	r.connect_us = phase(easy, CURLINFO_CONNECT_TIME_T, conn > 0);
	r.tls_us = phase(easy, CURLINFO_APPCONNECT_TIME_T,
	    e->cc.tls && conn > 0);
	if (r.tls_us == 0)
		r.tls_us = -1;
	r.first_byte_us = phase(easy, CURLINFO_STARTTRANSFER_TIME_T,
	    e->cc.kind == CONF_CHECK_HTTP && status != 0);
	if (!transferred)
		snprintf(r.reason, sizeof(r.reason), "%.*s",
		    (int)sizeof(r.reason) - 1, e->errbuf[0] != '\0' ? e->errbuf : curl_easy_strerror(rc));
	else if (e->cc.kind == CONF_CHECK_HTTP &&
	    (status < e->cc.status_min || status > e->cc.status_max)) {
		if (e->cc.status_min == e->cc.status_max)
			snprintf(r.reason, sizeof(r.reason), "HTTP status %ld, "
			    "expected %u", status, e->cc.status_min);
		else
			snprintf(r.reason, sizeof(r.reason), "HTTP status %ld, "
			    "expected %u-%u", status, e->cc.status_min,
			    e->cc.status_max);
	}
	else
		r.ok = 1;
	curl_easy_cleanup(easy);
	e->easy = NULL;
	curl_slist_free_all(e->resolve);
	e->resolve = NULL;

	changed = lastmile_record(&e->lm, now, &r);
	if (!changed && !r.ok)
		log_debug("origin %s: check failed: %s", e->origin, r.reason);
	checked(e, changed, was, r.ok ? NULL : r.reason);
	arm(e, lastmile_next(&e->lm, e->started, rnd(e->lc)));
}

/* A check that ended before its transfer: noisy says it is news. */
static void
check_failed(struct lmentry *e, const char *why, int noisy)
{
	struct lastmile_result r;
	enum lastmile_health was = e->lm.health;

	lastmile_fail_result(&r, why);
	if (e->easy != NULL)
		curl_easy_cleanup(e->easy);
	e->easy = NULL;
	curl_slist_free_all(e->resolve);
	e->resolve = NULL;
	checked(e, lastmile_record(&e->lm, mono_now(), &r), was, why);
	if (noisy)
		log_warnx("origin %s: cannot start check: %s", e->origin, why);
	arm(e, lastmile_next(&e->lm, e->started, rnd(e->lc)));
}

static void
start_fail(struct lmentry *e, const char *why)
{
	check_failed(e, why, 1);
}

static void	start_transfer(struct lmentry *);

/*
 * A lookup's answer. A failure is logged once, when lookups start to
 * fail (a changed reason later is a debug line: a dead server alternates
 * between refused and timed out), not at every check; the last good
 * address stays in use, so a dead resolver does not fail a reachable
 * origin. Only a check with no address at all waits for the answer: an
 * expired one is refreshed beside the checks, which go on with the old
 * address meanwhile, so a slow resolver does not slow them down.
 */
static void
resolved_cb(void *arg, int ok, const char *err, const char *addr,
    uint32_t ttl)
{
	struct lmentry *e = arg;
	struct lmcheck_addr *a = &e->addr;
	uint64_t now = mono_now(), keep;
	char why[LASTMILE_REASON_MAX];

	e->req = NULL;
	a->lookups++;
	a->lookup_us = (int64_t)((now - e->req_started) / 1000);
	if (ok) {
		if (a->has_error || (a->has_addr && strcmp(a->addr, addr)))
			log_info("origin %s: %s is %s%s", e->origin,
			    e->cc.host, addr, a->has_error ? " again" : "");
		snprintf(a->addr, sizeof(a->addr), "%s", addr);
		a->has_addr = 1;
		a->has_error = 0;
		a->ttl = ttl;
		keep = ttl < LMCHECK_TTL_MIN ? LMCHECK_TTL_MIN :
		    ttl > LMCHECK_TTL_MAX ? LMCHECK_TTL_MAX : ttl;
		a->resolved_at = now;
		a->expires = now + keep * NS;
	} else {
		a->lookup_failures++;
		if (!a->has_error) {
			log_warnx("origin %s: resolving %s: %s%s", e->origin,
			    e->cc.host, err, a->has_addr ?
			    "; keeping the last address" : "");
			a->error_since = now;
		} else if (strcmp(a->error, err) != 0)
			log_debug("origin %s: resolving %s: now %s", e->origin,
			    e->cc.host, err);
		a->has_error = 1;
		snprintf(a->error, sizeof(a->error), "%s", err);
		/* Ask again at the next check. */
		a->expires = now;
	}
	if (!e->waiting)
		return;
	e->waiting = 0;
	if (a->has_addr) {
		start_transfer(e);
		return;
	}
	snprintf(why, sizeof(why), "resolving %s: %s", e->cc.host, err);
	check_failed(e, why, 0);
}

static void
start_check(struct lmentry *e)
{
	uint64_t now = mono_now();
	int wait;

	e->started = now;
	if (e->addr.needed && (!e->addr.has_addr || now >= e->addr.expires) &&
	    e->req == NULL && e->lc->res != NULL) {
		wait = e->waiting = !e->addr.has_addr;
		e->req_started = now;
		/* resolved_cb() may run before this returns */
		e->req = resolve_start(e->lc->res, e->cc.host, resolved_cb, e);
		if (wait)
			return;
	}
	if (e->addr.needed && !e->addr.has_addr) {
		check_failed(e, "no resolver for host names", 0);
		return;
	}
	start_transfer(e);
}

static void
start_transfer(struct lmentry *e)
{
	const struct conf_check *c = &e->cc;
	long tmo = (long)(c->lm.timeout / 1000000);
	char pin[300];
	CURL *h;

	e->truncated = 0;
	e->errbuf[0] = '\0';
	if ((h = e->easy = curl_easy_init()) == NULL) {
		start_fail(e, "curl_easy_init failed");
		return;
	}
	if (tmo < 1)
		tmo = 1;
	curl_easy_setopt(h, CURLOPT_URL, c->kind == CONF_CHECK_TCP ?
	    e->tcp_url : c->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, tmo);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, tmo);
	curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(h, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, e->errbuf);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "argod/" PACKAGE_VERSION);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, e);
	if (e->addr.needed) {
		/* The address we resolved, for host:port: libcurl must not
		 * look the name up itself (it would, in a thread of its own,
		 * and a hung lookup would stall the loop when the transfer
		 * is cleaned up). */
		snprintf(pin, sizeof(pin), "%s:%u:%s%s%s", c->host, c->port,
		    strchr(e->addr.addr, ':') ? "[" : "", e->addr.addr,
		    strchr(e->addr.addr, ':') ? "]" : "");
		if ((e->resolve = curl_slist_append(NULL, pin)) == NULL) {
			start_fail(e, "out of memory");
			return;
		}
		curl_easy_setopt(h, CURLOPT_RESOLVE, e->resolve);
	}
	if (c->ca != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca);
	if (c->kind == CONF_CHECK_TCP)
		curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
	else if (c->head)
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	if (curlev_add(e->lc->cv, h, done_cb, e) == -1)
		start_fail(e, "cannot add the transfer to libcurl");
}

static int
is_egress(const struct conf *c, size_t i)
{
	const struct engine_origin_conf *o = &c->ec.origins[i];
	size_t j;

	for (j = 0; j < o->negress; j++)
		if (strcmp(o->egress_names[j], c->ec.name) == 0)
			return 1;
	return 0;
}

static struct lmentry *
entry_new(struct lmcheck *lc, const char *origin, const struct conf_check *cc)
{
	struct lmentry *e = xcalloc(1, sizeof(*e));
	int v6 = strchr(cc->host, ':') != NULL;
	size_t n;

	e->lc = lc;
	snprintf(e->origin, sizeof(e->origin), "%s", origin);
	e->cc = *cc;
	e->cc.url = cc->url != NULL ? xstrdup(cc->url) : NULL;
	e->cc.host = xstrdup(cc->host);
	e->cc.ca = cc->ca != NULL ? xstrdup(cc->ca) : NULL;
	if (cc->kind == CONF_CHECK_TCP) {
		n = strlen(cc->host) + 32;
		e->tcp_url = xcalloc(1, n);
		snprintf(e->tcp_url, n, "http://%s%s%s:%u/", v6 ? "[" : "",
		    cc->host, v6 ? "]" : "", cc->port);
	}
	lastmile_init(&e->lm, &cc->lm, mono_now());
	e->addr.needed = cc->host_is_name;
	e->addr.lookup_us = -1;
	ev_timer_init(&e->timer, timer_cb, 0, 0);
	e->timer.data = e;
	arm(e, lastmile_first(&e->lm, mono_now(), rnd(lc)));
	return e;
}

static void
entry_free(struct lmentry *e)
{
	ev_timer_stop(e->lc->loop, &e->timer);
	resolve_cancel(e->req);
	if (e->easy != NULL) {
		curlev_cancel(e->lc->cv, e->easy);
		curl_easy_cleanup(e->easy);
	}
	curl_slist_free_all(e->resolve);
	free(e->cc.url);
	free(e->cc.host);
	free(e->cc.ca);
	free(e->tcp_url);
	free(e);
}

struct lmcheck *
lmcheck_new(struct ev_loop *loop, const struct conf *c,
    lmcheck_event_fn *event, void *arg)
{
	struct lmcheck *lc = xcalloc(1, sizeof(*lc));

	lc->loop = loop;
	lc->event = event;
	lc->event_arg = arg;
	if (getrandom(&lc->rng, sizeof(lc->rng), 0) != sizeof(lc->rng))
		lc->rng = (uint64_t)getpid() ^ mono_now();
	if ((lc->cv = curlev_new(loop)) == NULL) {
		free(lc);
		return NULL;
	}
	/* Without c-ares, checks of IP literals still run. */
	lc->res = resolve_new(loop);
	lmcheck_reconfigure(lc, c);
	return lc;
}

void
lmcheck_reconfigure(struct lmcheck *lc, const struct conf *c)
{
	struct lmentry **nv = NULL, *e;
	size_t i, j, n = 0;

	for (i = 0; i < c->ec.norigins; i++) {
		if (c->checks[i].kind == CONF_CHECK_NONE || !is_egress(c, i))
			continue;
		e = NULL;
		for (j = 0; j < lc->n; j++)
			if (lc->v[j] != NULL &&
			    strcmp(lc->v[j]->origin, c->ec.origins[i].name) ==
			    0 && conf_check_equal(&lc->v[j]->cc,
			    &c->checks[i])) {
				e = lc->v[j];
				lc->v[j] = NULL;
				break;
			}
		if (e == NULL)
			e = entry_new(lc, c->ec.origins[i].name, &c->checks[i]);
		nv = xreallocarray(nv, n + 1, sizeof(*nv));
		nv[n++] = e;
	}
	for (j = 0; j < lc->n; j++)
		if (lc->v[j] != NULL)
			entry_free(lc->v[j]);
	free(lc->v);
	lc->v = nv;
	lc->n = n;
}

void
lmcheck_free(struct lmcheck *lc)
{
	size_t i;

	if (lc == NULL)
		return;
	for (i = 0; i < lc->n; i++)
		entry_free(lc->v[i]);
	free(lc->v);
	resolve_free(lc->res);
	curlev_free(lc->cv);
	free(lc);
}

size_t
lmcheck_count(const struct lmcheck *lc)
{
	return lc != NULL ? lc->n : 0;
}

void
lmcheck_view(const struct lmcheck *lc, size_t i, struct lmcheck_view *v)
{
	const struct lmentry *e = lc->v[i];

	v->origin = e->origin;
	v->check = &e->cc;
	v->lm = &e->lm;
	v->addr = &e->addr;
	v->running = e->easy != NULL || e->waiting;
}
