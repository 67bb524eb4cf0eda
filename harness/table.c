/* table.c: one results table for `run`, `report` and the Markdown export: folded constants, human units, 120 columns. */
#include "table.h"
#include "util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- human units ---- */

size_t pb_text_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

/* The unit a time of s seconds reads best in: its scale and name. */
static void time_unit(double s, double *scale, const char **name)
{
	double a = fabs(s);
	if (a >= 1 || a == 0) {
		*scale = 1;
		*name = "s";
	} else if (a >= 1e-3) {
		*scale = 1e3;
		*name = "ms";
	} else if (a >= 1e-6) {
		*scale = 1e6;
		*name = "µs";
	} else {
		*scale = 1e9;
		*name = "ns";
	}
}

/* Three significant digits without an exponent: 1.23, 12.3, 123, 1234 (the last for values past 999). */
static void sig3(char *buf, size_t len, double v)
{
	double a = fabs(v);
	int dec = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : a >= 0.1 ? 3 : a >= 0.01 ? 4 : 5;
	if (v == 0)
		dec = 0;
	snprintf(buf, len, "%.*f", dec, v);
}

void pb_fmt_time(char *buf, size_t len, double s)
{
	double scale;
	const char *unit;
	char num[32];
	if (!isfinite(s)) {
		snprintf(buf, len, "-");
		return;
	}
	time_unit(s, &scale, &unit);
	sig3(num, sizeof num, s * scale);
	snprintf(buf, len, "%s %s", num, unit);
}

void pb_fmt_time_range(char *buf, size_t len, double lo, double hi)
{
	double scale;
	const char *unit;
	char a[32], b[32];
	if (!isfinite(lo) || !isfinite(hi)) {
		snprintf(buf, len, "-");
		return;
	}
	time_unit(hi, &scale, &unit);
	sig3(a, sizeof a, lo * scale);
	sig3(b, sizeof b, hi * scale);
	snprintf(buf, len, "%s–%s %s", a, b, unit);
}

void pb_fmt_count(char *buf, size_t len, double n)
{
	if (!isfinite(n)) {
		snprintf(buf, len, "-");
		return;
	}
	if (fabs(n) < 1e6 || n != floor(n)) {
		if (n == floor(n))
			snprintf(buf, len, "%.0f", n);
		else
			sig3(buf, len, n);
		return;
	}
	uint64_t v = (uint64_t)fabs(n);
	if ((v & (v - 1)) == 0) {
		int k = 0;
		while ((1ULL << k) < v)
			k++;
		snprintf(buf, len, "2^%d", k);
		return;
	}
	int e = 0;
	uint64_t m = v;
	while (m % 10 == 0) {
		m /= 10;
		e++;
	}
	if (m < 100 && e >= 3) {
		snprintf(buf, len, "%llue%d", (unsigned long long)m, e);
		return;
	}
	static const char *const suffix[] = { "k", "M", "G", "T", "P" };
	double x = n / 1e3;
	int s = 0;
	while (fabs(x) >= 1000 && s < 4) {
		x /= 1000;
		s++;
	}
	char num[32];
	sig3(num, sizeof num, x);
	snprintf(buf, len, "%s%s", num, suffix[s]);
}

void pb_fmt_kib(char *buf, size_t len, double kib)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	int u = 0;
	while (kib >= 1024 && u < 3) {
		kib /= 1024;
		u++;
	}
	if (kib == floor(kib))
		snprintf(buf, len, "%.0f %s", kib, unit[u]);
	else {
		char num[32];
		sig3(num, sizeof num, kib);
		snprintf(buf, len, "%s %s", num, unit[u]);
	}
}

/* first, then text wrapped at PB_TABLE_WIDTH at spaces, continuation lines indented by cont columns. */
void pb_print_wrapped(FILE *out, const char *first, const char *text, int cont)
{
	char words[4096];
	size_t used = pb_text_width(first);
	int fresh = 1; /* nothing on this line after its prefix yet */
	fputs(first, out);
	snprintf(words, sizeof words, "%s", text);
	for (char *w = strtok(words, " "); w; w = strtok(NULL, " ")) {
		size_t wl = pb_text_width(w);
		if (!fresh && used + 1 + wl > PB_TABLE_WIDTH) {
			fprintf(out, "\n%*s", cont, "");
			used = (size_t)cont;
			fresh = 1;
		}
		if (!fresh) {
			fputc(' ', out);
			used++;
		}
		fputs(w, out);
		used += wl;
		fresh = 0;
	}
	fputc('\n', out);
}

