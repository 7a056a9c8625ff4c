/* SPDX-License-Identifier: MIT */
/*
 * torchvision's FeaturePyramidNetwork with LastLevelMaxPool on the device:
 * lateral 1x1 convs (inner_blocks) of C2..C5 to 256 channels, the
 * top-down pass (nearest upsampling added to each lateral), 3x3 output
 * convs (layer_blocks) giving P2..P5, and P6 = P5[::2, ::2]. All convs
 * have biases and no norm or activation.
 */
#ifndef MODEL_FPN_H
#define MODEL_FPN_H

#include "ops/ops.h"
#include "weights.h"

struct fpn;

/* Weights backbone.fpn.{inner,layer}_blocks.{0..3}.0.{weight,bias} (either spelling). */
int fpn_create(struct tt_device *dev, const struct weights *w, const struct op_precision *prec,
	       struct fpn **fpn);
void fpn_destroy(struct fpn *fpn);
/* c[0..3]: C2..C5. The outputs stay valid until the next forward or destroy. */
int fpn_forward(struct fpn *fpn, struct tt_cq *cq, const struct op_tensor *const c[4],
		struct op_stats *stats);
/* After a forward: level 2..6 is P2..P6. */
const struct op_tensor *fpn_output(const struct fpn *fpn, int level);

#endif
