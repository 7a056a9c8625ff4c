// SPDX-License-Identifier: MIT
/*
 * The network's device parts against torchvision: the ResNet-50 body,
 * the FPN, the RPN head and the box head + predictor (model/net/backbone.c,
 * fpn.c, rpn_head.c, box_head.c, built from model/ops), with the seeded
 * random-init model and reference tensors of tests/parity/make_reference.py
 * at 320x320. The body gets torchvision's transformed image, the box head
 * torchvision's pooled RoI features. Every stage must reach, by PCC:
 *   fp32 (fp32 weights, HiFi4):                >= 0.99999 at every stage
 *   bf16 activations, bf16 weights, HiFi2:     >= 0.99 at every stage
 * (fp32 ops work to about fp32 accuracy on the device: matmuls in three
 * passes over hi and lo parts, adds and max pool on the SFPU; every stage
 * reaches PCC 1.000000 to six places, bf16's 0.9993 or better)
 * (the box head in bf16 only: fp32 would double the test's time).
 * In bf16 the body, FPN and RPN head are also captured in one trace, whose
 * replay must remake the direct run's results exactly.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <cmocka.h>

#include "../../model/net/backbone.h"
#include "../../model/net/box_head.h"
#include "../../model/net/fpn.h"
#include "../../model/net/rpn_head.h"

#ifndef PARITY_DIR
#define PARITY_DIR "build/parity"
#endif

#define PCC_FP32	0.99999
#define PCC_BF16	0.99

static struct weights *ref, *net;

static int setup(void **state)
{
	(void)state;
	if (weights_open(PARITY_DIR "/reference.safetensors", &ref) ||
	    weights_open(PARITY_DIR "/weights.safetensors", &net)) {
		fprintf(stderr, "parity data: %s (make %s/reference.safetensors)\n",
			tt_last_error(), PARITY_DIR);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	weights_close(ref);
	weights_close(net);
	return 0;
}

static double pcc(const float *a, const float *b, size_t n)
{
	double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;

	for (size_t i = 0; i < n; i++) {
		ma += a[i];
		mb += b[i];
	}
	ma /= (double)n;
	mb /= (double)n;
	for (size_t i = 0; i < n; i++) {
		sab += (a[i] - ma) * (b[i] - mb);
		saa += (a[i] - ma) * (a[i] - ma);
		sbb += (b[i] - mb) * (b[i] - mb);
	}
	return sab / sqrt(saa * sbb);
}

static void compare(struct tt_cq *cq, const struct op_tensor *t, const char *name,
		    double min_pcc, const char *mode)
{
	const struct weights_tensor *want = weights_find(ref, name);
	size_t n;
	float *got;
	double r;

	assert_non_null(t);
	assert_non_null(want);
	n = (size_t)t->c * t->h * t->w;
	assert_int_equal(n, want->numel);
	assert_int_equal(t->c, want->shape[0]);
	assert_int_equal(t->h, want->shape[1]);
	got = malloc(n * sizeof(float));
	assert_non_null(got);
	assert_int_equal(op_tensor_read(cq, t, got), 0);
	r = pcc(got, want->data, n);
	printf("  %s %-4s %ux%ux%u pcc %.6f (>= %g)\n", mode, name, t->c, t->h, t->w, r, min_pcc);
	free(got);
	if (!(r >= min_pcc))
		fail_msg("%s %s: pcc %.6f < %g", mode, name, r, min_pcc);
}

/* Channels [c0, c0 + nc) of t against the reference tensor name. */
static void compare_part(struct tt_cq *cq, const struct op_tensor *t, uint32_t c0, uint32_t nc,
			 const char *name, double min_pcc, const char *mode)
{
	const struct weights_tensor *want = weights_find(ref, name);
	size_t plane = (size_t)t->h * t->w;
	float *got = malloc((size_t)t->c * plane * sizeof(float));
	double r;

	assert_non_null(want);
	assert_non_null(got);
	assert_int_equal(want->numel, nc * plane);
	assert_int_equal(op_tensor_read(cq, t, got), 0);
	r = pcc(got + c0 * plane, want->data, nc * plane);
	printf("  %s %-17s %ux%ux%u pcc %.6f (>= %g)\n", mode, name, nc, t->h, t->w, r, min_pcc);
	free(got);
	if (!(r >= min_pcc))
		fail_msg("%s %s: pcc %.6f < %g", mode, name, r, min_pcc);
}

