/* primes_sieve.c: count the primes in a range by a segmented sieve of Eratosthenes on the mod-30 wheel. */
#include "primes_sieve.h"
#include "primes_count.h"

#include <stdlib.h>
#include <string.h>

/*
 * Layout.  Only numbers coprime to 30 can be primes above 5, and there are
 * 8 of them in every 30: byte k of the sieve stands for the numbers
 * 30k + {1, 7, 11, 13, 17, 19, 23, 29}, bit t for 30k + W[t].  A set bit is
 * a candidate, a cleared bit a composite; the count is a popcount.  That is
 * 30 numbers per byte (3.75 per bit, against 2 for an odd-only sieve), and
 * it never touches a multiple of 2, 3 or 5.
 *
 * Algorithm.  A range count sieves the bytes its range [x0, x1) overlaps,
 * window by window (window bytes each), and counts the set bits whose
 * numbers lie in the range; 2, 3, 5 and the presieved primes are added by
 * value.  In each window:
 *   1. presieve, chunk by chunk: the multiples of 7..163 are cleared by
 *      ANDing periodic patterns (PB_SIEVE_GROUPS of them) instead of being
 *      crossed off one by one;
 *   2. small primes (primes[0, nsmall)), while each chunk is in L1: every
 *      one has several wheel turns per chunk;
 *   3. medium primes (the rest, up to sqrt(n)), once over the whole window:
 *      each has a few turns per window, and the window is L2-sized so that
 *      the per-prime cost of a pass (~30 cycles) is paid rarely;
 *   4. the edges (bits outside [x0, x1), the number 1) are cleared and the
 *      window is counted by popcount.
 * Crossing off prime p = 30a + R visits p * m for m >= p coprime to 30.
 * With m = 30b + W[t], p * m lies in byte b * p + a * W[t] + R * W[t] / 30,
 * bit index(R * W[t] mod 30): the 8 multiples of one wheel turn sit at 8
 * fixed offsets from b * p, with 8 fixed masks that depend on R only.  So a
 * prime's state is one byte position and its turn index t (where it stopped),
 * and cross_off runs 8 constant-mask crossings per turn, one loop per R.
 * After every pass the states are sorted by (R, t), so that cross_off's
 * jumps on them are predicted (cross_sorted).
 *
 * Cost, measured at pi(1e10) on this project's 3 GHz VM: a small prime's
 * crossing ~1.25 cycles, a medium prime's ~3.3 (it misses L1 and hits L2),
 * presieve and count ~0.024 cycles per number.  The medium primes are a
 * quarter of the crossings and half of the time; pb_sieve_cut uses these
 * figures to cut [0, n] into parts of equal work.
 *
 * No bucket sieve: the largest sieving prime within max_size (1e11) is
 * 316227, whose multiples are at most 6 * 10541 + 6 bytes apart, so with
 * windows of 64 KiB or more every sieving prime has a multiple in nearly
 * every window, and skipping a window costs one compare.
 *
 * Start of a range.  Every range count starts from scratch (that is what
 * lets any worker take any task, and what keeps the kernel free of state
 * between calls): for each sieving prime with p^2 < x1 it finds the first
 * multiple p * m >= max(p^2, 30 * floor(x0 / 30)), one 64-bit division per
 * prime.  Measured: 25 us at n = 1e9 (3400 primes; 1.7% of a task of n / 64),
 * 72 us at 1e10, 0.22 ms at 1e11 (27000 primes; 0.1% of a task of n / 64).
 */

/* The wheel: the residues mod 30 coprime to 30, in order; bit t of a byte is 30k + W[t]. */
static const uint8_t W[8] = { 1, 7, 11, 13, 17, 19, 23, 29 };
/* The bit index of a residue coprime to 30, as a constant expression (for cross_class's masks). */
#define WBIT(x) ((x) == 1 ? 0 : (x) == 7 ? 1 : (x) == 11 ? 2 : (x) == 13 ? 3 : (x) == 17 ? 4 : (x) == 19 ? 5 : (x) == 23 ? 6 : 7)

