// SPDX-License-Identifier: MIT
/*
 * The RPN's proposals on the device (see ops.h): op_topk on each level's
 * logits, proposals_decode.c for the boxes, scores and the filters, then
 * op_nms's programs on the records it leaves, their number in DRAM: the
 * host enqueues them all without a wait, and the kept records stay on the
 * device.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define CAND_BYTES	72		/* L1 a candidate: index, logit, deltas, anchor, record */

/* log(1000 / 16), as model/reference/box_coder.c */
#define XFORM_CLIP	4.135166556742356

struct op_proposals {
	struct tt_device *dev;
	struct op_proposals_desc d;
	uint32_t k[OP_PROPOSALS_MAX_LEVELS];	/* candidates of each level */
	uint32_t first[OP_PROPOSALS_MAX_LEVELS];	/* its first anchor */
	uint32_t total;				/* candidates */
	uint32_t anchors;			/* in the table */
	struct op_topk *top[OP_PROPOSALS_MAX_LEVELS];
	struct op_nms *nms;
	struct tt_buffer *stage, *count;	/* decoded candidates; the valid ones' number */
	struct op_boxes boxes;			/* the proposals */
};

static int check_desc(const struct op_proposals_desc *d)
{
	uint64_t total = 0;
	uint32_t l;

	if (d->nlevels < 1 || d->nlevels > OP_PROPOSALS_MAX_LEVELS || d->anchors < 1 ||
	    d->anchors > 64)
		return tt_error(-EINVAL, "op_proposals: %u levels of %u anchors a location: need "
				"1..%u and 1..64", d->nlevels, d->anchors, OP_PROPOSALS_MAX_LEVELS);
	if (d->pre_nms_top_n < 1 || d->post_nms_top_n < 1 || d->pre_nms_top_n > OP_TOPK_MAX_K)
		return tt_error(-EINVAL, "op_proposals: pre/post NMS counts %u/%u: need 1..%u and "
				"at least 1", d->pre_nms_top_n, d->post_nms_top_n, OP_TOPK_MAX_K);
	if (!(d->nms_thresh >= -1e30 && d->nms_thresh <= 1e30) || !isfinite(d->score_thresh) ||
	    !isfinite(d->min_size))
		return tt_error(-EINVAL, "op_proposals: thresholds %g, %g and min size %g",
				d->nms_thresh, (double)d->score_thresh, (double)d->min_size);
	for (l = 0; l < d->nlevels; l++) {
		uint64_t n = (uint64_t)d->h[l] * d->w[l] * d->anchors;

		if (!d->h[l] || !d->w[l] || n > OP_TOPK_MAX_N)
			return tt_error(-EINVAL, "op_proposals: level %u is %ux%u with %u anchors",
					l, d->h[l], d->w[l], d->anchors);
		total += n < d->pre_nms_top_n ? n : d->pre_nms_top_n;
	}
	if (total > OP_NMS_MAX_N)
		return tt_error(-EINVAL, "op_proposals: %llu candidates, NMS takes up to %u",
				(unsigned long long)total, OP_NMS_MAX_N);
	return 0;
}

int op_proposals_create(struct tt_device *dev, const struct op_proposals_desc *desc,
			struct op_proposals **out)
{
	struct tt_buffer_config cfg = { .type = TT_BUFFER_DRAM, .page_size = OP_REC_PAGE };
	struct op_proposals *p;
	uint32_t l;
	int ret;

	if (!dev || !desc || !out)
		return tt_error(-EINVAL, "op_proposals_create: NULL argument");
	if ((ret = check_desc(desc)))
		return ret;
	p = calloc(1, sizeof(*p));
	if (!p)
		return tt_error(-ENOMEM, "out of memory");
	p->dev = dev;
	p->d = *desc;
	for (l = 0; l < desc->nlevels; l++) {
		uint32_t m = desc->h[l] * desc->w[l] * desc->anchors;

		p->k[l] = m < desc->pre_nms_top_n ? m : desc->pre_nms_top_n;
		p->first[l] = p->anchors;
		p->anchors += m;
		p->total += p->k[l];
		if ((ret = op_topk_create(dev, m, p->k[l], &p->top[l])))
			goto fail;
	}
	cfg.size = (uint64_t)OP_REC_PAGE * OP_DIV_UP(p->total, 32);
	if ((ret = op_nms_create(dev, p->total, &p->nms)) ||
	    (ret = tt_buffer_create(dev, &cfg, &p->stage)) ||
	    (ret = op_boxes_create(dev, desc->post_nms_top_n, &p->boxes)))
		goto fail;
	cfg.page_size = cfg.size = 32;
	if ((ret = tt_buffer_create(dev, &cfg, &p->count)))
		goto fail;
	*out = p;
	return 0;
fail:
	op_proposals_destroy(p);
	return ret;
}

void op_proposals_destroy(struct op_proposals *p)
{
	uint32_t l;

	if (!p)
		return;
	for (l = 0; l < OP_PROPOSALS_MAX_LEVELS; l++)
		op_topk_destroy(p->top[l]);
	op_nms_destroy(p->nms);
	tt_buffer_destroy(p->stage);
	tt_buffer_destroy(p->count);
	op_boxes_destroy(&p->boxes);
	free(p);
}

static int decode(struct op_proposals *p, struct tt_cq *cq, const struct op_tensor *const *heads,
		  const struct op_boxes *anchors, uint32_t img_h, uint32_t img_w,
		  struct op_stats *stats)
{
	struct tt_kernel_config cfg = { .role = TT_ROLE_READER };
	const uint32_t es = op_tensor_elem_size(heads[0]);
	uint32_t gx, gy, budget, used, chunk, ncores, args[20 + 7 * OP_PROPOSALS_MAX_LEVELS];
	struct tt_core_range cores;
	struct tt_program *prog;
	char shape[64];
	int kernel, sem, ret;
	uint32_t l, i, w;

