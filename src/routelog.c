/*
 * The ring of recent route changes (routelog.h). The engine reports a
 * change as the old and the new route; both are copied here at once,
 * with node ids turned into names while the engine still knows them, so
 * that an entry reads the same minutes later when those PoPs may be gone.
 * The ring is a fixed array written round: adding is O(path length) and
 * never allocates more than the entry's own strings.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "log.h"
#include "routelog.h"

struct routelog {
	struct routelog_entry	*v;
	size_t			 cap, len, head;	/* head: the oldest */
	uint64_t		 recorded;
};

struct routelog *
routelog_new(size_t capacity)
{
	struct routelog *rl = xcalloc(1, sizeof(*rl));

	rl->cap = capacity > 0 ? capacity : 1;
	rl->v = xcalloc(rl->cap, sizeof(*rl->v));
	return rl;
}

static void
route_clear(struct routelog_route *r)
{
	size_t i;

	for (i = 0; i < r->pathlen; i++)
		free(r->path[i]);
	free(r->path);
	free(r->egress);
	free(r->next_hop);
	memset(r, 0, sizeof(*r));
}

static void
entry_clear(struct routelog_entry *en)
{
	free(en->origin);
	free(en->prefix);
	route_clear(&en->old);
	route_clear(&en->new);
	memset(en, 0, sizeof(*en));
}

void
routelog_free(struct routelog *rl)
{
	size_t i;

	if (rl == NULL)
		return;
	for (i = 0; i < rl->cap; i++)
		entry_clear(&rl->v[i]);
	free(rl->v);
	free(rl);
}

/* A node's name, or its id in hex as the status socket shows unknowns. */
static char *
name_dup(const struct engine *e, const char *name, uint32_t id)
{
	char buf[16];

	if (name == NULL || *name == '\0')
		name = e != NULL ? engine_node_name(e, id) : NULL;
	if (name == NULL || *name == '\0') {
		snprintf(buf, sizeof(buf), "%08x", id);
		name = buf;
	}
	return xstrdup(name);
}

static void
route_copy(struct routelog_route *dst, const struct engine *e,
    const struct engine_route *r)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	if (r == NULL || !r->reachable)
		return;
	dst->present = 1;
	dst->egress = name_dup(e, r->egress_name, r->egress);
	dst->next_hop = name_dup(e, r->next_hop_name, r->next_hop);
	dst->cost_ms = r->cost_ms;
	dst->congested_hops = r->congested_hops;
	if (r->path == NULL || r->pathlen == 0)
		return;
	dst->path = xcalloc(r->pathlen, sizeof(*dst->path));
	for (i = 0; i < r->pathlen; i++)
		dst->path[i] = name_dup(e, NULL, r->path[i]);
	dst->pathlen = r->pathlen;
}

enum routelog_reason
routelog_classify(const struct engine_route_event *ev)
{
	const struct engine_route *o = ev->old, *n = ev->new;

	if (o == NULL || !o->reachable)
		return ROUTELOG_REACHABLE;
	if (n == NULL || !n->reachable)
		return ROUTELOG_UNREACHABLE;
	if (o->egress != n->egress)
		return ROUTELOG_EGRESS;
	if (o->pathlen != n->pathlen || (o->pathlen > 0 &&
	    (o->path == NULL || n->path == NULL ||
	    memcmp(o->path, n->path, o->pathlen * sizeof(*o->path)) != 0)))
		return ROUTELOG_PATH;
	return ROUTELOG_COST;
}

void
routelog_add(struct routelog *rl, const struct engine *e,
    const struct engine_route_event *ev, uint64_t now)
{
	const struct engine_route *any = ev->new != NULL ? ev->new : ev->old;
	struct routelog_entry *en;

	if (any == NULL)
		return;
	if (rl->len == rl->cap) {
		en = &rl->v[rl->head];
		entry_clear(en);
		rl->head = (rl->head + 1) % rl->cap;
	} else
		en = &rl->v[(rl->head + rl->len++) % rl->cap];
	en->time = now;
	en->origin = xstrdup(any->origin != NULL ? any->origin : "");
	en->prefix = xstrdup(any->prefix != NULL ? any->prefix : "");
	en->reason = routelog_classify(ev);
	route_copy(&en->old, e, ev->old);
	route_copy(&en->new, e, ev->new);
	rl->recorded++;
}

size_t
routelog_capacity(const struct routelog *rl)
{
	return rl->cap;
}

size_t
routelog_len(const struct routelog *rl)
{
	return rl->len;
}

uint64_t
routelog_recorded(const struct routelog *rl)
{
	return rl->recorded;
}

const struct routelog_entry *
routelog_get(const struct routelog *rl, size_t i)
{
	if (i >= rl->len)
		return NULL;
	return &rl->v[(rl->head + i) % rl->cap];
}
