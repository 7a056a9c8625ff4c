// SPDX-License-Identifier: MIT
/*
 * The tile engine, driven by the compute hart: unpack tiles from CBs into
 * the DST registers, do math on them, pack DST tiles into CBs.
 *
 * DST holds 16 tiles of 32x32 values (8 in fp32 mode). Values are kept as
 * float; in 16-bit mode every value written to DST is rounded to bf16, as
 * the hardware's 16-bit DST would hold it. Tiles keep their face layout:
 * element-wise ops do not care where an element sits.
 *
 * The DST handshake is checked: math only between tile_regs_acquire and
 * tile_regs_commit, packing only between tile_regs_wait and
 * tile_regs_release.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Device cycles per tile op (1 GHz clock). */
#define TILE_UNPACK_CYCLES	32	/* copy_tile */
#define TILE_ELTWISE_CYCLES	64	/* add/sub/mul: 8x16 values per cycle */
#define TILE_SFPU_CYCLES	64	/* one pass of a unary op over a tile */
#define TILE_PACK_CYCLES	32	/* pack_tile */
#define TILE_SYNC_CYCLES	2	/* acquire/commit/wait/release */

size_t sim_tile_size(uint32_t format)
{
	switch (format) {
	case TT_FORMAT_FLOAT32:
	case TT_FORMAT_INT32:
	case TT_FORMAT_UINT32:
		return 4 * TT_TILE_HW;
	case TT_FORMAT_FLOAT16_B:
		return 2 * TT_TILE_HW;
	case TT_FORMAT_BFP8_B:
		return TT_TILE_HW + 64;
	default:
		return 0;
	}
}

static float bf16_round(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	if ((u & 0x7fffffffu) > 0x7f800000u)
		u = (u | 0x00400000u) & 0xffff0000u;
	else
		u = (u + 0x7fffu + ((u >> 16) & 1)) & 0xffff0000u;
	memcpy(&f, &u, sizeof(f));
	return f;
}

static const char *const call_names[] = {
	[TT_CALL_TILE_REGS_ACQUIRE - TT_CALL_TILE_REGS_ACQUIRE] = "tile_regs_acquire",
	[TT_CALL_TILE_REGS_COMMIT - TT_CALL_TILE_REGS_ACQUIRE] = "tile_regs_commit",
	[TT_CALL_TILE_REGS_WAIT - TT_CALL_TILE_REGS_ACQUIRE] = "tile_regs_wait",
	[TT_CALL_TILE_REGS_RELEASE - TT_CALL_TILE_REGS_ACQUIRE] = "tile_regs_release",
	[TT_CALL_TILE_COPY - TT_CALL_TILE_REGS_ACQUIRE] = "copy_tile",
	[TT_CALL_TILE_BINARY - TT_CALL_TILE_REGS_ACQUIRE] = "add/sub/mul_tiles",
	[TT_CALL_TILE_UNARY - TT_CALL_TILE_REGS_ACQUIRE] = "unary tile op",
	[TT_CALL_TILE_PACK - TT_CALL_TILE_REGS_ACQUIRE] = "pack_tile",
	[TT_CALL_TILE_INIT - TT_CALL_TILE_REGS_ACQUIRE] = "tile op init",
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
	c->dst_state = to[i];
	ht->clock += TILE_SYNC_CYCLES;
	return RV_MMIO_OK;
}

/* The tile `tile` pages into a CB's front (consumer) or back (producer). */
static uint8_t *cb_tile(struct sim_hart *ht, const char *what, uint32_t idx, uint32_t tile,
			bool back)
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
	if (cb->format != TT_FORMAT_FLOAT32 && cb->format != TT_FORMAT_FLOAT16_B) {
		sim_core_fault(ht, "%s: cb %u has data format %u, which the tile engine does "
			       "not handle yet", what, idx, cb->format);
		return NULL;
	}
	if (cb->page_size != tsize) {
		sim_core_fault(ht, "%s: cb %u pages are %u bytes, a tile of its format is %zu",
			       what, idx, cb->page_size, tsize);
		return NULL;
	}
	have = back ? cb->reserved : cb->waited;
	if (tile >= have) {
		sim_core_fault(ht, "%s: tile %u of cb %u, but only %u %s", what, tile, idx, have,
			       back ? "reserved with cb_reserve_back" :
				      "waited for with cb_wait_front");
		return NULL;
	}
	/* Pages between the pointer and the end never wrap (see cb_advance). */
	return c->l1 + (back ? cb->wr_ptr : cb->rd_ptr) + (size_t)tile * cb->page_size;
}

static void unpack(const uint8_t *src, uint32_t format, float *out)
{
	unsigned i;

	if (format == TT_FORMAT_FLOAT32) {
		memcpy(out, src, 4 * TT_TILE_HW);
		return;
	}
	for (i = 0; i < TT_TILE_HW; i++) {
		uint32_t u = (uint32_t)(src[2 * i] | src[2 * i + 1] << 8) << 16;

		memcpy(&out[i], &u, sizeof(u));
	}
}

static void pack(const float *in, uint32_t format, uint8_t *dst)
{
	unsigned i;

	if (format == TT_FORMAT_FLOAT32) {
		memcpy(dst, in, 4 * TT_TILE_HW);
		return;
	}
	for (i = 0; i < TT_TILE_HW; i++) {
		float r = bf16_round(in[i]);
		uint32_t u;

		memcpy(&u, &r, sizeof(u));
		dst[2 * i] = (uint8_t)(u >> 16);
		dst[2 * i + 1] = (uint8_t)(u >> 24);
	}
}

