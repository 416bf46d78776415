/*
 * libFuzzer harness for the status socket's request handling,
 * ctl_cmd_request() (src/ctl-cmd.h): one request line, as a client sends
 * it, against a running engine with peers, origins and routes, a kernel
 * layer on the mock backend (kern_mock.c) and the daemon's hooks stubbed.
 *
 * Every input must get exactly one reply that is a JSON object with a
 * boolean "ok" (and, when not ok, an "error" string): a malformed,
 * oversized, deeply nested or hostile request is an error reply, never a
 * crash, a hang or no answer (issue 13). The request is cut at
 * CTL_MAX_REQUEST, as ctl.c cuts lines. The read-only flag comes from
 * the first byte, so write commands (dry-run, reload) are reached both
 * ways.
 *
 * ARGO_FUZZ_WRITE_SEEDS=DIR writes a seed corpus (every command, with
 * and without arguments and tags, and some broken lines) and exits.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl-cmd.h"
#include "ctl-proto.h"
#include "engine.h"
#include "kern.h"
#include "kern_mock.h"
#include "lmcheck.h"
#include "log.h"
#include "params.h"
#include "prefix.h"
#include "routelog.h"
#include "wire.h"

static struct engine *e;
static struct engine_conf ec;
static struct kern *k;
static uint64_t now;
static struct routelog *rl;	/* "changes": the engine's route events */

/* The daemon's origin checks are not linked in: none are running. */
size_t
lmcheck_count(const struct lmcheck *lc)
{
	(void)lc;
	return 0;
}

void
lmcheck_view(const struct lmcheck *lc, size_t i, struct lmcheck_view *v)
{
	(void)lc;
	(void)i;
	memset(v, 0, sizeof(*v));
}

static int
hook_reload(void *arg, char *err, size_t errlen)
{
	(void)arg;
	snprintf(err, errlen, "reload is not available here");
	return -1;
}

static void
hook_kern_changed(void *arg)
{
	(void)arg;
}

static void
hook_peer_address(void *arg, size_t peer, struct ctl_peer_addr *pa)
{
	(void)arg;
	memset(pa, 0, sizeof(*pa));
	if (peer == 1)
		pa->host = "fz-b.example.net";
}

static void
ev_send(void *arg, size_t peer, const void *buf, size_t len)
{
	(void)arg;
	(void)peer;
	(void)buf;
	(void)len;
}

/* A small ring, so that the fuzzer's runs see it full and wrapped. */
static void
ev_route(void *arg, const struct engine_route_event *ev)
{
	(void)arg;
	routelog_add(rl, e, ev, now);
}

static const struct engine_ops ops = { ev_send, NULL, ev_route, NULL, NULL };

static void
origin(struct engine_origin_conf *o, const char *name, const char *pfx,
    const char *eg1, const char *eg2)
{
	char err[160];

	snprintf(o->name, sizeof(o->name), "%s", name);
	o->nprefixes = 1;
	o->prefixes = calloc(1, sizeof(*o->prefixes));
	o->egress = calloc(2, sizeof(uint32_t));
	o->egress_names = calloc(2, sizeof(*o->egress_names));
	if (o->prefixes == NULL || o->egress == NULL ||
	    o->egress_names == NULL ||
	    prefix_parse(pfx, &o->prefixes[0], err, sizeof(err)) != NULL)
		abort();
	o->negress = 2;
	o->egress[0] = wire_node_id(eg1);
	o->egress[1] = wire_node_id(eg2);
	snprintf(o->egress_names[0], sizeof(o->egress_names[0]), "%s", eg1);
	snprintf(o->egress_names[1], sizeof(o->egress_names[1]), "%s", eg2);
}

