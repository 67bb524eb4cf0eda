/* compare.h: two runs case by case: ratio of medians with a CI, Mann-Whitney p, verdict (compare and ab). */
#ifndef PB_COMPARE_H
#define PB_COMPARE_H

#include <stddef.h>
#include <stdio.h>

#include "results.h"

/* Fewer repetitions than this on either side: the verdict is "unsure" (as Google Benchmark's compare.py warns). */
#define PB_COMPARE_MIN_REPS 9

enum pb_metric { PB_METRIC_TIME, PB_METRIC_SPEEDUP, PB_METRIC_EFFICIENCY };
/* PB_UNVERIFIED: some repetition of the case failed verification on a side; it fails the gate. */
enum pb_verdict { PB_SAME, PB_FASTER, PB_SLOWER, PB_UNSURE, PB_UNVERIFIED };
enum pb_format { PB_FORMAT_TABLE, PB_FORMAT_MD, PB_FORMAT_CSV };

struct pb_compare_opts {
	double threshold;      /* relative change that matters: 0.05 for --threshold 5 */
	double alpha;          /* significance level of the Mann-Whitney test */
	enum pb_metric metric;
	enum pb_format format;
};

/* Defaults: threshold 5%, alpha 0.01, time, table. */
void pb_compare_opts_init(struct pb_compare_opts *o);

/*
 * If argv[*i] is one of --threshold PCT, --alpha A, --metric M, --format F
 * (also --opt=value), store it in o, advance *i past its value and return 1;
 * return 0 if it is not one of them; -1 with a one-line reason in err if its
 * value is missing or bad.
 */
int pb_compare_parse_option(int argc, char **argv, int *i, struct pb_compare_opts *o, char *err, size_t errlen);

/* The comparison of one case: two samples of the metric. */
struct pb_sample_cmp {
	size_t n_base, n_new;
	double base_median, new_median;
	double ratio;        /* new median / base median */
	double ci_lo, ci_hi; /* 95% CI of the ratio (Hodges-Lehmann interval on log values; see compare.c) */
	int ci_exact;        /* 0: samples too small for 95%, the interval is the range of the pairwise ratios */
	double p;            /* two-sided Mann-Whitney p-value */
	enum pb_verdict verdict;
};

/*
 * Compare samples base[0..nb) and cur[0..nn) of a metric (higher_better: 0
 * for times, 1 for speedup and efficiency); every value must be > 0.
 * Returns 0, or -1 if a value is not positive or memory runs out.
 */
int pb_compare_samples(const double *base, size_t nb, const double *cur, size_t nn, int higher_better,
		       const struct pb_compare_opts *o, struct pb_sample_cmp *out);

enum pb_entry_kind { PB_ENTRY_COMPARED, PB_ENTRY_ONLY_BASE, PB_ENTRY_ONLY_NEW, PB_ENTRY_NOT_COMPARABLE };

struct pb_compare_entry {
	struct pb_raw_row key;     /* the case's key fields */
	enum pb_entry_kind kind;
	struct pb_sample_cmp cmp;  /* PB_ENTRY_COMPARED only */
	char why[96];              /* PB_ENTRY_NOT_COMPARABLE: the reason */
	int unverified;            /* some repetition on either side was not verified */
};

struct pb_comparison {
	struct pb_compare_opts opts;
	size_t n;
	struct pb_compare_entry *entries; /* BASE's cases in order, then those only in NEW */
	size_t compared, slower, faster, same, unsure, only_base, only_new, not_comparable;
	size_t few_reps;   /* compared cases with fewer than PB_COMPARE_MIN_REPS repetitions on a side */
	size_t unverified; /* entries with unverified repetitions */
	size_t failed_verification; /* common cases with unverified repetitions: each fails the gate */
	double geomean;    /* geometric mean of the compared ratios */
};

/*
 * Compare two runs case by case (cases matched by pb_case_key_equal).
 * Returns 0, or -1 with a one-line reason in err (no common or comparable
 * case, out of memory).  Free with pb_comparison_free.
 */
int pb_compare_raw(const struct pb_raw *base, const struct pb_raw *cur, const struct pb_compare_opts *o,
		   struct pb_comparison *c, char *err, size_t errlen);
void pb_comparison_free(struct pb_comparison *c);

/* Print the comparison as an aligned table, Markdown or CSV (o->format) on out. */
void pb_comparison_print(const struct pb_comparison *c, FILE *out);

/*
 * Read BASE and NEW (results directories or raw.csv files), compare, print
 * the result on stdout and warnings on stderr.  Returns the exit status:
 * 1 if a case is slower or a common case has unverified repetitions, 0 if
 * none, 2 for bad input (error printed as
 * "parbench: <who>: ...").  If keep is not NULL, the comparison is left
 * there on success (free it with pb_comparison_free).
 */
int pb_compare_paths(const char *who, const char *base, const char *cur, const struct pb_compare_opts *o,
		     struct pb_comparison *keep);

const char *pb_verdict_name(enum pb_verdict v);

/* compare's options (their help), NULL-terminated: for the usage text, the man page and the completion. */
struct pb_opt;
extern const struct pb_opt *const pb_compare_options;

#endif
