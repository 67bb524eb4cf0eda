/* report.h: the pieces of `parbench report` shared by plots.c and report.c. */
#ifndef PB_REPORT_H
#define PB_REPORT_H

#include "analysis.h"
#include "results.h"
#include "stats.h"
#include "summary.h"
#include "util.h"

#include <stddef.h>
#include <stdio.h>

/* report's option table (for `parbench help --options report`, the man page and the completion). */
struct pb_opt;
extern const struct pb_opt *const pb_report_tables[];

/* ---- plots (plots.c) ---- */

#define PB_PLOT_MAXVARS 2048

/* One plot: a gnuplot script run on a data file, giving out.png and out.svg. */
struct pb_plot {
	char name[160];     /* file name without extension, under plots/ */
	char script[32];    /* scripts/<script> */
	char title[256];    /* one line that fits the image's width */
	char subtitle[256]; /* a second, smaller line: the decomposition ("" if none) */
	char vars[PB_PLOT_MAXVARS]; /* extra gnuplot assignments ("nseries=3; lcs='...'; ...") */
	char section[64];   /* where report.md shows it: "group", "overheads" or "overview" */
	long group;         /* the analysis group it belongs to, or -1 */
	int nseries;        /* legend entries of measured data (the tests count them in the SVG) */
	int made;           /* 1 once the PNG exists */
};

struct pb_plotset {
	size_t n, cap;
	struct pb_plot *plots;
};

/*
 * Plan every plot of analysis a (DESIGN.md, plots/) and write its data file
 * under plotdir (whitespace separated; blocks separated by two blank lines,
 * each block opening with its quoted legend title).  Per group with a
 * worker sweep: time, speedup (with the fitted models), efficiency,
 * counters and CPU time, set-up time; image pool against shm; across
 * groups: speedup at the core count; the sleep experiments: dispatch
 * overhead, process against pool over task lengths; chunk sweeps.
 * 0, or -1 with err.
 */
int pb_plots_prepare(const char *plotdir, const struct pb_analysis *a, struct pb_plotset *set, char *err,
		     size_t errlen);
void pb_plotset_free(struct pb_plotset *set);

/*
 * Render every plot of set with gnuplot and the scripts in scriptdir, into
 * plotdir (gnuplot's messages go to plotdir/gnuplot.log).  Sets made on the
 * plots whose PNG appeared.  Returns the number made, or -1 if gnuplot could
 * not be run at all (why in err).
 */
int pb_plots_render(const char *plotdir, const char *scriptdir, const char *gnuplot, struct pb_plotset *set,
		    char *err, size_t errlen);

/*
 * The directory holding the gnuplot scripts: $PARBENCH_SCRIPTS if set, else
 * <dir of the executable>/../scripts (the source tree), else
 * <dir of the executable>/../share/parbench (installed); the first that holds
 * time.gp.  0, or -1 with err.
 */
int pb_find_scripts(char *dir, size_t len, char *err, size_t errlen);

/*
 * Ideal makespan in seconds of the sleep workload (size items of ms each, cut
 * into tasks): ceil(tasks / workers) rounds of the longest task,
 * ceil(size / tasks) items.  With one item per task: ceil(T/P) * ms.
 */
double pb_sleep_ideal_s(unsigned long long size, unsigned long long tasks, int workers, double ms);

/* Milliseconds one task of the sleep case k sleeps: ms * ceil(size / tasks); NAN if not a sleep case with ms. */
double pb_sleep_task_ms(const struct pb_raw_row *k);

#endif
