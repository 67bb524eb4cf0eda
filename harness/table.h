/* table.h: the results table `run` and `report` print (and the Markdown export), and human units. */
#ifndef PB_TABLE_H
#define PB_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include "summary.h"

/* A terminal table is never wider than this (columns are narrowed, then the result column left out). */
#define PB_TABLE_WIDTH 120

/* ---- human units: three significant digits, one unit ---- */

/* "1.23 s", "45.6 ms", "789 µs", "12.0 ns"; "-" for a value that is not finite. */
void pb_fmt_time(char *buf, size_t len, double s);

/* "21.6–23.3 ms": an interval in the unit its upper end reads best in. */
void pb_fmt_time_range(char *buf, size_t len, double lo, double hi);

/* A count: exact up to 6 digits, then "2^24", "3e7" or "12.3M" (sizes and counters). */
void pb_fmt_count(char *buf, size_t len, double n);

/* "48 KiB", "2 MiB", "23.6 GiB" from kibibytes. */
void pb_fmt_kib(char *buf, size_t len, double kib);

/* Columns a UTF-8 string takes on a terminal (continuation bytes take none). */
size_t pb_text_width(const char *s);

/* first, then text wrapped at PB_TABLE_WIDTH at spaces, continuation lines indented by cont columns. */
void pb_print_wrapped(FILE *out, const char *first, const char *text, int cont);

/* ---- the table ---- */

enum pb_tab_col {
	PB_TC_WORKLOAD, PB_TC_SIZE, PB_TC_PARAMS, PB_TC_VARIANT, PB_TC_WORKERS, PB_TC_TASKS, PB_TC_CHUNK,
	PB_TC_SCHED, PB_TC_BIND, PB_TC_MEDIAN, PB_TC_CI, PB_TC_SPEEDUP, PB_TC_EFF, PB_TC_RESULT, PB_TC_OK,
	PB_TC_N
};

/* A serial case printed so far: the speedup reference of the rows after it (run prints as it goes). */
struct pb_tab_ref {
	struct pb_raw_row key;
	double median;
};

struct pb_tab {
	FILE *out;
	int markdown;          /* 1: a Markdown table, no width limit */
	unsigned shown;        /* bit per enum pb_tab_col */
	int width[PB_TC_N];
	struct pb_raw_row fold; /* the values of the folded key columns */
	char heading[2048];     /* the folded columns and per-workload constant parameters, as one sentence */
	char (*varying)[PB_PARAMS_MAX]; /* per workload seen in the keys: ";"-joined parameter keys that vary */
	char (*wl_names)[PB_NAME_MAX];
	size_t nwl;
	int header_done;
	size_t nrefs, caprefs;
	struct pb_tab_ref *refs;
};

/*
 * Plan the table for the rows whose keys are keys[0..n) (every case the
 * table will show: run passes its plan, report its summary).  A key column
 * whose value is the same in every row is folded into the heading line
 * (serial's chunk and schedule, which mean nothing, do not count), as are
 * the parameters that do not vary within a workload.  Widths fit
 * PB_TABLE_WIDTH: when the columns would not fit, the result column is
 * narrowed, then left out.  keys' result fields give its width ("" if not
 * known yet: room is kept).  0, or -1 if out of memory.
 */
int pb_tab_begin(struct pb_tab *t, FILE *out, int markdown, const struct pb_raw_row *keys, size_t n);

/*
 * Print row r (the heading and the header first, with the first row).  A
 * row without a speedup of its own (run's rows) takes it from the serial
 * row printed before it with the same workload, size and parameters, as
 * summary.csv does.
 */
void pb_tab_row(struct pb_tab *t, const struct pb_sumrow *r);

/* Every row, then pb_tab_free: the table of report and of the Markdown export. */
int pb_tab_print(FILE *out, int markdown, const struct pb_sumrow *rows, size_t n);

void pb_tab_free(struct pb_tab *t);

#endif