static void
setup(void)
{
	static const char *peers[] = { "fz-a", "fz-b", "fz-c" };
	struct kern_conf kc;
	size_t i;

	if (wire_init() == -1)
		abort();
	log_init("fuzz_ctl", LOG_TO_STDERR, -1);
	memset(&ec, 0, sizeof(ec));
	snprintf(ec.name, sizeof(ec.name), "fz-self");
	ec.id = wire_node_id(ec.name);
	params_default(&ec.p);
	ec.npeers = 3;
	ec.peers = calloc(3, sizeof(*ec.peers));
	ec.origins = calloc(2, sizeof(*ec.origins));
	if (ec.peers == NULL || ec.origins == NULL)
		abort();
	for (i = 0; i < 3; i++) {
		snprintf(ec.peers[i].name, sizeof(ec.peers[i].name), "%s",
		    peers[i]);
		ec.peers[i].id = wire_node_id(peers[i]);
	}
	ec.norigins = 2;
	origin(&ec.origins[0], "web", "192.0.2.0/24", "fz-a", "fz-self");
	origin(&ec.origins[1], "db", "2001:db8::/32", "fz-b", "fz-far");
	rl = routelog_new(4);
	ctl_cmd_routelog(rl);
	e = engine_new(&ec, &ops, NULL, 0, 1000, 1);
	for (now = 0; now < 3 * SEC; now += 50 * MSEC)
		engine_run(e, now);
	kern_conf_default(&kc);
	kc.dry_run = 1;
	kmock_reset();
	k = kern_open(&kc);
	ctl_cmd_started(0);
}

static void
die(const char *why, const char *reply)
{
	fprintf(stderr, "fuzz_ctl: %s\nreply: %s\n", why,
	    reply != NULL ? reply : "(none)");
	abort();
}

static void
one(const char *line, size_t len, int ro)
{
	struct ctl_cmd_ctx x;
	json_error_t jerr;
	json_t *r, *okv, *errv;
	char *reply;

	memset(&x, 0, sizeof(x));
	x.e = e;
	x.kern = k;
	x.hooks.reload = hook_reload;
	x.hooks.kern_changed = hook_kern_changed;
	x.hooks.peer_address = hook_peer_address;
	x.now = now;
	x.ro = ro;
	if ((reply = ctl_cmd_request(&x, line, len)) == NULL)
		die("no reply", NULL);
	if (strchr(reply, '\n') != NULL)
		die("a reply spans lines", reply);
	if ((r = json_loads(reply, 0, &jerr)) == NULL)
		die("the reply is not JSON", reply);
	okv = json_object_get(r, CTL_F_OK);
	if (!json_is_object(r) || !json_is_boolean(okv))
		die("the reply has no boolean \"ok\"", reply);
	errv = json_object_get(r, CTL_F_ERROR);
	if (!json_is_true(okv) && !json_is_string(errv))
		die("an error reply without an error string", reply);
	json_decref(r);
	free(reply);
	/* a dry-run request may have switched it: keep the next input's
	   starting point the same */
	if (kern_dry_run(k) != 1)
		kern_set_dry_run(k, 1);
}

static void
write_seeds(const char *dir)
{
	static const char *seeds[] = {
		"{\"cmd\":\"status\"}",
		"{\"cmd\":\"peers\",\"tag\":7}",
		"{\"cmd\":\"matrix\"}",
		"{\"cmd\":\"routes\",\"tag\":\"x\"}",
		"{\"cmd\":\"lsdb\"}",
		"{\"cmd\":\"origins\"}",
		"{\"cmd\":\"fib\"}",
		"{\"cmd\":\"help\"}",
		"{\"cmd\":\"monitor\"}",
		"{\"cmd\":\"reload\"}",
		"{\"cmd\":\"dry-run\",\"on\":false}",
		"{\"cmd\":\"dry-run\",\"on\":\"yes\"}",
		"{\"cmd\":\"nope\"}",
		"{\"cmd\":7}",
		"[1,2,3]",
		"{\"cmd\":\"status\",\"cmd\":\"peers\"}",
		"{\"cmd\":\"status\"",
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]",
		"",
	};
	char path[4096];
	size_t i;
	FILE *f;

	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		snprintf(path, sizeof(path), "%s/seed-%02zu", dir, i);
		if ((f = fopen(path, "wb")) == NULL) {
			perror(path);
			exit(1);
		}
		fputc(i % 2 ? 1 : 0, f);	/* read-only for odd seeds */
		fputs(seeds[i], f);
		fclose(f);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir;

	(void)argc;
	(void)argv;
	setup();
	if ((dir = getenv("ARGO_FUZZ_WRITE_SEEDS")) != NULL) {
		write_seeds(dir);
		exit(0);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line;
	size_t len;

	if (size < 1)
		return 0;
	len = size - 1 > CTL_MAX_REQUEST ? CTL_MAX_REQUEST : size - 1;
	/* a heap block of exactly the line: overreads are ASan reports */
	if ((line = malloc(len ? len : 1)) == NULL)
		abort();
	memcpy(line, data + 1, len);
	one(line, len, data[0] & 1);
	free(line);
	return 0;
}
