/*
 * argo-linkem: a user-space link emulator for kernels without netem.
 *
 * Model. An emulated link joins two network namespaces with one TUN device
 * in each. Every packet read from one device enters the queue of the
 * direction towards the other device, where it is
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
 * the one of its head.
 *
 * Timing. One epoll loop and one timerfd armed at the earliest release time
 * of all directions, in absolute CLOCK_MONOTONIC nanoseconds. libev is not
 * used here: its epoll backend waits in whole milliseconds, rounded up,
 * which alone would add up to 1 ms to every packet. A timerfd is an
 * hrtimer; with the timer slack cut to 1 ns it wakes within tens of
 * microseconds on an idle 2-core machine.
 *
 * Control. A UNIX stream socket carries newline-delimited text commands,
 * each answered by zero or more data lines and exactly one final line
 * starting with "ok" or "error:". The protocol is versioned in the banner
 * sent on connect. Nothing a control client sends can stop the emulator
 * except `quit`.
 */

#include "config.h"

#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/queue.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>

#include <linux/if.h>
#include <linux/if_tun.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* Bump on any incompatible change of the control protocol. */
#define LINKEM_PROTO		1
#define STR1(x)			#x
#define STR(x)			STR1(x)
#define LINKEM_BANNER		"argo-linkem protocol " STR(LINKEM_PROTO)

#define NAME_MAX_LEN		31	/* link names */
#define NS_MAX_LEN		63	/* netns names, a file in /var/run/netns */
#define CTL_LINE_MAX		1024
#define CTL_ARGS_MAX		32
#define CTL_OUT_MAX		(1024 * 1024)	/* a slower client is cut off */
#define CTL_CLIENTS_MAX		64
#define READ_BATCH		64	/* packets per device per wakeup */
#define PKT_MAX			65536	/* TUN MTU can reach 65535 */
#define EPOLL_EVENTS		64

/* Defaults follow netem's: 1000 packets held, no rate. */
#define DEF_LIMIT		1000
#define DEF_QUEUE		100
#define MAX_LIMIT		1000000
#define MAX_DELAY_NS		(3600ULL * 1000000000ULL)
#define MAX_RATE_KBIT		1000000000ULL	/* 1 Tbit/s */

#define LATE_BUCKETS		40	/* 2^40 ns: 18 minutes */
#define NS_PER_MS		1000000ULL
#define NS_PER_S		1000000000ULL

enum src_type {
	SRC_TUN,
	SRC_TIMER,
	SRC_SIGNAL,
	SRC_LISTEN,
	SRC_CLIENT,
};

/* What an epoll event points at. */
struct src {
	enum src_type	 type;
	struct link	*link;
	int		 side;		/* SRC_TUN: 0 = A, 1 = B */
	struct client	*client;
};

struct pkt {
	uint64_t	 depart;	/* end of serialisation at the rate */
	uint64_t	 release;	/* when it leaves the link */
	size_t		 len;
	unsigned char	*data;
};

struct dirparams {
	uint64_t	 delay_ns;
	uint64_t	 jitter_ns;
	double		 loss_pct;
	uint64_t	 rate_kbit;	/* 0: no rate limit */
	unsigned int	 limit;		/* packets held in all stages */
	unsigned int	 queue;		/* packets waiting for the rate */
};

struct dir {
	struct link	*link;
	const char	*name;		/* "a2b" or "b2a" */
	int		 from, to;	/* sides: read from, write to */
	struct dirparams p;

	/* FIFO ring, ordered by release time; grows up to p.limit. */
	struct pkt	*ring;
	unsigned int	 cap, head, count;
	/*
	 * Sequence numbers of the ring head and of the first packet still
	 * being serialised at `now`: the packets waiting for the transmitter
	 * are a suffix of the FIFO because departures never decrease.
	 */
	uint64_t	 head_seq;
	uint64_t	 tx_seq;
	uint64_t	 busy_until;
	uint64_t	 last_release;
	uint64_t	 rng;

	uint64_t	 passed, passed_bytes;
	uint64_t	 lost, qdrop, downdrop, errors;
	/*
	 * How late packets left: the emulator's own error. The histogram
	 * has power-of-two buckets of nanoseconds (bucket k: below 2^(k+1)).
	 */
	uint64_t	 late_sum_ns, late_max_ns;
	uint64_t	 late_hist[LATE_BUCKETS];
};

struct link {
	char		 name[NAME_MAX_LEN + 1];
	char		 ns[2][NS_MAX_LEN + 1];
	char		 dev[2][IFNAMSIZ];
	int		 fd[2];
	int		 up;
	struct src	 src[2];
	struct dir	 dir[2];	/* dir[0] a2b, dir[1] b2a */
};

struct client {
	TAILQ_ENTRY(client) entry;
	struct src	 src;
	int		 fd;
	char		 in[CTL_LINE_MAX];
	size_t		 inlen;
	char		*out;
	size_t		 outlen, outcap;
	int		 cutoff;	/* queued too much: close at once */
	int		 discard;	/* skipping the tail of a long line */
	int		 want_out;	/* EPOLLOUT registered */
};

TAILQ_HEAD(client_list, client);

static struct link	*links;
static size_t		 nlinks;
static struct client_list clients = TAILQ_HEAD_INITIALIZER(clients);
static size_t		 nclients;
static int		 epfd = -1, timer_fd = -1, sig_fd = -1, listen_fd = -1;
static uint64_t		 timer_target = UINT64_MAX;	/* release wanted */
static uint64_t		 timer_fire;			/* timerfd set to */
static uint64_t		 wake_lat_ns = 50000;		/* EWMA, see arm_timer */
static int		 no_spin;			/* -w */
static int		 quit_requested;
static uint64_t		 seed;
static struct log_limit	 werr_limit;
static unsigned char	 pktbuf[PKT_MAX];

