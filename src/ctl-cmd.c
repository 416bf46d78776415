/*
 * What the status socket says (man/argoctl.8): the banner, the command
 * handlers and the monitor events, encoded as JSON lines. The transport
 * (ctl.c) hands in a request line and sends back the line made here; it
 * never looks inside either. The engine is read only through engine.h
 * (its peers, routes, counters and database views), the forwarding layer
 * only through kern.h; no wire units or database internals appear here.
 *
 * Times and latencies are rounded to microseconds (ms values) or
 * milliseconds (s values) so that the 15-digit output prints "12.3", not
 * "12.300000000000001".
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl-cmd.h"
#include "loopstat.h"
#include "ctl-proto.h"
#include "engine.h"
#include "kern.h"
#include "lmcheck.h"
#include "log.h"
#include "prefix.h"
#include "routelog.h"

#define CTL_JSON_FLAGS		(JSON_COMPACT | JSON_REAL_PRECISION(15))

/* Uptime is the process's, not one socket's: a reload may reopen sockets. */
static int		started_set;
static uint64_t		started;

static const struct loopstat *loopstat;
static const struct routelog *routelog;

void
ctl_cmd_loopstat(const struct loopstat *ls)
{
	loopstat = ls;
}

void
ctl_cmd_routelog(const struct routelog *rl)
{
	routelog = rl;
}

void
ctl_cmd_started(uint64_t now)
{
	if (!started_set) {
		started = now;
		started_set = 1;
	}
}

/*
 * JSON values.
 */
static json_t *
jnum3(double v)
{
	if (!isfinite(v))
		return json_null();
	return json_real(round(v * 1000.0) / 1000.0);
}

/* A latency where a negative value means "unknown". */
static json_t *
jms(double v)
{
	if (v < 0)
		return json_null();
	return jnum3(v);
}

static json_t *
jhex32(uint32_t v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%08x", v);
	return json_string(buf);
}

static json_t *
juint(uint64_t v)
{
	/* json_int_t is signed; counters never get near 2^63. */
	return json_integer((json_int_t)(v > INT64_MAX ? INT64_MAX : v));
}

static json_t *
jstr(const char *s)
{
	return json_string(s != NULL ? s : "");
}

static double
ns_to_s(uint64_t ns)
{
	return (double)ns / 1e9;
}

/* Seconds from t to now; events stamped in the future count as now. */
static json_t *
jago(uint64_t now, uint64_t t)
{
	return jnum3(t >= now ? 0.0 : ns_to_s(now - t));
}

static const char *
node_name(const struct engine *e, uint32_t id, char *buf, size_t len)
{
	const char *name;

	if (e != NULL && (name = engine_node_name(e, id)) != NULL &&
	    *name != '\0')
		return name;
	snprintf(buf, len, "%08x", id);
	return buf;
}

static json_t *
jname(const struct engine *e, uint32_t id)
{
	char buf[16];

	return json_string(node_name(e, id, buf, sizeof(buf)));
}

static json_t *
jpath(const struct engine *e, const uint32_t *path, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; path != NULL && i < n; i++)
		json_array_append_new(a, jname(e, path[i]));
	return a;
}

/* enum link_state by its protocol name; null for anything else. */
static json_t *
jlink_state(int state)
{
	switch (state) {
	case LINK_DOWN:
		return json_string(CTL_LINK_DOWN);
	case LINK_UP:
		return json_string(CTL_LINK_UP);
	case LINK_CONGESTED:
		return json_string(CTL_LINK_CONGESTED);
	}
	return json_null();
}

static void
set(json_t *o, const char *key, json_t *v)
{
	json_object_set_new(o, key, v);
}

static char *
dump(json_t *j)
{
	char *s;

	s = json_dumps(j, CTL_JSON_FLAGS);
	json_decref(j);
	if (s == NULL)
		log_warnx("control: cannot encode a reply");
	return s;
}

/*
 * Objects that several replies carry.
 */
static json_t *
kern_json(const struct kern *k)
{
	const struct kern_conf *kc;
	const struct kern_stats *st;
	json_t *o = json_object(), *sj;

	if (k == NULL) {
		set(o, CTL_F_MODE, json_string(CTL_MODE_NONE));
		return o;
	}
	kc = kern_conf(k);
	st = kern_stats(k);
	set(o, CTL_F_MODE, json_string(kern_dry_run(k) ? CTL_MODE_DRY_RUN :
	    CTL_MODE_FORWARDING));
	set(o, CTL_F_REASON, kern_reason(k) != NULL ?
	    json_string(kern_reason(k)) : json_null());
	set(o, CTL_F_TUNNEL, json_string(kern_tunnel_name(kc->tunnel)));
	set(o, CTL_F_DEVICE, json_string(kc->device));
	set(o, CTL_F_TABLE, juint(kc->table));
	set(o, CTL_F_PROTOCOL, juint(kc->protocol));
	set(o, CTL_F_POLICY_RULES, json_boolean(kc->rules));
	set(o, CTL_F_KEEP_ROUTES, json_boolean(kc->keep));
	sj = json_object();
	set(sj, CTL_F_REPLACES, juint(st->replaces));
	set(sj, CTL_F_DELETES, juint(st->deletes));
	set(sj, CTL_F_RULE_ADDS, juint(st->rule_adds));
	set(sj, CTL_F_RULE_DELETES, juint(st->rule_deletes));
	set(sj, CTL_F_ERRORS, juint(st->errors));
	set(sj, CTL_F_RECONCILES, juint(st->reconciles));
	set(sj, CTL_F_STALE_REMOVED, juint(st->stale_removed));
	set(o, CTL_F_COUNTERS, sj);
	return o;
}

static const char *
origin_health_name(int h)
{
	return h == WIRE_ORIGIN_HEALTHY ? "healthy" :
	    h == WIRE_ORIGIN_UNHEALTHY ? "unhealthy" : "unknown";
}

