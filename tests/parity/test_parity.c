// SPDX-License-Identifier: MIT
/*
 * The detection steps of model/ against torchvision: reference tensors
 * written by tests/parity/make_reference.py for two seeded random-init
 * networks, fasterrcnn_resnet50_fpn at 320x320 and the small shapes network
 * at 128x128 (other anchors, levels and class count). Each host step gets
 * torchvision's own inputs, so a difference shows in the step that makes it;
 * then the whole detector from the image, on the host and on the model
 * device (model/net/detector.h), every stage compared.
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
#include <cmocka.h>

#include "../../libttuser/internal.h"
#include "../../model/reference/detection.h"
#include "../../model/net/detector.h"
#include "../../model/reference/network.h"
#include "../../model/weights.h"

#ifndef PARITY_DIR
#define PARITY_DIR "build/parity"
#endif

/* One network: its directory and what its converted weights must say. */
struct variant {
	const char *dir;
	const char *depth, *blocks, *returned;
};

static const struct variant r50 = { PARITY_DIR, "50", "3,4,6,3", "1,2,3,4" };
static const struct variant shapes_net = { PARITY_DIR "/shapes", "18", "2,2,2", "1,2,3" };
static const struct variant *cur;
static struct weights *ref, *net;
static struct anchor_config anchors;
static struct rpn_config rpn;
static int nlevels, roi_levels;

static const struct weights_tensor *tensor(const char *name)
{
	const struct weights_tensor *t = weights_find(ref, name);

	if (!t || t->dtype != WEIGHTS_F32)
		fail_msg("reference has no F32 tensor '%s'", name);
	return t;
}

static const float *data(const char *name)
{
	return tensor(name)->data;
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
	return saa == 0 && sbb == 0 ? 1.0 : sab / sqrt(saa * sbb);
}

static double max_abs_diff(const float *a, const float *b, size_t n)
{
	double m = 0;

	for (size_t i = 0; i < n; i++)
		m = fmax(m, fabs((double)a[i] - b[i]));
	return m;
}

static double iou(const float *a, const float *b)
{
	double w = fmin(a[2], b[2]) - fmax(a[0], b[0]), h = fmin(a[3], b[3]) - fmax(a[1], b[1]);
	double inter = w > 0 && h > 0 ? w * h : 0;
	double u = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;

	return u > 0 ? inter / u : (memcmp(a, b, 16) == 0);
}

static int meta_int(const char *key)
{
	const char *v = weights_meta(ref, key);

	return v ? atoi(v) : -1;
}

/* Loads cur's files and the configuration its reference records. */
static int setup(void **state)
{
	char path[512];
	const char *sizes;

	(void)state;
	snprintf(path, sizeof(path), "%s/reference.safetensors", cur->dir);
	if (weights_open(path, &ref))
		goto fail;
	snprintf(path, sizeof(path), "%s/weights.safetensors", cur->dir);
	if (weights_open(path, &net))
		goto fail;
	nlevels = (int)weights_find(ref, "rpn_level_counts")->numel;
	roi_levels = meta_int("roi_levels");
	memset(&anchors, 0, sizeof(anchors));
	anchors.nlevels = nlevels;
	anchors.nsizes = 1;
	anchors.nratios = 3;
	anchors.ratios[0] = 0.5f;
	anchors.ratios[1] = 1.0f;
	anchors.ratios[2] = 2.0f;
	sizes = weights_meta(ref, "anchor_sizes");
	for (int l = 0; sizes && l < nlevels; l++) {
		anchors.sizes[l][0] = strtof(sizes, (char **)&sizes);
		sizes += *sizes == ',';
	}
	rpn = rpn_default;
	rpn.pre_nms_top_n = meta_int("rpn_pre_nms_top_n");
	rpn.post_nms_top_n = meta_int("rpn_post_nms_top_n");
	if (nlevels < 2 || nlevels > 5 || roi_levels < 1 || !sizes || rpn.post_nms_top_n < 1) {
		fprintf(stderr, "%s: reference metadata incomplete\n", cur->dir);
		return -1;
	}
	return 0;
fail:
	fprintf(stderr, "parity data: %s (run tests/parity/make_reference.py %s)\n", tt_last_error(),
		PARITY_DIR);
	return -1;
}

static int teardown(void **state)
{
	(void)state;
	weights_close(ref);
	weights_close(net);
	return 0;
}

