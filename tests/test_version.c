/*
 * Mixed wire versions (argod.8, "Wire versions"): four engines on a
 * virtual clock, a and c of this release, b and d speaking only the
 * previous version (engine_conf.wire_version), as a fleet half-way
 * through a rolling upgrade. a and d are egresses of origin "web"; a
 * advertises static tiers (c the upper tier) and a cache address, c a
 * cache address. Checks that everyone converges on one database and
 * the same routes with nothing rejected, that each pair speaks the
 * highest version both know, that c (no origin block of its own) takes
 * a's tier policy and cache address from the database while b and d
 * know none of it, and that when a's rows reach c only through the old
 * PoPs (the a-c link cut), c keeps what they cannot carry, nothing is
 * flooded again and again, and a change of a's cache address arrives
 * once the link is back.
 */
#include "config.h"

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

enum { A, B, C, D };

static struct engine *E[N];
static struct engine_conf CF[N];
static double owd[N][N];
static int cut[N][N];
static struct enet net;
static int idx[N];
static uint8_t key[WIRE_KEY_LEN];
static const char *names[N] = { "a", "b", "c", "d" };

static void
ev_send(void *arg, size_t peer, const void *buf, size_t len)
{
	int from = *(int *)arg;

	if (!cut[from][enet_node(from, peer)])
		enet_send(&net, from, peer, buf, len);
}

static const struct engine_ops ops = { ev_send, NULL, NULL, NULL, NULL };

static void
set_origin(struct engine_origin_conf *o, int static_tiers)
{
	static const int eg[] = { A, D };
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
	o->negress = 2;
	o->egress = calloc(2, sizeof(uint32_t));
	o->egress_names = calloc(2, sizeof(*o->egress_names));
	for (i = 0; i < 2; i++) {
		o->egress[i] = wire_node_id(names[eg[i]]);
		snprintf(o->egress_names[i], sizeof(o->egress_names[i]), "%s",
		    names[eg[i]]);
	}
	if (static_tiers) {
		o->tier_mode = TIER_STATIC;
		o->ntier = 1;
		o->tier = calloc(1, sizeof(*o->tier));
		o->tier_names = calloc(1, sizeof(*o->tier_names));
		o->tier[0] = wire_node_id(names[C]);
		snprintf(o->tier_names[0], sizeof(o->tier_names[0]), "c");
	}
}

