/* ab.c: parbench ab: two builds run interleaved on the same matrix, then compared (and confirmed). */
#include "commands.h"
#include "compare.h"
#include "options.h"
#include "plugin.h"
#include "plan.h"
#include "proc.h"
#include "results.h"
#include "schema.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_ROUNDS 5
/* Paths: --out is at most OUT_MAX long, so every path built from it fits in PATH_LEN. */
#define OUT_MAX 1024
#define PATH_LEN 4096
/*
 * Per round: 5 rounds x 3 = 15 repetitions per build.  10 (5 x 2) reach PB_COMPARE_MIN_REPS, but the
 * family-wise test over a 21-case matrix then catches a 30% slowdown at 10% noise in only 87% of
 * trials, 15 in 100% (tests/test_gate.c; README, Regression checks for CI).
 */
#define DEFAULT_REPS 3

struct ab {
	const char *bin[2];   /* A (old), B (new) */
	char **run_args;      /* the user's run options, without -r and -o */
	int nrun;
	long rounds, confirm, reps;
	char out[OUT_MAX + 1];
	struct pb_compare_opts copts;
};

/* snprintf for paths (lengths are bounded by OUT_MAX, checked when --out is parsed). */
static void pathf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* A list of round directories of one build. */
struct dirlist {
	char **dirs;
	size_t n, cap;
};

static int dirlist_add(struct dirlist *l, const char *dir)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 16;
		char **nd = realloc(l->dirs, nc * sizeof *nd);
		if (!nd)
			return -1;
		l->dirs = nd;
		l->cap = nc;
	}
	if (!(l->dirs[l->n] = strdup(dir)))
		return -1;
	l->n++;
	return 0;
}

static void dirlist_free(struct dirlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->dirs[i]);
	free(l->dirs);
	memset(l, 0, sizeof *l);
}

/*
 * The binary is a parbench: a regular executable file whose --version says
 * "parbench ...".  Anything else is refused before a round runs (exit 2).
 */
