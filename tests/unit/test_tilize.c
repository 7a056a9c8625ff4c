// SPDX-License-Identifier: MIT
/*
 * Tests of the tile and format helpers of libttuser: bf16 rounding, tile
 * layout, padding, round trips through every supported format pair and
 * argument checking. Buffers are allocated at their exact size so that a
 * sanitizer build catches any access past them.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../libttuser/internal.h"
#include "../test_util.h"

#define F32	TT_FORMAT_FLOAT32
#define BF16	TT_FORMAT_FLOAT16_B
#define BFP8	TT_FORMAT_BFP8_B
#define I32	TT_FORMAT_INT32
#define U32	TT_FORMAT_UINT32

struct shape {
	uint32_t rows, cols;
};

static const struct shape shapes[] = {
	{ 1, 1 }, { 1, 16 }, { 16, 1 }, { 1, 17 }, { 32, 32 }, { 31, 33 }, { 33, 31 },
	{ 64, 96 }, { 100, 7 }, { 1, 1000 }, { 1000, 1 }, { 17, 48 }, { 65, 65 },
	{ 32, 16 }, { 16, 32 }, { 96, 64 }, { 3, 129 },
};
#define NSHAPES (sizeof(shapes) / sizeof(shapes[0]))

static uint64_t rng_state;

static uint32_t rnd(void)
{
	return (uint32_t)(test_rand64(&rng_state) >> 32);
}

static size_t esize(enum tt_format fmt)
{
	return fmt == BF16 ? 2 : 4;
}

static uint32_t get_elem(const void *buf, enum tt_format fmt, size_t i)
{
	if (fmt == BF16) {
		uint16_t v;

		memcpy(&v, (const uint8_t *)buf + 2 * i, 2);
		return v;
	} else {
		uint32_t v;

		memcpy(&v, (const uint8_t *)buf + 4 * i, 4);
		return v;
	}
}

static void put_elem(void *buf, enum tt_format fmt, size_t i, uint32_t v)
{
	if (fmt == BF16) {
		uint16_t h = (uint16_t)v;

		memcpy((uint8_t *)buf + 2 * i, &h, 2);
	} else {
		memcpy((uint8_t *)buf + 4 * i, &v, 4);
	}
}

/* What one element becomes when converted from one format to another. */
static uint32_t convert(uint32_t v, enum tt_format from, enum tt_format to)
{
	if (from == to)
		return v;
	if (from == F32 && to == BF16)
		return tt_float_to_bf16(test_bitsf(v));
	if (from == BF16 && to == F32)
		return test_fbits(tt_bf16_to_float((uint16_t)v));
	fail_msg("no conversion %d -> %d", (int)from, (int)to);
	return 0;
}

static size_t ceil32(uint32_t n)
{
	return (n + 31u) / 32u;
}

/* Where element (r, c) of a matrix with `cols` columns lands in its tiles. */
static size_t tile_index(uint32_t r, uint32_t c, uint32_t cols)
{
	size_t tile = (size_t)(r / 32) * ceil32(cols) + c / 32;
	uint32_t tr = r % 32, tc = c % 32;

	return tile * 1024 + (tr / 16) * 512 + (tc / 16) * 256 + (tr % 16) * 16 + tc % 16;
}

/* Interesting bit patterns, for both widths (bf16 uses the top half). */
static const uint32_t special_bits[] = {
	0x00000000u, 0x80000000u, 0x7f800000u, 0xff800000u,	/* zeros, infinities */
	0x7fc00000u, 0xffc00000u, 0x7f800001u, 0xff812345u,	/* NaNs */
	0x7fbfffffu, 0x7fffffffu, 0x7fa50000u,
	0x00000001u, 0x807fffffu, 0x00400000u, 0x00008000u,	/* denormals */
	0x00018000u, 0x7f7fffffu, 0xff7fffffu, 0x7f7f8000u,	/* big, halfway */
	0x3f808000u, 0x3f818000u, 0xbf808000u, 0x3f800001u,
};
#define NSPECIAL (sizeof(special_bits) / sizeof(special_bits[0]))

