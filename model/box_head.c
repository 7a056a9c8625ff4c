// SPDX-License-Identifier: MIT
/*
 * The box head and predictor on the device (see box_head.h), as three
 * linear layers. An input row too wide for one tensor page (32 rows of
 * 12544 fp32 features are 1.6 MB; a page holds 1 MiB) is split by
 * columns: fc6 is then the sum of linear layers over the parts (the bias
 * in the first), added up with the relu in the last add.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box_head.h"
#include "../libttuser/internal.h"

#define MAX_PARTS	4
#define MAX_PAGE	(1u << 20)

struct box_head {
	struct tt_device *dev;
	struct op_precision prec;
	struct op_conv *fc[3];		/* fc[0] NULL when fc6 is in parts */
	struct op_conv *part[MAX_PARTS];
	uint32_t nparts, part_c[MAX_PARTS];
	uint32_t in, hidden, k;
	/* inputs, fc6's partial results and their running sums (parts > 1), outputs */
	struct op_tensor x[MAX_PARTS], y[MAX_PARTS], sum[MAX_PARTS], out[3];
	float *cols;			/* a part's input columns */
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

/* fc6 whole, or in parts of at most a page per 32 rows. */
static int make_fc6(struct box_head *h, const struct weights *w)
{
	uint32_t es = h->prec.act == TT_FORMAT_FLOAT32 ? 4 : 2, c0 = 0, i, o;
	uint32_t max_c = MAX_PAGE / (32 * es) / 32 * 32;
	const int64_t shape[2] = { -1, h->in };
	const float *wt, *bias;
	float *part;
	int64_t out;
	int ret;

	h->nparts = (h->in + max_c - 1) / max_c;
	h->part_c[0] = h->in;
	if (h->nparts == 1)
		return linear(h, w, "roi_heads.box_head.fc6", h->in, true, &h->fc[0], &h->hidden);
	if (h->nparts > MAX_PARTS)
		return tt_error(-EINVAL, "box head: %u input features, at most %u", h->in,
				MAX_PARTS * max_c);
	if ((ret = weights_f32(w, "roi_heads.box_head.fc6.weight", 2, shape, &wt)))
		return ret;
	out = weights_find(w, "roi_heads.box_head.fc6.weight")->shape[0];
	if ((ret = weights_f32(w, "roi_heads.box_head.fc6.bias", 1, &out, &bias)))
		return ret;
	h->hidden = (uint32_t)out;
	part = malloc((size_t)h->hidden * max_c * sizeof(float));
	if (!part)
		return tt_error(-ENOMEM, "box_head_create: out of memory");
	for (i = 0; i < h->nparts && !ret; i++) {
		uint32_t c = (h->in - c0 + (h->nparts - i) - 1) / (h->nparts - i);

		c = c > max_c ? max_c : c;
		for (o = 0; o < h->hidden; o++)
			memcpy(part + (size_t)o * c, wt + (size_t)o * h->in + c0, c * sizeof(float));
		ret = op_linear_create(h->dev, c, h->hidden, part, i ? NULL : bias, false, &h->prec,
				       &h->part[i]);
		h->part_c[i] = c;
		c0 += c;
	}
	free(part);
	return ret;
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
	ret = make_fc6(h, w);
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

	for (i = 0; i < MAX_PARTS; i++) {
		op_tensor_destroy(&h->x[i]);
		op_tensor_destroy(&h->y[i]);
		op_tensor_destroy(&h->sum[i]);
	}
	for (i = 0; i < 3; i++)
		op_tensor_destroy(&h->out[i]);
	free(h->cols);
	h->cols = NULL;
	h->rows = 0;
}

static int make_tensors(struct box_head *h, uint32_t n)
{
	enum tt_format f = h->prec.act;
	int ret = 0;

	for (uint32_t i = 0; i < h->nparts && !ret; i++) {
		ret = op_tensor_create(h->dev, 1, n, h->part_c[i], f, &h->x[i]);
		if (!ret && h->nparts > 1)
			ret = op_tensor_create(h->dev, 1, n, h->hidden, f, &h->y[i]);
		if (!ret && i > 0 && i + 1 < h->nparts)
			ret = op_tensor_create(h->dev, 1, n, h->hidden, f, &h->sum[i]);
	}
	if (!ret && h->nparts > 1 && !(h->cols = malloc((size_t)n * h->part_c[0] * sizeof(float))))
		ret = tt_error(-ENOMEM, "box head: out of memory");
	if (!ret)
		ret = op_tensor_create(h->dev, 1, n, h->hidden, f, &h->out[0]);
	if (!ret)
		ret = op_tensor_create(h->dev, 1, n, h->hidden, f, &h->out[1]);
	if (!ret)
		ret = op_tensor_create(h->dev, 1, n, 5 * h->k, f, &h->out[2]);
	if (ret)
		free_tensors(h);
	else
		h->rows = n;
	return ret;
}

/* fc6 + relu in parts: out[0] = relu(sum of the parts' linear layers). */
static int fc6_parts(struct box_head *h, struct tt_cq *cq, const float *features, uint32_t n,
		     struct op_stats *stats)
{
	const struct op_tensor *acc = &h->y[0];
	uint32_t i, c0 = 0, r;
	int ret = 0;

	for (i = 0; i < h->nparts && !ret; i++) {
		uint32_t c = h->part_c[i];

		for (r = 0; r < n; r++)
			memcpy(h->cols + (size_t)r * c, features + (size_t)r * h->in + c0,
			       c * sizeof(float));
		c0 += c;
		ret = op_tensor_write_hwc(cq, &h->x[i], h->cols);
		if (!ret)
			ret = op_conv_run(h->part[i], cq, &h->x[i], &h->y[i], stats);
	}
	for (i = 1; i < h->nparts && !ret; i++) {
		struct op_tensor *dst = i + 1 < h->nparts ? &h->sum[i] : &h->out[0];

		ret = op_add(h->dev, cq, acc, &h->y[i], dst, i + 1 == h->nparts, stats);
		acc = dst;
	}
	return ret;
}

void box_head_destroy(struct box_head *h)
{
	int i;

	if (!h)
		return;
	free_tensors(h);
	for (i = 0; i < 3; i++)
		op_conv_destroy(h->fc[i]);
	for (i = 0; i < MAX_PARTS; i++)
		op_conv_destroy(h->part[i]);
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
		if ((ret = make_tensors(h, n)))
			return ret;
	}
	if (h->nparts > 1) {
		ret = fc6_parts(h, cq, features, n, stats);
	} else {
		ret = op_tensor_write_hwc(cq, &h->x[0], features);
		if (!ret)
			ret = op_conv_run(h->fc[0], cq, &h->x[0], &h->out[0], stats);
	}
	for (i = 1; i < 3 && !ret; i++)
		ret = op_conv_run(h->fc[i], cq, &h->out[i - 1], &h->out[i], stats);
	return ret;
}

const struct op_tensor *box_head_output(const struct box_head *h, int stage)
{
	if (!h || !h->rows || stage < 0 || stage > 2)
		return NULL;
	return &h->out[stage];
}
