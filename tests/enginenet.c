/* Engines on a virtual clock for the unit tests; see enginenet.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enginenet.h"
#include "params.h"

void
enet_init(struct enet *net, int n, struct engine **e, const double *owd,
    const int *dead, size_t qmax)
{
	memset(net, 0, sizeof(*net));
	net->n = n;
	net->e = e;
	net->owd = owd;
	net->dead = dead;
	net->qmax = qmax;
	if ((net->q = calloc(qmax, sizeof(*net->q))) == NULL) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
}

void
enet_free(struct enet *net)
{
	free(net->q);
	net->q = NULL;
}

int
enet_node(int i, size_t k)
{
	return (int)k >= i ? (int)k + 1 : (int)k;
}

static int
alive(const struct enet *net, int i)
{
	return net->dead == NULL || !net->dead[i];
}

void
enet_send(struct enet *net, int from, size_t peer, const void *buf,
    size_t len)
{
	int to = enet_node(from, peer);
	struct enet_pkt *p;

	if (net->qn == net->qmax || !alive(net, from) || !alive(net, to))
		return;
	p = &net->q[net->qn++];
	p->at = net->now + (uint64_t)(net->owd[from * net->n + to] * MSEC);
	p->from = from;
	p->to = to;
	p->len = len;
	memcpy(p->buf, buf, len);
}

void
enet_run_until(struct enet *net, uint64_t end)
{
	while (net->now < end) {
		uint64_t next = end;
		size_t i, best = SIZE_MAX;
		int k;

		for (k = 0; k < net->n; k++) {
			uint64_t d = engine_next_deadline(net->e[k]);

			if (alive(net, k) && d < next)
				next = d;
		}
		for (i = 0; i < net->qn; i++)
			if (net->q[i].at <= next && (best == SIZE_MAX ||
			    net->q[i].at < net->q[best].at)) {
				best = i;
				next = net->q[i].at;
			}
		if (next > net->now)
			net->now = next;
		if (best != SIZE_MAX) {
			struct enet_pkt p = net->q[best];
			int at = p.to;

			net->q[best] = net->q[--net->qn];
			if (alive(net, at))
				engine_input(net->e[at], net->now,
				    p.from > at ? p.from - 1 : p.from, p.buf,
				    p.len, net->now);
			continue;
		}
		for (k = 0; k < net->n; k++)
			if (alive(net, k) &&
			    engine_next_deadline(net->e[k]) <= net->now)
				engine_run(net->e[k], net->now);
	}
}
