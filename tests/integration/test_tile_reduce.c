// SPDX-License-Identifier: MIT
/*
 * reduce_tile on the model against float64 references: sum, average and
 * max along rows, columns and the whole tile, accumulated over several
 * tiles in one DST tile, with a scaler tile filled as tt-metal kernels
 * fill it (the first row of each face).
 */
#include "tile_harness.h"

TILE_FIXTURE("sim:grid=2x2,dram_banks=2,dram_mib=16")

#define NT 3	/* tiles reduced into one */

static const char reduce_kernel[] =
	"#include <ttuser/kernel/compute.h>\n"
	"void kernel_main(void)\n"
	"{\n"
	"	reduce_init(0, 1, 16);\n"
	"	cb_wait_front(0, 3);\n"
	"	cb_wait_front(1, 1);\n"
	"	cb_reserve_back(16, 1);\n"
	"	tile_regs_acquire();\n"
	"	for (uint32_t t = 0; t < 3; t++)\n"
	"		reduce_tile(0, 1, t, 0, 6);\n"
	"	tile_regs_commit();\n"
	"	tile_regs_wait();\n"
	"	pack_tile(6, 16);\n"
	"	tile_regs_release();\n"
	"	reduce_uninit();\n"
	"	cb_push_back(16, 1);\n"
	"}\n";

static const char *const pool_names[] = { "TT_REDUCE_SUM", "TT_REDUCE_AVG", "TT_REDUCE_MAX" };
static const char *const dim_names[] = { "TT_REDUCE_ROW", "TT_REDUCE_COL", "TT_REDUCE_SCALAR" };

/*
 * For ROW the NT tiles lie side by side (32 x 96) and each row reduces to
 * column 0; for COL they are stacked (96 x 32) and each column reduces to
 * row 0; SCALAR reduces everything to (0, 0).
 */
static void run_reduce(unsigned pool, unsigned dim, enum tt_format fmt, float lo,
		       enum tt_math_fidelity fid, uint32_t seed)
{
	static float x[NT * 1024], held[NT * 1024], sc[1024], got[1024];
	static double want[1024], tol[1024];
	uint32_t rows = dim == TT_REDUCE_COL ? 32 * NT : 32, cols = NT * 1024 / rows, r, c;
	struct tt_define d[2] = { { "REDUCE_OP", pool_names[pool] },
				  { "REDUCE_DIM", dim_names[dim] } };
	struct tt_kernel_config cfg = { .defines = d, .ndefines = 2, .math_fidelity = fid,
					.fp32_dest_acc = true };
	/* AVG: the scaler carries 1/N; otherwise an arbitrary scale. */
	float s = pool == TT_REDUCE_AVG ? 1.0f / (dim == TT_REDUCE_SCALAR ? NT * 1024 : NT * 32) :
		  0.5f;
	struct tile_io in[2], out = { TT_FORMAT_FLOAT32, 1, malloc(4096) };
	double s_held = tt_bf16_to_float(tt_float_to_bf16(s));	/* the scaler tile is bf16 */
	char what[128];
	unsigned i;

	random_floats(x, NT * 1024, lo, 3, &seed);
	memset(sc, 0, sizeof(sc));
	for (c = 0; c < 32; c++)
		sc[c] = sc[16 * 32 + c] = s;	/* rows 0 and 16: each face's first row */
	in[0] = (struct tile_io){ fmt, NT, to_tiles(x, rows, cols, fmt, held) };
	in[1] = (struct tile_io){ TT_FORMAT_FLOAT16_B, 1,
				  to_tiles(sc, 32, 32, TT_FORMAT_FLOAT16_B, NULL) };
	CHECK(run_tiles(dev, reduce_kernel, &cfg, in, 2, &out));
	CHECK(tt_untilize(out.data, TT_FORMAT_FLOAT32, 32, 32, got, TT_FORMAT_FLOAT32));
	for (i = 0; i < 1024; i++)
		want[i] = tol[i] = 0;
	for (i = 0; i < (dim == TT_REDUCE_SCALAR ? 1u : 32u); i++) {
		unsigned at = dim == TT_REDUCE_ROW ? i * 32 : i, n = 0;
		double acc = pool == TT_REDUCE_MAX ? -INFINITY : 0, mag = 0;

		for (r = 0; r < rows; r++)
			for (c = 0; c < cols; c++) {
				double v;

				if ((dim == TT_REDUCE_ROW && r != i) || (dim == TT_REDUCE_COL && c != i))
					continue;
				v = (double)held[r * cols + c] * s_held;
				acc = pool == TT_REDUCE_MAX ? fmax(acc, v) : acc + v;
				mag += fabs(v);
				n++;
			}
		want[at] = acc;
		/*
		 * Max is exact at HiFi4 (products of bf16 and an exact scaler).
		 * Sums add n products in fp32; at LoFi each product keeps 5 bits
		 * of the element (SrcA).
		 */
		tol[at] = pool == TT_REDUCE_MAX ? 0 :
			  (n * 0x1p-24 + (fid == TT_LOFI ? 0x1p-4 : 0)) * mag;
	}
	snprintf(what, sizeof(what), "reduce %s %s, format %d, fidelity %d", pool_names[pool],
		 dim_names[dim], fmt, fid);
	/* Everything but the results stays zero. */
	check_close(what, got, want, tol, 1024);
	free(in[0].data), free(in[1].data), free(out.data);
}

static void test_reduce_all(void **state)
{
	unsigned pool, dim;

	(void)state;
	for (pool = TT_REDUCE_SUM; pool <= TT_REDUCE_MAX; pool++)
		for (dim = TT_REDUCE_ROW; dim <= TT_REDUCE_SCALAR; dim++)
			run_reduce(pool, dim, TT_FORMAT_FLOAT16_B, -3, TT_HIFI4, 1 + pool * 3 + dim);
}

static void test_reduce_max_negative_and_formats(void **state)
{
	(void)state;
	/* All negative: the first reduce must not compare with DST's zero. */
	run_reduce(TT_REDUCE_MAX, TT_REDUCE_ROW, TT_FORMAT_FLOAT16_B, -9, TT_HIFI4, 21);
	run_reduce(TT_REDUCE_MAX, TT_REDUCE_SCALAR, TT_FORMAT_BFP8_B, -9, TT_HIFI4, 22);
	run_reduce(TT_REDUCE_SUM, TT_REDUCE_COL, TT_FORMAT_BFP8_B, -3, TT_HIFI4, 23);
	run_reduce(TT_REDUCE_SUM, TT_REDUCE_ROW, TT_FORMAT_FLOAT16_B, -3, TT_LOFI, 24);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reduce_all),
		cmocka_unit_test(test_reduce_max_negative_and_formats),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
