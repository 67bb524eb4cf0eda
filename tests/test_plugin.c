/* test_plugin.c: plugins: SHA-256 vectors, descriptor checks, consistency, guarded spans, fault records, loading. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../harness/plugin.h"
#include "../harness/sched.h"
#include "../harness/sha256.h"
#include "testutil.h"

/* ---- SHA-256: FIPS 180-2 appendix vectors, and any split of the input gives the same digest ---- */

static void sha_of(const void *p, size_t n, char hex[65])
{
	struct pb_sha256 s;
	pb_sha256_init(&s);
	pb_sha256_update(&s, p, n);
	pb_sha256_hex(&s, hex);
}

static void test_sha256_vectors(void **state)
{
	(void)state;
	static const struct { const char *in; const char *hex; } v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	};
	char hex[65];
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		sha_of(v[i].in, strlen(v[i].in), hex);
		if (strcmp(hex, v[i].hex) != 0)
			fail_msg("sha256('%s'): expected %s, got %s", v[i].in, v[i].hex, hex);
	}
	/* a million 'a', fed in uneven pieces */
	static char a[1000000];
	memset(a, 'a', sizeof a);
	struct pb_sha256 s;
	pb_sha256_init(&s);
	for (size_t off = 0, step = 1; off < sizeof a; off += step, step = step * 7 % 1009 + 1)
		pb_sha256_update(&s, a + off, off + step <= sizeof a ? step : sizeof a - off);
	pb_sha256_hex(&s, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_sha256_splits(void **state)
{
	(void)state;
	uint8_t buf[200];
	char whole[65], split[65];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i * 37 + 11);
	for (size_t n = 0; n <= sizeof buf; n++) { /* every length across the 55/56/64-byte padding edges */
		sha_of(buf, n, whole);
		for (size_t cut = 0; cut <= n; cut += 13) {
			struct pb_sha256 s;
			pb_sha256_init(&s);
			pb_sha256_update(&s, buf, cut);
			pb_sha256_update(&s, buf + cut, n - cut);
			pb_sha256_hex(&s, split);
			if (strcmp(whole, split) != 0)
				fail_msg("length %zu cut at %zu: %s, whole %s", n, cut, split, whole);
		}
	}
}

static void test_sha256_file(void **state)
{
	(void)state;
	char path[] = "/tmp/parbench-sha.XXXXXX", hex[65], err[256];
	uint64_t bytes = 0;
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "abc", 3), 3);
	close(fd);
	assert_int_equal(pb_sha256_file(path, hex, &bytes, err, sizeof err), 0);
	unlink(path);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(bytes, 3);
}

/* ---- which -w values are files ---- */

