/*
 * linkem-queue.c: one direction of an emulated link, the queue its packets
 * wait in and the parameters that shape it (struct dir, dir_*).
 *
 * Model. Every packet read from one device of a link enters the queue of
 * the direction towards the other device, where it is
 *   1. dropped while the link is administratively down,
 *   2. dropped with the direction's loss probability (Bernoulli, as netem),
 *   3. dropped when the direction already holds `limit` packets, or, with a
 *      rate set, when `queue` packets already wait for the transmitter,
 *   4. serialised at the rate behind the packets that wait (this is real
 *      queueing delay under load, as a router's output queue),
 *   5. held for the propagation delay plus a uniform jitter sample.
 * A packet's release time is computed once, on arrival, and clamped to be
 * no earlier than its predecessor's: a direction never reorders, so its
 * queue is a FIFO ordered by release time and the only timer it needs is
 * the one of its head (linkem.c arms one timer for the earliest head).
 */

#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "linkem.h"
#include "params.h"
#include "units.h"

/* Defaults follow netem's: 1000 packets held, no rate. */
#define DEF_LIMIT		1000
#define DEF_QUEUE		100
#define MAX_LIMIT		1000000
#define MAX_DELAY_NS		(3600ULL * 1000000000ULL)
#define MAX_RATE_KBIT		1000000000ULL	/* 1 Tbit/s */

static struct log_limit	 werr_limit;

/*
 * splitmix64: tiny, passes BigCrush, and one 64-bit state per direction
 * keeps a direction's drops independent of the traffic on other links, so
 * a seed reproduces the same drop pattern for the same packet sequence.
 */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z;

	z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1) with 53 bits. */
