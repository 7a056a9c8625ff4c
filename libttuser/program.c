// SPDX-License-Identifier: MIT
/*
 * Programs: kernels on core ranges, their runtime args, circular buffers.
 * Everything is checked when it is added, so that a program that gets to
 * the device is well formed; tt_program_image() lays it out as the device
 * reads it (uapi/ttsim.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct rt_args {
	struct tt_core core;
	uint32_t n;
	uint32_t args[];
};

struct kernel {
	enum tt_role role;
	struct tt_core_range range;
	uint8_t flags, fidelity;
	uint8_t *elf;
	size_t elf_size;
	uint32_t common[TT_MAX_ARGS];
	uint32_t ncommon;
	struct rt_args **rt;		/* one per core that has args */
	unsigned nrt;
};

struct cb {
	struct tt_core_range range;
	struct tt_cb_config cfg;
	uint32_t addr;
};

struct sem {
	struct tt_core_range range;
	uint32_t id, value;
};

struct tt_program {
	struct tt_device *dev;
	atomic_int refs;
	struct kernel *k;
	unsigned nk;
	struct cb *cbs;
	unsigned ncbs;
	struct sem *sems;
	unsigned nsems;
	char name[64];			/* the op, in profiles */
	pthread_mutex_t stats_lock;
	struct tt_program_stats stats;
	bool has_stats;
	struct tt_dma core_stats;	/* the device writes ttsim_core_stats[] here */
	uint32_t ncore_stats;		/* 0: none (no DMA memory was left for them) */
	bool core_stats_tried;
};

int tt_program_create(struct tt_device *dev, struct tt_program **out)
{
	struct tt_program *p;

	if (!dev || !out)
		return tt_error(-EINVAL, "tt_program_create: NULL argument");
	p = calloc(1, sizeof(*p));
	if (!p)
		return tt_error(-ENOMEM, "out of memory");
	p->dev = dev;
	snprintf(p->name, sizeof(p->name), "program");
	atomic_init(&p->refs, 1);
	pthread_mutex_init(&p->stats_lock, NULL);
	*out = p;
	return 0;
}

static void program_free(struct tt_program *p)
{
	unsigned i, j;

	for (i = 0; i < p->nk; i++) {
		for (j = 0; j < p->k[i].nrt; j++)
			free(p->k[i].rt[j]);
		free(p->k[i].rt);
		free(p->k[i].elf);
	}
	free(p->k);
	free(p->cbs);
	free(p->sems);
	if (p->core_stats.va)
		p->dev->ops->dma_free(p->dev, &p->core_stats);
	pthread_mutex_destroy(&p->stats_lock);
	free(p);
}

void tt_program_get(struct tt_program *p)
{
	atomic_fetch_add(&p->refs, 1);
}

void tt_program_put(struct tt_program *p)
{
	if (atomic_fetch_sub(&p->refs, 1) == 1)
		program_free(p);
}

/* Safe while the program is still queued: it goes when it completed. */
void tt_program_destroy(struct tt_program *p)
{
	if (p)
		tt_program_put(p);
}

static int check_range(const struct tt_program *p, struct tt_core_range r, const char *what)
{
	const struct tt_device_info *i = &p->dev->info;

	if (r.start.x > r.end.x || r.start.y > r.end.y || r.end.x >= i->grid_x ||
	    r.end.y >= i->grid_y)
		return tt_error(-EINVAL, "%s: cores (%u,%u)-(%u,%u) are not a range inside the "
				"%ux%u grid", what, r.start.x, r.start.y, r.end.x, r.end.y,
				i->grid_x, i->grid_y);
	return 0;
}

static bool overlap(struct tt_core_range a, struct tt_core_range b)
{
	return !(a.end.x < b.start.x || b.end.x < a.start.x || a.end.y < b.start.y ||
		 b.end.y < a.start.y);
}

static bool contains(struct tt_core_range r, struct tt_core c)
{
	return c.x >= r.start.x && c.x <= r.end.x && c.y >= r.start.y && c.y <= r.end.y;
}

static int add_kernel(struct tt_program *p, const char *src, size_t len, const char *origin,
		      struct tt_core_range cores, const struct tt_kernel_config *cfg)
{
	struct kernel *k;
	unsigned i;
	int ret;

