/* results.c: reading raw.csv back into rows and cases, for report and compare. */
#include "results.h"
#include "csv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const raw_columns[] = {
	"run_id", "workload", "size", "params", "variant", "workers", "tasks", "chunk", "schedule", "bind",
	"rep", "wall_s", "setup_s", "user_s", "sys_s", "max_rss_kb", "result", "verified", "cpus",
};
#define NCOLS (sizeof raw_columns / sizeof raw_columns[0])

static int copy_str(char *dst, size_t cap, const char *s)
{
	size_t l = strlen(s);
	if (l >= cap)
		return -1;
	memcpy(dst, s, l + 1);
	return 0;
}

static int parse_ull(const char *s, unsigned long long *out)
{
	char *end;
	if (!*s || *s == '-')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return *end || errno ? -1 : 0;
}

static int parse_double(const char *s, double *out)
{
	char *end;
	if (!*s)
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	return *end || errno || *out != *out ? -1 : 0;
}

int pb_case_key_equal(const struct pb_raw_row *a, const struct pb_raw_row *b)
{
	return strcmp(a->workload, b->workload) == 0 && a->size == b->size &&
	       strcmp(a->params, b->params) == 0 && strcmp(a->variant, b->variant) == 0 &&
	       a->workers == b->workers && a->tasks == b->tasks && a->chunk == b->chunk &&
	       strcmp(a->schedule, b->schedule) == 0 && strcmp(a->bind, b->bind) == 0;
}

void pb_case_key_str(const struct pb_raw_row *k, char *buf, size_t len)
{
	snprintf(buf, len, "%s n=%llu%s%s %s j=%d T=%llu c=%llu %s bind=%s", k->workload, k->size,
		 k->params[0] ? " " : "", k->params, k->variant, k->workers, k->tasks, k->chunk, k->schedule,
		 k->bind);
}

static int row_from_fields(char **f, struct pb_raw_row *r, const char **bad)
{
	unsigned long long u;
	memset(r, 0, sizeof *r);
#define STR(field, i) if (copy_str(r->field, sizeof r->field, f[i])) { *bad = raw_columns[i]; return -1; }
#define ULL(field, i) if (parse_ull(f[i], &r->field)) { *bad = raw_columns[i]; return -1; }
#define DBL(field, i) if (parse_double(f[i], &r->field) || r->field < 0) { *bad = raw_columns[i]; return -1; }
	STR(run_id, 0);
	STR(workload, 1);
	ULL(size, 2);
	STR(params, 3);
	STR(variant, 4);
	if (parse_ull(f[5], &u) || u == 0 || u > 1000000) { *bad = "workers"; return -1; }
	r->workers = (int)u;
	ULL(tasks, 6);
	ULL(chunk, 7);
	STR(schedule, 8);
	STR(bind, 9);
	if (parse_ull(f[10], &u) || u > 1000000000) { *bad = "rep"; return -1; }
	r->rep = (int)u;
	DBL(wall_s, 11);
	DBL(setup_s, 12);
	DBL(user_s, 13);
	DBL(sys_s, 14);
	if (parse_ull(f[15], &u)) { *bad = "max_rss_kb"; return -1; }
	r->max_rss_kb = (long)u;
	STR(result, 16);
	if (strcmp(f[17], "1") == 0 || strcmp(f[17], "yes") == 0 || strcmp(f[17], "true") == 0)
		r->verified = 1;
	else if (strcmp(f[17], "0") == 0 || strcmp(f[17], "no") == 0 || strcmp(f[17], "false") == 0)
		r->verified = 0;
	else { *bad = "verified"; return -1; }
	STR(cpus, 18);
#undef STR
#undef ULL
#undef DBL
	if (!r->workload[0] || !r->variant[0]) {
		*bad = !r->workload[0] ? "workload" : "variant";
		return -1;
	}
	return 0;
}

int pb_raw_read(const char *path, struct pb_raw *raw, char *err, size_t errlen)
{
	char file[4096];
	struct stat st;
	struct pb_csv csv;

	memset(raw, 0, sizeof *raw);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		snprintf(file, sizeof file, "%s/raw.csv", path);
	else
		snprintf(file, sizeof file, "%s", path);
	if (pb_csv_read(file, &csv, err, errlen) != 0)
		return -1;
	if (csv.ncols != NCOLS) {
		snprintf(err, errlen, "'%s': wrong header: expected %zu columns (%s), found %zu", file, NCOLS,
			 PB_RAW_COLUMNS, csv.ncols);
		goto fail;
	}
	for (size_t c = 0; c < NCOLS; c++) {
		if (strcmp(csv.rows[0][c], raw_columns[c]) != 0) {
			snprintf(err, errlen, "'%s': wrong header: column %zu is '%s', expected '%s'", file,
				 c + 1, csv.rows[0][c], raw_columns[c]);
			goto fail;
		}
	}
	if (csv.nrows < 2) {
		snprintf(err, errlen, "'%s': no measurements (only a header)", file);
		goto fail;
	}
	raw->nrows = csv.nrows - 1;
	raw->rows = calloc(raw->nrows, sizeof *raw->rows);
	raw->cases = calloc(raw->nrows, sizeof *raw->cases);
	if (!raw->rows || !raw->cases) {
		snprintf(err, errlen, "cannot read '%s': out of memory", file);
		goto fail;
	}
	for (size_t i = 0; i < raw->nrows; i++) {
		const char *bad = "?";
		if (row_from_fields(csv.rows[i + 1], &raw->rows[i], &bad) != 0) {
			int col = pb_csv_col(&csv, bad); /* the header was checked: always found */
			snprintf(err, errlen, "'%s' row %zu: bad value '%s' in column %s", file, i + 1,
				 csv.rows[i + 1][col < 0 ? 0 : col], bad);
			goto fail;
		}
	}
	for (size_t i = 0; i < raw->nrows; i++) {
		const struct pb_raw_row *r = &raw->rows[i];
		size_t c;
		for (c = 0; c < raw->ncases; c++)
			if (pb_case_key_equal(&raw->cases[c].key, r))
				break;
		if (c == raw->ncases) {
			raw->cases[c].key = *r;
			raw->cases[c].all_verified = 1;
			raw->cases[c].wall_s = calloc(raw->nrows, sizeof(double));
			if (!raw->cases[c].wall_s) {
				snprintf(err, errlen, "cannot read '%s': out of memory", file);
				goto fail;
			}
			raw->ncases++;
		}
		struct pb_case *k = &raw->cases[c];
		k->wall_s[k->n++] = r->wall_s;
		if (!r->verified)
			k->all_verified = 0;
	}
	pb_csv_free(&csv);
	return 0;
fail:
	pb_csv_free(&csv);
	pb_raw_free(raw);
	return -1;
}

void pb_raw_free(struct pb_raw *raw)
{
	for (size_t c = 0; c < raw->ncases; c++)
		free(raw->cases[c].wall_s);
	free(raw->cases);
	free(raw->rows);
	memset(raw, 0, sizeof *raw);
}
