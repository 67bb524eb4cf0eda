/* test_report.c: summary.csv rows, plot data files and `parbench report` on hand-made raw.csv files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "contract.h"

#include "testutil.h"

#include "../harness/commands.h"
#include "../harness/csv.h"
#include "../harness/report.h"
#include "../harness/analysis.h"
#include "../harness/table.h"
#include "../harness/results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Repetitions are identical within a case, so every statistic is that value whatever stats.c does. */
static const char *const fixture[] = {
	/* workload, size, params, variant, workers, tasks, chunk, schedule, wall, verified (x3 reps) */
	"pi,1000,,serial,1,8,1,static,1.0,1",
	"pi,1000,,threads,1,8,1,static,1.0,1",
	"pi,1000,,threads,2,8,1,static,0.5,1",
	"pi,1000,,threads,4,8,1,static,0.4,1",
	"pi,1000,,pool,2,8,1,static,0.8,U", /* U: the second repetition fails verification */
	"pi,1000,,threads,1,8,1,dynamic,1.0,1",
	"pi,1000,,threads,2,8,1,dynamic,0.6,1",
	"primes,1000,method=trial,threads,1,64,1,static,3.0,1",
	"primes,1000,method=trial,threads,2,64,1,static,2.0,1",
	"primes,1000,method=trial,threads,2,64,16,static,1.5,1",
	"primes,1000,method=trial,threads,2,64,1,dynamic,1.2,1",
	"primes,1000,method=trial,threads,2,64,16,dynamic,1.1,1",
	"sumsq,1000,\"a=1,b=2\",serial,1,8,1,static,2.0,1",
	"sumsq,1000,\"a=1,b=2\",serial,1,16,1,static,1.0,1",
	"sumsq,1000,\"a=1,b=2\",serial,1,32,1,static,0.1,0", /* unverified serial: never a reference */
	"sumsq,1000,\"a=1,b=2\",threads,2,8,1,static,1.0,1",
	"sumsq,1000,\"a=1,b=2\",threads,2,32,1,static,0.25,1",
	"image,1000,op=invert,serial,1,4,1,static,1.0,1",
	"image,1000,op=invert,pool,1,4,1,static,1.2,1",
	"image,1000,op=invert,pool,2,4,1,static,0.8,1",
	"image,1000,op=invert,shm,1,4,1,static,1.0,1",
	"image,1000,op=invert,shm,2,4,1,static,0.5,1",
	"sleep,1000,ms=0,pool,1,1000,1,dynamic,0.01,1",
	"sleep,1000,ms=0,pool,2,1000,1,dynamic,0.006,1",
	"sleep,16,ms=1,pool,2,16,1,dynamic,0.009,1",
	"sleep,16,ms=10,pool,2,16,1,dynamic,0.081,1",
	"sleep,16,ms=1,process,2,16,1,dynamic,0.016,1",
	"sleep,16,ms=10,process,2,16,1,dynamic,0.088,1",
};
#define NFIX (sizeof fixture / sizeof fixture[0])

static char tmpl[] = "/tmp/parbench-test-report.XXXXXX";
static char *dir;

