/*
 * The decoders of the status protocol; see ctlclient-dec.h for the model
 * and man/argoctl.8 for the protocol itself. Every member name comes from
 * ctl-proto.h, which the server uses too.
 *
 * At a little over 900 lines it stays one file: one short decoder per
 * reply and event of the protocol, which read best side by side.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl-proto.h"
#include "ctlclient-dec.h"

/*
 * Classifying messages.
 */
int
ctlc_is_event(const json_t *j)
{
	return json_is_string(json_object_get(j, CTL_F_EVENT));
}

int
ctlc_is_reply(const json_t *j)
{
	return json_is_boolean(json_object_get(j, CTL_F_OK));
}

int
ctlc_reply_ok(const json_t *j, const char **errmsg)
{
	const char *s;

	*errmsg = NULL;
	if (!ctlc_is_reply(j))
		return -1;
	if (json_is_true(json_object_get(j, CTL_F_OK)))
		return 1;
	s = json_string_value(json_object_get(j, CTL_F_ERROR));
	*errmsg = s != NULL ? s : "error reply without a message";
	return 0;
}

int
ctlc_link_state(const char *s)
{
	if (s == NULL)
		return -1;
	if (strcmp(s, CTL_LINK_DOWN) == 0)
		return 0;
	if (strcmp(s, CTL_LINK_UP) == 0)
		return 1;
	if (strcmp(s, CTL_LINK_CONGESTED) == 0)
		return 2;
	return -1;
}

/*
 * Reading members. struct dec carries where we are ("routes[3].runner_up")
 * so that an error names the exact member.
 */
struct dec {
	char	*err;
	size_t	 errlen;
	char	 where[96];
};

static void
dec_init(struct dec *d, char *err, size_t errlen, const char *where)
{
	d->err = err;
	d->errlen = errlen;
	snprintf(d->where, sizeof(d->where), "%s", where);
}

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

/* Into member key; dec_pop() with the result goes back out. */
static size_t
dec_push(struct dec *d, const char *key)
{
	size_t len = strlen(d->where);

	snprintf(d->where + len, sizeof(d->where) - len, "%s%s",
	    len > 0 ? "." : "", key);
	return len;
}

