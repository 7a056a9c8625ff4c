// SPDX-License-Identifier: MIT
/*
 * RoIAlign as torchvision's CPU kernel (bilinear samples on a regular grid in
 * each bin, averaged), and MultiScaleRoIAlign: each box goes to one FPN level
 * chosen by its size (LevelMapper).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ttuser.h"
#include "detection.h"

struct sample {
	int pos[4];
	float w[4];
};

/* The bilinear weights of one sample point (zero outside the map). */
static struct sample bilinear(int height, int width, float y, float x)
{
	struct sample s = { { 0, 0, 0, 0 }, { 0, 0, 0, 0 } };
	int y_low, x_low, y_high, x_high;

	if (y < -1.0f || y > (float)height || x < -1.0f || x > (float)width)
		return s;
	if (y <= 0)
		y = 0;
	if (x <= 0)
		x = 0;
	y_low = (int)y;
	x_low = (int)x;
	if (y_low >= height - 1) {
		y_high = y_low = height - 1;
		y = (float)y_low;
	} else {
		y_high = y_low + 1;
	}
	if (x_low >= width - 1) {
		x_high = x_low = width - 1;
		x = (float)x_low;
	} else {
		x_high = x_low + 1;
	}
	float ly = y - (float)y_low, lx = x - (float)x_low;
	float hy = 1.0f - ly, hx = 1.0f - lx;

	s.pos[0] = y_low * width + x_low;
	s.pos[1] = y_low * width + x_high;
	s.pos[2] = y_high * width + x_low;
	s.pos[3] = y_high * width + x_high;
	s.w[0] = hy * hx;
	s.w[1] = hy * lx;
	s.w[2] = ly * hx;
	s.w[3] = ly * lx;
	return s;
}

int roi_align(const struct feature_map *f, double spatial_scale, int pooled, int sampling_ratio,
	      bool aligned, const float *boxes, size_t n, float *out)
{
	if (pooled < 1 || pooled > 64 || sampling_ratio > 16 || f->c < 1 || f->h < 1 || f->w < 1)
		return tt_error(-EINVAL, "roi_align: output %d, sampling ratio %d, map %dx%dx%d not supported",
				pooled, sampling_ratio, f->c, f->h, f->w);
	for (size_t r = 0; r < n; r++) {
		const float *b = boxes + r * 4;
		float offset = aligned ? 0.5f : 0.0f;
		float start_w = (float)(b[0] * spatial_scale - offset);
		float start_h = (float)(b[1] * spatial_scale - offset);
		float end_w = (float)(b[2] * spatial_scale - offset);
		float end_h = (float)(b[3] * spatial_scale - offset);
		float roi_w = end_w - start_w, roi_h = end_h - start_h;

		if (!aligned) {
			roi_w = roi_w > 1.0f ? roi_w : 1.0f;
			roi_h = roi_h > 1.0f ? roi_h : 1.0f;
		}
		float bin_h = roi_h / (float)pooled, bin_w = roi_w / (float)pooled;
		int grid_h = sampling_ratio > 0 ? sampling_ratio : (int)ceilf(roi_h / (float)pooled);
		int grid_w = sampling_ratio > 0 ? sampling_ratio : (int)ceilf(roi_w / (float)pooled);
		int ns = grid_h * grid_w;
		float count = (float)(ns > 1 ? ns : 1);
		size_t nsamples = (size_t)pooled * (size_t)pooled * (size_t)(ns > 0 ? ns : 1);
		struct sample *pre, *p;

		/* An adaptive grid (sampling_ratio <= 0) grows with the box; bound it. */
		if (!(roi_h < 1e6f && roi_w < 1e6f) || nsamples > (1u << 24))
			return tt_error(-EINVAL, "roi_align: box %zu (%g, %g, %g, %g) too large to sample",
					r, b[0], b[1], b[2], b[3]);
		pre = p = malloc(nsamples * sizeof(*pre));
		if (!pre)
			return tt_error(-ENOMEM, "roi_align: out of memory");
		for (int ph = 0; ph < pooled; ph++)
			for (int pw = 0; pw < pooled; pw++)
				for (int iy = 0; iy < grid_h; iy++) {
					float yy = start_h + (float)ph * bin_h +
						   (float)(iy + .5f) * bin_h / (float)grid_h;

					for (int ix = 0; ix < grid_w; ix++) {
						float xx = start_w + (float)pw * bin_w +
							   (float)(ix + .5f) * bin_w / (float)grid_w;

						*p++ = bilinear(f->h, f->w, yy, xx);
					}
				}
		for (int c = 0; c < f->c; c++) {
			const float *in = f->data + (size_t)c * (size_t)f->h * (size_t)f->w;
			float *o = out + ((r * (size_t)f->c + (size_t)c) * (size_t)pooled) * (size_t)pooled;

			p = pre;
			for (int bin = 0; bin < pooled * pooled; bin++) {
				float v = 0;

				for (int s = 0; s < ns; s++, p++)
					v += p->w[0] * in[p->pos[0]] + p->w[1] * in[p->pos[1]] +
					     p->w[2] * in[p->pos[2]] + p->w[3] * in[p->pos[3]];
				o[bin] = v / count;
			}
		}
		free(pre);
	}
	return 0;
}

