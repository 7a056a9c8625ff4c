// SPDX-License-Identifier: MIT
/*
 * conv reader: the im2col rows of this core's output pixels and the weight
 * and bias tiles they meet.
 *
 * Work item = (M block of mb tile rows, group of nw output-channel tiles).
 * For each K chunk of kc tiles, each tile row gets 32 row-major rows of
 * kc * 32 columns in c_0: row r is output pixel p's patch, window position
 * after window position (seg channels each, read straight from the input
 * stick of the pixel it covers), zeros where the window leaves the input,
 * past the patch, or past the last pixel. Then, per subblock of nsub
 * channel tiles, the bias tiles (first chunk only) into c_2 and, row by
 * row of the chunk, the weight tiles into c_1. Zeros come from c_3, a page
 * this kernel clears once.
 *
 * Common args: see conv.c (enum reader_arg). Args: first item, items, step.
 */
#include <ttuser/kernel/dataflow.h>

#define ZERO_PAGE	4096u

static uint32_t zero_noc_lo, zero_noc_hi;

static void zero(uint32_t dst, uint32_t n)
{
	uint64_t src = (uint64_t)zero_noc_hi << 32 | zero_noc_lo;

	while (n) {
		uint32_t m = n < ZERO_PAGE ? n : ZERO_PAGE;

		noc_async_read(src, dst, m);
		dst += m;
		n -= m;
	}
}

void kernel_main(void)
{
	const uint32_t in_addr = get_common_arg_val(0), in_page = get_common_arg_val(1);
	const int32_t in_h = (int32_t)get_common_arg_val(2), in_w = (int32_t)get_common_arg_val(3);
	const uint32_t w_addr = get_common_arg_val(4), w_tile = get_common_arg_val(5);
	const uint32_t b_addr = get_common_arg_val(6), kh = get_common_arg_val(7);
	const uint32_t kw = get_common_arg_val(8), stride = get_common_arg_val(9);
	const int32_t pad = (int32_t)get_common_arg_val(10);
	const uint32_t dil = get_common_arg_val(11), out_w = get_common_arg_val(12);
	const uint32_t npix = get_common_arg_val(13), seg = get_common_arg_val(14);
	const uint32_t es = get_common_arg_val(15), kreal = get_common_arg_val(16);
	const uint32_t kt0 = get_common_arg_val(17), nt = get_common_arg_val(18);
	const uint32_t mb = get_common_arg_val(19), nw = get_common_arg_val(20);
	const uint32_t nsub = get_common_arg_val(21), kc = get_common_arg_val(22);
	const uint32_t nkc = get_common_arg_val(23), ngroups = get_common_arg_val(24);
	const uint32_t first = get_arg_val(0), count = get_arg_val(1), step = get_arg_val(2);
	const uint32_t nwin = kh * kw, row_bytes = kc * 32 * es;
	const InterleavedAddrGen in = {
		.bank_base_address = in_addr, .page_size = in_page, .is_dram = true,
	};
	const InterleavedAddrGen wt = {
		.bank_base_address = w_addr, .page_size = w_tile, .is_dram = true,
	};
	const InterleavedAddrGen bias = {
		.bank_base_address = b_addr, .page_size = 4096, .is_dram = true,
	};
	uint32_t it, z;

	cb_reserve_back(c_3, 1);
	z = get_write_ptr(c_3);
	memset((void *)(uintptr_t)z, 0, ZERO_PAGE);
	zero_noc_lo = (uint32_t)get_noc_addr(z);
	zero_noc_hi = (uint32_t)(get_noc_addr(z) >> 32);

	for (it = 0; it < count; it++) {
		uint32_t item = first + it * step;
		uint32_t mblock = item / ngroups, n0 = (item % ngroups) * nw;
		uint32_t chunk, m, r, s, k, j;

		for (chunk = 0; chunk < nkc; chunk++) {
			uint32_t c0 = chunk * kc * 32, c1 = c0 + kc * 32;

			for (m = 0; m < mb; m++) {
				uint32_t base;

				cb_reserve_back(c_0, kc);
				base = get_write_ptr(c_0);
				for (r = 0; r < 32; r++) {
					uint32_t p = (mblock * mb + m) * 32 + r;
					uint32_t row = base + r * row_bytes, wpos, tail;
					int32_t oy, ox;

					if (p >= npix) {
						zero(row, row_bytes);
						continue;
					}
					oy = (int32_t)(p / out_w);
					ox = (int32_t)(p % out_w);
					for (wpos = c0 / seg; wpos < nwin && wpos * seg < c1; wpos++) {
						uint32_t lo = wpos * seg > c0 ? wpos * seg : c0;
						uint32_t hi = (wpos + 1) * seg < c1 ? (wpos + 1) * seg : c1;
						int32_t iy = oy * (int32_t)stride - pad +
							     (int32_t)((wpos / kw) * dil);
						int32_t ix = ox * (int32_t)stride - pad +
							     (int32_t)((wpos % kw) * dil);
						uint32_t dst = row + (lo - c0) * es, n = (hi - lo) * es;

						if (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w)
							zero(dst, n);
						else
							noc_async_read(get_noc_addr((uint32_t)(iy * in_w + ix),
										    &in, (lo - wpos * seg) * es),
								       dst, n);
					}
					tail = kreal > c0 ? kreal : c0;
					if (tail < c1)
						zero(row + (tail - c0) * es, (c1 - tail) * es);
				}
				noc_async_read_barrier();
				cb_push_back(c_0, kc);
			}
			for (s = 0; s < nw / nsub; s++) {
				uint32_t n = n0 + s * nsub, l1;

				if (chunk == 0) {
					cb_reserve_back(c_2, nsub);
					l1 = get_write_ptr(c_2);
					for (j = 0; j < nsub; j++)
						noc_async_read_page(n + j, &bias, l1 + j * 4096);
					noc_async_read_barrier();
					cb_push_back(c_2, nsub);
				}
				for (k = 0; k < kc; k++) {
					uint32_t kt = chunk * kc + k;

					cb_reserve_back(c_1, nsub);
					l1 = get_write_ptr(c_1);
					for (j = 0; j < nsub; j++) {
						if (kt < kt0)
							noc_async_read_page(kt * nt + n + j, &wt,
									    l1 + j * w_tile);
						else
							zero(l1 + j * w_tile, w_tile);
					}
					noc_async_read_barrier();
					cb_push_back(c_1, nsub);
				}
			}
		}
	}
}
