/* mech_plan.c: `parbench mech`'s options (its own table plus the common one) and the cases they expand to. */
#include "mech_plan.h"
#include "mech_place.h"
#include "options.h"
#include "plan.h"
#include "table.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char mech_usage[] =
	"usage: parbench mech [options]\n"
	"Measures mechanisms as the workloads are measured: IPC channels (ping-pong latency and streaming\n"
	"bandwidth over message sizes), synchronisation (uncontended and contended), process and thread\n"
	"creation. Every operation is checked; every list option takes a comma list and multiplies.\n";

/* ---- mech's own options ---- */

/* The option name in messages: "mech: -m: ..." */
static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad(const char *fmt, ...)
{
	char buf[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	pb_err("mech: %s", buf);
	return 2;
}

static int add_mech(struct pb_mech_opts *o, const struct pb_mech *m, int named)
{
	for (int i = 0; i < o->nmechs; i++)
		if (o->mechs[i] == m) {
			o->named[i] |= (unsigned char)named;
			return 0;
		}
	if (o->nmechs == PB_MECH_MAX)
		return bad("-m: too many mechanisms");
	o->named[o->nmechs] = (unsigned char)named;
	o->mechs[o->nmechs++] = m;
	return 0;
}

static int mech_item(void *ctx, const char *val)
{
	struct pb_mech_opts *o = ctx;
	const struct pb_mech *const *all = pb_mechs();
	int fam = strcmp(val, "all") == 0 || pb_mech_is_family(val);
	if (fam) {
		int any = 0, some = 0;
		char why[256] = "";
		for (int i = 0; all[i]; i++) {
			if (strcmp(val, "all") == 0 ? all[i]->mpi : strcmp(all[i]->family, val) != 0)
				continue; /* all: not the MPI jobs, which are asked for by name, as run's mpi variant */
			some++;
			any += !all[i]->available || all[i]->available(why, sizeof why);
		}
		if (some && !any) /* a family none of whose mechanisms this machine has: one line, as a name */
			return bad("%s is not available here: %s", val, why);
		for (int i = 0; all[i]; i++) {
			if (strcmp(val, "all") == 0 ? all[i]->mpi : strcmp(all[i]->family, val) != 0)
				continue;
			if (all[i]->available && !all[i]->available(why, sizeof why))
				pb_warn("mech: %s skipped: %s", all[i]->name, why); /* named alone, it is an error */
			else if (add_mech(o, all[i], 0))
				return 2;
		}
		return 0;
	}
	const struct pb_mech *m = pb_mech_find(val);
	if (!m)
		return bad("unknown mechanism '%s' (see 'parbench list')", val);
	char why[256] = "";
	if (m->available && !m->available(why, sizeof why))
		return bad("%s is not available here: %s", val, why);
	return add_mech(o, m, 1);
}

static int opt_mech(void *opts, const char *arg)
{
	return pb_list_each("-m", arg, mech_item, opts);
}

/* An enum list option: names parsed by parse, kept once each. */
#define ENUM_OPTION(fn, item, type, field, nfield, parse, what, choices)                     \
	static int item(void *ctx, const char *val)                                          \
	{                                                                                    \
		struct pb_mech_opts *o = ctx;                                                \
		type v;                                                                      \
		if (parse(val, &v))                                                          \
			return bad("unknown " what " '%s' (expected " choices ")", val);     \
		for (int i = 0; i < o->nfield; i++)                                          \
			if (o->field[i] == v)                                                \
				return 0;                                                    \
		o->field[o->nfield++] = v;                                                   \
		return 0;                                                                    \
	}                                                                                    \
	static int fn(void *opts, const char *arg)                                           \
	{                                                                                    \
		return pb_list_each("--" what, arg, item, opts);                             \
	}
ENUM_OPTION(opt_variant, variant_item, enum pb_ep_kind, kinds, nkinds, pb_ep_kind_parse, "variant", "process or thread")
ENUM_OPTION(opt_mode, mode_item, enum pb_mode, modes, nmodes, pb_mode_parse, "mode", "lat or bw")
ENUM_OPTION(opt_wait, wait_item, enum pb_mwait, waits, nwaits, pb_mwait_parse, "wait", "block, spin or spin-then-block")
ENUM_OPTION(opt_place, place_item, enum pb_place, places, nplaces, pb_place_parse, "placement",
	    "free, same-cpu, same-core, other-core or other-package")
#undef ENUM_OPTION

struct u64_ctx {
	struct pb_mech_opts *o;
	uint64_t *vals;
	int *n;
	int is_bytes;
};

static int u64_item(void *ctx, const char *val)
{
	struct u64_ctx *x = ctx;
	uint64_t v;
	if (x->is_bytes) {
		if (pb_mech_parse_bytes(val, &v) != 0)
			return bad("bad message size '%s' (expected bytes: 64, 4K, 1M, 2^20)", val);
		if (v == 0)
			return bad("message size 0: a message has at least 1 byte");
		if (v > PB_MECH_MAX_BYTES)
			return bad("message size %s is beyond the limit of any mechanism (%llu bytes)", val,
				   (unsigned long long)PB_MECH_MAX_BYTES);
	} else {
		char why[256];
		if (pb_parse_size(val, &v, why, sizeof why) != 0)
			return bad("-n: %s", why);
	}
	for (int i = 0; i < *x->n; i++)
		if (x->vals[i] == v)
			return 0;
	if (*x->n == PB_MAX_LIST)
		return bad("too many values (at most %d)", PB_MAX_LIST);
	x->vals[(*x->n)++] = v;
	return 0;
}

static int opt_bytes(void *opts, const char *arg)
{
	struct pb_mech_opts *o = opts;
	struct u64_ctx x = { o, o->bytes, &o->nbytes, 1 };
	return pb_list_each("--bytes", arg, u64_item, &x);
}

static int opt_ops(void *opts, const char *arg)
{
	struct pb_mech_opts *o = opts;
	struct u64_ctx x = { o, o->ops, &o->nops, 0 };
	return pb_list_each("-n", arg, u64_item, &x);
}

static int opt_param(void *opts, const char *arg)
{
	struct pb_mech_opts *o = opts;
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg || !eq[1])
		return bad("bad parameter '%s': expected KEY=VALUE", arg);
	size_t kl = (size_t)(eq - arg);
	if (kl >= PB_PARAM_KEY_MAX || strlen(eq + 1) >= PB_PARAM_VAL_MAX || strchr(eq + 1, ';'))
		return bad("bad parameter '%.60s' (too long, or a ';')", arg);
	struct pb_param_arg *pa = NULL;
	for (int i = 0; i < o->nparams; i++)
		if (strlen(o->params[i].key) == kl && strncmp(o->params[i].key, arg, kl) == 0)
			pa = &o->params[i];
	if (!pa) {
		if (o->nparams == (int)(sizeof o->params / sizeof o->params[0]))
			return bad("-p: too many parameters");
		pa = &o->params[o->nparams++];
		memcpy(pa->key, arg, kl);
		pa->key[kl] = '\0';
	}
	for (int v = 0; v < pa->nvals; v++)
		if (strcmp(pa->vals[v], eq + 1) == 0)
			return 0;
	if (pa->nvals == PB_MAX_PARAM_VALS)
		return bad("-p: too many values for '%s'", pa->key);
	snprintf(pa->vals[pa->nvals++], PB_PARAM_VAL_MAX, "%s", eq + 1);
	return 0;
}

