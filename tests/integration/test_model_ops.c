// SPDX-License-Identifier: MIT
/*
 * model/ops element-wise and pooling ops against float64 on the host, on
 * random data at R50-FPN's shapes made small:
 *   add + relu (bottleneck), relu, upsample_add (FPN top-down, 2x and the
 *   uneven 13x17 -> 25x34 case), max pool 3x3/s2/p1, P6 (1x1/s2).
 * bf16 results must equal the float result rounded once to bf16, fp32
 * results the float result (exact for max pool and the copies): fp32
 * adds and max pool run on the SFPU on whole fp32 values, not through
 * the FPU's 19-bit sources (which would leave 2^-10 relative errors).
 * softmax over 91 channels (the box predictor's classes) of 40 rows: each
 * probability within 1% (relative) + 1e-6 of float64's, in bf16 and fp32.
 * A sequence of ops enqueued without waiting and captured in a trace
 * gives what running it directly gives.
 * Then bad input for each op, and the ops still work afterwards.
 */
#include <math.h>

#include "helpers.h"
#include "../../model/ops/ops.h"

static uint64_t rng = 0x243f6a8885a308d3ull;

static float frand(void)
{
	return (float)((double)(test_rand64(&rng) >> 11) / (double)(1ull << 53) * 4.0 - 2.0);
}

struct dev {
	struct tt_device *dev;
	struct tt_cq *cq;
};

static struct dev open_dev(void)
{
	struct dev d = { open_device("sim:grid=4x4") };

	d.cq = tt_device_cq(d.dev, 0);
	return d;
}

/* A tensor on the device with random values; *host gets them as the device holds them. */
static void random_tensor(struct dev *d, uint32_t h, uint32_t w, uint32_t c, enum tt_format fmt,
			  struct op_tensor *t, float **host)
{
	size_t n = (size_t)h * w * c, i;
	float *v = malloc(n * sizeof(float));

	assert_non_null(v);
	for (i = 0; i < n; i++) {
		v[i] = frand();
		if (fmt == TT_FORMAT_FLOAT16_B)
			v[i] = tt_bf16_to_float(tt_float_to_bf16(v[i]));
	}
	CHECK(op_tensor_create(d->dev, h, w, c, fmt, t));
	CHECK(op_tensor_write(d->cq, t, v));
	*host = v;
}

static float *read_tensor(struct dev *d, const struct op_tensor *t)
{
	float *v = malloc((size_t)t->h * t->w * t->c * sizeof(float));

	assert_non_null(v);
	CHECK(op_tensor_read(d->cq, t, v));
	return v;
}

static float round_to(enum tt_format fmt, double x)
{
	return fmt == TT_FORMAT_FLOAT16_B ? tt_bf16_to_float(tt_float_to_bf16((float)x)) :
					    (float)x;
}

/* got is a + b rounded once to the format. */
static bool sum_ok(enum tt_format fmt, float got, double a, double b, bool relu)
{
	double s = a + b;

	if (relu && s < 0)
		s = 0;
	return got == round_to(fmt, s);
}

static void add_case(struct dev *d, uint32_t h, uint32_t w, uint32_t c, enum tt_format fmt,
		     bool relu)
{
	struct op_tensor a, b, out;
	float *va, *vb, *got;
	size_t i, n = (size_t)h * w * c;

	random_tensor(d, h, w, c, fmt, &a, &va);
	random_tensor(d, h, w, c, fmt, &b, &vb);
	CHECK(op_tensor_create(d->dev, h, w, c, fmt, &out));
	CHECK(op_add(d->dev, d->cq, &a, &b, &out, relu, NULL));
	got = read_tensor(d, &out);
	for (i = 0; i < n; i++) {
		if (!sum_ok(fmt, got[i], va[i], vb[i], relu))
			fail_msg("add %ux%ux%u [%zu]: %g + %g, got %g", h, w, c, i, va[i], vb[i],
				 got[i]);
	}
	op_tensor_destroy(&a);
	op_tensor_destroy(&b);
	op_tensor_destroy(&out);
	free(va);
	free(vb);
	free(got);
}

