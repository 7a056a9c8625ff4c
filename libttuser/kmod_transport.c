// SPDX-License-Identifier: MIT
/*
 * The kernel-module transport: the model device behind the tenstorrent
 * module (/dev/tenstorrent/N), e.g. ttsim-ivshmem under QEMU. The register
 * page is mmapped from the BAR the module names, DMA memory comes from
 * ALLOCATE_DMA_BUF, doorbells are RING_DOORBELL and interrupts arrive on
 * eventfds bound with SET_EVENTFD (uapi/tenstorrent.h).
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "tenstorrent.h"

#define MAX_MAPPINGS	8
#define RESET_TIMEOUT_MS	10000

struct kmod_priv {
	int fd;
	void *regs_map;
	size_t regs_map_size;
	size_t page_size;
	unsigned nvec;
	int efd[TTSIM_NUM_VECTORS];
	pthread_mutex_t lock;		/* buf_used, buf_va */
	bool buf_used[TENSTORRENT_MAX_DMA_BUFS];
	void *buf_va[TENSTORRENT_MAX_DMA_BUFS];	/* buffer i's mapping */
	struct tenstorrent_get_device_caps caps;
	pthread_mutex_t log_lock;	/* log_rptr */
	const struct ttsim_log *log;	/* the device's output ring, or NULL */
	uint32_t log_rptr;
};

/* Hand the device's new output lines to the device's log. */
static void drain_log(struct tt_device *dev)
{
	struct kmod_priv *p = dev->priv;
	uint32_t w, size;
	char line[512];
	size_t n = 0;

	if (!p->log)
		return;
	pthread_mutex_lock(&p->log_lock);
	size = p->log->size;
	w = __atomic_load_n(&p->log->wptr, __ATOMIC_ACQUIRE);
	if (w - p->log_rptr > size) {
		tt_device_log(dev, "(device output lost: the reader fell behind)");
		p->log_rptr = w - size;
	}
	for (; p->log_rptr != w; p->log_rptr++) {
		char c = p->log->data[p->log_rptr & (size - 1)];

		if (c == '\n' || n == sizeof(line) - 1) {
			line[n] = '\0';
			tt_device_log(dev, line);
			n = 0;
			if (c == '\n')
				continue;
		}
		line[n++] = c;
	}
	pthread_mutex_unlock(&p->log_lock);
}

static int kmod_dma_alloc(struct tt_device *dev, size_t size, struct tt_dma *dma)
{
	struct kmod_priv *p = dev->priv;
	struct tenstorrent_allocate_dma_buf a;
	unsigned i;
	void *va;

	size = (size + p->page_size - 1) & ~(p->page_size - 1);
	if (!size || size > (1ull << TENSTORRENT_MAX_DMA_BUF_SIZE_LOG2))
		return tt_error(-EINVAL, "DMA buffer of %zu bytes: the module allows 1 to %llu",
				size, 1ull << TENSTORRENT_MAX_DMA_BUF_SIZE_LOG2);
	pthread_mutex_lock(&p->lock);
	for (i = 0; i < TENSTORRENT_MAX_DMA_BUFS && p->buf_used[i]; i++)
		;
	if (i < TENSTORRENT_MAX_DMA_BUFS)
		p->buf_used[i] = true;
	pthread_mutex_unlock(&p->lock);
	if (i == TENSTORRENT_MAX_DMA_BUFS)
		return tt_error(-ENOSPC, "all %d DMA buffers of this device file are in use",
				TENSTORRENT_MAX_DMA_BUFS);

	memset(&a, 0, sizeof(a));
	a.in.requested_size = (uint32_t)size;
	a.in.buf_index = (uint8_t)i;
	if (ioctl(p->fd, TENSTORRENT_IOCTL_ALLOCATE_DMA_BUF, &a)) {
		int err = -errno;

		pthread_mutex_lock(&p->lock);
		p->buf_used[i] = false;
		pthread_mutex_unlock(&p->lock);
		return tt_error(err, "ALLOCATE_DMA_BUF of %zu bytes: %s", size, strerror(-err));
	}
	va = mmap(NULL, a.out.size, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd,
		  (off_t)a.out.mapping_offset);
	if (va == MAP_FAILED) {
		struct tenstorrent_free_dma_buf f = { .in.buf_index = (uint8_t)i };
		int err = -errno;

		ioctl(p->fd, TENSTORRENT_IOCTL_FREE_DMA_BUF, &f);
		pthread_mutex_lock(&p->lock);
		p->buf_used[i] = false;
		pthread_mutex_unlock(&p->lock);
		return tt_error(err, "mmap of a DMA buffer: %s", strerror(-err));
	}
	pthread_mutex_lock(&p->lock);
	p->buf_va[i] = va;
	pthread_mutex_unlock(&p->lock);
	dma->va = va;
	dma->iova = a.out.physical_address;
	dma->size = a.out.size;
	return 0;
}

