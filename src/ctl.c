/*
 * The JSON status socket (DESIGN.md decision 8, man/argoctl.8).
 *
 * Model. A listening UNIX stream socket accepts up to CTL_MAX_CLIENTS
 * clients. Every client gets a banner, then sends newline-delimited JSON
 * requests; each request line produces exactly one reply line, in order.
 * A client that sent "monitor" also receives event lines, interleaved with
 * its replies. Nothing here ever blocks: input is read in chunks as it
 * arrives, output is queued per client and drained by an EV_WRITE watcher,
 * and a client whose queue grows past max_output is disconnected, so a
 * stuck reader costs the daemon at most max_output bytes of memory and
 * never a stall.
 *
 * Reentrancy. A request may run a hook (reload) that reconfigures the
 * engine, which emits events that are broadcast to monitor clients (the
 * requesting client among them) or even closes this ctl. Clients and the
 * ctl are therefore only unlinked while a request is being handled and
 * freed when the handler has returned ("busy" and "depth" below).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>
#include <jansson.h>

#include "ctl.h"
#include "kern.h"
#include "engine.h"
#include "log.h"
#include "lsdb.h"
#include "wire.h"

#define CTL_MAX_CLIENTS		64

/*
 * Requests handled per wakeup are bounded by the bytes read per wakeup: a
 * 4 KiB read holds at most ~240 requests, so a client that pipelines
 * requests delays probe replies and timers behind it only briefly.
 */
#define CTL_READ_CHUNK		4096
#define CTL_BACKLOG		16
#define CTL_ACCEPT_BURST	16	/* accepts per wakeup */
#define CTL_ACCEPT_PAUSE	1.0	/* s without accepting after EMFILE */
#define CTL_KEEP_BUFFER		65536	/* keep smaller buffers when idle */
#define CTL_JSON_FLAGS		(JSON_COMPACT | JSON_REAL_PRECISION(15))

struct ctl_client {
	TAILQ_ENTRY(ctl_client)	 entry;
	struct ctl		*ctl;
	int			 fd;
	long			 pid;		/* SO_PEERCRED, for log lines */
	ev_io			 rio, wio;
	int			 monitor;
	int			 eof;		/* peer shut down its side */
	int			 discard;	/* inside an oversize line */
	int			 busy;		/* handling a request */
	int			 dead;		/* unlinked, free when !busy */
	char			*in;		/* partial request line */
	size_t			 inlen, incap;
	char			*out;		/* queued output */
	size_t			 outoff, outlen, outcap;
};

struct ctl {
	struct ev_loop		*loop;
	char			*path;
	dev_t			 dev;		/* of the socket file we made */
	ino_t			 ino;
	int			 fd;
	ev_io			 lio;
	ev_timer		 pause;
	int			 ro;
	size_t			 max_output;
	struct engine		*e;
	struct kern		*kern;		/* NULL: no forwarding layer */
	struct ctl_hooks	 hooks;
	uint64_t		(*clock)(void);
	TAILQ_HEAD(, ctl_client) clients;
	size_t			 nclients;
	size_t			 nmonitor;
	int			 depth;		/* requests being handled */
	int			 closing;	/* ctl_close() ran during one */
	struct log_limit	 loglim;
};

/* Uptime is the process's, not one socket's: a reload may reopen sockets. */
static int		ctl_started_set;
static uint64_t		ctl_started;

struct ctl_cmd {
	const char	*name;
	int		 write;		/* refused on read-only sockets */
	int		 need_engine;
	int		(*fn)(struct ctl_client *, json_t *req, json_t *reply,
			    char *err, size_t errlen);
	const char	*help;
};

static int	cmd_status(struct ctl_client *, json_t *, json_t *, char *,
		    size_t);
static int	cmd_peers(struct ctl_client *, json_t *, json_t *, char *,
		    size_t);
static int	cmd_matrix(struct ctl_client *, json_t *, json_t *, char *,
		    size_t);
static int	cmd_routes(struct ctl_client *, json_t *, json_t *, char *,
		    size_t);
static int	cmd_lsdb(struct ctl_client *, json_t *, json_t *, char *,
		    size_t);
static int	cmd_monitor(struct ctl_client *, json_t *, json_t *, char *,
		    size_t);
static int	cmd_reload(struct ctl_client *, json_t *, json_t *, char *,
		    size_t);
static int	cmd_help(struct ctl_client *, json_t *, json_t *, char *,
		    size_t);
static int	cmd_fib(struct ctl_client *, json_t *, json_t *, char *,
		    size_t);
static int	cmd_dry_run(struct ctl_client *, json_t *, json_t *, char *,
		    size_t);

static const struct ctl_cmd ctl_cmds[] = {
	{ "status", 0, 1, cmd_status,
	    "node identity, uptime, database summary and counters" },
	{ "peers", 0, 1, cmd_peers,
	    "state and measurements of every configured peer" },
	{ "matrix", 0, 1, cmd_matrix,
	    "the latency/loss matrix as held in the link state database" },
	{ "routes", 0, 1, cmd_routes,
	    "the chosen path to every origin prefix, with the runner-up" },
	{ "lsdb", 0, 1, cmd_lsdb,
	    "the rows of the link state database" },
	{ "monitor", 0, 0, cmd_monitor,
	    "stream link and route events on this connection" },
	{ "fib", 0, 0, cmd_fib,
	    "the routes argod has installed, as the kernel reports them" },
	{ "reload", 1, 0, cmd_reload,
	    "re-read the configuration file" },
	{ "dry-run", 1, 0, cmd_dry_run,
	    "{\"on\": true|false}: stop or resume installing routes" },
	{ "help", 0, 0, cmd_help,
	    "list the commands" },
};

