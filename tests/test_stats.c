/* test_stats.c: the statistics against known answers and independent brute-force computations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/stats.h"

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

/* splitmix64: a small seeded generator, so every test is deterministic. */
static uint64_t rng_state;
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
static double rng_unit(void) { return (double)(rng_next() >> 11) / 9007199254740992.0; }

static void shuffle(double *x, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = rng_next() % i;
		double t = x[i - 1];
		x[i - 1] = x[j];
		x[j] = t;
	}
}

static void test_median(void **state)
{
	static const struct { size_t n; double x[8]; double median; } cases[] = {
		{ 1, { 3 }, 3 },
		{ 2, { 4, 1 }, 2.5 },
		{ 3, { 9, 1, 5 }, 5 },
		{ 4, { 7, 1, 3, 100 }, 5 },
		{ 5, { 2, 2, 2, 1, 3 }, 2 },
		{ 8, { 8, 7, 6, 5, 4, 3, 2, 1 }, 4.5 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double got = pb_median(cases[i].x, cases[i].n);
		struct pb_stats st;
		pb_stats_compute(cases[i].x, cases[i].n, &st);
		if (got != cases[i].median || st.median != cases[i].median)
			print_error("case %zu: expected %g, got %g and %g\n", i, cases[i].median, got, st.median);
		assert_true(got == cases[i].median && st.median == cases[i].median);
	}
	/* large n (the heap path), unsorted input left untouched */
	double big[1001];
	for (size_t i = 0; i < 1001; i++)
		big[i] = (double)i;
	rng_state = 1;
	shuffle(big, 1001);
	double first = big[0];
	assert_true(pb_median(big, 1001) == 500);
	assert_true(pb_median(big, 1000) == pb_median(big, 1000)); /* deterministic */
	assert_true(big[0] == first);
}

static void test_moments(void **state)
{
	const double x[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	struct pb_stats st;
	pb_stats_compute(x, 8, &st);
	assert_int_equal(st.n, 8);
	NEAR(st.mean, 5, 1e-12);
	NEAR(st.stddev, 2.138089935299395, 1e-12); /* sqrt(32 / 7); python3 statistics.stdev */
	assert_true(st.min == 2 && st.max == 9);
	NEAR(st.median, 4.5, 0);
	NEAR(st.mad, 0.5, 0); /* |x - 4.5| = 2.5 .5 .5 .5 .5 .5 2.5 4.5 */
	pb_stats_compute(x, 1, &st);
	assert_true(st.stddev == 0 && st.median == 2 && st.ci_exact == 0 && st.ci_lo == 2 && st.ci_hi == 2);
}

/* Coverage 1 - 2 P(Bin(n, 1/2) < j), computed here by the exact recurrence C(n, k+1) = C(n, k) (n - k) / (k + 1). */
static double coverage(size_t n, size_t j)
{
	long double term = 1, below = 0, total = powl(2, (long double)n);
	for (size_t k = 0; k < j; k++) {
		below += term;
		term = term * (long double)(n - k) / (long double)(k + 1);
	}
	return (double)(1 - 2 * below / total);
}

static void test_median_ci(void **state)
{
	static const struct { size_t n, j; } known[] = {
		/* Conover's table A3 / the usual tables: n = 6 -> (1, 6), 9 -> (2, 8), 20 -> (6, 15), 100 -> (40, 61) */
		{ 6, 1 }, { 9, 2 }, { 20, 6 }, { 100, 40 },
	};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		size_t n = known[i].n, j = pb_median_ci_rank(n, 0.95);
		if (j != known[i].j)
			print_error("n = %zu: expected j = %zu, got %zu\n", n, known[i].j, j);
		assert_int_equal(j, known[i].j);
		/* the largest j with coverage >= 95% */
		assert_true(coverage(n, j) >= 0.95);
		assert_true(coverage(n, j + 1) < 0.95);
		/* on the sample 1..n, shuffled, the CI is (x_(j), x_(n-j+1)) */
		double x[100];
		for (size_t k = 0; k < n; k++)
			x[k] = (double)(k + 1);
		rng_state = n;
		shuffle(x, n);
		struct pb_stats st;
		pb_stats_compute(x, n, &st);
		assert_int_equal(st.ci_exact, 1);
		assert_true(st.ci_lo == (double)j && st.ci_hi == (double)(n - j + 1));
	}
	/* every n from 6 to 300: largest j with coverage >= 95% */
	for (size_t n = 6; n <= 300; n++) {
		size_t j = pb_median_ci_rank(n, 0.95);
		assert_true(j >= 1 && coverage(n, j) >= 0.95 && coverage(n, j + 1) < 0.95);
	}
	/* n < 6: no pair of order statistics reaches 95%; [min, max], not exact */
	for (size_t n = 1; n < 6; n++) {
		assert_int_equal(pb_median_ci_rank(n, 0.95), 0);
		assert_true(coverage(n, 1) < 0.95);
		const double x[] = { 5, 3, 9, 1, 7 };
		struct pb_stats st;
		pb_stats_compute(x, n, &st);
		assert_int_equal(st.ci_exact, 0);
		assert_true(st.ci_lo == st.min && st.ci_hi == st.max);
	}
	/* large n does not underflow: about n/2 - 0.98 sqrt(n) */
	size_t j = pb_median_ci_rank(100000, 0.95);
	assert_true(j > 49600 && j < 49700);
}

static void test_outliers(void **state)
{
	const double planted[] = { 10.0, 10.1, 9.9, 10.2, 9.8, 10.0, 10.1, 15.0, 9.95 };
	const double clean[] = { 10.0, 10.1, 9.9, 10.2, 9.8, 10.0, 10.1, 10.3, 9.95 };
	const double mad0[] = { 1, 1, 1, 1, 1, 1, 2 };   /* MAD = 0: mean-absolute-deviation fallback */
	const double mad0_close[] = { 1, 1, 1, 1, 1.1, 1.2, 1.3 }; /* MAD = 0, MeanAD 0.086: |M| <= 2.8 */
	const double equal[] = { 4, 4, 4, 4 };
	struct pb_stats st;
	pb_stats_compute(planted, 9, &st);
	assert_int_equal(st.outliers, 1);
	NEAR(st.mad, 0.1, 1e-12);
	pb_stats_compute(clean, 9, &st);
	assert_int_equal(st.outliers, 0);
	pb_stats_compute(mad0, 7, &st);
	assert_true(st.mad == 0);
	assert_int_equal(st.outliers, 1); /* 1 / (1.253314 / 7) = 5.6 > 3.5 */
	pb_stats_compute(mad0_close, 7, &st);
	assert_true(st.mad == 0);
	assert_int_equal(st.outliers, 0);
	pb_stats_compute(equal, 4, &st);
	assert_int_equal(st.outliers, 0);
}

/* Two-sided exact p by enumerating every placement of the first sample's ranks (no ties). */
static double brute_p(const double *a, size_t na, const double *b, size_t nb)
{
	double u = 0;
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			u += a[i] > b[j];
	size_t n = na + nb;
	double le = 0, ge = 0, total = 0;
	for (uint32_t mask = 0; mask < (1u << n); mask++) {
		if ((size_t)__builtin_popcount(mask) != na)
			continue;
		/* a holds ranks {k : bit k set}; U = sum of (rank - 1) - na (na - 1) / 2 */
		double s = 0;
		for (size_t k = 0; k < n; k++)
			if (mask >> k & 1)
				s += (double)k;
		double uu = s - (double)na * (double)(na - 1) / 2;
		total++;
		le += uu <= u;
		ge += uu >= u;
	}
	double p = 2 * fmin(le, ge) / total;
	return p < 1 ? p : 1;
}

static void test_mann_whitney_exact(void **state)
{
	rng_state = 42;
	for (int trial = 0; trial < 300; trial++) {
		size_t na = 1 + rng_next() % 8, nb = 1 + rng_next() % 8;
		double a[8], b[8];
		double shift = (double)(trial % 5) * 0.3;
		for (size_t i = 0; i < na; i++)
			a[i] = rng_unit();
		for (size_t i = 0; i < nb; i++)
			b[i] = rng_unit() + shift;
		double want = brute_p(a, na, b, nb), got = pb_mann_whitney_p(a, na, b, nb);
		if (fabs(want - got) > 1e-12)
			print_error("na %zu nb %zu: brute force %.15g, got %.15g\n", na, nb, want, got);
		NEAR(got, want, 1e-12);
		NEAR(pb_mann_whitney_p(b, nb, a, na), want, 1e-12); /* symmetric */
	}
	/* R: wilcox.test(x, y) on the ?wilcox.test example gives W = 35; two-sided exact p = 0.2544
	 * (R's printed one-sided "greater" p is 0.1272); python enumeration: 0.2544122544 */
	const double x[] = { 0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46 };
	const double y[] = { 1.15, 0.88, 0.90, 0.74, 1.21 };
	NEAR(pb_mann_whitney_p(x, 10, y, 5), 0.2544122544122544, 1e-12);
	/* the smallest two-sided exact p for 5 vs 5: 2 / C(10, 5) */
	const double lo5[] = { 1, 2, 3, 4, 5 }, hi5[] = { 6, 7, 8, 9, 10 };
	NEAR(pb_mann_whitney_p(lo5, 5, hi5, 5), 2.0 / 252, 1e-15);
	NEAR(pb_mann_whitney_p(lo5, 5, lo5, 5), 1, 0);

	/* the one-sided tails: R's wilcox.test(x, y, alternative = "greater") p = 0.1272 (enumeration:
	 * 0.1272061272061272), and the two-sided p is twice the smaller tail */
	double pa, pb;
	pb_mann_whitney_tails(x, 10, y, 5, &pa, &pb);
	NEAR(pa, 0.1272061272061272, 1e-12);
	assert_true(pb > 0.5);
	pb_mann_whitney_tails(lo5, 5, hi5, 5, &pa, &pb);
	NEAR(pb, 1.0 / 252, 1e-15); /* hi5 larger: the one extreme arrangement */
	NEAR(pa, 1, 0);
	/* with ties (normal approximation) the tails still make the two-sided p */
	const double tx[] = { 1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30 };
	const double ty[] = { 0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29 };
	pb_mann_whitney_tails(tx, 9, ty, 9, &pa, &pb);
	NEAR(2 * fmin(pa, pb), 0.13291945818531886, 1e-12);
	assert_true(pa < pb); /* tx tends to be larger */
}

static void test_mann_whitney_normal(void **state)
{
	/* With ties (y has 1.06 and 1.29 twice) R uses the normal approximation with tie and
	 * continuity correction: wilcox.test(x, y) gives W = 58, p-value = 0.1329 (and warns it
	 * cannot compute an exact p); independent python: 0.13291945818531886 */
	const double x[] = { 1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30 };
	const double y[] = { 0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29 };
	NEAR(pb_mann_whitney_p(x, 9, y, 9), 0.13291945818531886, 1e-12);
	/* beyond the exact bound (60 x 55 > 2500): normal; python: 0.0908599686002869 */
	double a[60], b[55];
	for (int i = 0; i < 60; i++)
		a[i] = 1 + 0.37 * i;
	for (int i = 0; i < 55; i++)
		b[i] = 3 + 0.41 * i;
	NEAR(pb_mann_whitney_p(a, 60, b, 55), 0.0908599686002869, 1e-12);
	/* many ties (40 x 45 = 1800 <= bound, but tied): python: 0.1605943181742028 */
	double a2[40], b2[45];
	for (int i = 0; i < 40; i++)
		a2[i] = i % 7;
	for (int i = 0; i < 45; i++)
		b2[i] = i % 5 + 0.5 * (i % 2);
	NEAR(pb_mann_whitney_p(a2, 40, b2, 45), 0.1605943181742028, 1e-12);
	/* all values tied: no evidence */
	const double same[] = { 2, 2, 2 };
	assert_true(pb_mann_whitney_p(same, 3, same, 3) == 1);
}

static void test_normal(void **state)
{
	NEAR(pb_normal_sf(0), 0.5, 1e-15);
	NEAR(pb_normal_sf(1.959963984540054), 0.025, 1e-12);
	NEAR(pb_normal_quantile(0.975), 1.959963984540054, 1e-9);
	NEAR(pb_normal_quantile(0.5), 0, 1e-12);
	NEAR(pb_normal_quantile(0.01), -2.326347874040841, 1e-9);
}

static void test_hodges_lehmann(void **state)
{
	/* a sample against itself: shift 0; against itself shifted by 0.25: shift 0.25 */
	const double a[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	double b[9], est, lo, hi;
	for (int i = 0; i < 9; i++)
		b[i] = a[i] + 0.25;
	assert_int_equal(pb_hodges_lehmann(a, 9, a, 9, 0.95, &est, &lo, &hi), 1);
	assert_true(est == 0 && lo < 0 && hi > 0);
	assert_int_equal(pb_hodges_lehmann(a, 9, b, 9, 0.95, &est, &lo, &hi), 1);
	assert_true(est == 0.25 && lo < 0.25 && hi > 0.25);
	/* the interval against the brute-force null distribution of U and the sorted differences */
	rng_state = 7;
	for (int trial = 0; trial < 50; trial++) {
		size_t na = 3 + rng_next() % 8, nb = 3 + rng_next() % 8;
		double x[10], y[10], d[100];
		for (size_t i = 0; i < na; i++)
			x[i] = rng_unit();
		for (size_t i = 0; i < nb; i++)
			y[i] = rng_unit() + 0.2;
		size_t mn = 0;
		for (size_t i = 0; i < na; i++)
			for (size_t j = 0; j < nb; j++)
				d[mn++] = y[j] - x[i];
		for (size_t i = 1; i < mn; i++) /* insertion sort */
			for (size_t j = i; j > 0 && d[j - 1] > d[j]; j--) {
				double t = d[j];
				d[j] = d[j - 1];
				d[j - 1] = t;
			}
		/* null distribution of U by enumeration */
		double cnt[101] = { 0 }, total = 0;
		size_t n = na + nb;
		for (uint32_t mask = 0; mask < (1u << n); mask++) {
			if ((size_t)__builtin_popcount(mask) != na)
				continue;
			size_t s = 0;
			for (size_t k = 0; k < n; k++)
				if (mask >> k & 1)
					s += k;
			cnt[s - na * (na - 1) / 2]++;
			total++;
		}
		size_t k = 0;
		double cdf = 0;
		for (size_t u = 0; u <= mn; u++) {
			cdf += cnt[u];
			if (2 * cdf / total > 0.05)
				break;
			k = u + 1;
		}
		int exact = pb_hodges_lehmann(x, na, y, nb, 0.95, &est, &lo, &hi);
		assert_int_equal(exact, k >= 1);
		if (k >= 1)
			assert_true(lo == d[k - 1] && hi == d[mn - k]);
		else
			assert_true(lo == d[0] && hi == d[mn - 1]);
		double med = mn % 2 ? d[mn / 2] : (d[mn / 2 - 1] + d[mn / 2]) / 2;
		assert_true(est == med);
	}
	/* large samples (normal k): 60 vs 60 differences of a shifted grid cover the shift */
	double big_a[60], big_b[60];
	for (int i = 0; i < 60; i++) {
		big_a[i] = i;
		big_b[i] = i + 10.5;
	}
	assert_int_equal(pb_hodges_lehmann(big_a, 60, big_b, 60, 0.95, &est, &lo, &hi), 1);
	assert_true(est == 10.5 && lo < 10.5 && hi > 10.5 && lo > 0 && hi < 21);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_median),
		cmocka_unit_test(test_moments),
		cmocka_unit_test(test_median_ci),
		cmocka_unit_test(test_outliers),
		cmocka_unit_test(test_mann_whitney_exact),
		cmocka_unit_test(test_mann_whitney_normal),
		cmocka_unit_test(test_normal),
		cmocka_unit_test(test_hodges_lehmann),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
