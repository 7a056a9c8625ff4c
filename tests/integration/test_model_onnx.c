// SPDX-License-Identifier: MIT
/*
 * The device ops against the ONNX node test vectors of Debian's
 * libonnx-testdata where an op of the network has an ONNX twin:
 *   RoiAlign (output_half_pixel, i.e. aligned=False; 5x5, sampling 2,
 *   scale 1) -> op_roi_align with one level, in Float32: within 2^-8 of
 *   the largest input (the FPU's 19-bit sources);
 *   MaxPool (the cases the network's pools fit: k*k <= 32, pad <= k/2)
 *   -> op_maxpool, and Resize nearest upsampling (half_pixel,
 *   round_prefer_floor, which for these sizes picks torch's
 *   floor(dst * in / out)) -> op_upsample_add onto zeros, both in
 *   Float16_b: exactly the expected values rounded to bf16; MaxPool in
 *   Float32 too: exactly the expected values.
 * The vectors' channels go into the first channels of 32-channel tensors.
 */
#include <math.h>

#include "helpers.h"
#include "../onnx_testdata.h"
#include "../../model/ops/ops.h"

#define WIDE	32

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

/* Channel ch (of c) of an NCHW vector's image 0 into a WIDE-channel tensor [WIDE][h][w]. */
static float *widen(const struct tensor *x, uint32_t c, uint32_t h, uint32_t w, bool bf16)
{
	float *v = calloc((size_t)WIDE * h * w, sizeof(float));

	assert_non_null(v);
	for (size_t i = 0; i < (size_t)c * h * w; i++)
		v[i] = bf16 ? tt_bf16_to_float(tt_float_to_bf16(x->f[i])) : x->f[i];
	return v;
}

static void roialign_case(struct dev *d)
{
	const char *test = "test_roialign_aligned_false";
	struct tensor x = load(test, "input_0.pb"), rois = load(test, "input_1.pb");
	struct tensor idx = load(test, "input_2.pb"), want = load(test, "output_0.pb");
	uint32_t C = (uint32_t)x.dims[1], H = (uint32_t)x.dims[2], W = (uint32_t)x.dims[3];
	uint32_t n = (uint32_t)rois.dims[0], P = (uint32_t)want.dims[2];
	struct op_tensor map, out;
	const struct op_tensor *maps[1] = { &map };
	struct op_roi_align *ra;
	struct op_boxes boxes;
	float *in = widen(&x, C, H, W, false), *got, big = 0, worst = 0;

	assert_true(x.dims[0] == 1 && P == 5 && C <= WIDE);
	for (uint32_t r = 0; r < n; r++)
		assert_int_equal(idx.i[r], 0);
	for (size_t i = 0; i < x.n; i++)
		big = fmaxf(big, fabsf(x.f[i]));
	got = malloc((size_t)n * P * P * WIDE * sizeof(float));
	assert_non_null(got);
	CHECK(op_tensor_create(d->dev, H, W, WIDE, TT_FORMAT_FLOAT32, &map));
	CHECK(op_tensor_write(d->cq, &map, in));
	CHECK(op_tensor_create(d->dev, 1, n, P * P * WIDE, TT_FORMAT_FLOAT32, &out));
	CHECK(op_roi_align_create(d->dev, P, 2, &ra));
	CHECK(op_boxes_create(d->dev, n, &boxes));
	CHECK(op_boxes_write(d->cq, &boxes, rois.f, NULL, n));
	/* one level as high as the "image": scale 1 */
	CHECK(op_roi_align_run(ra, d->cq, maps, 1, H, W, &boxes, &out, NULL));
	CHECK(op_tensor_read_hwc(d->cq, &out, got));
	for (uint32_t r = 0; r < n; r++)
		for (uint32_t c = 0; c < C; c++)
			for (uint32_t b = 0; b < P * P; b++) {
				float e = want.f[((size_t)r * C + c) * P * P + b];
				float g = got[((size_t)r * P * P + b) * WIDE + c];

				worst = fmaxf(worst, fabsf(e - g));
			}
	print_message("%s: max |diff| %.3g over %zu values (inputs up to %.3g)\n", test, worst,
		      want.n, big);
	assert_true(worst <= big * 0x1p-8);
	op_roi_align_destroy(ra);
	op_boxes_destroy(&boxes);
	op_tensor_destroy(&map);
	op_tensor_destroy(&out);
	free(in);
	free(got);
	release(&x);
	release(&rois);
	release(&idx);
	release(&want);
}

static void test_roialign(void **state)
{
	struct dev d = open_dev();

	(void)state;
	roialign_case(&d);
	tt_device_close(d.dev);
}

