/*
 * The JSON status socket's transport (DESIGN.md decision 8,
 * man/argoctl.8); what the lines say is ctl-cmd.c's business.
 *
 * Model. A listening UNIX stream socket accepts up to CTL_MAX_CLIENTS
 * clients. Every client gets a banner, then sends newline-delimited JSON
 * requests; each request line produces exactly one reply line, in order.
 * A client that sent "monitor" also receives event lines, interleaved with
 * its replies. Nothing here ever blocks: input is read in chunks as it
 * arrives, output is queued per client and drained by an EV_WRITE watcher,
 * and a client whose queue grows past max_output is disconnected, so a
 * stuck reader costs the daemon at most max_output bytes of memory and
 * never a stall. Every byte leaves through ctl_send().
 *
 * Lockout (issue 13). Any user who may open the socket could otherwise
 * hold every slot. So: a uid other than root and the daemon's own holds
 * at most max_per_uid connections; the last CTL_RESERVED_CLIENTS slots
 * are kept for root and the daemon's uid, which are limited only by the
 * total; a client that sends no complete request for idle_timeout is
 * closed (a monitor subscriber is exempt: waiting for events is what it
 * is for), and so is one whose queued output makes no progress for
 * idle_timeout (a monitor that never reads, before it reaches
 * max_output). Every refusal and cut is a JSON error line, then close.
 *
 * Reentrancy. A request may run a hook (reload) that reconfigures the
 * engine, which emits events that are broadcast to monitor clients (the
 * requesting client among them) or even closes this ctl. Clients and the
 * ctl are therefore only unlinked while a request is being handled and
 * freed when the handler has returned ("busy" and "depth" below).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "ctl.h"
#include "ctl-cmd.h"
#include "ctl-proto.h"
#include "log.h"

/*
 * Requests handled per wakeup are bounded by the bytes read per wakeup: a
 * 4 KiB read holds at most ~240 requests, so a client that pipelines
 * requests delays probe replies and timers behind it only briefly.
 */
#define CTL_READ_CHUNK		4096
#define CTL_BACKLOG		16
#define CTL_ACCEPT_BURST	16	/* accepts per wakeup */
#define CTL_ACCEPT_PAUSE	1.0	/* s without accepting after EMFILE */
#define CTL_KEEP_BUFFER		65536	/* keep smaller buffers when idle */

struct ctl_client {
	TAILQ_ENTRY(ctl_client)	 entry;
	struct ctl		*ctl;
	int			 fd;
	long			 pid;		/* SO_PEERCRED, for log lines */
	uid_t			 uid;		/* SO_PEERCRED, for limits */
	int			 privileged;	/* root or our own uid */
	ev_io			 rio, wio;
	ev_timer		 idle;
	ev_tstamp		 last_request;	/* or connect */
	ev_tstamp		 last_output;	/* send progress, or queueing
						   into an empty queue */
	int			 monitor;
	int			 eof;		/* peer shut down its side */
	int			 discard;	/* inside an oversize line */
	int			 busy;		/* handling a request */
	int			 dead;		/* unlinked, free when !busy */
	char			*in;		/* partial request line */
	size_t			 inlen, incap;
	char			*out;		/* queued output */
	size_t			 outoff, outlen, outcap;
};

struct ctl {
	struct ev_loop		*loop;
	char			*path;
	dev_t			 dev;		/* of the socket file we made */
	ino_t			 ino;
	int			 fd;
	ev_io			 lio;
	ev_timer		 pause;
	int			 ro;
	size_t			 max_output;
	struct ctl_limits	 lim;
	struct engine		*e;
	struct kern		*kern;		/* NULL: no forwarding layer */
	struct lmcheck		*lm;		/* NULL: no origin checks */
	struct ctl_hooks	 hooks;
	uint64_t		(*clock)(void);
	TAILQ_HEAD(, ctl_client) clients;
	size_t			 nclients;
	size_t			 nmonitor;
	int			 depth;		/* requests being handled */
	int			 closing;	/* ctl_close() ran during one */
	struct log_limit	 loglim;
};

static void	client_kill(struct ctl_client *);
static void	client_write(struct ctl_client *, const char *, size_t);
static void	client_idle_arm(struct ctl_client *);

