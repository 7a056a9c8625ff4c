// SPDX-License-Identifier: MIT
/*
 * model/ops transform on the device against model/reference/transform.c's
 * transform_image: in Float32 bit for bit, channel 3 of every stick zero,
 * for random images upscaled, downscaled, non-square, padded to a
 * multiple of 32 or not padded at all (rows that straddle pages), one
 * pixel wide and one pixel high, on 64, 4 and 1 cores; in Float16_b the
 * host's value rounded to nearest even. Then bad input, after which the
 * op and the device still work.
 */
#include "helpers.h"
#include "../../model/reference/detection.h"
#include "../../model/ops/ops.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

struct tcase {
	int h, w;
	int min_size, max_size, size_divisible;
};

static const struct tcase cases[] = {
	{ 128, 128, 320, 320, 32 },	/* upscale, 320x320 */
	{ 500, 420, 320, 320, 32 },	/* downscale: 320x268 -> 320x288 */
	{ 150, 333, 200, 400, 32 },	/* non-square, up: 180x399 -> 192x416 */
	{ 97, 61, 100, 160, 32 },	/* 159x99 -> 160x128 */
	{ 45, 77, 50, 90, 1 },		/* no padding: 50x85, rows across pages */
	{ 40, 1, 320, 320, 32 },	/* one pixel wide: 320x8 -> 320x32 */
	{ 1, 30, 64, 64, 8 },		/* one pixel high: 2x64 -> 8x64 */
};

static struct op_transform_desc make_desc(const struct transform_config *c, int h, int w)
{
	struct op_transform_desc d = { .h = (uint32_t)h, .w = (uint32_t)w };
	int rh, rw, ph, pw;

	transform_sizes(c, h, w, &rh, &rw, &ph, &pw);
	d.rh = (uint32_t)rh;
	d.rw = (uint32_t)rw;
	d.ph = (uint32_t)ph;
	d.pw = (uint32_t)pw;
	memcpy(d.mean, c->mean, sizeof(d.mean));
	memcpy(d.std, c->std, sizeof(d.std));
	return d;
}

static float *random_image(int h, int w)
{
	size_t n = (size_t)3 * h * w;
	float *img = malloc(n * sizeof(float));

	assert_non_null(img);
	for (size_t i = 0; i < n; i++)
		img[i] = test_frand(&rng, 0.0f, 1.0f);
	/* the extremes too */
	img[0] = 0.0f;
	img[n - 1] = 1.0f;
	return img;
}

/* One case in one format: the device's sticks against transform_image. */
static void compare(struct tt_device *dev, const struct tcase *tc, enum tt_format fmt, bool wait)
{
	struct tt_cq *cq = tt_device_cq(dev, 0);
	struct transform_config c = transform_default;
	struct op_stats st = { 0 };
	struct op_transform_desc d;
	struct op_transform *t;
	struct op_tensor out;
	uint32_t npix, p, ch, bad = 0;
	float *img, *want;
	uint8_t *sticks;

	c.min_size = tc->min_size;
	c.max_size = tc->max_size;
	c.size_divisible = tc->size_divisible;
	d = make_desc(&c, tc->h, tc->w);
	npix = d.ph * d.pw;
	img = random_image(tc->h, tc->w);
	want = malloc((size_t)3 * npix * sizeof(float));
	assert_non_null(want);
	assert_int_equal(transform_image(&c, img, tc->h, tc->w, want), 0);
	CHECK(op_transform_create(dev, &d, &t));
	CHECK(op_tensor_create(dev, d.ph, d.pw, 3, fmt, &out));
	CHECK(op_transform_run(t, cq, img, &out, wait ? &st : NULL));
	if (wait)
		assert_true(st.device_cycles > 0);
	else
		CHECK(tt_cq_finish(cq));
	sticks = malloc(tt_buffer_size(out.buf));
	assert_non_null(sticks);
	CHECK(tt_cq_read_buffer(cq, out.buf, sticks, true));
	for (p = 0; p < npix; p++)
		for (ch = 0; ch < out.c_pad; ch++) {
			size_t i = (size_t)p * out.c_pad + ch;
			float host = ch < 3 ? want[(size_t)ch * npix + p] : 0.0f;
			uint32_t got, exp;

			if (fmt == TT_FORMAT_FLOAT32) {
				memcpy(&got, sticks + 4 * i, 4);
				exp = test_fbits(host);
			} else {
				uint16_t g;

				memcpy(&g, sticks + 2 * i, 2);
				got = g;
				exp = tt_float_to_bf16(host);
			}
			if (got != exp && bad++ < 5)
				print_message("%dx%d -> %ux%u (%ux%u), format %d: pixel %u (y %u, x %u) "
					      "channel %u: 0x%x, want 0x%x\n", tc->h, tc->w, d.rh,
					      d.rw, d.ph, d.pw, (int)fmt, p, p / d.pw, p % d.pw, ch,
					      got, exp);
		}
	assert_int_equal(bad, 0);
	free(sticks);
	op_tensor_destroy(&out);
	op_transform_destroy(t);
	free(img);
	free(want);
}

static void test_fp32(void **state)
{
	struct tt_device *dev = open_device("sim");

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		compare(dev, &cases[i], TT_FORMAT_FLOAT32, i % 2 == 0);
	tt_device_close(dev);
}

