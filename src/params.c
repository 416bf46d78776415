/*
 * Link state names, and the table of the engine's parameters: their
 * names in argod.conf(5), their documented defaults (man/argod.conf.5)
 * and the limits the config enforces.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "params.h"
#include "units.h"

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

/* The field behind an argument: params_get() and params_set() copy
 * uint64_t or, for every other size, uint32_t. */
#define F(f)	offsetof(struct engine_params, f), \
		sizeof(((struct engine_params *)NULL)->f)

_Static_assert(sizeof(unsigned) == sizeof(uint32_t),
    "unsigned fields are copied as uint32_t");

/*
 * Limits keep values inside what the engine and the wire can carry: the
 * LSA age is 16 bits of seconds, advertised RTTs are 16 bits of 0.1 ms, and
 * a probe interval below 10ms would spend the control budget of DESIGN.md
 * decision 4 on probes alone at a few hundred PoPs. The order is the order
 * conf_print() writes them in.
 *
 *	keyword, sub-keyword, arguments, their relation,
 *	    { name, type, field, default, minimum, maximum } ...
 */
static const struct param table[] = {
	{ "probe-interval", NULL, 1, PARAM_ANY, {
	    { "DURATION", PARAM_NS, F(probe_interval),
		100 * MSEC, 10 * MSEC, 10 * SEC } } },
	{ "probe-idle-interval", NULL, 1, PARAM_ANY, {
	    { "DURATION", PARAM_NS, F(probe_idle_interval),
		2 * SEC, 0, 60 * SEC } } },
	{ "down-after", NULL, 1, PARAM_ANY, {
	    { "N", PARAM_COUNT, F(down_after), 4, 1, 100 } } },
	{ "detect-multiplier", NULL, 1, PARAM_ANY, {
	    { "N", PARAM_COUNT, F(detect_mult), 2, 0, 100 } } },
	{ "probe-timeout", NULL, 2, PARAM_LE, {
	    { "MIN", PARAM_NS, F(probe_timeout_min),
		50 * MSEC, MSEC, 60 * SEC },
	    { "MAX", PARAM_NS, F(probe_timeout_max),
		1 * SEC, MSEC, 60 * SEC } } },
	{ "baseline-window", NULL, 1, PARAM_ANY, {
	    { "DURATION", PARAM_NS, F(baseline_window),
		600 * SEC, SEC, 24 * 3600 * SEC } } },
	{ "baseline-shift", NULL, 1, PARAM_ANY, {
	    { "DURATION", PARAM_NS, F(baseline_shift),
		30 * SEC, 0, 24 * 3600 * SEC } } },
	{ "loss-window", NULL, 1, PARAM_ANY, {
	    { "N", PARAM_COUNT, F(loss_window), 100, 10, 1000 } } },
	{ "congestion", "delay", 2, PARAM_GT, {
	    { "ENTER", PARAM_US, F(cong_delay_enter), 20000, 1, 10000000 },
	    { "EXIT", PARAM_US, F(cong_delay_exit), 8000, 1, 10000000 } } },
	{ "congestion", "loss", 2, PARAM_GT, {
	    { "ENTER", PARAM_PERMILLE, F(cong_loss_enter), 50, 1, 1000 },
	    { "EXIT", PARAM_PERMILLE, F(cong_loss_exit), 10, 1, 1000 } } },
	{ "congestion", "hold", 1, PARAM_ANY, {
	    { "DURATION", PARAM_NS, F(cong_hold),
		5 * SEC, 0, 3600 * SEC } } },
	{ "lsa-refresh", NULL, 1, PARAM_ANY, {
	    { "DURATION", PARAM_NS, F(lsa_refresh),
		30 * SEC, SEC, 3600 * SEC } } },
	{ "lsa-max-age", NULL, 1, PARAM_ANY, {
	    { "DURATION", PARAM_NS, F(lsa_maxage),
		120 * SEC, 3 * SEC, 18 * 3600 * SEC } } },
	{ "lsa-min-interval", NULL, 1, PARAM_ANY, {
	    { "DURATION", PARAM_NS, F(lsa_min_interval),
		50 * MSEC, 0, 10 * SEC } } },
	{ "advertise", "rtt-change", 2, PARAM_ANY, {
	    { "PCT", PARAM_PCT, F(adv_rtt_pct), 10, 0, 100 },
	    { "MIN", PARAM_US, F(adv_rtt_min), 2000, 0, 10000000 } } },
	{ "advertise", "loss-change", 1, PARAM_ANY, {
	    { "PCT", PARAM_PERMILLE, F(adv_loss), 10, 0, 1000 } } },
	{ "advertise", "hold", 1, PARAM_ANY, {
	    { "DURATION", PARAM_NS, F(adv_hold), 1 * SEC, 0, 60 * SEC } } },
	{ "spf", "delay", 1, PARAM_ANY, {
	    { "DURATION", PARAM_NS, F(spf_delay),
		10 * MSEC, 0, 10 * SEC } } },
	{ "spf", "hold", 2, PARAM_LE, {
	    { "MIN", PARAM_NS, F(spf_hold_min), 50 * MSEC, MSEC, 60 * SEC },
	    { "MAX", PARAM_NS, F(spf_hold_max), 1 * SEC, MSEC, 60 * SEC } } },
	{ "cost", "loss-penalty", 1, PARAM_ANY, {
	    { "DURATION", PARAM_US, F(loss_penalty), 10000, 0, 10000000 } } },
	{ "cost", "congestion-penalty", 1, PARAM_ANY, {
	    { "DURATION", PARAM_US, F(cong_penalty), 5000, 0, 10000000 } } },
	{ "cost", "hop", 1, PARAM_ANY, {
	    { "DURATION", PARAM_US, F(hop_cost), 500, 0, 10000000 } } },
	{ "cost", "clamp", 2, PARAM_LT, {
	    { "MIN", PARAM_US, F(cost_min), 100, 1, 60000000 },
	    { "MAX", PARAM_US, F(cost_max), 1000000, 1, 60000000 } } },
	{ "tier", "hold", 1, PARAM_ANY, {
	    { "DURATION", PARAM_NS, F(tier_hold), 10 * SEC, 0, 3600 * SEC } } },
	{ "tier", "margin", 1, PARAM_ANY, {
	    { "PCT", PARAM_PCT, F(tier_margin), 10, 0, 100 } } },
};

