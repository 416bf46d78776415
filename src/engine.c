/*
 * The argod protocol engine; see engine.h for the sans-I/O contract and
 * engine-int.h for how its parts divide the work. This file holds the
 * engine itself: creation, reconfiguration, the input and timer entry
 * points, the next deadline, and the read-only views. The whole row is
 * refreshed every lsa_refresh.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine-int.h"
#include "log.h"

#define EXPIRE_CHECK		(1 * SEC)
/*
 * Called this much past the deadline it gave, the engine was not
 * listening (its host stalled): see engine_run().
 */
#define STALL			(50 * MSEC)

static void	engine_run_global(struct engine *, uint64_t);
static void	peer_ids_build(struct engine *);

void
engine_conf_free(struct engine_conf *ec)
{
	size_t i;

	for (i = 0; i < ec->norigins; i++) {
		free(ec->origins[i].prefixes);
		free(ec->origins[i].egress);
		free(ec->origins[i].egress_names);
		free(ec->origins[i].tier);
		free(ec->origins[i].tier_names);
	}
	free(ec->origins);
	free(ec->peers);
	ec->origins = NULL;
	ec->peers = NULL;
	ec->norigins = ec->npeers = 0;
}

static void
conf_copy(struct engine_conf *dst, const struct engine_conf *src)
{
	size_t i;

	*dst = *src;
	dst->peers = xcalloc(src->npeers, sizeof(*dst->peers));
	/* A PoP without peers has src->peers NULL: no memcpy from NULL. */
	if (src->npeers > 0)
		memcpy(dst->peers, src->peers,
		    src->npeers * sizeof(*dst->peers));
	dst->origins = xcalloc(src->norigins, sizeof(*dst->origins));
	for (i = 0; i < src->norigins; i++) {
		const struct engine_origin_conf *so = &src->origins[i];
		struct engine_origin_conf *o = &dst->origins[i];

		*o = *so;
		o->prefixes = xcalloc(so->nprefixes, sizeof(*o->prefixes));
		memcpy(o->prefixes, so->prefixes,
		    so->nprefixes * sizeof(*o->prefixes));
		o->egress = xcalloc(so->negress, sizeof(*o->egress));
		memcpy(o->egress, so->egress, so->negress * sizeof(*o->egress));
		o->egress_names = xcalloc(so->negress,
		    sizeof(*o->egress_names));
		memcpy(o->egress_names, so->egress_names,
		    so->negress * sizeof(*o->egress_names));
		o->tier = xcalloc(so->ntier ? so->ntier : 1,
		    sizeof(*o->tier));
		o->tier_names = xcalloc(so->ntier ? so->ntier : 1,
		    sizeof(*o->tier_names));
		if (so->ntier > 0) {
			memcpy(o->tier, so->tier, so->ntier * sizeof(*o->tier));
			memcpy(o->tier_names, so->tier_names,
			    so->ntier * sizeof(*o->tier_names));
		}
	}
}

/* xorshift64*: jitter only, reproducible from the seed. */
uint64_t
engine_rnd(struct engine *e)
{
	e->rng ^= e->rng >> 12;
	e->rng ^= e->rng << 25;
	e->rng ^= e->rng >> 27;
	return e->rng * 0x2545f4914f6cdd1dULL;
}

/* d +- pct %, uniformly. */
uint64_t
engine_jitter(struct engine *e, uint64_t d, unsigned pct)
{
	uint64_t span = d * pct / 100;

	if (span == 0)
		return d;
	return d - span + engine_rnd(e) % (2 * span + 1);
}

void
engine_xmit(struct engine *e, size_t peer, size_t len)
{
	enum wire_type t;

	if (len == 0)
		return;
	e->c.tx_packets++;
	e->c.tx_bytes += len;
	t = wire_sent_type(e->pkt, len);
	e->c.tx_type_packets[t]++;
	e->c.tx_type_bytes[t] += len;
	e->ops->send(e->arg, peer, e->pkt, len);
}

