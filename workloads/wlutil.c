/* wlutil.c: helpers shared by the workloads: shared buffers, parameters, 128-bit printing. */
#include "workload.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * Workload buffers are memfd segments mapped MAP_SHARED: forked workers (the
 * shm executor) share the pages with no copy, and a process that is not a
 * child by fork (the MPI coordinator rank) can map the same pages from the
 * descriptor, which pb_buf_fd finds.  Where memfd_create is missing, the
 * buffer is anonymous shared memory and has no descriptor.
 */
#define MAX_BUFS 64
static struct {
	void *p;
	size_t len;
	int fd;
} bufs[MAX_BUFS];
static pthread_mutex_t bufs_lock = PTHREAD_MUTEX_INITIALIZER;

uint8_t *pb_buf_alloc(size_t len)
{
	if (len == 0)
		return NULL;
	int fd = (int)memfd_create("parbench-buffer", MFD_CLOEXEC);
	if (fd >= 0 && ftruncate(fd, (off_t)len) != 0) {
		close(fd);
		return NULL;
	}
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, fd >= 0 ? MAP_SHARED : MAP_SHARED | MAP_ANONYMOUS, fd, 0);
	if (p == MAP_FAILED) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	pthread_mutex_lock(&bufs_lock);
	int i;
	for (i = 0; i < MAX_BUFS && bufs[i].p; i++)
		;
	if (i < MAX_BUFS) {
		bufs[i].p = p;
		bufs[i].len = len;
		bufs[i].fd = fd;
	} else if (fd >= 0) {
		close(fd); /* the mapping stays; only pb_buf_fd cannot find it */
	}
	pthread_mutex_unlock(&bufs_lock);
	return p;
}

void pb_buf_free(uint8_t *p, size_t len)
{
	if (!p || !len)
		return;
	pthread_mutex_lock(&bufs_lock);
	for (int i = 0; i < MAX_BUFS; i++)
		if (bufs[i].p == p) {
			if (bufs[i].fd >= 0)
				close(bufs[i].fd);
			bufs[i].p = NULL;
			bufs[i].fd = -1;
		}
	pthread_mutex_unlock(&bufs_lock);
	munmap(p, len);
}

int pb_buf_fd(const uint8_t *p)
{
	int fd = -1;
	pthread_mutex_lock(&bufs_lock);
	for (int i = 0; i < MAX_BUFS && fd < 0; i++)
		if (bufs[i].p == p && p)
			fd = bufs[i].fd;
	pthread_mutex_unlock(&bufs_lock);
	return fd;
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
