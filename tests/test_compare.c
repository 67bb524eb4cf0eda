/* test_compare.c: the compare gate on synthetic samples (false alarms, power) and on hand-made runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "contract.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness/commands.h"
#include "../harness/compare.h"
#include "../harness/results.h"

/* splitmix64, seeded per test so that every rate below is deterministic. */
static uint64_t rng_state;
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
static double rng_unit(void) { return ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0; }
/* Box-Muller: a standard normal deviate. */
static double rng_normal(void) { return sqrt(-2 * log(rng_unit())) * cos(2 * M_PI * rng_unit()); }

enum noise { NOISE_NORMAL, NOISE_HEAVY };

/* n timings around mean: normal with relative sd, or log-normal with a 10% chance of a +30% hiccup. */
static void sample(double *x, size_t n, double mean, double sd, enum noise kind)
{
	for (size_t i = 0; i < n; i++) {
		if (kind == NOISE_NORMAL) {
			x[i] = mean * (1 + sd * rng_normal());
		} else {
			x[i] = mean * exp(sd * rng_normal());
			if (rng_unit() < 0.1)
				x[i] *= 1.3;
		}
	}
}

/* Fraction of trials with the given verdict, for NEW = BASE * factor. */
static double rate(uint64_t seed, int trials, size_t reps, double factor, double sd, enum noise kind,
		   int higher_better, enum pb_verdict want)
{
	struct pb_compare_opts o;
	pb_compare_opts_init(&o);
	double a[64], b[64];
	int hits = 0;
	rng_state = seed;
	for (int t = 0; t < trials; t++) {
		struct pb_sample_cmp s;
		sample(a, reps, 1.0, sd, kind);
		sample(b, reps, factor, sd, kind);
		assert_int_equal(pb_compare_samples(a, reps, b, reps, higher_better, &o, &s), 0);
		hits += s.verdict == want;
	}
	return (double)hits / trials;
}

/*
 * One case on its own is a family of one: "slower" is the one-sided test at
 * alpha (0.01), so identical distributions are called slower in at most 1%
 * of trials, up to the sampling error of 1000 trials (2 standard errors:
 * 0.6%).  The rates of whole comparisons (21 cases, Holm) are
 * tests/test_gate.c's.
 */
static void test_false_alarms(void **state)
{
	const double limit = 0.01 + 2 * sqrt(0.01 * 0.99 / 1000);
	double r1 = rate(1, 1000, 9, 1.0, 0.02, NOISE_NORMAL, 0, PB_SLOWER);
	double r2 = rate(2, 1000, 9, 1.0, 0.02, NOISE_NORMAL, 0, PB_FASTER);
	double r3 = rate(3, 1000, 9, 1.0, 0.10, NOISE_HEAVY, 0, PB_SLOWER);
	double r4 = rate(4, 1000, 30, 1.0, 0.10, NOISE_HEAVY, 0, PB_SLOWER);
	printf("# identical distributions, one case, 1000 trials: slower %.1f%%, faster %.1f%% (9 reps, 2%% noise); "
	       "slower %.1f%% (9 reps), %.1f%% (30 reps) with 10%% log-normal noise and hiccups\n",
	       r1 * 100, r2 * 100, r3 * 100, r4 * 100);
	assert_true(r1 <= limit);
	assert_true(r2 <= limit);
	assert_true(r3 <= limit);
	assert_true(r4 <= limit);
}

static void test_power(void **state)
{
	double r1 = rate(11, 1000, 9, 1.10, 0.02, NOISE_NORMAL, 0, PB_SLOWER);
	double r2 = rate(12, 1000, 9, 1 / 1.10, 0.02, NOISE_NORMAL, 0, PB_FASTER);
	/* speedup is higher-is-better: a 10% drop is a regression */
	double r3 = rate(13, 1000, 9, 1 / 1.10, 0.02, NOISE_NORMAL, 1, PB_SLOWER);
	/* within the threshold: a real 2% slowdown is not a regression */
	double r4 = rate(14, 1000, 9, 1.02, 0.02, NOISE_NORMAL, 0, PB_SLOWER);
	printf("# 10%% slowdown, 9 reps, 2%% noise: caught in %.1f%% of 1000 trials; 10%% speedup reported faster "
	       "in %.1f%%; 10%% speedup-metric drop caught in %.1f%%; 2%% slowdown flagged in %.1f%%\n",
	       r1 * 100, r2 * 100, r3 * 100, r4 * 100);
	assert_true(r1 >= 0.95);
	assert_true(r2 >= 0.95);
	assert_true(r3 >= 0.95);
	assert_true(r4 <= 0.01);
}

