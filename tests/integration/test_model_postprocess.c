// SPDX-License-Identifier: MIT
/*
 * model/ops detections on the device against model/reference/postprocess.c's
 * postprocess_detections: the same detections (labels, scores, boxes)
 * in the same order, for random box head outputs of 91 classes over
 * 1000 RoIs of a 320x320 image (NMS per class group) and 37 RoIs (NMS
 * with offsets), fp32 and bf16; the logits put a few classes of each
 * RoI over the threshold, the deltas reach the dw/dh clamp, shrink
 * boxes under min_size and push them out of the image. The proposals
 * come from the device (op_boxes) with their count; past it, rows of
 * the predictions that would make detections of their own are not
 * looked at. Then bad input, after which the op still works.
 */
#include <math.h>
#include <time.h>

#include "helpers.h"
#include "../../model/reference/detection.h"
#include "../../model/ops/ops.h"

#define K	91

static uint64_t rng = 0x853c49e6748fea9bull;

static float frand(float lo, float hi)
{
	return test_frand(&rng, lo, hi);
}

static void report(void *ctx, const char *op, const char *shape, uint64_t device_cycles,
		   double host_us)
{
	(void)ctx;
	(void)host_us;
	print_message("  %-10s %-28s %8.1f us modelled\n", op, shape, device_cycles / 1e3);
}

/* Random predictions (chw of a 1 x n x 5K tensor) and proposals in an img x img image. */
static void make_input(float *chw, float *props, uint32_t n, float img)
{
	uint32_t i, j;

	for (i = 0; i < n; i++) {
		float w = frand(4, img / 2), h = frand(4, img / 2);
		float x = frand(-8, img - w + 8), y = frand(-8, img - h + 8);

		props[4 * i] = x;
		props[4 * i + 1] = y;
		props[4 * i + 2] = x + w;
		props[4 * i + 3] = y + h;
		for (j = 0; j < K; j++)		/* logits: a few classes stand out */
			chw[j * n + i] = frand(0, 1) < 0.03f ? frand(3, 7) : frand(-3, 3);
		for (j = 0; j < 4 * K; j++) {
			float d;

			if (j % 4 < 2)
				d = frand(-6, 6);	/* dx, dy: some boxes leave the image */
			else if (j % 13)
				d = frand(-10, 30);	/* dw, dh: up to beyond the clamp */
			else
				d = frand(-70, -45);	/* tiny boxes */
			chw[(K + j) * n + i] = d;
		}
	}
}

/*
 * det: detections kept (100 as torchvision, or more to compare all NMS
 * keeps); extra: rows and proposals past the count.
 */
