/*
 * Kernel forwarding: the whole contract between argod and the kernel
 * (DESIGN.md decision 6). Nothing else in argod touches routes, rules or
 * tunnel devices.
 *
 * Model. One metadata-mode tunnel device per PoP (decision 7's second
 * form): VXLAN-GPE, GRE or IPIP with "external" (collect_md). An origin
 * prefix is routed in a dedicated table, with a dedicated protocol number,
 * through that device with lightweight-tunnel encapsulation towards the
 * underlay address of the next-hop PoP:
 *
 *	PREFIX encap ip [id VNI] dst NEXTHOP dev argo0 table T proto P
 *
 * VXLAN-GPE carries IP without an Ethernet header, so no neighbour
 * resolution is involved (plain VXLAN would need per-peer MACs). A transit
 * PoP receives the decapsulated packet on its own device and forwards it
 * by the same table; the egress PoP has no route for the prefix in T, so
 * the lookup falls through to its main table and the underlay. Policy
 * rules "to PREFIX lookup T" steer traffic into T.
 *
 * This file keeps the desired state (which prefix goes to which next hop)
 * and decides what to send; a backend carries it out. Backends are chosen
 * at build time: kern_netlink.c (libnl-route-3, the only file that
 * includes libnl) for argod, kern_mock.c (records calls) for unit tests.
 * Dry run is checked in one place: kern_send(), before any backend call
 * that changes the kernel.
 *
 * Changes are make-before-break: a new next hop replaces the route in one
 * RTM_NEWROUTE with NLM_F_REPLACE; a route is never deleted and re-added.
 */
#ifndef ARGO_KERN_H
#define ARGO_KERN_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "prefix.h"

enum kern_tunnel {
	KERN_TUN_VXLAN = 0,	/* VXLAN-GPE, external */
	KERN_TUN_GRE,
	KERN_TUN_IPIP,
};
const char	*kern_tunnel_name(enum kern_tunnel);

struct kern_conf {
	int		 dry_run;	/* compute, never install */
	enum kern_tunnel tunnel;
	unsigned	 port;		/* VXLAN UDP port */
	uint32_t	 vni;		/* VXLAN network id */
	char		 device[IFNAMSIZ];
	unsigned	 mtu;
	uint32_t	 table;
	unsigned	 protocol;	/* rtm_protocol of our routes */
	int		 rules;		/* install "to PREFIX lookup T" */
	uint32_t	 rule_prio;
	int		 keep;		/* keep routes and device on exit */
};
void	kern_conf_default(struct kern_conf *);

struct kern_addr {
	int		family;
	uint8_t		addr[16];
};

/* A route as the kernel reports it (fib command, reconciliation). */
struct kern_route {
	struct prefix		prefix;
	struct kern_addr	nexthop;	/* encap dst; family 0: none */
	uint32_t		vni;
	char			dev[IFNAMSIZ];
	unsigned		protocol;
};

struct kern_rule {
	struct prefix		prefix;
	uint32_t		table;
	uint32_t		prio;
};

/*
 * The backend: what kern_netlink.c and kern_mock.c implement. Every
 * function returns 0 or -errno; errors are also described in err.
 */
struct kern_backend;
int	kb_open(struct kern_backend **, const struct kern_conf *, char *err,
	    size_t errlen);
void	kb_close(struct kern_backend *);
/* Create the tunnel device, or reuse one that matches the config. */
int	kb_tunnel_ensure(struct kern_backend *, const struct kern_conf *,
	    char *err, size_t errlen);
int	kb_tunnel_delete(struct kern_backend *, const struct kern_conf *,
	    char *err, size_t errlen);
int	kb_route_replace(struct kern_backend *, const struct kern_conf *,
	    const struct prefix *, const struct kern_addr *, char *err,
	    size_t errlen);
int	kb_route_delete(struct kern_backend *, const struct kern_conf *,
	    const struct prefix *, char *err, size_t errlen);
/* Our routes: table and protocol of the config. */
int	kb_route_dump(struct kern_backend *, const struct kern_conf *,
	    void (*)(void *, const struct kern_route *), void *arg,
	    char *err, size_t errlen);
int	kb_rule_add(struct kern_backend *, const struct kern_conf *,
	    const struct prefix *, char *err, size_t errlen);
int	kb_rule_delete(struct kern_backend *, const struct kern_conf *,
	    const struct prefix *, char *err, size_t errlen);
/* Our rules: lookup into the table at the configured priority. */
int	kb_rule_dump(struct kern_backend *, const struct kern_conf *,
	    void (*)(void *, const struct kern_rule *), void *arg,
	    char *err, size_t errlen);

/*
 * The layer argod uses.
 */
struct kern;

/*
 * Open the kernel layer: create or adopt the tunnel device. Missing
 * privileges (EPERM) or a missing kernel feature (the message names it)
 * switch to dry-run mode with kern_reason() saying why; argod keeps
 * computing routes. Routes already in the table are adopted, not removed,
 * so a restart causes no gap; kern_reconcile() removes what is stale.
 */
struct kern	*kern_open(const struct kern_conf *);
/* Apply a changed config (table, device...): withdraw and reinstall. */
void		 kern_reconfigure(struct kern *, const struct kern_conf *);
/* Withdraw routes, rules and device, unless keep is configured. */
void		 kern_close(struct kern *);

/* The desired state. A NULL next hop means "no route here" (unreachable,
 * or this PoP is the egress). */
void		 kern_route_set(struct kern *, const struct prefix *,
		    const struct kern_addr *nexthop);
/* Policy rules for exactly these prefixes. */
void		 kern_rules_set(struct kern *, const struct prefix *,
		    size_t n);
/* Make the kernel match the desired state: remove stale routes and rules
 * of ours, install missing ones. */
int		 kern_reconcile(struct kern *);

int		 kern_dry_run(const struct kern *);
const char	*kern_reason(const struct kern *);	/* why dry run */
int		 kern_set_dry_run(struct kern *, int on);
int		 kern_installed(const struct kern *, const struct prefix *);
const struct kern_conf *kern_conf(const struct kern *);

struct kern_stats {
	uint64_t	replaces, deletes, rule_adds, rule_deletes, errors;
	uint64_t	reconciles, stale_removed;
};
const struct kern_stats *kern_stats(const struct kern *);

/* What the kernel has in our table, as it reports it. */
int		 kern_fib(struct kern *,
		    void (*)(void *, const struct kern_route *), void *arg,
		    char *err, size_t errlen);

#endif
