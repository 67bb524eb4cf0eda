/* test_sumsq.c: the sumsq workload: each form against brute force, splits, wrap-around, spans, bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/sched.h"
#include "../workloads/workload.h"

extern const struct pb_workload pb_wl_sumsq;

static int make_job(struct pb_job *job, uint64_t size, int from_user, const char *form, char *err, size_t errlen)
{
	memset(job, 0, sizeof *job);
	job->wl = &pb_wl_sumsq;
	job->size = size;
	job->size_from_user = from_user;
	for (const struct pb_param_def *d = pb_wl_sumsq.params; d->key; d++) {
		snprintf(job->params[job->nparams].key, PB_PARAM_KEY_MAX, "%s", d->key);
		snprintf(job->params[job->nparams].val, PB_PARAM_VAL_MAX, "%s",
			 strcmp(d->key, "form") == 0 ? form : d->def);
		job->nparams++;
	}
	return pb_wl_sumsq.prepare(job, err, errlen);
}

static void prepared(struct pb_job *job, uint64_t size, const char *form)
{
	char err[256] = "";
	if (make_job(job, size, 1, form, err, sizeof err) != 0)
		fail_msg("prepare(size %llu, form %s): %s", (unsigned long long)size, form, err);
}

/* Items [b, e) through a view; whole buffer when copy is 0, else a private copy of in_span's bytes. */
static struct pb_partial range(const struct pb_job *job, uint64_t b, uint64_t e, int copy)
{
	struct pb_partial p;
	memset(&p, 0, sizeof p);
	struct pb_view in = { job->in, 0, job->in_len }, none = { NULL, 0, 0 };
	uint8_t *priv = NULL;
	if (copy) {
		struct pb_span sp;
		job->wl->in_span(job, b, e, &sp);
		assert_true(sp.off + sp.len <= job->in_len);
		priv = malloc(sp.len ? sp.len : 1); /* exactly the span: ASan catches a read outside it */
		assert_non_null(priv);
		memcpy(priv, job->in + sp.off, sp.len);
		in = (struct pb_view){ priv, sp.off, sp.len };
	}
	job->wl->kernel(job, b, e, in, none, &p);
	free(priv);
	assert_int_equal(p.items, e - b);
	return p;
}

static struct pb_partial split_tasks(const struct pb_job *job, uint64_t ntasks, int copy)
{
	struct pb_partial t;
	memset(&t, 0, sizeof t);
	for (uint64_t k = 0; k < ntasks; k++) {
		uint64_t b, e;
		pb_task_range(job->n_items, ntasks, k, &b, &e);
		if (e > b) {
			struct pb_partial p = range(job, b, e, copy);
			pb_partial_add(&t, &p);
		}
	}
	return t;
}

static void result(const struct pb_job *job, const struct pb_partial *t, char *buf, size_t len)
{
	pb_wl_sumsq.format_result(job, t, buf, len);
}

static void expect_verified(const struct pb_job *job, const struct pb_partial *t, const char *what)
{
	char msg[256] = "";
	if (pb_wl_sumsq.verify(job, t, msg, sizeof msg) != 0)
		fail_msg("%s: %s", what, msg);
}

/* ---- brute force, independent of the workload's code ---- */
static uint64_t brute_index(uint64_t n)
{
	uint64_t s = 0;
	for (uint64_t i = 0; i < n; i++)
		s += i * i; /* unsigned: wraps mod 2^64 by definition */
	return s;
}

static pb_u128 brute_cubic(uint64_t n)
{
	pb_u128 s = 0;
	for (uint64_t i = 0; i < n; i++)
		s += (pb_u128)i + (pb_u128)i * i + (pb_u128)i * i * i;
	return s;
}

static pb_u128 brute_array(const struct pb_job *job)
{
	const uint32_t *a = (const uint32_t *)job->in;
	pb_u128 s = 0;
	for (uint64_t i = 0; i < job->n_items; i++)
		s += (pb_u128)a[i] * a[i];
	return s;
}

