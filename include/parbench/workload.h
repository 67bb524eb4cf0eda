/*
 * parbench/workload.h: the workload contract of parbench, for its built-in
 * workloads and for a user's own kernel built as a plugin.  This header is
 * all a plugin needs: it depends on the C library only, and a plugin links
 * against no library of parbench (the two buffer functions come from the
 * parbench executable that loads it).
 *
 * A plugin in four steps:
 *
 *   #include <parbench/workload.h>
 *
 *   static void my_kernel(const struct pb_job *job, uint64_t begin, uint64_t end,
 *                         struct pb_view in, struct pb_view out, struct pb_partial *part)
 *   {
 *           for (uint64_t i = begin; i < end; i++)
 *                   part->sum += i * i;       // an exact integer sum
 *           part->items = end - begin;        // every item counted once
 *   }
 *
 *   static const struct pb_workload my_workload = {
 *           .name = "mine", .description = "sum of squares", .unit = "items",
 *           .default_size = 100000000, .kernel = my_kernel,
 *   };
 *   PB_PLUGIN(my_workload);
 *
 *   cc -O2 -shared -fPIC $(pkg-config --cflags parbench) mine.c -o libmine.so
 *   parbench run -w ./libmine.so
 *
 * parbench loads the file with dlopen, checks its ABI version and its
 * descriptor, and runs it under every variant: serial, threads and OpenMP
 * call the kernel in place, from several threads at once; the pool, process
 * and shm variants call it in forked worker processes, which inherit the
 * loaded plugin and everything prepare built.
 *
 * What the harness guarantees and what it checks:
 * - The iteration space is [0, n_items), which prepare sets; a task is a
 *   half-open range [begin, end) of it, never empty.  Tasks are cut by
 *   --tasks (default: default_tasks) and handed out by the schedule.
 * - Every decomposition must give the bit-identical total: a kernel turns a
 *   range into a struct pb_partial whose fields are added exactly (mod 2^128
 *   and 2^64).  Floating-point sums are not exact under reordering; sum
 *   integers (fixed point, counts, hashes) instead.
 * - With a verify of its own, each run's total is checked by it (raw.csv's
 *   `check` column says "reference").  Without one, the harness checks
 *   consistency ("consistency"): the total, and the output buffer if there
 *   is one, must equal bit for bit a serial reference computed once per job
 *   with the whole range in one kernel call, which must itself agree with a
 *   second serial pass cut into uneven tasks.  A kernel whose total depends
 *   on how the items are cut, on the variant or on the worker count fails.
 * - part->items must add up to n_items: every item exactly once.
 * - A crash in a kernel is reported with the plugin's name and the task;
 *   `--timeout S` stops a kernel that hangs; `-p check=spans` (added by the
 *   harness to every plugin) runs each task on copies of exactly its input
 *   and output spans surrounded by unmapped pages, so a read outside the
 *   input span's pages or a write outside the output span is caught.
 *
 * ABI: PB_WORKLOAD_ABI names the layout of every structure below.  Any change
 * to one of them bumps it, and parbench refuses a plugin built against
 * another version (rebuild the plugin against the installed header).  Of
 * the helpers at the end, pb_buf_alloc and pb_buf_free come from the parbench
 * executable (part of the ABI); the others are static inline, compiled into
 * the plugin.
 */
#ifndef PARBENCH_WORKLOAD_H
#define PARBENCH_WORKLOAD_H

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the layouts in this header; parbench loads plugins of exactly this version. */
#define PB_WORKLOAD_ABI 1

typedef unsigned __int128 pb_u128;

/*
 * A partial result: what a kernel returns for one range of items.  Every
 * field is combined by exact integer addition (mod 2^128 or 2^64), so every
 * decomposition, variant and worker count yields the bit-identical total.
 * Because all workloads combine the same way, combine is one shared function
 * (pb_partial_add) rather than a per-workload hook.  The kernel adds into a
 * zeroed partial.
 */
