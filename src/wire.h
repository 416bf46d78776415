/*
 * The argod wire format. This module only encodes and decodes; it has no
 * protocol logic (STYLE.md convention 2).
 *
 * Every datagram is
 *
 *	0      2   3    4        6        8          12         16         24
 *	+------+---+----+--------+--------+----------+----------+----------+
 *	|magic |ver|type| length |reserved| sender id| boot id  | sequence |
 *	+------+---+----+--------+--------+----------+----------+----------+
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
 */
#ifndef ARGO_WIRE_H
#define ARGO_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_MAGIC		0x4147	/* "AG" */
#define WIRE_VERSION		3	/* 2: probes carry answers; 3: the
					   receiver is bound into the MAC */
#define WIRE_HDR_LEN		24
#define WIRE_MAC_LEN		16
#define WIRE_KEY_LEN		32
#define WIRE_MTU		1400	/* largest datagram we send */
#define WIRE_NAME_MAX		31
#define WIRE_LSA_ENTRY_LEN	8
#define WIRE_SUMMARY_ENTRY_LEN	12
#define WIRE_RTT_UNKNOWN	0xffff	/* rtt field, units of 0.1 ms */

enum wire_type {
	WIRE_PROBE = 1,
	WIRE_PROBE_REPLY,
	WIRE_LSA,
	WIRE_SUMMARY,
	WIRE_REQUEST,
	WIRE_LSA_DELTA,
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

struct wire_hdr {
	uint8_t		type;
	uint32_t	sender;
	uint32_t	boot;
	uint64_t	seq;		/* per sender and receiver */
	uint32_t	receiver;	/* not sent: bound into the MAC */
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
};

struct wire_lsa_entry {
	uint32_t	peer;
	uint16_t	rtt;		/* 0.1 ms units, WIRE_RTT_UNKNOWN */
	uint8_t		loss;		/* 0.5 % units, 0..200 */
	uint8_t		state;		/* enum link_state */
};

/* One part of an originator's row; a row larger than one datagram is sent
 * in nparts parts that all carry the same (boot, seq). */
struct wire_lsa {
	uint32_t	origin;
	uint32_t	boot;
	uint32_t	seq;
	uint16_t	age;		/* seconds */
	uint8_t		part;
	uint8_t		nparts;
	char		name[WIRE_NAME_MAX + 1];
	uint16_t	nentries;
	const uint8_t	*entries;	/* points into the datagram */
	uint32_t	base_seq;	/* LSA_DELTA only */
	uint64_t	row_hash;	/* LSA_DELTA only: lsdb_row_hash() */
};

/*
 * LSA_DELTA: row (origin, boot, seq) is row (origin, boot, base_seq) with
 * the listed entries replacing those to the same peers, or added, and
 * row_hash is a hash of the result's content. No name, no parts: whoever
 * lacks the base, or gets another hash, asks for the whole row. Decoded
 * into a wire_lsa with part 0 of 1 and an empty name.
 */

struct wire_summary_entry {
	uint32_t	origin;
	uint32_t	boot;
	uint32_t	seq;
};

struct wire_list {
	uint16_t	n;
	const uint8_t	*p;		/* points into the datagram */
};

struct wire_msg {
	struct wire_hdr	hdr;
	union {
		struct wire_probe	probe;
		struct wire_lsa		lsa;
		struct wire_list	list;	/* SUMMARY, REQUEST */
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
/* The MAC of a datagram of len bytes (MAC excluded) sent to receiver. */
void	wire_mac(const uint8_t key[WIRE_KEY_LEN], uint32_t receiver,
	    const uint8_t *buf, size_t len, uint8_t mac[WIRE_MAC_LEN]);

void	wire_lsa_entry(const struct wire_lsa *, size_t i,
	    struct wire_lsa_entry *);
void	wire_summary_entry(const struct wire_list *, size_t i,
	    struct wire_summary_entry *);
uint32_t wire_request_entry(const struct wire_list *, size_t i);

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
size_t	wire_encode_request(uint8_t *buf, size_t cap,
	    const uint8_t key[WIRE_KEY_LEN], const struct wire_hdr *,
	    const uint32_t *origins, size_t n);

/* How many entries fit in one datagram of each kind. */
size_t	wire_lsa_max_entries(size_t namelen);
size_t	wire_lsa_delta_max_entries(void);
size_t	wire_summary_max_entries(void);
size_t	wire_request_max_entries(void);

#endif
