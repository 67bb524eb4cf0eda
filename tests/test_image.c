/* test_image.c: the image workload: operation definitions, band decomposition, file I/O, validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../workloads/imageio.h"
#include "../workloads/workload.h"

extern const struct pb_workload pb_wl_image;

static char tmpdir[] = "/tmp/pb-test-image.XXXXXX";

/* ---- helpers ---- */

/* A job as the harness makes it: every declared parameter with its default, then overrides "k=v". */
static void job_init(struct pb_job *job, uint64_t size, int from_user, const char *const *kv)
{
	memset(job, 0, sizeof *job);
	job->wl = &pb_wl_image;
	job->size = size ? size : pb_wl_image.default_size;
	job->size_from_user = from_user;
	for (const struct pb_param_def *p = pb_wl_image.params; p->key; p++) {
		struct pb_kv *e = &job->params[job->nparams++];
		snprintf(e->key, sizeof e->key, "%s", p->key);
		snprintf(e->val, sizeof e->val, "%s", p->def);
	}
	for (; kv && *kv; kv++) {
		const char *eq = strchr(*kv, '=');
		assert_non_null(eq);
		int found = 0;
		for (int i = 0; i < job->nparams; i++) {
			if (strlen(job->params[i].key) == (size_t)(eq - *kv) &&
			    strncmp(job->params[i].key, *kv, (size_t)(eq - *kv)) == 0) {
				snprintf(job->params[i].val, sizeof job->params[i].val, "%s", eq + 1);
				found = 1;
			}
		}
		assert_true(found);
	}
}

#define KV(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void prepare_ok(struct pb_job *job, uint64_t size, int from_user, const char *const *kv)
{
	char err[512] = "";
	job_init(job, size, from_user, kv);
	int rc = pb_wl_image.prepare(job, err, sizeof err);
	if (rc != 0)
		fail_msg("prepare failed: %s", err);
}

/* prepare must fail with one line (no newline, no full stop) containing want. */
static void prepare_fails(uint64_t size, int from_user, const char *const *kv, const char *want)
{
	struct pb_job job;
	char err[512] = "";
	job_init(&job, size, from_user, kv);
	int rc = pb_wl_image.prepare(&job, err, sizeof err);
	if (rc == 0)
		fail_msg("prepare succeeded, expected an error containing '%s'", want);
	if (!strstr(err, want))
		fail_msg("error '%s' does not contain '%s'", err, want);
	assert_null(strchr(err, '\n'));
	assert_true(strlen(err) > 0 && err[strlen(err) - 1] != '.');
	assert_null(job.in);
	assert_null(job.out);
	assert_null(job.state);
	pb_wl_image.release(&job); /* safe after a failed prepare */
}

static uint32_t job_width(const struct pb_job *job)
{
	return (uint32_t)(job->size / job->n_items);
}

/* Whole image, one task, whole-buffer views (serial). */
static struct pb_partial run_whole(struct pb_job *job)
{
	struct pb_partial p = { 0 };
	struct pb_view in = { job->in, 0, job->in_len }, out = { job->out, 0, job->out_len };
	memset(job->out, 0xa5, job->out_len);
	pb_wl_image.kernel(job, 0, job->n_items, in, out, &p);
	return p;
}

static void check_verifies(struct pb_job *job, const struct pb_partial *p)
{
	char msg[256] = "";
	if (pb_wl_image.verify(job, p, msg, sizeof msg) != 0)
		fail_msg("verify failed: %s", msg);
}

