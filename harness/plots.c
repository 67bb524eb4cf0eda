/* plots.c: the plots of a results directory: data files under plots/, rendered with gnuplot by the scripts in scripts/. */
#include "report.h"
#include "table.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The fields a plot's series (legend entries) may differ in, besides the variant. */
enum {
	F_SIZE = 1 << 0,
	F_PARAMS = 1 << 1,
	F_WORKERS = 1 << 2,
	F_TASKS = 1 << 3,
	F_CHUNK = 1 << 4,
	F_SCHED = 1 << 5,
	F_BIND = 1 << 6,
	F_ALL = (1 << 7) - 1,
};

/* Whether rows a and b agree on the fields in mask (and always on workload). */
static int agree(const struct pb_raw_row *a, const struct pb_raw_row *b, int mask)
{
	return strcmp(a->workload, b->workload) == 0 && (!(mask & F_SIZE) || a->size == b->size) &&
	       (!(mask & F_PARAMS) || strcmp(a->params, b->params) == 0) &&
	       (!(mask & F_WORKERS) || a->workers == b->workers) && (!(mask & F_TASKS) || a->tasks == b->tasks) &&
	       (!(mask & F_CHUNK) || a->chunk == b->chunk) &&
	       (!(mask & F_SCHED) || strcmp(a->schedule, b->schedule) == 0) &&
	       (!(mask & F_BIND) || strcmp(a->bind, b->bind) == 0);
}

/* Serial runs once per task count, always chunk 1 and static: its chunk and schedule mean nothing. */
static int is_serial(const struct pb_raw_row *k)
{
	return strcmp(k->variant, "serial") == 0;
}

/* The fields among mask in which the rows idx[0..n) do not all agree (serial's chunk and schedule aside). */
static int varying(const struct pb_sumrow *rows, const size_t *idx, size_t n, int mask)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			const struct pb_raw_row *a = &rows[idx[i]].key, *b = &rows[idx[j]].key;
			int m = is_serial(a) || is_serial(b) ? mask & ~(F_CHUNK | F_SCHED) : mask;
			for (int bit = 1; bit < F_ALL; bit <<= 1)
				if ((m & bit) && !agree(a, b, bit))
					v |= bit;
		}
	return v;
}

/* A legend entry: the variant, then the fields in mask, with '"' replaced (it quotes the entry). */
static void series_label(char *buf, size_t len, const struct pb_raw_row *k, int mask)
{
	char num[32];
	size_t p = (size_t)snprintf(buf, len, "%s", k->variant);
	if (is_serial(k))
		mask &= ~(F_CHUNK | F_SCHED);
#define ADD(...) do { if (p < len) p += (size_t)snprintf(buf + p, len - p, __VA_ARGS__); } while (0)
	if (mask & F_WORKERS)
		ADD(" j=%d", k->workers);
	if (mask & F_SIZE) {
		pb_fmt_count(num, sizeof num, (double)k->size);
		ADD(" n=%s", num);
	}
	if (mask & F_PARAMS)
		ADD(" %s", k->params);
	if (mask & F_TASKS)
		ADD(" T=%llu", k->tasks);
	if (mask & F_CHUNK)
		ADD(" c=%llu", k->chunk);
	if (mask & F_SCHED)
		ADD(" %s", k->schedule);
	if (mask & F_BIND)
		ADD(" bind=%s", k->bind);
#undef ADD
	for (char *s = buf; *s; s++)
		if (*s == '"' || *s == '\n' || *s == '\r')
			*s = '\'';
}

/* Sort context: series fields, then the x value. */
struct order {
	const struct pb_sumrow *rows;
	int series_mask;
	double (*x)(const struct pb_sumrow *r);
};

static int cmp_rows(const struct order *o, size_t ia, size_t ib)
{
	const struct pb_raw_row *a = &o->rows[ia].key, *b = &o->rows[ib].key;
	int c = pb_variant_rank(a->variant) - pb_variant_rank(b->variant);
	if (c == 0)
		c = strcmp(a->variant, b->variant);
#define NUM(f, bit) if (c == 0 && (o->series_mask & (bit)) && a->f != b->f) c = a->f < b->f ? -1 : 1
#define STRF(f, bit) if (c == 0 && (o->series_mask & (bit))) c = strcmp(a->f, b->f)
	NUM(workers, F_WORKERS);
	NUM(size, F_SIZE);
	STRF(params, F_PARAMS);
	NUM(tasks, F_TASKS);
	NUM(chunk, F_CHUNK);
	STRF(schedule, F_SCHED);
	STRF(bind, F_BIND);
#undef NUM
#undef STRF
	if (c == 0) {
		double xa = o->x(&o->rows[ia]), xb = o->x(&o->rows[ib]);
		c = xa < xb ? -1 : xa > xb;
	}
	return c;
}

/* Insertion sort of idx (plots hold few rows); stable, so file order breaks ties. */
static void sort_idx(size_t *idx, size_t n, const struct order *o)
{
	for (size_t i = 1; i < n; i++) {
		size_t v = idx[i], j = i;
		while (j > 0 && cmp_rows(o, idx[j - 1], v) > 0) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = v;
	}
}

static double x_workers(const struct pb_sumrow *r) { return r->key.workers; }
static double x_chunk(const struct pb_sumrow *r) { return (double)r->key.chunk; }

static double sleep_ms(const struct pb_raw_row *k)
{
	char v[64];
	char *end;
	if (strcmp(k->workload, "sleep") != 0 || pb_params_get(k->params, "ms", v, sizeof v) != 0)
		return NAN;
	double ms = strtod(v, &end);
	return *end || end == v || ms < 0 ? NAN : ms;
}

static unsigned long long items_per_task(const struct pb_raw_row *k)
{
	return k->tasks ? (k->size + k->tasks - 1) / k->tasks : 0;
}

double pb_sleep_task_ms(const struct pb_raw_row *k)
{
	return sleep_ms(k) * (double)items_per_task(k);
}

double pb_sleep_ideal_s(unsigned long long size, unsigned long long tasks, int workers, double ms)
{
	if (!tasks || workers < 1)
		return NAN;
	unsigned long long rounds = (tasks + (unsigned long long)workers - 1) / (unsigned long long)workers;
	return (double)rounds * (double)((size + tasks - 1) / tasks) * ms / 1000.0;
}

static double x_task_ms(const struct pb_sumrow *r) { return pb_sleep_task_ms(&r->key); }

static void put_num(FILE *f, double x)
{
	char b[64];
	if (!isfinite(x)) {
		fputs(" NaN", f);
		return;
	}
	pb_fmt_double(b, sizeof b, x);
	fprintf(f, " %s", b);
}

/* ---- series and their styles ---- */

/* A series: rows ord[first..first + n) of one legend entry. */
struct series {
	size_t first, n;
	const char *variant;
	char label[256];
};

#define MAX_SERIES 64

/*
 * Sort idx[0..m) into series (the variant and the fields in mask), points by
 * x.  Returns the number of series (at most MAX_SERIES; the rest are left out).
 */
static int split_series(const struct pb_sumrow *rows, size_t *idx, size_t m, int mask,
			double (*x)(const struct pb_sumrow *), struct series *s)
{
	struct order o = { rows, mask, x };
	int ns = 0;
	sort_idx(idx, m, &o);
	for (size_t i = 0; i < m; i++) {
		const struct pb_raw_row *k = &rows[idx[i]].key;
		if (i == 0 || strcmp(k->variant, rows[idx[i - 1]].key.variant) != 0 || !agree(k, &rows[idx[i - 1]].key, mask)) {
			if (ns == MAX_SERIES)
				break;
			s[ns].first = i;
			s[ns].n = 0;
			s[ns].variant = k->variant;
			series_label(s[ns].label, sizeof s[ns].label, k, mask);
			ns++;
		}
		s[ns - 1].n++;
	}
	return ns;
}

/*
 * Colours, point types and dash patterns: every variant has its own when each
 * series is a different variant (so a variant looks the same in every plot);
 * otherwise series take them in turn.  Never the same colour twice in a plot:
 * past the palette, colours are spread around the hue circle.
 */
