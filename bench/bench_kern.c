/*
 * Route installation benchmark: the real netlink backend installing,
 * replacing (a next-hop change for every prefix), reconciling and
 * withdrawing N prefixes (default 1000). Needs CAP_NET_ADMIN: run it in a
 * throwaway network namespace, as `make bench` does:
 *
 *	ip netns add b; ip netns exec b bench/bench_kern [N]; ip netns del b
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kern.h"
#include "log.h"
#include "prefix.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int nfib;

static void
count(void *arg, const struct kern_route *r)
{
	nfib++;
}

int
main(int argc, char *argv[])
{
	int n = argc > 1 ? atoi(argv[1]) : 1000, i;
	struct kern_addr a, b;
	struct kern_conf kc;
	struct kern *k;
	struct prefix *pfx;
	char err[256];
	double t0, t1, t2, t3, t4, t5;

	log_init("bench_kern", LOG_TO_STDERR, -1);
	if (n < 1 || n > 60000) {
		fprintf(stderr, "bench_kern: N must be 1..60000\n");
		return 2;
	}
	kern_conf_default(&kc);
	k = kern_open(&kc);
	if (kern_dry_run(k)) {
		fprintf(stderr, "bench_kern: no kernel forwarding: %s\n",
		    kern_reason(k));
		kern_close(k);
		return 1;
	}
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.family = b.family = AF_INET;
	inet_pton(AF_INET, "192.0.2.1", a.addr);
	inet_pton(AF_INET, "192.0.2.2", b.addr);
	pfx = calloc((size_t)n, sizeof(*pfx));
	/* 10.100.0.0/24 onwards; the second byte wraps past 255, which
	 * keeps all 60000 distinct. */
	for (i = 0; i < n; i++) {
		pfx[i].family = AF_INET;
		pfx[i].len = 24;
		pfx[i].addr[0] = 10;
		pfx[i].addr[1] = (uint8_t)(100 + i / 256);
		pfx[i].addr[2] = (uint8_t)(i % 256);
	}

	t0 = now_s();
	kern_rules_set(k, pfx, (size_t)n);
	t1 = now_s();
	for (i = 0; i < n; i++)
		kern_route_set(k, &pfx[i], &a);
	t2 = now_s();
	for (i = 0; i < n; i++)
		kern_route_set(k, &pfx[i], &b);
	t3 = now_s();
	kern_reconcile(k);
	t4 = now_s();
	if (kern_fib(k, count, NULL, err, sizeof(err)) != 0)
		fprintf(stderr, "bench_kern: fib: %s\n", err);
	for (i = 0; i < n; i++)
		kern_route_set(k, &pfx[i], NULL);
	t5 = now_s();

	printf("kernel routes, %d prefixes (netlink, %s device %s, table %u):\n",
	    n, kern_tunnel_name(kc.tunnel), kc.device, kc.table);
	printf("  install:        %7.1f ms  (%.1f us per route)\n",
	    (t2 - t1) * 1e3, (t2 - t1) * 1e6 / n);
	printf("  next-hop change:%7.1f ms  (%.1f us per route, replace)\n",
	    (t3 - t2) * 1e3, (t3 - t2) * 1e6 / n);
	printf("  reconcile:      %7.1f ms  (dump and compare, %d in fib)\n",
	    (t4 - t3) * 1e3, nfib);
	printf("  withdraw:       %7.1f ms\n", (t5 - t4) * 1e3);
	printf("  policy rules:   %7.1f ms  for %d rules\n", (t1 - t0) * 1e3,
	    n);
	printf("  errors: %llu\n",
	    (unsigned long long)kern_stats(k)->errors);
	kern_close(k);
	free(pfx);
	return 0;
}
