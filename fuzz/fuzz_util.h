/*
 * Helpers shared by the fuzz harnesses: big-endian fields written and
 * read at fixed offsets (to forge or patch datagrams, which wire.c's
 * sequential wbuf does not do), and the datagram MAC computed here
 * rather than by wire.c, so that a harness checks wire.c against an
 * independent construction.
 */
#ifndef ARGO_FUZZ_UTIL_H
#define ARGO_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "wire.h"

static inline void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static inline void
put64(uint8_t *p, uint64_t v)
{
	put32(p, v >> 32);
	put32(p + 4, v & 0xffffffff);
}

static inline uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* wire.c's construction: keyed BLAKE2b, 16 bytes, over the receiver's id
 * (big-endian) and everything before the MAC, written into the datagram's
 * last WIRE_MAC_LEN bytes. */
static inline void
fuzz_seal(const uint8_t key[WIRE_KEY_LEN], uint32_t receiver, uint8_t *d,
    size_t len)
{
	crypto_generichash_state st;
	uint8_t rcv[4];

	rcv[0] = (uint8_t)(receiver >> 24);
	rcv[1] = (uint8_t)(receiver >> 16);
	rcv[2] = (uint8_t)(receiver >> 8);
	rcv[3] = (uint8_t)receiver;
	crypto_generichash_init(&st, key, WIRE_KEY_LEN, WIRE_MAC_LEN);
	crypto_generichash_update(&st, rcv, sizeof(rcv));
	crypto_generichash_update(&st, d, len - WIRE_MAC_LEN);
	crypto_generichash_final(&st, d + len - WIRE_MAC_LEN, WIRE_MAC_LEN);
}

/* A compact probe's (wire.h): receiver, the 24 bytes sent, sender, the
 * expanded 64-bit sequence, into bytes 24..39. */
static inline void
fuzz_seal_compact(const uint8_t key[WIRE_KEY_LEN], uint32_t receiver,
    uint32_t sender, uint64_t seq, uint8_t *d)
{
	crypto_generichash_state st;
	uint8_t rcv[4], q[12];

	put32(rcv, receiver);
	put32(q, sender);
	put64(q + 4, seq);
	crypto_generichash_init(&st, key, WIRE_KEY_LEN, WIRE_MAC_LEN);
	crypto_generichash_update(&st, rcv, sizeof(rcv));
	crypto_generichash_update(&st, d, WIRE_COMPACT_LEN - WIRE_MAC_LEN);
	crypto_generichash_update(&st, q, sizeof(q));
	crypto_generichash_final(&st, d + WIRE_COMPACT_LEN - WIRE_MAC_LEN,
	    WIRE_MAC_LEN);
}

#endif
