// SPDX-License-Identifier: MIT
/*
 * NMS: the suppression mask on every core, the greedy scan on core 0 (as
 * GPU NMS does it).
 *
 * The boxes come as records (records.h: x1, y1, x2, y2, score as float
 * bits; the group as a float, then as a word, then a word not used), in
 * the order of their index, n of them by their count buffer (none if
 * that is over max); order[] (op_topk's result) lists them by descending
 * score. Each core reads both, lays out the sorted boxes and their
 * areas, and for its rows r (r = idx, idx + cores, ...) sets bit j of
 * mask row r for every j > r whose IoU with r is > thr, computed in fp32
 * exactly as torchvision's CPU kernel does. Unbatched, it compares all
 * pairs; batched up to offset_max boxes, it first moves each box by
 * group * (max coordinate + 1) (batched_nms); batched beyond, it
 * compares only boxes of one group (groups numbered 0 .. n - 1 in word
 * 6), following a list of each group's boxes in order. Row r's words
 * from r / 32 on go to page r of the mask buffer; then the core counts
 * itself in on core 0's semaphore. Core 0 then walks the rows in order:
 * a row not yet suppressed is kept and suppresses its row's bits. It
 * writes the count and the kept indices to the output's page 0, and
 * with a kept address, the first limit kept records to it (and their
 * number to its count buffer).
 *
 * Common args: records address, order address, order page bytes, count
 * address, max, mask address, mask page bytes, output address, output
 * page bytes, thr (float bits), batched, offset_max, semaphore id, cores,
 * kept address (0: none), kept count address, limit. c_1 is the scratch.
 * Args: idx.
 */
#include <ttuser/kernel/dataflow.h>

#include "records.h"

#pragma STDC FP_CONTRACT OFF

#define BLOCK	32		/* mask rows core 0 reads at a time */

/* The sorted boxes, laid out a coordinate at a time. */
struct boxes {
	float *x1, *y1, *x2, *y2, *area;
};

/* Whether box r suppresses box j: IoU > thr, in fp32 as torchvision's CPU kernel. */
static int suppresses(const struct boxes *b, uint32_t r, uint32_t j, float thr)
{
	float xx1, yy1, xx2, yy2, w, h, inter, iou;

	xx1 = b->x1[r] > b->x1[j] ? b->x1[r] : b->x1[j];
	xx2 = b->x2[r] < b->x2[j] ? b->x2[r] : b->x2[j];
	if (thr >= 0.0f && !(xx2 - xx1 > 0))
		return 0;	/* no overlap: IoU 0 (or NaN) is not > thr */
	yy1 = b->y1[r] > b->y1[j] ? b->y1[r] : b->y1[j];
	yy2 = b->y2[r] < b->y2[j] ? b->y2[r] : b->y2[j];
	w = xx2 - xx1 > 0 ? xx2 - xx1 : 0;
	h = yy2 - yy1 > 0 ? yy2 - yy1 : 0;
	inter = w * h;
	iou = inter / (b->area[r] + b->area[j] - inter);
	return iou > thr;
}