/* A route: the routes reply (full) or the old/new of a route event. */
static json_t *
route_json(const struct engine *e, const struct engine_route *rt,
    uint64_t now, int full)
{
	json_t *o, *ru;
	const uint32_t *rp = rt->runner_up_path;
	size_t rn = rt->runner_up_pathlen;

	o = json_object();
	if (full) {
		set(o, CTL_F_ORIGIN, jstr(rt->origin));
		set(o, CTL_F_PREFIX, jstr(rt->prefix));
	}
	set(o, CTL_F_REACHABLE, json_boolean(rt->reachable));
	if (!rt->reachable) {
		set(o, CTL_F_EGRESS, json_null());
		set(o, CTL_F_PATH, json_array());
		set(o, CTL_F_NEXT_HOP, json_null());
		set(o, CTL_F_COST_MS, json_null());
		set(o, CTL_F_CONGESTED_HOPS, json_integer(0));
	} else {
		set(o, CTL_F_EGRESS, rt->egress_name != NULL ?
		    json_string(rt->egress_name) : jname(e, rt->egress));
		set(o, CTL_F_PATH, jpath(e, rt->path, rt->pathlen));
		set(o, CTL_F_NEXT_HOP, rt->next_hop_name != NULL ?
		    json_string(rt->next_hop_name) : jname(e, rt->next_hop));
		set(o, CTL_F_COST_MS, jms(rt->cost_ms));
		set(o, CTL_F_CONGESTED_HOPS, json_integer(rt->congested_hops));
	}
	if (!full)
		return o;

	set(o, CTL_F_DIRECT_COST_MS, jms(rt->direct_cost_ms));
	set(o, CTL_F_SOURCE, json_string(rt->is_static ? "config" :
	    "database"));
	set(o, CTL_F_EGRESSES, juint(rt->negress));
	set(o, CTL_F_PATH_COST_MS, rt->reachable ? jms(rt->path_cost_ms) :
	    json_null());
	set(o, CTL_F_LASTMILE_MS, rt->reachable ? jms(rt->lastmile_ms) :
	    json_null());
	set(o, CTL_F_EGRESS_HEALTH, rt->reachable ?
	    json_string(origin_health_name(rt->egress_health)) : json_null());
	if (rt->reachable && rt->has_alt_egress) {
		json_t *alt = json_object();

		set(alt, CTL_F_EGRESS, rt->alt_egress_name != NULL ?
		    json_string(rt->alt_egress_name) :
		    jname(e, rt->alt_egress));
		set(alt, CTL_F_COST_MS, jms(rt->alt_cost_ms));
		set(alt, CTL_F_LASTMILE_MS, jms(rt->alt_lastmile_ms));
		set(alt, CTL_F_HEALTH,
		    json_string(origin_health_name(rt->alt_egress_health)));
		set(o, CTL_F_ALT_EGRESS, alt);
	} else
		set(o, CTL_F_ALT_EGRESS, json_null());
	if (rt->reachable && rt->has_runner_up) {
		ru = json_object();
		set(ru, CTL_F_PATH, jpath(e, rp, rn));
		set(ru, CTL_F_COST_MS, jms(rt->runner_up_cost_ms));
		set(ru, CTL_F_CONGESTED_HOPS,
		    json_integer(rt->runner_up_congested_hops));
		/* the path starts here; its second hop is the next hop */
		set(ru, CTL_F_NEXT_HOP, rn >= 2 ? jname(e, rp[1]) :
		    rn == 1 ? jname(e, rp[0]) : json_null());
		set(o, CTL_F_RUNNER_UP, ru);
	} else
		set(o, CTL_F_RUNNER_UP, json_null());
	set(o, CTL_F_SINCE_S, jago(now, rt->since));
	return o;
}

/*
 * Commands. Each fills reply (which already holds "ok" and "cmd") and
 * returns 0, or returns -1 with err set.
 */
typedef int	cmd_fn(struct ctl_cmd_ctx *, json_t *req, json_t *reply,
		    char *err, size_t errlen);

/* status "loop": the event loop's busy stretches (loopstat.h). */
static json_t *
loop_json(uint64_t now)
{
	static const char *const keys[LOOPSTAT_BUCKETS] = { CTL_F_UNDER_1MS,
	    CTL_F_UNDER_5MS, CTL_F_UNDER_20MS, CTL_F_UNDER_100MS, CTL_F_LONGER };
	json_t *o, *b;
	int i;

	if (loopstat == NULL)
		return json_null();
	o = json_object();
	set(o, CTL_F_ITERATIONS, juint(loopstat->iterations));
	set(o, CTL_F_BUSY_S, jnum3(ns_to_s(loopstat->busy_ns)));
	set(o, CTL_F_BUSY_MAX_MS, jnum3(loopstat->busy_max_ns / 1e6));
	/* when: start-up's stretches are often the longest */
	set(o, CTL_F_BUSY_MAX_AGO_S, loopstat->busy_max_at == 0 ?
	    json_null() : jago(now, loopstat->busy_max_at));
	b = json_object();
	for (i = 0; i < LOOPSTAT_BUCKETS; i++)
		set(b, keys[i], juint(loopstat->buckets[i]));
	set(o, CTL_F_BUSY_HISTOGRAM, b);
	return o;
}

