/* The event loop's busy stretches; see loopstat.h. */
#include "config.h"

#include "loopstat.h"

const double loopstat_bounds_ms[LOOPSTAT_BUCKETS - 1] = { 1, 5, 20, 100 };

void
loopstat_woke(struct loopstat *ls, uint64_t now)
{
	ls->woke = now;
}

void
loopstat_sleeps(struct loopstat *ls, uint64_t now)
{
	uint64_t d;
	int b;

	if (ls->woke == 0 || now < ls->woke)
		return;
	d = now - ls->woke;
	ls->woke = 0;
	ls->iterations++;
	ls->busy_ns += d;
	if (d > ls->busy_max_ns) {
		ls->busy_max_ns = d;
		ls->busy_max_at = now;
	}
	for (b = 0; b < LOOPSTAT_BUCKETS - 1; b++)
		if (d < (uint64_t)(loopstat_bounds_ms[b] * 1e6))
			break;
	ls->buckets[b]++;
}
