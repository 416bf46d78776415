/*
 * Neighbours: per peer, the prober (probe.c) is driven here, answers ride
 * probes, and this PoP decides what it advertises about the link.
 * Advertisement is where damping lives (DESIGN.md decision 2): a state
 * change is advertised at once, an RTT or loss change only once it is
 * significant (adv_rtt_pct and adv_rtt_min, adv_loss) and has stayed so
 * for adv_hold.
 */
#include "config.h"

#include <math.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine-int.h"
#include "log.h"

/* A link that changed state stays on fast probing this long. */
#define PROBE_HOT_AFTER_CHANGE	(10 * SEC)
/* A link back up within this of going down waits advertise hold. */
#define FLAP_WINDOW		(10 * SEC)

/* ns -> 0.1 ms, as the wire carries RTTs */
static uint16_t
units_of(const struct probe_link *pl, double ns)
{
	double u;

	if (!pl->have_rtt)
		return WIRE_RTT_UNKNOWN;
	u = ns / 100000.0 + 0.5;
	if (u >= WIRE_RTT_UNKNOWN - 1)
		return WIRE_RTT_UNKNOWN - 1;
	return (uint16_t)u;
}

static uint16_t
rtt_units(const struct probe_link *pl)
{
	return units_of(pl, pl->srtt);
}

/* Say what the link is now: its RTT is rtt (0.1 ms). */
static void
advertise_rtt(struct engine *e, struct peer *p, uint64_t now, uint16_t rtt)
{
	p->adv_state = (uint8_t)p->pl.state;
	p->adv_rtt = p->pl.state == LINK_DOWN ? WIRE_RTT_UNKNOWN : rtt;
	p->adv_loss = (uint8_t)(probe_loss_permille(&p->pl) / 5);
	p->adv_change_since = 0;
	p->adv_drift_since = 0;
	flood_schedule_originate(e, now);
}

static void
advertise_now(struct engine *e, struct peer *p, uint64_t now)
{
	advertise_rtt(e, p, now, rtt_units(&p->pl));
}

/*
 * Is what we measure now significantly different from what we said?
 * For a while after a link comes up, what we said came from a cold
 * estimator (the first sample or two, often taken while the peer was
 * still starting); until srtt has settled any change of adv_rtt_min
 * counts, so the first advertisement does not stick for good.
 */
#define ADV_SETTLE(pp)	(5 * (pp)->adv_hold)
/*
 * A change is advertised once it has lasted advertise hold and been seen
 * in this many samples in a row. A link probed at the idle interval gives
 * one sample in 2 s, each weighing two thirds of srtt (probe.c): a single
 * noisy sample moved what we said, and routes with it (argosim, 100 PoPs
 * with 5 ms of jitter: route changes in a static network).
 */
#define ADV_MIN_SAMPLES	2

/*
 * How far srtt wanders by chance from what we advertised, in 0.1 ms: five
 * standard deviations of the difference of two srtt readings (the one
 * advertised and today's), for samples that scatter as the link's jitter
 * says (the mean difference of consecutive samples, 1.13 standard
 * deviations for independent ones; rttvar would not do: it swells with
 * every real change and would hide it), weighed as the link's probing
 * rate weighs them (probe.c: gain 1/8 per probe interval, up to eight
 * intervals). A change below it is noise, whatever the dead band says:
 * with 5 ms of jitter a 2 ms dead band moved what PoPs said about links
 * in a static network (argosim, 100 PoPs: 6-8 route changes in 20 s
 * after warm-up; 0 with this).
 */
static uint32_t
rtt_noise(const struct engine *e, const struct peer *p)
{
	double steps = 1, w;

	if (e->conf.p.probe_interval > 0 && p->interval > 0)
		steps = (double)p->interval / (double)e->conf.p.probe_interval;
	if (steps < 1)
		steps = 1;
	if (steps > 8)
		steps = 8;
	w = 1 - pow(7.0 / 8, steps);
	return (uint32_t)(5 * M_SQRT2 / 1.13 * p->pl.jitter *
	    sqrt(w / (2 - w)) / 100000);
}

/*
 * The same for the long-term RTT, a mean of lrtt_n samples, with a wider
 * margin (seven standard deviations): a correction on it moves routes in
 * a network that has not changed, and there are tens of thousands of
 * links.
 */
static uint32_t
lrtt_noise(const struct peer *p)
{
	unsigned n = p->pl.lrtt_n ? p->pl.lrtt_n : 1;

	return (uint32_t)(7 * M_SQRT2 / 1.13 * p->pl.jitter /
	    sqrt(2.0 * n - 1) / 100000);
}


