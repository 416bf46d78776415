/*
 * Flooding (DESIGN.md decision 4). In a full mesh every PoP hears every
 * row straight from its originator, so rows are sent directly to all live
 * peers (as a delta of the changed entries where the peer holds the
 * previous row, send_own_row()) and never re-flooded. A row is relayed
 * only towards a peer the originator says it cannot reach, and only by the
 * one PoP with the lowest id among those whose rows show live links to
 * both: one copy per gap, not one per PoP. Where no PoP links both (a
 * partial mesh), rows are flooded hop by hop. Everything else is
 * anti-entropy: probes carry a digest of the database; when a peer's
 * digest differs from ours for longer than a flood takes, we send a
 * summary of (origin, boot, seq) and the two sides request or push what
 * the other lacks. A new neighbour gets a summary at once.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine-int.h"
#include "log.h"

/* Longer than a flood takes to cross the overlay, so a digest mismatch
 * that outlives it is a real gap, not a row in flight. */
#define SYNC_DELAY		(500 * MSEC)
#define SYNC_INTERVAL		(1 * SEC)

static int	recently_requested(struct engine *, uint32_t, uint64_t);

void
flood_schedule_originate(struct engine *e, uint64_t now)
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
		for (i = part * per, k = 0; i < n->nlinks && k < per;
		    i++, k++) {
			ent[k].peer = n->links[i].peer;
			ent[k].rtt = n->links[i].rtt;
			ent[k].loss = n->links[i].loss;
			ent[k].state = n->links[i].state;
		}
		l.part = (uint8_t)part;
		l.nentries = (uint16_t)k;
		engine_hdr(e, peer, &h, WIRE_LSA);
		engine_xmit(e, peer, wire_encode_lsa(e->pkt, sizeof(e->pkt),
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
			engine_hdr(e, i, &h, WIRE_LSA_DELTA);
			engine_xmit(e, i, wire_encode_lsa_delta(e->pkt,
			    sizeof(e->pkt), e->conf.key, &h, &l, d));
			e->c.lsa_deltas_sent++;
		} else
			send_row(e, i, self, now);
		p->row_sent = e->lsa_seq;
	}
	free(d);
}

void
flood_originate(struct engine *e, uint64_t now)
{
	struct wire_lsa_entry *ent;
	const struct lsdb_node *self;
	size_t i;

	e->originate_pending = 0;
	e->last_originate = now;
	e->next_refresh = now + engine_jitter(e, e->conf.p.lsa_refresh, 10);
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
	/*
	 * Our row is always newer than the copy we hold (only originate()
	 * installs it); it fails only on a database full of names a key
	 * holder made up (LSDB_MAX_NODES), counted like such rows from others.
	 */
	if (lsdb_install_row(&e->db, e->conf.id, e->conf.name, e->lsa_boot,
	    e->lsa_seq, 0, ent, e->npeers, now, e->conf.p.lsa_maxage) !=
	    LSDB_INSTALLED)
		e->c.rejected[REJ_MALFORMED]++;
	e->c.lsa_originated++;
	self = lsdb_find(&e->db, e->conf.id);
	send_own_row(e, self, ent, now);
	free(e->sent_ent);
	e->sent_ent = ent;
	e->sent_n = e->npeers;
	e->sent_boot = e->lsa_boot;
	e->sent_seq = e->lsa_seq;
	routes_after_install(e, now);
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
	flood_schedule_originate(e, now);
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

void
flood_run_relays(struct engine *e, uint64_t now)
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
			relay(e, &e->db.slots[s], (size_t)e->relay_from[s],
			    now);
	}
	e->relay_next = next;
}

static void
row_installed(struct engine *e, uint32_t origin, size_t from, uint64_t now)
{
	const struct lsdb_node *n;

	e->c.lsa_installed++;
	n = lsdb_find(&e->db, origin);
	if (n != NULL)
		schedule_relay(e, n, from, now);
	routes_after_install(e, now);
}

static void
send_request(struct engine *e, size_t peer, const uint32_t *ids, size_t n)
{
	struct wire_hdr h;

	engine_hdr(e, peer, &h, WIRE_REQUEST);
	engine_xmit(e, peer, wire_encode_request(e->pkt, sizeof(e->pkt),
	    e->conf.key, &h, ids, n));
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
void
flood_lsa_delta(struct engine *e, size_t from, const struct wire_lsa *l,
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

void
flood_lsa(struct engine *e, size_t from, const struct wire_lsa *l,
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
		/* The sender is behind: push our copy back (once per
		 * part 0). */
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

void
flood_send_summary(struct engine *e, size_t peer, uint64_t now)
{
	struct wire_summary_entry ent[WIRE_MTU / WIRE_SUMMARY_ENTRY_LEN];
	struct wire_hdr h;
	size_t per = wire_summary_max_entries(), k = 0, s;

	e->peers[peer].last_summary = now;
	for (s = 0; s <= e->db.nslots; s++) {
		if (k == per || (s == e->db.nslots && k > 0)) {
			engine_hdr(e, peer, &h, WIRE_SUMMARY);
			engine_xmit(e, peer, wire_encode_summary(e->pkt,
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

void
flood_summary(struct engine *e, size_t from, const struct wire_list *l,
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

void
flood_request(struct engine *e, size_t from, const struct wire_list *l,
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
void
flood_note_digest(struct engine *e, size_t i, uint64_t digest, uint64_t now)
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
		flood_send_summary(e, i, now);
}