	ret = check_range(p, cores, origin);
	if (ret)
		return ret;
	if ((unsigned)cfg->role >= TT_NUM_ROLES)
		return tt_error(-EINVAL, "%s: unknown role %d", origin, cfg->role);
	if (cfg->math_fidelity != TT_LOFI && cfg->math_fidelity != TT_HIFI2 &&
	    cfg->math_fidelity != TT_HIFI3 && cfg->math_fidelity != TT_HIFI4)
		return tt_error(-EINVAL, "%s: unknown math fidelity %d", origin, cfg->math_fidelity);
	if (p->nk == 255)
		return tt_error(-E2BIG, "%s: a program holds at most 255 kernels", origin);
	for (i = 0; i < p->nk; i++)
		if (p->k[i].role == cfg->role && overlap(p->k[i].range, cores))
			return tt_error(-EEXIST, "%s: a core of (%u,%u)-(%u,%u) already has a %s "
					"kernel", origin, cores.start.x, cores.start.y, cores.end.x,
					cores.end.y, cfg->role == TT_ROLE_READER ? "reader" :
					cfg->role == TT_ROLE_WRITER ? "writer" : "compute");

	k = realloc(p->k, (p->nk + 1) * sizeof(*k));
	if (!k)
		return tt_error(-ENOMEM, "out of memory");
	p->k = k;
	k = &p->k[p->nk];
	memset(k, 0, sizeof(*k));
	ret = tt_compile_kernel(p->dev, src, len, origin, cfg, &k->elf, &k->elf_size);
	if (ret)
		return ret;
	k->role = cfg->role;
	k->range = cores;
	k->fidelity = (uint8_t)cfg->math_fidelity;
	k->flags = cfg->fp32_dest_acc ? TTSIM_KERNEL_FP32_DEST : 0;
	return (int)p->nk++;
}

int tt_kernel_create_from_string(struct tt_program *p, const char *source,
				 struct tt_core_range cores, const struct tt_kernel_config *cfg)
{
	if (!p || !source || !cfg)
		return tt_error(-EINVAL, "tt_kernel_create_from_string: NULL argument");
	return add_kernel(p, source, strlen(source), "<string>", cores, cfg);
}

int tt_kernel_create(struct tt_program *p, const char *path, struct tt_core_range cores,
		     const struct tt_kernel_config *cfg)
{
	char *src = NULL;
	size_t len = 0, cap = 0;
	FILE *f;
	int ret;

	if (!p || !path || !cfg)
		return tt_error(-EINVAL, "tt_kernel_create: NULL argument");
	f = fopen(path, "rb");
	if (!f)
		return tt_error(-errno, "kernel %s: %s", path, strerror(errno));
	for (;;) {
		size_t n;

		if (len + 4096 + 1 > cap) {
			char *q = realloc(src, cap = 2 * cap + 8192);

			if (!q) {
				fclose(f);
				free(src);
				return tt_error(-ENOMEM, "out of memory reading %s", path);
			}
			src = q;
		}
		n = fread(src + len, 1, 4096, f);
		len += n;
		if (n < 4096)
			break;
	}
	if (ferror(f)) {
		ret = tt_error(-EIO, "kernel %s: read error", path);
	} else {
		src[len] = '\0';
		ret = add_kernel(p, src, len, path, cores, cfg);
	}
	fclose(f);
	free(src);
	return ret;
}

static int check_args(struct tt_program *p, int kernel, const uint32_t *args, uint32_t n,
		      const char *what)
{
	if (!p || (n && !args))
		return tt_error(-EINVAL, "%s: NULL argument", what);
	if (kernel < 0 || (unsigned)kernel >= p->nk)
		return tt_error(-EINVAL, "%s: no kernel %d in this program", what, kernel);
	if (n > TT_MAX_ARGS)
		return tt_error(-E2BIG, "%s: %u args, at most %u", what, n, TT_MAX_ARGS);
	return 0;
}

int tt_runtime_args_set(struct tt_program *p, int kernel, struct tt_core core,
			const uint32_t *args, uint32_t n)
{
	struct kernel *k;
	struct rt_args *rt, **list;
	unsigned i;
	int ret = check_args(p, kernel, args, n, "tt_runtime_args_set");

	if (ret)
		return ret;
	k = &p->k[kernel];
	if (!contains(k->range, core))
		return tt_error(-EINVAL, "tt_runtime_args_set: kernel %d does not run on core "
				"(%u,%u)", kernel, core.x, core.y);
	rt = malloc(sizeof(*rt) + n * sizeof(uint32_t));
	if (!rt)
		return tt_error(-ENOMEM, "out of memory");
	rt->core = core;
	rt->n = n;
	if (n)
		memcpy(rt->args, args, n * sizeof(uint32_t));
	for (i = 0; i < k->nrt; i++)
		if (k->rt[i]->core.x == core.x && k->rt[i]->core.y == core.y) {
			free(k->rt[i]);
			k->rt[i] = rt;
			return 0;
		}
	list = realloc(k->rt, (k->nrt + 1) * sizeof(*list));
	if (!list) {
		free(rt);
		return tt_error(-ENOMEM, "out of memory");
	}
	k->rt = list;
	k->rt[k->nrt++] = rt;
	return 0;
}