int roi_level_mapper(const int *heights, int nlevels, int img_h, double *scale, int *lvl_min)
{
	int lvl_max;

	if (nlevels < 1 || nlevels > ANCHOR_MAX_LEVELS || img_h < 1)
		return tt_error(-EINVAL, "MultiScaleRoIAlign: %d levels for a %d-pixel-high image",
				nlevels, img_h);
	for (int l = 0; l < nlevels; l++) {
		if (heights[l] < 1)
			return tt_error(-EINVAL, "MultiScaleRoIAlign: level %d is %d pixels high", l,
					heights[l]);
		/* _infer_scale: 2 ** round(log2(feature / image)), in float32, from the height */
		float approx = (float)((double)heights[l] / (double)img_h);

		scale[l] = exp2((double)nearbyintf(log2f(approx)));
	}
	*lvl_min = (int)-log2f((float)scale[0]);
	lvl_max = (int)-log2f((float)scale[nlevels - 1]);
	if (lvl_max - *lvl_min != nlevels - 1)
		return tt_error(-EINVAL, "MultiScaleRoIAlign: map scales 1/%g .. 1/%g do not step by 2 per level",
				1 / scale[0], 1 / scale[nlevels - 1]);
	return 0;
}

/* LevelMapper's level of a box of sqrt(area) s: floor(4 + log2(s / 224) + 1e-6), not clamped */
static float level_of(float s)
{
	return floorf(4.0f + log2f(s / 224.0f) + 1e-6f);
}

int roi_level(const float *b, int lvl_min, int nlevels)
{
	float k = level_of(sqrtf((b[2] - b[0]) * (b[3] - b[1])));
	int lvl_max = lvl_min + nlevels - 1;

	k = !(k >= (float)lvl_min) ? (float)lvl_min : k > (float)lvl_max ? (float)lvl_max : k;
	return (int)k - lvl_min;
}

int roi_level_bounds(int lvl_min, int nlevels, float *bound)
{
	if (nlevels < 1 || nlevels > ANCHOR_MAX_LEVELS || lvl_min < -100 || lvl_min > 100)
		return tt_error(-EINVAL, "LevelMapper: %d levels from %d", nlevels, lvl_min);
	for (int k = 1; k < nlevels; k++) {
		/* near 224 * 2^(K - 4): the level steps there, or a few floats below (+ 1e-6) */
		float K = (float)(lvl_min + k), s = ldexpf(224.0f, lvl_min + k - 4);

		while (!(level_of(s) >= K))
			s = nextafterf(s, INFINITY);
		while (level_of(nextafterf(s, 0)) >= K)
			s = nextafterf(s, 0);
		bound[k - 1] = s;
	}
	return 0;
}

int multiscale_roi_align(const struct feature_map *maps, int nlevels, int img_h, int img_w,
			 const float *boxes, size_t n, int pooled, int sampling_ratio, float *out,
			 int *level)
{
	double scale[ANCHOR_MAX_LEVELS];
	int heights[ANCHOR_MAX_LEVELS], lvl_min, err;
	size_t per;

	(void)img_w;
	if (nlevels < 1 || nlevels > ANCHOR_MAX_LEVELS)
		return tt_error(-EINVAL, "MultiScaleRoIAlign: %d levels", nlevels);
	for (int l = 0; l < nlevels; l++) {
		if (maps[l].c != maps[0].c || maps[l].h < 1 || maps[l].w < 1)
			return tt_error(-EINVAL, "MultiScaleRoIAlign: level %d is %dx%dx%d, level 0 has %d channels",
					l, maps[l].c, maps[l].h, maps[l].w, maps[0].c);
		heights[l] = maps[l].h;
	}
	err = roi_level_mapper(heights, nlevels, img_h, scale, &lvl_min);
	if (err)
		return err;
	per = (size_t)maps[0].c * (size_t)pooled * (size_t)pooled;
	memset(out, 0, n * per * sizeof(float));
	for (size_t i = 0; i < n; i++) {
		int l = roi_level(boxes + i * 4, lvl_min, nlevels);

		if (level)
			level[i] = l;
		err = roi_align(&maps[l], scale[l], pooled, sampling_ratio, false, boxes + i * 4, 1,
				out + i * per);
		if (err)
			return err;
	}
	return 0;
}
