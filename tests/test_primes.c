/* test_primes.c: the primes workload through prepare, kernel and verify, against known and independent counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../harness/sched.h"
#include "../workloads/primes_count.h"
#include "../workloads/primes_sieve.h"
#include "../workloads/workload.h"

extern const struct pb_workload pb_wl_primes;

/* A job as the harness hands it to prepare: every declared parameter present. */
static void make_job(struct pb_job *job, const char *method, const char *segment, uint64_t size)
{
	memset(job, 0, sizeof *job);
	job->wl = &pb_wl_primes;
	job->size = size;
	job->size_from_user = 1;
	job->nparams = 2;
	snprintf(job->params[0].key, sizeof job->params[0].key, "method");
	snprintf(job->params[0].val, sizeof job->params[0].val, "%s", method);
	snprintf(job->params[1].key, sizeof job->params[1].key, "segment");
	snprintf(job->params[1].val, sizeof job->params[1].val, "%s", segment);
}

/* The kernel over ntasks tasks (capped at n_items, as the harness does), combined. */
static struct pb_partial run_tasks(const struct pb_job *job, uint64_t ntasks)
{
	struct pb_partial total = { 0 }, part;
	struct pb_view none = { NULL, 0, 0 };
	if (ntasks > job->n_items)
		ntasks = job->n_items;
	for (uint64_t k = 0; k < ntasks; k++) {
		uint64_t b, e;
		pb_task_range(job->n_items, ntasks, k, &b, &e);
		memset(&part, 0, sizeof part);
		pb_wl_primes.kernel(job, b, e, none, none, &part);
		pb_partial_add(&total, &part);
	}
	return total;
}

/* pi(size) by method/segment split into ntasks tasks; checks prepare, items and verify. */
static uint64_t count(const char *method, const char *segment, uint64_t size, uint64_t ntasks)
{
	struct pb_job job;
	char err[256] = "";
	make_job(&job, method, segment, size);
	if (pb_wl_primes.prepare(&job, err, sizeof err) != 0) {
		print_error("prepare %s segment=%s n=%llu: %s\n", method, segment, (unsigned long long)size, err);
		fail();
	}
	struct pb_partial t = run_tasks(&job, ntasks);
	assert_int_equal(t.items, job.n_items);
	int v = pb_wl_primes.verify(&job, &t, err, sizeof err);
	if (v != 0)
		print_error("%s segment=%s n=%llu tasks=%llu: %s\n", method, segment, (unsigned long long)size,
			    (unsigned long long)ntasks, err);
	assert_int_equal(v, 0);
	pb_wl_primes.release(&job);
	assert_null(job.state);
	return (uint64_t)t.sum;
}

static void test_known_values(void **state)
{
	static const uint64_t pi10[] = { 4, 25, 168, 1229, 9592, 78498, 664579, 5761455, 50847534 };
	static const uint64_t splits[] = { 1, 2, 3, 7, 64, 1000 };
	uint64_t n = 1;
	for (int k = 1; k <= 9; k++) {
		n *= 10;
		for (size_t s = 0; s < sizeof splits / sizeof splits[0]; s++) {
			/* 1e9 is the slow one: two splits suffice there. */
			if (k == 9 && s % 3 != 0)
				continue;
			uint64_t got = count("sieve", "auto", n, splits[s]);
			if (got != pi10[k - 1])
				print_error("pi(1e%d) with %llu tasks: got %llu, want %llu\n", k,
					    (unsigned long long)splits[s], (unsigned long long)got,
					    (unsigned long long)pi10[k - 1]);
			assert_int_equal(got, pi10[k - 1]);
		}
	}
}

/* Every N in 0..2000: sieve (tiny segments and auto) = trial division = a direct count. */
static void test_small_n_against_trial(void **state)
{
	uint64_t direct = 0;
	for (uint64_t n = 0; n <= 2000; n++) {
		direct += (uint64_t)pb_primes_is_prime_trial(n);
		uint64_t sieve = count("sieve", "auto", n, 3);
		uint64_t trial = count("trial", "auto", n, 5);
		uint64_t lucy;
		assert_int_equal(pb_primes_pi_lucy(n, &lucy), 0);
		if (sieve != direct || trial != direct || lucy != direct)
			print_error("n=%llu: sieve %llu trial %llu lucy %llu direct %llu\n", (unsigned long long)n,
				    (unsigned long long)sieve, (unsigned long long)trial, (unsigned long long)lucy,
				    (unsigned long long)direct);
		assert_int_equal(sieve, direct);
		assert_int_equal(trial, direct);
		assert_int_equal(lucy, direct);
	}
}