static void test_add(void **state)
{
	struct dev d = open_dev();

	(void)state;
	add_case(&d, 7, 9, 256, TT_FORMAT_FLOAT16_B, true);	/* bottleneck residual */
	add_case(&d, 5, 5, 40, TT_FORMAT_FLOAT32, false);	/* padded channels */
	add_case(&d, 3, 3, 2048, TT_FORMAT_FLOAT16_B, true);	/* layer4's width */
	add_case(&d, 3, 3, 2048, TT_FORMAT_FLOAT32, true);	/* in channel groups */
	tt_device_close(d.dev);
}

static void test_relu(void **state)
{
	struct dev d = open_dev();
	struct op_tensor a, out;
	float *va, *got;
	size_t i;

	(void)state;
	random_tensor(&d, 6, 11, 64, TT_FORMAT_FLOAT16_B, &a, &va);
	CHECK(op_tensor_create(d.dev, 6, 11, 64, TT_FORMAT_FLOAT16_B, &out));
	CHECK(op_relu(d.dev, d.cq, &a, &out, NULL));
	got = read_tensor(&d, &out);
	for (i = 0; i < 6 * 11 * 64; i++)
		assert_true(got[i] == (va[i] > 0 ? va[i] : 0.0f));
	op_tensor_destroy(&a);
	op_tensor_destroy(&out);
	free(va);
	free(got);
	tt_device_close(d.dev);
}

static void upsample_case(struct dev *d, uint32_t h, uint32_t w, uint32_t bh, uint32_t bw,
			  enum tt_format fmt)
{
	const uint32_t c = 64;
	struct op_tensor a, b, out;
	float *va, *vb, *got;
	uint32_t ch, y, x;

	random_tensor(d, h, w, c, fmt, &a, &va);
	random_tensor(d, bh, bw, c, fmt, &b, &vb);
	CHECK(op_tensor_create(d->dev, h, w, c, fmt, &out));
	CHECK(op_upsample_add(d->dev, d->cq, &a, &b, &out, NULL));
	got = read_tensor(d, &out);
	for (ch = 0; ch < c; ch++)
		for (y = 0; y < h; y++)
			for (x = 0; x < w; x++) {
				/* torch nearest: floor(dst * (in / out)), in float32 */
				uint32_t sy = (uint32_t)floorf((float)y * ((float)bh / (float)h));
				uint32_t sx = (uint32_t)floorf((float)x * ((float)bw / (float)w));
				size_t i = ((size_t)ch * h + y) * w + x;
				double vbi = vb[((size_t)ch * bh + sy) * bw + sx];

				if (!sum_ok(fmt, got[i], va[i], vbi, false))
					fail_msg("upsample_add %ux%u <- %ux%u (%u,%u,%u): %g + %g, "
						 "got %g", h, w, bh, bw, ch, y, x, va[i], vbi, got[i]);
			}
	op_tensor_destroy(&a);
	op_tensor_destroy(&b);
	op_tensor_destroy(&out);
	free(va);
	free(vb);
	free(got);
}

static void test_upsample_add(void **state)
{
	struct dev d = open_dev();

	(void)state;
	upsample_case(&d, 10, 10, 5, 5, TT_FORMAT_FLOAT16_B);	/* 320 input: P4 <- P5 */
	upsample_case(&d, 25, 34, 13, 17, TT_FORMAT_FLOAT16_B);	/* 800x1088: uneven */
	upsample_case(&d, 8, 6, 4, 3, TT_FORMAT_FLOAT32);
	tt_device_close(d.dev);
}

