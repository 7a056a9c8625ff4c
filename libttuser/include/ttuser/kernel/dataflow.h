/* SPDX-License-Identifier: MIT */
/*
 * Data movement: NoC addresses, reads and writes between this core's L1
 * and any NoC endpoint (worker L1, DRAM banks), multicast to a rectangle
 * of cores, interleaved and sharded buffers, and semaphores.
 *
 * Reads and writes are asynchronous: L1 written by noc_async_read is
 * valid after noc_async_read_barrier(), and L1 handed to noc_async_write
 * may be reused after noc_async_write_barrier() (or
 * noc_async_writes_flushed()).
 */
#ifndef TTUSER_KERNEL_DATAFLOW_H
#define TTUSER_KERNEL_DATAFLOW_H

#include <ttuser/kernel/kernel.h>
#include <ttuser/kernel/cb.h>

/*
 * An interleaved buffer: page id lives in bank id % nbanks at
 * bank_base_address + (id / nbanks) * page_size rounded up to
 * TT_PAGE_ALIGN. is_dram picks DRAM banks or the worker cores' L1.
 * InterleavedAddrGenFast is the same structure; its page_size is the tile
 * size of data_format, and data_format is informational. Fill them with
 * designated initializers:
 *
 *	const InterleavedAddrGenFast src = {
 *		.bank_base_address = get_arg_val(0),
 *		.page_size = get_tile_size(c_0),
 *		.data_format = TT_FORMAT_FLOAT16_B,
 *		.is_dram = true,
 *	};
 *	noc_async_read_tile(i, &src, get_write_ptr(c_0));
 */
struct tt_interleaved_addr_gen {
	uint32_t bank_base_address;
	uint32_t page_size;
	bool is_dram;
	enum tt_format data_format;
};

typedef struct tt_interleaved_addr_gen InterleavedAddrGen;
typedef struct tt_interleaved_addr_gen InterleavedAddrGenFast;

/*
 * A sharded L1 buffer (see ttuser/tt_core.h): the host passes its
 * tt_buffer_shard_spec() as TT_SHARD_SPEC_WORDS runtime args, read with
 *
 *	const ShardedAddrGen out = get_shard_spec_arg(3);	(args 3..13)
 *	noc_async_write_page(i, &out, l1_addr);
 */
typedef struct tt_shard_spec ShardedAddrGen;

static inline ShardedAddrGen get_shard_spec_arg(uint32_t first)
{
	ShardedAddrGen g;

	memcpy(&g, (const void *)(uintptr_t)get_arg_addr(first), sizeof(g));
	return g;
}

static inline ShardedAddrGen get_common_shard_spec_arg(uint32_t first)
{
	ShardedAddrGen g;

	memcpy(&g, (const void *)(uintptr_t)get_common_arg_addr(first), sizeof(g));
	return g;
}

/* ---- NoC addresses -------------------------------------------------- */
static inline uint64_t tt_noc_addr_xy(uint32_t x, uint32_t y, uint32_t addr)
{
	return TT_NOC_ADDR(x, y, addr);
}

static inline uint64_t tt_noc_addr_local(uint32_t addr)
{
	return TT_NOC_ADDR(get_absolute_logical_x(), get_absolute_logical_y(), addr);
}

/* DRAM bank b is at NoC (b, TT_NOC_DRAM_Y); L1 bank b is worker b in row-major order. */
static inline uint64_t get_noc_addr_from_bank_id(uint32_t bank, uint32_t addr, bool is_dram)
{
	uint32_t gx;

	if (is_dram)
		return TT_NOC_ADDR(bank, TT_NOC_DRAM_Y, addr);
	gx = tt_core_info()->grid_x;
	return TT_NOC_ADDR(bank % gx, bank / gx, addr);
}

static inline uint32_t tt_interleaved_banks(bool is_dram)
{
	const struct tt_core_info *info = tt_core_info();

	return is_dram ? info->dram_banks : info->grid_x * info->grid_y;
}

static inline uint64_t tt_page_noc_addr(uint32_t id, const InterleavedAddrGen *gen,
					uint32_t offset)
{
	uint32_t nbanks = tt_interleaved_banks(gen->is_dram);
	uint32_t stride = TT_ALIGN_UP(gen->page_size, TT_PAGE_ALIGN);
	uint32_t addr = gen->bank_base_address + (id / nbanks) * stride + offset;

	return get_noc_addr_from_bank_id(id % nbanks, addr, gen->is_dram);
}

static inline uint64_t tt_noc_addr_page(uint32_t id, const InterleavedAddrGen *gen)
{
	return tt_page_noc_addr(id, gen, 0);
}

static inline uint64_t tt_noc_addr_xy_noc(uint32_t x, uint32_t y, uint32_t addr, uint32_t noc)
{
	(void)noc;
	return TT_NOC_ADDR(x, y, addr);
}

static inline uint64_t tt_page_noc_addr_noc(uint32_t id, const InterleavedAddrGen *gen,
					    uint32_t offset, uint32_t noc)
{
	(void)noc;
	return tt_page_noc_addr(id, gen, offset);
}

