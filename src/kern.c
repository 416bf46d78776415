/*
 * The kernel layer: desired state, dry run, reconciliation. See kern.h.
 *
 * The desired state is one entry per origin prefix with the next hop it
 * should be routed to (or none). kern_send() is the single place that
 * checks dry run before a backend call changes the kernel (OpenBGPD's
 * send_rtmsg() pattern). Every failure is logged with what was attempted.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "log.h"
#include "prefix.h"

struct kentry {
	struct prefix		 p;
	int			 want;		/* has a next hop */
	struct kern_addr	 nh;
	int			 installed;
	struct kern_addr	 inst_nh;
};

struct krule {
	struct prefix		 p;
	int			 installed;
};

struct kern {
	struct kern_conf	 conf;
	struct kern_backend	*b;
	int			 dry_run;
	char			 reason[512];
	int			 no_access;	/* backend unusable */
	struct kentry		*e;
	size_t			 ne;
	struct krule		*rules;
	size_t			 nrules;
	struct kern_stats	 st;
};

enum kop { K_REPLACE, K_DELETE, K_RULE_ADD, K_RULE_DEL };

static void
addr_fmt(const struct kern_addr *a, char *buf, size_t len)
{
	if (a == NULL || a->family == 0)
		snprintf(buf, len, "-");
	else
		inet_ntop(a->family, a->addr, buf, (socklen_t)len);
}

static int
addr_eq(const struct kern_addr *a, const struct kern_addr *b)
{
	size_t n = a->family == AF_INET ? 4 : 16;

	return a->family == b->family && memcmp(a->addr, b->addr, n) == 0;
}

static void
go_dry(struct kern *k, const char *why)
{
	if (!k->dry_run)
		log_warnx("kernel forwarding off, dry-run mode: %s", why);
	k->dry_run = 1;
	snprintf(k->reason, sizeof(k->reason), "%s", why);
}

/*
 * The one place where dry run is checked before the kernel is changed.
 * Returns 0 or -errno; logs failures with what was attempted.
 */
static int
kern_send(struct kern *k, enum kop op, const struct prefix *p,
    const struct kern_addr *nh)
{
	char err[256] = "", pfx[PREFIX_STRLEN], via[INET6_ADDRSTRLEN], why[400];
	const char *what = "";
	int r = 0;

	if (k->dry_run || k->b == NULL)
		return -EAGAIN;
	switch (op) {
	case K_REPLACE:
		what = "replace route";
		r = kb_route_replace(k->b, &k->conf, p, nh, err, sizeof(err));
		k->st.replaces++;
		break;
	case K_DELETE:
		what = "delete route";
		r = kb_route_delete(k->b, &k->conf, p, err, sizeof(err));
		if (r == -ESRCH || r == -ENOENT)
			r = 0;		/* already gone: the goal */
		k->st.deletes++;
		break;
	case K_RULE_ADD:
		what = "add rule";
		r = kb_rule_add(k->b, &k->conf, p, err, sizeof(err));
		if (r == -EEXIST)
			r = 0;
		k->st.rule_adds++;
		break;
	case K_RULE_DEL:
		what = "delete rule";
		r = kb_rule_delete(k->b, &k->conf, p, err, sizeof(err));
		if (r == -ENOENT || r == -ESRCH)
			r = 0;
		k->st.rule_deletes++;
		break;
	}
	if (r == 0)
		return 0;
	k->st.errors++;
	prefix_fmt(p, pfx, sizeof(pfx));
	addr_fmt(nh, via, sizeof(via));
	log_warnx("netlink: %s %s%s%s table %u proto %u dev %s: %s", what, pfx,
	    nh ? " via " : "", nh ? via : "", k->conf.table, k->conf.protocol,
	    k->conf.device, err[0] ? err : strerror(-r));
	if (r == -EPERM) {
		go_dry(k, "no permission to change routes (EPERM): argod needs "
		    "CAP_NET_ADMIN");
		k->no_access = 1;
	} else if (r == -EOPNOTSUPP && op == K_REPLACE) {
		snprintf(why, sizeof(why), "the kernel lacks lightweight "
		    "tunnel encapsulation (CONFIG_LWTUNNEL) or %s metadata "
		    "tunnels: %s", kern_tunnel_name(k->conf.tunnel), err);
		go_dry(k, why);
	}
	return r;
}

