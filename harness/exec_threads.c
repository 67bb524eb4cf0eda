/* exec_threads.c: the threads variant: a POSIX thread pool made once per open, woken per run. */
#include "executor.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * 128 bytes, not 64: x86's adjacent-line prefetcher fetches cache lines in
 * pairs, so two hot fields 64 bytes apart still interfere.
 */
#define SLOT_ALIGN 128

/*
 * One worker's slot.  The first member's alignment makes the whole slot
 * start on, and be padded to, a 128-byte boundary, so a worker writing its
 * results never touches a line another worker writes (no false sharing).
 * During a run the worker accumulates on its own stack and writes here once.
 */
struct slot {
	_Alignas(SLOT_ALIGN) struct pb_partial part; /* this run's partial */
	struct pb_worker_stat stat;                   /* this run's facts */
	struct pb_exec *ex;
	const struct pb_cpuset *place; /* binding asked at open, or NULL; read before "ready" */
	pthread_t tid;
	int index;
	int bind_failed; /* under ex->mu: pb_pin_thread failed at start-up */
};

struct pb_exec {
	/*
	 * The dynamic/guided claim counter, written by every worker on every
	 * claim: alone in its own 128-byte block so that the claims do not
	 * also invalidate the lines holding the fields below.
	 */
	_Alignas(SLOT_ALIGN) _Atomic uint64_t next;
	char next_pad[SLOT_ALIGN - sizeof(_Atomic uint64_t)];

	pthread_mutex_t mu;
	pthread_cond_t go;   /* workers sleep here until gen changes or quit is set */
	pthread_cond_t done; /* the main thread sleeps here until pending reaches 0 */
	uint64_t gen;        /* under mu: run number; a change starts every worker */
	int pending;         /* under mu: workers not yet ready (open) or not yet done (run) */
	int quit;            /* under mu: close asked the workers to exit */
	const struct pb_job *job;     /* under mu: this run's job and request */
	const struct pb_run_req *req;

	int nworkers;
	int nstarted; /* threads created (and to be joined) */
	const struct pb_counters_cfg *counters;
	struct slot *slots;           /* nworkers, SLOT_ALIGN-aligned */
	struct pb_worker_stat *stats; /* nworkers, contiguous copy handed out by run */
};

static int threads_available(char *why, size_t len)
{
	(void)why;
	(void)len;
	return 1;
}

/* A worker's share of one run: counters and CPU time around its tasks, results to its slot. */
static void run_share(struct pb_exec *ex, struct slot *sl, const struct pb_job *job,
		      const struct pb_run_req *req)
{
	struct pb_partial part;
	struct pb_worker_stat st;
	struct pb_sched_cursor cur = { 0 };
	struct pb_ctr_session cs;
	uint64_t first, count;
	double u0, s0, u1, s1;

	memset(&part, 0, sizeof part);
	memset(&st, 0, sizeof st);
	pb_thread_cputime(&u0, &s0);
	pb_ctr_start(&cs, ex->counters);
	/* Where the worker starts, so a worker left without tasks still reports its CPU. */
	pb_cpuset_set(&st.cpus, pb_current_cpu());
	while (pb_sched_next(&req->sched, sl->index, &cur, &ex->next, &first, &count))
		pb_exec_tasks(job, req, first, count, &part, &st);
	pb_ctr_stop(&cs, &st.ctr);
	pb_thread_cputime(&u1, &s1);
	st.user_s = u1 - u0;
	st.sys_s = s1 - s0;
	sl->part = part;
	sl->stat = st;
}

/*
 * Worker thread: bind, report ready, then one share per generation until
 * quit.  No spinning while waiting: runs are separated by the runner's
 * verify and record steps (far longer than any useful spin), and a spinning
 * waiter would steal a core from the workers on small machines.
 */
static void *worker_main(void *arg)
{
	struct slot *sl = arg;
	struct pb_exec *ex = sl->ex;
	int bind_failed = 0, used_counters = 0;

	if (sl->place && pb_cpuset_count(sl->place) > 0 && pb_pin_thread(sl->place) != 0)
		bind_failed = 1;

	pthread_mutex_lock(&ex->mu);
	sl->bind_failed = bind_failed;
	uint64_t seen = ex->gen;
	if (--ex->pending == 0)
		pthread_cond_signal(&ex->done);
	for (;;) {
		while (ex->gen == seen && !ex->quit)
			pthread_cond_wait(&ex->go, &ex->mu);
		if (ex->quit)
			break;
		seen = ex->gen;
		const struct pb_job *job = ex->job;
		const struct pb_run_req *req = ex->req;
		pthread_mutex_unlock(&ex->mu);

		run_share(ex, sl, job, req);
		used_counters = 1;

		pthread_mutex_lock(&ex->mu);
		if (--ex->pending == 0)
			pthread_cond_signal(&ex->done);
	}
	pthread_mutex_unlock(&ex->mu);
	if (used_counters)
		pb_ctr_thread_done(ex->counters);
	return NULL;
}

