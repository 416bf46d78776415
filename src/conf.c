/*
 * argod.conf(5): tokenizer, parser, semantic checks and the normalised
 * printer.
 *
 * The file is a sequence of newline-terminated statements made of words,
 * quoted strings ("..." with \" and \\), braces and # comments. One
 * hand-written tokenizer feeds a table-driven parser: every setting that
 * maps onto struct engine_params is a row of kwtab[] with its argument
 * types, limits and the relation between its two arguments, so parsing,
 * range checks and printing cannot drift apart. The few statements with a
 * shape of their own (node, key, listen, peer, origin, ...) have handlers.
 *
 * Errors are reported as "file:line: message", one line each; after an
 * error the parser skips to the end of the statement and goes on, so one
 * run shows several mistakes, but checks that look at the whole file
 * (missing node, name collisions, ...) only run on an otherwise clean file
 * to avoid follow-on noise. Nothing is kept on failure.
 *
 * The key is never echoed, neither in error messages nor by conf_print(),
 * since both end up in logs and bug reports.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"
#include "ctl-proto.h"
#include "engine.h"
#include "log.h"
#include "wire.h"

#define TOKEN_MAX	4096	/* longest word or string */
#define MAX_ERRORS	20	/* then give up: the rest is likely noise */
#define KEYFILE_MAX	256	/* a key file is one short line */
#define PREFIX_STRLEN	(INET6_ADDRSTRLEN + 12)

enum tok_type {
	T_EOF,
	T_NL,
	T_WORD,
	T_STRING,
	T_LBRACE,
	T_RBRACE,
	T_ERR,		/* already reported */
};

struct token {
	enum tok_type	 type;
	const char	*s;		/* T_WORD, T_STRING: valid until next */
	int		 line;
};

/* How a value is written in the file and stored in engine_params. */
enum vtype {
	V_NS,		/* uint64_t nanoseconds, written as a duration */
	V_US,		/* uint32_t microseconds, written as a duration */
	V_COUNT,	/* unsigned, a plain integer */
	V_PCT,		/* uint32_t whole percent, written "10%" */
	V_PERMILLE,	/* uint32_t permille, written "0.5%" */
};

/* Relation required between the first and second argument. */
enum rule {
	R_NONE,
	R_LE,		/* MIN <= MAX */
	R_LT,		/* MIN < MAX */
	R_GT,		/* ENTER > EXIT: hysteresis needs a gap */
};

struct parser;
struct keyword;
typedef int kwfn(struct parser *, const struct keyword *, int);

struct keyword {
	const char	*kw;
	const char	*sub;		/* second word, or NULL */
	kwfn		*fn;
	int		 repeat;	/* may appear more than once */
	int		 nargs;
	enum vtype	 type[2];
	size_t		 off[2];	/* into struct engine_params */
	uint64_t	 min[2], max[2];	/* in stored units */
	enum rule	 rule;
	const char	*argname[2];
};

struct name_ref {
	char		 name[WIRE_NAME_MAX + 1];
	uint32_t	 id;
	int		 line;
};

struct prefix_ref {
	char		 prefix[PREFIX_STRLEN];
	char		 origin[WIRE_NAME_MAX + 1];
	int		 line;
};

struct parser {
	FILE			*f;
	const char		*name;
	int			 line;		/* of the next character */
	int			 lastline;	/* of the last character read */
	int			 nerrors;
	struct token		 tok;
	int			 pushed;
	char			 buf[TOKEN_MAX + 1];
	struct conf		*c;
	int			*set;		/* per kwtab row: line, 0 unset */
	int			 key_line;	/* key or key-file */
	int			*listen_lines;
	int			*origin_lines;
	struct prefix_ref	*prefixes;
	size_t			 nprefixes;
	struct name_ref		*names;		/* node, peers, egress */
	size_t			 nnames;
};

static void	vreport(struct parser *, int, const char *, const char *,
		    va_list) __attribute__((format(printf, 4, 0)));
static void	perr(struct parser *, int, const char *, ...) ARGO_PRINTF(3, 4);
static void	pwarn(struct parser *, int, const char *, ...) ARGO_PRINTF(3, 4);

static kwfn	kw_node, kw_key, kw_keyfile, kw_listen, kw_control,
		kw_control_ro, kw_max_output, kw_pidfile, kw_param, kw_peer,
		kw_origin, kw_dry_run, kw_tunnel, kw_tunnel_device,
		kw_tunnel_mtu, kw_route_table, kw_route_protocol,
		kw_policy_rules, kw_keep_routes;

#define P(f)	offsetof(struct engine_params, f)

/*
 * Limits keep values inside what the engine and the wire can carry: the
 * LSA age is 16 bits of seconds, advertised RTTs are 16 bits of 0.1 ms, and
 * a probe interval below 10ms would spend the control budget of DESIGN.md
 * decision 4 on probes alone at a few hundred PoPs.
 */
