/* test_exec_procs.c: the pool, process and shm executors against serial, and their failure modes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../harness/executor.h"
#include "../harness/proc.h"
#include "../harness/util.h"

extern const struct pb_executor pb_ex_serial, pb_ex_pool, pb_ex_process, pb_ex_shm;

static const struct pb_executor *const variants[] = { &pb_ex_pool, &pb_ex_process, &pb_ex_shm };
#define NVARIANTS 3

/* ---- test workloads ---- */

static pid_t test_pid;                        /* the test process: faults fire only in its children */
static uint64_t fault_item = UINT64_MAX;      /* the item whose kernel call dies */
static int fault_how;                         /* 0: raise(SIGKILL), 1: abort() */

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static void maybe_die(uint64_t b, uint64_t e)
{
	if (fault_item >= b && fault_item < e && getpid() != test_pid) {
		if (fault_how)
			abort();
		raise(SIGKILL);
	}
}

/* hash: the exact sum over items of a 64-bit hash of i (128-bit), and an xor-ish aux. */
static void hash_kernel(const struct pb_job *job, uint64_t b, uint64_t e, struct pb_view in, struct pb_view out,
			struct pb_partial *part)
{
	(void)job;
	(void)in;
	(void)out;
	maybe_die(b, e);
	for (uint64_t i = b; i < e; i++) {
		uint64_t h = mix(i);
		part->sum += (pb_u128)h * (i + 1);
		part->aux += h >> 7;
	}
	part->items += e - b;
}

static const struct pb_workload wl_hash = {
	.name = "t-hash",
	.kernel = hash_kernel,
};

/*
 * halo: rows of W bytes; out row r = (in row r-1 ^ in row r) + in row r+1
 * (missing rows read as 0), so a task reads one halo row each side.
 */
#define W 37
static void halo_kernel(const struct pb_job *job, uint64_t b, uint64_t e, struct pb_view in, struct pb_view out,
			struct pb_partial *part)
{
	maybe_die(b, e);
	uint64_t rows = job->n_items;
	for (uint64_t r = b; r < e; r++) {
		for (size_t x = 0; x < W; x++) {
			size_t at = (size_t)r * W + x;
			uint8_t up = r > 0 ? in.base[at - W - in.off] : 0;
			uint8_t mid = in.base[at - in.off];
			uint8_t down = r + 1 < rows ? in.base[at + W - in.off] : 0;
			uint8_t v = (uint8_t)((up ^ mid) + down);
			out.base[at - out.off] = v;
			part->sum += v;
			part->aux += (uint64_t)v * (at + 1);
		}
	}
	part->items += e - b;
}

static void halo_in_span(const struct pb_job *job, uint64_t b, uint64_t e, struct pb_span *sp)
{
	uint64_t lo = b > 0 ? b - 1 : 0, hi = e < job->n_items ? e + 1 : job->n_items;
	sp->off = (size_t)lo * W;
	sp->len = (size_t)(hi - lo) * W;
}

static void halo_out_span(const struct pb_job *job, uint64_t b, uint64_t e, struct pb_span *sp)
{
	(void)job;
	sp->off = (size_t)b * W;
	sp->len = (size_t)(e - b) * W;
}

static const struct pb_workload wl_halo = {
	.name = "t-halo",
	.kernel = halo_kernel,
	.in_span = halo_in_span,
	.out_span = halo_out_span,
};

static void job_init(struct pb_job *job, const struct pb_workload *wl, uint64_t n)
{
	memset(job, 0, sizeof *job);
	job->wl = wl;
	job->size = job->n_items = n;
	if (wl->in_span) {
		job->in_len = job->out_len = (size_t)n * W;
		job->in = pb_buf_alloc(job->in_len);
		job->out = pb_buf_alloc(job->out_len);
		assert_non_null(job->in);
		assert_non_null(job->out);
		for (size_t i = 0; i < job->in_len; i++)
			job->in[i] = (uint8_t)mix(i);
	}
}

static void job_free(struct pb_job *job)
{
	pb_buf_free(job->in, job->in_len);
	pb_buf_free(job->out, job->out_len);
}

/* ---- helpers ---- */

static struct pb_counters_cfg no_counters;

static struct pb_exec *open_ex(const struct pb_executor *v, int workers, const struct pb_job *job, char *err,
			       size_t errlen)
{
	struct pb_exec_opts o;
	memset(&o, 0, sizeof o);
	o.workers = workers;
	o.counters = &no_counters;
	return v->open(&o, job, err, errlen);
}

