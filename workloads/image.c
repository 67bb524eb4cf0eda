/* image.c: per-pixel image operations (grayscale, invert, brightness, 3x3 blur) over bands of rows. */
#include "workload.h"
#include "imageio.h"

#include <endian.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The exact definitions, in integers, used by the kernel, the reference and
 * the tests alike (c is one 8-bit channel, r g b one pixel):
 *   grayscale   y = (19595 r + 38470 g + 7471 b) >> 16, written to r, g and b.
 *               The weights are 0.299, 0.587, 0.114 in units of 1/65536,
 *               rounded so they sum to 65536 (white stays 255).  On the
 *               4096x4096 synthetic image this differs from the tutorials'
 *               float formula int(0.299 r + 0.587 g + 0.114 b) on
 *               9127 of 16777216 pixels (0.054%), each by exactly 1
 *               (counted by tests/test_image.c).
 *   invert      c' = 255 - c.
 *   brightness  c' = min(255, (c * F) >> 16) with F = floor(f * 65536 + 0.5),
 *               i.e. f rounded once to a multiple of 1/65536 (1.5 is exact);
 *               f is in [0, 255], so c * F fits 32 bits.
 *   blur        3x3 box filter per channel, pixels outside the image replaced
 *               by the nearest edge pixel: c' = (sum of the 9 + 4) / 9.
 */
#define IMG_MAX_PIXELS (1ull << 28) /* 16384 x 16384: 805 MB per buffer */
#define IMG_MAX_SIDE (1u << 20)

enum img_op { OP_GRAY, OP_INVERT, OP_BRIGHT, OP_BLUR };

struct img_state {
	enum img_op op;
	int column_order;    /* order=column: the tutorial's x-outer, y-inner walk */
	uint32_t width, height;
	size_t row_bytes;    /* width * 3 */
	uint32_t factor_fx;  /* brightness F, in 1/65536 */
	uint8_t *ref;        /* reference output (malloc), built by prepare */
};

static const struct pb_param_def image_params[] = {
	{ "op", "grayscale", "grayscale|invert|brightness|blur", "operation applied to every pixel" },
	{ "factor", "1.5", NULL, "brightness factor f in [0, 255]: c' = min(255, floor(c * f)), f in 1/65536 units" },
	{ "width", "", NULL, "image width in pixels, with height (default: a square of size pixels)" },
	{ "height", "", NULL, "image height in pixels, with width" },
	{ "input", "", NULL, "read this PNG or PPM (P6) instead of the synthetic image; size is its pixel count" },
	{ "output", "", NULL, "write the result to this .png or .ppm file after the case" },
	{ "order", "row", "row|column", "pixel walk within a band: row-major, or column by column (the tutorial's)" },
	{ NULL, NULL, NULL, NULL },
};

/* ---- the kernel's row loops: contiguous runs, written so gcc/clang vectorise them ---- */

/*
 * Grayscale over npx pixels.  restrict: input and output never overlap
 * (separate buffers, or separate private copies).
 */
#if defined(__AVX512VBMI__) && defined(__AVX512BW__)
/*
 * With AVX-512 VBMI (vpermb), 16 pixels (48 bytes) per step: one byte
 * shuffle splits r, g and b into three 16-byte lanes, 32-bit multiplies
 * apply the exact weights, and a second shuffle writes each gray byte three
 * times.  gcc's own vectorisation of the stride-3 loop below ran at about
 * half this speed in cache.  Masked loads and stores handle the last
 * partial step without touching bytes outside the band.
 */
#include <immintrin.h>

static const uint8_t gray_split_idx[64] = {
	0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39, 42, 45, /* lane 0: r of pixels 0..15 */
	1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31, 34, 37, 40, 43, 46, /* lane 1: g */
	2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 32, 35, 38, 41, 44, 47, /* lane 2: b */
};

static const uint8_t gray_triple_idx[64] = {
	0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 7,
	8, 8, 8, 9, 9, 9, 10, 10, 10, 11, 11, 11, 12, 12, 12, 13, 13, 13, 14, 14, 14, 15, 15, 15,
};

