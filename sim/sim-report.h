/*
 * argosim's report: one JSON document (for scripts and the benchmark)
 * and a human summary. The JSON holds only simulated quantities, printed
 * with fixed precision, so the same seed gives the same bytes; wall-clock
 * figures are added only on request (--perf).
 */
#ifndef ARGOSIM_REPORT_H
#define ARGOSIM_REPORT_H

#include <stdio.h>

#include "engine.h"
#include "sim-net.h"
#include "sim-obs.h"

struct report_meta {
	const char		*input_kind;	/* csv, series, synthetic */
	const char		*input;
	size_t			 nodes, links;	/* links: configured pairs/2 */
	uint64_t		 seed, topo_seed;
	struct engine_params	 params;
	double			 jitter_ms, loss_pct, reorder_pct;
	uint64_t		 warmup, end;	/* ns */
	size_t			 snapshots;	/* replayed, series only */
	double			 snapshot_s;
	/* --perf */
	int			 perf;
	double			 wall_s;
	double			 cpu_s;		/* user + system */
	uint64_t		 events;
	long			 maxrss_kb;
};

void	report_json(FILE *, const struct report_meta *, struct obs *);
void	report_text(FILE *, const struct report_meta *, struct obs *);

#endif
