// SPDX-License-Identifier: MIT
/*
 * conv reader: the im2col blocks of this core's output pixels.
 *
 * Work item = (M block of mb tile rows, group of nw output-channel tiles).
 * K (window position major, then input channel) goes in chunks of kc
 * tiles; for each chunk, each tile row of the block gets kc / sw
 * sub-blocks of sw pages in c_0, each 32 row-major rows of sw * 32
 * columns: row r is output pixel p's part of the patch.
 *
 * seg is the input's stick width (c_pad). When it is a multiple of 32, a
 * sub-block lies within one window position: row r is a piece of the one
 * input stick that position covers, and pixels whose sticks follow each
 * other in a page go in one read when the sub-block spans whole sticks.
 * With narrow sticks (the stem's 3 channels in 4) there is one sub-block
 * per chunk and row r is assembled window row by window row, the sticks
 * of consecutive positions of a window row in one read. Zeros (from c_3, cleared once) where
 * the window leaves the input, past K, or past the last pixel.
 *
 * Activations: DRAM pages of 32 sticks (see ops.h).
 * Common args: in address, stick bytes, in h, in w, kw, stride, pad,
 * dilation, out w, out pixels, seg, element size, K, mb, kc, nkc, groups,
 * sw, windows. Args: first item, items, step.
 */
#include <ttuser/kernel/dataflow.h>

#define ZERO_PAGE	4096u

static uint64_t zero_src;

/* Zeros at dst: small runs by the core's own stores, larger ones from the zero page. */
static void zero(uint32_t dst, uint32_t n)
{
	if (n <= 64) {
		memset((void *)(uintptr_t)dst, 0, n);
		return;
	}
	while (n) {
		uint32_t m = n < ZERO_PAGE ? n : ZERO_PAGE;

		noc_async_read(zero_src, dst, m);
		dst += m;
		n -= m;
	}
}

/* The input, for narrow_row (kernel_main keeps its own copies in registers). */
static InterleavedAddrGen g_in;
static int32_t g_in_h, g_in_w;
static uint32_t g_kh, g_kw, g_seg, g_es, g_stick;

/*
 * A whole narrow patch row (one chunk holds all of K, no dilation): window
 * row by window row, the positions inside the input in one read per page
 * they lie in, zeros for the rest. (y0, x0): the window's top left.
 */
static void narrow_row(uint32_t row, int32_t y0, int32_t x0)
{
	const uint32_t wrow = g_kw * g_seg * g_es, pos = g_seg * g_es, kw = g_kw;
	const int32_t in_w = g_in_w;
	int32_t lo = x0 < 0 ? -x0 : 0, hi = in_w - x0 < (int32_t)kw ? in_w - x0 : (int32_t)kw;
	uint32_t ky;

	for (ky = 0; ky < g_kh; ky++, row += wrow) {
		int32_t iy = y0 + (int32_t)ky;
		uint32_t src, n, dst;

		if (iy < 0 || iy >= g_in_h || hi <= lo) {
			zero(row, wrow);
			continue;
		}
		zero(row, (uint32_t)lo * pos);
		zero(row + (uint32_t)hi * pos, (kw - (uint32_t)hi) * pos);
		src = (uint32_t)(iy * in_w + x0 + lo);
		dst = row + (uint32_t)lo * pos;
		for (n = (uint32_t)(hi - lo); n;) {
			uint32_t m = 32 - (src & 31) < n ? 32 - (src & 31) : n;

			noc_async_read(get_noc_addr(src >> 5, &g_in, (src & 31) * g_stick), dst, m * pos);
			src += m;
			dst += m * pos;
			n -= m;
		}
	}
}