static uint64_t
ctl_now(const struct ctl *ctl)
{
	return ctl->clock != NULL ? ctl->clock() : 0;
}

/*
 * Output. ctl_send() is the one send loop: as much of buf as the socket
 * takes now. Returns the bytes sent, or -1 (errno set) when the
 * connection is broken.
 */
static ssize_t
ctl_send(int fd, const char *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = send(fd, buf + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		off += (size_t)n;
	}
	return (ssize_t)off;
}

/* Returns -1 when the client was killed. */
static int
client_flush(struct ctl_client *c)
{
	ssize_t n;

	n = ctl_send(c->fd, c->out + c->outoff, c->outlen - c->outoff);
	if (n == -1) {
		log_debug("control client pid %ld: send: %s", c->pid,
		    strerror(errno));
		client_kill(c);
		return -1;
	}
	if (n > 0)
		c->last_output = ev_now(c->ctl->loop);
	c->outoff += (size_t)n;
	if (c->outoff < c->outlen) {
		ev_io_start(c->ctl->loop, &c->wio);
		return 0;
	}
	ev_io_stop(c->ctl->loop, &c->wio);
	c->outoff = c->outlen = 0;
	/* give back what a large reply (a big matrix) made us allocate */
	if (c->outcap > CTL_KEEP_BUFFER) {
		free(c->out);
		c->out = NULL;
		c->outcap = 0;
	}
	if (c->eof) {
		log_debug("control client pid %ld: done", c->pid);
		client_kill(c);
		return -1;
	}
	return 0;
}

/* Queue one line (a newline is added) and try to send it at once. */
static void
client_write(struct ctl_client *c, const char *s, size_t len)
{
	struct ctl *ctl = c->ctl;
	uint64_t suppressed;
	size_t need, queued;

	if (c->dead)
		return;
	if (c->outoff > 0 && c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	/* a stall is counted from when output first waits */
	if (c->outoff == c->outlen)
		c->last_output = ev_now(ctl->loop);
	need = c->outlen + len + 1;
	if (need > c->outcap && c->outoff > 0) {
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
		need = c->outlen + len + 1;
	}
	if (need > c->outcap) {
		c->outcap = c->outcap ? c->outcap : 4096;
		while (c->outcap < need)
			c->outcap *= 2;
		c->out = xreallocarray(c->out, c->outcap, 1);
	}
	memcpy(c->out + c->outlen, s, len);
	c->out[c->outlen + len] = '\n';
	c->outlen += len + 1;

	if (client_flush(c) == -1)
		return;
	queued = c->outlen - c->outoff;
	if (queued > ctl->max_output) {
		if (log_ratelimited(&ctl->loglim, ctl_now(ctl), &suppressed))
			log_warnx("control %s: client pid %ld is not reading: "
			    "%zu bytes queued (limit %zu), disconnecting%s",
			    ctl->path, c->pid, queued, ctl->max_output,
			    suppressed ? " (similar messages suppressed)" : "");
		client_kill(c);
	}
}

/* Queue a line made by ctl-cmd.c and free it; NULL could not be made. */
static void
client_send(struct ctl_client *c, char *line)
{
	if (line == NULL) {
		client_kill(c);
		return;
	}
	client_write(c, line, strlen(line));
	free(line);
}

static void
client_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *c = w->data;

	client_flush(c);
}

/*
 * Input.
 */
static void
client_request(struct ctl_client *c, const char *line, size_t len)
{
	struct ctl *ctl = c->ctl;
	struct ctl_cmd_ctx x;
	char *reply;

	memset(&x, 0, sizeof(x));
	x.e = ctl->e;
	x.kern = ctl->kern;
	x.lm = ctl->lm;
	x.hooks = ctl->hooks;
	x.now = ctl_now(ctl);
	x.ro = ctl->ro;
	c->last_request = ev_now(ctl->loop);
	reply = ctl_cmd_request(&x, line, len);
	/* events from now on, the first after this very reply */
	if (x.monitor && !c->monitor && !c->dead) {
		c->monitor = 1;
		ctl->nmonitor++;
	}
	client_send(c, reply);
}

