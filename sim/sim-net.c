/*
 * The simulated network; see sim-net.h for the model.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "log.h"
#include "sim-net.h"

#define SMALL_BUF	128	/* probes, requests: 68 to ~100 bytes */
#define POOL_SLAB	4096	/* buffers allocated at a time */

struct flight {
	uint64_t	 at;
	uint64_t	 seq;		/* send order: ties in time */
	uint8_t		*buf;
	uint32_t	 from, to;
	uint32_t	 len;
};

struct pool {
	void		*free;		/* singly linked through the buffers */
	size_t		 size;
	void		**slabs;
	size_t		 nslabs;
};

struct node {
	struct net		*net;
	size_t			 idx;
	struct engine		*e;
	struct engine_conf	 conf;
	uint32_t		 boot;
	uint32_t		*peer_node;	/* peer index -> node */
	uint64_t		 deadline;	/* cached; NET_NONE when down */
	uint64_t		 start_at;	/* pending start, NET_NONE none */
	size_t			 hpos;		/* position in the deadline heap */
	struct net_traffic	 t;
	int			 anycast;	/* an egress of NET_ANYCAST */
	int			 lm_set;	/* net_lastmile() was called */
	int			 lm_health;
	double			 lm_ms;
};

struct net {
	size_t			 n;
	uint64_t		 now;
	struct net_conf		 c;
	struct net_hooks	 h;
	struct node		*nodes;
	char			(*names)[MATRIX_NAME_MAX + 1];
	uint32_t		*ids;
	uint32_t		*idhash;	/* open addressing: idx+1 */
	size_t			 idcap;
	int32_t			*pidx;		/* n*n: index of j in i's peers */
	uint64_t		*owd;		/* n*n ns, NET_NONE no link */
	uint64_t		*extra;		/* n*n ns of congestion delay */
	uint32_t		*loss;		/* n*n ppm of congestion loss */
	uint8_t			*cut;		/* n*n */
	uint64_t		*last_at;	/* n*n: latest arrival so far */
	uint64_t		 rng;
	struct flight		*fl;		/* heap */
	size_t			 nfl, capfl;
	uint64_t		 seq;
	size_t			*dh;		/* deadline heap of nodes */
	size_t			 ndh;
	struct pool		 small, large;
	uint64_t		 events;
	struct engine_origin_conf *origins;
};

static const struct engine_ops net_ops;

/* ------------------------------------------------------------- pool */

static void *
pool_get(struct pool *p)
{
	void *b;
	size_t i;

	if (p->free == NULL) {
		char *slab = xcalloc(POOL_SLAB, p->size);

		p->slabs = xreallocarray(p->slabs, p->nslabs + 1,
		    sizeof(*p->slabs));
		p->slabs[p->nslabs++] = slab;
		for (i = 0; i < POOL_SLAB; i++) {
			*(void **)(void *)(slab + i * p->size) = p->free;
			p->free = slab + i * p->size;
		}
	}
	b = p->free;
	p->free = *(void **)b;
	return b;
}

static void
pool_put(struct pool *p, void *b)
{
	*(void **)b = p->free;
	p->free = b;
}

static void
pool_free(struct pool *p)
{
	size_t i;

	for (i = 0; i < p->nslabs; i++)
		free(p->slabs[i]);
	free(p->slabs);
	memset(p, 0, sizeof(*p));
}

/* ------------------------------------------------------------ random */

