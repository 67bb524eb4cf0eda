/* primes.c: count the primes <= N by a segmented sieve of Eratosthenes or by trial division. */
#include "workload.h"
#include "primes_count.h"
#include "primes_sieve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Sieve layout.  There are n_items = N / I + 1 items, I = segment * 16384
 * (the numbers segment KiB of an odd-only bitmap held in the first version,
 * kept so that item and task counts stay what they were).  Item i is the
 * numbers [cut(i), cut(i + 1)), the cuts splitting [0, N] into parts of
 * equal estimated sieve work (pb_sieve_cut): a number near N costs about
 * twice one near N / 64 (more sieving primes, and costlier ones), so
 * items of equal width would leave the worker holding the top block of
 * tasks under a static schedule with ~20% more work.  A task is a range of
 * items, i.e. one range of numbers; the kernel counts it with the mod-30
 * wheel sieve of primes_sieve.c, whose windows are independent of the
 * items (an item boundary may fall inside a byte of 30 numbers: the sieve
 * counts by number, not by byte).
 *
 * Trial layout.  Item i is the number i, for i in [0, N]: n_items = N + 1.
 * Larger numbers cost more (up to sqrt(i) / 2 divisions), so contiguous
 * static blocks of tasks are unbalanced on purpose.
 */

enum { METHOD_SIEVE, METHOD_TRIAL };

#define PRIMES_MAX_SIZE 100000000000ull /* 1e11: sieve ~17 s serial CPU, Lucy check ~1 s and 5 MB */
#define TRIAL_MAX_SIZE 100000000ull     /* 1e8: trial division takes about a minute serial */
#define TRIAL_DEFAULT_SIZE 3000000ull   /* 0.31 s serial CPU time on the 2-core EPYC VM */
#define SEGMENT_MAX_KIB 8192
#define SEGMENT_AUTO_KIB 32             /* items of 2^19 numbers: 1908 at N = 1e9, 2 at 1e6 */
_Static_assert(PRIMES_MAX_SIZE <= PB_SIEVE_MAX_N, "the sieve's byte positions must stay 32-bit");

struct primes_state {
	int method;
	uint64_t n;             /* count the primes <= n */
	uint64_t expected;      /* pi(n), from the table or Lucy's method */
	int expected_known;     /* 1: from the table of pi(10^k); 0: Lucy's method */
	/* sieve only */
	size_t scratch;         /* bytes of scratch per kernel call, a multiple of 64 */
	struct pb_sieve sieve;  /* the sieving primes and presieve patterns, shared read-only */
};

static const struct pb_param_def primes_params[] = {
	{ "method", "sieve", "sieve|trial", "sieve: segmented sieve of Eratosthenes; trial: trial division per number" },
	{ "segment", "auto", NULL, "sieve items: N / (KiB x 16384) + 1 of equal work (KiB 1..8192), or auto (32)" },
	{ NULL, NULL, NULL, NULL },
};

/*
 * The sieve's window and chunk sizes (primes_sieve.c): chunks the size of
 * the L1 data cache, since the presieve and every small prime pass over a
 * chunk while it is there; windows of a quarter of L2, so the medium
 * primes' crossings hit L2 while the presieve patterns (212 KB) and the
 * states still fit beside the window.  Measured here (48 KiB L1d, 2 MiB
 * L2) on the top 3e8 numbers below 1e10, best of 11: windows of 128 KiB
 * 50 ms, 256 KiB 44 ms, 384-512 KiB 41 ms, 1 MiB 42-45 ms; chunks of
 * 32 KiB 45 ms, 48 KiB 40 ms, 64 KiB 49 ms.  sysconf may not know the
 * caches: then 32 KiB and 256 KiB (a quarter of a 1 MiB L2).
 */
static void cache_sizes(uint32_t *window, uint32_t *chunk)
{
	long l1 = sysconf(_SC_LEVEL1_DCACHE_SIZE), l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
	uint64_t c = l1 > 0 ? (uint64_t)l1 : 32768, w = l2 > 0 ? (uint64_t)l2 / 4 : 262144;
	if (c < 16384)
		c = 16384;
	if (c > 262144)
		c = 262144;
	if (w < c)
		w = c;
	if (w > 4194304)
		w = 4194304;
	*window = (uint32_t)w;
	*chunk = (uint32_t)c;
}

static int parse_segment(const struct pb_job *job, uint64_t *kib, char *err, size_t errlen)
{
	const char *v = pb_job_param(job, "segment");
	if (v && strcmp(v, "auto") == 0) {
		*kib = SEGMENT_AUTO_KIB;
		return 0;
	}
	return pb_param_u64(job, "segment", 1, SEGMENT_MAX_KIB, kib, err, errlen);
}

static void primes_release(struct pb_job *job)
{
	struct primes_state *st = job->state;
	if (!st)
		return;
	pb_sieve_free(&st->sieve);
	free(st);
	job->state = NULL;
}

