// SPDX-License-Identifier: MIT
/*
 * model/ops proposals on the device against the host's path (anchors,
 * box_decode of every anchor, rpn_filter_proposals): the same number of
 * proposals, scores and boxes in the same order, for random logits and
 * deltas at the R50-FPN 320x320 sizes (5 levels 80x80 .. 5x5, A = 3,
 * 3375 candidates: NMS per group) and a smaller case (3 levels, NMS with
 * offsets), in fp32 and bf16, with a score threshold; the deltas reach
 * the dw/dh clamp, shrink boxes under min_size and push them out of the
 * image. The anchors are made on the device (op_anchors_run): the table
 * is anchors_generate's bit for bit, at 320x320, at a size that is not
 * square and for anchors of two sizes and odd ratios (rounded half to
 * even). The proposals stay on the device, read back with op_boxes_read.
 * The kernels' tt_expf is checked on the device against the same code on
 * the host (bit for bit) and against glibc's expf (within 1 ulp). Then
 * bad input, after which the ops still work.
 */
#include <math.h>
#include <time.h>

#include "helpers.h"
#include "../../libttuser/include/ttuser/kernel/fmath.h"
#include "../../model/reference/detection.h"
#include "../../model/ops/ops.h"

static uint64_t rng = 0x2545f4914f6cdd1dull;

static float frand(float lo, float hi)
{
	return test_frand(&rng, lo, hi);
}

/* ---- tt_expf --------------------------------------------------------- */
#define EXP_PAGES	16

static const char exp_kernel[] =
	"#include <ttuser/kernel/dataflow.h>\n"
	"#include <ttuser/kernel/fmath.h>\n"
	"void kernel_main(void)\n"
	"{\n"
	"	const InterleavedAddrGen in = { .bank_base_address = get_common_arg_val(0),\n"
	"					.page_size = 4096, .is_dram = true };\n"
	"	const InterleavedAddrGen out = { .bank_base_address = get_common_arg_val(1),\n"
	"					 .page_size = 4096, .is_dram = true };\n"
	"	uint32_t *v = (uint32_t *)(uintptr_t)get_write_ptr(c_0), p, i;\n"
	"	for (p = 0; p < get_common_arg_val(2); p++) {\n"
	"		noc_async_read(get_noc_addr(p, &in), (uint32_t)(uintptr_t)v, 4096);\n"
	"		noc_async_read_barrier();\n"
	"		for (i = 0; i < 1024; i++)\n"
	"			v[i] = tt_float_bits(tt_expf(tt_bits_float(v[i])));\n"
	"		noc_async_write((uint32_t)(uintptr_t)v, get_noc_addr(p, &out), 4096);\n"
	"		noc_async_write_barrier();\n"
	"	}\n"
	"}\n";

