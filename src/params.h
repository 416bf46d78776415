/*
 * The vocabulary shared by the protocol modules below the engine (probe,
 * lsdb, spf) and above it (config, status, simulator): time units, link
 * states and the engine's tunable parameters. It includes nothing of
 * argod's, so any layer may include it.
 */
#ifndef ARGO_PARAMS_H
#define ARGO_PARAMS_H

#include <stddef.h>
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

/* Timers and thresholds. The config fills these; params_default() gives
 * the documented defaults (man/argod.conf.5). */
struct engine_params {
	uint64_t	probe_interval;		/* ns, jittered +-10 % */
	uint64_t	probe_idle_interval;	/* ns, idle links; 0: off */
	unsigned	down_after;		/* consecutive missed probes */
	unsigned	detect_mult;		/* peer's send intervals of
						   silence; 0: off */
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
	uint64_t	tier_hold;		/* ns a better parent must
						   stay better (engine-tier.c) */
	uint32_t	tier_margin;		/* ... by this, % */
};
/* Fills every field from the table below. */
void	params_default(struct engine_params *);

/*
 * The table of parameters: one row per statement of argod.conf(5) that
 * sets fields of struct engine_params, with one or two arguments each.
 * The config parser and printer, the fuzzers and the defaults above all
 * read it, so a parameter's name, limits and default live in one place.
 */
enum param_type {
	PARAM_NS,		/* uint64_t nanoseconds, written as a duration */
	PARAM_US,		/* uint32_t microseconds, written as a duration */
	PARAM_COUNT,		/* unsigned, a plain integer */
	PARAM_PCT,		/* uint32_t whole percent, written "10%" */
	PARAM_PERMILLE,		/* uint32_t permille, written "0.5%" */
};

/* Relation required between the first and the second argument. */
enum param_rule {
	PARAM_ANY,
	PARAM_LE,		/* MIN <= MAX */
	PARAM_LT,		/* MIN < MAX */
	PARAM_GT,		/* ENTER > EXIT: hysteresis needs a gap */
};

struct param_arg {
	const char	*name;		/* for messages: "DURATION", "MIN" */
	enum param_type	 type;
	size_t		 off, size;	/* the field in struct engine_params */
	uint64_t	 def, min, max;	/* in stored units */
};

struct param {
	const char		*kw;
	const char		*sub;	/* second word, or NULL */
	int			 nargs;	/* 1 or 2 */
	enum param_rule		 rule;
	struct param_arg	 arg[2];
};

const struct param	*params_table(void);
size_t			 params_count(void);
/* The row for "kw" or "kw sub" (sub NULL for none), or NULL. */
const struct param	*params_find(const char *kw, const char *sub);
/* Argument i of row pr, in stored units. */
uint64_t		 params_get(const struct engine_params *,
			    const struct param *, int i);
void			 params_set(struct engine_params *,
			    const struct param *, int i, uint64_t);
/* A value of the type as written in the file: see units.h. */
const char		*params_parse(enum param_type, const char *,
			    uint64_t *);
void			 params_fmt(char *, size_t, enum param_type,
			    uint64_t);

#endif