static struct src	 timer_src = { .type = SRC_TIMER };
static struct src	 signal_src = { .type = SRC_SIGNAL };
static struct src	 listen_src = { .type = SRC_LISTEN };

__attribute__((noreturn)) static void usage(void);

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

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

/*
 * Parameter parsing, shared by the command line and the control socket.
 * Every parser writes a reason into err and returns -1; nothing is applied
 * until all values of a request have parsed.
 */

static int
parse_duration(const char *s, uint64_t *ns, char *err, size_t errlen)
{
	char *end;
	double v, mult;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || !isfinite(v) || v < 0) {
		snprintf(err, errlen, "bad duration '%s'", s);
		return -1;
	}
	if (*end == '\0' || strcmp(end, "ms") == 0)
		mult = 1e6;
	else if (strcmp(end, "us") == 0)
		mult = 1e3;
	else if (strcmp(end, "ns") == 0)
		mult = 1;
	else if (strcmp(end, "s") == 0)
		mult = 1e9;
	else {
		snprintf(err, errlen, "bad duration unit in '%s' (use s, ms, "
		    "us or ns)", s);
		return -1;
	}
	v *= mult;
	if (v > (double)MAX_DELAY_NS) {
		snprintf(err, errlen, "duration '%s' above one hour", s);
		return -1;
	}
	*ns = (uint64_t)llround(v);
	return 0;
}

static int
parse_percent(const char *s, double *pct, char *err, size_t errlen)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || !isfinite(v) ||
	    (*end != '\0' && strcmp(end, "%") != 0) || v < 0 || v > 100) {
		snprintf(err, errlen, "bad loss '%s' (percent, 0 to 100)", s);
		return -1;
	}
	*pct = v;
	return 0;
}

static int
parse_rate(const char *s, uint64_t *kbit, char *err, size_t errlen)
{
	char *end;
	double v, mult;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || !isfinite(v) || v < 0) {
		snprintf(err, errlen, "bad rate '%s'", s);
		return -1;
	}
	if (*end == '\0' || strcasecmp(end, "kbit") == 0)
		mult = 1;
	else if (strcasecmp(end, "mbit") == 0)
		mult = 1e3;
	else if (strcasecmp(end, "gbit") == 0)
		mult = 1e6;
	else {
		snprintf(err, errlen, "bad rate unit in '%s' (use kbit, mbit "
		    "or gbit)", s);
		return -1;
	}
	v *= mult;
	if (v > (double)MAX_RATE_KBIT || (v > 0 && v < 1)) {
		snprintf(err, errlen, "rate '%s' out of range (1kbit to "
		    "1000000gbit, 0 for none)", s);
		return -1;
	}
	*kbit = (uint64_t)llround(v);
	return 0;
}

static int
parse_count(const char *s, unsigned int *n, char *err, size_t errlen)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!isdigit((unsigned char)s[0]) || *end != '\0' || errno != 0 ||
	    v < 1 || v > MAX_LIMIT) {
		snprintf(err, errlen, "bad count '%s' (1 to %d)", s, MAX_LIMIT);
		return -1;
	}
	*n = (unsigned int)v;
	return 0;
}

static int
param_set(struct dirparams *p, const char *key, const char *val, char *err,
    size_t errlen)
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

static void
param_default(struct dirparams *p)
{
	memset(p, 0, sizeof(*p));
	p->limit = DEF_LIMIT;
	p->queue = DEF_QUEUE;
}

static int
param_format(char *buf, size_t len, const struct dirparams *p)
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
static unsigned int
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

static void
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

static void
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
static double
late_quantile(const struct dir *d, double q)
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
static uint64_t
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

static void
dir_free(struct dir *d)
{
	while (d->count > 0)
		dir_pop(d);
	free(d->ring);
	d->ring = NULL;
	d->cap = 0;
}

static void
dir_reset_counters(struct dir *d)
{
	d->passed = d->passed_bytes = 0;
	d->lost = d->qdrop = d->downdrop = d->errors = 0;
	d->late_sum_ns = d->late_max_ns = 0;
	memset(d->late_hist, 0, sizeof(d->late_hist));
}

/*
 * Links: command-line syntax and device creation.
 */

static struct link *
link_find(const char *name)
{
	size_t i;

	for (i = 0; i < nlinks; i++)
		if (strcmp(links[i].name, name) == 0)
			return &links[i];
	return NULL;
}

static int
name_ok(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (len == 0 || len > max)
		return 0;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s == ',' || *s == '=' ||
		    (unsigned char)*s <= ' ')
			return 0;
	return 1;
}

/*
 * NAME:NS_A:DEV_A:NS_B:DEV_B[:KEY=VAL,...]. A key may carry a direction
 * prefix ("a2b.delay=30ms") so asymmetric links exist from the first
 * packet on, without a race against a later `set`.
 */
