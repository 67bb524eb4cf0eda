/* test_pin.c: placement (compact, scatter) on synthetic machines, and binding on this one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buildinfo.h"
#include "../harness/pin.h"

static int have_hwloc(void)
{
	return strstr(PB_BUILD_FEATURES, "hwloc=yes") != NULL;
}

#define NEED_HWLOC()                                                     \
	do {                                                             \
		if (!have_hwloc()) {                                     \
			print_message("skipped: this build has no hwloc\n"); \
			skip();                                          \
		}                                                        \
	} while (0)

/* "w0 w1 ..." as cpu lists separated by spaces */
static void format_plan(const struct pb_cpuset *sets, int n, char *buf, size_t len)
{
	size_t pos = 0;
	buf[0] = '\0';
	for (int w = 0; w < n && pos + 1 < len; w++) {
		if (w)
			buf[pos++] = ' ';
		pos += pb_cpuset_format(&sets[w], buf + pos, len - pos);
	}
}

struct plan_case {
	const char *synthetic;
	enum pb_bind_kind kind;
	enum pb_bind_order order;
	const char *allowed; /* cpus allowed, "a-b,c" as pb_cpuset_format prints; NULL: all */
	int workers;
	int oversub;
	const char *want; /* cpu list per worker */
};

static const struct plan_case cases[] = {
	/* two packages of 8 cores with 2 PUs: PU 16p + 2c + t */
	{ "pack:2 core:8 pu:2", PB_BIND_PU, PB_ORDER_COMPACT, NULL, 5, 0, "0 1 2 3 4" },
	{ "pack:2 core:8 pu:2", PB_BIND_CORE, PB_ORDER_COMPACT, NULL, 5, 0, "0-1 2-3 4-5 6-7 8-9" },
	{ "pack:2 core:8 pu:2", PB_BIND_CORE, PB_ORDER_SCATTER, NULL, 5, 0, "0-1 16-17 2-3 18-19 4-5" },
	{ "pack:2 core:8 pu:2", PB_BIND_PU, PB_ORDER_SCATTER, NULL, 18, 0,
	  "0 16 2 18 4 20 6 22 8 24 10 26 12 28 14 30 1 17" },
	{ "pack:2 core:8 pu:2", PB_BIND_CORE, PB_ORDER_COMPACT, NULL, 18, 1,
	  "0-1 2-3 4-5 6-7 8-9 10-11 12-13 14-15 16-17 18-19 20-21 22-23 24-25 26-27 28-29 30-31 0-1 2-3" },
	{ "pack:2 core:8 pu:2", PB_BIND_CORE, PB_ORDER_SCATTER, NULL, 17, 1,
	  "0-1 16-17 2-3 18-19 4-5 20-21 6-7 22-23 8-9 24-25 10-11 26-27 12-13 28-29 14-15 30-31 0-1" },
	{ "pack:2 core:8 pu:2", PB_BIND_PU, PB_ORDER_COMPACT, NULL, 33, 1,
	  "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 0" },
	/* restricted by the process affinity: disallowed cores are skipped, partial cores shrink */
	{ "pack:2 core:8 pu:2", PB_BIND_CORE, PB_ORDER_COMPACT, "0-7,16-19", 6, 0, "0-1 2-3 4-5 6-7 16-17 18-19" },
	{ "pack:2 core:8 pu:2", PB_BIND_CORE, PB_ORDER_SCATTER, "0-7,16-19", 7, 1, "0-1 16-17 2-3 18-19 4-5 6-7 0-1" },
	{ "pack:2 core:8 pu:2", PB_BIND_CORE, PB_ORDER_COMPACT, "0,2-3", 3, 1, "0 2-3 0" },
	/* two NUMA nodes, one per package */
	{ "pack:2 numa:1 core:4 pu:2", PB_BIND_PU, PB_ORDER_SCATTER, NULL, 10, 0, "0 8 2 10 4 12 6 14 1 9" },
	{ "pack:2 numa:1 core:4 pu:2", PB_BIND_CORE, PB_ORDER_SCATTER, NULL, 4, 0, "0-1 8-9 2-3 10-11" },
	{ "pack:2 numa:1 core:4 pu:2", PB_BIND_PU, PB_ORDER_COMPACT, NULL, 4, 0, "0 1 2 3" },
	/* two NUMA nodes in one package (hwloc puts each under a group) */
	{ "numa:2 core:4 pu:1", PB_BIND_CORE, PB_ORDER_SCATTER, NULL, 9, 1, "0 4 1 5 2 6 3 7 0" },
	{ "numa:2 core:4 pu:1", PB_BIND_CORE, PB_ORDER_COMPACT, NULL, 5, 0, "0 1 2 3 4" },
};

