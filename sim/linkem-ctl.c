/*
 * linkem-ctl.c: argo-linkem's control interface, through which tests show
 * and change links at run time (set, down, up, reset, quit), and the
 * client mode (-c) that speaks it from the command line (ctl_*).
 *
 * A UNIX stream socket carries newline-delimited text commands, each
 * answered by zero or more data lines and exactly one final line starting
 * with "ok" or "error:". The protocol is versioned in the banner sent on
 * connect. Nothing a control client sends can stop the emulator except
 * `quit`; a client that does not read its replies is cut off alone.
 */

#include "config.h"

#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "linkem.h"

/* Bump on any incompatible change of the control protocol. */
#define LINKEM_PROTO		1
#define STR1(x)			#x
#define STR(x)			STR1(x)
#define LINKEM_BANNER		"argo-linkem protocol " STR(LINKEM_PROTO)

#define CTL_LINE_MAX		1024
#define CTL_ARGS_MAX		32
#define CTL_OUT_MAX		(1024 * 1024)	/* a slower client is cut off */
#define CTL_CLIENTS_MAX		64

struct client {
	TAILQ_ENTRY(client) entry;
	struct src	 src;
	int		 fd;
	char		 in[CTL_LINE_MAX];
	size_t		 inlen;
	char		*out;
	size_t		 outlen, outcap;
	int		 cutoff;	/* queued too much: close at once */
	int		 discard;	/* skipping the tail of a long line */
	int		 want_out;	/* EPOLLOUT registered */
};

TAILQ_HEAD(client_list, client);

static struct client_list clients = TAILQ_HEAD_INITIALIZER(clients);
static size_t		 nclients;
static int		 epfd = -1, listen_fd = -1;	/* epfd: linkem.c's */
static struct src	 listen_src = { .type = SRC_LISTEN };

static void client_close(struct client *);

static void
client_update_events(struct client *c)
{
	struct epoll_event ev;
	int want = c->outlen > 0;

	if (want == c->want_out)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | (want ? EPOLLOUT : 0);
	ev.data.ptr = &c->src;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->want_out = want;
}

/* Returns -1 when the client is gone. */
static int
client_flush(struct client *c)
{
	ssize_t n;

	if (c->cutoff) {
		log_warnx("control: client does not read its replies, "
		    "closing it");
		client_close(c);
		return -1;
	}
	while (c->outlen > 0) {
		n = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				break;
			client_close(c);
			return -1;
		}
		memmove(c->out, c->out + n, c->outlen - (size_t)n);
		c->outlen -= (size_t)n;
	}
	client_update_events(c);
	return 0;
}

static void ARGO_PRINTF(2, 3)
client_printf(struct client *c, const char *fmt, ...)
{
	va_list ap;
	char line[CTL_LINE_MAX * 2];
	int n;
	size_t len, ncap;
	char *nout;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	if (c->outlen + len + 1 > CTL_OUT_MAX) {
		/* Stop queueing for a client that does not read. */
		c->cutoff = 1;
		return;
	}
	if (c->outlen + len + 1 > c->outcap) {
		ncap = c->outcap ? c->outcap : 4096;
		while (ncap < c->outlen + len + 1)
			ncap *= 2;
		if ((nout = realloc(c->out, ncap)) == NULL) {
			c->cutoff = 1;
			return;
		}
		c->out = nout;
		c->outcap = ncap;
	}
	memcpy(c->out + c->outlen, line, len);
	c->outlen += len;
	c->out[c->outlen++] = '\n';
}

static void
show_dir(struct client *c, struct dir *d, uint64_t now)
{
	struct link *l = d->link;
	char params[256];

	dir_param_format(params, sizeof(params), &d->p);
	client_printf(c, "link %s %s %s from=%s:%s to=%s:%s %s held=%u "
	    "waiting=%u passed=%" PRIu64 " bytes=%" PRIu64 " lost=%" PRIu64
	    " qdrop=%" PRIu64 " downdrop=%" PRIu64 " errors=%" PRIu64
	    " late_avg_us=%.1f late_p50_us=%.1f late_p99_us=%.1f"
	    " late_max_us=%.1f",
	    l->name, d->name, l->up ? "up" : "down",
	    l->ns[d->from], l->dev[d->from], l->ns[d->to], l->dev[d->to],
	    params, d->count, d->p.rate_kbit ? dir_waiting(d, now) : 0,
	    d->passed, d->passed_bytes, d->lost, d->qdrop, d->downdrop,
	    d->errors, d->passed ? (double)d->late_sum_ns / 1e3 /
	    (double)d->passed : 0.0, dir_late_quantile(d, 0.5),
	    dir_late_quantile(d, 0.99), (double)d->late_max_ns / 1e3);
}

