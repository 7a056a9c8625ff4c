// SPDX-License-Identifier: MIT
/* The box head and predictor on the device (see box_head.h), as three linear layers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box_head.h"
#include "../libttuser/internal.h"

struct box_head {
	struct tt_device *dev;
	struct op_precision prec;
	struct op_conv *fc[3];
	uint32_t in, hidden, k;
	struct op_tensor x, out[3];
	uint32_t rows;			/* n the tensors are made for; 0: none */
};

static int linear(struct box_head *h, const struct weights *w, const char *name,
		  int64_t in, bool relu, struct op_conv **out, uint32_t *out_features)
{
	const int64_t shape[2] = { -1, in };
	const struct weights_tensor *t;
	const float *wt, *bias;
	char n[96];
	int64_t o;
	int ret;

	snprintf(n, sizeof(n), "%s.weight", name);
	if ((ret = weights_f32(w, n, 2, shape, &wt)))
		return ret;
	t = weights_find(w, n);
	o = t->shape[0];
	snprintf(n, sizeof(n), "%s.bias", name);
	if ((ret = weights_f32(w, n, 1, &o, &bias)))
		return ret;
	*out_features = (uint32_t)o;
	return op_linear_create(h->dev, (uint32_t)in, (uint32_t)o, wt, bias, relu, &h->prec, out);
}

int box_head_create(struct tt_device *dev, const struct weights *w,
		    const struct op_precision *prec, struct box_head **out)
{
	const int64_t any2[2] = { -1, -1 };
	const float *cw, *cb, *bw, *bb;
	struct box_head *h;
	float *pw = NULL, *pb = NULL;
	int64_t k, k4, hidden;
	int ret;

	if (!dev || !w || !prec || !out)
		return tt_error(-EINVAL, "box_head_create: NULL argument");
	*out = NULL;
	if ((ret = weights_f32(w, "roi_heads.box_head.fc6.weight", 2, any2, &cw)))
		return ret;
	h = calloc(1, sizeof(*h));
	if (!h)
		return tt_error(-ENOMEM, "box_head_create: out of memory");
	h->dev = dev;
	h->prec = *prec;
	h->in = (uint32_t)weights_find(w, "roi_heads.box_head.fc6.weight")->shape[1];
	ret = linear(h, w, "roi_heads.box_head.fc6", h->in, true, &h->fc[0], &h->hidden);
	if (!ret)
		ret = linear(h, w, "roi_heads.box_head.fc7", h->hidden, true, &h->fc[1], &h->hidden);
	if (ret)
		goto fail;
	hidden = h->hidden;
	{
		const int64_t cshape[2] = { -1, hidden };

		if ((ret = weights_f32(w, "roi_heads.box_predictor.cls_score.weight", 2, cshape,
				       &cw)))
			goto fail;
		k = weights_find(w, "roi_heads.box_predictor.cls_score.weight")->shape[0];
		k4 = 4 * k;
		{
			const int64_t bshape[2] = { k4, hidden };

			if ((ret = weights_f32(w, "roi_heads.box_predictor.cls_score.bias", 1, &k,
					       &cb)) ||
			    (ret = weights_f32(w, "roi_heads.box_predictor.bbox_pred.weight", 2,
					       bshape, &bw)) ||
			    (ret = weights_f32(w, "roi_heads.box_predictor.bbox_pred.bias", 1, &k4,
					       &bb)))
				goto fail;
		}
	}
	h->k = (uint32_t)k;
	pw = malloc((size_t)5 * h->k * h->hidden * sizeof(float));
	pb = malloc((size_t)5 * h->k * sizeof(float));
	if (!pw || !pb) {
		ret = tt_error(-ENOMEM, "box_head_create: out of memory");
		goto fail;
	}
	memcpy(pw, cw, (size_t)h->k * h->hidden * sizeof(float));
	memcpy(pw + (size_t)h->k * h->hidden, bw, (size_t)4 * h->k * h->hidden * sizeof(float));
	memcpy(pb, cb, h->k * sizeof(float));
	memcpy(pb + h->k, bb, 4 * h->k * sizeof(float));
	ret = op_linear_create(dev, h->hidden, 5 * h->k, pw, pb, false, prec, &h->fc[2]);
	if (ret)
		goto fail;
	free(pw);
	free(pb);
	*out = h;
	return 0;
fail:
	free(pw);
	free(pb);
	box_head_destroy(h);
	return ret;
}

static void free_tensors(struct box_head *h)
{
	int i;

	op_tensor_destroy(&h->x);
	for (i = 0; i < 3; i++)
		op_tensor_destroy(&h->out[i]);
	h->rows = 0;
}

void box_head_destroy(struct box_head *h)
{
	int i;

	if (!h)
		return;
	free_tensors(h);
	for (i = 0; i < 3; i++)
		op_conv_destroy(h->fc[i]);
	free(h);
}

uint32_t box_head_classes(const struct box_head *h)
{
	return h ? h->k : 0;
}

uint32_t box_head_in_features(const struct box_head *h)
{
	return h ? h->in : 0;
}

int box_head_forward(struct box_head *h, struct tt_cq *cq, const float *features, uint32_t n,
		     struct op_stats *stats)
{
	int i, ret;

	if (!h || !cq || !features)
		return tt_error(-EINVAL, "box_head_forward: NULL argument");
	if (!n)
		return tt_error(-EINVAL, "box_head_forward: no RoIs");
	if (h->rows != n) {
		free_tensors(h);
		if ((ret = op_tensor_create(h->dev, 1, n, h->in, h->prec.act, &h->x)) ||
		    (ret = op_tensor_create(h->dev, 1, n, h->hidden, h->prec.act, &h->out[0])) ||
		    (ret = op_tensor_create(h->dev, 1, n, h->hidden, h->prec.act, &h->out[1])) ||
		    (ret = op_tensor_create(h->dev, 1, n, 5 * h->k, h->prec.act, &h->out[2]))) {
			free_tensors(h);
			return ret;
		}
		h->rows = n;
	}
	ret = op_tensor_write_hwc(cq, &h->x, features);
	for (i = 0; i < 3 && !ret; i++)
		ret = op_conv_run(h->fc[i], cq, i ? &h->out[i - 1] : &h->x, &h->out[i], stats);
	return ret;
}

const struct op_tensor *box_head_output(const struct box_head *h, int stage)
{
	if (!h || !h->rows || stage < 0 || stage > 2)
		return NULL;
	return &h->out[stage];
}
