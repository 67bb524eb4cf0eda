/* cpuset.h: a fixed-size CPU bitmap that can be copied through pipes and shared memory. */
#ifndef PB_CPUSET_H
#define PB_CPUSET_H

#include <stddef.h>
#include <stdint.h>

#define PB_MAX_CPUS 1024

struct pb_cpuset {
	uint64_t bits[PB_MAX_CPUS / 64];
};

static inline void pb_cpuset_zero(struct pb_cpuset *s)
{
	for (size_t i = 0; i < PB_MAX_CPUS / 64; i++)
		s->bits[i] = 0;
}

static inline void pb_cpuset_set(struct pb_cpuset *s, int cpu)
{
	if (cpu >= 0 && cpu < PB_MAX_CPUS)
		s->bits[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

static inline int pb_cpuset_isset(const struct pb_cpuset *s, int cpu)
{
	return cpu >= 0 && cpu < PB_MAX_CPUS && (s->bits[cpu / 64] >> (cpu % 64)) & 1;
}

static inline void pb_cpuset_or(struct pb_cpuset *d, const struct pb_cpuset *s)
{
	for (size_t i = 0; i < PB_MAX_CPUS / 64; i++)
		d->bits[i] |= s->bits[i];
}

int pb_cpuset_count(const struct pb_cpuset *s);

/* "0-3,8,10-11" style list; "" for an empty set.  Returns the length written. */
size_t pb_cpuset_format(const struct pb_cpuset *s, char *buf, size_t len);

#endif