static const struct keyword kwtab[] = {
	{ "node", NULL, kw_node, 0, 0, { 0 }, { 0 }, { 0 }, { 0 }, R_NONE,
	    { NULL } },
	{ "key", NULL, kw_key, 1, 0, { 0 }, { 0 }, { 0 }, { 0 }, R_NONE,
	    { NULL } },
	{ "key-file", NULL, kw_keyfile, 1, 0, { 0 }, { 0 }, { 0 }, { 0 },
	    R_NONE, { NULL } },
	{ "listen", NULL, kw_listen, 1, 0, { 0 }, { 0 }, { 0 }, { 0 }, R_NONE,
	    { NULL } },
	{ "control", NULL, kw_control, 0, 0, { 0 }, { 0 }, { 0 }, { 0 },
	    R_NONE, { NULL } },
	{ "control-readonly", NULL, kw_control_ro, 0, 0, { 0 }, { 0 }, { 0 },
	    { 0 }, R_NONE, { NULL } },
	{ "control-max-output", NULL, kw_max_output, 0, 0, { 0 }, { 0 },
	    { 0 }, { 0 }, R_NONE, { NULL } },
	{ "pidfile", NULL, kw_pidfile, 0, 0, { 0 }, { 0 }, { 0 }, { 0 },
	    R_NONE, { NULL } },

	{ "probe-interval", NULL, kw_param, 0, 1, { V_NS },
	    { P(probe_interval) }, { 10 * MSEC }, { 10 * SEC }, R_NONE,
	    { "DURATION" } },
	{ "probe-idle-interval", NULL, kw_param, 0, 1, { V_NS },
	    { P(probe_idle_interval) }, { 0 }, { 60 * SEC }, R_NONE,
	    { "DURATION" } },
	{ "down-after", NULL, kw_param, 0, 1, { V_COUNT },
	    { P(down_after) }, { 1 }, { 100 }, R_NONE, { "N" } },
	{ "probe-timeout", NULL, kw_param, 0, 2, { V_NS, V_NS },
	    { P(probe_timeout_min), P(probe_timeout_max) },
	    { MSEC, MSEC }, { 60 * SEC, 60 * SEC }, R_LE, { "MIN", "MAX" } },
	{ "baseline-window", NULL, kw_param, 0, 1, { V_NS },
	    { P(baseline_window) }, { SEC }, { 24 * 3600 * SEC }, R_NONE,
	    { "DURATION" } },
	{ "baseline-shift", NULL, kw_param, 0, 1, { V_NS },
	    { P(baseline_shift) }, { 0 }, { 24 * 3600 * SEC }, R_NONE,
	    { "DURATION" } },
	{ "loss-window", NULL, kw_param, 0, 1, { V_COUNT },
	    { P(loss_window) }, { 10 }, { 1000 }, R_NONE, { "N" } },
	{ "congestion", "delay", kw_param, 0, 2, { V_US, V_US },
	    { P(cong_delay_enter), P(cong_delay_exit) },
	    { 1, 1 }, { 10000000, 10000000 }, R_GT, { "ENTER", "EXIT" } },
	{ "congestion", "loss", kw_param, 0, 2, { V_PERMILLE, V_PERMILLE },
	    { P(cong_loss_enter), P(cong_loss_exit) },
	    { 1, 1 }, { 1000, 1000 }, R_GT, { "ENTER", "EXIT" } },
	{ "congestion", "hold", kw_param, 0, 1, { V_NS }, { P(cong_hold) },
	    { 0 }, { 3600 * SEC }, R_NONE, { "DURATION" } },
	{ "lsa-refresh", NULL, kw_param, 0, 1, { V_NS }, { P(lsa_refresh) },
	    { SEC }, { 3600 * SEC }, R_NONE, { "DURATION" } },
	{ "lsa-max-age", NULL, kw_param, 0, 1, { V_NS }, { P(lsa_maxage) },
	    { 3 * SEC }, { 18 * 3600 * SEC }, R_NONE, { "DURATION" } },
	{ "lsa-min-interval", NULL, kw_param, 0, 1, { V_NS },
	    { P(lsa_min_interval) }, { 0 }, { 10 * SEC }, R_NONE,
	    { "DURATION" } },
	{ "advertise", "rtt-change", kw_param, 0, 2, { V_PCT, V_US },
	    { P(adv_rtt_pct), P(adv_rtt_min) }, { 0, 0 }, { 100, 10000000 },
	    R_NONE, { "PCT", "MIN" } },
	{ "advertise", "loss-change", kw_param, 0, 1, { V_PERMILLE },
	    { P(adv_loss) }, { 0 }, { 1000 }, R_NONE, { "PCT" } },
	{ "advertise", "hold", kw_param, 0, 1, { V_NS }, { P(adv_hold) },
	    { 0 }, { 60 * SEC }, R_NONE, { "DURATION" } },
	{ "spf", "delay", kw_param, 0, 1, { V_NS }, { P(spf_delay) },
	    { 0 }, { 10 * SEC }, R_NONE, { "DURATION" } },
	{ "spf", "hold", kw_param, 0, 2, { V_NS, V_NS },
	    { P(spf_hold_min), P(spf_hold_max) }, { MSEC, MSEC },
	    { 60 * SEC, 60 * SEC }, R_LE, { "MIN", "MAX" } },
	{ "cost", "loss-penalty", kw_param, 0, 1, { V_US },
	    { P(loss_penalty) }, { 0 }, { 10000000 }, R_NONE,
	    { "DURATION" } },
	{ "cost", "congestion-penalty", kw_param, 0, 1, { V_US },
	    { P(cong_penalty) }, { 0 }, { 10000000 }, R_NONE,
	    { "DURATION" } },
	{ "cost", "hop", kw_param, 0, 1, { V_US },
	    { P(hop_cost) }, { 0 }, { 10000000 }, R_NONE,
	    { "DURATION" } },
	{ "cost", "clamp", kw_param, 0, 2, { V_US, V_US },
	    { P(cost_min), P(cost_max) }, { 1, 1 }, { 60000000, 60000000 },
	    R_LT, { "MIN", "MAX" } },

	{ "dry-run", NULL, kw_dry_run, 0, 0, { 0 }, { 0 }, { 0 }, { 0 },
	    R_NONE, { NULL } },
	{ "tunnel", NULL, kw_tunnel, 0, 0, { 0 }, { 0 }, { 0 }, { 0 },
	    R_NONE, { NULL } },
	{ "tunnel-device", NULL, kw_tunnel_device, 0, 0, { 0 }, { 0 }, { 0 },
	    { 0 }, R_NONE, { NULL } },
	{ "tunnel-mtu", NULL, kw_tunnel_mtu, 0, 0, { 0 }, { 0 }, { 0 }, { 0 },
	    R_NONE, { NULL } },
	{ "route-table", NULL, kw_route_table, 0, 0, { 0 }, { 0 }, { 0 },
	    { 0 }, R_NONE, { NULL } },
	{ "route-protocol", NULL, kw_route_protocol, 0, 0, { 0 }, { 0 },
	    { 0 }, { 0 }, R_NONE, { NULL } },
	{ "policy-rules", NULL, kw_policy_rules, 0, 0, { 0 }, { 0 }, { 0 },
	    { 0 }, R_NONE, { NULL } },
	{ "keep-routes", NULL, kw_keep_routes, 0, 0, { 0 }, { 0 }, { 0 },
	    { 0 }, R_NONE, { NULL } },

	{ "peer", NULL, kw_peer, 1, 0, { 0 }, { 0 }, { 0 }, { 0 }, R_NONE,
	    { NULL } },
	{ "origin", NULL, kw_origin, 1, 0, { 0 }, { 0 }, { 0 }, { 0 }, R_NONE,
	    { NULL } },
};
#define NKW	(sizeof(kwtab) / sizeof(kwtab[0]))

#undef P

static const struct {
	const char	*unit;
	uint64_t	 ns;
} durunits[] = {
	{ "h", 3600 * SEC },
	{ "m", 60 * SEC },
	{ "s", SEC },
	{ "ms", MSEC },
	{ "us", USEC },
	{ "ns", NSEC },
};
#define NDURUNITS	(sizeof(durunits) / sizeof(durunits[0]))

/*
 * Messages
 */

static void
vreport(struct parser *p, int line, const char *what, const char *fmt,
    va_list ap)
{
	if (line > 0)
		fprintf(stderr, "%s:%d: %s", p->name, line, what);
	else
		fprintf(stderr, "%s: %s", p->name, what);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void
perr(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, line, "", fmt, ap);
	va_end(ap);
	p->nerrors++;
}

static void
pwarn(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, line, "warning: ", fmt, ap);
	va_end(ap);
}

/*
 * Tokenizer
 */

static int
p_getc(struct parser *p)
{
	int ch;

	ch = getc(p->f);
	if (ch == EOF)
		return EOF;
	p->lastline = p->line;
	if (ch == '\n')
		p->line++;
	return ch;
}

static void
p_ungetc(struct parser *p, int ch)
{
	if (ch == EOF)
		return;
	if (ch == '\n')
		p->line--;
	ungetc(ch, p->f);
}

/* Bytes that would make a printed config or a log line lie. */
static int
is_ctrl(int ch)
{
	return (ch < 0x20 && ch != '\t') || ch == 0x7f;
}

static int
is_word_char(int ch)
{
	return ch != EOF && ch != ' ' && ch != '\t' && ch != '\r' &&
	    ch != '\n' && ch != '"' && ch != '{' && ch != '}' && ch != '#' &&
	    !is_ctrl(ch);
}

static void
tok_push(struct parser *p)
{
	p->pushed = 1;
}

static struct token *
tok_string(struct parser *p, struct token *t)
{
	size_t n = 0;
	int ch, bad = 0;

	for (;;) {
		ch = p_getc(p);
		if (ch == '"')
			break;
		if (ch == '\\') {
			ch = p_getc(p);
			if (ch != '"' && ch != '\\' && ch != EOF && ch != '\n') {
				if (!bad && !is_ctrl(ch))
					perr(p, t->line, "unknown escape "
					    "\"\\%c\" in string (only \\\" and "
					    "\\\\)", ch);
				else if (!bad)
					perr(p, t->line, "unknown escape in "
					    "string (only \\\" and \\\\)");
				bad = 1;
				continue;
			}
		}
		if (ch == EOF || ch == '\n') {
			/* The newline still ends the statement. */
			p_ungetc(p, ch);
			if (!bad)
				perr(p, t->line, "unterminated string");
			t->type = T_ERR;
			return t;
		}
		if (is_ctrl(ch) || n == TOKEN_MAX) {
			if (!bad && is_ctrl(ch))
				perr(p, t->line, "control character 0x%02x "
				    "in string", ch);
			else if (!bad)
				perr(p, t->line, "string longer than %d bytes",
				    TOKEN_MAX);
			bad = 1;
			continue;
		}
		p->buf[n++] = (char)ch;
	}
	p->buf[n] = '\0';
	t->type = bad ? T_ERR : T_STRING;
	t->s = p->buf;
	return t;
}

