/*
 * argoctl(8): ask a running argod about its state.
 *
 * All protocol knowledge lives in ctlclient.c; this file only renders the
 * decoded replies, as aligned tables for people or, with -j, as the
 * daemon's JSON for scripts. The command table below is the one list of
 * what argoctl takes: usage, the checks of the command line and the
 * words the bash completion offers ("argoctl __complete", see
 * completion/argoctl) all read it, so they cannot drift apart.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctlclient.h"
#include "genkey.h"
#include "log.h"

/* From conf.h; repeated so that argoctl does not depend on the parser. */
#ifndef CONF_DEFAULT_CONTROL
#define CONF_DEFAULT_CONTROL	"/run/argod/argod.sock"
#endif

/* Exit statuses, argoctl(8) EXIT STATUS; genkey.h uses the same. */
#define EXIT_OK		0
#define EXIT_REPLY	1	/* the daemon said no, or has no such name */
#define EXIT_USAGE	2	/* the command line is wrong */
#define EXIT_NOANSWER	3	/* no connection, or no valid answer */
#define EXIT_LOCAL	4	/* here: output or a file could not be written */

#define DEFAULT_TIMEOUT	5.0	/* s */
/* The completion asks the daemon for names; a shell must not hang. */
#define COMPLETE_TIMEOUT_MS	1000

/* getopt's string, and what usage and the completion say of each. */
static const char optstring[] = "js:t:";
static const struct {
	const char	*opt, *arg;
} options[] = {
	{ "-j", NULL },
	{ "-s", "socket" },
	{ "-t", "timeout" },
};
#define NOPTIONS	(sizeof(options) / sizeof(options[0]))

static __attribute__((noreturn)) void usage(void);

static __attribute__((noreturn, format(printf, 2, 3))) void
die(int status, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "argoctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(status);
}

/*
 * An aligned table: cells are copied; align has one 'l' or 'r' per column.
 */
struct table {
	size_t		 ncols, nrows;
	const char	*align;
	char		**cell;
};

static void
table_row(struct table *t, ...)
{
	va_list ap;
	size_t i;

	t->cell = xreallocarray(t->cell, (t->nrows + 1) * t->ncols,
	    sizeof(*t->cell));
	va_start(ap, t);
	for (i = 0; i < t->ncols; i++)
		t->cell[t->nrows * t->ncols + i] =
		    xstrdup(va_arg(ap, const char *));
	va_end(ap);
	t->nrows++;
}

static void
table_init(struct table *t, const char *align)
{
	memset(t, 0, sizeof(*t));
	t->align = align;
	t->ncols = strlen(align);
}

/* The first row is the header; the last column is never padded. */
static void
table_print(struct table *t)
{
	size_t *w, r, i, len;
	const char *s;

	w = xcalloc(t->ncols, sizeof(*w));
	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->ncols; i++) {
			len = strlen(t->cell[r * t->ncols + i]);
			if (len > w[i])
				w[i] = len;
		}
	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->ncols; i++) {
			s = t->cell[r * t->ncols + i];
			if (i > 0)
				fputs("  ", stdout);
			if (t->align[i] == 'r')
				printf("%*s", (int)w[i], s);
			else if (i + 1 < t->ncols)
				printf("%-*s", (int)w[i], s);
			else
				fputs(s, stdout);
		}
		putchar('\n');
	}
	for (r = 0; r < t->nrows * t->ncols; r++)
		free(t->cell[r]);
	free(t->cell);
	free(w);
}

/*
 * Formatting. "-" is unknown everywhere; durations read like 3m12s.
 */
static const char *
fmt_ms(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (v < 10)
		snprintf(buf, len, "%.2fms", v);
	else
		snprintf(buf, len, "%.1fms", v);
	return buf;
}

static const char *
fmt_pct(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f%%", v);
	return buf;
}

static const char *
fmt_path(char *buf, size_t len, const struct ctlc_path *p)
{
	size_t i, off = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < p->n && off < len; i++) {
		n = snprintf(buf + off, len - off, "%s%s", i ? ">" : "",
		    p->hop[i]);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	if (p->n == 0)
		snprintf(buf, len, "-");
	return buf;
}

/* cost, with a '*' when the path crosses congested links */
static const char *
fmt_cost(char *buf, size_t len, double ms, long long congested)
{
	char tmp[32];

	snprintf(buf, len, "%s%s", fmt_ms(tmp, sizeof(tmp), ms),
	    congested > 0 ? "*" : "");
	return buf;
}

/*
 * Renderers, one per command.
 */
