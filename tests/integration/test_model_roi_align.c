// SPDX-License-Identifier: MIT
/*
 * model/ops RoIAlign on the device against model/roi_align.c's
 * MultiScaleRoIAlign (torchvision's algorithm on the host), on random
 * FPN-like maps of four levels and random boxes of every size (so every
 * level is used, and boxes reaching past the map's edges):
 *   Float32: every value within 2^-8 * max|map| of the host's -- the
 *   FPU's 19-bit sources keep 10 mantissa bits of each weight and value;
 *   Float16_b: within 2^-6 * max|map| (the result is rounded to bf16).
 * Both also by PCC >= 0.9999. The output is (y, x, c) per RoI.
 * In parts (bins 0..19, 20..39, 40..48 a RoI), the same values as whole.
 * Then bad input, after which the op still works.
 */
#include <math.h>

#include "helpers.h"
#include "../../model/detection.h"
#include "../../model/ops/ops.h"

#define LEVELS	4
#define IMG	128
#define P	7

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static float frand(float lo, float hi)
{
	return test_frand(&rng, lo, hi);
}

struct setup {
	struct tt_device *dev;
	struct tt_cq *cq;
	struct op_tensor maps[LEVELS];
	const struct op_tensor *mp[LEVELS];
	float *host[LEVELS];		/* [c][h][w], as the device holds them */
	struct feature_map fm[LEVELS];
	uint32_t c;
};

static void make_maps(struct setup *s, uint32_t c, enum tt_format fmt)
{
	s->dev = open_device("sim:grid=4x4");
	s->cq = tt_device_cq(s->dev, 0);
	s->c = c;
	for (int l = 0; l < LEVELS; l++) {
		uint32_t hw = IMG >> (2 + l), n = c * hw * hw;

		s->host[l] = malloc(n * sizeof(float));
		assert_non_null(s->host[l]);
		for (uint32_t i = 0; i < n; i++) {
			s->host[l][i] = frand(-3, 3);
			if (fmt == TT_FORMAT_FLOAT16_B)
				s->host[l][i] = tt_bf16_to_float(tt_float_to_bf16(s->host[l][i]));
		}
		CHECK(op_tensor_create(s->dev, hw, hw, c, fmt, &s->maps[l]));
		CHECK(op_tensor_write(s->cq, &s->maps[l], s->host[l]));
		s->mp[l] = &s->maps[l];
		s->fm[l] = (struct feature_map){ s->host[l], (int)c, (int)hw, (int)hw };
	}
}

static void free_maps(struct setup *s)
{
	for (int l = 0; l < LEVELS; l++) {
		op_tensor_destroy(&s->maps[l]);
		free(s->host[l]);
	}
	tt_device_close(s->dev);
}

/* Boxes from a few pixels to the whole image, some past its edges. */
static void random_boxes(float *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		float size = powf(2.0f, frand(1.0f, 9.5f)), aspect = powf(2.0f, frand(-1, 1));
		float w = size * sqrtf(aspect), h = size / sqrtf(aspect);
		float cx = frand(-8, IMG + 8), cy = frand(-8, IMG + 8);

		b[4 * i] = cx - w / 2;
		b[4 * i + 1] = cy - h / 2;
		b[4 * i + 2] = cx + w / 2;
		b[4 * i + 3] = cy + h / 2;
	}
}

