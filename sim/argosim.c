/*
 * argosim: the argod protocol engine, one instance per PoP, hundreds in
 * one process on a virtual clock (DESIGN.md decision 1).
 *
 * The input is a latency matrix (a CSV like ../shared/data/aws32, a time
 * series like seattle99, or a synthetic one); a scenario adds timed
 * events (sim-scen.h). The engines start at time 0 and warm up; from the
 * end of the warm-up on, each event (and each replayed snapshot) opens an
 * observation window, and the report gives per window how long the
 * databases and routes took to settle, loops, black holes, control
 * traffic and route quality (sim-obs.h, sim-report.h).
 *
 * Modules: sim-matrix (inputs), sim-net (engines, links, virtual time),
 * sim-obs (measurements), sim-scen (scenario syntax), sim-report (output).
 */
#include "config.h"

#include <sys/resource.h>

#include <ctype.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "log.h"
#include "params.h"
#include "sim-matrix.h"
#include "sim-net.h"
#include "sim-obs.h"
#include "sim-report.h"
#include "sim-scen.h"
#include "units.h"

/*
 * -p NAMES. A parameter is named after its statement in argod.conf(5),
 * its words joined by '-', and for a statement of two arguments the
 * argument's name in lower case after them: "spf-hold-min" is MIN of
 * "spf hold". The names argosim had before it read params.c's table and
 * that do not follow the rule stay as aliases.
 */
static const struct {
	const char	*alias, *name;
} param_aliases[] = {
	{ "advertise-loss", "advertise-loss-change" },
	{ "advertise-rtt-min", "advertise-rtt-change-min" },
	{ "advertise-rtt-pct", "advertise-rtt-change-pct" },
	{ "cost-max", "cost-clamp-max" },
	{ "cost-min", "cost-clamp-min" },
	{ "loss-penalty", "cost-loss-penalty" },
};

/*
 * --lastmile: each anycast egress's origin healthy at a last mile drawn
 * uniformly from lo..hi ms, from the seed (the same run gives the same
 * draw), as its checks would measure it from the start.
 */
static void
lastmiles(struct net *net, uint64_t seed, double lo, double hi)
{
	uint64_t x = seed ^ 0x1a57311e1a57311eULL;
	size_t i;

	for (i = 0; i < net_size(net); i++) {
		if (!net_anycast_egress(net, i))
			continue;
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		net_lastmile(net, i, WIRE_ORIGIN_HEALTHY, lo + (hi - lo) *
		    (double)(x >> 11) / 9007199254740992.0);
	}
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: argosim [-q] [--perf] [-m matrix.csv | -s series.tsv[.gz] |"
	    " -n nodes]\n"
	    "               [-S seed] [-T topo-seed] [-c scenario] "
	    "[-e 'TIME VERB ARGS']...\n"
	    "               [-w warmup] [-d end] [-O observe] "
	    "[-i snapshot-interval]\n"
	    "               [-k first:count] [-j jitter] [-l loss%%] "
	    "[-p param=value]... [-o report.json]\n"
	    "               [--stagger T] [--reorder pct] [--anycast K]\n"
	    "               [--tiers smart|regional[:K]] [--lastmile LO:HI]\n");
	exit(2);
}

static void
param_name(char *buf, size_t len, const struct param *pr, int i)
{
	size_t n;

	if (pr->sub != NULL)
		snprintf(buf, len, "%s-%s", pr->kw, pr->sub);
	else
		snprintf(buf, len, "%s", pr->kw);
	if (pr->nargs == 1)
		return;
	n = strlen(buf);
	snprintf(buf + n, len - n, "-%s", pr->arg[i].name);
	for (; buf[n] != '\0'; n++)
		buf[n] = (char)tolower((unsigned char)buf[n]);
}

/* The row and the argument called name, or NULL. */
static const struct param *
param_lookup(const char *name, int *argi)
{
	const struct param *tab = params_table();
	char buf[64];
	size_t r, i;
	int k;

	for (i = 0; i < sizeof(param_aliases) / sizeof(param_aliases[0]); i++)
		if (strcmp(name, param_aliases[i].alias) == 0) {
			name = param_aliases[i].name;
			break;
		}
	for (r = 0; r < params_count(); r++)
		for (k = 0; k < tab[r].nargs; k++) {
			param_name(buf, sizeof(buf), &tab[r], k);
			if (strcmp(buf, name) == 0) {
				*argi = k;
				return &tab[r];
			}
		}
	return NULL;
}