static void expect_total(const struct pb_job *job, const struct pb_partial *t, pb_u128 want, const char *what)
{
	char got[64], exp[64];
	result(job, t, got, sizeof got);
	pb_u128_str(want, exp, sizeof exp);
	if (strcmp(got, exp) != 0)
		fail_msg("%s: got %s, brute force %s", what, got, exp);
}

static void test_forms_against_brute_force(void **unused)
{
	/* every n from 1 to 300 exercises the closed forms (verify) against brute force (result) */
	static const char *const forms[] = { "index", "cubic", "array" };
	for (int f = 0; f < 3; f++) {
		for (uint64_t n = 1; n <= 300; n++) {
			struct pb_job job;
			char what[64];
			prepared(&job, n, forms[f]);
			snprintf(what, sizeof what, "form %s n %llu", forms[f], (unsigned long long)n);
			struct pb_partial t = split_tasks(&job, n < 7 ? n : 7, 0);
			pb_u128 want = f == 0 ? brute_index(n) : f == 1 ? brute_cubic(n) : brute_array(&job);
			expect_total(&job, &t, want, what);
			expect_verified(&job, &t, what);
			pb_wl_sumsq.release(&job);
		}
	}
	/* small known values: 0, 0+1, 0+1+4 */
	struct pb_job job;
	char buf[64];
	prepared(&job, 3, "index");
	struct pb_partial t = split_tasks(&job, 1, 0);
	result(&job, &t, buf, sizeof buf);
	assert_string_equal(buf, "5");
	pb_wl_sumsq.release(&job);
	prepared(&job, 3, "cubic"); /* 0 + (1+1+1) + (2+4+8) */
	t = split_tasks(&job, 3, 0);
	result(&job, &t, buf, sizeof buf);
	assert_string_equal(buf, "17");
	pb_wl_sumsq.release(&job);
}

static void test_larger_sizes(void **unused)
{
	static const struct {
		const char *form;
		uint64_t n;
	} c[] = { { "index", 1000003 }, { "cubic", 1000003 }, { "array", 1000003 }, { "cubic", 3000000 } };
	for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
		struct pb_job job;
		char what[64];
		snprintf(what, sizeof what, "form %s n %llu", c[k].form, (unsigned long long)c[k].n);
		prepared(&job, c[k].n, c[k].form);
		struct pb_partial t = split_tasks(&job, 64, 0);
		pb_u128 want = strcmp(c[k].form, "index") == 0	 ? brute_index(c[k].n)
			       : strcmp(c[k].form, "cubic") == 0 ? brute_cubic(c[k].n)
								 : brute_array(&job);
		expect_total(&job, &t, want, what);
		expect_verified(&job, &t, what);
		pb_wl_sumsq.release(&job);
	}
}

static void test_index_wraps_mod_2_64(void **unused)
{
	/* the true sum passes 2^64 near n = 3.8e6; at 5e6 it has wrapped */
	uint64_t n = 5000000;
	pb_u128 exact = 0;
	for (uint64_t i = 0; i < n; i++)
		exact += (pb_u128)i * i;
	assert_true(exact > ((pb_u128)1 << 64));
	struct pb_job job;
	prepared(&job, n, "index");
	for (uint64_t nt = 1; nt <= 64; nt *= 4) {
		struct pb_partial t = split_tasks(&job, nt, 0);
		expect_total(&job, &t, (uint64_t)exact, "index n 5e6");
		expect_verified(&job, &t, "index n 5e6");
	}
	pb_wl_sumsq.release(&job);
}