void kernel_main(void)
{
	const uint32_t nwin = get_common_arg_val(18);
	const int32_t stride = (int32_t)get_common_arg_val(5), pad = (int32_t)get_common_arg_val(6);
	const int32_t dil = (int32_t)get_common_arg_val(7);
	const uint32_t out_w = get_common_arg_val(8), npix = get_common_arg_val(9);
	const uint32_t kreal = get_common_arg_val(12), mb = get_common_arg_val(13);
	const uint32_t kc = get_common_arg_val(14), nkc = get_common_arg_val(15);
	const uint32_t ngroups = get_common_arg_val(16), sw = get_common_arg_val(17);
	const uint32_t first = get_arg_val(0), count = get_arg_val(1), step = get_arg_val(2);
	const uint32_t stick = get_common_arg_val(1);
	const int32_t in_h = (int32_t)get_common_arg_val(2), in_w = (int32_t)get_common_arg_val(3);
	const uint32_t kw = get_common_arg_val(4);
	const uint32_t seg = get_common_arg_val(10), es = get_common_arg_val(11);
	const uint32_t row_bytes = sw * 32 * es;
	const bool windowed = seg % 32 == 0;
	const InterleavedAddrGen in = {
		.bank_base_address = get_common_arg_val(0), .page_size = 32 * stick, .is_dram = true,
	};
	uint32_t it, z;

	g_in = in;
	g_in_h = in_h;
	g_in_w = in_w;
	g_kh = nwin / kw;
	g_kw = kw;
	g_seg = seg;
	g_es = es;
	g_stick = stick;

	cb_reserve_back(c_3, 1);
	z = get_write_ptr(c_3);
	memset((void *)(uintptr_t)z, 0, ZERO_PAGE);
	zero_src = get_noc_addr(z);

	for (it = 0; it < count; it++) {
		uint32_t mblock = (first + it * step) / ngroups;
		uint32_t chunk, m, j, r;

		for (chunk = 0; chunk < nkc; chunk++)
			for (m = 0; m < mb; m++)
				for (j = 0; j < kc / sw; j++) {
					uint32_t c0 = (chunk * kc + j * sw) * 32, c1 = c0 + sw * 32;
					uint32_t base, wpos = c0 / (seg ? seg : 1);
					int32_t ky = (int32_t)(wpos / kw), kx = (int32_t)(wpos % kw);

					cb_reserve_back(c_0, sw);
					base = get_write_ptr(c_0);
					for (r = 0; r < 32; r++) {
						uint32_t p = (mblock * mb + m) * 32 + r, row = base + r * row_bytes;
						int32_t oy = (int32_t)(p / out_w), ox = (int32_t)(p % out_w);
						int32_t iy, ix;
						uint32_t w, tail, src, run;

						if (p >= npix || c0 >= kreal) {
							zero(row, row_bytes);
							continue;
						}
						if (windowed) {
							iy = oy * stride - pad + ky * dil;
							ix = ox * stride - pad + kx * dil;
							if (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w) {
								zero(row, row_bytes);
								continue;
							}
							src = (uint32_t)(iy * in_w + ix);
							run = 1;
							/* following pixels whose sticks follow in the page */
							while (row_bytes == stick && stride == 1 && r + run < 32 &&
							       p + run < npix && ox + (int32_t)run < (int32_t)out_w &&
							       ix + (int32_t)run < in_w && ((src + run) & 31) != 0)
								run++;
							noc_async_read(get_noc_addr(src >> 5, &in,
										    (src & 31) * stick +
										    (c0 - wpos * seg) * es),
								       row, run * row_bytes);
							r += run - 1;
							continue;
						}
						if (c0 == 0 && c1 >= kreal && dil == 1) {
							narrow_row(row, oy * stride - pad, ox * stride - pad);
							zero(row + kreal * es, (c1 - kreal) * es);
							continue;
						}
						for (w = wpos; w < nwin && w * seg < c1; w += run) {
							uint32_t lo = w * seg > c0 ? w * seg : c0;
							uint32_t hi = (w + 1) * seg < c1 ? (w + 1) * seg : c1;
							uint32_t dst = row + (lo - c0) * es, n = (hi - lo) * es;

							run = 1;
							iy = oy * stride - pad + (int32_t)(w / kw) * dil;
							ix = ox * stride - pad + (int32_t)(w % kw) * dil;
							if (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w) {
								zero(dst, n);
								continue;
							}
							src = (uint32_t)(iy * in_w + ix);
							/* the next positions along the window row read the
							 * next sticks of the page: one transfer */
							while (lo == w * seg && dil == 1 && w + run < nwin &&
							       (w + run) % kw && (w + run + 1) * seg <= c1 &&
							       ix + (int32_t)run < in_w && ((src + run) & 31))
								run++;
							noc_async_read(get_noc_addr(src >> 5, &in,
										    (src & 31) * stick +
										    (lo - w * seg) * es),
								       dst, n + (run - 1) * seg * es);
						}
						tail = kreal > c0 ? kreal : c0;
						if (tail < c1)
							zero(row + (tail - c0) * es, (c1 - tail) * es);
					}
					noc_async_read_barrier();
					cb_push_back(c_0, sw);
				}
	}
}
