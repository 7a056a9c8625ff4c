/* SPDX-License-Identifier: MIT */
/*
 * Compute: the tile engine and its DST register file.
 *
 * The compute kernel owns DST between tile_regs_acquire() and
 * tile_regs_commit(): it unpacks tiles from input CBs into DST slots
 * (copy_tile, add_tiles, ...) and works on them in place (add_unary_tile,
 * ...). The pack side then waits for the committed DST (tile_regs_wait()),
 * packs slots into reserved pages of an output CB (pack_tile) and hands DST
 * back (tile_regs_release()). DST holds 16 tiles in bf16, 8 with
 * fp32_dest_acc; tile_regs_acquire() hands math a zeroed DST, into which
 * matmul_tiles and reduce_tile accumulate.
 *
 * This header has the DST handshake, copy_tile, add/sub/mul_tiles, the
 * scalar ops and pack_tile; compute_fpu.h (included below) matmul,
 * broadcast, reduce, transpose and tilize/untilize of blocks;
 * compute_sfpu.h the unary SFPU ops (relu, exp, ..., typecast).
 *
 *	cb_wait_front(in, 1);
 *	tile_regs_acquire();
 *	copy_tile(in, 0, 0);
 *	tile_regs_commit();
 *	cb_pop_front(in, 1);
 *	cb_reserve_back(out, 1);
 *	tile_regs_wait();
 *	pack_tile(0, out);
 *	tile_regs_release();
 *	cb_push_back(out, 1);
 */
#ifndef TTUSER_KERNEL_COMPUTE_H
#define TTUSER_KERNEL_COMPUTE_H

#include <ttuser/kernel/kernel.h>
#include <ttuser/kernel/cb.h>

#define TT_CB_NONE	0xffffffffu

/* ---- DST ownership --------------------------------------------------- */
static inline void tile_regs_acquire(void)
{
	tt_call0(TT_CALL_TILE_REGS_ACQUIRE);
}

static inline void tile_regs_commit(void)
{
	tt_call0(TT_CALL_TILE_REGS_COMMIT);
}

static inline void tile_regs_wait(void)
{
	tt_call0(TT_CALL_TILE_REGS_WAIT);
}

static inline void tile_regs_release(void)
{
	tt_call0(TT_CALL_TILE_REGS_RELEASE);
}

/*
 * Deprecated: acquire_dst() ... release_dst() around both the math and the
 * packing, as in older kernels. acquire_dst() acquires DST; the first
 * pack_tile after it commits and waits; release_dst() commits and waits if
 * no pack_tile did, then releases.
 */
enum tt_dst_legacy {
	TT_DST_LEGACY_NONE = 0,
	TT_DST_LEGACY_MATH = 1,
	TT_DST_LEGACY_PACK = 2,
};

static uint8_t tt_dst_legacy __attribute__((unused));

static inline void acquire_dst(void)
{
	tile_regs_acquire();
	tt_dst_legacy = TT_DST_LEGACY_MATH;
}

static inline void tt_dst_legacy_to_pack(void)
{
	if (tt_dst_legacy == TT_DST_LEGACY_MATH) {
		tile_regs_commit();
		tile_regs_wait();
		tt_dst_legacy = TT_DST_LEGACY_PACK;
	}
}

static inline void release_dst(void)
{
	tt_dst_legacy_to_pack();
	tile_regs_release();
	tt_dst_legacy = TT_DST_LEGACY_NONE;
}

/* ---- init calls: the device checks that the CBs exist ---------------- */
/*
 * The acc_to_dest flag of the last init: add_tiles_init(cb0, cb1, true)
 * and sub_tiles_init(cb0, cb1, true) set it, every other init clears it,
 * and add/sub/mul_tiles pass it on with each op.
 */
static bool tt_binary_acc __attribute__((unused));

static inline void tt_tile_init(uint32_t cb0, uint32_t cb1, uint32_t ocb, uint32_t acc)
{
	tt_binary_acc = acc != 0;
	tt_call3(TT_CALL_TILE_INIT, cb0, cb1, ocb);
}

static inline void copy_tile_init(uint32_t cb)
{
	tt_tile_init(cb, TT_CB_NONE, TT_CB_NONE, 0);
}

static inline void copy_tile_to_dst_init_short(uint32_t cb)
{
	tt_tile_init(cb, TT_CB_NONE, TT_CB_NONE, 0);
}

static inline void binary_op_init_common(uint32_t cb0, uint32_t cb1, uint32_t ocb)
{
	tt_tile_init(cb0, cb1, ocb, 0);
}

static inline void unary_op_init_common(uint32_t cb, uint32_t ocb)
{
	tt_tile_init(cb, TT_CB_NONE, ocb, 0);
}

static inline void tt_binary_init(uint32_t cb0, uint32_t cb1)
{
	tt_tile_init(cb0, cb1, TT_CB_NONE, 0);
}

static inline void tt_binary_init_acc(uint32_t cb0, uint32_t cb1, bool acc_to_dest)
{
	tt_tile_init(cb0, cb1, TT_CB_NONE, acc_to_dest ? 1u : 0u);
}

/* add_tiles_init(cb0, cb1) or add_tiles_init(cb0, cb1, acc_to_dest); same for sub. */
#define add_tiles_init(...)	TT_CAT(TT_BINARY_INIT_, TT_NARG(__VA_ARGS__))(__VA_ARGS__)
#define sub_tiles_init(...)	TT_CAT(TT_BINARY_INIT_, TT_NARG(__VA_ARGS__))(__VA_ARGS__)
#define TT_BINARY_INIT_2(cb0, cb1)		tt_binary_init((cb0), (cb1))
#define TT_BINARY_INIT_3(cb0, cb1, acc)	tt_binary_init_acc((cb0), (cb1), (acc))