static int
cmd_status(struct ctl_cmd_ctx *x, json_t *req, json_t *r, char *err,
    size_t errlen)
{
	const struct engine *e = x->e;
	const struct engine_counters *k = engine_counters(e);
	struct engine_peer_info pi;
	json_t *cnt, *rej;
	size_t i, n, up = 0;
	char digest[24];

	n = engine_npeers(e);
	for (i = 0; i < n; i++) {
		engine_peer(e, i, &pi);
		if (pi.state != LINK_DOWN)
			up++;
	}
	snprintf(digest, sizeof(digest), "%016llx",
	    (unsigned long long)engine_digest(e));

	set(r, CTL_F_NODE, json_string(engine_name(e)));
	set(r, CTL_F_ID, jhex32(engine_id(e)));
	set(r, CTL_F_VERSION, json_string(PACKAGE_VERSION));
	set(r, CTL_F_PROTOCOL, json_integer(CTL_PROTOCOL));
	set(r, CTL_F_CLOCK_S, jnum3(ns_to_s(x->now)));
	set(r, CTL_F_UPTIME_S, jago(x->now, started));
	set(r, CTL_F_PEERS, juint(n));
	set(r, CTL_F_PEERS_UP, juint(up));
	set(r, CTL_F_LSDB_ROWS, juint(engine_db_nrows(e)));
	set(r, CTL_F_DIGEST, json_string(digest));
	set(r, CTL_F_LOOP, loop_json(x->now));

	cnt = json_object();
	set(cnt, CTL_F_RX_PACKETS, juint(k->rx_packets));
	set(cnt, CTL_F_RX_BYTES, juint(k->rx_bytes));
	set(cnt, CTL_F_RX_HOST_DROPS, juint(k->rx_host_drops));
	set(cnt, CTL_F_RX_KEY_NEXT, juint(k->rx_key_next));
	set(cnt, CTL_F_LFA_REPAIRS, juint(k->lfa_repairs));
	set(cnt, CTL_F_TX_PACKETS, juint(k->tx_packets));
	set(cnt, CTL_F_TX_BYTES, juint(k->tx_bytes));
	set(cnt, CTL_F_LSA_ORIGINATED, juint(k->lsa_originated));
	set(cnt, CTL_F_LSA_RECEIVED, juint(k->lsa_received));
	set(cnt, CTL_F_LSA_INSTALLED, juint(k->lsa_installed));
	set(cnt, CTL_F_LSA_RELAYED, juint(k->lsa_relayed));
	set(cnt, CTL_F_LSA_DELTAS_SENT, juint(k->lsa_deltas_sent));
	set(cnt, CTL_F_LSA_DELTAS_APPLIED, juint(k->lsa_deltas_applied));
	set(cnt, CTL_F_LSA_DELTAS_UNUSABLE, juint(k->lsa_deltas_unusable));
	set(cnt, CTL_F_SUMMARIES_SENT, juint(k->summaries_sent));
	set(cnt, CTL_F_REQUESTS_SENT, juint(k->requests_sent));
	set(cnt, CTL_F_SPF_RUNS, juint(k->spf_runs));
	set(cnt, CTL_F_ROUTE_CHANGES, juint(k->route_changes));
	rej = json_object();
	for (i = 0; i < REJ_MAX; i++)
		set(rej, wire_reject_names[i], juint(k->rejected[i]));
	set(cnt, CTL_F_REJECTED, rej);
	set(r, CTL_F_COUNTERS, cnt);
	set(r, CTL_F_KERNEL, kern_json(x->kern));
	return 0;
}

/* Where the peer is: "address" (IP and port, null while a host name has
 * not resolved), "host" (the configured name, null for an IP) and
 * "resolve_error" (the last lookup's failure, null). */
static void
peer_addr_json(struct ctl_cmd_ctx *x, size_t i, json_t *p)
{
	struct ctl_peer_addr pa;
	char buf[INET6_ADDRSTRLEN + 8], ip[INET6_ADDRSTRLEN];

	memset(&pa, 0, sizeof(pa));
	if (x->hooks.peer_address != NULL)
		x->hooks.peer_address(x->hooks.arg, i, &pa);
	if (!pa.has_addr)
		set(p, CTL_F_ADDRESS, json_null());
	else if (pa.ss.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)&pa.ss;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(buf, sizeof(buf), "%s:%u", ip, ntohs(s4->sin_port));
		set(p, CTL_F_ADDRESS, json_string(buf));
	} else {
		const struct sockaddr_in6 *s6 = (const void *)&pa.ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, sizeof(buf), "[%s]:%u", ip,
		    ntohs(s6->sin6_port));
		set(p, CTL_F_ADDRESS, json_string(buf));
	}
	set(p, CTL_F_HOST, pa.host != NULL ? json_string(pa.host) :
	    json_null());
	set(p, CTL_F_RESOLVE_ERROR, pa.error != NULL ?
	    json_string(pa.error) : json_null());
}

static int
cmd_peers(struct ctl_cmd_ctx *x, json_t *req, json_t *r, char *err,
    size_t errlen)
{
	struct engine_peer_info pi;
	json_t *a, *p;
	size_t i, n;

	a = json_array();
	n = engine_npeers(x->e);
	for (i = 0; i < n; i++) {
		engine_peer(x->e, i, &pi);
		p = json_object();
		set(p, CTL_F_NAME, jstr(pi.name));
		set(p, CTL_F_ID, jhex32(pi.id));
		set(p, CTL_F_STATE, jlink_state(pi.state));
		set(p, CTL_F_RTT_MS, jms(pi.rtt_ms));
		set(p, CTL_F_RTT_MIN_MS, jms(pi.rtt_min_ms));
		set(p, CTL_F_JITTER_MS, jms(pi.jitter_ms));
		set(p, CTL_F_LOSS_PCT, jms(pi.loss_pct));
		set(p, CTL_F_LAST_SEEN_S, pi.last_seen == 0 ? json_null() :
		    jago(x->now, pi.last_seen));
		set(p, CTL_F_STATE_SINCE_S, jago(x->now, pi.state_since));
		set(p, CTL_F_ADV_RTT_MS, jms(pi.adv_rtt_ms));
		set(p, CTL_F_PROBES_SENT, juint(pi.probes_sent));
		set(p, CTL_F_REPLIES_RECEIVED, juint(pi.replies_received));
		set(p, CTL_F_PROBE_INTERVAL_MS,
		    jms(pi.probe_interval / 1e6));
		set(p, CTL_F_WIRE_VERSION, juint(pi.wire_version));
		set(p, CTL_F_DETECT_MS, pi.detect == 0 ? json_null() :
		    jms(pi.detect / 1e6));
		set(p, CTL_F_RX_LOSS_PCT, jms(pi.rx_loss_pct));
		peer_addr_json(x, i, p);
		json_array_append_new(a, p);
	}
	set(r, CTL_F_PEERS, a);
	return 0;
}

