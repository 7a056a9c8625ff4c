// SPDX-License-Identifier: MIT
/* The host detection steps on small hand-computed cases (model/reference/detection.h). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../libttuser/internal.h"
#include "../../model/reference/detection.h"

#define assert_near(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) <= (tol))

static void test_anchors(void **state)
{
	struct anchor_config c = { .nlevels = 1, .nsizes = 1, .sizes = { { 32 } }, .nratios = 3,
				   .ratios = { 0.5f, 1.0f, 2.0f } };
	int fh = 2, fw = 2;
	float out[2 * 2 * 3 * 4];

	(void)state;
	assert_int_equal(anchors_per_cell(&c), 3);
	assert_int_equal(anchors_generate(&c, 8, 8, &fh, &fw, out), 0);
	/* Cell (0, 0): the three base anchors; then cell (0, 1) at x + 4. */
	static const float base[12] = { -23, -11, 23, 11, -16, -16, 16, 16, -11, -23, 11, 23 };

	assert_memory_equal(out, base, sizeof(base));
	assert_true(out[12] == -19 && out[13] == -11 && out[14] == 27 && out[15] == 11);
	/* Cell (1, 0): y + 4. */
	assert_true(out[24] == -23 && out[25] == -7 && out[27] == 15);

	/* Rounding is half to even: sizes 3 and 5 give +-1.5 -> +-2 and +-2.5 -> +-2. */
	c.nsizes = 2;
	c.nratios = 1;
	c.ratios[0] = 1.0f;
	c.sizes[0][0] = 3;
	c.sizes[0][1] = 5;
	fh = fw = 1;
	assert_int_equal(anchors_generate(&c, 4, 4, &fh, &fw, out), 0);
	assert_true(out[0] == -2 && out[2] == 2 && out[4] == -2 && out[6] == 2);

	/* Bad configurations are refused. */
	c.ratios[0] = 0;
	assert_int_equal(anchors_generate(&c, 4, 4, &fh, &fw, out), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "aspect ratio"));
	c.ratios[0] = 1;
	fh = 8;
	assert_int_equal(anchors_generate(&c, 4, 4, &fh, &fw, out), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "level 0 map 8x1"));
	/* The R50 preset: five levels 32..512. */
	assert_int_equal(anchors_r50_fpn.nlevels, 5);
	assert_true(anchors_r50_fpn.sizes[4][0] == 512);
}

static void test_box_decode(void **state)
{
	const float anchor[4] = { 0, 0, 10, 20 };
	const float d_rpn[4] = { 0.1f, -0.2f, logf(2), 0 };
	const float d_roi[8] = { 1.0f, -2.0f, 5 * logf(2), 0, 0, 0, 50, 50 };
	float out[8];

	(void)state;
	/* w 10, h 20, centre (5, 10) -> centre (6, 6), size 20 x 20 */
	box_decode(&box_coder_rpn, anchor, 1, d_rpn, 1, out);
	assert_near(out[0], -4, 1e-5);
	assert_near(out[1], -4, 1e-5);
	assert_near(out[2], 16, 1e-5);
	assert_near(out[3], 16, 1e-5);
	/* The same box with weights 10, 10, 5, 5; the second class's dw/dh clamp at log(1000/16). */
	box_decode(&box_coder_roi, anchor, 1, d_roi, 2, out);
	assert_near(out[0], -4, 1e-5);
	assert_near(out[3], 16, 1e-5);
	assert_near(out[6] - out[4], 10 * 1000.0 / 16, 1e-2);
	assert_near(out[7] - out[5], 20 * 1000.0 / 16, 1e-2);
}

static void test_clip_and_small(void **state)
{
	float b[8] = { -5, -1, 50, 7, 3, 3, 3.0005f, 9 };

	(void)state;
	boxes_clip(b, 2, 8, 40);
	assert_true(b[0] == 0 && b[1] == 0 && b[2] == 40 && b[3] == 7);
	assert_true(b[7] == 8);
	assert_false(box_is_small(b, 1e-3f));
	assert_true(box_is_small(b + 4, 1e-3f));	/* 0.0005 wide */
	assert_false(box_is_small(b + 4, 1e-4f));
}