int tt_common_runtime_args_set(struct tt_program *p, int kernel, const uint32_t *args,
			       uint32_t n)
{
	int ret = check_args(p, kernel, args, n, "tt_common_runtime_args_set");

	if (ret)
		return ret;
	if (n)
		memcpy(p->k[kernel].common, args, n * sizeof(uint32_t));
	p->k[kernel].ncommon = n;
	return 0;
}

/*
 * A page holds whole values of the format: whole tiles for Bfp8_b (its
 * exponents are shared per tile), whole 4- or 2-byte values otherwise.
 */
static int check_cb_page(const struct tt_cb_config *cfg, size_t tile)
{
	uint32_t unit = cfg->format == TT_FORMAT_BFP8_B ? (uint32_t)tile :
			cfg->format == TT_FORMAT_FLOAT16_B ? 2 : 4;

	if (cfg->page_size % unit)
		return tt_error(-EINVAL, "cb %u: a page of %u bytes is not a whole number of %s "
				"(%u bytes; a tile is %zu)", cfg->index, cfg->page_size,
				cfg->format == TT_FORMAT_BFP8_B ? "Bfp8_b tiles" : "values", unit,
				tile);
	return 0;
}

/* A CB in an L1 buffer: the buffer holds it on every core of the range. */
static int check_cb_buffer(const struct tt_program *p, struct tt_core_range cores,
			   const struct tt_cb_config *cfg)
{
	const struct tt_buffer *b = cfg->buffer;
	uint64_t size = (uint64_t)cfg->page_size * cfg->num_pages, per_core;
	uint32_t stride = (b->page_size + TT_PAGE_ALIGN - 1) & ~(TT_PAGE_ALIGN - 1);
	uint32_t ncores = p->dev->info.grid_x * p->dev->info.grid_y;

	if (b->dev != p->dev)
		return tt_error(-EINVAL, "cb %u: its buffer belongs to another device", cfg->index);
	if (b->type == TT_BUFFER_DRAM)
		return tt_error(-EINVAL, "cb %u: a CB can live in an L1 buffer, not in DRAM",
				cfg->index);
	if (b->type == TT_BUFFER_L1_SHARDED) {
		struct tt_core_range r = TT_CORES(b->shard.x0, b->shard.y0, b->shard.x1,
						  b->shard.y1);

		if (cores.start.x < r.start.x || cores.end.x > r.end.x ||
		    cores.start.y < r.start.y || cores.end.y > r.end.y)
			return tt_error(-EINVAL, "cb %u: cores (%u,%u)-(%u,%u) are not all among the "
					"buffer's cores (%u,%u)-(%u,%u)", cfg->index, cores.start.x,
					cores.start.y, cores.end.x, cores.end.y, r.start.x,
					r.start.y, r.end.x, r.end.y);
		per_core = (uint64_t)b->shard_slots * stride;
	} else {
		per_core = ((uint64_t)b->num_pages + ncores - 1) / ncores * stride;
	}
	if (size > per_core)
		return tt_error(-EINVAL, "cb %u: %u pages of %u bytes do not fit in the buffer's "
				"%llu bytes per core", cfg->index, cfg->num_pages, cfg->page_size,
				(unsigned long long)per_core);
	return 0;
}