/* A database node as matrix and lsdb list it: sorted by name, then id. */
struct db_node {
	struct engine_db_node	 v;
	size_t			 index;	/* for engine_db_*() */
	char			 hex[16];	/* the name when unknown */
};

static const char *
db_node_name(const struct db_node *n)
{
	return n->v.name != NULL ? n->v.name : n->hex;
}

static int
db_node_cmp(const void *a, const void *b)
{
	const struct db_node *x = a, *y = b;
	int d;

	if ((d = strcmp(db_node_name(x), db_node_name(y))) != 0)
		return d;
	return x->v.id < y->v.id ? -1 : x->v.id > y->v.id;
}

/* The nodes of the database, rows only or all; caller frees. */
static struct db_node *
db_nodes(const struct engine *e, uint64_t now, int rows_only, size_t *np)
{
	struct db_node *v;
	size_t i, n = 0, max = engine_db_nnodes(e);

	v = xcalloc(max ? max : 1, sizeof(*v));
	for (i = 0; i < max; i++) {
		if (engine_db_node(e, i, now, &v[n].v) == -1 ||
		    (rows_only && !v[n].v.has_row))
			continue;
		v[n].index = i;
		snprintf(v[n].hex, sizeof(v[n].hex), "%08x", v[n].v.id);
		n++;
	}
	qsort(v, n, sizeof(*v), db_node_cmp);
	*np = n;
	return v;
}

/* A row of n nulls. */
static json_t *
jnulls(size_t n)
{
	json_t *a = json_array();

	while (n-- > 0)
		json_array_append_new(a, json_null());
	return a;
}

static int
cmd_matrix(struct ctl_cmd_ctx *x, json_t *req, json_t *r, char *err,
    size_t errlen)
{
	struct engine_db_link l;
	struct db_node *v;
	json_t *names, *ids, *rtt, *loss, *state, *rr, *lr, *sr;
	size_t i, j, k, n, max, *idx;

	v = db_nodes(x->e, x->now, 0, &n);
	/* node index -> row/column, so each row is one pass over its links */
	max = engine_db_nnodes(x->e);
	idx = xcalloc(max ? max : 1, sizeof(*idx));
	for (i = 0; i < max; i++)
		idx[i] = SIZE_MAX;
	for (i = 0; i < n; i++)
		idx[v[i].index] = i;

	names = json_array();
	ids = json_array();
	rtt = json_array();
	loss = json_array();
	state = json_array();
	for (i = 0; i < n; i++) {
		json_array_append_new(names, json_string(db_node_name(&v[i])));
		json_array_append_new(ids, jhex32(v[i].v.id));
		rr = jnulls(n);
		lr = jnulls(n);
		sr = jnulls(n);
		for (k = 0; k < v[i].v.nlinks; k++) {
			engine_db_link(x->e, v[i].index, k, &l);
			if (l.node >= max || (j = idx[l.node]) == SIZE_MAX ||
			    j == i)
				continue;
			json_array_set_new(rr, j, jms(l.rtt_ms));
			json_array_set_new(lr, j, jnum3(l.loss_pct));
			json_array_set_new(sr, j, jlink_state(l.state));
		}
		json_array_append_new(rtt, rr);
		json_array_append_new(loss, lr);
		json_array_append_new(state, sr);
	}
	set(r, CTL_F_NODES, names);
	set(r, CTL_F_IDS, ids);
	set(r, CTL_F_RTT_MS, rtt);
	set(r, CTL_F_LOSS_PCT, loss);
	set(r, CTL_F_STATE, state);
	free(idx);
	free(v);
	return 0;
}

static int
cmd_routes(struct ctl_cmd_ctx *x, json_t *req, json_t *r, char *err,
    size_t errlen)
{
	const struct engine_route *rt;
	json_t *a, *o;
	size_t i, n;

	a = json_array();
	n = engine_nroutes(x->e);
	for (i = 0; i < n; i++) {
		if ((rt = engine_route(x->e, i)) == NULL)
			continue;
		o = route_json(x->e, rt, x->now, 1);
		set(o, CTL_F_INSTALLED, json_boolean(x->kern != NULL &&
		    kern_installed(x->kern, &rt->pfx)));
		json_array_append_new(a, o);
	}
	set(r, CTL_F_ROUTES, a);
	return 0;
}

static int
cmd_lsdb(struct ctl_cmd_ctx *x, json_t *req, json_t *r, char *err,
    size_t errlen)
{
	struct db_node *v;
	json_t *a, *o;
	size_t i, n;

	v = db_nodes(x->e, x->now, 1, &n);
	a = json_array();
	for (i = 0; i < n; i++) {
		o = json_object();
		set(o, CTL_F_ORIGIN, json_string(db_node_name(&v[i])));
		set(o, CTL_F_ID, jhex32(v[i].v.id));
		set(o, CTL_F_BOOT, juint(v[i].v.boot));
		set(o, CTL_F_SEQ, juint(v[i].v.seq));
		set(o, CTL_F_AGE_S, juint(v[i].v.age_s));
		set(o, CTL_F_LINKS, juint(v[i].v.nlinks));
		json_array_append_new(a, o);
	}
	set(r, CTL_F_LSDB, a);
	free(v);
	return 0;
}

