/*
 * Peers given by host name (argod.conf(5) "peer NAME address HOST"):
 * resolved through c-ares inside the loop (resolve.h) at start, again
 * when the answer's TTL runs out (kept 1 s to 1 h), and every 5 s while
 * lookups fail, keeping the last good address meanwhile. The address is
 * written into the config's peer (conf_peer.addr.ss), which is where the
 * daemon sends to and matches sources against; a peer whose address
 * changes is re-pointed at once, and the daemon is told (to re-point
 * its kernel routes). Until a name first resolves its peer has no
 * address: nothing is sent to it and nothing is taken from it.
 */
#ifndef ARGO_PEERADDR_H
#define ARGO_PEERADDR_H

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>

#include "conf.h"

#define PEERADDR_RETRY	5	/* s between lookups that fail */

struct ev_loop;
struct peeraddr;

/* A peer's address changed (or first resolved); index into conf peers. */
typedef void	peeraddr_changed_fn(void *arg, size_t peer);

struct peeraddr	*peeraddr_new(struct ev_loop *, peeraddr_changed_fn *,
		    void *arg);
void		 peeraddr_free(struct peeraddr *);
/*
 * Take the peers of c (the running config, at start or after a reload):
 * names already resolved keep their address (c's peers get it at once),
 * new ones are looked up. c must stay valid until the next call.
 */
void		 peeraddr_configure(struct peeraddr *, struct conf *c);

/* For status: what the name of peer i (of the last config) resolves to. */
struct peeraddr_info {
	const char	*host;		/* NULL: an IP literal */
	int		 has_addr;
	const char	*error;		/* the last lookup's; NULL ok */
	uint32_t	 ttl;
	uint64_t	 lookups, failures;
};
void		 peeraddr_info(const struct peeraddr *, size_t peer,
		    struct peeraddr_info *);

#endif
