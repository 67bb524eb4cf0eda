/* run_opts.c: parsing and validating the options of `parbench run`. */
#include "run.h"
#include "util.h"

#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* CPUs this process may run on: what "cores" means in -j. */
int pb_available_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

/* Split a comma list into at most max tokens of at most toklen-1 chars; -1 if too many or empty. */
static int split_list(const char *list, char tok[][128], int max)
{
	int n = 0;
	const char *p = list;
	if (!*list)
		return -1;
	for (;;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		if (len == 0 || len >= 128 || n == max)
			return -1;
		memcpy(tok[n], p, len);
		tok[n][len] = '\0';
		n++;
		if (!c)
			break;
		p = c + 1;
	}
	return n;
}

static int parse_workloads(const char *arg, struct pb_run_opts *o)
{
	char tok[16][128];
	int n = split_list(arg, tok, 16);
	if (n < 0) {
		pb_err("bad workload list '%s'", arg);
		return -1;
	}
	o->nworkloads = 0;
	for (int i = 0; i < n; i++) {
		if (strcmp(tok[i], "all") == 0) {
			for (int k = 0; pb_workloads[k] && o->nworkloads < 16; k++)
				if (!pb_workloads[k]->extra)
					o->workloads[o->nworkloads++] = pb_workloads[k];
			continue;
		}
		const struct pb_workload *w = pb_workload_find(tok[i]);
		if (!w) {
			pb_err("unknown workload '%s' (see 'parbench list')", tok[i]);
			return -1;
		}
		o->workloads[o->nworkloads++] = w;
	}
	return 0;
}

static int parse_variants(const char *arg, struct pb_run_opts *o)
{
	char tok[16][128];
	int n = split_list(arg, tok, 16);
	if (n < 0) {
		pb_err("bad variant list '%s'", arg);
		return -1;
	}
	o->nvariants = 0;
	for (int i = 0; i < n; i++) {
		if (strcmp(tok[i], "all") == 0) {
			for (int k = 0; pb_executors[k] && o->nvariants < 16; k++) {
				char why[256];
				if (pb_executors[k]->available(why, sizeof why))
					o->variants[o->nvariants++] = pb_executors[k];
				else
					pb_warn("variant '%s' skipped: %s", pb_executors[k]->name, why);
			}
			continue;
		}
		const struct pb_executor *e = pb_executor_find(tok[i]);
		if (!e) {
			pb_err("unknown variant '%s' (see 'parbench list')", tok[i]);
			return -1;
		}
		char why[256];
		if (!e->available(why, sizeof why)) {
			pb_err("variant '%s' is not available: %s", tok[i], why);
			return -1;
		}
		o->variants[o->nvariants++] = e;
	}
	return 0;
}

static int parse_workers(const char *arg, struct pb_run_opts *o)
{
	char tok[PB_MAX_LIST][128];
	int n = split_list(arg, tok, PB_MAX_LIST);
	int cores = pb_available_cpus();
	if (n < 0) {
		pb_err("bad worker list '%s'", arg);
		return -1;
	}
	o->nworkers = 0;
	for (int i = 0; i < n; i++) {
		long a, b;
		char *dash = strchr(tok[i], '-');
		if (strcmp(tok[i], "cores") == 0) {
			a = b = cores;
		} else if (dash && dash != tok[i]) {
			*dash = '\0';
			if (pb_parse_int(tok[i], 1, 1024, &a) || pb_parse_int(dash + 1, 1, 1024, &b) || b < a) {
				pb_err("bad worker range '%s-%s' (expected A-B with 1 <= A <= B <= 1024)", tok[i], dash + 1);
				return -1;
			}
		} else if (pb_parse_int(tok[i], 1, 1024, &a) == 0) {
			b = a;
		} else {
			pb_err("bad worker count '%s' (expected 1..1024, A-B or 'cores')", tok[i]);
			return -1;
		}
		for (long w = a; w <= b; w++) {
			int dup = 0;
			for (int k = 0; k < o->nworkers; k++)
				dup |= o->workers[k] == w;
			if (dup)
				continue;
			if (o->nworkers == PB_MAX_LIST) {
				pb_err("too many worker counts (at most %d)", PB_MAX_LIST);
				return -1;
			}
			o->workers[o->nworkers++] = (int)w;
		}
	}
	return 0;
}

