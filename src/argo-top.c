/*
 * argo-top(1): a live terminal view of an argod PoP and of its overlay.
 *
 * The program is a poll(2) loop over the keyboard and one status-socket
 * connection. The modules, each with one prefix:
 *
 *	top-conn.c	conn_	the connection: monitor stream, periodic
 *				requests, reconnection; never blocks
 *	top-model.c	model_	what the replies and events say, plus RTT
 *				history and the event log
 *	top-view.c	view_	the screen around the views: title, tab
 *				and status bars, help, the shared keys
 *	top-view-*.c	view_	one file per view (peers, matrix, routes,
 *				events), each a struct view_kind
 *	top-table.c	top_table_
 *				the tables of the peers and routes views:
 *				layout, sorting, scrolling
 *	top-canvas.c	canvas_	a grid of styled cells
 *	top-screen.c	screen_	curses: the only module that touches it
 *
 * The protocol itself is decoded by ctlclient.c, shared with argoctl.
 * Batch mode (-b) runs the same loop without a terminal for a given
 * number of refreshes and prints the canvas as text.
 *
 * Every way out restores the terminal: q, SIGINT, SIGTERM, SIGHUP and
 * SIGQUIT end the loop normally; exit() runs screen_done() from atexit;
 * a crash signal restores the terminal as best it can before dying.
 */
#include "config.h"

#include <sys/ioctl.h>

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctlclient.h"
#include "log.h"
#include "top-canvas.h"
#include "top-conn.h"
#include "top-model.h"
#include "top-screen.h"
#include "top-view.h"

/* From conf.h; repeated so that argo-top does not depend on the parser. */
#ifndef CONF_DEFAULT_CONTROL
#define CONF_DEFAULT_CONTROL	"/run/argod/argod.sock"
#endif

#define EXIT_OK		0
#define EXIT_REPLY	1	/* batch: the daemon answered with an error */
#define EXIT_TROUBLE	2	/* usage, no connection, no terminal */

#define DEFAULT_DELAY	1.0	/* s between refreshes */
#define MIN_DELAY	0.1
#define MAX_DELAY	3600.0
#define FRAME_MIN	0.05	/* s between frames: bursts of events */
#define BATCH_SLACK	10.0	/* s beyond the refreshes batch mode waits */

/* What + and - step through. */
static const double delays[] = { 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60 };

static volatile sig_atomic_t got_signal;

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr, "usage: argo-top [-abm] [-d delay] [-n count] "
	    "[-s socket] [-v view] [-w width]\n"
	    "views: peers matrix routes events\n");
	exit(EXIT_TROUBLE);
}

