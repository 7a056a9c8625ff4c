// SPDX-License-Identifier: MIT
/*
 * add/sub/mul_tiles and their row, column and scalar broadcasts on the
 * model against float64 references, for Float32, Float16_b and Bfp8_b
 * operands and every fidelity of mul.
 */
#include "tile_harness.h"

TILE_FIXTURE("sim:grid=2x2,dram_banks=2,dram_mib=16")

#define NT 2	/* tiles of in0 and of the output: a 32 x 64 matrix */

/* OP(cb0, cb1, t0, t1, dst) with its INIT(cb0, cb1); in1 has NB tiles. */
static const char binary_kernel[] =
	"#include <ttuser/kernel/compute.h>\n"
	"void kernel_main(void)\n"
	"{\n"
	"	binary_op_init_common(0, 1, 16);\n"
	"	INIT(0, 1);\n"
	"	cb_wait_front(0, 2);\n"
	"	cb_wait_front(1, NB);\n"
	"	cb_reserve_back(16, 2);\n"
	"	for (uint32_t t = 0; t < 2; t++) {\n"
	"		tile_regs_acquire();\n"
	"		OP(0, 1, t, t % NB, 5);\n"
	"		tile_regs_commit();\n"
	"		tile_regs_wait();\n"
	"		pack_tile(5, 16);\n"
	"		tile_regs_release();\n"
	"	}\n"
	"	cb_push_back(16, 2);\n"
	"}\n";

enum op { ADD, SUB, MUL };
enum bc { NONE, ROWS, COLS, SCALAR };

static const char *const op_names[] = { "add", "sub", "mul" };
static const char *const bc_names[] = { "", "_bcast_rows", "_bcast_cols", "_bcast_scalar" };

/*
 * Relative error of a*b from the multiplier: SrcA (in0) keeps 5
 * significant bits per phase, SrcB (in1) 7; see test_tile_matmul.c.
 */
static double mul_rel_error(enum tt_math_fidelity fid)
{
	return fid == TT_LOFI ? 0x1p-4 + 0x1p-6 : fid == TT_HIFI2 ? 0x1p-6 :
	       fid == TT_HIFI3 ? 0x1p-10 : 0;
}

static void run_binary(enum op op, enum bc bc, enum tt_format fa, enum tt_format fb,
		       enum tt_math_fidelity fid, uint32_t seed)
{
	uint32_t nb = bc == NONE ? NT : 1, r, c;
	static float a[32 * 64], b[32 * 64], ah[32 * 64], bh[32 * 64], got[32 * 64];
	static double want[32 * 64], tol[32 * 64];
	char opname[64], init[64], nbs[8], what[128];
	struct tt_define d[3] = { { "OP", opname }, { "INIT", init }, { "NB", nbs } };
	struct tt_kernel_config cfg = { .defines = d, .ndefines = 3, .math_fidelity = fid,
					.fp32_dest_acc = true };
	struct tile_io in[2], out = { TT_FORMAT_FLOAT32, NT, malloc(NT * 4096) };

	snprintf(opname, sizeof(opname), "%s_tiles%s", op_names[op], bc_names[bc]);
	if (bc == NONE)
		snprintf(init, sizeof(init), "%s_tiles_init", op_names[op]);
	else
		snprintf(init, sizeof(init), "%s%s_init_short", op_names[op], bc_names[bc]);
	snprintf(nbs, sizeof(nbs), "%u", nb);
	random_floats(a, 32 * 64, -4, 4, &seed);
	random_floats(b, 32 * 64, -4, 4, &seed);
	in[0] = (struct tile_io){ fa, NT, to_tiles(a, 32, 64, fa, ah) };
	in[1] = (struct tile_io){ fb, nb, to_tiles(b, 32, 32 * nb, fb, bh) };
	CHECK(run_tiles(dev, binary_kernel, &cfg, in, 2, &out));
	CHECK(tt_untilize(out.data, TT_FORMAT_FLOAT32, 32, 64, got, TT_FORMAT_FLOAT32));
	for (r = 0; r < 32; r++)
		for (c = 0; c < 64; c++) {
			/* b's element for (r, c): b is 32 x bw, spread as the broadcast says. */
			uint32_t bw = 32 * nb;
			uint32_t br = bc == ROWS || bc == SCALAR ? 0 : r;
			uint32_t bcol = bc == COLS || bc == SCALAR ? 0 : c % bw;
			double x = ah[r * 64 + c], y = bh[br * bw + bcol], w;
			/* Float32 operands lose 13 mantissa bits in the 19-bit sources. */
			double src_err = (fa == TT_FORMAT_FLOAT32 ? 0x1p-10 * fabs(x) : 0) +
					 (fb == TT_FORMAT_FLOAT32 ? 0x1p-10 * fabs(y) : 0);

			w = op == ADD ? x + y : op == SUB ? x - y : x * y;
			want[r * 64 + c] = w;
			if (op == MUL)
				tol[r * 64 + c] = (mul_rel_error(fid) + 0x1p-23) * fabs(w) +
						  src_err * (fabs(x) + fabs(y));
			else
				tol[r * 64 + c] = 0x1p-24 * fabs(w) + src_err;
		}
	snprintf(what, sizeof(what), "%s, formats %d and %d, fidelity %d", opname, fa, fb, fid);
	check_close(what, got, want, tol, 32 * 64);
	free(in[0].data), free(in[1].data), free(out.data);
}