/* Split into ntasks bands as the harness does; private=1 copies each band's spans as a pool worker. */
static struct pb_partial run_bands(struct pb_job *job, uint64_t ntasks, int private)
{
	struct pb_partial total = { 0 };
	memset(job->out, 0xa5, job->out_len);
	for (uint64_t k = 0; k < ntasks; k++) {
		uint64_t b = job->n_items * k / ntasks, e = job->n_items * (k + 1) / ntasks;
		struct pb_partial p = { 0 };
		if (e == b)
			continue;
		if (!private) {
			struct pb_view in = { job->in, 0, job->in_len }, out = { job->out, 0, job->out_len };
			pb_wl_image.kernel(job, b, e, in, out, &p);
		} else {
			struct pb_span is, os;
			pb_wl_image.in_span(job, b, e, &is);
			pb_wl_image.out_span(job, b, e, &os);
			assert_true(is.off + is.len <= job->in_len);
			assert_true(os.off + os.len <= job->out_len);
			/* exact-size heap copies, so ASan catches any access outside the spans */
			uint8_t *ci = malloc(is.len), *co = malloc(os.len);
			assert_non_null(ci);
			assert_non_null(co);
			memcpy(ci, job->in + is.off, is.len);
			memset(co, 0x5a, os.len);
			pb_wl_image.kernel(job, b, e, (struct pb_view){ ci, is.off, is.len },
					   (struct pb_view){ co, os.off, os.len }, &p);
			memcpy(job->out + os.off, co, os.len);
			free(ci);
			free(co);
		}
		pb_partial_add(&total, &p);
	}
	return total;
}

