/*
 * The systemd notification protocol, spoken directly.
 *
 * The protocol is one datagram of newline-separated VAR=VALUE lines sent
 * to the AF_UNIX socket named by $NOTIFY_SOCKET: a path, or an abstract
 * name when it begins with '@' (sd_notify(3), "Notes", which documents it
 * as a stable interface meant to be reimplemented). Sending it ourselves
 * costs this file; linking libsystemd would add a library (and its
 * dependencies: liblzma, libzstd, libgcrypt...) to a daemon that holds
 * CAP_NET_ADMIN, for the sake of one sendto().
 *
 * What argod sends:
 *	READY=1		once the config is loaded and every socket is bound
 *			(listen, control), and again after each reload;
 *	RELOADING=1	with MONOTONIC_USEC= before a reload (SIGHUP or the
 *			reload command), so "systemctl reload" knows when
 *			the reload started and that READY=1 ends it;
 *	STATUS=		peers up and routes reachable, checked every
 *			STATUS_INTERVAL and sent only when it changed: a
 *			flapping link costs at most one datagram a second;
 *	WATCHDOG=1	every half $WATCHDOG_USEC, from a libev timer, so a
 *			wedged event loop stops the pings and systemd
 *			restarts the daemon; only if $WATCHDOG_PID is unset
 *			or names this process;
 *	STOPPING=1	on the way out.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "engine.h"
#include "log.h"
#include "notify.h"
#include "params.h"

#define STATUS_INTERVAL	1.0	/* seconds */
#define STATUS_MAX	256

static struct {
	int			 fd;
	struct sockaddr_un	 sun;
	socklen_t		 sunlen;
	struct ev_loop		*loop;
	const struct engine	*engine;
	ev_timer		 status_timer;
	ev_timer		 watchdog_timer;
	int			 watchdog;
	char			 status[STATUS_MAX];
	struct log_limit	 limit;
} n = { .fd = -1 };

static uint64_t
notify_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void
notify_send(const char *msg)
{
	uint64_t suppressed;

	if (n.fd == -1)
		return;
	if (sendto(n.fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&n.sun, n.sunlen) != -1)
		return;
	/* A watchdog ping every few seconds must not flood the log. */
	if (log_ratelimited(&n.limit, notify_mono_ns(), &suppressed))
		log_warn("notify: send to $NOTIFY_SOCKET%s",
		    suppressed ? " (repeated)" : "");
}

static void
notify_status_text(char *buf, size_t len)
{
	struct engine_peer_info pi;
	const struct engine_route *r;
	size_t i, np, nr, up = 0, cong = 0, reach = 0;

	np = engine_npeers(n.engine);
	for (i = 0; i < np; i++) {
		engine_peer(n.engine, i, &pi);
		if (pi.state == LINK_UP)
			up++;
		else if (pi.state == LINK_CONGESTED)
			cong++;
	}
	nr = engine_nroutes(n.engine);
	for (i = 0; i < nr; i++) {
		r = engine_route(n.engine, i);
		if (r->reachable)
			reach++;
	}
	snprintf(buf, len, "node %s: %zu/%zu peers up (%zu congested), "
	    "%zu/%zu routes reachable", engine_name(n.engine), up + cong, np,
	    cong, reach, nr);
}

/* Sends STATUS= when the text changed since the last one sent. */
static void
notify_status(void)
{
	char text[STATUS_MAX], msg[STATUS_MAX + 16];

	notify_status_text(text, sizeof(text));
	if (strcmp(text, n.status) == 0)
		return;
	snprintf(n.status, sizeof(n.status), "%s", text);
	snprintf(msg, sizeof(msg), "STATUS=%s", text);
	notify_send(msg);
}

static void
notify_status_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	notify_status();
}

static void
notify_watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	notify_send("WATCHDOG=1");
}

/* Half of $WATCHDOG_USEC in seconds, or 0 when there is no watchdog. */
static double
notify_watchdog_interval(void)
{
	const char *s, *pid;
	char *end;
	unsigned long long usec, p;

	if ((s = getenv("WATCHDOG_USEC")) == NULL)
		return 0;
	errno = 0;
	usec = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || usec == 0) {
		log_warnx("notify: WATCHDOG_USEC=%s is not a positive number "
		    "of microseconds; watchdog pings disabled", s);
		return 0;
	}
	if ((pid = getenv("WATCHDOG_PID")) != NULL) {
		errno = 0;
		p = strtoull(pid, &end, 10);
		if (errno != 0 || end == pid || *end != '\0') {
			log_warnx("notify: WATCHDOG_PID=%s is not a process "
			    "id; watchdog pings disabled", pid);
			return 0;
		}
		if (p != (unsigned long long)getpid()) {
			log_debug("notify: WATCHDOG_PID=%s is not us (%ld)",
			    pid, (long)getpid());
			return 0;
		}
	}
	return (double)usec / 2e6;
}

/* Fills n.sun from $NOTIFY_SOCKET; -1 with a logged reason. */
static int
notify_address(const char *path)
{
	size_t len = strlen(path);

	memset(&n.sun, 0, sizeof(n.sun));
	n.sun.sun_family = AF_UNIX;
	if (path[0] != '/' && path[0] != '@') {
		log_warnx("notify: NOTIFY_SOCKET=%s is neither an absolute "
		    "path nor an abstract '@' name; not notifying", path);
		return -1;
	}
	if (len < 2 || len >= sizeof(n.sun.sun_path)) {
		log_warnx("notify: NOTIFY_SOCKET=%s: bad length %zu; "
		    "not notifying", path, len);
		return -1;
	}
	memcpy(n.sun.sun_path, path, len);
	if (path[0] == '@')
		n.sun.sun_path[0] = '\0';	/* abstract: no terminator */
	else
		len++;
	n.sunlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	return 0;
}

void
notify_init(struct ev_loop *loop, const struct engine *e)
{
	const char *path;
	double wd;

	n.loop = loop;
	n.engine = e;
	if ((path = getenv("NOTIFY_SOCKET")) == NULL || *path == '\0')
		return;
	if (notify_address(path) == -1)
		return;
	n.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (n.fd == -1) {
		log_warn("notify: socket");
		return;
	}
	log_debug("notify: talking to %s", path);

	ev_timer_init(&n.status_timer, notify_status_cb, STATUS_INTERVAL,
	    STATUS_INTERVAL);
	ev_timer_start(loop, &n.status_timer);
	if ((wd = notify_watchdog_interval()) > 0) {
		ev_timer_init(&n.watchdog_timer, notify_watchdog_cb, wd, wd);
		ev_timer_start(loop, &n.watchdog_timer);
		n.watchdog = 1;
		log_debug("notify: watchdog ping every %.3f s", wd);
	}
}

void
notify_ready(void)
{
	char text[STATUS_MAX], msg[STATUS_MAX + 32];

	if (n.fd == -1)
		return;
	notify_status_text(text, sizeof(text));
	snprintf(n.status, sizeof(n.status), "%s", text);
	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", text);
	notify_send(msg);
}

void
notify_reloading(void)
{
	char msg[64];

	if (n.fd == -1)
		return;
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)(notify_mono_ns() / 1000));
	notify_send(msg);
}

void
notify_stopping(void)
{
	notify_send("STOPPING=1\nSTATUS=stopping");
}

void
notify_close(void)
{
	if (n.fd == -1)
		return;
	ev_timer_stop(n.loop, &n.status_timer);
	if (n.watchdog)
		ev_timer_stop(n.loop, &n.watchdog_timer);
	close(n.fd);
	n.fd = -1;
}
