/*
 * The statements that carry addresses: listen, peer, and origin blocks
 * with their prefixes and egress nodes. Addresses are IP literals printed
 * back in canonical form, so that a printed config compares equal to
 * itself, or, for peers, host names, which the daemon resolves
 * (peeraddr.h). Duplicates are caught here, as each statement arrives,
 * with the line of the first one.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf-int.h"
#include "engine.h"
#include "prefix.h"
#include "units.h"

/* A syntactically valid DNS name, not something that is almost an IP. */
static int
is_hostname(const char *s)
{
	size_t i, label = 0, n = strlen(s);
	int alpha = 0, prev = 0;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			prev = alpha;
			alpha = 0;
			continue;
		}
		if (s[i] == '-' && label == 0)
			return 0;
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    isdigit((unsigned char)s[i]) || s[i] == '-'))
			return 0;
		if (!isdigit((unsigned char)s[i]))
			alpha = 1;
		if (++label > 63)
			return 0;
	}
	if (label > 0 && s[n - 1] == '-')
		return 0;
	/* The last label (before an optional root dot) must not be numeric:
	 * "10.0.0.300" is a typo, not a name. */
	return label == 0 ? prev : alpha;
}

/*
 * Fill a from host and port. Returns 0 (a->is_hostname set for a name
 * that needs resolving) or -1 for something that is neither.
 */
int
addr_set(struct conf_addr *a, const char *host, unsigned port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;
	char buf[INET6_ADDRSTRLEN];

	memset(a, 0, sizeof(*a));
	a->port = port;
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		a->sslen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		a->sslen = sizeof(*sin6);
	} else if (is_hostname(host)) {
		a->is_hostname = 1;
		a->host = xstrdup(host);
		return 0;
	} else
		return -1;
	/* Canonical text, so that printed configs compare equal. */
	if (a->ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf));
	else
		inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf));
	a->host = xstrdup(buf);
	return 0;
}

static int
addr_equal(const struct conf_addr *a, const struct conf_addr *b)
{
	const struct sockaddr_in *a4, *b4;
	const struct sockaddr_in6 *a6, *b6;

	if (a->is_hostname || b->is_hostname)
		return a->is_hostname && b->is_hostname && a->port == b->port &&
		    strcasecmp(a->host, b->host) == 0;
	if (a->ss.ss_family != b->ss.ss_family || a->port != b->port)
		return 0;
	if (a->ss.ss_family == AF_INET) {
		a4 = (const struct sockaddr_in *)&a->ss;
		b4 = (const struct sockaddr_in *)&b->ss;
		return a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	}
	a6 = (const struct sockaddr_in6 *)&a->ss;
	b6 = (const struct sockaddr_in6 *)&b->ss;
	return memcmp(&a6->sin6_addr, &b6->sin6_addr,
	    sizeof(a6->sin6_addr)) == 0;
}

int
kw_listen(struct parser *p, int line)
{
	struct conf *c = p->c;
	struct conf_addr a;
	char host[TOKEN_MAX + 1];
	const char *s;
	unsigned port = CONF_DEFAULT_PORT;
	size_t i;

	if ((s = lex_arg(p, "listen", "ADDRESS", line)) == NULL)
		return -1;
	strcpy(host, s);
	if (lex_port(p, "listen", line, &port) == -1)
		return -1;
	memset(&a, 0, sizeof(a));
	if (addr_set(&a, host, port) == -1 || a.is_hostname) {
		lex_error(p, line, "listen: \"%s\" is not an IPv4 or IPv6 "
		    "address", host);
		free(a.host);
		return -1;
	}
	for (i = 0; i < c->nlisten; i++)
		if (addr_equal(&c->listen[i], &a)) {
			lex_error(p, line, "duplicate listen %s port %u (first "
			    "at line %d)", a.host, a.port, p->listen_lines[i]);
			free(a.host);
			return -1;
		}
	c->listen = xreallocarray(c->listen, c->nlisten + 1,
	    sizeof(*c->listen));
	p->listen_lines = xreallocarray(p->listen_lines, c->nlisten + 1,
	    sizeof(*p->listen_lines));
	c->listen[c->nlisten] = a;
	p->listen_lines[c->nlisten++] = line;
	return 0;
}