static void write_file(const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* raw.csv for the fixture: three repetitions per case. */
static void write_raw(void)
{
	char path[512];
	snprintf(path, sizeof path, "%s/raw.csv", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(RAW_HEADER "\n", f);
	for (size_t i = 0; i < NFIX; i++) {
		char key[256], wall[32], ver[8];
		const char *c = strrchr(fixture[i], ',');
		const char *w = c - 1;
		while (*w != ',')
			w--;
		snprintf(key, sizeof key, "%.*s", (int)(w - fixture[i]), fixture[i]);
		snprintf(wall, sizeof wall, "%.*s", (int)(c - w - 1), w + 1);
		snprintf(ver, sizeof ver, "%s", c + 1);
		for (int rep = 0; rep < 3; rep++) {
			const char *v = strcmp(ver, "U") == 0 ? (rep == 1 ? "0" : "1") : ver;
			fprintf(f, "r1,%s,none,%d,%s,0.001,%s,0.01,1000,42,%s,\"0,1\"\n", key, rep, wall, wall, v);
		}
	}
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	(void)state;
	dir = mkdtemp(tmpl);
	if (!dir)
		return -1;
	write_raw();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The summary.csv row whose first fields are prefix ("pi,1000,,threads,2,8,1,static,none"). */
static char **find_row(struct pb_csv *csv, const char *prefix)
{
	for (size_t r = 1; r < csv->nrows; r++) {
		struct pb_strbuf line = { 0 };
		for (size_t c = 0; c < 9; c++)
			pb_csv_append(&line, csv->rows[r][c], c == 8);
		line.s[line.len - 1] = '\0';
		int same = strcmp(line.s, prefix) == 0;
		free(line.s);
		if (same)
			return csv->rows[r];
	}
	fail_msg("no summary row '%s'", prefix);
	return NULL;
}

/* Column name of row as a number; NAN for an empty field. */
static double num(struct pb_csv *csv, char **row, const char *name)
{
	int c = pb_csv_col(csv, name);
	assert_true(c >= 0);
	if (!row[c][0])
		return NAN;
	char *end;
	double x = strtod(row[c], &end);
	assert_true(*end == '\0');
	return x;
}

static void read_summary(struct pb_csv *csv)
{
	char err[512], path[512];
	assert_int_equal(pb_summary_write_dir(dir, err, sizeof err), 0);
	snprintf(path, sizeof path, "%s/summary.csv", dir);
	if (pb_csv_read(path, csv, err, sizeof err) != 0)
		fail_msg("%s", err);
}

static void test_summary_columns(void **state)
{
	(void)state;
	struct pb_csv csv;
	read_summary(&csv);
	struct pb_strbuf header = { 0 };
	for (size_t c = 0; c < csv.ncols; c++)
		pb_csv_append(&header, csv.rows[0][c], c + 1 == csv.ncols);
	assert_string_equal(header.s, SUMMARY_HEADER "\n");
	free(header.s);
	assert_int_equal(csv.nrows - 1, NFIX); /* one row per case */
	/* cases in the order of raw.csv */
	assert_string_equal(csv.rows[1][3], "serial");
	assert_string_equal(csv.rows[NFIX][0], "sleep");
	/* the params field with a comma came back whole (RFC 4180 quoting) */
	char **r = find_row(&csv, "sumsq,1000,\"a=1,b=2\",threads,2,8,1,static,none");
	assert_string_equal(r[2], "a=1,b=2");
	assert_int_equal((int)num(&csv, r, "reps"), 3);
	assert_true(num(&csv, r, "median_s") == 1.0);
	assert_true(num(&csv, r, "min_s") == 1.0);
	assert_true(num(&csv, r, "max_s") == 1.0);
	pb_csv_free(&csv);
}

static void test_summary_speedup(void **state)
{
	(void)state;
	struct pb_csv csv;
	read_summary(&csv);
	static const struct {
		const char *key;
		double speedup, efficiency; /* NAN: empty */
	} want[] = {
		{ "pi,1000,,serial,1,8,1,static,none", 1, 1 },
		{ "pi,1000,,threads,1,8,1,static,none", 1, 1 },
		{ "pi,1000,,threads,2,8,1,static,none", 2, 1 },
		{ "pi,1000,,threads,4,8,1,static,none", 2.5, 0.625 },
		{ "pi,1000,,pool,2,8,1,static,none", 1.25, 0.625 },
		/* no serial case: empty */
		{ "primes,1000,method=trial,threads,2,64,1,static,none", NAN, NAN },
		/* the serial case with the same tasks (2.0 s), not the fastest (1.0 s) */
		{ "sumsq,1000,\"a=1,b=2\",threads,2,8,1,static,none", 2, 1 },
		/* no serial case with 32 tasks that verified: the fastest verified serial (1.0 s) */
		{ "sumsq,1000,\"a=1,b=2\",threads,2,32,1,static,none", 4, 2 },
		{ "sumsq,1000,\"a=1,b=2\",serial,1,32,1,static,none", 10, 10 },
		{ "image,1000,op=invert,shm,2,4,1,static,none", 2, 1 },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		char **r = find_row(&csv, want[i].key);
		double s = num(&csv, r, "speedup"), e = num(&csv, r, "efficiency");
		if (isnan(want[i].speedup) ? !isnan(s) || !isnan(e)
					   : fabs(s - want[i].speedup) > 1e-12 || fabs(e - want[i].efficiency) > 1e-12)
			fail_msg("%s: expected speedup %g efficiency %g, got '%s' '%s'", want[i].key, want[i].speedup,
				 want[i].efficiency, r[pb_csv_col(&csv, "speedup")], r[pb_csv_col(&csv, "efficiency")]);
	}
	pb_csv_free(&csv);
}

static void test_summary_verified(void **state)
{
	(void)state;
	struct pb_csv csv;
	read_summary(&csv);
	assert_string_equal(find_row(&csv, "pi,1000,,pool,2,8,1,static,none")[20], "0");
	assert_string_equal(find_row(&csv, "pi,1000,,threads,2,8,1,static,none")[20], "1");
	assert_string_equal(find_row(&csv, "sumsq,1000,\"a=1,b=2\",serial,1,32,1,static,none")[20], "0");
	pb_csv_free(&csv);
}

static void test_summary_atomic_and_errors(void **state)
{
	(void)state;
	char err[512], path[600];
	/* no temporary file left beside summary.csv */
	assert_int_equal(pb_summary_write_dir(dir, err, sizeof err), 0);
	snprintf(path, sizeof path, "ls '%s' | grep -q tmp", dir);
	assert_int_not_equal(system(path), 0);
	/* a directory without raw.csv */
	snprintf(path, sizeof path, "%s/empty", dir);
	mkdir(path, 0777);
	assert_int_equal(pb_summary_write_dir(path, err, sizeof err), -1);
	assert_non_null(strstr(err, "raw.csv"));
}

static void test_fmt_and_params(void **state)
{
	(void)state;
	char b[64], v[32];
	static const double xs[] = { 0.1, 1.0 / 3, 123456789.123, 1e-9, 0.30000000000000004, 2 };
	for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
		pb_fmt_double(b, sizeof b, xs[i]);
		assert_true(strtod(b, NULL) == xs[i]);
	}
	pb_fmt_double(b, sizeof b, 0.1);
	assert_string_equal(b, "0.1");
	assert_int_equal(pb_params_get("ms=0.5", "ms", v, sizeof v), 0);
	assert_string_equal(v, "0.5");
	assert_int_equal(pb_params_get("op=invert;ms=10", "ms", v, sizeof v), 0);
	assert_string_equal(v, "10");
	assert_int_equal(pb_params_get("xms=1 ms=2", "ms", v, sizeof v), 0);
	assert_string_equal(v, "2");
	assert_int_equal(pb_params_get("xms=1", "ms", v, sizeof v), -1);
	assert_int_equal(pb_params_get("", "ms", v, sizeof v), -1);
	/* ideal sleep makespan: ceil(T/P) * d */
	assert_true(pb_sleep_ideal_s(16, 16, 8, 100) == 0.2);
	assert_true(pb_sleep_ideal_s(16, 16, 3, 100) == 0.6);
	assert_true(pb_sleep_ideal_s(1000, 1000, 2, 0) == 0);
	/* 32 items in 16 tasks: 2 rounds of 2-item tasks */
	assert_true(fabs(pb_sleep_ideal_s(32, 16, 8, 100) - 0.4) < 1e-12);
	struct pb_raw_row k = { .workload = "sleep", .size = 32, .tasks = 16, .params = "ms=2.5" };
	assert_true(pb_sleep_task_ms(&k) == 5);
	snprintf(k.workload, sizeof k.workload, "pi");
	assert_true(isnan(pb_sleep_task_ms(&k)));
	assert_true(pb_variant_rank("serial") < pb_variant_rank("threads"));
	assert_true(pb_variant_rank("openmp") < pb_variant_rank("zzz"));
}

/* The numbers of the line after the block titled label in a .dat file, or fail. */
static int dat_block(const char *file, const char *label, double rows[][10], int maxrows)
{
	char path[600], line[1024], want[128];
	snprintf(path, sizeof path, "%s/plots/%s", dir, file);
	snprintf(want, sizeof want, "\"%s\"\n", label);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("no data file '%s'", path);
	int in = 0, n = 0;
	while (fgets(line, sizeof line, f)) {
		if (!in) {
			in = strcmp(line, want) == 0;
			continue;
		}
		if (line[0] == '\n' || line[0] == '"')
			break;
		if (n == maxrows)
			break;
		char *p = line;
		for (int c = 0; c < 10; c++) {
			char *end;
			rows[n][c] = strtod(p, &end);
			if (end == p)
				rows[n][c] = NAN;
			p = end;
		}
		n++;
	}
	fclose(f);
	if (!in)
		fail_msg("no block '%s' in '%s'", label, path);
	return n;
}

/* The fixture's summary rows and their analysis for a 2-core machine (free rows, then the analysis). */
static struct pb_sumrow *analyse(struct pb_analysis *an, size_t *n)
{
	struct pb_raw raw;
	struct pb_sumrow *rows;
	char err[512];
	assert_int_equal(pb_raw_read(dir, &raw, err, sizeof err), 0);
	assert_int_equal(pb_summary_compute(&raw, &rows, n, err, sizeof err), 0);
	pb_raw_free(&raw);
	assert_int_equal(pb_analyse(rows, *n, 2, an), 0);
	return rows;
}

static struct pb_sumrow *prepare_plots(struct pb_plotset *set, struct pb_analysis *an)
{
	size_t n;
	char err[512], path[600];
	struct pb_sumrow *rows = analyse(an, &n);
	snprintf(path, sizeof path, "%s/plots", dir);
	if (pb_plots_prepare(path, an, set, err, sizeof err) != 0)
		fail_msg("%s", err);
	return rows;
}

static const struct pb_plot *find_plot(const struct pb_plotset *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->plots[i].name, name) == 0)
			return &set->plots[i];
	return NULL;
}