#undef F

#define NPARAMS	(sizeof(table) / sizeof(table[0]))

const struct param *
params_table(void)
{
	return table;
}

size_t
params_count(void)
{
	return NPARAMS;
}

const struct param *
params_find(const char *kw, const char *sub)
{
	size_t i;

	for (i = 0; i < NPARAMS; i++)
		if (strcmp(table[i].kw, kw) == 0 && (sub == NULL ?
		    table[i].sub == NULL : table[i].sub != NULL &&
		    strcmp(table[i].sub, sub) == 0))
			return &table[i];
	return NULL;
}

uint64_t
params_get(const struct engine_params *ep, const struct param *pr, int i)
{
	const struct param_arg *a = &pr->arg[i];
	const char *base = (const char *)ep + a->off;
	uint64_t v64;
	uint32_t v32;

	if (a->size == sizeof(v64)) {
		memcpy(&v64, base, sizeof(v64));
		return v64;
	}
	memcpy(&v32, base, sizeof(v32));
	return v32;
}

void
params_set(struct engine_params *ep, const struct param *pr, int i,
    uint64_t v)
{
	const struct param_arg *a = &pr->arg[i];
	char *base = (char *)ep + a->off;
	uint32_t v32 = (uint32_t)v;

	/* The limits in table[] keep v within the field. */
	if (a->size == sizeof(v))
		memcpy(base, &v, sizeof(v));
	else
		memcpy(base, &v32, sizeof(v32));
}

void
params_default(struct engine_params *p)
{
	size_t r;
	int i;

	memset(p, 0, sizeof(*p));
	for (r = 0; r < NPARAMS; r++)
		for (i = 0; i < table[r].nargs; i++)
			params_set(p, &table[r], i, table[r].arg[i].def);
}

const char *
params_parse(enum param_type type, const char *s, uint64_t *v)
{
	const char *why;
	uint64_t ns;

	switch (type) {
	case PARAM_NS:
		return units_duration(s, v);
	case PARAM_US:
		if ((why = units_duration(s, &ns)) != NULL)
			return why;
		if (ns % USEC != 0)
			return "finer than the resolution of 1us";
		*v = ns / USEC;
		return NULL;
	case PARAM_COUNT:
		return units_count(s, v);
	case PARAM_PCT:
		return units_percent(s, 1, v);
	case PARAM_PERMILLE:
		return units_percent(s, 10, v);
	}
	return "bad type";
}

void
params_fmt(char *buf, size_t len, enum param_type type, uint64_t v)
{
	switch (type) {
	case PARAM_NS:
		units_fmt_duration(buf, len, v);
		break;
	case PARAM_US:
		units_fmt_duration(buf, len, v * USEC);
		break;
	case PARAM_COUNT:
		snprintf(buf, len, "%llu", (unsigned long long)v);
		break;
	case PARAM_PCT:
		units_fmt_percent(buf, len, v, 1);
		break;
	case PARAM_PERMILLE:
		units_fmt_percent(buf, len, v, 10);
		break;
	}
}
