/* summary.c: summary.csv: one row per case with its statistics, speedup, set-up, CPU time and counters. */
#include "summary.h"
#include "csv.h"
#include "mech_figures.h"
#include "schema.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pb_fmt_double(char *buf, size_t len, double x)
{
	for (int prec = 9; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, x);
		if (strtod(buf, NULL) == x)
			return;
	}
}

int pb_params_get(const char *params, const char *key, char *val, size_t len)
{
	size_t kl = strlen(key);
	const char *p = params;
	while (*p) {
		p += strspn(p, " ;,&");
		size_t tl = strcspn(p, " ;,&");
		if (tl > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
			size_t vl = tl - kl - 1;
			if (vl >= len)
				vl = len - 1;
			memcpy(val, p + kl + 1, vl);
			val[vl] = '\0';
			return 0;
		}
		p += tl;
	}
	return -1;
}

int pb_variant_rank(const char *variant)
{
	static const char *const order[] = { "serial", "threads", "pool", "process", "shm", "openmp", "mpi" };
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		if (strcmp(variant, order[i]) == 0)
			return (int)i;
	return (int)(sizeof order / sizeof order[0]);
}

static int same_problem(const struct pb_raw_row *a, const struct pb_raw_row *b)
{
	return strcmp(a->workload, b->workload) == 0 && a->size == b->size && strcmp(a->params, b->params) == 0;
}

static int same_decomposition(const struct pb_raw_row *a, const struct pb_raw_row *b)
{
	return a->tasks == b->tasks && a->chunk == b->chunk && strcmp(a->schedule, b->schedule) == 0;
}

/* The reference serial median for row i (see pb_summary_compute), or NAN. */
static double serial_reference(const struct pb_sumrow *rows, size_t n, size_t i)
{
	double best_same = NAN, best_any = NAN;
	for (size_t j = 0; j < n; j++) {
		const struct pb_sumrow *s = &rows[j];
		if (strcmp(s->key.variant, "serial") != 0 || !s->verified || !same_problem(&s->key, &rows[i].key))
			continue;
		if (isnan(best_any) || s->st.median < best_any)
			best_any = s->st.median;
		if (same_decomposition(&s->key, &rows[i].key) && (isnan(best_same) || s->st.median < best_same))
			best_same = s->st.median;
	}
	return isnan(best_same) ? best_any : best_same;
}

int pb_summary_compute(const struct pb_raw *raw, struct pb_sumrow **out, size_t *n, char *err, size_t errlen)
{
	struct pb_sumrow *rows = calloc(raw->ncases ? raw->ncases : 1, sizeof *rows);
	if (!rows) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	double *v = malloc((raw->nrows ? raw->nrows : 1) * 3 * sizeof *v);
	if (!v) {
		free(rows);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < raw->ncases; i++) {
		const struct pb_case *c = &raw->cases[i];
		rows[i].key = c->key;
		rows[i].key.cpus = NULL;
		pb_stats_compute(c->wall_s, c->n, &rows[i].st);
		rows[i].verified = c->all_verified;
		for (size_t k = 0; k < c->n; k++) {
			const struct pb_raw_row *row = &raw->rows[c->rows[k]];
			v[k] = row->setup_s;
			v[c->n + k] = row->user_s;
			v[2 * c->n + k] = row->sys_s;
		}
		rows[i].setup_s = pb_median(v, c->n);
		rows[i].user_s = pb_median(v + c->n, c->n);
		rows[i].sys_s = pb_median(v + 2 * c->n, c->n);
		struct pb_mech_fig fig;
		if ((rows[i].is_mech = pb_mech_figures(&rows[i].key, &rows[i].st, &fig))) {
			rows[i].per_op_s = fig.per_op_s;
			rows[i].per_op_lo_s = fig.per_op_lo_s;
			rows[i].per_op_hi_s = fig.per_op_hi_s;
			rows[i].bytes_per_s = fig.bytes_per_s;
		}
	}
	free(v);
	for (size_t i = 0; i < raw->ncases; i++) {
		struct pb_sumrow *r = &rows[i];
		double ref = serial_reference(rows, raw->ncases, i);
		if (!isnan(ref) && r->st.median > 0) {
			r->has_speedup = 1;
			r->serial_median = ref;
			r->speedup = ref / r->st.median;
			r->efficiency = r->speedup / r->key.workers;
		}
	}
	*out = rows;
	*n = raw->ncases;
	return 0;
}