static void	client_kill(struct ctl_client *);
static void	client_write(struct ctl_client *, const char *, size_t);

/*
 * JSON helpers. Times and latencies are rounded to microseconds (ms
 * values) or milliseconds (s values) so that the 15-digit output prints
 * "12.3", not "12.300000000000001".
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

static double
ns_to_s(uint64_t ns)
{
	return (double)ns / 1e9;
}

/* Seconds from t to now; events stamped in the future count as now. */
static double
secs_ago(uint64_t now, uint64_t t)
{
	return t >= now ? 0.0 : ns_to_s(now - t);
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

static json_t *
jlink_state(unsigned state)
{
	if (state != LINK_DOWN && state != LINK_UP && state != LINK_CONGESTED)
		return json_null();
	return json_string(link_state_name((enum link_state)state));
}

static uint64_t
ctl_now(const struct ctl *ctl)
{
	return ctl->clock != NULL ? ctl->clock() : 0;
}

/*
 * Commands. Each fills reply (which already holds "ok" and "cmd") and
 * returns 0, or returns -1 with err set.
 */
static json_t *
kern_json(const struct kern *k)
{
	const struct kern_conf *kc;
	const struct kern_stats *st;
	json_t *o = json_object(), *sj;

	if (k == NULL) {
		json_object_set_new(o, "mode", json_string("none"));
		return o;
	}
	kc = kern_conf(k);
	st = kern_stats(k);
	json_object_set_new(o, "mode", json_string(kern_dry_run(k) ?
	    "dry-run" : "forwarding"));
	json_object_set_new(o, "reason", kern_reason(k) != NULL ?
	    json_string(kern_reason(k)) : json_null());
	json_object_set_new(o, "tunnel",
	    json_string(kern_tunnel_name(kc->tunnel)));
	json_object_set_new(o, "device", json_string(kc->device));
	json_object_set_new(o, "table", juint(kc->table));
	json_object_set_new(o, "protocol", juint(kc->protocol));
	json_object_set_new(o, "policy_rules", json_boolean(kc->rules));
	json_object_set_new(o, "keep_routes", json_boolean(kc->keep));
	sj = json_object();
	json_object_set_new(sj, "replaces", juint(st->replaces));
	json_object_set_new(sj, "deletes", juint(st->deletes));
	json_object_set_new(sj, "rule_adds", juint(st->rule_adds));
	json_object_set_new(sj, "rule_deletes", juint(st->rule_deletes));
	json_object_set_new(sj, "errors", juint(st->errors));
	json_object_set_new(sj, "reconciles", juint(st->reconciles));
	json_object_set_new(sj, "stale_removed", juint(st->stale_removed));
	json_object_set_new(o, "counters", sj);
	return o;
}

static int
cmd_status(struct ctl_client *c, json_t *req, json_t *r, char *err,
    size_t errlen)
{
	const struct engine *e = c->ctl->e;
	const struct engine_counters *k = engine_counters(e);
	const struct lsdb *db = engine_lsdb(e);
	struct engine_peer_info pi;
	json_t *cnt, *rej;
	uint64_t now = ctl_now(c->ctl);
	size_t i, n, up = 0;
	char digest[24];
	int j;

	n = engine_npeers(e);
	for (i = 0; i < n; i++) {
		memset(&pi, 0, sizeof(pi));
		engine_peer(e, i, &pi);
		if (pi.state != LINK_DOWN)
			up++;
	}
	snprintf(digest, sizeof(digest), "%016llx",
	    (unsigned long long)engine_digest(e));

	json_object_set_new(r, "node", json_string(engine_name(e)));
	json_object_set_new(r, "id", jhex32(engine_id(e)));
	json_object_set_new(r, "version", json_string(PACKAGE_VERSION));
	json_object_set_new(r, "protocol", json_integer(CTL_PROTOCOL));
	json_object_set_new(r, "clock_s", jnum3(ns_to_s(now)));
	json_object_set_new(r, "uptime_s",
	    jnum3(secs_ago(now, ctl_started)));
	json_object_set_new(r, "peers", juint(n));
	json_object_set_new(r, "peers_up", juint(up));
	json_object_set_new(r, "lsdb_rows", juint(db != NULL ? db->nrows : 0));
	json_object_set_new(r, "digest", json_string(digest));

	cnt = json_object();
	json_object_set_new(cnt, "rx_packets", juint(k->rx_packets));
	json_object_set_new(cnt, "rx_bytes", juint(k->rx_bytes));
	json_object_set_new(cnt, "tx_packets", juint(k->tx_packets));
	json_object_set_new(cnt, "tx_bytes", juint(k->tx_bytes));
	json_object_set_new(cnt, "lsa_originated", juint(k->lsa_originated));
	json_object_set_new(cnt, "lsa_received", juint(k->lsa_received));
	json_object_set_new(cnt, "lsa_installed", juint(k->lsa_installed));
	json_object_set_new(cnt, "lsa_relayed", juint(k->lsa_relayed));
	json_object_set_new(cnt, "lsa_deltas_sent", juint(k->lsa_deltas_sent));
	json_object_set_new(cnt, "lsa_deltas_applied",
	    juint(k->lsa_deltas_applied));
	json_object_set_new(cnt, "lsa_deltas_unusable",
	    juint(k->lsa_deltas_unusable));
	json_object_set_new(cnt, "summaries_sent", juint(k->summaries_sent));
	json_object_set_new(cnt, "requests_sent", juint(k->requests_sent));
	json_object_set_new(cnt, "spf_runs", juint(k->spf_runs));
	json_object_set_new(cnt, "route_changes", juint(k->route_changes));
	rej = json_object();
	for (j = 0; j < REJ_MAX; j++)
		json_object_set_new(rej, wire_reject_names[j],
		    juint(k->rejected[j]));
	json_object_set_new(cnt, "rejected", rej);
	json_object_set_new(r, "counters", cnt);
	json_object_set_new(r, "kernel", kern_json(c->ctl->kern));
	return 0;
}

static int
cmd_peers(struct ctl_client *c, json_t *req, json_t *r, char *err,
    size_t errlen)
{
	const struct engine *e = c->ctl->e;
	struct engine_peer_info pi;
	json_t *a, *p;
	uint64_t now = ctl_now(c->ctl);
	size_t i, n;

	a = json_array();
	n = engine_npeers(e);
	for (i = 0; i < n; i++) {
		memset(&pi, 0, sizeof(pi));
		engine_peer(e, i, &pi);
		p = json_object();
		json_object_set_new(p, "name",
		    json_string(pi.name != NULL ? pi.name : ""));
		json_object_set_new(p, "id", jhex32(pi.id));
		json_object_set_new(p, "state", jlink_state(pi.state));
		json_object_set_new(p, "rtt_ms", jms(pi.rtt_ms));
		json_object_set_new(p, "rtt_min_ms", jms(pi.rtt_min_ms));
		json_object_set_new(p, "jitter_ms", jms(pi.jitter_ms));
		json_object_set_new(p, "loss_pct", jms(pi.loss_pct));
		json_object_set_new(p, "last_seen_s", pi.last_seen == 0 ?
		    json_null() : jnum3(secs_ago(now, pi.last_seen)));
		json_object_set_new(p, "state_since_s",
		    jnum3(secs_ago(now, pi.state_since)));
		json_object_set_new(p, "adv_rtt_ms", jms(pi.adv_rtt_ms));
		json_object_set_new(p, "probes_sent", juint(pi.probes_sent));
		json_object_set_new(p, "replies_received",
		    juint(pi.replies_received));
		json_object_set_new(p, "probe_interval_ms",
		    jms(pi.probe_interval / 1e6));
		json_array_append_new(a, p);
	}
	json_object_set_new(r, "peers", a);
	return 0;
}

/* A database node as listed by matrix and lsdb: sorted by name, then id. */
struct ctl_node {
	const char	*name;
	uint32_t	 id;
	size_t		 slot;
	char		 hex[16];
};

static int
ctl_node_cmp(const void *a, const void *b)
{
	const struct ctl_node *x = a, *y = b;
	int d;

	if ((d = strcmp(x->name, y->name)) != 0)
		return d;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The nodes of db, rows only or every node in use; caller frees. */
static struct ctl_node *
ctl_nodes(const struct engine *e, const struct lsdb *db, int rows_only,
    size_t *np)
{
	struct ctl_node *v;
	const struct lsdb_node *ln;
	size_t i, n = 0;

	v = xcalloc(db->nslots ? db->nslots : 1, sizeof(*v));
	for (i = 0; i < db->nslots; i++) {
		ln = &db->slots[i];
		if (!ln->in_use || (rows_only && !ln->has_row))
			continue;
		v[n].id = ln->id;
		v[n].slot = i;
		if (ln->name[0] != '\0')
			v[n].name = ln->name;
		else
			v[n].name = node_name(e, ln->id, v[n].hex,
			    sizeof(v[n].hex));
		n++;
	}
	qsort(v, n, sizeof(*v), ctl_node_cmp);
	*np = n;
	return v;
}

static int
cmd_matrix(struct ctl_client *c, json_t *req, json_t *r, char *err,
    size_t errlen)
{
	const struct engine *e = c->ctl->e;
	const struct lsdb *db = engine_lsdb(e);
	const struct lsdb_node *ln;
	const struct lsdb_link *l;
	struct ctl_node *v;
	json_t *names, *ids, *rtt, *loss, *state, *rr, *lr, *sr;
	size_t i, j, k, n, *idx;

	if (db == NULL) {
		snprintf(err, errlen, "no link state database");
		return -1;
	}
	v = ctl_nodes(e, db, 0, &n);
	/* slot -> row/column index, so each row is one pass over its links */
	idx = xcalloc(db->nslots ? db->nslots : 1, sizeof(*idx));
	for (i = 0; i < db->nslots; i++)
		idx[i] = SIZE_MAX;
	for (i = 0; i < n; i++)
		idx[v[i].slot] = i;

	names = json_array();
	ids = json_array();
	rtt = json_array();
	loss = json_array();
	state = json_array();
	for (i = 0; i < n; i++) {
		json_array_append_new(names, json_string(v[i].name));
		json_array_append_new(ids, jhex32(v[i].id));
		rr = json_array();
		lr = json_array();
		sr = json_array();
		for (j = 0; j < n; j++) {
			json_array_append_new(rr, json_null());
			json_array_append_new(lr, json_null());
			json_array_append_new(sr, json_null());
		}
		ln = &db->slots[v[i].slot];
		for (k = 0; ln->has_row && k < ln->nlinks; k++) {
			l = &ln->links[k];
			if (l->slot >= db->nslots ||
			    (j = idx[l->slot]) == SIZE_MAX || j == i)
				continue;
			if (l->rtt != WIRE_RTT_UNKNOWN)
				json_array_set_new(rr, j,
				    jnum3(l->rtt / 10.0));
			json_array_set_new(lr, j, jnum3(l->loss / 2.0));
			json_array_set_new(sr, j, jlink_state(l->state));
		}
		json_array_append_new(rtt, rr);
		json_array_append_new(loss, lr);
		json_array_append_new(state, sr);
	}
	json_object_set_new(r, "nodes", names);
	json_object_set_new(r, "ids", ids);
	json_object_set_new(r, "rtt_ms", rtt);
	json_object_set_new(r, "loss_pct", loss);
	json_object_set_new(r, "state", state);
	free(idx);
	free(v);
	return 0;
}

static json_t *
route_json(const struct engine *e, const struct engine_route *rt,
    uint64_t now, int full)
{
	json_t *o, *ru;

	o = json_object();
	if (full) {
		json_object_set_new(o, "origin",
		    json_string(rt->origin != NULL ? rt->origin : ""));
		json_object_set_new(o, "prefix",
		    json_string(rt->prefix != NULL ? rt->prefix : ""));
	}
	json_object_set_new(o, "reachable", json_boolean(rt->reachable));
	if (!rt->reachable) {
		json_object_set_new(o, "egress", json_null());
		json_object_set_new(o, "path", json_array());
		json_object_set_new(o, "next_hop", json_null());
		json_object_set_new(o, "cost_ms", json_null());
		json_object_set_new(o, "congested_hops", json_integer(0));
	} else {
		json_object_set_new(o, "egress", rt->egress_name != NULL ?
		    json_string(rt->egress_name) : jname(e, rt->egress));
		json_object_set_new(o, "path", jpath(e, rt->path,
		    rt->pathlen));
		json_object_set_new(o, "next_hop", rt->next_hop_name != NULL ?
		    json_string(rt->next_hop_name) : jname(e, rt->next_hop));
		json_object_set_new(o, "cost_ms", jms(rt->cost_ms));
		json_object_set_new(o, "congested_hops",
		    json_integer(rt->congested_hops));
	}
	if (!full)
		return o;

	json_object_set_new(o, "direct_cost_ms", jms(rt->direct_cost_ms));
	if (rt->reachable && rt->has_runner_up) {
		ru = json_object();
		json_object_set_new(ru, "path", jpath(e, rt->runner_up_path,
		    rt->runner_up_pathlen));
		json_object_set_new(ru, "cost_ms", jms(rt->runner_up_cost_ms));
		json_object_set_new(ru, "congested_hops",
		    json_integer(rt->runner_up_congested_hops));
		/* the path starts here; its second hop is the next hop */
		json_object_set_new(ru, "next_hop",
		    rt->runner_up_pathlen >= 2 ?
		    jname(e, rt->runner_up_path[1]) :
		    rt->runner_up_pathlen == 1 ?
		    jname(e, rt->runner_up_path[0]) : json_null());
		json_object_set_new(o, "runner_up", ru);
	} else
		json_object_set_new(o, "runner_up", json_null());
	json_object_set_new(o, "since_s", jnum3(secs_ago(now, rt->since)));
	return o;
}

static int
cmd_routes(struct ctl_client *c, json_t *req, json_t *r, char *err,
    size_t errlen)
{
	const struct engine *e = c->ctl->e;
	const struct engine_route *rt;
	uint64_t now = ctl_now(c->ctl);
	json_t *a, *o;
	size_t i, n;

	a = json_array();
	n = engine_nroutes(e);
	for (i = 0; i < n; i++) {
		if ((rt = engine_route(e, i)) == NULL)
			continue;
		o = route_json(e, rt, now, 1);
		json_object_set_new(o, "installed", json_boolean(
		    c->ctl->kern != NULL && rt->prefix != NULL &&
		    kern_installed(c->ctl->kern, rt->prefix)));
		json_array_append_new(a, o);
	}
	json_object_set_new(r, "routes", a);
	return 0;
}

static int
cmd_lsdb(struct ctl_client *c, json_t *req, json_t *r, char *err,
    size_t errlen)
{
	const struct engine *e = c->ctl->e;
	const struct lsdb *db = engine_lsdb(e);
	const struct lsdb_node *ln;
	uint64_t now = ctl_now(c->ctl);
	struct ctl_node *v;
	json_t *a, *o;
	size_t i, n;

	if (db == NULL) {
		snprintf(err, errlen, "no link state database");
		return -1;
	}
	v = ctl_nodes(e, db, 1, &n);
	a = json_array();
	for (i = 0; i < n; i++) {
		ln = &db->slots[v[i].slot];
		o = json_object();
		json_object_set_new(o, "origin", json_string(v[i].name));
		json_object_set_new(o, "id", jhex32(ln->id));
		json_object_set_new(o, "boot", juint(ln->boot));
		json_object_set_new(o, "seq", juint(ln->seq));
		json_object_set_new(o, "age_s",
		    json_integer(lsdb_age(ln, now)));
		json_object_set_new(o, "links", juint(ln->nlinks));
		json_array_append_new(a, o);
	}
	json_object_set_new(r, "lsdb", a);
	free(v);
	return 0;
}

static int
cmd_monitor(struct ctl_client *c, json_t *req, json_t *r, char *err,
    size_t errlen)
{
	if (!c->monitor) {
		c->monitor = 1;
		c->ctl->nmonitor++;
	}
	return 0;
}

static int
cmd_reload(struct ctl_client *c, json_t *req, json_t *r, char *err,
    size_t errlen)
{
	struct ctl_hooks h = c->ctl->hooks;

	if (h.reload == NULL) {
		snprintf(err, errlen, "not supported");
		return -1;
	}
	err[0] = '\0';
	if (h.reload(h.arg, err, errlen) == -1) {
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
	char buf[INET6_ADDRSTRLEN + 8];

	kern_prefix_fmt(&kr->prefix, buf, sizeof(buf));
	json_object_set_new(o, "prefix", json_string(buf));
	if (kr->nexthop.family != 0) {
		inet_ntop(kr->nexthop.family, kr->nexthop.addr, buf,
		    sizeof(buf));
		json_object_set_new(o, "encap_dst", json_string(buf));
	} else
		json_object_set_new(o, "encap_dst", json_null());
	json_object_set_new(o, "vni", juint(kr->vni));
	json_object_set_new(o, "dev", json_string(kr->dev));
	json_object_set_new(o, "protocol", juint(kr->protocol));
	json_array_append_new(a, o);
}

static int
cmd_fib(struct ctl_client *c, json_t *req, json_t *r, char *err,
    size_t errlen)
{
	json_t *a;

	if (c->ctl->kern == NULL) {
		snprintf(err, errlen, "no forwarding layer");
		return -1;
	}
	a = json_array();
	if (kern_fib(c->ctl->kern, fib_entry, a, err, errlen) != 0) {
		json_decref(a);
		return -1;
	}
	json_object_set_new(r, "table", juint(kern_conf(c->ctl->kern)->table));
	json_object_set_new(r, "fib", a);
	json_object_set_new(r, "kernel", kern_json(c->ctl->kern));
	return 0;
}

static int
cmd_dry_run(struct ctl_client *c, json_t *req, json_t *r, char *err,
    size_t errlen)
{
	json_t *on = json_object_get(req, "on");

	if (c->ctl->kern == NULL) {
		snprintf(err, errlen, "no forwarding layer");
		return -1;
	}
	if (!json_is_boolean(on)) {
		snprintf(err, errlen, "dry-run needs \"on\": true or false");
		return -1;
	}
	if (kern_set_dry_run(c->ctl->kern, json_is_true(on)) != 0) {
		snprintf(err, errlen, "cannot leave dry-run mode: %s",
		    kern_reason(c->ctl->kern) != NULL ?
		    kern_reason(c->ctl->kern) : "kernel error, see the log");
		return -1;
	}
	if (c->ctl->hooks.kern_changed != NULL)
		c->ctl->hooks.kern_changed(c->ctl->hooks.arg);
	json_object_set_new(r, "kernel", kern_json(c->ctl->kern));
	return 0;
}

static int
cmd_help(struct ctl_client *c, json_t *req, json_t *r, char *err,
    size_t errlen)
{
	json_t *a, *o;
	size_t i;

	a = json_array();
	for (i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++) {
		o = json_object();
		json_object_set_new(o, "cmd", json_string(ctl_cmds[i].name));
		json_object_set_new(o, "write",
		    json_boolean(ctl_cmds[i].write));
		json_object_set_new(o, "help", json_string(ctl_cmds[i].help));
		json_array_append_new(a, o);
	}
	json_object_set_new(r, "commands", a);
	return 0;
}

/*
 * Output.
 */
static void
client_send_json(struct ctl_client *c, json_t *j)
{
	char *s;

	s = json_dumps(j, CTL_JSON_FLAGS);
	json_decref(j);
	if (s == NULL) {
		log_warnx("control: cannot encode a reply");
		client_kill(c);
		return;
	}
	client_write(c, s, strlen(s));
	free(s);
}

static json_t *
reply_new(int ok, json_t *req, const char *cmd)
{
	json_t *r, *tag;

	r = json_object();
	json_object_set_new(r, "ok", json_boolean(ok));
	json_object_set_new(r, "cmd", cmd != NULL ? json_string(cmd) :
	    json_null());
	/* an opaque request tag lets a client match replies to requests */
	if (req != NULL && (tag = json_object_get(req, "tag")) != NULL)
		json_object_set(r, "tag", tag);
	return r;
}

static void
client_error(struct ctl_client *c, json_t *req, const char *cmd,
    const char *msg)
{
	json_t *r;

	r = reply_new(0, req, cmd);
	json_object_set_new(r, "error", json_string(msg));
	client_send_json(c, r);
}

/* Returns -1 when the client was killed. */
static int
client_flush(struct ctl_client *c)
{
	ssize_t n;

	while (c->outoff < c->outlen) {
		n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			log_debug("control client pid %ld: send: %s", c->pid,
			    strerror(errno));
			client_kill(c);
			return -1;
		}
		c->outoff += (size_t)n;
	}
	if (c->outoff < c->outlen) {
		ev_io_start(c->ctl->loop, &c->wio);
		return 0;
	}
	ev_io_stop(c->ctl->loop, &c->wio);
	c->outoff = c->outlen = 0;
	/* give back what a large reply (a big matrix) made us allocate */
	if (c->outcap > CTL_KEEP_BUFFER) {
		free(c->out);
		c->out = NULL;
		c->outcap = 0;
	}
	if (c->eof) {
		log_debug("control client pid %ld: done", c->pid);
		client_kill(c);
		return -1;
	}
	return 0;
}

/* Queue one line (a newline is added) and try to send it at once. */
static void
client_write(struct ctl_client *c, const char *s, size_t len)
{
	struct ctl *ctl = c->ctl;
	uint64_t suppressed;
	size_t need, queued;

	if (c->dead)
		return;
	if (c->outoff > 0 && c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	need = c->outlen + len + 1;
	if (need > c->outcap && c->outoff > 0) {
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
		need = c->outlen + len + 1;
	}
	if (need > c->outcap) {
		c->outcap = c->outcap ? c->outcap : 4096;
		while (c->outcap < need)
			c->outcap *= 2;
		c->out = xreallocarray(c->out, c->outcap, 1);
	}
	memcpy(c->out + c->outlen, s, len);
	c->out[c->outlen + len] = '\n';
	c->outlen += len + 1;

	if (client_flush(c) == -1)
		return;
	queued = c->outlen - c->outoff;
	if (queued > ctl->max_output) {
		if (log_ratelimited(&ctl->loglim, ctl_now(ctl), &suppressed))
			log_warnx("control %s: client pid %ld is not reading: "
			    "%zu bytes queued (limit %zu), disconnecting%s",
			    ctl->path, c->pid, queued, ctl->max_output,
			    suppressed ? " (similar messages suppressed)" : "");
		client_kill(c);
	}
}

static void
client_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *c = w->data;

	client_flush(c);
}

/*
 * Input.
 */
static void
client_request(struct ctl_client *c, const char *line, size_t len)
{
	const struct ctl_cmd *cmd = NULL;
	json_error_t jerr;
	json_t *req, *jcmd, *r;
	const char *name;
	char err[256], msg[300];
	size_t i;

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL) {
		snprintf(msg, sizeof(msg), "malformed request: %s (column %d)",
		    jerr.text, jerr.column);
		client_error(c, NULL, NULL, msg);
		return;
	}
	if (!json_is_object(req)) {
		client_error(c, NULL, NULL, "request is not a JSON object");
		goto out;
	}
	jcmd = json_object_get(req, "cmd");
	if (jcmd == NULL || !json_is_string(jcmd)) {
		client_error(c, req, NULL,
		    "request has no \"cmd\" string");
		goto out;
	}
	name = json_string_value(jcmd);
	for (i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		if (strcmp(ctl_cmds[i].name, name) == 0) {
			cmd = &ctl_cmds[i];
			break;
		}
	if (cmd == NULL) {
		snprintf(msg, sizeof(msg), "unknown command \"%.64s\"", name);
		client_error(c, req, name, msg);
		goto out;
	}
	if (cmd->write && c->ctl->ro) {
		client_error(c, req, cmd->name, "read-only socket");
		goto out;
	}
	if (cmd->need_engine && c->ctl->e == NULL) {
		client_error(c, req, cmd->name, "not running");
		goto out;
	}
	r = reply_new(1, req, cmd->name);
	err[0] = '\0';
	if (cmd->fn(c, req, r, err, sizeof(err)) == -1) {
		json_decref(r);
		client_error(c, req, cmd->name, err);
		goto out;
	}
	client_send_json(c, r);
out:
	json_decref(req);
}

static void
client_line(struct ctl_client *c, const char *line, size_t len)
{
	size_t i;

	/* tolerate CRLF from interactive tools */
	if (len > 0 && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t')
			break;
	if (i == len)
		return;
	client_request(c, line, len);
}

static void
client_too_long(struct ctl_client *c)
{
	client_error(c, NULL, NULL, "request too long");
	c->inlen = 0;
	free(c->in);
	c->in = NULL;
	c->incap = 0;
}

static void
client_append(struct ctl_client *c, const char *p, size_t n)
{
	size_t need = c->inlen + n;

	if (need > c->incap) {
		c->incap = c->incap ? c->incap : 1024;
		while (c->incap < need)
			c->incap *= 2;
		c->in = xreallocarray(c->in, c->incap, 1);
	}
	memcpy(c->in + c->inlen, p, n);
	c->inlen += n;
}

/* Split input into lines; a line never grows past CTL_MAX_REQUEST. */
static void
client_input(struct ctl_client *c, const char *p, size_t n)
{
	const char *nl;
	size_t len;

	while (n > 0 && !c->dead) {
		nl = memchr(p, '\n', n);
		len = nl != NULL ? (size_t)(nl - p) : n;
		if (c->discard) {
			/* the rest of a line that was already refused */
		} else if (c->inlen + len > CTL_MAX_REQUEST) {
			client_too_long(c);
			c->discard = 1;
		} else if (nl == NULL) {
			client_append(c, p, len);
		} else if (c->inlen == 0) {
			client_line(c, p, len);
		} else {
			client_append(c, p, len);
			client_line(c, c->in, c->inlen);
			c->inlen = 0;
		}
		if (nl == NULL)
			break;
		c->discard = 0;
		p = nl + 1;
		n -= len + 1;
	}
}

static void
client_free(struct ctl_client *c)
{
	free(c->in);
	free(c->out);
	free(c);
}

/* Unlink and close now; free now unless a request is being handled. */
static void
client_kill(struct ctl_client *c)
{
	struct ctl *ctl = c->ctl;

	if (c->dead)
		return;
	c->dead = 1;
	ev_io_stop(ctl->loop, &c->rio);
	ev_io_stop(ctl->loop, &c->wio);
	close(c->fd);
	c->fd = -1;
	TAILQ_REMOVE(&ctl->clients, c, entry);
	ctl->nclients--;
	if (c->monitor)
		ctl->nmonitor--;
	if (!c->busy)
		client_free(c);
}

static void ctl_free(struct ctl *);

static void
client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *c = w->data;
	struct ctl *ctl = c->ctl;
	char buf[CTL_READ_CHUNK];
	ssize_t n;

	n = recv(c->fd, buf, sizeof(buf), 0);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		log_debug("control client pid %ld: recv: %s", c->pid,
		    strerror(errno));
		client_kill(c);
		return;
	}
	if (n == 0) {
		/* half-close: finish writing what was asked for, then go */
		c->eof = 1;
		ev_io_stop(loop, &c->rio);
		if (c->outoff == c->outlen)
			client_flush(c);
		return;
	}

	c->busy = 1;
	ctl->depth++;
	client_input(c, buf, (size_t)n);
	ctl->depth--;
	c->busy = 0;
	if (c->dead)
		client_free(c);
	if (ctl->closing && ctl->depth == 0)
		ctl_free(ctl);
}

static void
client_new(struct ctl *ctl, int fd)
{
	struct ctl_client *c;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	json_t *b;

	c = xcalloc(1, sizeof(*c));
	c->ctl = ctl;
	c->fd = fd;
	c->pid = -1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		c->pid = (long)cred.pid;
	ev_io_init(&c->rio, client_read_cb, fd, EV_READ);
	ev_io_init(&c->wio, client_write_cb, fd, EV_WRITE);
	c->rio.data = c;
	c->wio.data = c;
	TAILQ_INSERT_TAIL(&ctl->clients, c, entry);
	ctl->nclients++;
	ev_io_start(ctl->loop, &c->rio);
	log_debug("control %s: client pid %ld connected", ctl->path, c->pid);

	b = json_object();
	json_object_set_new(b, "argod", json_string(PACKAGE_VERSION));
	json_object_set_new(b, "protocol", json_integer(CTL_PROTOCOL));
	json_object_set_new(b, "node", ctl->e != NULL ?
	    json_string(engine_name(ctl->e)) : json_null());
	json_object_set_new(b, "readonly", json_boolean(ctl->ro));
	client_send_json(c, b);
}

static void
ctl_pause_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl *ctl = w->data;

	ev_io_start(loop, &ctl->lio);
}

