/*
 * What argo-top knows; see top-model.h.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "ctlclient.h"
#include "log.h"
#include "top-model.h"

void
model_init(struct model *m, const char *path, double delay)
{
	memset(m, 0, sizeof(*m));
	m->path = path;
	m->delay = delay;
	m->conn = MODEL_DISCONNECTED;
	m->ev = xcalloc(MODEL_EVENTS, sizeof(*m->ev));
}

static void
drop_replies(struct model *m)
{
	if (m->has_status)
		ctlc_status_free(&m->status);
	if (m->has_peers)
		ctlc_peers_free(&m->peers);
	if (m->has_routes)
		ctlc_routes_free(&m->routes);
	if (m->has_matrix)
		ctlc_matrix_free(&m->matrix);
	if (m->has_tiers)
		ctlc_tiers_free(&m->tiers);
	m->has_status = m->has_peers = m->has_routes = m->has_matrix = 0;
	m->has_tiers = 0;
}

void
model_free(struct model *m)
{
	drop_replies(m);
	free(m->hist);
	free(m->ev);
	memset(m, 0, sizeof(*m));
}

const char *
model_self_name(const struct model *m)
{
	if (m->has_status)
		return m->status.node;
	if (m->banner.node[0] != '\0')
		return m->banner.node;
	return NULL;
}

/*
 * The event log: a ring, the oldest entry overwritten when full.
 */
static struct model_event *
ev_new(struct model *m, enum model_ev_kind kind)
{
	struct model_event *e;

	if (m->ev_n < MODEL_EVENTS)
		e = &m->ev[(m->ev_head + m->ev_n++) % MODEL_EVENTS];
	else {
		e = &m->ev[m->ev_head];
		m->ev_head = (m->ev_head + 1) % MODEL_EVENTS;
	}
	memset(e, 0, sizeof(*e));
	e->wall = time(NULL);
	e->kind = kind;
	m->ev_total++;
	return e;
}

const struct model_event *
model_event_at(const struct model *m, size_t i)
{
	if (i >= m->ev_n)
		return NULL;
	return &m->ev[(m->ev_head + m->ev_n - 1 - i) % MODEL_EVENTS];
}

static void
ev_text(struct model *m, enum model_ev_kind kind, const char *fmt,
    va_list ap) __attribute__((format(printf, 3, 0)));

static void
ev_text(struct model *m, enum model_ev_kind kind, const char *fmt,
    va_list ap)
{
	struct model_event *e = ev_new(m, kind);

	snprintf(e->subject, sizeof(e->subject), "argo-top");
	vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
}

static void
ev_info(struct model *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
ev_info(struct model *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ev_text(m, MODEL_EV_INFO, fmt, ap);
	va_end(ap);
}

void
model_alert(struct model *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ev_text(m, MODEL_EV_ALERT, fmt, ap);
	va_end(ap);
}

/*
 * RTT history, one ring per peer name.
 */
static void
hist_push(struct model_hist *h, double rtt_ms, int state)
{
	struct model_sample *s;

	if (h->n < MODEL_HIST)
		s = &h->s[(h->head + h->n++) % MODEL_HIST];
	else {
		s = &h->s[h->head];
		h->head = (h->head + 1) % MODEL_HIST;
	}
	s->rtt_ms = (float)rtt_ms;
	s->state = (signed char)state;
}

const struct model_sample *
model_hist_at(const struct model_hist *h, size_t i)
{
	if (i >= h->n)
		return NULL;
	return &h->s[(h->head + h->n - 1 - i) % MODEL_HIST];
}

static struct model_hist *
hist_lookup(struct model_hist *hist, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(hist[i].name, name) == 0)
			return &hist[i];
	return NULL;
}

const struct model_hist *
model_hist_find(const struct model *m, const char *name)
{
	return hist_lookup(m->hist, m->nhist, name);
}

