/*
 * Link state names and the parameters' documented defaults
 * (man/argod.conf.5).
 */
#include "config.h"

#include <string.h>

#include "params.h"

const char *
link_state_name(enum link_state s)
{
	switch (s) {
	case LINK_DOWN:
		return "down";
	case LINK_UP:
		return "up";
	case LINK_CONGESTED:
		return "congested";
	}
	return "unknown";
}

void
params_default(struct engine_params *p)
{
	memset(p, 0, sizeof(*p));
	p->probe_interval = 100 * MSEC;
	p->probe_idle_interval = 2 * SEC;
	p->down_after = 4;
	p->probe_timeout_min = 50 * MSEC;
	p->probe_timeout_max = 1 * SEC;
	p->baseline_window = 600 * SEC;
	p->baseline_shift = 30 * SEC;
	p->loss_window = 100;
	p->cong_delay_enter = 20000;
	p->cong_delay_exit = 8000;
	p->cong_loss_enter = 50;
	p->cong_loss_exit = 10;
	p->cong_hold = 5 * SEC;
	p->lsa_refresh = 30 * SEC;
	p->lsa_maxage = 120 * SEC;
	p->lsa_min_interval = 50 * MSEC;
	p->adv_rtt_pct = 10;
	p->adv_rtt_min = 2000;
	p->adv_loss = 10;
	p->adv_hold = 1 * SEC;
	p->spf_delay = 10 * MSEC;
	p->spf_hold_min = 50 * MSEC;
	p->spf_hold_max = 1 * SEC;
	p->loss_penalty = 10000;
	p->hop_cost = 500;
	p->cong_penalty = 20000;
	p->cost_min = 100;
	p->cost_max = 1000000;
}
