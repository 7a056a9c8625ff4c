// SPDX-License-Identifier: MIT
/*
 * Data formats through the tile engine: tiles unpacked into DST and packed
 * out again in every pair of Float32, Float16_b and Bfp8_b, byte for byte
 * what the host's conversion of the same values gives; Int32 and UInt32
 * tiles bit for bit; 16-bit DST rounding to bf16.
 */
#include "tile_harness.h"

TILE_FIXTURE("sim:grid=2x2,dram_banks=2,dram_mib=16")

#define NT 3

static const char copy_kernel[] =
	"#include <ttuser/kernel/compute.h>\n"
	"void kernel_main(void)\n"
	"{\n"
	"	unary_op_init_common(0, 16);\n"
	"	copy_tile_init(0);\n"
	"	cb_wait_front(0, 3);\n"
	"	cb_reserve_back(16, 3);\n"
	"	for (uint32_t t = 0; t < 3; t++) {\n"
	"		tile_regs_acquire();\n"
	"		copy_tile(0, t, 2);\n"
	"		tile_regs_commit();\n"
	"		tile_regs_wait();\n"
	"		pack_tile(2, 16, t);\n"
	"		tile_regs_release();\n"
	"	}\n"
	"	cb_push_back(16, 3);\n"
	"	cb_pop_front(0, 3);\n"
	"}\n";

static const enum tt_format float_fmts[] = { TT_FORMAT_FLOAT32, TT_FORMAT_FLOAT16_B,
					     TT_FORMAT_BFP8_B };

static void test_float_formats_through_dst(void **state)
{
	static float x[32 * 96], held[32 * 96], expect_vals[32 * 96];
	unsigned i, o, mode, k;
	uint32_t seed = 5;

	(void)state;
	/* Face rows of different scales, so Bfp8_b blocks differ. */
	random_floats(x, 32 * 96, -1, 1, &seed);
	for (k = 0; k < 32 * 96; k++)
		x[k] = ldexpf(x[k], (int)(k / 16 % 23) - 11);
	for (mode = 0; mode < 2; mode++)
		for (i = 0; i < 3; i++)
			for (o = 0; o < 3; o++) {
				struct tt_kernel_config cfg = { .fp32_dest_acc = mode == 0 };
				size_t osize = tt_tilized_size(32, 96, float_fmts[o]);
				struct tile_io in = { float_fmts[i], NT,
						      to_tiles(x, 32, 96, float_fmts[i], held) };
				struct tile_io out = { float_fmts[o], NT, malloc(osize) };
				void *want;

				/* 16-bit DST holds bf16: what went in, rounded. */
				for (k = 0; k < 32 * 96; k++)
					expect_vals[k] = mode == 0 ? held[k] :
						tt_bf16_to_float(tt_float_to_bf16(held[k]));
				want = to_tiles(expect_vals, 32, 96, float_fmts[o], NULL);
				CHECK(run_tiles(dev, copy_kernel, &cfg, &in, 1, &out));
				if (memcmp(out.data, want, osize))
					fail_msg("%s DST: format %d -> %d differs from the host's "
						 "conversion", mode == 0 ? "fp32" : "16-bit",
						 float_fmts[i], float_fmts[o]);
				free(in.data), free(out.data), free(want);
			}
}

static void test_integer_tiles(void **state)
{
	static const enum tt_format fmts[] = { TT_FORMAT_INT32, TT_FORMAT_UINT32 };
	static uint32_t x[32 * 96], tiles[NT * 1024], back[NT * 1024];
	struct tt_kernel_config cfg = { .fp32_dest_acc = true };
	uint32_t seed = 9;
	unsigned f, k;

	(void)state;
	for (k = 0; k < 32 * 96; k++)
		x[k] = xorshift(&seed);
	/* Bit patterns that are NaNs and denormals as floats must pass unchanged. */
	x[0] = 0x7f800001u;
	x[1] = 0xffffffffu;
	x[2] = 0x00000001u;
	for (f = 0; f < 2; f++) {
		struct tile_io in = { fmts[f], NT, tiles }, out = { fmts[f], NT, back };

		CHECK(tt_tilize(x, fmts[f], 32, 96, tiles, fmts[f]));
		CHECK(run_tiles(dev, copy_kernel, &cfg, &in, 1, &out));
		assert_memory_equal(tiles, back, sizeof(tiles));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_float_formats_through_dst),
		cmocka_unit_test(test_integer_tiles),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
