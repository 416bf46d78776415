/*
 * Unit tests for the wire format (src/wire.c): round trips of every message
 * type, the bounded reader and writer, every truncation, every corrupted
 * byte, wrong keys, crafted malformed bodies and the size helpers.
 *
 * Crafted packets get a valid MAC from remac(), which computes it the way
 * wire.h documents: keyed BLAKE2b with a 16-byte output over everything
 * before the MAC.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "tap.h"
#include "wire.h"

static const uint8_t key[WIRE_KEY_LEN] = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
	0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20,
};

/* Patch the length field. */
static void
set_len(uint8_t *buf, size_t len)
{
	buf[4] = (uint8_t)(len >> 8);
	buf[5] = (uint8_t)(len & 0xff);
}

/* Recompute the MAC of a datagram of len bytes (MAC included). */
static void
remac(uint8_t *buf, size_t len, const uint8_t *k)
{
	wire_mac(k, 0, buf, len - WIRE_MAC_LEN, buf + len - WIRE_MAC_LEN);
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int
decode(const uint8_t *buf, size_t len, struct wire_msg *m,
    enum wire_reject *why)
{
	*why = REJ_MAX;
	return wire_decode(key, 0, buf, len, m, why);
}

/* A reason that is a valid reject code (not REJ_MAX, the "unset" mark). */
static int
valid_reason(enum wire_reject why)
{
	return (int)why >= 0 && why < REJ_MAX;
}

/*
 * Decode every proper prefix of a packet: all must fail with a reason.
 * Prefixes shorter than header + MAC are REJ_SHORT, longer ones
 * REJ_LENGTH (the length field still says the full length).
 */
static void
check_truncations(const char *what, const uint8_t *pkt, size_t len)
{
	struct wire_msg m;
	enum wire_reject why;
	size_t n;
	int bad_rc = 0, bad_why = 0;

	for (n = 0; n < len; n++) {
		/* an exactly-sized heap copy, so ASan flags any read past n */
		uint8_t *h = malloc(n ? n : 1);

		memcpy(h, pkt, n);
		if (decode(h, n, &m, &why) != -1)
			bad_rc++;
		else if (why != (n < WIRE_HDR_LEN + WIRE_MAC_LEN ?
		    REJ_SHORT : REJ_LENGTH))
			bad_why++;
		free(h);
	}
	is_int(bad_rc, 0, "%s: every prefix 0..%zu rejected", what, len - 1);
	is_int(bad_why, 0, "%s: every prefix rejected as short/length", what);
}

/*
 * Same prefixes, but with the length field and MAC fixed up so that the
 * body parser itself sees the short body: must never accept a strict
 * prefix of a valid body, and must give REJ_TRUNCATED.
 */
static void
check_body_truncations(const char *what, const uint8_t *pkt, size_t len)
{
	size_t body = len - WIRE_HDR_LEN - WIRE_MAC_LEN, b;
	struct wire_msg m;
	enum wire_reject why;
	int bad_rc = 0, bad_why = 0;

	for (b = 0; b < body; b++) {
		size_t n = WIRE_HDR_LEN + b + WIRE_MAC_LEN;
		uint8_t *h = malloc(n);

		memcpy(h, pkt, WIRE_HDR_LEN + b);
		set_len(h, n);
		remac(h, n, key);
		if (decode(h, n, &m, &why) != -1)
			bad_rc++;
		else if (why != REJ_TRUNCATED)
			bad_why++;
		free(h);
	}
	is_int(bad_rc, 0, "%s: every re-MACed body prefix rejected", what);
	is_int(bad_why, 0, "%s: every re-MACed body prefix is REJ_TRUNCATED",
	    what);
}

/*
 * Expected reason when byte i of a valid packet is corrupted to v: a
 * version byte that lands on the other version understood passes the
 * shape checks and fails the MAC.
 */
static enum wire_reject
flip_reason(size_t i, uint8_t v)
{
	if (i < 2)
		return REJ_MAGIC;
	if (i == 2)
		return v >= WIRE_VERSION_MIN && v <= WIRE_VERSION ? REJ_MAC :
		    REJ_VERSION;
	if (i == 4 || i == 5)
		return REJ_LENGTH;
	return REJ_MAC;	/* type, reserved, ids, body and MAC itself */
}

static void
check_flips(const char *what, const uint8_t *pkt, size_t len)
{
	uint8_t *h = malloc(len);
	struct wire_msg m;
	enum wire_reject why;
	size_t i;
	int bit, accepted = 0, wrong = 0, bit_accepted = 0, bit_wrong = 0;

	for (i = 0; i < len; i++) {
		memcpy(h, pkt, len);
		h[i] ^= 0xff;
		if (decode(h, len, &m, &why) == 0)
			accepted++;
		else if (why != flip_reason(i, h[i])) {
			wrong++;
			printf("# %s: byte %zu flipped: reason %s\n", what, i,
			    valid_reason(why) ? wire_reject_names[why] : "?");
		}
		for (bit = 0; bit < 8; bit++) {
			memcpy(h, pkt, len);
			h[i] ^= (uint8_t)(1 << bit);
			if (decode(h, len, &m, &why) == 0)
				bit_accepted++;
			else if (why != flip_reason(i, h[i]))
				bit_wrong++;
		}
	}
	free(h);
	is_int(accepted, 0, "%s: every flipped byte rejected", what);
	is_int(wrong, 0, "%s: flipped bytes rejected with the right reason",
	    what);
	is_int(bit_accepted, 0, "%s: every single-bit flip rejected", what);
	is_int(bit_wrong, 0, "%s: single-bit flips give the right reason",
	    what);
}

static void
check_wrong_key(const char *what, const uint8_t *pkt, size_t len)
{
	uint8_t k2[WIRE_KEY_LEN];
	struct wire_msg m;
	enum wire_reject why = REJ_MAX;
	size_t i;

	memcpy(k2, key, sizeof(k2));
	k2[31] ^= 1;
	is_int(wire_decode(k2, 0, pkt, len, &m, &why), -1,
	    "%s: wrong key rejected", what);
	is_int(why, REJ_MAC, "%s: wrong key is REJ_MAC", what);
	for (i = 0; i < sizeof(k2); i++)
		k2[i] = 0;
	why = REJ_MAX;
	is_int(wire_decode(k2, 0, pkt, len, &m, &why), -1,
	    "%s: zero key rejected", what);
	is_int(why, REJ_MAC, "%s: zero key is REJ_MAC", what);
}

/* Run the generic corruption suite on one valid packet. */
static void
abuse(const char *what, const uint8_t *pkt, size_t len)
{
	check_truncations(what, pkt, len);
	check_body_truncations(what, pkt, len);
	check_flips(what, pkt, len);
	check_wrong_key(what, pkt, len);
}

static struct wire_hdr
mkhdr(uint8_t type)
{
	struct wire_hdr h;

	memset(&h, 0, sizeof(h));
	h.type = type;
	h.sender = 0xdeadbeef;
	h.boot = 0x80000001;
	h.seq = 0x0102030405060708ULL;
	return h;
}

static void
check_hdr(const char *what, const struct wire_msg *m, uint8_t type)
{
	is_int(m->hdr.type, type, "%s: type", what);
	ok(m->hdr.sender == 0xdeadbeef, "%s: sender", what);
	ok(m->hdr.boot == 0x80000001, "%s: boot", what);
	ok(m->hdr.seq == 0x0102030405060708ULL, "%s: seq (64 bit)", what);
}

static void
test_rbuf(void)
{
	static const uint8_t d[] = {
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
		0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	};
	struct rbuf r;
	uint8_t u8 = 0, bytes[4];
	uint16_t u16 = 0;
	uint32_t u32 = 0;
	uint64_t u64 = 0;
	const uint8_t *at = NULL;

	rbuf_init(&r, d, sizeof(d));
	is_int(rbuf_left(&r), 15, "rbuf: left at start");
	is_int(rbuf_get_u8(&r, &u8), 0, "rbuf: u8");
	is_int(u8, 0x01, "rbuf: u8 value");
	is_int(rbuf_get_u16(&r, &u16), 0, "rbuf: u16");
	is_int(u16, 0x0203, "rbuf: u16 big-endian");
	is_int(rbuf_get_u32(&r, &u32), 0, "rbuf: u32");
	ok(u32 == 0x04050607, "rbuf: u32 big-endian");
	is_int(rbuf_get_u64(&r, &u64), 0, "rbuf: u64");
	ok(u64 == 0x08090a0b0c0d0e0fULL, "rbuf: u64 big-endian");
	is_int(rbuf_left(&r), 0, "rbuf: all consumed");
	is_int(r.err, 0, "rbuf: no error after exact reads");
	u8 = 0x55;
	is_int(rbuf_get_u8(&r, &u8), -1, "rbuf: u8 past end fails");
	is_int(u8, 0x55, "rbuf: failed getter leaves output alone");
	is_int(r.err, 1, "rbuf: error latched");

	/* each getter fails on data one byte short */
	rbuf_init(&r, d, 1);
	is_int(rbuf_get_u16(&r, &u16), -1, "rbuf: u16 on 1 byte fails");
	is_int(r.off, 0, "rbuf: failed u16 consumes nothing");
	rbuf_init(&r, d, 3);
	is_int(rbuf_get_u32(&r, &u32), -1, "rbuf: u32 on 3 bytes fails");
	rbuf_init(&r, d, 7);
	is_int(rbuf_get_u64(&r, &u64), -1, "rbuf: u64 on 7 bytes fails");
	is_int(r.off, 0, "rbuf: failed u64 consumes nothing");
	rbuf_init(&r, d, 3);
	is_int(rbuf_get_bytes(&r, bytes, 4), -1, "rbuf: bytes(4) on 3 fails");
	rbuf_init(&r, d, 3);
	is_int(rbuf_skip(&r, 4, &at), -1, "rbuf: skip(4) on 3 fails");
	ok(at == NULL, "rbuf: failed skip leaves pointer alone");
	rbuf_init(&r, d, 0);
	is_int(rbuf_get_u8(&r, &u8), -1, "rbuf: u8 on empty fails");

	/* latching: after one failure even satisfiable reads fail */
	rbuf_init(&r, d, 4);
	is_int(rbuf_get_u64(&r, &u64), -1, "rbuf: u64 on 4 bytes fails");
	is_int(rbuf_get_u8(&r, &u8), -1, "rbuf: latched: u8 now fails");
	is_int(rbuf_get_u16(&r, &u16), -1, "rbuf: latched: u16 now fails");
	is_int(rbuf_get_u32(&r, &u32), -1, "rbuf: latched: u32 now fails");
	is_int(rbuf_get_bytes(&r, bytes, 0), -1,
	    "rbuf: latched: bytes(0) now fails");
	is_int(rbuf_skip(&r, 0, NULL), -1, "rbuf: latched: skip(0) fails");
	is_int(rbuf_left(&r), 4, "rbuf: latched reader consumed nothing");

	/* bytes and skip */
	rbuf_init(&r, d, sizeof(d));
	is_int(rbuf_get_bytes(&r, bytes, 4), 0, "rbuf: bytes(4)");
	ok(memcmp(bytes, d, 4) == 0, "rbuf: bytes content");
	is_int(rbuf_skip(&r, 3, &at), 0, "rbuf: skip(3)");
	ok(at == d + 4, "rbuf: skip returns position");
	is_int(rbuf_left(&r), 8, "rbuf: left after skip");
	is_int(rbuf_skip(&r, 8, NULL), 0, "rbuf: skip to end, no pointer");
	is_int(rbuf_skip(&r, 0, NULL), 0, "rbuf: skip(0) at end ok");
	is_int(rbuf_skip(&r, 1, NULL), -1, "rbuf: skip(1) at end fails");
	/* a huge skip must not wrap the offset */
	rbuf_init(&r, d, sizeof(d));
	rbuf_get_u8(&r, &u8);
	is_int(rbuf_skip(&r, SIZE_MAX, &at), -1, "rbuf: skip(SIZE_MAX) fails");
	is_int(rbuf_left(&r), 14, "rbuf: huge skip consumed nothing");
}

static void
test_wbuf(void)
{
	uint8_t b[16];
	struct wbuf w;

	memset(b, 0xee, sizeof(b));
	wbuf_init(&w, b, 15);
	wbuf_put_u8(&w, 0x01);
	wbuf_put_u16(&w, 0x0203);
	wbuf_put_u32(&w, 0x04050607);
	wbuf_put_u64(&w, 0x08090a0b0c0d0e0fULL);
	is_int(w.len, 15, "wbuf: 15 bytes written");
	is_int(w.err, 0, "wbuf: no error");
	ok(b[0] == 1 && b[1] == 2 && b[2] == 3 && b[6] == 7 && b[7] == 8 &&
	    b[14] == 0x0f, "wbuf: big-endian layout");
	is_int(b[15], 0xee, "wbuf: nothing written past cap");
	wbuf_put_u8(&w, 0x99);
	is_int(w.err, 1, "wbuf: write past cap latches err");
	is_int(w.len, 15, "wbuf: length unchanged after failed write");
	is_int(b[15], 0xee, "wbuf: failed write left buffer alone");
	wbuf_init(&w, b, 3);
	wbuf_put_u32(&w, 1);
	is_int(w.err, 1, "wbuf: u32 into 3 bytes fails");
	wbuf_put_u8(&w, 1);
	is_int(w.len, 0, "wbuf: latched: later small writes fail too");
	wbuf_init(&w, b, 4);
	wbuf_put_bytes(&w, "abcde", 5);
	is_int(w.err, 1, "wbuf: bytes(5) into 4 fails");
	is_int(w.len, 0, "wbuf: failed bytes wrote nothing");
}

static void
test_node_id(void)
{
	uint32_t a = wire_node_id("ams"), b = wire_node_id("ams");
	uint32_t c = wire_node_id("fra");
	uint8_t h[16];
	uint32_t want;
	char name[16];
	int i, zero = 0;

	ok(a == b, "node id: deterministic");
	ok(a != 0, "node id: nonzero");
	ok(a != c, "node id: differs between names");
	crypto_generichash(h, sizeof(h), (const uint8_t *)"ams", 3, NULL, 0);
	want = be32(h);
	ok(a == (want ? want : 1),
	    "node id: first 32 bits of unkeyed BLAKE2b-128 of the name");
	ok(wire_node_id("") != 0, "node id: empty name still nonzero");
	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "pop%d", i);
		if (wire_node_id(name) == 0)
			zero++;
	}
	is_int(zero, 0, "node id: 2000 names, none zero");
}

