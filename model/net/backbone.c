// SPDX-License-Identifier: MIT
/*
 * ResNet body on the device (see backbone.h). Each block's convs are
 * op_conv objects made once from the folded weights; the activations
 * between them are tensors made on the first forward and kept while the
 * input size stays the same.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backbone.h"
#include "ttuser.h"

#define MAX_BLOCKS	64

struct block {
	struct op_conv *conv[3], *down;	/* conv3 NULL in a basic block */
	uint32_t out_c[3], stride;	/* output channels of each conv */
	/* activations: after conv1, conv2, conv3 (the last conv), downsample, the block */
	struct op_tensor t[3], td, out;
};

struct backbone {
	struct tt_device *dev;
	struct op_precision prec;
	bool bottleneck;
	struct op_conv *stem;
	struct op_tensor stem_out, pool_out;
	struct block blocks[MAX_BLOCKS];
	unsigned nblocks, nlayers, last_of_layer[4];
	uint32_t in_h, in_w;		/* size the tensors are made for; 0: none */
};

static int make_conv(struct backbone *bb, const struct weights *w, const char *conv,
		     const char *bn, uint32_t stride, bool relu, struct op_conv **out,
		     uint32_t *out_c)
{
	struct folded_conv fc;
	struct op_conv_desc d;
	int ret = weights_fold_bn(w, conv, bn, &fc);

	if (ret)
		return ret;
	d = (struct op_conv_desc){
		.in_c = (uint32_t)fc.in_channels, .out_c = (uint32_t)fc.out_channels,
		.kh = (uint32_t)fc.kh, .kw = (uint32_t)fc.kw, .stride = stride,
		.pad = (uint32_t)fc.kh / 2, .dilation = 1, .relu = relu,
	};
	ret = op_conv_create(bb->dev, &d, fc.weight, fc.bias, &bb->prec, out);
	folded_conv_free(&fc);
	if (out_c)
		*out_c = d.out_c;
	return ret;
}

static int make_block(struct backbone *bb, const struct weights *w, unsigned layer,
		      unsigned idx, uint32_t stride, struct block *b)
{
	char conv[96], bn[96];
	const char *p = "backbone.body";
	unsigned n = bb->bottleneck ? 3 : 2, i;
	int ret;

	for (i = 0; i < n; i++) {
		/* v1.5: a bottleneck strides in its 3x3 (conv2), a basic block in conv1 */
		uint32_t s = (bb->bottleneck ? i == 1 : i == 0) ? stride : 1;

		snprintf(conv, sizeof(conv), "%s.layer%u.%u.conv%u", p, layer, idx, i + 1);
		snprintf(bn, sizeof(bn), "%s.layer%u.%u.bn%u", p, layer, idx, i + 1);
		ret = make_conv(bb, w, conv, bn, s, i < n - 1, &b->conv[i], &b->out_c[i]);
		if (ret)
			return ret;
	}
	snprintf(conv, sizeof(conv), "%s.layer%u.%u.downsample.0.weight", p, layer, idx);
	if (weights_find(w, conv)) {
		snprintf(conv, sizeof(conv), "%s.layer%u.%u.downsample.0", p, layer, idx);
		snprintf(bn, sizeof(bn), "%s.layer%u.%u.downsample.1", p, layer, idx);
		ret = make_conv(bb, w, conv, bn, stride, false, &b->down, NULL);
		if (ret)
			return ret;
	}
	b->stride = stride;
	return 0;
}

/* Blocks of layer l (1..4) in the weights: layer<l>.<i>.conv1 for i = 0, 1, ... */
static unsigned count_blocks(const struct weights *w, unsigned l)
{
	char name[96];
	unsigned i;

	for (i = 0; i < MAX_BLOCKS; i++) {
		snprintf(name, sizeof(name), "backbone.body.layer%u.%u.conv1.weight", l, i);
		if (!weights_find(w, name))
			break;
	}
	return i;
}