static uint32_t random_elem(enum tt_format fmt)
{
	uint32_t v = rnd() % 4 ? rnd() : special_bits[rnd() % NSPECIAL];

	if (fmt == BF16)
		v = rnd() % 2 ? v >> 16 : (v & 0xffffu);
	return v;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	assert_non_null(p);
	return p;
}

static void *random_matrix(uint32_t rows, uint32_t cols, enum tt_format fmt)
{
	size_t n = (size_t)rows * cols, i;
	void *m = xmalloc(n * esize(fmt));

	for (i = 0; i < n; i++)
		put_elem(m, fmt, i, random_elem(fmt));
	return m;
}

static void clear_error(void)
{
	tt_error(0, "%s", "");
}

/* ---- sizes ---------------------------------------------------------- */

static void test_tile_size(void **state)
{
	(void)state;
	assert_int_equal(tt_tile_size(F32), 4096);
	assert_int_equal(tt_tile_size(BF16), 2048);
	assert_int_equal(tt_tile_size(BFP8), 1088);
	assert_int_equal(tt_tile_size(I32), 4096);
	assert_int_equal(tt_tile_size(U32), 4096);
	assert_int_equal(tt_tile_size((enum tt_format)1), 0);
	assert_int_equal(tt_tile_size((enum tt_format)7), 0);
	assert_int_equal(tt_tile_size((enum tt_format)100), 0);
	assert_int_equal(tt_tile_size((enum tt_format)-1), 0);
}

static void test_tilized_size(void **state)
{
	(void)state;
	assert_int_equal(tt_tilized_size(1, 1, F32), 4096);
	assert_int_equal(tt_tilized_size(32, 32, BF16), 2048);
	assert_int_equal(tt_tilized_size(33, 32, F32), 8192);
	assert_int_equal(tt_tilized_size(32, 33, I32), 8192);
	assert_int_equal(tt_tilized_size(64, 96, BF16), 6 * 2048);
	assert_int_equal(tt_tilized_size(100, 7, BFP8), 4 * 1088);
	assert_int_equal(tt_tilized_size(1, 1000, U32), 32 * 4096);
	assert_int_equal(tt_tilized_size(0, 5, F32), 0);
	assert_int_equal(tt_tilized_size(5, 0, F32), 0);
	assert_int_equal(tt_tilized_size(5, 5, (enum tt_format)3), 0);
	assert_int_equal(tt_tilized_size(0xffffffffu, 0xffffffffu, F32), 0);
	assert_int_equal(tt_tilized_size(0xffffffffu, 0xffffffffu, BF16), 0);
	if (SIZE_MAX > 0xffffffffu)
		assert_true(tt_tilized_size(0xffffffffu, 1, F32) == (size_t)1 << 39);
	else
		assert_int_equal(tt_tilized_size(0xffffffffu, 1, F32), 0);
}

/* ---- bf16 ----------------------------------------------------------- */