static void test_expf(void **state)
{
	static const float edge[] = {
		0.0f, -0.0f, 1.0f, -1.0f, 0x1p-30f, -0x1p-30f, 1e-8f, 0.5f, 4.135166556742356f,
		4.1351666f, 88.72283172607421875f, 88.7228393554f, 88.73f, 89.0f, 89.5f,
		-87.33654f, -87.5f, -100.0f, -103.5f, -103.97f, -104.0f, -105.0f, 1e30f, -1e30f,
		0x1.62e430p-6f, -0x1.62e430p-7f, 0.0108f, -0.0109f, 20.0f, -20.0f,
	};
	struct tt_device *dev = open_device("sim:grid=1x1");
	struct tt_cq *cq = tt_device_cq(dev, 0);
	struct tt_buffer_config bc = { .type = TT_BUFFER_DRAM, .size = 4096 * EXP_PAGES,
				       .page_size = 4096 };
	struct tt_cb_config cb = { .index = 0, .format = TT_FORMAT_FLOAT32, .page_size = 4096,
				   .num_pages = 1 };
	struct tt_kernel_config kc = { .role = TT_ROLE_READER };
	uint32_t n = 1024 * EXP_PAGES, i, exact = 0, bad_host = 0, bad_glibc = 0, args[3];
	float *x = malloc(4 * n), *y = malloc(4 * n);
	uint64_t b, seen = 0, rounded = 0;
	struct tt_buffer *in, *out;
	struct tt_program *prog;
	int k;

	(void)state;
	assert_true(x && y);
	for (i = 0; i < n; i++) {
		if (i < sizeof(edge) / sizeof(edge[0])) {
			x[i] = edge[i];
		} else if (i % 4 == 0) {
			x[i] = frand(-20.0f, 4.2f);		/* decoding and sigmoids */
		} else if (i % 4 == 1) {
			x[i] = frand(-0.1f, 0.1f);
		} else if (i % 4 == 2) {
			x[i] = frand(-110.0f, 90.0f);
		} else {
			uint32_t u = (uint32_t)(frand(0, 1) * 4294967040.0f);	/* any bits */

			memcpy(&x[i], &u, 4);
		}
	}
	x[sizeof(edge) / sizeof(edge[0])] = NAN;
	x[sizeof(edge) / sizeof(edge[0]) + 1] = INFINITY;
	x[sizeof(edge) / sizeof(edge[0]) + 2] = -INFINITY;
	CHECK(tt_buffer_create(dev, &bc, &in));
	CHECK(tt_buffer_create(dev, &bc, &out));
	CHECK(tt_cq_write_buffer(cq, in, x, true));
	CHECK(tt_program_create(dev, &prog));
	CHECK(tt_cb_create(prog, TT_CORES(0, 0, 0, 0), &cb));
	k = tt_kernel_create_from_string(prog, exp_kernel, TT_CORES(0, 0, 0, 0), &kc);
	if (k < 0)
		fail_msg("kernel: %s", tt_last_error());
	args[0] = tt_buffer_address(in);
	args[1] = tt_buffer_address(out);
	args[2] = EXP_PAGES;
	CHECK(tt_common_runtime_args_set(prog, k, args, 3));
	CHECK(tt_cq_enqueue_program(cq, prog, true));
	CHECK(tt_cq_read_buffer(cq, out, y, true));
	for (i = 0; i < n; i++) {
		float h = tt_expf(x[i]), g = expf(x[i]);

		if (isnan(x[i])) {
			assert_true(isnan(y[i]) && isnan(h));
			exact++;
			continue;
		}
		if (memcmp(&h, &y[i], 4)) {
			if (!bad_host++)
				print_message("expf(%a): device %a, host %a\n", x[i], y[i], h);
		}
		if (test_ulps(g, y[i]) > 1) {
			if (!bad_glibc++)
				print_message("expf(%a): device %a, glibc %a\n", x[i], y[i], g);
		}
		if (g != y[i])
			print_message("  expf(%a) = %a, glibc %a\n", x[i], y[i], g);
		exact += g == y[i];
	}
	print_message("tt_expf on the device: %u values, %u as glibc's expf, the others "
		      "within 1 ulp\n", n, exact);
	assert_int_equal(bad_host, 0);
	assert_int_equal(bad_glibc, 0);
	/* on the host, every 4099th float of [-110, 90]: exp rounded to nearest if normal */
	for (b = 0; b <= UINT32_MAX; b += 4099) {
		uint32_t u = (uint32_t)b;
		float v, m, c;

		memcpy(&v, &u, 4);
		if (!(v >= -110.0f && v <= 90.0f))
			continue;
		m = tt_expf(v);
		c = (float)exp((double)v);
		seen++;
		if (c >= 0x1p-126f && m != c)
			fail_msg("tt_expf(%a) = %a, exp rounded %a", v, m, c);
		if (test_ulps(m, c) > 1)
			fail_msg("tt_expf(%a) = %a, exp rounded %a", v, m, c);
		rounded += m == c;
	}
	print_message("tt_expf on the host: %llu values, %llu rounded to nearest (the others "
		      "subnormal, within 1 ulp)\n", (unsigned long long)seen,
		      (unsigned long long)rounded);
	tt_program_destroy(prog);
	tt_buffer_destroy(in);
	tt_buffer_destroy(out);
	tt_device_close(dev);
	free(x);
	free(y);
}

/* ---- proposals ------------------------------------------------------- */
struct rpn_case {
	int nlevels;
	int fh[5], fw[5];
	int ph, pw;			/* padded image: the anchors */
	int img_h, img_w;		/* unpadded: the clip */
	int pre, post;
	float score_thresh;
	enum tt_format fmt;
};

static void report(void *ctx, const char *op, const char *shape, uint64_t device_cycles,
		   double host_us)
{
	(void)ctx;
	(void)host_us;
	print_message("  %-10s %-28s %8.1f us modelled\n", op, shape, device_cycles / 1e3);
}