static void compare(struct tt_device *dev, uint32_t n, uint32_t extra, enum tt_format fmt, int det,
		    bool per_op)
{
	struct tt_cq *cq = tt_device_cq(dev, 0);
	struct postprocess_config cfg = postprocess_default;
	const struct postprocess_config *c = &cfg;
	struct op_postprocess_desc desc = {
		.classes = K, .max_rois = n + extra, .score_thresh = c->score_thresh,
		.min_size = c->min_size, .nms_thresh = c->nms_thresh,
		.detections = (uint32_t)det,
	};
	const uint32_t rows = n + extra;
	float *chw = malloc((size_t)5 * K * rows * 4), *props = malloc(16 * rows);
	float *logits = malloc((size_t)K * n * 4), *reg = malloc((size_t)4 * K * n * 4);
	float *boxes = malloc(16 * det), *scores = malloc(4 * det);
	uint32_t *labels = malloc(4 * det), i, j, exact = 0;
	struct detection *want = malloc(sizeof(*want) * det);
	struct op_stats st = { .report = per_op ? report : NULL };
	struct op_postprocess *pp;
	struct op_boxes ob;
	struct op_tensor t;
	double t0, host_us;
	long nh, nd;

	assert_true(chw && props && logits && reg && boxes && scores && labels && want);
	cfg.detections_per_img = det;
	make_input(chw, props, rows, 320);
	for (i = n; i < rows; i++)	/* past the count: a sure detection each */
		chw[1 * rows + i] = 20;
	CHECK(op_tensor_create(dev, 1, rows, 5 * K, fmt, &t));
	CHECK(op_tensor_write(cq, &t, chw));
	CHECK(op_tensor_read(cq, &t, chw));	/* as the device holds them (bf16) */
	for (i = 0; i < n; i++) {
		for (j = 0; j < K; j++)
			logits[i * K + j] = chw[j * rows + i];
		for (j = 0; j < 4 * K; j++)
			reg[i * 4 * K + j] = chw[(K + j) * rows + i];
	}
	CHECK(op_boxes_create(dev, rows, &ob));
	CHECK(op_boxes_write(cq, &ob, props, NULL, n));
	t0 = test_now_us();
	nh = postprocess_detections(c, logits, reg, props, n, K, 320, 320, want);
	host_us = test_now_us() - t0;
	assert_true(nh > 0);
	CHECK(op_postprocess_create(dev, &desc, &pp));
	nd = op_postprocess_run(pp, cq, &t, &ob, 320, 320, boxes, scores, labels, &st);
	if (nd < 0)
		fail_msg("op_postprocess_run: %s", tt_last_error());
	if (nd != nh)
		fail_msg("host keeps %ld detections, device %ld", nh, nd);
	for (i = 0; i < (uint32_t)nh; i++) {
		uint32_t same = scores[i] == want[i].score;

		if (labels[i] != (uint32_t)want[i].label)
			fail_msg("detection %u: label %u on the device, %d on the host", i,
				 labels[i], want[i].label);
		if (test_ulps(scores[i], want[i].score) > 1)
			fail_msg("detection %u: score %a on the device, %a on the host", i,
				 (double)scores[i], (double)want[i].score);
		for (j = 0; j < 4; j++) {
			same &= boxes[4 * i + j] == want[i].box[j];
			if (fabsf(boxes[4 * i + j] - want[i].box[j]) > 0x1p-23f * 640)
				fail_msg("detection %u: box[%u] %a on the device, %a on the host", i,
					 j, (double)boxes[4 * i + j], (double)want[i].box[j]);
		}
		exact += same;
	}
	print_message("%s %u RoIs (of %u) x %d classes: %ld detections, %u bit for bit as the "
		      "host's; device %.1f us modelled (host run %.0f us), host postprocess %.0f "
		      "us\n", fmt == TT_FORMAT_FLOAT32 ? "fp32" : "bf16", n, rows, K, nd, exact,
		      st.device_cycles / 1e3, st.host_us, host_us);
	op_postprocess_destroy(pp);
	op_boxes_destroy(&ob);
	op_tensor_destroy(&t);
	free(chw);
	free(props);
	free(logits);
	free(reg);
	free(boxes);
	free(scores);
	free(labels);
	free(want);
}

static void test_1000(void **state)
{
	struct tt_device *dev = open_device("sim");

	(void)state;
	compare(dev, 1000, 0, TT_FORMAT_FLOAT32, 100, true);
	compare(dev, 1000, 0, TT_FORMAT_FLOAT16_B, 8192, false);
	tt_device_close(dev);
}

static void test_small(void **state)
{
	struct tt_device *dev = open_device("sim:grid=2x2");

	(void)state;
	compare(dev, 37, 5, TT_FORMAT_FLOAT32, 100, false);
	compare(dev, 300, 40, TT_FORMAT_FLOAT16_B, 8192, false);
	tt_device_close(dev);
}