/*
 * Sequence numbers count per peer (wire.h). A peer's counter starts at
 * the count of all datagrams sent so far, which no earlier counter of a
 * peer by that index can have passed: a peer removed and added again
 * by a reload within one boot never goes back in sequence.
 */
/* The highest version this engine speaks. */
unsigned
engine_version(const struct engine *e)
{
	unsigned v = e->conf.wire_version;

	return v < WIRE_VERSION_MIN || v > WIRE_VERSION ? WIRE_VERSION : v;
}

/*
 * What a peer gets: the highest version both speak, as far as its last
 * datagram of its current boot says. Until it has said anything, the
 * oldest we speak: both versions N - 1 and N accept it, so nothing sent
 * before the first answer is lost as bad_version; the header's max
 * field tells the peer we speak more, and its first datagram back tells
 * us the same, so two new PoPs move up within one round trip
 * (argod.8, "Wire versions").
 */
unsigned
engine_tx_version(const struct engine *e, size_t peer)
{
	unsigned v = engine_version(e), pv = e->peers[peer].ver;

	if (pv == 0)
		return WIRE_VERSION_MIN < v ? WIRE_VERSION_MIN : v;
	return pv < v ? pv : v;
}

void
engine_hdr(struct engine *e, size_t peer, struct wire_hdr *h,
    enum wire_type type)
{
	struct peer *p = &e->peers[peer];

	e->tx_seq++;
	h->version = (uint8_t)engine_tx_version(e, peer);
	h->maxver = (uint8_t)engine_version(e);
	h->type = type;
	h->sender = e->conf.id;
	h->boot = e->boot;
	h->seq = ++p->tx_seq;
	h->receiver = p->conf.id;
}

struct engine *
engine_new(const struct engine_conf *ec, const struct engine_ops *ops,
    void *arg, uint64_t now, uint32_t boot, uint64_t seed)
{
	struct engine *e = xcalloc(1, sizeof(*e));
	size_t i;

	conf_copy(&e->conf, ec);
	e->ops = ops;
	e->arg = arg;
	e->boot = boot;
	e->lsa_boot = boot;
	e->rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
	e->start = now;
	lsdb_init(&e->db);
	spf_graph_init(&e->g);
	spf_tree_init(&e->t);
	e->spf_hold = ec->p.spf_hold_min;
	e->npeers = ec->npeers;
	e->peers = xcalloc(e->npeers, sizeof(*e->peers));
	for (i = 0; i < e->npeers; i++)
		nbr_init(e, &e->peers[i], &ec->peers[i], now);
	peer_ids_build(e);
	nbr_timers_init(e);	/* routes_build() may move timers ... */
	origins_configure(e);
	routes_build(e, 0);
	nbr_timers_init(e);	/* ... so again */
	e->next_expire = now + EXPIRE_CHECK;
	e->relay_next = UINT64_MAX;
	e->ru_at = UINT64_MAX;
	e->tier_at = UINT64_MAX;
	spf_tree_init(&e->tier_rt);
	flood_originate(e, now);
	return e;
}

void
engine_free(struct engine *e)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nroutes; i++) {
		free(e->routes[i].path);
		free(e->routes[i].ru_path);
		free(e->routes[i].cand);
	}
	free(e->routes);
	tiers_free(e);
	free(e->served);
	for (i = 0; i < e->ndecls; i++)
		free(e->decls[i].d);
	free(e->decls);
	free(e->sent_ent);
	free(e->relay_at);
	free(e->relay_from);
	free(e->reqd);
	for (i = 0; i < e->caprtrees; i++)
		spf_tree_free(&e->rtrees[i].t);
	free(e->rtrees);
	spf_tree_free(&e->t);
	spf_graph_free(&e->g);
	lsdb_free(&e->db);
	nbr_timers_free(e);
	free(e->peer_ids);
	free(e->peers);
	engine_conf_free(&e->conf);
	free(e);
}

