/*
 * The metrics page in the Prometheus text exposition format 0.0.4
 * (metrics.h). Each family is written whole, HELP and TYPE first, then
 * its samples, as the format requires ("all lines for a given metric
 * must be provided as one single group"); so the peers, routes and
 * origins are read once into arrays and walked once per family.
 *
 * Names follow the Prometheus naming conventions: the argod_ prefix,
 * base units in the name (_seconds, _bytes, _ratio), _total on counters.
 * The list is documented in argod(8) METRICS; the dashboard in
 * contrib/grafana-argod.json uses these names.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "log.h"
#include "metrics.h"
#include "params.h"
#include "wire.h"

const double metrics_hist_bounds[METRICS_HIST_NBOUNDS] = {
	0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
	0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
};
/* The same as le labels, as people write them (not %g's 5e-05). */
static const char *const hist_le[METRICS_HIST_NBOUNDS] = {
	"0.00005", "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005",
	"0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1",
};

void
metrics_hist_observe(struct metrics_hist *h, double s)
{
	size_t i;

	for (i = 0; i < METRICS_HIST_NBOUNDS; i++)
		if (s <= metrics_hist_bounds[i]) {
			h->bucket[i]++;
			break;
		}
	h->count++;
	h->sum += s;
}

/* The page being written; a failed allocation latches err. */
struct page {
	char	*p;
	size_t	 len, cap;
	int	 err;
};

static void __attribute__((format(printf, 2, 3)))
put(struct page *w, const char *fmt, ...)
{
	va_list ap;
	size_t need;
	char *np;
	int n;

	if (w->err)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(w->p + w->len, w->cap - w->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			w->err = 1;
			return;
		}
		if ((size_t)n < w->cap - w->len) {
			w->len += (size_t)n;
			return;
		}
		need = w->len + (size_t)n + 1;
		if ((np = realloc(w->p, need > 2 * w->cap ? need :
		    2 * w->cap)) == NULL) {
			w->err = 1;
			return;
		}
		w->cap = need > 2 * w->cap ? need : 2 * w->cap;
		w->p = np;
	}
}

/* A label value: backslash, double quote and newline are escaped. */
static void
put_label_value(struct page *w, const char *s)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		if (*s != '\\' && *s != '"' && *s != '\n')
			continue;
		put(w, "%.*s\\%c", (int)(s - run), run, *s == '\n' ? 'n' : *s);
		run = s + 1;
	}
	put(w, "%s", run);
}