static void test_transform(void **state)
{
	const struct weights_tensor *in = tensor("input"), *t = tensor("transformed");
	const struct weights_tensor *small = tensor("resize_input"), *st = tensor("resize_output");
	const float *size = data("image_size"), *ssize = data("resize_image_size");
	struct transform_config c = transform_default;
	int rh, rw, ph, pw;
	float *out;

	(void)state;
	c.min_size = c.max_size = meta_int("image_size");
	transform_sizes(&c, (int)in->shape[1], (int)in->shape[2], &rh, &rw, &ph, &pw);
	assert_true(rh == size[0] && rw == size[1]);
	assert_true(ph == t->shape[1] && pw == t->shape[2]);
	out = malloc(t->numel * sizeof(float));
	assert_int_equal(transform_image(&c, in->data, rh, rw, out), 0);
	assert_true(max_abs_diff(out, t->data, t->numel) < 1e-5);
	free(out);

	/* 180x240 -> 240x320, padded to 256x320 (R50): bilinear upscaling and padding. */
	transform_sizes(&c, (int)small->shape[1], (int)small->shape[2], &rh, &rw, &ph, &pw);
	assert_true(rh == ssize[0] && rw == ssize[1]);
	assert_true(ph == st->shape[1] && pw == st->shape[2]);
	assert_true(rh < (int)small->shape[1] * 2 && rh > (int)small->shape[1]);
	out = malloc(st->numel * sizeof(float));
	assert_int_equal(transform_image(&c, small->data, (int)small->shape[1],
					 (int)small->shape[2], out), 0);
	double d = max_abs_diff(out, st->data, st->numel);

	print_message("transform: resize max |diff| %.3g\n", d);
	assert_true(d < 1e-4);
	free(out);
}

/* The feature map sizes of P2.. and the padded image. */
static void level_sizes(int *fh, int *fw, int *ih, int *iw)
{
	char name[16];

	for (int l = 0; l < nlevels; l++) {
		snprintf(name, sizeof(name), "p%d", l + 2);
		fh[l] = (int)tensor(name)->shape[1];
		fw[l] = (int)tensor(name)->shape[2];
	}
	*ih = (int)tensor("transformed")->shape[1];
	*iw = (int)tensor("transformed")->shape[2];
}

static void test_anchors(void **state)
{
	const struct weights_tensor *a = tensor("anchors");
	int fh[5], fw[5], ih, iw;
	size_t n = 0;
	float *out;

	(void)state;
	level_sizes(fh, fw, &ih, &iw);
	for (int l = 0; l < nlevels; l++)
		n += (size_t)fh[l] * (size_t)fw[l] * anchors_per_cell(&anchors);
	assert_int_equal(n * 4, a->numel);
	out = malloc(a->numel * sizeof(float));
	assert_int_equal(anchors_generate(&anchors, ih, iw, fh, fw, out), 0);
	assert_memory_equal(out, a->data, a->numel * sizeof(float));
	if (cur == &r50) {
		/* the preset, and torchvision's documented first anchors of size 32 */
		assert_memory_equal(&anchors.sizes, &anchors_r50_fpn.sizes, sizeof(anchors.sizes));
		assert_true(out[0] == -23 && out[1] == -11 && out[2] == 23 && out[3] == 11);
	}
	free(out);
}

/* The RPN head's NCHW outputs, flattened as torchvision does: (level, y, x, anchor). */
static void test_rpn_layout(void **state)
{
	const float *flat_o = data("rpn_objectness"), *flat_d = data("rpn_deltas");
	const float *counts = data("rpn_level_counts");
	size_t at = 0;
	char name[32];

	(void)state;
	for (int l = 0; l < nlevels; l++) {
		snprintf(name, sizeof(name), "rpn_objectness.%d", l);
		const struct weights_tensor *o = tensor(name);

		snprintf(name, sizeof(name), "rpn_deltas.%d", l);
		const struct weights_tensor *d = tensor(name);
		int A = (int)o->shape[0], H = (int)o->shape[1], W = (int)o->shape[2];
		const float *od = o->data, *dd = d->data;

		assert_true(counts[l] == (float)(A * H * W));
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++)
				for (int a = 0; a < A; a++, at++) {
					assert_true(flat_o[at] == od[(a * H + y) * W + x]);
					for (int k = 0; k < 4; k++)
						assert_true(flat_d[at * 4 + k] == dd[((a * 4 + k) * H + y) * W + x]);
				}
	}
	assert_int_equal(at, tensor("rpn_objectness")->numel);
}

static void test_box_decode(void **state)
{
	const struct weights_tensor *a = tensor("anchors");
	size_t n = a->numel / 4;
	float *out = malloc(a->numel * sizeof(float));
	const float *want = data("rpn_decoded");
	double worst = 0;

	(void)state;
	box_decode(&box_coder_rpn, a->data, n, data("rpn_deltas"), 1, out);
	for (size_t i = 0; i < a->numel; i++)
		worst = fmax(worst, fabs(out[i] - want[i]) / fmax(1.0, fabs(want[i])));
	print_message("box decode: max relative diff %.3g over %zu boxes\n", worst, n);
	assert_true(worst < 1e-4);	/* expf and torch.exp may differ in the last bit */
	free(out);
}

