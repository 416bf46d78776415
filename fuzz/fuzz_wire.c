/*
 * libFuzzer harness for the datagram decoders, wire_decode() and
 * wire_decode_compact() (src/wire.h).
 *
 * Random bytes almost never carry a valid MAC, so a plain harness would
 * only ever see the header checks. The first input byte picks a mode:
 *
 *	0x00-0x2f  raw: the rest of the input is the datagram, as received
 *	           from the network (header checks, MAC rejection); one
 *	           with the compact magic goes to the compact decoder, with
 *	           the fixed context below, as engine_input() does;
 *	0x30-0x3f  forged compact: the rest, cut or padded with zeros to
 *	           24 bytes, is a compact probe before its MAC, which the
 *	           harness appends (expanding the sequence as the context
 *	           says), so the compact checks past the MAC see it;
 *	0x40-0xff  forged: the rest is a message body; the harness puts a
 *	           valid header of type (byte & 15) in front of it (0 and 9
 *	           to 15 are unknown types) and appends the MAC computed with the
 *	           fixed key, so the body parser sees attacker-chosen bytes
 *	           after authentication, as it would from a compromised or
 *	           buggy peer that holds the key.
 *
 * The datagram lives in a heap block of exactly its length, so any read
 * past its end is an ASan report. After a successful decode the harness
 * reads every entry the message claims through the public accessors, and
 * checks that
 *	- entry pointers lie inside the authenticated part of the datagram;
 *	- the LSA name is NUL-terminated with the length on the wire;
 *	- re-encoding the decoded message gives back the same datagram
 *	  (modulo the reserved and padding fields, which the decoder ignores
 *	  and the encoders write as zero) and decodes again to the same thing.
 *
 * ARGO_FUZZ_WRITE_SEEDS=DIR in the environment writes a seed corpus (one
 * valid message of each type, in both modes) to DIR and exits.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "prefix.h"
#include "wire.h"
#include "fuzz_util.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAX_DGRAM	0xffff	/* the length field is 16 bits */

static uint8_t key[WIRE_KEY_LEN];

static void
die(const char *what)
{
	fprintf(stderr, "fuzz_wire: invariant violated: %s\n", what);
	abort();
}

static void
seal(uint8_t *dgram, size_t len)
{
	fuzz_seal(key, 0, dgram, len);
}

/* Header + body + MAC in a heap block of exactly the datagram's size. */
static uint8_t *
forge(uint8_t type, const uint8_t *body, size_t blen, size_t *lenp)
{
	size_t len;
	uint8_t *d;

	if (blen > MAX_DGRAM - WIRE_HDR_LEN - WIRE_MAC_LEN)
		blen = MAX_DGRAM - WIRE_HDR_LEN - WIRE_MAC_LEN;
	len = WIRE_HDR_LEN + blen + WIRE_MAC_LEN;
	if ((d = malloc(len)) == NULL)
		abort();
	put16(d, WIRE_MAGIC);
	d[2] = WIRE_VERSION;
	d[3] = type;
	put16(d + 4, (uint16_t)len);
	put16(d + 6, 0);
	put32(d + 8, 0x01020304);		/* sender */
	put32(d + 12, 7);			/* boot */
	put32(d + 16, 0);			/* seq, high */
	put32(d + 20, 42);			/* seq, low */
	if (blen > 0)
		memcpy(d + WIRE_HDR_LEN, body, blen);
	seal(d, len);
	*lenp = len;
	return d;
}

static int
inside(const uint8_t *p, size_t n, const uint8_t *d, size_t len)
{
	const uint8_t *end = d + len - WIRE_MAC_LEN;

	if (n == 0)
		return 1;	/* nothing is read through p */
	return p != NULL && p >= d + WIRE_HDR_LEN && p <= end &&
	    n <= (size_t)(end - p);
}