void kernel_main(void)
{
	const uint32_t max = get_common_arg_val(4), mask_page = get_common_arg_val(6);
	const uint32_t out_page = get_common_arg_val(8);
	const float thr = tt_bits_float(get_common_arg_val(9));
	const uint32_t cores = get_common_arg_val(13), idx = get_arg_val(0);
	const InterleavedAddrGen recs = rec_buffer(get_common_arg_val(0));
	const InterleavedAddrGen order_buf = {
		.bank_base_address = get_common_arg_val(1), .page_size = get_common_arg_val(2),
		.is_dram = true,
	};
	const InterleavedAddrGen mask = {
		.bank_base_address = get_common_arg_val(5), .page_size = mask_page, .is_dram = true,
	};
	const InterleavedAddrGen out = {
		.bank_base_address = get_common_arg_val(7), .page_size = out_page, .is_dram = true,
	};
	volatile uint32_t *sem = (volatile uint32_t *)(uintptr_t)get_semaphore(get_common_arg_val(12));
	uint32_t *rec = (uint32_t *)(uintptr_t)get_write_ptr(c_1);
	uint32_t n = rec_count(get_common_arg_val(3), rec), W, mode;
	uint32_t *order, *grp, *next, *last, *row;
	float *x1, *y1, *x2, *y2, *area;
	struct boxes bx;
	uint32_t i, j, r, p;
	float max_c = 0;

	if (idx >= cores)
		return;
	n = n <= max ? n : 0;
	W = (n + 31) / 32;
	mode = !get_common_arg_val(10) ? 0 : n <= get_common_arg_val(11) ? 1 : 2;
	order = rec + 32 * W * 8;					/* rec: n * 8 */
	x1 = (float *)(order + n);					/* order: n */
	y1 = x1 + n;
	x2 = y1 + n;
	y2 = x2 + n;
	area = y2 + n;
	grp = (uint32_t *)(area + n);
	next = grp + n;
	last = next + n;						/* n each */
	row = last + n;							/* W */
	bx = (struct boxes){ x1, y1, x2, y2, area };
	for (p = 0; p < W; p++)
		noc_async_read(get_noc_addr(p, &recs), (uint32_t)(uintptr_t)(rec + 256 * p), 1024);
	if (n)
		noc_async_read(get_noc_addr(0, &order_buf), (uint32_t)(uintptr_t)order, 4 * n);
	noc_async_read_barrier();
	if (mode == 1) {
		max_c = tt_bits_float(rec[0]);
		for (i = 0; i < n; i++)
			for (j = 0; j < 4; j++) {
				float v = tt_bits_float(rec[8 * i + j]);

				max_c = v > max_c ? v : max_c;
			}
	}
	for (i = 0; i < n; i++) {
		const uint32_t *b = rec + 8 * order[i];
		float off = mode == 1 ? tt_bits_float(b[5]) * (max_c + 1.0f) : 0.0f;

		x1[i] = tt_bits_float(b[0]);
		y1[i] = tt_bits_float(b[1]);
		x2[i] = tt_bits_float(b[2]);
		y2[i] = tt_bits_float(b[3]);
		if (mode == 1) {
			x1[i] = x1[i] + off;
			y1[i] = y1[i] + off;
			x2[i] = x2[i] + off;
			y2[i] = y2[i] + off;
		}
		area[i] = (x2[i] - x1[i]) * (y2[i] - y1[i]);
		grp[i] = b[6];
	}
	if (mode == 2) {
		/* next[i]: the next box of i's group in order (grp: 0 .. n - 1) */
		for (i = 0; i < n; i++)
			last[i] = n;
		for (i = n; i-- > 0;) {
			next[i] = last[grp[i]];
			last[grp[i]] = i;
		}
	}
	for (r = idx; r < n && mode == 2; r += cores) {
		const uint32_t w0 = r / 32;

		for (j = w0; j < W; j++)
			row[j] = 0;
		for (j = next[r]; j < n; j = next[j])
			if (suppresses(&bx, r, j, thr))
				row[j / 32] |= 1u << (j & 31);
		noc_async_write((uint32_t)(uintptr_t)(row + w0), get_noc_addr(r, &mask, 4 * w0),
				4 * (W - w0));
		noc_async_write_barrier();
	}
	for (r = idx; r < n && mode != 2; r += cores) {
		const uint32_t w0 = r / 32;
		uint32_t wd;

		for (wd = w0; wd < W; wd++) {
			uint32_t bits = 0, j1 = wd * 32 + 32 < n ? wd * 32 + 32 : n;

			for (j = wd == w0 ? r + 1 : wd * 32; j < j1; j++)
				if (suppresses(&bx, r, j, thr))
					bits |= 1u << (j & 31);
			row[wd] = bits;
		}
		noc_async_write((uint32_t)(uintptr_t)(row + w0), get_noc_addr(r, &mask, 4 * w0),
				4 * (W - w0));
		noc_async_write_barrier();
	}
	if (idx) {
		noc_semaphore_inc(get_noc_addr(0, 0, (uint32_t)(uintptr_t)sem), 1);
		return;
	}
	{
		/* core 0: the scan, BLOCK rows of the mask at a time */
		uint32_t *removed = row + W, *block = removed + W, *keep = block + BLOCK * W;
		uint32_t kept = 0, b;

		noc_semaphore_wait(sem, cores - 1);
		for (b = 0; b < W; b++)
			removed[b] = 0;
		for (r = 0; r < n; r += BLOCK) {
			uint32_t last = r + BLOCK < n ? r + BLOCK : n;

			for (i = r; i < last; i++)
				noc_async_read(get_noc_addr(i, &mask, 4 * (r / 32)),
					       (uint32_t)(uintptr_t)(block + (i - r) * W + r / 32),
					       4 * (W - r / 32));
			noc_async_read_barrier();
			for (i = r; i < last; i++) {
				const uint32_t *m = block + (i - r) * W;

				if (removed[i / 32] & (1u << (i & 31)))
					continue;
				keep[1 + kept++] = order[i];
				for (b = i / 32; b < W; b++)
					removed[b] |= m[b];
			}
		}
		keep[0] = kept;
		noc_async_write((uint32_t)(uintptr_t)keep, get_noc_addr(0, &out), 4 * (1 + kept));
		noc_async_write_barrier();
		if (get_common_arg_val(14)) {
			uint32_t limit = get_common_arg_val(16);
			struct rec_out o;

			rec_begin(&o, get_common_arg_val(14), get_common_arg_val(15), keep + 1 + n);
			for (i = 0; i < kept && i < limit; i++)
				rec_put(&o, rec + 8 * keep[1 + i]);
			rec_end(&o);
		}
	}
}