static uint64_t
rnd(struct net *net)
{
	uint64_t z = (net->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* ------------------------------------------------------------ heaps */

static int
fl_less(const struct flight *a, const struct flight *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void
fl_push(struct net *net, const struct flight *f)
{
	size_t i, up;

	if (net->nfl == net->capfl) {
		net->capfl = net->capfl ? net->capfl * 2 : 4096;
		net->fl = xreallocarray(net->fl, net->capfl, sizeof(*net->fl));
	}
	i = net->nfl++;
	while (i > 0) {
		up = (i - 1) / 2;
		if (!fl_less(f, &net->fl[up]))
			break;
		net->fl[i] = net->fl[up];
		i = up;
	}
	net->fl[i] = *f;
}

static void
fl_pop(struct net *net, struct flight *out)
{
	struct flight last;
	size_t i = 0, c, n;

	*out = net->fl[0];
	last = net->fl[--net->nfl];
	n = net->nfl;
	while ((c = 2 * i + 1) < n) {
		if (c + 1 < n && fl_less(&net->fl[c + 1], &net->fl[c]))
			c++;
		if (!fl_less(&net->fl[c], &last))
			break;
		net->fl[i] = net->fl[c];
		i = c;
	}
	if (n > 0)
		net->fl[i] = last;
}

static int
dh_less(const struct net *net, size_t a, size_t b)
{
	const struct node *x = &net->nodes[a], *y = &net->nodes[b];

	return x->deadline < y->deadline ||
	    (x->deadline == y->deadline && a < b);
}

static void
dh_set(struct net *net, size_t pos, size_t node)
{
	net->dh[pos] = node;
	net->nodes[node].hpos = pos;
}

static void
dh_fix(struct net *net, size_t node)
{
	size_t i = net->nodes[node].hpos, up, c, n = net->ndh;

	while (i > 0) {
		up = (i - 1) / 2;
		if (!dh_less(net, node, net->dh[up]))
			break;
		dh_set(net, i, net->dh[up]);
		i = up;
	}
	for (;;) {
		c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && dh_less(net, net->dh[c + 1], net->dh[c]))
			c++;
		if (!dh_less(net, net->dh[c], node))
			break;
		dh_set(net, i, net->dh[c]);
		i = c;
	}
	dh_set(net, i, node);
}

static void
touched(struct net *net, size_t i)
{
	struct node *nd = &net->nodes[i];

	nd->deadline = nd->e != NULL ? engine_next_deadline(nd->e) : NET_NONE;
	dh_fix(net, i);
	if (net->h.step != NULL)
		net->h.step(net->h.arg, i, net->now);
}

/* ------------------------------------------------------------ setup */

static void
id_insert(struct net *net, size_t i)
{
	size_t h = (net->ids[i] * 2654435761U) & (net->idcap - 1);

	while (net->idhash[h] != 0) {
		if (net->ids[net->idhash[h] - 1] == net->ids[i])
			fatalx("node ids of \"%s\" and \"%s\" collide",
			    net->names[net->idhash[h] - 1], net->names[i]);
		h = (h + 1) & (net->idcap - 1);
	}
	net->idhash[h] = (uint32_t)i + 1;
}

long
net_index(const struct net *net, uint32_t id)
{
	size_t h = (id * 2654435761U) & (net->idcap - 1);

	while (net->idhash[h] != 0) {
		if (net->ids[net->idhash[h] - 1] == id)
			return (long)net->idhash[h] - 1;
		h = (h + 1) & (net->idcap - 1);
	}
	return -1;
}

void
net_set_matrix(struct net *net, const struct matrix *m)
{
	size_t n = net->n, i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			double v = matrix_get(m, i, j);

			if (v < 0)
				v = matrix_get(m, j, i);
			net->owd[i * n + j] = v < 0 ? NET_NONE :
			    (uint64_t)(v * (double)MSEC / 2 + 0.5);
		}
}

/*
 * The anycast origin: k egresses, node (j * n) / k for j < k. Each egress
 * gets a config of its own with the shared origins plus this one.
 */
static void
anycast_setup(struct net *net, size_t k)
{
	struct engine_origin_conf *o = &net->origins[net->n];
	char err[160];
	size_t j, e;

	snprintf(o->name, sizeof(o->name), "%s", NET_ANYCAST);
	o->nprefixes = 1;
	o->prefixes = xcalloc(1, sizeof(*o->prefixes));
	if (prefix_parse("10.255.255.0/24", &o->prefixes[0], err,
	    sizeof(err)) != NULL)
		fatalx("%s", err);
	o->negress = k;
	o->egress = xcalloc(k, sizeof(uint32_t));
	o->egress_names = xcalloc(k, sizeof(*o->egress_names));
	for (j = 0; j < k; j++) {
		e = j * net->n / k;
		o->egress[j] = net->ids[e];
		snprintf(o->egress_names[j], sizeof(o->egress_names[j]), "%s",
		    net->names[e]);
		net->nodes[e].anycast = 1;
		net->nodes[e].conf.norigins = net->n + 1;
	}
	o->tier_mode = net->c.anycast_tiers;
	o->tier_k = net->c.anycast_k;
	if (o->tier_mode != TIER_SMART)
		for (j = 0; j < net->n; j++)
			net->nodes[j].conf.norigins = net->n + 1;
}

struct net *
net_new(const struct matrix *m, const struct net_conf *c,
    const struct net_hooks *h)
{
	struct net *net = xcalloc(1, sizeof(*net));
	size_t n = m->n, i, j, k;

	net->n = n;
	net->c = *c;
	net->h = *h;
	net->rng = c->seed ^ 0x5eed5eed5eed5eedULL;
	net->small.size = SMALL_BUF;
	net->large.size = WIRE_MTU;
	net->names = xcalloc(n, sizeof(*net->names));
	memcpy(net->names, m->names, n * sizeof(*net->names));
	net->ids = xcalloc(n, sizeof(*net->ids));
	for (net->idcap = 16; net->idcap < 2 * n; net->idcap *= 2)
		;
	net->idhash = xcalloc(net->idcap, sizeof(*net->idhash));
	for (i = 0; i < n; i++) {
		net->ids[i] = wire_node_id(net->names[i]);
		id_insert(net, i);
	}
	net->pidx = xcalloc(n * n, sizeof(*net->pidx));
	net->owd = xcalloc(n * n, sizeof(*net->owd));
	net->extra = xcalloc(n * n, sizeof(*net->extra));
	net->loss = xcalloc(n * n, sizeof(*net->loss));
	net->cut = xcalloc(n * n, sizeof(*net->cut));
	net->last_at = xcalloc(n * n, sizeof(*net->last_at));
	net_set_matrix(net, m);

	/*
	 * One origin per node, egress at that node: routes are all-pairs.
	 * The anycast origin, if any, comes last: only its egresses list it.
	 */
	net->origins = xcalloc(n + 1, sizeof(*net->origins));
	for (i = 0; i < n; i++) {
		struct engine_origin_conf *o = &net->origins[i];
		char pfx[32], err[160];

		snprintf(o->name, sizeof(o->name), "o%zu", i);
		snprintf(pfx, sizeof(pfx), "10.%zu.%zu.0/24", (i >> 8) & 255,
		    i & 255);
		o->nprefixes = 1;
		o->prefixes = xcalloc(1, sizeof(*o->prefixes));
		if (prefix_parse(pfx, &o->prefixes[0], err,
		    sizeof(err)) != NULL)
			fatalx("%s", err);
		o->negress = 1;
		o->egress = xcalloc(1, sizeof(uint32_t));
		o->egress[0] = net->ids[i];
		o->egress_names = xcalloc(1, sizeof(*o->egress_names));
		snprintf(o->egress_names[0], sizeof(o->egress_names[0]), "%s",
		    net->names[i]);
	}

	net->nodes = xcalloc(n, sizeof(*net->nodes));
	net->dh = xcalloc(n, sizeof(*net->dh));
	for (i = 0; i < n; i++) {
		struct node *nd = &net->nodes[i];
		struct engine_conf *ec = &nd->conf;

		nd->net = net;
		nd->idx = i;
		nd->boot = 1000;
		nd->deadline = NET_NONE;
		nd->start_at = NET_NONE;
		dh_set(net, i, i);
		snprintf(ec->name, sizeof(ec->name), "%s", net->names[i]);
		ec->id = net->ids[i];
		for (k = 0; k < WIRE_KEY_LEN; k++)
			ec->key[k] = (uint8_t)(k * 13 + 7);
		ec->p = c->params;
		ec->peers = xcalloc(n, sizeof(*ec->peers));
		nd->peer_node = xcalloc(n, sizeof(*nd->peer_node));
		for (j = k = 0; j < n; j++) {
			net->pidx[i * n + j] = -1;
			if (j == i || (c->peers != NULL && !c->peers[i * n + j]))
				continue;
			snprintf(ec->peers[k].name, sizeof(ec->peers[k].name),
			    "%s", net->names[j]);
			ec->peers[k].id = net->ids[j];
			nd->peer_node[k] = (uint32_t)j;
			net->pidx[i * n + j] = (int32_t)k;
			k++;
		}
		ec->npeers = k;
		ec->origins = net->origins;
		ec->norigins = n;
	}
	if (c->anycast > 0)
		anycast_setup(net, c->anycast < n ? c->anycast : n);
	net->ndh = n;
	return net;
}

void
net_free(struct net *net)
{
	size_t i;

	if (net == NULL)
		return;
	for (i = 0; i < net->n; i++) {
		engine_free(net->nodes[i].e);
		free(net->nodes[i].conf.peers);
		free(net->nodes[i].peer_node);
	}
	for (i = 0; i <= net->n; i++) {	/* the last: anycast */
		free(net->origins[i].prefixes);
		free(net->origins[i].egress);
		free(net->origins[i].egress_names);
	}
	free(net->origins);
	free(net->nodes);
	free(net->names);
	free(net->ids);
	free(net->idhash);
	free(net->pidx);
	free(net->owd);
	free(net->extra);
	free(net->loss);
	free(net->cut);
	free(net->last_at);
	free(net->fl);
	free(net->dh);
	pool_free(&net->small);
	pool_free(&net->large);
	free(net);
}

/* ---------------------------------------------------------- engines */

static void
lastmile_apply(struct net *net, size_t i)
{
	struct node *nd = &net->nodes[i];
	struct engine_lastmile lm;
	char own[WIRE_NAME_MAX + 1];

	if (nd->e == NULL || !nd->lm_set)
		return;
	lm.health = nd->lm_health;
	lm.cost_ms = nd->lm_ms;
	snprintf(own, sizeof(own), "%s", net->origins[i].name);
	engine_lastmile(nd->e, net->now, own, &lm);
	if (nd->anycast)
		engine_lastmile(nd->e, net->now, NET_ANYCAST, &lm);
	touched(net, i);
}

static void
node_start(struct net *net, size_t i)
{
	struct node *nd = &net->nodes[i];
	uint64_t seed = net->c.seed * 0x9e3779b97f4a7c15ULL ^
	    ((uint64_t)i << 32 | nd->boot);

	nd->e = engine_new(&nd->conf, &net_ops, nd, net->now, nd->boot,
	    seed | 1);
	touched(net, i);
	lastmile_apply(net, i);	/* what its checks would find at once */
}

void
net_lastmile(struct net *net, size_t a, int health, double ms)
{
	struct node *nd = &net->nodes[a];

	nd->lm_set = 1;
	nd->lm_health = health;
	if (ms >= 0)
		nd->lm_ms = ms;
	else if (nd->lm_ms == 0)
		nd->lm_ms = -1;
	lastmile_apply(net, a);
}

int
net_anycast_egress(const struct net *net, size_t a)
{
	return net->nodes[a].anycast;
}

double
net_lastmile_ms(const struct net *net, size_t a)
{
	return net->nodes[a].lm_set && net->nodes[a].lm_ms > 0 ?
	    net->nodes[a].lm_ms : 0;
}

int
net_lastmile_health(const struct net *net, size_t a)
{
	return net->nodes[a].lm_set ? net->nodes[a].lm_health :
	    WIRE_ORIGIN_UNKNOWN;
}

void
net_start(struct net *net, uint64_t stagger)
{
	size_t i;

	for (i = 0; i < net->n; i++) {
		struct node *nd = &net->nodes[i];

		if (nd->e != NULL)
			continue;
		if (stagger == 0) {
			node_start(net, i);
			continue;
		}
		/* the engine starts when its "deadline" comes */
		nd->start_at = net->now + rnd(net) % stagger;
		nd->deadline = nd->start_at;
		dh_fix(net, i);
	}
}

void
net_node_down(struct net *net, size_t i)
{
	struct node *nd = &net->nodes[i];

	nd->start_at = NET_NONE;
	if (nd->e == NULL) {
		touched(net, i);	/* cancels a pending start */
		return;
	}
	engine_free(nd->e);
	nd->e = NULL;
	touched(net, i);
}

void
net_node_up(struct net *net, size_t i)
{
	struct node *nd = &net->nodes[i];

	if (nd->e != NULL)
		return;
	nd->start_at = NET_NONE;
	nd->boot++;		/* boot ids grow across restarts */
	node_start(net, i);
}

static int
link_usable(const struct net *net, size_t a, size_t b)
{
	return net->owd[a * net->n + b] != NET_NONE && !net->cut[a * net->n + b];
}

static void
ev_send(void *arg, size_t peer, const void *buf, size_t len)
{
	struct node *nd = arg;
	struct net *net = nd->net;
	struct flight f;
	size_t to, k;
	uint8_t type;
	uint64_t loss;

	if (peer >= nd->conf.npeers || len > WIRE_MTU || len < 4)
		fatalx("engine %s sent %zu bytes to peer %zu", nd->conf.name,
		    len, peer);
	type = (uint8_t)wire_sent_type(buf, len);
	nd->t.pkts[type]++;
	nd->t.bytes[type] += len + NET_IPUDP_OVERHEAD;
	to = nd->peer_node[peer];
	k = nd->idx * net->n + to;
	if (!link_usable(net, nd->idx, to))
		return;
	loss = (uint64_t)net->c.loss_ppm + net->loss[k];
	if (loss > 0 && rnd(net) % 1000000 < loss)
		return;
	f.at = net->now + net->owd[k] + net->extra[k];
	if (net->c.jitter > 0)
		f.at += rnd(net) % (net->c.jitter + 1);
	/*
	 * A path is a queue: a datagram does not overtake the one sent
	 * before it on the same link, however the jitter fell, unless
	 * reordering is asked for. Jittering each datagram on its own
	 * reordered one link far more often than a real path does.
	 */
	if (net->c.reorder_ppm == 0 ||
	    rnd(net) % 1000000 >= net->c.reorder_ppm) {
		if (f.at < net->last_at[k])
			f.at = net->last_at[k];
	}
	if (f.at > net->last_at[k])
		net->last_at[k] = f.at;
	f.seq = net->seq++;
	f.from = (uint32_t)nd->idx;
	f.to = (uint32_t)to;
	f.len = (uint32_t)len;
	f.buf = pool_get(len <= SMALL_BUF ? &net->small : &net->large);
	memcpy(f.buf, buf, len);
	fl_push(net, &f);
}

static void
ev_route(void *arg, const struct engine_route_event *ev)
{
	struct node *nd = arg;

	if (nd->net->h.route != NULL)
		nd->net->h.route(nd->net->h.arg, nd->idx, ev, nd->net->now);
}

static void
ev_link(void *arg, const struct engine_link_event *ev)
{
	struct node *nd = arg;

	if (nd->net->h.link != NULL)
		nd->net->h.link(nd->net->h.arg, nd->idx, ev, nd->net->now);
}

static void
ev_tier(void *arg, const struct engine_tier_event *ev)
{
	struct node *nd = arg;

	if (nd->net->h.tier != NULL)
		nd->net->h.tier(nd->net->h.arg, nd->idx, ev, nd->net->now);
}

static const struct engine_ops net_ops = { ev_send, ev_link, ev_route, NULL,
    ev_tier };

void
net_run_until(struct net *net, uint64_t t)
{
	struct flight f;

	for (;;) {
		uint64_t tp = net->nfl > 0 ? net->fl[0].at : NET_NONE;
		size_t ei = net->dh[0];
		uint64_t te = net->nodes[ei].deadline;

		if ((tp > t || tp == NET_NONE) && (te > t || te == NET_NONE))
			break;
		net->events++;
		if (te <= tp) {
			net->now = te;
			if (net->nodes[ei].e == NULL) {
				net->nodes[ei].start_at = NET_NONE;
				node_start(net, ei);
				continue;
			}
			engine_run(net->nodes[ei].e, te);
			touched(net, ei);
			continue;
		}
		fl_pop(net, &f);
		net->now = f.at;
		if (net->nodes[f.to].e != NULL &&
		    link_usable(net, f.from, f.to)) {
			struct node *nd = &net->nodes[f.to];

			nd->t.rx_pkts++;
			nd->t.rx_bytes += f.len + NET_IPUDP_OVERHEAD;
			engine_input(nd->e, net->now,
			    net->pidx[f.to * net->n + f.from], f.buf, f.len,
			    net->now);
			touched(net, f.to);
		}
		pool_put(f.len <= SMALL_BUF ? &net->small : &net->large,
		    f.buf);
	}
	if (t > net->now)
		net->now = t;
}

/* ------------------------------------------------------------ links */

void
net_cut(struct net *net, size_t a, size_t b, int cut)
{
	net->cut[a * net->n + b] = net->cut[b * net->n + a] = cut ? 1 : 0;
}

void
net_shift(struct net *net, double frac, uint64_t seed)
{
	uint64_t r = seed | 1, *o;
	size_t n = net->n, i, j;
	double f;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			r ^= r << 13;
			r ^= r >> 7;
			r ^= r << 17;
			f = 1 + frac * (2.0 * (double)(r >> 11) / 0x1p53 - 1);
			o = &net->owd[i * n + j];
			if (*o != NET_NONE)
				*o = (uint64_t)((double)*o * f + 0.5);
			o = &net->owd[j * n + i];
			if (*o != NET_NONE)
				*o = (uint64_t)((double)*o * f + 0.5);
		}
}