static int
cmd_monitor(struct ctl_cmd_ctx *x, json_t *req, json_t *r, char *err,
    size_t errlen)
{
	x->monitor = 1;
	return 0;
}

static int
cmd_reload(struct ctl_cmd_ctx *x, json_t *req, json_t *r, char *err,
    size_t errlen)
{
	if (x->hooks.reload == NULL) {
		snprintf(err, errlen, CTL_ERR_NOT_SUPPORTED);
		return -1;
	}
	err[0] = '\0';
	if (x->hooks.reload(x->hooks.arg, err, errlen) == -1) {
		if (err[0] == '\0')
			snprintf(err, errlen, "reload failed");
		return -1;
	}
	return 0;
}

static void
fib_entry(void *arg, const struct kern_route *kr)
{
	json_t *a = arg, *o = json_object();
	char buf[PREFIX_STRLEN];

	set(o, CTL_F_PREFIX, json_string(prefix_fmt(&kr->prefix, buf,
	    sizeof(buf))));
	if (kr->nexthop.family != 0) {
		inet_ntop(kr->nexthop.family, kr->nexthop.addr, buf,
		    sizeof(buf));
		set(o, CTL_F_ENCAP_DST, json_string(buf));
	} else
		set(o, CTL_F_ENCAP_DST, json_null());
	set(o, CTL_F_VNI, juint(kr->vni));
	set(o, CTL_F_DEV, json_string(kr->dev));
	set(o, CTL_F_PROTOCOL, juint(kr->protocol));
	json_array_append_new(a, o);
}

static int
need_kern(struct ctl_cmd_ctx *x, char *err, size_t errlen)
{
	if (x->kern != NULL)
		return 0;
	snprintf(err, errlen, "no forwarding layer");
	return -1;
}

static int
cmd_fib(struct ctl_cmd_ctx *x, json_t *req, json_t *r, char *err,
    size_t errlen)
{
	json_t *a;

	if (need_kern(x, err, errlen) == -1)
		return -1;
	a = json_array();
	if (kern_fib(x->kern, fib_entry, a, err, errlen) != 0) {
		json_decref(a);
		return -1;
	}
	set(r, CTL_F_TABLE, juint(kern_conf(x->kern)->table));
	set(r, CTL_F_FIB, a);
	set(r, CTL_F_KERNEL, kern_json(x->kern));
	return 0;
}

static int
cmd_dry_run(struct ctl_cmd_ctx *x, json_t *req, json_t *r, char *err,
    size_t errlen)
{
	json_t *on = json_object_get(req, CTL_F_ON);

	if (need_kern(x, err, errlen) == -1)
		return -1;
	if (!json_is_boolean(on)) {
		snprintf(err, errlen, "dry-run needs \"on\": true or false");
		return -1;
	}
	if (kern_set_dry_run(x->kern, json_is_true(on)) != 0) {
		snprintf(err, errlen, "cannot leave dry-run mode: %s",
		    kern_reason(x->kern) != NULL ? kern_reason(x->kern) :
		    "kernel error, see the log");
		return -1;
	}
	if (x->hooks.kern_changed != NULL)
		x->hooks.kern_changed(x->hooks.arg);
	set(r, CTL_F_KERNEL, kern_json(x->kern));
	return 0;
}

/* A check's phase time, microseconds or -1, as ms or null. */
static json_t *
jus(int64_t us)
{
	return us < 0 ? json_null() : jnum3((double)us / 1000.0);
}

static json_t *
check_result_json(const struct lastmile_result *r, uint64_t now,
    uint64_t at)
{
	json_t *o = json_object();

	set(o, CTL_F_PASSED, json_boolean(r->ok));
	set(o, CTL_F_AGO_S, jago(now, at));
	set(o, CTL_F_ADDRESS, r->address[0] != '\0' ?
	    json_string(r->address) : json_null());
	set(o, CTL_F_HTTP_STATUS, r->http_status > 0 ?
	    json_integer(r->http_status) : json_null());
	set(o, CTL_F_DNS_MS, jus(r->dns_us));
	set(o, CTL_F_CONNECT_MS, jus(r->connect_us));
	set(o, CTL_F_TLS_MS, jus(r->tls_us));
	set(o, CTL_F_FIRST_BYTE_MS, jus(r->first_byte_us));
	set(o, CTL_F_TOTAL_MS, jus(r->total_us));
	set(o, CTL_F_REASON, r->ok ? json_null() : json_string(r->reason));
	return o;
}

/* Seconds from now to a deadline t, 0 when past. */
static json_t *
jin(uint64_t now, uint64_t t)
{
	return jnum3(t <= now ? 0.0 : ns_to_s(t - now));
}

/* How the target's host name resolves; null for an IP literal. */
static json_t *
resolved_json(const struct lmcheck_view *v, uint64_t now)
{
	const struct lmcheck_addr *a = v->addr;
	json_t *o;

	if (!a->needed)
		return json_null();
	o = json_object();
	set(o, CTL_F_HOST, json_string(v->check->host));
	set(o, CTL_F_ADDRESS, a->has_addr ? json_string(a->addr) :
	    json_null());
	set(o, CTL_F_TTL_S, a->has_addr ? juint(a->ttl) : json_null());
	set(o, CTL_F_AGO_S, a->has_addr ? jago(now, a->resolved_at) :
	    json_null());
	set(o, CTL_F_EXPIRES_S, a->lookups > 0 ? jin(now, a->expires) :
	    json_null());
	set(o, CTL_F_LOOKUP_MS, jus(a->lookup_us));
	set(o, CTL_F_LOOKUPS, juint(a->lookups));
	set(o, CTL_F_LOOKUP_FAILURES, juint(a->lookup_failures));
	set(o, CTL_F_REASON, a->has_error ? json_string(a->error) :
	    json_null());
	set(o, CTL_F_FAILING_SINCE_S, a->has_error ?
	    jago(now, a->error_since) : json_null());
	return o;
}

