// SPDX-License-Identifier: MIT
/*
 * model/ops RoIAlign on the device against model/reference/roi_align.c's
 * MultiScaleRoIAlign (torchvision's algorithm on the host), on random
 * FPN-like maps of four levels and random boxes of every size (so every
 * level is used, and boxes reaching past the map's edges):
 *   Float32: every value within 2^-18 * max|map| of the host's (measured:
 *   about 2^-20) -- the products are split in hi and lo parts around the
 *   FPU's 19-bit sources (roi_align_compute.c), and the sums run in
 *   another order than the host's;
 *   Float16_b: within 2^-6 * max|map| (the result is rounded to bf16).
 * Both also by PCC >= 0.9999. The output is (y, x, c) per RoI.
 * The boxes come from the device (op_boxes) with a count below the
 * output's RoIs: the rest are zero. Some boxes sit at the sizes where the
 * LevelMapper steps up a level, and a float below and above: the device
 * picks each box's level as the host does (roi_level_bounds, checked
 * against roi_level on the host over a sweep of sizes).
 * In parts (bins 0..19, 20..39, 40..48 a RoI), the same values as whole.
 * Then bad input, after which the op still works.
 */
#include <math.h>

#include "helpers.h"
#include "../../model/reference/detection.h"
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

/* The level bounds of the LEVELS maps of an IMG image (levels 2 .. 5). */
static void level_bounds(float *bound)
{
	int heights[LEVELS], lvl_min;
	double scale[LEVELS];

	for (int l = 0; l < LEVELS; l++)
		heights[l] = IMG >> (2 + l);
	CHECK(roi_level_mapper(heights, LEVELS, IMG, scale, &lvl_min));
	assert_int_equal(lvl_min, 2);
	CHECK(roi_level_bounds(lvl_min, LEVELS, bound));
}

/* Boxes (0, 0, s, s) for s a float below, at and above each bound, from b on (up to n). */
static uint32_t bound_boxes(float *b, uint32_t n)
{
	float bound[LEVELS - 1];
	uint32_t i = 0;

	level_bounds(bound);
	for (int k = 0; k < LEVELS - 1; k++)
		for (int d = -1; d <= 1 && i < n; d++, i++) {
			float v = d < 0 ? nextafterf(bound[k], 0) : d > 0 ? nextafterf(bound[k], 1e9f)
									 : bound[k];

			b[4 * i] = b[4 * i + 1] = 0;
			b[4 * i + 2] = b[4 * i + 3] = v;
		}
	return i;
}

/* n RoIs from boxes of n + extra: the extra RoIs (past the count) come out zero. */
static void compare(struct setup *s, enum tt_format fmt, uint32_t n, uint32_t sampling)
{
	const uint32_t extra = 3;
	uint32_t c = s->c, per = c * P * P, edge;
	float *boxes = malloc(n * 4 * sizeof(float)), *want = malloc((size_t)n * per * 4);
	float *got = malloc((size_t)(n + extra) * per * 4);
	int *level = malloc(n * sizeof(int)), used[LEVELS] = { 0 };
	struct op_roi_align *ra;
	struct op_boxes ob;
	struct op_tensor out;
	double sxy = 0, sxx = 0, syy = 0, sx = 0, sy = 0, tol, pcc, m = (double)n * per, worst = 0;

	assert_true(boxes && want && got && level);
	random_boxes(boxes, n);
	edge = bound_boxes(boxes, n);
	CHECK(multiscale_roi_align(s->fm, LEVELS, IMG, IMG, boxes, n, P, (int)sampling, want,
				   level));
	for (uint32_t i = 0; i < n; i++)
		used[level[i]]++;
	for (int l = 0; l < LEVELS && n > 20; l++)
		assert_true(used[l] > 0);
	for (uint32_t i = 0; i + 2 < edge; i += 3)	/* below a bound, then at and above it */
		assert_true(level[i] + 1 == level[i + 1] && level[i + 1] == level[i + 2]);
	CHECK(op_roi_align_create(s->dev, P, sampling, &ra));
	CHECK(op_boxes_create(s->dev, n + extra, &ob));
	CHECK(op_boxes_write(s->cq, &ob, boxes, NULL, n));
	CHECK(op_tensor_create(s->dev, 1, n + extra, per, fmt, &out));
	CHECK(op_roi_align_run(ra, s->cq, s->mp, LEVELS, IMG, IMG, &ob, &out, NULL));
	CHECK(op_tensor_read_hwc(s->cq, &out, got));
	for (size_t i = (size_t)n * per; i < (size_t)(n + extra) * per; i++)
		if (got[i] != 0)
			fail_msg("RoI %zu past the count: %g", i / per, (double)got[i]);
	tol = 3.0 * (fmt == TT_FORMAT_FLOAT32 ? 0x1p-18 : 0x1p-6);
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
				worst = fmax(worst, fabs(x - y));
				sx += x;
				sy += y;
				sxx += x * x;
				syy += y * y;
				sxy += x * y;
			}
	pcc = (sxy - sx * sy / m) / sqrt((sxx - sx * sx / m) * (syy - sy * sy / m));
	print_message("roi_align %s, %u RoIs (%u at level bounds) of %u, %u channels, sampling %u: "
		      "PCC %.6f, max |diff| %.3g\n", fmt == TT_FORMAT_FLOAT32 ? "fp32" : "bf16", n, edge,
		      n + extra, c, sampling, pcc, worst);
	assert_true(pcc >= 0.9999);
	op_tensor_destroy(&out);
	op_boxes_destroy(&ob);
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

