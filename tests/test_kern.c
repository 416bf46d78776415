/*
 * kern.c on the mock backend: make before break, dry run in one place,
 * reconciliation of stale routes and rules, adoption after a restart,
 * EPERM and missing features falling back to dry run, stop and keep.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "kern_mock.h"
#include "log.h"
#include "prefix.h"
#include "tap.h"

static struct kern_addr
A(const char *s)
{
	struct kern_addr a;

	memset(&a, 0, sizeof(a));
	a.family = strchr(s, ':') ? AF_INET6 : AF_INET;
	inet_pton(a.family, s, a.addr);
	return a;
}

static struct prefix
P(const char *s)
{
	struct prefix p;
	char err[160];

	if (prefix_parse(s, &p, err, sizeof(err)) != NULL) {
		printf("Bail out! %s\n", err);
		exit(1);
	}
	return p;
}

static int
has_route(const char *pfx, const char *via)
{
	char buf[PREFIX_STRLEN], v[64];
	size_t i;

	for (i = 0; i < kmock.nroutes; i++) {
		prefix_fmt(&kmock.routes[i].prefix, buf, sizeof(buf));
		inet_ntop(kmock.routes[i].nexthop.family,
		    kmock.routes[i].nexthop.addr, v, sizeof(v));
		if (strcmp(buf, pfx) == 0 && (via == NULL ||
		    strcmp(v, via) == 0))
			return 1;
	}
	return 0;
}

int
main(void)
{
	struct kern_conf kc;
	struct kern *k;
	struct kern_addr a = A("192.0.2.1"), b = A("192.0.2.2"),
	    c6 = A("2001:db8::3");
	struct prefix p1 = P("10.1.0.0/24"), p2 = P("10.2.0.0/24"),
	    p6 = P("2001:db8:1::/48");
	struct prefix rules[] = { p1, p6 };
	size_t i, before;

	log_init("test_kern", LOG_TO_STDERR, -1);
	kern_conf_default(&kc);

	/* Open: creates the tunnel. */
	kmock_reset();
	k = kern_open(&kc);
	ok(!kern_dry_run(k) && kmock.device, "open creates the device");
	kern_rules_set(k, rules, 2);
	is_int(kmock.nrules, 2, "policy rules installed");

	/* Make before break: a next-hop change is one replace. */
	kern_route_set(k, &p1, &a);
	ok(has_route("10.1.0.0/24", "192.0.2.1") && kern_installed(k,
	    &p1), "route installed");
	before = kmock.ncalls;
	kern_route_set(k, &p1, &a);
	is_int(kmock.ncalls, before, "same next hop: no call");
	kern_route_set(k, &p1, &b);
	is_int(kmock.ncalls, before + 1, "next-hop change: one call");
	ok(kmock_called("replace 10.1.0.0/24 via 192.0.2.2") == 1 &&
	    kmock_called("delete 10.1.0.0/24") == 0,
	    "replace, never delete-then-add");
	kern_route_set(k, &p6, &c6);
	ok(has_route("2001:db8:1::/48", "2001:db8::3"), "IPv6 route, v6 "
	    "underlay");
	kern_route_set(k, &p1, NULL);
	ok(!has_route("10.1.0.0/24", NULL) && !kern_installed(k,
	    &p1), "no next hop: route deleted");

	/* Reconcile: stale routes of ours go, wanted ones come back. */
	kern_route_set(k, &p1, &a);
	memset(&kmock.routes[kmock.nroutes], 0, sizeof(kmock.routes[0]));
	kmock.routes[kmock.nroutes].prefix = P("10.99.0.0/16");
	kmock.routes[kmock.nroutes++].nexthop = b;
	for (i = 0; i < kmock.nroutes; i++)	/* someone deleted ours */
		if (has_route("2001:db8:1::/48", NULL) &&
		    kmock.routes[i].prefix.family == AF_INET6) {
			kmock.routes[i] = kmock.routes[--kmock.nroutes];
			break;
		}
	kmock.rules[kmock.nrules++].prefix = P("10.98.0.0/16");
	kern_reconcile(k);
	ok(!has_route("10.99.0.0/16", NULL), "stale route removed");
	ok(has_route("2001:db8:1::/48", "2001:db8::3"), "missing route "
	    "reinstalled");
	ok(has_route("10.1.0.0/24", "192.0.2.1"), "wanted route kept");
	is_int(kmock.nrules, 2, "stale rule removed");
	is_int(kern_stats(k)->stale_removed, 1, "stale counted");

	/* Dry run: withdraw, and nothing reaches the backend. */
	ok(kern_set_dry_run(k, 1) == 0 && kern_dry_run(k), "dry run on");
	is_int(kmock.nroutes, 0, "dry run withdrew the routes");
	is_int(kmock.nrules, 0, "and the rules");
	before = kmock.ncalls;
	kern_route_set(k, &p2, &a);
	kern_route_set(k, &p1, &b);
	kern_reconcile(k);
	is_int(kmock.ncalls, before, "dry run: no backend call at all");
	ok(!kern_installed(k, &p2), "dry run: not installed");
	ok(kern_set_dry_run(k, 0) == 0 && !kern_dry_run(k), "dry run off");
	ok(has_route("10.2.0.0/24", "192.0.2.1") &&
	    has_route("10.1.0.0/24", "192.0.2.2") && kmock.nrules == 2,
	    "leaving dry run installs the desired state");

	/* Close without keep: everything goes. */
	kern_close(k);
	ok(kmock.nroutes == 0 && kmock.nrules == 0 && !kmock.device,
	    "close removes routes, rules and device");

	/* Restart with keep: routes of the previous run are adopted. */
	kmock.device = 1;
	kmock.ncalls = 0;
	kc.keep = 1;
	kmock.routes[0].prefix = p1;
	kmock.routes[0].nexthop = a;
	kmock.routes[1].prefix = P("10.7.0.0/24");
	kmock.routes[1].nexthop = a;
	kmock.nroutes = 2;
	k = kern_open(&kc);
	is_int(kmock.nroutes, 2, "open adopts: nothing deleted at start");
	kern_route_set(k, &p1, &a);
	ok(kmock_called("replace 10.1.0.0/24 via 192.0.2.1") == 1,
	    "first route set replaces in place (no gap)");
	kern_reconcile(k);
	ok(!has_route("10.7.0.0/24", NULL) && has_route("10.1.0.0/24", NULL),
	    "settled reconcile removes only the stale route");
	kern_close(k);
	ok(kmock.nroutes == 1 && kmock.device, "keep: route and device stay");

	/* EPERM and missing features: dry run with a reason. */
	kmock_reset();
	kmock.fail_tunnel = -EPERM;
	kc.keep = 0;
	k = kern_open(&kc);
	ok(kern_dry_run(k) && strstr(kern_reason(k), "CAP_NET_ADMIN") != NULL,
	    "EPERM: dry run, reason names CAP_NET_ADMIN");
	ok(kern_set_dry_run(k, 0) == -1, "cannot leave dry run without "
	    "permission");
	kern_route_set(k, &p1, &a);
	is_int(kmock.nroutes, 0, "nothing installed");
	kern_close(k);
	kmock_reset();
	kmock.fail_tunnel = -EOPNOTSUPP;
	k = kern_open(&kc);
	ok(kern_dry_run(k) && strstr(kern_reason(k), "argo0") != NULL,
	    "missing tunnel support: dry run, reason says what failed");
	kern_close(k);
	kmock_reset();
	kmock.fail_replace = -EOPNOTSUPP;
	k = kern_open(&kc);
	kern_route_set(k, &p1, &a);
	ok(kern_dry_run(k) && strstr(kern_reason(k), "CONFIG_LWTUNNEL"),
	    "encap routes unsupported: dry run naming CONFIG_LWTUNNEL");
	is_int(kern_stats(k)->errors, 1, "the error was counted");
	kern_close(k);
	kmock_reset();
	kmock.fail_open = -EPROTONOSUPPORT;
	k = kern_open(&kc);
	ok(kern_dry_run(k), "no netlink at all: dry run");
	kern_close(k);
	return done_testing();
}
