/* options.c: run's options as one table: their parsers, the getopt_long built from it, the usage text. */
#include "options.h"
#include "plugin.h"
#include "suggest.h"
#include "table.h"
#include "util.h"

#include <ctype.h>

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the bounded list parser ---- */

int pb_list_each(const char *opt, const char *arg, int (*item)(void *ctx, const char *val), void *ctx)
{
	char tok[256];
	const char *p = arg;
	if (!*arg) {
		pb_err("%s: empty list", opt);
		return 2;
	}
	for (;;) {
		size_t len = strcspn(p, ",");
		if (len == 0) {
			pb_err("%s: empty value in list '%s'", opt, arg);
			return 2;
		}
		if (len >= sizeof tok) {
			pb_err("%s: a value in list '%.40s...' is longer than %zu characters", opt, arg, sizeof tok - 1);
			return 2;
		}
		memcpy(tok, p, len);
		tok[len] = '\0';
		int rc = item(ctx, tok);
		if (rc)
			return rc;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

/* A list value given twice: used once, said once per option. */
static void duplicate(const char *opt, const char *val)
{
	pb_warn("%s lists '%s' more than once; it is used once", opt, val);
}

/* val in lower case into buf (names are case-insensitive: -v OpenMP is openmp). */
static const char *lower(const char *val, char *buf, size_t len)
{
	size_t i = 0;
	for (; val[i] && i + 1 < len; i++)
		buf[i] = (char)tolower((unsigned char)val[i]);
	buf[i] = '\0';
	return buf;
}

static int too_many(const char *opt, const char *what, int max)
{
	pb_err("%s: too many %s (at most %d)", opt, what, max);
	return 2;
}

/* ---- the common options ---- */

struct workers_ctx {
	struct pb_common_opts *c;
	int cores;
};

static int add_worker(struct pb_common_opts *c, long w)
{
	for (int k = 0; k < c->nworkers; k++)
		if (c->workers[k] == w)
			return 1;
	if (c->nworkers == PB_MAX_LIST)
		return -1;
	c->workers[c->nworkers++] = (int)w;
	return 0;
}

/* "cores" or a count in 1..1024; 0 or -1. */
static int worker_count(const char *s, int cores, long *out)
{
	if (strcmp(s, "cores") == 0) {
		*out = cores;
		return 0;
	}
	return pb_parse_int(s, 1, 1024, out);
}

static int worker_item(void *ctx, const char *val)
{
	struct workers_ctx *x = ctx;
	char tok[256];
	long a, b;
	snprintf(tok, sizeof tok, "%s", val);
	char *dash = strchr(tok, '-');
	if (dash && dash != tok) {
		*dash = '\0';
		if (worker_count(tok, x->cores, &a) || worker_count(dash + 1, x->cores, &b) || b < a) {
			pb_err("bad worker range '%s' (expected A-B with 1 <= A <= B <= 1024; B may be 'cores')", val);
			return 2;
		}
	} else if (worker_count(tok, x->cores, &a) == 0) {
		b = a;
	} else {
		pb_err("bad worker count '%s' (expected 1..1024, A-B or 'cores')", val);
		return 2;
	}
	for (long w = a; w <= b; w++) {
		int rc = add_worker(x->c, w);
		if (rc < 0)
			return too_many("-j", "worker counts", PB_MAX_LIST);
		if (rc > 0 && a == b)
			duplicate("-j", val);
	}
	return 0;
}

static int opt_workers(void *opts, const char *arg)
{
	struct workers_ctx x = { opts, pb_available_cpus() };
	return pb_list_each("-j", arg, worker_item, &x);
}

static int bind_item(void *ctx, const char *val)
{
	struct pb_common_opts *c = ctx;
	enum pb_bind_kind k;
	char low[256], dym[128];
	if (pb_bind_parse(lower(val, low, sizeof low), &k)) {
		static const char *const names[] = { "none", "core", "pu" };
		pb_did_you_mean(dym, sizeof dym, val, names, 3);
		pb_err("unknown binding '%s'%s (expected none, core or pu)", val, dym);
		return 2;
	}
	for (int i = 0; i < c->nbind_kinds; i++)
		if (c->bind_kinds[i] == k) {
			duplicate("-b", val);
			return 0;
		}
	c->bind_kinds[c->nbind_kinds++] = k;
	return 0;
}

static int opt_bind(void *opts, const char *arg)
{
	return pb_list_each("-b", arg, bind_item, opts);
}

static int order_item(void *ctx, const char *val)
{
	struct pb_common_opts *c = ctx;
	enum pb_bind_order o;
	char low[256], dym[128];
	if (pb_order_parse(lower(val, low, sizeof low), &o)) {
		static const char *const names[] = { "compact", "scatter" };
		pb_did_you_mean(dym, sizeof dym, val, names, 2);
		pb_err("unknown order '%s'%s (expected compact or scatter)", val, dym);
		return 2;
	}
	for (int i = 0; i < c->norders; i++)
		if (c->orders[i] == o) {
			duplicate("--order", val);
			return 0;
		}
	c->orders[c->norders++] = o;
	return 0;
}

static int opt_order(void *opts, const char *arg)
{
	return pb_list_each("--order", arg, order_item, opts);
}

static int opt_reps(void *opts, const char *arg)
{
	long v;
	if (pb_parse_int(arg, 1, 1000000, &v)) {
		pb_err("bad repetition count '%s': expected 1 to 1000000", arg);
		return 2;
	}
	((struct pb_common_opts *)opts)->reps = v;
	return 0;
}

static int opt_warmup(void *opts, const char *arg)
{
	long v;
	if (pb_parse_int(arg, 0, 1000, &v)) {
		pb_err("bad warm-up count '%s': expected 0 to 1000", arg);
		return 2;
	}
	((struct pb_common_opts *)opts)->warmup = v;
	return 0;
}

static int opt_counters(void *opts, const char *arg)
{
	struct pb_common_opts *c = opts;
	if (strlen(arg) >= sizeof c->counters_spec) {
		pb_err("counters: spec '%.40s...' is too long", arg);
		return 2;
	}
	snprintf(c->counters_spec, sizeof c->counters_spec, "%s", arg);
	return 0;
}

static int opt_out(void *opts, const char *arg)
{
	struct pb_common_opts *c = opts;
	if (!*arg || strlen(arg) >= sizeof c->out_dir - 64) {
		pb_err("bad results directory '%.60s'", arg);
		return 2;
	}
	snprintf(c->out_dir, sizeof c->out_dir, "%s", arg);
	return 0;
}

static int opt_append(void *opts, const char *arg)
{
	(void)arg;
	((struct pb_common_opts *)opts)->append = 1;
	return 0;
}

static int opt_timeout(void *opts, const char *arg)
{
	char *end;
	double t = strtod(arg, &end);
	if (*end || end == arg || !(t > 0) || t > 1e7) {
		pb_err("bad timeout '%s': expected seconds > 0", arg);
		return 2;
	}
	((struct pb_common_opts *)opts)->timeout_s = t;
	return 0;
}

static int opt_min_time(void *opts, const char *arg)
{
	char *end;
	double t = strtod(arg, &end);
	if (*end || end == arg || !(t >= 0) || t > 1e6) {
		pb_err("bad --min-time '%s': expected seconds >= 0", arg);
		return 2;
	}
	((struct pb_common_opts *)opts)->min_time_s = t;
	return 0;
}

/* --export-json|csv|md FILE: a file name, kept as given (argv outlives the run). */
static int export_path(const char **dst, const char *opt, const char *arg)
{
	if (!*arg || strlen(arg) >= 4000) {
		pb_err("%s: bad file name '%.60s'", opt, arg);
		return 2;
	}
	*dst = arg;
	return 0;
}

static int opt_export_json(void *opts, const char *arg)
{
	return export_path(&((struct pb_common_opts *)opts)->export_json, "--export-json", arg);
}

static int opt_export_csv(void *opts, const char *arg)
{
	return export_path(&((struct pb_common_opts *)opts)->export_csv, "--export-csv", arg);
}

static int opt_export_md(void *opts, const char *arg)
{
	return export_path(&((struct pb_common_opts *)opts)->export_md, "--export-md", arg);
}

static int opt_quiet(void *opts, const char *arg)
{
	(void)arg;
	((struct pb_common_opts *)opts)->quiet = 1;
	return 0;
}

/* ---- run's own options ---- */

static int add_workload(struct pb_run_opts *o, const struct pb_workload *w, const char *val, int quiet_dup)
{
	for (int i = 0; i < o->nworkloads; i++)
		if (o->workloads[i] == w) {
			if (!quiet_dup)
				duplicate("-w", val);
			return 0;
		}
	if (o->nworkloads == PB_MAX_WORKLOADS)
		return too_many("-w", "workloads", PB_MAX_WORKLOADS);
	o->workloads[o->nworkloads++] = w;
	return 0;
}

static int workload_item(void *ctx, const char *val)
{
	struct pb_run_opts *o = ctx;
	if (pb_name_eq(val, "all")) {
		for (int k = 0; pb_workloads[k]; k++)
			if (!pb_workloads[k]->extra && add_workload(o, pb_workloads[k], val, 1))
				return 2;
		return 0;
	}
	if (pb_plugin_is_path(val)) {
		/* a plugin file: loaded and checked here, so a bad one is bad input before anything is written */
		char err[1024];
		const struct pb_workload *pw = pb_plugin_load(val, err, sizeof err);
		if (!pw) {
			pb_err("%s: %s", val, err);
			return 2;
		}
		return add_workload(o, pw, val, 0);
	}
	char low[256], dym[128];
	const struct pb_workload *w = pb_workload_find(val);
	if (!w)
		w = pb_workload_find(lower(val, low, sizeof low));
	if (!w) {
		const char *names[PB_MAX_WORKLOADS];
		size_t n = 0;
		for (int k = 0; pb_workloads[k] && n < PB_MAX_WORKLOADS; k++)
			names[n++] = pb_workloads[k]->name;
		pb_did_you_mean(dym, sizeof dym, val, names, n);
		pb_err("unknown workload '%s'%s (see 'parbench list')", val, dym);
		return 2;
	}
	return add_workload(o, w, val, 0);
}

static int opt_workload(void *opts, const char *arg)
{
	return pb_list_each("-w", arg, workload_item, opts);
}

static int add_variant(struct pb_run_opts *o, const struct pb_executor *e, const char *val, int quiet_dup)
{
	for (int i = 0; i < o->nvariants; i++)
		if (o->variants[i] == e) {
			if (!quiet_dup)
				duplicate("-v", val);
			return 0;
		}
	if (o->nvariants == PB_MAX_VARIANTS)
		return too_many("-v", "variants", PB_MAX_VARIANTS);
	o->variants[o->nvariants++] = e;
	return 0;
}

static int variant_item(void *ctx, const char *val)
{
	struct pb_run_opts *o = ctx;
	char why[256];
	if (pb_name_eq(val, "all")) {
		for (int k = 0; pb_executors[k]; k++) {
			if (pb_executors[k]->extra)
				continue;
			if (!pb_executors[k]->available(why, sizeof why))
				pb_warn("variant '%s' skipped: %s", pb_executors[k]->name, why);
			else if (add_variant(o, pb_executors[k], val, 1))
				return 2;
		}
		return 0;
	}
	char low[256], dym[128];
	const struct pb_executor *e = pb_executor_find(val);
	if (!e)
		e = pb_executor_find(lower(val, low, sizeof low));
	if (!e) {
		const char *names[PB_MAX_VARIANTS + 1];
		size_t n = 0;
		for (int k = 0; pb_executors[k] && n < PB_MAX_VARIANTS; k++)
			names[n++] = pb_executors[k]->name;
		names[n++] = "all";
		pb_did_you_mean(dym, sizeof dym, val, names, n);
		pb_err("unknown variant '%s'%s (see 'parbench list')", val, dym);
		return 2;
	}
	if (!e->available(why, sizeof why)) {
		pb_err("variant '%s' is not available: %s", val, why);
		return 2;
	}
	return add_variant(o, e, val, 0);
}

static int opt_variant(void *opts, const char *arg)
{
	return pb_list_each("-v", arg, variant_item, opts);
}

/* A list of positive 64-bit values (-n, --tasks, --chunk). */
struct u64_list {
	const char *opt, *what;
	uint64_t *vals;
	int *n;
	int sizes; /* 1: -n's messages say what is wrong with the size */
};

static int u64_item(void *ctx, const char *val)
{
	struct u64_list *l = ctx;
	char why[256];
	uint64_t v;
	if (pb_parse_size(val, &v, why, sizeof why) != 0) {
		if (l->sizes)
			pb_err("%s", why);
		else
			pb_err("bad %s '%s': expected a positive integer", l->what, val);
		return 2;
	}
	for (int i = 0; i < *l->n; i++)
		if (l->vals[i] == v) {
			duplicate(l->opt, val);
			return 0;
		}
	if (*l->n == PB_MAX_LIST)
		return too_many(l->opt, "values", PB_MAX_LIST);
	l->vals[(*l->n)++] = v;
	return 0;
}

static int opt_size(void *opts, const char *arg)
{
	struct pb_run_opts *o = opts;
	struct u64_list l = { "-n", "size", o->sizes, &o->nsizes, 1 };
	return pb_list_each("-n", arg, u64_item, &l);
}

static int opt_tasks(void *opts, const char *arg)
{
	struct pb_run_opts *o = opts;
	struct u64_list l = { "--tasks", "task count", o->tasks, &o->ntasks, 0 };
	return pb_list_each("--tasks", arg, u64_item, &l);
}

static int opt_chunk(void *opts, const char *arg)
{
	struct pb_run_opts *o = opts;
	struct u64_list l = { "--chunk", "chunk", o->chunks, &o->nchunks, 0 };
	return pb_list_each("--chunk", arg, u64_item, &l);
}

static int sched_item(void *ctx, const char *val)
{
	struct pb_run_opts *o = ctx;
	enum pb_schedule s;
	char low[256], dym[128];
	if (pb_sched_parse(lower(val, low, sizeof low), &s)) {
		static const char *const names[] = { "static", "cyclic", "dynamic", "guided" };
		pb_did_you_mean(dym, sizeof dym, val, names, 4);
		pb_err("unknown schedule '%s'%s (expected static, cyclic, dynamic or guided)", val, dym);
		return 2;
	}
	for (int i = 0; i < o->nscheds; i++)
		if (o->scheds[i] == s) {
			duplicate("-s", val);
			return 0;
		}
	o->scheds[o->nscheds++] = s; /* four names, deduplicated: never more than PB_MAX_SCHEDS */
	return 0;
}

static int opt_schedule(void *opts, const char *arg)
{
	return pb_list_each("-s", arg, sched_item, opts);
}

static int opt_param(void *opts, const char *arg)
{
	struct pb_run_opts *o = opts;
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg) {
		pb_err("bad parameter '%s': expected KEY=VALUE", arg);
		return 2;
	}
	size_t klen = (size_t)(eq - arg);
	if (klen >= PB_PARAM_KEY_MAX || strlen(eq + 1) >= PB_PARAM_VAL_MAX) {
		pb_err("parameter '%.60s' is too long", arg);
		return 2;
	}
	struct pb_param_arg *pa = NULL;
	for (int i = 0; i < o->nparams; i++)
		if (strncmp(o->params[i].key, arg, klen) == 0 && o->params[i].key[klen] == '\0')
			pa = &o->params[i];
	if (!pa) {
		if (o->nparams == (int)(sizeof o->params / sizeof o->params[0]))
			return too_many("-p", "parameters", (int)(sizeof o->params / sizeof o->params[0]));
		pa = &o->params[o->nparams++];
		memcpy(pa->key, arg, klen);
		pa->key[klen] = '\0';
	}
	for (int v = 0; v < pa->nvals; v++)
		if (strcmp(pa->vals[v], eq + 1) == 0) {
			duplicate("-p", arg);
			return 0;
		}
	if (pa->nvals == PB_MAX_PARAM_VALS) {
		pb_err("-p: too many values for parameter '%s' (at most %d)", pa->key, PB_MAX_PARAM_VALS);
		return 2;
	}
	snprintf(pa->vals[pa->nvals++], PB_PARAM_VAL_MAX, "%s", eq + 1);
	return 0;
}

static int opt_hostfile(void *opts, const char *arg)
{
	struct pb_run_opts *o = opts;
	char err[PB_ERR_MAX];
	int fd = pb_open_regular(arg, err, sizeof err);
	if (fd < 0) {
		pb_err("--hostfile: %s", err);
		return 2;
	}
	close(fd);
	if (strlen(arg) >= sizeof o->hostfile) {
		pb_err("--hostfile: the path is too long");
		return 2;
	}
	snprintf(o->hostfile, sizeof o->hostfile, "%s", arg);
	return 0;
}

static int opt_quick(void *opts, const char *arg)
{
	(void)arg;
	((struct pb_run_opts *)opts)->preset = PB_SIZE_QUICK;
	return 0;
}

static int opt_full(void *opts, const char *arg)
{
	(void)arg;
	((struct pb_run_opts *)opts)->preset = PB_SIZE_FULL;
	return 0;
}

static int opt_wait(void *opts, const char *arg)
{
	if (pb_wait_parse(arg, &((struct pb_run_opts *)opts)->wait)) {
		pb_err("unknown waiting policy '%s' (expected block, spin or spinblock)", arg);
		return 2;
	}
	return 0;
}

/* ---- the tables ---- */

#define M PB_OPT_MATRIX
const struct pb_opt pb_common_options[] = {
	{ "workers", 'j', "LIST", M, "worker counts: 1,2,4 or 1-8 or 1-cores (default: 1-cores)", opt_workers },
	{ "bind", 'b', "LIST", M, "none,core,pu: hwloc binding, swept as a list (default: none)", opt_bind },
	{ "order", 0, "LIST", M, "compact,scatter: placement order for -b core|pu (default: compact)", opt_order },
	{ "reps", 'r', "R", PB_OPT_AB, "measured repetitions per case (default: 5)", opt_reps },
	{ "warmup", 0, "W", 0, "unmeasured runs first (default: 1)", opt_warmup },
	{ "counters", 'c', "SPEC", 0, "auto|none|perf|rusage|papi:EVENT,EVENT (default: auto)", opt_counters },
	{ "out", 'o', "DIR", PB_OPT_AB, "results directory (default: results/<run-id>; results/latest points to it)", opt_out },
	{ "append", 0, NULL, 0, "add the cases to the run already in --out DIR", opt_append },
	{ "min-time", 0, "S", 0, "repeat each case until its repetitions add up to S seconds (at least -r, at most 1000)", opt_min_time },
	{ "timeout", 0, "S", 0, "fail a repetition that takes longer than S seconds", opt_timeout },
	{ "export-json", 0, "FILE", PB_OPT_AB, "write every case's statistics, times and the scaling fits as JSON", opt_export_json },
	{ "export-csv", 0, "FILE", PB_OPT_AB, "write summary.csv's columns to FILE as well", opt_export_csv },
	{ "export-md", 0, "FILE", PB_OPT_AB, "write the results table as Markdown", opt_export_md },
	{ "quiet", 'q', NULL, 0, "no progress lines on stderr", opt_quiet },
	{ NULL, 0, NULL, 0, NULL, NULL },
};

const struct pb_opt pb_run_options[] = {
	{ "workload", 'w', "LIST", M, "pi,primes,image,sumsq,sleep, all (= pi,primes,image,sumsq, the default) or a plugin ./libmine.so", opt_workload },
	{ "variant", 'v', "LIST", M, "serial,threads,pool,process,shm,openmp or all (default: every available)", opt_variant },
	{ "size", 'n', "LIST", M, "workload sizes: 1000000, 1e6, 10M, 2^20; repeatable (default: the workload's)", opt_size },
	{ "param", 'p', "KEY=VAL", M, "workload parameter; repeat a key to sweep its values", opt_param },
	{ "tasks", 0, "LIST", M, "tasks the iteration space is cut into (default: the workload's)", opt_tasks },
	{ "chunk", 0, "LIST", M, "tasks handed out at a time (default: 1)", opt_chunk },
	{ "schedule", 's', "LIST", M, "static,cyclic,dynamic,guided (default: static)", opt_schedule },
	{ "hostfile", 0, "FILE", 0, "the mpi variant's hosts (an Open MPI hostfile; default: this host)", opt_hostfile },
	{ "wait", 0, "POLICY", 0, "block|spin|spinblock: how idle threads wait (default: block); OpenMP's is set to match", opt_wait },
	{ "quick", 0, NULL, 0, "small sizes, for smoke tests and CI", opt_quick },
	{ "full", 0, NULL, 0, "larger sizes", opt_full },
	{ NULL, 0, NULL, 0, NULL, NULL },
};
#undef M

const struct pb_opt *const pb_run_tables[] = { pb_run_options, pb_common_options, NULL };

void pb_run_opts_init(struct pb_run_opts *o)
{
	memset(o, 0, sizeof *o);
	o->c.reps = 5;
	o->c.warmup = 1;
	snprintf(o->c.counters_spec, sizeof o->c.counters_spec, "auto");
}

/* ---- parsing from the tables ---- */

const struct pb_opt *pb_opt_find(const struct pb_opt *const *tables, const char *a)
{
	if (a[0] != '-' || !a[1])
		return NULL;
	for (int t = 0; tables[t]; t++)
		for (const struct pb_opt *p = tables[t]; p->lng; p++) {
			if (a[1] == '-') {
				size_t l = strlen(p->lng);
				if (strncmp(a + 2, p->lng, l) == 0 && (a[2 + l] == '\0' || a[2 + l] == '='))
					return p;
			} else if (p->shrt && a[1] == p->shrt) {
				return p;
			}
		}
	return NULL;
}

#define MAX_OPTS 64

/* The unknown long option a ("--wokers=3"): the table's nearest long name, as "; did you mean '--workers'?". */
static void suggest_option(const struct pb_opt *const *tables, const char *a, char *buf, size_t len)
{
	static char names[MAX_OPTS + 1][40];
	const char *cands[MAX_OPTS + 1];
	char word[64];
	size_t n = 0;
	buf[0] = '\0';
	if (strncmp(a, "--", 2) != 0)
		return;
	snprintf(word, sizeof word, "%.*s", (int)strcspn(a + 2, "="), a + 2);
	for (int t = 0; tables[t]; t++)
		for (const struct pb_opt *p = tables[t]; p->lng && n < MAX_OPTS; p++) {
			snprintf(names[n], sizeof names[n], "%s", p->lng);
			cands[n] = names[n];
			n++;
		}
	cands[n++] = "help";
	const char *s = pb_suggest(word, cands, n);
	if (s)
		snprintf(buf, len, "; did you mean '--%s'?", s);
}

int pb_opts_parse(const struct pb_opt *const *tables, const char *cmd, const char *usage_head, int argc,
		  char **argv, void *opts)
{
	int first;
	int rc = pb_opts_parse_args(tables, cmd, usage_head, argc, argv, opts, &first);
	if (rc == 0 && first < argc) {
		pb_err("unexpected argument '%s' (see 'parbench %s --help')", argv[first], cmd);
		return 2;
	}
	return rc;
}

int pb_opts_parse_args(const struct pb_opt *const *tables, const char *cmd, const char *usage_head, int argc,
		       char **argv, void *opts, int *first_arg)
{
	struct option longopts[MAX_OPTS + 2];
	const struct pb_opt *byval[MAX_OPTS];
	char shorts[3 * MAX_OPTS + 4] = ":";
	int n = 0;
	size_t sl = 1;
	for (int t = 0; tables[t]; t++)
		for (const struct pb_opt *p = tables[t]; p->lng && n < MAX_OPTS; p++, n++) {
			byval[n] = p;
			longopts[n] = (struct option){ p->lng, p->arg ? required_argument : no_argument, NULL, 1000 + n };
			if (p->shrt) {
				shorts[sl++] = (char)p->shrt;
				if (p->arg)
					shorts[sl++] = ':';
			}
		}
	longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };
	shorts[sl++] = 'h';
	shorts[sl] = '\0';

	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		const struct pb_opt *p = NULL;
		if (c >= 1000)
			p = byval[c - 1000];
		for (int i = 0; !p && c > 0 && c < 1000 && i < n - 1; i++)
			if (byval[i]->shrt == c)
				p = byval[i];
		if (p) {
			int rc = p->parse(opts, optarg);
			if (rc)
				return rc;
			continue;
		}
		if (c == 'h') {
			pb_opts_usage(stdout, usage_head, tables);
			return -1;
		}
		if (c == ':') {
			pb_err("option '%s' needs a value", argv[optind - 1]);
			return 2;
		}
		char dym[80];
		if (optopt && optopt < 1000) {
			pb_err("unknown option '-%c' (see 'parbench %s --help')", optopt, cmd);
		} else {
			suggest_option(tables, argv[optind - 1], dym, sizeof dym);
			pb_err("unknown option '%s'%s (see 'parbench %s --help')", argv[optind - 1], dym, cmd);
		}
		return 2;
	}
	*first_arg = optind;
	return 0;
}

void pb_opts_usage(FILE *f, const char *usage_head, const struct pb_opt *const *tables)
{
	fputs(usage_head, f);
	for (int t = 0; tables[t]; t++)
		for (const struct pb_opt *p = tables[t]; p->lng; p++) {
			char names[64], shrt[8] = "    ";
			if (p->shrt)
				snprintf(shrt, sizeof shrt, "-%c, ", p->shrt);
			snprintf(names, sizeof names, "%s--%s%s%s", shrt, p->lng, p->arg ? " " : "", p->arg ? p->arg : "");
			char head[96];
			snprintf(head, sizeof head, "  %-24s ", names);
			pb_print_wrapped(f, head, p->help, 27); /* within the 120 columns of every table */
		}
	fprintf(f, "  %-24s %s\n", "-h, --help", "this text");
}
