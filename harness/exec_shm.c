/* exec_shm.c: forked workers on a shared control segment; zero copies, a shared atomic counter, no messages. */
#include "executor.h"

#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <signal.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec_proc_common.h"
#include "proc.h"

/*
 * The workers are forked once in open and inherit the workload buffers,
 * which pb_buf_alloc already made MAP_SHARED: they compute in place.  A
 * control segment carries the run request, the shared task counter, and one
 * slot per worker.  It is a memfd (memfd_create: tmpfs shared memory, as
 * shm_open's, but with no name) mapped MAP_SHARED before the first fork, so
 * the workers inherit the mapping and no path ever exists that a SIGKILL of
 * parbench during start-up could strand in /dev/shm.  A run: the parent writes the request, posts each
 * worker's start semaphore, and waits for `workers` posts of done, in short
 * slices, checking between slices that no worker died.
 */
enum { CMD_RUN = 1, CMD_EXIT };

#define CACHE_LINE 64
#define WAIT_SLICE_NS 25000000L /* 25 ms: how soon a dead worker is noticed */

/*
 * One per worker, on its own cache lines: a worker writes `current` at
 * every task, and sharing a line with a neighbour's slot would bounce that
 * line between cores at every task (false sharing).
 */
struct shm_slot {
	alignas(CACHE_LINE) sem_t start; /* posted by the parent: run (or exit) */
	_Atomic uint64_t current;        /* the task being run, PB_PC_IDLE between tasks */
	int bind_failed;                 /* set at start-up if binding failed */
	long max_rss_kb;
	struct pb_partial part;
	struct pb_worker_stat stat;
};

struct shm_ctl {
	/* Alone on its line: every claim by every worker writes it. */
	alignas(CACHE_LINE) _Atomic uint64_t next;
	alignas(CACHE_LINE) sem_t done; /* one post per worker: ready at start-up, finished after a run */
	int cmd;
	struct pb_run_req req;
	struct shm_slot slot[];
};

struct pb_exec {
	int n;
	int failed; /* a run failed: close kills at once */
	pid_t *pids; /* 0 once reaped */
	struct shm_ctl *ctl;
	size_t ctl_len;
	int nsem; /* slot semaphores initialised, for destruction */
	const struct pb_counters_cfg *counters;
	struct pb_worker_stat *stats;
};

static int shm_available(char *why, size_t len)
{
	(void)why;
	(void)len;
	return 1;
}

static void sem_wait_full(sem_t *s)
{
	while (sem_wait(s) != 0 && errno == EINTR)
		;
}

static void worker_main(struct shm_ctl *ctl, int w, const struct pb_job *job, const struct pb_exec_opts *o)
	__attribute__((noreturn));

static void worker_main(struct shm_ctl *ctl, int w, const struct pb_job *job, const struct pb_exec_opts *o)
{
	struct shm_slot *me = &ctl->slot[w];
	if (pb_pc_bind(o->places, w) != 0)
		me->bind_failed = 1;
	atomic_store_explicit(&me->current, PB_PC_IDLE, memory_order_relaxed);
	sem_post(&ctl->done);
	for (;;) {
		sem_wait_full(&me->start);
		if (ctl->cmd != CMD_RUN) {
			pb_ctr_thread_done(o->counters);
			_exit(0);
		}
		struct pb_run_req req = ctl->req;
		struct pb_sched_cursor cur = { 0 };
		struct pb_worker_stat st;
		struct pb_partial part;
		struct pb_ctr_session cs;
		double u0, s0, u1, s1;
		uint64_t first, count;

		memset(&st, 0, sizeof st);
		memset(&part, 0, sizeof part);
		st.pid = (int)getpid();
		pb_process_cputime(&u0, &s0);
		pb_ctr_start(&cs, o->counters);
		while (pb_sched_next(&req.sched, w, &cur, &ctl->next, &first, &count)) {
			for (uint64_t k = first; k < first + count; k++) {
				atomic_store_explicit(&me->current, k, memory_order_relaxed);
				pb_exec_tasks(job, &req, k, 1, &part, &st);
			}
		}
		atomic_store_explicit(&me->current, PB_PC_IDLE, memory_order_relaxed);
		pb_ctr_stop(&cs, &st.ctr);
		pb_process_cputime(&u1, &s1);
		st.user_s = u1 - u0;
		st.sys_s = s1 - s0;
		me->stat = st;
		me->part = part;
		me->max_rss_kb = pb_pc_self_max_rss_kb();
		sem_post(&ctl->done); /* a full barrier: the parent sees the slot written */
	}
}

/*
 * Wait for n posts of ctl->done, in slices; between slices reap any worker
 * that died and fail with its message.  `what` names the phase for deaths
 * outside a run ("during start-up"), NULL inside a run.
 */
static int wait_done(struct pb_exec *ex, int n, const char *what, char *err, size_t errlen)
{
	while (n > 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += WAIT_SLICE_NS;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (sem_timedwait(&ex->ctl->done, &ts) == 0) {
			n--;
			continue;
		}
		if (errno != ETIMEDOUT && errno != EINTR) {
			snprintf(err, errlen, "shm: waiting for the workers: %s", strerror(errno));
			return -1;
		}
		for (int i = 0; i < ex->n; i++) {
			int status;
			if (ex->pids[i] <= 0 || waitpid(ex->pids[i], &status, WNOHANG) != ex->pids[i])
				continue;
			pid_t pid = ex->pids[i];
			pb_proc_unregister(pid);
			ex->pids[i] = 0;
			if (what) {
				char how[96];
				pb_wait_status_str(status, how, sizeof how);
				snprintf(err, errlen, "shm: worker %d (pid %ld) died %s: %s", i, (long)pid, what, how);
			} else {
				uint64_t k = atomic_load_explicit(&ex->ctl->slot[i].current, memory_order_relaxed);
				pb_pc_death_msg(err, errlen, "shm", i, pid, k, k == PB_PC_IDLE ? 0 : 1, status);
			}
			return -1;
		}
	}
	return 0;
}