static inline void gray16(uint8_t *d, const uint8_t *s, __mmask64 m, __m512i split, __m512i triple)
{
	__m512i v = _mm512_maskz_loadu_epi8(m, s);
	__m512i p = _mm512_permutexvar_epi8(split, v);
	__m512i r = _mm512_cvtepu8_epi32(_mm512_castsi512_si128(p));
	__m512i g = _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(p, 1));
	__m512i b = _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(p, 2));
	__m512i y = _mm512_add_epi32(_mm512_mullo_epi32(r, _mm512_set1_epi32(19595)),
				     _mm512_mullo_epi32(g, _mm512_set1_epi32(38470)));
	y = _mm512_srli_epi32(_mm512_add_epi32(y, _mm512_mullo_epi32(b, _mm512_set1_epi32(7471))), 16);
	__m512i o = _mm512_permutexvar_epi8(triple, _mm512_castsi128_si512(_mm512_cvtepi32_epi8(y)));
	_mm512_mask_storeu_epi8(d, m, o);
}

static void gray_run(uint8_t *restrict d, const uint8_t *restrict s, size_t npx)
{
	const __m512i split = _mm512_loadu_si512(gray_split_idx);
	const __m512i triple = _mm512_loadu_si512(gray_triple_idx);
	size_t i = 0;
	for (; i + 16 <= npx; i += 16)
		gray16(d + 3 * i, s + 3 * i, (__mmask64)((1ull << 48) - 1), split, triple);
	if (i < npx)
		gray16(d + 3 * i, s + 3 * i, (__mmask64)((1ull << (3 * (npx - i))) - 1), split, triple);
}
#else
/* Portable form; gcc -O3 vectorises the stride-3 loads and stores with shuffles. */
static void gray_run(uint8_t *restrict d, const uint8_t *restrict s, size_t npx)
{
	for (size_t i = 0; i < npx; i++) {
		uint32_t y = (19595u * s[3 * i] + 38470u * s[3 * i + 1] + 7471u * s[3 * i + 2]) >> 16;
		d[3 * i] = (uint8_t)y;
		d[3 * i + 1] = (uint8_t)y;
		d[3 * i + 2] = (uint8_t)y;
	}
}
#endif

/* Invert and brightness treat every byte alike, so a band is one flat byte loop. */
static void invert_run(uint8_t *restrict d, const uint8_t *restrict s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = (uint8_t)(255 - s[i]);
}

static void bright_run(uint8_t *restrict d, const uint8_t *restrict s, size_t n, uint32_t f)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t v = (s[i] * f) >> 16;
		d[i] = (uint8_t)(v < 255 ? v : 255);
	}
}

/* One blurred channel value from its 3x3 neighbourhood: bytes il, i, ir of rows a, b, c. */
static inline uint8_t blur_at(const uint8_t *a, const uint8_t *b, const uint8_t *c, size_t il, size_t i, size_t ir)
{
	unsigned s = a[il] + a[i] + a[ir] + b[il] + b[i] + b[ir] + c[il] + c[i] + c[ir];
	return (uint8_t)((s + 4) / 9);
}

/*
 * One blurred row of w pixels from rows a (above), b, c (below), already
 * clamped at the image edges.  The interior is a flat loop over bytes whose
 * left and right neighbours are 3 bytes away; 16-bit sums (at most 2299)
 * keep it vectorisable, and the division by a constant 9 becomes a multiply.
 */
static void blur_row(uint8_t *restrict d, const uint8_t *a, const uint8_t *b, const uint8_t *c, uint32_t w)
{
	size_t rb = (size_t)w * 3;
	if (w == 1) {
		for (size_t i = 0; i < 3; i++)
			d[i] = blur_at(a, b, c, i, i, i);
		return;
	}
	for (size_t i = 0; i < 3; i++) {
		d[i] = blur_at(a, b, c, i, i, i + 3);
		d[rb - 3 + i] = blur_at(a, b, c, rb - 6 + i, rb - 3 + i, rb - 3 + i);
	}
	for (size_t i = 3; i < rb - 3; i++) {
		uint16_t s = (uint16_t)(a[i - 3] + a[i] + a[i + 3] + b[i - 3] + b[i] + b[i + 3] + c[i - 3] + c[i] + c[i + 3]);
		d[i] = (uint8_t)((uint16_t)(s + 4) / 9);
	}
}

