/* primes.c: count the primes <= N by a segmented sieve of Eratosthenes or by trial division. */
#include "workload.h"
#include "primes_count.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Sieve layout.  Bit i of the sieve stands for the odd number 2i + 1, so
 * the odd numbers <= N are bits [0, (N + 1) / 2).  A set bit is a composite
 * (or 1).  Segment s is bits [s * S, (s + 1) * S) with S = segment KiB * 8192
 * bits; item s of the iteration space is segment s, so a task never splits a
 * segment.  The prime 2 is counted by segment 0.
 *
 * Trial layout.  Item i is the number i, for i in [0, N]: n_items = N + 1.
 * Larger numbers cost more (up to sqrt(i) / 2 divisions), so contiguous
 * static blocks of tasks are unbalanced on purpose.
 */

enum { METHOD_SIEVE, METHOD_TRIAL };

#define PRIMES_MAX_SIZE 100000000000ull /* 1e11: sieve ~30 s serial, Lucy check ~1 s and 5 MB */
#define TRIAL_MAX_SIZE 100000000ull     /* 1e8: trial division takes about a minute serial */
#define TRIAL_DEFAULT_SIZE 3000000ull   /* 0.31 s serial CPU time on the 2-core EPYC VM */
#define SEGMENT_MAX_KIB 8192

/*
 * Presieve: the odd multiples of 3, 5, 7, 11 and 13 repeat every
 * 3*5*7*11*13 = 15015 bits, and since gcd(8, 15015) = 1 the byte pattern
 * repeats every 15015 bytes.  Copying it into each segment replaces the
 * densest crossing-off (these five primes are ~40% of all crossings of an
 * odd-only sieve) by a memcpy.  A second pattern for 17, 19 and 23 (period
 * 7429 bytes) is ORed in: one vectorised pass instead of ~8% of the
 * crossings.  Together the patterns (22 KB) stay in L1/L2; one pattern for
 * all eight primes would be 4.8 MB.
 */
#define PRESIEVE_A_BYTES 15015 /* 3 * 5 * 7 * 11 * 13 */
#define PRESIEVE_B_BYTES 7429  /* 17 * 19 * 23 */
#define FIRST_SIEVING_PRIME 29
/*
 * Primes with p * MEDIUM_FACTOR > segment bytes hit each of cross_off's 8
 * byte loops at most ~4 times per segment, too few to pay for 8 loop set-ups:
 * they take one plain bit-at-a-time loop.  (Factors 1..8 measured within
 * noise of each other for pi(1e9); 16 is ~10% slower.)
 */
#define MEDIUM_FACTOR 4

struct primes_state {
	int method;
	uint64_t n;             /* count the primes <= n */
	uint64_t expected;      /* pi(n), from the table or Lucy's method */
	int expected_known;     /* 1: from the table of pi(10^k); 0: Lucy's method */
	/* sieve only */
	uint64_t seg_bits;      /* S: bits (odd numbers) per segment, a multiple of 64 */
	uint64_t total_bits;    /* (n + 1) / 2 */
	uint32_t *primes;       /* the odd primes p with 29 <= p and p * p <= n */
	size_t nprimes;
	uint8_t pat_a[PRESIEVE_A_BYTES]; /* odd multiples of 3..13, bits [0, 8 * 15015) */
	uint8_t pat_b[PRESIEVE_B_BYTES]; /* odd multiples of 17, 19, 23, bits [0, 8 * 7429) */
};

static const struct pb_param_def primes_params[] = {
	{ "method", "sieve", "sieve|trial", "sieve: segmented sieve of Eratosthenes; trial: trial division per number" },
	{ "segment", "auto", NULL, "sieve segment size in KiB (1..8192), or auto: the L1 data cache size" },
	{ NULL, NULL, NULL, NULL },
};

/*
 * The automatic segment size: the L1 data cache (sysconf), falling back to
 * 32 KiB when the C library does not know it.  L1 wins over L2-sized
 * segments because every small sieving prime passes over the segment 8
 * times (once per bit position, see cross_off): those passes must hit L1.
 * Measured here (48 KiB L1d, 1 MiB L2), pi(1e9) CPU time, best of 7:
 * 16 KiB 0.22 s, 32 KiB 0.20 s, 48 KiB 0.19 s, 96 KiB 0.24 s,
 * 256 KiB 0.31 s, 1 MiB 0.37 s.  A 32 KiB segment spans 524288 numbers,
 * so primes up to ~2.6e5 hit it at least once; the rare larger ones (up to
 * sqrt(1e11)) cost one compare per segment they miss, so no bucket sieve is
 * needed within max_size.
 */