static void
sysctl_checks(const struct kern_conf *c)
{
	FILE *f;
	int v;

	if ((f = fopen("/proc/sys/net/ipv4/ip_forward", "r")) != NULL) {
		if (fscanf(f, "%d", &v) == 1 && v == 0)
			log_warnx("net.ipv4.ip_forward is 0: this PoP will not "
			    "forward transit or egress traffic");
		fclose(f);
	}
	if ((f = fopen("/proc/sys/net/ipv4/conf/all/rp_filter", "r")) !=
	    NULL) {
		if (fscanf(f, "%d", &v) == 1 && v == 1)
			log_warnx("net.ipv4.conf.all.rp_filter is 1 (strict): "
			    "decapsulated transit traffic on %s will be "
			    "dropped; set it to 0 or 2", c->device);
		fclose(f);
	}
}

struct kern *
kern_open(const struct kern_conf *conf)
{
	struct kern *k = xcalloc(1, sizeof(*k));
	char err[256] = "";
	int r;

	k->conf = *conf;
	if ((r = kb_open(&k->b, conf, err, sizeof(err))) != 0) {
		k->b = NULL;
		k->no_access = 1;
		go_dry(k, err);
		return k;
	}
	if (conf->dry_run) {
		k->dry_run = 1;
		snprintf(k->reason, sizeof(k->reason), "dry-run configured");
		return k;
	}
	if ((r = kb_tunnel_ensure(k->b, conf, err, sizeof(err))) != 0) {
		if (r == -EPERM) {
			k->no_access = 1;
			go_dry(k, "no permission to create the tunnel device "
			    "(EPERM): argod needs CAP_NET_ADMIN");
		} else
			go_dry(k, err);
		return k;
	}
	sysctl_checks(conf);
	log_info("kernel forwarding: %s device %s, table %u, protocol %u%s",
	    kern_tunnel_name(conf->tunnel), conf->device, conf->table,
	    conf->protocol, conf->keep ? ", routes kept on exit" : "");
	return k;
}

static struct kentry *
entry(struct kern *k, const struct prefix *p, int create)
{
	size_t i;

	for (i = 0; i < k->ne; i++)
		if (prefix_equal(&k->e[i].p, p))
			return &k->e[i];
	if (!create)
		return NULL;
	k->e = xreallocarray(k->e, k->ne + 1, sizeof(*k->e));
	memset(&k->e[k->ne], 0, sizeof(k->e[k->ne]));
	k->e[k->ne].p = *p;
	return &k->e[k->ne++];
}

void
kern_route_set(struct kern *k, const struct prefix *p,
    const struct kern_addr *nh)
{
	struct kentry *e = entry(k, p, 1);

	if (nh == NULL) {
		e->want = 0;
		if (e->installed && kern_send(k, K_DELETE, &e->p, NULL) == 0)
			e->installed = 0;
		return;
	}
	e->want = 1;
	e->nh = *nh;
	if (e->installed && addr_eq(&e->inst_nh, nh))
		return;
	/* Make before break: one replace, never delete-then-add. */
	if (kern_send(k, K_REPLACE, &e->p, nh) == 0) {
		e->installed = 1;
		e->inst_nh = *nh;
	}
}

void
kern_rules_set(struct kern *k, const struct prefix *prefixes, size_t n)
{
	struct krule *nr = xcalloc(n, sizeof(*nr));
	size_t i, j;

	for (i = 0; i < n; i++) {
		nr[i].p = prefixes[i];
		for (j = 0; j < k->nrules; j++)
			if (prefix_equal(&k->rules[j].p, &nr[i].p))
				nr[i].installed = k->rules[j].installed;
	}
	/* Remove rules no longer wanted, then add new ones. */
	for (j = 0; j < k->nrules; j++) {
		for (i = 0; i < n; i++)
			if (prefix_equal(&k->rules[j].p, &nr[i].p))
				break;
		if (i == n && k->rules[j].installed)
			kern_send(k, K_RULE_DEL, &k->rules[j].p, NULL);
	}
	free(k->rules);
	k->rules = nr;
	k->nrules = n;
	if (!k->conf.rules)
		return;
	for (i = 0; i < n; i++)
		if (!nr[i].installed &&
		    kern_send(k, K_RULE_ADD, &nr[i].p, NULL) == 0)
			nr[i].installed = 1;
}

struct seen {
	struct kern	*k;
	struct kern_route *r;
	size_t		 n;
	struct kern_rule *rl;
	size_t		 nrl;
};

static void
collect_route(void *arg, const struct kern_route *r)
{
	struct seen *s = arg;

	s->r = xreallocarray(s->r, s->n + 1, sizeof(*s->r));
	s->r[s->n++] = *r;
}

static void
collect_rule(void *arg, const struct kern_rule *r)
{
	struct seen *s = arg;

	s->rl = xreallocarray(s->rl, s->nrl + 1, sizeof(*s->rl));
	s->rl[s->nrl++] = *r;
}

