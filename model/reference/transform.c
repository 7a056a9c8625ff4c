// SPDX-License-Identifier: MIT
/*
 * GeneralizedRCNNTransform (eval): normalise, resize so that the short side
 * is min_size unless the long side would pass max_size, pad to a multiple of
 * size_divisible.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ttuser.h"
#include "detection.h"

const struct transform_config transform_default = {
	.min_size = 320,
	.max_size = 320,
	.size_divisible = 32,
	.mean = { 0.485f, 0.456f, 0.406f },
	.std = { 0.229f, 0.224f, 0.225f },
};

/*
 * The scale torchvision computes in float32, then uses as a double. Its
 * "number / tensor" is reciprocal(tensor) * number, which can round
 * differently from a division (800 / 480 comes out one bit high, so a
 * 480-pixel side becomes 800 and not 799).
 */
static double resize_scale(const struct transform_config *c, int h, int w)
{
	float lo = (float)(h < w ? h : w), hi = (float)(h > w ? h : w);
	float a = (1.0f / lo) * (float)c->min_size, b = (1.0f / hi) * (float)c->max_size;

	return (double)(a < b ? a : b);
}

void transform_sizes(const struct transform_config *c, int h, int w, int *rh, int *rw,
		     int *ph, int *pw)
{
	double scale = resize_scale(c, h, w);
	int d = c->size_divisible > 0 ? c->size_divisible : 1;

	*rh = (int)floor((double)h * scale);
	*rw = (int)floor((double)w * scale);
	*ph = (*rh + d - 1) / d * d;
	*pw = (*rw + d - 1) / d * d;
}

/* Source index and weights of each output coordinate (align_corners=False). */
static void linear_taps(int in, int out, int *i0, int *i1, float *w0, float *w1)
{
	float scale = (float)in / (float)out;

	for (int o = 0; o < out; o++) {
		float src = scale * ((float)o + 0.5f) - 0.5f;

		if (src < 0)
			src = 0;
		int lo = (int)src;
		float l1 = src - (float)lo;

		l1 = l1 < 0 ? 0 : l1 > 1 ? 1 : l1;
		i0[o] = lo;
		i1[o] = lo < in - 1 ? lo + 1 : lo;
		w0[o] = 1.0f - l1;
		w1[o] = l1;
	}
}

int transform_image(const struct transform_config *c, const float *image, int h, int w, float *out)
{
	int rh, rw, ph, pw;
	float *norm;
	int *yi0, *yi1, *xi0, *xi1;
	float *yw0, *yw1, *xw0, *xw1;

	if (h < 1 || w < 1 || c->min_size < 1 || c->max_size < 1)
		return tt_error(-EINVAL, "transform: image %dx%d, sizes %d/%d", h, w, c->min_size, c->max_size);
	transform_sizes(c, h, w, &rh, &rw, &ph, &pw);
	if (rh < 1 || rw < 1)
		return tt_error(-EINVAL, "transform: %dx%d resizes to nothing", h, w);
	norm = malloc((size_t)3 * (size_t)h * (size_t)w * sizeof(float));
	yi0 = malloc((size_t)(rh + rw) * 2 * sizeof(int));
	yw0 = malloc((size_t)(rh + rw) * 2 * sizeof(float));
	if (!norm || !yi0 || !yw0) {
		free(norm);
		free(yi0);
		free(yw0);
		return tt_error(-ENOMEM, "transform: out of memory");
	}
	yi1 = yi0 + rh;
	xi0 = yi1 + rh;
	xi1 = xi0 + rw;
	yw1 = yw0 + rh;
	xw0 = yw1 + rh;
	xw1 = xw0 + rw;
	for (int ch = 0; ch < 3; ch++)
		for (size_t i = 0; i < (size_t)h * (size_t)w; i++) {
			size_t j = (size_t)ch * (size_t)h * (size_t)w + i;

			norm[j] = (image[j] - c->mean[ch]) / c->std[ch];
		}
	linear_taps(h, rh, yi0, yi1, yw0, yw1);
	linear_taps(w, rw, xi0, xi1, xw0, xw1);
	memset(out, 0, (size_t)3 * (size_t)ph * (size_t)pw * sizeof(float));
	for (int ch = 0; ch < 3; ch++) {
		const float *in = norm + (size_t)ch * (size_t)h * (size_t)w;

		for (int y = 0; y < rh; y++) {
			const float *r0 = in + (size_t)yi0[y] * (size_t)w, *r1 = in + (size_t)yi1[y] * (size_t)w;
			float *o = out + ((size_t)ch * (size_t)ph + (size_t)y) * (size_t)pw;

			for (int x = 0; x < rw; x++) {
				float top = r0[xi0[x]] * xw0[x] + r0[xi1[x]] * xw1[x];
				float bottom = r1[xi0[x]] * xw0[x] + r1[xi1[x]] * xw1[x];

				o[x] = top * yw0[y] + bottom * yw1[y];
			}
		}
	}
	free(norm);
	free(yi0);
	free(yw0);
	return 0;
}