static void
test_probe(uint8_t type, const char *what)
{
	uint8_t buf[WIRE_MTU];
	struct wire_hdr h = mkhdr(type);
	struct wire_probe p, bad;
	struct wire_msg m;
	enum wire_reject why;
	size_t len;

	memset(&p, 0, sizeof(p));
	p.flags = WIRE_PROBE_F_ANSWER;
	p.ans_mask = 0xa5;
	p.hold_ms = type == WIRE_PROBE ? 0x1234 : 0;
	p.ask_seq = type == WIRE_PROBE ? 0xfedcba98 : 0;
	p.ans_seq = 0x01234567;
	p.turnaround_us = 0x0abbccdd;
	p.digest = 0x99aabbccddeeff00ULL;
	len = wire_encode_probe(buf, sizeof(buf), key, &h, &p);
	is_int(len, WIRE_HDR_LEN + 24 + WIRE_MAC_LEN, "%s: encoded length",
	    what);
	is_int(buf[0] << 8 | buf[1], WIRE_MAGIC, "%s: magic on the wire",
	    what);
	is_int(buf[2], WIRE_VERSION, "%s: version on the wire", what);
	is_int(buf[4] << 8 | buf[5], len, "%s: length field", what);
	is_int(decode(buf, len, &m, &why), 0, "%s: decodes", what);
	check_hdr(what, &m, type);
	is_int(m.u.probe.flags, WIRE_PROBE_F_ANSWER, "%s: flags", what);
	is_int(m.u.probe.ans_mask, 0xa5, "%s: ans_mask", what);
	is_int(m.u.probe.hold_ms, p.hold_ms, "%s: hold_ms", what);
	ok(m.u.probe.ask_seq == p.ask_seq, "%s: ask_seq", what);
	ok(m.u.probe.ans_seq == 0x01234567, "%s: ans_seq", what);
	ok(m.u.probe.turnaround_us == 0x0abbccdd, "%s: turnaround", what);
	ok(m.u.probe.digest == 0x99aabbccddeeff00ULL, "%s: digest", what);

	is_int(wire_encode_probe(buf, len - 1, key, &h, &p), 0,
	    "%s: encoder refuses cap one short", what);
	is_int(wire_encode_probe(buf, len, key, &h, &p), len,
	    "%s: encoder fits exact cap", what);

	/* well-formed MAC, inconsistent fields: malformed */
	bad = p;
	bad.flags = 0x80 | WIRE_PROBE_F_ANSWER;
	len = wire_encode_probe(buf, sizeof(buf), key, &h, &bad);
	ok(decode(buf, len, &m, &why) == -1 && why == REJ_MALFORMED,
	    "%s: unknown flag bit is malformed", what);
	bad = p;
	bad.ans_seq = 0;
	len = wire_encode_probe(buf, sizeof(buf), key, &h, &bad);
	ok(decode(buf, len, &m, &why) == -1 && why == REJ_MALFORMED,
	    "%s: answer to seq 0 is malformed", what);
	if (type == WIRE_PROBE) {
		bad = p;
		bad.ask_seq = 0;
		len = wire_encode_probe(buf, sizeof(buf), key, &h, &bad);
		ok(decode(buf, len, &m, &why) == -1 && why == REJ_MALFORMED,
		    "%s: probe asking seq 0 is malformed", what);
		bad = p;
		bad.flags = 0;
		len = wire_encode_probe(buf, sizeof(buf), key, &h, &bad);
		is_int(decode(buf, len, &m, &why), 0,
		    "%s: probe without an answer decodes", what);
	} else {
		bad = p;
		bad.flags = 0;
		len = wire_encode_probe(buf, sizeof(buf), key, &h, &bad);
		ok(decode(buf, len, &m, &why) == -1 && why == REJ_MALFORMED,
		    "%s: reply without an answer is malformed", what);
		bad = p;
		bad.ask_seq = 7;
		len = wire_encode_probe(buf, sizeof(buf), key, &h, &bad);
		ok(decode(buf, len, &m, &why) == -1 && why == REJ_MALFORMED,
		    "%s: reply that asks is malformed", what);
	}
	len = wire_encode_probe(buf, sizeof(buf), key, &h, &p);
	abuse(what, buf, len);
}

static void
test_lsa(void)
{
	uint8_t buf[WIRE_MTU];
	struct wire_hdr h = mkhdr(WIRE_LSA);
	struct wire_lsa l, l2;
	struct wire_lsa_entry e[5], got;
	struct wire_msg m;
	enum wire_reject why;
	size_t len, i;
	int same = 1;

	memset(&l, 0, sizeof(l));
	l.origin = 0xa1b2c3d4;
	l.boot = 0x7fffffff;
	l.seq = 0xfffffffe;
	l.age = 0xfedc;
	l.part = 2;
	l.nparts = 3;
	snprintf(l.name, sizeof(l.name), "%s", "ams-1.example");
	l.nentries = 5;
	for (i = 0; i < 5; i++) {
		e[i].peer = 0x10000000u * (uint32_t)(i + 1) + (uint32_t)i;
		e[i].rtt = i == 4 ? WIRE_RTT_UNKNOWN : (uint16_t)(1000 * i + 7);
		e[i].loss = (uint8_t)(i * 50);
		e[i].state = (uint8_t)(i % 3);
	}
	len = wire_encode_lsa(buf, sizeof(buf), key, &h, &l, e);
	/* version 5: one byte more, the (empty) cache address's length */
	is_int(len, WIRE_HDR_LEN + 19 + 13 + 1 + 5 * WIRE_LSA_ENTRY_LEN +
	    WIRE_MAC_LEN, "lsa: encoded length");
	is_int(decode(buf, len, &m, &why), 0, "lsa: decodes");
	check_hdr("lsa", &m, WIRE_LSA);
	ok(m.u.lsa.origin == 0xa1b2c3d4, "lsa: origin");
	ok(m.u.lsa.boot == 0x7fffffff, "lsa: boot");
	ok(m.u.lsa.seq == 0xfffffffe, "lsa: seq");
	is_int(m.u.lsa.age, 0xfedc, "lsa: age");
	is_int(m.u.lsa.part, 2, "lsa: part");
	is_int(m.u.lsa.nparts, 3, "lsa: nparts");
	ok(strcmp(m.u.lsa.name, "ams-1.example") == 0, "lsa: name");
	is_int(m.u.lsa.nentries, 5, "lsa: nentries");
	ok(m.u.lsa.entries >= buf && m.u.lsa.entries < buf + len,
	    "lsa: entries point into the datagram");
	for (i = 0; i < 5; i++) {
		wire_lsa_entry(&m.u.lsa, i, &got);
		if (got.peer != e[i].peer || got.rtt != e[i].rtt ||
		    got.loss != e[i].loss || got.state != e[i].state)
			same = 0;
	}
	ok(same, "lsa: all 5 entries round trip (peer, rtt, loss, state)");
	abuse("lsa", buf, len);

	/* zero entries and a 31-character name */
	l2 = l;
	l2.nentries = 0;
	l2.part = 0;
	l2.nparts = 1;
	memset(l2.name, 'x', WIRE_NAME_MAX);
	l2.name[WIRE_NAME_MAX] = '\0';
	len = wire_encode_lsa(buf, sizeof(buf), key, &h, &l2, NULL);
	ok(len > 0, "lsa: 0 entries, 31-char name encodes");
	is_int(decode(buf, len, &m, &why), 0, "lsa: 0 entries decodes");
	is_int(m.u.lsa.nentries, 0, "lsa: 0 entries");
	is_int(strlen(m.u.lsa.name), WIRE_NAME_MAX, "lsa: 31-char name");
	abuse("lsa-empty", buf, len);

	/* encoder refuses names it cannot carry */
	l2.name[0] = '\0';
	is_int(wire_encode_lsa(buf, sizeof(buf), key, &h, &l2, NULL), 0,
	    "lsa: encoder refuses empty name");
}