/*
 * Reconciliation matches what the kernel holds against what we want by
 * prefix. Comparing every pair was O(n^2) per pass (a million prefix
 * comparisons at 1000 origins, on every kernel event); both sides are
 * sorted instead, and looked up by binary search, in the order the
 * pairwise loops went, so the operations sent are the same ones in the
 * same order.
 */
static int
pfxp_cmp(const void *a, const void *b)
{
	return prefix_cmp(*(const struct prefix *const *)a,
	    *(const struct prefix *const *)b);
}

/* Pointers to the prefixes at off in n elements of stride bytes, sorted. */
static const struct prefix **
pfx_sorted(const void *base, size_t n, size_t stride, size_t off)
{
	const struct prefix **v = xcalloc(n + 1, sizeof(*v));
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = (const struct prefix *)(const void *)
		    ((const char *)base + i * stride + off);
	qsort(v, n, sizeof(*v), pfxp_cmp);
	return v;
}

/* The element of v (sorted, n) equal to p, or NULL. */
static const struct prefix *
pfx_find(const struct prefix **v, size_t n, const struct prefix *p)
{
	const struct prefix *const *r;

	r = bsearch(&p, v, n, sizeof(*v), pfxp_cmp);
	return r != NULL ? *r : NULL;
}

int
kern_reconcile(struct kern *k)
{
	struct seen s = { k, NULL, 0, NULL, 0 };
	const struct prefix **want, **have;
	char err[256] = "";
	size_t i, j;
	int r;

	if (k->dry_run || k->b == NULL)
		return 0;
	k->st.reconciles++;
	if ((r = kb_tunnel_ensure(k->b, &k->conf, err, sizeof(err))) != 0) {
		log_warnx("kernel: tunnel device %s: %s", k->conf.device, err);
		return r;
	}
	if ((r = kb_route_dump(k->b, &k->conf, collect_route, &s, err,
	    sizeof(err))) != 0) {
		log_warnx("netlink: dump table %u: %s", k->conf.table, err);
		return r;
	}
	/* entry() keeps one entry per prefix: the lookup finds it */
	want = pfx_sorted(k->e, k->ne, sizeof(*k->e),
	    offsetof(struct kentry, p));
	have = pfx_sorted(s.r, s.n, sizeof(*s.r),
	    offsetof(struct kern_route, prefix));
	/* Stale: ours in the kernel, not wanted (or unknown prefix). */
	for (i = 0; i < s.n; i++) {
		const struct prefix *f = pfx_find(want, k->ne,
		    &s.r[i].prefix);
		struct kentry *e = f == NULL ? NULL : &k->e[((const char *)f -
		    (const char *)k->e) / sizeof(*k->e)];

		if (e == NULL || !e->want) {
			if (kern_send(k, K_DELETE, &s.r[i].prefix, NULL) == 0)
				k->st.stale_removed++;
			if (e != NULL)
				e->installed = 0;
			continue;
		}
		if (addr_eq(&e->nh, &s.r[i].nexthop)) {
			e->installed = 1;
			e->inst_nh = e->nh;
		} else
			e->installed = 0;	/* wrong next hop: replace */
	}
	for (j = 0; j < k->ne; j++) {
		struct kentry *e = &k->e[j];

		if (pfx_find(have, s.n, &e->p) == NULL)
			e->installed = 0;
		if (e->want && !e->installed &&
		    kern_send(k, K_REPLACE, &e->p, &e->nh) == 0) {
			e->installed = 1;
			e->inst_nh = e->nh;
		}
	}
	free(want);
	free(have);
	free(s.r);

	if ((r = kb_rule_dump(k->b, &k->conf, collect_rule, &s, err,
	    sizeof(err))) != 0) {
		log_warnx("netlink: dump rules: %s", err);
		return r;
	}
	want = pfx_sorted(k->rules, k->conf.rules ? k->nrules : 0,
	    sizeof(*k->rules), offsetof(struct krule, p));
	have = pfx_sorted(s.rl, s.nrl, sizeof(*s.rl),
	    offsetof(struct kern_rule, prefix));
	for (i = 0; i < s.nrl; i++)
		if (pfx_find(want, k->conf.rules ? k->nrules : 0,
		    &s.rl[i].prefix) == NULL)
			kern_send(k, K_RULE_DEL, &s.rl[i].prefix, NULL);
	for (j = 0; j < k->nrules; j++) {
		int found = pfx_find(have, s.nrl, &k->rules[j].p) != NULL;

		k->rules[j].installed = found && k->conf.rules;
		if (k->conf.rules && !found &&
		    kern_send(k, K_RULE_ADD, &k->rules[j].p, NULL) == 0)
			k->rules[j].installed = 1;
	}
	free(want);
	free(have);
	free(s.rl);
	return 0;
}

