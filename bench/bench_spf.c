/*
 * SPF benchmark: a full mesh of N PoPs (default 330 and 1000) built from
 * the aws32 matrix (PoP i sits in region i mod 32, with a few ms of
 * deterministic noise per pair), timed over many full runs: graph build
 * from the database plus Dijkstra from one root. Prints figures; it is not
 * a test.
 *
 *	bench_spf [aws32.csv] [N...]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "lsdb.h"
#include "spf.h"

static double m[32][32];

static int
load(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[8192], *tok, *save;
	int i = -1, j;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL && i < 32) {
		if (i >= 0) {
			tok = strtok_r(line, ",", &save);	/* name */
			for (j = 0; j < 32 && (tok = strtok_r(NULL, ",",
			    &save)) != NULL; j++)
				m[i][j] = atof(tok);
		}
		i++;
	}
	fclose(f);
	return i == 32 ? 0 : -1;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
bench(int n)
{
	struct engine_params p;
	struct wire_lsa_entry *e;
	struct spf_graph g;
	struct spf_tree t;
	struct lsdb db;
	uint64_t x = 42;
	double t0, dt, best = 1e9;
	int i, j, k, runs, rounds;

	params_default(&p);
	lsdb_init(&db);
	e = calloc((size_t)n, sizeof(*e));
	for (i = 0; i < n; i++) {
		char name[32];

		for (j = k = 0; j < n; j++) {
			double r;

			if (j == i)
				continue;
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			r = m[i % 32][j % 32] + (double)(x % 50) / 10.0;
			e[k].peer = (uint32_t)(j + 1);
			e[k].rtt = (uint16_t)(r * 10);
			e[k].state = (x >> 20) % 50 == 0 ? LINK_CONGESTED :
			    LINK_UP;
			k++;
		}
		snprintf(name, sizeof(name), "pop%d", i);
		lsdb_install_row(&db, (uint32_t)(i + 1), name, 1, 1, 0, e,
		    (size_t)k, 0, p.lsa_maxage);
	}
	spf_graph_init(&g);
	spf_tree_init(&t);
	runs = n <= 400 ? 2000 : 200;
	for (rounds = 0; rounds < 5; rounds++) {
		t0 = now_s();
		for (i = 0; i < runs; i++) {
			spf_graph_build(&g, &db, &p);
			spf_run(&t, &g, &db, (uint32_t)(i % n));
		}
		dt = (now_s() - t0) / runs;
		if (dt < best)
			best = dt;
	}
	printf("spf full mesh %5d PoPs, %7d links: %.3f ms per full run "
	    "(graph build + Dijkstra; best of 5 x %d runs)\n",
	    n, n * (n - 1), best * 1e3, runs);
	spf_tree_free(&t);
	spf_graph_free(&g);
	lsdb_free(&db);
	free(e);
}

int
main(int argc, char *argv[])
{
	const char *path = argc > 1 ? argv[1] : "tests/data/aws32_rtt_p50_ms.csv";
	int i;

	if (load(path) == -1) {
		fprintf(stderr, "bench_spf: cannot read %s\n", path);
		return 1;
	}
	if (argc > 2)
		for (i = 2; i < argc; i++)
			bench(atoi(argv[i]));
	else {
		bench(330);
		bench(1000);
	}
	return 0;
}