static void pool_case(struct dev *d, uint32_t h, uint32_t w, uint32_t c, uint32_t k,
		      uint32_t s, uint32_t p, enum tt_format fmt)
{
	struct op_tensor in, out;
	float *vi, *got;
	uint32_t ho, wo, ch, y, x, ky, kx;

	CHECK(op_maxpool_out_size(h, w, k, s, p, &ho, &wo));
	random_tensor(d, h, w, c, fmt, &in, &vi);
	CHECK(op_tensor_create(d->dev, ho, wo, c, fmt, &out));
	CHECK(op_maxpool(d->dev, d->cq, &in, k, s, p, &out, NULL));
	got = read_tensor(d, &out);
	for (ch = 0; ch < c; ch++)
		for (y = 0; y < ho; y++)
			for (x = 0; x < wo; x++) {
				float m = -INFINITY, g = got[((size_t)ch * ho + y) * wo + x];

				for (ky = 0; ky < k; ky++)
					for (kx = 0; kx < k; kx++) {
						long iy = (long)(y * s + ky) - p;
						long ix = (long)(x * s + kx) - p;

						if (iy >= 0 && ix >= 0 && iy < h && ix < w)
							m = fmaxf(m, vi[((size_t)ch * h + iy) * w + ix]);
					}
				if (g != m)
					fail_msg("maxpool %u/%u/%u (%u,%u,%u): want %g, got %g", k, s,
						 p, ch, y, x, m, g);
			}
	op_tensor_destroy(&in);
	op_tensor_destroy(&out);
	free(vi);
	free(got);
}

static void test_maxpool(void **state)
{
	struct dev d = open_dev();

	(void)state;
	pool_case(&d, 12, 10, 64, 3, 2, 1, TT_FORMAT_FLOAT16_B);	/* the stem's pool */
	pool_case(&d, 7, 9, 40, 3, 2, 1, TT_FORMAT_FLOAT32);
	pool_case(&d, 12, 10, 320, 3, 2, 1, TT_FORMAT_FLOAT32);	/* in channel groups */
	pool_case(&d, 6, 7, 64, 2, 1, 1, TT_FORMAT_FLOAT32);	/* even window, pad k/2 */
	pool_case(&d, 5, 5, 256, 1, 2, 0, TT_FORMAT_FLOAT16_B);	/* P6, odd size */
	pool_case(&d, 10, 10, 256, 1, 2, 0, TT_FORMAT_FLOAT32);
	tt_device_close(d.dev);
}

static void softmax_case(struct dev *d, uint32_t rows, uint32_t c, enum tt_format fmt)
{
	struct op_tensor in, out;
	float *v, *got;
	uint32_t r, ch;

	random_tensor(d, 1, rows, c, fmt, &in, &v);
	for (size_t i = 0; i < (size_t)rows * c; i++)
		v[i] *= 3.0f;	/* logits spread wider */
	CHECK(op_tensor_write_hwc(d->cq, &in, v));
	if (fmt == TT_FORMAT_FLOAT16_B)
		for (size_t i = 0; i < (size_t)rows * c; i++)
			v[i] = tt_bf16_to_float(tt_float_to_bf16(v[i]));
	CHECK(op_tensor_create(d->dev, 1, rows, c, fmt, &out));
	CHECK(op_softmax(d->dev, d->cq, &in, &out, NULL));
	got = malloc((size_t)rows * c * sizeof(float));
	assert_non_null(got);
	CHECK(op_tensor_read_hwc(d->cq, &out, got));
	for (r = 0; r < rows; r++) {
		const float *x = v + (size_t)r * c;
		double m = -INFINITY, sum = 0;

		for (ch = 0; ch < c; ch++)
			m = fmax(m, x[ch]);
		for (ch = 0; ch < c; ch++)
			sum += exp(x[ch] - m);
		for (ch = 0; ch < c; ch++) {
			double want = exp(x[ch] - m) / sum, g = got[(size_t)r * c + ch];

			if (fabs(g - want) > want * 0.01 + 1e-6)
				fail_msg("softmax row %u class %u: want %g, got %g", r, ch, want, g);
		}
	}
	op_tensor_destroy(&in);
	op_tensor_destroy(&out);
	free(v);
	free(got);
}