static int
cmd_origins(struct ctl_cmd_ctx *x, json_t *req, json_t *r, char *err,
    size_t errlen)
{
	struct lmcheck_view v;
	const struct lastmile *lm;
	char target[2200];
	json_t *a, *o;
	size_t i;

	a = json_array();
	for (i = 0; i < lmcheck_count(x->lm); i++) {
		lmcheck_view(x->lm, i, &v);
		lm = v.lm;
		o = json_object();
		set(o, CTL_F_ORIGIN, json_string(v.origin));
		set(o, CTL_F_KIND, json_string(v.check->kind ==
		    CONF_CHECK_TCP ? CTL_CHECK_TCP : CTL_CHECK_HTTP));
		conf_check_target(v.check, target, sizeof(target));
		set(o, CTL_F_TARGET, json_string(target));
		set(o, CTL_F_RESOLVED, resolved_json(&v, x->now));
		set(o, CTL_F_HEALTH, json_string(lastmile_health_name(
		    lm->health)));
		set(o, CTL_F_HEALTH_SINCE_S, jago(x->now, lm->health_since));
		set(o, CTL_F_FAILURES, juint(lm->failures));
		set(o, CTL_F_SUCCESSES, juint(lm->successes));
		set(o, CTL_F_CHECKS, juint(lm->checks));
		set(o, CTL_F_CHECKS_FAILED, juint(lm->failed));
		set(o, CTL_F_RUNNING, json_boolean(v.running));
		set(o, CTL_F_INTERVAL_MS, jnum3((double)lm->c.interval / 1e6));
		set(o, CTL_F_TIMEOUT_MS, jnum3((double)lm->c.timeout / 1e6));
		set(o, CTL_F_UNHEALTHY_AFTER, juint(lm->c.fall));
		set(o, CTL_F_HEALTHY_AFTER, juint(lm->c.rise));
		set(o, CTL_F_LAST, lm->has_last ? check_result_json(&lm->last,
		    x->now, lm->last_at) : json_null());
		set(o, CTL_F_LAST_GOOD, lm->has_good ?
		    check_result_json(&lm->good, x->now, lm->good_at) :
		    json_null());
		json_array_append_new(a, o);
	}
	set(r, CTL_F_ORIGINS, a);
	return 0;
}

static json_t *
tier_json(const struct engine *e, const struct engine_tier *t, uint64_t now)
{
	json_t *o = json_object(), *u = json_array();
	size_t i;

	set(o, CTL_F_ORIGIN, jstr(t->origin));
	set(o, CTL_F_SELECTION, json_string(t->mode == TIER_STATIC ?
	    CTL_TIER_STATIC : t->mode == TIER_REGIONAL ? CTL_TIER_REGIONAL :
	    CTL_TIER_SMART));
	set(o, CTL_F_ROLE, json_string(t->role == TIER_UPPER ?
	    CTL_ROLE_UPPER : CTL_ROLE_LOWER));
	set(o, CTL_F_PARENT, t->role == TIER_LOWER ? jname(e, t->parent) :
	    json_null());
	set(o, CTL_F_PARENT_COST_MS, jms(t->parent_cost_ms));
	set(o, CTL_F_PARENT_PATH_MS, jms(t->parent_path_ms));
	set(o, CTL_F_FALLBACK, t->has_fallback && t->fallback != 0 ?
	    jname(e, t->fallback) : json_null());
	set(o, CTL_F_FALLBACK_COST_MS, t->has_fallback && t->fallback != 0 ?
	    jms(t->fallback_cost_ms) : json_null());
	set(o, CTL_F_UPPER, t->upper != 0 ? jname(e, t->upper) : json_null());
	for (i = 0; i < t->nuppers; i++)
		json_array_append_new(u, jname(e, t->uppers[i]));
	set(o, CTL_F_UPPERS, u);
	set(o, CTL_F_OBJECTIVE_MS, jms(t->objective_ms));
	set(o, CTL_F_CHALLENGER, t->challenger != 0 ? jname(e, t->challenger) :
	    json_null());
	set(o, CTL_F_CHALLENGER_S, t->challenger != 0 ?
	    jago(now, t->challenger_since) : json_null());
	set(o, CTL_F_SINCE_S, jago(now, t->since));
	set(o, CTL_F_CHANGES, juint(t->changes));
	return o;
}

static int
cmd_tiers(struct ctl_cmd_ctx *x, json_t *req, json_t *r, char *err,
    size_t errlen)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < engine_ntiers(x->e); i++)
		json_array_append_new(a, tier_json(x->e, engine_tier(x->e, i),
		    x->now));
	set(r, CTL_F_TIERS, a);
	return 0;
}

/*
 * changes: the route log's entries, oldest first, optionally of one
 * origin. old and new are the routes of route events.
 */
static json_t *
change_route_json(const struct routelog_route *r)
{
	json_t *o, *p;
	size_t i;

	if (!r->present)
		return json_null();
	o = json_object();
	set(o, CTL_F_REACHABLE, json_true());
	set(o, CTL_F_EGRESS, jstr(r->egress));
	p = json_array();
	for (i = 0; i < r->pathlen; i++)
		json_array_append_new(p, jstr(r->path[i]));
	set(o, CTL_F_PATH, p);
	set(o, CTL_F_NEXT_HOP, jstr(r->next_hop));
	set(o, CTL_F_COST_MS, jms(r->cost_ms));
	set(o, CTL_F_CONGESTED_HOPS, json_integer(r->congested_hops));
	return o;
}

