/*
 * libFuzzer harness for the protocol engine end to end (src/engine.h):
 * authenticated datagrams from three configured peers, interleaved with
 * timers on a virtual clock. It reaches what the wire fuzzer cannot: LSA
 * reassembly and installation (lsdb.c), relaying, summaries and requests,
 * the prober, and SPF and route computation on hostile databases.
 *
 * The engine under test is "fz-self" with peers fz-a, fz-b, fz-c and two
 * origins whose egresses include the peers, the engine itself and two
 * nodes (fz-far, fz-far2) that only the database can tell about; a
 * second config (see conf_init()) can be switched to and back with
 * engine_reconfigure(). Every datagram gets a valid header and MAC; the
 * fuzzer controls the bodies.
 *
 * Input: one profile byte, then records until the input ends:
 *
 *	profile  bit 0: the fastest timers the config allows (see
 *	         set_params()), otherwise the defaults;
 *	         bit 1: our own id is one of the origins' egresses
 *	op       bits 0-1: peer 0..2, or 3 for no packet: only time passes
 *	         and, if the kind is 7, the engine switches configs
 *	         bits 2-4: kind of packet (below)
 *	         bits 5-7: how far the clock moves first (dtab[])
 *	len      (peers 0..2 only) one byte; 0xff means two more bytes of
 *	         big-endian length
 *	data     len bytes (clamped to what is left)
 *
 *	kind 0   a PROBE_REPLY answering the last PROBE the engine sent this
 *	         peer, with data[0..3] as turnaround (us), data[4..11] as
 *	         the digest (else the engine's own digest) and data[12] as
 *	         the mask of earlier probes answered, so links come up;
 *	kind 1-5 a message of that type (wire.h) with data as its body;
 *	kind 6   the last datagram of type data[0] % 6 + 1 that the engine
 *	         sent (to anyone), sent back as coming from this peer;
 *	kind 7   data[0..23] is the header verbatim (sender, boot, seq,
 *	         type, magic, version all fuzzed) and the rest the body; only
 *	         the length field and the MAC are fixed up.
 *
 * Kinds 0-6 carry sender = the id of the node that is that peer in the
 * current config, its boot id and its next sequence number. Time advances
 * by stepping through the engine's own deadlines (at most 64 per record),
 * as the daemon's timer would.
 *
 * Beyond the sanitizers, the harness checks after every step that
 *	- every datagram the engine sends fits the MTU and decodes with the
 *	  key, from our id, with a strictly increasing sequence number;
 *	- after engine_run(now), the next deadline is in the future (else the
 *	  daemon's timer would spin);
 *	- the database is consistent: the digest and row count match the
 *	  rows, links are sorted and point at live slots holding the peer,
 *	  reference counts match the links, every node is found by id;
 *	- our own row is in it (refreshed before it can expire);
 *	- routes and peer views can be read in full (path lengths are true).
 *
 * ARGO_FUZZ_WRITE_SEEDS=DIR writes a few seed inputs to DIR and exits;
 * ARGO_FUZZ_WRITE_DICT=FILE writes a libFuzzer dictionary of the node ids
 * and names (big-endian, as on the wire) and exits.
 */
#include "config.h"

#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "engine.h"
#include "lsdb.h"
#include "params.h"
#include "prefix.h"
#include "wire.h"
#include "fuzz_util.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define NPEERS		3		/* configured peers, in any variant */
#define NNODES		4		/* peers of either variant */
#define NFAR		2
#define MAX_DGRAM	0xffff
#define MAX_STEPS	64		/* engine deadlines run per record */
#define T0		(1000 * SEC)	/* virtual clock start; not 0 */
#define BOOT		1000		/* the engine's boot id */
#define PEER_BOOT	500

static const char *self_name = "fz-self";
static const char *node_names[NNODES] = { "fz-a", "fz-b", "fz-c", "fz-d" };
static const char *far_names[NFAR] = { "fz-far", "fz-far2" };
static uint32_t self_id, node_ids[NNODES], far_ids[NFAR];
/* Config variant -> peer index -> node. */
static const size_t vmap[2][NPEERS] = { { 0, 1, 2 }, { 2, 0, 3 } };

static const uint64_t dtab[8] = {
	0, 1 * MSEC, 5 * MSEC, 20 * MSEC, 100 * MSEC, 1 * SEC, 10 * SEC,
	150 * SEC,
};

static uint8_t key[WIRE_KEY_LEN];
static FILE *errf;		/* the real stderr, for our own reports */

/* Per-input state. */
static struct {
	struct engine	*e;
	uint64_t	 now;
	int		 variant;
	uint8_t		 profile;
	uint64_t	 node_seq[NNODES];
	uint64_t	 last_tx_seq[NNODES];	/* by node: a reload
						   renumbers peers */
	/* what the engine sent */
	uint8_t		 last[WIRE_TYPE_MAX][WIRE_MTU];
	size_t		 last_len[WIRE_TYPE_MAX];
	int		 probe_have[NPEERS];
	uint32_t	 probe_seq[NPEERS];
} st;

