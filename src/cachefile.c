/*
 * The cache include file; see cachefile.h. The text depends only on the
 * decisions and the config (no time stamps), so it is rewritten, and the
 * cache reloaded, only when a decision changes. Writes go to a temporary
 * file in the same directory, fsync'd and renamed over the target: a
 * cache that reloads at any moment reads the old file or the new one,
 * never half of one. The reload command runs under /bin/sh -c in a child
 * the loop watches; one runs at a time, a write during it marks another
 * as due.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cachefile.h"
#include "log.h"

struct cachefile {
	struct ev_loop	*loop;
	char		*path;
	char		*reload;
	char		*last;		/* text last written; NULL none */
	ev_child	 child;
	pid_t		 pid;		/* running reload, 0 none */
	int		 again;		/* another reload is due */
};

struct cachefile *
cachefile_new(struct ev_loop *loop)
{
	struct cachefile *cf = xcalloc(1, sizeof(*cf));

	cf->loop = loop;
	return cf;
}

void
cachefile_free(struct cachefile *cf)
{
	if (cf == NULL)
		return;
	if (cf->pid != 0)
		ev_child_stop(cf->loop, &cf->child);
	free(cf->path);
	free(cf->reload);
	free(cf->last);
	free(cf);
}

void
cachefile_configure(struct cachefile *cf, const struct conf *c)
{
	free(cf->path);
	free(cf->reload);
	cf->path = c->cache_include ? xstrdup(c->cache_include) : NULL;
	cf->reload = c->cache_reload ? xstrdup(c->cache_reload) : NULL;
	free(cf->last);
	cf->last = NULL;	/* rewrite with the new config */
}

/*
 * A PoP's cache: the cache option of its peer line, a local override
 * (a cache this PoP reaches at another address, or a PoP of version 4,
 * which advertises none), else the address its row advertises (version
 * 5: its own cache statement). NULL when neither is known.
 */
static const char *
peer_cache(const struct conf *c, const struct engine *e, uint32_t id,
    char *buf, size_t len)
{
	const char *adv;
	size_t i;

	for (i = 0; i < c->ec.npeers; i++)
		if (c->ec.peers[i].id == id && c->peers[i].cache.host != NULL) {
			cache_addr_fmt(&c->peers[i].cache, buf, len);
			return buf;
		}
	if ((adv = engine_node_cache(e, id)) == NULL)
		return NULL;
	snprintf(buf, len, "%s", adv);
	return buf;
}

static const struct conf_addr *
origin_cache(const struct conf *c, const char *origin)
{
	size_t i;

	for (i = 0; i < c->ec.norigins; i++)
		if (strcmp(c->ec.origins[i].name, origin) == 0)
			return c->cache_origins[i].host != NULL ?
			    &c->cache_origins[i] : NULL;
	return NULL;
}

static void
upstream_name(char *buf, size_t len, const char *origin)
{
	size_t i;

	snprintf(buf, len, "argo_%s", origin);
	for (i = 0; buf[i] != '\0'; i++)
		if (!((buf[i] >= 'a' && buf[i] <= 'z') ||
		    (buf[i] >= 'A' && buf[i] <= 'Z') ||
		    (buf[i] >= '0' && buf[i] <= '9') || buf[i] == '_'))
			buf[i] = '_';
}