/* noise: rtt_noise() of this link, which the caller has at hand. */
static int
adv_significant(const struct engine *e, const struct peer *p, uint64_t now,
    uint32_t noise)
{
	const struct engine_params *pp = &e->conf.p;
	uint16_t cur = rtt_units(&p->pl);
	uint32_t diff, thr, loss = probe_loss_permille(&p->pl);

	if (p->pl.state == LINK_DOWN)
		return 0;
	if (cur == WIRE_RTT_UNKNOWN)
		return 0;
	if (p->adv_rtt == WIRE_RTT_UNKNOWN || p->adv_state != p->pl.state)
		return 1;
	diff = cur > p->adv_rtt ? cur - p->adv_rtt : p->adv_rtt - cur;
	thr = p->adv_rtt * pp->adv_rtt_pct / 100;
	if (thr < pp->adv_rtt_min / 100 ||
	    now - p->pl.state_since < ADV_SETTLE(pp))
		thr = pp->adv_rtt_min / 100;
	if (noise > thr)
		thr = noise;
	if (diff > thr)
		return 1;
	diff = loss > p->adv_loss * 5u ? loss - p->adv_loss * 5u :
	    p->adv_loss * 5u - loss;
	return diff > pp->adv_loss;
}

void
nbr_link_changed(struct engine *e, size_t i, enum link_state from, uint64_t now)
{
	struct peer *p = &e->peers[i];
	struct engine_link_event ev;
	int said_up = p->adv_state != LINK_DOWN;

	ev.peer = i;
	ev.name = p->conf.name;
	ev.from = from;
	ev.to = p->pl.state;
	ev.rtt_ms = p->pl.have_rtt ? p->pl.srtt / 1e6 : -1;
	ev.loss_pct = probe_loss_permille(&p->pl) / 10.0;
	if (e->ops->link_event != NULL)
		e->ops->link_event(e->arg, &ev);
	nbr_probe_soon(e, p, now);
	if (p->pl.state == LINK_DOWN) {
		p->down_at = now;
		p->ver = 0;	/* it may come back as another release */
	}
	/*
	 * Going down, and any other change, is advertised at once. Coming
	 * back up soon after going down is a flap: it is advertised once
	 * the link has stayed up for advertise hold, so that a link losing
	 * bursts of probes cannot swing routes back and forth faster than
	 * RTT changes may (argosim on seattle99: routes reverting within
	 * 600 ms).
	 */
	if (from == LINK_DOWN && p->down_at != 0 &&
	    now - p->down_at < FLAP_WINDOW) {
		if (p->adv_change_since == 0)
			p->adv_change_since = now;
	} else if (p->pl.state == LINK_DOWN && p->adv_state == LINK_DOWN)
		p->adv_change_since = 0;	/* its coming up was never
						   said */
	else
		advertise_now(e, p, now);
	/*
	 * A link lost is news that cannot wait: routes through it are black
	 * holes until every PoP knows. Our next hop's routes go to loop-free
	 * alternates now (engine-lfa.c), and the row saying so leaves at
	 * once, ahead of lsa-min-interval and of relays waiting their turn.
	 */
	if (p->pl.state == LINK_DOWN && from != LINK_DOWN) {
		lfa_repair(e, i, now);
		if (said_up)
			flood_originate_now(e);
	}
	if (from == LINK_DOWN) {
		/* A new neighbour: synchronise databases right away. */
		flood_send_summary(e, i, now);
		p->adv_settled = 0;
	}
}

/*
 * Once the estimator has settled after a link came up, what we said is
 * corrected once, however small the difference: the first advertisement
 * came from the first samples, and below the dead band its error would
 * stick for good and decide near-ties (argosim, aws32 with 2 ms of
 * jitter: 23 pairs up to 3 ms worse than direct, 97.5 % of the optimal
 * gain). Later changes go through the dead band as before. The
 * correction is the mean of the samples since the link came up (lrtt,
 * about 50 at the fast rate), not srtt: one srtt reading is off by a
 * quarter of the samples' scatter, and with 5 ms of jitter that decided
 * near-ties by up to 2.75 ms against the direct path (argosim, 150 PoPs).
 */
/*
 * A difference inside the dead band that is more than noise and lasts
 * ADV_DRIFT is said too. The dead band keeps routes from following
 * wobbles, but what it hides otherwise stays wrong for good: after every
 * link's RTT moved by up to 20 % (argosim, shift), links 8 % faster than
 * advertised made detours look better than direct paths that had become
 * faster than them. Only where the link really moved (beyond the noise
 * of the long-term mean), and after two hold times: at 15 s, idle links
 * (a sample every 2 s) on seattle99 were still advertised 10 ms above
 * their RTT when the next snapshot came.
 */
#define ADV_DRIFT(pp)	(2 * (pp)->adv_hold)
static void
adv_drift(struct engine *e, struct peer *p, uint64_t now)
{
	uint16_t cur = units_of(&p->pl, p->pl.lrtt);
	uint32_t diff;

	if (p->pl.state == LINK_DOWN || cur == WIRE_RTT_UNKNOWN ||
	    p->adv_rtt == WIRE_RTT_UNKNOWN || p->adv_state != p->pl.state) {
		p->adv_drift_since = 0;
		return;
	}
	diff = cur > p->adv_rtt ? cur - p->adv_rtt : p->adv_rtt - cur;
	if (diff <= lrtt_noise(p) || diff < 2) {
		p->adv_drift_since = 0;
		return;
	}
	if (p->adv_drift_since == 0)
		p->adv_drift_since = now;
	else if (now - p->adv_drift_since >= ADV_DRIFT(&e->conf.p))
		advertise_rtt(e, p, now, cur);
}

