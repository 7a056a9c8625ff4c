// SPDX-License-Identifier: MIT
/*
 * softmax reader: blocks of 32 sticks (rows) into c_0 as row-major
 * 32 x c_pad, with the padding channels c .. c_pad - 1 set to a very
 * negative number, so that they neither win the max nor add to the sum;
 * and once, the scaler tile (1.0 at (0, 0)) into c_2.
 *
 * Common args: in address, stick bytes, channels, ct, element size, fill
 * (bits of the pad value in the element's format). Args: first block,
 * blocks, step.
 */
#include <ttuser/kernel/dataflow.h>

void kernel_main(void)
{
	const uint32_t page = get_common_arg_val(1), c = get_common_arg_val(2);
	const uint32_t ct = get_common_arg_val(3), es = get_common_arg_val(4);
	const uint32_t fill = get_common_arg_val(5);
	const uint32_t first = get_arg_val(0), count = get_arg_val(1), step = get_arg_val(2);
	const InterleavedAddrGen in = {
		.bank_base_address = get_common_arg_val(0), .page_size = 32 * page,
		.is_dram = true,
	};
	uint32_t it, r, i, l1;

	cb_reserve_back(c_2, 1);
	l1 = get_write_ptr(c_2);
	memset((void *)(uintptr_t)l1, 0, 1024 * es);
	if (es == 4)
		*(volatile uint32_t *)(uintptr_t)l1 = 0x3f800000u;
	else
		*(volatile uint16_t *)(uintptr_t)l1 = 0x3f80u;
	cb_push_back(c_2, 1);

	for (it = 0; it < count; it++) {
		uint32_t blk = first + it * step;

		cb_reserve_back(c_0, ct);
		l1 = get_write_ptr(c_0);
		noc_async_read_page(blk, &in, l1);
		noc_async_read_barrier();
		for (r = 0; r < 32; r++)
			for (i = c; i < ct * 32; i++) {
				if (es == 4)
					*(volatile uint32_t *)(uintptr_t)(l1 + r * page + i * 4) = fill;
				else
					*(volatile uint16_t *)(uintptr_t)(l1 + r * page + i * 2) =
						(uint16_t)fill;
			}
		cb_push_back(c_0, ct);
	}
}
