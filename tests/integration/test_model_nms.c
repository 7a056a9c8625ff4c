// SPDX-License-Identifier: MIT
/*
 * model/ops NMS on the device against model/reference/nms.c (torchvision's CPU
 * algorithm): the same kept indices in the same order, for clusters of
 * jittered boxes whose IoUs crowd around the threshold (the test counts
 * the pairs within 1e-3 of it: the decisions there need fp32 IoUs), with
 * tied scores; plain, batched with offsets (up to 1000 boxes) and
 * batched per group (the RPN's 5 levels of a 320x320 image), and the
 * per-class NMS of the box head's output. Then bad input, after which
 * the op still works.
 */
#include <math.h>
#include <time.h>

#include "helpers.h"
#include "../../model/reference/detection.h"
#include "../../model/ops/ops.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static float frand(float lo, float hi)
{
	return test_frand(&rng, lo, hi);
}

/* n boxes in clusters of jittered copies inside a 320x320 image; scores with ties. */
static void make_boxes(float *b, float *s, uint32_t n, uint32_t clusters)
{
	float base[64][4];
	uint32_t i, k;

	for (i = 0; i < clusters; i++) {
		float w = frand(8, 200), h = frand(8, 200), x = frand(0, 320 - w), y = frand(0, 320 - h);

		base[i][0] = x;
		base[i][1] = y;
		base[i][2] = x + w;
		base[i][3] = y + h;
	}
	for (i = 0; i < n; i++) {
		const float *c = base[i % clusters];
		float j = 0.08f * (c[2] - c[0] + c[3] - c[1]) / 2;

		for (k = 0; k < 4; k++)
			b[4 * i + k] = c[k] + frand(-j, j);
		s[i] = (float)(int)frand(0, 200) / 200.0f;
	}
}

/* Pairs whose IoU (in double) is within 1e-3 of thresh. */
static uint32_t near_threshold(const float *b, uint32_t n, double thresh)
{
	uint32_t i, j, near = 0;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			const float *p = b + 4 * i, *q = b + 4 * j;
			double w = fmin(p[2], q[2]) - fmax(p[0], q[0]);
			double h = fmin(p[3], q[3]) - fmax(p[1], q[1]);
			double inter = w > 0 && h > 0 ? w * h : 0;
			double u = (double)(p[2] - p[0]) * (p[3] - p[1]) +
				   (double)(q[2] - q[0]) * (q[3] - q[1]) - inter;

			near += fabs(inter / u - thresh) < 1e-3;
		}
	return near;
}

static void compare(struct tt_device *dev, uint32_t n, uint32_t clusters, uint32_t ngroups,
		    const uint32_t *group_sizes, double thresh)
{
	struct tt_cq *cq = tt_device_cq(dev, 0);
	float *b = malloc(n * 16 + 16), *s = malloc(n * 4 + 4);
	int64_t *g = ngroups ? malloc(n * 8 + 8) : NULL;
	size_t *want = malloc(n * sizeof(size_t) + 8);
	uint32_t *got = malloc(n * 4 + 4), i, at = 0, near;
	struct op_stats st = { 0 };
	struct op_nms *op;
	long nw, ng;
	double t0, host_us;

	assert_true(b && s && want && got && (!ngroups || g));
	make_boxes(b, s, n, clusters);
	for (i = 0; ngroups && i < n; i++) {
		if (group_sizes) {
			uint32_t l = 0, end = group_sizes[0];

			while (i >= end)
				end += group_sizes[++l];
			g[i] = l;
		} else {
			g[i] = (int64_t)frand(0, (float)ngroups);
		}
	}
	t0 = test_now_us();
	nw = g ? batched_nms(b, s, g, n, thresh, want) : nms(b, s, n, thresh, want);
	host_us = test_now_us() - t0;
	assert_true(nw >= 0);
	CHECK(op_nms_create(dev, n + 7, &op));
	ng = op_nms_run(op, cq, b, s, g, n, thresh, got, &st);
	if (ng < 0)
		fail_msg("op_nms_run: %s", tt_last_error());
	for (i = 0; i < (uint32_t)(nw < ng ? nw : ng); i++, at++)
		if (got[i] != want[i])
			break;
	if (ng != nw || at != (uint32_t)nw)
		fail_msg("%u boxes, %u groups: host keeps %ld, device %ld; first difference at %u "
			 "(host %zu, device %u)", n, ngroups, nw, ng, at, at < nw ? want[at] : 0,
			 at < ng ? got[at] : 0);
	near = near_threshold(b, n, thresh);
	print_message("nms %u boxes, %u groups, IoU > %.2f: %ld kept, %u pairs near the "
		      "threshold; device %.1f us modelled (host run %.0f us), host nms %.0f us\n",
		      n, ngroups, thresh, ng, near, st.device_cycles / 1e3, st.host_us, host_us);
	op_nms_destroy(op);
	free(b);
	free(s);
	free(g);
	free(want);
	free(got);
}

