/*
 * argod.conf(5): the statement loop and the keyword table.
 *
 * One hand-written lexer (conf-lex.c) feeds a table-driven parser: every
 * setting that maps onto struct engine_params is a row of the parameter
 * table (params.c) with its argument types, limits and the relation
 * between its two arguments, and kw_param() below is the one handler for
 * all of them, so parsing, range checks and printing cannot drift apart.
 * The statements with a shape of their own (node, key, listen, peer,
 * origin, forwarding, ...) are rows of kwtab[] with their own handlers.
 *
 * Errors are reported as "file:line: message", one line each; after an
 * error the parser skips to the end of the statement and goes on, so one
 * run shows several mistakes, but checks that look at the whole file
 * (conf-check.c) only run on an otherwise clean file to avoid follow-on
 * noise. Nothing is kept on failure.
 *
 * The key is never echoed, neither in error messages nor by conf_print(),
 * since both end up in logs and bug reports.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "conf-int.h"
#include "ctl-proto.h"
#include "engine.h"
#include "params.h"
#include "units.h"

#define KEYFILE_MAX	256	/* a key file is one short line */
#define KEY_B64_LEN	44	/* 43 characters and one "=" */

static int	kw_node(struct parser *, int);
static int	kw_key(struct parser *, int);
static int	kw_keyfile(struct parser *, int);
static int	kw_key_next(struct parser *, int);
static int	kw_key_next_file(struct parser *, int);
static int	kw_control(struct parser *, int);
static int	kw_control_ro(struct parser *, int);
static int	kw_max_output(struct parser *, int);
static int	kw_idle_timeout(struct parser *, int);
static int	kw_max_per_user(struct parser *, int);
static int	kw_receive_buffer(struct parser *, int);
static int	kw_user(struct parser *, int);
static int	kw_pidfile(struct parser *, int);

/* The statements that are not parameters. */
static const struct keyword {
	const char	*kw;
	int		(*fn)(struct parser *, int);
	int		 repeat;	/* may appear more than once */
} kwtab[] = {
	{ "node", kw_node, 0 },
	{ "key", kw_key, 1 },		/* key_once() reports repeats */
	{ "key-file", kw_keyfile, 1 },
	{ "key-next", kw_key_next, 1 },
	{ "key-next-file", kw_key_next_file, 1 },
	{ "listen", kw_listen, 1 },
	{ "control", kw_control, 0 },
	{ "control-readonly", kw_control_ro, 0 },
	{ "control-max-output", kw_max_output, 0 },
	{ "control-idle-timeout", kw_idle_timeout, 0 },
	{ "control-max-per-user", kw_max_per_user, 0 },
	{ "metrics", kw_metrics, 0 },
	{ "receive-buffer", kw_receive_buffer, 0 },
	{ "user", kw_user, 0 },
	{ "pidfile", kw_pidfile, 0 },
	{ "dry-run", kw_dry_run, 0 },
	{ "tunnel", kw_tunnel, 0 },
	{ "tunnel-device", kw_tunnel_device, 0 },
	{ "tunnel-mtu", kw_tunnel_mtu, 0 },
	{ "route-table", kw_route_table, 0 },
	{ "route-protocol", kw_route_protocol, 0 },
	{ "policy-rules", kw_policy_rules, 0 },
	{ "keep-routes", kw_keep_routes, 0 },
	{ "cache", kw_cache, 0 },
	{ "cache-include", kw_cache_include, 0 },
	{ "cache-reload", kw_cache_reload, 0 },
	{ "peer", kw_peer, 1 },
	{ "origin", kw_origin, 1 },
};
#define NKW	(sizeof(kwtab) / sizeof(kwtab[0]))

/*
 * Statements
 */

static const char key_len_msg[] =
    "expected 32 bytes as 64 hex or 44 base64 characters";

/*
 * 32 bytes as 64 hex digits, or as standard base64 (43 characters and one
 * "=", the format of wg genkey). Never quotes the input back.
 */