/* Proposals in the same order, boxes and scores as torchvision's. */
static void check_proposals(const float *boxes, const float *scores, long n)
{
	const struct weights_tensor *p = tensor("proposals");
	const float *want = p->data, *wscore = data("proposal_scores");
	long same = 0;
	double worst_iou = 1, worst_score = 0;

	assert_int_equal(n, (long)p->shape[0]);
	for (long i = 0; i < n; i++) {
		double o = iou(boxes + i * 4, want + i * 4);

		same += o > 0.999;
		worst_iou = fmin(worst_iou, o);
		worst_score = fmax(worst_score, fabs(scores[i] - wscore[i]));
	}
	print_message("proposals: %ld of %ld in place, worst IoU %.4f, worst score diff %.3g\n",
		      same, n, worst_iou, worst_score);
	assert_int_equal(same, n);
	assert_true(worst_score < 1e-5);
}

static void test_proposals(void **state)
{
	const float *counts = data("rpn_level_counts");
	size_t lc[5];
	float *boxes = malloc((size_t)rpn.post_nms_top_n * 4 * sizeof(float));
	float *scores = malloc((size_t)rpn.post_nms_top_n * sizeof(float));
	const float *size = data("image_size");
	long n;

	(void)state;
	for (int l = 0; l < nlevels; l++)
		lc[l] = (size_t)counts[l];
	n = rpn_filter_proposals(&rpn, data("rpn_decoded"), data("rpn_objectness"), lc, nlevels,
				 (int)size[0], (int)size[1], boxes, scores);
	check_proposals(boxes, scores, n);
	free(boxes);
	free(scores);
}

/* Anchors, decoding and filtering chained, from the RPN head's outputs alone. */
static void test_rpn_chain(void **state)
{
	const struct weights_tensor *a = tensor("anchors");
	const float *counts = data("rpn_level_counts"), *size = data("image_size");
	int fh[5], fw[5], ih, iw;
	size_t lc[5], n = a->numel / 4;
	float *anc = malloc(a->numel * sizeof(float)), *dec = malloc(a->numel * sizeof(float));
	float *boxes = malloc((size_t)rpn.post_nms_top_n * 4 * sizeof(float));
	float *scores = malloc((size_t)rpn.post_nms_top_n * sizeof(float));
	long k;

	(void)state;
	level_sizes(fh, fw, &ih, &iw);
	for (int l = 0; l < nlevels; l++)
		lc[l] = (size_t)counts[l];
	assert_int_equal(anchors_generate(&anchors, ih, iw, fh, fw, anc), 0);
	box_decode(&box_coder_rpn, anc, n, data("rpn_deltas"), 1, dec);
	k = rpn_filter_proposals(&rpn, dec, data("rpn_objectness"), lc, nlevels, (int)size[0],
				 (int)size[1], boxes, scores);
	check_proposals(boxes, scores, k);
	free(anc);
	free(dec);
	free(boxes);
	free(scores);
}

static void test_multiscale_roi_align(void **state)
{
	const struct weights_tensor *p = tensor("proposals"), *bf = tensor("box_features");
	const float *size = data("image_size");
	struct feature_map maps[4];
	size_t n = p->numel / 4;
	float *out = malloc(bf->numel * sizeof(float));
	int *level = malloc(n * sizeof(int)), used[4] = { 0 };
	char name[16];

	(void)state;
	assert_in_range(roi_levels, 1, 4);
	for (int l = 0; l < roi_levels; l++) {
		const struct weights_tensor *t;

		snprintf(name, sizeof(name), "p%d", l + 2);
		t = tensor(name);
		maps[l] = (struct feature_map){ t->data, (int)t->shape[0], (int)t->shape[1], (int)t->shape[2] };
	}
	assert_int_equal(multiscale_roi_align(maps, roi_levels, (int)size[0], (int)size[1], p->data, n,
					      7, 2, out, level), 0);
	for (size_t i = 0; i < n; i++)
		used[level[i]]++;
	double r = pcc(out, bf->data, bf->numel), d = max_abs_diff(out, bf->data, bf->numel);

	print_message("MultiScaleRoIAlign: PCC %.7f, max |diff| %.3g; boxes per level %d %d %d %d\n",
		      r, d, used[0], used[1], used[2], used[3]);
	assert_true(r >= 0.99999);
	assert_true(d < 1e-3);
	/* The boxes spread over more than one level, so the mapper was exercised. */
	assert_true((used[0] > 0) + (used[1] > 0) + (used[2] > 0) + (used[3] > 0) >= 2);
	free(out);
	free(level);
}