static void test_bad_input(void **state)
{
	struct tt_device *dev = open_device("sim:grid=2x2");
	struct tt_cq *cq = tt_device_cq(dev, 0);
	struct op_postprocess_desc d = {
		.classes = 3, .max_rois = 2, .score_thresh = 0.05f, .min_size = 1e-2f,
		.nms_thresh = 0.5, .detections = 100,
	};
	/* chw of 1 x 2 x 15: logits (class 1 wins RoI 0, class 2 RoI 1), zero deltas */
	float chw[15][2] = { { 0, 0 }, { 4, 0 }, { 0, 4 } };
	float props[3][4] = { { 10, 10, 50, 30 }, { 330, 330, 370, 370 }, { 0, 0, 1, 1 } };
	float boxes[8], scores[2];
	uint32_t labels[2];
	struct op_postprocess *pp;
	struct op_boxes two, three, none = { 0 };
	struct op_tensor t, wrong;
	float e4 = expf(-4.0f), p1 = 1.0f / ((e4 + 1.0f) + e4);	/* as the host sums */

	(void)state;
	CHECK(op_tensor_create(dev, 1, 2, 15, TT_FORMAT_FLOAT32, &t));
	CHECK(op_tensor_write(cq, &t, &chw[0][0]));
	CHECK(op_tensor_create(dev, 1, 2, 16, TT_FORMAT_FLOAT32, &wrong));
	CHECK(op_boxes_create(dev, 2, &two));
	CHECK(op_boxes_create(dev, 3, &three));
	CHECK(op_boxes_write(cq, &three, &props[0][0], NULL, 3));
	CHECK_FAILS(op_postprocess_create(dev, NULL, &pp), -EINVAL, "NULL");
	d.classes = 1;
	CHECK_FAILS(op_postprocess_create(dev, &d, &pp), -EINVAL, "1 classes");
	d.classes = 3;
	d.score_thresh = NAN;
	CHECK_FAILS(op_postprocess_create(dev, &d, &pp), -EINVAL, "thresholds");
	d.score_thresh = 0.05f;
	d.detections = 0;
	CHECK_FAILS(op_postprocess_create(dev, &d, &pp), -EINVAL, "0 detections");
	d.detections = 100;
	CHECK(op_postprocess_create(dev, &d, &pp));
	props[1][2] = NAN;
	CHECK_FAILS(op_boxes_write(cq, &two, &props[0][0], NULL, 2), -EINVAL, "box 1");
	props[1][2] = 370;
	CHECK(op_boxes_write(cq, &two, &props[0][0], NULL, 2));
	CHECK_FAILS(op_postprocess_run(pp, cq, &wrong, &two, 320, 320, boxes, scores, labels, NULL),
		    -EINVAL, "1x2x16");
	CHECK_FAILS(op_postprocess_run(pp, cq, &t, &three, 320, 320, boxes, scores, labels, NULL),
		    -EINVAL, "up to 3 RoIs");
	CHECK_FAILS(op_postprocess_run(pp, cq, &t, &none, 320, 320, boxes, scores, labels, NULL),
		    -EINVAL, "op_boxes_create");
	CHECK_FAILS(op_postprocess_run(pp, cq, &t, &two, 320, 0, boxes, scores, labels, NULL),
		    -EINVAL, "image 320x0");
	CHECK_FAILS(op_postprocess_run(pp, cq, &t, &two, 320, 320, NULL, scores, labels, NULL),
		    -EINVAL, "NULL");
	/* no proposals: none */
	CHECK(op_boxes_write(cq, &two, &props[0][0], NULL, 0));
	assert_int_equal(op_postprocess_run(pp, cq, &t, &two, 320, 320, boxes, scores, labels,
					    NULL), 0);
	/*
	 * And it still works: RoI 0's class 1 box is its proposal; RoI 1 lies
	 * outside the 320x320 image, clipped to nothing and dropped.
	 */
	CHECK(op_boxes_write(cq, &two, &props[0][0], NULL, 2));
	assert_int_equal(op_postprocess_run(pp, cq, &t, &two, 320, 320, boxes, scores, labels,
					    NULL), 1);
	assert_int_equal(labels[0], 1);
	assert_true(test_ulps(scores[0], p1) <= 1);
	assert_true(boxes[0] == 10 && boxes[1] == 10 && boxes[2] == 50 && boxes[3] == 30);
	op_postprocess_destroy(pp);
	/* more candidates than NMS takes */
	{
		const uint32_t n = 1000;
		float *big = calloc((size_t)5 * K * n, 4), *bp = malloc(16 * n);
		struct op_tensor bt;
		struct op_boxes bb_in;
		float bb[4 * 100], bs[100];
		uint32_t bl[100], i;

		assert_true(big && bp);
		for (i = 0; i < n; i++) {
			bp[4 * i] = bp[4 * i + 1] = 10;
			bp[4 * i + 2] = bp[4 * i + 3] = 60;
		}
		d.classes = K;
		d.max_rois = n;
		d.score_thresh = 0.0f;	/* every class of every RoI: 1 / 91 > 0 */
		CHECK(op_postprocess_create(dev, &d, &pp));
		CHECK(op_tensor_create(dev, 1, n, 5 * K, TT_FORMAT_FLOAT32, &bt));
		CHECK(op_tensor_write(cq, &bt, big));
		CHECK(op_boxes_create(dev, n, &bb_in));
		CHECK(op_boxes_write(cq, &bb_in, bp, NULL, n));
		CHECK_FAILS(op_postprocess_run(pp, cq, &bt, &bb_in, 320, 320, bb, bs, bl, NULL),
			    -ENOSPC, "90000 detections before NMS");
		/* and again within the limit: 90 RoIs */
		CHECK(op_boxes_write(cq, &bb_in, bp, NULL, 90));
		assert_int_equal(op_postprocess_run(pp, cq, &bt, &bb_in, 320, 320, bb, bs, bl,
						    NULL), 90);
		op_boxes_destroy(&bb_in);
		op_tensor_destroy(&bt);
		op_postprocess_destroy(pp);
		free(big);
		free(bp);
	}
	op_boxes_destroy(&two);
	op_boxes_destroy(&three);
	op_tensor_destroy(&t);
	op_tensor_destroy(&wrong);
	tt_device_close(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_1000),
		cmocka_unit_test(test_small),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
