/* test_machine.c: machine facts, warnings and the two probes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buildinfo.h"

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#include "../harness/machine.h"
#include "../harness/util.h"

static void test_facts(void **state)
{
	(void)state;
	json_t *m = pb_machine_facts();
	assert_non_null(m);
	char *dump = json_dumps(m, JSON_COMPACT);
	print_message("%s\n", dump);
	free(dump);
	static const char *const keys[] = { "host", "cpu_model", "packages", "cores", "pus", "numa_nodes", "caches",
					    "affinity", "hwloc_version", "papi_version", "kernel", "governor",
					    "loadavg", "mem_total_kb", "counter_backends", "auto_counters" };
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (!json_object_get(m, keys[i]))
			fail_msg("machine facts lack '%s'", keys[i]);
	assert_true(json_is_string(json_object_get(m, "host")));
	assert_true(strlen(json_string_value(json_object_get(m, "affinity"))) > 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(m, "kernel"), "sysname")), "Linux");
	json_t *la = json_object_get(m, "loadavg");
	assert_true(json_is_array(la) && json_array_size(la) == 3);
	assert_true(json_integer_value(json_object_get(m, "mem_total_kb")) > 0);
	assert_true(json_is_array(json_object_get(m, "caches")));
	json_t *cb = json_object_get(m, "counter_backends");
	assert_true(json_is_true(json_object_get(json_object_get(cb, "rusage"), "available")));
	json_t *papi = json_object_get(cb, "papi");
	if (!json_is_true(json_object_get(papi, "available")))
		assert_true(json_is_string(json_object_get(papi, "why")));
	if (strstr(PB_BUILD_FEATURES, "hwloc=yes")) {
		assert_int_equal(json_integer_value(json_object_get(m, "pus")), sysconf(_SC_NPROCESSORS_ONLN));
		assert_true(json_integer_value(json_object_get(m, "cores")) >= 1);
		assert_true(json_array_size(json_object_get(m, "caches")) >= 1);
		json_t *c0 = json_array_get(json_object_get(m, "caches"), 0);
		assert_int_equal(json_integer_value(json_object_get(c0, "level")), 1);
		assert_true(json_integer_value(json_object_get(c0, "size_kb")) > 0);
		assert_true(json_integer_value(json_object_get(c0, "shared_by_pus")) >= 1);
	} else {
		assert_string_equal(json_string_value(json_object_get(m, "hwloc_version")), "none");
		assert_true(json_is_null(json_object_get(m, "cores")));
	}
	json_decref(m);
}

static void test_governor(void **state)
{
	(void)state;
	char gov[256];
	pb_machine_governor(gov, sizeof gov);
	print_message("governor: %s\n", gov);
	int have = access("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", R_OK) == 0;
	if (have)
		assert_int_not_equal(strncmp(gov, "unknown", 7), 0);
	else
		assert_string_equal(gov, "unknown (no cpufreq)");
}

static void test_warning_rules(void **state)
{
	(void)state;
	static const struct {
		const char *gov;
		double load;
		int pus, opt;
		const char *san;
		int want;
		const char *grep; /* in the first line, if any */
	} cases[] = {
		{ "performance", 0.2, 2, 1, NULL, 0, NULL },
		{ "unknown (no cpufreq)", 0.2, 2, 1, NULL, 0, NULL },
		{ "powersave", 0.2, 2, 1, NULL, 1, "'powersave'" },
		{ "performance, powersave", 0.2, 2, 1, NULL, 1, "not 'performance'" },
		{ "performance", 1.5, 2, 1, NULL, 1, "load average is 1.50" },
		{ "performance", 1.0, 2, 1, NULL, 0, NULL }, /* exactly half: fine */
		{ "performance", 0.0, 2, 0, NULL, 1, "debug build" },
		{ "performance", 0.0, 2, 1, "address", 1, "sanitizer build (address)" },
		{ "ondemand", 9.0, 4, 0, "thread", 4, "'ondemand'" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[8][256];
		int n = pb_machine_warnings_for(cases[i].gov, cases[i].load, cases[i].pus, cases[i].opt, cases[i].san, out, 8);
		if (n != cases[i].want || (cases[i].grep && !strstr(out[0], cases[i].grep)))
			fail_msg("case %zu: want %d warnings with \"%s\", got %d: \"%s\"", i, cases[i].want,
				 cases[i].grep ? cases[i].grep : "", n, n > 0 ? out[0] : "");
		for (int k = 0; k < n; k++)
			assert_null(strchr(out[k], '\n'));
	}
	char one[1][256];
	assert_int_equal(pb_machine_warnings_for("ondemand", 9.0, 4, 0, "thread", one, 1), 1);
}

/* This build's own warnings: it says it is a sanitizer or debug build exactly when it is one. */
static void test_warnings_here(void **state)
{
	(void)state;
	char out[8][256];
	int n = pb_machine_warnings(out, 8), san = 0, dbg = 0;
	for (int i = 0; i < n; i++) {
		print_message("warning: %s\n", out[i]);
		san |= strstr(out[i], "sanitizer build") != NULL;
		dbg |= strstr(out[i], "debug build") != NULL;
	}
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || __has_feature(address_sanitizer) || \
	__has_feature(thread_sanitizer) || __has_feature(undefined_behavior_sanitizer)
	assert_true(san);
#else
	assert_false(san);
#endif
#ifdef __OPTIMIZE__
	assert_false(dbg);
#else
	assert_true(dbg);
#endif
}

static void test_copy_probe(void **state)
{
	(void)state;
	struct pb_copy_probe p;
	double t0 = pb_now();
	assert_int_equal(pb_probe_copy(&p), 0);
	print_message("copy: best %.2f GB/s, median %.2f GB/s, %zu MiB buffers, %d reps, %.2f s\n", p.best_gbs,
		      p.median_gbs, p.buffer_bytes >> 20, p.reps, pb_now() - t0);
	assert_true(p.buffer_bytes >= (size_t)32 << 20);
	assert_true(p.median_gbs > 0);
	assert_true(p.best_gbs >= p.median_gbs);
	assert_true(pb_probe_copy_gbs() > 0);
}

static void test_pipe_probe(void **state)
{
	(void)state;
	double t0 = pb_now();
	double us = pb_probe_pipe_rtt_us();
	print_message("pipe round trip: %.2f us (%.2f s)\n", us, pb_now() - t0);
	assert_true(us > 0 && us < 100000);
	/* the child was reaped: none left to wait for */
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_facts),
		cmocka_unit_test(test_governor),
		cmocka_unit_test(test_warning_rules),
		cmocka_unit_test(test_warnings_here),
		cmocka_unit_test(test_copy_probe),
		cmocka_unit_test(test_pipe_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
