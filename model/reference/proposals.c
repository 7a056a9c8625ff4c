// SPDX-License-Identifier: MIT
/*
 * RPN proposal filtering (eval): per level the top pre_nms_top_n anchors by
 * objectness logit, sigmoid, clip to the image, drop boxes under min_size,
 * keep scores >= score_thresh, NMS within each level, best post_nms_top_n.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ttuser.h"
#include "detection.h"

const struct rpn_config rpn_default = {
	.pre_nms_top_n = 1000,
	.post_nms_top_n = 1000,
	.nms_thresh = 0.7,
	.score_thresh = 0.0f,
	.min_size = 1e-3f,
};

struct ranked {
	float logit;
	size_t index;
};

static int by_logit(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->logit != y->logit)
		return x->logit > y->logit ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

long rpn_filter_proposals(const struct rpn_config *c, const float *decoded, const float *objectness,
			  const size_t *level_counts, int nlevels, int img_h, int img_w,
			  float *boxes, float *scores)
{
	size_t total = 0, cand = 0, n = 0, start = 0;
	struct ranked *rank = NULL;
	float *cb = NULL, *cs = NULL;
	int64_t *lvl = NULL;
	size_t *keep = NULL;
	long kept;

	if (c->pre_nms_top_n < 1 || c->post_nms_top_n < 1 || nlevels < 1)
		return tt_error(-EINVAL, "RPN: pre/post NMS counts %d/%d and %d levels must be positive",
				c->pre_nms_top_n, c->post_nms_top_n, nlevels);
	for (int l = 0; l < nlevels; l++) {
		total += level_counts[l];
		cand += level_counts[l] < (size_t)c->pre_nms_top_n ? level_counts[l] : (size_t)c->pre_nms_top_n;
	}
	rank = malloc((total ? total : 1) * sizeof(*rank));
	cb = malloc((cand ? cand : 1) * 4 * sizeof(float));
	cs = malloc((cand ? cand : 1) * sizeof(float));
	lvl = malloc((cand ? cand : 1) * sizeof(*lvl));
	keep = malloc((cand ? cand : 1) * sizeof(*keep));
	if (!rank || !cb || !cs || !lvl || !keep) {
		kept = tt_error(-ENOMEM, "RPN: out of memory for %zu anchors", total);
		goto out;
	}
	for (int l = 0; l < nlevels; l++) {
		size_t count = level_counts[l];
		size_t top = count < (size_t)c->pre_nms_top_n ? count : (size_t)c->pre_nms_top_n;

		for (size_t i = 0; i < count; i++)
			rank[i] = (struct ranked){ objectness[start + i], start + i };
		qsort(rank, count, sizeof(*rank), by_logit);
		for (size_t i = 0; i < top; i++) {
			float *b = cb + n * 4;

			memcpy(b, decoded + rank[i].index * 4, 4 * sizeof(float));
			boxes_clip(b, 1, (float)img_h, (float)img_w);
			float score = 1.0f / (1.0f + expf(-rank[i].logit));

			if (box_is_small(b, c->min_size) || !(score >= c->score_thresh))
				continue;
			cs[n] = score;
			lvl[n++] = l;
		}
		start += count;
	}
	kept = batched_nms(cb, cs, lvl, n, c->nms_thresh, keep);
	if (kept < 0)
		goto out;
	if (kept > c->post_nms_top_n)
		kept = c->post_nms_top_n;
	for (long i = 0; i < kept; i++) {
		memcpy(boxes + i * 4, cb + keep[i] * 4, 4 * sizeof(float));
		scores[i] = cs[keep[i]];
	}
out:
	free(rank);
	free(cb);
	free(cs);
	free(lvl);
	free(keep);
	return kept;
}
