/* primes_sieve.h: the segmented mod-30 wheel sieve behind the primes workload (primes_sieve.c). */
#ifndef PB_PRIMES_SIEVE_H
#define PB_PRIMES_SIEVE_H

#include <stddef.h>
#include <stdint.h>

/* The presieve groups: their patterns are ANDed into every window (see primes_sieve.c). */
#define PB_SIEVE_GROUPS 16

/*
 * What every range count shares, read-only once built (so any number of
 * threads or forked processes may count ranges of it at once).
 */
struct pb_sieve {
	uint64_t n;              /* count the primes <= n */
	uint64_t total_bytes;    /* n / 30 + 1: byte k holds the numbers 30k + {1,7,11,13,17,19,23,29} */
	uint32_t window;         /* bytes per sieving window (what the medium primes cross in one pass) */
	uint32_t chunk;          /* bytes per presieve and small-prime pass (<= window) */
	uint32_t *primes;        /* the sieving primes: PB_SIEVE_FIRST_PRIME <= p <= sqrt(n), ascending */
	size_t nprimes;
	size_t nsmall;           /* primes[0, nsmall) are crossed off per chunk, the rest per window */
	uint8_t *patterns;       /* the presieve patterns, one after another */
	uint32_t pat_off[PB_SIEVE_GROUPS]; /* group g's pattern starts at patterns + pat_off[g] */
	uint32_t pat_len[PB_SIEVE_GROUPS]; /* its period in bytes (the product of its primes) */
	double *cost_a, *cost_b; /* the cost model's prefix sums over primes[0, k), k <= ncost */
	size_t ncost;            /* the sieving primes with p^2 < n + 1 */
	double cost_total;       /* the modelled work of [0, n + 1) */
};

/* The smallest prime crossed off by the sieve; every smaller one is presieved or off the wheel. */
#define PB_SIEVE_FIRST_PRIME 167

/* The largest n: byte positions within a range are 32-bit (30 * 2^32 = 1.29e11). */
#define PB_SIEVE_MAX_N 120000000000ull

/*
 * Build the shared part for counting primes <= n with windows of window
 * bytes and chunks of chunk bytes (both raised to >= 64; chunk is capped at
 * window).  Returns 0, or -1 if n > PB_SIEVE_MAX_N or memory runs out (then
 * nothing is left allocated).
 */
int pb_sieve_init(struct pb_sieve *sv, uint64_t n, uint32_t window, uint32_t chunk);
void pb_sieve_free(struct pb_sieve *sv);

/*
 * The i-th of parts cuts of [0, n + 1) into ranges of equal estimated
 * sieve work, for 0 <= i <= parts: cut 0 is 0, cut parts is n + 1, and
 * cuts never decrease with i, so ranges [cut i, cut i + 1) tile [0, n + 1).
 * The estimate is a fixed cost model (primes_sieve.c), a pure function of
 * sv, i and parts: every caller, thread or process gets the same cuts.
 */
uint64_t pb_sieve_cut(const struct pb_sieve *sv, uint64_t i, uint64_t parts);

/* The bytes of scratch a range count needs (one window and one state per sieving prime). */
size_t pb_sieve_scratch_size(const struct pb_sieve *sv);

/*
 * The number of primes in [x0, x1), for 0 <= x0 <= x1 <= n + 1.  scratch
 * is pb_sieve_scratch_size bytes, 64-byte aligned, private to the caller
 * (its contents on entry do not matter).  Exact for every split: counts of
 * adjacent ranges add up to the count of their union.
 */
uint64_t pb_sieve_count(const struct pb_sieve *sv, uint64_t x0, uint64_t x1, void *scratch);

#endif
