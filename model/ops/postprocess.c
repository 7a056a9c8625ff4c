// SPDX-License-Identifier: MIT
/*
 * The box head's detections on the device (see ops.h):
 * postprocess_decode.c for the softmax, boxes and filters, then op_nms's
 * programs on the records it leaves, their number in DRAM; the host
 * waits only to read the detections.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_CORES	256		/* counts: one 1024-byte page */
#define BATCH		16		/* RoIs a core reads at a time, at most */

/* log(1000 / 16), as model/reference/box_coder.c */
#define XFORM_CLIP	4.135166556742356

struct op_postprocess {
	struct tt_device *dev;
	struct op_postprocess_desc d;
	uint32_t cap;			/* candidates NMS takes */
	uint32_t stage_pages;
	struct op_nms *nms;
	struct tt_buffer *stage, *counts, *total;
	struct op_boxes dets;		/* NMS's best */
	uint32_t *records, total_page[8];
};

int op_postprocess_create(struct tt_device *dev, const struct op_postprocess_desc *desc,
			  struct op_postprocess **out)
{
	struct tt_buffer_config cfg = { .type = TT_BUFFER_DRAM, .page_size = 1024 };
	const struct op_postprocess_desc *d = desc;
	struct op_postprocess *pp;
	uint64_t cap;
	int ret;

	if (!dev || !desc || !out)
		return tt_error(-EINVAL, "op_postprocess_create: NULL argument");
	if (d->classes < 2 || d->classes > 1000 || d->max_rois < 1 || d->max_rois > OP_TOPK_MAX_N ||
	    d->detections < 1 || d->detections > OP_BOXES_MAX)
		return tt_error(-EINVAL, "op_postprocess: %u classes (background included), up to "
				"%u RoIs and %u detections: need 2..1000, 1..%u and 1..%u",
				d->classes, d->max_rois, d->detections, OP_TOPK_MAX_N,
				OP_BOXES_MAX);
	if (!(d->nms_thresh >= -1e30 && d->nms_thresh <= 1e30) || !isfinite(d->score_thresh) ||
	    !isfinite(d->min_size))
		return tt_error(-EINVAL, "op_postprocess: thresholds %g, %g and min size %g",
				d->nms_thresh, (double)d->score_thresh, (double)d->min_size);
	pp = calloc(1, sizeof(*pp));
	if (!pp)
		return tt_error(-ENOMEM, "out of memory");
	pp->dev = dev;
	pp->d = *desc;
	cap = (uint64_t)d->max_rois * (d->classes - 1);
	pp->cap = cap < OP_NMS_MAX_N ? (uint32_t)cap : OP_NMS_MAX_N;
	pp->stage_pages = OP_DIV_UP((d->max_rois + MAX_CORES) * (d->classes - 1), 32) + MAX_CORES;
	pp->records = malloc((size_t)OP_REC_PAGE * OP_DIV_UP(d->detections, 32));
	if (!pp->records) {
		ret = tt_error(-ENOMEM, "out of memory");
		goto fail;
	}
	if ((ret = op_nms_create(dev, pp->cap, &pp->nms)) ||
	    (ret = op_boxes_create(dev, d->detections, &pp->dets)))
		goto fail;
	cfg.size = (uint64_t)1024 * pp->stage_pages;
	if ((ret = tt_buffer_create(dev, &cfg, &pp->stage)))
		goto fail;
	cfg.size = 1024;
	if ((ret = tt_buffer_create(dev, &cfg, &pp->counts)))
		goto fail;
	cfg.page_size = cfg.size = 32;
	if ((ret = tt_buffer_create(dev, &cfg, &pp->total)))
		goto fail;
	*out = pp;
	return 0;
fail:
	op_postprocess_destroy(pp);
	return ret;
}

void op_postprocess_destroy(struct op_postprocess *pp)
{
	if (!pp)
		return;
	op_nms_destroy(pp->nms);
	op_boxes_destroy(&pp->dets);
	tt_buffer_destroy(pp->stage);
	tt_buffer_destroy(pp->counts);
	tt_buffer_destroy(pp->total);
	free(pp->records);
	free(pp);
}

static int decode(struct op_postprocess *pp, struct tt_cq *cq, const struct op_tensor *pred,
		  const struct op_boxes *props, uint32_t img_h, uint32_t img_w,
		  struct op_stats *stats)
{
	struct tt_kernel_config cfg = { .role = TT_ROLE_READER };
	const uint32_t K = pp->d.classes, es = op_tensor_elem_size(pred), stick = pred->c_pad * es;
	const uint32_t n = props->max;
	uint32_t gx, gy, budget, used, chunk, batch, region, scratch, i, w;
	struct tt_core_range cores;
	struct tt_program *prog;
	char shape[64];
	int kernel, sem, ret;

