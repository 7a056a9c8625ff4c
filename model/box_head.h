/* SPDX-License-Identifier: MIT */
/*
 * torchvision's TwoMLPHead and FastRCNNPredictor on the device: fc6 + relu,
 * fc7 + relu, then cls_score and bbox_pred stacked as one linear layer:
 * output channels 0..K-1 are the class logits, K..5K-1 the box deltas.
 * Rows are RoIs; the input row of a RoI is its pooled features flattened
 * as torch does (channel, y, x).
 */
#ifndef MODEL_BOX_HEAD_H
#define MODEL_BOX_HEAD_H

#include "ops/ops.h"
#include "weights.h"

struct box_head;

/* Weights roi_heads.box_head.fc{6,7}.*, roi_heads.box_predictor.{cls_score,bbox_pred}.*. */
int box_head_create(struct tt_device *dev, const struct weights *w,
		    const struct op_precision *prec, struct box_head **head);
void box_head_destroy(struct box_head *head);
uint32_t box_head_classes(const struct box_head *head);
uint32_t box_head_in_features(const struct box_head *head);
/* features: float [n][in_features]. Outputs stay valid until the next forward. */
int box_head_forward(struct box_head *head, struct tt_cq *cq, const float *features, uint32_t n,
		     struct op_stats *stats);
/* After a forward: 0 fc6, 1 fc7, 2 the predictions (1 x n x 5K). */
const struct op_tensor *box_head_output(const struct box_head *head, int stage);

#endif
