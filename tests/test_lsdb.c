/*
 * Unit tests for the link state database (src/lsdb.c): versions, digest,
 * multi-part reassembly, slots and placeholders, expiry and age.
 *
 * check_db() verifies the invariants of lsdb.h after every step: every
 * link's slot holds its peer, refs count the links pointing at a node,
 * links are sorted without self links or duplicates, nodes without a row
 * exist only while referenced (or mid-reassembly), the hash finds every
 * node, nrows and the digest match the rows.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "lsdb.h"
#include "tap.h"

#define T0	(5000 * SEC)
#define MAXAGE	(120 * SEC)

static struct wire_lsa_entry
ent(uint32_t peer, uint16_t rtt, uint8_t loss, uint8_t state)
{
	struct wire_lsa_entry e;

	e.peer = peer;
	e.rtt = rtt;
	e.loss = loss;
	e.state = state;
	return e;
}

static uint64_t
xor_digest(const struct lsdb *db)
{
	uint64_t d = 0;
	size_t i;

	for (i = 0; i < db->nslots; i++)
		if (db->slots[i].in_use && db->slots[i].has_row)
			d ^= lsdb_entry_hash(db->slots[i].id,
			    db->slots[i].boot, db->slots[i].seq);
	return d;
}

/* Count invariant violations; print the first few. */
static int
check_db(const struct lsdb *db)
{
	size_t i, j, k, rows = 0, refs;
	int bad = 0;

#define VIOL(...) do {							\
	if (bad++ < 5) {						\
		printf("#   invariant: ");				\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	}								\
} while (0)

	for (i = 0; i < db->nslots; i++) {
		const struct lsdb_node *n = &db->slots[i];

		if (!n->in_use)
			continue;
		if (lsdb_slot(db, n->id) != (long)i)
			VIOL("slot %zu (id %u) not found by hash", i, n->id);
		if (n->has_row)
			rows++;
		else if (n->nlinks != 0)
			VIOL("slot %zu has links but no row", i);
		for (j = 0; j < n->nlinks; j++) {
			const struct lsdb_link *l = &n->links[j];

			if (l->slot >= db->nslots || !db->slots[l->slot].in_use
			    || db->slots[l->slot].id != l->peer)
				VIOL("slot %zu link %zu: bad slot", i, j);
			if (l->peer == n->id)
				VIOL("slot %zu: self link", i);
			if (j > 0 && n->links[j - 1].peer >= l->peer)
				VIOL("slot %zu: links not strictly sorted", i);
			if (l->state > 2 || l->loss > 200 || l->peer == 0)
				VIOL("slot %zu link %zu: bad values", i, j);
		}
		refs = 0;
		for (k = 0; k < db->nslots; k++) {
			const struct lsdb_node *o = &db->slots[k];

			if (!o->in_use)
				continue;
			for (j = 0; j < o->nlinks; j++)
				if (o->links[j].slot == i)
					refs++;
		}
		if (refs != n->refs)
			VIOL("slot %zu (id %u): refs %u, counted %zu", i,
			    n->id, n->refs, refs);
		if (!n->has_row && n->refs == 0 && n->asm_nparts == 0)
			VIOL("slot %zu (id %u): unreferenced placeholder", i,
			    n->id);
	}
	if (rows != db->nrows)
		VIOL("nrows %zu, counted %zu", db->nrows, rows);
	if (xor_digest(db) != db->digest)
		VIOL("digest is not the XOR of the row hashes");
#undef VIOL
	return bad;
}

static enum lsdb_result
row(struct lsdb *db, uint32_t origin, uint32_t boot, uint32_t seq,
    const struct wire_lsa_entry *e, size_t n, uint64_t now)
{
	char name[WIRE_NAME_MAX + 1];

	snprintf(name, sizeof(name), "n%u", origin);
	return lsdb_install_row(db, origin, name, boot, seq, 0, e, n, now,
	    MAXAGE);
}

/* A received part: entries encoded as on the wire into buf. */
static void
mkpart(struct wire_lsa *l, uint8_t *buf, uint32_t origin, uint32_t boot,
    uint32_t seq, uint16_t age, uint8_t part, uint8_t nparts,
    const struct wire_lsa_entry *e, size_t n)
{
	size_t i;

	memset(l, 0, sizeof(*l));
	l->origin = origin;
	l->boot = boot;
	l->seq = seq;
	l->age = age;
	l->part = part;
	l->nparts = nparts;
	snprintf(l->name, sizeof(l->name), "n%u", origin);
	l->nentries = (uint16_t)n;
	for (i = 0; i < n; i++) {
		uint8_t *p = buf + i * WIRE_LSA_ENTRY_LEN;

		p[0] = (uint8_t)(e[i].peer >> 24);
		p[1] = (uint8_t)(e[i].peer >> 16);
		p[2] = (uint8_t)(e[i].peer >> 8);
		p[3] = (uint8_t)e[i].peer;
		p[4] = (uint8_t)(e[i].rtt >> 8);
		p[5] = (uint8_t)e[i].rtt;
		p[6] = e[i].loss;
		p[7] = e[i].state;
	}
	l->entries = buf;
}

static enum lsdb_result
part(struct lsdb *db, uint32_t origin, uint32_t boot, uint32_t seq,
    uint8_t p, uint8_t np, const struct wire_lsa_entry *e, size_t n,
    uint64_t now)
{
	struct wire_lsa l;
	uint8_t buf[64 * WIRE_LSA_ENTRY_LEN];

	mkpart(&l, buf, origin, boot, seq, 0, p, np, e, n);
	return lsdb_install_part(db, &l, now, MAXAGE);
}