static void path_in_tmp(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

/* ---- operation definitions ---- */

static void test_invert_twice_is_identity(void **state)
{
	(void)state;
	struct pb_job job;
	prepare_ok(&job, 64 * 48, 1, KV("op=invert", "width=64", "height=48"));
	struct pb_partial p = run_whole(&job);
	check_verifies(&job, &p);
	uint8_t *twice = malloc(job.out_len);
	assert_non_null(twice);
	struct pb_partial q = { 0 };
	pb_wl_image.kernel(&job, 0, job.n_items, (struct pb_view){ job.out, 0, job.out_len },
			   (struct pb_view){ twice, 0, job.out_len }, &q);
	assert_memory_equal(twice, job.in, job.in_len);
	assert_memory_not_equal(job.out, job.in, job.in_len);
	free(twice);
	pb_wl_image.release(&job);
}

static void test_grayscale_channels_equal_and_float_diff(void **state)
{
	(void)state;
	struct pb_job job;
	prepare_ok(&job, 0, 0, KV("op=grayscale")); /* the default 4096x4096 synthetic image */
	assert_int_equal(job.size, 4096u * 4096u);
	assert_int_equal(job.n_items, 4096);
	struct pb_partial p = run_whole(&job);
	check_verifies(&job, &p);
	uint64_t diff = 0, bigger = 0;
	for (size_t i = 0; i < job.out_len; i += 3) {
		const uint8_t *o = job.out + i, *s = job.in + i;
		assert_int_equal(o[0], o[1]);
		assert_int_equal(o[1], o[2]);
		int fl = (int)(0.299 * s[0] + 0.587 * s[1] + 0.114 * s[2]);
		int d = o[0] - fl;
		if (d)
			diff++;
		if (d > 1 || d < -1)
			bigger++;
	}
	print_message("grayscale: %llu of %llu pixels differ from int(0.299r+0.587g+0.114b)\n",
		      (unsigned long long)diff, (unsigned long long)(job.out_len / 3));
	assert_int_equal(bigger, 0);
	assert_int_equal(diff, 9127); /* documented in workloads/image.c */
	/* white stays white, black stays black */
	memset(job.in, 255, 3);
	memset(job.in + 3, 0, 3);
	struct pb_partial q = { 0 };
	pb_wl_image.kernel(&job, 0, 1, (struct pb_view){ job.in, 0, job.in_len },
			   (struct pb_view){ job.out, 0, job.out_len }, &q);
	assert_int_equal(job.out[0], 255);
	assert_int_equal(job.out[3], 0);
	pb_wl_image.release(&job);
}

/* Write a PPM whose pixels are (x, x, x) for x = 0..255, one row. */
static void write_ramp(const char *path)
{
	uint8_t px[256 * 3];
	char err[256];
	for (int x = 0; x < 256; x++)
		px[3 * x] = px[3 * x + 1] = px[3 * x + 2] = (uint8_t)x;
	if (imgio_write(path, px, 256, 1, err, sizeof err))
		fail_msg("%s", err);
}

static void test_brightness_clamped_and_monotone(void **state)
{
	(void)state;
	char path[512], in[600];
	path_in_tmp(path, sizeof path, "ramp.ppm");
	write_ramp(path);
	snprintf(in, sizeof in, "input=%s", path);
	static const char *const factors[] = { "0", "0.25", "0.5", "1", "1.1", "1.5", "2", "7.3", "255" };
	uint8_t prev[256] = { 0 };
	for (size_t fi = 0; fi < sizeof factors / sizeof *factors; fi++) {
		char fkv[64];
		snprintf(fkv, sizeof fkv, "factor=%s", factors[fi]);
		struct pb_job job;
		prepare_ok(&job, 0, 0, KV("op=brightness", fkv, in));
		assert_int_equal(job.size, 256);
		assert_int_equal(job.n_items, 1);
		struct pb_partial p = run_whole(&job);
		check_verifies(&job, &p);
		double f = strtod(factors[fi], NULL);
		for (int c = 0; c < 256; c++) {
			uint8_t v = job.out[3 * c];
			assert_int_equal(v, job.out[3 * c + 1]);
			if (c > 0)
				assert_true(v >= job.out[3 * (c - 1)]); /* monotone in c */
			assert_true(v >= prev[c]);                   /* monotone in f */
			prev[c] = v;
			/* clamped: 255 exactly when c * f >= 255 (these f are close to multiples of 1/65536) */
			if (c * f >= 256)
				assert_int_equal(v, 255);
			if (f == 0)
				assert_int_equal(v, 0);
			if (f == 1)
				assert_int_equal(v, c);
			if (f == 1.5)
				assert_int_equal(v, c * 3 / 2 > 255 ? 255 : c * 3 / 2);
		}
		pb_wl_image.release(&job);
	}
}

static void test_blur_constant_and_impulse(void **state)
{
	(void)state;
	char path[512], in[600], err[256];
	/* a constant image: blur changes nothing, at edges included */
	uint8_t img[7 * 5 * 3];
	for (size_t i = 0; i < sizeof img; i++)
		img[i] = (uint8_t)(i % 3 == 0 ? 200 : i % 3 == 1 ? 17 : 255);
	path_in_tmp(path, sizeof path, "const.ppm");
	assert_int_equal(imgio_write(path, img, 7, 5, err, sizeof err), 0);
	snprintf(in, sizeof in, "input=%s", path);
	struct pb_job job;
	prepare_ok(&job, 0, 0, KV("op=blur", in));
	struct pb_partial p = run_whole(&job);
	check_verifies(&job, &p);
	assert_memory_equal(job.out, img, sizeof img);
	pb_wl_image.release(&job);

	/* one bright pixel in the corner of a 4x3 black image: replicated edges weight it 4 times there */
	memset(img, 0, sizeof img);
	img[0] = 90;
	assert_int_equal(imgio_write(path, img, 4, 3, err, sizeof err), 0);
	prepare_ok(&job, 0, 0, KV("op=blur", in));
	p = run_whole(&job);
	check_verifies(&job, &p);
	assert_int_equal(job.out[0], (4 * 90 + 4) / 9); /* (0,0) sees it at 4 of its 9 taps */
	assert_int_equal(job.out[3], (2 * 90 + 4) / 9); /* (1,0) at 2: itself replicated upward */
	assert_int_equal(job.out[4 * 3], (2 * 90 + 4) / 9); /* (0,1) */
	assert_int_equal(job.out[4 * 3 + 3], (90 + 4) / 9); /* (1,1) */
	assert_int_equal(job.out[6], 0);                    /* (2,0) is out of reach */
	assert_int_equal(job.out[1], 0);                    /* other channels untouched */
	pb_wl_image.release(&job);
}

/* ---- decomposition: every split, in place and through private span copies ---- */

static void check_splits(const char *const *kv, uint64_t size)
{
	struct pb_job job;
	prepare_ok(&job, size, 1, kv);
	uint64_t splits[] = { 1, 2, 3, 7, 64, job.n_items / 2, job.n_items };
	for (size_t s = 0; s < sizeof splits / sizeof *splits; s++) {
		for (int priv = 0; priv <= 1; priv++) {
			uint64_t t = splits[s] ? splits[s] : 1;
			struct pb_partial p = run_bands(&job, t, priv);
			assert_int_equal(p.items, job.n_items);
			char msg[256] = "";
			if (pb_wl_image.verify(&job, &p, msg, sizeof msg) != 0)
				fail_msg("%s %s with %llu tasks (%s): %s", kv[0], kv[1] ? kv[1] : "",
					 (unsigned long long)t, priv ? "private copies" : "in place", msg);
		}
	}
	pb_wl_image.release(&job);
}

static void test_bands_match_reference(void **state)
{
	(void)state;
	static const char *const ops[] = { "op=grayscale", "op=invert", "op=brightness", "op=blur" };
	for (size_t i = 0; i < 4; i++) {
		for (int col = 0; col <= 1; col++) {
			const char *order = col ? "order=column" : "order=row";
			check_splits(KV(ops[i], order, "width=67", "height=41"), 67 * 41);
			check_splits(KV(ops[i], order, "width=1", "height=9"), 9);   /* one-pixel rows */
			check_splits(KV(ops[i], order, "width=33", "height=1"), 33); /* a single row */
			check_splits(KV(ops[i], order), 256 * 256);
		}
	}
}

static void test_blur_span_has_halo(void **state)
{
	(void)state;
	struct pb_job job;
	struct pb_span sp;
	prepare_ok(&job, 10 * 8, 1, KV("op=blur", "width=10", "height=8"));
	pb_wl_image.in_span(&job, 3, 5, &sp);
	assert_int_equal(sp.off, 2 * 30);
	assert_int_equal(sp.len, 4 * 30);
	pb_wl_image.in_span(&job, 0, 8, &sp); /* clamped at both edges */
	assert_int_equal(sp.off, 0);
	assert_int_equal(sp.len, 8 * 30);
	pb_wl_image.out_span(&job, 3, 5, &sp);
	assert_int_equal(sp.off, 3 * 30);
	assert_int_equal(sp.len, 2 * 30);
	pb_wl_image.release(&job);
	prepare_ok(&job, 10 * 8, 1, KV("op=invert", "width=10", "height=8"));
	pb_wl_image.in_span(&job, 3, 5, &sp); /* no halo for per-pixel operations */
	assert_int_equal(sp.off, 3 * 30);
	assert_int_equal(sp.len, 2 * 30);
	pb_wl_image.release(&job);
}

static void test_verify_catches_errors(void **state)
{
	(void)state;
	struct pb_job job;
	char msg[256];
	prepare_ok(&job, 16 * 16, 1, KV("op=blur"));
	struct pb_partial p = run_whole(&job);
	check_verifies(&job, &p);
	char r1[32], r2[32];
	pb_wl_image.format_result(&job, &p, r1, sizeof r1);
	assert_int_equal(strlen(r1), 16);
	job.out[5 * 48 + 7] ^= 1; /* pixel (2, 5) channel 1 */
	assert_int_equal(pb_wl_image.verify(&job, &p, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "pixel (2, 5) channel 1"));
	pb_wl_image.format_result(&job, &p, r2, sizeof r2);
	assert_string_not_equal(r1, r2);
	job.out[5 * 48 + 7] ^= 1;
	p.items--;
	assert_int_equal(pb_wl_image.verify(&job, &p, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "rows"));
	pb_wl_image.release(&job);
}

static void test_synthetic_is_deterministic_and_full_range(void **state)
{
	(void)state;
	struct pb_job a, b;
	prepare_ok(&a, 0, 0, KV("op=invert"));
	prepare_ok(&b, 0, 0, KV("op=blur"));
	assert_memory_equal(a.in, b.in, a.in_len);
	int seen[256] = { 0 };
	for (size_t i = 0; i < a.in_len; i++)
		seen[a.in[i]] = 1;
	for (int v = 0; v < 256; v++)
		assert_true(seen[v]);
	pb_wl_image.release(&a);
	pb_wl_image.release(&b);
}

/* ---- files ---- */

/* Write a PNG of any colour type and depth with libpng directly (what other programs produce). */
static void write_png_raw(const char *path, uint32_t w, uint32_t h, int color, int depth, const uint8_t *data,
			  size_t rowbytes, const png_color *pal, int npal)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png_create_info_struct(png);
	assert_non_null(info);
	if (setjmp(png_jmpbuf(png)))
		fail_msg("libpng failed writing %s", path);
	png_init_io(png, f);
	png_set_IHDR(png, info, w, h, depth, color, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
		     PNG_FILTER_TYPE_DEFAULT);
	if (pal)
		png_set_PLTE(png, info, pal, npal);
	png_write_info(png, info);
	if (depth == 16)
		png_set_swap(png); /* our test data is little-endian uint16 */
	for (uint32_t y = 0; y < h; y++)
		png_write_row(png, (png_bytep)(data + y * rowbytes));
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	fclose(f);
}

