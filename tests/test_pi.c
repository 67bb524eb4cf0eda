/* test_pi.c: the pi workload: hit counts identical for every split, definition, bounds, bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/sched.h"
#include "../workloads/workload.h"

extern const struct pb_workload pb_wl_pi;

/* A job as the harness makes it: every declared parameter with its default, then overrides. */
static int make_job(struct pb_job *job, uint64_t size, const char *seed, char *err, size_t errlen)
{
	memset(job, 0, sizeof *job);
	job->wl = &pb_wl_pi;
	job->size = size;
	job->size_from_user = 1;
	for (const struct pb_param_def *d = pb_wl_pi.params; d->key; d++) {
		snprintf(job->params[job->nparams].key, PB_PARAM_KEY_MAX, "%s", d->key);
		snprintf(job->params[job->nparams].val, PB_PARAM_VAL_MAX, "%s",
			 seed && strcmp(d->key, "seed") == 0 ? seed : d->def);
		job->nparams++;
	}
	return pb_wl_pi.prepare(job, err, errlen);
}

static void prepared(struct pb_job *job, uint64_t size, const char *seed)
{
	char err[256] = "";
	if (make_job(job, size, seed, err, sizeof err) != 0)
		fail_msg("prepare(size %llu, seed %s): %s", (unsigned long long)size, seed ? seed : "default", err);
}

static struct pb_partial range(const struct pb_job *job, uint64_t b, uint64_t e)
{
	struct pb_partial p;
	memset(&p, 0, sizeof p);
	struct pb_view none = { NULL, 0, 0 };
	job->wl->kernel(job, b, e, none, none, &p);
	assert_int_equal(p.items, e - b);
	return p;
}

/* The total over ntasks tasks cut as the harness cuts them. */
static struct pb_partial split_tasks(const struct pb_job *job, uint64_t ntasks)
{
	struct pb_partial t;
	memset(&t, 0, sizeof t);
	for (uint64_t k = 0; k < ntasks; k++) {
		uint64_t b, e;
		pb_task_range(job->n_items, ntasks, k, &b, &e);
		if (e > b) {
			struct pb_partial p = range(job, b, e);
			pb_partial_add(&t, &p);
		}
	}
	return t;
}

/* The total over the cuts 0 < cuts[0] < ... < n. */
static struct pb_partial split_at(const struct pb_job *job, const uint64_t *cuts, int ncuts)
{
	struct pb_partial t;
	memset(&t, 0, sizeof t);
	uint64_t b = 0;
	for (int i = 0; i <= ncuts; i++) {
		uint64_t e = i < ncuts ? cuts[i] : job->n_items;
		struct pb_partial p = range(job, b, e);
		pb_partial_add(&t, &p);
		b = e;
	}
	return t;
}