/* One sample per peer per peers reply; peers that left are forgotten. */
static void
hist_update(struct model *m)
{
	struct model_hist *h;
	const struct ctlc_peer *p;
	size_t i, k;

	for (i = 0; i < m->nhist; i++)
		m->hist[i].seen = 0;
	for (k = 0; k < m->peers.n; k++) {
		p = &m->peers.v[k];
		if ((h = hist_lookup(m->hist, m->nhist, p->name)) == NULL) {
			m->hist = xreallocarray(m->hist, m->nhist + 1,
			    sizeof(*m->hist));
			h = &m->hist[m->nhist++];
			memset(h, 0, sizeof(*h));
			snprintf(h->name, sizeof(h->name), "%s", p->name);
		}
		if (h->seen)
			continue;	/* a name twice: sample it once */
		h->seen = 1;
		hist_push(h, p->state == 0 ? NAN : p->rtt_ms, p->state);
	}
	for (i = 0; i < m->nhist; ) {
		if (m->hist[i].seen) {
			i++;
			continue;
		}
		m->hist[i] = m->hist[--m->nhist];
	}
}

/*
 * Connection.
 */
void
model_connecting(struct model *m)
{
	m->conn = MODEL_CONNECTING;
}

void
model_connected(struct model *m, const struct ctlc_banner *b)
{
	m->conn = MODEL_CONNECTED;
	m->banner = *b;
	m->conn_err[0] = '\0';
	m->reply_err[0] = '\0';
	ev_info(m, "connected to %s (argod %s%s)",
	    b->node[0] != '\0' ? b->node : "argod", b->version,
	    b->readonly ? ", read-only socket" : "");
	m->ever_connected = 1;
}

void
model_disconnected(struct model *m, const char *why, double retry_at)
{
	size_t i;

	/* log only the first failure of a run of retries */
	if (m->conn == MODEL_CONNECTED)
		model_alert(m, "disconnected: %s", why);
	else if (m->conn_err[0] == '\0')
		model_alert(m, "%s: %s", m->ever_connected ? "disconnected" :
		    "cannot connect", why);
	if (m->conn == MODEL_CONNECTED)
		for (i = 0; i < m->nhist; i++)
			hist_push(&m->hist[i], NAN, -1);
	m->conn = MODEL_DISCONNECTED;
	snprintf(m->conn_err, sizeof(m->conn_err), "%s", why);
	m->retry_at = retry_at;
}

/*
 * Replies.
 */
int
model_reply(struct model *m, json_t *j, double now)
{
	char err[CTLC_ERRLEN];
	const char *cmd, *msg;
	int rc = 0;

	cmd = json_string_value(json_object_get(j, "cmd"));
	if (cmd == NULL)
		cmd = "?";
	if (ctlc_reply_ok(j, &msg) != 1) {
		snprintf(m->reply_err, sizeof(m->reply_err), "%s: %s", cmd,
		    msg != NULL ? msg : "not a reply");
		return -1;
	}
	m->updated_at = now;
	if (strcmp(cmd, "status") == 0) {
		struct ctlc_status st;

		if ((rc = ctlc_decode_status(j, &st, err, sizeof(err))) == 0) {
			if (m->has_status)
				ctlc_status_free(&m->status);
			m->status = st;
			m->has_status = 1;
		}
	} else if (strcmp(cmd, "peers") == 0) {
		struct ctlc_peers ps;

		if ((rc = ctlc_decode_peers(j, &ps, err, sizeof(err))) == 0) {
			if (m->has_peers)
				ctlc_peers_free(&m->peers);
			m->peers = ps;
			m->has_peers = 1;
			m->rounds++;
			hist_update(m);
		}
	} else if (strcmp(cmd, "routes") == 0) {
		struct ctlc_routes rs;

		if ((rc = ctlc_decode_routes(j, &rs, err, sizeof(err))) == 0) {
			if (m->has_routes)
				ctlc_routes_free(&m->routes);
			m->routes = rs;
			m->has_routes = 1;
		}
	} else if (strcmp(cmd, "tiers") == 0) {
		struct ctlc_tiers ts;

		if ((rc = ctlc_decode_tiers(j, &ts, err, sizeof(err))) == 0) {
			if (m->has_tiers)
				ctlc_tiers_free(&m->tiers);
			m->tiers = ts;
			m->has_tiers = 1;
		}
	} else if (strcmp(cmd, "matrix") == 0) {
		struct ctlc_matrix mx;

		if ((rc = ctlc_decode_matrix(j, &mx, err, sizeof(err))) == 0) {
			if (m->has_matrix)
				ctlc_matrix_free(&m->matrix);
			m->matrix = mx;
			m->has_matrix = 1;
		}
	}
	/* prefixed with the command, so that its next success clears it */
	if (rc == -1)
		snprintf(m->reply_err, sizeof(m->reply_err), "%s: %s", cmd,
		    err);
	else if (strncmp(m->reply_err, cmd, strlen(cmd)) == 0 &&
	    m->reply_err[strlen(cmd)] == ':')
		m->reply_err[0] = '\0';
	return rc;
}

