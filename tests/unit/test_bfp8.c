// SPDX-License-Identifier: MIT
/*
 * Bfp8_b tiles: tt_tilize/tt_untilize against a float64 model of the
 * format (shared exponent = the largest exponent field of a face row;
 * magnitudes m / 64 * 2^(e - 127), the significand cut to the shared
 * exponent's window and rounded to nearest even), the byte layout
 * (64 exponent bytes, then sign-magnitude bytes in face order), tt-metal's
 * published rounding cases, and bit-exact round trips.
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

static uint64_t rng = 0x3c6ef372fe94f82bull;

static uint32_t rnd(void)
{
	return (uint32_t)(test_rand64(&rng) >> 32);
}

/* Element (r, c) of a tile in storage order. */
static size_t tile_pos(uint32_t r, uint32_t c)
{
	return (r / 16) * 512 + (c / 16) * 256 + (r % 16) * 16 + c % 16;
}

/* The float64 model: x under shared exponent field e. */
static double model(float x, uint32_t e)
{
	uint32_t u = test_fbits(x);
	double q, m;

	if (!(u & 0x7f800000u))
		return 0;
	/* The 24-bit window of the shared exponent, cut, then rounded at 7 bits. */
	q = floor(ldexp(fabs((double)x), 150 - (int)e));
	m = nearbyint(q / 131072.0);
	if (m > 127)
		m = 127;
	return copysign(ldexp(m, (int)e - 133), m ? (double)x : 1.0);
}

static uint32_t block_exp(const float *row)
{
	uint32_t e = 0, i;

	for (i = 0; i < 16; i++)
		if ((test_fbits(row[i]) >> 23 & 0xff) > e)
			e = test_fbits(row[i]) >> 23 & 0xff;
	return e;
}

/* A 32x32 matrix whose face rows each have their own scale and spread. */
static void random_tile_matrix(float *x)
{
	uint32_t r, c;

	for (r = 0; r < 32; r++)
		for (c = 0; c < 32; c += 16) {
			int scale = (int)(rnd() % 60) - 30, spread = (int)(rnd() % 12), i;

			for (i = 0; i < 16; i++) {
				float v = ldexpf((float)(rnd() >> 8) * 0x1p-24f + 0.5f,
						 scale - (int)(rnd() % (unsigned)(spread + 1)));

				if (rnd() % 2)
					v = -v;
				if (rnd() % 29 == 0)
					v = 0;
				x[r * 32 + c + i] = v;
			}
		}
}

static void test_published_rounding_cases(void **state)
{
	/* tt-metal's four cases: 64.75 up, 65.25 down, 64.5 tie to even down, 65.5 tie up. */
	static const struct {
		float in;
		uint8_t mag;
		float out;
	} cases[] = { { 64.75f, 0x41, 65 }, { 65.25f, 0x41, 65 }, { 64.5f, 0x40, 64 },
		      { 65.5f, 0x42, 66 } };
	static float x[1024], back[1024];
	uint8_t t[1088];
	unsigned i, s;

	(void)state;
	for (i = 0; i < 4; i++)
		for (s = 0; s < 2; s++) {
			float v = s ? -cases[i].in : cases[i].in;
			unsigned k;

			for (k = 0; k < 1024; k++)
				x[k] = v;
			assert_int_equal(tt_tilize(x, F32, 32, 32, t, BFP8), 0);
			assert_int_equal(t[0], test_fbits(v) >> 23 & 0xff);
			assert_int_equal(t[64], cases[i].mag | (s ? 0x80 : 0));
			assert_int_equal(tt_untilize(t, BFP8, 32, 32, back, F32), 0);
			assert_true(back[0] == (s ? -cases[i].out : cases[i].out));
		}
}

static void test_layout(void **state)
{
	static float x[1024];
	uint8_t t[1088];
	uint32_t r, c;

	(void)state;
	/* Face row k (storage order) is all 2^(k - 20): exponent byte k is 107 + k. */
	for (r = 0; r < 32; r++)
		for (c = 0; c < 32; c++) {
			size_t k = tile_pos(r, c) / 16;

			x[r * 32 + c] = ldexpf(c % 2 ? -1.0f : 1.0f, (int)k - 20);
		}
	assert_int_equal(tt_tilize(x, F32, 32, 32, t, BFP8), 0);
	for (r = 0; r < 64; r++)
		assert_int_equal(t[r], 107 + r);
	/* Every value is the block maximum: magnitude 64 (1.0), sign in bit 7. */
	for (r = 0; r < 32; r++)
		for (c = 0; c < 32; c++)
			assert_int_equal(t[64 + tile_pos(r, c)], c % 2 ? 0xc0 : 0x40);
}

static void test_against_model(void **state)
{
	static float x[64 * 96], back[64 * 96];
	uint8_t *t = malloc(tt_tilized_size(64, 96, BFP8));
	unsigned round, tr, tc, r, c;

	(void)state;
	for (round = 0; round < 40; round++) {
		for (tr = 0; tr < 2; tr++)
			for (tc = 0; tc < 3; tc++) {
				static float tile[1024];

				random_tile_matrix(tile);
				for (r = 0; r < 32; r++)
					for (c = 0; c < 32; c++)
						x[(tr * 32 + r) * 96 + tc * 32 + c] = tile[r * 32 + c];
			}
		assert_int_equal(tt_tilize(x, F32, 64, 96, t, BFP8), 0);
		assert_int_equal(tt_untilize(t, BFP8, 64, 96, back, F32), 0);
		for (r = 0; r < 64; r++)
			for (c = 0; c < 96; c += 16) {
				const float *row = &x[r * 96 + c];
				uint32_t e = block_exp(row), i;

				for (i = 0; i < 16; i++) {
					double want = model(row[i], e);

					if ((double)back[r * 96 + c + i] != want ||
					    !signbit(back[r * 96 + c + i]) != !signbit(want))
						fail_msg("(%u, %u): %a -> %a, model %a (shared exponent %u)",
							 r, c + i, row[i], back[r * 96 + c + i], want, e);
				}
			}
	}
	free(t);
}

