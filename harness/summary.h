/* summary.h: summary.csv: one row per case, its statistics, speedup, set-up, CPU time and counters. */
#ifndef PB_SUMMARY_H
#define PB_SUMMARY_H

#include <stddef.h>

#include "counters.h"
#include "results.h"
#include "stats.h"

/* One row of summary.csv: a case of raw.csv and its statistics. */
struct pb_sumrow {
	struct pb_raw_row key; /* the case's key fields (its first raw row; cpus not used) */
	struct pb_stats st;    /* statistics of its wall times */
	int verified;          /* 1 if every repetition verified */
	int has_speedup;       /* 0: no serial reference, speedup and efficiency are empty */
	double speedup;        /* reference serial median / median */
	double efficiency;     /* speedup / workers */
	double serial_median;  /* the reference serial median (if has_speedup) */
	double setup_s;        /* median over the repetitions (the same value on every row of a case) */
	double user_s, sys_s;  /* medians of the repetitions' CPU times */
	int nctr;              /* counters.csv's events for this case, in order of first appearance */
	char ctr_event[PB_MAX_EVENTS][PB_EVENT_MAX];
	double ctr_median[PB_MAX_EVENTS]; /* median over the repetitions of the sum over the workers */
	int is_mech;           /* a mechanism case: the per-operation figures below (mech_figures.h) */
	double per_op_s, per_op_lo_s, per_op_hi_s, bytes_per_s;
};

/*
 * The summary rows of raw, one per case in raw's case order; *out is
 * malloc'd (free it).  The speedup reference of a case is a verified serial
 * case of the same workload, size and params: the one with the same tasks,
 * chunk and schedule if there is one (the fastest of those, if several
 * binds), else the fastest verified serial case.  0, or -1 with err.
 */
int pb_summary_compute(const struct pb_raw *raw, struct pb_sumrow **out, size_t *n, char *err, size_t errlen);

/* Fill each row's counter medians from counters.csv's rows of the same case (matched by the whole key). */
void pb_summary_add_counters(struct pb_sumrow *rows, size_t n, const struct pb_counters *ctr);

/* Write rows as summary.csv to path, atomically (temporary file, then rename).  0, or -1 with err. */
int pb_summary_write(const char *path, const struct pb_sumrow *rows, size_t n, char *err, size_t errlen);

/*
 * summary.csv for the results directory dir from its raw.csv and
 * counters.csv; called by `parbench run` when it finishes and by `report`.
 * 0, or -1 with a one-line reason.
 */
int pb_summary_write_dir(const char *dir, char *err, size_t errlen);

/* Format x with the fewest significant digits (up to 17) that read back as exactly x. */
void pb_fmt_double(char *buf, size_t len, double x);

/*
 * The value of key in a params string ("method=trial", "op=invert;ms=1",
 * entries separated by any of " ;,&") copied into val, or -1 if absent.
 */
int pb_params_get(const char *params, const char *key, char *val, size_t len);

/* Order of variants in tables and legends: serial first, then threads, pool, process, shm, openmp, mpi, others. */
int pb_variant_rank(const char *variant);

#endif