static struct token *
tok_next(struct parser *p)
{
	struct token *t = &p->tok;
	size_t n = 0;
	int ch;

	if (p->pushed) {
		p->pushed = 0;
		return t;
	}
	t->s = NULL;
	do {
		ch = p_getc(p);
		if (ch == '#')
			while ((ch = p_getc(p)) != '\n' && ch != EOF)
				;
	} while (ch == ' ' || ch == '\t' || ch == '\r');
	t->line = p->lastline;

	switch (ch) {
	case EOF:
		if (ferror(p->f)) {
			perr(p, 0, "read error: %s", strerror(errno));
			clearerr(p->f);
		}
		t->type = T_EOF;
		return t;
	case '\n':
		t->type = T_NL;
		return t;
	case '{':
		t->type = T_LBRACE;
		return t;
	case '}':
		t->type = T_RBRACE;
		return t;
	case '"':
		return tok_string(p, t);
	}
	if (is_ctrl(ch)) {
		perr(p, t->line, "unexpected control character 0x%02x", ch);
		t->type = T_ERR;
		return t;
	}
	while (is_word_char(ch)) {
		if (n == TOKEN_MAX) {
			perr(p, t->line, "word longer than %d bytes",
			    TOKEN_MAX);
			while (is_word_char(ch))
				ch = p_getc(p);
			p_ungetc(p, ch);
			t->type = T_ERR;
			return t;
		}
		p->buf[n++] = (char)ch;
		ch = p_getc(p);
	}
	p_ungetc(p, ch);
	p->buf[n] = '\0';
	t->type = T_WORD;
	t->s = p->buf;
	return t;
}

static const char *
tok_desc(const struct token *t)
{
	switch (t->type) {
	case T_EOF:
		return "end of file";
	case T_NL:
		return "end of line";
	case T_LBRACE:
		return "\"{\"";
	case T_RBRACE:
		return "\"}\"";
	default:
		return "token";
	}
}

/* Skip the rest of a statement after an error; a "}" is left alone. */
static void
skip_stmt(struct parser *p)
{
	struct token *t;

	for (;;) {
		t = tok_next(p);
		if (t->type == T_NL || t->type == T_EOF)
			return;
		if (t->type == T_RBRACE) {
			tok_push(p);
			return;
		}
	}
}

/* The statement must end here: newline, end of file or a closing brace. */
static int
stmt_end(struct parser *p, const char *stmt, int line)
{
	struct token *t;

	t = tok_next(p);
	switch (t->type) {
	case T_NL:
	case T_EOF:
		return 0;
	case T_RBRACE:
		tok_push(p);
		return 0;
	case T_ERR:
		return -1;
	case T_WORD:
	case T_STRING:
		perr(p, line, "%s: unexpected \"%s\"", stmt, t->s);
		return -1;
	default:
		perr(p, line, "%s: unexpected %s", stmt, tok_desc(t));
		return -1;
	}
}

/* The next argument (word or string) of stmt, or NULL after reporting. */
static const char *
arg(struct parser *p, const char *stmt, const char *what, int line)
{
	struct token *t;

	t = tok_next(p);
	if (t->type == T_WORD || t->type == T_STRING)
		return t->s;
	if (t->type == T_ERR)
		return NULL;
	tok_push(p);
	perr(p, line, "%s: missing %s", stmt, what);
	return NULL;
}

/* Consume an optional keyword argument such as "port"; 1 if present. */
static int
opt_word(struct parser *p, const char *word)
{
	struct token *t;

	t = tok_next(p);
	if (t->type == T_WORD && strcmp(t->s, word) == 0)
		return 1;
	tok_push(p);
	return 0;
}

/*
 * Values
 */

static int
is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static uint64_t
gcd64(uint64_t a, uint64_t b)
{
	uint64_t t;

	while (b != 0) {
		t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/*
 * Parse "I" or "I.F" at the start of s, multiply by mult (the value of one
 * unit) and require an integer result: values are exact, never rounded,
 * so that printing and parsing again is the identity. Returns NULL and sets
 * *end to the first byte after the number, or an error message.
 */
static const char *
parse_fixed(const char *s, uint64_t mult, uint64_t *out, const char **end)
{
	uint64_t ip = 0, fp = 0, scale = 1, g, v;
	const char *q = s;

	if (!is_digit(*q))
		return "not a number";
	for (; is_digit(*q); q++) {
		if (ip > (UINT64_MAX - 9) / 10)
			return "number too large";
		ip = ip * 10 + (uint64_t)(*q - '0');
	}
	if (*q == '.') {
		q++;
		if (!is_digit(*q))
			return "not a number";
		for (; is_digit(*q); q++) {
			if (scale >= 1000000000000000000ULL)
				return "too many decimals";
			fp = fp * 10 + (uint64_t)(*q - '0');
			scale *= 10;
		}
	}
	*end = q;
	if (ip != 0 && mult > UINT64_MAX / ip)
		return "number too large";
	v = ip * mult;
	/* fp/scale * mult without overflow: cancel common factors first. */
	g = gcd64(mult, scale);
	if (fp % (scale / g) != 0)
		return "too precise";
	fp = fp / (scale / g) * (mult / g);
	if (v > UINT64_MAX - fp)
		return "number too large";
	*out = v + fp;
	return NULL;
}

static const char *
parse_duration(const char *s, uint64_t *ns)
{
	const char *end = s, *why;
	size_t i;

	if (!is_digit(*s))
		return "not a duration";
	/* Find the unit first: the multiplier depends on it. */
	while (is_digit(*end) || *end == '.')
		end++;
	if (*end == '\0')
		return "missing unit (ns, us, ms, s, m or h)";
	for (i = 0; i < NDURUNITS; i++)
		if (strcmp(end, durunits[i].unit) == 0)
			break;
	if (i == NDURUNITS)
		return "unknown unit (ns, us, ms, s, m or h)";
	if ((why = parse_fixed(s, durunits[i].ns, ns, &end)) != NULL)
		return why;
	if (strcmp(end, durunits[i].unit) != 0)
		return "not a duration";
	return NULL;
}

static const char *
parse_count(const char *s, uint64_t *v)
{
	const char *end, *why;

	if ((why = parse_fixed(s, 1, v, &end)) != NULL)
		return why;
	if (*end != '\0' || strchr(s, '.') != NULL)
		return "not a whole number";
	return NULL;
}

static const char *
parse_value(const char *s, enum vtype type, uint64_t *v)
{
	const char *end, *why;
	uint64_t ns;

	switch (type) {
	case V_NS:
		return parse_duration(s, v);
	case V_US:
		if ((why = parse_duration(s, &ns)) != NULL)
			return why;
		if (ns % USEC != 0)
			return "finer than the resolution of 1us";
		*v = ns / USEC;
		return NULL;
	case V_COUNT:
		return parse_count(s, v);
	case V_PCT:
	case V_PERMILLE:
		why = parse_fixed(s, type == V_PCT ? 1 : 10, v, &end);
		if (why != NULL && strcmp(why, "too precise") == 0)
			return type == V_PCT ? "not a whole percentage" :
			    "finer than the resolution of 0.1%";
		if (why != NULL)
			return why;
		if (*end == '\0')
			return "missing \"%\"";
		if (strcmp(end, "%") != 0)
			return "not a percentage";
		return NULL;
	}
	return "bad type";
}

static void
fmt_duration(char *buf, size_t len, uint64_t ns)
{
	size_t i;

	if (ns == 0) {
		snprintf(buf, len, "0s");
		return;
	}
	for (i = 0; i < NDURUNITS; i++)
		if (ns % durunits[i].ns == 0)
			break;
	snprintf(buf, len, "%llu%s", (unsigned long long)(ns / durunits[i].ns),
	    durunits[i].unit);
}

static void
fmt_value(char *buf, size_t len, enum vtype type, uint64_t v)
{
	switch (type) {
	case V_NS:
		fmt_duration(buf, len, v);
		break;
	case V_US:
		fmt_duration(buf, len, v * USEC);
		break;
	case V_COUNT:
		snprintf(buf, len, "%llu", (unsigned long long)v);
		break;
	case V_PCT:
		snprintf(buf, len, "%llu%%", (unsigned long long)v);
		break;
	case V_PERMILLE:
		if (v % 10 == 0)
			snprintf(buf, len, "%llu%%",
			    (unsigned long long)(v / 10));
		else
			snprintf(buf, len, "%llu.%llu%%",
			    (unsigned long long)(v / 10),
			    (unsigned long long)(v % 10));
		break;
	}
}

static uint64_t
param_get(const struct engine_params *ep, enum vtype type, size_t off)
{
	const char *base = (const char *)ep + off;
	uint64_t v64;
	uint32_t v32;
	unsigned u;

	switch (type) {
	case V_NS:
		memcpy(&v64, base, sizeof(v64));
		return v64;
	case V_COUNT:
		memcpy(&u, base, sizeof(u));
		return u;
	default:
		memcpy(&v32, base, sizeof(v32));
		return v32;
	}
}

static void
param_set(struct engine_params *ep, enum vtype type, size_t off, uint64_t v)
{
	char *base = (char *)ep + off;
	uint32_t v32 = (uint32_t)v;
	unsigned u = (unsigned)v;

	/* Limits in kwtab[] keep v within the field. */
	switch (type) {
	case V_NS:
		memcpy(base, &v, sizeof(v));
		break;
	case V_COUNT:
		memcpy(base, &u, sizeof(u));
		break;
	default:
		memcpy(base, &v32, sizeof(v32));
		break;
	}
}

static void
fmt_size(char *buf, size_t len, size_t n)
{
	if (n != 0 && n % (1024 * 1024) == 0)
		snprintf(buf, len, "%zuM", n / (1024 * 1024));
	else if (n != 0 && n % 1024 == 0)
		snprintf(buf, len, "%zuK", n / 1024);
	else
		snprintf(buf, len, "%zu", n);
}

static int
valid_name(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= 'A' && s[n] <= 'Z') || is_digit(s[n]) ||
		    s[n] == '.' || s[n] == '_' || s[n] == '-'))
			return 0;
	return n >= 1 && n <= WIRE_NAME_MAX;
}

