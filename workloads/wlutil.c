/* wlutil.c: helpers shared by the workloads: shared buffers, parameters, 128-bit printing. */
#include "workload.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

uint8_t *pb_buf_alloc(size_t len)
{
	if (len == 0)
		return NULL;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void pb_buf_free(uint8_t *p, size_t len)
{
	if (p && len)
		munmap(p, len);
}

const char *pb_job_param(const struct pb_job *job, const char *key)
{
	for (int i = 0; i < job->nparams; i++)
		if (strcmp(job->params[i].key, key) == 0)
			return job->params[i].val;
	return NULL;
}

int pb_param_u64(const struct pb_job *job, const char *key, uint64_t lo, uint64_t hi,
		 uint64_t *out, char *err, size_t errlen)
{
	const char *v = pb_job_param(job, key);
	char *end;
	if (!v || !*v) {
		snprintf(err, errlen, "parameter '%s': missing value", key);
		return -1;
	}
	if (*v == '-' || *v == '+') {
		snprintf(err, errlen, "parameter '%s': '%s' is not a non-negative integer", key, v);
		return -1;
	}
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (*end || end == v) {
		snprintf(err, errlen, "parameter '%s': '%s' is not a non-negative integer", key, v);
		return -1;
	}
	if (errno == ERANGE || x < lo || x > hi) {
		snprintf(err, errlen, "parameter '%s': %s is out of range [%llu, %llu]", key, v,
			 (unsigned long long)lo, (unsigned long long)hi);
		return -1;
	}
	*out = x;
	return 0;
}

int pb_param_double(const struct pb_job *job, const char *key, double lo, double hi,
		    double *out, char *err, size_t errlen)
{
	const char *v = pb_job_param(job, key);
	char *end;
	if (!v || !*v) {
		snprintf(err, errlen, "parameter '%s': missing value", key);
		return -1;
	}
	errno = 0;
	double x = strtod(v, &end);
	if (*end || end == v || !isfinite(x)) {
		snprintf(err, errlen, "parameter '%s': '%s' is not a number", key, v);
		return -1;
	}
	if (x < lo || x > hi) {
		snprintf(err, errlen, "parameter '%s': %s is out of range [%g, %g]", key, v, lo, hi);
		return -1;
	}
	*out = x;
	return 0;
}

void pb_u128_str(pb_u128 v, char *buf, size_t len)
{
	char tmp[48];
	int i = (int)sizeof tmp - 1;
	tmp[i] = '\0';
	do {
		tmp[--i] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v && i > 0);
	snprintf(buf, len, "%s", tmp + i);
}
