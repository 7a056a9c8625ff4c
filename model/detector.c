// SPDX-License-Identifier: MIT
/* Image to detections: the steps of Faster-RCNN in order, each timed and recorded. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../libttuser/internal.h"
#include "detector.h"

static int meta_int(const struct weights *w, const char *key, int def)
{
	const char *v = weights_meta(w, key);

	return v ? atoi(v) : def;
}

int detector_config_from_weights(const struct weights *w, const struct network *n,
				 struct detector_config *c)
{
	const char *sizes = weights_meta(w, "anchor_sizes");
	int levels = network_fpn_levels(n);

	c->transform = transform_default;
	c->transform.min_size = c->transform.max_size = meta_int(w, "image_size", 320);
	c->anchors = anchors_r50_fpn;
	c->anchors.nlevels = levels;
	if (sizes) {
		memset(c->anchors.sizes, 0, sizeof(c->anchors.sizes));
		for (int l = 0; l < levels; l++) {
			char *end;

			c->anchors.sizes[l][0] = strtof(sizes, &end);
			if (end == sizes || !(c->anchors.sizes[l][0] > 0) || (*end && *end != ',') ||
			    (l + 1 < levels && *end != ',') || (l + 1 == levels && *end))
				return tt_error(-EINVAL, "anchor_sizes '%s' does not give one size for each "
						"of %d levels", weights_meta(w, "anchor_sizes"), levels);
			sizes = end + 1;
		}
	} else if (levels != anchors_r50_fpn.nlevels) {
		return tt_error(-EINVAL, "no anchor_sizes in the weights' metadata for %d FPN levels", levels);
	}
	c->rpn = rpn_default;
	c->rpn.pre_nms_top_n = meta_int(w, "rpn_pre_nms_top_n", rpn_default.pre_nms_top_n);
	c->rpn.post_nms_top_n = meta_int(w, "rpn_post_nms_top_n", rpn_default.post_nms_top_n);
	c->post = postprocess_default;
	c->roi_levels = meta_int(w, "roi_featmaps", levels - 1 < 4 ? levels - 1 : 4);
	if (c->transform.min_size < 32 || c->rpn.pre_nms_top_n < 1 || c->rpn.post_nms_top_n < 1 ||
	    c->roi_levels < 1 || c->roi_levels >= levels)
		return tt_error(-EINVAL, "detector: image size %d, RPN top-n %d/%d, %d RoI levels of %d",
				c->transform.min_size, c->rpn.pre_nms_top_n, c->rpn.post_nms_top_n,
				c->roi_levels, levels);
	return 0;
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void record(struct detector_report *r, const char *op, double start, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void record(struct detector_report *r, const char *op, double start, const char *fmt, ...)
{
	struct detector_step *s;
	va_list ap;

	if (!r || r->count >= DETECTOR_MAX_STEPS)
		return;
	s = &r->steps[r->count++];
	snprintf(s->op, sizeof(s->op), "%s", op);
	va_start(ap, fmt);
	vsnprintf(s->shape, sizeof(s->shape), fmt, ap);
	va_end(ap);
	s->where = "host";
	s->host_ms = now_ms() - start;
}

long detector_run(const struct network *n, const struct detector_config *c, const float *image,
		  int h, int w, struct detection *out, struct detector_report *report)
{
	struct fmap img = { 0 }, fpn[NETWORK_MAX_LEVELS] = { { 0 } };
	struct fmap obj[NETWORK_MAX_LEVELS] = { { 0 } }, del[NETWORK_MAX_LEVELS] = { { 0 } };
	int levels = network_fpn_levels(n), k = network_classes(n);
	int rh, rw, ph, pw, fh[NETWORK_MAX_LEVELS], fw[NETWORK_MAX_LEVELS];
	size_t counts[NETWORK_MAX_LEVELS], total = 0, at = 0;
	float *logit = NULL, *delta = NULL, *anc = NULL, *dec = NULL, *props = NULL, *pscores = NULL;
	float *pooled = NULL, *logits = NULL, *reg = NULL;
	long np = 0, nd;
	double t;

	if (report)
		report->count = 0;
	if (levels != c->anchors.nlevels)
		return tt_error(-EINVAL, "detector: %d FPN levels but anchors for %d", levels, c->anchors.nlevels);
	t = now_ms();
	transform_sizes(&c->transform, h, w, &rh, &rw, &ph, &pw);
	if ((nd = fmap_alloc(&img, 3, ph, pw)) || (nd = transform_image(&c->transform, image, h, w, img.data)))
		goto out;
	record(report, "transform", t, "3x%dx%d", ph, pw);

	t = now_ms();
	if ((nd = network_backbone(n, &img, NULL, fpn)))
		goto out;
	record(report, "backbone+fpn", t, "%dx%dx%d .. %dx%dx%d", fpn[0].c, fpn[0].h, fpn[0].w,
	       fpn[levels - 1].c, fpn[levels - 1].h, fpn[levels - 1].w);

	t = now_ms();
	if ((nd = network_rpn_head(n, fpn, obj, del)))
		goto out;
	record(report, "rpn head", t, "%d levels, %d anchors/cell", levels, obj[0].c);

	/* The head's maps in torchvision's order: (level, y, x, anchor). */
	for (int l = 0; l < levels; l++) {
		fh[l] = fpn[l].h;
		fw[l] = fpn[l].w;
		counts[l] = (size_t)obj[l].c * (size_t)fh[l] * (size_t)fw[l];
		total += counts[l];
	}
	logit = malloc(total * sizeof(float));
	delta = malloc(total * 4 * sizeof(float));
	anc = malloc(total * 4 * sizeof(float));
	dec = malloc(total * 4 * sizeof(float));
	props = malloc((size_t)c->rpn.post_nms_top_n * 4 * sizeof(float));
	pscores = malloc((size_t)c->rpn.post_nms_top_n * sizeof(float));
	if (!logit || !delta || !anc || !dec || !props || !pscores) {
		nd = tt_error(-ENOMEM, "detector: out of memory for %zu anchors", total);
		goto out;
	}
	for (int l = 0; l < levels; l++) {
		int A = obj[l].c, H = fh[l], W = fw[l];

		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++)
				for (int a = 0; a < A; a++, at++) {
					logit[at] = obj[l].data[(a * H + y) * W + x];
					for (int j = 0; j < 4; j++)
						delta[at * 4 + j] = del[l].data[((a * 4 + j) * H + y) * W + x];
				}
	}
	t = now_ms();
	if ((nd = anchors_generate(&c->anchors, ph, pw, fh, fw, anc)))
		goto out;
	record(report, "anchors", t, "%zux4", total);
	t = now_ms();
	box_decode(&box_coder_rpn, anc, total, delta, 1, dec);
	record(report, "box decode", t, "%zux4", total);
	t = now_ms();
	np = rpn_filter_proposals(&c->rpn, dec, logit, counts, levels, rh, rw, props, pscores);
	if (np < 0) {
		nd = np;
		goto out;
	}
	record(report, "proposals (top-k, nms)", t, "%ldx4", np);

	struct feature_map maps[4];
	size_t per = (size_t)fpn[0].c * 49;

	for (int l = 0; l < c->roi_levels; l++)
		maps[l] = (struct feature_map){ fpn[l].data, fpn[l].c, fpn[l].h, fpn[l].w };
	pooled = malloc(((size_t)np + 1) * per * sizeof(float));
	logits = malloc(((size_t)np + 1) * (size_t)k * sizeof(float));
	reg = malloc(((size_t)np + 1) * (size_t)k * 4 * sizeof(float));
	if (!pooled || !logits || !reg) {
		nd = tt_error(-ENOMEM, "detector: out of memory for %ld proposals", np);
		goto out;
	}
	t = now_ms();
	if ((nd = multiscale_roi_align(maps, c->roi_levels, rh, rw, props, (size_t)np, 7, 2, pooled, NULL)))
		goto out;
	record(report, "roi align", t, "%ldx%dx7x7", np, fpn[0].c);
	t = now_ms();
	if ((nd = network_box_head(n, pooled, (size_t)np, NULL, NULL, logits, reg)))
		goto out;
	record(report, "box head (fc6, fc7, predictor)", t, "%ldx%d, %ldx%d", np, k, np, 4 * k);
	t = now_ms();
	nd = postprocess_detections(&c->post, logits, reg, props, (size_t)np, k, rh, rw, out);
	if (nd < 0)
		goto out;
	detections_rescale(out, (size_t)nd, rh, rw, h, w);
	record(report, "postprocess (nms)", t, "%ld detections", nd);
out:
	fmap_free(&img);
	for (int l = 0; l < NETWORK_MAX_LEVELS; l++) {
		fmap_free(&fpn[l]);
		fmap_free(&obj[l]);
		fmap_free(&del[l]);
	}
	free(logit);
	free(delta);
	free(anc);
	free(dec);
	free(props);
	free(pscores);
	free(pooled);
	free(logits);
	free(reg);
	return nd;
}
