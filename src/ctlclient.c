/*
 * The client side of the status protocol; see ctlclient.h for the model
 * and man/argoctl.8 for the protocol itself.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl-proto.h"
#include "ctlclient.h"

enum ctlc_state {
	CTLC_CONNECTING,	/* connect(2) not done */
	CTLC_BANNER,		/* connected, no banner yet */
	CTLC_READY,
	CTLC_FAILED,
};

struct ctlc {
	int			 fd;
	enum ctlc_state		 state;
	struct sockaddr_un	 sun;
	int			 inprogress;	/* await POLLOUT */
	int64_t			 retry_at;	/* EAGAIN: retry, ms */
	int64_t			 deadline;	/* ms, -1 none */
	int			 timeout_ms;
	int			 nonblock;	/* never wait to send */
	struct ctlc_lines	 in;
	json_t			*ahead;		/* messages read before asked */
	char			*out;		/* non-blocking: queued */
	size_t			 outoff, outlen;
	struct ctlc_banner	 banner;
	char			 err[CTLC_ERRLEN];
};

/*
 * Errors carry a message and an errno; errno is set last so that callers
 * can test it after any ctlc call that failed.
 */
static int
ctlc_fail(struct ctlc *c, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
ctlc_fail(struct ctlc *c, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	errno = errnum;
	return -1;
}

/*
 * Deadlines on the monotonic clock; timeout < 0 means none.
 */
static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
deadline(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

static int
remaining(int64_t dl)
{
	int64_t left;

	if (dl < 0)
		return -1;
	left = dl - now_ms();
	return left < 0 ? 0 : left > 0x7fffffff ? 0x7fffffff : (int)left;
}

/*
 * Line framing.
 */
void
ctlc_lines_init(struct ctlc_lines *l, size_t max)
{
	memset(l, 0, sizeof(*l));
	l->max = max ? max : CTLC_MAX_LINE;
}

void
ctlc_lines_free(struct ctlc_lines *l)
{
	free(l->buf);
	memset(l, 0, sizeof(*l));
}

int
ctlc_lines_feed(struct ctlc_lines *l, const void *p, size_t n)
{
	size_t need;
	char *nb;

	if (n == 0)
		return 0;
	if (l->off > 0) {
		memmove(l->buf, l->buf + l->off, l->len - l->off);
		l->len -= l->off;
		l->scan -= l->off;
		l->off = 0;
	}
	need = l->len + n;
	if (need > l->cap) {
		size_t cap = l->cap ? l->cap : 4096;

		while (cap < need)
			cap *= 2;
		if ((nb = realloc(l->buf, cap)) == NULL)
			return -1;
		l->buf = nb;
		l->cap = cap;
	}
	memcpy(l->buf + l->len, p, n);
	l->len += n;
	/* only the unterminated tail counts against the limit */
	if (l->len - l->off > l->max &&
	    memchr(l->buf + l->scan, '\n', l->len - l->scan) == NULL) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

int
ctlc_lines_next(struct ctlc_lines *l, json_t **out, char *err,
    size_t errlen)
{
	json_error_t jerr;
	char *start, *nl;
	size_t len, i;
	json_t *j;

	*out = NULL;
	if (l->buf == NULL)
		return 0;
	for (;;) {
		start = l->buf + l->off;
		nl = memchr(l->buf + l->scan, '\n', l->len - l->scan);
		if (nl == NULL) {
			l->scan = l->len;
			return 0;
		}
		len = (size_t)(nl - start);
		l->off += len + 1;
		l->scan = l->off;
		if (len > 0 && start[len - 1] == '\r')
			len--;
		for (i = 0; i < len; i++)
			if (start[i] != ' ' && start[i] != '\t')
				break;
		if (i < len)
			break;
	}
	if (l->off == l->len)
		l->off = l->len = l->scan = 0;

	j = json_loadb(start, len, 0, &jerr);
	if (j == NULL) {
		snprintf(err, errlen, "malformed JSON from argod: %s",
		    jerr.text);
		return -1;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		snprintf(err, errlen, "message from argod is not an object");
		return -1;
	}
	*out = j;
	return 1;
}

/*
 * Connection.
 */
static ssize_t
ctlc_recv(struct ctlc *c)
{
	char buf[65536];
	ssize_t n;

	do
		n = recv(c->fd, buf, sizeof(buf), 0);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return ctlc_fail(c, errno, "read: %s", strerror(errno));
	}
	if (n == 0)
		return ctlc_fail(c, ECONNRESET, "connection closed by argod");
	if (ctlc_lines_feed(&c->in, buf, (size_t)n) == -1)
		return ctlc_fail(c, EPROTO, "line from argod too long");
	return n;
}

/*
 * Take the next message already buffered, looking first at messages read
 * ahead by ctlc_request() when use_ahead: 1, 0 none, -1 error.
 */
static int
ctlc_take(struct ctlc *c, json_t **out, int use_ahead)
{
	char err[CTLC_ERRLEN];
	int rc;

	if (use_ahead && c->ahead != NULL && json_array_size(c->ahead) > 0) {
		*out = json_incref(json_array_get(c->ahead, 0));
		json_array_remove(c->ahead, 0);
		return 1;
	}
	rc = ctlc_lines_next(&c->in, out, err, sizeof(err));
	if (rc == -1)
		return ctlc_fail(c, EPROTO, "%s", err);
	return rc;
}

static json_t *
ctlc_wait(struct ctlc *c, int64_t dl, int use_ahead, int timeout_ms)
{
	struct pollfd pfd;
	json_t *j;
	int rc;

	for (;;) {
		if ((rc = ctlc_take(c, &j, use_ahead)) == 1)
			return j;
		if (rc == -1)
			return NULL;
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		rc = poll(&pfd, 1, remaining(dl));
		if (rc == -1) {
			if (errno == EINTR)
				continue;
			ctlc_fail(c, errno, "poll: %s", strerror(errno));
			return NULL;
		}
		if (rc == 0) {
			ctlc_fail(c, ETIMEDOUT, "no answer from argod within "
			    "%d ms", timeout_ms);
			return NULL;
		}
		if (ctlc_recv(c) == -1)
			return NULL;
	}
}

json_t *
ctlc_read(struct ctlc *c, int timeout_ms)
{
	return ctlc_wait(c, deadline(timeout_ms), 1, timeout_ms);
}

/*
 * Connecting, in steps. A UNIX stream connect(2) completes at once when
 * the daemon's listen backlog has room, even before the daemon accepts;
 * on a full backlog a non-blocking socket gets EAGAIN (Linux) and the
 * attempt is repeated every CTLC_RETRY_MS; elsewhere EINPROGRESS means
 * "wait for writability". Then the banner is the first line the daemon
 * sends. The whole sequence has one deadline.
 */
#define CTLC_RETRY_MS	20

static int
ctlc_try_connect(struct ctlc *c)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);
	struct pollfd pfd;

	if (c->inprogress) {
		pfd.fd = c->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, 0) <= 0)
			return 0;
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr,
		    &len) == -1)
			soerr = errno;
		c->inprogress = 0;
		if (soerr != 0)
			return ctlc_fail(c, soerr, "connect %s: %s",
			    c->sun.sun_path, strerror(soerr));
		c->state = CTLC_BANNER;
		return 0;
	}
	if (c->retry_at >= 0 && now_ms() < c->retry_at)
		return 0;
	if (connect(c->fd, (struct sockaddr *)&c->sun, sizeof(c->sun)) == 0) {
		c->state = CTLC_BANNER;
		return 0;
	}
	switch (errno) {
	case EINTR:
	case EINPROGRESS:
		c->inprogress = 1;
		return 0;
	case EAGAIN:
		c->retry_at = now_ms() + CTLC_RETRY_MS;
		return 0;
	}
	return ctlc_fail(c, errno, "connect %s: %s", c->sun.sun_path,
	    strerror(errno));
}