static struct link *
ctl_link(struct client *c, const char *name)
{
	struct link *l;

	if ((l = link_find(name)) == NULL)
		client_printf(c, "error: no link '%.64s'", name);
	return l;
}

static void
cmd_show(struct client *c, int argc, char **argv)
{
	struct link *l;
	uint64_t now = mono_ns();
	size_t i;
	int lines = 0;

	if (argc == 2) {
		if ((l = ctl_link(c, argv[1])) == NULL)
			return;
		show_dir(c, &l->dir[0], now);
		show_dir(c, &l->dir[1], now);
		client_printf(c, "ok 2");
		return;
	}
	for (i = 0; i < nlinks; i++) {
		show_dir(c, &links[i].dir[0], now);
		show_dir(c, &links[i].dir[1], now);
		lines += 2;
	}
	client_printf(c, "ok %d", lines);
}

/*
 * set LINK DIR KEY VALUE [KEY VALUE ...]; "KEY=VALUE" is accepted too, so
 * the command-line syntax works here as well.
 */
static void
cmd_set(struct client *c, int argc, char **argv)
{
	struct link *l;
	struct dirparams np[2];
	char err[128], a[256], b[256], *key, *val, *eq;
	int i, d, from, to;

	if ((l = ctl_link(c, argv[1])) == NULL)
		return;
	if (strcmp(argv[2], "a2b") == 0)
		from = to = 0;
	else if (strcmp(argv[2], "b2a") == 0)
		from = to = 1;
	else if (strcmp(argv[2], "both") == 0) {
		from = 0;
		to = 1;
	} else {
		client_printf(c, "error: bad direction '%.32s' (a2b, b2a or "
		    "both)", argv[2]);
		return;
	}
	np[0] = l->dir[0].p;
	np[1] = l->dir[1].p;
	for (i = 3; i < argc; i++) {
		key = argv[i];
		if ((eq = strchr(key, '=')) != NULL) {
			*eq = '\0';
			val = eq + 1;
		} else if (i + 1 < argc)
			val = argv[++i];
		else {
			client_printf(c, "error: parameter '%.32s' without "
			    "a value", key);
			return;
		}
		for (d = from; d <= to; d++)
			if (dir_param_set(&np[d], key, val, err, sizeof(err)) ==
			    -1) {
				client_printf(c, "error: %s", err);
				return;
			}
	}
	for (d = from; d <= to; d++)
		l->dir[d].p = np[d];
	dir_param_format(a, sizeof(a), &l->dir[from].p);
	if (from == to)
		client_printf(c, "ok %s %s %s", l->name, l->dir[from].name, a);
	else {
		dir_param_format(b, sizeof(b), &l->dir[to].p);
		client_printf(c, "ok %s a2b %s; b2a %s", l->name, a, b);
	}
}

static void
cmd_down(struct client *c, int argc, char **argv)
{
	struct link *l;

	if ((l = ctl_link(c, argv[1])) == NULL)
		return;
	if (l->up)
		log_info("link %s down", l->name);
	l->up = 0;
	dir_flush(&l->dir[0]);
	dir_flush(&l->dir[1]);
	client_printf(c, "ok %s down", l->name);
}

static void
cmd_up(struct client *c, int argc, char **argv)
{
	struct link *l;

	if ((l = ctl_link(c, argv[1])) == NULL)
		return;
	if (!l->up)
		log_info("link %s up", l->name);
	l->up = 1;
	client_printf(c, "ok %s up", l->name);
}

static void
cmd_reset(struct client *c, int argc, char **argv)
{
	struct link *l;
	size_t i;

	if (argc == 2) {
		if ((l = ctl_link(c, argv[1])) == NULL)
			return;
		dir_reset_counters(&l->dir[0]);
		dir_reset_counters(&l->dir[1]);
	} else
		for (i = 0; i < nlinks; i++) {
			dir_reset_counters(&links[i].dir[0]);
			dir_reset_counters(&links[i].dir[1]);
		}
	client_printf(c, "ok counters reset");
}

static void
cmd_quit(struct client *c, int argc, char **argv)
{
	quit_requested = 1;
	client_printf(c, "ok bye");
}

static void cmd_help(struct client *, int, char **);

/* Commands with their argument counts, the command word included. */
static const struct ctl_cmd {
	const char	*name;
	int		 min_args, max_args;
	void		(*fn)(struct client *, int, char **);
	const char	*usage;
} ctl_cmds[] = {
	{ "show",	1, 2,		 cmd_show,  "show [LINK]" },
	{ "set",	4, CTL_ARGS_MAX, cmd_set,
	    "set LINK a2b|b2a|both KEY VALUE ... (delay, jitter, loss, rate, "
	    "limit, queue)" },
	{ "down",	2, 2,		 cmd_down,  "down LINK" },
	{ "up",		2, 2,		 cmd_up,    "up LINK" },
	{ "reset",	1, 2,		 cmd_reset, "reset [LINK]" },
	{ "quit",	1, 1,		 cmd_quit,  "quit" },
	{ "help",	1, 1,		 cmd_help,  "help" },
};