/* ---- per-pixel forms, for order=column ---- */

static inline void pixel_op(const struct img_state *st, uint8_t *d, const uint8_t *s)
{
	switch (st->op) {
	case OP_GRAY: {
		uint8_t y = (uint8_t)((19595u * s[0] + 38470u * s[1] + 7471u * s[2]) >> 16);
		d[0] = d[1] = d[2] = y;
		break;
	}
	case OP_INVERT:
		for (int k = 0; k < 3; k++)
			d[k] = (uint8_t)(255 - s[k]);
		break;
	case OP_BRIGHT:
		for (int k = 0; k < 3; k++) {
			uint32_t v = (s[k] * st->factor_fx) >> 16;
			d[k] = (uint8_t)(v < 255 ? v : 255);
		}
		break;
	case OP_BLUR:
		break; /* handled by the caller, which needs the neighbouring rows */
	}
}

/* The bytes of row y in a view (the view holds the row: the spans guarantee it). */
static inline const uint8_t *row_in(const struct img_state *st, struct pb_view v, uint64_t y)
{
	return v.base + ((size_t)y * st->row_bytes - v.off);
}

static inline uint8_t *row_out(const struct img_state *st, struct pb_view v, uint64_t y)
{
	return v.base + ((size_t)y * st->row_bytes - v.off);
}

/* The rows above and below y, replicated at the image edges. */
static inline uint64_t row_up(uint64_t y)
{
	return y ? y - 1 : 0;
}

static inline uint64_t row_down(const struct img_state *st, uint64_t y)
{
	return y + 1 < st->height ? y + 1 : y;
}

static void kernel_column(const struct img_state *st, uint64_t begin, uint64_t end, struct pb_view in,
			  struct pb_view out)
{
	for (uint32_t x = 0; x < st->width; x++) {
		size_t i = (size_t)x * 3;
		size_t il = x ? i - 3 : i, ir = x + 1 < st->width ? i + 3 : i;
		for (uint64_t y = begin; y < end; y++) {
			uint8_t *d = row_out(st, out, y);
			if (st->op == OP_BLUR) {
				const uint8_t *a = row_in(st, in, row_up(y)), *b = row_in(st, in, y);
				const uint8_t *c = row_in(st, in, row_down(st, y));
				for (int k = 0; k < 3; k++)
					d[i + k] = blur_at(a, b, c, il + k, i + k, ir + k);
			} else {
				pixel_op(st, d + i, row_in(st, in, y) + i);
			}
		}
	}
}

static void image_kernel(const struct pb_job *job, uint64_t begin, uint64_t end, struct pb_view in,
			 struct pb_view out, struct pb_partial *part)
{
	const struct img_state *st = job->state;
	size_t rows = (size_t)(end - begin);
	part->items += end - begin;
	if (st->column_order) {
		kernel_column(st, begin, end, in, out);
		return;
	}
	/* a band of whole rows is contiguous in both buffers: one run per band */
	const uint8_t *s = row_in(st, in, begin);
	uint8_t *d = row_out(st, out, begin);
	switch (st->op) {
	case OP_GRAY:
		gray_run(d, s, rows * st->width);
		break;
	case OP_INVERT:
		invert_run(d, s, rows * st->row_bytes);
		break;
	case OP_BRIGHT:
		bright_run(d, s, rows * st->row_bytes, st->factor_fx);
		break;
	case OP_BLUR:
		for (uint64_t y = begin; y < end; y++)
			blur_row(row_out(st, out, y), row_in(st, in, row_up(y)), row_in(st, in, y),
				 row_in(st, in, row_down(st, y)), st->width);
		break;
	}
}