/* ---- the definition, written out plainly, one sample at a time ---- */
static uint64_t ref_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t ref_h32(uint32_t c, uint64_t key)
{
	uint32_t x = c ^ (uint32_t)key;
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= (uint32_t)(key >> 32);
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

static int ref_hit(uint64_t seed, uint64_t i)
{
	uint64_t b = i / 4096;
	uint32_t j = (uint32_t)(i % 4096);
	uint64_t x = ref_h32(j, ref_mix64(seed + (2 * b + 1) * 0x9e3779b97f4a7c15ULL)) >> 1;
	uint64_t y = ref_h32(j, ref_mix64(seed + (2 * b + 2) * 0x9e3779b97f4a7c15ULL)) >> 1;
	/* the same test in exact 128-bit arithmetic, to rule out overflow in the kernel's 64 bits */
	return (unsigned __int128)x * x + (unsigned __int128)y * y <= (unsigned __int128)1 << 62;
}

static void test_matches_definition(void **unused)
{
	struct pb_job job;
	prepared(&job, 20000, "12345");
	/* ranges starting and ending anywhere in a block, including single samples */
	static const uint64_t r[][2] = { { 0, 20000 }, { 0, 1 }, { 4095, 4097 }, { 4096, 8192 },
					 { 1, 4095 }, { 3000, 13001 }, { 19999, 20000 }, { 8191, 8192 } };
	for (size_t k = 0; k < sizeof r / sizeof r[0]; k++) {
		uint64_t want = 0;
		for (uint64_t i = r[k][0]; i < r[k][1]; i++)
			want += (uint64_t)ref_hit(12345, i);
		struct pb_partial p = range(&job, r[k][0], r[k][1]);
		if (p.sum != want)
			fail_msg("range [%llu, %llu): kernel %llu hits, definition %llu",
				 (unsigned long long)r[k][0], (unsigned long long)r[k][1],
				 (unsigned long long)p.sum, (unsigned long long)want);
	}
	pb_wl_pi.release(&job);
}

static void test_splits_identical(void **unused)
{
	struct pb_job job;
	uint64_t n = 1000003; /* prime: no task count divides it */
	prepared(&job, n, "7");
	struct pb_partial one = split_tasks(&job, 1);
	assert_int_equal(one.items, n);
	static const uint64_t ntasks[] = { 2, 7, 64, 1000, 4097 };
	for (size_t k = 0; k < sizeof ntasks / sizeof ntasks[0]; k++) {
		struct pb_partial t = split_tasks(&job, ntasks[k]);
		if (t.sum != one.sum || t.items != n)
			fail_msg("%llu tasks: %llu hits over %llu items, 1 task: %llu over %llu",
				 (unsigned long long)ntasks[k], (unsigned long long)t.sum,
				 (unsigned long long)t.items, (unsigned long long)one.sum, (unsigned long long)n);
	}
	/* uneven splits: cuts on, next to and far from block edges */
	static const uint64_t cuts1[] = { 1, 4095, 4096, 4097, 12287, 500000, 999999 };
	static const uint64_t cuts2[] = { 333333, 333334, 666667 };
	struct pb_partial t1 = split_at(&job, cuts1, 7), t2 = split_at(&job, cuts2, 3);
	assert_true(t1.sum == one.sum && t2.sum == one.sum);
	assert_int_equal(t1.items, n);
	assert_int_equal(t2.items, n);
	/* random cuts */
	srand(42);
	for (int trial = 0; trial < 20; trial++) {
		uint64_t cuts[16];
		uint64_t c = 0;
		int nc = 0;
		while (nc < 16) {
			c += 1 + (uint64_t)rand() % (n / 12);
			if (c >= n)
				break;
			cuts[nc++] = c;
		}
		struct pb_partial t = split_at(&job, cuts, nc);
		assert_true(t.sum == one.sum);
		assert_int_equal(t.items, n);
	}
	char a[64], b[64];
	struct pb_partial t64 = split_tasks(&job, 64);
	pb_wl_pi.format_result(&job, &one, a, sizeof a);
	pb_wl_pi.format_result(&job, &t64, b, sizeof b);
	assert_string_equal(a, b);
	pb_wl_pi.release(&job);
}

static void test_remainder_spread(void **unused)
{
	/* N % tasks != 0: the tutorial dropped the remainder; every sample must count once */
	struct pb_job job;
	uint64_t n = 100 * 64 + 37;
	prepared(&job, n, NULL);
	uint64_t next = 0, lo = UINT64_MAX, hi = 0;
	for (uint64_t k = 0; k < 64; k++) {
		uint64_t b, e;
		pb_task_range(n, 64, k, &b, &e);
		assert_int_equal(b, next); /* contiguous, no gap, no overlap */
		next = e;
		lo = e - b < lo ? e - b : lo;
		hi = e - b > hi ? e - b : hi;
	}
	assert_int_equal(next, n);
	assert_true(hi - lo <= 1);
	struct pb_partial t = split_tasks(&job, 64);
	assert_int_equal(t.items, n);
	char msg[256];
	assert_int_equal(pb_wl_pi.verify(&job, &t, msg, sizeof msg), 0);
	pb_wl_pi.release(&job);
}

static void test_seeds_differ(void **unused)
{
	struct pb_job a, b, c;
	prepared(&a, 100000, "0");
	prepared(&b, 100000, "1");
	prepared(&c, 100000, "18446744073709551615");
	struct pb_partial ta = split_tasks(&a, 1), tb = split_tasks(&b, 1), tc = split_tasks(&c, 1);
	assert_true(ta.sum != tb.sum || ta.sum != tc.sum);
	assert_true(tb.sum != tc.sum || ta.sum != tb.sum);
	/* and a seed changes the individual samples, not just the count */
	int differ = 0;
	for (uint64_t i = 0; i < 200; i++)
		differ += range(&a, i, i + 1).sum != range(&b, i, i + 1).sum;
	assert_true(differ > 20);
	pb_wl_pi.release(&a);
	pb_wl_pi.release(&b);
	pb_wl_pi.release(&c);
}

static void test_estimate_within_bounds(void **unused)
{
	static const uint64_t sizes[] = { 1000, 4096, 100000, 1000000, 20000000 };
	static const char *const seeds[] = { "0", "1", "99", "123456789" };
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
			struct pb_job job;
			prepared(&job, sizes[s], seeds[k]);
			struct pb_partial t = split_tasks(&job, 64);
			char msg[256] = "", buf[64];
			if (pb_wl_pi.verify(&job, &t, msg, sizeof msg) != 0)
				fail_msg("N %llu seed %s: %s", (unsigned long long)sizes[s], seeds[k], msg);
			pb_wl_pi.format_result(&job, &t, buf, sizeof buf);
			double est = strtod(buf, NULL);
			double sigma = 4 * sqrt(M_PI / 4 * (1 - M_PI / 4) / (double)sizes[s]);
			assert_true(fabs(est - M_PI) <= 5 * sigma);
			assert_true(strchr(buf, '.') && strlen(strchr(buf, '.') + 1) == 10);
			pb_wl_pi.release(&job);
		}
	}
}

