/*
 * Units: see units.h. The exact parsers work in integers throughout, so
 * "0.1s" is 100000000 ns and not whatever 0.1 * 1e9 comes to in binary;
 * the loose ones are strtod(3) and one multiplication, as argosim's and
 * argo-linkem's own parsers were.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "params.h"
#include "units.h"

struct unit {
	const char	*name;
	uint64_t	 mult;
};

/* Largest first: the printer takes the first that divides. */
static const struct unit durunits[] = {
	{ "h", 3600 * SEC },
	{ "m", 60 * SEC },
	{ "s", SEC },
	{ "ms", MSEC },
	{ "us", USEC },
	{ "ns", NSEC },
};

static const struct unit rateunits[] = {
	{ "kbit", 1 },
	{ "mbit", 1000 },
	{ "gbit", 1000000 },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static int
is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static uint64_t
gcd64(uint64_t a, uint64_t b)
{
	uint64_t t;

	while (b != 0) {
		t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/*
 * Parse "I" or "I.F" at the start of s, multiply by mult (the value of one
 * unit) and require an integer result. Returns NULL and sets *end to the
 * first byte after the number, or an error message.
 */
static const char *
fixed(const char *s, uint64_t mult, uint64_t *out, const char **end)
{
	uint64_t ip = 0, fp = 0, scale = 1, g, v;
	const char *q = s;

	if (!is_digit(*q))
		return "not a number";
	for (; is_digit(*q); q++) {
		if (ip > (UINT64_MAX - 9) / 10)
			return "number too large";
		ip = ip * 10 + (uint64_t)(*q - '0');
	}
	if (*q == '.') {
		q++;
		if (!is_digit(*q))
			return "not a number";
		for (; is_digit(*q); q++) {
			if (scale >= 1000000000000000000ULL)
				return "too many decimals";
			fp = fp * 10 + (uint64_t)(*q - '0');
			scale *= 10;
		}
	}
	*end = q;
	if (ip != 0 && mult > UINT64_MAX / ip)
		return "number too large";
	v = ip * mult;
	/* fp/scale * mult without overflow: cancel common factors first. */
	g = gcd64(mult, scale);
	if (fp % (scale / g) != 0)
		return "too precise";
	fp = fp / (scale / g) * (mult / g);
	if (v > UINT64_MAX - fp)
		return "number too large";
	*out = v + fp;
	return NULL;
}

const char *
units_duration(const char *s, uint64_t *ns)
{
	const char *end = s, *why;
	size_t i;

	if (!is_digit(*s))
		return "not a duration";
	/* Find the unit first: the multiplier depends on it. */
	while (is_digit(*end) || *end == '.')
		end++;
	if (*end == '\0')
		return "missing unit (ns, us, ms, s, m or h)";
	for (i = 0; i < NELEM(durunits); i++)
		if (strcmp(end, durunits[i].name) == 0)
			break;
	if (i == NELEM(durunits))
		return "unknown unit (ns, us, ms, s, m or h)";
	if ((why = fixed(s, durunits[i].mult, ns, &end)) != NULL)
		return why;
	if (strcmp(end, durunits[i].name) != 0)
		return "not a duration";
	return NULL;
}

const char *
units_count(const char *s, uint64_t *v)
{
	const char *end, *why;

	if ((why = fixed(s, 1, v, &end)) != NULL)
		return why;
	if (*end != '\0' || strchr(s, '.') != NULL)
		return "not a whole number";
	return NULL;
}

const char *
units_percent(const char *s, unsigned scale, uint64_t *v)
{
	const char *end, *why;

	why = fixed(s, scale, v, &end);
	if (why != NULL && strcmp(why, "too precise") == 0)
		return scale == 1 ? "not a whole percentage" :
		    "finer than the resolution of 0.1%";
	if (why != NULL)
		return why;
	if (*end == '\0')
		return "missing \"%\"";
	if (strcmp(end, "%") != 0)
		return "not a percentage";
	return NULL;
}

const char *
units_size(const char *s, uint64_t *bytes)
{
	const char *end, *why;
	uint64_t mult = 1;
	size_t n = strlen(s);

	if (n > 0 && (s[n - 1] == 'k' || s[n - 1] == 'K'))
		mult = 1024;
	else if (n > 0 && (s[n - 1] == 'm' || s[n - 1] == 'M'))
		mult = 1024 * 1024;
	if ((why = fixed(s, mult, bytes, &end)) == NULL &&
	    end != s + n - (mult != 1))
		why = "expected bytes, or a number with k or M";
	return why;
}

void
units_fmt_duration(char *buf, size_t len, uint64_t ns)
{
	size_t i;

	if (ns == 0) {
		snprintf(buf, len, "0s");
		return;
	}
	for (i = 0; i < NELEM(durunits); i++)
		if (ns % durunits[i].mult == 0)
			break;
	snprintf(buf, len, "%llu%s",
	    (unsigned long long)(ns / durunits[i].mult), durunits[i].name);
}

void
units_fmt_percent(char *buf, size_t len, uint64_t v, unsigned scale)
{
	if (v % scale == 0)
		snprintf(buf, len, "%llu%%", (unsigned long long)(v / scale));
	else
		snprintf(buf, len, "%llu.%llu%%",
		    (unsigned long long)(v / scale),
		    (unsigned long long)(v % scale));
}

void
units_fmt_size(char *buf, size_t len, uint64_t n)
{
	if (n != 0 && n % (1024 * 1024) == 0)
		snprintf(buf, len, "%lluM", (unsigned long long)(n /
		    (1024 * 1024)));
	else if (n != 0 && n % 1024 == 0)
		snprintf(buf, len, "%lluK", (unsigned long long)(n / 1024));
	else
		snprintf(buf, len, "%llu", (unsigned long long)n);
}

/* A number for the loose forms; *end is where its unit starts. */
static int
loose_number(const char *s, double *v, const char **end)
{
	char *e;

	errno = 0;
	*v = strtod(s, &e);
	*end = e;
	if (e == s || errno != 0 || !isfinite(*v) || *v < 0)
		return -1;
	return 0;
}

/* Multiply v by the unit named by end (def if none); -2 if unknown. */
static int
loose_unit(const struct unit *u, size_t n, int icase, const char *end,
    uint64_t def, uint64_t maxunit, double *v)
{
	size_t i;

	if (*end == '\0') {
		*v *= (double)def;
		return 0;
	}
	for (i = 0; i < n; i++)
		if (u[i].mult <= maxunit && (icase ?
		    strcasecmp(end, u[i].name) : strcmp(end, u[i].name)) == 0) {
			*v *= (double)u[i].mult;
			return 0;
		}
	return -2;
}

int
units_loose_duration(const char *s, uint64_t def, uint64_t maxunit,
    double *ns)
{
	const char *end;

	if (loose_number(s, ns, &end) == -1)
		return -1;
	return loose_unit(durunits, NELEM(durunits), 0, end, def, maxunit,
	    ns);
}

int
units_loose_percent(const char *s, double *pct)
{
	const char *end;

	if (loose_number(s, pct, &end) == -1 || *pct > 100 ||
	    (*end != '\0' && strcmp(end, "%") != 0))
		return -1;
	return 0;
}

int
units_loose_rate(const char *s, double *kbit)
{
	const char *end;

	if (loose_number(s, kbit, &end) == -1)
		return -1;
	return loose_unit(rateunits, NELEM(rateunits), 1, end, 1, UINT64_MAX,
	    kbit);
}

int
units_round(double v, uint64_t *out)
{
	double x = v + 0.5;

	/* 2^64: the first value that does not fit */
	if (!(x >= 0 && x < 18446744073709551616.0))
		return -1;
	*out = (uint64_t)x;
	return 0;
}