/* Segments of 1..5 KiB hold 16384..81920 numbers: N up to 4e5 spans many, and N lands mid-segment. */
static void test_segment_sizes_and_edges(void **state)
{
	static const char *const segs[] = { "1", "2", "3", "5", "48", "auto" };
	/* Around segment boundaries of 1 KiB segments (16384 numbers each) and a few odd sizes. */
	static const uint64_t sizes[] = { 16383, 16384, 16385, 32767, 32768, 32769, 49151, 65537,
					  99991, 131071, 262144, 400009 };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		uint64_t want;
		assert_int_equal(pb_primes_pi_lucy(sizes[i], &want), 0);
		for (size_t s = 0; s < sizeof segs / sizeof segs[0]; s++) {
			for (uint64_t tasks = 1; tasks <= 9; tasks += 4) {
				uint64_t got = count("sieve", segs[s], sizes[i], tasks);
				if (got != want)
					print_error("n=%llu segment=%s tasks=%llu: got %llu want %llu\n",
						    (unsigned long long)sizes[i], segs[s], (unsigned long long)tasks,
						    (unsigned long long)got, (unsigned long long)want);
				assert_int_equal(got, want);
			}
		}
	}
}

/* Random N up to 1e6 (fixed seed): sieve, trial and Lucy agree. */
static void test_random_n(void **state)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 25; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
		uint64_t n = x % 1000000 + 1;
		uint64_t lucy;
		assert_int_equal(pb_primes_pi_lucy(n, &lucy), 0);
		uint64_t sieve = count("sieve", i % 2 ? "1" : "auto", n, (uint64_t)i + 1);
		uint64_t trial = count("trial", "auto", n, 16);
		if (sieve != lucy || trial != lucy)
			print_error("n=%llu: sieve %llu trial %llu lucy %llu\n", (unsigned long long)n,
				    (unsigned long long)sieve, (unsigned long long)trial, (unsigned long long)lucy);
		assert_int_equal(sieve, lucy);
		assert_int_equal(trial, lucy);
	}
}

/* Lucy's method against the table at every power of ten up to 1e10, and at 2^32 +- 1. */
static void test_lucy(void **state)
{
	uint64_t n = 1, want, got;
	for (int k = 1; k <= 10; k++) {
		n *= 10;
		assert_int_equal(pb_primes_known_pi(n, &want), 1);
		assert_int_equal(pb_primes_pi_lucy(n, &got), 0);
		assert_int_equal(got, want);
	}
	assert_int_equal(pb_primes_known_pi(12345, &want), 0);
	/* pi(2^32) = 203280221 (OEIS A007053). */
	assert_int_equal(pb_primes_pi_lucy(4294967296ull, &got), 0);
	assert_int_equal(got, 203280221);
	assert_int_equal(pb_primes_pi_lucy(4294967295ull, &got), 0);
	assert_int_equal(got, 203280221);
}

/* A size that is neither a power of ten nor small: sieve (several splits) vs Lucy via verify. */
static void test_sieve_large_other(void **state)
{
	uint64_t a = count("sieve", "auto", 123456789, 1);
	uint64_t b = count("sieve", "16", 123456789, 97);
	assert_int_equal(a, b);
	assert_int_equal(a, 7027260); /* pi(123456789) */
}

static void test_isqrt(void **state)
{
	static const uint64_t v[] = { 0, 1, 2, 3, 4, 15, 16, 17, 99999999999ull, 100000000000ull,
				      4294967295ull * 4294967295ull, UINT64_MAX };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		uint64_t r = pb_primes_isqrt(v[i]);
		assert_true(r * r <= v[i]);
		assert_true(r >= 4294967295ull || (r + 1) * (r + 1) > v[i]);
	}
	assert_int_equal(pb_primes_isqrt(UINT64_MAX), 4294967295ull);
}