int tt_cb_create(struct tt_program *p, struct tt_core_range cores, const struct tt_cb_config *cfg)
{
	uint64_t addr = TT_L1_FREE, end;
	size_t tsize;
	struct cb *cbs;
	unsigned i;
	int ret;

	if (!p || !cfg)
		return tt_error(-EINVAL, "tt_cb_create: NULL argument");
	ret = check_range(p, cores, "tt_cb_create");
	if (ret)
		return ret;
	if (cfg->index >= TT_MAX_CBS)
		return tt_error(-EINVAL, "cb %u: index must be below %u", cfg->index, TT_MAX_CBS);
	tsize = tt_tile_size(cfg->format);
	if (!tsize)
		return tt_error(-EINVAL, "cb %u: unknown data format %d", cfg->index, cfg->format);
	if (!cfg->page_size || !cfg->num_pages)
		return tt_error(-EINVAL, "cb %u: page size and page count must be positive",
				cfg->index);
	ret = check_cb_page(cfg, tsize);
	if (ret)
		return ret;
	for (i = 0; i < p->ncbs; i++) {
		if (!overlap(p->cbs[i].range, cores))
			continue;
		if (p->cbs[i].cfg.index == cfg->index)
			return tt_error(-EEXIST, "cb %u already exists on a core of this range",
					cfg->index);
		if (p->cbs[i].cfg.buffer && p->cbs[i].cfg.buffer == cfg->buffer)
			return tt_error(-EEXIST, "cb %u: cb %u already lives in that buffer on a core "
					"of this range", cfg->index, p->cbs[i].cfg.index);
		if (p->cbs[i].cfg.buffer)
			continue;
		end = p->cbs[i].addr + (uint64_t)p->cbs[i].cfg.page_size * p->cbs[i].cfg.num_pages;
		if (end > addr)
			addr = end;
	}
	if (cfg->buffer) {
		ret = check_cb_buffer(p, cores, cfg);
		if (ret)
			return ret;
		addr = cfg->buffer->address;
	}
	addr = (addr + TT_L1_ALIGN - 1) & ~(uint64_t)(TT_L1_ALIGN - 1);
	end = addr + (uint64_t)cfg->page_size * cfg->num_pages;
	if (end > p->dev->info.l1_size)
		return tt_error(-ENOMEM, "cb %u: %u pages of %u bytes do not fit in L1 (0x%llx "
				"to 0x%llx, L1 ends at 0x%x)", cfg->index, cfg->num_pages,
				cfg->page_size, (unsigned long long)addr, (unsigned long long)end,
				p->dev->info.l1_size);
	cbs = realloc(p->cbs, (p->ncbs + 1) * sizeof(*cbs));
	if (!cbs)
		return tt_error(-ENOMEM, "out of memory");
	p->cbs = cbs;
	cbs[p->ncbs].range = cores;
	cbs[p->ncbs].cfg = *cfg;
	cbs[p->ncbs].addr = (uint32_t)addr;
	p->ncbs++;
	return 0;
}

uint32_t tt_program_cb_end(const struct tt_program *p)
{
	uint32_t end = TT_L1_FREE;
	unsigned i;

	for (i = 0; i < p->ncbs; i++) {
		uint32_t e = p->cbs[i].addr + p->cbs[i].cfg.page_size * p->cbs[i].cfg.num_pages;

		if (p->cbs[i].cfg.buffer)
			continue;	/* inside an L1 buffer */
		if (e > end)
			end = e;
	}
	return end;
}

int tt_semaphore_create(struct tt_program *p, struct tt_core_range cores, uint32_t value)
{
	uint32_t used = 0, id;
	struct sem *sems;
	unsigned i;
	int ret;

	if (!p)
		return tt_error(-EINVAL, "tt_semaphore_create: NULL argument");
	ret = check_range(p, cores, "tt_semaphore_create");
	if (ret)
		return ret;
	for (i = 0; i < p->nsems; i++)
		if (overlap(p->sems[i].range, cores))
			used |= 1u << p->sems[i].id;
	for (id = 0; id < TT_MAX_SEMS && (used >> id & 1); id++)
		;
	if (id == TT_MAX_SEMS)
		return tt_error(-ENOSPC, "tt_semaphore_create: cores (%u,%u)-(%u,%u) have no free "
				"semaphore (at most %u per core)", cores.start.x, cores.start.y,
				cores.end.x, cores.end.y, TT_MAX_SEMS);
	sems = realloc(p->sems, (p->nsems + 1) * sizeof(*sems));
	if (!sems)
		return tt_error(-ENOMEM, "out of memory");
	p->sems = sems;
	sems[p->nsems++] = (struct sem){ .range = cores, .id = id, .value = value };
	return (int)id;
}

int tt_program_set_name(struct tt_program *p, const char *name)
{
	if (!p || !name)
		return tt_error(-EINVAL, "tt_program_set_name: NULL argument");
	if (!*name || strlen(name) >= sizeof(p->name) || strpbrk(name, ",\"\n\r"))
		return tt_error(-EINVAL, "program name '%s': 1 to %zu characters, no comma, quote "
				"or newline", name, sizeof(p->name) - 1);
	snprintf(p->name, sizeof(p->name), "%s", name);
	return 0;
}