/* ---- parameters: which vary within a workload ---- */

/* The value of key in a "k=v;k=v" string into val ("" and -1 if absent). */
static int param_val(const char *params, const char *key, char *val, size_t len)
{
	size_t kl = strlen(key);
	for (const char *p = params; *p;) {
		size_t tl = strcspn(p, ";");
		if (tl > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
			snprintf(val, len, "%.*s", (int)(tl - kl - 1), p + kl + 1);
			return 0;
		}
		p += tl + (p[tl] == ';');
	}
	val[0] = '\0';
	return -1;
}

/* Whether ";"-joined list holds word. */
static int in_list(const char *list, const char *word, size_t wl)
{
	for (const char *p = list; *p;) {
		size_t l = strcspn(p, ";");
		if (l == wl && strncmp(p, word, wl) == 0)
			return 1;
		p += l + (p[l] == ';');
	}
	return 0;
}

static size_t wl_index(const struct pb_tab *t, const char *workload)
{
	for (size_t i = 0; i < t->nwl; i++)
		if (strcmp(t->wl_names[i], workload) == 0)
			return i;
	return t->nwl;
}

/* Per workload, the parameter keys whose value is not the same in every row of it. */
static void find_varying(struct pb_tab *t, const struct pb_raw_row *keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t w = wl_index(t, keys[i].workload);
		for (const char *p = keys[i].params; *p;) {
			size_t tl = strcspn(p, ";"), kl = strcspn(p, "=;");
			char key[PB_PARAMS_MAX], a[PB_PARAMS_MAX], b[PB_PARAMS_MAX];
			snprintf(key, sizeof key, "%.*s", (int)kl, p);
			p += tl + (p[tl] == ';');
			if (in_list(t->varying[w], key, kl))
				continue;
			param_val(keys[i].params, key, a, sizeof a);
			for (size_t j = 0; j < n; j++) {
				if (strcmp(keys[j].workload, keys[i].workload) != 0)
					continue;
				int had = param_val(keys[j].params, key, b, sizeof b) == 0;
				if (!had || strcmp(a, b) != 0) {
					size_t l = strlen(t->varying[w]);
					snprintf(t->varying[w] + l, PB_PARAMS_MAX - l, "%s%s", l ? ";" : "", key);
					break;
				}
			}
		}
	}
}

/* The parameters of k that vary within its workload, as "k=v k=v". */
static void params_cell(const struct pb_tab *t, const struct pb_raw_row *k, char *buf, size_t len)
{
	size_t w = wl_index(t, k->workload), pos = 0;
	buf[0] = '\0';
	if (w == t->nwl)
		return;
	for (const char *p = k->params; *p;) {
		size_t tl = strcspn(p, ";"), kl = strcspn(p, "=;");
		if (in_list(t->varying[w], p, kl) && pos < len) {
			int m = snprintf(buf + pos, len - pos, "%s%.*s", pos ? " " : "", (int)tl, p);
			pos += m > 0 ? (size_t)m : 0;
		}
		p += tl + (p[tl] == ';');
	}
}

/* The parameters of k that do not vary within its workload, as "k=v k=v". */
static void params_constant(const struct pb_tab *t, const struct pb_raw_row *k, char *buf, size_t len)
{
	size_t w = wl_index(t, k->workload), pos = 0;
	buf[0] = '\0';
	for (const char *p = k->params; *p;) {
		size_t tl = strcspn(p, ";"), kl = strcspn(p, "=;");
		if ((w == t->nwl || !in_list(t->varying[w], p, kl)) && pos < len) {
			int m = snprintf(buf + pos, len - pos, "%s%.*s", pos ? " " : "", (int)tl, p);
			pos += m > 0 ? (size_t)m : 0;
		}
		p += tl + (p[tl] == ';');
	}
}

