// SPDX-License-Identifier: MIT
/*
 * The box head's detections: each RoI's softmax, its class boxes decoded
 * and clipped, the candidates filtered, as model/reference/postprocess.c does it
 * on the host (with model/reference/box_coder.c and model/reference/boxes.c), operation for
 * operation in fp32.
 *
 * Each core takes a run of chunk RoIs (of those below the proposals'
 * count), batch at a time: RoI i's row (stick i of the predictions: K
 * class logits, then class j's deltas at K + 4j, Float32 or Float16_b)
 * and its proposal (a record, records.h: x1, y1, x2, y2). It takes
 * the softmax of the logits (max, exp(x - max) by tt_expf summed in
 * order, times 1 / sum), decodes each class j >= 1's box (dx / wx, ...,
 * dw and dh clamped at clip), clips it to the image, and keeps it when
 * its probability is > the threshold and it is not small: an 8-word
 * record (x1, y1, x2, y2, score; j as a float and as a word; 0) in
 * (RoI, class) order, written to the core's region of the stage buffer
 * (pages of 32 records), its count to word idx of the counts (one page
 * of 1024 bytes: up to 256 cores). Core 0
 * then copies the regions in core order to the NMS records and writes
 * the total -- or, when it is over max, only the total.
 *
 * Common args: K, element bytes, stick bytes, predictions address,
 * proposals address, RoIs (at most), image w, image h, min size, score
 * threshold, clip, wx, wy, ww, wh (float bits), stage address, region
 * pages, counts address, records address, total address, semaphore id,
 * cores, chunk, max, batch, proposals' count address. c_1 is the
 * scratch. Args: idx.
 */
#include <ttuser/kernel/dataflow.h>
#include <ttuser/kernel/fmath.h>

#include "records.h"

#pragma STDC FP_CONTRACT OFF

