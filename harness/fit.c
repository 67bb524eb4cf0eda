/* fit.c: Amdahl and USL fitted to a pool-size sweep by non-negative weighted least squares (see fit.h). */
#include "fit.h"

#include <math.h>
#include <string.h>

#define NB 3 /* basis functions: 1/p, 1, p - 1 */

static double basis(int k, double p)
{
	return k == 0 ? 1.0 / p : k == 1 ? 1.0 : p - 1.0;
}

/*
 * Solve the k x k system m x = v in place (Gaussian elimination, partial
 * pivoting).  0, or -1 if it is singular for practical purposes.
 */
static int solve(double m[NB][NB], double v[NB], int k, double x[NB])
{
	for (int c = 0; c < k; c++) {
		int piv = c;
		for (int r = c + 1; r < k; r++)
			if (fabs(m[r][c]) > fabs(m[piv][c]))
				piv = r;
		if (!(fabs(m[piv][c]) > 1e-300))
			return -1;
		if (piv != c) {
			for (int j = 0; j < k; j++) {
				double t = m[c][j];
				m[c][j] = m[piv][j];
				m[piv][j] = t;
			}
			double t = v[c];
			v[c] = v[piv];
			v[piv] = t;
		}
		for (int r = c + 1; r < k; r++) {
			double f = m[r][c] / m[c][c];
			for (int j = c; j < k; j++)
				m[r][j] -= f * m[c][j];
			v[r] -= f * v[c];
		}
	}
	for (int r = k - 1; r >= 0; r--) {
		double s = v[r];
		for (int j = r + 1; j < k; j++)
			s -= m[r][j] * x[j];
		x[r] = s / m[r][r];
		if (!isfinite(x[r]))
			return -1;
	}
	return 0;
}

/* Weighted residual sum of squares of coefficients coef over the points. */
static double wsse(const double coef[NB], const double *p, const double *t, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++) {
		double m = 0;
		for (int k = 0; k < NB; k++)
			m += coef[k] * basis(k, p[i]);
		double r = (m - t[i]) / t[i];
		s += r * r;
	}
	return s;
}

/*
 * The weighted least-squares coefficients on the terms in mask (bit k: term
 * k), the others zero.  0 with coef and *sse set, or -1 if the system is
 * singular or a coefficient is negative.
 */
static int fit_subset(unsigned mask, const double *p, const double *t, size_t n, double coef[NB], double *sse)
{
	int idx[NB], k = 0;
	for (int b = 0; b < NB; b++)
		if (mask & (1u << b))
			idx[k++] = b;
	double m[NB][NB] = { { 0 } }, v[NB] = { 0 }, x[NB] = { 0 };
	for (size_t i = 0; i < n; i++) {
		double w = 1.0 / (t[i] * t[i]);
		for (int r = 0; r < k; r++) {
			double fr = basis(idx[r], p[i]);
			v[r] += w * fr * t[i];
			for (int c = 0; c < k; c++)
				m[r][c] += w * fr * basis(idx[c], p[i]);
		}
	}
	if (solve(m, v, k, x) != 0)
		return -1;
	memset(coef, 0, NB * sizeof coef[0]);
	for (int r = 0; r < k; r++) {
		/* a coefficient that is zero up to rounding is zero, not infeasible */
		if (x[r] < 0 && x[r] > -1e-12 * fabs(t[0]))
			x[r] = 0;
		if (x[r] < 0)
			return -1;
		coef[idx[r]] = x[r];
	}
	*sse = wsse(coef, p, t, n);
	return 0;
}

double pb_fit_time(const struct pb_fit *f, double p)
{
	return f->t1 * (1 + f->alpha * (p - 1) + f->beta * p * (p - 1)) / p;
}

const char *pb_fit_model_name(enum pb_fit_model m)
{
	return m == PB_FIT_USL ? "USL" : "Amdahl";
}

/* Distinct values among x[0..n). */
static size_t distinct(const double *x, size_t n)
{
	size_t d = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j;
		for (j = 0; j < i && x[j] != x[i]; j++)
			;
		d += j == i;
	}
	return d;
}

/* R^2 of log times and the largest relative error of fit f over the points. */
static void quality(struct pb_fit *f, const double *p, const double *t, size_t n)
{
	double mean = 0, tot = 0, res = 0, worst = 0;
	for (size_t i = 0; i < n; i++)
		mean += log(t[i]) / (double)n;
	for (size_t i = 0; i < n; i++) {
		double m = pb_fit_time(f, p[i]);
		double d = log(t[i]) - mean, e = m > 0 ? log(t[i]) - log(m) : INFINITY;
		tot += d * d;
		res += e * e;
		if (fabs(m - t[i]) / t[i] > worst)
			worst = fabs(m - t[i]) / t[i];
	}
	/* a flat curve (every time equal) has nothing to explain: perfect if the model is flat too */
	f->r2 = tot > 0 ? 1 - res / tot : (res < 1e-18 ? 1 : 0);
	f->max_rel_err = worst;
}

int pb_fit_scaling(enum pb_fit_model model, const double *workers, const double *time_s, size_t n,
		   struct pb_fit *out)
{
	memset(out, 0, sizeof *out);
	out->model = model;
	size_t need = model == PB_FIT_USL ? PB_FIT_MIN_USL : PB_FIT_MIN_AMDAHL;
	for (size_t i = 0; i < n; i++)
		if (!(workers[i] >= 1) || !isfinite(workers[i]) || !(time_s[i] > 0) || !isfinite(time_s[i]))
			return -1;
	if (distinct(workers, n) < need)
		return -1;
	/* every non-empty subset of the terms (Amdahl: without p - 1), the best feasible one */
	unsigned nmasks = model == PB_FIT_USL ? 8 : 4;
	double best[NB] = { 0 }, best_sse = INFINITY;
	for (unsigned mask = 1; mask < nmasks; mask++) {
		double coef[NB], sse;
		if (fit_subset(mask, workers, time_s, n, coef, &sse) == 0 && sse < best_sse) {
			best_sse = sse;
			memcpy(best, coef, sizeof best);
		}
	}
	double t1 = best[0] + best[1];
	if (!isfinite(best_sse) || !(t1 > 0)) {
		memset(out, 0, sizeof *out);
		return -1;
	}
	out->npoints = (int)distinct(workers, n);
	out->t1 = t1;
	out->alpha = best[1] / t1;
	out->beta = best[2] / t1;
	if (out->beta > 0) {
		out->best_p = out->alpha < 1 ? sqrt((1 - out->alpha) / out->beta) : 1;
		if (out->best_p < 1)
			out->best_p = 1;
		/* the model is convex in p: the best integer is the floor or the ceiling of best_p */
		if (out->best_p <= 1e6) {
			int lo = (int)floor(out->best_p), hi = lo + 1;
			out->best_p_int = pb_fit_time(out, hi) < pb_fit_time(out, lo) ? hi : lo;
		}
	} else {
		out->best_p = INFINITY;
		out->best_p_int = 0;
	}
	quality(out, workers, time_s, n);
	return 0;
}
