/*
 * JSON and text reports; see sim-report.h. The JSON is written by hand:
 * a flat, fixed schema (documented in sim/README) needs no library.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sim-report.h"

static const char *const type_names[WIRE_TYPE_MAX] = {
	"other", "probe", "probe_reply", "lsa", "summary", "request",
	"lsa_delta", "origins", "origin_request",
};

static void
jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static double
ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static void
quality_json(FILE *f, const struct obs_quality *q, const char *ind)
{
	fprintf(f, "{\n%s  \"pairs\": %llu,\n%s  \"connected\": %llu,\n"
	    "%s  \"reached\": %llu,\n%s  \"optimal\": %llu,\n"
	    "%s  \"detoured\": %llu,\n",
	    ind, (unsigned long long)q->pairs,
	    ind, (unsigned long long)q->connected,
	    ind, (unsigned long long)q->reached,
	    ind, (unsigned long long)q->optimal,
	    ind, (unsigned long long)q->detoured);
	fprintf(f, "%s  \"with_direct\": %llu,\n"
	    "%s  \"worse_than_direct\": %llu,\n"
	    "%s  \"worst_excess_over_direct_ms\": %.3f,\n"
	    "%s  \"gain_ms\": %.3f,\n%s  \"optimal_gain_ms\": %.3f,\n"
	    "%s  \"gain_fraction\": %.5f,\n"
	    "%s  \"stretch_mean\": %.5f,\n%s  \"stretch_max\": %.5f,\n",
	    ind, (unsigned long long)q->with_direct,
	    ind, (unsigned long long)q->worse_than_direct,
	    ind, q->worst_excess_ms,
	    ind, q->gain_ms, ind, q->gain_opt_ms,
	    ind, q->gain_opt_ms > 0 ? q->gain_ms / q->gain_opt_ms : 1.0,
	    ind, q->reached > 0 ? q->stretch_sum / (double)q->reached : 0,
	    ind, q->stretch_max);
	fprintf(f, "%s  \"cost\": {\"optimal\": %llu, "
	    "\"worse_than_direct\": %llu, "
	    "\"worst_excess_over_direct_ms\": %.3f, \"gain_ms\": %.3f, "
	    "\"optimal_gain_ms\": %.3f, \"gain_fraction\": %.5f}\n%s}",
	    ind, (unsigned long long)q->cost_optimal,
	    (unsigned long long)q->cost_worse_than_direct,
	    q->cost_worst_excess_ms, q->cost_gain_ms, q->cost_gain_opt_ms,
	    q->cost_gain_opt_ms > 0 ? q->cost_gain_ms / q->cost_gain_opt_ms :
	    1.0, ind);
}

static void
traffic_json(FILE *f, const struct obs_traffic *t, const char *ind)
{
	size_t k;

	fprintf(f, "{\n%s  \"per_pop_bps_mean\": %.0f,\n"
	    "%s  \"per_pop_bps_max\": %.0f,\n%s  \"max_pop\": ",
	    ind, t->bps_mean, ind, t->bps_max, ind);
	jstr(f, t->max_node);
	fprintf(f, ",\n%s  \"per_pop_pps_mean\": %.1f,\n"
	    "%s  \"per_pop_pps_max\": %.1f,\n%s  \"per_pop_bps_by_type\": {",
	    ind, t->pps_mean, ind, t->pps_max, ind);
	for (k = 1; k < WIRE_TYPE_MAX; k++)
		fprintf(f, "%s\"%s\": %.0f", k > 1 ? ", " : "", type_names[k],
		    t->type_bps_mean[k]);
	fprintf(f, "}\n%s}", ind);
}

static const char *
tier_mode_name(int mode)
{
	return mode == TIER_REGIONAL ? "regional" : mode == TIER_STATIC ?
	    "static" : "smart";
}

static void
tiers_json(FILE *f, const struct tier_quality *q)
{
	size_t i;

	fprintf(f, "      \"tiers\": {\"mode\": \"%s\", \"k\": %u, "
	    "\"pops\": %zu, \"uppers\": %zu, \"lowers\": %zu, "
	    "\"without\": %zu, \"disagree\": %zu, \"mean_ms\": %.3f, "
	    "\"worst_ms\": %.3f, \"best_mean_ms\": %.3f, "
	    "\"best_worst_ms\": %.3f, \"best_exact\": %s, \"excess_mean_ms\": "
	    "%.3f, \"best_set\": [", tier_mode_name(q->mode), q->k, q->pops,
	    q->uppers, q->lowers, q->without, q->disagree, q->mean_ms,
	    q->worst_ms, q->best_mean_ms, q->best_worst_ms,
	    q->best_exact ? "true" : "false", q->mean_ms - q->best_mean_ms);
	for (i = 0; i < q->nbest; i++)
		fprintf(f, "%s%zu", i ? ", " : "", q->best[i]);
	fprintf(f, "], \"parent_changes\": %llu},\n",
	    (unsigned long long)q->parent_changes);
}

static void
window_json(FILE *f, const struct obs_window *w)
{
	fprintf(f, "    {\n      \"event\": ");
	jstr(f, w->label);
	fprintf(f, ",\n      \"at_s\": %.3f,\n      \"until_s\": %.3f,\n",
	    (double)w->t0 / 1e9, (double)w->t1 / 1e9);
	fprintf(f, "      \"db\": {\"changed\": %s, \"agreed\": %s, "
	    "\"converged_ms\": ", w->db_changed ? "true" : "false",
	    w->db_agreed ? "true" : "false");
	if (!w->db_agreed)
		fprintf(f, "null");
	else
		fprintf(f, "%.3f", w->db_changed ?
		    ms(w->db_last_change - w->t0) : 0.0);
	fprintf(f, "},\n      \"routes\": {\"changes\": %llu, \"final_ms\": ",
	    (unsigned long long)w->route_changes);
	if (w->route_changes > 0)
		fprintf(f, "%.3f", ms(w->route_last_change - w->t0));
	else
		fprintf(f, "0");
	fprintf(f, ", \"pops_changed\": %zu, \"max_per_pop\": %llu, "
	    "\"max_per_pair\": %llu, \"withdrawn\": %llu, \"max_pop\": ",
	    w->nodes_changed, (unsigned long long)w->changes_max_node,
	    (unsigned long long)w->max_per_pair,
	    (unsigned long long)w->withdrawn);
	jstr(f, w->changes_max_name);
	fprintf(f, "},\n      \"loops\": {\"episodes\": %llu, "
	    "\"pair_s\": %.6f, \"max_ms\": %.3f, \"max_pairs\": %llu},\n",
	    (unsigned long long)w->loop_episodes, w->loop_pair_s,
	    ms(w->loop_max_ns), (unsigned long long)w->loop_max_pairs);
	fprintf(f, "      \"blackholes\": {\"pair_s\": %.6f, "
	    "\"max_pairs\": %llu, \"last_ms\": ", w->hole_pair_s,
	    (unsigned long long)w->hole_max_pairs);
	if (w->hole_max_pairs > 0)
		fprintf(f, "%.3f", w->hole_last > w->t0 ?
		    ms(w->hole_last - w->t0) : 0.0);
	else
		fprintf(f, "null");
	fprintf(f, "},\n");
	if (w->anycast) {
		fprintf(f, "      \"anycast\": {\"moves\": %llu, "
		    "\"last_move_ms\": ", (unsigned long long)w->any_moves);
		if (w->any_moves > 0)
			fprintf(f, "%.3f", ms(w->any_last_move - w->t0));
		else
			fprintf(f, "null");
		fprintf(f, ", \"on_failing_egress\": %zu, \"unreachable\": "
		    "%zu, \"egresses_used\": %zu},\n", w->any_on_sick,
		    w->any_unreachable, w->any_egresses_used);
	}
	if (w->tiers.measured)
		tiers_json(f, &w->tiers);
	fprintf(f, "      \"traffic\": ");
	traffic_json(f, &w->traffic, "      ");
	fprintf(f, ",\n      \"link_events\": {\"down\": %llu, \"up\": %llu, "
	    "\"congested\": %llu}", (unsigned long long)w->link_down,
	    (unsigned long long)w->link_up,
	    (unsigned long long)w->link_congested);
	fprintf(f, ",\n      \"engines\": {\"lsa_originated\": %llu, "
	    "\"lsa_relayed\": %llu, \"lsa_deltas_sent\": %llu, "
	    "\"lsa_deltas_unusable\": %llu, \"summaries_sent\": %llu, "
	    "\"requests_sent\": %llu, \"spf_runs\": %llu}",
	    (unsigned long long)w->lsa_originated,
	    (unsigned long long)w->lsa_relayed,
	    (unsigned long long)w->deltas_sent,
	    (unsigned long long)w->deltas_unusable,
	    (unsigned long long)w->summaries,
	    (unsigned long long)w->requests,
	    (unsigned long long)w->spf_runs);
	fprintf(f, ",\n      \"quality\": ");
	quality_json(f, &w->quality, "      ");
	fprintf(f, "\n    }");
}

/* Totals over the windows after warm-up (the first window is start-up). */
struct totals {
	uint64_t	route_changes, loop_episodes, loop_max_ns;
	double		loop_pair_s, hole_pair_s;
	double		final_max_ms, conv_max_ms;
	size_t		unconverged, events;
	double		bps_mean, bps_max, pps_mean;
	double		type_bps[WIRE_TYPE_MAX];
	double		span_s;
	double		gain_min, worst_excess;
	uint64_t	worse_than_direct;
};

