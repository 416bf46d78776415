/*
 * libFuzzer harness for the configuration parser, conf_parse_stream()
 * (src/conf.h), on arbitrary text.
 *
 * Besides memory safety and leaks, it checks the property the golden
 * tests (tests/test_conf.sh) check on a handful of files: for every
 * config that parses, the normalised form printed by conf_print() parses
 * again (with the elided key put back) and prints the same text, i.e. the
 * printed form is a fixed point. A config the daemon accepts but whose
 * printout it rejects or changes is a bug in the parser or the printer.
 *
 * Parse errors go to stderr by design; the harness points the stdio
 * stream stderr at /dev/null (ARGO_FUZZ_VERBOSE=1 keeps it). libFuzzer
 * keeps its own copy of the stream and the sanitizers write to fd 2, so
 * their reports are not lost. A "key-file" statement makes the parser open
 * whatever path the input names, read-only: run from a directory with
 * nothing precious in it if that matters (fuzz/build.sh runs from the
 * top of the tree, so that the key files the seeds name are found).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define NAME	"fuzz.conf"

static FILE *errf;	/* the real stderr, for our own reports */

static void
die(const char *what, const char *text1, const char *text2)
{
	FILE *f = errf != NULL ? errf : stderr;

	fprintf(f, "fuzz_conf: invariant violated: %s\n", what);
	if (text1 != NULL)
		fprintf(f, "--- first print:\n%s", text1);
	if (text2 != NULL)
		fprintf(f, "--- second print:\n%s", text2);
	abort();
}

static char *
print(const struct conf *c)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f;

	if ((f = open_memstream(&s, &n)) == NULL)
		abort();
	conf_print(f, c);
	if (fclose(f) != 0)
		abort();
	return s;
}

/* Put a key back where conf_print() elided it, as test_conf.sh does. */
static char *
unelide_one(const char *s, const char *kw, const uint8_t key[WIRE_KEY_LEN])
{
	char tag[32];
	const char *at, *rest;
	char *out, hex[2 * WIRE_KEY_LEN + 1];
	size_t i, tl;

	snprintf(tag, sizeof(tag), "%s <elided>\n", kw);
	tl = strlen(tag);
	at = s;
	while (strncmp(at, tag, tl) != 0) {
		if ((at = strchr(at, '\n')) == NULL)
			break;
		at++;
	}
	if (at == NULL) {
		if ((out = strdup(s)) == NULL)
			abort();
		return out;
	}
	for (i = 0; i < WIRE_KEY_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	rest = at + tl;
	if (asprintf(&out, "%.*s%s %s\n%s", (int)(at - s), s, kw, hex,
	    rest) == -1)
		abort();
	return out;
}

static char *
unelide(const char *s, const struct conf *c)
{
	char *a, *b;

	a = unelide_one(s, "key", c->ec.key);
	if (!c->ec.has_key_next)
		return a;
	b = unelide_one(a, "key-next", c->ec.key_next);
	free(a);
	return b;
}

static void
fixed_point(const struct conf *c)
{
	struct conf *c2;
	char *p1, *in2, *p2;
	FILE *f;

	p1 = print(c);
	in2 = unelide(p1, c);
	if ((f = fmemopen(in2, strlen(in2), "r")) == NULL)
		abort();
	c2 = conf_parse_stream(f, NAME);
	fclose(f);
	if (c2 == NULL)
		die("printed config does not parse", p1, NULL);
	if (memcmp(c->ec.key, c2->ec.key, WIRE_KEY_LEN) != 0)
		die("key changed on reparse", NULL, NULL);
	if (c->ec.id != c2->ec.id)
		die("node id changed on reparse", p1, NULL);
	p2 = print(c2);
	if (strcmp(p1, p2) != 0)
		die("printed config is not a fixed point", p1, p2);
	free(p2);
	conf_free(c2);
	free(in2);
	free(p1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *c;
	char *buf;
	FILE *f;

	/* fmemopen() reads the buffer in place: give it a private copy. */
	if ((buf = malloc(size + 1)) == NULL)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	if ((f = fmemopen(buf, size, "r")) == NULL)
		abort();
	c = conf_parse_stream(f, NAME);
	fclose(f);
	if (c != NULL) {
		fixed_point(c);
		conf_free(c);
	}
	free(buf);
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	errf = stderr;
	if (getenv("ARGO_FUZZ_VERBOSE") == NULL) {
		FILE *null = fopen("/dev/null", "w");

		if (null != NULL)
			stderr = null;
	}
	return 0;
}