static void
cmd_help(struct client *c, int argc, char **argv)
{
	size_t i;

	for (i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		client_printf(c, "usage: %s", ctl_cmds[i].usage);
	client_printf(c, "ok");
}

static void
ctl_dispatch(struct client *c, char *line)
{
	char *argv[CTL_ARGS_MAX + 1], *save = NULL, *tok;
	const struct ctl_cmd *cmd = NULL;
	size_t i;
	int argc = 0;

	for (tok = strtok_r(line, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		if (argc == CTL_ARGS_MAX) {
			client_printf(c, "error: too many arguments");
			return;
		}
		argv[argc++] = tok;
	}
	argv[argc] = NULL;
	if (argc == 0 || argv[0][0] == '#')
		return;		/* blank lines and comments need no reply */
	for (i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		if (strcmp(argv[0], ctl_cmds[i].name) == 0) {
			cmd = &ctl_cmds[i];
			break;
		}
	if (cmd == NULL) {
		client_printf(c, "error: unknown command '%.32s' (try help)",
		    argv[0]);
		return;
	}
	if (argc < cmd->min_args || argc > cmd->max_args) {
		client_printf(c, "error: usage: %s", cmd->usage);
		return;
	}
	log_debug("control: %s", argv[0]);
	cmd->fn(c, argc, argv);
}

static void
client_read(struct client *c)
{
	char *nl, *line;
	ssize_t n;
	size_t used;

	n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen,
	    MSG_DONTWAIT);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		client_close(c);
		return;
	}
	if (n == -1)
		return;
	c->inlen += (size_t)n;

	if (c->discard) {
		/* The rest of an overlong line, already answered. */
		if ((nl = memchr(c->in, '\n', c->inlen)) == NULL) {
			c->inlen = 0;
			return;
		}
		used = (size_t)(nl + 1 - c->in);
		memmove(c->in, nl + 1, c->inlen - used);
		c->inlen -= used;
		c->discard = 0;
	}
	line = c->in;
	while (!c->cutoff &&
	    (nl = memchr(line, '\n', c->inlen - (size_t)(line - c->in))) !=
	    NULL) {
		*nl = '\0';
		if (memchr(line, '\0', (size_t)(nl - line)) != NULL)
			client_printf(c, "error: NUL byte in command");
		else {
			if (nl > line && nl[-1] == '\r')
				nl[-1] = '\0';
			ctl_dispatch(c, line);
		}
		line = nl + 1;
	}
	used = (size_t)(line - c->in);
	memmove(c->in, line, c->inlen - used);
	c->inlen -= used;
	if (c->inlen == sizeof(c->in)) {
		client_printf(c, "error: line longer than %d bytes",
		    CTL_LINE_MAX - 1);
		c->inlen = 0;
		c->discard = 1;
	}
	client_flush(c);
}

void
ctl_accept(void)
{
	struct epoll_event ev;
	struct client *c;
	int fd;

	fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("accept");
		return;
	}
	if (nclients >= CTL_CLIENTS_MAX) {
		log_warnx("control: too many clients, refusing one");
		close(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->src.type = SRC_CLIENT;
	c->src.client = c;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &c->src;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
		log_warn("epoll_ctl");
		close(fd);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&clients, c, entry);
	nclients++;
	client_printf(c, "%s", LINKEM_BANNER);
	client_flush(c);
}

static void
client_close(struct client *c)
{
	epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	TAILQ_REMOVE(&clients, c, entry);
	nclients--;
	free(c->out);
	free(c);
}

int
ctl_listen(const char *path, int loop_fd)
{
	struct sockaddr_un sun;
	struct epoll_event ev;
	mode_t old;
	int fd, probe;

	epfd = loop_fd;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path) >=
	    sizeof(sun.sun_path)) {
		log_warnx("%s: control socket path too long", path);
		return -1;
	}
	/* A socket file nobody answers on is left over from a crash. */
	if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("socket");
		return -1;
	}
	if (connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		log_warnx("%s: another argo-linkem is listening", path);
		close(probe);
		return -1;
	}
	close(probe);
	unlink(path);

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("socket");
		return -1;
	}
	old = umask(077);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_warn("bind %s", path);
		umask(old);
		close(fd);
		return -1;
	}
	umask(old);
	if (listen(fd, 16) == -1) {
		log_warn("listen %s", path);
		close(fd);
		unlink(path);
		return -1;
	}
	listen_src.type = SRC_LISTEN;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &listen_src;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
		log_warn("epoll_ctl");
		close(fd);
		unlink(path);
		return -1;
	}
	listen_fd = fd;
	return 0;
}