static int
link_parse(const char *spec, struct link *l)
{
	char *copy, *field[6], *kv, *key, *val, *save = NULL, *p;
	char err[128];
	struct dirparams dp[2];
	int nf = 0, d;

	memset(l, 0, sizeof(*l));
	copy = xstrdup(spec);
	p = copy;
	field[nf++] = p;
	while (nf < 6 && (p = strchr(p, ':')) != NULL) {
		*p++ = '\0';
		field[nf++] = p;
	}
	if (nf < 5) {
		log_warnx("link '%s': expected NAME:NS_A:DEV_A:NS_B:DEV_B"
		    "[:PARAMS]", spec);
		goto fail;
	}
	if (!name_ok(field[0], NAME_MAX_LEN)) {
		log_warnx("link '%s': bad link name '%s' (1 to %d characters, "
		    "no '/', ':', ',', '=' or blanks)", spec, field[0],
		    NAME_MAX_LEN);
		goto fail;
	}
	snprintf(l->name, sizeof(l->name), "%s", field[0]);
	for (d = 0; d < 2; d++) {
		const char *ns = field[1 + 2 * d], *dev = field[2 + 2 * d];

		if (!name_ok(ns, NS_MAX_LEN) || strcmp(ns, ".") == 0 ||
		    strcmp(ns, "..") == 0) {
			log_warnx("link %s: bad netns name '%s'", l->name, ns);
			goto fail;
		}
		if (!name_ok(dev, IFNAMSIZ - 1)) {
			log_warnx("link %s: bad device name '%s' (1 to %d "
			    "characters)", l->name, dev, IFNAMSIZ - 1);
			goto fail;
		}
		snprintf(l->ns[d], sizeof(l->ns[d]), "%s", ns);
		snprintf(l->dev[d], sizeof(l->dev[d]), "%s", dev);
	}
	if (strcmp(l->ns[0], l->ns[1]) == 0 &&
	    strcmp(l->dev[0], l->dev[1]) == 0) {
		log_warnx("link %s: both ends are %s:%s", l->name, l->ns[0],
		    l->dev[0]);
		goto fail;
	}

	param_default(&dp[0]);
	param_default(&dp[1]);
	if (nf == 6 && field[5][0] != '\0') {
		for (kv = strtok_r(field[5], ",", &save); kv != NULL;
		    kv = strtok_r(NULL, ",", &save)) {
			if ((val = strchr(kv, '=')) == NULL) {
				log_warnx("link %s: '%s' is not KEY=VALUE",
				    l->name, kv);
				goto fail;
			}
			*val++ = '\0';
			key = kv;
			d = -1;
			if (strncmp(key, "a2b.", 4) == 0) {
				d = 0;
				key += 4;
			} else if (strncmp(key, "b2a.", 4) == 0) {
				d = 1;
				key += 4;
			}
			if ((d != 1 && param_set(&dp[0], key, val, err,
			    sizeof(err)) == -1) ||
			    (d != 0 && param_set(&dp[1], key, val, err,
			    sizeof(err)) == -1)) {
				log_warnx("link %s: %s", l->name, err);
				goto fail;
			}
		}
	}
	l->fd[0] = l->fd[1] = -1;
	l->up = 1;
	for (d = 0; d < 2; d++) {
		l->dir[d].name = d == 0 ? "a2b" : "b2a";
		l->dir[d].from = d;
		l->dir[d].to = !d;
		l->dir[d].p = dp[d];
	}
	free(copy);
	return 0;
fail:
	free(copy);
	return -1;
}

/*
 * Creates the TUN device inside the namespace and brings it up. setns()
 * moves only this (single) thread, and the fd and the socket keep the
 * namespace they were created in, so everything done here stays valid once
 * we are back in the original namespace.
 */
static int
tun_open(const char *ns, const char *dev, int orig_ns)
{
	char path[PATH_MAX];
	struct ifreq ifr;
	int nsfd = -1, fd = -1, s = -1, ret = -1;

	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	if ((nsfd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			log_warnx("netns %s not found (%s does not exist; "
			    "create it with 'ip netns add %s')", ns, path, ns);
		else
			log_warn("netns %s: %s", ns, path);
		goto out;
	}
	if (setns(nsfd, CLONE_NEWNET) == -1) {
		log_warn("setns into netns %s", ns);
		goto out;
	}
	if ((fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)) ==
	    -1) {
		log_warn("/dev/net/tun (is the tun module loaded?)");
		goto back;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, TUNSETIFF, &ifr) == -1) {
		if (errno == EBUSY)
			log_warnx("netns %s: device %s already exists", ns,
			    dev);
		else
			log_warn("netns %s: TUNSETIFF %s", ns, dev);
		goto back;
	}
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("netns %s: socket", ns);
		goto back;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == -1) {
		log_warn("netns %s: SIOCGIFFLAGS %s", ns, dev);
		goto back;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) == -1) {
		log_warn("netns %s: bring %s up", ns, dev);
		goto back;
	}
	ret = fd;
back:
	if (setns(orig_ns, CLONE_NEWNET) == -1)
		fatal("setns back to the original netns");
out:
	if (s != -1)
		close(s);
	if (ret == -1 && fd != -1)
		close(fd);
	if (nsfd != -1)
		close(nsfd);
	return ret;
}