static int opt_hostfile(void *opts, const char *arg)
{
	struct pb_mech_opts *o = opts;
	char err[PB_ERR_MAX];
	int fd = pb_open_regular(arg, err, sizeof err);
	if (fd < 0)
		return bad("--hostfile: %s", err);
	close(fd);
	if (strlen(arg) >= sizeof o->hostfile)
		return bad("--hostfile: the path is too long");
	snprintf(o->hostfile, sizeof o->hostfile, "%s", arg);
	return 0;
}

static int opt_min_time(void *opts, const char *arg)
{
	char *end;
	double t = strtod(arg, &end);
	if (*end || end == arg || !(t > 0) || t > 60)
		return bad("bad --min-time '%s': expected seconds, more than 0 and at most 60", arg);
	((struct pb_mech_opts *)opts)->min_time_s = t;
	return 0;
}

static int opt_quick(void *opts, const char *arg)
{
	(void)arg;
	((struct pb_mech_opts *)opts)->preset = PB_SIZE_QUICK;
	return 0;
}

static int opt_full(void *opts, const char *arg)
{
	(void)arg;
	((struct pb_mech_opts *)opts)->preset = PB_SIZE_FULL;
	return 0;
}

#define M PB_OPT_MATRIX
static const struct pb_opt mech_options[] = {
	{ "mech", 'm', "LIST", M, "mechanisms, families (ipc, sync, spawn, mpi) or all (default: all but mpi)", opt_mech },
	{ "variant", 'v', "LIST", M, "endpoints: process,thread (default: each mechanism's own)", opt_variant },
	{ "mode", 0, "LIST", M, "ipc: lat (ping-pong round trip), bw (one-way stream) (default: both)", opt_mode },
	{ "bytes", 0, "LIST", M, "ipc message sizes: 1,64,4K,1M,2^20 (default: 1 B to 1 MiB, powers of 4)", opt_bytes },
	{ "ops", 'n', "LIST", M, "operations per repetition (default: calibrated, see --min-time)", opt_ops },
	{ "wait", 0, "LIST", M, "block,spin,spin-then-block (default: each mechanism's own)", opt_wait },
	{ "placement", 0, "LIST", M, "free,same-cpu,same-core,other-core,other-package (default: free)", opt_place },
	{ "param", 'p', "KEY=VAL", M, "mechanism parameter (rss=64M, prog=true, mix=write-heavy, stride=64); repeat to sweep",
	  opt_param },
	{ "hostfile", 0, "FILE", 0, "mpi family: the ranks' hosts (an Open MPI hostfile; default: this host)", opt_hostfile },
	{ "min-time", 0, "S", 0, "calibration: the smallest power-of-2 batch lasting S s (default: 0.01)", opt_min_time },
	{ "quick", 0, NULL, 0, "every third message size, shorter repetitions: a smoke test", opt_quick },
	{ "full", 0, NULL, 0, "message sizes to 4 MiB, contenders to twice the CPUs, longer repetitions", opt_full },
	{ NULL, 0, NULL, 0, NULL, NULL },
};
#undef M