static void test_verdicts(void **state)
{
	struct pb_compare_opts o;
	struct pb_sample_cmp s;
	pb_compare_opts_init(&o);
	const double base[] = { 1.00, 1.01, 0.99, 1.02, 0.98, 1.005, 1.015, 0.995, 0.985 };
	double slow[9], few[5];
	for (int i = 0; i < 9; i++)
		slow[i] = base[i] * 1.3;
	/* identical: same, ratio 1, p 1 */
	assert_int_equal(pb_compare_samples(base, 9, base, 9, 0, &o, &s), 0);
	assert_int_equal(s.verdict, PB_SAME);
	assert_true(s.ratio == 1 && s.p == 1 && s.ci_lo < 1 && s.ci_hi > 1 && s.ci_exact);
	/* 30% slower: the ratio, a CI around it, p = 2 / C(18, 9) */
	assert_int_equal(pb_compare_samples(base, 9, slow, 9, 0, &o, &s), 0);
	assert_int_equal(s.verdict, PB_SLOWER);
	assert_true(fabs(s.ratio - 1.3) < 1e-12 && s.ci_lo > 1.2 && s.ci_hi < 1.4 && s.ci_lo <= s.ratio && s.ratio <= s.ci_hi);
	assert_true(fabs(s.p - 2.0 / 48620) < 1e-15);
	/* the same with a 40% threshold: same */
	o.threshold = 0.40;
	assert_int_equal(pb_compare_samples(base, 9, slow, 9, 0, &o, &s), 0);
	assert_int_equal(s.verdict, PB_SAME);
	o.threshold = 0.05;
	/* fewer than 9 repetitions: unsure, however clear */
	for (int i = 0; i < 5; i++)
		few[i] = base[i] * 1.3;
	assert_int_equal(pb_compare_samples(base, 9, few, 5, 0, &o, &s), 0);
	assert_int_equal(s.verdict, PB_UNSURE);
	/* a large change that the test cannot confirm: unsure */
	const double noisy_a[] = { 1, 2, 1, 2, 1, 2, 1, 2, 1 }, noisy_b[] = { 2, 1, 2, 1, 2, 1, 2, 2, 1.5 };
	assert_int_equal(pb_compare_samples(noisy_a, 9, noisy_b, 9, 0, &o, &s), 0);
	assert_true(s.ratio > 1.05 && s.p >= 0.01);
	assert_int_equal(s.verdict, PB_UNSURE);
	/* a zero time cannot be compared */
	const double zero[] = { 0, 1, 1, 1, 1, 1, 1, 1, 1 };
	assert_int_equal(pb_compare_samples(zero, 9, base, 9, 0, &o, &s), -1);
}

static void test_options(void **state)
{
	static const struct { const char *args[3]; int argc, rc; } cases[] = {
		{ { "--threshold", "5" }, 2, 1 },       { { "--threshold=2.5%" }, 1, 1 },
		{ { "--threshold", "-1" }, 2, -1 },     { { "--threshold", "x" }, 2, -1 },
		{ { "--threshold" }, 1, -1 },           { { "--alpha", "0.05" }, 2, 1 },
		{ { "--alpha", "0" }, 2, -1 },          { { "--alpha", "1" }, 2, -1 },
		{ { "--alpha", "nan" }, 2, -1 },        { { "--metric", "speedup" }, 2, 1 },
		{ { "--metric", "fast" }, 2, -1 },      { { "--format=md" }, 1, 1 },
		{ { "--format", "html" }, 2, -1 },      { { "--thresholds", "5" }, 2, 0 },
		{ { "-r", "5" }, 2, 0 },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct pb_compare_opts o;
		char err[256] = "";
		int i = 0;
		pb_compare_opts_init(&o);
		int rc = pb_compare_parse_option(cases[c].argc, (char **)cases[c].args, &i, &o, err, sizeof err);
		if (rc != cases[c].rc)
			print_error("%s %s: expected %d, got %d (%s)\n", cases[c].args[0], cases[c].args[1] ? cases[c].args[1] : "",
				    cases[c].rc, rc, err);
		assert_int_equal(rc, cases[c].rc);
		if (rc == 1)
			assert_int_equal(i, cases[c].argc - 1);
		if (rc == -1)
			assert_true(err[0] != '\0');
	}
	struct pb_compare_opts o;
	int i = 0;
	char err[64];
	char *args[] = { "--threshold=2.5%" };
	pb_compare_opts_init(&o);
	assert_int_equal(pb_compare_parse_option(1, args, &i, &o, err, sizeof err), 1);
	assert_true(fabs(o.threshold - 0.025) < 1e-15);
}

