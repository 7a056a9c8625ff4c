/* SPDX-License-Identifier: MIT */
/*
 * NoC requests from a Tensix core: one NIU, one request initiator, and
 * counts of what was issued so that barriers can wait for the answers.
 * Coordinates are NoC 0's; NIU 1 mirrors them.
 */
#ifndef TTSTACK_FW_NOC_H
#define TTSTACK_FW_NOC_H

#include <stdint.h>

#include "chip.h"

#define REG32(a)	(*(volatile uint32_t *)(uintptr_t)(a))

#define NOC_CMD_RD		0x0u
#define NOC_CMD_AT		0x1u
#define NOC_CMD_WR		0x2u
#define NOC_CMD_RESP_MARKED	0x10u
#define NOC_CMD_BRCST		0x20u
#define NOC_CMD_PATH_RESERVE	0x100u
#define NOC_CMD_BRCST_SRC_INCLUDE 0x20000u
#define NOC_AT_INCREMENT(addr)	(1u << 12 | 31u << 2 | (((addr) >> 2) & 3u))

struct noc {
	uint32_t regs;			/* the initiator's registers */
	uint32_t niu;			/* 0 or 1 */
	uint32_t w, h;			/* NoC size, for NIU 1's mirrored coordinates */
	uint32_t x, y;			/* this core, NoC 0 coordinates */
	uint32_t reads, writes, atomics;	/* issued, as the NIU's counters count */
};

/*
 * NIU 1's coordinate of NoC 0's x or y: mirrored, unless the chip
 * translates coordinates (NOC1_MIRRORED 0), when both NoCs use the same.
 */
static inline uint32_t noc_cx(const struct noc *n, uint32_t x)
{
	return NOC1_MIRRORED && n->niu ? n->w - 1 - x : x;
}

static inline uint32_t noc_cy(const struct noc *n, uint32_t y)
{
	return NOC1_MIRRORED && n->niu ? n->h - 1 - y : y;
}

static inline uint32_t noc_counter(const struct noc *n, uint32_t i)
{
	return REG32(NOC_BASE(n->niu) + NOC_COUNTER(i));
}

static inline void noc_init(struct noc *n, uint32_t niu, uint32_t buf, uint32_t w, uint32_t h)
{
	uint32_t id = REG32(NOC_BASE(0) + NOC_NODE_ID);

	n->regs = NOC_BASE(niu) + buf * NOC_CMD_BUF;
	n->niu = niu;
	n->w = w;
	n->h = h;
	/* NIU 0's NODE_ID holds this core's NoC 0 coordinates: x in 5:0, y in 11:6 */
	n->x = id & 0x3f;
	n->y = (id >> 6) & 0x3f;
	n->reads = noc_counter(n, NOC_RD_RESP_RECEIVED);
	n->writes = noc_counter(n, NOC_WR_ACK_RECEIVED);
	n->atomics = noc_counter(n, NOC_ATOMIC_RESP_RECEIVED);
}

static inline void noc_wait_ready(const struct noc *n)
{
	while (REG32(n->regs + NOC_CMD_CTRL) & 1u)
		;
}

/* Coordinates of one tile, and of a rectangle (start <= end), as the initiators take them. */
#define NOC_COORDS(x, y)		((x) | (y) << 6)
#define NOC_MCAST_COORDS(x0, y0, x1, y1) ((x1) | (y1) << 6 | (x0) << 12 | (y0) << 18)

static inline void noc_issue(const struct noc *n, uint32_t ctrl, uint32_t targ_coords,
			     uint64_t targ, uint32_t ret_coords, uint64_t ret, uint32_t len)
{
	noc_wait_ready(n);
	noc_set_addr(n->regs + NOC_TARG_LO, targ_coords, targ);
	noc_set_addr(n->regs + NOC_RET_LO, ret_coords, ret);
	REG32(n->regs + NOC_PACKET_TAG) = 0;
	REG32(n->regs + NOC_CTRL) = ctrl;
	REG32(n->regs + NOC_AT_LEN_BE) = len;
	REG32(n->regs + NOC_CMD_CTRL) = 1;
}

