// SPDX-License-Identifier: MIT
/*
 * FPN on the device (see fpn.h), from model/ops: op_conv for the lateral
 * and output convs, op_upsample_add for the top-down step, op_maxpool
 * (1x1/s2, a strided copy) for P6.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "fpn.h"
#include "ttuser.h"

struct fpn {
	struct tt_device *dev;
	struct op_precision prec;
	struct op_conv *inner[FPN_MAX_INPUTS], *layer[FPN_MAX_INPUTS];
	unsigned n;			/* inputs */
	uint32_t out_c;
	/* lateral outputs, top-down sums (all but the last input), outputs */
	struct op_tensor lat[FPN_MAX_INPUTS], sum[FPN_MAX_INPUTS - 1], p[FPN_MAX_INPUTS + 1];
	uint32_t size[FPN_MAX_INPUTS][2];	/* input sizes the tensors are made for */
	bool made;
};

static int make_conv(struct fpn *f, const struct weights *w, const char *block, int i,
		     uint32_t k, struct op_conv **out)
{
	const int64_t shape4[4] = { -1, -1, k, k };
	const struct weights_tensor *t;
	const float *wt, *bias;
	char name[96];
	int64_t o;
	int ret;

	snprintf(name, sizeof(name), "backbone.fpn.%s.%d.0.weight", block, i);
	ret = weights_f32(w, name, 4, shape4, &wt);
	if (ret)
		return ret;
	t = weights_find(w, name);
	o = t->shape[0];
	snprintf(name, sizeof(name), "backbone.fpn.%s.%d.0.bias", block, i);
	ret = weights_f32(w, name, 1, &o, &bias);
	if (ret)
		return ret;
	f->out_c = (uint32_t)o;
	return op_conv_create(f->dev, &(struct op_conv_desc){
				      .in_c = (uint32_t)t->shape[1], .out_c = (uint32_t)o,
				      .kh = k, .kw = k, .stride = 1, .pad = k / 2, .dilation = 1,
			      }, wt, bias, &f->prec, out);
}

int fpn_create(struct tt_device *dev, const struct weights *w, const struct op_precision *prec,
	       struct fpn **out)
{
	struct fpn *f;
	int i, ret = 0;

	if (!dev || !w || !prec || !out)
		return tt_error(-EINVAL, "fpn_create: NULL argument");
	*out = NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return tt_error(-ENOMEM, "fpn_create: out of memory");
	f->dev = dev;
	f->prec = *prec;
	for (i = 0; i < FPN_MAX_INPUTS; i++) {
		char name[64];

		snprintf(name, sizeof(name), "backbone.fpn.inner_blocks.%d.0.weight", i);
		if (!weights_find(w, name))
			break;
	}
	f->n = (unsigned)i;
	if (!f->n)
		ret = tt_error(-EINVAL, "fpn: no backbone.fpn.inner_blocks.0.0.weight");
	for (i = 0; i < (int)f->n && !ret; i++) {
		ret = make_conv(f, w, "inner_blocks", i, 1, &f->inner[i]);
		if (!ret)
			ret = make_conv(f, w, "layer_blocks", i, 3, &f->layer[i]);
	}
	if (ret) {
		fpn_destroy(f);
		return ret;
	}
	*out = f;
	return 0;
}

static void free_tensors(struct fpn *f)
{
	int i;

	for (i = 0; i < FPN_MAX_INPUTS; i++)
		op_tensor_destroy(&f->lat[i]);
	for (i = 0; i < FPN_MAX_INPUTS - 1; i++)
		op_tensor_destroy(&f->sum[i]);
	for (i = 0; i <= FPN_MAX_INPUTS; i++)
		op_tensor_destroy(&f->p[i]);
	f->made = false;
}

void fpn_destroy(struct fpn *f)
{
	int i;

	if (!f)
		return;
	free_tensors(f);
	for (i = 0; i < FPN_MAX_INPUTS; i++) {
		op_conv_destroy(f->inner[i]);
		op_conv_destroy(f->layer[i]);
	}
	free(f);
}

static int make_tensors(struct fpn *f, const struct op_tensor *const *c)
{
	int i, n = (int)f->n, ret = 0;
	uint32_t ho, wo;

	for (i = 0; i < n && !ret; i++) {
		ret = op_tensor_create(f->dev, c[i]->h, c[i]->w, f->out_c, f->prec.act, &f->lat[i]);
		if (!ret && i < n - 1)
			ret = op_tensor_create(f->dev, c[i]->h, c[i]->w, f->out_c, f->prec.act,
					       &f->sum[i]);
		if (!ret)
			ret = op_tensor_create(f->dev, c[i]->h, c[i]->w, f->out_c, f->prec.act,
					       &f->p[i]);
		f->size[i][0] = c[i]->h;
		f->size[i][1] = c[i]->w;
	}
	if (!ret)
		ret = op_maxpool_out_size(c[n - 1]->h, c[n - 1]->w, 1, 2, 0, &ho, &wo);
	if (!ret)
		ret = op_tensor_create(f->dev, ho, wo, f->out_c, f->prec.act, &f->p[n]);
	if (ret) {
		free_tensors(f);
		return ret;
	}
	f->made = true;
	return 0;
}

unsigned fpn_inputs(const struct fpn *f)
{
	return f ? f->n : 0;
}

uint32_t fpn_channels(const struct fpn *f)
{
	return f ? f->out_c : 0;
}

int fpn_forward(struct fpn *f, struct tt_cq *cq, const struct op_tensor *const *c,
		struct op_stats *stats)
{
	const struct op_tensor *last;
	int i, n, ret;

	if (!f || !cq || !c)
		return tt_error(-EINVAL, "fpn_forward: NULL argument");
	n = (int)f->n;
	for (i = 0; i < n; i++) {
		ret = op_tensor_check(c[i], "fpn input");
		if (ret)
			return ret;
	}
	for (i = 0; i < n && f->made; i++)
		if (f->size[i][0] != c[i]->h || f->size[i][1] != c[i]->w)
			free_tensors(f);
	if (!f->made) {
		ret = make_tensors(f, c);
		if (ret)
			return ret;
	}
	if ((ret = op_conv_run(f->inner[n - 1], cq, c[n - 1], &f->lat[n - 1], stats)) ||
	    (ret = op_conv_run(f->layer[n - 1], cq, &f->lat[n - 1], &f->p[n - 1], stats)))
		return ret;
	last = &f->lat[n - 1];
	for (i = n - 2; i >= 0; i--) {
		if ((ret = op_conv_run(f->inner[i], cq, c[i], &f->lat[i], stats)) ||
		    (ret = op_upsample_add(f->dev, cq, &f->lat[i], last, &f->sum[i], stats)) ||
		    (ret = op_conv_run(f->layer[i], cq, &f->sum[i], &f->p[i], stats)))
			return ret;
		last = &f->sum[i];
	}
	return op_maxpool(f->dev, cq, &f->p[n - 1], 1, 2, 0, &f->p[n], stats);
}

const struct op_tensor *fpn_output(const struct fpn *f, int i)
{
	if (!f || !f->made || i < 0 || i > (int)f->n)
		return NULL;
	return &f->p[i];
}