static void image_in_span(const struct pb_job *job, uint64_t begin, uint64_t end, struct pb_span *sp)
{
	const struct img_state *st = job->state;
	if (st->op == OP_BLUR) {
		begin = row_up(begin);
		end = end < st->height ? end + 1 : end;
	}
	sp->off = (size_t)begin * st->row_bytes;
	sp->len = (size_t)(end - begin) * st->row_bytes;
}

static void image_out_span(const struct pb_job *job, uint64_t begin, uint64_t end, struct pb_span *sp)
{
	const struct img_state *st = job->state;
	sp->off = (size_t)begin * st->row_bytes;
	sp->len = (size_t)(end - begin) * st->row_bytes;
}

/* ---- the reference: a separate, plain per-pixel loop over the whole image ---- */

static uint8_t ref_channel(const struct img_state *st, const uint8_t *img, uint32_t x, uint32_t y, int k)
{
	const uint8_t *p = img + (size_t)y * st->row_bytes + (size_t)x * 3;
	switch (st->op) {
	case OP_GRAY:
		return (uint8_t)((19595u * p[0] + 38470u * p[1] + 7471u * p[2]) >> 16);
	case OP_INVERT:
		return (uint8_t)(255 - p[k]);
	case OP_BRIGHT: {
		uint64_t v = ((uint64_t)p[k] * st->factor_fx) >> 16;
		return (uint8_t)(v > 255 ? 255 : v);
	}
	case OP_BLUR: {
		unsigned sum = 0;
		for (int dy = -1; dy <= 1; dy++) {
			for (int dx = -1; dx <= 1; dx++) {
				int64_t yy = (int64_t)y + dy, xx = (int64_t)x + dx;
				yy = yy < 0 ? 0 : yy >= st->height ? st->height - 1 : yy;
				xx = xx < 0 ? 0 : xx >= st->width ? st->width - 1 : xx;
				sum += img[(size_t)yy * st->row_bytes + (size_t)xx * 3 + (size_t)k];
			}
		}
		return (uint8_t)((sum + 4) / 9);
	}
	}
	return 0;
}

static void reference(const struct img_state *st, const uint8_t *in, uint8_t *out)
{
	for (uint32_t y = 0; y < st->height; y++)
		for (uint32_t x = 0; x < st->width; x++)
			for (int k = 0; k < 3; k++)
				out[(size_t)y * st->row_bytes + (size_t)x * 3 + (size_t)k] = ref_channel(st, in, x, y, k);
}

/* ---- the synthetic input ---- */

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint8_t clamp8(int v)
{
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/*
 * A deterministic test card: a horizontal red ramp, a vertical green ramp, a
 * diagonal blue ramp, plus noise in [-48, 47] hashed from the pixel index,
 * clamped, so every value 0..255 occurs (clamping and edges get exercised).
 */
static void synth(uint8_t *p, uint32_t w, uint32_t h)
{
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			uint64_t n = mix64((uint64_t)y * w + x);
			uint8_t *q = p + ((size_t)y * w + x) * 3;
			q[0] = clamp8((int)((uint64_t)x * 256 / w) + (int)(n & 0x5f) - 48);
			q[1] = clamp8((int)((uint64_t)y * 256 / h) + (int)((n >> 8) & 0x5f) - 48);
			q[2] = clamp8((int)(((uint64_t)x + y) * 256 / ((uint64_t)w + h)) + (int)((n >> 16) & 0x5f) - 48);
		}
	}
}

/* ---- the contract ---- */

static void image_release(struct pb_job *job)
{
	struct img_state *st = job->state;
	pb_buf_free(job->in, job->in_len);
	pb_buf_free(job->out, job->out_len);
	job->in = job->out = NULL;
	job->in_len = job->out_len = 0;
	if (st) {
		free(st->ref);
		free(st);
	}
	job->state = NULL;
}

