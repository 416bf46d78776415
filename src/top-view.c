/*
 * argo-top's screen around the views; see top-view.h.
 *
 * The title bar (the node, its peers, uptime and version, the clock), the
 * tab bar (the views and what the current one is showing), the status bar
 * (the connection) and the help box are drawn here; the body between the
 * bars is the current view's (top-view-<name>.c). So are the keys all the
 * views share: switching, sorting, scrolling, help.
 */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctlclient.h"
#include "top-canvas.h"
#include "top-model.h"
#include "top-table.h"
#include "top-view.h"

static const struct view_kind *const view_kinds[VIEW_COUNT] = {
	[VIEW_PEERS] = &view_peers_kind,
	[VIEW_MATRIX] = &view_matrix_kind,
	[VIEW_ROUTES] = &view_routes_kind,
	[VIEW_EVENTS] = &view_events_kind,
	[VIEW_TIERS] = &view_tiers_kind,
};

const char *
view_name(enum view_id v)
{
	return v < VIEW_COUNT ? view_kinds[v]->name : "?";
}

int
view_lookup(const char *s)
{
	int v;

	for (v = 0; v < VIEW_COUNT; v++)
		if (strcmp(view_kinds[v]->name, s) == 0)
			return v;
	return -1;
}

/*
 * The body: the current view, or in batch mode each in turn.
 */
static int
view_body(struct canvas *cv, const struct model *m, struct view_state *vs,
    enum view_id v, int y0, int rows)
{
	const struct view_kind *k = view_kinds[v];
	const void *data;
	struct top_table t;
	int n, used;

	if (k->table == NULL)
		return k->draw(cv, m, vs, y0, rows);
	if ((n = k->rows(m, &data)) == -1) {
		top_table_note(cv, y0, m, k->none);
		return 1;
	}
	top_table_init(&t, k->table, data, n, m, vs->sort[v], vs->reverse[v]);
	used = top_table_draw(cv, &t, y0, rows, &vs->scroll[v], &vs->page);
	top_table_free(&t);
	return used;
}

/*
 * Bars.
 */
