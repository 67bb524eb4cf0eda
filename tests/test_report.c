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

static void prepare_plots(struct pb_plotset *set)
{
	struct pb_raw raw;
	struct pb_sumrow *rows;
	size_t n;
	char err[512], path[600];
	assert_int_equal(pb_raw_read(dir, &raw, err, sizeof err), 0);
	assert_int_equal(pb_summary_compute(&raw, &rows, &n, err, sizeof err), 0);
	snprintf(path, sizeof path, "%s/plots", dir);
	if (pb_plots_prepare(path, rows, n, set, err, sizeof err) != 0)
		fail_msg("%s", err);
	free(rows);
	pb_raw_free(&raw);
}

static const struct pb_plot *find_plot(const struct pb_plotset *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->plots[i].name, name) == 0)
			return &set->plots[i];
	return NULL;
}

static void test_plot_data(void **state)
{
	(void)state;
	struct pb_plotset set;
	double r[8][10];
	prepare_plots(&set);

	/* scaling: workers, median, ..., speedup (column 5), efficiency (column 8) */
	assert_non_null(find_plot(&set, "pi-n1000-time"));
	assert_non_null(find_plot(&set, "pi-n1000-speedup"));
	assert_non_null(find_plot(&set, "pi-n1000-efficiency"));
	assert_non_null(strstr(find_plot(&set, "pi-n1000-time")->vars, "nseries=3"));
	assert_int_equal(dat_block("pi-n1000.dat", "threads", r, 8), 3);
	static const double th[3][4] = { { 1, 1.0, 1, 1 }, { 2, 0.5, 2, 1 }, { 4, 0.4, 2.5, 0.625 } };
	for (int i = 0; i < 3; i++) {
		assert_true(r[i][0] == th[i][0]);
		assert_true(r[i][1] == th[i][1]);
		assert_true(fabs(r[i][4] - th[i][2]) < 1e-12);
		assert_true(fabs(r[i][7] - th[i][3]) < 1e-12);
	}
	assert_int_equal(dat_block("pi-n1000.dat", "serial", r, 8), 1);
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
	assert_int_equal(dat_block("primes-n1000-method_trial-chunks-j2.dat", "threads dynamic", r, 8), 2);
	assert_true(r[0][0] == 1 && r[0][1] == 1.2);
	assert_true(r[1][0] == 16 && r[1][1] == 1.1);
	assert_int_equal(dat_block("primes-n1000-method_trial-chunks-j2.dat", "threads static", r, 8), 2);
	assert_true(r[0][0] == 1 && r[0][1] == 2.0);

	/* image pool against shm */
	assert_non_null(find_plot(&set, "image-n1000-op_invert-pool-shm"));
	assert_int_equal(dat_block("image-n1000-op_invert-pool-shm.dat", "shm", r, 8), 2);
	assert_true(r[1][0] == 2 && r[1][1] == 0.5);

	/* dispatch: (median - 0) / 1000 tasks, in microseconds */
	assert_non_null(find_plot(&set, "dispatch"));
	assert_int_equal(dat_block("dispatch.dat", "pool", r, 8), 2);
	assert_true(r[0][0] == 1 && fabs(r[0][1] - 10) < 1e-9);
	assert_true(r[1][0] == 2 && fabs(r[1][1] - 6) < 1e-9);

	/* task length: median / ceil(16/2) in ms, against ms, per variant and workers */
	assert_non_null(find_plot(&set, "tasklen"));
	assert_int_equal(dat_block("tasklen.dat", "process j=2", r, 8), 2);
	assert_true(r[0][0] == 1 && fabs(r[0][1] - 2) < 1e-9);
	assert_true(r[1][0] == 10 && fabs(r[1][1] - 11) < 1e-9);

	/* bars: one row per workload, not sleep; pi at 4 workers */
	assert_non_null(find_plot(&set, "speedup-bars"));
	char path[600], line[256];
	snprintf(path, sizeof path, "%s/plots/speedup-bars.dat", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	int pi = 0, sleep = 0;
	while (fgets(line, sizeof line, f)) {
		pi += strcmp(line, "\"pi T=8 c=1 static j=4\" 2.5 ? ?\n") == 0;
		sleep += strstr(line, "sleep") != NULL;
	}
	fclose(f);
	assert_int_equal(pi, 1);
	assert_int_equal(sleep, 0);
	pb_plotset_free(&set);
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
	write_file("meta.json", "{\"host\": \"testhost\", \"cpu\": {\"model\": \"Test CPU\", \"cores\": 2},"
				" \"warnings\": [\"governor is powersave\"]}\n");
	assert_int_equal(run_report(dir, NULL), 0);
	static const char *const pngs[] = { "pi-n1000-time", "pi-n1000-speedup", "pi-n1000-efficiency",
					    "speedup-bars", "dispatch", "tasklen",
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
	assert_true(file_has(path, "![pi n=1000"));
	assert_true(file_has(path, "(plots/pi-n1000-time.png)"));
	assert_true(file_has(path, "| host | testhost |"));
	assert_true(file_has(path, "| cpu.model | Test CPU |"));
	assert_true(file_has(path, "- governor is powersave"));
	assert_true(file_has(path, "core count: 2\n"));
	/* oversubscription finding: pi threads 4 workers (0.4 s) against 2 (0.5 s) */
	assert_true(file_has(path, "oversubscription (j=4 against j=2): threads -20.0%"));
	assert_false(file_has(path, "skipped"));
	snprintf(path, sizeof path, "%s/meta.json", dir);
	unlink(path);
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
		cmocka_unit_test(test_report_without_gnuplot),
		cmocka_unit_test(test_report_with_gnuplot),
		cmocka_unit_test(test_report_bad_dir),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