/* The data line of file (under plots/) that starts with prefix, or fail. */
static void dat_line(const char *file, const char *prefix, char *line, size_t len)
{
	char path[600];
	snprintf(path, sizeof path, "%s/plots/%s", dir, file);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, (int)len, f))
		if (strncmp(line, prefix, strlen(prefix)) == 0) {
			fclose(f);
			return;
		}
	fclose(f);
	fail_msg("no line '%s' in '%s'", prefix, path);
}

static void test_plot_data(void **state)
{
	(void)state;
	struct pb_plotset set;
	struct pb_analysis an;
	double r[8][10];
	char line[512];
	struct pb_sumrow *rows = prepare_plots(&set, &an);

	/* scaling: workers, median, ..., speedup (column 5), efficiency (column 8) */
	static const char *const kinds[] = { "time", "speedup", "efficiency", "setup", "counters" };
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		char name[64];
		snprintf(name, sizeof name, "pi-n1000-%s", kinds[i]);
		const struct pb_plot *p = find_plot(&set, name);
		if (!p)
			fail_msg("no plot '%s'", name);
		assert_int_equal(p->nseries, 3); /* serial, threads, pool */
		assert_non_null(strstr(p->vars, "nseries=3"));
		assert_true(strlen(p->title) > 0 && pb_text_width(p->title) <= 78);
		assert_int_equal(p->group, 0);
	}
	/* colours, point types and dash patterns: one word per series, no colour twice */
	const char *lcs = strstr(find_plot(&set, "pi-n1000-time")->vars, "lcs='");
	assert_non_null(lcs);
	assert_memory_equal(lcs, "lcs='#000000 #0072B2 #E69F00'", 29); /* serial, threads, pool: their own */
	/* log2 axes, padded: workers 1-4 give 1/1.35 to 4 x 1.35 */
	assert_non_null(strstr(find_plot(&set, "pi-n1000-speedup")->vars, "logx=1"));
	assert_non_null(strstr(find_plot(&set, "pi-n1000-speedup")->vars, "xtl='1 2 4'"));
	assert_int_equal(dat_block("pi-n1000.dat", "threads", r, 8), 3);
	static const double th[3][4] = { { 1, 1.0, 1, 1 }, { 2, 0.5, 2, 1 }, { 4, 0.4, 2.5, 0.625 } };
	for (int i = 0; i < 3; i++) {
		assert_true(r[i][0] == th[i][0]);
		assert_true(r[i][1] == th[i][1]);
		assert_true(fabs(r[i][4] - th[i][2]) < 1e-12);
		assert_true(fabs(r[i][7] - th[i][3]) < 1e-12);
	}
	assert_int_equal(dat_block("pi-n1000.dat", "serial", r, 8), 1);
	/* the fitted model of threads' sweep (three counts: Amdahl) follows the measured blocks */
	assert_true(dat_block("pi-n1000.dat", "threads Amdahl", r, 8) > 8 - 1);
	/* another schedule: its own plots, with the serial reference (static, chunk 1) drawn too */
	assert_non_null(find_plot(&set, "pi-n1000-T8-c1-dynamic-none-speedup"));
	assert_int_equal(dat_block("pi-n1000-T8-c1-dynamic-none.dat", "serial", r, 8), 1);
	assert_int_equal(dat_block("pi-n1000-T8-c1-dynamic-none.dat", "threads", r, 8), 2);
	assert_true(r[1][0] == 2 && r[1][1] == 0.6);

	/* primes has no serial case: a time plot but no speedup plot; the chunk=1 static group scales */
	assert_non_null(find_plot(&set, "primes-n1000-method_trial-time"));
	assert_null(find_plot(&set, "primes-n1000-method_trial-speedup"));
	assert_int_equal(dat_block("primes-n1000-method_trial.dat", "threads", r, 8), 2);
	assert_true(isnan(r[0][4]));

	/* chunk sweep at 2 workers: one line per schedule, x = chunk */
	assert_non_null(find_plot(&set, "primes-n1000-method_trial-chunks-j2"));
	/* per task (64 tasks), so that sweeps of other task counts share the axis */
	assert_int_equal(dat_block("primes-n1000-method_trial-chunks-j2.dat", "threads dynamic", r, 8), 2);
	assert_true(r[0][0] == 1 && r[0][1] == 1.2 / 64);
	assert_true(r[1][0] == 16 && r[1][1] == 1.1 / 64);
	assert_int_equal(dat_block("primes-n1000-method_trial-chunks-j2.dat", "threads static", r, 8), 2);
	assert_true(r[0][0] == 1 && r[0][1] == 2.0 / 64);

	/* image pool against shm */
	assert_non_null(find_plot(&set, "image-n1000-op_invert-pool-shm"));
	assert_int_equal(dat_block("image-n1000-op_invert-pool-shm.dat", "shm", r, 8), 2);
	assert_true(r[1][0] == 2 && r[1][1] == 0.5);

	/* dispatch: bars of median / 1000 tasks per variant and worker count, in seconds */
	assert_non_null(find_plot(&set, "dispatch"));
	dat_line("dispatch.dat", "\"variant\"", line, sizeof line);
	assert_string_equal(line, "\"variant\" \"1 worker\" \"2 workers\"\n");
	dat_line("dispatch.dat", "\"pool\"", line, sizeof line);
	assert_string_equal(line, "\"pool\" 1e-05 6e-06\n");

	/* task length: pool and process at the same 16 tasks on 2 workers; median / ceil(16/2) in ms */
	assert_non_null(find_plot(&set, "tasklen"));
	assert_int_equal(dat_block("tasklen.dat", "process", r, 8), 2);
	assert_true(r[0][0] == 1 && fabs(r[0][1] - 2) < 1e-9);
	assert_true(r[1][0] == 10 && fabs(r[1][1] - 11) < 1e-9);

	/* bars: speedup at the 2 cores, one row per group of the default decomposition, not sleep */
	assert_non_null(find_plot(&set, "speedup-bars"));
	assert_non_null(strstr(find_plot(&set, "speedup-bars")->vars, "cores=2"));
	dat_line("speedup-bars.dat", "\"case\"", line, sizeof line);
	assert_string_equal(line, "\"case\" \"threads\" \"pool\" \"shm\"\n");
	dat_line("speedup-bars.dat", "\"pi|T=8", line, sizeof line);
	assert_string_equal(line, "\"pi|T=8|c=1|static\" 2 1.25 ?\n"); /* the label breaks at every word */
	pb_plotset_free(&set);
	pb_analysis_free(&an);
	free(rows);
}

