/*
 * The argod protocol engine; see engine.h for the sans-I/O contract.
 *
 * Per peer it runs the prober (probe.c) and decides what this PoP
 * advertises about the link. Advertisement is where damping lives
 * (DESIGN.md decision 2): a state change is advertised at once, an RTT or
 * loss change only once it is significant (adv_rtt_pct and adv_rtt_min,
 * adv_loss) and has stayed so for adv_hold, and the whole row is refreshed
 * every lsa_refresh. SPF itself has no hysteresis.
 *
 * Flooding (decision 4). In a full mesh every PoP hears every row straight
 * from its originator, so rows are sent directly to all live peers (as a
 * delta of the changed entries where the peer holds the previous row,
 * send_own_row()) and never re-flooded. A row is relayed only towards a peer the originator
 * says it cannot reach, and only by the one PoP with the lowest id among
 * those whose rows show live links to both: one copy per gap, not one per
 * PoP. Where no PoP links both (a partial mesh), rows are flooded
 * hop by hop. Everything else is anti-entropy: probes carry a digest of the
 * database; when a peer's digest differs from ours for longer than a
 * flood takes, we send a summary of (origin, boot, seq) and the two sides
 * request or push what the other lacks. A new neighbour gets a summary at
 * once.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "log.h"
#include "lsdb.h"
#include "probe.h"
#include "replay.h"
#include "spf.h"

/* Longer than a flood takes to cross the overlay, so a digest mismatch
 * that outlives it is a real gap, not a row in flight. */
#define SYNC_DELAY		(500 * MSEC)
#define SYNC_INTERVAL		(1 * SEC)
#define EXPIRE_CHECK		(1 * SEC)
#define RUNNER_UP_REFRESH	(60 * SEC)
/* A link that changed state stays on fast probing this long. */
#define PROBE_HOT_AFTER_CHANGE	(10 * SEC)
/* A link back up within this of going down waits advertise hold. */
#define FLAP_WINDOW		(10 * SEC)
#define RUNNER_UP_PACE		(100 * MSEC)
#define RUNNER_UP_BATCH		8

struct peer {
	struct engine_peer_conf	 conf;
	struct probe_link	 pl;
	struct replay		 rp;
	uint64_t		 next_probe;
	uint64_t		 interval;	/* of the last probe sent */
	uint32_t		 row_sent;	/* seq of our row last sent it */
	uint64_t		 last_rx;	/* last probe or answer heard */
	uint64_t		 quiet_done;	/* last_rx whose silence we acted on */
	uint64_t		 peer_hold;	/* the peer's probe interval, as
						   its last probe's hold says */
	int			 next_hop;	/* carries a route of ours */
	/* the answer we owe the peer's latest probe (see "Probing") */
	int			 owe;
	uint32_t		 owe_seq;
	uint8_t			 owe_mask;
	uint64_t		 owe_rx;
	/* what we advertise about this link */
	uint16_t		 adv_rtt;	/* 0.1 ms */
	uint8_t			 adv_loss;	/* 0.5 % */
	uint8_t			 adv_state;
	uint64_t		 adv_change_since;	/* 0: no change */
	int			 adv_settled;	/* settled RTT advertised */
	uint64_t		 down_at;	/* last went down, 0 never */
	/* anti-entropy */
	uint64_t		 peer_digest;		/* last heard */
	uint64_t		 peer_digest_since;	/* ... unchanged since */
	uint64_t		 mismatch_since;
	uint64_t		 last_summary;
};

struct eroute {
	struct engine_route	 r;
	int			 ru_stale;	/* runner-up to recompute */
	size_t			 origin;
	uint32_t		*path;
	uint32_t		*ru_path;
	/*
	 * Copies: engine_node_name() can point into the database's slot
	 * array, which moves when it grows, and a row's name can change.
	 */
	char			 egress_name[WIRE_NAME_MAX + 1];
	char			 next_hop_name[WIRE_NAME_MAX + 1];
};

struct rtree {
	uint32_t		 slot;
	struct spf_tree		 t;
};

struct engine {
	struct engine_conf	 conf;
	const struct engine_ops	*ops;
	void			*arg;
	uint32_t		 boot;
	uint64_t		 tx_seq;
	uint64_t		 rng;
	uint64_t		 start;

	struct peer		*peers;
	size_t			 npeers;
	uint64_t		 peer_min;	/* earliest per-peer timer, or
						   earlier (see peer_deadline) */

	struct lsdb		 db;
	uint64_t		 own_digest;		/* db.digest, and ... */
	uint64_t		 own_digest_since;	/* ... unchanged since */
	uint32_t		 lsa_boot, lsa_seq;
	/* our last row as sent, the base of the next one's deltas */
	struct wire_lsa_entry	*sent_ent;
	size_t			 sent_n;
	uint32_t		 sent_boot, sent_seq;
	int			 originate_pending;
	uint64_t		 originate_at;
	uint64_t		 last_originate;
	uint64_t		 next_refresh;
	uint64_t		 next_expire;

	int			 spf_pending;
	uint64_t		 spf_at;
	uint64_t		 last_spf;
	uint64_t		 spf_hold;
	uint64_t		 last_full_ru;
	uint64_t		 ru_at;		/* next runner-up batch */
	uint64_t		 spf_gen;	/* db generation of the tree */
	size_t			 ru_cursor;
	struct spf_graph	 g;
	struct spf_tree		 t;
	struct rtree		*rtrees;
	size_t			 nrtrees, caprtrees;

	struct eroute		*routes;
	size_t			 nroutes;

	/* relays held back until the gap has outlived a flood (by slot) */
	uint64_t		*relay_at;
	long			*relay_from;
	size_t			 relay_cap;
	uint64_t		 relay_next;	/* earliest, UINT64_MAX none */
	/* rows recently requested from some peer, by origin id */
	struct reqd {
		uint32_t	 id;
		uint64_t	 at;
	}			*reqd;
	size_t			 reqd_cap, reqd_n;

	struct engine_counters	 c;
	uint8_t			 pkt[WIRE_MTU];
};

