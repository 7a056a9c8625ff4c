// SPDX-License-Identifier: MIT
/*
 * model/ops/conv.c on the model device against a float64 convolution on
 * the host, on random data, for every kind of conv ResNet-50-FPN has
 * (7x7/s2 with 3 channels, 3x3 s1 and s2, 1x1 s1 and s2, a linear layer)
 * and dilation, at small spatial sizes, on grids and L1 sizes that take
 * each way of splitting the work. PCC thresholds per precision:
 *   fp32 (fp32 weights, HiFi4)      >= 0.9999999
 *   bf16 (bf16 weights, HiFi2)      >= 0.999
 *   bfp8_b weights, LoFi             >= 0.99
 * and in fp32 each output within 2^-17 of |bias| + sum |w x|, its terms'
 * magnitude: the split matmul (conv.c) leaves about 2^-21 of each product
 * and fp32 accumulation adds its rounding; one pass through the FPU's
 * 19-bit sources would leave about 2^-11.
 * Then bad input: each gets its -errno and message, and the op still works.
 */
#include <math.h>

#include "helpers.h"
#include "../../model/ops/ops.h"

#define PCC_FP32	0.9999999
#define ERR_FP32	0x1p-17
#define PCC_BF16	0.999
#define PCC_BFP8	0.99

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static float frand(void)
{
	return (float)((double)(test_rand64(&rng) >> 11) / (double)(1ull << 53) * 2.0 - 1.0);
}

static float *random_floats(size_t n, float scale)
{
	float *v = malloc(n * sizeof(float));
	size_t i;

	assert_non_null(v);
	for (i = 0; i < n; i++)
		v[i] = frand() * scale;
	return v;
}

/* float64 reference: out [oc][ho][wo], and mag: |bias| + sum |w x| */
static void conv_ref(const struct op_conv_desc *d, const float *in, uint32_t h, uint32_t w,
		     const float *wt, const float *bias, double *out, double *mag, uint32_t ho,
		     uint32_t wo)
{
	uint32_t o, y, x, i, ky, kx;

	for (o = 0; o < d->out_c; o++)
		for (y = 0; y < ho; y++)
			for (x = 0; x < wo; x++) {
				double s = bias ? bias[o] : 0.0, m = fabs(s);

				for (i = 0; i < d->in_c; i++)
					for (ky = 0; ky < d->kh; ky++)
						for (kx = 0; kx < d->kw; kx++) {
							long iy = (long)(y * d->stride + ky * d->dilation) - d->pad;
							long ix = (long)(x * d->stride + kx * d->dilation) - d->pad;

							if (iy < 0 || ix < 0 || iy >= h || ix >= w)
								continue;
							double p = (double)wt[((o * d->in_c + i) * d->kh + ky) * d->kw + kx] *
								   in[((size_t)i * h + iy) * w + ix];

							s += p;
							m += fabs(p);
						}
				if (d->relu && s < 0)
					s = 0;
				out[((size_t)o * ho + y) * wo + x] = s;
				mag[((size_t)o * ho + y) * wo + x] = m;
			}
}

static double pcc(const float *a, const double *b, size_t n)
{
	double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		ma += a[i];
		mb += b[i];
	}
	ma /= (double)n;
	mb /= (double)n;
	for (i = 0; i < n; i++) {
		sab += (a[i] - ma) * (b[i] - mb);
		saa += (a[i] - ma) * (a[i] - ma);
		sbb += (b[i] - mb) * (b[i] - mb);
	}
	return sab / sqrt(saa * sbb);
}

static struct op_conv_split last_split;