static void test_bf16_rounding_table(void **state)
{
	static const struct {
		uint32_t in;
		uint16_t out;
	} table[] = {
		{ 0x00000000u, 0x0000 },	/* +0 */
		{ 0x80000000u, 0x8000 },	/* -0 */
		{ 0x3f800000u, 0x3f80 },	/* 1.0: exact */
		{ 0xc0490000u, 0xc049 },	/* -3.140625: exact */
		{ 0x3f800001u, 0x3f80 },	/* just above 1: down */
		{ 0x3f807fffu, 0x3f80 },	/* just below half: down */
		{ 0x3f808000u, 0x3f80 },	/* half, 0x3f80 even: down */
		{ 0x3f808001u, 0x3f81 },	/* just above half: up */
		{ 0x3f818000u, 0x3f82 },	/* half, 0x3f81 odd: up */
		{ 0x3f81ffffu, 0x3f82 },
		{ 0xbf808000u, 0xbf80 },	/* negative half: to even, down */
		{ 0xbf818000u, 0xbf82 },	/* negative half: to even, up */
		{ 0xbf808001u, 0xbf81 },
		{ 0x3fffffffu, 0x4000 },	/* carry into the exponent */
		{ 0x7f7f0000u, 0x7f7f },	/* largest finite bf16 */
		{ 0x7f7f7fffu, 0x7f7f },
		{ 0x7f7f8000u, 0x7f80 },	/* half past it, odd: inf */
		{ 0x7f7fffffu, 0x7f80 },	/* FLT_MAX: inf */
		{ 0xff7fffffu, 0xff80 },	/* -FLT_MAX: -inf */
		{ 0x7f800000u, 0x7f80 },	/* inf */
		{ 0xff800000u, 0xff80 },	/* -inf */
		{ 0x00000001u, 0x0000 },	/* smallest denormal */
		{ 0x80000001u, 0x8000 },
		{ 0x00008000u, 0x0000 },	/* denormal half, even: down */
		{ 0x00018000u, 0x0002 },	/* denormal half, odd: up */
		{ 0x00010000u, 0x0001 },	/* smallest bf16 denormal */
		{ 0x007fffffu, 0x0080 },	/* largest denormal: smallest normal */
		{ 0x807fffffu, 0x8080 },
		{ 0x00400000u, 0x0040 },
		{ 0x00800000u, 0x0080 },	/* smallest normal */
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		uint16_t got = tt_float_to_bf16(test_bitsf(table[i].in));

		if (got != table[i].out)
			fail_msg("0x%08x -> 0x%04x, expected 0x%04x", table[i].in, got,
				 table[i].out);
	}
	assert_int_equal(tt_float_to_bf16(1.0f), 0x3f80);
	assert_int_equal(tt_float_to_bf16(-2.0f), 0xc000);
	assert_int_equal(tt_float_to_bf16(INFINITY), 0x7f80);
}

static int bf16_is_nan(uint16_t b)
{
	return (b & 0x7f80) == 0x7f80 && (b & 0x7f);
}

static void test_bf16_nan(void **state)
{
	static const struct {
		uint32_t in;
		uint16_t out;
	} table[] = {
		{ 0x7fc00000u, 0x7fc0 },
		{ 0xffc00000u, 0xffc0 },
		{ 0x7f800001u, 0x7fc0 },	/* payload only in the low half */
		{ 0xff800001u, 0xffc0 },
		{ 0x7fffffffu, 0x7fff },	/* must not carry into the sign */
		{ 0xffffffffu, 0xffff },
		{ 0x7fa12345u, 0x7fe1 },	/* signalling: quieted, payload kept */
		{ 0x7fc1ffffu, 0x7fc1 },	/* no rounding of NaN payloads */
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		uint16_t got = tt_float_to_bf16(test_bitsf(table[i].in));

		if (got != table[i].out)
			fail_msg("0x%08x -> 0x%04x, expected 0x%04x", table[i].in, got,
				 table[i].out);
	}
	assert_true(bf16_is_nan(tt_float_to_bf16(NAN)));
	assert_true(isnan(tt_bf16_to_float(0x7fc0)));
	assert_true(isnan(tt_bf16_to_float(0xff81)));
	assert_true(signbit(tt_bf16_to_float(0xff81)));
}

/* Nearest bf16 to a finite float, ties to even, computed with doubles. */
static uint16_t reference_bf16(uint32_t u)
{
	uint32_t down = u & 0xffff0000u;
	uint32_t up = down + 0x10000u;	/* next bf16 away from zero */
	double x = fabs((double)test_bitsf(u));
	double a = fabs((double)test_bitsf(down));
	double b;

	/* Past the largest finite value, round as if to 2^128. */
	if ((up & 0x7fffffffu) == 0x7f800000u)
		b = 0x1p128;
	else
		b = fabs((double)test_bitsf(up));
	if (x - a < b - x)
		return (uint16_t)(down >> 16);
	if (x - a > b - x)
		return (uint16_t)(up >> 16);
	return (uint16_t)(((down >> 16) & 1) ? up >> 16 : down >> 16);
}