/* Build an LSA and return its length; name "abc". */
static size_t
mk_lsa(uint8_t *buf, uint8_t part, uint8_t nparts, uint16_t nentries)
{
	struct wire_hdr h = mkhdr(WIRE_LSA);
	struct wire_lsa l;
	struct wire_lsa_entry e[4];
	size_t i;

	memset(&l, 0, sizeof(l));
	l.origin = 42;
	l.boot = 1;
	l.seq = 2;
	l.part = part;
	l.nparts = nparts;
	snprintf(l.name, sizeof(l.name), "abc");
	l.nentries = nentries;
	for (i = 0; i < 4; i++) {
		e[i].peer = (uint32_t)i + 100;
		e[i].rtt = 10;
		e[i].loss = 0;
		e[i].state = 1;
	}
	return wire_encode_lsa(buf, WIRE_MTU, key, &h, &l, e);
}

/* Offsets inside an LSA body (after the 24-byte header). */
#define LSA_OFF_ORIGIN	(WIRE_HDR_LEN + 0)
#define LSA_OFF_PART	(WIRE_HDR_LEN + 14)
#define LSA_OFF_NPARTS	(WIRE_HDR_LEN + 15)
#define LSA_OFF_NAMELEN	(WIRE_HDR_LEN + 16)
#define LSA_OFF_NAME	(WIRE_HDR_LEN + 17)

static void
test_lsa_delta(void)
{
	uint8_t buf[WIRE_MTU];
	struct wire_hdr h = mkhdr(WIRE_LSA_DELTA);
	struct wire_lsa l, bad;
	struct wire_lsa_entry e[3], got;
	struct wire_msg m;
	enum wire_reject why;
	size_t len, i, max;
	int same = 1;

	memset(&l, 0, sizeof(l));
	l.origin = 0xa1b2c3d4;
	l.boot = 0x7fffffff;
	l.seq = 0x12345679;
	l.base_seq = 0x12345678;
	l.row_hash = 0x0123456789abcdefULL;
	l.age = 0x0102;
	l.nentries = 3;
	for (i = 0; i < 3; i++) {
		e[i].peer = 0x20000000u * (uint32_t)(i + 1) + (uint32_t)i;
		e[i].rtt = (uint16_t)(300 * i + 1);
		e[i].loss = (uint8_t)(i * 70);
		e[i].state = (uint8_t)(i % 3);
	}
	len = wire_encode_lsa_delta(buf, sizeof(buf), key, &h, &l, e);
	is_int(len, WIRE_HDR_LEN + 28 + 3 * WIRE_LSA_ENTRY_LEN + WIRE_MAC_LEN,
	    "lsa-delta: encoded length");
	is_int(decode(buf, len, &m, &why), 0, "lsa-delta: decodes");
	check_hdr("lsa-delta", &m, WIRE_LSA_DELTA);
	ok(m.u.lsa.origin == l.origin && m.u.lsa.boot == l.boot &&
	    m.u.lsa.seq == l.seq && m.u.lsa.base_seq == l.base_seq &&
	    m.u.lsa.age == l.age && m.u.lsa.row_hash == l.row_hash,
	    "lsa-delta: origin, boot, seq, base, hash, age");
	ok(m.u.lsa.part == 0 && m.u.lsa.nparts == 1 && m.u.lsa.name[0] == 0,
	    "lsa-delta: one part, no name");
	for (i = 0; i < 3; i++) {
		wire_lsa_entry(&m.u.lsa, i, &got);
		if (got.peer != e[i].peer || got.rtt != e[i].rtt ||
		    got.loss != e[i].loss || got.state != e[i].state)
			same = 0;
	}
	ok(same && m.u.lsa.nentries == 3, "lsa-delta: entries round trip");
	is_int(wire_encode_lsa_delta(buf, len - 1, key, &h, &l, e), 0,
	    "lsa-delta: encoder refuses cap one short");
	len = wire_encode_lsa_delta(buf, sizeof(buf), key, &h, &l, e);
	abuse("lsa-delta", buf, len);

	/* base not older than the row, origin 0: refused both ways */
	bad = l;
	bad.base_seq = bad.seq;
	is_int(wire_encode_lsa_delta(buf, sizeof(buf), key, &h, &bad, e), 0,
	    "lsa-delta: encoder refuses base == seq");
	bad = l;
	bad.origin = 0;
	is_int(wire_encode_lsa_delta(buf, sizeof(buf), key, &h, &bad, e), 0,
	    "lsa-delta: encoder refuses origin 0");
	len = wire_encode_lsa_delta(buf, sizeof(buf), key, &h, &l, e);
	buf[WIRE_HDR_LEN + 12] = 0x7f;		/* base_seq > seq */
	remac(buf, len, key);
	ok(decode(buf, len, &m, &why) == -1 && why == REJ_MALFORMED,
	    "lsa-delta: base newer than the row is malformed");
	len = wire_encode_lsa_delta(buf, sizeof(buf), key, &h, &l, e);
	buf[WIRE_HDR_LEN + 27] = 4;		/* 4 entries claimed, 3 there */
	remac(buf, len, key);
	ok(decode(buf, len, &m, &why) == -1 && why == REJ_TRUNCATED,
	    "lsa-delta: more entries claimed than sent is truncated");

	/* the most entries that fit one datagram */
	max = wire_lsa_delta_max_entries();
	ok(WIRE_HDR_LEN + 28 + max * WIRE_LSA_ENTRY_LEN + WIRE_MAC_LEN <=
	    WIRE_MTU && WIRE_HDR_LEN + 28 + (max + 1) * WIRE_LSA_ENTRY_LEN +
	    WIRE_MAC_LEN > WIRE_MTU, "lsa-delta: max entries %zu fill the MTU",
	    max);
}

static void
test_lsa_malformed(void)
{
	uint8_t buf[WIRE_MTU], b2[WIRE_MTU];
	struct wire_msg m;
	enum wire_reject why;
	size_t len, n2;

	len = mk_lsa(buf, 0, 1, 2);
	is_int(decode(buf, len, &m, &why), 0, "lsa-craft: baseline decodes");
	is_int(buf[LSA_OFF_NAMELEN], 3, "lsa-craft: namelen offset right");

	/* namelen 0: remove the name bytes so the body stays consistent */
	n2 = 0;
	memcpy(b2, buf, LSA_OFF_NAME);
	b2[LSA_OFF_NAMELEN] = 0;
	n2 = LSA_OFF_NAME;
	memcpy(b2 + n2, buf + LSA_OFF_NAME + 3, len - LSA_OFF_NAME - 3);
	n2 += len - LSA_OFF_NAME - 3;
	set_len(b2, n2);
	remac(b2, n2, key);
	is_int(decode(b2, n2, &m, &why), -1, "lsa-craft: namelen 0 rejected");
	is_int(why, REJ_MALFORMED, "lsa-craft: namelen 0 is REJ_MALFORMED");

	/* namelen 32 > WIRE_NAME_MAX, with 32 name bytes present */
	memcpy(b2, buf, LSA_OFF_NAME);
	b2[LSA_OFF_NAMELEN] = 32;
	memset(b2 + LSA_OFF_NAME, 'n', 32);
	n2 = LSA_OFF_NAME + 32;
	memcpy(b2 + n2, buf + LSA_OFF_NAME + 3, len - LSA_OFF_NAME - 3);
	n2 += len - LSA_OFF_NAME - 3;
	set_len(b2, n2);
	remac(b2, n2, key);
	is_int(decode(b2, n2, &m, &why), -1, "lsa-craft: namelen 32 rejected");
	is_int(why, REJ_MALFORMED, "lsa-craft: namelen 32 is REJ_MALFORMED");

	/* NUL inside the name */
	memcpy(b2, buf, len);
	b2[LSA_OFF_NAME + 1] = '\0';
	remac(b2, len, key);
	is_int(decode(b2, len, &m, &why), -1, "lsa-craft: NUL in name");
	is_int(why, REJ_MALFORMED, "lsa-craft: NUL in name is REJ_MALFORMED");

	/* part >= nparts, via the encoder and via patching */
	len = mk_lsa(buf, 1, 1, 2);
	ok(len > 0, "lsa-craft: encoder writes part 1 of 1");
	is_int(decode(buf, len, &m, &why), -1, "lsa-craft: part 1/1 rejected");
	is_int(why, REJ_MALFORMED, "lsa-craft: part == nparts REJ_MALFORMED");
	len = mk_lsa(buf, 7, 3, 2);
	is_int(decode(buf, len, &m, &why), -1, "lsa-craft: part 7/3 rejected");
	is_int(why, REJ_MALFORMED, "lsa-craft: part > nparts REJ_MALFORMED");
	len = mk_lsa(buf, 0, 0, 2);
	is_int(decode(buf, len, &m, &why), -1, "lsa-craft: nparts 0 rejected");
	is_int(why, REJ_MALFORMED, "lsa-craft: nparts 0 is REJ_MALFORMED");
	len = mk_lsa(buf, 254, 255, 2);
	is_int(decode(buf, len, &m, &why), 0, "lsa-craft: part 254/255 ok");

	/* origin 0 */
	len = mk_lsa(buf, 0, 1, 2);
	memset(buf + LSA_OFF_ORIGIN, 0, 4);
	remac(buf, len, key);
	is_int(decode(buf, len, &m, &why), -1, "lsa-craft: origin 0 rejected");
	is_int(why, REJ_MALFORMED, "lsa-craft: origin 0 is REJ_MALFORMED");

	/* nentries larger than the datagram */
	len = mk_lsa(buf, 0, 1, 2);
	buf[len - WIRE_MAC_LEN - 2 * WIRE_LSA_ENTRY_LEN - 2] = 0;
	buf[len - WIRE_MAC_LEN - 2 * WIRE_LSA_ENTRY_LEN - 1] = 3;
	remac(buf, len, key);
	is_int(decode(buf, len, &m, &why), -1, "lsa-craft: nentries 3 of 2");
	is_int(why, REJ_TRUNCATED, "lsa-craft: nentries too big REJ_TRUNCATED");
	buf[len - WIRE_MAC_LEN - 2 * WIRE_LSA_ENTRY_LEN - 2] = 0xff;
	buf[len - WIRE_MAC_LEN - 2 * WIRE_LSA_ENTRY_LEN - 1] = 0xff;
	remac(buf, len, key);
	is_int(decode(buf, len, &m, &why), -1, "lsa-craft: nentries 65535");
	is_int(why, REJ_TRUNCATED, "lsa-craft: nentries 65535 REJ_TRUNCATED");
	/* nentries smaller than the datagram: trailing entry bytes */
	buf[len - WIRE_MAC_LEN - 2 * WIRE_LSA_ENTRY_LEN - 2] = 0;
	buf[len - WIRE_MAC_LEN - 2 * WIRE_LSA_ENTRY_LEN - 1] = 1;
	remac(buf, len, key);
	is_int(decode(buf, len, &m, &why), -1, "lsa-craft: nentries 1 of 2");
	is_int(why, REJ_MALFORMED, "lsa-craft: leftover entry REJ_MALFORMED");

	/* namelen pointing past the body */
	len = mk_lsa(buf, 0, 1, 0);
	buf[LSA_OFF_NAMELEN] = WIRE_NAME_MAX;
	remac(buf, len, key);
	is_int(decode(buf, len, &m, &why), -1, "lsa-craft: namelen past end");
	is_int(why, REJ_TRUNCATED, "lsa-craft: namelen past end REJ_TRUNCATED");
}