/*
 * metrics listen ADDRESS:PORT, the HTTP endpoint of argod(8) METRICS. A
 * scrape target is written host:port everywhere Prometheus is
 * configured, so it is written that way here too, an IPv6 address in
 * brackets ([::1]:9464); the port is required, as no default port is
 * ours to take.
 */
int
kw_metrics(struct parser *p, int line)
{
	struct conf *c = p->c;
	char host[TOKEN_MAX + 1], *colon, *h;
	const char *s, *why;
	uint64_t v;

	if (!lex_opt(p, "listen")) {
		lex_error(p, line, "metrics: expected \"listen\"");
		return -1;
	}
	if ((s = lex_arg(p, "metrics listen", "ADDRESS:PORT", line)) == NULL)
		return -1;
	strcpy(host, s);
	h = host;
	if (host[0] == '[') {
		if ((colon = strchr(host, ']')) == NULL || colon[1] != ':') {
			lex_error(p, line, "metrics listen: \"%s\": expected "
			    "[IPv6-ADDRESS]:PORT", s);
			return -1;
		}
		*colon++ = '\0';
		h = host + 1;
	} else if ((colon = strrchr(host, ':')) == NULL) {
		lex_error(p, line, "metrics listen: \"%s\": expected "
		    "ADDRESS:PORT", s);
		return -1;
	} else if (strchr(host, ':') != colon) {
		lex_error(p, line, "metrics listen: \"%s\": an IPv6 address "
		    "goes in brackets, [ADDRESS]:PORT", s);
		return -1;
	}
	*colon++ = '\0';
	if ((why = units_count(colon, &v)) != NULL) {
		lex_error(p, line, "metrics listen: port \"%s\": %s", colon,
		    why);
		return -1;
	}
	if (v < 1 || v > 65535) {
		lex_error(p, line, "metrics listen: port %llu out of range "
		    "1..65535", (unsigned long long)v);
		return -1;
	}
	free(c->metrics.host);
	if (addr_set(&c->metrics, h, (unsigned)v) == -1 ||
	    c->metrics.is_hostname ||
	    (host[0] == '[') != (c->metrics.ss.ss_family == AF_INET6)) {
		lex_error(p, line, "metrics listen: \"%s\" is not an %s "
		    "address%s", h, host[0] == '[' ? "IPv6" : "IPv4",
		    c->metrics.is_hostname ? " (host names are not accepted)" :
		    "");
		free(c->metrics.host);
		memset(&c->metrics, 0, sizeof(c->metrics));
		return -1;
	}
	return 0;
}

int
kw_peer(struct parser *p, int line)
{
	struct conf *c = p->c;
	struct engine_conf *ec = &c->ec;
	struct conf_addr a, cache;
	char name[WIRE_NAME_MAX + 1], host[TOKEN_MAX + 1], stmt[64];
	const char *s;
	unsigned port = CONF_DEFAULT_PORT;
	size_t i;

	if (lex_name(p, "peer", line, name) == -1)
		return -1;
	snprintf(stmt, sizeof(stmt), "peer %s", name);
	if (!lex_opt(p, "address")) {
		lex_error(p, line, "%s: expected \"address\"", stmt);
		return -1;
	}
	if ((s = lex_arg(p, stmt, "ADDRESS", line)) == NULL)
		return -1;
	strcpy(host, s);
	if (lex_port(p, stmt, line, &port) == -1)
		return -1;
	if (addr_set(&a, host, port) == -1) {
		lex_error(p, line, "%s: \"%s\" is not an IPv4 or IPv6 address",
		    stmt, host);
		return -1;
	}
	memset(&cache, 0, sizeof(cache));
	if (lex_opt(p, "cache") &&
	    cache_addr_parse(p, stmt, line, &cache) == -1) {
		free(a.host);
		return -1;
	}
	for (i = 0; i < ec->npeers; i++) {
		if (strcmp(ec->peers[i].name, name) == 0) {
			lex_error(p, line, "duplicate peer \"%s\" (first at "
			    "line %d)", name, c->peers[i].line);
			free(a.host);
			free(cache.host);
			return -1;
		}
		if (addr_equal(&c->peers[i].addr, &a)) {
			lex_error(p, line, "%s: address %s port %u already "
			    "used by peer \"%s\" (line %d)", stmt, a.host,
			    a.port, ec->peers[i].name, c->peers[i].line);
			free(a.host);
			free(cache.host);
			return -1;
		}
	}
	ec->peers = xreallocarray(ec->peers, ec->npeers + 1,
	    sizeof(*ec->peers));
	c->peers = xreallocarray(c->peers, ec->npeers + 1, sizeof(*c->peers));
	memset(&ec->peers[ec->npeers], 0, sizeof(ec->peers[0]));
	strcpy(ec->peers[ec->npeers].name, name);
	ec->peers[ec->npeers].id = wire_node_id(name);
	c->peers[ec->npeers].addr = a;
	c->peers[ec->npeers].cache = cache;
	c->peers[ec->npeers].line = line;
	ec->npeers++;
	check_add_name(p, name, line);
	return 0;
}