static void test_plain(void **state)
{
	struct tt_device *dev = open_device("sim");

	(void)state;
	compare(dev, 1000, 40, 0, NULL, 0.7);
	compare(dev, 300, 10, 0, NULL, 0.5);
	compare(dev, 2, 1, 0, NULL, 0.7);
	compare(dev, 1, 1, 0, NULL, 0.7);
	compare(dev, 77, 3, 0, NULL, -0.1);
	tt_device_close(dev);
}

static void test_batched(void **state)
{
	static const uint32_t levels[] = { 1000, 1000, 1000, 300, 75 };
	struct tt_device *dev = open_device("sim");

	(void)state;
	compare(dev, 900, 30, 5, NULL, 0.7);
	compare(dev, 3375, 60, 5, levels, 0.7);
	compare(dev, 1200, 50, 90, NULL, 0.5);
	tt_device_close(dev);
}

static void test_small_grid(void **state)
{
	struct tt_device *dev = open_device("sim:grid=2x2");

	(void)state;
	compare(dev, 500, 20, 0, NULL, 0.7);
	compare(dev, 600, 20, 3, NULL, 0.5);
	tt_device_close(dev);
}

static void test_bad_input(void **state)
{
	struct tt_device *dev = open_device("sim:grid=4x4");
	struct tt_cq *cq = tt_device_cq(dev, 0);
	float b[3][4] = { { 0, 0, 10, 10 }, { 1, 1, 10, 10 }, { 20, 20, 30, 30 } };
	float s[3] = { 0.5f, 0.9f, 0.1f };
	int64_t g[3] = { 0, 0, -1 };
	uint32_t keep[3];
	struct op_nms *nms;

	(void)state;
	CHECK_FAILS(op_nms_create(dev, 0, &nms), -EINVAL, "boxes");
	CHECK_FAILS(op_nms_create(dev, OP_NMS_MAX_N + 1, &nms), -EINVAL, "boxes");
	CHECK(op_nms_create(dev, 3, &nms));
	CHECK_FAILS(op_nms_run(nms, cq, &b[0][0], s, NULL, 4, 0.7, keep, NULL), -EINVAL,
		    "up to 3");
	CHECK_FAILS(op_nms_run(nms, cq, &b[0][0], s, g, 3, 0.7, keep, NULL), -EINVAL, "group -1");
	CHECK_FAILS(op_nms_run(nms, cq, &b[0][0], s, NULL, 3, NAN, keep, NULL), -EINVAL,
		    "threshold");
	b[1][2] = INFINITY;
	CHECK_FAILS(op_nms_run(nms, cq, &b[0][0], s, NULL, 3, 0.7, keep, NULL), -EINVAL,
		    "box 1");
	b[1][2] = 10;
	s[2] = NAN;
	CHECK_FAILS(op_nms_run(nms, cq, &b[0][0], s, NULL, 3, 0.7, keep, NULL), -EINVAL,
		    "score");
	s[2] = 0.1f;
	assert_int_equal(op_nms_run(nms, cq, &b[0][0], s, NULL, 0, 0.7, keep, NULL), 0);
	/* and it still works: box 1 (IoU 0.81 with box 0) wins, box 2 stays */
	assert_int_equal(op_nms_run(nms, cq, &b[0][0], s, NULL, 3, 0.7, keep, NULL), 2);
	assert_int_equal(keep[0], 1);
	assert_int_equal(keep[1], 2);
	g[2] = 1;
	assert_int_equal(op_nms_run(nms, cq, &b[0][0], s, g, 3, 0.9, keep, NULL), 3);
	assert_int_equal(keep[0], 1);
	assert_int_equal(keep[1], 0);
	assert_int_equal(keep[2], 2);
	op_nms_destroy(nms);
	tt_device_close(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_batched),
		cmocka_unit_test(test_small_grid),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