/* The analysis: groups, the answer per group, sweeps with fits, anomalies. */
static void test_analysis(void **state)
{
	(void)state;
	struct pb_analysis an;
	size_t n;
	struct pb_sumrow *rows = analyse(&an, &n);
	char label[256];
	/* pi static: serial, threads 1,2,4, pool 2 (unverified) */
	const struct pb_group *g = &an.groups[0];
	pb_group_label(&an, g, label, sizeof label);
	assert_string_equal(label, "pi n=1000 T=8 c=1 static");
	assert_int_equal(g->n, 5);
	assert_string_equal(g->serial->key.variant, "serial");
	assert_string_equal(g->best->key.variant, "threads");
	assert_int_equal(g->best->key.workers, 4);
	assert_int_equal(g->at_cores->key.workers, 2);
	assert_int_equal(g->nsweeps, 1); /* threads; pool has one verified count */
	const struct pb_sweep *s = &an.sweeps[g->first_sweep];
	assert_string_equal(s->variant, "threads");
	assert_int_equal(s->best_p, 4);
	assert_int_equal(s->stop_p, 0);        /* 0.4 s at 4 beats 0.5 s at 2 by more than 5% */
	assert_true(s->has_amdahl && !s->has_usl); /* three counts */
	/* the serial row of the static pi group joins the dynamic group too */
	int dyn = -1;
	for (size_t i = 0; i < an.ngroups; i++) {
		pb_group_label(&an, &an.groups[i], label, sizeof label);
		if (strcmp(label, "pi n=1000 T=8 c=1 dynamic") == 0)
			dyn = (int)i;
	}
	assert_true(dyn >= 0);
	assert_non_null(an.groups[dyn].serial);
	/* anomalies: the unverified pool, threads at 4 workers on 2 cores, superlinear sumsq T=32 */
	int unverified = 0, oversub = 0, superlinear = 0;
	for (size_t i = 0; i < an.nanomalies; i++) {
		const struct pb_anomaly *x = &an.anomalies[i];
		unverified += x->kind == PB_AN_UNVERIFIED && strstr(x->text, "pool j=2 failed verification") != NULL;
		oversub += x->kind == PB_AN_OVERSUB &&
			   strcmp(x->text, "pi n=1000 T=8 c=1 static at 4 workers on 2 cores, time against 2 workers: "
					   "threads -20%") == 0;
		superlinear += x->kind == PB_AN_SUPERLINEAR && strstr(x->text, "sumsq") != NULL;
	}
	if (!unverified || !oversub)
		for (size_t i = 0; i < an.nanomalies; i++)
			print_message("anomaly %d: %s\n", an.anomalies[i].kind, an.anomalies[i].text);
	assert_int_equal(unverified, 1);
	assert_int_equal(oversub, 1);
	assert_int_equal(superlinear, 0); /* sumsq T=32 has no serial of its own: its reference is another group's */
	pb_analysis_free(&an);
	free(rows);
}

