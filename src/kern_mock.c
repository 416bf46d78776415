/*
 * The mock backend of kern.h (babeld's mocked_kernel.c idea): records
 * calls and keeps a kernel in memory, so kern.c's logic (make before
 * break, reconciliation, dry run, errors) is tested without privileges.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kern.h"
#include "kern_mock.h"
#include "prefix.h"

struct kmock kmock;

struct kern_backend {
	int	dummy;
};
static struct kern_backend the_backend;

void
kmock_reset(void)
{
	memset(&kmock, 0, sizeof(kmock));
}

int
kmock_called(const char *s)
{
	size_t i;
	int n = 0;

	for (i = 0; i < kmock.ncalls; i++)
		if (strcmp(kmock.calls[i], s) == 0)
			n++;
	return n;
}

static void
record(const char *op, const struct prefix *p, const struct kern_addr *nh)
{
	char pfx[PREFIX_STRLEN] = "", via[INET6_ADDRSTRLEN] = "";

	if (kmock.ncalls == KMOCK_MAX)
		return;
	if (p != NULL)
		prefix_fmt(p, pfx, sizeof(pfx));
	if (nh != NULL)
		inet_ntop(nh->family, nh->addr, via, sizeof(via));
	snprintf(kmock.calls[kmock.ncalls++], sizeof(kmock.calls[0]),
	    "%s%s%s%s%s", op, p ? " " : "", pfx, nh ? " via " : "", via);
}

int
kb_open(struct kern_backend **b, const struct kern_conf *c, char *err,
    size_t errlen)
{
	record("open", NULL, NULL);
	if (kmock.fail_open) {
		snprintf(err, errlen, "mock open: %s",
		    strerror(-kmock.fail_open));
		*b = NULL;
		return kmock.fail_open;
	}
	*b = &the_backend;
	return 0;
}

void
kb_close(struct kern_backend *b)
{
	record("close", NULL, NULL);
}

int
kb_tunnel_ensure(struct kern_backend *b, const struct kern_conf *c,
    char *err, size_t errlen)
{
	if (kmock.fail_tunnel) {
		snprintf(err, errlen, "create %s (mock): %s", c->device,
		    strerror(-kmock.fail_tunnel));
		return kmock.fail_tunnel;
	}
	if (!kmock.device) {
		record("tunnel-create", NULL, NULL);
		kmock.device = 1;
	}
	return 0;
}

int
kb_tunnel_delete(struct kern_backend *b, const struct kern_conf *c,
    char *err, size_t errlen)
{
	record("tunnel-delete", NULL, NULL);
	kmock.device = 0;
	return 0;
}

int
kb_route_replace(struct kern_backend *b, const struct kern_conf *c,
    const struct prefix *p, const struct kern_addr *nh, char *err,
    size_t errlen)
{
	size_t i;

	record("replace", p, nh);
	if (kmock.fail_replace) {
		snprintf(err, errlen, "%s", strerror(-kmock.fail_replace));
		return kmock.fail_replace;
	}
	for (i = 0; i < kmock.nroutes; i++)
		if (prefix_equal(&kmock.routes[i].prefix, p))
			break;
	if (i == kmock.nroutes) {
		if (i == KMOCK_MAX)
			return -ENOSPC;
		kmock.nroutes++;
	}
	memset(&kmock.routes[i], 0, sizeof(kmock.routes[i]));
	kmock.routes[i].prefix = *p;
	kmock.routes[i].nexthop = *nh;
	kmock.routes[i].vni = c->vni;
	kmock.routes[i].protocol = c->protocol;
	snprintf(kmock.routes[i].dev, sizeof(kmock.routes[i].dev), "%s",
	    c->device);
	return 0;
}

int
kb_route_delete(struct kern_backend *b, const struct kern_conf *c,
    const struct prefix *p, char *err, size_t errlen)
{
	size_t i;

	record("delete", p, NULL);
	for (i = 0; i < kmock.nroutes; i++)
		if (prefix_equal(&kmock.routes[i].prefix, p)) {
			kmock.routes[i] = kmock.routes[--kmock.nroutes];
			return 0;
		}
	snprintf(err, errlen, "No such process");
	return -ESRCH;
}

int
kb_route_dump(struct kern_backend *b, const struct kern_conf *c,
    void (*cb)(void *, const struct kern_route *), void *arg, char *err,
    size_t errlen)
{
	size_t i;

	for (i = 0; i < kmock.nroutes; i++)
		cb(arg, &kmock.routes[i]);
	return 0;
}

int
kb_rule_add(struct kern_backend *b, const struct kern_conf *c,
    const struct prefix *p, char *err, size_t errlen)
{
	size_t i;

	record("rule-add", p, NULL);
	for (i = 0; i < kmock.nrules; i++)
		if (prefix_equal(&kmock.rules[i].prefix, p))
			return -EEXIST;
	if (kmock.nrules == KMOCK_MAX)
		return -ENOSPC;
	kmock.rules[kmock.nrules].prefix = *p;
	kmock.rules[kmock.nrules].table = c->table;
	kmock.rules[kmock.nrules++].prio = c->rule_prio;
	return 0;
}

int
kb_rule_delete(struct kern_backend *b, const struct kern_conf *c,
    const struct prefix *p, char *err, size_t errlen)
{
	size_t i;

	record("rule-delete", p, NULL);
	for (i = 0; i < kmock.nrules; i++)
		if (prefix_equal(&kmock.rules[i].prefix, p)) {
			kmock.rules[i] = kmock.rules[--kmock.nrules];
			return 0;
		}
	return -ENOENT;
}

int
kb_rule_dump(struct kern_backend *b, const struct kern_conf *c,
    void (*cb)(void *, const struct kern_rule *), void *arg, char *err,
    size_t errlen)
{
	size_t i;

	for (i = 0; i < kmock.nrules; i++)
		cb(arg, &kmock.rules[i]);
	return 0;
}