static int
show_status(json_t *reply, char *err, size_t errlen)
{
	struct ctlc_status st;
	struct table t;
	char buf[64], rej[512];
	size_t i, off = 0;

	if (ctlc_decode_status(reply, &st, err, errlen) == -1)
		return -1;
	printf("node       %s (id %s)\n", st.node, st.id);
	printf("version    argod %s, protocol %lld\n", st.version,
	    st.protocol);
	printf("uptime     %s\n", ctlc_fmt_duration(buf, sizeof(buf), st.uptime_s));
	printf("peers      %llu up of %llu\n",
	    (unsigned long long)st.peers_up, (unsigned long long)st.peers);
	printf("lsdb       %llu rows, digest %s\n",
	    (unsigned long long)st.lsdb_rows, st.digest);
	rej[0] = '\0';
	for (i = 0; i < st.nrejected && off < sizeof(rej); i++) {
		if (st.rejected[i].value == 0)
			continue;
		off += (size_t)snprintf(rej + off, sizeof(rej) - off,
		    "%s%s %llu", off ? ", " : "", st.rejected[i].name,
		    (unsigned long long)st.rejected[i].value);
	}
	printf("rejected   %s\n", rej[0] ? rej : "none");
	printf("counters\n");
	/* an empty first column indents the counters by the separator */
	table_init(&t, "llr");
	for (i = 0; i < st.ncounters; i++) {
		snprintf(buf, sizeof(buf), "%llu",
		    (unsigned long long)st.counters[i].value);
		table_row(&t, "", st.counters[i].name, buf);
	}
	table_print(&t);
	ctlc_status_free(&st);
	return 0;
}

static int
show_peers(json_t *reply, char *err, size_t errlen)
{
	struct ctlc_peers ps;
	struct ctlc_peer *p;
	struct table t;
	char rtt[32], min[32], jit[32], loss[32], seen[32], since[32];
	size_t i;

	if (ctlc_decode_peers(reply, &ps, err, errlen) == -1)
		return -1;
	table_init(&t, "llrrrrrr");
	table_row(&t, "NAME", "STATE", "RTT", "MIN", "JITTER", "LOSS",
	    "LAST-SEEN", "SINCE");
	for (i = 0; i < ps.n; i++) {
		p = &ps.v[i];
		if (isnan(p->last_seen_s))
			snprintf(seen, sizeof(seen), "never");
		else
			ctlc_fmt_duration(seen, sizeof(seen), p->last_seen_s);
		table_row(&t, p->name,
		    p->state_name != NULL ? p->state_name : "-",
		    fmt_ms(rtt, sizeof(rtt), p->rtt_ms),
		    fmt_ms(min, sizeof(min), p->rtt_min_ms),
		    fmt_ms(jit, sizeof(jit), p->jitter_ms),
		    fmt_pct(loss, sizeof(loss), p->loss_pct), seen,
		    ctlc_fmt_duration(since, sizeof(since), p->state_since_s));
	}
	table_print(&t);
	ctlc_peers_free(&ps);
	return 0;
}

/* FIB column: installed in the kernel, or why there is nothing there. */
static const char *
fib_state(const struct ctlc_route *r)
{
	if (r->installed == 1)
		return "installed";
	if (r->installed == -1)
		return "?";
	if (r->reachable && r->path.n == 1)
		return "local";
	return "-";
}

/* The forwarding layer in one line, as fib and dry-run show it. */
static void
show_kernel(const struct ctlc_kernel *k)
{
	printf("kernel: %s, %s device %s, table %llu, protocol %llu%s%s\n",
	    k->mode, k->tunnel != NULL ? k->tunnel : "?",
	    k->device != NULL ? k->device : "?",
	    (unsigned long long)k->table, (unsigned long long)k->protocol,
	    k->reason != NULL ? ": " : "", k->reason != NULL ? k->reason : "");
}

static int
show_fib(json_t *reply, char *err, size_t errlen)
{
	struct ctlc_fib f;
	struct ctlc_fib_route *r;
	struct table t;
	char vni[24];
	size_t i;

	if (ctlc_decode_fib(reply, &f, err, errlen) == -1)
		return -1;
	show_kernel(&f.kernel);
	table_init(&t, "lllr");
	table_row(&t, "PREFIX", "ENCAP-DST", "DEV", "VNI");
	for (i = 0; i < f.n; i++) {
		r = &f.v[i];
		snprintf(vni, sizeof(vni), "%llu", (unsigned long long)r->vni);
		table_row(&t, r->prefix,
		    r->encap_dst != NULL ? r->encap_dst : "-", r->dev, vni);
	}
	table_print(&t);
	ctlc_fib_free(&f);
	return 0;
}