/* The banner: the daemon's version and protocol, or its refusal. */
static int
banner_check(struct ctlc *c, json_t *b)
{
	json_t *v;
	const char *s;

	if (json_is_false(json_object_get(b, CTL_F_OK))) {
		s = json_string_value(json_object_get(b, CTL_F_ERROR));
		return ctlc_fail(c, EUSERS, "argod refused the connection: %s",
		    s != NULL ? s : "no reason given");
	}
	if ((s = json_string_value(json_object_get(b, CTL_F_ARGOD))) == NULL)
		return ctlc_fail(c, EPROTO, "no argod banner: not an argod "
		    "control socket?");
	snprintf(c->banner.version, sizeof(c->banner.version), "%s", s);
	v = json_object_get(b, CTL_F_PROTOCOL);
	if (!json_is_integer(v))
		return ctlc_fail(c, EPROTO, "banner has no protocol version");
	if (json_integer_value(v) != CTL_PROTOCOL)
		return ctlc_fail(c, EPROTO, "protocol mismatch: daemon speaks "
		    "%lld, client %d", (long long)json_integer_value(v),
		    CTL_PROTOCOL);
	c->banner.protocol = CTL_PROTOCOL;
	if ((s = json_string_value(json_object_get(b, CTL_F_NODE))) != NULL)
		snprintf(c->banner.node, sizeof(c->banner.node), "%s", s);
	c->banner.readonly = json_is_true(json_object_get(b, CTL_F_READONLY));
	return 0;
}

