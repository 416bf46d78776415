/*
 * The client side of the status protocol; see ctlclient.h for the model
 * and man/argoctl.8 for the protocol itself.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
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

struct ctlc {
	int			 fd;
	int			 nonblock;
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

static int
banner_check(struct ctlc *c, json_t *b)
{
	json_t *v;
	const char *s;

	if (json_is_false(json_object_get(b, "ok"))) {
		s = json_string_value(json_object_get(b, "error"));
		return ctlc_fail(c, EUSERS, "argod refused the connection: %s",
		    s != NULL ? s : "no reason given");
	}
	if ((s = json_string_value(json_object_get(b, "argod"))) == NULL)
		return ctlc_fail(c, EPROTO, "no argod banner: not an argod "
		    "control socket?");
	snprintf(c->banner.version, sizeof(c->banner.version), "%s", s);
	v = json_object_get(b, "protocol");
	if (!json_is_integer(v))
		return ctlc_fail(c, EPROTO, "banner has no protocol version");
	if (json_integer_value(v) != CTL_PROTOCOL)
		return ctlc_fail(c, EPROTO, "protocol mismatch: daemon speaks "
		    "%lld, client %d", (long long)json_integer_value(v),
		    CTL_PROTOCOL);
	c->banner.protocol = CTL_PROTOCOL;
	if ((s = json_string_value(json_object_get(b, "node"))) != NULL)
		snprintf(c->banner.node, sizeof(c->banner.node), "%s", s);
	c->banner.readonly = json_is_true(json_object_get(b, "readonly"));
	return 0;
}

struct ctlc *
ctlc_connect(const char *path, int timeout_ms, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct timeval tv;
	struct ctlc *c;
	json_t *b;
	int saved;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	c->fd = -1;
	ctlc_lines_init(&c->in, CTLC_MAX_LINE);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		ctlc_fail(c, ENAMETOOLONG, "%s: path too long", path);
		goto fail;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		ctlc_fail(c, errno, "socket: %s", strerror(errno));
		goto fail;
	}
	/* a blocking connect(2) on AF_UNIX waits on a full backlog;
	 * SO_SNDTIMEO bounds that wait */
	if (timeout_ms > 0) {
		tv.tv_sec = timeout_ms / 1000;
		tv.tv_usec = (timeout_ms % 1000) * 1000;
		setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		ctlc_fail(c, errno == EAGAIN || errno == EINPROGRESS ?
		    ETIMEDOUT : errno, "connect %s: %s", path, strerror(errno));
		goto fail;
	}
	if ((b = ctlc_read(c, timeout_ms)) == NULL)
		goto fail;
	if (banner_check(c, b) == -1) {
		json_decref(b);
		goto fail;
	}
	json_decref(b);
	if (timeout_ms > 0) {
		/* ctlc_send() polls with its own deadline */
		memset(&tv, 0, sizeof(tv));
		setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	return c;

fail:
	saved = errno;
	snprintf(err, errlen, "%s", c->err);
	ctlc_close(c);
	errno = saved;
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
	int fl;

	if ((fl = fcntl(c->fd, F_GETFL)) == -1 ||
	    fcntl(c->fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return ctlc_fail(c, errno, "fcntl: %s", strerror(errno));
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
	    json_object_set_new(req, "cmd", json_string(cmd)) == -1 ||
	    (args != NULL && json_object_update(req, args) == -1)) {
		json_decref(req);
		return ctlc_fail(c, EINVAL, "cannot encode request");
	}
	/* args must not override the command */
	json_object_set_new(req, "cmd", json_string(cmd));
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

	/* drain the socket, but yield now and then to the UI; a blocking
	 * socket gets one read, or this would wait for the next event */
	do {
		if ((n = ctlc_recv(c)) == -1)
			return -1;
	} while (c->nonblock && n > 0 && c->in.len - c->in.off < 1024 * 1024);
	return 0;
}

int
ctlc_next(struct ctlc *c, json_t **out)
{
	*out = NULL;
	return ctlc_take(c, out, 1);
}

/*
 * Classifying messages.
 */
int
ctlc_is_event(const json_t *j)
{
	return json_is_string(json_object_get(j, "event"));
}

int
ctlc_is_reply(const json_t *j)
{
	return json_is_boolean(json_object_get(j, "ok"));
}

int
ctlc_reply_ok(const json_t *j, const char **errmsg)
{
	const char *s;

	*errmsg = NULL;
	if (!ctlc_is_reply(j))
		return -1;
	if (json_is_true(json_object_get(j, "ok")))
		return 1;
	s = json_string_value(json_object_get(j, "error"));
	*errmsg = s != NULL ? s : "error reply without a message";
	return 0;
}

int
ctlc_link_state(const char *s)
{
	if (s == NULL)
		return -1;
	if (strcmp(s, "down") == 0)
		return 0;
	if (strcmp(s, "up") == 0)
		return 1;
	if (strcmp(s, "congested") == 0)
		return 2;
	return -1;
}

/*
 * Decoders. struct dec carries where we are ("routes[3].runner_up") so
 * that an error names the exact field.
 */
struct dec {
	char	*err;
	size_t	 errlen;
	char	 where[96];
};

static int
dec_fail(struct dec *d, const char *key, const char *what)
{
	snprintf(d->err, d->errlen, "bad reply from argod: %s%s%s: %s",
	    d->where, d->where[0] != '\0' && key != NULL ? "." : "",
	    key != NULL ? key : "", what);
	return -1;
}

static void
dec_at(struct dec *d, const char *list, size_t i)
{
	snprintf(d->where, sizeof(d->where), "%s[%zu]", list, i);
}

static void *
dec_alloc(struct dec *d, size_t n, size_t size)
{
	void *p;

	if ((p = calloc(n ? n : 1, size)) == NULL)
		dec_fail(d, NULL, "out of memory");
	return p;
}

static int
dec_str(struct dec *d, json_t *o, const char *key, int nullok,
    const char **v)
{
	json_t *j = json_object_get(o, key);

	*v = NULL;
	if (nullok && json_is_null(j))
		return 0;
	if (!json_is_string(j))
		return dec_fail(d, key, nullok ? "expected a string or null" :
		    "expected a string");
	*v = json_string_value(j);
	return 0;
}

static int
dec_num(struct dec *d, json_t *o, const char *key, int nullok, double *v)
{
	json_t *j = json_object_get(o, key);

	*v = NAN;
	if (nullok && json_is_null(j))
		return 0;
	if (!json_is_number(j))
		return dec_fail(d, key, nullok ? "expected a number or null" :
		    "expected a number");
	*v = json_number_value(j);
	return 0;
}

static int
dec_int(struct dec *d, json_t *o, const char *key, long long *v)
{
	json_t *j = json_object_get(o, key);

	*v = 0;
	if (!json_is_integer(j))
		return dec_fail(d, key, "expected an integer");
	*v = json_integer_value(j);
	return 0;
}

static int
dec_uint(struct dec *d, json_t *o, const char *key, uint64_t *v)
{
	long long x;

	*v = 0;
	if (dec_int(d, o, key, &x) == -1)
		return -1;
	if (x < 0)
		return dec_fail(d, key, "expected a non-negative integer");
	*v = (uint64_t)x;
	return 0;
}

static int
dec_bool(struct dec *d, json_t *o, const char *key, int *v)
{
	json_t *j = json_object_get(o, key);

	*v = 0;
	if (!json_is_boolean(j))
		return dec_fail(d, key, "expected true or false");
	*v = json_is_true(j);
	return 0;
}

static int
dec_array(struct dec *d, json_t *o, const char *key, json_t **v)
{
	*v = json_object_get(o, key);
	if (!json_is_array(*v))
		return dec_fail(d, key, "expected an array");
	return 0;
}

static int
dec_path(struct dec *d, json_t *o, const char *key, struct ctlc_path *p)
{
	json_t *a, *h;
	size_t i;

	p->hop = NULL;
	p->n = 0;
	if (dec_array(d, o, key, &a) == -1)
		return -1;
	if ((p->hop = dec_alloc(d, json_array_size(a),
	    sizeof(*p->hop))) == NULL)
		return -1;
	json_array_foreach(a, i, h) {
		if (!json_is_string(h)) {
			free(p->hop);
			p->hop = NULL;
			return dec_fail(d, key, "expected an array of names");
		}
		p->hop[i] = json_string_value(h);
	}
	p->n = json_array_size(a);
	return 0;
}

/* The reply must be {"ok": true, ...} and o its member key, if any. */
static int
dec_reply(struct dec *d, json_t *reply, char *err, size_t errlen,
    const char *key, json_t **o)
{
	const char *msg;

	d->err = err;
	d->errlen = errlen;
	d->where[0] = '\0';
	if (!json_is_object(reply))
		return dec_fail(d, NULL, "not an object");
	switch (ctlc_reply_ok(reply, &msg)) {
	case -1:
		return dec_fail(d, "ok", "missing");
	case 0:
		snprintf(err, errlen, "%s", msg);
		return -1;
	}
	if (key != NULL)
		return dec_array(d, reply, key, o);
	return 0;
}

static int
dec_counters(struct dec *d, json_t *o, struct ctlc_counter **vp,
    size_t *np)
{
	struct ctlc_counter *v;
	const char *k;
	json_t *j;
	size_t n = 0;

	*vp = NULL;
	*np = 0;
	if ((v = dec_alloc(d, json_object_size(o), sizeof(*v))) == NULL)
		return -1;
	json_object_foreach(o, k, j) {
		if (json_is_object(j))
			continue;	/* "rejected", decoded apart */
		if (!json_is_integer(j) || json_integer_value(j) < 0) {
			free(v);
			return dec_fail(d, k, "expected a counter");
		}
		v[n].name = k;
		v[n].value = (uint64_t)json_integer_value(j);
		n++;
	}
	*vp = v;
	*np = n;
	return 0;
}

int
ctlc_decode_status(json_t *reply, struct ctlc_status *st, char *err,
    size_t errlen)
{
	struct dec d;
	json_t *cnt, *rej;

	memset(st, 0, sizeof(*st));
	if (dec_reply(&d, reply, err, errlen, NULL, NULL) == -1 ||
	    dec_str(&d, reply, "node", 0, &st->node) == -1 ||
	    dec_str(&d, reply, "id", 0, &st->id) == -1 ||
	    dec_str(&d, reply, "version", 0, &st->version) == -1 ||
	    dec_str(&d, reply, "digest", 0, &st->digest) == -1 ||
	    dec_int(&d, reply, "protocol", &st->protocol) == -1 ||
	    dec_num(&d, reply, "uptime_s", 0, &st->uptime_s) == -1 ||
	    dec_uint(&d, reply, "peers", &st->peers) == -1 ||
	    dec_uint(&d, reply, "peers_up", &st->peers_up) == -1 ||
	    dec_uint(&d, reply, "lsdb_rows", &st->lsdb_rows) == -1)
		return -1;
	st->clock_s = NAN;
	if (json_object_get(reply, "clock_s") != NULL &&
	    dec_num(&d, reply, "clock_s", 1, &st->clock_s) == -1)
		return -1;
	cnt = json_object_get(reply, "counters");
	if (!json_is_object(cnt))
		return dec_fail(&d, "counters", "expected an object");
	rej = json_object_get(cnt, "rejected");
	if (!json_is_object(rej))
		return dec_fail(&d, "counters.rejected", "expected an object");
	snprintf(d.where, sizeof(d.where), "counters");
	if (dec_counters(&d, cnt, &st->counters, &st->ncounters) == -1)
		return -1;
	snprintf(d.where, sizeof(d.where), "counters.rejected");
	if (dec_counters(&d, rej, &st->rejected, &st->nrejected) == -1) {
		free(st->counters);
		st->counters = NULL;
		return -1;
	}
	st->json = json_incref(reply);
	return 0;
}

void
ctlc_status_free(struct ctlc_status *st)
{
	free(st->counters);
	free(st->rejected);
	json_decref(st->json);
	memset(st, 0, sizeof(*st));
}

int
ctlc_status_counter(const struct ctlc_status *st, const char *name,
    uint64_t *v)
{
	size_t i;

	for (i = 0; i < st->ncounters; i++)
		if (strcmp(st->counters[i].name, name) == 0) {
			*v = st->counters[i].value;
			return 0;
		}
	return -1;
}

int
ctlc_decode_peers(json_t *reply, struct ctlc_peers *ps, char *err,
    size_t errlen)
{
	struct ctlc_peer *p;
	struct dec d;
	json_t *a, *o;
	size_t i;

	memset(ps, 0, sizeof(*ps));
	if (dec_reply(&d, reply, err, errlen, "peers", &a) == -1)
		return -1;
	if ((ps->v = dec_alloc(&d, json_array_size(a),
	    sizeof(*ps->v))) == NULL)
		return -1;
	json_array_foreach(a, i, o) {
		p = &ps->v[i];
		dec_at(&d, "peers", i);
		if (!json_is_object(o)) {
			dec_fail(&d, NULL, "expected an object");
			goto fail;
		}
		if (dec_str(&d, o, "name", 0, &p->name) == -1 ||
		    dec_str(&d, o, "id", 0, &p->id) == -1 ||
		    dec_str(&d, o, "state", 1, &p->state_name) == -1 ||
		    dec_num(&d, o, "rtt_ms", 1, &p->rtt_ms) == -1 ||
		    dec_num(&d, o, "rtt_min_ms", 1, &p->rtt_min_ms) == -1 ||
		    dec_num(&d, o, "jitter_ms", 1, &p->jitter_ms) == -1 ||
		    dec_num(&d, o, "loss_pct", 1, &p->loss_pct) == -1 ||
		    dec_num(&d, o, "last_seen_s", 1, &p->last_seen_s) == -1 ||
		    dec_num(&d, o, "state_since_s", 1,
		    &p->state_since_s) == -1 ||
		    dec_num(&d, o, "adv_rtt_ms", 1, &p->adv_rtt_ms) == -1 ||
		    dec_uint(&d, o, "probes_sent", &p->probes_sent) == -1 ||
		    dec_uint(&d, o, "replies_received",
		    &p->replies_received) == -1)
			goto fail;
		p->state = ctlc_link_state(p->state_name);
	}
	ps->n = json_array_size(a);
	ps->json = json_incref(reply);
	return 0;
fail:
	free(ps->v);
	ps->v = NULL;
	return -1;
}

void
ctlc_peers_free(struct ctlc_peers *ps)
{
	free(ps->v);
	json_decref(ps->json);
	memset(ps, 0, sizeof(*ps));
}

static void
route_free(struct ctlc_route *r)
{
	free(r->path.hop);
	free(r->ru_path.hop);
	r->path.hop = r->ru_path.hop = NULL;
}

/* full: the routes reply (origin, prefix, runner-up, ...), not an event. */
static int
dec_route(struct dec *d, json_t *o, struct ctlc_route *r, int full)
{
	json_t *ru;
	char where[sizeof(d->where)];

	memset(r, 0, sizeof(*r));
	r->direct_cost_ms = r->ru_cost_ms = r->since_s = NAN;
	if (!json_is_object(o))
		return dec_fail(d, NULL, "expected an object");
	if (full && (dec_str(d, o, "origin", 0, &r->origin) == -1 ||
	    dec_str(d, o, "prefix", 0, &r->prefix) == -1))
		return -1;
	if (dec_bool(d, o, "reachable", &r->reachable) == -1 ||
	    dec_str(d, o, "egress", 1, &r->egress) == -1 ||
	    dec_str(d, o, "next_hop", 1, &r->next_hop) == -1 ||
	    dec_num(d, o, "cost_ms", 1, &r->cost_ms) == -1 ||
	    dec_int(d, o, "congested_hops", &r->congested_hops) == -1 ||
	    dec_path(d, o, "path", &r->path) == -1)
		return -1;
	if (!full)
		return 0;
	if (dec_num(d, o, "direct_cost_ms", 1, &r->direct_cost_ms) == -1 ||
	    dec_num(d, o, "since_s", 0, &r->since_s) == -1)
		goto fail;
	/* "installed" came with kernel forwarding; older daemons lack it */
	r->installed = -1;
	if (json_object_get(o, "installed") != NULL &&
	    dec_bool(d, o, "installed", &r->installed) == -1)
		goto fail;
	ru = json_object_get(o, "runner_up");
	if (ru == NULL || json_is_null(ru))
		return 0;
	if (!json_is_object(ru)) {
		dec_fail(d, "runner_up", "expected an object or null");
		goto fail;
	}
	memcpy(where, d->where, sizeof(where));
	snprintf(d->where, sizeof(d->where), "%.80s.runner_up", where);
	if (dec_num(d, ru, "cost_ms", 1, &r->ru_cost_ms) == -1 ||
	    dec_int(d, ru, "congested_hops", &r->ru_congested_hops) == -1 ||
	    dec_str(d, ru, "next_hop", 1, &r->ru_next_hop) == -1 ||
	    dec_path(d, ru, "path", &r->ru_path) == -1)
		goto fail;
	memcpy(d->where, where, sizeof(where));
	r->has_runner_up = 1;
	return 0;
fail:
	route_free(r);
	return -1;
}

int
ctlc_decode_routes(json_t *reply, struct ctlc_routes *rs, char *err,
    size_t errlen)
{
	struct dec d;
	json_t *a, *o;
	size_t i, n;

	memset(rs, 0, sizeof(*rs));
	if (dec_reply(&d, reply, err, errlen, "routes", &a) == -1)
		return -1;
	if ((rs->v = dec_alloc(&d, json_array_size(a),
	    sizeof(*rs->v))) == NULL)
		return -1;
	json_array_foreach(a, i, o) {
		dec_at(&d, "routes", i);
		if (dec_route(&d, o, &rs->v[i], 1) == -1) {
			for (n = 0; n < i; n++)
				route_free(&rs->v[n]);
			free(rs->v);
			rs->v = NULL;
			return -1;
		}
	}
	rs->n = json_array_size(a);
	rs->json = json_incref(reply);
	return 0;
}

void
ctlc_routes_free(struct ctlc_routes *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		route_free(&rs->v[i]);
	free(rs->v);
	json_decref(rs->json);
	memset(rs, 0, sizeof(*rs));
}

/* One n x n grid: an array of n rows of n cells, each a number or null. */
static int
dec_grid(struct dec *d, json_t *reply, const char *key, size_t n,
    double *num, int *state)
{
	json_t *a, *row, *cell;
	size_t i, j;
	int s;

	if (dec_array(d, reply, key, &a) == -1)
		return -1;
	if (json_array_size(a) != n)
		return dec_fail(d, key, "wrong number of rows");
	json_array_foreach(a, i, row) {
		dec_at(d, key, i);
		if (!json_is_array(row) || json_array_size(row) != n)
			return dec_fail(d, NULL, "expected a row of the "
			    "length of nodes");
		json_array_foreach(row, j, cell) {
			if (state != NULL) {
				s = json_is_string(cell) ?
				    ctlc_link_state(json_string_value(cell)) :
				    -1;
				if (!json_is_null(cell) && s == -1)
					return dec_fail(d, NULL, "expected "
					    "\"up\", \"congested\", \"down\" "
					    "or null");
				state[i * n + j] = s;
			} else if (json_is_null(cell))
				num[i * n + j] = NAN;
			else if (json_is_number(cell))
				num[i * n + j] = json_number_value(cell);
			else
				return dec_fail(d, NULL, "expected numbers "
				    "or null");
		}
	}
	d->where[0] = '\0';
	return 0;
}

int
ctlc_decode_matrix(json_t *reply, struct ctlc_matrix *m, char *err,
    size_t errlen)
{
	struct dec d;
	json_t *a, *j;
	size_t i, n;

	memset(m, 0, sizeof(*m));
	if (dec_reply(&d, reply, err, errlen, "nodes", &a) == -1)
		return -1;
	n = json_array_size(a);
	/* n * n cells must not overflow; no PoP network is near this */
	if (n > 65535)
		return dec_fail(&d, "nodes", "too many nodes");
	m->node = dec_alloc(&d, n, sizeof(*m->node));
	m->rtt_ms = dec_alloc(&d, n * n, sizeof(*m->rtt_ms));
	m->loss_pct = dec_alloc(&d, n * n, sizeof(*m->loss_pct));
	m->state = dec_alloc(&d, n * n, sizeof(*m->state));
	if (m->node == NULL || m->rtt_ms == NULL || m->loss_pct == NULL ||
	    m->state == NULL)
		goto fail;
	json_array_foreach(a, i, j) {
		if (!json_is_string(j)) {
			dec_fail(&d, "nodes", "expected an array of names");
			goto fail;
		}
		m->node[i] = json_string_value(j);
	}
	m->n = n;
	if (dec_grid(&d, reply, "rtt_ms", n, m->rtt_ms, NULL) == -1 ||
	    dec_grid(&d, reply, "loss_pct", n, m->loss_pct, NULL) == -1 ||
	    dec_grid(&d, reply, "state", n, NULL, m->state) == -1)
		goto fail;
	m->json = json_incref(reply);
	return 0;
fail:
	ctlc_matrix_free(m);
	return -1;
}

void
ctlc_matrix_free(struct ctlc_matrix *m)
{
	free(m->node);
	free(m->rtt_ms);
	free(m->loss_pct);
	free(m->state);
	json_decref(m->json);
	memset(m, 0, sizeof(*m));
}

int
ctlc_decode_lsdb(json_t *reply, struct ctlc_lsdb *l, char *err,
    size_t errlen)
{
	struct ctlc_lsdb_row *r;
	struct dec d;
	json_t *a, *o;
	size_t i;

	memset(l, 0, sizeof(*l));
	if (dec_reply(&d, reply, err, errlen, "lsdb", &a) == -1)
		return -1;
	if ((l->v = dec_alloc(&d, json_array_size(a), sizeof(*l->v))) == NULL)
		return -1;
	json_array_foreach(a, i, o) {
		r = &l->v[i];
		dec_at(&d, "lsdb", i);
		if (!json_is_object(o)) {
			dec_fail(&d, NULL, "expected an object");
			goto fail;
		}
		if (dec_str(&d, o, "origin", 0, &r->origin) == -1 ||
		    dec_str(&d, o, "id", 0, &r->id) == -1 ||
		    dec_uint(&d, o, "boot", &r->boot) == -1 ||
		    dec_uint(&d, o, "seq", &r->seq) == -1 ||
		    dec_num(&d, o, "age_s", 0, &r->age_s) == -1 ||
		    dec_uint(&d, o, "links", &r->links) == -1)
			goto fail;
	}
	l->n = json_array_size(a);
	l->json = json_incref(reply);
	return 0;
fail:
	free(l->v);
	l->v = NULL;
	return -1;
}

void
ctlc_lsdb_free(struct ctlc_lsdb *l)
{
	free(l->v);
	json_decref(l->json);
	memset(l, 0, sizeof(*l));
}

int
ctlc_decode_help(json_t *reply, struct ctlc_help *h, char *err,
    size_t errlen)
{
	struct ctlc_command *c;
	struct dec d;
	json_t *a, *o;
	size_t i;

	memset(h, 0, sizeof(*h));
	if (dec_reply(&d, reply, err, errlen, "commands", &a) == -1)
		return -1;
	if ((h->v = dec_alloc(&d, json_array_size(a), sizeof(*h->v))) == NULL)
		return -1;
	json_array_foreach(a, i, o) {
		c = &h->v[i];
		dec_at(&d, "commands", i);
		if (!json_is_object(o) ||
		    dec_str(&d, o, "cmd", 0, &c->cmd) == -1 ||
		    dec_str(&d, o, "help", 0, &c->help) == -1 ||
		    dec_bool(&d, o, "write", &c->write) == -1) {
			if (!json_is_object(o))
				dec_fail(&d, NULL, "expected an object");
			free(h->v);
			h->v = NULL;
			return -1;
		}
	}
	h->n = json_array_size(a);
	h->json = json_incref(reply);
	return 0;
}

void
ctlc_help_free(struct ctlc_help *h)
{
	free(h->v);
	json_decref(h->json);
	memset(h, 0, sizeof(*h));
}

int
ctlc_decode_event(json_t *j, struct ctlc_event *ev, char *err,
    size_t errlen)
{
	struct dec d;
	json_t *o;

	memset(ev, 0, sizeof(*ev));
	ev->rtt_ms = ev->loss_pct = NAN;
	d.err = err;
	d.errlen = errlen;
	snprintf(d.where, sizeof(d.where), "event");
	if (!json_is_object(j))
		return dec_fail(&d, NULL, "not an object");
	if (dec_str(&d, j, "event", 0, &ev->name) == -1 ||
	    dec_num(&d, j, "time", 0, &ev->time) == -1)
		return -1;
	if (strcmp(ev->name, "link") == 0) {
		ev->type = CTLC_EVENT_LINK;
		if (dec_str(&d, j, "peer", 0, &ev->peer) == -1 ||
		    dec_str(&d, j, "from", 1, &ev->from) == -1 ||
		    dec_str(&d, j, "to", 1, &ev->to) == -1 ||
		    dec_num(&d, j, "rtt_ms", 1, &ev->rtt_ms) == -1 ||
		    dec_num(&d, j, "loss_pct", 1, &ev->loss_pct) == -1)
			return -1;
	} else if (strcmp(ev->name, "route") == 0) {
		ev->type = CTLC_EVENT_ROUTE;
		if (dec_str(&d, j, "origin", 0, &ev->origin) == -1 ||
		    dec_str(&d, j, "prefix", 0, &ev->prefix) == -1)
			return -1;
		o = json_object_get(j, "old");
		if (o != NULL && !json_is_null(o)) {
			snprintf(d.where, sizeof(d.where), "event.old");
			if (dec_route(&d, o, &ev->before, 0) == -1)
				return -1;
			ev->has_before = 1;
		}
		o = json_object_get(j, "new");
		if (o != NULL && !json_is_null(o)) {
			snprintf(d.where, sizeof(d.where), "event.new");
			if (dec_route(&d, o, &ev->after, 0) == -1) {
				route_free(&ev->before);
				return -1;
			}
			ev->has_after = 1;
		}
	} else
		ev->type = CTLC_EVENT_OTHER;
	ev->json = json_incref(j);
	return 0;
}

void
ctlc_event_free(struct ctlc_event *ev)
{
	route_free(&ev->before);
	route_free(&ev->after);
	json_decref(ev->json);
	memset(ev, 0, sizeof(*ev));
}

/* Seconds as both clients print them: 4.2s, 3m07s, 2h05m, 1d03h. */
const char *
ctlc_fmt_duration(char *buf, size_t len, double s)
{
	unsigned long long t;

	if (isnan(s) || s < 0)
		snprintf(buf, len, "-");
	else if (s < 60)
		snprintf(buf, len, "%.1fs", s);
	else if ((t = (unsigned long long)s) < 3600)
		snprintf(buf, len, "%llum%02llus", t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, len, "%lluh%02llum", t / 3600, t / 60 % 60);
	else
		snprintf(buf, len, "%llud%02lluh", t / 86400, t / 3600 % 24);
	return buf;
}