static uint8_t *heap_alloc(size_t n)
{
	return malloc(n);
}

static void heap_free(uint8_t *p, size_t n)
{
	(void)n;
	free(p);
}

static void read_expect(const char *path, uint32_t w, uint32_t h, const uint8_t *rgb)
{
	struct imgio_image img;
	char err[512];
	if (imgio_read(path, 1u << 20, heap_alloc, heap_free, &img, err, sizeof err))
		fail_msg("%s", err);
	assert_int_equal(img.width, w);
	assert_int_equal(img.height, h);
	assert_int_equal(img.len, (size_t)w * h * 3);
	assert_memory_equal(img.rgb, rgb, img.len);
	free(img.rgb);
}

static void test_roundtrip_png_ppm(void **state)
{
	(void)state;
	struct pb_job job;
	char err[512], path[512];
	prepare_ok(&job, 37 * 23, 1, KV("width=37", "height=23"));
	static const char *const names[] = { "rt.png", "rt.ppm", "RT.PNG" };
	for (int i = 0; i < 3; i++) {
		path_in_tmp(path, sizeof path, names[i]);
		if (imgio_write(path, job.in, 37, 23, err, sizeof err))
			fail_msg("%s", err);
		struct stat sb;
		assert_int_equal(stat(path, &sb), 0);
		mode_t mask = umask(0);
		umask(mask);
		assert_int_equal(sb.st_mode & 0777, 0666 & ~mask); /* not mkstemp's 0600 */
		read_expect(path, 37, 23, job.in);
	}
	pb_wl_image.release(&job);
}