/* Human units and the table: fixed widths, folded columns, at most 120 columns. */
static void test_units_and_table(void **state)
{
	(void)state;
	static const struct {
		double x;
		const char *time, *count;
	} cases[] = {
		{ 1.5, "1.50 s", "1.50" }, { 0.0224, "22.4 ms", "0.0224" }, { 0.000119, "119 µs", "0.000119" },
		{ 2.6e-8, "26.0 ns", "0.0000260" }, { 1e9, "1000000000 s", "1e9" }, { 3e7, "30000000 s", "3e7" },
		{ 16777216, "16777216 s", "2^24" }, { 20000, "20000 s", "20000" }, { 12345678, "12345678 s", "12.3M" },
	};
	char b[64];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		pb_fmt_time(b, sizeof b, cases[i].x);
		if (strcmp(b, cases[i].time) != 0)
			fail_msg("time %g: expected '%s', got '%s'", cases[i].x, cases[i].time, b);
		pb_fmt_count(b, sizeof b, cases[i].x);
		if (cases[i].x >= 1 && strcmp(b, cases[i].count) != 0)
			fail_msg("count %g: expected '%s', got '%s'", cases[i].x, cases[i].count, b);
	}
	pb_fmt_time_range(b, sizeof b, 0.0216, 0.0233);
	assert_string_equal(b, "21.6–23.3 ms");
	pb_fmt_kib(b, sizeof b, 48);
	assert_string_equal(b, "48 KiB");
	pb_fmt_kib(b, sizeof b, 307200);
	assert_string_equal(b, "300 MiB");
	assert_int_equal(pb_text_width("21.6–23.3 µs"), 12);

	/* the fixture's table: every line within 120 columns; constant bind folded into the heading */
	size_t n;
	struct pb_analysis an;
	struct pb_sumrow *rows = analyse(&an, &n);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(pb_tab_print(f, 0, rows, n), 0);
	fclose(f);
	int lines = 0;
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"), lines++) {
		if (pb_text_width(l) > PB_TABLE_WIDTH)
			fail_msg("line wider than %d columns: '%s'", PB_TABLE_WIDTH, l);
		if (lines == 0)
			assert_non_null(strstr(l, "bind none"));
		if (strncmp(l, "workload", 8) == 0) {
			assert_non_null(strstr(l, "speedup"));
			assert_non_null(strstr(l, "95% CI"));
			assert_null(strstr(l, "bind"));
		}
	}
	assert_int_equal(lines, (int)n + 2 + 1); /* heading (two lines: the parameters apart), header, rows */
	free(buf);
	pb_analysis_free(&an);
	free(rows);
}