static int
has_link(const struct lsdb *db, uint32_t u, uint32_t v)
{
	long s = lsdb_slot(db, u);

	return s >= 0 && lsdb_link(db, (uint32_t)s, v) != NULL;
}

static void
test_versions(void)
{
	struct lsdb db;
	struct wire_lsa_entry e[2] = { ent(2, 100, 0, 1), ent(3, 200, 0, 1) };
	struct lsdb_node *n;
	uint64_t gen;

	is_int(lsdb_version_cmp(1, 5, 1, 5), 0, "cmp: equal");
	is_int(lsdb_version_cmp(1, 4, 1, 5), -1, "cmp: lower seq");
	is_int(lsdb_version_cmp(1, 6, 1, 5), 1, "cmp: higher seq");
	is_int(lsdb_version_cmp(2, 0, 1, 0xffffffff), 1, "cmp: boot first");
	is_int(lsdb_version_cmp(1, 0xffffffff, 2, 0), -1, "cmp: boot first 2");

	lsdb_init(&db);
	is_int(db.nrows, 0, "versions: empty");
	ok(db.digest == 0, "versions: empty digest 0");
	ok(lsdb_find(&db, 1) == NULL, "versions: find on empty");
	is_int(lsdb_slot(&db, 1), -1, "versions: slot on empty");
	ok(lsdb_next_expiry(&db) == UINT64_MAX, "versions: no expiry");

	is_int(row(&db, 1, 1, 5, e, 2, T0), LSDB_INSTALLED,
	    "versions: (1,5) installed");
	n = lsdb_find(&db, 1);
	ok(n != NULL && n->has_row && n->boot == 1 && n->seq == 5,
	    "versions: row (1,5) held");
	ok(n != NULL && strcmp(n->name, "n1") == 0, "versions: name kept");
	is_int(db.nrows, 1, "versions: 1 row");
	gen = db.generation;
	is_int(row(&db, 1, 1, 5, e, 1, T0), LSDB_SAME, "versions: same");
	is_int(row(&db, 1, 1, 4, e, 1, T0), LSDB_OLDER, "versions: older");
	is_int(row(&db, 1, 0, 99, e, 1, T0), LSDB_OLDER,
	    "versions: older boot, higher seq");
	ok(db.generation == gen, "versions: no generation bump when kept");
	n = lsdb_find(&db, 1);
	is_int(n->nlinks, 2, "versions: same/older did not touch the links");
	is_int(row(&db, 1, 1, 6, e, 1, T0 + SEC), LSDB_INSTALLED,
	    "versions: newer seq installed");
	ok(db.generation > gen, "versions: generation bumped");
	n = lsdb_find(&db, 1);
	ok(n->seq == 6 && n->nlinks == 1, "versions: replaced by (1,6)");
	ok(n->installed == T0 + SEC, "versions: installed time updated");
	is_int(row(&db, 1, 2, 0, e, 2, T0), LSDB_INSTALLED,
	    "versions: newer boot with seq 0 installed");
	is_int(row(&db, 1, 1, 0xffffffff, e, 2, T0), LSDB_OLDER,
	    "versions: old boot with max seq is older");
	n = lsdb_find(&db, 1);
	ok(n->boot == 2 && n->seq == 0, "versions: (2,0) held");
	is_int(db.nrows, 1, "versions: still one row");
	is_int(check_db(&db), 0, "versions: invariants");
	lsdb_free(&db);
}

static void
test_digest(void)
{
	struct lsdb a, b;
	struct wire_lsa_entry e[3] = {
		ent(10, 1, 0, 1), ent(11, 2, 0, 1), ent(12, 3, 0, 1),
	};
	uint32_t o;
	int bad = 0;

	lsdb_init(&a);
	lsdb_init(&b);
	ok(lsdb_entry_hash(1, 2, 3) == lsdb_entry_hash(1, 2, 3),
	    "digest: hash deterministic");
	ok(lsdb_entry_hash(1, 2, 3) != lsdb_entry_hash(1, 2, 4) &&
	    lsdb_entry_hash(1, 2, 3) != lsdb_entry_hash(1, 3, 3) &&
	    lsdb_entry_hash(1, 2, 3) != lsdb_entry_hash(2, 2, 3),
	    "digest: hash depends on origin, boot and seq");
	ok(lsdb_entry_hash(1, 2, 3) != lsdb_entry_hash(2, 1, 3) &&
	    lsdb_entry_hash(1, 0, 2) != lsdb_entry_hash(2, 0, 1),
	    "digest: swapped fields hash differently");

	/* a: rows in increasing order, b: decreasing with detours */
	for (o = 1; o <= 20; o++) {
		row(&a, o, 1, o * 3, e, 3, T0);
		if (xor_digest(&a) != a.digest)
			bad++;
	}
	for (o = 20; o >= 1; o--) {
		row(&b, o, 1, 1, e, 1, T0);		/* older first */
		row(&b, o, 0, 999, e, 2, T0);		/* ignored */
		row(&b, o, 1, o * 3, e, 3, T0);		/* final */
		row(&b, o, 1, o * 3 - 1, e, 3, T0);	/* older, ignored */
		if (xor_digest(&b) != b.digest)
			bad++;
	}
	is_int(bad, 0, "digest: equals XOR of entry hashes after each step");
	ok(a.digest == b.digest,
	    "digest: same rows, different install order: equal digests");
	ok(a.digest != 0, "digest: nonzero");
	is_int(a.nrows, 20, "digest: 20 rows");
	is_int(b.nrows, 20, "digest: 20 rows in b");
	row(&b, 7, 1, 100, e, 1, T0);
	ok(a.digest != b.digest, "digest: one newer row changes it");
	row(&a, 7, 1, 100, e, 2, T0);
	ok(a.digest == b.digest,
	    "digest: depends on versions only, not on the links");
	is_int(check_db(&a), 0, "digest: invariants a");
	is_int(check_db(&b), 0, "digest: invariants b");
	lsdb_free(&a);
	lsdb_free(&b);
}

