// SPDX-License-Identifier: MIT
/* The network from its weights, and its forward passes on the host. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ttuser.h"
#include "network.h"

struct conv {
	struct folded_conv f;	/* weights and bias (BN folded, or the conv's own) */
	int stride, pad;
};

struct block {
	struct conv conv[3];
	int nconv;		/* 2 basic, 3 bottleneck */
	bool down;
	struct conv downsample;
};

struct network {
	struct conv stem;
	int nlayers;			/* body layers computed: up to the last returned */
	int nblocks[4];
	struct block *blocks[4];
	int nreturned;
	int returned[4];		/* body layer (1..4) of each FPN input */
	struct conv inner[4], layer[4];
	struct conv rpn_conv, rpn_cls, rpn_bbox;
	const float *fc6_w, *fc6_b, *fc7_w, *fc7_b, *cls_w, *cls_b, *bbox_w, *bbox_b;
	int fc6_in, rep, classes;
};

static struct conv_params params(const struct conv *c)
{
	return (struct conv_params){ c->f.out_channels, c->f.in_channels, c->f.kh, c->stride, c->pad,
				     c->f.weight, c->f.bias };
}

/* A conv with its own bias (FPN, RPN head): copied so that all convs own their arrays. */
static int plain_conv(const struct weights *w, const char *prefix, int stride, int pad, struct conv *out)
{
	char name[256];
	const float *wt, *b;
	const struct weights_tensor *t;
	int64_t any4[4] = { -1, -1, -1, -1 }, o;
	int err;

	memset(out, 0, sizeof(*out));
	snprintf(name, sizeof(name), "%s.weight", prefix);
	if ((err = weights_f32(w, name, 4, any4, &wt)))
		return err;
	t = weights_find(w, name);
	if (t->shape[2] != t->shape[3])
		return tt_error(-EINVAL, "tensor '%s': kernel %lldx%lld is not square", name,
				(long long)t->shape[2], (long long)t->shape[3]);
	o = t->shape[0];
	snprintf(name, sizeof(name), "%s.bias", prefix);
	if ((err = weights_f32(w, name, 1, &o, &b)))
		return err;
	out->f.out_channels = (int)o;
	out->f.in_channels = (int)t->shape[1];
	out->f.kh = out->f.kw = (int)t->shape[2];
	out->f.weight = malloc(t->size);
	out->f.bias = malloc((size_t)o * sizeof(float));
	if (!out->f.weight || !out->f.bias) {
		folded_conv_free(&out->f);
		return tt_error(-ENOMEM, "out of memory for '%s'", prefix);
	}
	memcpy(out->f.weight, wt, t->size);
	memcpy(out->f.bias, b, (size_t)o * sizeof(float));
	out->stride = stride;
	out->pad = pad;
	return 0;
}

static int bn_conv(const struct weights *w, const char *conv, const char *bn, int stride, int pad,
		   struct conv *out)
{
	int err = weights_fold_bn(w, conv, bn, &out->f);

	if (!err && out->f.kh != out->f.kw)
		err = tt_error(-EINVAL, "'%s': kernel %dx%d is not square", conv, out->f.kh, out->f.kw);
	out->stride = stride;
	out->pad = pad;
	return err;
}

static int load_block(const struct weights *w, int layer, int i, bool bottleneck, struct block *b)
{
	char conv[128], bn[128];
	int stride = (layer > 1 && i == 0) ? 2 : 1, err;

	b->nconv = bottleneck ? 3 : 2;
	for (int k = 0; k < b->nconv; k++) {
		/* basic: 3x3 (stride), 3x3; bottleneck: 1x1, 3x3 (stride), 1x1 */
		bool three = !bottleneck || k == 1;
		bool strided = bottleneck ? k == 1 : k == 0;

		snprintf(conv, sizeof(conv), "backbone.body.layer%d.%d.conv%d", layer, i, k + 1);
		snprintf(bn, sizeof(bn), "backbone.body.layer%d.%d.bn%d", layer, i, k + 1);
		if ((err = bn_conv(w, conv, bn, strided ? stride : 1, three ? 1 : 0, &b->conv[k])))
			return err;
	}
	snprintf(conv, sizeof(conv), "backbone.body.layer%d.%d.downsample.0.weight", layer, i);
	b->down = weights_find(w, conv) != NULL;
	if (b->down) {
		snprintf(conv, sizeof(conv), "backbone.body.layer%d.%d.downsample.0", layer, i);
		snprintf(bn, sizeof(bn), "backbone.body.layer%d.%d.downsample.1", layer, i);
		if ((err = bn_conv(w, conv, bn, stride, 0, &b->downsample)))
			return err;
	}
	return 0;
}

