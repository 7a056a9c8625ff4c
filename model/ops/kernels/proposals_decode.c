// SPDX-License-Identifier: MIT
/*
 * RPN proposals: the candidates op_topk picked on each level, decoded,
 * clipped and filtered, as model/reference/proposals.c with model/reference/box_coder.c and
 * model/reference/boxes.c do it on the host, operation for operation in fp32.
 *
 * Candidate c is rank c - start(l) of level l's top-k (levels in order,
 * k(l) candidates each). Every core takes a run of chunk candidates:
 * it reads their anchor indices and logits from the levels' top-k
 * results, then each one's deltas (channels A + 4a .. A + 4a + 3 of the
 * head's stick, Float32 or Float16_b) and anchor, decodes the box
 * (dx / wx, ..., dw and dh clamped at clip, exp by tt_expf), clips it
 * to the image, scores it (sigmoid of the logit) and marks it valid
 * when it is not small and its score >= the threshold. It writes an
 * 8-word record (x1, y1, x2, y2, score; the level as a float and as a
 * word; valid) for each to the stage buffer, and counts itself in on
 * core 0's semaphore. Core 0 then copies the valid records, in order,
 * to the NMS records (records.h) and writes their number.
 *
 * Common args: levels, A, element bytes, image w, image h, min size,
 * score threshold, clip, wx, wy, ww, wh (float bits), anchors address
 * (records), stage address, records address, count address, semaphore id, cores,
 * candidates, chunk; then per level: head address, stick bytes, top-k
 * result address, its page bytes, its values' word offset, k, first
 * anchor. c_1 is the scratch. Args: idx.
 */
#include <ttuser/kernel/dataflow.h>
#include <ttuser/kernel/fmath.h>

#include "records.h"

#pragma STDC FP_CONTRACT OFF

#define LEVEL_ARGS	20
#define LEVEL_WORDS	7