static void
origin_clear(struct engine_origin_conf *o)
{
	free(o->prefixes);
	free(o->egress);
	free(o->egress_names);
	free(o->tier);
	free(o->tier_names);
	memset(o, 0, sizeof(*o));
}

static int
blk_prefix(struct parser *p, struct engine_origin_conf *o, int line)
{
	struct prefix_ref *r;
	struct prefix pfx;
	/* The message quotes the token. */
	char err[TOKEN_MAX + 128], norm[PREFIX_STRLEN];
	const char *s;
	size_t i;

	if ((s = lex_arg(p, "prefix", "ADDRESS/LENGTH", line)) == NULL)
		return -1;
	if (prefix_parse(s, &pfx, err, sizeof(err)) != NULL) {
		lex_error(p, line, "%s", err);
		return -1;
	}
	/* an egress advertises them in one declaration (wire.h) */
	if (o->nprefixes >= WIRE_ORIGIN_PREFIX_MAX) {
		lex_error(p, line, "origin \"%s\" has more than %d prefixes",
		    o->name, WIRE_ORIGIN_PREFIX_MAX);
		return -1;
	}
	for (i = 0; i < p->nprefixes; i++)
		if (prefix_equal(&p->prefixes[i].pfx, &pfx)) {
			lex_error(p, line, "duplicate prefix %s (first in "
			    "origin \"%s\" at line %d)",
			    prefix_fmt(&pfx, norm, sizeof(norm)),
			    p->prefixes[i].origin, p->prefixes[i].line);
			return -1;
		}
	p->prefixes = xreallocarray(p->prefixes, p->nprefixes + 1,
	    sizeof(*p->prefixes));
	r = &p->prefixes[p->nprefixes++];
	memset(r, 0, sizeof(*r));
	r->pfx = pfx;
	strcpy(r->origin, o->name);
	r->line = line;
	o->prefixes = xreallocarray(o->prefixes, o->nprefixes + 1,
	    sizeof(*o->prefixes));
	o->prefixes[o->nprefixes++] = pfx;
	return 0;
}

static int
blk_egress(struct parser *p, struct engine_origin_conf *o, int line)
{
	char name[WIRE_NAME_MAX + 1];
	struct token *t;
	size_t i;

	if (lex_name(p, "egress", line, name) == -1)
		return -1;
	for (;;) {
		for (i = 0; i < o->negress; i++)
			if (strcmp(o->egress_names[i], name) == 0) {
				lex_error(p, line, "egress \"%s\" listed twice "
				    "in origin \"%s\"", name, o->name);
				return -1;
			}
		o->egress = xreallocarray(o->egress, o->negress + 1,
		    sizeof(*o->egress));
		o->egress_names = xreallocarray(o->egress_names,
		    o->negress + 1, sizeof(*o->egress_names));
		o->egress[o->negress] = wire_node_id(name);
		strcpy(o->egress_names[o->negress++], name);
		check_add_name(p, name, line);

		t = lex_next(p);
		lex_push(p);
		if (t->type != T_WORD && t->type != T_STRING)
			return 0;
		if (lex_name(p, "egress", line, name) == -1)
			return -1;
	}
}

