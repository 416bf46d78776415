/*
 * conf_print(): the config normalised, every setting explicit in a fixed
 * order, values in their largest exact unit, addresses canonical, so that
 * the output parses back to the same config and prints the same again
 * (tests/test_conf.sh and fuzz/fuzz_conf.c check this). The key is never
 * printed: the output ends up in logs and bug reports.
 */
#include "config.h"

#include <stdio.h>

#include "conf-int.h"
#include "params.h"
#include "prefix.h"
#include "units.h"

static void
print_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void
conf_print(FILE *f, const struct conf *c)
{
	const struct engine_origin_conf *o;
	const struct param *pr;
	char buf[32], pfx[PREFIX_STRLEN], addr[TOKEN_MAX + 16];
	size_t i, j;
	int a;

	fprintf(f, "node %s\n", c->ec.name);
	if (c->key_file != NULL) {
		fprintf(f, "key-file ");
		print_string(f, c->key_file);
		fputc('\n', f);
	} else
		fprintf(f, "key <elided>\n");
	if (c->key_next_file != NULL) {
		fprintf(f, "key-next-file ");
		print_string(f, c->key_next_file);
		fputc('\n', f);
	} else if (c->ec.has_key_next)
		fprintf(f, "key-next <elided>\n");
	for (i = 0; i < c->nlisten; i++)
		fprintf(f, "listen %s port %u\n", c->listen[i].host,
		    c->listen[i].port);
	fprintf(f, "control ");
	print_string(f, c->control);
	fprintf(f, " mode %04o\n", c->control_mode);
	if (c->control_ro != NULL) {
		fprintf(f, "control-readonly ");
		print_string(f, c->control_ro);
		fprintf(f, " mode %04o\n", c->control_ro_mode);
	}
	units_fmt_size(buf, sizeof(buf), c->control_max_output);
	fprintf(f, "control-max-output %s\n", buf);
	if (c->control_idle_timeout == 0)
		fprintf(f, "control-idle-timeout off\n");
	else {
		units_fmt_duration(buf, sizeof(buf), c->control_idle_timeout);
		fprintf(f, "control-idle-timeout %s\n", buf);
	}
	fprintf(f, "control-max-per-user %u\n", c->control_max_per_user);
	if (c->metrics.host != NULL)
		fprintf(f, c->metrics.ss.ss_family == AF_INET6 ?
		    "metrics listen [%s]:%u\n" : "metrics listen %s:%u\n",
		    c->metrics.host, c->metrics.port);
	units_fmt_size(buf, sizeof(buf), c->receive_buffer);
	fprintf(f, "receive-buffer %s\n", buf);
	if (c->user != NULL)
		fprintf(f, "user %s\n", c->user);
	fprintf(f, "pidfile ");
	print_string(f, c->pidfile);
	fputc('\n', f);

	fputc('\n', f);
	for (i = 0; i < params_count(); i++) {
		pr = &params_table()[i];
		fprintf(f, "%s", pr->kw);
		if (pr->sub != NULL)
			fprintf(f, " %s", pr->sub);
		for (a = 0; a < pr->nargs; a++) {
			params_fmt(buf, sizeof(buf), pr->arg[a].type,
			    params_get(&c->ec.p, pr, a));
			fprintf(f, " %s", buf);
		}
		fputc('\n', f);
	}

	fputc('\n', f);
	fprintf(f, "dry-run %s\n", c->kern.dry_run ? "yes" : "no");
	fprintf(f, "tunnel %s", kern_tunnel_name(c->kern.tunnel));
	if (c->kern.tunnel == KERN_TUN_VXLAN)
		fprintf(f, " port %u vni %u", c->kern.port, c->kern.vni);
	fprintf(f, "\ntunnel-device %s\n", c->kern.device);
	fprintf(f, "tunnel-mtu %u\n", c->kern.mtu);
	fprintf(f, "route-table %u\n", c->kern.table);
	fprintf(f, "route-protocol %u\n", c->kern.protocol);
	fprintf(f, "policy-rules %s priority %u\n", c->kern.rules ? "yes" :
	    "no", c->kern.rule_prio);
	fprintf(f, "keep-routes %s\n", c->kern.keep ? "yes" : "no");

	if (c->cache.host != NULL || c->cache_include != NULL ||
	    c->cache_reload != NULL)
		fputc('\n', f);
	if (c->cache.host != NULL) {
		cache_addr_fmt(&c->cache, addr, sizeof(addr));
		fprintf(f, "cache %s\n", addr);
	}
	if (c->cache_include != NULL) {
		fprintf(f, "cache-include ");
		print_string(f, c->cache_include);
		fputc('\n', f);
	}
	if (c->cache_reload != NULL) {
		fprintf(f, "cache-reload ");
		print_string(f, c->cache_reload);
		fputc('\n', f);
	}

	if (c->ec.npeers > 0)
		fputc('\n', f);
	for (i = 0; i < c->ec.npeers; i++) {
		fprintf(f, "peer %s address %s port %u", c->ec.peers[i].name,
		    c->peers[i].addr.host, c->peers[i].addr.port);
		if (c->peers[i].cache.host != NULL) {
			cache_addr_fmt(&c->peers[i].cache, addr, sizeof(addr));
			fprintf(f, " cache %s", addr);
		}
		fputc('\n', f);
	}

	for (i = 0; i < c->ec.norigins; i++) {
		o = &c->ec.origins[i];
		fprintf(f, "\norigin %s {\n", o->name);
		for (j = 0; j < o->nprefixes; j++)
			fprintf(f, "\tprefix %s\n", prefix_fmt(&o->prefixes[j],
			    pfx, sizeof(pfx)));
		fprintf(f, "\tegress");
		for (j = 0; j < o->negress; j++)
			fprintf(f, " %s", o->egress_names[j]);
		fputc('\n', f);
		if (o->tier_mode != TIER_SMART) {
			if (o->tier_mode == TIER_STATIC)
				fprintf(f, "\ttiers static");
			else
				fprintf(f, "\ttiers regional %u", o->tier_k);
			for (j = 0; j < o->ntier; j++)
				fprintf(f, " %s", o->tier_names[j]);
			fputc('\n', f);
		} else
			fprintf(f, "\ttiers smart\n");
		if (c->cache_origins[i].host != NULL) {
			cache_addr_fmt(&c->cache_origins[i], addr,
			    sizeof(addr));
			fprintf(f, "\tcache-origin %s\n", addr);
		}
		chk_print(f, &c->checks[i]);
		fprintf(f, "}\n");
	}
}
