// SPDX-License-Identifier: MIT
/*
 * Bad use of the tile engine: wrong data formats, CBs whose pages are not
 * tiles, tiles that were not waited for, DST tiles out of range, unknown
 * ops and modes. Each becomes a device error naming the call and the
 * cause, never a hang, and the device keeps working.
 */
#include "tile_harness.h"

TILE_FIXTURE("sim:grid=2x2,dram_banks=2,dram_mib=16,watchdog_ms=5000")

#define KERNEL(body)                                                                   \
	"#include <ttuser/kernel/compute.h>\n"                                         \
	"void kernel_main(void)\n"                                                     \
	"{\n"                                                                          \
	"	cb_wait_front(0, 2);\n"                                                \
	"	cb_wait_front(1, 1);\n"                                                \
	"	cb_reserve_back(16, 1);\n"                                             \
	"	tile_regs_acquire();\n"                                                \
	body                                                                           \
	"	tile_regs_commit();\n"                                                 \
	"	tile_regs_wait();\n"                                                   \
	"	pack_tile(0, 16);\n"                                                   \
	"	tile_regs_release();\n"                                                \
	"	cb_push_back(16, 1);\n"                                                \
	"}\n"

struct bad {
	const char *src;
	enum tt_format in0, in1, out;
	bool fp32;
	const char *text1, *text2;
};