static inline uint64_t tt_shard_noc_addr_page(uint32_t id, const ShardedAddrGen *gen)
{
	return tt_shard_page_noc_addr(gen, id);
}

static inline uint64_t tt_shard_noc_addr_offset(uint32_t id, const ShardedAddrGen *gen,
						uint32_t offset)
{
	return tt_shard_page_noc_addr(gen, id) + offset;
}

/*
 * get_noc_addr(local_addr)			this core's L1
 * get_noc_addr(id, &gen)			page id of an interleaved or sharded buffer
 * get_noc_addr(id, &gen, offset)		... plus a byte offset
 * get_noc_addr(x, y, addr)			L1 of worker (x, y)
 * A fourth argument, tt-metal's NoC index, is accepted and ignored.
 */
#define get_noc_addr(...) TT_CAT(TT_GET_NOC_ADDR_, TT_NARG(__VA_ARGS__))(__VA_ARGS__)
#define TT_GET_NOC_ADDR_1(addr)		tt_noc_addr_local(addr)
#define TT_GET_NOC_ADDR_2(id, gen)					\
	_Generic((gen),							\
		 const ShardedAddrGen *: tt_shard_noc_addr_page,		\
		 ShardedAddrGen *: tt_shard_noc_addr_page,		\
		 default: tt_noc_addr_page)((id), (gen))
#define TT_GET_NOC_ADDR_3(a, b, c)					\
	_Generic((b),							\
		 const InterleavedAddrGen *: tt_page_noc_addr,		\
		 InterleavedAddrGen *: tt_page_noc_addr,		\
		 const ShardedAddrGen *: tt_shard_noc_addr_offset,	\
		 ShardedAddrGen *: tt_shard_noc_addr_offset,		\
		 default: tt_noc_addr_xy)((a), (b), (c))
#define TT_GET_NOC_ADDR_4(a, b, c, d)					\
	_Generic((b),							\
		 const InterleavedAddrGen *: tt_page_noc_addr_noc,	\
		 InterleavedAddrGen *: tt_page_noc_addr_noc,		\
		 default: tt_noc_addr_xy_noc)((a), (b), (c), (d))

/* ---- reads and writes ----------------------------------------------- */
static inline void noc_async_read(uint64_t src_noc_addr, uint32_t dst_l1_addr, uint32_t size)
{
	tt_call4(TT_CALL_NOC_READ, (uint32_t)src_noc_addr, (uint32_t)(src_noc_addr >> 32),
		 dst_l1_addr, size);
}

static inline void noc_async_write(uint32_t src_l1_addr, uint64_t dst_noc_addr, uint32_t size)
{
	tt_call4(TT_CALL_NOC_WRITE, src_l1_addr, (uint32_t)dst_noc_addr,
		 (uint32_t)(dst_noc_addr >> 32), size);
}

static inline void noc_async_read_barrier(void)
{
	tt_call0(TT_CALL_NOC_READ_BARRIER);
}

static inline void noc_async_write_barrier(void)
{
	tt_call0(TT_CALL_NOC_WRITE_BARRIER);
}

/* Writes have left this core (their source L1 may be reused); not yet landed. */
static inline void noc_async_writes_flushed(void)
{
	tt_call0(TT_CALL_NOC_WRITES_FLUSHED);
}

static inline void noc_async_full_barrier(void)
{
	tt_call0(TT_CALL_NOC_READ_BARRIER);
	tt_call0(TT_CALL_NOC_WRITE_BARRIER);
}

/* ---- multicast ------------------------------------------------------ */
/* L1 address addr on every worker of the rectangle (x_start, y_start)..(x_end, y_end). */
static inline uint64_t get_noc_multicast_addr(uint32_t x_start, uint32_t y_start, uint32_t x_end,
					      uint32_t y_end, uint32_t addr)
{
	return TT_NOC_MCAST_ADDR(x_start, y_start, x_end, y_end, addr);
}

/*
 * Write size bytes from this core's L1 to the same address on every core
 * of a multicast rectangle. num_dests is the number of cores written: the
 * rectangle's cores without the sender; the _loopback_src variants write
 * the sender too (when it lies inside) and count it. A wrong num_dests is
 * reported as a fault. linked is accepted and ignored.
 */
static inline void tt_noc_mcast(uint32_t src_l1_addr, uint64_t dst, uint32_t size,
				uint32_t num_dests, uint32_t flags)
{
	tt_call6(TT_CALL_NOC_WRITE_MCAST, src_l1_addr, (uint32_t)dst, (uint32_t)(dst >> 32), size,
		 num_dests, flags);
}

static inline void noc_async_write_multicast(uint32_t src_l1_addr, uint64_t dst_noc_addr_multicast,
					     uint32_t size, uint32_t num_dests, bool linked)
{
	(void)linked;
	tt_noc_mcast(src_l1_addr, dst_noc_addr_multicast, size, num_dests, 0);
}