void
nbr_check_advertisement(struct engine *e, struct peer *p, uint64_t now,
    int sample)
{
	uint32_t noise;

	if (!p->adv_settled && p->pl.state != LINK_DOWN &&
	    now - p->pl.state_since >= ADV_SETTLE(&e->conf.p)) {
		p->adv_settled = 1;
		if (units_of(&p->pl, p->pl.lrtt) != p->adv_rtt) {
			advertise_rtt(e, p, now, units_of(&p->pl, p->pl.lrtt));
			return;
		}
	}
	/*
	 * srtt left the long-term mean by more than its own noise: the link
	 * moved, and the mean starts again from the latest sample, so that
	 * it describes the link as it is now. Not from srtt: when the move
	 * is noticed srtt is still part of the way from the old level (at
	 * the idle rate a sample weighs two thirds), and worth four samples
	 * that error stayed in the mean for a minute (argosim, 20 % shift:
	 * idle links advertised 1.5 ms high and detours won by that much).
	 */
	noise = rtt_noise(e, p);	/* once: this runs for every answer */
	if (sample && fabs(p->pl.srtt - p->pl.lrtt) / 100000 > noise)
		probe_lrtt_restart(&p->pl, 1);
	if (!adv_significant(e, p, now, noise)) {
		p->adv_change_since = 0;
		adv_drift(e, p, now);
		return;
	}
	if (p->adv_change_since == 0) {
		p->adv_change_since = now;
		p->adv_samples = 0;
	}
	if (sample)
		p->adv_samples++;
	if (now - p->adv_change_since >= e->conf.p.adv_hold &&
	    p->adv_samples >= ADV_MIN_SAMPLES)
		advertise_now(e, p, now);
}

/*
 * Adaptive probing. At 300 PoPs, probing every peer every 100 ms costs
 * 299 x 10 x 2 x 96 bytes = 4.6 Mbit/s per PoP, far over the budget of
 * DESIGN.md decision 4. Fast probing is what makes failover fast, but
 * only links that carry our routes need it. A link is probed at
 * probe_interval while it is the next hop of one of our routes, not up,
 * within PROBE_HOT_AFTER_CHANGE of a state change, or missing replies
 * (a suspect link is confirmed or cleared at the fast rate); every other
 * link at probe_idle_interval, which still measures it for SPF and keeps
 * it alive.
 */
/*
 * When a peer that probes us has gone quiet: it sends at least once per
 * its own interval (its probes' hold says how long that is), and at least
 * once per ours (it answers our probes). Silence for longer than both,
 * plus a probe timeout, is the first sign of a dead peer on an idle link,
 * a whole idle interval before our own probe's deadline would say so.
 */
uint64_t
nbr_quiet_at(const struct engine *e, const struct peer *p)
{
	uint64_t wait = p->peer_hold, ours = p->interval + p->interval / 10;

	if (p->last_rx == 0 || p->pl.state == LINK_DOWN)
		return UINT64_MAX;
	if (ours > wait)
		wait = ours;
	return p->last_rx + wait + probe_timeout(&p->pl, &e->conf.p);
}

/*
 * Asynchronous failure detection, in the spirit of BFD (RFC 5880 section
 * 6.8.4): every datagram of the peer that passed the MAC is proof of life
 * (engine_input() stamps last_rx), and the peer is dead once it has been
 * silent for detect-multiplier times the longest gap its schedule allows.
 * That gap is known without asking: a peer's probe says how long until
 * its next one (hold, its interval plus jitter); a peer slower than us
 * answers each of our probes at once (nbr_probe_input()), so it is heard
 * at least once per our own interval. The smaller of the two is the gap.
 * A peer that never probes (it only answers, WIRE_PROBE_REPLY) is judged
 * by our schedule alone, and an idle link by the idle interval, where the
 * quiet rule (nbr_quiet_at()) turns to fast probing long before.
 *
 * With the defaults (probe-interval 100 ms, hence a 110 ms gap, times 2)
 * a link that carries routes is down 220 ms after the last datagram, 110
 * to 220 ms after a cut: no later than BFD at 100 ms x 3 (200 to 300 ms),
 * on datagrams the link carries anyway (one each way per interval, where
 * probes and answers share datagrams). One lost or late datagram is
 * tolerated on a clean link.
 *
 * A lossy link needs more: losing a fraction q of datagrams, m in a row
 * go missing about q^m times per datagram, and a multiplier of 2 on a
 * link at 3 % is a false down every 2 minutes (argosim: 0 to 3 per 5
 * minutes on a 4-PoP mesh). So the multiplier grows with the loss the
 * link had when the peer was last heard (not the probes the silence
 * itself is losing): the smallest m, at least detect-multiplier, with
 * q^m times the datagrams of DETECT_HORIZON at most 1, that is at most
 * one false down per link per DETECT_HORIZON; q is the loss of the
 * peer's probes on their way to us (nbr_rx_loss()). At 0.1 % that
 * is 2, at 1 % 3, at 3 % 4 (440 ms with the defaults), at 5 % 5; never
 * more than DETECT_MULT_MAX, so a failed link is still left within a
 * second. The RTT and loss estimates (probe.c) are not touched: this
 * only decides that a peer is gone (DESIGN.md decision 3).
 */