static int
links_open(void)
{
	struct epoll_event ev;
	struct link *l;
	size_t i;
	int orig, side, d;

	if ((orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("/proc/self/ns/net");
		return -1;
	}
	for (i = 0; i < nlinks; i++) {
		l = &links[i];
		for (side = 0; side < 2; side++) {
			l->fd[side] = tun_open(l->ns[side], l->dev[side],
			    orig);
			if (l->fd[side] == -1) {
				log_warnx("link %s: cannot create %s:%s",
				    l->name, l->ns[side], l->dev[side]);
				close(orig);
				return -1;
			}
			l->src[side].type = SRC_TUN;
			l->src[side].link = l;
			l->src[side].side = side;
			memset(&ev, 0, sizeof(ev));
			ev.events = EPOLLIN;
			ev.data.ptr = &l->src[side];
			if (epoll_ctl(epfd, EPOLL_CTL_ADD, l->fd[side], &ev)
			    == -1) {
				log_warn("epoll_ctl");
				close(orig);
				return -1;
			}
		}
		for (d = 0; d < 2; d++) {
			l->dir[d].link = l;
			l->dir[d].rng = seed ^
			    ((uint64_t)(2 * i + d + 1) * 0xd1342543de82ef95ULL);
			rng_next(&l->dir[d].rng);
		}
		log_debug("link %s: %s:%s <-> %s:%s", l->name, l->ns[0],
		    l->dev[0], l->ns[1], l->dev[1]);
	}
	close(orig);
	return 0;
}

static void
tun_read(struct link *l, int side)
{
	struct dir *d = &l->dir[side];	/* a2b reads side 0 */
	ssize_t n;
	int i;

	for (i = 0; i < READ_BATCH; i++) {
		n = read(l->fd[side], pktbuf, sizeof(pktbuf));
		if (n > 0) {
			dir_enqueue(d, pktbuf, (size_t)n, mono_ns());
			continue;
		}
		if (n == 0 || errno == EAGAIN || errno == EINTR)
			return;
		/*
		 * EBADFD: the namespace was deleted and took the device
		 * with it. The fd stays readable for ever, so stop polling
		 * it or the loop would spin.
		 */
		log_warn("link %s: read %s:%s, no longer polled", l->name,
		    l->ns[side], l->dev[side]);
		epoll_ctl(epfd, EPOLL_CTL_DEL, l->fd[side], NULL);
		return;
	}
}

/*
 * Control socket.
 */

static void client_close(struct client *);

static void
client_update_events(struct client *c)
{
	struct epoll_event ev;
	int want = c->outlen > 0;

	if (want == c->want_out)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | (want ? EPOLLOUT : 0);
	ev.data.ptr = &c->src;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->want_out = want;
}

/* Returns -1 when the client is gone. */
static int
client_flush(struct client *c)
{
	ssize_t n;

	if (c->cutoff) {
		log_warnx("control: client does not read its replies, "
		    "closing it");
		client_close(c);
		return -1;
	}
	while (c->outlen > 0) {
		n = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				break;
			client_close(c);
			return -1;
		}
		memmove(c->out, c->out + n, c->outlen - (size_t)n);
		c->outlen -= (size_t)n;
	}
	client_update_events(c);
	return 0;
}

static void ARGO_PRINTF(2, 3)
client_printf(struct client *c, const char *fmt, ...)
{
	va_list ap;
	char line[CTL_LINE_MAX * 2];
	int n;
	size_t len, ncap;
	char *nout;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	if (c->outlen + len + 1 > CTL_OUT_MAX) {
		/* Stop queueing for a client that does not read. */
		c->cutoff = 1;
		return;
	}
	if (c->outlen + len + 1 > c->outcap) {
		ncap = c->outcap ? c->outcap : 4096;
		while (ncap < c->outlen + len + 1)
			ncap *= 2;
		if ((nout = realloc(c->out, ncap)) == NULL) {
			c->cutoff = 1;
			return;
		}
		c->out = nout;
		c->outcap = ncap;
	}
	memcpy(c->out + c->outlen, line, len);
	c->outlen += len;
	c->out[c->outlen++] = '\n';
}

static void
show_dir(struct client *c, struct dir *d, uint64_t now)
{
	struct link *l = d->link;
	char params[256];

	param_format(params, sizeof(params), &d->p);
	client_printf(c, "link %s %s %s from=%s:%s to=%s:%s %s held=%u "
	    "waiting=%u passed=%" PRIu64 " bytes=%" PRIu64 " lost=%" PRIu64
	    " qdrop=%" PRIu64 " downdrop=%" PRIu64 " errors=%" PRIu64
	    " late_avg_us=%.1f late_p50_us=%.1f late_p99_us=%.1f"
	    " late_max_us=%.1f",
	    l->name, d->name, l->up ? "up" : "down",
	    l->ns[d->from], l->dev[d->from], l->ns[d->to], l->dev[d->to],
	    params, d->count, d->p.rate_kbit ? dir_waiting(d, now) : 0,
	    d->passed, d->passed_bytes, d->lost, d->qdrop, d->downdrop,
	    d->errors, d->passed ? (double)d->late_sum_ns / 1e3 /
	    (double)d->passed : 0.0, late_quantile(d, 0.5),
	    late_quantile(d, 0.99), (double)d->late_max_ns / 1e3);
}

static struct link *
ctl_link(struct client *c, const char *name)
{
	struct link *l;

	if ((l = link_find(name)) == NULL)
		client_printf(c, "error: no link '%.64s'", name);
	return l;
}

static void
cmd_show(struct client *c, int argc, char **argv)
{
	struct link *l;
	uint64_t now = mono_ns();
	size_t i;
	int lines = 0;

	if (argc == 2) {
		if ((l = ctl_link(c, argv[1])) == NULL)
			return;
		show_dir(c, &l->dir[0], now);
		show_dir(c, &l->dir[1], now);
		client_printf(c, "ok 2");
		return;
	}
	for (i = 0; i < nlinks; i++) {
		show_dir(c, &links[i].dir[0], now);
		show_dir(c, &links[i].dir[1], now);
		lines += 2;
	}
	client_printf(c, "ok %d", lines);
}

/*
 * set LINK DIR KEY VALUE [KEY VALUE ...]; "KEY=VALUE" is accepted too, so
 * the command-line syntax works here as well.
 */
