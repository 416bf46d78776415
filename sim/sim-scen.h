/*
 * Scenarios: timed events for argosim, one per line,
 *
 *	TIME VERB ARGS...
 *
 * TIME is a number with a unit (ns, us, ms, s, m, h; none means s),
 * absolute, or relative to the previous line when it starts with "+".
 * Verbs:
 *
 *	fail-link A B		both directions drop everything
 *	restore-link A B
 *	congest A B DELAY [LOSS%]	add DELAY to the link's RTT (half
 *				each way) and LOSS% loss each way
 *	uncongest A B
 *	fail-node A		the engine is destroyed, its state lost
 *	restart-node A		a new engine with a newer boot id
 *	lastmile A COST		the origins A serves (its own, and the
 *				anycast one at an egress of it) are
 *				healthy with last-mile COST
 *	origin-down A		... fail their checks (unhealthy)
 *	origin-up A		... pass them again
 *	end			stop the run here
 *
 * A node is a name, or #INDEX. For a link, "busiest" instead of A B picks,
 * when the event fires, the link that carries the most pairs' traffic;
 * "last" picks the link named by the previous link event. "#" starts a
 * comment.
 */
#ifndef ARGOSIM_SCEN_H
#define ARGOSIM_SCEN_H

#include <stddef.h>
#include <stdint.h>

#include "sim-matrix.h"

enum scen_verb {
	SCEN_FAIL_LINK,
	SCEN_RESTORE_LINK,
	SCEN_CONGEST,
	SCEN_UNCONGEST,
	SCEN_FAIL_NODE,
	SCEN_RESTART_NODE,
	SCEN_SHIFT,
	SCEN_LASTMILE,
	SCEN_ORIGIN_DOWN,
	SCEN_ORIGIN_UP,
	SCEN_END,
};

enum scen_pick { SCEN_NAMED, SCEN_BUSIEST, SCEN_LAST };

struct scen_event {
	uint64_t	 at;		/* ns */
	enum scen_verb	 verb;
	enum scen_pick	 pick;
	char		 a[MATRIX_NAME_MAX + 2], b[MATRIX_NAME_MAX + 2];
	uint64_t	 delay;		/* ns of RTT; lastmile: its cost */
	uint32_t	 loss_ppm;
	uint32_t	 shift_ppm;	/* shift: +- this fraction */
	char		 text[160];	/* the line, for the report */
};

struct scen {
	struct scen_event *ev;
	size_t		 n;
	uint64_t	 last;		/* time of the latest line */
};

void	scen_init(struct scen *);
void	scen_free(struct scen *);
/* Parse one line; where names the source ("file:line") for errors. */
int	scen_parse_line(struct scen *, const char *line, const char *where);
int	scen_load(struct scen *, const char *path);
/* Stable sort by time. */
void	scen_sort(struct scen *);
const char *scen_verb_name(enum scen_verb);

/* "100ms", "2.5s", "1m"; plain numbers in def units. -1 on error. */
int	scen_duration(const char *, uint64_t def, uint64_t *);

#endif
