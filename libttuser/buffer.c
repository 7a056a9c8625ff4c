// SPDX-License-Identifier: MIT
/*
 * Device buffers, interleaved page by page over DRAM banks or over the L1
 * of every worker core, or sharded over the L1 of a range of cores. A
 * buffer has the same address in every bank (lock-step allocation), so a
 * kernel needs only that one address (and, sharded, the shard spec).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_PAGE_SIZE	(1u << 20)

static uint64_t page_stride(uint32_t page_size)
{
	return ((uint64_t)page_size + TT_PAGE_ALIGN - 1) & ~(uint64_t)(TT_PAGE_ALIGN - 1);
}

static uint32_t div_up(uint32_t a, uint32_t b)
{
	return (uint32_t)(((uint64_t)a + b - 1) / b);
}

/* Check a shard config against the buffer and the grid; fill buf->shard. */
static int check_shards(struct tt_device *dev, const struct tt_buffer_config *cfg,
			uint64_t pages, struct tt_buffer *buf)
{
	const struct tt_shard_config *s = cfg->shard;
	struct tt_core_range r = s->cores;
	uint32_t w, h, srows, scols;

	if (r.start.x > r.end.x || r.start.y > r.end.y || r.end.x >= dev->info.grid_x ||
	    r.end.y >= dev->info.grid_y)
		return tt_error(-EINVAL, "sharded buffer: cores (%u,%u)-(%u,%u) are not a range "
				"inside the %ux%u grid", r.start.x, r.start.y, r.end.x, r.end.y,
				dev->info.grid_x, dev->info.grid_y);
	if (!s->rows || !s->cols || !s->shard_rows || !s->shard_cols ||
	    s->shard_rows > s->rows || s->shard_cols > s->cols)
		return tt_error(-EINVAL, "sharded buffer: shards of %ux%u pages do not fit a "
				"matrix of %ux%u pages", s->shard_rows, s->shard_cols, s->rows,
				s->cols);
	if ((uint64_t)s->rows * s->cols != pages)
		return tt_error(-EINVAL, "sharded buffer: %ux%u pages, but the size holds %llu "
				"pages of %u bytes", s->rows, s->cols, (unsigned long long)pages,
				cfg->page_size);
	w = r.end.x - r.start.x + 1;
	h = r.end.y - r.start.y + 1;
	srows = div_up(s->rows, s->shard_rows);
	scols = div_up(s->cols, s->shard_cols);
	switch (s->layout) {
	case TT_SHARD_HEIGHT:
	case TT_SHARD_WIDTH:
		if (s->layout == TT_SHARD_HEIGHT ? s->shard_cols != s->cols :
		    s->shard_rows != s->rows)
			return tt_error(-EINVAL, "%s sharding: a shard spans all %s (%u pages), not "
					"%u", s->layout == TT_SHARD_HEIGHT ? "height" : "width",
					s->layout == TT_SHARD_HEIGHT ? "columns" : "rows",
					s->layout == TT_SHARD_HEIGHT ? s->cols : s->rows,
					s->layout == TT_SHARD_HEIGHT ? s->shard_cols :
					s->shard_rows);
		if ((uint64_t)srows * scols > (uint64_t)w * h)
			return tt_error(-EINVAL, "sharded buffer: %u shards, but cores (%u,%u)-(%u,%u) "
					"are %u", srows * scols, r.start.x, r.start.y, r.end.x,
					r.end.y, w * h);
		break;
	case TT_SHARD_BLOCK:
		if ((s->col_major ? srows : scols) > w || (s->col_major ? scols : srows) > h)
			return tt_error(-EINVAL, "block sharding: %ux%u shards do not fit on cores "
					"(%u,%u)-(%u,%u)%s", srows, scols, r.start.x, r.start.y,
					r.end.x, r.end.y, s->col_major ? " (column-major)" : "");
		break;
	default:
		return tt_error(-EINVAL, "unknown shard layout %d", s->layout);
	}
	buf->shard = (struct tt_shard_spec){
		.page_size = cfg->page_size, .layout = s->layout, .col_major = s->col_major,
		.x0 = r.start.x, .y0 = r.start.y, .x1 = r.end.x, .y1 = r.end.y,
		.cols = s->cols, .shard_rows = s->shard_rows, .shard_cols = s->shard_cols,
	};
	buf->shard_slots = s->shard_rows * s->shard_cols;
	return 0;
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
	if (cfg->type != TT_BUFFER_DRAM && cfg->type != TT_BUFFER_L1 &&
	    cfg->type != TT_BUFFER_L1_SHARDED)
		return tt_error(-EINVAL, "unknown buffer type %d", cfg->type);
	if ((cfg->type == TT_BUFFER_L1_SHARDED) != (cfg->shard != NULL))
		return tt_error(-EINVAL, "a shard config goes with TT_BUFFER_L1_SHARDED, and only "
				"with it");
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

	buf = calloc(1, sizeof(*buf));
	if (!buf)
		return tt_error(-ENOMEM, "out of memory");
	if (cfg->type == TT_BUFFER_DRAM) {
		range = &dev->dram;
		nbanks = dev->info.dram_banks;
	} else {
		range = &dev->l1;
		nbanks = (uint64_t)dev->info.grid_x * dev->info.grid_y;
	}
	per_bank = (pages + nbanks - 1) / nbanks * page_stride(cfg->page_size);
	if (cfg->type == TT_BUFFER_L1_SHARDED) {
		ret = check_shards(dev, cfg, pages, buf);
		if (ret) {
			free(buf);
			return ret;
		}
		per_bank = (uint64_t)buf->shard_slots * page_stride(cfg->page_size);
	}
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
	buf->shard.base = buf->address;
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

int tt_buffer_shard_spec(const struct tt_buffer *buf, struct tt_shard_spec *spec)
{
	if (!buf || !spec)
		return tt_error(-EINVAL, "tt_buffer_shard_spec: NULL argument");
	if (buf->type != TT_BUFFER_L1_SHARDED)
		return tt_error(-EINVAL, "tt_buffer_shard_spec: the buffer is not sharded");
	*spec = buf->shard;
	return 0;
}

/*
 * A sharded buffer moves as an interleaved L1 buffer at the same address
 * whose page slot * ncores + core is slot `slot` of core `core`: a view
 * over every core's part of the lock-step allocation. map[i] is the view
 * page of the buffer's page i.
 */
static int shard_view(struct tt_buffer *buf, struct tt_buffer *view, uint32_t **map)
{
	uint32_t gx = buf->dev->info.grid_x, ncores = gx * buf->dev->info.grid_y, i;
	uint32_t stride = (uint32_t)page_stride(buf->page_size);

	*view = (struct tt_buffer){
		.dev = buf->dev, .type = TT_BUFFER_L1, .page_size = buf->page_size,
		.num_pages = buf->shard_slots * ncores, .address = buf->address,
	};
	view->size = (uint64_t)view->num_pages * buf->page_size;
	*map = malloc((size_t)buf->num_pages * sizeof(**map));
	if (!*map)
		return tt_error(-ENOMEM, "out of memory");
	for (i = 0; i < buf->num_pages; i++) {
		uint64_t noc = tt_shard_page_noc_addr(&buf->shard, i);
		uint32_t core = TT_NOC_Y(noc) * gx + TT_NOC_X(noc);
		uint32_t slot = (uint32_t)(TT_NOC_LOCAL(noc) - buf->address) / stride;

		(*map)[i] = slot * ncores + core;
	}
	return 0;
}

/* A sharded buffer's pages, in page order, through the queue (see cq.c). */
int tt_sharded_write(struct tt_cq *cq, struct tt_buffer *buf, const void *src, bool blocking)
{
	struct tt_buffer view;
	uint32_t *map, i;
	uint8_t *tmp;
	int ret;

	ret = shard_view(buf, &view, &map);
	if (ret)
		return ret;
	tmp = calloc(view.num_pages, buf->page_size);
	if (!tmp) {
		free(map);
		return tt_error(-ENOMEM, "out of memory");
	}
	for (i = 0; i < buf->num_pages; i++)
		memcpy(tmp + (size_t)map[i] * buf->page_size,
		       (const uint8_t *)src + (size_t)i * buf->page_size, buf->page_size);
	/* The queue copies the data before it returns. */
	ret = tt_cq_write_buffer(cq, &view, tmp, blocking);
	free(tmp);
	free(map);
	return ret;
}

int tt_sharded_read(struct tt_cq *cq, struct tt_buffer *buf, void *dst)
{
	struct tt_buffer view;
	uint32_t *map, i;
	uint8_t *tmp;
	int ret;

	ret = shard_view(buf, &view, &map);
	if (ret)
		return ret;
	tmp = malloc((size_t)view.num_pages * buf->page_size);
	if (!tmp) {
		free(map);
		return tt_error(-ENOMEM, "out of memory");
	}
	ret = tt_cq_read_buffer(cq, &view, tmp, true);
	for (i = 0; !ret && i < buf->num_pages; i++)
		memcpy((uint8_t *)dst + (size_t)i * buf->page_size,
		       tmp + (size_t)map[i] * buf->page_size, buf->page_size);
	free(tmp);
	free(map);
	return ret;
}
