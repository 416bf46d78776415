/*
 * IP prefixes in binary. The config's "ADDRESS/LENGTH" text is parsed
 * once (prefix_parse); the engine and the forwarding layer then carry
 * prefixes by value and key their tables on them, and text comes back
 * only for people (prefix_fmt, the form argod.conf(5) prints).
 *
 * A parsed prefix has its host bits clear and, for IPv4, the bytes past
 * the fourth zero.
 */
#ifndef ARGO_PREFIX_H
#define ARGO_PREFIX_H

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>

struct prefix {
	uint8_t		family;		/* AF_INET, AF_INET6 */
	uint8_t		len;		/* bits */
	uint8_t		addr[16];	/* network order */
};

/* The longest canonical text, "ffff:...:255.255.255.255/128", and NUL. */
#define PREFIX_STRLEN	(INET6_ADDRSTRLEN + 4)

/*
 * Text to binary, IPv4 or IPv6. NULL on success; else err holds the
 * message, for "file:line: MESSAGE", and is returned. Messages quote s
 * and need under strlen(s) + 100 bytes. Host bits are refused, but *p is
 * then the prefix without them (the message suggests it).
 */
const char	*prefix_parse(const char *s, struct prefix *p, char *err,
		    size_t errlen);
/* Canonical text: inet_ntop(3), "/", the length. Returns buf. */
char		*prefix_fmt(const struct prefix *, char *buf, size_t len);
/* By family, then address, then length (shorter first). */
int		 prefix_cmp(const struct prefix *, const struct prefix *);
int		 prefix_equal(const struct prefix *, const struct prefix *);

#endif