static uint64_t auto_segment_kib(void)
{
	long l1 = sysconf(_SC_LEVEL1_DCACHE_SIZE);
	if (l1 <= 0)
		return 32;
	uint64_t kib = (uint64_t)l1 / 1024;
	if (kib < 16)
		kib = 16;
	if (kib > 1024)
		kib = 1024;
	return kib;
}

static int parse_segment(const struct pb_job *job, uint64_t *kib, char *err, size_t errlen)
{
	const char *v = pb_job_param(job, "segment");
	if (v && strcmp(v, "auto") == 0) {
		*kib = auto_segment_kib();
		return 0;
	}
	return pb_param_u64(job, "segment", 1, SEGMENT_MAX_KIB, kib, err, errlen);
}

/* The odd primes in [FIRST_SIEVING_PRIME, r], by a plain sieve (r <= 316228). */
static int base_primes(uint64_t r, uint32_t **out, size_t *count)
{
	*out = NULL;
	*count = 0;
	if (r < FIRST_SIEVING_PRIME)
		return 0;
	uint8_t *comp = calloc(r + 1, 1);
	if (!comp)
		return -1;
	size_t n = 0;
	for (uint64_t i = 3; i <= r; i += 2) {
		if (comp[i])
			continue;
		if (i >= FIRST_SIEVING_PRIME)
			n++;
		for (uint64_t j = i * i; j <= r; j += 2 * i)
			comp[j] = 1;
	}
	uint32_t *p = malloc((n ? n : 1) * sizeof *p);
	if (!p) {
		free(comp);
		return -1;
	}
	size_t k = 0;
	for (uint64_t i = FIRST_SIEVING_PRIME; i <= r; i += 2)
		if (!comp[i])
			p[k++] = (uint32_t)i;
	free(comp);
	*out = p;
	*count = n;
	return 0;
}

/* The presieve pattern of primes q[0..nq) over bits [0, 8 * bytes), bytes = their product. */
static void make_pattern(uint8_t *pat, uint64_t bytes, const unsigned *q, size_t nq)
{
	memset(pat, 0, bytes);
	for (uint64_t i = 0; i < 8 * bytes; i++) {
		uint64_t v = 2 * i + 1;
		for (size_t k = 0; k < nq; k++)
			if (v % q[k] == 0)
				pat[i / 8] |= (uint8_t)(1u << (i % 8));
	}
}

static void primes_release(struct pb_job *job)
{
	struct primes_state *st = job->state;
	if (!st)
		return;
	free(st->primes);
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
		st->seg_bits = kib * 8192;
		st->total_bits = (st->n + 1) / 2;
		uint64_t nseg = (st->total_bits + st->seg_bits - 1) / st->seg_bits;
		job->n_items = nseg ? nseg : 1; /* N = 0: one empty segment */
		if (base_primes(pb_primes_isqrt(st->n), &st->primes, &st->nprimes) != 0)
			goto nomem;
		static const unsigned qa[] = { 3, 5, 7, 11, 13 }, qb[] = { 17, 19, 23 };
		make_pattern(st->pat_a, PRESIEVE_A_BYTES, qa, 5);
		make_pattern(st->pat_b, PRESIEVE_B_BYTES, qb, 3);
	}
	job->state = st;
	return 0;

nomem:
	if (st) {
		free(st->primes);
		free(st);
	}
	snprintf(err, errlen, "size %llu: out of memory", (unsigned long long)job->size);
	return -1;
}

/*
 * Cross off the multiples of odd prime p from bit j (< nbits) on, in a
 * segment of nbits bits (a multiple of 8).  Returns the offset of the next
 * multiple past the segment, relative to the next segment's first bit.
 *
 * Multiples 8 apart in the sequence j, j + p, j + 2p, ... are 8p bits = p
 * bytes apart and share their bit position within a byte.  So the sequence
 * is split into 8 strided byte loops, each with a fixed mask: one OR to
 * memory per crossing and no shifts, instead of computing byte and mask
 * for every multiple.  The next multiple past the segment is the smallest
 * end point of the 8 loops, which avoids a division.
 */
static uint64_t cross_off(uint8_t *buf, uint64_t nbits, uint64_t j, uint64_t p)
{
	const uint64_t nbytes = nbits / 8;
	uint64_t next = UINT64_MAX;
	if (p * MEDIUM_FACTOR > nbytes) {
		while (j < nbits) {
			buf[j / 8] |= (uint8_t)(1u << (j % 8));
			j += p;
		}
		return j - nbits;
	}
	for (unsigned k = 0; k < 8; k++) {
		uint64_t b = j + k * p;
		uint64_t i = b / 8;
		const uint8_t mask = (uint8_t)(1u << (b % 8));
		/* Unrolled by 4: the ORs are independent, so they can issue together. */
		while (i + 3 * p < nbytes) {
			buf[i] |= mask;
			buf[i + p] |= mask;
			buf[i + 2 * p] |= mask;
			buf[i + 3 * p] |= mask;
			i += 4 * p;
		}
		while (i < nbytes) {
			buf[i] |= mask;
			i += p;
		}
		uint64_t after = i * 8 + b % 8;
		if (after < next)
			next = after;
	}
	return next - nbits;
}

