// SPDX-License-Identifier: MIT
/*
 * MultiScaleRoIAlign on the device (see ops.h): roi_align_reader.c picks
 * each box's level and samples, roi_align_compute.c sums,
 * roi_align_writer.c places each bin.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "../reference/detection.h"

#define MAX_LEVELS	5
#define ARG_SPLIT	(9 + MAX_LEVELS - 1)	/* as roi_align_reader.c */
#define ARG_LEVEL	(ARG_SPLIT + 1)

struct op_roi_align {
	struct tt_device *dev;
	uint32_t pooled, sampling;
};

int op_roi_align_create(struct tt_device *dev, uint32_t pooled, uint32_t sampling,
			struct op_roi_align **out)
{
	struct op_roi_align *ra;

	if (!dev || !out)
		return tt_error(-EINVAL, "op_roi_align_create: NULL argument");
	if (pooled < 1 || pooled > 16 || sampling < 1 || sampling > 2)
		return tt_error(-EINVAL, "op_roi_align_create: %u x %u bins, sampling %u: need "
				"1..16 bins a side, sampling 1 or 2", pooled, pooled, sampling);
	ra = calloc(1, sizeof(*ra));
	if (!ra)
		return tt_error(-ENOMEM, "out of memory");
	ra->dev = dev;
	ra->pooled = pooled;
	ra->sampling = sampling;
	*out = ra;
	return 0;
}

void op_roi_align_destroy(struct op_roi_align *ra)
{
	free(ra);
}

static int check(const struct op_roi_align *ra, const struct op_tensor *const *maps,
		 uint32_t nlevels, const struct op_boxes *boxes, struct op_tensor *const *out,
		 uint32_t nparts)
{
	uint32_t l, i, bins = 0, c, n;
	int ret;

	if (nlevels < 1 || nlevels > MAX_LEVELS)
		return tt_error(-EINVAL, "op_roi_align: %u levels, 1..%u", nlevels, MAX_LEVELS);
	if ((ret = op_boxes_check(boxes, "op_roi_align")))
		return ret;
	n = boxes->max;
	if (nparts < 1 || nparts > OP_ROI_ALIGN_MAX_PARTS)
		return tt_error(-EINVAL, "op_roi_align: %u output parts, 1..%u", nparts,
				OP_ROI_ALIGN_MAX_PARTS);
	for (l = 0; l < nlevels; l++) {
		if (!maps[l])
			return tt_error(-EINVAL, "op_roi_align: level %u missing", l);
		if ((ret = op_tensor_check(maps[l], "op_roi_align")) ||
		    (ret = op_tensor_wide(maps[l], "op_roi_align")))
			return ret;
		if (maps[l]->c != maps[0]->c || maps[l]->fmt != maps[0]->fmt ||
		    maps[l]->c != maps[l]->c_pad)
			return tt_error(-EINVAL, "op_roi_align: level %u has %u channels (format %d), "
					"level 0 %u (format %d); channels must be a multiple of 32",
					l, maps[l]->c, (int)maps[l]->fmt, maps[0]->c,
					(int)maps[0]->fmt);
	}
	c = maps[0]->c;
	for (i = 0; i < nparts; i++) {
		if (!out[i])
			return tt_error(-EINVAL, "op_roi_align: output part %u missing", i);
		if ((ret = op_tensor_check(out[i], "op_roi_align")))
			return ret;
		if (out[i]->h != 1 || out[i]->w != n || out[i]->c % c || out[i]->fmt != maps[0]->fmt)
			return tt_error(-EINVAL, "op_roi_align: output part %u is %ux%ux%u (format "
					"%d), must be 1x%ux(bins * %u) (format %d)", i, out[i]->h,
					out[i]->w, out[i]->c, (int)out[i]->fmt, n, c,
					(int)maps[0]->fmt);
		bins += out[i]->c / c;
	}
	if (bins != ra->pooled * ra->pooled)
		return tt_error(-EINVAL, "op_roi_align: the output parts hold %u bins of %u channels "
				"a RoI, not %u", bins, c, ra->pooled * ra->pooled);
	return 0;
}

int op_roi_align_run(struct op_roi_align *ra, struct tt_cq *cq,
		     const struct op_tensor *const *maps, uint32_t nlevels, uint32_t img_h,
		     uint32_t img_w, const struct op_boxes *boxes, struct op_tensor *out,
		     struct op_stats *stats)
{
	return op_roi_align_run_parts(ra, cq, maps, nlevels, img_h, img_w, boxes, &out, 1, stats);
}

int op_roi_align_run_parts(struct op_roi_align *ra, struct tt_cq *cq,
			   const struct op_tensor *const *maps, uint32_t nlevels, uint32_t img_h,
			   uint32_t img_w, const struct op_boxes *boxes,
			   struct op_tensor *const *out, uint32_t nparts, struct op_stats *stats)
{
	struct tt_kernel_config rcfg = { .role = TT_ROLE_READER };
	struct tt_kernel_config wcfg = { .role = TT_ROLE_WRITER };
	struct tt_kernel_config ccfg = {
		.role = TT_ROLE_COMPUTE, .math_fidelity = TT_HIFI4, .fp32_dest_acc = true,
	};
	uint32_t es, stick, ct, pairs, groups, cw, bins, items, used, gx, gy, budget, l, i, n, split;
	int heights[MAX_LEVELS], lvl_min, reader, compute, writer, ret;
	double scale[MAX_LEVELS];
	float bound[MAX_LEVELS - 1];
	struct tt_core_range cores;
	struct tt_program *prog;

