/* meta.c: meta.json: atomic saves, and the status a signal, a timeout or an unexpected exit leaves. */
#include "meta.h"
#include "proc.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int pb_meta_load(const char *dir, json_t **root, char *err, size_t errlen)
{
	char path[4200], *data;
	size_t len;
	json_error_t je;
	*root = NULL;
	snprintf(path, sizeof path, "%s/meta.json", dir);
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 1;
	if (pb_read_file(path, &data, &len, err, errlen) != 0)
		return -1;
	json_t *j = json_loadb(data, len, 0, &je);
	free(data);
	if (!j) {
		snprintf(err, errlen, "'%s' line %d: %s", path, je.line, je.text);
		return -1;
	}
	if (!json_is_object(j)) {
		snprintf(err, errlen, "'%s': not a JSON object", path);
		json_decref(j);
		return -1;
	}
	*root = j;
	return 0;
}

void pb_iso_time(char *buf, size_t len)
{
	struct tm tm;
	time_t t = time(NULL);
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/*
 * What a signal handler writes: meta.json as last saved, with placeholders
 * for the status and the end time, pre-rendered here because nothing in a
 * handler may allocate or call jansson.  The handler fills the placeholders
 * (a fixed-width time, the status padded with JSON whitespace) and writes
 * the text with open, write and rename, which are async-signal-safe.
 */
#define STATUS_MARK "\"@@@@@@@@@@@\"" /* as wide as "interrupted" quoted */
#define TIME_MARK "\"0000-00-00T00:00:00Z\""

static struct {
	volatile sig_atomic_t on;   /* 1 while a run in dir is guarded */
	volatile sig_atomic_t ready; /* 1 while text is complete */
	char *text;
	size_t len, status_off, time_off;
	char path[4200], tmp[4300];
	char dir[4096];
	volatile long cases;
	pid_t pid;                   /* the guarding process: a forked child never writes */
} g;

static void block_signals(sigset_t *old)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &s, old);
}

/* Pre-render root with the placeholders for the handler. */
static void prepare_final(json_t *root)
{
	sigset_t old;
	json_t *copy = json_deep_copy(root);
	char *text = NULL;
	if (copy) {
		json_object_set_new(copy, "status", json_string("@@@@@@@@@@@"));
		json_object_set_new(copy, "end_time", json_string("0000-00-00T00:00:00Z"));
		text = json_dumps(copy, JSON_INDENT(2) | JSON_SORT_KEYS);
		json_decref(copy);
	}
	char *s = text ? strstr(text, STATUS_MARK) : NULL, *t = text ? strstr(text, TIME_MARK) : NULL;
	block_signals(&old); /* the handler must see the old text or the new, never half of either */
	g.ready = 0;
	free(g.text);
	g.text = NULL;
	if (s && t) {
		g.text = text;
		g.len = strlen(text);
		g.status_off = (size_t)(s - text);
		g.time_off = (size_t)(t - text) + 1;
		g.ready = 1;
	} else {
		free(text);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

int pb_meta_save(const char *dir, json_t *root, char *err, size_t errlen)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/meta.json", dir);
	char *text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!text) {
		snprintf(err, errlen, "cannot write '%s': out of memory", path);
		return -1;
	}
	size_t len = strlen(text);
	text[len] = '\n'; /* the NUL becomes the final newline */
	int rc = pb_write_file_atomic(path, text, len + 1, err, errlen);
	free(text);
	if (rc == 0 && g.on)
		prepare_final(root);
	return rc;
}

/* ---- in a signal handler: async-signal-safe from here on ---- */

static void put2(char *p, long v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

/* UTC "YYYY-MM-DDTHH:MM:SSZ" of t into p (20 bytes), by the days-to-civil algorithm (no gmtime). */
static void iso_time_safe(char *p, long long t)
{
	long long days = t / 86400, secs = t % 86400;
	long long z = days + 719468, era = z / 146097;
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	put2(p, (long)(y / 100));
	put2(p + 2, (long)(y % 100));
	p[4] = '-';
	put2(p + 5, (long)m);
	p[7] = '-';
	put2(p + 8, (long)d);
	p[10] = 'T';
	put2(p + 11, (long)(secs / 3600));
	p[13] = ':';
	put2(p + 14, (long)(secs / 60 % 60));
	p[16] = ':';
	put2(p + 17, (long)(secs % 60));
	p[19] = 'Z';
}

static size_t put_str(char *buf, size_t pos, size_t cap, const char *s)
{
	while (*s && pos < cap)
		buf[pos++] = *s++;
	return pos;
}

static size_t put_num(char *buf, size_t pos, size_t cap, long v)
{
	char d[24];
	int n = 0;
	if (v < 0)
		v = 0;
	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < 20);
	while (n && pos < cap)
		buf[pos++] = d[--n];
	return pos;
}

static void write_final(int signo)
{
	if (!g.on || !g.ready || getpid() != g.pid)
		return;
	g.ready = 0; /* once */
	const char *status = signo > 0 ? "\"interrupted\"" : "\"failed\"     ";
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	memcpy(g.text + g.status_off, status, sizeof STATUS_MARK - 1);
	iso_time_safe(g.text + g.time_off, (long long)ts.tv_sec);
	int fd = open(g.tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		return;
	int ok = pb_write_all(fd, g.text, g.len) == 0 && write(fd, "\n", 1) == 1;
	if (close(fd) == 0 && ok)
		rename(g.tmp, g.path);
	else
		unlink(g.tmp);
	if (signo > 0) {
		char line[4400];
		size_t n = put_str(line, 0, sizeof line - 1, "parbench: interrupted by ");
		if (signo == SIGINT || signo == SIGTERM || signo == SIGHUP) {
			n = put_str(line, n, sizeof line - 1,
				    signo == SIGINT ? "SIGINT" : signo == SIGTERM ? "SIGTERM" : "SIGHUP");
		} else {
			n = put_str(line, n, sizeof line - 1, "signal ");
			n = put_num(line, n, sizeof line - 1, signo);
		}
		n = put_str(line, n, sizeof line - 1, "; ");
		n = put_num(line, n, sizeof line - 1, g.cases);
		n = put_str(line, n, sizeof line - 1, " finished case(s) kept in ");
		n = put_str(line, n, sizeof line - 1, g.dir);
		line[n++] = '\n';
		(void)!write(STDERR_FILENO, line, n);
	}
}

static void at_exit(void)
{
	write_final(0); /* an exit() during the run that pb_meta_unguard did not end: failed */
}

void pb_meta_guard(const char *dir)
{
	static int registered;
	snprintf(g.dir, sizeof g.dir, "%s", dir);
	snprintf(g.path, sizeof g.path, "%s/meta.json", dir);
	snprintf(g.tmp, sizeof g.tmp, "%s/.meta.json.final.%ld", dir, (long)getpid());
	g.cases = 0;
	g.pid = getpid();
	g.on = 1;
	pb_proc_set_exit_hook(write_final);
	if (!registered) {
		atexit(at_exit);
		registered = 1;
	}
}

void pb_meta_guard_cases(long cases)
{
	g.cases = cases;
}

void pb_meta_unguard(void)
{
	sigset_t old;
	block_signals(&old);
	g.on = 0;
	g.ready = 0;
	free(g.text);
	g.text = NULL;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pb_proc_set_exit_hook(NULL);
}
