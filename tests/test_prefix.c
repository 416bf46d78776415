/*
 * prefix.c: parsing to the canonical binary form, the config's error
 * messages, canonical text, and ordering.
 */
#include "config.h"

#include <sys/socket.h>

#include <stdio.h>
#include <string.h>

#include "prefix.h"
#include "tap.h"

/* Parse s and print it back; "" on error, with the message in err. */
static const char *
roundtrip(const char *s, char *err, size_t errlen)
{
	static char buf[PREFIX_STRLEN];
	struct prefix p;

	err[0] = '\0';
	if (prefix_parse(s, &p, err, errlen) != NULL)
		return "";
	return prefix_fmt(&p, buf, sizeof(buf));
}

static int
refused(const char *s, const char *want)
{
	char err[256];

	roundtrip(s, err, sizeof(err));
	if (strcmp(err, want) == 0)
		return 1;
	printf("#   %s: got \"%s\"\n", s, err);
	return 0;
}

int
main(void)
{
	struct prefix a, b;
	char err[256], buf[PREFIX_STRLEN];

	ok(prefix_parse("10.1.0.0/24", &a, err, sizeof(err)) == NULL &&
	    a.family == AF_INET && a.len == 24 && a.addr[0] == 10 &&
	    a.addr[1] == 1, "IPv4");
	ok(prefix_parse("2001:db8::/32", &a, err, sizeof(err)) == NULL &&
	    a.family == AF_INET6 && a.len == 32 && a.addr[1] == 0x01,
	    "IPv6");
	ok(strcmp(roundtrip("2001:DB8:0::/032", err, sizeof(err)),
	    "2001:db8::/32") == 0, "canonical text");
	ok(strcmp(roundtrip("0.0.0.0/0", err, sizeof(err)), "0.0.0.0/0") == 0 &&
	    strcmp(roundtrip("::/0", err, sizeof(err)), "::/0") == 0 &&
	    strcmp(roundtrip("192.0.2.1/32", err, sizeof(err)),
	    "192.0.2.1/32") == 0 &&
	    strcmp(roundtrip("2001:db8::1/128", err, sizeof(err)),
	    "2001:db8::1/128") == 0, "lengths 0 and full");

	ok(refused("10.1.0.0", "prefix \"10.1.0.0\": missing /LENGTH"),
	    "no length");
	ok(refused("x/8", "prefix \"x/8\": \"x\" is not an IPv4 or IPv6 "
	    "address"), "not an address");
	ok(refused("10.1.0.0/33", "prefix \"10.1.0.0/33\": length must be "
	    "0..32") && refused("::/129", "prefix \"::/129\": length must "
	    "be 0..128") && refused("10.0.0.0/", "prefix \"10.0.0.0/\": "
	    "length must be 0..32") && refused("10.0.0.0/8.0", "prefix "
	    "\"10.0.0.0/8.0\": length must be 0..32"), "bad lengths");
	ok(refused("0123456789012345678901234567890123456789012345/8",
	    "prefix \"0123456789012345678901234567890123456789012345/8\": "
	    "bad address"), "address too long");
	ok(refused("10.1.2.3/16", "prefix 10.1.2.3/16 has host bits set, did "
	    "you mean 10.1.0.0/16?") && refused("2001:db8::1/64", "prefix "
	    "2001:db8::1/64 has host bits set, did you mean 2001:db8::/64?"),
	    "host bits");
	prefix_parse("10.1.2.3/23", &a, err, sizeof(err));
	ok(strcmp(prefix_fmt(&a, buf, sizeof(buf)), "10.1.2.0/23") == 0,
	    "host bits: the prefix without them");

	prefix_parse("10.1.0.0/16", &a, err, sizeof(err));
	prefix_parse("10.1.0.0/24", &b, err, sizeof(err));
	ok(prefix_cmp(&a, &b) < 0 && prefix_cmp(&b, &a) > 0 &&
	    !prefix_equal(&a, &b), "same address: shorter first");
	prefix_parse("10.2.0.0/16", &b, err, sizeof(err));
	ok(prefix_cmp(&a, &b) < 0, "by address");
	prefix_parse("::/0", &b, err, sizeof(err));
	ok(prefix_cmp(&a, &b) < 0, "IPv4 before IPv6");
	prefix_parse("10.1.0.0/16", &b, err, sizeof(err));
	ok(prefix_equal(&a, &b) && prefix_cmp(&a, &b) == 0, "equal");
	return done_testing();
}
