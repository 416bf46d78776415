/*
 * SPF on hand-made graphs with known answers: shortest paths, the two-way
 * check, congestion avoidance, down links, loss penalty, clamping and the
 * deterministic tie order.
 */
#include "config.h"

#include <string.h>

#include "engine.h"
#include "lsdb.h"
#include "spf.h"
#include "tap.h"

#define MAXN	8
static struct engine_params P;
static struct lsdb db;
/* rtt in ms (0 = no link), state per directed pair */
static double rtt[MAXN][MAXN];
static int st[MAXN][MAXN];
static int lossu[MAXN][MAXN];
static uint32_t ids[MAXN];
static int nn;
static uint32_t seq;	/* rows must be newer to replace */

static void
reset(int n)
{
	int i;

	lsdb_free(&db);
	lsdb_init(&db);
	memset(rtt, 0, sizeof(rtt));
	memset(lossu, 0, sizeof(lossu));
	memset(st, 0, sizeof(st));
	nn = n;
	for (i = 0; i < n; i++)
		ids[i] = (uint32_t)(100 + i);	/* id order == index order */
}

static void
link2(int a, int b, double ms)
{
	rtt[a][b] = rtt[b][a] = ms;
	st[a][b] = st[b][a] = LINK_UP;
}

static void
install(void)
{
	struct wire_lsa_entry e[MAXN];
	char name[16];
	int i, j, k;

	seq++;
	for (i = 0; i < nn; i++) {
		for (j = k = 0; j < nn; j++) {
			if (rtt[i][j] == 0)
				continue;
			e[k].peer = ids[j];
			e[k].rtt = (uint16_t)(rtt[i][j] * 10);
			e[k].loss = (uint8_t)lossu[i][j];
			e[k].state = (uint8_t)st[i][j];
			k++;
		}
		snprintf(name, sizeof(name), "n%d", i);
		lsdb_install_row(&db, ids[i], name, 1, seq, 0, e, (size_t)k, 0,
		    P.lsa_maxage);
	}
}

/* Path from 0 to dst as a string of indices, e.g. "0-1-3". */
static const char *
path(int dst)
{
	static char buf[64];
	struct spf_graph g;
	struct spf_tree t;
	int hops[MAXN], n = 0, i;
	long s, root = lsdb_slot(&db, ids[0]);

	spf_graph_init(&g);
	spf_tree_init(&t);
	spf_graph_build(&g, &db, &P);
	spf_run(&t, &g, &db, (uint32_t)root);
	buf[0] = '\0';
	s = lsdb_slot(&db, ids[dst]);
	if (s < 0 || !spf_reached(&t, (uint32_t)s)) {
		strcpy(buf, "none");
		goto out;
	}
	for (; s >= 0; s = t.pred[s])
		hops[n++] = (int)(db.slots[s].id - 100);
	for (i = n - 1; i >= 0; i--)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
		    i ? "%d-" : "%d", hops[i]);
out:
	spf_tree_free(&t);
	spf_graph_free(&g);
	return buf;
}

static uint64_t
cost_to(int dst, int reverse_from_dst_to_0)
{
	struct spf_graph g;
	struct spf_tree t;
	uint64_t c;

	spf_graph_init(&g);
	spf_tree_init(&t);
	spf_graph_build(&g, &db, &P);
	if (reverse_from_dst_to_0) {
		spf_run_reverse(&t, &g, &db, (uint32_t)lsdb_slot(&db, ids[dst]));
		c = t.cost[lsdb_slot(&db, ids[0])];
	} else {
		spf_run(&t, &g, &db, (uint32_t)lsdb_slot(&db, ids[0]));
		c = t.cost[lsdb_slot(&db, ids[dst])];
	}
	spf_tree_free(&t);
	spf_graph_free(&g);
	return c;
}

#define PATH_IS(dst, want, what) do {					\
	const char *p_ = path(dst);					\
	ok(strcmp(p_, want) == 0, "%s: %s (want %s)", what, p_, want);	\
} while (0)

