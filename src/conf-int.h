/*
 * The inside of the config parser, shared by its parts and by no one else
 * (conf.h is the public face):
 *
 *	conf-lex.c	tokens, "file:line: message" reports, and the typed
 *			arguments statements share (names, paths, ports, ...)
 *	conf-parse.c	the keyword table, the statement loop, the generic
 *			handler of the parameter table (params.h), keys,
 *			conf_parse() and conf_free()
 *	conf-addr.c	statements with addresses: listen, peer, origin
 *	conf-kern.c	the forwarding statements (kern.h)
 *	conf-lastmile.c	an origin's last-mile check statements
 *	conf-cache.c	cache addresses, the include file, its reload
 *	conf-check.c	checks and defaults that need the whole file
 *	conf-print.c	conf_print()
 *
 * Handlers return 0, or -1 after reporting (the caller skips the rest of
 * the statement), or -2 after reporting when the parser already stands at
 * the start of the next statement.
 */
#ifndef ARGO_CONF_INT_H
#define ARGO_CONF_INT_H

#include <netinet/in.h>

#include <stdio.h>

#include "conf.h"
#include "log.h"
#include "prefix.h"
#include "wire.h"

#define TOKEN_MAX	4096	/* longest word or string */
#define MAX_ERRORS	20	/* then give up: the rest is likely noise */

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

struct name_ref {
	char		 name[WIRE_NAME_MAX + 1];
	uint32_t	 id;
	int		 line;
};

struct prefix_ref {
	struct prefix	 pfx;
	char		 origin[WIRE_NAME_MAX + 1];
	int		 line;
};

struct parser {
	FILE			*f;
	FILE			*report;	/* file:line messages */
	const char		*name;
	int			 line;		/* of the next character */
	int			 lastline;	/* of the last character read */
	int			 nerrors;
	struct token		 tok;
	int			 pushed;
	char			 buf[TOKEN_MAX + 1];
	struct conf		*c;
	int			*set;		/* per statement (kwtab[] rows,
						   then parameters): line, 0
						   unset */
	int			 key_line;	/* key or key-file */
	int			 key_next_line;	/* key-next or key-next-file */
	int			*listen_lines;
	int			*origin_lines;
	struct prefix_ref	*prefixes;
	size_t			 nprefixes;
	struct name_ref		*names;		/* node, peers, egress */
	size_t			 nnames;
};

/* conf-lex.c */
void		 lex_error(struct parser *, int, const char *, ...)
		    ARGO_PRINTF(3, 4);
void		 lex_warn(struct parser *, int, const char *, ...)
		    ARGO_PRINTF(3, 4);
struct token	*lex_next(struct parser *);
void		 lex_push(struct parser *);
const char	*lex_desc(const struct token *);
void		 lex_skip(struct parser *);
int		 lex_end(struct parser *, const char *, int);
const char	*lex_arg(struct parser *, const char *, const char *, int);
int		 lex_opt(struct parser *, const char *);
int		 lex_name(struct parser *, const char *, int,
		    char [WIRE_NAME_MAX + 1]);
int		 lex_num(struct parser *, const char *, const char *, int,
		    uint64_t, uint64_t, uint64_t *);
int		 lex_yesno(struct parser *, const char *, int, int *);
int		 lex_port(struct parser *, const char *, int, unsigned *);
int		 lex_path(struct parser *, const char *, int, int, char **);
int		 lex_mode(struct parser *, const char *, int, unsigned *);

/* conf-parse.c */
int		 parse_is_keyword(const char *);
int		 parse_stmt_line(const struct parser *, const char *);

/* conf-addr.c */
int		 addr_set(struct conf_addr *, const char *, unsigned);
int		 kw_listen(struct parser *, int);
int		 kw_metrics(struct parser *, int);
int		 kw_peer(struct parser *, int);
int		 kw_origin(struct parser *, int);

/* conf-cache.c */
int		 cache_addr_parse(struct parser *, const char *, int,
		    struct conf_addr *);
int		 kw_cache(struct parser *, int);
int		 kw_cache_include(struct parser *, int);
int		 kw_cache_reload(struct parser *, int);

/* conf-kern.c */
int		 kw_dry_run(struct parser *, int);
int		 kw_tunnel(struct parser *, int);
int		 kw_tunnel_device(struct parser *, int);
int		 kw_tunnel_mtu(struct parser *, int);
int		 kw_route_table(struct parser *, int);
int		 kw_route_protocol(struct parser *, int);
int		 kw_policy_rules(struct parser *, int);
int		 kw_keep_routes(struct parser *, int);

/* conf-lastmile.c: the check statements of one origin block */
struct chk_block {
	struct conf_check	 c;
	int			 lines[5];	/* of each statement, 0 unset */
};
void		 chk_init(struct chk_block *);
void		 chk_clear(struct conf_check *);
/* 0, -1 after reporting, or 1: kw is no check statement. */
int		 chk_stmt(struct parser *, struct chk_block *, const char *,
		    int);
/* At the end of the block: 0, or -1 after reporting. */
int		 chk_finish(struct parser *, struct chk_block *, const char *);
void		 chk_print(FILE *, const struct conf_check *);

/* conf-check.c */
void		 check_add_name(struct parser *, const char *, int);
void		 check_conf(struct parser *);

#endif
