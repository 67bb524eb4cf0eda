/* sumsq.c: sums of squares (index mod 2^64, array of uint32, i+i^2+i^3), checked against exact references. */
#include "workload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Forms:
 *   index  sum of i*i for i in [0, n), mod 2^64 (the tutorials' job; the true
 *          value needs ~121 bits at n = 2^40).  Each partial is a residue mod
 *          2^64, so totals are compared and printed mod 2^64.
 *   array  sum of x*x over n uint32 values x[i] = high half of mix64(i + salt),
 *          generated in prepare; exact in 128 bits.  Bandwidth-bound.
 *   cubic  sum of i + i^2 + i^3 for i in [0, n), exact in 128 bits.
 */
enum sumsq_form { FORM_INDEX, FORM_ARRAY, FORM_CUBIC };

#define SUMSQ_INDEX_MAX ((uint64_t)1 << 40) /* (n-1)n(2n-1) < 2^122: exact in 128 bits */
#define SUMSQ_ARRAY_MAX ((uint64_t)1 << 31) /* 8 GiB of input */
#define SUMSQ_CUBIC_MAX ((uint64_t)1 << 32) /* total < 2^127; i^2 fits 64 bits */
#define SUMSQ_ARRAY_SALT 0x5eed5eed5eed5eedULL

struct sumsq_state {
	enum sumsq_form form;
	pb_u128 expect; /* the exact total (index: mod 2^64) */
};

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Element i of the array form. */
static uint32_t sumsq_elem(uint64_t i)
{
	return (uint32_t)(mix64(i + SUMSQ_ARRAY_SALT) >> 32);
}

/* sum_{i<n} i^2 = (n-1)n(2n-1)/6, exact for n <= 2^40 (the product is below 2^122). */
static pb_u128 sumsq_closed_sq(uint64_t n)
{
	if (n == 0)
		return 0;
	return (pb_u128)(n - 1) * n * (2 * (pb_u128)n - 1) / 6;
}

/* sum_{i<n} i + i^2 + i^3 = T + (n-1)n(2n-1)/6 + T^2 with T = n(n-1)/2; exact for n <= 2^32. */
static pb_u128 sumsq_closed_cubic(uint64_t n)
{
	if (n == 0)
		return 0;
	/* one of n, n-1 is even: halve it first so T is exact in 64 bits */
	uint64_t t = (n % 2 == 0) ? (n / 2) * (n - 1) : n * ((n - 1) / 2);
	return (pb_u128)t + sumsq_closed_sq(n) + (pb_u128)t * t;
}

/*
 * The empty asm makes v opaque to the optimiser each iteration: without it,
 * clang -O2 replaces the index loop by the closed form and the benchmark
 * measures nothing (scripts/fold-check.sh catches that).  The price is that
 * the loop is not vectorised either: it stays one multiply and one add per
 * item, no memory traffic, under a cycle per item (gcc unrolls it).
 */
static uint64_t sumsq_index(uint64_t begin, uint64_t end)
{
	uint64_t s = 0;
	for (uint64_t i = begin; i < end; i++) {
		uint64_t v = i;
		__asm__ volatile("" : "+r"(v));
		s += v * v;
	}
	return s;
}

/*
 * Same barrier as sumsq_index (neither gcc 12 nor clang 14 folds this loop
 * today, but a later release may).  i < 2^32, so i^2 fits 64 bits and i^3
 * takes one 64x64->128 multiply.
 */
static pb_u128 sumsq_cubic(uint64_t begin, uint64_t end)
{
	pb_u128 s = 0;
	for (uint64_t i = begin; i < end; i++) {
		uint64_t v = i;
		__asm__ volatile("" : "+r"(v));
		uint64_t sq = v * v;
		s += (pb_u128)v + sq + (pb_u128)sq * v;
	}
	return s;
}

/*
 * Sum of squares of a[0..n).  Accumulating in 128 bits per element would
 * stop vectorisation, so each 64-bit square is split into its 32-bit halves,
 * summed in two 64-bit accumulators (each half is below 2^32, so up to 2^32
 * of them cannot overflow) and recombined per chunk.  gcc and clang turn the
 * inner loop into vpmuludq plus adds, which keeps up with memory bandwidth.
 */
static pb_u128 sumsq_array(const uint32_t *a, uint64_t n)
{
	pb_u128 s = 0;
	while (n > 0) {
		uint64_t m = n < ((uint64_t)1 << 31) ? n : ((uint64_t)1 << 31);
		uint64_t lo = 0, hi = 0;
		for (uint64_t i = 0; i < m; i++) {
			uint64_t q = (uint64_t)a[i] * a[i];
			lo += (uint32_t)q;
			hi += q >> 32;
		}
		s += ((pb_u128)hi << 32) + lo;
		a += m;
		n -= m;
	}
	return s;
}

/*
 * With no -n, the harness passes default_size, quick_size or full_size,
 * which are right for index; array and cubic get their own so that a serial
 * run still takes a fraction of a second (cubic does a 128-bit multiply per
 * item, about 3x the cost of index) and the array is far beyond any cache
 * (2^26 elements = 256 MiB, 2^28 = 1 GiB) but fits a workstation.
 */
static uint64_t sumsq_form_default(const struct pb_workload *wl, int form, uint64_t size)
{
	int which = size == wl->quick_size ? 0 : size == wl->full_size ? 2 : 1;
	static const uint64_t array[3] = { (uint64_t)1 << 20, (uint64_t)1 << 26, (uint64_t)1 << 28 };
	static const uint64_t cubic[3] = { 10000000, 400000000, 2000000000 };
	if (form == FORM_ARRAY)
		return array[which];
	if (form == FORM_CUBIC)
		return cubic[which];
	return size;
}

