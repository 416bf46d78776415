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
		free(db->slots[i].origins);
		free(db->slots[i].policies);
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
			free(n->origins);
			free(n->policies);
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
	if (n->norigins > 0)
		db->origins_generation++;
	free(n->origins);
	n->origins = NULL;
	n->norigins = 0;
	if (n->npolicies > 0)
		db->origins_generation++;
	free(n->policies);
	n->policies = NULL;
	n->npolicies = 0;
	n->cache[0] = '\0';
	if (n->has_row) {
		db->digest ^= lsdb_entry_hash(n->id, n->boot, n->seq);
		db->nrows--;
		n->has_row = 0;
	}
}

int
lsdb_entry_kind(const struct wire_lsa_entry *e)
{
	if (e->state & WIRE_ENTRY_ORIGIN)
		return 1;
	if (e->state & WIRE_ENTRY_POLICY)
		return 2;
	return 0;
}

/* Links, origins, policies, each by id. */
static int
entry_cmp(const void *a, const void *b)
{
	const struct wire_lsa_entry *x = a, *y = b;
	int kx = lsdb_entry_kind(x), ky = lsdb_entry_kind(y);

	if (kx != ky)
		return kx - ky;
	return x->peer < y->peer ? -1 : x->peer > y->peer;
}

/* Known to a given version: version 4 drops policies like any unknown. */
static int
entry_known(const struct wire_lsa_entry *e, unsigned version)
{
	switch (lsdb_entry_kind(e)) {
	case 1:
		return (e->state & ~WIRE_ENTRY_ORIGIN) <= WIRE_ORIGIN_UNHEALTHY;
	case 2:
		return version >= 5 && e->state == WIRE_ENTRY_POLICY;
	default:
		return e->state <= 2;
	}
}

/* A row's entries as installed: links, then origins, then policies, each
 * sorted, without self links, duplicates or unknown states, loss clamped
 * (0 for origins and policies, rtt 0 for policies). The caller frees the
 * array. */
static struct wire_lsa_entry *
normalize(uint32_t origin, const struct wire_lsa_entry *in, size_t n,
    size_t *kp, unsigned version)
{
	struct wire_lsa_entry *e;
	size_t i, k;

	e = xcalloc(n ? n : 1, sizeof(*e));
	if (n > 0)
		memcpy(e, in, n * sizeof(*e));
	/* rows come sorted from their originator: sorting them again was
	   4 % of argosim's time at 300 PoPs (stable either way) */
	for (i = 1; i < n && entry_cmp(&e[i - 1], &e[i]) <= 0; i++)
		;
	if (i < n)
		qsort(e, n, sizeof(*e), entry_cmp);
	for (i = k = 0; i < n; i++) {
		if (e[i].peer == 0 || !entry_known(&e[i], version) ||
		    (e[i].peer == origin && lsdb_entry_kind(&e[i]) == 0))
			continue;
		if (k > 0 && e[k - 1].peer == e[i].peer &&
		    lsdb_entry_kind(&e[k - 1]) == lsdb_entry_kind(&e[i]))
			continue;
		e[k] = e[i];
		if (e[k].loss > 200)
			e[k].loss = 200;
		if (lsdb_entry_kind(&e[k]) != 0)
			e[k].loss = 0;
		if (lsdb_entry_kind(&e[k]) == 2)
			e[k].rtt = 0;
		k++;
	}
	*kp = k;
	return e;
}

/*
 * FNV-1a over the entries' fields, byte by byte, then over the cache
 * address if there is one: the same everywhere, and for a row without
 * version 5 content the same as version 4 computed.
 */