void
engine_conf_free(struct engine_conf *ec)
{
	size_t i, j;

	for (i = 0; i < ec->norigins; i++) {
		for (j = 0; j < ec->origins[i].nprefixes; j++)
			free(ec->origins[i].prefixes[j]);
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
	size_t i, j;

	*dst = *src;
	dst->peers = xcalloc(src->npeers, sizeof(*dst->peers));
	memcpy(dst->peers, src->peers, src->npeers * sizeof(*dst->peers));
	dst->origins = xcalloc(src->norigins, sizeof(*dst->origins));
	for (i = 0; i < src->norigins; i++) {
		const struct engine_origin_conf *so = &src->origins[i];
		struct engine_origin_conf *o = &dst->origins[i];

		*o = *so;
		o->prefixes = xcalloc(so->nprefixes, sizeof(char *));
		for (j = 0; j < so->nprefixes; j++)
			o->prefixes[j] = xstrdup(so->prefixes[j]);
		o->egress = xcalloc(so->negress, sizeof(*o->egress));
		memcpy(o->egress, so->egress, so->negress * sizeof(*o->egress));
		o->egress_names = xcalloc(so->negress,
		    sizeof(*o->egress_names));
		memcpy(o->egress_names, so->egress_names,
		    so->negress * sizeof(*o->egress_names));
	}
}

static void	peer_probe_soon(struct engine *, struct peer *, uint64_t);
static int	recently_requested(struct engine *, uint32_t, uint64_t);
static void	spf_after_install(struct engine *, uint64_t);
static uint64_t	peer_deadline(const struct engine *, const struct peer *);
static void	peers_min(struct engine *);

/* xorshift64*: jitter only, reproducible from the seed. */
static uint64_t
rnd(struct engine *e)
{
	e->rng ^= e->rng >> 12;
	e->rng ^= e->rng << 25;
	e->rng ^= e->rng >> 27;
	return e->rng * 0x2545f4914f6cdd1dULL;
}

/* d +- pct %, uniformly. */
static uint64_t
jitter(struct engine *e, uint64_t d, unsigned pct)
{
	uint64_t span = d * pct / 100;

	if (span == 0)
		return d;
	return d - span + rnd(e) % (2 * span + 1);
}

static void
xmit(struct engine *e, size_t peer, size_t len)
{
	if (len == 0)
		return;
	e->c.tx_packets++;
	e->c.tx_bytes += len;
	e->ops->send(e->arg, peer, e->pkt, len);
}

static void
hdr(struct engine *e, struct wire_hdr *h, enum wire_type type)
{
	h->type = type;
	h->sender = e->conf.id;
	h->boot = e->boot;
	h->seq = ++e->tx_seq;
}

/* ---------------------------------------------------------------- LSAs */

static void
schedule_spf(struct engine *e, uint64_t now)
{
	uint64_t at;

	if (e->spf_pending)
		return;
	at = now + e->conf.p.spf_delay;
	if (e->last_spf && at < e->last_spf + e->spf_hold)
		at = e->last_spf + e->spf_hold;
	e->spf_pending = 1;
	e->spf_at = at;
}

static void
schedule_originate(struct engine *e, uint64_t now)
{
	uint64_t at = now;

	if (e->last_originate &&
	    at < e->last_originate + e->conf.p.lsa_min_interval)
		at = e->last_originate + e->conf.p.lsa_min_interval;
	if (!e->originate_pending || at < e->originate_at)
		e->originate_at = at;
	e->originate_pending = 1;
}

/* Send every part of node's row to one peer. */
static void
send_row(struct engine *e, size_t peer, const struct lsdb_node *n,
    uint64_t now)
{
	struct wire_lsa_entry ent[WIRE_MTU / WIRE_LSA_ENTRY_LEN];
	struct wire_lsa l;
	struct wire_hdr h;
	size_t per, nparts, part, i, k;

	if (!n->has_row)
		return;
	per = wire_lsa_max_entries(strlen(n->name));
	nparts = n->nlinks == 0 ? 1 : (n->nlinks + per - 1) / per;
	if (nparts > 255)
		nparts = 255;	/* 41,000 peers: far past any real mesh */
	memset(&l, 0, sizeof(l));
	l.origin = n->id;
	l.boot = n->boot;
	l.seq = n->seq;
	l.age = lsdb_age(n, now);
	l.nparts = (uint8_t)nparts;
	snprintf(l.name, sizeof(l.name), "%s", n->name);
	for (part = 0; part < nparts; part++) {
		for (i = part * per, k = 0; i < n->nlinks && k < per; i++, k++) {
			ent[k].peer = n->links[i].peer;
			ent[k].rtt = n->links[i].rtt;
			ent[k].loss = n->links[i].loss;
			ent[k].state = n->links[i].state;
		}
		l.part = (uint8_t)part;
		l.nentries = (uint16_t)k;
		hdr(e, &h, WIRE_LSA);
		xmit(e, peer, wire_encode_lsa(e->pkt, sizeof(e->pkt),
		    e->conf.key, &h, &l, ent));
	}
}

/*
 * Rows are sent whole only where needed. A PoP's row has an entry per
 * peer (2.4 kB at 300 PoPs) and every origination went to every peer:
 * one link going down cost its two ends 720 kB each, and a refresh that
 * changes nothing as much (argosim, 300 PoPs: 2 Mbit/s at a failed
 * link's ends over the following seconds). A peer that was sent our
 * previous row gets an LSA_DELTA instead: the entries that changed (none
 * for a refresh). A peer that lacks the base asks for the whole row
 * (handle_lsa_delta), so a lost delta costs one request.
 */
static void
send_own_row(struct engine *e, const struct lsdb_node *self,
    const struct wire_lsa_entry *ent, uint64_t now)
{
	struct wire_lsa_entry *d = NULL;
	struct wire_lsa l;
	struct wire_hdr h;
	size_t i, nd = 0;
	int delta;

	delta = e->sent_ent != NULL && e->sent_boot == e->lsa_boot &&
	    e->sent_n == e->npeers;
	if (delta) {
		d = xcalloc(e->npeers ? e->npeers : 1, sizeof(*d));
		for (i = 0; delta && i < e->npeers; i++) {
			if (ent[i].peer != e->sent_ent[i].peer)
				delta = 0;	/* peers changed: whole row */
			else if (ent[i].rtt != e->sent_ent[i].rtt ||
			    ent[i].loss != e->sent_ent[i].loss ||
			    ent[i].state != e->sent_ent[i].state)
				d[nd++] = ent[i];
		}
		/* a delta must fit one datagram and be worth it */
		if (nd > wire_lsa_delta_max_entries() || 2 * nd > e->npeers)
			delta = 0;
	}
	memset(&l, 0, sizeof(l));
	l.origin = e->conf.id;
	l.boot = e->lsa_boot;
	l.seq = e->lsa_seq;
	l.base_seq = e->sent_seq;
	l.row_hash = self != NULL ? lsdb_row_hash(self) : 0;
	l.nentries = (uint16_t)nd;
	for (i = 0; i < e->npeers; i++) {
		struct peer *p = &e->peers[i];

		if (p->pl.state == LINK_DOWN)
			continue;
		if (delta && p->row_sent == e->sent_seq && e->sent_seq != 0) {
			hdr(e, &h, WIRE_LSA_DELTA);
			xmit(e, i, wire_encode_lsa_delta(e->pkt, sizeof(e->pkt),
			    e->conf.key, &h, &l, d));
			e->c.lsa_deltas_sent++;
		} else
			send_row(e, i, self, now);
		p->row_sent = e->lsa_seq;
	}
	free(d);
}

static void
originate(struct engine *e, uint64_t now)
{
	struct wire_lsa_entry *ent;
	const struct lsdb_node *self;
	size_t i;

	e->originate_pending = 0;
	e->last_originate = now;
	e->next_refresh = now + jitter(e, e->conf.p.lsa_refresh, 10);
	ent = xcalloc(e->npeers, sizeof(*ent));
	for (i = 0; i < e->npeers; i++) {
		ent[i].peer = e->peers[i].conf.id;
		ent[i].rtt = e->peers[i].adv_rtt;
		ent[i].loss = e->peers[i].adv_loss;
		ent[i].state = e->peers[i].adv_state;
	}
	/*
	 * Sequence numbers do not wrap (lsdb_version_cmp() is plain
	 * comparison): past the last one of a boot, move to the next boot.
	 * Only a row of ours seen at UINT32_MAX (own_row_seen()) gets here.
	 */
	if (e->lsa_seq == UINT32_MAX && e->lsa_boot < UINT32_MAX) {
		e->lsa_boot++;
		e->lsa_seq = 0;
	}
	e->lsa_seq++;
	if (lsdb_install_row(&e->db, e->conf.id, e->conf.name, e->lsa_boot,
	    e->lsa_seq, 0, ent, e->npeers, now, e->conf.p.lsa_maxage) !=
	    LSDB_INSTALLED)
		log_warnx("own row %u/%u not installed", e->lsa_boot,
		    e->lsa_seq);
	e->c.lsa_originated++;
	self = lsdb_find(&e->db, e->conf.id);
	send_own_row(e, self, ent, now);
	free(e->sent_ent);
	e->sent_ent = ent;
	e->sent_n = e->npeers;
	e->sent_boot = e->lsa_boot;
	e->sent_seq = e->lsa_seq;
	spf_after_install(e, now);
}

/*
 * Someone holds a row of ours newer than the one we last originated: a
 * previous incarnation with a clock ahead of ours, or our own row coming
 * back. Jump past it so the rest of the overlay takes our next row.
 */
static void
own_row_seen(struct engine *e, uint32_t boot, uint32_t seq, uint64_t now)
{
	if (lsdb_version_cmp(boot, seq, e->lsa_boot, e->lsa_seq) <= 0)
		return;
	e->lsa_boot = boot;
	e->lsa_seq = seq;
	schedule_originate(e, now);
}

static int
row_says_live(const struct lsdb *db, long slot, uint32_t id)
{
	const struct lsdb_link *l;

	if (slot < 0 || !db->slots[slot].has_row)
		return 0;
	l = lsdb_link(db, (uint32_t)slot, id);
	return l != NULL && l->state != LINK_DOWN;
}

/*
 * Relay a freshly installed row of origin towards peers that origin
 * cannot reach directly, if we are the designated relay for that gap.
 */
static void
relay(struct engine *e, const struct lsdb_node *o, size_t from, uint64_t now)
{
	long oslot = lsdb_slot(&e->db, o->id);
	size_t i, s;

	for (i = 0; i < e->npeers; i++) {
		struct peer *n = &e->peers[i];
		long nslot;
		uint32_t best = UINT32_MAX;

		if (i == from || n->conf.id == o->id ||
		    n->pl.state == LINK_DOWN ||
		    row_says_live(&e->db, oslot, n->conf.id))
			continue;
		nslot = lsdb_slot(&e->db, n->conf.id);
		for (s = 0; s < e->db.nslots; s++) {
			const struct lsdb_node *x = &e->db.slots[s];

			if (!x->in_use || !x->has_row || x->id >= best)
				continue;
			if (row_says_live(&e->db, (long)s, o->id) &&
			    row_says_live(&e->db, (long)s, n->conf.id) &&
			    (nslot < 0 || x->id == e->conf.id ||
			    row_says_live(&e->db, nslot, x->id) ||
			    !e->db.slots[nslot].has_row))
				best = x->id;
		}
		/*
		 * No PoP links both: the mesh is partial here, and the
		 * row travels by plain flooding, which in a sparse graph
		 * costs one copy per link.
		 */
		if (best == e->conf.id || best == UINT32_MAX) {
			send_row(e, i, o, now);
			e->c.lsa_relayed++;
		}
	}
}

/*
 * Relay only gaps that outlive a flood. When a row arrives that says its
 * originator cannot reach some peer, the link is often merely not up
 * yet: every PoP that starts or joins advertises its links as down until
 * its first probes are answered, and a moment later advertises them up.
 * Relaying at once made every PoP forward every such row to every peer,
 * O(N^3) datagrams at start-up (argosim: 9,700 relays in the first 5 s
 * at 25 PoPs, 80,000 at 50; 300 PoPs never finished starting). So the
 * relay decision waits SYNC_DELAY and is then taken on the newest row.
 */
static void
schedule_relay(struct engine *e, const struct lsdb_node *n, size_t from,
    uint64_t now)
{
	size_t slot = (size_t)(n - e->db.slots), i;

	if (slot >= e->relay_cap) {
		size_t cap = e->db.nslots > slot + 1 ? e->db.nslots : slot + 1;

		e->relay_at = xreallocarray(e->relay_at, cap,
		    sizeof(*e->relay_at));
		e->relay_from = xreallocarray(e->relay_from, cap,
		    sizeof(*e->relay_from));
		for (i = e->relay_cap; i < cap; i++)
			e->relay_at[i] = 0;
		e->relay_cap = cap;
	}
	if (e->relay_at[slot] != 0)
		return;		/* the pending decision will see this row */
	e->relay_at[slot] = now + SYNC_DELAY;
	e->relay_from[slot] = (long)from;
	if (e->relay_at[slot] < e->relay_next)
		e->relay_next = e->relay_at[slot];
}

static void
run_relays(struct engine *e, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	size_t s;

	if (now < e->relay_next)
		return;
	for (s = 0; s < e->relay_cap; s++) {
		if (e->relay_at[s] == 0)
			continue;
		if (e->relay_at[s] > now) {
			if (e->relay_at[s] < next)
				next = e->relay_at[s];
			continue;
		}
		e->relay_at[s] = 0;
		if (s < e->db.nslots && e->db.slots[s].in_use &&
		    e->db.slots[s].has_row)
			relay(e, &e->db.slots[s], (size_t)e->relay_from[s], now);
	}
	e->relay_next = next;
}

/*
 * After a row was installed: a refresh changes no link, so the SPF result
 * cannot change (at 300 PoPs refreshes arrive ten times a second), and
 * the tree of the last run still describes the database; keeping its
 * generation current lets run_runner_ups() use it (it waits for a tree
 * of the current generation, and refreshes alone made it wait forever).
 */
static void
spf_after_install(struct engine *e, uint64_t now)
{
	if (!e->db.same_links)
		schedule_spf(e, now);
	else if (!e->spf_pending && e->spf_gen + 1 == e->db.generation)
		e->spf_gen = e->db.generation;
}

static void
row_installed(struct engine *e, uint32_t origin, size_t from, uint64_t now)
{
	const struct lsdb_node *n;

	e->c.lsa_installed++;
	n = lsdb_find(&e->db, origin);
	if (n != NULL)
		schedule_relay(e, n, from, now);
	spf_after_install(e, now);
}

static void
send_request(struct engine *e, size_t peer, const uint32_t *ids, size_t n)
{
	struct wire_hdr h;

	hdr(e, &h, WIRE_REQUEST);
	xmit(e, peer, wire_encode_request(e->pkt, sizeof(e->pkt), e->conf.key,
	    &h, ids, n));
	e->c.requests_sent++;
}

static int
link_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a;
	uint32_t y = ((const struct lsdb_link *)b)->peer;

	return x < y ? -1 : x > y;
}