static void kmod_dma_free(struct tt_device *dev, struct tt_dma *dma)
{
	struct kmod_priv *p = dev->priv;
	struct tenstorrent_free_dma_buf f;
	unsigned i;

	if (!dma->va)
		return;
	pthread_mutex_lock(&p->lock);
	for (i = 0; i < TENSTORRENT_MAX_DMA_BUFS && p->buf_va[i] != dma->va; i++)
		;
	pthread_mutex_unlock(&p->lock);
	munmap(dma->va, dma->size);
	if (i < TENSTORRENT_MAX_DMA_BUFS) {
		memset(&f, 0, sizeof(f));
		f.in.buf_index = (uint8_t)i;
		if (ioctl(p->fd, TENSTORRENT_IOCTL_FREE_DMA_BUF, &f))
			tt_error(-errno, "FREE_DMA_BUF %u: %s", i, strerror(errno));
		pthread_mutex_lock(&p->lock);
		p->buf_va[i] = NULL;
		p->buf_used[i] = false;
		pthread_mutex_unlock(&p->lock);
	}
	memset(dma, 0, sizeof(*dma));
}

static void kmod_doorbell(struct tt_device *dev, unsigned vector)
{
	struct kmod_priv *p = dev->priv;
	struct tenstorrent_ring_doorbell d = {
		.argsz = sizeof(d),
		.vector = vector,
	};

	if (ioctl(p->fd, TENSTORRENT_IOCTL_RING_DOORBELL, &d))
		tt_error(-errno, "RING_DOORBELL %u: %s", vector, strerror(errno));
}

static int kmod_wait_irq(struct tt_device *dev, unsigned vector, int timeout_ms)
{
	struct kmod_priv *p = dev->priv;
	struct pollfd pfd = { .fd = p->efd[vector], .events = POLLIN };
	uint64_t v;
	int n;

	if (vector >= p->nvec || p->efd[vector] < 0)
		return -EINVAL;
	n = poll(&pfd, 1, timeout_ms);
	drain_log(dev);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	if (read(pfd.fd, &v, sizeof(v)) < 0)
		return -errno;
	return 0;
}

static int reset_state(struct kmod_priv *p, bool wait, uint64_t gen, struct tenstorrent_reset_state *s)
{
	memset(s, 0, sizeof(*s));
	s->argsz = sizeof(*s);
	s->flags = wait ? TENSTORRENT_RESET_STATE_WAIT : 0;
	s->timeout_ms = RESET_TIMEOUT_MS;
	s->generation = gen;
	return ioctl(p->fd, TENSTORRENT_IOCTL_RESET_STATE, s) ? -errno : 0;
}

static int reset_device(struct kmod_priv *p, uint32_t how, uint32_t *result)
{
	struct tenstorrent_reset_device r;

	memset(&r, 0, sizeof(r));
	r.in.output_size_bytes = sizeof(r.out);
	r.in.flags = how;
	if (ioctl(p->fd, TENSTORRENT_IOCTL_RESET_DEVICE, &r))
		return -errno;
	*result = r.out.result;
	return 0;
}

/* The module's reset: ASIC_RESET, wait for the device, POST_RESET. */
static int kmod_reset(struct tt_device *dev)
{
	struct kmod_priv *p = dev->priv;
	struct tenstorrent_reset_state st;
	uint32_t result = 0;
	int ret;

	ret = reset_state(p, false, 0, &st);
	if (ret)
		return tt_error(ret, "RESET_STATE: %s", strerror(-ret));
	ret = reset_device(p, TENSTORRENT_RESET_DEVICE_ASIC_RESET, &result);
	if (ret || result)
		return tt_error(ret ? ret : -EIO, "ASIC_RESET: %s",
				ret ? strerror(-ret) : "the module reports failure");
	ret = reset_device(p, TENSTORRENT_RESET_DEVICE_POST_RESET, &result);
	if (ret || result)
		return tt_error(ret ? ret : -EIO, "POST_RESET: %s",
				ret ? strerror(-ret) : "the device did not come back");
	ret = reset_state(p, true, st.generation, &st);
	if (ret)
		return tt_error(ret, "waiting for the reset: %s", strerror(-ret));
	return 0;
}