static const char *const palette[] = {
	"#000000", "#0072B2", "#E69F00", "#D55E00", "#009E73", "#CC79A7", "#8B4513", /* serial ... mpi */
	"#56B4E9", "#999933", "#882255", "#44AA99", "#332288", "#AA4499", "#117733",
	"#661100", "#6699CC", "#888888", "#DDCC77", "#CC6677", "#000080",
};
#define NPALETTE (sizeof palette / sizeof palette[0])
static const int points[] = { 7, 5, 9, 11, 13, 15, 4, 6, 8, 10, 12, 14, 1, 2, 3 };
static const int dashes[] = { 1, 1, 2, 4, 5, 3, 2 };

/* Style slot k's colour into buf. */
static void colour(int k, int total, char *buf, size_t len)
{
	if (k < (int)NPALETTE && total <= (int)NPALETTE) {
		snprintf(buf, len, "%s", palette[k]);
		return;
	}
	/* HSV with full saturation, value 0.8, hue spread evenly */
	double h = 6.0 * k / total, v = 0.8, f = h - floor(h), p = 0, q = v * (1 - f), t = v * f;
	double rgb[3];
	switch ((int)h % 6) {
	case 0: rgb[0] = v; rgb[1] = t; rgb[2] = p; break;
	case 1: rgb[0] = q; rgb[1] = v; rgb[2] = p; break;
	case 2: rgb[0] = p; rgb[1] = v; rgb[2] = t; break;
	case 3: rgb[0] = p; rgb[1] = q; rgb[2] = v; break;
	case 4: rgb[0] = t; rgb[1] = p; rgb[2] = v; break;
	default: rgb[0] = v; rgb[1] = p; rgb[2] = q; break;
	}
	snprintf(buf, len, "#%02X%02X%02X", (int)(rgb[0] * 255), (int)(rgb[1] * 255), (int)(rgb[2] * 255));
}

/* The style slot of each series. */
static void style_slots(const struct series *s, int ns, int *slot)
{
	int distinct = 1;
	for (int i = 0; i < ns; i++)
		for (int j = 0; j < i; j++)
			distinct &= strcmp(s[i].variant, s[j].variant) != 0;
	for (int i = 0; i < ns; i++) {
		int r = pb_variant_rank(s[i].variant);
		slot[i] = distinct && r < 7 ? r : i;
	}
	if (!distinct)
		return;
	/* variants beyond the seven known ones take the slots after them, never one in use */
	int next = 7;
	for (int i = 0; i < ns; i++)
		if (pb_variant_rank(s[i].variant) >= 7)
			slot[i] = next++;
}

/* Append "; name='w w w'" built by word(k) for the ns slots. */
static void append_words(char *vars, size_t len, const char *name, const int *slot, int ns, int total, int kind)
{
	size_t p = strlen(vars);
	p += (size_t)snprintf(vars + p, p < len ? len - p : 0, "; %s='", name);
	for (int i = 0; i < ns && p < len; i++) {
		char w[16];
		if (kind == 0)
			colour(slot[i], total, w, sizeof w);
		else if (kind == 1)
			snprintf(w, sizeof w, "%d", points[slot[i] % (int)(sizeof points / sizeof points[0])]);
		else
			snprintf(w, sizeof w, "%d", slot[i] < 7 ? dashes[slot[i]] : 1 + slot[i] % 5);
		p += (size_t)snprintf(vars + p, len - p, "%s%s", i ? " " : "", w);
	}
	if (p < len)
		snprintf(vars + p, len - p, "'");
}

/* "lcs='...'; pts='...'; dts='...'" for the series (prefix: "m" for the model lines' colours only). */
static void style_vars(char *vars, size_t len, const struct series *s, int ns)
{
	int slot[MAX_SERIES], total = 0;
	style_slots(s, ns, slot);
	for (int i = 0; i < ns; i++)
		if (slot[i] + 1 > total)
			total = slot[i] + 1;
	append_words(vars, len, "lcs", slot, ns, total, 0);
	append_words(vars, len, "pts", slot, ns, total, 1);
	append_words(vars, len, "dts", slot, ns, total, 2);
}

/* Append a formatted assignment list to vars. */
static void vars_add(char *vars, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void vars_add(char *vars, size_t len, const char *fmt, ...)
{
	size_t p = strlen(vars);
	va_list ap;
	if (p >= len)
		return;
	if (p)
		p += (size_t)snprintf(vars + p, len - p, "; ");
	va_start(ap, fmt);
	if (p < len)
		vsnprintf(vars + p, len - p, fmt, ap);
	va_end(ap);
}

/* ---- ranges: padded, log where values span decades ---- */

struct range {
	double lo, hi; /* of the data; lo > 0 when every value is */
	int any;
};

static void range_add(struct range *r, double v)
{
	if (!isfinite(v))
		return;
	if (!r->any || v < r->lo)
		r->lo = v;
	if (!r->any || v > r->hi)
		r->hi = v;
	r->any = 1;
}

/* "name_lo=...; name_hi=...; logname=0|1": log when every value is positive and they span 20x or more. */
static void range_vars(char *vars, size_t len, const char *axis, const struct range *r, int force_log, int from_zero)
{
	char a[64], b[64];
	int logscale = r->any && r->lo > 0 && (force_log || r->hi / r->lo >= 20);
	double lo, hi;
	if (!r->any) {
		lo = 0;
		hi = 1;
	} else if (logscale) {
		lo = r->lo / 1.35;
		hi = r->hi * 1.35;
	} else {
		double pad = (r->hi - r->lo) * 0.08 + (r->hi > 0 ? r->hi * 0.02 : 1e-9);
		lo = from_zero && r->lo >= 0 ? 0 : r->lo - pad;
		hi = r->hi + pad;
	}
	pb_fmt_double(a, sizeof a, lo);
	pb_fmt_double(b, sizeof b, hi);
	vars_add(vars, len, "%slo=%s; %shi=%s; log%s=%d", axis, a, axis, b, axis, logscale);
	/* a log y axis of under three decades: tics at 1, 2 and 5 of each decade, or it shows one or two labels */
	if (logscale && !force_log && axis[0] == 'y' && hi / lo < 1000) {
		char tl[512] = "", num[64];
		for (double d = pow(10, floor(log10(lo))); d <= hi; d *= 10)
			for (int m = 0; m < 3; m++) {
				double v = d * (m == 0 ? 1 : m == 1 ? 2 : 5);
				if (v < lo || v > hi)
					continue;
				/* gnuplot's string-to-number conversion (real("1e-05")) refuses an exponent without a point */
				snprintf(num, sizeof num, "%.6e", v);
				snprintf(tl + strlen(tl), sizeof tl - strlen(tl), "%s%s", tl[0] ? " " : "", num);
			}
		vars_add(vars, len, "ytl='%s'", tl);
	}
}

/* ---- data files ---- */

struct ctx {
	const char *dir;
	const struct pb_analysis *a;
	const struct pb_sumrow *rows;
	size_t n;
	struct pb_plotset *set;
	size_t *idx; /* scratch, n entries */
	char *err;
	size_t errlen;
};

static FILE *data_open(struct ctx *c, const char *name, const char *comment, const char *cols)
{
	char path[4400];
	snprintf(path, sizeof path, "%s/%s.dat", c->dir, name);
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(c->err, c->errlen, "cannot write '%s': %s", path, strerror(errno));
		return NULL;
	}
	fprintf(f, "# %s\n# columns: %s\n", comment, cols);
	return f;
}

static int data_close(struct ctx *c, FILE *f, const char *name)
{
	if (pb_fclose(f) != 0) {
		snprintf(c->err, c->errlen, "cannot write '%s/%s.dat': %s", c->dir, name, strerror(errno));
		return -1;
	}
	return 0;
}

/* A block's opening: two blank lines after the previous block, then its quoted title. */
static void block(FILE *f, int *nblocks, const char *title)
{
	fprintf(f, "%s\"%s\"\n", *nblocks ? "\n\n" : "", title);
	(*nblocks)++;
}

