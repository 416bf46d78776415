/*
 * Unit tests for the replay guard (src/replay.c): a 64-packet sliding
 * window per sender, keyed by boot id.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "replay.h"
#include "tap.h"

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
		return -1;
	if (seq + REPLAY_WINDOW <= m->top)
		return -1;
	for (i = 0; i < m->nseen; i++)
		if (m->seen[i] == seq)
			return -1;
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

static void
test_in_order(void)
{
	struct replay r;
	uint64_t s;
	int bad = 0;

	replay_reset(&r);
	is_int(r.init, 0, "reset: not initialised");
	is_int(replay_check(&r, 7, 1), 0, "first packet accepted");
	for (s = 2; s <= 1000; s++)
		if (replay_check(&r, 7, s) != 0)
			bad++;
	is_int(bad, 0, "1000 in-order packets accepted");
	is_int(replay_check(&r, 7, 1000), -1, "duplicate of top rejected");
	is_int(replay_check(&r, 7, 999), -1, "duplicate of top-1 rejected");
	is_int(replay_check(&r, 7, 937), -1, "duplicate of top-63 rejected");
	is_int(replay_check(&r, 7, 936), -1, "top-64 rejected (outside)");
	is_int(replay_check(&r, 7, 1), -1, "very old rejected");
	is_int(replay_check(&r, 7, 0), -1, "seq 0 rejected");
	ok(r.top == 1000, "top is the highest accepted");

	/* first packet may be seq 0 */
	replay_reset(&r);
	is_int(replay_check(&r, 0, 0), 0, "boot 0 seq 0 accepted first");
	is_int(replay_check(&r, 0, 0), -1, "boot 0 seq 0 duplicate rejected");
	is_int(replay_check(&r, 0, 1), 0, "boot 0 seq 1 accepted");
}

static void
test_reorder(void)
{
	struct replay r;
	uint64_t s;
	int bad = 0;

	replay_reset(&r);
	is_int(replay_check(&r, 1, 100), 0, "reorder: 100 accepted");
	is_int(replay_check(&r, 1, 163), 0, "reorder: jump to 163");
	/* everything in 100..162 except 100 is new and inside the window */
	is_int(replay_check(&r, 1, 99), -1, "reorder: 99 (top-64) rejected");
	is_int(replay_check(&r, 1, 100), -1, "reorder: 100 seen, rejected");
	for (s = 162; s > 100; s--)
		if (replay_check(&r, 1, s) != 0)
			bad++;
	is_int(bad, 0, "reorder: 62 late packets in window accepted once");
	bad = 0;
	for (s = 100; s <= 163; s++)
		if (replay_check(&r, 1, s) != -1)
			bad++;
	is_int(bad, 0, "reorder: second delivery of all 64 rejected");

	/* interleaved: odd first, then even, then all again */
	replay_reset(&r);
	replay_check(&r, 2, 1000);
	bad = 0;
	for (s = 1001; s < 1064; s += 2)
		if (replay_check(&r, 2, s) != 0)
			bad++;
	for (s = 1002; s < 1064; s += 2)
		if (replay_check(&r, 2, s) != 0)
			bad++;
	is_int(bad, 0, "reorder: odd then even accepted");
	bad = 0;
	for (s = 1000; s < 1064; s++)
		if (replay_check(&r, 2, s) != -1)
			bad++;
	is_int(bad, 0, "reorder: all replays rejected");

	/* the exact window edge */
	replay_reset(&r);
	replay_check(&r, 3, 500);
	is_int(replay_check(&r, 3, 500 + 63), 0, "edge: +63 accepted");
	is_int(replay_check(&r, 3, 501), 0, "edge: top-62 accepted");
	is_int(replay_check(&r, 3, 500), -1, "edge: top-63 (seen) rejected");
	is_int(replay_check(&r, 3, 499), -1, "edge: top-64 rejected");
	replay_reset(&r);
	replay_check(&r, 3, 500);
	replay_check(&r, 3, 563);
	/* 500 is still inside the window and marked seen after the shift */
	is_int(replay_check(&r, 3, 500), -1, "edge: bit survives a 63 shift");
}

static void
test_boots(void)
{
	struct replay r;

	replay_reset(&r);
	is_int(replay_check(&r, 10, 5000), 0, "boot: boot 10 seq 5000");
	is_int(replay_check(&r, 9, 6000), -1, "boot: older boot rejected");
	is_int(replay_check(&r, 9, 1), -1, "boot: older boot low seq rejected");
	is_int(replay_check(&r, 11, 1), 0, "boot: newer boot accepted (reset)");
	is_int(r.boot, 11, "boot: boot updated");
	is_int(replay_check(&r, 11, 2), 0, "boot: low seqs fine in new boot");
	is_int(replay_check(&r, 11, 1), -1, "boot: duplicate in new boot");
	is_int(replay_check(&r, 10, 5001), -1, "boot: previous boot now old");
	is_int(replay_check(&r, 0xffffffff, 0), 0, "boot: max boot");
	is_int(replay_check(&r, 0xfffffffe, 0), -1, "boot: below max old");
	is_int(replay_check(&r, 0xffffffff, 0), -1, "boot: max dup rejected");
}

static void
test_jumps(void)
{
	struct replay r;

	replay_reset(&r);
	replay_check(&r, 1, 1);
	is_int(replay_check(&r, 1, 1 + 64), 0, "jump: +64 accepted");
	is_int(replay_check(&r, 1, 1), -1, "jump: old top now outside");
	is_int(replay_check(&r, 1, 2), 0, "jump: top-63 unseen accepted");
	is_int(replay_check(&r, 1, 2), -1, "jump: and only once");
	is_int(replay_check(&r, 1, 1000000), 0, "jump: +999935 accepted");
	is_int(replay_check(&r, 1, 65), -1, "jump: previous top rejected");
	is_int(replay_check(&r, 1, 999999), 0, "jump: window cleared, -1 ok");
	is_int(replay_check(&r, 1, 1000000 - 63), 0, "jump: -63 ok");
	is_int(replay_check(&r, 1, 1000000 - 64), -1, "jump: -64 rejected");
	is_int(replay_check(&r, 1, UINT64_MAX), 0, "jump: to UINT64_MAX");
	is_int(replay_check(&r, 1, UINT64_MAX), -1, "jump: UINT64_MAX dup");
	is_int(replay_check(&r, 1, UINT64_MAX - 1), 0, "jump: below max ok");
	is_int(replay_check(&r, 1, 1000000), -1, "jump: far below max old");
	is_int(replay_check(&r, 1, 0), -1, "jump: 0 below max old");
	is_int(replay_check(&r, 2, 0), 0, "jump: new boot from the top");

	/* shift of exactly 63 and 65 */
	replay_reset(&r);
	replay_check(&r, 1, 10);
	is_int(replay_check(&r, 1, 73), 0, "jump: +63");
	is_int(replay_check(&r, 1, 10), -1, "jump: +63 keeps old bit");
	replay_reset(&r);
	replay_check(&r, 1, 10);
	is_int(replay_check(&r, 1, 75), 0, "jump: +65");
	is_int(replay_check(&r, 1, 11), -1, "jump: +65: top-64 rejected");
	is_int(replay_check(&r, 1, 12), 0, "jump: +65: top-63 accepted");
	is_int(replay_check(&r, 1, 10), -1, "jump: +65: old top rejected");
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

int
main(void)
{
	test_in_order();
	test_reorder();
	test_boots();
	test_jumps();
	test_random();
	return done_testing();
}
