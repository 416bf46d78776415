/*
 * How long the daemon's event loop stays away from its poll: the time
 * from the moment poll returns (libev's check watcher) to the moment the
 * loop is about to poll again (its prepare watcher) is work done by
 * callbacks, during which nothing else is read, answered or timed. Its
 * maximum is the worst wake-up delay any event can see from argod
 * itself (issue 12's loop-latency benchmark; argoctl status "loop").
 */
#ifndef ARGO_LOOPSTAT_H
#define ARGO_LOOPSTAT_H

#include <stdint.h>

#define LOOPSTAT_BUCKETS	5	/* < 1, 5, 20, 100 ms, and longer
					   (ctl-proto.h names them) */

struct loopstat {
	uint64_t	iterations;
	uint64_t	busy_ns;	/* total */
	uint64_t	busy_max_ns;
	uint64_t	busy_max_at;	/* ns, when the longest ended */
	uint64_t	buckets[LOOPSTAT_BUCKETS];
	uint64_t	woke;		/* ns; 0: asleep */
};

extern const double loopstat_bounds_ms[LOOPSTAT_BUCKETS - 1];

void	loopstat_woke(struct loopstat *, uint64_t now);
void	loopstat_sleeps(struct loopstat *, uint64_t now);

#endif
