/*
 * The last-mile check of an origin block (argod.conf(5)):
 *
 *	check URL [method get|head] [status CODE[-CODE]] [ca PATH]
 *	check tcp HOST:PORT
 *	check-interval DURATION
 *	check-timeout DURATION
 *	unhealthy-after N
 *	healthy-after N
 *
 * URLs are parsed here, not by libcurl, so that the parser (shared with
 * argosim and the fuzzers) links no HTTP library, and so that what is
 * refused is refused with a file:line reason: only http and https, no
 * credentials (they would end up in logs and in status), no fragment
 * (never sent), printable ASCII only. Host names are taken as written;
 * the daemon resolves them.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf-int.h"
#include "units.h"

#define URL_MAX		2048
#define INTERVAL_MIN	(100ULL * 1000 * 1000)		/* 100 ms */
#define INTERVAL_MAX	(3600ULL * 1000 * 1000 * 1000)	/* 1 h */
#define TIMEOUT_MIN	(10ULL * 1000 * 1000)		/* 10 ms */
#define TIMEOUT_MAX	(60ULL * 1000 * 1000 * 1000)	/* 60 s */
#define COUNT_MAX	100

enum { L_CHECK, L_INTERVAL, L_TIMEOUT, L_FALL, L_RISE, L_N };
static const char *const stmt_names[L_N] = {
	"check", "check-interval", "check-timeout", "unhealthy-after",
	"healthy-after",
};

void
chk_init(struct chk_block *b)
{
	memset(b, 0, sizeof(*b));
	b->c.kind = CONF_CHECK_NONE;
	b->c.status_min = 200;
	b->c.status_max = 399;
	b->c.lm.interval = LASTMILE_INTERVAL;
	b->c.lm.timeout = LASTMILE_TIMEOUT;
	b->c.lm.fall = LASTMILE_FALL;
	b->c.lm.rise = LASTMILE_RISE;
}

void
chk_clear(struct conf_check *c)
{
	free(c->url);
	free(c->host);
	free(c->ca);
	c->url = c->host = c->ca = NULL;
}

/*
 * HOST or [HOST] then an optional :PORT, from s up to end. The host must
 * be an IP literal (IPv6 in brackets) or a host name. Returns NULL or a
 * message.
 */
static const char *
parse_hostport(const char *s, const char *end, int need_port, char **host,
    int *is_name, unsigned *port)
{
	struct conf_addr a;
	const char *h, *he, *q;
	char buf[256];
	unsigned long v;
	size_t n;
	int v6 = 0;

	if (*s == '[') {
		h = s + 1;
		if ((he = memchr(h, ']', (size_t)(end - h))) == NULL)
			return "missing \"]\" after an IPv6 address";
		q = he + 1;
		v6 = 1;
	} else {
		h = s;
		q = memchr(s, ':', (size_t)(end - s));
		if (q != NULL && memchr(q + 1, ':', (size_t)(end - q - 1)))
			return "an IPv6 address goes in brackets, as "
			    "[2001:db8::1]:80";
		for (he = s; he < end && *he != ':'; he++)
			;
		q = he;
	}
	n = (size_t)(he - h);
	if (n == 0)
		return "missing host";
	if (n >= sizeof(buf))
		return "host name too long";
	memcpy(buf, h, n);
	buf[n] = '\0';
	if (q < end) {
		if (*q != ':' || q + 1 == end)
			return "expected \":PORT\" after the host";
		v = 0;
		for (q++; q < end; q++) {
			if (!isdigit((unsigned char)*q))
				return "port is not a number";
			v = v * 10 + (unsigned long)(*q - '0');
			if (v > 65535)
				break;
		}
		if (v == 0 || v > 65535)
			return "port out of range 1..65535";
		*port = (unsigned)v;
	} else if (need_port)
		return "missing \":PORT\"";
	if (addr_set(&a, buf, 0) == -1)
		return "host is neither an IP address nor a host name";
	free(a.host);
	if (v6 != (a.ss.ss_family == AF_INET6 && !a.is_hostname))
		return v6 ? "only an IPv6 address goes in brackets" :
		    "an IPv6 address goes in brackets";
	*host = xstrdup(buf);
	*is_name = a.is_hostname;
	return NULL;
}

