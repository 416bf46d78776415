/*
 * The JSON status socket (DESIGN.md decision 8).
 *
 * Newline-delimited JSON over UNIX stream sockets. On connect the server
 * sends a banner {"argod": VERSION, "protocol": CTL_PROTOCOL, "node": NAME};
 * each request {"cmd": ...} gets exactly one reply with "ok"; "monitor"
 * switches the connection to a stream of events. Writes never block: each
 * client has an output limit past which it is disconnected.
 */
#ifndef ARGO_CTL_H
#define ARGO_CTL_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "ctl-proto.h"
#include "engine.h"


struct ev_loop;
struct ctl;

/* What the daemon lets the socket do; NULL members are "not supported". */
/* Where a peer is, for "peers": the daemon's config and resolver. */
struct ctl_peer_addr {
	const char		*host;	/* configured host name; NULL: IP */
	int			 has_addr;
	struct sockaddr_storage	 ss;	/* with the port */
	const char		*error;	/* the last lookup failed; NULL */
};

struct ctl_hooks {
	int	(*reload)(void *arg, char *err, size_t errlen);
	/* dry-run was switched: the daemon re-pushes its routes */
	void	(*kern_changed)(void *arg);
	/* may be NULL */
	void	(*peer_address)(void *arg, size_t peer, struct ctl_peer_addr *);
	void	*arg;
};

/* Per-socket limits against lockout (see ctl.c). */
struct ctl_limits {
	double		idle_timeout;	/* s without a request; 0: none */
	unsigned	max_per_uid;	/* other than root and our own uid */
};

/*
 * Listen on path with the given mode; ro makes every client of this socket
 * read-only. clock gives "now" in the engine's clock. Returns NULL (errno
 * set, logged) on failure.
 */
struct ctl	*ctl_open(struct ev_loop *, const char *path, unsigned mode,
		    int ro, size_t max_output, struct engine *,
		    const struct ctl_hooks *, uint64_t (*clock)(void));
void		 ctl_close(struct ctl *);
/* The engine was replaced or reconfigured. */
void		 ctl_set_engine(struct ctl *, struct engine *);
void		 ctl_set_max_output(struct ctl *, size_t);
void		 ctl_set_limits(struct ctl *, const struct ctl_limits *);
struct kern;
/* The forwarding layer, for "installed", "fib" and "dry-run". */
void		 ctl_set_kern(struct ctl *, struct kern *);
struct lmcheck;
/* The origins' last-mile checks, for "origins". */
void		 ctl_set_lastmile(struct ctl *, struct lmcheck *);

/* Broadcast to monitor clients. */
void		 ctl_link_event(struct ctl *, const struct engine_link_event *);
void		 ctl_route_event(struct ctl *, const struct engine_route_event *);
void		 ctl_tier_event(struct ctl *, const struct engine_tier_event *);
struct lmcheck_event;
void		 ctl_origin_event(struct ctl *, const struct lmcheck_event *);

#endif