/*
 * Events.
 */
const char *
model_path_str(char *buf, size_t len, const struct ctlc_path *p)
{
	size_t i, off = 0, n;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < p->n; i++) {
		n = strlen(p->hop[i]) + (i > 0);
		if (off + n + 4 > len) {
			snprintf(buf + off, len - off, "...");
			break;
		}
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    i > 0 ? ">" : "", p->hop[i]);
	}
	if (p->n == 0)
		snprintf(buf, len, "-");
	return buf;
}

static void
route_str(char *buf, size_t len, int has, const struct ctlc_route *r)
{
	char path[128];

	if (!has)
		snprintf(buf, len, "none");
	else if (!r->reachable)
		snprintf(buf, len, "unreachable");
	else
		snprintf(buf, len, "%s %.1fms%s",
		    model_path_str(path, sizeof(path), &r->path), r->cost_ms,
		    r->congested_hops > 0 ? "*" : "");
}

int
model_event(struct model *m, json_t *j)
{
	struct model_event *e;
	struct ctlc_event ev;
	char err[CTLC_ERRLEN];

	if (ctlc_decode_event(j, &ev, err, sizeof(err)) == -1) {
		model_alert(m, "%s", err);
		return -1;
	}
	switch (ev.type) {
	case CTLC_EVENT_LINK:
		e = ev_new(m, MODEL_EV_LINK);
		snprintf(e->subject, sizeof(e->subject), "%s", ev.peer);
		snprintf(e->before, sizeof(e->before), "%s",
		    ev.from != NULL ? ev.from : "?");
		snprintf(e->after, sizeof(e->after), "%s",
		    ev.to != NULL ? ev.to : "?");
		e->state = ctlc_link_state(ev.to);
		if (isnan(ev.rtt_ms))
			snprintf(e->detail, sizeof(e->detail), "rtt -, "
			    "loss %.1f%%", ev.loss_pct);
		else
			snprintf(e->detail, sizeof(e->detail), "rtt %.1fms, "
			    "loss %.1f%%", ev.rtt_ms, ev.loss_pct);
		break;
	case CTLC_EVENT_ROUTE:
		e = ev_new(m, MODEL_EV_ROUTE);
		snprintf(e->subject, sizeof(e->subject), "%s", ev.origin);
		snprintf(e->detail, sizeof(e->detail), "%s", ev.prefix);
		route_str(e->before, sizeof(e->before), ev.has_before,
		    &ev.before);
		route_str(e->after, sizeof(e->after), ev.has_after,
		    &ev.after);
		e->state = !ev.has_after || !ev.after.reachable ? 0 :
		    ev.after.congested_hops > 0 ? 2 : 1;
		break;
	case CTLC_EVENT_ORIGIN:
		e = ev_new(m, MODEL_EV_ORIGIN);
		snprintf(e->subject, sizeof(e->subject), "%s",
		    ev.origin != NULL ? ev.origin : "?");
		snprintf(e->before, sizeof(e->before), "%s",
		    ev.from != NULL ? ev.from : "?");
		snprintf(e->after, sizeof(e->after), "%s",
		    ev.to != NULL ? ev.to : "?");
		snprintf(e->detail, sizeof(e->detail), "%s",
		    ev.reason != NULL ? ev.reason : "");
		e->state = ev.to != NULL && strcmp(ev.to, "unhealthy") == 0 ?
		    0 : 1;
		break;
	default:
		e = ev_new(m, MODEL_EV_OTHER);
		snprintf(e->subject, sizeof(e->subject), "%s", ev.name);
		break;
	}
	ctlc_event_free(&ev);
	return 0;
}
