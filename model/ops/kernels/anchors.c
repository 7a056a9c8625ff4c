// SPDX-License-Identifier: MIT
/*
 * The anchor table, as model/reference/anchors.c makes it on the host: each level's
 * base anchors -- for ratio r and size s (ratio-major), w = s / sqrt(r),
 * h = s * sqrt(r), (-w, -h, w, h) / 2 rounded half to even -- then for
 * anchor g of the table (levels, then cells y, x, then anchors) the base
 * anchor shifted by (x * stride_w, y * stride_h). Every value is an
 * integer, every operation the host's in fp32: the same bits.
 *
 * A work item is a page of 32 records (records.h: the box, the rest 0);
 * the core with item 0 also writes the count.
 *
 * Common args: levels, sizes a level, ratios, the ratios (4, float bits),
 * records address, count address, anchors; then per level: h, w,
 * stride_h, stride_w, first anchor, its sizes (4, float bits). c_1: a
 * page. Args: first item, items, step.
 */
#include <ttuser/kernel/dataflow.h>
#include <ttuser/kernel/fmath.h>

#include "records.h"

#pragma STDC FP_CONTRACT OFF

#define MAX_LEVELS	8
#define MAX_CELL	16
#define ARG_LEVEL	10
#define LEVEL_WORDS	9

static float base[MAX_LEVELS][MAX_CELL][4];

static uint32_t larg(uint32_t l, uint32_t i)
{
	return get_common_arg_val(ARG_LEVEL + LEVEL_WORDS * l + i);
}

/* torch.round: to the nearest integer, half to even, the sign kept (nearbyintf). */
static float round_even(float v)
{
	const float big = 8388608.0f;		/* 2^23: from here on all floats are integers */
	float r;

	if (!(v < big && v > -big))
		return v;
	r = v >= 0 ? (v + big) - big : (v - big) + big;
	return tt_bits_float(tt_float_bits(r) | (tt_float_bits(v) & 0x80000000u));
}

void kernel_main(void)
{
	const uint32_t levels = get_common_arg_val(0), nsizes = get_common_arg_val(1);
	const uint32_t nratios = get_common_arg_val(2), total = get_common_arg_val(9);
	const uint32_t A = nsizes * nratios;
	const uint32_t first = get_arg_val(0), count = get_arg_val(1), step = get_arg_val(2);
	const InterleavedAddrGen recs = rec_buffer(get_common_arg_val(7));
	uint32_t *page = (uint32_t *)(uintptr_t)get_write_ptr(c_1);
	uint32_t l, r, s, it, i, q;

	for (l = 0; l < levels; l++)
		for (r = 0; r < nratios; r++) {
			float h_ratio = tt_sqrtf(tt_bits_float(get_common_arg_val(3 + r)));
			float w_ratio = 1.0f / h_ratio;

			for (s = 0; s < nsizes; s++) {
				float size = tt_bits_float(larg(l, 5 + s));
				float ws = w_ratio * size, hs = h_ratio * size, *b = base[l][r * nsizes + s];

				b[0] = round_even(-ws / 2);
				b[1] = round_even(-hs / 2);
				b[2] = round_even(ws / 2);
				b[3] = round_even(hs / 2);
			}
		}
	for (it = 0; it < count; it++) {
		uint32_t pg = first + it * step, g = pg * 32, x = 0, y = 0, a = 0, w = 0;

		for (i = 0, l = levels; i < 32; i++, g++) {
			uint32_t *rec = page + REC_WORDS * i;
			const float *b;
			float sx, sy;

			for (q = 0; q < REC_WORDS; q++)
				rec[q] = 0;
			if (g >= total)
				continue;
			if (l == levels || (l + 1 < levels && g == larg(l + 1, 4))) {
				/* where g is: its level, cell and anchor (then counted on) */
				for (l = 0; l + 1 < levels && g >= larg(l + 1, 4); l++)
					;
				w = larg(l, 1);
				a = (g - larg(l, 4)) % A;
				x = (g - larg(l, 4)) / A % w;
				y = (g - larg(l, 4)) / A / w;
			}
			sx = (float)(x * larg(l, 3));
			sy = (float)(y * larg(l, 2));
			b = base[l][a];
			rec[0] = tt_float_bits(sx + b[0]);
			rec[1] = tt_float_bits(sy + b[1]);
			rec[2] = tt_float_bits(sx + b[2]);
			rec[3] = tt_float_bits(sy + b[3]);
			if (++a == A) {
				a = 0;
				if (++x == w) {
					x = 0;
					y++;
				}
			}
		}
		noc_async_write((uint32_t)(uintptr_t)page, get_noc_addr(pg, &recs), REC_PAGE);
		noc_async_write_barrier();
	}
	if (first == 0 && count)
		rec_set_count(get_common_arg_val(8), total, page);
}
