/*
 * argo-linkem: a user-space link emulator for kernels without netem.
 *
 * An emulated link joins two network namespaces with one TUN device in
 * each; what one device reads, the other writes after the link's delay,
 * jitter, loss and rate (linkem-queue.c). This file owns the options, the
 * link table, the TUN devices and the event loop; linkem-ctl.c the control
 * socket that changes links at run time.
 *
 * Timing. One epoll loop and one timerfd armed at the earliest release time
 * of all directions, in absolute CLOCK_MONOTONIC nanoseconds. libev is not
 * used here: its epoll backend waits in whole milliseconds, rounded up,
 * which alone would add up to 1 ms to every packet. A timerfd is an
 * hrtimer; with the timer slack cut to 1 ns it wakes within tens of
 * microseconds on an idle 2-core machine.
 */

#include "config.h"

#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include <linux/if.h>
#include <linux/if_tun.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "linkem.h"

#define READ_BATCH		64	/* packets per device per wakeup */
#define PKT_MAX			65536	/* TUN MTU can reach 65535 */
#define EPOLL_EVENTS		64

struct link		*links;
size_t			 nlinks;
int			 quit_requested;

static int		 epfd = -1, timer_fd = -1, sig_fd = -1;
static uint64_t		 timer_target = UINT64_MAX;	/* release wanted */
static uint64_t		 timer_fire;			/* timerfd set to */
static uint64_t		 wake_lat_ns = 50000;		/* EWMA, see arm_timer */
static int		 no_spin;			/* -w */
static uint64_t		 seed;
static unsigned char	 pktbuf[PKT_MAX];

static struct src	 timer_src = { .type = SRC_TIMER };
static struct src	 signal_src = { .type = SRC_SIGNAL };

__attribute__((noreturn)) static void usage(void);

/*
 * Links: command-line syntax and device creation.
 */

struct link *
link_find(const char *name)
{
	size_t i;

	for (i = 0; i < nlinks; i++)
		if (strcmp(links[i].name, name) == 0)
			return &links[i];
	return NULL;
}

static int
name_ok(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (len == 0 || len > max)
		return 0;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s == ',' || *s == '=' ||
		    (unsigned char)*s <= ' ')
			return 0;
	return 1;
}

/*
 * NAME:NS_A:DEV_A:NS_B:DEV_B[:KEY=VAL,...]. A key may carry a direction
 * prefix ("a2b.delay=30ms") so asymmetric links exist from the first
 * packet on, without a race against a later `set`.
 */