static void
die(const char *what)
{
	fprintf(errf != NULL ? errf : stderr,
	    "fuzz_lsa: invariant violated: %s\n", what);
	abort();
}

static void
seal(uint8_t *d, size_t len)
{
	fuzz_seal(key, self_id, d, len);
}

/* --------------------------------------------------------- engine side */

static void
on_send(void *arg, size_t peer, const void *buf, size_t len)
{
	struct wire_msg m;
	enum wire_reject why;
	struct wire_lsa_entry le;
	struct wire_summary_entry se;
	volatile uint32_t sink = 0;
	size_t i;

	(void)arg;
	if (peer >= NPEERS)
		die("send to a peer index out of range");
	if (len > WIRE_MTU)
		die("engine sent a datagram larger than WIRE_MTU");
	if (wire_is_compact(buf, len)) {
		/*
		 * A compact probe (wire.h), to a peer that spoke 6: expanded
		 * as the peer would, from what the engine sent it before
		 * (its first datagram to a peer is never compact). Our
		 * peers' asks come from the input and are not kept: any
		 * reference at or above 256 keeps an answer's number
		 * nonzero, and the engine's answers are not checked here.
		 */
		struct wire_compact_ctx c;

		memset(&c, 0, sizeof(c));
		c.sender = self_id;
		c.have_boot = st.last_tx_seq[vmap[st.variant][peer]] != 0;
		c.boot = BOOT;
		c.top = st.last_tx_seq[vmap[st.variant][peer]];
		c.window = 64;
		c.ask_ref = st.probe_have[peer] ? st.probe_seq[peer] : 0;
		c.ans_ref = 0x100;
		if (len != WIRE_COMPACT_LEN)
			die("engine sent a compact datagram of another length");
		if (wire_decode_compact(key, node_ids[vmap[st.variant][peer]],
		    &c, buf, len, &m, &why) != 0)
			die("engine sent a compact datagram that does not "
			    "decode");
	} else if (wire_decode(key, node_ids[vmap[st.variant][peer]], buf,
	    len, &m, &why) != 0)
		die("engine sent a datagram that does not decode");
	if (m.hdr.sender != self_id || m.hdr.boot != BOOT)
		die("engine sent a wrong sender or boot id");
	if (m.hdr.seq <= st.last_tx_seq[vmap[st.variant][peer]])
		die("engine's sequence numbers to a peer do not increase");
	st.last_tx_seq[vmap[st.variant][peer]] = m.hdr.seq;
	switch (m.hdr.type) {
	case WIRE_PROBE:
		st.probe_have[peer] = 1;
		st.probe_seq[peer] = m.u.probe.ask_seq;
		break;
	case WIRE_LSA:
		for (i = 0; i < m.u.lsa.nentries; i++) {
			wire_lsa_entry(&m.u.lsa, i, &le);
			sink += le.peer;
		}
		break;
	case WIRE_SUMMARY:
		for (i = 0; i < m.u.list.n; i++) {
			wire_summary_entry(&m.u.list, i, &se);
			sink += se.origin;
		}
		break;
	case WIRE_REQUEST:
		for (i = 0; i < m.u.list.n; i++)
			sink += wire_request_entry(&m.u.list, i);
		break;
	}
	(void)sink;
	memcpy(st.last[m.hdr.type], buf, len);
	st.last_len[m.hdr.type] = len;
}

static void
on_link(void *arg, const struct engine_link_event *ev)
{
	(void)arg;
	if (ev->peer >= NPEERS || ev->name == NULL || strlen(ev->name) >
	    WIRE_NAME_MAX)
		die("bad link event");
}

static void
check_route(const struct engine_route *r)
{
	volatile uint32_t sink = 0;
	char pfx[PREFIX_STRLEN];
	size_t i;

	if (r == NULL || r->origin == NULL || r->prefix == NULL)
		die("route without origin or prefix");
	sink += (uint32_t)strlen(r->origin) + (uint32_t)strlen(r->prefix);
	if (strcmp(r->prefix, prefix_fmt(&r->pfx, pfx, sizeof(pfx))) != 0)
		die("route prefix text is not its prefix");
	if (!r->reachable)
		return;
	if (r->pathlen == 0 || r->path == NULL)
		die("reachable route without a path");
	for (i = 0; i < r->pathlen; i++)
		sink += r->path[i];
	if (r->path[0] != self_id)
		die("route path does not start here");
	if (r->path[r->pathlen - 1] != r->egress)
		die("route path does not end at the egress");
	if (r->pathlen > 1 && r->path[1] != r->next_hop)
		die("route next hop is not the path's second node");
	if (r->egress_name != NULL)
		sink += (uint32_t)strlen(r->egress_name);
	if (r->next_hop_name != NULL)
		sink += (uint32_t)strlen(r->next_hop_name);
	if (r->has_runner_up) {
		if (r->runner_up_path == NULL || r->runner_up_pathlen == 0)
			die("runner-up without a path");
		for (i = 0; i < r->runner_up_pathlen; i++)
			sink += r->runner_up_path[i];
	}
	(void)sink;
}