int
main(void)
{
	params_default(&P);
	is_int(P.hop_cost, 500, "default hop cost 0.5 ms");
	is_int(P.cong_penalty, 5000, "default congestion penalty 5 ms");
	P.hop_cost = 0;		/* the cost arithmetic below is RTT only */
	P.cong_penalty = 0;	/* strict avoidance, until the penalty tests */
	lsdb_init(&db);

	/* Triangle: detour beats direct. */
	reset(3);
	link2(0, 1, 10);
	link2(1, 2, 10);
	link2(0, 2, 30);
	install();
	PATH_IS(2, "0-1-2", "detour shorter than direct");
	is_int(cost_to(2, 0), 20000, "cost is the sum of RTTs in us");
	is_int(cost_to(2, 1), 20000, "reverse tree gives the same cost");

	/* Congested link avoided although cheaper. */
	st[1][2] = LINK_CONGESTED;
	install();
	PATH_IS(2, "0-2", "congested hop avoided when an uncongested path exists");
	/* ...and used when it is the only way. */
	reset(3);
	link2(0, 1, 10);
	link2(1, 2, 10);
	st[0][1] = LINK_CONGESTED;
	install();
	PATH_IS(2, "0-1-2", "congested path used when nothing else exists");
	/* Fewer congested links wins over cost. */
	reset(4);
	link2(0, 1, 10);
	link2(1, 3, 10);
	link2(0, 2, 50);
	link2(2, 3, 50);
	st[0][1] = st[1][3] = LINK_CONGESTED;
	st[0][2] = LINK_CONGESTED;
	install();
	PATH_IS(3, "0-2-3", "one congested link beats two");

	/* Down links never used, two-way check. */
	reset(3);
	link2(0, 1, 10);
	link2(1, 2, 10);
	link2(0, 2, 30);
	st[2][1] = LINK_DOWN;	/* 2 says the link is down, 1 says up */
	install();
	PATH_IS(2, "0-2", "link down on one side is unusable both ways");
	reset(3);
	link2(0, 1, 10);
	link2(1, 2, 10);
	rtt[2][1] = 0;		/* 2 does not list 1 at all */
	install();
	PATH_IS(2, "none", "one-way link is unusable");
	reset(3);
	link2(0, 1, 10);
	st[0][1] = st[1][0] = LINK_DOWN;
	link2(1, 2, 10);
	install();
	PATH_IS(2, "none", "no path through a down link");

	/* Ties: lower cost, then fewer hops, then lower predecessor id. */
	reset(4);
	link2(0, 1, 10);
	link2(1, 3, 10);
	link2(0, 2, 10);
	link2(2, 3, 10);
	install();
	PATH_IS(3, "0-1-3", "equal paths: lower predecessor id wins");
	ids[1] = 200;		/* now node 2 has the lower id */
	install();
	{
		const char *p = path(3);

		/* node 1 now prints as 100 (id 200 - 100) */
		ok(strcmp(p, "0-2-3") == 0, "tie follows ids, not order: %s", p);
	}
	reset(3);
	link2(0, 1, 10);
	link2(1, 2, 10);
	link2(0, 2, 20);
	install();
	PATH_IS(2, "0-2", "equal cost: fewer hops wins");

	/* Loss penalty: 2 % loss on the detour (4 units of 0.5 %) adds
	 * 2 * loss_penalty = 20 ms; the direct path wins again. */
	reset(3);
	link2(0, 1, 10);
	link2(1, 2, 10);
	link2(0, 2, 30);
	lossu[0][1] = 4;
	install();
	PATH_IS(2, "0-2", "loss penalty moves the route");
	is_int(cost_to(1, 0), 10000 + 2 * P.loss_penalty,
	    "cost = rtt + loss%% * penalty");

	/* Clamping. */
	reset(2);
	link2(0, 1, 3000);	/* above cost_max */
	install();
	is_int(cost_to(1, 0), P.cost_max, "cost clamped to cost_max");
	reset(2);
	link2(0, 1, 0.01);	/* 0 in 0.1 ms units */
	rtt[0][1] = rtt[1][0] = 0.04;
	install();
	is_int(cost_to(1, 0), P.cost_min, "cost clamped to cost_min");

	/* Unknown RTT costs the maximum but the link is usable. */
	{
		struct lsdb_link l = { .rtt = WIRE_RTT_UNKNOWN, .state = 1 };

		is_int(spf_link_cost(&l, &P), P.cost_max,
		    "unknown RTT costs cost_max");
	}

	/*
	 * Congestion penalty instead of strict avoidance: a congested link
	 * costs its RTT plus the penalty, and is used when every other path
	 * is worse by more than that.
	 */
	reset(3);
	link2(0, 1, 10);
	link2(1, 2, 10);
	link2(0, 2, 30);
	st[1][2] = st[2][1] = LINK_CONGESTED;
	install();
	PATH_IS(2, "0-2", "strict: the congested detour is avoided");
	P.cong_penalty = 5000;
	PATH_IS(2, "0-1-2", "penalty 5 ms: 10 + 10 + 5 beats 30");
	is_int(cost_to(2, 0), 25000, "penalty counted in the cost");
	P.cong_penalty = 15000;
	PATH_IS(2, "0-2", "penalty 15 ms: 10 + 10 + 15 loses to 30");
	/*
	 * The default bounds what avoidance may cost: a detour around a
	 * congested link is taken only while it is at most the penalty
	 * slower. Strict avoidance took any detour, however slow.
	 */
	P.cong_penalty = 20000;
	reset(3);
	link2(0, 1, 40);
	link2(1, 2, 40);
	link2(0, 2, 61);
	st[0][2] = st[2][0] = LINK_CONGESTED;
	install();
	PATH_IS(2, "0-1-2", "default: a detour 19 ms slower avoids congestion");
	reset(3);
	link2(0, 1, 40);
	link2(1, 2, 40);
	link2(0, 2, 59);
	st[0][2] = st[2][0] = LINK_CONGESTED;
	install();
	PATH_IS(2, "0-2", "default: a detour 21 ms slower is not taken");
	P.cong_penalty = 0;
	install();
	PATH_IS(2, "0-1-2", "strict (penalty 0): it is");

	/* Hop cost: a detour must win by more than it per extra hop. */
	reset(3);
	link2(0, 1, 10);
	link2(1, 2, 10);
	link2(0, 2, 20.5);
	install();
	PATH_IS(2, "0-1-2", "no hop cost: a 0.5 ms gain takes the detour");
	P.hop_cost = 1000;
	PATH_IS(2, "0-2", "1 ms hop cost: the direct path wins");
	is_int(cost_to(2, 0), 21500, "hop cost counted once per hop");
	link2(0, 2, 22.5);
	install();
	PATH_IS(2, "0-1-2", "1 ms hop cost: a 0.5 ms net gain still detours");
	is_int(cost_to(2, 0), 22000, "two hops: RTTs + 2 x hop cost");
	P.hop_cost = 0;

	lsdb_free(&db);
	return done_testing();
}
