// SPDX-License-Identifier: MIT
/* Non-maximum suppression as torchvision's CPU kernel, and its batched form. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ttuser.h"
#include "detection.h"

struct ranked {
	float score;
	size_t index;
};

/* Descending score; equal scores keep their input order. */
static int by_score(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* NMS over the subset idx[0..m) of boxes; kept indices (into boxes) go to keep. */
static long nms_subset(const float *boxes, const float *scores, const size_t *idx, size_t m,
		       double thresh, size_t *keep)
{
	struct ranked *order = malloc((m ? m : 1) * sizeof(*order));
	bool *suppressed = calloc(m ? m : 1, sizeof(bool));
	float *area = malloc((m ? m : 1) * sizeof(float));
	long kept = 0;

	if (!order || !suppressed || !area) {
		free(order);
		free(suppressed);
		free(area);
		return tt_error(-ENOMEM, "nms: out of memory for %zu boxes", m);
	}
	for (size_t i = 0; i < m; i++) {
		const float *b = boxes + idx[i] * 4;

		order[i] = (struct ranked){ scores[idx[i]], i };
		area[i] = (b[2] - b[0]) * (b[3] - b[1]);
	}
	qsort(order, m, sizeof(*order), by_score);
	for (size_t oi = 0; oi < m; oi++) {
		size_t i = order[oi].index;
		const float *bi = boxes + idx[i] * 4;

		if (suppressed[i])
			continue;
		keep[kept++] = idx[i];
		for (size_t oj = oi + 1; oj < m; oj++) {
			size_t j = order[oj].index;
			const float *bj = boxes + idx[j] * 4;

			if (suppressed[j])
				continue;
			float xx1 = bi[0] > bj[0] ? bi[0] : bj[0];
			float yy1 = bi[1] > bj[1] ? bi[1] : bj[1];
			float xx2 = bi[2] < bj[2] ? bi[2] : bj[2];
			float yy2 = bi[3] < bj[3] ? bi[3] : bj[3];
			float w = xx2 - xx1 > 0 ? xx2 - xx1 : 0;
			float h = yy2 - yy1 > 0 ? yy2 - yy1 : 0;
			float inter = w * h;
			float iou = inter / (area[i] + area[j] - inter);

			if (iou > thresh)
				suppressed[j] = true;
		}
	}
	free(order);
	free(suppressed);
	free(area);
	return kept;
}

long nms(const float *boxes, const float *scores, size_t n, double thresh, size_t *keep)
{
	size_t *idx = malloc((n ? n : 1) * sizeof(*idx));
	long kept;

	if (!idx)
		return tt_error(-ENOMEM, "nms: out of memory for %zu boxes", n);
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	kept = nms_subset(boxes, scores, idx, n, thresh, keep);
	free(idx);
	return kept;
}

static int by_group(const void *a, const void *b, void *groups)
{
	const int64_t *g = groups;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (g[x] != g[y])
		return g[x] < g[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* Up to 1000 boxes: every group moved apart by (max coordinate + 1) * group. */
static long batched_by_offset(const float *boxes, const float *scores, const int64_t *groups,
			      size_t n, double thresh, size_t *keep)
{
	float *moved = malloc(n * 4 * sizeof(float));
	float max = boxes[0];
	long kept;

	if (!moved)
		return tt_error(-ENOMEM, "nms: out of memory for %zu boxes", n);
	for (size_t i = 0; i < n * 4; i++)
		max = boxes[i] > max ? boxes[i] : max;
	for (size_t i = 0; i < n; i++) {
		float offset = (float)groups[i] * (max + 1.0f);

		for (int k = 0; k < 4; k++)
			moved[i * 4 + k] = boxes[i * 4 + k] + offset;
	}
	kept = nms(moved, scores, n, thresh, keep);
	free(moved);
	return kept;
}

/* More boxes: NMS group by group, then all kept boxes by descending score. */
static long batched_by_group(const float *boxes, const float *scores, const int64_t *groups,
			     size_t n, double thresh, size_t *keep)
{
	size_t *idx = malloc(n * sizeof(*idx));
	struct ranked *all = malloc(n * sizeof(*all));
	long kept = 0;

	if (!idx || !all) {
		free(idx);
		free(all);
		return tt_error(-ENOMEM, "nms: out of memory for %zu boxes", n);
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), by_group, (void *)groups);
	for (size_t start = 0, end; start < n; start = end) {
		long k;

		for (end = start; end < n && groups[idx[end]] == groups[idx[start]]; end++)
			;
		k = nms_subset(boxes, scores, idx + start, end - start, thresh, keep + kept);
		if (k < 0) {
			free(idx);
			free(all);
			return k;
		}
		kept += k;
	}
	/* torchvision sorts the kept indices (ascending) by score. */
	for (long i = 0; i < kept; i++)
		all[i] = (struct ranked){ scores[keep[i]], keep[i] };
	qsort(all, (size_t)kept, sizeof(*all), by_score);
	for (long i = 0; i < kept; i++)
		keep[i] = all[i].index;
	free(idx);
	free(all);
	return kept;
}

long batched_nms(const float *boxes, const float *scores, const int64_t *groups, size_t n,
		 double thresh, size_t *keep)
{
	if (!n)
		return 0;
	if (n * 4 > 4000)
		return batched_by_group(boxes, scores, groups, n, thresh, keep);
	return batched_by_offset(boxes, scores, groups, n, thresh, keep);
}
