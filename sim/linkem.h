/*
 * linkem.h: what the three parts of argo-linkem share; private to it.
 *
 *   linkem.c        options, the link table (-l), TUN devices, the epoll
 *                   loop and its timer (main, link_*);
 *   linkem-queue.c  one direction of a link: its delay/loss/rate queue,
 *                   its parameters and their parsing (dir_*);
 *   linkem-ctl.c    the control socket that changes links at run time,
 *                   and the -c client of it (ctl_*).
 */

#ifndef LINKEM_H
#define LINKEM_H

#include <linux/if.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define NAME_MAX_LEN		31	/* link names */
#define NS_MAX_LEN		63	/* netns names, a file in /var/run/netns */

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

struct client;

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

/* linkem.c: the links given with -l, and the end of the event loop. */
extern struct link	*links;
extern size_t		 nlinks;
extern int		 quit_requested;

struct link	*link_find(const char *);

static inline uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* linkem-queue.c */
int		 dir_param_set(struct dirparams *, const char *key,
		    const char *val, char *err, size_t errlen);
void		 dir_param_default(struct dirparams *);
int		 dir_param_format(char *, size_t, const struct dirparams *);
void		 dir_seed(struct dir *, uint64_t);
unsigned int	 dir_waiting(struct dir *, uint64_t now);
void		 dir_enqueue(struct dir *, const unsigned char *, size_t,
		    uint64_t now);
uint64_t	 dir_release(struct dir *, uint64_t now);
void		 dir_flush(struct dir *);
void		 dir_free(struct dir *);
void		 dir_reset_counters(struct dir *);
double		 dir_late_quantile(const struct dir *, double q);

/* linkem-ctl.c */
int		 ctl_listen(const char *path, int epfd);
void		 ctl_accept(void);
void		 ctl_client_event(struct client *, uint32_t events);
void		 ctl_close(const char *path);
int		 ctl_client_main(const char *path, char **cmds, int ncmds);

#endif /* LINKEM_H */