static void
dec_pop(struct dec *d, size_t len)
{
	d->where[len] = '\0';
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
dec_object(struct dec *d, json_t *o)
{
	return json_is_object(o) ? 0 : dec_fail(d, NULL, "expected an object");
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

/* A member that came after protocol 1 began: absent is NAN. */
static int
dec_num_opt(struct dec *d, json_t *o, const char *key, double *v)
{
	*v = NAN;
	if (json_object_get(o, key) == NULL)
		return 0;
	return dec_num(d, o, key, 1, v);
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

/* An array of strings; the strings point into the reply. */
static int
dec_strings(struct dec *d, json_t *o, const char *key, const char ***vp,
    size_t *np)
{
	const char **v;
	json_t *a, *s;
	size_t i;

	*vp = NULL;
	*np = 0;
	if (dec_array(d, o, key, &a) == -1)
		return -1;
	if ((v = dec_alloc(d, json_array_size(a), sizeof(*v))) == NULL)
		return -1;
	json_array_foreach(a, i, s) {
		if (!json_is_string(s)) {
			free(v);
			return dec_fail(d, key, "expected an array of names");
		}
		v[i] = json_string_value(s);
	}
	*vp = v;
	*np = json_array_size(a);
	return 0;
}

static int
dec_path(struct dec *d, json_t *o, const char *key, struct ctlc_path *p)
{
	return dec_strings(d, o, key, &p->hop, &p->n);
}

/* The reply must be {"ok": true, ...} and *a its array key, if any. */
static int
dec_reply(struct dec *d, json_t *reply, char *err, size_t errlen,
    const char *key, json_t **a)
{
	const char *msg;

	dec_init(d, err, errlen, "");
	if (!json_is_object(reply))
		return dec_fail(d, NULL, "not an object");
	switch (ctlc_reply_ok(reply, &msg)) {
	case -1:
		return dec_fail(d, CTL_F_OK, "missing");
	case 0:
		snprintf(err, errlen, "%s", msg);
		return -1;
	}
	if (key != NULL)
		return dec_array(d, reply, key, a);
	return 0;
}

/*
 * The reply's array key: n items of size bytes each, decoded by item()
 * into a new array (NULL on failure, after fini() undid the items done).
 */
typedef int	dec_item_fn(struct dec *, json_t *, void *);

static void *
dec_list(struct dec *d, json_t *reply, char *err, size_t errlen,
    const char *key, size_t size, dec_item_fn *item, void (*fini)(void *),
    size_t *np)
{
	json_t *a, *o;
	char *v;
	size_t i, j;

	*np = 0;
	if (dec_reply(d, reply, err, errlen, key, &a) == -1 ||
	    (v = dec_alloc(d, json_array_size(a), size)) == NULL)
		return NULL;
	json_array_foreach(a, i, o) {
		dec_at(d, key, i);
		if (item(d, o, v + i * size) == -1) {
			for (j = 0; fini != NULL && j < i; j++)
				fini(v + j * size);
			free(v);
			return NULL;
		}
	}
	d->where[0] = '\0';
	*np = json_array_size(a);
	return v;
}

/* The integer members of member key, in order; objects are skipped. */
static int
dec_counters(struct dec *d, json_t *parent, const char *key,
    struct ctlc_counter **vp, size_t *np)
{
	struct ctlc_counter *v;
	const char *k;
	json_t *o, *j;
	size_t n = 0, up;

	*vp = NULL;
	*np = 0;
	o = json_object_get(parent, key);
	if (!json_is_object(o))
		return dec_fail(d, key, "expected an object");
	if ((v = dec_alloc(d, json_object_size(o), sizeof(*v))) == NULL)
		return -1;
	up = dec_push(d, key);
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
	dec_pop(d, up);
	*vp = v;
	*np = n;
	return 0;
}

/*
 * Replies without members of their own.
 */
int
ctlc_decode_ok(json_t *reply, char *err, size_t errlen)
{
	struct dec d;

	return dec_reply(&d, reply, err, errlen, NULL, NULL);
}

/*
 * The forwarding layer, a member of status, fib and dry-run replies.
 */
static void
kernel_free(struct ctlc_kernel *k)
{
	free(k->counters);
	memset(k, 0, sizeof(*k));
}

static int
dec_kernel(struct dec *d, json_t *reply, struct ctlc_kernel *k)
{
	json_t *o = json_object_get(reply, CTL_F_KERNEL);
	size_t up;

	memset(k, 0, sizeof(*k));
	if (!json_is_object(o))
		return dec_fail(d, CTL_F_KERNEL, "expected an object");
	up = dec_push(d, CTL_F_KERNEL);
	if (dec_str(d, o, CTL_F_MODE, 0, &k->mode) == -1)
		return -1;
	if (strcmp(k->mode, CTL_MODE_NONE) != 0 &&
	    (dec_str(d, o, CTL_F_REASON, 1, &k->reason) == -1 ||
	    dec_str(d, o, CTL_F_TUNNEL, 0, &k->tunnel) == -1 ||
	    dec_str(d, o, CTL_F_DEVICE, 0, &k->device) == -1 ||
	    dec_uint(d, o, CTL_F_TABLE, &k->table) == -1 ||
	    dec_uint(d, o, CTL_F_PROTOCOL, &k->protocol) == -1 ||
	    dec_bool(d, o, CTL_F_POLICY_RULES, &k->policy_rules) == -1 ||
	    dec_bool(d, o, CTL_F_KEEP_ROUTES, &k->keep_routes) == -1 ||
	    dec_counters(d, o, CTL_F_COUNTERS, &k->counters,
	    &k->ncounters) == -1))
		return -1;
	dec_pop(d, up);
	return 0;
}

/*
 * status
 */
int
ctlc_decode_status(json_t *reply, struct ctlc_status *st, char *err,
    size_t errlen)
{
	struct dec d;
	json_t *cnt;
	size_t up;

	memset(st, 0, sizeof(*st));
	if (dec_reply(&d, reply, err, errlen, NULL, NULL) == -1 ||
	    dec_str(&d, reply, CTL_F_NODE, 0, &st->node) == -1 ||
	    dec_str(&d, reply, CTL_F_ID, 0, &st->id) == -1 ||
	    dec_str(&d, reply, CTL_F_VERSION, 0, &st->version) == -1 ||
	    dec_str(&d, reply, CTL_F_DIGEST, 0, &st->digest) == -1 ||
	    dec_int(&d, reply, CTL_F_PROTOCOL, &st->protocol) == -1 ||
	    dec_num(&d, reply, CTL_F_UPTIME_S, 0, &st->uptime_s) == -1 ||
	    dec_uint(&d, reply, CTL_F_PEERS, &st->peers) == -1 ||
	    dec_uint(&d, reply, CTL_F_PEERS_UP, &st->peers_up) == -1 ||
	    dec_uint(&d, reply, CTL_F_LSDB_ROWS, &st->lsdb_rows) == -1 ||
	    dec_num_opt(&d, reply, CTL_F_CLOCK_S, &st->clock_s) == -1 ||
	    dec_counters(&d, reply, CTL_F_COUNTERS, &st->counters,
	    &st->ncounters) == -1)
		goto fail;
	cnt = json_object_get(reply, CTL_F_COUNTERS);
	up = dec_push(&d, CTL_F_COUNTERS);
	if (dec_counters(&d, cnt, CTL_F_REJECTED, &st->rejected,
	    &st->nrejected) == -1)
		goto fail;
	dec_pop(&d, up);
	/* the forwarding layer came after protocol 1 began */
	if (json_object_get(reply, CTL_F_KERNEL) != NULL) {
		if (dec_kernel(&d, reply, &st->kernel) == -1)
			goto fail;
		st->has_kernel = 1;
	}
	st->json = json_incref(reply);
	return 0;
fail:
	ctlc_status_free(st);
	return -1;
}

void
ctlc_status_free(struct ctlc_status *st)
{
	free(st->counters);
	free(st->rejected);
	kernel_free(&st->kernel);
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

/*
 * peers
 */
static int
dec_peer(struct dec *d, json_t *o, void *arg)
{
	struct ctlc_peer *p = arg;

	if (dec_object(d, o) == -1 ||
	    dec_str(d, o, CTL_F_NAME, 0, &p->name) == -1 ||
	    dec_str(d, o, CTL_F_ID, 0, &p->id) == -1 ||
	    dec_str(d, o, CTL_F_STATE, 1, &p->state_name) == -1 ||
	    dec_num(d, o, CTL_F_RTT_MS, 1, &p->rtt_ms) == -1 ||
	    dec_num(d, o, CTL_F_RTT_MIN_MS, 1, &p->rtt_min_ms) == -1 ||
	    dec_num(d, o, CTL_F_JITTER_MS, 1, &p->jitter_ms) == -1 ||
	    dec_num(d, o, CTL_F_LOSS_PCT, 1, &p->loss_pct) == -1 ||
	    dec_num(d, o, CTL_F_LAST_SEEN_S, 1, &p->last_seen_s) == -1 ||
	    dec_num(d, o, CTL_F_STATE_SINCE_S, 1, &p->state_since_s) == -1 ||
	    dec_num(d, o, CTL_F_ADV_RTT_MS, 1, &p->adv_rtt_ms) == -1 ||
	    dec_uint(d, o, CTL_F_PROBES_SENT, &p->probes_sent) == -1 ||
	    dec_uint(d, o, CTL_F_REPLIES_RECEIVED,
	    &p->replies_received) == -1 ||
	    dec_num_opt(d, o, CTL_F_PROBE_INTERVAL_MS,
	    &p->probe_interval_ms) == -1)
		return -1;
	p->state = ctlc_link_state(p->state_name);
	return 0;
}

int
ctlc_decode_peers(json_t *reply, struct ctlc_peers *ps, char *err,
    size_t errlen)
{
	struct dec d;

	memset(ps, 0, sizeof(*ps));
	if ((ps->v = dec_list(&d, reply, err, errlen, CTL_F_PEERS,
	    sizeof(*ps->v), dec_peer, NULL, &ps->n)) == NULL)
		return -1;
	ps->json = json_incref(reply);
	return 0;
}

void
ctlc_peers_free(struct ctlc_peers *ps)
{
	free(ps->v);
	json_decref(ps->json);
	memset(ps, 0, sizeof(*ps));
}

/*
 * routes, and the routes of route events
 */
static void
route_free(void *arg)
{
	struct ctlc_route *r = arg;

	free(r->path.hop);
	free(r->ru_path.hop);
	r->path.hop = r->ru_path.hop = NULL;
}

static int
dec_runner_up(struct dec *d, json_t *o, struct ctlc_route *r)
{
	json_t *ru = json_object_get(o, CTL_F_RUNNER_UP);
	size_t up;

	if (ru == NULL || json_is_null(ru))
		return 0;
	if (!json_is_object(ru))
		return dec_fail(d, CTL_F_RUNNER_UP,
		    "expected an object or null");
	up = dec_push(d, CTL_F_RUNNER_UP);
	if (dec_num(d, ru, CTL_F_COST_MS, 1, &r->ru_cost_ms) == -1 ||
	    dec_int(d, ru, CTL_F_CONGESTED_HOPS,
	    &r->ru_congested_hops) == -1 ||
	    dec_str(d, ru, CTL_F_NEXT_HOP, 1, &r->ru_next_hop) == -1 ||
	    dec_path(d, ru, CTL_F_PATH, &r->ru_path) == -1)
		return -1;
	dec_pop(d, up);
	r->has_runner_up = 1;
	return 0;
}

/* The egress and last mile members (origins in the database). */
static int
dec_lastmile(struct dec *d, json_t *o, struct ctlc_route *r)
{
	json_t *alt;
	size_t up;

	if (json_object_get(o, CTL_F_SOURCE) == NULL)
		return 0;	/* an older daemon */
	if (dec_str(d, o, CTL_F_SOURCE, 0, &r->source) == -1 ||
	    dec_num(d, o, CTL_F_PATH_COST_MS, 1, &r->path_cost_ms) == -1 ||
	    dec_num(d, o, CTL_F_LASTMILE_MS, 1, &r->lastmile_ms) == -1 ||
	    dec_str(d, o, CTL_F_EGRESS_HEALTH, 1, &r->egress_health) == -1)
		return -1;
	alt = json_object_get(o, CTL_F_ALT_EGRESS);
	if (alt == NULL || json_is_null(alt))
		return 0;
	if (!json_is_object(alt))
		return dec_fail(d, CTL_F_ALT_EGRESS,
		    "expected an object or null");
	up = dec_push(d, CTL_F_ALT_EGRESS);
	if (dec_str(d, alt, CTL_F_EGRESS, 1, &r->alt_egress) == -1 ||
	    dec_num(d, alt, CTL_F_COST_MS, 1, &r->alt_cost_ms) == -1 ||
	    dec_num(d, alt, CTL_F_LASTMILE_MS, 1, &r->alt_lastmile_ms) == -1 ||
	    dec_str(d, alt, CTL_F_HEALTH, 0, &r->alt_health) == -1)
		return -1;
	dec_pop(d, up);
	r->has_alt = 1;
	return 0;
}

/* full: the routes reply (origin, prefix, runner-up, ...), not an event. */
static int
dec_route(struct dec *d, json_t *o, struct ctlc_route *r, int full)
{
	memset(r, 0, sizeof(*r));
	r->direct_cost_ms = r->ru_cost_ms = r->since_s = NAN;
	r->path_cost_ms = r->lastmile_ms = NAN;
	r->alt_cost_ms = r->alt_lastmile_ms = NAN;
	r->installed = -1;
	if (dec_object(d, o) == -1 ||
	    (full && (dec_str(d, o, CTL_F_ORIGIN, 0, &r->origin) == -1 ||
	    dec_str(d, o, CTL_F_PREFIX, 0, &r->prefix) == -1)) ||
	    dec_bool(d, o, CTL_F_REACHABLE, &r->reachable) == -1 ||
	    dec_str(d, o, CTL_F_EGRESS, 1, &r->egress) == -1 ||
	    dec_str(d, o, CTL_F_NEXT_HOP, 1, &r->next_hop) == -1 ||
	    dec_num(d, o, CTL_F_COST_MS, 1, &r->cost_ms) == -1 ||
	    dec_int(d, o, CTL_F_CONGESTED_HOPS, &r->congested_hops) == -1 ||
	    dec_path(d, o, CTL_F_PATH, &r->path) == -1)
		goto fail;
	if (!full)
		return 0;
	if (dec_num(d, o, CTL_F_DIRECT_COST_MS, 1, &r->direct_cost_ms) == -1 ||
	    dec_num(d, o, CTL_F_SINCE_S, 0, &r->since_s) == -1 ||
	    dec_runner_up(d, o, r) == -1 || dec_lastmile(d, o, r) == -1)
		goto fail;
	/* "installed" came with kernel forwarding; older daemons lack it */
	if (json_object_get(o, CTL_F_INSTALLED) != NULL &&
	    dec_bool(d, o, CTL_F_INSTALLED, &r->installed) == -1)
		goto fail;
	return 0;
fail:
	route_free(r);
	return -1;
}

static int
dec_route_full(struct dec *d, json_t *o, void *r)
{
	return dec_route(d, o, r, 1);
}

int
ctlc_decode_routes(json_t *reply, struct ctlc_routes *rs, char *err,
    size_t errlen)
{
	struct dec d;

	memset(rs, 0, sizeof(*rs));
	if ((rs->v = dec_list(&d, reply, err, errlen, CTL_F_ROUTES,
	    sizeof(*rs->v), dec_route_full, route_free, &rs->n)) == NULL)
		return -1;
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

/*
 * matrix
 */
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
	size_t n, nids;

	memset(m, 0, sizeof(*m));
	if (dec_reply(&d, reply, err, errlen, NULL, NULL) == -1 ||
	    dec_strings(&d, reply, CTL_F_NODES, &m->node, &n) == -1)
		return -1;
	/* n * n cells must not overflow; no PoP network is near this */
	if (n > 65535) {
		dec_fail(&d, CTL_F_NODES, "too many nodes");
		goto fail;
	}
	m->n = n;
	/* ids came after protocol 1 began */
	if (json_object_get(reply, CTL_F_IDS) == NULL)
		m->id = dec_alloc(&d, n, sizeof(*m->id));
	else if (dec_strings(&d, reply, CTL_F_IDS, &m->id, &nids) == -1)
		goto fail;
	else if (nids != n) {
		dec_fail(&d, CTL_F_IDS, "not one per node");
		goto fail;
	}
	m->rtt_ms = dec_alloc(&d, n * n, sizeof(*m->rtt_ms));
	m->loss_pct = dec_alloc(&d, n * n, sizeof(*m->loss_pct));
	m->state = dec_alloc(&d, n * n, sizeof(*m->state));
	if (m->id == NULL || m->rtt_ms == NULL || m->loss_pct == NULL ||
	    m->state == NULL ||
	    dec_grid(&d, reply, CTL_F_RTT_MS, n, m->rtt_ms, NULL) == -1 ||
	    dec_grid(&d, reply, CTL_F_LOSS_PCT, n, m->loss_pct, NULL) == -1 ||
	    dec_grid(&d, reply, CTL_F_STATE, n, NULL, m->state) == -1)
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
	free(m->id);
	free(m->rtt_ms);
	free(m->loss_pct);
	free(m->state);
	json_decref(m->json);
	memset(m, 0, sizeof(*m));
}

/*
 * lsdb
 */
static int
dec_lsdb_row(struct dec *d, json_t *o, void *arg)
{
	struct ctlc_lsdb_row *r = arg;

	if (dec_object(d, o) == -1 ||
	    dec_str(d, o, CTL_F_ORIGIN, 0, &r->origin) == -1 ||
	    dec_str(d, o, CTL_F_ID, 0, &r->id) == -1 ||
	    dec_uint(d, o, CTL_F_BOOT, &r->boot) == -1 ||
	    dec_uint(d, o, CTL_F_SEQ, &r->seq) == -1 ||
	    dec_num(d, o, CTL_F_AGE_S, 0, &r->age_s) == -1 ||
	    dec_uint(d, o, CTL_F_LINKS, &r->links) == -1)
		return -1;
	return 0;
}

int
ctlc_decode_lsdb(json_t *reply, struct ctlc_lsdb *l, char *err,
    size_t errlen)
{
	struct dec d;

	memset(l, 0, sizeof(*l));
	if ((l->v = dec_list(&d, reply, err, errlen, CTL_F_LSDB,
	    sizeof(*l->v), dec_lsdb_row, NULL, &l->n)) == NULL)
		return -1;
	l->json = json_incref(reply);
	return 0;
}

void
ctlc_lsdb_free(struct ctlc_lsdb *l)
{
	free(l->v);
	json_decref(l->json);
	memset(l, 0, sizeof(*l));
}

/*
 * origins
 */
static int
dec_check_result(struct dec *d, json_t *parent, const char *key, int *has,
    struct ctlc_check_result *r)
{
	json_t *o = json_object_get(parent, key), *st;
	size_t at;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	*has = 0;
	if (json_is_null(o))
		return 0;
	at = dec_push(d, key);
	if (dec_object(d, o) == -1 ||
	    dec_bool(d, o, CTL_F_PASSED, &r->passed) == -1 ||
	    dec_num(d, o, CTL_F_AGO_S, 0, &r->ago_s) == -1 ||
	    dec_num(d, o, CTL_F_DNS_MS, 1, &r->dns_ms) == -1 ||
	    dec_num(d, o, CTL_F_CONNECT_MS, 1, &r->connect_ms) == -1 ||
	    dec_num(d, o, CTL_F_TLS_MS, 1, &r->tls_ms) == -1 ||
	    dec_num(d, o, CTL_F_FIRST_BYTE_MS, 1, &r->first_byte_ms) == -1 ||
	    dec_num(d, o, CTL_F_TOTAL_MS, 1, &r->total_ms) == -1 ||
	    dec_str(d, o, CTL_F_ADDRESS, 1, &r->address) == -1 ||
	    dec_str(d, o, CTL_F_REASON, 1, &r->reason) == -1)
		goto out;
	st = json_object_get(o, CTL_F_HTTP_STATUS);
	if (!json_is_null(st) && dec_int(d, o, CTL_F_HTTP_STATUS,
	    &r->http_status) == -1)
		goto out;
	*has = 1;
	ret = 0;
 out:
	dec_pop(d, at);
	return ret;
}

static int
dec_resolved(struct dec *d, json_t *parent, struct ctlc_origin *r)
{
	json_t *o = json_object_get(parent, CTL_F_RESOLVED);
	double ago;
	size_t at;
	int ret = -1;

	r->has_resolved = 0;
	if (o == NULL || json_is_null(o))
		return 0;
	at = dec_push(d, CTL_F_RESOLVED);
	if (dec_object(d, o) == -1 ||
	    dec_str(d, o, CTL_F_HOST, 0, &r->host) == -1 ||
	    dec_str(d, o, CTL_F_ADDRESS, 1, &r->address) == -1 ||
	    dec_num(d, o, CTL_F_TTL_S, 1, &r->ttl_s) == -1 ||
	    dec_num(d, o, CTL_F_AGO_S, 1, &ago) == -1 ||
	    dec_num(d, o, CTL_F_EXPIRES_S, 1, &r->expires_s) == -1 ||
	    dec_num(d, o, CTL_F_LOOKUP_MS, 1, &r->lookup_ms) == -1 ||
	    dec_uint(d, o, CTL_F_LOOKUPS, &r->lookups) == -1 ||
	    dec_uint(d, o, CTL_F_LOOKUP_FAILURES, &r->lookup_failures) == -1 ||
	    dec_str(d, o, CTL_F_REASON, 1, &r->resolve_reason) == -1 ||
	    dec_num(d, o, CTL_F_FAILING_SINCE_S, 1, &r->failing_since_s) == -1)
		goto out;
	r->has_resolved = 1;
	ret = 0;
 out:
	dec_pop(d, at);
	return ret;
}

static int
dec_origin(struct dec *d, json_t *o, void *arg)
{
	struct ctlc_origin *r = arg;

	if (dec_object(d, o) == -1 ||
	    dec_str(d, o, CTL_F_ORIGIN, 0, &r->origin) == -1 ||
	    dec_str(d, o, CTL_F_KIND, 0, &r->kind) == -1 ||
	    dec_str(d, o, CTL_F_TARGET, 0, &r->target) == -1 ||
	    dec_str(d, o, CTL_F_HEALTH, 0, &r->health) == -1 ||
	    dec_num(d, o, CTL_F_HEALTH_SINCE_S, 0, &r->health_since_s) == -1 ||
	    dec_uint(d, o, CTL_F_FAILURES, &r->failures) == -1 ||
	    dec_uint(d, o, CTL_F_SUCCESSES, &r->successes) == -1 ||
	    dec_uint(d, o, CTL_F_CHECKS, &r->checks) == -1 ||
	    dec_uint(d, o, CTL_F_CHECKS_FAILED, &r->checks_failed) == -1 ||
	    dec_bool(d, o, CTL_F_RUNNING, &r->running) == -1 ||
	    dec_num(d, o, CTL_F_INTERVAL_MS, 0, &r->interval_ms) == -1 ||
	    dec_num(d, o, CTL_F_TIMEOUT_MS, 0, &r->timeout_ms) == -1 ||
	    dec_uint(d, o, CTL_F_UNHEALTHY_AFTER, &r->unhealthy_after) == -1 ||
	    dec_uint(d, o, CTL_F_HEALTHY_AFTER, &r->healthy_after) == -1 ||
	    dec_check_result(d, o, CTL_F_LAST, &r->has_last, &r->last) == -1 ||
	    dec_check_result(d, o, CTL_F_LAST_GOOD, &r->has_last_good,
	    &r->last_good) == -1 ||
	    dec_resolved(d, o, r) == -1)
		return -1;
	return 0;
}

int
ctlc_decode_origins(json_t *reply, struct ctlc_origins *l, char *err,
    size_t errlen)
{
	struct dec d;

	memset(l, 0, sizeof(*l));
	if ((l->v = dec_list(&d, reply, err, errlen, CTL_F_ORIGINS,
	    sizeof(*l->v), dec_origin, NULL, &l->n)) == NULL)
		return -1;
	l->json = json_incref(reply);
	return 0;
}

void
ctlc_origins_free(struct ctlc_origins *l)
{
	free(l->v);
	json_decref(l->json);
	memset(l, 0, sizeof(*l));
}

/*
 * tiers
 */
static int
dec_tier(struct dec *d, json_t *o, void *arg)
{
	struct ctlc_tier *t = arg;

	if (dec_object(d, o) == -1 ||
	    dec_str(d, o, CTL_F_ORIGIN, 0, &t->origin) == -1 ||
	    dec_str(d, o, CTL_F_SELECTION, 0, &t->selection) == -1 ||
	    dec_str(d, o, CTL_F_ROLE, 0, &t->role) == -1 ||
	    dec_str(d, o, CTL_F_PARENT, 1, &t->parent) == -1 ||
	    dec_num(d, o, CTL_F_PARENT_COST_MS, 1, &t->parent_cost_ms) == -1 ||
	    dec_num(d, o, CTL_F_PARENT_PATH_MS, 1, &t->parent_path_ms) == -1 ||
	    dec_str(d, o, CTL_F_FALLBACK, 1, &t->fallback) == -1 ||
	    dec_num(d, o, CTL_F_FALLBACK_COST_MS, 1,
	    &t->fallback_cost_ms) == -1 ||
	    dec_str(d, o, CTL_F_UPPER, 1, &t->upper) == -1 ||
	    dec_strings(d, o, CTL_F_UPPERS, &t->uppers, &t->nuppers) == -1 ||
	    dec_str(d, o, CTL_F_CHALLENGER, 1, &t->challenger) == -1 ||
	    dec_num(d, o, CTL_F_CHALLENGER_S, 1, &t->challenger_s) == -1 ||
	    dec_num(d, o, CTL_F_SINCE_S, 0, &t->since_s) == -1 ||
	    dec_uint(d, o, CTL_F_CHANGES, &t->changes) == -1)
		return -1;
	return 0;
}

int
ctlc_decode_tiers(json_t *reply, struct ctlc_tiers *l, char *err,
    size_t errlen)
{
	struct dec d;

	memset(l, 0, sizeof(*l));
	if ((l->v = dec_list(&d, reply, err, errlen, CTL_F_TIERS,
	    sizeof(*l->v), dec_tier, NULL, &l->n)) == NULL)
		return -1;
	l->json = json_incref(reply);
	return 0;
}

void
ctlc_tiers_free(struct ctlc_tiers *l)
{
	size_t i;

	for (i = 0; l->v != NULL && i < l->n; i++)
		free(l->v[i].uppers);
	free(l->v);
	json_decref(l->json);
	memset(l, 0, sizeof(*l));
}

/*
 * fib and dry-run
 */
static int
dec_fib_route(struct dec *d, json_t *o, void *arg)
{
	struct ctlc_fib_route *r = arg;

	if (dec_object(d, o) == -1 ||
	    dec_str(d, o, CTL_F_PREFIX, 0, &r->prefix) == -1 ||
	    dec_str(d, o, CTL_F_ENCAP_DST, 1, &r->encap_dst) == -1 ||
	    dec_str(d, o, CTL_F_DEV, 0, &r->dev) == -1 ||
	    dec_uint(d, o, CTL_F_VNI, &r->vni) == -1 ||
	    dec_uint(d, o, CTL_F_PROTOCOL, &r->protocol) == -1)
		return -1;
	return 0;
}

int
ctlc_decode_fib(json_t *reply, struct ctlc_fib *f, char *err, size_t errlen)
{
	struct dec d;

	memset(f, 0, sizeof(*f));
	if ((f->v = dec_list(&d, reply, err, errlen, CTL_F_FIB, sizeof(*f->v),
	    dec_fib_route, NULL, &f->n)) == NULL ||
	    dec_uint(&d, reply, CTL_F_TABLE, &f->table) == -1 ||
	    dec_kernel(&d, reply, &f->kernel) == -1) {
		ctlc_fib_free(f);
		return -1;
	}
	f->json = json_incref(reply);
	return 0;
}

void
ctlc_fib_free(struct ctlc_fib *f)
{
	free(f->v);
	kernel_free(&f->kernel);
	json_decref(f->json);
	memset(f, 0, sizeof(*f));
}

int
ctlc_decode_dry_run(json_t *reply, struct ctlc_dry_run *dr, char *err,
    size_t errlen)
{
	struct dec d;

	memset(dr, 0, sizeof(*dr));
	if (dec_reply(&d, reply, err, errlen, NULL, NULL) == -1 ||
	    dec_kernel(&d, reply, &dr->kernel) == -1) {
		kernel_free(&dr->kernel);
		return -1;
	}
	dr->json = json_incref(reply);
	return 0;
}

void
ctlc_dry_run_free(struct ctlc_dry_run *dr)
{
	kernel_free(&dr->kernel);
	json_decref(dr->json);
	memset(dr, 0, sizeof(*dr));
}

json_t *
ctlc_dry_run_args(int on)
{
	return json_pack("{s:b}", CTL_F_ON, on);
}

/*
 * help
 */
static int
dec_command(struct dec *d, json_t *o, void *arg)
{
	struct ctlc_command *c = arg;

	if (dec_object(d, o) == -1 ||
	    dec_str(d, o, CTL_F_CMD, 0, &c->cmd) == -1 ||
	    dec_str(d, o, CTL_F_HELP, 0, &c->help) == -1 ||
	    dec_bool(d, o, CTL_F_WRITE, &c->write) == -1)
		return -1;
	return 0;
}

int
ctlc_decode_help(json_t *reply, struct ctlc_help *h, char *err,
    size_t errlen)
{
	struct dec d;

	memset(h, 0, sizeof(*h));
	if ((h->v = dec_list(&d, reply, err, errlen, CTL_F_COMMANDS,
	    sizeof(*h->v), dec_command, NULL, &h->n)) == NULL)
		return -1;
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

/*
 * Events.
 */
/* old or new of a route event: null or absent means none. */
static int
dec_event_route(struct dec *d, json_t *j, const char *key,
    struct ctlc_route *r, int *has)
{
	json_t *o = json_object_get(j, key);
	size_t up;

	if (o == NULL || json_is_null(o))
		return 0;
	up = dec_push(d, key);
	if (dec_route(d, o, r, 0) == -1)
		return -1;
	dec_pop(d, up);
	*has = 1;
	return 0;
}

/* old or new of a tier event: null or absent means none. */
static int
dec_event_tier(struct dec *d, json_t *j, const char *key,
    struct ctlc_tier *t, int *has)
{
	json_t *o = json_object_get(j, key);
	size_t up;

	if (o == NULL || json_is_null(o))
		return 0;
	up = dec_push(d, key);
	if (dec_tier(d, o, t) == -1)
		return -1;
	dec_pop(d, up);
	*has = 1;
	return 0;
}

/*
 * changes
 */
static void
change_free(void *arg)
{
	struct ctlc_change *c = arg;

	route_free(&c->before);
	route_free(&c->after);
}

static int
dec_change(struct dec *d, json_t *o, void *arg)
{
	struct ctlc_change *c = arg;

	memset(c, 0, sizeof(*c));
	if (dec_object(d, o) == -1 ||
	    dec_num(d, o, CTL_F_TIME, 0, &c->time) == -1 ||
	    dec_num(d, o, CTL_F_AGO_S, 0, &c->ago_s) == -1 ||
	    dec_str(d, o, CTL_F_ORIGIN, 0, &c->origin) == -1 ||
	    dec_str(d, o, CTL_F_PREFIX, 0, &c->prefix) == -1 ||
	    dec_str(d, o, CTL_F_REASON, 0, &c->reason) == -1 ||
	    dec_event_route(d, o, CTL_F_OLD, &c->before,
	    &c->has_before) == -1 ||
	    dec_event_route(d, o, CTL_F_NEW, &c->after, &c->has_after) == -1) {
		change_free(c);
		return -1;
	}
	return 0;
}

int
ctlc_decode_changes(json_t *reply, struct ctlc_changes *cs, char *err,
    size_t errlen)
{
	struct dec d;

	memset(cs, 0, sizeof(*cs));
	if ((cs->v = dec_list(&d, reply, err, errlen, CTL_F_ENTRIES,
	    sizeof(*cs->v), dec_change, change_free, &cs->n)) == NULL)
		return -1;
	if (dec_uint(&d, reply, CTL_F_CAPACITY, &cs->capacity) == -1 ||
	    dec_uint(&d, reply, CTL_F_RECORDED, &cs->recorded) == -1) {
		cs->json = NULL;
		ctlc_changes_free(cs);
		return -1;
	}
	cs->json = json_incref(reply);
	return 0;
}

void
ctlc_changes_free(struct ctlc_changes *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		change_free(&cs->v[i]);
	free(cs->v);
	json_decref(cs->json);
	memset(cs, 0, sizeof(*cs));
}

json_t *
ctlc_changes_args(const char *origin)
{
	json_t *o = json_object();

	if (origin != NULL)
		json_object_set_new(o, CTL_F_ORIGIN, json_string(origin));
	return o;
}

int
ctlc_decode_event(json_t *j, struct ctlc_event *ev, char *err,
    size_t errlen)
{
	struct dec d;

	memset(ev, 0, sizeof(*ev));
	ev->rtt_ms = ev->loss_pct = NAN;
	dec_init(&d, err, errlen, CTL_F_EVENT);
	if (!json_is_object(j))
		return dec_fail(&d, NULL, "not an object");
	if (dec_str(&d, j, CTL_F_EVENT, 0, &ev->name) == -1 ||
	    dec_num(&d, j, CTL_F_TIME, 0, &ev->time) == -1)
		return -1;
	if (strcmp(ev->name, CTL_EV_LINK) == 0) {
		ev->type = CTLC_EVENT_LINK;
		if (dec_str(&d, j, CTL_F_PEER, 0, &ev->peer) == -1 ||
		    dec_str(&d, j, CTL_F_FROM, 1, &ev->from) == -1 ||
		    dec_str(&d, j, CTL_F_TO, 1, &ev->to) == -1 ||
		    dec_num(&d, j, CTL_F_RTT_MS, 1, &ev->rtt_ms) == -1 ||
		    dec_num(&d, j, CTL_F_LOSS_PCT, 1, &ev->loss_pct) == -1)
			return -1;
	} else if (strcmp(ev->name, CTL_EV_ROUTE) == 0) {
		ev->type = CTLC_EVENT_ROUTE;
		if (dec_str(&d, j, CTL_F_ORIGIN, 0, &ev->origin) == -1 ||
		    dec_str(&d, j, CTL_F_PREFIX, 0, &ev->prefix) == -1 ||
		    dec_event_route(&d, j, CTL_F_OLD, &ev->before,
		    &ev->has_before) == -1 ||
		    dec_event_route(&d, j, CTL_F_NEW, &ev->after,
		    &ev->has_after) == -1) {
			ctlc_event_free(ev);
			return -1;
		}
	} else if (strcmp(ev->name, CTL_EV_ORIGIN) == 0) {
		ev->type = CTLC_EVENT_ORIGIN;
		if (dec_str(&d, j, CTL_F_ORIGIN, 0, &ev->origin) == -1 ||
		    dec_str(&d, j, CTL_F_FROM, 0, &ev->from) == -1 ||
		    dec_str(&d, j, CTL_F_TO, 0, &ev->to) == -1 ||
		    dec_str(&d, j, CTL_F_REASON, 1, &ev->reason) == -1)
			return -1;
	} else if (strcmp(ev->name, CTL_EV_TIER) == 0) {
		ev->type = CTLC_EVENT_TIER;
		if (dec_str(&d, j, CTL_F_ORIGIN, 0, &ev->origin) == -1 ||
		    dec_event_tier(&d, j, CTL_F_OLD, &ev->tier_before,
		    &ev->has_before) == -1 ||
		    dec_event_tier(&d, j, CTL_F_NEW, &ev->tier_after,
		    &ev->has_after) == -1)
			return -1;
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
	free(ev->tier_before.uppers);
	free(ev->tier_after.uppers);
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