	if (!ra || !cq || !maps || !out)
		return tt_error(-EINVAL, "op_roi_align_run: NULL argument");
	if ((ret = check(ra, maps, nlevels, boxes, out, nparts)))
		return ret;
	(void)img_w;
	n = boxes->max;
	for (l = 0; l < nlevels; l++)
		heights[l] = (int)maps[l]->h;
	if ((ret = roi_level_mapper(heights, (int)nlevels, (int)img_h, scale, &lvl_min)) ||
	    (ret = roi_level_bounds(lvl_min, (int)nlevels, bound)))
		return ret;
	es = op_tensor_elem_size(maps[0]);
	stick = maps[0]->c_pad * es;
	ct = maps[0]->c_pad / 32;
	pairs = 4 * ra->sampling * ra->sampling;
	split = maps[0]->fmt == TT_FORMAT_FLOAT32;
	ret = op_grid(ra->dev, &gx, &gy, &budget);
	if (ret)
		return ret;
	/* channel groups: the fewest whose CBs fit */
	for (groups = 1; groups <= ct; groups++) {
		cw = ct / groups;
		if (ct % groups == 0 &&
		    (uint64_t)(4 + pairs * (1 + split)) * cw * 1024 * es + 2ull * pairs * 4096 + 32 <=
			    budget)
			break;
	}
	if (groups > ct)
		return tt_error(-ENOSPC, "op_roi_align: 32 channels do not fit in L1");
	bins = n * ra->pooled * ra->pooled;
	items = OP_DIV_UP(bins, 32) * groups;
	ret = op_cores(ra->dev, items, &cores, &used);
	if (!ret)
		ret = tt_program_create(ra->dev, &prog);
	if (ret)
		return ret;
	if ((ret = op_cb(prog, cores, 0, maps[0]->fmt, 1024 * es, 2 * cw)) ||
	    (ret = op_cb(prog, cores, 1, TT_FORMAT_FLOAT32, 4096, 2 * pairs)) ||
	    (ret = op_cb(prog, cores, 2, maps[0]->fmt, 1024 * es, pairs * cw)) ||
	    (ret = op_cb(prog, cores, 3, TT_FORMAT_FLOAT32, 32, 1)) ||
	    (ret = op_cb(prog, cores, 16, maps[0]->fmt, 1024 * es, 2 * cw)) ||
	    (split && (ret = op_cb(prog, cores, 5, maps[0]->fmt, 1024 * es, pairs * cw))))
		goto out;
	if ((ret = reader = op_kernel(prog, "roi_align_reader.c", cores, &rcfg)) < 0 ||
	    (ret = compute = op_kernel(prog, "roi_align_compute.c", cores, &ccfg)) < 0 ||
	    (ret = writer = op_kernel(prog, "roi_align_writer.c", cores, &wcfg)) < 0)
		goto out;
	{
		uint32_t rargs[ARG_LEVEL + 4 * MAX_LEVELS] = {
			tt_buffer_address(boxes->recs), tt_buffer_address(boxes->count), n,
			ra->pooled, ra->sampling, stick, groups, cw, nlevels,
		};
		uint32_t cargs[] = { pairs, cw, split };
		uint32_t wargs[6 + 3 * OP_ROI_ALIGN_MAX_PARTS] = {
			nparts, bins, ra->pooled * ra->pooled, stick, groups, cw,
		};
		uint32_t first = 0;

		memcpy(&rargs[9], bound, 4 * (nlevels - 1));
		rargs[ARG_SPLIT] = split;
		for (l = 0; l < nlevels; l++) {
			float s = (float)scale[l];

			rargs[ARG_LEVEL + 4 * l] = tt_buffer_address(maps[l]->buf);
			rargs[ARG_LEVEL + 1 + 4 * l] = maps[l]->h;
			rargs[ARG_LEVEL + 2 + 4 * l] = maps[l]->w;
			memcpy(&rargs[ARG_LEVEL + 3 + 4 * l], &s, 4);
		}
		for (i = 0; i < nparts; i++) {
			wargs[6 + 3 * i] = tt_buffer_address(out[i]->buf);
			wargs[7 + 3 * i] = out[i]->c_pad * es;
			wargs[8 + 3 * i] = first;
			first += out[i]->c / maps[0]->c;
		}
		if ((ret = tt_common_runtime_args_set(prog, reader, rargs, ARG_LEVEL + 4 * nlevels)) ||
		    (ret = tt_common_runtime_args_set(prog, compute, cargs, 3)) ||
		    (ret = tt_common_runtime_args_set(prog, writer, wargs, 6 + 3 * nparts)))
			goto out;
	}
	ret = op_split_args(prog, cores, used, items, (int[]){ reader, writer }, 2, compute);
	if (!ret) {
		char shape[80];

		snprintf(shape, sizeof(shape), "%ux%ux%u -> 1x%ux%u%s", maps[0]->h, maps[0]->w,
			 maps[0]->c, n, ra->pooled * ra->pooled * maps[0]->c,
			 nparts > 1 ? " (parts)" : "");
		ret = op_run_shape(cq, prog, stats, "roi_align", shape);
	}
out:
	tt_program_destroy(prog);
	return ret;
}
