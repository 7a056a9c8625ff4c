// SPDX-License-Identifier: MIT
/*
 * Blackhole (p150): its NoC, its memories and its TLB windows, as the
 * library uses them. Tensix cores are at NoC x 1-7 and 10-16, y 2-11;
 * programs get 14 x 9 of them, the core at NoC (1, 11) runs the command
 * processor. The eight DRAM channels are the eight banks, reached at
 * their translated coordinates (x 17 and 18), which ttsim requires.
 */
#include "chip.h"

#define MIB		(1u << 20)

static void set_bits(uint32_t w[3], unsigned at, uint64_t v, unsigned bits)
{
	unsigned i;

	for (i = 0; i < bits; i++, at++)
		if (v >> i & 1)
			w[at / 32] |= 1u << (at % 32);
}

/* Window 0: 2 MiB at BAR0; 96 bits of configuration: address >> 21, then end x and y. */
static void bh_tlb_config(uint32_t x, uint32_t y, uint64_t addr, uint32_t words[3],
			  unsigned *nwords)
{
	words[0] = words[1] = words[2] = 0;
	set_bits(words, 0, addr >> 21, 43);
	set_bits(words, 43, x, 6);
	set_bits(words, 49, y, 6);
	*nwords = 3;
}

const struct tt_chip tt_chip_blackhole = {
	.name = "Blackhole",
	.key = "bh",
	.arch = TT_ARCH_BLACKHOLE,
	.pci_device = 0xb140,
	.march = "rv32im",
	.mabi = "ilp32",
	.define = "TT_CHIP_BLACKHOLE",
	.noc_w = 17,
	.noc_h = 12,
	.grid_x = 14,
	.grid_y = 9,
	.worker_x = { 1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16 },
	.worker_y = { 2, 3, 4, 5, 6, 7, 8, 9, 10 },
	.cp_x = 1,
	.cp_y = 11,
	.dram_banks = 8,
	.dram_x = { 18, 18, 18, 18, 17, 17, 17, 17 },
	.dram_y = { 12, 15, 21, 18, 12, 15, 21, 18 },
	.dram_bank_size = 1024 * MIB,
	.pcie_x = 2,
	.pcie_y = 0,
	.pcie_base_hi = 0,
	.l1_size = 1536 * 1024,
	.wall_mhz = 1350,
	.soft_reset = 0xFFB121B0u,
	.soft_reset_all = 0x47800u,
	.soft_reset_brisc = 1u << 11,
	.tlb_window = 2 * MIB,
	.tlb_regs = 0x1FC00000u,
	.tlb_config = bh_tlb_config,
};
