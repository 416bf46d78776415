/*
 * Unit tests for the last-mile estimator (src/lastmile.c), sans-I/O on a
 * made-up time line: health with hysteresis from unknown, healthy and
 * unhealthy, the counters, the last and last good results, and the
 * jittered schedule.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lastmile.h"
#include "tap.h"

#define MS	1000000ULL

static struct lastmile_result
good(int64_t ttfb_us)
{
	struct lastmile_result r;

	memset(&r, 0, sizeof(r));
	r.ok = 1;
	r.http_status = 200;
	r.dns_us = 10;
	r.connect_us = 100;
	r.tls_us = -1;
	r.first_byte_us = ttfb_us;
	r.total_us = ttfb_us + 5;
	return r;
}

static struct lastmile_result
bad(const char *why)
{
	struct lastmile_result r;

	lastmile_fail_result(&r, why);
	return r;
}

static void
test_hysteresis(void)
{
	struct lastmile_conf c = { 1000 * MS, 500 * MS, 3, 2 };
	struct lastmile lm;
	struct lastmile_result r;
	uint64_t t = 1000 * MS;
	int i;

	lastmile_init(&lm, &c, t);
	is_int(lm.health, LASTMILE_UNKNOWN, "unknown before any check");
	is_int(lm.health_since, t, "since the start");
	ok(!lm.has_last && !lm.has_good, "no result yet");

	/* From unknown, failures below unhealthy-after keep it unknown. */
	r = bad("refused");
	is_int(lastmile_record(&lm, t += 1000 * MS, &r), 0, "one failure: "
	    "no change");
	is_int(lm.health, LASTMILE_UNKNOWN, "still unknown");
	/* The first good check makes an unknown origin healthy at once. */
	r = good(2000);
	is_int(lastmile_record(&lm, t += 1000 * MS, &r), 1, "first good: "
	    "a change");
	is_int(lm.health, LASTMILE_HEALTHY, "healthy");
	is_int(lm.health_since, t, "healthy since now");
	is_int(lm.failures, 0, "failures reset");
	is_int(lm.good.first_byte_us, 2000, "last good kept");

	/* Healthy: two failures are not enough, the third is. */
	r = bad("HTTP status 503");
	r.http_status = 503;
	for (i = 1; i <= 2; i++) {
		is_int(lastmile_record(&lm, t += 1000 * MS, &r), 0,
		    "failure %d of 3: no change", i);
		is_int(lm.health, LASTMILE_HEALTHY, "still healthy");
	}
	is_int(lm.failures, 2, "two consecutive failures");
	is_int(lastmile_record(&lm, t += 1000 * MS, &r), 1, "third failure: "
	    "a change");
	is_int(lm.health, LASTMILE_UNHEALTHY, "unhealthy");
	is_int(lm.health_since, t, "unhealthy since now");
	is_int(lm.last.http_status, 503, "last result is the 503");
	ok(strcmp(lm.last.reason, "HTTP status 503") == 0, "with its reason");
	is_int(lm.good.first_byte_us, 2000, "last good still the good one");
	is_int(lastmile_record(&lm, t += 1000 * MS, &r), 0, "more failures: "
	    "no change");

	/* Unhealthy: one good check is not enough, and a failure in between
	 * starts the count again. */
	r = good(3000);
	is_int(lastmile_record(&lm, t += 1000 * MS, &r), 0, "good 1 of 2");
	is_int(lm.health, LASTMILE_UNHEALTHY, "still unhealthy");
	r = bad("timeout");
	lastmile_record(&lm, t += 1000 * MS, &r);
	is_int(lm.successes, 0, "a failure resets the good count");
	r = good(3000);
	lastmile_record(&lm, t += 1000 * MS, &r);
	is_int(lm.health, LASTMILE_UNHEALTHY, "good 1 of 2 again");
	is_int(lastmile_record(&lm, t += 1000 * MS, &r), 1, "good 2 of 2: "
	    "a change");
	is_int(lm.health, LASTMILE_HEALTHY, "healthy again");
	is_int(lm.checks, 10, "10 checks");
	is_int(lm.failed, 6, "6 of them failed");
}

static void
test_unknown_to_unhealthy(void)
{
	struct lastmile_conf c = { 1000 * MS, 500 * MS, 2, 3 };
	struct lastmile lm;
	struct lastmile_result r = bad("no route to host");

	lastmile_init(&lm, &c, 0);
	lastmile_record(&lm, 1, &r);
	is_int(lm.health, LASTMILE_UNKNOWN, "one failure from the start: "
	    "unknown");
	is_int(lastmile_record(&lm, 2, &r), 1, "unhealthy-after failures from "
	    "the start: a change");
	is_int(lm.health, LASTMILE_UNHEALTHY, "unhealthy");
	ok(!lm.has_good, "never a good check");
	ok(strcmp(lastmile_health_name(lm.health), "unhealthy") == 0,
	    "named unhealthy");
}

static void
test_schedule(void)
{
	struct lastmile_conf c = { 1000 * MS, 500 * MS, 2, 3 };
	struct lastmile lm;
	uint64_t lo = UINT64_MAX, hi = 0, v, x = 12345, start = 5000 * MS;
	int i;

	lastmile_init(&lm, &c, 0);
	for (i = 0; i < 10000; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		v = lastmile_next(&lm, start, x);
		if (v < lo)
			lo = v;
		if (v > hi)
			hi = v;
	}
	ok(lo >= start + 900 * MS && hi <= start + 1100 * MS,
	    "next check within the interval +- 10%%");
	ok(lo < start + 920 * MS && hi > start + 1080 * MS,
	    "and spread over that range");
	v = lastmile_first(&lm, start, x);
	ok(v >= start && v < start + 100 * MS, "first check within a tenth "
	    "of an interval");
}

int
main(void)
{
	test_hysteresis();
	test_unknown_to_unhealthy();
	test_schedule();
	return done_testing();
}
