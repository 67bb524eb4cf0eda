/* sched.c: task ranges and the four schedules, shared by every executor. */
#include "sched.h"

#include <string.h>

static const char *const names[] = {
	[PB_SCHED_STATIC] = "static",
	[PB_SCHED_CYCLIC] = "cyclic",
	[PB_SCHED_DYNAMIC] = "dynamic",
	[PB_SCHED_GUIDED] = "guided",
};

const char *pb_sched_name(enum pb_schedule s)
{
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

int pb_sched_parse(const char *name, enum pb_schedule *out)
{
	for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(name, names[i]) == 0) {
			*out = (enum pb_schedule)i;
			return 0;
		}
	}
	return -1;
}

void pb_task_range(uint64_t n_items, uint64_t ntasks, uint64_t k, uint64_t *begin, uint64_t *end)
{
	/* 128-bit products: n_items * k overflows 64 bits for sizes past 2^40 with many tasks. */
	*begin = (uint64_t)((unsigned __int128)n_items * k / ntasks);
	*end = (uint64_t)((unsigned __int128)n_items * (k + 1) / ntasks);
}

bool pb_sched_next(const struct pb_sched *s, int w, struct pb_sched_cursor *cur,
		   _Atomic uint64_t *next, uint64_t *first, uint64_t *count)
{
	uint64_t T = s->ntasks, P = (uint64_t)s->workers, C = s->chunk ? s->chunk : 1;

	switch (s->kind) {
	case PB_SCHED_STATIC: {
		if (cur->step++ > 0)
			return false;
		uint64_t b = T * (uint64_t)w / P, e = T * ((uint64_t)w + 1) / P;
		*first = b;
		*count = e - b;
		return e > b;
	}
	case PB_SCHED_CYCLIC: {
		uint64_t block = (uint64_t)w + cur->step++ * P;
		if (block >= (T + C - 1) / C)
			return false;
		*first = block * C;
		*count = T - *first < C ? T - *first : C;
		return true;
	}
	case PB_SCHED_DYNAMIC: {
		uint64_t f = atomic_fetch_add_explicit(next, C, memory_order_relaxed);
		if (f >= T)
			return false;
		*first = f;
		*count = T - f < C ? T - f : C;
		return true;
	}
	case PB_SCHED_GUIDED: {
		uint64_t f = atomic_load_explicit(next, memory_order_relaxed);
		for (;;) {
			if (f >= T)
				return false;
			uint64_t rem = T - f, c = (rem + P - 1) / P;
			if (c < C)
				c = C;
			if (c > rem)
				c = rem;
			if (atomic_compare_exchange_weak_explicit(next, &f, f + c, memory_order_relaxed,
								  memory_order_relaxed)) {
				*first = f;
				*count = c;
				return true;
			}
		}
	}
	}
	return false;
}