static int run_report(const char *d, const char *gnuplot)
{
	char *argv[] = { "report", "-q", (char *)d, NULL };
	if (gnuplot)
		setenv("PARBENCH_GNUPLOT", gnuplot, 1);
	else
		unsetenv("PARBENCH_GNUPLOT");
	if (!getenv("PARBENCH_SCRIPTS"))
		setenv("PARBENCH_SCRIPTS", "scripts", 1); /* tests run from the source tree */
	return pb_cmd_report(3, argv);
}

static int file_has(const char *path, const char *text)
{
	char buf[65536];
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, text) != NULL;
}

static void test_report_without_gnuplot(void **state)
{
	(void)state;
	char path[600];
	assert_int_equal(run_report(dir, "/nonexistent/gnuplot"), 0);
	snprintf(path, sizeof path, "%s/report.md", dir);
	assert_true(file_has(path, "skipped"));
	assert_true(file_has(path, "## pi"));
	assert_true(file_has(path, "## primes"));
	assert_true(file_has(path, "**NO**")); /* the unverified case */
	assert_true(file_has(path, "failed verification"));
	assert_false(file_has(path, "![")); /* no plot embedded */
	snprintf(path, sizeof path, "%s/summary.csv", dir);
	assert_int_equal(access(path, F_OK), 0);
}

