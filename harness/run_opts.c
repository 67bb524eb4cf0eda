/* run_opts.c: `parbench run`'s options: parsed from the option table (options.c), then defaults and checks. */
#include "options.h"
#include "suggest.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static const char run_usage[] =
	"usage: parbench run [options]\n"
	"Runs every case of the matrix the options give (workloads x sizes x parameters x variants x\n"
	"workers x tasks x schedules x chunks x bindings); every list option takes a comma list and\n"
	"may be repeated.\n";

/* The parameter names of workload w, as "a, b, c" (or "none"). */
static void param_names(const struct pb_workload *w, char *buf, size_t len)
{
	size_t pos = 0;
	buf[0] = '\0';
	for (const struct pb_param_def *d = w->params; d && d->key; d++) {
		int n = snprintf(buf + pos, len - pos, "%s%s", pos ? ", " : "", d->key);
		if (n < 0 || (size_t)n >= len - pos)
			break;
		pos += (size_t)n;
	}
	if (!pos)
		snprintf(buf, len, "none");
}

/* Whether value is one of choices ("a|b|c"). */
static int among(const char *choices, const char *value)
{
	size_t vl = strlen(value);
	for (const char *c = choices; *c;) {
		size_t cl = strcspn(c, "|");
		if (cl == vl && strncmp(c, value, vl) == 0)
			return 1;
		c += cl + (c[cl] == '|');
	}
	return 0;
}

/* "; did you mean 'x'?" for a value that is not one of choices ("a|b|c"). */
static void choice_suggestion(const char *choices, const char *value, char *buf, size_t len)
{
	char copy[512];
	const char *words[32];
	size_t n = 0;
	snprintf(copy, sizeof copy, "%s", choices);
	for (char *w = strtok(copy, "|"); w && n < 32; w = strtok(NULL, "|"))
		words[n++] = w;
	pb_did_you_mean(buf, len, value, words, n);
}

/* Every -p key must belong to at least one chosen workload, and each value must fit its choices. */
static int check_params(const struct pb_run_opts *o)
{
	for (int i = 0; i < o->nparams; i++) {
		const struct pb_param_arg *pa = &o->params[i];
		int known = 0;
		for (int w = 0; w < o->nworkloads; w++) {
			for (const struct pb_param_def *d = o->workloads[w]->params; d && d->key; d++) {
				if (strcmp(d->key, pa->key) != 0)
					continue;
				known = 1;
				for (int v = 0; d->choices && v < pa->nvals; v++)
					if (!among(d->choices, pa->vals[v])) {
						char dym[128];
						choice_suggestion(d->choices, pa->vals[v], dym, sizeof dym);
						pb_err("%s: parameter '%s': '%s' is not one of %s%s", o->workloads[w]->name,
						       pa->key, pa->vals[v], d->choices, dym);
						return -1;
					}
			}
		}
		if (!known) {
			char names[256], dym[128];
			if (o->nworkloads == 1) {
				const char *keys[PB_MAX_PARAMS];
				size_t nk = 0;
				for (const struct pb_param_def *d = o->workloads[0]->params; d && d->key && nk < PB_MAX_PARAMS; d++)
					keys[nk++] = d->key;
				pb_did_you_mean(dym, sizeof dym, pa->key, keys, nk);
				param_names(o->workloads[0], names, sizeof names);
				pb_err("unknown parameter '%s' for workload %s%s (its parameters: %s)", pa->key,
				       o->workloads[0]->name, dym, names);
			} else {
				size_t pos = 0;
				names[0] = '\0';
				for (int w = 0; w < o->nworkloads && pos < sizeof names; w++)
					pos += (size_t)snprintf(names + pos, sizeof names - pos, "%s%s", w ? "," : "",
								o->workloads[w]->name);
				pb_err("unknown parameter '%s' for workloads %s (see 'parbench list')", pa->key, names);
			}
			return -1;
		}
	}
	return 0;
}

/* Defaults for every list the options left empty; the bindings as kinds x orders. */
static void fill_defaults(struct pb_run_opts *o)
{
	struct pb_common_opts *c = &o->c;
	char why[256];
	for (int k = 0; !o->nworkloads && pb_workloads[k]; k++)
		if (!pb_workloads[k]->extra && o->nworkloads < PB_MAX_WORKLOADS)
			o->workloads[o->nworkloads++] = pb_workloads[k];
	if (!o->nvariants)
		for (int k = 0; pb_executors[k] && o->nvariants < PB_MAX_VARIANTS; k++)
			if (!pb_executors[k]->extra && pb_executors[k]->available(why, sizeof why))
				o->variants[o->nvariants++] = pb_executors[k];
	if (!c->nworkers)
		for (int w = 1; w <= pb_available_cpus() && c->nworkers < PB_MAX_LIST; w++)
			c->workers[c->nworkers++] = w;
	if (!o->nchunks)
		o->chunks[o->nchunks++] = 1;
	if (!o->nscheds)
		o->scheds[o->nscheds++] = PB_SCHED_STATIC;
	if (!c->nbind_kinds)
		c->bind_kinds[c->nbind_kinds++] = PB_BIND_NONE;
	if (!c->norders)
		c->orders[c->norders++] = PB_ORDER_COMPACT;
	c->nbinds = 0;
	for (int k = 0; k < c->nbind_kinds; k++)
		for (int r = 0; r < (c->bind_kinds[k] == PB_BIND_NONE ? 1 : c->norders); r++)
			c->binds[c->nbinds++] = (struct pb_bind){ c->bind_kinds[k], c->orders[r] };
}

int pb_run_parse(int argc, char **argv, struct pb_run_opts *o)
{
	pb_run_opts_init(o);
	o->c.argc = argc;
	o->c.argv = argv;
	int rc = pb_opts_parse(pb_run_tables, "run", run_usage, argc, argv, o);
	if (rc)
		return rc;
	if (o->c.append && !o->c.out_dir[0]) {
		pb_err("--append needs --out DIR");
		return 2;
	}
	fill_defaults(o);
	return check_params(o) ? 2 : 0;
}
