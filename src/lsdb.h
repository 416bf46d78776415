/*
 * The link state database: one row per originator, as last advertised.
 *
 * Rows are ordered by (boot, seq); a row is replaced only by a newer one.
 * Every node lives in a slot whose index never changes while the node
 * exists, and every link of a row holds the slot of its far end, resolved
 * when the row is installed (a node that is only referenced gets a slot
 * without a row). SPF can therefore walk the graph without any lookups.
 *
 * The digest is the XOR of a hash of (origin, boot, seq) over all rows:
 * two PoPs with equal digests hold the same versions of the same rows with
 * overwhelming probability, and it is updated in O(1) per change. Probes
 * carry it (anti-entropy, DESIGN.md decision 4).
 */
#ifndef ARGO_LSDB_H
#define ARGO_LSDB_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* Nodes the database holds at most (rows and referenced-only nodes). */
#define LSDB_MAX_NODES	4096
/* Origins one row may serve. */
#define LSDB_MAX_ORIGINS	256

struct lsdb_link {
	uint32_t	peer;		/* node id */
	uint32_t	slot;		/* slot of peer */
	uint16_t	rtt;		/* 0.1 ms, WIRE_RTT_UNKNOWN */
	uint8_t		loss;		/* 0.5 % */
	uint8_t		state;		/* enum link_state */
};

struct lsdb_node {
	uint32_t	 id;
	int		 in_use;
	int		 has_row;
	char		 name[WIRE_NAME_MAX + 1];
	uint32_t	 boot, seq;
	uint64_t	 installed;	/* ns */
	uint64_t	 expires;	/* ns */
	uint16_t	 age_at_install;
	struct lsdb_link *links;
	size_t		 nlinks;
	/*
	 * Origins the node serves (wire.h, "Origins in rows"): peer is the
	 * declaration id, rtt the last-mile cost, state the health (enum
	 * wire_origin_health, without WIRE_ENTRY_ORIGIN); slot unused.
	 * Sorted by id, like links.
	 */
	struct lsdb_link *origins;
	size_t		 norigins;
	/*
	 * Version 5 content (wire.h): declarations with a tier policy the
	 * row names (sorted ids), and the originator's cache address ("":
	 * none). form is the version of the datagram the row came in: a
	 * copy of form 4 cannot have carried them, so they were kept from
	 * the row it replaced when a relay brought it (argod.8, "Wire
	 * versions"), and a copy of the same version in form 5 replaces it.
	 */
	uint32_t	*policies;
	size_t		 npolicies;
	char		 cache[WIRE_CACHE_MAX + 1];
	uint8_t		 form;
	unsigned	 refs;		/* links of other rows pointing here */
	/*
	 * Set by the engine (engine-route.c) on a row whose originator SPF
	 * could not reach: its links may have changed unheard. SPF leaves
	 * such a row out; a newer row clears it.
	 */
	int		 stale;
	uint64_t	 stale_seen;	/* a reachable row claims a link to it */
	/*
	 * Links to this node that other rows lost (up before, down or gone
	 * in the row installed): how many since lost_first, within
	 * LSDB_LOST_SPAN of each other, and the last at lost_last. With its
	 * own row older than that, the node may be going or cut off
	 * (engine-route.c, "Suspects").
	 */
	uint64_t	 lost_first, lost_last;	/* ns */
	unsigned	 lost_n;
	/* reassembly of a multi-part row */
	uint32_t	 asm_boot, asm_seq;
	uint8_t		 asm_nparts;
	uint64_t	 asm_started;	/* ns */
	uint8_t		 asm_have[32];	/* bitmap of parts received */
	struct wire_lsa_entry *asm_links;
	size_t		 asm_nlinks;
};

struct lsdb {
	struct lsdb_node *slots;
	size_t		 nslots;
	size_t		 nrows;
	uint32_t	*hash;		/* open addressing: slot+1, 0 empty */
	size_t		 hashcap;
	uint64_t	 digest;
	uint64_t	 generation;	/* bumped on every row change */
	int		 same_links;	/* last install: new version, same
					   links and origins (a refresh):
					   SPF can skip */
	int		 link_lost;	/* last install: a link up before
					   is down or gone: SPF at once */
#define LSDB_LOST_SPAN	(1000000000ULL)	/* ns: reports of one event */
	int		 link_congested;	/* last install: a link up
						   before is congested */
	uint64_t	 maxage;	/* last maxage given, ns */
	uint64_t	 origins_generation;	/* bumped when a row's
						   origins change */
	uint64_t	 cache_generation;	/* ... or its cache
						   address */
};

