/*
 * The daemon's last-mile checks (argod.conf(5) "check"): for every origin
 * with a check of which this PoP is an egress, a jittered ev_timer starts
 * a libcurl transfer on the loop (curlev.h); its timings and outcome go
 * into the origin's lastmile state (lastmile.h), which the status socket
 * shows. A target given by host name is resolved through c-ares
 * (resolve.h) when its last answer's TTL has run out, and handed to
 * libcurl as that address (CURLOPT_RESOLVE), so libcurl never resolves
 * on its own; a failed lookup keeps the last good address and is shown
 * and logged once.
 */
#ifndef ARGO_LMCHECK_H
#define ARGO_LMCHECK_H

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "lastmile.h"

struct ev_loop;
struct lmcheck;

/* The name of a check's target, for a host name. */
#define LMCHECK_TTL_MIN		1	/* s: re-resolve at most this often */
#define LMCHECK_TTL_MAX		3600
struct lmcheck_addr {
	int		 needed;	/* the target is a host name */
	int		 has_addr;
	char		 addr[INET6_ADDRSTRLEN];
	uint32_t	 ttl;		/* s, as answered */
	uint64_t	 resolved_at;	/* ns, the last good answer */
	uint64_t	 expires;	/* ns, when it is asked again */
	int64_t		 lookup_us;	/* the last lookup's time, -1 none */
	uint64_t	 lookups, lookup_failures;
	int		 has_error;	/* the last lookup failed */
	char		 error[128];
	uint64_t	 error_since;	/* ns */
};

struct lmcheck_view {
	const char		*origin;
	const struct conf_check	*check;
	const struct lastmile	*lm;
	const struct lmcheck_addr *addr;
	int			 running;	/* a check is in flight */
};

/*
 * A check ended: its origin's state, and whether its health changed
 * (for the status socket's monitor; the engine takes every result).
 */
struct lmcheck_event {
	const char		*origin;
	int			 changed;
	enum lastmile_health	 from, to;
	const char		*reason;	/* of the last check, NULL ok */
	const struct lastmile	*lm;
};
typedef void	lmcheck_event_fn(void *arg, const struct lmcheck_event *);

/* NULL (logged) if libcurl cannot be set up. event may be NULL. */
struct lmcheck	*lmcheck_new(struct ev_loop *, const struct conf *,
		    lmcheck_event_fn *event, void *arg);
/* Checks whose origin and settings did not change keep their state. */
void		 lmcheck_reconfigure(struct lmcheck *, const struct conf *);
void		 lmcheck_free(struct lmcheck *);
size_t		 lmcheck_count(const struct lmcheck *);
void		 lmcheck_view(const struct lmcheck *, size_t,
		    struct lmcheck_view *);

#endif