static void check_detections(const struct detection *d, long n)
{
	const struct weights_tensor *b = tensor("detection_boxes");
	const float *scores = data("detection_scores"), *labels = data("detection_labels");
	double worst_iou = 1, worst_score = 0;

	assert_int_equal(n, (long)b->shape[0]);
	assert_true(n > 0);
	for (long i = 0; i < n; i++) {
		const float *want = (const float *)b->data + i * 4;

		worst_iou = fmin(worst_iou, iou(d[i].box, want));
		worst_score = fmax(worst_score, fabs(d[i].score - scores[i]));
		assert_int_equal(d[i].label, (int)labels[i]);
	}
	print_message("detections: %ld, worst IoU %.5f, worst score diff %.3g\n", n, worst_iou, worst_score);
	assert_true(worst_iou >= 0.9);
	assert_true(worst_score <= 0.02);
}

static void test_postprocess(void **state)
{
	const struct weights_tensor *p = tensor("proposals"), *cl = tensor("class_logits");
	const float *size = data("image_size");
	struct detection *d = malloc(100 * sizeof(*d));
	long n;

	(void)state;
	n = postprocess_detections(&postprocess_default, cl->data, data("box_regression"), p->data,
				   p->numel / 4, (int)cl->shape[1], (int)size[0], (int)size[1], d);
	detections_rescale(d, (size_t)(n > 0 ? n : 0), (int)size[0], (int)size[1],
			   (int)tensor("input")->shape[1], (int)tensor("input")->shape[2]);
	check_detections(d, n);
	free(d);
}

/* The converted weights: metadata, and BN folded with the recorded eps. */
static void test_weights(void **state)
{
	const struct weights_tensor *x = tensor("transformed"), *stem = tensor("stem");
	struct folded_conv c;
	float eps;
	const float *w6, *b6;
	double worst = 0;

	(void)state;
	assert_string_equal(weights_meta(net, "backbone_depth"), cur->depth);
	assert_string_equal(weights_meta(net, "backbone_blocks"), cur->blocks);
	assert_string_equal(weights_meta(net, "returned_layers"), cur->returned);
	assert_int_equal(weights_bn_eps(net, &eps), 0);
	assert_true(eps == 1e-5f);
	assert_non_null(weights_find(net, "rpn.head.conv.0.0.weight"));
	assert_non_null(weights_find(net, "backbone.fpn.inner_blocks.2.0.weight"));

	/* conv1 7x7/2 pad 3 + folded bn1 + relu at every 13th output position. */
	assert_int_equal(weights_fold_bn(net, "backbone.body.conv1", "backbone.body.bn1", &c), 0);
	assert_int_equal(c.kh, 7);
	int H = (int)x->shape[1], W = (int)x->shape[2], OH = (int)stem->shape[1], OW = (int)stem->shape[2];
	const float *xin = x->data, *want = stem->data;

	for (size_t at = 0; at < stem->numel; at += 13) {
		int o = (int)(at / ((size_t)OH * OW)), oy = (int)(at / OW % OH), ox = (int)(at % OW);
		double acc = c.bias[o];

		for (int i = 0; i < 3; i++)
			for (int ky = 0; ky < 7; ky++)
				for (int kx = 0; kx < 7; kx++) {
					int iy = oy * 2 - 3 + ky, ix = ox * 2 - 3 + kx;

					if (iy >= 0 && iy < H && ix >= 0 && ix < W)
						acc += (double)c.weight[((o * 3 + i) * 7 + ky) * 7 + kx] *
						       xin[(i * H + iy) * W + ix];
				}
		acc = acc > 0 ? acc : 0;
		worst = fmax(worst, fabs(acc - want[at]) / fmax(1.0, fabs(want[at])));
	}
	print_message("conv1 with folded BN: max relative diff %.3g\n", worst);
	assert_true(worst < 1e-4);
	folded_conv_free(&c);

	/* fc6 from the converted weights on the reference RoI features. */
	const struct weights_tensor *bft = tensor("box_features"), *fc6t = tensor("fc6");
	int64_t rois = bft->shape[0], in = (int64_t)(bft->numel / (size_t)rois), rep = fc6t->shape[1];
	const float *bf = bft->data, *fc6 = fc6t->data;
	float *row = malloc((size_t)rep * sizeof(float));

	assert_int_equal(weights_f32(net, "roi_heads.box_head.fc6.weight", 2, (int64_t[]){ rep, in }, &w6), 0);
	assert_int_equal(weights_f32(net, "roi_heads.box_head.fc6.bias", 1, &rep, &b6), 0);
	for (int64_t r = 0; r < rois; r += 97) {
		for (int64_t o = 0; o < rep; o++) {
			double acc = b6[o];

			for (int64_t i = 0; i < in; i++)
				acc += (double)w6[o * in + i] * bf[r * in + i];
			row[o] = (float)(acc > 0 ? acc : 0);
		}
		assert_true(pcc(row, fc6 + r * rep, (size_t)rep) > 0.9999);
	}
	free(row);
}

