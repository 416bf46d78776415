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

static void	engine_run_global(struct engine *, uint64_t);

void
engine_conf_free(struct engine_conf *ec)
{
	size_t i;

	for (i = 0; i < ec->norigins; i++) {
		free(ec->origins[i].prefixes);
		free(ec->origins[i].egress);
		free(ec->origins[i].egress_names);
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
	if (len == 0)
		return;
	e->c.tx_packets++;
	e->c.tx_bytes += len;
	e->ops->send(e->arg, peer, e->pkt, len);
}

/*
 * Sequence numbers count per peer (wire.h). A peer's counter starts at
 * the count of all datagrams sent so far, which no earlier counter of a
 * peer by that index can have passed: a peer removed and added again
 * by a reload within one boot never goes back in sequence.
 */
void
engine_hdr(struct engine *e, size_t peer, struct wire_hdr *h,
    enum wire_type type)
{
	struct peer *p = &e->peers[peer];

	e->tx_seq++;
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
	routes_build(e);
	nbr_min_deadline(e);
	e->next_expire = now + EXPIRE_CHECK;
	e->relay_next = UINT64_MAX;
	e->ru_at = UINT64_MAX;
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
	}
	free(e->routes);
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
	oldconf = e->conf;
	conf_copy(&e->conf, ec);
	routes_build(e);	/* matches by name against the old conf */
	e->ru_cursor = 0;
	/* pending relays name peers by index, which the reload renumbered */
	for (i = 0; i < e->relay_cap; i++)
		e->relay_at[i] = 0;
	e->relay_next = UINT64_MAX;
	nbr_min_deadline(e);
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
	if (n == 0)
		return;
	if (from > to)
		from = to;
	e->c.rx_host_drops += n;
	if (e->host_drop_to == 0 || from > e->host_drop_to)
		e->host_drop_from = from;
	if (to > e->host_drop_to)
		e->host_drop_to = to;
}

void
engine_host_drop_window(const struct engine *e, uint64_t *from,
    uint64_t *to)
{
	*from = e->host_drop_from;
	*to = e->host_drop_to;
}

void
engine_input(struct engine *e, uint64_t now, long peer, const uint8_t *buf,
    size_t len, uint64_t rx_ts)
{
	struct wire_msg m;
	enum wire_reject why;
	struct peer *p;
	uint64_t x;
	int restarted;

	e->c.rx_packets++;
	e->c.rx_bytes += len;
	if (peer < 0 || (size_t)peer >= e->npeers) {
		e->c.rejected[REJ_UNKNOWN_PEER]++;
		return;
	}
	p = &e->peers[peer];
	if (wire_decode(e->conf.key, e->conf.id, buf, len, &m, &why) == -1) {
		e->c.rejected[why]++;
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
	if (restarted)
		nbr_restarted(e, (size_t)peer, now);
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
	}
	x = nbr_deadline(e, p);
	if (x < e->peer_min)
		e->peer_min = x;
	/*
	 * Work that became due as a consequence (origination after a link
	 * change, an SPF run). Per-peer timers are left to engine_run():
	 * walking every peer on every packet would make input O(peers).
	 */
	engine_run_global(e, now);
}

void
engine_run(struct engine *e, uint64_t now)
{
	uint64_t x, min = UINT64_MAX;
	size_t i;

	for (i = 0; i < e->npeers; i++) {
		struct peer *p = &e->peers[i];
		enum link_state from = p->pl.state;

		if (probe_expire(&p->pl, &e->conf.p, now))
			nbr_link_changed(e, i, from, now);
		else if (p->pl.missed > 0)
			nbr_probe_soon(e, p, now);
		if (now >= p->next_probe)
			nbr_send_probe(e, i, now);
		/* after nbr_send_probe(), which may shorten the interval */
		if (p->quiet_done != p->last_rx && now >= nbr_quiet_at(e, p)) {
			p->quiet_done = p->last_rx;
			nbr_probe_soon(e, p, now);
		}
		if (p->adv_change_since != 0)
			nbr_check_advertisement(e, p, now, 0);
		if ((x = nbr_deadline(e, p)) < min)
			min = x;
	}
	e->peer_min = min;
	engine_run_global(e, now);	/* may lower peer_min again */
}

static void
engine_run_global(struct engine *e, uint64_t now)
{
	flood_run_relays(e, now);
	if (now >= e->next_expire) {
		e->next_expire = now + EXPIRE_CHECK;
		if (lsdb_expire(&e->db, now) > 0)
			routes_schedule_spf(e, now);
	}
	if ((e->originate_pending && now >= e->originate_at) ||
	    now >= e->next_refresh)
		flood_originate(e, now);
	if (e->spf_pending && now >= e->spf_at)
		routes_run_spf(e, now);
	routes_run_runner_ups(e, now);
}

uint64_t
engine_next_deadline(const struct engine *e)
{
	uint64_t d = e->next_expire, x;

#define MIN(v) do { x = (v); if (x < d) d = x; } while (0)
	MIN(e->next_refresh);
	MIN(e->relay_next);
	MIN(e->ru_at);
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

const char *
engine_node_name(const struct engine *e, uint32_t id)
{
	const struct lsdb_node *n;
	size_t i, j;

	if (id == e->conf.id)
		return e->conf.name;
	for (i = 0; i < e->npeers; i++)
		if (e->peers[i].conf.id == id)
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