/* Re-encode m; the encoders zero reserved and padding fields. */
static size_t
reencode(const struct wire_msg *m, uint8_t *out, size_t cap)
{
	struct wire_lsa_entry *le;
	struct wire_summary_entry *se;
	uint32_t *re;
	size_t i, n = 0;

	switch (m->hdr.type) {
	case WIRE_PROBE:
	case WIRE_PROBE_REPLY:
		return wire_encode_probe(out, cap, key, &m->hdr, &m->u.probe);
	case WIRE_LSA:
	case WIRE_LSA_DELTA:
		le = calloc(m->u.lsa.nentries + 1, sizeof(*le));
		if (le == NULL)
			abort();
		for (i = 0; i < m->u.lsa.nentries; i++)
			wire_lsa_entry(&m->u.lsa, i, &le[i]);
		n = m->hdr.type == WIRE_LSA ?
		    wire_encode_lsa(out, cap, key, &m->hdr, &m->u.lsa, le) :
		    wire_encode_lsa_delta(out, cap, key, &m->hdr, &m->u.lsa,
		    le);
		free(le);
		return n;
	case WIRE_SUMMARY:
		se = calloc(m->u.list.n + 1, sizeof(*se));
		if (se == NULL)
			abort();
		for (i = 0; i < m->u.list.n; i++)
			wire_summary_entry(&m->u.list, i, &se[i]);
		n = wire_encode_summary(out, cap, key, &m->hdr, se,
		    m->u.list.n);
		free(se);
		return n;
	case WIRE_REQUEST:
	case WIRE_ORIGIN_REQUEST:
		re = calloc(m->u.list.n + 1, sizeof(*re));
		if (re == NULL)
			abort();
		for (i = 0; i < m->u.list.n; i++)
			re[i] = wire_request_entry(&m->u.list, i);
		n = wire_encode_request(out, cap, key, &m->hdr, re,
		    m->u.list.n);
		free(re);
		return n;
	case WIRE_ORIGINS: {
		struct wire_origin_iter it = { 0, 0 };
		struct wire_origin *o;

		o = calloc(m->u.list.n + 1, sizeof(*o));
		if (o == NULL)
			abort();
		for (i = 0; i < m->u.list.n; i++)
			if (wire_origin_next(&m->u.list, &it, &o[i]) == -1)
				die("a decoded declaration does not read");
		n = wire_encode_origins(out, cap, key, &m->hdr, o,
		    m->u.list.n);
		free(o);
		return n;
	}
	}
	die("decoded an unknown type");
	return 0;
}

static void
check_decoded(const uint8_t *d, size_t len, const struct wire_msg *m)
{
	static uint8_t again[MAX_DGRAM], canon[MAX_DGRAM];
	struct wire_lsa_entry le;
	struct wire_summary_entry se;
	struct wire_msg m2;
	enum wire_reject why;
	size_t i, n;
	volatile uint32_t sink = 0;

	switch (m->hdr.type) {
	case WIRE_PROBE:
	case WIRE_PROBE_REPLY:
		if ((m->hdr.type == WIRE_PROBE) != (m->u.probe.ask_seq != 0))
			die("probe ask_seq accepted inconsistent with type");
		if ((m->u.probe.flags & WIRE_PROBE_F_ANSWER) &&
		    m->u.probe.ans_seq == 0)
			die("answer to probe seq 0 accepted");
		break;
	case WIRE_LSA:
	case WIRE_LSA_DELTA:
		if (m->hdr.type == WIRE_LSA && (m->u.lsa.name[0] == '\0' ||
		    memchr(m->u.lsa.name, '\0', sizeof(m->u.lsa.name)) == NULL))
			die("LSA name empty or not terminated");
		if (m->u.lsa.nparts == 0 || m->u.lsa.part >= m->u.lsa.nparts ||
		    m->u.lsa.origin == 0)
			die("LSA part/nparts/origin accepted out of range");
		if (m->hdr.type == WIRE_LSA_DELTA &&
		    m->u.lsa.base_seq >= m->u.lsa.seq)
			die("LSA delta base not older than its row accepted");
		if (!inside(m->u.lsa.entries,
		    (size_t)m->u.lsa.nentries * WIRE_LSA_ENTRY_LEN, d, len))
			die("LSA entries outside the datagram");
		for (i = 0; i < m->u.lsa.nentries; i++) {
			wire_lsa_entry(&m->u.lsa, i, &le);
			sink += le.peer + le.rtt + le.loss + le.state;
		}
		break;
	case WIRE_SUMMARY:
		if (!inside(m->u.list.p,
		    (size_t)m->u.list.n * WIRE_SUMMARY_ENTRY_LEN, d, len))
			die("summary entries outside the datagram");
		for (i = 0; i < m->u.list.n; i++) {
			wire_summary_entry(&m->u.list, i, &se);
			sink += se.origin + se.boot + se.seq;
		}
		break;
	case WIRE_REQUEST:
	case WIRE_ORIGIN_REQUEST:
		if (!inside(m->u.list.p, (size_t)m->u.list.n * 4, d, len))
			die("request entries outside the datagram");
		for (i = 0; i < m->u.list.n; i++)
			sink += wire_request_entry(&m->u.list, i);
		break;
	case WIRE_ORIGINS: {
		struct wire_origin_iter it = { 0, 0 };
		struct wire_origin o;

		if (!inside(m->u.list.p, 0, d, len))
			die("declarations outside the datagram");
		for (i = 0; i < m->u.list.n; i++) {
			if (wire_origin_next(&m->u.list, &it, &o) == -1)
				die("a decoded declaration does not read");
			if (it.off > (size_t)(d + len - m->u.list.p))
				die("a declaration past the datagram");
			if (wire_origin_full_id(&o) != o.id)
				die("a declaration with a wrong id accepted");
			sink += o.id + o.nprefixes;
		}
		if (wire_origin_next(&m->u.list, &it, &o) != -1)
			die("more declarations than the count");
		break;
	}
	default:
		die("accepted an unknown type");
	}
	(void)sink;

	/* Round trip: the canonical form of the input (reserved and padding
	 * zeroed, MAC recomputed) must equal the re-encoding. */
	n = reencode(m, again, sizeof(again));
	if (n != len)
		die("re-encoded length differs");
	memcpy(canon, d, len);
	canon[7] = 0;	/* byte 6 is the sender's max version, kept */
	if (m->hdr.type == WIRE_SUMMARY || m->hdr.type == WIRE_REQUEST ||
	    m->hdr.type == WIRE_ORIGINS || m->hdr.type == WIRE_ORIGIN_REQUEST)
		put16(canon + WIRE_HDR_LEN + 2, 0);
	seal(canon, len);
	if (memcmp(canon, again, len) != 0)
		die("re-encoding differs from the datagram");
	if (wire_decode(key, 0, again, n, &m2, &why) != 0)
		die("re-encoded datagram does not decode");
	if (memcmp(&m2.hdr, &m->hdr, sizeof(m->hdr)) != 0)
		die("header changed in round trip");
}

