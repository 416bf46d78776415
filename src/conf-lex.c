/*
 * The config's lexer: newline-terminated statements of words, quoted
 * strings ("..." with \" and \\ only), braces and # comments; reports as
 * "file:line: message"; and the typed arguments several statements take
 * (names, numbers, yes/no, ports, paths, modes), each checked and reported
 * here so that a kind of argument is refused in the same words everywhere.
 *
 * Control characters are refused outright: they would make a printed
 * config or a log line lie.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-int.h"
#include "units.h"

static void	vreport(struct parser *, int, const char *, const char *,
		    va_list) __attribute__((format(printf, 4, 0)));

/*
 * Messages
 */

static void
vreport(struct parser *p, int line, const char *what, const char *fmt,
    va_list ap)
{
	if (line > 0)
		fprintf(p->report, "%s:%d: %s", p->name, line, what);
	else
		fprintf(p->report, "%s: %s", p->name, what);
	vfprintf(p->report, fmt, ap);
	fputc('\n', p->report);
}

void
lex_error(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, line, "", fmt, ap);
	va_end(ap);
	p->nerrors++;
}

void
lex_warn(struct parser *p, int line, const char *fmt, ...)
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

void
lex_push(struct parser *p)
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
					lex_error(p, t->line, "unknown escape "
					    "\"\\%c\" in string (only \\\" and "
					    "\\\\)", ch);
				else if (!bad)
					lex_error(p, t->line, "unknown escape "
					    "in string (only \\\" and \\\\)");
				bad = 1;
				continue;
			}
		}
		if (ch == EOF || ch == '\n') {
			/* The newline still ends the statement. */
			p_ungetc(p, ch);
			if (!bad)
				lex_error(p, t->line, "unterminated string");
			t->type = T_ERR;
			return t;
		}
		if (is_ctrl(ch) || n == TOKEN_MAX) {
			if (!bad && is_ctrl(ch))
				lex_error(p, t->line, "control character "
				    "0x%02x in string", ch);
			else if (!bad)
				lex_error(p, t->line, "string longer than %d "
				    "bytes", TOKEN_MAX);
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

struct token *
lex_next(struct parser *p)
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
			lex_error(p, 0, "read error: %s", strerror(errno));
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
		lex_error(p, t->line, "unexpected control character 0x%02x",
		    ch);
		t->type = T_ERR;
		return t;
	}
	while (is_word_char(ch)) {
		if (n == TOKEN_MAX) {
			lex_error(p, t->line, "word longer than %d bytes",
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

const char *
lex_desc(const struct token *t)
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
void
lex_skip(struct parser *p)
{
	struct token *t;

	for (;;) {
		t = lex_next(p);
		if (t->type == T_NL || t->type == T_EOF)
			return;
		if (t->type == T_RBRACE) {
			lex_push(p);
			return;
		}
	}
}

/* The statement must end here: newline, end of file or a closing brace. */
int
lex_end(struct parser *p, const char *stmt, int line)
{
	struct token *t;

	t = lex_next(p);
	switch (t->type) {
	case T_NL:
	case T_EOF:
		return 0;
	case T_RBRACE:
		lex_push(p);
		return 0;
	case T_ERR:
		return -1;
	case T_WORD:
	case T_STRING:
		lex_error(p, line, "%s: unexpected \"%s\"", stmt, t->s);
		return -1;
	default:
		lex_error(p, line, "%s: unexpected %s", stmt, lex_desc(t));
		return -1;
	}
}

/* The next argument (word or string) of stmt, or NULL after reporting. */
const char *
lex_arg(struct parser *p, const char *stmt, const char *what, int line)
{
	struct token *t;

	t = lex_next(p);
	if (t->type == T_WORD || t->type == T_STRING)
		return t->s;
	if (t->type == T_ERR)
		return NULL;
	lex_push(p);
	lex_error(p, line, "%s: missing %s", stmt, what);
	return NULL;
}

/* Consume an optional keyword argument such as "port"; 1 if present. */
int
lex_opt(struct parser *p, const char *word)
{
	struct token *t;

	t = lex_next(p);
	if (t->type == T_WORD && strcmp(t->s, word) == 0)
		return 1;
	lex_push(p);
	return 0;
}

/*
 * Arguments
 */

static int
valid_name(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= 'A' && s[n] <= 'Z') ||
		    isdigit((unsigned char)s[n]) ||
		    s[n] == '.' || s[n] == '_' || s[n] == '-'))
			return 0;
	return n >= 1 && n <= WIRE_NAME_MAX;
}