static void presieve(const struct primes_state *st, uint8_t *buf, uint64_t lo_bit, uint64_t nbytes)
{
	uint64_t phase = (lo_bit / 8) % PRESIEVE_A_BYTES;
	for (uint64_t done = 0; done < nbytes; phase = 0) {
		uint64_t c = PRESIEVE_A_BYTES - phase;
		if (c > nbytes - done)
			c = nbytes - done;
		memcpy(buf + done, st->pat_a + phase, c);
		done += c;
	}
	phase = (lo_bit / 8) % PRESIEVE_B_BYTES;
	for (uint64_t done = 0; done < nbytes; phase = 0) {
		uint64_t c = PRESIEVE_B_BYTES - phase;
		if (c > nbytes - done)
			c = nbytes - done;
		uint8_t *restrict d = buf + done;
		const uint8_t *restrict src = st->pat_b + phase;
		for (uint64_t i = 0; i < c; i++)
			d[i] |= src[i];
		done += c;
	}
}

/* The zero bits among the first len bits of the segment (the primes it holds). */
static uint64_t count_clear(const uint64_t *words, uint64_t len)
{
	uint64_t full = len / 64, count = 0;
	for (uint64_t w = 0; w < full; w++)
		count += (uint64_t)__builtin_popcountll(~words[w]);
	if (len % 64)
		count += (uint64_t)__builtin_popcountll(~words[full] & ((1ull << (len % 64)) - 1));
	return count;
}

static void sieve_kernel(const struct pb_job *job, uint64_t begin, uint64_t end, struct pb_partial *part)
{
	const struct primes_state *st = job->state;
	const uint64_t S = st->seg_bits;
	const uint64_t seg_bytes = S / 8;
	/*
	 * One allocation per call, none per segment: the segment (64-byte
	 * aligned, as 64-bit words for counting) and each sieving prime's next
	 * multiple, as a bit offset from the current segment's start.
	 */
	size_t alloc = (size_t)(seg_bytes + st->nprimes * sizeof(uint64_t) + 63) / 64 * 64;
	uint64_t *words = aligned_alloc(64, alloc);
	if (!words) {
		fprintf(stderr, "parbench: primes: cannot allocate a %llu KiB segment\n",
			(unsigned long long)seg_bytes / 1024);
		abort();
	}
	uint8_t *buf = (uint8_t *)words;
	uint64_t *next = (uint64_t *)(buf + seg_bytes);

	/* First multiple of each prime at or after the task's first bit, from scratch. */
	const uint64_t lo0 = begin * S;
	for (size_t k = 0; k < st->nprimes; k++) {
		uint64_t p = st->primes[k], a = 2 * lo0 + 1, m = p * p;
		if (m < a) {
			m = (a + p - 1) / p * p;
			if (m % 2 == 0)
				m += p;
		}
		next[k] = (m - 1) / 2 - lo0;
	}

	uint64_t count = 0;
	for (uint64_t s = begin; s < end; s++) {
		const uint64_t lo = s * S;
		const uint64_t len = lo < st->total_bits ? (st->total_bits - lo < S ? st->total_bits - lo : S) : 0;
		const uint64_t nbits = (len + 63) / 64 * 64; /* <= S; only the last segment is shorter */
		presieve(st, buf, lo, nbits / 8);
		for (size_t k = 0; k < st->nprimes; k++) {
			uint64_t j = next[k];
			next[k] = j >= nbits ? j - nbits : cross_off(buf, nbits, j, st->primes[k]);
		}
		if (s == 0 && nbits) {
			buf[0] |= 1;  /* 1 is not prime */
			/* The presieved primes themselves: 3, 5, 7, 11, 13 are bits 1, 2, 3, 5, 6. */
			buf[0] &= (uint8_t)~0x6eu;
			/* 17, 19, 23 are bits 8, 9, 11 (the segment has >= 8192 bits). */
			buf[1] &= (uint8_t)~0x0bu;
		}
		count += count_clear(words, len);
		if (s == 0 && st->n >= 2)
			count++; /* the prime 2 */
	}
	free(words);
	part->sum += count;
	part->items += end - begin;
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