/*
 * The presieve groups: the pattern of a group of primes has a period of
 * their product in bytes (30 is coprime to them, so byte J and byte
 * J + product hold numbers that agree modulo every prime of the group).
 * Pairs keep each pattern under 26 KB, so all 16 (212 KB) stay in L2, and
 * one AND per byte per group replaces all the crossings of 35 primes: the
 * multiples of 7..163 are ~62% of the crossings an unpresieved wheel
 * sieve would do at n = 1e9.  Eight more pairs, up to 251 (patterns of
 * 29-60 KB), measured no faster at 1e9 or 1e10: the crossings they save
 * (~14% of the small primes') cost as much in pattern reads from L2.
 */
static const uint16_t presieve_groups[PB_SIEVE_GROUPS][4] = {
	{ 7, 11, 13, 17 }, { 19, 23, 29, 0 }, { 31, 37, 0, 0 },   { 41, 43, 0, 0 },
	{ 47, 53, 0, 0 },  { 59, 61, 0, 0 },  { 67, 71, 0, 0 },   { 73, 79, 0, 0 },
	{ 83, 89, 0, 0 },  { 97, 101, 0, 0 }, { 103, 107, 0, 0 }, { 109, 113, 0, 0 },
	{ 127, 131, 0, 0 }, { 137, 139, 0, 0 }, { 149, 151, 0, 0 }, { 157, 163, 0, 0 },
};
_Static_assert(PB_SIEVE_GROUPS % 8 == 0, "presieve ANDs the groups 8 at a time");
/* Each pattern is stored with this many bytes of its own continuation, so a block of up to
 * PRESIEVE_BLOCK bytes from any phase is one contiguous read (no wrap inside the AND loop). */
#define PRESIEVE_BLOCK 4096u

/*
 * Primes with p * SMALL_DIV <= chunk go through every turn of the chunk
 * pass: they do at least SMALL_DIV turns of 8 crossings per chunk, enough
 * to pay for the entry and exit of cross_off.  Larger primes do a turn or
 * less per chunk, so they are crossed once per window instead.
 */
#define SMALL_DIV 4

/* One sieving prime's position: pos is the byte of its next multiple, relative to the current
 * chunk or window; wk packs a = p / 30 (bits 6+), the index of p mod 30 (bits 3-5), and t. */
struct wstate {
	uint32_t pos;
	uint32_t wk;
};

/* ---- crossing off ---- */

/*
 * Clear the multiples of p = 30a + R in buf[0, len), starting at the state's
 * multiple, and leave the state at the first multiple past len, relative to
 * buf + len.  Always inlined with R a constant, so the 8 masks and the R * W[t]
 * / 30 offsets are immediates and only a * W[t] is computed (once per call).
 *
 * B is the byte of p * 30b, the start of the current wheel turn; the turn's
 * crossings are at B + o0 < B + o1 < ... < B + o7 (< B + p).  The switch
 * enters the turn where the state stopped; a full turn then runs with no
 * bounds checks while B + o7 < len; the last, partial turn checks each
 * crossing and stops at the first one past len.  B may be negative on entry
 * (the turn began in an earlier window): only B + o[t] >= 0 is ever used.
 */