/* Round what math wrote to what DST can hold. */
static void dst_store(struct sim_core *c, float *t)
{
	unsigned i;

	if (c->dst_fp32)
		return;
	for (i = 0; i < TT_TILE_HW; i++)
		t[i] = bf16_round(t[i]);
}

static float *dst_tile(struct sim_hart *ht, const char *what, uint32_t i, enum sim_dst_state need)
{
	struct sim_core *c = ht->core;

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
	return c->dst + (size_t)i * TT_TILE_HW;
}

static enum rv_mmio binary(struct sim_hart *ht, const uint32_t *a)
{
	static const char *const names[] = { "add_tiles", "sub_tiles", "mul_tiles" };
	float x[TT_TILE_HW], y[TT_TILE_HW], *d;
	const uint8_t *p0, *p1;
	uint32_t op = a[0];
	unsigned i;

	if (op > TT_BINARY_MUL) {
		sim_core_fault(ht, "unknown binary tile op %u", op);
		return RV_MMIO_FAULT;
	}
	d = dst_tile(ht, names[op], a[5], DST_MATH);
	p0 = d ? cb_tile(ht, names[op], a[1], a[3], false) : NULL;
	p1 = p0 ? cb_tile(ht, names[op], a[2], a[4], false) : NULL;
	if (!p1)
		return RV_MMIO_FAULT;
	unpack(p0, ht->core->cb[a[1]].format, x);
	unpack(p1, ht->core->cb[a[2]].format, y);
	switch (op) {
	case TT_BINARY_ADD:
		for (i = 0; i < TT_TILE_HW; i++)
			d[i] = x[i] + y[i];
		break;
	case TT_BINARY_SUB:
		for (i = 0; i < TT_TILE_HW; i++)
			d[i] = x[i] - y[i];
		break;
	default:
		for (i = 0; i < TT_TILE_HW; i++)
			d[i] = x[i] * y[i];
		break;
	}
	dst_store(ht->core, d);
	ht->clock += TILE_ELTWISE_CYCLES;
	return RV_MMIO_OK;
}

static enum rv_mmio unary(struct sim_hart *ht, const uint32_t *a)
{
	float *d = dst_tile(ht, "unary tile op", a[1], DST_MATH), s;
	unsigned i;

	if (!d)
		return RV_MMIO_FAULT;
	memcpy(&s, &a[2], sizeof(s));
	switch (a[0]) {
	case TT_UNARY_ADD_SCALAR:
		for (i = 0; i < TT_TILE_HW; i++)
			d[i] = d[i] + s;
		break;
	case TT_UNARY_SUB_SCALAR:
		for (i = 0; i < TT_TILE_HW; i++)
			d[i] = d[i] - s;
		break;
	case TT_UNARY_MUL_SCALAR:
		for (i = 0; i < TT_TILE_HW; i++)
			d[i] = d[i] * s;
		break;
	case TT_UNARY_RSUB_SCALAR:
		for (i = 0; i < TT_TILE_HW; i++)
			d[i] = s - d[i];
		break;
	default:
		sim_core_fault(ht, "unknown unary tile op %u", a[0]);
		return RV_MMIO_FAULT;
	}
	dst_store(ht->core, d);
	ht->clock += TILE_SFPU_CYCLES;
	return RV_MMIO_OK;
}

static bool cb_ok(struct sim_hart *ht, uint32_t idx)
{
	if (idx == 0xffffffffu)
		return true;
	if (idx < TT_MAX_CBS && ht->core->cb[idx].configured)
		return true;
	sim_core_fault(ht, "tile op init: cb %u is not configured on this core", idx);
	return false;
}

enum rv_mmio sim_tile_call(struct sim_hart *ht, uint32_t call, const uint32_t *a,
			   uint32_t *result)
{
	const uint8_t *src;
	uint8_t *out;
	float *d;

	*result = 0;
	switch (call) {
	case TT_CALL_TILE_REGS_ACQUIRE:
	case TT_CALL_TILE_REGS_COMMIT:
	case TT_CALL_TILE_REGS_WAIT:
	case TT_CALL_TILE_REGS_RELEASE:
		return dst_sync(ht, call);
	case TT_CALL_TILE_COPY:
		d = dst_tile(ht, "copy_tile", a[2], DST_MATH);
		src = d ? cb_tile(ht, "copy_tile", a[0], a[1], false) : NULL;
		if (!src)
			return RV_MMIO_FAULT;
		unpack(src, ht->core->cb[a[0]].format, d);
		dst_store(ht->core, d);
		ht->clock += TILE_UNPACK_CYCLES;
		return RV_MMIO_OK;
	case TT_CALL_TILE_BINARY:
		return binary(ht, a);
	case TT_CALL_TILE_UNARY:
		return unary(ht, a);
	case TT_CALL_TILE_PACK:
		d = dst_tile(ht, "pack_tile", a[0], DST_PACK);
		out = d ? cb_tile(ht, "pack_tile", a[1], a[2], true) : NULL;
		if (!out)
			return RV_MMIO_FAULT;
		pack(d, ht->core->cb[a[1]].format, out);
		ht->clock += TILE_PACK_CYCLES;
		return RV_MMIO_OK;
	case TT_CALL_TILE_INIT:
		if (a[3]) {
			sim_core_fault(ht, "add/sub_tiles_init with acc_to_dest: accumulating into "
				       "DST is not modelled yet");
			return RV_MMIO_FAULT;
		}
		return cb_ok(ht, a[0]) && cb_ok(ht, a[1]) && cb_ok(ht, a[2]) ?
			RV_MMIO_OK : RV_MMIO_FAULT;
	}
	sim_core_fault(ht, "unknown tile engine call %u", call);
	return RV_MMIO_FAULT;
}
