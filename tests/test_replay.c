/*
 * Unit tests for the replay guard (src/replay.c): a 64-packet sliding
 * window per sender, keyed by boot id, and the engine's use of it:
 * sequence numbers per receiver, so a burst to 300 peers with reordering
 * on every path is accepted, and replays are still rejected.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "replay.h"
#include "tap.h"
#include "wire.h"

/* A slow reference model: the set of accepted (boot, seq) pairs. */
#define MODEL_MAX	(REPLAY_WINDOW + 1)

struct model {
	int		init;
	uint32_t	boot;
	uint64_t	top;
	uint64_t	seen[MODEL_MAX];
	size_t		nseen;
};

static int
model_check(struct model *m, uint32_t boot, uint64_t seq)
{
	size_t i;

	if (!m->init || boot > m->boot) {
		m->init = 1;
		m->boot = boot;
		m->top = seq;
		m->nseen = 0;
		m->seen[m->nseen++] = seq;
		return 0;
	}
	if (boot < m->boot)
		return REPLAY_OLD_BOOT;
	if (seq + REPLAY_WINDOW <= m->top)
		return REPLAY_BELOW_WINDOW;
	for (i = 0; i < m->nseen; i++)
		if (m->seen[i] == seq)
			return REPLAY_DUPLICATE;
	m->seen[m->nseen++] = seq;
	if (seq > m->top)
		m->top = seq;
	/* forget what fell out of the window */
	for (i = 0; i < m->nseen; )
		if (m->seen[i] + REPLAY_WINDOW <= m->top)
			m->seen[i] = m->seen[--m->nseen];
		else
			i++;
	return 0;
}

/* Deterministic xorshift PRNG. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Accepted (0) or rejected for any reason (-1). */
static int
chk(struct replay *r, uint32_t boot, uint64_t seq)
{
	return replay_check(r, boot, seq) == REPLAY_OK ? 0 : -1;
}

static void
test_in_order(void)
{
	struct replay r;
	uint64_t s;
	int bad = 0;

	replay_reset(&r);
	is_int(r.init, 0, "reset: not initialised");
	is_int(chk(&r, 7, 1), 0, "first packet accepted");
	for (s = 2; s <= 1000; s++)
		if (chk(&r, 7, s) != 0)
			bad++;
	is_int(bad, 0, "1000 in-order packets accepted");
	is_int(chk(&r, 7, 1000), -1, "duplicate of top rejected");
	is_int(chk(&r, 7, 999), -1, "duplicate of top-1 rejected");
	is_int(chk(&r, 7, 937), -1, "duplicate of top-63 rejected");
	is_int(chk(&r, 7, 936), -1, "top-64 rejected (outside)");
	is_int(chk(&r, 7, 1), -1, "very old rejected");
	is_int(chk(&r, 7, 0), -1, "seq 0 rejected");
	ok(r.top == 1000, "top is the highest accepted");

	/* first packet may be seq 0 */
	replay_reset(&r);
	is_int(chk(&r, 0, 0), 0, "boot 0 seq 0 accepted first");
	is_int(chk(&r, 0, 0), -1, "boot 0 seq 0 duplicate rejected");
	is_int(chk(&r, 0, 1), 0, "boot 0 seq 1 accepted");
}

static void
test_reorder(void)
{
	struct replay r;
	uint64_t s;
	int bad = 0;

	replay_reset(&r);
	is_int(chk(&r, 1, 100), 0, "reorder: 100 accepted");
	is_int(chk(&r, 1, 163), 0, "reorder: jump to 163");
	/* everything in 100..162 except 100 is new and inside the window */
	is_int(chk(&r, 1, 99), -1, "reorder: 99 (top-64) rejected");
	is_int(chk(&r, 1, 100), -1, "reorder: 100 seen, rejected");
	for (s = 162; s > 100; s--)
		if (chk(&r, 1, s) != 0)
			bad++;
	is_int(bad, 0, "reorder: 62 late packets in window accepted once");
	bad = 0;
	for (s = 100; s <= 163; s++)
		if (chk(&r, 1, s) != -1)
			bad++;
	is_int(bad, 0, "reorder: second delivery of all 64 rejected");

	/* interleaved: odd first, then even, then all again */
	replay_reset(&r);
	chk(&r, 2, 1000);
	bad = 0;
	for (s = 1001; s < 1064; s += 2)
		if (chk(&r, 2, s) != 0)
			bad++;
	for (s = 1002; s < 1064; s += 2)
		if (chk(&r, 2, s) != 0)
			bad++;
	is_int(bad, 0, "reorder: odd then even accepted");
	bad = 0;
	for (s = 1000; s < 1064; s++)
		if (chk(&r, 2, s) != -1)
			bad++;
	is_int(bad, 0, "reorder: all replays rejected");

	/* the exact window edge */
	replay_reset(&r);
	chk(&r, 3, 500);
	is_int(chk(&r, 3, 500 + 63), 0, "edge: +63 accepted");
	is_int(chk(&r, 3, 501), 0, "edge: top-62 accepted");
	is_int(chk(&r, 3, 500), -1, "edge: top-63 (seen) rejected");
	is_int(chk(&r, 3, 499), -1, "edge: top-64 rejected");
	replay_reset(&r);
	chk(&r, 3, 500);
	chk(&r, 3, 563);
	/* 500 is still inside the window and marked seen after the shift */
	is_int(chk(&r, 3, 500), -1, "edge: bit survives a 63 shift");
}

