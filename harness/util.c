/* util.c: error lines, clocks and number parsing shared by the harness. */
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void vline(const char *prefix, const char *fmt, va_list ap)
{
	char buf[2048];
	int n = snprintf(buf, sizeof buf, "%s", prefix);
	int m = vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof buf - 2)
		len = sizeof buf - 2;
	/* one line, whatever the message held */
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\n')
			buf[i] = ' ';
	buf[len++] = '\n';
	(void)!write(STDERR_FILENO, buf, len);
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
