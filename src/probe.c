/*
 * Per-link probing state: estimators, loss window, level shifts and the
 * link state machine. See probe.h for the model.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "probe.h"

static unsigned loss_record(struct probe_link *, const struct engine_params *, int,
    uint32_t);
static void recompute_deadline(struct probe_link *);

void
probe_init(struct probe_link *l, uint64_t now)
{
	memset(l, 0, sizeof(*l));
	l->state = LINK_DOWN;
	l->state_since = now;
	l->base_start = now;
	l->next_seq = 1;
	l->next_deadline = UINT64_MAX;
}

/*
 * Twice the smoothed RTT plus four times the jitter, within the
 * configured bounds. The ceiling gives way for a link slower than it: such
 * a link gets its smoothed RTT plus four times its variation plus the
 * floor (TCP's RTO, RFC 6298), so a slow but healthy link is neither lost
 * nor congested. With a fixed ceiling of 1 s a host 1.4-3 s away had every
 * answer count as lost, read congested from the start, and delayed the
 * databases' agreement by 14 s.
 */
uint64_t
probe_timeout(const struct probe_link *l, const struct engine_params *p)
{
	double t, rto;

	if (!l->have_rtt)
		return p->probe_timeout_max;
	t = 2 * l->srtt + 4 * l->jitter;
	if (t < (double)p->probe_timeout_min)
		return p->probe_timeout_min;
	if (t > (double)p->probe_timeout_max) {
		rto = l->srtt + 4 * l->rttvar + (double)p->probe_timeout_min;
		t = rto > (double)p->probe_timeout_max ? rto :
		    (double)p->probe_timeout_max;
	}
	return (uint64_t)t;
}

uint32_t
probe_last_seq(const struct probe_link *l)
{
	return l->next_seq == 1 ? UINT32_MAX : l->next_seq - 1;
}

uint32_t
probe_sent(struct probe_link *l, const struct engine_params *p, uint64_t now,
    uint64_t hold)
{
	struct probe_out *o;
	uint32_t seq = l->next_seq++;
	int reused;

	if (l->next_seq == 0)
		l->next_seq = 1;
	o = &l->out[seq % PROBE_OUTSTANDING];
	/*
	 * The slot still pending means a probe so old its deadline cannot
	 * have passed yet (timeout longer than 64 intervals): resolve it as
	 * lost rather than forget it.
	 */
	reused = o->pending;
	if (o->pending && !o->excused) {
		o->pending = 0;
		l->missed++;
		loss_record(l, p, 1, o->seq);
	}
	o->excused = 0;
	o->host_excused = 0;
	o->seq = seq;
	o->tx = now;
	o->deadline = now + probe_timeout(l, p) + hold;
	o->pending = 1;
	l->sent++;
	if (reused)
		recompute_deadline(l);
	else if (o->deadline < l->next_deadline)
		l->next_deadline = o->deadline;
	return seq;
}

/*
 * Is the loss rate above cong_loss_enter? A window of 100 probes cannot
 * tell 3 % from 5 %, and judged again after every probe, as a sliding
 * window must be, it errs often: with the lower end of a 99.9 % Wilson
 * interval above 5 % (12 lost of 100), 3 % of random loss read
 * congested in about one link-hour of ten (a simulation of the sliding
 * window), and argosim's 4-PoP mesh at 1.5 % each way saw 8 congested
 * links in 24 runs of 5 minutes once silence detection stopped taking
 * them down first. A sequential test is made for this (Page's CUSUM):
 * after every probe whose fate is known,
 *
 *	S = max(0, S + log(p1 / p0))			  lost
 *	S = max(0, S + log((1 - p1) / (1 - p0)))	  answered
 *
 * the log-likelihood ratio of loss at p1 = 1.6 T against p0 = 0.6 T,
 * where T is cong_loss_enter (3 % against 8 % at the default 5 %), and
 * the link is congested once S reaches LOSS_TEST_H. In simulations
 * (100 link-hours of 10 probes a second each) 3 % and 3.5 % of random
 * loss never got there (3.5 % did 22 times at 10); 8 % did after a
 * median of about 430 probes, 10 % 260, 30 % 53. A late answer takes its loss's step back. Down links do not take
 * steps (an outage is not the link's loss), and S starts again from 0
 * whenever the link changes state.
 */