static void
totals(const struct obs *o, struct totals *t)
{
	size_t i, k;

	memset(t, 0, sizeof(*t));
	t->gain_min = 1;
	for (i = 1; i < obs_nwindows(o); i++) {
		const struct obs_window *w = obs_window_get(o, i);
		double span = (double)(w->t1 - w->t0) / 1e9, g;

		t->events++;
		t->route_changes += w->route_changes;
		t->loop_episodes += w->loop_episodes;
		t->loop_pair_s += w->loop_pair_s;
		t->hole_pair_s += w->hole_pair_s;
		if (w->loop_max_ns > t->loop_max_ns)
			t->loop_max_ns = w->loop_max_ns;
		if (w->route_changes > 0 &&
		    ms(w->route_last_change - w->t0) > t->final_max_ms)
			t->final_max_ms = ms(w->route_last_change - w->t0);
		if (!w->db_agreed)
			t->unconverged++;
		else if (w->db_changed &&
		    ms(w->db_last_change - w->t0) > t->conv_max_ms)
			t->conv_max_ms = ms(w->db_last_change - w->t0);
		/* traffic: time-weighted over the windows */
		t->bps_mean += w->traffic.bps_mean * span;
		t->pps_mean += w->traffic.pps_mean * span;
		for (k = 0; k < WIRE_TYPE_MAX; k++)
			t->type_bps[k] += w->traffic.type_bps_mean[k] * span;
		if (w->traffic.bps_max > t->bps_max)
			t->bps_max = w->traffic.bps_max;
		t->span_s += span;
		g = w->quality.gain_opt_ms > 0 ? w->quality.gain_ms /
		    w->quality.gain_opt_ms : 1.0;
		if (g < t->gain_min)
			t->gain_min = g;
		t->worse_than_direct += w->quality.worse_than_direct;
		if (w->quality.worst_excess_ms > t->worst_excess)
			t->worst_excess = w->quality.worst_excess_ms;
	}
	if (t->span_s > 0) {
		t->bps_mean /= t->span_s;
		t->pps_mean /= t->span_s;
		for (k = 0; k < WIRE_TYPE_MAX; k++)
			t->type_bps[k] /= t->span_s;
	}
}

