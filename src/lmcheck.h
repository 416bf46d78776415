/*
 * The daemon's last-mile checks (argod.conf(5) "check"): for every origin
 * with a check of which this PoP is an egress, a jittered ev_timer starts
 * a libcurl transfer on the loop (curlev.h); its timings and outcome go
 * into the origin's lastmile state (lastmile.h), which the status socket
 * shows.
 */
#ifndef ARGO_LMCHECK_H
#define ARGO_LMCHECK_H

#include <stddef.h>

#include "conf.h"
#include "lastmile.h"

struct ev_loop;
struct lmcheck;

struct lmcheck_view {
	const char		*origin;
	const struct conf_check	*check;
	const struct lastmile	*lm;
	int			 running;	/* a check is in flight */
};

/* NULL (logged) if libcurl cannot be set up. */
struct lmcheck	*lmcheck_new(struct ev_loop *, const struct conf *);
/* Checks whose origin and settings did not change keep their state. */
void		 lmcheck_reconfigure(struct lmcheck *, const struct conf *);
void		 lmcheck_free(struct lmcheck *);
size_t		 lmcheck_count(const struct lmcheck *);
void		 lmcheck_view(const struct lmcheck *, size_t,
		    struct lmcheck_view *);

#endif
