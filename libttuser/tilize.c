// SPDX-License-Identifier: MIT
/*
 * Tiles and data formats: bf16 conversion, and moving matrices between
 * row-major order and 32x32 tiles of four 16x16 faces.
 *
 * Both directions walk the matrix one face row (16 contiguous elements on
 * either side) at a time, in row-major order of the matrix, so the loops
 * only ever convert or copy runs of up to 16 elements. Bfp8_b tiles (see
 * tt_bfp8.h) go a tile at a time instead: a face row's exponent byte and
 * its value bytes sit apart in the tile.
 */
#include <string.h>

#include "internal.h"
#include "tt_bfp8.h"

/* Bytes of a Bfp8_b tile: one shared exponent per face row, 8 bits per value. */
#define BFP8_TILE_BYTES	(TT_TILE_HW / TT_FACE_ROWS + TT_TILE_HW)

size_t tt_tile_size(enum tt_format fmt)
{
	switch (fmt) {
	case TT_FORMAT_FLOAT32:
	case TT_FORMAT_INT32:
	case TT_FORMAT_UINT32:
		return TT_TILE_HW * 4;
	case TT_FORMAT_FLOAT16_B:
		return TT_TILE_HW * 2;
	case TT_FORMAT_BFP8_B:
		return BFP8_TILE_BYTES;
	}
	return 0;
}

static uint32_t f32_bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

static uint16_t bits_to_bf16(uint32_t u)
{
	/* NaN: keep sign and the top of the payload, force the quiet bit. */
	if ((u & 0x7fffffffu) > 0x7f800000u)
		return (uint16_t)((u >> 16) | 0x0040u);
	/*
	 * Round to nearest, ties to even: add just under half an ulp, plus
	 * one more if the kept part is odd. A carry out of the mantissa bumps
	 * the exponent, which is right, and from the largest finite values
	 * gives infinity.
	 */
	u += 0x7fffu + ((u >> 16) & 1u);
	return (uint16_t)(u >> 16);
}

uint16_t tt_float_to_bf16(float f)
{
	return bits_to_bf16(f32_bits(f));
}

