// SPDX-License-Identifier: MIT
/*
 * Tile layout on the device: transpose_wh_tile, and tilize_block /
 * untilize_block between row-major pages and tiles, checked byte for byte
 * against the host's tt_tilize of the same matrix.
 */
#include "tile_harness.h"

TILE_FIXTURE("sim:grid=2x2,dram_banks=2,dram_mib=16")

static const char transpose_kernel[] =
	"#include <ttuser/kernel/compute.h>\n"
	"void kernel_main(void)\n"
	"{\n"
	"	transpose_wh_init(0, 16);\n"
	"	cb_wait_front(0, 2);\n"
	"	cb_reserve_back(16, 2);\n"
	"	for (uint32_t t = 0; t < 2; t++) {\n"
	"		tile_regs_acquire();\n"
	"		transpose_wh_tile(0, t, 1);\n"
	"		tile_regs_commit();\n"
	"		tile_regs_wait();\n"
	"		pack_tile(1, 16);\n"
	"		tile_regs_release();\n"
	"	}\n"
	"	cb_push_back(16, 2);\n"
	"}\n";

static void test_transpose(void **state)
{
	static const enum tt_format fmts[] = { TT_FORMAT_FLOAT32, TT_FORMAT_FLOAT16_B,
					       TT_FORMAT_BFP8_B };
	static float x[2048], held[2048], got[2048];
	struct tt_kernel_config cfg = { .fp32_dest_acc = true };
	uint32_t seed = 3, r, c, t;
	unsigned f;

	(void)state;
	for (f = 0; f < 3; f++) {
		struct tile_io in = { fmts[f], 2, NULL }, out = { TT_FORMAT_FLOAT32, 2, malloc(8192) };

		random_floats(x, 2048, -5, 5, &seed);
		in.data = to_tiles(x, 32, 64, fmts[f], held);
		CHECK(run_tiles(dev, transpose_kernel, &cfg, &in, 1, &out));
		CHECK(tt_untilize(out.data, TT_FORMAT_FLOAT32, 32, 64, got, TT_FORMAT_FLOAT32));
		for (t = 0; t < 2; t++)
			for (r = 0; r < 32; r++)
				for (c = 0; c < 32; c++)
					if (got[r * 64 + t * 32 + c] != held[c * 64 + t * 32 + r])
						fail_msg("format %d, tile %u: (%u, %u) is %g, expected %g",
							 fmts[f], t, r, c, got[r * 64 + t * 32 + c],
							 held[c * 64 + t * 32 + r]);
		free(in.data), free(out.data);
	}
}

#define BLOCK 3		/* tiles across */
#define NBLK 2		/* blocks of 32 rows */

static const char tilize_kernel[] =
	"#include <ttuser/kernel/compute.h>\n"
	"void kernel_main(void)\n"
	"{\n"
	"	tilize_init(0, 3, 16);\n"
	"	for (uint32_t b = 0; b < 2; b++) {\n"
	"		cb_wait_front(0, 3);\n"
	"		cb_reserve_back(16, 3);\n"
	"		tilize_block(0, 3, 16);\n"
	"		cb_push_back(16, 3);\n"
	"		cb_pop_front(0, 3);\n"
	"	}\n"
	"	tilize_uninit(0, 16);\n"
	"}\n";

static const char untilize_kernel[] =
	"#include <ttuser/kernel/compute.h>\n"
	"void kernel_main(void)\n"
	"{\n"
	"	untilize_init(0, 16);\n"
	"	for (uint32_t b = 0; b < 2; b++) {\n"
	"		cb_wait_front(0, 3);\n"
	"		cb_reserve_back(16, 3);\n"
	"		untilize_block(0, 3, 16);\n"
	"		cb_push_back(16, 3);\n"
	"		cb_pop_front(0, 3);\n"
	"	}\n"
	"	untilize_uninit(0);\n"
	"}\n";

static void test_tilize_untilize_blocks(void **state)
{
	static const enum tt_format fmts[] = { TT_FORMAT_FLOAT32, TT_FORMAT_FLOAT16_B };
	uint32_t rows = 32 * NBLK, cols = 32 * BLOCK, n = NBLK * BLOCK, seed = 8;
	static float x[32 * NBLK * 32 * BLOCK];
	unsigned f;

	(void)state;
	random_floats(x, rows * cols, -100, 100, &seed);
	for (f = 0; f < 2; f++) {
		size_t esz = fmts[f] == TT_FORMAT_FLOAT32 ? 4 : 2, size = (size_t)rows * cols * esz;
		struct tt_kernel_config cfg = { .fp32_dest_acc = fmts[f] == TT_FORMAT_FLOAT32 };
		uint8_t *rm = malloc(size), *tiles = malloc(size), *back = malloc(size);
		struct tile_io in = { fmts[f], n, rm }, out = { fmts[f], n, back };
		void *conv;

		assert_true(size == n * tt_tile_size(fmts[f]));
		/* The row-major matrix in the format, and its tiles as the host makes them. */
		conv = to_tiles(x, rows, cols, fmts[f], NULL);
		CHECK(tt_untilize(conv, fmts[f], rows, cols, rm, fmts[f]));
		free(conv);
		CHECK(tt_tilize(rm, fmts[f], rows, cols, tiles, fmts[f]));
		CHECK(run_tiles(dev, tilize_kernel, &cfg, &in, 1, &out));
		if (memcmp(back, tiles, size))
			fail_msg("tilize_block, format %d: tiles differ from tt_tilize", fmts[f]);
		in.data = tiles;
		memset(back, 0, size);
		CHECK(run_tiles(dev, untilize_kernel, &cfg, &in, 1, &out));
		if (memcmp(back, rm, size))
			fail_msg("untilize_block, format %d: rows differ from the matrix", fmts[f]);
		free(rm), free(tiles), free(back);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transpose),
		cmocka_unit_test(test_tilize_untilize_blocks),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
