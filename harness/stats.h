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

#endif
