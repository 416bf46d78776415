/*
 * The logging API (src/log.c) as a daemon in the foreground uses it:
 * stamped lines on a terminal or file, priority-prefixed lines when
 * stderr is the systemd journal (JOURNAL_STREAM naming stderr itself),
 * and the token bucket that holds back repeated messages caused by
 * remote input, counting what it suppressed.
 */
#include "config.h"

#include <sys/stat.h>

#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tap.h"

static FILE *capture;

/* What was logged since the last call, stderr being the capture file. */
static char *
logged(void)
{
	static char buf[4096];
	size_t n;

	fflush(stderr);
	rewind(capture);
	n = fread(buf, 1, sizeof(buf) - 1, capture);
	buf[n] = '\0';
	if (ftruncate(fileno(capture), 0) != 0)
		buf[0] = '\0';
	rewind(capture);
	return buf;
}

static int
matches(const char *re, const char *s)
{
	regex_t r;
	int rc;

	if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0)
		return 0;
	rc = regexec(&r, s, 0, NULL, 0) == 0;
	regfree(&r);
	return rc;
}

int
main(void)
{
	struct log_limit lim;
	struct stat st;
	uint64_t sup = 0, t;
	char env[64], *s;
	int i, passed, saved;

	saved = dup(2);
	if ((capture = tmpfile()) == NULL || dup2(fileno(capture), 2) == -1) {
		printf("Bail out! cannot capture stderr\n");
		return 1;
	}

	unsetenv("JOURNAL_STREAM");
	is_int(log_foreground_dest(), LOG_TO_STDERR_STAMPED,
	    "no JOURNAL_STREAM: stamped");
	log_init("argod", log_foreground_dest(), 0);
	log_warnx("peer %s down", "fra");
	s = logged();
	ok(matches("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
	    "\\.[0-9]{3}Z argod: peer fra down\n$", s),
	    "foreground line: RFC 3339 UTC to the ms, program, message: %.*s",
	    (int)strcspn(s, "\n"), s);

	/* the journal: JOURNAL_STREAM is stderr's device and inode */
	fstat(2, &st);
	snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", env, 1);
	is_int(log_foreground_dest(), LOG_TO_JOURNAL,
	    "JOURNAL_STREAM %s names stderr: journal", env);
	log_init("argod", log_foreground_dest(), 1);
	log_warnx("w %d", 1);
	log_info("i");
	log_debug("d");
	s = logged();
	ok(strcmp(s, "<4>w 1\n<6>i\n<7>d\n") == 0,
	    "journal lines: syslog priority prefix, no stamp, no program");
	snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino + 1);
	setenv("JOURNAL_STREAM", env, 1);
	is_int(log_foreground_dest(), LOG_TO_STDERR_STAMPED,
	    "JOURNAL_STREAM of another stream (stderr redirected): stamped");
	setenv("JOURNAL_STREAM", "8:12x", 1);
	is_int(log_foreground_dest(), LOG_TO_STDERR_STAMPED,
	    "malformed JOURNAL_STREAM: stamped");
	unsetenv("JOURNAL_STREAM");

	/* repeated messages: bursts of 20, then 5 a second */
	memset(&lim, 0, sizeof(lim));
	t = 1000000000ULL;
	for (i = passed = 0; i < 100; i++)
		passed += log_ratelimited(&lim, t, &sup);
	is_int(passed, 20, "100 at once: a burst of 20 printed");
	is_int(lim.suppressed, 80, "80 counted as suppressed");
	t += 1000000000ULL;
	for (i = passed = 0; i < 100; i++)
		if (log_ratelimited(&lim, t + (uint64_t)i, &sup) && passed++ == 0)
			is_int(sup, 80, "the next line printed says 80 were "
			    "suppressed");
	is_int(passed, 5, "one second later: 5 more");
	t += 3600ULL * 1000000000ULL;
	for (i = passed = 0; i < 100; i++)
		passed += log_ratelimited(&lim, t, &sup);
	is_int(passed, 20, "an hour later: the burst, no more");

	dup2(saved, 2);
	close(saved);
	fclose(capture);
	return done_testing();
}