static const char *
key_decode(const char *s, size_t n, uint8_t key[WIRE_KEY_LEN])
{
	const char *end = s;
	size_t i, len;

	if (n == 2 * WIRE_KEY_LEN) {
		if (sodium_hex2bin(key, WIRE_KEY_LEN, s, n, NULL, &len,
		    NULL) != 0 || len != WIRE_KEY_LEN)
			return "bad hex digit";
		return NULL;
	}
	if (n == KEY_B64_LEN) {
		if (s[n - 1] != '=')
			return "bad base64: expected \"=\" at the end";
		/* libsodium 1.0.18 decodes bytes above 0x7f as letters. */
		for (i = 0; i < n; i++)
			if ((unsigned char)s[i] > 0x7f)
				return "bad base64 character";
		if (sodium_base642bin(key, WIRE_KEY_LEN, s, n, NULL, &len, &end,
		    sodium_base64_VARIANT_ORIGINAL) == 0 &&
		    len == WIRE_KEY_LEN && end == s + n)
			return NULL;
		/*
		 * libsodium stops at the first byte outside the alphabet.
		 * Having read all 43, it can only have refused the last 2 of
		 * their 258 bits, which must be zero.
		 */
		if (end == s + n - 1)
			return "bad base64: not canonical";
		return "bad base64 character";
	}
	return key_len_msg;
}

/* The key's length, never its text, goes into the message. */
static void
key_error(struct parser *p, int line, const char *what, const char *why,
    size_t n)
{
	if (why == key_len_msg)
		lex_error(p, line, "%s: %s, got %zu", what, why, n);
	else
		lex_error(p, line, "%s: %s", what, why);
}

static int
kw_node(struct parser *p, int line)
{
	char name[WIRE_NAME_MAX + 1];

	if (lex_name(p, "node", line, name) == -1)
		return -1;
	strcpy(p->c->ec.name, name);
	check_add_name(p, name, line);
	return 0;
}

/* Where "key" (next 0) or "key-next" (next 1) puts what it reads. */
struct keyslot {
	const char	*kw, *kwfile;
	int		*line;
	uint8_t		*key;
	char		**file;
};

static void
keyslot(struct parser *p, int next, struct keyslot *ks)
{
	ks->kw = next ? "key-next" : "key";
	ks->kwfile = next ? "key-next-file" : "key-file";
	ks->line = next ? &p->key_next_line : &p->key_line;
	ks->key = next ? p->c->ec.key_next : p->c->ec.key;
	ks->file = next ? &p->c->key_next_file : &p->c->key_file;
	if (next)
		p->c->ec.has_key_next = 1;
}

static int
key_once(struct parser *p, int line, const struct keyslot *ks)
{
	if (*ks->line) {
		lex_error(p, line, "%s already set at line %d", ks->kw,
		    *ks->line);
		return -1;
	}
	*ks->line = line;
	return 0;
}

static int
key_inline(struct parser *p, int line, int next)
{
	struct keyslot ks;
	const char *s, *why;

	keyslot(p, next, &ks);
	if (key_once(p, line, &ks) == -1)
		return -1;
	if ((s = lex_arg(p, ks.kw, "SECRET", line)) == NULL)
		return -1;
	if (strcmp(s, "<elided>") == 0) {
		lex_error(p, line, "%s: <elided> stands for the key in "
		    "printed configs; put the real key here", ks.kw);
		return -1;
	}
	if ((why = key_decode(s, strlen(s), ks.key)) != NULL) {
		key_error(p, line, ks.kw, why, strlen(s));
		return -1;
	}
	return 0;
}

static int
kw_key(struct parser *p, int line)
{
	return key_inline(p, line, 0);
}

static int
kw_key_next(struct parser *p, int line)
{
	return key_inline(p, line, 1);
}

static int	key_file(struct parser *, int, int);

static int
kw_keyfile(struct parser *p, int line)
{
	return key_file(p, line, 0);
}

static int
kw_key_next_file(struct parser *p, int line)
{
	return key_file(p, line, 1);
}