const struct pb_opt *const pb_mech_tables[] = { mech_options, pb_common_options, NULL };

/* The bindings as kinds x orders, as `run` makes them. */
static void fill_binds(struct pb_common_opts *c)
{
	if (!c->nbind_kinds)
		c->bind_kinds[c->nbind_kinds++] = PB_BIND_NONE;
	if (!c->norders)
		c->orders[c->norders++] = PB_ORDER_COMPACT;
	c->nbinds = 0;
	for (int k = 0; k < c->nbind_kinds; k++)
		for (int r = 0; r < (c->bind_kinds[k] == PB_BIND_NONE ? 1 : c->norders); r++)
			c->binds[c->nbinds++] = (struct pb_bind){ c->bind_kinds[k], c->orders[r] };
}

/* Checks across options, after parsing. */
static int check_opts(struct pb_mech_opts *o)
{
	if (o->c.append && !o->c.out_dir[0]) {
		pb_err("--append needs --out DIR");
		return 2;
	}
	int binds = 0, places = 0;
	for (int i = 0; i < o->c.nbinds; i++)
		binds |= o->c.binds[i].kind != PB_BIND_NONE;
	for (int i = 0; i < o->nplaces; i++)
		places |= o->places[i] != PB_PLACE_FREE;
	if (binds && places)
		return bad("--bind and --placement both choose CPUs; give one of them");
	char why[256];
	if (binds && !pb_pin_supported(why, sizeof why))
		return bad("--bind: %s", why);
	return 0;
}

