/*
 * The netlink backend of kern.h: the only file of argod that includes
 * libnl. Links are looked up and VXLAN devices made with libnl-route's
 * link API; routes and rules are built as raw rtnetlink messages, because
 * libnl 3.7 has no helper for lightweight-tunnel encapsulation
 * (RTA_ENCAP_TYPE / RTA_ENCAP, built here as nested attributes) and its
 * GRE/IPIP links cannot be put in metadata mode.
 *
 * Every request is acknowledged; the kernel's errno is taken from the
 * NLMSG_ERROR reply itself and returned as -errno, with a message that
 * names what failed.
 */
#include "config.h"

#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/lwtunnel.h>
#include <linux/rtnetlink.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/vxlan.h>

#include "kern.h"
#include "log.h"
#include "prefix.h"

struct kern_backend {
	struct nl_sock	*sk;
	struct nl_cb	*cb;		/* acks */
	int		 kerr;		/* errno from NLMSG_ERROR, negative */
	int		 done;
	/* dump state */
	const struct kern_conf *conf;
	void		(*route_cb)(void *, const struct kern_route *);
	void		(*rule_cb)(void *, const struct kern_rule *);
	void		*arg;
};

static int
err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct kern_backend *b = arg;

	b->kerr = e->error;
	b->done = 1;
	return NL_STOP;
}

static int
ack_cb(struct nl_msg *m, void *arg)
{
	struct kern_backend *b = arg;

	b->done = 1;
	return NL_STOP;
}

static int
nle_errno(int nle)
{
	switch (-nle) {
	case NLE_PERM:
		return -EPERM;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_NOMEM:
		return -ENOMEM;
	}
	return -EIO;
}

/* Send m, wait for its ack; returns 0 or -errno. Frees m. */
static int
transact(struct kern_backend *b, struct nl_msg *m, char *err, size_t errlen)
{
	int r;

	b->kerr = 0;
	b->done = 0;
	r = nl_send_auto(b->sk, m);
	nlmsg_free(m);
	if (r < 0) {
		snprintf(err, errlen, "netlink send: %s", nl_geterror(r));
		return nle_errno(r);
	}
	while (!b->done) {
		r = nl_recvmsgs(b->sk, b->cb);
		if (r < 0 && !b->done) {
			snprintf(err, errlen, "netlink receive: %s",
			    nl_geterror(r));
			return nle_errno(r);
		}
	}
	if (b->kerr != 0) {
		snprintf(err, errlen, "%s", strerror(-b->kerr));
		return b->kerr;
	}
	return 0;
}

int
kb_open(struct kern_backend **bp, const struct kern_conf *c, char *err,
    size_t errlen)
{
	struct kern_backend *b = xcalloc(1, sizeof(*b));
	int r;

	*bp = NULL;
	if ((b->sk = nl_socket_alloc()) == NULL) {
		snprintf(err, errlen, "netlink: cannot allocate a socket");
		free(b);
		return -ENOMEM;
	}
	if ((r = nl_connect(b->sk, NETLINK_ROUTE)) < 0) {
		snprintf(err, errlen, "netlink: connect: %s", nl_geterror(r));
		nl_socket_free(b->sk);
		free(b);
		return nle_errno(r);
	}
	nl_socket_set_buffer_size(b->sk, 1 << 20, 1 << 20);
	b->cb = nl_cb_alloc(NL_CB_DEFAULT);
	nl_cb_err(b->cb, NL_CB_CUSTOM, err_cb, b);
	nl_cb_set(b->cb, NL_CB_ACK, NL_CB_CUSTOM, ack_cb, b);
	*bp = b;
	return 0;
}

void
kb_close(struct kern_backend *b)
{
	if (b == NULL)
		return;
	nl_cb_put(b->cb);
	nl_socket_free(b->sk);
	free(b);
}

/* ------------------------------------------------------------ links */

static const char *
tunnel_kind(enum kern_tunnel t)
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

static const char *
tunnel_feature(enum kern_tunnel t)
{
	switch (t) {
	case KERN_TUN_VXLAN:
		return "VXLAN-GPE metadata tunnels (CONFIG_VXLAN, module "
		    "vxlan)";
	case KERN_TUN_GRE:
		return "GRE metadata tunnels (CONFIG_NET_IPGRE, module ip_gre)";
	case KERN_TUN_IPIP:
		return "IPIP metadata tunnels (CONFIG_NET_IPIP, module ipip)";
	}
	return "?";
}

