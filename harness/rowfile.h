/* rowfile.h: results files that rows are appended to: every write checked, a file never ends mid-row. */
#ifndef PB_ROWFILE_H
#define PB_ROWFILE_H

#include <stddef.h>
#include <sys/types.h>

struct pb_rowfile {
	int fd;            /* -1: not open */
	off_t len;         /* bytes of complete rows (and the header) */
	char path[4200];
};

/*
 * Create path (truncating an existing file) and write header; the
 * descriptor is O_CLOEXEC and never one of 0, 1, 2.  0, or -1 with
 * "cannot create|write '<path>': <why>" in err.
 */
int pb_rowfile_create(struct pb_rowfile *f, const char *path, const char *header, char *err, size_t errlen);

/* Open an existing file of complete rows to append to.  0, or -1 with err. */
int pb_rowfile_append(struct pb_rowfile *f, const char *path, char *err, size_t errlen);

/*
 * Append data (one or more whole rows) with one write.  A write that fails
 * or comes short (a full disk: ENOSPC, or EFBIG over a file size limit) is
 * undone by truncating the file back to its last complete row.  0, or -1
 * with "cannot write '<path>': <why>" in err.
 */
int pb_rowfile_write(struct pb_rowfile *f, const char *data, size_t len, char *err, size_t errlen);

void pb_rowfile_close(struct pb_rowfile *f);

#endif
