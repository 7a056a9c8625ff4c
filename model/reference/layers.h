/* SPDX-License-Identifier: MIT */
/*
 * The dense layers of Faster-RCNN as plain C on the host, float32, CHW:
 * convolution (BN already folded), max pooling, nearest upsampling and
 * fully connected layers. They are the host reference of the device
 * programs, not a fast path.
 */
#ifndef MODEL_LAYERS_H
#define MODEL_LAYERS_H

#include <stdbool.h>
#include <stddef.h>

/* A CHW feature map that owns its data. */
struct fmap {
	int c, h, w;
	float *data;
};

int fmap_alloc(struct fmap *f, int c, int h, int w);
void fmap_free(struct fmap *f);

/* out = conv(in) + bias (+ residual) (then relu); square kernel, stride, padding. */
struct conv_params {
	int out_channels, in_channels, k, stride, pad;
	const float *weight;		/* [out][in][k][k] */
	const float *bias;		/* [out] */
};
int conv2d(const struct conv_params *p, const struct fmap *in, const struct fmap *residual,
	   bool relu, struct fmap *out);

/* Max pooling (padding counts as -inf), as torch.nn.functional.max_pool2d. */
int max_pool2d(const struct fmap *in, int k, int stride, int pad, struct fmap *out);

/* big += nearest-upsampled small (torch "nearest": src = floor(dst * in / out)). */
int upsample_nearest_add(const struct fmap *small, struct fmap *big);

/* out[n][o] = bias[o] + sum_i w[o][i] * in[n][i] (then relu). */
void linear(const float *in, size_t n, int in_features, const float *weight, const float *bias,
	    int out_features, bool relu, float *out);

#endif