/* ---- the whole network on the host (in make check for the small network only) ---- */

static struct network *load_network(void)
{
	struct network *n;

	if (network_load(net, &n))
		fail_msg("%s", tt_last_error());
	return n;
}

static void expect_map(const char *name, const struct fmap *m, double min_pcc)
{
	const struct weights_tensor *t = tensor(name);
	double r;

	assert_int_equal(t->ndim, 3);
	assert_true(m->c == t->shape[0] && m->h == t->shape[1] && m->w == t->shape[2]);
	r = pcc(m->data, t->data, t->numel);
	print_message("%s [%d, %d, %d]: PCC %.7f, max |diff| %.3g\n", name, m->c, m->h, m->w, r,
		      max_abs_diff(m->data, t->data, t->numel));
	assert_true(r >= min_pcc);
}

static void test_network_backbone(void **state)
{
	const struct weights_tensor *x = tensor("transformed");
	struct fmap image = { (int)x->shape[0], (int)x->shape[1], (int)x->shape[2], (float *)x->data };
	struct fmap body[4], fpn[NETWORK_MAX_LEVELS];
	struct network *n = load_network();
	int levels = network_fpn_levels(n);
	char name[16];

	(void)state;
	assert_int_equal(levels, nlevels);
	assert_int_equal(network_backbone(n, &image, body, fpn), 0);
	for (int i = 0; i < levels - 1; i++) {
		snprintf(name, sizeof(name), "c%d", i + 2);
		expect_map(name, &body[i], 0.9999);
		fmap_free(&body[i]);
	}
	for (int i = 0; i < levels; i++) {
		snprintf(name, sizeof(name), "p%d", i + 2);
		expect_map(name, &fpn[i], 0.9999);
		fmap_free(&fpn[i]);
	}
	network_free(n);
}

static void test_network_rpn_head(void **state)
{
	struct fmap fpn[NETWORK_MAX_LEVELS], obj[NETWORK_MAX_LEVELS], del[NETWORK_MAX_LEVELS];
	struct network *n = load_network();
	char name[32];

	(void)state;
	for (int l = 0; l < nlevels; l++) {
		const struct weights_tensor *t;

		snprintf(name, sizeof(name), "p%d", l + 2);
		t = tensor(name);
		fpn[l] = (struct fmap){ (int)t->shape[0], (int)t->shape[1], (int)t->shape[2], (float *)t->data };
	}
	assert_int_equal(network_rpn_head(n, fpn, obj, del), 0);
	for (int l = 0; l < nlevels; l++) {
		snprintf(name, sizeof(name), "rpn_objectness.%d", l);
		expect_map(name, &obj[l], 0.9999);
		snprintf(name, sizeof(name), "rpn_deltas.%d", l);
		expect_map(name, &del[l], 0.9999);
		fmap_free(&obj[l]);
		fmap_free(&del[l]);
	}
	network_free(n);
}

static void test_network_box_head(void **state)
{
	const struct weights_tensor *bf = tensor("box_features"), *cl = tensor("class_logits");
	struct network *n = load_network();
	size_t rois = (size_t)bf->shape[0], rep = (size_t)network_representation(n);
	size_t k = (size_t)network_classes(n);
	float *fc6 = malloc(rois * rep * sizeof(float)), *fc7 = malloc(rois * rep * sizeof(float));
	float *logits = malloc(rois * k * sizeof(float)), *reg = malloc(rois * k * 4 * sizeof(float));

	(void)state;
	assert_int_equal(k, (size_t)cl->shape[1]);
	assert_int_equal(network_box_head(n, bf->data, rois, fc6, fc7, logits, reg), 0);
	assert_true(pcc(fc6, data("fc6"), rois * rep) >= 0.9999);
	assert_true(pcc(fc7, data("fc7"), rois * rep) >= 0.9999);
	assert_true(pcc(logits, cl->data, rois * k) >= 0.9999);
	assert_true(pcc(reg, data("box_regression"), rois * k * 4) >= 0.9999);
	print_message("box head: logits max |diff| %.3g, regression max |diff| %.3g\n",
		      max_abs_diff(logits, cl->data, rois * k),
		      max_abs_diff(reg, data("box_regression"), rois * k * 4));
	free(fc6);
	free(fc7);
	free(logits);
	free(reg);
	network_free(n);
}