struct pb_partial {
	pb_u128 sum;    /* the workload's main exact sum (hits, primes, checksum...) */
	uint64_t aux;   /* a second exact sum, workload-defined (0 if unused) */
	uint64_t items; /* items processed; the runner checks it equals n_items */
};

static inline void pb_partial_add(struct pb_partial *dst, const struct pb_partial *src)
{
	dst->sum += src->sum;
	dst->aux += src->aux;
	dst->items += src->items;
}

/*
 * A window onto a workload buffer: base points at the byte whose offset in
 * the whole buffer is off, and len bytes are valid.  Threads, OpenMP, serial
 * and shm pass the whole buffer (off 0); the process pool passes a private
 * copy of exactly the bytes the range needs, received through a pipe;
 * check=spans passes a guarded copy of exactly the task's span.
 * A kernel addresses global offset x as base[x - off], never through
 * job->in or job->out.
 */
struct pb_view {
	uint8_t *base;
	size_t off;
	size_t len;
};

/* A byte range [off, off + len) of a workload buffer. */
struct pb_span {
	size_t off;
	size_t len;
};

/*
 * A parameter: `-p key=value` on the command line, repeatable to sweep it.
 * A plugin's parameters all need a default (def, not empty); choices
 * ("a|b|c") makes the harness refuse any other value.  Values arrive as text:
 * read them with pb_job_param, pb_param_u64 or pb_param_double.  The harness
 * adds the parameter `check` to every plugin, so a plugin may declare at most
 * PB_PLUGIN_MAX_PARAMS parameters and none named check.
 */
struct pb_param_def {
	const char *key;     /* at most PB_PARAM_KEY_MAX - 1 characters, no '=', ';' or ',' */
	const char *def;     /* default, as text ("" = no default: built-ins only, e.g. input=) */
	const char *choices; /* "a|b|c", or NULL for a free value */
	const char *help;    /* one line for `parbench list` */
};

#define PB_MAX_PARAMS 8
#define PB_PLUGIN_MAX_PARAMS (PB_MAX_PARAMS - 1)
#define PB_PARAM_KEY_MAX 32
#define PB_PARAM_VAL_MAX 512

struct pb_kv {
	char key[PB_PARAM_KEY_MAX];
	char val[PB_PARAM_VAL_MAX];
};

/*
 * One prepared instance of a workload: size and parameters fixed, inputs
 * built.  Buffers in[] and out[] are allocated with pb_buf_alloc (shared
 * anonymous memory, so forked workers of the shm executor see them with no
 * copy, and write output the parent sees); every other executor treats them
 * as ordinary memory.  parbench refuses a plugin buffer that is not shared.
 */
struct pb_job {
	const struct pb_workload *wl; /* the harness's descriptor (for a plugin: its copy of yours) */
	uint64_t size;      /* the user's -n (after defaults), as recorded in raw.csv */
	int size_from_user; /* 0: size is default_size/quick_size and prepare may replace it by a
			       parameter-specific default (sumsq form=array, primes method=trial) */
	uint64_t n_items;   /* the iteration space [0, n_items) tasks are cut from; set by prepare */
	int nparams;        /* every declared parameter, defaults filled in */
	struct pb_kv params[PB_MAX_PARAMS];
	uint8_t *in;        /* input buffer or NULL */
	size_t in_len;
	uint8_t *out;       /* output buffer or NULL */
	size_t out_len;
	void *state;        /* workload-private, set by prepare, freed by release */
	void *harness;      /* the harness's own per-job data: a workload never touches it */
};

struct pb_workload {
	const char *name;            /* a plugin's: [A-Za-z0-9_.-], up to 63 characters, not a built-in's */
	const char *description;
	const char *unit;            /* what one unit of size is: "samples", "pixels" */
	const struct pb_param_def *params; /* terminated by an entry with key NULL; NULL: none */
	uint64_t default_size;       /* make bench / no -n (required) */
	uint64_t quick_size;         /* --quick (a plugin's 0: default_size) */
	uint64_t full_size;          /* BENCH=full adds this size (a plugin's 0: default_size) */
	uint64_t max_size;           /* larger -n is bad input (a plugin's 0: no limit) */
	uint64_t default_tasks;      /* tasks when --tasks does not say (0: one task per item) */
	int extra;                   /* 1: not in the default set (-w all lists it; sleep) */