static inline __attribute__((always_inline)) void cross_class(uint8_t *buf, int64_t len, struct wstate *s,
							       const unsigned R)
{
	const int64_t a = s->wk >> 6;
	const int64_t p = 30 * a + R;
	const int64_t o0 = a, o1 = 7 * a + R * 7 / 30, o2 = 11 * a + R * 11 / 30, o3 = 13 * a + R * 13 / 30,
		      o4 = 17 * a + R * 17 / 30, o5 = 19 * a + R * 19 / 30, o6 = 23 * a + R * 23 / 30,
		      o7 = 29 * a + R * 29 / 30;
#define M(w) ((uint8_t) ~(1u << WBIT(R * (w) % 30)))
	const int64_t pos = s->pos;
	int64_t B;
	unsigned t;
	switch (s->wk & 7) {
	case 0: B = pos - o0; goto e0;
	case 1: B = pos - o1; goto e1;
	case 2: B = pos - o2; goto e2;
	case 3: B = pos - o3; goto e3;
	case 4: B = pos - o4; goto e4;
	case 5: B = pos - o5; goto e5;
	case 6: B = pos - o6; goto e6;
	default: B = pos - o7; goto e7;
	}
	for (;;) {
		for (; B + o7 < len; B += p) {
			buf[B + o0] &= M(1);
			buf[B + o1] &= M(7);
			buf[B + o2] &= M(11);
			buf[B + o3] &= M(13);
			buf[B + o4] &= M(17);
			buf[B + o5] &= M(19);
			buf[B + o6] &= M(23);
			buf[B + o7] &= M(29);
		}
	e0:	if (B + o0 >= len) { t = 0; B += o0; break; }
		buf[B + o0] &= M(1);
	e1:	if (B + o1 >= len) { t = 1; B += o1; break; }
		buf[B + o1] &= M(7);
	e2:	if (B + o2 >= len) { t = 2; B += o2; break; }
		buf[B + o2] &= M(11);
	e3:	if (B + o3 >= len) { t = 3; B += o3; break; }
		buf[B + o3] &= M(13);
	e4:	if (B + o4 >= len) { t = 4; B += o4; break; }
		buf[B + o4] &= M(17);
	e5:	if (B + o5 >= len) { t = 5; B += o5; break; }
		buf[B + o5] &= M(19);
	e6:	if (B + o6 >= len) { t = 6; B += o6; break; }
		buf[B + o6] &= M(23);
	e7:	if (B + o7 >= len) { t = 7; B += o7; break; }
		buf[B + o7] &= M(29);
		B += p;
	}
#undef M
	s->pos = (uint32_t)(B - len);
	s->wk = (s->wk & ~7u) | t;
}

/* cross_class for the prime's own R: one specialised loop per residue class. */
static void cross_off(uint8_t *buf, uint32_t len, struct wstate *s)
{
	switch ((s->wk >> 3) & 7) {
	case 0: cross_class(buf, len, s, 1); break;
	case 1: cross_class(buf, len, s, 7); break;
	case 2: cross_class(buf, len, s, 11); break;
	case 3: cross_class(buf, len, s, 13); break;
	case 4: cross_class(buf, len, s, 17); break;
	case 5: cross_class(buf, len, s, 19); break;
	case 6: cross_class(buf, len, s, 23); break;
	default: cross_class(buf, len, s, 29); break;
	}
}

/* ---- the window steps ---- */

/* dst[0, len) = the AND of every group's pattern at global bytes [lo, lo + len). */
static void presieve(const struct pb_sieve *sv, uint8_t *restrict dst, uint64_t lo, uint32_t len)
{
	uint32_t ph[PB_SIEVE_GROUPS];
	for (int g = 0; g < PB_SIEVE_GROUPS; g++)
		ph[g] = (uint32_t)(lo % sv->pat_len[g]);
	for (uint32_t done = 0; done < len;) {
		const uint32_t c = len - done < PRESIEVE_BLOCK ? len - done : PRESIEVE_BLOCK;
		uint8_t *restrict d = dst + done;
		/*
		 * Passes of 8 streams rather than one of all: 16 or more source
		 * pointers do not fit in registers, and the spills would cost
		 * more loads than another pass over d (in L1) does.
		 */
		for (int g = 0; g < PB_SIEVE_GROUPS; g += 8) {
			const uint8_t *q[8];
			for (int k = 0; k < 8; k++)
				q[k] = sv->patterns + sv->pat_off[g + k] + ph[g + k];
			const uint8_t *restrict q0 = q[0], *restrict q1 = q[1], *restrict q2 = q[2],
				      *restrict q3 = q[3], *restrict q4 = q[4], *restrict q5 = q[5],
				      *restrict q6 = q[6], *restrict q7 = q[7];
			if (g == 0)
				for (uint32_t i = 0; i < c; i++)
					d[i] = q0[i] & q1[i] & q2[i] & q3[i] & q4[i] & q5[i] & q6[i] & q7[i];
			else
				for (uint32_t i = 0; i < c; i++)
					d[i] &= q0[i] & q1[i] & q2[i] & q3[i] & q4[i] & q5[i] & q6[i] & q7[i];
		}
		for (int g = 0; g < PB_SIEVE_GROUPS; g++)
			ph[g] = (ph[g] + c) % sv->pat_len[g];
		done += c;
	}
}

