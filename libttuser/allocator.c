// SPDX-License-Identifier: MIT
/*
 * First-fit allocation of address ranges: device DRAM and L1 (the same
 * address in every bank: lock-step), and the in-process DMA pool.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void tt_range_init(struct tt_range_alloc *a, uint64_t lo, uint64_t hi, bool top_down)
{
	memset(a, 0, sizeof(*a));
	a->lo = lo;
	a->hi = hi;
	a->top_down = top_down;
}

void tt_range_fini(struct tt_range_alloc *a)
{
	free(a->blocks);
	a->blocks = NULL;
	a->n = a->cap = 0;
}

static uint64_t align_up(uint64_t v, uint64_t align)
{
	return (v + align - 1) & ~(align - 1);
}

int tt_range_alloc(struct tt_range_alloc *a, uint64_t size, uint64_t align, uint64_t *addr)
{
	uint64_t best = 0;
	unsigned i, at = 0;
	bool found = false;

	if (!size || size > a->hi - a->lo)
		return -ENOMEM;
	/* Gap i lies between block i-1 and block i. */
	for (i = 0; i <= a->n; i++) {
		uint64_t start = i ? a->blocks[i - 1].addr + a->blocks[i - 1].size : a->lo;
		uint64_t end = i < a->n ? a->blocks[i].addr : a->hi;
		uint64_t pos;

		if (a->top_down) {
			if (end < size)
				continue;
			pos = (end - size) & ~(align - 1);
			if (pos < start)
				continue;
			best = pos;
			at = i;
			found = true;	/* keep looking: a higher gap wins */
		} else {
			pos = align_up(start, align);
			if (pos < start || pos > end || end - pos < size)
				continue;
			best = pos;
			at = i;
			found = true;
			break;
		}
	}
	if (!found)
		return -ENOMEM;
	if (a->n == a->cap) {
		unsigned cap = a->cap ? 2 * a->cap : 16;
		void *p = realloc(a->blocks, cap * sizeof(*a->blocks));

		if (!p)
			return -ENOMEM;
		a->blocks = p;
		a->cap = cap;
	}
	memmove(&a->blocks[at + 1], &a->blocks[at], (a->n - at) * sizeof(*a->blocks));
	a->blocks[at].addr = best;
	a->blocks[at].size = size;
	a->n++;
	*addr = best;
	return 0;
}

void tt_range_free(struct tt_range_alloc *a, uint64_t addr)
{
	unsigned i;

	for (i = 0; i < a->n; i++)
		if (a->blocks[i].addr == addr) {
			memmove(&a->blocks[i], &a->blocks[i + 1], (a->n - i - 1) * sizeof(*a->blocks));
			a->n--;
			return;
		}
}

uint64_t tt_range_lowest(const struct tt_range_alloc *a)
{
	return a->n ? a->blocks[0].addr : a->hi;
}