static void test_bf16_reference(void **state)
{
	unsigned i;

	(void)state;
	rng_state = 0x243f6a8885a308d3ull;
	for (i = 0; i < 300000; i++) {
		uint32_t u = rnd();
		uint16_t got, want;

		/* Many ties and near-ties. */
		if (i % 3 == 1)
			u = (u & 0xffff0000u) | 0x8000u;
		else if (i % 3 == 2)
			u = (u & 0xffff0000u) | (0x8000u + (rnd() % 5) - 2);
		if ((u & 0x7fffffffu) > 0x7f800000u)
			continue;
		got = tt_float_to_bf16(test_bitsf(u));
		want = reference_bf16(u);
		if (got != want)
			fail_msg("0x%08x -> 0x%04x, expected 0x%04x", u, got, want);
	}
}

static void test_bf16_all_values(void **state)
{
	uint32_t b;

	(void)state;
	for (b = 0; b <= 0xffff; b++) {
		float f = tt_bf16_to_float((uint16_t)b);
		uint16_t back = tt_float_to_bf16(f);

		assert_int_equal(test_fbits(f), b << 16);
		if (bf16_is_nan((uint16_t)b))
			assert_int_equal(back, b | 0x40);
		else
			assert_int_equal(back, b);
	}
}

/* ---- layout --------------------------------------------------------- */

static void check_pattern(uint32_t rows, uint32_t cols, enum tt_format dst_fmt)
{
	size_t size = tt_tilized_size(rows, cols, dst_fmt);
	uint32_t prows = (uint32_t)ceil32(rows) * 32, pcols = (uint32_t)ceil32(cols) * 32;
	float *src = xmalloc((size_t)rows * cols * sizeof(float));
	uint8_t *dst = xmalloc(size);
	uint32_t r, c;

	assert_int_equal(size, ceil32(rows) * ceil32(cols) * tt_tile_size(dst_fmt));
	for (r = 0; r < rows; r++)
		for (c = 0; c < cols; c++)
			src[(size_t)r * cols + c] = (float)(r * 1000 + c);
	memset(dst, 0xab, size);
	assert_int_equal(tt_tilize(src, F32, rows, cols, dst, dst_fmt), 0);

	/* (r, c) -> index is one to one onto the tiles, so this sees every element. */
	for (r = 0; r < prows; r++) {
		for (c = 0; c < pcols; c++) {
			uint32_t got = get_elem(dst, dst_fmt, tile_index(r, c, cols));
			uint32_t want = 0;

			if (r < rows && c < cols)
				want = convert(test_fbits((float)(r * 1000 + c)), F32, dst_fmt);
			if (got != want)
				fail_msg("%ux%u: (%u, %u) is 0x%x, expected 0x%x", rows, cols, r,
					 c, got, want);
		}
	}
	free(src);
	free(dst);
}

static void test_layout_pattern(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < NSHAPES; i++) {
		check_pattern(shapes[i].rows, shapes[i].cols, F32);
		check_pattern(shapes[i].rows, shapes[i].cols, BF16);
	}
}

static void test_layout_fixed_positions(void **state)
{
	static float src[64 * 64];
	static float dst[4 * 1024];
	uint32_t r, c;

	(void)state;
	for (r = 0; r < 64; r++)
		for (c = 0; c < 64; c++)
			src[r * 64 + c] = (float)(r * 1000 + c);
	assert_int_equal(tt_tilize(src, F32, 64, 64, dst, F32), 0);
	/* Tile 0, face TL. */
	assert_true(dst[0] == 0.0f);
	assert_true(dst[1] == 1.0f);
	assert_true(dst[16] == 1000.0f);
	assert_true(dst[255] == 15015.0f);
	/* Tile 0, faces TR, BL, BR. */
	assert_true(dst[256] == 16.0f);
	assert_true(dst[512] == 16000.0f);
	assert_true(dst[768] == 16016.0f);
	assert_true(dst[1023] == 31031.0f);
	/* Tile 1 (row 0 of tiles, column 1): (17, 35) in face BL. */
	assert_true(dst[1024] == 32.0f);
	assert_true(dst[1024 + 512 + 16 + 3] == 17035.0f);
	/* Tile 2 (row 1, column 0): (40, 20) in face TR. */
	assert_true(dst[2048 + 256 + 8 * 16 + 4] == 40020.0f);
	/* Tile 3: the last element. */
	assert_true(dst[4095] == 63063.0f);
}

