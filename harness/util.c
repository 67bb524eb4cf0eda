/* util.c: error lines, clocks and number parsing shared by the harness. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Longest message line printed whole; a longer one is cut (at a character boundary, by utf8_repair), with "...". */
#define LINE_MAX_BYTES 65536

/*
 * Make buf[0..len) valid UTF-8 in place: a multi-byte sequence cut short
 * (by a truncated buffer anywhere in the message's making) or a stray
 * continuation byte becomes '?'.  Valid UTF-8 is left as it is.  Returns
 * the new length (never longer).
 */
static size_t utf8_repair(char *buf, size_t len)
{
	size_t out = 0;
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)buf[i];
		size_t need = c < 0x80 ? 1 : c >= 0xF0 && c < 0xF8 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
		size_t k = 1;
		while (need > 1 && k < need && i + k < len && ((unsigned char)buf[i + k] & 0xC0) == 0x80)
			k++;
		if (need == 0 || k < need) {
			buf[out++] = '?'; /* not a lead byte, or a sequence cut short: one '?' for the fragment */
			i += need == 0 ? 1 : k;
			continue;
		}
		memmove(buf + out, buf + i, need);
		out += need;
		i += need;
	}
	return out;
}

static void vline(const char *prefix, const char *fmt, va_list ap)
{
	char small[2048], *buf = small;
	size_t plen = strlen(prefix);
	va_list ap2;
	va_copy(ap2, ap);
	int m = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	size_t mlen = m < 0 ? 0 : (size_t)m, cut = 0;
	if (mlen > LINE_MAX_BYTES) {
		cut = 1;
		mlen = LINE_MAX_BYTES;
	}
	size_t cap = plen + mlen + 8;
	if (cap > sizeof small && !(buf = malloc(cap))) {
		buf = small; /* out of memory: the first 2 KiB, cut below */
		cap = sizeof small;
		cut = 1;
	}
	memcpy(buf, prefix, plen);
	size_t room = cap - plen - 5; /* "...\n" and the NUL */
	if (m > 0)
		vsnprintf(buf + plen, room + 1, fmt, ap);
	size_t len = plen + (mlen < room ? mlen : room);
	len = plen + utf8_repair(buf + plen, len - plen);
	if (cut) {
		memcpy(buf + len, "...", 3);
		len += 3;
	}
	/* one line, whatever the message held */
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\n')
			buf[i] = ' ';
	buf[len++] = '\n';
	(void)!write(STDERR_FILENO, buf, len);
	if (buf != small)
		free(buf);
}

void pb_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vline("parbench: ", fmt, ap);
	va_end(ap);
}

void pb_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vline("parbench: warning: ", fmt, ap);
	va_end(ap);
}

void pb_textf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

double pb_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int pb_parse_size(const char *s, uint64_t *out, char *why, size_t len)
{
	const char *p = s;
	if (!*s) {
		snprintf(why, len, "empty size");
		return -1;
	}
	if (*s == '-') {
		snprintf(why, len, "size '%s' is negative", s);
		return -1;
	}
	if (*s == '+' || *s == ' ') {
		snprintf(why, len, "size '%s' is not a number", s);
		return -1;
	}
	const char *caret = strchr(s, '^');
	if (caret) {
		char *end;
		errno = 0;
		unsigned long long base = strtoull(s, &end, 10);
		if (end != caret || end == s || errno) {
			snprintf(why, len, "size '%s' is not a number", s);
			return -1;
		}
		p = caret + 1;
		if (*p == '-' || *p == '+') {
			snprintf(why, len, "size '%s' is not a whole number", s);
			return -1;
		}
		unsigned long long e = strtoull(p, &end, 10);
		if (*end || end == p || errno) {
			snprintf(why, len, "size '%s' is not a number", s);
			return -1;
		}
		unsigned __int128 v = 1;
		for (unsigned long long i = 0; i < e; i++) {
			v *= base;
			if (v > UINT64_MAX) {
				snprintf(why, len, "size '%s' overflows 64 bits", s);
				return -1;
			}
		}
		*out = (uint64_t)v;
	} else {
		/* digits, optional fraction and exponent, optional k/M/G/T suffix */
		char *end;
		errno = 0;
		int plain = 1;
		for (const char *q = s; *q; q++)
			if (!(*q >= '0' && *q <= '9'))
				plain = 0;
		if (plain) {
			unsigned long long v = strtoull(s, &end, 10);
			if (errno == ERANGE) {
				snprintf(why, len, "size '%s' overflows 64 bits", s);
				return -1;
			}
			*out = v;
		} else {
			if (!((*s >= '0' && *s <= '9') || *s == '.')) {
				snprintf(why, len, "size '%s' is not a number", s);
				return -1;
			}
			long double v = strtold(s, &end);
			long double mult = 1;
			switch (*end) {
			case 'k': case 'K': mult = 1e3L; end++; break;
			case 'M': mult = 1e6L; end++; break;
			case 'G': mult = 1e9L; end++; break;
			case 'T': mult = 1e12L; end++; break;
			default: break;
			}
			if (*end || end == s || !isfinite((double)v)) {
				snprintf(why, len, "size '%s' is not a number", s);
				return -1;
			}
			v *= mult;
			if (v >= 18446744073709551616.0L) {
				snprintf(why, len, "size '%s' overflows 64 bits", s);
				return -1;
			}
			if (v != floorl(v)) {
				snprintf(why, len, "size '%s' is not a whole number", s);
				return -1;
			}
			*out = (uint64_t)v;
		}
	}
	if (*out == 0) {
		snprintf(why, len, "size must be at least 1");
		return -1;
	}
	return 0;
}

