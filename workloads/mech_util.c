/* mech_util.c: what the mechanisms share: clocks, CPU notes, message patterns, futex waits, names. */
#include "mech.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

uint64_t pb_mech_now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

void pb_mech_seen(struct pb_mech_out *out)
{
	int cpu = sched_getcpu();
	if (cpu >= 0 && cpu < PB_MECH_CPU_WORDS * 64)
		out->cpus[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

void pb_mech_fail(struct pb_mech_out *out, int channel, const char *fmt, ...)
{
	if (channel)
		out->failed = 1;
	if (out->why[0])
		return; /* the first failure is the one that explains the rest */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out->why, sizeof out->why, fmt, ap);
	va_end(ap);
}

/* ---- message patterns ---- */

static uint64_t mix64(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

uint64_t pb_msg_seed(uint64_t batch, uint64_t i, int dir)
{
	/* odd and below 2^63: an eventfd carries it as its counter value (neither 0 nor 2^64 - 1) */
	return (mix64(mix64(batch * 2 + (uint64_t)(dir & 1)) ^ i) | 1) & (UINT64_MAX >> 1);
}

/* The step between consecutive words: odd, so no two words of one message are equal. */
#define WORD_STEP UINT64_C(0x9e3779b97f4a7c15)

void pb_msg_fill(void *buf, size_t len, uint64_t seed)
{
	unsigned char *p = buf;
	size_t n = len / 8;
	uint64_t w = seed;
	for (size_t j = 0; j < n; j++, w += WORD_STEP)
		memcpy(p + 8 * j, &w, 8);
	for (size_t t = 0; t < len % 8; t++)
		p[8 * n + t] = (unsigned char)(seed >> (8 * t)) ^ 0xa5;
}

size_t pb_msg_check(const void *buf, size_t len, uint64_t seed)
{
	const unsigned char *p = buf;
	size_t n = len / 8;
	uint64_t diff = 0, w = seed;
	/* the OR of the differences: branch-free, so the compiler vectorises it */
	for (size_t j = 0; j < n; j++, w += WORD_STEP) {
		uint64_t got;
		memcpy(&got, p + 8 * j, 8);
		diff |= got ^ w;
	}
	for (size_t t = 0; t < len % 8; t++)
		diff |= (uint64_t)(p[8 * n + t] ^ ((unsigned char)(seed >> (8 * t)) ^ 0xa5));
	if (!diff)
		return 0;
	/* a bad message: find the first wrong byte (slow path, only for the report) */
	unsigned char want[8];
	for (size_t off = 0; off < len; off += 8) {
		size_t l = len - off < 8 ? len - off : 8;
		if (l == 8) {
			uint64_t ww = seed + (off / 8) * WORD_STEP;
			memcpy(want, &ww, 8);
		} else {
			for (size_t t = 0; t < l; t++)
				want[t] = (unsigned char)(seed >> (8 * t)) ^ 0xa5;
		}
		for (size_t b = 0; b < l; b++)
			if (p[off + b] != want[b])
				return off + b + 1;
	}
	return 1;
}

void pb_msg_verify(struct pb_mech_out *out, const void *buf, size_t len, uint64_t seed, uint64_t i)
{
	size_t at = pb_msg_check(buf, len, seed);
	if (!at)
		return;
	if (!out->bad++)
		out->first_bad = i;
	pb_mech_fail(out, 0, "message %llu: byte %zu of %zu is wrong", (unsigned long long)i, at - 1, len);
}

void pb_mech_name(char *buf, size_t len, const struct pb_mech_ctx *x, const char *prefix, const char *suffix)
{
	static unsigned seq;
	snprintf(buf, len, "%sparbench-%ld-m%u%s", prefix, x->owner_pid, __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED),
		 suffix);
}

/* ---- futex waits ---- */

int pb_futex_wait(uint32_t *addr, uint32_t val, long timeout_ns)
{
	struct timespec ts, *tp = NULL;
	if (timeout_ns >= 0) {
		ts.tv_sec = timeout_ns / 1000000000L;
		ts.tv_nsec = timeout_ns % 1000000000L;
		tp = &ts;
	}
	return (int)syscall(SYS_futex, addr, FUTEX_WAIT, val, tp, NULL, 0);
}

int pb_futex_wake(uint32_t *addr, int n)
{
	return (int)syscall(SYS_futex, addr, FUTEX_WAKE, n, NULL, NULL, 0);
}

uint32_t pb_word_wait(uint32_t *word, uint32_t val, uint32_t *sleepers, enum pb_mwait wait)
{
	uint32_t v = __atomic_load_n(word, __ATOMIC_ACQUIRE);
	if (v != val)
		return v;
	if (wait != PB_MWAIT_BLOCK) {
		uint64_t t0 = 0;
		for (unsigned n = 1;; n++) {
			pb_cpu_relax();
			v = __atomic_load_n(word, __ATOMIC_ACQUIRE);
			if (v != val)
				return v;
			if (wait == PB_MWAIT_HYBRID && (n & 63) == 0) {
				uint64_t t = pb_mech_now_ns();
				if (!t0)
					t0 = t;
				else if (t - t0 >= PB_MECH_SPIN_NS)
					break;
			}
		}
	}
	/*
	 * No lost wake-up: the waiter raises *sleepers, then reads the word; the
	 * waker stores the word, then reads *sleepers (all sequentially
	 * consistent), so one of the two sees the other; and the kernel sleeps
	 * only if the word still holds val.
	 */
	for (;;) {
		__atomic_fetch_add(sleepers, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(word, __ATOMIC_SEQ_CST) == val)
			pb_futex_wait(word, val, -1);
		__atomic_fetch_sub(sleepers, 1, __ATOMIC_SEQ_CST);
		v = __atomic_load_n(word, __ATOMIC_ACQUIRE);
		if (v != val)
			return v;
	}
}

void pb_word_wake(uint32_t *word, uint32_t *sleepers)
{
	if (__atomic_load_n(sleepers, __ATOMIC_SEQ_CST))
		pb_futex_wake(word, INT_MAX);
}

int pb_mech_parse_bytes(const char *s, uint64_t *out)
{
	char *end;
	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	unsigned shift = 0;
	if (*end == '^') { /* 2^N */
		if (v != 2)
			return -1;
		unsigned long long e = strtoull(end + 1, &end, 10);
		if (*end || e > 62)
			return -1;
		*out = UINT64_C(1) << e;
		return 0;
	}
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: break;
	}
	if (*end == 'i' && shift) /* KiB, MiB: the same */
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

const char *pb_mech_param(const struct pb_mech_case *c, const char *key)
{
	for (int i = 0; i < c->nparams; i++)
		if (strcmp(c->params[i].key, key) == 0)
			return c->params[i].val;
	return NULL;
}