#define LOSS_TEST_H	14.0

static void
loss_test(struct probe_link *l, const struct engine_params *p, int lost)
{
	double t = p->cong_loss_enter / 1000.0, p0 = 0.6 * t, p1 = 1.6 * t;

	if (t >= 1) {		/* loss can never be above it */
		l->loss_cusum = 0;
		return;
	}
	if (p1 > (1 + t) / 2)
		p1 = (1 + t) / 2;
	l->cusum_lost = log(p1 / p0);
	l->cusum_ok = log((1 - p1) / (1 - p0));
	l->loss_cusum += lost ? l->cusum_lost : l->cusum_ok;
	if (l->loss_cusum < 0)
		l->loss_cusum = 0;
}

/* Returns the ring index the outcome went to. */
static unsigned
loss_record(struct probe_link *l, const struct engine_params *p, int lost,
    uint32_t seq)
{
	unsigned win = p->loss_window, idx;

	if (win > PROBE_LOSS_MAX)
		win = PROBE_LOSS_MAX;
	if (win == 0)
		win = 1;
	while (l->loss_n >= win) {	/* full, or shrank on reload */
		unsigned tail = (l->loss_head + PROBE_LOSS_MAX - l->loss_n) %
		    PROBE_LOSS_MAX;
		l->loss_lost -= l->loss_ring[tail];
		l->loss_n--;
	}
	if (l->state != LINK_DOWN)	/* an outage is not the link's loss */
		loss_test(l, p, lost);
	idx = l->loss_head;
	l->loss_ring[idx] = (uint8_t)lost;
	l->loss_seq[idx] = seq;
	l->loss_head = (l->loss_head + 1) % PROBE_LOSS_MAX;
	l->loss_n++;
	l->loss_lost += lost;
	return idx;
}

/* A late reply: take its probe out of the losses if still in the window. */
static void
loss_unrecord(struct probe_link *l, const struct probe_out *o)
{
	unsigned age = (l->loss_head + PROBE_LOSS_MAX - 1 - o->loss_idx) %
	    PROBE_LOSS_MAX;

	if (age < l->loss_n && l->loss_seq[o->loss_idx] == o->seq &&
	    l->loss_ring[o->loss_idx] == 1) {
		l->loss_ring[o->loss_idx] = 0;
		l->loss_lost--;
		/* the test's step taken back: an answer, not a loss */
		l->loss_cusum += l->cusum_ok - l->cusum_lost;
		if (l->loss_cusum < 0)
			l->loss_cusum = 0;
	}
}

unsigned
probe_loss_permille(const struct probe_link *l)
{
	if (l->loss_n == 0)
		return 0;
	return (unsigned)((uint64_t)l->loss_lost * 1000 / l->loss_n);
}

static void
baseline_sample(struct probe_link *l, const struct engine_params *p,
    uint64_t now, uint64_t rtt)
{
	uint64_t sub = p->baseline_window / PROBE_BASELINE_BUCKETS;
	unsigned i;

	if (sub == 0)
		sub = 1;
	while (now - l->base_start >= sub) {
		/* Move to the next bucket; bound the loop after long idle. */
		if (now - l->base_start >= sub * PROBE_BASELINE_BUCKETS) {
			for (i = 0; i < PROBE_BASELINE_BUCKETS; i++)
				l->base_min[i] = 0;
			l->base_start = now;
			break;
		}
		l->base_cur = (l->base_cur + 1) % PROBE_BASELINE_BUCKETS;
		l->base_min[l->base_cur] = 0;
		l->base_start += sub;
	}
	if (l->base_min[l->base_cur] == 0 || rtt < l->base_min[l->base_cur])
		l->base_min[l->base_cur] = rtt;
}

/*
 * A level shift is a raised RTT that looks like nothing but a longer path:
 * over the last baseline-shift, the lowest RTT of each quarter stays
 * above the baseline by more than the congestion exit threshold, the
 * quarters agree with each other (no queue filling or draining), the
 * samples do not jump (jitter) and nothing is lost. Then the lowest RTT
 * of that time is the link's new baseline. Queueing shows at least one of
 * those signs; a path that changed for good shows none, and taking it for
 * congestion sent traffic onto slower detours for the whole baseline
 * window (argosim, 150 PoPs with the matrix replaced by a later
 * measurement: 976 pairs slower than direct).
 */
