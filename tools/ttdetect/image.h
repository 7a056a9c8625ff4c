/* SPDX-License-Identifier: MIT */
/* RGB images: read JPEG, PNG and PPM; write PNG; draw boxes and labels. */
#ifndef TTDETECT_IMAGE_H
#define TTDETECT_IMAGE_H

#include <stdint.h>

#define IMAGE_MAX_SIDE 16384

struct image {
	int width, height;
	uint8_t *rgb;		/* height rows of width RGB triples */
};

/*
 * Reads a JPEG, PNG or PPM (P3/P6) file, told apart by its first bytes, into
 * 8-bit RGB (grey, palette, alpha and 16-bit samples are converted). A file
 * that is unreadable, truncated, corrupt or larger than IMAGE_MAX_SIDE is
 * -EINVAL (-errno for I/O) with tt_last_error() naming the file and the fault.
 */
int image_read(const char *path, struct image *out);
int image_write_png(const char *path, const struct image *img);
int image_alloc(struct image *img, int width, int height);
void image_free(struct image *img);

/* A 2-pixel rectangle outline; coordinates are clipped to the image. */
void image_draw_box(struct image *img, float x1, float y1, float x2, float y2,
		    const uint8_t colour[3]);

/*
 * Text in a 5x7 bitmap font on a filled background of colour, placed with its
 * top-left corner at (x, y) (moved inside the image when it would leave it).
 * Letters are drawn in capitals; characters without a glyph show as '?'.
 */
#define IMAGE_GLYPH_W 6		/* advance per character */
#define IMAGE_GLYPH_H 9		/* height of the label band */
void image_draw_label(struct image *img, int x, int y, const char *text, const uint8_t colour[3]);

/* The 7 rows (bit 4 leftmost) of the glyph drawn for c. */
const uint8_t *image_glyph(char c);

#endif