static void kill_all(struct pb_exec *ex, double grace_s)
{
	for (int i = 0; i < ex->n; i++) {
		if (ex->pids[i] > 0)
			pb_pc_reap(ex->pids[i], grace_s, NULL, NULL);
		ex->pids[i] = 0;
	}
}

static void free_exec(struct pb_exec *ex)
{
	if (ex->ctl) {
		for (int i = 0; i < ex->nsem; i++)
			sem_destroy(&ex->ctl->slot[i].start);
		if (ex->nsem >= 0)
			sem_destroy(&ex->ctl->done);
		munmap(ex->ctl, ex->ctl_len);
	}
	free(ex->pids);
	free(ex->stats);
	free(ex);
}

static struct pb_exec *shm_open_exec(const struct pb_exec_opts *o, const struct pb_job *job, char *err,
				     size_t errlen)
{
	int fd = -1;
	struct pb_exec *ex = calloc(1, sizeof *ex);
	if (ex) {
		ex->pids = calloc((size_t)o->workers, sizeof *ex->pids);
		ex->stats = calloc((size_t)o->workers, sizeof *ex->stats);
	}
	if (!ex || !ex->pids || !ex->stats) {
		snprintf(err, errlen, "shm: out of memory");
		if (ex) {
			free(ex->pids);
			free(ex->stats);
			free(ex);
		}
		return NULL;
	}
	ex->n = o->workers;
	ex->counters = o->counters;
	ex->nsem = -1;
	ex->ctl_len = sizeof(struct shm_ctl) + (size_t)ex->n * sizeof(struct shm_slot);

	fd = memfd_create("parbench-shm-ctl", MFD_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "shm: cannot create the control segment: %s", strerror(errno));
		goto fail;
	}
	if (ftruncate(fd, (off_t)ex->ctl_len) != 0) {
		snprintf(err, errlen, "shm: cannot size the control segment: %s", strerror(errno));
		goto fail;
	}
	void *p = mmap(NULL, ex->ctl_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "shm: cannot map the control segment: %s", strerror(errno));
		goto fail;
	}
	close(fd);
	fd = -1;
	ex->ctl = p;
	if (sem_init(&ex->ctl->done, 1, 0) != 0) {
		snprintf(err, errlen, "shm: cannot create a semaphore: %s", strerror(errno));
		goto fail;
	}
	ex->nsem = 0;
	for (int i = 0; i < ex->n; i++) {
		if (sem_init(&ex->ctl->slot[i].start, 1, 0) != 0) {
			snprintf(err, errlen, "shm: cannot create a semaphore: %s", strerror(errno));
			goto fail;
		}
		ex->nsem++;
	}

	for (int i = 0; i < ex->n; i++) {
		pid_t pid = pb_fork();
		if (pid < 0) {
			snprintf(err, errlen, "shm: cannot fork worker %d: %s", i, strerror(errno));
			goto fail;
		}
		if (pid == 0)
			worker_main(ex->ctl, i, job, o);
		ex->pids[i] = pid;
	}
	if (wait_done(ex, ex->n, "during start-up", err, errlen) != 0)
		goto fail;
	for (int i = 0; i < ex->n; i++) {
		if (ex->ctl->slot[i].bind_failed) {
			snprintf(err, errlen, "shm: worker %d (pid %ld) cannot bind to its cpus", i, (long)ex->pids[i]);
			goto fail;
		}
	}
	return ex;

fail:
	kill_all(ex, 0);
	if (fd >= 0)
		close(fd);
	free_exec(ex);
	return NULL;
}

static int shm_run(struct pb_exec *ex, const struct pb_job *job, const struct pb_run_req *req,
		   struct pb_run_result *res, char *err, size_t errlen)
{
	(void)job;
	struct shm_ctl *ctl = ex->ctl;
	memset(res, 0, sizeof *res);
	ctl->cmd = CMD_RUN;
	ctl->req = *req;
	ctl->req.sched.workers = ex->n; /* the schedule cuts for the workers this executor has */
	atomic_store_explicit(&ctl->next, 0, memory_order_relaxed);
	for (int i = 0; i < ex->n; i++)
		sem_post(&ctl->slot[i].start); /* a full barrier: the request is visible first */
	if (wait_done(ex, ex->n, NULL, err, errlen) != 0) {
		ex->failed = 1;
		return -1;
	}
	long rss = 0;
	for (int i = 0; i < ex->n; i++) {
		pb_partial_add(&res->total, &ctl->slot[i].part);
		ex->stats[i] = ctl->slot[i].stat;
		rss += ctl->slot[i].max_rss_kb;
	}
	res->nworkers = ex->n;
	res->workers = ex->stats;
	pb_pc_child_totals(res, ex->stats, ex->n, rss);
	return 0;
}

static void shm_close(struct pb_exec *ex)
{
	if (!ex)
		return;
	if (!ex->failed) {
		ex->ctl->cmd = CMD_EXIT;
		for (int i = 0; i < ex->n; i++)
			if (ex->pids[i] > 0)
				sem_post(&ex->ctl->slot[i].start);
		kill_all(ex, 1.0);
	} else {
		kill_all(ex, 0);
	}
	free_exec(ex);
}

const struct pb_executor pb_ex_shm = {
	.name = "shm",
	.description = "forked workers on shared memory, a shared atomic counter, zero copies",
	.processes = 1,
	.available = shm_available,
	.open = shm_open_exec,
	.run = shm_run,
	.close = shm_close,
};
