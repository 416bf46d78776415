/*
 * Origins in the database (engine-origin.c): four engines on a virtual
 * clock, two of them egresses of an origin that the other two learn only
 * from the database. Checks egress choice by path plus last mile, health
 * (an unhealthy egress is left while another works), damping of the
 * advertised cost, declarations fetched when missing (and from another
 * peer when the first does not answer), static origins beside advertised
 * ones, the prefix conflict rule, withdrawal, and the declaration codec.
 */
#include "config.h"

#include <arpa/inet.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "log.h"
#include "lsdb.h"
#include "prefix.h"
#include "enginenet.h"
#include "tap.h"

#define N	4
#define QMAX	100000

enum { ING, E1, E2, FAR };

static struct engine *E[N];
static struct engine_conf C[N];
static double owd[N][N];
static int drop_type[N][N][WIRE_TYPE_MAX];
static struct enet net;
static int idx[N];
static uint8_t key[WIRE_KEY_LEN];
static const char *names[N] = { "ing", "e1", "e2", "far" };
static int withdrawn[N];

static void
ev_send(void *arg, size_t peer, const void *buf, size_t len)
{
	int from = *(int *)arg, to = enet_node(from, peer);
	uint8_t type = (uint8_t)wire_sent_type(buf, len);

	if (type < WIRE_TYPE_MAX && drop_type[from][to][type])
		return;
	enet_send(&net, from, peer, buf, len);
}

static void
ev_route(void *arg, const struct engine_route_event *ev)
{
	if (ev->new == NULL && ev->old != NULL)
		withdrawn[*(int *)arg]++;
}

static void
ev_link(void *arg, const struct engine_link_event *ev)
{
}

static const struct engine_ops ops = { ev_send, ev_link, ev_route, NULL,
    NULL };

static void
run_until(uint64_t end)
{
	enet_run_until(&net, end);
}

static void
set_origin(struct engine_origin_conf *o, const char *name, const char *pfx,
    const int *eg, size_t neg)
{
	char err[160];
	size_t i;

	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", name);
	o->nprefixes = 1;
	o->prefixes = calloc(1, sizeof(*o->prefixes));
	if (prefix_parse(pfx, &o->prefixes[0], err, sizeof(err)) != NULL) {
		printf("Bail out! %s\n", err);
		exit(1);
	}
	o->negress = neg;
	o->egress = calloc(neg, sizeof(uint32_t));
	o->egress_names = calloc(neg, sizeof(*o->egress_names));
	for (i = 0; i < neg; i++) {
		o->egress[i] = wire_node_id(names[eg[i]]);
		snprintf(o->egress_names[i], sizeof(o->egress_names[i]), "%s",
		    names[eg[i]]);
	}
}

static void
free_origin(struct engine_origin_conf *o)
{
	free(o->prefixes);
	free(o->egress);
	free(o->egress_names);
}

static void
free_origins(struct engine_conf *c)
{
	size_t i;

	for (i = 0; i < c->norigins; i++)
		free_origin(&c->origins[i]);
	free(c->origins);
	c->origins = NULL;
	c->norigins = 0;
}

static void
setup(void)
{
	static const int both[] = { E1, E2 };
	int i, j, k;

	for (i = 0; i < N; i++)
		for (j = 0; j < N; j++)
			owd[i][j] = 5;
	/* one-way ms: ing-e1 5, ing-e2 10, far-ing 2.5, far-e1 15, far-e2 6 */
	owd[ING][E2] = owd[E2][ING] = 10;
	owd[FAR][ING] = owd[ING][FAR] = 2.5;
	owd[FAR][E1] = owd[E1][FAR] = 15;
	owd[FAR][E2] = owd[E2][FAR] = 6;
	owd[E1][E2] = owd[E2][E1] = 7.5;
	for (i = 0; i < WIRE_KEY_LEN; i++)
		key[i] = (uint8_t)(i * 7 + 3);
	for (i = 0; i < N; i++) {
		memset(&C[i], 0, sizeof(C[i]));
		snprintf(C[i].name, sizeof(C[i].name), "%s", names[i]);
		C[i].id = wire_node_id(names[i]);
		memcpy(C[i].key, key, sizeof(key));
		params_default(&C[i].p);
		C[i].npeers = N - 1;
		C[i].peers = calloc(N - 1, sizeof(*C[i].peers));
		for (j = k = 0; j < N; j++) {
			if (j == i)
				continue;
			snprintf(C[i].peers[k].name,
			    sizeof(C[i].peers[k].name), "%s", names[j]);
			C[i].peers[k].id = wire_node_id(names[j]);
			k++;
		}
	}
	/* the egresses serve web; ing and far have no origin block */
	for (i = E1; i <= E2; i++) {
		C[i].norigins = 1;
		C[i].origins = calloc(1, sizeof(*C[i].origins));
		set_origin(&C[i].origins[0], "web", "203.0.113.0/24", both, 2);
	}
	for (i = 0; i < N; i++) {
		idx[i] = i;
		E[i] = engine_new(&C[i], &ops, &idx[i], 0, 1000 + (uint32_t)i,
		    (uint64_t)i + 1);
	}
}