/* Columns of one point of a data file. */
typedef void (*point_fn)(FILE *f, const struct pb_sumrow *r);

static const char scaling_cols[] = "workers median_s ci_lo_s ci_hi_s speedup speedup_lo speedup_hi efficiency "
				   "efficiency_lo efficiency_hi setup_s cpu_s";

static void pt_scaling(FILE *f, const struct pb_sumrow *r)
{
	double ref = r->has_speedup ? r->serial_median : NAN;
	put_num(f, r->key.workers);
	put_num(f, r->st.median);
	put_num(f, r->st.ci_lo);
	put_num(f, r->st.ci_hi);
	put_num(f, r->has_speedup ? r->speedup : NAN);
	put_num(f, r->st.ci_hi > 0 ? ref / r->st.ci_hi : NAN);
	put_num(f, r->st.ci_lo > 0 ? ref / r->st.ci_lo : NAN);
	put_num(f, r->has_speedup ? r->efficiency : NAN);
	put_num(f, r->st.ci_hi > 0 ? ref / r->st.ci_hi / r->key.workers : NAN);
	put_num(f, r->st.ci_lo > 0 ? ref / r->st.ci_lo / r->key.workers : NAN);
	put_num(f, r->setup_s);
	put_num(f, r->user_s + r->sys_s);
}

/* Per task, so that sweeps of different task counts read on one axis. */
static void pt_chunk(FILE *f, const struct pb_sumrow *r)
{
	double t = r->key.tasks ? (double)r->key.tasks : NAN;
	put_num(f, (double)r->key.chunk);
	put_num(f, r->st.median / t);
	put_num(f, r->st.ci_lo / t);
	put_num(f, r->st.ci_hi / t);
}

static void pt_tasklen(FILE *f, const struct pb_sumrow *r)
{
	unsigned long long w = (unsigned long long)r->key.workers;
	double rounds = (double)((r->key.tasks + w - 1) / w);
	put_num(f, pb_sleep_task_ms(&r->key));
	put_num(f, r->st.median / rounds * 1e3);
	put_num(f, r->st.ci_lo / rounds * 1e3);
	put_num(f, r->st.ci_hi / rounds * 1e3);
}

/* The series' points, one block each. */
static void write_blocks(FILE *f, int *nb, const struct pb_sumrow *rows, const size_t *idx, const struct series *s,
			 int ns, point_fn pt)
{
	for (int i = 0; i < ns; i++) {
		block(f, nb, s[i].label);
		for (size_t j = s[i].first; j < s[i].first + s[i].n; j++) {
			pt(f, &rows[idx[j]]);
			fputc('\n', f);
		}
	}
}

/* ---- names and titles ---- */

/* Replace every character but [A-Za-z0-9.+-] by '_' (for file names). */
static void sanitize(char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '.' || *s == '+' || *s == '-'))
			*s = '_';
}

static struct pb_plot *add_plot(struct ctx *c, const char *name, const char *script, const char *section,
				long group)
{
	struct pb_plotset *set = c->set;
	if (set->n == set->cap) {
		size_t nc = set->cap ? set->cap * 2 : 16;
		struct pb_plot *np = realloc(set->plots, nc * sizeof *np);
		if (!np) {
			snprintf(c->err, c->errlen, "out of memory");
			return NULL;
		}
		set->plots = np;
		set->cap = nc;
	}
	struct pb_plot *p = &set->plots[set->n++];
	memset(p, 0, sizeof *p);
	snprintf(p->name, sizeof p->name, "%s", name);
	snprintf(p->script, sizeof p->script, "%s", script);
	snprintf(p->section, sizeof p->section, "%s", section);
	p->group = group;
	return p;
}

static int name_taken(const struct pb_plotset *set, const char *prefix)
{
	size_t l = strlen(prefix);
	for (size_t i = 0; i < set->n; i++)
		if (strncmp(set->plots[i].name, prefix, l) == 0 &&
		    (set->plots[i].name[l] == '-' || set->plots[i].name[l] == '\0'))
			return 1;
	return 0;
}

/*
 * A file-name prefix for the case group of k followed by kind ("" or
 * "-chunks-j2"), unique in set: the fields in mask are added when needed.
 */
static void group_slug(char *buf, size_t len, const struct pb_plotset *set, const struct pb_raw_row *k, int mask,
		       const char *kind)
{
	char base[160];
	pb_textf(base, sizeof base, "%s-n%llu%s%.100s%s", k->workload, k->size, k->params[0] ? "-" : "", k->params,
		 kind);
	sanitize(base);
	snprintf(buf, len, "%s", base);
	if (!name_taken(set, buf))
		return;
	char more[160];
	size_t p = 0;
	more[0] = '\0';
	if (mask & F_WORKERS)
		p += (size_t)snprintf(more + p, sizeof more - p, "-j%d", k->workers);
	if ((mask & F_TASKS) && p < sizeof more)
		p += (size_t)snprintf(more + p, sizeof more - p, "-T%llu", k->tasks);
	if ((mask & F_CHUNK) && p < sizeof more)
		p += (size_t)snprintf(more + p, sizeof more - p, "-c%llu", k->chunk);
	if ((mask & F_SCHED) && p < sizeof more)
		p += (size_t)snprintf(more + p, sizeof more - p, "-%s", k->schedule);
	if ((mask & F_BIND) && p < sizeof more)
		pb_textf(more + p, sizeof more - p, "-%s", k->bind);
	sanitize(more);
	snprintf(buf, len, "%.100s%.50s", base, more);
	for (int i = 2; name_taken(set, buf); i++)
		snprintf(buf, len, "%.100s%.45s-%d", base, more, i);
}

/* The decomposition as a subtitle: "64 tasks, chunk 1, static, bind none" (the fields in mask). */
static void decomposition(char *buf, size_t len, const struct pb_raw_row *k, int mask)
{
	char t[32];
	size_t p = 0;
	buf[0] = '\0';
#define ADD(...) do { if (p < len) p += (size_t)snprintf(buf + p, len - p, __VA_ARGS__); } while (0)
	if (mask & F_WORKERS)
		ADD("%d workers", k->workers);
	if (mask & F_TASKS) {
		pb_fmt_count(t, sizeof t, (double)k->tasks);
		ADD("%s%s tasks", p ? ", " : "", t);
	}
	if (mask & F_CHUNK)
		ADD("%schunk %llu", p ? ", " : "", k->chunk);
	if (mask & F_SCHED)
		ADD("%s%s", p ? ", " : "", k->schedule);
	if (mask & F_BIND)
		ADD("%sbind %s", p ? ", " : "", k->bind);
#undef ADD
}

/* A title that fits the image: at most 78 columns, cut with '…'. */
static void fit_title(char *dst, size_t len, const char *src)
{
	if (pb_text_width(src) <= 78) {
		pb_textf(dst, len, "%s", src);
		return;
	}
	size_t cols = 0, i = 0;
	while (src[i] && cols < 77) {
		i++;
		while (((unsigned char)src[i] & 0xC0) == 0x80)
			i++;
		cols++;
	}
	snprintf(dst, len, "%.*s…", (int)i, src);
}

static void plot_titles(struct pb_plot *p, const char *title, const char *subtitle)
{
	fit_title(p->title, sizeof p->title, title);
	fit_title(p->subtitle, sizeof p->subtitle, subtitle);
}

static size_t distinct_x(const struct pb_sumrow *rows, const size_t *idx, size_t n, double (*x)(const struct pb_sumrow *))
{
	size_t d = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j;
		for (j = 0; j < i; j++)
			if (x(&rows[idx[j]]) == x(&rows[idx[i]]))
				break;
		d += j == i;
	}
	return d;
}

static int has_variant(const struct pb_sumrow *rows, const size_t *idx, size_t n, const char *v)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[idx[i]].key.variant, v) == 0)
			return 1;
	return 0;
}

