// SPDX-License-Identifier: MIT
/*
 * RoIHeads.postprocess_detections (eval): class-specific box decoding,
 * softmax, clip, drop the background class, score > threshold, drop tiny
 * boxes, NMS per class, best detections_per_img. And the transform's
 * postprocess: boxes back to the original image size.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ttuser.h"
#include "detection.h"

const struct postprocess_config postprocess_default = {
	.score_thresh = 0.05f,
	.min_size = 1e-2f,
	.nms_thresh = 0.5,
	.detections_per_img = 100,
};

/* softmax over k logits: exp(x - max), times 1 / sum. */
static void softmax(const float *x, int k, float *out)
{
	float max = x[0], sum = 0;

	for (int j = 1; j < k; j++)
		max = x[j] > max ? x[j] : max;
	for (int j = 0; j < k; j++) {
		out[j] = expf(x[j] - max);
		sum += out[j];
	}
	float inv = 1.0f / sum;

	for (int j = 0; j < k; j++)
		out[j] *= inv;
}

long postprocess_detections(const struct postprocess_config *c, const float *class_logits,
			    const float *box_regression, const float *proposals, size_t n, int k,
			    int img_h, int img_w, struct detection *out)
{
	size_t per = (size_t)(k > 1 ? k - 1 : 1), cap = n * per, m = 0;
	float *decoded = NULL, *prob = NULL, *cb = NULL, *cs = NULL;
	int64_t *cl = NULL;
	size_t *keep = NULL;
	long kept;

	if (k < 2 || c->detections_per_img < 0)
		return tt_error(-EINVAL, "postprocess: %d classes (background included) and %d detections",
				k, c->detections_per_img);
	decoded = malloc((n ? n : 1) * (size_t)k * 4 * sizeof(float));
	prob = malloc((size_t)k * sizeof(float));
	cb = malloc((cap ? cap : 1) * 4 * sizeof(float));
	cs = malloc((cap ? cap : 1) * sizeof(float));
	cl = malloc((cap ? cap : 1) * sizeof(*cl));
	keep = malloc((cap ? cap : 1) * sizeof(*keep));
	if (!decoded || !prob || !cb || !cs || !cl || !keep) {
		kept = tt_error(-ENOMEM, "postprocess: out of memory for %zu proposals", n);
		goto out;
	}
	box_decode(&box_coder_roi, proposals, n, box_regression, (size_t)k, decoded);
	boxes_clip(decoded, n * (size_t)k, (float)img_h, (float)img_w);
	/* Candidates in (proposal, class) order, background left out. */
	for (size_t i = 0; i < n; i++) {
		softmax(class_logits + i * (size_t)k, k, prob);
		for (int j = 1; j < k; j++) {
			const float *b = decoded + (i * (size_t)k + (size_t)j) * 4;

			if (!(prob[j] > c->score_thresh) || box_is_small(b, c->min_size))
				continue;
			memcpy(cb + m * 4, b, 4 * sizeof(float));
			cs[m] = prob[j];
			cl[m++] = j;
		}
	}
	kept = batched_nms(cb, cs, cl, m, c->nms_thresh, keep);
	if (kept < 0)
		goto out;
	if (kept > c->detections_per_img)
		kept = c->detections_per_img;
	for (long i = 0; i < kept; i++) {
		memcpy(out[i].box, cb + keep[i] * 4, 4 * sizeof(float));
		out[i].score = cs[keep[i]];
		out[i].label = (int)cl[keep[i]];
	}
out:
	free(decoded);
	free(prob);
	free(cb);
	free(cs);
	free(cl);
	free(keep);
	return kept;
}

void detections_rescale(struct detection *d, size_t n, int rh, int rw, int oh, int ow)
{
	float ratio_h = (float)oh / (float)rh, ratio_w = (float)ow / (float)rw;

	for (size_t i = 0; i < n; i++) {
		d[i].box[0] *= ratio_w;
		d[i].box[1] *= ratio_h;
		d[i].box[2] *= ratio_w;
		d[i].box[3] *= ratio_h;
	}
}
