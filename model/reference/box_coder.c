// SPDX-License-Identifier: MIT
/* BoxCoder.decode: deltas (dx, dy, dw, dh) relative to reference boxes. */
#include <math.h>

#include "detection.h"

/* log(1000 / 16) as torchvision's double, rounded to float where it is used. */
#define XFORM_CLIP 4.135166556742356

const struct box_coder box_coder_rpn = { 1.0f, 1.0f, 1.0f, 1.0f, (float)XFORM_CLIP };
const struct box_coder box_coder_roi = { 10.0f, 10.0f, 5.0f, 5.0f, (float)XFORM_CLIP };

void box_decode(const struct box_coder *c, const float *boxes, size_t n, const float *deltas,
		size_t k, float *out)
{
	for (size_t i = 0; i < n; i++) {
		const float *b = boxes + i * 4;
		float width = b[2] - b[0], height = b[3] - b[1];
		float ctr_x = b[0] + 0.5f * width, ctr_y = b[1] + 0.5f * height;

		for (size_t j = 0; j < k; j++) {
			const float *d = deltas + (i * k + j) * 4;
			float *o = out + (i * k + j) * 4;
			float dx = d[0] / c->wx, dy = d[1] / c->wy;
			float dw = fminf(d[2] / c->ww, c->clip), dh = fminf(d[3] / c->wh, c->clip);
			float px = dx * width + ctr_x, py = dy * height + ctr_y;
			float half_w = 0.5f * (expf(dw) * width), half_h = 0.5f * (expf(dh) * height);

			o[0] = px - half_w;
			o[1] = py - half_h;
			o[2] = px + half_w;
			o[3] = py + half_h;
		}
	}
}