static void
test_lists(void)
{
	uint8_t buf[WIRE_MTU];
	struct wire_hdr h = mkhdr(WIRE_SUMMARY);
	struct wire_summary_entry s[7], gs;
	uint32_t req[9];
	struct wire_msg m;
	enum wire_reject why;
	size_t len, i;
	int same = 1;

	for (i = 0; i < 7; i++) {
		s[i].origin = 0xf0000000u + (uint32_t)i;
		s[i].boot = 0x01000000u * (uint32_t)i + 3;
		s[i].seq = 0xffffffffu - (uint32_t)i;
	}
	len = wire_encode_summary(buf, sizeof(buf), key, &h, s, 7);
	is_int(len, WIRE_HDR_LEN + 4 + 7 * WIRE_SUMMARY_ENTRY_LEN +
	    WIRE_MAC_LEN, "summary: encoded length");
	is_int(decode(buf, len, &m, &why), 0, "summary: decodes");
	check_hdr("summary", &m, WIRE_SUMMARY);
	is_int(m.u.list.n, 7, "summary: count");
	for (i = 0; i < 7; i++) {
		wire_summary_entry(&m.u.list, i, &gs);
		if (gs.origin != s[i].origin || gs.boot != s[i].boot ||
		    gs.seq != s[i].seq)
			same = 0;
	}
	ok(same, "summary: all 7 entries round trip");
	abuse("summary", buf, len);

	/* count larger than the datagram */
	buf[WIRE_HDR_LEN + 1] = 8;
	remac(buf, len, key);
	is_int(decode(buf, len, &m, &why), -1, "summary: count 8 of 7");
	is_int(why, REJ_TRUNCATED, "summary: count too big REJ_TRUNCATED");
	buf[WIRE_HDR_LEN] = 0xff;
	buf[WIRE_HDR_LEN + 1] = 0xff;
	remac(buf, len, key);
	is_int(decode(buf, len, &m, &why), -1, "summary: count 65535");
	is_int(why, REJ_TRUNCATED, "summary: count 65535 REJ_TRUNCATED");
	buf[WIRE_HDR_LEN] = 0;
	buf[WIRE_HDR_LEN + 1] = 6;
	remac(buf, len, key);
	is_int(decode(buf, len, &m, &why), -1, "summary: count 6 of 7");
	is_int(why, REJ_MALFORMED, "summary: leftover entry REJ_MALFORMED");

	len = wire_encode_summary(buf, sizeof(buf), key, &h, s, 0);
	is_int(decode(buf, len, &m, &why), 0, "summary: empty decodes");
	is_int(m.u.list.n, 0, "summary: empty count");

	h = mkhdr(WIRE_REQUEST);
	for (i = 0; i < 9; i++)
		req[i] = 0x01010101u * (uint32_t)(i + 1);
	len = wire_encode_request(buf, sizeof(buf), key, &h, req, 9);
	is_int(len, WIRE_HDR_LEN + 4 + 9 * 4 + WIRE_MAC_LEN,
	    "request: encoded length");
	is_int(decode(buf, len, &m, &why), 0, "request: decodes");
	check_hdr("request", &m, WIRE_REQUEST);
	is_int(m.u.list.n, 9, "request: count");
	same = 1;
	for (i = 0; i < 9; i++)
		if (wire_request_entry(&m.u.list, i) != req[i])
			same = 0;
	ok(same, "request: all 9 origins round trip");
	abuse("request", buf, len);
	buf[WIRE_HDR_LEN + 1] = 10;
	remac(buf, len, key);
	is_int(decode(buf, len, &m, &why), -1, "request: count 10 of 9");
	is_int(why, REJ_TRUNCATED, "request: count too big REJ_TRUNCATED");

	/* max entries: fit exactly in the MTU, one more does not */
	{
		static struct wire_summary_entry big[200];
		static uint32_t bigr[400];
		size_t ns = wire_summary_max_entries();
		size_t nr = wire_request_max_entries();

		len = wire_encode_summary(buf, WIRE_MTU, key, &h, big, ns);
		ok(len > 0 && len <= WIRE_MTU,
		    "summary: max entries (%zu) fit in WIRE_MTU", ns);
		is_int(wire_encode_summary(buf, WIRE_MTU, key, &h, big,
		    ns + 1), 0, "summary: max+1 entries do not fit");
		len = wire_encode_request(buf, WIRE_MTU, key, &h, bigr, nr);
		ok(len > 0 && len <= WIRE_MTU,
		    "request: max entries (%zu) fit in WIRE_MTU", nr);
		is_int(wire_encode_request(buf, WIRE_MTU, key, &h, bigr,
		    nr + 1), 0, "request: max+1 entries do not fit");
	}
}

static void
test_lsa_max(void)
{
	static struct wire_lsa_entry e[WIRE_MTU / WIRE_LSA_ENTRY_LEN + 2];
	uint8_t buf[WIRE_MTU + 64];
	struct wire_hdr h = mkhdr(WIRE_LSA);
	struct wire_lsa l;
	struct wire_msg m;
	enum wire_reject why;
	size_t namelen, max, len;
	int fit_bad = 0, more_bad = 0, dec_bad = 0;

	for (max = 0; max < sizeof(e) / sizeof(e[0]); max++) {
		e[max].peer = (uint32_t)max + 1;
		e[max].state = 1;
	}
	for (namelen = 1; namelen <= WIRE_NAME_MAX; namelen++) {
		memset(&l, 0, sizeof(l));
		l.origin = 9;
		l.nparts = 1;
		memset(l.name, 'a', namelen);
		max = wire_lsa_max_entries(namelen);
		l.nentries = (uint16_t)max;
		len = wire_encode_lsa(buf, WIRE_MTU, key, &h, &l, e);
		if (len == 0 || len > WIRE_MTU)
			fit_bad++;
		else if (decode(buf, len, &m, &why) != 0 ||
		    m.u.lsa.nentries != max)
			dec_bad++;
		l.nentries = (uint16_t)(max + 1);
		if (wire_encode_lsa(buf, WIRE_MTU, key, &h, &l, e) != 0) {
			more_bad++;
			printf("# namelen %zu: max_entries %zu, but %zu fit\n",
			    namelen, max, max + 1);
		}
	}
	is_int(fit_bad, 0, "lsa max: max entries fit in WIRE_MTU, names 1..31");
	is_int(dec_bad, 0, "lsa max: max-sized LSAs decode");
	is_int(more_bad, 0, "lsa max: one more entry never fits, names 1..31");
	ok(wire_lsa_max_entries(1) >= wire_lsa_max_entries(WIRE_NAME_MAX),
	    "lsa max: longer names leave no more room");
}