/* ---- folding and widths ---- */

static int is_serial(const struct pb_raw_row *k)
{
	return strcmp(k->variant, "serial") == 0;
}

/* Whether key column c has the same value in every key (serial's chunk and schedule aside). */
static int constant(enum pb_tab_col c, const struct pb_raw_row *keys, size_t n, struct pb_raw_row *fold)
{
	const struct pb_raw_row *first = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct pb_raw_row *k = &keys[i];
		if ((c == PB_TC_CHUNK || c == PB_TC_SCHED) && is_serial(k))
			continue;
		if (!first) {
			first = k;
			continue;
		}
		int same = c == PB_TC_WORKLOAD  ? strcmp(k->workload, first->workload) == 0
			   : c == PB_TC_SIZE    ? k->size == first->size
			   : c == PB_TC_VARIANT ? strcmp(k->variant, first->variant) == 0
			   : c == PB_TC_WORKERS ? k->workers == first->workers
			   : c == PB_TC_TASKS   ? k->tasks == first->tasks
			   : c == PB_TC_CHUNK   ? k->chunk == first->chunk
			   : c == PB_TC_SCHED   ? strcmp(k->schedule, first->schedule) == 0
						: strcmp(k->bind, first->bind) == 0;
		if (!same)
			return 0;
	}
	if (!first)
		return 1; /* only serial rows: chunk and schedule do not apply */
	switch (c) {
	case PB_TC_WORKLOAD: snprintf(fold->workload, sizeof fold->workload, "%s", first->workload); break;
	case PB_TC_SIZE: fold->size = first->size; break;
	case PB_TC_VARIANT: snprintf(fold->variant, sizeof fold->variant, "%s", first->variant); break;
	case PB_TC_WORKERS: fold->workers = first->workers; break;
	case PB_TC_TASKS: fold->tasks = first->tasks; break;
	case PB_TC_CHUNK: fold->chunk = first->chunk; break;
	case PB_TC_SCHED: snprintf(fold->schedule, sizeof fold->schedule, "%s", first->schedule); break;
	default: snprintf(fold->bind, sizeof fold->bind, "%s", first->bind); break;
	}
	return 1;
}

static const char *const term_head[PB_TC_N] = { "workload", "size", "params", "variant", "workers", "tasks", "chunk",
						 "sched", "bind", "median", "95% CI", "speedup", "eff", "result",
						 "verified" };
static const char *const md_head[PB_TC_N] = { "workload", "size", "params", "variant", "workers", "tasks", "chunk",
					       "schedule", "bind", "median", "95% CI of the median", "speedup",
					       "efficiency", "result", "verified" };

/* Text columns are left-aligned, numbers right-aligned. */
static int left_aligned(int c)
{
	return c == PB_TC_WORKLOAD || c == PB_TC_PARAMS || c == PB_TC_VARIANT || c == PB_TC_SCHED ||
	       c == PB_TC_BIND || c == PB_TC_RESULT || c == PB_TC_OK;
}

static void widen(struct pb_tab *t, int c, const char *s)
{
	int w = (int)pb_text_width(s);
	if (w > t->width[c])
		t->width[c] = w;
}

/* The width the shown columns take, separators included. */
static int total_width(const struct pb_tab *t)
{
	int w = 0, n = 0;
	for (int c = 0; c < PB_TC_N; c++)
		if (t->shown & (1u << c)) {
			w += t->width[c];
			n++;
		}
	return w + 2 * (n > 0 ? n - 1 : 0);
}

/* Append "what" to the heading, with sep before it unless it is the first part. */
static void heading_add(struct pb_tab *t, const char *sep, const char *what)
{
	size_t l = strlen(t->heading);
	snprintf(t->heading + l, sizeof t->heading - l, "%s%s", l ? sep : "", what);
}