/* -p NAME=VALUE, VALUE as argod.conf(5) writes it and within its limits. */
static int
set_param(struct engine_params *p, const char *arg)
{
	const struct param *tab = params_table(), *pr;
	const struct param_arg *a;
	const char *eq = strchr(arg, '='), *why;
	char name[64], b1[32], b2[32];
	uint64_t v;
	size_t r;
	int i;

	if (eq == NULL) {
		log_warnx("-p %s: expected NAME=VALUE", arg);
		return -1;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
	if ((size_t)(eq - arg) >= sizeof(name) ||
	    (pr = param_lookup(name, &i)) == NULL) {
		log_warnx("-p %s: unknown parameter", arg);
		fprintf(stderr, "argosim: parameters:");
		for (r = 0; r < params_count(); r++)
			for (i = 0; i < tab[r].nargs; i++) {
				param_name(name, sizeof(name), &tab[r], i);
				fprintf(stderr, " %s", name);
			}
		fprintf(stderr, "\n");
		return -1;
	}
	a = &pr->arg[i];
	if ((why = params_parse(a->type, eq + 1, &v)) != NULL) {
		log_warnx("-p %s: %s", arg, why);
		return -1;
	}
	if (v < a->min || v > a->max) {
		params_fmt(b1, sizeof(b1), a->type, a->min);
		params_fmt(b2, sizeof(b2), a->type, a->max);
		log_warnx("-p %s: out of range %s..%s", arg, b1, b2);
		return -1;
	}
	params_set(p, pr, i, v);
	return 0;
}

static long
node_ref(const struct net *net, const char *s)
{
	size_t i;
	char *end;
	long v;

	if (s[0] == '#') {
		v = strtol(s + 1, &end, 10);
		if (*end == '\0' && v >= 0 && (size_t)v < net_size(net))
			return v;
		return -1;
	}
	for (i = 0; i < net_size(net); i++)
		if (strcmp(net_name(net, i), s) == 0)
			return (long)i;
	return -1;
}

static double
wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Apply one scenario event; returns 1 for "end". */
static int
apply(struct net *net, struct obs *o, const struct scen_event *ev,
    uint64_t seed, long *la, long *lb)
{
	char label[256];
	long a = -1, b = -1;
	size_t x, y;

	if (ev->verb == SCEN_END)
		return 1;
	if (ev->pick == SCEN_BUSIEST) {
		if (!obs_busiest_link(o, &x, &y)) {
			log_warnx("%s: no link carries traffic", ev->text);
			return 0;
		}
		a = (long)x;
		b = (long)y;
	} else if (ev->pick == SCEN_LAST) {
		a = *la;
		b = *lb;
		if (a < 0) {
			log_warnx("%s: no earlier link event", ev->text);
			return 0;
		}
	} else if (ev->a[0] != '\0') {
		a = node_ref(net, ev->a);
		if (ev->b[0] != '\0')
			b = node_ref(net, ev->b);
		if (a < 0 || (ev->b[0] != '\0' && b < 0))
			fatalx("%s: unknown node", ev->text);
	}
	if (b >= 0) {
		*la = a;
		*lb = b;
	}
	if (b >= 0)
		snprintf(label, sizeof(label), "%s (%s %s)", ev->text,
		    net_name(net, (size_t)a), net_name(net, (size_t)b));
	else
		snprintf(label, sizeof(label), "%s", ev->text);
	/* the window before the event closes on the old truth */
	obs_window(o, label, net_now(net));
	switch (ev->verb) {
	case SCEN_FAIL_LINK:
	case SCEN_RESTORE_LINK:
		net_cut(net, (size_t)a, (size_t)b, ev->verb == SCEN_FAIL_LINK);
		break;
	case SCEN_CONGEST:
		net_congest(net, (size_t)a, (size_t)b, ev->delay,
		    ev->loss_ppm);
		break;
	case SCEN_UNCONGEST:
		net_congest(net, (size_t)a, (size_t)b, 0, 0);
		break;
	case SCEN_FAIL_NODE:
		net_node_down(net, (size_t)a);
		break;
	case SCEN_RESTART_NODE:
		net_node_up(net, (size_t)a);
		break;
	case SCEN_SHIFT:
		/* its own random numbers: the run's are not disturbed */
		net_shift(net, ev->shift_ppm / 1e6, seed ^ ev->at);
		break;
	case SCEN_LASTMILE:
		net_lastmile(net, (size_t)a, WIRE_ORIGIN_HEALTHY,
		    (double)ev->delay / 1e6);
		break;
	case SCEN_ORIGIN_DOWN:
	case SCEN_ORIGIN_UP:
		net_lastmile(net, (size_t)a, ev->verb == SCEN_ORIGIN_DOWN ?
		    WIRE_ORIGIN_UNHEALTHY : WIRE_ORIGIN_HEALTHY, -1);
		break;
	case SCEN_END:
		break;
	}
	obs_truth_changed(o, net_now(net));
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "matrix", required_argument, NULL, 'm' },
		{ "series", required_argument, NULL, 's' },
		{ "nodes", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 'S' },
		{ "topo-seed", required_argument, NULL, 'T' },
		{ "scenario", required_argument, NULL, 'c' },
		{ "event", required_argument, NULL, 'e' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "end", required_argument, NULL, 'd' },
		{ "observe", required_argument, NULL, 'O' },
		{ "interval", required_argument, NULL, 'i' },
		{ "snapshots", required_argument, NULL, 'k' },
		{ "jitter", required_argument, NULL, 'j' },
		{ "loss", required_argument, NULL, 'l' },
		{ "param", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "perf", no_argument, NULL, 'P' },
		{ "progress", no_argument, NULL, 'v' },
		{ "stagger", required_argument, NULL, 'g' },
		{ "reorder", required_argument, NULL, 'r' },
		{ "anycast", required_argument, NULL, 'a' },
		{ "tiers", required_argument, NULL, 't' },
		{ "lastmile", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	struct report_meta meta;
	struct net_conf nc;
	struct net_hooks hooks;
	struct matrix m;
	struct series sr;
	struct scen sc;
	struct rusage ru;
	struct net *net;
	struct obs *o;
	const char *matrix = NULL, *series = NULL, *output = NULL;
	uint64_t warmup = 10 * SEC, end = 0, observe = 5 * SEC,
	    interval = 10 * SEC, t, next_progress = 0, stagger = 0;
	size_t nodes = 0, first = 0, count = 0, i, j, k, si, links = 0;
	uint8_t *peers;
	long la = -1, lb = -1;
	int ch, quiet = 0, progress = 0, rc = 0;
	double t0, lm_lo = -1, lm_hi = -1;
	char *end_p;
	FILE *out;

	memset(&meta, 0, sizeof(meta));
	memset(&nc, 0, sizeof(nc));
	memset(&sr, 0, sizeof(sr));
	memset(&hooks, 0, sizeof(hooks));
	params_default(&nc.params);
	nc.seed = 1;
	meta.topo_seed = 1;
	scen_init(&sc);
	if (wire_init() == -1)
		fatalx("wire_init");
	log_init("argosim", LOG_TO_STDERR, -1);	/* engines log every route */

	while ((ch = getopt_long(argc, argv, "m:s:n:S:T:c:e:w:d:O:i:k:j:l:p:o:q",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'm':
			matrix = optarg;
			break;
		case 's':
			series = optarg;
			break;
		case 'n':
			nodes = strtoul(optarg, &end_p, 10);
			if (*end_p != '\0' || nodes < 2 || nodes > 4000)
				fatalx("-n: 2 to 4000 nodes");
			break;
		case 'S':
			nc.seed = strtoull(optarg, &end_p, 0);
			if (*end_p != '\0')
				fatalx("-S: a number");
			break;
		case 'T':
			meta.topo_seed = strtoull(optarg, &end_p, 0);
			if (*end_p != '\0')
				fatalx("-T: a number");
			break;
		case 'c':
			if (scen_load(&sc, optarg) == -1)
				exit(1);
			break;
		case 'e':
			if (scen_parse_line(&sc, optarg, "-e") == -1)
				exit(1);
			break;
		case 'w':
			if (scen_duration(optarg, SEC, &warmup) == -1)
				fatalx("-w: a duration");
			break;
		case 'd':
			if (scen_duration(optarg, SEC, &end) == -1)
				fatalx("-d: a duration");
			break;
		case 'O':
			if (scen_duration(optarg, SEC, &observe) == -1)
				fatalx("-O: a duration");
			break;
		case 'i':
			if (scen_duration(optarg, SEC, &interval) == -1 ||
			    interval == 0)
				fatalx("-i: a duration");
			break;
		case 'k':
			first = strtoul(optarg, &end_p, 10);
			if (*end_p == ':')
				count = strtoul(end_p + 1, &end_p, 10);
			if (*end_p != '\0')
				fatalx("-k: FIRST[:COUNT]");
			break;
		case 'j':
			if (scen_duration(optarg, MSEC, &nc.jitter) == -1)
				fatalx("-j: a duration");
			break;
		case 'r':
			if (units_loose_percent(optarg, &meta.reorder_pct) == -1)
				fatalx("--reorder: a percentage");
			nc.reorder_ppm = (uint32_t)(meta.reorder_pct * 10000 +
			    0.5);
			break;
		case 'l':
			if (units_loose_percent(optarg, &meta.loss_pct) == -1)
				fatalx("-l: a percentage");
			nc.loss_ppm = (uint32_t)(meta.loss_pct * 10000 + 0.5);
			break;
		case 'p':
			if (set_param(&nc.params, optarg) == -1)
				exit(1);
			break;
		case 'o':
			output = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'P':
			meta.perf = 1;
			break;
		case 'v':
			progress = 1;
			break;
		case 'g':
			if (scen_duration(optarg, SEC, &stagger) == -1)
				fatalx("--stagger: a duration");
			break;
		case 'a':
			nc.anycast = strtoul(optarg, &end_p, 10);
			if (*end_p != '\0' || nc.anycast == 0)
				fatalx("--anycast: a number of egresses, 1 or "
				    "more");
			break;
		case 't':
			if (strncmp(optarg, "smart", 5) == 0 &&
			    optarg[5] == '\0')
				nc.anycast_tiers = TIER_SMART;
			else if (strncmp(optarg, "regional", 8) == 0 &&
			    (optarg[8] == '\0' || optarg[8] == ':')) {
				nc.anycast_tiers = TIER_REGIONAL;
				nc.anycast_k = 3;
				if (optarg[8] == ':') {
					nc.anycast_k = (unsigned)strtoul(
					    optarg + 9, &end_p, 10);
					if (*end_p != '\0' || optarg[9] == '\0' ||
					    nc.anycast_k == 0 ||
					    nc.anycast_k > TIERQ_K_MAX)
						fatalx("--tiers regional:K: K "
						    "from 1 to %d", TIERQ_K_MAX);
				}
			} else
				fatalx("--tiers: smart or regional[:K]");
			break;
		case 'L':
			lm_lo = strtod(optarg, &end_p);
			if (*end_p == ':')
				lm_hi = strtod(end_p + 1, &end_p);
			if (*end_p != '\0' || !(lm_lo >= 0) ||
			    !(lm_hi >= lm_lo))
				fatalx("--lastmile: LO:HI in ms, 0 <= LO <= HI");
			break;
		default:
			usage();
		}
	}
	if ((lm_lo >= 0 || nc.anycast_tiers != TIER_SMART) &&
	    nc.anycast == 0)
		fatalx("--tiers and --lastmile apply to the anycast origin: "
		    "give --anycast K");
	if (optind != argc || (matrix != NULL) + (series != NULL) +
	    (nodes != 0) != 1)
		usage();
	scen_sort(&sc);

	/* The input. */
	if (matrix != NULL) {
		if (matrix_load_csv(&m, matrix) == -1)
			exit(1);
		meta.input_kind = "csv";
		meta.input = matrix;
	} else if (series != NULL) {
		if (series_load(&sr, series) == -1)
			exit(1);
		if (first >= sr.nsnap)
			fatalx("-k: %zu snapshots in %s", sr.nsnap, series);
		if (count == 0 || first + count > sr.nsnap)
			count = sr.nsnap - first;
		matrix_init(&m, sr.n);
		for (i = 0; i < sr.n; i++)
			snprintf(m.names[i], sizeof(m.names[i]), "h%02zu", i);
		series_snapshot(&sr, first, &m);
		meta.input_kind = "series";
		meta.input = series;
		meta.snapshots = count;
		meta.snapshot_s = (double)interval / 1e9;
	} else {
		matrix_synth(&m, nodes, meta.topo_seed);
		meta.input_kind = "synthetic";
		meta.input = "globe";
	}
	peers = xcalloc(m.n * m.n, 1);
	for (i = 0; i < m.n; i++)
		for (j = 0; j < m.n; j++) {
			if (i == j)
				continue;
			if (series != NULL)
				peers[i * m.n + j] = series_ever(&sr, i, j) ||
				    series_ever(&sr, j, i);
			else
				peers[i * m.n + j] = matrix_get(&m, i, j) >= 0 ||
				    matrix_get(&m, j, i) >= 0;
			if (peers[i * m.n + j] && i < j)
				links++;
		}
	nc.peers = peers;
	meta.nodes = m.n;
	meta.links = links;
	meta.seed = nc.seed;
	meta.params = nc.params;
	meta.jitter_ms = (double)nc.jitter / 1e6;
	meta.warmup = warmup;

	/* The end: an explicit time, or everything plus the observation. */
	if (end == 0) {
		end = warmup;
		if (sc.n > 0 && sc.ev[sc.n - 1].at > end)
			end = sc.ev[sc.n - 1].at;
		if (series != NULL && warmup + (count - 1) * interval > end)
			end = warmup + (count - 1) * interval;
		end += sc.n > 0 && sc.ev[sc.n - 1].verb == SCEN_END ? 0 :
		    series != NULL ? interval : observe;
	}
	for (i = 0; i < sc.n; i++)
		if (sc.ev[i].verb == SCEN_END && sc.ev[i].at < end)
			end = sc.ev[i].at;

	o = obs_new(m.n, nc.params.adv_hold);
	obs_hooks(o, &hooks);
	net = net_new(&m, &nc, &hooks);
	obs_attach(o, net);
	if (lm_lo >= 0)
		lastmiles(net, nc.seed, lm_lo, lm_hi);
	t0 = wall();
	obs_window(o, "start", 0);
	net_start(net, stagger);

	/* Merge the scenario and the snapshots in time order. */
	si = 0;
	k = 1;
	for (;;) {
		uint64_t te = si < sc.n ? sc.ev[si].at : NET_NONE;
		uint64_t ts = series != NULL && k < count ?
		    warmup + k * interval : NET_NONE;
		uint64_t tw = net_now(net) < warmup ? warmup : NET_NONE;

		t = te < ts ? te : ts;
		if (tw < t)
			t = tw;
		if (t > end)
			t = end;
		if (progress) {
			while (next_progress < t) {
				next_progress += 1 * SEC;
				net_run_until(net, next_progress < t ?
				    next_progress : t);
				fprintf(stderr, "argosim: %.0f s simulated, "
				    "%.1f s wall, %zu in flight\n",
				    (double)net_now(net) / 1e9, wall() - t0,
				    net_in_flight(net));
			}
		}
		net_run_until(net, t);
		if (t == end)
			break;
		if (t == tw) {
			obs_window(o, "steady", t);
			obs_arm(o, t);
		} else if (t == te) {
			if (apply(net, o, &sc.ev[si++], nc.seed, &la, &lb))
				break;
		} else {
			char label[64];

			snprintf(label, sizeof(label), "snapshot %zu",
			    first + k);
			obs_window(o, label, t);
			series_snapshot(&sr, first + k, &m);
			net_set_matrix(net, &m);
			obs_truth_changed(o, t);
			k++;
		}
	}
	obs_finish(o, net_now(net));
	if (getenv("ARGOSIM_DEBUG") != NULL)
		for (i = 0; i < net_size(net) && i < 4; i++) {
			struct engine *e = net_engine(net, i);
			struct engine_peer_info pi;

			for (j = 0; e != NULL && j < engine_npeers(e); j++) {
				engine_peer(e, j, &pi);
				fprintf(stderr, "%s -> %s: %s rtt %.2f min %.2f "
				    "adv %.2f loss %.1f\n", net_name(net, i),
				    pi.name, link_state_name(pi.state),
				    pi.rtt_ms, pi.rtt_min_ms, pi.adv_rtt_ms,
				    pi.loss_pct);
			}
		}
	meta.end = net_now(net);
	meta.wall_s = wall() - t0;
	meta.events = net_events(net);
	getrusage(RUSAGE_SELF, &ru);
	meta.maxrss_kb = ru.ru_maxrss;
	/* on a shared machine CPU time says more than wall time */
	meta.cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;

	out = stdout;
	if (output != NULL && (out = fopen(output, "w")) == NULL)
		fatal("%s", output);
	report_json(out, &meta, o);
	if (out != stdout && fclose(out) != 0) {
		log_warn("%s", output);
		rc = 1;
	}
	if (!quiet)
		report_text(stderr, &meta, o);
	net_free(net);
	obs_free(o);
	matrix_free(&m);
	series_free(&sr);
	scen_free(&sc);
	free(peers);
	return rc;
}