/* Runs one conv on dev and returns its PCC against the reference; last_split says how. */
static double conv_case(struct tt_device *dev, const struct op_conv_desc *d, uint32_t h,
			uint32_t w, const struct op_precision *prec)
{
	struct tt_cq *cq = tt_device_cq(dev, 0);
	struct op_tensor tin, tout;
	struct op_conv *cv;
	struct op_stats st = { 0 };
	uint32_t ho, wo;
	size_t nout;
	float *in = random_floats((size_t)d->in_c * h * w, 1.0f);
	float *wt = random_floats((size_t)d->out_c * d->in_c * d->kh * d->kw,
				  1.0f / sqrtf((float)(d->in_c * d->kh * d->kw)));
	float *bias = random_floats(d->out_c, 0.5f), *got;
	double *want, *mag, r, err = 0;

	CHECK(op_conv_out_size(d, h, w, &ho, &wo));
	nout = (size_t)d->out_c * ho * wo;
	got = malloc(nout * sizeof(float));
	want = malloc(nout * sizeof(double));
	mag = malloc(nout * sizeof(double));
	assert_non_null(got);
	assert_non_null(want);
	assert_non_null(mag);
	CHECK(op_conv_create(dev, d, wt, bias, prec, &cv));
	CHECK(op_tensor_create(dev, h, w, d->in_c, prec->act, &tin));
	CHECK(op_tensor_create(dev, ho, wo, d->out_c, prec->act, &tout));
	CHECK(op_tensor_write(cq, &tin, in));
	CHECK(op_conv_run(cv, cq, &tin, &tout, &st));
	CHECK(op_tensor_read(cq, &tout, got));
	CHECK(op_conv_split(cv, &last_split));
	conv_ref(d, in, h, w, wt, bias, want, mag, ho, wo);
	r = pcc(got, want, nout);
	for (size_t i = 0; i < nout; i++)
		err = fmax(err, fabs(got[i] - want[i]) / mag[i]);
	if (prec->act == TT_FORMAT_FLOAT32) {
		printf("  fp32: worst error %.3g of the terms' magnitude (<= %g)\n", err, ERR_FP32);
		assert_true(err <= ERR_FP32);
	}
	if (d->relu)
		for (size_t i = 0; i < nout; i++)
			assert_true(got[i] >= 0.0f);
	assert_true(st.device_cycles > 0);
	op_tensor_destroy(&tin);
	op_tensor_destroy(&tout);
	op_conv_destroy(cv);
	free(in);
	free(wt);
	free(bias);
	free(got);
	free(want);
	free(mag);
	return r;
}

#define CONV(ic, oc, k, s, p, dl, rl) \
	((struct op_conv_desc){ .in_c = (ic), .out_c = (oc), .kh = (k), .kw = (k), .stride = (s), \
				.pad = (p), .dilation = (dl), .relu = (rl) })

static void expect_pcc(double r, double min, const char *what)
{
	printf("  %-40s pcc %.6f (>= %g)\n", what, r, min);
	if (!(r >= min))
		fail_msg("%s: pcc %.6f < %g", what, r, min);
}

static void test_conv3x3(void **state)
{
	struct tt_device *dev = open_device("sim");

	(void)state;
	expect_pcc(conv_case(dev, &CONV(40, 48, 3, 1, 1, 1, true), 9, 11, &op_precision_bf16),
		   PCC_BF16, "3x3 s1 p1 40->48 relu bf16");
	expect_pcc(conv_case(dev, &CONV(64, 64, 3, 2, 1, 1, false), 13, 10, &op_precision_fp32),
		   PCC_FP32, "3x3 s2 p1 64->64 fp32");
	expect_pcc(conv_case(dev, &CONV(32, 40, 3, 1, 2, 2, true), 8, 8, &op_precision_bfp8),
		   PCC_BFP8, "3x3 dilation 2 32->40 bfp8");
	tt_device_close(dev);
}

static void test_conv1x1_and_stem(void **state)
{
	struct tt_device *dev = open_device("sim");

	(void)state;
	expect_pcc(conv_case(dev, &CONV(64, 256, 1, 1, 0, 1, false), 6, 7, &op_precision_bf16),
		   PCC_BF16, "1x1 s1 64->256 bf16");
	expect_pcc(conv_case(dev, &CONV(96, 64, 1, 2, 0, 1, true), 9, 9, &op_precision_fp32),
		   PCC_FP32, "1x1 s2 96->64 relu fp32");
	expect_pcc(conv_case(dev, &CONV(3, 64, 7, 2, 3, 1, true), 20, 18, &op_precision_bf16),
		   PCC_BF16, "7x7 s2 p3 3->64 relu bf16");
	tt_device_close(dev);
}

/* In a small L1: K in chunks (within a window position and of several), many N groups. */
static void test_linear_chunked(void **state)
{
	struct tt_device *dev = open_device("sim:grid=4x2,l1=320");

	(void)state;
	expect_pcc(conv_case(dev, &CONV(2048, 96, 1, 1, 0, 1, true), 1, 40, &op_precision_bf16),
		   PCC_BF16, "linear 2048->96 chunked K bf16");
	assert_true(last_split.nkc > 1 && last_split.groups == 3);
	expect_pcc(conv_case(dev, &CONV(1200, 320, 1, 1, 0, 1, false), 1, 3, &op_precision_fp32),
		   PCC_FP32, "linear 1200->320 N groups fp32");
	assert_true(last_split.nkc > 1 && last_split.groups == 10);
	/* 3x3 over 64 channels: K chunks of whole window positions, the last one short */
	expect_pcc(conv_case(dev, &CONV(64, 64, 3, 1, 1, 1, true), 12, 9, &op_precision_bf16),
		   PCC_BF16, "3x3 64->64 chunked by windows bf16");
	assert_true(last_split.nkc > 1 && last_split.kc % 2 == 0);
	tt_device_close(dev);
}