/* The heading sentence: the folded key columns and every workload's constant parameters. */
static void build_heading(struct pb_tab *t, const struct pb_raw_row *keys, size_t n)
{
	char buf[PB_PARAMS_MAX + 64], num[32];
	t->heading[0] = '\0';
	if (!(t->shown & (1u << PB_TC_WORKLOAD)))
		heading_add(t, ", ", t->fold.workload);
	if (!(t->shown & (1u << PB_TC_SIZE))) {
		pb_fmt_count(num, sizeof num, (double)t->fold.size);
		snprintf(buf, sizeof buf, "n = %s", num);
		heading_add(t, ", ", buf);
	}
	/* constant parameters of a single workload: with it; of several, on a line of their own below */
	int multi = (t->shown & (1u << PB_TC_WORKLOAD)) != 0;
	char plist[sizeof t->heading] = "";
	for (size_t w = 0; w < t->nwl; w++)
		for (size_t i = 0; i < n; i++)
			if (strcmp(keys[i].workload, t->wl_names[w]) == 0) {
				char cst[PB_PARAMS_MAX];
				params_constant(t, &keys[i], cst, sizeof cst);
				size_t l = strlen(plist);
				if (cst[0] && multi)
					pb_textf(plist + l, sizeof plist - l, "%s%s %s", l ? "; " : "params: ", t->wl_names[w], cst);
				else if (cst[0])
					heading_add(t, ", ", cst);
				break;
			}
	const char *sep = "; ";
	if (!(t->shown & (1u << PB_TC_VARIANT))) {
		heading_add(t, sep, t->fold.variant);
		sep = ", ";
	}
	if (!(t->shown & (1u << PB_TC_WORKERS))) {
		snprintf(buf, sizeof buf, "%d worker%s", t->fold.workers, t->fold.workers == 1 ? "" : "s");
		heading_add(t, sep, buf);
		sep = ", ";
	}
	if (!(t->shown & (1u << PB_TC_TASKS))) {
		pb_fmt_count(num, sizeof num, (double)t->fold.tasks);
		snprintf(buf, sizeof buf, "%s tasks", num);
		heading_add(t, sep, buf);
		sep = ", ";
	}
	int any_parallel = 0;
	for (size_t i = 0; i < n; i++)
		any_parallel |= !is_serial(&keys[i]);
	if (any_parallel && !(t->shown & (1u << PB_TC_CHUNK))) {
		pb_fmt_count(num, sizeof num, (double)t->fold.chunk);
		snprintf(buf, sizeof buf, "chunk %s", num);
		heading_add(t, sep, buf);
		sep = ", ";
	}
	if (any_parallel && !(t->shown & (1u << PB_TC_SCHED))) {
		heading_add(t, sep, t->fold.schedule);
		sep = ", ";
	}
	if (!(t->shown & (1u << PB_TC_BIND))) {
		snprintf(buf, sizeof buf, "bind %s", t->fold.bind);
		heading_add(t, sep, buf);
	}
	if (plist[0])
		heading_add(t, "\n", plist);
}

/* Widths: the headers, the key cells, and room for the widest number cells.  Returns the widest result. */
static size_t measure(struct pb_tab *t, const struct pb_raw_row *keys, size_t n)
{
	const char *const *head = t->markdown ? md_head : term_head;
	for (int c = 0; c < PB_TC_N; c++)
		t->width[c] = (int)pb_text_width(head[c]);
	size_t result_w = 0;
	for (size_t i = 0; i < n; i++) {
		char cell[PB_PARAMS_MAX];
		const struct pb_raw_row *k = &keys[i];
		widen(t, PB_TC_WORKLOAD, k->workload);
		pb_fmt_count(cell, sizeof cell, (double)k->size);
		widen(t, PB_TC_SIZE, cell);
		params_cell(t, k, cell, sizeof cell);
		widen(t, PB_TC_PARAMS, cell);
		widen(t, PB_TC_VARIANT, k->variant);
		snprintf(cell, sizeof cell, "%d", k->workers);
		widen(t, PB_TC_WORKERS, cell);
		pb_fmt_count(cell, sizeof cell, (double)k->tasks);
		widen(t, PB_TC_TASKS, cell);
		pb_fmt_count(cell, sizeof cell, (double)k->chunk);
		widen(t, PB_TC_CHUNK, cell);
		widen(t, PB_TC_SCHED, k->schedule);
		widen(t, PB_TC_BIND, k->bind);
		if (pb_text_width(k->result) > result_w)
			result_w = pb_text_width(k->result);
	}
	/* number columns: room for the widest value they take ("123 ms", "0.123–1.23 s", "12.34x") */
	static const struct { int col, min; } room[] = { { PB_TC_MEDIAN, 7 }, { PB_TC_CI, 13 }, { PB_TC_SPEEDUP, 7 },
							   { PB_TC_EFF, 4 } };
	for (size_t i = 0; i < sizeof room / sizeof room[0]; i++)
		if (t->width[room[i].col] < room[i].min)
			t->width[room[i].col] = room[i].min;
	return result_w;
}