/* The set bits of buf[0, len). */
static uint64_t popcount_bytes(const uint8_t *buf, uint32_t len)
{
	uint64_t count = 0;
	uint32_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, buf + i, 8); /* an aligned load; memcpy keeps it within the aliasing rules */
		count += (uint64_t)__builtin_popcountll(w);
	}
	for (; i < len; i++)
		count += (uint64_t)__builtin_popcount(buf[i]);
	return count;
}

/* The bits of a byte whose residues W[t] are >= r (r in 0..30). */
static uint8_t bits_from(unsigned r)
{
	uint8_t m = 0;
	for (unsigned t = 0; t < 8; t++)
		if (W[t] >= r)
			m |= (uint8_t)(1u << t);
	return m;
}

/* ---- set-up ---- */

/* The first multiple of p to cross at or after byte lo, as the state relative to byte lo. */
static struct wstate start_state(uint32_t p, uint64_t lo)
{
	/* m - m0, for m0 mod 30 = 0..29: the distance from m0 to the next m coprime to 30. */
	static const uint8_t to_wheel[30] = { 1, 0, 5, 4, 3, 2, 1, 0, 3, 2, 1, 0, 1, 0, 3,
					      2, 1, 0, 1, 0, 3, 2, 1, 0, 5, 4, 3, 2, 1, 0 };
	static const uint8_t wheel_index[30] = { 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 3, 0,
						 0, 0, 4, 0, 5, 0, 0, 0, 6, 0, 0, 0, 0, 0, 7 };
	uint64_t n0 = 30 * lo, m = p;
	if ((uint64_t)p * p < n0) {
		m = (n0 + p - 1) / p;
		m += to_wheel[m % 30];
	}
	struct wstate s;
	s.pos = (uint32_t)(m * p / 30 - lo);
	s.wk = (p / 30) << 6 | (uint32_t)wheel_index[p % 30] << 3 | wheel_index[m % 30];
	return s;
}

