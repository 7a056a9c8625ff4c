/* SPDX-License-Identifier: MIT */
/*
 * The Faster-RCNN network read from its weights: the ResNet body (basic or
 * bottleneck blocks, as many layers as the FPN uses), the FPN with its
 * max-pool level, the RPN head and the box head, with every batch norm
 * folded into its convolution. Its forward passes run on the host with
 * model/reference/layers.h and are the reference for the device programs.
 */
#ifndef MODEL_NETWORK_H
#define MODEL_NETWORK_H

#include "detection.h"
#include "layers.h"
#include "../weights.h"

#define NETWORK_MAX_LEVELS 5	/* FPN levels including the pool level */

struct network;

/* Builds the network from converted weights; errors name the missing or odd tensor. */
int network_load(const struct weights *w, struct network **out);
void network_free(struct network *n);

int network_fpn_levels(const struct network *n);	/* FPN maps, the pool level included */
int network_classes(const struct network *n);		/* background included */

/*
 * The transformed image [3][h][w] through body and FPN: body[i] are the
 * returned ResNet layers (C2..), fpn[i] the FPN maps (P2.. and the pool
 * level). Either may be NULL. The caller frees what it gets.
 */
int network_backbone(const struct network *n, const struct fmap *image, struct fmap *body,
		     struct fmap *fpn);

/* The RPN head on each FPN level: objectness [A][h][w], deltas [4A][h][w]. */
int network_rpn_head(const struct network *n, const struct fmap *fpn, struct fmap *objectness,
		     struct fmap *deltas);

/*
 * The box head on pooled RoI features [rois][c][7][7]: fc6 and fc7 (with
 * relu) of representation size, then class logits [rois][k] and box
 * regression [rois][4k]. fc6/fc7 may be NULL.
 */
int network_box_head(const struct network *n, const float *features, size_t rois, float *fc6,
		     float *fc7, float *class_logits, float *box_regression);
int network_representation(const struct network *n);

#endif
