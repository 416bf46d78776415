/*
 * Metrics page benchmark: the page of a PoP with N peers (default 300)
 * and a route per peer, its size and the time to build it.
 *
 * The PoP's engine is real, converged on argosim's virtual clock
 * (sim/sim-net.c) among N + 1 engines on the synthetic globe: PoP 0
 * peers with all others, each of which also peers with its two
 * successors on a ring, so that PoP 0 holds N measured links, a database
 * of N + 1 rows and N + 1 routes, some of them through another PoP. A
 * full mesh of 301 engines would cost argosim minutes and gigabytes for
 * the same page (sim/README).
 *
 *	bench_metrics [-n peers] [-i iterations] [-o page.txt]
 *	    [-s address:port]
 *
 * -o writes one page (for promtool check metrics); -s then serves that
 * engine's live page over HTTP with argod's own server
 * (src/metrics-http.c) until killed, for curl to time a real scrape.
 * Prints figures; it is not a test.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "engine.h"
#include "log.h"
#include "metrics.h"
#include "metrics-http.h"
#include "sim-matrix.h"
#include "sim-net.h"

static struct metrics_src src;

static double
wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
page(void *arg, size_t *len)
{
	return metrics_format(&src, len);
}

int
main(int argc, char *argv[])
{
	struct matrix m;
	struct net_conf nc;
	struct net_hooks hooks;
	struct net *net;
	struct metrics_hist h;
	struct kern_stats ks;
	struct conf_addr a;
	const char *out = NULL, *serve = NULL;
	uint8_t *peers;
	size_t n = 300, i, len = 0, lines;
	int ch, iters = 200, k;
	double t0, t, best = 1e9;
	char *p, host[64], *colon;
	FILE *f;

	while ((ch = getopt(argc, argv, "n:i:o:s:")) != -1) {
		switch (ch) {
		case 'n':
			n = (size_t)atoi(optarg);
			break;
		case 'i':
			iters = atoi(optarg);
			break;
		case 'o':
			out = optarg;
			break;
		case 's':
			serve = optarg;
			break;
		default:
			fprintf(stderr, "usage: bench_metrics [-n peers] "
			    "[-i iterations] [-o file] [-s address:port]\n");
			return 2;
		}
	}
	log_init("bench_metrics", LOG_TO_STDERR, 0);
	if (wire_init() == -1)
		return 1;
	matrix_synth(&m, n + 1, 1);
	peers = xcalloc((n + 1) * (n + 1), 1);
	for (i = 1; i <= n; i++) {
		size_t j1 = i % n + 1, j2 = (i + 1) % n + 1;

		peers[i] = peers[i * (n + 1)] = 1;
		peers[i * (n + 1) + j1] = peers[j1 * (n + 1) + i] = 1;
		peers[i * (n + 1) + j2] = peers[j2 * (n + 1) + i] = 1;
	}
	memset(&nc, 0, sizeof(nc));
	params_default(&nc.params);
	nc.seed = 1;
	nc.peers = peers;
	memset(&hooks, 0, sizeof(hooks));
	net = net_new(&m, &nc, &hooks);
	net_start(net, SEC);
	t0 = wall();
	net_run_until(net, 12 * SEC);
	fprintf(stderr, "simulated 12 s of %zu PoPs in %.1f s\n", n + 1,
	    wall() - t0);

	memset(&h, 0, sizeof(h));
	for (k = 0; k < 50; k++)
		metrics_hist_observe(&h, 0.0001 * (k + 1));
	memset(&ks, 0, sizeof(ks));
	src.e = net_engine(net, 0);
	src.now = net_now(net);
	src.started = 0;
	src.version = PACKAGE_VERSION;
	src.kern = &ks;
	src.spf = &h;

	p = metrics_format(&src, &len);
	free(p);
	t0 = wall();
	for (k = 0; k < iters; k++) {
		t = wall();
		p = metrics_format(&src, &len);
		t = wall() - t;
		if (t < best)
			best = t;
		if (k < iters - 1)
			free(p);
	}
	t = (wall() - t0) / iters;
	for (lines = 0, i = 0; i < len; i++)
		lines += p[i] == '\n';
	printf("metrics page at %zu peers (%zu routes, %zu rows): %zu bytes, "
	    "%zu lines; build %.3f ms mean, %.3f ms best of %d\n", n,
	    engine_nroutes(src.e), engine_db_nrows(src.e), len, lines,
	    t * 1e3, best * 1e3, iters);
	fflush(stdout);
	if (out != NULL) {
		if ((f = fopen(out, "w")) == NULL ||
		    fwrite(p, 1, len, f) != len || fclose(f) != 0) {
			perror(out);
			return 1;
		}
	}
	free(p);
	if (serve != NULL) {
		snprintf(host, sizeof(host), "%s", serve);
		if ((colon = strrchr(host, ':')) == NULL) {
			fprintf(stderr, "-s: expected ADDRESS:PORT\n");
			return 2;
		}
		*colon++ = '\0';
		memset(&a, 0, sizeof(a));
		a.host = host;
		a.port = (unsigned)atoi(colon);
		a.ss.ss_family = AF_INET;
		((struct sockaddr_in *)&a.ss)->sin_port =
		    htons((uint16_t)a.port);
		if (inet_pton(AF_INET, host, &((struct sockaddr_in *)
		    &a.ss)->sin_addr) != 1) {
			fprintf(stderr, "-s: an IPv4 address\n");
			return 2;
		}
		a.sslen = sizeof(struct sockaddr_in);
		if (metrics_http_open(EV_DEFAULT, &a, page, NULL) == NULL)
			return 1;
		ev_run(EV_DEFAULT, 0);
	}
	net_free(net);
	matrix_free(&m);
	free(peers);
	return 0;
}