	ret = op_grid(pp->dev, &gx, &gy, &budget);
	if (ret)
		return ret;
	ret = op_cores(pp->dev, OP_DIV_UP(n, 4) < MAX_CORES ? OP_DIV_UP(n, 4) : MAX_CORES, &cores,
		       &used);
	if (ret)
		return ret;
	chunk = OP_DIV_UP(n, used);
	used = OP_DIV_UP(n, chunk);
	region = OP_DIV_UP(chunk * (K - 1), 32);
	if ((uint64_t)used * region > pp->stage_pages)
		return tt_error(-EIO, "op_postprocess: %u regions of %u pages, made for %u", used,
				region, pp->stage_pages);
	for (batch = chunk < BATCH ? chunk : BATCH; batch; batch--) {
		scratch = batch * (stick + 16 + 32 * (K - 1)) + 4 * K + 4 * (1 + MAX_CORES + 512);
		if (scratch <= budget)
			break;
	}
	if (!batch)
		return tt_error(-ENOSPC, "op_postprocess: a RoI of %u classes does not fit in L1",
				K);
	ret = tt_program_create(pp->dev, &prog);
	if (ret)
		return ret;
	if ((ret = op_cb(prog, cores, 1, TT_FORMAT_FLOAT32, scratch, 1)) ||
	    (ret = kernel = op_kernel(prog, "postprocess_decode.c", cores, &cfg)) < 0 ||
	    (ret = sem = tt_semaphore_create(prog, TT_CORES(0, 0, 0, 0), 0)) < 0)
		goto out;
	{
		uint32_t args[] = {
			K, es, stick, tt_buffer_address(pred->buf), tt_buffer_address(props->recs), n,
			op_float_bits((float)img_w), op_float_bits((float)img_h), op_float_bits(pp->d.min_size),
			op_float_bits(pp->d.score_thresh), op_float_bits((float)XFORM_CLIP), op_float_bits(10.0f), op_float_bits(10.0f),
			op_float_bits(5.0f), op_float_bits(5.0f), tt_buffer_address(pp->stage), region,
			tt_buffer_address(pp->counts), tt_buffer_address(op_nms_records(pp->nms)),
			tt_buffer_address(pp->total), (uint32_t)sem, used, chunk, pp->cap, batch,
			tt_buffer_address(props->count),
		};

		ret = tt_common_runtime_args_set(prog, kernel, args, sizeof(args) / 4);
	}
	w = cores.end.x + 1;
	for (i = 0; !ret && i < w * (cores.end.y + 1); i++)
		ret = tt_runtime_args_set(prog, kernel, TT_CORE(i % w, i / w), &i, 1);
	if (ret)
		goto out;
	snprintf(shape, sizeof(shape), "up to %u RoIs x %u classes", n, K);
	ret = op_run_shape(cq, prog, stats, "detections", shape);
out:
	tt_program_destroy(prog);
	return ret;
}

static int check(const struct op_postprocess *pp, const struct op_tensor *pred,
		 const struct op_boxes *props, uint32_t img_h, uint32_t img_w)
{
	int ret;

	if ((ret = op_tensor_check(pred, "op_postprocess_run")) ||
	    (ret = op_boxes_check(props, "op_postprocess_run")))
		return ret;
	if (props->max > pp->d.max_rois || (uint64_t)pred->h * pred->w < props->max ||
	    pred->c != 5 * pp->d.classes)
		return tt_error(-EINVAL, "op_postprocess_run: up to %u RoIs of predictions "
				"%ux%ux%u, made for up to %u RoIs of %u channels", props->max,
				pred->h, pred->w, pred->c, pp->d.max_rois, 5 * pp->d.classes);
	if (!img_h || !img_w || img_h > (1u << 24) || img_w > (1u << 24))
		return tt_error(-EINVAL, "op_postprocess_run: image %ux%u", img_h, img_w);
	return 0;
}

long op_postprocess_run(struct op_postprocess *pp, struct tt_cq *cq,
			const struct op_tensor *pred, const struct op_boxes *proposals,
			uint32_t img_h, uint32_t img_w, float *boxes, float *scores,
			uint32_t *labels, struct op_stats *stats)
{
	long n, i;
	int ret;

	if (!pp || !cq || !pred || !boxes || !scores || !labels)
		return tt_error(-EINVAL, "op_postprocess_run: NULL argument");
	if ((ret = check(pp, pred, proposals, img_h, img_w)))
		return ret;
	if ((ret = decode(pp, cq, pred, proposals, img_h, img_w, stats)) ||
	    (ret = op_nms_enqueue(pp->nms, cq, pp->total, true, pp->d.nms_thresh, &pp->dets,
				  stats)) ||
	    (ret = tt_cq_read_buffer(cq, pp->total, pp->total_page, false)))
		return ret;
	n = op_boxes_read_records(cq, &pp->dets, pp->records);
	if (n < 0)
		return n;
	if (pp->total_page[0] > pp->cap)
		return tt_error(-ENOSPC, "op_postprocess: %u detections before NMS, it takes up "
				"to %u", pp->total_page[0], pp->cap);
	for (i = 0; i < n; i++) {
		const uint32_t *r = pp->records + OP_REC_WORDS * i;

		memcpy(boxes + 4 * i, r, 16);
		memcpy(scores + i, r + 4, 4);
		labels[i] = r[6];
	}
	return n;
}
