// SPDX-License-Identifier: MIT
/* Image files in and out (JPEG, PNG, PPM), corrupt ones, and drawing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jpeglib.h>
#include <png.h>

#include "../../libttuser/internal.h"
#include "../../tools/ttdetect/image.h"

static char path[64];

static const char *tmp(const char *ext)
{
	snprintf(path, sizeof(path), "/tmp/test_image.%d.%s", (int)getpid(), ext);
	return path;
}

static void write_bytes(const char *p, const void *data, size_t n)
{
	FILE *f = fopen(p, "wb");

	assert_non_null(f);
	if (n)
		assert_int_equal(fwrite(data, n, 1, f), 1);
	fclose(f);
}

static size_t read_bytes(const char *p, uint8_t **data)
{
	FILE *f = fopen(p, "rb");
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	*data = malloc((size_t)n);
	assert_int_equal(fread(*data, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return (size_t)n;
}

static void expect_error(const char *p, int err, const char *want)
{
	struct image img = { .width = -5 };

	assert_int_equal(image_read(p, &img), err);
	assert_int_equal(img.width, -5);
	if (!strstr(tt_last_error(), want))
		fail_msg("error '%s' lacks '%s'", tt_last_error(), want);
}

static void pattern(struct image *img, int w, int h)
{
	assert_int_equal(image_alloc(img, w, h), 0);
	for (int i = 0; i < w * h * 3; i++)
		img->rgb[i] = (uint8_t)(i * 37 + 11);
}

static void test_png_round_trip(void **state)
{
	struct image a, b;

	(void)state;
	pattern(&a, 7, 5);
	assert_int_equal(image_write_png(tmp("png"), &a), 0);
	assert_int_equal(image_read(path, &b), 0);
	assert_int_equal(b.width, 7);
	assert_int_equal(b.height, 5);
	assert_memory_equal(a.rgb, b.rgb, 7 * 5 * 3);
	image_free(&b);

	/* Cut short anywhere after the signature: a clear error. */
	uint8_t *data;
	size_t n = read_bytes(path, &data);

	write_bytes(path, data, n - 20);
	expect_error(path, -EINVAL, "bad PNG");
	write_bytes(path, data, 30);
	expect_error(path, -EINVAL, "bad PNG");
	/* A flipped byte in the image data fails its CRC. */
	data[n - 20] ^= 0x55;
	write_bytes(path, data, n);
	expect_error(path, -EINVAL, "bad PNG");
	free(data);
	image_free(&a);
	assert_int_equal(image_write_png("/nonexistent/dir/x.png", &a), -EINVAL);
	assert_int_equal(image_alloc(&a, 1, 1), 0);
	assert_int_equal(image_write_png("/nonexistent/dir/x.png", &a), -ENOENT);
	image_free(&a);
	unlink(tmp("png"));
}

/* A grey 8-bit PNG with libpng directly: it comes back as equal RGB. */
static void test_png_grey(void **state)
{
	uint8_t row[4] = { 0, 85, 170, 255 };
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png_create_info_struct(png);
	FILE *f = fopen(tmp("png"), "wb");
	struct image img;

	(void)state;
	assert_non_null(f);
	png_init_io(png, f);
	png_set_IHDR(png, info, 4, 2, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	png_write_row(png, row);
	png_write_row(png, row);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	fclose(f);
	assert_int_equal(image_read(path, &img), 0);
	assert_int_equal(img.width, 4);
	for (int i = 0; i < 8; i++)
		for (int c = 0; c < 3; c++)
			assert_int_equal(img.rgb[i * 3 + c], row[i % 4]);
	image_free(&img);
	unlink(path);
}

static void write_jpeg(const char *p, int w, int h, bool grey)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr e;
	FILE *f = fopen(p, "wb");
	uint8_t *row = malloc((size_t)w * 3);

	assert_non_null(f);
	c.err = jpeg_std_error(&e);
	jpeg_create_compress(&c);
	jpeg_stdio_dest(&c, f);
	c.image_width = (JDIMENSION)w;
	c.image_height = (JDIMENSION)h;
	c.input_components = grey ? 1 : 3;
	c.in_color_space = grey ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 98, TRUE);
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height) {
		int y = (int)c.next_scanline;

		for (int x = 0; x < w; x++) {
			if (grey) {
				row[x] = (uint8_t)(x * 4);
			} else {
				row[x * 3 + 0] = (uint8_t)(x * 4);
				row[x * 3 + 1] = (uint8_t)(y * 4);
				row[x * 3 + 2] = 128;
			}
		}
		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	fclose(f);
	free(row);
}

