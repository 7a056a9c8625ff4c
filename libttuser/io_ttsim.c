// SPDX-License-Identifier: MIT
/*
 * A chip in this process: Tenstorrent's ttsim (libttsim_wh.so,
 * libttsim_bh.so), loaded with dlopen. Its BARs are reached through calls,
 * the chip's accesses to host memory land in a pool of this process through
 * ttsim's callbacks, and a thread of ours clocks the chip while the device
 * has work (ttsim advances only inside libttsim_clock).
 *
 * ttsim is single-threaded and one chip per library per process: every
 * call is made under one lock, and a second open of the same chip fails
 * with EBUSY. The library is found through $TTSIM_LIB (the file, or a
 * folder holding libttsim_wh.so and libttsim_bh.so), else next to this
 * library (../ttsim/), else in the build folder this library came from.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chip.h"

#define BAR0		0x100000000ull	/* BAR0 in ttsim's address space */
#define POOL_SIZE	(512ull << 20)	/* host memory the chip reaches, backed where touched */
#define POOL_IOVA	0x10000000ull	/* its DMA address */
#define DMA_ALIGN	4096u
#define BURST		2000u		/* clocks per turn of the clock thread */
#define TTSIM_CLOCKS_PER_MS	5000u	/* about what ttsim runs at with a few cores busy */

#ifndef TTUSER_TTSIM_DIR
#define TTUSER_TTSIM_DIR ""
#endif

struct ttsim_api {
	void (*init)(void);
	void (*exit)(void);
	void (*set_dma)(void (*rd)(uint64_t, void *, uint32_t),
			void (*wr)(uint64_t, const void *, uint32_t));
	void (*mem_rd)(uint64_t paddr, void *p, uint32_t size);
	void (*mem_wr)(uint64_t paddr, const void *p, uint32_t size);
	void (*clock)(uint32_t n);
};

struct ttsim_io {
	struct tt_chip_io io;
	unsigned slot;
	void *lib;
	struct ttsim_api api;
	pthread_mutex_t lock;		/* every call into ttsim; window */
	uint64_t window;		/* where TLB window 0 points; ~0: nowhere yet */
	pthread_t thread;
	pthread_cond_t cond;		/* kicks */
	bool stop, kicked;
	uint8_t *pool;
	pthread_mutex_t pool_lock;
	struct tt_range_alloc pool_alloc;
	char dma_error[160];		/* the first bad access of the chip to host memory */
};

/* One open chip per ttsim library; the DMA callbacks have no context. */
static struct ttsim_io *slots[2];
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;

static uint8_t *dma_ptr(struct ttsim_io *t, uint64_t paddr, uint32_t size)
{
	if (paddr < POOL_IOVA || paddr - POOL_IOVA > POOL_SIZE || size > POOL_SIZE - (paddr - POOL_IOVA)) {
		if (!t->dma_error[0])
			snprintf(t->dma_error, sizeof(t->dma_error), "the chip reached host address "
				 "0x%llx + %u, outside the DMA memory of the device",
				 (unsigned long long)paddr, size);
		return NULL;
	}
	return t->pool + (paddr - POOL_IOVA);
}

static void dma_rd(unsigned slot, uint64_t paddr, void *p, uint32_t size)
{
	uint8_t *src = dma_ptr(slots[slot], paddr, size);

	if (src)
		memcpy(p, src, size);
	else
		memset(p, 0xff, size);
}

static void dma_wr(unsigned slot, uint64_t paddr, const void *p, uint32_t size)
{
	uint8_t *dst = dma_ptr(slots[slot], paddr, size);

	if (dst)
		memcpy(dst, p, size);
}

static void dma_rd0(uint64_t a, void *p, uint32_t n) { dma_rd(0, a, p, n); }
static void dma_wr0(uint64_t a, const void *p, uint32_t n) { dma_wr(0, a, p, n); }
static void dma_rd1(uint64_t a, void *p, uint32_t n) { dma_rd(1, a, p, n); }
static void dma_wr1(uint64_t a, const void *p, uint32_t n) { dma_wr(1, a, p, n); }

/* ---- BAR access through TLB window 0 -------------------------------- */
static void point_window(struct ttsim_io *t, uint32_t x, uint32_t y, uint64_t base)
{
	const struct tt_chip *c = t->io.chip;
	uint64_t key = base | (uint64_t)x << 48 | (uint64_t)y << 56;
	uint32_t words[3];
	unsigned n;

	if (t->window == key)
		return;
	c->tlb_config(x, y, base, words, &n);
	/* Word by word: Blackhole's configuration takes 32-bit writes only. */
	for (unsigned i = 0; i < n; i++)
		t->api.mem_wr(BAR0 + c->tlb_regs + 4 * i, &words[i], 4);
	t->window = key;
}