static void
client_line(struct ctl_client *c, const char *line, size_t len)
{
	size_t i;

	/* tolerate CRLF from interactive tools */
	if (len > 0 && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t')
			break;
	if (i == len)
		return;
	client_request(c, line, len);
}

static void
client_too_long(struct ctl_client *c)
{
	client_send(c, ctl_cmd_error(CTL_ERR_TOO_LONG));
	c->inlen = 0;
	free(c->in);
	c->in = NULL;
	c->incap = 0;
}

static void
client_append(struct ctl_client *c, const char *p, size_t n)
{
	size_t need = c->inlen + n;

	if (need > c->incap) {
		c->incap = c->incap ? c->incap : 1024;
		while (c->incap < need)
			c->incap *= 2;
		c->in = xreallocarray(c->in, c->incap, 1);
	}
	memcpy(c->in + c->inlen, p, n);
	c->inlen += n;
}

/* Split input into lines; a line never grows past CTL_MAX_REQUEST. */
static void
client_input(struct ctl_client *c, const char *p, size_t n)
{
	const char *nl;
	size_t len;

	while (n > 0 && !c->dead) {
		nl = memchr(p, '\n', n);
		len = nl != NULL ? (size_t)(nl - p) : n;
		if (c->discard) {
			/* the rest of a line that was already refused */
		} else if (c->inlen + len > CTL_MAX_REQUEST) {
			client_too_long(c);
			c->discard = 1;
		} else if (nl == NULL) {
			client_append(c, p, len);
		} else if (c->inlen == 0) {
			client_line(c, p, len);
		} else {
			client_append(c, p, len);
			client_line(c, c->in, c->inlen);
			c->inlen = 0;
		}
		if (nl == NULL)
			break;
		c->discard = 0;
		p = nl + 1;
		n -= len + 1;
	}
}

static void
client_free(struct ctl_client *c)
{
	free(c->in);
	free(c->out);
	free(c);
}

/* Unlink and close now; free now unless a request is being handled. */
static void
client_kill(struct ctl_client *c)
{
	struct ctl *ctl = c->ctl;

	if (c->dead)
		return;
	c->dead = 1;
	ev_io_stop(ctl->loop, &c->rio);
	ev_io_stop(ctl->loop, &c->wio);
	ev_timer_stop(ctl->loop, &c->idle);
	close(c->fd);
	c->fd = -1;
	TAILQ_REMOVE(&ctl->clients, c, entry);
	ctl->nclients--;
	if (c->monitor)
		ctl->nmonitor--;
	if (!c->busy)
		client_free(c);
}

static void ctl_free(struct ctl *);

static void
client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *c = w->data;
	struct ctl *ctl = c->ctl;
	char buf[CTL_READ_CHUNK];
	ssize_t n;

	n = recv(c->fd, buf, sizeof(buf), 0);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		log_debug("control client pid %ld: recv: %s", c->pid,
		    strerror(errno));
		client_kill(c);
		return;
	}
	if (n == 0) {
		/* half-close: finish writing what was asked for, then go */
		c->eof = 1;
		ev_io_stop(loop, &c->rio);
		if (c->outoff == c->outlen)
			client_flush(c);
		return;
	}

	c->busy = 1;
	ctl->depth++;
	client_input(c, buf, (size_t)n);
	ctl->depth--;
	c->busy = 0;
	if (c->dead)
		client_free(c);
	if (ctl->closing && ctl->depth == 0)
		ctl_free(ctl);
}

/*
 * Timeouts. One timer per client, re-armed lazily: activity only records
 * a time stamp, and the timer, when it fires, works out whether the
 * client really is overdue or when to look again.
 */
static void
client_cut(struct ctl_client *c, const char *why)
{
	struct ctl *ctl = c->ctl;
	uint64_t suppressed;
	char *line;

	if (log_ratelimited(&ctl->loglim, ctl_now(ctl), &suppressed))
		log_warnx("control %s: client pid %ld uid %ld: %s, "
		    "disconnecting%s", ctl->path, c->pid,
		    c->uid == (uid_t)-1 ? -1L : (long)c->uid, why,
		    suppressed ? " (similar messages suppressed)" : "");
	/* only into an empty queue: behind other output it would not fit */
	if (c->outoff == c->outlen &&
	    (line = ctl_cmd_error(why)) != NULL) {
		if (ctl_send(c->fd, line, strlen(line)) == (ssize_t)strlen(line))
			(void)ctl_send(c->fd, "\n", 1);
		free(line);
	}
	client_kill(c);
}

