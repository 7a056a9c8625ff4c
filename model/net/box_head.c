// SPDX-License-Identifier: MIT
/*
 * The box head and predictor on the device (see box_head.h), as three
 * linear layers. fc6's input row is a RoI's bins, (y, x, c); a row too
 * wide for one tensor page (32 rows of 12544 fp32 features are 1.6 MB;
 * a page holds 1 MiB) is split into parts of whole bins: fc6 is then the
 * sum of linear layers over the parts (the bias in the first), added up
 * with the relu in the last add.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box_head.h"
#include "ttuser.h"

#define MAX_PARTS	OP_ROI_ALIGN_MAX_PARTS
#define MAX_PAGE	(1u << 20)

struct box_head {
	struct tt_device *dev;
	struct op_precision prec;
	struct op_conv *part[MAX_PARTS];	/* fc6 (+ relu when in one part) */
	struct op_conv *fc[2];			/* fc7, the predictor */
	uint32_t nparts, part_bins[MAX_PARTS];
	uint32_t in, channels, bins, hidden, k;
	/* inputs, fc6's partial results and their running sums (parts > 1), outputs */
	struct op_tensor x[MAX_PARTS], y[MAX_PARTS], sum[MAX_PARTS], out[3];
	struct op_tensor *xp[MAX_PARTS];
	float *cols;			/* a part's rows on the host */
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

/*
 * fc6 in parts of whole bins, each at most a page per 32 rows; the
 * weight's columns from torch's (c, y, x) to (y, x, c).
 */
static int make_fc6(struct box_head *h, const struct weights *w)
{
	uint32_t es = h->prec.act == TT_FORMAT_FLOAT32 ? 4 : 2, b0 = 0, i, o, j;
	uint32_t max_bins = MAX_PAGE / (32 * es) / h->channels;
	const int64_t shape[2] = { -1, h->in };
	const float *wt, *bias;
	float *part;
	int64_t out;
	int ret;

	if (!max_bins)
		return tt_error(-EINVAL, "box head: %u channels a bin do not fit a page",
				h->channels);
	h->nparts = (h->bins + max_bins - 1) / max_bins;
	if (h->nparts > MAX_PARTS)
		return tt_error(-EINVAL, "box head: %u input features, at most %u", h->in,
				MAX_PARTS * max_bins * h->channels);
	if ((ret = weights_f32(w, "roi_heads.box_head.fc6.weight", 2, shape, &wt)))
		return ret;
	out = weights_find(w, "roi_heads.box_head.fc6.weight")->shape[0];
	if ((ret = weights_f32(w, "roi_heads.box_head.fc6.bias", 1, &out, &bias)))
		return ret;
	h->hidden = (uint32_t)out;
	part = malloc((size_t)h->hidden * (h->bins < max_bins ? h->bins : max_bins) * h->channels *
		      sizeof(float));
	if (!part)
		return tt_error(-ENOMEM, "box_head_create: out of memory");
	for (i = 0; i < h->nparts && !ret; i++) {
		uint32_t nb = (h->bins - b0 + (h->nparts - i) - 1) / (h->nparts - i);
		uint32_t c = nb * h->channels;

		for (o = 0; o < h->hidden; o++)
			for (j = 0; j < c; j++)
				part[(size_t)o * c + j] = wt[(size_t)o * h->in +
							     (size_t)(j % h->channels) * h->bins +
							     b0 + j / h->channels];
		ret = op_linear_create(h->dev, c, h->hidden, part, i ? NULL : bias, h->nparts == 1,
				       &h->prec, &h->part[i]);
		h->part_bins[i] = nb;
		b0 += nb;
	}
	free(part);
	return ret;
}

