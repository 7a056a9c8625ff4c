// SPDX-License-Identifier: MIT
/*
 * GeneralizedRCNNTransform on the device (op_transform): normalize,
 * bilinear resize (align_corners=False) and zero pad, operation for
 * operation in fp32 as model/reference/transform.c's transform_image.
 *
 * Each hart (both data movement harts of each core run this kernel) makes
 * a run of rows of the padded ph x pw output. The taps
 * (source indices and weights, linear_taps on the host) are computed
 * here: every hart those of all rw columns once, then each row's own.
 * A row's two input rows (all three channels; the image is CHW float32,
 * page c * h + y = row y of channel c) are read and normalized, (v -
 * mean[c]) / std[c], and kept while the next output rows blend them too.
 * Each pixel inside rh x rw: top = r0[x0] * wx0 + r0[x1] * wx1, bottom
 * the same on r1, out = top * wy0 + bottom * wy1; every other is zero.
 * The output's sticks hold 4 channels (the 4th zero), Float32 or Float16_b
 * (rounded to nearest even as op_tensor_write rounds); a row goes out in
 * one write a page it touches, while the next row is computed.
 *
 * Common args: image address, h, w, rh, rw, ph, pw, out address, element
 * bytes (4 or 2), mean[3], std[3] (float bits), the hart's scratch offset
 * in c_1: its column taps, two input rows, two output rows. Args: first
 * row, rows.
 */
#include <ttuser/kernel/dataflow.h>

#define CPAD	4

struct slot {
	int32_t row;			/* -1: empty */
	float *v;			/* [3][w] */
};

/* Source indices and weights of output coordinate o of out (in input pixels). */
static void taps(int32_t in, int32_t out, int32_t o, uint32_t *i0, uint32_t *i1, float *w0,
		 float *w1)
{
	float scale = (float)in / (float)out;
	float src = scale * ((float)o + 0.5f) - 0.5f, l1;
	int32_t lo;

	if (src < 0)
		src = 0;
	lo = (int32_t)src;
	l1 = src - (float)lo;
	l1 = l1 < 0 ? 0 : l1 > 1 ? 1 : l1;
	*i0 = (uint32_t)lo;
	*i1 = (uint32_t)(lo < in - 1 ? lo + 1 : lo);
	*w0 = 1.0f - l1;
	*w1 = l1;
}

static uint16_t to_bf16(uint32_t u)
{
	if ((u & 0x7fffffffu) > 0x7f800000u)
		return (uint16_t)((u >> 16) | 0x0040u);
	u += 0x7fffu + ((u >> 16) & 1u);
	return (uint16_t)(u >> 16);
}

/* Input row r, normalized, from a slot; a read into the slot that does not hold keep. */
static const float *input_row(struct slot *s, int32_t r, int32_t keep, const InterleavedAddrGen *img,
			      uint32_t h, uint32_t w, const float *mean, const float *std)
{
	struct slot *d;
	uint32_t c, x;

	if (s[0].row == r)
		return s[0].v;
	if (s[1].row == r)
		return s[1].v;
	d = s[0].row == keep ? &s[1] : &s[0];
	for (c = 0; c < 3; c++)
		noc_async_read(get_noc_addr(c * h + (uint32_t)r, img),
			       (uint32_t)(uintptr_t)(d->v + c * w), 4 * w);
	noc_async_read_barrier();
	for (c = 0; c < 3; c++)
		for (x = 0; x < w; x++)
			d->v[c * w + x] = (d->v[c * w + x] - mean[c]) / std[c];
	d->row = r;
	return d->v;
}

/* Output row y (pw sticks at l1) into its pages. */
static void write_row(uint32_t l1, uint32_t y, uint32_t pw, uint32_t stick,
		      const InterleavedAddrGen *out)
{
	uint32_t p = y * pw, end = p + pw;

	while (p < end) {
		uint32_t n = 32 - p % 32 < end - p ? 32 - p % 32 : end - p;

		noc_async_write(l1, get_noc_addr(p / 32, out, p % 32 * stick), n * stick);
		l1 += n * stick;
		p += n;
	}
}