int
engine_reconfigure(struct engine *e, const struct engine_conf *ec,
    uint64_t now)
{
	struct engine_conf oldconf;
	struct peer *np;
	size_t i, j;

	if (ec->id != e->conf.id)
		return -1;	/* renaming a PoP takes a restart */
	np = xcalloc(ec->npeers, sizeof(*np));
	for (i = 0; i < ec->npeers; i++) {
		for (j = 0; j < e->npeers; j++)
			if (e->peers[j].conf.id == ec->peers[i].id)
				break;
		if (j < e->npeers) {
			np[i] = e->peers[j];	/* keeps link state */
			np[i].conf = ec->peers[i];
		} else
			nbr_init(e, &np[i], &ec->peers[i], now);
	}
	free(e->peers);
	e->peers = np;
	e->npeers = ec->npeers;
	peer_ids_build(e);
	nbr_timers_init(e);	/* for routes_build(), again below */
	oldconf = e->conf;
	conf_copy(&e->conf, ec);
	origins_configure(e);
	routes_build(e, 0);	/* matches by name */
	e->ru_cursor = 0;
	/* pending relays name peers by index, which the reload renumbered */
	for (i = 0; i < e->relay_cap; i++)
		e->relay_at[i] = 0;
	e->relay_next = UINT64_MAX;
	nbr_timers_init(e);
	engine_conf_free(&oldconf);
	flood_schedule_originate(e, now);
	routes_schedule_spf(e, now);
	return 0;
}

/*
 * Host drops: one window, the union of the intervals reported, restarted
 * when a report does not touch the last one (old drops no longer matter
 * to a probe sent after them).
 */
void
engine_host_drops(struct engine *e, uint64_t from, uint64_t to, uint64_t n)
{
	size_t i;

	if (n == 0)
		return;
	if (from > to)
		from = to;
	e->c.rx_host_drops += n;
	if (e->host_drop_to == 0 || from > e->host_drop_to)
		e->host_drop_from = from;
	if (to > e->host_drop_to)
		e->host_drop_to = to;
	/* any answer due in the window may have been dropped here */
	for (i = 0; i < e->npeers; i++) {
		probe_host_dropped(&e->peers[i].pl, from, to);
		nbr_attend(e, i);
	}
}

void
engine_host_drop_window(const struct engine *e, uint64_t *from,
    uint64_t *to)
{
	*from = e->host_drop_from;
	*to = e->host_drop_to;
}

/*
 * A compact probe (wire.h) leaves out what we know of its sender: who it
 * is (the source address said), the high half of its sequence (the
 * replay guard has the latest), and of its probe numbers (the last ask
 * it sent, our last to it). A PoP acting as an older release knows no
 * such datagram: to it the magic is wrong.
 */
static int
decode_compact(struct engine *e, const struct peer *p, const uint8_t *buf,
    size_t len, struct wire_msg *m, enum wire_reject *why)
{
	struct wire_compact_ctx c;

	if (engine_version(e) < WIRE_COMPACT_VERSION) {
		*why = REJ_MAGIC;
		return -1;
	}
	c.sender = p->conf.id;
	c.have_boot = p->rp.init;
	c.boot = p->rp.boot;
	c.top = p->rp.top;
	c.window = REPLAY_WINDOW;
	c.ask_ref = p->rx_ask;
	c.ans_ref = probe_last_seq(&p->pl);
	if (wire_decode_compact(e->conf.key, e->conf.id, &c, buf, len, m,
	    why) == 0)
		return 0;
	if (*why != REJ_MAC || !e->conf.has_key_next ||
	    wire_decode_compact(e->conf.key_next, e->conf.id, &c, buf, len, m,
	    why) == -1)
		return -1;
	e->c.rx_key_next++;
	return 0;
}