static void test_nms(void **state)
{
	/* A, B (IoU with A 81/119), C apart, D = A with a higher score. */
	const float boxes[16] = { 0, 0, 10, 10, 1, 1, 11, 11, 20, 20, 30, 30, 0, 0, 10, 10 };
	const float scores[4] = { 0.9f, 0.8f, 0.7f, 0.95f };
	size_t keep[4];

	(void)state;
	assert_int_equal(nms(boxes, scores, 4, 0.5, keep), 2);
	assert_int_equal(keep[0], 3);
	assert_int_equal(keep[1], 2);
	assert_int_equal(nms(boxes, scores, 4, 0.7, keep), 3);
	assert_int_equal(keep[1], 1);
	assert_int_equal(nms(boxes, scores, 0, 0.5, keep), 0);

	/* IoU exactly 0.5 is not above 0.5: both stay. */
	const float half[8] = { 0, 0, 2, 1, 0, 0, 1, 1 };
	const float hs[2] = { 1, 0.5f };

	assert_int_equal(nms(half, hs, 2, 0.5, keep), 2);

	/* Groups: A and D apart in different groups both stay. */
	const int64_t groups[4] = { 0, 0, 0, 1 };

	assert_int_equal(batched_nms(boxes, scores, groups, 4, 0.5, keep), 3);
	assert_int_equal(keep[0], 3);
	assert_int_equal(keep[1], 0);
	assert_int_equal(keep[2], 2);
}

/* Above 1000 boxes batched NMS goes group by group: same answer. */
static void test_batched_nms_large(void **state)
{
	size_t n = 1201;
	float *b = malloc(n * 4 * sizeof(float)), *s = malloc(n * sizeof(float));
	int64_t *g = malloc(n * sizeof(int64_t));
	size_t *keep = malloc(n * sizeof(size_t));

	(void)state;
	for (size_t i = 0; i < n; i++) {
		b[i * 4 + 0] = b[i * 4 + 1] = 5;
		b[i * 4 + 2] = b[i * 4 + 3] = 25;
		s[i] = 1.0f - (float)i / (float)n;
		g[i] = (int64_t)(i % 3);
	}
	assert_int_equal(batched_nms(b, s, g, n, 0.5, keep), 3);
	assert_int_equal(keep[0], 0);
	assert_int_equal(keep[1], 1);
	assert_int_equal(keep[2], 2);
	/* and the same through the offset path */
	assert_int_equal(batched_nms(b, s, g, 1000, 0.5, keep), 3);
	assert_int_equal(keep[2], 2);
	free(b);
	free(s);
	free(g);
	free(keep);
}

static void test_rpn_filter(void **state)
{
	/* Level 0: three anchors, level 1: two. */
	const float decoded[5 * 4] = {
		0, 0, 10, 10,		/* logit 1.0 */
		1, 1, 11, 11,		/* logit 2.0: IoU 0.68 with the first */
		-5, -5, -4, -4,		/* logit 3.0: clips to a zero-size box, removed */
		0, 0, 10, 10,		/* level 1, logit 0.5: same box as anchor 0, other level */
		30, 30, 40, 40,		/* level 1, logit -9: not in the top 1 of its level */
	};
	const float logits[5] = { 1.0f, 2.0f, 3.0f, 0.5f, -9.0f };
	const size_t counts[2] = { 3, 2 };
	struct rpn_config c = rpn_default;
	float boxes[5 * 4], scores[5];

	(void)state;
	c.pre_nms_top_n = 3;
	c.nms_thresh = 0.6;	/* 0.68 IoU: the lower of anchors 0/1 goes */
	long n = rpn_filter_proposals(&c, decoded, logits, counts, 2, 32, 32, boxes, scores);

	assert_int_equal(n, 3);
	/* anchor 1 (2.0), anchor 3 of level 1 (0.5) and anchor 4 (-9): sorted by score */
	assert_true(boxes[0] == 1 && boxes[2] == 11);
	assert_near(scores[0], 1 / (1 + exp(-2.0)), 1e-6);
	assert_true(boxes[4] == 0 && boxes[6] == 10);
	assert_near(scores[1], 1 / (1 + exp(-0.5)), 1e-6);
	assert_near(scores[2], 1 / (1 + exp(9.0)), 1e-9);
	/* Top 1 per level and at most 1 overall. */
	c.pre_nms_top_n = 1;
	c.post_nms_top_n = 1;
	n = rpn_filter_proposals(&c, decoded, logits, counts, 2, 32, 32, boxes, scores);
	assert_int_equal(n, 1);
	assert_true(boxes[0] == 0 && boxes[2] == 10);	/* level 0's best was the clipped one */
	c.post_nms_top_n = 0;
	assert_int_equal(rpn_filter_proposals(&c, decoded, logits, counts, 2, 32, 32, boxes, scores), -EINVAL);
}