/*
 * PB_TABLE_WIDTH columns: parameters at most 32 wide (cut with '…'), the
 * result column in what is left (20 when its width is not known yet, left
 * out under 12); still too wide: parameters narrower, then no efficiency
 * (speedup / workers says it).
 */
static void fit_width(struct pb_tab *t, size_t result_w)
{
	if (t->width[PB_TC_PARAMS] > 32)
		t->width[PB_TC_PARAMS] = 32;
	t->shown &= ~(1u << PB_TC_RESULT);
	int left = PB_TABLE_WIDTH - total_width(t) - 2;
	int want = result_w ? (int)result_w : 20;
	if (want < t->width[PB_TC_RESULT])
		want = t->width[PB_TC_RESULT];
	if (left >= 12 || left >= want) {
		t->width[PB_TC_RESULT] = want < left ? want : left;
		t->shown |= 1u << PB_TC_RESULT;
	}
	while (total_width(t) > PB_TABLE_WIDTH && t->width[PB_TC_PARAMS] > 12)
		t->width[PB_TC_PARAMS]--;
	if (total_width(t) > PB_TABLE_WIDTH)
		t->shown &= ~(1u << PB_TC_EFF);
}

int pb_tab_begin(struct pb_tab *t, FILE *out, int markdown, const struct pb_raw_row *keys, size_t n)
{
	memset(t, 0, sizeof *t);
	t->out = out;
	t->markdown = markdown;
	t->varying = calloc(n ? n : 1, sizeof *t->varying);
	t->wl_names = calloc(n ? n : 1, sizeof *t->wl_names);
	if (!t->varying || !t->wl_names) {
		pb_tab_free(t);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (wl_index(t, keys[i].workload) == t->nwl)
			snprintf(t->wl_names[t->nwl++], PB_NAME_MAX, "%s", keys[i].workload);
	find_varying(t, keys, n);

	t->shown = (1u << PB_TC_N) - 1;
	static const enum pb_tab_col foldable[] = { PB_TC_WORKLOAD, PB_TC_SIZE, PB_TC_VARIANT, PB_TC_WORKERS,
						    PB_TC_TASKS, PB_TC_CHUNK, PB_TC_SCHED, PB_TC_BIND };
	for (size_t i = 0; i < sizeof foldable / sizeof foldable[0]; i++)
		if (n > 1 && constant(foldable[i], keys, n, &t->fold))
			t->shown &= ~(1u << foldable[i]);
	int any_varying = 0;
	for (size_t w = 0; w < t->nwl; w++)
		any_varying |= t->varying[w][0] != '\0';
	if (!any_varying)
		t->shown &= ~(1u << PB_TC_PARAMS);
	build_heading(t, keys, n);

	size_t result_w = measure(t, keys, n);
	if (!markdown)
		fit_width(t, result_w);
	else if ((int)result_w > t->width[PB_TC_RESULT])
		t->width[PB_TC_RESULT] = (int)result_w;
	return 0;
}

void pb_tab_free(struct pb_tab *t)
{
	free(t->varying);
	free(t->wl_names);
	free(t->refs);
	t->varying = NULL;
	t->wl_names = NULL;
	t->refs = NULL;
}

/* ---- rows ---- */

static int same_problem(const struct pb_raw_row *a, const struct pb_raw_row *b)
{
	return strcmp(a->workload, b->workload) == 0 && a->size == b->size && strcmp(a->params, b->params) == 0;
}

/* The serial reference for k among the serial rows printed so far, as summary.csv picks it; NAN if none. */
static double reference(const struct pb_tab *t, const struct pb_raw_row *k)
{
	double same = NAN, any = NAN;
	for (size_t i = 0; i < t->nrefs; i++) {
		const struct pb_tab_ref *r = &t->refs[i];
		if (!same_problem(&r->key, k))
			continue;
		if (isnan(any) || r->median < any)
			any = r->median;
		if (r->key.tasks == k->tasks && r->key.chunk == k->chunk && strcmp(r->key.schedule, k->schedule) == 0 &&
		    (isnan(same) || r->median < same))
			same = r->median;
	}
	return isnan(same) ? any : same;
}

static void remember_serial(struct pb_tab *t, const struct pb_sumrow *r)
{
	if (!is_serial(&r->key) || !r->verified || !(r->st.median > 0))
		return;
	if (t->nrefs == t->caprefs) {
		size_t cap = t->caprefs ? 2 * t->caprefs : 16;
		struct pb_tab_ref *nr = realloc(t->refs, cap * sizeof *nr);
		if (!nr)
			return; /* no reference: the speedup cells stay empty */
		t->refs = nr;
		t->caprefs = cap;
	}
	t->refs[t->nrefs].key = r->key;
	t->refs[t->nrefs].key.cpus = NULL;
	t->refs[t->nrefs++].median = r->st.median;
}

/* The last column shown: it is not padded. */
static int last_shown(const struct pb_tab *t)
{
	int last = 0;
	for (int c = 0; c < PB_TC_N; c++)
		if (t->shown & (1u << c))
			last = c;
	return last;
}

/* Print s in a cell of width w (cut with '…' when longer), aligned; the separator before it unless first. */
static void put_cell(struct pb_tab *t, int c, const char *s, int first)
{
	int w = t->width[c];
	if (t->markdown) {
		fputs(first ? "| " : " | ", t->out);
		for (; *s; s++)
			if (*s == '|')
				fputs("\\|", t->out);
			else
				fputc(*s, t->out);
		return;
	}
	if (!first)
		fputs("  ", t->out);
	int len = (int)pb_text_width(s);
	if (len > w) {
		/* cut at a character boundary, keeping room for the ellipsis */
		int cols = 0;
		const char *p = s;
		while (*p && cols < w - 1) {
			p++;
			while (((unsigned char)*p & 0xC0) == 0x80)
				p++;
			cols++;
		}
		fprintf(t->out, "%.*s…", (int)(p - s), s);
		return;
	}
	if (left_aligned(c))
		fprintf(t->out, "%s%*s", s, c == last_shown(t) ? 0 : w - len, "");
	else
		fprintf(t->out, "%*s%s", w - len, "", s);
}

static void print_wrapped(struct pb_tab *t, const char *p);

/* The heading, wrapped at the table width on a terminal. */
static void print_heading(struct pb_tab *t)
{
	if (!t->heading[0])
		return;
	if (t->markdown) {
		for (const char *h = t->heading; *h; h++)
			fputs(*h == '\n' ? "  \n" : (char[2]){ *h, 0 }, t->out);
		fputs("\n\n", t->out);
		return;
	}
	char line[sizeof t->heading];
	for (const char *h = t->heading; *h;) {
		size_t l = strcspn(h, "\n");
		snprintf(line, sizeof line, "%.*s", (int)l, h);
		print_wrapped(t, line);
		h += l + (h[l] == '\n');
	}
}

/* One heading line, wrapped at the table width at spaces. */
static void print_wrapped(struct pb_tab *t, const char *p)
{
	while (*p) {
		size_t len = strlen(p);
		if (pb_text_width(p) <= PB_TABLE_WIDTH) {
			fprintf(t->out, "%s\n", p);
			break;
		}
		size_t cut = 0;
		for (size_t i = 0, cols = 0; i < len && cols <= PB_TABLE_WIDTH; i++) {
			if (p[i] == ' ')
				cut = i;
			cols += ((unsigned char)p[i] & 0xC0) != 0x80;
		}
		if (!cut)
			cut = PB_TABLE_WIDTH;
		fprintf(t->out, "%.*s\n", (int)cut, p);
		p += cut + (p[cut] == ' ');
	}
}

static void print_header(struct pb_tab *t)
{
	const char *const *head = t->markdown ? md_head : term_head;
	int first = 1;
	print_heading(t);
	for (int c = 0; c < PB_TC_N; c++)
		if (t->shown & (1u << c)) {
			put_cell(t, c, head[c], first);
			first = 0;
		}
	fputs(t->markdown ? " |\n" : "\n", t->out);
	if (t->markdown) {
		for (int c = 0; c < PB_TC_N; c++)
			if (t->shown & (1u << c))
				fputs(left_aligned(c) ? "|---" : "|---:", t->out);
		fputs("|\n", t->out);
	}
	t->header_done = 1;
}

void pb_tab_row(struct pb_tab *t, const struct pb_sumrow *r)
{
	const struct pb_raw_row *k = &r->key;
	char cell[PB_TC_N][PB_PARAMS_MAX];
	remember_serial(t, r);
	double speedup = r->has_speedup ? r->speedup : NAN;
	if (!r->has_speedup && r->st.median > 0) {
		double ref = reference(t, k);
		if (!isnan(ref))
			speedup = ref / r->st.median;
	}
	snprintf(cell[PB_TC_WORKLOAD], PB_PARAMS_MAX, "%s", k->workload);
	pb_fmt_count(cell[PB_TC_SIZE], PB_PARAMS_MAX, (double)k->size);
	params_cell(t, k, cell[PB_TC_PARAMS], PB_PARAMS_MAX);
	snprintf(cell[PB_TC_VARIANT], PB_PARAMS_MAX, "%s", k->variant);
	snprintf(cell[PB_TC_WORKERS], PB_PARAMS_MAX, "%d", k->workers);
	pb_fmt_count(cell[PB_TC_TASKS], PB_PARAMS_MAX, (double)k->tasks);
	if (is_serial(k)) {
		snprintf(cell[PB_TC_CHUNK], PB_PARAMS_MAX, "-");
		snprintf(cell[PB_TC_SCHED], PB_PARAMS_MAX, "-");
	} else {
		pb_fmt_count(cell[PB_TC_CHUNK], PB_PARAMS_MAX, (double)k->chunk);
		snprintf(cell[PB_TC_SCHED], PB_PARAMS_MAX, "%s", k->schedule);
	}
	snprintf(cell[PB_TC_BIND], PB_PARAMS_MAX, "%s", k->bind);
	pb_fmt_time(cell[PB_TC_MEDIAN], PB_PARAMS_MAX, r->st.median);
	pb_fmt_time_range(cell[PB_TC_CI], PB_PARAMS_MAX, r->st.ci_lo, r->st.ci_hi);
	if (isnan(speedup)) {
		snprintf(cell[PB_TC_SPEEDUP], PB_PARAMS_MAX, "-");
		snprintf(cell[PB_TC_EFF], PB_PARAMS_MAX, "-");
	} else {
		snprintf(cell[PB_TC_SPEEDUP], PB_PARAMS_MAX, "%.2fx", speedup);
		snprintf(cell[PB_TC_EFF], PB_PARAMS_MAX, "%.2f", speedup / k->workers);
	}
	snprintf(cell[PB_TC_RESULT], PB_PARAMS_MAX, "%s", k->result);
	snprintf(cell[PB_TC_OK], PB_PARAMS_MAX, "%s", r->verified ? "yes" : t->markdown ? "**NO**" : "NO");
	if (!t->header_done)
		print_header(t);
	int first = 1;
	for (int c = 0; c < PB_TC_N; c++)
		if (t->shown & (1u << c)) {
			put_cell(t, c, cell[c], first);
			first = 0;
		}
	fputs(t->markdown ? " |\n" : "\n", t->out);
}

int pb_tab_print(FILE *out, int markdown, const struct pb_sumrow *rows, size_t n)
{
	struct pb_tab t;
	struct pb_raw_row *keys = calloc(n ? n : 1, sizeof *keys);
	if (!keys)
		return -1;
	for (size_t i = 0; i < n; i++)
		keys[i] = rows[i].key;
	int rc = pb_tab_begin(&t, out, markdown, keys, n);
	free(keys);
	if (rc != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		pb_tab_row(&t, &rows[i]);
	pb_tab_free(&t);
	return 0;
}
