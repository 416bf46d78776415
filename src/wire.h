/*
 * The argod wire format. This module only encodes and decodes; it has no
 * protocol logic (STYLE.md convention 2).
 *
 * Every datagram is
 *
 *	0      2   3    4        6   7   8          12         16         24
 *	+------+---+----+--------+---+---+----------+----------+----------+
 *	|magic |ver|type| length |max| 0 | sender id| boot id  | sequence |
 *	+------+---+----+--------+---+---+----------+----------+----------+
 *	| body (type specific, at least wire_types[type].min_len bytes)    |
 *	+------------------------------------------------------------------+
 *	| MAC: keyed BLAKE2b-128 over the receiver's id and everything     |
 *	| before it (16 bytes)                                             |
 *	+------------------------------------------------------------------+
 *
 * All integers are big-endian. The MAC is checked before any byte of the
 * body is looked at. (boot id, sequence) feed the replay guard (replay.h).
 * Sequence numbers count per sender and receiver, so reordering on one
 * path is all a receiver's window has to absorb, however many peers the
 * sender bursts to; the receiver's id is not sent but bound into the MAC,
 * so a datagram taken off one path is no use on another (version 3).
 * Node ids are the first 32 bits of BLAKE2b(name), so every PoP derives the
 * same id from a name without coordination; configs with colliding names
 * are rejected.
 *
 * Versions (argod.8, "Wire versions"). A PoP decodes the datagrams of
 * versions WIRE_VERSION_MIN (4) to WIRE_VERSION (6) and rejects every
 * other (bad_version). "max" is the highest version the sender speaks;
 * version 4 wrote 0 there and never read it, so a newer PoP says "I speak
 * 6" even inside the version 4 datagrams it sends to a peer it has not
 * heard from yet. Only LSA and ORIGINS differ between 4 and 5 (below);
 * version 6 adds the compact probe (below) and changes nothing else, so
 * everything else has one layout, whatever the version byte says.
 *
 * Compact probes (version 6). A PROBE or PROBE_REPLY to a peer known to
 * speak 6 is 40 bytes instead of 64 (68 on the wire instead of 92; the
 * probes of idle links are most of a quiet mesh's control bytes):
 *
 *	0      2   3    4          8          12   14  15  16  17     20
 *	+------+---+----+----------+----------+----+---+---+---+------+
 *	|magic |ver|type| boot id  | seq, low | ask|ans|msk|hld| turn |
 *	+------+---+----+----------+----------+----+---+---+---+------+
 *	20             24                                           40
 *	+--------------+--------------------------------------------+
 *	| digest, high | MAC (16 bytes)                             |
 *	+--------------+--------------------------------------------+
 *
 * magic is "AP", which every older decoder rejects as bad_magic; type is
 * the message type in the low 4 bits and WIRE_COMPACT_F_ANSWER; ask the
 * low 16 bits of ask_seq, ans the low 8 of ans_seq (an answer can only
 * match one of the asker's last 64 probes, probe.h); hld the hold (ms,
 * a 4-bit exponent and a 4-bit mantissa, wire_compact_hold()); turn the
 * turnaround in us, 24 bits, as exact as the full form's (argosim: 16
 * bits in coarser units above 262 ms put 0.2 ms errors into idle links'
 * RTTs and re-advertised rows in a static network); digest the high 32
 * bits of the LSDB digest. What is
 * not sent the receiver knows or expands (wire_compact_ctx): the sender
 * from the source address, the high half of the sequence from its replay
 * guard (RFC 4303 appendix A2.1: the candidate at or above the bottom of
 * the window; a new boot counts from 0), ask and ans against the asks it
 * has seen and sent. The MAC covers the receiver id, the 24 bytes sent,
 * then the sender id and the expanded 64-bit sequence, so what is not
 * sent is authenticated all the same, and a wrong expansion fails it.
 * The receiver id comes first, then the magic, as in the full form, whose
 * MAC input therefore never equals a compact one.
 */
#ifndef ARGO_WIRE_H
#define ARGO_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "prefix.h"

#define WIRE_MAGIC		0x4147	/* "AG" */
#define WIRE_VERSION		6	/* 2: probes carry answers; 3: the
					   receiver is bound into the MAC;
					   4: origins in rows, ORIGINS;
					   5: cache addresses in rows, tier
					   policies in declarations;
					   6: compact probes */
