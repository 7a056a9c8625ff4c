/* SPDX-License-Identifier: MIT */
/*
 * torchvision's FeaturePyramidNetwork with LastLevelMaxPool on the device:
 * lateral 1x1 convs (inner_blocks) of the inputs (C2..C5 in R50-FPN) to
 * 256 channels (or as the weights say), the top-down pass (nearest
 * upsampling added to each lateral), 3x3 output convs (layer_blocks)
 * giving P2..P5, and the pool level P6 = P5[::2, ::2]. All convs have
 * biases and no norm or activation. The inputs are as many as the weights
 * have inner_blocks (1..4).
 */
#ifndef MODEL_FPN_H
#define MODEL_FPN_H

#include "../ops/ops.h"
#include "../weights.h"

#define FPN_MAX_INPUTS 4

struct fpn;

/* Weights backbone.fpn.{inner,layer}_blocks.{0..3}.0.{weight,bias} (either spelling). */
int fpn_create(struct tt_device *dev, const struct weights *w, const struct op_precision *prec,
	       struct fpn **fpn);
void fpn_destroy(struct fpn *fpn);
unsigned fpn_inputs(const struct fpn *fpn);
/* Channels of every output. */
uint32_t fpn_channels(const struct fpn *fpn);
/*
 * c[0 .. inputs - 1]: the body's outputs, finest first (C2..C5). The
 * outputs stay valid until the next forward or destroy.
 */
int fpn_forward(struct fpn *fpn, struct tt_cq *cq, const struct op_tensor *const *c,
		struct op_stats *stats);
/* After a forward: output i, 0 .. inputs (P2..P6; the last is the pool level). */
const struct op_tensor *fpn_output(const struct fpn *fpn, int i);

#endif