static void
test_header_crafts(void)
{
	uint8_t buf[WIRE_MTU + 64], b2[WIRE_MTU + 64];
	struct wire_hdr h = mkhdr(WIRE_PROBE);
	struct wire_probe p;
	struct wire_msg m;
	enum wire_reject why;
	size_t len;
	int t, bad_rc = 0, bad_why = 0;

	memset(&p, 0, sizeof(p));
	p.ask_seq = 1;
	len = wire_encode_probe(buf, sizeof(buf), key, &h, &p);

	/* unknown types, MAC correct: REJ_TYPE */
	for (t = 0; t < 256; t++) {
		if (t >= WIRE_PROBE && t < WIRE_TYPE_MAX)
			continue;
		memcpy(b2, buf, len);
		b2[3] = (uint8_t)t;
		remac(b2, len, key);
		if (decode(b2, len, &m, &why) != -1)
			bad_rc++;
		else if (why != REJ_TYPE)
			bad_why++;
	}
	is_int(bad_rc, 0, "craft: every unknown type (0, 7..255) rejected");
	is_int(bad_why, 0, "craft: unknown types are REJ_TYPE");

	/* a PROBE body relabelled as SUMMARY: count 0 but 24 more bytes */
	memcpy(b2, buf, len);
	b2[3] = WIRE_SUMMARY;
	remac(b2, len, key);
	is_int(decode(b2, len, &m, &why), -1, "craft: probe body as summary");
	ok(why == REJ_MALFORMED || why == REJ_TRUNCATED,
	    "craft: probe body as summary: malformed/truncated");

	/* wrong magic / version with a correct MAC */
	memcpy(b2, buf, len);
	b2[0] = 0x47;
	b2[1] = 0x41;
	remac(b2, len, key);
	is_int(decode(b2, len, &m, &why), -1, "craft: byte-swapped magic");
	is_int(why, REJ_MAGIC, "craft: byte-swapped magic REJ_MAGIC");
	memcpy(b2, buf, len);
	b2[2] = WIRE_VERSION + 1;
	remac(b2, len, key);
	is_int(decode(b2, len, &m, &why), -1, "craft: version N+1");
	is_int(why, REJ_VERSION, "craft: version N+1 REJ_VERSION");
	memcpy(b2, buf, len);
	b2[2] = WIRE_VERSION_MIN - 1;
	remac(b2, len, key);
	is_int(decode(b2, len, &m, &why), -1, "craft: version N-2");
	is_int(why, REJ_VERSION, "craft: version N-2 REJ_VERSION");
	memcpy(b2, buf, len);
	b2[2] = WIRE_VERSION_MIN;
	remac(b2, len, key);
	is_int(decode(b2, len, &m, &why), 0, "craft: version N-1 accepted");
	is_int(m.hdr.version, WIRE_VERSION_MIN, "craft: version N-1 decoded");

	/* length field mismatch, MAC recomputed */
	memcpy(b2, buf, len);
	set_len(b2, len - 1);
	remac(b2, len, key);
	is_int(decode(b2, len, &m, &why), -1, "craft: length field len-1");
	is_int(why, REJ_LENGTH, "craft: length field len-1 REJ_LENGTH");
	memcpy(b2, buf, len);
	set_len(b2, len + 1);
	remac(b2, len, key);
	is_int(decode(b2, len, &m, &why), -1, "craft: length field len+1");
	is_int(why, REJ_LENGTH, "craft: length field len+1 REJ_LENGTH");
	memcpy(b2, buf, len);
	set_len(b2, 0);
	remac(b2, len, key);
	is_int(decode(b2, len, &m, &why), -1, "craft: length field 0");
	is_int(why, REJ_LENGTH, "craft: length field 0 REJ_LENGTH");

	/* datagram longer than its length field says (no re-MAC) */
	memcpy(b2, buf, len);
	b2[len] = 0;
	is_int(decode(b2, len + 1, &m, &why), -1, "craft: one extra byte");
	is_int(why, REJ_LENGTH, "craft: one extra byte REJ_LENGTH");

	/* trailing bytes inside the authenticated body */
	memcpy(b2, buf, len - WIRE_MAC_LEN);
	memset(b2 + len - WIRE_MAC_LEN, 0, 4);
	set_len(b2, len + 4);
	remac(b2, len + 4, key);
	is_int(decode(b2, len + 4, &m, &why), -1, "craft: 4 trailing bytes");
	is_int(why, REJ_MALFORMED, "craft: trailing bytes REJ_MALFORMED");
	memcpy(b2, buf, len - WIRE_MAC_LEN);
	b2[len - WIRE_MAC_LEN] = 0;
	set_len(b2, len + 1);
	remac(b2, len + 1, key);
	is_int(decode(b2, len + 1, &m, &why), -1, "craft: 1 trailing byte");
	is_int(why, REJ_MALFORMED, "craft: 1 trailing byte REJ_MALFORMED");

	/* exactly header + MAC: known type, empty body */
	memcpy(b2, buf, WIRE_HDR_LEN);
	set_len(b2, WIRE_HDR_LEN + WIRE_MAC_LEN);
	remac(b2, WIRE_HDR_LEN + WIRE_MAC_LEN, key);
	is_int(decode(b2, WIRE_HDR_LEN + WIRE_MAC_LEN, &m, &why), -1,
	    "craft: empty probe body");
	is_int(why, REJ_TRUNCATED, "craft: empty body REJ_TRUNCATED");

	/* reserved bytes are covered by the MAC but not interpreted */
	memcpy(b2, buf, len);
	b2[6] = 0xab;
	b2[7] = 0xcd;
	remac(b2, len, key);
	is_int(decode(b2, len, &m, &why), 0,
	    "craft: nonzero reserved accepted when MAC matches");
	is_int(m.hdr.maxver, 0xab, "craft: byte 6 is the sender's max version");

	/* encoders refuse a buffer that cannot hold the header + MAC */
	is_int(wire_encode_probe(b2, 10, key, &h, &p), 0,
	    "craft: encoder refuses tiny buffer");
	is_int(wire_encode_probe(b2, 0, key, &h, &p), 0,
	    "craft: encoder refuses zero buffer");

	/* reject names exist for every reason */
	{
		int r, named = 1;

		for (r = 0; r < REJ_MAX; r++)
			if (wire_reject_names[r] == NULL ||
			    wire_reject_names[r][0] == '\0')
				named = 0;
		ok(named, "every reject reason has a name");
		ok(strcmp(wire_reject_names[REJ_MAC], "bad_mac") == 0,
		    "REJ_MAC is named bad_mac");
	}
}

/*
 * Versions 4 and 5 (wire.h, "Versions"): the same row and declarations
 * in both forms, what each carries, and the checks of what 5 adds.
 */