static void test_png_conversions(void **state)
{
	(void)state;
	char path[512];
	uint8_t want[4 * 2 * 3];
	path_in_tmp(path, sizeof path, "conv.png");

	/* 8-bit gray */
	uint8_t gray[8] = { 0, 1, 127, 128, 200, 254, 255, 9 };
	for (int i = 0; i < 8; i++)
		want[3 * i] = want[3 * i + 1] = want[3 * i + 2] = gray[i];
	write_png_raw(path, 4, 2, PNG_COLOR_TYPE_GRAY, 8, gray, 4, NULL, 0);
	read_expect(path, 4, 2, want);

	/* 1-bit gray: 0 -> 0, 1 -> 255 */
	uint8_t bits[2] = { 0xa0, 0x50 }; /* 1010 / 0101 */
	for (int i = 0; i < 8; i++) {
		int v = (i < 4 ? (0xa >> (3 - i)) : (0x5 >> (7 - i))) & 1;
		want[3 * i] = want[3 * i + 1] = want[3 * i + 2] = (uint8_t)(v * 255);
	}
	write_png_raw(path, 4, 2, PNG_COLOR_TYPE_GRAY, 1, bits, 1, NULL, 0);
	read_expect(path, 4, 2, want);

	/* gray + alpha: alpha dropped */
	uint8_t ga[16];
	for (int i = 0; i < 8; i++) {
		ga[2 * i] = gray[i];
		ga[2 * i + 1] = (uint8_t)(i * 30);
		want[3 * i] = want[3 * i + 1] = want[3 * i + 2] = gray[i];
	}
	write_png_raw(path, 4, 2, PNG_COLOR_TYPE_GRAY_ALPHA, 8, ga, 8, NULL, 0);
	read_expect(path, 4, 2, want);

	/* palette, 4-bit indices */
	png_color pal[3] = { { 10, 20, 30 }, { 255, 0, 128 }, { 1, 2, 3 } };
	uint8_t idx[4] = { 0x01, 0x20, 0x22, 0x10 }; /* 0 1 2 0 / 2 2 1 0 */
	int order[8] = { 0, 1, 2, 0, 2, 2, 1, 0 };
	for (int i = 0; i < 8; i++) {
		want[3 * i] = pal[order[i]].red;
		want[3 * i + 1] = pal[order[i]].green;
		want[3 * i + 2] = pal[order[i]].blue;
	}
	write_png_raw(path, 4, 2, PNG_COLOR_TYPE_PALETTE, 4, idx, 2, pal, 3);
	read_expect(path, 4, 2, want);

	/* RGBA: alpha dropped */
	uint8_t rgba[32];
	for (int i = 0; i < 8; i++) {
		for (int k = 0; k < 3; k++)
			rgba[4 * i + k] = want[3 * i + k] = (uint8_t)(i * 31 + k * 7);
		rgba[4 * i + 3] = (uint8_t)(255 - i);
	}
	write_png_raw(path, 4, 2, PNG_COLOR_TYPE_RGB_ALPHA, 8, rgba, 16, NULL, 0);
	read_expect(path, 4, 2, want);

	/* 16-bit RGB: v = 257 k reads as k */
	uint16_t rgb16[24];
	for (int i = 0; i < 24; i++) {
		want[i] = (uint8_t)(i * 11);
		rgb16[i] = (uint16_t)(257 * want[i]);
	}
	write_png_raw(path, 4, 2, PNG_COLOR_TYPE_RGB, 16, (const uint8_t *)rgb16, 24, NULL, 0);
	read_expect(path, 4, 2, want);
}

