// SPDX-License-Identifier: MIT
/*
 * matmul_tiles on the model against a float64 reference: every fidelity,
 * both DST modes, transpose, Float32/Float16_b operands, K-accumulation
 * over several tiles, and the known products of each fidelity phase.
 */
#include "tile_harness.h"

TILE_FIXTURE("sim:grid=2x2,dram_banks=2,dram_mib=16")

/* C (MT x NT tiles) = A (MT x KT) x B (KT x NT), B's tiles transposed if TRANSPOSE. */
static const char mm_kernel[] =
	"#include <ttuser/kernel/compute.h>\n"
	"void kernel_main(void)\n"
	"{\n"
	"	mm_init(0, 1, 16, TRANSPOSE);\n"
	"	cb_wait_front(0, MT * KT);\n"
	"	cb_wait_front(1, KT * NT);\n"
	"	cb_reserve_back(16, MT * NT);\n"
	"	for (uint32_t m = 0; m < MT; m++)\n"
	"		for (uint32_t n = 0; n < NT; n++) {\n"
	"			tile_regs_acquire();\n"
	"			for (uint32_t k = 0; k < KT; k++)\n"
	"				matmul_tiles(0, 1, m * KT + k, k * NT + n, DST, TRANSPOSE);\n"
	"			tile_regs_commit();\n"
	"			tile_regs_wait();\n"
	"			pack_tile(DST, 16, m * NT + n);\n"
	"			tile_regs_release();\n"
	"		}\n"
	"	cb_push_back(16, MT * NT);\n"
	"	cb_pop_front(0, MT * KT);\n"
	"	cb_pop_front(1, KT * NT);\n"
	"}\n";

struct mm_case {
	uint32_t mt, kt, nt;
	enum tt_format in_fmt, out_fmt;
	enum tt_math_fidelity fid;
	bool fp32_dest, transpose;
	uint32_t dst;
};

/*
 * Relative error of one product a*b against the exact product of the
 * values in the CB, from what the multiplier drops: SrcA (in1) keeps 5
 * significant bits per phase, SrcB (in0) 7. LoFi drops both remainders,
 * HiFi2 in0's, HiFi3 only the product of the two remainders, HiFi4
 * nothing. Float32 operands lose 13 mantissa bits to the 19-bit source
 * registers on top.
 */
static double product_rel_error(enum tt_math_fidelity fid, enum tt_format in_fmt)
{
	double e = fid == TT_LOFI ? 0x1p-4 + 0x1p-6 : fid == TT_HIFI2 ? 0x1p-6 :
		   fid == TT_HIFI3 ? 0x1p-10 : 0;

	if (in_fmt == TT_FORMAT_FLOAT32)
		e += 2 * 0x1p-10;
	return e;
}

static unsigned phases(enum tt_math_fidelity fid)
{
	return fid == TT_LOFI ? 1 : (unsigned)fid;
}