static inline void noc_async_write_multicast_loopback_src(uint32_t src_l1_addr,
							  uint64_t dst_noc_addr_multicast,
							  uint32_t size, uint32_t num_dests,
							  bool linked)
{
	(void)linked;
	tt_noc_mcast(src_l1_addr, dst_noc_addr_multicast, size, num_dests, TT_MCAST_LOOPBACK);
}

/* Whole pages of an interleaved buffer. */
static inline void tt_interleaved_read_page(uint32_t id, const InterleavedAddrGen *gen,
					    uint32_t dst_l1_addr)
{
	noc_async_read(tt_page_noc_addr(id, gen, 0), dst_l1_addr, gen->page_size);
}

static inline void tt_interleaved_write_page(uint32_t id, const InterleavedAddrGen *gen,
					     uint32_t src_l1_addr)
{
	noc_async_write(src_l1_addr, tt_page_noc_addr(id, gen, 0), gen->page_size);
}

/* Whole pages of a sharded buffer. */
static inline void tt_sharded_read_page(uint32_t id, const ShardedAddrGen *gen,
					uint32_t dst_l1_addr)
{
	noc_async_read(tt_shard_page_noc_addr(gen, id), dst_l1_addr, gen->page_size);
}

static inline void tt_sharded_write_page(uint32_t id, const ShardedAddrGen *gen,
					 uint32_t src_l1_addr)
{
	noc_async_write(src_l1_addr, tt_shard_page_noc_addr(gen, id), gen->page_size);
}

/* noc_async_read_page(id, &gen, l1) / noc_async_write_page(id, &gen, l1), either generator. */
#define noc_async_read_page(id, gen, l1)					\
	_Generic((gen),								\
		 const ShardedAddrGen *: tt_sharded_read_page,			\
		 ShardedAddrGen *: tt_sharded_read_page,			\
		 default: tt_interleaved_read_page)((id), (gen), (l1))
#define noc_async_write_page(id, gen, l1)					\
	_Generic((gen),								\
		 const ShardedAddrGen *: tt_sharded_write_page,			\
		 ShardedAddrGen *: tt_sharded_write_page,			\
		 default: tt_interleaved_write_page)((id), (gen), (l1))

static inline void noc_async_read_tile(uint32_t id, const InterleavedAddrGenFast *gen,
				       uint32_t dst_l1_addr)
{
	tt_interleaved_read_page(id, gen, dst_l1_addr);
}

static inline void noc_async_write_tile(uint32_t id, const InterleavedAddrGenFast *gen,
					uint32_t src_l1_addr)
{
	tt_interleaved_write_page(id, gen, src_l1_addr);
}

/* ---- semaphores ----------------------------------------------------- */
/*
 * L1 address of semaphore id of this program; the same on every core. The
 * empty asm hides the value from the compiler: GCC takes stores through
 * constant pointers into the first 4 KiB for stores near a null pointer.
 */
static inline uint32_t get_semaphore(uint32_t id)
{
	return TT_L1_SEMS + 16u * id;
}

static inline void noc_semaphore_set(volatile uint32_t *sem, uint32_t val)
{
	tt_compiler_barrier();
	*sem = val;
	tt_compiler_barrier();
}

/* Wait until *sem == val (noc_semaphore_wait) or *sem >= val (_min). */
static inline void noc_semaphore_wait(volatile uint32_t *sem, uint32_t val)
{
	tt_call2(TT_CALL_SEM_WAIT, (uint32_t)(uintptr_t)sem, val);
}

static inline void noc_semaphore_wait_min(volatile uint32_t *sem, uint32_t val)
{
	tt_call2(TT_CALL_SEM_WAIT_MIN, (uint32_t)(uintptr_t)sem, val);
}

/* Atomically add incr to the 32-bit word at noc_addr (wraps). */
static inline void noc_semaphore_inc(uint64_t noc_addr, uint32_t incr)
{
	tt_call3(TT_CALL_NOC_SEM_INC, (uint32_t)noc_addr, (uint32_t)(noc_addr >> 32), incr);
}

/* Copy the word at src_l1_addr to dst_noc_addr: a 4-byte NoC write. */
static inline void noc_semaphore_set_remote(uint32_t src_l1_addr, uint64_t dst_noc_addr)
{
	noc_async_write(src_l1_addr, dst_noc_addr, 4);
}

/* Copy the word at src_l1_addr to a semaphore on every core of a multicast rectangle. */
static inline void noc_semaphore_set_multicast(uint32_t src_l1_addr, uint64_t dst_mcast_addr,
					       uint32_t num_dests, bool linked)
{
	(void)linked;
	tt_noc_mcast(src_l1_addr, dst_mcast_addr, 4, num_dests, 0);
}

static inline void noc_semaphore_set_multicast_loopback_src(uint32_t src_l1_addr,
							    uint64_t dst_mcast_addr,
							    uint32_t num_dests, bool linked)
{
	(void)linked;
	tt_noc_mcast(src_l1_addr, dst_mcast_addr, 4, num_dests, TT_MCAST_LOOPBACK);
}

#endif