static const struct bad cases[] = {
	/* DST out of range: 8 tiles in fp32 mode, 16 otherwise. */
	{ KERNEL("matmul_tiles(0, 1, 0, 0, 8);"), TT_FORMAT_FLOAT16_B, TT_FORMAT_FLOAT16_B,
	  TT_FORMAT_FLOAT16_B, true, "matmul_tiles: DST tile 8", "holds 8 tiles in fp32 mode" },
	{ KERNEL("relu_tile(16);"), TT_FORMAT_FLOAT16_B, TT_FORMAT_FLOAT16_B,
	  TT_FORMAT_FLOAT16_B, false, "relu_tile: DST tile 16", "holds 16 tiles" },
	{ KERNEL("add_binary_tile(0, 8);"), TT_FORMAT_FLOAT32, TT_FORMAT_FLOAT32,
	  TT_FORMAT_FLOAT32, true, "add_binary_tile: DST tile 8", "holds 8 tiles in fp32 mode" },
	{ KERNEL("binary_max_tile(0, 1, 16);"), TT_FORMAT_FLOAT16_B, TT_FORMAT_FLOAT16_B,
	  TT_FORMAT_FLOAT16_B, false, "binary_max_tile: DST tile 16", "holds 16 tiles" },
	/* Formats the FPU or DST cannot take. */
	{ KERNEL("matmul_tiles(0, 1, 0, 0, 0);"), TT_FORMAT_INT32, TT_FORMAT_FLOAT16_B,
	  TT_FORMAT_FLOAT16_B, true, "matmul_tiles: cb 0 holds Int32 data",
	  "FPU takes Float32, Float16_b or Bfp8_b" },
	{ KERNEL("add_tiles(0, 1, 0, 0, 0);"), TT_FORMAT_FLOAT32, TT_FORMAT_UINT32,
	  TT_FORMAT_FLOAT32, true, "add_tiles: cb 1 holds UInt32 data", "FPU takes" },
	{ KERNEL("copy_tile(0, 1, 0);"), TT_FORMAT_INT32, TT_FORMAT_FLOAT16_B,
	  TT_FORMAT_INT32, false, "copy_tile: cb 0 holds Int32 data",
	  "needs 32-bit DST (fp32_dest_acc)" },
	{ KERNEL("typecast_tile(0, TT_FORMAT_FLOAT32, TT_FORMAT_INT32);"), TT_FORMAT_FLOAT32,
	  TT_FORMAT_FLOAT32, TT_FORMAT_FLOAT32, false, "typecast_tile",
	  "needs 32-bit DST" },
	{ KERNEL("typecast_tile(0, TT_FORMAT_FLOAT32, 3);"), TT_FORMAT_FLOAT32,
	  TT_FORMAT_FLOAT32, TT_FORMAT_FLOAT32, true, "typecast_tile", "unknown data format" },
	{ KERNEL("tt_unpack(0, 0, 0, TT_UNPACK_TILIZE, 2);"), TT_FORMAT_BFP8_B,
	  TT_FORMAT_FLOAT16_B, TT_FORMAT_FLOAT16_B, true, "tilize_block: cb 0 is Bfp8_b",
	  "no row-major form" },
	/* Tiles and blocks that are not there. */
	{ KERNEL("matmul_tiles(0, 1, 0, 1, 0);"), TT_FORMAT_FLOAT16_B, TT_FORMAT_FLOAT16_B,
	  TT_FORMAT_FLOAT16_B, true, "matmul_tiles: tile 1 of cb 1",
	  "only 1 waited for with cb_wait_front" },
	{ KERNEL("tt_unpack(0, 0, 0, TT_UNPACK_TILIZE, 3);"), TT_FORMAT_FLOAT16_B,
	  TT_FORMAT_FLOAT16_B, TT_FORMAT_FLOAT16_B, true, "tilize_block: pages up to 2 of cb 0",
	  "only 2 waited for" },
	{ KERNEL("tt_unpack(0, 2, 0, TT_UNPACK_TILIZE, 2);"), TT_FORMAT_FLOAT16_B,
	  TT_FORMAT_FLOAT16_B, TT_FORMAT_FLOAT16_B, true, "tilize_block: tile 2",
	  "block of 2 tiles" },
	{ KERNEL("reduce_tile(0, 7, 0, 0, 0);"), TT_FORMAT_FLOAT16_B, TT_FORMAT_FLOAT16_B,
	  TT_FORMAT_FLOAT16_B, true, "reduce_tile: cb 7", "not configured" },
	/* Unknown ops and modes. */
	{ KERNEL("tt_binary_tiles_ex(TT_BINARY_ADD, 0, 1, 0, 0, 0, 9);"), TT_FORMAT_FLOAT16_B,
	  TT_FORMAT_FLOAT16_B, TT_FORMAT_FLOAT16_B, true, "add_tiles", "unknown broadcast 9" },
	{ KERNEL("tt_binary_tiles_ex(TT_BINARY_MATMUL, 0, 1, 0, 0, 0, 2);"),
	  TT_FORMAT_FLOAT16_B, TT_FORMAT_FLOAT16_B, TT_FORMAT_FLOAT16_B, true, "matmul_tiles",
	  "transpose is 2" },
	{ KERNEL("tt_reduce_tile(5, TT_REDUCE_ROW, 0, 1, 0, 0, 0);"), TT_FORMAT_FLOAT16_B,
	  TT_FORMAT_FLOAT16_B, TT_FORMAT_FLOAT16_B, true, "reduce_tile", "unknown pool 5" },
	{ KERNEL("tt_binary_tiles_ex(11, 0, 1, 0, 0, 0, 0);"), TT_FORMAT_FLOAT16_B,
	  TT_FORMAT_FLOAT16_B, TT_FORMAT_FLOAT16_B, true, "unknown binary tile op 11", "" },
	{ KERNEL("tt_unary_tile(99, 0, 0, 0);"), TT_FORMAT_FLOAT16_B, TT_FORMAT_FLOAT16_B,
	  TT_FORMAT_FLOAT16_B, true, "unknown unary tile op 99", "" },
	{ KERNEL("tt_sfpu_binary_tile(5, 0, 1, 0);"), TT_FORMAT_FLOAT32, TT_FORMAT_FLOAT32,
	  TT_FORMAT_FLOAT32, true, "unknown SFPU binary op 5", "" },
	{ KERNEL("mantissa_rest_tile(0, 24);"), TT_FORMAT_FLOAT32, TT_FORMAT_FLOAT32,
	  TT_FORMAT_FLOAT32, true, "mantissa_rest_tile", "0 to 23 mantissa bits" },
	{ KERNEL("tt_unpack(0, 0, 0, 7, 0);"), TT_FORMAT_FLOAT16_B, TT_FORMAT_FLOAT16_B,
	  TT_FORMAT_FLOAT16_B, true, "unknown unpack mode 7", "" },
	/* Math outside acquire/commit. */
	{ KERNEL("tile_regs_commit(); matmul_tiles(0, 1, 0, 0, 0);"), TT_FORMAT_FLOAT16_B,
	  TT_FORMAT_FLOAT16_B, TT_FORMAT_FLOAT16_B, true,
	  "matmul_tiles while DST is committed", "needs: acquired by math" },
	{ KERNEL("tile_regs_commit(); sub_binary_tile(0, 1);"), TT_FORMAT_FLOAT32,
	  TT_FORMAT_FLOAT32, TT_FORMAT_FLOAT32, true,
	  "sub_binary_tile while DST is committed", "needs: acquired by math" },
};