/* The predictor: cls_score's rows, then bbox_pred's, as one linear layer. */
static int make_predictor(struct box_head *h, const struct weights *w)
{
	const int64_t cshape[2] = { -1, h->hidden };
	const float *cw, *cb, *bw, *bb;
	float *pw = NULL, *pb = NULL;
	int64_t k, k4;
	int ret;

	if ((ret = weights_f32(w, "roi_heads.box_predictor.cls_score.weight", 2, cshape, &cw)))
		return ret;
	k = weights_find(w, "roi_heads.box_predictor.cls_score.weight")->shape[0];
	k4 = 4 * k;
	{
		const int64_t bshape[2] = { k4, h->hidden };

		if ((ret = weights_f32(w, "roi_heads.box_predictor.cls_score.bias", 1, &k, &cb)) ||
		    (ret = weights_f32(w, "roi_heads.box_predictor.bbox_pred.weight", 2, bshape,
				       &bw)) ||
		    (ret = weights_f32(w, "roi_heads.box_predictor.bbox_pred.bias", 1, &k4, &bb)))
			return ret;
	}
	h->k = (uint32_t)k;
	pw = malloc((size_t)5 * h->k * h->hidden * sizeof(float));
	pb = malloc((size_t)5 * h->k * sizeof(float));
	if (!pw || !pb) {
		ret = tt_error(-ENOMEM, "box_head_create: out of memory");
	} else {
		memcpy(pw, cw, (size_t)h->k * h->hidden * sizeof(float));
		memcpy(pw + (size_t)h->k * h->hidden, bw,
		       (size_t)4 * h->k * h->hidden * sizeof(float));
		memcpy(pb, cb, h->k * sizeof(float));
		memcpy(pb + h->k, bb, 4 * h->k * sizeof(float));
		ret = op_linear_create(h->dev, h->hidden, 5 * h->k, pw, pb, false, &h->prec,
				       &h->fc[1]);
	}
	free(pw);
	free(pb);
	return ret;
}

int box_head_create(struct tt_device *dev, const struct weights *w, uint32_t channels,
		    const struct op_precision *prec, struct box_head **out)
{
	const int64_t any2[2] = { -1, -1 };
	const float *wt;
	struct box_head *h;
	int ret;

	if (!dev || !w || !prec || !out)
		return tt_error(-EINVAL, "box_head_create: NULL argument");
	*out = NULL;
	if ((ret = weights_f32(w, "roi_heads.box_head.fc6.weight", 2, any2, &wt)))
		return ret;
	h = calloc(1, sizeof(*h));
	if (!h)
		return tt_error(-ENOMEM, "box_head_create: out of memory");
	h->dev = dev;
	h->prec = *prec;
	h->in = (uint32_t)weights_find(w, "roi_heads.box_head.fc6.weight")->shape[1];
	h->channels = channels;
	if (!channels || h->in % channels) {
		ret = tt_error(-EINVAL, "box head: fc6 takes %u features, not bins of %u channels",
			       h->in, channels);
		goto fail;
	}
	h->bins = h->in / channels;
	ret = make_fc6(h, w);
	if (!ret)
		ret = linear(h, w, "roi_heads.box_head.fc7", h->hidden, true, &h->fc[0],
			     &h->hidden);
	if (!ret)
		ret = make_predictor(h, w);
	if (ret)
		goto fail;
	*out = h;
	return 0;
fail:
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
		ret = op_tensor_create(h->dev, 1, n, h->part_bins[i] * h->channels, f, &h->x[i]);
		h->xp[i] = &h->x[i];
		if (!ret && h->nparts > 1)
			ret = op_tensor_create(h->dev, 1, n, h->hidden, f, &h->y[i]);
		if (!ret && i > 0 && i + 1 < h->nparts)
			ret = op_tensor_create(h->dev, 1, n, h->hidden, f, &h->sum[i]);
	}
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

