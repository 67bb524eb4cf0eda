/* ab.c: parbench ab: two builds run interleaved on the same matrix, then compared (and confirmed). */
#include "commands.h"
#include "compare.h"
#include "csv.h"
#include "proc.h"
#include "results.h"
#include "util.h"

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
#define DEFAULT_REPS 2 /* per round: 5 rounds x 2 = 10 repetitions per build, above PB_COMPARE_MIN_REPS */

struct ab {
	const char *bin[2];   /* A (old), B (new) */
	char **run_args;      /* the user's run options, without -r and -o */
	int nrun;
	long rounds, confirm, reps;
	char out[OUT_MAX + 1];
	struct pb_compare_opts copts;
};


/* snprintf for paths (vsnprintf: lengths are bounded by OUT_MAX, checked when --out is parsed). */
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

/* mkdir -p; 0 or -1 (errno set). */
static int mkdir_p(const char *path)
{
	char buf[4096];
	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0777) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

/* The binary exists, is a regular file and executable; else print why and return -1. */
static int check_binary(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		pb_err("ab: cannot run '%s': %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || access(path, X_OK) != 0) {
		pb_err("ab: cannot run '%s': not an executable file", path);
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

	int log = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
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

/*
 * Concatenate the raw.csv files of dirs into dest/raw.csv (written to a
 * temporary file, then renamed), rep renumbered per case in order; copies the
 * first directory's meta.json.  0, or -1 with the error printed.
 */
static int gather(const struct dirlist *dirs, const char *dest)
{
	char path[PATH_LEN], tmp[PATH_LEN], err[1024];
	struct rep_count *cnt = NULL;
	size_t ncnt = 0, capcnt = 0;
	FILE *out = NULL;
	int rc = -1;
	if (mkdir_p(dest) != 0) {
		pb_err("ab: cannot create '%s': %s", dest, strerror(errno));
		return -1;
	}
	pathf(path, sizeof path, "%s/raw.csv", dest);
	pathf(tmp, sizeof tmp, "%s.tmp", path);
	if (!(out = fopen(tmp, "w"))) {
		pb_err("ab: cannot write '%s': %s", tmp, strerror(errno));
		return -1;
	}
	fprintf(out, "%s\n", PB_RAW_COLUMNS);
	for (size_t d = 0; d < dirs->n; d++) {
		struct pb_raw raw;
		struct pb_csv csv;
		char file[PATH_LEN];
		pathf(file, sizeof file, "%s/raw.csv", dirs->dirs[d]);
		if (pb_raw_read(file, &raw, err, sizeof err) != 0) {
			pb_err("ab: %s", err);
			goto done;
		}
		if (pb_csv_read(file, &csv, err, sizeof err) != 0) {
			pb_raw_free(&raw);
			pb_err("ab: %s", err);
			goto done;
		}
		for (size_t i = 0; i < raw.nrows; i++) {
			size_t c;
			for (c = 0; c < ncnt; c++)
				if (pb_case_key_equal(&cnt[c].key, &raw.rows[i]))
					break;
			if (c == ncnt) {
				if (ncnt == capcnt) {
					size_t nc = capcnt ? capcnt * 2 : 16;
					struct rep_count *n2 = realloc(cnt, nc * sizeof *n2);
					if (!n2) {
						pb_csv_free(&csv);
						pb_raw_free(&raw);
						pb_err("ab: out of memory");
						goto done;
					}
					cnt = n2;
					capcnt = nc;
				}
				cnt[ncnt].key = raw.rows[i];
				cnt[ncnt++].next = 1;
			}
			char line[8192], rep[24];
			size_t pos = 0;
			snprintf(rep, sizeof rep, "%d", cnt[c].next++);
			for (size_t f = 0; f < csv.ncols; f++)
				pb_csv_field(line, sizeof line, &pos, f == 10 ? rep : csv.rows[i + 1][f], f + 1 == csv.ncols);
			fputs(line, out);
		}
		pb_csv_free(&csv);
		pb_raw_free(&raw);
	}
	if (fflush(out) != 0 || ferror(out)) {
		pb_err("ab: cannot write '%s': %s", tmp, strerror(errno));
		goto done;
	}
	if (fclose(out) != 0) {
		out = NULL;
		pb_err("ab: cannot write '%s': %s", tmp, strerror(errno));
		goto done;
	}
	out = NULL;
	if (rename(tmp, path) != 0) {
		pb_err("ab: cannot rename '%s': %s", tmp, strerror(errno));
		goto done;
	}
	/* meta.json of the first round: the machine and build facts */
	char meta[PATH_LEN], meta_dest[PATH_LEN];
	pathf(meta, sizeof meta, "%s/meta.json", dirs->dirs[0]);
	pathf(meta_dest, sizeof meta_dest, "%s/meta.json", dest);
	FILE *mi = fopen(meta, "r"), *mo = mi ? fopen(meta_dest, "w") : NULL;
	if (mi && mo) {
		char buf[8192];
		size_t got;
		while ((got = fread(buf, 1, sizeof buf, mi)) > 0)
			fwrite(buf, 1, got, mo);
	}
	if (mi)
		fclose(mi);
	if (mo)
		fclose(mo);
	rc = 0;
done:
	if (out) {
		fclose(out);
		unlink(tmp);
	}
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
	if (mkdir_p(dir) != 0) {
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

/* Does option opt (as typed) of run take a value in the next argument? */
static int run_option_takes_value(const char *opt)
{
	static const char *const with_value[] = {
		"-w", "--workload", "-v", "--variant", "-j", "--workers", "-n", "--size", "-p", "--param",
		"--tasks", "--chunk", "-s", "--schedule", "-b", "--bind", "--order", "-r", "--reps", "--warmup",
		"-c", "--counters", "-o", "--out", "--timeout", NULL,
	};
	for (int i = 0; with_value[i]; i++)
		if (strcmp(opt, with_value[i]) == 0)
			return 1;
	return 0;
}

/* Is opt (without its value) one of run's matrix options, which --confirm replaces per case? */
static int run_option_is_matrix(const char *opt)
{
	static const char *const matrix[] = {
		"-w", "--workload", "-v", "--variant", "-j", "--workers", "-n", "--size", "-p", "--param",
		"--tasks", "--chunk", "-s", "--schedule", "-b", "--bind", "--order", NULL,
	};
	char name[64];
	size_t l = strcspn(opt, "=");
	if (opt[0] == '-' && opt[1] != '-' && opt[1])
		l = 2; /* -wpi: the option is -w */
	snprintf(name, sizeof name, "%.*s", (int)(l < sizeof name ? l : sizeof name - 1), opt);
	for (int i = 0; matrix[i]; i++)
		if (strcmp(name, matrix[i]) == 0)
			return 1;
	return 0;
}

/* The run options selecting exactly case k: -w -n -v -j --tasks --chunk -s -p... -b [--order]. */
static int case_options(const struct pb_raw_row *k, char ***out, int *nout)
{
	char buf[1024];
	char **v = calloc(64, sizeof *v);
	int n = 0;
	if (!v)
		return -1;
#define ADD(...) do { snprintf(buf, sizeof buf, __VA_ARGS__); if (n >= 62 || !(v[n++] = strdup(buf))) goto oom; } while (0)
	ADD("-w");
	ADD("%s", k->workload);
	ADD("-n");
	ADD("%llu", k->size);
	ADD("-v");
	ADD("%s", k->variant);
	ADD("-j");
	ADD("%d", k->workers);
	ADD("--tasks");
	ADD("%llu", k->tasks);
	ADD("--chunk");
	ADD("%llu", k->chunk);
	ADD("-s");
	ADD("%s", k->schedule);
	/* params: "k=v;k=v" (run.c) */
	char params[sizeof k->params];
	snprintf(params, sizeof params, "%s", k->params);
	for (char *save = NULL, *p = strtok_r(params, ";", &save); p; p = strtok_r(NULL, ";", &save)) {
		ADD("-p");
		ADD("%s", p);
	}
	/* bind: "none" or "POLICY-ORDER" (run.c) */
	const char *dash = strchr(k->bind, '-');
	ADD("-b");
	if (dash) {
		ADD("%.*s", (int)(dash - k->bind), k->bind);
		ADD("--order");
		ADD("%s", dash + 1);
	} else {
		ADD("%s", k->bind);
	}
#undef ADD
	*out = v;
	*nout = n;
	return 0;
oom:
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return -1;
}

static void usage(FILE *f)
{
	fputs("usage: parbench ab OLD_BINARY NEW_BINARY [--rounds R] [--confirm K] [--out DIR]\n"
	      "                   [--threshold PCT] [--alpha A] [--metric M] [--format F] [run options...]\n"
	      "Runs `BIN run [run options] -r REPS -o DIR` for both builds, interleaved over R rounds\n"
	      "(default 5; -r sets the repetitions per round, default 2), gathers DIR/a/raw.csv (OLD)\n"
	      "and DIR/b/raw.csv (NEW), and compares them as `parbench compare` does.  --confirm K\n"
	      "re-runs the cases found slower K more times (interleaved) and reports a regression\n"
	      "only if every re-run confirms it.  Exit status as compare: 1 regression, 0 none, 2 error.\n",
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
static const char *option_value(int argc, char **argv, int *i, const char *name, size_t nl)
{
	const char *a = argv[*i];
	if (a[nl] == '=')
		return a + nl + 1;
	if (a[nl] && name[1] != '-')
		return a + nl;
	return *i + 1 < argc ? argv[++*i] : NULL;
}

/* Does argv option a name the option long or short (with =value or attached value)? */
static size_t matches(const char *a, const char *lng, const char *shrt)
{
	size_t l = strlen(lng);
	if (strncmp(a, lng, l) == 0 && (a[l] == '\0' || a[l] == '='))
		return l;
	if (shrt && strncmp(a, shrt, 2) == 0)
		return 2;
	return 0;
}

int pb_cmd_ab(int argc, char **argv)
{
	struct ab ab;
	struct pb_comparison first;
	char err[512];
	int nbin = 0, rc;
	memset(&ab, 0, sizeof ab);
	ab.rounds = DEFAULT_ROUNDS;
	ab.reps = DEFAULT_REPS;
	pb_compare_opts_init(&ab.copts);
	ab.run_args = calloc((size_t)argc + 1, sizeof *ab.run_args);
	if (!ab.run_args) {
		pb_err("ab: out of memory");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val;
		size_t nl;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			free(ab.run_args);
			return 0;
		}
		int r = pb_compare_parse_option(argc, argv, &i, &ab.copts, err, sizeof err);
		if (r < 0) {
			pb_err("ab: %s", err);
			goto usage_error;
		}
		if (r > 0)
			continue;
		if ((nl = matches(a, "--rounds", NULL))) {
			if (count_value("--rounds", option_value(argc, argv, &i, "--rounds", nl), 1, 1000, &ab.rounds))
				goto usage_error;
		} else if ((nl = matches(a, "--confirm", NULL))) {
			if (count_value("--confirm", option_value(argc, argv, &i, "--confirm", nl), 0, 100, &ab.confirm))
				goto usage_error;
		} else if ((nl = matches(a, "--reps", "-r"))) {
			if (count_value("--reps", option_value(argc, argv, &i, nl == 2 ? "-r" : "--reps", nl), 1, 100000, &ab.reps))
				goto usage_error;
		} else if ((nl = matches(a, "--out", "-o"))) {
			if (!(val = option_value(argc, argv, &i, nl == 2 ? "-o" : "--out", nl)) || !*val) {
				pb_err("ab: option '--out' needs a value");
				goto usage_error;
			}
			if (strlen(val) > OUT_MAX) {
				pb_err("ab: bad value for --out: longer than %d characters", OUT_MAX);
				goto usage_error;
			}
			snprintf(ab.out, sizeof ab.out, "%s", val);
		} else if (a[0] == '-' && a[1]) {
			/* a run option: passed through with its value */
			ab.run_args[ab.nrun++] = argv[i];
			if (run_option_takes_value(a) && i + 1 < argc)
				ab.run_args[ab.nrun++] = argv[++i];
		} else if (nbin < 2) {
			ab.bin[nbin++] = a;
		} else {
			pb_err("ab: unexpected argument '%s': expected OLD_BINARY NEW_BINARY, then options", a);
			goto usage_error;
		}
	}
	if (nbin < 2) {
		pb_err("ab: expected OLD_BINARY and NEW_BINARY");
		goto usage_error;
	}
	if (check_binary(ab.bin[0]) || check_binary(ab.bin[1]))
		goto usage_error;
	if (!ab.out[0]) {
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
		strftime(ab.out, sizeof ab.out, "results/ab-%Y%m%d-%H%M%S", &tm);
	}
	if (mkdir_p(ab.out) != 0) {
		pb_err("ab: cannot create '%s': %s", ab.out, strerror(errno));
		goto usage_error;
	}
	if (ab.rounds * ab.reps < PB_COMPARE_MIN_REPS)
		pb_warn("ab: %ld rounds x %ld repetitions gives fewer than %d repetitions per build: verdicts will be unsure",
			ab.rounds, ab.reps, PB_COMPARE_MIN_REPS);

	rc = rounds(&ab, ab.out, NULL, NULL, 1, "matrix");
	if (rc != 0)
		goto out;
	char pa[PATH_LEN], pbp[PATH_LEN];
	pathf(pa, sizeof pa, "%s/a", ab.out);
	pathf(pbp, sizeof pbp, "%s/b", ab.out);
	printf("# A = %s, B = %s; %ld rounds of %ld repetitions each, interleaved; rows in %s/a and %s/b\n", ab.bin[0],
	       ab.bin[1], ab.rounds, ab.reps, ab.out, ab.out);
	rc = pb_compare_paths("ab", pa, pbp, &ab.copts, &first);
	if (rc != 1 || ab.confirm == 0) {
		if (rc != 2)
			pb_comparison_free(&first);
		goto out;
	}

	/* --confirm K: the slower cases again, K times; a regression must hold every time */
	size_t nslow = 0;
	struct pb_compare_entry **slow = calloc(first.n, sizeof *slow);
	char ***extra = calloc(first.n, sizeof *extra);
	int *nextra = calloc(first.n, sizeof *nextra);
	int *held = calloc(first.n, sizeof *held);
	if (!slow || !extra || !nextra || !held) {
		pb_err("ab: out of memory");
		rc = 2;
		goto confirm_done;
	}
	for (size_t i = 0; i < first.n; i++)
		if (first.entries[i].kind == PB_ENTRY_COMPARED && first.entries[i].cmp.verdict == PB_SLOWER) {
			if (case_options(&first.entries[i].key, &extra[nslow], &nextra[nslow]) != 0) {
				pb_err("ab: out of memory");
				rc = 2;
				goto confirm_done;
			}
			held[nslow] = 1;
			slow[nslow++] = &first.entries[i];
		}
	/* keep the user's options that do not define the matrix (--warmup, -c, --timeout, -q, ...) */
	{
		int keep = 0;
		for (int i = 0; i < ab.nrun; i++) {
			const char *a = ab.run_args[i];
			int takes = run_option_takes_value(a) && i + 1 < ab.nrun;
			if (run_option_is_matrix(a)) {
				i += takes;
				continue;
			}
			ab.run_args[keep++] = ab.run_args[i];
			if (takes)
				ab.run_args[keep++] = ab.run_args[++i];
		}
		ab.nrun = keep;
	}
	int failed = 0;
	for (long k = 1; k <= ab.confirm && !failed; k++) {
		char base[PATH_LEN], label[64];
		struct pb_comparison c;
		pathf(base, sizeof base, "%s/confirm-%ld", ab.out, k);
		snprintf(label, sizeof label, "confirm %ld/%ld", k, ab.confirm);
		int r = rounds(&ab, base, extra, nextra, nslow, label);
		if (r != 0) {
			rc = r;
			failed = 1;
			break;
		}
		pathf(pa, sizeof pa, "%s/a", base);
		pathf(pbp, sizeof pbp, "%s/b", base);
		printf("\n# %s: the %zu slower case(s) again\n", label, nslow);
		r = pb_compare_paths("ab", pa, pbp, &ab.copts, &c);
		if (r == 2) {
			rc = 2;
			failed = 1;
			break;
		}
		for (size_t s = 0; s < nslow; s++) {
			int still = 0;
			for (size_t e = 0; e < c.n; e++)
				if (c.entries[e].kind == PB_ENTRY_COMPARED && pb_case_key_equal(&c.entries[e].key, &slow[s]->key))
					still = c.entries[e].cmp.verdict == PB_SLOWER;
			held[s] &= still;
		}
		pb_comparison_free(&c);
	}
	if (!failed) {
		size_t confirmed = 0;
		printf("\n# confirmation (%ld re-run%s, a regression must hold in every one):\n", ab.confirm,
		       ab.confirm > 1 ? "s" : "");
		for (size_t s = 0; s < nslow; s++) {
			char key[320];
			pb_case_key_str(&slow[s]->key, key, sizeof key);
			printf("%s: %s\n", held[s] ? "regression confirmed" : "not confirmed", key);
			confirmed += (size_t)held[s];
		}
		printf("# %zu of %zu slower case(s) confirmed\n", confirmed, nslow);
		rc = confirmed ? 1 : 0;
	}
confirm_done:
	for (size_t s = 0; extra && s < nslow; s++) {
		for (int i = 0; i < nextra[s]; i++)
			free(extra[s][i]);
		free(extra[s]);
	}
	free(slow);
	free(extra);
	free(nextra);
	free(held);
	pb_comparison_free(&first);
out:
	free(ab.run_args);
	return rc;
usage_error:
	free(ab.run_args);
	return 2;
}