/* ---- hand-made runs ---- */

static char tmpdir[64];

static int setup_dir(void **state)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/pb-test-compare.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/*
 * Write raw.csv with a serial case and a threads j=2 case of pi, reps each;
 * times scaled by scale, threads times also by slow.  Returns the path.
 */
static const char *write_run(const char *name, int reps, double scale, double slow, int with_serial)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s.csv", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", RAW_HEADER);
	rng_state = 99; /* the same noise in every file */
	for (int r = 0; r < reps; r++) {
		double noise = 1 + 0.01 * rng_normal();
		if (with_serial)
			fprintf(f, "r1,pi,1000000,,serial,1,1,1000000,static,none,%d,%.9f,0,0.1,0,1000,3.14,1,0\n", r,
				scale * 0.1 * noise);
		fprintf(f, "r1,pi,1000000,,threads,2,64,15625,static,none,%d,%.9f,0.001,0.1,0,1000,3.14,1,0-1\n", r,
			scale * slow * 0.05 * (1 + 0.01 * rng_normal()));
	}
	fclose(f);
	return path;
}

static void test_compare_runs(void **state)
{
	char base[256], same[256], slow[256], twice[256], few[256], noserial[256];
	struct pb_raw rb, rn;
	struct pb_comparison c;
	struct pb_compare_opts o;
	char err[512];
	snprintf(base, sizeof base, "%s", write_run("base", 10, 1, 1, 1));
	snprintf(same, sizeof same, "%s", write_run("same", 10, 1, 1, 1));
	snprintf(slow, sizeof slow, "%s", write_run("slow", 10, 1, 1.3, 1));
	snprintf(twice, sizeof twice, "%s", write_run("twice", 10, 2, 1, 1));
	snprintf(few, sizeof few, "%s", write_run("few", 4, 1, 1, 1));
	snprintf(noserial, sizeof noserial, "%s", write_run("noserial", 10, 1, 1, 0));
	pb_compare_opts_init(&o);
	o.format = PB_FORMAT_CSV;

	assert_int_equal(pb_raw_read(base, &rb, err, sizeof err), 0);
	assert_int_equal(pb_raw_read(slow, &rn, err, sizeof err), 0);
	assert_int_equal(pb_compare_raw(&rb, &rn, &o, &c, err, sizeof err), 0);
	assert_int_equal(c.compared, 2);
	assert_int_equal(c.slower, 1);
	assert_int_equal(c.same, 1);
	assert_string_equal(c.entries[1].key.variant, "threads");
	assert_int_equal(c.entries[1].cmp.verdict, PB_SLOWER);
	assert_true(fabs(c.entries[1].cmp.ratio - 1.3) < 1e-6);
	assert_true(fabs(c.geomean - sqrt(1.3)) < 1e-6);
	pb_comparison_free(&c);
	pb_raw_free(&rn);

	/* speedup across machines: every time doubled, the same speedups */
	o.metric = PB_METRIC_SPEEDUP;
	assert_int_equal(pb_raw_read(twice, &rn, err, sizeof err), 0);
	assert_int_equal(pb_compare_raw(&rb, &rn, &o, &c, err, sizeof err), 0);
	assert_int_equal(c.compared, 1);
	assert_int_equal(c.not_comparable, 1); /* the serial case is the reference */
	assert_int_equal(c.same, 1);
	assert_true(fabs(c.entries[1].cmp.ratio - 1) < 1e-6);
	pb_comparison_free(&c);
	/* ... while their times differ by 2 */
	o.metric = PB_METRIC_TIME;
	assert_int_equal(pb_compare_raw(&rb, &rn, &o, &c, err, sizeof err), 0);
	assert_int_equal(c.slower, 2);
	pb_comparison_free(&c);
	pb_raw_free(&rn);

	/* no serial reference in NEW: nothing comparable for speedup */
	o.metric = PB_METRIC_EFFICIENCY;
	assert_int_equal(pb_raw_read(noserial, &rn, err, sizeof err), 0);
	assert_int_equal(pb_compare_raw(&rb, &rn, &o, &c, err, sizeof err), -1);
	assert_non_null(strstr(err, "no comparable cases"));
	pb_raw_free(&rn);
	pb_raw_free(&rb);

	/* the command: exit 0 against itself, 1 for the slow run, 0 (unsure) with 4 reps, 2 for bad input */
	char *a_same[] = { "compare", base, same, "--format", "csv" };
	char *a_slow[] = { "compare", base, slow, "--format=md" };
	char *a_few[] = { "compare", base, few };
	char *a_twice[] = { "compare", base, twice, "--metric", "speedup" };
	char *a_bad[] = { "compare", base, slow, "--alpha", "2" };
	char *a_one[] = { "compare", base };
	char *a_missing[] = { "compare", base, "/nonexistent/raw.csv" };
	assert_int_equal(pb_cmd_compare(5, a_same), 0);
	assert_int_equal(pb_cmd_compare(4, a_slow), 1);
	assert_int_equal(pb_cmd_compare(3, a_few), 0);
	assert_int_equal(pb_cmd_compare(5, a_twice), 0);
	assert_int_equal(pb_cmd_compare(5, a_bad), 2);
	assert_int_equal(pb_cmd_compare(2, a_one), 2);
	assert_int_equal(pb_cmd_compare(3, a_missing), 2);
}