static void test_report_with_gnuplot(void **state)
{
	(void)state;
	if (system("gnuplot --version >/dev/null 2>&1") != 0)
		SKIP("gnuplot is not installed");
	char path[600];
	unsigned char magic[8];
	write_file("meta.json", "{\"machine\": {\"host\": \"testhost\", \"cpu_model\": \"Test CPU\", \"cores\": 2,"
				" \"caches\": [{\"kind\": \"data\", \"level\": 1, \"count\": 2, \"size_kb\": 48}]},"
				" \"command\": [\"parbench\", \"run\", \"-w\", \"pi\", \"-p\", \"a=1;b=2\"],"
				" \"appended\": [[\"run\", \"--append\", \"-w\", \"sleep\"]],"
				" \"warnings\": [\"governor is powersave\","
				" \"pi seed=0 threads j=1 T=64 static c=1: coefficient of variation 31.2% is above 5%\","
				" \"pi seed=0 pool j=2 T=64 static c=1: coefficient of variation 6.5% is above 5%\"]}\n");
	assert_int_equal(run_report(dir, NULL), 0);
	static const char *const pngs[] = { "pi-n1000-time", "pi-n1000-speedup", "pi-n1000-efficiency",
					    "pi-n1000-setup", "pi-n1000-counters", "speedup-bars", "dispatch", "tasklen",
					    "primes-n1000-method_trial-chunks-j2", "image-n1000-op_invert-pool-shm" };
	for (size_t i = 0; i < sizeof pngs / sizeof pngs[0]; i++) {
		snprintf(path, sizeof path, "%s/plots/%s.png", dir, pngs[i]);
		FILE *f = fopen(path, "rb");
		if (!f)
			fail_msg("no plot '%s'", path);
		assert_int_equal(fread(magic, 1, 8, f), 8);
		fclose(f);
		assert_memory_equal(magic, "\x89PNG\r\n\x1a\n", 8);
		snprintf(path, sizeof path, "%s/plots/%s.svg", dir, pngs[i]);
		assert_true(file_has(path, "<svg"));
	}
	snprintf(path, sizeof path, "%s/report.md", dir);
	/* it leads with the answer: the summary, then the fits, then the anomalies */
	assert_true(file_has(path, "## The answer\n\n| workload | fastest |"));
	assert_true(file_has(path, "| pi n=1000 T=8 c=1 static | threads j=4, 400 ms (2.50x) | threads 2.00x, 1.00 |"));
	assert_true(file_has(path, "## Scalability fits"));
	assert_true(file_has(path, "## Anomalies"));
	assert_true(file_has(path, "pi n=1000 T=8 c=1 static at 4 workers on 2 cores, time against 2 workers: threads -20%"));
	assert_true(file_has(path, "![pi n=1000: median time](plots/pi-n1000-time.png)"));
	/* compact facts in human units; warnings grouped by kind with counts; the command to reproduce */
	assert_true(file_has(path, "| machine | testhost: Test CPU,"));
	assert_true(file_has(path, "| caches | L1d 48 KiB ×2 |"));
	assert_true(file_has(path, "- governor is powersave — 1×"));
	assert_true(file_has(path, "- coefficient of variation N% is above 5% — 2×: pi seed=0 threads j=1 T=64 static c=1 [31.2]; "
				   "pi seed=0 pool j=2 T=64 static c=1 [6.5]"));
	assert_true(file_has(path, "```sh\nparbench run -w pi -p 'a=1;b=2'\nparbench run --append -w sleep\nparbench report "));
	assert_false(file_has(path, "skipped"));
	/* the answer comes before the per-case tables, the facts after them */
	char *md = NULL;
	size_t mdlen;
	char err[512];
	assert_int_equal(pb_read_file(path, &md, &mdlen, err, sizeof err), 0);
	assert_true(strstr(md, "## The answer") < strstr(md, "## pi"));
	assert_true(strstr(md, "## pi") < strstr(md, "## The run"));
	free(md);
	snprintf(path, sizeof path, "%s/meta.json", dir);
	unlink(path);
}

/*
 * Times of tens of microseconds: a log y axis of under three decades gets tics at 1, 2 and 5, which
 * gnuplot reads back as numbers; it refuses "2e-05" (an exponent without a point), so every plot of
 * such a run failed under a slow build (ASan) where set-up took that long.
 */