void pb_summary_add_counters(struct pb_sumrow *rows, size_t n, const struct pb_counters *ctr)
{
	double *v = malloc((ctr->n ? ctr->n : 1) * sizeof *v);
	if (!v)
		return;
	for (size_t i = 0; i < n; i++) {
		struct pb_sumrow *r = &rows[i];
		r->nctr = 0;
		/* the case's events, in order of first appearance */
		for (size_t k = 0; k < ctr->n; k++) {
			const struct pb_counter_row *c = &ctr->rows[k];
			if (!pb_case_key_equal(&c->key, &r->key))
				continue;
			int e;
			for (e = 0; e < r->nctr; e++)
				if (strcmp(r->ctr_event[e], c->event) == 0)
					break;
			if (e == r->nctr && r->nctr < PB_MAX_EVENTS)
				snprintf(r->ctr_event[r->nctr++], PB_EVENT_MAX, "%s", c->event);
		}
		for (int e = 0; e < r->nctr; e++) {
			size_t m = 0;
			for (size_t k = 0; k < ctr->n; k++)
				if (strcmp(ctr->rows[k].event, r->ctr_event[e]) == 0 &&
				    pb_case_key_equal(&ctr->rows[k].key, &r->key))
					v[m++] = (double)ctr->rows[k].value;
			r->ctr_median[e] = pb_median(v, m);
		}
	}
	free(v);
}

/* One summary.csv line for r, appended to b; the columns are schema.c's pb_summary_columns. */
static void format_row(struct pb_strbuf *b, const struct pb_sumrow *r)
{
	char num[64];
	const struct pb_raw_row *k = &r->key;
#define STR(s) pb_csv_append(b, (s), 0)
#define ULL(v) (snprintf(num, sizeof num, "%llu", (unsigned long long)(v)), STR(num))
#define DBL(v) (pb_fmt_double(num, sizeof num, (v)), STR(num))
	STR(k->workload);
	ULL(k->size);
	STR(k->params);
	STR(k->variant);
	ULL(k->workers);
	ULL(k->tasks);
	ULL(k->chunk);
	STR(k->schedule);
	STR(k->bind);
	ULL(r->st.n);
	DBL(r->st.median);
	DBL(r->st.min);
	DBL(r->st.max);
	DBL(r->st.mean);
	DBL(r->st.stddev);
	DBL(r->st.ci_lo);
	DBL(r->st.ci_hi);
	ULL(r->st.outliers);
	if (r->has_speedup) {
		DBL(r->speedup);
		DBL(r->efficiency);
	} else {
		STR("");
		STR("");
	}
	STR(r->verified ? "1" : "0");
	DBL(r->setup_s);
	DBL(r->user_s);
	DBL(r->sys_s);
	struct pb_strbuf c = { 0 };
	for (int e = 0; e < r->nctr; e++) {
		pb_fmt_double(num, sizeof num, r->ctr_median[e]);
		pb_sb_printf(&c, "%s%s=%s", e ? ";" : "", r->ctr_event[e], num);
	}
	pb_csv_append(b, c.s ? c.s : "", 0);
	free(c.s);
	if (r->is_mech) {
		DBL(r->per_op_s);
		DBL(r->per_op_lo_s);
		DBL(r->per_op_hi_s);
	} else {
		STR("");
		STR("");
		STR("");
	}
	if (r->is_mech && !isnan(r->bytes_per_s))
		pb_fmt_double(num, sizeof num, r->bytes_per_s);
	else
		num[0] = '\0';
	pb_csv_append(b, num, 1);
#undef STR
#undef ULL
#undef DBL
}

int pb_summary_write(const char *path, const struct pb_sumrow *rows, size_t n, char *err, size_t errlen)
{
	struct pb_strbuf b = { 0 };
	for (size_t i = 0; i < pb_summary_ncolumns; i++)
		pb_csv_append(&b, pb_summary_columns[i], i + 1 == pb_summary_ncolumns);
	for (size_t i = 0; i < n; i++)
		format_row(&b, &rows[i]);
	int rc;
	if (b.oom) {
		snprintf(err, errlen, "cannot write '%s': out of memory", path);
		rc = -1;
	} else {
		rc = pb_write_file_atomic(path, b.s, b.len, err, errlen);
	}
	free(b.s);
	return rc;
}

int pb_summary_write_dir(const char *dir, char *err, size_t errlen)
{
	struct pb_raw raw;
	struct pb_counters ctr;
	struct pb_sumrow *rows = NULL;
	size_t n = 0;
	char path[4096];
	if (pb_raw_read(dir, &raw, err, errlen) != 0)
		return -1;
	if (pb_counters_read(dir, &ctr, err, errlen) != 0) {
		pb_raw_free(&raw);
		return -1;
	}
	int rc = pb_summary_compute(&raw, &rows, &n, err, errlen);
	if (rc == 0) {
		pb_summary_add_counters(rows, n, &ctr);
		snprintf(path, sizeof path, "%s/summary.csv", dir);
		rc = pb_summary_write(path, rows, n, err, errlen);
	}
	free(rows);
	pb_counters_free(&ctr);
	pb_raw_free(&raw);
	return rc;
}
