/*
 * Mixed wire versions (argod.8, "Wire versions"): four engines on a
 * virtual clock, a and c of this release, b and d speaking only version
 * 4, the oldest this release understands (engine_conf.wire_version), as
 * a fleet half-way through a rolling upgrade. a and d are egresses of origin "web"; a
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

/* The version engine e sends its peer k, and what it heard k speaks. */
static unsigned
tx_version_of(struct engine *e, size_t k, unsigned *heard)
{
	struct engine_peer_info pi;

	engine_peer(e, k, &pi);
	if (heard != NULL)
		*heard = pi.wire_heard;
	return pi.wire_version;
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

/*
 * Compact probes (wire.h, version 6) between x and y; z speaks 5, and
 * x-z, y-z stay on full probes both ways. Probe sizes from what each
 * sends, links up with their RTTs, a cut detected as fast on either
 * form, nothing rejected, and a compact probe to z is bad_magic there.
 */
#define PN	3
static struct engine *PE[PN];
static struct engine_conf PC[PN];
static double powd[PN][PN];
static int pcut[PN][PN];
static struct enet pnet;
static int pidx[PN];
static unsigned psize[PN][PN][2];	/* probes sent: full, compact */
static uint8_t plast[WIRE_MTU];		/* x's last compact probe to y */
static size_t plast_len;

static void
pev_send(void *arg, size_t peer, const void *buf, size_t len)
{
	int from = *(int *)arg, to = enet_node(from, peer);
	enum wire_type t = wire_sent_type(buf, len);

	if (t == WIRE_PROBE || t == WIRE_PROBE_REPLY) {
		if (len == WIRE_COMPACT_LEN)
			psize[from][to][1]++;
		else if (len == WIRE_HDR_LEN + 24 + WIRE_MAC_LEN)
			psize[from][to][0]++;
		if (from == 0 && to == 1 && len == WIRE_COMPACT_LEN) {
			memcpy(plast, buf, len);
			plast_len = len;
		}
	}
	if (!pcut[from][to])
		enet_send(&pnet, from, peer, buf, len);
}

static const struct engine_ops pops = { pev_send, NULL, NULL, NULL, NULL };

static void
pstate(int i, int j, struct engine_peer_info *pi)
{
	engine_peer(PE[i], (size_t)(j < i ? j : j - 1), pi);
}

static void
test_probe_forms(void)
{
	static const char *pn[PN] = { "x", "y", "z" };
	struct engine_peer_info pi;
	uint64_t t0, rej, mag;
	int i, j, k, bad, up;
	uint64_t down_at[2], sums[PN];

	for (i = 0; i < PN; i++)
		for (j = 0; j < PN; j++)
			powd[i][j] = 4 + i + j;	/* x-y 5, x-z 6, y-z 7 ms */
	for (i = 0; i < PN; i++) {
		memset(&PC[i], 0, sizeof(PC[i]));
		snprintf(PC[i].name, sizeof(PC[i].name), "%s", pn[i]);
		PC[i].id = wire_node_id(pn[i]);
		memcpy(PC[i].key, key, sizeof(key));
		params_default(&PC[i].p);
		PC[i].p.probe_idle_interval = 0;	/* all links hot */
		PC[i].npeers = PN - 1;
		PC[i].peers = calloc(PN - 1, sizeof(*PC[i].peers));
		for (j = k = 0; j < PN; j++) {
			if (j == i)
				continue;
			snprintf(PC[i].peers[k].name,
			    sizeof(PC[i].peers[k].name), "%s", pn[j]);
			PC[i].peers[k].id = wire_node_id(pn[j]);
			k++;
		}
		if (i == 2)
			PC[i].wire_version = 5;
		pidx[i] = i;
	}
	enet_init(&pnet, PN, PE, &powd[0][0], NULL, QMAX);
	for (i = 0; i < PN; i++)
		PE[i] = engine_new(&PC[i], &pops, &pidx[i], 0,
		    7000 + (uint32_t)i, (uint64_t)i + 11);
	enet_run_until(&pnet, 10 * SEC);
	memset(psize, 0, sizeof(psize));
	for (i = 0; i < PN; i++)
		sums[i] = engine_counters(PE[i])->summaries_sent;
	enet_run_until(&pnet, 20 * SEC);
	/*
	 * A compact probe's digest is the high half (wire.h): compared as
	 * such, one database is no gap, and no summaries go out (compared
	 * whole, every probe would read as a gap and x and y would send
	 * each other a summary every SYNC_INTERVAL).
	 */
	for (i = 0, bad = 0; i < PN; i++)
		bad += engine_counters(PE[i])->summaries_sent != sums[i];
	is_int(bad, 0, "forms: 10 quiet s, no PoP sends a summary (x %llu)",
	    (unsigned long long)(engine_counters(PE[0])->summaries_sent -
	    sums[0]));

	ok(psize[0][1][1] > 0 && psize[1][0][1] > 0 &&
	    psize[0][1][0] == 0 && psize[1][0][0] == 0,
	    "forms: x and y (6) send each other compact probes only (%u, %u "
	    "of %d bytes)", psize[0][1][1], psize[1][0][1], WIRE_COMPACT_LEN);
	for (i = 0, bad = 0; i < 2; i++)
		if (psize[i][2][1] != 0 || psize[2][i][1] != 0 ||
		    psize[i][2][0] == 0 || psize[2][i][0] == 0)
			bad++;
	is_int(bad, 0, "forms: x-z and y-z (z speaks 5) full probes both "
	    "ways (x->z %u, z->x %u)", psize[0][2][0], psize[2][0][0]);
	{
		unsigned hv = 0, hz = 0;

		unsigned vy, vz, vx;

		/* x's peers: y 0, z 1; z's: x 0 */
		vy = tx_version_of(PE[0], 0, &hv);
		ok(vy == 6 && hv == 6, "forms: x sends y version %u (heard "
		    "%u), want 6", vy, hv);
		vz = tx_version_of(PE[0], 1, &hv);
		vx = tx_version_of(PE[2], 0, &hz);
		ok(vz == 5 && hv == 5 && vx == 5 && hz == 5,
		    "forms: x sends z %u (heard %u), z sends x %u (heard %u), "
		    "want 5", vz, hv, vx, hz);
	}
	for (i = 0, up = 1; i < PN; i++)
		for (j = 0; j < PN; j++) {
			double want = powd[i][j] + powd[j][i];

			if (i == j)
				continue;
			pstate(i, j, &pi);
			if (pi.state != LINK_UP || pi.rtt_ms < want - 0.05 ||
			    pi.rtt_ms > want + 0.05) {
				printf("# %s-%s: %s, rtt %.3f ms (want %.1f)\n",
				    pn[i], pn[j], link_state_name(pi.state),
				    pi.rtt_ms, want);
				up = 0;
			}
		}
	ok(up, "forms: every link up, RTTs exact on both forms");
	for (i = 0, bad = 0; i < PN; i++)
		for (k = 0; k < REJ_MAX; k++)
			bad += engine_counters(PE[i])->rejected[k] != 0;
	is_int(bad, 0, "forms: nothing rejected anywhere");
	ok(engine_digest(PE[0]) == engine_digest(PE[1]) &&
	    engine_digest(PE[0]) == engine_digest(PE[2]),
	    "forms: one database");

	/* z, a version 5 PoP, does not know the compact form */
	rej = engine_counters(PE[2])->rejected[REJ_MAGIC];
	mag = engine_counters(PE[2])->rx_packets;
	ok(plast_len == WIRE_COMPACT_LEN, "forms: captured a compact probe");
	engine_input(PE[2], pnet.now, 0, plast, plast_len, pnet.now);
	ok(engine_counters(PE[2])->rejected[REJ_MAGIC] == rej + 1 &&
	    engine_counters(PE[2])->rx_packets == mag + 1,
	    "forms: a compact probe to a version 5 PoP is bad_magic");
	/* and y drops a compact probe replayed to it */
	rej = engine_counters(PE[1])->rejected[REJ_DUPLICATE] +
	    engine_counters(PE[1])->rejected[REJ_BELOW_WINDOW] +
	    engine_counters(PE[1])->rejected[REJ_MAC];
	engine_input(PE[1], pnet.now, 0, plast, plast_len, pnet.now);
	ok(engine_counters(PE[1])->rejected[REJ_DUPLICATE] +
	    engine_counters(PE[1])->rejected[REJ_BELOW_WINDOW] +
	    engine_counters(PE[1])->rejected[REJ_MAC] == rej + 1,
	    "forms: a compact probe replayed is rejected");

	/*
	 * Key rollover (argod.8, "Keys") on compact probes: y accepts K2
	 * as its next key, then x sends with K2 and accepts K from y.
	 */
	{
		uint64_t ky = engine_counters(PE[1])->rx_key_next,
		    kx = engine_counters(PE[0])->rx_key_next, macs = 0;

		for (i = 1; i < PN; i++) {
			PC[i].has_key_next = 1;
			for (k = 0; k < WIRE_KEY_LEN; k++)
				PC[i].key_next[k] = (uint8_t)(key[k] ^ 0x5a);
		}
		memcpy(PC[0].key_next, PC[0].key, WIRE_KEY_LEN);
		PC[0].has_key_next = 1;
		memcpy(PC[0].key, PC[1].key_next, WIRE_KEY_LEN);
		ok(engine_reconfigure(PE[1], &PC[1], pnet.now) == 0 &&
		    engine_reconfigure(PE[2], &PC[2], pnet.now) == 0 &&
		    engine_reconfigure(PE[0], &PC[0], pnet.now) == 0,
		    "forms: y and z take K2 as key-next, x sends with K2");
		memset(psize, 0, sizeof(psize));
		enet_run_until(&pnet, pnet.now + 3 * SEC);
		pstate(0, 1, &pi);
		up = pi.state == LINK_UP;
		pstate(1, 0, &pi);
		up &= pi.state == LINK_UP;
		for (i = 0; i < 2; i++)
			macs += engine_counters(PE[i])->rejected[REJ_MAC];
		ok(up && psize[0][1][1] > 0 && psize[0][1][0] == 0 &&
		    engine_counters(PE[1])->rx_key_next > ky &&
		    engine_counters(PE[0])->rx_key_next > kx && macs == 0,
		    "forms: x-y stays up on compact probes through the "
		    "rollover (key-next accepted %llu and %llu times, bad_mac "
		    "%llu)", (unsigned long long)
		    (engine_counters(PE[1])->rx_key_next - ky),
		    (unsigned long long)
		    (engine_counters(PE[0])->rx_key_next - kx),
		    (unsigned long long)macs);
	}

	/* cut x-y (compact) and x-z (full): x takes both down as fast */
	pcut[0][1] = pcut[1][0] = pcut[0][2] = pcut[2][0] = 1;
	t0 = pnet.now;
	down_at[0] = down_at[1] = 0;
	while (pnet.now < t0 + 3 * SEC && (!down_at[0] || !down_at[1])) {
		enet_run_until(&pnet, pnet.now + MSEC);
		for (k = 0; k < 2; k++) {
			pstate(0, k + 1, &pi);
			if (!down_at[k] && pi.state == LINK_DOWN)
				down_at[k] = pnet.now - t0;
		}
	}
	ok(down_at[0] != 0 && down_at[1] != 0,
	    "forms: both cuts detected (compact %llu ms, full %llu ms)",
	    (unsigned long long)(down_at[0] / MSEC),
	    (unsigned long long)(down_at[1] / MSEC));
	/*
	 * Silence for the multiplier times the shorter of the two holds
	 * (engine-nbr.c, nbr_detect_time()): 3 after 200 clean probes
	 * (rx_q_high()), times our own 110 ms on either form (a compact
	 * probe's hold goes as 112 ms).
	 */
	ok(down_at[0] <= 3 * 110 * MSEC + 2 * MSEC &&
	    down_at[1] <= 3 * 110 * MSEC + 2 * MSEC,
	    "forms: both within 3 x 110 ms of the cut, compact as full");
	pcut[0][1] = pcut[1][0] = pcut[0][2] = pcut[2][0] = 0;
	enet_run_until(&pnet, pnet.now + 10 * SEC);
	for (i = 0, up = 1; i < PN; i++)
		for (j = 0; j < PN; j++) {
			if (i == j)
				continue;
			pstate(i, j, &pi);
			up &= pi.state == LINK_UP;
		}
	ok(up, "forms: every link back up");
	memset(psize, 0, sizeof(psize));
	enet_run_until(&pnet, pnet.now + 5 * SEC);
	ok(psize[0][1][1] > 0 && psize[0][1][0] == 0 && psize[0][2][1] == 0,
	    "forms: x back on compact probes to y, full ones to z");

	for (i = 0; i < PN; i++) {
		engine_free(PE[i]);
		free(PC[i].peers);
	}
	enet_free(&pnet);
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
	is_int(heard, WIRE_VERSION_MIN, "b, of version %d, takes a for one "
	    "too (%u)", WIRE_VERSION_MIN, heard);
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
	test_probe_forms();
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