/* "xtl='1 2 4'": tic marks at the x values measured, when there are at most 12 (else gnuplot's own). */
static void xtics_var(char *vars, size_t len, const struct pb_sumrow *rows, const size_t *idx, size_t m,
		      double (*x)(const struct pb_sumrow *))
{
	double xs[12];
	int nx = 0;
	for (size_t j = 0; j < m; j++) {
		double v = x(&rows[idx[j]]);
		int q;
		for (q = 0; q < nx && xs[q] != v; q++)
			;
		if (q < nx)
			continue;
		if (nx == 12)
			return;
		xs[nx++] = v;
	}
	for (int a = 1; a < nx; a++)
		for (int b = a; b > 0 && xs[b - 1] > xs[b]; b--) {
			double t = xs[b];
			xs[b] = xs[b - 1];
			xs[b - 1] = t;
		}
	char tl[256] = "", num[32];
	for (int q = 0; q < nx; q++) {
		pb_fmt_double(num, sizeof num, xs[q]);
		snprintf(tl + strlen(tl), sizeof tl - strlen(tl), "%s%s", q ? " " : "", num);
	}
	vars_add(vars, len, "xtl='%s'", tl);
}

/* ---- per group: time, speedup with the fits, efficiency, set-up, counters ---- */

/* The model curves of the group's fitted sweeps as blocks (speedup over the serial median); their count. */
static int model_blocks(struct ctx *c, FILE *f, int *nb, const struct pb_group *g, const struct series *s, int ns,
			double xlo, double xhi, char *vars, size_t vlen)
{
	const struct pb_analysis *a = c->a;
	int nm = 0, slot[MAX_SERIES], total = 0, mslot[MAX_SERIES];
	style_slots(s, ns, slot);
	for (int i = 0; i < ns; i++)
		if (slot[i] + 1 > total)
			total = slot[i] + 1;
	if (!g->serial)
		return 0;
	for (size_t w = g->first_sweep; w < g->first_sweep + g->nsweeps; w++) {
		const struct pb_sweep *sw = &a->sweeps[w];
		const struct pb_fit *fit = sw->has_usl ? &sw->usl : sw->has_amdahl ? &sw->amdahl : NULL;
		int si = -1;
		for (int i = 0; i < ns; i++)
			if (strcmp(s[i].variant, sw->variant) == 0)
				si = i;
		if (!fit || si < 0 || nm == MAX_SERIES)
			continue;
		char title[128];
		snprintf(title, sizeof title, "%s %s", sw->variant, pb_fit_model_name(fit->model));
		block(f, nb, title);
		for (int k = 0; k <= 48; k++) {
			double p = xlo * pow(xhi / xlo, k / 48.0);
			put_num(f, p);
			put_num(f, g->serial->st.median / pb_fit_time(fit, p));
			fputc('\n', f);
		}
		mslot[nm++] = slot[si];
	}
	if (nm)
		append_words(vars, vlen, "mlcs", mslot, nm, total, 0);
	return nm;
}

/* The ideal makespan ceil(T/P) x ms of a sleep group, at the group's worker counts, as a block. */
static int ideal_block(FILE *f, int *nb, const struct pb_sumrow *rows, const size_t *idx, size_t m,
		       struct range *yr)
{
	const struct pb_raw_row *k = &rows[idx[0]].key;
	double ms = sleep_ms(k);
	if (!(ms > 0))
		return 0;
	int ws[256], nw = 0;
	for (size_t i = 0; i < m && nw < 256; i++) {
		int w = rows[idx[i]].key.workers, j;
		for (j = 0; j < nw && ws[j] != w; j++)
			;
		if (j == nw)
			ws[nw++] = w;
	}
	for (int a = 1; a < nw; a++)
		for (int b = a; b > 0 && ws[b - 1] > ws[b]; b--) {
			int t = ws[b];
			ws[b] = ws[b - 1];
			ws[b - 1] = t;
		}
	block(f, nb, "ideal ceil(T/P)·ms");
	for (int i = 0; i < nw; i++) {
		double t = pb_sleep_ideal_s(k->size, k->tasks, ws[i], ms);
		put_num(f, ws[i]);
		put_num(f, t);
		fputc('\n', f);
		range_add(yr, t);
	}
	return 1;
}

/* The counters' events of rows idx[0..m), in order of first appearance (task-clock duplicates the CPU time). */
static int group_events(const struct pb_sumrow *rows, const size_t *idx, size_t m, const char **ev, int max)
{
	int ne = 0;
	for (size_t i = 0; i < m; i++)
		for (int e = 0; e < rows[idx[i]].nctr; e++) {
			const char *name = rows[idx[i]].ctr_event[e];
			int k;
			if (strcmp(name, "task-clock-ns") == 0)
				continue;
			for (k = 0; k < ne && strcmp(ev[k], name) != 0; k++)
				;
			if (k == ne && ne < max)
				ev[ne++] = name;
		}
	return ne;
}

static double counter_of(const struct pb_sumrow *r, const char *event)
{
	for (int e = 0; e < r->nctr; e++)
		if (strcmp(r->ctr_event[e], event) == 0)
			return r->ctr_median[e];
	return NAN;
}

/* The counters plot: CPU time and each event against workers, one panel each. */
static int plot_counters(struct ctx *c, long g, const char *slug, const char *title, const char *sub, size_t *idx,
			 size_t m, const struct series *s, int ns, const char *xvars)
{
	const char *ev[5];
	int ne = group_events(c->rows, idx, m, ev, 5);
	char name[200], cols[512] = "workers cpu_s", names[512] = "CPU time per run", logs[64] = "", t[400];
	snprintf(name, sizeof name, "%s-counters", slug);
	for (int e = 0; e < ne; e++) {
		size_t l = strlen(cols);
		snprintf(cols + l, sizeof cols - l, " %s", ev[e]);
	}
	FILE *f = data_open(c, name, "CPU time (user + sys) and counters per run, medians, one block per series", cols);
	if (!f)
		return -1;
	int nb = 0;
	for (int i = 0; i < ns; i++) {
		block(f, &nb, s[i].label);
		for (size_t j = s[i].first; j < s[i].first + s[i].n; j++) {
			const struct pb_sumrow *r = &c->rows[idx[j]];
			put_num(f, r->key.workers);
			put_num(f, r->user_s + r->sys_s);
			for (int e = 0; e < ne; e++)
				put_num(f, counter_of(r, ev[e]));
			fputc('\n', f);
		}
	}
	if (data_close(c, f, name) != 0)
		return -1;
	/* per panel: log y where its values are positive and span 20x */
	for (int p = 0; p <= ne; p++) {
		struct range yr = { 0 };
		for (size_t j = 0; j < m; j++) {
			const struct pb_sumrow *r = &c->rows[idx[j]];
			range_add(&yr, p == 0 ? r->user_s + r->sys_s : counter_of(r, ev[p - 1]));
		}
		size_t l = strlen(logs);
		snprintf(logs + l, sizeof logs - l, "%s%d", p ? " " : "", yr.any && yr.lo > 0 && yr.hi / yr.lo >= 20);
	}
	for (int e = 0; e < ne; e++) {
		size_t l = strlen(names);
		snprintf(names + l, sizeof names - l, "|%s per run", ev[e]);
	}
	struct pb_plot *pl = add_plot(c, name, "counters.gp", "group", g);
	if (!pl)
		return -1;
	pb_textf(t, sizeof t, "%s: CPU time and counters", title);
	plot_titles(pl, t, sub);
	pl->nseries = ns;
	snprintf(pl->vars, sizeof pl->vars, "datafile='%s.dat'; nseries=%d; npanels=%d; panelnames='%s'; panellogs='%s'; %s",
		 name, ns, ne + 1, names, logs, xvars);
	style_vars(pl->vars, sizeof pl->vars, s, ns);
	return 0;
}

/* One scaling plot of the group's data file: script, title, y range. */
static int scaling_plot(struct ctx *c, long g, const char *file, const char *kind, const char *script,
			const char *title, const char *sub, int ns, const struct series *s, const char *more)
{
	char name[200];
	snprintf(name, sizeof name, "%s-%s", file, kind);
	struct pb_plot *p = add_plot(c, name, script, "group", g);
	if (!p)
		return -1;
	plot_titles(p, title, sub);
	p->nseries = ns;
	snprintf(p->vars, sizeof p->vars, "datafile='%s.dat'; nseries=%d; %s", file, ns, more);
	style_vars(p->vars, sizeof p->vars, s, ns);
	return 0;
}