void
cachefile_render(FILE *f, const struct conf *c, const struct engine *e)
{
	char up[WIRE_NAME_MAX + 8], addr[300], pbuf[300], fbuf[300];
	const struct conf_addr *oa;
	const char *pa, *fa;
	size_t i;

	fprintf(f, "# Written by argod on %s; do not edit: it is rewritten "
	    "when a cache tier changes.\n", c->ec.name);
	for (i = 0; i < engine_ntiers(e); i++) {
		const struct engine_tier *t = engine_tier(e, i);
		int n = 0;

		upstream_name(up, sizeof(up), t->origin);
		oa = origin_cache(c, t->origin);
		fprintf(f, "\n# origin %s: %s tier", t->origin,
		    t->role == TIER_UPPER ? "upper" : "lower");
		if (t->role == TIER_LOWER)
			fprintf(f, ", parent %s, fallback %s", t->parent_name ?
			    t->parent_name : "?", t->fallback_name ?
			    t->fallback_name : "the origin");
		fprintf(f, "\nupstream %s {\n", up);
		if (t->role == TIER_LOWER) {
			pa = peer_cache(c, e, t->parent, pbuf, sizeof(pbuf));
			fa = NULL;
			if (t->fallback != 0)
				fa = peer_cache(c, e, t->fallback, fbuf,
				    sizeof(fbuf));
			else if (oa != NULL) {
				cache_addr_fmt(oa, fbuf, sizeof(fbuf));
				fa = fbuf;
			}
			if (pa != NULL) {
				fprintf(f, "\tserver %s;\t# parent %s\n", pa,
				    t->parent_name);
				n++;
			} else
				fprintf(f, "\t# parent %s: no cache address "
				    "known\n", t->parent_name ?
				    t->parent_name : "?");
			if (fa != NULL) {
				fprintf(f, "\tserver %s%s;\t# fallback %s\n",
				    fa, n ? " backup" : "", t->fallback != 0 ?
				    t->fallback_name : "origin");
				n++;
			}
		} else if (oa != NULL) {
			cache_addr_fmt(oa, addr, sizeof(addr));
			fprintf(f, "\tserver %s;\t# origin\n", addr);
			n++;
		}
		if (n == 0)
			fprintf(f, "\tserver 127.0.0.1:9 down;\t# nothing "
			    "known to ask\n");
		fprintf(f, "}\n");
	}
	/*
	 * Origins of the file without a decision yet (no route at start):
	 * the upstream still exists, so the cache's configuration loads, and
	 * it fetches from the origin until there is one.
	 */
	for (i = 0; i < c->ec.norigins; i++) {
		const char *name = c->ec.origins[i].name;
		size_t k;

		for (k = 0; k < engine_ntiers(e); k++)
			if (strcmp(engine_tier(e, k)->origin, name) == 0)
				break;
		if (k < engine_ntiers(e))
			continue;
		upstream_name(up, sizeof(up), name);
		fprintf(f, "\n# origin %s: no tier yet\nupstream %s {\n", name,
		    up);
		if ((oa = origin_cache(c, name)) != NULL) {
			cache_addr_fmt(oa, addr, sizeof(addr));
			fprintf(f, "\tserver %s;\t# origin\n", addr);
		} else
			fprintf(f, "\tserver 127.0.0.1:9 down;\t# nothing "
			    "known to ask\n");
		fprintf(f, "}\n");
	}
}

static void
reload_start(struct cachefile *cf);

static void
child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct cachefile *cf = w->data;

	ev_child_stop(loop, w);
	cf->pid = 0;
	if (WIFEXITED(w->rstatus) && WEXITSTATUS(w->rstatus) == 0)
		log_info("cache-reload: done");
	else if (WIFEXITED(w->rstatus))
		log_warnx("cache-reload: exited with status %d",
		    WEXITSTATUS(w->rstatus));
	else
		log_warnx("cache-reload: killed by signal %d",
		    WTERMSIG(w->rstatus));
	if (cf->again) {
		cf->again = 0;
		reload_start(cf);
	}
}

static void
reload_start(struct cachefile *cf)
{
	pid_t pid;

	if (cf->reload == NULL)
		return;
	if (cf->pid != 0) {
		cf->again = 1;
		return;
	}
	if ((pid = fork()) == -1) {
		log_warn("cache-reload: fork");
		return;
	}
	if (pid == 0) {
		sigset_t none;

		/* the loop's signal handling is not the command's */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", cf->reload, (char *)NULL);
		_exit(127);
	}
	cf->pid = pid;
	ev_child_init(&cf->child, child_cb, pid, 0);
	cf->child.data = cf;
	ev_child_start(cf->loop, &cf->child);
}

static int
write_atomic(const char *path, const char *text, size_t len)
{
	char *tmp;
	size_t off = 0, tlen = strlen(path) + 32;
	ssize_t w;
	int fd = -1, rv = -1;

	tmp = xcalloc(1, tlen);
	snprintf(tmp, tlen, "%s.tmp.%ld", path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1) {
		log_warn("cache-include: %s", tmp);
		goto out;
	}
	while (off < len) {
		if ((w = write(fd, text + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("cache-include: write %s", tmp);
			goto out;
		}
		off += (size_t)w;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		log_warn("cache-include: %s", tmp);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		log_warn("cache-include: rename to %s", path);
		goto out;
	}
	rv = 0;
 out:
	if (fd != -1)
		close(fd);
	if (rv == -1)
		unlink(tmp);
	free(tmp);
	return rv;
}

int
cachefile_update(struct cachefile *cf, const struct conf *c,
    const struct engine *e)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (cf->path == NULL)
		return 0;
	if ((f = open_memstream(&text, &len)) == NULL) {
		log_warn("cache-include: open_memstream");
		return -1;
	}
	cachefile_render(f, c, e);
	if (fclose(f) != 0) {
		free(text);
		log_warn("cache-include: render");
		return -1;
	}
	if (cf->last != NULL && strcmp(cf->last, text) == 0) {
		free(text);
		return 0;
	}
	if (write_atomic(cf->path, text, len) == -1) {
		free(text);
		return -1;
	}
	log_info("cache-include: wrote %s", cf->path);
	free(cf->last);
	cf->last = text;
	reload_start(cf);
	return 0;
}
