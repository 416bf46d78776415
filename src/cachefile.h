/*
 * The cache include file (argod.conf(5), "CACHE TIERS"): the engine's
 * tier decisions (engine_tier()) as nginx upstream blocks, written
 * atomically when they change, then the configured reload command, run
 * in the background with a libev child watcher.
 */
#ifndef ARGO_CACHEFILE_H
#define ARGO_CACHEFILE_H

#include <stdio.h>

#include <ev.h>

#include "conf.h"
#include "engine.h"

struct cachefile;

struct cachefile	*cachefile_new(struct ev_loop *);
void			 cachefile_free(struct cachefile *);
/* The file to write and the command to run; the next update rewrites. */
void			 cachefile_configure(struct cachefile *,
			    const struct conf *);
/* Render and, when the text changed, write and reload. 0, or -1 logged. */
int			 cachefile_update(struct cachefile *,
			    const struct conf *, const struct engine *);
/* The text alone (tests); no time stamps, so equal decisions compare. */
void			 cachefile_render(FILE *, const struct conf *,
			    const struct engine *);

#endif