/*
 * A delta applies to the base row it names and to nothing else; without
 * the base, the sender is asked for the whole row (see send_own_row).
 */
static void
handle_lsa_delta(struct engine *e, size_t from, const struct wire_lsa *l,
    uint64_t now)
{
	const struct lsdb_node *n;
	const struct lsdb_link *hit;
	struct wire_lsa_entry *ent, de;
	char name[WIRE_NAME_MAX + 1];
	size_t i, k;

	e->c.lsa_received++;
	if (l->origin == e->conf.id) {
		own_row_seen(e, l->boot, l->seq, now);
		return;
	}
	n = lsdb_find(&e->db, l->origin);
	if (n != NULL && n->has_row &&
	    lsdb_version_cmp(l->boot, l->seq, n->boot, n->seq) <= 0)
		return;		/* we have it, or newer */
	if (n == NULL || !n->has_row || n->boot != l->boot ||
	    n->seq != l->base_seq) {
		e->c.lsa_deltas_unusable++;
		if (!recently_requested(e, l->origin, now))
			send_request(e, from, &l->origin, 1);
		return;
	}
	/* the base row's links, sorted by peer, with the changes applied */
	ent = xcalloc(n->nlinks + l->nentries + 1, sizeof(*ent));
	for (k = 0; k < n->nlinks; k++) {
		ent[k].peer = n->links[k].peer;
		ent[k].rtt = n->links[k].rtt;
		ent[k].loss = n->links[k].loss;
		ent[k].state = n->links[k].state;
	}
	for (i = 0; i < l->nentries; i++) {
		wire_lsa_entry(l, i, &de);
		hit = bsearch(&de.peer, n->links, n->nlinks, sizeof(*n->links),
		    link_cmp);
		if (hit != NULL)
			ent[hit - n->links] = de;
		else
			ent[k++] = de;
	}
	/*
	 * The same (boot, seq) can name two rows: a PoP restarted within
	 * the second its boot id counts keeps the old boot, and may send
	 * versions we hold from its previous life. Only a result that hashes
	 * to the originator's row is installed; anything else is asked for
	 * whole, which also replaces the stale base.
	 */
	if (lsdb_entries_hash(l->origin, ent, k) != l->row_hash) {
		free(ent);
		e->c.lsa_deltas_unusable++;
		if (!recently_requested(e, l->origin, now))
			send_request(e, from, &l->origin, 1);
		return;
	}
	snprintf(name, sizeof(name), "%s", n->name);	/* slots may move */
	switch (lsdb_install_row(&e->db, l->origin, name, l->boot, l->seq,
	    l->age, ent, k, now, e->conf.p.lsa_maxage)) {
	case LSDB_INSTALLED:
		e->c.lsa_deltas_applied++;
		row_installed(e, l->origin, from, now);
		break;
	case LSDB_BAD:
		e->c.rejected[REJ_MALFORMED]++;
		break;
	default:
		break;
	}
	free(ent);
}

