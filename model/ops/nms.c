// SPDX-License-Identifier: MIT
/*
 * NMS on the device (see ops.h): op_topk orders the boxes by score,
 * nms_mask.c computes the suppression mask on every core and scans it
 * on core 0.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define REC_WORDS	OP_REC_WORDS
#define BLOCK		32		/* as nms_mask.c */

struct op_nms {
	struct tt_device *dev;
	uint32_t max_n;
	struct op_topk *sort;
	struct tt_buffer *recs, *count, *mask, *out;
	uint32_t *records, *result;
};

int op_nms_create(struct tt_device *dev, uint32_t max_n, struct op_nms **out)
{
	struct tt_buffer_config cfg = { .type = TT_BUFFER_DRAM, .page_size = OP_REC_PAGE };
	uint32_t words = OP_DIV_UP(max_n, 32);
	struct op_nms *nms;
	int ret;

	if (!dev || !out)
		return tt_error(-EINVAL, "op_nms_create: NULL argument");
	if (max_n < 1 || max_n > OP_NMS_MAX_N)
		return tt_error(-EINVAL, "op_nms_create: %u boxes, need 1..%u", max_n,
				OP_NMS_MAX_N);
	nms = calloc(1, sizeof(*nms));
	if (!nms)
		return tt_error(-ENOMEM, "out of memory");
	nms->dev = dev;
	nms->max_n = max_n;
	nms->records = calloc(32 * words, REC_WORDS * 4);
	nms->result = malloc(4 * (max_n + 1));
	if (!nms->records || !nms->result) {
		ret = tt_error(-ENOMEM, "out of memory");
		goto fail;
	}
	cfg.size = (uint64_t)words * cfg.page_size;
	if ((ret = op_topk_create(dev, max_n, max_n, &nms->sort)) ||
	    (ret = tt_buffer_create(dev, &cfg, &nms->recs)))
		goto fail;
	cfg.page_size = cfg.size = 32;
	if ((ret = tt_buffer_create(dev, &cfg, &nms->count)))
		goto fail;
	cfg.page_size = 4 * words;
	cfg.size = (uint64_t)max_n * cfg.page_size;
	if ((ret = tt_buffer_create(dev, &cfg, &nms->mask)))
		goto fail;
	cfg.page_size = 4 * (max_n + 1);
	cfg.size = cfg.page_size;
	if ((ret = tt_buffer_create(dev, &cfg, &nms->out)))
		goto fail;
	*out = nms;
	return 0;
fail:
	op_nms_destroy(nms);
	return ret;
}

void op_nms_destroy(struct op_nms *nms)
{
	if (!nms)
		return;
	op_topk_destroy(nms->sort);
	tt_buffer_destroy(nms->recs);
	tt_buffer_destroy(nms->count);
	tt_buffer_destroy(nms->mask);
	tt_buffer_destroy(nms->out);
	free(nms->records);
	free(nms->result);
	free(nms);
}

/* The largest float t with x > t exactly when (double)x > thresh, for every float x. */
static float threshold(double thresh)
{
	float t = (float)thresh;

	return (double)t > thresh ? nextafterf(t, -INFINITY) : t;
}

static int check(const struct op_nms *nms, const float *boxes, const float *scores,
		 const int64_t *groups, uint32_t n, double thresh)
{
	uint32_t i;

	if (n > nms->max_n)
		return tt_error(-EINVAL, "op_nms: %u boxes, made for up to %u", n, nms->max_n);
	if (!(thresh >= -1e30 && thresh <= 1e30))
		return tt_error(-EINVAL, "op_nms: IoU threshold %g", thresh);
	for (i = 0; i < n; i++) {
		if (!isfinite(boxes[4 * i]) || !isfinite(boxes[4 * i + 1]) ||
		    !isfinite(boxes[4 * i + 2]) || !isfinite(boxes[4 * i + 3]))
			return tt_error(-EINVAL, "op_nms: box %u has a coordinate that is not finite",
					i);
		if (!isfinite(scores[i]))
			return tt_error(-EINVAL, "op_nms: box %u has score %g", i, (double)scores[i]);
		if (groups && (groups[i] < 0 || groups[i] >= (1 << 24)))
			return tt_error(-EINVAL, "op_nms: box %u is in group %lld, need 0..2^24 - 1",
					i, (long long)groups[i]);
	}
	return 0;
}