static void compare(struct tt_device *dev, const struct rpn_case *rc, bool per_op)
{
	const uint32_t A = 3;
	struct tt_cq *cq = tt_device_cq(dev, 0);
	struct anchor_config ac = anchors_r50_fpn;
	struct rpn_config cfg = rpn_default;
	struct op_proposals_desc desc = { 0 };
	struct op_tensor t[5];
	const struct op_tensor *heads[5];
	size_t counts[5], total = 0, at = 0;
	float *logit, *delta, *anc, *dec, *hb, *hs, *db, *ds;
	struct op_stats st = { .report = per_op ? report : NULL };
	struct op_proposals *op;
	struct op_boxes ob;
	uint32_t fh[5], fw[5];
	uint32_t i, exact = 0, clamped = 0, small = 0;
	long nh, nd;
	double t0, host_us;
	int l;

	ac.nlevels = rc->nlevels;
	cfg.pre_nms_top_n = rc->pre;
	cfg.post_nms_top_n = rc->post;
	cfg.score_thresh = rc->score_thresh;
	for (l = 0; l < rc->nlevels; l++)
		total += counts[l] = (size_t)rc->fh[l] * rc->fw[l] * A;
	logit = malloc(total * 4);
	delta = malloc(total * 16);
	anc = malloc(total * 16);
	dec = malloc(total * 16);
	hb = malloc(rc->post * 16);
	hs = malloc(rc->post * 4);
	db = malloc(rc->post * 16);
	ds = malloc(rc->post * 4);
	assert_true(logit && delta && anc && dec && hb && hs && db && ds);
	for (l = 0; l < rc->nlevels; l++) {
		uint32_t H = rc->fh[l], W = rc->fw[l], y, x, a, j, c = 5 * A;
		float *chw = malloc((size_t)c * H * W * 4);

		assert_non_null(chw);
		for (i = 0; i < c * H * W; i++) {
			uint32_t ch = i / (H * W);

			if (ch < A)		/* logits, some tied */
				chw[i] = i % 7 ? frand(-8, 8) : (float)(int)frand(-8, 8) / 4;
			else if ((ch - A) % 4 < 2)	/* dx, dy: some boxes leave the image */
				chw[i] = frand(-1.5f, 1.5f);
			else if (i % 11)	/* dw, dh: up to beyond the clamp */
				chw[i] = frand(-3, 6);
			else			/* tiny boxes */
				chw[i] = frand(-16, -6);
		}
		CHECK(op_tensor_create(dev, H, W, c, rc->fmt, &t[l]));
		CHECK(op_tensor_write(cq, &t[l], chw));
		CHECK(op_tensor_read(cq, &t[l], chw));	/* as the device holds them (bf16) */
		for (y = 0; y < H; y++)
			for (x = 0; x < W; x++)
				for (a = 0; a < A; a++, at++) {
					logit[at] = chw[(a * H + y) * W + x];
					for (j = 0; j < 4; j++) {
						float d = chw[((A + 4 * a + j) * H + y) * W + x];

						delta[4 * at + j] = d;
						clamped += j >= 2 && d > 4.135166556742356;
						small += j >= 2 && d < -8;
					}
				}
		free(chw);
		heads[l] = &t[l];
		desc.h[l] = fh[l] = H;
		desc.w[l] = fw[l] = W;
	}
	CHECK(anchors_generate(&ac, rc->ph, rc->pw, rc->fh, rc->fw, anc));
	t0 = test_now_us();
	box_decode(&box_coder_rpn, anc, total, delta, 1, dec);
	nh = rpn_filter_proposals(&cfg, dec, logit, counts, rc->nlevels, rc->img_h, rc->img_w, hb,
				  hs);
	host_us = test_now_us() - t0;
	assert_true(nh > 0);

	desc.nlevels = rc->nlevels;
	desc.anchors = A;
	desc.pre_nms_top_n = rc->pre;
	desc.post_nms_top_n = rc->post;
	desc.nms_thresh = cfg.nms_thresh;
	desc.score_thresh = cfg.score_thresh;
	desc.min_size = cfg.min_size;
	CHECK(op_boxes_create(dev, (uint32_t)total, &ob));
	CHECK(op_anchors_run(dev, cq, &ac, rc->ph, rc->pw, fh, fw, &ob, NULL));
	CHECK(op_proposals_create(dev, &desc, &op));
	CHECK(op_proposals_run(op, cq, heads, &ob, rc->img_h, rc->img_w, &st));
	nd = op_boxes_read(cq, op_proposals_boxes(op), db, ds);
	if (nd < 0)
		fail_msg("op_boxes_read: %s", tt_last_error());
	if (nd != nh)
		fail_msg("host keeps %ld proposals, device %ld", nh, nd);
	for (i = 0; i < (uint32_t)nh; i++) {
		uint32_t j, same = ds[i] == hs[i];

		for (j = 0; j < 4; j++)
			same &= db[4 * i + j] == hb[4 * i + j];
		exact += same;
		if (test_ulps(ds[i], hs[i]) > 1)
			fail_msg("proposal %u: score %a on the device, %a on the host", i,
				 (double)ds[i], (double)hs[i]);
		/* a 1-ulp exp moves a coordinate by at most an ulp of the image's size */
		for (j = 0; j < 4; j++)
			if (fabsf(db[4 * i + j] - hb[4 * i + j]) > 0x1p-23f * (rc->ph + rc->pw))
				fail_msg("proposal %u: box[%u] %a on the device, %a on the host", i,
					 j, (double)db[4 * i + j], (double)hb[4 * i + j]);
	}
	print_message("%s %d levels, %zu anchors (%u deltas clamped, %u tiny), score >= %.2f: "
		      "%ld proposals, %u bit for bit as the host's; device %.1f us modelled (host "
		      "run %.0f us), host decode + filter %.0f us\n",
		      rc->fmt == TT_FORMAT_FLOAT32 ? "fp32" : "bf16", rc->nlevels, total, clamped,
		      small, (double)rc->score_thresh, nd, exact, st.device_cycles / 1e3,
		      st.host_us, host_us);
	op_proposals_destroy(op);
	op_boxes_destroy(&ob);
	for (l = 0; l < rc->nlevels; l++)
		op_tensor_destroy(&t[l]);
	free(logit);
	free(delta);
	free(anc);
	free(dec);
	free(hb);
	free(hs);
	free(db);
	free(ds);
}