void box_head_destroy(struct box_head *h)
{
	int i;

	if (!h)
		return;
	free_tensors(h);
	for (i = 0; i < 2; i++)
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

int box_head_prepare(struct box_head *h, uint32_t n)
{
	if (!h)
		return tt_error(-EINVAL, "box_head_prepare: NULL argument");
	if (!n)
		return tt_error(-EINVAL, "box head: no RoIs");
	if (h->rows == n)
		return 0;
	free_tensors(h);
	return make_tensors(h, n);
}

struct op_tensor *const *box_head_inputs(struct box_head *h, uint32_t *nparts)
{
	if (!h || !h->rows || !nparts)
		return NULL;
	*nparts = h->nparts;
	return h->xp;
}

int box_head_run(struct box_head *h, struct tt_cq *cq, struct op_stats *stats)
{
	const struct op_tensor *acc = &h->y[0];
	uint32_t i;
	int ret = 0;

	if (!h || !cq)
		return tt_error(-EINVAL, "box_head_run: NULL argument");
	if (!h->rows)
		return tt_error(-EINVAL, "box_head_run: no inputs (box_head_inputs)");
	for (i = 0; i < h->nparts && !ret; i++)
		ret = op_conv_run(h->part[i], cq, &h->x[i], h->nparts > 1 ? &h->y[i] : &h->out[0],
				  stats);
	for (i = 1; i < h->nparts && !ret; i++) {
		struct op_tensor *dst = i + 1 < h->nparts ? &h->sum[i] : &h->out[0];

		ret = op_add(h->dev, cq, acc, &h->y[i], dst, i + 1 == h->nparts, stats);
		acc = dst;
	}
	for (i = 1; i < 3 && !ret; i++)
		ret = op_conv_run(h->fc[i - 1], cq, &h->out[i - 1], &h->out[i], stats);
	return ret;
}

/*
 * Bins b0 .. b0 + nb - 1 of each of n rows: torch's (c, y, x) rows of
 * torch into cols' (y, x, c) ones (to_torch false), or back.
 */
static void permute(const struct box_head *h, uint32_t n, uint32_t b0, uint32_t nb, float *torch,
		    float *cols, bool to_torch)
{
	uint32_t C = h->channels, w = nb * C;

	for (uint32_t r = 0; r < n; r++)
		for (uint32_t b = 0; b < nb; b++)
			for (uint32_t c = 0; c < C; c++) {
				float *t = &torch[(size_t)r * h->in + (size_t)c * h->bins + b0 + b];
				float *x = &cols[(size_t)r * w + (size_t)b * C + c];

				if (to_torch)
					*t = *x;
				else
					*x = *t;
			}
}

static int host_cols(struct box_head *h)
{
	if (!h->cols && !(h->cols = malloc((size_t)h->rows * h->part_bins[0] * h->channels *
					   sizeof(float))))
		return tt_error(-ENOMEM, "box head: out of memory");
	return 0;
}

int box_head_forward(struct box_head *h, struct tt_cq *cq, const float *features, uint32_t n,
		     struct op_stats *stats)
{
	uint32_t i, b0 = 0;
	int ret;

	if (!h || !cq || !features)
		return tt_error(-EINVAL, "box_head_forward: NULL argument");
	if ((ret = box_head_prepare(h, n)) || (ret = host_cols(h)))
		return ret;
	for (i = 0; i < h->nparts && !ret; i++) {
		permute(h, n, b0, h->part_bins[i], (float *)features, h->cols, false);
		b0 += h->part_bins[i];
		ret = op_tensor_write_hwc(cq, &h->x[i], h->cols);
	}
	return ret ? ret : box_head_run(h, cq, stats);
}

int box_head_read_features(struct box_head *h, struct tt_cq *cq, float *features)
{
	uint32_t i, b0 = 0;
	int ret;

	if (!h || !cq || !features)
		return tt_error(-EINVAL, "box_head_read_features: NULL argument");
	if (!h->rows)
		return tt_error(-EINVAL, "box head: no inputs to read");
	if ((ret = host_cols(h)))
		return ret;
	for (i = 0; i < h->nparts && !ret; i++) {
		ret = op_tensor_read_hwc(cq, &h->x[i], h->cols);
		if (!ret)
			permute(h, h->rows, b0, h->part_bins[i], features, h->cols, true);
		b0 += h->part_bins[i];
	}
	return ret;
}

const struct op_tensor *box_head_output(const struct box_head *h, int stage)
{
	if (!h || !h->rows || stage < 0 || stage > 2)
		return NULL;
	return &h->out[stage];
}
