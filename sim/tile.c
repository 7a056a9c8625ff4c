// SPDX-License-Identifier: MIT
/*
 * The tile engine, driven by the compute hart: unpack tiles from CBs into
 * the DST registers, do math on them, pack DST tiles into CBs.
 *
 * DST holds 16 tiles of 32x32 values (8 in fp32 mode), kept in the tiles'
 * storage order. In 16-bit mode every float written to DST is rounded to
 * bf16, as the hardware's 16-bit DST would hold it (denormals become
 * zero, here and in the packer). tile_regs_acquire hands math a zeroed
 * DST, so matmul and reduce accumulate from zero (a tile is cleared when
 * first used, and not at all by an op that writes all of it).
 *
 * The FPU (matmul.c, fpu.c) reads its operands through the 19-bit source
 * registers (sim_fpu_source); the SFPU (sfpu.c) works on DST in place,
 * on whole 32-bit values. Unpacking into DST (copy_tile, transpose,
 * tilize) does not pass the source registers: a Float32 tile lands in a
 * 32-bit DST unchanged, as with tt-metal's unpack-to-dest mode
 * (UnpackToDestFp32) on the hardware.
 * Data formats are in tile_format.c.
 *
 * The DST handshake is checked: math only between tile_regs_acquire and
 * tile_regs_commit, packing only between tile_regs_wait and
 * tile_regs_release.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "tile.h"

/*
 * Device cycles per tile op (1 GHz clock), the one table of tile-engine
 * costs. Matmul: 32x32x32 MACs at 8x16x16 per cycle is 16 cycles, once per
 * fidelity phase (LoFi 16, HiFi2 32, HiFi3 48, HiFi4 64). Element-wise:
 * 1024 values at 8x16 per cycle is 8 cycles, twice for the two source
 * tiles' unpack; mul once per phase. Reduce: 16x16 per cycle, per phase.
 * SFPU: 32 lanes per instruction, a few instructions per simple op, a
 * polynomial for the transcendental ones.
 */
#define TILE_UNPACK_CYCLES	32	/* copy_tile, transpose, tilize: one tile */
#define TILE_MATMUL_CYCLES	16	/* per fidelity phase */
#define TILE_ELTWISE_CYCLES	16	/* add/sub; mul per fidelity phase */
#define TILE_REDUCE_CYCLES	16	/* per fidelity phase */
#define TILE_SFPU_CYCLES	32	/* scalar ops, relu, clamp, abs, neg, typecast,
					   mantissa_rest; the DST-to-DST binary ops */
#define TILE_SFPU_FUNC_CYCLES	128	/* exp, log, sqrt, rsqrt, recip, sigmoid, tanh, gelu, silu */
#define TILE_PACK_CYCLES	32	/* pack_tile, untilize: one tile */
#define TILE_SYNC_CYCLES	2	/* acquire/commit/wait/release */

#define NO_CB 0xffffffffu

static const char *const call_names[] = {
	[TT_CALL_TILE_REGS_ACQUIRE - TT_CALL_TILE_REGS_ACQUIRE] = "tile_regs_acquire",
	[TT_CALL_TILE_REGS_COMMIT - TT_CALL_TILE_REGS_ACQUIRE] = "tile_regs_commit",
	[TT_CALL_TILE_REGS_WAIT - TT_CALL_TILE_REGS_ACQUIRE] = "tile_regs_wait",
	[TT_CALL_TILE_REGS_RELEASE - TT_CALL_TILE_REGS_ACQUIRE] = "tile_regs_release",
};

static const char *const dst_state_names[] = {
	[DST_FREE] = "not acquired",
	[DST_MATH] = "acquired by math",
	[DST_COMMITTED] = "committed, not yet waited for",
	[DST_PACK] = "held by the packer",
};

/* The state change of a handshake call, or a fault. */
static enum rv_mmio dst_sync(struct sim_hart *ht, uint32_t call)
{
	static const enum sim_dst_state from[] = { DST_FREE, DST_MATH, DST_COMMITTED, DST_PACK };
	static const enum sim_dst_state to[] = { DST_MATH, DST_COMMITTED, DST_PACK, DST_FREE };
	struct sim_core *c = ht->core;
	unsigned i = call - TT_CALL_TILE_REGS_ACQUIRE;

