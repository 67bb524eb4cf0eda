/* compare.h: two runs case by case, decided as one family: ratio with a CI, Mann-Whitney, Holm, disturbance guard. */
#ifndef PB_COMPARE_H
#define PB_COMPARE_H

#include <stddef.h>
#include <stdio.h>

#include "results.h"

/* Fewer repetitions than this on either side: the verdict is "unsure" (as Google Benchmark's compare.py warns). */
#define PB_COMPARE_MIN_REPS 9

/* Exit status of compare, ab and perf-check when no case is slower but a verdict was withheld (see compare.c). */
#define PB_EXIT_UNSURE 3

enum pb_metric { PB_METRIC_TIME, PB_METRIC_SPEEDUP, PB_METRIC_EFFICIENCY };
/* PB_UNVERIFIED: some repetition of the case failed verification on a side; it fails the gate. */
enum pb_verdict { PB_SAME, PB_FASTER, PB_SLOWER, PB_UNSURE, PB_UNVERIFIED };
enum pb_format { PB_FORMAT_TABLE, PB_FORMAT_MD, PB_FORMAT_CSV };

struct pb_compare_opts {
	double threshold;      /* relative change that matters: 0.05 for --threshold 5 */
	double alpha;          /* family-wise significance level: Holm over the compared cases */
	double max_cv;         /* robust CV (either side) above which a case is unsure, not slower: 0.20 */
	enum pb_metric metric;
	enum pb_format format;
};

/* Defaults: threshold 5%, family-wise alpha 0.01, max CV 20%, time, table. */
void pb_compare_opts_init(struct pb_compare_opts *o);

/*
 * If argv[*i] is one of --threshold PCT, --alpha A, --max-cv PCT, --metric
 * M, --format F (also --opt=value), store it in o, advance *i past its value
 * and return 1; return 0 if it is not one of them; -1 with a one-line reason
 * in err if its value is missing or bad.
 */
int pb_compare_parse_option(int argc, char **argv, int *i, struct pb_compare_opts *o, char *err, size_t errlen);

/* The comparison of one case: two samples of the metric. */
struct pb_sample_cmp {
	size_t n_base, n_new;
	double base_median, new_median;
	double ratio;        /* new median / base median */
	double time_ratio;   /* the change as a time ratio: ratio, or 1 / ratio for speedup and efficiency */
	double ci_lo, ci_hi; /* 95% CI of the ratio (Hodges-Lehmann interval on log values; see compare.c) */
	int ci_exact;        /* 0: samples too small for 95%, the interval is the range of the pairwise ratios */
	double p;            /* two-sided Mann-Whitney p-value */
	double p_slower;     /* one-sided Mann-Whitney p of "NEW is worse" (slower; lower speedup) */
	double p_faster;     /* one-sided p of "NEW is better" */
	double p_adj;        /* Holm-adjusted one-sided p in the direction of the change: what the verdict used */
	int in_family;       /* 1: the case is one of the family the adjustment ran over */
	enum pb_verdict stat_verdict; /* what the numbers say, before the disturbance guard */
	enum pb_verdict verdict;      /* the verdict: stat_verdict, or unsure when the guard withheld it */
};

/*
 * Compare samples base[0..nb) and cur[0..nn) of a metric (higher_better: 0
 * for times, 1 for speedup and efficiency); every value must be > 0.  The
 * verdict is that of a family of one case (p_adj = the one-sided p).
 * Returns 0, or -1 if a value is not positive or memory runs out.
 */
int pb_compare_samples(const double *base, size_t nb, const double *cur, size_t nn, int higher_better,
		       const struct pb_compare_opts *o, struct pb_sample_cmp *out);

/*
 * The family-wise decision (compare.c's opening comment), a pure function
 * of the per-case statistics: Holm over the one-sided p-values of the m
 * cases that have PB_COMPARE_MIN_REPS repetitions a side (separately for
 * slower and for faster), then each case's verdict from its change and
 * adjusted p; a case with guard[i] set (a disturbance, noise or machine
 * reason; NULL or "" for none) that would be slower or faster is unsure
 * instead.  Fills p_adj, in_family, stat_verdict, verdict of s[0..m).
 * Returns the family's size, or -1 if out of memory.
 */
long pb_family_verdicts(struct pb_sample_cmp *s, const char *const *guard, size_t m, const struct pb_compare_opts *o);

/* What compare uses from a run's meta.json: the machine and the load at the start. */
struct pb_run_facts {
	int have;              /* 0: no meta.json, or unreadable: the machine and load checks are skipped */
	char cpu_model[128];   /* "" unknown */
	char governor[128];    /* "" unknown */
	long cores, pus;       /* -1 unknown */
	int binding;           /* 1 binding works, 0 not, -1 unknown (meta.json before binding_supported) */
	double load1;          /* 1-minute load average at the start, -1 unknown */
	int nplugins;          /* the plugins the run loaded (meta.json "plugins"): name and SHA-256 */
	char plugin[16][64];
	char plugin_sha[16][65];
};