static const struct rpn_case r50_320 = {
	.nlevels = 5, .fh = { 80, 40, 20, 10, 5 }, .fw = { 80, 40, 20, 10, 5 },
	.ph = 320, .pw = 320, .img_h = 320, .img_w = 320, .pre = 1000, .post = 1000,
	.fmt = TT_FORMAT_FLOAT32,
};

static const struct rpn_case small_case = {
	.nlevels = 3, .fh = { 16, 8, 4 }, .fw = { 12, 6, 3 }, .ph = 64, .pw = 48,
	.img_h = 60, .img_w = 45, .pre = 200, .post = 100, .fmt = TT_FORMAT_FLOAT32,
};

static void test_r50_320(void **state)
{
	struct tt_device *dev = open_device("sim");
	struct rpn_case rc = r50_320;

	(void)state;
	compare(dev, &rc, true);
	rc.score_thresh = 0.9995f;	/* under 1000 left: NMS with offsets */
	compare(dev, &rc, false);
	tt_device_close(dev);
}

static void test_small(void **state)
{
	struct tt_device *dev = open_device("sim:grid=2x2");
	struct rpn_case rc = small_case;

	(void)state;
	compare(dev, &rc, false);
	rc.fmt = TT_FORMAT_FLOAT16_B;
	compare(dev, &rc, false);
	rc.pre = 50;
	rc.post = 1000;
	rc.score_thresh = 0.5f;
	compare(dev, &rc, false);
	tt_device_close(dev);
}

/* ---- anchors --------------------------------------------------------- */
/* op_anchors_run against anchors_generate: every value, bit for bit, and the count. */
static void compare_anchors(struct tt_device *dev, const struct anchor_config *c, int ph, int pw,
			    const int *feat_h, const int *feat_w)
{
	struct tt_cq *cq = tt_device_cq(dev, 0);
	struct op_stats st = { 0 };
	uint32_t fh[ANCHOR_MAX_LEVELS], fw[ANCHOR_MAX_LEVELS];
	size_t total = 0;
	float *want, *got;
	struct op_boxes ob;
	long n;

	for (int l = 0; l < c->nlevels; l++) {
		fh[l] = (uint32_t)feat_h[l];
		fw[l] = (uint32_t)feat_w[l];
		total += anchors_per_cell(c) * fh[l] * fw[l];
	}
	want = malloc(total * 16);
	got = malloc(total * 16);
	assert_true(want && got);
	CHECK(anchors_generate(c, ph, pw, feat_h, feat_w, want));
	CHECK(op_boxes_create(dev, (uint32_t)total + 40, &ob));
	CHECK(op_anchors_run(dev, cq, c, (uint32_t)ph, (uint32_t)pw, fh, fw, &ob, &st));
	n = op_boxes_read(cq, &ob, got, NULL);
	assert_int_equal(n, (long)total);
	for (size_t i = 0; i < 4 * total; i++)
		if (memcmp(&got[i], &want[i], 4))
			fail_msg("anchor %zu [%zu]: device %a, host %a", i / 4, i % 4, (double)got[i],
				 (double)want[i]);
	print_message("anchors %dx%d, %d levels of %zu a cell: %zu, bit for bit as the host's; "
		      "device %.1f us modelled\n", ph, pw, c->nlevels, anchors_per_cell(c), total,
		      st.device_cycles / 1e3);
	op_boxes_destroy(&ob);
	free(want);
	free(got);
}

