/* primes_count.c: reference prime counts for the primes workload (tables, Lucy's method, trial division). */
#include "primes_count.h"

#include <math.h>
#include <stdlib.h>

/* pi(10^k) for k = 1..10 (SEEDS.md; OEIS A006880). */
static const uint64_t known_pi[] = {
	4, 25, 168, 1229, 9592, 78498, 664579, 5761455, 50847534, 455052511,
};

int pb_primes_known_pi(uint64_t n, uint64_t *out)
{
	uint64_t p = 10;
	for (size_t k = 0; k < sizeof known_pi / sizeof known_pi[0]; k++, p *= 10) {
		if (n == p) {
			*out = known_pi[k];
			return 1;
		}
	}
	return 0;
}

uint64_t pb_primes_isqrt(uint64_t n)
{
	uint64_t r = (uint64_t)sqrt((double)n);
	/* The double estimate can be off by one either way for large n: correct it. */
	while (r > 0 && (r > UINT32_MAX || r * r > n))
		r--;
	while (r + 1 <= UINT32_MAX && (r + 1) * (r + 1) <= n)
		r++;
	return r;
}

/*
 * Lucy_Hedgehog's method.  S(v) starts as the count of 2..v; for each prime
 * p <= sqrt(n) in turn, S(v) -= S(v / p) - S(p - 1) for every v >= p^2
 * removes the numbers whose least prime factor is p.  Only the values
 * v = floor(n / i) are ever needed: lo[v] holds S(v) for v <= r, hi[i] holds
 * S(n / i) for i <= r.  Each array is updated in the order that reads only
 * values not yet updated for the current p.
 */
int pb_primes_pi_lucy(uint64_t n, uint64_t *out)
{
	if (n < 2) {
		*out = 0;
		return 0;
	}
	uint64_t r = pb_primes_isqrt(n);
	uint64_t *lo = malloc((r + 1) * sizeof *lo);
	uint64_t *hi = malloc((r + 1) * sizeof *hi);
	if (!lo || !hi) {
		free(lo);
		free(hi);
		return -1;
	}
	lo[0] = 0;
	hi[0] = 0;
	for (uint64_t v = 1; v <= r; v++) {
		lo[v] = v - 1;
		hi[v] = n / v - 1;
	}
	for (uint64_t p = 2; p <= r; p++) {
		if (lo[p] == lo[p - 1])
			continue; /* p is composite */
		uint64_t sp = lo[p - 1], p2 = p * p;
		uint64_t lim = n / p2 < r ? n / p2 : r;
		for (uint64_t i = 1; i <= lim; i++) {
			uint64_t d = i * p;
			hi[i] -= (d <= r ? hi[d] : lo[n / d]) - sp;
		}
		for (uint64_t v = r; v >= p2; v--)
			lo[v] -= lo[v / p] - sp;
	}
	*out = hi[1];
	free(lo);
	free(hi);
	return 0;
}

int pb_primes_is_prime_trial(uint64_t n)
{
	if (n < 2)
		return 0;
	if (n < 4)
		return 1;
	if (n % 2 == 0)
		return 0;
	if (n <= UINT32_MAX) {
		/* 32-bit division is several times cheaper than 64-bit on x86. */
		uint32_t m = (uint32_t)n;
		for (uint32_t d = 3; (uint64_t)d * d <= m; d += 2)
			if (m % d == 0)
				return 0;
		return 1;
	}
	for (uint64_t d = 3; d <= n / d; d += 2)
		if (n % d == 0)
			return 0;
	return 1;
}
