/* SPDX-License-Identifier: MIT */
/*
 * torchvision's RPNHead on the device: a shared 3x3 conv + relu over each
 * FPN level, then the 1x1 objectness (A channels) and box delta (4A)
 * convs, run as one 1x1 conv of 5A channels: channels 0..A-1 are the
 * logits, A..5A-1 the deltas (anchor a's dx, dy, dw, dh at A + 4a ..).
 */
#ifndef MODEL_RPN_HEAD_H
#define MODEL_RPN_HEAD_H

#include "../ops/ops.h"
#include "../weights.h"

#define RPN_LEVELS 5

struct rpn_head;

/* Weights rpn.head.conv.0.0.*, rpn.head.cls_logits.*, rpn.head.bbox_pred.* (either spelling). */
int rpn_head_create(struct tt_device *dev, const struct weights *w,
		    const struct op_precision *prec, struct rpn_head **head);
void rpn_head_destroy(struct rpn_head *head);
/* Anchors per location (A). */
uint32_t rpn_head_anchors(const struct rpn_head *head);
/*
 * p: the FPN levels (P2..P6), 1..RPN_LEVELS of them. The outputs stay
 * valid until the next forward or destroy.
 */
int rpn_head_forward(struct rpn_head *head, struct tt_cq *cq, const struct op_tensor *const *p,
		     unsigned levels, struct op_stats *stats);
/* After a forward: level 0 .. levels - 1's output, 5A channels (see above). */
const struct op_tensor *rpn_head_output(const struct rpn_head *head, int level);

#endif