static float clampf(float v, float lo, float hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static uint32_t larg(uint32_t l, uint32_t i)
{
	return get_common_arg_val(LEVEL_ARGS + LEVEL_WORDS * l + i);
}

static void decode(const uint32_t *d32, const uint32_t *an, uint32_t logit, uint32_t es,
		   uint32_t level, uint32_t *rec)
{
	const float img_w = tt_bits_float(get_common_arg_val(3));
	const float img_h = tt_bits_float(get_common_arg_val(4));
	const float min_size = tt_bits_float(get_common_arg_val(5));
	const float thresh = tt_bits_float(get_common_arg_val(6));
	const float clip = tt_bits_float(get_common_arg_val(7));
	const float wx = tt_bits_float(get_common_arg_val(8)), wy = tt_bits_float(get_common_arg_val(9));
	const float ww = tt_bits_float(get_common_arg_val(10));
	const float wh = tt_bits_float(get_common_arg_val(11));
	const uint16_t *d16 = (const uint16_t *)d32;
	float d[4], b[4], o[4], width, height, ctr_x, ctr_y, dx, dy, dw, dh, px, py, hw, hh, score;
	uint32_t q;

	for (q = 0; q < 4; q++) {
		d[q] = tt_bits_float(es == 4 ? d32[q] : (uint32_t)d16[q] << 16);
		b[q] = tt_bits_float(an[q]);
	}
	width = b[2] - b[0];
	height = b[3] - b[1];
	ctr_x = b[0] + 0.5f * width;
	ctr_y = b[1] + 0.5f * height;
	dx = d[0] / wx;
	dy = d[1] / wy;
	dw = __builtin_fminf(d[2] / ww, clip);
	dh = __builtin_fminf(d[3] / wh, clip);
	px = dx * width + ctr_x;
	py = dy * height + ctr_y;
	hw = 0.5f * (tt_expf(dw) * width);
	hh = 0.5f * (tt_expf(dh) * height);
	o[0] = clampf(px - hw, 0, img_w);
	o[1] = clampf(py - hh, 0, img_h);
	o[2] = clampf(px + hw, 0, img_w);
	o[3] = clampf(py + hh, 0, img_h);
	score = 1.0f / (1.0f + tt_expf(-tt_bits_float(logit)));
	for (q = 0; q < 4; q++)
		rec[q] = tt_float_bits(o[q]);
	rec[4] = tt_float_bits(score);
	rec[5] = tt_float_bits((float)level);
	rec[6] = level;
	rec[7] = o[2] - o[0] >= min_size && o[3] - o[1] >= min_size && score >= thresh;
}

/* Core 0: the valid records of the stage, in order, to the records; their number. */
static void compact(uint32_t total, uint32_t *in, uint32_t *page)
{
	const InterleavedAddrGen stage = rec_buffer(get_common_arg_val(13));
	struct rec_out o;
	uint32_t pg, r;

	rec_begin(&o, get_common_arg_val(14), get_common_arg_val(15), page);
	for (pg = 0; pg * 32 < total; pg++) {
		uint32_t m = total - pg * 32 < 32 ? total - pg * 32 : 32;

		noc_async_read(get_noc_addr(pg, &stage), (uint32_t)(uintptr_t)in, 32 * m);
		noc_async_read_barrier();
		for (r = 0; r < m; r++)
			if (in[8 * r + 7])
				rec_put(&o, in + 8 * r);
	}
	rec_end(&o);
}

void kernel_main(void)
{
	const uint32_t nlevels = get_common_arg_val(0), A = get_common_arg_val(1);
	const uint32_t es = get_common_arg_val(2), cores = get_common_arg_val(17);
	const uint32_t total = get_common_arg_val(18), chunk = get_common_arg_val(19);
	const uint32_t idx = get_arg_val(0);
	const InterleavedAddrGen anchors = rec_buffer(get_common_arg_val(12));
	const InterleavedAddrGen stage = rec_buffer(get_common_arg_val(13));
	volatile uint32_t *sem = (volatile uint32_t *)(uintptr_t)get_semaphore(get_common_arg_val(16));
	uint32_t *ix = (uint32_t *)(uintptr_t)get_write_ptr(c_1), *val = ix + chunk;
	uint32_t *dl = val + chunk, *an = dl + 4 * chunk, *rec = an + 4 * chunk;
	uint32_t first = idx * chunk, end, start, l, c;

	if (idx >= cores)
		return;
	end = total - first < chunk ? total : first + chunk;
	/* the run's anchor indices and logits */
	for (l = 0, start = 0, c = first; l < nlevels && c < end; start += larg(l, 5), l++) {
		const InterleavedAddrGen top = {
			.bank_base_address = larg(l, 2), .page_size = larg(l, 3), .is_dram = true,
		};
		uint32_t stop = start + larg(l, 5) < end ? start + larg(l, 5) : end;

		if (c >= stop)
			continue;
		noc_async_read(get_noc_addr(0, &top, 4 * (c - start)),
			       (uint32_t)(uintptr_t)(ix + c - first), 4 * (stop - c));
		noc_async_read(get_noc_addr(0, &top, 4 * (larg(l, 4) + c - start)),
			       (uint32_t)(uintptr_t)(val + c - first), 4 * (stop - c));
		c = stop;
	}
	noc_async_read_barrier();
	/* their deltas and anchors */
	for (l = 0, start = 0, c = first; l < nlevels && c < end; start += larg(l, 5), l++) {
		const uint32_t stick = larg(l, 1);
		const InterleavedAddrGen head = {
			.bank_base_address = larg(l, 0), .page_size = 32 * stick, .is_dram = true,
		};
		uint32_t stop = start + larg(l, 5) < end ? start + larg(l, 5) : end;

		for (; c < stop; c++) {
			uint32_t a = ix[c - first], p = a / A, g = larg(l, 6) + a;

			noc_async_read(get_noc_addr(p / 32, &head, (p % 32) * stick +
						    (A + 4 * (a % A)) * es),
				       (uint32_t)(uintptr_t)(dl + 4 * (c - first)), 4 * es);
			noc_async_read(get_noc_addr(g / 32, &anchors, (g % 32) * 32),
				       (uint32_t)(uintptr_t)(an + 4 * (c - first)), 16);
		}
	}
	noc_async_read_barrier();
	for (l = 0, start = 0, c = first; l < nlevels && c < end; start += larg(l, 5), l++) {
		uint32_t stop = start + larg(l, 5) < end ? start + larg(l, 5) : end;

		for (; c < stop; c++) {
			uint32_t p = c - first;

			decode(dl + 4 * p, an + 4 * p, val[p], es, l, rec + 8 * p);
			noc_async_write((uint32_t)(uintptr_t)(rec + 8 * p),
					get_noc_addr(c / 32, &stage, (c % 32) * 32), 32);
		}
	}
	noc_async_write_barrier();
	if (idx) {
		noc_semaphore_inc(get_noc_addr(0, 0, (uint32_t)(uintptr_t)sem), 1);
		return;
	}
	noc_semaphore_wait(sem, cores - 1);
	compact(total, rec + 8 * chunk, rec + 8 * chunk + 256);
}
