/* run.h: `parbench run`: its options, and the runner that measures the plan they make. */
#ifndef PB_RUN_H
#define PB_RUN_H

#include <stdint.h>
#include "executor.h"

/* Every list option holds at most this many values (one bounded parser for all: options.c). */
#define PB_MAX_LIST 256
#define PB_MAX_WORKLOADS 64
#define PB_MAX_VARIANTS 16
#define PB_MAX_SCHEDS 4
#define PB_MAX_BINDS 8
#define PB_MAX_PARAM_VALS 64
#define PB_MIN_TIME_MAX_REPS 1000 /* --min-time never makes a case more repetitions than this (or -r) */

/* A parameter given with -p; repeating a key makes a list to sweep over. */
struct pb_param_arg {
	char key[PB_PARAM_KEY_MAX];
	int nvals;
	char vals[PB_MAX_PARAM_VALS][PB_PARAM_VAL_MAX];
};

enum pb_size_preset { PB_SIZE_DEFAULT, PB_SIZE_QUICK, PB_SIZE_FULL };

/* The options run shares with the other measuring commands (mech): how, not what, to measure. */
struct pb_common_opts {
	int nworkers;
	int workers[PB_MAX_LIST];
	int nbinds;
	struct pb_bind binds[PB_MAX_BINDS];  /* -b x --order; default {none} */
	int nbind_kinds, norders;            /* what -b and --order listed (0: not given) */
	enum pb_bind_kind bind_kinds[3];
	enum pb_bind_order orders[2];
	long reps, warmup;
	char counters_spec[256];
	char out_dir[4096];                  /* "" = results/<run-id> and results/latest */
	int append;
	int quiet;
	double timeout_s;
	double min_time_s;                   /* --min-time: repeat until the repetitions add up to this (0: -r only) */
	const char *export_json, *export_csv, *export_md; /* --export-*: written when the run ends; NULL: none */
	int argc;
	char **argv;                         /* the command line, for meta.json */
};

struct pb_run_opts {
	struct pb_common_opts c;             /* first: the common options' parsers see this */
	int nworkloads;
	const struct pb_workload *workloads[PB_MAX_WORKLOADS];
	int nvariants;
	const struct pb_executor *variants[PB_MAX_VARIANTS];
	int nsizes;
	uint64_t sizes[PB_MAX_LIST];         /* empty: the workload's preset size */
	enum pb_size_preset preset;
	int nparams;
	struct pb_param_arg params[PB_MAX_PARAMS * 2];
	int ntasks;
	uint64_t tasks[PB_MAX_LIST];         /* empty: the workload's default */
	int nchunks;
	uint64_t chunks[PB_MAX_LIST];        /* default {1} */
	int nscheds;
	enum pb_schedule scheds[PB_MAX_SCHEDS]; /* default {static} */
	char hostfile[4096];                 /* --hostfile: the mpi variant's hosts ("" = this one) */
	enum pb_wait wait;                   /* --wait: how idle threads wait (threads; OpenMP's policy is set to match) */
};

/* Parse `run` options (argv[0] = "run").  0; -1 after printing --help; 2 after printing one error line. */
int pb_run_parse(int argc, char **argv, struct pb_run_opts *o);

/* Run the matrix.  Returns the exit status: 0, 1 (a run failed) or 2 (bad input). */
int pb_run_execute(struct pb_run_opts *o);

int pb_cmd_run(int argc, char **argv);
int pb_cmd_list(int argc, char **argv);

#endif
