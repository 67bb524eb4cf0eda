/* imageio.h: reading and writing 8-bit RGB images as PNG (libpng) or binary PPM (P6). */
#ifndef PB_IMAGEIO_H
#define PB_IMAGEIO_H

#include <stddef.h>
#include <stdint.h>

/* An image in memory: 3 bytes per pixel (r, g, b), rows top to bottom, no padding. */
struct imgio_image {
	uint32_t width, height;
	uint8_t *rgb; /* width * height * 3 bytes, from the caller's allocator */
	size_t len;
};

/* The caller's allocator for pixel data (image.c passes pb_buf_alloc / pb_buf_free). */
typedef uint8_t *(*imgio_alloc_fn)(size_t len);
typedef void (*imgio_free_fn)(uint8_t *p, size_t len);

enum imgio_format { IMGIO_UNKNOWN, IMGIO_PNG, IMGIO_PPM };

/* The format a file name asks for by its extension (.png, .ppm, any case). */
enum imgio_format imgio_format_of_name(const char *path);

/*
 * Read a PNG or a binary PPM (P6, maxval 255), recognised by content, not
 * by name.  PNG conversions: palette to RGB, gray (any depth) to RGB with
 * r = g = b, 16-bit channels scaled to 8 bits (round(v * 255 / 65535)),
 * alpha and tRNS discarded (the colour channels are kept as stored, as
 * PIL's convert('RGB') does); no gamma correction.  Images of more than
 * max_pixels pixels are rejected.  Returns 0 with img filled (rgb from
 * alloc), or -1 with a one-line reason in err that quotes path
 * ("cannot open 'x.png': No such file or directory") and nothing allocated.
 */
int imgio_read(const char *path, uint64_t max_pixels, imgio_alloc_fn alloc, imgio_free_fn release,
	       struct imgio_image *img, char *err, size_t errlen);

/*
 * Check that path could be written by imgio_write: its extension names a
 * format, it is not a directory, and its directory exists and is writable.
 * 0, or -1 with a one-line reason in err.
 */
int imgio_check_writable(const char *path, char *err, size_t errlen);

/*
 * Write rgb (width * height * 3 bytes) to path, as PNG or PPM by path's
 * extension, atomically: into a temporary file in the same directory,
 * flushed to disk, then renamed over path.  A reader sees the old file or
 * the whole new one, never a partial file; on failure the temporary is
 * removed.  0, or -1 with a one-line reason in err.
 */
int imgio_write(const char *path, const uint8_t *rgb, uint32_t width, uint32_t height,
		char *err, size_t errlen);

#endif
