// SPDX-License-Identifier: MIT
/* Box clipping and the small-box test (torchvision.ops.boxes). */
#include "detection.h"

static float clampf(float v, float lo, float hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

void boxes_clip(float *boxes, size_t n, float h, float w)
{
	for (size_t i = 0; i < n; i++) {
		float *b = boxes + i * 4;

		b[0] = clampf(b[0], 0, w);
		b[1] = clampf(b[1], 0, h);
		b[2] = clampf(b[2], 0, w);
		b[3] = clampf(b[3], 0, h);
	}
}

bool box_is_small(const float *box, float min_size)
{
	return !(box[2] - box[0] >= min_size && box[3] - box[1] >= min_size);
}