/* What the receiver knows of the sender of a compact probe. */
static const struct wire_compact_ctx cctx = {
	.sender = 0x01020304, .have_boot = 1, .boot = 7, .top = 42,
	.window = 64, .ask_ref = 9, .ans_ref = 9,
};

static void
check_compact(const uint8_t *d, size_t len, const struct wire_msg *m,
    const struct wire_compact_ctx *c)
{
	static uint8_t again[WIRE_MTU];
	const struct wire_probe *p = &m->u.probe;
	struct wire_msg m2;
	enum wire_reject why;
	size_t n;

	if (len != WIRE_COMPACT_LEN)
		die("compact probe of another length accepted");
	if (m->hdr.type != WIRE_PROBE && m->hdr.type != WIRE_PROBE_REPLY)
		die("compact datagram of another type accepted");
	if ((m->hdr.type == WIRE_PROBE) != (p->ask_seq != 0))
		die("compact ask_seq accepted inconsistent with type");
	if ((p->flags & WIRE_PROBE_F_ANSWER) && p->ans_seq == 0)
		die("compact answer to probe seq 0 accepted");
	if (m->hdr.sender != c->sender || (uint32_t)m->hdr.seq != get32(d + 8))
		die("compact sender or sequence not the context's");
	if (p->digest_mask != 0xffffffff00000000ULL ||
	    (p->digest & ~p->digest_mask) != 0)
		die("compact digest has bits it did not carry");
	if (p->hold_ms > WIRE_COMPACT_HOLD_MAX ||
	    wire_compact_hold(p->hold_ms) != p->hold_ms)
		die("compact hold not one the form carries");
	/* it re-encodes to itself, and decodes again to the same */
	n = wire_encode_probe_compact(again, sizeof(again), key, &m->hdr, p);
	if (n != len || memcmp(again, d, len) != 0)
		die("compact re-encoding differs from the datagram");
	if (wire_decode_compact(key, 0, c, again, n, &m2, &why) != 0 ||
	    memcmp(&m2.hdr, &m->hdr, sizeof(m->hdr)) != 0 ||
	    memcmp(&m2.u.probe, p, sizeof(*p)) != 0)
		die("compact round trip changed the message");
}