#define WIRE_VERSION_MIN	4	/* oldest understood */
#define WIRE_COMPACT_MAGIC	0x4150	/* "AP" */
#define WIRE_COMPACT_VERSION	6	/* the first with compact probes */
#define WIRE_COMPACT_LEN	40	/* 24 bytes and the MAC */
#define WIRE_COMPACT_F_ANSWER	0x80	/* in the type byte */
#define WIRE_COMPACT_HOLD_MAX	63488	/* ms: (16 | 15) << 11 */
#define WIRE_COMPACT_TURN_MAX	0xffffffu	/* us, 16.8 s */
#define WIRE_HDR_LEN		24
#define WIRE_MAC_LEN		16
#define WIRE_KEY_LEN		32
#define WIRE_MTU		1400	/* largest datagram we send */
#define WIRE_NAME_MAX		31
#define WIRE_LSA_ENTRY_LEN	8
#define WIRE_SUMMARY_ENTRY_LEN	12
#define WIRE_RTT_UNKNOWN	0xffff	/* rtt field, units of 0.1 ms */
#define WIRE_CACHE_MAX		127	/* a row's cache address, as text */
#define WIRE_TIERS_MAX		32	/* upper tiers named by a policy */

enum wire_type {
	WIRE_PROBE = 1,
	WIRE_PROBE_REPLY,
	WIRE_LSA,
	WIRE_SUMMARY,
	WIRE_REQUEST,
	WIRE_LSA_DELTA,
	WIRE_ORIGINS,
	WIRE_ORIGIN_REQUEST,
	WIRE_TYPE_MAX
};

/* Why a datagram was rejected; the names are the status socket's keys. */
enum wire_reject {
	REJ_SHORT,		/* shorter than header + MAC */
	REJ_MAGIC,
	REJ_VERSION,
	REJ_LENGTH,		/* length field disagrees with datagram */
	REJ_MAC,
	REJ_TYPE,		/* unknown message type */
	REJ_TRUNCATED,		/* body shorter than its type or counts need */
	REJ_MALFORMED,		/* fields out of range */
	REJ_REPLAY,		/* boot id older than the sender's last */
	REJ_BELOW_WINDOW,	/* sequence below the replay window */
	REJ_DUPLICATE,		/* sequence already seen */
	REJ_UNKNOWN_PEER,	/* source address is no configured peer */
	REJ_SENDER,		/* sender id does not match the source peer */
	REJ_MAX
};
extern const char *const wire_reject_names[REJ_MAX];
/* Message type names (index 0: "none"), for counters by type. */
extern const char *const wire_type_names[WIRE_TYPE_MAX];
/* The type of a datagram this node encoded (0 when it has none). */
enum wire_type	wire_sent_type(const uint8_t *buf, size_t len);

struct wire_hdr {
	uint8_t		type;
	uint32_t	sender;
	uint32_t	boot;
	uint64_t	seq;		/* per sender and receiver */
	uint32_t	receiver;	/* not sent: bound into the MAC */
	uint8_t		version;	/* encode: 0 is WIRE_VERSION */
	uint8_t		maxver;		/* the sender's highest; 0: version */
};

/*
 * PROBE and PROBE_REPLY share one layout. A PROBE asks for an answer
 * (ask_seq); either type may answer the peer's latest ask (flag
 * WIRE_PROBE_F_ANSWER: ans_seq, held turnaround_us before it went out,
 * and ans_mask bit k set if ask ans_seq - 1 - k arrived too). A
 * PROBE_REPLY only answers. The asker allows the answer to be held for
 * hold_ms, so that it can ride the peer's own next probe: one datagram
 * each way per probe interval instead of two (engine.c, "Probing").
 */
#define WIRE_PROBE_F_ANSWER	0x01
struct wire_probe {
	uint8_t		flags;
	uint8_t		ans_mask;
	uint16_t	hold_ms;	/* PROBE: answer may wait this long */
	uint32_t	ask_seq;	/* PROBE: nonzero */
	uint32_t	ans_seq;
	uint32_t	turnaround_us;	/* answerer's rx-to-tx time */
	uint64_t	digest;		/* sender's LSDB digest */
	uint64_t	digest_mask;	/* decoded: the bits of it sent (all;
					   compact: the high 32) */
};

struct wire_lsa_entry {
	uint32_t	peer;
	uint16_t	rtt;		/* 0.1 ms units, WIRE_RTT_UNKNOWN */
	uint8_t		loss;		/* 0.5 % units, 0..200 */
	uint8_t		state;		/* enum link_state */
};