static uint64_t
hash_links(const struct wire_lsa_entry *e, size_t k, const char *cache)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	uint8_t b[8];
	size_t i, j;

	if (cache != NULL && cache[0] != '\0') {
		/* a leading mark: no entry list ends in these bytes alone */
		h = (h ^ 0xca) * 0x100000001b3ULL;
		for (j = 0; cache[j] != '\0'; j++)
			h = (h ^ (uint8_t)cache[j]) * 0x100000001b3ULL;
		h = (h ^ 0) * 0x100000001b3ULL;
	}
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
lsdb_entries_hash_v(uint32_t origin, const struct wire_lsa_entry *in,
    size_t n, const char *cache, unsigned version)
{
	struct wire_lsa_entry *e;
	uint64_t h;
	size_t k;

	e = normalize(origin, in, n, &k, version);
	h = hash_links(e, k, version >= 5 ? cache : NULL);
	free(e);
	return h;
}

uint64_t
lsdb_entries_hash(uint32_t origin, const struct wire_lsa_entry *in, size_t n)
{
	return lsdb_entries_hash_v(origin, in, n, NULL, WIRE_VERSION);
}

void
lsdb_row_entries(const struct lsdb_node *node, struct wire_lsa_entry **out,
    size_t *n)
{
	lsdb_row_entries_v(node, WIRE_VERSION, out, n);
}

void
lsdb_row_entries_v(const struct lsdb_node *node, unsigned version,
    struct wire_lsa_entry **out, size_t *n)
{
	struct wire_lsa_entry *e;
	size_t i, k = 0;

	e = xcalloc(node->nlinks + node->norigins + node->npolicies + 1,
	    sizeof(*e));
	for (i = 0; i < node->nlinks; i++, k++) {
		e[k].peer = node->links[i].peer;
		e[k].rtt = node->links[i].rtt;
		e[k].loss = node->links[i].loss;
		e[k].state = node->links[i].state;
	}
	for (i = 0; i < node->norigins; i++, k++) {
		e[k].peer = node->origins[i].peer;
		e[k].rtt = node->origins[i].rtt;
		e[k].loss = 0;
		e[k].state = (uint8_t)(WIRE_ENTRY_ORIGIN |
		    node->origins[i].state);
	}
	for (i = 0; version >= 5 && i < node->npolicies; i++, k++) {
		e[k].peer = node->policies[i];
		e[k].state = WIRE_ENTRY_POLICY;
	}
	*out = e;
	*n = k;
}

uint64_t
lsdb_row_hash_v(const struct lsdb_node *node, unsigned version)
{
	struct wire_lsa_entry *e;
	uint64_t h;
	size_t n;

	lsdb_row_entries_v(node, version, &e, &n);
	h = hash_links(e, n, version >= 5 ? node->cache : NULL);
	free(e);
	return h;
}

uint64_t
lsdb_row_hash(const struct lsdb_node *node)
{
	return lsdb_row_hash_v(node, WIRE_VERSION);
}

/* A row lost its link to slot ps: one more report about that node. */
static void
lost_report(struct lsdb *db, uint32_t ps, uint64_t now)
{
	struct lsdb_node *y = &db->slots[ps];

	if (y->lost_n == 0 || now - y->lost_last > LSDB_LOST_SPAN) {
		y->lost_first = now;
		y->lost_n = 0;
	}
	y->lost_n++;
	y->lost_last = now;
}

/*
 * What the row e[k] (normalized: sorted by peer) does to the live links
 * of n, in one pass: db->link_lost if it loses one (down or gone; each
 * node a link is lost to gets a report, lost_report()), and
 * db->link_congested if one that was up is congested now.
 */
static void
links_compare(struct lsdb *db, const struct lsdb_node *n,
    const struct wire_lsa_entry *e, size_t k, uint64_t now)
{
	size_t i, j = 0;

	for (i = 0; i < n->nlinks; i++) {
		if (n->links[i].state == LINK_DOWN)
			continue;
		while (j < k && e[j].peer < n->links[i].peer)
			j++;
		if (j == k || e[j].peer != n->links[i].peer ||
		    e[j].state == LINK_DOWN) {
			lost_report(db, n->links[i].slot, now);
			db->link_lost = 1;
		} else if (n->links[i].state == LINK_UP &&
		    e[j].state == LINK_CONGESTED)
			db->link_congested = 1;
	}
}

