/*
 * The mock backend of kern.h for unit tests: a kernel in memory (one
 * table of routes, rules, the tunnel device) that records every call and
 * can be told to fail.
 */
#ifndef ARGO_KERN_MOCK_H
#define ARGO_KERN_MOCK_H

#include "kern.h"

#define KMOCK_MAX	256

struct kmock {
	char			 calls[KMOCK_MAX][96];	/* "replace 10.0.0.0/24 via 192.0.2.1" */
	size_t			 ncalls;
	struct kern_route	 routes[KMOCK_MAX];
	size_t			 nroutes;
	struct kern_rule	 rules[KMOCK_MAX];
	size_t			 nrules;
	int			 device;	/* exists */
	int			 fail_open;	/* -errno from kb_open */
	int			 fail_tunnel;	/* -errno from kb_tunnel_ensure */
	int			 fail_replace;	/* -errno from kb_route_replace */
};
extern struct kmock kmock;

void	kmock_reset(void);
/* Was this call made (exact string)? Number of matches. */
int	kmock_called(const char *);

#endif
