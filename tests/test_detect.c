/*
 * Failure detection from the peer's own schedule (engine-nbr.c,
 * nbr_silent_at()), against a scripted peer whose every datagram this
 * test writes: one real engine "a" with peers "b" (scripted: probes on a
 * schedule, or only answers, or late) and "c" (scripted, always alive,
 * to see what "a" floods). Virtual clock in 1 ms steps; nothing here
 * depends on the machine's speed. The scripted peers speak version 5,
 * so "a" sends them full probes, which they decode without the state a
 * compact one needs (wire.h); test_engine has compact ones.
 */
#define SCRIPT_VERSION	5
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "log.h"
#include "prefix.h"
#include "tap.h"

#define OWD	(5 * MSEC)	/* one-way delay, both peers */
#define QMAX	4096

enum mode {
	B_PROBES,	/* probes every 100 ms, answers ride them */
	B_ANSWERS,	/* only PROBE_REPLY, one per probe of a's, at once */
	B_SILENT,	/* sends nothing */
};

struct dgram {
	uint64_t	at;
	int		to;		/* 0: a, 1: b, 2: c */
	int		from;
	size_t		len;
	uint8_t		buf[WIRE_MTU];
};

struct script {
	const char	*name;
	uint32_t	 id;
	uint64_t	 seq;		/* header sequence */
	uint32_t	 ask;		/* our probes' numbers */
	int		 owe;
	uint32_t	 owe_seq;
	uint8_t		 owe_mask;	/* earlier asks, as argod answers */
	uint64_t	 owe_rx;
	uint64_t	 next;		/* next own probe */
	uint64_t	 extra_delay;	/* added to the next datagram */
	int		 skip;		/* skip this many own probes */
	enum mode	 mode;
};

static struct engine *A;
static struct engine_conf C;
static struct script S[3];	/* [1] b, [2] c */
static struct dgram *q;
static size_t qn;
static uint64_t now;
static uint8_t key[WIRE_KEY_LEN];
static uint32_t a_id;
static int a_arg;
static uint64_t t_down;			/* a's link to b went down */
static uint64_t t_row_to_c;		/* first row a sent c after t_down */
static int routes_changed;
static uint64_t t_b_heard;		/* a last heard from b */
static uint64_t stall_until;		/* a's host does not run a */

static void
push(int from, int to, const uint8_t *buf, size_t len, uint64_t at)
{
	struct dgram *d;

	if (qn == QMAX || len == 0)
		return;
	d = &q[qn++];
	d->at = at;
	d->from = from;
	d->to = to;
	d->len = len;
	memcpy(d->buf, buf, len);
}

static void
ev_send(void *arg, size_t peer, const void *buf, size_t len)
{
	uint8_t type = ((const uint8_t *)buf)[3];

	(void)arg;
	if (peer == 1 && t_down && !t_row_to_c &&
	    (type == WIRE_LSA || type == WIRE_LSA_DELTA))
		t_row_to_c = now;
	push(0, (int)peer + 1, buf, len, now + OWD);
}

static void
ev_link(void *arg, const struct engine_link_event *ev)
{
	(void)arg;
	if (ev->peer == 0 && ev->to == LINK_DOWN && !t_down)
		t_down = now;
}

static void
ev_route(void *arg, const struct engine_route_event *ev)
{
	(void)arg;
	(void)ev;
	routes_changed++;
}

static const struct engine_ops ops = { ev_send, ev_link, ev_route, NULL,
    NULL };

/* The scripted peer sends one probe (or reply) to a. */
static void
script_send(struct script *s, int idx, int reply)
{
	struct wire_hdr h;
	struct wire_probe pr;
	uint8_t buf[WIRE_MTU];
	size_t len;

	memset(&h, 0, sizeof(h));
	memset(&pr, 0, sizeof(pr));
	h.type = reply ? WIRE_PROBE_REPLY : WIRE_PROBE;
	h.sender = s->id;
	h.boot = 1;
	h.seq = ++s->seq;
	h.receiver = a_id;
	h.version = h.maxver = SCRIPT_VERSION;
	if (!reply) {
		pr.hold_ms = 110;
		pr.ask_seq = ++s->ask;
	}
	if (s->owe) {
		pr.flags = WIRE_PROBE_F_ANSWER;
		pr.ans_seq = s->owe_seq;
		pr.ans_mask = s->owe_mask;
		pr.turnaround_us = (uint32_t)((now - s->owe_rx) / 1000);
		s->owe = 0;
	}
	pr.digest = 0;
	len = wire_encode_probe(buf, sizeof(buf), key, &h, &pr);
	push(idx, 0, buf, len, now + OWD + s->extra_delay);
	s->extra_delay = 0;
}