static void
cmd_set(struct client *c, int argc, char **argv)
{
	struct link *l;
	struct dirparams np[2];
	char err[128], a[256], b[256], *key, *val, *eq;
	int i, d, from, to;

	if ((l = ctl_link(c, argv[1])) == NULL)
		return;
	if (strcmp(argv[2], "a2b") == 0)
		from = to = 0;
	else if (strcmp(argv[2], "b2a") == 0)
		from = to = 1;
	else if (strcmp(argv[2], "both") == 0) {
		from = 0;
		to = 1;
	} else {
		client_printf(c, "error: bad direction '%.32s' (a2b, b2a or "
		    "both)", argv[2]);
		return;
	}
	np[0] = l->dir[0].p;
	np[1] = l->dir[1].p;
	for (i = 3; i < argc; i++) {
		key = argv[i];
		if ((eq = strchr(key, '=')) != NULL) {
			*eq = '\0';
			val = eq + 1;
		} else if (i + 1 < argc)
			val = argv[++i];
		else {
			client_printf(c, "error: parameter '%.32s' without "
			    "a value", key);
			return;
		}
		for (d = from; d <= to; d++)
			if (param_set(&np[d], key, val, err, sizeof(err)) ==
			    -1) {
				client_printf(c, "error: %s", err);
				return;
			}
	}
	for (d = from; d <= to; d++)
		l->dir[d].p = np[d];
	param_format(a, sizeof(a), &l->dir[from].p);
	if (from == to)
		client_printf(c, "ok %s %s %s", l->name, l->dir[from].name, a);
	else {
		param_format(b, sizeof(b), &l->dir[to].p);
		client_printf(c, "ok %s a2b %s; b2a %s", l->name, a, b);
	}
}

static void
cmd_down(struct client *c, int argc, char **argv)
{
	struct link *l;

	if ((l = ctl_link(c, argv[1])) == NULL)
		return;
	if (l->up)
		log_info("link %s down", l->name);
	l->up = 0;
	dir_flush(&l->dir[0]);
	dir_flush(&l->dir[1]);
	client_printf(c, "ok %s down", l->name);
}

static void
cmd_up(struct client *c, int argc, char **argv)
{
	struct link *l;

	if ((l = ctl_link(c, argv[1])) == NULL)
		return;
	if (!l->up)
		log_info("link %s up", l->name);
	l->up = 1;
	client_printf(c, "ok %s up", l->name);
}

static void
cmd_reset(struct client *c, int argc, char **argv)
{
	struct link *l;
	size_t i;

	if (argc == 2) {
		if ((l = ctl_link(c, argv[1])) == NULL)
			return;
		dir_reset_counters(&l->dir[0]);
		dir_reset_counters(&l->dir[1]);
	} else
		for (i = 0; i < nlinks; i++) {
			dir_reset_counters(&links[i].dir[0]);
			dir_reset_counters(&links[i].dir[1]);
		}
	client_printf(c, "ok counters reset");
}

static void
cmd_quit(struct client *c, int argc, char **argv)
{
	quit_requested = 1;
	client_printf(c, "ok bye");
}

static void cmd_help(struct client *, int, char **);

/* Commands with their argument counts, the command word included. */
static const struct ctl_cmd {
	const char	*name;
	int		 min_args, max_args;
	void		(*fn)(struct client *, int, char **);
	const char	*usage;
} ctl_cmds[] = {
	{ "show",	1, 2,		 cmd_show,  "show [LINK]" },
	{ "set",	4, CTL_ARGS_MAX, cmd_set,
	    "set LINK a2b|b2a|both KEY VALUE ... (delay, jitter, loss, rate, "
	    "limit, queue)" },
	{ "down",	2, 2,		 cmd_down,  "down LINK" },
	{ "up",		2, 2,		 cmd_up,    "up LINK" },
	{ "reset",	1, 2,		 cmd_reset, "reset [LINK]" },
	{ "quit",	1, 1,		 cmd_quit,  "quit" },
	{ "help",	1, 1,		 cmd_help,  "help" },
};