int tt_program_core_stats(struct tt_program *p, struct tt_core core, struct tt_core_stats *out)
{
	const struct tt_device_info *info;
	struct ttsim_core_stats st;
	uint32_t i;
	int ret = 0;

	if (!p || !out)
		return tt_error(-EINVAL, "tt_program_core_stats: NULL argument");
	info = &p->dev->info;
	if (core.x >= info->grid_x || core.y >= info->grid_y)
		return tt_error(-EINVAL, "tt_program_core_stats: core (%u,%u) is outside the %ux%u "
				"grid", core.x, core.y, info->grid_x, info->grid_y);
	i = core.y * info->grid_x + core.x;
	pthread_mutex_lock(&p->stats_lock);
	if (!p->has_stats) {
		ret = tt_error(-ENODATA, "the program has not completed a run yet");
	} else if (i >= p->ncore_stats) {
		ret = tt_error(-ENODATA, "no per-core figures: there was no host DMA memory left "
			       "for them when the program was enqueued");
	} else {
		memcpy(&st, (const struct ttsim_core_stats *)p->core_stats.va + i, sizeof(st));
		*out = (struct tt_core_stats){
			.device_cycles = st.cycles,
			.device_us = (double)st.cycles / TTSIM_CLOCK_MHZ,
			.instructions = st.instructions,
			.noc_bytes = st.noc_bytes,
			.dram_bytes = st.dram_bytes,
		};
		memcpy(out->hart_cycles, st.hart_cycles, sizeof(out->hart_cycles));
	}
	pthread_mutex_unlock(&p->stats_lock);
	return ret;
}