static const char *
change_reason_name(enum routelog_reason reason)
{
	switch (reason) {
	case ROUTELOG_REACHABLE:
		return CTL_CHANGE_REACHABLE;
	case ROUTELOG_UNREACHABLE:
		return CTL_CHANGE_UNREACHABLE;
	case ROUTELOG_EGRESS:
		return CTL_CHANGE_EGRESS;
	case ROUTELOG_PATH:
		return CTL_CHANGE_PATH;
	case ROUTELOG_COST:
		break;
	}
	return CTL_CHANGE_COST;
}

static int
cmd_changes(struct ctl_cmd_ctx *x, json_t *req, json_t *r, char *err,
    size_t errlen)
{
	const struct routelog_entry *en;
	const char *origin = NULL;
	json_t *a, *o, *jo;
	size_t i;

	if (routelog == NULL) {
		snprintf(err, errlen, "%s", CTL_ERR_NOT_SUPPORTED);
		return -1;
	}
	if ((jo = json_object_get(req, CTL_F_ORIGIN)) != NULL &&
	    !json_is_null(jo)) {
		if (!json_is_string(jo)) {
			snprintf(err, errlen, "\"" CTL_F_ORIGIN "\" must be "
			    "a string");
			return -1;
		}
		origin = json_string_value(jo);
	}
	a = json_array();
	for (i = 0; (en = routelog_get(routelog, i)) != NULL; i++) {
		if (origin != NULL && strcmp(origin, en->origin) != 0)
			continue;
		o = json_object();
		set(o, CTL_F_TIME, jnum3(ns_to_s(en->time)));
		set(o, CTL_F_AGO_S, jago(x->now, en->time));
		set(o, CTL_F_ORIGIN, jstr(en->origin));
		set(o, CTL_F_PREFIX, jstr(en->prefix));
		set(o, CTL_F_REASON,
		    json_string(change_reason_name(en->reason)));
		set(o, CTL_F_OLD, change_route_json(&en->old));
		set(o, CTL_F_NEW, change_route_json(&en->new));
		json_array_append_new(a, o);
	}
	set(r, CTL_F_CAPACITY, juint(routelog_capacity(routelog)));
	set(r, CTL_F_RECORDED, juint(routelog_recorded(routelog)));
	set(r, CTL_F_ENTRIES, a);
	return 0;
}

static cmd_fn cmd_help;

static const struct ctl_cmd {
	const char	*name;
	int		 write;		/* refused when read-only */
	int		 need_engine;
	cmd_fn		*fn;
	const char	*help;
} ctl_cmds[] = {
	{ CTL_CMD_STATUS, 0, 1, cmd_status,
	    "node identity, uptime, database summary and counters" },
	{ CTL_CMD_PEERS, 0, 1, cmd_peers,
	    "state and measurements of every configured peer" },
	{ CTL_CMD_MATRIX, 0, 1, cmd_matrix,
	    "the latency/loss matrix as held in the link state database" },
	{ CTL_CMD_ROUTES, 0, 1, cmd_routes,
	    "the chosen path to every origin prefix, with the runner-up" },
	{ CTL_CMD_LSDB, 0, 1, cmd_lsdb,
	    "the rows of the link state database" },
	{ CTL_CMD_ORIGINS, 0, 0, cmd_origins,
	    "the last-mile checks this PoP runs: timings and health" },
	{ CTL_CMD_TIERS, 0, 1, cmd_tiers,
	    "per origin, this PoP's cache tier: role, parent, fallback" },
	{ CTL_CMD_CHANGES, 0, 0, cmd_changes,
	    "{\"origin\": name} optional: the recent route changes" },
	{ CTL_CMD_MONITOR, 0, 0, cmd_monitor,
	    "stream link and route events on this connection" },
	{ CTL_CMD_FIB, 0, 0, cmd_fib,
	    "the routes argod has installed, as the kernel reports them" },
	{ CTL_CMD_RELOAD, 1, 0, cmd_reload,
	    "re-read the configuration file" },
	{ CTL_CMD_DRY_RUN, 1, 0, cmd_dry_run,
	    "{\"on\": true|false}: stop or resume installing routes" },
	{ CTL_CMD_HELP, 0, 0, cmd_help,
	    "list the commands" },
};
#define CTL_NCMDS	(sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))

static int
cmd_help(struct ctl_cmd_ctx *x, json_t *req, json_t *r, char *err,
    size_t errlen)
{
	json_t *a, *o;
	size_t i;

	a = json_array();
	for (i = 0; i < CTL_NCMDS; i++) {
		o = json_object();
		set(o, CTL_F_CMD, json_string(ctl_cmds[i].name));
		set(o, CTL_F_WRITE, json_boolean(ctl_cmds[i].write));
		set(o, CTL_F_HELP, json_string(ctl_cmds[i].help));
		json_array_append_new(a, o);
	}
	set(r, CTL_F_COMMANDS, a);
	return 0;
}

/*
 * Requests and replies.
 */
static json_t *
reply_new(int ok, json_t *req, const char *cmd)
{
	json_t *r, *tag;

	r = json_object();
	set(r, CTL_F_OK, json_boolean(ok));
	set(r, CTL_F_CMD, cmd != NULL ? json_string(cmd) : json_null());
	/* an opaque request tag lets a client match replies to requests */
	if (req != NULL && (tag = json_object_get(req, CTL_F_TAG)) != NULL)
		json_object_set(r, CTL_F_TAG, tag);
	return r;
}