static void
one(const uint8_t *d, size_t len)
{
	struct wire_msg m;
	struct wire_compact_ctx c = cctx;
	enum wire_reject why = REJ_MAX;

	if (wire_is_compact(d, len)) {
		if (wire_decode_compact(key, 0, &c, d, len, &m, &why) == 0)
			check_compact(d, len, &m, &c);
		else if ((unsigned)why >= REJ_MAX)
			die("compact rejected without a reason");
		/* the same bytes with nothing heard of the sender */
		c.have_boot = 0;
		c.ask_ref = 0;
		why = REJ_MAX;
		if (wire_decode_compact(key, 0, &c, d, len, &m, &why) == 0)
			check_compact(d, len, &m, &c);
		else if ((unsigned)why >= REJ_MAX)
			die("compact rejected without a reason");
		/* the full decoder never takes one */
		if (wire_decode(key, 0, d, len, &m, &why) == 0 ||
		    why != (len < WIRE_HDR_LEN + WIRE_MAC_LEN ? REJ_SHORT :
		    REJ_MAGIC))
			die("full decoder took a compact datagram");
		return;
	}
	if (wire_decode(key, 0, d, len, &m, &why) == 0)
		check_decoded(d, len, &m);
	else if ((unsigned)why >= REJ_MAX)
		die("rejected without a reason");
}

/* 24 bytes of the input (padded with zeros), sealed as compact. */
static uint8_t *
forge_compact(const uint8_t *p, size_t n, size_t *lenp)
{
	uint8_t *d;

	if ((d = calloc(1, WIRE_COMPACT_LEN)) == NULL)
		abort();
	memcpy(d, p, n < WIRE_COMPACT_LEN - WIRE_MAC_LEN ? n :
	    WIRE_COMPACT_LEN - WIRE_MAC_LEN);
	fuzz_seal_compact(key, 0, cctx.sender, wire_compact_seq(&cctx,
	    get32(d + 4), get32(d + 8)), d);
	*lenp = WIRE_COMPACT_LEN;
	return d;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *d;
	size_t len;

	if (size < 1)
		return 0;
	if (data[0] >= 0x30 && data[0] < 0x40)
		d = forge_compact(data + 1, size - 1, &len);
	else if (data[0] < 0x40) {
		len = size - 1;
		if ((d = malloc(len ? len : 1)) == NULL)
			abort();
		memcpy(d, data + 1, len);
	} else
		d = forge(data[0] & 15, data + 1, size - 1, &len);
	one(d, len);
	free(d);
	return 0;
}

/* ------------------------------------------------------------- seeds */

static void
write_seed(const char *dir, const char *name, uint8_t mode,
    const uint8_t *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL) {
		perror(path);
		exit(1);
	}
	fputc(mode, f);
	fwrite(p, 1, n, f);
	fclose(f);
}

/* One seed per type: raw (whole datagram) and forged (body only). */
static void
seed_pair(const char *dir, const char *name, const uint8_t *dg, size_t n)
{
	char nm[256];

	if (n == 0) {
		fprintf(stderr, "seed %s does not encode\n", name);
		exit(1);
	}
	snprintf(nm, sizeof(nm), "raw-%s", name);
	write_seed(dir, nm, 0x00, dg, n);
	snprintf(nm, sizeof(nm), "body-%s", name);
	write_seed(dir, nm, 0x40 | dg[3], dg + WIRE_HDR_LEN,
	    n - WIRE_HDR_LEN - WIRE_MAC_LEN);
}