/*
 * Origins in rows (version 4). An egress PoP's row carries, besides one
 * entry per link, one entry per origin it serves: peer is the origin's
 * declaration id (below), state is WIRE_ENTRY_ORIGIN with the health in
 * the low bits, rtt the advertised last-mile cost in 0.1 ms
 * (WIRE_RTT_UNKNOWN: no check), loss 0. Such entries take part in deltas,
 * parts and hashes like links, and are never links.
 */
#define WIRE_ENTRY_ORIGIN	0x80
enum wire_origin_health {
	WIRE_ORIGIN_UNKNOWN = 0,
	WIRE_ORIGIN_HEALTHY,
	WIRE_ORIGIN_UNHEALTHY,
};

/*
 * Tier policies (version 5). A row of version 5 may carry entries with
 * state WIRE_ENTRY_POLICY: peer is the id of a declaration that carries
 * a tier policy (below) for one of the origins the row serves; rtt and
 * loss are 0. Version 4 forms of a row leave them out (a version 4 PoP
 * drops entries it does not know, so it could not pass them on anyway).
 */
#define WIRE_ENTRY_POLICY	0x40

/* Tier modes, as engine.h's enum engine_tier_mode numbers them. */
enum wire_tier_mode {
	WIRE_TIER_SMART = 0,
	WIRE_TIER_STATIC,
	WIRE_TIER_REGIONAL,
};

/*
 * An origin declaration: its name and prefixes. Its id is a hash of that
 * content (wire_origin_id()), so a declaration names itself: rows refer
 * to it by id, a PoP that lacks it asks for it (ORIGIN_REQUEST, laid out
 * like REQUEST), any PoP that holds it answers (ORIGINS), and the
 * receiver checks the id against the content. ORIGINS is
 *
 *	u16 count, u16 0, then count times:
 *	u32 id, u8 name length, name, u8 prefix count,
 *	prefix count times: u8 4 or 6, u8 length, ceil(length / 8) bytes
 *
 * and in version 5 each declaration goes on with its tier policy:
 *
 *	u8 mode (enum wire_tier_mode), u8 K (regional), u8 tier count,
 *	tier count times: u32 node id (ascending, no repeats)
 *
 * smart has K 0 and no tiers, static at least one tier and K 0, regional
 * K 1..WIRE_TIERS_MAX (tiers: the candidates, none for every PoP). The
 * id covers the policy unless it is the default (smart), so a declaration
 * with the default policy has the same id and content in both versions,
 * and one with another policy is a declaration of its own, which a row
 * names in a WIRE_ENTRY_POLICY entry beside the origin entry that names
 * the policy-less declaration (wire_origin_base()). Version 4 PoPs see
 * only the latter.
 */
#define WIRE_ORIGIN_PREFIX_MAX	64
struct wire_origin {
	uint32_t	id;
	char		name[WIRE_NAME_MAX + 1];
	uint8_t		nprefixes;
	struct prefix	prefixes[WIRE_ORIGIN_PREFIX_MAX];
	uint8_t		tier_mode;	/* enum wire_tier_mode */
	uint8_t		tier_k;
	uint8_t		ntiers;
	uint32_t	tiers[WIRE_TIERS_MAX];
};

/* One part of an originator's row; a row larger than one datagram is sent
 * in nparts parts that all carry the same (boot, seq). */
struct wire_lsa {
	uint8_t		version;	/* decoded: the datagram's */
	uint32_t	origin;
	uint32_t	boot;
	uint32_t	seq;
	uint16_t	age;		/* seconds */
	uint8_t		part;
	uint8_t		nparts;
	char		name[WIRE_NAME_MAX + 1];
	char		cache[WIRE_CACHE_MAX + 1];	/* version 5 LSA:
					   the originator's cache,
					   ADDRESS:PORT; "" none */
	uint16_t	nentries;
	const uint8_t	*entries;	/* points into the datagram */
	uint32_t	base_seq;	/* LSA_DELTA only */
	uint64_t	row_hash;	/* LSA_DELTA only: lsdb_row_hash() */
};