static void
test_multipart(void)
{
	struct lsdb db;
	struct wire_lsa_entry p0[2] = { ent(10, 1, 0, 1), ent(11, 2, 0, 1) };
	struct wire_lsa_entry p1[2] = { ent(12, 3, 0, 1), ent(13, 4, 0, 1) };
	struct wire_lsa_entry p2[1] = { ent(14, 5, 0, 2) };
	struct wire_lsa_entry q0[1] = { ent(20, 6, 0, 1) };
	struct wire_lsa_entry q1[1] = { ent(21, 7, 0, 1) };
	struct wire_lsa_entry q2[1] = { ent(22, 8, 0, 1) };
	struct lsdb_node *n;
	uint64_t d;

	lsdb_init(&db);
	/* out of order, with a duplicate */
	is_int(part(&db, 1, 1, 5, 2, 3, p2, 1, T0), LSDB_PARTIAL,
	    "parts: 2/3 first: partial");
	n = lsdb_find(&db, 1);
	ok(n != NULL && !n->has_row, "parts: no row while incomplete");
	is_int(db.nrows, 0, "parts: nrows 0 while incomplete");
	ok(db.digest == 0, "parts: digest untouched while incomplete");
	is_int(part(&db, 1, 1, 5, 2, 3, p2, 1, T0), LSDB_SAME,
	    "parts: duplicate 2/3: same");
	is_int(part(&db, 1, 1, 5, 0, 3, p0, 2, T0), LSDB_PARTIAL,
	    "parts: 0/3: partial");
	is_int(check_db(&db), 0, "parts: invariants mid-reassembly");
	is_int(part(&db, 1, 1, 5, 0, 3, p0, 2, T0), LSDB_SAME,
	    "parts: duplicate 0/3: same");
	is_int(part(&db, 1, 1, 5, 1, 3, p1, 2, T0 + SEC), LSDB_INSTALLED,
	    "parts: 1/3 completes: installed");
	n = lsdb_find(&db, 1);
	ok(n != NULL && n->has_row && n->boot == 1 && n->seq == 5,
	    "parts: row (1,5)");
	is_int(n->nlinks, 5, "parts: 5 links (duplicates not doubled)");
	ok(has_link(&db, 1, 10) && has_link(&db, 1, 11) &&
	    has_link(&db, 1, 12) && has_link(&db, 1, 13) &&
	    has_link(&db, 1, 14), "parts: every part's links present");
	ok(lsdb_link(&db, (uint32_t)lsdb_slot(&db, 1), 14)->state == 2 &&
	    lsdb_link(&db, (uint32_t)lsdb_slot(&db, 1), 14)->rtt == 5,
	    "parts: link values carried");
	ok(strcmp(n->name, "n1") == 0, "parts: name");
	is_int(n->asm_nparts, 0, "parts: reassembly area cleared");
	ok(n->asm_links == NULL, "parts: reassembly links freed");
	is_int(db.nrows, 1, "parts: 1 row");
	is_int(check_db(&db), 0, "parts: invariants");
	is_int(part(&db, 1, 1, 5, 1, 3, p1, 2, T0), LSDB_SAME,
	    "parts: part of the installed version: same");
	is_int(part(&db, 1, 1, 4, 0, 3, p0, 2, T0), LSDB_OLDER,
	    "parts: part of an older version: older");

	/* a newer version mid-reassembly discards the old parts */
	is_int(part(&db, 1, 1, 6, 0, 3, p0, 2, T0), LSDB_PARTIAL,
	    "parts: (1,6) 0/3: partial");
	is_int(part(&db, 1, 1, 7, 1, 3, q1, 1, T0), LSDB_PARTIAL,
	    "parts: (1,7) 1/3 mid-reassembly: partial");
	is_int(part(&db, 1, 1, 6, 1, 3, p1, 2, T0), LSDB_OLDER,
	    "parts: (1,6) after (1,7) started: older");
	is_int(part(&db, 1, 1, 7, 2, 3, q2, 1, T0), LSDB_PARTIAL,
	    "parts: (1,7) 2/3: still partial (0/3 of 1,6 not reused)");
	is_int(part(&db, 1, 1, 7, 0, 3, q0, 1, T0), LSDB_INSTALLED,
	    "parts: (1,7) 0/3: installed");
	n = lsdb_find(&db, 1);
	ok(n->seq == 7 && n->nlinks == 3, "parts: (1,7) has exactly 3 links");
	ok(!has_link(&db, 1, 10) && has_link(&db, 1, 20) &&
	    has_link(&db, 1, 21) && has_link(&db, 1, 22),
	    "parts: no links of the discarded version");
	is_int(check_db(&db), 0, "parts: invariants after replacement");

	/* nparts mismatch within one version */
	d = db.digest;
	is_int(part(&db, 1, 1, 8, 0, 3, p0, 2, T0), LSDB_PARTIAL,
	    "parts: (1,8) 0/3: partial");
	is_int(part(&db, 1, 1, 8, 1, 2, p1, 2, T0), LSDB_BAD,
	    "parts: (1,8) 1/2 after 0/3: bad");
	n = lsdb_find(&db, 1);
	ok(n->seq == 7, "parts: installed row untouched by bad parts");
	ok(db.digest == d, "parts: digest untouched by bad parts");
	is_int(n->asm_nparts, 0, "parts: bad parts dropped the reassembly");
	is_int(part(&db, 1, 1, 8, 1, 2, p1, 2, T0), LSDB_PARTIAL,
	    "parts: (1,8) 1/2 afresh: partial");
	is_int(part(&db, 1, 1, 8, 0, 2, p0, 2, T0), LSDB_INSTALLED,
	    "parts: (1,8) 0/2: installed");
	n = lsdb_find(&db, 1);
	ok(n->seq == 8 && n->nlinks == 4, "parts: (1,8) with 4 links");
	is_int(check_db(&db), 0, "parts: invariants after mismatch");

	/* a single-part newer version ends a reassembly */
	is_int(part(&db, 1, 1, 9, 0, 2, p0, 2, T0), LSDB_PARTIAL,
	    "parts: (1,9) 0/2: partial");
	is_int(part(&db, 1, 1, 10, 0, 1, q0, 1, T0), LSDB_INSTALLED,
	    "parts: (1,10) 0/1: installed at once");
	n = lsdb_find(&db, 1);
	is_int(n->asm_nparts, 0, "parts: older reassembly dropped");
	is_int(part(&db, 1, 1, 9, 1, 2, p1, 2, T0), LSDB_OLDER,
	    "parts: (1,9) 1/2 now older");
	is_int(check_db(&db), 0, "parts: invariants");

	/*
	 * An older complete single-part version must not discard the parts
	 * already received of a newer one.
	 */
	is_int(part(&db, 1, 1, 12, 0, 2, p0, 2, T0), LSDB_PARTIAL,
	    "parts: (1,12) 0/2: partial");
	is_int(part(&db, 1, 1, 11, 0, 1, q0, 1, T0), LSDB_INSTALLED,
	    "parts: (1,11) single part: installed (newer than 1,10)");
	is_int(part(&db, 1, 1, 12, 1, 2, p1, 2, T0), LSDB_INSTALLED,
	    "parts: (1,12) 1/2 completes the kept reassembly");
	n = lsdb_find(&db, 1);
	ok(n->seq == 12 || n->seq == 11, "parts: row is (1,11) or (1,12)");
	is_int(check_db(&db), 0, "parts: invariants");

	/* multi-part row of an unknown origin that never completes: the
	 * slot lives while reassembling, and a bad part frees it */
	is_int(part(&db, 99, 1, 1, 0, 2, p0, 2, T0), LSDB_PARTIAL,
	    "parts: new origin 99 0/2: partial");
	ok(lsdb_find(&db, 99) != NULL, "parts: 99 holds a slot meanwhile");
	is_int(part(&db, 99, 1, 1, 1, 3, p1, 2, T0), LSDB_BAD,
	    "parts: 99 nparts mismatch: bad");
	ok(lsdb_find(&db, 99) == NULL, "parts: 99's slot collected");
	is_int(check_db(&db), 0, "parts: invariants");

	/* 255 parts, the most a part number can carry */
	{
		int p, bad = 0;
		struct wire_lsa_entry one;

		for (p = 254; p >= 0; p--) {
			one = ent((uint32_t)(1000 + p), 1, 0, 1);
			if (part(&db, 50, 1, 1, (uint8_t)p, 255, &one, 1, T0) !=
			    (p == 0 ? LSDB_INSTALLED : LSDB_PARTIAL))
				bad++;
		}
		is_int(bad, 0, "parts: 255 parts in reverse order");
		n = lsdb_find(&db, 50);
		ok(n != NULL && n->has_row && n->nlinks == 255,
		    "parts: 255-part row with 255 links");
		is_int(check_db(&db), 0, "parts: invariants (255 parts)");
	}
	lsdb_free(&db);
}