static void
handle_lsa(struct engine *e, size_t from, const struct wire_lsa *l,
    uint64_t now)
{
	const struct lsdb_node *n;

	e->c.lsa_received++;
	if (l->origin == e->conf.id) {
		own_row_seen(e, l->boot, l->seq, now);
		return;
	}
	switch (lsdb_install_part(&e->db, l, now, e->conf.p.lsa_maxage)) {
	case LSDB_INSTALLED:
		row_installed(e, l->origin, from, now);
		break;
	case LSDB_OLDER:
		/* The sender is behind: push our copy back (once per part 0). */
		n = lsdb_find(&e->db, l->origin);
		if (n != NULL && l->part == 0)
			send_row(e, from, n, now);
		break;
	case LSDB_BAD:
		e->c.rejected[REJ_MALFORMED]++;
		break;
	case LSDB_SAME:
	case LSDB_PARTIAL:
		break;
	}
}

static void
send_summary(struct engine *e, size_t peer, uint64_t now)
{
	struct wire_summary_entry ent[WIRE_MTU / WIRE_SUMMARY_ENTRY_LEN];
	struct wire_hdr h;
	size_t per = wire_summary_max_entries(), k = 0, s;

	e->peers[peer].last_summary = now;
	for (s = 0; s <= e->db.nslots; s++) {
		if (k == per || (s == e->db.nslots && k > 0)) {
			hdr(e, &h, WIRE_SUMMARY);
			xmit(e, peer, wire_encode_summary(e->pkt,
			    sizeof(e->pkt), e->conf.key, &h, ent, k));
			e->c.summaries_sent++;
			k = 0;
		}
		if (s == e->db.nslots)
			break;
		if (!e->db.slots[s].in_use || !e->db.slots[s].has_row)
			continue;
		ent[k].origin = e->db.slots[s].id;
		ent[k].boot = e->db.slots[s].boot;
		ent[k].seq = e->db.slots[s].seq;
		k++;
	}
}

/*
 * Ask for a row from one peer at a time. A PoP that starts or joins gets
 * a summary from every peer within one RTT, all listing the same rows;
 * requesting every row from every peer pulled the whole database N times
 * (argosim: 180,000 LSA datagrams per join at 300 PoPs). A row asked for
 * within SYNC_DELAY is not asked for again; if the answer is lost, the
 * digests still differ and the next summary asks again.
 */
static int
recently_requested(struct engine *e, uint32_t id, uint64_t now)
{
	size_t h, i;

	if (e->reqd_n * 2 >= e->reqd_cap) {
		struct reqd *old = e->reqd;
		size_t oldcap = e->reqd_cap;

		e->reqd_cap = oldcap ? oldcap * 2 : 64;
		e->reqd = xcalloc(e->reqd_cap, sizeof(*e->reqd));
		e->reqd_n = 0;
		for (i = 0; i < oldcap; i++) {
			if (old[i].id == 0 || now - old[i].at >= SYNC_DELAY)
				continue;	/* drop stale entries */
			h = (old[i].id * 2654435761U) & (e->reqd_cap - 1);
			while (e->reqd[h].id != 0)
				h = (h + 1) & (e->reqd_cap - 1);
			e->reqd[h] = old[i];
			e->reqd_n++;
		}
		free(old);
	}
	h = (id * 2654435761U) & (e->reqd_cap - 1);
	while (e->reqd[h].id != 0 && e->reqd[h].id != id)
		h = (h + 1) & (e->reqd_cap - 1);
	if (e->reqd[h].id == id && now - e->reqd[h].at < SYNC_DELAY)
		return 1;
	if (e->reqd[h].id == 0)
		e->reqd_n++;
	e->reqd[h].id = id;
	e->reqd[h].at = now;
	return 0;
}

static void
handle_summary(struct engine *e, size_t from, const struct wire_list *l,
    uint64_t now)
{
	uint32_t req[WIRE_MTU / 4];
	struct wire_summary_entry se;
	const struct lsdb_node *n;
	size_t i, k = 0;

	for (i = 0; i < l->n; i++) {
		wire_summary_entry(l, i, &se);
		if (se.origin == e->conf.id) {
			own_row_seen(e, se.boot, se.seq, now);
			n = lsdb_find(&e->db, se.origin);
			if (n != NULL && lsdb_version_cmp(se.boot, se.seq,
			    n->boot, n->seq) < 0)
				send_row(e, from, n, now);
			continue;
		}
		n = lsdb_find(&e->db, se.origin);
		if (n == NULL || !n->has_row || lsdb_version_cmp(se.boot,
		    se.seq, n->boot, n->seq) > 0) {
			if (k < wire_request_max_entries() &&
			    !recently_requested(e, se.origin, now))
				req[k++] = se.origin;
		}
		/*
		 * Where the peer is behind, it asks: both sides send
		 * summaries (on link up, and each on seeing the digests
		 * differ), and each side pulls what it lacks. Pushing as
		 * well sent every row in flux at start-up to every peer
		 * (argosim, 300 PoPs: gigabytes within the first second).
		 */
	}
	if (k > 0) {
		send_request(e, from, req, k);
	}
}