static int
link_parse(const char *spec, struct link *l)
{
	char *copy, *field[6], *kv, *key, *val, *save = NULL, *p;
	char err[128];
	struct dirparams dp[2];
	int nf = 0, d;

	memset(l, 0, sizeof(*l));
	copy = xstrdup(spec);
	p = copy;
	field[nf++] = p;
	while (nf < 6 && (p = strchr(p, ':')) != NULL) {
		*p++ = '\0';
		field[nf++] = p;
	}
	if (nf < 5) {
		log_warnx("link '%s': expected NAME:NS_A:DEV_A:NS_B:DEV_B"
		    "[:PARAMS]", spec);
		goto fail;
	}
	if (!name_ok(field[0], NAME_MAX_LEN)) {
		log_warnx("link '%s': bad link name '%s' (1 to %d characters, "
		    "no '/', ':', ',', '=' or blanks)", spec, field[0],
		    NAME_MAX_LEN);
		goto fail;
	}
	snprintf(l->name, sizeof(l->name), "%s", field[0]);
	for (d = 0; d < 2; d++) {
		const char *ns = field[1 + 2 * d], *dev = field[2 + 2 * d];

		if (!name_ok(ns, NS_MAX_LEN) || strcmp(ns, ".") == 0 ||
		    strcmp(ns, "..") == 0) {
			log_warnx("link %s: bad netns name '%s'", l->name, ns);
			goto fail;
		}
		if (!name_ok(dev, IFNAMSIZ - 1)) {
			log_warnx("link %s: bad device name '%s' (1 to %d "
			    "characters)", l->name, dev, IFNAMSIZ - 1);
			goto fail;
		}
		snprintf(l->ns[d], sizeof(l->ns[d]), "%s", ns);
		snprintf(l->dev[d], sizeof(l->dev[d]), "%s", dev);
	}
	if (strcmp(l->ns[0], l->ns[1]) == 0 &&
	    strcmp(l->dev[0], l->dev[1]) == 0) {
		log_warnx("link %s: both ends are %s:%s", l->name, l->ns[0],
		    l->dev[0]);
		goto fail;
	}

	dir_param_default(&dp[0]);
	dir_param_default(&dp[1]);
	if (nf == 6 && field[5][0] != '\0') {
		for (kv = strtok_r(field[5], ",", &save); kv != NULL;
		    kv = strtok_r(NULL, ",", &save)) {
			if ((val = strchr(kv, '=')) == NULL) {
				log_warnx("link %s: '%s' is not KEY=VALUE",
				    l->name, kv);
				goto fail;
			}
			*val++ = '\0';
			key = kv;
			d = -1;
			if (strncmp(key, "a2b.", 4) == 0) {
				d = 0;
				key += 4;
			} else if (strncmp(key, "b2a.", 4) == 0) {
				d = 1;
				key += 4;
			}
			if ((d != 1 && dir_param_set(&dp[0], key, val, err,
			    sizeof(err)) == -1) ||
			    (d != 0 && dir_param_set(&dp[1], key, val, err,
			    sizeof(err)) == -1)) {
				log_warnx("link %s: %s", l->name, err);
				goto fail;
			}
		}
	}
	l->fd[0] = l->fd[1] = -1;
	l->up = 1;
	for (d = 0; d < 2; d++) {
		l->dir[d].name = d == 0 ? "a2b" : "b2a";
		l->dir[d].from = d;
		l->dir[d].to = !d;
		l->dir[d].p = dp[d];
	}
	free(copy);
	return 0;
fail:
	free(copy);
	return -1;
}

/*
 * Creates the TUN device inside the namespace and brings it up. setns()
 * moves only this (single) thread, and the fd and the socket keep the
 * namespace they were created in, so everything done here stays valid once
 * we are back in the original namespace.
 */
static int
tun_open(const char *ns, const char *dev, int orig_ns)
{
	char path[PATH_MAX];
	struct ifreq ifr;
	int nsfd = -1, fd = -1, s = -1, ret = -1;

	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	if ((nsfd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			log_warnx("netns %s not found (%s does not exist; "
			    "create it with 'ip netns add %s')", ns, path, ns);
		else
			log_warn("netns %s: %s", ns, path);
		goto out;
	}
	if (setns(nsfd, CLONE_NEWNET) == -1) {
		log_warn("setns into netns %s", ns);
		goto out;
	}
	if ((fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)) ==
	    -1) {
		log_warn("/dev/net/tun (is the tun module loaded?)");
		goto back;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, TUNSETIFF, &ifr) == -1) {
		if (errno == EBUSY)
			log_warnx("netns %s: device %s already exists", ns,
			    dev);
		else
			log_warn("netns %s: TUNSETIFF %s", ns, dev);
		goto back;
	}
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("netns %s: socket", ns);
		goto back;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == -1) {
		log_warn("netns %s: SIOCGIFFLAGS %s", ns, dev);
		goto back;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) == -1) {
		log_warn("netns %s: bring %s up", ns, dev);
		goto back;
	}
	ret = fd;
back:
	if (setns(orig_ns, CLONE_NEWNET) == -1)
		fatal("setns back to the original netns");
out:
	if (s != -1)
		close(s);
	if (ret == -1 && fd != -1)
		close(fd);
	if (nsfd != -1)
		close(nsfd);
	return ret;
}

