/*
 * bad.c: deliberately broken plugins for tests/cli/plugins.sh, one per -DBAD_<KIND>.
 * Each is otherwise a correct plugin: 1000 items, item i adds i; the defect is the only
 * thing wrong, so the test can tell that parbench reports exactly that defect.
 *   BAD_NOSYM      exports no pb_plugin symbol
 *   BAD_ABI        exports a pb_plugin claiming workload ABI 99
 *   BAD_NOKERNEL   a descriptor whose kernel is NULL
 *   BAD_NODEFAULT  a parameter without default
 *   BAD_SEGV       the kernel dereferences NULL on the task holding item `at` (default 500)
 *   BAD_CUT        the total counts kernel calls: it depends on the decomposition (no verify)
 *   BAD_TASKLEN    the total is off for tasks of exactly 100 items, a cut the consistency
 *                  reference's passes do not use (no verify): caught by comparing runs with it
 *   BAD_STRAY      the kernel writes one byte past its output span (no verify)
 *   BAD_HANG       the kernel never returns on the task holding item 500
 *   BAD_PRIVATE    the output buffer is malloc'd, not shared memory
 *   BAD_UNDEF      needs a symbol nothing defines (dlopen fails)
 */
#include <parbench/workload.h>

#include <unistd.h>

static const struct pb_param_def params[] = {
#ifdef BAD_NODEFAULT
	{ "at", NULL, NULL, "the item whose task crashes" },
#else
	{ "at", "500", NULL, "the item whose task crashes" },
#endif
	{ NULL, NULL, NULL, NULL },
};

#if defined(BAD_STRAY) || defined(BAD_PRIVATE)
#define HAS_OUT 1
#endif

#ifdef BAD_UNDEF
extern int pb_test_no_such_symbol(void);
#endif

struct st {
	uint64_t at;
};

static int prepare(struct pb_job *job, char *err, size_t errlen)
{
	struct st *s = calloc(1, sizeof *s);
	if (!s || pb_param_u64(job, "at", 0, UINT64_MAX, &s->at, err, errlen) != 0) {
		free(s);
		return -1;
	}
	job->state = s;
	job->n_items = job->size;
#ifdef HAS_OUT
	job->out_len = job->size * 8;
#ifdef BAD_PRIVATE
	job->out = malloc(job->out_len);
#else
	job->out = pb_buf_alloc(job->out_len);
#endif
#endif
	return 0;
}

static __attribute__((unused)) void out_span(const struct pb_job *job, uint64_t b, uint64_t e, struct pb_span *sp)
{
	(void)job;
	sp->off = b * 8;
	sp->len = (e - b) * 8;
}

static __attribute__((unused)) void kernel(const struct pb_job *job, uint64_t b, uint64_t e, struct pb_view in,
					   struct pb_view out, struct pb_partial *part)
{
	const struct st *s = job->state;
	(void)in;
	(void)out;
#ifdef BAD_UNDEF
	part->aux = (uint64_t)pb_test_no_such_symbol();
#endif
	for (uint64_t i = b; i < e; i++) {
		part->sum += i;
#ifdef BAD_SEGV
		if (i == s->at)
			*(volatile int *)(uintptr_t)(s->at - i) = 1; /* NULL */
#endif
#ifdef BAD_HANG
		while (i == s->at)
			pause();
#endif
#ifdef HAS_OUT
		memcpy(out.base + (i * 8 - out.off), &i, 8);
#endif
	}
#ifdef BAD_STRAY
	out.base[e * 8 - out.off] = 0x77; /* one byte past the span: the next task's first byte */
#endif
#ifdef BAD_CUT
	part->sum += 1; /* one per call: 1 task and 7 tasks differ */
#endif
#ifdef BAD_TASKLEN
	if (e - b == 100)
		part->aux += 1;
#endif
	(void)s;
	part->items = e - b;
}

static __attribute__((unused)) int verify(const struct pb_job *job, const struct pb_partial *t, char *msg, size_t len)
{
	pb_u128 want = (pb_u128)job->n_items * (job->n_items - 1) / 2;
	if (t->sum != want) {
		snprintf(msg, len, "wrong sum");
		return -1;
	}
	return 0;
}

static void release(struct pb_job *job)
{
#ifdef BAD_PRIVATE
	free(job->out);
#else
	pb_buf_free(job->out, job->out_len);
#endif
	free(job->state);
	job->state = NULL;
}

static const struct pb_workload bad = {
	.name = "bad",
	.description = "a deliberately broken plugin",
	.unit = "items",
	.params = params,
	.default_size = 1000,
	.default_tasks = 10,
	.prepare = prepare,
#ifndef BAD_NOKERNEL
	.kernel = kernel,
#endif
#ifdef HAS_OUT
	.out_span = out_span,
#endif
#if !defined(BAD_CUT) && !defined(BAD_TASKLEN) && !defined(HAS_OUT)
	.verify = verify,
#endif
	.release = release,
};

#if defined(BAD_ABI)
__attribute__((visibility("default"))) const struct pb_plugin pb_plugin = {
	PB_PLUGIN_MAGIC, 99, (uint32_t)sizeof(struct pb_workload), (uint32_t)sizeof(struct pb_job), &bad
};
#elif defined(BAD_NOSYM)
__attribute__((visibility("default"))) const struct pb_workload *my_workload = &bad;
#else
PB_PLUGIN(bad);
#endif
