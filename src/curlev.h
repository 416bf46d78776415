/*
 * libcurl's multi interface on the libev loop: the multi-socket API
 * (CURLMOPT_SOCKETFUNCTION, CURLMOPT_TIMERFUNCTION), one ev_timer for the
 * timeout libcurl asks for and one ev_io per socket it names. libcurl
 * never blocks the loop; it is only called back when a socket is ready or
 * its timer expires.
 *
 * A transfer is an easy handle the caller set up; when it finishes
 * (completed, failed or timed out) its done function is called once with
 * libcurl's result, after the handle left the multi handle, so the
 * function may clean it up or add new transfers.
 */
#ifndef ARGO_CURLEV_H
#define ARGO_CURLEV_H

#include <curl/curl.h>

struct ev_loop;
struct curlev;

typedef void	curlev_done_fn(void *arg, CURL *, CURLcode);

/* NULL (logged) if libcurl cannot be set up. */
struct curlev	*curlev_new(struct ev_loop *);
/* Frees the multi handle; transfers still running are removed, their
 * done functions not called, their easy handles left to their owners. */
void		 curlev_free(struct curlev *);
/* 0, or -1 (logged): the transfer did not start and done is not called. */
int		 curlev_add(struct curlev *, CURL *, curlev_done_fn *,
		    void *arg);
/* Stop a running transfer without calling its done function. */
void		 curlev_cancel(struct curlev *, CURL *);

#endif