static int
links_open(void)
{
	struct epoll_event ev;
	struct link *l;
	size_t i;
	int orig, side, d;

	if ((orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("/proc/self/ns/net");
		return -1;
	}
	for (i = 0; i < nlinks; i++) {
		l = &links[i];
		for (side = 0; side < 2; side++) {
			l->fd[side] = tun_open(l->ns[side], l->dev[side],
			    orig);
			if (l->fd[side] == -1) {
				log_warnx("link %s: cannot create %s:%s",
				    l->name, l->ns[side], l->dev[side]);
				close(orig);
				return -1;
			}
			l->src[side].type = SRC_TUN;
			l->src[side].link = l;
			l->src[side].side = side;
			memset(&ev, 0, sizeof(ev));
			ev.events = EPOLLIN;
			ev.data.ptr = &l->src[side];
			if (epoll_ctl(epfd, EPOLL_CTL_ADD, l->fd[side], &ev)
			    == -1) {
				log_warn("epoll_ctl");
				close(orig);
				return -1;
			}
		}
		for (d = 0; d < 2; d++) {
			l->dir[d].link = l;
			dir_seed(&l->dir[d], seed ^
			    ((uint64_t)(2 * i + d + 1) * 0xd1342543de82ef95ULL));
		}
		log_debug("link %s: %s:%s <-> %s:%s", l->name, l->ns[0],
		    l->dev[0], l->ns[1], l->dev[1]);
	}
	close(orig);
	return 0;
}

static void
tun_read(struct link *l, int side)
{
	struct dir *d = &l->dir[side];	/* a2b reads side 0 */
	ssize_t n;
	int i;

	for (i = 0; i < READ_BATCH; i++) {
		n = read(l->fd[side], pktbuf, sizeof(pktbuf));
		if (n > 0) {
			dir_enqueue(d, pktbuf, (size_t)n, mono_ns());
			continue;
		}
		if (n == 0 || errno == EAGAIN || errno == EINTR)
			return;
		/*
		 * EBADFD: the namespace was deleted and took the device
		 * with it. The fd stays readable for ever, so stop polling
		 * it or the loop would spin.
		 */
		log_warn("link %s: read %s:%s, no longer polled", l->name,
		    l->ns[side], l->dev[side]);
		epoll_ctl(epfd, EPOLL_CTL_DEL, l->fd[side], NULL);
		return;
	}
}

/*
 * Daemon.
 */

static int
write_pidfile(const char *path)
{
	char tmp[PATH_MAX];
	FILE *f;

	/* Written whole and renamed, so a reader never sees half a pid. */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		log_warnx("%s: path too long", path);
		return -1;
	}
	if ((f = fopen(tmp, "w")) == NULL) {
		log_warn("%s", tmp);
		return -1;
	}
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) != 0 || rename(tmp, path) == -1) {
		log_warn("%s", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

/*
 * Waking from epoll_wait() takes time: on a 2-vCPU KVM guest the median
 * packet left 33-65 us late (the late_p50_us bucket of `show`), about what
 * clock_nanosleep() shows there. So the timer is armed early by a running
 * estimate of that wake-up latency and the few microseconds left, if any,
 * are spun away in timer_expired(): the median fell to 4-8 us. The spin is
 * bounded, so a wrong estimate costs some CPU, never accuracy.
 */
#define SPIN_MAX_NS	250000ULL

static void
arm_timer(uint64_t next)
{
	struct itimerspec its;
	uint64_t fire;

	if (next == timer_target)
		return;
	memset(&its, 0, sizeof(its));
	fire = next;
	if (next != UINT64_MAX) {
		if (!no_spin && fire > wake_lat_ns)
			fire -= wake_lat_ns;
		its.it_value.tv_sec = (time_t)(fire / NS_PER_S);
		its.it_value.tv_nsec = (long)(fire % NS_PER_S);
		if (fire == 0)
			its.it_value.tv_nsec = 1;	/* 0 would disarm */
	}
	if (timerfd_settime(timer_fd, TFD_TIMER_ABSTIME, &its, NULL) == -1)
		fatal("timerfd_settime");
	timer_target = next;
	timer_fire = fire;
}

static void
timer_expired(void)
{
	uint64_t expirations, now, lat;

	if (read(timer_fd, &expirations, sizeof(expirations)) <= 0)
		return;
	now = mono_ns();
	lat = now > timer_fire ? now - timer_fire : 0;
	if (lat > SPIN_MAX_NS)
		lat = SPIN_MAX_NS;
	/* EWMA with gain 1/8, as TCP's srtt. */
	wake_lat_ns = wake_lat_ns - wake_lat_ns / 8 + lat / 8;
	if (!no_spin && timer_target != UINT64_MAX && timer_target > now &&
	    timer_target - now <= SPIN_MAX_NS)
		while (mono_ns() < timer_target)
			;
	timer_target = UINT64_MAX;
}

static uint64_t
release_all(void)
{
	uint64_t next = UINT64_MAX, t, now = mono_ns();
	size_t i;
	int d;

	for (i = 0; i < nlinks; i++)
		for (d = 0; d < 2; d++) {
			t = dir_release(&links[i].dir[d], now);
			if (t < next)
				next = t;
		}
	return next;
}

static void
event_loop(void)
{
	struct epoll_event evs[EPOLL_EVENTS];
	struct signalfd_siginfo si;
	struct src *s;
	int i, n;

	while (!quit_requested) {
		arm_timer(release_all());
		n = epoll_wait(epfd, evs, EPOLL_EVENTS, -1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fatal("epoll_wait");
		}
		for (i = 0; i < n; i++) {
			s = evs[i].data.ptr;
			switch (s->type) {
			case SRC_TUN:
				tun_read(s->link, s->side);
				break;
			case SRC_TIMER:
				timer_expired();
				break;
			case SRC_SIGNAL:
				if (read(sig_fd, &si, sizeof(si)) ==
				    sizeof(si)) {
					log_info("signal %u, shutting down",
					    si.ssi_signo);
					quit_requested = 1;
				}
				break;
			case SRC_LISTEN:
				ctl_accept();
				break;
			case SRC_CLIENT:
				ctl_client_event(s->client, evs[i].events);
				break;
			}
		}
	}
}

/*
 * The emulator stands for the network: the programs under test, which
 * share the CPUs with it, must not delay it. Measured on a loaded 2-vCPU
 * guest: mean packet lateness 160-300 us at SCHED_OTHER, 45-60 us at
 * SCHED_FIFO. The kernel's RT throttling (95% by default) still leaves
 * the machine usable should a flood keep the emulator busy. A refusal
 * (a container without CAP_SYS_NICE) is reported, not fatal.
 */
static void
set_realtime(int prio)
{
	struct sched_param sp;

	memset(&sp, 0, sizeof(sp));
	sp.sched_priority = prio;
	if (sched_setscheduler(0, SCHED_FIFO, &sp) == -1) {
		log_warn("SCHED_FIFO priority %d, running without", prio);
		return;
	}
	/* A page fault in the packet path costs as much as a preemption. */
	if (mlockall(MCL_CURRENT | MCL_FUTURE) == -1)
		log_warn("mlockall");
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s [-dw] [-p pidfile] [-r prio] [-S seed] [-s socket] "
	    "-l link ...\n"
	    "       %s -s socket -c command [-c command ...]\n"
	    "link:  NAME:NS_A:DEV_A:NS_B:DEV_B[:KEY=VAL,...]\n"
	    "       KEY: [a2b.|b2a.]delay|jitter|loss|rate|limit|queue\n",
	    "argo-linkem", "argo-linkem");
	exit(1);
}

int
main(int argc, char *argv[])
{
	struct epoll_event ev;
	sigset_t mask;
	char **cmds = NULL, *end;
	const char *sock = NULL, *pidfile = NULL;
	int ch, verbose = 0, ncmds = 0, seeded = 0, ret = 1, rtprio = 0;
	size_t i;

	log_init("argo-linkem", LOG_TO_STDERR, 0);
	while ((ch = getopt(argc, argv, "c:dhl:p:r:S:s:w")) != -1) {
		switch (ch) {
		case 'c':
			cmds = xreallocarray(cmds, (size_t)ncmds + 1,
			    sizeof(*cmds));
			cmds[ncmds++] = optarg;
			break;
		case 'd':
			verbose++;
			break;
		case 'l':
			links = xreallocarray(links, nlinks + 1,
			    sizeof(*links));
			if (link_parse(optarg, &links[nlinks]) == -1)
				exit(1);
			if (link_find(links[nlinks].name) != NULL) {
				log_warnx("link %s given twice",
				    links[nlinks].name);
				exit(1);
			}
			nlinks++;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'r':
			rtprio = (int)strtol(optarg, &end, 10);
			if (end == optarg || *end != '\0' || rtprio < 1 ||
			    rtprio > 99) {
				log_warnx("bad priority '%s' (1 to 99)",
				    optarg);
				exit(1);
			}
			break;
		case 'S':
			errno = 0;
			seed = strtoull(optarg, &end, 0);
			if (end == optarg || *end != '\0' || errno != 0) {
				log_warnx("bad seed '%s'", optarg);
				exit(1);
			}
			seeded = 1;
			break;
		case 's':
			sock = optarg;
			break;
		case 'w':
			no_spin = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_setverbose(verbose);

	if (ncmds > 0) {
		if (sock == NULL || nlinks > 0 || pidfile != NULL) {
			log_warnx("-c takes -s and nothing else");
			usage();
		}
		ret = ctl_client_main(sock, cmds, ncmds);
		free(cmds);
		return ret;
	}
	if (nlinks == 0) {
		log_warnx("no link given");
		usage();
	}
	if (!seeded) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
		seed ^= (uint64_t)getpid() << 32;
	}
	/*
	 * The default 50 us timer slack would be a systematic delay on every
	 * packet; 1 ns asks for the hrtimer to fire when due.
	 */
	if (prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL) == -1)
		log_warn("prctl PR_SET_TIMERSLACK");
	if (rtprio > 0)
		set_realtime(rtprio);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1)
		fatal("sigprocmask");
	signal(SIGPIPE, SIG_IGN);

	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	if ((sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	if ((timer_fd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC)) == -1)
		fatal("timerfd_create");
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &signal_src;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, sig_fd, &ev) == -1)
		fatal("epoll_ctl");
	ev.data.ptr = &timer_src;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, timer_fd, &ev) == -1)
		fatal("epoll_ctl");

	/* The socket first: a second emulator on it fails before any device. */
	if (sock != NULL && ctl_listen(sock, epfd) == -1)
		goto out;
	if (links_open() == -1)
		goto out;
	if (pidfile != NULL && write_pidfile(pidfile) == -1)
		goto out;
	/* Scripts wait for this line: every device exists and is up. */
	printf("ready\n");
	fflush(stdout);
	/* Said even unasked: a run can only be repeated with its seed. */
	log_info("%zu link%s ready, seed %" PRIu64, nlinks,
	    nlinks == 1 ? "" : "s", seed);

	event_loop();
	ret = 0;
out:
	ctl_close(sock);
	if (pidfile != NULL && ret == 0)
		unlink(pidfile);
	/* Closing the last fd of a non-persistent TUN device removes it. */
	for (i = 0; i < nlinks; i++) {
		if (links[i].fd[0] != -1)
			close(links[i].fd[0]);
		if (links[i].fd[1] != -1)
			close(links[i].fd[1]);
		dir_free(&links[i].dir[0]);
		dir_free(&links[i].dir[1]);
	}
	free(links);
	close(timer_fd);
	close(sig_fd);
	close(epfd);
	return ret;
}

