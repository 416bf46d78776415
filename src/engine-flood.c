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
 *
 * Mixed versions (argod.8, "Wire versions"): every row goes to a peer in
 * the form of the version it gets (engine_tx_version()), never richer
 * than the form we hold the row in. A version 4 form lacks the version 5
 * content (cache address, policy entries); the digest and summaries cover
 * only (origin, boot, seq), so two PoPs holding one version in different
 * forms agree and never re-flood it, and a delta's hash is that of the
 * form it is sent in. A relayed version 4 copy keeps the content of the
 * row it replaces (lsdb.h), and the originator's own copy of the same
 * version, in form 5, replaces a copy of form 4.
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

/*
 * A link was lost: our row goes out on the next engine_run_global(), the
 * same call, ahead of lsa-min-interval (which paces RTT changes) and of
 * the relays waiting (engine_run_global() originates first).
 */
void
flood_originate_now(struct engine *e)
{
	e->originate_pending = 1;
	e->originate_at = 0;
}

/* The form a row goes to a peer in: its version, at most the row's. */
static unsigned
row_form(const struct engine *e, size_t peer, const struct lsdb_node *n)
{
	unsigned v = engine_tx_version(e, peer);

	return n->form != 0 && n->form < v ? n->form : v;
}

/* Send every part of node's row to one peer. */
static void
send_row(struct engine *e, size_t peer, const struct lsdb_node *n,
    uint64_t now)
{
	struct wire_lsa_entry *all;
	struct wire_lsa l;
	struct wire_hdr h;
	size_t per, nparts, part, k, nall;
	unsigned form;

	if (!n->has_row)
		return;
	form = row_form(e, peer, n);
	if (n->id == e->conf.id && form < engine_version(e))
		e->peers[peer].low_sent = 1;
	lsdb_row_entries_v(n, form, &all, &nall);
	memset(&l, 0, sizeof(l));
	if (form >= 5)
		snprintf(l.cache, sizeof(l.cache), "%s", n->cache);
	per = wire_lsa_max_entries_v(form, strlen(n->name), strlen(l.cache));
	nparts = nall == 0 ? 1 : (nall + per - 1) / per;
	if (nparts > 255)
		nparts = 255;	/* 41,000 peers: far past any real mesh */
	l.origin = n->id;
	l.boot = n->boot;
	l.seq = n->seq;
	l.age = lsdb_age(n, now);
	l.nparts = (uint8_t)nparts;
	snprintf(l.name, sizeof(l.name), "%s", n->name);
	for (part = 0; part < nparts; part++) {
		k = nall - part * per < per ? nall - part * per : per;
		l.part = (uint8_t)part;
		l.nentries = (uint16_t)k;
		engine_hdr(e, peer, &h, WIRE_LSA);
		h.version = (uint8_t)form;
		engine_xmit(e, peer, wire_encode_lsa(e->pkt, sizeof(e->pkt),
		    e->conf.key, &h, &l, all + part * per));
	}
	free(all);
}

/*
 * A peer we sent our row or declarations in an older form than it now
 * gets (we had not heard from it yet): the same again in its form, so it
 * has our cache address and tier policies without waiting for a change.
 */
void
flood_peer_upgraded(struct engine *e, size_t peer, uint64_t now)
{
	const struct lsdb_node *self;

	if (!e->peers[peer].low_sent)
		return;
	e->peers[peer].low_sent = 0;
	if ((self = lsdb_find(&e->db, e->conf.id)) != NULL)
		send_row(e, peer, self, now);
	origins_push_to(e, peer);
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
    const struct wire_lsa_entry *ent, size_t nent, uint64_t now)
{
	struct wire_lsa_entry *d = NULL, *d4 = NULL;
	struct wire_lsa l, l4;
	struct wire_hdr h;
	size_t i, nd = 0, nd4 = 0;
	int delta;

	/* a new cache address is no entry: it takes the whole row */
	delta = e->sent_ent != NULL && e->sent_boot == e->lsa_boot &&
	    e->sent_n == nent && self != NULL &&
	    strcmp(e->sent_cache, self->cache) == 0;
	if (delta) {
		d = xcalloc(nent ? nent : 1, sizeof(*d));
		d4 = xcalloc(nent ? nent : 1, sizeof(*d4));
		for (i = 0; delta && i < nent; i++) {
			if (ent[i].peer != e->sent_ent[i].peer ||
			    lsdb_entry_kind(&ent[i]) !=
			    lsdb_entry_kind(&e->sent_ent[i]))
				delta = 0;	/* peers changed: whole row */
			else if (ent[i].rtt != e->sent_ent[i].rtt ||
			    ent[i].loss != e->sent_ent[i].loss ||
			    ent[i].state != e->sent_ent[i].state) {
				d[nd++] = ent[i];
				/* version 4 knows no policy entries */
				if (lsdb_entry_kind(&ent[i]) != 2)
					d4[nd4++] = ent[i];
			}
		}
		/* a delta must fit one datagram and be worth it */
		if (nd > wire_lsa_delta_max_entries() || 2 * nd > nent)
			delta = 0;
	}
	memset(&l, 0, sizeof(l));
	l.origin = e->conf.id;
	l.boot = e->lsa_boot;
	l.seq = e->lsa_seq;
	l.base_seq = e->sent_seq;
	l.row_hash = self != NULL ? lsdb_row_hash_v(self, WIRE_VERSION) : 0;
	l.nentries = (uint16_t)nd;
	l4 = l;
	l4.row_hash = self != NULL ? lsdb_row_hash_v(self, 4) : 0;
	l4.nentries = (uint16_t)nd4;
	for (i = 0; i < e->npeers; i++) {
		struct peer *p = &e->peers[i];

		if (p->pl.state == LINK_DOWN)
			continue;
		if (delta && p->row_sent == e->sent_seq && e->sent_seq != 0) {
			engine_hdr(e, i, &h, WIRE_LSA_DELTA);
			if (h.version < 5)
				p->low_sent |= engine_version(e) >= 5;
			engine_xmit(e, i, wire_encode_lsa_delta(e->pkt,
			    sizeof(e->pkt), e->conf.key, &h,
			    h.version >= 5 ? &l : &l4, h.version >= 5 ? d : d4));
			e->c.lsa_deltas_sent++;
		} else
			send_row(e, i, self, now);
		p->row_sent = e->lsa_seq;
	}
	free(d);
	free(d4);
}

