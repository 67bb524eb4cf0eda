/* results.h: the rows of raw.csv in memory, grouped into cases (DESIGN.md, Results directory). */
#ifndef PB_RESULTS_H
#define PB_RESULTS_H

#include <stddef.h>

/* raw.csv's fixed columns, in order. */
#define PB_RAW_COLUMNS                                                                            \
	"run_id,workload,size,params,variant,workers,tasks,chunk,schedule,bind,rep,wall_s,setup_s," \
	"user_s,sys_s,max_rss_kb,result,verified,cpus"

/* counters.csv's columns. */
#define PB_COUNTERS_COLUMNS "run_id,workload,variant,workers,rep,backend,event,value"

/* summary.csv's columns: the case columns, then the statistics. */
#define PB_SUMMARY_COLUMNS                                                                    \
	"workload,size,params,variant,workers,tasks,chunk,schedule,bind,reps,median_s,min_s,"  \
	"max_s,mean_s,stddev_s,ci_lo_s,ci_hi_s,outliers,speedup,efficiency,verified"

struct pb_raw_row {
	char run_id[64];
	char workload[32];
	unsigned long long size;
	char params[512];
	char variant[32];
	int workers;
	unsigned long long tasks, chunk;
	char schedule[16];
	char bind[32];
	int rep;
	double wall_s, setup_s, user_s, sys_s;
	long max_rss_kb;
	char result[128];
	int verified;
	char cpus[256];
};

/* One case: the rows sharing workload, size, params, variant, workers, tasks, chunk, schedule, bind. */
struct pb_case {
	struct pb_raw_row key; /* the first row of the case (its key fields) */
	size_t n;
	double *wall_s;        /* n wall times, in file order */
	int all_verified;
};

struct pb_raw {
	size_t nrows;
	struct pb_raw_row *rows;
	size_t ncases;
	struct pb_case *cases; /* in order of first appearance */
};

/*
 * Read raw.csv (a path to the file, or a results directory holding it).
 * Checks the header, every number, and that there is at least one row.
 * Returns 0, or -1 with a one-line reason in err.
 */
int pb_raw_read(const char *path, struct pb_raw *raw, char *err, size_t errlen);
void pb_raw_free(struct pb_raw *raw);

/* Whether two rows belong to the same case. */
int pb_case_key_equal(const struct pb_raw_row *a, const struct pb_raw_row *b);

/* The case key as one printable string: "pi n=1000000 threads j=2 T=64 c=1 static bind=none" */
void pb_case_key_str(const struct pb_raw_row *k, char *buf, size_t len);

#endif
