/*
 * The link state database; see lsdb.h for the model.
 *
 * Rows arrive in parts (wire.h); parts of one (boot, seq) are collected in
 * the node's reassembly area and the row is installed only when all of
 * them are there, so SPF never sees half a row. A newer version arriving
 * mid-reassembly discards the older parts.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "log.h"
#include "lsdb.h"

void
lsdb_init(struct lsdb *db)
{
	memset(db, 0, sizeof(*db));
}

void
lsdb_free(struct lsdb *db)
{
	size_t i;

	for (i = 0; i < db->nslots; i++) {
		free(db->slots[i].links);
		free(db->slots[i].asm_links);
	}
	free(db->slots);
	free(db->hash);
	memset(db, 0, sizeof(*db));
}

int
lsdb_version_cmp(uint32_t b1, uint32_t s1, uint32_t b2, uint32_t s2)
{
	if (b1 != b2)
		return b1 < b2 ? -1 : 1;
	if (s1 != s2)
		return s1 < s2 ? -1 : 1;
	return 0;
}

uint64_t
lsdb_entry_hash(uint32_t origin, uint32_t boot, uint32_t seq)
{
	/* splitmix64 finaliser over the packed triple: cheap, well mixed. */
	uint64_t x = ((uint64_t)origin << 32 | boot) ^
	    ((uint64_t)seq * 0x9e3779b97f4a7c15ULL);

	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static size_t
hash_pos(uint32_t id, size_t cap)
{
	return (size_t)((id * 2654435761U) & (cap - 1));
}

static void
hash_rebuild(struct lsdb *db)
{
	size_t cap = 64, i, h;

	while (cap < db->nslots * 2)
		cap *= 2;
	free(db->hash);
	db->hash = xcalloc(cap, sizeof(*db->hash));
	db->hashcap = cap;
	for (i = 0; i < db->nslots; i++) {
		if (!db->slots[i].in_use)
			continue;
		h = hash_pos(db->slots[i].id, cap);
		while (db->hash[h] != 0)
			h = (h + 1) & (cap - 1);
		db->hash[h] = (uint32_t)i + 1;
	}
}

long
lsdb_slot(const struct lsdb *db, uint32_t id)
{
	size_t h;
	uint32_t s;

	if (db->hashcap == 0)
		return -1;
	h = hash_pos(id, db->hashcap);
	while ((s = db->hash[h]) != 0) {
		if (db->slots[s - 1].id == id)
			return (long)s - 1;
		h = (h + 1) & (db->hashcap - 1);
	}
	return -1;
}

struct lsdb_node *
lsdb_find(const struct lsdb *db, uint32_t id)
{
	long s = lsdb_slot(db, id);

	return s < 0 ? NULL : &db->slots[s];
}

static uint32_t
node_get(struct lsdb *db, uint32_t id)
{
	long s = lsdb_slot(db, id);
	size_t i, h;

	if (s >= 0)
		return (uint32_t)s;
	for (i = 0; i < db->nslots; i++)
		if (!db->slots[i].in_use)
			break;
	if (i == db->nslots) {
		db->slots = xreallocarray(db->slots, db->nslots + 1,
		    sizeof(*db->slots));
		db->nslots++;
	}
	memset(&db->slots[i], 0, sizeof(db->slots[i]));
	db->slots[i].in_use = 1;
	db->slots[i].id = id;
	if (db->hashcap < db->nslots * 2)
		hash_rebuild(db);
	else {
		h = hash_pos(id, db->hashcap);
		while (db->hash[h] != 0)
			h = (h + 1) & (db->hashcap - 1);
		db->hash[h] = (uint32_t)i + 1;
	}
	return (uint32_t)i;
}

/* Free nodes that have no row and are referenced by none. */
static void
gc(struct lsdb *db)
{
	size_t i;
	int freed = 0;

	for (i = 0; i < db->nslots; i++) {
		struct lsdb_node *n = &db->slots[i];

		if (n->in_use && !n->has_row && n->refs == 0 &&
		    n->asm_links == NULL && n->asm_nparts == 0) {
			free(n->links);
			memset(n, 0, sizeof(*n));
			freed = 1;
		}
	}
	if (freed)
		hash_rebuild(db);
}

static void
unlink_row(struct lsdb *db, struct lsdb_node *n)
{
	size_t i;

	for (i = 0; i < n->nlinks; i++)
		db->slots[n->links[i].slot].refs--;
	free(n->links);
	n->links = NULL;
	n->nlinks = 0;
	if (n->has_row) {
		db->digest ^= lsdb_entry_hash(n->id, n->boot, n->seq);
		db->nrows--;
		n->has_row = 0;
	}
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct wire_lsa_entry *x = a, *y = b;

	return x->peer < y->peer ? -1 : x->peer > y->peer;
}

/* A row's entries as installed: sorted, without self links, duplicates
 * or unknown states, loss clamped. The caller frees the array. */