static int
show_routes(json_t *reply, char *err, size_t errlen)
{
	struct ctlc_routes rs;
	struct ctlc_route *r;
	struct table t;
	char cost[48], direct[32], path[512], ru[600], rupath[512];
	char rucost[48], lm[64], alt[128], altcost[48];
	size_t i;

	if (ctlc_decode_routes(reply, &rs, err, errlen) == -1)
		return -1;
	table_init(&t, "lllrlrrllll");
	table_row(&t, "ORIGIN", "PREFIX", "EGRESS", "LASTMILE", "NEXT-HOP",
	    "COST", "DIRECT", "PATH", "ALT-EGRESS", "RUNNER-UP", "FIB");
	for (i = 0; i < rs.n; i++) {
		r = &rs.v[i];
		/* the last mile, and the egress's health when it is news */
		snprintf(lm, sizeof(lm), "%s%s",
		    fmt_ms(altcost, sizeof(altcost), r->lastmile_ms),
		    r->egress_health != NULL &&
		    strcmp(r->egress_health, "unhealthy") == 0 ?
		    " unhealthy" : "");
		if (r->has_alt)
			snprintf(alt, sizeof(alt), "%s %s%s",
			    r->alt_egress != NULL ? r->alt_egress : "?",
			    fmt_ms(altcost, sizeof(altcost), r->alt_cost_ms),
			    strcmp(r->alt_health, "unhealthy") == 0 ?
			    " unhealthy" : "");
		else
			snprintf(alt, sizeof(alt), "-");
		if (r->has_runner_up)
			snprintf(ru, sizeof(ru), "%s %s",
			    fmt_path(rupath, sizeof(rupath), &r->ru_path),
			    fmt_cost(rucost, sizeof(rucost), r->ru_cost_ms,
			    r->ru_congested_hops));
		else
			snprintf(ru, sizeof(ru), "-");
		if (!r->reachable) {
			table_row(&t, r->origin, r->prefix, "-", "-", "-",
			    "-",
			    fmt_ms(direct, sizeof(direct), r->direct_cost_ms),
			    "unreachable", alt, ru, fib_state(r));
			continue;
		}
		table_row(&t, r->origin, r->prefix,
		    r->egress != NULL ? r->egress : "-", lm,
		    r->next_hop != NULL ? r->next_hop : "-",
		    fmt_cost(cost, sizeof(cost), r->cost_ms,
		    r->congested_hops),
		    fmt_ms(direct, sizeof(direct), r->direct_cost_ms),
		    fmt_path(path, sizeof(path), &r->path), alt, ru,
		    fib_state(r));
	}
	table_print(&t);
	ctlc_routes_free(&rs);
	return 0;
}

/* RTT grid: row = what that node reports, column = towards that node. */
static int
show_matrix(json_t *reply, char *err, size_t errlen)
{
	struct ctlc_matrix m;
	struct table t;
	char *align, buf[32];
	size_t i, j;
	double rtt;
	int st;

	if (ctlc_decode_matrix(reply, &m, err, errlen) == -1)
		return -1;
	align = xcalloc(m.n + 2, 1);
	memset(align, 'r', m.n + 1);
	align[0] = 'l';
	table_init(&t, align);
	/* table_row() takes a fixed column count: fill the cells directly */
	t.cell = xreallocarray(NULL, (m.n + 1) * (m.n + 1), sizeof(*t.cell));
	t.cell[0] = xstrdup("");
	for (j = 0; j < m.n; j++)
		t.cell[1 + j] = xstrdup(m.node[j]);
	for (i = 0; i < m.n; i++) {
		t.cell[(i + 1) * (m.n + 1)] = xstrdup(m.node[i]);
		for (j = 0; j < m.n; j++) {
			rtt = CTLC_M(&m, rtt_ms, i, j);
			st = CTLC_M(&m, state, i, j);
			if (i == j || (st == -1 && isnan(rtt)))
				snprintf(buf, sizeof(buf), "-");
			else if (st == 0)
				snprintf(buf, sizeof(buf), "x");
			else if (isnan(rtt))
				snprintf(buf, sizeof(buf), "?%s",
				    st == 2 ? "*" : "");
			else
				snprintf(buf, sizeof(buf), "%.1f%s", rtt,
				    st == 2 ? "*" : "");
			t.cell[(i + 1) * (m.n + 1) + 1 + j] = xstrdup(buf);
		}
	}
	t.nrows = m.n + 1;
	table_print(&t);
	printf("rtt in ms; row: reporting node, column: far end; "
	    "* congested, x down, - unknown\n");
	free(align);
	ctlc_matrix_free(&m);
	return 0;
}

static int
show_lsdb(json_t *reply, char *err, size_t errlen)
{
	struct ctlc_lsdb l;
	struct ctlc_lsdb_row *r;
	struct table t;
	char boot[24], seq[24], age[32], links[24];
	size_t i;

	if (ctlc_decode_lsdb(reply, &l, err, errlen) == -1)
		return -1;
	table_init(&t, "llrrrr");
	table_row(&t, "ORIGIN", "ID", "BOOT", "SEQ", "AGE", "LINKS");
	for (i = 0; i < l.n; i++) {
		r = &l.v[i];
		snprintf(boot, sizeof(boot), "%llu",
		    (unsigned long long)r->boot);
		snprintf(seq, sizeof(seq), "%llu", (unsigned long long)r->seq);
		snprintf(links, sizeof(links), "%llu",
		    (unsigned long long)r->links);
		table_row(&t, r->origin, r->id, boot, seq,
		    ctlc_fmt_duration(age, sizeof(age), r->age_s), links);
	}
	table_print(&t);
	ctlc_lsdb_free(&l);
	return 0;
}

