/* run.h: `parbench run`: options, the case matrix, and the runner that measures it. */
#ifndef PB_RUN_H
#define PB_RUN_H

#include <stdint.h>
#include "executor.h"

#define PB_MAX_LIST 64

/* A parameter given with -p; repeating a key makes a list to sweep over. */
struct pb_param_arg {
	char key[PB_PARAM_KEY_MAX];
	int nvals;
	char vals[PB_MAX_LIST][PB_PARAM_VAL_MAX];
};

enum pb_size_preset { PB_SIZE_DEFAULT, PB_SIZE_QUICK, PB_SIZE_FULL };

struct pb_run_opts {
	int nworkloads;
	const struct pb_workload *workloads[16];
	int nvariants;
	const struct pb_executor *variants[16];
	int nworkers;
	int workers[PB_MAX_LIST];
	int nsizes;
	uint64_t sizes[PB_MAX_LIST];     /* empty: the workload's preset size */
	enum pb_size_preset preset;
	int nparams;
	struct pb_param_arg params[PB_MAX_PARAMS * 2];
	int ntasks;
	uint64_t tasks[PB_MAX_LIST];     /* empty: the workload's default */
	int nchunks;
	uint64_t chunks[PB_MAX_LIST];    /* default {1} */
	int nscheds;
	enum pb_schedule scheds[4];      /* default {static} */
	struct pb_bind bind;
	long reps, warmup;
	char counters_spec[256];
	char out_dir[4096];              /* "" = results/<run-id> and results/latest */
	int append;
	int quiet;
	double timeout_s;
	enum pb_wait wait;               /* --wait: how idle threads wait (threads; OpenMP's policy is set to match) */
	int argc;
	char **argv;                     /* the command line, for meta.json */
};

/* Parse `run` options (argv[0] = "run").  0, or 2 after printing one error line. */
int pb_run_parse(int argc, char **argv, struct pb_run_opts *o);

/* Run the matrix.  Returns the exit status: 0, 1 (a run failed) or 2 (bad input). */
int pb_run_execute(struct pb_run_opts *o);

int pb_cmd_run(int argc, char **argv);
int pb_cmd_list(int argc, char **argv);

#endif