int pb_parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	if (!*s || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*end || errno || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int pb_available_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

void pb_reserve_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* the lowest free descriptor: fd itself, as the ones below it are open */
		int got = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (got >= 0 && got != fd)
			close(got);
	}
}

int pb_mkdir_p(const char *path, char *created, size_t cap)
{
	char buf[4096];
	if (created && cap)
		created[0] = '\0';
	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(buf, 0777) == 0) {
			if (created && cap && !created[0])
				snprintf(created, cap, "%s", buf); /* the top-most directory made */
		} else if (errno != EEXIST) {
			return -1;
		} else {
			struct stat st;
			if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
				errno = ENOTDIR;
				return -1;
			}
		}
		*p = c;
		if (!c)
			break;
	}
	return 0;
}

void pb_remove_created(const char *dir, const char *created)
{
	char buf[4096];
	size_t top = strlen(created);
	if (!top)
		return;
	snprintf(buf, sizeof buf, "%s", dir);
	while (strlen(buf) >= top) {
		rmdir(buf);
		char *slash = strrchr(buf, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
}

int pb_open_regular(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	if (fd < 0) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "'%s' is not a regular file%s", path,
			 S_ISDIR(st.st_mode) ? " (a directory)" : S_ISFIFO(st.st_mode) ? " (a FIFO)" : "");
		close(fd);
		return -1;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

int pb_read_file(const char *path, char **data, size_t *len, char *err, size_t errlen)
{
	int fd = pb_open_regular(path, err, errlen);
	char *buf = NULL;
	size_t n = 0, cap = 0;
	if (fd < 0)
		return -1;
	for (;;) {
		if (cap - n < 65536) {
			size_t nc = cap ? cap * 2 : 65536;
			char *nb = realloc(buf, nc + 1);
			if (!nb) {
				snprintf(err, errlen, "cannot read '%s': out of memory", path);
				goto fail;
			}
			buf = nb;
			cap = nc;
		}
		ssize_t got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
			goto fail;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
fail:
	close(fd);
	free(buf);
	return -1;
}

int pb_write_file_atomic(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
	char tmp[4200];
	const char *slash = strrchr(path, '/');
	if (slash)
		snprintf(tmp, sizeof tmp, "%.*s/.%s.tmp.%ld", (int)(slash - path), path, slash + 1, (long)getpid());
	else
		snprintf(tmp, sizeof tmp, ".%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	int bad = pb_write_all(fd, data, len) != 0;
	int e = errno;
	if (close(fd) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	if (!bad && rename(tmp, path) != 0) {
		bad = 1;
		e = errno;
	}
	if (bad) {
		unlink(tmp);
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(e));
		return -1;
	}
	return 0;
}

int pb_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int pb_fclose(FILE *f)
{
	int bad = ferror(f), e = errno;
	if (fclose(f) != 0)
		return -1;
	if (bad) {
		errno = e ? e : EIO;
		return -1;
	}
	return 0;
}

/* Why a flush of stdout first failed (0: none did), for pb_stdout_done's message. */
static int stdout_errno;

void pb_stdout_flush(void)
{
	if (fflush(stdout) != 0 && !stdout_errno)
		stdout_errno = errno ? errno : EIO;
}

int pb_stdout_done(void)
{
	pb_stdout_flush();
	if (!stdout_errno && !ferror(stdout))
		return 0;
	pb_err("cannot write to stdout: %s", strerror(stdout_errno ? stdout_errno : EIO));
	return -1;
}

void pb_sb_putn(struct pb_strbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t nc = b->cap ? b->cap : 256;
		while (nc < b->len + n + 1)
			nc *= 2;
		char *ns = realloc(b->s, nc);
		if (!ns) {
			b->oom = 1;
			return;
		}
		b->s = ns;
		b->cap = nc;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void pb_sb_puts(struct pb_strbuf *b, const char *s)
{
	pb_sb_putn(b, s, strlen(s));
}

void pb_sb_printf(struct pb_strbuf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		pb_sb_putn(b, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	pb_sb_putn(b, big, (size_t)n);
	free(big);
}