static void
client_idle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl_client *c = w->data;
	ev_tstamp to = c->ctl->lim.idle_timeout, now = ev_now(loop), due;

	if (c->outoff < c->outlen) {
		due = c->last_output + to;
		if (now >= due) {
			client_cut(c, CTL_ERR_STALLED);
			return;
		}
	} else if (!c->monitor && !c->eof) {
		due = c->last_request + to;
		if (now >= due) {
			client_cut(c, CTL_ERR_IDLE);
			return;
		}
	} else
		due = now + to;		/* a quiet monitor: look again */
	ev_timer_set(w, due - now, 0.);
	ev_timer_start(loop, w);
}

static void
client_idle_arm(struct ctl_client *c)
{
	struct ctl *ctl = c->ctl;

	ev_timer_stop(ctl->loop, &c->idle);
	if (c->dead || ctl->lim.idle_timeout <= 0)
		return;
	/* the callback decides; a changed timeout applies from now on */
	ev_timer_set(&c->idle, 0., 0.);
	ev_timer_start(ctl->loop, &c->idle);
}

/*
 * Admission: NULL, or the error a new client of this uid is refused with.
 */
static const char *
ctl_admit(const struct ctl *ctl, uid_t uid, int privileged)
{
	const struct ctl_client *c;
	unsigned same = 0;

	if (ctl->nclients >= CTL_MAX_CLIENTS)
		return CTL_ERR_TOO_MANY;
	if (privileged)
		return NULL;
	if (ctl->nclients >= CTL_MAX_CLIENTS - CTL_RESERVED_CLIENTS)
		return CTL_ERR_TOO_MANY;
	TAILQ_FOREACH(c, &ctl->clients, entry)
		if (c->uid == uid)
			same++;
	if (same >= ctl->lim.max_per_uid)
		return CTL_ERR_TOO_MANY_UID;
	return NULL;
}

static void
client_new(struct ctl *ctl, int fd, long pid, uid_t uid, int privileged)
{
	struct ctl_client *c;

	c = xcalloc(1, sizeof(*c));
	c->ctl = ctl;
	c->fd = fd;
	c->pid = pid;
	c->uid = uid;
	c->privileged = privileged;
	c->last_request = c->last_output = ev_now(ctl->loop);
	ev_io_init(&c->rio, client_read_cb, fd, EV_READ);
	ev_io_init(&c->wio, client_write_cb, fd, EV_WRITE);
	ev_timer_init(&c->idle, client_idle_cb, 0., 0.);
	c->rio.data = c;
	c->wio.data = c;
	c->idle.data = c;
	TAILQ_INSERT_TAIL(&ctl->clients, c, entry);
	ctl->nclients++;
	ev_io_start(ctl->loop, &c->rio);
	if (ctl->lim.idle_timeout > 0) {
		ev_timer_set(&c->idle, ctl->lim.idle_timeout, 0.);
		ev_timer_start(ctl->loop, &c->idle);
	}
	log_debug("control %s: client pid %ld uid %ld connected", ctl->path,
	    c->pid, uid == (uid_t)-1 ? -1L : (long)uid);

	client_send(c, ctl_cmd_banner(ctl->e, ctl->ro));
}

static void
ctl_pause_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl *ctl = w->data;

	ev_io_start(loop, &ctl->lio);
}