void
engine_input(struct engine *e, uint64_t now, long peer, const uint8_t *buf,
    size_t len, uint64_t rx_ts)
{
	struct wire_msg m;
	enum wire_reject why;
	struct peer *p;
	uint64_t x;
	unsigned ver;
	int restarted;

	e->c.rx_packets++;
	e->c.rx_bytes += len;
	if (peer < 0 || (size_t)peer >= e->npeers) {
		e->c.rejected[REJ_UNKNOWN_PEER]++;
		return;
	}
	p = &e->peers[peer];
	/*
	 * Key rollover (argod.8, "Keys"): a datagram that fails the MAC
	 * with our key may carry the next one, which peers that have
	 * already switched send with.
	 */
	if (wire_is_compact(buf, len)) {
		if (decode_compact(e, p, buf, len, &m, &why) == -1) {
			e->c.rejected[why]++;
			return;
		}
	} else if (wire_decode(e->conf.key, e->conf.id, buf, len, &m,
	    &why) == -1) {
		if (why != REJ_MAC || !e->conf.has_key_next ||
		    wire_decode(e->conf.key_next, e->conf.id, buf, len, &m,
		    &why) == -1) {
			e->c.rejected[why]++;
			return;
		}
		e->c.rx_key_next++;
	}
	/* a PoP of the previous release does not decode what is newer */
	if (m.hdr.version > engine_version(e)) {
		e->c.rejected[REJ_VERSION]++;
		return;
	}
	if (m.hdr.sender != p->conf.id) {
		e->c.rejected[REJ_SENDER]++;
		return;
	}
	restarted = p->rp.init && m.hdr.boot > p->rp.boot;
	switch (replay_check(&p->rp, m.hdr.boot, m.hdr.seq)) {
	case REPLAY_OK:
		break;
	case REPLAY_OLD_BOOT:
		e->c.rejected[REJ_REPLAY]++;
		return;
	case REPLAY_BELOW_WINDOW:
		e->c.rejected[REJ_BELOW_WINDOW]++;
		return;
	case REPLAY_DUPLICATE:
		e->c.rejected[REJ_DUPLICATE]++;
		return;
	}
	/*
	 * The versions it speaks: the higher of the datagram's and its max
	 * field (0 from version 4). A new boot may be an older release.
	 */
	ver = m.hdr.maxver > m.hdr.version ? m.hdr.maxver : m.hdr.version;
	if (ver > engine_version(e))
		ver = engine_version(e);
	if (restarted)
		p->ver = 0;
	if (ver > p->ver) {
		unsigned was = engine_tx_version(e, (size_t)peer);

		p->ver = (uint8_t)ver;
		if (engine_tx_version(e, (size_t)peer) > was && !restarted)
			flood_peer_upgraded(e, (size_t)peer, now);
	}
	if (restarted)
		nbr_restarted(e, (size_t)peer, now);
	if (m.hdr.type < WIRE_TYPE_MAX) {
		e->c.rx_type_packets[m.hdr.type]++;
		e->c.rx_type_bytes[m.hdr.type] += len;
	}
	/* proof of life, whatever it carries (engine-nbr.c, nbr_silent_at) */
	p->last_rx = rx_ts;
	p->rx_loss = nbr_rx_loss(p);
	switch (m.hdr.type) {
	case WIRE_PROBE:
	case WIRE_PROBE_REPLY:
		nbr_probe_input(e, (size_t)peer, &m, now, rx_ts);
		break;
	case WIRE_LSA:
		flood_lsa(e, (size_t)peer, &m.u.lsa, now);
		break;
	case WIRE_LSA_DELTA:
		flood_lsa_delta(e, (size_t)peer, &m.u.lsa, now);
		break;
	case WIRE_SUMMARY:
		flood_summary(e, (size_t)peer, &m.u.list, now);
		break;
	case WIRE_REQUEST:
		flood_request(e, (size_t)peer, &m.u.list, now);
		break;
	case WIRE_ORIGINS:
		origins_input(e, &m.u.list, now);
		break;
	case WIRE_ORIGIN_REQUEST:
		origins_request(e, (size_t)peer, &m.u.list);
		break;
	}
	nbr_timer_set(e, (size_t)peer);
	x = p->timer;
	if (x < e->peer_min)
		e->peer_min = x;
	/*
	 * Work that became due as a consequence (origination after a link
	 * change, an SPF run). Per-peer timers are left to engine_run():
	 * walking every peer on every packet would make input O(peers).
	 */
	engine_run_global(e, now);
	e->due = engine_next_deadline(e);
}