static void
cmd_help(struct client *c, int argc, char **argv)
{
	size_t i;

	for (i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		client_printf(c, "usage: %s", ctl_cmds[i].usage);
	client_printf(c, "ok");
}

static void
ctl_dispatch(struct client *c, char *line)
{
	char *argv[CTL_ARGS_MAX + 1], *save = NULL, *tok;
	const struct ctl_cmd *cmd = NULL;
	size_t i;
	int argc = 0;

	for (tok = strtok_r(line, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		if (argc == CTL_ARGS_MAX) {
			client_printf(c, "error: too many arguments");
			return;
		}
		argv[argc++] = tok;
	}
	argv[argc] = NULL;
	if (argc == 0 || argv[0][0] == '#')
		return;		/* blank lines and comments need no reply */
	for (i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		if (strcmp(argv[0], ctl_cmds[i].name) == 0) {
			cmd = &ctl_cmds[i];
			break;
		}
	if (cmd == NULL) {
		client_printf(c, "error: unknown command '%.32s' (try help)",
		    argv[0]);
		return;
	}
	if (argc < cmd->min_args || argc > cmd->max_args) {
		client_printf(c, "error: usage: %s", cmd->usage);
		return;
	}
	log_debug("control: %s", argv[0]);
	cmd->fn(c, argc, argv);
}

static void
client_read(struct client *c)
{
	char *nl, *line;
	ssize_t n;
	size_t used;

	n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen,
	    MSG_DONTWAIT);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		client_close(c);
		return;
	}
	if (n == -1)
		return;
	c->inlen += (size_t)n;

	if (c->discard) {
		/* The rest of an overlong line, already answered. */
		if ((nl = memchr(c->in, '\n', c->inlen)) == NULL) {
			c->inlen = 0;
			return;
		}
		used = (size_t)(nl + 1 - c->in);
		memmove(c->in, nl + 1, c->inlen - used);
		c->inlen -= used;
		c->discard = 0;
	}
	line = c->in;
	while (!c->cutoff &&
	    (nl = memchr(line, '\n', c->inlen - (size_t)(line - c->in))) !=
	    NULL) {
		*nl = '\0';
		if (memchr(line, '\0', (size_t)(nl - line)) != NULL)
			client_printf(c, "error: NUL byte in command");
		else {
			if (nl > line && nl[-1] == '\r')
				nl[-1] = '\0';
			ctl_dispatch(c, line);
		}
		line = nl + 1;
	}
	used = (size_t)(line - c->in);
	memmove(c->in, line, c->inlen - used);
	c->inlen -= used;
	if (c->inlen == sizeof(c->in)) {
		client_printf(c, "error: line longer than %d bytes",
		    CTL_LINE_MAX - 1);
		c->inlen = 0;
		c->discard = 1;
	}
	client_flush(c);
}

static void
client_accept(void)
{
	struct epoll_event ev;
	struct client *c;
	int fd;

	fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("accept");
		return;
	}
	if (nclients >= CTL_CLIENTS_MAX) {
		log_warnx("control: too many clients, refusing one");
		close(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->src.type = SRC_CLIENT;
	c->src.client = c;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &c->src;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
		log_warn("epoll_ctl");
		close(fd);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&clients, c, entry);
	nclients++;
	client_printf(c, "%s", LINKEM_BANNER);
	client_flush(c);
}

static void
client_close(struct client *c)
{
	epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	TAILQ_REMOVE(&clients, c, entry);
	nclients--;
	free(c->out);
	free(c);
}

static int
ctl_listen(const char *path)
{
	struct sockaddr_un sun;
	struct epoll_event ev;
	mode_t old;
	int fd, probe;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path) >=
	    sizeof(sun.sun_path)) {
		log_warnx("%s: control socket path too long", path);
		return -1;
	}
	/* A socket file nobody answers on is left over from a crash. */
	if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("socket");
		return -1;
	}
	if (connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		log_warnx("%s: another argo-linkem is listening", path);
		close(probe);
		return -1;
	}
	close(probe);
	unlink(path);

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("socket");
		return -1;
	}
	old = umask(077);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_warn("bind %s", path);
		umask(old);
		close(fd);
		return -1;
	}
	umask(old);
	if (listen(fd, 16) == -1) {
		log_warn("listen %s", path);
		close(fd);
		unlink(path);
		return -1;
	}
	listen_src.type = SRC_LISTEN;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &listen_src;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
		log_warn("epoll_ctl");
		close(fd);
		unlink(path);
		return -1;
	}
	listen_fd = fd;
	return 0;
}

/*
 * Client mode: one connection, each command answered before the next is
 * sent, the replies printed without the banner. Exit 0 when every reply
 * was "ok", 1 on an "error:" reply, 2 when the emulator cannot be reached.
 */

#define CLIENT_TIMEOUT_MS	10000

/* Reads one line into buf; -1 on EOF, error or timeout. */
static int
client_getline(int fd, char *buf, size_t len, char *pend, size_t *npend)
{
	struct pollfd pfd;
	char *nl;
	ssize_t n;
	size_t l;

	for (;;) {
		if ((nl = memchr(pend, '\n', *npend)) != NULL) {
			l = (size_t)(nl - pend);
			if (l >= len)
				l = len - 1;
			memcpy(buf, pend, l);
			buf[l] = '\0';
			l = (size_t)(nl - pend) + 1;
			memmove(pend, pend + l, *npend - l);
			*npend -= l;
			return 0;
		}
		if (*npend == CTL_LINE_MAX * 4) {
			log_warnx("reply line too long");
			return -1;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		if ((n = poll(&pfd, 1, CLIENT_TIMEOUT_MS)) <= 0) {
			if (n == 0)
				log_warnx("no reply within %d ms",
				    CLIENT_TIMEOUT_MS);
			else
				log_warn("poll");
			return -1;
		}
		n = read(fd, pend + *npend, CTL_LINE_MAX * 4 - *npend);
		if (n <= 0) {
			if (n == 0)
				log_warnx("connection closed by argo-linkem");
			else
				log_warn("read");
			return -1;
		}
		*npend += (size_t)n;
	}
}

static int
client_main(const char *path, char **cmds, int ncmds)
{
	struct sockaddr_un sun;
	char line[CTL_LINE_MAX * 4], pend[CTL_LINE_MAX * 4];
	size_t npend = 0, len;
	int fd, i, ret = 0;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path) >=
	    sizeof(sun.sun_path)) {
		log_warnx("%s: control socket path too long", path);
		return 2;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("socket");
		return 2;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_warn("%s", path);
		close(fd);
		return 2;
	}
	if (client_getline(fd, line, sizeof(line), pend, &npend) == -1)
		goto broken;
	if (strncmp(line, "argo-linkem protocol ", 21) != 0 ||
	    atoi(line + 21) != LINKEM_PROTO) {
		log_warnx("%s: unexpected banner '%s' (want '%s')", path,
		    line, LINKEM_BANNER);
		goto broken;
	}
	for (i = 0; i < ncmds && ret == 0; i++) {
		len = strlen(cmds[i]);
		if (len == 0 || len >= CTL_LINE_MAX || strchr(cmds[i], '\n') ||
		    strspn(cmds[i], " \t") == len || cmds[i][0] == '#') {
			log_warnx("bad command '%s' (one non-empty line "
			    "please)", cmds[i]);
			close(fd);
			return 1;
		}
		if (send(fd, cmds[i], len, MSG_NOSIGNAL) != (ssize_t)len ||
		    send(fd, "\n", 1, MSG_NOSIGNAL) != 1) {
			log_warn("send");
			goto broken;
		}
		for (;;) {
			if (client_getline(fd, line, sizeof(line), pend,
			    &npend) == -1)
				goto broken;
			printf("%s\n", line);
			if (strncmp(line, "error:", 6) == 0) {
				ret = 1;
				break;
			}
			if (strcmp(line, "ok") == 0 ||
			    strncmp(line, "ok ", 3) == 0)
				break;
		}
	}
	fflush(stdout);
	close(fd);
	return ret;