/* Image to detections with nothing from torchvision but the weights. */
static void test_host_pipeline(void **state)
{
	const struct weights_tensor *in = tensor("input");
	struct detector_config c;
	struct detector *d;
	static struct detector_report r;
	struct detection det[100];
	long nd;

	(void)state;
	assert_int_equal(detector_config_from_weights(net, &c), 0);
	/* The weights' metadata gives what the reference used. */
	assert_memory_equal(&c.anchors, &anchors, sizeof(anchors));
	assert_int_equal(c.rpn.pre_nms_top_n, rpn.pre_nms_top_n);
	assert_int_equal(c.rpn.post_nms_top_n, rpn.post_nms_top_n);
	assert_int_equal(c.roi_levels, roi_levels);
	assert_int_equal(c.transform.min_size, meta_int("image_size"));
	if (detector_create(net, &c, "host", &op_precision_fp32, &d))
		fail_msg("%s", tt_last_error());
	nd = detector_run(d, in->data, (int)in->shape[1], (int)in->shape[2], det, &r);
	check_detections(det, nd);
	assert_true(r.count >= 8);
	for (int i = 0; i < r.count; i++) {
		assert_string_equal(r.steps[i].where, "host");
		assert_true(r.steps[i].host_ms >= 0);
	}
	assert_string_equal(r.steps[0].op, "transform");
	assert_int_equal(r.ops_device, 0);
	detector_destroy(d);
}

/*
 * Reference detections matched to ours: each (best first) takes the unmatched
 * one of the same label it overlaps most, if IoU >= 0.9 and the scores are
 * within 0.02. Returns how many matched.
 */
static long match_detections(const struct detection *d, long n, const char *mode)
{
	const struct weights_tensor *b = tensor("detection_boxes");
	const float *scores = data("detection_scores"), *labels = data("detection_labels");
	long want = (long)b->shape[0], matched = 0;
	bool used[100] = { false };
	double worst_iou = 1, worst_score = 0;

	for (long i = 0; i < want; i++) {
		const float *box = (const float *)b->data + i * 4;
		long best = -1;
		double bi = 0;

		for (long j = 0; j < n; j++) {
			double o = iou(d[j].box, box);

			if (!used[j] && d[j].label == (int)labels[i] && o > bi) {
				bi = o;
				best = j;
			}
		}
		if (best < 0 || bi < 0.9 || fabs(d[best].score - scores[i]) > 0.02)
			continue;
		used[best] = true;
		matched++;
		worst_iou = fmin(worst_iou, bi);
		worst_score = fmax(worst_score, fabs(d[best].score - scores[i]));
	}
	print_message("%s detections: %ld of %ld matched (ours %ld), worst IoU %.4f, worst score "
		      "diff %.3g\n", mode, matched, want, n, worst_iou, worst_score);
	return matched;
}

/* One intermediate of the device run against the reference tensor of the same name. */
static double stage_pcc(struct detector *d, const char *name, const char *mode)
{
	const struct weights_tensor *t = tensor(name);
	float *got;
	size_t n;
	double r;

	if (detector_intermediate(d, name, &got, &n))
		fail_msg("%s", tt_last_error());
	if (n != t->numel)
		fail_msg("%s %s: %zu values, the reference %zu", mode, name, n, t->numel);
	r = pcc(got, t->data, n);
	print_message("%s %-16s PCC %.9f, max |diff| %.3g\n", mode, name, r,
		      max_abs_diff(got, t->data, n));
	free(got);
	return r;
}

/*
 * Proposals: near ties of the objectness may come out in another order or
 * swap one box for another, so each reference proposal is matched to ours
 * of the highest IoU (at least 0.9). map[i]: ours matched to reference i,
 * or -1. Returns how many matched.
 */
static long match_proposals(struct detector *d, long *map, const char *mode)
{
	const struct weights_tensor *p = tensor("proposals");
	long want = (long)p->shape[0], n, matched = 0;
	float *ours;
	size_t cnt;

	if (detector_intermediate(d, "proposals", &ours, &cnt))
		fail_msg("%s", tt_last_error());
	n = (long)(cnt / 4);
	for (long i = 0; i < want; i++) {
		double best = 0.9;

		map[i] = -1;
		for (long j = 0; j < n; j++) {
			double o = iou(ours + j * 4, (const float *)p->data + i * 4);

			if (o >= best) {
				best = o;
				map[i] = j;
			}
		}
		matched += map[i] >= 0;
	}
	print_message("%s proposals: %ld of %ld matched (ours %ld)\n", mode, matched, want, n);
	free(ours);
	return matched;
}

