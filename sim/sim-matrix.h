/*
 * Latency matrices for argosim: what the simulated links truly are.
 *
 * A matrix holds, for every ordered pair of nodes, the RTT in milliseconds
 * that a probe from the row's node to the column's node sees (row =
 * source, as in ../shared/data), or a negative value for "no link". A
 * series is a sequence of such matrices in time (seattle99).
 *
 * Readers:
 *  - CSV (aws32): a header row of names, then one row per node starting
 *    with its name; the diagonal is ignored.
 *  - TSV series (seattle99): n lines of n tab-separated values per
 *    snapshot, in seconds; 0 off the diagonal means "not measured". A gap
 *    keeps the link's previous value; a link never measured yet does not
 *    exist. Read through "gzip -dc" when the name ends in .gz.
 *  - synthetic: n PoPs placed at random on the globe, RTT from the great
 *    circle distance at two thirds of c, inflated per pair by a random
 *    route detour factor, so that some detours beat the direct path as on
 *    the real Internet.
 */
#ifndef ARGOSIM_MATRIX_H
#define ARGOSIM_MATRIX_H

#include <stddef.h>
#include <stdint.h>

#define MATRIX_NAME_MAX	31

struct matrix {
	size_t		  n;
	char		(*names)[MATRIX_NAME_MAX + 1];
	double		 *rtt;		/* n*n ms, <0 no link */
};

struct series {
	size_t		  n;
	size_t		  nsnap;
	float		 *rtt;		/* nsnap*n*n ms, filled, <0 none */
};

void	matrix_init(struct matrix *, size_t n);
void	matrix_free(struct matrix *);
double	matrix_get(const struct matrix *, size_t i, size_t j);

int	matrix_load_csv(struct matrix *, const char *path);
void	matrix_synth(struct matrix *, size_t n, uint64_t seed);

int	series_load(struct series *, const char *path);
void	series_free(struct series *);
/* Snapshot k into m (which must have the series' size). */
void	series_snapshot(const struct series *, size_t k, struct matrix *);
/* A link that exists in any snapshot. */
int	series_ever(const struct series *, size_t i, size_t j);

#endif