static int
key_file(struct parser *p, int line, int next)
{
	char buf[KEYFILE_MAX + 1], what[TOKEN_MAX + 16], *path = NULL;
	struct keyslot ks;
	const char *why;
	struct stat st;
	ssize_t r;
	size_t n = 0;
	int fd = -1, ret = -1;

	keyslot(p, next, &ks);
	if (key_once(p, line, &ks) == -1)
		return -1;
	if (lex_path(p, ks.kwfile, line, 0, &path) == -1)
		return -1;
	/* O_NONBLOCK: a FIFO named here must not hang the parser. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		lex_error(p, line, "%s \"%s\": %s", ks.kwfile, path,
		    strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		lex_error(p, line, "%s \"%s\": %s", ks.kwfile, path,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		lex_error(p, line, "%s \"%s\": not a regular file",
		    ks.kwfile, path);
		goto out;
	}
	for (;;) {
		r = read(fd, buf + n, sizeof(buf) - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			lex_error(p, line, "%s \"%s\": %s", ks.kwfile, path,
			    strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == sizeof(buf)) {
			lex_error(p, line, "%s \"%s\": too large for a "
			    "key", ks.kwfile, path);
			goto out;
		}
	}
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if ((why = key_decode(buf, n, ks.key)) != NULL) {
		snprintf(what, sizeof(what), "%s \"%s\"", ks.kwfile, path);
		key_error(p, line, what, why, n);
		goto out;
	}
	/* git and tar lose modes, so this is advice, not a refusal. */
	if (st.st_mode & (S_IRGRP | S_IROTH))
		lex_warn(p, line, "%s \"%s\" is readable by group or "
		    "others", ks.kwfile, path);
	free(*ks.file);
	*ks.file = path;
	path = NULL;
	ret = 0;
 out:
	explicit_bzero(buf, sizeof(buf));
	if (fd != -1)
		close(fd);
	free(path);
	return ret;
}

static int
kw_control(struct parser *p, int line)
{
	if (lex_path(p, "control", line, 1, &p->c->control) == -1)
		return -1;
	return lex_mode(p, "control", line, &p->c->control_mode);
}

static int
kw_control_ro(struct parser *p, int line)
{
	if (lex_path(p, "control-readonly", line, 1, &p->c->control_ro) == -1)
		return -1;
	return lex_mode(p, "control-readonly", line, &p->c->control_ro_mode);
}

static int
kw_max_output(struct parser *p, int line)
{
	const char *s, *why;
	char b1[32], b2[32];
	uint64_t v, min = 64 * 1024, max = 1024 * 1024 * 1024;

	if ((s = lex_arg(p, "control-max-output", "SIZE", line)) == NULL)
		return -1;
	if ((why = units_size(s, &v)) != NULL) {
		lex_error(p, line, "control-max-output: \"%s\": %s", s, why);
		return -1;
	}
	if (v < min || v > max) {
		units_fmt_size(b1, sizeof(b1), min);
		units_fmt_size(b2, sizeof(b2), max);
		lex_error(p, line, "control-max-output: %s out of range %s..%s",
		    s, b1, b2);
		return -1;
	}
	p->c->control_max_output = (size_t)v;
	return 0;
}

/* "off" or a duration from 100ms to 1d, kept in ns */
static int
kw_idle_timeout(struct parser *p, int line)
{
	const char *s, *why;
	uint64_t v, min = 100 * MSEC, max = 86400 * SEC;

	if ((s = lex_arg(p, "control-idle-timeout", "DURATION", line)) == NULL)
		return -1;
	if (strcmp(s, "off") == 0) {
		p->c->control_idle_timeout = 0;
		return 0;
	}
	if ((why = units_duration(s, &v)) != NULL) {
		lex_error(p, line, "control-idle-timeout: \"%s\": %s "
		    "(or \"off\")", s, why);
		return -1;
	}
	if (v < min || v > max) {
		lex_error(p, line, "control-idle-timeout: %s out of range "
		    "100ms..24h", s);
		return -1;
	}
	p->c->control_idle_timeout = v;
	return 0;
}