#define DETECT_HORIZON	(10 * 3600 * SEC)
#define DETECT_MULT_MAX	8

#define SLOW_ANNOUNCE	3	/* probes that say we slow down, at the old
				   pace, unless one is answered */

static unsigned
silence_mult(unsigned floor, unsigned loss_permille, uint64_t gap)
{
	double q = loss_permille / 1000.0, n, f = 1;
	unsigned m;

	if (floor >= DETECT_MULT_MAX || loss_permille == 0 || gap == 0)
		return floor;
	n = (double)(DETECT_HORIZON / gap);
	for (m = 0; m < floor; m++)
		f *= q;
	for (m = floor; m < DETECT_MULT_MAX && f * n > 1; m++)
		f *= q;
	return m;
}

/* Our probe's hold, as the probe carries it (ms, rounded up). */
static uint64_t
own_hold(const struct peer *p)
{
	uint64_t h = p->interval + p->interval / 10;

	return (h + MSEC - 1) / MSEC * MSEC;
}

/* How long a silence takes the link down, as things stand; 0: never. */
uint64_t
nbr_detect_time(const struct engine *e, const struct peer *p)
{
	unsigned mult = e->conf.p.detect_mult;
	uint64_t gap = own_hold(p);

	if (mult == 0 || p->interval == 0)
		return 0;
	if (p->peer_hold != 0 && p->peer_hold <= gap)
		gap = p->peer_hold;
	return silence_mult(mult, p->rx_loss, gap) * gap;
}

uint64_t
nbr_silent_at(const struct engine *e, const struct peer *p)
{
	uint64_t from = p->last_rx, t;

	if (p->last_rx == 0 || p->pl.state == LINK_DOWN ||
	    (t = nbr_detect_time(e, p)) == 0)
		return UINT64_MAX;
	if (p->detect_from > from)
		from = p->detect_from;
	return from + t;
}

static int
peer_hot(const struct engine *e, const struct peer *p, uint64_t now)
{
	return e->conf.p.probe_idle_interval == 0 || p->next_hop ||
	    p->pl.state != LINK_UP || p->pl.missed > 0 ||
	    now - p->pl.state_since < PROBE_HOT_AFTER_CHANGE ||
	    now >= nbr_quiet_at(e, p);
}

static uint64_t
peer_interval(const struct engine *e, const struct peer *p, uint64_t now)
{
	uint64_t idle = e->conf.p.probe_idle_interval;

	if (peer_hot(e, p, now) || idle < e->conf.p.probe_interval)
		return e->conf.p.probe_interval;
	return idle;
}

/* The link just became hot: its next probe comes at the fast rate. */
void
nbr_probe_soon(struct engine *e, struct peer *p, uint64_t now)
{
	uint64_t at = now + engine_jitter(e, e->conf.p.probe_interval, 10);

	if (at < p->next_probe) {
		p->next_probe = at;
		nbr_attend(e, (size_t)(p - e->peers));
	}
	if (at < e->peer_min)
		e->peer_min = at;
}

/*
 * Probes and answers share datagrams. A probe says how long its answer may
 * be held (hold_ms: the asker's probe interval plus its jitter, which the
 * asker adds to the probe's deadline). The peer holds the answer if its
 * own next probe to us is due within that time, and the answer rides
 * that probe, with the time it was held subtracted from the RTT; if not,
 * the peer probes us at once and the answer rides that. Between two PoPs
 * that probe each other at the same rate this is one datagram each way
 * per interval where a probe and a separate reply took two (argosim at
 * 300 PoPs: half the probing traffic). A peer probing faster than we do
 * is answered at its rate, and our probes ride those answers. Neither
 * side waits on the other for long: whichever has the longer interval
 * answers at once, the other holds, so answers never ping-pong.
 * Several probes that arrive before the answer goes out are answered
 * together: the latest with its timing, earlier ones in ans_mask.
 */