static struct wire_lsa_entry *
normalize(uint32_t origin, const struct wire_lsa_entry *in, size_t n,
    size_t *kp)
{
	struct wire_lsa_entry *e;
	size_t i, k;

	e = xcalloc(n ? n : 1, sizeof(*e));
	if (n > 0)
		memcpy(e, in, n * sizeof(*e));
	qsort(e, n, sizeof(*e), entry_cmp);
	for (i = k = 0; i < n; i++) {
		if (e[i].peer == origin || e[i].peer == 0 || e[i].state > 2)
			continue;
		if (k > 0 && e[k - 1].peer == e[i].peer)
			continue;
		e[k] = e[i];
		if (e[k].loss > 200)
			e[k].loss = 200;
		k++;
	}
	*kp = k;
	return e;
}

/* FNV-1a over the entries' fields, byte by byte: the same everywhere. */
static uint64_t
hash_links(const struct wire_lsa_entry *e, size_t k)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	uint8_t b[8];
	size_t i, j;

	for (i = 0; i < k; i++) {
		b[0] = (uint8_t)(e[i].peer >> 24);
		b[1] = (uint8_t)(e[i].peer >> 16);
		b[2] = (uint8_t)(e[i].peer >> 8);
		b[3] = (uint8_t)e[i].peer;
		b[4] = (uint8_t)(e[i].rtt >> 8);
		b[5] = (uint8_t)e[i].rtt;
		b[6] = e[i].loss;
		b[7] = e[i].state;
		for (j = 0; j < sizeof(b); j++) {
			h ^= b[j];
			h *= 0x100000001b3ULL;
		}
	}
	return h;
}

uint64_t
lsdb_entries_hash(uint32_t origin, const struct wire_lsa_entry *in, size_t n)
{
	struct wire_lsa_entry *e;
	uint64_t h;
	size_t k;

	e = normalize(origin, in, n, &k);
	h = hash_links(e, k);
	free(e);
	return h;
}

uint64_t
lsdb_row_hash(const struct lsdb_node *node)
{
	struct wire_lsa_entry *e;
	uint64_t h;
	size_t i;

	e = xcalloc(node->nlinks ? node->nlinks : 1, sizeof(*e));
	for (i = 0; i < node->nlinks; i++) {
		e[i].peer = node->links[i].peer;
		e[i].rtt = node->links[i].rtt;
		e[i].loss = node->links[i].loss;
		e[i].state = node->links[i].state;
	}
	h = hash_links(e, node->nlinks);
	free(e);
	return h;
}

enum lsdb_result
lsdb_install_row(struct lsdb *db, uint32_t origin, const char *name,
    uint32_t boot, uint32_t seq, uint16_t age,
    const struct wire_lsa_entry *in, size_t n, uint64_t now, uint64_t maxage)
{
	struct wire_lsa_entry *e;
	struct lsdb_node *node;
	uint32_t slot;
	size_t i, k, need;

	db->same_links = 0;
	if ((uint64_t)age * SEC >= maxage)
		return LSDB_SAME;
	node = lsdb_find(db, origin);
	if (node != NULL && node->has_row) {
		int c = lsdb_version_cmp(boot, seq, node->boot, node->seq);

		if (c < 0)
			return LSDB_OLDER;
		if (c == 0)
			return LSDB_SAME;
	}

	e = normalize(origin, in, n, &k);

	/*
	 * Every entry may name a node we have not seen: bound the database
	 * so that a key holder cannot grow memory (and SPF's n^2 scratch)
	 * at will.
	 */
	need = lsdb_slot(db, origin) < 0;
	for (i = 0; i < k; i++)
		need += lsdb_slot(db, e[i].peer) < 0;
	for (i = 0; i < db->nslots; i++)
		need += db->slots[i].in_use;
	if (need > LSDB_MAX_NODES) {
		free(e);
		return LSDB_BAD;
	}

	slot = node_get(db, origin);
	node = &db->slots[slot];
	db->same_links = node->has_row && node->nlinks == k;
	for (i = 0; db->same_links && i < k; i++)
		db->same_links = node->links[i].peer == e[i].peer &&
		    node->links[i].rtt == e[i].rtt &&
		    node->links[i].loss == (e[i].loss > 200 ? 200 : e[i].loss) &&
		    node->links[i].state == e[i].state;
	unlink_row(db, node);
	node->links = xcalloc(k ? k : 1, sizeof(*node->links));
	for (i = 0; i < k; i++) {
		uint32_t ps = node_get(db, e[i].peer);

		node = &db->slots[slot];	/* slots may have moved */
		node->links[i].peer = e[i].peer;
		node->links[i].slot = ps;
		node->links[i].rtt = e[i].rtt;
		node->links[i].loss = e[i].loss > 200 ? 200 : e[i].loss;
		node->links[i].state = e[i].state;
		db->slots[ps].refs++;
	}
	free(e);
	node->nlinks = k;
	node->has_row = 1;
	node->boot = boot;
	node->seq = seq;
	snprintf(node->name, sizeof(node->name), "%s", name);
	node->installed = now;
	node->age_at_install = age;
	node->expires = now + maxage - (uint64_t)age * SEC;
	db->digest ^= lsdb_entry_hash(origin, boot, seq);
	db->nrows++;
	db->generation++;
	gc(db);
	return LSDB_INSTALLED;
}