	if (c->dst_state != from[i]) {
		sim_core_fault(ht, "%s while DST is %s", call_names[i],
			       dst_state_names[c->dst_state]);
		return RV_MMIO_FAULT;
	}
	if (to[i] == DST_MATH) {
		/* Only what math touched needs zeroing again (dst_tile does it). */
		c->dst_zero |= c->dst_dirty;
		c->dst_dirty = 0;
	}
	c->dst_state = to[i];
	ht->clock += TILE_SYNC_CYCLES;
	return RV_MMIO_OK;
}

/*
 * Pages first .. first + n - 1 of what cb's consumer waited for (or, with
 * `back`, of what its producer reserved), checked: the CB exists, its
 * pages are tiles of its format, and the pages are there.
 */
static uint8_t *cb_pages(struct sim_hart *ht, const char *what, uint32_t idx, uint32_t first,
			 uint32_t n, bool back)
{
	struct sim_core *c = ht->core;
	struct sim_cb *cb;
	size_t tsize;
	uint32_t have;

	if (idx >= TT_MAX_CBS || !c->cb[idx].configured) {
		sim_core_fault(ht, "%s: cb %u is not configured on this core", what, idx);
		return NULL;
	}
	cb = &c->cb[idx];
	tsize = sim_tile_size(cb->format);
	if (!tsize) {
		sim_core_fault(ht, "%s: cb %u has data format %u, which the tile engine does "
			       "not know", what, idx, cb->format);
		return NULL;
	}
	if (cb->page_size != tsize) {
		sim_core_fault(ht, "%s: cb %u pages are %u bytes, a tile of its format is %zu (%s)",
			       what, idx, cb->page_size, tsize, sim_format_name(cb->format));
		return NULL;
	}
	have = back ? cb->reserved : cb->waited;
	if (first >= have || n > have - first) {
		sim_core_fault(ht, "%s: %s %u of cb %u, but only %u %s", what,
			       n > 1 ? "pages up to" : "tile", first + n - 1, idx, have,
			       back ? "reserved with cb_reserve_back" :
				      "waited for with cb_wait_front");
		return NULL;
	}
	/* Pages between the pointer and the end never wrap (see cb_advance). */
	return c->l1 + (back ? cb->wr_ptr : cb->rd_ptr) + (size_t)first * cb->page_size;
}

/* DST tile i for an op in state `need`; `overwrite`: the op writes all of it first. */
static float *dst_tile(struct sim_hart *ht, const char *what, uint32_t i, enum sim_dst_state need,
		       bool overwrite)
{
	struct sim_core *c = ht->core;
	float *t;

	if (c->dst_state != need) {
		sim_core_fault(ht, "%s while DST is %s (needs: %s)", what,
			       dst_state_names[c->dst_state], dst_state_names[need]);
		return NULL;
	}
	if (i >= c->dst_tiles) {
		sim_core_fault(ht, "%s: DST tile %u, but DST holds %u tiles%s", what, i,
			       c->dst_tiles, c->dst_fp32 ? " in fp32 mode" : "");
		return NULL;
	}
	t = c->dst + (size_t)i * TT_TILE_HW;
	if (c->dst_zero & 1u << i) {
		if (!overwrite)
			memset(t, 0, TT_TILE_HW * sizeof(float));
		c->dst_zero &= ~(1u << i);
	}
	if (need == DST_MATH)
		c->dst_dirty |= 1u << i;
	return t;
}

/* Round what math wrote to what DST can hold. */
static void dst_store(struct sim_core *c, float *t)
{
	if (!c->dst_fp32)
		sim_dst16_tile(sim_simd_best(), t);
}

static uint32_t cb_format(struct sim_hart *ht, uint32_t idx)
{
	return ht->core->cb[idx].format;
}

/* The data of a CB may go into DST as this DST is set up. */
static bool dst_takes(struct sim_hart *ht, const char *what, uint32_t idx)
{
	uint32_t f = cb_format(ht, idx);

	if (sim_format_is_float(f) || ht->core->dst_fp32)
		return true;
	sim_core_fault(ht, "%s: cb %u holds %s data, which needs 32-bit DST (fp32_dest_acc)",
		       what, idx, sim_format_name(f));
	return false;
}