static int parse_list(const char *s, int *out, int max)
{
	int n = 0;

	while (s && *s && n < max) {
		char *end;
		long v = strtol(s, &end, 10);

		if (end == s || v < 1 || v > 64)
			return -1;
		out[n++] = (int)v;
		s = end + (*end == ',');
		if (*end && *end != ',')
			return -1;
	}
	return s && !*s ? n : -1;
}

static int linear_params(const struct weights *w, const char *prefix, int64_t out_f, int64_t in_f,
			 const float **weight, const float **bias)
{
	char name[128];
	int64_t shape[2] = { out_f, in_f };
	int err;

	snprintf(name, sizeof(name), "%s.weight", prefix);
	if ((err = weights_f32(w, name, 2, shape, weight)))
		return err;
	snprintf(name, sizeof(name), "%s.bias", prefix);
	return weights_f32(w, name, 1, &shape[0], bias);
}

int network_load(const struct weights *w, struct network **out)
{
	const char *blocks = weights_meta(w, "backbone_blocks"), *ret = weights_meta(w, "returned_layers");
	const char *kind = weights_meta(w, "backbone_block");
	struct network *n = calloc(1, sizeof(*n));
	const struct weights_tensor *t;
	char conv[128], bn[128];
	int err;

	if (!n)
		return tt_error(-ENOMEM, "network: out of memory");
	if (!blocks || !ret || !kind || (strcmp(kind, "basic") && strcmp(kind, "bottleneck"))) {
		err = tt_error(-EINVAL, "network: the weights' metadata lacks backbone_blocks, "
			       "backbone_block or returned_layers (convert with tools/ttdetect/convert.py)");
		goto fail;
	}
	int nb = parse_list(blocks, n->nblocks, 4);

	n->nreturned = parse_list(ret, n->returned, 4);
	if (nb < 1 || n->nreturned < 1) {
		err = tt_error(-EINVAL, "network: backbone_blocks '%s' / returned_layers '%s' unreadable",
			       blocks, ret);
		goto fail;
	}
	for (int i = 0; i < n->nreturned; i++) {
		if (n->returned[i] > nb || (i && n->returned[i] <= n->returned[i - 1])) {
			err = tt_error(-EINVAL, "network: returned layer %d of %d body layers", n->returned[i], nb);
			goto fail;
		}
		n->nlayers = n->returned[i];
	}
	if ((err = bn_conv(w, "backbone.body.conv1", "backbone.body.bn1", 2, 3, &n->stem)))
		goto fail;
	for (int l = 0; l < n->nlayers; l++) {
		n->blocks[l] = calloc((size_t)n->nblocks[l], sizeof(struct block));
		if (!n->blocks[l]) {
			err = tt_error(-ENOMEM, "network: out of memory");
			goto fail;
		}
		for (int i = 0; i < n->nblocks[l]; i++)
			if ((err = load_block(w, l + 1, i, !strcmp(kind, "bottleneck"), &n->blocks[l][i])))
				goto fail;
	}
	for (int i = 0; i < n->nreturned; i++) {
		snprintf(conv, sizeof(conv), "backbone.fpn.inner_blocks.%d.0", i);
		snprintf(bn, sizeof(bn), "backbone.fpn.layer_blocks.%d.0", i);
		if ((err = plain_conv(w, conv, 1, 0, &n->inner[i])) ||
		    (err = plain_conv(w, bn, 1, 1, &n->layer[i])))
			goto fail;
	}
	if ((err = plain_conv(w, "rpn.head.conv.0.0", 1, 1, &n->rpn_conv)) ||
	    (err = plain_conv(w, "rpn.head.cls_logits", 1, 0, &n->rpn_cls)) ||
	    (err = plain_conv(w, "rpn.head.bbox_pred", 1, 0, &n->rpn_bbox)))
		goto fail;
	t = weights_find(w, "roi_heads.box_head.fc6.weight");
	if (!t || t->ndim != 2) {
		err = tt_error(-EINVAL, "network: no 2-D roi_heads.box_head.fc6.weight");
		goto fail;
	}
	n->rep = (int)t->shape[0];
	n->fc6_in = (int)t->shape[1];
	t = weights_find(w, "roi_heads.box_predictor.cls_score.weight");
	if (!t || t->ndim != 2) {
		err = tt_error(-EINVAL, "network: no 2-D roi_heads.box_predictor.cls_score.weight");
		goto fail;
	}
	n->classes = (int)t->shape[0];
	if ((err = linear_params(w, "roi_heads.box_head.fc6", n->rep, n->fc6_in, &n->fc6_w, &n->fc6_b)) ||
	    (err = linear_params(w, "roi_heads.box_head.fc7", n->rep, n->rep, &n->fc7_w, &n->fc7_b)) ||
	    (err = linear_params(w, "roi_heads.box_predictor.cls_score", n->classes, n->rep, &n->cls_w,
				 &n->cls_b)) ||
	    (err = linear_params(w, "roi_heads.box_predictor.bbox_pred", 4 * (int64_t)n->classes, n->rep,
				 &n->bbox_w, &n->bbox_b)))
		goto fail;
	*out = n;
	return 0;
fail:
	network_free(n);
	return err;
}