static int
any_tiers(const struct obs *o)
{
	size_t i;

	for (i = 0; i < obs_nwindows(o); i++)
		if (obs_window_get(o, i)->tiers.measured)
			return 1;
	return 0;
}

void
report_json(FILE *f, const struct report_meta *m, struct obs *o)
{
	const struct engine_params *p = &m->params;
	struct obs_flaps fl;
	struct totals t;
	size_t i, k;

	obs_flaps(o, &fl);
	totals(o, &t);
	fprintf(f, "{\n  \"argosim\": 1,\n  \"input\": {\"kind\": ");
	jstr(f, m->input_kind);
	fprintf(f, ", \"source\": ");
	jstr(f, m->input);
	fprintf(f, ", \"nodes\": %zu, \"links\": %zu", m->nodes, m->links);
	if (m->snapshots > 0)
		fprintf(f, ", \"snapshots\": %zu, \"snapshot_s\": %.3f",
		    m->snapshots, m->snapshot_s);
	fprintf(f, "},\n  \"seed\": %llu,\n  \"topo_seed\": %llu,\n",
	    (unsigned long long)m->seed, (unsigned long long)m->topo_seed);
	fprintf(f, "  \"params\": {\"probe_interval_ms\": %.3f, "
	    "\"down_after\": %u, \"lsa_refresh_s\": %.3f, "
	    "\"adv_hold_ms\": %.3f, \"spf_delay_ms\": %.3f, "
	    "\"spf_hold_ms\": [%.3f, %.3f]},\n",
	    ms(p->probe_interval), p->down_after,
	    (double)p->lsa_refresh / 1e9, ms(p->adv_hold), ms(p->spf_delay),
	    ms(p->spf_hold_min), ms(p->spf_hold_max));
	fprintf(f, "  \"impairments\": {\"jitter_ms\": %.3f, "
	    "\"loss_pct\": %.4f, \"reorder_pct\": %.4f},\n",
	    m->jitter_ms, m->loss_pct, m->reorder_pct);
	fprintf(f, "  \"warmup_s\": %.3f,\n  \"end_s\": %.3f,\n",
	    (double)m->warmup / 1e9, (double)m->end / 1e9);
	fprintf(f, "  \"windows\": [\n");
	for (i = 0; i < obs_nwindows(o); i++) {
		window_json(f, obs_window_get(o, i));
		fprintf(f, "%s\n", i + 1 < obs_nwindows(o) ? "," : "");
	}
	fprintf(f, "  ],\n  \"after_warmup\": {\n"
	    "    \"windows\": %zu,\n    \"route_changes\": %llu,\n"
	    "    \"routes_final_max_ms\": %.3f,\n"
	    "    \"db_converged_max_ms\": %.3f,\n"
	    "    \"db_unconverged_windows\": %zu,\n"
	    "    \"loop_episodes\": %llu,\n    \"loop_pair_s\": %.6f,\n"
	    "    \"loop_max_ms\": %.3f,\n    \"blackhole_pair_s\": %.6f,\n"
	    "    \"per_pop_bps_mean\": %.0f,\n    \"per_pop_bps_max\": %.0f,\n"
	    "    \"per_pop_pps_mean\": %.1f,\n    \"per_pop_bps_by_type\": {",
	    t.events, (unsigned long long)t.route_changes, t.final_max_ms,
	    t.conv_max_ms, t.unconverged,
	    (unsigned long long)t.loop_episodes, t.loop_pair_s,
	    ms(t.loop_max_ns), t.hole_pair_s, t.bps_mean, t.bps_max,
	    t.pps_mean);
	for (k = 1; k < WIRE_TYPE_MAX; k++)
		fprintf(f, "%s\"%s\": %.0f", k > 1 ? ", " : "", type_names[k],
		    t.type_bps[k]);
	fprintf(f, "},\n    \"gain_fraction_min\": %.5f,\n"
	    "    \"worse_than_direct\": %llu,\n"
	    "    \"worst_excess_over_direct_ms\": %.3f\n  },\n",
	    t.gain_min, (unsigned long long)t.worse_than_direct,
	    t.worst_excess);
	fprintf(f, "  \"flaps\": {\"route_changes\": %llu, "
	    "\"pairs_changed\": %llu, \"max_pair\": %llu, "
	    "\"per_pair_hour_mean\": %.4f, \"per_pair_hour_p99\": %.4f, "
	    "\"per_pair_hour_max\": %.4f, \"reverts\": %llu, "
	    "\"fast_reverts\": %llu, \"oscillating_pairs\": %llu, "
	    "\"min_revert_ms\": ",
	    (unsigned long long)fl.changes,
	    (unsigned long long)fl.pairs_changed,
	    (unsigned long long)fl.max_pair, fl.per_pair_hour_mean,
	    fl.per_pair_hour_p99, fl.per_pair_hour_max,
	    (unsigned long long)fl.reverts,
	    (unsigned long long)fl.fast_reverts,
	    (unsigned long long)fl.oscillating);
	if (fl.min_revert_ns == NET_NONE)
		fprintf(f, "null");
	else
		fprintf(f, "%.3f", ms(fl.min_revert_ns));
	fprintf(f, ", \"damping_ms\": %.3f}", ms(p->adv_hold));
	if (any_tiers(o)) {
		double mean, max;
		uint64_t total;

		obs_tier_rates(o, &mean, &max, &total);
		fprintf(f, ",\n  \"tier_flaps\": {\"parent_changes\": %llu, "
		    "\"per_pop_hour_mean\": %.4f, \"per_pop_hour_max\": %.4f}",
		    (unsigned long long)total, mean, max);
	}
	if (m->perf)
		fprintf(f, ",\n  \"perf\": {\"wall_s\": %.3f, "
		    "\"sim_s_per_wall_s\": %.4f, \"cpu_s\": %.3f, "
		    "\"sim_s_per_cpu_s\": %.4f, \"events\": %llu, "
		    "\"events_per_wall_s\": %.0f, \"max_rss_mb\": %.1f}",
		    m->wall_s, m->wall_s > 0 ? (double)m->end / 1e9 /
		    m->wall_s : 0, m->cpu_s, m->cpu_s > 0 ?
		    (double)m->end / 1e9 / m->cpu_s : 0,
		    (unsigned long long)m->events,
		    m->wall_s > 0 ? (double)m->events / m->wall_s : 0,
		    (double)m->maxrss_kb / 1024);
	fprintf(f, "\n}\n");
}