static void test_untilize_known(void **state)
{
	static const struct shape sh[] = { { 64, 96 }, { 31, 33 }, { 1, 1 }, { 100, 7 } };
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(sh) / sizeof(sh[0]); i++) {
		uint32_t rows = sh[i].rows, cols = sh[i].cols, r, c;
		size_t size = tt_tilized_size(rows, cols, I32);
		uint32_t *tiles = xmalloc(size);
		uint32_t *out = xmalloc((size_t)rows * cols * 4);

		/* Padding holds junk, which must not come back. */
		memset(tiles, 0x5a, size);
		for (r = 0; r < rows; r++)
			for (c = 0; c < cols; c++)
				tiles[tile_index(r, c, cols)] = r << 16 | c;
		assert_int_equal(tt_untilize(tiles, I32, rows, cols, out, I32), 0);
		for (r = 0; r < rows; r++)
			for (c = 0; c < cols; c++)
				assert_int_equal(out[(size_t)r * cols + c], r << 16 | c);
		free(tiles);
		free(out);
	}
}

static void test_untilize_writes_only_matrix(void **state)
{
	uint32_t rows = 31, cols = 33;
	size_t n = (size_t)rows * cols, i;
	size_t size = tt_tilized_size(rows, cols, BF16);
	uint16_t *tiles = xmalloc(size);
	uint8_t *out = xmalloc(n * 4 + 64);

	(void)state;
	memset(tiles, 0x11, size);
	memset(out, 0xcd, n * 4 + 64);
	assert_int_equal(tt_untilize(tiles, BF16, rows, cols, out, F32), 0);
	for (i = 0; i < 64; i++)
		assert_int_equal(out[n * 4 + i], 0xcd);
	for (i = 0; i < n; i++)
		assert_int_equal(get_elem(out, F32, i), 0x11110000u);
	free(tiles);
	free(out);
}

/* ---- round trips ---------------------------------------------------- */

/*
 * src_fmt matrix -> tiles in tile_fmt -> out_fmt matrix; each element must
 * be what the two element conversions make of it, and the padding zero.
 */
static void round_trip(uint32_t rows, uint32_t cols, enum tt_format src_fmt,
		       enum tt_format tile_fmt, enum tt_format out_fmt)
{
	size_t n = (size_t)rows * cols, i, size = tt_tilized_size(rows, cols, tile_fmt);
	void *src = random_matrix(rows, cols, src_fmt);
	uint8_t *tiles = xmalloc(size);
	void *out = xmalloc(n * esize(out_fmt));
	uint32_t r, c;

	memset(tiles, 0xee, size);
	assert_int_equal(tt_tilize(src, src_fmt, rows, cols, tiles, tile_fmt), 0);
	for (r = 0; r < (uint32_t)ceil32(rows) * 32; r++) {
		for (c = 0; c < (uint32_t)ceil32(cols) * 32; c++) {
			uint32_t got = get_elem(tiles, tile_fmt, tile_index(r, c, cols));
			uint32_t want = 0;

			if (r < rows && c < cols)
				want = convert(get_elem(src, src_fmt, (size_t)r * cols + c),
					       src_fmt, tile_fmt);
			if (got != want)
				fail_msg("%ux%u %d->%d: tile element (%u, %u) 0x%x, expected 0x%x",
					 rows, cols, (int)src_fmt, (int)tile_fmt, r, c, got, want);
		}
	}
	assert_int_equal(tt_untilize(tiles, tile_fmt, rows, cols, out, out_fmt), 0);
	for (i = 0; i < n; i++) {
		uint32_t want = convert(convert(get_elem(src, src_fmt, i), src_fmt, tile_fmt),
					tile_fmt, out_fmt);
		uint32_t got = get_elem(out, out_fmt, i);

		if (got != want)
			fail_msg("%ux%u %d->%d->%d: element %zu 0x%x, expected 0x%x", rows, cols,
				 (int)src_fmt, (int)tile_fmt, (int)out_fmt, i, got, want);
	}
	if (src_fmt == out_fmt && src_fmt == tile_fmt)
		assert_memory_equal(src, out, n * esize(src_fmt));
	free(src);
	free(tiles);
	free(out);
}