static double
rng_unit(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

/* The direction's own generator, from a state linkem.c derives per link. */
void
dir_seed(struct dir *d, uint64_t state)
{
	d->rng = state;
	rng_next(&d->rng);
}

/*
 * Parameter parsing, shared by the command line and the control socket.
 * The numbers and units are units.c's loose forms (a bare duration is in
 * ms, nothing above seconds); the ranges and messages are argo-linkem's.
 * Every parser writes a reason into err and returns -1; nothing is applied
 * until all values of a request have parsed.
 */

static int
parse_duration(const char *s, uint64_t *ns, char *err, size_t errlen)
{
	double v;

	switch (units_loose_duration(s, MSEC, SEC, &v)) {
	case -1:
		snprintf(err, errlen, "bad duration '%s'", s);
		return -1;
	case -2:
		snprintf(err, errlen, "bad duration unit in '%s' (use s, ms, "
		    "us or ns)", s);
		return -1;
	}
	if (v > (double)MAX_DELAY_NS) {
		snprintf(err, errlen, "duration '%s' above one hour", s);
		return -1;
	}
	return units_round(v, ns);
}

static int
parse_percent(const char *s, double *pct, char *err, size_t errlen)
{
	double v;

	if (units_loose_percent(s, &v) == -1) {
		snprintf(err, errlen, "bad loss '%s' (percent, 0 to 100)", s);
		return -1;
	}
	*pct = v;
	return 0;
}

static int
parse_rate(const char *s, uint64_t *kbit, char *err, size_t errlen)
{
	double v;

	switch (units_loose_rate(s, &v)) {
	case -1:
		snprintf(err, errlen, "bad rate '%s'", s);
		return -1;
	case -2:
		snprintf(err, errlen, "bad rate unit in '%s' (use kbit, mbit "
		    "or gbit)", s);
		return -1;
	}
	if (v > (double)MAX_RATE_KBIT || (v > 0 && v < 1)) {
		snprintf(err, errlen, "rate '%s' out of range (1kbit to "
		    "1000000gbit, 0 for none)", s);
		return -1;
	}
	return units_round(v, kbit);
}

static int
parse_count(const char *s, unsigned int *n, char *err, size_t errlen)
{
	uint64_t v;

	if (units_count(s, &v) != NULL || v < 1 || v > MAX_LIMIT) {
		snprintf(err, errlen, "bad count '%s' (1 to %d)", s, MAX_LIMIT);
		return -1;
	}
	*n = (unsigned int)v;
	return 0;
}

int
dir_param_set(struct dirparams *p, const char *key, const char *val,
    char *err, size_t errlen)
{
	if (strcmp(key, "delay") == 0)
		return parse_duration(val, &p->delay_ns, err, errlen);
	if (strcmp(key, "jitter") == 0)
		return parse_duration(val, &p->jitter_ns, err, errlen);
	if (strcmp(key, "loss") == 0)
		return parse_percent(val, &p->loss_pct, err, errlen);
	if (strcmp(key, "rate") == 0)
		return parse_rate(val, &p->rate_kbit, err, errlen);
	if (strcmp(key, "limit") == 0)
		return parse_count(val, &p->limit, err, errlen);
	if (strcmp(key, "queue") == 0)
		return parse_count(val, &p->queue, err, errlen);
	snprintf(err, errlen, "unknown parameter '%s' (delay, jitter, loss, "
	    "rate, limit, queue)", key);
	return -1;
}

void
dir_param_default(struct dirparams *p)
{
	memset(p, 0, sizeof(*p));
	p->limit = DEF_LIMIT;
	p->queue = DEF_QUEUE;
}

int
dir_param_format(char *buf, size_t len, const struct dirparams *p)
{
	return snprintf(buf, len, "delay=%.3fms jitter=%.3fms loss=%.3f%% "
	    "rate=%" PRIu64 " limit=%u queue=%u",
	    (double)p->delay_ns / 1e6, (double)p->jitter_ns / 1e6,
	    p->loss_pct, p->rate_kbit, p->limit, p->queue);
}

/*
 * Direction queues.
 */

static struct pkt *
dir_at(struct dir *d, uint64_t seq)
{
	return &d->ring[(d->head + (seq - d->head_seq)) % d->cap];
}

/* Packets whose serialisation has not ended at `now`. */
unsigned int
dir_waiting(struct dir *d, uint64_t now)
{
	uint64_t tail = d->head_seq + d->count;

	if (d->tx_seq < d->head_seq)
		d->tx_seq = d->head_seq;
	while (d->tx_seq < tail && dir_at(d, d->tx_seq)->depart <= now)
		d->tx_seq++;
	return (unsigned int)(tail - d->tx_seq);
}

static int
dir_grow(struct dir *d)
{
	struct pkt *ring;
	unsigned int i, ncap;

	ncap = d->cap ? d->cap * 2 : 16;
	if (ncap > d->p.limit)
		ncap = d->p.limit;
	if (ncap <= d->cap)
		return -1;
	ring = calloc(ncap, sizeof(*ring));
	if (ring == NULL)
		return -1;
	for (i = 0; i < d->count; i++)
		ring[i] = d->ring[(d->head + i) % d->cap];
	free(d->ring);
	d->ring = ring;
	d->cap = ncap;
	d->head = 0;
	return 0;
}

void
dir_enqueue(struct dir *d, const unsigned char *data, size_t len, uint64_t now)
{
	struct pkt *p;
	uint64_t depart, release, tx;
	int64_t jit;

	if (!d->link->up) {
		d->downdrop++;
		return;
	}
	if (d->p.loss_pct > 0 && rng_unit(&d->rng) * 100.0 < d->p.loss_pct) {
		d->lost++;
		return;
	}
	if (d->count >= d->p.limit ||
	    (d->p.rate_kbit > 0 && dir_waiting(d, now) >= d->p.queue)) {
		d->qdrop++;
		return;
	}
	if (d->count == d->cap && dir_grow(d) == -1) {
		d->qdrop++;
		return;
	}

	depart = now;
	if (d->p.rate_kbit > 0) {
		/* bits * 1e6 / kbit/s = ns */
		tx = (uint64_t)len * 8ULL * 1000000ULL / d->p.rate_kbit;
		if (d->busy_until > depart)
			depart = d->busy_until;
		depart += tx;
		d->busy_until = depart;
	}
	release = depart + d->p.delay_ns;
	if (d->p.jitter_ns > 0) {
		jit = (int64_t)llround((rng_unit(&d->rng) * 2.0 - 1.0) *
		    (double)d->p.jitter_ns);
		if (jit < 0 && (uint64_t)-jit > release - depart)
			release = depart;
		else
			release = (uint64_t)((int64_t)release + jit);
	}
	/* No reordering: a packet never overtakes its predecessor. */
	if (release < d->last_release)
		release = d->last_release;
	d->last_release = release;

	p = &d->ring[(d->head + d->count) % d->cap];
	p->data = malloc(len);
	if (p->data == NULL) {
		d->qdrop++;
		return;
	}
	memcpy(p->data, data, len);
	p->len = len;
	p->depart = depart;
	p->release = release;
	d->count++;
}

static void
dir_pop(struct dir *d)
{
	struct pkt *p = &d->ring[d->head];

	free(p->data);
	p->data = NULL;
	d->head = (d->head + 1) % d->cap;
	d->head_seq++;
	d->count--;
}

void
dir_flush(struct dir *d)
{
	while (d->count > 0) {
		d->downdrop++;
		dir_pop(d);
	}
	d->busy_until = 0;
}

static void
late_account(struct dir *d, uint64_t late)
{
	int k;

	d->late_sum_ns += late;
	if (late > d->late_max_ns)
		d->late_max_ns = late;
	k = 63 - __builtin_clzll(late | 1);
	if (k >= LATE_BUCKETS)
		k = LATE_BUCKETS - 1;
	d->late_hist[k]++;
}

/* Upper bound, in microseconds, of the q-quantile of the lateness. */
double
dir_late_quantile(const struct dir *d, double q)
{
	uint64_t n = 0, want;
	int k;

	for (k = 0; k < LATE_BUCKETS; k++)
		n += d->late_hist[k];
	if (n == 0)
		return 0;
	want = (uint64_t)ceil(q * (double)n);
	for (k = 0, n = 0; k < LATE_BUCKETS; k++) {
		n += d->late_hist[k];
		if (n >= want)
			break;
	}
	if (k == LATE_BUCKETS)
		k--;
	return (double)(1ULL << (k + 1)) / 1e3;
}

/* Sends what is due; returns the next release time or UINT64_MAX. */
uint64_t
dir_release(struct dir *d, uint64_t now)
{
	struct pkt *p;
	uint64_t suppressed;
	ssize_t n;

	while (d->count > 0) {
		p = &d->ring[d->head];
		if (p->release > now)
			return p->release;
		n = write(d->link->fd[d->to], p->data, p->len);
		if (n == (ssize_t)p->len) {
			d->passed++;
			d->passed_bytes += p->len;
			late_account(d, now - p->release);
		} else {
			d->errors++;
			if (log_ratelimited(&werr_limit, now, &suppressed))
				log_warn("write %s:%s (link %s, %" PRIu64
				    " similar suppressed)",
				    d->link->ns[d->to], d->link->dev[d->to],
				    d->link->name, suppressed);
		}
		dir_pop(d);
	}
	return UINT64_MAX;
}

void
dir_free(struct dir *d)
{
	while (d->count > 0)
		dir_pop(d);
	free(d->ring);
	d->ring = NULL;
	d->cap = 0;
}

void
dir_reset_counters(struct dir *d)
{
	d->passed = d->passed_bytes = 0;
	d->lost = d->qdrop = d->downdrop = d->errors = 0;
	d->late_sum_ns = d->late_max_ns = 0;
	memset(d->late_hist, 0, sizeof(d->late_hist));
}
