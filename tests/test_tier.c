/*
 * Cache tiers (engine-tier.c): five engines on a virtual clock, three of
 * them egresses of origin "web" with last miles e1 60 ms, e2 20 ms, e3
 * 40 ms, every link 10 ms of RTT. Checks the smart choice (e2 upper, e3
 * fallback, the same on every PoP), the immediate move when the upper
 * tier's origin fails or its PoP dies, the damped move back (margin and
 * hold) and that noise moves nothing, and static tiers with a named upper
 * tier that is no egress.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "log.h"
#include "prefix.h"
#include "enginenet.h"
#include "tap.h"

#define N	5
#define QMAX	100000

enum { E1, E2, E3, L1, L2 };

static struct engine *E[N];
static struct engine_conf C[N];
static int dead[N];
static double owd[N][N];	/* ms, one way */
static struct enet net;
static int idx[N];
static uint8_t key[WIRE_KEY_LEN];
static const char *names[N] = { "e1", "e2", "e3", "l1", "l2" };
static unsigned tier_events[N];

static void
ev_send(void *arg, size_t peer, const void *buf, size_t len)
{
	enet_send(&net, *(int *)arg, peer, buf, len);
}

static void
ev_tier(void *arg, const struct engine_tier_event *ev)
{
	(void)ev;
	tier_events[*(int *)arg]++;
}

static const struct engine_ops ops = { ev_send, NULL, NULL, NULL, ev_tier };

static void	teardown(void);

static void
run_until(uint64_t end)
{
	enet_run_until(&net, end);
}

static void
set_origin(struct engine_origin_conf *o)
{
	static const int eg[] = { E1, E2, E3 };
	char err[160];
	size_t i;

	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "web");
	o->nprefixes = 1;
	o->prefixes = calloc(1, sizeof(*o->prefixes));
	if (prefix_parse("203.0.113.0/24", &o->prefixes[0], err,
	    sizeof(err)) != NULL) {
		printf("Bail out! %s\n", err);
		exit(1);
	}
	o->negress = 3;
	o->egress = calloc(3, sizeof(uint32_t));
	o->egress_names = calloc(3, sizeof(*o->egress_names));
	for (i = 0; i < 3; i++) {
		o->egress[i] = wire_node_id(names[eg[i]]);
		snprintf(o->egress_names[i], sizeof(o->egress_names[i]), "%s",
		    names[eg[i]]);
	}
}

static void
set_static(struct engine_origin_conf *o, const int *t, size_t n)
{
	size_t i;

	o->tier_mode = TIER_STATIC;
	o->ntier = n;
	o->tier = calloc(n, sizeof(*o->tier));
	o->tier_names = calloc(n, sizeof(*o->tier_names));
	for (i = 0; i < n; i++) {
		o->tier[i] = wire_node_id(names[t[i]]);
		snprintf(o->tier_names[i], sizeof(o->tier_names[i]), "%s",
		    names[t[i]]);
	}
}

static void
setup(int regional)
{
	static const int west[N] = { 1, 0, 0, 1, 0 };	/* e1, l1 */
	int i, j, k;

	for (i = 0; i < N; i++)
		for (j = 0; j < N; j++)
			owd[i][j] = !regional ? 5 : west[i] == west[j] ? 1 : 20;

	for (i = 0; i < WIRE_KEY_LEN; i++)
		key[i] = (uint8_t)(i * 5 + 1);
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
		if (i <= E3 || regional) {
			C[i].norigins = 1;
			C[i].origins = calloc(1, sizeof(*C[i].origins));
			set_origin(&C[i].origins[0]);
			if (regional) {
				C[i].origins[0].tier_mode = TIER_REGIONAL;
				C[i].origins[0].tier_k = 2;
			}
		}
	}
	for (i = 0; i < N; i++) {
		idx[i] = i;
		E[i] = engine_new(&C[i], &ops, &idx[i], 0, 2000 + (uint32_t)i,
		    (uint64_t)i + 7);
	}
}

static const struct engine_tier *
tier_of(int at)
{
	size_t k;

	for (k = 0; k < engine_ntiers(E[at]); k++)
		if (strcmp(engine_tier(E[at], k)->origin, "web") == 0)
			return engine_tier(E[at], k);
	return NULL;
}

static int
lower_of(int at, int parent, int fallback)
{
	const struct engine_tier *t = tier_of(at);

	return t != NULL && t->role == TIER_LOWER &&
	    t->parent == C[parent].id && t->has_fallback &&
	    (fallback < 0 ? t->fallback == 0 && t->fallback_name == NULL :
	    t->fallback == C[fallback].id);
}

static int
is_upper(int at)
{
	const struct engine_tier *t = tier_of(at);

	return t != NULL && t->role == TIER_UPPER && t->parent == 0 &&
	    t->parent_name == NULL;
}

/* Keep feeding a last mile (the daemon checks every second). */
static void
feed(const double ms[3], const int health[3], uint64_t d)
{
	uint64_t end = net.now + d;
	int k;

	while (net.now < end) {
		for (k = E1; k <= E3; k++) {
			struct engine_lastmile lm = { health[k], ms[k] };

			if (!dead[k])
				engine_lastmile(E[k], net.now, "web", &lm);
		}
		run_until(net.now + SEC / 2 < end ? net.now + SEC / 2 : end);
	}
}