static void
test_slots(void)
{
	struct lsdb db;
	struct wire_lsa_entry ea[2] = { ent(2, 100, 7, 1), ent(3, 300, 250, 2) };
	struct wire_lsa_entry eb[2] = { ent(1, 110, 0, 1), ent(3, 120, 0, 1) };
	struct wire_lsa_entry ea2[1] = { ent(2, 100, 0, 1) };
	struct wire_lsa_entry many[1];
	const struct lsdb_link *lk;
	struct lsdb_node *n;
	long sa, sb, sc;
	uint32_t i;
	int moved = 0;

	lsdb_init(&db);
	row(&db, 1, 1, 1, ea, 2, T0);
	sa = lsdb_slot(&db, 1);
	sb = lsdb_slot(&db, 2);
	sc = lsdb_slot(&db, 3);
	ok(sa >= 0 && sb >= 0 && sc >= 0, "slots: origin and peers have slots");
	ok(sa != sb && sb != sc && sa != sc, "slots: distinct slots");
	n = lsdb_find(&db, 2);
	ok(n != NULL && !n->has_row && n->refs == 1,
	    "slots: 2 is a placeholder with one ref");
	n = lsdb_find(&db, 3);
	ok(n != NULL && !n->has_row && n->refs == 1,
	    "slots: 3 is a placeholder with one ref");
	is_int(db.nrows, 1, "slots: placeholders are not rows");
	lk = lsdb_link(&db, (uint32_t)sa, 2);
	ok(lk != NULL && lk->peer == 2 && lk->slot == (uint32_t)sb &&
	    lk->rtt == 100 && lk->loss == 7 && lk->state == 1,
	    "slots: lsdb_link 1->2 with slot and values");
	lk = lsdb_link(&db, (uint32_t)sa, 3);
	ok(lk != NULL && lk->slot == (uint32_t)sc && lk->state == 2,
	    "slots: lsdb_link 1->3");
	ok(lk != NULL && lk->loss == 200, "slots: loss clamped to 200");
	ok(lsdb_link(&db, (uint32_t)sa, 4) == NULL, "slots: no link 1->4");
	ok(lsdb_link(&db, (uint32_t)sb, 1) == NULL,
	    "slots: placeholder has no links");
	is_int(check_db(&db), 0, "slots: invariants");

	/* 2 gets a row: same slot, refs to 1 and 3 */
	row(&db, 2, 1, 1, eb, 2, T0);
	is_int(lsdb_slot(&db, 2), sb, "slots: 2 keeps its slot with a row");
	is_int(lsdb_find(&db, 3)->refs, 2, "slots: 3 referenced twice");
	is_int(lsdb_find(&db, 1)->refs, 1, "slots: 1 referenced by 2");
	ok(has_link(&db, 2, 1) && has_link(&db, 2, 3), "slots: 2's links");

	/* many more nodes: slots must not move */
	for (i = 100; i < 400; i++) {
		many[0] = ent(i + 1, 10, 0, 1);
		row(&db, i, 1, 1, many, 1, T0);
	}
	if (lsdb_slot(&db, 1) != sa || lsdb_slot(&db, 2) != sb ||
	    lsdb_slot(&db, 3) != sc)
		moved = 1;
	is_int(moved, 0, "slots: indices stable while 300 nodes are added");
	lk = lsdb_link(&db, (uint32_t)sa, 3);
	ok(lk != NULL && lk->slot == (uint32_t)sc,
	    "slots: links still resolve after growth");
	for (i = 100; i < 400; i++)
		if (!has_link(&db, i, i + 1) || lsdb_find(&db, i + 1) == NULL)
			moved++;
	is_int(moved, 0, "slots: every chain link resolves");
	is_int(check_db(&db), 0, "slots: invariants with 300 nodes");

	/* 1 drops 3; 3 still referenced by 2 */
	row(&db, 1, 1, 2, ea2, 1, T0);
	ok(lsdb_find(&db, 3) != NULL, "slots: 3 kept while 2 refers to it");
	is_int(lsdb_find(&db, 3)->refs, 1, "slots: 3 has one ref left");
	ok(lsdb_link(&db, (uint32_t)sa, 3) == NULL, "slots: 1->3 gone");
	/* 2 drops 3: no longer referenced, collected */
	row(&db, 2, 1, 2, eb, 1, T0);
	ok(lsdb_find(&db, 3) == NULL, "slots: unreferenced placeholder gone");
	is_int(lsdb_slot(&db, 3), -1, "slots: no slot for 3");
	is_int(lsdb_slot(&db, 1), sa, "slots: 1 still in its slot");
	is_int(lsdb_slot(&db, 2), sb, "slots: 2 still in its slot");
	is_int(check_db(&db), 0, "slots: invariants after collection");

	/* an origin that was a placeholder keeps its slot when it gets a row */
	many[0] = ent(777, 10, 0, 1);
	row(&db, 5, 1, 1, many, 1, T0);
	sc = lsdb_slot(&db, 777);
	ok(sc >= 0, "slots: 777 placeholder");
	row(&db, 777, 1, 1, many, 0, T0);
	is_int(lsdb_slot(&db, 777), sc, "slots: placeholder slot kept");
	ok(lsdb_find(&db, 777)->has_row, "slots: 777 now has a row");
	is_int(lsdb_find(&db, 777)->nlinks, 0, "slots: empty row");
	is_int(check_db(&db), 0, "slots: invariants");
	lsdb_free(&db);
}