/* Does the existing device match the config? */
static int
link_matches(struct rtnl_link *l, const struct kern_conf *c)
{
	const char *type = rtnl_link_get_type(l);
	uint32_t flags = 0, port = 0;

	if (type == NULL || strcmp(type, tunnel_kind(c->tunnel)) != 0)
		return 0;
	if (c->tunnel == KERN_TUN_VXLAN) {
		if (rtnl_link_vxlan_get_collect_metadata(l) != 1 ||
		    rtnl_link_vxlan_get_flags(l, &flags) < 0 ||
		    !(flags & RTNL_LINK_VXLAN_F_GPE) ||
		    rtnl_link_vxlan_get_port(l, &port) < 0 || port != c->port)
			return 0;
	}
	return 1;
}

static int
link_create(struct kern_backend *b, const struct kern_conf *c, char *err,
    size_t errlen)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC,
	    .ifi_flags = IFF_UP, .ifi_change = IFF_UP };
	struct nlattr *info, *data;
	struct nl_msg *m;
	int r;

	if (c->tunnel == KERN_TUN_VXLAN) {
		struct rtnl_link *l = rtnl_link_vxlan_alloc();

		rtnl_link_set_name(l, c->device);
		rtnl_link_set_mtu(l, c->mtu);
		rtnl_link_set_flags(l, IFF_UP);
		rtnl_link_vxlan_set_collect_metadata(l, 1);
		rtnl_link_vxlan_set_flags(l, RTNL_LINK_VXLAN_F_GPE, 1);
		rtnl_link_vxlan_set_port(l, c->port);
		rtnl_link_vxlan_set_learning(l, 0);
		r = rtnl_link_add(b->sk, l, NLM_F_CREATE | NLM_F_EXCL);
		rtnl_link_put(l);
		if (r < 0) {
			snprintf(err, errlen, "create %s (%s): %s",
			    c->device, tunnel_feature(c->tunnel),
			    nl_geterror(r));
			return nle_errno(r);
		}
		return 0;
	}

	m = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	if (m == NULL || nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0)
		goto nomem;
	NLA_PUT_STRING(m, IFLA_IFNAME, c->device);
	NLA_PUT_U32(m, IFLA_MTU, c->mtu);
	if ((info = nla_nest_start(m, IFLA_LINKINFO)) == NULL)
		goto nomem;
	NLA_PUT_STRING(m, IFLA_INFO_KIND, tunnel_kind(c->tunnel));
	if ((data = nla_nest_start(m, IFLA_INFO_DATA)) == NULL)
		goto nomem;
	if (c->tunnel == KERN_TUN_GRE)
		NLA_PUT_FLAG(m, IFLA_GRE_COLLECT_METADATA);
	else
		NLA_PUT_FLAG(m, IFLA_IPTUN_COLLECT_METADATA);
	nla_nest_end(m, data);
	nla_nest_end(m, info);
	if ((r = transact(b, m, err, errlen)) != 0) {
		char why[256];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "create %s (%s): %s", c->device,
		    tunnel_feature(c->tunnel), why);
	}
	return r;
nla_put_failure:
nomem:
	nlmsg_free(m);
	snprintf(err, errlen, "create %s: out of memory", c->device);
	return -ENOMEM;
}

static int
link_up(struct kern_backend *b, int ifindex, const struct kern_conf *c,
    char *err, size_t errlen)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC,
	    .ifi_index = ifindex, .ifi_flags = IFF_UP, .ifi_change = IFF_UP };
	struct nl_msg *m = nlmsg_alloc_simple(RTM_NEWLINK, 0);

	if (m == NULL || nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(m, IFLA_MTU, c->mtu) < 0) {
		nlmsg_free(m);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return transact(b, m, err, errlen);
}

/* Transit traffic arrives decapsulated on the device with sources that
 * are not routed back through it: loose or no reverse-path filtering. */
static void
device_sysctls(const struct kern_conf *c)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/rp_filter",
	    c->device);
	if ((f = fopen(path, "w")) != NULL) {
		fputs("0\n", f);
		fclose(f);
	}
}

