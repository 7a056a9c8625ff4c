/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * The worker-core ABI of the model device: what a kernel binary sees.
 *
 * A worker core has L1 at address 0 and a private MMIO window at
 * TT_MMIO_BASE. Kernels talk to the core (circular buffers, NoC, tile
 * engine, DPRINT) by writing arguments to TT_MMIO_ARG(i) and a call number
 * to TT_MMIO_CALL; a call that has to wait parks the hart on that store
 * and the store is retried when the hart runs again. A call's result is
 * read from TT_MMIO_RESULT.
 *
 * Shared by sim/ (the device) and libttuser's kernel API headers. Plain C
 * types only: this header is compiled for RV32 kernels too.
 */
#ifndef TT_CORE_H
#define TT_CORE_H

#include <stdint.h>

/* ---- L1 map of a worker core ---------------------------------------- */
/* The first 4 KiB stay unused, so that a null pointer in a kernel stays obvious. */
#define TT_L1_INFO		0x1000u	/* struct tt_core_info, written at launch */
#define TT_L1_SEMS		0x1100u	/* TT_MAX_SEMS words, 16 bytes apart */
#define TT_L1_ARGS		0x2000u	/* runtime args, TT_L1_ARGS_STRIDE per role */
#define TT_L1_ARGS_STRIDE	0x0800u	/* unique args, then common args at +0x400 */
#define TT_L1_COMMON_ARGS	0x0400u
#define TT_MAX_ARGS		256u	/* per kernel, unique; same again common */
#define TT_L1_KERNEL_BASE	0x4000u	/* kernel image of role r at BASE + r*SIZE */
#define TT_L1_KERNEL_SIZE	0x10000u /* code, data, bss and the stack (at the top) */
#define TT_L1_MIN_STACK		0x2000u	/* an image must leave this much for stack */
#define TT_L1_FREE		0x34000u /* first byte for CBs and L1 buffers */
#define TT_L1_DEFAULT_SIZE	(1464u * 1024u)

#define TT_MAX_SEMS		16u
#define TT_MAX_CBS		32u
#define TT_L1_ALIGN		16u	/* CB and L1 buffer addresses */
#define TT_PAGE_ALIGN		32u	/* interleaved page stride granularity */

#define TT_L1_KERNEL(role)	(TT_L1_KERNEL_BASE + (uint32_t)(role) * TT_L1_KERNEL_SIZE)
#define TT_L1_ROLE_ARGS(role)	(TT_L1_ARGS + (uint32_t)(role) * TT_L1_ARGS_STRIDE)

/* Hart roles: a core runs at most one kernel per role. */
enum tt_role {
	TT_ROLE_READER = 0,
	TT_ROLE_WRITER = 1,
	TT_ROLE_COMPUTE = 2,
	TT_NUM_ROLES = 3,
};

/* Written by the device into every core's L1 before a launch. */
struct tt_core_info {
	uint32_t x, y;			/* this core's logical = NoC coordinates */
	uint32_t grid_x, grid_y;
	uint32_t dram_banks;
	uint32_t l1_size;
	uint32_t reserved[10];
};

/* ---- NoC addresses -------------------------------------------------- */
/*
 * A NoC address names a byte in some endpoint: bits 0-35 the local
 * address, 36-41 x, 42-47 y. Multicast addresses name the rectangle
 * (x, y)..(x_end, y_end) with x_end in bits 48-53 and y_end in 54-59 and
 * bit 63 set. Worker (x, y) is at NoC (x, y); DRAM bank b at (b, TT_NOC_DRAM_Y).
 */