/* The FPU takes float data only. */
static bool fpu_takes(struct sim_hart *ht, const char *what, uint32_t idx)
{
	uint32_t f = cb_format(ht, idx);

	if (sim_format_is_float(f))
		return true;
	sim_core_fault(ht, "%s: cb %u holds %s data; the FPU takes Float32, Float16_b or "
		       "Bfp8_b", what, idx, sim_format_name(f));
	return false;
}

/* A tile of an FPU operand, as the source registers hold it. */
static void unpack_source(const uint8_t *src, uint32_t format, float *out)
{
	sim_unpack_tile(src, format, out);
	sim_source_tile(sim_simd_best(), out);
}

/* ---- unpack into DST ---------------------------------------------------- */
static enum rv_mmio copy(struct sim_hart *ht, const uint32_t *a)
{
	static const char *const names[] = { "copy_tile", "transpose_wh_tile", "tilize_block" };
	uint32_t cb = a[0], tile = a[1], mode = a[3], block = a[4];
	float tmp[TT_TILE_HW], *d;
	const uint8_t *src;
	const char *what;

	if (mode > TT_UNPACK_TILIZE) {
		sim_core_fault(ht, "unknown unpack mode %u", mode);
		return RV_MMIO_FAULT;
	}
	what = names[mode];
	d = dst_tile(ht, what, a[2], DST_MATH, true);
	if (!d)
		return RV_MMIO_FAULT;
	if (mode == TT_UNPACK_TILIZE) {
		if (!block || tile >= block) {
			sim_core_fault(ht, "tilize_block: tile %u of a block of %u tiles", tile,
				       block);
			return RV_MMIO_FAULT;
		}
		src = cb_pages(ht, what, cb, 0, block, false);
		if (!src)
			return RV_MMIO_FAULT;
		if (cb_format(ht, cb) == TT_FORMAT_BFP8_B) {
			sim_core_fault(ht, "tilize_block: cb %u is Bfp8_b, which has no row-major "
				       "form", cb);
			return RV_MMIO_FAULT;
		}
		if (!dst_takes(ht, what, cb))
			return RV_MMIO_FAULT;
		sim_unpack_tilize(src, cb_format(ht, cb), block, tile, d);
	} else {
		src = cb_pages(ht, what, cb, tile, 1, false);
		if (!src || !dst_takes(ht, what, cb))
			return RV_MMIO_FAULT;
		if (mode == TT_UNPACK_TRANSPOSE) {
			sim_unpack_tile(src, cb_format(ht, cb), tmp);
			sim_transpose_tile(d, tmp);
		} else {
			sim_unpack_tile(src, cb_format(ht, cb), d);
		}
	}
	dst_store(ht->core, d);
	ht->clock += TILE_UNPACK_CYCLES;
	return RV_MMIO_OK;
}

/* ---- the FPU ------------------------------------------------------------ */
static enum rv_mmio binary(struct sim_hart *ht, const uint32_t *a)
{
	static const char *const names[] = { "add_tiles", "sub_tiles", "mul_tiles",
					     "matmul_tiles", "reduce_tile" };
	struct sim_core *c = ht->core;
	float x[TT_TILE_HW], y[TT_TILE_HW], yb[TT_TILE_HW], *d;
	uint32_t op = a[0], detail = a[6];
	unsigned phases = sim_fidelity_phases(c->math_fidelity);
	const uint8_t *p0, *p1;
	const char *what;
	bool untouched;

