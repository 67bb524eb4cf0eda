/* test_counters.c: backend choice and the values of the perf, getrusage (and PAPI) backends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buildinfo.h"
#include "../harness/counters.h"
#include "../harness/counters_impl.h"

static int have_papi(void)
{
	return strstr(PB_BUILD_FEATURES, "papi=yes") != NULL;
}

static int event_index(const struct pb_counters_cfg *cfg, const char *name)
{
	for (int i = 0; i < cfg->nevents; i++)
		if (strcmp(cfg->events[i], name) == 0)
			return i;
	fail_msg("backend %s has no event '%s'", pb_ctr_backend_name(cfg->backend), name);
	return -1;
}

static double thread_cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Where busy() adds; volatile keeps the loop from being folded away. */
static volatile uint64_t sink;

/* Spin until this thread has used s seconds of CPU. */
static void busy(double s)
{
	double t0 = thread_cpu_s();
	while (thread_cpu_s() - t0 < s)
		for (int i = 0; i < 10000; i++)
			sink += (uint64_t)i;
}

/* Touch every 4 KiB page of a fresh 64 MiB mapping (no huge pages, so one fault per page). */
static void touch_64mib(void)
{
	size_t len = (size_t)64 << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	madvise(p, len, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	munmap(p, len);
}

static void sleep_20_times(void)
{
	for (int i = 0; i < 20; i++) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
}

static void resolve_ok(const char *spec, struct pb_counters_cfg *cfg)
{
	char err[256] = "";
	if (pb_counters_resolve(spec, cfg, err, sizeof err) != 0)
		fail_msg("resolve '%s' failed: %s", spec, err);
}

static void test_auto_consistent_with_papi(void **state)
{
	(void)state;
	struct pb_counters_cfg cfg;
	char why[256] = "";
	resolve_ok("auto", &cfg);
	print_message("auto -> %s: %s\n", pb_ctr_backend_name(cfg.backend), cfg.reason);
	int hw = pb_papi_hw_counters(why, sizeof why); /* PAPI's own report (PAPI_num_cmp_hwctrs) */
	if (hw > 0) {
		assert_int_equal(cfg.backend, PB_CTR_PAPI);
		assert_true(cfg.nevents >= 1 && cfg.nevents <= 4);
		for (int i = 0; i < cfg.nevents; i++)
			assert_int_equal(strncmp(cfg.events[i], "PAPI_", 5), 0);
		return;
	}
	assert_int_not_equal(cfg.backend, PB_CTR_PAPI);
	if (have_papi())
		assert_non_null(strstr(cfg.reason, "papi: no hardware counters (PAPI_num_cmp_hwctrs(0) = 0"));
	else
		assert_non_null(strstr(cfg.reason, "papi: this build has no PAPI"));
	char pwhy[256];
	if (pb_ctr_backend_available(PB_CTR_PERF, pwhy, sizeof pwhy)) {
		assert_int_equal(cfg.backend, PB_CTR_PERF);
		assert_non_null(strstr(cfg.reason, "using perf software events"));
		assert_int_equal(cfg.nevents, 4);
		assert_string_equal(cfg.events[0], "task-clock-ns");
		assert_string_equal(cfg.events[1], "context-switches");
		assert_string_equal(cfg.events[2], "cpu-migrations");
		assert_string_equal(cfg.events[3], "page-faults");
	} else {
		assert_int_equal(cfg.backend, PB_CTR_RUSAGE);
		assert_non_null(strstr(cfg.reason, "using getrusage"));
	}
}

static void test_explicit_papi(void **state)
{
	(void)state;
	struct pb_counters_cfg cfg;
	char err[256] = "", why[256];
	int hw = pb_papi_hw_counters(why, sizeof why);
	int rc = pb_counters_resolve("papi:PAPI_TOT_CYC", &cfg, err, sizeof err);
	if (hw > 0) {
		/* where PAPI has counters, cycles are almost always among them */
		if (rc == 0)
			assert_int_equal(cfg.backend, PB_CTR_PAPI);
		else
			assert_non_null(strstr(err, "'PAPI_TOT_CYC'"));
	} else {
		assert_int_equal(rc, -1);
		assert_null(strchr(err, '\n'));
		assert_non_null(strstr(err, "'PAPI_TOT_CYC'"));
		assert_non_null(strstr(err, have_papi() ? "not available on this machine" : "this build has no PAPI"));
	}
	assert_int_equal(pb_counters_resolve("papi:NO_SUCH_EVENT_XYZ", &cfg, err, sizeof err), -1);
	assert_non_null(strstr(err, "'NO_SUCH_EVENT_XYZ'"));
	assert_non_null(strstr(err, have_papi() ? "unknown PAPI event" : "this build has no PAPI"));
	assert_int_equal(cfg.backend, PB_CTR_NONE);
}

static void test_bad_specs(void **state)
{
	(void)state;
	static const struct {
		const char *spec, *want;
	} bad[] = {
		{ "cycles", "unknown counter spec 'cycles'" },
		{ "", "unknown counter spec ''" },
		{ "papi:", "names no event" },
		{ "papi:A,,B", "empty event name" },
		{ "papi:A,B,C,D,E,F,G,H,I", "too many events" },
		{ "AUTO", "unknown counter spec 'AUTO'" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct pb_counters_cfg cfg;
		char err[256] = "";
		int rc = pb_counters_resolve(bad[i].spec, &cfg, err, sizeof err);
		if (rc != -1 || !strstr(err, bad[i].want))
			fail_msg("spec '%s': want -1 and \"%s\", got %d and \"%s\"", bad[i].spec, bad[i].want, rc, err);
	}
}

static void test_none_does_nothing(void **state)
{
	(void)state;
	struct pb_counters_cfg cfg;
	struct pb_ctr_session s;
	struct pb_counter_values acc = { .n = 3, .v = { 7, 8, 9 } };
	resolve_ok("none", &cfg);
	assert_int_equal(cfg.backend, PB_CTR_NONE);
	assert_int_equal(cfg.nevents, 0);
	pb_ctr_start(&s, &cfg);
	pb_ctr_stop(&s, &acc);
	pb_ctr_start(&s, NULL);
	pb_ctr_stop(&s, &acc);
	pb_ctr_thread_done(NULL);
	assert_int_equal(acc.n, 3);
	assert_int_equal(acc.v[0], 7);
	assert_int_equal(acc.v[2], 9);
}

static int perf_or_skip(struct pb_counters_cfg *cfg)
{
	char err[256];
	if (pb_counters_resolve("perf", cfg, err, sizeof err) != 0) {
		print_message("skipped: %s\n", err);
		skip();
		return -1;
	}
	return 0;
}

static void test_perf_task_clock(void **state)
{
	(void)state;
	struct pb_counters_cfg cfg;
	struct pb_ctr_session s;
	struct pb_counter_values acc = { 0 };
	perf_or_skip(&cfg);
	pb_ctr_start(&s, &cfg);
	busy(0.05);
	pb_ctr_stop(&s, &acc);
	assert_int_equal(acc.n, 4);
	int64_t ns = acc.v[event_index(&cfg, "task-clock-ns")];
	print_message("task-clock of a 50 ms busy loop: %.1f ms\n", (double)ns / 1e6);
	assert_true(ns >= 25000000 && ns <= 100000000);

	/* a second session adds to the first */
	pb_ctr_start(&s, &cfg);
	busy(0.05);
	pb_ctr_stop(&s, &acc);
	assert_true(acc.v[0] >= ns + 25000000);

	/* the thread keeps its descriptors between sessions: each session starts from zero */
	struct pb_counter_values fresh = { 0 };
	pb_ctr_start(&s, &cfg);
	busy(0.005);
	pb_ctr_stop(&s, &fresh);
	int64_t ns2 = fresh.v[event_index(&cfg, "task-clock-ns")];
	print_message("task-clock of a 5 ms busy loop on reused descriptors: %.1f ms\n", (double)ns2 / 1e6);
	assert_true(ns2 >= 2000000 && ns2 < 25000000);
}

static void test_perf_page_faults(void **state)
{
	(void)state;
	struct pb_counters_cfg cfg;
	struct pb_ctr_session s;
	struct pb_counter_values acc = { 0 };
	perf_or_skip(&cfg);
	pb_ctr_start(&s, &cfg);
	touch_64mib();
	pb_ctr_stop(&s, &acc);
	int64_t pf = acc.v[event_index(&cfg, "page-faults")];
	print_message("page faults touching 64 MiB: %lld\n", (long long)pf);
	assert_true(pf >= 1000);
}

static void test_perf_context_switches(void **state)
{
	(void)state;
	struct pb_counters_cfg cfg;
	struct pb_ctr_session s;
	struct pb_counter_values acc = { 0 };
	perf_or_skip(&cfg);
	pb_ctr_start(&s, &cfg);
	sleep_20_times();
	pb_ctr_stop(&s, &acc);
	int64_t cs = acc.v[event_index(&cfg, "context-switches")];
	print_message("context switches over 20 sleeps: %lld\n", (long long)cs);
	assert_true(cs >= 10);
	assert_true(acc.v[event_index(&cfg, "cpu-migrations")] >= 0);
}

struct thread_arg {
	const struct pb_counters_cfg *cfg;
	struct pb_counter_values acc;
};

static void *measure_busy_thread(void *p)
{
	struct thread_arg *a = p;
	struct pb_ctr_session s;
	pb_ctr_start(&s, a->cfg);
	busy(0.05);
	pb_ctr_stop(&s, &a->acc);
	pb_ctr_thread_done(a->cfg);
	return NULL;
}

/* Each session measures its own thread: the main thread sleeping meanwhile sees little CPU time. */
static void test_perf_per_thread(void **state)
{
	(void)state;
	struct pb_counters_cfg cfg;
	struct pb_ctr_session s;
	struct pb_counter_values main_acc = { 0 };
	struct thread_arg a = { 0 };
	pthread_t t;
	perf_or_skip(&cfg);
	a.cfg = &cfg;
	pb_ctr_start(&s, &cfg);
	assert_int_equal(pthread_create(&t, NULL, measure_busy_thread, &a), 0);
	pthread_join(t, NULL);
	pb_ctr_stop(&s, &main_acc);
	int tc = event_index(&cfg, "task-clock-ns");
	print_message("worker thread %.1f ms, waiting main thread %.1f ms\n", (double)a.acc.v[tc] / 1e6,
		      (double)main_acc.v[tc] / 1e6);
	assert_true(a.acc.v[tc] >= 25000000 && a.acc.v[tc] <= 100000000);
	assert_true(main_acc.v[tc] < a.acc.v[tc] / 2);
}

/* A forked child measures itself and sends its values back through a pipe. */
static void child_measures(const char *spec)
{
	struct pb_counters_cfg cfg;
	int fd[2];
	resolve_ok(spec, &cfg);
	assert_int_equal(pipe(fd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct pb_ctr_session s;
		struct pb_counter_values v = { 0 };
		close(fd[0]);
		pb_ctr_start(&s, &cfg);
		busy(0.03);
		sleep_20_times();
		touch_64mib();
		pb_ctr_stop(&s, &v);
		pb_ctr_thread_done(&cfg);
		_exit(write(fd[1], &v, sizeof v) == (ssize_t)sizeof v ? 0 : 1);
	}
	close(fd[1]);
	struct pb_counter_values v;
	ssize_t got = read(fd[0], &v, sizeof v);
	close(fd[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(got, (ssize_t)sizeof v);
	assert_int_equal(v.n, cfg.nevents);
	print_message("%s in a forked child: switches %lld, faults %lld\n", spec,
		      (long long)v.v[event_index(&cfg, "context-switches")],
		      (long long)v.v[event_index(&cfg, "page-faults")]);
	assert_true(v.v[event_index(&cfg, "context-switches")] >= 10);
	assert_true(v.v[event_index(&cfg, "page-faults")] >= 1000);
	if (cfg.backend == PB_CTR_PERF)
		assert_true(v.v[event_index(&cfg, "task-clock-ns")] >= 15000000);
}

static void test_perf_forked_child(void **state)
{
	(void)state;
	struct pb_counters_cfg cfg;
	struct pb_ctr_session s;
	struct pb_counter_values acc = { 0 };
	perf_or_skip(&cfg);
	/* the parent's thread has cached descriptors now; the child must not read them (they count the parent) */
	pb_ctr_start(&s, &cfg);
	pb_ctr_stop(&s, &acc);
	child_measures("perf");
}

static void test_rusage(void **state)
{
	(void)state;
	struct pb_counters_cfg cfg;
	struct pb_ctr_session s;
	struct pb_counter_values acc = { 0 };
	resolve_ok("rusage", &cfg);
	assert_int_equal(cfg.backend, PB_CTR_RUSAGE);
	assert_int_equal(cfg.nevents, 2);
	pb_ctr_start(&s, &cfg);
	sleep_20_times();
	touch_64mib();
	pb_ctr_stop(&s, &acc);
	assert_int_equal(acc.n, 2);
	assert_true(acc.v[event_index(&cfg, "context-switches")] >= 10);
	assert_true(acc.v[event_index(&cfg, "page-faults")] >= 1000);
	child_measures("rusage");
}

/* With the auto backend, a forked child never crashes and reports cfg's events. */
static void test_auto_forked_child(void **state)
{
	(void)state;
	struct pb_counters_cfg cfg;
	resolve_ok("auto", &cfg);
	if (cfg.backend == PB_CTR_PAPI) {
		int fd[2];
		assert_int_equal(pipe(fd), 0);
		pid_t pid = fork();
		if (pid == 0) {
			struct pb_ctr_session s;
			struct pb_counter_values v = { 0 };
			pb_ctr_start(&s, &cfg);
			busy(0.02);
			pb_ctr_stop(&s, &v);
			_exit(write(fd[1], &v, sizeof v) == (ssize_t)sizeof v ? 0 : 1);
		}
		close(fd[1]);
		struct pb_counter_values v;
		assert_int_equal(read(fd[0], &v, sizeof v), (ssize_t)sizeof v);
		close(fd[0]);
		int st;
		waitpid(pid, &st, 0);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		assert_int_equal(v.n, cfg.nevents);
		assert_true(v.v[0] > 0); /* cycles or instructions of 20 ms of work */
	} else {
		child_measures("auto");
	}
}

/* A backend that fails inside a worker (an event it cannot count) gives zeros, in a thread and in a child. */
static void test_failure_gives_zeros(void **state)
{
	(void)state;
	struct pb_counters_cfg cfg = { .backend = PB_CTR_PAPI, .nevents = 1, .events = { "NO_SUCH_EVENT_XYZ" } };
	struct pb_ctr_session s;
	struct pb_counter_values acc = { 0 };
	pb_ctr_start(&s, &cfg);
	busy(0.005);
	pb_ctr_stop(&s, &acc);
	pb_ctr_thread_done(&cfg);
	assert_int_equal(acc.n, 1);
	assert_int_equal(acc.v[0], 0);

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct pb_counter_values v = { 0 };
		pb_ctr_start(&s, &cfg);
		pb_ctr_stop(&s, &v);
		_exit(v.n == 1 && v.v[0] == 0 ? 0 : 1);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	struct pb_counters_cfg bad_perf = { .backend = PB_CTR_PERF, .nevents = 2, .events = { "no-such-event", "x" } };
	memset(&acc, 0, sizeof acc);
	pb_ctr_start(&s, &bad_perf);
	pb_ctr_stop(&s, &acc);
	assert_int_equal(acc.n, 2);
	assert_int_equal(acc.v[0] | acc.v[1], 0);
}

static void test_describe(void **state)
{
	(void)state;
	char buf[1024], why[256];
	pb_counters_describe(buf, sizeof buf);
	print_message("%s\n", buf);
	assert_non_null(strstr(buf, "papi: "));
	assert_non_null(strstr(buf, "rusage: available"));
	assert_non_null(strstr(buf, pb_ctr_backend_available(PB_CTR_PERF, why, sizeof why) ? "perf: available"
											    : "perf: unavailable: "));
	if (have_papi()) {
		assert_string_not_equal(pb_papi_version(), "none");
		assert_true(strchr(pb_papi_version(), '.') != NULL);
	} else {
		assert_string_equal(pb_papi_version(), "none");
		assert_non_null(strstr(buf, "papi: unavailable: this build has no PAPI"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auto_consistent_with_papi),
		cmocka_unit_test(test_explicit_papi),
		cmocka_unit_test(test_bad_specs),
		cmocka_unit_test(test_none_does_nothing),
		cmocka_unit_test(test_perf_task_clock),
		cmocka_unit_test(test_perf_page_faults),
		cmocka_unit_test(test_perf_context_switches),
		cmocka_unit_test(test_perf_per_thread),
		cmocka_unit_test(test_perf_forked_child),
		cmocka_unit_test(test_rusage),
		cmocka_unit_test(test_auto_forked_child),
		cmocka_unit_test(test_failure_gives_zeros),
		cmocka_unit_test(test_describe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
