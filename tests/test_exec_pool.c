/* test_exec_pool.c: the pipelined pool: its queue-ahead rule, a stalled worker, and bands bigger than the pipes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../harness/exec_proc_common.h"
#include "../harness/executor.h"
#include "../harness/proc.h"

extern const struct pb_executor pb_ex_serial, pb_ex_pool;

/* ---- the rule, as a table ---- */

static void test_may_queue_table(void **state)
{
	(void)state;
	static const struct {
		enum pb_schedule kind;
		unsigned window;
		int forced;
		unsigned msgs;
		uint64_t tasks_out, next, remaining;
		int workers;
		double msg_s;
		bool want;
		const char *why;
	} t[] = {
		{ PB_SCHED_DYNAMIC, 64, 0, 0, 0, 1, 0, 2, 0, true, "an idle worker always gets a message" },
		{ PB_SCHED_STATIC, 64, 0, 0, 0, 1, 0, 2, 0, true, "idle, static" },
		{ PB_SCHED_STATIC, 64, 0, 63, 63, 1, 0, 2, 0, true, "static: the window alone bounds" },
		{ PB_SCHED_STATIC, 64, 0, 64, 64, 1, 0, 2, 0, false, "static: the window is full" },
		{ PB_SCHED_CYCLIC, 4, 0, 3, 3, 1, 0, 2, 1.0, true, "cyclic: no time or share rule" },
		{ PB_SCHED_DYNAMIC, 64, 0, 1, 1, 1, 19998, 2, 0, true, "dynamic, nothing measured: one ahead" },
		{ PB_SCHED_DYNAMIC, 64, 0, 2, 2, 1, 19997, 2, 0, false, "dynamic, nothing measured: not two ahead" },
		{ PB_SCHED_DYNAMIC, 64, 0, 40, 40, 1, 19000, 2, 1e-6, true, "empty tasks: deep queue" },
		{ PB_SCHED_DYNAMIC, 64, 0, 64, 64, 1, 19000, 2, 1e-6, false, "empty tasks: the window still bounds" },
		{ PB_SCHED_DYNAMIC, 64, 0, 2, 2, 1, 19000, 2, 1e-3, false, "1 ms tasks: only one ahead" },
		{ PB_SCHED_DYNAMIC, 64, 0, 1, 1, 1, 19000, 2, 1e-3, true, "1 ms tasks: one ahead" },
		{ PB_SCHED_DYNAMIC, 64, 0, 5, 5, 1, 19000, 2, 50e-6, true, "50 us tasks: 4 queued hold 200 us" },
		{ PB_SCHED_DYNAMIC, 64, 0, 6, 6, 1, 19000, 2, 50e-6, false, "50 us tasks: 5 queued hold 250 us" },
		{ PB_SCHED_DYNAMIC, 64, 0, 1, 1, 1, 8, 2, 1e-6, true, "tail: 2P(1+1) = 8 <= 8" },
		{ PB_SCHED_DYNAMIC, 64, 0, 1, 1, 1, 7, 2, 1e-6, false, "tail: fewer than 4P left: lock-step" },
		{ PB_SCHED_DYNAMIC, 64, 0, 3, 30, 10, 150, 2, 1e-6, false, "chunk 10: 2P(30+10) > 150" },
		{ PB_SCHED_DYNAMIC, 64, 0, 3, 30, 10, 160, 1, 1e-6, true, "one worker: 2(30+10) <= 160" },
		{ PB_SCHED_GUIDED, 64, 0, 1, 5000, 4999, 9998, 2, 1e-6, false, "guided never queues ahead" },
		{ PB_SCHED_GUIDED, 64, 1, 1, 5000, 4999, 9998, 2, 1e-6, true, "forced: the window alone decides" },
		{ PB_SCHED_DYNAMIC, 8, 1, 7, 7, 1, 0, 2, 1.0, true, "forced: even with nothing left to share" },
		{ PB_SCHED_DYNAMIC, 8, 1, 8, 8, 1, 100, 2, 0, false, "forced: the window is full" },
		{ PB_SCHED_DYNAMIC, 1, 1, 1, 1, 1, 100, 2, 0, false, "window 1: lock-step" },
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		bool got = pb_pool_may_queue(t[i].kind, t[i].window, t[i].forced, t[i].msgs, t[i].tasks_out, t[i].next,
					     t[i].remaining, t[i].workers, t[i].msg_s);
		if (got != t[i].want) {
			print_error("%s: %s window %u forced %d msgs %u tasks_out %llu next %llu remaining %llu P %d msg_s %g:"
				    " expected %d, got %d\n",
				    t[i].why, pb_sched_name(t[i].kind), t[i].window, t[i].forced, t[i].msgs,
				    (unsigned long long)t[i].tasks_out, (unsigned long long)t[i].next,
				    (unsigned long long)t[i].remaining, t[i].workers, t[i].msg_s, t[i].want, got);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* ---- workloads ---- */

static void count_kernel(const struct pb_job *job, uint64_t b, uint64_t e, struct pb_view in, struct pb_view out,
			 struct pb_partial *part)
{
	(void)job;
	(void)in;
	(void)out;
	part->sum += (pb_u128)(e - b) * (b + 1);
	part->items += e - b;
}

static const struct pb_workload wl_count = { .name = "t-count", .kernel = count_kernel };

/* rows of ROW bytes; out row r = in row r ^ in row r+1 (a halo row below) */
#define ROW 4096
static void band_kernel(const struct pb_job *job, uint64_t b, uint64_t e, struct pb_view in, struct pb_view out,
			struct pb_partial *part)
{
	for (uint64_t r = b; r < e; r++) {
		for (size_t x = 0; x < ROW; x++) {
			size_t at = (size_t)r * ROW + x;
			uint8_t down = r + 1 < job->n_items ? in.base[at + ROW - in.off] : 0;
			uint8_t v = (uint8_t)(in.base[at - in.off] ^ down);
			out.base[at - out.off] = v;
			part->sum += v;
		}
	}
	part->items += e - b;
}

static void band_in_span(const struct pb_job *job, uint64_t b, uint64_t e, struct pb_span *sp)
{
	uint64_t hi = e < job->n_items ? e + 1 : job->n_items;
	sp->off = (size_t)b * ROW;
	sp->len = (size_t)(hi - b) * ROW;
}

static void band_out_span(const struct pb_job *job, uint64_t b, uint64_t e, struct pb_span *sp)
{
	(void)job;
	sp->off = (size_t)b * ROW;
	sp->len = (size_t)(e - b) * ROW;
}

static const struct pb_workload wl_band = {
	.name = "t-band",
	.kernel = band_kernel,
	.in_span = band_in_span,
	.out_span = band_out_span,
};

static struct pb_counters_cfg no_counters;

static struct pb_exec *open_pool(int workers, const struct pb_job *job)
{
	struct pb_exec_opts o;
	char err[256];
	memset(&o, 0, sizeof o);
	o.workers = workers;
	o.counters = &no_counters;
	struct pb_exec *ex = pb_ex_pool.open(&o, job, err, sizeof err);
	if (!ex)
		fail_msg("pool open: %s", err);
	return ex;
}

static struct pb_run_req make_req(uint64_t n, uint64_t ntasks, enum pb_schedule kind, uint64_t chunk, int workers)
{
	struct pb_run_req r;
	memset(&r, 0, sizeof r);
	r.n_items = n;
	r.sched = (struct pb_sched){ .kind = kind, .ntasks = ntasks, .chunk = chunk, .workers = workers };
	return r;
}

/* ---- a stalled worker holds at most what the rule lets it ---- */

/* The state letter of /proc/<path>/stat ('R', 'S', 'T', ...), or '?'. */
static char proc_state(const char *path)
{
	char buf[512];
	FILE *f = fopen(path, "r");
	if (!f)
		return '?';
	size_t got = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[got] = '\0';
	char *rp = strrchr(buf, ')');
	char st;
	return rp && sscanf(rp + 1, " %c", &st) == 1 ? st : '?';
}

struct run_arg {
	struct pb_exec *ex;
	const struct pb_job *job;
	struct pb_run_req req;
	struct pb_run_result res;
	char err[256];
	int rc;
	_Atomic pid_t tid;
};

static void *run_thread(void *p)
{
	struct run_arg *a = p;
	atomic_store(&a->tid, gettid());
	a->rc = pb_ex_pool.run(a->ex, a->job, &a->req, &a->res, a->err, sizeof a->err);
	return NULL;
}

static void nap_ms(int ms)
{
	struct timespec ts = { 0, ms * 1000000L };
	nanosleep(&ts, NULL);
}

/*
 * Worker 0 is stopped (SIGSTOP) before a dynamic run of many tasks: it can
 * answer nothing, so the parent knows nothing of its speed and may queue
 * only one message behind its first.  Worker 1 must take every other task.
 * The stopped worker is let go only once the run is quiescent (worker 1
 * and the parent both asleep, several looks in a row), so the count does
 * not depend on timing.  With window 1 it holds one task; forced to 8, 8.
 */
static void stalled_worker(const char *window, uint64_t bound)
{
	struct pb_job job;
	memset(&job, 0, sizeof job);
	job.wl = &wl_count;
	job.size = job.n_items = 4000;
	if (window)
		setenv("PARBENCH_POOL_WINDOW", window, 1);
	else
		unsetenv("PARBENCH_POOL_WINDOW");
	struct pb_exec *ex = open_pool(2, &job);
	struct run_arg a;
	memset(&a, 0, sizeof a);
	a.ex = ex;
	a.job = &job;
	a.req = make_req(4000, 2000, PB_SCHED_DYNAMIC, 1, 2);
	assert_int_equal(pb_ex_pool.run(ex, &job, &a.req, &a.res, a.err, sizeof a.err), 0);
	pid_t w0 = a.res.workers[0].pid, w1 = a.res.workers[1].pid;
	char p0[64], p1[64], pt[64];
	snprintf(p0, sizeof p0, "/proc/%ld/stat", (long)w0);
	snprintf(p1, sizeof p1, "/proc/%ld/stat", (long)w1);

	assert_int_equal(kill(w0, SIGSTOP), 0);
	while (proc_state(p0) != 'T')
		nap_ms(5);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, run_thread, &a), 0);
	while (atomic_load(&a.tid) == 0)
		nap_ms(1);
	snprintf(pt, sizeof pt, "/proc/self/task/%ld/stat", (long)atomic_load(&a.tid));
	for (int quiet = 0; quiet < 5;) {
		nap_ms(20);
		quiet = proc_state(p1) == 'S' && proc_state(pt) == 'S' ? quiet + 1 : 0;
	}
	assert_int_equal(kill(w0, SIGCONT), 0);
	pthread_join(t, NULL);
	if (a.rc != 0)
		fail_msg("run: %s", a.err);
	uint64_t held = a.res.workers[0].tasks_done;
	if (held > bound || a.res.workers[0].tasks_done + a.res.workers[1].tasks_done != 2000)
		fail_msg("window %s: the stopped worker did %llu tasks (at most %llu), the other %llu of 2000",
			 window ? window : "default", (unsigned long long)held, (unsigned long long)bound,
			 (unsigned long long)a.res.workers[1].tasks_done);
	pb_ex_pool.close(ex);
	unsetenv("PARBENCH_POOL_WINDOW");
}

static void test_stalled_worker(void **state)
{
	(void)state;
	stalled_worker(NULL, 2);
	stalled_worker("1", 1);
	stalled_worker("8", 8);
}

/* ---- bands far bigger than the pipe buffers, with messages queued ahead, under every schedule ---- */

static void test_big_bands(void **state)
{
	(void)state;
	/* 2000 rows of 4 KiB: 8 MiB in and out; 4 tasks are 2 MiB bands, twice the 1 MiB pipes */
	struct pb_job job;
	memset(&job, 0, sizeof job);
	job.wl = &wl_band;
	job.size = job.n_items = 2000;
	job.in_len = job.out_len = (size_t)2000 * ROW;
	job.in = pb_buf_alloc(job.in_len);
	job.out = pb_buf_alloc(job.out_len);
	assert_non_null(job.in);
	assert_non_null(job.out);
	for (size_t i = 0; i < job.in_len; i++)
		job.in[i] = (uint8_t)(i * 2654435761u >> 13);
	uint8_t *ref = malloc(job.out_len);
	assert_non_null(ref);
	struct pb_partial want;
	memset(&want, 0, sizeof want);
	band_kernel(&job, 0, job.n_items, pb_job_in_view(&job), (struct pb_view){ ref, 0, job.out_len }, &want);

	static const char *const windows[] = { NULL, "2", "8" };
	static const enum pb_schedule kinds[] = { PB_SCHED_STATIC, PB_SCHED_CYCLIC, PB_SCHED_DYNAMIC, PB_SCHED_GUIDED };
	static const uint64_t tasks[] = { 4, 16 };
	for (size_t wi = 0; wi < 3; wi++) {
		if (windows[wi])
			setenv("PARBENCH_POOL_WINDOW", windows[wi], 1);
		else
			unsetenv("PARBENCH_POOL_WINDOW");
		for (int workers = 1; workers <= 3; workers++) {
			struct pb_exec *ex = open_pool(workers, &job);
			for (size_t k = 0; k < 4; k++) {
				for (size_t t = 0; t < 2; t++) {
					struct pb_run_req req = make_req(job.n_items, tasks[t], kinds[k], 1, workers);
					struct pb_run_result res;
					char err[256];
					memset(job.out, 0xa5, job.out_len);
					if (pb_ex_pool.run(ex, &job, &req, &res, err, sizeof err) != 0)
						fail_msg("window %s -j %d %s tasks %llu: %s", windows[wi] ? windows[wi] : "default",
							 workers, pb_sched_name(kinds[k]), (unsigned long long)tasks[t], err);
					if (res.total.sum != want.sum || res.total.items != want.items ||
					    memcmp(job.out, ref, job.out_len) != 0)
						fail_msg("window %s -j %d %s tasks %llu: result differs from serial",
							 windows[wi] ? windows[wi] : "default", workers, pb_sched_name(kinds[k]),
							 (unsigned long long)tasks[t]);
				}
			}
			pb_ex_pool.close(ex);
		}
	}
	unsetenv("PARBENCH_POOL_WINDOW");
	free(ref);
	pb_buf_free(job.in, job.in_len);
	pb_buf_free(job.out, job.out_len);
}

/* A window that is not a number is one clear error at open. */
static void test_bad_window(void **state)
{
	(void)state;
	struct pb_job job;
	struct pb_exec_opts o;
	char err[256] = "";
	memset(&job, 0, sizeof job);
	job.wl = &wl_count;
	job.size = job.n_items = 10;
	memset(&o, 0, sizeof o);
	o.workers = 2;
	o.counters = &no_counters;
	setenv("PARBENCH_POOL_WINDOW", "0", 1);
	assert_null(pb_ex_pool.open(&o, &job, err, sizeof err));
	assert_non_null(strstr(err, "PARBENCH_POOL_WINDOW='0'"));
	unsetenv("PARBENCH_POOL_WINDOW");
}

static int setup_all(void **state)
{
	(void)state;
	pb_proc_install_signals();
	unsetenv("PARBENCH_POOL_WINDOW");
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_may_queue_table),
		cmocka_unit_test(test_stalled_worker),
		cmocka_unit_test(test_big_bands),
		cmocka_unit_test(test_bad_window),
	};
	return cmocka_run_group_tests(tests, setup_all, NULL);
}
