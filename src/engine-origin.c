/*
 * Origins in the database (DESIGN.md decision 10; wire.h, "Origins in
 * rows").
 *
 * An egress PoP serves the origins of its config that name it on their
 * egress line. For each it puts one entry in its own row: the id of the
 * origin's declaration (name and prefixes), its health and the last-mile
 * cost the daemon measured (engine_lastmile()). Changes are damped where
 * they are advertised, like links (decision 2): health at once, cost
 * only when its moving average leaves a band around what was last
 * advertised.
 *
 * Declarations travel apart from rows and name themselves (the id is a
 * hash of the content), so they never go stale: a PoP that installs a
 * row naming a declaration it lacks asks the PoP it got the row from,
 * retries with others while it waits, and checks the answer against the
 * id. Declarations no row names are forgotten after a row's lifetime.
 *
 * Tier policies (version 5; wire.h): an origin configured with static or
 * regional tiers gets a second declaration, with the policy, which the
 * row names in a policy entry beside the origin entry; peers of version
 * 4 never see it. Every PoP of version 5 then takes an origin's policy
 * from the database (origins_policy()), so all of them compute the same
 * tiers whatever their own origin blocks say.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine-int.h"
#include "log.h"

#define DECL_RETRY	(1 * SEC)
#define DECL_MAX	4096
/* Cost bands: re-advertise past max(20 %, 2 ms) of the advertised. */
#define LM_BAND_PCT	20
#define LM_BAND_MIN	20		/* 0.1 ms */