static void
shift_check(struct probe_link *l, const struct engine_params *p)
{
	uint64_t floor = UINT64_MAX, top = 0, base = probe_baseline(l);
	uint64_t elev, flat, calm;
	unsigned i;

	for (i = 0; i < PROBE_SHIFT_BUCKETS; i++) {
		if (l->shift_min[i] == 0)
			return;		/* a quarter without samples */
		if (l->shift_min[i] < floor)
			floor = l->shift_min[i];
		if (l->shift_min[i] > top)
			top = l->shift_min[i];
	}
	if (base == 0 || floor <= base)
		return;
	/*
	 * Flat: the quarters' minima within 3 ms (plus 1/32 of the rise),
	 * so a queue growing by more than about 0.1 ms a second is not
	 * flat. Calm: consecutive samples differ by at most 3 ms (or 1/8 of
	 * the rise) on average; a swinging queue does not pass.
	 */
	elev = floor - base;
	flat = 3 * MSEC + elev / 32;
	calm = elev / 8 > 3 * MSEC ? elev / 8 : 3 * MSEC;
	if (elev <= (uint64_t)p->cong_delay_exit * USEC || top - floor > flat ||
	    l->jitter > (double)calm ||
	    probe_loss_permille(l) >= p->cong_loss_exit)
		return;
	for (i = 0; i < PROBE_BASELINE_BUCKETS; i++)
		l->base_min[i] = 0;
	l->base_min[l->base_cur] = floor;
	l->shifts++;
}

static void
shift_sample(struct probe_link *l, const struct engine_params *p,
    uint64_t now, uint64_t rtt)
{
	uint64_t sub = p->baseline_shift / PROBE_SHIFT_BUCKETS;
	unsigned i;

	if (p->baseline_shift == 0)
		return;
	if (sub == 0)
		sub = 1;
	if (l->shift_start == 0)
		l->shift_start = now;
	while (now - l->shift_start >= sub) {
		if (now - l->shift_start >= sub * PROBE_SHIFT_BUCKETS) {
			for (i = 0; i < PROBE_SHIFT_BUCKETS; i++)
				l->shift_min[i] = 0;
			l->shift_start = now;
			break;
		}
		/* a quarter ends: judge the last four */
		shift_check(l, p);
		l->shift_cur = (l->shift_cur + 1) % PROBE_SHIFT_BUCKETS;
		l->shift_min[l->shift_cur] = 0;
		l->shift_start += sub;
	}
	if (l->shift_min[l->shift_cur] == 0 || rtt < l->shift_min[l->shift_cur])
		l->shift_min[l->shift_cur] = rtt;
}

void
probe_lrtt_restart(struct probe_link *l, unsigned n)
{
	l->lrtt = l->last_rtt;
	l->lrtt_n = n < 1 ? 1 : n > PROBE_LRTT_N ? PROBE_LRTT_N : n;
}

uint64_t
probe_baseline(const struct probe_link *l)
{
	uint64_t m = 0;
	unsigned i;

	for (i = 0; i < PROBE_BASELINE_BUCKETS; i++)
		if (l->base_min[i] != 0 && (m == 0 || l->base_min[i] < m))
			m = l->base_min[i];
	return m;
}

static int
set_state(struct probe_link *l, enum link_state s, uint64_t now)
{
	if (l->state == s)
		return 0;
	l->state = s;
	l->state_since = now;
	l->below_exit = 0;
	l->loss_cusum = 0;
	return 1;
}

static unsigned
loss_min_samples(const struct engine_params *p)
{
	unsigned n = p->loss_window / 4;

	return n < 1 ? 1 : n;
}