static void
test_filtering(void)
{
	struct lsdb db;
	struct wire_lsa_entry e[8] = {
		ent(5, 1, 0, 1), ent(1, 2, 0, 1),	/* 1 is the origin */
		ent(3, 3, 0, 1), ent(5, 4, 0, 1),	/* duplicate 5 */
		ent(0, 5, 0, 1),			/* peer 0 */
		ent(4, 6, 0, 3),			/* unknown state */
		ent(3, 7, 0, 1), ent(2, 8, 0, 0),	/* dup 3; 2 down */
	};
	struct lsdb_node *n;
	long s;

	lsdb_init(&db);
	is_int(row(&db, 1, 1, 1, e, 8, T0), LSDB_INSTALLED,
	    "filter: installed");
	n = lsdb_find(&db, 1);
	is_int(n->nlinks, 3, "filter: 3 links remain (2, 3, 5)");
	s = lsdb_slot(&db, 1);
	ok(lsdb_link(&db, (uint32_t)s, 1) == NULL, "filter: no self link");
	ok(lsdb_link(&db, (uint32_t)s, 0) == NULL, "filter: no link to 0");
	ok(lsdb_link(&db, (uint32_t)s, 4) == NULL,
	    "filter: link with unknown state dropped");
	ok(lsdb_find(&db, 4) == NULL, "filter: no placeholder for dropped 4");
	ok(lsdb_find(&db, 0) == NULL, "filter: no placeholder for 0");
	ok(n->links[0].peer == 2 && n->links[1].peer == 3 &&
	    n->links[2].peer == 5, "filter: links sorted by peer");
	ok(n->links[0].state == 0, "filter: down links are kept");
	is_int(n->refs, 0, "filter: self link does not count as a ref");
	is_int(lsdb_find(&db, 3)->refs, 1, "filter: duplicate counted once");
	is_int(check_db(&db), 0, "filter: invariants");

	/* the same through a received part */
	{
		struct wire_lsa l;
		uint8_t buf[8 * WIRE_LSA_ENTRY_LEN];

		mkpart(&l, buf, 9, 1, 1, 0, 0, 1, e, 8);
		is_int(lsdb_install_part(&db, &l, T0, MAXAGE), LSDB_INSTALLED,
		    "filter: part installed");
		is_int(lsdb_find(&db, 9)->nlinks, 4,
		    "filter: part: 1, 2, 3, 5 remain (9 is the origin)");
		is_int(check_db(&db), 0, "filter: invariants");
	}
	lsdb_free(&db);
}