static int mask_and_scan(struct op_nms *nms, struct tt_cq *cq, struct tt_buffer *count, float thr,
			 bool batched, struct op_boxes *kept, struct op_stats *stats)
{
	struct tt_kernel_config cfg = { .role = TT_ROLE_READER };
	uint32_t n = nms->max_n, words = OP_DIV_UP(n, 32), gx, gy, budget, used, scratch;
	struct tt_core_range cores;
	struct tt_program *prog;
	char shape[64];
	int kernel, sem, ret;

	ret = op_grid(nms->dev, &gx, &gy, &budget);
	if (ret)
		return ret;
	/* records, order, boxes, areas, lists, mask rows, kept; a page of kept records */
	scratch = 4 * (8 * 32 * words + 10 * n + 2 * words + BLOCK * words + n + 1 + 256);
	if (scratch > budget)
		return tt_error(-ENOSPC, "op_nms: %u boxes do not fit in L1", n);
	ret = op_cores(nms->dev, OP_DIV_UP(n, 16), &cores, &used);
	if (!ret)
		ret = tt_program_create(nms->dev, &prog);
	if (ret)
		return ret;
	if ((ret = op_cb(prog, cores, 1, TT_FORMAT_FLOAT32, scratch, 1)) ||
	    (ret = kernel = op_kernel(prog, "nms_mask.c", cores, &cfg)) < 0 ||
	    (ret = sem = tt_semaphore_create(prog, TT_CORES(0, 0, 0, 0), 0)) < 0)
		goto out;
	{
		struct tt_buffer *order = op_topk_result(nms->sort);
		uint32_t thr_bits, w = cores.end.x + 1, i;

		memcpy(&thr_bits, &thr, 4);
		uint32_t args[] = {
			tt_buffer_address(nms->recs), tt_buffer_address(order),
			tt_buffer_page_size(order), tt_buffer_address(count), n,
			tt_buffer_address(nms->mask), tt_buffer_page_size(nms->mask),
			tt_buffer_address(nms->out), tt_buffer_page_size(nms->out), thr_bits,
			batched, OP_NMS_OFFSET_MAX, (uint32_t)sem, used,
			kept ? tt_buffer_address(kept->recs) : 0,
			kept ? tt_buffer_address(kept->count) : 0, kept ? kept->max : 0,
		};

		ret = tt_common_runtime_args_set(prog, kernel, args, sizeof(args) / 4);
		for (i = 0; !ret && i < w * (cores.end.y + 1); i++)
			ret = tt_runtime_args_set(prog, kernel, TT_CORE(i % w, i / w), &i, 1);
		if (ret)
			goto out;
	}
	snprintf(shape, sizeof(shape), "up to %u boxes%s", n, batched ? ", batched" : "");
	ret = op_run_shape(cq, prog, stats, "nms", shape);
out:
	tt_program_destroy(prog);
	return ret;
}

static int by_group(const void *a, const void *b, void *groups)
{
	const int64_t *g = groups;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return g[x] < g[y] ? -1 : g[x] > g[y];
}

/* Number the groups 0, 1, ... in word 6 of the records (the mask's per-group lists). */
static int number_groups(struct op_nms *nms, const int64_t *groups, uint32_t n)
{
	uint32_t *idx = malloc(4 * n), i, id = 0;

	if (!idx)
		return tt_error(-ENOMEM, "out of memory");
	for (i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, 4, by_group, (void *)groups);
	for (i = 0; i < n; i++) {
		if (i && groups[idx[i]] != groups[idx[i - 1]])
			id++;
		nms->records[REC_WORDS * idx[i] + 6] = id;
	}
	free(idx);
	return 0;
}

long op_nms_run(struct op_nms *nms, struct tt_cq *cq, const float *boxes, const float *scores,
		const int64_t *groups, uint32_t n, double thresh, uint32_t *keep,
		struct op_stats *stats)
{
	uint32_t i, kept, count[8] = { n };
	int ret;

	if (!nms || !cq || (n && (!boxes || !scores || !keep)))
		return tt_error(-EINVAL, "op_nms_run: NULL argument");
	if ((ret = check(nms, boxes, scores, groups, n, thresh)))
		return ret;
	if (!n)
		return 0;
	for (i = 0; i < n; i++) {
		uint32_t *r = nms->records + REC_WORDS * i;
		float g = groups ? (float)groups[i] : 0.0f;

		memcpy(r, boxes + 4 * i, 16);
		memcpy(r + 4, scores + i, 4);
		memcpy(r + 5, &g, 4);
		r[6] = r[7] = 0;
	}
	if (groups && n > OP_NMS_OFFSET_MAX && (ret = number_groups(nms, groups, n)))
		return ret;
	if ((ret = tt_cq_write_buffer(cq, nms->recs, nms->records, false)) ||
	    (ret = tt_cq_write_buffer(cq, nms->count, count, false)) ||
	    (ret = op_nms_enqueue(nms, cq, nms->count, groups != NULL, thresh, NULL, stats)) ||
	    (ret = tt_cq_read_buffer(cq, nms->out, nms->result, true)))
		return ret;
	kept = nms->result[0];
	if (kept > n)
		return tt_error(-EIO, "op_nms: the device kept %u of %u boxes", kept, n);
	memcpy(keep, nms->result + 1, 4 * kept);
	return kept;
}

struct tt_buffer *op_nms_records(const struct op_nms *nms)
{
	return nms->recs;
}

int op_nms_enqueue(struct op_nms *nms, struct tt_cq *cq, struct tt_buffer *count, bool batched,
		   double thresh, struct op_boxes *kept, struct op_stats *stats)
{
	int ret;

	if ((ret = op_topk_select(nms->sort, cq, tt_buffer_address(nms->recs),
				  OP_REC_WORDS * 4, 16, 1, 4, nms->max_n, nms->max_n,
				  tt_buffer_address(count), stats)))
		return ret;
	return mask_and_scan(nms, cq, count, threshold(thresh), batched, kept, stats);
}