/* Congestion evaluation after every resolved probe. */
static int
evaluate(struct probe_link *l, const struct engine_params *p, uint64_t now)
{
	uint64_t base = probe_baseline(l);
	double qdelay_us = 0;
	unsigned loss = probe_loss_permille(l);
	int enter, below;

	if (l->state == LINK_DOWN)
		return 0;
	/*
	 * Queueing shows in every sample; a path that got shorter shows a
	 * new minimum at once while srtt still remembers the old path
	 * (argosim on seattle99: a drop from 100 to 40 ms read as 52 ms of
	 * queueing and kept the faster link "congested" for 6 s). Queueing
	 * is what both the average and the latest sample agree on.
	 */
	if (l->have_rtt && base != 0 && l->srtt > (double)base &&
	    l->last_rtt > (double)base)
		qdelay_us = ((l->srtt < l->last_rtt ? l->srtt : l->last_rtt) -
		    (double)base) / 1000.0;
	/*
	 * A loss rate over a handful of probes is noise: one lost probe of
	 * three is not 33 % loss. Loss counts once a quarter of the window
	 * is filled.
	 */
	if (l->loss_n < loss_min_samples(p))
		loss = 0;
	/*
	 * Entering takes the loss test (loss_test()); leaving takes the
	 * window's plain rate below the exit one, for cong_hold.
	 */
	enter = qdelay_us > p->cong_delay_enter ||
	    l->loss_cusum >= LOSS_TEST_H;
	below = qdelay_us < p->cong_delay_exit && loss < p->cong_loss_exit;
	if (l->state == LINK_UP)
		return enter ? set_state(l, LINK_CONGESTED, now) : 0;
	/* LINK_CONGESTED */
	if (!below) {
		l->below_exit = 0;
		return 0;
	}
	if (!l->below_exit) {
		l->below_exit = 1;
		l->below_exit_since = now;
	}
	if (now - l->below_exit_since >= p->cong_hold)
		return set_state(l, LINK_UP, now);
	return 0;
}

/*
 * An answer for o arrived: it is no longer outstanding, and if its
 * deadline had passed it is taken back out of the losses. Returns
 * whether it was still pending.
 */
static int
resolve(struct probe_link *l, const struct engine_params *p,
    struct probe_out *o)
{
	int was_pending = o->pending;

	o->pending = 0;
	if (was_pending && o->deadline == l->next_deadline) {
		o->deadline = 0;
		recompute_deadline(l);
	}
	o->deadline = 0;
	l->received++;
	l->missed = 0;
	if (was_pending)
		loss_record(l, p, 0, o->seq);
	else {
		l->late++;	/* counted lost at its deadline: undo */
		loss_unrecord(l, o);
	}
	return was_pending;
}

int
probe_also(struct probe_link *l, const struct engine_params *p, uint32_t seq)
{
	struct probe_out *o = &l->out[seq % PROBE_OUTSTANDING];

	if (o->seq != seq || (!o->pending && o->deadline == 0))
		return -1;	/* unknown or already answered */
	if (l->state == LINK_DOWN)
		return 0;	/* only a timed answer brings a link up */
	resolve(l, p, o);
	return 0;
}

/*
 * What a sample says about jitter: its difference from the previous one,
 * but no more than four times the jitter so far or advertise's MIN. A
 * larger difference is the path changing level, not scatter around it,
 * and letting it in made the jitter of a link that changes level now and
 * then (an idle link sees one sample in five straddle a change on
 * seattle99) grow until the noise floor of advertisements
 * (engine-nbr.c, rtt_noise()) hid changes of 30 ms and more: routes kept
 * using detours slower than direct paths that had become faster
 * (argosim, seattle99: 400 pairs, up to 75 ms). A tenth of the RTT as
 * the floor still let long links reach 7 to 13 ms of jitter there and
 * hide 10 to 57 ms. Real jitter still grows the estimate by up to a fifth
 * a sample once it is above a quarter of MIN (0.5 ms by default), so a
 * link that turns noisy is followed within a few seconds at the fast
 * rate (from nothing to 20 ms in 25 samples).
 */
static double
scatter_bound(const struct probe_link *l, const struct engine_params *p)
{
	double cap = 4 * l->jitter;

	if (cap < (double)p->adv_rtt_min * 1000)
		cap = (double)p->adv_rtt_min * 1000;
	return cap;
}

/* cap: scatter_bound() */
static double
jitter_sample(const struct probe_link *l, double rtt, double cap)
{
	double d = fabs(rtt - l->last_rtt);

	return d < cap ? d : cap;
}