static void test_anchors(void **state)
{
	static const int h320[] = { 80, 40, 20, 10, 5 };
	static const int h480[] = { 120, 60, 30, 15, 8 }, w352[] = { 88, 44, 22, 11, 6 };
	static const int h3[] = { 16, 8, 4 }, w3[] = { 12, 6, 3 };
	struct tt_device *dev = open_device("sim:grid=4x4");
	struct tt_cq *cq = tt_device_cq(dev, 0);
	struct anchor_config odd = {
		.nlevels = 3, .nsizes = 2, .nratios = 4,
		.sizes = { { 33, 45 }, { 21, 67 }, { 99, 150.5f } },
		.ratios = { 0.5f, 0.7f, 1.0f, 3.1f },
	};
	struct anchor_config bad = anchors_r50_fpn;
	uint32_t fh[5] = { 80, 40, 20, 10, 5 };
	struct op_boxes small, none = { 0 };

	(void)state;
	compare_anchors(dev, &anchors_r50_fpn, 320, 320, h320, h320);
	compare_anchors(dev, &anchors_r50_fpn, 480, 352, h480, w352);	/* strides 4 .. 60 x 58 */
	compare_anchors(dev, &odd, 64, 48, h3, w3);
	/* bad input: too small a table, none, a level bigger than the image, no levels */
	CHECK(op_boxes_create(dev, 25000, &small));
	CHECK_FAILS(op_anchors_run(dev, cq, &anchors_r50_fpn, 320, 320, fh, fh, &small, NULL),
		    -EINVAL, "25575 anchors");
	CHECK_FAILS(op_anchors_run(dev, cq, &anchors_r50_fpn, 320, 320, fh, fh, &none, NULL),
		    -EINVAL, "op_boxes_create");
	CHECK_FAILS(op_anchors_run(dev, cq, &anchors_r50_fpn, 40, 320, fh, fh, &small, NULL),
		    -EINVAL, "map 80x80 for a 40x320 image");
	bad.nlevels = 0;
	CHECK_FAILS(op_anchors_run(dev, cq, &bad, 320, 320, fh, fh, &small, NULL), -EINVAL,
		    "0 levels");
	bad = anchors_r50_fpn;
	bad.ratios[1] = NAN;
	CHECK_FAILS(op_anchors_run(dev, cq, &bad, 320, 320, fh, fh, &small, NULL), -EINVAL,
		    "ratio");
	CHECK_FAILS(op_anchors_run(dev, cq, NULL, 320, 320, fh, fh, &small, NULL), -EINVAL,
		    "NULL");
	op_boxes_destroy(&small);
	/* and it still works */
	compare_anchors(dev, &anchors_r50_fpn, 320, 320, h320, h320);
	tt_device_close(dev);
}