static void
handle_request(struct engine *e, size_t from, const struct wire_list *l,
    uint64_t now)
{
	const struct lsdb_node *n;
	size_t i;

	for (i = 0; i < l->n; i++) {
		n = lsdb_find(&e->db, wire_request_entry(l, i));
		if (n != NULL && n->has_row)
			send_row(e, from, n, now);
	}
}

/* ------------------------------------------------------------- probing */

/*
 * A gap is two databases that differ while neither has changed for
 * SYNC_DELAY. It is decided when a probe brings the peer's digest, not
 * by a timer: a link probed at the idle interval brings one a second,
 * and a timer would take the peer's last, stale digest for a gap
 * (argosim at 300 PoPs: 350 kbit/s of needless summaries per PoP after
 * one link failure). Both digests must have been still: at 300 PoPs
 * some row is refreshed ten times a second, no two digests agree for
 * long, and "differs for SYNC_DELAY" sent a 3.6 kB summary to every peer
 * every SYNC_INTERVAL (1 Mbit/s per PoP during one refresh wave). Under
 * such churn a lost row comes back with its next refresh.
 */
static void
note_digest(struct engine *e, size_t i, uint64_t digest, uint64_t now)
{
	struct peer *p = &e->peers[i];

	if (e->db.digest != e->own_digest) {
		e->own_digest = e->db.digest;
		e->own_digest_since = now;
	}
	if (digest != p->peer_digest) {
		p->peer_digest = digest;
		p->peer_digest_since = now;
	}
	if (digest == e->db.digest)
		p->mismatch_since = 0;
	else if (p->mismatch_since == 0)
		p->mismatch_since = now;
	else if (p->pl.state != LINK_DOWN &&
	    now - p->mismatch_since >= SYNC_DELAY &&
	    now - p->peer_digest_since >= SYNC_DELAY &&
	    now - e->own_digest_since >= SYNC_DELAY &&
	    now - p->last_summary >= SYNC_INTERVAL)
		send_summary(e, i, now);
}

static uint16_t
rtt_units(const struct probe_link *pl)
{
	double u;

	if (!pl->have_rtt)
		return WIRE_RTT_UNKNOWN;
	u = pl->srtt / 100000.0 + 0.5;	/* ns -> 0.1 ms */
	if (u >= WIRE_RTT_UNKNOWN - 1)
		return WIRE_RTT_UNKNOWN - 1;
	return (uint16_t)u;
}

static void
advertise_now(struct engine *e, struct peer *p, uint64_t now)
{
	p->adv_state = (uint8_t)p->pl.state;
	p->adv_rtt = p->pl.state == LINK_DOWN ? WIRE_RTT_UNKNOWN :
	    rtt_units(&p->pl);
	p->adv_loss = (uint8_t)(probe_loss_permille(&p->pl) / 5);
	p->adv_change_since = 0;
	schedule_originate(e, now);
}

/*
 * Is what we measure now significantly different from what we said?
 * For a while after a link comes up, what we said came from a cold
 * estimator (the first sample or two, often taken while the peer was
 * still starting); until srtt has settled any change of adv_rtt_min
 * counts, so the first advertisement does not stick for good.
 */
#define ADV_SETTLE(pp)	(5 * (pp)->adv_hold)
static int
adv_significant(const struct engine *e, const struct peer *p, uint64_t now)
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
	if (diff > thr)
		return 1;
	diff = loss > p->adv_loss * 5u ? loss - p->adv_loss * 5u :
	    p->adv_loss * 5u - loss;
	return diff > pp->adv_loss;
}

static void
link_changed(struct engine *e, size_t i, enum link_state from, uint64_t now)
{
	struct peer *p = &e->peers[i];
	struct engine_link_event ev;

	ev.peer = i;
	ev.name = p->conf.name;
	ev.from = from;
	ev.to = p->pl.state;
	ev.rtt_ms = p->pl.have_rtt ? p->pl.srtt / 1e6 : -1;
	ev.loss_pct = probe_loss_permille(&p->pl) / 10.0;
	log_info("link %s: %s -> %s", p->conf.name, link_state_name(from),
	    link_state_name(p->pl.state));
	if (e->ops->link_event != NULL)
		e->ops->link_event(e->arg, &ev);
	peer_probe_soon(e, p, now);
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
		p->adv_change_since = 0;	/* its coming up was never said */
	else
		advertise_now(e, p, now);
	if (from == LINK_DOWN) {
		/* A new neighbour: synchronise databases right away. */
		send_summary(e, i, now);
		p->adv_settled = 0;
	}
}

/*
 * Once the estimator has settled after a link came up, what we said is
 * corrected once, however small the difference: the first advertisement
 * came from the first samples, and below the dead band its error would
 * stick for good and decide near-ties (argosim, aws32 with 2 ms of
 * jitter: 23 pairs up to 3 ms worse than direct, 97.5 % of the optimal
 * gain). Later changes go through the dead band as before.
 */