/*
 * The path got shorter: this sample and the one before are both below
 * srtt by more than four times the jitter and by more than advertise's
 * MIN (a smaller change is never worth saying). Delay noise only adds to
 * the path's RTT, so two samples that low are a new level, not luck:
 * srtt goes to the higher of them at once instead of taking several
 * samples to come down, and the long-term mean starts again there, not
 * from samples of the old level. On an idle link (one sample in 2 s,
 * each weighing two thirds) srtt needed about 6 s to follow a drop, the
 * advertisement two samples more, and the long-term mean that corrects
 * advertisements (engine-nbr.c, adv_drift()) kept samples of the old
 * level for a minute; meanwhile the direct path looked slower than it
 * was and detours won against it (argosim, seattle99: most of the pairs
 * slower than direct at a snapshot's end, by up to 40 ms). A rise is
 * left to the EWMA: it may be a queue, and queues come in bursts.
 * Returns 0 for no drop.
 */
static double
level_drop(const struct probe_link *l, double rtt, double cap)
{
	double hi;

	hi = rtt > l->last_rtt ? rtt : l->last_rtt;
	return hi < l->srtt - cap ? hi : 0;
}

int
probe_reply(struct probe_link *l, const struct engine_params *p, uint32_t seq,
    uint64_t turnaround, uint64_t rx)
{
	struct probe_out *o = &l->out[seq % PROBE_OUTSTANDING];
	uint64_t rtt;
	double d, drop, steps, cap;
	unsigned i;
	int changed = 0;

	if (o->seq != seq || rx < o->tx)
		return -1;
	if (!o->pending && o->deadline == 0)
		return -1;	/* duplicate reply */
	resolve(l, p, o);
	rtt = rx - o->tx;
	rtt = turnaround < rtt ? rtt - turnaround : 1;
	/*
	 * The estimators' memory is kept in time, not in samples: a link
	 * probed at the idle interval (engine.c, adaptive probing) gets one
	 * sample where a busy link gets ten, and with a fixed gain of 1/8
	 * it would take eighty seconds to follow a change. Each sample
	 * weighs as much as the samples probe_interval would have taken in
	 * the time since the previous one (rounded: jitter and a changing
	 * RTT leave regular probing at exactly 1/8), up to eight: what a
	 * sample weighs then, two thirds, makes srtt nearly as noisy as the
	 * samples, which the engine allows for when it decides what to
	 * advertise (engine-nbr.c, rtt_noise()).
	 */
	steps = 1;
	if (l->last_seen != 0 && p->probe_interval > 0 && rx > l->last_seen)
		steps = floor((double)(rx - l->last_seen) /
		    (double)p->probe_interval + 0.5);
	if (steps < 1)
		steps = 1;
	if (steps > 8)
		steps = 8;
	l->last_seen = rx;

	if (!l->have_rtt) {
		l->srtt = (double)rtt;
		l->rttvar = (double)rtt / 2;
		l->jitter = 0;
		l->have_rtt = 1;
	} else {
		d = (double)rtt - l->srtt;
		cap = scatter_bound(l, p);	/* jitter before this sample */
		drop = level_drop(l, (double)rtt, cap);
		l->rttvar += (fabs(d) - l->rttvar) *
		    (1 - pow(3.0 / 4, steps));
		l->srtt += d * (1 - pow(7.0 / 8, steps));
		l->jitter += (jitter_sample(l, (double)rtt, cap) - l->jitter) / 16;
		if (drop && l->srtt > drop) {
			/* and the long-term mean starts at the new level */
			l->srtt = drop;
			l->lrtt = drop;
			l->lrtt_n = 1;
		}
	}
	l->last_rtt = (double)rtt;
	baseline_sample(l, p, rx, rtt);
	shift_sample(l, p, rx, rtt);
	if (l->lrtt_n < PROBE_LRTT_N)
		l->lrtt_n++;
	l->lrtt += ((double)rtt - l->lrtt) / l->lrtt_n;

	if (l->state == LINK_DOWN) {
		/*
		 * Back from the dead: the loss window is full of the probes
		 * that marked it down and srtt may predate the outage. Start
		 * both afresh so they describe the link as it is now.
		 */
		l->loss_n = l->loss_lost = 0;
		l->srtt = (double)rtt;
		l->rttvar = (double)rtt / 2;
		l->jitter = 0;
		l->lrtt = (double)rtt;
		l->lrtt_n = 1;
		changed = set_state(l, LINK_UP, rx);
		/*
		 * Probes sent while the link was down, still waiting out a
		 * timeout sized for an unknown RTT, say nothing about the
		 * link as it is now: forget them rather than count them
		 * lost a moment after it came up.
		 */
		for (i = 0; i < PROBE_OUTSTANDING; i++)
			if (l->out[i].pending && l->out[i].tx < o->tx) {
				l->out[i].pending = 0;
				l->out[i].deadline = 0;
			}
		recompute_deadline(l);
	}
	return evaluate(l, p, rx) || changed;
}