/*
 * The row of origin (named name), sent by scripted peer idx: links to
 * peers[k] up with RTT rtt[k] (0.1 ms), n of them.
 */
static void
script_row_of(int idx, const char *name, uint32_t seq, const char **peers,
    const uint16_t *rtt, size_t n)
{
	struct script *s = &S[idx];
	struct wire_hdr h;
	struct wire_lsa l;
	struct wire_lsa_entry ent[8];
	uint8_t buf[WIRE_MTU];
	size_t len, k;

	memset(&h, 0, sizeof(h));
	memset(&l, 0, sizeof(l));
	l.origin = wire_node_id(name);
	l.boot = 1;
	l.seq = seq;
	l.nparts = 1;
	snprintf(l.name, sizeof(l.name), "%s", name);
	for (k = 0; k < n && k < 8; k++) {
		ent[k].peer = wire_node_id(peers[k]);
		ent[k].rtt = rtt[k];
		ent[k].loss = 0;
		ent[k].state = LINK_UP;
	}
	l.nentries = (uint16_t)k;
	h.type = WIRE_LSA;
	h.sender = s->id;
	h.boot = 1;
	h.seq = ++s->seq;
	h.receiver = a_id;
	h.version = h.maxver = SCRIPT_VERSION;
	len = wire_encode_lsa(buf, sizeof(buf), key, &h, &l, ent);
	push(idx, 0, buf, len, now + OWD);
}

/* b's row: its link to a is up (10 ms). */
static void
script_row(struct script *s, int idx)
{
	static const char *p[] = { "a" };
	static const uint16_t r[] = { 100 };

	(void)s;
	script_row_of(idx, "b", 1, p, r, 1);
}

/*
 * A square a-b-d-c-a plus b-c, rows from b, c and d (d's relayed by c),
 * RTTs in ms: a-b 10, a-c 10, b-d 10, b-c bc, c-d cd. a reaches d via b.
 */
static void
square(uint16_t bc, uint16_t cd)
{
	const char *pb[] = { "a", "c", "d" }, *pc[] = { "a", "b", "d" },
	    *pd[] = { "b", "c" };
	uint16_t rb[] = { 100, (uint16_t)(bc * 10), 100 },
	    rc[] = { 100, (uint16_t)(bc * 10), (uint16_t)(cd * 10) },
	    rd[] = { 100, (uint16_t)(cd * 10) };

	script_row_of(1, "b", 2, pb, rb, 3);
	script_row_of(2, "c", 1, pc, rc, 3);
	script_row_of(2, "d", 1, pd, rd, 2);
}

/* A datagram from a reaches scripted peer idx. */
static void
script_input(struct script *s, int idx, const struct dgram *d)
{
	struct wire_msg m;
	enum wire_reject why;

	if (wire_decode(key, s->id, d->buf, d->len, &m, &why) == -1 ||
	    m.hdr.type != WIRE_PROBE)
		return;
	if (s->owe && m.u.probe.ask_seq - s->owe_seq <= 8)
		s->owe_mask = (uint8_t)((s->owe_mask <<
		    (m.u.probe.ask_seq - s->owe_seq)) |
		    (1U << (m.u.probe.ask_seq - s->owe_seq - 1)));
	else
		s->owe_mask = 0;
	s->owe = 1;
	s->owe_seq = m.u.probe.ask_seq;
	s->owe_rx = now;
	if (s->mode == B_ANSWERS)
		script_send(s, idx, 1);
	else if (s->mode == B_PROBES &&
	    s->next > now + (uint64_t)m.u.probe.hold_ms * MSEC) {
		script_send(s, idx, 0);		/* as argod: at once */
		s->next = now + 100 * MSEC;
	}
}

