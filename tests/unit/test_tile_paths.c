// SPDX-License-Identifier: MIT
/*
 * The tile engine's vector paths against each other: every path this CPU
 * has must give the same bits as the portable C one, for matmul at every
 * fidelity and both DST modes, for the element-wise ops and for the
 * conversion to bf16 (DST in 16-bit mode, packing Float16_b), on random
 * data that includes tiny values (flushing), exact ties and zeros.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tile.h"
#include "../test_util.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	return (uint32_t)(test_rand64(&rng) >> 32);
}

/* Source values: mostly moderate, some tiny (products underflow), some zero. */
static void random_sources(float *t, bool bf16)
{
	unsigned i;

	for (i = 0; i < TT_TILE_HW; i++) {
		uint32_t u = rnd(), kind = rnd() % 16;
		uint32_t exp = kind == 0 ? 1 + rnd() % 40 : kind == 1 ? 0 : 120 + rnd() % 12;

		u = (u & 0x807fffffu) | exp << 23;
		if (bf16)
			u &= 0xffff0000u;
		t[i] = sim_fpu_source(test_bitsf(u));
	}
}

static void test_best_path_is_available(void **state)
{
	(void)state;
	assert_true(sim_simd_available(SIM_SIMD_PORTABLE));
	assert_true(sim_simd_available(sim_simd_best()));
	assert_string_equal(sim_simd_name(SIM_SIMD_AVX512_BF16), "avx512_bf16");
	print_message("best path here: %s\n", sim_simd_name(sim_simd_best()));
}

static void test_matmul_paths_identical(void **state)
{
	static const unsigned fids[] = { 0, 2, 3, 4 };
	static float a[TT_TILE_HW], b[TT_TILE_HW], acc0[TT_TILE_HW];
	static float ref[TT_TILE_HW], got[TT_TILE_HW];
	unsigned round, f, p, compared = 0;

	(void)state;
	for (round = 0; round < 24; round++) {
		bool bf16 = round % 2, fp32 = round % 3 != 0, tr = round % 4 == 1;

		random_sources(a, bf16);
		random_sources(b, bf16);
		random_sources(acc0, false);
		for (f = 0; f < 4; f++) {
			memcpy(ref, acc0, sizeof(ref));
			sim_matmul_tile(SIM_SIMD_PORTABLE, ref, a, b, fids[f], tr, fp32);
			for (p = SIM_SIMD_PORTABLE + 1; p < SIM_SIMD_PATHS; p++) {
				if (!sim_simd_available((enum sim_simd)p))
					continue;
				memcpy(got, acc0, sizeof(got));
				sim_matmul_tile((enum sim_simd)p, got, a, b, fids[f], tr, fp32);
				if (memcmp(got, ref, sizeof(ref))) {
					unsigned i = 0;

					while (!memcmp(&got[i], &ref[i], 4))
						i++;
					fail_msg("%s path, fidelity %u: element %u is %a, portable %a",
						 sim_simd_name((enum sim_simd)p), fids[f], i, got[i],
						 ref[i]);
				}
				compared++;
			}
		}
	}
	print_message("%u matmul tiles compared bit for bit\n", compared);
}

static void test_eltwise_paths_identical(void **state)
{
	static float a[TT_TILE_HW], b[TT_TILE_HW], ref[TT_TILE_HW], got[TT_TILE_HW];
	unsigned round, op, f, p;

	(void)state;
	for (round = 0; round < 8; round++) {
		random_sources(a, round % 2);
		random_sources(b, round % 2);
		for (op = TT_BINARY_ADD; op <= TT_BINARY_MUL; op++)
			for (f = 0; f <= 4; f++) {
				if (f == 1)
					continue;
				sim_eltwise_tile(SIM_SIMD_PORTABLE, ref, a, b, op, f);
				for (p = SIM_SIMD_PORTABLE + 1; p < SIM_SIMD_PATHS; p++) {
					if (!sim_simd_available((enum sim_simd)p))
						continue;
					sim_eltwise_tile((enum sim_simd)p, got, a, b, op, f);
					if (memcmp(got, ref, sizeof(ref)))
						fail_msg("%s path, op %u, fidelity %u differs",
							 sim_simd_name((enum sim_simd)p), op, f);
				}
			}
	}
}

/* Any bit pattern at all: NaNs, infinities, denormals of both signs, ties. */
static void test_bf16_paths_identical(void **state)
{
	static float in[TT_TILE_HW];
	static uint16_t ref[TT_TILE_HW], got[TT_TILE_HW];
	unsigned round, i, p;

	(void)state;
	for (round = 0; round < 400; round++) {
		for (i = 0; i < TT_TILE_HW; i++) {
			uint32_t u = rnd();

			if (i % 5 == 1)
				u = (u & 0xffff0000u) | 0x8000u;	/* exact ties */
			else if (i % 5 == 2)
				u &= 0x807fffffu;			/* denormals */
			else if (i % 5 == 3)
				u |= 0x7f800000u;			/* NaN, infinity */
			in[i] = test_bitsf(u);
		}
		sim_bf16_tile(SIM_SIMD_PORTABLE, in, ref);
		for (p = SIM_SIMD_PORTABLE + 1; p < SIM_SIMD_PATHS; p++) {
			if (!sim_simd_available((enum sim_simd)p))
				continue;
			sim_bf16_tile((enum sim_simd)p, in, got);
			for (i = 0; i < TT_TILE_HW; i++)
				if (got[i] != ref[i])
					fail_msg("%s path: %a -> %#x, portable %#x",
						 sim_simd_name((enum sim_simd)p), in[i], got[i],
						 ref[i]);
		}
	}
	/* The portable rule itself: flush, then nearest even. */
	in[0] = test_bitsf(0x807fffffu);
	in[1] = test_bitsf(0x3f808000u);
	in[2] = test_bitsf(0x3f818000u);
	in[3] = test_bitsf(0x7fa00001u);
	sim_bf16_tile(SIM_SIMD_PORTABLE, in, ref);
	assert_int_equal(ref[0], 0x8000);
	assert_int_equal(ref[1], 0x3f80);
	assert_int_equal(ref[2], 0x3f82);
	assert_int_equal(ref[3], 0x7fe0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_best_path_is_available),
		cmocka_unit_test(test_matmul_paths_identical),
		cmocka_unit_test(test_eltwise_paths_identical),
		cmocka_unit_test(test_bf16_paths_identical),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
