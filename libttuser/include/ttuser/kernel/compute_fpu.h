/* SPDX-License-Identifier: MIT */
/*
 * Compute: the FPU ops beyond add/sub/mul_tiles -- matmul, broadcast,
 * reduce, transpose -- and tilize/untilize of blocks. Included by
 * compute.h.
 *
 * The math fidelity (LoFi, HiFi2, HiFi3, HiFi4) of matmul_tiles,
 * mul_tiles and reduce_tile comes from the compute kernel's config.
 */
#ifndef TTUSER_KERNEL_COMPUTE_FPU_H
#define TTUSER_KERNEL_COMPUTE_FPU_H

/* ---- matmul --------------------------------------------------------- */
/* The transpose of the last mm_init: what a five-argument matmul_tiles uses. */
static bool tt_mm_transpose __attribute__((unused));

static inline void tt_mm_init(uint32_t in0_cb, uint32_t in1_cb, uint32_t out_cb,
			      uint32_t transpose)
{
	tt_tile_init(in0_cb, in1_cb, out_cb, 0);
	tt_mm_transpose = transpose != 0;
}

/* mm_init(in0_cb, in1_cb, out_cb) or mm_init(in0_cb, in1_cb, out_cb, transpose). */
#define mm_init(...)		TT_CAT(TT_MM_INIT_, TT_NARG(__VA_ARGS__))(__VA_ARGS__)
#define TT_MM_INIT_3(a, b, o)		tt_mm_init((a), (b), (o), 0)
#define TT_MM_INIT_4(a, b, o, t)	tt_mm_init((a), (b), (o), (t))

/* mm_init_short(in0_cb, in1_cb) or mm_init_short(in0_cb, in1_cb, transpose). */
#define mm_init_short(...)	TT_CAT(TT_MM_INIT_SHORT_, TT_NARG(__VA_ARGS__))(__VA_ARGS__)
#define TT_MM_INIT_SHORT_2(a, b)	tt_mm_init((a), (b), TT_CB_NONE, 0)
#define TT_MM_INIT_SHORT_3(a, b, t)	tt_mm_init((a), (b), TT_CB_NONE, (t))

/*
 * DST[dst] += in0_cb[t0] x in1_cb[t1]; with transpose, in1's tile is
 * transposed first. matmul_tiles(in0, in1, t0, t1, dst) transposes as the
 * last mm_init said (tt-metal's current form); a sixth argument, as in
 * its older form, says it for this call.
 */
static inline void tt_matmul_tiles(uint32_t in0_cb, uint32_t in1_cb, uint32_t t0, uint32_t t1,
				   uint32_t dst, uint32_t transpose)
{
	tt_binary_tiles_ex(TT_BINARY_MATMUL, in0_cb, in1_cb, t0, t1, dst, transpose ? 1u : 0u);
}

#define matmul_tiles(...)	TT_CAT(TT_MATMUL_TILES_, TT_NARG(__VA_ARGS__))(__VA_ARGS__)
#define TT_MATMUL_TILES_5(a, b, t0, t1, d)	\
	tt_matmul_tiles((a), (b), (t0), (t1), (d), tt_mm_transpose)
#define TT_MATMUL_TILES_6(a, b, t0, t1, d, tr)	tt_matmul_tiles((a), (b), (t0), (t1), (d), (tr))

/*
 * matmul_block(in0, in1, i0, i1, dst, transpose, ct_dim, rt_dim, kt_dim):
 * one step along K for a block of rt_dim x ct_dim output tiles in DST
 * (row-major from dst): DST[dst + rt * ct_dim + ct] +=
 * in0[i0 + rt * kt_dim] x in1[i1 + ct], in0's block being kt_dim tiles
 * wide. The same products, in the same order, as matmul_tiles over the
 * block.
 */
static inline void mm_block_init(uint32_t in0_cb, uint32_t in1_cb, uint32_t out_cb,
				 uint32_t transpose, uint32_t ct_dim, uint32_t rt_dim,
				 uint32_t kt_dim)
{
	(void)ct_dim, (void)rt_dim, (void)kt_dim;
	tt_mm_init(in0_cb, in1_cb, out_cb, transpose);
}

