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

/* ---- the backend choice: a pure function of what the machine reports ---- */

/* A fake PAPI that can count PAPI_TOT_CYC and PAPI_TOT_INS, and nothing else. */
static int check_two(char events[][PB_EVENT_NAME_MAX], int n, char *why, size_t len)
{
	for (int i = 0; i < n; i++)
		if (strcmp(events[i], "PAPI_TOT_CYC") != 0 && strcmp(events[i], "PAPI_TOT_INS") != 0) {
			snprintf(why, len, "PAPI event '%s' is not available here", events[i]);
			return -1;
		}
	return 0;
}

/* A fake PAPI with no counters: every event is refused. */
static int check_none(char events[][PB_EVENT_NAME_MAX], int n, char *why, size_t len)
{
	(void)n;
	snprintf(why, len, "PAPI event '%s' cannot be counted: no hardware counters", events[0]);
	return -1;
}

enum { NO_COUNTERS, NO_PRESET, PRESETS, NO_PAPI_BUILD };

static void fake_machine(struct pb_ctr_machine *m, int papi, int perf)
{
	memset(m, 0, sizeof *m);
	switch (papi) {
	case NO_COUNTERS:
		snprintf(m->papi_why, sizeof m->papi_why, "no hardware counters (PAPI_num_cmp_hwctrs(0) = 0)");
		m->papi_check = check_none;
		break;
	case NO_PRESET: /* the KVM guest: 6 counters, none of the presets */
		m->papi_hw = 6;
		m->papi_check = check_none;
		break;
	case PRESETS:
		m->papi_hw = 6;
		m->npresets = 2;
		snprintf(m->presets[0], sizeof m->presets[0], "PAPI_TOT_CYC");
		snprintf(m->presets[1], sizeof m->presets[1], "PAPI_TOT_INS");
		m->papi_check = check_two;
		break;
	default:
		snprintf(m->papi_why, sizeof m->papi_why, "this build has no PAPI");
		break;
	}
	m->perf = perf;
	if (!perf)
		snprintf(m->perf_why, sizeof m->perf_why, "perf_event_open(task-clock-ns): Permission denied (perf_event_paranoid = 4)");
}