int pb_mech_parse(int argc, char **argv, struct pb_mech_opts *o)
{
	memset(o, 0, sizeof *o);
	o->c.reps = 5;
	o->c.warmup = 1;
	snprintf(o->c.counters_spec, sizeof o->c.counters_spec, "auto");
	o->c.argc = argc;
	o->c.argv = argv;
	int rc = pb_opts_parse(pb_mech_tables, "mech", mech_usage, argc, argv, o);
	if (rc)
		return rc;
	fill_binds(&o->c);
	if (!o->nmechs) {
		/* the default is `all`, which leaves the mpi family out (an MPI job per case): ask with -m mpi */
		const struct pb_mech *const *all = pb_mechs();
		for (int i = 0; all[i]; i++) {
			char why[256];
			if (all[i]->mpi)
				continue;
			if (!all[i]->available || all[i]->available(why, sizeof why))
				add_mech(o, all[i], 0);
			else
				pb_warn("mech: %s skipped: %s", all[i]->name, why);
		}
	}
	if (o->min_time_s <= 0)
		o->min_time_s = o->preset == PB_SIZE_QUICK ? 0.002 : o->preset == PB_SIZE_FULL ? 0.05 : 0.01;
	return check_opts(o);
}

/* ---- expanding the options into cases ---- */

/* What expanding one mechanism needs. */
struct expand {
	const struct pb_mech_opts *o;
	struct pb_mech_plan *p;
	const struct pb_mech *m;
	int named;
	const struct pb_mech_topo *topo;
	char skipped[600]; /* the first reason a combination was left out, for "nothing to run" */
	/* the lists for m */
	int nkinds, nmodes, nbytes, nwaits, nplaces, ngroups;
	enum pb_ep_kind kinds[PB_EP_NKINDS];
	enum pb_mode modes[PB_NMODES];
	uint64_t bytes[PB_MAX_LIST + 8];
	enum pb_mwait waits[PB_NMWAITS];
	enum pb_place places[PB_NPLACES];
	int groups[PB_MAX_LIST];
	int nparams;                       /* m's parameters and the values of each */
	const char *pkeys[PB_MAX_PARAMS];
	int npvals[PB_MAX_PARAMS];
	char pvals[PB_MAX_PARAMS][PB_MAX_PARAM_VALS][PB_PARAM_VAL_MAX];
};

/*
 * A value m cannot take.  Given by the user for a mechanism named on its
 * own, it is bad input: printed, 2.  Otherwise the combination is left out
 * (the first reason is kept): 1.
 */