/* What the body's ops report: totals per kind of op, the largest ops. */
struct report {
	unsigned n, convs;
	uint64_t cycles;
	struct {
		char op[32], shape[80];
		uint64_t cycles;
	} ops[128];
};

static void record(void *ctx, const char *op, const char *shape, uint64_t cycles, double host_us)
{
	struct report *r = ctx;

	(void)host_us;
	r->cycles += cycles;
	r->convs += strncmp(op, "conv", 4) == 0;
	if (r->n < 128) {
		snprintf(r->ops[r->n].op, sizeof(r->ops[0].op), "%s", op);
		snprintf(r->ops[r->n].shape, sizeof(r->ops[0].shape), "%s", shape);
		r->ops[r->n++].cycles = cycles;
	}
}

static void print_report(struct report *r, const char *mode)
{
	static const char *const kinds[] = { "conv1x1", "conv3x3", "conv7x7", "add", "maxpool" };
	unsigned i, k, top;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		uint64_t c = 0;

		for (i = 0; i < r->n; i++)
			c += strncmp(r->ops[i].op, kinds[k], strlen(kinds[k])) == 0 ? r->ops[i].cycles : 0;
		printf("  %s body, %-8s %.3f ms\n", mode, kinds[k], (double)c / 1e6);
	}
	for (top = 0; top < 3; top++) {
		unsigned best = 0;

		for (i = 1; i < r->n; i++)
			if (r->ops[i].cycles > r->ops[best].cycles)
				best = i;
		printf("  %s body, largest: %s %s %.3f ms\n", mode, r->ops[best].op,
		       r->ops[best].shape, (double)r->ops[best].cycles / 1e6);
		r->ops[best].cycles = 0;
	}
}

/*
 * The body, FPN and RPN head enqueued without waiting into one trace; its
 * replay remakes the RPN outputs the direct run made (cleared first).
 */
static void check_trace(struct tt_device *dev, struct tt_cq *cq, struct backbone *bb,
			struct fpn *fpn, struct rpn_head *head, const struct op_tensor *in)
{
	const struct op_tensor *c[4], *p[RPN_LEVELS], *out = rpn_head_output(head, 0);
	size_t n = (size_t)out->c * out->h * out->w, i;
	float *want = malloc(n * sizeof(float)), *got = malloc(n * sizeof(float));
	struct timespec t0, t1;
	int id, level;

