// SPDX-License-Identifier: MIT
/*
 * RPNHead on the device (see rpn_head.h): two op_convs shared by the
 * levels, the second the objectness and delta convs stacked.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rpn_head.h"
#include "ttuser.h"

struct rpn_head {
	struct tt_device *dev;
	struct op_precision prec;
	struct op_conv *conv, *pred;
	uint32_t c, a;
	struct op_tensor mid[RPN_LEVELS], out[RPN_LEVELS];
	uint32_t size[RPN_LEVELS][2];
	unsigned levels;		/* the tensors are made for */
	bool made;
};

static int tensor(const struct weights *w, const char *name, int ndim, const int64_t *shape,
		  const float **data)
{
	return weights_f32(w, name, ndim, shape, data);
}

int rpn_head_create(struct tt_device *dev, const struct weights *w,
		    const struct op_precision *prec, struct rpn_head **out)
{
	const int64_t conv_shape[4] = { -1, -1, 3, 3 }, one[4] = { -1, -1, 1, 1 };
	const float *cw, *cb, *lw, *lb, *bw, *bbias;
	const struct weights_tensor *t;
	struct rpn_head *h;
	float *pw = NULL, *pb = NULL;
	int64_t n;
	int ret;

	if (!dev || !w || !prec || !out)
		return tt_error(-EINVAL, "rpn_head_create: NULL argument");
	*out = NULL;
	if ((ret = tensor(w, "rpn.head.conv.0.0.weight", 4, conv_shape, &cw)))
		return ret;
	t = weights_find(w, "rpn.head.conv.0.0.weight");
	n = t->shape[0];
	if (t->shape[1] != n)
		return tt_error(-EINVAL, "rpn head: conv is %lld -> %lld channels, must be square",
				(long long)t->shape[1], (long long)n);
	if ((ret = tensor(w, "rpn.head.conv.0.0.bias", 1, &n, &cb)) ||
	    (ret = tensor(w, "rpn.head.cls_logits.weight", 4, one, &lw)) ||
	    (ret = tensor(w, "rpn.head.bbox_pred.weight", 4, one, &bw)))
		return ret;
	h = calloc(1, sizeof(*h));
	if (!h)
		return tt_error(-ENOMEM, "rpn_head_create: out of memory");
	h->dev = dev;
	h->prec = *prec;
	h->c = (uint32_t)n;
	h->a = (uint32_t)weights_find(w, "rpn.head.cls_logits.weight")->shape[0];
	{
		int64_t a = h->a, a4 = 4 * (int64_t)h->a, c = n;
		const int64_t lshape[4] = { a, c, 1, 1 }, bshape[4] = { a4, c, 1, 1 };

		if ((ret = tensor(w, "rpn.head.cls_logits.weight", 4, lshape, &lw)) ||
		    (ret = tensor(w, "rpn.head.bbox_pred.weight", 4, bshape, &bw)) ||
		    (ret = tensor(w, "rpn.head.cls_logits.bias", 1, &a, &lb)) ||
		    (ret = tensor(w, "rpn.head.bbox_pred.bias", 1, &a4, &bbias)))
			goto fail;
	}
	pw = malloc((size_t)5 * h->a * h->c * sizeof(float));
	pb = malloc((size_t)5 * h->a * sizeof(float));
	if (!pw || !pb) {
		ret = tt_error(-ENOMEM, "rpn_head_create: out of memory");
		goto fail;
	}
	memcpy(pw, lw, (size_t)h->a * h->c * sizeof(float));
	memcpy(pw + (size_t)h->a * h->c, bw, (size_t)4 * h->a * h->c * sizeof(float));
	memcpy(pb, lb, h->a * sizeof(float));
	memcpy(pb + h->a, bbias, 4 * h->a * sizeof(float));
	ret = op_conv_create(dev, &(struct op_conv_desc){
				     .in_c = h->c, .out_c = h->c, .kh = 3, .kw = 3, .stride = 1,
				     .pad = 1, .dilation = 1, .relu = true,
			     }, cw, cb, prec, &h->conv);
	if (!ret)
		ret = op_conv_create(dev, &(struct op_conv_desc){
					     .in_c = h->c, .out_c = 5 * h->a, .kh = 1, .kw = 1,
					     .stride = 1, .dilation = 1,
				     }, pw, pb, prec, &h->pred);
	if (ret)
		goto fail;
	free(pw);
	free(pb);
	*out = h;
	return 0;
fail:
	free(pw);
	free(pb);
	rpn_head_destroy(h);
	return ret;
}

static void free_tensors(struct rpn_head *h)
{
	int l;

	for (l = 0; l < RPN_LEVELS; l++) {
		op_tensor_destroy(&h->mid[l]);
		op_tensor_destroy(&h->out[l]);
	}
	h->made = false;
}

void rpn_head_destroy(struct rpn_head *h)
{
	if (!h)
		return;
	free_tensors(h);
	op_conv_destroy(h->conv);
	op_conv_destroy(h->pred);
	free(h);
}

uint32_t rpn_head_anchors(const struct rpn_head *h)
{
	return h ? h->a : 0;
}

int rpn_head_forward(struct rpn_head *h, struct tt_cq *cq, const struct op_tensor *const *p,
		     unsigned levels, struct op_stats *stats)
{
	int l, n = (int)levels, ret;

	if (!h || !cq || !p)
		return tt_error(-EINVAL, "rpn_head_forward: NULL argument");
	if (levels < 1 || levels > RPN_LEVELS)
		return tt_error(-EINVAL, "rpn head: %u levels, must be 1..%d", levels, RPN_LEVELS);
	if (h->made && h->levels != levels)
		free_tensors(h);
	for (l = 0; l < n; l++) {
		if ((ret = op_tensor_check(p[l], "rpn head input")))
			return ret;
		if (h->made && (h->size[l][0] != p[l]->h || h->size[l][1] != p[l]->w))
			free_tensors(h);
	}
	for (l = 0; l < n && !h->made; l++) {
		ret = op_tensor_create(h->dev, p[l]->h, p[l]->w, h->c, h->prec.act, &h->mid[l]);
		if (!ret)
			ret = op_tensor_create(h->dev, p[l]->h, p[l]->w, 5 * h->a, h->prec.act,
					       &h->out[l]);
		if (ret) {
			free_tensors(h);
			return ret;
		}
		h->size[l][0] = p[l]->h;
		h->size[l][1] = p[l]->w;
	}
	h->made = true;
	h->levels = levels;
	for (l = 0; l < n; l++)
		if ((ret = op_conv_run(h->conv, cq, p[l], &h->mid[l], stats)) ||
		    (ret = op_conv_run(h->pred, cq, &h->mid[l], &h->out[l], stats)))
			return ret;
	return 0;
}

const struct op_tensor *rpn_head_output(const struct rpn_head *h, int level)
{
	if (!h || !h->made || level < 0 || level >= (int)h->levels)
		return NULL;
	return &h->out[level];
}