static void compare(struct setup *s, enum tt_format fmt, uint32_t n, uint32_t sampling)
{
	uint32_t c = s->c, per = c * P * P;
	float *boxes = malloc(n * 4 * sizeof(float)), *want = malloc((size_t)n * per * 4);
	float *got = malloc((size_t)n * per * 4);
	int *level = malloc(n * sizeof(int)), used[LEVELS] = { 0 };
	struct op_roi_align *ra;
	struct op_tensor out;
	double sxy = 0, sxx = 0, syy = 0, sx = 0, sy = 0, tol, pcc, m = (double)n * per;

	assert_true(boxes && want && got && level);
	random_boxes(boxes, n);
	CHECK(multiscale_roi_align(s->fm, LEVELS, IMG, IMG, boxes, n, P, (int)sampling, want,
				   level));
	for (uint32_t i = 0; i < n; i++)
		used[level[i]]++;
	for (int l = 0; l < LEVELS && n > 20; l++)
		assert_true(used[l] > 0);
	CHECK(op_roi_align_create(s->dev, P, sampling, n + 5, &ra));
	CHECK(op_tensor_create(s->dev, 1, n, per, fmt, &out));
	CHECK(op_roi_align_run(ra, s->cq, s->mp, LEVELS, IMG, IMG, boxes, n, &out, NULL));
	CHECK(op_tensor_read_hwc(s->cq, &out, got));
	tol = 3.0 * (fmt == TT_FORMAT_FLOAT32 ? 0x1p-8 : 0x1p-6);
	for (uint32_t r = 0; r < n; r++)
		for (uint32_t ch = 0; ch < c; ch++)
			for (uint32_t b = 0; b < P * P; b++) {
				double x = want[((size_t)r * c + ch) * P * P + b];
				double y = got[(size_t)r * per + b * c + ch];

				if (fabs(x - y) > tol)
					fail_msg("RoI %u (%g %g %g %g, level %d) channel %u bin %u: "
						 "host %g, device %g", r, boxes[4 * r],
						 boxes[4 * r + 1], boxes[4 * r + 2], boxes[4 * r + 3],
						 level[r], ch, b, x, y);
				sx += x;
				sy += y;
				sxx += x * x;
				syy += y * y;
				sxy += x * y;
			}
	pcc = (sxy - sx * sy / m) / sqrt((sxx - sx * sx / m) * (syy - sy * sy / m));
	print_message("roi_align %s, %u RoIs, %u channels, sampling %u: PCC %.6f\n",
		      fmt == TT_FORMAT_FLOAT32 ? "fp32" : "bf16", n, c, sampling, pcc);
	assert_true(pcc >= 0.9999);
	op_tensor_destroy(&out);
	op_roi_align_destroy(ra);
	free(boxes);
	free(want);
	free(got);
	free(level);
}

static void test_fp32(void **state)
{
	struct setup s;

	(void)state;
	make_maps(&s, 64, TT_FORMAT_FLOAT32);
	compare(&s, TT_FORMAT_FLOAT32, 37, 2);
	compare(&s, TT_FORMAT_FLOAT32, 5, 1);
	free_maps(&s);
}

static void test_bf16(void **state)
{
	struct setup s;

	(void)state;
	make_maps(&s, 256, TT_FORMAT_FLOAT16_B);
	compare(&s, TT_FORMAT_FLOAT16_B, 29, 2);
	free_maps(&s);
}

static void test_bad_input(void **state)
{
	struct setup s;
	struct op_roi_align *ra;
	struct op_tensor out, odd;
	float boxes[8] = { 1, 2, 30, 40, 5, 5, 100, 90 };
	const struct op_tensor *three[LEVELS];

	(void)state;
	make_maps(&s, 32, TT_FORMAT_FLOAT32);
	assert_int_equal(op_roi_align_create(s.dev, 0, 2, 4, &ra), -EINVAL);
	assert_int_equal(op_roi_align_create(s.dev, 7, 3, 4, &ra), -EINVAL);
	assert_int_equal(op_roi_align_create(s.dev, 7, 2, 0, &ra), -EINVAL);
	CHECK(op_roi_align_create(s.dev, P, 2, 2, &ra));
	CHECK(op_tensor_create(s.dev, 1, 2, 32 * P * P, TT_FORMAT_FLOAT32, &out));
	/* more RoIs than it was made for, none, NaN coordinates */
	assert_int_equal(op_roi_align_run(ra, s.cq, s.mp, LEVELS, IMG, IMG, boxes, 3, &out, NULL),
			 -EINVAL);
	assert_int_equal(op_roi_align_run(ra, s.cq, s.mp, LEVELS, IMG, IMG, boxes, 0, &out, NULL),
			 -EINVAL);
	boxes[5] = NAN;
	assert_int_equal(op_roi_align_run(ra, s.cq, s.mp, LEVELS, IMG, IMG, boxes, 2, &out, NULL),
			 -EINVAL);
	assert_non_null(strstr(tt_last_error(), "coordinate"));
	boxes[5] = 5;
	/* a wrong output size, a level of another channel count, levels not a pyramid */
	CHECK(op_tensor_create(s.dev, 1, 2, 64 * P * P, TT_FORMAT_FLOAT32, &odd));
	assert_int_equal(op_roi_align_run(ra, s.cq, s.mp, LEVELS, IMG, IMG, boxes, 2, &odd, NULL),
			 -EINVAL);
	memcpy(three, s.mp, sizeof(three));
	three[2] = &odd;
	assert_int_equal(op_roi_align_run(ra, s.cq, three, LEVELS, IMG, IMG, boxes, 2, &out, NULL),
			 -EINVAL);
	three[2] = s.mp[2];
	three[3] = three[0];
	assert_int_equal(op_roi_align_run(ra, s.cq, three, LEVELS, IMG, IMG, boxes, 2, &out, NULL),
			 -EINVAL);
	/* and it still works */
	CHECK(op_roi_align_run(ra, s.cq, s.mp, LEVELS, IMG, IMG, boxes, 2, &out, NULL));
	op_tensor_destroy(&odd);
	op_tensor_destroy(&out);
	op_roi_align_destroy(ra);
	free_maps(&s);
}