static void
on_route(void *arg, const struct engine_route_event *ev)
{
	(void)arg;
	if (ev->old == NULL && ev->new == NULL)
		die("route event with neither old nor new");
	if (ev->old != NULL)
		check_route(ev->old);
	if (ev->new != NULL)
		check_route(ev->new);
}

static const struct engine_ops ops = { on_send, on_link, on_route, NULL,
    NULL };

static void
check_lsdb(const struct lsdb *db)
{
	uint64_t digest = 0;
	size_t s, i, rows = 0;
	unsigned *refs;

	if (db->nslots > 0 && db->slots == NULL)
		die("lsdb: slots missing");
	refs = calloc(db->nslots + 1, sizeof(*refs));
	if (refs == NULL)
		abort();
	for (s = 0; s < db->nslots; s++) {
		const struct lsdb_node *n = &db->slots[s];

		if (!n->in_use) {
			if (n->has_row || n->nlinks != 0)
				die("lsdb: free slot holds a row");
			continue;
		}
		if (lsdb_slot(db, n->id) != (long)s)
			die("lsdb: node not found by its id");
		if (n->id == 0)
			die("lsdb: node id 0");
		if (!n->has_row) {
			if (n->nlinks != 0)
				die("lsdb: links without a row");
			continue;
		}
		rows++;
		digest ^= lsdb_entry_hash(n->id, n->boot, n->seq);
		if (memchr(n->name, '\0', sizeof(n->name)) == NULL)
			die("lsdb: name not terminated");
		for (i = 0; i < n->nlinks; i++) {
			const struct lsdb_link *l = &n->links[i];

			if (l->slot >= db->nslots)
				die("lsdb: link to a slot out of range");
			if (!db->slots[l->slot].in_use ||
			    db->slots[l->slot].id != l->peer)
				die("lsdb: link slot does not hold its peer");
			if (l->peer == n->id || l->peer == 0 || l->state > 2)
				die("lsdb: self, zero or bad-state link kept");
			if (i > 0 && n->links[i - 1].peer >= l->peer)
				die("lsdb: links not sorted or duplicated");
			refs[l->slot]++;
		}
	}
	for (s = 0; s < db->nslots; s++)
		if (db->slots[s].in_use && db->slots[s].refs != refs[s])
			die("lsdb: reference count differs from the links");
	free(refs);
	if (rows != db->nrows)
		die("lsdb: row count differs");
	if (digest != db->digest)
		die("lsdb: digest differs from the rows");
}

static void
check_engine(const struct engine *e)
{
	struct engine_peer_info pi;
	const struct lsdb_node *own;
	volatile size_t sink = 0;
	size_t i;

	check_lsdb(engine_lsdb(e));
	/*
	 * Our own row is installed by engine_new() and refreshed well
	 * within its max age (the config demands maxage > 2 * refresh). Without
	 * it SPF has no root and the routes freeze.
	 */
	own = lsdb_find(engine_lsdb(e), self_id);
	if (own == NULL || !own->has_row)
		die("our own row is missing from the database");
	for (i = 0; i < engine_nroutes(e); i++)
		check_route(engine_route(e, i));
	for (i = 0; i < engine_npeers(e); i++) {
		engine_peer(e, i, &pi);
		sink += strlen(pi.name);
	}
	for (i = 0; i < NFAR; i++) {
		const char *n = engine_node_name(e, far_ids[i]);

		if (n != NULL)
			sink += strlen(n);
	}
	(void)sink;
}

static void
engine_tick(uint64_t now)
{
	st.now = now;
	engine_run(st.e, now);
	if (engine_next_deadline(st.e) <= now)
		die("next deadline not after engine_run(now): timer would spin");
}

/* Move the clock by dt through the engine's deadlines. */
static void
advance(uint64_t dt)
{
	uint64_t target = st.now + dt, d;
	int k;

	if (dt == 0)
		return;
	for (k = 0; k < MAX_STEPS; k++) {
		d = engine_next_deadline(st.e);
		if (d > target)
			break;
		engine_tick(d > st.now ? d : st.now);
	}
	engine_tick(target);
}

/* ----------------------------------------------------------- packets */

static void
deliver(size_t peer, uint8_t *d, size_t len)
{
	engine_input(st.e, st.now, (long)peer, d, len, st.now);
	check_engine(st.e);
}