static int unsuitable(struct expand *e, int given, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int unsuitable(struct expand *e, int given, const char *fmt, ...)
{
	char msg[500];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (e->named && given) {
		pb_err("mech: %s: %s", e->m->name, msg);
		return 2;
	}
	if (!e->skipped[0])
		snprintf(e->skipped, sizeof e->skipped, "%s: %s", e->m->name, msg);
	return 1;
}

/* The names of the bits of mask, "a, b" (names from fn). */
static void bit_names(unsigned mask, int n, const char *(*fn)(int), char *buf, size_t len)
{
	size_t p = 0;
	buf[0] = '\0';
	for (int i = 0; i < n; i++)
		if (mask & PB_BIT(i))
			p += (size_t)snprintf(buf + p, p < len ? len - p : 0, "%s%s", p ? ", " : "", fn(i));
}

static const char *kind_n(int i) { return pb_ep_kind_name((enum pb_ep_kind)i); }
static const char *mode_n(int i) { return pb_mode_name((enum pb_mode)i); }
static const char *wait_n(int i) { return pb_mwait_name((enum pb_mwait)i); }
static const char *place_n(int i) { return pb_place_name((enum pb_place)i); }

/* Keep the given values whose bit m has (the rest are unsuitable), or m's defaults. */
#define PICK(given_n, given, mask, dmask, count, out, nvals, fn, what)                                          \
	do {                                                                                                     \
		e->count = 0;                                                                                    \
		if (given_n) {                                                                                   \
			for (int i = 0; i < given_n; i++) {                                                      \
				if ((mask) & PB_BIT(given[i])) {                                                 \
					e->out[e->count++] = given[i];                                           \
					continue;                                                                \
				}                                                                                \
				char can[200];                                                                   \
				bit_names(mask, nvals, fn, can, sizeof can);                                     \
				if (unsuitable(e, 1, "it takes no " what " '%s' (it takes %s)", fn(given[i]), can) == 2) \
					return 2;                                                                \
			}                                                                                        \
		} else {                                                                                         \
			for (int i = 0; i < nvals; i++)                                                          \
				if ((dmask) & PB_BIT(i))                                                         \
					e->out[e->count++] = (__typeof__(e->out[0]))i;                           \
		}                                                                                                \
	} while (0)

static int pick_bytes(struct expand *e)
{
	const struct pb_mech *m = e->m;
	const struct pb_mech_opts *o = e->o;
	e->nbytes = 0;
	if (!m->sized) {
		e->bytes[e->nbytes++] = 0;
		return 0;
	}
	if (o->nbytes) {
		for (int i = 0; i < o->nbytes; i++) {
			if (o->bytes[i] >= m->min_bytes && o->bytes[i] <= m->max_bytes)
				e->bytes[e->nbytes++] = o->bytes[i];
			else if (unsuitable(e, 1, "message size %llu is beyond its limits (%llu to %llu bytes)",
					    (unsigned long long)o->bytes[i], (unsigned long long)m->min_bytes,
					    (unsigned long long)m->max_bytes) == 2)
				return 2;
		}
		return 0;
	}
	int k = 0;
	for (const uint64_t *b = m->default_bytes; b && *b; b++, k++)
		if (o->preset != PB_SIZE_QUICK || k % 3 == 0)
			e->bytes[e->nbytes++] = *b;
	/* --full: on past 1 MiB to 4 MiB, where the largest default ends */
	if (o->preset == PB_SIZE_FULL && e->nbytes && e->bytes[e->nbytes - 1] == (UINT64_C(1) << 20))
		e->bytes[e->nbytes++] = UINT64_C(4) << 20;
	return 0;
}

static int pick_groups(struct expand *e)
{
	const struct pb_mech_opts *o = e->o;
	const char *what = e->m->group_size == 2 ? "pairs" : strcmp(e->m->family, "spawn") == 0 ? "creators"
			   : e->m->mpi ? "ranks" : "contenders";
	e->ngroups = 0;
	if (o->c.nworkers) {
		for (int i = 0; i < o->c.nworkers; i++) {
			if (o->c.workers[i] <= e->m->max_groups)
				e->groups[e->ngroups++] = o->c.workers[i];
			else if (unsuitable(e, 1, "%d %s are more than its limit of %d", o->c.workers[i], what,
					    e->m->max_groups) == 2)
				return 2;
		}
		return 0;
	}
	if (e->m->default_groups) {
		e->groups[e->ngroups++] = e->m->default_groups;
		return 0;
	}
	int cpus = pb_available_cpus(), top = o->preset == PB_SIZE_FULL ? 2 * cpus : cpus;
	for (int g = 1; g <= top && g <= e->m->max_groups && e->ngroups < PB_MAX_LIST; g++)
		e->groups[e->ngroups++] = g;
	return 0;
}

/* Split a default list "0,64M" into its values. */
static int split_defaults(const char *def, char vals[][PB_PARAM_VAL_MAX])
{
	int n = 0;
	for (const char *p = def; p && *p && n < PB_MAX_PARAM_VALS;) {
		size_t l = strcspn(p, ",");
		snprintf(vals[n++], PB_PARAM_VAL_MAX, "%.*s", (int)l, p);
		p += l + (p[l] == ',');
	}
	return n;
}

static int among(const char *choices, const char *v)
{
	size_t vl = strlen(v);
	for (const char *c = choices; *c;) {
		size_t l = strcspn(c, "|");
		if (l == vl && strncmp(c, v, vl) == 0)
			return 1;
		c += l + (c[l] == '|');
	}
	return 0;
}

static int pick_params(struct expand *e)
{
	e->nparams = 0;
	for (const struct pb_param_def *d = e->m->params; d && d->key && e->nparams < PB_MAX_PARAMS; d++) {
		int k = e->nparams++;
		e->pkeys[k] = d->key;
		e->npvals[k] = 0;
		for (int i = 0; i < e->o->nparams; i++)
			if (strcmp(e->o->params[i].key, d->key) == 0)
				for (int v = 0; v < e->o->params[i].nvals; v++) {
					const char *val = e->o->params[i].vals[v];
					if (d->choices && !among(d->choices, val))
						return bad("%s: parameter '%s': '%s' is not one of %s", e->m->name, d->key, val,
							   d->choices);
					snprintf(e->pvals[k][e->npvals[k]++], PB_PARAM_VAL_MAX, "%s", val);
				}
		if (!e->npvals[k])
			e->npvals[k] = split_defaults(d->def, e->pvals[k]);
	}
	return 0;
}

/* Whether the user gave any value that m's own check (machine limits) judges: sizes, -j, its -p keys. */
static int check_given(const struct expand *e)
{
	if (e->o->nbytes || e->o->c.nworkers)
		return 1;
	for (int k = 0; k < e->nparams; k++)
		for (int i = 0; i < e->o->nparams; i++)
			if (strcmp(e->o->params[i].key, e->pkeys[k]) == 0)
				return 1;
	return 0;
}

static int plan_add(struct pb_mech_plan *p, const struct pb_mech_plan_case *c)
{
	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 64;
		struct pb_mech_plan_case *np = realloc(p->cases, nc * sizeof *np);
		if (!np)
			return bad("out of memory");
		p->cases = np;
		p->cap = nc;
	}
	p->cases[p->n++] = *c;
	return 0;
}