static void test_verify_rejects_wrong_count(void **state)
{
	struct pb_job job;
	char err[256] = "";
	make_job(&job, "sieve", "auto", 1000000);
	assert_int_equal(pb_wl_primes.prepare(&job, err, sizeof err), 0);
	struct pb_partial t = run_tasks(&job, 4);
	assert_int_equal(pb_wl_primes.verify(&job, &t, err, sizeof err), 0);
	char buf[64];
	pb_wl_primes.format_result(&job, &t, buf, sizeof buf);
	assert_string_equal(buf, "78498");

	t.sum += 1;
	err[0] = 0;
	assert_int_equal(pb_wl_primes.verify(&job, &t, err, sizeof err), -1);
	assert_non_null(strstr(err, "78499"));
	assert_null(strchr(err, '\n'));
	t.sum -= 2;
	assert_int_equal(pb_wl_primes.verify(&job, &t, err, sizeof err), -1);
	t.sum += 1;
	t.items -= 1; /* a task lost */
	assert_int_equal(pb_wl_primes.verify(&job, &t, err, sizeof err), -1);
	pb_wl_primes.release(&job);

	/* Not a power of ten: the expectation comes from Lucy's method. */
	make_job(&job, "trial", "auto", 1001);
	assert_int_equal(pb_wl_primes.prepare(&job, err, sizeof err), 0);
	t = run_tasks(&job, 3);
	assert_int_equal(t.sum, 168);
	t.sum = 169;
	assert_int_equal(pb_wl_primes.verify(&job, &t, err, sizeof err), -1);
	assert_non_null(strstr(err, "lucy"));
	pb_wl_primes.release(&job);
}