static int primes_prepare(struct pb_job *job, char *err, size_t errlen)
{
	const char *method = pb_job_param(job, "method");
	struct primes_state *st = NULL;
	uint64_t kib = 0;

	job->state = NULL;
	if (!method || (strcmp(method, "sieve") != 0 && strcmp(method, "trial") != 0)) {
		snprintf(err, errlen, "parameter 'method': '%s' is not sieve or trial", method ? method : "");
		return -1;
	}
	int m = strcmp(method, "sieve") == 0 ? METHOD_SIEVE : METHOD_TRIAL;
	if (parse_segment(job, &kib, err, errlen) != 0)
		return -1;
	/* Trial division of the sieve's default sizes would take hours: use its own default. */
	if (m == METHOD_TRIAL && !job->size_from_user && job->size > TRIAL_DEFAULT_SIZE)
		job->size = TRIAL_DEFAULT_SIZE;
	if (job->size > PRIMES_MAX_SIZE) {
		snprintf(err, errlen, "size %llu is above the limit %llu", (unsigned long long)job->size,
			 PRIMES_MAX_SIZE);
		return -1;
	}
	if (m == METHOD_TRIAL && job->size > TRIAL_MAX_SIZE) {
		snprintf(err, errlen, "method 'trial': size %llu is above the limit %llu",
			 (unsigned long long)job->size, TRIAL_MAX_SIZE);
		return -1;
	}

	st = calloc(1, sizeof *st);
	if (!st)
		goto nomem;
	st->method = m;
	st->n = job->size;
	st->expected_known = pb_primes_known_pi(st->n, &st->expected);
	if (!st->expected_known && pb_primes_pi_lucy(st->n, &st->expected) != 0)
		goto nomem;

	if (m == METHOD_TRIAL) {
		job->n_items = st->n + 1;
	} else {
		uint32_t window, chunk;
		cache_sizes(&window, &chunk);
		job->n_items = st->n / (kib * 16384) + 1;
		if (pb_sieve_init(&st->sieve, st->n, window, chunk) != 0)
			goto nomem;
		st->scratch = (pb_sieve_scratch_size(&st->sieve) + 63) / 64 * 64;
	}
	job->state = st;
	return 0;

nomem:
	free(st); /* pb_sieve_init leaves nothing allocated when it fails */
	snprintf(err, errlen, "size %llu: out of memory", (unsigned long long)job->size);
	return -1;
}

static void sieve_kernel(const struct pb_job *job, uint64_t begin, uint64_t end, struct pb_partial *part)
{
	const struct primes_state *st = job->state;
	/*
	 * One allocation per call, none per window: the window (64-byte
	 * aligned) and each sieving prime's next multiple.  Per call rather
	 * than per thread, so the kernel needs no thread or process state.
	 */
	void *scratch = aligned_alloc(64, st->scratch);
	if (!scratch) {
		fprintf(stderr, "parbench: primes: cannot allocate %zu bytes of sieve scratch\n", st->scratch);
		abort();
	}
	part->sum += pb_sieve_count(&st->sieve, pb_sieve_cut(&st->sieve, begin, job->n_items),
				    pb_sieve_cut(&st->sieve, end, job->n_items), scratch);
	part->items += end - begin;
	free(scratch);
}

static void trial_kernel(uint64_t begin, uint64_t end, struct pb_partial *part)
{
	uint64_t count = 0;
	for (uint64_t i = begin; i < end; i++)
		count += (uint64_t)pb_primes_is_prime_trial(i);
	part->sum += count;
	part->items += end - begin;
}

static void primes_kernel(const struct pb_job *job, uint64_t begin, uint64_t end, struct pb_view in,
			  struct pb_view out, struct pb_partial *part)
{
	const struct primes_state *st = job->state;
	if (st->method == METHOD_SIEVE)
		sieve_kernel(job, begin, end, part);
	else
		trial_kernel(begin, end, part);
}

static int primes_verify(const struct pb_job *job, const struct pb_partial *total, char *msg, size_t len)
{
	const struct primes_state *st = job->state;
	if (total->items != job->n_items) {
		snprintf(msg, len, "processed %llu items, expected %llu", (unsigned long long)total->items,
			 (unsigned long long)job->n_items);
		return -1;
	}
	if (total->sum != st->expected) {
		char got[48];
		pb_u128_str(total->sum, got, sizeof got);
		snprintf(msg, len, "counted %s primes <= %llu, expected %llu (%s)", got,
			 (unsigned long long)st->n, (unsigned long long)st->expected,
			 st->expected_known ? "known value" : "lucy's method");
		return -1;
	}
	return 0;
}

static void primes_format(const struct pb_job *job, const struct pb_partial *total, char *buf, size_t len)
{
	pb_u128_str(total->sum, buf, len);
}

const struct pb_workload pb_wl_primes = {
	.name = "primes",
	.description = "count the primes <= N (segmented sieve or trial division)",
	.unit = "numbers",
	.params = primes_params,
	.default_size = 1000000000ull,
	.quick_size = 30000000ull,
	.full_size = 10000000000ull,
	.max_size = PRIMES_MAX_SIZE,
	.default_tasks = 64,
	.prepare = primes_prepare,
	.kernel = primes_kernel,
	.verify = primes_verify,
	.format_result = primes_format,
	.release = primes_release,
};