static void test_eltwise(void **state)
{
	static const enum tt_format fmts[] = { TT_FORMAT_FLOAT32, TT_FORMAT_FLOAT16_B,
					       TT_FORMAT_BFP8_B };
	unsigned op, i, j;

	(void)state;
	for (op = ADD; op <= MUL; op++)
		for (i = 0; i < 3; i++)
			for (j = 0; j < 3; j++)
				run_binary((enum op)op, NONE, fmts[i], fmts[j], TT_HIFI4,
					   op * 9 + i * 3 + j + 1);
}

static void test_mul_fidelities(void **state)
{
	static const enum tt_math_fidelity fids[] = { TT_LOFI, TT_HIFI2, TT_HIFI3 };
	unsigned f;

	(void)state;
	for (f = 0; f < 3; f++)
		run_binary(MUL, NONE, TT_FORMAT_FLOAT16_B, TT_FORMAT_FLOAT16_B, fids[f], 40 + f);
}

static void test_broadcasts(void **state)
{
	unsigned op, bc;

	(void)state;
	for (op = ADD; op <= MUL; op++)
		for (bc = ROWS; bc <= SCALAR; bc++)
			run_binary((enum op)op, (enum bc)bc, TT_FORMAT_FLOAT16_B,
				   bc == COLS ? TT_FORMAT_BFP8_B : TT_FORMAT_FLOAT16_B, TT_HIFI4,
				   60 + op * 4 + bc);
}

/*
 * add/sub_tiles_init(cb0, cb1, true): the result is added to what DST
 * holds (here a tile copied from CB 2); with false, or after another
 * init, it replaces it.
 */
static const char acc_kernel[] =
	"#include <ttuser/kernel/compute.h>\n"
	"void kernel_main(void)\n"
	"{\n"
	"	binary_op_init_common(0, 1, 16);\n"
	"	cb_wait_front(0, 1);\n"
	"	cb_wait_front(1, 1);\n"
	"	cb_wait_front(2, 1);\n"
	"	cb_reserve_back(16, 2);\n"
	"	for (uint32_t i = 0; i < 2; i++) {\n"
	"		tile_regs_acquire();\n"
	"		copy_tile_init(2);\n"
	"		copy_tile(2, 0, 3);\n"
	"		OP_INIT(0, 1, i == 0);\n"
	"		OP(0, 1, 0, 0, 3);\n"
	"		tile_regs_commit();\n"
	"		tile_regs_wait();\n"
	"		pack_tile(3, 16);\n"
	"		tile_regs_release();\n"
	"	}\n"
	"	cb_push_back(16, 2);\n"
	"}\n";

static void test_acc_to_dest(void **state)
{
	static const char *const ops[] = { "add_tiles", "sub_tiles" };
	static float a[1024], b[1024], z[1024], ah[1024], bh[1024], zh[1024], got[2048];
	static double want[2048], tol[2048];
	uint32_t seed = 70;
	unsigned o, i;

	(void)state;
	random_floats(a, 1024, -4, 4, &seed);
	random_floats(b, 1024, -4, 4, &seed);
	random_floats(z, 1024, -50, 50, &seed);
	for (o = 0; o < 2; o++) {
		char init[32];
		struct tt_define d[2] = { { "OP", ops[o] }, { "OP_INIT", init } };
		struct tt_kernel_config cfg = { .defines = d, .ndefines = 2, .fp32_dest_acc = true };
		struct tile_io in[3] = {
			{ TT_FORMAT_FLOAT16_B, 1, to_tiles(a, 32, 32, TT_FORMAT_FLOAT16_B, ah) },
			{ TT_FORMAT_FLOAT16_B, 1, to_tiles(b, 32, 32, TT_FORMAT_FLOAT16_B, bh) },
			{ TT_FORMAT_FLOAT32, 1, to_tiles(z, 32, 32, TT_FORMAT_FLOAT32, zh) },
		};
		struct tile_io out = { TT_FORMAT_FLOAT32, 2, malloc(8192) };

		snprintf(init, sizeof(init), "%s_init", ops[o]);
		CHECK(run_tiles(dev, acc_kernel, &cfg, in, 3, &out));
		CHECK(tt_untilize(out.data, TT_FORMAT_FLOAT32, 64, 32, got, TT_FORMAT_FLOAT32));
		for (i = 0; i < 1024; i++) {
			double r = o == 0 ? (double)ah[i] + bh[i] : (double)ah[i] - bh[i];

			/* a op b rounds once to fp32, adding DST once more. */
			want[i] = zh[i] + r;
			tol[i] = 0x1p-24 * (fabs(r) + fabs(want[i]));
			want[1024 + i] = r;
			tol[1024 + i] = 0x1p-24 * fabs(r);
		}
		check_close(ops[o], got, want, tol, 2048);
		free(in[0].data), free(in[1].data), free(in[2].data), free(out.data);
	}
}