enum lsdb_result {
	LSDB_OLDER = -1,	/* we hold a newer row */
	LSDB_SAME = 0,
	LSDB_PARTIAL,		/* newer, waiting for more parts */
	LSDB_INSTALLED,		/* newer row complete and installed */
	LSDB_BAD,		/* inconsistent parts, dropped */
};

void	lsdb_init(struct lsdb *);
void	lsdb_free(struct lsdb *);

int	lsdb_version_cmp(uint32_t boot1, uint32_t seq1, uint32_t boot2,
	    uint32_t seq2);

/*
 * The entries of a row, links first, then origins, then policies, as the
 * wire and the row hash order them; the caller frees *out. n is nlinks +
 * norigins (+ npolicies from version 5 on): the form of that version.
 */
void	lsdb_row_entries(const struct lsdb_node *, struct wire_lsa_entry **out,
	    size_t *n);
void	lsdb_row_entries_v(const struct lsdb_node *, unsigned version,
	    struct wire_lsa_entry **out, size_t *n);

/*
 * Install one received part. maxage: ignore parts that are this old.
 * A part of version 4 form (l->version 4) keeps the version 5 content of
 * the row it replaces when inherit (it came through a relay), drops it
 * when not (it came from its originator, which speaks 4 to us).
 */
enum lsdb_result lsdb_install_part(struct lsdb *, const struct wire_lsa *,
	    uint64_t now, uint64_t maxage);	/* inherit */
enum lsdb_result lsdb_install_part_v(struct lsdb *, const struct wire_lsa *,
	    uint64_t now, uint64_t maxage, int inherit);

/* Install a complete row (own origination, tests): form WIRE_VERSION,
 * no cache address. */
enum lsdb_result lsdb_install_row(struct lsdb *, uint32_t origin,
	    const char *name, uint32_t boot, uint32_t seq, uint16_t age,
	    const struct wire_lsa_entry *, size_t n, uint64_t now,
	    uint64_t maxage);
/* The same in a given form with its cache address (NULL: inherit). */
enum lsdb_result lsdb_install_row_v(struct lsdb *, uint32_t origin,
	    const char *name, uint32_t boot, uint32_t seq, uint16_t age,
	    const struct wire_lsa_entry *, size_t n, uint64_t now,
	    uint64_t maxage, unsigned form, const char *cache, int inherit);

/* Remove rows past their age; returns how many. */
size_t	lsdb_expire(struct lsdb *, uint64_t now);
uint64_t lsdb_next_expiry(const struct lsdb *);

struct lsdb_node *lsdb_find(const struct lsdb *, uint32_t id);
long	lsdb_slot(const struct lsdb *, uint32_t id);	/* -1 if absent */
/* Current age in seconds of a row. */
uint16_t lsdb_age(const struct lsdb_node *, uint64_t now);
/* The link u -> v in u's row, or NULL. */
const struct lsdb_link *lsdb_link(const struct lsdb *, uint32_t u_slot,
	    uint32_t v_id);

uint64_t lsdb_entry_hash(uint32_t origin, uint32_t boot, uint32_t seq);
/*
 * A hash of a row's content (its entries as installed, and its cache
 * address), for LSA_DELTA: the receiver checks that applying the delta
 * gave the originator's row. The _v forms hash what a version's form of
 * the row holds; a row without version 5 content hashes the same in both.
 */
uint64_t lsdb_row_hash(const struct lsdb_node *);
uint64_t lsdb_row_hash_v(const struct lsdb_node *, unsigned version);
uint64_t lsdb_entries_hash(uint32_t origin, const struct wire_lsa_entry *,
	    size_t n);
uint64_t lsdb_entries_hash_v(uint32_t origin, const struct wire_lsa_entry *,
	    size_t n, const char *cache, unsigned version);
/* Kinds of entries: 0 link, 1 origin, 2 policy (version 5). */
int	lsdb_entry_kind(const struct wire_lsa_entry *);

#endif
