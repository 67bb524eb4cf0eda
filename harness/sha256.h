/* sha256.h: SHA-256 (FIPS 180-4), for identifying a plugin file as sha256sum does. */
#ifndef PB_SHA256_H
#define PB_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct pb_sha256 {
	uint32_t h[8];
	uint64_t len;      /* bytes hashed so far */
	uint8_t buf[64];
	size_t nbuf;
};

void pb_sha256_init(struct pb_sha256 *s);
void pb_sha256_update(struct pb_sha256 *s, const void *data, size_t len);
/* The digest as 64 lowercase hex digits and a NUL: what sha256sum prints. */
void pb_sha256_hex(struct pb_sha256 *s, char hex[65]);

/* The SHA-256 of the regular file path as hex; 0, or -1 with "cannot read '<path>': <why>" in err. */
int pb_sha256_file(const char *path, char hex[65], uint64_t *bytes, char *err, size_t errlen);

#endif
