/*
 * The parts of kern.h that configuration and tools need without a kernel:
 * defaults and names.
 */
#include "config.h"

#include <stdio.h>
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
