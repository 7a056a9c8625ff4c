// SPDX-License-Identifier: MIT
/*
 * The host ops against the ONNX node test vectors of Debian's
 * libonnx-testdata: RoiAlign (aligned false/true), NonMaxSuppression (every
 * case) and Resize (bilinear, half-pixel). The vectors are TensorProto files,
 * read here with a small protobuf reader. The tests adapt ONNX's formats
 * (batches, [y1 x1 y2 x2] corners in any order, centre boxes, per-class caps
 * and score thresholds) around our ops.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../libttuser/internal.h"
#include "../../model/reference/detection.h"

#include "../onnx_testdata.h"

static void roialign_case(const char *test, bool aligned)
{
	struct tensor x = load(test, "input_0.pb"), rois = load(test, "input_1.pb");
	struct tensor idx = load(test, "input_2.pb"), want = load(test, "output_0.pb");
	int C = (int)x.dims[1], H = (int)x.dims[2], W = (int)x.dims[3];
	float *out = malloc(want.n * sizeof(float));
	double worst = 0;

	/* The node: output 5x5, spatial_scale 1, sampling_ratio 2, mode avg. */
	assert_int_equal(want.dims[2], 5);
	for (int64_t r = 0; r < rois.dims[0]; r++) {
		struct feature_map f = { x.f + (size_t)idx.i[r] * (size_t)(C * H * W), C, H, W };

		assert_int_equal(roi_align(&f, 1.0, 5, 2, aligned, rois.f + r * 4, 1,
					   out + (size_t)r * (size_t)C * 25), 0);
	}
	for (size_t i = 0; i < want.n; i++)
		worst = fmax(worst, fabs(out[i] - want.f[i]));
	print_message("%s: max |diff| %.3g over %zu values\n", test, worst, want.n);
	assert_true(worst < 1e-4);
	free(out);
	release(&x);
	release(&rois);
	release(&idx);
	release(&want);
}

static void test_roialign_aligned_false(void **state)
{
	(void)state;
	roialign_case("test_roialign_aligned_false", false);
}

static void test_roialign_aligned_true(void **state)
{
	(void)state;
	roialign_case("test_roialign_aligned_true", true);
}

/* One NonMaxSuppression case; center: boxes are [xc, yc, w, h]. */
static void nms_case(const char *test, bool center)
{
	struct tensor boxes = load(test, "input_0.pb"), scores = load(test, "input_1.pb");
	struct tensor maxout = load(test, "input_2.pb"), iou = load(test, "input_3.pb");
	struct tensor thr = load(test, "input_4.pb"), want = load(test, "output_0.pb");
	int64_t nb = boxes.dims[0], n = boxes.dims[1], nc = scores.dims[1];
	float *corners = malloc((size_t)n * 4 * sizeof(float)), *s = malloc((size_t)n * sizeof(float));
	size_t *keep = malloc((size_t)n * sizeof(size_t)), *orig = malloc((size_t)n * sizeof(size_t));
	size_t got = 0;

	for (int64_t b = 0; b < nb; b++)
		for (int64_t c = 0; c < nc; c++) {
			size_t m = 0;
			long k;

			/* Boxes scoring above the threshold, as x1 y1 x2 y2 with x1 <= x2. */
			for (int64_t i = 0; i < n; i++) {
				const float *v = boxes.f + (b * n + i) * 4;
				float score = scores.f[(b * nc + c) * n + i];
				float *o = corners + m * 4;

				if (!(score > thr.f[0]))
					continue;
				if (center) {
					o[0] = v[0] - v[2] / 2;
					o[1] = v[1] - v[3] / 2;
					o[2] = v[0] + v[2] / 2;
					o[3] = v[1] + v[3] / 2;
				} else {
					o[0] = fminf(v[1], v[3]);
					o[1] = fminf(v[0], v[2]);
					o[2] = fmaxf(v[1], v[3]);
					o[3] = fmaxf(v[0], v[2]);
				}
				s[m] = score;
				orig[m++] = (size_t)i;
			}
			k = nms(corners, s, m, iou.f[0], keep);
			assert_true(k >= 0);
			if (k > maxout.i[0])
				k = maxout.i[0];
			for (long j = 0; j < k; j++, got++) {
				assert_true(got < (size_t)want.dims[0]);
				assert_int_equal(want.i[got * 3 + 0], b);
				assert_int_equal(want.i[got * 3 + 1], c);
				assert_int_equal(want.i[got * 3 + 2], (int64_t)orig[keep[j]]);
			}
		}
	assert_int_equal(got, (size_t)want.dims[0]);
	free(corners);
	free(s);
	free(keep);
	free(orig);
	release(&boxes);
	release(&scores);
	release(&maxout);
	release(&iou);
	release(&thr);
	release(&want);
}

static void test_nonmaxsuppression(void **state)
{
	static const char *const cases[] = {
		"test_nonmaxsuppression_flipped_coordinates",
		"test_nonmaxsuppression_identical_boxes",
		"test_nonmaxsuppression_limit_output_size",
		"test_nonmaxsuppression_single_box",
		"test_nonmaxsuppression_suppress_by_IOU",
		"test_nonmaxsuppression_suppress_by_IOU_and_scores",
		"test_nonmaxsuppression_two_batches",
		"test_nonmaxsuppression_two_classes",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		nms_case(cases[i], false);
	nms_case("test_nonmaxsuppression_center_point_box_format", true);
}

/* Resize, linear, half-pixel (ONNX's default): the transform's bilinear step. */
static void test_resize_linear(void **state)
{
	const char *test = "test_resize_upsample_scales_linear";
	struct tensor x = load(test, "input_0.pb"), scales = load(test, "input_1.pb");
	struct tensor want = load(test, "output_0.pb");
	int h = (int)x.dims[2], w = (int)x.dims[3];
	int oh = (int)want.dims[2], ow = (int)want.dims[3];
	struct transform_config c = { .min_size = oh, .max_size = ow, .size_divisible = 1,
				      .mean = { 0, 0, 0 }, .std = { 1, 1, 1 } };
	float *in = malloc((size_t)3 * h * w * sizeof(float)), *out = malloc((size_t)3 * oh * ow * sizeof(float));

	(void)state;
	assert_true(scales.f[2] == 2 && scales.f[3] == 2 && h == w);
	for (int ch = 0; ch < 3; ch++)
		memcpy(in + ch * h * w, x.f, (size_t)h * w * sizeof(float));
	assert_int_equal(transform_image(&c, in, h, w, out), 0);
	for (int ch = 0; ch < 3; ch++)
		for (int i = 0; i < oh * ow; i++)
			assert_true(fabs(out[ch * oh * ow + i] - want.f[i]) < 1e-5);
	free(in);
	free(out);
	release(&x);
	release(&scales);
	release(&want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roialign_aligned_false),
		cmocka_unit_test(test_roialign_aligned_true),
		cmocka_unit_test(test_nonmaxsuppression),
		cmocka_unit_test(test_resize_linear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
