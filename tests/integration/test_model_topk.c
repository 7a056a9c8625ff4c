// SPDX-License-Identifier: MIT
/*
 * model/ops top-k on the device against the host's ordering (proposals.c:
 * descending value, equal values by ascending index): the same indices
 * in the same order and the same values, bit for bit, for values with
 * many ties (and -0 next to +0), in Float32 and Float16_b tensors, from
 * one value a core to the RPN's 80x80x3 anchors of a 320x320 image on
 * the 8x8 grid. Then bad input, after which the op still works.
 */
#include <math.h>
#include <time.h>

#include "helpers.h"
#include "../../model/ops/ops.h"

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t rnd(void)
{
	return (uint32_t)(test_rand64(&rng) >> 16);
}

struct ranked {
	float v;
	uint32_t i;
};

static int by_value(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->v != y->v)
		return x->v > y->v ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/*
 * A tensor h x w x c of values with ties: channels c0 .. c0 + m - 1 hold
 * the values, steps of 1/8 in [-8, 8) (or spread wide), some -0.
 */
static void compare(struct tt_device *dev, uint32_t h, uint32_t w, uint32_t c, uint32_t c0,
		    uint32_t m, uint32_t k, enum tt_format fmt, bool wide)
{
	struct tt_cq *cq = tt_device_cq(dev, 0);
	uint32_t n = h * w * m, hw = h * w, i, *idx = malloc(k * 4);
	float *chw = calloc((size_t)c * hw, sizeof(float)), *val = malloc(k * 4);
	struct ranked *rank = malloc(n * sizeof(*rank));
	struct op_stats st = { 0 };
	struct op_topk *tk;
	struct op_tensor t;
	double t0, host_us;

	assert_true(idx && chw && val && rank);
	for (i = 0; i < c * hw; i++)
		chw[i] = (float)(int)(rnd() % 64) - 32.0f;
	for (i = 0; i < n; i++) {
		uint32_t r = rnd();
		float v = wide ? ldexpf((float)(r % 100000) / 100000.0f - 0.5f, (int)(r % 40) - 20) :
			  (float)(int)(r % 128) / 8.0f - 8.0f;

		if (r % 97 == 0)
			v = -0.0f;
		if (fmt == TT_FORMAT_FLOAT16_B)
			v = tt_bf16_to_float(tt_float_to_bf16(v));
		chw[(c0 + i % m) * hw + i / m] = v;
	}
	CHECK(op_tensor_create(dev, h, w, c, fmt, &t));
	CHECK(op_tensor_write(cq, &t, chw));
	CHECK(op_topk_create(dev, n + 3, k + 2, &tk));
	CHECK(op_topk_run(tk, cq, &t, c0, m, k, &st));
	CHECK(op_topk_read(tk, cq, k, idx, val));
	t0 = test_now_us();
	for (i = 0; i < n; i++)
		rank[i] = (struct ranked){ chw[(c0 + i % m) * hw + i / m], i };
	qsort(rank, n, sizeof(*rank), by_value);
	host_us = test_now_us() - t0;
	for (i = 0; i < k; i++) {
		if (idx[i] != rank[i].i || !(val[i] == rank[i].v))
			fail_msg("top %u of %u, #%u: device %u (%g), host %u (%g)", k, n, i, idx[i],
				 (double)val[i], rank[i].i, (double)rank[i].v);
	}
	print_message("topk %u of %u (%s): device %.1f us modelled (host run %.0f us), host "
		      "qsort %.0f us\n", k, n, fmt == TT_FORMAT_FLOAT32 ? "fp32" : "bf16",
		      st.device_cycles / 1e3, st.host_us, host_us);
	op_topk_destroy(tk);
	op_tensor_destroy(&t);
	free(idx);
	free(chw);
	free(val);
	free(rank);
}

