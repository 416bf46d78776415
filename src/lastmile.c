/*
 * The last-mile health of one origin check (lastmile.h): hysteresis and
 * jittered scheduling, with no clock and no I/O.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lastmile.h"

const char *
lastmile_health_name(enum lastmile_health h)
{
	switch (h) {
	case LASTMILE_UNKNOWN:
		return "unknown";
	case LASTMILE_HEALTHY:
		return "healthy";
	case LASTMILE_UNHEALTHY:
		return "unhealthy";
	}
	return "unknown";
}

void
lastmile_init(struct lastmile *lm, const struct lastmile_conf *c,
    uint64_t now)
{
	memset(lm, 0, sizeof(*lm));
	lm->c = *c;
	if (lm->c.fall == 0)
		lm->c.fall = 1;
	if (lm->c.rise == 0)
		lm->c.rise = 1;
	lm->health = LASTMILE_UNKNOWN;
	lm->health_since = now;
}

static int
set_health(struct lastmile *lm, enum lastmile_health h, uint64_t now)
{
	if (lm->health == h)
		return 0;
	lm->health = h;
	lm->health_since = now;
	return 1;
}

int
lastmile_record(struct lastmile *lm, uint64_t now,
    const struct lastmile_result *r)
{
	lm->checks++;
	lm->has_last = 1;
	lm->last_at = now;
	lm->last = *r;
	lm->last.reason[sizeof(lm->last.reason) - 1] = '\0';
	if (r->ok) {
		lm->good = lm->last;
		lm->good_at = now;
		lm->has_good = 1;
		lm->failures = 0;
		if (lm->successes < UINT32_MAX)
			lm->successes++;
		if (lm->health == LASTMILE_UNKNOWN ||
		    (lm->health == LASTMILE_UNHEALTHY &&
		    lm->successes >= lm->c.rise))
			return set_health(lm, LASTMILE_HEALTHY, now);
		return 0;
	}
	lm->failed++;
	lm->successes = 0;
	if (lm->failures < UINT32_MAX)
		lm->failures++;
	if (lm->failures >= lm->c.fall)
		return set_health(lm, LASTMILE_UNHEALTHY, now);
	return 0;
}

double
lastmile_cost_ms(const struct lastmile *lm)
{
	if (!lm->has_last || !lm->last.ok)
		return -1;
	if (lm->last.first_byte_us >= 0)
		return lm->last.first_byte_us / 1000.0;
	if (lm->last.connect_us >= 0)
		return lm->last.connect_us / 1000.0;
	return -1;
}

uint64_t
lastmile_next(const struct lastmile *lm, uint64_t start, uint64_t rnd)
{
	uint64_t span = lm->c.interval / 100 * LASTMILE_JITTER_PCT;

	/* interval - span .. interval + span */
	if (span == 0)
		return start + lm->c.interval;
	return start + lm->c.interval - span + rnd % (2 * span + 1);
}

uint64_t
lastmile_first(const struct lastmile *lm, uint64_t now, uint64_t rnd)
{
	uint64_t span = lm->c.interval / 10;

	return now + (span == 0 ? 0 : rnd % span);
}

void
lastmile_fail_result(struct lastmile_result *r, const char *why)
{
	memset(r, 0, sizeof(*r));
	r->dns_us = r->connect_us = r->tls_us = r->first_byte_us =
	    r->total_us = -1;
	snprintf(r->reason, sizeof(r->reason), "%s", why);
}
