/*
 * Per-link probing state: RTT estimators, loss window and the link state
 * machine (up, congested, down). Pure computation on (now, event); the
 * engine decides when probes go out and carries them on the wire.
 *
 * Estimators, per link:
 *  - srtt: EWMA of RTT samples with gain 1/8, rttvar with gain 1/4, as in
 *    TCP's RTO estimator (RFC 6298), seeded by the first sample;
 *  - jitter: EWMA of |sample - previous sample| with gain 1/16 (RFC 3550
 *    section 6.4.1's interarrival jitter, applied to RTT), each
 *    difference clipped to max(4 * jitter, advertise MIN): a level
 *    change is not scatter;
 *  - level drop: two consecutive samples below srtt by more than
 *    max(4 * jitter, advertise MIN) move srtt and lrtt to them at once;
 *  - baseline: minimum RTT over baseline_window, kept as the minima of ten
 *    sub-windows so it forgets old minima in O(1) per sample;
 *  - lrtt: the mean of the samples since the link came up or last moved
 *    (then over the last 64), what the engine advertises once the link
 *    has settled and what corrects advertisements inside the dead band;
 *  - level shift: a raised RTT without the signs of queueing for
 *    baseline_shift becomes the baseline (shift_check() in probe.c);
 *  - loss: fraction of the last loss_window probes whose fate is known
 *    that got no answer before their deadline. A reply that comes after
 *    all takes its probe back out of the losses: it measured delay, and a
 *    sudden RTT jump past the timeout must not read as loss (which would
 *    hold the link congested until the window flushed).
 *
 * States (DESIGN.md decision 3: liveness is fast, performance is slow):
 *  - down after down_after consecutive unanswered probes, or when the
 *    engine finds the peer silent for longer than its sending schedule
 *    allows (probe_silent(), engine-nbr.c), up again on the first answer;
 *  - congested when srtt - baseline > cong_delay_enter, or when a
 *    sequential test (CUSUM, probe.c loss_test()) finds the loss rate
 *    above cong_loss_enter; back to up only after both the queueing
 *    delay and the window's loss have stayed below their exit
 *    thresholds for cong_hold.
 */
#ifndef ARGO_PROBE_H
#define ARGO_PROBE_H

#include <stdint.h>

#include "params.h"

#define PROBE_OUTSTANDING	64	/* probes in flight we remember */
#define PROBE_BASELINE_BUCKETS	10
#define PROBE_SHIFT_BUCKETS	4
#define PROBE_LRTT_N		64
#define PROBE_LOSS_MAX		1000	/* loss window limit */

struct probe_out {
	uint32_t	seq;
	uint64_t	tx;
	uint64_t	deadline;
	int		pending;
	int		excused;	/* not a loss if it expires */
	int		host_excused;	/* ... nor for loss, but a miss */
	unsigned	loss_idx;	/* where its loss was recorded */
};

struct probe_link {
	enum link_state	state;
	uint64_t	state_since;
	uint32_t	next_seq;
	struct probe_out out[PROBE_OUTSTANDING];
	unsigned	missed;		/* consecutive */
	uint64_t	next_deadline;	/* earliest pending, cached */

	int		have_rtt;
	double		srtt, rttvar, jitter, last_rtt;	/* ns */
	/*
	 * The long-term RTT: the mean of the samples so far, then an
	 * average over the last PROBE_LRTT_N (gain 1/PROBE_LRTT_N). What a
	 * link is, where srtt is what it is doing.
	 */
	double		lrtt;		/* ns */
	unsigned	lrtt_n;
	uint64_t	base_min[PROBE_BASELINE_BUCKETS];
	uint64_t	base_start;	/* start of the current bucket */
	unsigned	base_cur;
	/* minimum RTT per quarter of baseline-shift, newest at shift_cur */
	uint64_t	shift_min[PROBE_SHIFT_BUCKETS];
	uint64_t	shift_start;
	unsigned	shift_cur;
	uint64_t	shifts;		/* level shifts taken as baseline */

	uint8_t		loss_ring[PROBE_LOSS_MAX];	/* 1 = lost */
	uint32_t	loss_seq[PROBE_LOSS_MAX];	/* whose outcome */
	unsigned	loss_head, loss_n, loss_lost;
	double		loss_cusum;	/* the loss test's statistic */
	double		cusum_lost, cusum_ok;	/* its steps, as last taken */

	int		below_exit;	/* below exit thresholds ... */
	uint64_t	below_exit_since;	/* ... since then */
	uint64_t	last_seen;
	uint64_t	sent, received, late;
};

void	probe_init(struct probe_link *, uint64_t now);
/*
 * Record a probe sent now whose answer the peer may hold for up to hold
 * (it rides the peer's next probe); returns its sequence number.
 */
uint32_t probe_sent(struct probe_link *, const struct engine_params *,
	    uint64_t now, uint64_t hold);
/* The sequence number of the latest probe sent (0 is never one). */
uint32_t probe_last_seq(const struct probe_link *);
/*
 * A reply for seq arrived at rx (kernel timestamp); the peer held the
 * probe for turnaround. Returns 1 if the link state changed, -1 if the
 * reply matches no probe we sent (dropped), 0 otherwise.
 */
int	probe_reply(struct probe_link *, const struct engine_params *,
	    uint32_t seq, uint64_t turnaround, uint64_t rx);
/*
 * The peer also received probe seq (an answer's mask): no RTT sample,
 * but not lost. Returns -1 if seq is unknown or already answered.
 */
int	probe_also(struct probe_link *, const struct engine_params *,
	    uint32_t seq);
/* The peer is silent past its schedule: down; returns 1 if it was not. */
int	probe_silent(struct probe_link *, uint64_t now);
/* Expire deadlines; returns 1 if the link state changed. */
int	probe_expire(struct probe_link *, const struct engine_params *,
	    uint64_t now);
uint64_t probe_next_deadline(const struct probe_link *);
uint64_t probe_timeout(const struct probe_link *, const struct engine_params *);

uint64_t probe_baseline(const struct probe_link *);	/* 0: unknown */
/* The link moved: the long-term RTT starts again from the latest
 * sample, worth n samples. */
void	probe_lrtt_restart(struct probe_link *, unsigned n);
/* The peer restarted: probes sent since its last answer are not losses. */
void	probe_restarted(struct probe_link *);
/*
 * This host's kernel dropped datagrams between from and to (SO_RXQ_OVFL,
 * engine_host_drops()): the answers of probes sent before to may have
 * been among them, so those probes are not link loss (DESIGN.md decision
 * 11): the pending ones are not recorded as lost when they expire, and
 * those already recorded with a deadline in the window are taken back.
 * They still count as misses, so a link that stays silent goes down.
 */
void	probe_host_dropped(struct probe_link *, uint64_t from, uint64_t to);
unsigned probe_loss_permille(const struct probe_link *);

#endif