/* The ranges of a group's scaling plots: workers, times, speedups, efficiencies, set-up times. */
struct scaling_ranges {
	struct range x, t, s, e, u;
};

static void scaling_ranges(const struct pb_sumrow *rows, const size_t *idx, size_t m, struct scaling_ranges *sc)
{
	memset(sc, 0, sizeof *sc);
	for (size_t j = 0; j < m; j++) {
		const struct pb_sumrow *r = &rows[idx[j]];
		range_add(&sc->x, r->key.workers);
		range_add(&sc->t, r->st.ci_lo);
		range_add(&sc->t, r->st.ci_hi);
		range_add(&sc->t, r->st.median);
		if (r->has_speedup && r->st.ci_lo > 0 && r->st.ci_hi > 0) {
			range_add(&sc->s, r->serial_median / r->st.ci_hi);
			range_add(&sc->s, r->serial_median / r->st.ci_lo);
			range_add(&sc->e, r->serial_median / r->st.ci_hi / r->key.workers);
			range_add(&sc->e, r->serial_median / r->st.ci_lo / r->key.workers);
		}
		range_add(&sc->u, r->setup_s);
	}
	range_add(&sc->s, 1);
	range_add(&sc->s, sc->x.hi); /* the ideal line reaches the largest count */
	range_add(&sc->e, 1);
}

/* image: pool (copies through pipes) against shm (shared memory), when the group has both. */
static int plan_pool_shm(struct ctx *c, long g, size_t m, const char *slug, const char *problem, const char *sub,
			 const char *xv)
{
	const struct pb_raw_row *k = &c->rows[c->idx[0]].key;
	if (strcmp(k->workload, "image") != 0 || !has_variant(c->rows, c->idx, m, "pool") ||
	    !has_variant(c->rows, c->idx, m, "shm"))
		return 0;
	size_t ms = 0, pick[256];
	for (size_t j = 0; j < m && ms < 256; j++)
		if (strcmp(c->rows[c->idx[j]].key.variant, "pool") == 0 || strcmp(c->rows[c->idx[j]].key.variant, "shm") == 0)
			pick[ms++] = c->idx[j];
	struct series s2[MAX_SERIES];
	int ns2 = split_series(c->rows, pick, ms, 0, x_workers, s2);
	char name[200], t[600];
	struct range tr2 = { 0 };
	for (size_t j = 0; j < ms; j++) {
		range_add(&tr2, c->rows[pick[j]].st.ci_lo);
		range_add(&tr2, c->rows[pick[j]].st.ci_hi);
	}
	snprintf(name, sizeof name, "%s-pool-shm", slug);
	FILE *f2 = data_open(c, name, "image: pool against shm", scaling_cols);
	if (!f2)
		return -1;
	int nb2 = 0;
	write_blocks(f2, &nb2, c->rows, pick, s2, ns2, pt_scaling);
	if (data_close(c, f2, name) != 0)
		return -1;
	struct pb_plot *p = add_plot(c, name, "time.gp", "group", g);
	if (!p)
		return -1;
	pb_textf(t, sizeof t, "%s: pool (copies through pipes) against shm (shared)", problem);
	plot_titles(p, t, sub);
	p->nseries = ns2;
	snprintf(p->vars, sizeof p->vars, "datafile='%s.dat'; nseries=%d; nideal=0; %s", name, ns2, xv);
	range_vars(p->vars, sizeof p->vars, "y", &tr2, 0, 1);
	style_vars(p->vars, sizeof p->vars, s2, ns2);
	return 0;
}

/* Every plot of group g: time (with sleep's ideal), speedup (with the fits), efficiency, set-up, counters. */
static int plan_group(struct ctx *c, size_t g)
{
	const struct pb_group *gr = &c->a->groups[g];
	size_t m = gr->n;
	memcpy(c->idx, gr->idx, m * sizeof *c->idx);
	if (gr->nsweeps == 0)
		return 0; /* no parallel variant at two worker counts or more: nothing scales here */
	const struct pb_raw_row *k = NULL;
	for (size_t j = 0; j < m && !k; j++)
		if (!is_serial(&c->rows[c->idx[j]].key))
			k = &c->rows[c->idx[j]].key;
	if (!k)
		k = &c->rows[c->idx[0]].key;
	struct series s[MAX_SERIES];
	int ns = split_series(c->rows, c->idx, m, 0, x_workers, s);
	char slug[160], problem[PB_PARAMS_MAX + 64], sub[256], t[600], xv[256] = "", more[PB_PLOT_MAXVARS];
	group_slug(slug, sizeof slug, c->set, k, F_TASKS | F_CHUNK | F_SCHED | F_BIND, "");
	pb_problem_label(k, problem, sizeof problem);
	decomposition(sub, sizeof sub, k, F_TASKS | F_CHUNK | F_SCHED | F_BIND);
	if (is_serial(k))
		decomposition(sub, sizeof sub, k, F_TASKS | F_BIND);

	struct scaling_ranges sc;
	scaling_ranges(c->rows, c->idx, m, &sc);
	struct range xr = sc.x, tr = sc.t, sr = sc.s, er = sc.e, ur = sc.u;
	range_vars(xv, sizeof xv, "x", &xr, 1, 0);
	vars_add(xv, sizeof xv, "cores=%d", c->a->cores);
	xtics_var(xv, sizeof xv, c->rows, c->idx, m, x_workers);

	FILE *f = data_open(c, slug, problem, scaling_cols);
	if (!f)
		return -1;
	int nb = 0;
	write_blocks(f, &nb, c->rows, c->idx, s, ns, pt_scaling);
	int nideal = ideal_block(f, &nb, c->rows, c->idx, m, &tr);
	more[0] = '\0';
	vars_add(more, sizeof more, "%s; nideal=%d", xv, nideal);
	range_vars(more, sizeof more, "y", &tr, 0, 1);
	pb_textf(t, sizeof t, "%s: median time", problem);
	if (scaling_plot(c, (long)g, slug, "time", "time.gp", t, sub, ns, s, more) != 0)
		goto fail;
	int any_speedup = 0;
	for (size_t j = 0; j < m; j++)
		any_speedup |= c->rows[c->idx[j]].has_speedup;
	if (any_speedup) {
		char mv[PB_PLOT_MAXVARS] = "";
		int nmodel = model_blocks(c, f, &nb, gr, s, ns, xr.lo, xr.hi, mv, sizeof mv);
		more[0] = '\0';
		vars_add(more, sizeof more, "%s; nideal=%d; nmodel=%d%s", xv, nideal, nmodel, mv);
		range_vars(more, sizeof more, "y", &sr, 1, 0);
		pb_textf(t, sizeof t, "%s: speedup over serial", problem);
		if (scaling_plot(c, (long)g, slug, "speedup", "speedup.gp", t, sub, ns, s, more) != 0)
			goto fail;
		more[0] = '\0';
		vars_add(more, sizeof more, "%s", xv);
		range_vars(more, sizeof more, "y", &er, 0, 1);
		pb_textf(t, sizeof t, "%s: parallel efficiency", problem);
		if (scaling_plot(c, (long)g, slug, "efficiency", "efficiency.gp", t, sub, ns, s, more) != 0)
			goto fail;
	}
	if (data_close(c, f, slug) != 0)
		return -1;
	f = NULL;
	more[0] = '\0';
	vars_add(more, sizeof more, "%s", xv);
	range_vars(more, sizeof more, "y", &ur, 0, 1);
	pb_textf(t, sizeof t, "%s: set-up time", problem);
	if (scaling_plot(c, (long)g, slug, "setup", "setup.gp", t, sub, ns, s, more) != 0)
		return -1;
	if (plot_counters(c, (long)g, slug, problem, sub, c->idx, m, s, ns, xv) != 0)
		return -1;

	return plan_pool_shm(c, (long)g, m, slug, problem, sub, xv);
fail:
	if (f)
		fclose(f);
	return -1;
}

/* ---- chunk sweeps ---- */