static void test_bf16(void **state)
{
	struct tt_device *dev = open_device("sim");

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		compare(dev, &cases[i], TT_FORMAT_FLOAT16_B, i % 2 == 1);
	tt_device_close(dev);
}

/* Several rows a core, input rows kept from one output row to the next. */
static void test_few_cores(void **state)
{
	struct tt_device *dev = open_device("sim:grid=2x2");
	struct tt_device *one = open_device("sim:grid=1x1");

	(void)state;
	compare(dev, &cases[0], TT_FORMAT_FLOAT32, true);
	compare(dev, &cases[1], TT_FORMAT_FLOAT16_B, false);
	compare(dev, &cases[4], TT_FORMAT_FLOAT32, false);
	compare(one, &cases[2], TT_FORMAT_FLOAT32, true);
	tt_device_close(dev);
	tt_device_close(one);
}

/* The step the detector records: named, shaped, measured. */
struct seen {
	int n;
	char op[32], shape[80];
	uint64_t cycles;
};

static void report(void *ctx, const char *op, const char *shape, uint64_t cycles, double host_us)
{
	struct seen *s = ctx;

	(void)host_us;
	s->n++;
	snprintf(s->op, sizeof(s->op), "%s", op);
	snprintf(s->shape, sizeof(s->shape), "%s", shape);
	s->cycles = cycles;
}

static void test_bad_input(void **state)
{
	struct tt_device *dev = open_device("sim:grid=2x2");
	struct tt_cq *cq = tt_device_cq(dev, 0);
	struct op_transform_desc d = make_desc(&transform_default, 64, 48), bad;
	struct seen seen = { 0 };
	struct op_stats st = { .report = report, .report_ctx = &seen };
	struct op_tensor out, small, wide, bf16;
	struct op_transform *t;
	float *img = random_image(64, 48);

	(void)state;
	CHECK_FAILS(op_transform_create(NULL, &d, &t), -EINVAL, "NULL");
	CHECK_FAILS(op_transform_create(dev, NULL, &t), -EINVAL, "NULL");
	bad = d;
	bad.h = 0;
	CHECK_FAILS(op_transform_create(dev, &bad, &t), -EINVAL, "image 0x48");
	bad = d;
	bad.rw = 0;
	CHECK_FAILS(op_transform_create(dev, &bad, &t), -EINVAL, "resized to 320x0");
	bad = d;
	bad.ph = bad.rh - 1;
	CHECK_FAILS(op_transform_create(dev, &bad, &t), -EINVAL, "padding >= the resized");
	bad = d;
	bad.std[1] = 0;
	CHECK_FAILS(op_transform_create(dev, &bad, &t), -EINVAL, "std not 0");
	CHECK(op_transform_create(dev, &d, &t));
	CHECK(op_tensor_create(dev, d.ph, d.pw, 3, TT_FORMAT_FLOAT32, &out));
	CHECK(op_tensor_create(dev, d.ph, d.pw - 32, 3, TT_FORMAT_FLOAT32, &small));
	CHECK(op_tensor_create(dev, d.ph, d.pw, 4, TT_FORMAT_FLOAT32, &wide));
	CHECK(op_tensor_create(dev, d.ph, d.pw, 3, TT_FORMAT_FLOAT16_B, &bf16));
	CHECK_FAILS(op_transform_run(t, cq, NULL, &out, NULL), -EINVAL, "NULL");
	CHECK_FAILS(op_transform_run(NULL, cq, img, &out, NULL), -EINVAL, "NULL");
	CHECK_FAILS(op_transform_run(t, cq, img, NULL, NULL), -EINVAL, "no tensor");
	CHECK_FAILS(op_transform_run(t, cq, img, &small, NULL), -EINVAL,
		    "output is 320x224x3, must be 320x256x3");
	CHECK_FAILS(op_transform_run(t, cq, img, &wide, NULL), -EINVAL, "must be 320x256x3");
	/* a tensor claiming a format that is not an activation format */
	bf16.fmt = TT_FORMAT_BFP8_B;
	CHECK_FAILS(op_transform_run(t, cq, img, &bf16, NULL), -EINVAL, "does not match");
	bf16.fmt = TT_FORMAT_FLOAT16_B;
	/* and it still works, reporting itself */
	CHECK(op_transform_run(t, cq, img, &out, &st));
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.op, "transform");
	assert_string_equal(seen.shape, "64x48x3 -> 320x256x3");
	assert_true(seen.cycles > 0 && seen.cycles == st.device_cycles);
	{
		size_t n = (size_t)3 * d.ph * d.pw;
		float *want = malloc(n * sizeof(float)), *got = malloc(n * sizeof(float));

		assert_true(want && got);
		assert_int_equal(transform_image(&transform_default, img, 64, 48, want), 0);
		CHECK(op_tensor_read(cq, &out, got));
		assert_memory_equal(got, want, n * sizeof(float));
		free(want);
		free(got);
	}
	op_tensor_destroy(&out);
	op_tensor_destroy(&small);
	op_tensor_destroy(&wide);
	op_tensor_destroy(&bf16);
	op_transform_destroy(t);
	op_transform_destroy(NULL);
	free(img);
	tt_device_close(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fp32),
		cmocka_unit_test(test_bf16),
		cmocka_unit_test(test_few_cores),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