static void test_jpeg(void **state)
{
	struct image img;
	int worst = 0;

	(void)state;
	write_jpeg(tmp("jpg"), 48, 40, false);
	assert_int_equal(image_read(path, &img), 0);
	assert_int_equal(img.width, 48);
	assert_int_equal(img.height, 40);
	for (int y = 0; y < 40; y++)
		for (int x = 0; x < 48; x++) {
			const uint8_t *p = img.rgb + (y * 48 + x) * 3;
			int d[3] = { abs(p[0] - x * 4), abs(p[1] - y * 4), abs(p[2] - 128) };

			for (int c = 0; c < 3; c++)
				worst = d[c] > worst ? d[c] : worst;
		}
	assert_in_range(worst, 0, 8);	/* a lossy format, at quality 98 */
	image_free(&img);

	write_jpeg(path, 16, 8, true);
	assert_int_equal(image_read(path, &img), 0);
	assert_int_equal(img.rgb[5 * 3], img.rgb[5 * 3 + 1]);
	assert_int_equal(img.rgb[5 * 3], img.rgb[5 * 3 + 2]);
	assert_in_range(img.rgb[5 * 3], 16, 24);
	image_free(&img);

	/* Truncated: libjpeg would fill the rest with grey; we refuse. */
	write_jpeg(path, 48, 40, false);
	uint8_t *data;
	size_t n = read_bytes(path, &data);

	write_bytes(path, data, n / 2);
	expect_error(path, -EINVAL, "bad JPEG");
	write_bytes(path, data, 3);
	expect_error(path, -EINVAL, "bad JPEG");
	free(data);
	unlink(path);
}

/* Every prefix of a PNG and a JPEG is refused with a clear error, never half read. */
static void test_every_cut(void **state)
{
	struct image img;
	uint8_t *data;
	size_t n;

	(void)state;
	pattern(&img, 9, 6);
	assert_int_equal(image_write_png(tmp("png"), &img), 0);
	image_free(&img);
	n = read_bytes(path, &data);
	for (size_t k = 1; k < n; k++) {
		write_bytes(path, data, k);
		img.width = -5;
		assert_int_equal(image_read(path, &img), -EINVAL);
		assert_int_equal(img.width, -5);
	}
	free(data);
	write_jpeg(tmp("jpg"), 24, 16, false);
	n = read_bytes(path, &data);
	for (size_t k = 1; k < n; k += 3) {
		write_bytes(path, data, k);
		assert_int_equal(image_read(path, &img), -EINVAL);
	}
	free(data);
	unlink(path);
	unlink(tmp("png"));
}

static void test_ppm(void **state)
{
	static const char p3[] = "P3\n# a comment\n2 1\n15\n15 0 0  0 15 7\n";
	static const uint8_t p6_16[] = "P6 1 1 65535\n\xff\xff\x80\x00\x00\x00";
	struct image img;
	char p6[64];
	int n;

	(void)state;
	write_bytes(tmp("ppm"), p3, sizeof(p3) - 1);
	assert_int_equal(image_read(path, &img), 0);
	assert_int_equal(img.width, 2);
	assert_int_equal(img.height, 1);
	assert_memory_equal(img.rgb, ((uint8_t[]){ 255, 0, 0, 0, 255, 119 }), 6);
	image_free(&img);

	n = snprintf(p6, sizeof(p6), "P6\n2 2\n255\n");
	for (int i = 0; i < 12; i++)
		p6[n + i] = (char)(i * 20);
	write_bytes(path, p6, (size_t)n + 12);
	assert_int_equal(image_read(path, &img), 0);
	assert_int_equal(img.rgb[11], 220);
	assert_int_equal(img.rgb[3], 60);
	image_free(&img);
	write_bytes(path, p6, (size_t)n + 11);
	expect_error(path, -EINVAL, "truncated PPM");

	write_bytes(path, p6_16, sizeof(p6_16) - 1);
	assert_int_equal(image_read(path, &img), 0);
	assert_memory_equal(img.rgb, ((uint8_t[]){ 255, 128, 0 }), 3);
	image_free(&img);

	write_bytes(path, "P6\n2 x\n255\n", 11);
	expect_error(path, -EINVAL, "bad PPM header");
	write_bytes(path, "P6\n2 2\n0\n", 9);
	expect_error(path, -EINVAL, "maxval 0");
	write_bytes(path, "P6\n99999 1\n255\n", 15);
	expect_error(path, -EINVAL, "PPM of 99999x1");
	write_bytes(path, "P3\n1 1\n9\n1 2 10\n", 16);
	expect_error(path, -EINVAL, "sample 10 exceeds maxval 9");
	unlink(path);
}