static inline void mul_tiles_init(uint32_t cb0, uint32_t cb1)
{
	tt_binary_init(cb0, cb1);
}

/* Nothing to set up for the scalar ops on DST. */
static inline void binop_with_scalar_tile_init(void)
{
}

/* ---- unpack into DST ------------------------------------------------- */
static inline void tt_unpack(uint32_t cb, uint32_t tile, uint32_t dst, uint32_t mode,
			     uint32_t block)
{
	tt_compiler_barrier();
	tt_mmio_write(TT_MMIO_ARG(3), mode);
	tt_mmio_write(TT_MMIO_ARG(4), block);
	tt_call3(TT_CALL_TILE_COPY, cb, tile, dst);
}

/* DST[dst] = tile number `tile` from the front of cb. */
static inline void copy_tile(uint32_t cb, uint32_t tile, uint32_t dst)
{
	tt_unpack(cb, tile, dst, TT_UNPACK_TILE, 0);
}

/* An FPU op on one tile of cb0 and one of cb1 (see enum tt_binary_op). */
static inline void tt_binary_tiles_ex(uint32_t op, uint32_t cb0, uint32_t cb1, uint32_t tile0,
				      uint32_t tile1, uint32_t dst, uint32_t detail)
{
	tt_compiler_barrier();
	tt_mmio_write(TT_MMIO_ARG(6), detail);
	tt_call6(TT_CALL_TILE_BINARY, op, cb0, cb1, tile0, tile1, dst);
}

static inline void tt_binary_tiles(uint32_t op, uint32_t cb0, uint32_t cb1, uint32_t tile0,
				   uint32_t tile1, uint32_t dst)
{
	tt_binary_tiles_ex(op, cb0, cb1, tile0, tile1, dst,
			   TT_BCAST_NONE | (tt_binary_acc ? TT_BINARY_ACC_TO_DEST : 0u));
}

/*
 * DST[dst] = cb0[tile0] op cb1[tile1], element by element; after
 * add/sub_tiles_init(cb0, cb1, true), DST[dst] += cb0[tile0] op cb1[tile1].
 */
static inline void add_tiles(uint32_t cb0, uint32_t cb1, uint32_t tile0, uint32_t tile1,
			     uint32_t dst)
{
	tt_binary_tiles(TT_BINARY_ADD, cb0, cb1, tile0, tile1, dst);
}

static inline void sub_tiles(uint32_t cb0, uint32_t cb1, uint32_t tile0, uint32_t tile1,
			     uint32_t dst)
{
	tt_binary_tiles(TT_BINARY_SUB, cb0, cb1, tile0, tile1, dst);
}

static inline void mul_tiles(uint32_t cb0, uint32_t cb1, uint32_t tile0, uint32_t tile1,
			     uint32_t dst)
{
	tt_binary_tiles(TT_BINARY_MUL, cb0, cb1, tile0, tile1, dst);
}

/* ---- scalar ops on DST ------------------------------------------------ */
static inline void tt_unary_tile(uint32_t op, uint32_t dst, uint32_t param, uint32_t param2)
{
	tt_call4(TT_CALL_TILE_UNARY, op, dst, param, param2);
}

/* param is the bits of a float: add_unary_tile(0, tt_float_bits(1.0f)). */
static inline void add_unary_tile(uint32_t dst, uint32_t param)
{
	tt_unary_tile(TT_UNARY_ADD_SCALAR, dst, param, 0);
}

static inline void sub_unary_tile(uint32_t dst, uint32_t param)
{
	tt_unary_tile(TT_UNARY_SUB_SCALAR, dst, param, 0);
}

static inline void mul_unary_tile(uint32_t dst, uint32_t param)
{
	tt_unary_tile(TT_UNARY_MUL_SCALAR, dst, param, 0);
}

/* DST[dst] = param - DST[dst] */
static inline void rsub_unary_tile(uint32_t dst, uint32_t param)
{
	tt_unary_tile(TT_UNARY_RSUB_SCALAR, dst, param, 0);
}

/* ---- pack from DST ----------------------------------------------------- */
static inline void tt_pack(uint32_t dst, uint32_t cb, uint32_t tile, uint32_t mode,
			   uint32_t block)
{
	tt_dst_legacy_to_pack();
	tt_compiler_barrier();
	tt_mmio_write(TT_MMIO_ARG(3), mode);
	tt_mmio_write(TT_MMIO_ARG(4), block);
	tt_call3(TT_CALL_TILE_PACK, dst, cb, tile);
}

static inline void tt_pack_tile_at(uint32_t dst, uint32_t cb, uint32_t tile)
{
	tt_pack(dst, cb, tile, TT_PACK_TILE, 0);
}

/* The next page of what is reserved in cb since its last cb_push_back. */
static inline void tt_pack_tile_next_page(uint32_t dst, uint32_t cb)
{
	uint32_t tile = 0;

	if (cb < TT_MAX_CBS)
		tile = tt_pack_tile_next[cb]++;
	tt_pack_tile_at(dst, cb, tile);
}

/*
 * pack_tile(dst, cb): DST[dst] into the next reserved page of cb.
 * pack_tile(dst, cb, tile): into reserved page `tile` (out of order).
 */
#define pack_tile(...)		TT_CAT(TT_PACK_TILE_, TT_NARG(__VA_ARGS__))(__VA_ARGS__)
#define TT_PACK_TILE_2(dst, cb)		tt_pack_tile_next_page((dst), (cb))
#define TT_PACK_TILE_3(dst, cb, tile)	tt_pack_tile_at((dst), (cb), (tile))

#include <ttuser/kernel/compute_fpu.h>
#include <ttuser/kernel/compute_sfpu.h>

#endif
