/* SPDX-License-Identifier: MIT */
/*
 * Wormhole B0, as its Tensix cores see it: register addresses and how a
 * NoC address is written into a request initiator. The one place the
 * firmware knows it runs on Wormhole.
 */
#ifndef TTSTACK_FW_WORMHOLE_H
#define TTSTACK_FW_WORMHOLE_H

#define CHIP_NAME		"wormhole"
#define CHIP_L1_SIZE		0x16E000u	/* 1464 KiB */

/* Tile control (RISCV_DEBUG_REGS) */
#define REG_SOFT_RESET		0xFFB121B0u
#define SOFT_RESET_BRISC	(1u << 11)
#define SOFT_RESET_TRISCS	(7u << 12)
#define SOFT_RESET_NCRISC	(1u << 18)
#define REG_WALL_CLOCK_L	0xFFB121F0u
#define REG_WALL_CLOCK_H	0xFFB121F8u

/* Tensix backend configuration registers written by BRISC */
#define REG_CFG(i)		(0xFFEF0000u + 4u * (i))
#define CFG_NCRISC_RESET_PC	162u
#define CFG_NCRISC_PC_OVERRIDE	163u

/* NoC request initiators: NIU n at NOC_BASE(n), initiator i at + i * NOC_CMD_BUF */
#define NOC_BASE(n)		(0xFFB20000u + 0x10000u * (n))
#define NOC_CMD_BUF		0x400u
#define NOC_TARG_LO		0x00u
#define NOC_RET_LO		0x0Cu
#define NOC_PACKET_TAG		0x18u
#define NOC_CTRL		0x1Cu
#define NOC_AT_LEN_BE		0x20u
#define NOC_AT_DATA		0x24u
#define NOC_CMD_CTRL		0x28u
#define NOC_NODE_ID		0x2Cu
#define NOC_COUNTER(i)		(0x200u + 4u * (i))
#define NOC_ATOMIC_RESP_RECEIVED 0u
#define NOC_WR_ACK_RECEIVED	1u
#define NOC_RD_RESP_RECEIVED	2u
#define NOC_NONPOSTED_WR_SENT	10u
#define NOC_POSTED_WR_SENT	11u

#define NOC_ADDR_BITS		36u
#define NOC_MAX_PACKET		8192u
#define NOC1_MIRRORED		1	/* NoC 1 counts from the other corner */
#define NOC_DRAM_ALIGN		32u	/* DRAM reads: source and destination agree mod this */
#define NOC_L1_ALIGN		16u	/* other transfers */

/*
 * A NoC address into a request initiator: addr at lo (the TARG or the RET
 * registers), coords as NOC_COORDS or NOC_MCAST_COORDS give them. On
 * Wormhole the coordinates sit above the 36 address bits, in MID.
 */
static inline void noc_set_addr(uint32_t lo, uint32_t coords, uint64_t addr)
{
	*(volatile uint32_t *)(uintptr_t)lo = (uint32_t)addr;
	*(volatile uint32_t *)(uintptr_t)(lo + 4) = ((uint32_t)(addr >> 32) & 0xFu) | coords << 4;
}

/* NCRISC's start address: Tensix configuration registers, which BRISC writes. */
static inline void ncrisc_set_start(uint32_t pc)
{
	*(volatile uint32_t *)(uintptr_t)REG_CFG(CFG_NCRISC_RESET_PC) = pc;
	*(volatile uint32_t *)(uintptr_t)REG_CFG(CFG_NCRISC_PC_OVERRIDE) = 1;
}

#endif
