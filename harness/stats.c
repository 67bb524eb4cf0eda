/* PLACEHOLDER: replaced by the real statistics before landing. */
#include "stats.h"
#include <string.h>
void pb_stats_compute(const double *x, size_t n, struct pb_stats *st) { memset(st, 0, sizeof *st); st->n = n; st->median = st->min = st->max = st->mean = n ? x[0] : 0; }
double pb_median(const double *x, size_t n) { return n ? x[0] : 0; }
double pb_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb) { (void)a; (void)na; (void)b; (void)nb; return 1; }