static void test_zeros_denormals_saturation(void **state)
{
	static float x[1024], back[1024];
	uint8_t t[1088];

	(void)state;
	x[0] = 1.9999999f;	/* rounds up past 127: saturates to 127/64 */
	x[1] = test_bitsf(0x00400000u);	/* denormal: 0 */
	x[2] = -0.0f;
	x[3] = -0x1p-9f;		/* far below the block maximum: rounds to 0, sign dropped */
	x[4] = -0x1p-6f;		/* the smallest step under exponent 0: magnitude 1 */
	x[5] = 0x1p-7f;		/* half a step, a tie: to even, 0 */
	assert_int_equal(tt_tilize(x, F32, 32, 32, t, BFP8), 0);
	assert_int_equal(t[0], 127);
	assert_int_equal(t[64], 127);
	assert_int_equal(t[65], 0);
	assert_int_equal(t[66], 0);
	assert_int_equal(t[67], 0);
	assert_int_equal(t[68], 0x81);
	assert_int_equal(t[69], 0);
	assert_int_equal(tt_untilize(t, BFP8, 32, 32, back, F32), 0);
	assert_true(back[0] == 127.0f / 64);
	assert_true(back[1] == 0 && !signbit(back[1]));
	assert_true(back[3] == 0 && !signbit(back[3]));
	assert_true(back[4] == -0x1p-6f);
	/* An all-zero block has exponent 0 and stays zero. */
	assert_int_equal(t[1], 0);
	assert_true(back[100] == 0);
}

static void test_round_trips_bit_exact(void **state)
{
	static float x[1024], y[1024];
	static uint16_t h[1024];
	uint8_t t1[1088], t2[1088], t3[1088];
	unsigned round, i;

	(void)state;
	for (round = 0; round < 50; round++) {
		random_tile_matrix(x);
		assert_int_equal(tt_tilize(x, F32, 32, 32, t1, BFP8), 0);
		/* Bfp8_b -> Float32 -> Bfp8_b and via Float16_b: the same bytes. */
		assert_int_equal(tt_untilize(t1, BFP8, 32, 32, y, F32), 0);
		assert_int_equal(tt_tilize(y, F32, 32, 32, t2, BFP8), 0);
		assert_memory_equal(t1, t2, 1088);
		assert_int_equal(tt_untilize(t1, BFP8, 32, 32, h, BF16), 0);
		for (i = 0; i < 1024; i++)
			assert_int_equal(test_fbits(y[i]), (uint32_t)h[i] << 16);
		assert_int_equal(tt_tilize(h, BF16, 32, 32, t3, BFP8), 0);
		assert_memory_equal(t1, t3, 1088);
		/* Float16_b input converts as its float value does. */
		for (i = 0; i < 1024; i++)
			h[i] = tt_float_to_bf16(x[i]);
		for (i = 0; i < 1024; i++)
			y[i] = tt_bf16_to_float(h[i]);
		assert_int_equal(tt_tilize(h, BF16, 32, 32, t2, BFP8), 0);
		assert_int_equal(tt_tilize(y, F32, 32, 32, t3, BFP8), 0);
		assert_memory_equal(t2, t3, 1088);
	}
}

static void test_padding(void **state)
{
	static float x[33 * 20], back[33 * 20];
	uint8_t *t = malloc(tt_tilized_size(33, 20, BFP8));
	unsigned i;

	(void)state;
	assert_int_equal(tt_tilized_size(33, 20, BFP8), 2 * 1088);
	for (i = 0; i < 33 * 20; i++)
		x[i] = (float)i + 1;
	memset(t, 0xee, 2 * 1088);
	assert_int_equal(tt_tilize(x, F32, 33, 20, t, BFP8), 0);
	assert_int_equal(tt_untilize(t, BFP8, 33, 20, back, F32), 0);
	/* Tile 1 holds row 32 only: (0, 5) is x[32][5]; (1, 0) and face row 2 are padding. */
	assert_int_not_equal(t[1088 + 64 + 5], 0);
	assert_int_equal(t[1088 + 64 + 16], 0);
	assert_int_equal(t[1088 + 1], 0);
	for (i = 0; i < 33 * 20; i++) {
		uint32_t first = i % 20 < 16 ? 0 : 16, last = i % 20 < 16 ? 16 : 20, k, m = 0;

		/* The block: (row, 0..15), or (row, 16..19) and zero padding. */
		for (k = first; k < last; k++)
			if ((test_fbits(x[(i / 20) * 20 + k]) >> 23 & 0xff) > m)
				m = test_fbits(x[(i / 20) * 20 + k]) >> 23 & 0xff;
		assert_true((double)back[i] == model(x[i], m));
	}
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_published_rounding_cases),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_against_model),
		cmocka_unit_test(test_zeros_denormals_saturation),
		cmocka_unit_test(test_round_trips_bit_exact),
		cmocka_unit_test(test_padding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
