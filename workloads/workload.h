/* workload.h: the contract every parbench kernel implements (see DESIGN.md). */
#ifndef PB_WORKLOAD_H
#define PB_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

typedef unsigned __int128 pb_u128;

/*
 * A partial result: what a kernel returns for one range of items.  Every
 * field is combined by exact integer addition (mod 2^128 or 2^64), so every
 * decomposition, variant and worker count yields the bit-identical total.
 * Because all workloads combine the same way, combine is one shared function
 * (pb_partial_add) rather than a per-workload hook.
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
 * copy of exactly the bytes the range needs, received through a pipe.
 * A kernel addresses global offset x as base[x - off].
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

struct pb_param_def {
	const char *key;
	const char *def;     /* default, as text ("" = no default, e.g. input=) */
	const char *choices; /* "a|b|c", or NULL for a free value */
	const char *help;
};

#define PB_MAX_PARAMS 8
#define PB_PARAM_KEY_MAX 32
#define PB_PARAM_VAL_MAX 512

struct pb_kv {
	char key[PB_PARAM_KEY_MAX];
	char val[PB_PARAM_VAL_MAX];
};

/*
 * One prepared instance of a workload: size and parameters fixed, inputs
 * built.  Buffers in[] and out[] are allocated with pb_buf_alloc (shared
 * memory, so forked workers of the shm executor see them with no copy, and
 * the MPI coordinator maps them from their descriptors); every other
 * executor treats them as ordinary memory.
 */
struct pb_job {
	const struct pb_workload *wl;
	uint64_t size;      /* the user's -n (after defaults), as recorded in raw.csv */
	int size_from_user; /* 0: size is default_size/quick_size and prepare may replace it by a
			       parameter-specific default (sumsq form=array, primes method=trial) */
	uint64_t n_items;   /* the iteration space [0, n_items) tasks are cut from */
	int nparams;        /* every declared parameter, defaults filled in */
	struct pb_kv params[PB_MAX_PARAMS];
	uint8_t *in;        /* input buffer or NULL */
	size_t in_len;
	uint8_t *out;       /* output buffer or NULL */
	size_t out_len;
	void *state;        /* workload-private, set by prepare, freed by release */
};

struct pb_workload {
	const char *name;
	const char *description;
	const char *unit;            /* what one unit of size is: "samples", "pixels" */
	const struct pb_param_def *params; /* terminated by an entry with key NULL */
	uint64_t default_size;       /* make bench / no -n */
	uint64_t quick_size;         /* --quick */
	uint64_t full_size;          /* BENCH=full adds this size */
	uint64_t max_size;           /* larger -n is bad input */
	uint64_t default_tasks;      /* tasks when --tasks does not say (0: one task per item) */
	int extra;                   /* 1: not in the default set (-w all lists it; sleep) */

	/*
	 * Validate job->size and job->params, set n_items, build inputs and
	 * (data workloads) the reference output.  Runs outside the timed region.
	 * On bad input returns -1 with a one-line reason in err (no prefix,
	 * lowercase, no full stop) and leaves nothing allocated.
	 */
	int (*prepare)(struct pb_job *job, char *err, size_t errlen);

	/*
	 * Compute items [begin, end) into *part (which the caller zeroed).  Reads
	 * input only through in and writes output only through out (both may be
	 * NULL-based views for workloads without buffers), and writes every byte
	 * of its out_span: the pool hands it an uninitialised private buffer.
	 * Must be thread-safe and must not allocate in the hot loop.
	 */
	void (*kernel)(const struct pb_job *job, uint64_t begin, uint64_t end,
		       struct pb_view in, struct pb_view out, struct pb_partial *part);

	/*
	 * Data workloads only (NULL otherwise): the input bytes the range reads
	 * (image bands include their halo rows) and the output bytes it writes.
	 * A span may have len 0 when a parameter leaves the workload without
	 * that buffer (sumsq form=index): then nothing is copied.
	 */
	void (*in_span)(const struct pb_job *job, uint64_t begin, uint64_t end, struct pb_span *sp);
	void (*out_span)(const struct pb_job *job, uint64_t begin, uint64_t end, struct pb_span *sp);

	/*
	 * Check the combined total (and job->out).  Returns 0 if verified, -1
	 * with a one-line reason in msg otherwise.  Runs outside the timed region.
	 */
	int (*verify)(const struct pb_job *job, const struct pb_partial *total, char *msg, size_t len);

	/* The result as text for raw.csv's result column (pi estimate, count...). */
	void (*format_result)(const struct pb_job *job, const struct pb_partial *total, char *buf, size_t len);

	/*
	 * Optional (NULL if none): after the last repetition of a case, with a
	 * verified output in job->out, write what the user asked for (image
	 * output=FILE), atomically (temporary file, then rename).  prepare
	 * must already have rejected an unwritable destination.  0 or -1 + err.
	 */
	int (*finish)(const struct pb_job *job, char *err, size_t errlen);

	/* Free everything prepare made.  Safe on a job whose prepare failed. */
	void (*release)(struct pb_job *job);
};

/* ---- shared helpers for workloads (workloads/wlutil.c) ---- */

/*
 * Shared memory (a memfd mapped MAP_SHARED), zero-filled; NULL on failure.
 * Forked workers see it with no copy; pb_buf_fd gives its descriptor (or -1)
 * so that another process can map the same pages.
 */
uint8_t *pb_buf_alloc(size_t len);
void pb_buf_free(uint8_t *p, size_t len);
int pb_buf_fd(const uint8_t *p);

/* The value of parameter key (defaults are filled in by the harness), or NULL. */
const char *pb_job_param(const struct pb_job *job, const char *key);

/*
 * Parse a parameter as a number.  Return 0, or -1 with "parameter 'key':
 * <why>" in err.  pb_param_double accepts finite values in [lo, hi].
 */
int pb_param_u64(const struct pb_job *job, const char *key, uint64_t lo, uint64_t hi,
		 uint64_t *out, char *err, size_t errlen);
int pb_param_double(const struct pb_job *job, const char *key, double lo, double hi,
		    double *out, char *err, size_t errlen);

/* Decimal text of a 128-bit unsigned value. */
void pb_u128_str(pb_u128 v, char *buf, size_t len);

/* The registry (workloads/registry.c). */
extern const struct pb_workload *const pb_workloads[]; /* NULL-terminated */
const struct pb_workload *pb_workload_find(const char *name);

#endif