static float clampf(float v, float lo, float hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static float arg_float(uint32_t i)
{
	return tt_bits_float(get_common_arg_val(i));
}

static float elem(const void *row, uint32_t i, uint32_t es)
{
	if (es == 4)
		return tt_bits_float(((const uint32_t *)row)[i]);
	return tt_bits_float((uint32_t)((const uint16_t *)row)[i] << 16);
}

/* RoI's candidates to rec; returns their number. prob: K floats of room. */
static uint32_t roi(const void *row, const uint32_t *box, float *prob, uint32_t *rec)
{
	const uint32_t K = get_common_arg_val(0), es = get_common_arg_val(1);
	const float img_w = arg_float(6), img_h = arg_float(7), min_size = arg_float(8);
	const float thresh = arg_float(9), clip = arg_float(10);
	const float wx = arg_float(11), wy = arg_float(12), ww = arg_float(13), wh = arg_float(14);
	float b[4], width, height, ctr_x, ctr_y, max, sum = 0, inv;
	uint32_t j, q, n = 0;

	max = elem(row, 0, es);
	for (j = 1; j < K; j++) {
		float v = elem(row, j, es);

		max = v > max ? v : max;
	}
	for (j = 0; j < K; j++) {
		prob[j] = tt_expf(elem(row, j, es) - max);
		sum = sum + prob[j];
	}
	inv = 1.0f / sum;
	for (q = 0; q < 4; q++)
		b[q] = tt_bits_float(box[q]);
	width = b[2] - b[0];
	height = b[3] - b[1];
	ctr_x = b[0] + 0.5f * width;
	ctr_y = b[1] + 0.5f * height;
	for (j = 1; j < K; j++) {
		float p = prob[j] * inv, dx, dy, dw, dh, px, py, hw, hh, o[4];
		uint32_t d = K + 4 * j;

		dx = elem(row, d, es) / wx;
		dy = elem(row, d + 1, es) / wy;
		dw = __builtin_fminf(elem(row, d + 2, es) / ww, clip);
		dh = __builtin_fminf(elem(row, d + 3, es) / wh, clip);
		px = dx * width + ctr_x;
		py = dy * height + ctr_y;
		hw = 0.5f * (tt_expf(dw) * width);
		hh = 0.5f * (tt_expf(dh) * height);
		o[0] = clampf(px - hw, 0, img_w);
		o[1] = clampf(py - hh, 0, img_h);
		o[2] = clampf(px + hw, 0, img_w);
		o[3] = clampf(py + hh, 0, img_h);
		if (!(p > thresh) || !(o[2] - o[0] >= min_size && o[3] - o[1] >= min_size))
			continue;
		for (q = 0; q < 4; q++)
			rec[8 * n + q] = tt_float_bits(o[q]);
		rec[8 * n + 4] = tt_float_bits(p);
		rec[8 * n + 5] = tt_float_bits((float)j);
		rec[8 * n + 6] = j;
		rec[8 * n + 7] = 0;
		n++;
	}
	return n;
}

/* Core 0: the cores' regions in order to the records, and the total. */
static void gather(uint32_t *counts, uint32_t *in, uint32_t *page)
{
	const uint32_t region = get_common_arg_val(16), cores = get_common_arg_val(21);
	const InterleavedAddrGen stage = rec_buffer(get_common_arg_val(15));
	const InterleavedAddrGen cnt = {
		.bank_base_address = get_common_arg_val(17), .page_size = 1024, .is_dram = true,
	};
	struct rec_out o;
	uint32_t c, pg, r, n = 0;

	noc_async_read(get_noc_addr(0, &cnt), (uint32_t)(uintptr_t)counts, 4 * cores);
	noc_async_read_barrier();
	for (c = 0; c < cores; c++)
		n += counts[c];
	if (n > get_common_arg_val(23)) {
		rec_set_count(get_common_arg_val(19), n, in);
		return;
	}
	rec_begin(&o, get_common_arg_val(18), get_common_arg_val(19), page);
	for (c = 0; c < cores; c++) {
		for (pg = 0; pg * 32 < counts[c]; pg++) {
			uint32_t m = counts[c] - pg * 32 < 32 ? counts[c] - pg * 32 : 32;

			noc_async_read(get_noc_addr(c * region + pg, &stage), (uint32_t)(uintptr_t)in,
				       32 * m);
			noc_async_read_barrier();
			for (r = 0; r < m; r++)
				rec_put(&o, in + 8 * r);
		}
	}
	rec_end(&o);
}

void kernel_main(void)
{
	const uint32_t K = get_common_arg_val(0), stick = get_common_arg_val(2);
	const uint32_t slots = get_common_arg_val(5), region = get_common_arg_val(16);
	const uint32_t cores = get_common_arg_val(21), chunk = get_common_arg_val(22);
	const uint32_t batch = get_common_arg_val(24), idx = get_arg_val(0);
	const InterleavedAddrGen pred = {
		.bank_base_address = get_common_arg_val(3), .page_size = 32 * stick, .is_dram = true,
	};
	const InterleavedAddrGen props = rec_buffer(get_common_arg_val(4));
	const InterleavedAddrGen stage = rec_buffer(get_common_arg_val(15));
	const InterleavedAddrGen cnt = {
		.bank_base_address = get_common_arg_val(17), .page_size = 1024, .is_dram = true,
	};
	volatile uint32_t *sem = (volatile uint32_t *)(uintptr_t)get_semaphore(get_common_arg_val(20));
	uint8_t *rows = (uint8_t *)(uintptr_t)get_write_ptr(c_1);
	uint32_t *box = (uint32_t *)(rows + batch * stick), *prob = box + 4 * batch;
	uint32_t *rec = prob + K, *word = rec + 8 * batch * (K - 1);
	uint32_t first = idx * chunk, end, b, i, r, m = 0, n;

	if (idx >= cores)
		return;
	n = rec_count(get_common_arg_val(25), word);
	n = n < slots ? n : slots;
	end = first >= n ? first : n - first < chunk ? n : first + chunk;
	for (b = first; b < end; b += batch) {
		uint32_t last = end - b < batch ? end : b + batch, got = 0;

		for (i = b; i < last; i++) {
			noc_async_read(get_noc_addr(i / 32, &pred, (i % 32) * stick),
				       (uint32_t)(uintptr_t)(rows + (i - b) * stick), stick);
			noc_async_read(get_noc_addr(i / 32, &props, (i % 32) * 32),
				       (uint32_t)(uintptr_t)(box + 4 * (i - b)), 16);
		}
		noc_async_read_barrier();
		for (i = b; i < last; i++)
			got += roi(rows + (i - b) * stick, box + 4 * (i - b), (float *)prob,
				   rec + 8 * got);
		/* appended to the core's region, record by record */
		for (r = 0; r < got; r++, m++)
			noc_async_write((uint32_t)(uintptr_t)(rec + 8 * r),
					get_noc_addr(idx * region + m / 32, &stage, (m % 32) * 32), 32);
		noc_async_write_barrier();
	}
	word[0] = m;
	noc_async_write((uint32_t)(uintptr_t)word, get_noc_addr(0, &cnt, 4 * idx), 4);
	noc_async_write_barrier();
	if (idx) {
		noc_semaphore_inc(get_noc_addr(0, 0, (uint32_t)(uintptr_t)sem), 1);
		return;
	}
	noc_semaphore_wait(sem, cores - 1);
	gather(word + 1, word + 1 + cores, word + 1 + cores + 256);
}