void
nbr_send_probe(struct engine *e, size_t i, uint64_t now)
{
	struct peer *p = &e->peers[i];
	struct wire_probe pr;
	struct wire_hdr h;
	uint64_t interval = peer_interval(e, p, now), hold, held;
	int compact = engine_tx_version(e, i) >= WIRE_COMPACT_VERSION;
	size_t len = 0;

	hold = interval + interval / 10;
	hold = (hold + MSEC - 1) / MSEC;
	if (hold > UINT16_MAX)
		hold = UINT16_MAX;
	/*
	 * A compact probe (wire.h) carries the hold rounded up, by 1/16 at
	 * most; the probe's deadline must allow what the peer is told.
	 */
	if (compact && wire_compact_hold((unsigned)hold) != 0)
		hold = wire_compact_hold((unsigned)hold);
	else
		compact = 0;
	memset(&pr, 0, sizeof(pr));
	pr.hold_ms = (uint16_t)hold;
	pr.ask_seq = probe_sent(&p->pl, &e->conf.p, now, hold * MSEC);
	if (p->owe) {
		held = now > p->owe_rx ? (now - p->owe_rx) / 1000 : 0;
		pr.flags |= WIRE_PROBE_F_ANSWER;
		pr.ans_seq = p->owe_seq;
		pr.ans_mask = p->owe_mask;
		pr.turnaround_us = held > UINT32_MAX ? UINT32_MAX :
		    (uint32_t)held;
		p->owe = 0;
	}
	pr.digest = e->db.digest;
	/*
	 * Faster than before: the peer's answers come at the new rate only
	 * from the answer to this probe on, a round trip away.
	 */
	if (interval < p->interval) {
		p->detect_from = now + probe_timeout(&p->pl, &e->conf.p);
		p->slow_seq = 0;
	}
	/*
	 * Slower than before. The peer judges our silence by the hold our
	 * last probe gave it, and if the one probe that says we slow down
	 * is lost, the long gap after it reads as death (argosim, 1.5 %
	 * loss each way: a link no longer carrying routes went idle, the
	 * probe saying so was lost, and the peer took the link down 550 ms
	 * later, once per 5 minutes in 6 runs of 24). So, in the spirit of
	 * BFD, which waits for its Poll to be answered before it sends more
	 * slowly (RFC 5880 section 6.8.3), we keep the old pace, with the
	 * new hold, until the peer answers one of those probes
	 * (nbr_probe_input()), for SLOW_ANNOUNCE probes at most: the peer
	 * may hold its answer for the new, longer hold, and every probe
	 * more would ride, and be lost, in one datagram.
	 */
	if (interval > p->interval && p->slow_seq == 0 && p->interval != 0) {
		p->slow_seq = pr.ask_seq;
		p->slow_left = SLOW_ANNOUNCE;
		p->slow_keep = p->interval;
	}
	engine_hdr(e, i, &h, WIRE_PROBE);
	/* the full form when a value does not fit the compact one */
	if (compact)
		len = wire_encode_probe_compact(e->pkt, sizeof(e->pkt),
		    e->conf.key, &h, &pr);
	if (len == 0)
		len = wire_encode_probe(e->pkt, sizeof(e->pkt), e->conf.key,
		    &h, &pr);
	engine_xmit(e, i, len);
	if (p->slow_seq != 0 && p->slow_left > 0 && p->slow_keep < interval) {
		p->slow_left--;
		p->next_probe = now + engine_jitter(e, p->slow_keep, 10);
	} else {
		p->slow_seq = 0;
		p->next_probe = now + engine_jitter(e, interval, 10);
	}
	p->interval = interval;
}

/*
 * Would owing the peer's probe seq push a probe we still owe an answer
 * out of the eight the answer's mask can carry? Probes come in bursts
 * when a path's delay drops (the later ones catch up with the earlier
 * ones) or a stalled queue drains, and every probe pushed out of the
 * mask was never answered: the asker counted it lost (argosim,
 * seattle99: a drop from 2.65 s to 0.21 s put a dozen probes in one
 * burst, and the 3 % loss that left made detours 15 ms slower than the
 * direct path win for 200 s).
 */
static int
owe_overflows(const struct peer *p, uint32_t seq)
{
	int32_t d = (int32_t)(seq - p->owe_seq);

	if (!p->owe || d <= 0)
		return 0;
	return d > 8 || (p->owe_mask >> (8 - d)) != 0;
}

/* Remember that the peer's probe seq, received at rx, wants an answer. */
static void
owe_answer(struct peer *p, uint32_t seq, uint64_t rx)
{
	int32_t d = (int32_t)(seq - p->owe_seq);

	if (!p->owe) {
		p->owe = 1;
		p->owe_seq = seq;
		p->owe_mask = 0;
		p->owe_rx = rx;
	} else if (d > 0) {
		/* newer: it gets the timing, the older ones a mask bit */
		p->owe_mask = d <= 8 ?
		    (uint8_t)((p->owe_mask << d) | (1U << (d - 1))) : 0;
		p->owe_seq = seq;
		p->owe_rx = rx;
	} else if (d < 0 && d >= -8)
		p->owe_mask |= (uint8_t)(1U << (-d - 1));	/* reordered */
}

/*
 * The peer's own datagrams lost on the way to us, which is what its
 * silence is made of (nbr_silent_at()): its probes are numbered one by
 * one, so a gap in the numbers is probes lost, one way, in the direction
 * that matters (our probes' loss is a round trip's, twice as much on a
 * link losing both ways, and made a link at 0.2 % slower to leave). Two
 * averages, over about the last 100 and the last 1000 of its probes
 * (the mean of those so far while fewer), the larger judging: the short
 * one follows a link turning lossy, the long one keeps the memory of a
 * link that loses a few now and then. The long one is taken high
 * (rx_q_high()): the multiplier must hold at the loss the link has, not
 * at what the probes so far happened to show (with the estimate as it
 * came, 1.5 % each way in argosim read 1.3 % often enough to choose 3
 * where 4 was needed: 7 downs in 24 runs of 10 minutes). The short one
 * is taken as it is: a bound over 100 probes could never say a clean
 * link is clean. Gaps on a down link or across a change of its state
 * (they may be the outage), and numbers out of order or far off (a
 * restart, reordering) are not counted.
 */