static int
kw_max_per_user(struct parser *p, int line)
{
	uint64_t v;

	if (lex_num(p, "control-max-per-user", "count", line, 1,
	    CTL_MAX_CLIENTS - CTL_RESERVED_CLIENTS, &v) == -1)
		return -1;
	p->c->control_max_per_user = (unsigned)v;
	return 0;
}

static int
kw_receive_buffer(struct parser *p, int line)
{
	const char *s, *why;
	uint64_t v, min = 64 * 1024, max = 1024 * 1024 * 1024;

	if ((s = lex_arg(p, "receive-buffer", "SIZE", line)) == NULL)
		return -1;
	if ((why = units_size(s, &v)) != NULL) {
		lex_error(p, line, "receive-buffer: \"%s\": %s", s, why);
		return -1;
	}
	if (v < min || v > max) {
		lex_error(p, line, "receive-buffer: %s out of range 64K..1024M",
		    s);
		return -1;
	}
	p->c->receive_buffer = (size_t)v;
	return 0;
}

/* A user name as useradd(8) takes them; resolved when argod starts. */
static int
kw_user(struct parser *p, int line)
{
	const char *s;
	size_t i, n;

	if ((s = lex_arg(p, "user", "NAME", line)) == NULL)
		return -1;
	n = strlen(s);
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '.' || (s[i] == '-' && i > 0)))
			break;
	if (n == 0 || n > 32 || i < n) {
		lex_error(p, line, "user: bad name \"%s\": 1 to 32 letters, "
		    "digits, \"_\", \".\" and \"-\"", s);
		return -1;
	}
	free(p->c->user);
	p->c->user = xstrdup(s);
	return 0;
}

static int
kw_pidfile(struct parser *p, int line)
{
	return lex_path(p, "pidfile", line, 0, &p->c->pidfile);
}

/*
 * Parameters (params.h)
 */

static void
param_stmt(char *buf, size_t len, const struct param *pr)
{
	if (pr->sub != NULL)
		snprintf(buf, len, "%s %s", pr->kw, pr->sub);
	else
		snprintf(buf, len, "%s", pr->kw);
}

static int
kw_param(struct parser *p, const struct param *pr, const char *stmt,
    int line)
{
	const struct param_arg *a;
	char b1[32], b2[32], b3[32];
	const char *s, *why;
	uint64_t v[2];
	int i;

	for (i = 0; i < pr->nargs; i++) {
		a = &pr->arg[i];
		if ((s = lex_arg(p, stmt, a->name, line)) == NULL)
			return -1;
		if ((why = params_parse(a->type, s, &v[i])) != NULL) {
			lex_error(p, line, "%s: \"%s\": %s", stmt, s, why);
			return -1;
		}
		if (v[i] < a->min || v[i] > a->max) {
			params_fmt(b1, sizeof(b1), a->type, v[i]);
			params_fmt(b2, sizeof(b2), a->type, a->min);
			params_fmt(b3, sizeof(b3), a->type, a->max);
			lex_error(p, line, "%s: %s%s%s out of range %s..%s",
			    stmt, pr->nargs > 1 ? a->name : "",
			    pr->nargs > 1 ? " " : "", b1, b2, b3);
			return -1;
		}
	}
	if (pr->nargs == 2 && pr->rule != PARAM_ANY) {
		params_fmt(b1, sizeof(b1), pr->arg[0].type, v[0]);
		params_fmt(b2, sizeof(b2), pr->arg[1].type, v[1]);
		if (pr->rule == PARAM_LE && v[0] > v[1]) {
			lex_error(p, line, "%s: %s %s is above %s %s", stmt,
			    pr->arg[0].name, b1, pr->arg[1].name, b2);
			return -1;
		}
		if (pr->rule == PARAM_LT && v[0] >= v[1]) {
			lex_error(p, line, "%s: %s %s must be below %s %s",
			    stmt, pr->arg[0].name, b1, pr->arg[1].name, b2);
			return -1;
		}
		if (pr->rule == PARAM_GT && v[1] >= v[0]) {
			lex_error(p, line, "%s: %s %s must be below %s %s",
			    stmt, pr->arg[1].name, b2, pr->arg[0].name, b1);
			return -1;
		}
	}
	for (i = 0; i < pr->nargs; i++)
		params_set(&p->c->ec.p, pr, i, v[i]);
	return 0;
}

