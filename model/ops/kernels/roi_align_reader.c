// SPDX-License-Identifier: MIT
/*
 * RoIAlign reader: work item = a block of 32 output bins (bin g is RoI
 * g / (P * P), bin g % (P * P) of it, row-major) and a group of channels.
 * For each bin it computes torchvision's sample points (sr x sr a bin)
 * and their bilinear pixels and weights -- S = 4 * sr * sr (pixel, weight)
 * pairs a bin -- then for each pair s: the 32 bins' sticks (the item's
 * channels) as 32 row-major rows in cw pages of c_0, and a Float32 tile
 * in c_1 whose column 0 holds the 32 weights (divided by sr * sr), for
 * the compute kernel's column-broadcast multiply. Bins of RoIs from the
 * boxes' count on get weight 0 (their output is 0). With split (Float32
 * maps), two such tiles a pair: the weights cut to the 10 mantissa bits
 * the FPU's source registers hold, then what the cut left out.
 *
 * A box's level is the LevelMapper's: the number of bounds (roi_level_bounds
 * on the host) that the square root of its area reaches.
 *
 * Common args: boxes address (records.h), count address, RoIs (the
 * output's), P, sr, stick bytes, groups, cw, levels, 4 bounds (float
 * bits, levels - 1 of them used), split, then per level: address, h, w, scale
 * (float bits). Args: first item, items, step.
 */
#include <ttuser/kernel/dataflow.h>
#include <ttuser/kernel/fmath.h>

#include "records.h"

#pragma STDC FP_CONTRACT OFF

#define MAX_PAIRS	16
#define ARG_BOUND	9
#define ARG_SPLIT	13
#define ARG_LEVEL	14

static uint32_t pos[32][MAX_PAIRS];
static float wt[32][MAX_PAIRS];

/* One bilinear sample: four (pixel, weight) pairs from p on, all zero outside the map. */
static void bilinear(int32_t h, int32_t w, float y, float x, float scale, uint32_t *p, float *q)
{
	int32_t y_low, x_low, y_high, x_high;
	float ly, lx, hy, hx;

	if (y < -1.0f || y > (float)h || x < -1.0f || x > (float)w) {
		p[0] = p[1] = p[2] = p[3] = 0;
		q[0] = q[1] = q[2] = q[3] = 0.0f;
		return;
	}
	if (y <= 0)
		y = 0;
	if (x <= 0)
		x = 0;
	y_low = (int32_t)y;
	x_low = (int32_t)x;
	if (y_low >= h - 1) {
		y_high = y_low = h - 1;
		y = (float)y_low;
	} else {
		y_high = y_low + 1;
	}
	if (x_low >= w - 1) {
		x_high = x_low = w - 1;
		x = (float)x_low;
	} else {
		x_high = x_low + 1;
	}
	ly = y - (float)y_low;
	lx = x - (float)x_low;
	hy = 1.0f - ly;
	hx = 1.0f - lx;
	p[0] = (uint32_t)(y_low * w + x_low);
	p[1] = (uint32_t)(y_low * w + x_high);
	p[2] = (uint32_t)(y_high * w + x_low);
	p[3] = (uint32_t)(y_high * w + x_high);
	q[0] = hy * hx * scale;
	q[1] = hy * lx * scale;
	q[2] = ly * hx * scale;
	q[3] = ly * lx * scale;
}

/* The level of box b (x1, y1, x2, y2 as float bits). */
static uint32_t level_of(volatile uint32_t *b, uint32_t levels)
{
	float s = tt_sqrtf((tt_bits_float(b[2]) - tt_bits_float(b[0])) *
			   (tt_bits_float(b[3]) - tt_bits_float(b[1])));
	uint32_t l = 0;

	while (l + 1 < levels && s >= tt_bits_float(get_common_arg_val(ARG_BOUND + l)))
		l++;
	return l;
}

