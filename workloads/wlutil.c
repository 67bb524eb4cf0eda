/* wlutil.c: workload buffers (memfd segments), which the parbench executable also exports to plugins. */
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
