// SPDX-License-Identifier: MIT
/*
 * The in-process transport: the model device runs on threads of this
 * process. Its register page and a pool of "DMA" memory are shared with
 * it; doorbells and interrupts are eventfds, as they are behind QEMU.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "../sim/sim.h"

#define DMA_POOL_SIZE	(512ull << 20)	/* backed only where touched */
#define DMA_ALIGN	4096u

struct sim_priv {
	struct sim_device *sim;
	struct ttsim_regs *regs;
	uint8_t *pool;
	pthread_mutex_t pool_lock;
	struct tt_range_alloc pool_alloc;
	int doorbell[TTSIM_NUM_VECTORS];
	int irq[TTSIM_NUM_VECTORS];
};

static int sim_dma_alloc(struct tt_device *dev, size_t size, struct tt_dma *dma)
{
	struct sim_priv *p = dev->priv;
	uint64_t off;
	int ret;

	size = (size + DMA_ALIGN - 1) & ~(size_t)(DMA_ALIGN - 1);
	pthread_mutex_lock(&p->pool_lock);
	ret = tt_range_alloc(&p->pool_alloc, size, DMA_ALIGN, &off);
	pthread_mutex_unlock(&p->pool_lock);
	if (ret)
		return tt_error(ret, "out of DMA memory (%zu bytes wanted, pool of %llu MiB)",
				size, DMA_POOL_SIZE >> 20);
	dma->va = p->pool + off;
	dma->iova = off;
	dma->size = size;
	return 0;
}

static void sim_dma_free(struct tt_device *dev, struct tt_dma *dma)
{
	struct sim_priv *p = dev->priv;

	if (!dma->va)
		return;
	/* Give the pages back; the next user sees zeros, as from the kernel. */
	madvise(dma->va, dma->size, MADV_DONTNEED);
	pthread_mutex_lock(&p->pool_lock);
	tt_range_free(&p->pool_alloc, dma->iova);
	pthread_mutex_unlock(&p->pool_lock);
	memset(dma, 0, sizeof(*dma));
}

static void sim_doorbell(struct tt_device *dev, unsigned vector)
{
	struct sim_priv *p = dev->priv;
	uint64_t one = 1;

	if (write(p->doorbell[vector], &one, sizeof(one)) < 0) {
		/* an eventfd write fails only when its counter would overflow */
	}
}

static int sim_wait_irq(struct tt_device *dev, unsigned vector, int timeout_ms)
{
	struct sim_priv *p = dev->priv;
	struct pollfd pfd = { .fd = p->irq[vector], .events = POLLIN };
	uint64_t v;
	int n = poll(&pfd, 1, timeout_ms);

	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	if (read(pfd.fd, &v, sizeof(v)) < 0)
		return -errno;
	return 0;
}

static void close_fds(struct sim_priv *p)
{
	unsigned i;

	for (i = 0; i < TTSIM_NUM_VECTORS; i++) {
		if (p->doorbell[i] >= 0)
			close(p->doorbell[i]);
		if (p->irq[i] >= 0)
			close(p->irq[i]);
	}
}

static void sim_close(struct tt_device *dev)
{
	struct sim_priv *p = dev->priv;

	sim_destroy(p->sim);
	close_fds(p);
	munmap(p->pool, DMA_POOL_SIZE);
	tt_range_fini(&p->pool_alloc);
	pthread_mutex_destroy(&p->pool_lock);
	free(p->regs);
	free(p);
}

static const struct tt_transport_ops sim_ops = {
	.name = "in-process",
	.dma_alloc = sim_dma_alloc,
	.dma_free = sim_dma_free,
	.doorbell = sim_doorbell,
	.wait_irq = sim_wait_irq,
	.close = sim_close,
};

static void sim_log_line(void *ctx, const char *line)
{
	tt_device_log(ctx, line);
}

int tt_sim_transport_open(struct tt_device *dev, const char *opts)
{
	struct sim_config cfg;
	struct sim_host host;
	struct sim_priv *p;
	char err[256];
	unsigned i;
	int ret;

	sim_config_default(&cfg);
	ret = sim_config_parse(&cfg, opts, err, sizeof(err));
	if (ret)
		return tt_error(ret, "device spec 'sim:%s': %s", opts, err);

	p = calloc(1, sizeof(*p));
	if (!p)
		return tt_error(-ENOMEM, "out of memory opening the model device");
	for (i = 0; i < TTSIM_NUM_VECTORS; i++)
		p->doorbell[i] = p->irq[i] = -1;
	pthread_mutex_init(&p->pool_lock, NULL);
	tt_range_init(&p->pool_alloc, 0, DMA_POOL_SIZE, false);
	p->pool = mmap(NULL, DMA_POOL_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (posix_memalign((void **)&p->regs, 4096, TTSIM_REGS_SIZE))
		p->regs = NULL;
	if (p->pool == MAP_FAILED || !p->regs) {
		ret = tt_error(-ENOMEM, "out of memory opening the model device");
		goto fail;
	}
	memset(p->regs, 0, TTSIM_REGS_SIZE);
	for (i = 0; i < TTSIM_NUM_VECTORS; i++) {
		p->doorbell[i] = eventfd(0, EFD_CLOEXEC);
		p->irq[i] = eventfd(0, EFD_CLOEXEC);
		if (p->doorbell[i] < 0 || p->irq[i] < 0) {
			ret = tt_error(-errno, "eventfd: %s", strerror(errno));
			goto fail;
		}
	}

	memset(&host, 0, sizeof(host));
	host.regs = p->regs;
	host.dma = p->pool;
	host.dma_size = DMA_POOL_SIZE;
	memcpy(host.doorbell_fd, p->doorbell, sizeof(p->doorbell));
	memcpy(host.irq_fd, p->irq, sizeof(p->irq));
	host.log = sim_log_line;
	host.log_ctx = dev;
	ret = sim_create(&cfg, &host, &p->sim, err, sizeof(err));
	if (ret) {
		ret = tt_error(ret, "model device: %s", err);
		goto fail;
	}
	dev->ops = &sim_ops;
	dev->priv = p;
	dev->regs = p->regs;
	return 0;

fail:
	close_fds(p);
	if (p->pool != MAP_FAILED)
		munmap(p->pool, DMA_POOL_SIZE);
	tt_range_fini(&p->pool_alloc);
	free(p->regs);
	free(p);
	return ret;
}