/* The output in three parts of bins: each part the same values as that slice of the whole. */
static void test_parts(void **state)
{
	static const uint32_t bins[3] = { 20, 20, P * P - 40 };
	const uint32_t n = 45, c = 64, per = c * P * P;
	struct op_tensor whole, part[3], bad[2];
	struct op_tensor *parts[3] = { &part[0], &part[1], &part[2] };
	struct op_tensor *bads[2] = { &bad[0], &bad[1] };
	float *boxes = malloc(n * 16), *want = malloc((size_t)n * per * 4), *got;
	struct op_roi_align *ra;
	struct setup s;
	uint32_t at = 0;

	(void)state;
	assert_true(boxes && want);
	make_maps(&s, c, TT_FORMAT_FLOAT32);
	random_boxes(boxes, n);
	CHECK(op_roi_align_create(s.dev, P, 2, n, &ra));
	CHECK(op_tensor_create(s.dev, 1, n, per, TT_FORMAT_FLOAT32, &whole));
	CHECK(op_roi_align_run(ra, s.cq, s.mp, LEVELS, IMG, IMG, boxes, n, &whole, NULL));
	CHECK(op_tensor_read_hwc(s.cq, &whole, want));
	for (int i = 0; i < 3; i++)
		CHECK(op_tensor_create(s.dev, 1, n, bins[i] * c, TT_FORMAT_FLOAT32, &part[i]));
	CHECK(op_roi_align_run_parts(ra, s.cq, s.mp, LEVELS, IMG, IMG, boxes, n, parts, 3, NULL));
	for (int i = 0; i < 3; i++) {
		got = malloc((size_t)n * bins[i] * c * 4);
		assert_non_null(got);
		CHECK(op_tensor_read_hwc(s.cq, &part[i], got));
		for (uint32_t r = 0; r < n; r++)
			assert_memory_equal(got + (size_t)r * bins[i] * c,
					    want + (size_t)r * per + (size_t)at * c,
					    (size_t)bins[i] * c * 4);
		at += bins[i];
		free(got);
	}
	/* parts that do not add up to P * P bins, or are no whole bins */
	CHECK(op_tensor_create(s.dev, 1, n, 20 * c, TT_FORMAT_FLOAT32, &bad[0]));
	CHECK(op_tensor_create(s.dev, 1, n, 20 * c + 32, TT_FORMAT_FLOAT32, &bad[1]));
	assert_int_equal(op_roi_align_run_parts(ra, s.cq, s.mp, LEVELS, IMG, IMG, boxes, n, parts,
						2, NULL), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "bins"));
	assert_int_equal(op_roi_align_run_parts(ra, s.cq, s.mp, LEVELS, IMG, IMG, boxes, n, bads,
						2, NULL), -EINVAL);
	assert_int_equal(op_roi_align_run_parts(ra, s.cq, s.mp, LEVELS, IMG, IMG, boxes, n, parts,
						OP_ROI_ALIGN_MAX_PARTS + 1, NULL), -EINVAL);
	for (int i = 0; i < 2; i++)
		op_tensor_destroy(&bad[i]);
	for (int i = 0; i < 3; i++)
		op_tensor_destroy(&part[i]);
	op_tensor_destroy(&whole);
	op_roi_align_destroy(ra);
	free_maps(&s);
	free(boxes);
	free(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fp32),
		cmocka_unit_test(test_bf16),
		cmocka_unit_test(test_parts),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