static void
setup(void)
{
	int i, j, k;

	for (i = 0; i < N; i++)
		for (j = 0; j < N; j++)
			owd[i][j] = 5;
	for (i = 0; i < WIRE_KEY_LEN; i++)
		key[i] = (uint8_t)(i * 3 + 11);
	for (i = 0; i < N; i++) {
		memset(&CF[i], 0, sizeof(CF[i]));
		snprintf(CF[i].name, sizeof(CF[i].name), "%s", names[i]);
		CF[i].id = wire_node_id(names[i]);
		memcpy(CF[i].key, key, sizeof(key));
		params_default(&CF[i].p);
		CF[i].npeers = N - 1;
		CF[i].peers = calloc(N - 1, sizeof(*CF[i].peers));
		for (j = k = 0; j < N; j++) {
			if (j == i)
				continue;
			snprintf(CF[i].peers[k].name,
			    sizeof(CF[i].peers[k].name), "%s", names[j]);
			CF[i].peers[k].id = wire_node_id(names[j]);
			k++;
		}
		if (i == B || i == D)
			CF[i].wire_version = WIRE_VERSION_MIN;
		if (i == A || i == D) {
			CF[i].norigins = 1;
			CF[i].origins = calloc(1, sizeof(*CF[i].origins));
			set_origin(&CF[i].origins[0], i == A);
		}
	}
	snprintf(CF[A].cache, sizeof(CF[A].cache), "10.0.0.1:8080");
	snprintf(CF[C].cache, sizeof(CF[C].cache), "[2001:db8::3]:80");
	snprintf(CF[D].cache, sizeof(CF[D].cache), "10.0.0.4:80");
	for (i = 0; i < N; i++) {
		idx[i] = i;
		E[i] = engine_new(&CF[i], &ops, &idx[i], 0, 3000 + (uint32_t)i,
		    (uint64_t)i + 3);
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

static const struct engine_route *
route_of(int at)
{
	size_t k;

	for (k = 0; k < engine_nroutes(E[at]); k++)
		if (strcmp(engine_route(E[at], k)->origin, "web") == 0)
			return engine_route(E[at], k);
	return NULL;
}

/* The version node i sends node j, and what it heard j speaks. */
static unsigned
tx_version(int i, int j, unsigned *heard)
{
	struct engine_peer_info pi;

	engine_peer(E[i], (size_t)(j < i ? j : j - 1), &pi);
	if (heard != NULL)
		*heard = pi.wire_heard;
	return pi.wire_version;
}

static uint64_t
sum_rejected(int i)
{
	const struct engine_counters *c = engine_counters(E[i]);
	uint64_t s = 0;
	int r;

	for (r = 0; r < REJ_MAX; r++)
		s += c->rejected[r];
	return s;
}

static int
digests_equal(void)
{
	int i;

	for (i = 1; i < N; i++)
		if (engine_digest(E[i]) != engine_digest(E[0]))
			return 0;
	return 1;
}

static void
feed(uint64_t d, int a_health)
{
	uint64_t end = net.now + d;
	struct engine_lastmile lm = { a_health, 12 };
	struct engine_lastmile ld = { WIRE_ORIGIN_HEALTHY, 30 };

	while (net.now < end) {
		engine_lastmile(E[A], net.now, "web", &lm);
		engine_lastmile(E[D], net.now, "web", &ld);
		enet_run_until(&net, net.now + SEC / 2 < end ? net.now + SEC / 2 :
		    end);
	}
}

int
main(void)
{
	const struct engine_counters *cc;
	const struct engine_route *r;
	const struct engine_tier *t;
	const char *s;
	uint64_t req0[N], sum0[N], lsa0[N];
	unsigned heard;
	int i, j, bad, same;

	if (wire_init() == -1) {
		printf("Bail out! wire_init\n");
		return 1;
	}
	log_init("test_version", LOG_TO_STDERR, -1);
	enet_init(&net, N, E, &owd[0][0], NULL, QMAX);
	setup();
	feed(15 * SEC, WIRE_ORIGIN_HEALTHY);

	/* negotiation */
	bad = 0;
	for (i = 0; i < N; i++)
		for (j = 0; j < N; j++) {
			unsigned want = (i == B || i == D || j == B ||
			    j == D) ? WIRE_VERSION_MIN : WIRE_VERSION;

			if (i != j && tx_version(i, j, NULL) != want) {
				printf("# %s sends %s version %u, not %u\n",
				    names[i], names[j], tx_version(i, j, NULL),
				    want);
				bad++;
			}
		}
	is_int(bad, 0, "each pair speaks the highest version both know "
	    "(a-c %u, a-b %u)", tx_version(A, C, NULL), tx_version(A, B, NULL));
	tx_version(A, B, &heard);
	is_int(heard, WIRE_VERSION_MIN, "a heard b speak %u", heard);
	tx_version(B, A, &heard);
	is_int(heard, WIRE_VERSION_MIN, "b, of the previous version, takes "
	    "a for one too (%u)", heard);
	for (i = 0, bad = 0; i < N; i++)
		if (sum_rejected(i) != 0) {
			printf("# %s rejected %llu datagrams (bad_version %llu)\n",
			    names[i], (unsigned long long)sum_rejected(i),
			    (unsigned long long)
			    engine_counters(E[i])->rejected[REJ_VERSION]);
			bad++;
		}
	is_int(bad, 0, "nothing rejected anywhere, bad_version 0 on all four");
	ok(digests_equal(), "one database everywhere (digest %016llx)",
	    (unsigned long long)engine_digest(E[A]));

	/* routes: a's last mile (12 ms) beats d's (30 ms); an egress
	 * leaves by itself */
	for (i = 0, same = 1; i < N; i++) {
		r = route_of(i);
		if (r == NULL || !r->reachable ||
		    r->egress != CF[i == D ? D : A].id) {
			printf("# %s: %s\n", names[i], r == NULL ? "no route" :
			    !r->reachable ? "unreachable" : r->egress_name);
			same = 0;
		}
	}
	ok(same, "b and c route web out of a (the better last mile), the "
	    "egresses out of themselves");

	/* version 5 content */
	t = tier_of(C);
	ok(t != NULL && t->mode == TIER_STATIC && t->role == TIER_UPPER,
	    "c, without an origin block, takes a's static tiers from the "
	    "database: it is the upper tier");
	t = tier_of(D);
	ok(t != NULL && t->mode == TIER_SMART,
	    "d (previous version) never sees the policy: smart tiers");
	t = tier_of(B);
	ok(t != NULL && t->mode == TIER_SMART && t->role == TIER_LOWER,
	    "b (previous version) too");
	s = engine_node_cache(E[C], CF[A].id);
	ok(s != NULL && strcmp(s, "10.0.0.1:8080") == 0,
	    "c knows a's cache address (%s)", s ? s : "none");
	s = engine_node_cache(E[A], CF[C].id);
	ok(s != NULL && strcmp(s, "[2001:db8::3]:80") == 0,
	    "a knows c's (%s)", s ? s : "none");
	ok(engine_node_cache(E[A], CF[D].id) == NULL &&
	    engine_node_cache(E[B], CF[A].id) == NULL,
	    "nobody knows d's (it cannot advertise one), b knows none");

	/*
	 * Cut a-c. a's new rows reach c through b or d only, in the
	 * previous version's form: c keeps a's cache address and policy.
	 */
	cut[A][C] = cut[C][A] = 1;
	feed(10 * SEC, WIRE_ORIGIN_HEALTHY);
	feed(4 * SEC, WIRE_ORIGIN_UNHEALTHY);	/* a new row of a's */
	r = route_of(C);
	ok(r != NULL && r->reachable && r->egress == CF[D].id &&
	    r->next_hop != CF[A].id,
	    "a-c cut, a's origin failing: c routes out of d, the news came "
	    "through the previous version");
	ok(digests_equal(), "one database everywhere again");
	{
		const struct lsdb_node *an;
		struct engine_db_node dn;
		size_t k;
		int has = 0;

		for (k = 0; k < engine_db_nnodes(E[C]); k++)
			if (engine_db_node(E[C], k, net.now, &dn) == 0 &&
			    dn.id == CF[A].id && dn.has_row)
				has = 1;
		ok(has, "c holds a's row");
		an = lsdb_find(engine_lsdb(E[C]), CF[A].id);
		ok(an != NULL && an->form == WIRE_VERSION_MIN,
		    "... in the previous version's form (%u): it came through "
		    "b or d", an != NULL ? an->form : 0);
	}
	s = engine_node_cache(E[C], CF[A].id);
	ok(s != NULL && strcmp(s, "10.0.0.1:8080") == 0,
	    "c still knows a's cache address (%s)", s ? s : "none");
	t = tier_of(C);
	ok(t != NULL && t->mode == TIER_STATIC,
	    "and a's static tiers (mode %d)", t ? t->mode : -1);

	/* quiet: nothing is flooded again and again */
	for (i = 0; i < N; i++) {
		cc = engine_counters(E[i]);
		req0[i] = cc->requests_sent;
		sum0[i] = cc->summaries_sent;
		lsa0[i] = cc->tx_type_packets[WIRE_LSA] +
		    cc->tx_type_packets[WIRE_LSA_DELTA];
	}
	feed(20 * SEC, WIRE_ORIGIN_UNHEALTHY);
	for (i = 0, bad = 0; i < N; i++) {
		cc = engine_counters(E[i]);
		if (cc->requests_sent - req0[i] > 2 ||
		    cc->summaries_sent - sum0[i] > 2 ||
		    cc->tx_type_packets[WIRE_LSA] +
		    cc->tx_type_packets[WIRE_LSA_DELTA] - lsa0[i] > 8) {
			printf("# %s in 20 quiet s: %llu requests, %llu "
			    "summaries, %llu rows\n", names[i],
			    (unsigned long long)(cc->requests_sent - req0[i]),
			    (unsigned long long)(cc->summaries_sent - sum0[i]),
			    (unsigned long long)(cc->tx_type_packets[WIRE_LSA] +
			    cc->tx_type_packets[WIRE_LSA_DELTA] - lsa0[i]));
			bad++;
		}
	}
	is_int(bad, 0, "20 quiet seconds: no PoP keeps requesting, "
	    "summarising or sending rows");
	for (i = 0, bad = 0; i < N; i++)
		bad += sum_rejected(i) != 0;
	is_int(bad, 0, "still nothing rejected");

	/* a's cache moves while cut: c learns it when the link is back */
	snprintf(CF[A].cache, sizeof(CF[A].cache), "10.0.0.11:8081");
	ok(engine_reconfigure(E[A], &CF[A], net.now) == 0,
	    "a: a new cache address");
	feed(5 * SEC, WIRE_ORIGIN_HEALTHY);
	s = engine_node_cache(E[C], CF[A].id);
	ok(s != NULL && strcmp(s, "10.0.0.1:8080") == 0,
	    "through the previous version only, c keeps the old one (the "
	    "documented limit)");
	cut[A][C] = cut[C][A] = 0;
	feed(10 * SEC, WIRE_ORIGIN_HEALTHY);
	s = engine_node_cache(E[C], CF[A].id);
	ok(s != NULL && strcmp(s, "10.0.0.11:8081") == 0,
	    "a-c back: c has the new one (%s)", s ? s : "none");
	ok(digests_equal(), "one database everywhere");
	for (i = 0, bad = 0; i < N; i++)
		bad += sum_rejected(i) != 0;
	is_int(bad, 0, "nothing rejected, from start to end");

	for (i = 0; i < N; i++)
		engine_free(E[i]);
	for (i = 0; i < N; i++) {
		size_t k;

		for (k = 0; k < CF[i].norigins; k++) {
			free(CF[i].origins[k].prefixes);
			free(CF[i].origins[k].egress);
			free(CF[i].origins[k].egress_names);
			free(CF[i].origins[k].tier);
			free(CF[i].origins[k].tier_names);
		}
		free(CF[i].origins);
		free(CF[i].peers);
	}
	enet_free(&net);
	return done_testing();
}