void network_free(struct network *n)
{
	if (!n)
		return;
	folded_conv_free(&n->stem.f);
	for (int l = 0; l < 4; l++) {
		for (int i = 0; n->blocks[l] && i < n->nblocks[l]; i++) {
			for (int k = 0; k < 3; k++)
				folded_conv_free(&n->blocks[l][i].conv[k].f);
			folded_conv_free(&n->blocks[l][i].downsample.f);
		}
		free(n->blocks[l]);
		folded_conv_free(&n->inner[l].f);
		folded_conv_free(&n->layer[l].f);
	}
	folded_conv_free(&n->rpn_conv.f);
	folded_conv_free(&n->rpn_cls.f);
	folded_conv_free(&n->rpn_bbox.f);
	free(n);
}

int network_fpn_levels(const struct network *n)
{
	return n->nreturned + 1;
}

int network_classes(const struct network *n)
{
	return n->classes;
}

int network_representation(const struct network *n)
{
	return n->rep;
}

static int run_conv(const struct conv *c, const struct fmap *in, const struct fmap *res, bool relu,
		    struct fmap *out)
{
	struct conv_params p = params(c);

	return conv2d(&p, in, res, relu, out);
}

/* One residual block: in is consumed (freed), out receives the result. */
static int run_block(const struct block *b, struct fmap *in, struct fmap *out)
{
	struct fmap t[2] = { 0 }, id = { 0 };
	int err;

	if (b->down && (err = run_conv(&b->downsample, in, NULL, false, &id)))
		goto out;
	if ((err = run_conv(&b->conv[0], in, NULL, true, &t[0])))
		goto out;
	if (b->nconv == 3) {
		if ((err = run_conv(&b->conv[1], &t[0], NULL, true, &t[1])))
			goto out;
		err = run_conv(&b->conv[2], &t[1], b->down ? &id : in, true, out);
	} else {
		err = run_conv(&b->conv[1], &t[0], b->down ? &id : in, true, out);
	}
out:
	fmap_free(&t[0]);
	fmap_free(&t[1]);
	fmap_free(&id);
	fmap_free(in);
	return err;
}

int network_backbone(const struct network *n, const struct fmap *image, struct fmap *body,
		     struct fmap *fpn)
{
	struct fmap x = { 0 }, y = { 0 }, c[4] = { { 0 } }, inner = { 0 };
	struct fmap p[NETWORK_MAX_LEVELS] = { { 0 } };
	int err, r = 0;