static void test_round_trip_same_format(void **state)
{
	static const enum tt_format fmts[] = { F32, BF16, I32, U32 };
	unsigned i, f;

	(void)state;
	rng_state = 0x13198a2e03707344ull;
	for (f = 0; f < 4; f++)
		for (i = 0; i < NSHAPES; i++)
			round_trip(shapes[i].rows, shapes[i].cols, fmts[f], fmts[f], fmts[f]);
}

static void test_round_trip_float_pairs(void **state)
{
	static const enum tt_format fmts[] = { F32, BF16 };
	unsigned i, a, b, c;

	(void)state;
	rng_state = 0xa4093822299f31d0ull;
	for (a = 0; a < 2; a++)
		for (b = 0; b < 2; b++)
			for (c = 0; c < 2; c++)
				for (i = 0; i < NSHAPES; i++)
					round_trip(shapes[i].rows, shapes[i].cols, fmts[a],
						   fmts[b], fmts[c]);
}

static void test_round_trip_bf16_through_f32_exact(void **state)
{
	uint32_t rows = 40, cols = 70;
	size_t n = (size_t)rows * cols, i;
	uint16_t *src = xmalloc(n * 2), *out = xmalloc(n * 2);
	float *tiles = xmalloc(tt_tilized_size(rows, cols, F32));

	(void)state;
	/* Every non-NaN bf16 value and the quiet NaNs survive bit for bit. */
	for (i = 0; i < n; i++) {
		uint16_t v = (uint16_t)(i * 23u);

		if (bf16_is_nan(v))
			v |= 0x40;
		src[i] = v;
	}
	assert_int_equal(tt_tilize(src, BF16, rows, cols, tiles, F32), 0);
	assert_int_equal(tt_untilize(tiles, F32, rows, cols, out, BF16), 0);
	assert_memory_equal(src, out, n * 2);
	free(src);
	free(out);
	free(tiles);
}