static void
asm_reset(struct lsdb_node *n)
{
	free(n->asm_links);
	n->asm_links = NULL;
	n->asm_nlinks = 0;
	n->asm_nparts = 0;
	memset(n->asm_have, 0, sizeof(n->asm_have));
}

enum lsdb_result
lsdb_install_part(struct lsdb *db, const struct wire_lsa *l, uint64_t now,
    uint64_t maxage)
{
	struct wire_lsa_entry *e;
	struct lsdb_node *node;
	enum lsdb_result r;
	uint32_t slot;
	size_t i;
	unsigned p;

	if ((uint64_t)l->age * SEC >= maxage)
		return LSDB_SAME;
	node = lsdb_find(db, l->origin);
	if (node != NULL && node->has_row) {
		int c = lsdb_version_cmp(l->boot, l->seq, node->boot,
		    node->seq);

		if (c < 0)
			return LSDB_OLDER;
		if (c == 0)
			return LSDB_SAME;
	}

	e = xcalloc(l->nentries ? l->nentries : 1, sizeof(*e));
	for (i = 0; i < l->nentries; i++)
		wire_lsa_entry(l, i, &e[i]);
	if (l->nparts == 1) {
		r = lsdb_install_row(db, l->origin, l->name, l->boot, l->seq,
		    l->age, e, l->nentries, now, maxage);
		node = lsdb_find(db, l->origin);
		/* drop only parts this row supersedes, not newer ones */
		if (r == LSDB_INSTALLED && node->asm_nparts != 0 &&
		    lsdb_version_cmp(node->asm_boot, node->asm_seq, l->boot,
		    l->seq) <= 0)
			asm_reset(node);
		free(e);
		return r;
	}

	slot = node_get(db, l->origin);
	node = &db->slots[slot];
	if (node->asm_nparts != 0) {
		int c = lsdb_version_cmp(l->boot, l->seq, node->asm_boot,
		    node->asm_seq);

		if (c < 0) {
			free(e);
			return LSDB_OLDER;
		}
		if (c > 0)
			asm_reset(node);
		else if (node->asm_nparts != l->nparts) {
			asm_reset(node);
			free(e);
			gc(db);
			return LSDB_BAD;
		}
	}
	if (node->asm_nparts == 0) {
		node->asm_started = now;
		db->maxage = maxage;
		node->asm_nparts = l->nparts;
		node->asm_boot = l->boot;
		node->asm_seq = l->seq;
	}
	p = l->part;
	if (node->asm_have[p / 8] & (1 << (p % 8))) {
		free(e);
		return LSDB_SAME;
	}
	node->asm_have[p / 8] |= (uint8_t)(1 << (p % 8));
	node->asm_links = xreallocarray(node->asm_links,
	    node->asm_nlinks + l->nentries + 1, sizeof(struct wire_lsa_entry));
	memcpy(node->asm_links + node->asm_nlinks, e,
	    l->nentries * sizeof(*e));
	node->asm_nlinks += l->nentries;
	free(e);
	for (p = 0; p < node->asm_nparts; p++)
		if (!(node->asm_have[p / 8] & (1 << (p % 8))))
			return LSDB_PARTIAL;

	e = node->asm_links;
	node->asm_links = NULL;
	i = node->asm_nlinks;
	asm_reset(node);
	r = lsdb_install_row(db, l->origin, l->name, l->boot, l->seq, l->age,
	    e, i, now, maxage);
	free(e);
	return r;
}

size_t
lsdb_expire(struct lsdb *db, uint64_t now)
{
	size_t i, n = 0;

	for (i = 0; i < db->nslots; i++) {
		struct lsdb_node *node = &db->slots[i];

		if (node->in_use && node->has_row && node->expires <= now) {
			unlink_row(db, node);
			n++;
		}
		/*
		 * Parts of a row whose other parts never came: the row they
		 * belong to would have expired by now anyway.
		 */
		if (node->in_use && node->asm_nparts != 0 &&
		    node->asm_started + db->maxage <= now) {
			asm_reset(node);
			n++;
		}
	}
	if (n) {
		db->generation++;
		gc(db);
	}
	return n;
}

uint64_t
lsdb_next_expiry(const struct lsdb *db)
{
	uint64_t t = UINT64_MAX;
	size_t i;

	for (i = 0; i < db->nslots; i++)
		if (db->slots[i].in_use && db->slots[i].has_row &&
		    db->slots[i].expires < t)
			t = db->slots[i].expires;
	return t;
}

uint16_t
lsdb_age(const struct lsdb_node *n, uint64_t now)
{
	uint64_t a = n->age_at_install + (now - n->installed) / SEC;

	return a > 0xffff ? 0xffff : (uint16_t)a;
}

const struct lsdb_link *
lsdb_link(const struct lsdb *db, uint32_t u_slot, uint32_t v_id)
{
	const struct lsdb_node *u = &db->slots[u_slot];
	size_t lo = 0, hi = u->nlinks, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (u->links[mid].peer == v_id)
			return &u->links[mid];
		if (u->links[mid].peer < v_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