static int parse_u64_list(const char *what, const char *arg, uint64_t *vals, int *nvals, int sizes)
{
	char tok[PB_MAX_LIST][128];
	int n = split_list(arg, tok, PB_MAX_LIST);
	if (n < 0) {
		pb_err("bad %s list '%s'", what, arg);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char why[256];
		if (pb_parse_size(tok[i], &vals[i], why, sizeof why) != 0) {
			if (sizes)
				pb_err("%s", why);
			else
				pb_err("bad %s '%s': expected a positive integer", what, tok[i]);
			return -1;
		}
	}
	*nvals = n;
	return 0;
}

static int parse_param(const char *arg, struct pb_run_opts *o)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg) {
		pb_err("bad parameter '%s': expected KEY=VALUE", arg);
		return -1;
	}
	size_t klen = (size_t)(eq - arg);
	if (klen >= PB_PARAM_KEY_MAX || strlen(eq + 1) >= PB_PARAM_VAL_MAX) {
		pb_err("parameter '%s' is too long", arg);
		return -1;
	}
	struct pb_param_arg *pa = NULL;
	for (int i = 0; i < o->nparams; i++)
		if (strncmp(o->params[i].key, arg, klen) == 0 && o->params[i].key[klen] == '\0')
			pa = &o->params[i];
	if (!pa) {
		if (o->nparams == (int)(sizeof o->params / sizeof o->params[0])) {
			pb_err("too many parameters");
			return -1;
		}
		pa = &o->params[o->nparams++];
		memcpy(pa->key, arg, klen);
		pa->key[klen] = '\0';
	}
	if (pa->nvals == PB_MAX_LIST) {
		pb_err("too many values for parameter '%s'", pa->key);
		return -1;
	}
	snprintf(pa->vals[pa->nvals++], PB_PARAM_VAL_MAX, "%s", eq + 1);
	return 0;
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
				if (!d->choices)
					continue;
				for (int v = 0; v < pa->nvals; v++) {
					size_t vl = strlen(pa->vals[v]);
					const char *c = d->choices;
					int ok = 0;
					while (*c) {
						const char *bar = strchr(c, '|');
						size_t cl = bar ? (size_t)(bar - c) : strlen(c);
						if (cl == vl && strncmp(c, pa->vals[v], vl) == 0)
							ok = 1;
						c += cl + (bar ? 1 : 0);
					}
					if (!ok) {
						pb_err("%s: parameter '%s': '%s' is not one of %s",
						       o->workloads[w]->name, pa->key, pa->vals[v], d->choices);
						return -1;
					}
				}
			}
		}
		if (!known) {
			char names[256] = "";
			for (int w = 0; w < o->nworkloads; w++)
				snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", w ? "," : "",
					 o->workloads[w]->name);
			pb_err("unknown parameter '%s' for workload %s (see 'parbench list')", pa->key, names);
			return -1;
		}
	}
	return 0;
}

static void default_opts(struct pb_run_opts *o)
{
	memset(o, 0, sizeof *o);
	for (int k = 0; pb_workloads[k]; k++)
		if (!pb_workloads[k]->extra)
			o->workloads[o->nworkloads++] = pb_workloads[k];
	o->chunks[0] = 1;
	o->nchunks = 1;
	o->scheds[0] = PB_SCHED_STATIC;
	o->nscheds = 1;
	o->bind.kind = PB_BIND_NONE;
	o->bind.order = PB_ORDER_COMPACT;
	o->reps = 5;
	o->warmup = 1;
	snprintf(o->counters_spec, sizeof o->counters_spec, "auto");
}

