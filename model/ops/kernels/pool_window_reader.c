// SPDX-License-Identifier: MIT
/*
 * maxpool reader, window position by position (Float32 data): work item =
 * a block of 32 output pixels and a group of cw * 32 channels (groups per
 * block). For each of the k * k window positions, the item's part of the
 * 32 input sticks at that position goes side by side into cw pages of c_0
 * (row-major 32 x cw * 32, which element-wise ops treat as cw tiles), so
 * that the max of the k * k blocks is the block of pooled pixels. A
 * position outside the input takes the window's first position inside it
 * (a repeat never changes a max, as torch's -inf padding never wins);
 * pixels past the output take input pixel 0.
 *
 * Common args: in address, stick bytes, in h, in w, out w, out pixels, k,
 * stride, pad, cw, groups. Args: first item, items, step.
 */
#include <ttuser/kernel/dataflow.h>

void kernel_main(void)
{
	const uint32_t stick = get_common_arg_val(1);
	const int32_t in_h = (int32_t)get_common_arg_val(2), in_w = (int32_t)get_common_arg_val(3);
	const uint32_t out_w = get_common_arg_val(4), npix = get_common_arg_val(5);
	const uint32_t k = get_common_arg_val(6);
	const int32_t stride = (int32_t)get_common_arg_val(7), pad = (int32_t)get_common_arg_val(8);
	const uint32_t cw = get_common_arg_val(9), groups = get_common_arg_val(10);
	const uint32_t width = stick / groups;	/* bytes of a group of one stick */
	const uint32_t first = get_arg_val(0), count = get_arg_val(1), step = get_arg_val(2);
	const InterleavedAddrGen in = {
		.bank_base_address = get_common_arg_val(0), .page_size = 32 * stick,
		.is_dram = true,
	};
	uint32_t it, ky, kx, r;

	for (it = 0; it < count; it++) {
		uint32_t item = first + it * step, blk = item / groups;
		uint32_t off = item % groups * width;

		for (ky = 0; ky < k; ky++)
			for (kx = 0; kx < k; kx++) {
				uint32_t l1;

				cb_reserve_back(c_0, cw);
				l1 = get_write_ptr(c_0);
				for (r = 0; r < 32; r++) {
					uint32_t p = blk * 32 + r, src = 0;

					if (p < npix) {
						int32_t y0 = (int32_t)(p / out_w) * stride - pad;
						int32_t x0 = (int32_t)(p % out_w) * stride - pad;
						int32_t iy = y0 + (int32_t)ky, ix = x0 + (int32_t)kx;

						if (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w) {
							iy = y0 > 0 ? y0 : 0;
							ix = x0 > 0 ? x0 : 0;
						}
						src = (uint32_t)(iy * in_w + ix);
					}
					noc_async_read(get_noc_addr(src >> 5, &in,
								    (src & 31) * stick + off),
						       l1 + r * width, width);
				}
				noc_async_read_barrier();
				cb_push_back(c_0, cw);
			}
	}
}