/* Read len bytes at (x, y):addr into local L1 dst, in packets. */
static inline void noc_read(struct noc *n, uint32_t x, uint32_t y, uint64_t addr, uint32_t dst,
			    uint32_t len)
{
	while (len) {
		uint32_t k = len < NOC_MAX_PACKET ? len : NOC_MAX_PACKET;

		noc_issue(n, NOC_CMD_RD | NOC_CMD_RESP_MARKED, NOC_COORDS(noc_cx(n, x), noc_cy(n, y)),
			  addr, NOC_COORDS(noc_cx(n, n->x), noc_cy(n, n->y)), dst, k);
		n->reads++;
		addr += k;
		dst += k;
		len -= k;
	}
}

/* Write len bytes of local L1 src to (x, y):addr. */
static inline void noc_write(struct noc *n, uint32_t src, uint32_t x, uint32_t y, uint64_t addr,
			     uint32_t len)
{
	while (len) {
		uint32_t k = len < NOC_MAX_PACKET ? len : NOC_MAX_PACKET;

		noc_issue(n, NOC_CMD_WR | NOC_CMD_RESP_MARKED,
			  NOC_COORDS(noc_cx(n, n->x), noc_cy(n, n->y)), src,
			  NOC_COORDS(noc_cx(n, x), noc_cy(n, y)), addr, k);
		n->writes++;
		addr += k;
		src += k;
		len -= k;
	}
}

/*
 * Write to every core of the rectangle (x0, y0)-(x1, y1) (NoC 0
 * coordinates), ndest of them; self: the sender too, if inside.
 */
static inline void noc_write_mcast(struct noc *n, uint32_t src, uint32_t x0, uint32_t y0,
				   uint32_t x1, uint32_t y1, uint32_t addr, uint32_t len,
				   uint32_t ndest, int self)
{
	uint32_t ax0 = noc_cx(n, x0), ay0 = noc_cy(n, y0), ax1 = noc_cx(n, x1), ay1 = noc_cy(n, y1);
	uint32_t t;

	if (ax0 > ax1) {
		t = ax0;
		ax0 = ax1;
		ax1 = t;
	}
	if (ay0 > ay1) {
		t = ay0;
		ay0 = ay1;
		ay1 = t;
	}
	while (len) {
		uint32_t k = len < NOC_MAX_PACKET ? len : NOC_MAX_PACKET;

		noc_issue(n, NOC_CMD_WR | NOC_CMD_RESP_MARKED | NOC_CMD_BRCST | NOC_CMD_PATH_RESERVE |
			  (self ? NOC_CMD_BRCST_SRC_INCLUDE : 0),
			  NOC_COORDS(noc_cx(n, n->x), noc_cy(n, n->y)), src,
			  NOC_MCAST_COORDS(ax0, ay0, ax1, ay1), addr, k);
		n->writes += ndest;
		addr += k;
		src += k;
		len -= k;
	}
}

/* Add inc to the 32-bit word at (x, y):addr; scratch: 16 local bytes for the answer. */
static inline void noc_atomic_inc(struct noc *n, uint32_t x, uint32_t y, uint32_t addr,
				  uint32_t inc, uint32_t scratch)
{
	noc_wait_ready(n);
	REG32(n->regs + NOC_AT_DATA) = inc;
	noc_issue(n, NOC_CMD_AT | NOC_CMD_RESP_MARKED, NOC_COORDS(noc_cx(n, x), noc_cy(n, y)), addr,
		  NOC_COORDS(noc_cx(n, n->x), noc_cy(n, n->y)), scratch, NOC_AT_INCREMENT(addr));
	n->atomics++;
}

static inline int noc_reads_done(const struct noc *n)
{
	return noc_counter(n, NOC_RD_RESP_RECEIVED) == n->reads;
}

static inline int noc_writes_done(const struct noc *n)
{
	return noc_counter(n, NOC_WR_ACK_RECEIVED) == n->writes &&
	       noc_counter(n, NOC_ATOMIC_RESP_RECEIVED) == n->atomics;
}

static inline void noc_read_barrier(const struct noc *n)
{
	while (!noc_reads_done(n))
		;
}

static inline void noc_write_barrier(const struct noc *n)
{
	while (!noc_writes_done(n))
		;
}

static inline uint64_t wall_clock(void)
{
	uint32_t lo = REG32(REG_WALL_CLOCK_L);

	return (uint64_t)REG32(REG_WALL_CLOCK_H) << 32 | lo;
}

#endif