/* x cut to the 10 mantissa bits of a source register (x is not tiny here). */
static float source_value(float x)
{
	return test_bitsf(test_fbits(x) & 0xffffe000u);
}

/*
 * Every acquire hands math zeros, whatever DST held before: a tile packed
 * untouched, one an SFPU op reads, one add_tiles writes, one copy_tile
 * overwrites and one acc_to_dest adds onto, each last written in the
 * acquire before.
 */
static void test_dst_zero_after_acquire(void **state)
{
	static const char kernel[] =
		"#include <ttuser/kernel/compute.h>\n"
		"void kernel_main(void)\n"
		"{\n"
		"	uint32_t t;\n"
		"	binary_op_init_common(0, 1, 16);\n"
		"	cb_wait_front(0, 1);\n"
		"	cb_wait_front(1, 1);\n"
		"	cb_reserve_back(16, 5);\n"
		"	tile_regs_acquire();\n"
		"	for (t = 0; t < 5; t++)\n"
		"		copy_tile(1, 0, t);\n"
		"	tile_regs_commit();\n"
		"	tile_regs_wait();\n"
		"	tile_regs_release();\n"
		"	tile_regs_acquire();\n"
		"	add_unary_tile(1, tt_float_bits(1.5f));\n"
		"	add_tiles(0, 1, 0, 0, 2);\n"
		"	copy_tile(0, 0, 3);\n"
		"	tt_binary_tiles_ex(TT_BINARY_ADD, 0, 1, 0, 0, 4, TT_BINARY_ACC_TO_DEST);\n"
		"	tile_regs_commit();\n"
		"	tile_regs_wait();\n"
		"	for (t = 0; t < 5; t++)\n"
		"		pack_tile(t, 16);\n"
		"	tile_regs_release();\n"
		"	cb_push_back(16, 5);\n"
		"}\n";
	static float a[1024], b[1024], ah[1024], bh[1024], got[5 * 1024];
	static double want[5 * 1024], tol[5 * 1024];
	struct tt_kernel_config cfg = { .fp32_dest_acc = true };
	uint32_t seed = 71;
	unsigned i;

	(void)state;
	random_floats(a, 1024, -4, 4, &seed);
	random_floats(b, 1024, -4, 4, &seed);
	{
		struct tile_io in[2] = {
			{ TT_FORMAT_FLOAT32, 1, to_tiles(a, 32, 32, TT_FORMAT_FLOAT32, ah) },
			{ TT_FORMAT_FLOAT32, 1, to_tiles(b, 32, 32, TT_FORMAT_FLOAT32, bh) },
		};
		struct tile_io out = { TT_FORMAT_FLOAT32, 5, malloc(5 * 4096) };

		CHECK(run_tiles(dev, kernel, &cfg, in, 2, &out));
		CHECK(tt_untilize(out.data, TT_FORMAT_FLOAT32, 5 * 32, 32, got,
				  TT_FORMAT_FLOAT32));
		free(in[0].data), free(in[1].data), free(out.data);
	}
	for (i = 0; i < 1024; i++) {
		/* add_tiles reads through the source registers: 10 mantissa bits. */
		double sum = (double)source_value(ah[i]) + source_value(bh[i]);

		want[i] = 0;
		want[1024 + i] = 1.5;
		want[2048 + i] = sum;
		want[3072 + i] = ah[i];
		want[4096 + i] = sum;
		tol[i] = tol[1024 + i] = tol[3072 + i] = 0;
		tol[2048 + i] = tol[4096 + i] = 0x1p-24 * fabs(sum);
	}
	check_close("DST after acquire", got, want, tol, 5 * 1024);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eltwise),
		cmocka_unit_test(test_mul_fidelities),
		cmocka_unit_test(test_broadcasts),
		cmocka_unit_test(test_acc_to_dest),
		cmocka_unit_test(test_dst_zero_after_acquire),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
