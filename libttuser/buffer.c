// SPDX-License-Identifier: MIT
/*
 * Device buffers, interleaved page by page over DRAM banks or over the L1
 * of every worker core. A buffer has the same address in every bank
 * (lock-step allocation), so a kernel needs only that one address.
 */
#include <stdlib.h>

#include "internal.h"

#define MAX_PAGE_SIZE	(1u << 20)

static uint64_t page_stride(uint32_t page_size)
{
	return ((uint64_t)page_size + TT_PAGE_ALIGN - 1) & ~(uint64_t)(TT_PAGE_ALIGN - 1);
}

int tt_buffer_create(struct tt_device *dev, const struct tt_buffer_config *cfg,
		     struct tt_buffer **out)
{
	struct tt_range_alloc *range;
	struct tt_buffer *buf;
	uint64_t pages, nbanks, per_bank, addr;
	int ret;

	if (!dev || !cfg || !out)
		return tt_error(-EINVAL, "tt_buffer_create: NULL argument");
	*out = NULL;
	if (cfg->type != TT_BUFFER_DRAM && cfg->type != TT_BUFFER_L1)
		return tt_error(-EINVAL, "unknown buffer type %d", cfg->type);
	if (!cfg->page_size || cfg->page_size > MAX_PAGE_SIZE)
		return tt_error(-EINVAL, "page size %u: must be 1..%u bytes", cfg->page_size,
				MAX_PAGE_SIZE);
	if (!cfg->size || cfg->size % cfg->page_size)
		return tt_error(-EINVAL, "buffer size %llu is not a positive multiple of the "
				"page size %u", (unsigned long long)cfg->size, cfg->page_size);
	pages = cfg->size / cfg->page_size;
	if (pages > UINT32_MAX)
		return tt_error(-EINVAL, "buffer of %llu pages: at most %u",
				(unsigned long long)pages, UINT32_MAX);

	if (cfg->type == TT_BUFFER_DRAM) {
		range = &dev->dram;
		nbanks = dev->info.dram_banks;
	} else {
		range = &dev->l1;
		nbanks = (uint64_t)dev->info.grid_x * dev->info.grid_y;
	}
	per_bank = (pages + nbanks - 1) / nbanks * page_stride(cfg->page_size);

	buf = calloc(1, sizeof(*buf));
	if (!buf)
		return tt_error(-ENOMEM, "out of memory");
	pthread_mutex_lock(&dev->lock);
	ret = tt_range_alloc(range, per_bank, cfg->type == TT_BUFFER_DRAM ? 64 : TT_L1_ALIGN,
			     &addr);
	pthread_mutex_unlock(&dev->lock);
	if (ret) {
		free(buf);
		return tt_error(-ENOMEM, "no room for a %s buffer of %llu bytes (%llu per bank)",
				cfg->type == TT_BUFFER_DRAM ? "DRAM" : "L1",
				(unsigned long long)cfg->size, (unsigned long long)per_bank);
	}
	buf->dev = dev;
	buf->type = cfg->type;
	buf->size = cfg->size;
	buf->page_size = cfg->page_size;
	buf->num_pages = (uint32_t)pages;
	buf->address = (uint32_t)addr;
	*out = buf;
	return 0;
}

void tt_buffer_destroy(struct tt_buffer *buf)
{
	if (!buf)
		return;
	pthread_mutex_lock(&buf->dev->lock);
	tt_range_free(buf->type == TT_BUFFER_DRAM ? &buf->dev->dram : &buf->dev->l1, buf->address);
	pthread_mutex_unlock(&buf->dev->lock);
	free(buf);
}

uint32_t tt_buffer_address(const struct tt_buffer *buf)
{
	return buf ? buf->address : 0;
}

uint64_t tt_buffer_size(const struct tt_buffer *buf)
{
	return buf ? buf->size : 0;
}

uint32_t tt_buffer_page_size(const struct tt_buffer *buf)
{
	return buf ? buf->page_size : 0;
}
