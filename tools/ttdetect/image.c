// SPDX-License-Identifier: MIT
/* Image files: JPEG (libjpeg), PNG (libpng) and PPM into RGB; PNG out. */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

#include "ttuser.h"
#include "image.h"

int image_alloc(struct image *img, int width, int height)
{
	img->width = img->height = 0;
	img->rgb = NULL;
	if (width <= 0 || height <= 0 || width > IMAGE_MAX_SIDE || height > IMAGE_MAX_SIDE)
		return tt_error(-EINVAL, "image size %dx%d outside 1..%d", width, height, IMAGE_MAX_SIDE);
	img->rgb = calloc((size_t)width * (size_t)height, 3);
	if (!img->rgb)
		return tt_error(-ENOMEM, "out of memory for a %dx%d image", width, height);
	img->width = width;
	img->height = height;
	return 0;
}

void image_free(struct image *img)
{
	free(img->rgb);
	img->rgb = NULL;
	img->width = img->height = 0;
}

/* ---- JPEG ----------------------------------------------------------- */
struct jpeg_fail {
	struct jpeg_error_mgr mgr;
	jmp_buf jmp;
	char msg[JMSG_LENGTH_MAX];
};

static void jpeg_fail_exit(j_common_ptr cinfo)
{
	struct jpeg_fail *f = (struct jpeg_fail *)cinfo->err;

	f->mgr.format_message(cinfo, f->msg);
	longjmp(f->jmp, 1);
}

/* Warnings (a truncated file among them) are failures too. */
static void jpeg_fail_message(j_common_ptr cinfo, int level)
{
	if (level < 0)
		jpeg_fail_exit(cinfo);
}

static int read_jpeg(const char *path, FILE *fp, struct image *out)
{
	struct jpeg_decompress_struct cinfo;
	struct jpeg_fail fail;
	struct image img = { 0 };
	uint8_t *volatile owned = NULL;	/* what a longjmp must free */
	int err;

	cinfo.err = jpeg_std_error(&fail.mgr);
	fail.mgr.error_exit = jpeg_fail_exit;
	fail.mgr.emit_message = jpeg_fail_message;
	if (setjmp(fail.jmp)) {
		jpeg_destroy_decompress(&cinfo);
		free(owned);
		return tt_error(-EINVAL, "%s: bad JPEG: %s", path, fail.msg);
	}
	jpeg_create_decompress(&cinfo);
	jpeg_stdio_src(&cinfo, fp);
	jpeg_read_header(&cinfo, TRUE);
	cinfo.out_color_space = JCS_RGB;
	if (cinfo.image_width > IMAGE_MAX_SIDE || cinfo.image_height > IMAGE_MAX_SIDE) {
		jpeg_destroy_decompress(&cinfo);
		return tt_error(-EINVAL, "%s: JPEG of %ux%u exceeds %d pixels a side", path,
				cinfo.image_width, cinfo.image_height, IMAGE_MAX_SIDE);
	}
	jpeg_start_decompress(&cinfo);
	if (cinfo.output_components != 3) {
		jpeg_destroy_decompress(&cinfo);
		return tt_error(-EINVAL, "%s: JPEG decodes to %d components, not RGB", path,
				cinfo.output_components);
	}
	if ((err = image_alloc(&img, (int)cinfo.output_width, (int)cinfo.output_height))) {
		jpeg_destroy_decompress(&cinfo);
		return err;
	}
	owned = img.rgb;
	while (cinfo.output_scanline < cinfo.output_height) {
		JSAMPROW row = img.rgb + (size_t)cinfo.output_scanline * (size_t)img.width * 3;

		jpeg_read_scanlines(&cinfo, &row, 1);
	}
	jpeg_finish_decompress(&cinfo);
	jpeg_destroy_decompress(&cinfo);
	*out = img;
	return 0;
}

/* ---- PNG ------------------------------------------------------------ */
struct png_fail {
	jmp_buf jmp;
	char msg[256];
};

static void png_fail_error(png_structp png, png_const_charp msg)
{
	struct png_fail *f = png_get_error_ptr(png);

	snprintf(f->msg, sizeof(f->msg), "%s", msg);
	longjmp(f->jmp, 1);
}

static void png_quiet_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static int read_png(const char *path, FILE *fp, struct image *out)
{
	struct png_fail fail = { .msg = "" };
	png_structp png;
	png_infop info = NULL;
	struct image img = { 0 };
	uint8_t *volatile owned = NULL;	/* what a longjmp must free */
	png_bytep *volatile rows = NULL;
	png_uint_32 w, h;
	int depth, type;

	png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &fail, png_fail_error, png_quiet_warning);
	if (!png || !(info = png_create_info_struct(png))) {
		png_destroy_read_struct(&png, NULL, NULL);
		return tt_error(-ENOMEM, "%s: out of memory", path);
	}
	if (setjmp(fail.jmp)) {
		png_destroy_read_struct(&png, &info, NULL);
		free(rows);
		free(owned);
		return tt_error(-EINVAL, "%s: bad PNG: %s", path, fail.msg);
	}
	png_init_io(png, fp);
	png_set_user_limits(png, IMAGE_MAX_SIDE, IMAGE_MAX_SIDE);
	png_read_info(png, info);
	png_get_IHDR(png, info, &w, &h, &depth, &type, NULL, NULL, NULL);
	png_set_expand(png);		/* palette, low-depth grey and tRNS to 8-bit */
	png_set_strip_16(png);
	png_set_strip_alpha(png);
	png_set_gray_to_rgb(png);
	png_set_interlace_handling(png);
	png_read_update_info(png, info);
	if (png_get_rowbytes(png, info) != (size_t)w * 3)
		png_error(png, "unexpected row layout after conversion to RGB");
	if (image_alloc(&img, (int)w, (int)h))
		png_error(png, "image too large");
	owned = img.rgb;
	rows = malloc(h * sizeof(*rows));
	if (!rows)
		png_error(png, "out of memory");
	for (png_uint_32 y = 0; y < h; y++)
		rows[y] = img.rgb + (size_t)y * w * 3;
	png_read_image(png, rows);
	png_read_end(png, NULL);
	png_destroy_read_struct(&png, &info, NULL);
	free(rows);
	*out = img;
	return 0;
}