static void test_bad_input(void **state)
{
	struct tt_device *dev = open_device("sim:grid=2x2");
	struct tt_cq *cq = tt_device_cq(dev, 0);
	struct op_proposals_desc d = {
		.nlevels = 1, .h = { 2 }, .w = { 2 }, .anchors = 1, .pre_nms_top_n = 3,
		.post_nms_top_n = 10, .nms_thresh = 0.7, .score_thresh = 0, .min_size = 1e-3f,
	};
	float anc[4][4] = {
		{ 0, 0, 10, 10 }, { 1, 1, 11, 11 }, { 20, 20, 30, 30 }, { 40, 0, 60, 20 },
	};
	/* chw: logit, dx, dy, dw, dh of the 4 pixels */
	float chw[5][4] = { { 3, 2, 1, 0 }, { 0 }, { 0 }, { 0 }, { 0 } };
	struct op_tensor t, wrong;
	const struct op_tensor *heads[1] = { &t }, *bad[1] = { &wrong };
	float boxes[40], scores[10];
	struct op_boxes anchors, three, none = { 0 };
	struct op_proposals *op;

	(void)state;
	CHECK(op_tensor_create(dev, 2, 2, 5, TT_FORMAT_FLOAT32, &t));
	CHECK(op_tensor_write(cq, &t, &chw[0][0]));
	CHECK(op_tensor_create(dev, 2, 2, 6, TT_FORMAT_FLOAT32, &wrong));
	CHECK(op_boxes_create(dev, 4, &anchors));
	CHECK(op_boxes_create(dev, 3, &three));
	anc[2][1] = INFINITY;
	CHECK_FAILS(op_boxes_write(cq, &anchors, &anc[0][0], NULL, 4), -EINVAL, "box 2");
	anc[2][1] = 20;
	CHECK(op_boxes_write(cq, &anchors, &anc[0][0], NULL, 4));
	CHECK_FAILS(op_proposals_create(dev, NULL, &op), -EINVAL, "NULL");
	d.nlevels = 0;
	CHECK_FAILS(op_proposals_create(dev, &d, &op), -EINVAL, "0 levels");
	d.nlevels = 1;
	d.pre_nms_top_n = 0;
	CHECK_FAILS(op_proposals_create(dev, &d, &op), -EINVAL, "pre/post");
	d.pre_nms_top_n = 3;
	d.nms_thresh = NAN;
	CHECK_FAILS(op_proposals_create(dev, &d, &op), -EINVAL, "thresholds");
	d.nms_thresh = 0.7;
	d.h[0] = 0;
	CHECK_FAILS(op_proposals_create(dev, &d, &op), -EINVAL, "level 0 is 0x2");
	d.h[0] = 2;
	{
		struct op_proposals_desc big = d;

		big.nlevels = 3;
		big.h[1] = big.h[2] = 100;
		big.w[1] = big.w[2] = 100;
		big.pre_nms_top_n = 5000;
		CHECK_FAILS(op_proposals_create(dev, &big, &op), -EINVAL, "candidates");
	}
	CHECK(op_proposals_create(dev, &d, &op));
	CHECK_FAILS(op_proposals_run(op, cq, bad, &anchors, 20, 20, NULL), -EINVAL,
		    "2x2x6, made for 2x2x5");
	CHECK_FAILS(op_proposals_run(op, cq, heads, &anchors, 0, 20, NULL), -EINVAL,
		    "image 0x20");
	CHECK_FAILS(op_proposals_run(op, cq, heads, &three, 20, 20, NULL), -EINVAL,
		    "up to 3 anchors, the levels have 4");
	CHECK_FAILS(op_proposals_run(op, cq, heads, &none, 20, 20, NULL), -EINVAL,
		    "op_boxes_create");
	CHECK_FAILS(op_proposals_run(op, cq, NULL, &anchors, 20, 20, NULL), -EINVAL, "NULL");
	CHECK_FAILS(op_boxes_read(cq, NULL, boxes, scores), -EINVAL, "op_boxes_create");
	/*
	 * And it still works: the top 3 are anchors 0, 1, 2; box 2 is clipped
	 * to a point at (20, 20) and dropped; box 1 (IoU 0.68 with box 0) stays.
	 */
	CHECK(op_proposals_run(op, cq, heads, &anchors, 20, 20, NULL));
	assert_int_equal(op_boxes_read(cq, op_proposals_boxes(op), boxes, scores), 2);
	assert_true(boxes[0] == 0 && boxes[1] == 0 && boxes[2] == 10 && boxes[3] == 10);
	assert_true(boxes[4] == 1 && boxes[5] == 1 && boxes[6] == 11 && boxes[7] == 11);
	assert_true(scores[0] == 1.0f / (1.0f + expf(-3.0f)));
	assert_true(scores[1] == 1.0f / (1.0f + expf(-2.0f)));
	op_proposals_destroy(op);
	/* no candidate passes: no proposals */
	d.score_thresh = 2;
	CHECK(op_proposals_create(dev, &d, &op));
	CHECK(op_proposals_run(op, cq, heads, &anchors, 20, 20, NULL));
	assert_int_equal(op_boxes_read(cq, op_proposals_boxes(op), boxes, scores), 0);
	op_proposals_destroy(op);
	op_boxes_destroy(&anchors);
	op_boxes_destroy(&three);
	op_tensor_destroy(&t);
	op_tensor_destroy(&wrong);
	tt_device_close(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expf),
		cmocka_unit_test(test_anchors),
		cmocka_unit_test(test_r50_320),
		cmocka_unit_test(test_small),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