static void
check_advertisement(struct engine *e, struct peer *p, uint64_t now)
{
	if (!p->adv_settled && p->pl.state != LINK_DOWN &&
	    now - p->pl.state_since >= ADV_SETTLE(&e->conf.p)) {
		p->adv_settled = 1;
		if (rtt_units(&p->pl) != p->adv_rtt) {
			advertise_now(e, p, now);
			return;
		}
	}
	if (!adv_significant(e, p, now)) {
		p->adv_change_since = 0;
		return;
	}
	if (p->adv_change_since == 0)
		p->adv_change_since = now;
	if (now - p->adv_change_since >= e->conf.p.adv_hold)
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
static uint64_t
peer_quiet_at(const struct engine *e, const struct peer *p)
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
	    now >= peer_quiet_at(e, p);
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
static void
peer_probe_soon(struct engine *e, struct peer *p, uint64_t now)
{
	uint64_t at = now + jitter(e, e->conf.p.probe_interval, 10);

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
static void
send_probe(struct engine *e, size_t i, uint64_t now)
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
	hdr(e, &h, WIRE_PROBE);
	xmit(e, i, wire_encode_probe(e->pkt, sizeof(e->pkt), e->conf.key, &h,
	    &pr));
	p->next_probe = now + jitter(e, interval, 10);
	p->interval = interval;
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

static void
handle_probe(struct engine *e, size_t i, const struct wire_msg *m,
    uint64_t now, uint64_t rx_ts)
{
	struct peer *p = &e->peers[i];
	const struct wire_probe *pr = &m->u.probe;
	enum link_state from = p->pl.state;
	uint32_t seq;
	unsigned k;
	int r;

	note_digest(e, i, pr->digest, now);
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
			link_changed(e, i, from, now);
		else if (r == 0)
			check_advertisement(e, p, now);
	}
	if (m->hdr.type != WIRE_PROBE)
		return;
	owe_answer(p, pr->ask_seq, rx_ts);
	if (p->next_probe > now + (uint64_t)pr->hold_ms * MSEC)
		send_probe(e, i, now);	/* ours is not due soon: now */
}

/* ---------------------------------------------------------- SPF/routes */

static struct spf_tree *
reverse_tree(struct engine *e, uint32_t slot)
{
	size_t i;

	for (i = 0; i < e->nrtrees; i++)
		if (e->rtrees[i].slot == slot)
			return &e->rtrees[i].t;
	if (e->nrtrees == e->caprtrees) {
		e->caprtrees = e->caprtrees ? e->caprtrees * 2 : 4;
		e->rtrees = xreallocarray(e->rtrees, e->caprtrees,
		    sizeof(*e->rtrees));
		for (i = e->nrtrees; i < e->caprtrees; i++)
			spf_tree_init(&e->rtrees[i].t);
	}
	e->rtrees[e->nrtrees].slot = slot;
	spf_run_reverse(&e->rtrees[e->nrtrees].t, &e->g, &e->db, slot);
	return &e->rtrees[e->nrtrees++].t;
}

static size_t
tree_path(const struct spf_tree *t, uint32_t dst, uint32_t *out, size_t max,
    const struct lsdb *db)
{
	size_t n = 0, i;
	long s;

	for (s = dst; s >= 0 && n < max; s = t->pred[s])
		out[n++] = db->slots[s].id;
	for (i = 0; i < n / 2; i++) {
		uint32_t x = out[i];

		out[i] = out[n - 1 - i];
		out[n - 1 - i] = x;
	}
	return n;
}

struct cand {
	int		ok;
	uint32_t	cong, hops, egress;
	uint64_t	cost;
	uint32_t	egress_slot;
};

static int
cand_better(const struct cand *a, const struct cand *b, int strict)
{
	int c;

	if (!b->ok)
		return a->ok;
	if (!a->ok)
		return 0;
	c = spf_cmp(strict, a->cong, a->cost, a->hops, b->cong, b->cost,
	    b->hops);
	return c < 0 || (c == 0 && a->egress < b->egress);
}

static const char *
name_copy(char dst[WIRE_NAME_MAX + 1], const char *src)
{
	if (src == NULL)
		return NULL;
	snprintf(dst, WIRE_NAME_MAX + 1, "%s", src);
	return dst;
}

static void
compute_route(struct engine *e, struct eroute *er, uint32_t root, int with_ru)
{
	const struct engine_origin_conf *o = &e->conf.origins[er->origin];
	struct engine_route *r = &er->r;
	struct cand best = { 0 }, ru = { 0 }, c;
	uint32_t ru_first = 0, first_slot = UINT32_MAX;
	size_t i, j, n = e->db.nslots;
	long es;

	/*
	 * The arrays may move: re-point the route at them at once. A
	 * runner-up kept from an earlier run (with_ru == 0) still points
	 * into ru_path, whose contents realloc keeps (ASan found the stale
	 * pointer read by the status socket).
	 */
	er->path = xreallocarray(er->path, n + 1, sizeof(uint32_t));
	er->ru_path = xreallocarray(er->ru_path, n + 2, sizeof(uint32_t));
	r->path = er->path;
	r->runner_up_path = er->ru_path;
	for (i = 0; i < o->negress; i++) {
		memset(&c, 0, sizeof(c));
		c.egress = o->egress[i];
		if (o->egress[i] == e->conf.id) {
			c.ok = 1;
			c.egress_slot = root;
		} else if ((es = lsdb_slot(&e->db, o->egress[i])) >= 0 &&
		    spf_reached(&e->t, (uint32_t)es)) {
			c.ok = 1;
			c.cong = e->t.cong[es];
			c.cost = e->t.cost[es];
			c.hops = e->t.hops[es];
			c.egress_slot = (uint32_t)es;
		}
		if (cand_better(&c, &best, e->g.strict))
			best = c;
	}
	r->reachable = best.ok;
	if (with_ru || !best.ok)
		r->has_runner_up = 0;
	r->direct_cost_ms = -1;
	if (!best.ok) {
		r->egress = 0;
		r->egress_name = NULL;
		r->pathlen = 0;
		r->next_hop = 0;
		r->next_hop_name = NULL;
		r->cost_ms = -1;
		r->congested_hops = 0;
		return;
	}
	r->egress = best.egress;
	r->egress_name = name_copy(er->egress_name,
	    engine_node_name(e, best.egress));
	r->cost_ms = best.cost / 1000.0;
	r->congested_hops = (int)best.cong;
	r->pathlen = tree_path(&e->t, best.egress_slot, er->path, n + 1,
	    &e->db);
	r->path = er->path;
	if (best.egress_slot == root) {
		r->next_hop = e->conf.id;
	} else {
		first_slot = (uint32_t)e->t.first[best.egress_slot];
		r->next_hop = e->db.slots[first_slot].id;
	}
	r->next_hop_name = name_copy(er->next_hop_name,
	    engine_node_name(e, r->next_hop));
	for (i = e->g.off[root]; i < e->g.off[root + 1]; i++)
		if (e->g.edges[i].to == best.egress_slot)
			r->direct_cost_ms = e->g.edges[i].cost / 1000.0;
	if (best.egress_slot == root) {
		r->has_runner_up = 0;
		return;
	}
	if (!with_ru)
		return;

	/*
	 * Runner-up: the best path to any egress of this origin whose first
	 * hop differs from the chosen one, from reverse trees rooted at each
	 * egress. A neighbour whose own best path comes back through us is
	 * no alternative.
	 */
	for (j = 0; j < o->negress; j++) {
		struct spf_tree *rt;

		if (o->egress[j] == e->conf.id ||
		    (es = lsdb_slot(&e->db, o->egress[j])) < 0 ||
		    !spf_reached(&e->t, (uint32_t)es))
			continue;
		rt = reverse_tree(e, (uint32_t)es);
		for (i = e->g.off[root]; i < e->g.off[root + 1]; i++) {
			const struct spf_edge *ed = &e->g.edges[i];
			long s;

			if (ed->to == first_slot || !spf_reached(rt, ed->to))
				continue;
			for (s = ed->to; s >= 0 && (uint32_t)s != root;
			    s = rt->pred[s])
				;
			if (s >= 0)
				continue;	/* loops back through us */
			memset(&c, 0, sizeof(c));
			c.ok = 1;
			c.cong = ed->cong + rt->cong[ed->to];
			c.cost = ed->cost + rt->cost[ed->to];
			c.hops = 1 + rt->hops[ed->to];
			c.egress = o->egress[j];
			c.egress_slot = (uint32_t)es;
			if (cand_better(&c, &ru, e->g.strict)) {
				ru = c;
				ru_first = ed->to;
			}
		}
	}
	if (ru.ok) {
		struct spf_tree *rt = reverse_tree(e, ru.egress_slot);
		size_t k = 0;
		long s;

		er->ru_path[k++] = e->conf.id;
		for (s = ru_first; s >= 0 && k < n + 2; s = rt->pred[s])
			er->ru_path[k++] = e->db.slots[s].id;
		r->has_runner_up = 1;
		r->runner_up_cost_ms = ru.cost / 1000.0;
		r->runner_up_congested_hops = (int)ru.cong;
		r->runner_up_path = er->ru_path;
		r->runner_up_pathlen = k;
	}
}

static int
route_differs(const struct engine_route *a, const struct engine_route *b)
{
	if (a->reachable != b->reachable)
		return 1;
	if (!a->reachable)
		return 0;
	if (a->egress != b->egress || a->next_hop != b->next_hop ||
	    a->pathlen != b->pathlen)
		return 1;
	return memcmp(a->path, b->path, a->pathlen * sizeof(uint32_t)) != 0;
}

/* Which peers carry our routes (adaptive probing). */
static void
mark_next_hops(struct engine *e, uint64_t now)
{
	long *peer_of = xcalloc(e->db.nslots + 1, sizeof(long));
	size_t i;
	long s;

	for (i = 0; i < e->db.nslots; i++)
		peer_of[i] = -1;
	for (i = 0; i < e->npeers; i++) {
		e->peers[i].next_hop = 0;
		if ((s = lsdb_slot(&e->db, e->peers[i].conf.id)) >= 0)
			peer_of[s] = (long)i;
	}
	for (i = 0; i < e->nroutes; i++) {
		const struct engine_route *r = &e->routes[i].r;

		if (!r->reachable || r->next_hop == e->conf.id ||
		    (s = lsdb_slot(&e->db, r->next_hop)) < 0 ||
		    peer_of[s] < 0)
			continue;
		if (!e->peers[peer_of[s]].next_hop) {
			e->peers[peer_of[s]].next_hop = 1;
			peer_probe_soon(e, &e->peers[peer_of[s]], now);
		}
	}
	free(peer_of);
}

static void
run_spf(struct engine *e, uint64_t now)
{
	struct engine_route old;
	struct engine_route_event ev;
	char old_egress[WIRE_NAME_MAX + 1], old_next_hop[WIRE_NAME_MAX + 1];
	uint32_t *oldpath = NULL;
	long root = lsdb_slot(&e->db, e->conf.id);
	size_t i;

	e->spf_pending = 0;
	/* Back-to-back runs double the hold, a quiet period resets it. */
	if (e->last_spf && now - e->last_spf < 2 * e->spf_hold)
		e->spf_hold = e->spf_hold * 2 > e->conf.p.spf_hold_max ?
		    e->conf.p.spf_hold_max : e->spf_hold * 2;
	else
		e->spf_hold = e->conf.p.spf_hold_min;
	e->last_spf = now;
	e->c.spf_runs++;
	if (root < 0)
		return;
	spf_graph_build(&e->g, &e->db, &e->conf.p);
	spf_run(&e->t, &e->g, &e->db, (uint32_t)root);
	e->spf_gen = e->db.generation;
	e->nrtrees = 0;
	/*
	 * A runner-up takes a reverse SPF from its egress: with one origin
	 * per PoP that is one Dijkstra per PoP, 300 per run at 300 PoPs
	 * (argosim: 86 % of all CPU at start-up, ~0.2 s per run). It only
	 * informs the status socket, so it is computed off the SPF path, a
	 * few routes at a time (run_runner_ups): for routes that changed,
	 * and for all every RUNNER_UP_REFRESH.
	 */
	if (e->last_full_ru == 0 || now - e->last_full_ru >= RUNNER_UP_REFRESH) {
		e->last_full_ru = now;
		for (i = 0; i < e->nroutes; i++)
			e->routes[i].ru_stale = 1;
	}
	if (e->ru_at == UINT64_MAX)
		e->ru_at = now + RUNNER_UP_PACE;

	for (i = 0; i < e->nroutes; i++) {
		struct eroute *er = &e->routes[i];

		/*
		 * compute_route() rewrites (and may move) the buffers the
		 * route points to: the event's old route needs copies.
		 */
		old = er->r;
		oldpath = xreallocarray(oldpath, er->r.pathlen +
		    er->r.runner_up_pathlen + 1, sizeof(uint32_t));
		if (er->r.pathlen > 0)
			memcpy(oldpath, er->path,
			    er->r.pathlen * sizeof(uint32_t));
		old.path = oldpath;
		if (er->r.has_runner_up && er->r.runner_up_pathlen > 0)
			memcpy(oldpath + er->r.pathlen, er->ru_path,
			    er->r.runner_up_pathlen * sizeof(uint32_t));
		old.runner_up_path = er->r.has_runner_up ?
		    oldpath + er->r.pathlen : NULL;
		old.egress_name = name_copy(old_egress, er->r.egress_name);
		old.next_hop_name = name_copy(old_next_hop,
		    er->r.next_hop_name);
		compute_route(e, er, (uint32_t)root, 0);
		if (!route_differs(&old, &er->r) && old.since != 0)
			continue;
		er->r.has_runner_up = 0;	/* until recomputed */
		er->ru_stale = 1;
		er->r.since = now;
		if (old.since == 0 && !er->r.reachable)
			continue;	/* never had a route, still none */
		e->c.route_changes++;
		ev.old = old.since != 0 && old.reachable ? &old : NULL;
		ev.new = er->r.reachable ? &er->r : NULL;
		if (ev.old != NULL || ev.new != NULL) {
			log_info("route %s %s: %s via %s", er->r.origin,
			    er->r.prefix, er->r.reachable ?
			    er->r.egress_name : "unreachable",
			    er->r.reachable && er->r.next_hop_name ?
			    er->r.next_hop_name : "-");
			if (e->ops->route_event != NULL)
				e->ops->route_event(e->arg, &ev);
		}
	}
	free(oldpath);
	mark_next_hops(e, now);
}

/*
 * Runner-ups for a few routes, on the graph and tree of the last SPF run
 * (the routes were computed on them too). Paced so that refreshing 300
 * of them costs a few per cent of a core, not a burst of 0.2 s.
 */
static void
run_runner_ups(struct engine *e, uint64_t now)
{
	long root = lsdb_slot(&e->db, e->conf.id);
	size_t k, done = 0;

	if (now < e->ru_at)
		return;
	e->ru_at = UINT64_MAX;
	if (root < 0 || e->nroutes == 0)
		return;
	if (e->spf_pending || e->db.generation != e->spf_gen) {
		/* the tree is out of date; wait for the next SPF run */
		e->ru_at = now + RUNNER_UP_PACE;
		return;
	}
	e->nrtrees = 0;
	if (e->ru_cursor >= e->nroutes)
		e->ru_cursor = 0;	/* the route table shrank (reload) */
	for (k = 0; k < e->nroutes && done < RUNNER_UP_BATCH; k++) {
		struct eroute *er = &e->routes[e->ru_cursor];

		e->ru_cursor = (e->ru_cursor + 1) % e->nroutes;
		if (!er->ru_stale)
			continue;
		er->ru_stale = 0;
		if (!er->r.reachable)
			continue;
		compute_route(e, er, (uint32_t)root, 1);
		done++;
	}
	for (k = 0; k < e->nroutes; k++)
		if (e->routes[k].ru_stale) {
			e->ru_at = now + RUNNER_UP_PACE;
			break;
		}
}

/*
 * (Re)build the route table from the origins of the config. A route that
 * survives a reload (same origin name and prefix) keeps its state, so a
 * reload shows no spurious route changes.
 */
static void
routes_build(struct engine *e)
{
	struct eroute *old = e->routes;
	size_t nold = e->nroutes, i, j, k = 0, n = 0;

	for (i = 0; i < e->conf.norigins; i++)
		n += e->conf.origins[i].nprefixes;
	e->routes = xcalloc(n, sizeof(*e->routes));
	e->nroutes = n;
	for (i = 0; i < e->conf.norigins; i++)
		for (j = 0; j < e->conf.origins[i].nprefixes; j++, k++) {
			struct eroute *er = &e->routes[k];
			size_t m;

			for (m = 0; m < nold; m++)
				if (old[m].r.origin != NULL &&
				    strcmp(old[m].r.origin,
				    e->conf.origins[i].name) == 0 &&
				    strcmp(old[m].r.prefix,
				    e->conf.origins[i].prefixes[j]) == 0)
					break;
			if (m < nold) {
				*er = old[m];
				old[m].path = old[m].ru_path = NULL;
				old[m].r.origin = NULL;
			}
			er->origin = i;
			er->r.origin = e->conf.origins[i].name;
			er->r.prefix = e->conf.origins[i].prefixes[j];
			/* Names pointed into the old config. */
			er->r.egress_name = er->r.reachable ?
			    name_copy(er->egress_name,
			    engine_node_name(e, er->r.egress)) : NULL;
			er->r.next_hop_name = er->r.reachable ?
			    name_copy(er->next_hop_name,
			    engine_node_name(e, er->r.next_hop)) : NULL;
		}
	for (i = 0; i < nold; i++) {
		free(old[i].path);
		free(old[i].ru_path);
	}
	free(old);
}

/* ------------------------------------------------------------- public */

static void
peer_init(struct engine *e, struct peer *p, const struct engine_peer_conf *pc,
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
	p->pl.next_seq = (uint32_t)rnd(e) | 1;
	replay_reset(&p->rp);
	/* Spread first probes over one interval. */
	p->next_probe = now + rnd(e) % (e->conf.p.probe_interval + 1);
	p->adv_rtt = WIRE_RTT_UNKNOWN;
	p->adv_state = LINK_DOWN;
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
		peer_init(e, &e->peers[i], &ec->peers[i], now);
	routes_build(e);
	peers_min(e);
	e->next_expire = now + EXPIRE_CHECK;
	e->relay_next = UINT64_MAX;
	e->ru_at = UINT64_MAX;
	originate(e, now);
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

	if (ec->id != e->conf.id) {
		log_warnx("reload: node name changed (%s -> %s); restart "
		    "argod to rename a PoP", e->conf.name, ec->name);
		return -1;
	}
	np = xcalloc(ec->npeers, sizeof(*np));
	for (i = 0; i < ec->npeers; i++) {
		for (j = 0; j < e->npeers; j++)
			if (e->peers[j].conf.id == ec->peers[i].id)
				break;
		if (j < e->npeers) {
			np[i] = e->peers[j];	/* keeps link state */
			np[i].conf = ec->peers[i];
		} else
			peer_init(e, &np[i], &ec->peers[i], now);
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
	peers_min(e);
	engine_conf_free(&oldconf);
	schedule_originate(e, now);
	schedule_spf(e, now);
	return 0;
}

static void run_global(struct engine *, uint64_t);

/*
 * The peer came back with a new boot id, perhaps before we noticed it was
 * gone: nothing it held survived. An answer we owed its previous life
 * would match a probe of the new one and read as a tiny RTT; our rows
 * must go whole (it holds no base for deltas); and it needs a summary to
 * pull the database, as a new neighbour gets one (at 300 PoPs digests are
 * rarely still long enough for anti-entropy to start on its own).
 */
static void
peer_restarted(struct engine *e, size_t i, uint64_t now)
{
	struct peer *p = &e->peers[i];

	p->owe = 0;
	p->row_sent = 0;
	send_summary(e, i, now);
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
	if (wire_decode(e->conf.key, buf, len, &m, &why) == -1) {
		e->c.rejected[why]++;
		return;
	}
	if (m.hdr.sender != p->conf.id) {
		e->c.rejected[REJ_SENDER]++;
		return;
	}
	restarted = p->rp.init && m.hdr.boot > p->rp.boot;
	if (replay_check(&p->rp, m.hdr.boot, m.hdr.seq) == -1) {
		e->c.rejected[REJ_REPLAY]++;
		return;
	}
	if (restarted)
		peer_restarted(e, (size_t)peer, now);
	switch (m.hdr.type) {
	case WIRE_PROBE:
	case WIRE_PROBE_REPLY:
		handle_probe(e, (size_t)peer, &m, now, rx_ts);
		break;
	case WIRE_LSA:
		handle_lsa(e, (size_t)peer, &m.u.lsa, now);
		break;
	case WIRE_LSA_DELTA:
		handle_lsa_delta(e, (size_t)peer, &m.u.lsa, now);
		break;
	case WIRE_SUMMARY:
		handle_summary(e, (size_t)peer, &m.u.list, now);
		break;
	case WIRE_REQUEST:
		handle_request(e, (size_t)peer, &m.u.list, now);
		break;
	}
	x = peer_deadline(e, p);
	if (x < e->peer_min)
		e->peer_min = x;
	/*
	 * Work that became due as a consequence (origination after a link
	 * change, an SPF run). Per-peer timers are left to engine_run():
	 * walking every peer on every packet would make input O(peers).
	 */
	run_global(e, now);
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
			link_changed(e, i, from, now);
		else if (p->pl.missed > 0)
			peer_probe_soon(e, p, now);
		if (now >= p->next_probe)
			send_probe(e, i, now);
		/* after send_probe(), which may shorten the interval */
		if (p->quiet_done != p->last_rx && now >= peer_quiet_at(e, p)) {
			p->quiet_done = p->last_rx;
			peer_probe_soon(e, p, now);
		}
		if (p->adv_change_since != 0)
			check_advertisement(e, p, now);
		if ((x = peer_deadline(e, p)) < min)
			min = x;
	}
	e->peer_min = min;
	run_global(e, now);	/* may lower peer_min again */
}

static void
run_global(struct engine *e, uint64_t now)
{
	run_relays(e, now);
	if (now >= e->next_expire) {
		e->next_expire = now + EXPIRE_CHECK;
		if (lsdb_expire(&e->db, now) > 0)
			schedule_spf(e, now);
	}
	if ((e->originate_pending && now >= e->originate_at) ||
	    now >= e->next_refresh)
		originate(e, now);
	if (e->spf_pending && now >= e->spf_at)
		run_spf(e, now);
	run_runner_ups(e, now);
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
static uint64_t
peer_deadline(const struct engine *e, const struct peer *p)
{
	uint64_t d = p->next_probe, x;

	if ((x = probe_next_deadline(&p->pl)) < d)
		d = x;
	if (p->adv_change_since != 0 &&
	    (x = p->adv_change_since + e->conf.p.adv_hold) < d)
		d = x;
	if (p->quiet_done != p->last_rx && (x = peer_quiet_at(e, p)) < d)
		d = x;
	return d;
}

static void
peers_min(struct engine *e)
{
	size_t i;
	uint64_t x;

	e->peer_min = UINT64_MAX;
	for (i = 0; i < e->npeers; i++)
		if ((x = peer_deadline(e, &e->peers[i])) < e->peer_min)
			e->peer_min = x;
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
