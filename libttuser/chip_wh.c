// SPDX-License-Identifier: MIT
/*
 * Wormhole B0 (n150): its NoC, its memories and its TLB windows, as the
 * library uses them. Sources: tt-isa-documentation (NoC coordinates, the
 * Tensix tile's registers), measured on ttsim.
 *
 * Programs get 8 x 9 Tensix cores; the core at NoC (1, 11), the last row,
 * runs the command processor. The six DRAM channels are the six banks.
 */
#include "chip.h"

#define MIB		(1u << 20)

/* Window 0: 1 MiB at BAR0; configuration: address >> 20 in 15:0, x in 21:16, y in 27:22. */
static void wh_tlb_config(uint32_t x, uint32_t y, uint64_t addr, uint32_t words[3],
			  unsigned *nwords)
{
	uint64_t v = (addr >> 20) | (uint64_t)x << 16 | (uint64_t)y << 22;

	words[0] = (uint32_t)v;
	words[1] = (uint32_t)(v >> 32);
	*nwords = 2;
}

const struct tt_chip tt_chip_wormhole = {
	.name = "Wormhole",
	.key = "wh",
	.arch = TT_ARCH_WORMHOLE,
	.pci_device = 0x401e,
	.march = "rv32im",
	.mabi = "ilp32",
	.define = "TT_CHIP_WORMHOLE",
	.noc_w = 10,
	.noc_h = 12,
	.grid_x = 8,
	.grid_y = 9,
	.worker_x = { 1, 2, 3, 4, 6, 7, 8, 9 },
	.worker_y = { 1, 2, 3, 4, 5, 7, 8, 9, 10 },
	.cp_x = 1,
	.cp_y = 11,
	.dram_banks = 6,
	.dram_x = { 0, 0, 5, 5, 5, 5 },
	.dram_y = { 0, 5, 0, 2, 3, 5 },
	.dram_bank_size = 1024 * MIB,
	.pcie_x = 0,
	.pcie_y = 3,
	.pcie_base_hi = 0x8,
	.l1_size = 1464 * 1024,
	.wall_mhz = 1000,
	.soft_reset = 0xFFB121B0u,
	.soft_reset_all = 0x47800u,
	.soft_reset_brisc = 1u << 11,
	.tlb_window = MIB,
	.tlb_regs = 0x1FC00000u,
	.tlb_config = wh_tlb_config,
};