static void test_uneven_splits_identical(void **unused)
{
	static const char *const forms[] = { "index", "cubic", "array" };
	uint64_t n = 200003;
	for (int f = 0; f < 3; f++) {
		struct pb_job job;
		prepared(&job, n, forms[f]);
		char ref[64], got[64];
		struct pb_partial one = split_tasks(&job, 1, 0);
		result(&job, &one, ref, sizeof ref);
		static const uint64_t ntasks[] = { 2, 3, 7, 64, 1000, 200003 };
		for (size_t k = 0; k < sizeof ntasks / sizeof ntasks[0]; k++) {
			struct pb_partial t = split_tasks(&job, ntasks[k], 0);
			result(&job, &t, got, sizeof got);
			if (strcmp(got, ref) != 0 || t.items != n)
				fail_msg("form %s, %llu tasks: %s, 1 task: %s", forms[f],
					 (unsigned long long)ntasks[k], got, ref);
		}
		srand(7 + f);
		for (int trial = 0; trial < 10; trial++) {
			struct pb_partial t;
			memset(&t, 0, sizeof t);
			uint64_t b = 0;
			while (b < n) {
				uint64_t e = b + 1 + (uint64_t)rand() % 40000;
				e = e > n ? n : e;
				struct pb_partial p = range(&job, b, e, 0);
				pb_partial_add(&t, &p);
				b = e;
			}
			result(&job, &t, got, sizeof got);
			assert_string_equal(got, ref);
		}
		pb_wl_sumsq.release(&job);
	}
}

static void test_array_spans_as_private_copies(void **unused)
{
	struct pb_job job;
	uint64_t n = 100003;
	prepared(&job, n, "array");
	assert_int_equal(job.in_len, n * sizeof(uint32_t));
	struct pb_span sp;
	pb_wl_sumsq.in_span(&job, 10, 25, &sp);
	assert_int_equal(sp.off, 40);
	assert_int_equal(sp.len, 60);
	char ref[64], got[64];
	struct pb_partial whole = split_tasks(&job, 1, 0);
	result(&job, &whole, ref, sizeof ref);
	static const uint64_t ntasks[] = { 1, 3, 64, 999 };
	for (size_t k = 0; k < sizeof ntasks / sizeof ntasks[0]; k++) {
		struct pb_partial t = split_tasks(&job, ntasks[k], 1);
		result(&job, &t, got, sizeof got);
		assert_string_equal(got, ref);
		expect_verified(&job, &t, "array from private copies");
	}
	/* the kernel really reads the view: a corrupted copy changes the result */
	uint8_t *copy = malloc(16);
	assert_non_null(copy);
	memcpy(copy, job.in + 400, 16);
	struct pb_view in = { copy, 400, 16 }, none = { NULL, 0, 0 };
	struct pb_partial a, b;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	job.wl->kernel(&job, 100, 104, in, none, &a);
	copy[5] ^= 0x40;
	job.wl->kernel(&job, 100, 104, in, none, &b);
	assert_true(a.sum != b.sum);
	free(copy);
	pb_wl_sumsq.release(&job);
}

static void test_verify_rejects(void **unused)
{
	static const char *const forms[] = { "index", "cubic", "array" };
	for (int f = 0; f < 3; f++) {
		struct pb_job job;
		char msg[256];
		prepared(&job, 5000, forms[f]);
		struct pb_partial t = split_tasks(&job, 4, 0);
		expect_verified(&job, &t, forms[f]);
		struct pb_partial bad = t;
		bad.sum += 1;
		assert_int_equal(pb_wl_sumsq.verify(&job, &bad, msg, sizeof msg), -1);
		assert_non_null(strstr(msg, "expected"));
		bad = t;
		bad.items -= 1;
		assert_int_equal(pb_wl_sumsq.verify(&job, &bad, msg, sizeof msg), -1);
		/* a task lost: sum and items both short */
		bad = split_tasks(&job, 1, 0);
		struct pb_partial last = range(&job, 4999, 5000, 0);
		bad.sum -= last.sum;
		bad.items -= 1;
		assert_int_equal(pb_wl_sumsq.verify(&job, &bad, msg, sizeof msg), -1);
		pb_wl_sumsq.release(&job);
	}
}