static int access_chip(struct ttsim_io *t, uint32_t x, uint32_t y, uint64_t addr, void *rd,
		       const void *wr, size_t len)
{
	const struct tt_chip *c = t->io.chip;
	uint64_t win = c->tlb_window;

	if (x >= c->noc_w || y >= c->noc_h)
		return tt_error(-EINVAL, "no tile at NoC (%u,%u) on %s", x, y, c->name);
	pthread_mutex_lock(&t->lock);
	while (len) {
		uint64_t off = addr % win;
		size_t k = len < win - off ? len : (size_t)(win - off);

		point_window(t, x, y, addr - off);
		if (rd) {
			t->api.mem_rd(BAR0 + off, rd, (uint32_t)k);
			rd = (uint8_t *)rd + k;
		} else {
			t->api.mem_wr(BAR0 + off, wr, (uint32_t)k);
			wr = (const uint8_t *)wr + k;
		}
		addr += k;
		len -= k;
	}
	pthread_mutex_unlock(&t->lock);
	return 0;
}

static int ttsim_read(struct tt_chip_io *io, uint32_t x, uint32_t y, uint64_t addr, void *buf,
		      size_t len)
{
	return access_chip((struct ttsim_io *)io, x, y, addr, buf, NULL, len);
}

static int ttsim_write(struct tt_chip_io *io, uint32_t x, uint32_t y, uint64_t addr,
		       const void *buf, size_t len)
{
	return access_chip((struct ttsim_io *)io, x, y, addr, NULL, buf, len);
}

/* ---- host memory ------------------------------------------------------ */
static int ttsim_dma_alloc(struct tt_chip_io *io, size_t size, struct tt_dma *dma)
{
	struct ttsim_io *t = (struct ttsim_io *)io;
	uint64_t off;
	int ret;

	size = (size + DMA_ALIGN - 1) & ~(size_t)(DMA_ALIGN - 1);
	pthread_mutex_lock(&t->pool_lock);
	ret = tt_range_alloc(&t->pool_alloc, size, DMA_ALIGN, &off);
	pthread_mutex_unlock(&t->pool_lock);
	if (ret)
		return tt_error(ret, "out of DMA memory (%zu bytes wanted, pool of %llu MiB)",
				size, POOL_SIZE >> 20);
	dma->va = t->pool + off;
	dma->iova = POOL_IOVA + off;
	dma->size = size;
	return 0;
}

static void ttsim_dma_free(struct tt_chip_io *io, struct tt_dma *dma)
{
	struct ttsim_io *t = (struct ttsim_io *)io;

	if (!dma->va)
		return;
	madvise(dma->va, dma->size, MADV_DONTNEED);
	pthread_mutex_lock(&t->pool_lock);
	tt_range_free(&t->pool_alloc, dma->iova - POOL_IOVA);
	pthread_mutex_unlock(&t->pool_lock);
	memset(dma, 0, sizeof(*dma));
}

/* ---- the clock -------------------------------------------------------- */
static void *clock_thread(void *arg)
{
	struct ttsim_io *t = arg;

	pthread_mutex_lock(&t->lock);
	while (!t->stop) {
		if (t->io.idle && t->io.idle(t->io.idle_ctx) && !t->kicked) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 2 * 1000 * 1000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&t->cond, &t->lock, &ts);
			continue;
		}
		t->kicked = false;
		t->api.clock(BURST);
		/* Let a host access in between bursts. */
		pthread_mutex_unlock(&t->lock);
		sched_yield();
		pthread_mutex_lock(&t->lock);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

static void ttsim_kick(struct tt_chip_io *io)
{
	struct ttsim_io *t = (struct ttsim_io *)io;

	pthread_mutex_lock(&t->lock);
	t->kicked = true;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

static void ttsim_close(struct tt_chip_io *io)
{
	struct ttsim_io *t = (struct ttsim_io *)io;

	pthread_mutex_lock(&t->lock);
	t->stop = true;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	t->api.exit();
	pthread_mutex_lock(&slots_lock);
	slots[t->slot] = NULL;
	pthread_mutex_unlock(&slots_lock);
	munmap(t->pool, POOL_SIZE);
	tt_range_fini(&t->pool_alloc);
	pthread_mutex_destroy(&t->pool_lock);
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->cond);
	/* The library stays loaded: ttsim may keep state a later open reuses. */
	free(t);
}

static const struct tt_chip_io_ops ttsim_ops = {
	.name = "ttsim",
	.read = ttsim_read,
	.write = ttsim_write,
	.dma_alloc = ttsim_dma_alloc,
	.dma_free = ttsim_dma_free,
	.kick = ttsim_kick,
	.close = ttsim_close,
};

/* ---- finding and loading the library --------------------------------- */
static bool is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