/*
 * The parameter named by the word in t, reading its second word if it
 * takes one; NULL after reporting.
 */
static const struct param *
param_lookup(struct parser *p, struct token *t, int line)
{
	const struct param *tab = params_table(), *pr;
	size_t i, n = params_count();
	char kw[32], subs[128];
	int found = 0;

	for (i = 0; i < n; i++)
		if (t->type == T_WORD && strcmp(tab[i].kw, t->s) == 0)
			break;
	if (i == n) {
		lex_error(p, line, "unknown keyword \"%s\"", t->s);
		return NULL;
	}
	if (tab[i].sub == NULL)
		return &tab[i];
	snprintf(kw, sizeof(kw), "%s", tab[i].kw);
	t = lex_next(p);
	if (t->type == T_WORD) {
		if ((pr = params_find(kw, t->s)) != NULL)
			return pr;
		lex_error(p, line, "unknown keyword \"%s %s\"", kw, t->s);
		return NULL;
	}
	if (t->type == T_ERR)
		return NULL;
	lex_push(p);
	subs[0] = '\0';
	for (i = 0; i < n; i++)
		if (strcmp(tab[i].kw, kw) == 0) {
			if (found++)
				strncat(subs, ", ",
				    sizeof(subs) - strlen(subs) - 1);
			strncat(subs, tab[i].sub,
			    sizeof(subs) - strlen(subs) - 1);
		}
	lex_error(p, line, "%s: missing one of %s", kw, subs);
	return NULL;
}

/*
 * The file
 */

static const struct keyword *
kw_find(const char *s)
{
	size_t i;

	for (i = 0; i < NKW; i++)
		if (strcmp(kwtab[i].kw, s) == 0)
			return &kwtab[i];
	return NULL;
}

int
parse_is_keyword(const char *s)
{
	size_t i;

	if (kw_find(s) != NULL)
		return 1;
	for (i = 0; i < params_count(); i++)
		if (strcmp(params_table()[i].kw, s) == 0)
			return 1;
	return 0;
}

/* The line of a one-word statement, 0 if it was not set. */
int
parse_stmt_line(const struct parser *p, const char *kw)
{
	const struct keyword *k;
	const struct param *pr;

	if ((k = kw_find(kw)) != NULL)
		return p->set[k - kwtab];
	if ((pr = params_find(kw, NULL)) != NULL)
		return p->set[NKW + (size_t)(pr - params_table())];
	return 0;
}

static void
parse_statements(struct parser *p)
{
	const struct keyword *k;
	const struct param *pr;
	struct token *t;
	char stmt[64];
	size_t idx;
	int line, r;

	for (;;) {
		if (p->nerrors >= MAX_ERRORS) {
			fprintf(p->report, "%s: too many errors, giving up\n",
			    p->name);
			return;
		}
		t = lex_next(p);
		if (t->type == T_EOF)
			return;
		if (t->type == T_NL)
			continue;
		if (t->type == T_ERR) {
			lex_skip(p);
			continue;
		}
		if (t->type != T_WORD && t->type != T_STRING) {
			lex_error(p, t->line, "unexpected %s", lex_desc(t));
			/* A stray "}" must not stop lex_skip() for good. */
			if (t->type != T_RBRACE)
				lex_skip(p);
			continue;
		}
		line = t->line;
		k = t->type == T_WORD ? kw_find(t->s) : NULL;
		pr = NULL;
		if (k != NULL) {
			idx = (size_t)(k - kwtab);
			snprintf(stmt, sizeof(stmt), "%s", k->kw);
		} else if ((pr = param_lookup(p, t, line)) != NULL) {
			idx = NKW + (size_t)(pr - params_table());
			param_stmt(stmt, sizeof(stmt), pr);
		} else {
			lex_skip(p);
			continue;
		}
		if ((k == NULL || !k->repeat) && p->set[idx]) {
			lex_error(p, line, "%s already set at line %d", stmt,
			    p->set[idx]);
			lex_skip(p);
			continue;
		}
		p->set[idx] = line;
		if (k != NULL)
			r = k->fn(p, line);
		else
			r = kw_param(p, pr, stmt, line);
		if (r == 0)
			r = lex_end(p, stmt, line);
		if (r == -1)
			lex_skip(p);
	}
}