	if (op > TT_BINARY_REDUCE) {
		sim_core_fault(ht, "unknown binary tile op %u", op);
		return RV_MMIO_FAULT;
	}
	what = names[op];
	if (op <= TT_BINARY_MUL &&
	    ((detail & 0xff) > TT_BCAST_SCALAR || (detail & ~(0xffu | TT_BINARY_ACC_TO_DEST)))) {
		sim_core_fault(ht, "%s: unknown broadcast %u", what, detail);
		return RV_MMIO_FAULT;
	}
	if (op == TT_BINARY_MATMUL && detail > 1) {
		sim_core_fault(ht, "matmul_tiles: transpose is %u, not 0 or 1", detail);
		return RV_MMIO_FAULT;
	}
	if (op == TT_BINARY_REDUCE &&
	    ((detail & 0xff) > TT_REDUCE_MAX || detail >> 8 > TT_REDUCE_SCALAR)) {
		sim_core_fault(ht, "reduce_tile: unknown pool %u or dimension %u", detail & 0xff,
			       detail >> 8);
		return RV_MMIO_FAULT;
	}
	/* A DST tile math has not touched since acquire holds no values yet. */
	untouched = a[5] < 32 && !(c->dst_dirty & 1u << a[5]);
	d = dst_tile(ht, what, a[5], DST_MATH,
		     op <= TT_BINARY_MUL && !(detail & TT_BINARY_ACC_TO_DEST));
	p0 = d ? cb_pages(ht, what, a[1], a[3], 1, false) : NULL;
	p1 = p0 ? cb_pages(ht, what, a[2], a[4], 1, false) : NULL;
	if (!p1 || !fpu_takes(ht, what, a[1]) || !fpu_takes(ht, what, a[2]))
		return RV_MMIO_FAULT;
	if (op == TT_BINARY_MATMUL) {
		/* matmul unpacks its operands itself, only the ones it has not seen. */
		sim_matmul_tile(sim_simd_best_matmul(), d, p0, cb_format(ht, a[1]), p1,
				cb_format(ht, a[2]), c->math_fidelity, detail, true);
		ht->clock += TILE_MATMUL_CYCLES * phases;
		dst_store(c, d);
		return RV_MMIO_OK;
	}
	unpack_source(p0, cb_format(ht, a[1]), x);
	unpack_source(p1, cb_format(ht, a[2]), y);
	switch (op) {
	case TT_BINARY_REDUCE:
		sim_reduce_tile(sim_simd_best(), d, x, y, detail & 0xff, detail >> 8,
				c->math_fidelity, untouched);
		ht->clock += TILE_REDUCE_CYCLES * phases;
		break;
	default:
		if ((detail & 0xff) != TT_BCAST_NONE) {
			sim_bcast_tile(yb, y, detail & 0xff);
			memcpy(y, yb, sizeof(y));
		}
		if (detail & TT_BINARY_ACC_TO_DEST) {
			unsigned i;

			/* acc_to_dest: the result is added to what DST holds. */
			sim_eltwise_tile(sim_simd_best(), yb, x, y, op, c->math_fidelity);
			for (i = 0; i < TT_TILE_HW; i++)
				d[i] = sim_ftz(d[i] + yb[i]);
		} else {
			sim_eltwise_tile(sim_simd_best(), d, x, y, op, c->math_fidelity);
		}
		ht->clock += TILE_ELTWISE_CYCLES * (op == TT_BINARY_MUL ? phases : 1);
		break;
	}
	dst_store(c, d);
	return RV_MMIO_OK;
}

/* ---- the SFPU ----------------------------------------------------------- */
static enum rv_mmio unary(struct sim_hart *ht, const uint32_t *a)
{
	const char *name = sim_sfpu_name(a[0]), *err;
	float *d;

	if (!name) {
		sim_core_fault(ht, "unknown unary tile op %u", a[0]);
		return RV_MMIO_FAULT;
	}
	d = dst_tile(ht, name, a[1], DST_MATH, false);
	if (!d)
		return RV_MMIO_FAULT;
	err = sim_sfpu_tile(d, a[0], a[2], a[3], ht->core->dst_fp32);
	if (err) {
		sim_core_fault(ht, "%s", err);
		return RV_MMIO_FAULT;
	}
	if (a[0] != TT_UNARY_TYPECAST)
		dst_store(ht->core, d);
	ht->clock += a[0] >= TT_UNARY_EXP && a[0] <= TT_UNARY_SILU ? TILE_SFPU_FUNC_CYCLES :
								      TILE_SFPU_CYCLES;
	return RV_MMIO_OK;
}