static inline void mm_block_init_short(uint32_t in0_cb, uint32_t in1_cb, uint32_t transpose,
				       uint32_t ct_dim, uint32_t rt_dim, uint32_t kt_dim)
{
	(void)ct_dim, (void)rt_dim, (void)kt_dim;
	tt_mm_init(in0_cb, in1_cb, TT_CB_NONE, transpose);
}

static inline void matmul_block(uint32_t in0_cb, uint32_t in1_cb, uint32_t i0, uint32_t i1,
				uint32_t dst, uint32_t transpose, uint32_t ct_dim,
				uint32_t rt_dim, uint32_t kt_dim)
{
	uint32_t rt, ct;

	for (rt = 0; rt < rt_dim; rt++)
		for (ct = 0; ct < ct_dim; ct++)
			tt_matmul_tiles(in0_cb, in1_cb, i0 + rt * kt_dim, i1 + ct,
					dst + rt * ct_dim + ct, transpose);
}

/* ---- broadcast: cb1's tile spread over the tile ------------------------ */
/*
 * rows: row 0 of cb1's tile goes to every row; cols: column 0 to every
 * column; scalar: element (0, 0) everywhere.
 */
#define TT_BCAST_FN(op, OP, dim, DIM)                                                   \
	static inline void op##_tiles_bcast_##dim(uint32_t cb0, uint32_t cb1, uint32_t t0, \
						  uint32_t t1, uint32_t dst)            \
	{                                                                               \
		tt_binary_tiles_ex(TT_BINARY_##OP, cb0, cb1, t0, t1, dst, TT_BCAST_##DIM);  \
	}                                                                               \
	static inline void op##_bcast_##dim##_init_short(uint32_t cb0, uint32_t cb1)    \
	{                                                                               \
		tt_tile_init(cb0, cb1, TT_CB_NONE, 0);                                  \
	}

TT_BCAST_FN(add, ADD, rows, ROWS)
TT_BCAST_FN(add, ADD, cols, COLS)
TT_BCAST_FN(add, ADD, scalar, SCALAR)
TT_BCAST_FN(sub, SUB, rows, ROWS)
TT_BCAST_FN(sub, SUB, cols, COLS)
TT_BCAST_FN(sub, SUB, scalar, SCALAR)
TT_BCAST_FN(mul, MUL, rows, ROWS)
TT_BCAST_FN(mul, MUL, cols, COLS)
TT_BCAST_FN(mul, MUL, scalar, SCALAR)

/* tt-metal's spelling of the scalar multiply's init. */
static inline void mul_tiles_bcast_scalar_init_short(uint32_t cb0, uint32_t cb1)
{
	tt_tile_init(cb0, cb1, TT_CB_NONE, 0);
}

/* init_bcast(cb0, cb1, ocb): the full init of any broadcast op. */
static inline void init_bcast(uint32_t cb0, uint32_t cb1, uint32_t ocb)
{
	tt_tile_init(cb0, cb1, ocb, 0);
}

/* ---- reduce --------------------------------------------------------- */
/*
 * reduce_tile(icb, icb_scaler, itile, itile_scaler, dst): DST[dst] gets
 * the sum (or max) of icb[itile] along REDUCE_DIM, times the scaler
 * (element (0, 0) of icb_scaler[itile_scaler]), added to (or compared with)
 * what earlier reduce_tile calls left there since tile_regs_acquire. Row
 * results land in column 0, column results in row 0, the scalar at (0, 0).
 * Define REDUCE_OP (TT_REDUCE_SUM, _AVG, _MAX) and REDUCE_DIM
 * (TT_REDUCE_ROW, _COL, _SCALAR) for the kernel, or call tt_reduce_tile.
 */
#ifndef REDUCE_OP
#define REDUCE_OP	TT_REDUCE_SUM
#endif
#ifndef REDUCE_DIM
#define REDUCE_DIM	TT_REDUCE_ROW
#endif

static inline void tt_reduce_tile(uint32_t pool, uint32_t dim, uint32_t icb, uint32_t icb_scaler,
				  uint32_t itile, uint32_t itile_scaler, uint32_t dst)
{
	tt_binary_tiles_ex(TT_BINARY_REDUCE, icb, icb_scaler, itile, itile_scaler, dst,
			   pool | dim << 8);
}

static inline void reduce_init(uint32_t icb, uint32_t icb_scaler, uint32_t ocb)
{
	tt_tile_init(icb, icb_scaler, ocb, 0);
}

static inline void reduce_tile(uint32_t icb, uint32_t icb_scaler, uint32_t itile,
			       uint32_t itile_scaler, uint32_t dst)
{
	tt_reduce_tile(REDUCE_OP, REDUCE_DIM, icb, icb_scaler, itile, itile_scaler, dst);
}

/* Nothing to undo: reduce leaves no state behind. */
static inline void reduce_uninit(void)
{
}

/* ---- transpose within a tile ------------------------------------------ */
static inline void transpose_wh_init(uint32_t icb, uint32_t ocb)
{
	tt_tile_init(icb, TT_CB_NONE, ocb, 0);
}

static inline void transpose_wh_init_short(uint32_t icb)
{
	tt_tile_init(icb, TT_CB_NONE, TT_CB_NONE, 0);
}

/* DST[dst] = icb[tile] with rows and columns swapped. */
static inline void transpose_wh_tile(uint32_t icb, uint32_t tile, uint32_t dst)
{
	tt_unpack(icb, tile, dst, TT_UNPACK_TRANSPOSE, 0);
}

/* ---- tilize and untilize of blocks -------------------------------------- */
/*
 * tilize_block(icb, block, ocb): the front `block` pages of icb hold 32
 * rows of a row-major matrix block*32 wide (Float32 or Float16_b); they go
 * as `block` tiles into the pages of ocb reserved with cb_reserve_back.
 * Each tile passes through DST slot 0, so DST must be free.
 *
 *	cb_wait_front(icb, block);
 *	cb_reserve_back(ocb, block);
 *	tilize_block(icb, block, ocb);
 *	cb_push_back(ocb, block);
 *	cb_pop_front(icb, block);
 */
static inline void tilize_init(uint32_t icb, uint32_t block, uint32_t ocb)
{
	(void)block;
	tt_tile_init(icb, TT_CB_NONE, ocb, 0);
}

static inline void tilize_init_short(uint32_t icb, uint32_t block, uint32_t ocb)
{
	tilize_init(icb, block, ocb);
}

static inline void tilize_block(uint32_t icb, uint32_t block, uint32_t ocb)
{
	uint32_t t;

	for (t = 0; t < block; t++) {
		tile_regs_acquire();
		tt_unpack(icb, t, 0, TT_UNPACK_TILIZE, block);
		tile_regs_commit();
		tile_regs_wait();
		tt_pack(0, ocb, t, TT_PACK_TILE, 0);
		tile_regs_release();
	}
}

/* Nothing to undo. */
static inline void tilize_uninit(uint32_t icb, uint32_t ocb)
{
	(void)icb;
	(void)ocb;
}

/*
 * untilize_block(icb, block, ocb): the inverse -- `block` tiles from the
 * front of icb into ocb's reserved pages as 32 row-major rows, block*32
 * wide.
 */
static inline void untilize_init(uint32_t icb, uint32_t ocb)
{
	tt_tile_init(icb, TT_CB_NONE, ocb, 0);
}

static inline void untilize_init_short(uint32_t icb)
{
	tt_tile_init(icb, TT_CB_NONE, TT_CB_NONE, 0);
}

static inline void untilize_block(uint32_t icb, uint32_t block, uint32_t ocb)
{
	uint32_t t;

	for (t = 0; t < block; t++) {
		tile_regs_acquire();
		copy_tile(icb, t, 0);
		tile_regs_commit();
		tile_regs_wait();
		tt_pack(0, ocb, t, TT_PACK_UNTILIZE, block);
		tile_regs_release();
	}
}

/* Nothing to undo. */
static inline void untilize_uninit(uint32_t icb)
{
	(void)icb;
}

#endif