static void
test_versions(void)
{
	uint8_t buf[WIRE_MTU], b4[WIRE_MTU], b2[WIRE_MTU];
	struct wire_hdr h = mkhdr(WIRE_LSA);
	struct wire_lsa l;
	struct wire_lsa_entry e[3], got;
	struct wire_origin o[2], d, base;
	struct wire_origin_iter it;
	struct wire_msg m;
	enum wire_reject why;
	size_t len, len4, i, off;
	char err[160];
	int same = 1;

	memset(&l, 0, sizeof(l));
	l.origin = 0x0a0b0c0d;
	l.boot = 9;
	l.seq = 10;
	l.nparts = 1;
	snprintf(l.name, sizeof(l.name), "fra");
	snprintf(l.cache, sizeof(l.cache), "[2001:db8::7]:8080");
	l.nentries = 3;
	for (i = 0; i < 3; i++) {
		e[i].peer = 100 + (uint32_t)i;
		e[i].rtt = (uint16_t)(10 * i + 1);
		e[i].loss = 0;
		e[i].state = i == 2 ? WIRE_ENTRY_POLICY : 1;	/* up */
	}
	h.version = 5;
	h.maxver = WIRE_VERSION;
	len = wire_encode_lsa(buf, sizeof(buf), key, &h, &l, e);
	is_int(buf[2], 5, "v5 lsa: version byte 5");
	is_int(buf[6], WIRE_VERSION, "v5 lsa: max version byte %d",
	    WIRE_VERSION);
	is_int(decode(buf, len, &m, &why), 0, "v5 lsa: decodes");
	is_int(m.hdr.version, 5, "v5 lsa: header version 5");
	is_int(m.hdr.maxver, WIRE_VERSION, "v5 lsa: header max %d",
	    WIRE_VERSION);
	is_int(m.u.lsa.version, 5, "v5 lsa: row version 5");
	ok(strcmp(m.u.lsa.cache, "[2001:db8::7]:8080") == 0,
	    "v5 lsa: the cache address round trips (%s)", m.u.lsa.cache);
	for (i = 0; i < 3; i++) {
		wire_lsa_entry(&m.u.lsa, i, &got);
		same &= got.peer == e[i].peer && got.state == e[i].state;
	}
	ok(same, "v5 lsa: entries, a policy entry among them, round trip");
	abuse("lsa-v5-cache", buf, len);

	/* the same row in version 4 form: no cache address */
	h.version = 4;
	len4 = wire_encode_lsa(b4, sizeof(b4), key, &h, &l, e);
	is_int(len4, len - 1 - strlen(l.cache),
	    "v4 lsa: shorter by the cache address and its length byte");
	is_int(b4[2], 4, "v4 lsa: version byte 4");
	is_int(b4[6], WIRE_VERSION, "v4 lsa: max version byte still %d",
	    WIRE_VERSION);
	is_int(decode(b4, len4, &m, &why), 0, "v4 lsa: decodes");
	ok(m.hdr.version == 4 && m.u.lsa.version == 4 &&
	    m.u.lsa.cache[0] == '\0' && m.u.lsa.nentries == 3 &&
	    strcmp(m.u.lsa.name, "fra") == 0,
	    "v4 lsa: version 4, name and entries, no cache address");
	ok(memcmp(b4 + WIRE_HDR_LEN, buf + WIRE_HDR_LEN, 16 + 3) == 0 &&
	    memcmp(b4 + len4 - WIRE_MAC_LEN - 2 - 3 * WIRE_LSA_ENTRY_LEN,
	    buf + len - WIRE_MAC_LEN - 2 - 3 * WIRE_LSA_ENTRY_LEN,
	    2 + 3 * WIRE_LSA_ENTRY_LEN) == 0,
	    "v4 lsa: the layout of version 4, the same bytes around the "
	    "cache address");
	abuse("lsa-v4", b4, len4);
	/* a v4 datagram read as v5 (or the reverse) does not parse */
	memcpy(b2, b4, len4);
	b2[2] = 5;
	remac(b2, len4, key);
	ok(decode(b2, len4, &m, &why) == -1, "v4 lsa relabelled 5 rejected "
	    "(%s)", valid_reason(why) ? wire_reject_names[why] : "?");
	memcpy(b2, buf, len);
	b2[2] = 4;
	remac(b2, len, key);
	ok(decode(b2, len, &m, &why) == -1, "v5 lsa relabelled 4 rejected "
	    "(%s)", valid_reason(why) ? wire_reject_names[why] : "?");
	h.version = 0;

	/* cache addresses a row may carry */
	ok(wire_cache_ok("10.0.0.1:80") == 0 && wire_cache_ok("") == 0 &&
	    wire_cache_ok("cache-1.example_net:8080") == 0,
	    "cache: addresses and host names pass");
	ok(wire_cache_ok("a;b") == -1 && wire_cache_ok("a b") == -1 &&
	    wire_cache_ok("a}") == -1 && wire_cache_ok("x\n") == -1,
	    "cache: ; space } newline refused (they would reach nginx)");
	snprintf(l.cache, sizeof(l.cache), "evil;x");
	is_int(wire_encode_lsa(b2, sizeof(b2), key, &h, &l, e), 0,
	    "cache: the encoder refuses one");
	/* patched in, MAC right: malformed */
	off = WIRE_HDR_LEN + 16 + 1 + 3 + 1;	/* first cache byte */
	memcpy(b2, buf, len);
	b2[off + 3] = ';';
	remac(b2, len, key);
	is_int(decode(b2, len, &m, &why), -1, "cache: ';' in a datagram");
	is_int(why, REJ_MALFORMED, "cache: ';' is REJ_MALFORMED");
	memcpy(b2, buf, len);
	b2[off + 3] = '\0';
	remac(b2, len, key);
	is_int(decode(b2, len, &m, &why), -1, "cache: NUL in a datagram");
	is_int(why, REJ_MALFORMED, "cache: NUL is REJ_MALFORMED");
	memcpy(b2, buf, len);
	b2[off - 1] = WIRE_CACHE_MAX + 1;
	remac(b2, len, key);
	is_int(decode(b2, len, &m, &why), -1, "cache: length 128");
	is_int(why, REJ_MALFORMED, "cache: length 128 is REJ_MALFORMED");
	l.cache[0] = '\0';

	/* declarations: the default policy has one form in both versions */
	memset(o, 0, sizeof(o));
	snprintf(o[0].name, sizeof(o[0].name), "web");
	prefix_parse("203.0.113.0/24", &o[0].prefixes[0], err, sizeof(err));
	o[0].nprefixes = 1;
	o[0].id = wire_origin_id(o[0].name, o[0].prefixes, 1);
	ok(wire_origin_full_id(&o[0]) == o[0].id && !wire_origin_has_policy(
	    &o[0]), "decl: the default policy keeps version 4's id");
	o[1] = o[0];
	o[1].tier_mode = WIRE_TIER_STATIC;
	o[1].ntiers = 2;
	o[1].tiers[0] = 7;
	o[1].tiers[1] = 9;
	o[1].id = wire_origin_full_id(&o[1]);
	ok(o[1].id != o[0].id, "decl: a static policy has an id of its own");
	wire_origin_base(&o[1], &base);
	ok(base.id == o[0].id && !wire_origin_has_policy(&base),
	    "decl: its base is the policy-less declaration");
	h.type = WIRE_ORIGINS;
	len = wire_encode_origins(buf, sizeof(buf), key, &h, o, 2);
	ok(len > 0 && decode(buf, len, &m, &why) == 0 &&
	    m.u.list.version == WIRE_VERSION, "v5 origins: both decode "
	    "(version %d has 5's form)", WIRE_VERSION);
	memset(&it, 0, sizeof(it));
	ok(wire_origin_next(&m.u.list, &it, &d) == 0 && d.id == o[0].id &&
	    d.tier_mode == WIRE_TIER_SMART, "v5 origins: the default one");
	ok(wire_origin_next(&m.u.list, &it, &d) == 0 && d.id == o[1].id &&
	    d.tier_mode == WIRE_TIER_STATIC && d.ntiers == 2 &&
	    d.tiers[0] == 7 && d.tiers[1] == 9 && d.tier_k == 0,
	    "v5 origins: the static policy round trips");
	is_int(len, WIRE_HDR_LEN + 4 + wire_origin_len(&o[0], 5) +
	    wire_origin_len(&o[1], 5) + WIRE_MAC_LEN, "v5 origins: length");
	abuse("origins-v5", buf, len);
	h.version = 4;
	is_int(wire_encode_origins(b2, sizeof(b2), key, &h, o, 2), 0,
	    "v4 origins: a policy cannot be said in version 4: refused");
	len4 = wire_encode_origins(b4, sizeof(b4), key, &h, o, 1);
	ok(len4 > 0 && decode(b4, len4, &m, &why) == 0 &&
	    m.u.list.version == 4, "v4 origins: the default one encodes, "
	    "and this version decodes it");
	memset(&it, 0, sizeof(it));
	ok(wire_origin_next(&m.u.list, &it, &d) == 0 && d.id == o[0].id &&
	    wire_origin_len(&d, 4) + 3 == wire_origin_len(&d, 5),
	    "v4 origins: the same declaration, 3 bytes shorter");
	h.version = 0;

	/* policies out of shape, ids right: malformed */
	{
		static const struct {
			uint8_t mode, k, n;
			uint32_t t0, t1;
			const char *what;
		} bad[] = {
			{ WIRE_TIER_SMART, 1, 0, 0, 0, "smart with K" },
			{ WIRE_TIER_SMART, 0, 1, 5, 0, "smart with tiers" },
			{ WIRE_TIER_STATIC, 0, 0, 0, 0, "static without tiers" },
			{ WIRE_TIER_STATIC, 1, 1, 5, 0, "static with K" },
			{ WIRE_TIER_STATIC, 0, 2, 9, 7, "tiers not ascending" },
			{ WIRE_TIER_STATIC, 0, 2, 7, 7, "a tier twice" },
			{ WIRE_TIER_STATIC, 0, 1, 0, 0, "tier id 0" },
			{ WIRE_TIER_REGIONAL, 0, 0, 0, 0, "regional K 0" },
			{ WIRE_TIER_REGIONAL, 33, 0, 0, 0, "regional K 33" },
			{ 3, 0, 0, 0, 0, "mode 3" },
		};
		int wrong = 0;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			d = o[0];
			d.tier_mode = bad[i].mode;
			d.tier_k = bad[i].k;
			d.ntiers = bad[i].n;
			d.tiers[0] = bad[i].t0;
			d.tiers[1] = bad[i].t1;
			d.id = wire_origin_full_id(&d);
			len = wire_encode_origins(buf, sizeof(buf), key, &h,
			    &d, 1);
			if (len == 0 || decode(buf, len, &m, &why) != -1 ||
			    why != REJ_MALFORMED) {
				printf("# %s: not REJ_MALFORMED\n",
				    bad[i].what);
				wrong++;
			}
		}
		is_int(wrong, 0, "v5 origins: each policy out of shape is "
		    "REJ_MALFORMED");
		/* a policy changed under the same id */
		d = o[1];
		d.tiers[1] = 10;
		len = wire_encode_origins(buf, sizeof(buf), key, &h, &d, 1);
		ok(decode(buf, len, &m, &why) == -1 && why == REJ_MALFORMED,
		    "v5 origins: a policy that is not its id's rejected");
		d = o[1];
		d.id = o[0].id;
		len = wire_encode_origins(buf, sizeof(buf), key, &h, &d, 1);
		ok(decode(buf, len, &m, &why) == -1 && why == REJ_MALFORMED,
		    "v5 origins: a policy under the base's id rejected");
	}

	/* header versions: only WIRE_VERSION_MIN to WIRE_VERSION */
	{
		struct wire_probe p;
		int v, bad_rc = 0;

		memset(&p, 0, sizeof(p));
		p.ask_seq = 1;
		h = mkhdr(WIRE_PROBE);
		for (v = 0; v < 256; v++) {
			h.version = (uint8_t)v;
			len = wire_encode_probe(buf, sizeof(buf), key, &h, &p);
			buf[2] = (uint8_t)v;	/* 0 encodes as WIRE_VERSION */
			remac(buf, len, key);
			int in = v >= WIRE_VERSION_MIN && v <= WIRE_VERSION;

			if ((decode(buf, len, &m, &why) == 0) != in ||
			    (!in && why != REJ_VERSION))
				bad_rc++;
		}
		is_int(bad_rc, 0, "versions %d to %d decode, the %d others "
		    "are REJ_VERSION", WIRE_VERSION_MIN, WIRE_VERSION,
		    256 - (WIRE_VERSION - WIRE_VERSION_MIN + 1));
	}
}

/*
 * Compact probes (wire.h, version 6). remac_compact() computes the MAC
 * as wire.h documents it, apart from wire.c: receiver, the 24 bytes
 * sent, sender, the 64-bit sequence.
 */
#define C_RECEIVER	0x01020304u
#define C_SENDER	0xdeadbeefu

static void
remac_compact(uint8_t *buf, const uint8_t *k, uint32_t sender, uint64_t seq)
{
	crypto_generichash_state st;
	uint8_t b[4], q[12];
	int i;

	for (i = 0; i < 4; i++)
		b[i] = (uint8_t)(C_RECEIVER >> (24 - 8 * i));
	for (i = 0; i < 4; i++)
		q[i] = (uint8_t)(sender >> (24 - 8 * i));
	for (i = 0; i < 8; i++)
		q[4 + i] = (uint8_t)(seq >> (56 - 8 * i));
	crypto_generichash_init(&st, k, WIRE_KEY_LEN, WIRE_MAC_LEN);
	crypto_generichash_update(&st, b, 4);
	crypto_generichash_update(&st, buf, WIRE_COMPACT_LEN - WIRE_MAC_LEN);
	crypto_generichash_update(&st, q, sizeof(q));
	crypto_generichash_final(&st, buf + WIRE_COMPACT_LEN - WIRE_MAC_LEN,
	    WIRE_MAC_LEN);
}

static struct wire_compact_ctx
mkctx(void)
{
	struct wire_compact_ctx c;

	memset(&c, 0, sizeof(c));
	c.sender = C_SENDER;
	c.have_boot = 1;
	c.boot = 0x80000001;
	c.top = 0x0102030405060700ULL;
	c.window = 64;
	c.ask_ref = 0x1234fff0;
	c.ans_ref = 0x5678abcd;
	return c;
}

static int
cdecode(const struct wire_compact_ctx *c, const uint8_t *buf, size_t len,
    struct wire_msg *m, enum wire_reject *why)
{
	*why = REJ_MAX;
	return wire_decode_compact(key, C_RECEIVER, c, buf, len, m, why);
}

static size_t
cencode(uint8_t *buf, const struct wire_hdr *h, const struct wire_probe *p)
{
	struct wire_hdr hh = *h;

	hh.receiver = C_RECEIVER;
	return wire_encode_probe_compact(buf, WIRE_MTU, key, &hh, p);
}