static void test_report_small_times(void **state)
{
	(void)state;
	if (system("gnuplot --version >/dev/null 2>&1") != 0)
		SKIP("gnuplot is not installed");
	char t[] = "/tmp/parbench-test-small.XXXXXX", path[600], cmd[700];
	assert_non_null(mkdtemp(t));
	snprintf(path, sizeof path, "%s/raw.csv", t);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(RAW_HEADER "\n", f);
	static const struct {
		const char *v;
		int j;
		double wall, setup;
	} c[] = { { "serial", 1, 6e-4, 2e-5 }, { "threads", 1, 5e-4, 4e-5 }, { "threads", 2, 9e-5, 7e-5 },
		  { "threads", 4, 2e-5, 5e-4 } };
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
		for (int rep = 1; rep <= 3; rep++)
			fprintf(f, "r1,pi,1000,,%s,%d,8,1,static,none,%d,%g,%g,0.0001,0,1000,42,1,0\n", c[i].v, c[i].j, rep,
				c[i].wall * (1 + 0.01 * rep), c[i].setup * (1 + 0.01 * rep));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(run_report(t, NULL), 0);
	static const char *const pngs[] = { "time", "setup", "speedup" };
	for (size_t i = 0; i < sizeof pngs / sizeof pngs[0]; i++) {
		snprintf(path, sizeof path, "%s/plots/pi-n1000-%s.png", t, pngs[i]);
		if (access(path, F_OK) != 0)
			fail_msg("no plot '%s' (see %s/plots/gnuplot.log)", path, t);
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", t);
	assert_int_equal(system(cmd), 0);
}

/* A USL optimum past where the measurements stopped gaining is not recommended: the measurement wins. */
static void test_report_usl_not_borne_out(void **state)
{
	(void)state;
	char t[] = "/tmp/parbench-test-usl.XXXXXX", path[600], cmd[700];
	assert_non_null(mkdtemp(t));
	snprintf(path, sizeof path, "%s/raw.csv", t);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(RAW_HEADER "\n", f);
	static const struct {
		const char *v;
		int j;
		double wall;
	} c[] = { { "serial", 1, 1.0 }, { "threads", 1, 1.0 }, { "threads", 2, 0.52 }, { "threads", 3, 0.505 },
		  { "threads", 4, 0.51 } };
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
		for (int rep = 1; rep <= 3; rep++)
			fprintf(f, "r1,pi,1000,,%s,%d,8,1,static,none,%d,%g,0,0.1,0,1000,42,1,0\n", c[i].v, c[i].j, rep,
				c[i].wall * (1 + 0.001 * rep));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(run_report(t, "/nonexistent/gnuplot"), 0);
	snprintf(path, sizeof path, "%s/report.md", t);
	assert_true(file_has(path, "| 2 workers (threads) | 2 (measured: more gain < 5%; the USL's best at "));
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", t);
	assert_int_equal(system(cmd), 0);
}

static void test_report_bad_dir(void **state)
{
	(void)state;
	char path[600];
	assert_int_equal(run_report("/nonexistent/parbench-results", NULL), 2);
	snprintf(path, sizeof path, "%s/raw.csv", dir);
	assert_int_equal(run_report(path, NULL), 2); /* a file, not a directory */
	snprintf(path, sizeof path, "%s/bad", dir);
	mkdir(path, 0777);
	assert_int_equal(run_report(path, NULL), 2); /* no raw.csv */
	snprintf(path, sizeof path, "%s/bad/raw.csv", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(RAW_HEADER "\nr1,pi,1000,,serial,1,8,1,static,none,0,notanumber,0,0,0,0,1,1,0\n", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/bad", dir);
	assert_int_equal(run_report(path, NULL), 2); /* malformed */
	char *argv[] = { "report", NULL };
	assert_int_equal(pb_cmd_report(1, argv), 2);
	char *argv2[] = { "report", "--bogus", dir, NULL };
	assert_int_equal(pb_cmd_report(3, argv2), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary_columns),
		cmocka_unit_test(test_summary_speedup),
		cmocka_unit_test(test_summary_verified),
		cmocka_unit_test(test_summary_atomic_and_errors),
		cmocka_unit_test(test_fmt_and_params),
		cmocka_unit_test(test_plot_data),
		cmocka_unit_test(test_analysis),
		cmocka_unit_test(test_units_and_table),
		cmocka_unit_test(test_report_without_gnuplot),
		cmocka_unit_test(test_report_with_gnuplot),
		cmocka_unit_test(test_report_small_times),
		cmocka_unit_test(test_report_usl_not_borne_out),
		cmocka_unit_test(test_report_bad_dir),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