static const struct engine_route *
route_of(int at, const char *prefix)
{
	size_t k;

	for (k = 0; k < engine_nroutes(E[at]); k++)
		if (strcmp(engine_route(E[at], k)->prefix, prefix) == 0)
			return engine_route(E[at], k);
	return NULL;
}

static int
egress_is(int at, int eg)
{
	const struct engine_route *r = route_of(at, "203.0.113.0/24");

	return r != NULL && r->reachable && r->egress == C[eg].id;
}

static void
lastmile(int at, const char *origin, int health, double ms)
{
	struct engine_lastmile lm = { health, ms };

	if (engine_lastmile(E[at], net.now, origin, &lm) == -1) {
		printf("Bail out! %s serves no %s\n", names[at], origin);
		exit(1);
	}
}

static void
test_codec(void)
{
	struct wire_origin o[2], got;
	struct wire_origin_iter it = { 0, 0 };
	struct wire_hdr h = { .type = WIRE_ORIGINS, .sender = 1, .boot = 1,
	    .seq = 1, .receiver = 2 };
	struct wire_msg m;
	enum wire_reject why;
	uint8_t buf[WIRE_MTU];
	char err[160];
	size_t len;

	memset(o, 0, sizeof(o));
	snprintf(o[0].name, sizeof(o[0].name), "web");
	prefix_parse("2001:db8::/32", &o[0].prefixes[0], err, sizeof(err));
	prefix_parse("192.0.2.0/24", &o[0].prefixes[1], err, sizeof(err));
	o[0].nprefixes = 2;
	/* prefixes travel sorted: IPv4 first (prefix_cmp by family) */
	o[0].prefixes[1] = o[0].prefixes[0];
	prefix_parse("192.0.2.0/24", &o[0].prefixes[0], err, sizeof(err));
	o[0].id = wire_origin_id(o[0].name, o[0].prefixes, 2);
	snprintf(o[1].name, sizeof(o[1].name), "db");
	prefix_parse("198.51.100.128/25", &o[1].prefixes[0], err,
	    sizeof(err));
	o[1].nprefixes = 1;
	o[1].id = wire_origin_id(o[1].name, o[1].prefixes, 1);
	ok(o[0].id != o[1].id && o[0].id != 0, "declaration ids differ");

	len = wire_encode_origins(buf, sizeof(buf), key, &h, o, 2);
	ok(len > 0 && wire_decode(key, 2, buf, len, &m, &why) == 0 &&
	    m.u.list.n == 2, "ORIGINS with two declarations decodes");
	ok(wire_origin_next(&m.u.list, &it, &got) == 0 &&
	    got.id == o[0].id && strcmp(got.name, "web") == 0 &&
	    got.nprefixes == 2 && prefix_equal(&got.prefixes[1],
	    &o[0].prefixes[1]), "first declaration round-trips");
	ok(wire_origin_next(&m.u.list, &it, &got) == 0 &&
	    got.id == o[1].id && prefix_equal(&got.prefixes[0],
	    &o[1].prefixes[0]) && wire_origin_next(&m.u.list, &it, &got) ==
	    -1, "second declaration round-trips, then the end");

	o[1].id ^= 1;	/* not the content's hash */
	len = wire_encode_origins(buf, sizeof(buf), key, &h, o, 2);
	ok(wire_decode(key, 2, buf, len, &m, &why) == -1 &&
	    why == REJ_MALFORMED, "a declaration whose id is not its "
	    "content's hash is malformed");
	o[1].id ^= 1;
	o[0].prefixes[0].len = 20;	/* 192.0.2.0/20 has host bits */
	o[0].id = wire_origin_id(o[0].name, o[0].prefixes, 2);
	len = wire_encode_origins(buf, sizeof(buf), key, &h, o, 2);
	ok(wire_decode(key, 2, buf, len, &m, &why) == -1 &&
	    why == REJ_MALFORMED, "a prefix with host bits is malformed");
}