int
kb_tunnel_ensure(struct kern_backend *b, const struct kern_conf *c,
    char *err, size_t errlen)
{
	struct rtnl_link *l = NULL;
	int r, ifindex;

	r = rtnl_link_get_kernel(b->sk, 0, c->device, &l);
	if (r == 0 && !link_matches(l, c)) {
		log_info("kernel: %s exists but is not a %s metadata tunnel "
		    "as configured; recreating it", c->device,
		    tunnel_kind(c->tunnel));
		rtnl_link_put(l);
		l = NULL;
		if ((r = kb_tunnel_delete(b, c, err, errlen)) != 0)
			return r;
		r = -NLE_OBJ_NOTFOUND;
	}
	if (r < 0) {
		if ((r = link_create(b, c, err, errlen)) != 0)
			return r;
		if ((r = rtnl_link_get_kernel(b->sk, 0, c->device, &l)) < 0) {
			snprintf(err, errlen, "%s vanished after creation: %s",
			    c->device, nl_geterror(r));
			return nle_errno(r);
		}
		log_info("kernel: created %s (%s)", c->device,
		    tunnel_kind(c->tunnel));
	}
	ifindex = rtnl_link_get_ifindex(l);
	if ((rtnl_link_get_flags(l) & IFF_UP) == 0 ||
	    rtnl_link_get_mtu(l) != c->mtu)
		r = link_up(b, ifindex, c, err, errlen);
	else
		r = 0;
	rtnl_link_put(l);
	device_sysctls(c);
	return r;
}

int
kb_tunnel_delete(struct kern_backend *b, const struct kern_conf *c,
    char *err, size_t errlen)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg *m = nlmsg_alloc_simple(RTM_DELLINK, 0);
	int r;

	if (m == NULL || nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(m, IFLA_IFNAME, c->device) < 0) {
		nlmsg_free(m);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r = transact(b, m, err, errlen);
	if (r == -ENODEV)
		r = 0;
	return r;
}

/* ----------------------------------------------------------- routes */

static size_t
alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