	ret = op_grid(p->dev, &gx, &gy, &budget);
	if (ret)
		return ret;
	/* at least 16 candidates a core */
	ncores = OP_DIV_UP(p->total, 16);
	ret = op_cores(p->dev, ncores, &cores, &used);
	if (ret)
		return ret;
	chunk = OP_DIV_UP(p->total, used);
	used = OP_DIV_UP(p->total, chunk);
	if ((uint64_t)chunk * CAND_BYTES + 2048 > budget)
		return tt_error(-ENOSPC, "op_proposals: %u candidates a core do not fit in L1",
				chunk);
	ret = tt_program_create(p->dev, &prog);
	if (ret)
		return ret;
	if ((ret = op_cb(prog, cores, 1, TT_FORMAT_FLOAT32, chunk * CAND_BYTES + 2048, 1)) ||
	    (ret = kernel = op_kernel(prog, "proposals_decode.c", cores, &cfg)) < 0 ||
	    (ret = sem = tt_semaphore_create(prog, TT_CORES(0, 0, 0, 0), 0)) < 0)
		goto out;
	{
		uint32_t head[] = {
			p->d.nlevels, p->d.anchors, es, op_float_bits((float)img_w), op_float_bits((float)img_h),
			op_float_bits(p->d.min_size), op_float_bits(p->d.score_thresh), op_float_bits((float)XFORM_CLIP),
			op_float_bits(1.0f), op_float_bits(1.0f), op_float_bits(1.0f), op_float_bits(1.0f),
			tt_buffer_address(anchors->recs), tt_buffer_address(p->stage),
			tt_buffer_address(op_nms_records(p->nms)), tt_buffer_address(p->count),
			(uint32_t)sem, used, p->total, chunk,
		};

		memcpy(args, head, sizeof(head));
	}
	for (l = 0; l < p->d.nlevels; l++) {
		struct tt_buffer *top = op_topk_result(p->top[l]);
		uint32_t *a = args + 20 + 7 * l;

		a[0] = tt_buffer_address(heads[l]->buf);
		a[1] = heads[l]->c_pad * es;
		a[2] = tt_buffer_address(top);
		a[3] = tt_buffer_page_size(top);
		a[4] = tt_buffer_page_size(top) / 8;	/* op_topk: values from word max_k */
		a[5] = p->k[l];
		a[6] = p->first[l];
	}
	ret = tt_common_runtime_args_set(prog, kernel, args, 20 + 7 * p->d.nlevels);
	w = cores.end.x + 1;
	for (i = 0; !ret && i < w * (cores.end.y + 1); i++)
		ret = tt_runtime_args_set(prog, kernel, TT_CORE(i % w, i / w), &i, 1);
	if (ret)
		goto out;
	snprintf(shape, sizeof(shape), "%u candidates, %u levels", p->total, p->d.nlevels);
	ret = op_run_shape(cq, prog, stats, "proposals", shape);
out:
	tt_program_destroy(prog);
	return ret;
}

static int check_heads(const struct op_proposals *p, const struct op_tensor *const *heads,
		       const struct op_boxes *anchors, uint32_t img_h, uint32_t img_w)
{
	uint32_t l;
	int ret;

	if ((ret = op_boxes_check(anchors, "op_proposals_run: anchors")))
		return ret;
	if (anchors->max < p->anchors)
		return tt_error(-EINVAL, "op_proposals_run: a table of up to %u anchors, the levels "
				"have %u", anchors->max, p->anchors);
	if (!img_h || !img_w || img_h > (1u << 24) || img_w > (1u << 24))
		return tt_error(-EINVAL, "op_proposals_run: image %ux%u", img_h, img_w);
	for (l = 0; l < p->d.nlevels; l++) {
		const struct op_tensor *t = heads[l];

		if (!t)
			return tt_error(-EINVAL, "op_proposals_run: level %u: NULL tensor", l);
		if ((ret = op_tensor_check(t, "op_proposals_run")))
			return ret;
		if (t->h != p->d.h[l] || t->w != p->d.w[l] || t->c != 5 * p->d.anchors)
			return tt_error(-EINVAL, "op_proposals_run: level %u is %ux%ux%u, made for "
					"%ux%ux%u", l, t->h, t->w, t->c, p->d.h[l], p->d.w[l],
					5 * p->d.anchors);
		if (t->fmt != heads[0]->fmt)
			return tt_error(-EINVAL, "op_proposals_run: level %u's format differs from "
					"level 0's", l);
	}
	return 0;
}

int op_proposals_run(struct op_proposals *p, struct tt_cq *cq, const struct op_tensor *const *heads,
		     const struct op_boxes *anchors, uint32_t img_h, uint32_t img_w,
		     struct op_stats *stats)
{
	uint32_t l;
	int ret;

	if (!p || !cq || !heads)
		return tt_error(-EINVAL, "op_proposals_run: NULL argument");
	if ((ret = check_heads(p, heads, anchors, img_h, img_w)))
		return ret;
	for (l = 0; l < p->d.nlevels; l++)
		if ((ret = op_topk_run(p->top[l], cq, heads[l], 0, p->d.anchors, p->k[l], stats)))
			return ret;
	if ((ret = decode(p, cq, heads, anchors, img_h, img_w, stats)))
		return ret;
	return op_nms_enqueue(p->nms, cq, p->count, true, p->d.nms_thresh, &p->boxes, stats);
}

const struct op_boxes *op_proposals_boxes(const struct op_proposals *p)
{
	return p ? &p->boxes : NULL;
}