static void
ctl_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	static const char full[] =
	    "{\"ok\":false,\"cmd\":null,\"error\":\"too many clients\"}\n";
	struct ctl *ctl = w->data;
	uint64_t suppressed;
	ssize_t n;
	int fd, i;

	for (i = 0; i < CTL_ACCEPT_BURST; i++) {
		fd = accept4(ctl->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (log_ratelimited(&ctl->loglim, ctl_now(ctl),
			    &suppressed))
				log_warn("control %s: accept", ctl->path);
			/*
			 * Out of descriptors: the socket stays readable, so
			 * stop listening for a while instead of spinning.
			 */
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				ev_io_stop(loop, &ctl->lio);
				ev_timer_set(&ctl->pause, CTL_ACCEPT_PAUSE, 0.);
				ev_timer_start(loop, &ctl->pause);
			}
			return;
		}
		if (ctl->nclients >= CTL_MAX_CLIENTS) {
			if (log_ratelimited(&ctl->loglim, ctl_now(ctl),
			    &suppressed))
				log_warnx("control %s: too many clients (%d)",
				    ctl->path, CTL_MAX_CLIENTS);
			n = send(fd, full, sizeof(full) - 1,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
			(void)n;
			close(fd);
			continue;
		}
		client_new(ctl, fd);
	}
}