static void
test_boots(void)
{
	struct replay r;

	replay_reset(&r);
	is_int(chk(&r, 10, 5000), 0, "boot: boot 10 seq 5000");
	is_int(chk(&r, 9, 6000), -1, "boot: older boot rejected");
	is_int(chk(&r, 9, 1), -1, "boot: older boot low seq rejected");
	is_int(chk(&r, 11, 1), 0, "boot: newer boot accepted (reset)");
	is_int(r.boot, 11, "boot: boot updated");
	is_int(chk(&r, 11, 2), 0, "boot: low seqs fine in new boot");
	is_int(chk(&r, 11, 1), -1, "boot: duplicate in new boot");
	is_int(chk(&r, 10, 5001), -1, "boot: previous boot now old");
	is_int(chk(&r, 0xffffffff, 0), 0, "boot: max boot");
	is_int(chk(&r, 0xfffffffe, 0), -1, "boot: below max old");
	is_int(chk(&r, 0xffffffff, 0), -1, "boot: max dup rejected");
}

static void
test_jumps(void)
{
	struct replay r;

	replay_reset(&r);
	chk(&r, 1, 1);
	is_int(chk(&r, 1, 1 + 64), 0, "jump: +64 accepted");
	is_int(chk(&r, 1, 1), -1, "jump: old top now outside");
	is_int(chk(&r, 1, 2), 0, "jump: top-63 unseen accepted");
	is_int(chk(&r, 1, 2), -1, "jump: and only once");
	is_int(chk(&r, 1, 1000000), 0, "jump: +999935 accepted");
	is_int(chk(&r, 1, 65), -1, "jump: previous top rejected");
	is_int(chk(&r, 1, 999999), 0, "jump: window cleared, -1 ok");
	is_int(chk(&r, 1, 1000000 - 63), 0, "jump: -63 ok");
	is_int(chk(&r, 1, 1000000 - 64), -1, "jump: -64 rejected");
	is_int(chk(&r, 1, UINT64_MAX), 0, "jump: to UINT64_MAX");
	is_int(chk(&r, 1, UINT64_MAX), -1, "jump: UINT64_MAX dup");
	is_int(chk(&r, 1, UINT64_MAX - 1), 0, "jump: below max ok");
	is_int(chk(&r, 1, 1000000), -1, "jump: far below max old");
	is_int(chk(&r, 1, 0), -1, "jump: 0 below max old");
	is_int(chk(&r, 2, 0), 0, "jump: new boot from the top");

	/* shift of exactly 63 and 65 */
	replay_reset(&r);
	chk(&r, 1, 10);
	is_int(chk(&r, 1, 73), 0, "jump: +63");
	is_int(chk(&r, 1, 10), -1, "jump: +63 keeps old bit");
	replay_reset(&r);
	chk(&r, 1, 10);
	is_int(chk(&r, 1, 75), 0, "jump: +65");
	is_int(chk(&r, 1, 11), -1, "jump: +65: top-64 rejected");
	is_int(chk(&r, 1, 12), 0, "jump: +65: top-63 accepted");
	is_int(chk(&r, 1, 10), -1, "jump: +65: old top rejected");
}

static void
test_random(void)
{
	struct replay r;
	struct model m;
	uint32_t boot = 100;
	uint64_t base = 1000;
	int i, mismatch = 0, accepted = 0;

	replay_reset(&r);
	memset(&m, 0, sizeof(m));
	for (i = 0; i < 200000; i++) {
		uint64_t x = rng();
		uint64_t seq;
		uint32_t b = boot;
		int want, got;

		if (x % 5000 == 0) {	/* restart */
			boot++;
			base = x % 100;
			b = boot;
		} else if (x % 997 == 0)
			b = boot - 1;
		seq = base + (x >> 8) % 150;
		if ((x >> 40) % 4 == 0)
			base++;
		want = model_check(&m, b, seq);
		got = replay_check(&r, b, seq);
		if (want != got) {
			if (mismatch < 5)
				printf("# mismatch at %d: boot %u seq %llu "
				    "model %d replay %d\n", i, b,
				    (unsigned long long)seq, want, got);
			mismatch++;
		}
		if (got == 0)
			accepted++;
	}
	is_int(mismatch, 0, "random: replay agrees with reference model");
	ok(accepted > 1000, "random: a good number of packets were accepted");
}

static void
test_kinds(void)
{
	struct replay r;

	replay_reset(&r);
	is_int(replay_check(&r, 5, 100), REPLAY_OK, "kinds: first");
	is_int(replay_check(&r, 5, 100), REPLAY_DUPLICATE, "kinds: duplicate");
	is_int(replay_check(&r, 5, 36), REPLAY_BELOW_WINDOW,
	    "kinds: top-64 is below the window");
	is_int(replay_check(&r, 5, 37), REPLAY_OK, "kinds: top-63 is inside");
	is_int(replay_check(&r, 4, 1000), REPLAY_OLD_BOOT, "kinds: old boot");
}

