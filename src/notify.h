/*
 * The systemd notification protocol (sd_notify(3)): readiness, reloads,
 * a status line and watchdog pings for a unit of Type=notify. Every call
 * is a no-op when $NOTIFY_SOCKET is not set.
 */
#ifndef ARGO_NOTIFY_H
#define ARGO_NOTIFY_H

struct ev_loop;
struct engine;

/* Reads the environment; after daemon(), so getpid() is the main PID. */
void	notify_init(struct ev_loop *, const struct engine *);
void	notify_ready(void);
void	notify_reloading(void);
void	notify_stopping(void);
void	notify_close(void);

#endif