static void
test_compact_roundtrip(uint8_t type, const char *what)
{
	struct wire_compact_ctx c = mkctx();
	struct wire_hdr h = mkhdr(type);
	struct wire_probe p, *q;
	struct wire_msg m;
	enum wire_reject why;
	uint8_t buf[WIRE_MTU];
	size_t len;

	memset(&p, 0, sizeof(p));
	p.flags = WIRE_PROBE_F_ANSWER;
	p.ans_mask = 0xa5;
	p.ans_seq = 0x5678abc0;		/* 13 below our latest ask */
	p.turnaround_us = 1234 * 8;
	p.digest = 0x1122334455667788ULL;
	if (type == WIRE_PROBE) {
		p.hold_ms = 112;
		p.ask_seq = 0x12350003;	/* 19 past the last seen */
	}
	h.seq = 0x0102030405060708ULL;
	len = cencode(buf, &h, &p);
	is_int(len, WIRE_COMPACT_LEN, "%s compact: %d bytes", what,
	    WIRE_COMPACT_LEN);
	ok(buf[0] == 'A' && buf[1] == 'P' && buf[2] == 6 &&
	    buf[3] == (type | WIRE_COMPACT_F_ANSWER), "%s compact: magic AP, "
	    "version 6, type and answer flag", what);
	ok(be32(buf + 4) == 0x80000001 && be32(buf + 8) == 0x05060708 &&
	    be32(buf + 20) == 0x11223344, "%s compact: boot, low sequence, "
	    "high digest at their offsets", what);
	is_int(cdecode(&c, buf, len, &m, &why), 0, "%s compact: decodes",
	    what);
	q = &m.u.probe;
	ok(m.hdr.type == type && m.hdr.sender == C_SENDER &&
	    m.hdr.boot == 0x80000001 && m.hdr.seq == 0x0102030405060708ULL &&
	    m.hdr.version == 6 && m.hdr.receiver == C_RECEIVER,
	    "%s compact: header, sender from the context, 64-bit seq", what);
	ok(q->flags == WIRE_PROBE_F_ANSWER && q->ans_mask == 0xa5 &&
	    q->ans_seq == 0x5678abc0 && q->turnaround_us == 1234 * 8,
	    "%s compact: answer fields", what);
	ok(q->digest == 0x1122334400000000ULL &&
	    q->digest_mask == 0xffffffff00000000ULL,
	    "%s compact: the digest's high half and its mask", what);
	if (type == WIRE_PROBE)
		ok(q->ask_seq == 0x12350003 && q->hold_ms == 112,
		    "%s compact: ask expanded across 16 bits, hold", what);
	else
		ok(q->ask_seq == 0 && q->hold_ms == 0,
		    "%s compact: no ask, no hold", what);
}

static void
test_compact_fields(void)
{
	struct wire_compact_ctx c = mkctx();
	struct wire_hdr h = mkhdr(WIRE_PROBE);
	struct wire_probe p;
	struct wire_msg m;
	enum wire_reject why;
	uint8_t buf[WIRE_MTU];
	unsigned ms, v, prev = 0;
	uint32_t us;
	int bad = 0, bad_rt = 0;

	/* hold: rounded up by 1/16 at most, monotonic, exact round trip */
	for (ms = 0; ms <= WIRE_COMPACT_HOLD_MAX; ms++) {
		v = wire_compact_hold(ms);
		if (v < ms || v > ms + ms / 16 || v < prev ||
		    wire_compact_hold(v) != v)
			bad++;
		prev = v;
	}
	is_int(bad, 0, "compact hold: 0..%u ms rounded up by 1/16 at most",
	    WIRE_COMPACT_HOLD_MAX);
	ok(wire_compact_hold(110) == 112 && wire_compact_hold(2200) == 2304 &&
	    wire_compact_hold(15) == 15 && wire_compact_hold(16) == 16,
	    "compact hold: 110 -> 112, 2200 -> 2304 ms, small values exact");
	ok(wire_compact_hold(WIRE_COMPACT_HOLD_MAX) == WIRE_COMPACT_HOLD_MAX &&
	    wire_compact_hold(WIRE_COMPACT_HOLD_MAX + 1) == 0 &&
	    wire_compact_hold(65535) == 0 && wire_compact_hold(UINT32_MAX) == 0,
	    "compact hold: %u the largest",
	    WIRE_COMPACT_HOLD_MAX);
	memset(&p, 0, sizeof(p));
	p.ask_seq = 0x12340001;
	for (ms = 0; ms <= WIRE_COMPACT_HOLD_MAX; ms += 7) {
		p.hold_ms = (uint16_t)ms;
		if (cencode(buf, &h, &p) != WIRE_COMPACT_LEN ||
		    cdecode(&c, buf, WIRE_COMPACT_LEN, &m, &why) != 0 ||
		    m.u.probe.hold_ms != wire_compact_hold(ms))
			bad_rt++;
	}
	is_int(bad_rt, 0, "compact hold: every 7th ms round trips rounded up");
	p.hold_ms = WIRE_COMPACT_HOLD_MAX + 1;
	is_int(cencode(buf, &h, &p), 0, "compact hold: past the largest, "
	    "no compact form");

	/* turnaround: 24 bits of us, exact */
	p.hold_ms = 110;
	p.flags = WIRE_PROBE_F_ANSWER;
	p.ans_seq = c.ans_ref;
	bad_rt = 0;
	for (us = 0; us <= WIRE_COMPACT_TURN_MAX; us += us < 300000 ? 1 :
	    4099) {
		p.turnaround_us = us;
		if (cencode(buf, &h, &p) != WIRE_COMPACT_LEN ||
		    cdecode(&c, buf, WIRE_COMPACT_LEN, &m, &why) != 0 ||
		    m.u.probe.turnaround_us != us)
			bad_rt++;
	}
	is_int(bad_rt, 0, "compact turnaround: exact to the us");
	p.turnaround_us = WIRE_COMPACT_TURN_MAX;
	ok(cencode(buf, &h, &p) == WIRE_COMPACT_LEN &&
	    cdecode(&c, buf, WIRE_COMPACT_LEN, &m, &why) == 0 &&
	    m.u.probe.turnaround_us == WIRE_COMPACT_TURN_MAX &&
	    buf[17] == 0xff && buf[18] == 0xff && buf[19] == 0xff,
	    "compact turnaround: %u us, the largest, exact",
	    WIRE_COMPACT_TURN_MAX);
	p.turnaround_us = WIRE_COMPACT_TURN_MAX + 1;
	is_int(cencode(buf, &h, &p), 0, "compact turnaround: past the largest, "
	    "no compact form");
	p.turnaround_us = UINT32_MAX;
	is_int(cencode(buf, &h, &p), 0, "compact turnaround: UINT32_MAX, no "
	    "compact form");

	/* mask, ask and ans at their limits */
	p.turnaround_us = 0;
	p.ans_mask = 0xff;
	p.ask_seq = 0x1234ffff;
	c.ask_ref = 0x1234fff0;
	p.ans_seq = 0x5677ff01;
	c.ans_ref = 0x56780000;
	ok(cencode(buf, &h, &p) == WIRE_COMPACT_LEN &&
	    cdecode(&c, buf, WIRE_COMPACT_LEN, &m, &why) == 0 &&
	    m.u.probe.ans_mask == 0xff && m.u.probe.ask_seq == 0x1234ffff &&
	    m.u.probe.ans_seq == 0x5677ff01, "compact: mask 0xff, ask 0xffff "
	    "above, ans 255 below the reference, across a wrap");
	p.ans_seq = 0x5677ff00;
	ok(cencode(buf, &h, &p) == WIRE_COMPACT_LEN &&
	    cdecode(&c, buf, WIRE_COMPACT_LEN, &m, &why) == 0 &&
	    m.u.probe.ans_seq == 0x56780000, "compact: ans 256 below the "
	    "reference reads as the reference (no such ask matches)");
	p.ans_seq = c.ans_ref;
	ok(cencode(buf, &h, &p) == WIRE_COMPACT_LEN &&
	    cdecode(&c, buf, WIRE_COMPACT_LEN, &m, &why) == 0 &&
	    m.u.probe.ans_seq == c.ans_ref, "compact: ans the reference");
	/* the flags byte takes only the answer flag */
	p.flags = 0x02;
	is_int(cencode(buf, &h, &p), 0, "compact: unknown flags not encoded");
	/* only probes have a compact form */
	p.flags = 0;
	h.type = WIRE_LSA;
	is_int(cencode(buf, &h, &p), 0, "compact: an lsa has no compact form");
	h.type = WIRE_PROBE;
	is_int((int)wire_encode_probe_compact(buf, WIRE_COMPACT_LEN - 1, key,
	    &h, &p), 0, "compact: cap 39 is too short");
}