/*
 * Opening and closing.
 */
static int
ctl_mkparent(const char *path)
{
	char *dir, *p;
	int last, rc = 0;

	dir = xstrdup(path);
	if ((p = strrchr(dir, '/')) == NULL || p == dir)
		goto out;
	*p = '\0';
	for (p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		last = *p == '\0';
		*p = '\0';
		if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
			log_warn("control: mkdir %s", dir);
			rc = -1;
			goto out;
		}
		if (last)
			break;
		*p = '/';
	}
out:
	free(dir);
	return rc;
}

/*
 * Remove a socket file left by a dead daemon, but never one that another
 * daemon still listens on, and never a file that is not a socket.
 */
static int
ctl_unlink_stale(const char *path, const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		log_warn("control: %s", path);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_warnx("control: %s exists and is not a socket", path);
		errno = EEXIST;
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("control: socket");
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	/* EAGAIN: a full backlog, so somebody is listening */
	if (rc == 0 || errno == EAGAIN) {
		close(fd);
		log_warnx("control: %s is in use by a running daemon", path);
		errno = EADDRINUSE;
		return -1;
	}
	close(fd);
	if (unlink(path) == -1 && errno != ENOENT) {
		log_warn("control: unlink %s", path);
		return -1;
	}
	return 0;
}