#define RX_Q_SHORT	100
#define RX_Q_LONG	1000
#define RX_GAP_MAX	64

static void
rx_sample(struct peer *p, int lost)
{
	unsigned ns, nl;

	if (p->rx_q_n < RX_Q_LONG)
		p->rx_q_n++;
	nl = p->rx_q_n;
	ns = nl < RX_Q_SHORT ? nl : RX_Q_SHORT;
	p->rx_q_short += ((double)lost - p->rx_q_short) / ns;
	p->rx_q_long += ((double)lost - p->rx_q_long) / nl;
}

/*
 * Probe numbers more than RX_BEHIND below the last are not reordering
 * but another numbering: a compact probe's 16 bits of ask_seq (wire.h)
 * expanded while we had no number of the peer's to expand against, and
 * the full 32 bits after. They start the count afresh; read as
 * "reordered" they would stop it until the numbers caught up.
 */
#define RX_BEHIND	64

static void
rx_gap(struct peer *p, uint32_t seq, uint64_t rx)
{
	int32_t d = (int32_t)(seq - p->rx_ask);

	if (p->rx_ask != 0 && d <= 0 && d >= -RX_BEHIND)
		return;		/* reordered or repeated */
	/* not across a change of state: the gap may be an outage */
	if (p->rx_ask != 0 && d > 0 && d <= RX_GAP_MAX &&
	    p->pl.state != LINK_DOWN &&
	    p->pl.state_since <= p->rx_ask_at) {
		while (--d > 0)
			rx_sample(p, 1);
		rx_sample(p, 0);
	}
	p->rx_ask = seq;
	p->rx_ask_at = rx;
}

/*
 * The loss an average q over n outcomes allows, taken high: the mean of
 * a prior worth RX_PRIOR_N probes at RX_PRIOR_Q and the outcomes, plus
 * two standard errors. No loss in 60 probes is no evidence of a clean
 * link (two lost in a row at the start of a link's life took it down,
 * 3 times in 24 runs of 10 minutes at 1.5 %): 0.28 %, a multiplier of
 * 3; no loss in 300 is (0.12 %, 2), nor in 1000 (0.01 %); 1.5 % over
 * 1000 gives 1.9 % (4).
 */
#define RX_PRIOR_N	100
#define RX_PRIOR_Q	0.0005

static double
rx_q_high(double q, unsigned n)
{
	double m = (q * n + RX_PRIOR_Q * RX_PRIOR_N) / (n + RX_PRIOR_N);

	return m + 2 * sqrt(m * (1 - m) / (n + RX_PRIOR_N));
}

unsigned
nbr_rx_loss(const struct peer *p)
{
	unsigned n = p->rx_q_n;
	double qs, ql;

	/* a peer that only answers: our probes' loss, a round trip's */
	if (n == 0)
		return probe_loss_permille(&p->pl);
	qs = p->rx_q_short;
	ql = rx_q_high(p->rx_q_long, n);
	return (unsigned)((qs > ql ? qs : ql) * 1000 + 0.5);
}

void
nbr_probe_input(struct engine *e, size_t i, const struct wire_msg *m,
    uint64_t now, uint64_t rx_ts)
{
	struct peer *p = &e->peers[i];
	const struct wire_probe *pr = &m->u.probe;
	enum link_state from = p->pl.state;
	uint32_t seq;
	unsigned k;
	int r;

	flood_note_digest(e, i, pr->digest, pr->digest_mask, now);
	p->last_rx = rx_ts;
	/* a peer that only answers keeps no schedule of its own */
	p->peer_hold = m->hdr.type == WIRE_PROBE ?
	    (uint64_t)pr->hold_ms * MSEC : 0;
	if (pr->flags & WIRE_PROBE_F_ANSWER) {
		r = probe_reply(&p->pl, &e->conf.p, pr->ans_seq,
		    (uint64_t)pr->turnaround_us * 1000, rx_ts);
		if (r < 0)
			e->c.rejected[REJ_MALFORMED]++;
		/* it has heard that we slow down: from now on we do */
		else if (p->slow_seq != 0 &&
		    (int32_t)(pr->ans_seq - p->slow_seq) >= 0)
			p->slow_seq = 0;
		for (k = 0; k < 8; k++) {
			seq = pr->ans_seq - 1 - k;
			if ((pr->ans_mask & (1U << k)) && seq != 0)
				(void)probe_also(&p->pl, &e->conf.p, seq);
		}
		if (r > 0)
			nbr_link_changed(e, i, from, now);
		else if (r == 0)
			nbr_check_advertisement(e, p, now, 1);
	}
	if (m->hdr.type != WIRE_PROBE)
		return;
	rx_gap(p, pr->ask_seq, rx_ts);
	if (owe_overflows(p, pr->ask_seq))
		nbr_send_probe(e, i, now);	/* answer what we owe first */
	owe_answer(p, pr->ask_seq, rx_ts);
	/*
	 * Ours is not due soon, or the peer probes faster than we do: now.
	 * An asker faster than us counts on hearing us once per its own
	 * interval (nbr_silent_at()); holding its answer for our next probe
	 * would stretch that gap to nearly two of its intervals.
	 */
	if (p->next_probe > now + (uint64_t)pr->hold_ms * MSEC ||
	    (uint64_t)pr->hold_ms * MSEC < own_hold(p))
		nbr_send_probe(e, i, now);
}

