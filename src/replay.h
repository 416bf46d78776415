/*
 * Replay guard: per sender, the boot id and a 64-packet sliding window of
 * sequence numbers (in the manner of RFC 4303's anti-replay window). A
 * packet from an older boot, or at or below the window, or already seen,
 * is a replay. A newer boot id resets the window: the sender restarted.
 */
#ifndef ARGO_REPLAY_H
#define ARGO_REPLAY_H

#include <stdint.h>

#define REPLAY_WINDOW	64

struct replay {
	int		init;
	uint32_t	boot;
	uint64_t	top;		/* highest sequence accepted */
	uint64_t	bitmap;		/* bit i: top - i seen */
};

void	replay_reset(struct replay *);
/* Returns 0 and records the packet, or -1 if it is a replay. */
int	replay_check(struct replay *, uint32_t boot, uint64_t seq);

#endif