static uint64_t isqrt64(uint64_t n)
{
	uint64_t r = (uint64_t)sqrt((double)n);
	while (r * r > n)
		r--;
	while ((r + 1) * (r + 1) <= n)
		r++;
	return r;
}

/* The image's dimensions from size, width= and height= (no input=); 0 or -1 + err. */
static int pick_dims(struct pb_job *job, uint32_t *w, uint32_t *h, char *err, size_t errlen)
{
	const char *ws = pb_job_param(job, "width"), *hs = pb_job_param(job, "height");
	int have_w = ws && *ws, have_h = hs && *hs;
	if (have_w != have_h) {
		snprintf(err, errlen, "parameters 'width' and 'height' must be given together");
		return -1;
	}
	if (have_w) {
		uint64_t wv, hv;
		if (pb_param_u64(job, "width", 1, IMG_MAX_SIDE, &wv, err, errlen) ||
		    pb_param_u64(job, "height", 1, IMG_MAX_SIDE, &hv, err, errlen))
			return -1;
		if (wv * hv > IMG_MAX_PIXELS) {
			snprintf(err, errlen, "image %llux%llu has more than %llu pixels", (unsigned long long)wv,
				 (unsigned long long)hv, IMG_MAX_PIXELS);
			return -1;
		}
		if (job->size_from_user && job->size != wv * hv) {
			snprintf(err, errlen, "size %llu does not match width x height = %llu (give one or the other)",
				 (unsigned long long)job->size, (unsigned long long)(wv * hv));
			return -1;
		}
		*w = (uint32_t)wv;
		*h = (uint32_t)hv;
		return 0;
	}
	uint64_t side = isqrt64(job->size);
	if (job->size == 0 || side * side != job->size) {
		snprintf(err, errlen, "size %llu is not a perfect square: give width= and height= for other shapes",
			 (unsigned long long)job->size);
		return -1;
	}
	if (side > IMG_MAX_SIDE || job->size > IMG_MAX_PIXELS) {
		snprintf(err, errlen, "size %llu is more than %llu pixels", (unsigned long long)job->size,
			 IMG_MAX_PIXELS);
		return -1;
	}
	*w = *h = (uint32_t)side;
	return 0;
}

static int image_prepare(struct pb_job *job, char *err, size_t errlen)
{
	const char *op = pb_job_param(job, "op"), *order = pb_job_param(job, "order");
	const char *input = pb_job_param(job, "input"), *output = pb_job_param(job, "output");
	struct img_state *st = calloc(1, sizeof *st);
	double f;
	job->state = st;
	job->in = job->out = NULL;
	job->in_len = job->out_len = 0;
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (!op || strcmp(op, "grayscale") == 0)
		st->op = OP_GRAY;
	else if (strcmp(op, "invert") == 0)
		st->op = OP_INVERT;
	else if (strcmp(op, "brightness") == 0)
		st->op = OP_BRIGHT;
	else if (strcmp(op, "blur") == 0)
		st->op = OP_BLUR;
	else {
		snprintf(err, errlen, "parameter 'op': unknown operation '%s'", op);
		goto fail;
	}
	if (order && strcmp(order, "column") == 0)
		st->column_order = 1;
	else if (order && *order && strcmp(order, "row") != 0) {
		snprintf(err, errlen, "parameter 'order': '%s' is not row or column", order);
		goto fail;
	}
	if (pb_param_double(job, "factor", 0, 255, &f, err, errlen))
		goto fail;
	st->factor_fx = (uint32_t)floor(f * 65536.0 + 0.5); /* f * 65536 is exact in a double */
	if (output && *output && imgio_check_writable(output, err, errlen))
		goto fail;

	if (input && *input) {
		const char *ws = pb_job_param(job, "width"), *hs = pb_job_param(job, "height");
		struct imgio_image img;
		if ((ws && *ws) || (hs && *hs)) {
			snprintf(err, errlen, "parameter 'input' cannot be combined with width or height");
			goto fail;
		}
		if (job->size_from_user) {
			snprintf(err, errlen, "parameter 'input' sets the size: drop -n/--size");
			goto fail;
		}
		if (imgio_read(input, IMG_MAX_PIXELS, pb_buf_alloc, pb_buf_free, &img, err, errlen))
			goto fail;
		job->in = img.rgb;
		job->in_len = img.len;
		st->width = img.width;
		st->height = img.height;
	} else {
		if (pick_dims(job, &st->width, &st->height, err, errlen))
			goto fail;
		job->in_len = (size_t)st->width * st->height * 3;
		job->in = pb_buf_alloc(job->in_len);
		if (!job->in) {
			job->in_len = 0;
			snprintf(err, errlen, "cannot allocate %ux%u input image", st->width, st->height);
			goto fail;
		}
		synth(job->in, st->width, st->height);
	}
	st->row_bytes = (size_t)st->width * 3;
	job->size = (uint64_t)st->width * st->height;
	job->n_items = st->height;
	job->out_len = job->in_len;
	job->out = pb_buf_alloc(job->out_len);
	st->ref = malloc(job->in_len);
	if (!job->out || !st->ref) {
		if (!job->out)
			job->out_len = 0;
		snprintf(err, errlen, "cannot allocate %ux%u output images", st->width, st->height);
		goto fail;
	}
	reference(st, job->in, st->ref);
	return 0;
fail:
	image_release(job);
	return -1;
}

