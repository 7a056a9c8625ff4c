// SPDX-License-Identifier: MIT
/* Convolution, max pooling, nearest upsampling and linear layers on the host. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ttuser.h"
#include "layers.h"

int fmap_alloc(struct fmap *f, int c, int h, int w)
{
	f->c = f->h = f->w = 0;
	f->data = NULL;
	if (c < 1 || h < 1 || w < 1 || (size_t)c * (size_t)h * (size_t)w > (1u << 30))
		return tt_error(-EINVAL, "feature map %dx%dx%d: bad size", c, h, w);
	f->data = malloc((size_t)c * (size_t)h * (size_t)w * sizeof(float));
	if (!f->data)
		return tt_error(-ENOMEM, "feature map %dx%dx%d: out of memory", c, h, w);
	f->c = c;
	f->h = h;
	f->w = w;
	return 0;
}

void fmap_free(struct fmap *f)
{
	free(f->data);
	f->data = NULL;
	f->c = f->h = f->w = 0;
}

/* The output columns ox whose input column ox * s - pad + kx lies in [0, w). */
static void valid_range(int out_w, int w, int s, int pad, int kx, int *lo, int *hi)
{
	int a = 0, b = out_w;

	while (a < b && a * s - pad + kx < 0)
		a++;
	while (b > a && (b - 1) * s - pad + kx >= w)
		b--;
	*lo = a;
	*hi = b;
}

int conv2d(const struct conv_params *p, const struct fmap *in, const struct fmap *residual,
	   bool relu, struct fmap *out)
{
	int oh, ow, err;

	if (p->in_channels != in->c || p->k < 1 || p->stride < 1 || p->pad < 0)
		return tt_error(-EINVAL, "conv2d: %d input channels, kernel %d, stride %d, pad %d for a "
				"%d-channel map", p->in_channels, p->k, p->stride, p->pad, in->c);
	oh = (in->h + 2 * p->pad - p->k) / p->stride + 1;
	ow = (in->w + 2 * p->pad - p->k) / p->stride + 1;
	if (oh < 1 || ow < 1)
		return tt_error(-EINVAL, "conv2d: %dx%d input too small for kernel %d", in->h, in->w, p->k);
	if (residual && (residual->c != p->out_channels || residual->h != oh || residual->w != ow))
		return tt_error(-EINVAL, "conv2d: residual %dx%dx%d, output %dx%dx%d", residual->c,
				residual->h, residual->w, p->out_channels, oh, ow);
	if ((err = fmap_alloc(out, p->out_channels, oh, ow)))
		return err;
	size_t plane = (size_t)oh * (size_t)ow, inplane = (size_t)in->h * (size_t)in->w;
	int k = p->k, s = p->stride;
	int lo[16], hi[16];

	if (k > 16) {
		fmap_free(out);
		return tt_error(-EINVAL, "conv2d: kernel %d larger than 16", k);
	}
	for (int kx = 0; kx < k; kx++)
		valid_range(ow, in->w, s, p->pad, kx, &lo[kx], &hi[kx]);
	for (int o = 0; o < p->out_channels; o++) {
		float *dst = out->data + (size_t)o * plane;

		for (size_t i = 0; i < plane; i++)
			dst[i] = 0;
		for (int c = 0; c < in->c; c++) {
			const float *src = in->data + (size_t)c * inplane;
			const float *wk = p->weight + ((size_t)o * (size_t)in->c + (size_t)c) * (size_t)(k * k);

			for (int ky = 0; ky < k; ky++)
				for (int oy = 0; oy < oh; oy++) {
					int iy = oy * s - p->pad + ky;

					if (iy < 0 || iy >= in->h)
						continue;
					const float *row = src + (size_t)iy * (size_t)in->w;
					float *d = dst + (size_t)oy * (size_t)ow;

					for (int kx = 0; kx < k; kx++) {
						float wv = wk[ky * k + kx];
						int off = kx - p->pad;

						if (s == 1) {
							for (int ox = lo[kx]; ox < hi[kx]; ox++)
								d[ox] += wv * row[ox + off];
						} else {
							for (int ox = lo[kx]; ox < hi[kx]; ox++)
								d[ox] += wv * row[ox * s + off];
						}
					}
				}
		}
		for (size_t i = 0; i < plane; i++) {
			float v = dst[i] + p->bias[o];

			if (residual)
				v += residual->data[(size_t)o * plane + i];
			dst[i] = relu && v < 0 ? 0 : v;
		}
	}
	return 0;
}