/* The URL of a check; fills c or returns a message. */
static const char *
parse_url(const char *url, struct conf_check *c)
{
	const char *s, *end, *auth_end, *why;
	size_t i, n = strlen(url);

	if (n > URL_MAX)
		return "URL longer than 2048 characters";
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)url[i];

		if (ch <= 0x20 || ch >= 0x7f)
			return "URL has a space or a character that is not "
			    "printable ASCII";
		if (ch == '"' || ch == '\\' || ch == '{' || ch == '}')
			return "URL has a quote, backslash or brace";
		if (ch == '#')
			return "URL has a fragment (never sent to the origin)";
	}
	if (strncasecmp(url, "http://", 7) == 0) {
		c->tls = 0;
		c->port = 80;
		s = url + 7;
	} else if (strncasecmp(url, "https://", 8) == 0) {
		c->tls = 1;
		c->port = 443;
		s = url + 8;
	} else
		return "expected an http:// or https:// URL, or tcp HOST:PORT";
	end = url + n;
	for (auth_end = s; auth_end < end && *auth_end != '/' &&
	    *auth_end != '?'; auth_end++)
		if (*auth_end == '@')
			return "credentials in a check URL would be shown in "
			    "logs and status";
	if ((why = parse_hostport(s, auth_end, 0, &c->host, &c->host_is_name,
	    &c->port)) != NULL)
		return why;
	/* A lower-case scheme, and a path of at least "/". */
	n = (size_t)(auth_end - url) + 1 + strlen(auth_end) +
	    (*auth_end != '/');
	c->url = xcalloc(1, n + 1);
	snprintf(c->url, n + 1, "%s%.*s%s%s", c->tls ? "https://" : "http://",
	    (int)(auth_end - s), s, *auth_end == '/' ? "" : "/", auth_end);
	c->kind = CONF_CHECK_HTTP;
	return NULL;
}

static int
stmt_check(struct parser *p, struct conf_check *c, int line)
{
	char tok[TOKEN_MAX + 1];
	const char *s, *why, *dash;
	char *endp;
	unsigned long lo, hi;

	if ((s = lex_arg(p, "check", "URL or tcp HOST:PORT", line)) == NULL)
		return -1;
	if (strcmp(s, "tcp") == 0) {
		if ((s = lex_arg(p, "check tcp", "HOST:PORT", line)) == NULL)
			return -1;
		snprintf(tok, sizeof(tok), "%s", s);
		if ((why = parse_hostport(tok, tok + strlen(tok), 1, &c->host,
		    &c->host_is_name, &c->port)) != NULL) {
			lex_error(p, line, "check tcp: \"%s\": %s", tok, why);
			return -1;
		}
		c->kind = CONF_CHECK_TCP;
		return 0;
	}
	snprintf(tok, sizeof(tok), "%s", s);
	if ((why = parse_url(tok, c)) != NULL) {
		lex_error(p, line, "check: \"%s\": %s", tok, why);
		return -1;
	}
	for (;;) {
		if (lex_opt(p, "method")) {
			if ((s = lex_arg(p, "check", "get or head", line)) ==
			    NULL)
				return -1;
			if (strcmp(s, "get") == 0)
				c->head = 0;
			else if (strcmp(s, "head") == 0)
				c->head = 1;
			else {
				lex_error(p, line, "check: method \"%s\": "
				    "expected get or head", s);
				return -1;
			}
		} else if (lex_opt(p, "status")) {
			if ((s = lex_arg(p, "check", "CODE or CODE-CODE",
			    line)) == NULL)
				return -1;
			lo = strtoul(s, &endp, 10);
			dash = endp;
			hi = lo;
			if (*dash == '-' && isdigit((unsigned char)dash[1]))
				hi = strtoul(dash + 1, &endp, 10);
			if (!isdigit((unsigned char)*s) || *endp != '\0') {
				lex_error(p, line, "check: status \"%s\": "
				    "expected CODE or CODE-CODE", s);
				return -1;
			}
			if (lo < 100 || hi > 599 || lo > hi) {
				lex_error(p, line, "check: status \"%s\": "
				    "expected codes in 100..599, the lower "
				    "first", s);
				return -1;
			}
			c->status_min = (unsigned)lo;
			c->status_max = (unsigned)hi;
		} else if (lex_opt(p, "ca")) {
			if (!c->tls) {
				lex_error(p, line, "check: ca applies to https "
				    "URLs only");
				return -1;
			}
			if (lex_path(p, "check ca", line, 0, &c->ca) == -1)
				return -1;
		} else
			return 0;
	}
}

static int
stmt_duration(struct parser *p, const char *stmt, int line, uint64_t min,
    uint64_t max, uint64_t *v)
{
	char b1[32], b2[32];
	const char *s, *why;

	if ((s = lex_arg(p, stmt, "DURATION", line)) == NULL)
		return -1;
	if ((why = units_duration(s, v)) != NULL) {
		lex_error(p, line, "%s: \"%s\": %s", stmt, s, why);
		return -1;
	}
	if (*v < min || *v > max) {
		units_fmt_duration(b1, sizeof(b1), min);
		units_fmt_duration(b2, sizeof(b2), max);
		lex_error(p, line, "%s: %s out of range %s..%s", stmt, s, b1,
		    b2);
		return -1;
	}
	return 0;
}

