/* exec_threads.c: the threads variant: a POSIX thread pool made once per open, woken per run. */
#include "executor.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

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
	double cpu_s;                                 /* this run's share, CPU time to the nanosecond */
	struct pb_exec *ex;
	const struct pb_cpuset *place; /* binding asked at open, or NULL; read before "ready" */
	pthread_t tid;
	int index;
	int bind_failed; /* under ex->mu: pb_pin_thread failed at start-up */
};

/*
 * Waiting.  Every wait is for an atomic to change: a worker for `gen` (a
 * new run, or quit), the coordinator for `pending` to reach 0.  A waiter
 * spins on the atomic as --wait says (not at all, PB_SPIN_COUNT times, or
 * for ever), then sleeps on the condition variable, re-checking under the
 * mutex; a notifier changes the atomic and, unless every waiter spins for
 * ever, broadcasts under the mutex.  So no wake-up is lost: a waiter that
 * checked under the mutex is inside pthread_cond_wait before the notifier
 * can take the mutex to broadcast.
 */
struct pb_exec {
	/*
	 * The dynamic/guided claim counter, written by every worker on every
	 * claim: alone in its own 128-byte block so that the claims do not
	 * also invalidate the lines holding the fields below.
	 */
	_Alignas(SLOT_ALIGN) _Atomic uint64_t next;
	char next_pad[SLOT_ALIGN - sizeof(_Atomic uint64_t)];
	/* Read by spinning workers all the time, written once per run: a line of its own. */
	_Alignas(SLOT_ALIGN) _Atomic uint64_t gen; /* run number; a change starts every worker */
	_Atomic int quit;                          /* close asked the workers to exit */
	char gen_pad[SLOT_ALIGN - sizeof(_Atomic uint64_t) - sizeof(_Atomic int)];
	/* Written by every worker once per run, read by the spinning coordinator. */
	_Alignas(SLOT_ALIGN) _Atomic int pending; /* workers not yet ready (open) or not yet done (run) */
	char pending_pad[SLOT_ALIGN - sizeof(_Atomic int)];

	pthread_mutex_t mu;
	pthread_cond_t go;   /* sleeping workers wait here for gen or quit */
	pthread_cond_t done; /* the sleeping coordinator waits here for pending to reach 0 */
	const struct pb_job *job;     /* this run's job and request, published by gen */
	const struct pb_run_req *req;

	enum pb_wait wait;
	/*
	 * Whether the coordinator spins too (spin, spinblock) while the workers
	 * run: only with a CPU to spare.  With as many workers as CPUs a
	 * spinning coordinator is one runnable thread too many (OpenMP's
	 * master is one of its workers; this coordinator is not), and a worker
	 * then waits a scheduler tick for a CPU: 1000 empty tasks took 7.9 ms
	 * at 2 workers on 2 CPUs instead of 0.09 ms.  It blocks instead.
	 */
	int coord_spins;
	int nworkers;
	int nstarted; /* threads created (and to be joined) */
	int warned;   /* the spinning warning was given for this open */
	char warning[512];
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

/* One iteration of a spin: tells the CPU (and a hyperthread sibling) that this is a wait. */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield");
#endif
}

/* Spin for as long as the policy says while *gen == seen and not quit; true if it changed. */
static bool spin_gen(struct pb_exec *ex, uint64_t seen)
{
	if (ex->wait == PB_WAIT_BLOCK)
		return false;
	for (long i = 0; ex->wait == PB_WAIT_SPIN || i < PB_SPIN_COUNT; i++) {
		if (atomic_load_explicit(&ex->gen, memory_order_acquire) != seen ||
		    atomic_load_explicit(&ex->quit, memory_order_acquire))
			return true;
		cpu_relax();
	}
	return false;
}

static bool spin_pending(struct pb_exec *ex)
{
	if (!ex->coord_spins)
		return false;
	for (long i = 0; ex->wait == PB_WAIT_SPIN || i < PB_SPIN_COUNT; i++) {
		if (atomic_load_explicit(&ex->pending, memory_order_acquire) == 0)
			return true;
		cpu_relax();
	}
	return false;
}

/* A worker waits for a run after `seen` (or quit); returns the new generation, or 0 on quit. */
static uint64_t wait_for_run(struct pb_exec *ex, uint64_t seen)
{
	if (!spin_gen(ex, seen)) {
		pthread_mutex_lock(&ex->mu);
		while (atomic_load_explicit(&ex->gen, memory_order_acquire) == seen &&
		       !atomic_load_explicit(&ex->quit, memory_order_acquire))
			pthread_cond_wait(&ex->go, &ex->mu);
		pthread_mutex_unlock(&ex->mu);
	}
	if (atomic_load_explicit(&ex->quit, memory_order_acquire))
		return 0;
	return atomic_load_explicit(&ex->gen, memory_order_acquire);
}

/* The coordinator waits until every worker is done (or ready). */
static void wait_for_workers(struct pb_exec *ex)
{
	if (spin_pending(ex))
		return;
	pthread_mutex_lock(&ex->mu);
	while (atomic_load_explicit(&ex->pending, memory_order_acquire) > 0)
		pthread_cond_wait(&ex->done, &ex->mu);
	pthread_mutex_unlock(&ex->mu);
}