/* A datagram with a good header from peer and body b; heap-sized
 * exactly, so reads past the end are caught. */
static void
send_forged(size_t peer, uint8_t type, const uint8_t *b, size_t blen)
{
	uint8_t *d;
	size_t len;

	if (blen > MAX_DGRAM - WIRE_HDR_LEN - WIRE_MAC_LEN)
		blen = MAX_DGRAM - WIRE_HDR_LEN - WIRE_MAC_LEN;
	len = WIRE_HDR_LEN + blen + WIRE_MAC_LEN;
	if ((d = malloc(len)) == NULL)
		abort();
	put16(d, WIRE_MAGIC);
	d[2] = WIRE_VERSION;
	d[3] = type;
	put16(d + 4, (uint16_t)len);
	put16(d + 6, 0);
	put32(d + 8, node_ids[vmap[st.variant][peer]]);
	put32(d + 12, PEER_BOOT + (uint32_t)vmap[st.variant][peer]);
	put64(d + 16, ++st.node_seq[vmap[st.variant][peer]]);
	if (blen > 0)
		memcpy(d + WIRE_HDR_LEN, b, blen);
	seal(d, len);
	deliver(peer, d, len);
	free(d);
}

/* kind 7: header from the input, length and MAC fixed up. */
static void
send_header_fuzzed(size_t peer, const uint8_t *b, size_t blen)
{
	uint8_t *d;
	size_t len;

	if (blen < WIRE_HDR_LEN)
		return;
	if (blen > MAX_DGRAM - WIRE_MAC_LEN)
		blen = MAX_DGRAM - WIRE_MAC_LEN;
	len = blen + WIRE_MAC_LEN;
	if ((d = malloc(len)) == NULL)
		abort();
	memcpy(d, b, blen);
	put16(d + 4, (uint16_t)len);
	seal(d, len);
	deliver(peer, d, len);
	free(d);
}

static void
send_probe_reply(size_t peer, const uint8_t *b, size_t blen)
{
	uint8_t body[24];

	if (!st.probe_have[peer])
		return;
	memset(body, 0, sizeof(body));
	body[0] = WIRE_PROBE_F_ANSWER;
	body[1] = blen >= 13 ? b[12] : 0;
	put32(body + 8, st.probe_seq[peer]);
	put32(body + 12, blen >= 4 ? get32(b) : 0);
	put64(body + 16, blen >= 12 ? get64(b + 4) : engine_digest(st.e));
	send_forged(peer, WIRE_PROBE_REPLY, body, sizeof(body));
}

static void
send_reflected(size_t peer, const uint8_t *b, size_t blen)
{
	uint8_t type = (uint8_t)((blen > 0 ? b[0] : 0) % (WIRE_TYPE_MAX - 1) +
	    1);
	size_t len = st.last_len[type];

	if (len == 0)
		return;
	send_forged(peer, type, st.last[type] + WIRE_HDR_LEN,
	    len - WIRE_HDR_LEN - WIRE_MAC_LEN);
}

/* --------------------------------------------------------------- conf */

static void
set_params(struct engine_params *p, int fast)
{
	const struct param *pr;
	size_t i;
	int a;

	params_default(p);
	if (!fast)
		return;
	/*
	 * The smallest values the config accepts (params.c): everything
	 * happens often. Where the first argument must stay above the second
	 * it gets one more; the cost clamp opens to its widest.
	 */
	for (i = 0; i < params_count(); i++) {
		pr = &params_table()[i];
		for (a = 0; a < pr->nargs; a++)
			params_set(p, pr, a, pr->arg[a].min);
		if (pr->rule == PARAM_GT)
			params_set(p, pr, 0, pr->arg[1].min + 1);
		else if (pr->rule == PARAM_LT)
			params_set(p, pr, 1, pr->arg[1].max);
	}
	/* Loss costs the most it can. */
	pr = params_find("cost", "loss-penalty");
	params_set(p, pr, 0, pr->arg[0].max);
	/* The other modes: idle links switch rate, congestion is priced. */
	p->probe_idle_interval = 20 * MSEC;
	p->hop_cost = 1;
	p->cong_penalty = 1;
}

/*
 * Two configs the engine is switched between by engine_reconfigure():
 * variant 0 has peers fz-a fz-b fz-c and origins fz-o1, fz-o2; variant 1
 * has peers fz-c fz-a fz-d (fz-b gone, the others moved) and origins
 * fz-o2 (same prefix, other egresses, so its route is carried over) and
 * fz-o3, and the other timer profile.
 */