static int
name_arg(struct parser *p, const char *stmt, int line,
    char name[WIRE_NAME_MAX + 1])
{
	const char *s;

	if ((s = arg(p, stmt, "NAME", line)) == NULL)
		return -1;
	if (!valid_name(s)) {
		perr(p, line, "%s: bad name \"%s\": use 1 to %d characters of "
		    "A-Z, a-z, 0-9, \".\", \"_\" and \"-\"", stmt, s,
		    WIRE_NAME_MAX);
		return -1;
	}
	strcpy(name, s);
	return 0;
}

static void
add_name(struct parser *p, const char *name, int line)
{
	struct name_ref *r;

	p->names = xreallocarray(p->names, p->nnames + 1, sizeof(*p->names));
	r = &p->names[p->nnames++];
	memset(r, 0, sizeof(*r));
	strcpy(r->name, name);
	r->id = wire_node_id(name);
	r->line = line;
}

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
		    (s[i] >= 'A' && s[i] <= 'Z') || is_digit(s[i]) ||
		    s[i] == '-'))
			return 0;
		if (!is_digit(s[i]))
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
static int
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

/* "port N" after an address; *port keeps the default when absent. */
static int
port_arg(struct parser *p, const char *stmt, int line, unsigned *port)
{
	const char *s, *why;
	uint64_t v;

	if (!opt_word(p, "port"))
		return 0;
	if ((s = arg(p, stmt, "port number", line)) == NULL)
		return -1;
	if ((why = parse_count(s, &v)) != NULL) {
		perr(p, line, "%s: port \"%s\": %s", stmt, s, why);
		return -1;
	}
	if (v < 1 || v > 65535) {
		perr(p, line, "%s: port %llu out of range 1..65535", stmt,
		    (unsigned long long)v);
		return -1;
	}
	*port = (unsigned)v;
	return 0;
}

/* A path for a file or a socket; replaces *dst. */
static int
path_arg(struct parser *p, const char *stmt, int line, int is_socket,
    char **dst)
{
	const char *s;
	size_t max = sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1;

	if ((s = arg(p, stmt, "PATH", line)) == NULL)
		return -1;
	if (*s == '\0') {
		perr(p, line, "%s: empty path", stmt);
		return -1;
	}
	if (is_socket && strlen(s) > max) {
		perr(p, line, "%s: path too long for a UNIX socket (%zu bytes, "
		    "at most %zu)", stmt, strlen(s), max);
		return -1;
	}
	free(*dst);
	*dst = xstrdup(s);
	return 0;
}