enum lsdb_result
lsdb_install_row(struct lsdb *db, uint32_t origin, const char *name,
    uint32_t boot, uint32_t seq, uint16_t age,
    const struct wire_lsa_entry *in, size_t n, uint64_t now, uint64_t maxage)
{
	return lsdb_install_row_v(db, origin, name, boot, seq, age, in, n, now,
	    maxage, WIRE_VERSION, "", 0);
}

/* The same version again is news only in a richer form (lsdb.h). */
static int
is_news(const struct lsdb_node *node, uint32_t boot, uint32_t seq,
    unsigned form, enum lsdb_result *r)
{
	int c;

	if (node == NULL || !node->has_row)
		return 1;
	c = lsdb_version_cmp(boot, seq, node->boot, node->seq);
	if (c < 0) {
		*r = LSDB_OLDER;
		return 0;
	}
	if (c == 0 && form <= node->form) {
		*r = LSDB_SAME;
		return 0;
	}
	return 1;
}

enum lsdb_result
lsdb_install_row_v(struct lsdb *db, uint32_t origin, const char *name,
    uint32_t boot, uint32_t seq, uint16_t age,
    const struct wire_lsa_entry *in, size_t n, uint64_t now, uint64_t maxage,
    unsigned form, const char *cache, int inherit)
{
	struct wire_lsa_entry *e, *all = NULL;
	char keep[WIRE_CACHE_MAX + 1] = "";
	struct lsdb_node *node;
	enum lsdb_result r = LSDB_SAME;
	uint32_t slot;
	size_t i, k, nl, no, np, need;
	int same_origins, was_stale;

	db->same_links = db->link_lost = db->link_congested = 0;
	if (form == 0 || form > WIRE_VERSION)
		form = WIRE_VERSION;
	if ((uint64_t)age * SEC >= maxage)
		return LSDB_SAME;
	node = lsdb_find(db, origin);
	if (!is_news(node, boot, seq, form, &r))
		return r;

	/*
	 * A row in version 4 form keeps the version 5 content of the one it
	 * replaces when asked to (and then stays of form 4 itself, so that
	 * the originator's own copy of this version still replaces it).
	 */
	if (form < 5 && inherit && cache == NULL && node != NULL &&
	    node->has_row) {
		/* version 4 content from the input, policies inherited */
		all = xcalloc(n + node->npolicies + 1, sizeof(*all));
		for (i = k = 0; i < n; i++)
			if (lsdb_entry_kind(&in[i]) != 2)
				all[k++] = in[i];
		for (i = 0; i < node->npolicies; i++) {
			all[k].peer = node->policies[i];
			all[k++].state = WIRE_ENTRY_POLICY;
		}
		snprintf(keep, sizeof(keep), "%s", node->cache);
		e = normalize(origin, all, k, &k, 5);
		free(all);
	} else {
		if (cache != NULL && form >= 5)
			snprintf(keep, sizeof(keep), "%s", cache);
		else if (cache == NULL && node != NULL && node->has_row)
			snprintf(keep, sizeof(keep), "%s", node->cache);
		e = normalize(origin, in, n, &k, form);
	}
	for (nl = 0; nl < k && lsdb_entry_kind(&e[nl]) == 0; nl++)
		;
	for (no = 0; nl + no < k && lsdb_entry_kind(&e[nl + no]) == 1; no++)
		;
	np = k - nl - no;

	/*
	 * Every entry may name a node we have not seen: bound the database
	 * so that a key holder cannot grow memory (and SPF's n^2 scratch)
	 * at will.
	 */
	need = lsdb_slot(db, origin) < 0;
	for (i = 0; i < nl; i++)
		need += lsdb_slot(db, e[i].peer) < 0;
	for (i = 0; i < db->nslots; i++)
		need += db->slots[i].in_use;
	if (need > LSDB_MAX_NODES || no > LSDB_MAX_ORIGINS) {
		free(e);
		return LSDB_BAD;
	}

	slot = node_get(db, origin);
	node = &db->slots[slot];
	was_stale = node->stale;
	node->stale = 0;
	node->stale_seen = 0;
	db->same_links = node->has_row && node->nlinks == nl && !was_stale;
	for (i = 0; db->same_links && i < nl; i++)
		db->same_links = node->links[i].peer == e[i].peer &&
		    node->links[i].rtt == e[i].rtt &&
		    node->links[i].loss == e[i].loss &&
		    node->links[i].state == e[i].state;
	same_origins = node->has_row && node->norigins == no &&
	    node->npolicies == np;
	for (i = 0; same_origins && i < no; i++)
		same_origins = node->origins[i].peer == e[nl + i].peer &&
		    node->origins[i].rtt == e[nl + i].rtt &&
		    node->origins[i].state ==
		    (e[nl + i].state & ~WIRE_ENTRY_ORIGIN);
	for (i = 0; same_origins && i < np; i++)
		same_origins = node->policies[i] == e[nl + no + i].peer;
	/* a new cache address changes no route, but the tiers' file */
	db->same_links = db->same_links && same_origins &&
	    strcmp(node->cache, keep) == 0;
	db->link_lost = db->link_congested = 0;
	if (node->has_row)
		links_compare(db, node, e, nl, now);
	if (node->has_row && strcmp(node->cache, keep) != 0)
		db->cache_generation++;
	else if (!node->has_row && keep[0] != '\0')
		db->cache_generation++;
	unlink_row(db, node);
	if (same_origins)	/* unlink_row() counted them */
		db->origins_generation -= (uint64_t)((no > 0) + (np > 0));
	else if (no + np > 0)
		db->origins_generation++;
	node->policies = xcalloc(np ? np : 1, sizeof(*node->policies));
	for (i = 0; i < np; i++)
		node->policies[i] = e[nl + no + i].peer;
	node->npolicies = np;
	snprintf(node->cache, sizeof(node->cache), "%s", keep);
	node->form = (uint8_t)form;
	node->origins = xcalloc(no ? no : 1, sizeof(*node->origins));
	for (i = 0; i < no; i++) {
		node->origins[i].peer = e[nl + i].peer;
		node->origins[i].slot = UINT32_MAX;
		node->origins[i].rtt = e[nl + i].rtt;
		node->origins[i].state = (uint8_t)(e[nl + i].state &
		    ~WIRE_ENTRY_ORIGIN);
	}
	node->norigins = no;
	k = nl;
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
	return lsdb_install_part_v(db, l, now, maxage, 1);
}

