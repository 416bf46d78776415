/*
 * The last mile: what an egress PoP knows about reaching one origin, and
 * the health judgement made from it (DESIGN.md decision 10).
 *
 * Sans-I/O, like the engine: the daemon (lmcheck.c) runs the checks and
 * feeds each result in with the time it completed; this module keeps the
 * last result, counts consecutive failures and successes, decides healthy
 * or unhealthy with hysteresis and says when the next check is due. It
 * reads no clock and draws no random numbers of its own, so unit tests
 * drive it with a fixed time line.
 *
 * Hysteresis, as for links (down-after): an origin that is healthy turns
 * unhealthy after unhealthy-after consecutive failed checks, and an
 * unhealthy one turns healthy again only after healthy-after consecutive
 * good ones. At start the health is unknown: the first good check makes
 * it healthy (a restarting PoP must not hold back a working origin for
 * several intervals), unhealthy-after failed ones make it unhealthy.
 */
#ifndef ARGO_LASTMILE_H
#define ARGO_LASTMILE_H

#include <stddef.h>
#include <stdint.h>

/* Defaults and limits, shared by the config (argod.conf(5)). */
#define LASTMILE_INTERVAL	(1000ULL * 1000 * 1000)		/* 1 s */
#define LASTMILE_TIMEOUT	(1000ULL * 1000 * 1000)		/* 1 s */
#define LASTMILE_FALL		2
#define LASTMILE_RISE		3
#define LASTMILE_JITTER_PCT	10	/* each interval +- this much */
#define LASTMILE_REASON_MAX	128

enum lastmile_health {
	LASTMILE_UNKNOWN,
	LASTMILE_HEALTHY,
	LASTMILE_UNHEALTHY,
};

struct lastmile_conf {
	uint64_t	interval;	/* ns between check starts */
	uint64_t	timeout;	/* ns, a check's whole budget */
	unsigned	fall;		/* failures that make it unhealthy */
	unsigned	rise;		/* successes that make it healthy */
};

/*
 * One check's outcome. Times are microseconds from the start of the
 * check to the end of each phase, as libcurl reports them (so connect_us
 * includes dns_us); -1 for a phase that did not happen (no TLS on plain
 * HTTP, no first byte on a tcp check or a failure).
 */
struct lastmile_result {
	int		ok;
	long		http_status;	/* 0: none */
	int64_t		dns_us, connect_us, tls_us, first_byte_us, total_us;
	char		address[46];	/* connected to; "" none */
	char		reason[LASTMILE_REASON_MAX];	/* why not ok */
};

struct lastmile {
	struct lastmile_conf	c;
	enum lastmile_health	health;
	uint64_t		health_since;	/* ns; start if never changed */
	unsigned		failures;	/* consecutive */
	unsigned		successes;	/* consecutive */
	uint64_t		checks, failed;	/* totals */
	int			has_last;
	uint64_t		last_at;	/* ns, completion of last */
	struct lastmile_result	last;
	/* The last good check's times: what an egress would advertise. */
	int			has_good;
	uint64_t		good_at;
	struct lastmile_result	good;
};

const char	*lastmile_health_name(enum lastmile_health);

void		 lastmile_init(struct lastmile *, const struct lastmile_conf *,
		    uint64_t now);
/* Returns 1 when the health changed. */
int		 lastmile_record(struct lastmile *, uint64_t now,
		    const struct lastmile_result *);
/*
 * When the check after one started at start is due: the interval, moved
 * by up to LASTMILE_JITTER_PCT either way by rnd (any 64-bit value, from
 * the caller's generator). first is the delay of the very first check,
 * within the first tenth of an interval, so that checks configured
 * together do not all start together.
 */
uint64_t	 lastmile_next(const struct lastmile *, uint64_t start,
		    uint64_t rnd);
uint64_t	 lastmile_first(const struct lastmile *, uint64_t now,
		    uint64_t rnd);
/*
 * The cost an egress advertises for the origin (argod.8, "Origins"): the
 * last check's time to first byte, or its connect time where there is no
 * first byte (tcp checks); -1 when the last check failed or none ran.
 */
double		 lastmile_cost_ms(const struct lastmile *);

/* A result with only a failure reason, for checks that could not run. */
void		 lastmile_fail_result(struct lastmile_result *, const char *);

#endif