static const struct pb_param_def sumsq_params[] = {
	{ "form", "index", "index|array|cubic",
	  "index: sum i*i mod 2^64; array: sum x*x over generated uint32s (no -n: 2^26 = 256 MiB); "
	  "cubic: sum i+i^2+i^3 (no -n: 4e8)" },
	{ NULL, NULL, NULL, NULL },
};

static int sumsq_prepare(struct pb_job *job, char *err, size_t errlen)
{
	static const char *const names[] = { "index", "array", "cubic" };
	static const uint64_t maxes[] = { SUMSQ_INDEX_MAX, SUMSQ_ARRAY_MAX, SUMSQ_CUBIC_MAX };
	const char *f = pb_job_param(job, "form");
	int form = -1;
	for (int k = 0; k < 3; k++)
		if (f && strcmp(f, names[k]) == 0)
			form = k;
	if (form < 0) {
		snprintf(err, errlen, "parameter 'form': '%s' is not one of index|array|cubic", f ? f : "");
		return -1;
	}
	if (!job->size_from_user)
		job->size = sumsq_form_default(job->wl, form, job->size);
	uint64_t max = maxes[form] < job->wl->max_size ? maxes[form] : job->wl->max_size;
	if (job->size < 1 || job->size > max) {
		snprintf(err, errlen, "size %llu is out of range [1, %llu] for form=%s",
			 (unsigned long long)job->size, (unsigned long long)max, names[form]);
		return -1;
	}
	struct sumsq_state *st = malloc(sizeof *st);
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	st->form = form;
	uint64_t n = job->size;
	if (form == FORM_INDEX) {
		st->expect = (uint64_t)sumsq_closed_sq(n);
	} else if (form == FORM_CUBIC) {
		st->expect = sumsq_closed_cubic(n);
	} else {
		size_t len = (size_t)n * sizeof(uint32_t);
		uint32_t *a = (uint32_t *)pb_buf_alloc(len);
		if (!a) {
			snprintf(err, errlen, "cannot allocate %zu bytes for the array", len);
			free(st);
			return -1;
		}
		/* the reference: a plain 128-bit loop, independent of the kernel's split accumulators */
		pb_u128 ref = 0;
		for (uint64_t i = 0; i < n; i++) {
			a[i] = sumsq_elem(i);
			ref += (pb_u128)((uint64_t)a[i] * a[i]);
		}
		st->expect = ref;
		job->in = (uint8_t *)a;
		job->in_len = len;
	}
	job->state = st;
	job->n_items = n;
	return 0;
}

static void sumsq_kernel(const struct pb_job *job, uint64_t begin, uint64_t end, struct pb_view in,
			 struct pb_view out, struct pb_partial *part)
{
	const struct sumsq_state *st = job->state;
	switch (st->form) {
	case FORM_INDEX:
		part->sum = sumsq_index(begin, end);
		break;
	case FORM_CUBIC:
		part->sum = sumsq_cubic(begin, end);
		break;
	case FORM_ARRAY:
		/* global byte offset x lives at in.base[x - in.off] */
		part->sum = sumsq_array((const uint32_t *)(in.base + (begin * sizeof(uint32_t) - in.off)),
					end - begin);
		break;
	}
	part->items = end - begin;
}

/* The array form reads 4 bytes per item; the other forms have no buffers. */
static void sumsq_in_span(const struct pb_job *job, uint64_t begin, uint64_t end, struct pb_span *sp)
{
	const struct sumsq_state *st = job->state;
	if (st->form != FORM_ARRAY) {
		sp->off = 0;
		sp->len = 0;
		return;
	}
	sp->off = (size_t)begin * sizeof(uint32_t);
	sp->len = (size_t)(end - begin) * sizeof(uint32_t);
}

/* The total as the workload defines it: index is a residue mod 2^64, the others exact. */
static pb_u128 sumsq_value(const struct pb_job *job, const struct pb_partial *total)
{
	const struct sumsq_state *st = job->state;
	return st->form == FORM_INDEX ? (pb_u128)(uint64_t)total->sum : total->sum;
}

static int sumsq_verify(const struct pb_job *job, const struct pb_partial *total, char *msg, size_t len)
{
	const struct sumsq_state *st = job->state;
	if (total->items != job->n_items) {
		snprintf(msg, len, "summed %llu items, expected %llu", (unsigned long long)total->items,
			 (unsigned long long)job->n_items);
		return -1;
	}
	pb_u128 got = sumsq_value(job, total);
	if (got != st->expect) {
		char g[48], e[48];
		pb_u128_str(got, g, sizeof g);
		pb_u128_str(st->expect, e, sizeof e);
		snprintf(msg, len, "total %s, expected %s", g, e);
		return -1;
	}
	return 0;
}

static void sumsq_format(const struct pb_job *job, const struct pb_partial *total, char *buf, size_t len)
{
	pb_u128_str(sumsq_value(job, total), buf, len);
}

static void sumsq_release(struct pb_job *job)
{
	pb_buf_free(job->in, job->in_len);
	job->in = NULL;
	job->in_len = 0;
	free(job->state);
	job->state = NULL;
}

const struct pb_workload pb_wl_sumsq = {
	.name = "sumsq",
	.description = "sum of squares: i*i mod 2^64 (index), a uint32 array (array), i+i^2+i^3 (cubic)",
	.unit = "items",
	.params = sumsq_params,
	.default_size = 1000000000,
	.quick_size = 30000000,
	.full_size = 6000000000,
	.max_size = SUMSQ_INDEX_MAX,
	.default_tasks = 64,
	.extra = 0,
	.prepare = sumsq_prepare,
	.kernel = sumsq_kernel,
	.in_span = sumsq_in_span,
	.verify = sumsq_verify,
	.format_result = sumsq_format,
	.release = sumsq_release,
};
