/*
 * Host names through c-ares inside the libev loop: one channel, an ev_io
 * for each socket c-ares opens (ARES_OPT_SOCK_STATE_CB) and one ev_timer
 * for its retransmissions (ares_timeout), driven by ares_process_fd().
 * Nothing blocks: a lookup's answer arrives as a callback on the loop.
 *
 * The servers are those of /etc/resolv.conf (in a network namespace run
 * with "ip netns exec", /etc/netns/NAME/resolv.conf).
 */
#ifndef ARGO_RESOLVE_H
#define ARGO_RESOLVE_H

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>

struct ev_loop;
struct resolver;
struct resolve_req;

/*
 * ok: addr holds an address in text form (an IPv4 one if the name has
 * any, else IPv6) and ttl its time to live in seconds; otherwise err
 * says why (c-ares's message, as "Domain name not found").
 */
typedef void	resolve_done_fn(void *arg, int ok, const char *err,
		    const char *addr, uint32_t ttl);

/* NULL (logged) if c-ares cannot be set up. */
struct resolver		*resolve_new(struct ev_loop *);
/* Pending lookups are dropped without their callbacks. */
void			 resolve_free(struct resolver *);
/*
 * Look host up; done is called once, from the loop, or before this
 * returns when c-ares can answer at once (/etc/hosts), and then the
 * return value is NULL.
 */
struct resolve_req	*resolve_start(struct resolver *, const char *host,
			    resolve_done_fn *, void *arg);
/* Drop a pending lookup: its done function is not called. */
void			 resolve_cancel(struct resolve_req *);

#endif