static int
mode_arg(struct parser *p, const char *stmt, int line, unsigned *mode)
{
	const char *s;
	size_t i;
	unsigned v = 0;

	if (!opt_word(p, "mode"))
		return 0;
	if ((s = arg(p, stmt, "MODE", line)) == NULL)
		return -1;
	for (i = 0; i < 4 && s[i] >= '0' && s[i] <= '7'; i++)
		v = v * 8 + (unsigned)(s[i] - '0');
	if (i == 0 || s[i] != '\0' || v > 0777) {
		perr(p, line, "%s: mode \"%s\": expected octal 0000..0777",
		    stmt, s);
		return -1;
	}
	*mode = v;
	return 0;
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int
b64val(int ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

static const char key_len_msg[] =
    "expected 32 bytes as 64 hex or 44 base64 characters";

/*
 * 32 bytes as 64 hex digits, or as standard base64 (43 characters and one
 * "=", the format of wg genkey). Never quotes the input back.
 */
static const char *
key_decode(const char *s, size_t n, uint8_t key[WIRE_KEY_LEN])
{
	uint32_t acc = 0;
	size_t i, o = 0;
	int hi, lo, v, bits = 0;

	if (n == 2 * WIRE_KEY_LEN) {
		for (i = 0; i < WIRE_KEY_LEN; i++) {
			hi = hexval((unsigned char)s[2 * i]);
			lo = hexval((unsigned char)s[2 * i + 1]);
			if (hi < 0 || lo < 0)
				return "bad hex digit";
			key[i] = (uint8_t)(hi << 4 | lo);
		}
		return NULL;
	}
	if (n == 44) {
		if (s[43] != '=')
			return "bad base64: expected \"=\" at the end";
		for (i = 0; i < 43; i++) {
			if ((v = b64val((unsigned char)s[i])) < 0)
				return "bad base64 character";
			acc = acc << 6 | (uint32_t)v;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				key[o++] = (uint8_t)(acc >> bits);
				acc &= (1U << bits) - 1;
			}
		}
		/* 43 * 6 = 258 bits: the last 2 must be zero. */
		if (acc != 0)
			return "bad base64: not canonical";
		return NULL;
	}
	return key_len_msg;
}

/*
 * Statement handlers. Each returns 0, or -1 after reporting (the caller
 * skips the rest of the statement), or -2 after reporting when the parser
 * already stands at the start of the next statement.
 */

static int
is_keyword(const char *s)
{
	size_t i;

	for (i = 0; i < NKW; i++)
		if (strcmp(kwtab[i].kw, s) == 0)
			return 1;
	return 0;
}

/* The key's length, never its text, goes into the message. */
static void
key_error(struct parser *p, int line, const char *what, const char *why,
    size_t n)
{
	if (why == key_len_msg)
		perr(p, line, "%s: %s, got %zu", what, why, n);
	else
		perr(p, line, "%s: %s", what, why);
}

static int
kw_node(struct parser *p, const struct keyword *k, int line)
{
	char name[WIRE_NAME_MAX + 1];

	if (name_arg(p, "node", line, name) == -1)
		return -1;
	strcpy(p->c->ec.name, name);
	add_name(p, name, line);
	return 0;
}

static int
key_once(struct parser *p, int line)
{
	if (p->key_line) {
		perr(p, line, "key already set at line %d", p->key_line);
		return -1;
	}
	p->key_line = line;
	return 0;
}

static int
kw_key(struct parser *p, const struct keyword *k, int line)
{
	const char *s, *why;

	if (key_once(p, line) == -1)
		return -1;
	if ((s = arg(p, "key", "SECRET", line)) == NULL)
		return -1;
	if (strcmp(s, "<elided>") == 0) {
		perr(p, line, "key: <elided> stands for the key in printed "
		    "configs; put the real key here");
		return -1;
	}
	if ((why = key_decode(s, strlen(s), p->c->ec.key)) != NULL) {
		key_error(p, line, "key", why, strlen(s));
		return -1;
	}
	return 0;
}

static int
kw_keyfile(struct parser *p, const struct keyword *k, int line)
{
	char buf[KEYFILE_MAX + 1], what[TOKEN_MAX + 16], *path = NULL;
	const char *why;
	struct stat st;
	ssize_t r;
	size_t n = 0;
	int fd = -1, ret = -1;

	if (key_once(p, line) == -1)
		return -1;
	if (path_arg(p, "key-file", line, 0, &path) == -1)
		return -1;
	/* O_NONBLOCK: a FIFO named here must not hang the parser. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		perr(p, line, "key-file \"%s\": %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		perr(p, line, "key-file \"%s\": %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		perr(p, line, "key-file \"%s\": not a regular file", path);
		goto out;
	}
	for (;;) {
		r = read(fd, buf + n, sizeof(buf) - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			perr(p, line, "key-file \"%s\": %s", path,
			    strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == sizeof(buf)) {
			perr(p, line, "key-file \"%s\": too large for a key",
			    path);
			goto out;
		}
	}
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if ((why = key_decode(buf, n, p->c->ec.key)) != NULL) {
		snprintf(what, sizeof(what), "key-file \"%s\"", path);
		key_error(p, line, what, why, n);
		goto out;
	}
	/* git and tar lose modes, so this is advice, not a refusal. */
	if (st.st_mode & (S_IRGRP | S_IROTH))
		pwarn(p, line, "key-file \"%s\" is readable by group or "
		    "others", path);
	free(p->c->key_file);
	p->c->key_file = path;
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
kw_listen(struct parser *p, const struct keyword *k, int line)
{
	struct conf *c = p->c;
	struct conf_addr a;
	char host[TOKEN_MAX + 1];
	const char *s;
	unsigned port = CONF_DEFAULT_PORT;
	size_t i;

	if ((s = arg(p, "listen", "ADDRESS", line)) == NULL)
		return -1;
	strcpy(host, s);
	if (port_arg(p, "listen", line, &port) == -1)
		return -1;
	memset(&a, 0, sizeof(a));
	if (addr_set(&a, host, port) == -1 || a.is_hostname) {
		perr(p, line, "listen: \"%s\" is not an IPv4 or IPv6 address",
		    host);
		free(a.host);
		return -1;
	}
	for (i = 0; i < c->nlisten; i++)
		if (addr_equal(&c->listen[i], &a)) {
			perr(p, line, "duplicate listen %s port %u (first at "
			    "line %d)", a.host, a.port, p->listen_lines[i]);
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

static int
kw_control(struct parser *p, const struct keyword *k, int line)
{
	if (path_arg(p, "control", line, 1, &p->c->control) == -1)
		return -1;
	return mode_arg(p, "control", line, &p->c->control_mode);
}

static int
kw_control_ro(struct parser *p, const struct keyword *k, int line)
{
	if (path_arg(p, "control-readonly", line, 1, &p->c->control_ro) == -1)
		return -1;
	return mode_arg(p, "control-readonly", line, &p->c->control_ro_mode);
}

static int
kw_max_output(struct parser *p, const struct keyword *k, int line)
{
	const char *s, *why, *end;
	char b1[32], b2[32];
	uint64_t v, mult = 1, min = 64 * 1024, max = 1024 * 1024 * 1024;
	size_t n;

	if ((s = arg(p, "control-max-output", "SIZE", line)) == NULL)
		return -1;
	n = strlen(s);
	if (n > 0 && (s[n - 1] == 'k' || s[n - 1] == 'K'))
		mult = 1024;
	else if (n > 0 && (s[n - 1] == 'm' || s[n - 1] == 'M'))
		mult = 1024 * 1024;
	if ((why = parse_fixed(s, mult, &v, &end)) == NULL &&
	    end != s + n - (mult != 1))
		why = "expected bytes, or a number with k or M";
	if (why != NULL) {
		perr(p, line, "control-max-output: \"%s\": %s", s, why);
		return -1;
	}
	if (v < min || v > max) {
		fmt_size(b1, sizeof(b1), (size_t)min);
		fmt_size(b2, sizeof(b2), (size_t)max);
		perr(p, line, "control-max-output: %s out of range %s..%s", s,
		    b1, b2);
		return -1;
	}
	p->c->control_max_output = (size_t)v;
	return 0;
}

static int
kw_pidfile(struct parser *p, const struct keyword *k, int line)
{
	return path_arg(p, "pidfile", line, 0, &p->c->pidfile);
}

/*
 * Forwarding (kern.h)
 */

static int
yesno_arg(struct parser *p, const char *stmt, int line, int *v)
{
	const char *s;

	if ((s = arg(p, stmt, "yes or no", line)) == NULL)
		return -1;
	if (strcmp(s, "yes") == 0)
		*v = 1;
	else if (strcmp(s, "no") == 0)
		*v = 0;
	else {
		perr(p, line, "%s: \"%s\": expected yes or no", stmt, s);
		return -1;
	}
	return 0;
}

/* A whole number in [min, max], given as the next word or after word. */
static int
num_arg(struct parser *p, const char *stmt, const char *what, int line,
    uint64_t min, uint64_t max, uint64_t *v)
{
	const char *s, *why;

	if ((s = arg(p, stmt, what, line)) == NULL)
		return -1;
	if ((why = parse_count(s, v)) != NULL) {
		perr(p, line, "%s: %s \"%s\": %s", stmt, what, s, why);
		return -1;
	}
	if (*v < min || *v > max) {
		perr(p, line, "%s: %s %llu out of range %llu..%llu", stmt, what,
		    (unsigned long long)*v, (unsigned long long)min,
		    (unsigned long long)max);
		return -1;
	}
	return 0;
}

static int
kw_dry_run(struct parser *p, const struct keyword *k, int line)
{
	return yesno_arg(p, "dry-run", line, &p->c->kern.dry_run);
}

static int
kw_keep_routes(struct parser *p, const struct keyword *k, int line)
{
	return yesno_arg(p, "keep-routes", line, &p->c->kern.keep);
}

static int
kw_tunnel(struct parser *p, const struct keyword *k, int line)
{
	struct kern_conf *kc = &p->c->kern;
	const char *s;
	uint64_t v;

	if ((s = arg(p, "tunnel", "vxlan, gre or ipip", line)) == NULL)
		return -1;
	if (strcmp(s, "vxlan") == 0)
		kc->tunnel = KERN_TUN_VXLAN;
	else if (strcmp(s, "gre") == 0)
		kc->tunnel = KERN_TUN_GRE;
	else if (strcmp(s, "ipip") == 0)
		kc->tunnel = KERN_TUN_IPIP;
	else {
		perr(p, line, "tunnel: \"%s\": expected vxlan, gre or ipip",
		    s);
		return -1;
	}
	for (;;) {
		if (opt_word(p, "port")) {
			if (kc->tunnel != KERN_TUN_VXLAN) {
				perr(p, line, "tunnel: port is for vxlan only");
				return -1;
			}
			if (num_arg(p, "tunnel", "port", line, 1, 65535,
			    &v) == -1)
				return -1;
			kc->port = (unsigned)v;
		} else if (opt_word(p, "vni")) {
			if (kc->tunnel != KERN_TUN_VXLAN) {
				perr(p, line, "tunnel: vni is for vxlan only");
				return -1;
			}
			if (num_arg(p, "tunnel", "vni", line, 1, 16777215,
			    &v) == -1)
				return -1;
			kc->vni = (uint32_t)v;
		} else
			return 0;
	}
}

static int
kw_tunnel_device(struct parser *p, const struct keyword *k, int line)
{
	const char *s;
	size_t i;

	if ((s = arg(p, "tunnel-device", "NAME", line)) == NULL)
		return -1;
	if (strlen(s) == 0 || strlen(s) >= IFNAMSIZ) {
		perr(p, line, "tunnel-device: \"%s\": 1 to %d characters", s,
		    IFNAMSIZ - 1);
		return -1;
	}
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] == '/' || s[i] == ':' || s[i] <= ' ' || s[i] > '~') {
			perr(p, line, "tunnel-device: \"%s\": not a valid "
			    "interface name", s);
			return -1;
		}
	snprintf(p->c->kern.device, sizeof(p->c->kern.device), "%s", s);
	return 0;
}

static int
kw_tunnel_mtu(struct parser *p, const struct keyword *k, int line)
{
	uint64_t v;

	if (num_arg(p, "tunnel-mtu", "MTU", line, 576, 65535, &v) == -1)
		return -1;
	p->c->kern.mtu = (unsigned)v;
	return 0;
}

static int
kw_route_table(struct parser *p, const struct keyword *k, int line)
{
	uint64_t v;

	if (num_arg(p, "route-table", "table", line, 1, 0xfffffffeULL,
	    &v) == -1)
		return -1;
	/* 253..255 are default, main and local: never ours. */
	if (v >= 253 && v <= 255) {
		perr(p, line, "route-table: %llu is a system table (default, "
		    "main or local)", (unsigned long long)v);
		return -1;
	}
	p->c->kern.table = (uint32_t)v;
	return 0;
}

static int
kw_route_protocol(struct parser *p, const struct keyword *k, int line)
{
	uint64_t v;

	/* 0..4 are unspec, redirect, kernel, boot and static. */
	if (num_arg(p, "route-protocol", "protocol", line, 5, 255, &v) == -1)
		return -1;
	p->c->kern.protocol = (unsigned)v;
	return 0;
}

static int
kw_policy_rules(struct parser *p, const struct keyword *k, int line)
{
	uint64_t v;

	if (yesno_arg(p, "policy-rules", line, &p->c->kern.rules) == -1)
		return -1;
	if (opt_word(p, "priority")) {
		if (num_arg(p, "policy-rules", "priority", line, 1,
		    0xfffffffeULL, &v) == -1)
			return -1;
		p->c->kern.rule_prio = (uint32_t)v;
	}
	return 0;
}

static void
stmt_name(char *buf, size_t len, const struct keyword *k)
{
	if (k->sub != NULL)
		snprintf(buf, len, "%s %s", k->kw, k->sub);
	else
		snprintf(buf, len, "%s", k->kw);
}

static int
kw_param(struct parser *p, const struct keyword *k, int line)
{
	char stmt[64], b1[32], b2[32], b3[32];
	const char *s, *why;
	uint64_t v[2];
	int i;

	stmt_name(stmt, sizeof(stmt), k);
	for (i = 0; i < k->nargs; i++) {
		if ((s = arg(p, stmt, k->argname[i], line)) == NULL)
			return -1;
		if ((why = parse_value(s, k->type[i], &v[i])) != NULL) {
			perr(p, line, "%s: \"%s\": %s", stmt, s, why);
			return -1;
		}
		if (v[i] < k->min[i] || v[i] > k->max[i]) {
			fmt_value(b1, sizeof(b1), k->type[i], v[i]);
			fmt_value(b2, sizeof(b2), k->type[i], k->min[i]);
			fmt_value(b3, sizeof(b3), k->type[i], k->max[i]);
			perr(p, line, "%s: %s%s%s out of range %s..%s", stmt,
			    k->nargs > 1 ? k->argname[i] : "",
			    k->nargs > 1 ? " " : "", b1, b2, b3);
			return -1;
		}
	}
	if (k->nargs == 2 && k->rule != R_NONE) {
		fmt_value(b1, sizeof(b1), k->type[0], v[0]);
		fmt_value(b2, sizeof(b2), k->type[1], v[1]);
		if (k->rule == R_LE && v[0] > v[1]) {
			perr(p, line, "%s: %s %s is above %s %s", stmt,
			    k->argname[0], b1, k->argname[1], b2);
			return -1;
		}
		if (k->rule == R_LT && v[0] >= v[1]) {
			perr(p, line, "%s: %s %s must be below %s %s", stmt,
			    k->argname[0], b1, k->argname[1], b2);
			return -1;
		}
		if (k->rule == R_GT && v[1] >= v[0]) {
			perr(p, line, "%s: %s %s must be below %s %s", stmt,
			    k->argname[1], b2, k->argname[0], b1);
			return -1;
		}
	}
	for (i = 0; i < k->nargs; i++)
		param_set(&p->c->ec.p, k->type[i], k->off[i], v[i]);
	return 0;
}

static int
kw_peer(struct parser *p, const struct keyword *k, int line)
{
	struct conf *c = p->c;
	struct engine_conf *ec = &c->ec;
	struct conf_addr a;
	char name[WIRE_NAME_MAX + 1], host[TOKEN_MAX + 1], stmt[64];
	const char *s;
	unsigned port = CONF_DEFAULT_PORT;
	size_t i;

	if (name_arg(p, "peer", line, name) == -1)
		return -1;
	snprintf(stmt, sizeof(stmt), "peer %s", name);
	if (!opt_word(p, "address")) {
		perr(p, line, "%s: expected \"address\"", stmt);
		return -1;
	}
	if ((s = arg(p, stmt, "ADDRESS", line)) == NULL)
		return -1;
	strcpy(host, s);
	if (port_arg(p, stmt, line, &port) == -1)
		return -1;
	if (addr_set(&a, host, port) == -1) {
		perr(p, line, "%s: \"%s\" is not an IPv4 or IPv6 address",
		    stmt, host);
		return -1;
	}
	if (a.is_hostname) {
		/* The grammar takes names so that configs written for the
		 * resolving release keep their shape. */
		perr(p, line, "%s: hostname addresses are not supported yet, "
		    "use an IP address", stmt);
		free(a.host);
		return -1;
	}
	for (i = 0; i < ec->npeers; i++) {
		if (strcmp(ec->peers[i].name, name) == 0) {
			perr(p, line, "duplicate peer \"%s\" (first at line "
			    "%d)", name, c->peers[i].line);
			free(a.host);
			return -1;
		}
		if (addr_equal(&c->peers[i].addr, &a)) {
			perr(p, line, "%s: address %s port %u already used by "
			    "peer \"%s\" (line %d)", stmt, a.host, a.port,
			    ec->peers[i].name, c->peers[i].line);
			free(a.host);
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
	c->peers[ec->npeers].line = line;
	ec->npeers++;
	add_name(p, name, line);
	return 0;
}

static void
origin_clear(struct engine_origin_conf *o)
{
	size_t i;

	for (i = 0; i < o->nprefixes; i++)
		free(o->prefixes[i]);
	free(o->prefixes);
	free(o->egress);
	free(o->egress_names);
	memset(o, 0, sizeof(*o));
}

static int
blk_prefix(struct parser *p, struct engine_origin_conf *o, int line)
{
	struct prefix_ref *r;
	char text[TOKEN_MAX + 1], addr[INET6_ADDRSTRLEN], norm[PREFIX_STRLEN];
	uint8_t b[16];
	const char *s;
	char *slash;
	uint64_t len;
	unsigned bits, i, max;
	int af, hostbits = 0;

	if ((s = arg(p, "prefix", "ADDRESS/LENGTH", line)) == NULL)
		return -1;
	strcpy(text, s);
	if ((slash = strchr(text, '/')) == NULL) {
		perr(p, line, "prefix \"%s\": missing /LENGTH", text);
		return -1;
	}
	if ((size_t)(slash - text) >= sizeof(addr)) {
		perr(p, line, "prefix \"%s\": bad address", text);
		return -1;
	}
	memcpy(addr, text, (size_t)(slash - text));
	addr[slash - text] = '\0';
	memset(b, 0, sizeof(b));
	if (inet_pton(AF_INET, addr, b) == 1) {
		af = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, b) == 1) {
		af = AF_INET6;
		max = 128;
	} else {
		perr(p, line, "prefix \"%s\": \"%s\" is not an IPv4 or IPv6 "
		    "address", text, addr);
		return -1;
	}
	if (parse_count(slash + 1, &len) != NULL || len > max) {
		perr(p, line, "prefix \"%s\": length must be 0..%u", text,
		    max);
		return -1;
	}
	bits = (unsigned)len;
	for (i = 0; i < max / 8; i++) {
		uint8_t mask;

		if (i * 8 >= bits)
			mask = 0;
		else if (i * 8 + 8 <= bits)
			mask = 0xff;
		else
			mask = (uint8_t)(0xff << (8 - (bits - i * 8)));
		if (b[i] & ~mask)
			hostbits = 1;
		b[i] &= mask;
	}
	inet_ntop(af, b, addr, sizeof(addr));
	snprintf(norm, sizeof(norm), "%s/%u", addr, bits);
	if (hostbits) {
		perr(p, line, "prefix %s has host bits set, did you mean %s?",
		    text, norm);
		return -1;
	}
	for (i = 0; i < p->nprefixes; i++)
		if (strcmp(p->prefixes[i].prefix, norm) == 0) {
			perr(p, line, "duplicate prefix %s (first in origin "
			    "\"%s\" at line %d)", norm, p->prefixes[i].origin,
			    p->prefixes[i].line);
			return -1;
		}
	p->prefixes = xreallocarray(p->prefixes, p->nprefixes + 1,
	    sizeof(*p->prefixes));
	r = &p->prefixes[p->nprefixes++];
	memset(r, 0, sizeof(*r));
	strcpy(r->prefix, norm);
	strcpy(r->origin, o->name);
	r->line = line;
	o->prefixes = xreallocarray(o->prefixes, o->nprefixes + 1,
	    sizeof(*o->prefixes));
	o->prefixes[o->nprefixes++] = xstrdup(norm);
	return 0;
}

static int
blk_egress(struct parser *p, struct engine_origin_conf *o, int line)
{
	char name[WIRE_NAME_MAX + 1];
	struct token *t;
	size_t i;

	if (name_arg(p, "egress", line, name) == -1)
		return -1;
	for (;;) {
		for (i = 0; i < o->negress; i++)
			if (strcmp(o->egress_names[i], name) == 0) {
				perr(p, line, "egress \"%s\" listed twice in "
				    "origin \"%s\"", name, o->name);
				return -1;
			}
		o->egress = xreallocarray(o->egress, o->negress + 1,
		    sizeof(*o->egress));
		o->egress_names = xreallocarray(o->egress_names,
		    o->negress + 1, sizeof(*o->egress_names));
		o->egress[o->negress] = wire_node_id(name);
		strcpy(o->egress_names[o->negress++], name);
		add_name(p, name, line);

		t = tok_next(p);
		tok_push(p);
		if (t->type != T_WORD && t->type != T_STRING)
			return 0;
		if (name_arg(p, "egress", line, name) == -1)
			return -1;
	}
}

static int
kw_origin(struct parser *p, const struct keyword *k, int line)
{
	struct engine_conf *ec = &p->c->ec;
	struct engine_origin_conf o;
	struct token *t;
	size_t i;
	const char *what;
	int bad = 0, r, sline;

	memset(&o, 0, sizeof(o));
	if (name_arg(p, "origin", line, o.name) == -1)
		return -1;
	t = tok_next(p);
	if (t->type != T_LBRACE) {
		tok_push(p);
		if (t->type != T_ERR)
			perr(p, line, "origin \"%s\": expected \"{\" on the "
			    "same line", o.name);
		return -1;
	}
	for (i = 0; i < ec->norigins; i++)
		if (strcmp(ec->origins[i].name, o.name) == 0) {
			perr(p, line, "duplicate origin \"%s\" (first at line "
			    "%d)", o.name, p->origin_lines[i]);
			bad = 1;	/* still read the block, for its errors */
			break;
		}

	for (;;) {
		if (p->nerrors >= MAX_ERRORS)
			goto fail;
		t = tok_next(p);
		if (t->type == T_NL)
			continue;
		if (t->type == T_RBRACE)
			break;
		if (t->type == T_EOF) {
			tok_push(p);
			perr(p, line, "origin \"%s\": missing \"}\"", o.name);
			origin_clear(&o);
			return -2;
		}
		if (t->type == T_ERR) {
			skip_stmt(p);
			bad = 1;
			continue;
		}
		sline = t->line;
		what = "origin";
		if (t->type == T_WORD && strcmp(t->s, "prefix") == 0) {
			what = "prefix";
			r = blk_prefix(p, &o, sline);
		} else if (t->type == T_WORD && strcmp(t->s, "egress") == 0) {
			what = "egress";
			r = blk_egress(p, &o, sline);
		} else if (t->type == T_WORD && is_keyword(t->s)) {
			/* Most likely the block was not closed: say so, and
			 * let the statement be parsed where it belongs. */
			perr(p, line, "origin \"%s\": missing \"}\" (found "
			    "\"%s\" at line %d)", o.name, t->s, sline);
			tok_push(p);
			origin_clear(&o);
			return -2;
		} else if (t->type == T_WORD || t->type == T_STRING) {
			perr(p, sline, "unknown keyword \"%s\"", t->s);
			r = -1;
		} else {
			perr(p, sline, "unexpected %s", tok_desc(t));
			r = -1;
		}
		if (r == 0)
			r = stmt_end(p, what, sline);
		if (r == -1) {
			bad = 1;
			skip_stmt(p);
		}
	}
	if (bad)
		goto fail;
	if (o.nprefixes == 0) {
		perr(p, line, "origin \"%s\" has no prefix", o.name);
		goto fail;
	}
	if (o.negress == 0) {
		perr(p, line, "origin \"%s\" has no egress", o.name);
		goto fail;
	}
	ec->origins = xreallocarray(ec->origins, ec->norigins + 1,
	    sizeof(*ec->origins));
	p->origin_lines = xreallocarray(p->origin_lines, ec->norigins + 1,
	    sizeof(*p->origin_lines));
	ec->origins[ec->norigins] = o;
	p->origin_lines[ec->norigins++] = line;
	return 0;
 fail:
	origin_clear(&o);
	return -1;
}

/*
 * The file
 */

/* Find the row for the keyword in t, reading a second word if needed. */
static const struct keyword *
kw_lookup(struct parser *p, struct token *t, int line)
{
	char kw[32], subs[128];
	size_t i;
	int found = 0;

	for (i = 0; i < NKW; i++)
		if (t->type == T_WORD && strcmp(kwtab[i].kw, t->s) == 0)
			break;
	if (i == NKW) {
		perr(p, line, "unknown keyword \"%s\"", t->s);
		return NULL;
	}
	if (kwtab[i].sub == NULL)
		return &kwtab[i];
	snprintf(kw, sizeof(kw), "%s", kwtab[i].kw);
	t = tok_next(p);
	if (t->type == T_WORD) {
		for (i = 0; i < NKW; i++)
			if (strcmp(kwtab[i].kw, kw) == 0 &&
			    kwtab[i].sub != NULL &&
			    strcmp(kwtab[i].sub, t->s) == 0)
				return &kwtab[i];
		perr(p, line, "unknown keyword \"%s %s\"", kw, t->s);
		return NULL;
	}
	if (t->type == T_ERR)
		return NULL;
	tok_push(p);
	subs[0] = '\0';
	for (i = 0; i < NKW; i++)
		if (strcmp(kwtab[i].kw, kw) == 0) {
			if (found++)
				strncat(subs, ", ",
				    sizeof(subs) - strlen(subs) - 1);
			strncat(subs, kwtab[i].sub,
			    sizeof(subs) - strlen(subs) - 1);
		}
	perr(p, line, "%s: missing one of %s", kw, subs);
	return NULL;
}

static void
parse_statements(struct parser *p)
{
	const struct keyword *k;
	struct token *t;
	char stmt[64];
	int line, idx, r;

	for (;;) {
		if (p->nerrors >= MAX_ERRORS) {
			fprintf(stderr, "%s: too many errors, giving up\n",
			    p->name);
			return;
		}
		t = tok_next(p);
		if (t->type == T_EOF)
			return;
		if (t->type == T_NL)
			continue;
		if (t->type == T_ERR) {
			skip_stmt(p);
			continue;
		}
		if (t->type != T_WORD && t->type != T_STRING) {
			perr(p, t->line, "unexpected %s", tok_desc(t));
			/* A stray "}" must not stop skip_stmt() for good. */
			if (t->type != T_RBRACE)
				skip_stmt(p);
			continue;
		}
		line = t->line;
		if ((k = kw_lookup(p, t, line)) == NULL) {
			skip_stmt(p);
			continue;
		}
		idx = (int)(k - kwtab);
		stmt_name(stmt, sizeof(stmt), k);
		if (!k->repeat && p->set[idx]) {
			perr(p, line, "%s already set at line %d", stmt,
			    p->set[idx]);
			skip_stmt(p);
			continue;
		}
		p->set[idx] = line;
		if ((r = k->fn(p, k, line)) == 0)
			r = stmt_end(p, stmt, line);
		if (r == -1)
			skip_stmt(p);
	}
}

static int
kw_line(const struct parser *p, const char *kw)
{
	size_t i;

	for (i = 0; i < NKW; i++)
		if (strcmp(kwtab[i].kw, kw) == 0 && kwtab[i].sub == NULL)
			return p->set[i];
	return 0;
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
				perr(p, b->line, "node id of \"%s\" collides "
				    "with \"%s\" (line %d): rename one",
				    b->name, a->name, a->line);
				break;
			}
		}
		while (j < p->nnames && p->names[j].id == a->id)
			j++;
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
static void
check_conf(struct parser *p)
{
	struct conf *c = p->c;
	struct engine_params *ep = &c->ec.p;
	char b1[32], b2[32];
	size_t i;
	int l1, l2;

	if (c->ec.name[0] == '\0') {
		perr(p, p->lastline, "missing node statement");
		return;
	}
	if (p->key_line == 0) {
		perr(p, p->lastline, "missing key or key-file statement");
		return;
	}
	for (i = 0; i < c->ec.npeers; i++)
		if (strcmp(c->ec.peers[i].name, c->ec.name) == 0)
			perr(p, c->peers[i].line, "peer \"%s\" has the name of "
			    "this node (line %d)", c->ec.name,
			    kw_line(p, "node"));
	if (ep->lsa_maxage <= 2 * ep->lsa_refresh) {
		/* Otherwise one lost refresh expires a live row. */
		l1 = kw_line(p, "lsa-max-age");
		l2 = kw_line(p, "lsa-refresh");
		fmt_duration(b1, sizeof(b1), ep->lsa_maxage);
		fmt_duration(b2, sizeof(b2), ep->lsa_refresh);
		perr(p, l1 > l2 ? l1 : l2, "lsa-max-age %s must be more than "
		    "twice lsa-refresh %s", b1, b2);
	}
	if (c->control_ro != NULL && strcmp(c->control_ro, c->control) == 0)
		perr(p, kw_line(p, "control-readonly"), "control-readonly: "
		    "same path as control");
	check_collisions(p);
	if (c->nlisten == 0)
		default_listen(c);
	c->ec.id = wire_node_id(c->ec.name);
}

struct conf *
conf_parse_stream(FILE *f, const char *name)
{
	struct parser *p;
	struct conf *c;

	p = xcalloc(1, sizeof(*p));
	p->f = f;
	p->name = name;
	p->line = 1;
	p->set = xcalloc(NKW, sizeof(*p->set));

	c = p->c = xcalloc(1, sizeof(*c));
	c->file = xstrdup(name);
	params_default(&c->ec.p);
	c->control = xstrdup(CONF_DEFAULT_CONTROL);
	c->control_mode = 0660;
	c->control_ro_mode = 0666;
	c->control_max_output = CTL_DEFAULT_MAX_OUTPUT;
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
conf_parse(const char *file)
{
	struct conf *c;
	FILE *f;

	if ((f = fopen(file, "r")) == NULL) {
		fprintf(stderr, "%s: %s\n", file, strerror(errno));
		return NULL;
	}
	c = conf_parse_stream(f, file);
	fclose(f);
	return c;
}

void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; c->peers != NULL && i < c->ec.npeers; i++)
		free(c->peers[i].addr.host);
	free(c->peers);
	/* Frees ec.peers and ec.origins with everything they own. */
	engine_conf_free(&c->ec);
	explicit_bzero(c->ec.key, sizeof(c->ec.key));
	for (i = 0; i < c->nlisten; i++)
		free(c->listen[i].host);
	free(c->listen);
	free(c->file);
	free(c->key_file);
	free(c->control);
	free(c->control_ro);
	free(c->pidfile);
	free(c);
}

/*
 * Printing
 */

static void
print_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void
conf_print(FILE *f, const struct conf *c)
{
	const struct engine_origin_conf *o;
	const struct keyword *k;
	char buf[32];
	size_t i, j;
	int a;

	fprintf(f, "node %s\n", c->ec.name);
	if (c->key_file != NULL) {
		fprintf(f, "key-file ");
		print_string(f, c->key_file);
		fputc('\n', f);
	} else
		fprintf(f, "key <elided>\n");
	for (i = 0; i < c->nlisten; i++)
		fprintf(f, "listen %s port %u\n", c->listen[i].host,
		    c->listen[i].port);
	fprintf(f, "control ");
	print_string(f, c->control);
	fprintf(f, " mode %04o\n", c->control_mode);
	if (c->control_ro != NULL) {
		fprintf(f, "control-readonly ");
		print_string(f, c->control_ro);
		fprintf(f, " mode %04o\n", c->control_ro_mode);
	}
	fmt_size(buf, sizeof(buf), c->control_max_output);
	fprintf(f, "control-max-output %s\n", buf);
	fprintf(f, "pidfile ");
	print_string(f, c->pidfile);
	fputc('\n', f);

	fputc('\n', f);
	for (k = kwtab; k < kwtab + NKW; k++) {
		if (k->fn != kw_param)
			continue;
		fprintf(f, "%s", k->kw);
		if (k->sub != NULL)
			fprintf(f, " %s", k->sub);
		for (a = 0; a < k->nargs; a++) {
			fmt_value(buf, sizeof(buf), k->type[a],
			    param_get(&c->ec.p, k->type[a], k->off[a]));
			fprintf(f, " %s", buf);
		}
		fputc('\n', f);
	}

	fputc('\n', f);
	fprintf(f, "dry-run %s\n", c->kern.dry_run ? "yes" : "no");
	fprintf(f, "tunnel %s", kern_tunnel_name(c->kern.tunnel));
	if (c->kern.tunnel == KERN_TUN_VXLAN)
		fprintf(f, " port %u vni %u", c->kern.port, c->kern.vni);
	fprintf(f, "\ntunnel-device %s\n", c->kern.device);
	fprintf(f, "tunnel-mtu %u\n", c->kern.mtu);
	fprintf(f, "route-table %u\n", c->kern.table);
	fprintf(f, "route-protocol %u\n", c->kern.protocol);
	fprintf(f, "policy-rules %s priority %u\n", c->kern.rules ? "yes" :
	    "no", c->kern.rule_prio);
	fprintf(f, "keep-routes %s\n", c->kern.keep ? "yes" : "no");

	if (c->ec.npeers > 0)
		fputc('\n', f);
	for (i = 0; i < c->ec.npeers; i++)
		fprintf(f, "peer %s address %s port %u\n", c->ec.peers[i].name,
		    c->peers[i].addr.host, c->peers[i].addr.port);

	for (i = 0; i < c->ec.norigins; i++) {
		o = &c->ec.origins[i];
		fprintf(f, "\norigin %s {\n", o->name);
		for (j = 0; j < o->nprefixes; j++)
			fprintf(f, "\tprefix %s\n", o->prefixes[j]);
		fprintf(f, "\tegress");
		for (j = 0; j < o->negress; j++)
			fprintf(f, " %s", o->egress_names[j]);
		fputc('\n', f);
		fprintf(f, "}\n");
	}
}