void
engine_run(struct engine *e, uint64_t now)
{
	long li;
	int stalled = e->due != 0 && now > e->due + STALL;

	/*
	 * The peers whose timers are due, and those that asked for a visit
	 * (engine-nbr.c, "Peer timers"); any other peer's visit would do
	 * nothing. After a stall, everyone.
	 */
	nbr_run_queue(e, now, stalled);
	while ((li = nbr_run_next(e)) >= 0) {
		size_t i = (size_t)li;
		struct peer *p = &e->peers[i];
		enum link_state from = p->pl.state;

		/*
		 * Silence we were not there to hear is no evidence: after a
		 * stall of our own (a loaded host, the process not run),
		 * every peer gets its full detection time again from now,
		 * and what waited in the socket meanwhile is read first.
		 */
		if (stalled && p->detect_from < now)
			p->detect_from = now;

		if (probe_expire(&p->pl, &e->conf.p, now))
			nbr_link_changed(e, i, from, now);
		else if (p->pl.missed > 0)
			nbr_probe_soon(e, p, now);
		from = p->pl.state;
		if (now >= nbr_silent_at(e, p) && probe_silent(&p->pl, now))
			nbr_link_changed(e, i, from, now);
		if (now >= p->next_probe)
			nbr_send_probe(e, i, now);
		/* after nbr_send_probe(), which may shorten the interval */
		if (p->quiet_done != p->last_rx && now >= nbr_quiet_at(e, p)) {
			p->quiet_done = p->last_rx;
			nbr_probe_soon(e, p, now);
		}
		if (p->adv_change_since != 0)
			nbr_check_advertisement(e, p, now, 0);
		nbr_timer_set(e, i);
	}
	e->peer_min = e->npeers > 0 ? e->timers[0].at :
	    UINT64_MAX;
	engine_run_global(e, now);	/* may lower peer_min again */
	e->due = engine_next_deadline(e);
}

static void
engine_run_global(struct engine *e, uint64_t now)
{
	/* origination first: a row saying a link was lost goes out at once */
	if ((e->originate_pending && now >= e->originate_at) ||
	    now >= e->next_refresh)
		flood_originate(e, now);
	flood_run_relays(e, now);
	if (now >= e->next_expire) {
		e->next_expire = now + EXPIRE_CHECK;
		if (lsdb_expire(&e->db, now) > 0)
			routes_schedule_spf(e, now);
	}
	if (e->spf_pending && now >= e->spf_at)
		routes_run_spf(e, now);
	routes_run_runner_ups(e, now);
	tiers_run(e, now);
	origins_run(e, now);
}

uint64_t
engine_next_deadline(const struct engine *e)
{
	uint64_t d = e->next_expire, x;

#define MIN(v) do { x = (v); if (x < d) d = x; } while (0)
	MIN(e->next_refresh);
	MIN(e->relay_next);
	MIN(e->ru_at);
	MIN(e->tier_at);
	MIN(e->peer_min);
	if (e->originate_pending)
		MIN(e->originate_at);
	if (e->spf_pending)
		MIN(e->spf_at);
#undef MIN
	return d;
}

size_t
engine_npeers(const struct engine *e)
{
	return e->npeers;
}

