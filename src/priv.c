/*
 * Dropping root: the user and group ids, then every capability but
 * CAP_NET_ADMIN. See priv.h and argod(8) "Privileges".
 *
 * Order matters (capabilities(7)): the bounding set can only shrink while
 * we hold CAP_SETPCAP, so it goes first; PR_SET_KEEPCAPS keeps the
 * permitted set across setresuid(); capset() then leaves CAP_NET_ADMIN
 * alone in the effective and permitted sets. No wrapper library: the
 * two system calls are the whole interface.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/capability.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "priv.h"

#define CAP_KEPT	CAP_NET_ADMIN

/*
 * Would the calls priv_drop() makes be refused by a seccomp filter? The
 * packaged systemd unit runs argod as User=argod with CAP_NET_ADMIN as
 * an ambient capability, and denies @privileged (setgroups, setresuid,
 * capset) so that exposure stays below 2.0; started as root under such
 * a filter (a drop-in with User=root, say), the drop would fail after
 * detaching. Each probe is a call that changes nothing: setresuid(-1,
 * -1, -1), and capset() of the sets capget() returned. A filter answers
 * by number, before the arguments matter.
 */
static const char *
priv_filtered(void)
{
	struct __user_cap_header_struct h;
	struct __user_cap_data_struct c[_LINUX_CAPABILITY_U32S_3];

	if (setresuid((uid_t)-1, (uid_t)-1, (uid_t)-1) == -1 && errno == EPERM)
		return "setresuid";
	memset(&h, 0, sizeof(h));
	h.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capget, &h, c) == 0 &&
	    syscall(SYS_capset, &h, c) == -1 && errno == EPERM)
		return "capset";
	return NULL;
}

int
priv_lookup(const char *name, struct priv_user *u)
{
	const char *call;

	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		if (errno != 0)
			log_warn("user %s", name);
		else
			log_warnx("user %s: no such user", name);
		return -1;
	}
	memset(u, 0, sizeof(*u));
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	snprintf(u->name, sizeof(u->name), "%s", name);
	if (u->uid != 0 && u->uid != geteuid() && geteuid() != 0) {
		log_warnx("user %s: argod runs as uid %ld, not root, and "
		    "cannot change user (under systemd the unit's User= is "
		    "the user: name that one or remove the user statement)",
		    name, (long)geteuid());
		return -1;
	}
	if (u->uid != 0 && u->uid == geteuid()) {
		log_info("user %s: already running as %s (started "
		    "unprivileged, as by systemd's User=): nothing to drop",
		    name, name);
		return 0;
	}
	if (u->uid != 0 && (call = priv_filtered()) != NULL) {
		log_warnx("user %s: %s is refused (EPERM) by a system "
		    "call filter, so argod cannot change user; under systemd "
		    "let the unit do it (User=%s, AmbientCapabilities="
		    "CAP_NET_ADMIN, as the packaged argod.service does) and "
		    "remove the user statement", name, call, name);
		return -1;
	}
	return 0;
}

static int
caps_set(void)
{
	struct __user_cap_header_struct h;
	struct __user_cap_data_struct c[_LINUX_CAPABILITY_U32S_3];

	memset(&h, 0, sizeof(h));
	memset(c, 0, sizeof(c));
	h.version = _LINUX_CAPABILITY_VERSION_3;
	c[CAP_TO_INDEX(CAP_KEPT)].effective = CAP_TO_MASK(CAP_KEPT);
	c[CAP_TO_INDEX(CAP_KEPT)].permitted = CAP_TO_MASK(CAP_KEPT);
	return (int)syscall(SYS_capset, &h, c);
}

int
priv_drop(const struct priv_user *u)
{
	int cap;

	if (u->uid == 0 || u->uid == geteuid())
		return 0;	/* root, or already the user (logged) */
	if (geteuid() != 0) {
		log_warnx("user %s: not started as root, cannot change user",
		    u->name);
		return -1;
	}
	for (cap = 0; cap <= 63; cap++) {
		if (cap == CAP_KEPT)
			continue;
		/* EINVAL: past the kernel's last capability */
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1 &&
		    errno != EINVAL) {
			log_warn("user %s: dropping capability %d", u->name,
			    cap);
			return -1;
		}
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1) {
		log_warn("user %s: PR_SET_KEEPCAPS", u->name);
		return -1;
	}
	if (setgroups(1, &u->gid) == -1 ||
	    setresgid(u->gid, u->gid, u->gid) == -1 ||
	    setresuid(u->uid, u->uid, u->uid) == -1) {
		log_warn("user %s: changing to uid %ld gid %ld", u->name,
		    (long)u->uid, (long)u->gid);
		return -1;
	}
	if (caps_set() == -1) {
		log_warn("user %s: keeping CAP_NET_ADMIN", u->name);
		return -1;
	}
	(void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		log_warn("user %s: PR_SET_NO_NEW_PRIVS", u->name);
	/* paranoia: the way back must be closed */
	if (setuid(0) != -1) {
		log_warnx("user %s: could become root again", u->name);
		return -1;
	}
	log_info("running as %s (uid %ld), keeping CAP_NET_ADMIN only",
	    u->name, (long)u->uid);
	return 0;
}
