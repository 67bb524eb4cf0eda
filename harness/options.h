/* options.h: the one table of run's options (and those mech shares), read by run, ab and the usage text. */
#ifndef PB_OPTIONS_H
#define PB_OPTIONS_H

#include <stdio.h>

#include "run.h"

enum {
	PB_OPT_MATRIX = 1, /* selects cases: ab --confirm replaces it with the options of one case */
	PB_OPT_AB = 2,     /* ab sets it itself per round (-r, -o): not passed through */
};

/*
 * One option: its long and short names, its value's name (NULL for a flag),
 * flags, one line of help, and the parser that stores it.  A parser gets the
 * options struct the table belongs to (struct pb_run_opts for run; its first
 * member, struct pb_common_opts, for the common options) and returns 0, or 2
 * after printing one error line.
 */
struct pb_opt {
	const char *lng;
	int shrt; /* 0: long only */
	const char *arg;
	unsigned flags;
	const char *help;
	int (*parse)(void *opts, const char *arg);
};

/* The common options (-j, -b, --order, -r, --warmup, -c, -o, --append, --timeout, -q), then run's own. */
extern const struct pb_opt pb_common_options[];
extern const struct pb_opt pb_run_options[];

/* The tables `run` accepts, NULL-terminated. */
extern const struct pb_opt *const pb_run_tables[];

/* The option of tables that argument a names ("-w", "-wpi", "--workload", "--workload=pi"), or NULL. */
const struct pb_opt *pb_opt_find(const struct pb_opt *const *tables, const char *a);

/*
 * Parse argv[1..argc) against tables into opts (getopt_long, built from the
 * tables); cmd names the command in messages.  Returns 0; -1 after printing
 * usage for --help; 2 after printing one error line.
 */
int pb_opts_parse(const struct pb_opt *const *tables, const char *cmd, const char *usage_head, int argc,
		  char **argv, void *opts);

/*
 * The same for a command that takes arguments besides options (report
 * DIR): they may come anywhere (getopt_long permutes argv) and are left in
 * argv[*first_arg..argc).
 */
int pb_opts_parse_args(const struct pb_opt *const *tables, const char *cmd, const char *usage_head, int argc,
		       char **argv, void *opts, int *first_arg);

/* The usage text: usage_head, then one aligned line per option of tables. */
void pb_opts_usage(FILE *f, const char *usage_head, const struct pb_opt *const *tables);

/*
 * The bounded list parser every list option uses: split arg at commas and
 * call item for each value (ctx passed through).  An empty list or value, a
 * value of 256 bytes or more, is an error naming opt.  Returns 0 or 2 (the
 * error printed by this function or by item).
 */
int pb_list_each(const char *opt, const char *arg, int (*item)(void *ctx, const char *val), void *ctx);

/* The defaults of run's options (all default workloads and available variants are set by pb_run_parse). */
void pb_run_opts_init(struct pb_run_opts *o);

#endif
