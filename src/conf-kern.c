/*
 * The forwarding statements (kern.h): whether and how argod installs its
 * routes and tunnels. Their defaults come from kern_conf_default().
 */
#include "config.h"

#include <net/if.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "conf-int.h"

int
kw_dry_run(struct parser *p, int line)
{
	return lex_yesno(p, "dry-run", line, &p->c->kern.dry_run);
}

int
kw_keep_routes(struct parser *p, int line)
{
	return lex_yesno(p, "keep-routes", line, &p->c->kern.keep);
}

int
kw_tunnel(struct parser *p, int line)
{
	struct kern_conf *kc = &p->c->kern;
	const char *s;
	uint64_t v;

	if ((s = lex_arg(p, "tunnel", "vxlan, gre or ipip", line)) == NULL)
		return -1;
	if (strcmp(s, "vxlan") == 0)
		kc->tunnel = KERN_TUN_VXLAN;
	else if (strcmp(s, "gre") == 0)
		kc->tunnel = KERN_TUN_GRE;
	else if (strcmp(s, "ipip") == 0)
		kc->tunnel = KERN_TUN_IPIP;
	else {
		lex_error(p, line, "tunnel: \"%s\": expected vxlan, gre or "
		    "ipip", s);
		return -1;
	}
	for (;;) {
		if (lex_opt(p, "port")) {
			if (kc->tunnel != KERN_TUN_VXLAN) {
				lex_error(p, line, "tunnel: port is for vxlan "
				    "only");
				return -1;
			}
			if (lex_num(p, "tunnel", "port", line, 1, 65535,
			    &v) == -1)
				return -1;
			kc->port = (unsigned)v;
		} else if (lex_opt(p, "vni")) {
			if (kc->tunnel != KERN_TUN_VXLAN) {
				lex_error(p, line, "tunnel: vni is for vxlan "
				    "only");
				return -1;
			}
			if (lex_num(p, "tunnel", "vni", line, 1, 16777215,
			    &v) == -1)
				return -1;
			kc->vni = (uint32_t)v;
		} else
			return 0;
	}
}

int
kw_tunnel_device(struct parser *p, int line)
{
	const char *s;
	size_t i;

	if ((s = lex_arg(p, "tunnel-device", "NAME", line)) == NULL)
		return -1;
	if (strlen(s) == 0 || strlen(s) >= IFNAMSIZ) {
		lex_error(p, line, "tunnel-device: \"%s\": 1 to %d characters",
		    s, IFNAMSIZ - 1);
		return -1;
	}
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] == '/' || s[i] == ':' || s[i] <= ' ' || s[i] > '~') {
			lex_error(p, line, "tunnel-device: \"%s\": not a valid "
			    "interface name", s);
			return -1;
		}
	snprintf(p->c->kern.device, sizeof(p->c->kern.device), "%s", s);
	return 0;
}

int
kw_tunnel_mtu(struct parser *p, int line)
{
	uint64_t v;

	if (lex_num(p, "tunnel-mtu", "MTU", line, 576, 65535, &v) == -1)
		return -1;
	p->c->kern.mtu = (unsigned)v;
	return 0;
}

int
kw_route_table(struct parser *p, int line)
{
	uint64_t v;

	if (lex_num(p, "route-table", "table", line, 1, 0xfffffffeULL,
	    &v) == -1)
		return -1;
	/* 253..255 are default, main and local: never ours. */
	if (v >= 253 && v <= 255) {
		lex_error(p, line, "route-table: %llu is a system table "
		    "(default, main or local)", (unsigned long long)v);
		return -1;
	}
	p->c->kern.table = (uint32_t)v;
	return 0;
}

int
kw_route_protocol(struct parser *p, int line)
{
	uint64_t v;

	/* 0..4 are unspec, redirect, kernel, boot and static. */
	if (lex_num(p, "route-protocol", "protocol", line, 5, 255, &v) == -1)
		return -1;
	p->c->kern.protocol = (unsigned)v;
	return 0;
}

int
kw_policy_rules(struct parser *p, int line)
{
	uint64_t v;

	if (lex_yesno(p, "policy-rules", line, &p->c->kern.rules) == -1)
		return -1;
	if (lex_opt(p, "priority")) {
		if (lex_num(p, "policy-rules", "priority", line, 1,
		    0xfffffffeULL, &v) == -1)
			return -1;
		p->c->kern.rule_prio = (uint32_t)v;
	}
	return 0;
}