/* raw.csv's params and the progress label of a case. */
static void describe(struct pb_mech_plan_case *pc)
{
	const struct pb_mech_case *c = &pc->mc;
	const struct pb_mech *m = c->m;
	struct pb_strbuf b = { 0 };
	char bind[64];
	pb_sb_printf(&b, "mech=%s", m->name);
	if (m->modes)
		pb_sb_printf(&b, ";mode=%s", pb_mode_name(c->mode));
	if (m->sized)
		pb_sb_printf(&b, ";bytes=%llu", (unsigned long long)c->bytes);
	pb_sb_printf(&b, ";wait=%s;placement=%s", pb_mwait_name(c->wait), pb_place_name(c->place));
	for (int i = 0; i < c->nparams; i++)
		pb_sb_printf(&b, ";%s=%s", c->params[i].key, c->params[i].val);
	snprintf(pc->params, sizeof pc->params, "%s", b.s ? b.s : "");
	free(b.s);
	pb_bind_str(&pc->bind, bind, sizeof bind);
	pb_textf(pc->label, sizeof pc->label, "%s %s j=%d %s%s%s", m->family, pc->params, c->groups,
		 pb_ep_kind_name(c->kind), pc->bind.kind != PB_BIND_NONE ? " bind=" : "",
		 pc->bind.kind != PB_BIND_NONE ? bind : "");
}