static void
window_text(FILE *f, const struct obs_window *w)
{
	const struct obs_quality *q = &w->quality;

	fprintf(f, "%9.3fs  %s\n", (double)w->t0 / 1e9, w->label);
	fprintf(f, "           databases: ");
	if (!w->db_agreed)
		fprintf(f, "NOT in agreement at %.3fs", (double)w->t1 / 1e9);
	else if (!w->db_changed)
		fprintf(f, "unchanged");
	else
		fprintf(f, "agree after %.1f ms", ms(w->db_last_change -
		    w->t0));
	fprintf(f, "; routes: %llu changes", (unsigned long long)
	    w->route_changes);
	if (w->route_changes > 0)
		fprintf(f, " at %zu PoPs (max %llu at %s), final after "
		    "%.1f ms", w->nodes_changed,
		    (unsigned long long)w->changes_max_node,
		    w->changes_max_name, ms(w->route_last_change - w->t0));
	fprintf(f, "\n           loops: %llu episodes, %.3f pair-s, "
	    "longest %.1f ms; black holes: %.3f pair-s (max %llu pairs)\n",
	    (unsigned long long)w->loop_episodes, w->loop_pair_s,
	    ms(w->loop_max_ns), w->hole_pair_s,
	    (unsigned long long)w->hole_max_pairs);
	if (w->anycast) {
		fprintf(f, "           anycast origin: %llu PoPs moved",
		    (unsigned long long)w->any_moves);
		if (w->any_moves > 0)
			fprintf(f, ", the last after %.1f ms",
			    ms(w->any_last_move - w->t0));
		fprintf(f, "; at the end %zu egresses used, %zu PoPs on a "
		    "failing egress, %zu without a route\n",
		    w->any_egresses_used, w->any_on_sick, w->any_unreachable);
	}
	if (w->tiers.measured) {
		const struct tier_quality *tq = &w->tiers;

		fprintf(f, "           tiers (%s, K %u): %zu upper, %zu lower, "
		    "%zu without; cost to the origin %.1f ms mean, %.1f worst; "
		    "best with K %u%s %.1f mean, %.1f worst; %zu PoPs on "
		    "another set; %llu parent changes\n",
		    tier_mode_name(tq->mode), tq->k, tq->uppers, tq->lowers,
		    tq->without, tq->mean_ms, tq->worst_ms, tq->k,
		    tq->best_exact ? "" : " (local search)", tq->best_mean_ms,
		    tq->best_worst_ms, tq->disagree,
		    (unsigned long long)tq->parent_changes);
	}
	fprintf(f, "           control traffic per PoP: %.1f kbit/s mean, "
	    "%.1f kbit/s max (%s), %.0f packets/s mean\n",
	    w->traffic.bps_mean / 1e3, w->traffic.bps_max / 1e3,
	    w->traffic.max_node, w->traffic.pps_mean);
	if (q->valid)
		fprintf(f, "           quality: %llu/%llu pairs reach, %.2f %% "
		    "optimal, %llu worse than direct (by up to %.2f ms), "
		    "%.2f %% of optimal gain, stretch %.4f mean %.3f max\n",
		    (unsigned long long)q->reached,
		    (unsigned long long)q->pairs,
		    q->reached ? 100.0 * (double)q->optimal /
		    (double)q->reached : 0,
		    (unsigned long long)q->worse_than_direct,
		    q->worst_excess_ms,
		    q->gain_opt_ms > 0 ? 100 * q->gain_ms / q->gain_opt_ms :
		    100.0, q->reached ? q->stretch_sum / (double)q->reached :
		    0, q->stretch_max);
	if (q->valid)
		fprintf(f, "           with loss priced: %.2f %% optimal, "
		    "%llu worse than direct (by up to %.2f ms), %.2f %% of "
		    "optimal gain\n", q->reached ? 100.0 *
		    (double)q->cost_optimal / (double)q->reached : 0,
		    (unsigned long long)q->cost_worse_than_direct,
		    q->cost_worst_excess_ms, q->cost_gain_opt_ms > 0 ?
		    100 * q->cost_gain_ms / q->cost_gain_opt_ms : 100.0);
}