int image_write_png(const char *path, const struct image *img)
{
	struct png_fail fail = { .msg = "" };
	png_structp png;
	png_infop info = NULL;
	FILE *fp;

	if (!img->rgb || img->width <= 0 || img->height <= 0)
		return tt_error(-EINVAL, "%s: no image to write", path);
	fp = fopen(path, "wb");
	if (!fp)
		return tt_error(-errno, "%s: %s", path, strerror(errno));
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &fail, png_fail_error, png_quiet_warning);
	if (!png || !(info = png_create_info_struct(png))) {
		png_destroy_write_struct(&png, NULL);
		fclose(fp);
		return tt_error(-ENOMEM, "%s: out of memory", path);
	}
	if (setjmp(fail.jmp)) {
		png_destroy_write_struct(&png, &info);
		fclose(fp);
		return tt_error(-EIO, "%s: writing PNG: %s", path, fail.msg);
	}
	png_init_io(png, fp);
	png_set_IHDR(png, info, (png_uint_32)img->width, (png_uint_32)img->height, 8, PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int y = 0; y < img->height; y++)
		png_write_row(png, img->rgb + (size_t)y * (size_t)img->width * 3);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	if (fclose(fp))
		return tt_error(-errno, "%s: %s", path, strerror(errno));
	return 0;
}

/* ---- PPM (P3 text, P6 binary; maxval up to 65535) -------------------- */
/* The next header number, skipping white space and # comments. */
static int ppm_number(FILE *fp, unsigned *out)
{
	int c;
	unsigned long v = 0;
	bool any = false;

	for (;;) {
		c = getc(fp);
		if (c == '#') {
			while (c != '\n' && c != EOF)
				c = getc(fp);
		}
		if (c == EOF)
			return -1;
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '#')
			break;
	}
	while (c >= '0' && c <= '9') {
		v = v * 10 + (unsigned)(c - '0');
		if (v > 1000000)
			return -1;
		any = true;
		c = getc(fp);
	}
	if (!any)
		return -1;
	/* One white-space character ends the number (it ends the header too). */
	if (c != EOF && c != ' ' && c != '\t' && c != '\n' && c != '\r')
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int read_ppm(const char *path, FILE *fp, struct image *out)
{
	struct image img;
	unsigned w, h, maxval;
	bool text;
	int err;

	getc(fp);
	text = getc(fp) == '3';
	if (ppm_number(fp, &w) || ppm_number(fp, &h) || ppm_number(fp, &maxval))
		return tt_error(-EINVAL, "%s: bad PPM header", path);
	if (maxval < 1 || maxval > 65535)
		return tt_error(-EINVAL, "%s: PPM maxval %u outside 1..65535", path, maxval);
	if ((err = image_alloc(&img, (int)w, (int)h)))
		return tt_error(err, "%s: PPM of %ux%u: size outside 1..%d", path, w, h, IMAGE_MAX_SIDE);
	size_t n = (size_t)w * h * 3;

	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (text) {
			if (ppm_number(fp, &v))
				goto short_data;
		} else {
			int hi = getc(fp), lo = 0;

			if (hi == EOF)
				goto short_data;
			if (maxval > 255 && (lo = getc(fp)) == EOF)
				goto short_data;
			v = maxval > 255 ? (unsigned)(hi << 8 | lo) : (unsigned)hi;
		}
		if (v > maxval) {
			image_free(&img);
			return tt_error(-EINVAL, "%s: PPM sample %u exceeds maxval %u", path, v, maxval);
		}
		img.rgb[i] = (uint8_t)((v * 255 + maxval / 2) / maxval);
	}
	*out = img;
	return 0;
short_data:
	image_free(&img);
	return tt_error(-EINVAL, "%s: truncated PPM: data ends before %ux%u pixels", path, w, h);
}

int image_read(const char *path, struct image *out)
{
	unsigned char magic[8] = { 0 };
	size_t n;
	FILE *fp;
	int err;

	fp = fopen(path, "rb");
	if (!fp)
		return tt_error(-errno, "%s: %s", path, strerror(errno));
	n = fread(magic, 1, sizeof(magic), fp);
	rewind(fp);
	if (n >= 3 && magic[0] == 0xff && magic[1] == 0xd8 && magic[2] == 0xff)
		err = read_jpeg(path, fp, out);
	else if (n == 8 && !png_sig_cmp(magic, 0, 8))
		err = read_png(path, fp, out);
	else if (n >= 2 && magic[0] == 'P' && (magic[1] == '6' || magic[1] == '3'))
		err = read_ppm(path, fp, out);
	else if (n == 0)
		err = tt_error(-EINVAL, "%s: empty file", path);
	else
		err = tt_error(-EINVAL, "%s: not a JPEG, PNG or PPM (P3/P6) image", path);
	fclose(fp);
	return err;
}