static int plan_chunks(struct ctx *c)
{
	const int key = F_PARAMS | F_WORKERS | F_BIND; /* sizes and task counts: on one per-task axis */
	char *done = calloc(c->n ? c->n : 1, 1);
	if (!done) {
		snprintf(c->err, c->errlen, "out of memory");
		return -1;
	}
	int rc = -1;
	for (size_t i = 0; i < c->n; i++) {
		if (done[i] || is_serial(&c->rows[i].key))
			continue;
		size_t m = 0;
		for (size_t j = i; j < c->n; j++)
			if (!done[j] && !is_serial(&c->rows[j].key) && agree(&c->rows[i].key, &c->rows[j].key, key)) {
				done[j] = 1;
				c->idx[m++] = j;
			}
		if (distinct_x(c->rows, c->idx, m, x_chunk) < 2)
			continue;
		const struct pb_raw_row *k = &c->rows[i].key;
		char kind[32], name[160], problem[PB_PARAMS_MAX + 64], t[600], sub[256];
		snprintf(kind, sizeof kind, "-chunks-j%d", k->workers);
		group_slug(name, sizeof name, c->set, k, F_BIND, kind);
		int vary = varying(c->rows, c->idx, m, F_SCHED | F_TASKS | F_SIZE);
		int one_per_task = 1; /* sleep's size is its task count: say it once */
		for (size_t j = 0; j < m; j++)
			one_per_task &= c->rows[c->idx[j]].key.size == c->rows[c->idx[j]].key.tasks;
		if (one_per_task)
			vary &= ~F_SIZE;
		pb_problem_label(k, problem, sizeof problem);
		if (vary & F_SIZE) /* the size is in the legend then */
			snprintf(problem, sizeof problem, "%s %s", k->workload, k->params);
		decomposition(sub, sizeof sub, k, (F_WORKERS | F_TASKS | F_SCHED | F_BIND) & ~vary);
		struct series s[MAX_SERIES];
		int ns = split_series(c->rows, c->idx, m, vary, x_chunk, s);
		struct range xr = { 0 }, yr = { 0 };
		for (size_t j = 0; j < m; j++) {
			const struct pb_sumrow *r = &c->rows[c->idx[j]];
			range_add(&xr, (double)r->key.chunk);
			range_add(&yr, r->st.ci_lo / (double)r->key.tasks);
			range_add(&yr, r->st.ci_hi / (double)r->key.tasks);
		}
		FILE *f = data_open(c, name, "median time per task against chunk size, one block per series",
				    "chunk median_per_task_s ci_lo_s ci_hi_s");
		if (!f)
			goto out;
		int nb = 0;
		write_blocks(f, &nb, c->rows, c->idx, s, ns, pt_chunk);
		if (data_close(c, f, name) != 0)
			goto out;
		struct pb_plot *p = add_plot(c, name, "chunk.gp", "overheads", -1);
		if (!p)
			goto out;
		pb_textf(t, sizeof t, "%s: time per task against chunk size", problem);
		plot_titles(p, t, sub);
		p->nseries = ns;
		snprintf(p->vars, sizeof p->vars, "datafile='%s.dat'; nseries=%d", name, ns);
		range_vars(p->vars, sizeof p->vars, "x", &xr, 1, 0);
		xtics_var(p->vars, sizeof p->vars, c->rows, c->idx, m, x_chunk);
		range_vars(p->vars, sizeof p->vars, "y", &yr, 0, 1);
		style_vars(p->vars, sizeof p->vars, s, ns);
	}
	rc = 0;
out:
	free(done);
	return rc;
}

/* ---- the sleep experiments ---- */

/* A variant into the list vars (at most 16) unless it is there. */
static void add_variant(const char **vars, int *nv, const char *variant)
{
	for (int v = 0; v < *nv; v++)
		if (strcmp(vars[v], variant) == 0)
			return;
	if (*nv < 16)
		vars[(*nv)++] = variant;
}

/* The variants in their fixed order (pb_variant_rank), so that each keeps its colour and place. */
static void sort_variants(const char **vars, int nv)
{
	for (int a = 1; a < nv; a++)
		for (int b = a; b > 0 && pb_variant_rank(vars[b - 1]) > pb_variant_rank(vars[b]); b--) {
			const char *t = vars[b];
			vars[b] = vars[b - 1];
			vars[b - 1] = t;
		}
}

/* The dispatch cases (ms=0, chunk 1, verified) into c->idx; their variants (by rank) and worker counts (sorted). */
static size_t dispatch_cases(struct ctx *c, const char **vars, int *nvp, int *ws, int *nwp)
{
	int nv = 0, nw = 0;
	size_t m = 0;
	for (size_t i = 0; i < c->n; i++) {
		const struct pb_raw_row *k = &c->rows[i].key;
		if (sleep_ms(k) != 0 || !k->tasks || (k->chunk != 1 && !is_serial(k)) || !c->rows[i].verified)
			continue;
		c->idx[m++] = i;
		int w;
		add_variant(vars, &nv, k->variant);
		for (w = 0; w < nw && ws[w] != k->workers; w++)
			;
		if (w == nw && nw < 16)
			ws[nw++] = k->workers;
	}
	sort_variants(vars, nv);
	for (int a = 1; a < nw; a++)
		for (int b = a; b > 0 && ws[b - 1] > ws[b]; b--) {
			int t = ws[b];
			ws[b] = ws[b - 1];
			ws[b - 1] = t;
		}
	*nvp = nv;
	*nwp = nw;
	return m;
}

/* Dispatch overhead: empty tasks (ms=0) handed out one at a time, per task, as bars per variant and workers. */
static int plan_dispatch(struct ctx *c)
{
	const char *vars[16];
	int nv, ws[16], nw;
	size_t m = dispatch_cases(c, vars, &nv, ws, &nw);
	if (!m)
		return 0;
	FILE *f = data_open(c, "dispatch", "sleep ms=0, chunk 1: median / tasks, seconds per task; ? = not measured",
			    "variant, then one column per worker count");
	if (!f)
		return -1;
	fputs("\"variant\"", f);
	for (int w = 0; w < nw; w++)
		fprintf(f, " \"%d worker%s\"", ws[w], ws[w] == 1 ? "" : "s");
	fputc('\n', f);
	/* the case with the most tasks of each variant: the dispatch measurement itself */
	unsigned long long vtasks[16], common = 0;
	int best_count = 0;
	for (int v = 0; v < nv; v++) {
		vtasks[v] = 0;
		for (size_t j = 0; j < m; j++)
			if (strcmp(c->rows[c->idx[j]].key.variant, vars[v]) == 0 && c->rows[c->idx[j]].key.tasks > vtasks[v])
				vtasks[v] = c->rows[c->idx[j]].key.tasks;
	}
	for (int v = 0; v < nv; v++) {
		int count = 0;
		for (int u = 0; u < nv; u++)
			count += vtasks[u] == vtasks[v];
		if (count > best_count) {
			best_count = count;
			common = vtasks[v];
		}
	}
	struct range yr = { 0 };
	for (int v = 0; v < nv; v++) {
		unsigned long long tasks = vtasks[v];
		char label[96], tt[32];
		pb_fmt_count(tt, sizeof tt, (double)tasks);
		if (tasks == common)
			snprintf(label, sizeof label, "%s", vars[v]);
		else
			snprintf(label, sizeof label, "%s|(%s tasks)", vars[v], tt);
		fprintf(f, "\"%s\"", label);
		for (int w = 0; w < nw; w++) {
			double best = NAN;
			for (size_t j = 0; j < m; j++) {
				const struct pb_sumrow *r = &c->rows[c->idx[j]];
				if (strcmp(r->key.variant, vars[v]) == 0 && r->key.workers == ws[w] && r->key.tasks == tasks)
					best = r->st.median / (double)r->key.tasks;
			}
			if (isnan(best))
				fputs(" ?", f);
			else
				put_num(f, best);
			range_add(&yr, best);
		}
		fputc('\n', f);
	}
	if (yr.any)
		yr.lo /= 3; /* room below the shortest bar */
	if (data_close(c, f, "dispatch") != 0)
		return -1;
	struct pb_plot *p = add_plot(c, "dispatch", "dispatch.gp", "overheads", -1);
	if (!p)
		return -1;
	char sub[128], ct[32];
	pb_fmt_count(ct, sizeof ct, (double)common);
	snprintf(sub, sizeof sub, "%s empty tasks (sleep ms=0), chunk 1, dynamic; log scale", ct);
	plot_titles(p, "dispatch overhead: the time per task of handing out empty tasks", sub);
	p->nseries = nw;
	snprintf(p->vars, sizeof p->vars, "datafile='dispatch.dat'; ncols=%d", nw);
	range_vars(p->vars, sizeof p->vars, "y", &yr, 1, 0);
	return 0;
}

