/* test_sleep.c: the sleep workload: empty tasks, counting, sleep length, bad parameters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../harness/sched.h"
#include "../workloads/workload.h"

extern const struct pb_workload pb_wl_sleep;

static int make_job(struct pb_job *job, uint64_t size, const char *ms, char *err, size_t errlen)
{
	memset(job, 0, sizeof *job);
	job->wl = &pb_wl_sleep;
	job->size = size;
	job->size_from_user = 1;
	for (const struct pb_param_def *d = pb_wl_sleep.params; d->key; d++) {
		snprintf(job->params[job->nparams].key, PB_PARAM_KEY_MAX, "%s", d->key);
		snprintf(job->params[job->nparams].val, PB_PARAM_VAL_MAX, "%s",
			 ms && strcmp(d->key, "ms") == 0 ? ms : d->def);
		job->nparams++;
	}
	return pb_wl_sleep.prepare(job, err, errlen);
}

static void prepared(struct pb_job *job, uint64_t size, const char *ms)
{
	char err[256] = "";
	if (make_job(job, size, ms, err, sizeof err) != 0)
		fail_msg("prepare(size %llu, ms %s): %s", (unsigned long long)size, ms ? ms : "default", err);
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static struct pb_partial range(const struct pb_job *job, uint64_t b, uint64_t e)
{
	struct pb_partial p;
	memset(&p, 0, sizeof p);
	struct pb_view none = { NULL, 0, 0 };
	job->wl->kernel(job, b, e, none, none, &p);
	return p;
}

static void test_descriptor(void **unused)
{
	assert_string_equal(pb_wl_sleep.name, "sleep");
	assert_int_equal(pb_wl_sleep.default_tasks, 0); /* one task per item */
	assert_int_equal(pb_wl_sleep.extra, 1);
	assert_int_equal(pb_wl_sleep.default_size, 16);
	assert_int_equal(pb_wl_sleep.quick_size, 4);
	assert_int_equal(pb_wl_sleep.full_size, 64);
	assert_null(pb_wl_sleep.in_span);
}

/*
 * Runs the kernel over [0, n) in a child whose seccomp filter kills it on
 * any sleep system call; returns the child's wait status.
 */
static int run_without_sleep_calls(const struct pb_job *job, uint64_t n)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sock_filter f[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clock_nanosleep, 2, 0),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_nanosleep, 1, 0),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		};
		struct sock_fprog prog = { .len = sizeof f / sizeof f[0], .filter = f };
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
			_exit(3);
		struct pb_partial p = range(job, 0, n);
		_exit(p.sum == n && p.items == n ? 0 : 4);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* ms=0 (or a duration that rounds to 0 ns) is an empty task: no system call at all. */
static void test_empty_tasks_make_no_call(void **unused)
{
	struct pb_job job;
	prepared(&job, 100000, "0");
	int st = run_without_sleep_calls(&job, 100000);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("ms=0: child status %#x (killed by signal %d)", st, WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	pb_wl_sleep.release(&job);
	prepared(&job, 1000, "0.0000001");
	st = run_without_sleep_calls(&job, 1000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	pb_wl_sleep.release(&job);
	/* the control: a real sleep is caught by the filter, so the check above can fail */
	prepared(&job, 1, "0.001");
	st = run_without_sleep_calls(&job, 1);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	pb_wl_sleep.release(&job);
}

static void test_items_counted(void **unused)
{
	struct pb_job job;
	prepared(&job, 37, "0");
	struct pb_partial t;
	memset(&t, 0, sizeof t);
	for (uint64_t k = 0; k < 5; k++) {
		uint64_t b, e;
		pb_task_range(37, 5, k, &b, &e);
		struct pb_partial p = range(&job, b, e);
		assert_true(p.sum == e - b);
		pb_partial_add(&t, &p);
	}
	char msg[256], buf[32];
	assert_int_equal(pb_wl_sleep.verify(&job, &t, msg, sizeof msg), 0);
	pb_wl_sleep.format_result(&job, &t, buf, sizeof buf);
	assert_string_equal(buf, "37");
	struct pb_partial bad = t;
	bad.sum -= 1;
	bad.items -= 1;
	assert_int_equal(pb_wl_sleep.verify(&job, &bad, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "expected 37"));
	pb_wl_sleep.release(&job);
}

static volatile sig_atomic_t ticks;

/* Interrupts the sleep every 5 ms, and stops after 40 ticks so that a wrong restart cannot hang. */
static void on_alarm(int sig)
{
	(void)sig;
	if (++ticks == 40) {
		struct itimerval off = { { 0, 0 }, { 0, 0 } };
		setitimer(ITIMER_REAL, &off, NULL);
	}
}

/* The sleep lasts at least ms per item, also when signals interrupt it (EINTR restarts with the rest). */
static void test_sleeps_full_time(void **unused)
{
	struct pb_job job;
	prepared(&job, 3, "20.5");
	double t0 = now();
	struct pb_partial p = range(&job, 0, 3);
	double dt = now() - t0;
	assert_true(p.sum == 3);
	assert_true(dt >= 3 * 0.0205);
	pb_wl_sleep.release(&job);

	/* a handler without SA_RESTART: clock_nanosleep returns EINTR at each tick */
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, &old);
	struct itimerval it = { { 0, 5000 }, { 0, 5000 } }, off = { { 0, 0 }, { 0, 0 } };
	ticks = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	prepared(&job, 1, "100");
	t0 = now();
	p = range(&job, 0, 1);
	dt = now() - t0;
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	assert_true(ticks > 0); /* the sleep was interrupted */
	assert_true(p.sum == 1);
	assert_true(dt >= 0.1);
	pb_wl_sleep.release(&job);
}

static void test_bad_ms_rejected(void **unused)
{
	static const char *const bad[] = { "-1", "-0.5", "abc", "", "inf", "-inf", "nan", "1e400", "10ms", "1e7" };
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		struct pb_job job;
		char err[256] = "";
		if (make_job(&job, 4, bad[k], err, sizeof err) != -1)
			fail_msg("ms=%s was accepted", bad[k]);
		assert_non_null(strstr(err, "'ms'"));
		assert_null(strchr(err, '\n'));
		assert_null(job.state);
		pb_wl_sleep.release(&job);
	}
	struct pb_job job;
	char err[256];
	assert_int_equal(make_job(&job, 0, "1", err, sizeof err), -1);
	assert_int_equal(make_job(&job, pb_wl_sleep.max_size + 1, "1", err, sizeof err), -1);
	assert_non_null(strstr(err, "size"));
	assert_int_equal(make_job(&job, 4, "0.25", err, sizeof err), 0);
	assert_int_equal(job.n_items, 4);
	pb_wl_sleep.release(&job);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptor),
		cmocka_unit_test(test_empty_tasks_make_no_call),
		cmocka_unit_test(test_items_counted),
		cmocka_unit_test(test_sleeps_full_time),
		cmocka_unit_test(test_bad_ms_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