static void test_bad_input_and_defaults(void **unused)
{
	struct pb_job job;
	char err[256];
	assert_int_equal(make_job(&job, 100, 1, "squares", err, sizeof err), -1);
	assert_non_null(strstr(err, "'form'"));
	pb_wl_sumsq.release(&job);
	assert_int_equal(make_job(&job, 0, 1, "index", err, sizeof err), -1);
	assert_int_equal(make_job(&job, ((uint64_t)1 << 40) + 1, 1, "index", err, sizeof err), -1);
	assert_non_null(strstr(err, "size"));
	assert_int_equal(make_job(&job, ((uint64_t)1 << 32) + 1, 1, "cubic", err, sizeof err), -1);
	assert_non_null(strstr(err, "form=cubic"));
	assert_int_equal(make_job(&job, ((uint64_t)1 << 31) + 1, 1, "array", err, sizeof err), -1);
	assert_non_null(strstr(err, "form=array"));
	assert_null(job.in);
	assert_null(job.state);
	pb_wl_sumsq.release(&job);
	/* at the largest cubic size the closed form must not overflow: compare with the same
	   sums derived another way (T = n(n-1)/2 exact in 64 bits; sum i^2 = T(2n-1)/3; sum i^3 = T^2) */
	uint64_t n = (uint64_t)1 << 32;
	assert_int_equal(make_job(&job, n, 1, "cubic", err, sizeof err), 0);
	pb_u128 tri = (pb_u128)(n / 2) * (n - 1);
	struct pb_partial big = { .sum = tri + tri * (2 * (pb_u128)n - 1) / 3 + tri * tri, .aux = 0, .items = n };
	expect_verified(&job, &big, "cubic at 2^32");
	big.sum -= 1;
	assert_int_equal(pb_wl_sumsq.verify(&job, &big, err, sizeof err), -1);
	pb_wl_sumsq.release(&job);
	/* index at 2^40 likewise, mod 2^64 */
	n = (uint64_t)1 << 40;
	assert_int_equal(make_job(&job, n, 1, "index", err, sizeof err), 0);
	tri = (pb_u128)(n / 2) * (n - 1);
	big = (struct pb_partial){ .sum = (uint64_t)(tri * (2 * (pb_u128)n - 1) / 3), .aux = 0, .items = n };
	expect_verified(&job, &big, "index at 2^40");
	pb_wl_sumsq.release(&job);

	/* no -n: index keeps the harness's size, array and cubic take their own */
	assert_int_equal(make_job(&job, pb_wl_sumsq.default_size, 0, "index", err, sizeof err), 0);
	assert_int_equal(job.n_items, pb_wl_sumsq.default_size);
	pb_wl_sumsq.release(&job);
	assert_int_equal(make_job(&job, pb_wl_sumsq.default_size, 0, "cubic", err, sizeof err), 0);
	assert_true(job.n_items < pb_wl_sumsq.default_size && job.size == job.n_items);
	pb_wl_sumsq.release(&job);
	assert_int_equal(make_job(&job, pb_wl_sumsq.quick_size, 0, "array", err, sizeof err), 0);
	assert_true(job.n_items == job.size && job.in_len == job.n_items * sizeof(uint32_t));
	struct pb_partial t = split_tasks(&job, 64, 1);
	expect_verified(&job, &t, "array quick size");
	pb_wl_sumsq.release(&job);
	/* a user's -n is kept as given */
	assert_int_equal(make_job(&job, pb_wl_sumsq.quick_size, 1, "cubic", err, sizeof err), 0);
	assert_int_equal(job.n_items, pb_wl_sumsq.quick_size);
	pb_wl_sumsq.release(&job);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms_against_brute_force),
		cmocka_unit_test(test_larger_sizes),
		cmocka_unit_test(test_index_wraps_mod_2_64),
		cmocka_unit_test(test_uneven_splits_identical),
		cmocka_unit_test(test_array_spans_as_private_copies),
		cmocka_unit_test(test_verify_rejects),
		cmocka_unit_test(test_bad_input_and_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
