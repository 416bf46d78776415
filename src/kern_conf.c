/*
 * The parts of kern.h that configuration and tools need without a kernel:
 * defaults, names, and prefix parsing.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kern.h"

const char *
kern_tunnel_name(enum kern_tunnel t)
{
	switch (t) {
	case KERN_TUN_VXLAN:
		return "vxlan";
	case KERN_TUN_GRE:
		return "gre";
	case KERN_TUN_IPIP:
		return "ipip";
	}
	return "?";
}

void
kern_conf_default(struct kern_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->dry_run = 0;
	c->tunnel = KERN_TUN_VXLAN;
	c->port = 4789;
	c->vni = 4242;
	snprintf(c->device, sizeof(c->device), "argo0");
	/* 1500 minus outer IPv4 (20), UDP (8) and VXLAN-GPE (8) headers,
	 * rounded down to leave room for an IPv6 underlay's extra 20. */
	c->mtu = 1440;
	c->table = 4242;
	c->protocol = 241;
	c->rules = 1;
	c->rule_prio = 4242;
	c->keep = 0;
}

int
kern_prefix_parse(const char *s, struct kern_prefix *p)
{
	char buf[64], *slash, *end;
	long len;

	memset(p, 0, sizeof(*p));
	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	if ((slash = strchr(buf, '/')) == NULL)
		return -1;
	*slash++ = '\0';
	len = strtol(slash, &end, 10);
	if (*slash == '\0' || *end != '\0')
		return -1;
	if (inet_pton(AF_INET, buf, p->addr) == 1) {
		p->family = AF_INET;
		if (len < 0 || len > 32)
			return -1;
	} else if (inet_pton(AF_INET6, buf, p->addr) == 1) {
		p->family = AF_INET6;
		if (len < 0 || len > 128)
			return -1;
	} else
		return -1;
	p->plen = (uint8_t)len;
	return 0;
}

void
kern_prefix_fmt(const struct kern_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(p->family, p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->plen);
}