static void
write_seeds(const char *dir)
{
	static uint8_t dg[WIRE_MTU];
	struct wire_hdr h = { .sender = 0x01020304, .boot = 7, .seq = 42 };
	struct wire_probe pr = { WIRE_PROBE_F_ANSWER, 0x03, 110, 9, 8, 5000,
	    0xdeadbeefcafef00dULL };
	struct wire_lsa l;
	struct wire_lsa_entry le[3] = {
		{ 0x11111111, 123, 0, 1 },
		{ 0x22222222, WIRE_RTT_UNKNOWN, 200, 0 },
		{ 0x33333333, 4000, 10, 2 },
	};
	struct wire_summary_entry se[2] = {
		{ 0x11111111, 7, 3 }, { 0x22222222, 8, 1 },
	};
	uint32_t rq[3] = { 0x11111111, 0x22222222, 0x33333333 };

	h.type = WIRE_PROBE;
	seed_pair(dir, "probe", dg, wire_encode_probe(dg, sizeof(dg), key,
	    &h, &pr));
	/* compact (version 6), as cctx expects: raw, and before its MAC */
	h.seq = 43;
	pr.ans_seq = 9;
	pr.hold_ms = 112;
	pr.ask_seq = 10;
	write_seed(dir, "raw-probe-compact", 0x00, dg,
	    wire_encode_probe_compact(dg, sizeof(dg), key, &h, &pr));
	write_seed(dir, "body-probe-compact", 0x30, dg,
	    WIRE_COMPACT_LEN - WIRE_MAC_LEN);
	h.seq = 42;
	pr.ans_seq = 8;
	pr.hold_ms = 110;
	pr.ask_seq = 9;
	h.type = WIRE_PROBE_REPLY;
	pr.ask_seq = 0;
	pr.hold_ms = 0;
	seed_pair(dir, "probe-reply", dg, wire_encode_probe(dg, sizeof(dg),
	    key, &h, &pr));
	h.type = WIRE_LSA;
	memset(&l, 0, sizeof(l));
	l.origin = 0x44444444;
	l.boot = 7;
	l.seq = 3;
	l.age = 1;
	l.part = 0;
	l.nparts = 1;
	snprintf(l.name, sizeof(l.name), "ams-1");
	l.nentries = 3;
	seed_pair(dir, "lsa", dg, wire_encode_lsa(dg, sizeof(dg), key, &h,
	    &l, le));
	/* version 5: a cache address; the version 4 form of the same row */
	snprintf(l.cache, sizeof(l.cache), "[2001:db8::1]:8080");
	seed_pair(dir, "lsa-cache", dg, wire_encode_lsa(dg, sizeof(dg), key,
	    &h, &l, le));
	h.version = 4;
	h.maxver = 5;
	seed_pair(dir, "lsa-v4", dg, wire_encode_lsa(dg, sizeof(dg), key, &h,
	    &l, le));
	h.version = 0;
	h.maxver = 0;
	l.cache[0] = '\0';
	l.part = 1;
	l.nparts = 2;
	l.nentries = 0;
	seed_pair(dir, "lsa-part", dg, wire_encode_lsa(dg, sizeof(dg), key,
	    &h, &l, le));
	h.type = WIRE_LSA_DELTA;
	l.base_seq = 2;
	l.nentries = 2;
	seed_pair(dir, "lsa-delta", dg, wire_encode_lsa_delta(dg, sizeof(dg),
	    key, &h, &l, le));
	h.type = WIRE_SUMMARY;
	seed_pair(dir, "summary", dg, wire_encode_summary(dg, sizeof(dg), key,
	    &h, se, 2));
	h.type = WIRE_REQUEST;
	seed_pair(dir, "request", dg, wire_encode_request(dg, sizeof(dg), key,
	    &h, rq, 3));
	seed_pair(dir, "request-empty", dg, wire_encode_request(dg,
	    sizeof(dg), key, &h, rq, 0));
	h.type = WIRE_ORIGIN_REQUEST;
	seed_pair(dir, "origin-request", dg, wire_encode_request(dg,
	    sizeof(dg), key, &h, rq, 2));
	{
		struct wire_origin o[2];
		char err[160];

		memset(o, 0, sizeof(o));
		snprintf(o[0].name, sizeof(o[0].name), "www");
		prefix_parse("192.0.2.0/24", &o[0].prefixes[0], err,
		    sizeof(err));
		prefix_parse("2001:db8::/48", &o[0].prefixes[1], err,
		    sizeof(err));
		o[0].nprefixes = 2;
		o[0].id = wire_origin_id(o[0].name, o[0].prefixes, 2);
		snprintf(o[1].name, sizeof(o[1].name), "db");
		prefix_parse("198.51.100.128/25", &o[1].prefixes[0], err,
		    sizeof(err));
		o[1].nprefixes = 1;
		o[1].id = wire_origin_id(o[1].name, o[1].prefixes, 1);
		h.type = WIRE_ORIGINS;
		seed_pair(dir, "origins", dg, wire_encode_origins(dg,
		    sizeof(dg), key, &h, o, 2));
		h.version = 4;
		seed_pair(dir, "origins-v4", dg, wire_encode_origins(dg,
		    sizeof(dg), key, &h, o, 2));
		h.version = 0;
		/* version 5: static and regional tier policies */
		o[0].tier_mode = WIRE_TIER_STATIC;
		o[0].ntiers = 2;
		o[0].tiers[0] = 0x11111111;
		o[0].tiers[1] = 0x22222222;
		o[0].id = wire_origin_full_id(&o[0]);
		o[1].tier_mode = WIRE_TIER_REGIONAL;
		o[1].tier_k = 2;
		o[1].id = wire_origin_full_id(&o[1]);
		seed_pair(dir, "origins-policy", dg, wire_encode_origins(dg,
		    sizeof(dg), key, &h, o, 2));
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir;
	size_t i;

	(void)argc;
	(void)argv;
	if (wire_init() == -1)
		abort();
	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0xa0 + i);
	if ((dir = getenv("ARGO_FUZZ_WRITE_SEEDS")) != NULL) {
		write_seeds(dir);
		exit(0);
	}
	return 0;
}
