/* report_mech.h: the mechanisms part of `parbench report` (report.c calls these two, once each). */
#ifndef PB_REPORT_MECH_H
#define PB_REPORT_MECH_H

#include <stdio.h>

#include "report.h"

/*
 * Add the mechanism plots of rows to set and write their data files in
 * plotdir: IPC latency and bandwidth against message size (log-log), cost
 * per operation against contenders (sync) and creators (spawn), one line
 * per series with 95% CI error bars.  Nothing when rows hold no mechanism
 * case.  0, or -1 with err.
 */
int pb_mech_plots_prepare(const char *plotdir, const struct pb_sumrow *rows, size_t n, struct pb_plotset *set,
			  char *err, size_t errlen);

/* report.md's "Mechanisms" section: a table per family and measure, and the plots that were made. */
void pb_mech_report(FILE *f, const struct pb_sumrow *rows, size_t n, const struct pb_plotset *set);

#endif
