/*
 * argoctl(8): ask a running argod about its state.
 *
 * All protocol knowledge lives in ctlclient.c; this file only renders the
 * decoded replies, as aligned tables for people or, with -j, as the
 * daemon's JSON for scripts. Exit status: 0 ok, 1 the daemon answered
 * with an error, 2 usage, connection or protocol trouble.
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

#define EXIT_OK		0
#define EXIT_REPLY	1	/* the daemon said no */
#define EXIT_TROUBLE	2	/* we could not ask */

#define DEFAULT_TIMEOUT	5.0	/* s */


static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr, "usage: argoctl [-j] [-s socket] [-t timeout] "
	    "command\n"
	    "commands: status peers matrix routes lsdb origins fib monitor "
	    "reload dry-run on|off help\n"
	    "       argoctl genkey [file]\n");
	exit(EXIT_TROUBLE);
}

static __attribute__((noreturn, format(printf, 1, 2))) void
trouble(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "argoctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(EXIT_TROUBLE);
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
	char rucost[48];
	size_t i;

	if (ctlc_decode_routes(reply, &rs, err, errlen) == -1)
		return -1;
	table_init(&t, "llllrrlll");
	table_row(&t, "ORIGIN", "PREFIX", "EGRESS", "NEXT-HOP", "COST",
	    "DIRECT", "PATH", "RUNNER-UP", "FIB");
	for (i = 0; i < rs.n; i++) {
		r = &rs.v[i];
		if (r->has_runner_up)
			snprintf(ru, sizeof(ru), "%s %s",
			    fmt_path(rupath, sizeof(rupath), &r->ru_path),
			    fmt_cost(rucost, sizeof(rucost), r->ru_cost_ms,
			    r->ru_congested_hops));
		else
			snprintf(ru, sizeof(ru), "-");
		if (!r->reachable) {
			table_row(&t, r->origin, r->prefix, "-", "-", "-",
			    fmt_ms(direct, sizeof(direct), r->direct_cost_ms),
			    "unreachable", ru, fib_state(r));
			continue;
		}
		table_row(&t, r->origin, r->prefix,
		    r->egress != NULL ? r->egress : "-",
		    r->next_hop != NULL ? r->next_hop : "-",
		    fmt_cost(cost, sizeof(cost), r->cost_ms,
		    r->congested_hops),
		    fmt_ms(direct, sizeof(direct), r->direct_cost_ms),
		    fmt_path(path, sizeof(path), &r->path), ru,
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
		trouble("cannot encode JSON");
	printf("%s\n", s);
	free(s);
}

static void
check_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout))
		trouble("stdout: %s", strerror(errno));
}

static __attribute__((noreturn)) void
monitor(struct ctlc *c, int json, int timeout_ms)
{
	const char *msg;
	json_t *j;

	if ((j = ctlc_request(c, CTL_CMD_MONITOR, timeout_ms)) == NULL)
		trouble("%s", ctlc_error(c));
	if (ctlc_reply_ok(j, &msg) != 1) {
		fprintf(stderr, "argoctl: %s\n", msg != NULL ? msg :
		    "unexpected reply");
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
	trouble("%s", ctlc_error(c));
}

int
main(int argc, char *argv[])
{
	/* show is NULL for monitor, which is not one reply */
	static const struct {
		const char	*cmd;
		int		(*show)(json_t *, char *, size_t);
	} shows[] = {
		{ CTL_CMD_STATUS, show_status },
		{ CTL_CMD_PEERS, show_peers },
		{ CTL_CMD_MATRIX, show_matrix },
		{ CTL_CMD_ROUTES, show_routes },
		{ CTL_CMD_LSDB, show_lsdb },
		{ CTL_CMD_ORIGINS, show_origins },
		{ CTL_CMD_MONITOR, NULL },
		{ CTL_CMD_RELOAD, show_reload },
		{ CTL_CMD_HELP, show_help },
		{ CTL_CMD_FIB, show_fib },
		{ CTL_CMD_DRY_RUN, show_dry_run },
	};
	const char *sock = CONF_DEFAULT_CONTROL, *cmd, *msg;
	char err[CTLC_ERRLEN], *end;
	double timeout = DEFAULT_TIMEOUT;
	int ch, json = 0, timeout_ms, rc;
	struct ctlc *c;
	json_t *reply, *args = NULL;
	size_t i;

	log_init("argoctl", LOG_TO_STDERR, 0);
	while ((ch = getopt(argc, argv, "js:t:")) != -1) {
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
				trouble("-t %s: expected seconds, more than 0 "
				    "and at most 86400", optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	cmd = argv[0];
	/* Local: needs no daemon. */
	if (strcmp(cmd, "genkey") == 0)
		return genkey_main(argc, argv);
	if (strcmp(cmd, CTL_CMD_DRY_RUN) == 0) {
		if (argc != 2 || (strcmp(argv[1], "on") != 0 &&
		    strcmp(argv[1], "off") != 0))
			usage();
		args = ctlc_dry_run_args(strcmp(argv[1], "on") == 0);
	} else if (argc != 1)
		usage();
	for (i = 0; i < sizeof(shows) / sizeof(shows[0]); i++)
		if (strcmp(shows[i].cmd, cmd) == 0)
			break;
	if (i == sizeof(shows) / sizeof(shows[0])) {
		fprintf(stderr, "argoctl: unknown command \"%s\"\n", cmd);
		usage();
	}
	timeout_ms = (int)(timeout * 1000);
	if (timeout_ms < 1)
		timeout_ms = 1;

	if ((c = ctlc_connect(sock, timeout_ms, err, sizeof(err))) == NULL) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			trouble("%s \u2014 is argod running?", err);
		trouble("%s", err);
	}
	if (shows[i].show == NULL)
		monitor(c, json, timeout_ms);

	reply = ctlc_request_args(c, cmd, args, timeout_ms);
	json_decref(args);
	if (reply == NULL)
		trouble("%s", ctlc_error(c));
	rc = ctlc_reply_ok(reply, &msg);
	if (json)
		print_json(reply);
	if (rc != 1) {
		check_stdout();
		fprintf(stderr, "argoctl: %s\n", msg != NULL ? msg :
		    "unexpected reply");
		exit(EXIT_REPLY);
	}
	if (!json && shows[i].show(reply, err, sizeof(err)) == -1)
		trouble("%s", err);
	check_stdout();
	json_decref(reply);
	ctlc_close(c);
	return EXIT_OK;
}