static void
test_expiry(void)
{
	struct lsdb db;
	struct wire_lsa_entry ea[1] = { ent(2, 10, 0, 1) };
	struct wire_lsa_entry eb[1] = { ent(3, 10, 0, 1) };
	struct wire_lsa_entry ec[1] = { ent(1, 10, 0, 1) };
	struct wire_lsa l;
	uint8_t buf[WIRE_LSA_ENTRY_LEN];
	uint64_t t_a;

	lsdb_init(&db);
	/* 1 with age 10 s: expires 110 s after install */
	is_int(lsdb_install_row(&db, 1, "a", 1, 1, 10, ea, 1, T0, MAXAGE),
	    LSDB_INSTALLED, "expiry: 1 installed with age 10");
	t_a = T0 + MAXAGE - 10 * SEC;
	ok(lsdb_find(&db, 1)->expires == t_a, "expiry: expires at maxage");
	ok(lsdb_next_expiry(&db) == t_a, "expiry: next expiry");
	/* 3 (age 0) refers to 1 */
	lsdb_install_row(&db, 3, "c", 1, 1, 0, ec, 1, T0 + 5 * SEC, MAXAGE);
	ok(lsdb_next_expiry(&db) == t_a, "expiry: next is still 1's");
	is_int(lsdb_expire(&db, t_a - 1), 0, "expiry: nothing 1 ns before");
	is_int(db.nrows, 2, "expiry: both rows still there");
	is_int(lsdb_expire(&db, t_a), 1, "expiry: 1 expires at maxage");
	ok(lsdb_find(&db, 1) != NULL && !lsdb_find(&db, 1)->has_row,
	    "expiry: 1 stays as a placeholder (3 refers to it)");
	ok(lsdb_find(&db, 2) == NULL,
	    "expiry: 2, only referenced by 1's row, collected");
	is_int(db.nrows, 1, "expiry: one row left");
	ok(db.digest == lsdb_entry_hash(3, 1, 1), "expiry: digest updated");
	ok(lsdb_next_expiry(&db) == T0 + 5 * SEC + MAXAGE,
	    "expiry: next is 3's");
	is_int(check_db(&db), 0, "expiry: invariants");
	/* the expired version may be learned again */
	is_int(lsdb_install_row(&db, 1, "a", 1, 1, 0, ea, 1, t_a, MAXAGE),
	    LSDB_INSTALLED, "expiry: same version re-learned after expiry");
	is_int(lsdb_expire(&db, T0 + 5 * SEC + MAXAGE), 1,
	    "expiry: 3 expires");
	ok(lsdb_find(&db, 3) == NULL, "expiry: 3 collected (no refs)");
	is_int(lsdb_expire(&db, t_a + MAXAGE), 1, "expiry: 1 expires again");
	is_int(db.nrows, 0, "expiry: empty");
	ok(db.digest == 0, "expiry: digest back to 0");
	ok(lsdb_slot(&db, 1) == -1 && lsdb_slot(&db, 2) == -1 &&
	    lsdb_slot(&db, 3) == -1, "expiry: all slots free");
	ok(lsdb_next_expiry(&db) == UINT64_MAX, "expiry: none pending");
	is_int(check_db(&db), 0, "expiry: invariants when empty");

	/* rows and parts at or past maxage are ignored */
	ok(lsdb_install_row(&db, 1, "a", 1, 5, 120, ea, 1, T0, MAXAGE) !=
	    LSDB_INSTALLED, "expiry: row with age == maxage ignored");
	ok(lsdb_find(&db, 1) == NULL, "expiry: and nothing was created");
	is_int(lsdb_install_row(&db, 1, "a", 1, 5, 119, ea, 1, T0, MAXAGE),
	    LSDB_INSTALLED, "expiry: age maxage-1 s installed");
	ok(lsdb_find(&db, 1)->expires == T0 + SEC, "expiry: for 1 s");
	mkpart(&l, buf, 1, 1, 6, 120, 0, 1, eb, 1);
	ok(lsdb_install_part(&db, &l, T0, MAXAGE) != LSDB_INSTALLED,
	    "expiry: part with age == maxage ignored");
	ok(lsdb_find(&db, 1)->seq == 5, "expiry: old row kept");
	mkpart(&l, buf, 1, 1, 6, 200, 0, 2, eb, 1);
	ok(lsdb_install_part(&db, &l, T0, MAXAGE) != LSDB_PARTIAL,
	    "expiry: multi-part part with age > maxage ignored");
	is_int(lsdb_find(&db, 1)->asm_nparts, 0,
	    "expiry: no reassembly started by an aged part");
	mkpart(&l, buf, 1, 1, 6, 0xffff, 0, 1, eb, 1);
	ok(lsdb_install_part(&db, &l, T0, MAXAGE) != LSDB_INSTALLED,
	    "expiry: part with age 65535 ignored");
	mkpart(&l, buf, 1, 1, 6, 30, 0, 1, eb, 1);
	is_int(lsdb_install_part(&db, &l, T0, MAXAGE), LSDB_INSTALLED,
	    "expiry: part with age 30 installed");
	ok(lsdb_find(&db, 1)->expires == T0 + 90 * SEC,
	    "expiry: expires maxage - age later");
	is_int(check_db(&db), 0, "expiry: invariants");
	lsdb_free(&db);
}