/* prepare rejects bad input with one lowercase line that quotes the subject, and allocates nothing. */
static void test_bad_params(void **state)
{
	static const struct {
		const char *method, *segment;
		uint64_t size;
		const char *want; /* substring of the message */
	} cases[] = {
		{ "sieve", "0", 1000, "'segment'" },
		{ "sieve", "abc", 1000, "'abc'" },
		{ "sieve", "-4", 1000, "'segment'" },
		{ "sieve", "8193", 1000, "'segment'" },
		{ "sieve", "", 1000, "'segment'" },
		{ "sieve", "12k", 1000, "'12k'" },
		{ "wheel", "auto", 1000, "'wheel'" },
		{ "sieve", "auto", 100000000001ull, "limit" },
		{ "trial", "auto", 100000001ull, "'trial'" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct pb_job job;
		char err[256] = "";
		make_job(&job, cases[i].method, cases[i].segment, cases[i].size);
		int rc = pb_wl_primes.prepare(&job, err, sizeof err);
		if (rc != -1 || !strstr(err, cases[i].want))
			print_error("case %zu: rc %d, message '%s', want '%s'\n", i, rc, err, cases[i].want);
		assert_int_equal(rc, -1);
		assert_non_null(strstr(err, cases[i].want));
		assert_null(strchr(err, '\n'));
		assert_true(err[0] >= 'a' && err[0] <= 'z');
		assert_true(err[strlen(err) - 1] != '.');
		assert_null(job.state);
		pb_wl_primes.release(&job); /* safe after a failed prepare */
	}
}

/* Without -n, trial division gets its own default size; with -n it keeps the user's. */
static void test_default_sizes(void **state)
{
	struct pb_job job;
	char err[256];
	make_job(&job, "trial", "auto", pb_wl_primes.default_size);
	job.size_from_user = 0;
	assert_int_equal(pb_wl_primes.prepare(&job, err, sizeof err), 0);
	assert_true(job.size < pb_wl_primes.default_size);
	assert_true(job.size >= 1000000);
	assert_int_equal(job.n_items, job.size + 1);
	pb_wl_primes.release(&job);

	make_job(&job, "trial", "auto", pb_wl_primes.quick_size);
	job.size_from_user = 0;
	assert_int_equal(pb_wl_primes.prepare(&job, err, sizeof err), 0);
	/* the quick size, or trial division's own default where the quick size is above it */
	assert_true(job.size <= pb_wl_primes.quick_size && job.size >= 1000000);
	pb_wl_primes.release(&job);

	make_job(&job, "sieve", "auto", pb_wl_primes.default_size);
	job.size_from_user = 0;
	assert_int_equal(pb_wl_primes.prepare(&job, err, sizeof err), 0);
	assert_int_equal(job.size, pb_wl_primes.default_size);
	pb_wl_primes.release(&job);

	/* n_items = N / I + 1 items of I = 16384 numbers cover [0, N] (segment=1). */
	make_job(&job, "sieve", "1", 16384 * 10 - 1);
	assert_int_equal(pb_wl_primes.prepare(&job, err, sizeof err), 0);
	assert_int_equal(job.n_items, 10);
	pb_wl_primes.release(&job);
	make_job(&job, "sieve", "1", 16384 * 10);
	assert_int_equal(pb_wl_primes.prepare(&job, err, sizeof err), 0);
	assert_int_equal(job.n_items, 11);
	pb_wl_primes.release(&job);
	/* auto: items of 32 * 16384 = 2^19 numbers. */
	make_job(&job, "sieve", "auto", 1000000000);
	assert_int_equal(pb_wl_primes.prepare(&job, err, sizeof err), 0);
	assert_int_equal(job.n_items, 1000000000 / 524288 + 1);
	pb_wl_primes.release(&job);
}

/* ---- the sieve engine (primes_sieve.c) directly, with windows and chunks far smaller than the defaults ---- */

/* A plain sieve of [0, m]: prefix[x] = the primes < x, for x in [0, m + 1]. */
static uint32_t *prefix_counts(uint64_t m)
{
	uint8_t *comp = calloc(m + 1, 1);
	uint32_t *prefix = malloc((m + 2) * sizeof *prefix);
	assert_non_null(comp);
	assert_non_null(prefix);
	for (uint64_t i = 2; i * i <= m; i++)
		if (!comp[i])
			for (uint64_t j = i * i; j <= m; j += i)
				comp[j] = 1;
	prefix[0] = 0;
	for (uint64_t x = 0; x <= m; x++)
		prefix[x + 1] = prefix[x] + (x >= 2 && !comp[x]);
	free(comp);
	return prefix;
}

static void *scratch_for(const struct pb_sieve *sv)
{
	void *s = aligned_alloc(64, (pb_sieve_scratch_size(sv) + 63) / 64 * 64);
	assert_non_null(s);
	return s;
}

/*
 * Random ranges [x0, x1) of [0, n], and chains of random cuts that cover
 * [0, n + 1): the engine's count against a plain sieve, for windows and
 * chunks of 64 bytes to 40 KB (so small and medium primes, window and chunk
 * edges, and ranges starting anywhere in a byte are all exercised).
 */
static void test_engine_ranges(void **state)
{
	static const struct {
		uint64_t n;
		uint32_t window, chunk;
	} cases[] = {
		{ 2000000, 64, 64 },	 { 2000000, 100, 64 },	   { 2000000, 1000, 320 },   { 3000017, 4096, 1024 },
		{ 3000017, 40000, 8192 }, { 1000003, 512, 512 },	   { 29, 64, 64 },	     { 31, 64, 64 },
		{ 200000, 64, 64 },	 { 5000000, 196608, 49152 },
	};
	uint64_t x = 0x243f6a8885a308d3ull;
	uint32_t *prefix = prefix_counts(5000000);
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct pb_sieve sv;
		const uint64_t n = cases[c].n;
		assert_int_equal(pb_sieve_init(&sv, n, cases[c].window, cases[c].chunk), 0);
		void *scratch = scratch_for(&sv);
		for (int i = 0; i < 200; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			uint64_t a = x % (n + 2), b = (x >> 32) % (n + 2);
			if (i % 4 == 0)
				b = a + b % 100; /* short ranges, inside one byte or a few */
			if (b > n + 1)
				b = n + 1;
			if (a > b) {
				uint64_t t = a;
				a = b;
				b = t;
			}
			uint64_t got = pb_sieve_count(&sv, a, b, scratch), want = prefix[b] - prefix[a];
			if (got != want)
				print_error("n=%llu window=%u chunk=%u [%llu, %llu): got %llu want %llu\n",
					    (unsigned long long)n, cases[c].window, cases[c].chunk, (unsigned long long)a,
					    (unsigned long long)b, (unsigned long long)got, (unsigned long long)want);
			assert_int_equal(got, want);
		}
		/* A chain of random cuts: the parts add up to pi(n) whatever the cuts. */
		for (int chain = 0; chain < 5; chain++) {
			uint64_t total = 0, at = 0;
			while (at < n + 1) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				uint64_t next = at + 1 + x % (n / (chain + 1) + 1);
				if (next > n + 1)
					next = n + 1;
				total += pb_sieve_count(&sv, at, next, scratch);
				at = next;
			}
			assert_int_equal(total, prefix[n + 1]);
		}
		free(scratch);
		pb_sieve_free(&sv);
	}
	free(prefix);
}

