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
	unsigned	 refs;		/* links of other rows pointing here */
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
					   links (a refresh): SPF can skip */
	uint64_t	 maxage;	/* last maxage given, ns */
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

/* Install one received part. maxage: ignore parts that are this old. */
enum lsdb_result lsdb_install_part(struct lsdb *, const struct wire_lsa *,
	    uint64_t now, uint64_t maxage);

/* Install a complete row (own origination, tests). */
enum lsdb_result lsdb_install_row(struct lsdb *, uint32_t origin,
	    const char *name, uint32_t boot, uint32_t seq, uint16_t age,
	    const struct wire_lsa_entry *, size_t n, uint64_t now,
	    uint64_t maxage);

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
 * A hash of a row's content (its links as installed), for LSA_DELTA: the
 * receiver checks that applying the delta gave the originator's row.
 */
uint64_t lsdb_row_hash(const struct lsdb_node *);
uint64_t lsdb_entries_hash(uint32_t origin, const struct wire_lsa_entry *,
	    size_t n);

#endif
