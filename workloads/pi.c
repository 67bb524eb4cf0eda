/* pi.c: Monte Carlo estimate of pi from counter-based random points, exact hit counts. */
#include "workload.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * The definition (every variant, worker count and split gives the same hits):
 *
 * Samples are numbered 0..N-1 and grouped in blocks of PI_BLOCK = 4096.
 * Block b has four 32-bit keys: kx0:kx1 = splitmix64 output 2b and
 * ky0:ky1 = output 2b+1 of the stream seeded with seed (low:high halves),
 * i.e. out(m) = mix64(seed + (m + 1) * 0x9e3779b97f4a7c15).  Sample j of the
 * block (j = index mod 4096) takes
 *     X = h32(j, kx0, kx1) >> 1,  Y = h32(j, ky0, ky1) >> 1
 * (31-bit integers; the point is (X, Y) / 2^31 in [0,1)^2) and is a hit iff
 *     X*X + Y*Y <= 2^62
 * computed exactly in 64 bits (the sum is below 2^63), so no rounding question
 * arises.  h32 is Wellons' lowbias32 with the block keys xored in before each
 * multiply: the randomness depends on the sample index and the seed only,
 * never on the worker or the task that computes it.
 */
#define PI_BLOCK_SHIFT 12
#define PI_BLOCK ((uint64_t)1 << PI_BLOCK_SHIFT)
#define PI_GOLDEN 0x9e3779b97f4a7c15ULL
#define PI_R2 ((uint64_t)1 << 62)

struct pi_state {
	uint64_t seed;
};

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* 32-bit multiply hash: cheap enough to vectorise 16 lanes at a time. */
static inline uint32_t h32(uint32_t c, uint32_t k0, uint32_t k1)
{
	uint32_t x = c ^ k0;
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= k1;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

/*
 * Hits among samples [j0, j1) of one block.  Branch-free, 32-bit hashes and
 * 32x32->64 squares, so gcc and clang vectorise it (vpmulld, vpmuludq,
 * compare into a mask): about 1 ns per 2-3 samples is what the target needs.
 */
static uint64_t pi_block_hits(uint32_t j0, uint32_t j1, uint32_t kx0, uint32_t kx1,
			      uint32_t ky0, uint32_t ky1)
{
	uint64_t hits = 0;
	for (uint32_t j = j0; j < j1; j++) {
		uint64_t x = h32(j, kx0, kx1) >> 1;
		uint64_t y = h32(j, ky0, ky1) >> 1;
		hits += x * x + y * y <= PI_R2;
	}
	return hits;
}

/* The number of hits among samples [begin, end) for seed; ranges may cut blocks anywhere. */
static uint64_t pi_hits(uint64_t seed, uint64_t begin, uint64_t end)
{
	uint64_t hits = 0;
	for (uint64_t i = begin; i < end;) {
		uint64_t b = i >> PI_BLOCK_SHIFT;
		uint64_t stop = (b + 1) << PI_BLOCK_SHIFT;
		if (stop > end)
			stop = end;
		uint64_t kx = mix64(seed + (2 * b + 1) * PI_GOLDEN);
		uint64_t ky = mix64(seed + (2 * b + 2) * PI_GOLDEN);
		uint32_t j0 = (uint32_t)(i & (PI_BLOCK - 1));
		hits += pi_block_hits(j0, j0 + (uint32_t)(stop - i), (uint32_t)kx, (uint32_t)(kx >> 32),
				      (uint32_t)ky, (uint32_t)(ky >> 32));
		i = stop;
	}
	return hits;
}

static const struct pb_param_def pi_params[] = {
	{ "seed", "0", NULL, "random seed (unsigned 64-bit); the hit count depends only on seed and size" },
	{ NULL, NULL, NULL, NULL },
};

static int pi_prepare(struct pb_job *job, char *err, size_t errlen)
{
	uint64_t seed;
	if (job->size < 1 || job->size > job->wl->max_size) {
		snprintf(err, errlen, "size %llu is out of range [1, %llu]", (unsigned long long)job->size,
			 (unsigned long long)job->wl->max_size);
		return -1;
	}
	if (pb_param_u64(job, "seed", 0, UINT64_MAX, &seed, err, errlen) < 0)
		return -1;
	struct pi_state *st = malloc(sizeof *st);
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	st->seed = seed;
	job->state = st;
	job->n_items = job->size;
	return 0;
}

static void pi_kernel(const struct pb_job *job, uint64_t begin, uint64_t end, struct pb_view in,
		      struct pb_view out, struct pb_partial *part)
{
	const struct pi_state *st = job->state;
	part->sum = pi_hits(st->seed, begin, end);
	part->items = end - begin;
#ifdef PB_TEST_SLOW_PI
	/*
	 * A test build only (make BUILD=build-slowpi CFLAGS=-DPB_TEST_SLOW_PI=20): the first
	 * PB_TEST_SLOW_PI% of the range is counted a second time and thrown away, that much more work
	 * with the same result, so that the regression gate has a real slowdown to catch
	 * (scripts/gate-realrun.sh).  volatile: the compiler may not drop the unused count.
	 */
	volatile uint64_t extra = pi_hits(st->seed, begin, begin + (end - begin) * (PB_TEST_SLOW_PI) / 100);
	(void)extra;
#endif
}

static double pi_estimate(const struct pb_partial *t)
{
	return t->items ? 4.0 * (double)(uint64_t)t->sum / (double)t->items : 0.0;
}

/* Passes if every sample was counted and |estimate - pi| <= 5 sigma. */
static int pi_verify(const struct pb_job *job, const struct pb_partial *total, char *msg, size_t len)
{
	if (total->items != job->n_items) {
		snprintf(msg, len, "counted %llu samples, expected %llu",
			 (unsigned long long)total->items, (unsigned long long)job->n_items);
		return -1;
	}
	if (total->sum > total->items) {
		snprintf(msg, len, "more hits than samples");
		return -1;
	}
	double p = M_PI / 4.0;
	double sigma = 4.0 * sqrt(p * (1.0 - p) / (double)total->items);
	double est = pi_estimate(total);
	if (fabs(est - M_PI) > 5.0 * sigma) {
		snprintf(msg, len, "estimate %.10f is %.1f sigma from pi (sigma %.3g)", est,
			 fabs(est - M_PI) / sigma, sigma);
		return -1;
	}
	return 0;
}

/* The estimate 4*hits/N with 10 decimals: a function of the exact counts only. */
static void pi_format(const struct pb_job *job, const struct pb_partial *total, char *buf, size_t len)
{
	snprintf(buf, len, "%.10f", pi_estimate(total));
}

static void pi_release(struct pb_job *job)
{
	free(job->state);
	job->state = NULL;
}

const struct pb_workload pb_wl_pi = {
	.name = "pi",
	.description = "Monte Carlo pi: count random points inside the quarter circle",
	.unit = "samples",
	.params = pi_params,
	.default_size = 1000000000,
	.quick_size = 30000000,
	.full_size = 6000000000,
	.max_size = 1000000000000,
	.default_tasks = 64,
	.extra = 0,
	.prepare = pi_prepare,
	.kernel = pi_kernel,
	.verify = pi_verify,
	.format_result = pi_format,
	.release = pi_release,
};