static void test_is_path(void **state)
{
	(void)state;
	static const struct { const char *v; int path; } t[] = {
		{ "pi", 0 }, { "sumsq", 0 }, { "./libmine.so", 1 }, { "libmine.so", 1 }, { "/abs/x", 1 },
		{ "dir/x", 1 }, { ".so", 0 }, { "x.so.1", 0 }, { "all", 0 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (pb_plugin_is_path(t[i].v) != t[i].path)
			fail_msg("is_path('%s'): expected %d, got %d", t[i].v, t[i].path, !t[i].path);
}

/* ---- descriptor checks ---- */

static void nop_kernel(const struct pb_job *job, uint64_t b, uint64_t e, struct pb_view in, struct pb_view out,
		       struct pb_partial *part)
{
	(void)job, (void)in, (void)out;
	part->items = e - b;
}

static const struct pb_param_def p_ok[] = { { "k", "1", NULL, "" }, { NULL, NULL, NULL, NULL } };
static const struct pb_param_def p_nodef[] = { { "k", NULL, NULL, "" }, { NULL, NULL, NULL, NULL } };
static const struct pb_param_def p_emptydef[] = { { "k", "", NULL, "" }, { NULL, NULL, NULL, NULL } };
static const struct pb_param_def p_check[] = { { "check", "x", NULL, "" }, { NULL, NULL, NULL, NULL } };
static const struct pb_param_def p_dup[] = { { "k", "1", NULL, "" }, { "k", "2", NULL, "" }, { NULL, NULL, NULL, NULL } };
static const struct pb_param_def p_choice[] = { { "k", "c", "a|b", "" }, { NULL, NULL, NULL, NULL } };
static const struct pb_param_def p_badkey[] = { { "a=b", "1", NULL, "" }, { NULL, NULL, NULL, NULL } };
static const struct pb_param_def p_many[] = {
	{ "a", "1", NULL, "" }, { "b", "1", NULL, "" }, { "c", "1", NULL, "" }, { "d", "1", NULL, "" },
	{ "e", "1", NULL, "" }, { "f", "1", NULL, "" }, { "g", "1", NULL, "" }, { "h", "1", NULL, "" },
	{ NULL, NULL, NULL, NULL },
};

static void test_check_table(void **state)
{
	(void)state;
	struct c {
		const char *what;
		uint32_t magic, abi, wsize, jsize;
		const char *name;
		int kernel;
		uint64_t def, max;
		const struct pb_param_def *params;
		const char *want; /* NULL: accepted; else a piece of the reason */
	};
	const uint32_t M = PB_PLUGIN_MAGIC, A = PB_WORKLOAD_ABI, W = sizeof(struct pb_workload), J = sizeof(struct pb_job);
	static char long_name[80];
	memset(long_name, 'x', 64);
	const struct c t[] = {
		{ "good", M, A, W, J, "good1", 1, 10, 0, p_ok, NULL },
		{ "no params", M, A, W, J, "good2", 1, 10, 100, NULL, NULL },
		{ "magic", 0x1234, A, W, J, "m", 1, 10, 0, NULL, "not a parbench plugin descriptor" },
		{ "abi", M, A + 1, W, J, "m", 1, 10, 0, NULL, "built against workload ABI 2, this parbench loads ABI 1" },
		{ "sizes", M, A, W + 8, J, "m", 1, 10, 0, NULL, "modified parbench/workload.h" },
		{ "no name", M, A, W, J, NULL, 1, 10, 0, NULL, "workload name '(null)'" },
		{ "empty name", M, A, W, J, "", 1, 10, 0, NULL, "workload name ''" },
		{ "slash", M, A, W, J, "a/b", 1, 10, 0, NULL, "is not 1-63 letters" },
		{ "long name", M, A, W, J, long_name, 1, 10, 0, NULL, "is not 1-63 letters" },
		{ "built-in's name", M, A, W, J, "pi", 1, 10, 0, NULL, "is a built-in workload's" },
		{ "no kernel", M, A, W, J, "k", 0, 10, 0, NULL, "has no kernel" },
		{ "no size", M, A, W, J, "k", 1, 0, 0, NULL, "has no default_size" },
		{ "size > max", M, A, W, J, "k", 1, 10, 5, NULL, "larger than its max_size 5" },
		{ "param without default", M, A, W, J, "k", 1, 10, 0, p_nodef, "parameter 'k' has no default" },
		{ "param with empty default", M, A, W, J, "k", 1, 10, 0, p_emptydef, "parameter 'k' has no default" },
		{ "param named check", M, A, W, J, "k", 1, 10, 0, p_check, "parameter 'check' is the harness's" },
		{ "param twice", M, A, W, J, "k", 1, 10, 0, p_dup, "declares parameter 'k' twice" },
		{ "default not a choice", M, A, W, J, "k", 1, 10, 0, p_choice, "default 'c' of parameter 'k' is not one of a|b" },
		{ "bad key", M, A, W, J, "k", 1, 10, 0, p_badkey, "parameter name 'a=b'" },
		{ "too many params", M, A, W, J, "k", 1, 10, 0, p_many, "more than 7 parameters" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct pb_workload w = { .name = t[i].name, .default_size = t[i].def, .max_size = t[i].max,
					 .params = t[i].params, .kernel = t[i].kernel ? nop_kernel : NULL };
		struct pb_plugin pl = { t[i].magic, t[i].abi, t[i].wsize, t[i].jsize, &w };
		char err[512] = "";
		int rc = pb_plugin_check(&pl, err, sizeof err);
		if (t[i].want == NULL && rc != 0)
			fail_msg("%s: expected accepted, got: %s", t[i].what, err);
		if (t[i].want && (rc == 0 || !strstr(err, t[i].want)))
			fail_msg("%s: expected an error with '%s', got rc %d: '%s'", t[i].what, t[i].want, rc, err);
	}
	struct pb_plugin nul = { M, A, W, J, NULL };
	char err[256];
	assert_int_equal(pb_plugin_check(&nul, err, sizeof err), -1);
	assert_non_null(strstr(err, "names no workload descriptor"));
}

/* ---- in-memory plugins, through the harness's wrapper ---- */

static struct pb_job make_job(const struct pb_workload *wl, uint64_t size, const char *check)
{
	struct pb_job job;
	char err[512] = "";
	memset(&job, 0, sizeof job);
	job.wl = wl;
	job.size = size;
	job.size_from_user = 1;
	for (const struct pb_param_def *d = wl->params; d && d->key; d++) {
		snprintf(job.params[job.nparams].key, PB_PARAM_KEY_MAX, "%s", d->key);
		snprintf(job.params[job.nparams].val, PB_PARAM_VAL_MAX, "%s",
			 check && strcmp(d->key, "check") == 0 ? check : d->def);
		job.nparams++;
	}
	if (wl->prepare(&job, err, sizeof err) != 0)
		fail_msg("prepare: %s", err);
	return job;
}

/* The total of the wrapper's kernel over ntasks tasks, as an executor computes it (whole-buffer views). */
static struct pb_partial run_tasks(const struct pb_job *job, uint64_t ntasks)
{
	struct pb_partial total;
	memset(&total, 0, sizeof total);
	if (job->out)
		memset(job->out, 0xA5, job->out_len);
	for (uint64_t k = 0; k < ntasks; k++) {
		uint64_t b, e;
		struct pb_partial p;
		pb_task_range(job->n_items, ntasks, k, &b, &e);
		memset(&p, 0, sizeof p);
		job->wl->kernel(job, b, e, (struct pb_view){ job->in, 0, job->in_len },
				(struct pb_view){ job->out, 0, job->out_len }, &p);
		pb_partial_add(&total, &p);
	}
	return total;
}

/* A data kernel: item i reads input byte i, writes 2 output bytes; total = sum of the inputs. */
static int data_prepare(struct pb_job *job, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	job->n_items = job->size;
	job->in_len = job->size;
	job->out_len = 2 * job->size;
	job->in = pb_buf_alloc(job->in_len);
	job->out = pb_buf_alloc(job->out_len);
	for (size_t i = 0; i < job->in_len; i++)
		job->in[i] = (uint8_t)(i * 131 + 7);
	return 0;
}

static void data_release(struct pb_job *job)
{
	pb_buf_free(job->in, job->in_len);
	pb_buf_free(job->out, job->out_len);
}

static void data_in_span(const struct pb_job *job, uint64_t b, uint64_t e, struct pb_span *sp)
{
	(void)job;
	sp->off = b;
	sp->len = e - b;
}

static void data_out_span(const struct pb_job *job, uint64_t b, uint64_t e, struct pb_span *sp)
{
	(void)job;
	sp->off = 2 * b;
	sp->len = 2 * (e - b);
}

/* What the data kernels do wrong (set by each test before it runs one, inherited by a forked child). */
static enum { DK_GOOD, DK_PER_CALL, DK_TASKLEN, DK_WRITE_AFTER, DK_WRITE_BEFORE, DK_READ_BEFORE, DK_NULL_AT_500,
	      DK_SPAN_OUTSIDE } dk_mode;

/* Unmapped, and not NULL: UBSan would report a NULL store before the fault happens. */
static volatile uintptr_t bad_address = 8;

static void data_kernel(const struct pb_job *job, uint64_t b, uint64_t e, struct pb_view in, struct pb_view out,
			struct pb_partial *part)
{
	volatile uint8_t sink = 0;
	for (uint64_t i = b; i < e; i++) {
		uint8_t v = in.base[i - in.off];
		part->sum += v;
		out.base[2 * i - out.off] = v;
		out.base[2 * i + 1 - out.off] = (uint8_t)~v;
		if (dk_mode == DK_NULL_AT_500 && i == 500)
			*(volatile int *)bad_address = 1;
	}
	if (dk_mode == DK_PER_CALL)
		part->sum += 1;
	if (dk_mode == DK_TASKLEN && e - b == 100)
		part->aux += 1;
	if (dk_mode == DK_WRITE_AFTER)
		out.base[2 * e - out.off] = 1;
	if (dk_mode == DK_WRITE_BEFORE && b > 0)
		out.base[2 * b - 1 - out.off] = 1;
	if (dk_mode == DK_READ_BEFORE && b >= 5000)
		sink = in.base[b - 5000 - in.off];
	(void)sink;
	part->items = e - b;
}

static void span_outside(const struct pb_job *job, uint64_t b, uint64_t e, struct pb_span *sp)
{
	data_out_span(job, b, e, sp);
	if (dk_mode == DK_SPAN_OUTSIDE)
		sp->len += job->out_len;
}

static const struct pb_workload data_wl = {
	.name = "t_data", .description = "test", .unit = "bytes", .default_size = 1000, .default_tasks = 10,
	.prepare = data_prepare, .kernel = data_kernel, .in_span = data_in_span, .out_span = span_outside,
	.release = data_release,
};
static const struct pb_plugin data_pl = { PB_PLUGIN_MAGIC, PB_WORKLOAD_ABI, sizeof(struct pb_workload),
					  sizeof(struct pb_job), &data_wl };

static const struct pb_workload *data_plugin(void)
{
	static const struct pb_workload *w;
	char err[512];
	if (!w && !(w = pb_plugin_register(&data_pl, "test:data", err, sizeof err)))
		fail_msg("register: %s", err);
	return w;
}

static void test_wrapper_descriptor(void **state)
{
	(void)state;
	const struct pb_workload *w = data_plugin();
	assert_string_equal(w->name, "t_data");
	assert_string_equal(pb_workload_check(w), "consistency");
	assert_non_null(pb_plugin_info(w));
	assert_null(pb_plugin_info(pb_workload_find("pi")));
	assert_string_equal(pb_workload_check(pb_workload_find("pi")), "reference");
	/* the harness adds check=, empty by default so the params column of ordinary runs is unchanged */
	const struct pb_param_def *d = w->params;
	assert_non_null(d);
	assert_string_equal(d[0].key, "check");
	assert_string_equal(d[0].def, "");
	assert_string_equal(d[0].choices, "spans");
	assert_null(d[1].key);
	assert_non_null(w->in_span);
	assert_non_null(w->out_span);
	assert_null(w->finish);
	assert_int_equal(w->quick_size, 1000); /* 0 means the default size */
	char err[512];
	assert_null(pb_plugin_register(&data_pl, "again", err, sizeof err));
	assert_non_null(strstr(err, "already taken"));
}

/* Every task count, with and without guarded spans, agrees with the reference; a changed total or byte does not. */
static void test_consistency_passes_and_catches_changes(void **state)
{
	(void)state;
	const struct pb_workload *w = data_plugin();
	dk_mode = DK_GOOD;
	for (int spans = 0; spans < 2; spans++) {
		struct pb_job job = make_job(w, 1000, spans ? "spans" : "");
		static const uint64_t T[] = { 1, 2, 3, 7, 10, 64, 1000 };
		char msg[512];
		for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
			struct pb_partial t = run_tasks(&job, T[i]);
			if (w->verify(&job, &t, msg, sizeof msg) != 0)
				fail_msg("spans %d, %llu tasks: %s", spans, (unsigned long long)T[i], msg);
		}
		struct pb_partial t = run_tasks(&job, 10);
		t.sum += 1;
		assert_int_equal(w->verify(&job, &t, msg, sizeof msg), -1);
		assert_non_null(strstr(msg, "consistency: the total"));
		t.sum -= 1;
		job.out[123] ^= 1;
		assert_int_equal(w->verify(&job, &t, msg, sizeof msg), -1);
		assert_non_null(strstr(msg, "consistency: output byte 123"));
		w->release(&job);
	}
}

/* A total that counts kernel calls disagrees between the two reference passes: caught whatever the run's cut. */
static void test_consistency_catches_per_call_totals(void **state)
{
	(void)state;
	const struct pb_workload *w = data_plugin();
	dk_mode = DK_PER_CALL;
	struct pb_job job = make_job(w, 1000, "");
	char msg[512];
	struct pb_partial t = run_tasks(&job, 1); /* even a run in one task, like the first pass */
	assert_int_equal(w->verify(&job, &t, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "depends on how the items are cut"));
	w->release(&job);
	dk_mode = DK_GOOD;
}

/*
 * A kernel wrong only for tasks of exactly 100 items: both reference passes
 * miss that length, so the reference is right and a run cut into 10 tasks
 * (a reference computed with the run's own cut would have agreed) fails.
 */
static void test_consistency_catches_a_cut_the_reference_lacks(void **state)
{
	(void)state;
	const struct pb_workload *w = data_plugin();
	dk_mode = DK_TASKLEN;
	struct pb_job job = make_job(w, 1000, "");
	char msg[512];
	struct pb_partial t = run_tasks(&job, 3);
	assert_int_equal(w->verify(&job, &t, msg, sizeof msg), 0);
	t = run_tasks(&job, 10);
	assert_int_equal(w->verify(&job, &t, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "differs from the serial reference"));
	w->release(&job);
	dk_mode = DK_GOOD;
}

/*
 * In a forked child: cmocka replaces the fault handlers around each test (to
 * catch a crashing test); the child wants parbench's, over the defaults.
 */
static void own_handlers(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		signal(sigs[i], SIG_DFL);
	pb_plugin_handlers_install();
}

/*
 * Run the kernel over ntasks tasks in a forked child (a worker, for the fault
 * handler) and return its wait status; note gets what the fault record says.
 */
static int in_child(const struct pb_job *job, uint64_t ntasks, char *note, size_t len)
{
	pb_plugin_run_begin(job->wl, ntasks, "test case");
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		own_handlers();
		run_tasks(job, ntasks);
		_exit(0);
	}
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(pb_plugin_failure_note(job->wl, note, len), 0);
	return st;
}

static void expect_fault(int mode, const char *check, uint64_t ntasks, const char *want)
{
	const struct pb_workload *w = data_plugin();
	char note[2048];
	dk_mode = mode;
	struct pb_job job = make_job(w, 10000, check);
	int st = in_child(&job, ntasks, note, sizeof note);
	dk_mode = DK_GOOD;
	w->release(&job);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSEGV)
		fail_msg("mode %d: expected the child killed by SIGSEGV, got status 0x%x (note: %s)", mode, st, note);
	if (!strstr(note, want))
		fail_msg("mode %d: expected '%s' in the note, got '%s'", mode, want, note);
}

