/* SPDX-License-Identifier: MIT */
/*
 * Blackhole, as its Tensix cores see it: register addresses and how a NoC
 * address is written into a request initiator. The one place the firmware
 * knows it runs on Blackhole.
 */
#ifndef TTSTACK_FW_BLACKHOLE_H
#define TTSTACK_FW_BLACKHOLE_H

#define CHIP_NAME		"blackhole"
#define CHIP_L1_SIZE		0x180000u	/* 1536 KiB */

/* Tile control (RISCV_DEBUG_REGS) */
#define REG_SOFT_RESET		0xFFB121B0u
#define SOFT_RESET_BRISC	(1u << 11)
#define SOFT_RESET_TRISCS	(7u << 12)
#define SOFT_RESET_NCRISC	(1u << 18)
#define REG_WALL_CLOCK_L	0xFFB121F0u
#define REG_WALL_CLOCK_H	0xFFB121F8u
#define REG_NCRISC_RESET_PC	0xFFB12238u
#define REG_NCRISC_PC_OVERRIDE	0xFFB1223Cu

/* NoC request initiators: NIU n at NOC_BASE(n), initiator i at + i * NOC_CMD_BUF */
#define NOC_BASE(n)		(0xFFB20000u + 0x10000u * (n))
#define NOC_CMD_BUF		0x800u
#define NOC_TARG_LO		0x00u
#define NOC_RET_LO		0x0Cu
#define NOC_PACKET_TAG		0x18u
#define NOC_CTRL		0x1Cu
#define NOC_AT_LEN_BE		0x20u
#define NOC_AT_DATA		0x28u
#define NOC_CMD_CTRL		0x40u
#define NOC_NODE_ID		0x44u
#define NOC_COUNTER(i)		(0x200u + 4u * (i))
#define NOC_ATOMIC_RESP_RECEIVED 0u
#define NOC_WR_ACK_RECEIVED	1u
#define NOC_RD_RESP_RECEIVED	2u

#define NOC_MAX_PACKET		8192u
/*
 * Coordinates are translated: both NoCs take the same ones (NoC 0's for
 * Tensix cores, x 17/18 for DRAM), and a core's NODE_ID gives NoC 0's.
 */
#define NOC1_MIRRORED		0
#define NOC_DRAM_ALIGN		64u	/* DRAM reads: source and destination agree mod this */
#define NOC_L1_ALIGN		16u	/* other transfers */

/*
 * A NoC address into a request initiator: on Blackhole LO and MID hold 64
 * address bits and HI the coordinates.
 */
static inline void noc_set_addr(uint32_t lo, uint32_t coords, uint64_t addr)
{
	*(volatile uint32_t *)(uintptr_t)lo = (uint32_t)addr;
	*(volatile uint32_t *)(uintptr_t)(lo + 4) = (uint32_t)(addr >> 32);
	*(volatile uint32_t *)(uintptr_t)(lo + 8) = coords;
}

/* NCRISC's start address: tile control registers. */
static inline void ncrisc_set_start(uint32_t pc)
{
	*(volatile uint32_t *)(uintptr_t)REG_NCRISC_RESET_PC = pc;
	*(volatile uint32_t *)(uintptr_t)REG_NCRISC_PC_OVERRIDE = 1;
}

#endif