int
lex_name(struct parser *p, const char *stmt, int line,
    char name[WIRE_NAME_MAX + 1])
{
	const char *s;

	if ((s = lex_arg(p, stmt, "NAME", line)) == NULL)
		return -1;
	if (!valid_name(s)) {
		lex_error(p, line, "%s: bad name \"%s\": use 1 to %d "
		    "characters of A-Z, a-z, 0-9, \".\", \"_\" and \"-\"", stmt,
		    s, WIRE_NAME_MAX);
		return -1;
	}
	strcpy(name, s);
	return 0;
}

/* "port N" after an address; *port keeps the default when absent. */
int
lex_port(struct parser *p, const char *stmt, int line, unsigned *port)
{
	const char *s, *why;
	uint64_t v;

	if (!lex_opt(p, "port"))
		return 0;
	if ((s = lex_arg(p, stmt, "port number", line)) == NULL)
		return -1;
	if ((why = units_count(s, &v)) != NULL) {
		lex_error(p, line, "%s: port \"%s\": %s", stmt, s, why);
		return -1;
	}
	if (v < 1 || v > 65535) {
		lex_error(p, line, "%s: port %llu out of range 1..65535", stmt,
		    (unsigned long long)v);
		return -1;
	}
	*port = (unsigned)v;
	return 0;
}

/* A path for a file or a socket; replaces *dst. */
int
lex_path(struct parser *p, const char *stmt, int line, int is_socket,
    char **dst)
{
	const char *s;
	size_t max = sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1;

	if ((s = lex_arg(p, stmt, "PATH", line)) == NULL)
		return -1;
	if (*s == '\0') {
		lex_error(p, line, "%s: empty path", stmt);
		return -1;
	}
	if (is_socket && strlen(s) > max) {
		lex_error(p, line, "%s: path too long for a UNIX socket (%zu "
		    "bytes, at most %zu)", stmt, strlen(s), max);
		return -1;
	}
	free(*dst);
	*dst = xstrdup(s);
	return 0;
}

int
lex_mode(struct parser *p, const char *stmt, int line, unsigned *mode)
{
	const char *s;
	size_t i;
	unsigned v = 0;

	if (!lex_opt(p, "mode"))
		return 0;
	if ((s = lex_arg(p, stmt, "MODE", line)) == NULL)
		return -1;
	for (i = 0; i < 4 && s[i] >= '0' && s[i] <= '7'; i++)
		v = v * 8 + (unsigned)(s[i] - '0');
	if (i == 0 || s[i] != '\0' || v > 0777) {
		lex_error(p, line, "%s: mode \"%s\": expected octal 0000..0777",
		    stmt, s);
		return -1;
	}
	*mode = v;
	return 0;
}

int
lex_yesno(struct parser *p, const char *stmt, int line, int *v)
{
	const char *s;

	if ((s = lex_arg(p, stmt, "yes or no", line)) == NULL)
		return -1;
	if (strcmp(s, "yes") == 0)
		*v = 1;
	else if (strcmp(s, "no") == 0)
		*v = 0;
	else {
		lex_error(p, line, "%s: \"%s\": expected yes or no", stmt, s);
		return -1;
	}
	return 0;
}

/* A whole number in [min, max], given as the next word or after word. */
int
lex_num(struct parser *p, const char *stmt, const char *what, int line,
    uint64_t min, uint64_t max, uint64_t *v)
{
	const char *s, *why;

	if ((s = lex_arg(p, stmt, what, line)) == NULL)
		return -1;
	if ((why = units_count(s, v)) != NULL) {
		lex_error(p, line, "%s: %s \"%s\": %s", stmt, what, s, why);
		return -1;
	}
	if (*v < min || *v > max) {
		lex_error(p, line, "%s: %s %llu out of range %llu..%llu", stmt,
		    what, (unsigned long long)*v, (unsigned long long)min,
		    (unsigned long long)max);
		return -1;
	}
	return 0;
}