struct ctl *
ctl_open(struct ev_loop *loop, const char *path, unsigned mode, int ro,
    size_t max_output, struct engine *e, const struct ctl_hooks *hooks,
    uint64_t (*clock)(void))
{
	struct sockaddr_un sun;
	struct stat st;
	struct ctl *ctl;
	mode_t old;
	int fd, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control: %s: path too long", path);
		errno = ENAMETOOLONG;
		return NULL;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);

	if (ctl_mkparent(path) == -1 || ctl_unlink_stale(path, &sun) == -1)
		return NULL;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("control: socket");
		return NULL;
	}
	/* the file is created with the final mode: no window where it is
	 * more open than asked */
	old = umask(~mode & 0777);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		umask(old);
		errno = saved;
		log_warn("control: bind %s", path);
		goto fail;
	}
	umask(old);
	if (chmod(path, mode & 07777) == -1 || lstat(path, &st) == -1) {
		log_warn("control: chmod %s", path);
		goto fail_unlink;
	}
	if (listen(fd, CTL_BACKLOG) == -1) {
		log_warn("control: listen %s", path);
		goto fail_unlink;
	}

	ctl = xcalloc(1, sizeof(*ctl));
	ctl->loop = loop;
	ctl->path = xstrdup(path);
	ctl->dev = st.st_dev;
	ctl->ino = st.st_ino;
	ctl->fd = fd;
	ctl->ro = ro;
	ctl->max_output = max_output ? max_output : CTL_DEFAULT_MAX_OUTPUT;
	ctl->e = e;
	if (hooks != NULL)
		ctl->hooks = *hooks;
	ctl->clock = clock;
	TAILQ_INIT(&ctl->clients);
	if (!ctl_started_set) {
		ctl_started = ctl_now(ctl);
		ctl_started_set = 1;
	}
	ev_io_init(&ctl->lio, ctl_accept_cb, fd, EV_READ);
	ctl->lio.data = ctl;
	ev_timer_init(&ctl->pause, ctl_pause_cb, CTL_ACCEPT_PAUSE, 0.);
	ctl->pause.data = ctl;
	ev_io_start(loop, &ctl->lio);
	log_debug("control: listening on %s (mode %03o%s)", path, mode,
	    ro ? ", read-only" : "");
	return ctl;