static void priv_free(struct kmod_priv *p)
{
	unsigned i;

	for (i = 0; i < TTSIM_NUM_VECTORS; i++)
		if (p->efd[i] >= 0)
			close(p->efd[i]);
	if (p->regs_map && p->regs_map != MAP_FAILED)
		munmap(p->regs_map, p->regs_map_size);
	/* Closing the file frees its DMA buffers and eventfd bindings. */
	if (p->fd >= 0)
		close(p->fd);
	pthread_mutex_destroy(&p->lock);
	pthread_mutex_destroy(&p->log_lock);
	free(p);
}

static void kmod_close(struct tt_device *dev)
{
	drain_log(dev);
	priv_free(dev->priv);
}

static const struct tt_transport_ops kmod_ops = {
	.name = "kmod",
	.dma_alloc = kmod_dma_alloc,
	.dma_free = kmod_dma_free,
	.doorbell = kmod_doorbell,
	.wait_irq = kmod_wait_irq,
	.reset = kmod_reset,
	.drain_log = drain_log,
	.close = kmod_close,
};

/* The mmap offset of the register page. */
static int find_regs(struct kmod_priv *p, const char *path, uint64_t *off, uint64_t *avail)
{
	struct {
		struct tenstorrent_query_mappings q;
		struct tenstorrent_mapping m[MAX_MAPPINGS];
	} qm;
	unsigned i;

	if (!p->caps.regs_mapping_id)
		return tt_error(-ENODEV, "%s: the module names no register page", path);
	memset(&qm, 0, sizeof(qm));
	qm.q.in.output_mapping_count = MAX_MAPPINGS;
	if (ioctl(p->fd, TENSTORRENT_IOCTL_QUERY_MAPPINGS, &qm))
		return tt_error(-errno, "%s: QUERY_MAPPINGS: %s", path, strerror(errno));
	for (i = 0; i < MAX_MAPPINGS; i++) {
		const struct tenstorrent_mapping *m = &qm.m[i];

		if (m->mapping_id != p->caps.regs_mapping_id)
			continue;
		if (p->caps.regs_offset + TTSIM_REGS_SIZE > m->mapping_size)
			return tt_error(-ENODEV, "%s: register page beyond its BAR (%llu bytes)",
					path, (unsigned long long)m->mapping_size);
		*off = m->mapping_base + p->caps.regs_offset;
		*avail = m->mapping_size - p->caps.regs_offset;
		return 0;
	}
	return tt_error(-ENODEV, "%s: mapping %u not reported by QUERY_MAPPINGS",
			path, p->caps.regs_mapping_id);
}

static int bind_eventfds(struct kmod_priv *p, const char *path)
{
	unsigned v;

	p->nvec = p->caps.num_vectors < TTSIM_NUM_VECTORS ? p->caps.num_vectors
							  : TTSIM_NUM_VECTORS;
	if (p->nvec < TTSIM_NUM_VECTORS || p->caps.num_queues < TTSIM_MAX_QUEUES ||
	    !(p->caps.caps & TENSTORRENT_CAP_EVENTFD) || !(p->caps.caps & TENSTORRENT_CAP_DOORBELL))
		return tt_error(-ENODEV, "%s: the module gives %u vectors, %u queues, caps 0x%x; "
				"the model needs %u, %u, doorbell and eventfd",
				path, p->caps.num_vectors, p->caps.num_queues, p->caps.caps,
				TTSIM_NUM_VECTORS, TTSIM_MAX_QUEUES);
	for (v = 0; v < p->nvec; v++) {
		struct tenstorrent_set_eventfd s = { .argsz = sizeof(s), .vector = v };

		p->efd[v] = eventfd(0, EFD_CLOEXEC);
		if (p->efd[v] < 0)
			return tt_error(-errno, "eventfd: %s", strerror(errno));
		s.fd = p->efd[v];
		if (ioctl(p->fd, TENSTORRENT_IOCTL_SET_EVENTFD, &s))
			return tt_error(-errno, "%s: SET_EVENTFD %u: %s", path, v, strerror(errno));
	}
	return 0;
}

