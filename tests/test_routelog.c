/*
 * The ring of recent route changes (src/routelog.c) on hand-made route
 * events: the kind of each change, copies that outlive the engine's
 * routes, names for node ids the engine does not know, and the ring
 * giving up its oldest entries while counting all of them.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "routelog.h"
#include "tap.h"

static struct engine_route
route(const char *egress, const uint32_t *path, size_t n, double cost)
{
	struct engine_route r;

	memset(&r, 0, sizeof(r));
	r.origin = "web";
	r.prefix = "192.0.2.0/24";
	r.reachable = 1;
	r.egress = path[n - 1];
	r.egress_name = egress;
	r.path = path;
	r.pathlen = n;
	r.next_hop = n > 1 ? path[1] : path[0];
	r.cost_ms = cost;
	return r;
}

int
main(void)
{
	static const uint32_t ab[] = { 0xa, 0xb }, acb[] = { 0xa, 0xc, 0xb },
	    ad[] = { 0xa, 0xd };
	struct engine_route r_ab = route("b", ab, 2, 10),
	    r_ab2 = route("b", ab, 2, 12), r_acb = route("b", acb, 3, 9),
	    r_ad = route("d", ad, 2, 8), r_dead = r_ab;
	struct engine_route_event ev;
	const struct routelog_entry *en;
	struct routelog *rl;
	char origin[8];
	size_t i;

	r_dead.reachable = 0;
	ev.old = NULL, ev.new = &r_ab;
	is_int(routelog_classify(&ev), ROUTELOG_REACHABLE, "no old: reachable");
	ev.old = &r_dead;
	is_int(routelog_classify(&ev), ROUTELOG_REACHABLE,
	    "old unreachable: reachable");
	ev.old = &r_ab, ev.new = NULL;
	is_int(routelog_classify(&ev), ROUTELOG_UNREACHABLE,
	    "no new: unreachable");
	ev.new = &r_ad;
	is_int(routelog_classify(&ev), ROUTELOG_EGRESS, "b to d: egress");
	ev.new = &r_acb;
	is_int(routelog_classify(&ev), ROUTELOG_PATH, "a>b to a>c>b: path");
	ev.new = &r_ab2;
	is_int(routelog_classify(&ev), ROUTELOG_COST, "a>b at 10 then 12: cost");

	/* the copy: names of unknown ids in hex, strings owned */
	rl = routelog_new(3);
	snprintf(origin, sizeof(origin), "web");
	r_ab.origin = origin;
	ev.old = NULL, ev.new = &r_ab;
	routelog_add(rl, NULL, &ev, 1000);
	snprintf(origin, sizeof(origin), "xxx");
	en = routelog_get(rl, 0);
	ok(en != NULL && strcmp(en->origin, "web") == 0 &&
	    strcmp(en->prefix, "192.0.2.0/24") == 0,
	    "the entry keeps its own origin and prefix");
	ok(en != NULL && !en->old.present && en->new.present &&
	    strcmp(en->new.egress, "b") == 0 &&
	    strcmp(en->new.next_hop, "0000000b") == 0 &&
	    en->new.pathlen == 2 && strcmp(en->new.path[0], "0000000a") == 0 &&
	    en->new.cost_ms == 10 && en->time == 1000,
	    "new route copied; ids without names in hex");
	r_ab.origin = "web";

	/* five changes into three places: the last three, oldest first */
	ev.old = &r_ab, ev.new = &r_ab2;
	routelog_add(rl, NULL, &ev, 2000);
	ev.old = &r_ab2, ev.new = &r_acb;
	routelog_add(rl, NULL, &ev, 3000);
	ev.old = &r_acb, ev.new = &r_ad;
	routelog_add(rl, NULL, &ev, 4000);
	ev.old = &r_ad, ev.new = NULL;
	routelog_add(rl, NULL, &ev, 5000);
	is_int(routelog_len(rl), 3, "three entries kept");
	is_int(routelog_capacity(rl), 3, "capacity 3");
	is_int(routelog_recorded(rl), 5, "five recorded");
	for (i = 0; i < 3; i++) {
		en = routelog_get(rl, i);
		is_int(en != NULL ? (long long)en->time : -1,
		    (long long)(3000 + 1000 * i), "entry %zu in order", i);
	}
	en = routelog_get(rl, 0);
	ok(en != NULL && en->reason == ROUTELOG_PATH &&
	    en->new.pathlen == 3 && strcmp(en->new.path[1], "0000000c") == 0,
	    "oldest kept: the path change to a>c>b");
	en = routelog_get(rl, 2);
	ok(en != NULL && en->reason == ROUTELOG_UNREACHABLE &&
	    en->old.present && strcmp(en->old.egress, "d") == 0 &&
	    !en->new.present && en->new.egress == NULL,
	    "newest: unreachable, was via d");
	ok(routelog_get(rl, 3) == NULL, "nothing past the end");
	ev.old = ev.new = NULL;
	routelog_add(rl, NULL, &ev, 6000);
	is_int(routelog_recorded(rl), 5, "an event with no route is ignored");
	routelog_free(rl);
	routelog_free(NULL);
	return done_testing();
}