static __attribute__((noreturn, format(printf, 1, 2))) void
trouble(const char *fmt, ...)
{
	va_list ap;

	screen_done();
	fflush(stdout);
	fprintf(stderr, "argo-top: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(EXIT_TROUBLE);
}

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
poll_timeout(double deadline, double now)
{
	double ms = ceil((deadline - now) * 1000);

	if (ms < 0)
		return 0;
	return ms > 60000 ? 60000 : (int)ms;
}

/*
 * Signals.
 */
static void
on_quit(int sig)
{
	got_signal = sig;
}

/*
 * A crash: give the terminal back, then die of the same signal. endwin()
 * is not async-signal-safe, but a terminal left in raw mode is worse
 * than a second fault here (which the reset handler turns into the
 * default action).
 */
static void
on_crash(int sig)
{
	screen_done();
	raise(sig);
}

static void
signals_init(void)
{
	static const int quit[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	static const int crash[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL,
	    SIGABRT };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: poll() must return to look at got_signal */
	sa.sa_handler = on_quit;
	for (i = 0; i < sizeof(quit) / sizeof(quit[0]); i++)
		sigaction(quit[i], &sa, NULL);
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND;
	for (i = 0; i < sizeof(crash) / sizeof(crash[0]); i++)
		sigaction(crash[i], &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	sigaction(SIGPIPE, &sa, NULL);
}

/* Die of the signal that ended the loop, now that the terminal is back. */
static void
resignal(void)
{
	int sig = got_signal;

	if (sig == 0)
		return;
	signal(sig, SIG_DFL);
	raise(sig);
}

static double
delay_step(double d, int dir)
{
	size_t i, n = sizeof(delays) / sizeof(delays[0]);

	if (dir < 0) {
		for (i = n; i-- > 0; )
			if (delays[i] < d - 1e-9)
				return delays[i];
		return delays[0] < d ? delays[0] : d;
	}
	for (i = 0; i < n; i++)
		if (delays[i] > d + 1e-9)
			return delays[i];
	return d;
}

/*
 * Interactive mode.
 */
static int
run_screen(struct model *m, struct conn *cn, struct view_state *vs,
    int ascii, int mono)
{
	struct pollfd pfd[1 + CONN_NPOLL];
	struct canvas cv;
	double now, deadline, last_frame = 0, tick;
	int w, h, k, npfd, dirty = 1, rc, quit = 0;

	if (screen_init(mono) == -1)
		trouble("no terminal to draw on (use -b for text output)");
	atexit(screen_done);
	screen_size(&w, &h);
	canvas_init(&cv, w, h, ascii);
	now = mono_now();
	conn_start(cn, now);

	while (!quit && !got_signal) {
		now = mono_now();
		/* Routes marks congested direct links from the matrix */
		cn->want_matrix = vs->cur == VIEW_MATRIX ||
		    vs->cur == VIEW_ROUTES;
		cn->want_tiers = vs->cur == VIEW_TIERS;
		/* the clocks on screen tick; a countdown ticks faster */
		tick = m->conn == MODEL_CONNECTED ? 1.0 : 0.25;
		if ((dirty && now - last_frame >= FRAME_MIN) ||
		    now - last_frame >= tick) {
			view_draw(&cv, m, vs, now);
			screen_draw(&cv);
			last_frame = now;
			dirty = 0;
		}
		deadline = last_frame + (dirty ? FRAME_MIN : tick);
		pfd[0].fd = screen_fd();
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		npfd = 1 + conn_pollfds(cn, pfd + 1, now, &deadline);
		rc = poll(pfd, (nfds_t)npfd, poll_timeout(deadline, now));
		if (rc == -1) {
			if (errno != EINTR)
				trouble("poll: %s", strerror(errno));
			for (k = 0; k < npfd; k++)
				pfd[k].revents = 0;
		}
		now = mono_now();

		/* after EINTR too: SIGWINCH shows up as KEY_RESIZE */
		while ((k = screen_key()) != -1) {
			dirty = 1;
			switch (k) {
			case 'q':
			case 'Q':
				/* like any key, q first closes the help */
				if (vs->help)
					view_key(vs, k);
				else
					quit = 1;
				break;
			case SCREEN_RESIZE:
				screen_size(&w, &h);
				canvas_resize(&cv, w, h);
				break;
			case 12:	/* ^L */
				screen_redraw();
				break;
			case ' ':
				conn_refresh(cn, now);
				break;
			case '+':
				m->delay = delay_step(m->delay, -1);
				conn_refresh(cn, now);
				break;
			case '-':
				m->delay = delay_step(m->delay, 1);
				break;
			default:
				view_key(vs, k);
				break;
			}
		}
		if (conn_dispatch(cn, pfd + 1, npfd - 1, now))
			dirty = 1;
	}
	canvas_free(&cv);
	screen_done();
	resignal();
	return EXIT_OK;
}

/*
 * Batch mode: count refreshes, then one screen as text.
 */
static int
run_batch(struct model *m, struct conn *cn, struct view_state *vs,
    int view, int width, unsigned long count, int ascii)
{
	struct pollfd pfd[CONN_NPOLL];
	struct canvas cv;
	double now, deadline, give_up, patience;
	int npfd, rc;

	now = mono_now();
	patience = CONN_TIMEOUT_MS / 1000.0 + (double)count * m->delay +
	    BATCH_SLACK;
	give_up = now + patience;
	cn->want_matrix = 1;
	cn->want_tiers = view == VIEW_TIERS || view == VIEW_COUNT;
	conn_start(cn, now);
	while (cn->rounds_done < count && !got_signal) {
		if (cn->failed) {
			if (cn->failed_errno == ENOENT ||
			    cn->failed_errno == ECONNREFUSED)
				trouble("%s \u2014 is argod running?",
				    m->conn_err);
			trouble("%s", m->conn_err);
		}
		if (now >= give_up)
			trouble("no complete answer from argod in %.0f s",
			    patience);
		deadline = give_up;
		npfd = conn_pollfds(cn, pfd, now, &deadline);
		rc = poll(pfd, (nfds_t)npfd, poll_timeout(deadline, now));
		if (rc == -1) {
			if (errno != EINTR)
				trouble("poll: %s", strerror(errno));
			continue;
		}
		now = mono_now();
		conn_dispatch(cn, pfd, npfd, now);
	}
	if (got_signal) {
		resignal();
		return EXIT_TROUBLE;
	}
	canvas_init(&cv, width, -1, ascii);
	view_batch(&cv, m, vs, (enum view_id)view);
	if (canvas_print(&cv, stdout) == -1 || fflush(stdout) == EOF)
		trouble("stdout: %s", strerror(errno));
	canvas_free(&cv);
	if (m->reply_err[0] != '\0') {
		fprintf(stderr, "argo-top: argod: %s\n", m->reply_err);
		return EXIT_REPLY;
	}
	return EXIT_OK;
}

static double
parse_num(const char *opt, const char *s, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi))
		trouble("-%s %s: expected a number from %g to %g", opt, s,
		    lo, hi);
	return v;
}

int
main(int argc, char *argv[])
{
	const char *sock = CONF_DEFAULT_CONTROL, *cs, *env;
	struct view_state vs;
	struct winsize ws;
	struct model m;
	struct conn cn;
	double delay = DEFAULT_DELAY;
	unsigned long count = 1;
	int ch, batch = 0, ascii = 0, mono = 0, view = -1, width = 0, rc;

	setlocale(LC_ALL, "");
	log_init("argo-top", LOG_TO_STDERR, 0);
	while ((ch = getopt(argc, argv, "1abd:mn:s:v:w:")) != -1) {
		switch (ch) {
		case '1':
		case 'b':
			batch = 1;
			break;
		case 'a':
			ascii = 1;
			break;
		case 'd':
			delay = parse_num("d", optarg, MIN_DELAY, MAX_DELAY);
			break;
		case 'm':
			mono = 1;
			break;
		case 'n':
			count = (unsigned long)parse_num("n", optarg, 1,
			    100000);
			break;
		case 's':
			sock = optarg;
			break;
		case 'v':
			if ((view = view_lookup(optarg)) == -1)
				trouble("-v %s: expected peers, matrix, routes "
				    "or events", optarg);
			break;
		case 'w':
			width = (int)parse_num("w", optarg, VIEW_MIN_W, 10000);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	/* UTF-8 glyphs only where the locale says the terminal takes them */
	cs = nl_langinfo(CODESET);
	if (cs == NULL || strcmp(cs, "UTF-8") != 0)
		ascii = 1;

	signals_init();
	model_init(&m, sock, delay);
	conn_init(&cn, &m, sock, batch);
	view_init(&vs);
	if (batch) {
		if (width == 0) {
			if (isatty(STDOUT_FILENO) &&
			    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
			    ws.ws_col >= VIEW_MIN_W)
				width = ws.ws_col;
			else if ((env = getenv("COLUMNS")) != NULL &&
			    atoi(env) >= VIEW_MIN_W && atoi(env) <= 10000)
				width = atoi(env);
			else
				width = 80;
		}
		rc = run_batch(&m, &cn, &vs, view == -1 ? VIEW_COUNT : view,
		    width, count, ascii);
	} else {
		if (view != -1)
			vs.cur = (enum view_id)view;
		rc = run_screen(&m, &cn, &vs, ascii, mono);
	}
	conn_free(&cn);
	model_free(&m);
	return rc;
}
