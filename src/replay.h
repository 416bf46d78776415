/*
 * Replay guard: per sender, the boot id and a 64-packet sliding window of
 * sequence numbers (in the manner of RFC 4303's anti-replay window). A
 * packet from an older boot, or below the window, or already seen, is
 * rejected. A newer boot id resets the window: the sender restarted.
 *
 * The window absorbs reordering on one path only: senders number their
 * datagrams per receiver (wire.h), so a burst to hundreds of peers does
 * not push one receiver's datagrams apart in sequence space. With one
 * counter per sender, a PoP probing 120 peers had two datagrams to the
 * same receiver swap places and the older fall 64-123 below the window
 * (argosim, 2 ms of jitter: 434 drops in 4 s).
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

enum replay_result {
	REPLAY_OK = 0,
	REPLAY_OLD_BOOT = -1,		/* boot id older than the last */
	REPLAY_BELOW_WINDOW = -2,	/* too old to tell: rejected */
	REPLAY_DUPLICATE = -3,		/* seen */
};

void	replay_reset(struct replay *);
/* Records and accepts the packet (REPLAY_OK), or says why not. */
enum replay_result replay_check(struct replay *, uint32_t boot, uint64_t seq);

#endif
