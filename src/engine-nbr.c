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

	ev.peer = i;
	ev.name = p->conf.name;
	ev.from = from;
	ev.to = p->pl.state;
	ev.rtt_ms = p->pl.have_rtt ? p->pl.srtt / 1e6 : -1;
	ev.loss_pct = probe_loss_permille(&p->pl) / 10.0;
	if (e->ops->link_event != NULL)
		e->ops->link_event(e->arg, &ev);
	nbr_probe_soon(e, p, now);
	if (p->pl.state == LINK_DOWN)
		p->down_at = now;
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

	if (at < p->next_probe)
		p->next_probe = at;
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

	hold = interval + interval / 10;
	hold = (hold + MSEC - 1) / MSEC;
	if (hold > UINT16_MAX)
		hold = UINT16_MAX;
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
	engine_hdr(e, i, &h, WIRE_PROBE);
	engine_xmit(e, i, wire_encode_probe(e->pkt, sizeof(e->pkt),
	    e->conf.key, &h, &pr));
	p->next_probe = now + engine_jitter(e, interval, 10);
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

	flood_note_digest(e, i, pr->digest, now);
	p->last_rx = rx_ts;
	if (m->hdr.type == WIRE_PROBE)
		p->peer_hold = (uint64_t)pr->hold_ms * MSEC;
	if (pr->flags & WIRE_PROBE_F_ANSWER) {
		r = probe_reply(&p->pl, &e->conf.p, pr->ans_seq,
		    (uint64_t)pr->turnaround_us * 1000, rx_ts);
		if (r < 0)
			e->c.rejected[REJ_MALFORMED]++;
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
	if (owe_overflows(p, pr->ask_seq))
		nbr_send_probe(e, i, now);	/* answer what we owe first */
	owe_answer(p, pr->ask_seq, rx_ts);
	if (p->next_probe > now + (uint64_t)pr->hold_ms * MSEC)
		nbr_send_probe(e, i, now);	/* ours is not due soon: now */
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
	probe_restarted(&p->pl);
	flood_send_summary(e, i, now);
}

/*
 * The earliest timer of one peer. engine_next_deadline() used to take the
 * minimum over all peers on every call, and the caller asks after every
 * datagram: O(peers) per datagram, 15 % of argosim's time at 300 PoPs.
 * Now engine_run() recomputes the minimum while it walks the peers
 * anyway, and everything that moves a peer's timer earlier (input from
 * that peer, peer_probe_soon) lowers it. A timer moved later leaves the
 * minimum early, which costs one engine_run() with nothing due.
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
	return d;
}

void
nbr_min_deadline(struct engine *e)
{
	size_t i;
	uint64_t x;

	e->peer_min = UINT64_MAX;
	for (i = 0; i < e->npeers; i++)
		if ((x = nbr_deadline(e, &e->peers[i])) < e->peer_min)
			e->peer_min = x;
}