static void
family(struct page *w, const char *name, const char *type, const char *help)
{
	put(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

struct lab {
	const char	*k, *v;
};

static void
series(struct page *w, const char *name, const struct lab *l, size_t n)
{
	size_t i;

	put(w, "%s", name);
	for (i = 0; i < n; i++) {
		put(w, "%s%s=\"", i == 0 ? "{" : ",", l[i].k);
		put_label_value(w, l[i].v != NULL ? l[i].v : "");
		put(w, "\"");
	}
	put(w, "%s ", n > 0 ? "}" : "");
}

static void
val_f(struct page *w, double v)
{
	put(w, "%.9g\n", v);
}

static void
val_u(struct page *w, uint64_t v)
{
	put(w, "%" PRIu64 "\n", v);
}

/* One unlabelled sample with its family. */
static void
scalar_u(struct page *w, const char *name, const char *type,
    const char *help, uint64_t v)
{
	family(w, name, type, help);
	series(w, name, NULL, 0);
	val_u(w, v);
}

static void
histogram(struct page *w, const char *name, const char *help,
    const struct metrics_hist *h)
{
	char bucket[128];
	struct lab l;
	uint64_t cum = 0;
	size_t i;

	family(w, name, "histogram", help);
	snprintf(bucket, sizeof(bucket), "%s_bucket", name);
	for (i = 0; i < METRICS_HIST_NBOUNDS; i++) {
		cum += h->bucket[i];
		l = (struct lab){ "le", hist_le[i] };
		series(w, bucket, &l, 1);
		val_u(w, cum);
	}
	l = (struct lab){ "le", "+Inf" };
	series(w, bucket, &l, 1);
	val_u(w, h->count);
	put(w, "%s_sum ", name);
	val_f(w, h->sum);
	put(w, "%s_count ", name);
	val_u(w, h->count);
}

/*
 * Node, database and counters.
 */
static void
node_metrics(struct page *w, const struct metrics_src *src)
{
	const struct engine *e = src->e;
	struct engine_db_node dn;
	char id[16];
	struct lab l[3];
	size_t i, nodes = 0;

	snprintf(id, sizeof(id), "%08x", engine_id(e));
	l[0] = (struct lab){ "node", engine_name(e) };
	l[1] = (struct lab){ "id", id };
	l[2] = (struct lab){ "version", src->version };
	family(w, "argod_info", "gauge",
	    "The node's name and id and argod's version; always 1.");
	series(w, "argod_info", l, 3);
	val_u(w, 1);
	family(w, "argod_uptime_seconds", "gauge",
	    "Seconds since argod started.");
	series(w, "argod_uptime_seconds", NULL, 0);
	val_f(w, src->now > src->started ?
	    (double)(src->now - src->started) / 1e9 : 0.0);
	scalar_u(w, "argod_peers", "gauge", "Configured peers.",
	    engine_npeers(e));

	for (i = 0; i < engine_db_nnodes(e); i++)
		if (engine_db_node(e, i, src->now, &dn) == 0)
			nodes++;
	scalar_u(w, "argod_lsdb_rows", "gauge",
	    "Rows (originating nodes) in the link state database.",
	    engine_db_nrows(e));
	scalar_u(w, "argod_lsdb_nodes", "gauge",
	    "Nodes the link state database knows, with a row or named by one.",
	    nodes);
}

static void
by_type(struct page *w, const char *name, const char *help,
    const uint64_t v[WIRE_TYPE_MAX])
{
	struct lab l;
	size_t t;

	family(w, name, "counter", help);
	for (t = 1; t < WIRE_TYPE_MAX; t++) {
		l = (struct lab){ "type", wire_type_names[t] };
		series(w, name, &l, 1);
		val_u(w, v[t]);
	}
}

static const struct {
	const char	*name, *help;
	size_t		 off;
} lsa_counters[] = {
#define C(n, f, h)	\
	{ "argod_" n "_total", h, offsetof(struct engine_counters, f) }
	C("lsa_originated", lsa_originated, "Rows this node originated."),
	C("lsa_received", lsa_received, "Row datagrams received."),
	C("lsa_installed", lsa_installed,
	    "Received rows newer than the database's, installed."),
	C("lsa_relayed", lsa_relayed,
	    "Rows relayed to peers that lack a direct path."),
	C("lsa_deltas_sent", lsa_deltas_sent, "Row deltas sent."),
	C("lsa_deltas_applied", lsa_deltas_applied,
	    "Row deltas received and applied."),
	C("lsa_deltas_unusable", lsa_deltas_unusable,
	    "Row deltas received without their base; the row was asked for."),
	C("summaries_sent", summaries_sent, "Database summaries sent."),
	C("requests_sent", requests_sent, "Requests for rows sent."),
#undef C
};

static void
counter_metrics(struct page *w, const struct metrics_src *src)
{
	const struct engine_counters *k = engine_counters(src->e);
	struct lab l;
	size_t i;

	by_type(w, "argod_tx_packets_total",
	    "Datagrams sent to peers, by message type.", k->tx_type_packets);
	by_type(w, "argod_tx_bytes_total",
	    "Bytes of datagrams sent to peers (UDP payload), by message type.",
	    k->tx_type_bytes);
	by_type(w, "argod_rx_packets_total", "Datagrams received that passed "
	    "authentication and the replay check, by message type.",
	    k->rx_type_packets);
	by_type(w, "argod_rx_bytes_total", "Bytes of datagrams received that "
	    "passed authentication and the replay check, by message type.",
	    k->rx_type_bytes);
	family(w, "argod_rx_rejected_packets_total", "counter",
	    "Datagrams received and dropped, by reason.");
	for (i = 0; i < REJ_MAX; i++) {
		l = (struct lab){ "reason", wire_reject_names[i] };
		series(w, "argod_rx_rejected_packets_total", &l, 1);
		val_u(w, k->rejected[i]);
	}
	scalar_u(w, "argod_rx_host_drops_total", "counter", "Datagrams this "
	    "host's kernel dropped from a full receive queue.",
	    k->rx_host_drops);
	scalar_u(w, "argod_rx_key_next_total", "counter", "Datagrams that "
	    "passed with key-next, not key: peers that switched keys first.",
	    k->rx_key_next);
	scalar_u(w, "argod_lfa_repairs_total", "counter", "Routes moved to "
	    "a loop-free alternate when their next hop was lost, before "
	    "the database said so.", k->lfa_repairs);
	for (i = 0; i < sizeof(lsa_counters) / sizeof(lsa_counters[0]); i++)
		scalar_u(w, lsa_counters[i].name, "counter",
		    lsa_counters[i].help, *(const uint64_t *)(const void *)
		    ((const char *)k + lsa_counters[i].off));
	scalar_u(w, "argod_spf_runs_total", "counter",
	    "Route computations (SPF runs).", k->spf_runs);
	if (src->spf != NULL)
		histogram(w, "argod_spf_duration_seconds", "Time of one SPF "
		    "computation: graph build and Dijkstra from this node.",
		    src->spf);
}

/*
 * Peers: the link measurements, as argoctl peers shows them.
 */
static const enum link_state states[] = { LINK_UP, LINK_CONGESTED,
    LINK_DOWN };

/* A peer's value (a double at off, <0 unknown and left out), scaled. */
static void
peer_gauge_s(struct page *w, const char *name, const char *help,
    const struct engine_peer_info *pi, size_t n, size_t off, double scale)
{
	struct lab l;
	double v;
	size_t i;

	family(w, name, "gauge", help);
	for (i = 0; i < n; i++) {
		v = *(const double *)(const void *)((const char *)&pi[i] + off);
		if (v < 0)
			continue;
		l = (struct lab){ "peer", pi[i].name };
		series(w, name, &l, 1);
		val_f(w, v * scale);
	}
}

static void
peer_metrics(struct page *w, const struct metrics_src *src,
    const struct engine_peer_info *pi, size_t n)
{
	struct lab l[2];
	size_t i, s;

	family(w, "argod_peer_state", "gauge", "The link's state: 1 for the "
	    "state it is in (up, congested or down), 0 for the others.");
	for (i = 0; i < n; i++)
		for (s = 0; s < sizeof(states) / sizeof(states[0]); s++) {
			l[0] = (struct lab){ "peer", pi[i].name };
			l[1] = (struct lab){ "state",
			    link_state_name(states[s]) };
			series(w, "argod_peer_state", l, 2);
			val_u(w, pi[i].state == states[s]);
		}
#define OFF(f)	offsetof(struct engine_peer_info, f)
	peer_gauge_s(w, "argod_peer_rtt_seconds", "Smoothed round-trip "
	    "time to the peer.", pi, n, OFF(rtt_ms), 1e-3);
	peer_gauge_s(w, "argod_peer_rtt_baseline_seconds", "The link's "
	    "baseline round-trip time (its windowed minimum).", pi, n,
	    OFF(rtt_min_ms), 1e-3);
	peer_gauge_s(w, "argod_peer_jitter_seconds", "Round-trip time "
	    "variation to the peer.", pi, n, OFF(jitter_ms), 1e-3);
	peer_gauge_s(w, "argod_peer_loss_ratio", "Probe loss to the peer, "
	    "0 to 1, over the loss window.", pi, n, OFF(loss_pct), 1e-2);
	peer_gauge_s(w, "argod_peer_advertised_rtt_seconds", "The "
	    "round-trip time this node floods for the link.", pi, n,
	    OFF(adv_rtt_ms), 1e-3);
#undef OFF
	family(w, "argod_peer_probe_interval_seconds", "gauge",
	    "The current probe interval to the peer (fast or idle).");
	for (i = 0; i < n; i++) {
		l[0] = (struct lab){ "peer", pi[i].name };
		series(w, "argod_peer_probe_interval_seconds", l, 1);
		val_f(w, (double)pi[i].probe_interval / 1e9);
	}
	family(w, "argod_peer_probes_sent_total", "counter",
	    "Probes sent to the peer.");
	for (i = 0; i < n; i++) {
		l[0] = (struct lab){ "peer", pi[i].name };
		series(w, "argod_peer_probes_sent_total", l, 1);
		val_u(w, pi[i].probes_sent);
	}
	family(w, "argod_peer_replies_received_total", "counter",
	    "Probe answers received from the peer.");
	for (i = 0; i < n; i++) {
		l[0] = (struct lab){ "peer", pi[i].name };
		series(w, "argod_peer_replies_received_total", l, 1);
		val_u(w, pi[i].replies_received);
	}
}

/*
 * Routes: one per origin prefix, as argoctl routes shows them. The gain
 * is what the overlay saves over the direct link to the egress: direct
 * cost minus route cost, 0 when the route is the direct link.
 */
enum route_val { RV_REACHABLE, RV_COST, RV_DIRECT, RV_GAIN, RV_HOPS,
    RV_CONGESTED, RV_LASTMILE, RV_EGRESS_HEALTHY, RV_EGRESSES };

static int
route_value(const struct engine_route *r, enum route_val which, double *v)
{
	switch (which) {
	case RV_REACHABLE:
		*v = r->reachable;
		return 1;
	case RV_COST:
		*v = r->cost_ms / 1e3;
		return r->reachable;
	case RV_DIRECT:
		*v = r->direct_cost_ms / 1e3;
		return r->direct_cost_ms >= 0;
	case RV_GAIN:
		*v = (r->direct_cost_ms - r->cost_ms) / 1e3;
		return r->reachable && r->direct_cost_ms >= 0;
	case RV_HOPS:
		*v = r->pathlen > 0 ? (double)(r->pathlen - 1) : 0;
		return r->reachable;
	case RV_CONGESTED:
		*v = r->congested_hops;
		return r->reachable;
	case RV_LASTMILE:
		*v = r->lastmile_ms / 1e3;
		return r->reachable && r->lastmile_ms >= 0;
	case RV_EGRESS_HEALTHY:
		*v = r->egress_health == WIRE_ORIGIN_HEALTHY;
		return r->reachable &&
		    r->egress_health != WIRE_ORIGIN_UNKNOWN;
	case RV_EGRESSES:
		*v = (double)r->negress;
		return 1;
	}
	return 0;
}

static void
route_metrics(struct page *w, const struct metrics_src *src)
{
	static const struct {
		const char	*name, *help;
		enum route_val	 which;
	} rv[] = {
		{ "argod_route_reachable", "1 if the origin prefix has a "
		    "route, 0 if no egress is reachable.", RV_REACHABLE },
		{ "argod_route_cost_seconds", "The chosen path's cost: "
		    "advertised round-trip times plus penalties, and the "
		    "egress's last mile.", RV_COST },
		{ "argod_route_direct_cost_seconds", "The cost of the direct "
		    "link to the best egress, where there is one.", RV_DIRECT },
		{ "argod_route_gain_seconds", "Direct cost minus route cost: "
		    "what the overlay path saves.", RV_GAIN },
		{ "argod_route_hops", "Overlay hops of the chosen path.",
		    RV_HOPS },
		{ "argod_route_congested_hops", "Congested links on the "
		    "chosen path.", RV_CONGESTED },
		{ "argod_route_lastmile_seconds", "The last-mile cost the "
		    "chosen egress advertises for the origin.", RV_LASTMILE },
		{ "argod_route_egress_healthy", "1 if the chosen egress's "
		    "origin check passes, 0 if it fails.", RV_EGRESS_HEALTHY },
		{ "argod_route_egresses", "Egress PoPs the origin has, from "
		    "the config and the database.", RV_EGRESSES },
	};
	const struct engine *e = src->e;
	const struct engine_route *r;
	struct lab l[4];
	size_t i, k, n = engine_nroutes(e);
	double v;

	for (k = 0; k < sizeof(rv) / sizeof(rv[0]); k++) {
		family(w, rv[k].name, "gauge", rv[k].help);
		for (i = 0; i < n; i++) {
			r = engine_route(e, i);
			if (r->prefix == NULL || !route_value(r, rv[k].which,
			    &v))
				continue;
			l[0] = (struct lab){ "origin", r->origin };
			l[1] = (struct lab){ "prefix", r->prefix };
			series(w, rv[k].name, l, 2);
			val_f(w, v);
		}
	}
	family(w, "argod_route_changes_total", "counter", "Changes of the "
	    "route's path, egress or reachability.");
	for (i = 0; i < n; i++) {
		r = engine_route(e, i);
		if (r->prefix == NULL)
			continue;
		l[0] = (struct lab){ "origin", r->origin };
		l[1] = (struct lab){ "prefix", r->prefix };
		series(w, "argod_route_changes_total", l, 2);
		val_u(w, r->changes);
	}
	family(w, "argod_route_next_hop", "gauge", "The chosen next hop and "
	    "egress of a reachable origin prefix; always 1.");
	for (i = 0; i < n; i++) {
		r = engine_route(e, i);
		if (r->prefix == NULL || !r->reachable)
			continue;
		l[0] = (struct lab){ "origin", r->origin };
		l[1] = (struct lab){ "prefix", r->prefix };
		l[2] = (struct lab){ "next_hop", r->next_hop_name != NULL ?
		    r->next_hop_name : engine_node_name(e, r->next_hop) };
		l[3] = (struct lab){ "egress", r->egress_name != NULL ?
		    r->egress_name : engine_node_name(e, r->egress) };
		series(w, "argod_route_next_hop", l, 4);
		val_u(w, 1);
	}
}

/*
 * The kernel layer's counters (argoctl status, "kernel").
 */
static void
kern_metrics(struct page *w, const struct metrics_src *src)
{
	const struct kern_stats *k = src->kern;

	if (k == NULL)
		return;
	scalar_u(w, "argod_kernel_dry_run", "gauge", "1 while routes are "
	    "computed but not installed (dry run).", src->kern_dry_run != 0);
	scalar_u(w, "argod_kernel_route_replaces_total", "counter",
	    "Routes installed or replaced in the kernel.", k->replaces);
	scalar_u(w, "argod_kernel_route_deletes_total", "counter",
	    "Routes deleted from the kernel.", k->deletes);
	scalar_u(w, "argod_kernel_rule_adds_total", "counter",
	    "Policy rules added.", k->rule_adds);
	scalar_u(w, "argod_kernel_rule_deletes_total", "counter",
	    "Policy rules deleted.", k->rule_deletes);
	scalar_u(w, "argod_kernel_errors_total", "counter",
	    "Netlink requests the kernel refused.", k->errors);
	scalar_u(w, "argod_kernel_reconciles_total", "counter",
	    "Comparisons of the kernel's table with the wanted routes.",
	    k->reconciles);
	scalar_u(w, "argod_kernel_stale_routes_removed_total", "counter",
	    "Routes of argod's protocol that no route wanted, removed.",
	    k->stale_removed);
}

/*
 * Origins: the last-mile checks this PoP runs (argoctl origins).
 */
static const enum lastmile_health healths[] = { LASTMILE_HEALTHY,
    LASTMILE_UNHEALTHY, LASTMILE_UNKNOWN };

static void
origin_metrics(struct page *w, const struct metrics_src *src)
{
	static const struct {
		const char	*phase;
		size_t		 off;
	} phases[] = {
#define P(n, f)	{ n, offsetof(struct lastmile_result, f) }
		P("dns", dns_us), P("connect", connect_us), P("tls", tls_us),
		P("first_byte", first_byte_us), P("total", total_us),
#undef P
	};
	const struct metrics_origin *o = src->origins;
	const struct lastmile_result *r;
	struct lab l[2];
	size_t i, k, n = src->norigins;
	int64_t us;

	family(w, "argod_origin_check_info", "gauge",
	    "An origin checked from this PoP and the kind of its check; "
	    "always 1.");
	for (i = 0; i < n; i++) {
		l[0] = (struct lab){ "origin", o[i].origin };
		l[1] = (struct lab){ "kind", o[i].kind };
		series(w, "argod_origin_check_info", l, 2);
		val_u(w, 1);
	}
	family(w, "argod_origin_health", "gauge", "The origin's health: 1 "
	    "for the judgement in force (healthy, unhealthy or unknown), 0 "
	    "for the others.");
	for (i = 0; i < n; i++)
		for (k = 0; k < sizeof(healths) / sizeof(healths[0]); k++) {
			l[0] = (struct lab){ "origin", o[i].origin };
			l[1] = (struct lab){ "health",
			    lastmile_health_name(healths[k]) };
			series(w, "argod_origin_health", l, 2);
			val_u(w, o[i].lm->health == healths[k]);
		}
	family(w, "argod_origin_check_success", "gauge",
	    "1 if the last check passed, 0 if it failed.");
	for (i = 0; i < n; i++) {
		if (!o[i].lm->has_last)
			continue;
		l[0] = (struct lab){ "origin", o[i].origin };
		series(w, "argod_origin_check_success", l, 1);
		val_u(w, o[i].lm->last.ok != 0);
	}
	family(w, "argod_origin_check_phase_seconds", "gauge", "Time from "
	    "the start of the last check to the end of each phase (dns, "
	    "connect, tls, first_byte, total), as libcurl reports it.");
	for (i = 0; i < n; i++) {
		if (!o[i].lm->has_last)
			continue;
		r = &o[i].lm->last;
		for (k = 0; k < sizeof(phases) / sizeof(phases[0]); k++) {
			us = *(const int64_t *)(const void *)
			    ((const char *)r + phases[k].off);
			if (us < 0)
				continue;
			l[0] = (struct lab){ "origin", o[i].origin };
			l[1] = (struct lab){ "phase", phases[k].phase };
			series(w, "argod_origin_check_phase_seconds", l, 2);
			val_f(w, (double)us / 1e6);
		}
	}
	family(w, "argod_origin_http_status", "gauge",
	    "The HTTP status of the last check that got one.");
	for (i = 0; i < n; i++) {
		if (!o[i].lm->has_last || o[i].lm->last.http_status <= 0)
			continue;
		l[0] = (struct lab){ "origin", o[i].origin };
		series(w, "argod_origin_http_status", l, 1);
		val_u(w, (uint64_t)o[i].lm->last.http_status);
	}
	family(w, "argod_origin_checks_total", "counter", "Checks completed.");
	for (i = 0; i < n; i++) {
		l[0] = (struct lab){ "origin", o[i].origin };
		series(w, "argod_origin_checks_total", l, 1);
		val_u(w, o[i].lm->checks);
	}
	family(w, "argod_origin_checks_failed_total", "counter",
	    "Checks that failed.");
	for (i = 0; i < n; i++) {
		l[0] = (struct lab){ "origin", o[i].origin };
		series(w, "argod_origin_checks_failed_total", l, 1);
		val_u(w, o[i].lm->failed);
	}
}

char *
metrics_format(const struct metrics_src *src, size_t *len)
{
	struct page w = { NULL, 0, 0, 0 };
	struct engine_peer_info *pi;
	size_t i, n = engine_npeers(src->e);

	/*
	 * 1.1 KB per peer with a route each, 343 KB at 300 peers
	 * (bench/bench_metrics): one allocation in the common case.
	 */
	w.cap = 16384 + n * 1280;
	if ((w.p = malloc(w.cap)) == NULL)
		return NULL;
	w.p[0] = '\0';
	pi = xreallocarray(NULL, n > 0 ? n : 1, sizeof(*pi));
	for (i = 0; i < n; i++)
		engine_peer(src->e, i, &pi[i]);

	node_metrics(&w, src);
	peer_metrics(&w, src, pi, n);
	route_metrics(&w, src);
	counter_metrics(&w, src);
	kern_metrics(&w, src);
	origin_metrics(&w, src);
	free(pi);
	if (w.err) {
		free(w.p);
		return NULL;
	}
	*len = w.len;
	return w.p;
}