int
chk_stmt(struct parser *p, struct chk_block *b, const char *kw, int line)
{
	uint64_t v;
	int i;

	for (i = 0; i < L_N; i++)
		if (strcmp(kw, stmt_names[i]) == 0)
			break;
	if (i == L_N)
		return 1;
	if (b->lines[i]) {
		lex_error(p, line, "%s already set at line %d", stmt_names[i],
		    b->lines[i]);
		return -1;
	}
	b->lines[i] = line;
	switch (i) {
	case L_CHECK:
		b->c.line = line;
		return stmt_check(p, &b->c, line);
	case L_INTERVAL:
		return stmt_duration(p, stmt_names[i], line, INTERVAL_MIN,
		    INTERVAL_MAX, &b->c.lm.interval);
	case L_TIMEOUT:
		return stmt_duration(p, stmt_names[i], line, TIMEOUT_MIN,
		    TIMEOUT_MAX, &b->c.lm.timeout);
	case L_FALL:
	case L_RISE:
		if (lex_num(p, stmt_names[i], "N", line, 1, COUNT_MAX, &v) ==
		    -1)
			return -1;
		if (i == L_FALL)
			b->c.lm.fall = (unsigned)v;
		else
			b->c.lm.rise = (unsigned)v;
		return 0;
	}
	return 1;
}

int
chk_finish(struct parser *p, struct chk_block *b, const char *origin)
{
	char b1[32], b2[32];
	int i;

	if (b->c.kind == CONF_CHECK_NONE) {
		for (i = 1; i < L_N; i++)
			if (b->lines[i]) {
				lex_error(p, b->lines[i], "origin \"%s\": %s "
				    "without a check", origin, stmt_names[i]);
				return -1;
			}
		return 0;
	}
	if (b->c.lm.timeout > b->c.lm.interval) {
		units_fmt_duration(b1, sizeof(b1), b->c.lm.timeout);
		units_fmt_duration(b2, sizeof(b2), b->c.lm.interval);
		lex_error(p, b->lines[L_TIMEOUT] ? b->lines[L_TIMEOUT] :
		    b->lines[L_INTERVAL], "origin \"%s\": check-timeout %s is "
		    "above check-interval %s", origin, b1, b2);
		return -1;
	}
	return 0;
}

void
conf_check_target(const struct conf_check *c, char *buf, size_t len)
{
	int v6 = strchr(c->host != NULL ? c->host : "", ':') != NULL;

	switch (c->kind) {
	case CONF_CHECK_HTTP:
		snprintf(buf, len, "%s", c->url);
		return;
	case CONF_CHECK_TCP:
		snprintf(buf, len, "tcp %s%s%s:%u", v6 ? "[" : "", c->host,
		    v6 ? "]" : "", c->port);
		return;
	case CONF_CHECK_NONE:
		break;
	}
	snprintf(buf, len, "none");
}

static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int
conf_check_equal(const struct conf_check *a, const struct conf_check *b)
{
	return a->kind == b->kind && str_eq(a->url, b->url) &&
	    str_eq(a->host, b->host) && a->port == b->port &&
	    a->tls == b->tls && a->head == b->head && str_eq(a->ca, b->ca) &&
	    a->status_min == b->status_min && a->status_max == b->status_max &&
	    a->lm.interval == b->lm.interval &&
	    a->lm.timeout == b->lm.timeout && a->lm.fall == b->lm.fall &&
	    a->lm.rise == b->lm.rise;
}

void
chk_print(FILE *f, const struct conf_check *c)
{
	char buf[URL_MAX + 64];
	const char *s;

	if (c->kind == CONF_CHECK_NONE)
		return;
	conf_check_target(c, buf, sizeof(buf));
	fprintf(f, "\tcheck %s", buf);
	if (c->kind == CONF_CHECK_HTTP) {
		fprintf(f, " method %s status %u", c->head ? "head" : "get",
		    c->status_min);
		if (c->status_max != c->status_min)
			fprintf(f, "-%u", c->status_max);
		if (c->ca != NULL) {
			fprintf(f, " ca \"");
			for (s = c->ca; *s != '\0'; s++) {
				if (*s == '"' || *s == '\\')
					fputc('\\', f);
				fputc(*s, f);
			}
			fputc('"', f);
		}
	}
	units_fmt_duration(buf, sizeof(buf), c->lm.interval);
	fprintf(f, "\n\tcheck-interval %s\n", buf);
	units_fmt_duration(buf, sizeof(buf), c->lm.timeout);
	fprintf(f, "\tcheck-timeout %s\n", buf);
	fprintf(f, "\tunhealthy-after %u\n", c->lm.fall);
	fprintf(f, "\thealthy-after %u\n", c->lm.rise);
}
