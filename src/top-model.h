/*
 * What argo-top knows: the daemon's latest replies, decoded by the shared
 * client decoder (ctlclient.h), plus what only a watcher accumulates: a
 * per-peer history of RTT samples for the sparklines and a bounded log of
 * the events seen on the monitor stream. top-conn.c feeds it; the views
 * (top-view*.c) only read it. No I/O and no curses here.
 *
 * History survives a reconnect (peers are keyed by name), so a daemon
 * restart shows as a gap in the sparkline rather than a blank one.
 */
#ifndef ARGO_TOP_MODEL_H
#define ARGO_TOP_MODEL_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "ctlclient.h"

#define MODEL_HIST	512	/* samples kept per peer: wider than a screen */
#define MODEL_EVENTS	2000	/* events kept in the log */

struct model_sample {
	float		rtt_ms;		/* NAN: no RTT, or a gap */
	signed char	state;		/* ctlc_link_state(); -1 gap */
};

struct model_hist {
	char			 name[64];
	struct model_sample	 s[MODEL_HIST];
	size_t			 head, n;	/* ring: oldest at head */
	int			 seen;
};

enum model_ev_kind {
	MODEL_EV_LINK,		/* a link changed state */
	MODEL_EV_ROUTE,		/* a route changed */
	MODEL_EV_ORIGIN,	/* an origin check's health changed */
	MODEL_EV_INFO,		/* argo-top's own: connected */
	MODEL_EV_ALERT,		/* argo-top's own: disconnected, errors */
	MODEL_EV_OTHER,		/* an event type this argo-top does not know */
};

/*
 * link: subject is the peer, before and after its states, detail the RTT
 * and loss; state is the new link state.
 * route: subject is the origin, before and after "path cost", detail the
 * prefix; state is 1 usable, 2 congested, 0 unreachable.
 * info, alert: detail is the text.
 */
struct model_event {
	time_t			wall;		/* local time of arrival */
	enum model_ev_kind	kind;
	int			state;
	char			subject[64];
	char			before[160];
	char			after[160];
	char			detail[192];
};

enum model_conn {
	MODEL_DISCONNECTED,
	MODEL_CONNECTING,
	MODEL_CONNECTED,
};

struct model {
	/* the connection, as top-conn.c reports it */
	const char		*path;
	enum model_conn		 conn;
	char			 conn_err[CTLC_ERRLEN];
	double			 retry_at;	/* when disconnected */
	double			 delay;		/* refresh period, s */
	struct ctlc_banner	 banner;
	int			 ever_connected;

	/* the latest replies; each has_ flag says whether it holds one */
	int			 has_status, has_peers, has_routes,
				 has_matrix, has_tiers;
	struct ctlc_status	 status;
	struct ctlc_peers	 peers;
	struct ctlc_routes	 routes;
	struct ctlc_matrix	 matrix;
	struct ctlc_tiers	 tiers;
	double			 updated_at;	/* last reply, local clock */
	/* the last error reply or undecodable reply: "cmd: why" */
	char			 reply_err[CTLC_ERRLEN + 64];
	unsigned long		 rounds;	/* peers replies so far */

	struct model_hist	*hist;
	size_t			 nhist;

	struct model_event	*ev;		/* ring of MODEL_EVENTS */
	size_t			 ev_head, ev_n;
	unsigned long		 ev_total;	/* ever logged */
};

void	model_init(struct model *, const char *path, double delay);
void	model_free(struct model *);

/* Connection changes; they are also logged as events. */
void	model_connecting(struct model *);
void	model_connected(struct model *, const struct ctlc_banner *);
void	model_disconnected(struct model *, const char *why,
	    double retry_at);
void	model_alert(struct model *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * A reply or an event from the daemon (borrowed). Returns 0, or -1 when
 * it does not decode; the model keeps its previous state and notes why in
 * reply_err.
 */
int	model_reply(struct model *, json_t *, double now);
int	model_event(struct model *, json_t *);

/* The watched node's name, from status or else the banner; NULL if none. */
const char *model_self_name(const struct model *);
/* The i-th newest event (0 = newest), or NULL. */
const struct model_event *model_event_at(const struct model *, size_t i);
const struct model_hist *model_hist_find(const struct model *,
	    const char *name);
/* The i-th newest sample (0 = newest) of h. */
const struct model_sample *model_hist_at(const struct model_hist *,
	    size_t i);

/* Text for a path ("a>b>c"), cut to fit len with a trailing "...". */
const char *model_path_str(char *buf, size_t len,
	    const struct ctlc_path *);

#endif