static void test_crash_names_plugin_and_task(void **state)
{
	(void)state;
	expect_fault(DK_NULL_AT_500, "", 100,
		     "plugin 't_data' (test:data): its kernel crashed on task 5 (items [500, 600)): SIGSEGV (signal 11) at address 0x8");
}

static void test_spans_catch_write_after_span(void **state)
{
	(void)state;
	expect_fault(DK_WRITE_AFTER, "spans", 10,
		     "its kernel wrote output byte 2000, outside its output span [0, 2000) on task 0 (items [0, 1000)) (found by check=spans)");
}

static void test_spans_catch_write_before_span(void **state)
{
	(void)state;
	/* the byte just before the span shares its page: the canary finds it */
	expect_fault(DK_WRITE_BEFORE, "spans", 10, "wrote output byte 1999, outside its output span [2000, 4000) on task 1");
}

static void test_spans_catch_read_outside_input_span(void **state)
{
	(void)state;
	expect_fault(DK_READ_BEFORE, "spans", 2, "read input byte 0, outside its input span [5000, 10000) on task 1");
}

static void test_spans_catch_span_outside_buffer(void **state)
{
	(void)state;
	expect_fault(DK_SPAN_OUTSIDE, "spans", 10, "its out_span gives [0, 22000) on task 0 (items [0, 1000)), outside the 20000-byte output buffer");
}