void
nbr_init(struct engine *e, struct peer *p, const struct engine_peer_conf *pc,
    uint64_t now)
{
	memset(p, 0, sizeof(*p));
	p->conf = *pc;
	probe_init(&p->pl, now);
	/*
	 * Probe numbers start at random: an answer the peer sent to our
	 * previous life, still in flight when we restart, must not match a
	 * probe of this one (it would read as an RTT short by the restart's
	 * duration, and become the link's baseline for baseline-window).
	 */
	p->pl.next_seq = (uint32_t)engine_rnd(e) | 1;
	replay_reset(&p->rp);
	p->tx_seq = e->tx_seq;	/* see engine_hdr() */
	/* Spread first probes over one interval. */
	p->next_probe = now + engine_rnd(e) % (e->conf.p.probe_interval + 1);
	p->adv_rtt = WIRE_RTT_UNKNOWN;
	p->adv_state = LINK_DOWN;
}

/*
 * The peer came back with a new boot id, perhaps before we noticed it was
 * gone: nothing it held survived. An answer we owed its previous life
 * would match a probe of the new one and read as a tiny RTT; our rows
 * must go whole (it holds no base for deltas); and it needs a summary to
 * pull the database, as a new neighbour gets one (at 300 PoPs digests are
 * rarely still long enough for anti-entropy to start on its own).
 */
void
nbr_restarted(struct engine *e, size_t i, uint64_t now)
{
	struct peer *p = &e->peers[i];

	p->owe = 0;
	p->row_sent = 0;
	p->rx_ask = 0;		/* its numbers start afresh */
	probe_restarted(&p->pl);
	flood_send_summary(e, i, now);
}

/*
 * Peer timers. The earliest timer of one peer is nbr_deadline();
 * engine_run() used to walk every peer on every wake-up to find those
 * due, O(peers) per wake-up: at 300 PoPs the walk and the deadline
 * arithmetic in it were 40 % of argosim's time. Now the peers sit in a
 * binary heap keyed by their deadline as last computed (peer.timer), and
 * a run visits only
 *
 *  - the peers whose timer has come,
 *  - the peers on the attention list: those whose timer something other
 *    than their own visit moved earlier since it was computed
 *    (nbr_probe_soon() from SPF or a loop-free repair), and those whose
 *    visit does work at every run whatever the time (probes missed:
 *    nbr_probe_soon(); a change waiting to be advertised:
 *    nbr_check_advertisement()),
 *  - every peer after a stall (engine_run()).
 *
 * A peer left out would have done nothing and kept its timer, so the
 * visits, their order (by peer index, as the walk went) and peer_min,
 * the minimum of the timers as the walk computed them, are what the
 * walk gave: runs are the same to the bit. A peer moved earlier by a
 * later peer's visit is visited later in the same run, as the walk did;
 * one moved by an earlier peer's visit keeps the timer the walk saw
 * until the next run.
 */
uint64_t
nbr_deadline(const struct engine *e, const struct peer *p)
{
	uint64_t d = p->next_probe, x;

	if ((x = probe_next_deadline(&p->pl)) < d)
		d = x;
	if (p->adv_change_since != 0 && p->adv_samples >= ADV_MIN_SAMPLES &&
	    (x = p->adv_change_since + e->conf.p.adv_hold) < d)
		d = x;
	if (p->quiet_done != p->last_rx && (x = nbr_quiet_at(e, p)) < d)
		d = x;
	if ((x = nbr_silent_at(e, p)) < d)
		d = x;
	return d;
}

/*
 * The heap holds the keys beside the indices: a sift then reads one
 * array, not a peer structure (two cache lines each) per comparison.
 */
static void
timer_put(struct engine *e, size_t pos, struct nbr_timer t)
{
	e->timers[pos] = t;
	e->peers[t.peer].heap_pos = (uint32_t)pos;
}

static void
timer_down(struct engine *e, size_t pos)
{
	struct nbr_timer t = e->timers[pos];
	size_t c;

	for (;;) {
		c = 2 * pos + 1;
		if (c >= e->npeers)
			break;
		if (c + 1 < e->npeers && e->timers[c + 1].at <
		    e->timers[c].at)
			c++;
		if (e->timers[c].at >= t.at)
			break;
		timer_put(e, pos, e->timers[c]);
		pos = c;
	}
	timer_put(e, pos, t);
}