/* Process per task against the pool over task lengths: only where both ran the same tasks at 2+ lengths. */
static int plan_tasklen(struct ctx *c)
{
	size_t m = 0;
	for (size_t i = 0; i < c->n; i++) {
		const struct pb_sumrow *r = &c->rows[i];
		if (!(pb_sleep_task_ms(&r->key) > 0) || !r->verified ||
		    (strcmp(r->key.variant, "process") != 0 && strcmp(r->key.variant, "pool") != 0))
			continue;
		/* its counterpart: the other variant, same size, tasks, workers, chunk, schedule, bind and ms */
		const char *other = strcmp(r->key.variant, "pool") == 0 ? "process" : "pool";
		int paired = 0;
		for (size_t j = 0; j < c->n && !paired; j++) {
			const struct pb_raw_row *o = &c->rows[j].key;
			paired = strcmp(o->variant, other) == 0 &&
				 agree(&r->key, o, F_SIZE | F_PARAMS | F_WORKERS | F_TASKS | F_CHUNK | F_SCHED | F_BIND);
		}
		if (paired)
			c->idx[m++] = i;
	}
	if (!m || distinct_x(c->rows, c->idx, m, x_task_ms) < 2)
		return 0;
	int mask = varying(c->rows, c->idx, m, F_SIZE | F_WORKERS | F_TASKS | F_CHUNK | F_SCHED | F_BIND);
	struct series s[MAX_SERIES];
	int ns = split_series(c->rows, c->idx, m, mask, x_task_ms, s);
	struct range xr = { 0 }, yr = { 0 };
	for (size_t j = 0; j < m; j++) {
		const struct pb_sumrow *r = &c->rows[c->idx[j]];
		unsigned long long w = (unsigned long long)r->key.workers;
		double rounds = (double)((r->key.tasks + w - 1) / w);
		range_add(&xr, pb_sleep_task_ms(&r->key));
		range_add(&yr, r->st.ci_lo / rounds * 1e3);
		range_add(&yr, r->st.ci_hi / rounds * 1e3);
		range_add(&yr, pb_sleep_task_ms(&r->key));
	}
	FILE *f = data_open(c, "tasklen", "sleep: median / ceil(tasks / workers), milliseconds, against the task length",
			    "task_ms time_per_task_ms ci_lo_ms ci_hi_ms");
	if (!f)
		return -1;
	int nb = 0;
	write_blocks(f, &nb, c->rows, c->idx, s, ns, pt_tasklen);
	if (data_close(c, f, "tasklen") != 0)
		return -1;
	struct pb_plot *p = add_plot(c, "tasklen", "tasklen.gp", "overheads", -1);
	if (!p)
		return -1;
	char sub[256];
	decomposition(sub, sizeof sub, &c->rows[c->idx[0]].key, (F_WORKERS | F_TASKS | F_CHUNK | F_SCHED) & ~mask);
	plot_titles(p, "process per task against the pool: time per task slot", sub);
	p->nseries = ns;
	snprintf(p->vars, sizeof p->vars, "datafile='tasklen.dat'; nseries=%d", ns);
	range_vars(p->vars, sizeof p->vars, "x", &xr, 1, 0);
	xtics_var(p->vars, sizeof p->vars, c->rows, c->idx, m, x_task_ms);
	range_vars(p->vars, sizeof p->vars, "y", &yr, 1, 0);
	style_vars(p->vars, sizeof p->vars, s, ns);
	return 0;
}

/* ---- across groups: the speedup of each variant at the core count ---- */

/* The variants with a speedup outside sleep, by rank. */
static int bar_variants(struct ctx *c, const char **vars)
{
	int nv = 0;
	for (size_t i = 0; i < c->n; i++) {
		const struct pb_raw_row *k = &c->rows[i].key;
		if (!c->rows[i].has_speedup || is_serial(k) || strcmp(k->workload, "sleep") == 0)
			continue;
		add_variant(vars, &nv, k->variant);
	}
	sort_variants(vars, nv);
	return nv;
}

/* The group's label without its " n=SIZE". */
static void label_without_size(const struct pb_analysis *a, const struct pb_group *gr, char *buf, size_t len)
{
	pb_group_label(a, gr, buf, len);
	char *n = strstr(buf, " n=");
	if (n) {
		char *end = strchr(n + 1, ' ');
		memmove(n, end ? end : n + strlen(n), strlen(end ? end : n + strlen(n)) + 1);
	}
}

/*
 * A bar cluster's label: the group's, without "n=" unless another group
 * would read the same; the workers when not the cores; '|' where the
 * workload ends (bars.gp breaks the line there).
 */
static void bar_label(const struct pb_analysis *a, const struct pb_group *gr, int at, char *full, size_t len)
{
	char label[PB_PARAMS_MAX + 64], other[PB_PARAMS_MAX + 64];
	label_without_size(a, gr, label, sizeof label);
	int clash = 0;
	for (size_t h = 0; h < a->ngroups; h++) {
		if (&a->groups[h] == gr)
			continue;
		label_without_size(a, &a->groups[h], other, sizeof other);
		clash |= strcmp(label, other) == 0;
	}
	if (clash)
		pb_group_label(a, gr, label, sizeof label);
	/* one word a line, so that clusters' labels never run into each other (bars.gp breaks at '|') */
	for (char *sp = label; *sp; sp++)
		if (*sp == ' ')
			*sp = '|';
	if (at != a->cores)
		pb_textf(full, len, "%s (j=%d)", label, at);
	else
		pb_textf(full, len, "%s", label);
	for (char *s = full; *s; s++)
		if (*s == '"')
			*s = '\'';
}

static int plan_bars(struct ctx *c)
{
	const struct pb_analysis *a = c->a;
	const char *vars[16];
	int nv = bar_variants(c, vars), ngroups = 0, lablines = 1;
	if (nv == 0)
		return 0;
	FILE *f = data_open(c, "speedup-bars", "speedup over serial at the core count (or the most workers below it); ? = none",
			    "group label, then one column per variant");
	if (!f)
		return -1;
	fputs("\"case\"", f);
	for (int v = 0; v < nv; v++)
		fprintf(f, " \"%s\"", vars[v]);
	fputc('\n', f);
	struct range yr = { 0 };
	range_add(&yr, 0);
	range_add(&yr, a->cores);
	for (size_t g = 0; g < a->ngroups; g++) {
		const struct pb_group *gr = &a->groups[g];
		const struct pb_raw_row *k = &a->rows[gr->idx[0]].key;
		if (strcmp(k->workload, "sleep") == 0)
			continue;
		/* the worker count: the cores, or the most below them */
		int at = 0;
		for (size_t j = 0; j < gr->n; j++) {
			const struct pb_sumrow *r = &a->rows[gr->idx[j]];
			if (!is_serial(&r->key) && r->has_speedup && r->key.workers <= a->cores && r->key.workers > at)
				at = r->key.workers;
		}
		if (at < 2)
			continue;
		char full[PB_PARAMS_MAX + 96];
		bar_label(a, gr, at, full, sizeof full);
		int lines = 1;
		for (const char *q = full; *q; q++)
			lines += *q == '|';
		if (lines > lablines)
			lablines = lines;
		fprintf(f, "\"%s\"", full);
		for (int v = 0; v < nv; v++) {
			double best = NAN;
			for (size_t j = 0; j < gr->n; j++) {
				const struct pb_sumrow *r = &a->rows[gr->idx[j]];
				if (r->key.workers == at && r->has_speedup && strcmp(r->key.variant, vars[v]) == 0 &&
				    (isnan(best) || r->speedup > best))
					best = r->speedup;
			}
			if (isnan(best))
				fputs(" ?", f);
			else
				put_num(f, best);
			range_add(&yr, best);
		}
		fputc('\n', f);
		ngroups++;
	}
	if (data_close(c, f, "speedup-bars") != 0)
		return -1;
	if (ngroups == 0)
		return 0;
	struct pb_plot *p = add_plot(c, "speedup-bars", "bars.gp", "overview", -1);
	if (!p)
		return -1;
	char t[128];
	pb_textf(t, sizeof t, "speedup over serial at %d workers, the core count", a->cores);
	plot_titles(p, t, "");
	p->nseries = nv;
	snprintf(p->vars, sizeof p->vars, "datafile='speedup-bars.dat'; nvariants=%d; ngroups=%d; cores=%d; lablines=%d", nv,
		 ngroups, a->cores, lablines);
	range_vars(p->vars, sizeof p->vars, "y", &yr, 0, 1);
	struct series s[16];
	for (int v = 0; v < nv; v++) {
		s[v].variant = vars[v];
		s[v].first = s[v].n = 0;
	}
	style_vars(p->vars, sizeof p->vars, s, nv);
	return 0;
}