static void test_softmax(void **state)
{
	struct dev d = open_dev();

	(void)state;
	softmax_case(&d, 40, 91, TT_FORMAT_FLOAT16_B);
	softmax_case(&d, 40, 91, TT_FORMAT_FLOAT32);
	softmax_case(&d, 3, 32, TT_FORMAT_FLOAT16_B);
	tt_device_close(d.dev);
}

struct seq {
	struct op_conv *conv;
	struct op_tensor in, a, b, c;
};

/* conv 3x3 + relu, residual add + relu, max pool: a stem in small. */
static int run_seq(struct dev *d, struct seq *s, struct op_stats *st)
{
	int ret = op_conv_run(s->conv, d->cq, &s->in, &s->a, st);

	if (!ret)
		ret = op_add(d->dev, d->cq, &s->a, &s->in, &s->b, true, st);
	if (!ret)
		ret = op_maxpool(d->dev, d->cq, &s->b, 3, 2, 1, &s->c, st);
	return ret;
}

static void test_trace(void **state)
{
	struct dev d = open_dev();
	const struct op_conv_desc cd = {
		.in_c = 32, .out_c = 32, .kh = 3, .kw = 3, .stride = 1, .pad = 1, .dilation = 1,
		.relu = true,
	};
	struct op_stats st = { 0 };
	struct seq s;
	float *x1, *x2, *w = malloc(32 * 32 * 9 * sizeof(float)), *direct, *traced, *first;
	size_t n = 32 * 5 * 5, i, differ = 0;
	int id;

	(void)state;
	assert_non_null(w);
	for (i = 0; i < 32 * 32 * 9; i++)
		w[i] = frand() * 0.05f;
	CHECK(op_conv_create(d.dev, &cd, w, NULL, &op_precision_bf16, &s.conv));
	random_tensor(&d, 9, 10, 32, TT_FORMAT_FLOAT16_B, &s.in, &x1);
	CHECK(op_tensor_create(d.dev, 9, 10, 32, TT_FORMAT_FLOAT16_B, &s.a));
	CHECK(op_tensor_create(d.dev, 9, 10, 32, TT_FORMAT_FLOAT16_B, &s.b));
	CHECK(op_tensor_create(d.dev, 5, 5, 32, TT_FORMAT_FLOAT16_B, &s.c));

	/* enqueued without waiting, then finished */
	CHECK(run_seq(&d, &s, NULL));
	CHECK(tt_cq_finish(d.cq));
	first = read_tensor(&d, &s.c);

	/* captured: the ops only record; one that waits is refused */
	id = tt_cq_begin_trace_capture(d.cq);
	CHECK(id);
	CHECK(run_seq(&d, &s, NULL));
	CHECK_FAILS(op_add(d.dev, d.cq, &s.a, &s.in, &s.b, true, &st), -EBUSY, "");
	CHECK(tt_cq_end_trace_capture(d.cq, (uint32_t)id));

	/* a new input: the replay and a direct run agree, and differ from the first */
	x2 = malloc(9 * 10 * 32 * sizeof(float));
	assert_non_null(x2);
	for (i = 0; i < 9 * 10 * 32; i++)
		x2[i] = frand();
	CHECK(op_tensor_write(d.cq, &s.in, x2));
	CHECK(tt_cq_replay_trace(d.cq, (uint32_t)id, true));
	traced = read_tensor(&d, &s.c);
	CHECK(run_seq(&d, &s, &st));
	assert_true(st.device_cycles > 0);
	direct = read_tensor(&d, &s.c);
	for (i = 0; i < n; i++) {
		assert_true(traced[i] == direct[i]);
		differ += traced[i] != first[i];
	}
	assert_true(differ > n / 2);
	CHECK(tt_release_trace(d.dev, (uint32_t)id));
	op_conv_destroy(s.conv);
	op_tensor_destroy(&s.in);
	op_tensor_destroy(&s.a);
	op_tensor_destroy(&s.b);
	op_tensor_destroy(&s.c);
	free(x1);
	free(x2);
	free(w);
	free(first);
	free(traced);
	free(direct);
	tt_device_close(d.dev);
}