static void
test_compact_expand(void)
{
	struct wire_compact_ctx c = mkctx();
	struct wire_hdr h = mkhdr(WIRE_PROBE);
	struct wire_probe p;
	struct wire_msg m;
	enum wire_reject why;
	uint8_t buf[WIRE_MTU];

	/* sequence, RFC 4303 A2.1: from the bottom of the window up */
	c.top = 0x1fffffff0ULL;
	ok(wire_compact_seq(&c, c.boot, 0x00000005) == 0x200000005ULL,
	    "seq: past the 2^32 wrap, the next high half");
	ok(wire_compact_seq(&c, c.boot, 0xfffffff8) == 0x1fffffff8ULL,
	    "seq: just past the top, the same high half");
	ok(wire_compact_seq(&c, c.boot, 0xffffffb1) == 0x1ffffffb1ULL,
	    "seq: the bottom of the window, the same high half");
	ok(wire_compact_seq(&c, c.boot, 0xffffffb0) == 0x2ffffffb0ULL,
	    "seq: below the window, taken as the next high half");
	c.top = 0x200000003ULL;
	ok(wire_compact_seq(&c, c.boot, 0xfffffff0) == 0x1fffffff0ULL,
	    "seq: reordered behind the wrap, the previous high half");
	c.top = 10;
	ok(wire_compact_seq(&c, c.boot, 0xffffffff) == 0xffffffffULL &&
	    wire_compact_seq(&c, c.boot, 3) == 3,
	    "seq: a top below the window's width expands from 0");
	c.top = 0x700000000ULL;
	ok(wire_compact_seq(&c, c.boot + 1, 7) == 7,
	    "seq: a new boot counts from 0");
	c.have_boot = 0;
	ok(wire_compact_seq(&c, c.boot, 7) == 7,
	    "seq: no boot heard, from 0");

	/* 16-bit numbers */
	ok(wire_expand16(0x0001fff0, 0x0005, 64) == 0x00020005,
	    "ask: past the 16-bit wrap");
	ok(wire_expand16(0x00020005, 0xfff0, 64) == 0x0001fff0,
	    "ask: reordered behind the wrap, within 64");
	ok(wire_expand16(0x00020045, 0x0004, 64) == 0x00030004,
	    "ask: 65 behind is read as ahead");
	ok(wire_expand16(0x00000010, 0xfff0, 64) == 0xfffffff0,
	    "ask: behind across the 32-bit wrap");
	ok(wire_expand16(0x00020005, 0xffff, 0xffff) == 0x0001ffff &&
	    wire_expand16(0x00020005, 0x0005, 0xffff) == 0x00020005,
	    "ans: at or below the reference");

	/* through the codec: a wrap of the sequence's low half */
	c = mkctx();
	c.top = 0x1fffffff0ULL;
	memset(&p, 0, sizeof(p));
	p.hold_ms = 110;
	p.ask_seq = 0x1234fff1;
	h.seq = 0x200000005ULL;
	ok(cencode(buf, &h, &p) == WIRE_COMPACT_LEN &&
	    cdecode(&c, buf, WIRE_COMPACT_LEN, &m, &why) == 0 &&
	    m.hdr.seq == 0x200000005ULL, "codec: seq across the 2^32 wrap");
	/* a new boot: its sequence counts from 0 */
	h.boot = c.boot + 1;
	h.seq = 0x11;
	ok(cencode(buf, &h, &p) == WIRE_COMPACT_LEN &&
	    cdecode(&c, buf, WIRE_COMPACT_LEN, &m, &why) == 0 &&
	    m.hdr.seq == 0x11 && m.hdr.boot == c.boot + 1,
	    "codec: a new boot decodes from 0");
	/* a sender whose high half the receiver cannot know fails the MAC */
	h.seq = 0x100000011ULL;
	ok(cencode(buf, &h, &p) == WIRE_COMPACT_LEN &&
	    cdecode(&c, buf, WIRE_COMPACT_LEN, &m, &why) == -1 &&
	    why == REJ_MAC, "codec: a new boot past 2^32 is REJ_MAC");
}

static void
test_compact_reject(void)
{
	struct wire_compact_ctx c = mkctx(), w;
	struct wire_hdr h = mkhdr(WIRE_PROBE);
	struct wire_probe p;
	struct wire_msg m;
	enum wire_reject why, want;
	uint8_t buf[WIRE_MTU], b[WIRE_MTU], wrong[WIRE_KEY_LEN];
	size_t i;
	int bit, bad = 0, n;

	memset(&p, 0, sizeof(p));
	p.hold_ms = 112;
	p.ask_seq = 0x12350003;
	p.flags = WIRE_PROBE_F_ANSWER;
	p.ans_seq = c.ans_ref;
	p.digest = 0xfeedfacecafebeefULL;
	h.seq = c.top + 1;
	ok(cencode(buf, &h, &p) == WIRE_COMPACT_LEN &&
	    cdecode(&c, buf, WIRE_COMPACT_LEN, &m, &why) == 0,
	    "reject: the original decodes");
	/* the MAC as wire.h documents it */
	memcpy(b, buf, WIRE_COMPACT_LEN);
	remac_compact(b, key, C_SENDER, h.seq);
	ok(memcmp(b, buf, WIRE_COMPACT_LEN) == 0,
	    "reject: MAC over receiver, the 24 bytes, sender, sequence");

	/* every bit flipped */
	for (i = 0; i < WIRE_COMPACT_LEN; i++)
		for (bit = 0; bit < 8; bit++) {
			memcpy(b, buf, WIRE_COMPACT_LEN);
			b[i] ^= (uint8_t)(1 << bit);
			want = i < 2 ? REJ_MAGIC : i == 2 ? REJ_VERSION :
			    REJ_MAC;
			if (cdecode(&c, b, WIRE_COMPACT_LEN, &m, &why) != -1 ||
			    why != want)
				bad++;
		}
	is_int(bad, 0, "reject: each of the 320 bits flipped, the right "
	    "reason");
	/* a wrong sender, a wrong high half, a wrong key */
	w = c;
	w.sender ^= 1;
	ok(cdecode(&w, buf, WIRE_COMPACT_LEN, &m, &why) == -1 &&
	    why == REJ_MAC, "reject: another sender id is REJ_MAC");
	w = c;
	w.top += 1ULL << 32;
	ok(cdecode(&w, buf, WIRE_COMPACT_LEN, &m, &why) == -1 &&
	    why == REJ_MAC, "reject: another high half is REJ_MAC");
	w = c;
	w.boot ^= 1;
	ok(cdecode(&w, buf, WIRE_COMPACT_LEN, &m, &why) == -1 &&
	    why == REJ_MAC, "reject: read as a new boot (from 0): REJ_MAC");
	memcpy(wrong, key, sizeof(wrong));
	wrong[0] ^= 1;
	ok(wire_decode_compact(wrong, C_RECEIVER, &c, buf, WIRE_COMPACT_LEN,
	    &m, &why) == -1 && why == REJ_MAC, "reject: another key");
	ok(wire_decode_compact(key, C_RECEIVER + 1, &c, buf, WIRE_COMPACT_LEN,
	    &m, &why) == -1 && why == REJ_MAC, "reject: another receiver");
	/* lengths */
	bad = 0;
	for (n = 0; n < WIRE_COMPACT_LEN; n++)
		if (cdecode(&c, buf, (size_t)n, &m, &why) != -1 ||
		    why != REJ_SHORT)
			bad++;
	is_int(bad, 0, "reject: every length 0..39 is REJ_SHORT");
	memcpy(b, buf, WIRE_COMPACT_LEN);
	b[WIRE_COMPACT_LEN] = 0;
	ok(cdecode(&c, b, WIRE_COMPACT_LEN + 1, &m, &why) == -1 &&
	    why == REJ_LENGTH, "reject: 41 bytes is REJ_LENGTH");
	/* the full decoder does not take it, nor the compact one a full one */
	ok(wire_decode(key, C_RECEIVER, buf, WIRE_COMPACT_LEN, &m, &why) ==
	    -1 && why == REJ_MAGIC, "reject: to a full decoder, bad magic");
	ok(wire_is_compact(buf, WIRE_COMPACT_LEN) && !wire_is_compact(buf, 1),
	    "wire_is_compact: by its magic");
	ok(wire_sent_type(buf, WIRE_COMPACT_LEN) == WIRE_PROBE,
	    "wire_sent_type: a compact probe with an answer is a probe");

	/* well MACed, malformed */
	memcpy(b, buf, WIRE_COMPACT_LEN);
	b[2] = 7;
	remac_compact(b, key, C_SENDER, h.seq);
	ok(cdecode(&c, b, WIRE_COMPACT_LEN, &m, &why) == -1 &&
	    why == REJ_VERSION, "crafted: version 7 is REJ_VERSION");
	memcpy(b, buf, WIRE_COMPACT_LEN);
	b[3] = WIRE_LSA;
	remac_compact(b, key, C_SENDER, h.seq);
	ok(cdecode(&c, b, WIRE_COMPACT_LEN, &m, &why) == -1 &&
	    why == REJ_TYPE, "crafted: type lsa is REJ_TYPE");
	memcpy(b, buf, WIRE_COMPACT_LEN);
	b[3] = WIRE_PROBE | 0x40;
	remac_compact(b, key, C_SENDER, h.seq);
	ok(cdecode(&c, b, WIRE_COMPACT_LEN, &m, &why) == -1 &&
	    why == REJ_TYPE, "crafted: an unknown flag is REJ_TYPE");
	memcpy(b, buf, WIRE_COMPACT_LEN);
	b[16] = 0xd0;		/* exponent 13 */
	remac_compact(b, key, C_SENDER, h.seq);
	ok(cdecode(&c, b, WIRE_COMPACT_LEN, &m, &why) == -1 &&
	    why == REJ_MALFORMED, "crafted: hold exponent 13 is REJ_MALFORMED");
	memcpy(b, buf, WIRE_COMPACT_LEN);
	b[3] = WIRE_PROBE_REPLY | WIRE_COMPACT_F_ANSWER;	/* asks */
	remac_compact(b, key, C_SENDER, h.seq);
	ok(cdecode(&c, b, WIRE_COMPACT_LEN, &m, &why) == -1 &&
	    why == REJ_MALFORMED, "crafted: a reply that asks is "
	    "REJ_MALFORMED");
	memcpy(b, buf, WIRE_COMPACT_LEN);
	b[3] = WIRE_PROBE;	/* mask, ans and turnaround without the flag */
	remac_compact(b, key, C_SENDER, h.seq);
	ok(cdecode(&c, b, WIRE_COMPACT_LEN, &m, &why) == -1 &&
	    why == REJ_MALFORMED, "crafted: answer fields without the flag "
	    "are REJ_MALFORMED");
	memcpy(b, buf, WIRE_COMPACT_LEN);
	b[12] = b[13] = 0;
	w = c;
	w.ask_ref = 0;		/* no reference: the ask expands to 0 */
	remac_compact(b, key, C_SENDER, h.seq);
	ok(cdecode(&w, b, WIRE_COMPACT_LEN, &m, &why) == -1 &&
	    why == REJ_MALFORMED, "crafted: ask 0 is REJ_MALFORMED");
}

int
main(void)
{
	ok(wire_init() == 0, "wire_init");
	test_rbuf();
	test_wbuf();
	test_node_id();
	test_probe(WIRE_PROBE, "probe");
	test_probe(WIRE_PROBE_REPLY, "probe-reply");
	test_lsa();
	test_lsa_delta();
	test_lsa_malformed();
	test_lists();
	test_lsa_max();
	test_header_crafts();
	test_versions();
	test_compact_roundtrip(WIRE_PROBE, "probe");
	test_compact_roundtrip(WIRE_PROBE_REPLY, "probe-reply");
	test_compact_fields();
	test_compact_expand();
	test_compact_reject();
	return done_testing();
}
