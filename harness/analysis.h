/* analysis.h: what a run's summary says: case groups, pool-size sweeps with their fits, the answer, anomalies. */
#ifndef PB_ANALYSIS_H
#define PB_ANALYSIS_H

#include <stddef.h>

#include "fit.h"
#include "summary.h"

/*
 * A group: one problem under one decomposition (workload, size, params,
 * tasks, chunk, schedule, bind), every variant and worker count.  Serial
 * runs once per task count with chunk 1 and static, so a serial case joins
 * every group of its workload, size, params, tasks and bind.
 */
struct pb_group {
	size_t *idx, n;                   /* its rows, by variant (serial first) then workers */
	const struct pb_sumrow *serial;   /* the fastest verified serial row of the group, or NULL */
	const struct pb_sumrow *best;     /* the fastest verified row, or NULL */
	const struct pb_sumrow *at_cores; /* the fastest verified parallel row at the core count, or NULL */
	int max_workers;
	size_t first_sweep, nsweeps;      /* its sweeps in pb_analysis.sweeps */
};

/* A pool-size sweep: one variant of a group over its worker counts, and the models fitted to it. */
struct pb_sweep {
	size_t group;
	const char *variant;
	size_t *idx, n;                   /* its verified rows, by workers */
	int best_p;                       /* the measured worker count with the least median */
	int stop_p;                       /* scaling stops here: no larger count is 5% faster; 0 if it never stops */
	int has_amdahl, has_usl;
	struct pb_fit amdahl, usl;
};

enum pb_anomaly_kind {
	PB_AN_UNVERIFIED,   /* a case failed verification */
	PB_AN_SUPERLINEAR,  /* efficiency above 1 beyond the confidence interval */
	PB_AN_CLIFF,        /* 10x slower than the same case at fewer workers */
	PB_AN_OVERSUB,      /* worker counts past the core count, and what they did */
	PB_AN_CPU,          /* CPU time well above the work's: spinning, copying or forking workers */
	PB_AN_DISTURBED,    /* outlying repetitions or a wide confidence interval */
	PB_AN_NKINDS
};

struct pb_anomaly {
	enum pb_anomaly_kind kind;
	const struct pb_sumrow *row; /* the case it is about (for OVERSUB: one of the group) */
	char text[512];              /* one sentence */
};

struct pb_analysis {
	const struct pb_sumrow *rows;
	size_t nrows;
	int cores;                   /* the core count the answer is given at (>= 1) */
	size_t ngroups, nsweeps, nanomalies;
	struct pb_group *groups;     /* in the order of their first row */
	struct pb_sweep *sweeps;
	struct pb_anomaly *anomalies;
	size_t *pool;                /* index storage the sweeps point into */
};

/*
 * Analyse rows (kept, not copied: they must outlive a) for a machine of
 * cores cores.  0, or -1 if out of memory (a is then empty).
 */
int pb_analyse(const struct pb_sumrow *rows, size_t n, int cores, struct pb_analysis *a);
void pb_analysis_free(struct pb_analysis *a);

/* "sumsq n=2^26 form=array": the workload, its size, and the parameters that differ from its defaults. */
void pb_problem_label(const struct pb_raw_row *k, char *buf, size_t len);

/* pb_problem_label plus the decomposition when it is not the workload's usual one ("T=64 c=16 dynamic"). */
void pb_group_label(const struct pb_analysis *a, const struct pb_group *g, char *buf, size_t len);

/* The kind's heading ("efficiency above 1"). */
const char *pb_anomaly_name(enum pb_anomaly_kind k);

#endif