/*
 * LSA (version 5) carries, after the name, u8 cache length and the cache
 * address (letters, digits and ".-:[]_" only: it is written into a cache's
 * configuration); version 4 has neither. Every part carries it.
 *
 * LSA_DELTA: row (origin, boot, seq) is row (origin, boot, base_seq) with
 * the listed entries replacing those to the same peers, or added, and
 * row_hash is a hash of the result's content. No name, no parts: whoever
 * lacks the base, or gets another hash, asks for the whole row. Decoded
 * into a wire_lsa with part 0 of 1 and an empty name. Its layout is the
 * same in both versions; the result keeps the base row's cache address,
 * and the hash is lsdb_row_hash() of the row in the datagram's version's
 * form (without what version 4 does not know, for version 4).
 */

struct wire_summary_entry {
	uint32_t	origin;
	uint32_t	boot;
	uint32_t	seq;
};

struct wire_list {
	uint8_t		version;	/* decoded: the datagram's */
	uint16_t	n;
	const uint8_t	*p;		/* points into the datagram */
};

struct wire_msg {
	struct wire_hdr	hdr;
	union {
		struct wire_probe	probe;
		struct wire_lsa		lsa;
		struct wire_list	list;	/* SUMMARY, REQUEST, ORIGINS,
						   ORIGIN_REQUEST */
	} u;
};

/* Bounded reader: every getter fails (and latches err) on short data. */
struct rbuf {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
	int		 err;
};
void	rbuf_init(struct rbuf *, const void *, size_t);
int	rbuf_get_u8(struct rbuf *, uint8_t *);
int	rbuf_get_u16(struct rbuf *, uint16_t *);
int	rbuf_get_u32(struct rbuf *, uint32_t *);
int	rbuf_get_u64(struct rbuf *, uint64_t *);
int	rbuf_get_bytes(struct rbuf *, void *, size_t);
int	rbuf_skip(struct rbuf *, size_t, const uint8_t **);
size_t	rbuf_left(const struct rbuf *);

/* Writer with the same discipline. */
struct wbuf {
	uint8_t		*p;
	size_t		 cap;
	size_t		 len;
	int		 err;
};
void	wbuf_init(struct wbuf *, void *, size_t);
void	wbuf_put_u8(struct wbuf *, uint8_t);
void	wbuf_put_u16(struct wbuf *, uint16_t);
void	wbuf_put_u32(struct wbuf *, uint32_t);
void	wbuf_put_u64(struct wbuf *, uint64_t);
void	wbuf_put_bytes(struct wbuf *, const void *, size_t);

int	 wire_init(void);
uint32_t wire_node_id(const char *name);

/*
 * Decode and authenticate a datagram sent to receiver (our node id).
 * Returns 0 and fills *msg, or -1 and sets *why. Pointers in *msg refer
 * into buf.
 */
int	wire_decode(const uint8_t key[WIRE_KEY_LEN], uint32_t receiver,
	    const uint8_t *buf, size_t len, struct wire_msg *msg,
	    enum wire_reject *why);
/*
 * What a receiver knows of the sender of a compact probe and uses to
 * expand what it does not send (above). The engine fills it from its
 * state for the peer the source address names; this module keeps none.
 */
struct wire_compact_ctx {
	uint32_t	sender;		/* the peer's node id */
	int		have_boot;	/* the replay guard has one: */
	uint32_t	boot;		/* ... the peer's boot id, */
	uint64_t	top;		/* ... highest sequence seen under it */
	uint64_t	window;		/* its width (REPLAY_WINDOW) */
	uint32_t	ask_ref;	/* the peer's last ask seen, 0 none */
	uint32_t	ans_ref;	/* our latest ask to it */
};
/* A compact probe, by its magic (nothing is checked). */
int	wire_is_compact(const uint8_t *buf, size_t len);
/*
 * Decode and authenticate a compact probe sent to receiver, as
 * wire_decode() does; it decodes as version 6 from ctx->sender, with
 * the expanded seq, ask_seq and ans_seq.
 */
int	wire_decode_compact(const uint8_t key[WIRE_KEY_LEN], uint32_t receiver,
	    const struct wire_compact_ctx *, const uint8_t *buf, size_t len,
	    struct wire_msg *msg, enum wire_reject *why);
/* The 64-bit sequence whose low 32 bits are low (RFC 4303 A2.1). */
uint64_t wire_compact_seq(const struct wire_compact_ctx *, uint32_t boot,
	    uint32_t low);