#define TT_NOC_ADDR_BITS	36
#define TT_NOC_DRAM_Y		63u
#define TT_NOC_MCAST		(1ull << 63)
#define TT_NOC_ADDR(x, y, a)	(((uint64_t)(y) << 42) | ((uint64_t)(x) << 36) | (uint64_t)(a))
#define TT_NOC_X(n)		((uint32_t)((n) >> 36) & 0x3f)
#define TT_NOC_Y(n)		((uint32_t)((n) >> 42) & 0x3f)
#define TT_NOC_X_END(n)		((uint32_t)((n) >> 48) & 0x3f)
#define TT_NOC_Y_END(n)		((uint32_t)((n) >> 54) & 0x3f)
#define TT_NOC_LOCAL(n)		((n) & ((1ull << TT_NOC_ADDR_BITS) - 1))
#define TT_NOC_MCAST_ADDR(x0, y0, x1, y1, a) \
	(TT_NOC_MCAST | ((uint64_t)(y1) << 54) | ((uint64_t)(x1) << 48) | TT_NOC_ADDR(x0, y0, a))

/* ---- data formats (codes as tt-metal's tt::DataFormat) ------------- */
enum tt_format {
	TT_FORMAT_FLOAT32 = 0,
	TT_FORMAT_FLOAT16_B = 5,
	TT_FORMAT_BFP8_B = 6,
	TT_FORMAT_INT32 = 8,
	TT_FORMAT_UINT32 = 24,
};

#define TT_TILE_ROWS	32u
#define TT_TILE_COLS	32u
#define TT_TILE_HW	1024u
#define TT_FACE_ROWS	16u
#define TT_FACE_HW	256u

/* ---- sharded L1 buffers ---------------------------------------------- */
/*
 * A sharded buffer is a matrix of rows x cols pages, cut into shards of
 * shard_rows x shard_cols pages, each shard in the L1 of one core of the
 * range (x0, y0)..(x1, y1), at the same address on every core; inside a
 * shard, pages are row-major, TT_PAGE_ALIGN apart.
 *   height: shards are whole rows of pages, shard k on the k-th core
 *   width:  shards are whole columns of pages, likewise
 *   block:  shard (i, j) on core (x0 + j, y0 + i)
 * The k-th core counts row-major from (x0, y0), or column-major with
 * col_major (block: shard (i, j) on core (x0 + i, y0 + j)).
 * The host library gives kernels this description as TT_SHARD_SPEC_WORDS
 * runtime args (tt_buffer_shard_spec).
 */
enum tt_shard_layout {
	TT_SHARD_HEIGHT = 0,
	TT_SHARD_WIDTH = 1,
	TT_SHARD_BLOCK = 2,
};

struct tt_shard_spec {
	uint32_t base, page_size;
	uint32_t layout, col_major;
	uint32_t x0, y0, x1, y1;
	uint32_t cols, shard_rows, shard_cols;
};

#define TT_SHARD_SPEC_WORDS	11u

/* The core and L1 address of page `page` (row-major over the whole matrix). */
static inline uint64_t tt_shard_page_noc_addr(const struct tt_shard_spec *s, uint32_t page)
{
	uint32_t r = page / s->cols, c = page % s->cols;
	uint32_t i = r / s->shard_rows, j = c / s->shard_cols;
	uint32_t slot = (r % s->shard_rows) * s->shard_cols + c % s->shard_cols;
	uint32_t w = s->x1 - s->x0 + 1, h = s->y1 - s->y0 + 1, k, x, y;
	uint32_t stride = (s->page_size + TT_PAGE_ALIGN - 1) & ~(TT_PAGE_ALIGN - 1);

	if (s->layout == TT_SHARD_BLOCK) {
		x = s->col_major ? i : j;
		y = s->col_major ? j : i;
	} else {
		k = s->layout == TT_SHARD_HEIGHT ? i : j;
		x = s->col_major ? k / h : k % w;
		y = s->col_major ? k % h : k / w;
	}
	return TT_NOC_ADDR(s->x0 + x, s->y0 + y, s->base + slot * stride);
}

/* ---- MMIO window ---------------------------------------------------- */
#define TT_MMIO_BASE		0xFFB00000u
#define TT_MMIO_SIZE		0x1000u
#define TT_MMIO_NARGS		8u
#define TT_MMIO_ARG(i)		(TT_MMIO_BASE + 4u * (uint32_t)(i))
#define TT_MMIO_CALL		(TT_MMIO_BASE + 0x20u)
#define TT_MMIO_RESULT		(TT_MMIO_BASE + 0x24u)
/*
 * On Wormhole and Blackhole the window is the core's own local RAM and the
 * calls are served by the firmware: after the stores above, a kernel calls
 * the handler whose address the firmware left here (firmware/worker.c).
 */
