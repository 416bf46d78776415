/*
 * The Prometheus metrics page (argod(8) METRICS): a PoP's engine, kernel
 * and origin-check state in the text exposition format, version 0.0.4.
 *
 * This module only formats. It reads what the status socket reads
 * (engine_peer(), engine_route(), engine_counters(), kern_stats(), the
 * lastmile state of lmcheck_view()) from a struct metrics_src that the
 * caller fills on the loop thread, and returns one finished page, so
 * the formatting is testable without a daemon, a socket or libcurl.
 * metrics-http.c serves the page; argod.c fills the source.
 *
 * Units are the base units Prometheus asks for: seconds, ratios 0..1,
 * bytes. A value the engine does not know (an RTT before the first
 * reply) is left out rather than written as NaN, so that rate() and
 * averages over peers are not poisoned by it.
 */
#ifndef ARGO_METRICS_H
#define ARGO_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "kern.h"
#include "lastmile.h"

/*
 * A histogram of durations in seconds, with fixed upper bounds
 * (metrics_hist_bounds[]). SPF at 300 PoPs takes milliseconds
 * (bench/bench_spf), so the buckets run from 50 us to 1 s.
 */
#define METRICS_HIST_NBOUNDS	14
extern const double metrics_hist_bounds[METRICS_HIST_NBOUNDS];
struct metrics_hist {
	uint64_t	bucket[METRICS_HIST_NBOUNDS];	/* not cumulative */
	uint64_t	count;				/* includes +Inf */
	double		sum;
};
void	metrics_hist_observe(struct metrics_hist *, double seconds);

/* One origin check that this PoP runs (lmcheck_view()). */
struct metrics_origin {
	const char		*origin;
	const char		*kind;		/* "http" or "tcp" */
	const struct lastmile	*lm;
	int			 running;
};

struct metrics_src {
	const struct engine		*e;
	uint64_t			 now;		/* engine clock, ns */
	uint64_t			 started;	/* engine clock, ns */
	const char			*version;
	const struct kern_stats		*kern;		/* NULL: none */
	int				 kern_dry_run;
	const struct metrics_origin	*origins;
	size_t				 norigins;
	const struct metrics_hist	*spf;		/* NULL: not timed */
};

/*
 * The page, NUL-terminated, *len its length without the NUL; free() it.
 * NULL only when memory runs out.
 */
char	*metrics_format(const struct metrics_src *, size_t *len);

#endif
