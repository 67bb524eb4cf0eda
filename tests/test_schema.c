/* test_schema.c: whatever the writer writes, the reader takes back: raw.csv and counters.csv round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "contract.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../harness/cpuset.h"
#include "../harness/pin.h"
#include "../harness/results.h"
#include "../harness/schema.h"
#include "../harness/summary.h"

static char dir[] = "/tmp/parbench-schema-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_text(const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* A row with every kind of field, text fields that need quoting, and the given cpus. */
static void sample_row(struct pb_raw_row *r, int rep, char *cpus)
{
	memset(r, 0, sizeof *r);
	snprintf(r->run_id, sizeof r->run_id, "20261201-000000-42");
	snprintf(r->workload, sizeof r->workload, "image");
	r->size = 18446744073709551615ull; /* the largest size */
	snprintf(r->params, sizeof r->params, "op=\"blur\";input=/a,b\nc.png;factor=1.5");
	snprintf(r->variant, sizeof r->variant, "threads");
	r->workers = 256;
	r->tasks = 1024;
	r->chunk = 3;
	snprintf(r->schedule, sizeof r->schedule, "guided");
	snprintf(r->bind, sizeof r->bind, "pu-scatter");
	r->rep = rep;
	r->wall_s = 0.123456789;
	r->setup_s = 1e-9;
	r->user_s = 12.5;
	r->sys_s = 0;
	r->max_rss_kb = 123456789;
	snprintf(r->result, sizeof r->result, "3.1415926536");
	r->verified = rep % 2;
	r->cpus = cpus;
}

/*
 * The cpus field of a 256-worker run on a synthetic 256-PU machine
 * ("pack:2 core:64 pu:2", scatter): worker w on its own PU, up to CPU 255,
 * as each worker's cpuset formats; without hwloc, the same shape by hand.
 */
static char *cpus_256(void)
{
	struct pb_cpuset *sets = calloc(256, sizeof *sets);
	struct pb_bind b = { PB_BIND_PU, PB_ORDER_SCATTER };
	struct pb_strbuf s = { 0 };
	char err[256], one[64];
	int over = 0;
	assert_non_null(sets);
	if (pb_pin_plan_synthetic("pack:2 core:64 pu:2", NULL, &b, 256, sets, &over, err, sizeof err) != 0) {
		print_message("no hwloc (%s): cpus made by hand\n", err);
		for (int w = 0; w < 256; w++) {
			pb_cpuset_zero(&sets[w]);
			pb_cpuset_set(&sets[w], (w * 37) % 256);
		}
	}
	assert_int_equal(over, 0);
	for (int w = 0; w < 256; w++) {
		pb_cpuset_format(&sets[w], one, sizeof one);
		pb_sb_printf(&s, "%s%s", w ? ";" : "", one);
	}
	free(sets);
	assert_false(s.oom);
	return s.s;
}