static void test_not_images(void **state)
{
	(void)state;
	write_bytes(tmp("bin"), "", 0);
	expect_error(path, -EINVAL, "empty file");
	write_bytes(path, "GIF89a....", 10);
	expect_error(path, -EINVAL, "not a JPEG, PNG or PPM");
	unlink(path);
	expect_error(path, -ENOENT, "No such file");
}

static void test_draw(void **state)
{
	static const uint8_t red[3] = { 255, 0, 0 }, yellow[3] = { 255, 255, 0 };
	struct image img;

	(void)state;
	assert_int_equal(image_alloc(&img, 40, 30), 0);
	image_draw_box(&img, 5, 6, 15, 20, red);
	/* Outline two pixels wide on [5, 14] x [6, 19]; inside and outside untouched. */
	assert_memory_equal(img.rgb + (6 * 40 + 10) * 3, red, 3);
	assert_memory_equal(img.rgb + (7 * 40 + 10) * 3, red, 3);
	assert_int_equal(img.rgb[(8 * 40 + 10) * 3], 0);
	assert_memory_equal(img.rgb + (19 * 40 + 14) * 3, red, 3);
	assert_memory_equal(img.rgb + (12 * 40 + 5) * 3, red, 3);
	assert_int_equal(img.rgb[(12 * 40 + 7) * 3], 0);
	assert_int_equal(img.rgb[(12 * 40 + 4) * 3], 0);
	assert_int_equal(img.rgb[(20 * 40 + 10) * 3], 0);
	/* Off-image boxes are clipped, not written outside. */
	image_draw_box(&img, -100, -100, 1000, 1000, red);
	assert_memory_equal(img.rgb + (29 * 40 + 39) * 3, red, 3);
	image_free(&img);

	/* A label: band of colour, glyph pixels in black on yellow. */
	assert_int_equal(image_alloc(&img, 40, 30), 0);
	image_draw_label(&img, 2, 3, "T1", yellow);
	const uint8_t *t = image_glyph('T'), *one = image_glyph('1');

	for (int r = 0; r < 7; r++)
		for (int c = 0; c < 5; c++) {
			const uint8_t *p = img.rgb + ((3 + 1 + r) * 40 + 2 + 1 + c) * 3;
			const uint8_t *q = img.rgb + ((3 + 1 + r) * 40 + 2 + 1 + IMAGE_GLYPH_W + c) * 3;

			assert_int_equal(p[0], (t[r] & (0x10 >> c)) ? 0 : 255);
			assert_int_equal(q[0], (one[r] & (0x10 >> c)) ? 0 : 255);
		}
	assert_memory_equal(img.rgb + (3 * 40 + 2) * 3, yellow, 3);
	assert_int_equal(img.rgb[(3 * 40 + 1) * 3], 0);
	assert_ptr_equal(image_glyph('t'), t);
	assert_ptr_equal(image_glyph('~'), image_glyph('?'));
	/* Near the edge it moves inside. */
	image_draw_label(&img, 38, 28, "AB", yellow);
	assert_memory_equal(img.rgb + (29 * 40 + 39) * 3, yellow, 3);
	assert_memory_equal(img.rgb + (21 * 40 + 27) * 3, yellow, 3);
	image_free(&img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_png_round_trip),
		cmocka_unit_test(test_png_grey),
		cmocka_unit_test(test_jpeg),
		cmocka_unit_test(test_every_cut),
		cmocka_unit_test(test_ppm),
		cmocka_unit_test(test_not_images),
		cmocka_unit_test(test_draw),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
