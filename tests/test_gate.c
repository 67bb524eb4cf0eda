/*
 * test_gate.c: the regression gate as one decision.  The family-wise verdicts, the machine check and the
 * disturbance rule by tables; the false-failure rate and power of whole comparisons by seeded simulation
 * through compare's own entry point on files (cross-checked against the parbench binary), against the
 * figures README quotes and the targets of issue 10.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../harness/compare.h"
#include "../harness/machine.h"
#include "../harness/stats.h"
#include "../harness/util.h"

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || __has_feature(address_sanitizer) || \
	__has_feature(thread_sanitizer)
#define SANITIZER_BUILD 1
#else
#define SANITIZER_BUILD 0
#endif

/* ---- the family-wise decision, by a table ---- */

static void test_family_table(void **state)
{
	/* one family of four cases: Holm multiplies the smallest p by 4, the next by 3, ... (kept monotone) */
	static const struct {
		double time_ratio, p_slower, p_faster;
		size_t n;
		const char *guard;
		double want_adj;
		enum pb_verdict want_stat, want;
	} t[] = {
		{ 1.30, 0.001, 0.999, 10, NULL, 0.003, PB_SLOWER, PB_SLOWER },      /* 2nd smallest: 3 x 0.001 */
		{ 1.30, 0.003, 0.997, 10, NULL, 0.006, PB_SLOWER, PB_SLOWER },      /* 3rd: 2 x 0.003 < 0.01 */
		{ 1.30, 0.02, 0.98, 10, "noisy", 0.02, PB_UNSURE, PB_UNSURE },      /* 4th: 1 x 0.02, not significant */
		{ 1.01, 0.0001, 0.9999, 10, NULL, 0.0004, PB_SAME, PB_SAME },       /* smallest: 4 x 0.0001, within 5% */
	};
	enum { N = sizeof t / sizeof t[0] };
	struct pb_sample_cmp s[N];
	const char *g[N];
	struct pb_compare_opts o;
	pb_compare_opts_init(&o);
	memset(s, 0, sizeof s);
	for (int i = 0; i < N; i++) {
		s[i].time_ratio = s[i].ratio = t[i].time_ratio;
		s[i].p_slower = t[i].p_slower;
		s[i].p_faster = t[i].p_faster;
		s[i].n_base = s[i].n_new = t[i].n;
		g[i] = t[i].guard;
	}
	assert_int_equal(pb_family_verdicts(s, g, N, &o), N);
	for (int i = 0; i < N; i++) {
		if (fabs(s[i].p_adj - t[i].want_adj) > 1e-12 || s[i].stat_verdict != t[i].want_stat ||
		    s[i].verdict != t[i].want)
			print_error("case %d: ratio %.2f p %.4g: expected adj %.4g %s/%s, got %.4g %s/%s\n", i,
				    t[i].time_ratio, t[i].p_slower, t[i].want_adj, pb_verdict_name(t[i].want_stat),
				    pb_verdict_name(t[i].want), s[i].p_adj, pb_verdict_name(s[i].stat_verdict),
				    pb_verdict_name(s[i].verdict));
		assert_true(fabs(s[i].p_adj - t[i].want_adj) < 1e-12);
		assert_int_equal(s[i].stat_verdict, t[i].want_stat);
		assert_int_equal(s[i].verdict, t[i].want);
	}

	/* the guard withholds slower (the numbers stay), and faster; few repetitions leave the family */
	struct pb_sample_cmp u[3];
	const char *gu[3] = { "3 of 10 NEW repetitions disturbed", "noisy", NULL };
	memset(u, 0, sizeof u);
	u[0] = (struct pb_sample_cmp){ .time_ratio = 1.5, .p_slower = 1e-5, .p_faster = 1, .n_base = 10, .n_new = 10 };
	u[1] = (struct pb_sample_cmp){ .time_ratio = 0.5, .p_slower = 1, .p_faster = 1e-5, .n_base = 10, .n_new = 10 };
	u[2] = (struct pb_sample_cmp){ .time_ratio = 1.5, .p_slower = 1e-5, .p_faster = 1, .n_base = 10, .n_new = 4 };
	assert_int_equal(pb_family_verdicts(u, gu, 3, &o), 2);
	assert_int_equal(u[0].stat_verdict, PB_SLOWER);
	assert_int_equal(u[0].verdict, PB_UNSURE);
	assert_int_equal(u[1].stat_verdict, PB_FASTER);
	assert_int_equal(u[1].verdict, PB_UNSURE);
	assert_int_equal(u[2].in_family, 0);
	assert_int_equal(u[2].verdict, PB_UNSURE);
	assert_true(fabs(u[0].p_adj - 2e-5) < 1e-15);

	/* Holm's adjusted p-values against hand-computed ones, including the monotone step */
	const double p[5] = { 0.04, 0.001, 0.03, 0.02, 0.5 };
	const double want[5] = { 0.09, 0.005, 0.09, 0.08, 0.5 }; /* sorted: 5p, 4p, 3p, then max(2p, 0.09), p */
	double adj[5];
	assert_int_equal(pb_holm(p, 5, adj), 0);
	for (int i = 0; i < 5; i++)
		assert_true(fabs(adj[i] - want[i]) < 1e-12);
}

