/* SPDX-License-Identifier: MIT */
/*
 * The detection steps of torchvision 0.14's Faster-RCNN as plain C on the host:
 * the input transform, anchors, box decoding, box clipping and filtering, NMS,
 * RPN proposal filtering, MultiScaleRoIAlign and the final postprocess. They
 * follow torchvision's CPU code operation by operation in float32, and are the
 * reference the device programs are tested against.
 *
 * Boxes are float[4] (x1, y1, x2, y2) in pixels of the transformed image.
 * Feature maps are CHW float32.
 */
#ifndef MODEL_DETECTION_H
#define MODEL_DETECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- transform.c: GeneralizedRCNNTransform (eval) ------------------- */
struct transform_config {
	int min_size, max_size;		/* 800/1333 in torchvision; 320/320 as our preset */
	int size_divisible;		/* 32 */
	float mean[3], std[3];
};
extern const struct transform_config transform_default;	/* torchvision's mean/std, 320/320 */

/* The resized (unpadded) size of an h x w image, and the padded size. */
void transform_sizes(const struct transform_config *c, int h, int w, int *rh, int *rw,
		     int *ph, int *pw);
/*
 * Normalise with mean/std, resize bilinearly (align_corners=False, scale as
 * torchvision computes it) and zero-pad bottom/right to size_divisible.
 * image is CHW [3][h][w] in [0, 1]; out is [3][ph][pw] from transform_sizes.
 */
int transform_image(const struct transform_config *c, const float *image, int h, int w, float *out);

/* ---- anchors.c: AnchorGenerator --------------------------------------- */
#define ANCHOR_MAX_LEVELS 8
#define ANCHOR_MAX_PER_CELL 16
struct anchor_config {
	int nlevels;
	int nsizes;			/* sizes per level */
	float sizes[ANCHOR_MAX_LEVELS][4];
	int nratios;
	float ratios[4];		/* height / width */
};
extern const struct anchor_config anchors_r50_fpn;	/* 32..512, one size per level; 0.5, 1, 2 */

size_t anchors_per_cell(const struct anchor_config *c);
/*
 * Anchors of every level for a padded image of img_h x img_w and feature maps
 * of feat_h[l] x feat_w[l], in torchvision's order (level, y, x, anchor).
 * out holds sum(feat_h * feat_w) * anchors_per_cell * 4 floats.
 */
int anchors_generate(const struct anchor_config *c, int img_h, int img_w, const int *feat_h,
		     const int *feat_w, float *out);

/* ---- box_coder.c: BoxCoder.decode ------------------------------------ */
struct box_coder {
	float wx, wy, ww, wh;
	float clip;			/* dw, dh clamp: log(1000 / 16) */
};
extern const struct box_coder box_coder_rpn;	/* weights 1, 1, 1, 1 */
extern const struct box_coder box_coder_roi;	/* weights 10, 10, 5, 5 */

/* n reference boxes, deltas [n][k][4] -> out [n][k][4]. */
void box_decode(const struct box_coder *c, const float *boxes, size_t n, const float *deltas,
		size_t k, float *out);

/* ---- boxes.c: clip_boxes_to_image, remove_small_boxes --------------- */
void boxes_clip(float *boxes, size_t n, float h, float w);
bool box_is_small(const float *box, float min_size);

/* ---- nms.c: torchvision.ops.nms / batched_nms (CPU) ----------------- */
/*
 * Indices of the boxes kept, by descending score, into keep[n]; returns how
 * many, or -ENOMEM. A box is dropped when its IoU with a kept, higher-scoring
 * one is > thresh (IoU without +1). batched_nms only compares boxes of the
 * same group, and takes torchvision's two CPU paths: up to 1000 boxes it
 * offsets each group's coordinates apart and runs one NMS, above that it runs
 * NMS group by group (the results can differ in the last bits of an IoU).
 */
long nms(const float *boxes, const float *scores, size_t n, double thresh, size_t *keep);
long batched_nms(const float *boxes, const float *scores, const int64_t *groups, size_t n,
		 double thresh, size_t *keep);

/* ---- proposals.c: RegionProposalNetwork.filter_proposals (eval) ----- */
struct rpn_config {
	int pre_nms_top_n;		/* per level: 1000 */
	int post_nms_top_n;		/* 1000 */
	double nms_thresh;		/* 0.7 */
	float score_thresh;		/* 0.0 */
	float min_size;			/* 1e-3 */
};
extern const struct rpn_config rpn_default;

/*
 * decoded [N][4] and objectness logits [N] over all levels (level_counts[l]
 * each, in anchor order); img_h x img_w the unpadded image. Writes up to
 * post_nms_top_n boxes and sigmoid scores; returns their number or -errno.
 */
long rpn_filter_proposals(const struct rpn_config *c, const float *decoded, const float *objectness,
			  const size_t *level_counts, int nlevels, int img_h, int img_w,
			  float *boxes, float *scores);

/* ---- roi_align.c: roi_align (aligned=False) and MultiScaleRoIAlign --- */
struct feature_map {
	const float *data;		/* [c][h][w] */
	int c, h, w;
};

/*
 * One box per output [c][pooled][pooled]; spatial_scale maps image to feature
 * pixels; sampling_ratio <= 0 samples ceil(bin size) points per bin side.
 */
int roi_align(const struct feature_map *f, double spatial_scale, int pooled, int sampling_ratio,
	      bool aligned, const float *boxes, size_t n, float *out);

/*
 * torchvision's MultiScaleRoIAlign over nlevels maps (the scale of each is
 * inferred from its height against img_h, the unpadded height) with its
 * LevelMapper (canonical size 224 at level 4). level[i] receives the map
 * index each box went to when non-NULL. out is [n][c][pooled][pooled].
 */
int multiscale_roi_align(const struct feature_map *maps, int nlevels, int img_h, int img_w,
			 const float *boxes, size_t n, int pooled, int sampling_ratio, float *out,
			 int *level);

/*
 * Its parts: the scale of each level (a power of 2) from the levels'
 * heights, and the first level's number (log2 of its stride); then the
 * level index (0 .. nlevels - 1) the LevelMapper gives a box.
 */
int roi_level_mapper(const int *heights, int nlevels, int img_h, double *scale, int *lvl_min);
int roi_level(const float *box, int lvl_min, int nlevels);
/*
 * The same as sizes: bound[k - 1] (k = 1 .. nlevels - 1) is the least
 * float s that the LevelMapper takes, as the square root of a box's area,
 * to level lvl_min + k or above; roi_level is the number of bounds that
 * sqrtf(area) reaches, for every box (for the device, which has no log2).
 */
int roi_level_bounds(int lvl_min, int nlevels, float *bound);

/* ---- postprocess.c: RoIHeads.postprocess_detections, transform.postprocess */
struct detection {
	float box[4];
	float score;
	int label;
};
struct postprocess_config {
	float score_thresh;		/* 0.05, strict */
	float min_size;			/* 1e-2 */
	double nms_thresh;		/* 0.5, per class */
	int detections_per_img;		/* 100 */
};
extern const struct postprocess_config postprocess_default;

/*
 * class_logits [n][k], box_regression [n][k*4] and the n proposals; writes
 * up to detections_per_img detections (labels 1..k-1) by descending score;
 * returns their number or -errno.
 */
long postprocess_detections(const struct postprocess_config *c, const float *class_logits,
			    const float *box_regression, const float *proposals, size_t n, int k,
			    int img_h, int img_w, struct detection *out);
/* Boxes from the resized image (rh x rw) back to the original (oh x ow). */
void detections_rescale(struct detection *d, size_t n, int rh, int rw, int oh, int ow);

#endif