#define TT_MMIO_CHIP_ENTRY	(TT_MMIO_BASE + 0x28u)

/* Call numbers; arguments in ARG0.. in the order given. */
enum tt_call {
	TT_CALL_EXIT = 0,		/* kernel_main returned */

	TT_CALL_CB_RESERVE_BACK = 1,	/* cb, pages: waits for room */
	TT_CALL_CB_PUSH_BACK = 2,	/* cb, pages */
	TT_CALL_CB_WAIT_FRONT = 3,	/* cb, pages: waits for data */
	TT_CALL_CB_POP_FRONT = 4,	/* cb, pages */
	TT_CALL_CB_WRITE_PTR = 5,	/* cb -> L1 address */
	TT_CALL_CB_READ_PTR = 6,	/* cb -> L1 address */
	TT_CALL_CB_RESERVABLE = 7,	/* cb, pages -> 0/1, never waits */
	TT_CALL_CB_AVAILABLE = 8,	/* cb, pages -> 0/1, never waits */
	TT_CALL_CB_PAGE_SIZE = 9,	/* cb -> bytes */

	TT_CALL_NOC_READ = 16,		/* src lo, src hi, dst L1, bytes */
	TT_CALL_NOC_WRITE = 17,		/* src L1, dst lo, dst hi, bytes */
	TT_CALL_NOC_READ_BARRIER = 18,
	TT_CALL_NOC_WRITE_BARRIER = 19,
	TT_CALL_NOC_SEM_INC = 20,	/* dst lo, dst hi, increment */
	TT_CALL_SEM_WAIT = 21,		/* L1 address, value: waits for == */
	TT_CALL_SEM_WAIT_MIN = 22,	/* L1 address, value: waits for >= */
	/* data movement: multicast and flushes */
	TT_CALL_NOC_WRITE_MCAST = 23,	/* src L1, dst lo, dst hi, bytes, num_dests, flags */
	TT_CALL_NOC_WRITES_FLUSHED = 24,	/* waits until issued writes have left */

	TT_CALL_DPRINT = 32,		/* fmt L1 address, args L1 address, nargs */

	TT_CALL_TILE_REGS_ACQUIRE = 64,
	TT_CALL_TILE_REGS_COMMIT = 65,
	TT_CALL_TILE_REGS_WAIT = 66,
	TT_CALL_TILE_REGS_RELEASE = 67,
	TT_CALL_TILE_COPY = 68,		/* cb, tile, dst, unpack mode, block tiles */
	TT_CALL_TILE_BINARY = 69,	/* op, cb0, cb1, tile0, tile1, dst, op detail */
	TT_CALL_TILE_UNARY = 70,	/* op, dst, param, param2 */
	TT_CALL_TILE_PACK = 71,		/* dst, cb, tile in the reserved pages, pack mode,
					   block tiles */
	TT_CALL_TILE_INIT = 72,		/* cb0, cb1, out cb: checks the CBs */
	TT_CALL_TILE_SFPU_BINARY = 73,	/* op, dst0, dst1, out dst */
};

/* Flags of TT_CALL_NOC_WRITE_MCAST. */
#define TT_MCAST_LOOPBACK	0x1u	/* the sender, if inside the rectangle, is written too */

/*
 * TT_CALL_TILE_BINARY: ops that unpack one tile from each of two CBs.
 * ARG6 says more: the broadcast of cb1's tile for add/sub/mul, 1 to
 * transpose cb1's tile for matmul, pool | dim << 8 for reduce (cb1 is
 * then the scaler tile).
 */