	/*
	 * Validate job->size and job->params, set n_items, build inputs and
	 * (data workloads) the reference output.  Runs in the parent, outside
	 * the timed region, possibly more than once per job (parbench prepares
	 * every job once to validate the command line before it writes
	 * anything), so it must give the same inputs each time.
	 * On bad input returns -1 with a one-line reason in err (no prefix,
	 * lowercase, no full stop) and leaves nothing allocated.
	 * A plugin's prepare is optional: without one, n_items = size.
	 */
	int (*prepare)(struct pb_job *job, char *err, size_t errlen);

	/*
	 * Compute items [begin, end) into *part (which the caller zeroed).  Reads
	 * input only through in and writes output only through out (both may be
	 * NULL-based views for workloads without buffers), and writes every byte
	 * of its out_span: the pool hands it an uninitialised private buffer.
	 * Must be thread-safe (job and job->state are shared, read-only) and
	 * must not allocate in the hot loop.  Required.
	 */
	void (*kernel)(const struct pb_job *job, uint64_t begin, uint64_t end,
		       struct pb_view in, struct pb_view out, struct pb_partial *part);

	/*
	 * Data workloads only (NULL otherwise): the input bytes the range reads
	 * (image bands include their halo rows) and the output bytes it writes.
	 * A span may have len 0 when a parameter leaves the workload without
	 * that buffer (sumsq form=index): then nothing is copied.  A plugin with
	 * job->in needs in_span, one with job->out needs out_span.
	 */
	void (*in_span)(const struct pb_job *job, uint64_t begin, uint64_t end, struct pb_span *sp);
	void (*out_span)(const struct pb_job *job, uint64_t begin, uint64_t end, struct pb_span *sp);

	/*
	 * Check the combined total (and job->out).  Returns 0 if verified, -1
	 * with a one-line reason in msg otherwise.  Runs outside the timed region.
	 * Optional for a plugin: without it, the harness checks consistency.
	 */
	int (*verify)(const struct pb_job *job, const struct pb_partial *total, char *msg, size_t len);

	/*
	 * The result as text for raw.csv's result column (pi estimate, count...).
	 * Optional for a plugin: without it, the decimal value of total->sum.
	 */
	void (*format_result)(const struct pb_job *job, const struct pb_partial *total, char *buf, size_t len);

	/*
	 * Optional (NULL if none): after the last repetition of a case, with a
	 * verified output in job->out, write what the user asked for (image
	 * output=FILE), atomically (temporary file, then rename).  prepare
	 * must already have rejected an unwritable destination.  0 or -1 + err.
	 */
	int (*finish)(const struct pb_job *job, char *err, size_t errlen);

	/* Free everything prepare made.  Safe on a job whose prepare failed.  Optional for a plugin. */
	void (*release)(struct pb_job *job);
};

/*
 * What a plugin exports: one object named pb_plugin, which PB_PLUGIN defines.
 * magic tells a parbench plugin from an unrelated symbol of that name; abi
 * and the two sizes are the header the plugin was compiled with.
 */
#define PB_PLUGIN_MAGIC 0x70626e63u /* "pbnc" */
#define PB_PLUGIN_SYMBOL "pb_plugin"

struct pb_plugin {
	uint32_t magic;         /* PB_PLUGIN_MAGIC */
	uint32_t abi;           /* PB_WORKLOAD_ABI */
	uint32_t workload_size; /* sizeof(struct pb_workload) */
	uint32_t job_size;      /* sizeof(struct pb_job) */
	const struct pb_workload *workload;
};

/* Exported even from a plugin compiled with -fvisibility=hidden, and kept by the linker. */
#if defined(__GNUC__) || defined(__clang__)
#define PB_PLUGIN_VISIBLE __attribute__((visibility("default")))
#define PB_PLUGIN_USED __attribute__((used))
#else
#define PB_PLUGIN_VISIBLE
#define PB_PLUGIN_USED
#endif