/* ---- bad input files: prepare fails with one clear line naming the file ---- */

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* The first len bytes of file src, as a new file dst. */
static void truncate_copy(const char *src, const char *dst, long len)
{
	FILE *f = fopen(src, "rb");
	assert_non_null(f);
	uint8_t *buf = malloc((size_t)len);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	write_file(dst, buf, (size_t)len);
	free(buf);
}

static long file_size(const char *path)
{
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	return (long)sb.st_size;
}

static void test_bad_input_files(void **state)
{
	(void)state;
	char p[512], kv[600], want[600], full[512];
	struct pb_job job;
	char err[256];

	path_in_tmp(p, sizeof p, "missing.png");
	snprintf(kv, sizeof kv, "input=%s", p);
	snprintf(want, sizeof want, "cannot open '%s': No such file or directory", p);
	prepare_fails(0, 0, KV(kv), want);

	/* a directory as the file: permission bits do not stop root, EISDIR does */
	path_in_tmp(p, sizeof p, "adir.png");
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(kv, sizeof kv, "input=%s", p);
	snprintf(want, sizeof want, "cannot read '%s': Is a directory", p);
	prepare_fails(0, 0, KV(kv), want);

	path_in_tmp(p, sizeof p, "notes.png");
	write_file(p, "hello, this is text\n", 20);
	snprintf(kv, sizeof kv, "input=%s", p);
	snprintf(want, sizeof want, "'%s' is not a PNG or binary PPM (P6) image", p);
	prepare_fails(0, 0, KV(kv), want);

	path_in_tmp(p, sizeof p, "empty.ppm");
	write_file(p, "", 0);
	snprintf(kv, sizeof kv, "input=%s", p);
	prepare_fails(0, 0, KV(kv), "is not a PNG or binary PPM (P6) image");

	/* truncated PNG: at several points (header, middle of the pixel data, before IEND) */
	prepare_ok(&job, 64 * 64, 1, KV("width=64", "height=64"));
	path_in_tmp(full, sizeof full, "full.png");
	assert_int_equal(imgio_write(full, job.in, 64, 64, err, sizeof err), 0);
	long n = file_size(full);
	long cuts[] = { 20, n / 2, n - 12 };
	for (int i = 0; i < 3; i++) {
		path_in_tmp(p, sizeof p, "trunc.png");
		truncate_copy(full, p, cuts[i]);
		snprintf(kv, sizeof kv, "input=%s", p);
		snprintf(want, sizeof want, "cannot read '%s': ", p);
		prepare_fails(0, 0, KV(kv), want);
	}
	/* the pixel-data cut reports the end of file */
	truncate_copy(full, p, n / 2);
	prepare_fails(0, 0, KV(kv), "unexpected end of file");

	/* truncated PPM: in the header and in the pixels */
	path_in_tmp(full, sizeof full, "full.ppm");
	assert_int_equal(imgio_write(full, job.in, 64, 64, err, sizeof err), 0);
	path_in_tmp(p, sizeof p, "trunc.ppm");
	snprintf(kv, sizeof kv, "input=%s", p);
	truncate_copy(full, p, 5);
	prepare_fails(0, 0, KV(kv), "bad PPM header");
	truncate_copy(full, p, file_size(full) - 1);
	prepare_fails(0, 0, KV(kv), "unexpected end of file (12287 of 12288 pixel bytes)");
	pb_wl_image.release(&job);

	/* PPM with maxval 65535, zero width, garbage in the header */
	write_file(p, "P6\n2 1\n65535\n012345678901", 25);
	prepare_fails(0, 0, KV(kv), "maxval 65535 is not supported");
	write_file(p, "P6 0 1 255\n", 11);
	prepare_fails(0, 0, KV(kv), "empty image");
	write_file(p, "P6 2 x 255\n", 11);
	prepare_fails(0, 0, KV(kv), "bad PPM header");
	/* comments in the header are allowed */
	write_file(p, "P6\n# made by hand\n2 1 # two pixels\n255\nabcdef", 45);
	prepare_ok(&job, 0, 0, KV(kv, "op=invert"));
	assert_int_equal(job.size, 2);
	assert_memory_equal(job.in, "abcdef", 6);
	pb_wl_image.release(&job);
}