static void test_bad_use(void **state)
{
	static uint8_t data[2 * 4096], outbuf[4096];
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad *b = &cases[i];
		struct tt_kernel_config cfg = { .fp32_dest_acc = b->fp32 };
		struct tile_io in[2] = { { b->in0, 2, data }, { b->in1, 1, data } };
		struct tile_io out = { b->out, 1, outbuf };
		int ret = run_tiles(dev, b->src, &cfg, in, 2, &out);

		if (ret != -EFAULT)
			fail_msg("case %u: expected -EFAULT, got %d: %s", i, ret, tt_last_error());
		if (!strstr(tt_last_error(), b->text1) || !strstr(tt_last_error(), b->text2))
			fail_msg("case %u: message '%s' lacks '%s' or '%s'", i, tt_last_error(),
				 b->text1, b->text2);
		assert_non_null(strstr(tt_last_error(), "core (0,0) compute"));
	}
}

/* A CB whose pages are not tiles of its format: Bfp8_b pages of 1024 bytes. */
static void test_cb_page_not_a_tile(void **state)
{
	static const char src[] =
		"#include <ttuser/kernel/compute.h>\n"
		"void kernel_main(void)\n"
		"{\n"
		"	cb_reserve_back(0, 1);\n"
		"	cb_push_back(0, 1);\n"
		"	cb_wait_front(0, 1);\n"
		"	tile_regs_acquire();\n"
		"	copy_tile(0, 0, 0);\n"
		"	tile_regs_commit();\n"
		"	tile_regs_wait();\n"
		"	tile_regs_release();\n"
		"}\n";
	struct tt_kernel_config cfg = { .role = TT_ROLE_COMPUTE };
	/* A Bfp8_b page that is not a whole tile is refused earlier, by tt_cb_create. */
	struct tt_cb_config cb = { .index = 0, .format = TT_FORMAT_FLOAT16_B, .page_size = 1024,
				   .num_pages = 2 };
	struct tt_program *prog;

	(void)state;
	CHECK(tt_program_create(dev, &prog));
	CHECK(tt_kernel_create_from_string(prog, src, TT_CORES(1, 1, 1, 1), &cfg));
	CHECK(tt_cb_create(prog, TT_CORES(1, 1, 1, 1), &cb));
	CHECK_FAILS(tt_cq_enqueue_program(tt_device_cq(dev, 0), prog, true), -EFAULT,
		    "copy_tile: cb 0 pages are 1024 bytes, a tile of its format is 2048");
	tt_program_destroy(prog);
}

/* After all that, the same device computes correctly. */
static void test_device_still_works(void **state)
{
	static const char src[] =
		"#include <ttuser/kernel/compute.h>\n"
		"void kernel_main(void)\n"
		"{\n"
		"	mm_init(0, 1, 16);\n"
		"	cb_wait_front(0, 1);\n"
		"	cb_wait_front(1, 1);\n"
		"	cb_reserve_back(16, 1);\n"
		"	tile_regs_acquire();\n"
		"	matmul_tiles(0, 1, 0, 0, 0);\n"
		"	tile_regs_commit();\n"
		"	tile_regs_wait();\n"
		"	pack_tile(0, 16);\n"
		"	tile_regs_release();\n"
		"	cb_push_back(16, 1);\n"
		"}\n";
	static float a[1024], id[1024], got[1024];
	struct tt_kernel_config cfg = { .math_fidelity = TT_HIFI4, .fp32_dest_acc = true };
	struct tile_io in[2], out = { TT_FORMAT_FLOAT32, 1, malloc(4096) };
	uint32_t seed = 4;
	unsigned i;

	(void)state;
	random_floats(a, 1024, -1, 1, &seed);
	for (i = 0; i < 32; i++)
		id[i * 33] = 1;
	in[0] = (struct tile_io){ TT_FORMAT_FLOAT16_B, 1, to_tiles(a, 32, 32, TT_FORMAT_FLOAT16_B, a) };
	in[1] = (struct tile_io){ TT_FORMAT_FLOAT16_B, 1, to_tiles(id, 32, 32, TT_FORMAT_FLOAT16_B, NULL) };
	CHECK(run_tiles(dev, src, &cfg, in, 2, &out));
	CHECK(tt_untilize(out.data, TT_FORMAT_FLOAT32, 32, 32, got, TT_FORMAT_FLOAT32));
	/* A times the identity is A, exactly. */
	assert_memory_equal(got, a, sizeof(a));
	free(in[0].data), free(in[1].data), free(out.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_use),
		cmocka_unit_test(test_cb_page_not_a_tile),
		cmocka_unit_test(test_device_still_works),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