int max_pool2d(const struct fmap *in, int k, int stride, int pad, struct fmap *out)
{
	int oh, ow, err;

	if (k < 1 || stride < 1 || pad < 0 || 2 * pad > k)
		return tt_error(-EINVAL, "max_pool2d: kernel %d, stride %d, pad %d", k, stride, pad);
	oh = (in->h + 2 * pad - k) / stride + 1;
	ow = (in->w + 2 * pad - k) / stride + 1;
	if ((err = fmap_alloc(out, in->c, oh, ow)))
		return err;
	for (int c = 0; c < in->c; c++)
		for (int oy = 0; oy < oh; oy++)
			for (int ox = 0; ox < ow; ox++) {
				float m = -INFINITY;

				for (int ky = 0; ky < k; ky++)
					for (int kx = 0; kx < k; kx++) {
						int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;

						if (iy < 0 || iy >= in->h || ix < 0 || ix >= in->w)
							continue;
						float v = in->data[((size_t)c * (size_t)in->h + (size_t)iy) *
								   (size_t)in->w + (size_t)ix];

						if (v > m || isnan(v))
							m = v;
					}
				out->data[((size_t)c * (size_t)oh + (size_t)oy) * (size_t)ow + (size_t)ox] = m;
			}
	return 0;
}

/* torch's nearest source index for one axis. */
static int nearest_src(int dst, int in, int out)
{
	if (in == out)
		return dst;
	if (out == 2 * in)
		return dst >> 1;
	float scale = (float)in / (float)out;
	int s = (int)floorf((float)dst * scale);

	return s < in - 1 ? s : in - 1;
}

int upsample_nearest_add(const struct fmap *small, struct fmap *big)
{
	if (small->c != big->c)
		return tt_error(-EINVAL, "upsample: %d channels onto %d", small->c, big->c);
	for (int c = 0; c < big->c; c++)
		for (int y = 0; y < big->h; y++) {
			const float *src = small->data + ((size_t)c * (size_t)small->h +
					   (size_t)nearest_src(y, small->h, big->h)) * (size_t)small->w;
			float *dst = big->data + ((size_t)c * (size_t)big->h + (size_t)y) * (size_t)big->w;

			for (int x = 0; x < big->w; x++)
				dst[x] += src[nearest_src(x, small->w, big->w)];
		}
	return 0;
}

void linear(const float *in, size_t n, int in_features, const float *weight, const float *bias,
	    int out_features, bool relu, float *out)
{
	for (size_t r = 0; r < n; r++) {
		const float *x = in + r * (size_t)in_features;

		for (int o = 0; o < out_features; o++) {
			const float *w = weight + (size_t)o * (size_t)in_features;
			float acc[8] = { 0 };
			int i = 0;

			/* eight partial sums: the compiler can vectorise without reassociating */
			for (; i + 8 <= in_features; i += 8)
				for (int j = 0; j < 8; j++)
					acc[j] += w[i + j] * x[i + j];
			for (; i < in_features; i++)
				acc[0] += w[i] * x[i];
			float v = bias[o] + (((acc[0] + acc[1]) + (acc[2] + acc[3])) +
					     ((acc[4] + acc[5]) + (acc[6] + acc[7])));

			out[r * (size_t)out_features + (size_t)o] = relu && v < 0 ? 0 : v;
		}
	}
}
