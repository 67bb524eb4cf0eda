/* exec_proc_common.h: what the worker-process executors (pool, process, shm) share. */
#ifndef PB_EXEC_PROC_COMMON_H
#define PB_EXEC_PROC_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/uio.h>
#include "executor.h"

/* "Current task" of a worker that is between tasks. */
#define PB_PC_IDLE UINT64_MAX

/*
 * The union of the spans fn (job->wl->in_span or out_span) gives for tasks
 * [first, first + count); tasks with no items are skipped.  A run of
 * consecutive tasks of a data workload reads and writes one contiguous
 * range, so the union is exactly the bytes the run needs.  len 0 if none.
 */
void pb_pc_span(const struct pb_job *job, const struct pb_run_req *req, uint64_t first, uint64_t count,
		void (*fn)(const struct pb_job *, uint64_t, uint64_t, struct pb_span *), struct pb_span *sp);

/* Worker w's share of a run, as the parent hands it out. */
struct pb_pc_feed {
	struct pb_sched_cursor cur; /* zero it (the whole feed) before a run */
	uint64_t first, left;       /* the rest of the current run from pb_sched_next */
};

/*
 * The next dispatch (pool message, process fork) for worker w: the runs of
 * pb_sched_next, with static and cyclic runs cut into at most s->chunk
 * tasks, so the chunk is the dispatch granularity under every schedule
 * (dynamic runs are chunk tasks already; a guided run goes whole, its size
 * being the schedule's decision).  Returns false when w has no more tasks.
 */
bool pb_pc_next(const struct pb_sched *s, int w, struct pb_pc_feed *f, _Atomic uint64_t *next, uint64_t *first,
		uint64_t *count);

/*
 * The pool's queue-ahead rule (exec_pool.c): whether a worker that has msgs
 * messages holding tasks_out tasks outstanding may be sent another one of
 * next tasks, when remaining tasks are not yet handed out (dynamic and
 * guided only) and its messages have taken msg_s seconds each so far (0:
 * none answered yet).  An idle worker always may; otherwise at most window
 * messages, and under dynamic and guided only (time) while the messages
 * queued behind its current one hold less than HIDE_S of work, or none
 * while msg_s is unknown, and (share) while 2 * workers * (tasks_out +
 * next) <= remaining, so that no worker holds more than 1/(2P) of what is
 * left.  forced: the window alone decides.
 */
bool pb_pool_may_queue(enum pb_schedule kind, unsigned window, int forced, unsigned msgs, uint64_t tasks_out,
		       uint64_t next, uint64_t remaining, int workers, double msg_s);

/*
 * Reap child pid: wait up to grace_s seconds for it to exit by itself, then
 * SIGKILL it and wait.  Stores its wait status in *status and its resource
 * usage in *ru (either may be NULL), then unregisters it from proc.h's
 * registry.  Returns 0, or -1 if pid was not a child (status then 0).
 */
int pb_pc_reap(pid_t pid, double grace_s, int *status, struct rusage *ru);

/*
 * "pool: worker 1 (pid 4242) died on task 17: killed by signal 9".  The
 * worker was on tasks [first, first + count): count 1 names the task, more
 * name the range ("on tasks 15-17"), 0 says "between tasks".
 */
void pb_pc_death_msg(char *err, size_t errlen, const char *variant, int w, pid_t pid, uint64_t first,
		     uint64_t count, int status);

/* writev every byte of iov[0..n) (modified), retrying on EINTR and short writes; 0 or -1 (errno). */
int pb_pc_writev_full(int fd, struct iovec *iov, int n);

/* Add counter values s into d, event by event. */
void pb_pc_ctr_add(struct pb_counter_values *d, const struct pb_counter_values *s);

/* Seconds in a struct timeval. */
double pb_pc_tv_s(struct timeval tv);

/* The calling process's peak resident set, in KiB (getrusage RUSAGE_SELF). */
long pb_pc_self_max_rss_kb(void);

/* Fill res's child_* fields: the workers' CPU times summed, and rss_kb_sum. */
void pb_pc_child_totals(struct pb_run_result *res, const struct pb_worker_stat *st, int n, long rss_kb_sum);

/* In a forked worker: close every descriptor in fds[0..n) that is >= 0. */
void pb_pc_close_fds(const int *fds, int n);

/* In a forked worker: bind to places[w] when places is non-NULL and places[w] non-empty; 0 or -1. */
int pb_pc_bind(const struct pb_cpuset *places, int w);

#endif