int backbone_create(struct tt_device *dev, const struct weights *w,
		    const struct op_precision *prec, struct backbone **out)
{
	struct backbone *bb;
	unsigned l, i, n;
	int ret;

	if (!dev || !w || !prec || !out)
		return tt_error(-EINVAL, "backbone_create: NULL argument");
	*out = NULL;
	if (!count_blocks(w, 1))
		return tt_error(-EINVAL, "backbone: no backbone.body.layer1.0.conv1.weight");
	bb = calloc(1, sizeof(*bb));
	if (!bb)
		return tt_error(-ENOMEM, "backbone_create: out of memory");
	bb->dev = dev;
	bb->prec = *prec;
	bb->bottleneck = weights_find(w, "backbone.body.layer1.0.conv3.weight") != NULL;
	ret = make_conv(bb, w, "backbone.body.conv1", "backbone.body.bn1", 2, true, &bb->stem, NULL);
	for (l = 0; l < 4 && !ret && (n = count_blocks(w, l + 1)); l++) {
		if (bb->nblocks + n > MAX_BLOCKS) {
			ret = tt_error(-EINVAL, "backbone: more than %d blocks", MAX_BLOCKS);
			break;
		}
		for (i = 0; i < n && !ret; i++)
			ret = make_block(bb, w, l + 1, i, i == 0 && l > 0 ? 2 : 1,
					 &bb->blocks[bb->nblocks++]);
		bb->last_of_layer[l] = bb->nblocks - 1;
		bb->nlayers = l + 1;
	}
	if (ret) {
		backbone_destroy(bb);
		return ret;
	}
	*out = bb;
	return 0;
}

unsigned backbone_layers(const struct backbone *bb)
{
	return bb ? bb->nlayers : 0;
}

static void free_tensors(struct backbone *bb)
{
	unsigned i, j;

	op_tensor_destroy(&bb->stem_out);
	op_tensor_destroy(&bb->pool_out);
	for (i = 0; i < bb->nblocks; i++) {
		for (j = 0; j < 3; j++)
			op_tensor_destroy(&bb->blocks[i].t[j]);
		op_tensor_destroy(&bb->blocks[i].td);
		op_tensor_destroy(&bb->blocks[i].out);
	}
	bb->in_h = bb->in_w = 0;
}

void backbone_destroy(struct backbone *bb)
{
	unsigned i, j;

	if (!bb)
		return;
	free_tensors(bb);
	op_conv_destroy(bb->stem);
	for (i = 0; i < bb->nblocks; i++) {
		for (j = 0; j < 3; j++)
			op_conv_destroy(bb->blocks[i].conv[j]);
		op_conv_destroy(bb->blocks[i].down);
	}
	free(bb);
}

/* A tensor for what conv makes of in. */
static int conv_tensor(struct backbone *bb, const struct op_conv_desc *d,
		       const struct op_tensor *in, struct op_tensor *out)
{
	uint32_t ho, wo;
	int ret = op_conv_out_size(d, in->h, in->w, &ho, &wo);

	if (ret)
		return ret;
	return op_tensor_create(bb->dev, ho, wo, d->out_c, bb->prec.act, out);
}

/* The descriptions of a block's convs, as op_conv_create got them. */
static struct op_conv_desc block_desc(const struct backbone *bb, const struct block *b,
				      unsigned i, uint32_t in_c, uint32_t out_c)
{
	bool strided = bb->bottleneck ? i == 1 : i == 0;
	uint32_t k = bb->bottleneck && i != 1 ? 1 : 3;

	return (struct op_conv_desc){
		.in_c = in_c, .out_c = out_c, .kh = k, .kw = k, .stride = strided ? b->stride : 1,
		.pad = k / 2, .dilation = 1,
	};
}

