/* primes_count.h: reference prime counts for the primes workload (tables, Lucy's method, trial division). */
#ifndef PB_PRIMES_COUNT_H
#define PB_PRIMES_COUNT_H

#include <stdint.h>

/*
 * pi(n) from the table of known values when n is a power of ten in
 * [10, 1e10]: returns 1 and stores it in *out; returns 0 for any other n.
 */
int pb_primes_known_pi(uint64_t n, uint64_t *out);

/*
 * pi(n) by Lucy_Hedgehog's prime-counting method (a Legendre-style sieve
 * over the values floor(n / i)): O(n^(3/4)) time, O(sqrt(n)) memory.
 * Independent of the segmented sieve; used to verify every other size.
 * Returns 0, or -1 if memory runs out.
 */
int pb_primes_pi_lucy(uint64_t n, uint64_t *out);

/* 1 if n is prime, by trial division by 2 and the odd numbers up to sqrt(n). */
int pb_primes_is_prime_trial(uint64_t n);

/* floor(sqrt(n)), exact for every 64-bit n. */
uint64_t pb_primes_isqrt(uint64_t n);

#endif
