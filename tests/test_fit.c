/* test_fit.c: Amdahl and USL fits recover the parameters of synthetic pool-size sweeps (fit.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../harness/fit.h"

/* splitmix64: seeded, so every sweep's noise is the same on every machine. */
static uint64_t rng_state;
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
static double rng_unit(void) { return (double)(rng_next() >> 11) / 9007199254740992.0; }

/* Relative difference, with an absolute floor for parameters that are zero. */
static double rel(double got, double want)
{
	return want == 0 ? fabs(got) : fabs(got - want) / fabs(want);
}

/* A sweep: the model's times at workers[], each multiplied by 1 + noise * u, u uniform in [-1, 1]. */
static size_t sweep(double t1, double alpha, double beta, const int *workers, double noise, double *p, double *t)
{
	size_t n = 0;
	for (; workers[n]; n++) {
		p[n] = workers[n];
		t[n] = t1 * (1 + alpha * (p[n] - 1) + beta * p[n] * (p[n] - 1)) / p[n];
		t[n] *= 1 + noise * (2 * rng_unit() - 1);
	}
	return n;
}

static const int pow2_64[] = { 1, 2, 4, 8, 16, 32, 64, 0 };
static const int to48[] = { 1, 2, 4, 6, 8, 12, 16, 24, 32, 48, 0 };
static const int small[] = { 1, 2, 3, 4, 0 };

/* Whether fit f is within tol of (t1, alpha, beta) and of their p*, relatively. */
static int usl_close(const struct pb_fit *f, double t1, double alpha, double beta, double tol)
{
	double want_p = sqrt((1 - alpha) / beta);
	return rel(f->alpha, alpha) <= tol && rel(f->beta, beta) <= tol && rel(f->t1, t1) <= tol &&
	       rel(f->best_p, want_p) <= tol;
}

/* Noiseless sweeps: the USL gives its parameters back exactly (to rounding). */
static void test_usl_exact(void **state)
{
	(void)state;
	static const struct {
		double t1, alpha, beta;
		const int *workers;
	} cases[] = {
		{ 2.0, 0.05, 0.002, pow2_64 },
		{ 0.3, 0.02, 0.0005, to48 },
		{ 1.0, 0.10, 0.01, small },
		{ 0.01, 0.3, 0.05, small },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double p[64], t[64];
		struct pb_fit f;
		size_t n = sweep(cases[i].t1, cases[i].alpha, cases[i].beta, cases[i].workers, 0, p, t);
		assert_int_equal(pb_fit_scaling(PB_FIT_USL, p, t, n, &f), 0);
		if (!usl_close(&f, cases[i].t1, cases[i].alpha, cases[i].beta, 1e-9))
			print_error("case %zu: expected T1 %g alpha %g beta %g, got %g %g %g\n", i, cases[i].t1,
				    cases[i].alpha, cases[i].beta, f.t1, f.alpha, f.beta);
		assert_true(usl_close(&f, cases[i].t1, cases[i].alpha, cases[i].beta, 1e-9));
		assert_int_equal(f.npoints, (int)n);
		assert_true(f.r2 > 0.999999 && f.max_rel_err < 1e-9);
		/* the integer best is where the model is least, next to p* */
		assert_true(fabs(f.best_p_int - f.best_p) < 1);
		assert_true(pb_fit_time(&f, f.best_p_int) <= pb_fit_time(&f, f.best_p_int + 1));
		assert_true(pb_fit_time(&f, f.best_p_int) <= pb_fit_time(&f, f.best_p_int > 1 ? f.best_p_int - 1 : 1));
	}
}

/*
 * Noisy sweeps (each time off by up to +-noise, uniformly), 200 seeded
 * trials per case: alpha, beta, T1 and p* all within 5% of the truth in at
 * least min_share of the trials.  At +-0.5% that is every trial; at +-1% on
 * seven to ten worker counts it is about 97% (measured over 1000 seeds).
 */
static void test_usl_recovers_noisy(void **state)
{
	(void)state;
	static const struct {
		double t1, alpha, beta, noise;
		const int *workers;
		double min_share;
	} cases[] = {
		{ 2.0, 0.05, 0.002, 0.005, pow2_64, 1.0 },
		{ 0.3, 0.03, 0.0008, 0.005, to48, 1.0 },
		{ 5.0, 0.08, 0.004, 0.005, pow2_64, 1.0 },
		{ 2.0, 0.05, 0.002, 0.01, pow2_64, 0.95 },
		{ 2.0, 0.05, 0.002, 0.01, to48, 0.95 },
	};
	enum { TRIALS = 200 };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int good = 0;
		for (int trial = 0; trial < TRIALS; trial++) {
			double p[64], t[64];
			struct pb_fit f;
			rng_state = 1000 * i + (uint64_t)trial;
			size_t n = sweep(cases[i].t1, cases[i].alpha, cases[i].beta, cases[i].workers, cases[i].noise, p, t);
			assert_int_equal(pb_fit_scaling(PB_FIT_USL, p, t, n, &f), 0);
			good += usl_close(&f, cases[i].t1, cases[i].alpha, cases[i].beta, 0.05);
			assert_true(f.max_rel_err <= 2.5 * cases[i].noise);
		}
		if (good < cases[i].min_share * TRIALS)
			print_error("case %zu (alpha %g beta %g, noise %g): %d of %d trials within 5%%, expected %.0f%%\n",
				    i, cases[i].alpha, cases[i].beta, cases[i].noise, good, TRIALS, 100 * cases[i].min_share);
		assert_true(good >= cases[i].min_share * TRIALS);
	}
}