static void test_rpn_sizes(void **state)
{
	struct tt_device *dev = open_device("sim");

	(void)state;
	/* P2 .. P6 of a 320x320 image, 3 anchors, the RPN head's 15 channels */
	compare(dev, 80, 80, 15, 0, 3, 1000, TT_FORMAT_FLOAT32, false);
	compare(dev, 40, 40, 15, 0, 3, 1000, TT_FORMAT_FLOAT16_B, false);
	compare(dev, 20, 20, 15, 0, 3, 1000, TT_FORMAT_FLOAT32, true);
	compare(dev, 10, 10, 15, 0, 3, 300, TT_FORMAT_FLOAT32, false);
	compare(dev, 5, 5, 15, 0, 3, 75, TT_FORMAT_FLOAT16_B, false);
	tt_device_close(dev);
}

static void test_shapes(void **state)
{
	struct tt_device *dev = open_device("sim:grid=4x4");

	(void)state;
	compare(dev, 1, 1, 1, 0, 1, 1, TT_FORMAT_FLOAT32, false);
	compare(dev, 1, 5, 1, 0, 1, 5, TT_FORMAT_FLOAT32, true);
	compare(dev, 1, 3000, 40, 7, 1, 3000, TT_FORMAT_FLOAT32, true);
	compare(dev, 33, 17, 64, 40, 24, 2000, TT_FORMAT_FLOAT16_B, false);
	compare(dev, 100, 100, 2, 1, 1, 1, TT_FORMAT_FLOAT32, false);
	tt_device_close(dev);
}

static void test_bad_input(void **state)
{
	struct tt_device *dev = open_device("sim:grid=4x4");
	struct tt_cq *cq = tt_device_cq(dev, 0);
	float chw[2 * 64], val[4];
	struct op_topk *tk;
	struct op_tensor t;
	uint32_t idx[4], i;

	(void)state;
	for (i = 0; i < 128; i++)
		chw[i] = (float)(i * 37 % 128);
	CHECK(op_tensor_create(dev, 8, 8, 2, TT_FORMAT_FLOAT32, &t));
	CHECK(op_tensor_write(cq, &t, chw));
	CHECK_FAILS(op_topk_create(dev, 0, 4, &tk), -EINVAL, "values");
	CHECK_FAILS(op_topk_create(dev, 64, OP_TOPK_MAX_K + 1, &tk), -EINVAL, "values");
	CHECK(op_topk_create(dev, 200, 4, &tk));
	CHECK_FAILS(op_topk_run(tk, cq, &t, 0, 2, 0, NULL), -EINVAL, "top 0");
	CHECK_FAILS(op_topk_run(tk, cq, &t, 0, 2, 5, NULL), -EINVAL, "up to 4");
	CHECK_FAILS(op_topk_run(tk, cq, &t, 1, 2, 4, NULL), -EINVAL, "channels");
	CHECK_FAILS(op_topk_run(tk, cq, &t, 0, 0, 4, NULL), -EINVAL, "channels");
	CHECK_FAILS(op_topk_run(NULL, cq, &t, 0, 2, 4, NULL), -EINVAL, "NULL");
	op_topk_destroy(tk);
	CHECK(op_topk_create(dev, 100, 4, &tk));
	CHECK_FAILS(op_topk_run(tk, cq, &t, 0, 2, 4, NULL), -EINVAL, "128 values");
	op_topk_destroy(tk);
	/* and it still works: channel 1 holds 64 distinct values */
	CHECK(op_topk_create(dev, 64, 4, &tk));
	CHECK(op_topk_run(tk, cq, &t, 1, 1, 4, NULL));
	CHECK(op_topk_read(tk, cq, 4, idx, val));
	for (i = 0; i < 4; i++) {
		uint32_t above = 0, p;

		for (p = 0; p < 64; p++)
			above += chw[64 + p] > val[i];
		assert_int_equal(above, i);
		assert_float_equal(chw[64 + idx[i]], val[i], 0);
	}
	op_topk_destroy(tk);
	op_tensor_destroy(&t);
	tt_device_close(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rpn_sizes),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