fail_unlink:
	saved = errno;
	unlink(path);
	errno = saved;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return NULL;
}

static void
ctl_free(struct ctl *ctl)
{
	free(ctl->path);
	free(ctl);
}

void
ctl_close(struct ctl *ctl)
{
	struct stat st;

	if (ctl == NULL || ctl->closing)
		return;
	while (!TAILQ_EMPTY(&ctl->clients))
		client_kill(TAILQ_FIRST(&ctl->clients));
	ev_io_stop(ctl->loop, &ctl->lio);
	ev_timer_stop(ctl->loop, &ctl->pause);
	close(ctl->fd);
	/* a newer instance may already have bound the same path */
	if (lstat(ctl->path, &st) == 0 && st.st_dev == ctl->dev &&
	    st.st_ino == ctl->ino)
		unlink(ctl->path);
	ctl->closing = 1;
	if (ctl->depth == 0)
		ctl_free(ctl);
}

void
ctl_set_kern(struct ctl *ctl, struct kern *k)
{
	ctl->kern = k;
}

void
ctl_set_engine(struct ctl *ctl, struct engine *e)
{
	ctl->e = e;
}

void
ctl_set_max_output(struct ctl *ctl, size_t max_output)
{
	ctl->max_output = max_output ? max_output : CTL_DEFAULT_MAX_OUTPUT;
}