enum { OPT_TASKS = 1000, OPT_CHUNK, OPT_ORDER, OPT_WARMUP, OPT_QUICK, OPT_FULL, OPT_APPEND, OPT_TIMEOUT, OPT_WAIT };

static const struct option longopts[] = {
	{ "workload", required_argument, NULL, 'w' },
	{ "variant", required_argument, NULL, 'v' },
	{ "workers", required_argument, NULL, 'j' },
	{ "size", required_argument, NULL, 'n' },
	{ "param", required_argument, NULL, 'p' },
	{ "tasks", required_argument, NULL, OPT_TASKS },
	{ "chunk", required_argument, NULL, OPT_CHUNK },
	{ "schedule", required_argument, NULL, 's' },
	{ "bind", required_argument, NULL, 'b' },
	{ "order", required_argument, NULL, OPT_ORDER },
	{ "reps", required_argument, NULL, 'r' },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "counters", required_argument, NULL, 'c' },
	{ "out", required_argument, NULL, 'o' },
	{ "quick", no_argument, NULL, OPT_QUICK },
	{ "full", no_argument, NULL, OPT_FULL },
	{ "append", no_argument, NULL, OPT_APPEND },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "wait", required_argument, NULL, OPT_WAIT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char run_usage[] =
	"usage: parbench run [options]\n"
	"  -w, --workload LIST   pi,primes,image,sumsq,sleep or all (default: all = pi,primes,image,sumsq)\n"
	"  -v, --variant LIST    serial,threads,pool,process,shm,openmp or all (default: all)\n"
	"  -j, --workers LIST    e.g. 1,2,4 or 1-8 or cores (default: 1-cores)\n"
	"  -n, --size LIST       workload size: 1000000, 1e6, 10M, 2^20 (default: the workload's)\n"
	"  -p, --param KEY=VAL   workload parameter; repeat a key to sweep its values\n"
	"      --tasks LIST      tasks the iteration space is cut into (default: the workload's)\n"
	"      --chunk LIST      tasks handed out at a time (default: 1)\n"
	"  -s, --schedule LIST   static,cyclic,dynamic,guided (default: static)\n"
	"  -b, --bind POLICY     none|core|pu (default: none), with --order compact|scatter\n"
	"  -r, --reps R          measured repetitions per case (default: 5)\n"
	"      --warmup W        unmeasured runs first (default: 1)\n"
	"  -c, --counters SPEC   auto|none|perf|rusage|papi:EVENT,EVENT (default: auto)\n"
	"  -o, --out DIR         results directory (default: results/<run-id>; results/latest points to it)\n"
	"      --append          add the cases to the run already in --out DIR\n"
	"      --quick, --full   small sizes for smoke tests / larger sizes\n"
	"      --timeout S       fail a run that takes longer than S seconds\n"
	"      --wait POLICY     block|spin|spinblock: how idle threads wait (default: block); OpenMP's is set to match\n"
	"  -q, --quiet           no progress lines on stderr\n";