static void test_verify_rejects(void **unused)
{
	struct pb_job job;
	prepared(&job, 1000000, NULL);
	struct pb_partial t = split_tasks(&job, 8);
	char msg[256];
	assert_int_equal(pb_wl_pi.verify(&job, &t, msg, sizeof msg), 0);
	struct pb_partial bad = t;
	bad.sum = bad.items; /* estimate 4 */
	assert_int_equal(pb_wl_pi.verify(&job, &bad, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "sigma"));
	bad = t;
	bad.sum = (pb_u128)((double)t.items * 0.78); /* estimate 3.12: ~13 sigma at N = 1e6 */
	assert_int_equal(pb_wl_pi.verify(&job, &bad, msg, sizeof msg), -1);
	bad = t;
	bad.items--; /* a lost sample */
	assert_int_equal(pb_wl_pi.verify(&job, &bad, msg, sizeof msg), -1);
	pb_wl_pi.release(&job);
}

static void test_bad_input(void **unused)
{
	struct pb_job job;
	char err[256];
	static const char *const bad_seeds[] = { "abc", "-1", "1.5", "", "18446744073709551616", "12x" };
	for (size_t k = 0; k < sizeof bad_seeds / sizeof bad_seeds[0]; k++) {
		err[0] = '\0';
		assert_int_equal(make_job(&job, 1000, bad_seeds[k], err, sizeof err), -1);
		assert_non_null(strstr(err, "seed"));
		assert_null(job.state);
		pb_wl_pi.release(&job); /* safe after a failed prepare */
	}
	assert_int_equal(make_job(&job, pb_wl_pi.max_size + 1, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "size"));
	assert_int_equal(make_job(&job, 0, NULL, err, sizeof err), -1);
	assert_int_equal(make_job(&job, pb_wl_pi.max_size, NULL, err, sizeof err), 0);
	assert_int_equal(job.n_items, pb_wl_pi.max_size);
	pb_wl_pi.release(&job);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_definition),
		cmocka_unit_test(test_splits_identical),
		cmocka_unit_test(test_remainder_spread),
		cmocka_unit_test(test_seeds_differ),
		cmocka_unit_test(test_estimate_within_bounds),
		cmocka_unit_test(test_verify_rejects),
		cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