static struct pb_run_req make_req(uint64_t n, uint64_t ntasks, enum pb_schedule kind, uint64_t chunk, int workers)
{
	struct pb_run_req r;
	memset(&r, 0, sizeof r);
	r.n_items = n;
	r.sched.kind = kind;
	r.sched.ntasks = ntasks;
	r.sched.chunk = chunk;
	r.sched.workers = workers;
	return r;
}

/* Children of this process still present (zombies included), from /proc/<pid>/stat. */
static int count_children(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;
	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[300], buf[512];
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t got = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[got] = '\0';
		char *rp = strrchr(buf, ')'); /* comm may hold spaces: fields resume after the last ')' */
		char state;
		int ppid;
		if (rp && sscanf(rp + 1, " %c %d", &state, &ppid) == 2 && ppid == (int)getpid())
			n++;
	}
	closedir(d);
	return n;
}

/* Segments named by this process (pb_shm_name puts the creator's pid in the name). */
static int count_segments(void)
{
	char prefix[64];
	snprintf(prefix, sizeof prefix, "parbench-%ld-", (long)getpid());
	DIR *d = opendir("/dev/shm");
	struct dirent *e;
	int n = 0;
	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

static void expect_match(const char *text, const char *re)
{
	regex_t rx;
	assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	int rc = regexec(&rx, text, 0, NULL, 0);
	regfree(&rx);
	if (rc != 0)
		fail_msg("'%s' does not match /%s/", text, re);
}

/* ---- correctness: every variant, workers, schedule, chunk and task count equals serial ---- */

static const enum pb_schedule scheds[] = { PB_SCHED_STATIC, PB_SCHED_CYCLIC, PB_SCHED_DYNAMIC, PB_SCHED_GUIDED };
static const int worker_counts[] = { 1, 2, 4 };
static const uint64_t chunks[] = { 1, 3, 7 };
static const uint64_t task_counts[] = { 1, 5, 64 };

static void check_against_serial(const struct pb_workload *wl, uint64_t n)
{
	struct pb_job job;
	char err[256];
	job_init(&job, wl, n);

	/* The reference, per task count (serial ignores schedule and chunk). */
	struct pb_partial ref[3];
	uint8_t *ref_out[3] = { NULL, NULL, NULL };
	struct pb_exec *sx = open_ex(&pb_ex_serial, 1, &job, err, sizeof err);
	assert_non_null(sx);
	for (int t = 0; t < 3; t++) {
		struct pb_run_req req = make_req(n, task_counts[t], PB_SCHED_STATIC, 1, 1);
		struct pb_run_result res;
		if (job.out)
			memset(job.out, 0x5a, job.out_len);
		assert_int_equal(pb_ex_serial.run(sx, &job, &req, &res, err, sizeof err), 0);
		ref[t] = res.total;
		assert_true(ref[t].items == n);
		if (job.out) {
			ref_out[t] = malloc(job.out_len);
			memcpy(ref_out[t], job.out, job.out_len);
		}
	}
	pb_ex_serial.close(sx);
	if (job.out)
		assert_memory_equal(ref_out[0], ref_out[2], job.out_len); /* decomposition-independent */

	for (int v = 0; v < NVARIANTS; v++) {
		for (size_t wi = 0; wi < sizeof worker_counts / sizeof worker_counts[0]; wi++) {
			int workers = worker_counts[wi];
			struct pb_exec *ex = open_ex(variants[v], workers, &job, err, sizeof err);
			if (!ex)
				fail_msg("%s open: %s", variants[v]->name, err);
			/* Every case on one open executor: repeated runs must not leak state. */
			for (int s = 0; s < 4; s++) {
				for (int c = 0; c < 3; c++) {
					for (int t = 0; t < 3; t++) {
						struct pb_run_req req =
							make_req(n, task_counts[t], scheds[s], chunks[c], workers);
						struct pb_run_result res;
						if (job.out)
							memset(job.out, 0xa5, job.out_len); /* stale bytes cannot pass */
						if (variants[v]->run(ex, &job, &req, &res, err, sizeof err) != 0)
							fail_msg("%s run: %s", variants[v]->name, err);
						const char *what = variants[v]->name;
						if (res.total.sum != ref[t].sum || res.total.aux != ref[t].aux ||
						    res.total.items != ref[t].items)
							fail_msg("%s -j %d %s chunk %llu tasks %llu: total differs from serial",
								 what, workers, pb_sched_name(scheds[s]),
								 (unsigned long long)chunks[c],
								 (unsigned long long)task_counts[t]);
						if (job.out && memcmp(job.out, ref_out[t], job.out_len) != 0)
							fail_msg("%s -j %d %s chunk %llu tasks %llu: output differs from serial",
								 what, workers, pb_sched_name(scheds[s]),
								 (unsigned long long)chunks[c],
								 (unsigned long long)task_counts[t]);
						assert_int_equal(res.nworkers, workers);
						uint64_t done = 0;
						for (int w = 0; w < res.nworkers; w++) {
							done += res.workers[w].tasks_done;
							if (res.workers[w].tasks_done) {
								assert_true(res.workers[w].pid > 0);
								assert_int_not_equal(res.workers[w].pid, getpid());
								assert_true(pb_cpuset_count(&res.workers[w].cpus) > 0);
							}
							assert_true(res.workers[w].user_s >= 0 && res.workers[w].sys_s >= 0);
						}
						assert_true(done == task_counts[t]);
						assert_true(res.child_user_s >= 0 && res.child_sys_s >= 0);
						assert_true(res.child_max_rss_kb > 0);
					}
				}
			}
			variants[v]->close(ex);
			assert_int_equal(count_children(), 0);
			assert_int_equal(count_segments(), 0);
		}
	}
	for (int t = 0; t < 3; t++)
		free(ref_out[t]);
	job_free(&job);
}

static void test_hash_equals_serial(void **state)
{
	(void)state;
	check_against_serial(&wl_hash, 1000);
}

static void test_halo_equals_serial(void **state)
{
	(void)state;
	check_against_serial(&wl_halo, 203);
}

/* A task count above the item count leaves empty tasks: still every task once. */
static void test_more_tasks_than_items(void **state)
{
	(void)state;
	struct pb_job job;
	char err[256];
	job_init(&job, &wl_halo, 3);
	for (int v = 0; v < NVARIANTS; v++) {
		struct pb_exec *ex = open_ex(variants[v], 2, &job, err, sizeof err);
		assert_non_null(ex);
		struct pb_run_req req = make_req(3, 8, PB_SCHED_DYNAMIC, 1, 2);
		struct pb_run_result res;
		assert_int_equal(variants[v]->run(ex, &job, &req, &res, err, sizeof err), 0);
		assert_true(res.total.items == 3);
		assert_true(res.workers[0].tasks_done + res.workers[1].tasks_done == 8);
		variants[v]->close(ex);
	}
	job_free(&job);
}

/* ---- faults ---- */

static void check_fault(const struct pb_workload *wl, int how, const char *signal_re)
{
	struct pb_job job;
	char err[256], re[256];
	job_init(&job, wl, 64);
	fault_how = how;
	for (int v = 0; v < NVARIANTS; v++) {
		const struct pb_executor *x = variants[v];
		/* 8 tasks of 8 items: item 21 is in task 2. */
		fault_item = 21;
		struct pb_exec *ex = open_ex(x, 2, &job, err, sizeof err);
		assert_non_null(ex);
		struct pb_run_req req = make_req(64, 8, PB_SCHED_DYNAMIC, 1, 2);
		struct pb_run_result res;
		double t0 = pb_now();
		err[0] = '\0';
		assert_int_equal(x->run(ex, &job, &req, &res, err, sizeof err), -1);
		assert_true(pb_now() - t0 < 5.0);
		snprintf(re, sizeof re, "^%s: worker [01] \\(pid [0-9]+\\) died on task 2: %s$", x->name, signal_re);
		expect_match(err, re);
		long pid = atol(strstr(err, "(pid ") + 5);
		assert_true(pid > 0 && pid != (long)getpid());
		x->close(ex);
		fault_item = UINT64_MAX;
		assert_int_equal(count_children(), 0);
		assert_int_equal(count_segments(), 0);
	}
	job_free(&job);
}

static void test_worker_killed(void **state)
{
	(void)state;
	check_fault(&wl_hash, 0, "killed by signal 9");
	check_fault(&wl_halo, 0, "killed by signal 9");
}

static void test_worker_aborts(void **state)
{
	(void)state;
	check_fault(&wl_hash, 1, "killed by signal 6( \\(core dumped\\))?");
}

/* A chunk of tasks: the pool and process name the chunk, shm the exact task. */
static void test_fault_in_chunk(void **state)
{
	(void)state;
	struct pb_job job;
	char err[256];
	job_init(&job, &wl_hash, 64);
	fault_how = 0;
	fault_item = 21; /* task 2 of 8; chunk 3 holds tasks 0-2 */
	static const char *const res_re[] = {
		"^pool: worker [01] \\(pid [0-9]+\\) died on tasks 0-2: killed by signal 9$",
		"^process: worker [01] \\(pid [0-9]+\\) died on tasks 0-2: killed by signal 9$",
		"^shm: worker [01] \\(pid [0-9]+\\) died on task 2: killed by signal 9$",
	};
	for (int v = 0; v < NVARIANTS; v++) {
		struct pb_exec *ex = open_ex(variants[v], 2, &job, err, sizeof err);
		assert_non_null(ex);
		struct pb_run_req req = make_req(64, 8, PB_SCHED_DYNAMIC, 3, 2);
		struct pb_run_result res;
		assert_int_equal(variants[v]->run(ex, &job, &req, &res, err, sizeof err), -1);
		expect_match(err, res_re[v]);
		variants[v]->close(ex);
		assert_int_equal(count_children(), 0);
		assert_int_equal(count_segments(), 0);
	}
	fault_item = UINT64_MAX;
	job_free(&job);
}

/* A pre-forked worker killed between runs fails the next run, naming it. */
static void test_killed_between_runs(void **state)
{
	(void)state;
	struct pb_job job;
	char err[256], re[128];
	job_init(&job, &wl_hash, 100);
	const struct pb_executor *const pre[] = { &pb_ex_pool, &pb_ex_shm };
	for (int v = 0; v < 2; v++) {
		struct pb_exec *ex = open_ex(pre[v], 2, &job, err, sizeof err);
		assert_non_null(ex);
		struct pb_run_req req = make_req(100, 10, PB_SCHED_STATIC, 1, 2);
		struct pb_run_result res;
		assert_int_equal(pre[v]->run(ex, &job, &req, &res, err, sizeof err), 0);
		pid_t victim = res.workers[1].pid;
		assert_true(victim > 0);
		assert_int_equal(kill(victim, SIGKILL), 0);
		double t0 = pb_now();
		assert_int_equal(pre[v]->run(ex, &job, &req, &res, err, sizeof err), -1);
		assert_true(pb_now() - t0 < 5.0);
		snprintf(re, sizeof re, "^%s: worker 1 \\(pid %ld\\) died (on tasks? 5(-9)?|between tasks): killed by signal 9$",
			 pre[v]->name, (long)victim);
		expect_match(err, re);
		pre[v]->close(ex);
		assert_int_equal(count_children(), 0);
		assert_int_equal(count_segments(), 0);
	}
	job_free(&job);
}

/*
 * fork failing: as user nobody with RLIMIT_NPROC 2 (root ignores the limit),
 * open must fail with one clear message and leave no child and no segment.
 * Runs in a child of the test, which reports through its exit status.
 */
static void test_fork_failure(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		SKIP("needs root to become nobody (the CLI test covers it with setpriv)");
		return;
	}
	for (int v = 0; v < NVARIANTS; v++) {
		if (variants[v] == &pb_ex_process)
			continue; /* forks at run time: tested below */
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct rlimit rl = { 2, 2 };
			if (setgid(65534) != 0 || setuid(65534) != 0 || setrlimit(RLIMIT_NPROC, &rl) != 0)
				_exit(10);
			struct pb_job job;
			char err[256];
			job_init(&job, &wl_hash, 100);
			struct pb_exec *ex = open_ex(variants[v], 4, &job, err, sizeof err);
			if (ex)
				_exit(11);
			char re[128];
			snprintf(re, sizeof re, "^%s: cannot fork worker [0-3]: Resource temporarily unavailable$",
				 variants[v]->name);
			regex_t rx;
			regcomp(&rx, re, REG_EXTENDED | REG_NOSUB);
			if (regexec(&rx, err, 0, NULL, 0) != 0) {
				fprintf(stderr, "got '%s'\n", err);
				_exit(12);
			}
			if (count_children() != 0)
				_exit(13);
			if (count_segments() != 0)
				_exit(14);
			_exit(0);
		}
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_msg("%s: fork-failure child ended with status 0x%x", variants[v]->name, status);
	}

	/* process forks in run: the run fails with the same message and kills what it started. */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { 2, 2 };
		if (setgid(65534) != 0 || setuid(65534) != 0 || setrlimit(RLIMIT_NPROC, &rl) != 0)
			_exit(10);
		struct pb_job job;
		char err[256];
		job_init(&job, &wl_hash, 100);
		struct pb_exec *ex = open_ex(&pb_ex_process, 4, &job, err, sizeof err);
		if (!ex)
			_exit(11);
		struct pb_run_req req = make_req(100, 10, PB_SCHED_DYNAMIC, 1, 4);
		struct pb_run_result res;
		if (pb_ex_process.run(ex, &job, &req, &res, err, sizeof err) != -1)
			_exit(12);
		if (strncmp(err, "process: cannot fork worker ", 28) != 0 ||
		    !strstr(err, ": Resource temporarily unavailable"))
			_exit(13);
		pb_ex_process.close(ex);
		if (count_children() != 0)
			_exit(14);
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("process: fork-failure child ended with status 0x%x", status);
}