/*
 * One line per check: health and since when, the last check's phases
 * (each from the start of the check, as libcurl measures them), and why
 * it failed.
 */
static int
show_origins(json_t *reply, char *err, size_t errlen)
{
	struct ctlc_origins os;
	const struct ctlc_origin *o;
	const struct ctlc_check_result *r;
	struct table t;
	char since[32], dns[32], con[32], tls[32], fb[32], tot[32], st[24],
	    fails[32], ago[32], addr[80], why[300];
	size_t i;

	if (ctlc_decode_origins(reply, &os, err, errlen) == -1)
		return -1;
	if (os.n == 0) {
		printf("no origin checks run on this PoP\n");
		ctlc_origins_free(&os);
		return 0;
	}
	table_init(&t, "llllrrrrrrrrrl");
	table_row(&t, "ORIGIN", "TARGET", "ADDRESS", "HEALTH", "SINCE",
	    "FAILS", "LAST",
	    "STATUS", "DNS", "CONNECT", "TLS", "1ST-BYTE", "TOTAL", "REASON");
	for (i = 0; i < os.n; i++) {
		o = &os.v[i];
		r = o->has_last ? &o->last : NULL;
		snprintf(fails, sizeof(fails), "%llu/%llu",
		    (unsigned long long)o->failures,
		    (unsigned long long)o->unhealthy_after);
		if (r != NULL && r->http_status > 0)
			snprintf(st, sizeof(st), "%lld", r->http_status);
		else
			snprintf(st, sizeof(st), "-");
		if (r != NULL)
			ctlc_fmt_duration(ago, sizeof(ago), r->ago_s);
		else
			snprintf(ago, sizeof(ago), "never");
		/* A host name's address; "(stale)" while lookups fail. */
		if (!o->has_resolved)
			snprintf(addr, sizeof(addr), "-");
		else
			snprintf(addr, sizeof(addr), "%s%s",
			    o->address != NULL ? o->address : "none",
			    o->resolve_reason != NULL && o->address != NULL ?
			    " (stale)" : "");
		if (r != NULL && r->reason != NULL)
			snprintf(why, sizeof(why), "%s", r->reason);
		else if (o->has_resolved && o->resolve_reason != NULL)
			snprintf(why, sizeof(why), "resolving %s: %s",
			    o->host, o->resolve_reason);
		else
			snprintf(why, sizeof(why), "-");
		table_row(&t, o->origin, o->target, addr, o->health,
		    ctlc_fmt_duration(since, sizeof(since), o->health_since_s),
		    fails, ago, st,
		    fmt_ms(dns, sizeof(dns), r ? r->dns_ms : NAN),
		    fmt_ms(con, sizeof(con), r ? r->connect_ms : NAN),
		    fmt_ms(tls, sizeof(tls), r ? r->tls_ms : NAN),
		    fmt_ms(fb, sizeof(fb), r ? r->first_byte_ms : NAN),
		    fmt_ms(tot, sizeof(tot), r ? r->total_ms : NAN), why);
	}
	table_print(&t);
	ctlc_origins_free(&os);
	return 0;
}

/*
 * One line per origin: this PoP's role, whom its cache asks and what
 * that costs, the fallback, and a pending better parent.
 */
static int
show_tiers(json_t *reply, char *err, size_t errlen)
{
	struct ctlc_tiers ts;
	const struct ctlc_tier *t;
	struct table t_;
	char since[32], pc[32], pp[32], fc[32], ch[96], held[32], ups[200];
	size_t i, k, off;

	if (ctlc_decode_tiers(reply, &ts, err, errlen) == -1)
		return -1;
	if (ts.n == 0) {
		printf("no origins, no cache tiers\n");
		ctlc_tiers_free(&ts);
		return 0;
	}
	table_init(&t_, "lllllrrlrlr");
	table_row(&t_, "ORIGIN", "SELECT", "UPPERS", "ROLE", "PARENT", "COST",
	    "PATH", "FALLBACK", "FB-COST", "CHALLENGER", "SINCE");
	for (i = 0; i < ts.n; i++) {
		t = &ts.v[i];
		if (t->challenger != NULL)
			snprintf(ch, sizeof(ch), "%s (%s)", t->challenger,
			    ctlc_fmt_duration(held, sizeof(held),
			    t->challenger_s));
		else
			snprintf(ch, sizeof(ch), "-");
		ups[0] = '\0';
		for (k = off = 0; k < t->nuppers && off < sizeof(ups); k++)
			off += (size_t)snprintf(ups + off, sizeof(ups) - off,
			    "%s%s", k ? "," : "", t->uppers[k]);
		table_row(&t_, t->origin, t->selection,
		    t->nuppers > 0 ? ups : "-", t->role,
		    t->parent != NULL ? t->parent : "origin",
		    fmt_ms(pc, sizeof(pc), t->parent_cost_ms),
		    fmt_ms(pp, sizeof(pp), t->parent_path_ms),
		    strcmp(t->role, CTL_ROLE_UPPER) == 0 ? "-" :
		    t->fallback != NULL ? t->fallback : "origin",
		    fmt_ms(fc, sizeof(fc), t->fallback_cost_ms), ch,
		    ctlc_fmt_duration(since, sizeof(since), t->since_s));
	}
	table_print(&t_);
	ctlc_tiers_free(&ts);
	return 0;
}

