/* test_exec_threads.c: the threads and openmp executors against the serial reference. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <grp.h>
#include <dirent.h>

#include <cmocka.h>

#include "testutil.h"

#include "../harness/executor.h"

extern const struct pb_executor pb_ex_serial, pb_ex_threads, pb_ex_openmp;

/* ---- test workloads, defined here so the tests do not depend on the real ones ---- */

#define MAX_ITEMS 4096

/* How often each item was computed, so a test can assert every task ran exactly once. */
static _Atomic uint32_t runs[MAX_ITEMS];

static uint64_t splitmix64(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

/* A partial that depends on every item: a 128-bit sum of hashes, a wrapping sum of i*i + (i & 7). */
static void hash_kernel(const struct pb_job *job, uint64_t begin, uint64_t end, struct pb_view in,
			struct pb_view out, struct pb_partial *part)
{
	(void)job;
	(void)in;
	(void)out;
	for (uint64_t i = begin; i < end; i++) {
		part->sum += splitmix64(i);
		part->aux += i * i + (i & 7);
		atomic_fetch_add_explicit(&runs[i], 1, memory_order_relaxed);
	}
	part->items += end - begin;
}

/* A data kernel: reads in, writes out through the views (global offset x is base[x - off]). */
static void data_kernel(const struct pb_job *job, uint64_t begin, uint64_t end, struct pb_view in,
			struct pb_view out, struct pb_partial *part)
{
	(void)job;
	for (uint64_t i = begin; i < end; i++) {
		uint8_t v = (uint8_t)(in.base[i - in.off] * 3 + 1);
		out.base[i - out.off] = v;
		part->sum += (pb_u128)v * (i + 1);
		atomic_fetch_add_explicit(&runs[i], 1, memory_order_relaxed);
	}
	part->items += end - begin;
}

/* Records, per task, how many CPUs the running thread may use (in aux). */
static void affinity_kernel(const struct pb_job *job, uint64_t begin, uint64_t end, struct pb_view in,
			    struct pb_view out, struct pb_partial *part)
{
	(void)job;
	(void)in;
	(void)out;
	struct pb_cpuset s;
	if (pb_pin_get_thread(&s) == 0)
		part->aux += (uint64_t)pb_cpuset_count(&s);
	part->items += end - begin;
}

static const struct pb_workload wl_hash = { .name = "test-hash", .kernel = hash_kernel };
static const struct pb_workload wl_data = { .name = "test-data", .kernel = data_kernel };
static const struct pb_workload wl_affinity = { .name = "test-affinity", .kernel = affinity_kernel };

static struct pb_job make_job(const struct pb_workload *wl, uint64_t n)
{
	struct pb_job job;
	memset(&job, 0, sizeof job);
	job.wl = wl;
	job.size = n;
	job.n_items = n;
	return job;
}

static struct pb_run_req make_req(const struct pb_job *job, enum pb_schedule kind, uint64_t ntasks,
				  uint64_t chunk, int workers)
{
	struct pb_run_req req = { .sched = { .kind = kind, .ntasks = ntasks, .chunk = chunk, .workers = workers },
				  .n_items = job->n_items };
	return req;
}

static void reset_runs(void)
{
	for (int i = 0; i < MAX_ITEMS; i++)
		atomic_store(&runs[i], 0);
}

/* The first item not computed exactly once, or -1. */
static long bad_item(uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (atomic_load(&runs[i]) != 1)
			return (long)i;
	return -1;
}

static struct pb_partial serial_total(const struct pb_job *job, const struct pb_run_req *req0)
{
	struct pb_exec_opts o = { .workers = 1 };
	struct pb_run_req req = *req0;
	struct pb_run_result res;
	char err[256];
	req.sched.workers = 1;
	struct pb_exec *ex = pb_ex_serial.open(&o, job, err, sizeof err);
	assert_non_null(ex);
	assert_int_equal(pb_ex_serial.run(ex, job, &req, &res, err, sizeof err), 0);
	struct pb_partial t = res.total;
	pb_ex_serial.close(ex);
	return t;
}

static int same_partial(const struct pb_partial *a, const struct pb_partial *b)
{
	return a->sum == b->sum && a->aux == b->aux && a->items == b->items;
}

/* Tasks each worker must do under a schedule that fixes them in advance (pb_sched's assignment). */
static uint64_t planned_tasks(const struct pb_sched *s, int w)
{
	struct pb_sched_cursor cur = { 0 };
	uint64_t first, count, n = 0;
	while (pb_sched_next(s, w, &cur, NULL, &first, &count))
		n += count;
	return n;
}

/*
 * Check one run's result; returns NULL or what is wrong.  The per-worker
 * split is checked where it is fixed in advance: cyclic for both variants
 * (OpenMP's static,chunk deals blocks as pb_sched does), static exactly for
 * threads and within one task of T/P for OpenMP (its own block split).
 */
static const char *check_result(const struct pb_executor *e, const struct pb_job *job,
				const struct pb_run_req *req, const struct pb_run_result *res,
				const struct pb_partial *want)
{
	static char why[256];
	int P = req->sched.workers;
	uint64_t T = req->sched.ntasks, done = 0;

	if (!same_partial(&res->total, want))
		return "total differs from the serial executor's";
	long bad = bad_item(job->n_items);
	if (bad >= 0) {
		snprintf(why, sizeof why, "item %ld computed %u times", bad, atomic_load(&runs[bad]));
		return why;
	}
	if (res->nworkers != P || !res->workers)
		return "wrong number of worker stats";
	for (int w = 0; w < P; w++) {
		const struct pb_worker_stat *st = &res->workers[w];
		done += st->tasks_done;
		if (pb_cpuset_count(&st->cpus) == 0) {
			snprintf(why, sizeof why, "worker %d reports no cpu", w);
			return why;
		}
		if (!(st->user_s >= 0) || !(st->sys_s >= 0)) {
			snprintf(why, sizeof why, "worker %d reports negative cpu time", w);
			return why;
		}
		if (st->pid != 0)
			return "a thread reports a pid";
		int openmp = strcmp(e->name, "openmp") == 0;
		if (req->sched.kind == PB_SCHED_CYCLIC || (req->sched.kind == PB_SCHED_STATIC && !openmp)) {
			uint64_t plan = planned_tasks(&req->sched, w);
			if (st->tasks_done != plan) {
				snprintf(why, sizeof why, "worker %d did %llu tasks, the schedule gives it %llu", w,
					 (unsigned long long)st->tasks_done, (unsigned long long)plan);
				return why;
			}
		} else if (req->sched.kind == PB_SCHED_STATIC) {
			uint64_t lo = T / (uint64_t)P, hi = lo + (T % (uint64_t)P != 0);
			if (st->tasks_done < lo || st->tasks_done > hi) {
				snprintf(why, sizeof why, "worker %d did %llu tasks, static gives %llu..%llu", w,
					 (unsigned long long)st->tasks_done, (unsigned long long)lo,
					 (unsigned long long)hi);
				return why;
			}
		}
	}
	if (done != T) {
		snprintf(why, sizeof why, "workers did %llu tasks in all, not %llu", (unsigned long long)done,
			 (unsigned long long)T);
		return why;
	}
	return NULL;
}

static int openmp_available(void)
{
	char why[256];
	return pb_ex_openmp.available(why, sizeof why);
}

/* Every schedule x workers {1,2,4} x chunk {1,3,7} x tasks {1,3,5,64}, each on a fresh executor. */
static void matrix(const struct pb_executor *e)
{
	static const int workers[] = { 1, 2, 4 };
	static const uint64_t chunks[] = { 1, 3, 7 };
	static const uint64_t tasks[] = { 1, 3, 5, 64 };
	int failures = 0, cases = 0;

	for (int k = PB_SCHED_STATIC; k <= PB_SCHED_GUIDED; k++)
		for (size_t wi = 0; wi < 3; wi++)
			for (size_t ci = 0; ci < 3; ci++)
				for (size_t ti = 0; ti < 4; ti++) {
					int P = workers[wi];
					uint64_t T = tasks[ti];
					/* Not a multiple of T, so task sizes differ; at least one item per task. */
					struct pb_job job = make_job(&wl_hash, T * 3 + 2);
					struct pb_run_req req = make_req(&job, (enum pb_schedule)k, T, chunks[ci], P);
					reset_runs();
					struct pb_partial want = serial_total(&job, &req);
					struct pb_exec_opts o = { .workers = P };
					struct pb_run_result res;
					char err[256] = "";
					cases++;
					struct pb_exec *ex = e->open(&o, &job, err, sizeof err);
					if (!ex) {
						printf("%s: open failed: %s\n", e->name, err);
						failures++;
						continue;
					}
					reset_runs();
					const char *why = NULL;
					if (e->run(ex, &job, &req, &res, err, sizeof err) != 0)
						why = err;
					else
						why = check_result(e, &job, &req, &res, &want);
					if (why) {
						printf("%s: workers %d schedule %s chunk %llu tasks %llu: %s\n", e->name, P,
						       pb_sched_name((enum pb_schedule)k), (unsigned long long)chunks[ci],
						       (unsigned long long)T, why);
						failures++;
					}
					e->close(ex);
				}
	printf("%s: %d cases, %d failed\n", e->name, cases, failures);
	assert_int_equal(failures, 0);
}

static void test_threads_matrix(void **state)
{
	(void)state;
	matrix(&pb_ex_threads);
}

static void test_openmp_matrix(void **state)
{
	(void)state;
	if (!openmp_available())
		SKIP("this build has no OpenMP");
	matrix(&pb_ex_openmp);
}

/* One open executor, many runs with different schedules, chunks and task counts. */
static void repeated(const struct pb_executor *e)
{
	struct pb_job job = make_job(&wl_hash, 1000);
	struct pb_exec_opts o = { .workers = 2 };
	char err[256] = "";
	struct pb_exec *ex = e->open(&o, &job, err, sizeof err);
	assert_non_null(ex);
	for (int r = 0; r < 24; r++) {
		enum pb_schedule k = (enum pb_schedule)(r % 4);
		uint64_t T = (uint64_t)(r * 37 % 200) + 1, C = (uint64_t)(r % 5) + 1;
		struct pb_run_req req = make_req(&job, k, T, C, 2);
		reset_runs();
		struct pb_partial want = serial_total(&job, &req);
		struct pb_run_result res;
		reset_runs();
		assert_int_equal(e->run(ex, &job, &req, &res, err, sizeof err), 0);
		const char *why = check_result(e, &job, &req, &res, &want);
		if (why)
			printf("%s: run %d (%s, %llu tasks, chunk %llu): %s\n", e->name, r, pb_sched_name(k),
			       (unsigned long long)T, (unsigned long long)C, why);
		assert_null(why);
	}
	e->close(ex);
}

static void test_threads_repeated(void **state)
{
	(void)state;
	repeated(&pb_ex_threads);
}

static void test_openmp_repeated(void **state)
{
	(void)state;
	if (!openmp_available())
		SKIP("this build has no OpenMP");
	repeated(&pb_ex_openmp);
}

/* Workers write the output buffer in place: bytes equal the serial executor's. */
static void data(const struct pb_executor *e)
{
	enum { N = 3001 };
	uint8_t in[N], ref[N], out[N];
	struct pb_job job = make_job(&wl_data, N);
	for (int i = 0; i < N; i++)
		in[i] = (uint8_t)(i * 7 + 3);
	job.in = in;
	job.in_len = N;
	job.out = ref;
	job.out_len = N;
	memset(ref, 0, N);
	struct pb_run_req req = make_req(&job, PB_SCHED_GUIDED, 97, 2, 4);
	struct pb_partial want = serial_total(&job, &req);

	job.out = out;
	memset(out, 0, N);
	struct pb_exec_opts o = { .workers = 4 };
	char err[256] = "";
	struct pb_run_result res;
	struct pb_exec *ex = e->open(&o, &job, err, sizeof err);
	assert_non_null(ex);
	reset_runs();
	assert_int_equal(e->run(ex, &job, &req, &res, err, sizeof err), 0);
	assert_true(same_partial(&res.total, &want));
	assert_int_equal(bad_item(N), -1);
	assert_memory_equal(out, ref, N);
	e->close(ex);
}

static void test_threads_data(void **state)
{
	(void)state;
	data(&pb_ex_threads);
}

static void test_openmp_data(void **state)
{
	(void)state;
	if (!openmp_available())
		SKIP("this build has no OpenMP");
	data(&pb_ex_openmp);
}

/* A request for a different worker count than the executor has is an error, not a wrong split. */
static void mismatch(const struct pb_executor *e)
{
	struct pb_job job = make_job(&wl_hash, 10);
	struct pb_exec_opts o = { .workers = 2 };
	char err[256] = "", want[256];
	struct pb_run_result res;
	struct pb_exec *ex = e->open(&o, &job, err, sizeof err);
	assert_non_null(ex);
	struct pb_run_req req = make_req(&job, PB_SCHED_DYNAMIC, 10, 1, 3);
	assert_int_equal(e->run(ex, &job, &req, &res, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: run asks for 3 workers", e->name);
	assert_true(strncmp(err, want, strlen(want)) == 0);
	e->close(ex);
}

static void test_threads_mismatch(void **state)
{
	(void)state;
	mismatch(&pb_ex_threads);
}

static void test_openmp_mismatch(void **state)
{
	(void)state;
	if (!openmp_available())
		SKIP("this build has no OpenMP");
	mismatch(&pb_ex_openmp);
}

/* Threads of this process, from /proc/self/status; -1 if unreadable. */
static int thread_count(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	int n = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

/*
 * The thread count once it has settled: a thread that pthread_join has
 * returned for can stay in /proc's count for a moment, until the kernel
 * releases it, so a single read may include threads already gone.
 */
static int settled_thread_count(void)
{
	int last = thread_count(), same = 0;
	for (int i = 0; i < 200 && same < 3; i++) { /* at most 2 s; 3 equal reads 10 ms apart */
		struct timespec ts = { 0, 10000000 };
		nanosleep(&ts, NULL);
		int n = thread_count();
		same = n == last ? same + 1 : 0;
		last = n;
	}
	return last;
}

/* Wait (at most 2 s) for the count to reach want; returns the last count seen. */
static int thread_count_becomes(int want)
{
	int n = thread_count();
	for (int i = 0; i < 200 && n != want; i++) {
		struct timespec ts = { 0, 10000000 };
		nanosleep(&ts, NULL);
		n = thread_count();
	}
	return n;
}

/* open makes exactly `workers` threads; close joins them all. */
static void test_threads_lifecycle(void **state)
{
	(void)state;
	int before = settled_thread_count();
	assert_true(before >= 1);
	struct pb_job job = make_job(&wl_hash, 10);
	struct pb_exec_opts o = { .workers = 3 };
	char err[256] = "";
	struct pb_exec *ex = pb_ex_threads.open(&o, &job, err, sizeof err);
	assert_non_null(ex);
	assert_int_equal(thread_count_becomes(before + 3), before + 3);
	pb_ex_threads.close(ex);
	assert_int_equal(thread_count_becomes(before), before);
	pb_ex_threads.close(NULL);
}

/* A worker that cannot bind fails open with a one-line reason; no thread is left behind. */
static void bind_failure(const struct pb_executor *e, const char *who)
{
	struct pb_cpuset places[2];
	pb_cpuset_zero(&places[0]);
	pb_cpuset_zero(&places[1]);
	pb_cpuset_set(&places[1], PB_MAX_CPUS - 1); /* no machine this runs on has CPU 1023 */
	struct pb_job job = make_job(&wl_hash, 10);
	struct pb_exec_opts o = { .workers = 2, .places = places };
	char err[256] = "", want[256];
	int before = settled_thread_count();
	struct pb_exec *ex = e->open(&o, &job, err, sizeof err);
	assert_null(ex);
	snprintf(want, sizeof want, "%s: cannot bind %s 1 to cpus %d", e->name, who, PB_MAX_CPUS - 1);
	assert_string_equal(err, want);
	if (strcmp(e->name, "threads") == 0)
		assert_int_equal(thread_count_becomes(before), before);
}

static void test_threads_bind_failure(void **state)
{
	(void)state;
	bind_failure(&pb_ex_threads, "worker");
}

static void test_openmp_bind_failure(void **state)
{
	(void)state;
	if (!openmp_available())
		SKIP("this build has no OpenMP");
	bind_failure(&pb_ex_openmp, "thread");
}

/*
 * With every worker bound to one CPU, every task runs there and sees a
 * one-CPU binding; after close the main thread has its binding back, and
 * (OpenMP, whose threads outlive the executor) an unbound executor's
 * threads see the original binding again.  Skipped where binding does not work.
 */
static void bound(const struct pb_executor *e)
{
	struct pb_cpuset orig;
	if (pb_pin_get_thread(&orig) != 0 || pb_cpuset_count(&orig) == 0)
		SKIP("cannot read this thread's affinity");
	int cpu = -1;
	for (int c = 0; c < PB_MAX_CPUS && cpu < 0; c++)
		if (pb_cpuset_isset(&orig, c))
			cpu = c;
	struct pb_cpuset places[2];
	for (int i = 0; i < 2; i++) {
		pb_cpuset_zero(&places[i]);
		pb_cpuset_set(&places[i], cpu);
	}
	struct pb_job job = make_job(&wl_affinity, 64);
	struct pb_exec_opts o = { .workers = 2, .places = places };
	char err[256] = "";
	struct pb_run_result res;
	struct pb_exec *ex = e->open(&o, &job, err, sizeof err);
	if (!ex && strstr(err, "cannot bind"))
		SKIP("this build or machine cannot bind: %s", err);
	assert_non_null(ex);
	struct pb_run_req req = make_req(&job, PB_SCHED_DYNAMIC, 64, 1, 2);
	for (int r = 0; r < 2; r++) {
		assert_int_equal(e->run(ex, &job, &req, &res, err, sizeof err), 0);
		assert_int_equal(res.total.aux, 64); /* every task saw a one-CPU binding */
		for (int w = 0; w < 2; w++) {
			assert_int_equal(pb_cpuset_count(&res.workers[w].cpus), 1);
			assert_true(pb_cpuset_isset(&res.workers[w].cpus, cpu));
		}
	}
	e->close(ex);

	struct pb_cpuset now;
	assert_int_equal(pb_pin_get_thread(&now), 0);
	assert_memory_equal(&now, &orig, sizeof now);

	o.places = NULL;
	ex = e->open(&o, &job, err, sizeof err);
	assert_non_null(ex);
	assert_int_equal(e->run(ex, &job, &req, &res, err, sizeof err), 0);
	assert_int_equal(res.total.aux, 64 * (uint64_t)pb_cpuset_count(&orig));
	e->close(ex);
}

static void test_threads_bound(void **state)
{
	(void)state;
	bound(&pb_ex_threads);
}

static void test_openmp_bound(void **state)
{
	(void)state;
	if (!openmp_available())
		SKIP("this build has no OpenMP");
	bound(&pb_ex_openmp);
}

/* Tasks (threads) the kernel counts against RLIMIT_NPROC for uid, from /proc; -1 if unreadable. */
static long tasks_of_uid(uid_t uid)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	long n = 0;
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char path[300], line[256];
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/status", de->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		long real = -1, threads = 0;
		while (fgets(line, sizeof line, f)) {
			sscanf(line, "Uid: %ld", &real);
			sscanf(line, "Threads: %ld", &threads);
		}
		fclose(f);
		if (real == (long)uid)
			n += threads;
	}
	closedir(d);
	return n;
}

/*
 * pthread_create failing: in a child process, become an unprivileged user
 * (root ignores RLIMIT_NPROC) and allow two more tasks, so worker 2 cannot
 * be created.  The child reports through its exit status: 0 as expected,
 * 77 could not set up the limit (skip), other values a failure.
 */
static void test_threads_create_failure(void **state)
{
	(void)state;
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		uid_t nobody = 65534;
		if (geteuid() == 0 &&
		    (setgroups(0, NULL) != 0 || setgid(nobody) != 0 || setuid(nobody) != 0))
			_exit(77);
		long have = tasks_of_uid(getuid());
		if (have < 1)
			_exit(77);
		struct rlimit rl = { .rlim_cur = (rlim_t)have + 2, .rlim_max = (rlim_t)have + 2 };
		if (setrlimit(RLIMIT_NPROC, &rl) != 0)
			_exit(77);
		struct pb_job job = make_job(&wl_hash, 10);
		struct pb_exec_opts o = { .workers = 4 };
		char err[256] = "";
		int before = settled_thread_count(); /* 1, or 2 when a sanitizer runs its own thread */
		struct pb_exec *ex = pb_ex_threads.open(&o, &job, err, sizeof err);
		int left = thread_count_becomes(before) - before;
		dprintf(pfd[1], "%s|%d", err, left);
		_exit(ex ? 1 : 0);
	}
	close(pfd[1]);
	char msg[512] = "";
	ssize_t n = read(pfd[0], msg, sizeof msg - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(pfd[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		SKIP("cannot become an unprivileged user with a process limit here");
	}
	printf("child: %s\n", msg);
	assert_int_equal(WEXITSTATUS(status), 0);
	char want[256];
	/* "|0": no thread left behind by the failed open */
	snprintf(want, sizeof want, "threads: cannot create worker 2: %s|0", strerror(EAGAIN));
	assert_string_equal(msg, want);
}

/* describe() names the runtime and the environment; without OpenMP the variant says why. */
static void test_openmp_describe(void **state)
{
	(void)state;
	char why[256] = "", buf[512] = "";
	assert_string_equal(pb_ex_openmp.name, "openmp");
	assert_non_null(pb_ex_openmp.describe);
	pb_ex_openmp.describe(buf, sizeof buf);
	if (pb_ex_openmp.available(why, sizeof why)) {
		assert_true(strstr(buf, "runtime=libgomp") || strstr(buf, "runtime=libomp"));
		assert_non_null(strstr(buf, "_OPENMP=20"));
		assert_non_null(strstr(buf, "OMP_WAIT_POLICY="));
		assert_non_null(strstr(buf, "OMP_PROC_BIND="));
		assert_non_null(strstr(buf, "GOMP_SPINCOUNT="));
	} else {
		struct pb_job job = make_job(&wl_hash, 10);
		struct pb_exec_opts o = { .workers = 1 };
		char err[256] = "";
		assert_string_equal(why, "this build has no OpenMP");
		assert_null(pb_ex_openmp.open(&o, &job, err, sizeof err));
		assert_string_equal(err, "openmp: this build has no OpenMP");
	}
}

/* Every waiting policy gives the serial result, on one executor over many runs and on fresh ones. */
static void test_threads_wait_policies(void **state)
{
	(void)state;
	static const enum pb_wait waits[] = { PB_WAIT_BLOCK, PB_WAIT_SPIN, PB_WAIT_SPINBLOCK };
	for (int w = 0; w < 3; w++) {
		for (int P = 1; P <= 3; P++) {
			struct pb_job job = make_job(&wl_hash, 1000);
			struct pb_exec_opts o = { .workers = P, .wait = waits[w] };
			char err[256] = "";
			struct pb_exec *ex = pb_ex_threads.open(&o, &job, err, sizeof err);
			if (!ex)
				fail_msg("--wait %s -j %d: open: %s", pb_wait_name(waits[w]), P, err);
			for (int r = 0; r < 12; r++) {
				enum pb_schedule k = (enum pb_schedule)(r % 4);
				uint64_t T = (uint64_t)(r * 53 % 300) + 1, C = (uint64_t)(r % 3) + 1;
				struct pb_run_req req = make_req(&job, k, T, C, P);
				reset_runs();
				struct pb_partial want = serial_total(&job, &req);
				struct pb_run_result res;
				reset_runs();
				assert_int_equal(pb_ex_threads.run(ex, &job, &req, &res, err, sizeof err), 0);
				const char *why = check_result(&pb_ex_threads, &job, &req, &res, &want);
				if (why)
					fail_msg("--wait %s -j %d run %d: %s", pb_wait_name(waits[w]), P, r, why);
			}
			pb_ex_threads.close(ex);
		}
	}
	enum pb_wait got;
	assert_int_equal(pb_wait_parse("spinblock", &got), 0);
	assert_int_equal(got, PB_WAIT_SPINBLOCK);
	assert_int_equal(pb_wait_parse("busy", &got), -1);
	assert_string_equal(pb_wait_name(PB_WAIT_BLOCK), "block");
}

/* The spinning warning's rule, as a table of runs. */
static void test_spin_warning_table(void **state)
{
	(void)state;
	static const struct {
		int spins, workers;
		double wall_ms, wait_ms, work_ms;
		int want;
		const char *what;
	} t[] = {
		{ 1, 2, 8.0, 7.9, 0.04, 1, "the loaded machine: OpenMP spun a whole 8 ms run of empty tasks" },
		{ 0, 2, 8.0, 7.9, 0.04, 0, "a passive policy never warns" },
		{ 1, 2, 145, 145, 280, 0, "balanced compute: the coordinator spins, but the workers got their CPUs" },
		{ 1, 2, 100, 50, 150, 0, "unbalanced static: one thread waits at the barrier for one that works" },
		{ 1, 4, 145, 100, 230, 1, "4 spinning workers on 2 CPUs: the workers had less than half of their time" },
		{ 1, 2, 0.05, 0.05, 0.01, 0, "a run under 100 us is too short to judge" },
		{ 1, 2, 8.0, 3.9, 0.04, 0, "waiting burnt less than half of the run" },
		{ 1, 1, 12, 8.2, 0.04, 1, "one worker kept off the CPU by its spinning coordinator" },
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct pb_spin_facts f = { .variant = "threads", .fix = "run with --wait block", .spins = t[i].spins,
					   .workers = t[i].workers, .cpus = 2, .load1 = 1.5, .wall_s = t[i].wall_ms / 1e3,
					   .wait_cpu_s = t[i].wait_ms / 1e3, .work_cpu_s = t[i].work_ms / 1e3 };
		char buf[512] = "";
		int got = pb_spin_warning(&f, buf, sizeof buf);
		if (got != t[i].want) {
			printf("%s: spins %d workers %d wall %g ms wait %g ms work %g ms: expected %d, got %d (%s)\n",
			       t[i].what, t[i].spins, t[i].workers, t[i].wall_ms, t[i].wait_ms, t[i].work_ms, t[i].want, got,
			       buf);
			bad++;
		}
		if (got && !strstr(buf, "run with --wait block"))
			fail_msg("the warning does not say the fix: %s", buf);
	}
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_matrix),
		cmocka_unit_test(test_openmp_matrix),
		cmocka_unit_test(test_threads_repeated),
		cmocka_unit_test(test_openmp_repeated),
		cmocka_unit_test(test_threads_data),
		cmocka_unit_test(test_openmp_data),
		cmocka_unit_test(test_threads_mismatch),
		cmocka_unit_test(test_openmp_mismatch),
		cmocka_unit_test(test_threads_lifecycle),
		cmocka_unit_test(test_threads_bind_failure),
		cmocka_unit_test(test_openmp_bind_failure),
		cmocka_unit_test(test_threads_bound),
		cmocka_unit_test(test_openmp_bound),
		cmocka_unit_test(test_threads_create_failure),
		cmocka_unit_test(test_openmp_describe),
		cmocka_unit_test(test_threads_wait_policies),
		cmocka_unit_test(test_spin_warning_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