int
ctlc_advance(struct ctlc *c)
{
	json_t *b;
	int rc, saved;

	if (c->state == CTLC_READY)
		return 1;
	if (c->state == CTLC_FAILED)
		return -1;
	if (c->state == CTLC_CONNECTING && ctlc_try_connect(c) == -1)
		goto fail;
	if (c->state == CTLC_BANNER) {
		if (ctlc_recv(c) == -1)
			goto fail;
		if ((rc = ctlc_take(c, &b, 0)) == -1)
			goto fail;
		if (rc == 1) {
			rc = banner_check(c, b);
			saved = errno;
			json_decref(b);
			if (rc == -1) {
				errno = saved;
				goto fail;
			}
			c->state = CTLC_READY;
			return 1;
		}
	}
	if (c->deadline >= 0 && now_ms() >= c->deadline) {
		if (c->state == CTLC_CONNECTING)
			ctlc_fail(c, ETIMEDOUT, "connect %s: %s",
			    c->sun.sun_path, strerror(EAGAIN));
		else
			ctlc_fail(c, ETIMEDOUT, "no answer from argod within "
			    "%d ms", c->timeout_ms);
		goto fail;
	}
	return 0;
fail:
	c->state = CTLC_FAILED;
	return -1;
}

short
ctlc_events(const struct ctlc *c)
{
	switch (c->state) {
	case CTLC_CONNECTING:
		return c->inprogress ? POLLOUT : 0;
	case CTLC_BANNER:
		return POLLIN;
	case CTLC_READY:
		return POLLIN | (ctlc_want_write(c) ? POLLOUT : 0);
	case CTLC_FAILED:
		break;
	}
	return 0;
}

int
ctlc_wait_ms(const struct ctlc *c)
{
	int64_t at = c->deadline;

	if (c->state != CTLC_CONNECTING && c->state != CTLC_BANNER)
		return -1;
	if (c->state == CTLC_CONNECTING && !c->inprogress &&
	    c->retry_at >= 0 && (at < 0 || c->retry_at < at))
		at = c->retry_at;
	return remaining(at);
}

/* Hand the error of a connection that never was to the caller. */
static void
start_failed(struct ctlc *c, char *err, size_t errlen)
{
	int saved = errno;

	snprintf(err, errlen, "%s", c->err);
	ctlc_close(c);
	errno = saved;
}

struct ctlc *
ctlc_start(const char *path, int timeout_ms, char *err, size_t errlen)
{
	struct ctlc *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	c->fd = -1;
	c->state = CTLC_CONNECTING;
	c->timeout_ms = timeout_ms;
	c->deadline = deadline(timeout_ms);
	c->retry_at = -1;
	ctlc_lines_init(&c->in, CTLC_MAX_LINE);
	c->sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(c->sun.sun_path)) {
		ctlc_fail(c, ENAMETOOLONG, "%s: path too long", path);
		goto fail;
	}
	memcpy(c->sun.sun_path, path, strlen(path) + 1);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		ctlc_fail(c, errno, "socket: %s", strerror(errno));
		goto fail;
	}
	if (ctlc_try_connect(c) == -1)
		goto fail;
	return c;

fail:
	start_failed(c, err, errlen);
	return NULL;
}

struct ctlc *
ctlc_connect(const char *path, int timeout_ms, char *err, size_t errlen)
{
	struct pollfd pfd;
	struct ctlc *c;
	int rc;

	if ((c = ctlc_start(path, timeout_ms, err, errlen)) == NULL)
		return NULL;
	while ((rc = ctlc_advance(c)) == 0) {
		pfd.fd = c->fd;
		pfd.events = ctlc_events(c);
		/* no events: an unconnected socket polls as POLLHUP */
		if (poll(&pfd, pfd.events != 0, ctlc_wait_ms(c)) == -1 &&
		    errno != EINTR) {
			ctlc_fail(c, errno, "poll: %s", strerror(errno));
			break;
		}
	}
	if (rc == 1)
		return c;
	start_failed(c, err, errlen);
	return NULL;
}

