/*
 * collatz.c: an example parbench plugin: a compute kernel with its own verify.
 *
 * Item i is the number x = start + i; the kernel counts the Collatz steps
 * from x down to 1 (x -> x/2 if even, 3x+1 if odd).  The total is the sum of
 * the step counts (and, as a second exact sum, of their squares), which any
 * decomposition adds up to the same integers.  The kernel takes shortcuts
 * (it strips all trailing zero bits at once and does 3x+1 and the halving
 * that must follow as one step pair); verify compares its total with a
 * straightforward loop, one step at a time, run once while preparing.
 *
 *   cc -O2 -shared -fPIC $(pkg-config --cflags parbench) collatz.c -o libcollatz.so
 *   parbench run -w ./libcollatz.so -p start=1000000
 */
#include <parbench/workload.h>

/* Below 2e9 no trajectory climbs past 7.2e18 (the path record of 1410123943), so 64 bits hold every value. */
#define COLLATZ_MAX 2000000000ULL

struct collatz {
	uint64_t start;
	struct pb_partial direct; /* the reference: the plain loop over every item */
};

static uint64_t steps_fast(uint64_t x)
{
	uint64_t s = 0;
	while (x != 1) {
		if (x & 1) {
			x = (3 * x + 1) >> 1; /* 3x+1 is even: its halving comes with it */
			s += 2;
		} else {
			int z = __builtin_ctzll(x);
			x >>= z;
			s += (uint64_t)z;
		}
	}
	return s;
}

static uint64_t steps_direct(uint64_t x)
{
	uint64_t s = 0;
	while (x != 1) {
		x = x % 2 ? 3 * x + 1 : x / 2;
		s++;
	}
	return s;
}

static const struct pb_param_def collatz_params[] = {
	{ "start", "1", NULL, "the first number (item i is start + i)" },
	{ NULL, NULL, NULL, NULL },
};

static int collatz_prepare(struct pb_job *job, char *err, size_t errlen)
{
	uint64_t start;
	if (pb_param_u64(job, "start", 1, COLLATZ_MAX, &start, err, errlen) != 0)
		return -1;
	if (job->size > COLLATZ_MAX - start + 1) {
		snprintf(err, errlen, "start %llu + size %llu goes past %llu", (unsigned long long)start,
			 (unsigned long long)job->size, COLLATZ_MAX);
		return -1;
	}
	struct collatz *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->start = start;
	for (uint64_t i = 0; i < job->size; i++) {
		uint64_t s = steps_direct(start + i);
		c->direct.sum += s;
		c->direct.aux += s * s;
	}
	c->direct.items = job->size;
	job->state = c;
	job->n_items = job->size;
	return 0;
}

static void collatz_kernel(const struct pb_job *job, uint64_t begin, uint64_t end, struct pb_view in,
			   struct pb_view out, struct pb_partial *part)
{
	const struct collatz *c = job->state;
	uint64_t sum = 0, sq = 0;
	(void)in, (void)out; /* no buffers: a pure compute kernel */
	for (uint64_t i = begin; i < end; i++) {
		uint64_t s = steps_fast(c->start + i);
		sum += s; /* at most ~1000 steps per item: no 64-bit overflow below 2^54 items */
		sq += s * s;
	}
	part->sum = sum;
	part->aux = sq;
	part->items = end - begin;
}

static int collatz_verify(const struct pb_job *job, const struct pb_partial *total, char *msg, size_t len)
{
	const struct collatz *c = job->state;
	if (total->sum != c->direct.sum || total->aux != c->direct.aux) {
		char got[48], want[48];
		pb_u128_str(total->sum, got, sizeof got);
		pb_u128_str(c->direct.sum, want, sizeof want);
		snprintf(msg, len, "%s steps in all, the direct loop counts %s", got, want);
		return -1;
	}
	return 0;
}

static void collatz_format(const struct pb_job *job, const struct pb_partial *total, char *buf, size_t len)
{
	(void)job;
	pb_u128_str(total->sum, buf, len); /* the total number of steps */
}

static void collatz_release(struct pb_job *job)
{
	free(job->state);
	job->state = NULL;
}

static const struct pb_workload collatz = {
	.name = "collatz",
	.description = "Collatz step counts of start .. start+n-1, verified against a direct loop",
	.unit = "numbers",
	.params = collatz_params,
	.default_size = 2000000,
	.quick_size = 100000,
	.full_size = 20000000,
	.max_size = COLLATZ_MAX,
	.default_tasks = 64,
	.prepare = collatz_prepare,
	.kernel = collatz_kernel,
	.verify = collatz_verify,
	.format_result = collatz_format,
	.release = collatz_release,
};

PB_PLUGIN(collatz);
