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

/* wire.c's construction: keyed BLAKE2b, 16 bytes, over everything before
 * the MAC, written into the datagram's last WIRE_MAC_LEN bytes. */
static inline void
fuzz_seal(const uint8_t key[WIRE_KEY_LEN], uint8_t *d, size_t len)
{
	crypto_generichash(d + len - WIRE_MAC_LEN, WIRE_MAC_LEN, d,
	    len - WIRE_MAC_LEN, key, WIRE_KEY_LEN);
}

#endif
