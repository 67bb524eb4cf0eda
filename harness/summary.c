/* summary.c: summary.csv: one row per case with its statistics, speedup and efficiency. */
#include "commands.h"
#include "csv.h"
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void pb_textf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

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
	for (size_t i = 0; i < raw->ncases; i++) {
		const struct pb_case *c = &raw->cases[i];
		rows[i].key = c->key;
		pb_stats_compute(c->wall_s, c->n, &rows[i].st);
		rows[i].verified = c->all_verified;
	}
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

/* One summary.csv line for r into buf. */
static void format_row(char *buf, size_t cap, const struct pb_sumrow *r)
{
	size_t pos = 0;
	char num[64];
	const struct pb_raw_row *k = &r->key;
#define STR(s) pb_csv_field(buf, cap, &pos, (s), 0)
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
	pb_csv_field(buf, cap, &pos, r->verified ? "1" : "0", 1);
#undef STR
#undef ULL
#undef DBL
}

int pb_summary_write(const char *path, const struct pb_sumrow *rows, size_t n, char *err, size_t errlen)
{
	char tmp[4200];
	char line[8192];
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f) {
		snprintf(err, errlen, "cannot write '%s': %s", tmp, strerror(errno));
		return -1;
	}
	fputs(PB_SUMMARY_COLUMNS "\n", f);
	for (size_t i = 0; i < n; i++) {
		format_row(line, sizeof line, &rows[i]);
		fputs(line, f);
	}
	int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
	int e = errno;
	if (fclose(f) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	if (bad) {
		unlink(tmp);
		snprintf(err, errlen, "cannot write '%s': %s", tmp, strerror(e));
		return -1;
	}
	if (rename(tmp, path) != 0) {
		e = errno;
		unlink(tmp);
		snprintf(err, errlen, "cannot rename '%s' to '%s': %s", tmp, path, strerror(e));
		return -1;
	}
	return 0;
}

int pb_summary_write_dir(const char *dir, char *err, size_t errlen)
{
	struct pb_raw raw;
	struct pb_sumrow *rows = NULL;
	size_t n = 0;
	char path[4096];
	if (pb_raw_read(dir, &raw, err, errlen) != 0)
		return -1;
	int rc = pb_summary_compute(&raw, &rows, &n, err, errlen);
	if (rc == 0) {
		snprintf(path, sizeof path, "%s/summary.csv", dir);
		rc = pb_summary_write(path, rows, n, err, errlen);
	}
	free(rows);
	pb_raw_free(&raw);
	return rc;
}