/* Runs one case; returns the largest error relative to sum |a||b| of an output. */
static double run_mm(const struct mm_case *mc, uint32_t seed)
{
	uint32_t M = 32 * mc->mt, K = 32 * mc->kt, N = 32 * mc->nt, i, j, k;
	size_t na = (size_t)M * K, nb = (size_t)K * N, nc = (size_t)M * N;
	float *a = malloc(na * 4), *b = malloc(nb * 4), *ah = malloc(na * 4), *bh = malloc(nb * 4);
	float *c = malloc(nc * 4);
	double *want = malloc(nc * 8), *tol = malloc(nc * 8), worst = 0;
	char defs[4][16], what[160];
	struct tt_define d[5] = {
		{ "MT", defs[0] }, { "KT", defs[1] }, { "NT", defs[2] }, { "DST", defs[3] },
		{ "TRANSPOSE", mc->transpose ? "1" : "0" },
	};
	struct tt_kernel_config cfg = { .defines = d, .ndefines = 5, .math_fidelity = mc->fid,
					.fp32_dest_acc = mc->fp32_dest };
	struct tile_io in[2], out;
	/*
	 * Fp32 accumulation over K products per phase; a 16-bit DST rounds to
	 * bf16 (half an ulp: 2^-8 relative) after each tile of K, a bf16
	 * output once more.
	 */
	double acc_err = K * phases(mc->fid) * 0x1p-24 * 1.5 + (mc->fp32_dest ? 0 : mc->kt * 0x1p-8);
	double out_err = mc->out_fmt == TT_FORMAT_FLOAT32 ? 0 : 0x1p-8;
	double prod_err = product_rel_error(mc->fid, mc->in_fmt);

	snprintf(defs[0], 16, "%u", mc->mt);
	snprintf(defs[1], 16, "%u", mc->kt);
	snprintf(defs[2], 16, "%u", mc->nt);
	snprintf(defs[3], 16, "%u", mc->dst);
	random_floats(a, na, -2, 2, &seed);
	random_floats(b, nb, -2, 2, &seed);
	/* B as given is K x N; with transpose the kernel gets B^T's tiles in B's places. */
	if (mc->transpose) {
		float *bt = malloc(nb * 4);

		for (k = 0; k < K; k++)
			for (j = 0; j < N; j++)
				bt[(size_t)k * N + j] = b[(size_t)k * N + j];
		/* Tile (k, n) of the input holds tile (k, n) of B, transposed within. */
		for (k = 0; k < K; k++)
			for (j = 0; j < N; j++) {
				uint32_t tk = k / 32, tn = j / 32, r = k % 32, q = j % 32;

				b[(size_t)(tk * 32 + q) * N + tn * 32 + r] = bt[(size_t)k * N + j];
			}
		free(bt);
	}
	in[0] = (struct tile_io){ mc->in_fmt, mc->mt * mc->kt, to_tiles(a, M, K, mc->in_fmt, ah) };
	in[1] = (struct tile_io){ mc->in_fmt, mc->kt * mc->nt, to_tiles(b, K, N, mc->in_fmt, bh) };
	if (mc->transpose) {
		/* Undo the in-tile transpose for the reference. */
		float *bt = malloc(nb * 4);

		memcpy(bt, bh, nb * 4);
		for (k = 0; k < K; k++)
			for (j = 0; j < N; j++) {
				uint32_t tk = k / 32, tn = j / 32, r = k % 32, q = j % 32;

				bh[(size_t)k * N + j] = bt[(size_t)(tk * 32 + q) * N + tn * 32 + r];
			}
		free(bt);
	}
	out = (struct tile_io){ mc->out_fmt, mc->mt * mc->nt,
				malloc(tt_tilized_size(M, N, mc->out_fmt)) };
	CHECK(run_tiles(dev, mm_kernel, &cfg, in, 2, &out));
	CHECK(tt_untilize(out.data, mc->out_fmt, M, N, c, TT_FORMAT_FLOAT32));
	for (i = 0; i < M; i++)
		for (j = 0; j < N; j++) {
			double s = 0, mag = 0;

			for (k = 0; k < K; k++) {
				double p = (double)ah[(size_t)i * K + k] * bh[(size_t)k * N + j];

				s += p;
				mag += fabs(p);
			}
			want[(size_t)i * N + j] = s;
			tol[(size_t)i * N + j] = (prod_err + acc_err) * mag + out_err * fabs(s) +
						 1e-30;
		}
	snprintf(what, sizeof(what), "matmul %ux%ux%u tiles, format %d -> %d, fidelity %d, %s DST%s",
		 mc->mt, mc->kt, mc->nt, mc->in_fmt, mc->out_fmt, mc->fid,
		 mc->fp32_dest ? "fp32" : "16-bit", mc->transpose ? ", transposed" : "");
	check_close(what, c, want, tol, nc);
	for (i = 0; i < nc; i++) {
		double mag = 0;

		for (k = 0; k < K; k++)
			mag += fabs((double)ah[(i / N) * K + k] * bh[(size_t)k * N + i % N]);
		worst = fmax(worst, fabs(c[i] - want[i]) / mag);
	}
	free(a), free(b), free(ah), free(bh), free(c), free(want), free(tol);
	free(in[0].data), free(in[1].data), free(out.data);
	return worst;
}