int tt_kmod_transport_open(struct tt_device *dev, const char *spec)
{
	struct tenstorrent_get_device_info info;
	struct kmod_priv *p;
	const char *path = spec;
	char by_index[64];
	uint64_t off = 0, avail = 0;
	unsigned i;
	int ret;

	if (spec[0] != '/') {
		unsigned long n = strtoul(spec, NULL, 10);

		if (strlen(spec) > 5 || n > 65535)
			return tt_error(-ENODEV, "device index '%s' out of range", spec);
		snprintf(by_index, sizeof(by_index), "/dev/tenstorrent/%lu", n);
		path = by_index;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return tt_error(-ENOMEM, "out of memory opening %s", path);
	pthread_mutex_init(&p->lock, NULL);
	pthread_mutex_init(&p->log_lock, NULL);
	for (i = 0; i < TTSIM_NUM_VECTORS; i++)
		p->efd[i] = -1;
	p->page_size = (size_t)sysconf(_SC_PAGESIZE);
	p->fd = open(path, O_RDWR | O_CLOEXEC);
	if (p->fd < 0) {
		ret = errno == ENOENT && access("/sys/module/tenstorrent", F_OK) ?
		      tt_error(-ENOENT, "%s: no such device (the tenstorrent module is not loaded)",
			       path) :
		      tt_error(-errno, "%s: %s", path, strerror(errno));
		goto fail;
	}
	p->caps.argsz = sizeof(p->caps);
	if (ioctl(p->fd, TENSTORRENT_IOCTL_GET_DEVICE_CAPS, &p->caps)) {
		ret = tt_error(-errno, "%s: GET_DEVICE_CAPS: %s (not a tenstorrent device file?)",
			       path, strerror(errno));
		goto fail;
	}
	memset(&info, 0, sizeof(info));
	info.in.output_size_bytes = sizeof(info.out);
	if (ioctl(p->fd, TENSTORRENT_IOCTL_GET_DEVICE_INFO, &info)) {
		ret = tt_error(-errno, "%s: GET_DEVICE_INFO: %s", path, strerror(errno));
		goto fail;
	}
	if (p->caps.arch != TENSTORRENT_ARCH_MODEL) {
		ret = tt_error(-ENODEV, "%s: a %s device; this library drives the model device only",
			       path, p->caps.arch == TENSTORRENT_ARCH_WORMHOLE ? "Wormhole" :
			       p->caps.arch == TENSTORRENT_ARCH_BLACKHOLE ? "Blackhole" : "unknown");
		goto fail;
	}
	ret = find_regs(p, path, &off, &avail);
	if (ret)
		goto fail;
	/* The register page and, after it, the device's output ring. */
	p->regs_map_size = (size_t)avail & ~(p->page_size - 1);
	p->regs_map = mmap(NULL, p->regs_map_size, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd,
			   (off_t)off);
	if (p->regs_map == MAP_FAILED) {
		ret = tt_error(-errno, "%s: mmap of the register page: %s", path, strerror(errno));
		goto fail;
	}
	if (avail >= TTSIM_LOG_OFFSET + sizeof(struct ttsim_log)) {
		const struct ttsim_log *log = (const void *)((uint8_t *)p->regs_map + TTSIM_LOG_OFFSET);
		uint32_t size = log->size;

		if (log->magic == TTSIM_LOG_MAGIC && size && !(size & (size - 1)) &&
		    size <= avail - TTSIM_LOG_OFFSET - sizeof(*log)) {
			p->log = log;
			p->log_rptr = __atomic_load_n(&log->wptr, __ATOMIC_ACQUIRE);
		}
	}
	ret = bind_eventfds(p, path);
	if (ret)
		goto fail;
	dev->ops = &kmod_ops;
	dev->priv = p;
	dev->regs = p->regs_map;
	dev->dma_max = (size_t)1 << info.out.max_dma_buf_size_log2;
	return 0;

fail:
	priv_free(p);
	return ret;
}
