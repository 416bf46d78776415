/*
 * The Events view: the log of link and route changes seen on the monitor
 * stream, and argo-top's own (connected, disconnected), oldest at the
 * top, newest at the bottom, following the newest unless scrolled back.
 * A line: the time, the kind, the subject (peer or origin, padded to the
 * longest), what changed.
 */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "ctlclient.h"
#include "top-canvas.h"
#include "top-model.h"
#include "top-table.h"
#include "top-view.h"

#define VIEW_EVENTS_TIME_W	10	/* "12:00:00  " */
#define VIEW_EVENTS_KIND_W	7	/* "route  " */
#define VIEW_EVENTS_SELF_W	10	/* "argo-top  " */

/* "before -> after  detail" from x on, before and after in their styles. */
static void
view_events_change(struct canvas *cv, int y, int x,
    const struct model_event *e, int before_sty, int after_sty)
{
	x += canvas_put(cv, y, x, before_sty, e->before, -1);
	x += canvas_printf(cv, y, x, ST_NORMAL, -1, " %s ",
	    canvas_glyph(cv, G_ARROW));
	x += canvas_put(cv, y, x, after_sty, e->after, -1);
	canvas_printf(cv, y, x, ST_DIM, -1, "  %s", e->detail);
}

static void
view_events_line(struct canvas *cv, int y, const struct model_event *e,
    int subjw)
{
	char stamp[16];
	struct tm tm;
	int x = VIEW_EVENTS_TIME_W;

	localtime_r(&e->wall, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	canvas_put(cv, y, 0, ST_DIM, stamp, VIEW_EVENTS_TIME_W - 2);
	switch (e->kind) {
	case MODEL_EV_LINK:
	case MODEL_EV_ROUTE:
		canvas_put(cv, y, x, ST_NORMAL, e->kind == MODEL_EV_LINK ?
		    "link" : "route", -1);
		x += VIEW_EVENTS_KIND_W;
		canvas_put(cv, y, x, ST_BOLD, e->subject, subjw);
		x += subjw + 2;
		if (e->kind == MODEL_EV_LINK)
			view_events_change(cv, y, x, e, top_table_state_style(
			    ctlc_link_state(e->before)),
			    top_table_state_style(e->state));
		else
			view_events_change(cv, y, x, e, ST_NORMAL,
			    e->state == 0 ? ST_DOWN : e->state == 2 ?
			    ST_CONGESTED : ST_CHANGED);
		break;
	case MODEL_EV_ORIGIN:
		canvas_put(cv, y, x, ST_NORMAL, "origin", -1);
		x += VIEW_EVENTS_KIND_W;
		canvas_put(cv, y, x, ST_BOLD, e->subject, subjw);
		x += subjw + 2;
		view_events_change(cv, y, x, e, ST_NORMAL, e->state == 0 ?
		    ST_DOWN : ST_GOOD);
		break;
	case MODEL_EV_INFO:
	case MODEL_EV_ALERT:
		canvas_put(cv, y, x, ST_DIM, "argo-top", -1);
		x += VIEW_EVENTS_SELF_W;
		canvas_put(cv, y, x, e->kind == MODEL_EV_ALERT ? ST_ALERT :
		    ST_NORMAL, e->detail, -1);
		break;
	case MODEL_EV_OTHER:
		canvas_put(cv, y, x, ST_DIM, e->subject, -1);
		break;
	}
}

static int
view_events_draw(struct canvas *cv, const struct model *m,
    struct view_state *vs, int y0, int rows)
{
	const struct model_event *e;
	int n = (int)m->ev_n, back, k, y, subjw = 6, len;
	size_t i;

	for (i = 0; i < m->ev_n; i++) {
		e = model_event_at(m, i);
		if ((e->kind == MODEL_EV_LINK || e->kind == MODEL_EV_ROUTE ||
		    e->kind == MODEL_EV_ORIGIN) &&
		    (len = canvas_width(e->subject)) > subjw)
			subjw = len > 20 ? 20 : len;
	}
	canvas_fill(cv, y0, 0, cv->w, ST_HEADER, " ");
	canvas_put(cv, y0, 0, ST_HEADER, "TIME", -1);
	canvas_put(cv, y0, VIEW_EVENTS_TIME_W, ST_HEADER, "EVENT", -1);
	if (n == 0) {
		canvas_put(cv, y0 + 1, 1, ST_DIM, "no events yet: link, "
		    "route and origin changes appear here as they happen", -1);
		return 2;
	}
	vs->page = rows < 0 ? n : rows - 1;
	/* scroll counts rows back from the newest */
	back = top_table_scroll(&vs->scroll[VIEW_EVENTS], n, vs->page);
	y = y0 + 1;
	k = n - back - vs->page;
	if (k < 0)
		k = 0;
	for (; k < n - back; k++, y++)
		view_events_line(cv, y, model_event_at(m, (size_t)(n - 1 - k)),
		    subjw);
	return y - y0;
}

static void
view_events_hint(char *buf, size_t len, const struct model *m,
    const struct view_state *vs)
{
	snprintf(buf, len, "%lu events  ", m->ev_total);
}

const struct view_kind view_events_kind = {
	.name = "events",
	.title = "Events",
	.log = 1,
	.draw = view_events_draw,
	.hint = view_events_hint,
};