/* Remove everything of ours from the kernel under the current config. */
static void
withdraw(struct kern *k, int device)
{
	struct seen s = { k, NULL, 0, NULL, 0 };
	char err[256] = "";
	size_t i;

	if (k->b == NULL || k->no_access)
		return;
	for (i = 0; i < k->ne; i++)
		k->e[i].installed = 0;
	for (i = 0; i < k->nrules; i++)
		k->rules[i].installed = 0;
	if (kb_route_dump(k->b, &k->conf, collect_route, &s, err,
	    sizeof(err)) == 0)
		for (i = 0; i < s.n; i++)
			kb_route_delete(k->b, &k->conf, &s.r[i].prefix, err,
			    sizeof(err));
	if (kb_rule_dump(k->b, &k->conf, collect_rule, &s, err,
	    sizeof(err)) == 0)
		for (i = 0; i < s.nrl; i++)
			kb_rule_delete(k->b, &k->conf, &s.rl[i].prefix, err,
			    sizeof(err));
	free(s.r);
	free(s.rl);
	if (device && kb_tunnel_delete(k->b, &k->conf, err, sizeof(err)) != 0)
		log_warnx("kernel: delete %s: %s", k->conf.device, err);
}

int
kern_set_dry_run(struct kern *k, int on)
{
	char err[256] = "";

	if (on) {
		if (!k->dry_run)
			withdraw(k, 0);
		k->dry_run = 1;
		snprintf(k->reason, sizeof(k->reason), "dry-run set by the "
		    "operator");
		return 0;
	}
	if (k->b == NULL || k->no_access)
		return -1;	/* reason stays */
	if (kb_tunnel_ensure(k->b, &k->conf, err, sizeof(err)) != 0) {
		go_dry(k, err);
		return -1;
	}
	k->dry_run = 0;
	k->reason[0] = '\0';
	log_info("kernel forwarding on");
	return kern_reconcile(k);
}

void
kern_reconfigure(struct kern *k, const struct kern_conf *nc)
{
	struct kern_conf *oc = &k->conf;
	int moved;

	moved = oc->tunnel != nc->tunnel || oc->port != nc->port ||
	    oc->vni != nc->vni || strcmp(oc->device, nc->device) != 0 ||
	    oc->mtu != nc->mtu || oc->table != nc->table ||
	    oc->protocol != nc->protocol || oc->rule_prio != nc->rule_prio;
	if (moved && !k->dry_run) {
		log_info("kernel: forwarding settings changed, reinstalling");
		withdraw(k, oc->tunnel != nc->tunnel || oc->port != nc->port ||
		    strcmp(oc->device, nc->device) != 0);
	}
	*oc = *nc;
	if (nc->dry_run && !k->dry_run)
		kern_set_dry_run(k, 1);
	else if (!nc->dry_run && k->dry_run && !k->no_access)
		kern_set_dry_run(k, 0);
	else
		kern_reconcile(k);
}

void
kern_close(struct kern *k)
{
	if (k == NULL)
		return;
	if (!k->conf.keep && !k->dry_run) {
		withdraw(k, 1);
		log_info("kernel: routes, rules and %s removed",
		    k->conf.device);
	}
	if (k->b != NULL)
		kb_close(k->b);
	free(k->e);
	free(k->rules);
	free(k);
}

int
kern_dry_run(const struct kern *k)
{
	return k->dry_run;
}

const char *
kern_reason(const struct kern *k)
{
	return k->dry_run ? k->reason : NULL;
}

int
kern_installed(const struct kern *k, const struct prefix *p)
{
	size_t i;

	for (i = 0; i < k->ne; i++)
		if (prefix_equal(&k->e[i].p, p))
			return k->e[i].installed;
	return 0;
}

const struct kern_conf *
kern_conf(const struct kern *k)
{
	return &k->conf;
}

const struct kern_stats *
kern_stats(const struct kern *k)
{
	return &k->st;
}

int
kern_fib(struct kern *k, void (*cb)(void *, const struct kern_route *),
    void *arg, char *err, size_t errlen)
{
	if (k->b == NULL) {
		snprintf(err, errlen, "no kernel access: %s", k->reason);
		return -1;
	}
	return kb_route_dump(k->b, &k->conf, cb, arg, err, errlen);
}