/* Export descriptor (a struct pb_workload object) as this shared object's plugin. */
#define PB_PLUGIN(descriptor)                                                                   \
	PB_PLUGIN_VISIBLE extern const struct pb_plugin pb_plugin;                              \
	PB_PLUGIN_VISIBLE PB_PLUGIN_USED const struct pb_plugin pb_plugin = {                                  \
		PB_PLUGIN_MAGIC, PB_WORKLOAD_ABI, (uint32_t)sizeof(struct pb_workload),         \
		(uint32_t)sizeof(struct pb_job), &(descriptor)                                  \
	}

/* ---- helpers ---- */

/*
 * Shared memory (a memfd mapped MAP_SHARED), zero-filled; NULL on failure or
 * for len 0.  Forked workers see it with no copy, and a process that is not
 * a fork child (the mpi variant's coordinator rank) maps the same pages.
 * These two are not inline: the parbench executable that loads a plugin
 * provides them (it exports exactly these), so that parbench knows every
 * workload buffer; a plugin has them as undefined symbols, which `cc -shared`
 * allows and dlopen resolves.
 */
uint8_t *pb_buf_alloc(size_t len);
void pb_buf_free(uint8_t *p, size_t len);

/* The value of parameter key (defaults are filled in by the harness), or NULL. */
static inline const char *pb_job_param(const struct pb_job *job, const char *key)
{
	for (int i = 0; i < job->nparams; i++)
		if (strcmp(job->params[i].key, key) == 0)
			return job->params[i].val;
	return NULL;
}

/*
 * Parse a parameter as a number.  Return 0, or -1 with "parameter 'key':
 * <why>" in err.  pb_param_u64 accepts decimal integers in [lo, hi],
 * pb_param_double finite values in [lo, hi].
 */
static inline int pb_param_u64(const struct pb_job *job, const char *key, uint64_t lo, uint64_t hi,
			       uint64_t *out, char *err, size_t errlen)
{
	const char *v = pb_job_param(job, key);
	char *end;
	if (!v || !*v) {
		snprintf(err, errlen, "parameter '%s': missing value", key);
		return -1;
	}
	if (*v == '-' || *v == '+') {
		snprintf(err, errlen, "parameter '%s': '%s' is not a non-negative integer", key, v);
		return -1;
	}
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (*end || end == v) {
		snprintf(err, errlen, "parameter '%s': '%s' is not a non-negative integer", key, v);
		return -1;
	}
	if (errno == ERANGE || x < lo || x > hi) {
		snprintf(err, errlen, "parameter '%s': %s is out of range [%llu, %llu]", key, v,
			 (unsigned long long)lo, (unsigned long long)hi);
		return -1;
	}
	*out = x;
	return 0;
}

static inline int pb_param_double(const struct pb_job *job, const char *key, double lo, double hi,
				  double *out, char *err, size_t errlen)
{
	const char *v = pb_job_param(job, key);
	char *end;
	if (!v || !*v) {
		snprintf(err, errlen, "parameter '%s': missing value", key);
		return -1;
	}
	errno = 0;
	double x = strtod(v, &end);
	if (*end || end == v || !isfinite(x)) {
		snprintf(err, errlen, "parameter '%s': '%s' is not a number", key, v);
		return -1;
	}
	if (x < lo || x > hi) {
		snprintf(err, errlen, "parameter '%s': %s is out of range [%g, %g]", key, v, lo, hi);
		return -1;
	}
	*out = x;
	return 0;
}

/* Decimal text of a 128-bit unsigned value. */
static inline void pb_u128_str(pb_u128 v, char *buf, size_t len)
{
	char tmp[48];
	int i = (int)sizeof tmp - 1;
	tmp[i] = '\0';
	do {
		tmp[--i] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v && i > 0);
	snprintf(buf, len, "%s", tmp + i);
}

#ifdef __cplusplus
}
#endif

#endif