int
main(void)
{
	const struct engine_route *r;
	uint64_t orig;
	int i;

	if (wire_init() == -1) {
		printf("Bail out! wire_init\n");
		return 1;
	}
	log_init("test_origin", LOG_TO_STDERR, -1);
	test_codec();
	enet_init(&net, N, E, &owd[0][0], NULL, QMAX);
	setup();
	run_until(net.now + 8 * SEC);

	r = route_of(ING, "203.0.113.0/24");
	ok(r != NULL && r->reachable && !r->is_static && r->negress == 2 &&
	    strcmp(r->origin, "web") == 0,
	    "ing, with no origin block, learns web and both egresses");
	ok(egress_is(ING, E1) && egress_is(FAR, E2),
	    "no last mile yet: ing leaves by e1 (5 ms), far by e2 (6 ms)");
	ok(r != NULL && r->has_alt_egress && r->alt_egress == C[E2].id,
	    "ing's alternative egress is e2");
	ok(engine_counters(E[ING])->origins_learnt == 1 &&
	    engine_counters(E[FAR])->origins_learnt == 1,
	    "each learnt the declaration once");
	r = route_of(E1, "203.0.113.0/24");
	ok(r != NULL && r->reachable && r->egress == C[E1].id &&
	    r->is_static, "an egress routes its own origin to itself");

	/* last miles: e1 30 ms, e2 5 ms; ing: 10+30 = 40 against 20+5 */
	lastmile(E1, "web", WIRE_ORIGIN_HEALTHY, 30);
	lastmile(E2, "web", WIRE_ORIGIN_HEALTHY, 5);
	run_until(net.now + 3 * SEC);
	r = route_of(ING, "203.0.113.0/24");
	ok(egress_is(ING, E2) && r->lastmile_ms > 4.9 &&
	    r->lastmile_ms < 5.1 && fabs(r->cost_ms - r->path_cost_ms -
	    r->lastmile_ms) < 0.01 && r->path_cost_ms > 16 &&
	    r->path_cost_ms < 21, "ing moves to e2: path %.1f ms (via far) "
	    "+ last mile 5 ms", r->path_cost_ms);
	ok(r->has_alt_egress && r->alt_egress == C[E1].id &&
	    r->alt_cost_ms > 39 && r->alt_cost_ms < 41 &&
	    r->alt_lastmile_ms > 29 && r->alt_lastmile_ms < 31,
	    "the alternative: e1 at 40 ms, 30 of them last mile");
	ok(egress_is(FAR, E2) && egress_is(E1, E1),
	    "far stays on e2; e1 keeps its own origin (15 + 5 < 30 or not)");

	/* damping: 30 -> 32 ms is inside the band, nothing is sent */
	orig = engine_counters(E[E1])->lsa_originated;
	for (i = 0; i < 10; i++) {
		lastmile(E1, "web", WIRE_ORIGIN_HEALTHY, 32);
		run_until(net.now + SEC / 2);
	}
	ok(engine_counters(E[E1])->lsa_originated - orig <= 1 &&
	    fabs(route_of(ING, "203.0.113.0/24")->alt_lastmile_ms - 30) <
	    0.1, "a last mile 2 ms off stays advertised as it was");
	/* a lasting move past the band is advertised */
	for (i = 0; i < 10; i++) {
		lastmile(E1, "web", WIRE_ORIGIN_HEALTHY, 60);
		run_until(net.now + SEC / 2);
	}
	r = route_of(ING, "203.0.113.0/24");
	ok(r->alt_lastmile_ms > 36, "a last mile that moves to 60 ms is "
	    "advertised (%.1f ms)", r->alt_lastmile_ms);
	for (i = 0; i < 10; i++) {
		lastmile(E1, "web", WIRE_ORIGIN_HEALTHY, 30);
		run_until(net.now + SEC / 2);
	}

	/* e2's origin fails: everyone leaves by e1, however far */
	lastmile(E2, "web", WIRE_ORIGIN_UNHEALTHY, -1);
	run_until(net.now + 2 * SEC);
	r = route_of(ING, "203.0.113.0/24");
	ok(egress_is(ING, E1) && egress_is(FAR, E1) && egress_is(E2, E2),
	    "e2 unhealthy: ing and far leave by e1, e2 keeps its own");
	ok(r->has_alt_egress && r->alt_egress == C[E2].id &&
	    r->alt_egress_health == WIRE_ORIGIN_UNHEALTHY &&
	    r->egress_health == WIRE_ORIGIN_HEALTHY,
	    "the failing egress shows as the unhealthy alternative");
	/* both fail: the origin may still be reachable; lowest total */
	lastmile(E1, "web", WIRE_ORIGIN_UNHEALTHY, -1);
	run_until(net.now + 2 * SEC);
	ok(egress_is(ING, E2) && route_of(ING, "203.0.113.0/24")->reachable,
	    "both unhealthy: still routed, by the lowest total (e2)");
	lastmile(E1, "web", WIRE_ORIGIN_HEALTHY, 30);
	lastmile(E2, "web", WIRE_ORIGIN_HEALTHY, 5);
	run_until(net.now + 2 * SEC);
	ok(egress_is(ING, E2), "both healthy again: back to e2");

	/*
	 * A static origin beside the advertised one: far's file names only
	 * e1, with the same prefix; e2 still advertises it.
	 */
	{
		static const int e1only[] = { E1 };

		C[FAR].norigins = 1;
		C[FAR].origins = calloc(1, sizeof(*C[FAR].origins));
		set_origin(&C[FAR].origins[0], "web", "203.0.113.0/24",
		    e1only, 1);
		ok(engine_reconfigure(E[FAR], &C[FAR], net.now) == 0,
		    "far: a static web origin with egress e1");
		run_until(net.now + 2 * SEC);
		r = route_of(FAR, "203.0.113.0/24");
		ok(r != NULL && r->is_static && r->negress == 2 &&
		    egress_is(FAR, E2), "the static origin also leaves by "
		    "the advertising e2");
	}

	/*
	 * A declaration that does not come: e1 and e2 do not answer ing's
	 * requests; far has it, and ing's retries reach it.
	 */
	{
		static const int e1only[] = { E1 };
		int k;

		for (k = 0; k < N; k++) {
			drop_type[E1][ING][WIRE_ORIGINS] = 1;
			drop_type[E2][ING][WIRE_ORIGINS] = 1;
		}
		C[E1].norigins = 2;
		C[E1].origins = realloc(C[E1].origins,
		    2 * sizeof(*C[E1].origins));
		set_origin(&C[E1].origins[1], "api", "198.51.100.0/24",
		    e1only, 1);
		C[FAR].origins[0].nprefixes = 1;
		ok(engine_reconfigure(E[E1], &C[E1], net.now) == 0,
		    "e1 serves a second origin, api");
		run_until(net.now + 6 * SEC);
		r = route_of(ING, "198.51.100.0/24");
		ok(r != NULL && r->reachable && r->egress == C[E1].id &&
		    strcmp(r->origin, "api") == 0, "ing learns api from far "
		    "when the egresses do not answer");
		drop_type[E1][ING][WIRE_ORIGINS] = 0;
		drop_type[E2][ING][WIRE_ORIGINS] = 0;
	}

	/*
	 * A prefix given to two names: e2 also serves "aaa" with web's
	 * prefix. The lower name takes it on ing; far's file keeps web.
	 */
	{
		static const int e2only[] = { E2 };

		C[E2].norigins = 2;
		C[E2].origins = realloc(C[E2].origins,
		    2 * sizeof(*C[E2].origins));
		set_origin(&C[E2].origins[1], "aaa", "203.0.113.0/24",
		    e2only, 1);
		ok(engine_reconfigure(E[E2], &C[E2], net.now) == 0,
		    "e2 serves aaa on web's prefix");
		run_until(net.now + 4 * SEC);
		r = route_of(ING, "203.0.113.0/24");
		ok(r != NULL && strcmp(r->origin, "aaa") == 0 &&
		    r->negress == 1 && egress_is(ING, E2),
		    "ing: the lower name takes the prefix");
		r = route_of(FAR, "203.0.113.0/24");
		ok(r != NULL && strcmp(r->origin, "web") == 0 && r->is_static,
		    "far: its file wins");
		free_origin(&C[E2].origins[1]);
		C[E2].norigins = 1;
		engine_reconfigure(E[E2], &C[E2], net.now);
		run_until(net.now + 4 * SEC);
		r = route_of(ING, "203.0.113.0/24");
		ok(r != NULL && strcmp(r->origin, "web") == 0 &&
		    r->negress == 2, "aaa gone: the prefix is web's again");
	}

	/* e1 stops serving api: ing withdraws it */
	withdrawn[ING] = 0;
	free_origin(&C[E1].origins[1]);
	C[E1].norigins = 1;
	engine_reconfigure(E[E1], &C[E1], net.now);
	run_until(net.now + 4 * SEC);
	ok(route_of(ING, "198.51.100.0/24") == NULL && withdrawn[ING] == 1,
	    "an origin nobody serves any more is withdrawn");

	for (i = 0; i < N; i++) {
		engine_free(E[i]);
		free_origins(&C[i]);
		free(C[i].peers);
	}
	enet_free(&net);
	return done_testing();
}
