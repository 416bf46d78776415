/*
 * The one logging API (STYLE.md convention 5): log_warn[x], log_info,
 * log_debug, fatal[x], rate limiting for what a remote packet can cause,
 * and the x*alloc helpers that die on exhaustion. See log.h.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static const char	*log_prog = "argod";
static enum log_dest	 log_dest = LOG_TO_STDERR;
static int		 log_verbose;

void
log_init(const char *progname, enum log_dest dest, int verbose)
{
	log_prog = progname;
	log_dest = dest;
	log_verbose = verbose;
	if (dest == LOG_TO_SYSLOG)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

int
log_getverbose(void)
{
	return log_verbose;
}

/*
 * systemd sets JOURNAL_STREAM to "DEVICE:INODE" of the stream it connects
 * to the journal (systemd.exec(5)); only when that is still our stderr
 * (not a redirection by a script under the unit) do lines go out with
 * sd-daemon(3)'s "<N>" priority prefix, which journald turns into the
 * entry's priority (SyslogLevelPrefix=, on by default) and strips.
 */
enum log_dest
log_foreground_dest(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	if (js == NULL || sscanf(js, "%llu:%llu%c", &dev, &ino, &end) != 2 ||
	    fstat(2, &st) == -1)
		return LOG_TO_STDERR_STAMPED;
	if ((unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino)
		return LOG_TO_JOURNAL;
	return LOG_TO_STDERR_STAMPED;
}

static void vlog(int, const char *, va_list, int, int)
    __attribute__((format(printf, 2, 0)));

/* "2026-12-07T09:08:27.123Z ", or "" if the clock cannot be read */
static void
log_stamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	buf[0] = '\0';
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1 ||
	    gmtime_r(&ts.tv_sec, &tm) == NULL)
		return;
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n == 0)
		return;
	snprintf(buf + n, len - n, ".%03ldZ ", ts.tv_nsec / 1000000);
}

static void
vlog(int pri, const char *fmt, va_list ap, int with_errno, int saved_errno)
{
	char msg[1024], stamp[40] = "";

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_dest == LOG_TO_SYSLOG) {
		if (with_errno)
			syslog(pri, "%s: %s", msg, strerror(saved_errno));
		else
			syslog(pri, "%s", msg);
		return;
	}
	if (log_dest == LOG_TO_JOURNAL) {
		/* the journal names the program and stamps the line */
		if (with_errno)
			fprintf(stderr, "<%d>%s: %s\n", pri, msg,
			    strerror(saved_errno));
		else
			fprintf(stderr, "<%d>%s\n", pri, msg);
		fflush(stderr);
		return;
	}
	if (log_dest == LOG_TO_STDERR_STAMPED)
		log_stamp(stamp, sizeof(stamp));
	if (with_errno)
		fprintf(stderr, "%s%s: %s: %s\n", stamp, log_prog, msg,
		    strerror(saved_errno));
	else
		fprintf(stderr, "%s%s: %s\n", stamp, log_prog, msg);
	fflush(stderr);
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, 1, saved);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, 0, 0);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < 0)
		return;
	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, 0, 0);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, 0, 0);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, 1, saved);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, 0, 0);
	va_end(ap);
	exit(1);
}

/* 5 lines per second sustained, bursts of 20. */
#define LOG_RATE	5.0
#define LOG_BURST	20.0

int
log_ratelimited(struct log_limit *l, uint64_t now_ns, uint64_t *suppressed)
{
	double dt;

	if (l->last_ns == 0)
		l->tokens = LOG_BURST;
	else if (now_ns > l->last_ns) {
		dt = (double)(now_ns - l->last_ns) / 1e9;
		l->tokens += dt * LOG_RATE;
		if (l->tokens > LOG_BURST)
			l->tokens = LOG_BURST;
	}
	l->last_ns = now_ns;
	if (l->tokens < 1.0) {
		l->suppressed++;
		return 0;
	}
	l->tokens -= 1.0;
	*suppressed = l->suppressed;
	l->suppressed = 0;
	return 1;
}

void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	if (p == NULL)
		fatal("calloc");
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t sz)
{
	if (sz && n > SIZE_MAX / sz)
		fatalx("xreallocarray: overflow");
	p = realloc(p, (n * sz) != 0 ? n * sz : 1);
	if (p == NULL)
		fatal("realloc");
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fatal("strdup");
	return p;
}
