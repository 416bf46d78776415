/*
 * The metrics page's format (src/metrics.c), without a daemon: one engine
 * with two silent peers, an origin check with a known last result, kernel
 * counters and an SPF histogram. Checks the exposition rules a scraper
 * relies on (every family declared once, HELP before TYPE before its
 * samples, samples grouped under their family, label escaping), the
 * histogram's cumulative buckets, and that unknown values are left out
 * rather than written as NaN. tests/test_metrics.sh checks live values
 * and runs promtool on real pages.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "metrics.h"
#include "tap.h"

static void
nosend(void *arg, size_t peer, const void *buf, size_t len)
{
}

static const struct engine_ops ops = { nosend, NULL, NULL, NULL, NULL };

/* The family a sample line belongs to: its name, less histogram suffixes. */
static void
sample_family(const char *line, char *fam, size_t len)
{
	size_t n = strcspn(line, "{ ");
	static const char *const suf[] = { "_bucket", "_sum", "_count" };
	size_t i, k;

	snprintf(fam, len, "%.*s", (int)n, line);
	for (i = 0; i < 3; i++) {
		k = strlen(suf[i]);
		if (strlen(fam) > k &&
		    strcmp(fam + strlen(fam) - k, suf[i]) == 0 &&
		    strncmp(fam, "argod_spf_duration_seconds",
		    strlen("argod_spf_duration_seconds")) == 0)
			fam[strlen(fam) - k] = '\0';
	}
}

/* 0 if the page keeps the grouping rules; else the line number. */
static int
check_grouping(const char *page)
{
	char fam[128] = "", got[128], seen[200][128], *dup, *line, *next;
	int nseen = 0, lineno = 0, i, help = 0;

	dup = strdup(page);
	for (line = dup; line != NULL && *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strncmp(line, "# HELP ", 7) == 0) {
			sample_family(line + 7, fam, sizeof(fam));
			for (i = 0; i < nseen; i++)
				if (strcmp(seen[i], fam) == 0)
					goto bad;
			if (nseen < 200)
				snprintf(seen[nseen++], sizeof(seen[0]), "%s",
				    fam);
			help = 1;
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			sample_family(line + 7, got, sizeof(got));
			if (!help || strcmp(got, fam) != 0)
				goto bad;
			help = 0;
			continue;
		}
		sample_family(line, got, sizeof(got));
		if (help || strcmp(got, fam) != 0)
			goto bad;
	}
	free(dup);
	return 0;
bad:
	free(dup);
	return lineno;
}