/* Narrow inputs (fewer than 17 channels, sticks of 4, 8 or 16): windows row by row. */
static void test_narrow_input(void **state)
{
	struct tt_device *dev = open_device("sim:grid=2x1,l1=288");

	(void)state;
	expect_pcc(conv_case(dev, &CONV(8, 32, 3, 1, 1, 1, false), 13, 9, &op_precision_fp32),
		   PCC_FP32, "3x3 8->32 fp32");
	expect_pcc(conv_case(dev, &CONV(16, 64, 5, 1, 4, 2, true), 11, 12, &op_precision_bf16),
		   PCC_BF16, "5x5 dilation 2 16->64, K chunks bf16");
	assert_true(last_split.nkc > 1);
	expect_pcc(conv_case(dev, &CONV(3, 32, 7, 2, 3, 1, true), 23, 17, &op_precision_bf16),
		   PCC_BF16, "7x7 s2 p3 3->32 bf16");
	tt_device_close(dev);
}

/*
 * An output of fewer than 17 channels (the RPN head's 5A = 15) has narrow
 * sticks: the conv writes just those, nothing past the tensor (the guard
 * made after it keeps its values).
 */
static void test_narrow_output(void **state)
{
	struct tt_device *dev = open_device("sim");
	struct tt_cq *cq = tt_device_cq(dev, 0);
	const struct op_conv_desc d = CONV(32, 15, 1, 1, 0, 1, false);
	struct op_tensor tin, tout, guard;
	struct op_conv *cv;
	float *in = random_floats(32 * 16, 1.0f), *wt = random_floats(15 * 32, 0.2f);
	float *g = random_floats(64 * 16, 1.0f), *back = malloc(64 * 16 * sizeof(float));
	float got[15 * 16];
	double want[15 * 16], mag[15 * 16];

	(void)state;
	assert_non_null(back);
	CHECK(op_conv_create(dev, &d, wt, NULL, &op_precision_fp32, &cv));
	CHECK(op_tensor_create(dev, 4, 4, 32, TT_FORMAT_FLOAT32, &tin));
	CHECK(op_tensor_create(dev, 4, 4, 15, TT_FORMAT_FLOAT32, &tout));
	CHECK(op_tensor_create(dev, 4, 4, 64, TT_FORMAT_FLOAT32, &guard));
	assert_int_equal(tout.c_pad, 16);
	CHECK(op_tensor_write(cq, &tin, in));
	CHECK(op_tensor_write(cq, &guard, g));
	CHECK(op_conv_run(cv, cq, &tin, &tout, NULL));
	CHECK(tt_cq_finish(cq));
	CHECK(op_tensor_read(cq, &tout, got));
	CHECK(op_tensor_read(cq, &guard, back));
	assert_memory_equal(back, g, 64 * 16 * sizeof(float));
	conv_ref(&d, in, 4, 4, wt, NULL, want, mag, 4, 4);
	expect_pcc(pcc(got, want, 15 * 16), PCC_FP32, "narrow output");
	op_tensor_destroy(&tin);
	op_tensor_destroy(&tout);
	op_tensor_destroy(&guard);
	op_conv_destroy(cv);
	free(in);
	free(wt);
	free(g);
	free(back);
	tt_device_close(dev);
}

/*
 * More items than cores: each core keeps its weights in L1 -- unless that
 * would take chunking K, which costs more than streaming them.
 */
static void test_resident_weights(void **state)
{
	struct tt_device *dev = open_device("sim:grid=2x2");

	(void)state;
	expect_pcc(conv_case(dev, &CONV(64, 64, 3, 1, 1, 1, true), 40, 40, &op_precision_bf16),
		   PCC_BF16, "3x3 64->64 resident bf16");
	assert_true(last_split.resident);
	assert_true(last_split.items > last_split.cores);
	/* fp32: the hi and lo weights stay in L1 */
	expect_pcc(conv_case(dev, &CONV(64, 64, 3, 1, 1, 1, true), 40, 40, &op_precision_fp32),
		   PCC_FP32, "3x3 64->64 resident fp32");
	assert_true(last_split.resident);
	assert_true(last_split.items > last_split.cores);
	tt_device_close(dev);
	dev = open_device("sim:grid=1x1,l1=512");
	expect_pcc(conv_case(dev, &CONV(64, 64, 3, 1, 1, 1, false), 16, 24, &op_precision_fp32),
		   PCC_FP32, "3x3 64->64 streamed, K chunks fp32");
	assert_true(!last_split.resident && last_split.nkc > 1 && last_split.items > 1);
	tt_device_close(dev);
}

