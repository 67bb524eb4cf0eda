/* stats.c: medians, order-statistic confidence intervals, MAD outliers, Mann-Whitney and Hodges-Lehmann. */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;
	return (a > b) - (a < b);
}

/* Median of an already sorted array. */
static double sorted_median(const double *s, size_t n)
{
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* The k-th smallest (0-based) of x without a copy, in O(n^2): the fallback when out of memory. */
static double kth_unsorted(const double *x, size_t n, size_t k)
{
	for (size_t i = 0; i < n; i++) {
		size_t lt = 0, le = 0;
		for (size_t j = 0; j < n; j++) {
			lt += x[j] < x[i];
			le += x[j] <= x[i];
		}
		if (lt <= k && k < le)
			return x[i];
	}
	return x[0]; /* unreachable for a NaN-free x */
}

double pb_median(const double *x, size_t n)
{
	double small[64];
	double *s = n <= 64 ? small : malloc(n * sizeof *s);
	double m;
	if (!s)
		return n % 2 ? kth_unsorted(x, n, n / 2) : (kth_unsorted(x, n, n / 2 - 1) + kth_unsorted(x, n, n / 2)) / 2;
	memcpy(s, x, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_double);
	m = sorted_median(s, n);
	if (s != small)
		free(s);
	return m;
}

/* log P(Bin(n, 1/2) = k), through lgamma so that large n does not underflow 2^-n. */
static double log_binom_half(size_t n, size_t k)
{
	return lgamma((double)n + 1) - lgamma((double)k + 1) - lgamma((double)(n - k) + 1) - (double)n * M_LN2;
}

/*
 * Distribution-free CI of the median from order statistics (e.g. Conover,
 * Practical Nonparametric Statistics, 3rd ed., 3.2; Hahn & Meeker 1991): the
 * number of values below the median is Bin(n, 1/2), so (x_(j), x_(n-j+1))
 * covers the median with probability 1 - 2 P(Bin(n, 1/2) < j).  The CDF at
 * p = 1/2 is k/2^n, never exactly the boundary (1 - conf)/2 for conf = 0.95.
 */
size_t pb_median_ci_rank(size_t n, double conf)
{
	double tail = (1 - conf) / 2, cdf = 0;
	size_t j = 0;
	for (size_t k = 0; k < (n + 1) / 2; k++) {
		cdf += exp(log_binom_half(n, k)); /* cdf = P(Bin < k + 1) */
		if (cdf > tail * (1 + 1e-12))
			break;
		j = k + 1;
	}
	return j;
}

/*
 * Modified z-score of Iglewicz and Hoaglin (1993), as hyperfine flags
 * outliers: M = 0.6745 (x - median) / MAD, outlier if |M| > 3.5.  When the
 * MAD is 0 (more than half the values equal the median, as with a coarse
 * timer) the MAD-based score is undefined; we then use the mean absolute
 * deviation from the median, M = (x - median) / (1.253314 MeanAD) (the
 * fallback IBM SPSS documents for the same score); if that is 0 too, every
 * value equals the median and there is no outlier.
 */
static int count_outliers(const double *x, size_t n, double median, double mad)
{
	double scale;
	int count = 0;
	if (mad > 0) {
		scale = mad / 0.6745;
	} else {
		double sum = 0;
		for (size_t i = 0; i < n; i++)
			sum += fabs(x[i] - median);
		scale = 1.253314 * (sum / (double)n);
		if (scale <= 0)
			return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (fabs(x[i] - median) / scale > 3.5)
			count++;
	return count;
}

void pb_stats_compute(const double *x, size_t n, struct pb_stats *st)
{
	memset(st, 0, sizeof *st);
	st->n = n;
	if (n == 0)
		return;
	double *s = malloc(2 * n * sizeof *s);
	double mean = 0, m2 = 0;
	/* Welford's one-pass mean and variance (Knuth, TAOCP vol. 2, 4.2.2). */
	for (size_t i = 0; i < n; i++) {
		double d = x[i] - mean;
		mean += d / (double)(i + 1);
		m2 += d * (x[i] - mean);
	}
	st->mean = mean;
	st->stddev = n > 1 ? sqrt(m2 / (double)(n - 1)) : 0;
	if (!s) {
		/* Out of memory: the median and extremes still, without a CI or MAD. */
		st->median = pb_median(x, n);
		st->min = kth_unsorted(x, n, 0);
		st->max = kth_unsorted(x, n, n - 1);
		st->ci_lo = st->min;
		st->ci_hi = st->max;
		return;
	}
	double *dev = s + n;
	memcpy(s, x, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_double);
	st->min = s[0];
	st->max = s[n - 1];
	st->median = sorted_median(s, n);
	size_t j = pb_median_ci_rank(n, 0.95);
	if (j > 0) {
		st->ci_lo = s[j - 1];
		st->ci_hi = s[n - j];
		st->ci_exact = 1;
	} else {
		st->ci_lo = st->min;
		st->ci_hi = st->max;
	}
	for (size_t i = 0; i < n; i++)
		dev[i] = fabs(x[i] - st->median);
	qsort(dev, n, sizeof *dev, cmp_double);
	st->mad = sorted_median(dev, n);
	st->outliers = count_outliers(x, n, st->median, st->mad);
	free(s);
}

double pb_normal_sf(double z)
{
	return 0.5 * erfc(z / M_SQRT2);
}

double pb_normal_quantile(double p)
{
	/* Bisection on the CDF: 200 halvings of [-40, 40] reach double precision. */
	double lo = -40, hi = 40;
	for (int i = 0; i < 200 && hi - lo > 1e-15; i++) {
		double mid = (lo + hi) / 2;
		if (1 - pb_normal_sf(mid) < p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

/*
 * Null distribution of the Mann-Whitney U for samples of m and n: counts of
 * the C(m+n, m) equally likely arrangements giving U = 0 .. m n, by the
 * recurrence of Mann and Whitney (1947): f(m, n, u) = f(m-1, n, u-n) + f(m, n-1, u)
 * (the largest value belongs to the first sample and exceeds all n of the
 * second, or to the second).  Only additions, so the counts (up to C(m+n, m))
 * keep their relative precision in doubles.  Returns a malloc'ed array of
 * m n + 1 counts, or NULL if out of memory.
 */
static double *mw_counts(size_t m, size_t n)
{
	if (n > m) { /* the distribution is symmetric in (m, n); keep the narrow dimension small */
		size_t t = m;
		m = n;
		n = t;
	}
	size_t width = m * n + 1;
	double *f = malloc((n + 1) * width * sizeof *f); /* f[k * width + u]: counts for (mm, k), u <= mm k */
	double *g = malloc((n + 1) * width * sizeof *g);
	double *out = NULL;
	if (!f || !g)
		goto done;
	for (size_t k = 0; k <= n; k++)
		f[k * width] = 1; /* mm = 0: U = 0 in one way */
	for (size_t mm = 1; mm <= m; mm++) {
		g[0] = 1; /* k = 0: U = 0 */
		for (size_t k = 1; k <= n; k++) {
			/* only u <= mm k is ever read; f(mm, k-1, .) is zero beyond mm (k-1), f(mm-1, k, .) beyond (mm-1) k */
			size_t top = mm * k, top_prev_k = mm * (k - 1), top_prev_m = (mm - 1) * k;
			for (size_t u = 0; u <= top; u++) {
				double c = u <= top_prev_k ? g[(k - 1) * width + u] : 0;
				if (u >= k && u - k <= top_prev_m)
					c += f[k * width + u - k];
				g[k * width + u] = c;
			}
		}
		double *t = f;
		f = g;
		g = t;
	}
	out = malloc(width * sizeof *out);
	if (out)
		memcpy(out, f + n * width, width * sizeof *out);
done:
	free(f);
	free(g);
	return out;
}

/*
 * mw_counts through a small cache: compare asks for the same (m, n) for
 * every case, up to four times each (two tails, the CI), and a 20 x 20
 * table costs about 10^5 additions.  The cache keeps the last few tables;
 * they are never freed (still reachable at exit) and the cache is not
 * thread-safe: parbench computes statistics on one thread.
 */
static const double *mw_counts_cached(size_t m, size_t n)
{
	enum { SLOTS = 8 };
	static struct {
		size_t m, n;
		double *c;
	} cache[SLOTS];
	static unsigned next;
	if (n > m) { /* symmetric: one entry for (m, n) and (n, m) */
		size_t t = m;
		m = n;
		n = t;
	}
	for (unsigned i = 0; i < SLOTS; i++)
		if (cache[i].c && cache[i].m == m && cache[i].n == n)
			return cache[i].c;
	double *c = mw_counts(m, n);
	if (!c)
		return NULL;
	unsigned slot = next++ % SLOTS;
	free(cache[slot].c);
	cache[slot].m = m;
	cache[slot].n = n;
	cache[slot].c = c;
	return c;
}

/* Mid-ranks of the pooled sample; returns the rank sum of a and the tie term sum(t^3 - t). */
struct mw_ranks {
	double u;     /* U of a: pairs with a > b, ties counted 1/2 */
	double ties;  /* sum over tie groups of t^3 - t */
	int any_ties;
};

struct tagged {
	double v;
	int from_a;
};

static int cmp_tagged(const void *pa, const void *pb)
{
	return cmp_double(&((const struct tagged *)pa)->v, &((const struct tagged *)pb)->v);
}

static int mw_ranks(const double *a, size_t na, const double *b, size_t nb, struct mw_ranks *r)
{
	size_t n = na + nb;
	struct tagged *t = malloc(n * sizeof *t);
	if (!t)
		return -1;
	for (size_t i = 0; i < na; i++)
		t[i] = (struct tagged){ a[i], 1 };
	for (size_t i = 0; i < nb; i++)
		t[na + i] = (struct tagged){ b[i], 0 };
	qsort(t, n, sizeof *t, cmp_tagged);
	double rank_sum = 0;
	memset(r, 0, sizeof *r);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && t[j].v == t[i].v)
			j++;
		double mid = (double)(i + 1 + j) / 2, tt = (double)(j - i);
		for (size_t k = i; k < j; k++)
			if (t[k].from_a)
				rank_sum += mid;
		if (j - i > 1) {
			r->ties += tt * tt * tt - tt;
			r->any_ties = 1;
		}
		i = j;
	}
	free(t);
	r->u = rank_sum - (double)na * (double)(na + 1) / 2;
	return 0;
}

/*
 * Mann-Whitney U test (Mann and Whitney 1947), computed as R's wilcox.test
 * does: without ties and with na * nb <= PB_MW_EXACT_MAX, the exact tails
 * P(U <= u) and P(U >= u) from the null distribution; otherwise the normal
 * approximation with the tie-corrected variance
 * sigma^2 = na nb / 12 ((N + 1) - sum(t^3 - t) / (N (N - 1))) and a
 * continuity correction of 1/2 towards the mean.  U is a's: the pairs with
 * a > b (ties 1/2), so a small P(U >= u) says a tends to be larger.  All
 * values tied: both tails 1.
 */
void pb_mann_whitney_tails(const double *a, size_t na, const double *b, size_t nb, double *p_a_larger,
			   double *p_b_larger)
{
	struct mw_ranks r;
	*p_a_larger = *p_b_larger = 1;
	if (na == 0 || nb == 0 || mw_ranks(a, na, b, nb, &r) != 0)
		return;
	double mn = (double)na * (double)nb;
	if (!r.any_ties && na * nb <= PB_MW_EXACT_MAX) {
		const double *c = mw_counts_cached(na, nb);
		if (c) {
			size_t u = (size_t)r.u, width = na * nb + 1;
			double le = 0, ge = 0, total = 0;
			for (size_t k = 0; k < width; k++) {
				total += c[k];
				if (k <= u)
					le += c[k];
				if (k >= u)
					ge += c[k];
			}
			*p_a_larger = fmin(1, ge / total);
			*p_b_larger = fmin(1, le / total);
			return;
		}
	}
	double N = (double)(na + nb);
	double var = mn / 12 * ((N + 1) - r.ties / (N * (N - 1)));
	if (var <= 0)
		return;
	double d = r.u - mn / 2, sd = sqrt(var);
	*p_a_larger = fmin(1, pb_normal_sf((d - 0.5) / sd));
	*p_b_larger = fmin(1, pb_normal_sf((-d - 0.5) / sd));
}

double pb_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb)
{
	double pa, pb;
	pb_mann_whitney_tails(a, na, b, nb, &pa, &pb);
	double p = 2 * fmin(pa, pb);
	return p < 1 ? p : 1;
}

/*
 * Holm (1979): with p sorted ascending, p_(1) <= ... <= p_(m), the adjusted
 * p_(i) is max over j <= i of min(1, (m - j + 1) p_(j)); rejecting every
 * hypothesis whose adjusted p is below alpha keeps the probability of any
 * false rejection at most alpha, whatever the dependence between the tests.
 */
int pb_holm(const double *p, size_t m, double *adj)
{
	size_t *ord = malloc((m ? m : 1) * sizeof *ord);
	if (!ord)
		return -1;
	for (size_t i = 0; i < m; i++)
		ord[i] = i;
	/* insertion sort by p, stable: m is the number of cases, tens */
	for (size_t i = 1; i < m; i++) {
		size_t k = ord[i], j = i;
		while (j > 0 && p[ord[j - 1]] > p[k]) {
			ord[j] = ord[j - 1];
			j--;
		}
		ord[j] = k;
	}
	double run = 0;
	for (size_t i = 0; i < m; i++) {
		double v = (double)(m - i) * p[ord[i]];
		if (v > 1)
			v = 1;
		if (v > run)
			run = v;
		adj[ord[i]] = run;
	}
	free(ord);
	return 0;
}

/*
 * Hodges and Lehmann (1963) shift estimate with the distribution-free
 * interval of Moses (Hollander and Wolfe, Nonparametric Statistical Methods,
 * 4.3): with D_(1) <= ... <= D_(mn) the sorted differences b[j] - a[i],
 * [D_(k), D_(mn-k+1)] covers the shift with probability 1 - 2 P(U <= k - 1),
 * U under the null; k is the largest index keeping that >= conf.  The
 * normal version takes k = floor(mn/2 + 1/2 - z sigma), sigma^2 = mn (N + 1) / 12.
 */
int pb_hodges_lehmann(const double *a, size_t na, const double *b, size_t nb, double conf, double *est,
		      double *lo, double *hi)
{
	size_t mn = na * nb, k = 0;
	double *d = malloc(mn * sizeof *d);
	if (!d)
		return -1;
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			d[i * nb + j] = b[j] - a[i];
	qsort(d, mn, sizeof *d, cmp_double);
	double tail = (1 - conf) / 2;
	const double *c = NULL;
	if (mn <= PB_MW_EXACT_MAX && (c = mw_counts_cached(na, nb)) != NULL) {
		double total = 0, cdf = 0;
		for (size_t u = 0; u <= mn; u++)
			total += c[u];
		/* P(U <= k - 1) <= tail: k - 1 runs over u while the CDF stays within the tail. */
		for (size_t u = 0; u <= mn / 2; u++) {
			cdf += c[u];
			if (cdf / total > tail * (1 + 1e-12))
				break;
			k = u + 1;
		}
	} else {
		double N = (double)(na + nb);
		double kk = floor((double)mn / 2 + 0.5 - pb_normal_quantile(1 - tail) * sqrt((double)mn * (N + 1) / 12));
		k = kk >= 1 ? (size_t)kk : 0;
	}
	*est = sorted_median(d, mn);
	if (k >= 1) {
		*lo = d[k - 1];
		*hi = d[mn - k];
	} else {
		*lo = d[0];
		*hi = d[mn - 1];
	}
	free(d);
	return k >= 1;
}