broken:
	fflush(stdout);
	close(fd);
	return 2;
}

/*
 * Daemon.
 */

static int
write_pidfile(const char *path)
{
	char tmp[PATH_MAX];
	FILE *f;

	/* Written whole and renamed, so a reader never sees half a pid. */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		log_warnx("%s: path too long", path);
		return -1;
	}
	if ((f = fopen(tmp, "w")) == NULL) {
		log_warn("%s", tmp);
		return -1;
	}
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) != 0 || rename(tmp, path) == -1) {
		log_warn("%s", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

/*
 * Waking from epoll_wait() takes time: on a 2-vCPU KVM guest the median
 * packet left 33-65 us late (the late_p50_us bucket of `show`), about what
 * clock_nanosleep() shows there. So the timer is armed early by a running
 * estimate of that wake-up latency and the few microseconds left, if any,
 * are spun away in timer_expired(): the median fell to 4-8 us. The spin is
 * bounded, so a wrong estimate costs some CPU, never accuracy.
 */
#define SPIN_MAX_NS	250000ULL

static void
arm_timer(uint64_t next)
{
	struct itimerspec its;
	uint64_t fire;

	if (next == timer_target)
		return;
	memset(&its, 0, sizeof(its));
	fire = next;
	if (next != UINT64_MAX) {
		if (!no_spin && fire > wake_lat_ns)
			fire -= wake_lat_ns;
		its.it_value.tv_sec = (time_t)(fire / NS_PER_S);
		its.it_value.tv_nsec = (long)(fire % NS_PER_S);
		if (fire == 0)
			its.it_value.tv_nsec = 1;	/* 0 would disarm */
	}
	if (timerfd_settime(timer_fd, TFD_TIMER_ABSTIME, &its, NULL) == -1)
		fatal("timerfd_settime");
	timer_target = next;
	timer_fire = fire;
}

static void
timer_expired(void)
{
	uint64_t expirations, now, lat;

	if (read(timer_fd, &expirations, sizeof(expirations)) <= 0)
		return;
	now = mono_ns();
	lat = now > timer_fire ? now - timer_fire : 0;
	if (lat > SPIN_MAX_NS)
		lat = SPIN_MAX_NS;
	/* EWMA with gain 1/8, as TCP's srtt. */
	wake_lat_ns = wake_lat_ns - wake_lat_ns / 8 + lat / 8;
	if (!no_spin && timer_target != UINT64_MAX && timer_target > now &&
	    timer_target - now <= SPIN_MAX_NS)
		while (mono_ns() < timer_target)
			;
	timer_target = UINT64_MAX;
}

static uint64_t
release_all(void)
{
	uint64_t next = UINT64_MAX, t, now = mono_ns();
	size_t i;
	int d;

	for (i = 0; i < nlinks; i++)
		for (d = 0; d < 2; d++) {
			t = dir_release(&links[i].dir[d], now);
			if (t < next)
				next = t;
		}
	return next;
}

static void
event_loop(void)
{
	struct epoll_event evs[EPOLL_EVENTS];
	struct signalfd_siginfo si;
	struct src *s;
	int i, n;

	while (!quit_requested) {
		arm_timer(release_all());
		n = epoll_wait(epfd, evs, EPOLL_EVENTS, -1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fatal("epoll_wait");
		}
		for (i = 0; i < n; i++) {
			s = evs[i].data.ptr;
			switch (s->type) {
			case SRC_TUN:
				tun_read(s->link, s->side);
				break;
			case SRC_TIMER:
				timer_expired();
				break;
			case SRC_SIGNAL:
				if (read(sig_fd, &si, sizeof(si)) ==
				    sizeof(si)) {
					log_info("signal %u, shutting down",
					    si.ssi_signo);
					quit_requested = 1;
				}
				break;
			case SRC_LISTEN:
				client_accept();
				break;
			case SRC_CLIENT:
				/*
				 * A client is freed only by the handlers of
				 * its own fd, which has one event per batch.
				 */
				if (evs[i].events & (EPOLLIN | EPOLLHUP |
				    EPOLLERR))
					client_read(s->client);
				else if (evs[i].events & EPOLLOUT)
					client_flush(s->client);
				break;
			}
		}
	}
}

/* Lets the last replies (say, "ok bye") reach their clients. */
static void
clients_close_all(void)
{
	struct client *c;

	while ((c = TAILQ_FIRST(&clients)) != NULL) {
		if (c->outlen > 0)
			(void)send(c->fd, c->out, c->outlen,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
		client_close(c);
	}
}

/*
 * The emulator stands for the network: the programs under test, which
 * share the CPUs with it, must not delay it. Measured on a loaded 2-vCPU
 * guest: mean packet lateness 160-300 us at SCHED_OTHER, 45-60 us at
 * SCHED_FIFO. The kernel's RT throttling (95% by default) still leaves
 * the machine usable should a flood keep the emulator busy. A refusal
 * (a container without CAP_SYS_NICE) is reported, not fatal.
 */
static void
set_realtime(int prio)
{
	struct sched_param sp;

	memset(&sp, 0, sizeof(sp));
	sp.sched_priority = prio;
	if (sched_setscheduler(0, SCHED_FIFO, &sp) == -1) {
		log_warn("SCHED_FIFO priority %d, running without", prio);
		return;
	}
	/* A page fault in the packet path costs as much as a preemption. */
	if (mlockall(MCL_CURRENT | MCL_FUTURE) == -1)
		log_warn("mlockall");
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s [-dw] [-p pidfile] [-r prio] [-S seed] [-s socket] "
	    "-l link ...\n"
	    "       %s -s socket -c command [-c command ...]\n"
	    "link:  NAME:NS_A:DEV_A:NS_B:DEV_B[:KEY=VAL,...]\n"
	    "       KEY: [a2b.|b2a.]delay|jitter|loss|rate|limit|queue\n",
	    "argo-linkem", "argo-linkem");
	exit(1);
}

int
main(int argc, char *argv[])
{
	struct epoll_event ev;
	sigset_t mask;
	char **cmds = NULL, *end;
	const char *sock = NULL, *pidfile = NULL;
	int ch, verbose = 0, ncmds = 0, seeded = 0, ret = 1, rtprio = 0;
	size_t i;

	log_init("argo-linkem", LOG_TO_STDERR, 0);
	while ((ch = getopt(argc, argv, "c:dhl:p:r:S:s:w")) != -1) {
		switch (ch) {
		case 'c':
			cmds = xreallocarray(cmds, (size_t)ncmds + 1,
			    sizeof(*cmds));
			cmds[ncmds++] = optarg;
			break;
		case 'd':
			verbose++;
			break;
		case 'l':
			links = xreallocarray(links, nlinks + 1,
			    sizeof(*links));
			if (link_parse(optarg, &links[nlinks]) == -1)
				exit(1);
			if (link_find(links[nlinks].name) != NULL) {
				log_warnx("link %s given twice",
				    links[nlinks].name);
				exit(1);
			}
			nlinks++;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'r':
			rtprio = (int)strtol(optarg, &end, 10);
			if (end == optarg || *end != '\0' || rtprio < 1 ||
			    rtprio > 99) {
				log_warnx("bad priority '%s' (1 to 99)",
				    optarg);
				exit(1);
			}
			break;
		case 'S':
			errno = 0;
			seed = strtoull(optarg, &end, 0);
			if (end == optarg || *end != '\0' || errno != 0) {
				log_warnx("bad seed '%s'", optarg);
				exit(1);
			}
			seeded = 1;
			break;
		case 's':
			sock = optarg;
			break;
		case 'w':
			no_spin = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_setverbose(verbose);

	if (ncmds > 0) {
		if (sock == NULL || nlinks > 0 || pidfile != NULL) {
			log_warnx("-c takes -s and nothing else");
			usage();
		}
		ret = client_main(sock, cmds, ncmds);
		free(cmds);
		return ret;
	}
	if (nlinks == 0) {
		log_warnx("no link given");
		usage();
	}
	if (!seeded) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
		seed ^= (uint64_t)getpid() << 32;
	}
	/*
	 * The default 50 us timer slack would be a systematic delay on every
	 * packet; 1 ns asks for the hrtimer to fire when due.
	 */
	if (prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL) == -1)
		log_warn("prctl PR_SET_TIMERSLACK");
	if (rtprio > 0)
		set_realtime(rtprio);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1)
		fatal("sigprocmask");
	signal(SIGPIPE, SIG_IGN);

	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	if ((sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	if ((timer_fd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC)) == -1)
		fatal("timerfd_create");
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &signal_src;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, sig_fd, &ev) == -1)
		fatal("epoll_ctl");
	ev.data.ptr = &timer_src;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, timer_fd, &ev) == -1)
		fatal("epoll_ctl");

	/* The socket first: a second emulator on it fails before any device. */
	if (sock != NULL && ctl_listen(sock) == -1)
		goto out;
	if (links_open() == -1)
		goto out;
	if (pidfile != NULL && write_pidfile(pidfile) == -1)
		goto out;
	/* Scripts wait for this line: every device exists and is up. */
	printf("ready\n");
	fflush(stdout);
	/* Said even unasked: a run can only be repeated with its seed. */
	log_info("%zu link%s ready, seed %" PRIu64, nlinks,
	    nlinks == 1 ? "" : "s", seed);

	event_loop();
	ret = 0;
out:
	clients_close_all();
	if (listen_fd != -1) {
		close(listen_fd);
		unlink(sock);
	}
	if (pidfile != NULL && ret == 0)
		unlink(pidfile);
	/* Closing the last fd of a non-persistent TUN device removes it. */
	for (i = 0; i < nlinks; i++) {
		if (links[i].fd[0] != -1)
			close(links[i].fd[0]);
		if (links[i].fd[1] != -1)
			close(links[i].fd[1]);
		dir_free(&links[i].dir[0]);
		dir_free(&links[i].dir[1]);
	}
	free(links);
	close(timer_fd);
	close(sig_fd);
	close(epfd);
	return ret;
}