static void test_bad_input(void **state)
{
	struct tt_device *dev = open_device("sim:grid=2x2");
	struct tt_cq *cq = tt_device_cq(dev, 0);
	struct op_conv_desc d = CONV(32, 32, 3, 1, 1, 1, false);
	struct op_precision bad = op_precision_bf16;
	struct op_tensor in, in16, out, small, in32;
	struct op_conv *cv, *none = (struct op_conv *)1;
	float *wt = random_floats(32 * 32 * 9, 0.1f), *x = random_floats(32 * 16, 1.0f), *got;
	uint32_t ho, wo;

	(void)state;
	bad.weight = TT_FORMAT_UINT32;
	CHECK_FAILS(op_conv_create(dev, &d, wt, NULL, &bad, &none), -EINVAL, "is not supported");
	assert_null(none);
	bad = op_precision_bf16;
	bad.fidelity = 1;
	CHECK_FAILS(op_conv_create(dev, &d, wt, NULL, &bad, &none), -EINVAL, "is not supported");
	d.stride = 0;
	CHECK_FAILS(op_conv_create(dev, &d, wt, NULL, &op_precision_bf16, &none), -EINVAL,
		    "out of range");
	CHECK_FAILS(op_conv_out_size(&d, 4, 4, &ho, &wo), -EINVAL, "must be > 0");
	d.stride = 1;
	d.pad = 0;
	CHECK_FAILS(op_conv_out_size(&d, 2, 4, &ho, &wo), -EINVAL, "smaller than the");
	d.pad = 1;
	CHECK_FAILS(op_conv_create(dev, &d, NULL, NULL, &op_precision_bf16, &none), -EINVAL,
		    "NULL argument");

	CHECK(op_conv_create(dev, &d, wt, NULL, &op_precision_bf16, &cv));
	CHECK(op_tensor_create(dev, 4, 4, 32, TT_FORMAT_FLOAT16_B, &in));
	CHECK(op_tensor_create(dev, 4, 4, 16, TT_FORMAT_FLOAT16_B, &in16));
	CHECK(op_tensor_create(dev, 4, 4, 32, TT_FORMAT_FLOAT32, &in32));
	CHECK(op_tensor_create(dev, 4, 4, 32, TT_FORMAT_FLOAT16_B, &out));
	CHECK(op_tensor_create(dev, 2, 2, 32, TT_FORMAT_FLOAT16_B, &small));
	CHECK_FAILS(op_conv_run(cv, cq, &in16, &out, NULL), -EINVAL, "input has 16 channels");
	CHECK_FAILS(op_conv_run(cv, cq, &in32, &out, NULL), -EINVAL, "formats");
	CHECK_FAILS(op_conv_run(cv, cq, &in, &small, NULL), -EINVAL, "must be 4x4x32");
	CHECK_FAILS(op_conv_run(cv, cq, &in, NULL, NULL), -EINVAL, "no tensor");
	/* a buffer too small for the size the tensor claims (in: 4x4 in 32 rows) */
	in.h = in.w = 8;
	in.rows = 64;
	CHECK_FAILS(op_conv_run(cv, cq, &in, &out, NULL), -EINVAL, "does not match its buffer");
	in.h = in.w = 4;
	in.rows = 32;
	small.h = small.w = 2;
	CHECK_FAILS(op_conv_run(NULL, cq, &in, &out, NULL), -EINVAL, "NULL argument");

	/* still works: a 3x3 conv of a constant 1 input with all-one weights counts the window */
	for (size_t i = 0; i < 32 * 16; i++)
		x[i] = 1.0f;
	for (size_t i = 0; i < 32 * 32 * 9; i++)
		wt[i] = 1.0f / 32;
	op_conv_destroy(cv);
	CHECK(op_conv_create(dev, &d, wt, NULL, &op_precision_bf16, &cv));
	CHECK(op_tensor_write(cq, &in, x));
	CHECK(op_conv_run(cv, cq, &in, &out, NULL));
	got = malloc(32 * 16 * sizeof(float));
	assert_non_null(got);
	CHECK(op_tensor_read(cq, &out, got));
	for (uint32_t y = 0; y < 4; y++)
		for (uint32_t xx = 0; xx < 4; xx++) {
			float n = (float)((y == 0 || y == 3 ? 2 : 3) * (xx == 0 || xx == 3 ? 2 : 3));

			assert_true(got[y * 4 + xx] == n);
			assert_true(got[31 * 16 + y * 4 + xx] == n);
		}
	free(got);
	op_tensor_destroy(&in);
	op_tensor_destroy(&in16);
	op_tensor_destroy(&in32);
	op_tensor_destroy(&out);
	op_tensor_destroy(&small);
	op_conv_destroy(cv);
	free(wt);
	free(x);
	tt_device_close(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conv3x3),
		cmocka_unit_test(test_conv1x1_and_stem),
		cmocka_unit_test(test_linear_chunked),
		cmocka_unit_test(test_narrow_input),
		cmocka_unit_test(test_narrow_output),
		cmocka_unit_test(test_resident_weights),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