void
ctlc_close(struct ctlc *c)
{
	if (c == NULL)
		return;
	if (c->fd != -1)
		close(c->fd);
	ctlc_lines_free(&c->in);
	json_decref(c->ahead);
	free(c->out);
	free(c);
}

int
ctlc_fd(const struct ctlc *c)
{
	return c->fd;
}

const struct ctlc_banner *
ctlc_banner(const struct ctlc *c)
{
	return &c->banner;
}

const char *
ctlc_error(const struct ctlc *c)
{
	return c->err;
}

int
ctlc_set_nonblock(struct ctlc *c)
{
	/* the socket itself never blocks; this is about ctlc_send() */
	c->nonblock = 1;
	return 0;
}

int
ctlc_want_write(const struct ctlc *c)
{
	return c->outoff < c->outlen;
}

int
ctlc_flush(struct ctlc *c)
{
	ssize_t n;

	while (c->outoff < c->outlen) {
		n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 1;
			return ctlc_fail(c, errno, "write: %s",
			    strerror(errno));
		}
		c->outoff += (size_t)n;
	}
	free(c->out);
	c->out = NULL;
	c->outoff = c->outlen = 0;
	return 0;
}

int
ctlc_send(struct ctlc *c, const char *cmd, json_t *args, int timeout_ms)
{
	struct pollfd pfd;
	int64_t dl = deadline(timeout_ms);
	json_t *req;
	char *s, *nb;
	size_t len;
	int rc;

	if ((req = json_object()) == NULL ||
	    json_object_set_new(req, CTL_F_CMD, json_string(cmd)) == -1 ||
	    (args != NULL && json_object_update(req, args) == -1)) {
		json_decref(req);
		return ctlc_fail(c, EINVAL, "cannot encode request");
	}
	/* args must not override the command */
	json_object_set_new(req, CTL_F_CMD, json_string(cmd));
	s = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (s == NULL)
		return ctlc_fail(c, EINVAL, "cannot encode request");
	len = strlen(s);
	if ((nb = realloc(c->out, c->outlen + len + 1)) == NULL) {
		free(s);
		return ctlc_fail(c, ENOMEM, "out of memory");
	}
	c->out = nb;
	memcpy(c->out + c->outlen, s, len);
	c->out[c->outlen + len] = '\n';
	c->outlen += len + 1;
	free(s);

	for (;;) {
		if ((rc = ctlc_flush(c)) != 1)
			return rc;
		if (c->nonblock)
			return 0;
		pfd.fd = c->fd;
		pfd.events = POLLOUT;
		rc = poll(&pfd, 1, remaining(dl));
		if (rc == -1 && errno != EINTR)
			return ctlc_fail(c, errno, "poll: %s",
			    strerror(errno));
		if (rc == 0)
			return ctlc_fail(c, ETIMEDOUT, "argod does not read "
			    "requests (timeout %d ms)", timeout_ms);
	}
}

json_t *
ctlc_request(struct ctlc *c, const char *cmd, int timeout_ms)
{
	return ctlc_request_args(c, cmd, NULL, timeout_ms);
}

json_t *
ctlc_request_args(struct ctlc *c, const char *cmd, json_t *args,
    int timeout_ms)
{
	int64_t dl = deadline(timeout_ms);
	json_t *j;

	if (ctlc_send(c, cmd, args, timeout_ms) == -1)
		return NULL;
	/* replies come in order, so the first reply is ours */
	while ((j = ctlc_wait(c, dl, 0, timeout_ms)) != NULL) {
		if (ctlc_is_reply(j))
			return j;
		if (c->ahead == NULL)
			c->ahead = json_array();
		json_array_append_new(c->ahead, j);
	}
	return NULL;
}

int
ctlc_input(struct ctlc *c)
{
	ssize_t n;

	/* drain the socket, but yield now and then to the UI */
	do {
		if ((n = ctlc_recv(c)) == -1)
			return -1;
	} while (n > 0 && c->in.len - c->in.off < 1024 * 1024);
	return 0;
}

int
ctlc_next(struct ctlc *c, json_t **out)
{
	*out = NULL;
	return ctlc_take(c, out, 1);
}