static struct engine_peer_conf pconf[2][NPEERS];
static struct prefix o1_prefixes[] = {
	{ AF_INET, 8, { 10 } },			/* 10.0.0.0/8 */
	{ AF_INET6, 32, { 0x20, 0x01, 0x0d, 0xb8 } },	/* 2001:db8::/32 */
};
static struct prefix o2_prefixes[] = {
	{ AF_INET, 24, { 192, 0, 2 } },		/* 192.0.2.0/24 */
};
static struct prefix o3_prefixes[] = {
	{ AF_INET, 24, { 203, 0, 113 } },		/* 203.0.113.0/24 */
	{ AF_INET, 24, { 198, 51, 100 } },		/* 198.51.100.0/24 */
};
static uint32_t o1_egress[4], o2_egress[3], o2b_egress[2], o3_egress[2];
static char o1_egress_names[4][WIRE_NAME_MAX + 1];
static char o2_egress_names[3][WIRE_NAME_MAX + 1];
static char o2b_egress_names[2][WIRE_NAME_MAX + 1];
static char o3_egress_names[2][WIRE_NAME_MAX + 1];
static struct engine_origin_conf oconf[2][2];

static void
set_egress(uint32_t *ids, char (*names)[WIRE_NAME_MAX + 1], size_t i,
    const char *name)
{
	ids[i] = wire_node_id(name);
	snprintf(names[i], WIRE_NAME_MAX + 1, "%s", name);
}

static void
set_origin(struct engine_origin_conf *o, const char *name,
    struct prefix *prefixes, size_t nprefixes, uint32_t *egress,
    char (*egress_names)[WIRE_NAME_MAX + 1], size_t negress)
{
	snprintf(o->name, sizeof(o->name), "%s", name);
	o->prefixes = prefixes;
	o->nprefixes = nprefixes;
	o->egress = egress;
	o->egress_names = egress_names;
	o->negress = negress;
}

static void
conf_init(void)
{
	size_t i, v;

	self_id = wire_node_id(self_name);
	for (i = 0; i < NNODES; i++)
		node_ids[i] = wire_node_id(node_names[i]);
	for (i = 0; i < NFAR; i++)
		far_ids[i] = wire_node_id(far_names[i]);
	for (v = 0; v < 2; v++)
		for (i = 0; i < NPEERS; i++) {
			snprintf(pconf[v][i].name, sizeof(pconf[v][i].name),
			    "%s", node_names[vmap[v][i]]);
			pconf[v][i].id = node_ids[vmap[v][i]];
		}

	set_egress(o1_egress, o1_egress_names, 0, node_names[1]);
	set_egress(o1_egress, o1_egress_names, 1, far_names[0]);
	set_egress(o1_egress, o1_egress_names, 2, far_names[1]);
	set_egress(o1_egress, o1_egress_names, 3, self_name);
	set_origin(&oconf[0][0], "fz-o1", o1_prefixes, 2, o1_egress,
	    o1_egress_names, 3);
	set_egress(o2_egress, o2_egress_names, 0, far_names[0]);
	set_egress(o2_egress, o2_egress_names, 1, node_names[2]);
	set_egress(o2_egress, o2_egress_names, 2, node_names[0]);
	set_origin(&oconf[0][1], "fz-o2", o2_prefixes, 1, o2_egress,
	    o2_egress_names, 3);

	set_egress(o2b_egress, o2b_egress_names, 0, node_names[3]);
	set_egress(o2b_egress, o2b_egress_names, 1, far_names[0]);
	set_origin(&oconf[1][0], "fz-o2", o2_prefixes, 1, o2b_egress,
	    o2b_egress_names, 2);
	set_egress(o3_egress, o3_egress_names, 0, far_names[1]);
	set_egress(o3_egress, o3_egress_names, 1, self_name);
	set_origin(&oconf[1][1], "fz-o3", o3_prefixes, 2, o3_egress,
	    o3_egress_names, 2);
}

static void
make_conf(struct engine_conf *ec, uint8_t profile, int variant)
{
	memset(ec, 0, sizeof(*ec));
	snprintf(ec->name, sizeof(ec->name), "%s", self_name);
	ec->id = self_id;
	memcpy(ec->key, key, sizeof(key));
	set_params(&ec->p, (profile & 1) ^ variant);
	ec->peers = pconf[variant];
	ec->npeers = NPEERS;
	oconf[0][0].negress = (profile & 2) ? 4 : 3;
	ec->origins = oconf[variant];
	ec->norigins = 2;
}

static void
reconfigure(void)
{
	struct engine_conf ec;

	st.variant ^= 1;
	make_conf(&ec, st.profile, st.variant);
	if (engine_reconfigure(st.e, &ec, st.now) != 0)
		die("engine_reconfigure refused a config with the same name");
	memset(st.probe_have, 0, sizeof(st.probe_have));
	check_engine(st.e);
}

