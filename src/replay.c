/*
 * The replay guard: a sliding window per sender. See replay.h.
 */
#include "config.h"

#include <string.h>

#include "replay.h"

void
replay_reset(struct replay *r)
{
	memset(r, 0, sizeof(*r));
}

enum replay_result
replay_check(struct replay *r, uint32_t boot, uint64_t seq)
{
	uint64_t shift;

	if (!r->init || boot > r->boot) {
		r->init = 1;
		r->boot = boot;
		r->top = seq;
		r->bitmap = 1;
		return REPLAY_OK;
	}
	if (boot < r->boot)
		return REPLAY_OLD_BOOT;
	if (seq > r->top) {
		shift = seq - r->top;
		r->bitmap = shift >= REPLAY_WINDOW ? 0 : r->bitmap << shift;
		r->bitmap |= 1;
		r->top = seq;
		return REPLAY_OK;
	}
	shift = r->top - seq;
	if (shift >= REPLAY_WINDOW)
		return REPLAY_BELOW_WINDOW;
	if (r->bitmap & (1ULL << shift))
		return REPLAY_DUPLICATE;
	r->bitmap |= 1ULL << shift;
	return REPLAY_OK;
}
