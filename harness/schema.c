/* schema.c: the results files' column tables, and the one formatter and parser of their rows. */
#include "schema.h"
#include "csv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RAW(f) offsetof(struct pb_raw_row, f)
#define TEXT(name, f) { name, PB_COL_TEXT, RAW(f), sizeof(((struct pb_raw_row *)0)->f), 0, 0, NULL, 0 }

/* The case key's columns, as they stand in raw.csv and (through .key) in counters.csv. */
#define KEY_COLS(OFF)                                                                                   \
	TEXT("workload", OFF workload), { "size", PB_COL_ULL, RAW(OFF size), 0, 1, 0, NULL, 0 },          \
		TEXT("params", OFF params), TEXT("variant", OFF variant),                                 \
		{ "workers", PB_COL_INT, RAW(OFF workers), 0, 1, 1000000, NULL, 0 },                      \
		{ "tasks", PB_COL_ULL, RAW(OFF tasks), 0, 1, 0, NULL, 0 },                                \
		{ "chunk", PB_COL_ULL, RAW(OFF chunk), 0, 1, 0, NULL, 0 }, TEXT("schedule", OFF schedule), \
		TEXT("bind", OFF bind)

static const struct pb_column raw_cols[] = {
	TEXT("run_id", run_id),
	KEY_COLS(),
	{ "rep", PB_COL_INT, RAW(rep), 0, 0, 1000000000, NULL, 0 },
	{ "wall_s", PB_COL_SECONDS, RAW(wall_s), 0, 0, 0, "%.9f", 0 },
	{ "setup_s", PB_COL_SECONDS, RAW(setup_s), 0, 0, 0, "%.9f", 0 },
	{ "user_s", PB_COL_SECONDS, RAW(user_s), 0, 0, 0, "%.6f", 0 },
	{ "sys_s", PB_COL_SECONDS, RAW(sys_s), 0, 0, 0, "%.6f", 0 },
	{ "max_rss_kb", PB_COL_LONG, RAW(max_rss_kb), 0, 0, 0, NULL, 0 },
	TEXT("result", result),
	{ "verified", PB_COL_FLAG, RAW(verified), 0, 0, 0, NULL, 0 },
	{ "cpus", PB_COL_DTEXT, RAW(cpus), 0, 0, 0, NULL, 0 },
	{ "check", PB_COL_TEXT, RAW(check), sizeof(((struct pb_raw_row *)0)->check), 0, 0, NULL, 1 },
	/* the disturbance of each repetition (issue 10); optional, so older files still read */
	{ "steal_s", PB_COL_SECONDS, RAW(steal_s), 0, 0, 0, "%.3f", 1 },
	{ "others_s", PB_COL_SECONDS, RAW(others_s), 0, 0, 0, "%.3f", 1 },
	{ "nivcsw", PB_COL_LONG, RAW(nivcsw), 0, 0, 0, NULL, 1 },
	{ "disturbed", PB_COL_FLAG, RAW(disturbed), 0, 0, 0, NULL, 1 },
};
#undef RAW

#define CTR(f) offsetof(struct pb_counter_row, f)
#define RAW(f) (CTR(key) + offsetof(struct pb_raw_row, f))
static const struct pb_column counter_cols[] = {
	TEXT("run_id", run_id),
	KEY_COLS(),
	{ "rep", PB_COL_INT, RAW(rep), 0, 0, 1000000000, NULL, 0 },
	{ "backend", PB_COL_TEXT, CTR(backend), PB_BACKEND_MAX, 0, 0, NULL, 0 },
	{ "event", PB_COL_TEXT, CTR(event), PB_EVENT_MAX, 0, 0, NULL, 0 },
	{ "value", PB_COL_LLONG, CTR(value), 0, 0, 0, NULL, 0 },
};
#undef RAW
#undef TEXT

const struct pb_table pb_raw_table = { "raw.csv", raw_cols, sizeof raw_cols / sizeof raw_cols[0] };
const struct pb_table pb_counters_table = { "counters.csv", counter_cols, sizeof counter_cols / sizeof counter_cols[0] };

const char *const pb_summary_columns[] = {
	"workload", "size", "params", "variant", "workers", "tasks", "chunk", "schedule", "bind",
	"reps", "median_s", "min_s", "max_s", "mean_s", "stddev_s", "ci_lo_s", "ci_hi_s", "outliers",
	"speedup", "efficiency", "verified", "setup_s", "user_s", "sys_s", "counters",
	/* mechanism cases (parbench mech) only, empty otherwise: median and CI per operation, stream bandwidth */
	"per_op_s", "per_op_ci_lo_s", "per_op_ci_hi_s", "bytes_per_s",
};
const size_t pb_summary_ncolumns = sizeof pb_summary_columns / sizeof pb_summary_columns[0];

void pb_table_header(const struct pb_table *t, struct pb_strbuf *b)
{
	for (size_t i = 0; i < t->ncols; i++) {
		pb_sb_puts(b, t->cols[i].name);
		pb_sb_puts(b, i + 1 < t->ncols ? "," : "\n");
	}
}