int
main(void)
{
	static const int healthy[3] = { WIRE_ORIGIN_HEALTHY,
	    WIRE_ORIGIN_HEALTHY, WIRE_ORIGIN_HEALTHY };
	static const int e2sick[3] = { WIRE_ORIGIN_HEALTHY,
	    WIRE_ORIGIN_UNHEALTHY, WIRE_ORIGIN_HEALTHY };
	double lm[3] = { 60, 20, 40 };
	const struct engine_tier *t;
	unsigned ev0;
	uint64_t since;
	uint32_t low;
	int i;

	if (wire_init() == -1) {
		printf("Bail out! wire_init\n");
		return 1;
	}
	log_init("test_tier", LOG_TO_STDERR, -1);
	enet_init(&net, N, E, &owd[0][0], dead, QMAX);
	setup(0);
	run_until(net.now + 6 * SEC);
	t = tier_of(L1);
	low = C[E1].id < C[E2].id ? C[E1].id : C[E2].id;
	low = C[E3].id < low ? C[E3].id : low;
	ok(t != NULL && t->mode == TIER_SMART && t->role == TIER_LOWER &&
	    t->upper == low, "no last mile measured yet: the lowest "
	    "id (%s) is the upper tier", t != NULL && t->upper_name ?
	    t->upper_name : "none");

	/* measured now: the unmeasured choice was made knowing nothing,
	 * so the measured best replaces it at once, not after the hold */
	since = net.now;
	feed(lm, healthy, 2 * SEC);
	t = tier_of(L1);
	ok(is_upper(E2) && t != NULL && t->upper == C[E2].id &&
	    t->since - since < 2 * SEC, "smart: e2 (20 ms last mile) is the "
	    "upper tier %.2f s after the first measurement (hold 10 s)",
	    t != NULL ? (t->since - since) / 1e9 : -1.0);
	feed(lm, healthy, 11 * SEC);
	ok(lower_of(L1, E2, E3) && lower_of(L2, E2, E3) &&
	    lower_of(E1, E2, E3), "l1, l2 and e1: parent e2, fallback e3");
	ok(lower_of(E3, E2, -1), "e3, the next best, falls back to the "
	    "origin itself");
	t = tier_of(L1);
	ok(t->parent_cost_ms > 29 && t->parent_cost_ms < 32 &&
	    t->parent_path_ms > 9 && t->parent_path_ms < 12 &&
	    t->fallback_cost_ms > 49 && t->fallback_cost_ms < 52,
	    "l1's costs: parent %.1f ms (path %.1f), fallback %.1f ms",
	    t->parent_cost_ms, t->parent_path_ms, t->fallback_cost_ms);
	ok(t->upper == C[E2].id && tier_of(E1)->upper == C[E2].id &&
	    tier_of(E3)->upper == C[E2].id && tier_of(L2)->upper ==
	    C[E2].id && tier_of(E2)->upper == C[E2].id,
	    "every PoP names the same upper tier");

	/* e2's origin fails: everyone moves to e3 at once */
	since = net.now;
	feed(lm, e2sick, 2 * SEC);
	ok(is_upper(E3) && lower_of(L1, E3, E1) && lower_of(E2, E3, E1),
	    "e2's origin fails: e3 is upper at once, e1 the fallback");
	t = tier_of(L1);
	ok(t->since > since && t->since - since < 2 * SEC,
	    "... within %.2f s", (t->since - since) / 1e9);

	/* e2 healthy again and better by far: back only after the hold */
	since = net.now;
	feed(lm, healthy, 5 * SEC);
	t = tier_of(L1);
	ok(lower_of(L1, E3, E2) && t->challenger == C[E2].id &&
	    t->challenger_since != 0, "e2 healthy again: l1 stays on e3 "
	    "during the hold, e2 the challenger");
	feed(lm, healthy, 8 * SEC);
	ok(lower_of(L1, E2, E3) && is_upper(E2) &&
	    tier_of(L1)->since - since >= 10 * SEC,
	    "after the hold (%.1f s) e2 is upper again",
	    (tier_of(L1)->since - since) / 1e9);

	/* inside the margin: e3 at 19 ms against e2's 20 moves nothing */
	ev0 = tier_events[L1];
	lm[2] = 19;
	feed(lm, healthy, 20 * SEC);
	ok(lower_of(L1, E2, E3) && tier_events[L1] == ev0,
	    "e3 5 %% better (inside the 10 %% margin): no change in 20 s");
	/* noise: e3 flips between 10 and 40 ms every 4 s */
	for (i = 0; i < 6; i++) {
		lm[2] = i % 2 ? 40 : 10;
		feed(lm, healthy, 4 * SEC);
	}
	lm[2] = 40;
	feed(lm, healthy, 4 * SEC);
	ok(lower_of(L1, E2, E3) && is_upper(E2) && tier_events[L1] == ev0,
	    "e3 flapping 10/40 ms every 4 s (hold 10 s): no change");

	/* e2 dies: its links go down and lower tiers take the fallback */
	since = net.now;
	dead[E2] = 1;
	feed(lm, healthy, 3 * SEC);
	t = tier_of(L1);
	ok(lower_of(L1, E3, E1) && is_upper(E3) && lower_of(L2, E3, E1),
	    "e2's PoP dies: e3 is upper, l1 and l2 ask it");
	ok(t->since - since < 3 * SEC, "... %.2f s after the death",
	    (t->since - since) / 1e9);
	dead[E2] = 0;
	feed(lm, healthy, 20 * SEC);

	/*
	 * Static: l1 and l2 name l2 (no egress) and e1 as upper tiers. l2's
	 * cost to the origin is its path to e2 plus 20 ms: 30 ms, so l1's
	 * parent is l2 (10 + 30) before e1 (10 + 60).
	 */
	{
		static const int named[] = { L2, E1 };

		for (i = L1; i <= L2; i++) {
			C[i].norigins = 1;
			C[i].origins = calloc(1, sizeof(*C[i].origins));
			set_origin(&C[i].origins[0]);
			set_static(&C[i].origins[0], named, 2);
			ok(engine_reconfigure(E[i], &C[i], net.now) == 0,
			    "%s: static tiers l2 e1", names[i]);
		}
		feed(lm, healthy, 3 * SEC);
		t = tier_of(L1);
		ok(t->mode == TIER_STATIC && lower_of(L1, L2, E1) &&
		    t->parent_cost_ms > 39 && t->parent_cost_ms < 43 &&
		    t->fallback_cost_ms > 69 && t->fallback_cost_ms < 73,
		    "static: l1's parent l2 (%.1f ms), fallback e1 (%.1f ms)",
		    t->parent_cost_ms, t->fallback_cost_ms);
		ok(is_upper(L2) && tier_of(L2)->mode == TIER_STATIC,
		    "l2, a named tier, is upper");
		/* l2 dies: l1 takes e1 at once */
		dead[L2] = 1;
		feed(lm, healthy, 3 * SEC);
		ok(lower_of(L1, E1, -1), "l2 dies: l1 asks e1, and the origin "
		    "after it");
		dead[L2] = 0;
	}

	teardown();

	/*
	 * Regional, K = 2: west is e1 and l1, east e2, e3 and l2, 2 ms of
	 * RTT inside a region, 40 ms across; last miles e1 10, e2 10, e3 30
	 * ms. The greedy k-median takes e2 first (the east's three PoPs at
	 * 10-12 ms, the west's two at 50), then e1 (the west at 10-12 ms).
	 */
	net.qn = 0;	/* the first network's datagrams */
	setup(1);
	run_until(net.now + 4 * SEC);
	lm[0] = 10;
	lm[1] = 10;
	lm[2] = 30;
	feed(lm, healthy, 15 * SEC);
	t = tier_of(L1);
	ok(t != NULL && t->mode == TIER_REGIONAL && t->nuppers == 2 &&
	    ((t->uppers[0] == C[E2].id && t->uppers[1] == C[E1].id)),
	    "regional: the upper tiers are e2 then e1 (%zu chosen)",
	    t != NULL ? t->nuppers : 0);
	ok(is_upper(E1) && is_upper(E2) && lower_of(L1, E1, E2) &&
	    lower_of(L2, E2, E1) && lower_of(E3, E2, E1),
	    "l1 asks e1 (its region), l2 and e3 ask e2; the other region's "
	    "upper tier is the fallback");
	ok(t->objective_ms > 10 && t->objective_ms < 13,
	    "mean cost to the origin over the five PoPs: %.1f ms",
	    t->objective_ms);
	for (i = 1; i < N; i++)
		if (tier_of(i)->nuppers != 2 || tier_of(i)->uppers[0] !=
		    t->uppers[0] || tier_of(i)->uppers[1] != t->uppers[1])
			break;
	ok(i == N, "every PoP chose the same set");
	/* e1 dies: the set is chosen again at once, without it */
	since = net.now;
	dead[E1] = 1;
	feed(lm, healthy, 4 * SEC);
	t = tier_of(L1);
	ok(t->nuppers == 2 && t->uppers[0] != C[E1].id &&
	    t->uppers[1] != C[E1].id && t->role == TIER_LOWER &&
	    t->parent != C[E1].id && t->since - since < 4 * SEC,
	    "e1 dies: l1 is given another parent after %.2f s",
	    (t->since - since) / 1e9);
	dead[E1] = 0;
	teardown();
	enet_free(&net);
	return done_testing();
}

static void
teardown(void)
{
	int i;

	for (i = 0; i < N; i++)
		engine_free(E[i]);
	for (i = 0; i < N; i++) {
		size_t k;

		for (k = 0; k < C[i].norigins; k++) {
			free(C[i].origins[k].prefixes);
			free(C[i].origins[k].egress);
			free(C[i].origins[k].egress_names);
			free(C[i].origins[k].tier);
			free(C[i].origins[k].tier_names);
		}
		free(C[i].origins);
		free(C[i].peers);
		memset(&C[i], 0, sizeof(C[i]));
	}
}
