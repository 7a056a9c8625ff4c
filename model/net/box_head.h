/* SPDX-License-Identifier: MIT */
/*
 * torchvision's TwoMLPHead and FastRCNNPredictor on the device: fc6 + relu,
 * fc7 + relu, then cls_score and bbox_pred stacked as one linear layer:
 * output channels 0..K-1 are the class logits, K..5K-1 the box deltas.
 * Rows are RoIs. fc6 takes a RoI's pooled bins as op_roi_align leaves
 * them, (y, x, c) -- torch flattens (c, y, x), so fc6's weight columns
 * are permuted to match -- and, when a row is too wide for one tensor
 * page, in parts of whole bins (op_roi_align_run_parts).
 */
#ifndef MODEL_BOX_HEAD_H
#define MODEL_BOX_HEAD_H

#include "../ops/ops.h"
#include "../weights.h"

struct box_head;

/*
 * Weights roi_heads.box_head.fc{6,7}.*, roi_heads.box_predictor.{cls_score,bbox_pred}.*;
 * channels: those of the pooled maps (fc6's inputs are bins of them).
 */
int box_head_create(struct tt_device *dev, const struct weights *w, uint32_t channels,
		    const struct op_precision *prec, struct box_head **head);
void box_head_destroy(struct box_head *head);
uint32_t box_head_classes(const struct box_head *head);
uint32_t box_head_in_features(const struct box_head *head);

/* The input tensors (and outputs) for n rows, made when n changes. */
int box_head_prepare(struct box_head *head, uint32_t n);
/*
 * After a prepare: *nparts input tensors, part i 1 x n x (its bins *
 * channels), for op_roi_align_run_parts to fill. NULL before.
 */
struct op_tensor *const *box_head_inputs(struct box_head *head, uint32_t *nparts);
/* The head on its inputs' n rows. Outputs stay valid until the next run. */
int box_head_run(struct box_head *head, struct tt_cq *cq, struct op_stats *stats);
/* features: float [n][in_features] in torch's (c, y, x) order, written to the inputs, then run. */
int box_head_forward(struct box_head *head, struct tt_cq *cq, const float *features, uint32_t n,
		     struct op_stats *stats);
/* The inputs of the last run read back in torch's order: float [n][in_features]. */
int box_head_read_features(struct box_head *head, struct tt_cq *cq, float *features);
/* After a run: 0 fc6, 1 fc7, 2 the predictions (1 x n x 5K). */
const struct op_tensor *box_head_output(const struct box_head *head, int stage);

#endif