static int image_verify(const struct pb_job *job, const struct pb_partial *total, char *msg, size_t len)
{
	const struct img_state *st = job->state;
	if (total->items != st->height) {
		snprintf(msg, len, "processed %llu rows, expected %u", (unsigned long long)total->items, st->height);
		return -1;
	}
	if (memcmp(job->out, st->ref, job->out_len) == 0)
		return 0;
	size_t i = 0;
	while (job->out[i] == st->ref[i])
		i++;
	size_t px = i / 3;
	snprintf(msg, len, "pixel (%zu, %zu) channel %zu is %u, expected %u", px % st->width, px / st->width,
		 i % 3, job->out[i], st->ref[i]);
	return -1;
}

/*
 * A 64-bit FNV-1a hash of the output, as 16 hex digits.  It is fed 64-bit
 * little-endian words (the last one zero-padded) rather than bytes: the
 * multiply chain is the cost, and words make it 8x shorter.
 */
static void image_format_result(const struct pb_job *job, const struct pb_partial *total, char *buf, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	(void)total;
	size_t i = 0;
	for (; i + 8 <= job->out_len; i += 8) {
		uint64_t w;
		memcpy(&w, job->out + i, 8);
		h ^= le64toh(w);
		h *= 0x100000001b3ull;
	}
	if (i < job->out_len) {
		uint64_t w = 0;
		for (size_t k = 0; i + k < job->out_len; k++)
			w |= (uint64_t)job->out[i + k] << (8 * k);
		h ^= w;
		h *= 0x100000001b3ull;
	}
	snprintf(buf, len, "%016llx", (unsigned long long)h);
}

static int image_finish(const struct pb_job *job, char *err, size_t errlen)
{
	const struct img_state *st = job->state;
	const char *output = pb_job_param(job, "output");
	if (!output || !*output)
		return 0;
	return imgio_write(output, job->out, st->width, st->height, err, errlen);
}

const struct pb_workload pb_wl_image = {
	.name = "image",
	.description = "grayscale, invert, brightness or 3x3 blur of an RGB image, in bands of rows",
	.unit = "pixels",
	.params = image_params,
	.default_size = 4096ull * 4096,
	.quick_size = 2048ull * 2048,
	.full_size = 8192ull * 8192,
	.max_size = IMG_MAX_PIXELS,
	.default_tasks = 64,
	.prepare = image_prepare,
	.kernel = image_kernel,
	.in_span = image_in_span,
	.out_span = image_out_span,
	.verify = image_verify,
	.format_result = image_format_result,
	.finish = image_finish,
	.release = image_release,
};