static char *
reply_error(json_t *req, const char *cmd, const char *msg)
{
	json_t *r, *m;
	char safe[CTL_MAX_ERROR];
	size_t i;

	r = reply_new(0, req, cmd);
	/*
	 * A message may quote the request (jansson's parse errors do, and
	 * "%.64s" can cut a name inside a UTF-8 sequence): JSON strings
	 * must be UTF-8, so bytes past ASCII become '?' rather than the
	 * error going missing (fuzz_ctl found it).
	 */
	if ((m = json_string(msg)) == NULL) {
		for (i = 0; msg[i] != '\0' && i < sizeof(safe) - 1; i++)
			safe[i] = (unsigned char)msg[i] < 0x80 ? msg[i] : '?';
		safe[i] = '\0';
		m = json_string(safe);
	}
	set(r, CTL_F_ERROR, m);
	return dump(r);
}

char *
ctl_cmd_error(const char *msg)
{
	return reply_error(NULL, NULL, msg);
}

static char *
request(struct ctl_cmd_ctx *x, json_t *req)
{
	const struct ctl_cmd *cmd = NULL;
	const char *name;
	char err[CTL_MAX_ERROR], msg[300];
	json_t *jcmd, *r;
	size_t i;

	if (!json_is_object(req))
		return reply_error(NULL, NULL, "request is not a JSON object");
	jcmd = json_object_get(req, CTL_F_CMD);
	if (jcmd == NULL || !json_is_string(jcmd))
		return reply_error(req, NULL,
		    "request has no \"" CTL_F_CMD "\" string");
	name = json_string_value(jcmd);
	for (i = 0; i < CTL_NCMDS && cmd == NULL; i++)
		if (strcmp(ctl_cmds[i].name, name) == 0)
			cmd = &ctl_cmds[i];
	if (cmd == NULL) {
		snprintf(msg, sizeof(msg), "unknown command \"%.64s\"", name);
		return reply_error(req, name, msg);
	}
	if (cmd->write && x->ro)
		return reply_error(req, cmd->name, CTL_ERR_READ_ONLY);
	if (cmd->need_engine && x->e == NULL)
		return reply_error(req, cmd->name, CTL_ERR_NOT_RUNNING);
	r = reply_new(1, req, cmd->name);
	err[0] = '\0';
	if (cmd->fn(x, req, r, err, sizeof(err)) == -1) {
		json_decref(r);
		return reply_error(req, cmd->name, err);
	}
	return dump(r);
}

char *
ctl_cmd_request(struct ctl_cmd_ctx *x, const char *line, size_t len)
{
	json_error_t jerr;
	json_t *req;
	char msg[300], *s;

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL) {
		snprintf(msg, sizeof(msg), "malformed request: %s (column %d)",
		    jerr.text, jerr.column);
		return reply_error(NULL, NULL, msg);
	}
	s = request(x, req);
	json_decref(req);
	return s;
}

char *
ctl_cmd_banner(const struct engine *e, int ro)
{
	json_t *b;

	b = json_object();
	set(b, CTL_F_ARGOD, json_string(PACKAGE_VERSION));
	set(b, CTL_F_PROTOCOL, json_integer(CTL_PROTOCOL));
	set(b, CTL_F_NODE, e != NULL ? json_string(engine_name(e)) :
	    json_null());
	set(b, CTL_F_READONLY, json_boolean(ro));
	return dump(b);
}

/*
 * Events.
 */
static json_t *
event_new(const char *type, uint64_t now)
{
	json_t *ev = json_object();

	set(ev, CTL_F_EVENT, json_string(type));
	set(ev, CTL_F_TIME, jnum3(ns_to_s(now)));
	return ev;
}

char *
ctl_cmd_link_event(const struct engine_link_event *le, uint64_t now)
{
	json_t *ev = event_new(CTL_EV_LINK, now);

	set(ev, CTL_F_PEER, jstr(le->name));
	set(ev, CTL_F_FROM, jlink_state(le->from));
	set(ev, CTL_F_TO, jlink_state(le->to));
	set(ev, CTL_F_RTT_MS, jms(le->rtt_ms));
	set(ev, CTL_F_LOSS_PCT, jms(le->loss_pct));
	return dump(ev);
}

char *
ctl_cmd_route_event(const struct engine *e,
    const struct engine_route_event *re, uint64_t now)
{
	const struct engine_route *any;
	json_t *ev;

	if ((any = re->new != NULL ? re->new : re->old) == NULL)
		return NULL;
	ev = event_new(CTL_EV_ROUTE, now);
	set(ev, CTL_F_ORIGIN, jstr(any->origin));
	set(ev, CTL_F_PREFIX, jstr(any->prefix));
	set(ev, CTL_F_OLD, re->old != NULL ?
	    route_json(e, re->old, now, 0) : json_null());
	set(ev, CTL_F_NEW, re->new != NULL ?
	    route_json(e, re->new, now, 0) : json_null());
	return dump(ev);
}

char *
ctl_cmd_origin_event(const struct lmcheck_event *oe, uint64_t now)
{
	json_t *ev = event_new(CTL_EV_ORIGIN, now);

	set(ev, CTL_F_ORIGIN, json_string(oe->origin));
	set(ev, CTL_F_FROM, json_string(lastmile_health_name(oe->from)));
	set(ev, CTL_F_TO, json_string(lastmile_health_name(oe->to)));
	set(ev, CTL_F_REASON, oe->reason != NULL ? json_string(oe->reason) :
	    json_null());
	return dump(ev);
}

char *
ctl_cmd_tier_event(const struct engine *e,
    const struct engine_tier_event *te, uint64_t now)
{
	const struct engine_tier *any;
	json_t *ev;

	if ((any = te->new != NULL ? te->new : te->old) == NULL)
		return NULL;
	ev = event_new(CTL_EV_TIER, now);
	set(ev, CTL_F_ORIGIN, jstr(any->origin));
	set(ev, CTL_F_OLD, te->old != NULL ? tier_json(e, te->old, now) :
	    json_null());
	set(ev, CTL_F_NEW, te->new != NULL ? tier_json(e, te->new, now) :
	    json_null());
	return dump(ev);
}
