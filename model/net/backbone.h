/* SPDX-License-Identifier: MIT */
/*
 * The ResNet body of torchvision's resnet_fpn_backbone on the device:
 * conv1 (7x7/s2) + folded bn1 + relu, max pool 3x3/s2, then layer1..4 of
 * bottlenecks (ResNet-50/101, stride on the 3x3 as v1.5) or basic blocks
 * (ResNet-18/34, or fewer layers as the weights have them), every conv with its batch norm folded in, built from
 * model/ops. Outputs C2..C5 (strides 4, 8, 16, 32) stay on the device.
 */
#ifndef MODEL_BACKBONE_H
#define MODEL_BACKBONE_H

#include "../ops/ops.h"
#include "../weights.h"

struct backbone;

/*
 * Weights with torchvision's names (backbone.body.conv1.weight,
 * backbone.body.layer1.0.bn1.weight, ...); the layers and blocks are those
 * the weights hold (layer1.0 .. as far as they go), bottlenecks when a
 * block has a conv3.
 */
int backbone_create(struct tt_device *dev, const struct weights *w,
		    const struct op_precision *prec, struct backbone **bb);
void backbone_destroy(struct backbone *bb);
/* Layers (1..4) the body computes. */
unsigned backbone_layers(const struct backbone *bb);

/*
 * Runs the body on image (3 channels, the transformed and padded input).
 * The results stay valid until the next forward or destroy.
 */
int backbone_forward(struct backbone *bb, struct tt_cq *cq, const struct op_tensor *image,
		     struct op_stats *stats);

/*
 * After a forward: level 1 the stem (relu(bn1(conv1)), before the pool),
 * 2..1 + layers the outputs of layer1.. (C2..).
 */
const struct op_tensor *backbone_output(const struct backbone *bb, int level);

#endif