static void test_unaligned_buffers(void **state)
{
	uint32_t rows = 20, cols = 37;
	size_t n = (size_t)rows * cols, size = tt_tilized_size(rows, cols, BF16), i;
	uint8_t *src = xmalloc(n * 4 + 1), *tiles = xmalloc(size + 1), *out = xmalloc(n * 4 + 3);

	(void)state;
	rng_state = 0x082efa98ec4e6c89ull;
	for (i = 0; i < n; i++)
		put_elem(src + 1, F32, i, random_elem(F32));
	assert_int_equal(tt_tilize(src + 1, F32, rows, cols, tiles + 1, BF16), 0);
	assert_int_equal(tt_untilize(tiles + 1, BF16, rows, cols, out + 3, F32), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(get_elem(out + 3, F32, i),
				 convert(convert(get_elem(src + 1, F32, i), F32, BF16), BF16, F32));
	free(src);
	free(tiles);
	free(out);
}

/* ---- errors --------------------------------------------------------- */

typedef int (*xform_fn)(const void *, enum tt_format, uint32_t, uint32_t, void *,
			enum tt_format);

static void expect_error(xform_fn fn, const void *src, enum tt_format sf, uint32_t rows,
			 uint32_t cols, void *dst, enum tt_format df, int err)
{
	int rc;

	clear_error();
	rc = fn(src, sf, rows, cols, dst, df);
	if (rc != err)
		fail_msg("formats %d -> %d, %ux%u: got %d, expected %d (%s)", (int)sf, (int)df,
			 rows, cols, rc, err, tt_last_error());
	assert_true(tt_last_error()[0] != '\0');
}

static void check_errors(xform_fn fn, int tilize)
{
	static uint32_t src[1024], dst[1024], before[1024];
	enum tt_format rm_bfp8_src = tilize ? BFP8 : F32, rm_bfp8_dst = tilize ? F32 : BFP8;

	memset(dst, 0x77, sizeof(dst));
	memcpy(before, dst, sizeof(dst));

	expect_error(fn, NULL, F32, 4, 4, dst, F32, -EINVAL);
	expect_error(fn, src, F32, 4, 4, NULL, F32, -EINVAL);
	expect_error(fn, NULL, F32, 4, 4, NULL, F32, -EINVAL);
	expect_error(fn, src, F32, 0, 4, dst, F32, -EINVAL);
	expect_error(fn, src, F32, 4, 0, dst, F32, -EINVAL);
	expect_error(fn, src, (enum tt_format)3, 4, 4, dst, F32, -EINVAL);
	expect_error(fn, src, F32, 4, 4, dst, (enum tt_format)99, -EINVAL);
	expect_error(fn, src, (enum tt_format)-1, 4, 4, dst, BF16, -EINVAL);
	expect_error(fn, src, I32, 4, 4, dst, F32, -EINVAL);
	expect_error(fn, src, F32, 4, 4, dst, I32, -EINVAL);
	expect_error(fn, src, I32, 4, 4, dst, U32, -EINVAL);
	expect_error(fn, src, U32, 4, 4, dst, I32, -EINVAL);
	expect_error(fn, src, U32, 4, 4, dst, BF16, -EINVAL);
	expect_error(fn, src, BF16, 4, 4, dst, U32, -EINVAL);
	/* Too big to address: must fail before touching anything. */
	expect_error(fn, src, F32, 0xffffffffu, 0xffffffffu, dst, F32, -EINVAL);
	expect_error(fn, src, BF16, 0xffffffffu, 0xffffffffu, dst, BF16, -EINVAL);
	/* Bfp8_b as the row-major side is meaningless; as tiles, only from floats. */
	expect_error(fn, src, rm_bfp8_src, 4, 4, dst, rm_bfp8_dst, -EINVAL);
	if (tilize) {
		expect_error(fn, src, I32, 4, 4, dst, BFP8, -EINVAL);
		expect_error(fn, src, U32, 4, 4, dst, BFP8, -EINVAL);
	} else {
		expect_error(fn, src, BFP8, 4, 4, dst, I32, -EINVAL);
		expect_error(fn, src, BFP8, 4, 4, dst, U32, -EINVAL);
	}
	assert_non_null(strstr(tt_last_error(), "Bfp8_b"));
	assert_memory_equal(dst, before, sizeof(dst));

	/* A success after a failure works and leaves the message alone. */
	clear_error();
	assert_int_equal(fn(src, F32, 32, 32, dst, F32), 0);
	assert_string_equal(tt_last_error(), "");
}

static void test_tilize_errors(void **state)
{
	(void)state;
	check_errors(tt_tilize, 1);
}

static void test_untilize_errors(void **state)
{
	(void)state;
	check_errors(tt_untilize, 0);
}

static void test_error_messages(void **state)
{
	static uint32_t buf[1024];

	(void)state;
	tt_tilize(NULL, F32, 1, 1, buf, F32);
	assert_non_null(strstr(tt_last_error(), "tt_tilize"));
	tt_untilize(buf, F32, 0, 1, buf + 512, F32);
	assert_non_null(strstr(tt_last_error(), "tt_untilize"));
	tt_tilize(buf, I32, 1, 1, buf + 512, F32);
	assert_non_null(strstr(tt_last_error(), "Int32"));
	assert_non_null(strstr(tt_last_error(), "Float32"));
	tt_tilize(buf, F32, 1, 1, buf + 512, (enum tt_format)42);
	assert_non_null(strstr(tt_last_error(), "42"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tile_size),
		cmocka_unit_test(test_tilized_size),
		cmocka_unit_test(test_bf16_rounding_table),
		cmocka_unit_test(test_bf16_nan),
		cmocka_unit_test(test_bf16_reference),
		cmocka_unit_test(test_bf16_all_values),
		cmocka_unit_test(test_layout_pattern),
		cmocka_unit_test(test_layout_fixed_positions),
		cmocka_unit_test(test_untilize_known),
		cmocka_unit_test(test_untilize_writes_only_matrix),
		cmocka_unit_test(test_round_trip_same_format),
		cmocka_unit_test(test_round_trip_float_pairs),
		cmocka_unit_test(test_round_trip_bf16_through_f32_exact),
		cmocka_unit_test(test_unaligned_buffers),
		cmocka_unit_test(test_tilize_errors),
		cmocka_unit_test(test_untilize_errors),
		cmocka_unit_test(test_error_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