/* PCC of the rows of name (width values each) of the matched proposals. */
static double rows_pcc(struct detector *d, const char *name, const long *map, const char *mode)
{
	const struct weights_tensor *t = tensor(name);
	long want = (long)tensor("proposals")->shape[0], m = 0;
	size_t width = t->numel / (size_t)want, n;
	float *got, *a = malloc(t->numel * sizeof(float)), *b = malloc(t->numel * sizeof(float));
	double r;

	assert_non_null(a);
	assert_non_null(b);
	if (detector_intermediate(d, name, &got, &n))
		fail_msg("%s", tt_last_error());
	for (long i = 0; i < want; i++)
		if (map[i] >= 0 && (size_t)(map[i] + 1) * width <= n) {
			memcpy(a + (size_t)m * width, got + (size_t)map[i] * width, width * sizeof(float));
			memcpy(b + (size_t)m * width, (const float *)t->data + (size_t)i * width,
			       width * sizeof(float));
			m++;
		}
	r = pcc(a, b, (size_t)m * width);
	print_message("%s %-16s PCC %.9f over %ld matched proposals\n", mode, name, r, m);
	free(got);
	free(a);
	free(b);
	return r;
}

/*
 * Image to detections on the model device (every step but the anchors
 * there), twice: directly, then with body + FPN + RPN head
 * replayed as a trace, which must give the same detections.
 * Every stage reaches min_pcc against torchvision -- the proposal stages
 * over the matched proposals, at least min_match of them -- and at least
 * min_match of the detections are matched (match_detections).
 */
struct bounds {
	double pcc;		/* body, FPN, RPN head outputs */
	double proposals;	/* reference proposals matched */
	double rows_pcc;	/* stages after the proposals, over the matched ones */
	double detections;	/* reference detections matched; < 0: not compared */
};

static void device_pipeline(const struct op_precision *prec, const char *mode,
			    const struct bounds *b)
{
	static const char *const rows[] = {
		"proposals", "proposal_scores", "box_features", "class_logits", "box_regression",
	};
	long want_p = (long)tensor("proposals")->shape[0];
	long *map = malloc((size_t)want_p * sizeof(long));
	const struct weights_tensor *in = tensor("input");
	struct detector_config c;
	struct detector *d;
	static struct detector_report r;
	struct detection det[100], again[100];
	char name[16];
	long nd, n2, want = (long)tensor("detection_boxes")->shape[0];

	assert_int_equal(detector_config_from_weights(net, &c), 0);
	if (detector_create(net, &c, "sim", prec, &d))
		fail_msg("%s", tt_last_error());
	nd = detector_run(d, in->data, (int)in->shape[1], (int)in->shape[2], det, &r);
	if (nd < 0)
		fail_msg("%s", tt_last_error());
	for (int l = 2; l <= nlevels; l++) {
		snprintf(name, sizeof(name), "c%d", l);
		assert_true(stage_pcc(d, name, mode) >= b->pcc);
	}
	for (int l = 2; l <= nlevels + 1; l++) {
		snprintf(name, sizeof(name), "p%d", l);
		assert_true(stage_pcc(d, name, mode) >= b->pcc);
	}
	assert_true(stage_pcc(d, "rpn_objectness", mode) >= b->pcc);
	assert_true(stage_pcc(d, "rpn_deltas", mode) >= b->pcc);
	assert_non_null(map);
	assert_true(match_proposals(d, map, mode) >= (long)(b->proposals * (double)want_p + 0.5));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_true(rows_pcc(d, rows[i], map, mode) >= b->rows_pcc);
	free(map);
	if (b->detections >= 0)
		assert_true(match_detections(det, nd, mode) >= (long)(b->detections * (double)want + 0.5));
	else
		print_message("%s detections: printed, not compared (%ld matched)\n", mode,
			      match_detections(det, nd, mode));
	/*
	 * Every step ran on the device and said so, the anchors too (made on
	 * the first run of a size).
	 */
	assert_true(r.ops_device > 0);
	/* the host link carried at least the image, at 16 bytes a cycle */
	assert_true(r.link_ms * 1e6 >= 3.0 * (double)(in->shape[1] * in->shape[2]) * 4 / 16);
	assert_int_equal(r.ops_host, 0);
	assert_string_equal(r.steps[0].op, "transform");
	for (int i = 0; i < r.count; i++) {
		assert_string_equal(r.steps[i].where, "device");
		assert_true(r.steps[i].device_ms > 0);
	}

	/* the second run replays the trace; nothing on the host */
	n2 = detector_run(d, in->data, (int)in->shape[1], (int)in->shape[2], again, &r);
	assert_int_equal(n2, nd);
	assert_memory_equal(again, det, (size_t)nd * sizeof(det[0]));
	assert_string_equal(r.steps[1].op, "body+fpn+rpn head (trace)");
	assert_int_equal(r.ops_host, 0);
	assert_string_equal(r.steps[0].where, "device");
	assert_true(r.steps[0].device_ms > 0);
	assert_int_equal(r.count, 6);
	detector_destroy(d);
}