/* ------------------------------------------------------------- driver */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct engine_conf ec;
	size_t off = 1, len, peer;
	uint8_t op, kind;

	if (size < 1)
		return 0;
	memset(&st, 0, sizeof(st));
	st.profile = data[0];
	make_conf(&ec, st.profile, 0);
	st.now = T0;
	st.e = engine_new(&ec, &ops, NULL, st.now, BOOT, 1);
	check_engine(st.e);

	while (off < size) {
		op = data[off++];
		peer = op & 3;
		kind = (op >> 2) & 7;
		advance(dtab[op >> 5]);
		if (peer == 3) {
			if (kind == 7)
				reconfigure();
			continue;
		}
		if (off >= size)
			break;
		len = data[off++];
		if (len == 0xff) {
			if (size - off < 2)
				break;
			len = (size_t)data[off] << 8 | data[off + 1];
			off += 2;
		}
		if (len > size - off)
			len = size - off;
		switch (kind) {
		case 0:
			send_probe_reply(peer, data + off, len);
			break;
		case 6:
			send_reflected(peer, data + off, len);
			break;
		case 7:
			send_header_fuzzed(peer, data + off, len);
			break;
		default:
			send_forged(peer, kind, data + off, len);
			break;
		}
		off += len;
	}
	/* Let everything age out: expiry and SPF on an emptying database. */
	advance(150 * SEC);
	check_engine(st.e);
	engine_free(st.e);
	st.e = NULL;
	return 0;
}

/* -------------------------------------------------------------- seeds */

struct out {
	uint8_t	buf[8192];
	size_t	len;
};

static void
o_byte(struct out *o, uint8_t v)
{
	if (o->len >= sizeof(o->buf))
		abort();
	o->buf[o->len++] = v;
}

