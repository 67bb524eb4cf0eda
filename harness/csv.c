/* csv.c: RFC 4180 writing and strict reading. */
#include "csv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void pb_csv_field(char *buf, size_t cap, size_t *pos, const char *field, int last)
{
	int quote = strpbrk(field, ",\"\r\n") != NULL;
	size_t p = *pos;
#define PUT(c) do { if (p + 1 < cap) buf[p] = (c); p++; } while (0)
	if (quote)
		PUT('"');
	for (const char *s = field; *s; s++) {
		if (*s == '"')
			PUT('"');
		PUT(*s);
	}
	if (quote)
		PUT('"');
	PUT(last ? '\n' : ',');
#undef PUT
	if (cap)
		buf[p < cap ? p : cap - 1] = '\0';
	*pos = p;
}

static int push(void **arr, size_t *n, size_t *cap, size_t elem, const void *item)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		void *na = realloc(*arr, nc * elem);
		if (!na)
			return -1;
		*arr = na;
		*cap = nc;
	}
	memcpy((char *)*arr + *n * elem, item, elem);
	(*n)++;
	return 0;
}

int pb_csv_read(const char *path, struct pb_csv *csv, char *err, size_t errlen)
{
	memset(csv, 0, sizeof *csv);
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	char *data = NULL;
	size_t len = 0, cap = 0;
	char chunk[65536];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (len + got + 1 > cap) {
			cap = (len + got + 1) * 2;
			char *nd = realloc(data, cap);
			if (!nd) {
				free(data);
				fclose(f);
				snprintf(err, errlen, "cannot read '%s': out of memory", path);
				return -1;
			}
			data = nd;
		}
		memcpy(data + len, chunk, got);
		len += got;
	}
	int rerr = ferror(f);
	fclose(f);
	if (rerr) {
		free(data);
		snprintf(err, errlen, "cannot read '%s': read error", path);
		return -1;
	}
	if (len == 0) {
		free(data);
		snprintf(err, errlen, "'%s': empty file", path);
		return -1;
	}
	data[len] = '\0';
	if (memchr(data, '\0', len)) {
		free(data);
		snprintf(err, errlen, "'%s': not a text file", path);
		return -1;
	}
	if (data[len - 1] != '\n') {
		free(data);
		snprintf(err, errlen, "'%s': truncated (the last line has no newline)", path);
		return -1;
	}

	size_t line = 1, i = 0, rcap = 0;
	char **fields = NULL;
	size_t nf = 0, fcap = 0;
	char *field = malloc(len + 1);
	int rc = -1;
	if (!field)
		goto out;
	while (i < len) {
		size_t fl = 0;
		if (data[i] == '"') {
			i++;
			for (;;) {
				if (i >= len) {
					snprintf(err, errlen, "'%s' line %zu: unterminated quoted field", path, line);
					goto out;
				}
				if (data[i] == '"') {
					if (i + 1 < len && data[i + 1] == '"') {
						field[fl++] = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				if (data[i] == '\n')
					line++;
				field[fl++] = data[i++];
			}
			if (i < len && data[i] != ',' && data[i] != '\n' && data[i] != '\r') {
				snprintf(err, errlen, "'%s' line %zu: text after a closing quote", path, line);
				goto out;
			}
		} else {
			while (i < len && data[i] != ',' && data[i] != '\n' && data[i] != '\r') {
				if (data[i] == '"') {
					snprintf(err, errlen, "'%s' line %zu: quote inside an unquoted field", path, line);
					goto out;
				}
				field[fl++] = data[i++];
			}
		}
		field[fl] = '\0';
		char *copy = strdup(field);
		if (!copy || push((void **)&fields, &nf, &fcap, sizeof *fields, &copy) != 0) {
			free(copy);
			snprintf(err, errlen, "cannot read '%s': out of memory", path);
			goto out;
		}
		if (i < len && data[i] == '\r')
			i++;
		if (i < len && data[i] == ',') {
			i++;
			continue;
		}
		/* end of a record */
		i++;
		if (csv->nrows == 0)
			csv->ncols = nf;
		else if (nf != csv->ncols) {
			snprintf(err, errlen, "'%s' line %zu: %zu fields, the header has %zu", path, line, nf,
				 csv->ncols);
			goto out;
		}
		if (push((void **)&csv->rows, &csv->nrows, &rcap, sizeof *csv->rows, &fields) != 0) {
			snprintf(err, errlen, "cannot read '%s': out of memory", path);
			goto out;
		}
		fields = NULL;
		nf = fcap = 0;
		line++;
	}
	rc = 0;
out:
	for (size_t k = 0; k < nf; k++)
		free(fields[k]);
	free(fields);
	free(field);
	free(data);
	if (rc != 0)
		pb_csv_free(csv);
	return rc;
}

void pb_csv_free(struct pb_csv *csv)
{
	for (size_t r = 0; r < csv->nrows; r++) {
		for (size_t c = 0; c < csv->ncols; c++)
			free(csv->rows[r][c]);
		free(csv->rows[r]);
	}
	free(csv->rows);
	memset(csv, 0, sizeof *csv);
}

int pb_csv_col(const struct pb_csv *csv, const char *name)
{
	if (csv->nrows == 0)
		return -1;
	for (size_t c = 0; c < csv->ncols; c++)
		if (strcmp(csv->rows[0][c], name) == 0)
			return (int)c;
	return -1;
}