/* The odd primes in [PB_SIEVE_FIRST_PRIME, r], by a plain sieve (r <= 2^32 - 1). */
static int sieving_primes(uint64_t r, uint32_t **out, size_t *count)
{
	*out = NULL;
	*count = 0;
	if (r < PB_SIEVE_FIRST_PRIME)
		return 0;
	uint8_t *comp = calloc(r + 1, 1);
	if (!comp)
		return -1;
	size_t n = 0;
	for (uint64_t i = 3; i <= r; i += 2) {
		if (comp[i])
			continue;
		if (i >= PB_SIEVE_FIRST_PRIME)
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
	for (uint64_t i = PB_SIEVE_FIRST_PRIME; i <= r; i += 2)
		if (!comp[i])
			p[k++] = (uint32_t)i;
	free(comp);
	*out = p;
	*count = n;
	return 0;
}

static int make_patterns(struct pb_sieve *sv)
{
	size_t total = 0;
	for (int g = 0; g < PB_SIEVE_GROUPS; g++) {
		uint32_t period = 1;
		for (int k = 0; k < 4 && presieve_groups[g][k]; k++)
			period *= presieve_groups[g][k];
		sv->pat_off[g] = (uint32_t)total;
		sv->pat_len[g] = period;
		total += period + PRESIEVE_BLOCK;
	}
	sv->patterns = malloc(total);
	if (!sv->patterns)
		return -1;
	/*
	 * 30j + W[t] is a multiple of q exactly when j = -W[t] / 30 (mod q):
	 * one strided loop per prime and bit, not a division per bit (prepare
	 * runs once per case, and the tests prepare thousands of small jobs).
	 */
	memset(sv->patterns, 0xff, total);
	for (int g = 0; g < PB_SIEVE_GROUPS; g++) {
		uint8_t *pat = sv->patterns + sv->pat_off[g];
		const uint32_t period = sv->pat_len[g];
		for (int k = 0; k < 4 && presieve_groups[g][k]; k++) {
			const uint32_t q = presieve_groups[g][k];
			uint32_t inv30 = 1;
			while (30 * inv30 % q != 1)
				inv30++;
			for (unsigned t = 0; t < 8; t++)
				for (uint32_t j = (q - W[t] % q) * inv30 % q; j < period; j += q)
					pat[j] &= (uint8_t)~(1u << t);
		}
		for (uint32_t j = period; j < period + PRESIEVE_BLOCK; j++)
			pat[j] = pat[j - period];
	}
	return 0;
}

/* ---- equal-work cuts ---- */

/*
 * The cost model behind equal-work cuts.  The work of sieving [0, x) is
 * F(x) = C0 * x + sum over sieving primes with p^2 < x of
 * w_p * (8 / 30) / p * (x - p^2): a cost per number (presieve, count) plus
 * one unit per crossing (a prime crosses 8 / (30 p) per number once past
 * p^2), where a medium prime's crossing costs W_MEDIUM units (it misses L1).
 * Fitted here (pi(1e10) by tasks of 1/64, 48 KiB L1d, 512 KiB windows):
 * small primes ~1.25 cycles per crossing, medium ~3.3, presieve and count
 * ~0.024 cycles per number.  With cuts of equal numbers the upper half of
 * [0, 1e10] took 1.23x the lower half (more and costlier sieving primes
 * up there), which capped 2 workers on contiguous blocks of tasks at 1.81x.
 */
#define COST_C0 0.02
#define COST_W_MEDIUM 3.0

/*
 * F is piecewise linear with a break at every p^2: past the first k breaks,
 * F(x) = (C0 + a_k) x - b_k, where a_k, b_k sum w_p (8 / 30) / p and that
 * times p^2 over those k primes.
 */
static int make_cost_model(struct pb_sieve *sv)
{
	const double end = (double)(sv->n + 1);
	while (sv->ncost < sv->nprimes && (double)sv->primes[sv->ncost] * sv->primes[sv->ncost] < end)
		sv->ncost++;
	sv->cost_a = malloc((sv->ncost + 1) * sizeof *sv->cost_a);
	sv->cost_b = malloc((sv->ncost + 1) * sizeof *sv->cost_b);
	if (!sv->cost_a || !sv->cost_b)
		return -1;
	sv->cost_a[0] = 0;
	sv->cost_b[0] = 0;
	for (size_t k = 0; k < sv->ncost; k++) {
		double p = sv->primes[k], a = (k < sv->nsmall ? 1.0 : COST_W_MEDIUM) * 8.0 / 30.0 / p;
		sv->cost_a[k + 1] = sv->cost_a[k] + a;
		sv->cost_b[k + 1] = sv->cost_b[k] + a * p * p;
	}
	sv->cost_total = (COST_C0 + sv->cost_a[sv->ncost]) * end - sv->cost_b[sv->ncost];
	return 0;
}

/* F at the k-th break, p_k^2, with the first k primes counted (k < ncost). */
static double cost_at_break(const struct pb_sieve *sv, size_t k)
{
	double q = (double)sv->primes[k] * sv->primes[k];
	return (COST_C0 + sv->cost_a[k]) * q - sv->cost_b[k];
}

uint64_t pb_sieve_cut(const struct pb_sieve *sv, uint64_t i, uint64_t parts)
{
	if (i == 0)
		return 0;
	if (i >= parts)
		return sv->n + 1;
	const double f = sv->cost_total * (double)i / (double)parts;
	/* k: the breaks below the target (binary search, F is increasing). */
	size_t lo = 0, hi = sv->ncost;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cost_at_break(sv, mid) < f)
			lo = mid + 1;
		else
			hi = mid;
	}
	double x = (f + sv->cost_b[lo]) / (COST_C0 + sv->cost_a[lo]);
	/*
	 * Clamped to the piece [p_(k-1)^2, p_k^2] it was computed on: within a
	 * piece x rises with f (IEEE addition and division by the same positive
	 * number are monotone), and pieces follow one another, so the cuts never
	 * decrease with i, whatever the rounding.
	 */
	const double piece_lo = lo ? (double)sv->primes[lo - 1] * sv->primes[lo - 1] : 0;
	const double piece_hi = lo < sv->ncost ? (double)sv->primes[lo] * sv->primes[lo] : (double)(sv->n + 1);
	if (x < piece_lo)
		x = piece_lo;
	if (x > piece_hi)
		x = piece_hi;
	return (uint64_t)x;
}

