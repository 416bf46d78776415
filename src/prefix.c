/*
 * IP prefixes: parsing, canonical text and comparison. See prefix.h.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "prefix.h"
#include "units.h"

static size_t
alen(const struct prefix *p)
{
	return p->family == AF_INET ? 4 : 16;
}

/* Clear the host bits; returns whether any were set. */
static int
mask(struct prefix *p)
{
	size_t i;
	unsigned bits;
	uint8_t m;
	int set = 0;

	for (i = 0; i < alen(p); i++) {
		bits = i * 8 >= p->len ? 0 : p->len - (unsigned)i * 8;
		m = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
		if (p->addr[i] & ~m)
			set = 1;
		p->addr[i] &= m;
	}
	return set;
}

const char *
prefix_parse(const char *s, struct prefix *p, char *err, size_t errlen)
{
	char addr[INET6_ADDRSTRLEN], norm[PREFIX_STRLEN];
	const char *slash;
	uint64_t len;
	unsigned max;

	memset(p, 0, sizeof(*p));
	if ((slash = strchr(s, '/')) == NULL) {
		snprintf(err, errlen, "prefix \"%s\": missing /LENGTH", s);
		return err;
	}
	if ((size_t)(slash - s) >= sizeof(addr)) {
		snprintf(err, errlen, "prefix \"%s\": bad address", s);
		return err;
	}
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	if (inet_pton(AF_INET, addr, p->addr) == 1) {
		p->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, p->addr) == 1) {
		p->family = AF_INET6;
		max = 128;
	} else {
		snprintf(err, errlen, "prefix \"%s\": \"%s\" is not an IPv4 "
		    "or IPv6 address", s, addr);
		return err;
	}
	if (units_count(slash + 1, &len) != NULL || len > max) {
		snprintf(err, errlen, "prefix \"%s\": length must be 0..%u", s,
		    max);
		return err;
	}
	p->len = (uint8_t)len;
	if (mask(p)) {
		snprintf(err, errlen, "prefix %s has host bits set, did you "
		    "mean %s?", s, prefix_fmt(p, norm, sizeof(norm)));
		return err;
	}
	return NULL;
}

char *
prefix_fmt(const struct prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (inet_ntop(p->family, p->addr, a, sizeof(a)) == NULL)
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, p->len);
	return buf;
}

int
prefix_cmp(const struct prefix *a, const struct prefix *b)
{
	int r;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if ((r = memcmp(a->addr, b->addr, alen(a))) != 0)
		return r < 0 ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return 0;
}

int
prefix_equal(const struct prefix *a, const struct prefix *b)
{
	return prefix_cmp(a, b) == 0;
}
