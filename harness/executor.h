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

/*
 * How threads that have nothing to do wait (run --wait): block on a futex
 * (condition variable) at once; spin on the flag they wait for, forever;
 * or spin PB_SPIN_COUNT times, then block.  The threads executor does what
 * it is told; OpenMP gets the matching OMP_WAIT_POLICY / GOMP_SPINCOUNT
 * (pb_openmp_apply_wait).  Block is the default: runs are separated by the
 * runner's verify and record steps, far longer than a useful spin, and a
 * spinning waiter on a loaded or oversubscribed machine keeps the thread it
 * waits for off the CPU (README, "waiting policy").
 */
enum pb_wait { PB_WAIT_BLOCK, PB_WAIT_SPIN, PB_WAIT_SPINBLOCK };
/* pause iterations before a spinblock waiter blocks: libgomp's default GOMP_SPINCOUNT, so both spin alike */
#define PB_SPIN_COUNT 300000
const char *pb_wait_name(enum pb_wait w);     /* "block", "spin", "spinblock" */
int pb_wait_parse(const char *s, enum pb_wait *w); /* 0 or -1 */

struct pb_exec_opts {
	int workers;                        /* >= 1 */
	enum pb_wait wait;                  /* threads: how idle workers and the coordinator wait */
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
	/* A condition the runner should report for this case ("waiting threads spun ..."), or NULL; an
	 * executor sets it at most once per open, so a case warns once. */
	const char *warning;
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

/*
 * Spinning waiters on a loaded or oversubscribed machine: the facts of one
 * run of threads or OpenMP, and the rule that turns them into a warning
 * (a pure function, tested by a table).
 */
struct pb_spin_facts {
	const char *variant; /* "threads", "openmp" */
	const char *fix;     /* what to do: "run with --wait block", "set OMP_WAIT_POLICY=passive ..." */
	int spins;           /* the waiting policy spins at all */
	int workers, cpus;   /* cpus: those the process may run on */
	double load1;        /* 1-minute load average, for the message */
	double wall_s;       /* the run */
	double wait_cpu_s;   /* CPU burnt inside the run by threads that waited: the process's minus the work */
	double work_cpu_s;   /* CPU the workers spent on their tasks, all together */
};

/*
 * Warn (1, the line in buf) when the policy spins and the run looks like
 * waiters spinning for workers that could not run: the waiters burnt at
 * least half the run's wall time (and the run took 100 us or more) while
 * the workers' own CPU time was less than half of what they could have
 * had (wall x workers).  A balanced or merely unbalanced run fails the
 * second test; a run whose workers were kept off the CPUs passes both.
 * 0 otherwise.
 */
int pb_spin_warning(const struct pb_spin_facts *f, char *buf, size_t len);

/*
 * The check of one spinning run of a thread team (threads, OpenMP): the
 * facts from this machine (its CPUs, its load), the run's wall time, the
 * process's CPU time in it (cpu_s) and the workers' own share (work_cpu_s;
 * the rest is waiting), then pb_spin_warning.  1 with the line in buf, or 0.
 */
int pb_spin_check(const char *variant, const char *fix, int workers, double wall_s, double cpu_s, double work_cpu_s,
		  char *buf, size_t len);

/*
 * Make the OpenMP runtime wait as w says, before it starts: libgomp reads
 * OMP_WAIT_POLICY and GOMP_SPINCOUNT once, when it is loaded (before
 * main), so unless the user set either, this sets them (block: passive;
 * spin: active; spinblock: GOMP_SPINCOUNT=PB_SPIN_COUNT, the runtime's own
 * default) and re-executes the program with the same arguments and pid,
 * marked PARBENCH_OMP_WAIT so that it happens once.  Call it before any
 * output file is made.  Returns 0 when nothing needs doing (the policy is
 * in place, or the user's own is kept and recorded), or -1 with err when
 * the re-execution failed (the runtime's default then stays, and the
 * OpenMP executor's describe says so).  A build without OpenMP does nothing.
 */
int pb_openmp_apply_wait(enum pb_wait w, char *err, size_t errlen);

/* The CPUs this process may run on, and the 1-minute load average (0 if unknown). */
int pb_exec_cpus(void);
double pb_exec_load1(void);

/* CPU time of the calling thread / process, in seconds. */
void pb_thread_cputime(double *user_s, double *sys_s);
/*
 * The calling thread's CPU time to the nanosecond (CLOCK_THREAD_CPUTIME_ID):
 * getrusage's figure for a running thread can be a scheduler tick (4 ms)
 * stale, which would hide a waiter that spins through a short run.
 */
double pb_thread_cpu_now(void);
/* The same for the whole process (CLOCK_PROCESS_CPUTIME_ID): every thread's, the spinning ones' included. */
double pb_process_cpu_now(void);
void pb_process_cputime(double *user_s, double *sys_s);

#endif