	if ((err = run_conv(&n->stem, image, NULL, true, &y)))
		return err;
	err = max_pool2d(&y, 3, 2, 1, &x);
	fmap_free(&y);
	if (err)
		return err;
	for (int l = 0; l < n->nlayers; l++) {
		for (int i = 0; i < n->nblocks[l]; i++) {
			if ((err = run_block(&n->blocks[l][i], &x, &y)))
				goto fail;
			x = y;
			y = (struct fmap){ 0 };
		}
		if (r < n->nreturned && n->returned[r] == l + 1) {
			if ((err = fmap_alloc(&c[r], x.c, x.h, x.w)))
				goto fail;
			memcpy(c[r].data, x.data, (size_t)x.c * (size_t)x.h * (size_t)x.w * sizeof(float));
			r++;
		}
	}
	fmap_free(&x);
	/* FPN: top-down from the deepest level, then the max-pool level. */
	for (int i = n->nreturned - 1; i >= 0; i--) {
		struct fmap lateral;

		if ((err = run_conv(&n->inner[i], &c[i], NULL, false, &lateral)))
			goto fail;
		if (i < n->nreturned - 1) {
			err = upsample_nearest_add(&inner, &lateral);
			fmap_free(&inner);
			if (err) {
				fmap_free(&lateral);
				goto fail;
			}
		}
		inner = lateral;
		if ((err = run_conv(&n->layer[i], &inner, NULL, false, &p[i])))
			goto fail;
	}
	fmap_free(&inner);
	if ((err = max_pool2d(&p[n->nreturned - 1], 1, 2, 0, &p[n->nreturned])))
		goto fail;
	for (int i = 0; i < n->nreturned; i++) {
		if (body)
			body[i] = c[i];
		else
			fmap_free(&c[i]);
	}
	for (int i = 0; i <= n->nreturned; i++) {
		if (fpn)
			fpn[i] = p[i];
		else
			fmap_free(&p[i]);
	}
	return 0;
fail:
	fmap_free(&x);
	fmap_free(&y);
	fmap_free(&inner);
	for (int i = 0; i < 4; i++)
		fmap_free(&c[i]);
	for (int i = 0; i < NETWORK_MAX_LEVELS; i++)
		fmap_free(&p[i]);
	return err;
}

int network_rpn_head(const struct network *n, const struct fmap *fpn, struct fmap *objectness,
		     struct fmap *deltas)
{
	int levels = network_fpn_levels(n), err = 0;

	for (int l = 0; l < levels; l++) {
		struct fmap t;

		objectness[l] = deltas[l] = (struct fmap){ 0 };
		if ((err = run_conv(&n->rpn_conv, &fpn[l], NULL, true, &t)))
			goto fail;
		err = run_conv(&n->rpn_cls, &t, NULL, false, &objectness[l]);
		if (!err)
			err = run_conv(&n->rpn_bbox, &t, NULL, false, &deltas[l]);
		fmap_free(&t);
		if (err)
			goto fail;
	}
	return 0;
fail:
	for (int l = 0; l < levels; l++) {
		fmap_free(&objectness[l]);
		fmap_free(&deltas[l]);
	}
	return err;
}

int network_box_head(const struct network *n, const float *features, size_t rois, float *fc6,
		     float *fc7, float *class_logits, float *box_regression)
{
	float *a = fc6 ? fc6 : malloc((rois ? rois : 1) * (size_t)n->rep * sizeof(float));
	float *b = fc7 ? fc7 : malloc((rois ? rois : 1) * (size_t)n->rep * sizeof(float));

	if (!a || !b) {
		if (!fc6)
			free(a);
		if (!fc7)
			free(b);
		return tt_error(-ENOMEM, "box head: out of memory for %zu RoIs", rois);
	}
	linear(features, rois, n->fc6_in, n->fc6_w, n->fc6_b, n->rep, true, a);
	linear(a, rois, n->rep, n->fc7_w, n->fc7_b, n->rep, true, b);
	linear(b, rois, n->rep, n->cls_w, n->cls_b, n->classes, false, class_logits);
	linear(b, rois, n->rep, n->bbox_w, n->bbox_b, 4 * n->classes, false, box_regression);
	if (!fc6)
		free(a);
	if (!fc7)
		free(b);
	return 0;
}