/* Remove the images and data files an earlier report left in plotdir: a plot the run no longer has must not stay. */
static void remove_stale(const char *plotdir)
{
	DIR *d = opendir(plotdir);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l > 4 && (strcmp(e->d_name + l - 4, ".png") == 0 || strcmp(e->d_name + l - 4, ".svg") == 0 ||
			      strcmp(e->d_name + l - 4, ".dat") == 0)) {
			char path[4400];
			snprintf(path, sizeof path, "%s/%s", plotdir, e->d_name);
			unlink(path);
		}
	}
	closedir(d);
}

int pb_plots_prepare(const char *plotdir, const struct pb_analysis *a, struct pb_plotset *set, char *err,
		     size_t errlen)
{
	memset(set, 0, sizeof *set);
	if (mkdir(plotdir, 0777) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create '%s': %s", plotdir, strerror(errno));
		return -1;
	}
	remove_stale(plotdir);
	struct ctx c = { plotdir, a, a->rows, a->nrows, set, malloc((a->nrows ? a->nrows : 1) * sizeof(size_t)), err,
			 errlen };
	if (!c.idx) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = 0;
	for (size_t g = 0; g < a->ngroups && rc == 0; g++)
		rc = plan_group(&c, g);
	if (rc == 0)
		rc = plan_bars(&c) || plan_dispatch(&c) || plan_tasklen(&c) || plan_chunks(&c) ? -1 : 0;
	free(c.idx);
	if (rc)
		pb_plotset_free(set);
	return rc;
}

void pb_plotset_free(struct pb_plotset *set)
{
	free(set->plots);
	memset(set, 0, sizeof *set);
}

/* ---- rendering ---- */

/* Run gnuplot with argv in directory dir, output appended to log; its exit status, or -1 (127: not found). */
static int run_gnuplot(const char *dir, const char *log, char *const argv[])
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0666);
		int nul = open("/dev/null", O_RDONLY);
		if (fd < 0 || nul < 0 || chdir(dir) != 0)
			_exit(126);
		dup2(nul, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Append 'value' to a gnuplot assignment list as name='value' (quotes doubled). */
static void gp_assign(char *buf, size_t len, const char *name, const char *value)
{
	size_t p = strlen(buf);
	p += (size_t)snprintf(buf + p, p < len ? len - p : 0, "%s%s='", p ? "; " : "", name);
	for (const char *s = value; *s && p + 3 < len; s++) {
		if ((unsigned char)*s < 0x20)
			continue;
		if (*s == '\'')
			buf[p++] = '\'';
		buf[p++] = *s;
	}
	if (p + 2 < len) {
		buf[p++] = '\'';
		buf[p] = '\0';
	}
}

int pb_plots_render(const char *plotdir, const char *scriptdir, const char *gnuplot, struct pb_plotset *set,
		    char *err, size_t errlen)
{
	char log[4096], absdir[PATH_MAX], script[PATH_MAX + 64];
	snprintf(log, sizeof log, "%s/gnuplot.log", plotdir);
	unlink(log);
	if (!realpath(scriptdir, absdir)) {
		snprintf(err, errlen, "cannot find '%s': %s", scriptdir, strerror(errno));
		return -1;
	}
	char *probe[] = { (char *)gnuplot, "-e", "set terminal pngcairo", NULL };
	int rc = run_gnuplot(plotdir, log, probe);
	const char *pngterm = "pngcairo";
	if (rc != 0) {
		char *probe2[] = { (char *)gnuplot, "-e", "set terminal png", NULL };
		rc = run_gnuplot(plotdir, log, probe2);
		pngterm = "png";
	}
	if (rc == 127 || rc < 0) {
		snprintf(err, errlen, "cannot run '%s'", gnuplot);
		return -1;
	}
	if (rc != 0) {
		snprintf(err, errlen, "'%s' has neither the pngcairo nor the png terminal", gnuplot);
		return -1;
	}
	int made = 0;
	for (size_t i = 0; i < set->n; i++) {
		struct pb_plot *p = &set->plots[i];
		char vars[PB_PLOT_MAXVARS + 2048] = "";
		gp_assign(vars, sizeof vars, "scriptdir", absdir);
		gp_assign(vars, sizeof vars, "pngterm", pngterm);
		gp_assign(vars, sizeof vars, "out", p->name);
		gp_assign(vars, sizeof vars, "plottitle", p->title);
		gp_assign(vars, sizeof vars, "subtitle", p->subtitle);
		size_t l = strlen(vars);
		snprintf(vars + l, sizeof vars - l, "; %s", p->vars);
		snprintf(script, sizeof script, "%s/%s", absdir, p->script);
		char png[4400], svg[4400];
		snprintf(png, sizeof png, "%s/%s.png", plotdir, p->name);
		snprintf(svg, sizeof svg, "%s/%s.svg", plotdir, p->name);
		unlink(png);
		unlink(svg);
		char *argv[] = { (char *)gnuplot, "-e", vars, script, NULL };
		struct stat st;
		rc = run_gnuplot(plotdir, log, argv);
		p->made = rc == 0 && stat(png, &st) == 0 && st.st_size > 0;
		if (!p->made) {
			/* a failed gnuplot leaves empty or partial images: none is kept */
			unlink(png);
			unlink(svg);
		} else if (stat(svg, &st) != 0 || st.st_size == 0) {
			unlink(svg);
		}
		made += p->made;
	}
	return made;
}

int pb_find_scripts(char *dir, size_t len, char *err, size_t errlen)
{
	char exe[PATH_MAX], probe[PATH_MAX + 64];
	struct stat st;
	const char *env = getenv("PARBENCH_SCRIPTS");
	if (env && *env) {
		snprintf(probe, sizeof probe, "%s/time.gp", env);
		if (stat(probe, &st) != 0) {
			snprintf(err, errlen, "PARBENCH_SCRIPTS: no time.gp in '%s'", env);
			return -1;
		}
		snprintf(dir, len, "%s", env);
		return 0;
	}
	ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (l <= 0) {
		snprintf(err, errlen, "cannot find the gnuplot scripts: cannot read '/proc/self/exe'");
		return -1;
	}
	exe[l] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	static const char *const rel[] = { "../scripts", "../share/parbench" };
	for (size_t i = 0; i < 2; i++) {
		snprintf(probe, sizeof probe, "%s/%s/time.gp", exe, rel[i]);
		if (stat(probe, &st) == 0) {
			snprintf(dir, len, "%s/%s", exe, rel[i]);
			return 0;
		}
	}
	snprintf(err, errlen, "cannot find the gnuplot scripts in '%s/../scripts' or '%s/../share/parbench' (set PARBENCH_SCRIPTS)",
		 exe, exe);
	return -1;
}
