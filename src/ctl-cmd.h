/*
 * Between the status socket's transport (ctl.c) and its content
 * (ctl-cmd.c), in the way OpenBGPD's control.c sits apart from the
 * handlers it calls. The transport moves lines; everything here returns
 * a finished line (a JSON object without its newline, to be freed by the
 * caller) or NULL when it could not be encoded.
 */
#ifndef ARGO_CTL_CMD_H
#define ARGO_CTL_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "ctl.h"

struct kern;
struct lmcheck;

/* What a request may see and do. */
struct ctl_cmd_ctx {
	struct engine		*e;		/* NULL: not running */
	struct kern		*kern;		/* NULL: none */
	struct lmcheck		*lm;		/* NULL: no origin checks */
	struct ctl_hooks	 hooks;
	uint64_t		 now;		/* engine clock */
	int			 ro;		/* read-only socket */
	int			 monitor;	/* out: wants events */
};

/* The daemon's start, for uptime; the first call counts. */
void	 ctl_cmd_started(uint64_t now);
/* The event loop's busy times, shown by status (NULL: none). */
struct loopstat;
void	 ctl_cmd_loopstat(const struct loopstat *);
/* The recent route changes, shown by changes (NULL: none). */
struct routelog;
void	 ctl_cmd_routelog(const struct routelog *);

/* The reply to one request line (no newline, at most CTL_MAX_REQUEST). */
char	*ctl_cmd_request(struct ctl_cmd_ctx *, const char *line,
	    size_t len);
/* An error reply to no request (cmd null): CTL_ERR_TOO_LONG, ... */
char	*ctl_cmd_error(const char *msg);
char	*ctl_cmd_banner(const struct engine *, int ro);

/* Monitor events. */
char	*ctl_cmd_link_event(const struct engine_link_event *, uint64_t now);
char	*ctl_cmd_route_event(const struct engine *,
	    const struct engine_route_event *, uint64_t now);
struct lmcheck_event;
char	*ctl_cmd_tier_event(const struct engine *,
	    const struct engine_tier_event *, uint64_t now);
char	*ctl_cmd_origin_event(const struct lmcheck_event *, uint64_t now);

#endif
