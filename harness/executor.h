/* executor.h: the contract every execution model (variant) implements (see DESIGN.md). */
#ifndef PB_EXECUTOR_H
#define PB_EXECUTOR_H

#include <stddef.h>
#include <stdint.h>
#include "../workloads/workload.h"
#include "counters.h"
#include "cpuset.h"
#include "pin.h"
#include "sched.h"

/* What one worker reports about one run; plain data, safe to copy through a pipe. */
struct pb_worker_stat {
	struct pb_cpuset cpus;   /* every CPU the worker was seen on (sched_getcpu at each task) */
	uint64_t tasks_done;
	double user_s, sys_s;    /* CPU time this worker spent in the run */
	struct pb_counter_values ctr;
	int pid;                 /* process id of the worker (0 for threads) */
	char host[64];           /* the host it ran on when that may not be this one (mpi); "" otherwise */
};

struct pb_exec_opts {
	int workers;                        /* >= 1 */
	struct pb_bind bind;
	const struct pb_cpuset *places;     /* workers entries from pb_pin_plan; empty set = do not bind */
	const struct pb_counters_cfg *counters;
	const char *hostfile;               /* mpi: the launcher's hostfile (--hostfile), or NULL */
};

struct pb_run_req {
	struct pb_sched sched;  /* ntasks, chunk, workers, kind */
	uint64_t n_items;       /* = job->n_items */
};

struct pb_run_result {
	struct pb_partial total;
	int nworkers;
	struct pb_worker_stat *workers; /* nworkers entries, owned by the executor, valid until next run/close */
	/* CPU time and peak RSS of worker processes that are separate from the parent. */
	double child_user_s, child_sys_s;
	long child_max_rss_kb;
};

struct pb_exec; /* an open executor: opaque, per variant */

struct pb_executor {
	const char *name;
	const char *description;
	int processes; /* 1 if workers are separate processes */
	int extra;     /* 1: not in the default set nor in -v all (mpi starts an MPI job per case); asked by name */

	/* 1 if this build and machine can run it; 0 with the reason in why. */
	int (*available)(char *why, size_t len);

	/*
	 * Create the workers for job (after prepare; forked children see job by
	 * copy-on-write).  Its wall time is recorded as setup_s.  On failure
	 * returns NULL with a one-line reason in err ("pool: cannot fork worker
	 * 2: Resource temporarily unavailable") and leaves nothing behind.
	 */
	struct pb_exec *(*open)(const struct pb_exec_opts *o, const struct pb_job *job, char *err, size_t errlen);

	/*
	 * Execute every task of req exactly once and fill res.  The caller
	 * ignores SIGPIPE (pb_proc_install_signals), so a write to a dead
	 * worker's pipe fails with EPIPE and is reported, not fatal.  Returns 0, or -1
	 * with a one-line reason naming variant, worker and task ("pool: worker 1
	 * (pid 4242) died on task 17: killed by signal 9").  After a failure the
	 * caller only closes the executor.
	 */
	int (*run)(struct pb_exec *ex, const struct pb_job *job, const struct pb_run_req *req,
		   struct pb_run_result *res, char *err, size_t errlen);

	/* Optional: facts for meta.json ("libgomp, OMP_WAIT_POLICY=passive"); NULL if none. */
	void (*describe)(char *buf, size_t len);

	/* Stop and reap every worker, free every shared segment.  Safe after a failed run. */
	void (*close)(struct pb_exec *ex);
};

extern const struct pb_executor *const pb_executors[]; /* NULL-terminated, harness/executors.c */
const struct pb_executor *pb_executor_find(const char *name);

/* ---- helpers every executor uses (harness/exec_common.c) ---- */

/*
 * Run tasks [first, first + count) of req on job in the calling worker:
 * records the CPU at each task in st->cpus, adds to *part and st->tasks_done.
 * Whole-buffer views (threads, serial, OpenMP, shm).
 */
void pb_exec_tasks(const struct pb_job *job, const struct pb_run_req *req, uint64_t first,
		   uint64_t count, struct pb_partial *part, struct pb_worker_stat *st);

/* The same over given views: a pool worker's private copies of its tasks' spans. */
void pb_exec_tasks_views(const struct pb_job *job, const struct pb_run_req *req, uint64_t first,
			 uint64_t count, struct pb_view in, struct pb_view out, struct pb_partial *part,
			 struct pb_worker_stat *st);

/* The whole input and output buffers of job as views. */
struct pb_view pb_job_in_view(const struct pb_job *job);
struct pb_view pb_job_out_view(const struct pb_job *job);

/* CPU time of the calling thread / process, in seconds. */
void pb_thread_cputime(double *user_s, double *sys_s);
void pb_process_cputime(double *user_s, double *sys_s);

#endif