int pb_run_parse(int argc, char **argv, struct pb_run_opts *o)
{
	int c, have_workers = 0, have_variants = 0;
	default_opts(o);
	o->argc = argc;
	o->argv = argv;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":w:v:j:n:p:s:b:r:c:o:qh", longopts, NULL)) != -1) {
		long v;
		char tok[4][128];
		switch (c) {
		case 'w':
			if (parse_workloads(optarg, o))
				return 2;
			break;
		case 'v':
			if (parse_variants(optarg, o))
				return 2;
			have_variants = 1;
			break;
		case 'j':
			if (parse_workers(optarg, o))
				return 2;
			have_workers = 1;
			break;
		case 'n':
			if (parse_u64_list("size", optarg, o->sizes, &o->nsizes, 1))
				return 2;
			break;
		case 'p':
			if (parse_param(optarg, o))
				return 2;
			break;
		case OPT_TASKS:
			if (parse_u64_list("task count", optarg, o->tasks, &o->ntasks, 0))
				return 2;
			break;
		case OPT_CHUNK:
			if (parse_u64_list("chunk", optarg, o->chunks, &o->nchunks, 0))
				return 2;
			break;
		case 's': {
			int n = split_list(optarg, tok, 4);
			if (n < 0) {
				pb_err("bad schedule list '%s'", optarg);
				return 2;
			}
			for (int i = 0; i < n; i++) {
				if (pb_sched_parse(tok[i], &o->scheds[i])) {
					pb_err("unknown schedule '%s' (expected static, cyclic, dynamic or guided)", tok[i]);
					return 2;
				}
			}
			o->nscheds = n;
			break;
		}
		case 'b':
			if (pb_bind_parse(optarg, &o->bind.kind)) {
				pb_err("unknown binding '%s' (expected none, core or pu)", optarg);
				return 2;
			}
			break;
		case OPT_ORDER:
			if (pb_order_parse(optarg, &o->bind.order)) {
				pb_err("unknown order '%s' (expected compact or scatter)", optarg);
				return 2;
			}
			break;
		case 'r':
			if (pb_parse_int(optarg, 1, 1000000, &v)) {
				pb_err("bad repetition count '%s': expected 1 to 1000000", optarg);
				return 2;
			}
			o->reps = v;
			break;
		case OPT_WARMUP:
			if (pb_parse_int(optarg, 0, 1000, &v)) {
				pb_err("bad warm-up count '%s': expected 0 to 1000", optarg);
				return 2;
			}
			o->warmup = v;
			break;
		case 'c':
			snprintf(o->counters_spec, sizeof o->counters_spec, "%s", optarg);
			break;
		case 'o':
			if (!*optarg || strlen(optarg) >= sizeof o->out_dir - 64) {
				pb_err("bad results directory '%s'", optarg);
				return 2;
			}
			snprintf(o->out_dir, sizeof o->out_dir, "%s", optarg);
			break;
		case OPT_QUICK:
			o->preset = PB_SIZE_QUICK;
			break;
		case OPT_FULL:
			o->preset = PB_SIZE_FULL;
			break;
		case OPT_APPEND:
			o->append = 1;
			break;
		case OPT_TIMEOUT: {
			char *end;
			double t = strtod(optarg, &end);
			if (*end || end == optarg || !(t > 0) || t > 1e7) {
				pb_err("bad timeout '%s': expected seconds > 0", optarg);
				return 2;
			}
			o->timeout_s = t;
			break;
		}
		case OPT_WAIT:
			if (pb_wait_parse(optarg, &o->wait)) {
				pb_err("unknown waiting policy '%s' (expected block, spin or spinblock)", optarg);
				return 2;
			}
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			fputs(run_usage, stdout);
			return -1;
		case ':':
			pb_err("option '%s' needs a value", argv[optind - 1]);
			return 2;
		default:
			if (optopt)
				pb_err("unknown option '-%c' (see 'parbench run --help')", optopt);
			else
				pb_err("unknown option '%s' (see 'parbench run --help')", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		pb_err("unexpected argument '%s' (see 'parbench run --help')", argv[optind]);
		return 2;
	}
	if (o->append && !o->out_dir[0]) {
		pb_err("--append needs --out DIR");
		return 2;
	}
	if (!have_variants) {
		for (int k = 0; pb_executors[k] && o->nvariants < 16; k++) {
			char why[256];
			if (pb_executors[k]->available(why, sizeof why))
				o->variants[o->nvariants++] = pb_executors[k];
		}
	}
	if (!have_workers) {
		int cores = pb_available_cpus();
		for (int w = 1; w <= cores && o->nworkers < PB_MAX_LIST; w++)
			o->workers[o->nworkers++] = w;
	}
	if (check_params(o))
		return 2;
	return 0;
}