/*
 * The peer restarted (a new boot id): whatever we sent after the newest
 * probe its previous life answered went to a process that was going,
 * gone or not yet listening. Those probes say nothing about the path:
 * the expired ones leave the loss window, and the pending ones are not
 * counted if they expire (the new life may still answer the latest, and
 * an answer to a probe we had forgotten read as a malformed datagram). Counted as loss, one probe lost over a restart of a few
 * milliseconds was 1 % on an idle link for the 200 s its loss window
 * spans, 10 ms of cost (loss-penalty) that moved routes onto slower
 * detours.
 */
void
probe_restarted(struct probe_link *l)
{
	uint64_t answered = 0;
	unsigned i;

	for (i = 0; i < PROBE_OUTSTANDING; i++) {
		struct probe_out *o = &l->out[i];

		/* answered: resolve() clears the deadline, expiry keeps it */
		if (o->seq != 0 && !o->pending && o->deadline == 0 &&
		    o->tx > answered)
			answered = o->tx;
	}
	for (i = 0; i < PROBE_OUTSTANDING; i++) {
		struct probe_out *o = &l->out[i];

		if (o->seq == 0 || o->tx <= answered)
			continue;
		if (o->pending)
			o->excused = 1;
		else
			loss_unrecord(l, o);
	}
	l->missed = 0;
}

void
probe_host_dropped(struct probe_link *l, uint64_t from, uint64_t to)
{
	unsigned i;

	for (i = 0; i < PROBE_OUTSTANDING; i++) {
		struct probe_out *o = &l->out[i];

		if (o->seq == 0 || o->tx > to)
			continue;
		if (o->pending)
			o->host_excused = 1;
		else if (o->deadline != 0 && o->deadline >= from)
			loss_unrecord(l, o);	/* expired: recorded lost */
	}
}

int
probe_silent(struct probe_link *l, uint64_t now)
{
	return set_state(l, LINK_DOWN, now);
}

int
probe_expire(struct probe_link *l, const struct engine_params *p, uint64_t now)
{
	unsigned i;
	int changed = 0;

	/*
	 * Nothing expired: nothing to do. Leaving congestion is decided
	 * when a reply comes (probe_reply evaluates every sample); doing it
	 * here as well cost the engine one evaluation per peer per timer
	 * run, O(peers^2) per probe interval: at 300 PoPs 900,000 calls a
	 * second, 42 % of argosim's time.
	 */
	if (now < l->next_deadline)
		return 0;
	for (i = 0; i < PROBE_OUTSTANDING; i++) {
		struct probe_out *o = &l->out[i];

		if (!o->pending || o->deadline > now)
			continue;
		o->pending = 0;	/* keep seq/tx: a late reply still counts */
		if (o->excused)
			continue;
		l->missed++;
		if (o->host_excused)
			continue;
		o->loss_idx = loss_record(l, p, 1, o->seq);
	}
	recompute_deadline(l);
	if (l->missed >= p->down_after && l->state != LINK_DOWN) {
		changed = set_state(l, LINK_DOWN, now);
	}
	return evaluate(l, p, now) || changed;
}

/* The engine asks for the deadline after every event: keep it cached. */
static void
recompute_deadline(struct probe_link *l)
{
	uint64_t d = UINT64_MAX;
	unsigned i;

	for (i = 0; i < PROBE_OUTSTANDING; i++)
		if (l->out[i].pending && l->out[i].deadline < d)
			d = l->out[i].deadline;
	l->next_deadline = d;
}

uint64_t
probe_next_deadline(const struct probe_link *l)
{
	return l->next_deadline;
}
