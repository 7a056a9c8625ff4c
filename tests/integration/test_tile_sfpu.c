// SPDX-License-Identifier: MIT
/*
 * The SFPU's unary ops on DST against float64 references on random data
 * in each op's domain, in 32-bit and 16-bit DST; typecast between floats
 * and Int32/UInt32; mantissa_rest_tile and the DST-to-DST binary ops,
 * bit for bit.
 */
#include <limits.h>

#include "tile_harness.h"

TILE_FIXTURE("sim:grid=2x2,dram_banks=2,dram_mib=16")

/* INIT; then per tile: copy into DST 3, OP on it, pack. */
static const char sfpu_kernel[] =
	"#include <ttuser/kernel/compute.h>\n"
	"void kernel_main(void)\n"
	"{\n"
	"	unary_op_init_common(0, 16);\n"
	"	copy_tile_init(0);\n"
	"	INIT;\n"
	"	cb_wait_front(0, 2);\n"
	"	cb_reserve_back(16, 2);\n"
	"	for (uint32_t t = 0; t < 2; t++) {\n"
	"		tile_regs_acquire();\n"
	"		copy_tile(0, t, 3);\n"
	"		OP;\n"
	"		tile_regs_commit();\n"
	"		tile_regs_wait();\n"
	"		pack_tile(3, 16);\n"
	"		tile_regs_release();\n"
	"	}\n"
	"	cb_push_back(16, 2);\n"
	"}\n";

struct sfpu_case {
	const char *init, *op;
	double (*ref)(double);
	float lo, hi;		/* input domain */
};

static double relu(double x) { return x > 0 ? x : 0; }
static double relu6(double x) { return x > 6 ? 6 : x > 0 ? x : 0; }
static double relu_min_half(double x) { return x < 0.5 ? 0 : x; }
static double clamp_m1_2(double x) { return x < -1 ? -1 : x > 2 ? 2 : x; }
static double rsqrt_ref(double x) { return 1 / sqrt(x); }
static double recip(double x) { return 1 / x; }
static double sigmoid(double x) { return 1 / (1 + exp(-x)); }
static double silu(double x) { return x / (1 + exp(-x)); }
static double neg(double x) { return -x; }
static double gelu_erf(double x) { return 0.5 * x * (1 + erf(x / sqrt(2.0))); }