int tt_program_profile_csv(struct tt_program *p, const char *path)
{
	struct tt_program_stats st;
	FILE *f;
	long at;
	int ret;

	if (!p || !path)
		return tt_error(-EINVAL, "tt_program_profile_csv: NULL argument");
	ret = tt_program_stats(p, &st);
	if (ret)
		return ret;
	f = fopen(path, "a");
	if (!f)
		return tt_error(-errno, "profile %s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	at = ftell(f);
	if (at == 0)
		fprintf(f, "op,cores,device_us,host_us\n");
	fprintf(f, "%s,%u,%.3f,%.3f\n", p->name, st.cores, st.device_us, st.host_us);
	if (fclose(f))
		return tt_error(-EIO, "profile %s: write error", path);
	return 0;
}

int tt_program_stats(struct tt_program *p, struct tt_program_stats *stats)
{
	int ret = 0;

	if (!p || !stats)
		return tt_error(-EINVAL, "tt_program_stats: NULL argument");
	pthread_mutex_lock(&p->stats_lock);
	if (p->has_stats)
		*stats = p->stats;
	else
		ret = tt_error(-ENODATA, "the program has not completed a run yet");
	pthread_mutex_unlock(&p->stats_lock);
	return ret;
}

void tt_program_set_stats(struct tt_program *p, const struct tt_program_stats *stats)
{
	uint32_t i;

	pthread_mutex_lock(&p->stats_lock);
	p->stats = *stats;
	p->stats.device_us = (double)stats->device_cycles / TTSIM_CLOCK_MHZ;
	p->stats.cores = 0;
	for (i = 0; i < p->dev->info.grid_x * p->dev->info.grid_y; i++) {
		struct tt_core c = { i % p->dev->info.grid_x, i / p->dev->info.grid_x };
		unsigned k;

		for (k = 0; k < p->nk && !contains(p->k[k].range, c); k++)
			;
		p->stats.cores += k < p->nk;
	}
	p->has_stats = true;
	pthread_mutex_unlock(&p->stats_lock);
}

static uint32_t align4(size_t v)
{
	return (uint32_t)((v + 3) & ~(size_t)3);
}

/* Lay the program out for the device (struct ttsim_prog_hdr and tables). */
int tt_program_image(struct tt_program *p, uint8_t **out, size_t *out_size)
{
	struct ttsim_prog_hdr h = { .magic = TTSIM_PROG_MAGIC };
	struct ttsim_prog_kernel *kt;
	struct ttsim_prog_cb *ct;
	struct ttsim_prog_args *at;
	size_t size, pos;
	unsigned i, j, nargs = 0;
	uint8_t *img;

	if (!p->nk)
		return tt_error(-EINVAL, "the program has no kernels");
	/*
	 * Host DMA memory for the per-core figures; a transport's DMA buffers
	 * are few (the module's: 256 per file), so without one the program
	 * still runs, only without them.
	 */
	pthread_mutex_lock(&p->stats_lock);
	if (!p->core_stats_tried) {
		uint32_t n = p->dev->info.grid_x * p->dev->info.grid_y;

		p->core_stats_tried = true;
		if (!p->dev->ops->dma_alloc(p->dev, n * sizeof(struct ttsim_core_stats),
					    &p->core_stats))
			p->ncore_stats = n;
		else
			memset(&p->core_stats, 0, sizeof(p->core_stats));
	}
	h.stats_addr = p->core_stats.iova;
	h.stats_size = p->ncore_stats * (uint32_t)sizeof(struct ttsim_core_stats);
	pthread_mutex_unlock(&p->stats_lock);
	for (i = 0; i < p->nk; i++)
		nargs += p->k[i].nrt;
	h.nkernels = p->nk;
	h.ncbs = p->ncbs;
	h.nargs = nargs;
	h.kernels_off = sizeof(h);
	h.cbs_off = h.kernels_off + p->nk * sizeof(*kt);
	h.args_off = h.cbs_off + p->ncbs * sizeof(*ct);
	h.sems_off = h.args_off + nargs * sizeof(*at);
	h.nsems = p->nsems;
	size = h.sems_off + p->nsems * sizeof(struct ttsim_prog_sem);
	for (i = 0; i < p->nk; i++) {
		size += align4(p->k[i].elf_size) + p->k[i].ncommon * 4;
		for (j = 0; j < p->k[i].nrt; j++)
			size += p->k[i].rt[j]->n * 4;
	}
	h.size = (uint32_t)size;
	img = calloc(1, size);
	if (!img)
		return tt_error(-ENOMEM, "out of memory");
	memcpy(img, &h, sizeof(h));
	kt = (void *)(img + h.kernels_off);
	ct = (void *)(img + h.cbs_off);
	at = (void *)(img + h.args_off);
	pos = h.sems_off + p->nsems * sizeof(struct ttsim_prog_sem);
	for (i = 0; i < p->nsems; i++) {
		struct ttsim_prog_sem *st = (struct ttsim_prog_sem *)(void *)(img + h.sems_off) + i;
		const struct sem *sm = &p->sems[i];

		st->range = (struct ttsim_core_range){ (uint8_t)sm->range.start.x,
			(uint8_t)sm->range.start.y, (uint8_t)sm->range.end.x, (uint8_t)sm->range.end.y };
		st->id = sm->id;
		st->value = sm->value;
	}
	for (i = 0; i < p->nk; i++) {
		const struct kernel *k = &p->k[i];

		kt[i].role = (uint8_t)k->role;
		kt[i].math_fidelity = k->fidelity;
		kt[i].flags = k->flags;
		kt[i].range = (struct ttsim_core_range){ (uint8_t)k->range.start.x,
			(uint8_t)k->range.start.y, (uint8_t)k->range.end.x, (uint8_t)k->range.end.y };
		kt[i].elf_off = (uint32_t)pos;
		kt[i].elf_size = (uint32_t)k->elf_size;
		memcpy(img + pos, k->elf, k->elf_size);
		pos += align4(k->elf_size);
		kt[i].common_off = (uint32_t)pos;
		kt[i].ncommon = k->ncommon;
		memcpy(img + pos, k->common, k->ncommon * 4);
		pos += k->ncommon * 4;
		for (j = 0; j < k->nrt; j++, at++) {
			at->kernel = (uint8_t)i;
			at->x = (uint8_t)k->rt[j]->core.x;
			at->y = (uint8_t)k->rt[j]->core.y;
			at->off = (uint32_t)pos;
			at->count = k->rt[j]->n;
			memcpy(img + pos, k->rt[j]->args, k->rt[j]->n * 4);
			pos += k->rt[j]->n * 4;
		}
	}
	for (i = 0; i < p->ncbs; i++) {
		const struct cb *c = &p->cbs[i];

		ct[i].range = (struct ttsim_core_range){ (uint8_t)c->range.start.x,
			(uint8_t)c->range.start.y, (uint8_t)c->range.end.x, (uint8_t)c->range.end.y };
		ct[i].index = (uint8_t)c->cfg.index;
		ct[i].format = (uint8_t)c->cfg.format;
		ct[i].addr = c->addr;
		ct[i].page_size = c->cfg.page_size;
		ct[i].num_pages = c->cfg.num_pages;
	}
	*out = img;
	*out_size = size;
	return 0;
}