/* The 32-bit number whose low 16 bits are low, at or above ref - behind. */
uint32_t wire_expand16(uint32_t ref, uint16_t low, uint32_t behind);
/* The smallest hold the compact form carries that is >= ms; 0: none. */
unsigned wire_compact_hold(unsigned ms);
/*
 * A compact PROBE or PROBE_REPLY (h->type); 0 if cap is short or a value
 * does not fit: the hold is rounded up, and either it or the turnaround
 * past its maximum is 0 (send the full form then).
 */
size_t	wire_encode_probe_compact(uint8_t *buf, size_t cap,
	    const uint8_t key[WIRE_KEY_LEN], const struct wire_hdr *,
	    const struct wire_probe *);
/* The MAC of a datagram of len bytes (MAC excluded) sent to receiver. */
void	wire_mac(const uint8_t key[WIRE_KEY_LEN], uint32_t receiver,
	    const uint8_t *buf, size_t len, uint8_t mac[WIRE_MAC_LEN]);

void	wire_lsa_entry(const struct wire_lsa *, size_t i,
	    struct wire_lsa_entry *);
void	wire_summary_entry(const struct wire_list *, size_t i,
	    struct wire_summary_entry *);
uint32_t wire_request_entry(const struct wire_list *, size_t i);
/*
 * The declarations of an ORIGINS message, one after another, from an
 * iterator that starts zeroed. wire_decode() has checked them all, so
 * this cannot fail on a decoded message; it returns -1 past the last.
 */
struct wire_origin_iter {
	size_t		i, off;
};
int	wire_origin_next(const struct wire_list *, struct wire_origin_iter *,
	    struct wire_origin *);
/* The id of a declaration: BLAKE2b over name and prefixes, never 0. */
uint32_t wire_origin_id(const char *name, const struct prefix *, size_t n);
/* The id of a whole declaration: wire_origin_id() for the default tier
 * policy, else over the policy too. */
uint32_t wire_origin_full_id(const struct wire_origin *);
/* The declaration without its policy (the default), with its id. */
void	wire_origin_base(const struct wire_origin *, struct wire_origin *);
int	wire_origin_has_policy(const struct wire_origin *);
/* Bytes one declaration takes in ORIGINS of a version. */
size_t	wire_origin_len(const struct wire_origin *, unsigned version);
/* A cache address a row may carry: 0, or -1. */
int	wire_cache_ok(const char *);

/* Encoders return the datagram length, or 0 if it does not fit in cap. */
size_t	wire_encode_probe(uint8_t *buf, size_t cap,
	    const uint8_t key[WIRE_KEY_LEN], const struct wire_hdr *,
	    const struct wire_probe *);
size_t	wire_encode_lsa(uint8_t *buf, size_t cap,
	    const uint8_t key[WIRE_KEY_LEN], const struct wire_hdr *,
	    const struct wire_lsa *, const struct wire_lsa_entry *entries);
size_t	wire_encode_lsa_delta(uint8_t *buf, size_t cap,
	    const uint8_t key[WIRE_KEY_LEN], const struct wire_hdr *,
	    const struct wire_lsa *, const struct wire_lsa_entry *entries);
size_t	wire_encode_summary(uint8_t *buf, size_t cap,
	    const uint8_t key[WIRE_KEY_LEN], const struct wire_hdr *,
	    const struct wire_summary_entry *, size_t n);
/* REQUEST, or ORIGIN_REQUEST by h->type. */
size_t	wire_encode_request(uint8_t *buf, size_t cap,
	    const uint8_t key[WIRE_KEY_LEN], const struct wire_hdr *,
	    const uint32_t *origins, size_t n);

/*
 * ORIGINS: n declarations; 0 if they do not fit in cap, or (version 4)
 * one has a tier policy.
 */
size_t	wire_encode_origins(uint8_t *buf, size_t cap,
	    const uint8_t key[WIRE_KEY_LEN], const struct wire_hdr *,
	    const struct wire_origin *, size_t n);
/* The room for declarations in one ORIGINS datagram. */
size_t	wire_origins_room(void);

/* How many entries fit in one datagram of each kind. */
size_t	wire_lsa_max_entries(size_t namelen);	/* WIRE_VERSION, no cache */
size_t	wire_lsa_max_entries_v(unsigned version, size_t namelen,
	    size_t cachelen);
size_t	wire_lsa_delta_max_entries(void);
size_t	wire_summary_max_entries(void);
size_t	wire_request_max_entries(void);

#endif