/*
 * Events, encoded once and queued to every monitor client.
 */
static void
ctl_broadcast(struct ctl *ctl, json_t *ev)
{
	struct ctl_client *c, *next;
	char *s;
	size_t len;

	s = json_dumps(ev, CTL_JSON_FLAGS);
	json_decref(ev);
	if (s == NULL)
		return;
	len = strlen(s);
	for (c = TAILQ_FIRST(&ctl->clients); c != NULL; c = next) {
		/* client_write() may unlink c, and only c */
		next = TAILQ_NEXT(c, entry);
		if (c->monitor)
			client_write(c, s, len);
	}
	free(s);
}

void
ctl_link_event(struct ctl *ctl, const struct engine_link_event *le)
{
	json_t *ev;

	if (ctl == NULL || ctl->nmonitor == 0 || ctl->closing)
		return;
	ev = json_object();
	json_object_set_new(ev, "event", json_string("link"));
	json_object_set_new(ev, "time", jnum3(ns_to_s(ctl_now(ctl))));
	json_object_set_new(ev, "peer",
	    json_string(le->name != NULL ? le->name : ""));
	json_object_set_new(ev, "from", jlink_state(le->from));
	json_object_set_new(ev, "to", jlink_state(le->to));
	json_object_set_new(ev, "rtt_ms", jms(le->rtt_ms));
	json_object_set_new(ev, "loss_pct", jms(le->loss_pct));
	ctl_broadcast(ctl, ev);
}

void
ctl_route_event(struct ctl *ctl, const struct engine_route_event *re)
{
	const struct engine_route *any;
	uint64_t now;
	json_t *ev;

	if (ctl == NULL || ctl->nmonitor == 0 || ctl->closing)
		return;
	if ((any = re->new != NULL ? re->new : re->old) == NULL)
		return;
	now = ctl_now(ctl);
	ev = json_object();
	json_object_set_new(ev, "event", json_string("route"));
	json_object_set_new(ev, "time", jnum3(ns_to_s(now)));
	json_object_set_new(ev, "origin",
	    json_string(any->origin != NULL ? any->origin : ""));
	json_object_set_new(ev, "prefix",
	    json_string(any->prefix != NULL ? any->prefix : ""));
	json_object_set_new(ev, "old", re->old != NULL ?
	    route_json(ctl->e, re->old, now, 0) : json_null());
	json_object_set_new(ev, "new", re->new != NULL ?
	    route_json(ctl->e, re->new, now, 0) : json_null());
	ctl_broadcast(ctl, ev);
}
