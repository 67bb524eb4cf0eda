/* cpuset.c: counting and printing CPU bitmaps. */
#include "cpuset.h"

#include <stdio.h>

int pb_cpuset_count(const struct pb_cpuset *s)
{
	int n = 0;
	for (size_t i = 0; i < PB_MAX_CPUS / 64; i++)
		n += __builtin_popcountll(s->bits[i]);
	return n;
}

size_t pb_cpuset_format(const struct pb_cpuset *s, char *buf, size_t len)
{
	size_t pos = 0;
	if (len)
		buf[0] = '\0';
	for (int c = 0; c < PB_MAX_CPUS; c++) {
		if (!pb_cpuset_isset(s, c))
			continue;
		int e = c;
		while (e + 1 < PB_MAX_CPUS && pb_cpuset_isset(s, e + 1))
			e++;
		int n = e == c ? snprintf(buf + pos, len > pos ? len - pos : 0, "%s%d", pos ? "," : "", c)
			       : snprintf(buf + pos, len > pos ? len - pos : 0, "%s%d-%d", pos ? "," : "", c, e);
		if (n > 0)
			pos += (size_t)n;
		c = e;
	}
	return pos < len ? pos : (len ? len - 1 : 0);
}