/* tiers smart | static NAME... | regional K [NAME...] (engine-tier.c) */
static int
blk_tiers(struct parser *p, struct engine_origin_conf *o, int line)
{
	char name[WIRE_NAME_MAX + 1];
	struct token *t;
	const char *s, *stmt;
	uint64_t k;
	size_t i;

	if ((s = lex_arg(p, "tiers", "smart|static|regional", line)) == NULL)
		return -1;
	if (strcmp(s, "smart") == 0) {
		o->tier_mode = TIER_SMART;
		return 0;
	}
	if (strcmp(s, "regional") == 0) {
		if (lex_num(p, "tiers regional", "K", line, 1,
		    TIER_UPPERS_MAX, &k) == -1)
			return -1;
		o->tier_mode = TIER_REGIONAL;
		o->tier_k = (unsigned)k;
		stmt = "tiers regional";
	} else if (strcmp(s, "static") == 0) {
		o->tier_mode = TIER_STATIC;
		stmt = "tiers static";
	} else {
		lex_error(p, line, "tiers: \"%s\": expected smart, static or "
		    "regional", s);
		return -1;
	}
	t = lex_next(p);
	lex_push(p);
	if (t->type != T_WORD && t->type != T_STRING) {
		if (o->tier_mode == TIER_REGIONAL)
			return 0;	/* every PoP is a candidate */
		lex_error(p, line, "tiers static: expected the names of the "
		    "upper tiers");
		return -1;
	}
	do {
		if (lex_name(p, stmt, line, name) == -1)
			return -1;
		if (o->ntier == TIER_UPPERS_MAX) {
			lex_error(p, line, "%s: at most %d names", stmt,
			    TIER_UPPERS_MAX);
			return -1;
		}
		for (i = 0; i < o->ntier; i++)
			if (strcmp(o->tier_names[i], name) == 0) {
				lex_error(p, line, "tier \"%s\" listed twice "
				    "in origin \"%s\"", name, o->name);
				return -1;
			}
		o->tier = xreallocarray(o->tier, o->ntier + 1,
		    sizeof(*o->tier));
		o->tier_names = xreallocarray(o->tier_names, o->ntier + 1,
		    sizeof(*o->tier_names));
		o->tier[o->ntier] = wire_node_id(name);
		strcpy(o->tier_names[o->ntier++], name);
		check_add_name(p, name, line);
		t = lex_next(p);
		lex_push(p);
	} while (t->type == T_WORD || t->type == T_STRING);
	return 0;
}