void
net_congest(struct net *net, size_t a, size_t b, uint64_t extra_rtt,
    uint32_t loss_ppm)
{
	net->extra[a * net->n + b] = net->extra[b * net->n + a] =
	    extra_rtt / 2;
	net->loss[a * net->n + b] = net->loss[b * net->n + a] = loss_ppm;
}

uint64_t
net_true_rtt(const struct net *net, size_t a, size_t b)
{
	size_t n = net->n;

	if (a == b || net->nodes[a].e == NULL || net->nodes[b].e == NULL ||
	    !link_usable(net, a, b) || !link_usable(net, b, a) ||
	    net->pidx[a * n + b] < 0 || net->pidx[b * n + a] < 0)
		return NET_NONE;
	/* jitter is uniform 0..jitter each way: its mean is part of the
	 * latency every packet sees */
	return net->owd[a * n + b] + net->extra[a * n + b] +
	    net->owd[b * n + a] + net->extra[b * n + a] + net->c.jitter;
}

double
net_true_loss(const struct net *net, size_t a, size_t b)
{
	size_t n = net->n;
	double ab = ((double)net->c.loss_ppm + net->loss[a * n + b]) / 1e6,
	    ba = ((double)net->c.loss_ppm + net->loss[b * n + a]) / 1e6;

	if (ab > 1)
		ab = 1;
	if (ba > 1)
		ba = 1;
	return 1 - (1 - ab) * (1 - ba);
}

const struct engine_params *
net_params(const struct net *net)
{
	return &net->c.params;
}

int
net_configured(const struct net *net, size_t a, size_t b)
{
	return net->pidx[a * net->n + b] >= 0;
}

/* ---------------------------------------------------------- queries */

size_t
net_size(const struct net *net)
{
	return net->n;
}

uint64_t
net_now(const struct net *net)
{
	return net->now;
}

const char *
net_name(const struct net *net, size_t i)
{
	return net->names[i];
}

uint32_t
net_id(const struct net *net, size_t i)
{
	return net->ids[i];
}

struct engine *
net_engine(const struct net *net, size_t i)
{
	return net->nodes[i].e;
}

int
net_alive(const struct net *net, size_t i)
{
	return net->nodes[i].e != NULL;
}

const struct net_traffic *
net_traffic(const struct net *net, size_t i)
{
	return &net->nodes[i].t;
}

uint64_t
net_events(const struct net *net)
{
	return net->events;
}

size_t
net_in_flight(const struct net *net)
{
	return net->nfl;
}