/* Declarations are kept sorted by id. */
static struct odecl *
decl_find(const struct engine *e, uint32_t id)
{
	size_t lo = 0, hi = e->ndecls, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (e->decls[mid].id == id)
			return &e->decls[mid];
		if (e->decls[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct wire_origin *
origins_decl(const struct engine *e, uint32_t id)
{
	const struct odecl *d = decl_find(e, id);

	return d != NULL ? d->d : NULL;
}

static struct odecl *
decl_add(struct engine *e, uint32_t id)
{
	struct odecl *d;
	size_t i;

	if ((d = decl_find(e, id)) != NULL)
		return d;
	if (e->ndecls >= DECL_MAX)
		return NULL;
	e->decls = xreallocarray(e->decls, e->ndecls + 1, sizeof(*e->decls));
	for (i = e->ndecls; i > 0 && e->decls[i - 1].id > id; i--)
		;
	memmove(&e->decls[i + 1], &e->decls[i],
	    (e->ndecls - i) * sizeof(*e->decls));
	e->ndecls++;
	d = &e->decls[i];
	memset(d, 0, sizeof(*d));
	d->id = id;
	return d;
}

static int
pfx_cmp(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

static int
id_cmp(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

_Static_assert((int)WIRE_TIER_SMART == (int)TIER_SMART &&
    (int)WIRE_TIER_STATIC == (int)TIER_STATIC &&
    (int)WIRE_TIER_REGIONAL == (int)TIER_REGIONAL &&
    WIRE_TIERS_MAX == TIER_UPPERS_MAX, "tier modes as the wire numbers them");

/*
 * The declarations of a configured origin: prefixes sorted, as on the
 * wire, without a policy (d) and with its tier policy (dp; 0 when the
 * policy is the default).
 */
static int
decl_of_conf(const struct engine_origin_conf *o, struct wire_origin *d,
    struct wire_origin *dp)
{
	size_t n = o->nprefixes, i, k;

	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", o->name);
	if (n > WIRE_ORIGIN_PREFIX_MAX)
		n = WIRE_ORIGIN_PREFIX_MAX;	/* the config refuses more */
	memcpy(d->prefixes, o->prefixes, n * sizeof(*o->prefixes));
	qsort(d->prefixes, n, sizeof(*d->prefixes), pfx_cmp);
	d->nprefixes = (uint8_t)n;
	d->id = wire_origin_id(d->name, d->prefixes, n);
	*dp = *d;
	if (o->tier_mode != TIER_STATIC && o->tier_mode != TIER_REGIONAL)
		return 0;
	dp->tier_mode = (uint8_t)o->tier_mode;
	dp->tier_k = o->tier_mode == TIER_REGIONAL ? (uint8_t)(o->tier_k ?
	    (o->tier_k > WIRE_TIERS_MAX ? WIRE_TIERS_MAX : o->tier_k) : 1) : 0;
	for (i = 0; i < o->ntier && i < WIRE_TIERS_MAX; i++)
		dp->tiers[i] = o->tier[i];
	qsort(dp->tiers, i, sizeof(*dp->tiers), id_cmp);
	for (n = i, i = k = 0; i < n; i++)	/* named twice: once */
		if (dp->tiers[i] != 0 && (k == 0 ||
		    dp->tiers[k - 1] != dp->tiers[i]))
			dp->tiers[k++] = dp->tiers[i];
	dp->ntiers = (uint8_t)k;
	if (dp->tier_mode == TIER_STATIC && k == 0)
		return 0;	/* the config refuses that */
	dp->id = wire_origin_full_id(dp);
	return 1;
}

static void
decl_keep(struct engine *e, const struct wire_origin *d)
{
	struct odecl *od;

	if ((od = decl_add(e, d->id)) != NULL && od->d == NULL) {
		od->d = xcalloc(1, sizeof(*od->d));
		*od->d = *d;
	}
}

static int
served_cmp(const void *a, const void *b)
{
	const struct served *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

void
origins_configure(struct engine *e)
{
	struct served *old = e->served, *s;
	size_t nold = e->nserved, i, j, n = 0;
	struct wire_origin d, dp;
	int has_policy;

	e->served = xcalloc(e->conf.norigins + 1, sizeof(*e->served));
	for (i = 0; i < e->conf.norigins; i++) {
		const struct engine_origin_conf *o = &e->conf.origins[i];

		for (j = 0; j < o->negress; j++)
			if (o->egress[j] == e->conf.id)
				break;
		if (j == o->negress || o->nprefixes == 0)
			continue;
		has_policy = decl_of_conf(o, &d, &dp) &&
		    engine_version(e) >= 5;
		s = &e->served[n++];
		memset(s, 0, sizeof(*s));
		s->id = d.id;
		s->health = WIRE_ORIGIN_UNKNOWN;
		s->adv_cost = WIRE_RTT_UNKNOWN;
		s->ewma = -1;
		/* the same declaration keeps what was measured of it */
		for (j = 0; j < nold; j++)
			if (old[j].id == d.id)
				*s = old[j];
		snprintf(s->name, sizeof(s->name), "%s", o->name);
		s->policy = has_policy ? dp.id : 0;
		decl_keep(e, &d);
		if (has_policy)
			decl_keep(e, &dp);
	}
	e->nserved = n;
	qsort(e->served, n, sizeof(*e->served), served_cmp);
	free(old);
	e->origins_push = 1;
	e->decls_gen++;
}

/* Origin entries, then policy entries (at most 2 per origin served). */
size_t
origins_row_entries(const struct engine *e, struct wire_lsa_entry *out)
{
	size_t i, k = 0;

	for (i = 0; i < e->nserved; i++, k++) {
		out[k].peer = e->served[i].id;
		out[k].rtt = e->served[i].adv_cost;
		out[k].loss = 0;
		out[k].state = (uint8_t)(WIRE_ENTRY_ORIGIN |
		    e->served[i].health);
	}
	for (i = 0; i < e->nserved; i++)
		if (e->served[i].policy != 0) {
			memset(&out[k], 0, sizeof(out[k]));
			out[k].peer = e->served[i].policy;
			out[k++].state = WIRE_ENTRY_POLICY;
		}
	return k;
}

int
engine_lastmile(struct engine *e, uint64_t now, const char *origin,
    const struct engine_lastmile *lm)
{
	struct served *s = NULL;
	uint8_t health;
	uint16_t cost, band;
	size_t i;
	int change = 0;

	for (i = 0; i < e->nserved; i++)
		if (strcmp(e->served[i].name, origin) == 0)
			s = &e->served[i];
	if (s == NULL)
		return -1;
	health = lm->health == WIRE_ORIGIN_HEALTHY ? WIRE_ORIGIN_HEALTHY :
	    lm->health == WIRE_ORIGIN_UNHEALTHY ? WIRE_ORIGIN_UNHEALTHY :
	    WIRE_ORIGIN_UNKNOWN;
	if (health != s->health) {
		s->health = health;
		change = 1;
	}
	if (lm->cost_ms >= 0) {
		double x = lm->cost_ms * 10;	/* 0.1 ms */

		s->ewma = s->ewma < 0 ? x : 0.75 * s->ewma + 0.25 * x;
		cost = s->ewma >= WIRE_RTT_UNKNOWN - 1 ?
		    WIRE_RTT_UNKNOWN - 1 : (uint16_t)(s->ewma + 0.5);
		if (s->adv_cost == WIRE_RTT_UNKNOWN) {
			s->adv_cost = cost;
			change = 1;
		} else {
			band = (uint16_t)(s->adv_cost * LM_BAND_PCT / 100);
			if (band < LM_BAND_MIN)
				band = LM_BAND_MIN;
			if (cost > s->adv_cost + band ||
			    cost + band < s->adv_cost) {
				s->adv_cost = cost;
				change = 1;
			}
		}
	}
	if (change)
		flood_schedule_originate(e, now);
	return 0;
}

static void
send_decl_request(struct engine *e, size_t peer, const uint32_t *ids,
    size_t n)
{
	struct wire_hdr h;

	engine_hdr(e, peer, &h, WIRE_ORIGIN_REQUEST);
	engine_xmit(e, peer, wire_encode_request(e->pkt, sizeof(e->pkt),
	    e->conf.key, &h, ids, n));
	e->c.origin_requests_sent++;
}

/*
 * Declarations to one peer in the form of its version, as many per
 * datagram as fit; a peer of version 4 gets none with a policy.
 */
static void
send_decls(struct engine *e, size_t peer, const struct odecl **v, size_t n)
{
	struct wire_origin *batch;
	struct wire_hdr h;
	size_t i, k = 0, room = wire_origins_room(), used = 0, len;
	unsigned ver = engine_tx_version(e, peer);

	batch = xcalloc(n ? n : 1, sizeof(*batch));
	for (i = 0; i <= n; i++) {
		if (i < n && ver < 5 && wire_origin_has_policy(v[i]->d))
			continue;
		len = i < n ? wire_origin_len(v[i]->d, ver) : 0;
		if (k > 0 && (i == n || used + len > room)) {
			engine_hdr(e, peer, &h, WIRE_ORIGINS);
			engine_xmit(e, peer, wire_encode_origins(e->pkt,
			    sizeof(e->pkt), e->conf.key, &h, batch, k));
			e->c.origins_sent++;
			k = used = 0;
		}
		if (i < n) {
			batch[k++] = *v[i]->d;
			used += len;
		}
	}
	free(batch);
}

/* Our own declarations, to one peer (or every live one: SIZE_MAX). */
static void
push_own(struct engine *e, size_t peer)
{
	const struct odecl **v;
	struct odecl *d;
	size_t i, k = 0;

	v = xcalloc(2 * e->nserved + 1, sizeof(*v));
	for (i = 0; i < e->nserved; i++) {
		if ((d = decl_find(e, e->served[i].id)) != NULL &&
		    d->d != NULL)
			v[k++] = d;
		if (e->served[i].policy != 0 &&
		    (d = decl_find(e, e->served[i].policy)) != NULL &&
		    d->d != NULL)
			v[k++] = d;
	}
	for (i = 0; k > 0 && i < e->npeers; i++) {
		if (peer != SIZE_MAX ? i != peer :
		    e->peers[i].pl.state == LINK_DOWN)
			continue;
		if (engine_tx_version(e, i) < engine_version(e))
			e->peers[i].low_sent = 1;
		send_decls(e, i, v, k);
	}
	free(v);
}

void
origins_push_to(struct engine *e, size_t peer)
{
	push_own(e, peer);
}

/*
 * The tier policy the database gives an origin: the declaration named
 * by a policy entry of a row that also serves the origin under the same
 * name and prefixes; when rows disagree, the one of the lowest node id,
 * so that every PoP takes the same. NULL: none advertised (the local
 * origin block, else smart tiers, apply).
 */
const struct wire_origin *
origins_policy(const struct engine *e, const char *name)
{
	const struct wire_origin *best = NULL, *d;
	uint32_t best_id = 0, base;
	size_t i, j, q;

	if (engine_version(e) < 5)
		return NULL;
	for (i = 0; i < e->db.nslots; i++) {
		const struct lsdb_node *n = &e->db.slots[i];

		if (!n->in_use || !n->has_row || n->npolicies == 0 ||
		    (best != NULL && n->id >= best_id))
			continue;
		for (j = 0; j < n->npolicies; j++) {
			if ((d = origins_decl(e, n->policies[j])) == NULL ||
			    strcmp(d->name, name) != 0)
				continue;
			base = wire_origin_id(d->name, d->prefixes,
			    d->nprefixes);
			for (q = 0; q < n->norigins; q++)
				if (n->origins[q].peer == base)
					break;
			if (q == n->norigins)
				continue;	/* a policy it does not serve */
			best = d;
			best_id = n->id;
			break;
		}
	}
	return best;
}

/* Ask for the declarations a row names that we lack. */
void
origins_row_installed(struct engine *e, const struct lsdb_node *n,
    size_t from, uint64_t now)
{
	uint32_t ids[64], id;
	struct odecl *d;
	size_t i, k = 0;
	int policy;

	for (i = 0; i < n->norigins + n->npolicies; i++) {
		policy = i >= n->norigins;
		id = policy ? n->policies[i - n->norigins] : n->origins[i].peer;
		if ((d = decl_find(e, id)) == NULL &&
		    (d = decl_add(e, id)) == NULL)
			continue;
		d->unused_since = 0;
		d->policy |= policy;
		if (d->d != NULL || (d->asked_at != 0 &&
		    now - d->asked_at < DECL_RETRY))
			continue;
		/* a peer of version 4 does not hold policies: origins_run()
		 * asks one of version 5 */
		if (policy && engine_tx_version(e, from) < 5) {
			d->asked_from = n->id;
			e->decls_wanted = 1;
			continue;
		}
		d->asked_at = now;
		d->asked_from = n->id;
		e->decls_wanted = 1;
		if (now + DECL_RETRY < e->decls_retry_at)
			e->decls_retry_at = now + DECL_RETRY;
		ids[k++] = d->id;
		if (k == sizeof(ids) / sizeof(ids[0])) {
			send_decl_request(e, from, ids, k);
			k = 0;
		}
	}
	if (k > 0)
		send_decl_request(e, from, ids, k);
}

void
origins_input(struct engine *e, const struct wire_list *l, uint64_t now)
{
	struct wire_origin_iter it = { 0, 0 };
	struct wire_origin o;
	struct odecl *d;
	int learnt = 0;

	while (wire_origin_next(l, &it, &o) == 0) {
		/* only what some row names, or we would store anything */
		if ((d = decl_find(e, o.id)) == NULL || d->d != NULL)
			continue;
		if (engine_version(e) < 5 && wire_origin_has_policy(&o))
			continue;	/* as version 4: unknown */
		d->d = xcalloc(1, sizeof(*d->d));
		*d->d = o;
		learnt = 1;
		e->decls_gen++;
		e->c.origins_learnt++;
	}
	if (learnt)
		routes_schedule_spf(e, now);
}

void
origins_request(struct engine *e, size_t from, const struct wire_list *l)
{
	const struct odecl **v;
	const struct odecl *d;
	size_t i, k = 0;

	v = xcalloc(l->n ? l->n : 1, sizeof(*v));
	for (i = 0; i < l->n; i++)
		if ((d = decl_find(e, wire_request_entry(l, i))) != NULL &&
		    d->d != NULL)
			v[k++] = d;
	if (k > 0)
		send_decls(e, from, v, k);
	free(v);
}

/*
 * Periodic work: push our own declarations after a (re)configuration,
 * ask again for those still missing (from the egress itself when it is a
 * peer, else from any live peer), forget those nothing names.
 */
void
origins_run(struct engine *e, uint64_t now)
{
	struct odecl *d;
	size_t i, j, live = 0, live5 = 0;
	uint64_t next = UINT64_MAX;

	if (e->origins_push) {
		e->origins_push = 0;
		push_own(e, SIZE_MAX);
	}
	/* nothing to ask again before decls_retry_at (O(peers) to find) */
	if (!e->decls_wanted || now < e->decls_retry_at)
		return;
	e->decls_wanted = 0;
	for (i = 0; i < e->npeers; i++) {
		live += e->peers[i].pl.state != LINK_DOWN;
		live5 += e->peers[i].pl.state != LINK_DOWN &&
		    engine_tx_version(e, i) >= 5;
	}
	for (i = 0; i < e->ndecls; i++) {
		d = &e->decls[i];
		if (d->d != NULL)
			continue;
		e->decls_wanted = 1;
		if (now - d->asked_at < DECL_RETRY || live == 0) {
			if (live == 0)
				next = 0;
			else if (d->asked_at + DECL_RETRY < next)
				next = d->asked_at + DECL_RETRY;
			continue;
		}
		/*
		 * The first retry goes to the PoP whose row named it (it
		 * holds the declaration for sure), the next ones to the
		 * live peers in turn (without the timer jitter's generator: its
		 * sequence is part of a run's reproducibility).
		 */
		/* a policy: only from peers of version 5 */
		if (d->policy && live5 == 0) {
			if (now + DECL_RETRY < next)
				next = now + DECL_RETRY;
			continue;
		}
		d->tries++;
		j = e->npeers;
		if (d->tries == 1)
			for (j = 0; j < e->npeers; j++)
				if (e->peers[j].conf.id == d->asked_from &&
				    e->peers[j].pl.state != LINK_DOWN &&
				    (!d->policy ||
				    engine_tx_version(e, j) >= 5))
					break;
		if (j == e->npeers) {
			size_t pick = (size_t)((d->id + d->tries) %
			    (d->policy ? live5 : live));

			for (j = 0; j < e->npeers; j++)
				if (e->peers[j].pl.state != LINK_DOWN &&
				    (!d->policy ||
				    engine_tx_version(e, j) >= 5) &&
				    pick-- == 0)
					break;
		}
		d->asked_at = now;
		if (now + DECL_RETRY < next)
			next = now + DECL_RETRY;
		send_decl_request(e, j, &d->id, 1);
	}
	e->decls_retry_at = next;
}

/*
 * After an SPF run: which declarations rows still name. Those unnamed for
 * a row's lifetime are freed (ours are always named by our own row).
 */
void
origins_gc(struct engine *e, uint64_t now)
{
	size_t i, j, k;

	for (i = 0; i < e->ndecls; i++)
		e->decls[i].named = 0;
	for (i = 0; i < e->db.nslots; i++) {
		const struct lsdb_node *n = &e->db.slots[i];
		struct odecl *d;

		if (!n->in_use || !n->has_row)
			continue;
		for (j = 0; j < n->norigins; j++)
			if ((d = decl_find(e, n->origins[j].peer)) != NULL)
				d->named = 1;
		for (j = 0; j < n->npolicies; j++)
			if ((d = decl_find(e, n->policies[j])) != NULL)
				d->named = 1;
	}
	for (i = k = 0; i < e->ndecls; i++) {
		struct odecl *d = &e->decls[i];

		if (d->named)
			d->unused_since = 0;
		else if (d->unused_since == 0)
			d->unused_since = now;
		if (!d->named && now - d->unused_since >= e->conf.p.lsa_maxage) {
			free(d->d);
			e->decls_gen++;
			continue;
		}
		e->decls[k++] = *d;
	}
	e->ndecls = k;
}