static void test_machine_changed(void **state)
{
	struct pb_run_facts a = { 1, "Intel Xeon", "performance", 2, 2, 1, 0.5 }, b;
	static const struct {
		const char *field;
		int changed;
	} t[] = { { "same", 0 }, { "cpu_model", 1 }, { "cores", 1 }, { "pus", 1 }, { "governor", 1 },
		  { "binding", 1 }, { "unknown binding", 0 }, { "no meta", 0 }, { "load", 0 } };
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char why[256];
		b = a;
		if (!strcmp(t[i].field, "cpu_model"))
			snprintf(b.cpu_model, sizeof b.cpu_model, "AMD EPYC");
		else if (!strcmp(t[i].field, "cores"))
			b.cores = 4;
		else if (!strcmp(t[i].field, "pus"))
			b.pus = 4;
		else if (!strcmp(t[i].field, "governor"))
			snprintf(b.governor, sizeof b.governor, "powersave");
		else if (!strcmp(t[i].field, "binding"))
			b.binding = 0;
		else if (!strcmp(t[i].field, "unknown binding"))
			b.binding = -1;
		else if (!strcmp(t[i].field, "no meta"))
			b.have = 0, b.cores = 8;
		else if (!strcmp(t[i].field, "load"))
			b.load1 = 7;
		int got = pb_machine_changed(&a, &b, why, sizeof why);
		if (got != t[i].changed)
			print_error("%s: expected %d, got %d (%s)\n", t[i].field, t[i].changed, got, why);
		assert_int_equal(got, t[i].changed);
		if (got)
			assert_non_null(strstr(why, t[i].field[0] == 'b' ? "binding" : t[i].field));
	}
}