enum tt_binary_op {
	TT_BINARY_ADD = 0,
	TT_BINARY_SUB = 1,
	TT_BINARY_MUL = 2,
	TT_BINARY_MATMUL = 3,		/* DST += cb0 tile x cb1 tile */
	TT_BINARY_REDUCE = 4,		/* DST (+)= reduce(cb0 tile) x scaler */
};

/* Unary ops on one DST tile; param is the bits of a float. */
enum tt_unary_op {
	TT_UNARY_ADD_SCALAR = 0,
	TT_UNARY_SUB_SCALAR = 1,
	TT_UNARY_MUL_SCALAR = 2,
	TT_UNARY_RSUB_SCALAR = 3,
	/* ---- tile engine: SFPU ops (param, ARG3 as given) ---- */
	TT_UNARY_RELU = 4,
	TT_UNARY_RELU_MAX = 5,		/* min(max(x, 0), param) */
	TT_UNARY_RELU_MIN = 6,		/* x if x > param, else 0 */
	TT_UNARY_CLAMP = 7,		/* between param and ARG3 (float bits) */
	TT_UNARY_EXP = 8,
	TT_UNARY_LOG = 9,
	TT_UNARY_SQRT = 10,
	TT_UNARY_RSQRT = 11,
	TT_UNARY_RECIP = 12,
	TT_UNARY_SIGMOID = 13,
	TT_UNARY_TANH = 14,
	TT_UNARY_GELU = 15,		/* param 1: the tanh approximation */
	TT_UNARY_SILU = 16,
	TT_UNARY_ABS = 17,
	TT_UNARY_NEG = 18,
	TT_UNARY_TYPECAST = 19,		/* param: from format, ARG3: to format */
	TT_UNARY_MANTISSA_REST = 20,	/* x - x with its mantissa cut to param bits */
};

/*
 * TT_CALL_TILE_SFPU_BINARY: DST[out] = DST[dst0] op DST[dst1], element by
 * element on the SFPU, in fp32.
 */
enum tt_sfpu_binary_op {
	TT_SFPU_BINARY_ADD = 0,
	TT_SFPU_BINARY_SUB = 1,
	TT_SFPU_BINARY_MUL = 2,
	TT_SFPU_BINARY_MAX = 3,
	TT_SFPU_BINARY_MIN = 4,
};

/* ---- tile engine: broadcast, reduce, unpack and pack modes ---------- */
/* How cb1's tile of add/sub/mul is spread over the tile (ARG6). */
enum tt_bcast {
	TT_BCAST_NONE = 0,
	TT_BCAST_ROWS = 1,		/* row 0 of cb1's tile to every row */
	TT_BCAST_COLS = 2,		/* column 0 to every column */
	TT_BCAST_SCALAR = 3,		/* element (0, 0) to every element */
};

/* ARG6 flag of add/sub/mul: DST = DST + (cb0 op cb1), tt-metal's acc_to_dest. */
#define TT_BINARY_ACC_TO_DEST	0x100u

enum tt_reduce_pool {
	TT_REDUCE_SUM = 0,
	TT_REDUCE_AVG = 1,		/* as SUM: the scaler carries 1/N */
	TT_REDUCE_MAX = 2,
};

enum tt_reduce_dim {
	TT_REDUCE_ROW = 0,		/* along each row: results in column 0 */
	TT_REDUCE_COL = 1,		/* along each column: results in row 0 */
	TT_REDUCE_SCALAR = 2,		/* the whole tile: result at (0, 0) */
};

/* TT_CALL_TILE_COPY, ARG3: how the unpacker reads the CB. */
enum tt_unpack_mode {
	TT_UNPACK_TILE = 0,
	TT_UNPACK_TRANSPOSE = 1,	/* the tile transposed (rows <-> columns) */
	TT_UNPACK_TILIZE = 2,		/* tile `tile` of a row-major block of ARG4 tiles */
};

/* TT_CALL_TILE_PACK, ARG3: how the packer writes the CB. */
enum tt_pack_mode {
	TT_PACK_TILE = 0,
	TT_PACK_UNTILIZE = 1,		/* into tile column `tile` of a row-major block of ARG4 tiles */
};

#endif