static void test_raw_round_trip_256_workers(void **state)
{
	(void)state;
	char *cpus = cpus_256();
	struct pb_strbuf b = { 0 };
	struct pb_raw_row rows[3];
	char err[512], path[512];
	assert_true(strlen(cpus) > 256); /* past the fixed 256-byte field the reader once had */
	assert_non_null(strstr(cpus, "255"));
	pb_table_header(&pb_raw_table, &b);
	for (int i = 0; i < 3; i++) {
		sample_row(&rows[i], i + 1, cpus);
		assert_int_equal(pb_row_format(&pb_raw_table, &rows[i], &b, err, sizeof err), 0);
	}
	/* DESIGN's columns, in its order; later columns come after cpus */
	assert_int_equal(strncmp(b.s, RAW_HEADER, strlen(RAW_HEADER)), 0);
	assert_true(b.s[strlen(RAW_HEADER)] == '\n' || b.s[strlen(RAW_HEADER)] == ',');
	write_text("raw.csv", b.s);
	free(b.s);

	struct pb_raw raw;
	snprintf(path, sizeof path, "%s/raw.csv", dir);
	assert_int_equal(pb_raw_read(path, &raw, err, sizeof err), 0);
	assert_int_equal(raw.nrows, 3);
	assert_int_equal(raw.ncases, 1);
	for (int i = 0; i < 3; i++) {
		const struct pb_raw_row *r = &raw.rows[i];
		assert_string_equal(r->params, rows[i].params);
		assert_true(r->size == rows[i].size);
		assert_int_equal(r->workers, 256);
		assert_int_equal(r->rep, i + 1);
		assert_true(r->wall_s == 0.123456789);
		assert_true(r->setup_s == 1e-9);
		assert_int_equal(r->max_rss_kb, 123456789);
		assert_int_equal(r->verified, (i + 1) % 2);
		assert_string_equal(r->cpus, cpus);
	}
	/* summary and compare take what the reader took */
	struct pb_sumrow *sum;
	size_t n;
	assert_int_equal(pb_summary_compute(&raw, &sum, &n, err, sizeof err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(sum[0].key.workers, 256);
	free(sum);
	pb_raw_free(&raw);
	free(cpus);
}

static void test_counters_round_trip(void **state)
{
	(void)state;
	struct pb_strbuf b = { 0 };
	struct pb_counter_row c;
	char err[256];
	memset(&c, 0, sizeof c);
	sample_row(&c.key, 2, NULL);
	snprintf(c.backend, sizeof c.backend, "perf");
	snprintf(c.event, sizeof c.event, "context-switches");
	c.value = -5;
	pb_table_header(&pb_counters_table, &b);
	assert_string_equal(b.s, COUNTERS_HEADER "\n");
	assert_int_equal(pb_row_format(&pb_counters_table, &c, &b, err, sizeof err), 0);
	write_text("counters.csv", b.s);
	free(b.s);
	struct pb_counters ctr;
	assert_int_equal(pb_counters_read(dir, &ctr, err, sizeof err), 0);
	assert_int_equal(ctr.n, 1);
	assert_true(pb_case_key_equal(&ctr.rows[0].key, &c.key));
	assert_int_equal(ctr.rows[0].key.rep, 2);
	assert_string_equal(ctr.rows[0].event, "context-switches");
	assert_int_equal(ctr.rows[0].value, -5);
	pb_counters_free(&ctr);
	/* a header alone is no rows, not an error; no file at all likewise */
	write_text("counters.csv", COUNTERS_HEADER "\n");
	assert_int_equal(pb_counters_read(dir, &ctr, err, sizeof err), 0);
	assert_int_equal(ctr.n, 0);
}

static void test_writer_refuses_what_reader_would(void **state)
{
	(void)state;
	struct pb_strbuf b = { 0 };
	struct pb_raw_row r;
	char err[256];
	sample_row(&r, 1, "0");
	r.wall_s = 1.0 / 0.0;
	assert_int_equal(pb_row_format(&pb_raw_table, &r, &b, err, sizeof err), -1);
	assert_non_null(strstr(err, "wall_s"));
	assert_int_equal(b.len, 0); /* nothing appended */
	sample_row(&r, 1, "0");
	r.user_s = -1;
	assert_int_equal(pb_row_format(&pb_raw_table, &r, &b, err, sizeof err), -1);
	assert_non_null(strstr(err, "user_s"));
	free(b.s);
}

/* Files the reader must refuse, each with the message that says why. */
static void test_reader_refusals(void **state)
{
	(void)state;
	static const struct {
		const char *text, *why;
	} t[] = {
		{ RAW_HEADER "\nr,pi,10,,serial,1,1,1,static,none,1,inf,0,0,0,0,1,1,0\n", "bad value 'inf' in column wall_s" },
		{ RAW_HEADER "\nr,pi,10,,serial,1,1,1,static,none,1,nan,0,0,0,0,1,1,0\n", "bad value 'nan' in column wall_s" },
		{ RAW_HEADER "\nr,pi,10,,serial,1,1,1,static,none,1,-1,0,0,0,0,1,1,0\n", "bad value '-1' in column wall_s" },
		{ RAW_HEADER "\nr,pi,10,,serial,0,1,1,static,none,1,1,0,0,0,0,1,1,0\n", "bad value '0' in column workers" },
		{ RAW_HEADER "\nr,pi,-3,,serial,1,1,1,static,none,1,1,0,0,0,0,1,1,0\n", "bad value '-3' in column size" },
		{ RAW_HEADER "\nr,pi,10,,serial,1,1,1,static,none,1,1,0,0,0,0,1,maybe,0\n", "bad value 'maybe' in column verified" },
		{ RAW_HEADER "\nr,pi,10,,serial,1,1,1,static,none,1,1,0,0,0,0,1,1,0\nr,pi,10,,serial,1,1,1,static,none,1,2,0,0,0,0,1,1,0\n",
		  "repetition 1 of case pi n=10 serial j=1 T=1 c=1 static bind=none appears twice in run r" },
		{ "run_id,workload\nr,pi\n", "wrong header: 2 columns, expected at least 19 (the first missing is 'size')" },
		{ "run_id,workload,size,params,variant,workers,tasks,chunk,schedule,bind,rep,wall_s,setup_s,user_s,sys_s,"
		  "max_rss_kb,verified,result,cpus\n",
		  "wrong header: column 17 is 'verified', expected 'result'" },
		{ RAW_HEADER ",steal_s,check\nr,pi,10,,serial,1,1,1,static,none,1,1,0,0,0,0,1,1,0,0,reference\n",
		  "is not one of raw.csv's" },
		{ RAW_HEADER ",check,colour\nr,pi,10,,serial,1,1,1,static,none,1,1,0,0,0,0,1,1,0,reference,red\n", "is not one of raw.csv's" },
		{ RAW_HEADER "\n", "no measurements (only a header)" },
		{ RAW_HEADER "\nr,pi,10,,serial,1,1,1,static,none,1,1,0,0,0,0,1,1,0", "truncated" },
	};
	char path[512], err[1024];
	snprintf(path, sizeof path, "%s/bad.csv", dir);
	int bad = 0;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct pb_raw raw;
		write_text("bad.csv", t[i].text);
		int rc = pb_raw_read(path, &raw, err, sizeof err);
		if (rc == 0)
			pb_raw_free(&raw);
		if (rc != -1 || !strstr(err, t[i].why)) {
			print_message("case %zu: expected an error with '%s', got rc %d '%s'\n", i, t[i].why, rc, rc ? err : "");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* raw.csv of every earlier layout reads: DESIGN's columns, with check, with the disturbance columns, with both. */
static void test_reader_layouts(void **state)
{
	(void)state;
	static const struct {
		const char *extra_head, *extra_row, *check;
		int disturbed;
		long nivcsw;
	} t[] = {
		{ "", "", "", 0, 0 },
		{ ",check", ",consistency", "consistency", 0, 0 },
		{ ",steal_s,others_s,nivcsw,disturbed", ",0.001,0.002,7,1", "", 1, 7 },
		{ ",check,steal_s,others_s,nivcsw,disturbed", ",reference,0,0,3,0", "reference", 0, 3 },
		{ ",check,nivcsw", ",reference,5", "reference", 0, 5 },
	};
	char path[512], err[1024], text[1024];
	snprintf(path, sizeof path, "%s/layout.csv", dir);
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct pb_raw raw;
		snprintf(text, sizeof text, RAW_HEADER "%s\nr,pi,10,,serial,1,1,1,static,none,1,1,0,0,0,0,1,1,0%s\n", t[i].extra_head,
			 t[i].extra_row);
		write_text("layout.csv", text);
		int rc = pb_raw_read(path, &raw, err, sizeof err);
		if (rc != 0)
			print_message("layout %zu: %s\n", i, err);
		assert_int_equal(rc, 0);
		assert_string_equal(raw.rows[0].check, t[i].check);
		assert_int_equal(raw.rows[0].disturbed, t[i].disturbed);
		assert_int_equal(raw.rows[0].nivcsw, t[i].nivcsw);
		pb_raw_free(&raw);
	}
}

/* A FIFO as raw.csv is refused at once, never waited on. */
static void test_fifo_refused(void **state)
{
	(void)state;
	char path[512], err[512];
	struct pb_raw raw;
	snprintf(path, sizeof path, "%s/fifo.csv", dir);
	if (mkfifo(path, 0600) != 0)
		SKIP("cannot make a FIFO here");
	assert_int_equal(pb_raw_read(path, &raw, err, sizeof err), -1);
	assert_non_null(strstr(err, "is not a regular file (a FIFO)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw_round_trip_256_workers),
		cmocka_unit_test(test_counters_round_trip),
		cmocka_unit_test(test_writer_refuses_what_reader_would),
		cmocka_unit_test(test_reader_refusals),
		cmocka_unit_test(test_reader_layouts),
		cmocka_unit_test(test_fifo_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