static int
show_help(json_t *reply, char *err, size_t errlen)
{
	struct ctlc_help h;
	struct table t;
	size_t i;

	if (ctlc_decode_help(reply, &h, err, errlen) == -1)
		return -1;
	table_init(&t, "lll");
	table_row(&t, "COMMAND", "ACCESS", "DESCRIPTION");
	for (i = 0; i < h.n; i++)
		table_row(&t, h.v[i].cmd, h.v[i].write ? "write" : "read",
		    h.v[i].help);
	table_print(&t);
	ctlc_help_free(&h);
	return 0;
}

static int
show_dry_run(json_t *reply, char *err, size_t errlen)
{
	struct ctlc_dry_run dr;

	if (ctlc_decode_dry_run(reply, &dr, err, errlen) == -1)
		return -1;
	show_kernel(&dr.kernel);
	ctlc_dry_run_free(&dr);
	return 0;
}

static int
show_reload(json_t *reply, char *err, size_t errlen)
{
	if (ctlc_decode_ok(reply, err, errlen) == -1)
		return -1;
	printf("reloaded\n");
	return 0;
}

static const char *
fmt_route(char *buf, size_t len, int has, const struct ctlc_route *r)
{
	char path[512], cost[48];

	if (!has)
		snprintf(buf, len, "none");
	else if (!r->reachable)
		snprintf(buf, len, "unreachable");
	else
		snprintf(buf, len, "%s (%s)",
		    fmt_path(path, sizeof(path), &r->path),
		    fmt_cost(cost, sizeof(cost), r->cost_ms,
		    r->congested_hops));
	return buf;
}

/*
 * The recent route changes, oldest first: what each route was and is,
 * and the kind of change.
 */
static int
show_changes(json_t *reply, char *err, size_t errlen)
{
	struct ctlc_changes cs;
	const struct ctlc_change *ch;
	struct table t;
	char ago[32], before[600], after[600];
	size_t i;

	if (ctlc_decode_changes(reply, &cs, err, errlen) == -1)
		return -1;
	if (cs.n == 0) {
		printf("no route changes recorded\n");
		ctlc_changes_free(&cs);
		return 0;
	}
	table_init(&t, "rlllll");
	table_row(&t, "AGO", "ORIGIN", "PREFIX", "CHANGE", "BEFORE", "AFTER");
	for (i = 0; i < cs.n; i++) {
		ch = &cs.v[i];
		table_row(&t, ctlc_fmt_duration(ago, sizeof(ago), ch->ago_s),
		    ch->origin, ch->prefix, ch->reason,
		    fmt_route(before, sizeof(before), ch->has_before,
		    &ch->before),
		    fmt_route(after, sizeof(after), ch->has_after, &ch->after));
	}
	table_print(&t);
	if (cs.recorded > cs.capacity)
		printf("%llu changes since argod started; "
		    "the last %llu are kept\n",
		    (unsigned long long)cs.recorded,
		    (unsigned long long)cs.capacity);
	ctlc_changes_free(&cs);
	return 0;
}