/* Output row: pixels 0 .. rw - 1 blended from input rows r0, r1 ([3][w]), the rest zero. */
static void blend_row(const float *r0, const float *r1, uint32_t w, float wy0, float wy1,
		      const uint32_t *xi0, const uint32_t *xi1, const float *xw0, const float *xw1,
		      uint32_t rw, uint32_t pw, uint32_t es, void *o)
{
	float *o32 = o;
	uint16_t *o16 = o;
	uint32_t x, c;

	for (x = 0; x < rw; x++) {
		const uint32_t x0 = xi0[x], x1 = xi1[x];
		const float u0 = xw0[x], u1 = xw1[x];
		float v[CPAD] = { 0 };

		for (c = 0; c < 3; c++) {
			const float *a = r0 + c * w, *b = r1 + c * w;
			float top = a[x0] * u0 + a[x1] * u1;
			float bottom = b[x0] * u0 + b[x1] * u1;

			v[c] = top * wy0 + bottom * wy1;
		}
		for (c = 0; c < CPAD; c++) {
			if (es == 4)
				o32[x * CPAD + c] = v[c];
			else
				o16[x * CPAD + c] = to_bf16(tt_float_bits(v[c]));
		}
	}
	for (x = rw * CPAD; x < pw * CPAD; x++) {
		if (es == 4)
			o32[x] = 0;
		else
			o16[x] = 0;
	}
}

/* Output row of zeros (a row under the resized image). */
static void zero_row(uint32_t pw, uint32_t stick, uint8_t *o)
{
	uint32_t *o32 = (uint32_t *)o, i;

	for (i = 0; i < pw * stick / 4; i++)
		o32[i] = 0;
}

void kernel_main(void)
{
	const uint32_t h = get_common_arg_val(1), w = get_common_arg_val(2);
	const uint32_t rh = get_common_arg_val(3), rw = get_common_arg_val(4);
	const uint32_t pw = get_common_arg_val(6), es = get_common_arg_val(8);
	const uint32_t stick = CPAD * es, first = get_arg_val(0), rows = get_arg_val(1);
	const InterleavedAddrGen img = {
		.bank_base_address = get_common_arg_val(0), .page_size = 4 * w, .is_dram = true,
	};
	const InterleavedAddrGen out = {
		.bank_base_address = get_common_arg_val(7), .page_size = 32 * stick, .is_dram = true,
	};
	uint32_t *xi0 = (uint32_t *)(uintptr_t)(get_write_ptr(c_1) + get_common_arg_val(15));
	uint32_t *xi1 = xi0 + rw;
	float *xw0 = (float *)(xi1 + rw), *xw1 = xw0 + rw;
	struct slot s[2] = { { -1, xw1 + rw }, { -1, xw1 + rw + 3 * w } };
	uint8_t *obuf[2] = { (uint8_t *)(s[1].v + 3 * w), (uint8_t *)(s[1].v + 3 * w) + pw * stick };
	float mean[3], std[3];
	uint32_t i, x, c;

	if (!rows)
		return;
	for (c = 0; c < 3; c++) {
		mean[c] = tt_bits_float(get_common_arg_val(9 + c));
		std[c] = tt_bits_float(get_common_arg_val(12 + c));
	}
	for (x = 0; x < rw; x++)
		taps((int32_t)w, (int32_t)rw, (int32_t)x, &xi0[x], &xi1[x], &xw0[x], &xw1[x]);
	for (i = 0; i < rows; i++) {
		uint32_t y = first + i, yi0, yi1;
		const float *r0, *r1;
		float wy0, wy1;

		if (y < rh) {
			taps((int32_t)h, (int32_t)rh, (int32_t)y, &yi0, &yi1, &wy0, &wy1);
			r0 = input_row(s, (int32_t)yi0, (int32_t)yi1, &img, h, w, mean, std);
			r1 = input_row(s, (int32_t)yi1, (int32_t)yi0, &img, h, w, mean, std);
			blend_row(r0, r1, w, wy0, wy1, xi0, xi1, xw0, xw1, rw, pw, es, obuf[i & 1]);
		} else {
			zero_row(pw, stick, obuf[i & 1]);
		}
		/* the row before's writes are done: its buffer is the next row's */
		noc_async_write_barrier();
		write_row((uint32_t)(uintptr_t)obuf[i & 1], y, pw, stick, &out);
	}
	noc_async_write_barrier();
}