/* Amdahl recovers its serial fraction, and the USL on an Amdahl curve finds no coherency term. */
static void test_amdahl_recovers(void **state)
{
	(void)state;
	static const struct {
		double t1, sigma, noise;
		const int *workers;
		double tol;
	} cases[] = {
		{ 1.0, 0.1, 0, pow2_64, 1e-9 },
		{ 0.28, 0.02, 0, small, 1e-9 },
		{ 1.0, 0.1, 0.01, pow2_64, 0.05 },
		{ 3.0, 0.25, 0.01, to48, 0.05 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double p[64], t[64];
		struct pb_fit f, u;
		rng_state = 7 + i;
		size_t n = sweep(cases[i].t1, cases[i].sigma, 0, cases[i].workers, cases[i].noise, p, t);
		assert_int_equal(pb_fit_scaling(PB_FIT_AMDAHL, p, t, n, &f), 0);
		if (rel(f.alpha, cases[i].sigma) > cases[i].tol || rel(f.t1, cases[i].t1) > cases[i].tol)
			print_error("case %zu: expected T1 %g sigma %g, got %g %g\n", i, cases[i].t1, cases[i].sigma, f.t1,
				    f.alpha);
		assert_true(rel(f.alpha, cases[i].sigma) <= cases[i].tol);
		assert_true(rel(f.t1, cases[i].t1) <= cases[i].tol);
		assert_true(f.beta == 0);
		assert_true(isinf(f.best_p) && f.best_p_int == 0);
		if (cases[i].noise == 0) {
			assert_int_equal(pb_fit_scaling(PB_FIT_USL, p, t, n, &u), 0);
			assert_true(u.beta < 1e-9 && rel(u.alpha, cases[i].sigma) < 1e-6);
		}
	}
}

/* Limits: perfect scaling, no scaling at all, superlinear data (clipped to the model), bad input. */
static void test_edges(void **state)
{
	(void)state;
	double p[] = { 1, 2, 4, 8 }, t[4];
	struct pb_fit f;
	/* perfect: T = 1 / p */
	for (int i = 0; i < 4; i++)
		t[i] = 1 / p[i];
	assert_int_equal(pb_fit_scaling(PB_FIT_USL, p, t, 4, &f), 0);
	assert_true(f.alpha < 1e-12 && f.beta < 1e-12 && isinf(f.best_p));
	assert_true(fabs(f.t1 - 1) < 1e-12 && f.r2 > 0.999999);
	/* flat: workers do nothing; alpha = 1, the best is one worker */
	for (int i = 0; i < 4; i++)
		t[i] = 0.5;
	assert_int_equal(pb_fit_scaling(PB_FIT_USL, p, t, 4, &f), 0);
	assert_true(fabs(f.alpha - 1) < 1e-12 && f.beta < 1e-12);
	/* superlinear (T = 1 / p^1.2): the model cannot go below ideal, alpha and beta are 0, not negative */
	for (int i = 0; i < 4; i++)
		t[i] = pow(p[i], -1.2);
	assert_int_equal(pb_fit_scaling(PB_FIT_USL, p, t, 4, &f), 0);
	assert_true(f.alpha >= 0 && f.beta >= 0 && f.t1 > 0);
	assert_true(f.max_rel_err > 0.05); /* and says it does not fit */
	/* slower with every worker: the best is 1 */
	for (int i = 0; i < 4; i++)
		t[i] = 1 + 0.3 * (p[i] - 1);
	assert_int_equal(pb_fit_scaling(PB_FIT_USL, p, t, 4, &f), 0);
	assert_int_equal(f.best_p_int, 1);
	/* too few distinct worker counts: 3 for Amdahl, 4 for the USL; repeated counts count once */
	double pr[] = { 1, 2, 2, 4 }, tr[] = { 1, 0.55, 0.5, 0.3 };
	assert_int_equal(pb_fit_scaling(PB_FIT_USL, pr, tr, 4, &f), -1);
	assert_int_equal(pb_fit_scaling(PB_FIT_AMDAHL, pr, tr, 4, &f), 0);
	assert_int_equal(f.npoints, 3);
	assert_int_equal(pb_fit_scaling(PB_FIT_AMDAHL, pr, tr, 2, &f), -1);
	/* bad values */
	double bad_t[] = { 1, 0.5, 0, 0.3 }, bad_p[] = { 1, 2, 0.5, 8 };
	assert_int_equal(pb_fit_scaling(PB_FIT_USL, p, bad_t, 4, &f), -1);
	assert_int_equal(pb_fit_scaling(PB_FIT_USL, bad_p, t, 4, &f), -1);
	t[1] = NAN;
	assert_int_equal(pb_fit_scaling(PB_FIT_AMDAHL, p, t, 4, &f), -1);
	assert_string_equal(pb_fit_model_name(PB_FIT_USL), "USL");
	assert_string_equal(pb_fit_model_name(PB_FIT_AMDAHL), "Amdahl");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usl_exact),
		cmocka_unit_test(test_usl_recovers_noisy),
		cmocka_unit_test(test_amdahl_recovers),
		cmocka_unit_test(test_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
