/*
 * Encoding and decoding of argod datagrams; see wire.h for the layout.
 *
 * Decoding order matters: the fixed header is checked for shape (magic,
 * version, length), then the MAC over the whole datagram, and only then is
 * the body parsed, through the bounded reader, against the per-type
 * minimum length in wire_types[]. Nothing unauthenticated is interpreted.
 * Versions WIRE_VERSION_MIN to WIRE_VERSION decode; which form an
 * encoder writes is the header's version. Compact probes (version 6)
 * have a decoder of their own, wire_decode_compact(), because what they
 * leave out is expanded from what the receiver knows of the sender.
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "wire.h"

const char *const wire_reject_names[REJ_MAX] = {
	[REJ_SHORT] = "short",
	[REJ_MAGIC] = "bad_magic",
	[REJ_VERSION] = "bad_version",
	[REJ_LENGTH] = "bad_length",
	[REJ_MAC] = "bad_mac",
	[REJ_TYPE] = "unknown_type",
	[REJ_TRUNCATED] = "truncated",
	[REJ_MALFORMED] = "malformed",
	[REJ_REPLAY] = "replay",
	[REJ_BELOW_WINDOW] = "below_window",
	[REJ_DUPLICATE] = "duplicate",
	[REJ_UNKNOWN_PEER] = "unknown_peer",
	[REJ_SENDER] = "sender_mismatch",
};

const char *const wire_type_names[WIRE_TYPE_MAX] = {
	[0] = "none",
	[WIRE_PROBE] = "probe",
	[WIRE_PROBE_REPLY] = "probe_reply",
	[WIRE_LSA] = "lsa",
	[WIRE_SUMMARY] = "summary",
	[WIRE_REQUEST] = "request",
	[WIRE_LSA_DELTA] = "lsa_delta",
	[WIRE_ORIGINS] = "origins",
	[WIRE_ORIGIN_REQUEST] = "origin_request",
};

/*
 * The header is magic (2), version (1), type (1): wire_put_hdr(); a
 * compact probe's type byte carries a flag too.
 */
enum wire_type
wire_sent_type(const uint8_t *buf, size_t len)
{
	uint8_t t;

	if (len < 4)
		return 0;
	t = buf[3];
	if (wire_is_compact(buf, len))
		t &= (uint8_t)~WIRE_COMPACT_F_ANSWER;
	if (t >= WIRE_TYPE_MAX)
		return 0;
	return (enum wire_type)t;
}

/* Minimum body length per type (BIRD's tlv_data[] pattern). */
static const struct {
	const char	*name;
	size_t		 min_len;
} wire_types[WIRE_TYPE_MAX] = {
	[WIRE_PROBE] =		{ "probe", 1 + 1 + 2 + 4 + 4 + 4 + 8 },
	[WIRE_PROBE_REPLY] =	{ "probe-reply", 1 + 1 + 2 + 4 + 4 + 4 + 8 },
	[WIRE_LSA] =		{ "lsa", 4 + 4 + 4 + 2 + 1 + 1 + 1 + 1 + 2 },
	[WIRE_SUMMARY] =	{ "summary", 2 + 2 },
	[WIRE_REQUEST] =	{ "request", 2 + 2 },
	[WIRE_LSA_DELTA] =	{ "lsa-delta", 4 + 4 + 4 + 4 + 8 + 2 + 2 },
	[WIRE_ORIGINS] =	{ "origins", 2 + 2 },
	[WIRE_ORIGIN_REQUEST] =	{ "origin-request", 2 + 2 },
};

static int	get_origin(struct rbuf *, struct wire_origin *, unsigned);

static unsigned
hdr_version(const struct wire_hdr *h)
{
	return h->version != 0 ? h->version : WIRE_VERSION;
}

int
wire_cache_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n > WIRE_CACHE_MAX)
		return -1;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '-' || s[i] == ':' || s[i] == '[' || s[i] == ']' ||
		    s[i] == '_'))
			return -1;
	return 0;
}

void
rbuf_init(struct rbuf *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->err = 0;
}

size_t
rbuf_left(const struct rbuf *r)
{
	return r->len - r->off;
}

static int
rbuf_need(struct rbuf *r, size_t n)
{
	if (r->err || r->len - r->off < n) {
		r->err = 1;
		return -1;
	}
	return 0;
}

int
rbuf_get_u8(struct rbuf *r, uint8_t *v)
{
	if (rbuf_need(r, 1) == -1)
		return -1;
	*v = r->p[r->off++];
	return 0;
}

int
rbuf_get_u16(struct rbuf *r, uint16_t *v)
{
	if (rbuf_need(r, 2) == -1)
		return -1;
	*v = (uint16_t)(r->p[r->off] << 8 | r->p[r->off + 1]);
	r->off += 2;
	return 0;
}

int
rbuf_get_u32(struct rbuf *r, uint32_t *v)
{
	const uint8_t *p;

	if (rbuf_need(r, 4) == -1)
		return -1;
	p = r->p + r->off;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	r->off += 4;
	return 0;
}