static void
timer_fix(struct engine *e, size_t pos)
{
	struct nbr_timer t = e->timers[pos];

	while (pos > 0 && t.at < e->timers[(pos - 1) / 2].at) {
		timer_put(e, pos, e->timers[(pos - 1) / 2]);
		pos = (pos - 1) / 2;
	}
	timer_put(e, pos, t);
	timer_down(e, pos);
}

/* The peer's deadline now becomes its timer. */
void
nbr_timer_set(struct engine *e, size_t i)
{
	struct peer *p = &e->peers[i];

	p->timer = nbr_deadline(e, p);
	e->timers[p->heap_pos].at = p->timer;
	timer_fix(e, p->heap_pos);
	if (p->pl.missed > 0 || p->adv_change_since != 0)
		nbr_attend(e, i);
}

/* (Re)build the heap over e->peers: after creation and reloads. */
void
nbr_timers_init(struct engine *e)
{
	size_t i;

	free(e->timers);
	free(e->attn);
	free(e->runq);
	e->timers = xcalloc(e->npeers + 1, sizeof(*e->timers));
	e->attn = xcalloc(e->npeers + 1, sizeof(*e->attn));
	e->runq = xcalloc(e->npeers + 1, sizeof(*e->runq));
	e->nattn = e->nrunq = 0;
	e->run_cur = -1;
	for (i = 0; i < e->npeers; i++) {
		e->peers[i].timer = nbr_deadline(e, &e->peers[i]);
		e->peers[i].attn = e->peers[i].inq = 0;
		e->timers[i].at = e->peers[i].timer;
		e->timers[i].peer = (uint32_t)i;
		e->peers[i].heap_pos = (uint32_t)i;
	}
	for (i = e->npeers / 2; i-- > 0; )
		timer_down(e, i);
	/* the first run visits everyone, as after a reload it must */
	for (i = 0; i < e->npeers; i++)
		nbr_attend(e, i);
	e->peer_min = e->npeers > 0 ? e->timers[0].at :
	    UINT64_MAX;
}

void
nbr_timers_free(struct engine *e)
{
	free(e->timers);
	free(e->attn);
	free(e->runq);
}

static void
runq_push(struct engine *e, uint32_t i)
{
	size_t pos = e->nrunq++;

	e->peers[i].inq = 1;
	while (pos > 0 && e->runq[(pos - 1) / 2] > i) {
		e->runq[pos] = e->runq[(pos - 1) / 2];
		pos = (pos - 1) / 2;
	}
	e->runq[pos] = i;
}

/*
 * Visit peer i at the next run, or later in this one if the run has not
 * reached it yet (the walk over all peers would have).
 */
void
nbr_attend(struct engine *e, size_t i)
{
	struct peer *p = &e->peers[i];

	if (e->run_cur >= 0 && (long)i > e->run_cur) {
		if (!p->inq)
			runq_push(e, (uint32_t)i);
		return;
	}
	if (!p->attn) {
		p->attn = 1;
		e->attn[e->nattn++] = (uint32_t)i;
	}
}

static void
runq_due(struct engine *e, size_t pos, uint64_t now)
{
	uint32_t i;

	if (pos >= e->npeers)
		return;
	if (e->timers[pos].at > now)
		return;
	i = e->timers[pos].peer;
	if (!e->peers[i].inq)
		runq_push(e, i);
	runq_due(e, 2 * pos + 1, now);
	runq_due(e, 2 * pos + 2, now);
}

/* Start a run: queue the peers due at now, the attention list, or all. */
void
nbr_run_queue(struct engine *e, uint64_t now, int all)
{
	size_t i;

	e->nrunq = 0;
	for (i = 0; i < e->nattn; i++) {
		e->peers[e->attn[i]].attn = 0;
		runq_push(e, e->attn[i]);
	}
	e->nattn = 0;
	if (all) {
		for (i = 0; i < e->npeers; i++)
			if (!e->peers[i].inq)
				runq_push(e, (uint32_t)i);
	} else
		runq_due(e, 0, now);
	e->run_cur = -1;
}

/* The next peer of the run, by index; -1 at the end. */
long
nbr_run_next(struct engine *e)
{
	uint32_t i, last;
	size_t pos = 0, c;

	if (e->nrunq == 0) {
		e->run_cur = -1;
		return -1;
	}
	i = e->runq[0];
	last = e->runq[--e->nrunq];
	for (;;) {
		c = 2 * pos + 1;
		if (c >= e->nrunq)
			break;
		if (c + 1 < e->nrunq && e->runq[c + 1] < e->runq[c])
			c++;
		if (e->runq[c] >= last)
			break;
		e->runq[pos] = e->runq[c];
		pos = c;
	}
	if (e->nrunq > 0)
		e->runq[pos] = last;
	e->peers[i].inq = 0;
	e->run_cur = (long)i;
	return (long)i;
}
