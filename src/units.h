/*
 * Durations, percentages, sizes and rates as people write them: parsing
 * and printing.
 *
 * Two families, because their callers want different things:
 *
 *  - exact (argod.conf(5)): "I" or "I.F" with a unit, taken as a whole
 *    number of the stored unit or refused, never rounded, so that a
 *    printed config parses back to the same values. Errors are messages
 *    for "file:line: stmt: \"value\": MESSAGE"; NULL means success.
 *
 *  - loose (argosim's options and scenarios, argo-linkem's parameters):
 *    anything strtod(3) reads, then an optional unit, as a double in the
 *    base unit, for the caller to round or range-check. They return 0,
 *    -1 for a bad number (empty, negative, out of range, inf or nan) or
 *    -2 for an unknown unit, so a caller can word the two apart.
 *
 * Duration units are ns, us, ms, s, m and h; rates are in kbit/s.
 */
#ifndef ARGO_UNITS_H
#define ARGO_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* Exact. A percentage is stored in units of 1/scale %: scale 1 for whole
 * percent ("10%"), 10 for permille ("0.5%"). A size takes k or M (of
 * 1024) or plain bytes. */
const char	*units_duration(const char *, uint64_t *ns);
const char	*units_count(const char *, uint64_t *);
const char	*units_percent(const char *, unsigned scale, uint64_t *);
const char	*units_size(const char *, uint64_t *bytes);

/* The exact forms back, in the largest unit that keeps them whole. */
void		 units_fmt_duration(char *, size_t, uint64_t ns);
void		 units_fmt_percent(char *, size_t, uint64_t, unsigned scale);
void		 units_fmt_size(char *, size_t, uint64_t bytes);

/* Loose. A bare number is in units of def (ns per unit); units above
 * maxunit (ns) are unknown: argo-linkem stops at seconds. */
int		 units_loose_duration(const char *, uint64_t def,
		    uint64_t maxunit, double *ns);
/* 0 to 100, with or without "%". */
int		 units_loose_percent(const char *, double *pct);
/* kbit, mbit or gbit in any case; a bare number is kbit/s. */
int		 units_loose_rate(const char *, double *kbit);
/* To the nearest integer, halves up; -1 if it does not fit 64 bits. */
int		 units_round(double, uint64_t *);

#endif
