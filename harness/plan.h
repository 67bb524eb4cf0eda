/* plan.h: the case list of a run, expanded once from its options (count, progress, execute and ab use it). */
#ifndef PB_PLAN_H
#define PB_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "run.h"
#include "schema.h"

/* A workload at one size with one combination of parameters: prepared once per plan to validate it. */
struct pb_plan_job {
	const struct pb_workload *wl;
	uint64_t size;                     /* asked: -n, or the preset */
	int size_from_user;
	int nparams;
	struct pb_kv params[PB_MAX_PARAMS]; /* every declared parameter, defaults filled in */
	char params_str[PB_PARAMS_MAX];     /* "k=v;k=v": raw.csv's params (empty values left out) */
	uint64_t actual_size;               /* after prepare, which may settle a parameter's own default */
	uint64_t n_items;
	size_t first_case, ncases;          /* its cases in pb_plan.cases */
};

/* One case: a job under one variant, worker count, task count, schedule, chunk and binding. */
struct pb_plan_case {
	size_t job;
	const struct pb_executor *ex;
	int workers;
	uint64_t tasks, chunk;
	enum pb_schedule sched;
	struct pb_bind bind;
};

struct pb_plan {
	size_t njobs, ncases;
	struct pb_plan_job *jobs;
	struct pb_plan_case *cases;  /* job by job, in the order they run */
	struct pb_job first;         /* job 0 as validation prepared it, kept for the run (has_first) */
	double first_prep_s;
	int has_first;
};

/*
 * Expand o into the plan: jobs = workloads x sizes x the product of the -p
 * values each workload declares; per job, cases = variants x task counts x
 * workers x schedules x chunks x bindings, the serial variant once per task
 * count and binding.  Validates everything that can be bad input before a
 * file is written: every job prepares (job 0 is kept prepared in p->first),
 * task counts fit the items, every worker count can be placed under every
 * binding.  0, or -1 after printing one error line.
 */
int pb_plan_build(const struct pb_run_opts *o, struct pb_plan *p);

/* Free the plan (and the kept first job if the run did not take it). */
void pb_plan_free(struct pb_plan *p);

/*
 * Prepare job j (outside the timed region); prep_s gets how long it took.
 * 0, or -1 after printing "<workload>: <why>".
 */
int pb_plan_prepare(const struct pb_plan *p, size_t j, struct pb_job *job, double *prep_s);

/* raw.csv's bind field: "none" or "POLICY-ORDER" ("core-compact"). */
void pb_bind_str(const struct pb_bind *b, char *buf, size_t len);

/* Case c's key fields (workload, size, params, variant, workers, tasks, chunk, schedule, bind) in key. */
void pb_plan_case_key(const struct pb_plan *p, size_t c, struct pb_raw_row *key);

/* A label for progress lines and errors: "pi seed=0 threads j=2 T=64 static c=1 bind=none". */
void pb_plan_case_label(const struct pb_plan *p, size_t c, char *buf, size_t len);

/*
 * The run options that select exactly the case of key k (--workload --size
 * --variant --workers --tasks --chunk --schedule --param... --bind [--order]):
 * the inverse of the plan (pb_run_parse and pb_plan_build give that case
 * back; tested), for ab --confirm.  *argv is malloc'd
 * (free each string, then the array).  0, or -1 if out of memory.
 */
int pb_case_args(const struct pb_raw_row *k, char ***argv, int *argc);

#endif