static int check_binary(const char *path)
{
	struct stat st;
	char line[256] = "";
	int p[2];
	if (stat(path, &st) != 0) {
		pb_err("ab: cannot run '%s': %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || access(path, X_OK) != 0) {
		pb_err("ab: cannot run '%s': not an executable file", path);
		return -1;
	}
	if (pipe(p) != 0) {
		pb_err("ab: cannot run '%s': %s", path, strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid_t pid = pb_fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(p[1], STDOUT_FILENO);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execl(path, path, "--version", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	if (pid > 0) {
		size_t n = 0;
		ssize_t got;
		while (n + 1 < sizeof line && (got = read(p[0], line + n, sizeof line - 1 - n)) != 0) {
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0)
				break;
			n += (size_t)got;
		}
		line[n] = '\0';
		int status;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		pb_proc_unregister(pid);
	}
	close(p[0]);
	if (strncmp(line, "parbench ", 9) != 0) {
		pb_err("ab: cannot run '%s': not a parbench build ('%s --version' does not say parbench)", path, path);
		return -1;
	}
	return 0;
}

/*
 * Run BIN run [extra...] -r REPS -o DIR, its stdout into DIR.log, its stderr
 * passing through.  Waits for it.  Returns 0, or the exit status to give
 * (2 if the child rejected its options, 1 otherwise) with the error printed.
 */
static int run_child(const struct ab *ab, int which, char **extra, int nextra, const char *dir, const char *what)
{
	char reps[32], logpath[PATH_LEN];
	int argc = 0;
	char **argv = calloc((size_t)(ab->nrun + nextra + 8), sizeof *argv);
	if (!argv) {
		pb_err("ab: out of memory");
		return 2;
	}
	snprintf(reps, sizeof reps, "%ld", ab->reps);
	pathf(logpath, sizeof logpath, "%s.log", dir);
	argv[argc++] = (char *)ab->bin[which];
	argv[argc++] = "run";
	for (int i = 0; i < ab->nrun; i++)
		argv[argc++] = ab->run_args[i];
	for (int i = 0; i < nextra; i++)
		argv[argc++] = extra[i];
	argv[argc++] = "-r";
	argv[argc++] = reps;
	argv[argc++] = "-o";
	argv[argc++] = (char *)dir;
	argv[argc] = NULL;

	/* O_EXCL: --out was checked to be new or empty, so no earlier log is ever truncated */
	int log = open(logpath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (log < 0) {
		pb_err("ab: cannot write '%s': %s", logpath, strerror(errno));
		free(argv);
		return 2;
	}
	fflush(NULL);
	pid_t pid = pb_fork();
	if (pid < 0) {
		pb_err("ab: cannot fork: %s", strerror(errno));
		close(log);
		free(argv);
		return 2;
	}
	if (pid == 0) {
		if (dup2(log, STDOUT_FILENO) < 0)
			_exit(127);
		execv(argv[0], argv);
		char msg[600];
		int n = snprintf(msg, sizeof msg, "parbench: ab: cannot run '%s': %s\n", argv[0], strerror(errno));
		if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
			_exit(127);
		_exit(127);
	}
	close(log);
	free(argv);
	int status;
	pid_t got;
	while ((got = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	pb_proc_unregister(pid);
	if (got < 0) {
		pb_err("ab: cannot wait for '%s': %s", ab->bin[which], strerror(errno));
		return 2;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	char how[64];
	pb_wait_status_str(status, how, sizeof how);
	pb_err("ab: '%s run' (%s) %s; its output is in '%s'", ab->bin[which], what, how, logpath);
	return WIFEXITED(status) && WEXITSTATUS(status) == 2 ? 2 : 1;
}

/* One row counter per case, so that rep runs 1, 2, ... across rounds. */
struct rep_count {
	struct pb_raw_row key;
	int next;
};

/* Append the rows of one round's raw.csv to b, rep renumbered per case across rounds. */
static int gather_one(const char *dir, struct rep_count **cnt, size_t *ncnt, size_t *capcnt, struct pb_strbuf *b)
{
	struct pb_raw raw;
	char file[PATH_LEN], err[PB_ERR_MAX];
	pathf(file, sizeof file, "%s/raw.csv", dir);
	if (pb_raw_read(file, &raw, err, sizeof err) != 0) {
		pb_err("ab: %s", err);
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < raw.nrows && rc == 0; i++) {
		struct pb_raw_row row = raw.rows[i];
		size_t c;
		for (c = 0; c < *ncnt; c++)
			if (pb_case_key_equal(&(*cnt)[c].key, &row))
				break;
		if (c == *ncnt) {
			if (*ncnt == *capcnt) {
				size_t nc = *capcnt ? *capcnt * 2 : 16;
				struct rep_count *n2 = realloc(*cnt, nc * sizeof *n2);
				if (!n2) {
					pb_err("ab: out of memory");
					rc = -1;
					break;
				}
				*cnt = n2;
				*capcnt = nc;
			}
			(*cnt)[c].key = row;
			(*cnt)[c].key.cpus = NULL;
			(*cnt)[c].next = 1;
			(*ncnt)++;
		}
		row.rep = (*cnt)[c].next++;
		if (pb_row_format(&pb_raw_table, &row, b, err, sizeof err) != 0) {
			pb_err("ab: '%s' row %zu: %s", file, i + 1, err);
			rc = -1;
		}
	}
	pb_raw_free(&raw);
	return rc;
}

/*
 * Concatenate the raw.csv files of dirs into dest/raw.csv (written
 * atomically), rep renumbered per case in order; copies the first
 * directory's meta.json.  0, or -1 with the error printed.
 */
static int gather(const struct dirlist *dirs, const char *dest)
{
	char path[PATH_LEN], err[PB_ERR_MAX];
	struct rep_count *cnt = NULL;
	size_t ncnt = 0, capcnt = 0;
	struct pb_strbuf b = { 0 };
	int rc = -1;
	if (pb_mkdir_p(dest, NULL, 0) != 0) {
		pb_err("ab: cannot create '%s': %s", dest, strerror(errno));
		return -1;
	}
	pb_table_header(&pb_raw_table, &b);
	for (size_t d = 0; d < dirs->n; d++)
		if (gather_one(dirs->dirs[d], &cnt, &ncnt, &capcnt, &b) != 0)
			goto done;
	pathf(path, sizeof path, "%s/raw.csv", dest);
	if (b.oom || pb_write_file_atomic(path, b.s, b.len, err, sizeof err) != 0) {
		pb_err("ab: %s", b.oom ? "out of memory" : err);
		goto done;
	}
	/* meta.json of the first round: the machine and build facts */
	char meta[PATH_LEN], *data;
	size_t len;
	pathf(meta, sizeof meta, "%s/meta.json", dirs->dirs[0]);
	pathf(path, sizeof path, "%s/meta.json", dest);
	if (pb_read_file(meta, &data, &len, err, sizeof err) == 0) {
		int w = pb_write_file_atomic(path, data, len, err, sizeof err);
		free(data);
		if (w != 0) {
			pb_err("ab: %s", err);
			goto done;
		}
	}
	rc = 0;
done:
	free(b.s);
	free(cnt);
	return rc;
}

/*
 * R rounds of both builds over the matrix (extra: options narrowing it, for
 * --confirm), interleaved and alternating which goes first (A B, B A, A B, ...)
 * so that a linear drift of the machine hits both builds equally; then the rows
 * of each build are gathered into base/a and base/b.  0 or an exit status.
 */
static int rounds(const struct ab *ab, const char *base, char ***extra, const int *nextra, size_t ncases,
		  const char *label)
{
	struct dirlist dl[2] = { { 0 }, { 0 } };
	char dir[PATH_LEN], what[128], sub[PATH_LEN];
	int rc = 0;
	pathf(dir, sizeof dir, "%s/rounds", base);
	if (pb_mkdir_p(dir, NULL, 0) != 0) {
		pb_err("ab: cannot create '%s': %s", dir, strerror(errno));
		return 2;
	}
	for (long r = 0; r < ab->rounds && rc == 0; r++) {
		for (size_t c = 0; c < ncases && rc == 0; c++) {
			for (int k = 0; k < 2 && rc == 0; k++) {
				int which = (r + (long)c) % 2 ? 1 - k : k;
				pathf(dir, sizeof dir, "%s/rounds/%c-%02ld", base, "ab"[which], r + 1);
				if (ncases > 1 || extra) {
					pathf(sub, sizeof sub, "%s-case%zu", dir, c + 1);
					pathf(dir, sizeof dir, "%s", sub);
				}
				snprintf(what, sizeof what, "%s round %ld/%ld, build %c", label, r + 1, ab->rounds,
					 "AB"[which]);
				fprintf(stderr, "parbench: ab: %s: %s\n", what, ab->bin[which]);
				rc = run_child(ab, which, extra ? extra[c] : NULL, extra ? nextra[c] : 0, dir, what);
				if (rc == 0 && dirlist_add(&dl[which], dir) != 0) {
					pb_err("ab: out of memory");
					rc = 2;
				}
			}
		}
	}
	for (int k = 0; k < 2 && rc == 0; k++) {
		pathf(dir, sizeof dir, "%s/%c", base, "ab"[k]);
		if (gather(&dl[k], dir) != 0)
			rc = 2;
	}
	dirlist_free(&dl[0]);
	dirlist_free(&dl[1]);
	return rc;
}

static void usage(FILE *f)
{
	fputs("usage: parbench ab OLD_BINARY NEW_BINARY [--rounds R] [--confirm K] [--out DIR]\n"
	      "                   [--threshold PCT] [--alpha A] [--metric M] [--format F] [run options...]\n"
	      "Runs `BIN run [run options] -r REPS -o DIR` for both builds, interleaved over R rounds\n"
	      "(default 5; -r sets the repetitions per round, default 3), gathers DIR/a/raw.csv (OLD)\n"
	      "and DIR/b/raw.csv (NEW), and compares them as `parbench compare` does.  --confirm K\n"
	      "re-runs the cases found slower K more times (interleaved) and reports a regression\n"
	      "only if every re-run confirms it (cases withheld as unsure are re-run too).  DIR (default\n"
	      "results/ab-<time>) must be new or empty.\n"
	      "Exit status as compare: 1 regression, 3 unsure (a slower-looking case disturbed), 0 none, 2 error.\n",
	      f);
}

/* Parse a count option's value into [lo, hi]; -1 with the error printed. */
static int count_value(const char *opt, const char *val, long lo, long hi, long *out)
{
	if (!val) {
		pb_err("ab: option '%s' needs a value", opt);
		return -1;
	}
	if (pb_parse_int(val, lo, hi, out) != 0) {
		pb_err("ab: bad value '%s' for %s: expected an integer in [%ld, %ld]", val, opt, lo, hi);
		return -1;
	}
	return 0;
}

/* The value of option argv[*i] (--opt=value, -xVALUE or the next argument), or NULL. */
static const char *option_value(int argc, char **argv, int *i)
{
	const char *a = argv[*i], *eq = strchr(a, '=');
	if (a[1] == '-' && eq)
		return eq + 1;
	if (a[1] != '-' && a[2])
		return a + 2;
	return *i + 1 < argc ? argv[++*i] : NULL;
}

/* Does argv option a name the option long or short (with =value or attached value)? */
static int matches(const char *a, const char *lng, const char *shrt)
{
	size_t l = strlen(lng);
	if (strncmp(a, lng, l) == 0 && (a[l] == '\0' || a[l] == '='))
		return 1;
	return shrt && strncmp(a, shrt, 2) == 0;
}

/*
 * ab's own options, compare's, or run's (taken from run's option table and
 * passed through with their values; -r and -o are ab's).  0, or 2 with the
 * error printed; -1 for --help.
 */

/* The plugin files among a -w list: loaded (so a bad one is exit 2 before any round); 0, or 2 after one line. */
static int load_plugins(const char *list)
{
	char buf[4096], err[1024];
	if (strlen(list) >= sizeof buf)
		return 0; /* run will say what is wrong with it */
	snprintf(buf, sizeof buf, "%s", list);
	for (char *save = NULL, *v = strtok_r(buf, ",", &save); v; v = strtok_r(NULL, ",", &save))
		if (pb_plugin_is_path(v) && !pb_plugin_load(v, err, sizeof err)) {
			pb_err("ab: %s: %s", v, err);
			return 2;
		}
	return 0;
}

static int parse_args(int argc, char **argv, struct ab *ab)
{
	char err[512];
	int nbin = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val;
		const struct pb_opt *ro;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return -1;
		}
		int r = pb_compare_parse_option(argc, argv, &i, &ab->copts, err, sizeof err);
		if (r < 0) {
			pb_err("ab: %s", err);
			return 2;
		}
		if (r > 0)
			continue;
		if (matches(a, "--rounds", NULL)) {
			if (count_value("--rounds", option_value(argc, argv, &i), 1, 1000, &ab->rounds))
				return 2;
		} else if (matches(a, "--confirm", NULL)) {
			if (count_value("--confirm", option_value(argc, argv, &i), 0, 100, &ab->confirm))
				return 2;
		} else if (matches(a, "--reps", "-r")) {
			if (count_value("--reps", option_value(argc, argv, &i), 1, 100000, &ab->reps))
				return 2;
		} else if (matches(a, "--out", "-o")) {
			if (!(val = option_value(argc, argv, &i)) || !*val) {
				pb_err("ab: option '--out' needs a value");
				return 2;
			}
			if (strlen(val) > OUT_MAX) {
				pb_err("ab: bad value for --out: longer than %d characters", OUT_MAX);
				return 2;
			}
			snprintf(ab->out, sizeof ab->out, "%s", val);
		} else if ((ro = pb_opt_find(pb_run_tables, a))) {
			/* a run option: passed through with its value */
			ab->run_args[ab->nrun++] = argv[i];
			int attached = a[1] == '-' ? strchr(a, '=') != NULL : a[2] != '\0';
			if (ro->arg && !attached) {
				if (i + 1 >= argc) {
					pb_err("ab: option '%s' needs a value", a);
					return 2;
				}
				ab->run_args[ab->nrun++] = argv[++i];
			}
			/* plugin files are loaded here too: checked before any round, and --confirm names them by file */
			if (strcmp(ro->lng, "workload") == 0 && load_plugins(attached ? (a[1] == '-' ? strchr(a, '=') + 1 : a + 2)
										: argv[i]) != 0)
				return 2;
		} else if (a[0] == '-' && a[1]) {
			pb_err("ab: unknown option '%s' (see 'parbench ab --help' and 'parbench run --help')", a);
			return 2;
		} else if (nbin < 2) {
			ab->bin[nbin++] = a;
		} else {
			pb_err("ab: unexpected argument '%s': expected OLD_BINARY NEW_BINARY, then options", a);
			return 2;
		}
	}
	if (nbin < 2) {
		pb_err("ab: expected OLD_BINARY and NEW_BINARY");
		return 2;
	}
	return 0;
}

/* --out: new, or an empty directory: an earlier ab's rounds and logs are never overwritten. */
static int prepare_out(struct ab *ab)
{
	if (!ab->out[0]) {
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
		strftime(ab->out, sizeof ab->out, "results/ab-%Y%m%d-%H%M%S", &tm);
	}
	DIR *d = opendir(ab->out);
	if (d) {
		struct dirent *e;
		int used = 0;
		while (!used && (e = readdir(d)))
			used = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
		closedir(d);
		if (used) {
			pb_err("ab: '%s' is not empty (it may hold an earlier ab run); give a new --out", ab->out);
			return -1;
		}
	}
	if (pb_mkdir_p(ab->out, NULL, 0) != 0) {
		pb_err("ab: cannot create '%s': %s", ab->out, strerror(errno));
		return -1;
	}
	return 0;
}

/* Drop the user's matrix options (--confirm replaces them per case); keep the rest (--warmup, -c, ...). */
static void keep_non_matrix(struct ab *ab)
{
	int keep = 0;
	for (int i = 0; i < ab->nrun; i++) {
		const char *a = ab->run_args[i];
		const struct pb_opt *ro = pb_opt_find(pb_run_tables, a);
		int attached = a[1] == '-' ? strchr(a, '=') != NULL : a[2] != '\0';
		int takes = ro && ro->arg && !attached && i + 1 < ab->nrun;
		if (ro && (ro->flags & PB_OPT_MATRIX)) {
			i += takes;
			continue;
		}
		ab->run_args[keep++] = ab->run_args[i];
		if (takes)
			ab->run_args[keep++] = ab->run_args[++i];
	}
	ab->nrun = keep;
}

/* The cases of first that are slower or look slower (withheld as unsure), and the run options that select each. */
struct slow_set {
	size_t n;
	struct pb_compare_entry **e;
	char ***args;
	int *nargs;
	int *held;   /* slower in every confirmation so far */
	int *unsure; /* some confirmation withheld its verdict (disturbed, noisy) rather than clearing it */
};

static void slow_free(struct slow_set *s)
{
	for (size_t k = 0; s->args && k < s->n; k++) {
		for (int i = 0; i < s->nargs[k]; i++)
			free(s->args[k][i]);
		free(s->args[k]);
	}
	free(s->e);
	free(s->args);
	free(s->nargs);
	free(s->held);
	free(s->unsure);
}

static int slow_collect(const struct pb_comparison *first, struct slow_set *s)
{
	memset(s, 0, sizeof *s);
	s->e = calloc(first->n, sizeof *s->e);
	s->args = calloc(first->n, sizeof *s->args);
	s->nargs = calloc(first->n, sizeof *s->nargs);
	s->held = calloc(first->n, sizeof *s->held);
	s->unsure = calloc(first->n, sizeof *s->unsure);
	if (!s->e || !s->args || !s->nargs || !s->held || !s->unsure)
		return -1;
	for (size_t i = 0; i < first->n; i++) {
		struct pb_compare_entry *e = &first->entries[i];
		if (e->kind != PB_ENTRY_COMPARED || (e->cmp.verdict != PB_SLOWER && !e->withheld))
			continue;
		if (pb_case_args(&e->key, &s->args[s->n], &s->nargs[s->n]) != 0)
			return -1;
		s->held[s->n] = 1;
		s->e[s->n++] = e;
	}
	return 0;
}

/*
 * --confirm K: the cases that are slower, or look slower but were withheld,
 * again, K times, interleaved; a regression must hold every time.  Each
 * re-run is its own family (Holm over the re-run cases), so the re-runs
 * can only remove failures: unchanged code fails only if the first
 * comparison and every re-run all say slower.  A case that a re-run
 * withholds again stays unsure.  The exit status: 1, PB_EXIT_UNSURE or 0.
 */
static int confirm(struct ab *ab, const struct pb_comparison *first)
{
	struct slow_set s;
	int rc = 2;
	if (slow_collect(first, &s) != 0) {
		pb_err("ab: out of memory");
		goto out;
	}
	keep_non_matrix(ab);
	for (long k = 1; k <= ab->confirm; k++) {
		char base[PATH_LEN], label[64], pa[PATH_LEN], pbp[PATH_LEN];
		struct pb_comparison c;
		pathf(base, sizeof base, "%s/confirm-%ld", ab->out, k);
		snprintf(label, sizeof label, "confirm %ld/%ld", k, ab->confirm);
		int r = rounds(ab, base, s.args, s.nargs, s.n, label);
		if (r != 0) {
			rc = r;
			goto out;
		}
		pathf(pa, sizeof pa, "%s/a", base);
		pathf(pbp, sizeof pbp, "%s/b", base);
		printf("\n# %s: the %zu slower case(s) again\n", label, s.n);
		if (pb_compare_paths("ab", pa, pbp, &ab->copts, &c) == 2)
			goto out;
		for (size_t i = 0; i < s.n; i++) {
			int still = 0, withheld = 0;
			for (size_t e = 0; e < c.n; e++)
				if (c.entries[e].kind == PB_ENTRY_COMPARED && pb_case_key_equal(&c.entries[e].key, &s.e[i]->key)) {
					still = c.entries[e].cmp.verdict == PB_SLOWER;
					withheld = c.entries[e].withheld;
				}
			s.unsure[i] |= withheld && s.held[i];
			s.held[i] &= still;
		}
		pb_comparison_free(&c);
	}
	size_t confirmed = 0, unsure = 0;
	printf("\n# confirmation (%ld re-run%s, a regression must hold in every one):\n", ab->confirm,
	       ab->confirm > 1 ? "s" : "");
	for (size_t i = 0; i < s.n; i++) {
		char key[PB_PARAMS_MAX + 256];
		/* first withheld, then slower in every re-run: the re-runs are the clean evidence */
		int still_unsure = !s.held[i] && s.unsure[i];
		pb_case_key_str(&s.e[i]->key, key, sizeof key);
		printf("%s: %s\n", s.held[i] ? "regression confirmed" : still_unsure ? "still unsure" : "not confirmed", key);
		confirmed += (size_t)s.held[i];
		unsure += (size_t)still_unsure;
	}
	printf("# %zu of %zu slower case(s) confirmed%s\n", confirmed, s.n,
	       unsure ? "; some re-runs were disturbed again (unsure)" : "");
	rc = confirmed || first->failed_verification ? 1 : unsure ? PB_EXIT_UNSURE : 0;
out:
	slow_free(&s);
	return rc;
}

int pb_cmd_ab(int argc, char **argv)
{
	struct ab ab;
	struct pb_comparison first;
	char pa[PATH_LEN], pbp[PATH_LEN];
	int rc;
	memset(&ab, 0, sizeof ab);
	ab.rounds = DEFAULT_ROUNDS;
	ab.reps = DEFAULT_REPS;
	pb_compare_opts_init(&ab.copts);
	ab.run_args = calloc((size_t)argc + 1, sizeof *ab.run_args);
	if (!ab.run_args) {
		pb_err("ab: out of memory");
		return 2;
	}
	rc = parse_args(argc, argv, &ab);
	if (rc) {
		free(ab.run_args);
		return rc < 0 ? 0 : rc;
	}
	if (check_binary(ab.bin[0]) || check_binary(ab.bin[1]) || prepare_out(&ab)) {
		free(ab.run_args);
		return 2;
	}
	if (ab.rounds * ab.reps < PB_COMPARE_MIN_REPS)
		pb_warn("ab: %ld rounds x %ld repetitions gives fewer than %d repetitions per build: verdicts will be unsure",
			ab.rounds, ab.reps, PB_COMPARE_MIN_REPS);
	rc = rounds(&ab, ab.out, NULL, NULL, 1, "matrix");
	if (rc == 0) {
		pathf(pa, sizeof pa, "%s/a", ab.out);
		pathf(pbp, sizeof pbp, "%s/b", ab.out);
		printf("# A = %s, B = %s; %ld rounds of %ld repetitions each, interleaved; rows in %s/a and %s/b\n",
		       ab.bin[0], ab.bin[1], ab.rounds, ab.reps, ab.out, ab.out);
		int crc = pb_compare_paths("ab", pa, pbp, &ab.copts, &first);
		rc = crc;
		if (crc != 2) {
			/* a failed verification needs no confirmation; a regression or a withheld one does */
			if ((crc == 1 || crc == PB_EXIT_UNSURE) && ab.confirm > 0 && !first.failed_verification &&
			    (first.slower || first.withheld))
				rc = confirm(&ab, &first);
			pb_comparison_free(&first);
		}
	}
	free(ab.run_args);
	return rc;
}
