/* schema.h: the columns of raw.csv, counters.csv and summary.csv, defined once for writer and reader. */
#ifndef PB_SCHEMA_H
#define PB_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/*
 * One schema, every producer (DESIGN.md).  Each results file's columns are
 * one table below; `run`, `ab`, the tests and every later producer write rows
 * with pb_*_format and read them with pb_*_parse, so a column, its type and
 * its limit exist in one place.  Text fields have a stated capacity (the
 * struct's array, NUL included), except `cpus`, which grows with the worker
 * count and has none.  Columns added after the first release are optional on
 * reading (an older file lacks them) and always written.
 */

/* Field limits, in bytes with the NUL: what the writer refuses to exceed and the reader accepts. */
#define PB_RUN_ID_MAX 64
#define PB_NAME_MAX 64     /* workload, variant */
#define PB_PARAMS_MAX 1024 /* "k=v;k=v" */
#define PB_SCHED_MAX 16
#define PB_BIND_MAX 32
#define PB_RESULT_MAX 128
#define PB_EVENT_MAX 64
#define PB_BACKEND_MAX 16
#define PB_CHECK_MAX 16     /* "reference", "consistency" */

/* The case key: the fields shared by every repetition of one case. */
#define PB_KEY_COLUMNS "workload,size,params,variant,workers,tasks,chunk,schedule,bind"

/*
 * One row of raw.csv (and, as `key`, the key of the case it belongs to).
 * cpus points at text owned by whoever filled the row: the struct pb_raw it
 * was read into, or the writer's caller.  A copy of a row used only as a key
 * may have cpus NULL.
 */
struct pb_raw_row {
	char run_id[PB_RUN_ID_MAX];
	char workload[PB_NAME_MAX];
	unsigned long long size;
	char params[PB_PARAMS_MAX];
	char variant[PB_NAME_MAX];
	int workers;
	unsigned long long tasks, chunk;
	char schedule[PB_SCHED_MAX];
	char bind[PB_BIND_MAX];
	int rep;
	double wall_s, setup_s, user_s, sys_s;
	long max_rss_kb;
	char result[PB_RESULT_MAX];
	int verified;
	char *cpus; /* one CPU list per worker, ';'-separated ("0;1", "0-3;4-7"); any length */
	char check[PB_CHECK_MAX]; /* how `verified` was decided: "reference" (the workload's verify) or
				     "consistency" (a plugin without verify: bit-equal to the serial reference) */
	/* added after the first release (optional on reading: 0 in older files) */
	double steal_s;  /* hypervisor steal on the CPUs the workers ran on, during the repetition */
	double others_s; /* CPU time other processes used on the machine during the repetition */
	long nivcsw;     /* involuntary context switches of the run: parent, its threads, its worker processes */
	int disturbed;   /* 1: the repetition was disturbed (pb_rep_disturbed, README "Disturbed runs") */
};

/* One row of counters.csv: a case's key, the repetition, and one event's value summed over its workers. */
struct pb_counter_row {
	struct pb_raw_row key; /* run_id, the case key and rep; the other fields unused (cpus NULL) */
	char backend[PB_BACKEND_MAX];
	char event[PB_EVENT_MAX];
	long long value;
};

enum pb_col_type {
	PB_COL_TEXT,    /* char[max] */
	PB_COL_DTEXT,   /* char *, any length */
	PB_COL_ULL,     /* unsigned long long, >= lo */
	PB_COL_INT,     /* int in [lo, hi] */
	PB_COL_LONG,    /* long, >= 0 */
	PB_COL_LLONG,   /* long long */
	PB_COL_SECONDS, /* double, finite and >= 0 */
	PB_COL_FLAG,    /* int 0 or 1 ("1"/"0"; "yes"/"no" and "true"/"false" are read too) */
};

struct pb_column {
	const char *name;
	enum pb_col_type type;
	size_t offset;        /* of the field in the row struct */
	size_t max;           /* PB_COL_TEXT: the field's capacity */
	long long lo, hi;     /* PB_COL_ULL (lo only) and PB_COL_INT bounds */
	const char *fmt;      /* PB_COL_SECONDS: printf format ("%.9f") */
	int optional;         /* 1: added later; absent from older files, read as zero */
};

struct pb_table {
	const char *file;     /* "raw.csv" */
	const struct pb_column *cols;
	size_t ncols;
};

extern const struct pb_table pb_raw_table;      /* raw.csv */
extern const struct pb_table pb_counters_table; /* counters.csv */

/* The header line of a table ("run_id,workload,...\n") into b. */
void pb_table_header(const struct pb_table *t, struct pb_strbuf *b);

/*
 * Append row (a struct matching t) as one CSV line to b.  Returns 0, or -1
 * with "<column>: '<value>' is longer than N bytes" (or out of memory) in
 * err: nothing is appended then.
 */
int pb_row_format(const struct pb_table *t, const void *row, struct pb_strbuf *b, char *err, size_t errlen);

/*
 * Map a file's header (fields[0..n)) to t's columns: the header must be t's
 * columns in order, except that optional columns (those added after the
 * first release) may be missing, any of them, so files of every earlier
 * layout read.  map[i] (n entries) receives the table column of the file's
 * column i.  Returns n, or -1 with the reason in err.
 */
int pb_table_check_header(const struct pb_table *t, char **fields, size_t n, size_t *map, char *err, size_t errlen);

/*
 * Parse one data row (fields[0..ncols), ncols and map from pb_table_check_header)
 * into row (zeroed first).  PB_COL_DTEXT fields are pointed at fields[i],
 * which must outlive the row.  0, or -1 with *bad the column that is wrong.
 */
int pb_row_parse(const struct pb_table *t, size_t ncols, const size_t *map, char **fields, void *row, const char **bad);

/* The columns of summary.csv, in order (the writer is harness/summary.c). */
extern const char *const pb_summary_columns[];
extern const size_t pb_summary_ncolumns;

#endif
