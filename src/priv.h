/*
 * Dropping root (issue 13, item 7): once every socket is bound and
 * netlink is open, argod runs as a configured user keeping only
 * CAP_NET_ADMIN, which installing routes and tunnels needs.
 */
#ifndef ARGO_PRIV_H
#define ARGO_PRIV_H

#include <sys/types.h>

struct priv_user {
	uid_t	uid;
	gid_t	gid;
	char	name[64];
};

/*
 * Look the user up and check that we can become it (before detaching,
 * to fail early). -1: logged.
 */
int	priv_lookup(const char *name, struct priv_user *);
/*
 * Become the user with CAP_NET_ADMIN alone, in the effective, permitted
 * and bounding sets, and no_new_privs. -1: logged, nothing half done
 * that keeps more privilege than before.
 */
int	priv_drop(const struct priv_user *);

#endif