static void test_choice_table(void **state)
{
	(void)state;
	static const char *const papi_name[] = { "no counters", "counters, no preset", "presets", "no PAPI build" };
	static const struct {
		const char *spec;
		int papi, perf;
		int rc;
		enum pb_ctr_backend backend;
		int nevents;
		const char *first_event;
		const char *text; /* in the reason (rc 0) or in the error (rc -1) */
	} t[] = {
		{ "auto", NO_COUNTERS, 1, 0, PB_CTR_PERF, 4, "task-clock-ns", "papi: no hardware counters (PAPI_num_cmp_hwctrs(0) = 0); using perf software events" },
		{ "auto", NO_COUNTERS, 0, 0, PB_CTR_RUSAGE, 2, "context-switches", "perf: perf_event_open(task-clock-ns): Permission denied" },
		{ "auto", NO_PRESET, 1, 0, PB_CTR_PERF, 4, "task-clock-ns", "papi: 6 hardware counters but none of the presets is available; using perf software events" },
		{ "auto", NO_PRESET, 0, 0, PB_CTR_RUSAGE, 2, "context-switches", "none of the presets is available; perf: perf_event_open" },
		{ "auto", PRESETS, 1, 0, PB_CTR_PAPI, 2, "PAPI_TOT_CYC", "papi: 6 hardware counters; 2 of 4 presets available" },
		{ "auto", PRESETS, 0, 0, PB_CTR_PAPI, 2, "PAPI_TOT_CYC", "papi: 6 hardware counters; 2 of 4 presets available" },
		{ "auto", NO_PAPI_BUILD, 1, 0, PB_CTR_PERF, 4, "task-clock-ns", "papi: this build has no PAPI; using perf software events" },
		{ "auto", NO_PAPI_BUILD, 0, 0, PB_CTR_RUSAGE, 2, "context-switches", "using getrusage" },
		{ "none", PRESETS, 1, 0, PB_CTR_NONE, 0, NULL, "counters off" },
		{ "none", NO_COUNTERS, 0, 0, PB_CTR_NONE, 0, NULL, "counters off" },
		{ "perf", PRESETS, 1, 0, PB_CTR_PERF, 4, "task-clock-ns", "perf: requested" },
		{ "perf", NO_PRESET, 0, -1, PB_CTR_NONE, 0, NULL, "perf software events unavailable: perf_event_open(task-clock-ns)" },
		{ "rusage", PRESETS, 1, 0, PB_CTR_RUSAGE, 2, "context-switches", "rusage: requested" },
		{ "rusage", NO_COUNTERS, 0, 0, PB_CTR_RUSAGE, 2, "context-switches", "rusage: requested" },
		{ "papi:PAPI_TOT_INS", PRESETS, 0, 0, PB_CTR_PAPI, 1, "PAPI_TOT_INS", "papi: requested events" },
		{ "papi:PAPI_TOT_CYC,PAPI_TOT_INS", PRESETS, 1, 0, PB_CTR_PAPI, 2, "PAPI_TOT_CYC", "papi: requested events" },
		{ "papi:PAPI_L1_DCM", PRESETS, 1, -1, PB_CTR_NONE, 0, NULL, "PAPI event 'PAPI_L1_DCM' is not available here" },
		{ "papi:PAPI_TOT_CYC", NO_PRESET, 1, -1, PB_CTR_NONE, 0, NULL, "cannot be counted: no hardware counters" },
		{ "papi:PAPI_TOT_CYC", NO_COUNTERS, 1, -1, PB_CTR_NONE, 0, NULL, "cannot be counted" },
		{ "papi:PAPI_TOT_CYC", NO_PAPI_BUILD, 1, -1, PB_CTR_NONE, 0, NULL, "PAPI cannot be asked here" },
		{ "papi:", PRESETS, 1, -1, PB_CTR_NONE, 0, NULL, "names no event" },
		{ "papi:PAPI_TOT_CYC,,X", PRESETS, 1, -1, PB_CTR_NONE, 0, NULL, "empty event name" },
		{ "cycles", PRESETS, 1, -1, PB_CTR_NONE, 0, NULL, "unknown counter spec 'cycles'" },
		{ "", NO_COUNTERS, 1, -1, PB_CTR_NONE, 0, NULL, "unknown counter spec ''" },
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct pb_ctr_machine m;
		struct pb_counters_cfg cfg;
		char err[256] = "";
		fake_machine(&m, t[i].papi, t[i].perf);
		int rc = pb_counters_choose(t[i].spec, &m, &cfg, err, sizeof err);
		const char *text = rc == 0 ? cfg.reason : err;
		int ok = rc == t[i].rc && strstr(text, t[i].text) != NULL;
		if (ok && rc == 0)
			ok = cfg.backend == t[i].backend && cfg.nevents == t[i].nevents &&
			     (!t[i].first_event || strcmp(cfg.events[0], t[i].first_event) == 0);
		if (!ok) {
			print_message("spec '%s', PAPI %s, perf %s: expected rc %d, backend %s, %d events, '%s'\n"
				      "   got rc %d, backend %s, %d events (first '%s'), '%s'\n",
				      t[i].spec, papi_name[t[i].papi], t[i].perf ? "yes" : "no", t[i].rc,
				      pb_ctr_backend_name(t[i].backend), t[i].nevents, t[i].text, rc,
				      pb_ctr_backend_name(cfg.backend), rc == 0 ? cfg.nevents : 0,
				      rc == 0 && cfg.nevents ? cfg.events[0] : "", text);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* On this machine, resolve is the choice over what the probe saw, whatever the machine is. */
static void test_resolve_is_choice_of_probe(void **state)
{
	(void)state;
	static const char *const specs[] = { "auto", "none", "perf", "rusage", "papi:PAPI_TOT_CYC" };
	struct pb_ctr_machine m;
	pb_counters_probe(&m);
	print_message("this machine: PAPI %d counters, %d presets (%s); perf %s (%s)\n", m.papi_hw, m.npresets,
		      m.papi_why, m.perf ? "yes" : "no", m.perf_why);
	if (!have_papi())
		assert_non_null(strstr(m.papi_why, "this build has no PAPI"));
	assert_true(m.npresets == 0 || m.papi_hw > 0);
	for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
		struct pb_counters_cfg a, b;
		char ea[256] = "", eb[256] = "";
		int ra = pb_counters_resolve(specs[i], &a, ea, sizeof ea);
		int rb = pb_counters_choose(specs[i], &m, &b, eb, sizeof eb);
		assert_int_equal(ra, rb);
		if (ra == 0) {
			assert_int_equal(a.backend, b.backend);
			assert_int_equal(a.nevents, b.nevents);
			assert_string_equal(a.reason, b.reason);
		}
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
		cmocka_unit_test(test_choice_table),
		cmocka_unit_test(test_resolve_is_choice_of_probe),
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
