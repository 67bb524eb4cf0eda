/* rowfile.c: appending whole rows to results files, or nothing. */
#include "rowfile.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Move fd above 2 (a caller that did not reserve 0-2 must still never write rows to stdout). */
static int high_fd(int fd)
{
	if (fd < 0 || fd > 2)
		return fd;
	int hi = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	int e = errno;
	close(fd);
	errno = e;
	return hi;
}

int pb_rowfile_create(struct pb_rowfile *f, const char *path, const char *header, char *err, size_t errlen)
{
	snprintf(f->path, sizeof f->path, "%s", path);
	f->len = 0;
	f->fd = high_fd(open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0666));
	if (f->fd < 0) {
		snprintf(err, errlen, "cannot create '%s': %s", path, strerror(errno));
		return -1;
	}
	if (pb_rowfile_write(f, header, strlen(header), err, errlen) != 0) {
		pb_rowfile_close(f);
		return -1;
	}
	return 0;
}

int pb_rowfile_append(struct pb_rowfile *f, const char *path, char *err, size_t errlen)
{
	struct stat st;
	snprintf(f->path, sizeof f->path, "%s", path);
	f->fd = high_fd(open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NONBLOCK));
	if (f->fd < 0) {
		snprintf(err, errlen, "cannot append to '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fstat(f->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "cannot append to '%s': not a regular file", path);
		pb_rowfile_close(f);
		return -1;
	}
	f->len = st.st_size;
	return 0;
}

int pb_rowfile_write(struct pb_rowfile *f, const char *data, size_t len, char *err, size_t errlen)
{
	if (f->fd < 0) {
		snprintf(err, errlen, "cannot write '%s': not open", f->path);
		return -1;
	}
	ssize_t n;
	do
		n = write(f->fd, data, len);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)len) {
		f->len += (off_t)len;
		return 0;
	}
	int e = errno;
	if (n >= 0) {
		/* a short write: writing the rest says why it did not fit (ENOSPC, EFBIG) */
		ssize_t m = write(f->fd, data + n, len - (size_t)n);
		if (m == (ssize_t)(len - (size_t)n)) {
			f->len += (off_t)len;
			return 0;
		}
		e = m < 0 ? errno : ENOSPC;
	}
	if (ftruncate(f->fd, f->len) != 0 && n > 0)
		e = errno;
	snprintf(err, errlen, "cannot write '%s': %s", f->path, strerror(e));
	return -1;
}

void pb_rowfile_close(struct pb_rowfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}