/* Without check=spans, a stray write is invisible here: only the span guard turns it into a fault. */
static void test_no_spans_no_guard(void **state)
{
	(void)state;
	const struct pb_workload *w = data_plugin();
	char note[2048];
	dk_mode = DK_WRITE_BEFORE;
	struct pb_job job = make_job(w, 10000, "");
	int st = in_child(&job, 10, note, sizeof note);
	dk_mode = DK_GOOD;
	w->release(&job);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_string_equal(note, "plugin 't_data' (test:data)");
}

/* A fault outside plugin code is parbench's own: the handler gives it back and records nothing. */
static void test_fault_outside_plugin_is_not_the_plugins(void **state)
{
	(void)state;
	const struct pb_workload *w = data_plugin();
	char note[2048];
	pb_plugin_run_begin(w, 1, "x");
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		own_handlers();
		/* a sanitizer, if present, reports this crash and exits instead: either way the child fails */
		raise(SIGSEGV);
		_exit(0);
	}
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_false(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(pb_plugin_failure_note(w, note, sizeof note), 0);
	assert_string_equal(note, "plugin 't_data' (test:data)");
	assert_int_equal(pb_plugin_failure_note(pb_workload_find("pi"), note, sizeof note), -1);
}

/* A plugin's prepare must leave buffers every variant can use. */
static int private_prepare(struct pb_job *job, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	job->n_items = job->size;
	job->out_len = job->size;
	job->out = malloc(job->out_len);
	return 0;
}