static void
ctl_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl *ctl = w->data;
	struct ucred cred;
	socklen_t len;
	uint64_t suppressed;
	const char *why;
	char *full;
	int fd, i, privileged;

	for (i = 0; i < CTL_ACCEPT_BURST; i++) {
		fd = accept4(ctl->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (log_ratelimited(&ctl->loglim, ctl_now(ctl),
			    &suppressed))
				log_warn("control %s: accept", ctl->path);
			/*
			 * Out of descriptors: the socket stays readable, so
			 * stop listening for a while instead of spinning.
			 */
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				ev_io_stop(loop, &ctl->lio);
				ev_timer_set(&ctl->pause, CTL_ACCEPT_PAUSE, 0.);
				ev_timer_start(loop, &ctl->pause);
			}
			return;
		}
		cred.pid = 0;
		cred.uid = (uid_t)-1;
		len = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
			cred.uid = (uid_t)-1;	/* nobody we know */
		privileged = cred.uid == 0 || cred.uid == geteuid();
		if ((why = ctl_admit(ctl, cred.uid, privileged)) != NULL) {
			if (log_ratelimited(&ctl->loglim, ctl_now(ctl),
			    &suppressed))
				log_warnx("control %s: refused pid %ld uid %ld: "
				    "%s (%d clients, %u per user, %d kept for "
				    "root)%s", ctl->path, (long)cred.pid,
				    cred.uid == (uid_t)-1 ? -1L :
				    (long)cred.uid, why, CTL_MAX_CLIENTS,
				    ctl->lim.max_per_uid, CTL_RESERVED_CLIENTS,
				    suppressed ?
				    " (similar messages suppressed)" : "");
			/* one try: the line is far below the socket buffer */
			if ((full = ctl_cmd_error(why)) != NULL &&
			    ctl_send(fd, full, strlen(full)) != -1)
				(void)ctl_send(fd, "\n", 1);
			free(full);
			close(fd);
			continue;
		}
		client_new(ctl, fd, cred.pid > 0 ? (long)cred.pid : -1,
		    cred.uid, privileged);
	}
}

/*
 * Opening and closing.
 */
static int
ctl_mkparent(const char *path)
{
	char *dir, *p;
	int last, rc = 0;

	dir = xstrdup(path);
	if ((p = strrchr(dir, '/')) == NULL || p == dir)
		goto out;
	*p = '\0';
	for (p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		last = *p == '\0';
		*p = '\0';
		if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
			log_warn("control: mkdir %s", dir);
			rc = -1;
			goto out;
		}
		if (last)
			break;
		*p = '/';
	}
out:
	free(dir);
	return rc;
}

/*
 * Remove a socket file left by a dead daemon, but never one that another
 * daemon still listens on, and never a file that is not a socket.
 */
static int
ctl_unlink_stale(const char *path, const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		log_warn("control: %s", path);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_warnx("control: %s exists and is not a socket", path);
		errno = EEXIST;
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("control: socket");
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	/* EAGAIN: a full backlog, so somebody is listening */
	if (rc == 0 || errno == EAGAIN) {
		close(fd);
		log_warnx("control: %s is in use by a running daemon", path);
		errno = EADDRINUSE;
		return -1;
	}
	close(fd);
	if (unlink(path) == -1 && errno != ENOENT) {
		log_warn("control: unlink %s", path);
		return -1;
	}
	return 0;
}

struct ctl *
ctl_open(struct ev_loop *loop, const char *path, unsigned mode, int ro,
    size_t max_output, struct engine *e, const struct ctl_hooks *hooks,
    uint64_t (*clock)(void))
{
	struct sockaddr_un sun;
	struct stat st;
	struct ctl *ctl;
	mode_t old;
	int fd, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control: %s: path too long", path);
		errno = ENAMETOOLONG;
		return NULL;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);

	if (ctl_mkparent(path) == -1 || ctl_unlink_stale(path, &sun) == -1)
		return NULL;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("control: socket");
		return NULL;
	}
	/* the file is created with the final mode: no window where it is
	 * more open than asked */
	old = umask(~mode & 0777);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		umask(old);
		errno = saved;
		log_warn("control: bind %s", path);
		goto fail;
	}
	umask(old);
	if (chmod(path, mode & 07777) == -1 || lstat(path, &st) == -1) {
		log_warn("control: chmod %s", path);
		goto fail_unlink;
	}
	if (listen(fd, CTL_BACKLOG) == -1) {
		log_warn("control: listen %s", path);
		goto fail_unlink;
	}

	ctl = xcalloc(1, sizeof(*ctl));
	ctl->loop = loop;
	ctl->path = xstrdup(path);
	ctl->dev = st.st_dev;
	ctl->ino = st.st_ino;
	ctl->fd = fd;
	ctl->ro = ro;
	ctl->max_output = max_output ? max_output : CTL_DEFAULT_MAX_OUTPUT;
	ctl->lim.idle_timeout = CTL_DEFAULT_IDLE_TIMEOUT;
	ctl->lim.max_per_uid = CTL_DEFAULT_MAX_PER_UID;
	ctl->e = e;
	if (hooks != NULL)
		ctl->hooks = *hooks;
	ctl->clock = clock;
	TAILQ_INIT(&ctl->clients);
	ctl_cmd_started(ctl_now(ctl));
	ev_io_init(&ctl->lio, ctl_accept_cb, fd, EV_READ);
	ctl->lio.data = ctl;
	ev_timer_init(&ctl->pause, ctl_pause_cb, CTL_ACCEPT_PAUSE, 0.);
	ctl->pause.data = ctl;
	ev_io_start(loop, &ctl->lio);
	log_debug("control: listening on %s (mode %03o%s)", path, mode,
	    ro ? ", read-only" : "");
	return ctl;