static void test_bad_input(void **state)
{
	struct dev d = open_dev();
	struct op_tensor a, b, c32, small, out, fake;
	float *va, *vb, *v32;

	(void)state;
	random_tensor(&d, 4, 4, 64, TT_FORMAT_FLOAT16_B, &a, &va);
	random_tensor(&d, 4, 4, 32, TT_FORMAT_FLOAT16_B, &b, &vb);
	random_tensor(&d, 4, 4, 64, TT_FORMAT_FLOAT32, &c32, &v32);
	CHECK(op_tensor_create(d.dev, 2, 2, 64, TT_FORMAT_FLOAT16_B, &small));
	CHECK(op_tensor_create(d.dev, 4, 4, 64, TT_FORMAT_FLOAT16_B, &out));

	CHECK_FAILS(op_tensor_create(d.dev, 4, 4, 64, TT_FORMAT_BFP8_B, &fake), -EINVAL,
		    "is not Float16_b or Float32");
	CHECK_FAILS(op_tensor_create(d.dev, 0, 4, 64, TT_FORMAT_FLOAT32, &fake), -EINVAL,
		    "empty or too large");
	CHECK_FAILS(op_add(d.dev, d.cq, &a, &b, &out, false, NULL), -EINVAL,
		    "32 channels in, 64 out");
	CHECK_FAILS(op_add(d.dev, d.cq, &a, &c32, &out, false, NULL), -EINVAL, "formats");
	CHECK_FAILS(op_add(d.dev, d.cq, &a, &a, &small, false, NULL), -EINVAL, "4x4 in, 2x2 out");
	CHECK_FAILS(op_add(d.dev, d.cq, &a, NULL, &out, false, NULL), -EINVAL, "no tensor");
	CHECK_FAILS(op_upsample_add(d.dev, d.cq, &small, &a, &small, NULL), -EINVAL,
		    "does not upsample");
	CHECK_FAILS(op_relu(d.dev, d.cq, &a, &b, NULL), -EINVAL, "64 channels in, 32 out");
	CHECK_FAILS(op_maxpool(d.dev, d.cq, &a, 3, 2, 1, &out, NULL), -EINVAL, "must be 2x2x64");
	CHECK_FAILS(op_maxpool(d.dev, d.cq, &a, 7, 2, 3, &small, NULL), -EINVAL, "k*k");
	CHECK_FAILS(op_maxpool(d.dev, d.cq, &a, 3, 0, 1, &small, NULL), -EINVAL, "stride");
	CHECK_FAILS(op_softmax(d.dev, d.cq, &a, &b, NULL), -EINVAL, "differs from the input");
	CHECK_FAILS(op_softmax(d.dev, d.cq, &a, &c32, NULL), -EINVAL, "differs from the input");
	/* a tensor whose fields do not match its buffer: too small a buffer */
	fake = small;
	fake.h = 16;
	fake.rows = 256;
	CHECK_FAILS(op_relu(d.dev, d.cq, &fake, &fake, NULL), -EINVAL, "does not match its buffer");
	fake = a;
	fake.fmt = TT_FORMAT_BFP8_B;
	CHECK_FAILS(op_relu(d.dev, d.cq, &fake, &out, NULL), -EINVAL, "does not match its buffer");

	/* still works */
	CHECK(op_add(d.dev, d.cq, &a, &a, &out, false, NULL));
	{
		float *got = read_tensor(&d, &out);

		for (size_t i = 0; i < 4 * 4 * 64; i++)
			assert_true(got[i] == round_to(TT_FORMAT_FLOAT16_B, 2.0 * va[i]));
		free(got);
	}
	op_tensor_destroy(&a);
	op_tensor_destroy(&b);
	op_tensor_destroy(&c32);
	op_tensor_destroy(&small);
	op_tensor_destroy(&out);
	free(va);
	free(vb);
	free(v32);
	tt_device_close(d.dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_relu),
		cmocka_unit_test(test_upsample_add),
		cmocka_unit_test(test_maxpool),
		cmocka_unit_test(test_softmax),
		cmocka_unit_test(test_trace),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