static void private_release(struct pb_job *job)
{
	free(job->out);
	job->out = NULL;
}

static void test_private_buffer_refused(void **state)
{
	(void)state;
	static const struct pb_workload pw = { .name = "t_private", .default_size = 100, .prepare = private_prepare,
					       .kernel = nop_kernel, .out_span = data_out_span, .release = private_release };
	static const struct pb_plugin pp = { PB_PLUGIN_MAGIC, PB_WORKLOAD_ABI, sizeof(struct pb_workload),
					     sizeof(struct pb_job), &pw };
	char err[512] = "";
	const struct pb_workload *w = pb_plugin_register(&pp, "test:private", err, sizeof err);
	assert_non_null(w);
	struct pb_job job;
	memset(&job, 0, sizeof job);
	job.wl = w;
	job.size = 100;
	assert_int_equal(w->prepare(&job, err, sizeof err), -1);
	assert_non_null(strstr(err, "not shared memory: allocate it with pb_buf_alloc"));
	w->release(&job);
}

/* ---- the built examples, loaded from files ---- */

static void example_path(const char *name, char *buf, size_t len)
{
	const char *build = getenv("BUILD");
	snprintf(buf, len, "%s/examples/lib%s.so", build ? build : "build", name);
}

static void test_load_examples(void **state)
{
	(void)state;
	char path[4096], err[1024], hex[65];
	example_path("collatz", path, sizeof path);
	if (access(path, R_OK) != 0)
		SKIP("%s is not built (make examples)", path);
	const struct pb_workload *c = pb_plugin_load(path, err, sizeof err);
	if (!c)
		fail_msg("load %s: %s", path, err);
	assert_ptr_equal(pb_plugin_load(path, err, sizeof err), c); /* once per file */
	const struct pb_plugin_info *pi = pb_plugin_info(c);
	assert_non_null(pi);
	assert_int_equal(pb_sha256_file(path, hex, NULL, err, sizeof err), 0);
	assert_string_equal(pi->sha256, hex);
	assert_int_equal(pi->has_verify, 1);
	assert_string_equal(pb_workload_check(c), "reference");
	assert_ptr_equal(pb_plugin_load_expect(path, hex, err, sizeof err), c);
	assert_null(pb_plugin_load_expect(path, "00", err, sizeof err));
	assert_non_null(strstr(err, "not the plugin the run measured"));

	/* the collatz kernel through the wrapper: its own verify, under any cut */
	struct pb_job job = make_job(c, 5000, "");
	char msg[512];
	for (uint64_t T = 1; T <= 64; T *= 4) {
		struct pb_partial t = run_tasks(&job, T);
		if (c->verify(&job, &t, msg, sizeof msg) != 0)
			fail_msg("collatz, %llu tasks: %s", (unsigned long long)T, msg);
	}
	c->release(&job);

	/* meta.json: recorded, and --append refuses the same name with another hash */
	json_t *a = pb_plugins_json();
	assert_non_null(a);
	int found = 0;
	for (size_t i = 0; i < json_array_size(a); i++)
		found += strcmp(json_string_value(json_object_get(json_array_get(a, i), "sha256")), hex) == 0;
	assert_int_equal(found, 1);
	json_decref(a);
	json_t *meta = json_pack("{s:[{s:s,s:s}]}", "plugins", "name", "collatz", "sha256", "beef");
	assert_int_equal(pb_plugins_check_meta(meta, err, sizeof err), -1);
	assert_non_null(strstr(err, "plugin 'collatz' with SHA-256 beef"));
	json_decref(meta);
	meta = json_object();
	assert_int_equal(pb_plugins_check_meta(meta, err, sizeof err), 0);
	pb_plugins_merge_meta(meta);
	assert_true(json_array_size(json_object_get(meta, "plugins")) >= 1);
	assert_int_equal(pb_plugins_check_meta(meta, err, sizeof err), 0);
	json_decref(meta);
}

