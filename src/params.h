/*
 * The vocabulary shared by the protocol modules below the engine (probe,
 * lsdb, spf) and above it (config, status, simulator): time units, link
 * states and the engine's tunable parameters. It includes nothing of
 * argod's, so any layer may include it.
 */
#ifndef ARGO_PARAMS_H
#define ARGO_PARAMS_H

#include <stdint.h>

#define NSEC		1ULL
#define USEC		1000ULL
#define MSEC		1000000ULL
#define SEC		1000000000ULL

enum link_state {
	LINK_DOWN = 0,
	LINK_UP = 1,
	LINK_CONGESTED = 2,
};
const char	*link_state_name(enum link_state);

/* Timers and thresholds. conf.c fills these; params_default() gives
 * the documented defaults (man/argod.conf.5). */
struct engine_params {
	uint64_t	probe_interval;		/* ns, jittered +-10 % */
	uint64_t	probe_idle_interval;	/* ns, idle links; 0: off */
	unsigned	down_after;		/* consecutive missed probes */
	uint64_t	probe_timeout_min;	/* ns */
	uint64_t	probe_timeout_max;	/* ns, also before first RTT */
	uint64_t	baseline_window;	/* ns, min-RTT window */
	uint64_t	baseline_shift;		/* ns a steady level shift
						   takes to become the
						   baseline; 0: never */
	unsigned	loss_window;		/* probes */
	uint32_t	cong_delay_enter;	/* us of queueing delay */
	uint32_t	cong_delay_exit;	/* us */
	uint32_t	cong_loss_enter;	/* permille */
	uint32_t	cong_loss_exit;		/* permille */
	uint64_t	cong_hold;		/* ns below exit before clearing */
	uint64_t	lsa_refresh;		/* ns, jittered */
	uint64_t	lsa_maxage;		/* ns */
	uint64_t	lsa_min_interval;	/* ns between originations */
	uint32_t	adv_rtt_pct;		/* significant RTT change, % */
	uint32_t	adv_rtt_min;		/* ... and at least this, us */
	uint32_t	adv_loss;		/* significant loss change, permille */
	uint64_t	adv_hold;		/* ns a change must persist */
	uint64_t	spf_delay;		/* ns from change to SPF */
	uint64_t	spf_hold_min;		/* ns between SPF runs ... */
	uint64_t	spf_hold_max;		/* ... backing off to this */
	uint32_t	loss_penalty;		/* us of cost per 1 % loss */
	uint32_t	hop_cost;		/* us added to every link */
	uint32_t	cong_penalty;		/* us per congested link; 0:
						   avoid congested links */
	uint32_t	cost_min;		/* us, link cost clamp */
	uint32_t	cost_max;		/* us */
};
void	params_default(struct engine_params *);

#endif