/*
 * Thresholds. The device's FPU reads its operands through 19-bit source
 * registers (sim/tile.c); in fp32 mode the ops work around it (matmuls and
 * RoIAlign's weighted sums in three passes over hi and lo parts, adds and
 * max pool on the SFPU: see model/ops/conv.c), so the device matches torchvision to about fp32
 * accuracy, and the outputs of the body, FPN and RPN head reach PCC
 * >= 0.999999 (measured: 1.000000000; bf16: >= 0.99). What follows the
 * proposals depends on which anchors win near ties of the objectness,
 * then of the NMS: with random-init weights the scores crowd together
 * (R50's 1000 proposals lie within 0.22 of each other, its 100 detections
 * within 0.23), so in bf16 most of the proposals and detections differ;
 * in fp32 all of them match (R50: worst IoU 0.9987, worst score
 * difference 6e-5; the shapes network's scores within 1e-6). The bounds
 * are what is met, below the measured fractions (in parentheses):
 *                     stages   proposals      after (PCC)  detections
 *   shapes fp32       0.999999 0.99 (1.0)     0.999999     0.98 (1.0)
 *   shapes bf16       0.99     0.95 (0.99)    0.99         0.85 (0.92)
 *   R50 fp32          0.999999 0.99 (1.0)     0.999999     0.98 (1.0)
 *   R50 bf16          0.99     0.05 (0.069)   0.90 (0.94)  not compared (0.01)
 * R50 in bf16 keeps too few of the reference's proposals for its
 * detections to be compared: they are printed, not checked. In bf16 the
 * detections are checked on the trained shapes network, against
 * torchvision here and by mAP@0.5 in tests/tools/test_ttdetect.sh.
 */
static const struct bounds shapes_fp32 = { 0.999999, 0.99, 0.999999, 0.98 };
static const struct bounds shapes_bf16 = { 0.99, 0.95, 0.99, 0.85 };
static const struct bounds r50_fp32 = { 0.999999, 0.99, 0.999999, 0.98 };
static const struct bounds r50_bf16 = { 0.99, 0.05, 0.90, -1 };

static void test_device_fp32(void **state)
{
	(void)state;
	device_pipeline(&op_precision_fp32, "fp32", cur == &r50 ? &r50_fp32 : &shapes_fp32);
}

static void test_device_bf16(void **state)
{
	(void)state;
	device_pipeline(&op_precision_bf16, "bf16", cur == &r50 ? &r50_bf16 : &shapes_bf16);
}

/*
 * With --r50-network the whole R50 network runs on the host as well (about a
 * minute: `make parity-r50`, not part of make check).
 */
int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transform),
		cmocka_unit_test(test_anchors),
		cmocka_unit_test(test_rpn_layout),
		cmocka_unit_test(test_box_decode),
		cmocka_unit_test(test_proposals),
		cmocka_unit_test(test_rpn_chain),
		cmocka_unit_test(test_multiscale_roi_align),
		cmocka_unit_test(test_postprocess),
		cmocka_unit_test(test_weights),
	};

	const struct CMUnitTest network_tests[] = {
		cmocka_unit_test(test_network_backbone),
		cmocka_unit_test(test_network_rpn_head),
		cmocka_unit_test(test_network_box_head),
		cmocka_unit_test(test_host_pipeline),
	};
	const struct CMUnitTest device_tests[] = {
		cmocka_unit_test(test_device_fp32),
		cmocka_unit_test(test_device_bf16),
	};
	int failed;

	/* The reference comes from torchvision: without it, skipped (exit 77). */
	if (access(PARITY_DIR "/reference.safetensors", R_OK) ||
	    access(PARITY_DIR "/shapes/reference.safetensors", R_OK)) {
		printf("no reference in %s: python3-torchvision makes it (make deps, then "
		       "make check)\n", PARITY_DIR);
		return 77;
	}
	cur = &r50;
	failed = cmocka_run_group_tests_name("fasterrcnn_resnet50_fpn 320", tests, setup, teardown);
	cur = &shapes_net;
	failed |= cmocka_run_group_tests_name("shapes network 128", tests, setup, teardown);
	failed |= cmocka_run_group_tests_name("shapes network 128, whole network on the host",
					      network_tests, setup, teardown);
	failed |= cmocka_run_group_tests_name("shapes network 128, on the model device",
					      device_tests, setup, teardown);
	cur = &r50;
	failed |= cmocka_run_group_tests_name("fasterrcnn_resnet50_fpn 320, on the model device",
					      device_tests, setup, teardown);
	if (argc > 1 && !strcmp(argv[1], "--r50-network")) {
		cur = &r50;
		failed |= cmocka_run_group_tests_name("fasterrcnn_resnet50_fpn 320, whole network on the host",
						      network_tests, setup, teardown);
	}
	return failed;
}