void
report_text(FILE *f, const struct report_meta *m, struct obs *o)
{
	struct obs_flaps fl;
	struct totals t;
	size_t i, nw = obs_nwindows(o);

	obs_flaps(o, &fl);
	totals(o, &t);
	fprintf(f, "argosim: %zu PoPs (%s %s), %zu links, seed %llu, "
	    "probe interval %.0f ms, %.1f s simulated\n", m->nodes,
	    m->input_kind, m->input, m->links, (unsigned long long)m->seed,
	    ms(m->params.probe_interval), (double)m->end / 1e9);
	/* a long replay: the first windows and the totals */
	for (i = 0; i < nw; i++) {
		if (nw > 12 && i == 6) {
			fprintf(f, "           ... %zu more windows in the JSON "
			    "report ...\n", nw - 8);
			i = nw - 2;
		}
		window_text(f, obs_window_get(o, i));
	}
	if (t.events > 0) {
		fprintf(f, "after warm-up (%zu windows): routes final within "
		    "%.1f ms, databases agree within %.1f ms%s\n", t.events,
		    t.final_max_ms, t.conv_max_ms, t.unconverged ?
		    " (some windows never agreed)" : "");
		fprintf(f, "  loops: %llu episodes, %.3f pair-s; black holes "
		    "%.3f pair-s\n", (unsigned long long)t.loop_episodes,
		    t.loop_pair_s, t.hole_pair_s);
		fprintf(f, "  control traffic per PoP: %.1f kbit/s mean "
		    "(probe %.1f, reply %.1f, lsa %.1f, lsa delta %.1f, "
		    "summary %.1f, request %.1f), %.1f kbit/s max\n",
		    t.bps_mean / 1e3, t.type_bps[WIRE_PROBE] / 1e3,
		    t.type_bps[WIRE_PROBE_REPLY] / 1e3,
		    t.type_bps[WIRE_LSA] / 1e3,
		    t.type_bps[WIRE_LSA_DELTA] / 1e3,
		    t.type_bps[WIRE_SUMMARY] / 1e3,
		    t.type_bps[WIRE_REQUEST] / 1e3, t.bps_max / 1e3);
	}
	fprintf(f, "  flaps: %llu route changes after warm-up, %.3f per pair "
	    "per hour (p99 %.3f, max %.3f); %llu reverts, %llu faster than "
	    "the %.0f ms hold", (unsigned long long)fl.changes,
	    fl.per_pair_hour_mean, fl.per_pair_hour_p99, fl.per_pair_hour_max,
	    (unsigned long long)fl.reverts,
	    (unsigned long long)fl.fast_reverts, ms(m->params.adv_hold));
	if (fl.min_revert_ns != NET_NONE)
		fprintf(f, " (quickest %.1f ms)", ms(fl.min_revert_ns));
	fprintf(f, "; %llu pairs reverted that fast more than once\n",
	    (unsigned long long)fl.oscillating);
	if (any_tiers(o)) {
		double mean, max;
		uint64_t total;

		obs_tier_rates(o, &mean, &max, &total);
		fprintf(f, "  tier flaps: %llu parent changes after warm-up, "
		    "%.3f per PoP per hour (max %.3f)\n",
		    (unsigned long long)total, mean, max);
	}
	if (m->perf)
		fprintf(f, "  speed: %.1f s simulated in %.1f s wall = %.3f "
		    "simulated s per wall s (%.1f s CPU: %.3f per CPU s); "
		    "%llu events; max RSS %.0f MB\n",
		    (double)m->end / 1e9, m->wall_s, m->wall_s > 0 ?
		    (double)m->end / 1e9 / m->wall_s : 0, m->cpu_s,
		    m->cpu_s > 0 ? (double)m->end / 1e9 / m->cpu_s : 0,
		    (unsigned long long)m->events,
		    (double)m->maxrss_kb / 1024);
}