/* The events of a client's fd, from the event loop. */
void
ctl_client_event(struct client *c, uint32_t events)
{
	/*
	 * A client is freed only by the handlers of its own fd, which has
	 * one event per batch.
	 */
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		client_read(c);
	else if (events & EPOLLOUT)
		client_flush(c);
}

/*
 * Closes every client, letting the last replies (say, "ok bye") reach
 * them, then the listening socket, whose file goes.
 */
void
ctl_close(const char *path)
{
	struct client *c;

	while ((c = TAILQ_FIRST(&clients)) != NULL) {
		if (c->outlen > 0)
			(void)send(c->fd, c->out, c->outlen,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
		client_close(c);
	}
	if (listen_fd != -1) {
		close(listen_fd);
		listen_fd = -1;
		unlink(path);
	}
}

/*
 * Client mode: one connection, each command answered before the next is
 * sent, the replies printed without the banner. Exit 0 when every reply
 * was "ok", 1 on an "error:" reply, 2 when the emulator cannot be reached.
 */

#define CLIENT_TIMEOUT_MS	10000

/* Reads one line into buf; -1 on EOF, error or timeout. */
static int
client_getline(int fd, char *buf, size_t len, char *pend, size_t *npend)
{
	struct pollfd pfd;
	char *nl;
	ssize_t n;
	size_t l;

	for (;;) {
		if ((nl = memchr(pend, '\n', *npend)) != NULL) {
			l = (size_t)(nl - pend);
			if (l >= len)
				l = len - 1;
			memcpy(buf, pend, l);
			buf[l] = '\0';
			l = (size_t)(nl - pend) + 1;
			memmove(pend, pend + l, *npend - l);
			*npend -= l;
			return 0;
		}
		if (*npend == CTL_LINE_MAX * 4) {
			log_warnx("reply line too long");
			return -1;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		if ((n = poll(&pfd, 1, CLIENT_TIMEOUT_MS)) <= 0) {
			if (n == 0)
				log_warnx("no reply within %d ms",
				    CLIENT_TIMEOUT_MS);
			else
				log_warn("poll");
			return -1;
		}
		n = read(fd, pend + *npend, CTL_LINE_MAX * 4 - *npend);
		if (n <= 0) {
			if (n == 0)
				log_warnx("connection closed by argo-linkem");
			else
				log_warn("read");
			return -1;
		}
		*npend += (size_t)n;
	}
}

int
ctl_client_main(const char *path, char **cmds, int ncmds)
{
	struct sockaddr_un sun;
	char line[CTL_LINE_MAX * 4], pend[CTL_LINE_MAX * 4];
	size_t npend = 0, len;
	int fd, i, ret = 0;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path) >=
	    sizeof(sun.sun_path)) {
		log_warnx("%s: control socket path too long", path);
		return 2;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("socket");
		return 2;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_warn("%s", path);
		close(fd);
		return 2;
	}
	if (client_getline(fd, line, sizeof(line), pend, &npend) == -1)
		goto broken;
	if (strncmp(line, "argo-linkem protocol ", 21) != 0 ||
	    atoi(line + 21) != LINKEM_PROTO) {
		log_warnx("%s: unexpected banner '%s' (want '%s')", path,
		    line, LINKEM_BANNER);
		goto broken;
	}
	for (i = 0; i < ncmds && ret == 0; i++) {
		len = strlen(cmds[i]);
		if (len == 0 || len >= CTL_LINE_MAX || strchr(cmds[i], '\n') ||
		    strspn(cmds[i], " \t") == len || cmds[i][0] == '#') {
			log_warnx("bad command '%s' (one non-empty line "
			    "please)", cmds[i]);
			close(fd);
			return 1;
		}
		if (send(fd, cmds[i], len, MSG_NOSIGNAL) != (ssize_t)len ||
		    send(fd, "\n", 1, MSG_NOSIGNAL) != 1) {
			log_warn("send");
			goto broken;
		}
		for (;;) {
			if (client_getline(fd, line, sizeof(line), pend,
			    &npend) == -1)
				goto broken;
			printf("%s\n", line);
			if (strncmp(line, "error:", 6) == 0) {
				ret = 1;
				break;
			}
			if (strcmp(line, "ok") == 0 ||
			    strncmp(line, "ok ", 3) == 0)
				break;
		}
	}
	fflush(stdout);
	close(fd);
	return ret;
broken:
	fflush(stdout);
	close(fd);
	return 2;
}