static double gelu_tanh(double x)
{
	return 0.5 * x * (1 + tanh(sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
}

static const struct sfpu_case cases[] = {
	{ "relu_tile_init()", "relu_tile(3)", relu, -4, 4 },
	/* relu6 is relu_max with 6.0 (0x40c00000). */
	{ "relu_max_tile_init()", "relu_max_tile(3, 0x40c00000)", relu6, -9, 9 },
	{ "relu_min_tile_init()", "relu_min_tile(3, 0x3f000000)", relu_min_half, -2, 2 },
	{ "clamp_tile_init()", "clamp_tile(3, 0xbf800000, 0x40000000)", clamp_m1_2, -4, 4 },
	{ "exp_tile_init()", "exp_tile(3)", exp, -10, 10 },
	{ "log_tile_init()", "log_tile(3)", log, 0.001f, 1000 },
	{ "sqrt_tile_init()", "sqrt_tile(3)", sqrt, 0, 1000 },
	{ "rsqrt_tile_init()", "rsqrt_tile(3)", rsqrt_ref, 0.001f, 1000 },
	{ "recip_tile_init()", "recip_tile(3)", recip, 0.01f, 100 },
	{ "sigmoid_tile_init()", "sigmoid_tile(3)", sigmoid, -12, 12 },
	{ "tanh_tile_init()", "tanh_tile(3)", tanh, -5, 5 },
	{ "gelu_tile_init()", "gelu_tile(3)", gelu_tanh, -5, 5 },
	{ "gelu_tile_init()", "gelu_tile(3, false)", gelu_erf, -5, 5 },
	{ "silu_tile_init()", "silu_tile(3)", silu, -8, 8 },
	{ "abs_tile_init()", "abs_tile(3)", fabs, -8, 8 },
	{ "negative_tile_init()", "negative_tile(3)", neg, -8, 8 },
};

/*
 * 32-bit DST: the op's value computed in double and rounded once to fp32,
 * so within an ulp (2^-23 relative). 16-bit DST (Float16_b in and out):
 * the result is rounded to bf16, half an ulp of 8 bits (2^-8 relative),
 * from an input that is already bf16 (plus the fp32 rounding before it).
 */
static void run_case(const struct sfpu_case *sc, bool fp32, uint32_t seed)
{
	enum tt_format fmt = fp32 ? TT_FORMAT_FLOAT32 : TT_FORMAT_FLOAT16_B;
	static float x[2048], held[2048], got[2048];
	static double want[2048], tol[2048];
	struct tt_define d[2] = { { "INIT", sc->init }, { "OP", sc->op } };
	struct tt_kernel_config cfg = { .defines = d, .ndefines = 2, .fp32_dest_acc = fp32 };
	struct tile_io in, out = { fmt, 2, malloc(8192) };
	char what[128];
	unsigned i;

	random_floats(x, 2048, sc->lo, sc->hi, &seed);
	in = (struct tile_io){ fmt, 2, to_tiles(x, 32, 64, fmt, held) };
	CHECK(run_tiles(dev, sfpu_kernel, &cfg, &in, 1, &out));
	CHECK(tt_untilize(out.data, fmt, 32, 64, got, TT_FORMAT_FLOAT32));
	for (i = 0; i < 2048; i++) {
		want[i] = sc->ref(held[i]);
		tol[i] = (fp32 ? 0x1p-23 : 0x1p-8 + 0x1p-22) * fabs(want[i]);
	}
	snprintf(what, sizeof(what), "%s, %s DST", sc->op, fp32 ? "32-bit" : "16-bit");
	check_close(what, got, want, tol, 2048);
	free(in.data), free(out.data);
}

static void test_unary_ops(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_case(&cases[i], true, 10 + i);
		run_case(&cases[i], false, 50 + i);
	}
}

/* Float32 -> Int32 -> Float32 and UInt32 in one kernel per direction. */
static void test_typecast(void **state)
{
	static const char *const ops[] = {
		"typecast_tile(3, TT_FORMAT_FLOAT32, TT_FORMAT_INT32)",
		"typecast_tile(3, TT_FORMAT_FLOAT32, TT_FORMAT_UINT32)",
		"typecast_tile(3, TT_FORMAT_INT32, TT_FORMAT_FLOAT32)",
		"typecast_tile(3, TT_FORMAT_UINT32, TT_FORMAT_FLOAT32)",
		"typecast_tile(3, TT_FORMAT_FLOAT32, TT_FORMAT_FLOAT16_B)",
	};
	static const enum tt_format in_fmt[] = { TT_FORMAT_FLOAT32, TT_FORMAT_FLOAT32,
						 TT_FORMAT_INT32, TT_FORMAT_UINT32,
						 TT_FORMAT_FLOAT32 };
	static const enum tt_format out_fmt[] = { TT_FORMAT_INT32, TT_FORMAT_UINT32,
						  TT_FORMAT_FLOAT32, TT_FORMAT_FLOAT32,
						  TT_FORMAT_FLOAT32 };
	static float x[2048];
	static uint32_t raw[2048], tiles[2048], back[2048], got[2048];
	uint32_t seed = 99;
	unsigned k, i;

	(void)state;
	random_floats(x, 2048, -3e9f, 3e9f, &seed);
	for (i = 0; i < 64; i++)
		x[i] = (float)i / 4 - 8;	/* halves: ties to even */
	x[64] = NAN;
	for (k = 0; k < 5; k++) {
		struct tt_define d[2] = { { "INIT", "typecast_tile_init()" }, { "OP", ops[k] } };
		struct tt_kernel_config cfg = { .defines = d, .ndefines = 2, .fp32_dest_acc = true };
		struct tile_io in = { in_fmt[k], 2, tiles }, out = { out_fmt[k], 2, back };

		for (i = 0; i < 2048; i++) {
			memcpy(&raw[i], &x[i], 4);
			if (in_fmt[k] != TT_FORMAT_FLOAT32)
				raw[i] = xorshift(&seed);
		}
		CHECK(tt_tilize(raw, in_fmt[k], 32, 64, tiles, in_fmt[k]));
		CHECK(run_tiles(dev, sfpu_kernel, &cfg, &in, 1, &out));
		CHECK(tt_untilize(back, out_fmt[k], 32, 64, got, out_fmt[k]));
		for (i = 0; i < 2048; i++) {
			double v = x[i], r = nearbyint(v);
			uint32_t want;
			float f;

			switch (k) {
			case 0:	/* nearest, ties to even, saturating; NaN is 0 */
				want = isnan(v) ? 0 : r >= INT32_MAX ? INT32_MAX :
				       r <= INT32_MIN ? (uint32_t)INT32_MIN : (uint32_t)(int32_t)r;
				break;
			case 1:
				want = isnan(v) || r <= 0 ? 0 : r >= UINT32_MAX ? UINT32_MAX :
				       (uint32_t)r;
				break;
			case 2:
				f = (float)(int32_t)raw[i];
				memcpy(&want, &f, 4);
				break;
			case 3:
				f = (float)raw[i];
				memcpy(&want, &f, 4);
				break;
			default:
				f = isnan(x[i]) ? x[i] : tt_bf16_to_float(tt_float_to_bf16(x[i]));
				memcpy(&want, &f, 4);
				if (isnan(x[i]))
					want = got[i];	/* any NaN; checked below */
				break;
			}
			if (got[i] != want)
				fail_msg("%s: element %u (%#x) is %#x, expected %#x", ops[k], i, raw[i],
					 got[i], want);
		}
		if (k == 4) {
			float f;

			memcpy(&f, &got[64], 4);
			assert_true(isnan(f));
		}
	}
}

static float cut_mantissa(float x, unsigned bits)
{
	uint32_t u;

	memcpy(&u, &x, 4);
	u &= ~((1u << (23 - bits)) - 1u);
	memcpy(&x, &u, 4);
	return x;
}

/*
 * mantissa_rest_tile: exactly x - x cut to 10, 0 and 23 mantissa bits on
 * Float32 data, so that the cut plus the rest is x again; on bf16 data
 * (7 mantissa bits) the rest beyond 10 bits is 0.
 */
static void test_mantissa_rest(void **state)
{
	static const char *const ops[] = { "mantissa_rest_tile(3, 10)", "mantissa_rest_tile(3, 0)",
					    "mantissa_rest_tile(3, 23)" };
	static const unsigned bits[] = { 10, 0, 23 };
	static float x[2048], held[2048], got[2048];
	uint32_t seed = 7;
	unsigned k, i;

	(void)state;
	random_floats(x, 2048, -300, 300, &seed);
	for (k = 0; k < 4; k++) {
		bool fp32 = k < 3;
		enum tt_format fmt = fp32 ? TT_FORMAT_FLOAT32 : TT_FORMAT_FLOAT16_B;
		struct tt_define d[2] = { { "INIT", "mantissa_rest_tile_init()" },
					  { "OP", fp32 ? ops[k] : ops[0] } };
		struct tt_kernel_config cfg = { .defines = d, .ndefines = 2, .fp32_dest_acc = fp32 };
		struct tile_io in, out = { fmt, 2, malloc(8192) };

		in = (struct tile_io){ fmt, 2, to_tiles(x, 32, 64, fmt, held) };
		CHECK(run_tiles(dev, sfpu_kernel, &cfg, &in, 1, &out));
		CHECK(tt_untilize(out.data, fmt, 32, 64, got, TT_FORMAT_FLOAT32));
		for (i = 0; i < 2048; i++) {
			float want = fp32 ? held[i] - cut_mantissa(held[i], bits[k]) : 0.0f;

			if (got[i] != want || (fp32 && cut_mantissa(held[i], bits[k]) + got[i] != held[i]))
				fail_msg("%s, %s DST: element %u (%a) is %a, expected %a", d[1].value,
					 fp32 ? "32-bit" : "16-bit", i, held[i], got[i], want);
		}
		free(in.data), free(out.data);
	}
}

/* Per tile: a into DST 2, b into DST 5, OP, pack DST OUT. */
static const char sfpu_binary_kernel[] =
	"#include <ttuser/kernel/compute.h>\n"
	"void kernel_main(void)\n"
	"{\n"
	"	binary_op_init_common(0, 1, 16);\n"
	"	copy_tile_init(0);\n"
	"	INIT;\n"
	"	cb_wait_front(0, 2);\n"
	"	cb_wait_front(1, 2);\n"
	"	cb_reserve_back(16, 2);\n"
	"	for (uint32_t t = 0; t < 2; t++) {\n"
	"		tile_regs_acquire();\n"
	"		copy_tile(0, t, 2);\n"
	"		copy_tile(1, t, 5);\n"
	"		OP;\n"
	"		tile_regs_commit();\n"
	"		tile_regs_wait();\n"
	"		pack_tile(OUT, 16);\n"
	"		tile_regs_release();\n"
	"	}\n"
	"	cb_push_back(16, 2);\n"
	"}\n";

/*
 * add/sub/mul_binary_tile, binary_max/min_tile, with the result in the
 * first operand's tile and in a third one: in 32-bit DST exactly the fp32
 * operation on the whole Float32 values (which add_tiles, through the
 * 19-bit source registers, is not); in 16-bit DST that rounded to bf16.
 */
static void test_binary_ops(void **state)
{
	static const struct {
		const char *init, *op, *out;
	} ops[] = {
		{ "add_binary_tile_init()", "add_binary_tile(2, 5)", "2" },
		{ "sub_binary_tile_init()", "sub_binary_tile(2, 5, 7)", "7" },
		{ "mul_binary_tile_init()", "mul_binary_tile(2, 5)", "2" },
		{ "binary_max_tile_init()", "binary_max_tile(2, 5)", "2" },
		{ "binary_min_tile_init()", "binary_min_tile(2, 5, 0)", "0" },
		{ "add_tiles_init(0, 1)", "add_tiles(0, 1, t, t, 2)", "2" },
	};
	static float a[2048], b[2048], ha[2048], hb[2048], got[2048];
	uint32_t seed = 21;
	unsigned k, i, m;

	(void)state;
	random_floats(a, 2048, -100, 100, &seed);
	random_floats(b, 2048, -100, 100, &seed);
	for (m = 0; m < 2; m++) {
		bool fp32 = m == 0;
		enum tt_format fmt = fp32 ? TT_FORMAT_FLOAT32 : TT_FORMAT_FLOAT16_B;
		struct tile_io in[2] = { { fmt, 2, to_tiles(a, 32, 64, fmt, ha) },
					 { fmt, 2, to_tiles(b, 32, 64, fmt, hb) } };

		for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
			struct tt_define d[3] = { { "INIT", ops[k].init }, { "OP", ops[k].op },
						  { "OUT", ops[k].out } };
			struct tt_kernel_config cfg = { .defines = d, .ndefines = 3,
							 .fp32_dest_acc = fp32 };
			struct tile_io out = { fmt, 2, malloc(8192) };
			unsigned inexact = 0;

			CHECK(run_tiles(dev, sfpu_binary_kernel, &cfg, in, 2, &out));
			CHECK(tt_untilize(out.data, fmt, 32, 64, got, TT_FORMAT_FLOAT32));
			for (i = 0; i < 2048; i++) {
				float x = ha[i], y = hb[i];
				float want = k == 0 || k == 5 ? x + y : k == 1 ? x - y : k == 2 ? x * y :
					     k == 3 ? fmaxf(x, y) : fminf(x, y);

				if (!fp32)
					want = tt_bf16_to_float(tt_float_to_bf16(want));
				if (k == 5 && fp32) {
					inexact += got[i] != want;
					continue;
				}
				if (got[i] != want)
					fail_msg("%s, %s DST: element %u (%a, %a) is %a, expected %a",
						 ops[k].op, fp32 ? "32-bit" : "16-bit", i, x, y, got[i],
						 want);
			}
			/* the FPU's add of Float32 tiles is not fp32's */
			if (k == 5 && fp32)
				assert_true(inexact > 1000);
			free(out.data);
		}
		free(in[0].data), free(in[1].data);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unary_ops),
		cmocka_unit_test(test_typecast),
		cmocka_unit_test(test_mantissa_rest),
		cmocka_unit_test(test_binary_ops),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