static void
step_to(uint64_t t)
{
	size_t k;
	int i;

	while (now < t) {
		now += MSEC;
		if (now < stall_until)
			goto peers;
		if (now == stall_until && engine_next_deadline(A) <= now)
			engine_run(A, now);	/* the timer first, at worst */
		for (k = 0; k < qn; ) {
			struct dgram d;

			if (q[k].at > now) {
				k++;
				continue;
			}
			d = q[k];
			q[k] = q[--qn];
			if (d.to == 0) {
				/* a cut: what is in flight is lost too */
				if (S[d.from].mode == B_SILENT)
					continue;
				if (d.from == 1)
					t_b_heard = now;
				engine_input(A, now, d.from - 1, d.buf, d.len,
				    d.at);	/* the kernel's receive stamp */
			} else if (S[d.to].mode != B_SILENT)
				script_input(&S[d.to], d.to, &d);
		}
peers:
		for (i = 1; i <= 2; i++) {
			struct script *s = &S[i];

			if (s->mode != B_PROBES || now < s->next)
				continue;
			s->next = now + 100 * MSEC;
			if (s->skip > 0) {
				s->skip--;
				continue;
			}
			script_send(s, i, 0);
		}
		if (now >= stall_until && engine_next_deadline(A) <= now)
			engine_run(A, now);
	}
}

static enum link_state
state_of(size_t peer)
{
	struct engine_peer_info pi;

	engine_peer(A, peer, &pi);
	return pi.state;
}

static void
setup(void)
{
	struct engine_origin_conf *oc;
	char err[160];
	int i;

	for (i = 0; i < WIRE_KEY_LEN; i++)
		key[i] = (uint8_t)(i * 5 + 3);
	a_id = wire_node_id("a");
	memset(&C, 0, sizeof(C));
	snprintf(C.name, sizeof(C.name), "a");
	C.id = a_id;
	memcpy(C.key, key, sizeof(key));
	params_default(&C.p);
	C.npeers = 2;
	C.peers = calloc(2, sizeof(*C.peers));
	S[1].name = "b";
	S[2].name = "c";
	for (i = 1; i <= 2; i++) {
		S[i].id = wire_node_id(S[i].name);
		S[i].mode = B_PROBES;
		S[i].next = (uint64_t)(7 + 31 * i) * MSEC;
		snprintf(C.peers[i - 1].name, sizeof(C.peers[i - 1].name),
		    "%s", S[i].name);
		C.peers[i - 1].id = S[i].id;
	}
	/* one origin behind b: b carries a route of a's (a fast link) */
	C.norigins = 2;
	C.origins = oc = calloc(2, sizeof(*C.origins));
	snprintf(oc->name, sizeof(oc->name), "o-b");
	oc->nprefixes = 1;
	oc->prefixes = calloc(1, sizeof(*oc->prefixes));
	if (prefix_parse("10.1.0.0/16", &oc->prefixes[0], err,
	    sizeof(err)) != NULL) {
		printf("Bail out! %s\n", err);
		exit(1);
	}
	oc->negress = 1;
	oc->egress = calloc(1, sizeof(uint32_t));
	oc->egress[0] = S[1].id;
	oc->egress_names = calloc(1, sizeof(*oc->egress_names));
	snprintf(oc->egress_names[0], sizeof(oc->egress_names[0]), "b");
	/* and one behind d, two hops away (the loop-free alternate) */
	oc++;
	snprintf(oc->name, sizeof(oc->name), "o-d");
	oc->nprefixes = 1;
	oc->prefixes = calloc(1, sizeof(*oc->prefixes));
	if (prefix_parse("10.4.0.0/16", &oc->prefixes[0], err,
	    sizeof(err)) != NULL) {
		printf("Bail out! %s\n", err);
		exit(1);
	}
	oc->negress = 1;
	oc->egress = calloc(1, sizeof(uint32_t));
	oc->egress[0] = wire_node_id("d");
	oc->egress_names = calloc(1, sizeof(*oc->egress_names));
	snprintf(oc->egress_names[0], sizeof(oc->egress_names[0]), "d");
}

