/*
 * Latency matrices: readers for the shared data sets and a synthetic
 * generator; see sim-matrix.h.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sim-matrix.h"

void
matrix_init(struct matrix *m, size_t n)
{
	size_t i;

	m->n = n;
	m->names = xcalloc(n, sizeof(*m->names));
	m->rtt = xcalloc(n * n, sizeof(*m->rtt));
	for (i = 0; i < n * n; i++)
		m->rtt[i] = -1;
}

void
matrix_free(struct matrix *m)
{
	free(m->names);
	free(m->rtt);
	memset(m, 0, sizeof(*m));
}

double
matrix_get(const struct matrix *m, size_t i, size_t j)
{
	return i == j ? -1 : m->rtt[i * m->n + j];
}

/* Split line at sep into at most max fields, in place. */
static size_t
split(char *line, int sep, char **f, size_t max)
{
	size_t n = 0;
	char *p = line, *q;

	line[strcspn(line, "\r\n")] = '\0';
	while (n < max) {
		f[n++] = p;
		if ((q = strchr(p, sep)) == NULL)
			break;
		*q = '\0';
		p = q + 1;
	}
	return n;
}

static int
number(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (end == s || errno != 0)
		return -1;
	while (*end == ' ' || *end == '\t')
		end++;
	return *end == '\0' ? 0 : -1;
}

int
matrix_load_csv(struct matrix *m, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, **fld = NULL;
	size_t cap = 0, n = 0, nf, row = 0, j, lineno = 0;
	ssize_t len;
	int rc = -1;

	if (f == NULL) {
		log_warn("%s", path);
		return -1;
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if (n == 0) {
			/* header: corner, then the names */
			fld = xreallocarray(fld, (size_t)len + 2, sizeof(*fld));
			nf = split(line, ',', fld, (size_t)len + 2);
			if (nf < 3) {
				log_warnx("%s:%zu: header needs at least two "
				    "names", path, lineno);
				goto out;
			}
			n = nf - 1;
			matrix_init(m, n);
			for (j = 0; j < n; j++) {
				if (strlen(fld[j + 1]) == 0 ||
				    strlen(fld[j + 1]) > MATRIX_NAME_MAX) {
					log_warnx("%s:%zu: bad name \"%s\"",
					    path, lineno, fld[j + 1]);
					goto out;
				}
				snprintf(m->names[j], sizeof(m->names[j]),
				    "%s", fld[j + 1]);
			}
			continue;
		}
		if (row == n) {
			log_warnx("%s:%zu: more rows than names", path, lineno);
			goto out;
		}
		fld = xreallocarray(fld, (size_t)len + 2, sizeof(*fld));
		nf = split(line, ',', fld, (size_t)len + 2);
		if (nf != n + 1 || strcmp(fld[0], m->names[row]) != 0) {
			log_warnx("%s:%zu: expected row \"%s\" with %zu values",
			    path, lineno, m->names[row], n);
			goto out;
		}
		for (j = 0; j < n; j++) {
			double v;

			if (fld[j + 1][0] == '\0') {
				m->rtt[row * n + j] = -1;	/* no link */
				continue;
			}
			if (number(fld[j + 1], &v) == -1 || v < 0) {
				log_warnx("%s:%zu: bad value \"%s\"", path,
				    lineno, fld[j + 1]);
				goto out;
			}
			/* 0 off the diagonal is "not measured", as in the
			 * series files: no path is 0 ms long */
			m->rtt[row * n + j] = row == j || v == 0 ? -1 : v;
		}
		row++;
	}
	if (n == 0 || row != n) {
		log_warnx("%s: %zu rows for %zu names", path, row, n);
		goto out;
	}
	rc = 0;
out:
	if (rc == -1 && n > 0)
		matrix_free(m);
	free(fld);
	free(line);
	fclose(f);
	return rc;
}

static uint64_t
splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
unit(uint64_t *s)
{
	return (double)(splitmix(s) >> 11) / 9007199254740992.0;
}

