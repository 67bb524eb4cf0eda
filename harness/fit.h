/* fit.h: scalability models fitted to a pool-size sweep: Amdahl's law and Gunther's Universal Scalability Law. */
#ifndef PB_FIT_H
#define PB_FIT_H

#include <stddef.h>

/*
 * Both models say how the time of one problem changes with the worker count p:
 *
 *   USL      T(p) = T1 (1 + alpha (p - 1) + beta p (p - 1)) / p
 *   Amdahl   the same with beta = 0; alpha is then the serial fraction sigma
 *
 * alpha is contention (the part that runs one worker at a time), beta
 * coherency (the cost every pair of workers pays to agree: the term that
 * makes more workers slower past p* = sqrt((1 - alpha) / beta)).  T1 is a
 * free parameter, so the model is not forced through the one-worker point
 * (whose own noise would otherwise bend the whole curve).
 *
 * Written out, T(p) = a / p + b + c (p - 1) with a = T1 (1 - alpha),
 * b = T1 alpha, c = T1 beta: linear in (a, b, c).  The fit is the weighted
 * least-squares solution with a, b, c >= 0, weights 1 / T_i^2 (relative
 * errors, so the fast points count as much as the slow ones), found exactly
 * by solving every subset of the three terms and keeping the best one whose
 * coefficients are all non-negative (the optimum of a non-negative least
 * squares problem is the unconstrained optimum on its own support).
 */

enum pb_fit_model { PB_FIT_AMDAHL, PB_FIT_USL };

/* Points a model needs: one more than its parameters, so that its quality can be judged. */
#define PB_FIT_MIN_AMDAHL 3
#define PB_FIT_MIN_USL 4

struct pb_fit {
	enum pb_fit_model model;
	int npoints;          /* distinct worker counts fitted */
	double t1;            /* fitted time at one worker (s) */
	double alpha;         /* contention; Amdahl's serial fraction */
	double beta;          /* coherency; 0 for Amdahl */
	double best_p;        /* the worker count of least model time, sqrt((1 - alpha) / beta); INFINITY if beta = 0 */
	int best_p_int;       /* the integer worker count >= 1 of least model time; 0 when best_p is above 1e6 */
	double r2;            /* 1 - SSres / SStot of log times: the share of the curve's shape the model explains */
	double max_rel_err;   /* the largest |model - measured| / measured over the points */
};

/*
 * Fit model to the n points (workers[i], time_s[i]): worker counts >= 1
 * (repeated counts are allowed; each point counts once), times > 0.
 * Returns 0, or -1 if there are fewer distinct worker counts than
 * PB_FIT_MIN_AMDAHL or PB_FIT_MIN_USL, a value is out of range, or the
 * points determine no fit (out is then zeroed).
 */
int pb_fit_scaling(enum pb_fit_model model, const double *workers, const double *time_s, size_t n,
		   struct pb_fit *out);

/* The model's time at p workers. */
double pb_fit_time(const struct pb_fit *f, double p);

/* "Amdahl" or "USL". */
const char *pb_fit_model_name(enum pb_fit_model m);

#endif