void
engine_peer(const struct engine *e, size_t i, struct engine_peer_info *pi)
{
	const struct peer *p = &e->peers[i];
	uint64_t base = probe_baseline(&p->pl);

	memset(pi, 0, sizeof(*pi));
	pi->name = p->conf.name;
	pi->id = p->conf.id;
	pi->state = p->pl.state;
	pi->state_since = p->pl.state_since;
	pi->rtt_ms = p->pl.have_rtt ? p->pl.srtt / 1e6 : -1;
	pi->rtt_min_ms = base ? base / 1e6 : -1;
	pi->jitter_ms = p->pl.have_rtt ? p->pl.jitter / 1e6 : 0;
	pi->loss_pct = probe_loss_permille(&p->pl) / 10.0;
	pi->last_seen = p->pl.last_seen;
	pi->adv_rtt_ms = p->adv_rtt == WIRE_RTT_UNKNOWN ? -1 :
	    p->adv_rtt / 10.0;
	pi->probes_sent = p->pl.sent;
	pi->replies_received = p->pl.received;
	pi->probe_interval = p->interval;
	pi->lrtt_ms = p->pl.have_rtt ? p->pl.lrtt / 1e6 : -1;
	pi->wire_version = engine_tx_version(e, i);
	pi->wire_heard = p->ver;
	pi->rx_loss_pct = nbr_rx_loss(p) / 10.0;
	pi->detect = nbr_detect_time(e, p);
}

size_t
engine_nroutes(const struct engine *e)
{
	return e->nroutes;
}

const struct engine_route *
engine_route(const struct engine *e, size_t i)
{
	return &e->routes[i].r;
}

/*
 * Peers by node id: open addressing over indices + 1, at most half full,
 * rebuilt with the peers (engine_new, engine_reconfigure). Route events
 * name next hops through engine_node_name(), which scanned the peers:
 * 6 % of argosim's time at 300 PoPs.
 */
static void
peer_ids_build(struct engine *e)
{
	size_t i, k, cap = 16;

	while (cap < 2 * e->npeers)
		cap *= 2;
	free(e->peer_ids);
	e->peer_ids = xcalloc(cap, sizeof(*e->peer_ids));
	e->peer_ids_cap = cap;
	for (i = 0; i < e->npeers; i++) {
		for (k = (e->peers[i].conf.id * 0x9e3779b1U) & (cap - 1);
		    e->peer_ids[k] != 0; k = (k + 1) & (cap - 1))
			if (e->peers[e->peer_ids[k] - 1].conf.id ==
			    e->peers[i].conf.id)
				break;
		if (e->peer_ids[k] == 0)	/* the first of equal ids */
			e->peer_ids[k] = (uint32_t)i + 1;
	}
}

/* The index of the peer with that id, npeers if none. */
size_t
engine_peer_by_id(const struct engine *e, uint32_t id)
{
	size_t k, cap = e->peer_ids_cap;
	uint32_t i;

	if (cap == 0)
		return e->npeers;
	for (k = (id * 0x9e3779b1U) & (cap - 1); (i = e->peer_ids[k]) != 0;
	    k = (k + 1) & (cap - 1))
		if (e->peers[i - 1].conf.id == id)
			return i - 1;
	return e->npeers;
}

const char *
engine_node_name(const struct engine *e, uint32_t id)
{
	const struct lsdb_node *n;
	size_t i, j;

	if (id == e->conf.id)
		return e->conf.name;
	if ((i = engine_peer_by_id(e, id)) < e->npeers)
		return e->peers[i].conf.name;
	n = lsdb_find(&e->db, id);
	if (n != NULL && n->has_row)
		return n->name;
	for (i = 0; i < e->conf.norigins; i++)
		for (j = 0; j < e->conf.origins[i].negress; j++)
			if (e->conf.origins[i].egress[j] == id)
				return e->conf.origins[i].egress_names[j];
	return NULL;
}

const char *
engine_node_cache(const struct engine *e, uint32_t id)
{
	const struct lsdb_node *n = lsdb_find(&e->db, id);

	return n != NULL && n->has_row && n->cache[0] != '\0' ? n->cache :
	    NULL;
}

uint64_t
engine_cache_generation(const struct engine *e)
{
	return e->db.cache_generation;
}

const struct engine_counters *
engine_counters(const struct engine *e)
{
	return &e->c;
}

const char *
engine_name(const struct engine *e)
{
	return e->conf.name;
}

uint32_t
engine_id(const struct engine *e)
{
	return e->conf.id;
}

uint64_t
engine_digest(const struct engine *e)
{
	return e->db.digest;
}

const struct lsdb *
engine_lsdb(const struct engine *e)
{
	return &e->db;
}