static void
test_age(void)
{
	struct lsdb db;
	struct lsdb_node *n;
	struct wire_lsa_entry none[1];

	/*
	 * n = 0 with a non-NULL pointer: lsdb_install_row() memcpy()s the
	 * entries even when there are none, which UBSan rejects for NULL.
	 */
	lsdb_init(&db);
	lsdb_install_row(&db, 1, "a", 1, 1, 10, none, 0, T0, MAXAGE);
	n = lsdb_find(&db, 1);
	is_int(lsdb_age(n, T0), 10, "age: age at install");
	is_int(lsdb_age(n, T0 + 999 * MSEC), 10, "age: 0.999 s later");
	is_int(lsdb_age(n, T0 + SEC), 11, "age: 1 s later");
	is_int(lsdb_age(n, T0 + 5500 * MSEC), 15, "age: 5.5 s later");
	is_int(lsdb_age(n, T0 + 100 * SEC), 110, "age: 100 s later");
	is_int(lsdb_age(n, T0 + 100000 * SEC), 0xffff, "age: saturates");
	lsdb_install_row(&db, 1, "a", 1, 2, 0, none, 0, T0 + 50 * SEC, MAXAGE);
	n = lsdb_find(&db, 1);
	is_int(lsdb_age(n, T0 + 50 * SEC), 0, "age: restarts with a new row");
	is_int(lsdb_age(n, T0 + 53 * SEC), 3, "age: grows again");
	lsdb_free(&db);
}

/* Random operations against the invariants. */
static uint64_t rng_state = 88172645463325252ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void
test_random(void)
{
	struct lsdb db;
	struct wire_lsa_entry e[12];
	uint32_t seq[33];
	uint64_t now = T0;
	int i, k, bad = 0;

	memset(seq, 0, sizeof(seq));
	lsdb_init(&db);
	for (i = 0; i < 3000; i++) {
		uint32_t o = (uint32_t)(rng() % 32) + 1;
		size_t n = rng() % 12;
		uint64_t x = rng();

		for (k = 0; k < (int)n; k++)
			e[k] = ent((uint32_t)(rng() % 40), (uint16_t)rng(),
			    (uint8_t)rng(), (uint8_t)(rng() % 4));
		now += (x % 3000) * MSEC;
		if (x % 7 == 0) {
			lsdb_expire(&db, now);
		} else if (x % 5 == 0) {
			/* two-part row, parts in either order */
			seq[o]++;
			part(&db, o, 1, seq[o], (uint8_t)(x >> 20 & 1), 2, e,
			    n / 2, now);
			part(&db, o, 1, seq[o], (uint8_t)(~x >> 20 & 1), 2,
			    e + n / 2, n - n / 2, now);
		} else {
			seq[o] += (uint32_t)(x >> 8) % 3;	/* may repeat */
			lsdb_install_row(&db, o, "r", 1, seq[o],
			    (uint16_t)(x >> 16) % 100, e, n, now, MAXAGE);
		}
		bad += check_db(&db);
	}
	is_int(bad, 0, "random: invariants hold over 3000 operations");
	ok(db.nrows > 0, "random: database is not empty at the end");
	lsdb_expire(&db, now + 2 * MAXAGE);
	is_int(db.nrows, 0, "random: everything expires");
	bad = 0;
	for (i = 0; i < (int)db.nslots; i++)
		if (db.slots[i].in_use)
			bad++;
	is_int(bad, 0, "random: no slot in use after total expiry");
	lsdb_free(&db);
}

/*
 * Rows in the two wire forms (lsdb.h; argod.8, "Wire versions"): what the
 * version 4 form of a version 5 row holds and hashes to, a relayed
 * version 4 copy keeping the newer content, one from the originator
 * dropping it, and the same version in form 5 replacing form 4 only.
 */