/* ---- parameters ---- */

static void test_size_and_parameter_validation(void **state)
{
	(void)state;
	struct pb_job job;
	prepare_ok(&job, 0, 0, NULL);
	assert_int_equal(job.size, 4096u * 4096u);
	pb_wl_image.release(&job);
	prepare_ok(&job, 10000, 1, NULL); /* -n 10000: 100x100 */
	assert_int_equal(job.n_items, 100);
	assert_int_equal(job_width(&job), 100);
	assert_int_equal(job.in_len, 30000);
	pb_wl_image.release(&job);
	/* width and height with a default size: size becomes their product */
	prepare_ok(&job, 0, 0, KV("width=300", "height=2"));
	assert_int_equal(job.size, 600);
	assert_int_equal(job.n_items, 2);
	pb_wl_image.release(&job);
	prepare_ok(&job, 600, 1, KV("width=300", "height=2")); /* a matching -n is fine */
	pb_wl_image.release(&job);

	prepare_fails(10001, 1, NULL, "size 10001 is not a perfect square");
	prepare_fails(600, 1, KV("width=30", "height=2"), "size 600 does not match width x height = 60");
	prepare_fails(0, 0, KV("width=30"), "'width' and 'height' must be given together");
	prepare_fails(0, 0, KV("height=30"), "'width' and 'height' must be given together");
	prepare_fails(0, 0, KV("width=0", "height=3"), "parameter 'width'");
	prepare_fails(0, 0, KV("width=-3", "height=3"), "parameter 'width'");
	prepare_fails(0, 0, KV("width=3", "height=2x"), "parameter 'height'");
	prepare_fails(0, 0, KV("width=1048576", "height=1048576"), "more than 268435456 pixels");
	prepare_fails(0, 0, KV("op=brightness", "factor=-1"), "parameter 'factor'");
	prepare_fails(0, 0, KV("op=brightness", "factor=nan"), "parameter 'factor'");
	prepare_fails(0, 0, KV("op=brightness", "factor=inf"), "parameter 'factor'");
	prepare_fails(0, 0, KV("op=brightness", "factor=1.5x"), "parameter 'factor'");
	prepare_fails(0, 0, KV("op=brightness", "factor=256"), "parameter 'factor'");
	prepare_fails(0, 0, KV("op=sharpen"), "unknown operation 'sharpen'");

	char p[512], kv[600];
	path_in_tmp(p, sizeof p, "in.ppm");
	write_ramp(p);
	snprintf(kv, sizeof kv, "input=%s", p);
	prepare_fails(0, 0, KV(kv, "width=256", "height=1"), "cannot be combined with width or height");
	prepare_fails(256, 1, KV(kv), "drop -n");

	/* output= is checked before any work */
	snprintf(kv, sizeof kv, "output=%s/no-such-dir/x.png", tmpdir);
	prepare_fails(0, 0, KV(kv), "No such file or directory");
	snprintf(kv, sizeof kv, "output=%s/x.jpg", tmpdir);
	prepare_fails(0, 0, KV(kv), "unknown image format (use .png or .ppm)");
	snprintf(kv, sizeof kv, "output=%s/adir.png", tmpdir); /* made by test_bad_input_files or here */
	mkdir(strchr(kv, '=') + 1, 0755);
	prepare_fails(0, 0, KV(kv), "Is a directory");
	snprintf(kv, sizeof kv, "output=%s/in.ppm/x.png", tmpdir);
	prepare_fails(0, 0, KV(kv), "Not a directory");
}