static void
view_title_bar(struct canvas *cv, const struct model *m, int y)
{
	const char *node = model_self_name(m), *dot = canvas_glyph(cv, G_DOT);
	char seg[6][96], b[32], clock[16];
	struct tm tm;
	time_t t;
	int x, nseg = 0, i, room;

	canvas_fill(cv, y, 0, cv->w, ST_TITLE, " ");
	snprintf(seg[nseg++], sizeof(seg[0]), " argo-top %s %s", dot,
	    node != NULL ? node : "?");
	if (m->conn != MODEL_CONNECTED && m->ever_connected)
		snprintf(seg[nseg++], sizeof(seg[0]), "DISCONNECTED");
	if (m->has_status) {
		snprintf(seg[nseg++], sizeof(seg[0]), "peers %llu/%llu up",
		    (unsigned long long)m->status.peers_up,
		    (unsigned long long)m->status.peers);
		snprintf(seg[nseg++], sizeof(seg[0]), "up %s",
		    ctlc_fmt_duration(b, sizeof(b), m->status.uptime_s));
		snprintf(seg[nseg++], sizeof(seg[0]), "argod %s",
		    m->status.version);
		snprintf(seg[nseg++], sizeof(seg[0]), "lsdb %llu",
		    (unsigned long long)m->status.lsdb_rows);
	}
	t = time(NULL);
	localtime_r(&t, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S ", &tm);
	room = cv->w - canvas_width(clock) - 1;
	x = 0;
	for (i = 0; i < nseg; i++) {
		if (x + (i ? 3 : 0) + canvas_width(seg[i]) > room)
			break;
		if (i > 0)
			x += canvas_printf(cv, y, x, ST_TITLE, -1, " %s ",
			    dot);
		x += canvas_put(cv, y, x, ST_TITLE, seg[i], -1);
	}
	canvas_put_right(cv, y, 0, cv->w, ST_TITLE, clock);
}

static void
view_tab_bar(struct canvas *cv, const struct model *m,
    const struct view_state *vs, int y)
{
	const struct view_kind *k = view_kinds[vs->cur];
	char hint[96];
	int v, x = 0;

	canvas_fill(cv, y, 0, cv->w, ST_TAB, " ");
	for (v = 0; v < VIEW_COUNT; v++) {
		x += canvas_printf(cv, y, x, v == (int)vs->cur ? ST_TAB_ON :
		    ST_TAB, -1, " %d %s ", v + 1, view_kinds[v]->title);
		x++;
	}
	hint[0] = '\0';
	if (k->table != NULL)
		snprintf(hint, sizeof(hint), "sort %s%s (s S)  ",
		    k->table->cols[vs->sort[vs->cur]].title,
		    canvas_glyph(cv, vs->reverse[vs->cur] ? G_SORT_DOWN :
		    G_SORT_UP));
	else if (k->hint != NULL)
		k->hint(hint, sizeof(hint), m, vs);
	strncat(hint, "? help ", sizeof(hint) - strlen(hint) - 1);
	if (x + canvas_width(hint) < cv->w)
		canvas_put_right(cv, y, 0, cv->w, ST_TAB, hint);
}

static void
view_status_bar(struct canvas *cv, const struct model *m, int y, double now)
{
	const char *dot = canvas_glyph(cv, G_DOT);
	char b[32], right[32];
	int sty = ST_STATUS;

	if (m->conn == MODEL_DISCONNECTED || m->reply_err[0] != '\0' ||
	    (m->conn == MODEL_CONNECTING && m->conn_err[0] != '\0'))
		sty = ST_ALERT;
	canvas_fill(cv, y, 0, cv->w, sty, " ");
	snprintf(right, sizeof(right), " q quit ");
	switch (m->conn) {
	case MODEL_DISCONNECTED:
		snprintf(b, sizeof(b), "%.1fs", m->retry_at > now ?
		    m->retry_at - now : 0.0);
		canvas_printf(cv, y, 0, sty, cv->w - 8, " disconnected %s "
		    "retrying in %s: %s", canvas_glyph(cv, G_DASH), b,
		    m->conn_err);
		break;
	case MODEL_CONNECTING:
		if (m->conn_err[0] != '\0')
			canvas_printf(cv, y, 0, sty, cv->w - 8,
			    " disconnected %s connecting to %s",
			    canvas_glyph(cv, G_DASH), m->path);
		else
			canvas_printf(cv, y, 0, sty, cv->w - 8,
			    " connecting to %s", m->path);
		break;
	case MODEL_CONNECTED:
		if (m->reply_err[0] != '\0')
			canvas_printf(cv, y, 0, sty, cv->w - 8,
			    " argod: %s", m->reply_err);
		else
			canvas_printf(cv, y, 0, sty, cv->w - 8,
			    " connected %s updated %s ago %s every %gs %s %s",
			    dot, ctlc_fmt_duration(b, sizeof(b),
			    m->updated_at > 0 ? now - m->updated_at : NAN),
			    dot, m->delay, dot, m->path);
		break;
	}
	canvas_put_right(cv, y, 0, cv->w, sty, right);
}

static const char *const view_help_lines[] = {
	"argo-top: a live view of argod and its overlay",
	"",
	"1 p   Peers   state, RTT, baseline, jitter, loss, history",
	"2 m   Matrix  RTT or loss of every link, as a heat map",
	"3 r   Routes  chosen path, direct cost, gain, runner-up",
	"4 e   Events  link and route changes as they happen",
	"5 c   Tiers   cache tiers: upper tiers, parent, fallback",
	"Tab   next view (Shift-Tab: previous)",
	"",
	"s     sort by the next column    S  reverse the order",
	"t     Matrix: switch between RTT and loss",
	"Up Down PgUp PgDn Home End       scroll",
	"Left Right                       Matrix: scroll columns",
	"+ -   refresh more or less often",
	"Space refresh now                Ctrl-L  redraw",
	"q     quit                       ?  this help",
	"",
	"States: up, congested (*), down (x). Any key closes this.",
};

static void
view_help_box(struct canvas *cv)
{
	int n = (int)(sizeof(view_help_lines) / sizeof(view_help_lines[0]));
	int i, w = 0, bw, bh, x0, y0;

	for (i = 0; i < n; i++)
		if (canvas_width(view_help_lines[i]) > w)
			w = canvas_width(view_help_lines[i]);
	bw = w + 4;
	bh = n + 2;
	if (bw > cv->w)
		bw = cv->w;
	if (bh > cv->h)
		bh = cv->h;
	x0 = (cv->w - bw) / 2;
	y0 = (cv->h - bh) / 2;
	for (i = 0; i < bh; i++)
		canvas_fill(cv, y0 + i, x0, bw, ST_NORMAL, " ");
	canvas_fill(cv, y0, x0 + 1, bw - 2, ST_NORMAL,
	    canvas_glyph(cv, G_HLINE));
	canvas_fill(cv, y0 + bh - 1, x0 + 1, bw - 2, ST_NORMAL,
	    canvas_glyph(cv, G_HLINE));
	for (i = 1; i < bh - 1; i++) {
		canvas_put(cv, y0 + i, x0, ST_NORMAL,
		    canvas_glyph(cv, G_VLINE), 1);
		canvas_put(cv, y0 + i, x0 + bw - 1, ST_NORMAL,
		    canvas_glyph(cv, G_VLINE), 1);
	}
	canvas_put(cv, y0, x0, ST_NORMAL, canvas_glyph(cv, G_TL), 1);
	canvas_put(cv, y0, x0 + bw - 1, ST_NORMAL, canvas_glyph(cv, G_TR), 1);
	canvas_put(cv, y0 + bh - 1, x0, ST_NORMAL, canvas_glyph(cv, G_BL), 1);
	canvas_put(cv, y0 + bh - 1, x0 + bw - 1, ST_NORMAL,
	    canvas_glyph(cv, G_BR), 1);
	for (i = 0; i < n && i + 1 < bh - 1; i++)
		canvas_put(cv, y0 + 1 + i, x0 + 2, i == 0 ? ST_BOLD :
		    ST_NORMAL, view_help_lines[i], bw - 4);
}

void
view_init(struct view_state *vs)
{
	memset(vs, 0, sizeof(*vs));
	vs->cur = VIEW_PEERS;
}

void
view_draw(struct canvas *cv, const struct model *m, struct view_state *vs,
    double now)
{
	int y;

	canvas_clear(cv);
	if (cv->w < VIEW_MIN_W || cv->h < VIEW_MIN_H) {
		canvas_printf(cv, 0, 0, ST_ALERT, -1, "terminal too small: "
		    "%dx%d", cv->w, cv->h);
		canvas_printf(cv, 1, 0, ST_NORMAL, -1, "argo-top needs %dx%d",
		    VIEW_MIN_W, VIEW_MIN_H);
		canvas_put(cv, 2, 0, ST_DIM, "q quits", -1);
		return;
	}
	view_title_bar(cv, m, 0);
	view_tab_bar(cv, m, vs, 1);
	view_body(cv, m, vs, vs->cur, 2, cv->h - 3);
	/* what is left from before a disconnection is shown, but greyed */
	if (m->conn != MODEL_CONNECTED && !view_kinds[vs->cur]->log)
		for (y = 3; y < cv->h - 1; y++)
			canvas_style(cv, y, 0, cv->w, ST_DIM);
	view_status_bar(cv, m, cv->h - 1, now);
	if (vs->help)
		view_help_box(cv);
}

void
view_batch(struct canvas *cv, const struct model *m, struct view_state *vs,
    enum view_id which)
{
	int v, y;

	canvas_clear(cv);
	view_title_bar(cv, m, 0);
	y = 2;
	for (v = 0; v < VIEW_COUNT; v++) {
		if (which != VIEW_COUNT && v != (int)which)
			continue;
		canvas_put(cv, y++, 0, ST_BOLD, view_kinds[v]->title, -1);
		y += view_body(cv, m, vs, (enum view_id)v, y, -1);
		y++;
	}
}

int
view_key(struct view_state *vs, int key)
{
	const struct view_kind *k = view_kinds[vs->cur];
	int *scroll = &vs->scroll[vs->cur], page;
	int back = k->log ? -1 : 1;

	page = vs->page > 1 ? vs->page - 1 : 1;
	if (vs->help) {
		vs->help = 0;
		return 1;
	}
	switch (key) {
	case '1': case 'p':
		vs->cur = VIEW_PEERS;
		break;
	case '2': case 'm':
		vs->cur = VIEW_MATRIX;
		break;
	case '3': case 'r':
		vs->cur = VIEW_ROUTES;
		break;
	case '4': case 'e':
		vs->cur = VIEW_EVENTS;
		break;
	case '5': case 'c':	/* caches */
		vs->cur = VIEW_TIERS;
		break;
	case VK_TAB:
		vs->cur = (vs->cur + 1) % VIEW_COUNT;
		break;
	case VK_BTAB:
		vs->cur = (vs->cur + VIEW_COUNT - 1) % VIEW_COUNT;
		break;
	case '?': case 'h': case VK_F1:
		vs->help = 1;
		break;
	case 's':
		if (k->table == NULL)
			return 0;
		vs->sort[vs->cur] = top_table_next_sortable(k->table,
		    vs->sort[vs->cur]);
		break;
	case 'S':
		if (k->table == NULL)
			return 0;
		vs->reverse[vs->cur] = !vs->reverse[vs->cur];
		break;
	case 't':
		/* the Matrix's, but it works from any view */
		vs->matrix_loss = !vs->matrix_loss;
		break;
	case VK_UP: case 'k':
		*scroll -= back;
		break;
	case VK_DOWN: case 'j':
		*scroll += back;
		break;
	case VK_PGUP:
		*scroll -= back * page;
		break;
	case VK_PGDN:
		*scroll += back * page;
		break;
	case VK_HOME: case 'g':
		*scroll = back > 0 ? 0 : INT_MAX / 2;
		break;
	case VK_END: case 'G':
		*scroll = back > 0 ? INT_MAX / 2 : 0;
		break;
	default:
		if (k->key == NULL || !k->key(vs, key))
			return 0;
		break;
	}
	if (*scroll < 0)
		*scroll = 0;
	return 1;
}