	assert_non_null(want);
	assert_non_null(got);
	assert_int_equal(op_tensor_read(cq, out, want), 0);
	for (level = 2; level <= 5; level++)
		c[level - 2] = backbone_output(bb, level);
	for (level = 0; level < RPN_LEVELS; level++)
		p[level] = fpn_output(fpn, level);
	id = tt_cq_begin_trace_capture(cq);
	assert_true(id >= 0);
	if (backbone_forward(bb, cq, in, NULL) || fpn_forward(fpn, cq, c, NULL) ||
	    rpn_head_forward(head, cq, p, RPN_LEVELS, NULL))
		fail_msg("capture: %s", tt_last_error());
	assert_int_equal(tt_cq_end_trace_capture(cq, (uint32_t)id), 0);
	memset(got, 0, n * sizeof(float));
	assert_int_equal(op_tensor_write(cq, (struct op_tensor *)out, got), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (tt_cq_replay_trace(cq, (uint32_t)id, true))
		fail_msg("replay: %s", tt_last_error());
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(op_tensor_read(cq, out, got), 0);
	for (i = 0; i < n; i++)
		if (got[i] != want[i])
			fail_msg("traced run differs at %zu: %g, direct %g", i, got[i], want[i]);
	printf("  traced body + fpn + rpn head: one replay, %.0f ms host time\n",
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	assert_int_equal(tt_release_trace(dev, (uint32_t)id), 0);
	free(want);
	free(got);
}

static void run(const struct op_precision *prec, double min_pcc, const char *mode)
{
	static const char *const names[] = { "stem", "c2", "c3", "c4", "c5" };
	static const char *const pnames[] = { "p2", "p3", "p4", "p5", "p6" };
	const struct op_tensor *c[4], *p[RPN_LEVELS];
	struct op_stats fst = { 0 }, rst = { 0 };
	struct rpn_head *head;
	struct fpn *fpn;
	uint32_t a;
	const struct weights_tensor *img = weights_find(ref, "transformed");
	struct tt_device *dev;
	struct tt_cq *cq;
	struct backbone *bb;
	struct op_tensor in;
	struct report rep = { 0 };
	struct op_stats st = { .report = record, .report_ctx = &rep };
	int level;

	assert_non_null(img);
	assert_int_equal(img->ndim, 3);
	assert_int_equal(tt_device_open("sim", &dev), 0);
	cq = tt_device_cq(dev, 0);
	if (backbone_create(dev, net, prec, &bb))
		fail_msg("backbone_create: %s", tt_last_error());
	assert_int_equal(op_tensor_create(dev, (uint32_t)img->shape[1], (uint32_t)img->shape[2], 3,
					  prec->act, &in), 0);
	assert_int_equal(op_tensor_write(cq, &in, img->data), 0);
	if (backbone_forward(bb, cq, &in, &st))
		fail_msg("backbone_forward: %s", tt_last_error());
	for (level = 1; level <= 5; level++) {
		compare(cq, backbone_output(bb, level), names[level - 1], min_pcc, mode);
		if (level >= 2)
			c[level - 2] = backbone_output(bb, level);
	}
	if (fpn_create(dev, net, prec, &fpn) || fpn_forward(fpn, cq, c, &fst))
		fail_msg("fpn: %s", tt_last_error());
	for (level = 2; level <= 6; level++) {
		compare(cq, fpn_output(fpn, level - 2), pnames[level - 2], min_pcc, mode);
		p[level - 2] = fpn_output(fpn, level - 2);
	}
	if (rpn_head_create(dev, net, prec, &head) || rpn_head_forward(head, cq, p, RPN_LEVELS, &rst))
		fail_msg("rpn head: %s", tt_last_error());
	a = rpn_head_anchors(head);
	for (level = 0; level < RPN_LEVELS; level++) {
		char name[32];

		snprintf(name, sizeof(name), "rpn_objectness.%d", level);
		compare_part(cq, rpn_head_output(head, level), 0, a, name, min_pcc, mode);
		snprintf(name, sizeof(name), "rpn_deltas.%d", level);
		compare_part(cq, rpn_head_output(head, level), a, 4 * a, name, min_pcc, mode);
	}
	printf("  %s body: %.3f ms modelled device time, %.0f ms host time\n", mode,
	       (double)st.device_cycles / 1e6, st.host_us / 1e3);
	/* every op reported once: 53 convs in ResNet-50, and all the cycles */
	assert_int_equal(rep.convs, 53);
	assert_true(rep.cycles == st.device_cycles);
	print_report(&rep, mode);
	printf("  %s fpn:  %.3f ms modelled device time, %.0f ms host time\n", mode,
	       (double)fst.device_cycles / 1e6, fst.host_us / 1e3);
	printf("  %s rpn:  %.3f ms modelled device time, %.0f ms host time\n", mode,
	       (double)rst.device_cycles / 1e6, rst.host_us / 1e3);
	if (prec->act == TT_FORMAT_FLOAT16_B)
		check_trace(dev, cq, bb, fpn, head, &in);
	rpn_head_destroy(head);
	fpn_destroy(fpn);
	op_tensor_destroy(&in);
	backbone_destroy(bb);
	tt_device_close(dev);
}

/* Columns [c0, c0 + nc) of an n x width row-major array against name. */
static void compare_rows(const float *got, uint32_t n, uint32_t width, uint32_t c0, uint32_t nc,
			 const char *name, double min_pcc, const char *mode)
{
	const struct weights_tensor *want = weights_find(ref, name);
	float *part = malloc((size_t)n * nc * sizeof(float));
	double r;

	assert_non_null(want);
	assert_non_null(part);
	assert_int_equal(want->numel, (size_t)n * nc);
	for (uint32_t i = 0; i < n; i++)
		memcpy(part + (size_t)i * nc, got + (size_t)i * width + c0, nc * sizeof(float));
	r = pcc(part, want->data, (size_t)n * nc);
	printf("  %s %-17s %ux%u pcc %.6f (>= %g)\n", mode, name, n, nc, r, min_pcc);
	free(part);
	if (!(r >= min_pcc))
		fail_msg("%s %s: pcc %.6f < %g", mode, name, r, min_pcc);
}

static void run_box_head(const struct op_precision *prec, double min_pcc, const char *mode)
{
	const struct weights_tensor *feat = weights_find(ref, "box_features");
	struct tt_device *dev;
	struct tt_cq *cq;
	struct box_head *bh;
	struct op_stats st = { 0 };
	uint32_t n, k, stage;
	float *got;

	assert_non_null(feat);
	n = (uint32_t)feat->shape[0];
	assert_int_equal(tt_device_open("sim", &dev), 0);
	cq = tt_device_cq(dev, 0);
	if (box_head_create(dev, net, (uint32_t)feat->shape[1], prec, &bh) ||
	    box_head_forward(bh, cq, feat->data, n, &st))
		fail_msg("box head: %s", tt_last_error());
	assert_int_equal(box_head_in_features(bh), feat->numel / n);
	k = box_head_classes(bh);
	got = malloc((size_t)n * 5 * k * sizeof(float) + (size_t)n * 1024 * sizeof(float));
	assert_non_null(got);
	for (stage = 0; stage < 3; stage++) {
		const struct op_tensor *t = box_head_output(bh, (int)stage);

		assert_true((size_t)t->c * n <= (size_t)n * (5 * k + 1024));
		assert_int_equal(op_tensor_read_hwc(cq, t, got), 0);
		if (stage < 2) {
			compare_rows(got, n, t->c, 0, t->c, stage ? "fc7" : "fc6", min_pcc, mode);
		} else {
			compare_rows(got, n, t->c, 0, k, "class_logits", min_pcc, mode);
			compare_rows(got, n, t->c, k, 4 * k, "box_regression", min_pcc, mode);
		}
	}
	printf("  %s box head (%u RoIs): %.3f ms modelled device time, %.0f ms host time\n",
	       mode, n, (double)st.device_cycles / 1e6, st.host_us / 1e3);
	free(got);
	box_head_destroy(bh);
	tt_device_close(dev);
}

static void test_box_head_bf16(void **state)
{
	(void)state;
	run_box_head(&op_precision_bf16, PCC_BF16, "bf16");
}

static void test_fp32(void **state)
{
	(void)state;
	run(&op_precision_fp32, PCC_FP32, "fp32");
}

static void test_bf16(void **state)
{
	(void)state;
	run(&op_precision_bf16, PCC_BF16, "bf16");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fp32),
		cmocka_unit_test(test_bf16),
		cmocka_unit_test(test_box_head_bf16),
	};

	/* The reference comes from torchvision: without it, skipped (exit 77). */
	if (access(PARITY_DIR "/reference.safetensors", R_OK)) {
		printf("no reference in %s: python3-torchvision makes it (make deps, then "
		       "make check)\n", PARITY_DIR);
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