/* Burn about ms milliseconds of CPU time in the calling process. */
static void burn_ms(double ms)
{
	struct rusage r;
	double t0, t;
	getrusage(RUSAGE_SELF, &r);
	t0 = r.ru_utime.tv_sec + r.ru_utime.tv_usec * 1e-6 + r.ru_stime.tv_sec + r.ru_stime.tv_usec * 1e-6;
	uint64_t x = 0;
	do {
		for (int i = 0; i < 100000; i++) {
			x += (uint64_t)i * i;
			__asm__ volatile("" : "+r"(x)); /* the loop is work, not a closed form */
		}
		getrusage(RUSAGE_SELF, &r);
		t = r.ru_utime.tv_sec + r.ru_utime.tv_usec * 1e-6 + r.ru_stime.tv_sec + r.ru_stime.tv_usec * 1e-6;
	} while (t - t0 < ms / 1e3);
}

/*
 * Children counted from the parent (perf, inherited): two runs, each forking
 * a child that burns 30 ms while the parent burns 60 ms itself, count about
 * 30 ms of task-clock each: the children's, none of the parent's, and the
 * first run's children do not leak into the second.
 */
static void test_children_counted_from_parent(void **state)
{
	(void)state;
	struct pb_counters_cfg cfg;
	char err[256];
	if (pb_counters_resolve("perf", &cfg, err, sizeof err) != 0) {
		SKIP("perf software events are not available here: %s", err);
		return;
	}
	struct pb_ctr_children cc;
	assert_int_equal(pb_ctr_children_open(&cc, &cfg), 0);
	for (int run = 0; run < 2; run++) {
		struct pb_counter_values v;
		memset(&v, 0, sizeof v);
		pb_ctr_children_start(&cc);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			burn_ms(30);
			_exit(0);
		}
		burn_ms(60);
		assert_int_equal(waitpid(pid, NULL, 0), pid);
		pb_ctr_children_stop(&cc, &v);
		assert_int_equal(v.n, cfg.nevents);
		assert_string_equal(cfg.events[0], "task-clock-ns");
		double ms = (double)v.v[0] / 1e6;
		if (ms < 25 || ms > 50)
			fail_msg("run %d: the child's task-clock is %.1f ms (it burnt 30 ms; the parent 60 ms)", run, ms);
	}
	pb_ctr_children_close(&cc);
	/* the rusage backend takes a reaped child's counts from wait4 */
	struct pb_counters_cfg ru;
	assert_int_equal(pb_counters_resolve("rusage", &ru, err, sizeof err), 0);
	struct rusage r;
	memset(&r, 0, sizeof r);
	r.ru_nvcsw = 3;
	r.ru_nivcsw = 4;
	r.ru_minflt = 10;
	r.ru_majflt = 1;
	struct pb_counter_values v;
	memset(&v, 0, sizeof v);
	assert_int_equal(pb_ctr_from_child_rusage(&ru, &r, &v), 1);
	assert_int_equal(v.n, 2);
	assert_true(v.v[0] == 7 && v.v[1] == 11);
	assert_int_equal(pb_ctr_from_child_rusage(&cfg, &r, &v), 0);
	assert_int_equal(pb_ctr_children_open(&cc, &ru), -1);
}

static int setup_all(void **state)
{
	(void)state;
	test_pid = getpid();
	pb_proc_install_signals(); /* as the runner does: SIGPIPE ignored, cleanup on SIGINT */
	struct rlimit rl = { 0, 0 };
	setrlimit(RLIMIT_CORE, &rl); /* the abort test must not leave core files */
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_equals_serial),
		cmocka_unit_test(test_halo_equals_serial),
		cmocka_unit_test(test_more_tasks_than_items),
		cmocka_unit_test(test_worker_killed),
		cmocka_unit_test(test_worker_aborts),
		cmocka_unit_test(test_fault_in_chunk),
		cmocka_unit_test(test_killed_between_runs),
		cmocka_unit_test(test_fork_failure),
		cmocka_unit_test(test_children_counted_from_parent),
	};
	return cmocka_run_group_tests(tests, setup_all, NULL);
}