static void
test_forms(void)
{
	struct lsdb db;
	struct lsdb_node *n;
	struct wire_lsa_entry e[4], *out;
	struct wire_lsa l;
	uint8_t buf[8 * WIRE_LSA_ENTRY_LEN];
	uint64_t d0, h4, h5;
	size_t k;

	lsdb_init(&db);
	memset(e, 0, sizeof(e));
	e[0].peer = 2;
	e[0].rtt = 100;
	e[0].state = LINK_UP;
	e[1].peer = 0x5000;			/* an origin served */
	e[1].rtt = 50;
	e[1].state = WIRE_ENTRY_ORIGIN | WIRE_ORIGIN_HEALTHY;
	e[2].peer = 0x6000;			/* its tier policy */
	e[2].state = WIRE_ENTRY_POLICY;
	is_int(lsdb_install_row_v(&db, 1, "a", 1, 1, 0, e, 3, T0, MAXAGE, 5,
	    "10.0.0.1:80", 0), LSDB_INSTALLED, "forms: a version 5 row");
	n = lsdb_find(&db, 1);
	ok(n->npolicies == 1 && n->policies[0] == 0x6000 &&
	    strcmp(n->cache, "10.0.0.1:80") == 0 && n->form == 5 &&
	    n->nlinks == 1 && n->norigins == 1,
	    "forms: links, origins, policies and cache address held apart");
	lsdb_row_entries_v(n, 4, &out, &k);
	ok(k == 2 && lsdb_entry_kind(&out[0]) == 0 &&
	    lsdb_entry_kind(&out[1]) == 1,
	    "forms: its version 4 form has the link and the origin only");
	free(out);
	lsdb_row_entries_v(n, 5, &out, &k);
	ok(k == 3 && lsdb_entry_kind(&out[2]) == 2,
	    "forms: its version 5 form the policy too");
	free(out);
	h4 = lsdb_row_hash_v(n, 4);
	h5 = lsdb_row_hash_v(n, 5);
	ok(h4 == lsdb_entries_hash_v(1, e, 2, NULL, 4) &&
	    h4 == lsdb_entries_hash_v(1, e, 3, "10.0.0.1:80", 4) && h5 != h4,
	    "forms: the version 4 hash is of what version 4 sees");
	ok(h5 == lsdb_entries_hash_v(1, e, 3, "10.0.0.1:80", 5) &&
	    h5 != lsdb_entries_hash_v(1, e, 3, "10.0.0.2:80", 5) &&
	    h5 != lsdb_entries_hash_v(1, e, 2, "10.0.0.1:80", 5),
	    "forms: the version 5 hash covers cache address and policies");
	ok(lsdb_entries_hash_v(1, e, 2, "", 5) ==
	    lsdb_entries_hash_v(1, e, 2, NULL, 4),
	    "forms: without version 5 content both hashes agree");
	d0 = db.digest;

	/* the same version in form 4: nothing new */
	mkpart(&l, buf, 1, 1, 1, 0, 0, 1, e, 2);
	l.version = 4;
	is_int(lsdb_install_part_v(&db, &l, T0, MAXAGE, 1), LSDB_SAME,
	    "forms: the same version in form 4 is not news");
	/* a newer one through a relay: keeps cache address and policy */
	e[0].rtt = 120;
	mkpart(&l, buf, 1, 1, 2, 0, 0, 1, e, 2);
	l.version = 4;
	is_int(lsdb_install_part_v(&db, &l, T0, MAXAGE, 1), LSDB_INSTALLED,
	    "forms: a newer row in form 4 from a relay");
	n = lsdb_find(&db, 1);
	ok(n->links[0].rtt == 120 && n->npolicies == 1 &&
	    strcmp(n->cache, "10.0.0.1:80") == 0 && n->form == 4,
	    "forms: it keeps the cache address and policy, and is of form 4");
	/* the same version in form 5 from the originator replaces it */
	mkpart(&l, buf, 1, 1, 2, 0, 0, 1, e, 3);
	snprintf(l.cache, sizeof(l.cache), "10.0.0.9:80");
	l.version = 5;
	d0 = db.digest;
	is_int(lsdb_install_part_v(&db, &l, T0, MAXAGE, 0), LSDB_INSTALLED,
	    "forms: the same version in form 5 is news");
	n = lsdb_find(&db, 1);
	ok(strcmp(n->cache, "10.0.0.9:80") == 0 && n->form == 5 &&
	    db.digest == d0 && db.nrows == 1,
	    "forms: it replaces form 4, the digest unchanged");
	is_int(lsdb_install_part_v(&db, &l, T0, MAXAGE, 0), LSDB_SAME,
	    "forms: and once there, the same again is not");
	/* form 4 from the originator itself: it speaks 4, drop the rest */
	mkpart(&l, buf, 1, 1, 3, 0, 0, 1, e, 3);	/* a policy entry too */
	l.version = 4;
	is_int(lsdb_install_part_v(&db, &l, T0, MAXAGE, 0), LSDB_INSTALLED,
	    "forms: a newer row in form 4 from its originator");
	n = lsdb_find(&db, 1);
	ok(n->npolicies == 0 && n->cache[0] == '\0' && n->norigins == 1,
	    "forms: no policy, no cache address (a policy entry in a "
	    "version 4 datagram is not one)");
	is_int(check_db(&db), 0, "forms: database invariants hold");
	lsdb_free(&db);
}

int
main(void)
{
	test_versions();
	test_forms();
	test_digest();
	test_multipart();
	test_slots();
	test_filtering();
	test_expiry();
	test_age();
	test_random();
	return done_testing();
}