/* got against want rounded once to fmt (Float32 or Float16_b), exactly; out CHW of want's size. */
static void compare_rounded(const char *test, const struct tensor *want, const float *got,
			 uint32_t c, uint32_t h, uint32_t w, enum tt_format fmt)
{
	size_t bad = 0;

	assert_true(want->dims[0] == 1 && (uint32_t)want->dims[1] == c &&
		    (uint32_t)want->dims[2] == h && (uint32_t)want->dims[3] == w);
	for (size_t i = 0; i < (size_t)c * h * w; i++)
		if (got[i] != (fmt == TT_FORMAT_FLOAT32 ? want->f[i] :
			       tt_bf16_to_float(tt_float_to_bf16(want->f[i]))) && bad++ < 5)
			print_error("%s: [%zu] want %g, got %g\n", test, i, want->f[i], got[i]);
	print_message("%s: %zu values, %zu differ\n", test, (size_t)c * h * w, bad);
	assert_int_equal(bad, 0);
}

static void maxpool_case(struct dev *d, const char *test, uint32_t k, uint32_t s, uint32_t pad,
			 enum tt_format fmt)
{
	struct tensor x = load(test, "input_0.pb"), want = load(test, "output_0.pb");
	uint32_t C = (uint32_t)x.dims[1], H = (uint32_t)x.dims[2], W = (uint32_t)x.dims[3];
	uint32_t ho, wo;
	struct op_tensor in, out;
	float *v = widen(&x, C, H, W, fmt == TT_FORMAT_FLOAT16_B), *got;

	assert_true(x.dims[0] == 1 && C <= WIDE);
	CHECK(op_maxpool_out_size(H, W, k, s, pad, &ho, &wo));
	got = malloc((size_t)WIDE * ho * wo * sizeof(float));
	assert_non_null(got);
	CHECK(op_tensor_create(d->dev, H, W, WIDE, fmt, &in));
	CHECK(op_tensor_write(d->cq, &in, v));
	CHECK(op_tensor_create(d->dev, ho, wo, WIDE, fmt, &out));
	CHECK(op_maxpool(d->dev, d->cq, &in, k, s, pad, &out, NULL));
	CHECK(op_tensor_read(d->cq, &out, got));
	compare_rounded(test, &want, got, C, ho, wo, fmt);
	op_tensor_destroy(&in);
	op_tensor_destroy(&out);
	free(v);
	free(got);
	release(&x);
	release(&want);
}

static void test_maxpool(void **state)
{
	struct dev d = open_dev();

	(void)state;
	/* kernel_shape, strides, pads as the nodes set them */
	for (int f = 0; f < 2; f++) {
		enum tt_format fmt = f ? TT_FORMAT_FLOAT32 : TT_FORMAT_FLOAT16_B;

		maxpool_case(&d, "test_maxpool_2d_default", 2, 1, 0, fmt);
		maxpool_case(&d, "test_maxpool_2d_strides", 5, 3, 0, fmt);
		maxpool_case(&d, "test_maxpool_2d_precomputed_pads", 5, 1, 2, fmt);
		maxpool_case(&d, "test_maxpool_2d_precomputed_strides", 2, 2, 0, fmt);
	}
	tt_device_close(d.dev);
}

static void resize_case(struct dev *d, const char *test)
{
	struct tensor x = load(test, "input_0.pb"), want = load(test, "output_0.pb");
	uint32_t C = (uint32_t)x.dims[1], H = (uint32_t)x.dims[2], W = (uint32_t)x.dims[3];
	uint32_t ho = (uint32_t)want.dims[2], wo = (uint32_t)want.dims[3];
	struct op_tensor small, zero, out;
	float *v = widen(&x, C, H, W, true), *z = calloc((size_t)WIDE * ho * wo, sizeof(float));
	float *got = malloc((size_t)WIDE * ho * wo * sizeof(float));

	assert_true(x.dims[0] == 1 && C <= WIDE && z && got);
	CHECK(op_tensor_create(d->dev, H, W, WIDE, TT_FORMAT_FLOAT16_B, &small));
	CHECK(op_tensor_write(d->cq, &small, v));
	CHECK(op_tensor_create(d->dev, ho, wo, WIDE, TT_FORMAT_FLOAT16_B, &zero));
	CHECK(op_tensor_write(d->cq, &zero, z));
	CHECK(op_tensor_create(d->dev, ho, wo, WIDE, TT_FORMAT_FLOAT16_B, &out));
	CHECK(op_upsample_add(d->dev, d->cq, &zero, &small, &out, NULL));
	CHECK(op_tensor_read(d->cq, &out, got));
	compare_rounded(test, &want, got, C, ho, wo, TT_FORMAT_FLOAT16_B);
	op_tensor_destroy(&small);
	op_tensor_destroy(&zero);
	op_tensor_destroy(&out);
	free(v);
	free(z);
	free(got);
	release(&x);
	release(&want);
}

static void test_resize_nearest(void **state)
{
	struct dev d = open_dev();

	(void)state;
	resize_case(&d, "test_resize_upsample_scales_nearest");
	resize_case(&d, "test_resize_upsample_sizes_nearest");
	tt_device_close(d.dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roialign),
		cmocka_unit_test(test_maxpool),
		cmocka_unit_test(test_resize_nearest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
