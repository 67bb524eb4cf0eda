/* stats.h: robust statistics of repetitions and the tests compare uses. */
#ifndef PB_STATS_H
#define PB_STATS_H

#include <stddef.h>

struct pb_stats {
	size_t n;
	double median, min, max, mean, stddev; /* stddev: sample (n - 1) */
	double ci_lo, ci_hi;  /* 95% CI of the median (order statistics; see stats.c) */
	int ci_exact;         /* 1 if the CI's coverage is >= 95% from order statistics; 0 if n too small (CI = [min, max]) */
	int outliers;         /* |modified z| > 3.5, z = 0.6745 (x - median) / MAD */
	double mad;           /* median absolute deviation */
};

/* Statistics of x[0..n) (x is not modified).  n >= 1. */
void pb_stats_compute(const double *x, size_t n, struct pb_stats *st);

/* Median of x[0..n) (n >= 1; x is not modified). */
double pb_median(const double *x, size_t n);

/* Two-sided Mann-Whitney U p-value: exact for small samples without ties, else normal approximation with tie correction. */
double pb_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb);

/*
 * The one-sided Mann-Whitney p-values of the same test: *p_a_larger for
 * "a tends to be larger than b", *p_b_larger for the reverse.  The
 * two-sided p is min(1, 2 min of the two).
 */
void pb_mann_whitney_tails(const double *a, size_t na, const double *b, size_t nb, double *p_a_larger,
			   double *p_b_larger);

/*
 * Holm's step-down adjustment of m p-values p[0..m) into adj[0..m) (adj may
 * not alias p): rejecting where adj < alpha controls the family-wise error
 * rate at alpha under any dependence.  0, or -1 if out of memory.
 */
int pb_holm(const double *p, size_t m, double *adj);

/*
 * Rank j (1-based) of the lower end of the distribution-free confidence
 * interval (x_(j), x_(n-j+1)) of the median of n values: the largest j whose
 * coverage 1 - 2 P(Bin(n, 1/2) < j) is >= conf.  0 if no pair reaches conf
 * (n < 6 for conf = 0.95).
 */
size_t pb_median_ci_rank(size_t n, double conf);

/*
 * Hodges-Lehmann estimate of the shift b - a: the median of the na * nb
 * differences b[j] - a[i], with its distribution-free (Moses) confidence
 * interval [D_(k), D_(na nb - k + 1)] at level conf, k from the null
 * distribution of the Mann-Whitney U (exact when na * nb <= PB_MW_EXACT_MAX,
 * else normal).  Returns 1 if the interval reaches conf, 0 if the samples are
 * too small (the interval is then [min D, max D]).  -1 if out of memory
 * (est, lo, hi untouched).  na, nb >= 1.
 */
int pb_hodges_lehmann(const double *a, size_t na, const double *b, size_t nb, double conf, double *est,
		      double *lo, double *hi);

/* Exact Mann-Whitney distributions are used up to na * nb <= this. */
#define PB_MW_EXACT_MAX 2500

/* Upper-tail probability of the standard normal distribution, P(Z > z). */
double pb_normal_sf(double z);

/* Quantile of the standard normal distribution: z with P(Z <= z) = p, 0 < p < 1. */
double pb_normal_quantile(double p);

#endif
