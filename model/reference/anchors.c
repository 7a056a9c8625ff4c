// SPDX-License-Identifier: MIT
/* AnchorGenerator: rounded base anchors per level, shifted over the feature grid. */
#include <errno.h>
#include <math.h>

#include "ttuser.h"
#include "detection.h"

const struct anchor_config anchors_r50_fpn = {
	.nlevels = 5,
	.nsizes = 1,
	.sizes = { { 32 }, { 64 }, { 128 }, { 256 }, { 512 } },
	.nratios = 3,
	.ratios = { 0.5f, 1.0f, 2.0f },
};

size_t anchors_per_cell(const struct anchor_config *c)
{
	return (size_t)c->nsizes * (size_t)c->nratios;
}

/* Ratio-major, size-minor, as torchvision's (w_ratios[:, None] * scales[None, :]). */
static void base_anchors(const struct anchor_config *c, int level, float *base)
{
	int a = 0;

	for (int r = 0; r < c->nratios; r++) {
		float h_ratio = sqrtf(c->ratios[r]), w_ratio = 1.0f / h_ratio;

		for (int s = 0; s < c->nsizes; s++, a++) {
			float ws = w_ratio * c->sizes[level][s], hs = h_ratio * c->sizes[level][s];

			/* torch.round: half to even, as nearbyintf in the default mode */
			base[a * 4 + 0] = nearbyintf(-ws / 2);
			base[a * 4 + 1] = nearbyintf(-hs / 2);
			base[a * 4 + 2] = nearbyintf(ws / 2);
			base[a * 4 + 3] = nearbyintf(hs / 2);
		}
	}
}

int anchors_generate(const struct anchor_config *c, int img_h, int img_w, const int *feat_h,
		     const int *feat_w, float *out)
{
	float base[ANCHOR_MAX_PER_CELL * 4];
	size_t na = anchors_per_cell(c);

	if (c->nlevels < 1 || c->nlevels > ANCHOR_MAX_LEVELS || c->nsizes < 1 || c->nsizes > 4 ||
	    c->nratios < 1 || c->nratios > 4)
		return tt_error(-EINVAL, "anchors: %d levels, %d sizes, %d ratios: outside 1..%d, 1..4, 1..4",
				c->nlevels, c->nsizes, c->nratios, ANCHOR_MAX_LEVELS);
	for (int l = 0; l < c->nlevels; l++) {
		if (feat_h[l] < 1 || feat_w[l] < 1 || feat_h[l] > img_h || feat_w[l] > img_w)
			return tt_error(-EINVAL, "anchors: level %d map %dx%d for a %dx%d image", l,
					feat_h[l], feat_w[l], img_h, img_w);
		for (int r = 0; r < c->nratios; r++)
			if (!(c->ratios[r] > 0))
				return tt_error(-EINVAL, "anchors: aspect ratio %g is not positive",
						c->ratios[r]);
	}
	for (int l = 0; l < c->nlevels; l++) {
		int stride_h = img_h / feat_h[l], stride_w = img_w / feat_w[l];

		base_anchors(c, l, base);
		for (int y = 0; y < feat_h[l]; y++)
			for (int x = 0; x < feat_w[l]; x++)
				for (size_t a = 0; a < na; a++, out += 4) {
					float sx = (float)(x * stride_w), sy = (float)(y * stride_h);

					out[0] = sx + base[a * 4 + 0];
					out[1] = sy + base[a * 4 + 1];
					out[2] = sx + base[a * 4 + 2];
					out[3] = sy + base[a * 4 + 3];
				}
	}
	return 0;
}