enum lsdb_result
lsdb_install_part_v(struct lsdb *db, const struct wire_lsa *l, uint64_t now,
    uint64_t maxage, int inherit)
{
	struct wire_lsa_entry *e;
	struct lsdb_node *node;
	enum lsdb_result r = LSDB_SAME;
	uint32_t slot;
	size_t i;
	unsigned p, form = l->version ? l->version : WIRE_VERSION;
	/* version 4 carries no cache address: keep or drop the old one */
	const char *cache = form >= 5 ? l->cache : inherit ? NULL : "";

	if ((uint64_t)l->age * SEC >= maxage)
		return LSDB_SAME;
	node = lsdb_find(db, l->origin);
	if (!is_news(node, l->boot, l->seq, form, &r))
		return r;

	e = xcalloc(l->nentries ? l->nentries : 1, sizeof(*e));
	for (i = 0; i < l->nentries; i++)
		wire_lsa_entry(l, i, &e[i]);
	if (l->nparts == 1) {
		r = lsdb_install_row_v(db, l->origin, l->name, l->boot, l->seq,
		    l->age, e, l->nentries, now, maxage, form, cache, inherit);
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
	r = lsdb_install_row_v(db, l->origin, l->name, l->boot, l->seq, l->age,
	    e, i, now, maxage, form, cache, inherit);
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
			if (node->cache[0] != '\0')
				db->cache_generation++;
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
