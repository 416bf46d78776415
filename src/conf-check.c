/*
 * What the config can only be checked for once all of it is read: the
 * statements that must be there, names whose node ids collide, relations
 * between statements (lsa-max-age against lsa-refresh, the two control
 * sockets), and the defaults that depend on other statements (the listen
 * addresses follow the peers' address families).
 *
 * These run only on a file without other errors, to avoid follow-on
 * noise; node names are collected as the statements that carry them are
 * parsed (check_add_name()).
 */
#include "config.h"

#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "conf-int.h"
#include "units.h"

/* A name that becomes a node id, for check_collisions(). */
void
check_add_name(struct parser *p, const char *name, int line)
{
	struct name_ref *r;

	p->names = xreallocarray(p->names, p->nnames + 1, sizeof(*p->names));
	r = &p->names[p->nnames++];
	memset(r, 0, sizeof(*r));
	strcpy(r->name, name);
	r->id = wire_node_id(name);
	r->line = line;
}

static int
name_ref_cmp(const void *a, const void *b)
{
	const struct name_ref *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return strcmp(x->name, y->name);
}

/*
 * Node ids are hashes of names (wire.h), so two different names can get
 * the same id; every PoP would then mistake one node for the other.
 */
static void
check_collisions(struct parser *p)
{
	struct name_ref *a, *b;
	size_t i, j;

	qsort(p->names, p->nnames, sizeof(*p->names), name_ref_cmp);
	for (i = 0; i < p->nnames; i = j) {
		a = &p->names[i];
		for (j = i + 1; j < p->nnames && p->names[j].id == a->id; j++) {
			b = &p->names[j];
			if (strcmp(a->name, b->name) != 0) {
				lex_error(p, b->line, "node id of \"%s\" "
				    "collides with \"%s\" (line %d): rename "
				    "one", b->name, a->name, a->line);
				break;
			}
		}
		while (j < p->nnames && p->names[j].id == a->id)
			j++;
	}
}

/*
 * An origin whose egress names no PoP of this file may be a typo (issue
 * 13: "egress ff" made an origin silently unreachable) or a PoP that is
 * not a neighbour and is learnt from the database (DESIGN.md decision
 * 12; the lab's partial meshes name every PoP as an egress). The file
 * cannot tell the two apart, so this warns with the line instead of
 * refusing a valid multi-hop config.
 */
static void
check_egress_known(struct parser *p)
{
	const struct conf *c = p->c;
	const struct engine_origin_conf *o;
	const char *n;
	size_t i, j, k;
	int known, line;

	for (i = 0; i < c->ec.norigins; i++) {
		o = &c->ec.origins[i];
		for (j = 0; j < o->negress; j++) {
			n = o->egress_names[j];
			known = strcmp(n, c->ec.name) == 0;
			for (k = 0; !known && k < c->ec.npeers; k++)
				known = strcmp(n, c->ec.peers[k].name) == 0;
			if (known)
				continue;
			/* Not a node or peer: every ref by this name is an
			   egress; report the first. */
			line = p->origin_lines[i];
			for (k = 0; k < p->nnames; k++)
				if (strcmp(p->names[k].name, n) == 0) {
					line = p->names[k].line;
					break;
				}
			lex_warn(p, line, "origin \"%s\": egress \"%s\" is "
			    "neither this node nor a peer; it must be learnt "
			    "from the database", o->name, n);
		}
	}
}

/*
 * A check runs only where it measures something: at the origin's egress
 * PoPs (argod.conf(5)). The same file is often copied to every PoP, so
 * this is a warning, not an error.
 */
static void
check_lastmile_here(struct parser *p)
{
	const struct conf *c = p->c;
	const struct engine_origin_conf *o;
	size_t i, j;

	for (i = 0; i < c->ec.norigins; i++) {
		o = &c->ec.origins[i];
		if (c->checks[i].kind == CONF_CHECK_NONE)
			continue;
		for (j = 0; j < o->negress; j++)
			if (strcmp(o->egress_names[j], c->ec.name) == 0)
				break;
		if (j == o->negress)
			lex_warn(p, c->checks[i].line, "origin \"%s\": node "
			    "\"%s\" is not its egress, so its check does "
			    "not run here", o->name, c->ec.name);
	}
}

static void
default_listen(struct conf *c)
{
	const char *hosts[2] = { "0.0.0.0", "::" };
	size_t i, n = 1;

	for (i = 0; i < c->ec.npeers; i++)
		if (c->peers[i].addr.ss.ss_family == AF_INET6)
			n = 2;
	c->listen = xcalloc(n, sizeof(*c->listen));
	for (i = 0; i < n; i++)
		addr_set(&c->listen[i], hosts[i], CONF_DEFAULT_PORT);
	c->nlisten = n;
}

/* Checks that need the whole file. */
void
check_conf(struct parser *p)
{
	struct conf *c = p->c;
	struct engine_params *ep = &c->ec.p;
	char b1[32], b2[32];
	size_t i;
	int l1, l2;

	if (c->ec.name[0] == '\0') {
		lex_error(p, p->lastline, "missing node statement");
		return;
	}
	if (p->key_line == 0) {
		lex_error(p, p->lastline, "missing key or key-file statement");
		return;
	}
	if (c->ec.has_key_next && sodium_memcmp(c->ec.key, c->ec.key_next,
	    sizeof(c->ec.key)) == 0) {
		lex_error(p, p->key_next_line, "key-next is the same as key");
		return;
	}
	for (i = 0; i < c->ec.npeers; i++)
		if (strcmp(c->ec.peers[i].name, c->ec.name) == 0)
			lex_error(p, c->peers[i].line, "peer \"%s\" has the "
			    "name of this node (line %d)", c->ec.name,
			    parse_stmt_line(p, "node"));
	if (ep->lsa_maxage <= 2 * ep->lsa_refresh) {
		/* Otherwise one lost refresh expires a live row. */
		l1 = parse_stmt_line(p, "lsa-max-age");
		l2 = parse_stmt_line(p, "lsa-refresh");
		units_fmt_duration(b1, sizeof(b1), ep->lsa_maxage);
		units_fmt_duration(b2, sizeof(b2), ep->lsa_refresh);
		lex_error(p, l1 > l2 ? l1 : l2, "lsa-max-age %s must be more "
		    "than twice lsa-refresh %s", b1, b2);
	}
	if (c->control_ro != NULL && strcmp(c->control_ro, c->control) == 0)
		lex_error(p, parse_stmt_line(p, "control-readonly"),
		    "control-readonly: same path as control");
	check_collisions(p);
	if (p->nerrors == 0)	/* a collision already names the egress */
		check_egress_known(p);
	check_lastmile_here(p);
	if (c->nlisten == 0)
		default_listen(c);
	c->ec.id = wire_node_id(c->ec.name);
}

