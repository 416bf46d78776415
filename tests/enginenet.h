/*
 * A few real engines on a virtual clock, for the unit tests that need
 * more than one (test_origin, test_tier): datagrams are delivered after
 * the link's one-way delay, engines run when their deadlines come. Peers
 * are configured in node order, skipping the node itself, so peer index
 * k of node i is node k (k < i) or k + 1.
 */
#ifndef ARGO_TESTS_ENGINENET_H
#define ARGO_TESTS_ENGINENET_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "wire.h"

struct enet_pkt {
	uint64_t	at;
	int		from, to;
	size_t		len;
	uint8_t		buf[WIRE_MTU];
};

struct enet {
	int		 n;
	struct engine	**e;		/* n */
	const double	*owd;		/* n * n, one-way ms */
	const int	*dead;		/* n, or NULL: none is */
	struct enet_pkt	*q;		/* datagrams in flight */
	size_t		 qn, qmax;
	uint64_t	 now;
};

/* qmax datagrams in flight at most. */
void	enet_init(struct enet *, int n, struct engine **, const double *owd,
	    const int *dead, size_t qmax);
void	enet_free(struct enet *);
/* What an engine_ops send does: node from's datagram to its peer. */
void	enet_send(struct enet *, int from, size_t peer, const void *buf,
	    size_t len);
/* The node that is peer k of node i. */
int	enet_node(int i, size_t k);
void	enet_run_until(struct enet *, uint64_t end);

#endif