static void
o_bytes(struct out *o, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (n > sizeof(o->buf) - o->len)
		abort();
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void
o_tick(struct out *o, int dti)
{
	o_byte(o, (uint8_t)(dti << 5 | 3));
}

static void
o_rec(struct out *o, size_t peer, int kind, int dti, const uint8_t *b,
    size_t n)
{
	o_byte(o, (uint8_t)(dti << 5 | kind << 2 | (int)peer));
	if (n < 0xff)
		o_byte(o, (uint8_t)n);
	else {
		o_byte(o, 0xff);
		o_byte(o, (uint8_t)(n >> 8));
		o_byte(o, (uint8_t)n);
	}
	o_bytes(o, b, n);
}

/* An LSA body: origin's row, or part of it. */
static size_t
lsa_body(uint8_t *b, uint32_t origin, const char *name, uint32_t boot,
    uint32_t seq, uint16_t age, uint8_t part, uint8_t nparts,
    const struct wire_lsa_entry *e, size_t n)
{
	size_t k = 0, i, nl = strlen(name);

	put32(b + k, origin), k += 4;
	put32(b + k, boot), k += 4;
	put32(b + k, seq), k += 4;
	put16(b + k, age), k += 2;
	b[k++] = part;
	b[k++] = nparts;
	b[k++] = (uint8_t)nl;
	memcpy(b + k, name, nl), k += nl;
	put16(b + k, (uint16_t)n), k += 2;
	for (i = 0; i < n; i++) {
		put32(b + k, e[i].peer), k += 4;
		put16(b + k, e[i].rtt), k += 2;
		b[k++] = e[i].loss;
		b[k++] = e[i].state;
	}
	return k;
}

static void
write_file(const char *dir, const char *name, const struct out *o)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(o->buf, 1, o->len, f) != o->len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* Probes out, replies back: all three links up. */
static void
o_bringup(struct out *o)
{
	size_t i;

	o_tick(o, 4);
	o_tick(o, 4);
	for (i = 0; i < NPEERS; i++)
		o_rec(o, i, 0, 2, NULL, 0);
	o_tick(o, 4);
	for (i = 0; i < NPEERS; i++)
		o_rec(o, i, 0, 1, NULL, 0);
}

/* Each peer's own row: a full mesh among us four at 10-40 ms. */
/* Peer i's row as o_peer_rows() sends it, our link at rtt; returns the
 * number of entries. */
static size_t
peer_row(size_t i, uint16_t rtt, struct wire_lsa_entry *e)
{
	size_t j, k = 0;

	e[k].peer = self_id;
	e[k].rtt = rtt;
	e[k].loss = 0;
	e[k++].state = LINK_UP;
	for (j = 0; j < NPEERS; j++) {
		if (j == i)
			continue;
		e[k].peer = node_ids[j];
		e[k].rtt = (uint16_t)(100 * (i + j + 2));
		e[k].loss = (uint8_t)(2 * j);
		e[k++].state = j == 2 ? LINK_CONGESTED : LINK_UP;
	}
	return k;
}

/* lsdb_row_hash() of that row: what a delta making it must carry. */
static uint64_t
delta_hash(size_t i, uint16_t rtt)
{
	struct wire_lsa_entry e[NPEERS];

	return lsdb_entries_hash(node_ids[i], e, peer_row(i, rtt, e));
}

static void
o_peer_rows(struct out *o, uint32_t seq)
{
	uint8_t b[WIRE_MTU];
	struct wire_lsa_entry e[NPEERS];
	size_t i, k, n;

	for (i = 0; i < NPEERS; i++) {
		k = peer_row(i, (uint16_t)(100 * (i + 1)), e);
		n = lsa_body(b, node_ids[i], node_names[i], PEER_BOOT +
		    (uint32_t)i, seq, 0, 0, 1, e, k);
		o_rec(o, i, WIRE_LSA, 1, b, n);
	}
}

static void
write_seeds(const char *dir)
{
	struct out o;
	uint8_t b[WIRE_MTU];
	struct wire_lsa_entry e[4];
	size_t n;

	/* 1: bring-up, rows, time passes (refresh, expiry, SPF). */
	memset(&o, 0, sizeof(o));
	o_byte(&o, 0);
	o_bringup(&o);
	o_peer_rows(&o, 1);
	o_tick(&o, 5);
	o_rec(&o, 0, 0, 2, NULL, 0);
	o_tick(&o, 6);
	write_file(dir, "bringup", &o);

	/* 2: a far egress reached over fz-b, its row in two parts; then a
	 * newer version of it, one part only, left incomplete. */
	memset(&o, 0, sizeof(o));
	o_byte(&o, 2);
	o_bringup(&o);
	o_peer_rows(&o, 1);
	e[0].peer = node_ids[1], e[0].rtt = 50, e[0].loss = 0;
	e[0].state = LINK_UP;
	e[1].peer = far_ids[1], e[1].rtt = 70, e[1].loss = 1;
	e[1].state = LINK_UP;
	e[2].peer = node_ids[0], e[2].rtt = WIRE_RTT_UNKNOWN, e[2].loss = 200;
	e[2].state = LINK_DOWN;
	n = lsa_body(b, far_ids[0], far_names[0], 77, 5, 1, 0, 2, e, 2);
	o_rec(&o, 1, WIRE_LSA, 1, b, n);
	n = lsa_body(b, far_ids[0], far_names[0], 77, 5, 1, 1, 2, e + 2, 1);
	o_rec(&o, 0, WIRE_LSA, 1, b, n);
	/* fz-b's row must list fz-far for the two-way check. */
	e[0].peer = self_id, e[0].state = LINK_UP, e[0].rtt = 200;
	e[1].peer = far_ids[0], e[1].state = LINK_UP, e[1].rtt = 50;
	e[1].loss = 0;
	n = lsa_body(b, node_ids[1], node_names[1], PEER_BOOT + 1, 2, 0, 0, 1,
	    e, 2);
	o_rec(&o, 1, WIRE_LSA, 1, b, n);
	o_tick(&o, 4);
	n = lsa_body(b, far_ids[0], far_names[0], 77, 6, 1, 1, 3, e, 1);
	o_rec(&o, 2, WIRE_LSA, 1, b, n);
	o_tick(&o, 5);
	write_file(dir, "multipart", &o);

	/* 3: anti-entropy: a summary with unknown, older and newer rows
	 * (ours too), a request for everything, our packets reflected. */
	memset(&o, 0, sizeof(o));
	o_byte(&o, 1);
	o_bringup(&o);
	o_peer_rows(&o, 3);
	memset(b, 0, sizeof(b));
	put16(b, 4);
	put32(b + 4, far_ids[1]), put32(b + 8, 9), put32(b + 12, 9);
	put32(b + 16, node_ids[0]), put32(b + 20, PEER_BOOT), put32(b + 24, 1);
	put32(b + 28, node_ids[2]), put32(b + 32, PEER_BOOT + 2);
	put32(b + 36, 9);
	put32(b + 40, self_id), put32(b + 44, BOOT), put32(b + 48, 100);
	o_rec(&o, 0, WIRE_SUMMARY, 2, b, 52);
	memset(b, 0, sizeof(b));
	put16(b, 3);
	put32(b + 4, self_id), put32(b + 8, node_ids[1]);
	put32(b + 12, far_ids[0]);
	o_rec(&o, 1, WIRE_REQUEST, 2, b, 16);
	b[0] = WIRE_LSA - 1;
	o_rec(&o, 2, 6, 1, b, 1);
	b[0] = WIRE_SUMMARY - 1;
	o_rec(&o, 0, 6, 1, b, 1);
	b[0] = WIRE_PROBE - 1;
	o_rec(&o, 1, 6, 3, b, 1);
	o_tick(&o, 5);
	write_file(dir, "antientropy", &o);

	/* 4: a peer probes us; a replayed and a foreign-sender header. */
	memset(&o, 0, sizeof(o));
	o_byte(&o, 0);
	o_bringup(&o);
	memset(b, 0, sizeof(b));
	/* flags 0, mask 0, hold 100 ms, asks seq 1, digest 1 */
	put16(b + 2, 100), put32(b + 4, 1), put64(b + 16, 1);
	o_rec(&o, 0, WIRE_PROBE, 2, b, 24);
	memmove(b + WIRE_HDR_LEN, b, 24);
	put16(b, WIRE_MAGIC), b[2] = WIRE_VERSION, b[3] = WIRE_PROBE;
	put32(b + 8, node_ids[2]), put32(b + 12, PEER_BOOT + 2);
	put64(b + 16, 1);
	o_rec(&o, 2, 7, 2, b, WIRE_HDR_LEN + 24);
	put32(b + 8, node_ids[0]);
	o_rec(&o, 1, 7, 2, b, WIRE_HDR_LEN + 24);
	o_tick(&o, 7);
	write_file(dir, "probes", &o);

	/*
	 * 4b: a peer's row, then deltas of it: one on the row we hold (one
	 * entry changes), one on a base we never had (we ask for the row).
	 */
	memset(&o, 0, sizeof(o));
	o_byte(&o, 0);
	o_bringup(&o);
	o_peer_rows(&o, 1);
	o_tick(&o, 2);
	memset(b, 0, sizeof(b));
	put16(b, WIRE_MAGIC), b[2] = WIRE_VERSION, b[3] = WIRE_LSA_DELTA;
	put32(b + 8, node_ids[0]), put32(b + 12, PEER_BOOT);
	put64(b + 16, (uint64_t)1 << 40);
	put32(b + 24, node_ids[0]), put32(b + 28, PEER_BOOT);
	put32(b + 32, 2), put32(b + 36, 1);	/* seq 2 on base 1 */
	put64(b + 40, delta_hash(0, 250));	/* the row it makes */
	put16(b + 48, 0), put16(b + 50, 1);	/* age 0, one entry */
	put32(b + 52, self_id), put16(b + 56, 250), b[58] = 0;
	b[59] = LINK_UP;
	o_rec(&o, 0, 7, 2, b, 60);
	put64(b + 16, ((uint64_t)1 << 40) + 1);
	put32(b + 32, 9), put32(b + 36, 5);	/* seq 9 on base 5 */
	o_rec(&o, 0, 7, 2, b, 60);
	o_tick(&o, 5);
	write_file(dir, "deltas", &o);

	/* 5: switch configs with links up and routes in place, then back. */
	memset(&o, 0, sizeof(o));
	o_byte(&o, 2);
	o_bringup(&o);
	o_peer_rows(&o, 1);
	o_tick(&o, 4);
	o_byte(&o, 7 << 2 | 3);
	o_bringup(&o);
	o_tick(&o, 5);
	o_byte(&o, 4 << 5 | 7 << 2 | 3);
	o_tick(&o, 5);
	write_file(dir, "reconfigure", &o);
}

static void
dict_id(FILE *f, const char *what, uint32_t id)
{
	fprintf(f, "%s=\"\\x%02x\\x%02x\\x%02x\\x%02x\"\n", what,
	    id >> 24, (id >> 16) & 0xff, (id >> 8) & 0xff, id & 0xff);
}

static void
write_dict(const char *path)
{
	FILE *f;
	size_t i;

	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	dict_id(f, "id_self", self_id);
	fprintf(f, "name_self=\"%s\"\n", self_name);
	for (i = 0; i < NNODES; i++) {
		dict_id(f, node_names[i], node_ids[i]);
		fprintf(f, "name_%zu=\"%s\"\n", i, node_names[i]);
	}
	for (i = 0; i < NFAR; i++) {
		dict_id(f, far_names[i], far_ids[i]);
		fprintf(f, "name_far%zu=\"%s\"\n", i, far_names[i]);
	}
	fclose(f);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *p;
	size_t i;

	(void)argc;
	(void)argv;
	if (wire_init() == -1)
		abort();
	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0xa0 + i);
	conf_init();
	if ((p = getenv("ARGO_FUZZ_WRITE_SEEDS")) != NULL) {
		write_seeds(p);
		exit(0);
	}
	if ((p = getenv("ARGO_FUZZ_WRITE_DICT")) != NULL) {
		write_dict(p);
		exit(0);
	}
	/*
	 * The engine logs link and route changes on stderr: quiet it, but
	 * only the stdio stream. libFuzzer keeps its own copy of the FILE *
	 * and the sanitizers write to fd 2 directly, so their reports stay.
	 */
	errf = stderr;
	if (getenv("ARGO_FUZZ_VERBOSE") == NULL) {
		FILE *null = fopen("/dev/null", "w");

		if (null != NULL)
			stderr = null;
	}
	return 0;
}
