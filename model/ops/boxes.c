// SPDX-License-Identifier: MIT
/* Boxes on the device (see ops.h): records in pages of 32, and their count. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int op_boxes_create(struct tt_device *dev, uint32_t max, struct op_boxes *b)
{
	struct tt_buffer_config cfg = { .type = TT_BUFFER_DRAM, .page_size = OP_REC_PAGE };
	int ret;

	if (!dev || !b)
		return tt_error(-EINVAL, "op_boxes_create: NULL argument");
	memset(b, 0, sizeof(*b));
	if (max < 1 || max > OP_BOXES_MAX)
		return tt_error(-EINVAL, "op_boxes_create: %u boxes, need 1..%u", max,
				OP_BOXES_MAX);
	cfg.size = (uint64_t)OP_REC_PAGE * OP_DIV_UP(max, 32);
	ret = tt_buffer_create(dev, &cfg, &b->recs);
	if (!ret) {
		cfg.page_size = cfg.size = 32;
		ret = tt_buffer_create(dev, &cfg, &b->count);
	}
	if (ret) {
		op_boxes_destroy(b);
		return ret;
	}
	b->max = max;
	return 0;
}

void op_boxes_destroy(struct op_boxes *b)
{
	if (!b)
		return;
	tt_buffer_destroy(b->recs);
	tt_buffer_destroy(b->count);
	memset(b, 0, sizeof(*b));
}

int op_boxes_check(const struct op_boxes *b, const char *what)
{
	if (!b || !b->recs || !b->count || b->max < 1)
		return tt_error(-EINVAL, "%s: boxes not made by op_boxes_create", what);
	return 0;
}

int op_boxes_write(struct tt_cq *cq, struct op_boxes *b, const float *boxes, const float *scores,
		   uint32_t n)
{
	uint32_t count[8] = { n }, *recs, i;
	int ret;

	if (!cq || (n && !boxes))
		return tt_error(-EINVAL, "op_boxes_write: NULL argument");
	if ((ret = op_boxes_check(b, "op_boxes_write")))
		return ret;
	if (n > b->max)
		return tt_error(-EINVAL, "op_boxes_write: %u boxes, made for up to %u", n, b->max);
	for (i = 0; i < 4 * n; i++)
		if (!(fabsf(boxes[i]) <= 0x1p24f))
			return tt_error(-EINVAL, "op_boxes_write: box %u has coordinate %g", i / 4,
					(double)boxes[i]);
	for (i = 0; scores && i < n; i++)
		if (!isfinite(scores[i]))
			return tt_error(-EINVAL, "op_boxes_write: box %u has score %g", i,
					(double)scores[i]);
	recs = calloc(OP_DIV_UP(b->max, 32), OP_REC_PAGE);
	if (!recs)
		return tt_error(-ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		memcpy(recs + OP_REC_WORDS * i, boxes + 4 * i, 16);
		if (scores)
			memcpy(recs + OP_REC_WORDS * i + 4, scores + i, 4);
	}
	ret = tt_cq_write_buffer(cq, b->recs, recs, false);
	if (!ret)
		ret = tt_cq_write_buffer(cq, b->count, count, false);
	free(recs);
	return ret;
}

long op_boxes_read_records(struct tt_cq *cq, const struct op_boxes *b, uint32_t *recs)
{
	uint32_t count[8];
	int ret;

	if ((ret = tt_cq_read_buffer(cq, b->count, count, true)))
		return ret;
	if (count[0] > b->max)
		return tt_error(-EIO, "op_boxes: a count of %u for up to %u boxes", count[0],
				b->max);
	if (recs && count[0] && (ret = tt_cq_read_buffer(cq, b->recs, recs, true)))
		return ret;
	return count[0];
}

long op_boxes_read(struct tt_cq *cq, const struct op_boxes *b, float *boxes, float *scores)
{
	uint32_t *recs = NULL;
	long n, i;
	int ret;

	if (!cq)
		return tt_error(-EINVAL, "op_boxes_read: NULL argument");
	if ((ret = op_boxes_check(b, "op_boxes_read")))
		return ret;
	if ((boxes || scores) && !(recs = malloc((size_t)OP_DIV_UP(b->max, 32) * OP_REC_PAGE)))
		return tt_error(-ENOMEM, "out of memory");
	n = op_boxes_read_records(cq, b, recs);
	for (i = 0; recs && i < n; i++) {
		if (boxes)
			memcpy(boxes + 4 * i, recs + OP_REC_WORDS * i, 16);
		if (scores)
			memcpy(scores + i, recs + OP_REC_WORDS * i + 4, 4);
	}
	free(recs);
	return n;
}
