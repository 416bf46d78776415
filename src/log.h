/*
 * One logging API for the daemon and its tools (STYLE.md convention 5).
 *
 * log_warn() appends strerror(errno), log_warnx() does not. fatal() and
 * fatalx() are for local invariants only: nothing a peer or a control
 * client sends may reach them. log_ratelimited() guards every message that
 * remote input can trigger.
 */
#ifndef ARGO_LOG_H
#define ARGO_LOG_H

#include <stdint.h>

#define ARGO_PRINTF(a, b) __attribute__((format(printf, a, b)))

/*
 * LOG_TO_STDERR_STAMPED: each line starts with the UTC time, RFC 3339 to
 * the millisecond, for a daemon in the foreground; syslog and the journal
 * stamp lines themselves, and tools' messages are not log lines.
 * LOG_TO_JOURNAL: stderr is the systemd journal; each line starts with
 * its syslog priority as "<4>" (sd-daemon(3)), so that journald records
 * warnings as warnings.
 */
enum log_dest { LOG_TO_STDERR, LOG_TO_STDERR_STAMPED, LOG_TO_SYSLOG,
	LOG_TO_JOURNAL };

/* A daemon in the foreground: LOG_TO_JOURNAL or LOG_TO_STDERR_STAMPED. */
enum log_dest	log_foreground_dest(void);

void	log_init(const char *progname, enum log_dest dest, int verbose);
void	log_setverbose(int verbose);
int	log_getverbose(void);
void	log_warn(const char *, ...) ARGO_PRINTF(1, 2);
void	log_warnx(const char *, ...) ARGO_PRINTF(1, 2);
void	log_info(const char *, ...) ARGO_PRINTF(1, 2);
void	log_debug(const char *, ...) ARGO_PRINTF(1, 2);
void	fatal(const char *, ...) ARGO_PRINTF(1, 2) __attribute__((noreturn));
void	fatalx(const char *, ...) ARGO_PRINTF(1, 2) __attribute__((noreturn));

/*
 * A token bucket for log lines caused by remote input. Returns 1 when a line
 * may be printed now; counts what it suppressed so the next printed line can
 * say so.
 */
struct log_limit {
	uint64_t	last_ns;
	double		tokens;
	uint64_t	suppressed;
};
int	log_ratelimited(struct log_limit *, uint64_t now_ns, uint64_t *suppressed);

void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);

#endif