static void
show_event(json_t *j)
{
	struct ctlc_event ev;
	char err[CTLC_ERRLEN], stamp[32], rtt[32], loss[32];
	char before[600], after[600];
	struct tm tm;
	time_t now;

	if (ctlc_decode_event(j, &ev, err, sizeof(err)) == -1) {
		fprintf(stderr, "argoctl: %s\n", err);
		return;
	}
	/* the event's time is the daemon's monotonic clock: show ours */
	now = time(NULL);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	switch (ev.type) {
	case CTLC_EVENT_LINK:
		printf("%s link %s %s -> %s (rtt %s, loss %s)\n", stamp,
		    ev.peer, ev.from != NULL ? ev.from : "?",
		    ev.to != NULL ? ev.to : "?",
		    fmt_ms(rtt, sizeof(rtt), ev.rtt_ms),
		    fmt_pct(loss, sizeof(loss), ev.loss_pct));
		break;
	case CTLC_EVENT_ROUTE:
		printf("%s route %s %s %s -> %s\n", stamp, ev.origin,
		    ev.prefix,
		    fmt_route(before, sizeof(before), ev.has_before,
		    &ev.before),
		    fmt_route(after, sizeof(after), ev.has_after, &ev.after));
		break;
	case CTLC_EVENT_ORIGIN:
		printf("%s origin %s %s -> %s%s%s%s\n", stamp, ev.origin,
		    ev.from, ev.to, ev.reason != NULL ? " (" : "",
		    ev.reason != NULL ? ev.reason : "",
		    ev.reason != NULL ? ")" : "");
		break;
	case CTLC_EVENT_TIER:
		if (!ev.has_after)
			printf("%s tier %s gone\n", stamp, ev.origin);
		else if (strcmp(ev.tier_after.role, CTL_ROLE_UPPER) == 0)
			printf("%s tier %s upper (fetches from the origin)\n",
			    stamp, ev.origin);
		else
			printf("%s tier %s lower: parent %s, fallback %s\n",
			    stamp, ev.origin, ev.tier_after.parent ?
			    ev.tier_after.parent : "origin",
			    ev.tier_after.fallback ? ev.tier_after.fallback :
			    "origin");
		break;
	case CTLC_EVENT_OTHER:
		printf("%s %s\n", stamp, ev.name);
		break;
	}
	ctlc_event_free(&ev);
}

static void
print_json(json_t *j)
{
	char *s;

	/* 15 digits: the daemon rounds, so 12.3 stays 12.3 */
	if ((s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15))) ==
	    NULL)
		die(EXIT_LOCAL, "cannot encode JSON");
	printf("%s\n", s);
	free(s);
}

static void
check_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout))
		die(EXIT_LOCAL, "stdout: %s", strerror(errno));
}

static __attribute__((noreturn)) void
monitor(struct ctlc *c, int json, int timeout_ms)
{
	const char *msg;
	json_t *j;

	if ((j = ctlc_request(c, CTL_CMD_MONITOR, timeout_ms)) == NULL)
		die(EXIT_NOANSWER, "%s", ctlc_error(c));
	if (ctlc_reply_ok(j, &msg) != 1) {
		fflush(stdout);
		fprintf(stderr, "argoctl: %s\n",
		    msg != NULL ? msg : "unexpected reply");
		json_decref(j);
		ctlc_close(c);
		exit(EXIT_REPLY);
	}
	json_decref(j);
	/* events come when they come: no timeout */
	while ((j = ctlc_read(c, -1)) != NULL) {
		if (json)
			print_json(j);
		else if (ctlc_is_event(j))
			show_event(j);
		json_decref(j);
		check_stdout();
	}
	die(EXIT_NOANSWER, "%s", ctlc_error(c));
}

/*
 * The commands. arg is what the one argument after the command names;
 * filter, for peers and routes, is the reply's array and the member a
 * name argument must match: argoctl keeps the matching items only, in
 * the table and in -j output alike.
 */
enum cmd_arg {
	ARG_NONE,
	ARG_ONOFF,	/* dry-run: required */
	ARG_PEER,	/* a peer's name, optional */
	ARG_ORIGIN,	/* an origin's name, optional */
	ARG_FILE,	/* genkey: optional */
};

static const struct command {
	const char	*name;
	int		(*show)(json_t *, char *, size_t);	/* NULL: */
	enum cmd_arg	 arg;				/* monitor, genkey */
	const char	*filter, *member;
	int		 local;		/* needs no daemon */
} commands[] = {
	{ CTL_CMD_STATUS, show_status, ARG_NONE, NULL, NULL, 0 },
	{ CTL_CMD_PEERS, show_peers, ARG_PEER, CTL_F_PEERS, CTL_F_NAME, 0 },
	{ CTL_CMD_MATRIX, show_matrix, ARG_NONE, NULL, NULL, 0 },
	{ CTL_CMD_ROUTES, show_routes, ARG_ORIGIN, CTL_F_ROUTES, CTL_F_ORIGIN,
	    0 },
	{ CTL_CMD_CHANGES, show_changes, ARG_ORIGIN, NULL, NULL, 0 },
	{ CTL_CMD_LSDB, show_lsdb, ARG_NONE, NULL, NULL, 0 },
	{ CTL_CMD_ORIGINS, show_origins, ARG_NONE, NULL, NULL, 0 },
	{ CTL_CMD_TIERS, show_tiers, ARG_NONE, NULL, NULL, 0 },
	{ CTL_CMD_FIB, show_fib, ARG_NONE, NULL, NULL, 0 },
	{ CTL_CMD_MONITOR, NULL, ARG_NONE, NULL, NULL, 0 },
	{ CTL_CMD_RELOAD, show_reload, ARG_NONE, NULL, NULL, 0 },
	{ CTL_CMD_DRY_RUN, show_dry_run, ARG_ONOFF, NULL, NULL, 0 },
	{ CTL_CMD_HELP, show_help, ARG_NONE, NULL, NULL, 0 },
	{ "genkey", NULL, ARG_FILE, NULL, NULL, 1 },
};
#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static const char *const arg_usage[] = {
	[ARG_NONE] = "", [ARG_ONOFF] = " on|off", [ARG_PEER] = " [peer]",
	[ARG_ORIGIN] = " [origin]", [ARG_FILE] = " [file]",
};

