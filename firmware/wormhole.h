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
#define NOC_TARG_MID		0x04u
#define NOC_RET_LO		0x0Cu
#define NOC_RET_MID		0x10u
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
#define NOC_DRAM_ALIGN		32u	/* DRAM reads: source and destination agree mod this */
#define NOC_L1_ALIGN		16u	/* other transfers */

/* The MID word of a unicast address: address bits 35:32, x, y. */
static inline uint32_t noc_mid(uint32_t x, uint32_t y, uint64_t addr)
{
	return (uint32_t)(addr >> 32) | x << 4 | y << 10;
}

/* The MID word of a multicast rectangle (NoC coordinates, start <= end). */
static inline uint32_t noc_mid_mcast(uint32_t x0, uint32_t y0, uint32_t x1, uint32_t y1,
				     uint64_t addr)
{
	/* bits 36-41 end x, 42-47 end y, 48-53 start x, 54-59 start y */
	return (uint32_t)(addr >> 32) | x1 << 4 | y1 << 10 | x0 << 16 | y0 << 22;
}

#endif