fail_unlink:
	saved = errno;
	unlink(path);
	errno = saved;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return NULL;
}

static void
ctl_free(struct ctl *ctl)
{
	free(ctl->path);
	free(ctl);
}

void
ctl_close(struct ctl *ctl)
{
	struct stat st;

	if (ctl == NULL || ctl->closing)
		return;
	while (!TAILQ_EMPTY(&ctl->clients))
		client_kill(TAILQ_FIRST(&ctl->clients));
	ev_io_stop(ctl->loop, &ctl->lio);
	ev_timer_stop(ctl->loop, &ctl->pause);
	close(ctl->fd);
	/* a newer instance may already have bound the same path */
	if (lstat(ctl->path, &st) == 0 && st.st_dev == ctl->dev &&
	    st.st_ino == ctl->ino)
		unlink(ctl->path);
	ctl->closing = 1;
	if (ctl->depth == 0)
		ctl_free(ctl);
}

void
ctl_set_kern(struct ctl *ctl, struct kern *k)
{
	ctl->kern = k;
}

void
ctl_set_lastmile(struct ctl *ctl, struct lmcheck *lm)
{
	ctl->lm = lm;
}

void
ctl_set_engine(struct ctl *ctl, struct engine *e)
{
	ctl->e = e;
}

void
ctl_set_max_output(struct ctl *ctl, size_t max_output)
{
	ctl->max_output = max_output ? max_output : CTL_DEFAULT_MAX_OUTPUT;
}

void
ctl_set_limits(struct ctl *ctl, const struct ctl_limits *lim)
{
	struct ctl_client *c;

	ctl->lim = *lim;
	if (ctl->lim.max_per_uid == 0)
		ctl->lim.max_per_uid = CTL_DEFAULT_MAX_PER_UID;
	TAILQ_FOREACH(c, &ctl->clients, entry)
		client_idle_arm(c);
}

/*
 * Events, encoded once and queued to every monitor client.
 */
static void
ctl_broadcast(struct ctl *ctl, char *line)
{
	struct ctl_client *c, *next;
	size_t len;

	if (line == NULL)
		return;
	len = strlen(line);
	for (c = TAILQ_FIRST(&ctl->clients); c != NULL; c = next) {
		/* client_write() may unlink c, and only c */
		next = TAILQ_NEXT(c, entry);
		if (c->monitor)
			client_write(c, line, len);
	}
	free(line);
}

static int
ctl_monitored(const struct ctl *ctl)
{
	return ctl != NULL && ctl->nmonitor > 0 && !ctl->closing;
}

void
ctl_link_event(struct ctl *ctl, const struct engine_link_event *le)
{
	if (ctl_monitored(ctl))
		ctl_broadcast(ctl, ctl_cmd_link_event(le, ctl_now(ctl)));
}

void
ctl_origin_event(struct ctl *ctl, const struct lmcheck_event *oe)
{
	if (ctl_monitored(ctl))
		ctl_broadcast(ctl, ctl_cmd_origin_event(oe, ctl_now(ctl)));
}

void
ctl_tier_event(struct ctl *ctl, const struct engine_tier_event *te)
{
	if (ctl_monitored(ctl))
		ctl_broadcast(ctl, ctl_cmd_tier_event(ctl->e, te,
		    ctl_now(ctl)));
}

void
ctl_route_event(struct ctl *ctl, const struct engine_route_event *re)
{
	if (ctl_monitored(ctl))
		ctl_broadcast(ctl, ctl_cmd_route_event(ctl->e, re,
		    ctl_now(ctl)));
}
