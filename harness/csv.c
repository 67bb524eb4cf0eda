/* csv.c: RFC 4180 writing and strict reading. */
#include "csv.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

void pb_csv_append(struct pb_strbuf *b, const char *field, int last)
{
	if (strpbrk(field, ",\"\r\n")) {
		pb_sb_putn(b, "\"", 1);
		for (const char *s = field; *s; s++)
			pb_sb_putn(b, *s == '"' ? "\"\"" : s, *s == '"' ? 2 : 1);
		pb_sb_putn(b, "\"", 1);
	} else {
		pb_sb_puts(b, field);
	}
	pb_sb_putn(b, last ? "\n" : ",", 1);
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

/* Read the whole file: a regular file, non-empty, text, ending in a newline.  0, or -1 with err. */
static int read_text(const char *path, char **data, size_t *len, char *err, size_t errlen)
{
	if (pb_read_file(path, data, len, err, errlen) != 0)
		return -1;
	const char *why = *len == 0 ? "empty file"
			  : memchr(*data, '\0', *len) ? "not a text file"
			  : (*data)[*len - 1] != '\n' ? "truncated (the last line has no newline)"
							: NULL;
	if (why) {
		snprintf(err, errlen, "'%s': %s", path, why);
		free(*data);
		*data = NULL;
		return -1;
	}
	return 0;
}

/* A parser's position in the file's text. */
struct cursor {
	const char *path;
	const char *data;
	size_t len, i, line;
	char *field; /* scratch for one field, len + 1 bytes */
};

/* One field at c->i into c->field; c->i is left at its delimiter.  0, or -1 with err. */
static int read_field(struct cursor *c, char *err, size_t errlen)
{
	size_t fl = 0;
	if (c->data[c->i] == '"') {
		c->i++;
		for (;;) {
			if (c->i >= c->len) {
				snprintf(err, errlen, "'%s' line %zu: unterminated quoted field", c->path, c->line);
				return -1;
			}
			char ch = c->data[c->i];
			if (ch == '"' && c->i + 1 < c->len && c->data[c->i + 1] == '"') {
				c->field[fl++] = '"';
				c->i += 2;
				continue;
			}
			c->i++;
			if (ch == '"')
				break;
			if (ch == '\n')
				c->line++;
			c->field[fl++] = ch;
		}
		if (c->i < c->len && !strchr(",\n\r", c->data[c->i])) {
			snprintf(err, errlen, "'%s' line %zu: text after a closing quote", c->path, c->line);
			return -1;
		}
	} else {
		while (c->i < c->len && !strchr(",\n\r", c->data[c->i])) {
			if (c->data[c->i] == '"') {
				snprintf(err, errlen, "'%s' line %zu: quote inside an unquoted field", c->path, c->line);
				return -1;
			}
			c->field[fl++] = c->data[c->i++];
		}
	}
	c->field[fl] = '\0';
	return 0;
}

/* One record (the fields up to its newline) into *fields (malloc'd, *nf of them).  0, or -1 with err. */
static int read_record(struct cursor *c, char ***fields, size_t *nf, char *err, size_t errlen)
{
	size_t cap = 0;
	*fields = NULL;
	*nf = 0;
	for (;;) {
		if (read_field(c, err, errlen) != 0)
			return -1;
		char *copy = strdup(c->field);
		if (!copy || push((void **)fields, nf, &cap, sizeof **fields, &copy) != 0) {
			free(copy);
			snprintf(err, errlen, "cannot read '%s': out of memory", c->path);
			return -1;
		}
		if (c->i < c->len && c->data[c->i] == '\r')
			c->i++;
		if (c->i < c->len && c->data[c->i] == ',') {
			c->i++;
			continue;
		}
		c->i++; /* the newline */
		return 0;
	}
}

static void free_fields(char **fields, size_t n)
{
	for (size_t k = 0; k < n; k++)
		free(fields[k]);
	free(fields);
}

int pb_csv_read(const char *path, struct pb_csv *csv, char *err, size_t errlen)
{
	struct cursor c = { .path = path, .line = 1 };
	char *data = NULL;
	size_t rcap = 0;
	int rc = -1;
	memset(csv, 0, sizeof *csv);
	if (read_text(path, &data, &c.len, err, errlen) != 0)
		return -1;
	c.data = data;
	if (!(c.field = malloc(c.len + 1))) {
		snprintf(err, errlen, "cannot read '%s': out of memory", path);
		goto out;
	}
	while (c.i < c.len) {
		char **fields;
		size_t nf;
		if (read_record(&c, &fields, &nf, err, errlen) != 0)
			goto out;
		if (csv->nrows == 0) {
			csv->ncols = nf;
		} else if (nf != csv->ncols) {
			snprintf(err, errlen, "'%s' line %zu: %zu fields, the header has %zu", path, c.line, nf, csv->ncols);
			free_fields(fields, nf);
			goto out;
		}
		if (push((void **)&csv->rows, &csv->nrows, &rcap, sizeof *csv->rows, &fields) != 0) {
			snprintf(err, errlen, "cannot read '%s': out of memory", path);
			free_fields(fields, nf);
			goto out;
		}
		c.line++;
	}
	rc = 0;
out:
	free(c.field);
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