/* The cases of one combination of m's lists: every parameter combination x ops x binding. */
static int emit(struct expand *e, struct pb_mech_case *mc)
{
	int idx[PB_MAX_PARAMS] = { 0 };
	for (;;) {
		mc->nparams = e->nparams;
		for (int k = 0; k < e->nparams; k++) {
			snprintf(mc->params[k].key, sizeof mc->params[k].key, "%s", e->pkeys[k]);
			snprintf(mc->params[k].val, sizeof mc->params[k].val, "%s", e->pvals[k][idx[k]]);
		}
		char why[600] = "";
		int rc = e->m->check ? e->m->check(mc, why, sizeof why) : 0;
		if (rc != 0 && unsuitable(e, check_given(e), "%s", why) == 2)
			return 2;
		for (int n = 0; rc == 0 && n < (e->o->nops ? e->o->nops : 1); n++)
			for (int b = 0; b < e->o->c.nbinds; b++) {
				struct pb_mech_plan_case pc;
				memset(&pc, 0, sizeof pc);
				pc.mc = *mc;
				pc.bind = e->o->c.binds[b];
				pc.ops = e->o->nops ? e->o->ops[n] : 0;
				describe(&pc);
				if (plan_add(e->p, &pc))
					return 2;
			}
		int k = e->nparams - 1;
		while (k >= 0 && ++idx[k] == e->npvals[k])
			idx[k--] = 0;
		if (k < 0)
			return 0;
	}
}

/* A placement this machine cannot give (bad input when asked for a named mechanism). */
static int place_ok(struct expand *e, struct pb_mech_case *mc)
{
	if (mc->place == PB_PLACE_FREE)
		return 0;
	struct pb_cpuset *sets = calloc((size_t)mc->nep, sizeof *sets);
	char why[300] = "";
	int rc = sets ? pb_mech_place_plan(e->topo, mc->place, mc->nep, e->m->place_group, sets, why, sizeof why) : -1;
	free(sets);
	if (rc == 0)
		return 0;
	return unsuitable(e, 1, "%s", sets ? why : "out of memory");
}

static int expand_mech(struct expand *e)
{
	const struct pb_mech_opts *o = e->o;
	const struct pb_mech *m = e->m;
	PICK(o->nkinds, o->kinds, m->kinds, m->default_kinds, nkinds, kinds, PB_EP_NKINDS, kind_n, "variant");
	if (m->modes)
		PICK(o->nmodes, o->modes, m->modes, m->modes, nmodes, modes, PB_NMODES, mode_n, "mode");
	else
		e->nmodes = 1, e->modes[0] = PB_MODE_LAT;
	PICK(o->nwaits, o->waits, m->waits, m->default_waits, nwaits, waits, PB_NMWAITS, wait_n, "wait");
	PICK(o->nplaces, o->places, m->places, PB_BIT(PB_PLACE_FREE), nplaces, places, PB_NPLACES, place_n,
	     "placement");
	if (pick_bytes(e) || pick_groups(e) || pick_params(e))
		return 2;
	for (int a = 0; a < e->nkinds; a++)
		for (int b = 0; b < e->nmodes; b++)
			for (int s = 0; s < e->nbytes; s++)
				for (int w = 0; w < e->nwaits; w++)
					for (int pl = 0; pl < e->nplaces; pl++)
						for (int g = 0; g < e->ngroups; g++) {
							struct pb_mech_case mc = { .m = m, .kind = e->kinds[a],
										   .mode = e->modes[b], .bytes = e->bytes[s],
										   .wait = e->waits[w], .place = e->places[pl],
										   .groups = e->groups[g],
										   .nep = e->groups[g] * m->group_size };
							int rc = place_ok(e, &mc);
							if (rc == 2 || (rc == 0 && emit(e, &mc) == 2))
								return 2;
						}
	return 0;
}

/* Every -p key must be a parameter of at least one chosen mechanism. */
static int check_param_keys(const struct pb_mech_opts *o)
{
	for (int i = 0; i < o->nparams; i++) {
		int known = 0;
		for (int k = 0; k < o->nmechs && !known; k++)
			for (const struct pb_param_def *d = o->mechs[k]->params; d && d->key; d++)
				known |= strcmp(d->key, o->params[i].key) == 0;
		if (!known)
			return bad("unknown parameter '%s' for the chosen mechanisms (see 'parbench list')", o->params[i].key);
	}
	return 0;
}