/* DST[out] = DST[dst0] op DST[dst1] on the SFPU. */
static enum rv_mmio sfpu_binary(struct sim_hart *ht, const uint32_t *a)
{
	const char *name = sim_sfpu_binary_name(a[0]);
	float *x, *y, *d;

	if (!name) {
		sim_core_fault(ht, "unknown SFPU binary op %u", a[0]);
		return RV_MMIO_FAULT;
	}
	x = dst_tile(ht, name, a[1], DST_MATH, false);
	y = x ? dst_tile(ht, name, a[2], DST_MATH, false) : NULL;
	d = y ? dst_tile(ht, name, a[3], DST_MATH, false) : NULL;
	if (!d)
		return RV_MMIO_FAULT;
	sim_sfpu_binary_tile(d, x, y, a[0]);
	dst_store(ht->core, d);
	ht->clock += TILE_SFPU_CYCLES;
	return RV_MMIO_OK;
}

/* ---- pack from DST ------------------------------------------------------ */
static enum rv_mmio pack(struct sim_hart *ht, const uint32_t *a)
{
	uint32_t cb = a[1], tile = a[2], mode = a[3], block = a[4];
	const char *what = mode == TT_PACK_UNTILIZE ? "untilize_block" : "pack_tile";
	uint8_t *out;
	float *d;

	if (mode > TT_PACK_UNTILIZE) {
		sim_core_fault(ht, "unknown pack mode %u", mode);
		return RV_MMIO_FAULT;
	}
	d = dst_tile(ht, what, a[0], DST_PACK, false);
	if (!d)
		return RV_MMIO_FAULT;
	if (mode == TT_PACK_UNTILIZE) {
		if (!block || tile >= block) {
			sim_core_fault(ht, "untilize_block: tile %u of a block of %u tiles", tile,
				       block);
			return RV_MMIO_FAULT;
		}
		out = cb_pages(ht, what, cb, 0, block, true);
		if (!out)
			return RV_MMIO_FAULT;
		if (cb_format(ht, cb) == TT_FORMAT_BFP8_B) {
			sim_core_fault(ht, "untilize_block: cb %u is Bfp8_b, which has no "
				       "row-major form", cb);
			return RV_MMIO_FAULT;
		}
		sim_pack_untilize(d, cb_format(ht, cb), block, tile, out);
	} else {
		out = cb_pages(ht, what, cb, tile, 1, true);
		if (!out)
			return RV_MMIO_FAULT;
		sim_pack_tile(d, cb_format(ht, cb), out);
	}
	ht->clock += TILE_PACK_CYCLES;
	return RV_MMIO_OK;
}

static bool cb_ok(struct sim_hart *ht, uint32_t idx)
{
	if (idx == NO_CB)
		return true;
	if (idx < TT_MAX_CBS && ht->core->cb[idx].configured)
		return true;
	sim_core_fault(ht, "tile op init: cb %u is not configured on this core", idx);
	return false;
}

enum rv_mmio sim_tile_call(struct sim_hart *ht, uint32_t call, const uint32_t *a,
			   uint32_t *result)
{
	*result = 0;
	switch (call) {
	case TT_CALL_TILE_REGS_ACQUIRE:
	case TT_CALL_TILE_REGS_COMMIT:
	case TT_CALL_TILE_REGS_WAIT:
	case TT_CALL_TILE_REGS_RELEASE:
		return dst_sync(ht, call);
	case TT_CALL_TILE_COPY:
		return copy(ht, a);
	case TT_CALL_TILE_BINARY:
		return binary(ht, a);
	case TT_CALL_TILE_UNARY:
		return unary(ht, a);
	case TT_CALL_TILE_PACK:
		return pack(ht, a);
	case TT_CALL_TILE_SFPU_BINARY:
		return sfpu_binary(ht, a);
	case TT_CALL_TILE_INIT:
		return cb_ok(ht, a[0]) && cb_ok(ht, a[1]) && cb_ok(ht, a[2]) ?
			RV_MMIO_OK : RV_MMIO_FAULT;
	}
	sim_core_fault(ht, "unknown tile engine call %u", call);
	return RV_MMIO_FAULT;
}
