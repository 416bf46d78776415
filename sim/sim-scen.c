/*
 * Scenario parser; see sim-scen.h for the syntax.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "log.h"
#include "sim-scen.h"
#include "units.h"

static const struct {
	const char	*name;
	enum scen_verb	 verb;
	int		 nodes;		/* 1: node, 2: link */
	int		 minargs, maxargs;	/* after the nodes */
} verbs[] = {
	{ "fail-link", SCEN_FAIL_LINK, 2, 0, 0 },
	{ "restore-link", SCEN_RESTORE_LINK, 2, 0, 0 },
	{ "congest", SCEN_CONGEST, 2, 1, 2 },
	{ "uncongest", SCEN_UNCONGEST, 2, 0, 0 },
	{ "fail-node", SCEN_FAIL_NODE, 1, 0, 0 },
	{ "restart-node", SCEN_RESTART_NODE, 1, 0, 0 },
	{ "shift", SCEN_SHIFT, 0, 1, 1 },
	{ "lastmile", SCEN_LASTMILE, 1, 1, 1 },
	{ "origin-down", SCEN_ORIGIN_DOWN, 1, 0, 0 },
	{ "origin-up", SCEN_ORIGIN_UP, 1, 0, 0 },
	{ "end", SCEN_END, 0, 0, 0 },
};

void
scen_init(struct scen *s)
{
	memset(s, 0, sizeof(*s));
}

void
scen_free(struct scen *s)
{
	free(s->ev);
	memset(s, 0, sizeof(*s));
}

const char *
scen_verb_name(enum scen_verb v)
{
	size_t i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (verbs[i].verb == v)
			return verbs[i].name;
	return "?";
}

int
scen_duration(const char *s, uint64_t def, uint64_t *out)
{
	double ns;

	/* Any unit up to hours. */
	if (units_loose_duration(s, def, UINT64_MAX, &ns) != 0)
		return -1;
	return units_round(ns, out);
}

int
scen_parse_line(struct scen *s, const char *line, const char *where)
{
	char buf[512], *tok[8], *p, *save = NULL;
	struct scen_event ev;
	size_t nt = 0, i, k;
	uint64_t t;
	double loss;
	int rel;

	snprintf(buf, sizeof(buf), "%s", line);
	if ((p = strchr(buf, '#')) != NULL && (p == buf || p[-1] == ' ' ||
	    p[-1] == '\t') && !(p[1] >= '0' && p[1] <= '9'))
		*p = '\0';
	for (p = strtok_r(buf, " \t\r\n", &save); p != NULL && nt < 8;
	    p = strtok_r(NULL, " \t\r\n", &save))
		tok[nt++] = p;
	if (nt == 0)
		return 0;
	memset(&ev, 0, sizeof(ev));
	rel = tok[0][0] == '+';
	if (scen_duration(tok[0] + rel, SEC, &t) == -1) {
		log_warnx("%s: bad time \"%s\"", where, tok[0]);
		return -1;
	}
	ev.at = rel ? s->last + t : t;
	if (nt < 2) {
		log_warnx("%s: expected a verb after the time", where);
		return -1;
	}
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(tok[1], verbs[i].name) == 0)
			break;
	if (i == sizeof(verbs) / sizeof(verbs[0])) {
		log_warnx("%s: unknown verb \"%s\"", where, tok[1]);
		return -1;
	}
	ev.verb = verbs[i].verb;
	k = 2;
	if (verbs[i].nodes == 2 && nt > 2 && (strcmp(tok[2], "busiest") == 0 ||
	    strcmp(tok[2], "last") == 0)) {
		ev.pick = tok[2][0] == 'b' ? SCEN_BUSIEST : SCEN_LAST;
		k = 3;
	} else if (verbs[i].nodes > 0) {
		if (nt < 2 + (size_t)verbs[i].nodes) {
			log_warnx("%s: %s needs %d node%s", where, tok[1],
			    verbs[i].nodes, verbs[i].nodes > 1 ? "s" : "");
			return -1;
		}
		if (strlen(tok[2]) > MATRIX_NAME_MAX ||
		    (verbs[i].nodes == 2 && strlen(tok[3]) > MATRIX_NAME_MAX)) {
			log_warnx("%s: node name too long", where);
			return -1;
		}
		snprintf(ev.a, sizeof(ev.a), "%s", tok[2]);
		if (verbs[i].nodes == 2)
			snprintf(ev.b, sizeof(ev.b), "%s", tok[3]);
		k = 2 + (size_t)verbs[i].nodes;
	}
	if (nt - k < (size_t)verbs[i].minargs ||
	    nt - k > (size_t)verbs[i].maxargs) {
		log_warnx("%s: wrong number of arguments to %s", where, tok[1]);
		return -1;
	}
	if (ev.verb == SCEN_LASTMILE &&
	    scen_duration(tok[k], MSEC, &ev.delay) == -1) {
		log_warnx("%s: bad last-mile cost \"%s\"", where, tok[k]);
		return -1;
	}
	if (ev.verb == SCEN_CONGEST) {
		if (scen_duration(tok[k], MSEC, &ev.delay) == -1) {
			log_warnx("%s: bad delay \"%s\"", where, tok[k]);
			return -1;
		}
		if (nt - k == 2) {
			if (units_loose_percent(tok[k + 1], &loss) == -1) {
				log_warnx("%s: bad loss \"%s\"", where,
				    tok[k + 1]);
				return -1;
			}
			ev.loss_ppm = (uint32_t)(loss * 10000 + 0.5);
		}
	}
	if (ev.verb == SCEN_SHIFT) {
		if (units_loose_percent(tok[k], &loss) == -1 || loss >= 100) {
			log_warnx("%s: bad shift \"%s\" (a percentage below "
			    "100)", where, tok[k]);
			return -1;
		}
		ev.shift_ppm = (uint32_t)(loss * 10000 + 0.5);
	}
	/* the line as written, for the report */
	for (i = 0, p = ev.text; i < nt; i++) {
		size_t left = sizeof(ev.text) - (size_t)(p - ev.text);
		int w = snprintf(p, left, "%s%s", i ? " " : "", tok[i]);

		if (w < 0 || (size_t)w >= left)
			break;
		p += w;
	}
	s->ev = xreallocarray(s->ev, s->n + 1, sizeof(*s->ev));
	s->ev[s->n++] = ev;
	s->last = ev.at;
	return 0;
}

int
scen_load(struct scen *s, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, where[300];
	size_t cap = 0, lineno = 0;
	int rc = 0;

	if (f == NULL) {
		log_warn("%s", path);
		return -1;
	}
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%zu", path, lineno);
		if (scen_parse_line(s, line, where) == -1)
			rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}

void
scen_sort(struct scen *s)
{
	size_t i, j;

	/* insertion sort: stable, and scenarios are short */
	for (i = 1; i < s->n; i++) {
		struct scen_event x = s->ev[i];

		for (j = i; j > 0 && s->ev[j - 1].at > x.at; j--)
			s->ev[j] = s->ev[j - 1];
		s->ev[j] = x;
	}
}