int pb_sieve_init(struct pb_sieve *sv, uint64_t n, uint32_t window, uint32_t chunk)
{
	memset(sv, 0, sizeof *sv);
	if (n > PB_SIEVE_MAX_N)
		return -1;
	if (window < 64)
		window = 64;
	if (chunk < 64)
		chunk = 64;
	if (chunk > window)
		chunk = window;
	sv->n = n;
	sv->total_bytes = n / 30 + 1;
	sv->window = window;
	sv->chunk = chunk;
	if (sieving_primes(pb_primes_isqrt(n), &sv->primes, &sv->nprimes) != 0 || make_patterns(sv) != 0)
		goto fail;
	while (sv->nsmall < sv->nprimes && (uint64_t)sv->primes[sv->nsmall] * SMALL_DIV <= chunk)
		sv->nsmall++;
	if (make_cost_model(sv) != 0)
		goto fail;
	return 0;

fail:
	pb_sieve_free(sv);
	return -1;
}

void pb_sieve_free(struct pb_sieve *sv)
{
	free(sv->primes);
	free(sv->patterns);
	free(sv->cost_a);
	free(sv->cost_b);
	sv->primes = NULL;
	sv->patterns = NULL;
	sv->cost_a = NULL;
	sv->cost_b = NULL;
}

size_t pb_sieve_scratch_size(const struct pb_sieve *sv)
{
	/* The window, and two arrays of states (the sorts below go from one to the other). */
	return ((size_t)sv->window + 63) / 64 * 64 + (2 * sv->nprimes + 1) * sizeof(struct wstate);
}

/* ---- counting a range ---- */

/*
 * Cross off the multiples of the primes in[0, n) in buf[0, len), writing
 * their new states to out sorted by (residue class, turn index).
 * cross_off's two switches are indirect jumps on those two fields; in
 * sorted order each jump goes where the previous prime's went nearly every
 * time, so the branch predictor gets it right instead of missing one or
 * two per prime and pass (~30 cycles, against a few dozen crossings for a
 * medium prime in a window or a larger small prime in a chunk).  The sort
 * is a counting sort on 64 keys: a few cycles per prime.
 */
static void cross_sorted(uint8_t *buf, uint32_t len, struct wstate *restrict in, struct wstate *restrict out,
			 size_t n)
{
	uint32_t at[64] = { 0 };
	for (size_t i = 0; i < n; i++) {
		if (in[i].pos >= len)
			in[i].pos -= len; /* no multiple in this pass: skip it */
		else
			cross_off(buf, len, &in[i]);
		at[in[i].wk & 63]++;
	}
	uint32_t sum = 0;
	for (int k = 0; k < 64; k++) {
		uint32_t c = at[k];
		at[k] = sum;
		sum += c;
	}
	for (size_t i = 0; i < n; i++)
		out[at[in[i].wk & 63]++] = in[i];
}