float tt_bf16_to_float(uint16_t b)
{
	uint32_t u = (uint32_t)b << 16;
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

/* ---- runs of up to one face row ------------------------------------ */

typedef void (*run_fn)(void *dst, const void *src, uint32_t n);

static void run_copy32(void *dst, const void *src, uint32_t n)
{
	if (n == TT_FACE_ROWS)
		memcpy(dst, src, TT_FACE_ROWS * 4);
	else
		memcpy(dst, src, (size_t)n * 4);
}

static void run_copy16(void *dst, const void *src, uint32_t n)
{
	if (n == TT_FACE_ROWS)
		memcpy(dst, src, TT_FACE_ROWS * 2);
	else
		memcpy(dst, src, (size_t)n * 2);
}

/*
 * The conversions go through aligned locals, as dst and src need only byte
 * alignment. A whole face row has its own path with constant sizes, which
 * the compiler turns into a few vector instructions.
 */
static void f32_to_bf16_16(void *dst, const void *src)
{
	uint32_t in[TT_FACE_ROWS];
	uint16_t out[TT_FACE_ROWS];
	unsigned i;

	memcpy(in, src, sizeof(in));
	for (i = 0; i < TT_FACE_ROWS; i++)
		out[i] = bits_to_bf16(in[i]);
	memcpy(dst, out, sizeof(out));
}

static void run_f32_to_bf16(void *dst, const void *src, uint32_t n)
{
	uint32_t in[TT_FACE_ROWS];
	uint16_t out[TT_FACE_ROWS];
	uint32_t i;

	if (n == TT_FACE_ROWS) {
		f32_to_bf16_16(dst, src);
		return;
	}
	memcpy(in, src, (size_t)n * 4);
	for (i = 0; i < n; i++)
		out[i] = bits_to_bf16(in[i]);
	memcpy(dst, out, (size_t)n * 2);
}

static void bf16_to_f32_16(void *dst, const void *src)
{
	uint16_t in[TT_FACE_ROWS];
	uint32_t out[TT_FACE_ROWS];
	unsigned i;

	memcpy(in, src, sizeof(in));
	for (i = 0; i < TT_FACE_ROWS; i++)
		out[i] = (uint32_t)in[i] << 16;
	memcpy(dst, out, sizeof(out));
}

static void run_bf16_to_f32(void *dst, const void *src, uint32_t n)
{
	uint16_t in[TT_FACE_ROWS];
	uint32_t out[TT_FACE_ROWS];
	uint32_t i;

	if (n == TT_FACE_ROWS) {
		bf16_to_f32_16(dst, src);
		return;
	}
	memcpy(in, src, (size_t)n * 2);
	for (i = 0; i < n; i++)
		out[i] = (uint32_t)in[i] << 16;
	memcpy(dst, out, (size_t)n * 4);
}

static const char *format_name(enum tt_format fmt)
{
	switch (fmt) {
	case TT_FORMAT_FLOAT32:
		return "Float32";
	case TT_FORMAT_FLOAT16_B:
		return "Float16_b";
	case TT_FORMAT_BFP8_B:
		return "Bfp8_b";
	case TT_FORMAT_INT32:
		return "Int32";
	case TT_FORMAT_UINT32:
		return "UInt32";
	}
	return NULL;
}

static size_t elem_size(enum tt_format fmt)
{
	return fmt == TT_FORMAT_FLOAT16_B ? 2 : 4;
}

/*
 * The run function for a conversion between row-major data in rm_fmt and
 * tiles in tile_fmt, in the direction `from_tiles` says, after checking
 * the arguments common to tt_tilize and tt_untilize.
 */
static int prepare(const char *fn, const void *src, const void *dst, uint32_t rows,
		   uint32_t cols, enum tt_format rm_fmt, enum tt_format tile_fmt,
		   int from_tiles, run_fn *run)
{
	const char *rm_name = format_name(rm_fmt);
	const char *tile_name = format_name(tile_fmt);

	if (!src || !dst)
		return tt_error(-EINVAL, "%s: NULL %s", fn, src ? "dst" : "src");
	if (!rows || !cols)
		return tt_error(-EINVAL, "%s: empty matrix (%u x %u)", fn, rows, cols);
	if (!rm_name)
		return tt_error(-EINVAL, "%s: unknown format %d for the row-major matrix",
				fn, (int)rm_fmt);
	if (!tile_name)
		return tt_error(-EINVAL, "%s: unknown format %d for the tiles", fn, (int)tile_fmt);
	/* The largest tiles; the row-major matrix is never bigger. */
	if (!tt_tilized_size(rows, cols, TT_FORMAT_FLOAT32))
		return tt_error(-EINVAL, "%s: %u x %u matrix is too large", fn, rows, cols);
	if (rm_fmt == TT_FORMAT_BFP8_B)
		return tt_error(-EINVAL,
				"%s: Bfp8_b exists only as tiles; the row-major matrix must be "
				"Float32, Float16_b, Int32 or UInt32", fn);
	if (tile_fmt == TT_FORMAT_BFP8_B) {
		if (rm_fmt != TT_FORMAT_FLOAT32 && rm_fmt != TT_FORMAT_FLOAT16_B)
			return tt_error(-EINVAL, "%s: no conversion between %s and Bfp8_b tiles "
					"(only Float32 and Float16_b)", fn, rm_name);
		*run = NULL;
		return 0;
	}
	if (rm_fmt == tile_fmt) {
		*run = elem_size(rm_fmt) == 4 ? run_copy32 : run_copy16;
		return 0;
	}
	if (rm_fmt == TT_FORMAT_FLOAT32 && tile_fmt == TT_FORMAT_FLOAT16_B) {
		*run = from_tiles ? run_bf16_to_f32 : run_f32_to_bf16;
		return 0;
	}
	if (rm_fmt == TT_FORMAT_FLOAT16_B && tile_fmt == TT_FORMAT_FLOAT32) {
		*run = from_tiles ? run_f32_to_bf16 : run_bf16_to_f32;
		return 0;
	}
	return tt_error(-EINVAL, "%s: no conversion from %s to %s (Int32 and UInt32 "
			"only copy to the same format)", fn,
			from_tiles ? tile_name : rm_name, from_tiles ? rm_name : tile_name);
}

/* Tiles needed along a dimension of n elements (tiles are square). */
static size_t tiles_across(uint32_t n)
{
	return n / TT_TILE_COLS + (n % TT_TILE_COLS != 0);
}

size_t tt_tilized_size(uint32_t rows, uint32_t cols, enum tt_format fmt)
{
	size_t tile = tt_tile_size(fmt);
	size_t tr = tiles_across(rows);
	size_t tc = tiles_across(cols);

	if (!rows || !cols || !tile)
		return 0;
	if (tr > SIZE_MAX / tc || tr * tc > SIZE_MAX / tile)
		return 0;
	return tr * tc * tile;
}

/* Element index, within the tiles, of row r of the matrix in tile column 0. */
static size_t row_base(size_t r, size_t tiles_c)
{
	return (r / TT_TILE_ROWS) * tiles_c * TT_TILE_HW +
	       (r % TT_TILE_ROWS / TT_FACE_ROWS) * 2 * TT_FACE_HW +
	       (r % TT_FACE_ROWS) * TT_FACE_ROWS;
}

/*
 * Face row k of a matrix row covers columns 16k .. 16k + 15; it lives in
 * tile column k / 2, in the left or right face as k is even or odd.
 */
static size_t face_row_offset(size_t k)
{
	return (k / 2) * TT_TILE_HW + (k % 2) * TT_FACE_HW;
}

/* Elements of the matrix in the face row that starts at column c0 < cols. */
static uint32_t run_len(uint32_t cols, size_t c0)
{
	return cols - c0 < TT_FACE_ROWS ? (uint32_t)(cols - c0) : TT_FACE_ROWS;
}

static void tilize_rows(run_fn run, const uint8_t *src, size_t src_esz, uint8_t *dst,
			size_t dst_esz, uint32_t rows, uint32_t cols)
{
	size_t tiles_c = tiles_across(cols);
	size_t prows = tiles_across(rows) * TT_TILE_ROWS;
	size_t fr_bytes = TT_FACE_ROWS * dst_esz;
	size_t r, k;

	for (r = 0; r < rows; r++) {
		const uint8_t *s = src + r * cols * src_esz;
		uint8_t *d = dst + row_base(r, tiles_c) * dst_esz;

		for (k = 0; k < 2 * tiles_c; k++) {
			size_t c0 = k * TT_FACE_ROWS;
			uint8_t *out = d + face_row_offset(k) * dst_esz;
			uint32_t n = 0;

			if (c0 < cols)
				n = run_len(cols, c0);
			if (n)
				run(out, s + c0 * src_esz, n);
			if (n < TT_FACE_ROWS)
				memset(out + n * dst_esz, 0, fr_bytes - n * dst_esz);
		}
	}
	/* Padding rows below the matrix. */
	for (; r < prows; r++) {
		uint8_t *d = dst + row_base(r, tiles_c) * dst_esz;

		for (k = 0; k < 2 * tiles_c; k++)
			memset(d + face_row_offset(k) * dst_esz, 0, fr_bytes);
	}
}

static void untilize_rows(run_fn run, const uint8_t *src, size_t src_esz, uint8_t *dst,
			  size_t dst_esz, uint32_t rows, uint32_t cols)
{
	size_t tiles_c = tiles_across(cols);
	size_t r, k;

	for (r = 0; r < rows; r++) {
		const uint8_t *s = src + row_base(r, tiles_c) * src_esz;
		uint8_t *d = dst + r * cols * dst_esz;

		for (k = 0; k * TT_FACE_ROWS < cols; k++) {
			size_t c0 = k * TT_FACE_ROWS;

			run(d + c0 * dst_esz, s + face_row_offset(k) * src_esz, run_len(cols, c0));
		}
	}
}

/* ---- Bfp8_b tiles ------------------------------------------------------ */

/* Float bits of element i of a row-major Float32 or Float16_b matrix. */
static uint32_t rm_bits(const uint8_t *m, enum tt_format fmt, size_t i)
{
	uint32_t u;

	if (fmt == TT_FORMAT_FLOAT16_B) {
		uint16_t h;

		memcpy(&h, m + 2 * i, 2);
		return (uint32_t)h << 16;
	}
	memcpy(&u, m + 4 * i, 4);
	return u;
}

static void rm_put(uint8_t *m, enum tt_format fmt, size_t i, uint32_t u)
{
	if (fmt == TT_FORMAT_FLOAT16_B) {
		/* Bfp8_b values have 7 significant bits: bf16 holds them exactly. */
		uint16_t h = (uint16_t)(u >> 16);

		memcpy(m + 2 * i, &h, 2);
	} else {
		memcpy(m + 4 * i, &u, 4);
	}
}

/* Position of element (r, c) of a tile in its storage order. */
static size_t tile_pos(uint32_t r, uint32_t c)
{
	return (r / TT_FACE_ROWS) * 2 * TT_FACE_HW + (c / TT_FACE_ROWS) * TT_FACE_HW +
	       (r % TT_FACE_ROWS) * TT_FACE_ROWS + c % TT_FACE_ROWS;
}

static void tilize_bfp8(const uint8_t *src, enum tt_format fmt, uint32_t rows, uint32_t cols,
			uint8_t *dst)
{
	size_t tiles_r = tiles_across(rows), tiles_c = tiles_across(cols), tr, tc;
	uint32_t vals[TT_TILE_HW], r, c, k;

	for (tr = 0; tr < tiles_r; tr++)
		for (tc = 0; tc < tiles_c; tc++) {
			uint8_t *t = dst + (tr * tiles_c + tc) * BFP8_TILE_BYTES;

			for (r = 0; r < TT_TILE_ROWS; r++)
				for (c = 0; c < TT_TILE_COLS; c++) {
					size_t R = tr * TT_TILE_ROWS + r, C = tc * TT_TILE_COLS + c;

					vals[tile_pos(r, c)] = R < rows && C < cols ?
						rm_bits(src, fmt, R * cols + C) : 0;
				}
			for (k = 0; k < TT_BFP8_EXP_BYTES; k++)
				tt_bfp8_encode_block(vals + k * TT_BFP8_BLOCK, t + k,
						     t + TT_BFP8_EXP_BYTES + k * TT_BFP8_BLOCK);
		}
}

static void untilize_bfp8(const uint8_t *src, uint32_t rows, uint32_t cols, uint8_t *dst,
			  enum tt_format fmt)
{
	size_t tiles_r = tiles_across(rows), tiles_c = tiles_across(cols), tr, tc;
	uint32_t vals[TT_TILE_HW], r, c, k;

	for (tr = 0; tr < tiles_r; tr++)
		for (tc = 0; tc < tiles_c; tc++) {
			const uint8_t *t = src + (tr * tiles_c + tc) * BFP8_TILE_BYTES;

			for (k = 0; k < TT_BFP8_EXP_BYTES; k++)
				tt_bfp8_decode_block(t[k], t + TT_BFP8_EXP_BYTES + k * TT_BFP8_BLOCK,
						     vals + k * TT_BFP8_BLOCK);
			for (r = 0; r < TT_TILE_ROWS; r++)
				for (c = 0; c < TT_TILE_COLS; c++) {
					size_t R = tr * TT_TILE_ROWS + r, C = tc * TT_TILE_COLS + c;

					if (R < rows && C < cols)
						rm_put(dst, fmt, R * cols + C, vals[tile_pos(r, c)]);
				}
		}
}

int tt_tilize(const void *src, enum tt_format src_fmt, uint32_t rows, uint32_t cols,
	      void *dst, enum tt_format dst_fmt)
{
	run_fn run;
	int rc;

	rc = prepare("tt_tilize", src, dst, rows, cols, src_fmt, dst_fmt, 0, &run);
	if (rc)
		return rc;
	if (dst_fmt == TT_FORMAT_BFP8_B)
		tilize_bfp8(src, src_fmt, rows, cols, dst);
	else
		tilize_rows(run, src, elem_size(src_fmt), dst, elem_size(dst_fmt), rows, cols);
	return 0;
}

int tt_untilize(const void *src, enum tt_format src_fmt, uint32_t rows, uint32_t cols,
		void *dst, enum tt_format dst_fmt)
{
	run_fn run;
	int rc;

	rc = prepare("tt_untilize", src, dst, rows, cols, dst_fmt, src_fmt, 1, &run);
	if (rc)
		return rc;
	if (src_fmt == TT_FORMAT_BFP8_B)
		untilize_bfp8(src, rows, cols, dst, dst_fmt);
	else
		untilize_rows(run, src, elem_size(src_fmt), dst, elem_size(dst_fmt), rows, cols);
	return 0;
}