/* A worker is done (or ready): the last one wakes the coordinator. */
static void worker_done(struct pb_exec *ex)
{
	if (atomic_fetch_sub_explicit(&ex->pending, 1, memory_order_acq_rel) == 1 &&
	    (ex->wait != PB_WAIT_SPIN || !ex->coord_spins)) {
		pthread_mutex_lock(&ex->mu);
		pthread_cond_signal(&ex->done);
		pthread_mutex_unlock(&ex->mu);
	}
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
	/* precise CPU time for the spinning check, only where waiters spin: each read is a system call */
	const int spins = ex->wait != PB_WAIT_BLOCK;
	double c0 = spins ? pb_thread_cpu_now() : 0;
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
	sl->cpu_s = spins ? pb_thread_cpu_now() - c0 : 0;
}

/* Worker thread: bind, report ready, then one share per generation until quit. */
static void *worker_main(void *arg)
{
	struct slot *sl = arg;
	struct pb_exec *ex = sl->ex;
	int used_counters = 0;

	if (sl->place && pb_cpuset_count(sl->place) > 0 && pb_pin_thread(sl->place) != 0) {
		pthread_mutex_lock(&ex->mu);
		sl->bind_failed = 1;
		pthread_mutex_unlock(&ex->mu);
	}
	uint64_t seen = atomic_load_explicit(&ex->gen, memory_order_acquire);
	worker_done(ex); /* ready */
	for (;;) {
		seen = wait_for_run(ex, seen);
		if (seen == 0)
			break;
		run_share(ex, sl, ex->job, ex->req);
		used_counters = 1;
		worker_done(ex);
	}
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
	atomic_store_explicit(&ex->quit, 1, memory_order_release);
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
	ex->wait = o->wait;
	ex->coord_spins = o->wait != PB_WAIT_BLOCK && P < pb_available_cpus();
	ex->nworkers = P;
	ex->counters = o->counters;
	atomic_init(&ex->gen, 1);
	atomic_init(&ex->quit, 0);
	atomic_init(&ex->pending, P);

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

	wait_for_workers(ex);
	int failed = -1;
	pthread_mutex_lock(&ex->mu);
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

/*
 * The spinning check (pb_spin_warning): what the process burnt during the
 * run beyond the workers' shares is waiting (the coordinator's, and the
 * workers' before and after their shares).  Once per open.
 */
static void check_spinning(struct pb_exec *ex, double wall_s, double cpu_s, struct pb_run_result *res)
{
	if (ex->warned || ex->wait == PB_WAIT_BLOCK)
		return;
	double work = 0;
	for (int i = 0; i < ex->nworkers; i++)
		work += ex->slots[i].cpu_s;
	if (pb_spin_check("threads", "run with --wait block", ex->nworkers, wall_s, cpu_s, work, ex->warning,
			  sizeof ex->warning)) {
		ex->warned = 1;
		res->warning = ex->warning;
	}
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
	double t0 = pb_now(), c0 = ex->wait == PB_WAIT_BLOCK ? 0 : pb_process_cpu_now();
	ex->job = job;
	ex->req = req;
	atomic_store_explicit(&ex->next, 0, memory_order_relaxed);
	atomic_store_explicit(&ex->pending, ex->nworkers, memory_order_relaxed);
	/* The release store of gen publishes job, req, next and pending to the workers that see it. */
	if (ex->wait == PB_WAIT_SPIN) {
		atomic_fetch_add_explicit(&ex->gen, 1, memory_order_release);
	} else {
		pthread_mutex_lock(&ex->mu);
		atomic_fetch_add_explicit(&ex->gen, 1, memory_order_release);
		pthread_cond_broadcast(&ex->go);
		pthread_mutex_unlock(&ex->mu);
	}
	wait_for_workers(ex);
	double wall = pb_now() - t0, cpu = ex->wait == PB_WAIT_BLOCK ? 0 : pb_process_cpu_now() - c0;
	ex->job = NULL;
	ex->req = NULL;

	for (int i = 0; i < ex->nworkers; i++) {
		pb_partial_add(&res->total, &ex->slots[i].part);
		ex->stats[i] = ex->slots[i].stat;
	}
	res->nworkers = ex->nworkers;
	res->workers = ex->stats;
	check_spinning(ex, wall, cpu, res);
	return 0;
}

static void threads_describe(char *buf, size_t len)
{
	snprintf(buf, len,
		 "a POSIX thread pool; idle workers and the coordinator wait as --wait says (block: a futex at once; spin: for ever; spinblock: %d pauses, then a futex)",
		 PB_SPIN_COUNT);
}

const struct pb_executor pb_ex_threads = {
	.name = "threads",
	.description = "a POSIX thread pool made at open; workers wake together for each run",
	.processes = 0,
	.available = threads_available,
	.open = threads_open,
	.run = threads_run,
	.describe = threads_describe,
	.close = threads_close,
};