static int parse_list(const char *s, struct pb_cpuset *set)
{
	pb_cpuset_zero(set);
	while (*s) {
		char *end;
		long a = strtol(s, &end, 10), b = a;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		for (long c = a; c <= b; c++)
			pb_cpuset_set(set, (int)c);
		s = *end == ',' ? end + 1 : end;
	}
	return 0;
}

static void test_synthetic_table(void **state)
{
	(void)state;
	NEED_HWLOC();
	int bad = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct plan_case *c = &cases[i];
		struct pb_bind b = { c->kind, c->order };
		struct pb_cpuset sets[64], allowed;
		int over = -1;
		char err[256] = "", got[1024];
		if (c->allowed)
			parse_list(c->allowed, &allowed);
		int rc = pb_pin_plan_synthetic(c->synthetic, c->allowed ? &allowed : NULL, &b, c->workers, sets, &over,
					       err, sizeof err);
		if (rc != 0) {
			print_error("case %zu '%s' %s %s: failed: %s\n", i, c->synthetic, pb_bind_name(c->kind),
				    pb_order_name(c->order), err);
			bad++;
			continue;
		}
		format_plan(sets, c->workers, got, sizeof got);
		if (strcmp(got, c->want) != 0 || over != c->oversub) {
			print_error("case %zu '%s' %s %s allowed %s, %d workers:\n  want \"%s\" oversub %d\n  got  \"%s\" oversub %d\n",
				    i, c->synthetic, pb_bind_name(c->kind), pb_order_name(c->order),
				    c->allowed ? c->allowed : "all", c->workers, c->want, c->oversub, got, over);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* A 64-core machine (2 packages x 32 cores x 2 PUs): every worker checked by formula. */
static void test_synthetic_64_cores(void **state)
{
	(void)state;
	NEED_HWLOC();
	enum { N = 130 };
	struct pb_cpuset sets[N];
	char err[256];
	int over;
	struct pb_bind b;

	b = (struct pb_bind){ PB_BIND_CORE, PB_ORDER_SCATTER };
	assert_int_equal(pb_pin_plan_synthetic("pack:2 core:32 pu:2", NULL, &b, N, sets, &over, err, sizeof err), 0);
	assert_int_equal(over, 1);
	for (int w = 0; w < N; w++) {
		int core = (w % 64 % 2) * 32 + (w % 64) / 2;
		struct pb_cpuset want;
		pb_cpuset_zero(&want);
		pb_cpuset_set(&want, 2 * core);
		pb_cpuset_set(&want, 2 * core + 1);
		assert_memory_equal(&sets[w], &want, sizeof want);
	}

	b = (struct pb_bind){ PB_BIND_PU, PB_ORDER_SCATTER };
	assert_int_equal(pb_pin_plan_synthetic("pack:2 core:32 pu:2", NULL, &b, 128, sets, &over, err, sizeof err), 0);
	assert_int_equal(over, 0);
	for (int w = 0; w < 128; w++) {
		int thread = w / 64, k = w % 64, core = (k % 2) * 32 + k / 2;
		assert_int_equal(pb_cpuset_count(&sets[w]), 1);
		if (!pb_cpuset_isset(&sets[w], 2 * core + thread))
			fail_msg("scatter pu worker %d: want PU %d", w, 2 * core + thread);
	}

	b = (struct pb_bind){ PB_BIND_PU, PB_ORDER_COMPACT };
	assert_int_equal(pb_pin_plan_synthetic("pack:2 core:32 pu:2", NULL, &b, N, sets, &over, err, sizeof err), 0);
	assert_int_equal(over, 1);
	for (int w = 0; w < N; w++) {
		assert_int_equal(pb_cpuset_count(&sets[w]), 1);
		if (!pb_cpuset_isset(&sets[w], w % 128))
			fail_msg("compact pu worker %d: want PU %d", w, w % 128);
	}

	/* 64 cores of one PU over 4 packages: scatter visits each package in turn */
	b = (struct pb_bind){ PB_BIND_CORE, PB_ORDER_SCATTER };
	assert_int_equal(pb_pin_plan_synthetic("pack:4 core:16 pu:1", NULL, &b, 64, sets, &over, err, sizeof err), 0);
	assert_int_equal(over, 0);
	for (int w = 0; w < 64; w++)
		if (!pb_cpuset_isset(&sets[w], (w % 4) * 16 + w / 4))
			fail_msg("4 packages, scatter core worker %d: want PU %d", w, (w % 4) * 16 + w / 4);
}

static void test_bind_none_never_fails(void **state)
{
	(void)state;
	struct pb_bind b = { PB_BIND_NONE, PB_ORDER_SCATTER };
	struct pb_cpuset sets[300];
	int over = -1;
	char err[128] = "";
	memset(sets, 0xff, sizeof sets);
	assert_int_equal(pb_pin_plan(&b, 300, sets, &over, err, sizeof err), 0);
	assert_int_equal(over, 0);
	for (int w = 0; w < 300; w++)
		assert_int_equal(pb_cpuset_count(&sets[w]), 0);
}

static void test_bad_synthetic(void **state)
{
	(void)state;
	NEED_HWLOC();
	struct pb_bind b = { PB_BIND_CORE, PB_ORDER_COMPACT };
	struct pb_cpuset sets[2];
	int over;
	char err[256] = "";
	assert_int_equal(pb_pin_plan_synthetic("frob:3", NULL, &b, 2, sets, &over, err, sizeof err), -1);
	assert_non_null(strstr(err, "'frob:3'"));
}

static void test_without_hwloc(void **state)
{
	(void)state;
	if (have_hwloc()) {
		print_message("skipped: this build has hwloc\n");
		skip();
	}
	struct pb_bind b = { PB_BIND_CORE, PB_ORDER_COMPACT };
	struct pb_cpuset sets[2], one;
	int over;
	char err[256] = "", why[256] = "";
	assert_int_equal(pb_pin_plan(&b, 2, sets, &over, err, sizeof err), -1);
	assert_string_equal(err, "binding needs hwloc; this build has none");
	assert_int_equal(pb_pin_supported(why, sizeof why), 0);
	assert_string_equal(why, "binding needs hwloc; this build has none");
	pb_cpuset_zero(&one);
	pb_cpuset_set(&one, 0);
	assert_int_equal(pb_pin_thread(&one), -1);
	assert_int_equal(pb_pin_process(&one), -1);
	assert_int_equal(pb_pin_get_thread(&one), -1);
	struct pb_topo_summary t;
	assert_int_equal(pb_topo_summary(&t, err, sizeof err), 0);
	assert_string_equal(t.hwloc_version, "none");
	assert_int_equal(t.cores, -1);
	assert_true(t.pus >= 1);
	assert_true(pb_cpuset_count(&t.allowed) >= 1);
}

/* This machine: bind the thread to the last allowed PU, then check where it runs. */
static void test_bind_thread_here(void **state)
{
	(void)state;
	NEED_HWLOC();
	char why[256];
	assert_int_equal(pb_pin_supported(why, sizeof why), 1);
	struct pb_cpuset aff, saved, one, got;
	assert_int_equal(pb_pin_affinity(&aff), 0);
	int target = -1;
	for (int c = 0; c < PB_MAX_CPUS; c++)
		if (pb_cpuset_isset(&aff, c))
			target = c; /* PU 1 on a 2-PU machine */
	assert_true(target >= 0);
	assert_int_equal(pb_pin_get_thread(&saved), 0);
	pb_cpuset_zero(&one);
	pb_cpuset_set(&one, target);
	assert_int_equal(pb_pin_thread(&one), 0);
	sched_yield();
	assert_int_equal(pb_current_cpu(), target);
	assert_int_equal(pb_pin_get_thread(&got), 0);
	assert_memory_equal(&got, &one, sizeof got);
	assert_int_equal(pb_pin_thread(&saved), 0);
	assert_int_equal(pb_pin_get_thread(&got), 0);
	assert_memory_equal(&got, &saved, sizeof got);

	struct pb_cpuset empty;
	pb_cpuset_zero(&empty);
	assert_int_equal(pb_pin_thread(&empty), -1);
}

/* A forked child binds itself as a process. */
static void test_bind_process_child(void **state)
{
	(void)state;
	NEED_HWLOC();
	struct pb_cpuset aff, one;
	assert_int_equal(pb_pin_affinity(&aff), 0);
	int target = -1;
	for (int c = 0; c < PB_MAX_CPUS; c++)
		if (pb_cpuset_isset(&aff, c))
			target = c;
	pb_cpuset_zero(&one);
	pb_cpuset_set(&one, target);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (pb_pin_process(&one) != 0)
			_exit(2);
		for (int i = 0; i < 100; i++) {
			sched_yield();
			if (pb_current_cpu() != target)
				_exit(3);
		}
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* The real machine's plan: every set non-empty, inside the affinity, one core or PU each. */
static void test_plan_here(void **state)
{
	(void)state;
	NEED_HWLOC();
	struct pb_topo_summary t;
	char err[256];
	assert_int_equal(pb_topo_summary(&t, err, sizeof err), 0);
	assert_true(t.pus >= 1 && t.cores >= 1 && t.cores <= t.pus && t.packages >= 1);
	for (int k = 0; k < 4; k++) {
		struct pb_bind b = { k < 2 ? PB_BIND_CORE : PB_BIND_PU, k % 2 ? PB_ORDER_SCATTER : PB_ORDER_COMPACT };
		int places = pb_cpuset_count(&t.allowed), n = places + 1, over = -1;
		struct pb_cpuset sets[PB_MAX_CPUS + 1], seen;
		assert_int_equal(pb_pin_plan(&b, n, sets, &over, err, sizeof err), 0);
		assert_int_equal(over, 1); /* more workers than PUs, so more than cores too */
		pb_cpuset_zero(&seen);
		for (int w = 0; w < n; w++) {
			int cnt = pb_cpuset_count(&sets[w]);
			assert_true(cnt >= 1);
			if (b.kind == PB_BIND_PU)
				assert_int_equal(cnt, 1);
			for (int c = 0; c < PB_MAX_CPUS; c++)
				if (pb_cpuset_isset(&sets[w], c))
					assert_true(pb_cpuset_isset(&t.allowed, c));
			pb_cpuset_or(&seen, &sets[w]);
		}
		assert_memory_equal(&seen, &t.allowed, sizeof seen); /* every allowed PU is used */
	}
}

static void test_names(void **state)
{
	(void)state;
	enum pb_bind_kind k;
	enum pb_bind_order o;
	assert_int_equal(pb_bind_parse("core", &k), 0);
	assert_int_equal(k, PB_BIND_CORE);
	assert_string_equal(pb_bind_name(k), "core");
	assert_int_equal(pb_bind_parse("pu", &k), 0);
	assert_string_equal(pb_bind_name(k), "pu");
	assert_int_equal(pb_bind_parse("socket", &k), -1);
	assert_int_equal(pb_order_parse("scatter", &o), 0);
	assert_string_equal(pb_order_name(o), "scatter");
	assert_int_equal(pb_order_parse("spread", &o), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_synthetic_table),
		cmocka_unit_test(test_synthetic_64_cores),
		cmocka_unit_test(test_bind_none_never_fails),
		cmocka_unit_test(test_bad_synthetic),
		cmocka_unit_test(test_without_hwloc),
		cmocka_unit_test(test_bind_thread_here),
		cmocka_unit_test(test_bind_process_child),
		cmocka_unit_test(test_plan_here),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
