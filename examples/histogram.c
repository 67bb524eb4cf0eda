/*
 * histogram.c: an example parbench plugin: a data kernel without a verify.
 *
 * The input is size bytes of deterministic, skewed pseudo-random data; an
 * item is a block of `block` KiB of it, and the kernel writes the block's
 * 256-bin histogram (uint32 counts) to the output at 1 KiB per block.  Its
 * in_span and out_span say exactly which bytes a range of blocks reads and
 * writes, so the pool ships them through its pipes and shm works in place.
 * The partial is a fingerprint of the histograms (sum over bins of count x
 * P^bin mod 2^128, which adds up like the counts do) and the number of
 * bytes counted.  There is no verify: parbench checks the total and the
 * output bytes against its own serial reference (check = consistency).
 *
 *   cc -O2 -shared -fPIC $(pkg-config --cflags parbench) histogram.c -o libhistogram.so
 *   parbench run -w ./libhistogram.so -p block=16
 */
#include <parbench/workload.h>

#define BINS 256
#define OUT_PER_BLOCK (BINS * sizeof(uint32_t))

struct histogram {
	size_t block;     /* bytes per item */
	pb_u128 pw[BINS]; /* P^bin mod 2^128: the fingerprint's weights */
};

static const struct pb_param_def histogram_params[] = {
	{ "block", "64", NULL, "KiB of input per item (its histogram is 1 KiB of output)" },
	{ NULL, NULL, NULL, NULL },
};

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int histogram_prepare(struct pb_job *job, char *err, size_t errlen)
{
	uint64_t kib;
	if (pb_param_u64(job, "block", 1, 1 << 20, &kib, err, errlen) != 0)
		return -1;
	struct histogram *h = calloc(1, sizeof *h);
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	h->block = (size_t)kib * 1024;
	pb_u128 p = ((pb_u128)0x9e3779b97f4a7c15ULL << 64) | 0xd1b54a32d192ed03ULL, w = 1;
	for (int b = 0; b < BINS; b++, w *= p)
		h->pw[b] = w;
	job->state = h;
	job->in_len = job->size;
	job->n_items = (job->size + h->block - 1) / h->block;
	job->out_len = job->n_items * OUT_PER_BLOCK;
	job->in = pb_buf_alloc(job->in_len);
	job->out = pb_buf_alloc(job->out_len);
	if (!job->in || !job->out) {
		snprintf(err, errlen, "cannot allocate %zu + %zu bytes", job->in_len, job->out_len);
		return -1; /* release frees what was made */
	}
	/* Skewed bytes keyed by position: the minimum of two uniform bytes favours small values. */
	for (size_t i = 0; i < job->in_len; i += 8) {
		uint64_t r = mix64(i / 8 + 1);
		for (size_t k = 0; k < 8 && i + k < job->in_len; k++) {
			uint8_t a = (uint8_t)(r >> (8 * k)), b = (uint8_t)(r >> (8 * ((k + 3) % 8)));
			job->in[i + k] = a < b ? a : b;
		}
	}
	return 0;
}

static void histogram_in_span(const struct pb_job *job, uint64_t begin, uint64_t end, struct pb_span *sp)
{
	const struct histogram *h = job->state;
	size_t lo = (size_t)begin * h->block, hi = (size_t)end * h->block;
	sp->off = lo;
	sp->len = (hi < job->in_len ? hi : job->in_len) - lo;
}

static void histogram_out_span(const struct pb_job *job, uint64_t begin, uint64_t end, struct pb_span *sp)
{
	(void)job;
	sp->off = (size_t)begin * OUT_PER_BLOCK;
	sp->len = (size_t)(end - begin) * OUT_PER_BLOCK;
}

static void histogram_kernel(const struct pb_job *job, uint64_t begin, uint64_t end, struct pb_view in,
			     struct pb_view out, struct pb_partial *part)
{
	const struct histogram *h = job->state;
	for (uint64_t blk = begin; blk < end; blk++) {
		size_t lo = (size_t)blk * h->block, hi = lo + h->block < job->in_len ? lo + h->block : job->in_len;
		const uint8_t *p = in.base + (lo - in.off);
		/* four sub-histograms, so that runs of equal bytes do not wait on one counter */
		uint32_t c[4][BINS];
		memset(c, 0, sizeof c);
		size_t n = hi - lo, i = 0;
		for (; i + 4 <= n; i += 4) {
			c[0][p[i]]++;
			c[1][p[i + 1]]++;
			c[2][p[i + 2]]++;
			c[3][p[i + 3]]++;
		}
		for (; i < n; i++)
			c[0][p[i]]++;
		uint32_t *o = (uint32_t *)(out.base + ((size_t)blk * OUT_PER_BLOCK - out.off));
		for (int b = 0; b < BINS; b++) {
			uint32_t k = c[0][b] + c[1][b] + c[2][b] + c[3][b];
			o[b] = k;
			part->sum += k * h->pw[b];
		}
		part->aux += n;
	}
	part->items = end - begin;
}

/* The most frequent byte of the whole input and its count, from the blocks' histograms. */
static void histogram_format(const struct pb_job *job, const struct pb_partial *total, char *buf, size_t len)
{
	uint64_t all[BINS] = { 0 };
	(void)total;
	const uint32_t *o = (const uint32_t *)job->out;
	for (uint64_t blk = 0; blk < job->n_items; blk++)
		for (int b = 0; b < BINS; b++)
			all[b] += o[blk * BINS + b];
	int mode = 0;
	for (int b = 1; b < BINS; b++)
		if (all[b] > all[mode])
			mode = b;
	snprintf(buf, len, "mode 0x%02x x %llu", mode, (unsigned long long)all[mode]);
}

static void histogram_release(struct pb_job *job)
{
	pb_buf_free(job->in, job->in_len);
	pb_buf_free(job->out, job->out_len);
	job->in = job->out = NULL;
	free(job->state);
	job->state = NULL;
}

static const struct pb_workload histogram = {
	.name = "histogram",
	.description = "byte histograms of blocks of a buffer (no verify: checked for consistency)",
	.unit = "bytes",
	.params = histogram_params,
	.default_size = 64 << 20,
	.quick_size = 8 << 20,
	.full_size = 256 << 20,
	.max_size = (uint64_t)1 << 36,
	.default_tasks = 64,
	.prepare = histogram_prepare,
	.kernel = histogram_kernel,
	.in_span = histogram_in_span,
	.out_span = histogram_out_span,
	.format_result = histogram_format,
	.release = histogram_release,
};

PB_PLUGIN(histogram);