static int library_path(const struct tt_chip *chip, char *out, size_t len)
{
	const char *env = getenv("TTSIM_LIB");
	Dl_info info;
	char *slash;

	if (env && *env) {
		if (is_dir(env))
			snprintf(out, len, "%s/libttsim_%s.so", env, chip->key);
		else
			snprintf(out, len, "%s", env);
		return 0;
	}
	/* Next to this library: PREFIX/lib/../ttsim, build/lib/../ttsim. */
	if (dladdr((void *)tt_ttsim_io_open, &info) && info.dli_fname &&
	    strlen(info.dli_fname) < len - 32) {
		snprintf(out, len, "%s", info.dli_fname);
		slash = strrchr(out, '/');
		if (slash) {
			snprintf(slash, len - (size_t)(slash - out), "/../ttsim/libttsim_%s.so",
				 chip->key);
			if (!access(out, R_OK))
				return 0;
		}
	}
	if (*TTUSER_TTSIM_DIR) {
		snprintf(out, len, "%s/libttsim_%s.so", TTUSER_TTSIM_DIR, chip->key);
		if (!access(out, R_OK))
			return 0;
	}
	return tt_error(-ENOENT, "no ttsim library for %s: build it with 'make ttsim' or set "
			"TTSIM_LIB to libttsim_%s.so (or to its folder)", chip->name, chip->key);
}

static int load(struct ttsim_io *t, const char *path)
{
	static const char *const names[] = {
		"libttsim_init", "libttsim_exit", "libttsim_set_pci_dma_mem_callbacks",
		"libttsim_pci_mem_rd_bytes", "libttsim_pci_mem_wr_bytes", "libttsim_clock",
	};
	void *sym[6];
	unsigned i;

	t->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!t->lib)
		return tt_error(-ENOENT, "cannot load ttsim: %s", dlerror());
	for (i = 0; i < 6; i++) {
		sym[i] = dlsym(t->lib, names[i]);
		if (!sym[i])
			return tt_error(-ENOEXEC, "%s has no %s: not a ttsim library", path, names[i]);
	}
	t->api.init = (void (*)(void))sym[0];
	t->api.exit = (void (*)(void))sym[1];
	t->api.set_dma = (void (*)(void (*)(uint64_t, void *, uint32_t),
				   void (*)(uint64_t, const void *, uint32_t)))sym[2];
	t->api.mem_rd = (void (*)(uint64_t, void *, uint32_t))sym[3];
	t->api.mem_wr = (void (*)(uint64_t, const void *, uint32_t))sym[4];
	t->api.clock = (void (*)(uint32_t))sym[5];
	return 0;
}

int tt_ttsim_io_open(const struct tt_chip *chip, struct tt_chip_io **out)
{
	unsigned slot = chip->arch == TT_ARCH_BLACKHOLE;
	struct ttsim_io *t;
	char path[4096];
	int ret;

	ret = library_path(chip, path, sizeof(path));
	if (ret)
		return ret;
	t = calloc(1, sizeof(*t));
	if (!t)
		return tt_error(-ENOMEM, "out of memory");
	t->io.ops = &ttsim_ops;
	t->io.chip = chip;
	/* ttsim's clock runs at some MHz of host time, not at the chip's GHz. */
	t->io.clocks_per_ms = TTSIM_CLOCKS_PER_MS;
	t->slot = slot;
	t->window = ~0ull;
	pthread_mutex_init(&t->lock, NULL);
	pthread_mutex_init(&t->pool_lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	tt_range_init(&t->pool_alloc, 0, POOL_SIZE, false);
	t->pool = mmap(NULL, POOL_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (t->pool == MAP_FAILED) {
		ret = tt_error(-ENOMEM, "out of memory for the chip's DMA pool");
		goto fail;
	}
	ret = load(t, path);
	if (ret)
		goto fail;
	pthread_mutex_lock(&slots_lock);
	if (slots[slot]) {
		pthread_mutex_unlock(&slots_lock);
		ret = tt_error(-EBUSY, "%s under ttsim is open already: ttsim runs one %s per "
			       "process", chip->name, chip->name);
		goto fail;
	}
	slots[slot] = t;
	pthread_mutex_unlock(&slots_lock);
	t->api.set_dma(slot ? dma_rd1 : dma_rd0, slot ? dma_wr1 : dma_wr0);
	t->api.init();
	ret = pthread_create(&t->thread, NULL, clock_thread, t);
	if (ret) {
		t->api.exit();
		pthread_mutex_lock(&slots_lock);
		slots[slot] = NULL;
		pthread_mutex_unlock(&slots_lock);
		ret = tt_error(-ret, "cannot start the chip's clock: %s", strerror(ret));
		goto fail;
	}
	*out = &t->io;
	return 0;

fail:
	if (t->pool != MAP_FAILED && t->pool)
		munmap(t->pool, POOL_SIZE);
	tt_range_fini(&t->pool_alloc);
	pthread_mutex_destroy(&t->pool_lock);
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->cond);
	free(t);
	return ret;
}