/* The disturbance rule of one repetition (machine.c), on given measurements. */
static void test_disturbance_rule(void **state)
{
	static const struct {
		const char *what;
		struct pb_disturbance d;
		int want;
	} t[] = {
		/* wall, workers, used, online, steal, others, nivcsw, tick */
		{ "quiet serial", { 0.100, 1, 1, 2, 0, 0.010, 2, 0.01 }, 0 },
		{ "one tick of steal on a short run: within the resolution", { 0.030, 1, 1, 2, 0.01, 0, 0, 0.01 }, 0 },
		{ "steal beyond the resolution", { 0.100, 1, 1, 2, 0.03, 0, 0, 0.01 }, 1 },
		{ "a hog on the other CPU does not touch a serial run", { 0.100, 1, 1, 2, 0, 0.100, 1, 0.01 }, 0 },
		{ "a hog sharing the serial run's CPU", { 0.130, 1, 1, 2, 0, 0.190, 20, 0.01 }, 1 },
		{ "others ran, but no worker was preempted", { 0.130, 2, 2, 2, 0, 0.190, 2, 0.01 }, 0 },
		{ "two workers, a hog on one CPU", { 0.130, 2, 2, 2, 0, 0.196, 17, 0.01 }, 1 },
		{ "pool: its own parent preempts workers, nothing else ran", { 0.065, 2, 2, 2, 0, 0.020, 66, 0.01 }, 0 },
		{ "no CPU list: every CPU counts", { 0.100, 2, 0, 2, 0.05, 0, 0, 0.01 }, 1 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char why[128];
		int got = pb_rep_disturbed(&t[i].d, why, sizeof why);
		if (got != t[i].want)
			print_error("%s: expected %d, got %d (%s)\n", t[i].what, t[i].want, got, why);
		assert_int_equal(got, t[i].want);
		assert_true(!got || why[0]);
	}
}

/* ---- the simulation ---- */

/* splitmix64, seeded per trial, so that every rate is the same on every run. */
static uint64_t rng_state;
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
static double rng_unit(void) { return ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0; }
static double rng_normal(void) { return sqrt(-2 * log(rng_unit())) * cos(2 * M_PI * rng_unit()); }

/* The comparisons CI runs: `parbench ab`'s default (5 rounds x 3) and scripts/perf-check.sh's (-r 20). */
static const struct shape {
	const char *name;
	enum pb_metric metric;
	int reps;
} shapes[] = { { "ab", PB_METRIC_TIME, 15 }, { "perf-check", PB_METRIC_SPEEDUP, 20 } };
enum { NSHAPES = sizeof shapes / sizeof shapes[0] };

/* The perf-check matrix: 3 workloads x serial, threads, pool, shm x 1, 2 workers (serial once): 21 cases. */
static const struct {
	const char *name, *params;
	double serial_s;
} workloads[] = { { "pi", "seed=0", 0.029 }, { "primes", "method=sieve;segment=auto", 0.0135 }, { "sumsq", "form=index", 0.041 } };
static const struct {
	const char *variant;
	int workers;
} variants[] = { { "serial", 1 }, { "threads", 1 }, { "threads", 2 }, { "pool", 1 }, { "pool", 2 }, { "shm", 1 }, { "shm", 2 } };
#define SLOWED_WL "pi"
#define SLOWED_VARIANT "threads"
#define SLOWED_WORKERS 2

struct scenario {
	double noise;    /* log-normal sd of each repetition */
	int hiccups;     /* 10% of repetitions +30% */
	double slowdown; /* of the slowed case in NEW */
};

/*
 * A results directory: raw.csv (every column, nothing disturbed) and a
 * meta.json of the same machine.  0, or -1 if a file cannot be written.
 * (The simulation runs in forked workers, where cmocka's assertions must not
 * be used: they report through return values.)
 */
static int write_run(const char *dir, int reps, const struct scenario *sc, double slowdown, const char *run_id)
{
	char path[256];
	mkdir(dir, 0777);
	snprintf(path, sizeof path, "%s/raw.csv", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("run_id,workload,size,params,variant,workers,tasks,chunk,schedule,bind,rep,wall_s,setup_s,user_s,sys_s,"
	      "max_rss_kb,result,verified,cpus,steal_s,others_s,nivcsw,disturbed\n",
	      f);
	for (size_t w = 0; w < sizeof workloads / sizeof workloads[0]; w++)
		for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
			int j = variants[v].workers, serial = strcmp(variants[v].variant, "serial") == 0;
			/* parallel cases a little slower than ideal, the pool more, as measured */
			double t = workloads[w].serial_s / (serial ? 1 : j) *
				   (serial ? 1 : strcmp(variants[v].variant, "pool") ? 1.02 : 1.15);
			if (!strcmp(workloads[w].name, SLOWED_WL) && !strcmp(variants[v].variant, SLOWED_VARIANT) &&
			    j == SLOWED_WORKERS)
				t *= 1 + slowdown;
			for (int r = 1; r <= reps; r++) {
				double x = t * exp(sc->noise * rng_normal());
				if (sc->hiccups && rng_unit() < 0.1)
					x *= 1.3;
				fprintf(f, "%s,%s,100000000,%s,%s,%d,64,1,static,none,%d,%.9f,0.001,%.6f,0,9000,1,1,0,0,0,0,0\n",
					run_id, workloads[w].name, workloads[w].params, variants[v].variant, j, r, x, x);
			}
		}
	if (fclose(f) != 0)
		return -1;
	snprintf(path, sizeof path, "%s/meta.json", dir);
	if (!(f = fopen(path, "w")))
		return -1;
	fputs("{\"run_id\": \"sim\", \"machine\": {\"cpu_model\": \"simulated\", \"cores\": 2, \"pus\": 2, "
	      "\"governor\": \"performance\", \"binding_supported\": true, \"loadavg\": [0.1, 0.1, 0.1]}}\n",
	      f);
	return fclose(f) == 0 ? 0 : -1;
}

/* The exit status the parbench binary gives on the same two directories (-1 if it cannot run). */
static int binary_status(const char *bin, const char *base, const char *cur, const char *metric)
{
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execl(bin, bin, "compare", base, cur, "--metric", metric, (char *)NULL);
		_exit(127);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* One scenario's result, as a worker sends it back. */
struct rates {
	int index;                   /* of the scenario */
	double fail, unsure, caught; /* exit 1; exit 3; exit 1 with the slowed case named slower */
	int errors;                  /* files not written, a bad status, the binary disagreeing */
	char error[160];
};

/*
 * trials seeded trials of one scenario in dir: each writes BASE and NEW and
 * runs pb_compare_paths (what `parbench compare` runs) on them.  The first
 * `cross` trials also run the binary, which must give the same exit status.
 * Runs in a worker whose stdout and stderr are /dev/null.
 */
static void simulate(const char *dir, const struct shape *sh, const struct scenario *sc, int trials, uint64_t seed,
		     int cross, struct rates *r)
{
	char base[160], cur[160];
	const char *bin = getenv("PARBENCH");
	struct pb_compare_opts o;
	int fails = 0, unsure = 0, caught = 0;
	pb_compare_opts_init(&o);
	o.metric = sh->metric;
	o.format = PB_FORMAT_CSV;
	snprintf(base, sizeof base, "%s/base", dir);
	snprintf(cur, sizeof cur, "%s/new", dir);
	for (int t = 0; t < trials && !r->errors; t++) {
		struct pb_comparison c;
		rng_state = seed * 1000003u + (uint64_t)t;
		if (write_run(base, sh->reps, sc, 0, "sim-base") != 0 || write_run(cur, sh->reps, sc, sc->slowdown, "sim-new") != 0) {
			r->errors++;
			snprintf(r->error, sizeof r->error, "cannot write the runs in %s", dir);
			break;
		}
		int st = pb_compare_paths("compare", base, cur, &o, &c);
		fflush(stdout);
		if (st != 0 && st != 1 && st != PB_EXIT_UNSURE) {
			r->errors++;
			snprintf(r->error, sizeof r->error, "trial %d: compare exited %d", t, st);
			break;
		}
		int named = 0;
		for (size_t i = 0; i < c.n; i++) {
			const struct pb_compare_entry *e = &c.entries[i];
			if (e->kind == PB_ENTRY_COMPARED && !strcmp(e->key.workload, SLOWED_WL) &&
			    !strcmp(e->key.variant, SLOWED_VARIANT) && e->key.workers == SLOWED_WORKERS)
				named = e->cmp.verdict == PB_SLOWER;
		}
		pb_comparison_free(&c);
		fails += st == 1;
		unsure += st == PB_EXIT_UNSURE;
		caught += st == 1 && named;
		if (t < cross && bin && *bin) {
			int bst = binary_status(bin, base, cur, sh->metric == PB_METRIC_TIME ? "time" : "speedup");
			if (bst != st) {
				r->errors++;
				snprintf(r->error, sizeof r->error, "trial %d: the binary says %d, compare's entry point %d", t,
					 bst, st);
			}
		}
	}
	r->fail = (double)fails / trials;
	r->unsure = (double)unsure / trials;
	r->caught = (double)caught / trials;
}

/* What README quotes, and the targets (issue 10). */
static const struct scenario ff_noise[] = { { 0.02, 0, 0 }, { 0.05, 0, 0 }, { 0.10, 0, 0 }, { 0.10, 1, 0 } };
static const double slowdowns[] = { 0.05, 0.10, 0.20, 0.50 }; /* at 5% noise */
static const struct scenario target_power[] = { { 0.05, 0, 0.15 }, { 0.10, 0, 0.30 }, { 0.10, 1, 0.30 } };
enum { NFF = 4, NSLOW = 4, NTARGET = 3, PER_SHAPE = NFF + NSLOW + NTARGET, TRIALS = 1000, CROSS = 5 };

/* Scenario i of the list every table is made from: its shape and parameters. */
static void scenario_of(int i, const struct shape **sh, struct scenario *sc)
{
	int k = i % PER_SHAPE;
	*sh = &shapes[i / PER_SHAPE];
	if (k < NFF)
		*sc = ff_noise[k];
	else if (k < NFF + NSLOW)
		*sc = (struct scenario){ 0.05, 0, slowdowns[k - NFF] };
	else
		*sc = target_power[k - NFF - NSLOW];
}

/*
 * Every scenario, shared out over one forked worker per usable CPU (the runs are
 * independent and seeded by scenario, so the figures do not depend on how
 * they are shared).  Each worker sends its struct rates over a pipe.
 */
static int run_scenarios(const char *dir, int trials, struct rates *out, int n)
{
	int ncpu = pb_available_cpus(); /* the affinity mask's: under taskset -c 0, one worker */
	int workers = ncpu < 1 ? 1 : ncpu > 8 ? 8 : ncpu, p[2];
	if (pipe(p) != 0)
		return -1;
	fflush(stdout);
	fflush(stderr);
	for (int w = 0; w < workers; w++) {
		pid_t pid = fork();
		if (pid < 0)
			return -1;
		if (pid > 0)
			continue;
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		close(p[0]);
		for (int i = w; i < n; i += workers) {
			char sub[128];
			const struct shape *sh;
			struct scenario sc;
			struct rates r;
			memset(&r, 0, sizeof r);
			r.index = i;
			scenario_of(i, &sh, &sc);
			snprintf(sub, sizeof sub, "%s/%d", dir, i);
			mkdir(sub, 0777);
			simulate(sub, sh, &sc, trials, (uint64_t)i + 1, CROSS, &r);
			if (write(p[1], &r, sizeof r) != (ssize_t)sizeof r)
				_exit(1);
		}
		_exit(0);
	}
	close(p[1]);
	int got = 0;
	struct rates r;
	while (got < n && read(p[0], &r, sizeof r) == (ssize_t)sizeof r)
		if (r.index >= 0 && r.index < n) {
			out[r.index] = r;
			got++;
		}
	close(p[0]);
	for (int w = 0; w < workers; w++)
		wait(NULL);
	return got == n ? 0 : -1;
}

static void noise_name(char *buf, size_t len, const struct scenario *s)
{
	snprintf(buf, len, "%.0f%%%s noise", s->noise * 100, s->hiccups ? " + hiccups" : "");
}

static void pct(char *buf, size_t len, double x)
{
	snprintf(buf, len, "%.1f%%", x * 100);
}

/* The Markdown block between README's gate-sim markers. */
static void render(struct pb_strbuf *b, const struct rates *all)
{
#define FF(s, i) (all[(s) * PER_SHAPE + (i)])
#define PW(s, i) (all[(s) * PER_SHAPE + NFF + (i)])
#define TG(s, i) (all[(s) * PER_SHAPE + NFF + NSLOW + (i)])
	char n[64], p[32], q[32];
	pb_sb_puts(b, "<!-- gate-sim: begin (tests/test_gate.c computes this block and checks it; "
		      "sh scripts/gate-sim.sh rewrites it) -->\n");
	pb_sb_printf(b, "Unchanged code, %d seeded trials per cell: how often the whole comparison failed (exit 1), "
			"and how often it was unsure (exit 3).\n\n| comparison |", TRIALS);
	for (int i = 0; i < NFF; i++) {
		noise_name(n, sizeof n, &ff_noise[i]);
		pb_sb_printf(b, " %s |", n);
	}
	pb_sb_puts(b, "\n|---|");
	for (int i = 0; i < NFF; i++)
		pb_sb_puts(b, "--:|");
	pb_sb_puts(b, "\n");
	for (int s = 0; s < NSHAPES; s++) {
		pb_sb_printf(b, "| `%s`: %s, 21 cases, %d reps |", shapes[s].name,
			     shapes[s].metric == PB_METRIC_TIME ? "time" : "speedup", shapes[s].reps);
		for (int i = 0; i < NFF; i++) {
			pct(p, sizeof p, FF(s, i).fail);
			pct(q, sizeof q, FF(s, i).unsure);
			pb_sb_printf(b, " %s (unsure %s) |", p, q);
		}
		pb_sb_puts(b, "\n");
	}
	pb_sb_printf(b, "\nOne case (%s %s j=%d) slowed: how often it was named slower and the comparison failed "
			"(%d trials per cell).\n\n| comparison |",
		     SLOWED_WL, SLOWED_VARIANT, SLOWED_WORKERS, TRIALS);
	for (int i = 0; i < NSLOW; i++)
		pb_sb_printf(b, " %.0f%% slower, 5%% noise |", slowdowns[i] * 100);
	for (int i = 0; i < NTARGET; i++) {
		noise_name(n, sizeof n, &target_power[i]);
		pb_sb_printf(b, " %.0f%% slower, %s |", target_power[i].slowdown * 100, n);
	}
	pb_sb_puts(b, "\n|---|");
	for (int i = 0; i < NSLOW + NTARGET; i++)
		pb_sb_puts(b, "--:|");
	pb_sb_puts(b, "\n");
	for (int s = 0; s < NSHAPES; s++) {
		pb_sb_printf(b, "| `%s` |", shapes[s].name);
		for (int i = 0; i < NSLOW; i++) {
			pct(p, sizeof p, PW(s, i).caught);
			pb_sb_printf(b, " %s |", p);
		}
		for (int i = 0; i < NTARGET; i++) {
			pct(p, sizeof p, TG(s, i).caught);
			pb_sb_printf(b, " %s |", p);
		}
		pb_sb_puts(b, "\n");
	}
	pb_sb_puts(b, "<!-- gate-sim: end -->\n");
}

/* README's block (from its begin marker to the end of its end marker's line), malloc'ed; NULL if none. */
static char *readme_block(const char *path)
{
	FILE *f = fopen(path, "r");
	static char text[1 << 20];
	if (!f)
		return NULL;
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	char *b = strstr(text, "<!-- gate-sim: begin"), *e = b ? strstr(b, "<!-- gate-sim: end -->") : NULL;
	if (!e)
		return NULL;
	e += strlen("<!-- gate-sim: end -->\n");
	return strndup(b, (size_t)(e - b));
}

static void test_simulation(void **state)
{
	static struct rates all[NSHAPES * PER_SHAPE];
	char dir[64], cmd[128];
	/*
	 * GATE_SIM_TRIALS: fewer trials while developing.  A sanitizer build runs 100 (under ASan the
	 * 22000 comparisons would take many minutes; what it checks is that every one runs clean).  The
	 * targets and README are checked at the quoted count only, by the normal build.
	 */
	int trials = getenv("GATE_SIM_TRIALS") ? atoi(getenv("GATE_SIM_TRIALS")) : SANITIZER_BUILD ? 100 : TRIALS;
	if (trials < 1)
		trials = TRIALS;
	snprintf(dir, sizeof dir, "/tmp/pb-test-gate.XXXXXX");
	assert_non_null(mkdtemp(dir));
	int rc = run_scenarios(dir, trials, all, NSHAPES * PER_SHAPE);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(rc, 0);
	for (int i = 0; i < NSHAPES * PER_SHAPE; i++) {
		if (all[i].errors)
			print_error("scenario %d: %s\n", i, all[i].error);
		assert_int_equal(all[i].errors, 0);
	}

	struct pb_strbuf b = { 0 };
	render(&b, all);
	assert_false(b.oom);
	if (getenv("GATE_SIM_PRINT")) {
		FILE *f = fopen(getenv("GATE_SIM_PRINT"), "w");
		assert_non_null(f);
		fputs(b.s, f);
		fclose(f);
	}
	printf("%s", b.s);
	if (trials != TRIALS) {
		printf("# %d trials a cell, not %d: the targets and README are not checked\n", trials, TRIALS);
		free(b.s);
		return;
	}
	/* the targets: unchanged code fails at most 1% at 5% noise and 2% at 10% with hiccups; power >= 90% */
	for (int s = 0; s < NSHAPES; s++) {
		if (FF(s, 1).fail > 0.01 || FF(s, 3).fail > 0.02 || TG(s, 0).caught < 0.90 || TG(s, 1).caught < 0.90)
			print_error("%s: a target is missed (false failures %.1f%%, %.1f%%; power %.1f%%, %.1f%%)\n",
				    shapes[s].name, 100 * FF(s, 1).fail, 100 * FF(s, 3).fail, 100 * TG(s, 0).caught,
				    100 * TG(s, 1).caught);
		assert_true(FF(s, 1).fail <= 0.01);
		assert_true(FF(s, 3).fail <= 0.02);
		assert_true(TG(s, 0).caught >= 0.90);
		assert_true(TG(s, 1).caught >= 0.90);
	}
	/* README quotes exactly these figures */
	char *quoted = readme_block("README.md");
	if (!quoted || strcmp(quoted, b.s) != 0)
		print_error("README.md's gate-sim block is not what the simulation computes (sh scripts/gate-sim.sh "
			    "rewrites it):\n%s", quoted ? quoted : "(no block)\n");
	assert_non_null(quoted);
	assert_string_equal(quoted, b.s);
	free(quoted);
	free(b.s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family_table),
		cmocka_unit_test(test_machine_changed),
		cmocka_unit_test(test_disturbance_rule),
		cmocka_unit_test(test_simulation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
