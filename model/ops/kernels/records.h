/* SPDX-License-Identifier: MIT */
/*
 * Box records, as the ops pass boxes on the device (ops.h's op_boxes, and
 * op_nms's input): 8 words each -- x1, y1, x2, y2, score as float bits,
 * then three words of the op that made them -- 32 a 1024-byte page of a
 * DRAM buffer, and their number in word 0 of a count buffer (one 32-byte
 * page). op_kernel splices this file into the kernels that include it.
 *
 * rec_count reads a count; rec_begin .. rec_put .. rec_end appends
 * records to a buffer from its first page, a page at a time through page
 * (256 words of L1), and then writes their number (rec_set_count).
 */
#ifndef OPS_RECORDS_H
#define OPS_RECORDS_H

#include <ttuser/kernel/dataflow.h>

#define REC_WORDS	8
#define REC_PAGE	1024

struct rec_out {
	InterleavedAddrGen recs;
	uint32_t count;			/* the count buffer's address */
	uint32_t *page;
	uint32_t n, fill;
};

static inline InterleavedAddrGen rec_buffer(uint32_t addr)
{
	return (InterleavedAddrGen){ .bank_base_address = addr, .page_size = REC_PAGE,
				     .is_dram = true };
}

/* Word 0 of the count buffer at addr, through word (L1). */
static inline uint32_t rec_count(uint32_t addr, uint32_t *word)
{
	const InterleavedAddrGen count = { .bank_base_address = addr, .page_size = 32,
					   .is_dram = true };

	noc_async_read(get_noc_addr(0, &count), (uint32_t)(uintptr_t)word, 4);
	noc_async_read_barrier();
	return *(volatile uint32_t *)word;
}

/* Write n as the count at addr, through word (L1). */
static inline void rec_set_count(uint32_t addr, uint32_t n, uint32_t *word)
{
	const InterleavedAddrGen count = { .bank_base_address = addr, .page_size = 32,
					   .is_dram = true };

	*(volatile uint32_t *)word = n;
	noc_async_write((uint32_t)(uintptr_t)word, get_noc_addr(0, &count), 4);
	noc_async_write_barrier();
}

static inline void rec_begin(struct rec_out *o, uint32_t recs, uint32_t count, uint32_t *page)
{
	o->recs = rec_buffer(recs);
	o->count = count;
	o->page = page;
	o->n = o->fill = 0;
}

static inline void rec_put(struct rec_out *o, const uint32_t *rec)
{
	uint32_t q;

	for (q = 0; q < REC_WORDS; q++)
		o->page[REC_WORDS * o->fill + q] = rec[q];
	o->n++;
	if (++o->fill < 32)
		return;
	noc_async_write((uint32_t)(uintptr_t)o->page, get_noc_addr(o->n / 32 - 1, &o->recs),
			REC_PAGE);
	noc_async_write_barrier();
	o->fill = 0;
}

/* The last page and the count; returns the count. */
static inline uint32_t rec_end(struct rec_out *o)
{
	if (o->fill) {
		noc_async_write((uint32_t)(uintptr_t)o->page, get_noc_addr(o->n / 32, &o->recs),
				32 * o->fill);
		noc_async_write_barrier();
	}
	rec_set_count(o->count, o->n, o->page);
	return o->n;
}

#endif