static void test_finish_writes_output_atomically(void **state)
{
	(void)state;
	char sub[512], out[600], kv[700], err[256];
	snprintf(sub, sizeof sub, "%s/outdir", tmpdir);
	assert_int_equal(mkdir(sub, 0755), 0);
	static const char *const names[] = { "res.png", "res.ppm" };
	for (int i = 0; i < 2; i++) {
		snprintf(out, sizeof out, "%s/%s", sub, names[i]);
		snprintf(kv, sizeof kv, "output=%s", out);
		struct pb_job job;
		prepare_ok(&job, 40 * 30, 1, KV("op=blur", "width=40", "height=30", kv));
		struct pb_partial p = run_bands(&job, 4, 1);
		check_verifies(&job, &p);
		/* an existing file is replaced whole */
		write_file(out, "old", 3);
		if (pb_wl_image.finish(&job, err, sizeof err))
			fail_msg("%s", err);
		read_expect(out, 40, 30, job.out);
		pb_wl_image.release(&job);
	}
	/* nothing but the two results is left in the directory (no temporaries) */
	DIR *d = opendir(sub);
	assert_non_null(d);
	int entries = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			entries++;
	closedir(d);
	assert_int_equal(entries, 2);

	/* a failing write reports the path and leaves no temporary */
	assert_int_equal(imgio_write("/proc/no-such/x.png", (const uint8_t *)"abc", 1, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot write '/proc/no-such/x.png': "));
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invert_twice_is_identity),
		cmocka_unit_test(test_grayscale_channels_equal_and_float_diff),
		cmocka_unit_test(test_brightness_clamped_and_monotone),
		cmocka_unit_test(test_blur_constant_and_impulse),
		cmocka_unit_test(test_bands_match_reference),
		cmocka_unit_test(test_blur_span_has_halo),
		cmocka_unit_test(test_verify_catches_errors),
		cmocka_unit_test(test_synthetic_is_deterministic_and_full_range),
		cmocka_unit_test(test_roundtrip_png_ppm),
		cmocka_unit_test(test_png_conversions),
		cmocka_unit_test(test_bad_input_files),
		cmocka_unit_test(test_size_and_parameter_validation),
		cmocka_unit_test(test_finish_writes_output_atomically),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