/* The states of the small and of the medium primes, each in one of two arrays that the sorts swap. */
struct states {
	struct wstate *small, *small_other, *med, *med_other;
	size_t nsmall, nmed;
};

static void swap_states(struct wstate **a, struct wstate **b)
{
	struct wstate *t = *a;
	*a = *b;
	*b = t;
}

/*
 * Sieve one window of len bytes at global byte lo: presieve and cross off
 * the small primes chunk by chunk (each chunk while it is in L1), then the
 * medium primes over the whole window.
 */
static void sieve_window(const struct pb_sieve *sv, uint8_t *buf, uint64_t lo, uint32_t len, struct states *s)
{
	for (uint32_t c = 0; c < len; c += sv->chunk) {
		uint32_t cl = len - c < sv->chunk ? len - c : sv->chunk;
		presieve(sv, buf + c, lo + c, cl);
		cross_sorted(buf + c, cl, s->small, s->small_other, s->nsmall);
		swap_states(&s->small, &s->small_other);
	}
	cross_sorted(buf, len, s->med, s->med_other, s->nmed);
	swap_states(&s->med, &s->med_other);
}

uint64_t pb_sieve_count(const struct pb_sieve *sv, uint64_t x0, uint64_t x1, void *scratch)
{
	if (x1 > sv->n + 1)
		x1 = sv->n + 1;
	if (x0 >= x1)
		return 0;
	/* 2, 3, 5 and the presieved primes: not on the wheel, or cleared by their own patterns. */
	uint64_t count = (x0 <= 2 && 2 < x1) + (x0 <= 3 && 3 < x1) + (x0 <= 5 && 5 < x1);
	for (int g = 0; g < PB_SIEVE_GROUPS; g++)
		for (int k = 0; k < 4 && presieve_groups[g][k]; k++)
			count += x0 <= presieve_groups[g][k] && presieve_groups[g][k] < x1;

	const uint64_t lo = x0 / 30, hi = (x1 - 1) / 30 + 1; /* the bytes [lo, hi) hold [x0, x1) */
	const uint8_t first_mask = bits_from((unsigned)(x0 - 30 * lo));
	const uint8_t last_mask = (uint8_t)~bits_from((unsigned)(x1 - 30 * (hi - 1)));
	uint8_t *buf = scratch;
	struct wstate *st = (struct wstate *)(buf + ((size_t)sv->window + 63) / 64 * 64);

	/* The primes with a multiple to cross below x1 (p^2 < x1), and their first multiples. */
	size_t nactive = 0;
	while (nactive < sv->nprimes && (uint64_t)sv->primes[nactive] * sv->primes[nactive] < x1)
		nactive++;
	for (size_t i = 0; i < nactive; i++)
		st[i] = start_state(sv->primes[i], lo);
	struct states s;
	s.nsmall = nactive < sv->nsmall ? nactive : sv->nsmall;
	s.nmed = nactive - s.nsmall;
	s.small = st;
	s.med = st + s.nsmall;
	s.small_other = st + sv->nprimes;
	s.med_other = s.small_other + s.nsmall;

	for (uint64_t w = lo; w < hi; w += sv->window) {
		const uint32_t len = hi - w < sv->window ? (uint32_t)(hi - w) : sv->window;
		sieve_window(sv, buf, w, len, &s);
		if (w == lo)
			buf[0] &= first_mask;
		if (w + len == hi)
			buf[len - 1] &= last_mask;
		if (w == 0)
			buf[0] &= (uint8_t)~1u; /* 1 is not a prime */
		count += popcount_bytes(buf, len);
	}
	return count;
}