int
kw_origin(struct parser *p, int line)
{
	struct engine_conf *ec = &p->c->ec;
	struct engine_origin_conf o;
	struct chk_block chk;
	struct token *t;
	size_t i;
	const char *what;
	char kw[32];
	int bad = 0, r, sline, tiers_line = 0, co_line = 0;
	struct conf_addr co;

	memset(&o, 0, sizeof(o));
	memset(&co, 0, sizeof(co));
	chk_init(&chk);
	if (lex_name(p, "origin", line, o.name) == -1)
		return -1;
	t = lex_next(p);
	if (t->type != T_LBRACE) {
		lex_push(p);
		if (t->type != T_ERR)
			lex_error(p, line, "origin \"%s\": expected \"{\" on "
			    "the same line", o.name);
		return -1;
	}
	for (i = 0; i < ec->norigins; i++)
		if (strcmp(ec->origins[i].name, o.name) == 0) {
			lex_error(p, line, "duplicate origin \"%s\" (first at "
			    "line %d)", o.name, p->origin_lines[i]);
			bad = 1;	/* still read the block, for its errors */
			break;
		}

	for (;;) {
		if (p->nerrors >= MAX_ERRORS)
			goto fail;
		t = lex_next(p);
		if (t->type == T_NL)
			continue;
		if (t->type == T_RBRACE)
			break;
		if (t->type == T_EOF) {
			lex_push(p);
			lex_error(p, line, "origin \"%s\": missing \"}\"",
			    o.name);
			origin_clear(&o);
			chk_clear(&chk.c);
			free(co.host);
			return -2;
		}
		if (t->type == T_ERR) {
			lex_skip(p);
			bad = 1;
			continue;
		}
		sline = t->line;
		what = "origin";
		snprintf(kw, sizeof(kw), "%s", t->type == T_WORD ? t->s : "");
		if (t->type == T_WORD && strcmp(t->s, "prefix") == 0) {
			what = "prefix";
			r = blk_prefix(p, &o, sline);
		} else if (t->type == T_WORD && strcmp(t->s, "egress") == 0) {
			what = "egress";
			r = blk_egress(p, &o, sline);
		} else if (t->type == T_WORD &&
		    strcmp(t->s, "cache-origin") == 0) {
			what = "cache-origin";
			if (co_line != 0) {
				lex_error(p, sline, "origin \"%s\": "
				    "cache-origin given twice (first at line "
				    "%d)", o.name, co_line);
				r = -1;
			} else {
				co_line = sline;
				r = cache_addr_parse(p, "cache-origin", sline,
				    &co);
			}
		} else if (t->type == T_WORD && strcmp(t->s, "tiers") == 0) {
			what = "tiers";
			if (tiers_line != 0) {
				lex_error(p, sline, "origin \"%s\": tiers "
				    "given twice (first at line %d)", o.name,
				    tiers_line);
				r = -1;
			} else {
				tiers_line = sline;
				r = blk_tiers(p, &o, sline);
			}
		} else if (t->type == T_WORD &&
		    (r = chk_stmt(p, &chk, kw, sline)) != 1) {
			what = kw;
		} else if (t->type == T_WORD && parse_is_keyword(t->s)) {
			/* Most likely the block was not closed: say so, and
			 * let the statement be parsed where it belongs. */
			lex_error(p, line, "origin \"%s\": missing \"}\" "
			    "(found \"%s\" at line %d)", o.name, t->s, sline);
			lex_push(p);
			origin_clear(&o);
			chk_clear(&chk.c);
			free(co.host);
			return -2;
		} else if (t->type == T_WORD || t->type == T_STRING) {
			lex_error(p, sline, "unknown keyword \"%s\"", t->s);
			r = -1;
		} else {
			lex_error(p, sline, "unexpected %s", lex_desc(t));
			r = -1;
		}
		if (r == 0)
			r = lex_end(p, what, sline);
		if (r == -1) {
			bad = 1;
			lex_skip(p);
		}
	}
	if (bad || chk_finish(p, &chk, o.name) == -1)
		goto fail;
	if (o.nprefixes == 0) {
		lex_error(p, line, "origin \"%s\" has no prefix", o.name);
		goto fail;
	}
	if (o.negress == 0) {
		lex_error(p, line, "origin \"%s\" has no egress", o.name);
		goto fail;
	}
	ec->origins = xreallocarray(ec->origins, ec->norigins + 1,
	    sizeof(*ec->origins));
	p->origin_lines = xreallocarray(p->origin_lines, ec->norigins + 1,
	    sizeof(*p->origin_lines));
	p->c->checks = xreallocarray(p->c->checks, ec->norigins + 1,
	    sizeof(*p->c->checks));
	p->c->cache_origins = xreallocarray(p->c->cache_origins,
	    ec->norigins + 1, sizeof(*p->c->cache_origins));
	ec->origins[ec->norigins] = o;
	p->c->checks[ec->norigins] = chk.c;
	p->c->cache_origins[ec->norigins] = co;
	p->origin_lines[ec->norigins++] = line;
	return 0;
 fail:
	origin_clear(&o);
	chk_clear(&chk.c);
	free(co.host);
	return -1;
}