static void test_matmul_fidelities(void **state)
{
	static const enum tt_math_fidelity fids[] = { TT_LOFI, TT_HIFI2, TT_HIFI3, TT_HIFI4 };
	double err[4];
	unsigned f;

	(void)state;
	for (f = 0; f < 4; f++) {
		struct mm_case mc = { 2, 3, 2, TT_FORMAT_FLOAT16_B, TT_FORMAT_FLOAT32, fids[f],
				      true, false, 7 };

		err[f] = run_mm(&mc, 11 + f);
	}
	/* More phases, smaller error: each phase adds lower bits. */
	assert_true(err[0] > 4 * err[1]);
	assert_true(err[1] > 4 * err[2]);
	assert_true(err[2] > 4 * err[3]);
}

static void test_matmul_formats_and_modes(void **state)
{
	static const struct mm_case cases[] = {
		/* 16-bit DST: 16 tiles, the last one used; bf16 out. */
		{ 1, 2, 2, TT_FORMAT_FLOAT16_B, TT_FORMAT_FLOAT16_B, TT_HIFI4, false, false, 15 },
		{ 2, 2, 1, TT_FORMAT_FLOAT16_B, TT_FORMAT_FLOAT16_B, TT_LOFI, false, false, 0 },
		/* Float32 operands through 19-bit sources. */
		{ 2, 2, 2, TT_FORMAT_FLOAT32, TT_FORMAT_FLOAT32, TT_HIFI4, true, false, 3 },
		{ 1, 1, 1, TT_FORMAT_FLOAT32, TT_FORMAT_FLOAT32, TT_HIFI2, true, false, 0 },
		/* Transposed in1 tiles. */
		{ 2, 2, 2, TT_FORMAT_FLOAT16_B, TT_FORMAT_FLOAT32, TT_HIFI4, true, true, 1 },
		{ 1, 3, 2, TT_FORMAT_FLOAT32, TT_FORMAT_FLOAT16_B, TT_HIFI3, false, true, 9 },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_mm(&cases[i], 100 + i);
}

/*
 * One nonzero product, a = 1 + 2^-7 (in0, SrcB) and b = 1 + 2^-5 (in1,
 * SrcA): a.hi = 1 (7 bits), a.lo = 2^-7; b.hi = 1 (5 bits), b.lo = 2^-5.
 * LoFi: 1; HiFi2 adds a.hi * b.lo; HiFi3 adds a.lo * b.hi; HiFi4 adds
 * a.lo * b.lo.
 */
static void test_matmul_phase_products(void **state)
{
	static const enum tt_math_fidelity fids[] = { TT_LOFI, TT_HIFI2, TT_HIFI3, TT_HIFI4 };
	const double alo = 0x1p-7, blo = 0x1p-5;
	const double want[4] = { 1, 1 + blo, 1 + blo + alo, 1 + blo + alo + alo * blo };
	static float a[1024], b[1024], c[1024];
	struct tt_define d[5] = { { "MT", "1" }, { "KT", "1" }, { "NT", "1" }, { "DST", "0" },
				  { "TRANSPOSE", "0" } };
	unsigned f, i;

	(void)state;
	a[5 * 32 + 3] = (float)(1 + alo);	/* A[5][3] */
	b[3 * 32 + 9] = (float)(1 + blo);	/* B[3][9] */
	for (f = 0; f < 4; f++) {
		struct tt_kernel_config cfg = { .defines = d, .ndefines = 5, .math_fidelity = fids[f],
						.fp32_dest_acc = true };
		struct tile_io in[2] = {
			{ TT_FORMAT_FLOAT16_B, 1, to_tiles(a, 32, 32, TT_FORMAT_FLOAT16_B, NULL) },
			{ TT_FORMAT_FLOAT16_B, 1, to_tiles(b, 32, 32, TT_FORMAT_FLOAT16_B, NULL) },
		};
		struct tile_io out = { TT_FORMAT_FLOAT32, 1, malloc(4096) };

		CHECK(run_tiles(dev, mm_kernel, &cfg, in, 2, &out));
		CHECK(tt_untilize(out.data, TT_FORMAT_FLOAT32, 32, 32, c, TT_FORMAT_FLOAT32));
		for (i = 0; i < 1024; i++)
			if ((double)c[i] != (i == 5 * 32 + 9 ? want[f] : 0))
				fail_msg("fidelity %d: C[%u][%u] = %.9g", fids[f], i / 32, i % 32, c[i]);
		free(in[0].data), free(in[1].data), free(out.data);
	}
}

/* DST accumulates from zero after every acquire, and matmul adds onto copied data. */
static void test_matmul_accumulates_onto_dst(void **state)
{
	static const char kernel[] =
		"#include <ttuser/kernel/compute.h>\n"
		"void kernel_main(void)\n"
		"{\n"
		"	mm_init(0, 1, 16);\n"
		"	cb_wait_front(0, 1);\n"
		"	cb_wait_front(1, 1);\n"
		"	cb_wait_front(2, 1);\n"
		"	cb_reserve_back(16, 2);\n"
		"	for (uint32_t i = 0; i < 2; i++) {\n"
		"		tile_regs_acquire();\n"
		"		if (i == 0)\n"
		"			copy_tile(2, 0, 4);\n"
		"		matmul_tiles(0, 1, 0, 0, 4);\n"
		"		tile_regs_commit();\n"
		"		tile_regs_wait();\n"
		"		pack_tile(4, 16);\n"
		"		tile_regs_release();\n"
		"	}\n"
		"	cb_push_back(16, 2);\n"
		"}\n";
	static float a[1024], b[1024], z[1024], c[2048], ah[1024], bh[1024], zh[1024];
	struct tt_kernel_config cfg = { .math_fidelity = TT_HIFI4, .fp32_dest_acc = true };
	uint32_t seed = 77, i, j, k;
	struct tile_io in[3], out = { TT_FORMAT_FLOAT32, 2, malloc(8192) };
	double want[2048], tol[2048];

	(void)state;
	random_floats(a, 1024, -1, 1, &seed);
	random_floats(b, 1024, -1, 1, &seed);
	random_floats(z, 1024, -100, 100, &seed);
	in[0] = (struct tile_io){ TT_FORMAT_FLOAT16_B, 1, to_tiles(a, 32, 32, TT_FORMAT_FLOAT16_B, ah) };
	in[1] = (struct tile_io){ TT_FORMAT_FLOAT16_B, 1, to_tiles(b, 32, 32, TT_FORMAT_FLOAT16_B, bh) };
	in[2] = (struct tile_io){ TT_FORMAT_FLOAT32, 1, to_tiles(z, 32, 32, TT_FORMAT_FLOAT32, zh) };
	CHECK(run_tiles(dev, kernel, &cfg, in, 3, &out));
	CHECK(tt_untilize(out.data, TT_FORMAT_FLOAT32, 64, 32, c, TT_FORMAT_FLOAT32));
	for (i = 0; i < 32; i++)
		for (j = 0; j < 32; j++) {
			double s = 0, mag = 0;

			for (k = 0; k < 32; k++) {
				s += (double)ah[i * 32 + k] * bh[k * 32 + j];
				mag += fabs((double)ah[i * 32 + k] * bh[k * 32 + j]);
			}
			/* Tile 0: copied tile plus product; tile 1: product alone. */
			want[i * 32 + j] = zh[i * 32 + j] + s;
			want[1024 + i * 32 + j] = s;
			tol[i * 32 + j] = 130 * 0x1p-24 * (mag + fabs(zh[i * 32 + j]));
			tol[1024 + i * 32 + j] = 130 * 0x1p-24 * mag;
		}
	check_close("matmul onto DST", c, want, tol, 2048);
	free(in[0].data), free(in[1].data), free(in[2].data), free(out.data);
}

/*
 * matmul_block over a 2 x 3 block of output tiles, K = 2 tiles, gives the
 * same bits as matmul_tiles tile by tile (mm_kernel).
 */
static void test_matmul_block(void **state)
{
	static const char block_kernel[] =
		"#include <ttuser/kernel/compute.h>\n"
		"void kernel_main(void)\n"
		"{\n"
		"	mm_block_init(0, 1, 16, 0, 3, 2, 2);\n"
		"	cb_wait_front(0, 4);\n"
		"	cb_wait_front(1, 6);\n"
		"	cb_reserve_back(16, 6);\n"
		"	tile_regs_acquire();\n"
		"	for (uint32_t k = 0; k < 2; k++)\n"
		"		matmul_block(0, 1, k, k * 3, 0, 0, 3, 2, 2);\n"
		"	tile_regs_commit();\n"
		"	tile_regs_wait();\n"
		"	for (uint32_t t = 0; t < 6; t++)\n"
		"		pack_tile(t, 16);\n"
		"	tile_regs_release();\n"
		"	cb_push_back(16, 6);\n"
		"}\n";
	static float a[64 * 64], b[64 * 96];
	struct tt_define d[5] = { { "MT", "2" }, { "KT", "2" }, { "NT", "3" }, { "DST", "0" },
				  { "TRANSPOSE", "0" } };
	struct tt_kernel_config cfg = { .defines = d, .ndefines = 5, .math_fidelity = TT_HIFI3 };
	struct tile_io in[2], out1 = { TT_FORMAT_FLOAT16_B, 6, malloc(6 * 2048) };
	struct tile_io out2 = { TT_FORMAT_FLOAT16_B, 6, malloc(6 * 2048) };
	uint32_t seed = 31;

	(void)state;
	random_floats(a, 64 * 64, -1, 1, &seed);
	random_floats(b, 64 * 96, -1, 1, &seed);
	in[0] = (struct tile_io){ TT_FORMAT_FLOAT16_B, 4, to_tiles(a, 64, 64, TT_FORMAT_FLOAT16_B, NULL) };
	in[1] = (struct tile_io){ TT_FORMAT_FLOAT16_B, 6, to_tiles(b, 64, 96, TT_FORMAT_FLOAT16_B, NULL) };
	CHECK(run_tiles(dev, mm_kernel, &cfg, in, 2, &out1));
	CHECK(run_tiles(dev, block_kernel, &cfg, in, 2, &out2));
	assert_memory_equal(out1.data, out2.data, 6 * 2048);
	free(in[0].data), free(in[1].data), free(out1.data), free(out2.data);
}

/*
 * The five-argument matmul_tiles transposes as mm_init said; the
 * six-argument form as its own argument says.
 */
static void test_matmul_transpose_from_init(void **state)
{
	static const char kernel[] =
		"#include <ttuser/kernel/compute.h>\n"
		"void kernel_main(void)\n"
		"{\n"
		"	mm_init(0, 1, 16, INIT_TRANSPOSE);\n"
		"	cb_wait_front(0, 1);\n"
		"	cb_wait_front(1, 1);\n"
		"	cb_reserve_back(16, 1);\n"
		"	tile_regs_acquire();\n"
		"	matmul_tiles(0, 1, 0, 0, 0 CALL_TRANSPOSE);\n"
		"	tile_regs_commit();\n"
		"	tile_regs_wait();\n"
		"	pack_tile(0, 16);\n"
		"	tile_regs_release();\n"
		"	cb_push_back(16, 1);\n"
		"}\n";
	/* init transpose, call argument: the first two transpose, the last two do not. */
	static const char *const forms[4][2] = { { "1", "" }, { "0", ", 1" }, { "0", "" },
						 { "1", ", 0" } };
	static float a[1024], b[1024];
	uint8_t out[4][2048];
	uint32_t seed = 17;
	unsigned f;

	(void)state;
	random_floats(a, 1024, -1, 1, &seed);
	random_floats(b, 1024, -1, 1, &seed);
	for (f = 0; f < 4; f++) {
		struct tt_define d[2] = { { "INIT_TRANSPOSE", forms[f][0] },
					  { "CALL_TRANSPOSE", forms[f][1] } };
		struct tt_kernel_config cfg = { .defines = d, .ndefines = 2,
						.math_fidelity = TT_HIFI4 };
		struct tile_io in[2] = {
			{ TT_FORMAT_FLOAT16_B, 1, to_tiles(a, 32, 32, TT_FORMAT_FLOAT16_B, NULL) },
			{ TT_FORMAT_FLOAT16_B, 1, to_tiles(b, 32, 32, TT_FORMAT_FLOAT16_B, NULL) },
		};
		struct tile_io o = { TT_FORMAT_FLOAT16_B, 1, out[f] };

		CHECK(run_tiles(dev, kernel, &cfg, in, 2, &o));
		free(in[0].data), free(in[1].data);
	}
	assert_memory_equal(out[0], out[1], 2048);
	assert_memory_equal(out[2], out[3], 2048);
	assert_memory_not_equal(out[0], out[2], 2048);
}

/*
 * Device time: a matmul_tiles costs 16 cycles per fidelity phase (LoFi 16,
 * HiFi2 32, HiFi3 48, HiFi4 64), and nothing else in the program depends
 * on the fidelity.
 */
static void test_matmul_cycles_by_fidelity(void **state)
{
	static const enum tt_math_fidelity fids[] = { TT_LOFI, TT_HIFI2, TT_HIFI3, TT_HIFI4 };
	static float a[1024 * 6];
	struct tt_define d[5] = { { "MT", "1" }, { "KT", "3" }, { "NT", "2" }, { "DST", "0" },
				  { "TRANSPOSE", "0" } };
	uint64_t cycles[4], instr[4];
	uint32_t seed = 1;
	unsigned f;

	(void)state;
	random_floats(a, 1024 * 6, -1, 1, &seed);
	for (f = 0; f < 4; f++) {
		struct tt_kernel_config cfg = { .defines = d, .ndefines = 5, .math_fidelity = fids[f] };
		struct tile_io in[2] = {
			{ TT_FORMAT_FLOAT16_B, 3, to_tiles(a, 32, 96, TT_FORMAT_FLOAT16_B, NULL) },
			{ TT_FORMAT_FLOAT16_B, 6, to_tiles(a, 96, 64, TT_FORMAT_FLOAT16_B, NULL) },
		};
		struct tile_io out = { TT_FORMAT_FLOAT16_B, 2, malloc(4096) };

		CHECK(run_tiles(dev, mm_kernel, &cfg, in, 2, &out));
		cycles[f] = tile_stats.device_cycles;
		instr[f] = tile_stats.instructions;
		free(in[0].data), free(in[1].data), free(out.data);
	}
	/* Six matmul_tiles calls; the same instructions at every fidelity. */
	for (f = 1; f < 4; f++) {
		assert_int_equal(instr[f], instr[0]);
		assert_int_equal(cycles[f] - cycles[0], 6 * 16 * f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matmul_fidelities),
		cmocka_unit_test(test_matmul_formats_and_modes),
		cmocka_unit_test(test_matmul_phase_products),
		cmocka_unit_test(test_matmul_accumulates_onto_dst),
		cmocka_unit_test(test_matmul_cycles_by_fidelity),
		cmocka_unit_test(test_matmul_block),
		cmocka_unit_test(test_matmul_transpose_from_init),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