static void test_roi_align(void **state)
{
	float data[16], out[8];
	struct feature_map f = { data, 1, 4, 4 };
	const float box[4] = { 0, 0, 4, 4 };

	(void)state;
	for (int i = 0; i < 16; i++)
		data[i] = (float)i;	/* v(y, x) = 4y + x: bilinear is exact inside */
	/* 2x2 bins of 2x2 pixels, samples at .5 and 1.5 (3.5 clamps to 3). */
	assert_int_equal(roi_align(&f, 1.0, 2, 2, false, box, 1, out), 0);
	assert_near(out[0], 5, 1e-6);
	assert_near(out[1], 4 + 2.75, 1e-6);
	assert_near(out[2], 11 + 1, 1e-6);
	assert_near(out[3], 11 + 2.75, 1e-6);
	/* Half the scale: the same box covers 2x2 pixels. */
	assert_int_equal(roi_align(&f, 0.5, 1, 2, false, box, 1, out), 0);
	assert_near(out[0], 5, 1e-6);
	/* aligned=True shifts by half a pixel: samples at 0.5 and 1.5, not 1 and 2. */
	assert_int_equal(roi_align(&f, 1.0, 1, 2, true, (const float[]){ 0.5f, 0.5f, 2.5f, 2.5f }, 1, out), 0);
	assert_near(out[0], 5, 1e-6);
	assert_int_equal(roi_align(&f, 1.0, 1, 2, false, (const float[]){ 0.5f, 0.5f, 2.5f, 2.5f }, 1, out), 0);
	assert_near(out[0], 7.5, 1e-6);
	/* A box outside the map samples nothing. */
	assert_int_equal(roi_align(&f, 1.0, 1, 2, false, (const float[]){ 10, 10, 12, 12 }, 1, out), 0);
	assert_true(out[0] == 0);
	/* A box under one pixel is widened to one (aligned=False). */
	assert_int_equal(roi_align(&f, 1.0, 1, 2, false, (const float[]){ 1, 1, 1, 1 }, 1, out), 0);
	assert_near(out[0], 4 * 1.5 + 1.5, 1e-6);
	/* Adaptive grid: sampling_ratio 0 takes ceil(4 / 1) = 4 samples a side. */
	assert_int_equal(roi_align(&f, 1.0, 1, 0, false, box, 1, out), 0);
	assert_near(out[0], (4 * (0.5 + 1.5 + 2.5 + 3) / 4 + (0.5 + 1.5 + 2.5 + 3) / 4), 1e-5);
	assert_int_equal(roi_align(&f, 1.0, 0, 2, false, box, 1, out), -EINVAL);
}

static void test_multiscale(void **state)
{
	static float a[64 * 64], b[32 * 32];
	float out[5];
	struct feature_map maps[2] = { { a, 1, 64, 64 }, { b, 1, 32, 32 } };	/* 1/4, 1/8 of 256 */
	const float boxes[5 * 4] = {
		0, 0, 10, 10,		/* k = floor(4 + log2(10/224)) = -1 -> level 2 (map 0) */
		0, 0, 224, 224,		/* k = 4 -> clamped to 3 (map 1) */
		0, 0, 112, 112,		/* k = 3 -> map 1 */
		0, 0, 111.9f, 111.9f,	/* k = 2 -> map 0 */
		0, 0, 32, 32,
	};
	int level[5];

	(void)state;
	for (int i = 0; i < 64 * 64; i++)
		a[i] = 1;
	for (int i = 0; i < 32 * 32; i++)
		b[i] = 2;
	assert_int_equal(multiscale_roi_align(maps, 2, 256, 256, boxes, 5, 1, 2, out, level), 0);
	assert_int_equal(level[0], 0);
	assert_int_equal(level[1], 1);
	assert_int_equal(level[2], 1);
	assert_int_equal(level[3], 0);
	assert_int_equal(level[4], 0);
	assert_true(out[0] == 1 && out[1] == 2 && out[2] == 2 && out[3] == 1 && out[4] == 1);
	/* Two maps of the same scale are not a pyramid. */
	maps[1] = maps[0];
	assert_int_equal(multiscale_roi_align(maps, 2, 256, 256, boxes, 5, 1, 2, out, level), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "do not step by 2"));
}