int
main(void)
{
	struct engine_conf c;
	struct engine *e;
	struct metrics_src src;
	struct metrics_hist h;
	struct metrics_origin o;
	struct lastmile lm;
	struct lastmile_conf lc = { SEC, SEC, 2, 3 };
	struct kern_stats ks;
	char *page;
	size_t len = 0;

	memset(&c, 0, sizeof(c));
	snprintf(c.name, sizeof(c.name), "ams");
	c.id = wire_node_id("ams");
	params_default(&c.p);
	c.npeers = 2;
	c.peers = calloc(2, sizeof(*c.peers));
	snprintf(c.peers[0].name, sizeof(c.peers[0].name), "fra");
	c.peers[0].id = wire_node_id("fra");
	snprintf(c.peers[1].name, sizeof(c.peers[1].name), "lhr");
	c.peers[1].id = wire_node_id("lhr");
	e = engine_new(&c, &ops, NULL, SEC, 1, 1);
	engine_run(e, SEC);

	memset(&h, 0, sizeof(h));
	metrics_hist_observe(&h, 0.00003);	/* first bucket */
	metrics_hist_observe(&h, 0.002);	/* 0.0025 */
	metrics_hist_observe(&h, 2.0);		/* +Inf only */

	lastmile_init(&lm, &lc, SEC);
	lm.has_last = 1;
	lm.checks = 7;
	lm.failed = 2;
	lm.health = LASTMILE_HEALTHY;
	memset(&lm.last, 0, sizeof(lm.last));
	lm.last.ok = 1;
	lm.last.http_status = 204;
	lm.last.dns_us = -1;
	lm.last.connect_us = 1500;
	lm.last.tls_us = -1;
	lm.last.first_byte_us = 4000;
	lm.last.total_us = 4250;
	o.origin = "web";
	o.kind = "http";
	o.lm = &lm;
	o.running = 0;

	memset(&ks, 0, sizeof(ks));
	ks.errors = 3;
	ks.replaces = 11;

	memset(&src, 0, sizeof(src));
	src.e = e;
	src.now = 11 * SEC;
	src.started = SEC;
	src.version = "1.0 \"quoted\" back\\slash\nnewline";
	src.kern = &ks;
	src.kern_dry_run = 0;
	src.origins = &o;
	src.norigins = 1;
	src.spf = &h;

	page = metrics_format(&src, &len);
	ok(page != NULL && len == strlen(page), "a page, %zu bytes", len);
	if (page == NULL)
		return done_testing();
	is_int(check_grouping(page), 0, "families declared once, samples "
	    "grouped under HELP and TYPE (0, or the first bad line)");
	ok(page[len - 1] == '\n', "the page ends with a newline");
	ok(strstr(page,
	    "version=\"1.0 \\\"quoted\\\" back\\\\slash\\nnewline\"") != NULL,
	    "label values escape \", \\ and newline");
	ok(strstr(page, "argod_uptime_seconds 10\n") != NULL, "uptime 10 s");
	ok(strstr(page, "argod_peers 2\n") != NULL, "two peers");
	ok(strstr(page, "argod_peer_state{peer=\"fra\",state=\"down\"} 1\n") !=
	    NULL && strstr(page,
	    "argod_peer_state{peer=\"fra\",state=\"up\"} 0\n") != NULL,
	    "a silent peer is down, as a one-hot state");
	ok(strstr(page, "argod_peer_rtt_seconds{") == NULL &&
	    strstr(page, "# TYPE argod_peer_rtt_seconds gauge\n") != NULL,
	    "no RTT sample before a reply, but the family is declared");
	ok(strstr(page, "NaN") == NULL && strstr(page, "nan") == NULL &&
	    strstr(page, "inf\n") == NULL, "no NaN or inf values");
	ok(strstr(page, "argod_spf_duration_seconds_bucket{le=\"0.00005\"} 1\n")
	    != NULL && strstr(page,
	    "argod_spf_duration_seconds_bucket{le=\"0.001\"} 1\n") != NULL &&
	    strstr(page,
	    "argod_spf_duration_seconds_bucket{le=\"0.0025\"} 2\n") != NULL &&
	    strstr(page,
	    "argod_spf_duration_seconds_bucket{le=\"1\"} 2\n") != NULL &&
	    strstr(page,
	    "argod_spf_duration_seconds_bucket{le=\"+Inf\"} 3\n") != NULL,
	    "histogram buckets are cumulative, +Inf holds all");
	ok(strstr(page, "argod_spf_duration_seconds_count 3\n") != NULL &&
	    strstr(page, "argod_spf_duration_seconds_sum 2.00203\n") != NULL,
	    "histogram count and sum");
	ok(strstr(page, "argod_kernel_errors_total 3\n") != NULL &&
	    strstr(page, "argod_kernel_route_replaces_total 11\n") != NULL &&
	    strstr(page, "argod_kernel_dry_run 0\n") != NULL,
	    "kernel counters");
	ok(strstr(page, "argod_origin_health{origin=\"web\","
	    "health=\"healthy\"} 1\n") != NULL, "origin health");
	ok(strstr(page, "argod_origin_check_phase_seconds{origin=\"web\","
	    "phase=\"connect\"} 0.0015\n") != NULL && strstr(page,
	    "argod_origin_check_phase_seconds{origin=\"web\","
	    "phase=\"total\"} 0.00425\n") != NULL,
	    "check phases in seconds");
	ok(strstr(page, "phase=\"tls\"") == NULL &&
	    strstr(page, "phase=\"dns\"") == NULL,
	    "phases that did not happen are left out");
	ok(strstr(page, "argod_origin_http_status{origin=\"web\"} 204\n") !=
	    NULL, "HTTP status");
	ok(strstr(page, "argod_origin_checks_failed_total{origin=\"web\"} 2\n")
	    != NULL, "failed checks");
	ok(strstr(page, "argod_tx_packets_total{type=\"probe\"} ") != NULL &&
	    strstr(page, "argod_rx_rejected_packets_total{reason=\"bad_mac\"} 0"
	    "\n") != NULL, "traffic by type, rejects by reason");
	free(page);

	/* Without kernel layer, origins or SPF timing: those are absent. */
	src.kern = NULL;
	src.norigins = 0;
	src.spf = NULL;
	page = metrics_format(&src, &len);
	ok(page != NULL && strstr(page, "argod_kernel_") == NULL &&
	    strstr(page, "argod_spf_duration") == NULL &&
	    strstr(page, "argod_origin_health{") == NULL,
	    "no kernel, SPF-time or origin samples when there are none");
	is_int(check_grouping(page), 0, "grouping without them");
	free(page);

	engine_free(e);
	engine_conf_free(&c);
	return done_testing();
}