int pb_row_format(const struct pb_table *t, const void *row, struct pb_strbuf *b, char *err, size_t errlen)
{
	size_t start = b->len;
	for (size_t i = 0; i < t->ncols; i++) {
		const struct pb_column *c = &t->cols[i];
		const char *p = (const char *)row + c->offset;
		char num[64];
		const char *text = num;
		switch (c->type) {
		case PB_COL_TEXT:
			text = p;
			if (strnlen(text, c->max) >= c->max) {
				snprintf(err, errlen, "%s: a value is longer than %zu bytes", c->name, c->max - 1);
				goto fail;
			}
			break;
		case PB_COL_DTEXT:
			text = *(char *const *)p ? *(char *const *)p : "";
			break;
		case PB_COL_ULL:
			snprintf(num, sizeof num, "%llu", *(const unsigned long long *)p);
			break;
		case PB_COL_INT:
		case PB_COL_FLAG:
			snprintf(num, sizeof num, "%d", *(const int *)p);
			break;
		case PB_COL_LONG:
			snprintf(num, sizeof num, "%ld", *(const long *)p);
			break;
		case PB_COL_LLONG:
			snprintf(num, sizeof num, "%lld", *(const long long *)p);
			break;
		case PB_COL_SECONDS: {
			double v = *(const double *)p;
			if (!isfinite(v) || v < 0) {
				snprintf(err, errlen, "%s: %g is not a time", c->name, v);
				goto fail;
			}
			snprintf(num, sizeof num, c->fmt, v);
			break;
		}
		}
		pb_csv_append(b, text, i + 1 == t->ncols);
	}
	if (b->oom) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return 0;
fail:
	b->len = start;
	if (b->s)
		b->s[start] = '\0';
	return -1;
}

int pb_table_check_header(const struct pb_table *t, char **fields, size_t n, size_t *map, char *err, size_t errlen)
{
	size_t j = 0; /* the table's next column */
	for (size_t i = 0; i < n; i++) {
		size_t k = j;
		/* an optional column may be missing: the file's column is a later one of the table's */
		while (k < t->ncols && strcmp(fields[i], t->cols[k].name) != 0 && t->cols[k].optional)
			k++;
		if (k < t->ncols && strcmp(fields[i], t->cols[k].name) == 0) {
			map[i] = k;
			j = k + 1;
			continue;
		}
		if (k >= t->ncols) /* nothing left it could be: the rest of the table is optional and does not name it */
			snprintf(err, errlen, "wrong header: column %zu '%s' is not one of %s's %zu columns", i + 1,
				 fields[i], t->file, t->ncols);
		else
			snprintf(err, errlen, "wrong header: column %zu is '%s', expected '%s'", i + 1, fields[i],
				 t->cols[k].name);
		return -1;
	}
	size_t required = 0;
	for (size_t k = 0; k < t->ncols; k++)
		if (!t->cols[k].optional)
			required = k + 1;
	for (; j < t->ncols; j++)
		if (!t->cols[j].optional) {
			snprintf(err, errlen, "wrong header: %zu columns, expected at least %zu (the first missing is '%s')", n,
				 required, t->cols[j].name);
			return -1;
		}
	return (int)n;
}

static int parse_ull(const char *s, unsigned long long *out)
{
	char *end;
	if (!*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return *end || errno ? -1 : 0;
}

static int parse_ll(const char *s, long long *out)
{
	char *end;
	if (!*s || *s == ' ' || *s == '+')
		return -1;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return *end || errno ? -1 : 0;
}

int pb_row_parse(const struct pb_table *t, size_t ncols, const size_t *map, char **fields, void *row, const char **bad)
{
	for (size_t i = 0; i < ncols; i++) {
		const struct pb_column *c = &t->cols[map[i]];
		char *p = (char *)row + c->offset;
		const char *f = fields[i];
		unsigned long long u;
		long long ll;
		*bad = c->name;
		switch (c->type) {
		case PB_COL_TEXT: {
			size_t l = strlen(f);
			if (l >= c->max)
				return -1;
			memcpy(p, f, l + 1);
			break;
		}
		case PB_COL_DTEXT:
			*(const char **)p = f;
			break;
		case PB_COL_ULL:
			if (parse_ull(f, &u) || u < (unsigned long long)c->lo)
				return -1;
			*(unsigned long long *)p = u;
			break;
		case PB_COL_INT:
			if (parse_ll(f, &ll) || ll < c->lo || ll > c->hi)
				return -1;
			*(int *)p = (int)ll;
			break;
		case PB_COL_LONG:
			if (parse_ll(f, &ll) || ll < 0)
				return -1;
			*(long *)p = (long)ll;
			break;
		case PB_COL_LLONG:
			if (parse_ll(f, &ll))
				return -1;
			*(long long *)p = ll;
			break;
		case PB_COL_SECONDS: {
			char *end;
			if (!*f)
				return -1;
			errno = 0;
			double v = strtod(f, &end);
			if (*end || errno || !isfinite(v) || v < 0)
				return -1; /* inf, nan and negative times are not measurements */
			*(double *)p = v;
			break;
		}
		case PB_COL_FLAG:
			if (!strcmp(f, "1") || !strcmp(f, "yes") || !strcmp(f, "true"))
				*(int *)p = 1;
			else if (!strcmp(f, "0") || !strcmp(f, "no") || !strcmp(f, "false"))
				*(int *)p = 0;
			else
				return -1;
			break;
		}
	}
	*bad = NULL;
	return 0;
}
