/* SPDX-License-Identifier: MIT */
/*
 * Circular buffers, from any of the three roles.
 *
 * A CB is a ring of equal pages in this core's L1. The producer reserves
 * pages at the back, fills them through get_write_ptr() and pushes them;
 * the consumer waits for pages at the front, reads them through
 * get_read_ptr() and pops them. cb_reserve_back and cb_wait_front wait
 * until the pages are there.
 */
#ifndef TTUSER_KERNEL_CB_H
#define TTUSER_KERNEL_CB_H

#include <ttuser/kernel/kernel.h>

/* CB indices: CB_n, the enum names c_n (tt::CBIndex::c_n) and the old names. */
#define CB_0		0u
#define CB_1		1u
#define CB_2		2u
#define CB_3		3u
#define CB_4		4u
#define CB_5		5u
#define CB_6		6u
#define CB_7		7u
#define CB_8		8u
#define CB_9		9u
#define CB_10		10u
#define CB_11		11u
#define CB_12		12u
#define CB_13		13u
#define CB_14		14u
#define CB_15		15u
#define CB_16		16u
#define CB_17		17u
#define CB_18		18u
#define CB_19		19u
#define CB_20		20u
#define CB_21		21u
#define CB_22		22u
#define CB_23		23u
#define CB_24		24u
#define CB_25		25u
#define CB_26		26u
#define CB_27		27u
#define CB_28		28u
#define CB_29		29u
#define CB_30		30u
#define CB_31		31u

enum tt_cb_index {
	c_0 = 0,
	c_1 = 1,
	c_2 = 2,
	c_3 = 3,
	c_4 = 4,
	c_5 = 5,
	c_6 = 6,
	c_7 = 7,
	c_8 = 8,
	c_9 = 9,
	c_10 = 10,
	c_11 = 11,
	c_12 = 12,
	c_13 = 13,
	c_14 = 14,
	c_15 = 15,
	c_16 = 16,
	c_17 = 17,
	c_18 = 18,
	c_19 = 19,
	c_20 = 20,
	c_21 = 21,
	c_22 = 22,
	c_23 = 23,
	c_24 = 24,
	c_25 = 25,
	c_26 = 26,
	c_27 = 27,
	c_28 = 28,
	c_29 = 29,
	c_30 = 30,
	c_31 = 31,
};

#define CB_c_in0		0u
#define CB_c_in1		1u
#define CB_c_in2		2u
#define CB_c_in3		3u
#define CB_c_in4		4u
#define CB_c_in5		5u
#define CB_c_in6		6u
#define CB_c_in7		7u
#define CB_c_out0		16u
#define CB_c_out1		17u
#define CB_c_out2		18u
#define CB_c_out3		19u
#define CB_c_out4		20u
#define CB_c_out5		21u
#define CB_c_out6		22u
#define CB_c_out7		23u
#define CB_c_intermed0	24u
#define CB_c_intermed1	25u
#define CB_c_intermed2	26u
#define CB_c_intermed3	27u
#define CB_c_intermed4	28u
#define CB_c_intermed5	29u
#define CB_c_intermed6	30u
#define CB_c_intermed7	31u

static inline void cb_reserve_back(uint32_t cb, uint32_t num_pages)
{
	tt_call2(TT_CALL_CB_RESERVE_BACK, cb, num_pages);
}

static inline void cb_push_back(uint32_t cb, uint32_t num_pages)
{
	tt_call2(TT_CALL_CB_PUSH_BACK, cb, num_pages);
	if (TT_KERNEL_IS_COMPUTE && cb < TT_MAX_CBS)
		tt_pack_tile_next[cb] = 0;
}

static inline void cb_wait_front(uint32_t cb, uint32_t num_pages)
{
	tt_call2(TT_CALL_CB_WAIT_FRONT, cb, num_pages);
}

static inline void cb_pop_front(uint32_t cb, uint32_t num_pages)
{
	tt_call2(TT_CALL_CB_POP_FRONT, cb, num_pages);
}

/* Whether num_pages could be reserved / are there now; never waits. */
static inline bool cb_pages_reservable_at_back(uint32_t cb, uint32_t num_pages)
{
	tt_call2(TT_CALL_CB_RESERVABLE, cb, num_pages);
	return tt_call_result() != 0;
}

static inline bool cb_pages_available_at_front(uint32_t cb, uint32_t num_pages)
{
	tt_call2(TT_CALL_CB_AVAILABLE, cb, num_pages);
	return tt_call_result() != 0;
}

/* L1 address of the first reserved page (between reserve and push). */
static inline uint32_t get_write_ptr(uint32_t cb)
{
	tt_call1(TT_CALL_CB_WRITE_PTR, cb);
	return tt_call_result();
}

/* L1 address of the first page at the front (between wait and pop). */
static inline uint32_t get_read_ptr(uint32_t cb)
{
	tt_call1(TT_CALL_CB_READ_PTR, cb);
	return tt_call_result();
}

/* Page size of the CB in bytes: one tile for tiled CBs. */
static inline uint32_t get_tile_size(uint32_t cb)
{
	tt_call1(TT_CALL_CB_PAGE_SIZE, cb);
	return tt_call_result();
}

#endif