static void test_postprocess(void **state)
{
	/* proposal 0: softmax (1, 3, 1) / 5; proposal 1: (8, 1, 1) / 10. */
	const float logits[6] = { 0, logf(3), 0, logf(8), 0, 0 };
	const float regression[24] = { 0 };
	const float proposals[8] = { 0, 0, 10, 10, 1, 1, 11, 11 };
	struct postprocess_config c = postprocess_default;
	struct detection d[4];
	long n;

	(void)state;
	n = postprocess_detections(&c, logits, regression, proposals, 2, 3, 32, 32, d);
	/* Class 1: 0.6 (p0) keeps, 0.1 (p1) overlaps it; class 2: 0.2 (p0), 0.1 (p1) the same. */
	assert_int_equal(n, 2);
	assert_int_equal(d[0].label, 1);
	assert_near(d[0].score, 0.6, 1e-6);
	assert_true(d[0].box[0] == 0 && d[0].box[2] == 10);
	assert_int_equal(d[1].label, 2);
	assert_near(d[1].score, 0.2, 1e-6);
	/* Strictly above the threshold; at most detections_per_img. */
	c.score_thresh = 0.25f;
	assert_int_equal(postprocess_detections(&c, logits, regression, proposals, 2, 3, 32, 32, d), 1);
	c.score_thresh = 0.05f;
	c.detections_per_img = 1;
	assert_int_equal(postprocess_detections(&c, logits, regression, proposals, 2, 3, 32, 32, d), 1);
	/* Clipped to a 5x5 image. */
	c.detections_per_img = 100;
	n = postprocess_detections(&c, logits, regression, proposals, 2, 3, 5, 5, d);
	assert_true(d[0].box[2] == 5 && d[0].box[3] == 5);
	assert_int_equal(postprocess_detections(&c, logits, regression, proposals, 2, 1, 5, 5, d), -EINVAL);
	/* Back to a twice larger original. */
	detections_rescale(d, 1, 5, 5, 10, 20);
	assert_true(d[0].box[2] == 20 && d[0].box[3] == 10);
}

static void test_transform(void **state)
{
	struct transform_config c = { .min_size = 4, .max_size = 4, .size_divisible = 1,
				      .mean = { 0, 0, 0 }, .std = { 1, 1, 1 } };
	const float in[12] = { 0, 1, 0, 1, 2, 2, 2, 2, 0.5f, 0.5f, 0.5f, 0.5f };
	float out[3 * 16];
	int rh, rw, ph, pw;

	(void)state;
	/* 2x2 -> 4x4: taps at -0.25 (clamped to 0), 0.25, 0.75, 1.25 (edge). */
	assert_int_equal(transform_image(&c, in, 2, 2, out), 0);
	assert_near(out[0], 0, 1e-7);
	assert_near(out[1], 0.25, 1e-7);
	assert_near(out[2], 0.75, 1e-7);
	assert_near(out[3], 1, 1e-7);
	assert_near(out[13], 0.25, 1e-7);
	assert_near(out[16 + 5], 2, 1e-7);
	/* Sizes: 180x240 at 320/320 -> 240x320, padded to 256x320. */
	transform_sizes(&transform_default, 180, 240, &rh, &rw, &ph, &pw);
	assert_true(rh == 240 && rw == 320 && ph == 256 && pw == 320);
	/* min 800 / max 1333 on 480x640 -> 800x1066, padded to 800x1088 (torchvision's
	 * float32 scale rounds up here; 799 would be wrong). */
	c = transform_default;
	c.min_size = 800;
	c.max_size = 1333;
	transform_sizes(&c, 480, 640, &rh, &rw, &ph, &pw);
	assert_true(rh == 800 && rw == 1066 && ph == 800 && pw == 1088);
	/* Normalisation and zero padding. */
	c = transform_default;
	c.min_size = c.max_size = 2;
	c.size_divisible = 4;
	const float grey[12] = { 0.485f, 0.485f, 0.485f, 0.485f, 0.456f, 0.456f, 0.456f, 0.456f,
				 1, 1, 1, 1 };

	assert_int_equal(transform_image(&c, grey, 2, 2, out), 0);
	assert_near(out[0], 0, 1e-6);
	assert_near(out[16 + 5], 0, 1e-6);
	assert_near(out[32 + 1], (1 - 0.406) / 0.225, 1e-5);
	assert_true(out[2] == 0 && out[15] == 0);	/* padding */
	assert_int_equal(transform_image(&c, grey, 0, 2, out), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anchors),
		cmocka_unit_test(test_box_decode),
		cmocka_unit_test(test_clip_and_small),
		cmocka_unit_test(test_nms),
		cmocka_unit_test(test_batched_nms_large),
		cmocka_unit_test(test_rpn_filter),
		cmocka_unit_test(test_roi_align),
		cmocka_unit_test(test_multiscale),
		cmocka_unit_test(test_postprocess),
		cmocka_unit_test(test_transform),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