static int make_tensors(struct backbone *bb, const struct op_tensor *image)
{
	const struct op_tensor *x;
	uint32_t ho, wo;
	unsigned i, j, n = bb->bottleneck ? 3 : 2;
	int ret;

	/* stem: 7x7/s2/p3, then the pool */
	ret = op_conv_out_size(&(struct op_conv_desc){ .kh = 7, .kw = 7, .stride = 2, .pad = 3,
						       .dilation = 1 },
			       image->h, image->w, &ho, &wo);
	if (!ret)
		ret = op_tensor_create(bb->dev, ho, wo, 64, bb->prec.act, &bb->stem_out);
	if (!ret)
		ret = op_maxpool_out_size(ho, wo, 3, 2, 1, &ho, &wo);
	if (!ret)
		ret = op_tensor_create(bb->dev, ho, wo, 64, bb->prec.act, &bb->pool_out);
	x = &bb->pool_out;
	for (i = 0; i < bb->nblocks && !ret; i++) {
		struct block *b = &bb->blocks[i];
		const struct op_tensor *prev = x;

		for (j = 0; j < n && !ret; j++) {
			struct op_conv_desc d = block_desc(bb, b, j, prev->c, b->out_c[j]);

			ret = conv_tensor(bb, &d, prev, &b->t[j]);
			prev = &b->t[j];
		}
		if (!ret && b->down) {
			struct op_conv_desc d = {
				.in_c = x->c, .out_c = prev->c, .kh = 1, .kw = 1, .stride = b->stride,
				.dilation = 1,
			};

			ret = conv_tensor(bb, &d, x, &b->td);
		}
		if (!ret)
			ret = op_tensor_create(bb->dev, prev->h, prev->w, prev->c, bb->prec.act,
					       &b->out);
		x = &b->out;
	}
	if (ret) {
		free_tensors(bb);
		return ret;
	}
	bb->in_h = image->h;
	bb->in_w = image->w;
	return 0;
}

int backbone_forward(struct backbone *bb, struct tt_cq *cq, const struct op_tensor *image,
		     struct op_stats *stats)
{
	const struct op_tensor *x;
	unsigned i, j, n;
	int ret;

	if (!bb || !cq)
		return tt_error(-EINVAL, "backbone_forward: NULL argument");
	ret = op_tensor_check(image, "backbone input");
	if (ret)
		return ret;
	if (image->c != 3 || image->fmt != bb->prec.act)
		return tt_error(-EINVAL, "backbone: the input has %u channels in format %d, must "
				"be 3 in format %d", image->c, (int)image->fmt, (int)bb->prec.act);
	if (bb->in_h != image->h || bb->in_w != image->w) {
		free_tensors(bb);
		ret = make_tensors(bb, image);
		if (ret)
			return ret;
	}
	n = bb->bottleneck ? 3 : 2;
	if ((ret = op_conv_run(bb->stem, cq, image, &bb->stem_out, stats)) ||
	    (ret = op_maxpool(bb->dev, cq, &bb->stem_out, 3, 2, 1, &bb->pool_out, stats)))
		return ret;
	x = &bb->pool_out;
	for (i = 0; i < bb->nblocks; i++) {
		struct block *b = &bb->blocks[i];
		const struct op_tensor *prev = x;

		for (j = 0; j < n; j++) {
			ret = op_conv_run(b->conv[j], cq, prev, &b->t[j], stats);
			if (ret)
				return ret;
			prev = &b->t[j];
		}
		if (b->down) {
			ret = op_conv_run(b->down, cq, x, &b->td, stats);
			if (ret)
				return ret;
		}
		ret = op_add(bb->dev, cq, prev, b->down ? &b->td : x, &b->out, true, stats);
		if (ret)
			return ret;
		x = &b->out;
	}
	return 0;
}

const struct op_tensor *backbone_output(const struct backbone *bb, int level)
{
	if (!bb || !bb->in_h || level < 1 || level > 1 + (int)bb->nlayers)
		return NULL;
	if (level == 1)
		return &bb->stem_out;
	return &bb->blocks[bb->last_of_layer[level - 2]].out;
}
