// SPDX-License-Identifier: MIT
/* The anchor table on the device (see ops.h): kernels/anchors.c, a page of 32 a work item. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "../reference/detection.h"

#define ARG_LEVEL	10		/* as kernels/anchors.c */
#define LEVEL_WORDS	9

static int check(const struct anchor_config *c, uint32_t img_h, uint32_t img_w,
		 const uint32_t *feat_h, const uint32_t *feat_w, const struct op_boxes *out,
		 uint64_t *total)
{
	int l, i, ret;

	if ((ret = op_boxes_check(out, "op_anchors_run")))
		return ret;
	if (c->nlevels < 1 || c->nlevels > ANCHOR_MAX_LEVELS || c->nsizes < 1 || c->nsizes > 4 ||
	    c->nratios < 1 || c->nratios > 4)
		return tt_error(-EINVAL, "op_anchors_run: %d levels, %d sizes, %d ratios: need "
				"1..%d, 1..4, 1..4", c->nlevels, c->nsizes, c->nratios,
				ANCHOR_MAX_LEVELS);
	for (i = 0; i < c->nratios; i++)
		if (!(c->ratios[i] > 0) || !isfinite(c->ratios[i]))
			return tt_error(-EINVAL, "op_anchors_run: aspect ratio %g",
					(double)c->ratios[i]);
	*total = 0;
	for (l = 0; l < c->nlevels; l++) {
		for (i = 0; i < c->nsizes; i++)
			if (!(c->sizes[l][i] > 0) || !(c->sizes[l][i] < 0x1p24f))
				return tt_error(-EINVAL, "op_anchors_run: level %d: size %g", l,
						(double)c->sizes[l][i]);
		if (feat_h[l] < 1 || feat_w[l] < 1 || feat_h[l] > img_h || feat_w[l] > img_w ||
		    img_h > (1u << 24) || img_w > (1u << 24))
			return tt_error(-EINVAL, "op_anchors_run: level %d map %ux%u for a %ux%u image",
					l, feat_h[l], feat_w[l], img_h, img_w);
		*total += (uint64_t)feat_h[l] * feat_w[l] * (uint32_t)(c->nsizes * c->nratios);
	}
	if (*total > out->max)
		return tt_error(-EINVAL, "op_anchors_run: %llu anchors, the boxes take up to %u",
				(unsigned long long)*total, out->max);
	return 0;
}

int op_anchors_run(struct tt_device *dev, struct tt_cq *cq, const struct anchor_config *c,
		   uint32_t img_h, uint32_t img_w, const uint32_t *feat_h, const uint32_t *feat_w,
		   struct op_boxes *out, struct op_stats *stats)
{
	struct tt_kernel_config cfg = { .role = TT_ROLE_READER };
	uint32_t args[ARG_LEVEL + LEVEL_WORDS * ANCHOR_MAX_LEVELS] = { 0 }, first = 0, used, pages;
	struct tt_core_range cores;
	struct tt_program *prog;
	uint64_t total = 0;
	char shape[64];
	int kernel, ret, l, i;

	if (!dev || !cq || !c || !feat_h || !feat_w)
		return tt_error(-EINVAL, "op_anchors_run: NULL argument");
	if ((ret = check(c, img_h, img_w, feat_h, feat_w, out, &total)))
		return ret;
	args[0] = (uint32_t)c->nlevels;
	args[1] = (uint32_t)c->nsizes;
	args[2] = (uint32_t)c->nratios;
	for (i = 0; i < c->nratios; i++)
		args[3 + i] = op_float_bits(c->ratios[i]);
	args[7] = tt_buffer_address(out->recs);
	args[8] = tt_buffer_address(out->count);
	args[9] = (uint32_t)total;
	for (l = 0; l < c->nlevels; l++) {
		uint32_t *a = args + ARG_LEVEL + LEVEL_WORDS * l;

		a[0] = feat_h[l];
		a[1] = feat_w[l];
		a[2] = img_h / feat_h[l];	/* torchvision's strides: image // map */
		a[3] = img_w / feat_w[l];
		a[4] = first;
		for (i = 0; i < c->nsizes; i++)
			a[5 + i] = op_float_bits(c->sizes[l][i]);
		first += feat_h[l] * feat_w[l] * (uint32_t)(c->nsizes * c->nratios);
	}
	pages = OP_DIV_UP((uint32_t)total, 32);
	if ((ret = op_cores(dev, pages, &cores, &used)) || (ret = tt_program_create(dev, &prog)))
		return ret;
	if ((ret = op_cb(prog, cores, 1, TT_FORMAT_FLOAT32, OP_REC_PAGE, 1)) ||
	    (ret = kernel = op_kernel(prog, "anchors.c", cores, &cfg)) < 0 ||
	    (ret = tt_common_runtime_args_set(prog, kernel, args,
					      ARG_LEVEL + LEVEL_WORDS * (uint32_t)c->nlevels)) ||
	    (ret = op_split_args(prog, cores, used, pages, &kernel, 1, -1)))
		goto out;
	snprintf(shape, sizeof(shape), "%d levels -> %llux4", c->nlevels,
		 (unsigned long long)total);
	ret = op_run_shape(cq, prog, stats, "anchors", shape);
out:
	tt_program_destroy(prog);
	return ret;
}
