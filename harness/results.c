/* results.c: reading raw.csv and counters.csv back into rows and cases, for report, compare and ab. */
#include "results.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

void pb_raw_path(const char *path, char *file, size_t len)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		snprintf(file, len, "%s/raw.csv", path);
	else
		snprintf(file, len, "%s", path);
}

/*
 * Read a file of table t into csv and parse its rows into an array of
 * elem-sized structs.  empty_ok: a file with only a header gives 0 rows
 * rather than an error.  0, or -1 with err.
 */
static int read_table(const char *file, const struct pb_table *t, struct pb_csv *csv, void **rows, size_t *n,
		      size_t elem, int empty_ok, char *err, size_t errlen)
{
	char why[512];
	*rows = NULL;
	*n = 0;
	if (pb_csv_read(file, csv, err, errlen) != 0)
		return -1;
	size_t *map = malloc((csv->ncols + 1) * sizeof *map);
	if (!map) {
		snprintf(err, errlen, "cannot read '%s': out of memory", file);
		return -1;
	}
	int ncols = pb_table_check_header(t, csv->rows[0], csv->ncols, map, why, sizeof why);
	if (ncols < 0) {
		snprintf(err, errlen, "'%s': %s", file, why);
		free(map);
		return -1;
	}
	if (csv->nrows < 2) {
		free(map);
		if (empty_ok)
			return 0;
		snprintf(err, errlen, "'%s': no measurements (only a header)", file);
		return -1;
	}
	char *out = calloc(csv->nrows - 1, elem);
	if (!out) {
		free(map);
		snprintf(err, errlen, "cannot read '%s': out of memory", file);
		return -1;
	}
	for (size_t i = 1; i < csv->nrows; i++) {
		const char *bad = "?";
		if (pb_row_parse(t, (size_t)ncols, map, csv->rows[i], out + (i - 1) * elem, &bad) != 0) {
			int col = pb_csv_col(csv, bad);
			snprintf(err, errlen, "'%s' row %zu: bad value '%s' in column %s", file, i,
				 csv->rows[i][col < 0 ? 0 : col], bad);
			free(out);
			free(map);
			return -1;
		}
	}
	free(map);
	*rows = out;
	*n = csv->nrows - 1;
	return 0;
}

/* Group raw's rows into cases; a repetition seen twice in one run is an error.  0, or -1 with err. */
static int group_cases(struct pb_raw *raw, const char *file, char *err, size_t errlen)
{
	raw->cases = calloc(raw->nrows, sizeof *raw->cases);
	if (!raw->cases)
		goto oom;
	for (size_t i = 0; i < raw->nrows; i++) {
		const struct pb_raw_row *r = &raw->rows[i];
		size_t c;
		for (c = 0; c < raw->ncases; c++)
			if (pb_case_key_equal(&raw->cases[c].key, r))
				break;
		struct pb_case *k = &raw->cases[c];
		if (c == raw->ncases) {
			k->key = *r;
			k->all_verified = 1;
			k->wall_s = calloc(raw->nrows, sizeof *k->wall_s);
			k->rows = calloc(raw->nrows, sizeof *k->rows);
			raw->ncases++;
			if (!k->wall_s || !k->rows)
				goto oom;
		}
		for (size_t j = 0; j < k->n; j++) {
			const struct pb_raw_row *q = &raw->rows[k->rows[j]];
			if (q->rep == r->rep && strcmp(q->run_id, r->run_id) == 0) {
				char key[PB_PARAMS_MAX + 256];
				pb_case_key_str(r, key, sizeof key);
				snprintf(err, errlen, "'%s' rows %zu and %zu: repetition %d of case %s appears twice in run %s",
					 file, k->rows[j] + 1, i + 1, r->rep, key, r->run_id);
				return -1;
			}
		}
		k->rows[k->n] = i;
		k->wall_s[k->n++] = r->wall_s;
		if (!r->verified)
			k->all_verified = 0;
	}
	return 0;
oom:
	snprintf(err, errlen, "cannot read '%s': out of memory", file);
	return -1;
}

int pb_raw_read(const char *path, struct pb_raw *raw, char *err, size_t errlen)
{
	char file[4096];
	void *rows;
	memset(raw, 0, sizeof *raw);
	pb_raw_path(path, file, sizeof file);
	if (read_table(file, &pb_raw_table, &raw->csv, &rows, &raw->nrows, sizeof *raw->rows, 0, err, errlen) != 0)
		goto fail;
	raw->rows = rows;
	if (group_cases(raw, file, err, errlen) != 0)
		goto fail;
	return 0;
fail:
	pb_raw_free(raw);
	return -1;
}

void pb_raw_free(struct pb_raw *raw)
{
	for (size_t c = 0; c < raw->ncases; c++) {
		free(raw->cases[c].wall_s);
		free(raw->cases[c].rows);
	}
	free(raw->cases);
	free(raw->rows);
	pb_csv_free(&raw->csv);
	memset(raw, 0, sizeof *raw);
}

int pb_counters_read(const char *dir, struct pb_counters *c, char *err, size_t errlen)
{
	char file[4096];
	struct pb_csv csv;
	void *rows;
	memset(c, 0, sizeof *c);
	snprintf(file, sizeof file, "%s/counters.csv", dir);
	if (access(file, F_OK) != 0 && errno == ENOENT)
		return 0;
	int rc = read_table(file, &pb_counters_table, &csv, &rows, &c->n, sizeof *c->rows, 1, err, errlen);
	pb_csv_free(&csv); /* counter rows hold no pointer into the text */
	c->rows = rows;
	return rc;
}

void pb_counters_free(struct pb_counters *c)
{
	free(c->rows);
	memset(c, 0, sizeof *c);
}