/* The device's level (bounds reached by sqrtf(area)) against roi_level, box (0, 0, v, v). */
static void check_level(const float *bound, float v)
{
	float b[4] = { 0, 0, v, v }, r = sqrtf((b[2] - b[0]) * (b[3] - b[1]));
	int l = 0;

	while (l + 1 < LEVELS && r >= bound[l])
		l++;
	if (l != roi_level(b, 2, LEVELS))
		fail_msg("a box of side %a: level %d by the bounds, %d by roi_level", (double)v, l,
			 roi_level(b, 2, LEVELS));
}

static void test_level_bounds(void **state)
{
	float bound[LEVELS - 1], v;
	uint32_t u, checked = 0;

	(void)state;
	level_bounds(bound);
	for (int k = 0; k < LEVELS - 1; k++) {
		/* 112, 224, 448 less a few floats (the 1e-6) */
		assert_true(bound[k] < 112.0f * (float)(1 << k) &&
			    bound[k] > 112.0f * (float)(1 << k) * 0.99999f);
		for (int d = -4096, i; d <= 4096; d++, checked++) {
			v = bound[k];
			for (i = 0; i < (d < 0 ? -d : d); i++)
				v = nextafterf(v, d < 0 ? 0 : 1e9f);
			check_level(bound, v);
		}
	}
	for (u = 0x3d800000u; u < 0x47800000u; u += 97, checked++) {	/* 1/16 .. 65536 */
		memcpy(&v, &u, 4);
		check_level(bound, v);
	}
	check_level(bound, 0);
	check_level(bound, -3);
	print_message("level bounds %a %a %a: %u sizes as roi_level\n", (double)bound[0],
		      (double)bound[1], (double)bound[2], checked + 2);
}

