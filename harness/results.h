/* results.h: raw.csv and counters.csv read back into rows and cases (DESIGN.md, Results directory). */
#ifndef PB_RESULTS_H
#define PB_RESULTS_H

#include <stddef.h>

#include "csv.h"
#include "schema.h"

/* One case: the rows sharing workload, size, params, variant, workers, tasks, chunk, schedule, bind. */
struct pb_case {
	struct pb_raw_row key; /* the first row of the case (its key fields) */
	size_t n;
	double *wall_s;        /* n wall times, in file order */
	size_t *rows;          /* the n rows' indices in pb_raw.rows */
	int all_verified;
};

struct pb_raw {
	size_t nrows;
	struct pb_raw_row *rows; /* their cpus point into csv */
	size_t ncases;
	struct pb_case *cases;   /* in order of first appearance */
	struct pb_csv csv;       /* the parsed file */
};

/*
 * Read raw.csv (a path to the file, or a results directory holding it).
 * Checks that it is a regular file, the header against the schema, every
 * value (a wall time of inf or nan, a negative count, a text longer than its
 * column's limit are errors), that there is at least one row, and that no
 * repetition of a case appears twice in one run.  Returns 0, or -1 with a
 * one-line reason in err.
 */
int pb_raw_read(const char *path, struct pb_raw *raw, char *err, size_t errlen);
void pb_raw_free(struct pb_raw *raw);

/* The counters.csv rows of a results directory. */
struct pb_counters {
	size_t n;
	struct pb_counter_row *rows;
};

/*
 * Read dir/counters.csv.  A missing file, or one with only a header, gives
 * no rows (0).  Otherwise checks it as pb_raw_read does.  0, or -1 with err.
 */
int pb_counters_read(const char *dir, struct pb_counters *c, char *err, size_t errlen);
void pb_counters_free(struct pb_counters *c);

/* Whether two rows belong to the same case. */
int pb_case_key_equal(const struct pb_raw_row *a, const struct pb_raw_row *b);

/* The case key as one printable string: "pi n=1000000 threads j=2 T=64 c=1 static bind=none" */
void pb_case_key_str(const struct pb_raw_row *k, char *buf, size_t len);

/* The raw.csv of path: path itself, or path/raw.csv when path is a directory. */
void pb_raw_path(const char *path, char *file, size_t len);

#endif