/*
 * One sender with 300 peers; what it sends to one receiver over 20 s of
 * probing and flooding (answers never arrive, so every link stays on the
 * fast rate and the sender keeps bursting to all 300) is delivered out
 * of order, each datagram up to 40 places late. The receiver accepts
 * every one once, and rejects a second copy of each and a copy of any
 * taken off the path to another peer.
 */
#define BURST_PEERS	300
#define BURST_MAX	4096

static struct {
	uint8_t		 buf[BURST_MAX][WIRE_MTU];
	size_t		 len[BURST_MAX];
	size_t		 n, other;
	uint8_t		 obuf[WIRE_MTU];
	size_t		 olen;
} burst;

static void
burst_send(void *arg, size_t peer, const void *buf, size_t len)
{
	(void)arg;
	if (peer == 7 && burst.n < BURST_MAX) {
		memcpy(burst.buf[burst.n], buf, len);
		burst.len[burst.n++] = len;
	} else if (peer == 8 && burst.olen == 0) {
		memcpy(burst.obuf, buf, len);
		burst.olen = len;
	} else
		burst.other++;
}

static void
test_engine_burst(void)
{
	static const struct engine_ops ops = { burst_send, NULL, NULL, NULL,
	    NULL };
	struct engine_conf sc, rc;
	struct engine *s, *r;
	const struct engine_counters *c;
	uint64_t now, acc;
	size_t i, j, order[BURST_MAX], key[BURST_MAX];
	int bad = 0;

	memset(&sc, 0, sizeof(sc));
	snprintf(sc.name, sizeof(sc.name), "src");
	sc.id = wire_node_id(sc.name);
	memset(sc.key, 0x5a, sizeof(sc.key));
	params_default(&sc.p);
	sc.npeers = BURST_PEERS;
	sc.peers = calloc(BURST_PEERS, sizeof(*sc.peers));
	for (i = 0; i < BURST_PEERS; i++) {
		snprintf(sc.peers[i].name, sizeof(sc.peers[i].name), "p%zu", i);
		sc.peers[i].id = wire_node_id(sc.peers[i].name);
	}
	rc = sc;
	snprintf(rc.name, sizeof(rc.name), "p7");
	rc.id = sc.peers[7].id;
	rc.npeers = 1;
	rc.peers = calloc(1, sizeof(*rc.peers));
	snprintf(rc.peers[0].name, sizeof(rc.peers[0].name), "src");
	rc.peers[0].id = sc.id;

	s = engine_new(&sc, &ops, NULL, SEC, 1000, 1);
	for (now = SEC; now < 21 * SEC; now = engine_next_deadline(s))
		engine_run(s, now);
	ok(burst.n > 100 && burst.other > 100 * burst.n,
	    "burst: %zu datagrams to the receiver among %zu to others",
	    burst.n, burst.other);

	/* each datagram up to 40 places late: sorted by i + U(0..40) */
	for (i = 0; i < burst.n; i++) {
		key[i] = i + rng() % 41;
		for (j = i; j > 0 && key[order[j - 1]] > key[i]; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	r = engine_new(&rc, &ops, NULL, SEC, 2000, 2);
	c = engine_counters(r);
	for (i = 0; i < burst.n; i++)
		engine_input(r, 2 * SEC, 0, burst.buf[order[i]],
		    burst.len[order[i]], 2 * SEC);
	for (i = 0; i < REJ_MAX; i++)
		if (c->rejected[i] != 0) {
			printf("# rejected as %s: %llu\n", wire_reject_names[i],
			    (unsigned long long)c->rejected[i]);
			bad++;
		}
	is_int(bad, 0, "burst: every reordered datagram accepted");
	acc = c->rx_packets;
	for (i = 0; i < burst.n; i++)
		engine_input(r, 3 * SEC, 0, burst.buf[i], burst.len[i],
		    3 * SEC);
	ok(c->rejected[REJ_DUPLICATE] + c->rejected[REJ_BELOW_WINDOW] ==
	    burst.n && c->rx_packets == acc + burst.n,
	    "burst: every second copy rejected (%llu duplicate, %llu below "
	    "the window)", (unsigned long long)c->rejected[REJ_DUPLICATE],
	    (unsigned long long)c->rejected[REJ_BELOW_WINDOW]);
	ok(burst.olen > 0, "burst: captured a datagram to another peer");
	engine_input(r, 3 * SEC, 0, burst.obuf, burst.olen, 3 * SEC);
	is_int(c->rejected[REJ_MAC], 1,
	    "burst: a datagram sent to another peer is rejected");

	engine_free(s);
	engine_free(r);
	free(sc.peers);
	free(rc.peers);
}

int
main(void)
{
	wire_init();
	test_in_order();
	test_reorder();
	test_boots();
	test_jumps();
	test_random();
	test_kinds();
	test_engine_burst();
	return done_testing();
}