void kernel_main(void)
{
	const uint32_t nroi = get_common_arg_val(2), P = get_common_arg_val(3);
	const uint32_t sr = get_common_arg_val(4), stick = get_common_arg_val(5);
	const uint32_t groups = get_common_arg_val(6), cw = get_common_arg_val(7);
	const uint32_t levels = get_common_arg_val(8), split = get_common_arg_val(ARG_SPLIT);
	const uint32_t pairs = 4 * sr * sr, width = stick / groups;
	const uint32_t first = get_arg_val(0), count = get_arg_val(1), step = get_arg_val(2);
	const float inv_count = 1.0f / (float)(sr * sr);
	const InterleavedAddrGen boxes = rec_buffer(get_common_arg_val(0));
	uint32_t it, i, s, box_l1, lvl[32], bins;
	volatile uint32_t *box;

	/* the weight tiles: zero once, then only column 0 is ever written */
	memset((void *)(uintptr_t)get_write_ptr(c_1), 0, 2 * pairs * 4096);
	cb_reserve_back(c_3, 1);		/* a scratch page for box records */
	box_l1 = get_write_ptr(c_3);
	box = (volatile uint32_t *)(uintptr_t)box_l1;
	bins = rec_count(get_common_arg_val(1), (uint32_t *)box);
	bins = (bins < nroi ? bins : nroi) * P * P;

	for (it = 0; it < count; it++) {
		uint32_t item = first + it * step, blk = item / groups, off = item % groups * width;
		uint32_t roi = 0xffffffffu, level = 0;
		float x1 = 0, y1 = 0, scale = 0, bin_w = 0, bin_h = 0;

		for (i = 0; i < 32; i++) {
			uint32_t g = blk * 32 + i, b, ph, pw, iy, ix, k = 0;
			int32_t h, w;

			if (g >= bins) {
				for (s = 0; s < pairs; s++) {
					pos[i][s] = 0;
					wt[i][s] = 0.0f;
				}
				lvl[i] = 0;
				continue;
			}
			if (g / (P * P) != roi) {
				float x2, y2, roi_w, roi_h;

				roi = g / (P * P);
				noc_async_read(get_noc_addr(roi / 32, &boxes, (roi % 32) * 32), box_l1, 32);
				noc_async_read_barrier();
				level = level_of(box, levels);
				scale = tt_bits_float(get_common_arg_val(ARG_LEVEL + 4 * level + 3));
				x1 = tt_bits_float(box[0]) * scale;
				y1 = tt_bits_float(box[1]) * scale;
				x2 = tt_bits_float(box[2]) * scale;
				y2 = tt_bits_float(box[3]) * scale;
				roi_w = x2 - x1;
				roi_h = y2 - y1;
				roi_w = roi_w > 1.0f ? roi_w : 1.0f;
				roi_h = roi_h > 1.0f ? roi_h : 1.0f;
				bin_h = roi_h / (float)P;
				bin_w = roi_w / (float)P;
			}
			b = g % (P * P);
			ph = b / P;
			pw = b % P;
			h = (int32_t)get_common_arg_val(ARG_LEVEL + 4 * level + 1);
			w = (int32_t)get_common_arg_val(ARG_LEVEL + 4 * level + 2);
			lvl[i] = level;
			for (iy = 0; iy < sr; iy++) {
				float yy = y1 + (float)ph * bin_h + ((float)iy + 0.5f) * bin_h / (float)sr;
				for (ix = 0; ix < sr; ix++, k += 4) {
					float xx = x1 + (float)pw * bin_w +
						   ((float)ix + 0.5f) * bin_w / (float)sr;

					bilinear(h, w, yy, xx, inv_count, &pos[i][k], &wt[i][k]);
				}
			}
		}
		for (s = 0; s < pairs; s++) {
			uint32_t l1;
			volatile float *col;

			cb_reserve_back(c_0, cw);
			l1 = get_write_ptr(c_0);
			for (i = 0; i < 32; i++) {
				const InterleavedAddrGen map = {
					.bank_base_address = get_common_arg_val(ARG_LEVEL + 4 * lvl[i]),
					.page_size = 32 * stick,
					.is_dram = true,
				};
				uint32_t p = pos[i][s];

				noc_async_read(get_noc_addr(p >> 5, &map, (p & 31) * stick + off),
					       l1 + i * width, width);
			}
			cb_reserve_back(c_1, 1 + split);
			col = (volatile float *)(uintptr_t)get_write_ptr(c_1);
			for (i = 0; i < 32; i++) {
				float w = wt[i][s];
				uint32_t at = (i / 16) * 512 + (i % 16) * 16;

				if (split) {
					float hi = tt_bits_float(tt_float_bits(w) & 0xffffe000u);

					col[at] = hi;
					col[1024 + at] = w - hi;
				} else {
					col[at] = w;
				}
			}
			noc_async_read_barrier();
			cb_push_back(c_0, cw);
			cb_push_back(c_1, 1 + split);
		}
	}
}