static struct nl_msg *
route_msg(int type, int flags, const struct kern_conf *c,
    const struct prefix *p, int scope)
{
	struct rtmsg rtm;
	struct nl_msg *m;

	memset(&rtm, 0, sizeof(rtm));
	rtm.rtm_family = (unsigned char)p->family;
	rtm.rtm_dst_len = p->len;
	rtm.rtm_table = c->table < 256 ? (unsigned char)c->table :
	    RT_TABLE_UNSPEC;
	rtm.rtm_protocol = (unsigned char)c->protocol;
	rtm.rtm_scope = (unsigned char)scope;
	rtm.rtm_type = RTN_UNICAST;
	if ((m = nlmsg_alloc_simple(type, flags)) == NULL)
		return NULL;
	if (nlmsg_append(m, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    nla_put(m, RTA_DST, (int)alen(p->family), p->addr) < 0 ||
	    nla_put_u32(m, RTA_TABLE, c->table) < 0) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

int
kb_route_replace(struct kern_backend *b, const struct kern_conf *c,
    const struct prefix *p, const struct kern_addr *nh, char *err,
    size_t errlen)
{
	struct nlattr *encap;
	struct nl_msg *m;
	unsigned ifindex = if_nametoindex(c->device);
	uint64_t id;

	if (ifindex == 0) {
		snprintf(err, errlen, "no device %s", c->device);
		return -ENODEV;
	}
	m = route_msg(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, c, p,
	    RT_SCOPE_LINK);
	if (m == NULL)
		goto nomem;
	NLA_PUT_U32(m, RTA_OIF, ifindex);
	NLA_PUT_U16(m, RTA_ENCAP_TYPE, nh->family == AF_INET ?
	    LWTUNNEL_ENCAP_IP : LWTUNNEL_ENCAP_IP6);
	if ((encap = nla_nest_start(m, RTA_ENCAP)) == NULL)
		goto nomem;
	/* The tunnel id travels in network byte order (a __be64). */
	id = c->tunnel == KERN_TUN_VXLAN ? htobe64(c->vni) : 0;
	if (nh->family == AF_INET) {
		NLA_PUT(m, LWTUNNEL_IP_ID, sizeof(id), &id);
		NLA_PUT(m, LWTUNNEL_IP_DST, 4, nh->addr);
	} else {
		NLA_PUT(m, LWTUNNEL_IP6_ID, sizeof(id), &id);
		NLA_PUT(m, LWTUNNEL_IP6_DST, 16, nh->addr);
	}
	nla_nest_end(m, encap);
	return transact(b, m, err, errlen);
nla_put_failure:
nomem:
	nlmsg_free(m);
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

int
kb_route_delete(struct kern_backend *b, const struct kern_conf *c,
    const struct prefix *p, char *err, size_t errlen)
{
	/* Scope "nowhere" matches a route of any scope (DESIGN.md). */
	struct nl_msg *m = route_msg(RTM_DELROUTE, 0, c, p, RT_SCOPE_NOWHERE);

	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return transact(b, m, err, errlen);
}

static int
route_parse(struct nl_msg *msg, void *arg)
{
	struct kern_backend *b = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *tb[RTA_MAX + 1], *et[LWTUNNEL_IP_MAX + 1];
	struct rtmsg *rtm;
	struct kern_route r;
	uint32_t table;
	uint64_t id;

	if (h->nlmsg_type != RTM_NEWROUTE ||
	    nlmsg_parse(h, sizeof(*rtm), tb, RTA_MAX, NULL) < 0)
		return NL_OK;
	rtm = nlmsg_data(h);
	table = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (table != b->conf->table || rtm->rtm_protocol != b->conf->protocol)
		return NL_OK;
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return NL_OK;
	memset(&r, 0, sizeof(r));
	r.prefix.family = rtm->rtm_family;
	r.prefix.len = rtm->rtm_dst_len;
	r.protocol = rtm->rtm_protocol;
	if (tb[RTA_DST] != NULL &&
	    (size_t)nla_len(tb[RTA_DST]) == alen(rtm->rtm_family))
		memcpy(r.prefix.addr, nla_data(tb[RTA_DST]),
		    alen(rtm->rtm_family));
	if (tb[RTA_OIF] != NULL)
		if_indextoname(nla_get_u32(tb[RTA_OIF]), r.dev);
	if (tb[RTA_ENCAP_TYPE] != NULL && tb[RTA_ENCAP] != NULL) {
		uint16_t t = nla_get_u16(tb[RTA_ENCAP_TYPE]);

		/* LWTUNNEL_IP_* and LWTUNNEL_IP6_* share id 1 and dst 2. */
		if ((t == LWTUNNEL_ENCAP_IP || t == LWTUNNEL_ENCAP_IP6) &&
		    nla_parse_nested(et, LWTUNNEL_IP_MAX, tb[RTA_ENCAP],
		    NULL) == 0) {
			int fam = t == LWTUNNEL_ENCAP_IP ? AF_INET : AF_INET6;

			if (et[LWTUNNEL_IP_DST] != NULL &&
			    (size_t)nla_len(et[LWTUNNEL_IP_DST]) ==
			    alen(fam)) {
				r.nexthop.family = fam;
				memcpy(r.nexthop.addr,
				    nla_data(et[LWTUNNEL_IP_DST]), alen(fam));
			}
			if (et[LWTUNNEL_IP_ID] != NULL &&
			    nla_len(et[LWTUNNEL_IP_ID]) == 8) {
				memcpy(&id, nla_data(et[LWTUNNEL_IP_ID]), 8);
				r.vni = (uint32_t)be64toh(id);
			}
		}
	}
	b->route_cb(b->arg, &r);
	return NL_OK;
}

static int
dump(struct kern_backend *b, int type, int family, size_t hdrlen,
    int (*parse)(struct nl_msg *, void *), char *err, size_t errlen)
{
	struct nl_cb *cb;
	struct nl_msg *m;
	char hdr[sizeof(struct rtmsg) + sizeof(struct fib_rule_hdr)];
	int r;

	memset(hdr, 0, sizeof(hdr));
	hdr[0] = (char)family;	/* rtm_family and fib_rule_hdr.family */
	if ((m = nlmsg_alloc_simple(type, NLM_F_DUMP)) == NULL ||
	    nlmsg_append(m, hdr, hdrlen, NLMSG_ALIGNTO) < 0) {
		nlmsg_free(m);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r = nl_send_auto(b->sk, m);
	nlmsg_free(m);
	if (r < 0) {
		snprintf(err, errlen, "netlink send: %s", nl_geterror(r));
		return nle_errno(r);
	}
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, parse, b);
	r = nl_recvmsgs(b->sk, cb);
	nl_cb_put(cb);
	if (r < 0) {
		snprintf(err, errlen, "netlink dump: %s", nl_geterror(r));
		return nle_errno(r);
	}
	return 0;
}

int
kb_route_dump(struct kern_backend *b, const struct kern_conf *c,
    void (*cb)(void *, const struct kern_route *), void *arg, char *err,
    size_t errlen)
{
	int r;

	b->conf = c;
	b->route_cb = cb;
	b->arg = arg;
	if ((r = dump(b, RTM_GETROUTE, AF_INET, sizeof(struct rtmsg),
	    route_parse, err, errlen)) != 0)
		return r;
	return dump(b, RTM_GETROUTE, AF_INET6, sizeof(struct rtmsg),
	    route_parse, err, errlen);
}

/* ------------------------------------------------------------ rules */

static struct nl_msg *
rule_msg(int type, int flags, const struct kern_conf *c,
    const struct prefix *p)
{
	struct fib_rule_hdr frh;
	struct nl_msg *m;

	memset(&frh, 0, sizeof(frh));
	frh.family = (unsigned char)p->family;
	frh.dst_len = p->len;
	frh.table = c->table < 256 ? (unsigned char)c->table : RT_TABLE_UNSPEC;
	frh.action = FR_ACT_TO_TBL;
	if ((m = nlmsg_alloc_simple(type, flags)) == NULL)
		return NULL;
	if (nlmsg_append(m, &frh, sizeof(frh), NLMSG_ALIGNTO) < 0 ||
	    nla_put(m, FRA_DST, (int)alen(p->family), p->addr) < 0 ||
	    nla_put_u32(m, FRA_TABLE, c->table) < 0 ||
	    nla_put_u32(m, FRA_PRIORITY, c->rule_prio) < 0 ||
	    nla_put_u8(m, FRA_PROTOCOL, (uint8_t)c->protocol) < 0) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

int
kb_rule_add(struct kern_backend *b, const struct kern_conf *c,
    const struct prefix *p, char *err, size_t errlen)
{
	struct nl_msg *m = rule_msg(RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL,
	    c, p);

	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return transact(b, m, err, errlen);
}

int
kb_rule_delete(struct kern_backend *b, const struct kern_conf *c,
    const struct prefix *p, char *err, size_t errlen)
{
	struct nl_msg *m = rule_msg(RTM_DELRULE, 0, c, p);

	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return transact(b, m, err, errlen);
}

static int
rule_parse(struct nl_msg *msg, void *arg)
{
	struct kern_backend *b = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *tb[FRA_MAX + 1];
	struct fib_rule_hdr *frh;
	struct kern_rule r;

	if (h->nlmsg_type != RTM_NEWRULE ||
	    nlmsg_parse(h, sizeof(*frh), tb, FRA_MAX, NULL) < 0)
		return NL_OK;
	frh = nlmsg_data(h);
	memset(&r, 0, sizeof(r));
	r.table = tb[FRA_TABLE] ? nla_get_u32(tb[FRA_TABLE]) : frh->table;
	r.prio = tb[FRA_PRIORITY] ? nla_get_u32(tb[FRA_PRIORITY]) : 0;
	if (r.table != b->conf->table || r.prio != b->conf->rule_prio ||
	    frh->action != FR_ACT_TO_TBL || tb[FRA_DST] == NULL ||
	    (frh->family != AF_INET && frh->family != AF_INET6) ||
	    (size_t)nla_len(tb[FRA_DST]) != alen(frh->family))
		return NL_OK;
	r.prefix.family = frh->family;
	r.prefix.len = frh->dst_len;
	memcpy(r.prefix.addr, nla_data(tb[FRA_DST]), alen(frh->family));
	b->rule_cb(b->arg, &r);
	return NL_OK;
}

int
kb_rule_dump(struct kern_backend *b, const struct kern_conf *c,
    void (*cb)(void *, const struct kern_rule *), void *arg, char *err,
    size_t errlen)
{
	int r;

	b->conf = c;
	b->rule_cb = cb;
	b->arg = arg;
	if ((r = dump(b, RTM_GETRULE, AF_INET, sizeof(struct fib_rule_hdr),
	    rule_parse, err, errlen)) != 0)
		return r;
	return dump(b, RTM_GETRULE, AF_INET6, sizeof(struct fib_rule_hdr),
	    rule_parse, err, errlen);
}