/* Equal-work cuts tile [0, n + 1): they start at 0, end at n + 1, never decrease, and are never empty at item sizes. */
static void test_equal_work_cuts(void **state)
{
	static const uint64_t sizes[] = { 0, 1, 2, 1000, 27888, 27889, 27890, 1000000, 1000000007ull, 100000000000ull };
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		struct pb_sieve sv;
		assert_int_equal(pb_sieve_init(&sv, sizes[s], 524288, 49152), 0);
		const uint64_t parts_list[] = { 1, 2, 3, 64, sizes[s] / 16384 + 1, sizes[s] / 524288 + 1 };
		for (size_t q = 0; q < sizeof parts_list / sizeof parts_list[0]; q++) {
			const uint64_t parts = parts_list[q];
			uint64_t prev = pb_sieve_cut(&sv, 0, parts);
			assert_int_equal(prev, 0);
			for (uint64_t i = 1; i <= parts; i++) {
				uint64_t c = pb_sieve_cut(&sv, i, parts);
				if (c < prev || (sizes[s] >= 16384 && c == prev))
					print_error("n=%llu parts=%llu: cut %llu = %llu after %llu\n",
						    (unsigned long long)sizes[s], (unsigned long long)parts,
						    (unsigned long long)i, (unsigned long long)c, (unsigned long long)prev);
				assert_true(c >= prev);
				if (sizes[s] >= 16384)
					assert_true(c > prev);
				prev = c;
			}
			assert_int_equal(prev, sizes[s] + 1);
		}
		/* Equal work, not equal numbers: the first of 64 parts of 1e9 is the widest, the last the narrowest. */
		if (sizes[s] == 1000000007ull) {
			uint64_t first = pb_sieve_cut(&sv, 1, 64), last = sizes[s] + 1 - pb_sieve_cut(&sv, 63, 64);
			assert_true(first > (sizes[s] + 1) / 64);
			assert_true(last < (sizes[s] + 1) / 64);
		}
		pb_sieve_free(&sv);
	}
}

/* Deterministic Miller-Rabin for n < 3.4e14 (bases 2..17): an independent primality test for large n. */
static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t m)
{
	return (uint64_t)((pb_u128)a * b % m);
}

static int is_prime_mr(uint64_t n)
{
	static const uint64_t bases[] = { 2, 3, 5, 7, 11, 13, 17 };
	if (n < 2)
		return 0;
	for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++)
		if (n % bases[i] == 0)
			return n == bases[i];
	uint64_t d = n - 1;
	int r = 0;
	while (d % 2 == 0)
		d /= 2, r++;
	for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
		uint64_t y = 1, b = bases[i], e = d;
		while (e) {
			if (e & 1)
				y = mulmod(y, b, n);
			b = mulmod(b, b, n);
			e >>= 1;
		}
		if (y == 1 || y == n - 1)
			continue;
		int j = 1;
		for (; j < r; j++) {
			y = mulmod(y, y, n);
			if (y == n - 1)
				break;
		}
		if (j == r)
			return 0;
	}
	return 1;
}

/*
 * Near the top of max_size (1e11, sieving primes up to 316227 and byte
 * positions near 2^32 / 30 * 30): ranges counted by the engine, with the
 * default-sized and with tiny windows, against Miller-Rabin number by number.
 */
static void test_engine_near_max(void **state)
{
	static const struct {
		uint64_t x0, x1;
	} ranges[] = {
		{ 100000000000ull - 150000, 100000000001ull },
		{ 99999999999ull - 30 * 1001, 99999999999ull - 7 },
		{ 4294967296ull * 15 - 7001, 4294967296ull * 15 + 9001 },
	};
	static const uint32_t windows[][2] = { { 524288, 49152 }, { 4096, 1024 }, { 64, 64 } };
	for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
		struct pb_sieve sv;
		assert_int_equal(pb_sieve_init(&sv, 100000000000ull, windows[w][0], windows[w][1]), 0);
		void *scratch = scratch_for(&sv);
		for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
			uint64_t want = 0;
			for (uint64_t v = ranges[i].x0; v < ranges[i].x1; v++)
				want += (uint64_t)is_prime_mr(v);
			uint64_t got = pb_sieve_count(&sv, ranges[i].x0, ranges[i].x1, scratch);
			if (got != want)
				print_error("window %u [%llu, %llu): got %llu want %llu\n", windows[w][0],
					    (unsigned long long)ranges[i].x0, (unsigned long long)ranges[i].x1,
					    (unsigned long long)got, (unsigned long long)want);
			assert_int_equal(got, want);
		}
		free(scratch);
		pb_sieve_free(&sv);
	}
}