int pb_mech_plan_build(const struct pb_mech_opts *o, struct pb_mech_plan *p)
{
	static struct pb_mech_topo topo; /* large: not on the stack */
	static struct expand e;
	char err[256];
	memset(p, 0, sizeof *p);
	if (check_param_keys(o))
		return 2;
	if (pb_mech_topo_load(&topo, err, sizeof err) != 0)
		return bad("%s", err);
	memset(&e, 0, sizeof e);
	e.o = o;
	e.p = p;
	e.topo = &topo;
	for (int i = 0; i < o->nmechs; i++) {
		e.m = o->mechs[i];
		e.named = o->named[i];
		if (expand_mech(&e) == 2) {
			pb_mech_plan_free(p);
			return 2;
		}
	}
	if (!p->n) {
		bad("nothing to run: %s", e.skipped[0] ? e.skipped : "no mechanism");
		return 2;
	}
	return 0;
}

void pb_mech_plan_free(struct pb_mech_plan *p)
{
	free(p->cases);
	memset(p, 0, sizeof *p);
}

void pb_mech_plan_key(const struct pb_mech_plan *p, size_t i, struct pb_raw_row *key)
{
	const struct pb_mech_plan_case *pc = &p->cases[i];
	memset(key, 0, sizeof *key);
	snprintf(key->workload, sizeof key->workload, "%s", pc->mc.m->family);
	key->size = pc->ops;
	snprintf(key->params, sizeof key->params, "%s", pc->params);
	snprintf(key->variant, sizeof key->variant, "%s", pb_ep_kind_name(pc->mc.kind));
	key->workers = pc->mc.groups;
	key->tasks = (unsigned long long)pc->mc.nep;
	key->chunk = 1;
	snprintf(key->schedule, sizeof key->schedule, "none");
	pb_bind_str(&pc->bind, key->bind, sizeof key->bind);
}

/* ---- parbench list ---- */

void pb_mech_list(FILE *f)
{
	const struct pb_mech *const *m = pb_mechs();
	fprintf(f, "\nmechanisms (parbench mech -m NAME or a family: ipc, sync, spawn, mpi; all leaves mpi out):\n");
	for (int i = 0; m[i]; i++) {
		char why[256] = "", kinds[64], waits[128], modes[32], head[64], text[512];
		int ok = !m[i]->available || m[i]->available(why, sizeof why);
		snprintf(head, sizeof head, "  %-5s %-16s %-11s ", m[i]->family, m[i]->name, ok ? "available" : "unavailable");
		pb_print_wrapped(f, head, ok ? m[i]->description : why, 25);
		bit_names(m[i]->kinds, PB_EP_NKINDS, kind_n, kinds, sizeof kinds);
		bit_names(m[i]->waits, PB_NMWAITS, wait_n, waits, sizeof waits);
		bit_names(m[i]->modes, PB_NMODES, mode_n, modes, sizeof modes);
		size_t l = (size_t)snprintf(text, sizeof text, "variants %s; wait %s%s%s", kinds, waits,
					    m[i]->modes ? "; modes " : "", m[i]->modes ? modes : "");
		if (m[i]->sized && l < sizeof text)
			l += (size_t)snprintf(text + l, sizeof text - l, "; bytes %llu-%llu", (unsigned long long)m[i]->min_bytes,
					      (unsigned long long)m[i]->max_bytes);
		if (l < sizeof text)
			snprintf(text + l, sizeof text - l, "; -j up to %d %s", m[i]->max_groups,
				 m[i]->group_size == 2 ? "pairs" : strcmp(m[i]->family, "spawn") == 0 ? "creators"
				 : m[i]->mpi ? "ranks" : "contenders");
		pb_print_wrapped(f, "                         ", text, 25);
		for (const struct pb_param_def *d = m[i]->params; d && d->key; d++) {
			snprintf(head, sizeof head, "                         -p %s=%s  ", d->key, d->def);
			pb_print_wrapped(f, head, d->help, 29);
		}
	}
}
