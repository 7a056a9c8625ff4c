// SPDX-License-Identifier: MIT
/*
 * maxpool reader: for each output pixel, its window as 32 row-major rows
 * of c_pad channels in ct pages of c_0: the window's sticks that lie in
 * the input first, then copies of the first of them down to row 31, so
 * that a column max over the 32 rows is the window's max (padding never
 * wins, as with torch's -inf padding). Also the scaler tile (1.0 at
 * (0, 0)) in c_2, once.
 *
 * Common args: in address, stick bytes, in h, in w, out w, k, stride, pad,
 * ct, element size. Args: first pixel, pixels, step.
 */
#include <ttuser/kernel/dataflow.h>

void kernel_main(void)
{
	const uint32_t page = get_common_arg_val(1);
	const int32_t in_h = (int32_t)get_common_arg_val(2), in_w = (int32_t)get_common_arg_val(3);
	const uint32_t out_w = get_common_arg_val(4), k = get_common_arg_val(5);
	const int32_t stride = (int32_t)get_common_arg_val(6), pad = (int32_t)get_common_arg_val(7);
	const uint32_t ct = get_common_arg_val(8), es = get_common_arg_val(9);
	const uint32_t first = get_arg_val(0), count = get_arg_val(1), step = get_arg_val(2);
	const InterleavedAddrGen in = {
		.bank_base_address = get_common_arg_val(0), .page_size = 32 * page,
		.is_dram = true,
	};
	uint32_t it, l1;

	cb_reserve_back(c_2, 1);
	l1 = get_write_ptr(c_2);
	memset((void *)(uintptr_t)l1, 0, 1024 * es);
	if (es == 4)
		*(volatile uint32_t *)(uintptr_t)l1 = 0x3f800000u;
	else
		*(volatile uint16_t *)(uintptr_t)l1 = 0x3f80u;
	cb_push_back(c_2, 1);

	for (it = 0; it < count; it++) {
		uint32_t p = first + it * step, n = 0, ky, kx, base;
		int32_t oy = (int32_t)(p / out_w), ox = (int32_t)(p % out_w);

		cb_reserve_back(c_0, ct);
		base = get_write_ptr(c_0);
		for (ky = 0; ky < k; ky++)
			for (kx = 0; kx < k; kx++) {
				int32_t iy = oy * stride - pad + (int32_t)ky;
				int32_t ix = ox * stride - pad + (int32_t)kx;

				if (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w)
					continue;
				uint32_t src = (uint32_t)(iy * in_w + ix);

				noc_async_read(get_noc_addr(src >> 5, &in, (src & 31) * page),
					       base + n * page, page);
				n++;
			}
		noc_async_read_barrier();
		while (n < 32) {
			uint32_t m = n < 32 - n ? n : 32 - n;

			noc_async_read(get_noc_addr(base), base + n * page, m * page);
			noc_async_read_barrier();
			n += m;
		}
		cb_push_back(c_0, ct);
	}
}