/* Sizes that are multiples of nothing in particular, through the workload (verified by Lucy's method). */
static void test_edge_sizes(void **state)
{
	static const struct {
		uint64_t n, pi;
	} cases[] = {
		{ 0, 0 },	    { 1, 0 },	      { 2, 1 },		{ 3, 2 },	   { 4, 2 },	     { 5, 3 },
		{ 6, 3 },	    { 7, 4 },	      { 29, 10 },	{ 30, 10 },	   { 31, 11 },	     { 163, 38 },
		{ 166, 38 },	    { 167, 39 },      { 27889, 3043 }, { 27888, 3043 },   { 1000003, 78499 }, { 524288, 43390 },
		{ 524287, 43390 }, { 1000000007ull, 50847535 },
	};
	static const uint64_t splits[] = { 1, 2, 3, 64, 1000 };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		for (size_t s = 0; s < sizeof splits / sizeof splits[0]; s++) {
			if (cases[i].n > 100000000 && s % 3 != 0)
				continue; /* 1e9 + 7: two splits suffice */
			uint64_t got = count("sieve", s % 2 ? "1" : "auto", cases[i].n, splits[s]);
			if (got != cases[i].pi)
				print_error("n=%llu tasks=%llu: got %llu want %llu\n", (unsigned long long)cases[i].n,
					    (unsigned long long)splits[s], (unsigned long long)got,
					    (unsigned long long)cases[i].pi);
			assert_int_equal(got, cases[i].pi);
		}
	}
}

/* Every task count from 1 to n_items, and uneven splits, give the bit-identical total. */
static void test_decompositions_identical(void **state)
{
	struct pb_job job;
	char err[256];
	make_job(&job, "sieve", "1", 2000003); /* 123 items of 16384 numbers */
	assert_int_equal(pb_wl_primes.prepare(&job, err, sizeof err), 0);
	uint64_t want;
	assert_int_equal(pb_primes_pi_lucy(2000003, &want), 0);
	for (uint64_t t = 1; t <= job.n_items; t++) {
		struct pb_partial p = run_tasks(&job, t);
		if ((uint64_t)p.sum != want)
			print_error("%llu tasks: got %llu want %llu\n", (unsigned long long)t,
				    (unsigned long long)p.sum, (unsigned long long)want);
		assert_int_equal(p.sum, want);
		assert_int_equal(p.items, job.n_items);
	}
	/* Uneven ranges in a shuffled order, as a dynamic schedule might hand them out. */
	uint64_t x = 12345, cuts[40], ncuts = 0, at = 0;
	while (at < job.n_items && ncuts < 40) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		at += 1 + x % 9;
		cuts[ncuts++] = at < job.n_items ? at : job.n_items;
	}
	cuts[ncuts - 1] = job.n_items;
	struct pb_partial total = { 0 }, part;
	struct pb_view none = { NULL, 0, 0 };
	for (uint64_t k = ncuts; k-- > 0;) {
		memset(&part, 0, sizeof part);
		pb_wl_primes.kernel(&job, k ? cuts[k - 1] : 0, cuts[k], none, none, &part);
		pb_partial_add(&total, &part);
	}
	assert_int_equal(total.sum, want);
	assert_int_equal(total.items, job.n_items);
	pb_wl_primes.release(&job);
}

static void test_descriptor(void **state)
{
	assert_ptr_equal(pb_workload_find("primes"), &pb_wl_primes);
	assert_int_equal(pb_wl_primes.default_tasks, 64);
	assert_true(pb_wl_primes.quick_size <= pb_wl_primes.default_size);
	assert_true(pb_wl_primes.full_size <= pb_wl_primes.max_size);
	assert_string_equal(pb_wl_primes.params[0].key, "method");
	assert_string_equal(pb_wl_primes.params[0].def, "sieve");
	assert_string_equal(pb_wl_primes.params[1].key, "segment");
	assert_null(pb_wl_primes.params[2].key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptor),
		cmocka_unit_test(test_isqrt),
		cmocka_unit_test(test_lucy),
		cmocka_unit_test(test_known_values),
		cmocka_unit_test(test_small_n_against_trial),
		cmocka_unit_test(test_segment_sizes_and_edges),
		cmocka_unit_test(test_random_n),
		cmocka_unit_test(test_sieve_large_other),
		cmocka_unit_test(test_verify_rejects_wrong_count),
		cmocka_unit_test(test_bad_params),
		cmocka_unit_test(test_default_sizes),
		cmocka_unit_test(test_engine_ranges),
		cmocka_unit_test(test_engine_near_max),
		cmocka_unit_test(test_equal_work_cuts),
		cmocka_unit_test(test_edge_sizes),
		cmocka_unit_test(test_decompositions_identical),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