static void test_bad_input(void **state)
{
	struct setup s;
	struct op_roi_align *ra;
	struct op_boxes b, none = { 0 };
	struct op_tensor out, odd, three_rois;
	float boxes[8] = { 1, 2, 30, 40, 5, 5, 100, 90 }, *got, *first;
	const struct op_tensor *three[LEVELS];
	const uint32_t per = 32 * P * P;

	(void)state;
	make_maps(&s, 32, TT_FORMAT_FLOAT32);
	got = malloc(2 * per * sizeof(float));
	first = malloc(per * sizeof(float));
	assert_true(got && first);
	CHECK_FAILS(op_roi_align_create(s.dev, 0, 2, &ra), -EINVAL, "bins");
	CHECK_FAILS(op_roi_align_create(s.dev, 7, 3, &ra), -EINVAL, "sampling");
	CHECK_FAILS(op_roi_align_create(s.dev, 7, 2, NULL), -EINVAL, "NULL");
	CHECK_FAILS(op_boxes_create(s.dev, 0, &b), -EINVAL, "0 boxes");
	CHECK(op_roi_align_create(s.dev, P, 2, &ra));
	CHECK(op_boxes_create(s.dev, 2, &b));
	CHECK(op_tensor_create(s.dev, 1, 2, per, TT_FORMAT_FLOAT32, &out));
	/* more boxes than they hold, a NaN coordinate, boxes never made */
	CHECK_FAILS(op_boxes_write(s.cq, &b, boxes, NULL, 3), -EINVAL, "up to 2");
	boxes[5] = NAN;
	CHECK_FAILS(op_boxes_write(s.cq, &b, boxes, NULL, 2), -EINVAL, "coordinate");
	boxes[5] = 5;
	CHECK(op_boxes_write(s.cq, &b, boxes, NULL, 2));
	CHECK_FAILS(op_roi_align_run(ra, s.cq, s.mp, LEVELS, IMG, IMG, &none, &out, NULL), -EINVAL,
		    "op_boxes_create");
	CHECK_FAILS(op_roi_align_run(ra, s.cq, s.mp, LEVELS, IMG, IMG, NULL, &out, NULL), -EINVAL,
		    "op_boxes_create");
	/*
	 * an output for 3 RoIs, a wrong output size, a level of another
	 * channel count, levels not a pyramid
	 */
	CHECK(op_tensor_create(s.dev, 1, 3, per, TT_FORMAT_FLOAT32, &three_rois));
	CHECK_FAILS(op_roi_align_run(ra, s.cq, s.mp, LEVELS, IMG, IMG, &b, &three_rois, NULL),
		    -EINVAL, "must be 1x2x");
	CHECK(op_tensor_create(s.dev, 1, 2, 64 * P * P, TT_FORMAT_FLOAT32, &odd));
	CHECK_FAILS(op_roi_align_run(ra, s.cq, s.mp, LEVELS, IMG, IMG, &b, &odd, NULL), -EINVAL,
		    "not 49");
	memcpy(three, s.mp, sizeof(three));
	three[2] = &odd;
	CHECK_FAILS(op_roi_align_run(ra, s.cq, three, LEVELS, IMG, IMG, &b, &out, NULL), -EINVAL,
		    "level 2");
	three[2] = s.mp[2];
	three[3] = three[0];
	CHECK_FAILS(op_roi_align_run(ra, s.cq, three, LEVELS, IMG, IMG, &b, &out, NULL), -EINVAL,
		    "step by 2");
	/* and it still works; with a count of 1, RoI 1 is zero and RoI 0 the same */
	CHECK(op_roi_align_run(ra, s.cq, s.mp, LEVELS, IMG, IMG, &b, &out, NULL));
	CHECK(op_tensor_read_hwc(s.cq, &out, got));
	memcpy(first, got, per * sizeof(float));
	CHECK(op_boxes_write(s.cq, &b, boxes, NULL, 1));
	CHECK(op_roi_align_run(ra, s.cq, s.mp, LEVELS, IMG, IMG, &b, &out, NULL));
	CHECK(op_tensor_read_hwc(s.cq, &out, got));
	assert_memory_equal(got, first, per * sizeof(float));
	for (uint32_t i = per; i < 2 * per; i++)
		assert_true(got[i] == 0);
	op_tensor_destroy(&three_rois);
	op_tensor_destroy(&odd);
	op_tensor_destroy(&out);
	op_boxes_destroy(&b);
	op_roi_align_destroy(ra);
	free_maps(&s);
	free(got);
	free(first);
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
	struct op_boxes ob;
	struct setup s;
	uint32_t at = 0;

	(void)state;
	assert_true(boxes && want);
	make_maps(&s, c, TT_FORMAT_FLOAT32);
	random_boxes(boxes, n);
	CHECK(op_roi_align_create(s.dev, P, 2, &ra));
	CHECK(op_boxes_create(s.dev, n, &ob));
	CHECK(op_boxes_write(s.cq, &ob, boxes, NULL, n));
	CHECK(op_tensor_create(s.dev, 1, n, per, TT_FORMAT_FLOAT32, &whole));
	CHECK(op_roi_align_run(ra, s.cq, s.mp, LEVELS, IMG, IMG, &ob, &whole, NULL));
	CHECK(op_tensor_read_hwc(s.cq, &whole, want));
	for (int i = 0; i < 3; i++)
		CHECK(op_tensor_create(s.dev, 1, n, bins[i] * c, TT_FORMAT_FLOAT32, &part[i]));
	CHECK(op_roi_align_run_parts(ra, s.cq, s.mp, LEVELS, IMG, IMG, &ob, parts, 3, NULL));
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
	assert_int_equal(op_roi_align_run_parts(ra, s.cq, s.mp, LEVELS, IMG, IMG, &ob, parts,
						2, NULL), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "bins"));
	assert_int_equal(op_roi_align_run_parts(ra, s.cq, s.mp, LEVELS, IMG, IMG, &ob, bads,
						2, NULL), -EINVAL);
	assert_int_equal(op_roi_align_run_parts(ra, s.cq, s.mp, LEVELS, IMG, IMG, &ob, parts,
						OP_ROI_ALIGN_MAX_PARTS + 1, NULL), -EINVAL);
	for (int i = 0; i < 2; i++)
		op_tensor_destroy(&bad[i]);
	for (int i = 0; i < 3; i++)
		op_tensor_destroy(&part[i]);
	op_tensor_destroy(&whole);
	op_boxes_destroy(&ob);
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
		cmocka_unit_test(test_level_bounds),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