/*
 * b dies; returns 1 if, in the step a noticed, a's route to d moved to
 * c as a loop-free alternate (*lfa: repairs counted).
 */
static int
cut_b(uint64_t *lfa)
{
	uint64_t t0 = now, before = engine_counters(A)->lfa_repairs;

	S[1].mode = B_SILENT;
	while (!t_down && now < t0 + 2 * SEC)
		step_to(now + MSEC);
	*lfa = engine_counters(A)->lfa_repairs - before;
	return t_down && engine_route(A, 1)->reachable &&
	    engine_route(A, 1)->next_hop == wire_node_id("c");
}

/* Fresh engine, both peers probing, b's row known; settled at 12 s
 * (past PROBE_HOT_AFTER_CHANGE: b is fast because it carries a route). */
static void
start(void)
{
	if (A != NULL)
		engine_free(A);
	qn = 0;
	now = 0;
	t_down = t_row_to_c = 0;
	S[1].mode = S[2].mode = B_PROBES;
	S[1].skip = S[2].skip = 0;
	S[1].owe = S[2].owe = 0;
	S[1].next = 38 * MSEC;
	S[2].next = 69 * MSEC;
	A = engine_new(&C, &ops, &a_arg, now, 1, 42);
	step_to(500 * MSEC);
	script_row(&S[1], 1);
	/*
	 * 40 s: a link with little history counts as slightly lossy
	 * (engine-nbr.c, rx_q_high()); after 300 clean probes of the peer's
	 * its multiplier is the configured 2.
	 */
	step_to(40 * SEC);
}

