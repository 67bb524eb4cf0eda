/* mech_figures.h: the per-operation figures of a mechanism case, derived from its rows (summary.csv, report). */
#ifndef PB_MECH_FIGURES_H
#define PB_MECH_FIGURES_H

#include "schema.h"
#include "stats.h"

/* A mechanism case's figures: per operation, and for an IPC stream, bytes per second. */
struct pb_mech_fig {
	double per_op_s;             /* median wall / operations (size) */
	double per_op_lo_s, per_op_hi_s; /* the median's 95% confidence interval, per operation */
	double bytes_per_s;          /* mode=bw: bytes x messages / median; NAN otherwise */
};

/*
 * Whether key is a mechanism case (`parbench mech`: params begin with
 * "mech="), and if so its figures from st, the statistics of its wall
 * times.  1 and *f filled, or 0.  Operations per repetition are the size
 * column, so these are derived, never stored twice.
 */
int pb_mech_figures(const struct pb_raw_row *key, const struct pb_stats *st, struct pb_mech_fig *f);

#endif