static void test_load_errors(void **state)
{
	(void)state;
	char err[1024], path[] = "/tmp/parbench-notso.XXXXXX";
	assert_null(pb_plugin_load("/nonexistent/libx.so", err, sizeof err));
	assert_non_null(strstr(err, "No such file or directory"));
	assert_null(pb_plugin_load("/tmp", err, sizeof err));
	assert_non_null(strstr(err, "not a regular file"));
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "not elf\n", 8), 8);
	close(fd);
	assert_null(pb_plugin_load(path, err, sizeof err));
	unlink(path);
	assert_non_null(strstr(err, "not a shared object"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_sha256_splits),
		cmocka_unit_test(test_sha256_file),
		cmocka_unit_test(test_is_path),
		cmocka_unit_test(test_check_table),
		cmocka_unit_test(test_wrapper_descriptor),
		cmocka_unit_test(test_consistency_passes_and_catches_changes),
		cmocka_unit_test(test_consistency_catches_per_call_totals),
		cmocka_unit_test(test_consistency_catches_a_cut_the_reference_lacks),
		cmocka_unit_test(test_crash_names_plugin_and_task),
		cmocka_unit_test(test_spans_catch_write_after_span),
		cmocka_unit_test(test_spans_catch_write_before_span),
		cmocka_unit_test(test_spans_catch_read_outside_input_span),
		cmocka_unit_test(test_spans_catch_span_outside_buffer),
		cmocka_unit_test(test_no_spans_no_guard),
		cmocka_unit_test(test_fault_outside_plugin_is_not_the_plugins),
		cmocka_unit_test(test_private_buffer_refused),
		cmocka_unit_test(test_load_examples),
		cmocka_unit_test(test_load_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