static struct conf *
parse_stream(FILE *f, const char *name, FILE *report)
{
	struct parser *p;
	struct conf *c;

	p = xcalloc(1, sizeof(*p));
	p->f = f;
	p->report = report;
	p->name = name;
	p->line = 1;
	p->set = xcalloc(NKW + params_count(), sizeof(*p->set));

	c = p->c = xcalloc(1, sizeof(*c));
	c->file = xstrdup(name);
	params_default(&c->ec.p);
	c->control = xstrdup(CONF_DEFAULT_CONTROL);
	c->control_mode = 0660;
	c->control_ro_mode = 0666;
	c->control_max_output = CTL_DEFAULT_MAX_OUTPUT;
	c->control_idle_timeout = (uint64_t)CTL_DEFAULT_IDLE_TIMEOUT * SEC;
	c->control_max_per_user = CTL_DEFAULT_MAX_PER_UID;
	c->receive_buffer = CONF_DEFAULT_RCVBUF;
	c->pidfile = xstrdup(CONF_DEFAULT_PIDFILE);
	kern_conf_default(&c->kern);

	parse_statements(p);
	if (p->nerrors == 0)
		check_conf(p);

	if (p->nerrors != 0) {
		conf_free(c);
		c = NULL;
	}
	/* The token buffer may have held the key. */
	explicit_bzero(p->buf, sizeof(p->buf));
	free(p->set);
	free(p->listen_lines);
	free(p->origin_lines);
	free(p->prefixes);
	free(p->names);
	free(p);
	return c;
}

struct conf *
conf_parse_stream(FILE *f, const char *name)
{
	return parse_stream(f, name, stderr);
}

struct conf *
conf_parse_report(const char *file, FILE *report)
{
	struct conf *c;
	FILE *f;

	if ((f = fopen(file, "r")) == NULL) {
		fprintf(report, "%s: %s\n", file, strerror(errno));
		return NULL;
	}
	c = parse_stream(f, file, report);
	fclose(f);
	return c;
}

struct conf *
conf_parse(const char *file)
{
	return conf_parse_report(file, stderr);
}

void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; c->peers != NULL && i < c->ec.npeers; i++) {
		free(c->peers[i].addr.host);
		free(c->peers[i].cache.host);
	}
	free(c->peers);
	for (i = 0; c->checks != NULL && i < c->ec.norigins; i++)
		chk_clear(&c->checks[i]);
	free(c->checks);
	for (i = 0; c->cache_origins != NULL && i < c->ec.norigins; i++)
		free(c->cache_origins[i].host);
	free(c->cache_origins);
	/* Frees ec.peers and ec.origins with everything they own. */
	engine_conf_free(&c->ec);
	explicit_bzero(c->ec.key, sizeof(c->ec.key));
	explicit_bzero(c->ec.key_next, sizeof(c->ec.key_next));
	for (i = 0; i < c->nlisten; i++)
		free(c->listen[i].host);
	free(c->listen);
	free(c->file);
	free(c->key_file);
	free(c->key_next_file);
	free(c->control);
	free(c->control_ro);
	free(c->metrics.host);
	free(c->user);
	free(c->pidfile);
	free(c->cache.host);
	free(c->cache_include);
	free(c->cache_reload);
	free(c);
}