static const struct command *
command_find(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static __attribute__((noreturn)) void
usage(void)
{
	size_t i, col;

	fprintf(stderr, "usage: argoctl");
	for (i = 0; i < NOPTIONS; i++)
		fprintf(stderr, " [%s%s%s]", options[i].opt,
		    options[i].arg != NULL ? " " : "",
		    options[i].arg != NULL ? options[i].arg : "");
	fprintf(stderr, " command [argument]\ncommands:");
	for (i = 0, col = 9; i < NCOMMANDS; i++) {
		col += strlen(commands[i].name) +
		    strlen(arg_usage[commands[i].arg]) + 1;
		if (col > 72) {
			fprintf(stderr, "\n         ");
			col = 9 + strlen(commands[i].name) +
			    strlen(arg_usage[commands[i].arg]) + 1;
		}
		fprintf(stderr, " %s%s", commands[i].name,
		    arg_usage[commands[i].arg]);
	}
	fprintf(stderr, "\n");
	exit(EXIT_USAGE);
}

/* Keep the items of reply[cmd->filter] whose cmd->member is name. */
static size_t
reply_filter(json_t *reply, const struct command *cmd, const char *name)
{
	json_t *a, *o;
	const char *v;
	size_t i;

	if ((a = json_object_get(reply, cmd->filter)) == NULL ||
	    !json_is_array(a))
		return 0;
	for (i = 0; i < json_array_size(a); ) {
		o = json_array_get(a, i);
		v = json_string_value(json_object_get(o, cmd->member));
		if (v != NULL && strcmp(v, name) == 0)
			i++;
		else
			json_array_remove(a, i);
	}
	return json_array_size(a);
}

/*
 * The bash completion's back end, not in usage: "argoctl __complete
 * WORD..." gets the words of the command line after "argoctl", the last
 * one being completed (maybe empty), and prints the candidates that
 * start with it, one a line, or "@file" when the shell should complete
 * a file name. Peer and origin names come from the daemon on the socket
 * of the line's -s; without a daemon there are none, and no message.
 */
static void
complete_print(const char *word, const char *prefix)
{
	if (strncmp(word, prefix, strlen(prefix)) == 0)
		printf("%s\n", word);
}

static void
complete_names(const char *sock, enum cmd_arg arg, const char *prefix)
{
	char err[CTLC_ERRLEN];
	struct ctlc_peers ps;
	struct ctlc_routes rs;
	struct ctlc *c;
	json_t *reply;
	size_t i, j;

	if ((c = ctlc_connect(sock, COMPLETE_TIMEOUT_MS, err,
	    sizeof(err))) == NULL)
		return;
	reply = ctlc_request(c, arg == ARG_PEER ? CTL_CMD_PEERS :
	    CTL_CMD_ROUTES, COMPLETE_TIMEOUT_MS);
	if (reply == NULL)
		goto out;
	if (arg == ARG_PEER &&
	    ctlc_decode_peers(reply, &ps, err, sizeof(err)) == 0) {
		for (i = 0; i < ps.n; i++)
			complete_print(ps.v[i].name, prefix);
		ctlc_peers_free(&ps);
	} else if (arg == ARG_ORIGIN &&
	    ctlc_decode_routes(reply, &rs, err, sizeof(err)) == 0) {
		/* an origin has a route per prefix: name it once */
		for (i = 0; i < rs.n; i++) {
			for (j = 0; j < i; j++)
				if (strcmp(rs.v[j].origin, rs.v[i].origin) == 0)
					break;
			if (j == i)
				complete_print(rs.v[i].origin, prefix);
		}
		ctlc_routes_free(&rs);
	}
	json_decref(reply);
out:
	ctlc_close(c);
}

static int
complete(int argc, char *argv[])
{
	const char *sock = CONF_DEFAULT_CONTROL, *cur, *p, *o;
	const struct command *cmd = NULL;
	int i, nargs = 0, optarg_of = 0;
	size_t k;

	if (argc < 1)
		return EXIT_USAGE;
	cur = argv[argc - 1];
	for (i = 0; i < argc - 1; i++) {
		if (optarg_of != 0) {
			if (optarg_of == 's')
				sock = argv[i];
			optarg_of = 0;
		} else if (cmd == NULL && argv[i][0] == '-' &&
		    argv[i][1] != '\0') {
			/* bundled as getopt takes them: -js SOCKET, -ssock */
			for (p = argv[i] + 1; *p != '\0'; p++) {
				o = *p != ':' ? strchr(optstring, *p) : NULL;
				if (o == NULL || o[1] != ':')
					continue;	/* a flag */
				if (p[1] == '\0')
					optarg_of = *p;	/* the next word */
				else if (*p == 's')
					sock = p + 1;
				break;
			}
		} else if (cmd == NULL) {
			if ((cmd = command_find(argv[i])) == NULL)
				return EXIT_OK;	/* nothing fits after it */
		} else
			nargs++;
	}
	if (optarg_of == 's') {
		printf("@file\n");
		return EXIT_OK;
	}
	if (optarg_of != 0)
		return EXIT_OK;		/* -t: a number */
	if (cmd == NULL) {
		if (cur[0] == '-') {
			for (k = 0; k < NOPTIONS; k++)
				complete_print(options[k].opt, cur);
		} else
			for (k = 0; k < NCOMMANDS; k++)
				complete_print(commands[k].name, cur);
		return EXIT_OK;
	}
	if (nargs > 0)
		return EXIT_OK;
	switch (cmd->arg) {
	case ARG_NONE:
		break;
	case ARG_ONOFF:
		complete_print("on", cur);
		complete_print("off", cur);
		break;
	case ARG_FILE:
		printf("@file\n");
		break;
	case ARG_PEER:
	case ARG_ORIGIN:
		complete_names(sock, cmd->arg, cur);
		break;
	}
	return EXIT_OK;
}

int
main(int argc, char *argv[])
{
	const char *sock = CONF_DEFAULT_CONTROL, *msg, *arg;
	const struct command *cmd;
	char err[CTLC_ERRLEN], *end;
	double timeout = DEFAULT_TIMEOUT;
	int ch, json = 0, timeout_ms, rc;
	struct ctlc *c;
	json_t *reply, *args = NULL;

	log_init("argoctl", LOG_TO_STDERR, 0);
	if (argc >= 2 && strcmp(argv[1], "__complete") == 0)
		return complete(argc - 2, argv + 2);
	while ((ch = getopt(argc, argv, optstring)) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 's':
			sock = optarg;
			break;
		case 't':
			errno = 0;
			timeout = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    !(timeout > 0 && timeout <= 86400))
				die(EXIT_USAGE, "-t %s: expected seconds, more "
				    "than 0 and at most 86400", optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if ((cmd = command_find(argv[0])) == NULL) {
		fprintf(stderr, "argoctl: unknown command \"%s\"\n", argv[0]);
		usage();
	}
	/* Local: needs no daemon. */
	if (cmd->local)
		return genkey_main(argc, argv);
	if (argc > 2 || (argc == 2 && cmd->arg == ARG_NONE))
		usage();
	arg = argc == 2 ? argv[1] : NULL;
	if (cmd->arg == ARG_ONOFF) {
		if (arg == NULL || (strcmp(arg, "on") != 0 &&
		    strcmp(arg, "off") != 0))
			usage();
		args = ctlc_dry_run_args(strcmp(arg, "on") == 0);
	} else if (strcmp(cmd->name, CTL_CMD_CHANGES) == 0)
		args = ctlc_changes_args(arg);
	timeout_ms = (int)(timeout * 1000);
	if (timeout_ms < 1)
		timeout_ms = 1;

	if ((c = ctlc_connect(sock, timeout_ms, err, sizeof(err))) == NULL) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			die(EXIT_NOANSWER, "%s \u2014 is argod running?", err);
		die(EXIT_NOANSWER, "%s", err);
	}
	if (cmd->show == NULL)
		monitor(c, json, timeout_ms);

	reply = ctlc_request_args(c, cmd->name, args, timeout_ms);
	json_decref(args);
	if (reply == NULL)
		die(EXIT_NOANSWER, "%s", ctlc_error(c));
	rc = ctlc_reply_ok(reply, &msg);
	if (rc == 1 && arg != NULL && cmd->filter != NULL &&
	    reply_filter(reply, cmd, arg) == 0) {
		/* a name that is not there: say so, as the daemon would */
		rc = 0;
		snprintf(err, sizeof(err), "no %s \"%s\"",
		    cmd->arg == ARG_PEER ? "peer" : "origin", arg);
		msg = err;
	}
	if (json)
		print_json(reply);
	if (rc != 1) {
		check_stdout();
		/* msg may live in the reply (and be long: reload errors
		 * list every file:line), so say it before freeing */
		fprintf(stderr, "argoctl: %s\n",
		    msg != NULL ? msg : "unexpected reply");
		json_decref(reply);
		ctlc_close(c);
		exit(EXIT_REPLY);
	}
	rc = json ? 0 : cmd->show(reply, err, sizeof(err));
	json_decref(reply);
	ctlc_close(c);
	if (rc == -1)
		die(EXIT_NOANSWER, "%s", err);
	check_stdout();
	return EXIT_OK;
}