void
matrix_synth(struct matrix *m, size_t n, uint64_t seed)
{
	double *lat = xcalloc(n, sizeof(double)), *lng = xcalloc(n,
	    sizeof(double));
	uint64_t s = seed;
	size_t i, j;

	matrix_init(m, n);
	for (i = 0; i < n; i++) {
		snprintf(m->names[i], sizeof(m->names[i]), "pop%03zu", i);
		/* uniform on the sphere, squeezed towards populated
		 * latitudes */
		lat[i] = asin(2 * unit(&s) - 1) * 0.8;
		lng[i] = (2 * unit(&s) - 1) * M_PI;
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			double c = sin(lat[i]) * sin(lat[j]) + cos(lat[i]) *
			    cos(lat[j]) * cos(lng[i] - lng[j]), km, base;

			if (c > 1)
				c = 1;
			if (c < -1)
				c = -1;
			km = 6371.0 * acos(c);
			/* 100 km per ms of RTT in fibre; paths detour by
			 * 10 % to 100 %, skewed low; 1 ms of equipment. */
			base = km / 100.0 * (1.1 + 0.9 * pow(unit(&s), 3)) + 1;
			/* a little asymmetry, as in measured matrices */
			m->rtt[i * n + j] = round((base * (1 + 0.02 *
			    (unit(&s) - 0.5))) * 10) / 10;
			m->rtt[j * n + i] = round((base * (1 + 0.02 *
			    (unit(&s) - 0.5))) * 10) / 10;
		}
	free(lat);
	free(lng);
}

int
series_load(struct series *sr, const char *path)
{
	char *line = NULL, **fld = NULL, cmd[4200];
	size_t cap = 0, n = 0, nf, lineno = 0, row, k, j, nalloc = 0;
	ssize_t len;
	float *last = NULL;
	FILE *f;
	int rc = -1, piped = 0;

	memset(sr, 0, sizeof(*sr));
	len = (ssize_t)strlen(path);
	if (len > 3 && strcmp(path + len - 3, ".gz") == 0) {
		const char *c;
		size_t o = 0;

		/* quote for sh: '...' with ' as '\'' */
		o += (size_t)snprintf(cmd, sizeof(cmd), "gzip -dc -- '");
		for (c = path; *c != '\0' && o + 8 < sizeof(cmd); c++) {
			if (*c == '\'') {
				memcpy(cmd + o, "'\\''", 4);
				o += 4;
			} else
				cmd[o++] = *c;
		}
		cmd[o++] = '\'';
		cmd[o] = '\0';
		if ((f = popen(cmd, "r")) == NULL) {
			log_warn("popen %s", cmd);
			return -1;
		}
		piped = 1;
	} else if ((f = fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		return -1;
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		fld = xreallocarray(fld, (size_t)len + 2, sizeof(*fld));
		nf = split(line, '\t', fld, (size_t)len + 2);
		if (n == 0) {
			n = nf;
			if (n < 2) {
				log_warnx("%s:1: fewer than two columns", path);
				goto out;
			}
			sr->n = n;
			last = xcalloc(n * n, sizeof(*last));
			for (j = 0; j < n * n; j++)
				last[j] = -1;
		}
		if (nf != n) {
			log_warnx("%s:%zu: %zu columns, expected %zu", path,
			    lineno, nf, n);
			goto out;
		}
		k = (lineno - 1) / n;
		row = (lineno - 1) % n;
		if (row == 0) {
			if (k + 1 > nalloc) {
				nalloc = nalloc ? nalloc * 2 : 64;
				sr->rtt = xreallocarray(sr->rtt, nalloc * n * n,
				    sizeof(*sr->rtt));
			}
			sr->nsnap = k + 1;
		}
		for (j = 0; j < n; j++) {
			double v;

			if (number(fld[j], &v) == -1 || v < 0) {
				log_warnx("%s:%zu: bad value \"%s\"", path,
				    lineno, fld[j]);
				goto out;
			}
			/* seconds; 0 is a gap: keep what we had */
			if (j != row && v > 0)
				last[row * n + j] = (float)(v * 1000.0);
			sr->rtt[(k * n + row) * n + j] = last[row * n + j];
		}
	}
	if (n == 0 || lineno % n != 0) {
		log_warnx("%s: %zu lines is no whole number of %zux%zu "
		    "snapshots", path, lineno, n, n);
		goto out;
	}
	rc = 0;
out:
	if (piped) {
		if (pclose(f) != 0 && rc == 0) {
			log_warnx("%s: gzip failed", path);
			rc = -1;
		}
	} else
		fclose(f);
	if (rc == -1)
		series_free(sr);
	free(last);
	free(fld);
	free(line);
	return rc;
}

void
series_free(struct series *sr)
{
	free(sr->rtt);
	memset(sr, 0, sizeof(*sr));
}

void
series_snapshot(const struct series *sr, size_t k, struct matrix *m)
{
	size_t i;

	for (i = 0; i < sr->n * sr->n; i++)
		m->rtt[i] = sr->rtt[k * sr->n * sr->n + i];
	for (i = 0; i < sr->n; i++)
		m->rtt[i * sr->n + i] = -1;
}

int
series_ever(const struct series *sr, size_t i, size_t j)
{
	/* values are filled forward: the last snapshot knows */
	return i != j && sr->nsnap > 0 &&
	    sr->rtt[((sr->nsnap - 1) * sr->n + i) * sr->n + j] >= 0;
}
