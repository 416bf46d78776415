/*
 * The cache statements (argod.conf(5), "CACHE TIERS"): this PoP's cache
 * address, the include file argod writes for it and the command that
 * reloads it, and the ADDRESS[:PORT] form that peer lines share for the
 * cache of a peer. Cache addresses are host names or IP literals; they
 * end up in the cache's own configuration, never in a socket of ours.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-int.h"
#include "units.h"

#define CACHE_DEFAULT_PORT	80

/* ADDRESS[:PORT], an IPv6 address in brackets; 0 or -1 after reporting. */
int
cache_addr_parse(struct parser *p, const char *stmt, int line,
    struct conf_addr *a)
{
	char host[TOKEN_MAX + 1], *colon = NULL, *h;
	const char *s, *why;
	uint64_t v = CACHE_DEFAULT_PORT;
	int bracket;

	if ((s = lex_arg(p, stmt, "ADDRESS[:PORT]", line)) == NULL)
		return -1;
	strcpy(host, s);
	h = host;
	bracket = host[0] == '[';
	if (bracket) {
		if ((colon = strchr(host, ']')) == NULL ||
		    (colon[1] != ':' && colon[1] != '\0')) {
			lex_error(p, line, "%s: \"%s\": expected "
			    "[IPv6-ADDRESS][:PORT]", stmt, s);
			return -1;
		}
		*colon++ = '\0';
		h = host + 1;
		if (*colon == '\0')
			colon = NULL;
	} else if ((colon = strrchr(host, ':')) != NULL &&
	    strchr(host, ':') != colon) {
		lex_error(p, line, "%s: \"%s\": an IPv6 address goes in "
		    "brackets, [ADDRESS]:PORT", stmt, s);
		return -1;
	}
	if (colon != NULL) {
		*colon++ = '\0';
		if ((why = units_count(colon, &v)) != NULL) {
			lex_error(p, line, "%s: port \"%s\": %s", stmt, colon,
			    why);
			return -1;
		}
		if (v < 1 || v > 65535) {
			lex_error(p, line, "%s: port %llu out of range "
			    "1..65535", stmt, (unsigned long long)v);
			return -1;
		}
	}
	free(a->host);
	if (addr_set(a, h, (unsigned)v) == -1 ||
	    (bracket && a->ss.ss_family != AF_INET6)) {
		lex_error(p, line, "%s: \"%s\" is not an address or host "
		    "name", stmt, h);
		free(a->host);
		memset(a, 0, sizeof(*a));
		return -1;
	}
	return 0;
}

/* ADDRESS:PORT as the cache's configuration wants it. */
void
cache_addr_fmt(const struct conf_addr *a, char *buf, size_t len)
{
	snprintf(buf, len, !a->is_hostname && a->ss.ss_family == AF_INET6 ?
	    "[%s]:%u" : "%s:%u", a->host, a->port);
}

/*
 * This PoP's cache, advertised with its row (version 5), so the text must
 * be one a row may carry (wire_cache_ok()).
 */
int
kw_cache(struct parser *p, int line)
{
	char buf[512];

	if (cache_addr_parse(p, "cache", line, &p->c->cache) == -1)
		return -1;
	cache_addr_fmt(&p->c->cache, buf, sizeof(buf));
	if (strlen(buf) > WIRE_CACHE_MAX || wire_cache_ok(buf) == -1) {
		lex_error(p, line, "cache: \"%s\" cannot be advertised (at "
		    "most %d characters: letters, digits and .-:[]_)", buf,
		    WIRE_CACHE_MAX);
		free(p->c->cache.host);
		memset(&p->c->cache, 0, sizeof(p->c->cache));
		return -1;
	}
	snprintf(p->c->ec.cache, sizeof(p->c->ec.cache), "%s", buf);
	return 0;
}

int
kw_cache_include(struct parser *p, int line)
{
	return lex_path(p, "cache-include", line, 0, &p->c->cache_include);
}

int
kw_cache_reload(struct parser *p, int line)
{
	const char *s;

	if ((s = lex_arg(p, "cache-reload", "COMMAND", line)) == NULL)
		return -1;
	if (*s == '\0') {
		lex_error(p, line, "cache-reload: empty command");
		return -1;
	}
	free(p->c->cache_reload);
	p->c->cache_reload = xstrdup(s);
	return 0;
}
