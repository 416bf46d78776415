/*
 * argod.conf(5): the configuration file.
 *
 * conf_parse() reads a whole file into a fresh struct conf or fails with
 * "file:line: message" on stderr and leaves nothing behind; the running
 * daemon swaps configs only after a complete, successful parse.
 */
#ifndef ARGO_CONF_H
#define ARGO_CONF_H

#include <stdio.h>
#include <sys/socket.h>

#include "engine.h"
#include "kern.h"
#include "lastmile.h"

#define CONF_DEFAULT_FILE	"/etc/argod/argod.conf"
#define CONF_DEFAULT_PORT	4790
#define CONF_DEFAULT_CONTROL	"/run/argod/argod.sock"
#define CONF_DEFAULT_PIDFILE	"/run/argod/argod.pid"
/*
 * A receive queue that rides out a burst: 4 MiB holds about 5000 small
 * datagrams (the kernel charges ~800 bytes of each to the buffer), a
 * second of junk at 5 k/s or 16 s of probes of 300 peers at 10/s.
 */
#define CONF_DEFAULT_RCVBUF	(4 * 1024 * 1024)

struct conf_addr {
	struct sockaddr_storage	ss;	/* port filled in */
	socklen_t		sslen;
	char			*host;	/* as written, for printing */
	int			is_hostname; /* not an IP literal */
	unsigned		port;
};

/*
 * An origin's last-mile check (lastmile.h), run by the PoPs that are its
 * egress. kind CONF_CHECK_NONE: the origin has no check.
 */
enum conf_check_kind {
	CONF_CHECK_NONE,
	CONF_CHECK_HTTP,	/* http:// or https:// URL */
	CONF_CHECK_TCP,		/* connect to host:port */
};

struct conf_check {
	enum conf_check_kind	 kind;
	char			*url;	/* http: as written; tcp: NULL */
	char			*host;	/* name or literal, no brackets */
	int			 host_is_name;	/* resolved by the daemon */
	unsigned		 port;
	int			 tls;	/* https */
	int			 head;	/* HEAD, not GET */
	char			*ca;	/* https: CA file, NULL system's */
	unsigned		 status_min, status_max;
	struct lastmile_conf	 lm;	/* interval, timeout, fall, rise */
	int			 line;
};

struct conf_peer {
	struct conf_addr	addr;
	struct conf_addr	cache;	/* its cache; host NULL: unknown */
	int			line;
};

struct conf {
	char			*file;
	struct engine_conf	 ec;		/* name, id, key, params,
						   peers, origins */
	struct conf_peer	*peers;		/* parallel to ec.peers */
	struct conf_check	*checks;	/* parallel to ec.origins */
	struct conf_addr	*cache_origins;	/* parallel to ec.origins:
						   where an upper tier's cache
						   fetches; host NULL: unset */
	struct conf_addr	*listen;
	size_t			 nlisten;
	char			*key_file;	/* NULL if key inline */
	char			*key_next_file;	/* NULL: inline or none */
	char			*control;	/* read-write socket path */
	unsigned		 control_mode;
	char			*control_ro;	/* read-only socket, or NULL */
	unsigned		 control_ro_mode;
	size_t			 control_max_output;	/* bytes per client */
	uint64_t		 control_idle_timeout;	/* ns, 0: off */
	unsigned		 control_max_per_user;	/* clients per uid */
	struct conf_addr	 metrics;	/* HTTP /metrics; host NULL:
						   none */
	size_t			 receive_buffer;	/* UDP SO_RCVBUF */
	char			*user;		/* run as, or NULL: stay */
	char			*pidfile;
	struct kern_conf	 kern;		/* forwarding */
	struct conf_addr	 cache;		/* this PoP's cache; host
						   NULL: none */
	char			*cache_include;	/* nginx include, or NULL */
	char			*cache_reload;	/* shell command, or NULL */
};

/* Returns NULL after printing file:line: message to stderr. */
struct conf	*conf_parse(const char *file);
/* The same, the messages (errors and warnings) written to report. */
struct conf	*conf_parse_report(const char *file, FILE *report);
/* Parse from a stream (fuzzing, tests); name is used in messages. */
struct conf	*conf_parse_stream(FILE *, const char *name);
void		 conf_free(struct conf *);
/* Print the config normalised, every setting explicit, key elided. */
void		 conf_print(FILE *, const struct conf *);
/* The check's target as people write it: the URL, or tcp host:port. */
void		 conf_check_target(const struct conf_check *, char *, size_t);
/* A cache address as ADDRESS:PORT ([ADDRESS]:PORT for IPv6). */
void		 cache_addr_fmt(const struct conf_addr *, char *, size_t);
/* Same kind, target and settings. */
int		 conf_check_equal(const struct conf_check *,
		    const struct conf_check *);

#endif