/*
 * Load the facts of the run at path (a results directory, or a raw.csv
 * whose directory holds meta.json).  0 loaded; 1 no meta.json; -1 unreadable
 * or malformed (f->have 0, the reason in note).
 */
int pb_run_facts_load(const char *path, struct pb_run_facts *f, char *note, size_t len);

/*
 * Whether the two runs' machines differ in CPU model, core or PU count,
 * governor or binding support (facts unknown on a side are not compared);
 * 1 with what differs in why ("cpu_model 'A' -> 'B'"), 0 if not.
 */
int pb_machine_changed(const struct pb_run_facts *a, const struct pb_run_facts *b, char *why, size_t len);

/*
 * Whether a plugin of the same name is a different file (SHA-256) in the
 * two runs: 1 with "'NAME' (sha256 1eb974ff5206... -> 9c0d...)" in why, 0
 * if not (or unknown).  Not a verdict: comparing two builds of a kernel is
 * what ab is for; but the cases then measure different code, and compare
 * says so.
 */
int pb_plugins_changed(const struct pb_run_facts *a, const struct pb_run_facts *b, char *why, size_t len);

enum pb_entry_kind { PB_ENTRY_COMPARED, PB_ENTRY_ONLY_BASE, PB_ENTRY_ONLY_NEW, PB_ENTRY_NOT_COMPARABLE };

struct pb_compare_entry {
	struct pb_raw_row key;     /* the case's key fields */
	enum pb_entry_kind kind;
	struct pb_sample_cmp cmp;  /* PB_ENTRY_COMPARED only */
	char why[96];              /* PB_ENTRY_NOT_COMPARABLE: the reason */
	int unverified;            /* some repetition on either side was not verified */
	size_t left_out[2];        /* disturbed repetitions left out, BASE and NEW */
	char guard[224];           /* why a slower or faster verdict would be withheld ("" none) */
	int untrusted;             /* the guard is about the data (too few undisturbed repetitions, a loaded older run) */
	int withheld;              /* looks slower and guarded: unsure, and the gate with it (see compare.c) */
	char note[160];            /* what else the reader should know (repetitions left out) */
};

struct pb_comparison {
	struct pb_compare_opts opts;
	size_t n;
	struct pb_compare_entry *entries; /* BASE's cases in order, then those only in NEW */
	size_t compared, slower, faster, same, unsure, only_base, only_new, not_comparable;
	size_t few_reps;   /* compared cases with fewer than PB_COMPARE_MIN_REPS repetitions on a side */
	size_t unverified; /* entries with unverified repetitions */
	size_t failed_verification; /* common cases with unverified repetitions: each fails the gate */
	size_t family;     /* cases the Holm adjustment ran over */
	size_t withheld;   /* cases that look slower, withheld (unsure) by the guard: the gate is unsure */
	size_t disturbed[2];        /* disturbed repetitions of the compared cases, BASE and NEW */
	int has_rep_data[2];        /* raw.csv has the per-repetition disturbance columns */
	struct pb_run_facts facts[2];
	int machine_changed;
	char machine_why[256];
	double geomean;    /* geometric mean of the compared ratios */
};

/*
 * Compare two runs case by case (cases matched by pb_case_key_equal), with
 * the facts of their meta.json (NULL: none).  Returns 0, or -1 with a
 * one-line reason in err (no common or comparable case, out of memory).
 * Free with pb_comparison_free.
 */
int pb_compare_runs(const struct pb_raw *base, const struct pb_raw *cur, const struct pb_run_facts *fbase,
		    const struct pb_run_facts *fcur, const struct pb_compare_opts *o, struct pb_comparison *c,
		    char *err, size_t errlen);
/* pb_compare_runs without meta.json facts. */
int pb_compare_raw(const struct pb_raw *base, const struct pb_raw *cur, const struct pb_compare_opts *o,
		   struct pb_comparison *c, char *err, size_t errlen);
void pb_comparison_free(struct pb_comparison *c);

/* The exit status a comparison gives: 1 regression or failed verification, PB_EXIT_UNSURE, or 0. */
int pb_comparison_status(const struct pb_comparison *c);

/* Print the comparison as an aligned table, Markdown or CSV (o->format) on out. */
void pb_comparison_print(const struct pb_comparison *c, FILE *out);

/*
 * Read BASE and NEW (results directories or raw.csv files, with their
 * meta.json when there is one), compare, print the result on stdout and
 * warnings on stderr.  Returns the exit status: pb_comparison_status, or
 * 2 for bad input (error printed as "parbench: <who>: ...").  If keep is
 * not NULL, the comparison is left there unless the status is 2 (free it
 * with pb_comparison_free).
 */
int pb_compare_paths(const char *who, const char *base, const char *cur, const struct pb_compare_opts *o,
		     struct pb_comparison *keep);

const char *pb_verdict_name(enum pb_verdict v);

/* compare's options (their help), NULL-terminated: for the usage text, the man page and the completion. */
struct pb_opt;
extern const struct pb_opt *const pb_compare_options;

#endif