/* Tell every created worker to exit, join them, free everything.  Safe on a partly opened executor. */
static void threads_close(struct pb_exec *ex)
{
	if (!ex)
		return;
	pthread_mutex_lock(&ex->mu);
	ex->quit = 1;
	pthread_cond_broadcast(&ex->go);
	pthread_mutex_unlock(&ex->mu);
	for (int i = 0; i < ex->nstarted; i++)
		pthread_join(ex->slots[i].tid, NULL);
	pthread_cond_destroy(&ex->done);
	pthread_cond_destroy(&ex->go);
	pthread_mutex_destroy(&ex->mu);
	free(ex->stats);
	free(ex->slots);
	free(ex);
}

/*
 * Create o->workers threads; each binds itself to o->places[i] when that set
 * is non-empty.  Returns once every worker is bound and waiting, so the
 * recorded setup time covers creation and binding.  On failure returns NULL
 * with the reason in err, having joined every thread it made.
 */
static struct pb_exec *threads_open(const struct pb_exec_opts *o, const struct pb_job *job, char *err,
				    size_t errlen)
{
	(void)job;
	int P = o->workers;
	if (P < 1) {
		snprintf(err, errlen, "threads: invalid worker count %d", P);
		return NULL;
	}
	struct pb_exec *ex = aligned_alloc(SLOT_ALIGN, sizeof *ex);
	if (!ex) {
		snprintf(err, errlen, "threads: out of memory");
		return NULL;
	}
	memset(ex, 0, sizeof *ex);
	ex->slots = aligned_alloc(SLOT_ALIGN, (size_t)P * sizeof *ex->slots);
	ex->stats = calloc((size_t)P, sizeof *ex->stats);
	if (!ex->slots || !ex->stats) {
		free(ex->slots);
		free(ex->stats);
		free(ex);
		snprintf(err, errlen, "threads: out of memory");
		return NULL;
	}
	memset(ex->slots, 0, (size_t)P * sizeof *ex->slots);
	pthread_mutex_init(&ex->mu, NULL);
	pthread_cond_init(&ex->go, NULL);
	pthread_cond_init(&ex->done, NULL);
	ex->nworkers = P;
	ex->counters = o->counters;
	ex->pending = P;

	for (int i = 0; i < P; i++) {
		struct slot *sl = &ex->slots[i];
		sl->ex = ex;
		sl->index = i;
		sl->place = o->places ? &o->places[i] : NULL;
		int rc = pthread_create(&sl->tid, NULL, worker_main, sl);
		if (rc != 0) {
			snprintf(err, errlen, "threads: cannot create worker %d: %s", i, strerror(rc));
			threads_close(ex);
			return NULL;
		}
		ex->nstarted++;
	}

	pthread_mutex_lock(&ex->mu);
	while (ex->pending > 0)
		pthread_cond_wait(&ex->done, &ex->mu);
	int failed = -1;
	for (int i = 0; i < P && failed < 0; i++)
		if (ex->slots[i].bind_failed)
			failed = i;
	pthread_mutex_unlock(&ex->mu);
	if (failed >= 0) {
		char cpus[256];
		pb_cpuset_format(&o->places[failed], cpus, sizeof cpus);
		snprintf(err, errlen, "threads: cannot bind worker %d to cpus %s", failed, cpus);
		threads_close(ex);
		return NULL;
	}
	return ex;
}

/* Wake every worker for one run, wait for all of them, combine partials in worker order. */
static int threads_run(struct pb_exec *ex, const struct pb_job *job, const struct pb_run_req *req,
		       struct pb_run_result *res, char *err, size_t errlen)
{
	memset(res, 0, sizeof *res);
	if (req->sched.workers != ex->nworkers) {
		snprintf(err, errlen, "threads: run asks for %d workers, the pool has %d",
			 req->sched.workers, ex->nworkers);
		return -1;
	}
	pthread_mutex_lock(&ex->mu);
	ex->job = job;
	ex->req = req;
	atomic_store_explicit(&ex->next, 0, memory_order_relaxed); /* published by the mutex */
	ex->pending = ex->nworkers;
	ex->gen++;
	pthread_cond_broadcast(&ex->go);
	while (ex->pending > 0)
		pthread_cond_wait(&ex->done, &ex->mu);
	ex->job = NULL;
	ex->req = NULL;
	pthread_mutex_unlock(&ex->mu);

	for (int i = 0; i < ex->nworkers; i++) {
		pb_partial_add(&res->total, &ex->slots[i].part);
		ex->stats[i] = ex->slots[i].stat;
	}
	res->nworkers = ex->nworkers;
	res->workers = ex->stats;
	return 0;
}

const struct pb_executor pb_ex_threads = {
	.name = "threads",
	.description = "a POSIX thread pool made at open; workers wake together for each run",
	.processes = 0,
	.available = threads_available,
	.open = threads_open,
	.run = threads_run,
	.close = threads_close,
};
