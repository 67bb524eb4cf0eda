/* export.h: --export-json, --export-csv and --export-md of run, report and compare (hyperfine's convention). */
#ifndef PB_EXPORT_H
#define PB_EXPORT_H

#include <jansson.h>
#include <stddef.h>

#include "analysis.h"
#include "compare.h"
#include "results.h"
#include "summary.h"

/* The files to write; NULL: that format is not asked for. */
struct pb_export_files {
	const char *json, *csv, *md;
};

/* Everything a results directory says, read and computed once (report and the exports use it). */
struct pb_results {
	struct pb_raw raw;
	struct pb_sumrow *rows;  /* one per case, in raw's case order (rows[i] is raw.cases[i]) */
	size_t n;
	json_t *meta;            /* meta.json, or NULL */
	char meta_problem[512];  /* why meta.json could not be read, or "" */
	char counters_problem[512]; /* why counters.csv could not be read (the counters are left out), or "" */
	int cores;               /* meta.json's core count, else this machine's CPUs */
	int cores_from_meta;
	struct pb_analysis an;
};

/*
 * Read dir's raw.csv, counters.csv and meta.json; compute the summary rows
 * and the analysis.  0, or -1 with err (a missing meta.json is not an
 * error: meta is NULL).
 */
int pb_results_load(const char *dir, struct pb_results *r, char *err, size_t errlen);
void pb_results_free(struct pb_results *r);

/* The core count meta.json records (machine.cores), or 0. */
int pb_meta_cores(json_t *meta);

/*
 * Write the files of f for results r, each atomically:
 * - JSON: {"schema": "parbench-results/1", "run_id", "command", "machine",
 *   "results": [one object per case: every summary.csv column under its
 *   name, counters as an object, the result, "times_s": every repetition],
 *   "fits": [one object per pool-size sweep]} (README, Exports);
 * - CSV: summary.csv's columns;
 * - Markdown: the results table (table.c).
 * 0, or -1 with err naming the file.
 */
int pb_export_results(const struct pb_export_files *f, const struct pb_results *r, char *err, size_t errlen);

/* pb_results_load, then pb_export_results (run and every producer, when they finish). */
int pb_export_dir(const struct pb_export_files *f, const char *dir, char *err, size_t errlen);

/*
 * A comparison: JSON {"schema": "parbench-compare/1", "metric",
 * "threshold", "alpha", "cases": [...], "summary": {...}}; CSV and Markdown
 * as compare's --format csv and md print them.  0, or -1 with err.
 */
int pb_export_comparison(const struct pb_export_files *f, const struct pb_comparison *c, char *err, size_t errlen);

#endif
