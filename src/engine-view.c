/*
 * Read-only views of the engine's link state database (engine.h,
 * "database views"): the one place outside the engine that knows how
 * lsdb.h stores rows and what the wire units are (RTT in 0.1 ms, loss in
 * 0.5 %). The status socket and the simulator read the database through
 * these, so a change of the database's layout or of the wire format stops
 * here. Only the public accessor engine_lsdb() is used.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "engine.h"
#include "lsdb.h"
#include "wire.h"

size_t
engine_db_nnodes(const struct engine *e)
{
	const struct lsdb *db = engine_lsdb(e);

	return db != NULL ? db->nslots : 0;
}

size_t
engine_db_nrows(const struct engine *e)
{
	const struct lsdb *db = engine_lsdb(e);

	return db != NULL ? db->nrows : 0;
}

/* The node at index i, or NULL for a free or unknown index. */
static const struct lsdb_node *
db_node(const struct engine *e, size_t i)
{
	const struct lsdb *db = engine_lsdb(e);

	if (db == NULL || i >= db->nslots || !db->slots[i].in_use)
		return NULL;
	return &db->slots[i];
}

int
engine_db_node(const struct engine *e, size_t i, uint64_t now,
    struct engine_db_node *v)
{
	const struct lsdb_node *ln;

	memset(v, 0, sizeof(*v));
	if ((ln = db_node(e, i)) == NULL)
		return -1;
	v->id = ln->id;
	/* a row names its origin; a node only referenced has no name of
	 * its own, but the config or an origin's egress may know it */
	v->name = ln->name[0] != '\0' ? ln->name : engine_node_name(e, ln->id);
	if (v->name != NULL && v->name[0] == '\0')
		v->name = NULL;
	v->has_row = ln->has_row;
	if (ln->has_row) {
		v->boot = ln->boot;
		v->seq = ln->seq;
		v->age_s = lsdb_age(ln, now);
		v->nlinks = ln->nlinks;
	}
	return 0;
}

void
engine_db_link(const struct engine *e, size_t i, size_t k,
    struct engine_db_link *v)
{
	const struct lsdb_node *ln;
	const struct lsdb_link *l;

	memset(v, 0, sizeof(*v));
	v->node = SIZE_MAX;
	v->state = -1;
	v->rtt_ms = -1;
	if ((ln = db_node(e, i)) == NULL || !ln->has_row || k >= ln->nlinks)
		return;
	l = &ln->links[k];
	v->peer = l->peer;
	if (db_node(e, l->slot) != NULL)
		v->node = l->slot;
	/* the state byte comes from the originator, unchecked */
	if (l->state == LINK_DOWN || l->state == LINK_UP ||
	    l->state == LINK_CONGESTED)
		v->state = l->state;
	if (l->rtt != WIRE_RTT_UNKNOWN)
		v->rtt_ms = l->rtt / 10.0;
	v->loss_pct = l->loss / 2.0;
}
