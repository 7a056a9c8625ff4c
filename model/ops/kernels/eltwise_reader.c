// SPDX-License-Identifier: MIT
/*
 * eltwise reader: work item = a block of 32 output pixels and a group of
 * cw * 32 channels (groups per block). The item's part of the 32 sticks
 * of a (and of b) that those pixels take goes side by side into cw pages
 * of c_0 (c_1): row-major 32 x cw * 32, which element-wise tile ops treat
 * as cw tiles. Output pixel (y, x) takes a's pixel (y * mul_y / div_y,
 * x * mul_x / div_x) -- the identity, nearest upsampling (in / out) or a
 * stride (s / 1) -- and b's likewise. Pixels past the output take pixel 0.
 *
 * Common args: a, b addresses, stick bytes, out w, out pixels, then for a
 * and for b: w, mul_y, div_y, mul_x, div_x; cw, binary, groups.
 * Args: first item, items, step.
 */
#include <ttuser/kernel/dataflow.h>

static uint32_t source(uint32_t p, uint32_t out_w, uint32_t npix, uint32_t arg)
{
	uint32_t y = p / out_w, x = p % out_w;

	if (p >= npix)
		return 0;
	return (y * get_common_arg_val(arg + 1) / get_common_arg_val(arg + 2)) *
	       get_common_arg_val(arg) +
	       x * get_common_arg_val(arg + 3) / get_common_arg_val(arg + 4);
}

void kernel_main(void)
{
	const uint32_t stick = get_common_arg_val(2), out_w = get_common_arg_val(3);
	const uint32_t npix = get_common_arg_val(4), cw = get_common_arg_val(15);
	const uint32_t binary = get_common_arg_val(16), groups = get_common_arg_val(17);
	const uint32_t width = stick / groups;	/* bytes of a group of one stick */
	const uint32_t first = get_arg_val(0), count = get_arg_val(1), step = get_arg_val(2);
	const InterleavedAddrGen a = {
		.bank_base_address = get_common_arg_val(0), .page_size = 32 * stick,
		.is_dram = true,
	};
	const InterleavedAddrGen b = {
		.bank_base_address = get_common_arg_val(1), .page_size = 32 * stick,
		.is_dram = true,
	};
	uint32_t it;

	for (it = 0; it < count; it++) {
		uint32_t item = first + it * step, blk = item / groups;
		uint32_t off = item % groups * width, l1[2], in;

		cb_reserve_back(c_0, cw);
		l1[0] = get_write_ptr(c_0);
		if (binary) {
			cb_reserve_back(c_1, cw);
			l1[1] = get_write_ptr(c_1);
		}
		for (in = 0; in < 1 + binary; in++) {
			const InterleavedAddrGen *g = in ? &b : &a;
			uint32_t r = 0;

			while (r < 32) {
				uint32_t p = blk * 32 + r, src = source(p, out_w, npix, 5 + 5 * in);
				uint32_t run = 1;

				while (groups == 1 && r + run < 32 && ((src + run) & 31) &&
				       source(p + run, out_w, npix, 5 + 5 * in) == src + run)
					run++;
				noc_async_read(get_noc_addr(src >> 5, g, (src & 31) * stick + off),
					       l1[in] + r * width, run * width);
				r += run;
			}
		}
		noc_async_read_barrier();
		cb_push_back(c_0, cw);
		if (binary)
			cb_push_back(c_1, cw);
	}
}