int
main(void)
{
	struct engine_peer_info pi;
	uint64_t t0, last;

	wire_init();
	log_init("test_detect", LOG_TO_STDERR, -1);
	q = calloc(QMAX, sizeof(*q));
	setup();

	/* 1. Silence from the peer's own schedule: down within 2 x 110 ms. */
	start();
	engine_peer(A, 1, &pi);
	ok(state_of(0) == LINK_UP && state_of(1) == LINK_UP,
	    "both links up (c: %s, loss %.1f %%)", link_state_name(pi.state),
	    pi.loss_pct);
	engine_peer(A, 0, &pi);
	is_int((int)(pi.probe_interval / MSEC), 100,
	    "a-b carries a route: probed at the fast rate");
	ok(engine_route(A, 0)->reachable &&
	    engine_route(A, 0)->next_hop == S[1].id, "a routes via b");
	step_to(now + 57 * MSEC);
	S[1].mode = B_SILENT;	/* b dies: what is in flight is lost too */
	t0 = now;
	while (!t_down && now < t0 + 2 * SEC)
		step_to(now + MSEC);
	last = t_b_heard;
	ok(t_down != 0, "silent peer declared down");
	ok(t_down - last <= 220 * MSEC && t_down - t0 <= 220 * MSEC,
	    "down %.0f ms after the cut, %.0f ms after b was last heard "
	    "(2 x its 110 ms hold)", (double)(t_down - t0) / MSEC,
	    (double)(t_down - last) / MSEC);
	ok(t_down - last >= 200 * MSEC,
	    "not before two of b's gaps passed (%.0f ms)",
	    (double)(t_down - last) / MSEC);

	/* 2. News first: the row saying so left for c at the same instant. */
	ok(t_row_to_c != 0 && t_row_to_c == t_down,
	    "a's row went to c when the link was declared down (%+.0f ms)",
	    t_row_to_c ? ((double)t_row_to_c - (double)t_down) / MSEC : -1);
	ok(!engine_route(A, 0)->reachable, "route via b withdrawn at once");

	/* 3. A peer that only answers (PROBE_REPLY, no probes of its own). */
	start();
	S[1].mode = B_ANSWERS;
	routes_changed = 0;
	step_to(now + 5 * SEC);
	engine_peer(A, 0, &pi);
	ok(state_of(0) == LINK_UP && pi.probe_interval == 100 * MSEC,
	    "a peer that only answers is not taken as dead (5 s, fast "
	    "probing)");
	is_int(routes_changed, 0, "... and no route moved");

	/* 4. Late but alive: one own probe skipped (a 200 ms gap), then one
	 * datagram delayed by 100 ms in the network. */
	start();
	S[1].skip = 1;
	step_to(now + 1 * SEC);
	ok(state_of(0) == LINK_UP && !t_down,
	    "one missing datagram (a 200 ms gap) is not death");
	S[1].extra_delay = 100 * MSEC;
	step_to(now + 1 * SEC);
	ok(state_of(0) != LINK_DOWN && !t_down,
	    "a datagram 100 ms late is not death (down at %+.0f ms)",
	    t_down ? ((double)t_down - (double)now) / MSEC : 0);
	/* our own host stalls for 400 ms; when a runs again its timer
	 * comes before the datagrams that waited (the worst order) */
	stall_until = now + 400 * MSEC;
	step_to(now + 1 * SEC);
	stall_until = 0;
	ok(state_of(0) != LINK_DOWN && !t_down,
	    "a stall of our own is not the peer's silence");
	/* and the old rule still judges a peer whose probes stop but
	 * whose answers come: it is alive */
	S[1].mode = B_ANSWERS;
	step_to(now + 3 * SEC);
	ok(state_of(0) != LINK_DOWN && !t_down,
	    "a peer that stops probing but answers stays up (%s)",
	    link_state_name(state_of(0)));

	/* 5. detect-multiplier 0 turns it off: down only after down-after
	 * missed answers (4 x 100 ms plus the timeout). */
	C.p.detect_mult = 0;
	start();
	S[1].mode = B_SILENT;
	t0 = now;
	while (!t_down && now < t0 + 3 * SEC)
		step_to(now + MSEC);
	ok(t_down && t_down - t0 > 300 * MSEC,
	    "detect-multiplier 0: down after %.0f ms (missed answers only)",
	    (double)(t_down - t0) / MSEC);
	C.p.detect_mult = 2;

	/*
	 * 6. The loop-free alternate (RFC 5286). c-d 12 ms, b-c 50 ms:
	 * dist(c,d) = 12 < dist(c,a) + dist(a,d) = 10 + 20, so c is an
	 * alternate for d, and node-protecting (12 < dist(c,b) + dist(b,d)).
	 */
	{
		uint64_t lfa;
		int moved;

		start();
		square(50, 12);
		step_to(now + 2 * SEC);
		ok(engine_route(A, 1)->reachable &&
		    engine_route(A, 1)->next_hop == S[1].id &&
		    engine_route(A, 1)->pathlen == 3, "a reaches d via b");
		moved = cut_b(&lfa);
		ok(moved && lfa == 1,
		    "LFA: a -> d moves to c in the step b is declared down "
		    "(%llu route repaired: d's; b's own egress is b)",
		    (unsigned long long)lfa);
		ok(engine_route(A, 1)->pathlen == 3 &&
		    engine_route(A, 1)->path[2] == wire_node_id("d"),
		    "LFA: the path is c's own, straight to d");
	/*
	 * c-d 100 ms, b-c 50 ms: c's best path to d is back through a
	 * (10 + 10 + 10 < 50 + 10 < 100), dist(c,d) = dist(c,a) +
	 * dist(a,d): not loop-free, no alternate. SPF still moves the
	 * route (at once), knowing what c does not yet know.
	 */
		start();
		square(50, 100);
		step_to(now + 2 * SEC);
		moved = cut_b(&lfa);
		ok(!moved || lfa == 0, "LFA: a neighbour whose path comes back "
		    "through us is no alternate (%llu repaired)",
		    (unsigned long long)lfa);
		step_to(now + 100 * MSEC);
		ok(engine_route(A, 1)->reachable &&
		    engine_route(A, 1)->next_hop == S[2].id,
		    "LFA: without one, SPF moved the route all the same");
	}

	engine_free(A);
	engine_conf_free(&C);
	free(q);
	return done_testing();
}