int
rbuf_get_u64(struct rbuf *r, uint64_t *v)
{
	uint32_t hi, lo;

	if (rbuf_need(r, 8) == -1)
		return -1;
	rbuf_get_u32(r, &hi);
	rbuf_get_u32(r, &lo);
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

int
rbuf_get_bytes(struct rbuf *r, void *dst, size_t n)
{
	if (rbuf_need(r, n) == -1)
		return -1;
	memcpy(dst, r->p + r->off, n);
	r->off += n;
	return 0;
}

int
rbuf_skip(struct rbuf *r, size_t n, const uint8_t **at)
{
	if (rbuf_need(r, n) == -1)
		return -1;
	if (at != NULL)
		*at = r->p + r->off;
	r->off += n;
	return 0;
}

void
wbuf_init(struct wbuf *w, void *p, size_t cap)
{
	w->p = p;
	w->cap = cap;
	w->len = 0;
	w->err = 0;
}

static int
wbuf_need(struct wbuf *w, size_t n)
{
	if (w->err || w->cap - w->len < n) {
		w->err = 1;
		return -1;
	}
	return 0;
}

void
wbuf_put_u8(struct wbuf *w, uint8_t v)
{
	if (wbuf_need(w, 1) == 0)
		w->p[w->len++] = v;
}

void
wbuf_put_u16(struct wbuf *w, uint16_t v)
{
	if (wbuf_need(w, 2) == -1)
		return;
	w->p[w->len++] = v >> 8;
	w->p[w->len++] = v & 0xff;
}

void
wbuf_put_u32(struct wbuf *w, uint32_t v)
{
	if (wbuf_need(w, 4) == -1)
		return;
	w->p[w->len++] = v >> 24;
	w->p[w->len++] = (v >> 16) & 0xff;
	w->p[w->len++] = (v >> 8) & 0xff;
	w->p[w->len++] = v & 0xff;
}

void
wbuf_put_u64(struct wbuf *w, uint64_t v)
{
	wbuf_put_u32(w, v >> 32);
	wbuf_put_u32(w, v & 0xffffffff);
}

void
wbuf_put_bytes(struct wbuf *w, const void *p, size_t n)
{
	if (wbuf_need(w, n) == -1)
		return;
	memcpy(w->p + w->len, p, n);
	w->len += n;
}

int
wire_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

uint32_t
wire_node_id(const char *name)
{
	uint8_t h[16];
	uint32_t id;

	crypto_generichash(h, sizeof(h), (const uint8_t *)name, strlen(name),
	    NULL, 0);
	id = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
	    (uint32_t)h[2] << 8 | h[3];
	return id ? id : 1;	/* 0 means "none" in places */
}

void
wire_mac(const uint8_t key[WIRE_KEY_LEN], uint32_t receiver,
    const uint8_t *buf, size_t len, uint8_t mac[WIRE_MAC_LEN])
{
	crypto_generichash_state st;
	uint8_t rcv[4];

	rcv[0] = receiver >> 24;
	rcv[1] = (receiver >> 16) & 0xff;
	rcv[2] = (receiver >> 8) & 0xff;
	rcv[3] = receiver & 0xff;
	crypto_generichash_init(&st, key, WIRE_KEY_LEN, WIRE_MAC_LEN);
	crypto_generichash_update(&st, rcv, sizeof(rcv));
	crypto_generichash_update(&st, buf, len);
	crypto_generichash_final(&st, mac, WIRE_MAC_LEN);
}

static void
wire_put_hdr(struct wbuf *w, const struct wire_hdr *h)
{
	wbuf_put_u16(w, WIRE_MAGIC);
	wbuf_put_u8(w, (uint8_t)hdr_version(h));
	wbuf_put_u8(w, h->type);
	wbuf_put_u16(w, 0);		/* length, patched in wire_finish() */
	wbuf_put_u8(w, h->maxver);
	wbuf_put_u8(w, 0);
	wbuf_put_u32(w, h->sender);
	wbuf_put_u32(w, h->boot);
	wbuf_put_u64(w, h->seq);
}

static size_t
wire_finish(struct wbuf *w, const uint8_t key[WIRE_KEY_LEN],
    uint32_t receiver)
{
	size_t total = w->len + WIRE_MAC_LEN;

	if (w->err || total > w->cap || total > 0xffff)
		return 0;
	w->p[4] = total >> 8;
	w->p[5] = total & 0xff;
	wire_mac(key, receiver, w->p, w->len, w->p + w->len);
	w->len = total;
	return total;
}

int
wire_decode(const uint8_t key[WIRE_KEY_LEN], uint32_t receiver,
    const uint8_t *buf, size_t len, struct wire_msg *m, enum wire_reject *why)
{
	struct rbuf r;
	uint8_t mac[WIRE_MAC_LEN], version = 0, namelen = 0, cachelen = 0;
	uint8_t reserved;
	uint16_t magic = 0, length = 0, pad;
	size_t body, per;

	memset(m, 0, sizeof(*m));
	if (len < WIRE_HDR_LEN + WIRE_MAC_LEN) {
		*why = REJ_SHORT;
		return -1;
	}
	rbuf_init(&r, buf, len - WIRE_MAC_LEN);
	rbuf_get_u16(&r, &magic);
	rbuf_get_u8(&r, &version);
	rbuf_get_u8(&r, &m->hdr.type);
	rbuf_get_u16(&r, &length);
	rbuf_get_u8(&r, &m->hdr.maxver);
	rbuf_get_u8(&r, &reserved);
	rbuf_get_u32(&r, &m->hdr.sender);
	rbuf_get_u32(&r, &m->hdr.boot);
	rbuf_get_u64(&r, &m->hdr.seq);
	if (magic != WIRE_MAGIC) {
		*why = REJ_MAGIC;
		return -1;
	}
	if (version < WIRE_VERSION_MIN || version > WIRE_VERSION) {
		*why = REJ_VERSION;
		return -1;
	}
	m->hdr.version = version;
	if (length != len) {
		*why = REJ_LENGTH;
		return -1;
	}
	m->hdr.receiver = receiver;
	wire_mac(key, receiver, buf, len - WIRE_MAC_LEN, mac);
	if (sodium_memcmp(mac, buf + len - WIRE_MAC_LEN, WIRE_MAC_LEN) != 0) {
		*why = REJ_MAC;
		return -1;
	}
	if (m->hdr.type == 0 || m->hdr.type >= WIRE_TYPE_MAX) {
		*why = REJ_TYPE;
		return -1;
	}
	body = rbuf_left(&r);
	/* a version 5 LSA has one more byte, the cache address length */
	if (body < wire_types[m->hdr.type].min_len +
	    (m->hdr.type == WIRE_LSA && version >= 5)) {
		*why = REJ_TRUNCATED;
		return -1;
	}

	switch (m->hdr.type) {
	case WIRE_PROBE:
	case WIRE_PROBE_REPLY:
		rbuf_get_u8(&r, &m->u.probe.flags);
		rbuf_get_u8(&r, &m->u.probe.ans_mask);
		rbuf_get_u16(&r, &m->u.probe.hold_ms);
		rbuf_get_u32(&r, &m->u.probe.ask_seq);
		rbuf_get_u32(&r, &m->u.probe.ans_seq);
		rbuf_get_u32(&r, &m->u.probe.turnaround_us);
		rbuf_get_u64(&r, &m->u.probe.digest);
		m->u.probe.digest_mask = UINT64_MAX;
		/* A probe asks; a reply answers and does not ask. */
		if ((m->u.probe.flags & ~WIRE_PROBE_F_ANSWER) != 0 ||
		    (m->hdr.type == WIRE_PROBE && m->u.probe.ask_seq == 0) ||
		    (m->hdr.type == WIRE_PROBE_REPLY &&
		    (!(m->u.probe.flags & WIRE_PROBE_F_ANSWER) ||
		    m->u.probe.ask_seq != 0 || m->u.probe.hold_ms != 0)) ||
		    ((m->u.probe.flags & WIRE_PROBE_F_ANSWER) &&
		    m->u.probe.ans_seq == 0)) {
			*why = REJ_MALFORMED;
			return -1;
		}
		break;
	case WIRE_LSA:
		m->u.lsa.version = version;
		rbuf_get_u32(&r, &m->u.lsa.origin);
		rbuf_get_u32(&r, &m->u.lsa.boot);
		rbuf_get_u32(&r, &m->u.lsa.seq);
		rbuf_get_u16(&r, &m->u.lsa.age);
		rbuf_get_u8(&r, &m->u.lsa.part);
		rbuf_get_u8(&r, &m->u.lsa.nparts);
		rbuf_get_u8(&r, &namelen);
		if (namelen == 0 || namelen > WIRE_NAME_MAX ||
		    m->u.lsa.nparts == 0 || m->u.lsa.part >= m->u.lsa.nparts ||
		    m->u.lsa.origin == 0) {
			*why = REJ_MALFORMED;
			return -1;
		}
		if (rbuf_get_bytes(&r, m->u.lsa.name, namelen) == -1)
			break;
		m->u.lsa.name[namelen] = '\0';
		if (strlen(m->u.lsa.name) != namelen) {
			*why = REJ_MALFORMED;
			return -1;
		}
		if (version >= 5) {
			if (rbuf_get_u8(&r, &cachelen) == -1)
				break;
			if (cachelen > WIRE_CACHE_MAX) {
				*why = REJ_MALFORMED;
				return -1;
			}
			if (rbuf_get_bytes(&r, m->u.lsa.cache, cachelen) == -1)
				break;
			m->u.lsa.cache[cachelen] = '\0';
			if (strlen(m->u.lsa.cache) != cachelen ||
			    wire_cache_ok(m->u.lsa.cache) == -1) {
				*why = REJ_MALFORMED;
				return -1;
			}
		}
		rbuf_get_u16(&r, &m->u.lsa.nentries);
		per = WIRE_LSA_ENTRY_LEN;
		rbuf_skip(&r, per * m->u.lsa.nentries, &m->u.lsa.entries);
		break;
	case WIRE_LSA_DELTA:
		m->u.lsa.version = version;
		rbuf_get_u32(&r, &m->u.lsa.origin);
		rbuf_get_u32(&r, &m->u.lsa.boot);
		rbuf_get_u32(&r, &m->u.lsa.seq);
		rbuf_get_u32(&r, &m->u.lsa.base_seq);
		rbuf_get_u64(&r, &m->u.lsa.row_hash);
		rbuf_get_u16(&r, &m->u.lsa.age);
		rbuf_get_u16(&r, &m->u.lsa.nentries);
		m->u.lsa.part = 0;
		m->u.lsa.nparts = 1;
		if (m->u.lsa.origin == 0 ||
		    m->u.lsa.base_seq >= m->u.lsa.seq) {
			*why = REJ_MALFORMED;
			return -1;
		}
		rbuf_skip(&r, WIRE_LSA_ENTRY_LEN * m->u.lsa.nentries,
		    &m->u.lsa.entries);
		break;
	case WIRE_ORIGINS: {
		struct wire_origin o;
		size_t i, start;

		m->u.list.version = version;
		rbuf_get_u16(&r, &m->u.list.n);
		rbuf_get_u16(&r, &pad);
		start = r.off;
		for (i = 0; i < m->u.list.n && !r.err; i++)
			if (get_origin(&r, &o, version) == -1 && !r.err) {
				*why = REJ_MALFORMED;
				return -1;
			}
		m->u.list.p = r.p + start;
		break;
	}
	case WIRE_SUMMARY:
	case WIRE_REQUEST:
	case WIRE_ORIGIN_REQUEST:
		m->u.list.version = version;
		rbuf_get_u16(&r, &m->u.list.n);
		rbuf_get_u16(&r, &pad);
		per = m->hdr.type == WIRE_SUMMARY ? WIRE_SUMMARY_ENTRY_LEN : 4;
		rbuf_skip(&r, per * m->u.list.n, &m->u.list.p);
		break;
	}
	if (r.err) {
		*why = REJ_TRUNCATED;
		return -1;
	}
	if (rbuf_left(&r) != 0) {
		/* Trailing bytes: a newer minor format we do not know. */
		*why = REJ_MALFORMED;
		return -1;
	}
	return 0;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

void
wire_lsa_entry(const struct wire_lsa *l, size_t i, struct wire_lsa_entry *e)
{
	const uint8_t *p = l->entries + i * WIRE_LSA_ENTRY_LEN;

	e->peer = get32(p);
	e->rtt = (uint16_t)(p[4] << 8 | p[5]);
	e->loss = p[6];
	e->state = p[7];
}

void
wire_summary_entry(const struct wire_list *l, size_t i,
    struct wire_summary_entry *e)
{
	const uint8_t *p = l->p + i * WIRE_SUMMARY_ENTRY_LEN;

	e->origin = get32(p);
	e->boot = get32(p + 4);
	e->seq = get32(p + 8);
}

uint32_t
wire_request_entry(const struct wire_list *l, size_t i)
{
	return get32(l->p + i * 4);
}

/*
 * One declaration. -1 with r->err set: too short; -1 without: a field out
 * of range (empty or bad name, unknown family, length past the family's,
 * host bits set, too many prefixes, a policy out of shape, an id that is
 * not the content's).
 */
static int
get_origin(struct rbuf *r, struct wire_origin *o, unsigned version)
{
	uint8_t namelen, fam, len;
	size_t i, j;

	memset(o, 0, sizeof(*o));
	rbuf_get_u32(r, &o->id);
	rbuf_get_u8(r, &namelen);
	if (r->err)
		return -1;
	if (namelen == 0 || namelen > WIRE_NAME_MAX)
		return -1;
	if (rbuf_get_bytes(r, o->name, namelen) == -1)
		return -1;
	o->name[namelen] = '\0';
	if (strlen(o->name) != namelen)
		return -1;
	if (rbuf_get_u8(r, &o->nprefixes) == -1)
		return -1;
	if (o->nprefixes == 0 || o->nprefixes > WIRE_ORIGIN_PREFIX_MAX)
		return -1;
	for (i = 0; i < o->nprefixes; i++) {
		struct prefix *p = &o->prefixes[i];
		size_t bytes;

		rbuf_get_u8(r, &fam);
		if (rbuf_get_u8(r, &len) == -1)
			return -1;
		if ((fam != 4 && fam != 6) || len > (fam == 4 ? 32 : 128))
			return -1;
		p->family = fam == 4 ? AF_INET : AF_INET6;
		p->len = len;
		bytes = (len + 7u) / 8;
		if (rbuf_get_bytes(r, p->addr, bytes) == -1)
			return -1;
		if (len % 8 != 0 && (p->addr[bytes - 1] &
		    (uint8_t)(0xff >> (len % 8))) != 0)
			return -1;
		for (j = 0; j < i; j++)
			if (prefix_cmp(&o->prefixes[j], p) >= 0)
				return -1;	/* sorted, no repeats */
	}
	if (version >= 5) {
		rbuf_get_u8(r, &o->tier_mode);
		rbuf_get_u8(r, &o->tier_k);
		if (rbuf_get_u8(r, &o->ntiers) == -1)
			return -1;
		if (o->ntiers > WIRE_TIERS_MAX)
			return -1;
		for (i = 0; i < o->ntiers; i++) {
			if (rbuf_get_u32(r, &o->tiers[i]) == -1)
				return -1;
			if (o->tiers[i] == 0 ||
			    (i > 0 && o->tiers[i] <= o->tiers[i - 1]))
				return -1;	/* ascending, no repeats */
		}
		switch (o->tier_mode) {
		case WIRE_TIER_SMART:
			if (o->tier_k != 0 || o->ntiers != 0)
				return -1;
			break;
		case WIRE_TIER_STATIC:
			if (o->tier_k != 0 || o->ntiers == 0)
				return -1;
			break;
		case WIRE_TIER_REGIONAL:
			if (o->tier_k == 0 || o->tier_k > WIRE_TIERS_MAX)
				return -1;
			break;
		default:
			return -1;
		}
	}
	if (wire_origin_full_id(o) != o->id)
		return -1;
	return 0;
}

int
wire_origin_next(const struct wire_list *l, struct wire_origin_iter *it,
    struct wire_origin *o)
{
	struct rbuf r;

	if (it->i >= l->n)
		return -1;
	/* wire_decode() read every declaration within the datagram */
	rbuf_init(&r, l->p + it->off, WIRE_MTU);
	if (get_origin(&r, o, l->version ? l->version : WIRE_VERSION) == -1)
		return -1;
	it->i++;
	it->off += r.off;
	return 0;
}

static void
hash_origin(crypto_generichash_state *st, const char *name,
    const struct prefix *p, size_t n)
{
	uint8_t b[2];
	size_t i;

	crypto_generichash_init(st, NULL, 0, 16);
	crypto_generichash_update(st, (const uint8_t *)"argod origin", 12);
	crypto_generichash_update(st, (const uint8_t *)name,
	    strlen(name) + 1);
	for (i = 0; i < n; i++) {
		b[0] = p[i].family == AF_INET ? 4 : 6;
		b[1] = p[i].len;
		crypto_generichash_update(st, b, 2);
		crypto_generichash_update(st, p[i].addr, (p[i].len + 7u) / 8);
	}
}

static uint32_t
hash_final(crypto_generichash_state *st)
{
	uint8_t out[16];
	uint32_t id;

	crypto_generichash_final(st, out, sizeof(out));
	id = (uint32_t)out[0] << 24 | (uint32_t)out[1] << 16 |
	    (uint32_t)out[2] << 8 | out[3];
	return id == 0 ? 1 : id;
}

uint32_t
wire_origin_id(const char *name, const struct prefix *p, size_t n)
{
	crypto_generichash_state st;

	hash_origin(&st, name, p, n);
	return hash_final(&st);
}

int
wire_origin_has_policy(const struct wire_origin *o)
{
	return o->tier_mode != WIRE_TIER_SMART || o->tier_k != 0 ||
	    o->ntiers != 0;
}

uint32_t
wire_origin_full_id(const struct wire_origin *o)
{
	crypto_generichash_state st;
	uint8_t b[4];
	size_t i;

	hash_origin(&st, o->name, o->prefixes, o->nprefixes);
	if (wire_origin_has_policy(o)) {
		b[0] = 't';	/* no prefix starts so: no v4 content hashes
				   these bytes */
		b[1] = o->tier_mode;
		b[2] = o->tier_k;
		b[3] = o->ntiers;
		crypto_generichash_update(&st, b, 4);
		for (i = 0; i < o->ntiers; i++) {
			b[0] = (uint8_t)(o->tiers[i] >> 24);
			b[1] = (uint8_t)(o->tiers[i] >> 16);
			b[2] = (uint8_t)(o->tiers[i] >> 8);
			b[3] = (uint8_t)o->tiers[i];
			crypto_generichash_update(&st, b, 4);
		}
	}
	return hash_final(&st);
}

void
wire_origin_base(const struct wire_origin *o, struct wire_origin *b)
{
	*b = *o;
	b->tier_mode = WIRE_TIER_SMART;
	b->tier_k = 0;
	b->ntiers = 0;
	memset(b->tiers, 0, sizeof(b->tiers));
	b->id = wire_origin_id(b->name, b->prefixes, b->nprefixes);
}

size_t
wire_origin_len(const struct wire_origin *o, unsigned version)
{
	size_t n = 4 + 1 + strlen(o->name) + 1, i;

	for (i = 0; i < o->nprefixes; i++)
		n += 2 + (o->prefixes[i].len + 7u) / 8;
	if (version >= 5)
		n += 3 + 4 * (size_t)o->ntiers;
	return n;
}

size_t
wire_encode_origins(uint8_t *buf, size_t cap, const uint8_t key[WIRE_KEY_LEN],
    const struct wire_hdr *h, const struct wire_origin *o, size_t n)
{
	struct wbuf w;
	size_t i, j, namelen;
	unsigned version = hdr_version(h);

	if (n > 0xffff)
		return 0;
	wbuf_init(&w, buf, cap);
	wire_put_hdr(&w, h);
	wbuf_put_u16(&w, (uint16_t)n);
	wbuf_put_u16(&w, 0);
	for (i = 0; i < n; i++) {
		namelen = strlen(o[i].name);
		if (namelen == 0 || namelen > WIRE_NAME_MAX ||
		    o[i].nprefixes == 0 ||
		    o[i].nprefixes > WIRE_ORIGIN_PREFIX_MAX ||
		    o[i].ntiers > WIRE_TIERS_MAX ||
		    (version < 5 && wire_origin_has_policy(&o[i])))
			return 0;
		wbuf_put_u32(&w, o[i].id);
		wbuf_put_u8(&w, (uint8_t)namelen);
		wbuf_put_bytes(&w, o[i].name, namelen);
		wbuf_put_u8(&w, o[i].nprefixes);
		for (j = 0; j < o[i].nprefixes; j++) {
			const struct prefix *p = &o[i].prefixes[j];

			wbuf_put_u8(&w, p->family == AF_INET ? 4 : 6);
			wbuf_put_u8(&w, p->len);
			wbuf_put_bytes(&w, p->addr, (p->len + 7u) / 8);
		}
		if (version >= 5) {
			wbuf_put_u8(&w, o[i].tier_mode);
			wbuf_put_u8(&w, o[i].tier_k);
			wbuf_put_u8(&w, o[i].ntiers);
			for (j = 0; j < o[i].ntiers; j++)
				wbuf_put_u32(&w, o[i].tiers[j]);
		}
	}
	return wire_finish(&w, key, h->receiver);
}

size_t
wire_origins_room(void)
{
	return WIRE_MTU - WIRE_HDR_LEN - 4 - WIRE_MAC_LEN;
}

size_t
wire_encode_probe(uint8_t *buf, size_t cap, const uint8_t key[WIRE_KEY_LEN],
    const struct wire_hdr *h, const struct wire_probe *p)
{
	struct wbuf w;

	wbuf_init(&w, buf, cap);
	wire_put_hdr(&w, h);
	wbuf_put_u8(&w, p->flags);
	wbuf_put_u8(&w, p->ans_mask);
	wbuf_put_u16(&w, p->hold_ms);
	wbuf_put_u32(&w, p->ask_seq);
	wbuf_put_u32(&w, p->ans_seq);
	wbuf_put_u32(&w, p->turnaround_us);
	wbuf_put_u64(&w, p->digest);
	return wire_finish(&w, key, h->receiver);
}

static void
put_entries(struct wbuf *w, const struct wire_lsa_entry *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		wbuf_put_u32(w, e[i].peer);
		wbuf_put_u16(w, e[i].rtt);
		wbuf_put_u8(w, e[i].loss);
		wbuf_put_u8(w, e[i].state);
	}
}

/* The start of an LSA or LSA_DELTA: header, origin, boot, seq. */
static void
put_row_start(struct wbuf *w, uint8_t *buf, size_t cap,
    const struct wire_hdr *h, const struct wire_lsa *l)
{
	wbuf_init(w, buf, cap);
	wire_put_hdr(w, h);
	wbuf_put_u32(w, l->origin);
	wbuf_put_u32(w, l->boot);
	wbuf_put_u32(w, l->seq);
}

size_t
wire_encode_lsa(uint8_t *buf, size_t cap, const uint8_t key[WIRE_KEY_LEN],
    const struct wire_hdr *h, const struct wire_lsa *l,
    const struct wire_lsa_entry *e)
{
	struct wbuf w;
	size_t namelen = strlen(l->name), cachelen = strlen(l->cache);

	if (namelen == 0 || namelen > WIRE_NAME_MAX ||
	    (hdr_version(h) >= 5 && wire_cache_ok(l->cache) == -1))
		return 0;
	put_row_start(&w, buf, cap, h, l);
	wbuf_put_u16(&w, l->age);
	wbuf_put_u8(&w, l->part);
	wbuf_put_u8(&w, l->nparts);
	wbuf_put_u8(&w, (uint8_t)namelen);
	wbuf_put_bytes(&w, l->name, namelen);
	if (hdr_version(h) >= 5) {
		wbuf_put_u8(&w, (uint8_t)cachelen);
		wbuf_put_bytes(&w, l->cache, cachelen);
	}
	wbuf_put_u16(&w, l->nentries);
	put_entries(&w, e, l->nentries);
	return wire_finish(&w, key, h->receiver);
}

size_t
wire_encode_summary(uint8_t *buf, size_t cap, const uint8_t key[WIRE_KEY_LEN],
    const struct wire_hdr *h, const struct wire_summary_entry *e, size_t n)
{
	struct wbuf w;
	size_t i;

	if (n > 0xffff)
		return 0;
	wbuf_init(&w, buf, cap);
	wire_put_hdr(&w, h);
	wbuf_put_u16(&w, (uint16_t)n);
	wbuf_put_u16(&w, 0);
	for (i = 0; i < n; i++) {
		wbuf_put_u32(&w, e[i].origin);
		wbuf_put_u32(&w, e[i].boot);
		wbuf_put_u32(&w, e[i].seq);
	}
	return wire_finish(&w, key, h->receiver);
}

size_t
wire_encode_lsa_delta(uint8_t *buf, size_t cap,
    const uint8_t key[WIRE_KEY_LEN], const struct wire_hdr *h,
    const struct wire_lsa *l, const struct wire_lsa_entry *e)
{
	struct wbuf w;

	if (l->origin == 0 || l->base_seq >= l->seq)
		return 0;
	put_row_start(&w, buf, cap, h, l);
	wbuf_put_u32(&w, l->base_seq);
	wbuf_put_u64(&w, l->row_hash);
	wbuf_put_u16(&w, l->age);
	wbuf_put_u16(&w, l->nentries);
	put_entries(&w, e, l->nentries);
	return wire_finish(&w, key, h->receiver);
}

size_t
wire_encode_request(uint8_t *buf, size_t cap, const uint8_t key[WIRE_KEY_LEN],
    const struct wire_hdr *h, const uint32_t *origins, size_t n)
{
	struct wbuf w;
	size_t i;

	if (n > 0xffff)
		return 0;
	wbuf_init(&w, buf, cap);
	wire_put_hdr(&w, h);
	wbuf_put_u16(&w, (uint16_t)n);
	wbuf_put_u16(&w, 0);
	for (i = 0; i < n; i++)
		wbuf_put_u32(&w, origins[i]);
	return wire_finish(&w, key, h->receiver);
}

size_t
wire_lsa_max_entries_v(unsigned version, size_t namelen, size_t cachelen)
{
	/* min_len already counts one byte of the (non-empty) name */
	size_t fixed = WIRE_HDR_LEN + wire_types[WIRE_LSA].min_len - 1 +
	    namelen + WIRE_MAC_LEN;

	if (version >= 5)
		fixed += 1 + cachelen;
	return (WIRE_MTU - fixed) / WIRE_LSA_ENTRY_LEN;
}

size_t
wire_lsa_max_entries(size_t namelen)
{
	return wire_lsa_max_entries_v(WIRE_VERSION, namelen, 0);
}

size_t
wire_summary_max_entries(void)
{
	return (WIRE_MTU - WIRE_HDR_LEN - 4 - WIRE_MAC_LEN) /
	    WIRE_SUMMARY_ENTRY_LEN;
}

size_t
wire_request_max_entries(void)
{
	return (WIRE_MTU - WIRE_HDR_LEN - 4 - WIRE_MAC_LEN) / 4;
}

size_t
wire_lsa_delta_max_entries(void)
{
	return (WIRE_MTU - WIRE_HDR_LEN - wire_types[WIRE_LSA_DELTA].min_len -
	    WIRE_MAC_LEN) / WIRE_LSA_ENTRY_LEN;
}

/*
 * Compact probes (wire.h). The hold byte is a small float: a 4-bit
 * exponent e and a 4-bit mantissa m, m ms for e 0, (16 | m) << (e - 1)
 * ms above, at most 1/16 above the hold asked for (110 ms goes as 112,
 * 2200 as 2304); e past 12 would not fit hold_ms and is malformed.
 */
#define HOLD_EXP_MAX	12

static unsigned
hold_value(uint8_t code)
{
	unsigned e = code >> 4, m = code & 0xf;

	return e == 0 ? m : (16 | m) << (e - 1);
}

static int
hold_code(unsigned ms, uint8_t *code)
{
	unsigned e, m;

	if (ms < 16) {
		*code = (uint8_t)ms;
		return 0;
	}
	if (ms > WIRE_COMPACT_HOLD_MAX)
		return -1;
	for (e = 1; e <= HOLD_EXP_MAX; e++) {
		m = (ms + (1u << (e - 1)) - 1) >> (e - 1);	/* round up */
		if (m < 32) {
			*code = (uint8_t)(e << 4 | (m & 0xf));
			return 0;
		}
	}
	return -1;
}

unsigned
wire_compact_hold(unsigned ms)
{
	uint8_t code;

	if (hold_code(ms, &code) == -1)
		return 0;
	return hold_value(code);
}

int
wire_is_compact(const uint8_t *buf, size_t len)
{
	return len >= 2 && (buf[0] << 8 | buf[1]) == WIRE_COMPACT_MAGIC;
}

uint64_t
wire_compact_seq(const struct wire_compact_ctx *c, uint32_t boot,
    uint32_t low)
{
	uint64_t base;

	if (!c->have_boot || boot != c->boot)
		return low;	/* a new boot counts from 0 */
	base = c->top >= c->window ? c->top - c->window + 1 : 0;
	return base + (uint32_t)(low - (uint32_t)base);
}

uint32_t
wire_expand16(uint32_t ref, uint16_t low, uint32_t behind)
{
	uint32_t base = ref - behind;

	return base + (uint16_t)(low - (uint16_t)base);
}

/* The compact MAC (wire.h): receiver, the bytes sent, sender, sequence. */
static void
compact_mac(const uint8_t key[WIRE_KEY_LEN], uint32_t receiver,
    const uint8_t *buf, uint32_t sender, uint64_t seq,
    uint8_t mac[WIRE_MAC_LEN])
{
	crypto_generichash_state st;
	uint8_t b[4 + WIRE_COMPACT_LEN - WIRE_MAC_LEN + 4 + 8];
	struct wbuf w;

	wbuf_init(&w, b, sizeof(b));
	wbuf_put_u32(&w, receiver);
	wbuf_put_bytes(&w, buf, WIRE_COMPACT_LEN - WIRE_MAC_LEN);
	wbuf_put_u32(&w, sender);
	wbuf_put_u64(&w, seq);
	crypto_generichash_init(&st, key, WIRE_KEY_LEN, WIRE_MAC_LEN);
	crypto_generichash_update(&st, b, w.len);
	crypto_generichash_final(&st, mac, WIRE_MAC_LEN);
}

size_t
wire_encode_probe_compact(uint8_t *buf, size_t cap,
    const uint8_t key[WIRE_KEY_LEN], const struct wire_hdr *h,
    const struct wire_probe *p)
{
	struct wbuf w;
	uint8_t hold;

	if ((h->type != WIRE_PROBE && h->type != WIRE_PROBE_REPLY) ||
	    (p->flags & ~WIRE_PROBE_F_ANSWER) != 0 ||
	    hold_code(p->hold_ms, &hold) == -1 ||
	    p->turnaround_us > WIRE_COMPACT_TURN_MAX ||
	    cap < WIRE_COMPACT_LEN)
		return 0;
	wbuf_init(&w, buf, cap);
	wbuf_put_u16(&w, WIRE_COMPACT_MAGIC);
	wbuf_put_u8(&w, WIRE_COMPACT_VERSION);
	wbuf_put_u8(&w, (uint8_t)(h->type |
	    (p->flags & WIRE_PROBE_F_ANSWER ? WIRE_COMPACT_F_ANSWER : 0)));
	wbuf_put_u32(&w, h->boot);
	wbuf_put_u32(&w, (uint32_t)h->seq);
	wbuf_put_u16(&w, (uint16_t)p->ask_seq);
	wbuf_put_u8(&w, (uint8_t)p->ans_seq);
	wbuf_put_u8(&w, p->ans_mask);
	wbuf_put_u8(&w, hold);
	wbuf_put_u8(&w, (uint8_t)(p->turnaround_us >> 16));
	wbuf_put_u16(&w, (uint16_t)p->turnaround_us);
	wbuf_put_u32(&w, (uint32_t)(p->digest >> 32));
	if (w.err)
		return 0;
	compact_mac(key, h->receiver, buf, h->sender, h->seq, buf + w.len);
	return WIRE_COMPACT_LEN;
}

/*
 * Asks are expanded at or above the last one seen less ASK_BEHIND (a
 * probe reordered that far is older than the answer's mask reaches);
 * answers at or below our latest ask, which they never pass: 8 bits
 * name every ask an answer can still match (the prober remembers the
 * last PROBE_OUTSTANDING, 64, and matches all 32 bits).
 */
#define ASK_BEHIND	64u

int
wire_decode_compact(const uint8_t key[WIRE_KEY_LEN], uint32_t receiver,
    const struct wire_compact_ctx *c, const uint8_t *buf, size_t len,
    struct wire_msg *m, enum wire_reject *why)
{
	struct rbuf r;
	struct wire_probe *p = &m->u.probe;
	uint8_t mac[WIRE_MAC_LEN], version = 0, tf = 0, hold = 0, ans = 0;
	uint8_t turn_hi = 0;
	uint16_t magic = 0, ask = 0, turn = 0;
	uint32_t low = 0, dig = 0;

	memset(m, 0, sizeof(*m));
	if (len < WIRE_COMPACT_LEN) {
		*why = REJ_SHORT;
		return -1;
	}
	rbuf_init(&r, buf, WIRE_COMPACT_LEN - WIRE_MAC_LEN);
	rbuf_get_u16(&r, &magic);
	rbuf_get_u8(&r, &version);
	rbuf_get_u8(&r, &tf);
	rbuf_get_u32(&r, &m->hdr.boot);
	rbuf_get_u32(&r, &low);
	rbuf_get_u16(&r, &ask);
	rbuf_get_u8(&r, &ans);
	rbuf_get_u8(&r, &p->ans_mask);
	rbuf_get_u8(&r, &hold);
	rbuf_get_u8(&r, &turn_hi);
	rbuf_get_u16(&r, &turn);
	rbuf_get_u32(&r, &dig);
	if (magic != WIRE_COMPACT_MAGIC) {
		*why = REJ_MAGIC;
		return -1;
	}
	if (version < WIRE_COMPACT_VERSION || version > WIRE_VERSION) {
		*why = REJ_VERSION;
		return -1;
	}
	if (len != WIRE_COMPACT_LEN) {
		*why = REJ_LENGTH;
		return -1;
	}
	m->hdr.version = version;
	m->hdr.maxver = version;
	m->hdr.sender = c->sender;
	m->hdr.receiver = receiver;
	m->hdr.seq = wire_compact_seq(c, m->hdr.boot, low);
	compact_mac(key, receiver, buf, c->sender, m->hdr.seq, mac);
	if (sodium_memcmp(mac, buf + WIRE_COMPACT_LEN - WIRE_MAC_LEN,
	    WIRE_MAC_LEN) != 0) {
		*why = REJ_MAC;
		return -1;
	}
	m->hdr.type = tf & ~WIRE_COMPACT_F_ANSWER;
	if (m->hdr.type != WIRE_PROBE && m->hdr.type != WIRE_PROBE_REPLY) {
		*why = REJ_TYPE;
		return -1;
	}
	p->flags = tf & WIRE_COMPACT_F_ANSWER ? WIRE_PROBE_F_ANSWER : 0;
	if (m->hdr.type == WIRE_PROBE)
		p->ask_seq = c->ask_ref == 0 ? ask :
		    wire_expand16(c->ask_ref, ask, ASK_BEHIND);
	if (p->flags & WIRE_PROBE_F_ANSWER)
		p->ans_seq = c->ans_ref - (uint8_t)((uint8_t)c->ans_ref - ans);
	p->hold_ms = (uint16_t)hold_value(hold);
	p->turnaround_us = (uint32_t)turn_hi << 16 | turn;
	p->digest = (uint64_t)dig << 32;
	p->digest_mask = 0xffffffff00000000ULL;
	/* as wire_decode(): a probe asks, a reply answers and only that */
	if ((hold >> 4) > HOLD_EXP_MAX ||
	    (m->hdr.type == WIRE_PROBE && p->ask_seq == 0) ||
	    (m->hdr.type == WIRE_PROBE_REPLY &&
	    (!(p->flags & WIRE_PROBE_F_ANSWER) || ask != 0 || hold != 0)) ||
	    (!(p->flags & WIRE_PROBE_F_ANSWER) && (ans != 0 ||
	    p->ans_mask != 0 || turn_hi != 0 || turn != 0)) ||
	    ((p->flags & WIRE_PROBE_F_ANSWER) && p->ans_seq == 0)) {
		*why = REJ_MALFORMED;
		return -1;
	}
	return 0;
}