/*
 * Speedup without fake independence: the serial case and one parallel case,
 * 10 repetitions, 10% log-normal noise, unchanged.  Dividing every
 * repetition by one serial median made the ten speedups share that
 * median's error, and Mann-Whitney, which assumes independent samples, then
 * called 3.9% of such cases slower at a per-case 1%; pairing each parallel
 * repetition with its own serial one keeps the samples independent, so the
 * rate is the test's own (at most alpha, up to 1000 trials' error).
 */
static void test_speedup_independent(void **state)
{
	const double limit = 0.01 + 2 * sqrt(0.01 * 0.99 / 1000);
	char path[2][256];
	struct pb_compare_opts o;
	int slower = 0;
	pb_compare_opts_init(&o);
	o.metric = PB_METRIC_SPEEDUP;
	rng_state = 2024;
	for (int t = 0; t < 1000; t++) {
		struct pb_raw raw[2];
		struct pb_comparison c;
		char err[512];
		for (int side = 0; side < 2; side++) {
			snprintf(path[side], sizeof path[side], "%s/speedup-%d.csv", tmpdir, side);
			FILE *f = fopen(path[side], "w");
			assert_non_null(f);
			fprintf(f, "%s\n", RAW_HEADER);
			for (int r = 1; r <= 10; r++) {
				fprintf(f, "r%d,pi,1000000,,serial,1,64,1,static,none,%d,%.9f,0,0.1,0,1000,3.14,1,0\n", side, r,
					0.1 * exp(0.1 * rng_normal()));
				fprintf(f, "r%d,pi,1000000,,threads,2,64,1,static,none,%d,%.9f,0,0.1,0,1000,3.14,1,0-1\n", side, r,
					0.05 * exp(0.1 * rng_normal()));
			}
			fclose(f);
			assert_int_equal(pb_raw_read(path[side], &raw[side], err, sizeof err), 0);
		}
		assert_int_equal(pb_compare_raw(&raw[0], &raw[1], &o, &c, err, sizeof err), 0);
		slower += c.slower;
		pb_comparison_free(&c);
		pb_raw_free(&raw[0]);
		pb_raw_free(&raw[1]);
	}
	printf("# speedup, one case, 10 reps, 10%% noise, unchanged: slower in %.1f%% of 1000 trials\n", slower / 10.0);
	assert_true(slower / 1000.0 <= limit);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_false_alarms),
		cmocka_unit_test(test_power),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_options),
		cmocka_unit_test_setup_teardown(test_compare_runs, setup_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_speedup_independent, setup_dir, remove_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