void
flood_originate(struct engine *e, uint64_t now)
{
	struct wire_lsa_entry *ent;
	const struct lsdb_node *self;
	size_t i, nent;

	e->originate_pending = 0;
	e->last_originate = now;
	e->next_refresh = now + engine_jitter(e, e->conf.p.lsa_refresh, 10);
	ent = xcalloc(e->npeers + 2 * e->nserved + 1, sizeof(*ent));
	for (i = 0; i < e->npeers; i++) {
		ent[i].peer = e->peers[i].conf.id;
		ent[i].rtt = e->peers[i].adv_rtt;
		ent[i].loss = e->peers[i].adv_loss;
		ent[i].state = e->peers[i].adv_state;
	}
	/* links, then the origins we serve (sorted), as the row holds them */
	nent = e->npeers + origins_row_entries(e, ent + e->npeers);
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
	if (lsdb_install_row_v(&e->db, e->conf.id, e->conf.name, e->lsa_boot,
	    e->lsa_seq, 0, ent, nent, now, e->conf.p.lsa_maxage,
	    engine_version(e), engine_version(e) >= 5 ? e->conf.cache : "",
	    0) != LSDB_INSTALLED)
		e->c.rejected[REJ_MALFORMED]++;
	e->c.lsa_originated++;
	self = lsdb_find(&e->db, e->conf.id);
	send_own_row(e, self, ent, nent, now);
	free(e->sent_ent);
	e->sent_ent = ent;
	e->sent_n = nent;
	snprintf(e->sent_cache, sizeof(e->sent_cache), "%s",
	    self != NULL ? self->cache : "");
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
	if (n != NULL && n->norigins > 0)
		origins_row_installed(e, n, from, now);
	n = lsdb_find(&e->db, origin);	/* slots may have moved */
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

/* Entries as lsdb_row_entries() orders them: links, origins, policies. */
static int
entry_cmp(const void *a, const void *b)
{
	const struct wire_lsa_entry *x = a, *y = b;
	int kx = lsdb_entry_kind(x), ky = lsdb_entry_kind(y);

	if (kx != ky)
		return kx - ky;
	return x->peer < y->peer ? -1 : x->peer > y->peer;
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
	const struct wire_lsa_entry *hit;
	struct wire_lsa_entry *base, *ent, de;
	char name[WIRE_NAME_MAX + 1], cache[WIRE_CACHE_MAX + 1];
	size_t i, k, nbase;
	unsigned form = l->version ? l->version : WIRE_VERSION;

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
	/* the base row's entries, sorted, with the changes applied */
	lsdb_row_entries(n, &base, &nbase);
	ent = xcalloc(nbase + l->nentries + 1, sizeof(*ent));
	memcpy(ent, base, nbase * sizeof(*ent));
	for (i = 0, k = nbase; i < l->nentries; i++) {
		wire_lsa_entry(l, i, &de);
		hit = bsearch(&de, base, nbase, sizeof(*base), entry_cmp);
		if (hit != NULL)
			ent[hit - base] = de;
		else
			ent[k++] = de;
	}
	free(base);
	/*
	 * The same (boot, seq) can name two rows: a PoP restarted within
	 * the second its boot id counts keeps the old boot, and may send
	 * versions we hold from its previous life. Only a result that hashes
	 * to the originator's row is installed; anything else is asked for
	 * whole, which also replaces the stale base. The hash is of the
	 * delta's form: a version 4 one covers no version 5 content.
	 */
	snprintf(cache, sizeof(cache), "%s", n->cache);
	if (lsdb_entries_hash_v(l->origin, ent, k, cache, form) !=
	    l->row_hash) {
		free(ent);
		e->c.lsa_deltas_unusable++;
		if (!recently_requested(e, l->origin, now))
			send_request(e, from, &l->origin, 1);
		return;
	}
	snprintf(name, sizeof(name), "%s", n->name);	/* slots may move */
	/* the base's cache address stays; a version 4 delta keeps the
	 * base's version 5 content as a relayed row does */
	switch (lsdb_install_row_v(&e->db, l->origin, name, l->boot, l->seq,
	    l->age, ent, k, now, e->conf.p.lsa_maxage, form,
	    form >= 5 ? cache : NULL, 1)) {
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
	/* a version 4 copy from a relay keeps what it cannot carry; one
	 * from its originator says the originator speaks 4 */
	switch (lsdb_install_part_v(&e->db, l, now, e->conf.p.lsa_maxage,
	    e->peers[from].conf.id != l->origin)) {
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
 *
 * A compact probe (wire.h) carries the high 32 bits of the digest, which
 * mask says: only those are compared. Two databases whose digests differ
 * in the low half alone (one chance in 2^32 per change) look the same
 * until a full probe or the next change of either.
 */
void
flood_note_digest(struct engine *e, size_t i, uint64_t digest, uint64_t mask,
    uint64_t now)
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
	if (digest == (e->db.digest & mask))
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
