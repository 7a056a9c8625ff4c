// SPDX-License-Identifier: MIT
/* Opening devices, what they are, resetting them, and their log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chip.h"

#define RESET_TIMEOUT_MS	10000

void tt_device_log(struct tt_device *dev, const char *line)
{
	pthread_mutex_lock(&dev->log_lock);
	if (dev->log_fn)
		dev->log_fn(dev->log_ctx, line);
	else
		fprintf(stderr, "%s\n", line);
	pthread_mutex_unlock(&dev->log_lock);
}

void tt_device_set_log(struct tt_device *dev, tt_log_fn fn, void *ctx)
{
	if (!dev)
		return;
	pthread_mutex_lock(&dev->log_lock);
	dev->log_fn = fn;
	dev->log_ctx = ctx;
	pthread_mutex_unlock(&dev->log_lock);
}

/* Read what the device says about itself from its register page. */
static int read_identity(struct tt_device *dev)
{
	const struct ttsim_regs *r = dev->regs;
	struct tt_device_info *i = &dev->info;

	if (__atomic_load_n(&r->magic, __ATOMIC_ACQUIRE) != TTSIM_MAGIC)
		return tt_error(-ENODEV, "not a model device (magic 0x%08x)", r->magic);
	if (r->version != TTSIM_VERSION)
		return tt_error(-EPROTO, "model device speaks version %u of the host interface, "
				"this library version %u", r->version, TTSIM_VERSION);
	if (dev->chip ? r->arch != (uint32_t)dev->chip->arch : r->arch != TTSIM_ARCH_MODEL)
		return tt_error(-EPROTO, "device reports arch %u", r->arch);
	memset(i, 0, sizeof(*i));
	i->arch = dev->chip ? dev->chip->arch : TT_ARCH_MODEL;
	i->grid_x = r->grid_x;
	i->grid_y = r->grid_y;
	i->l1_size = r->l1_size;
	i->l1_free = TT_L1_FREE;
	i->dram_banks = r->dram_banks;
	i->dram_bank_size = r->dram_bank_size;
	i->nqueues = r->nqueues < TTSIM_MAX_QUEUES ? r->nqueues : TTSIM_MAX_QUEUES;
	snprintf(i->name, sizeof(i->name), "%s %ux%u", dev->chip ? dev->chip->name : "model",
		 r->grid_x, r->grid_y);
	snprintf(i->transport, sizeof(i->transport), "%s", dev->ops->name);
	return 0;
}

/*
 * "ttsim:wh", "ttsim:bh": the chip under Tenstorrent's simulator, in this
 * process; ",watchdog_ms=N" after it bounds a launch (default 120000).
 */
static int ttsim_open(struct tt_device *dev, const char *spec)
{
	char key[8];
	size_t n = strcspn(spec, ",");
	const struct tt_chip *chip = NULL;
	unsigned watchdog_ms = 0;
	struct tt_chip_io *io;
	int ret;

	if (n < sizeof(key)) {
		memcpy(key, spec, n);
		key[n] = '\0';
		chip = tt_chip_by_key(key);
	}
	if (!chip)
		return tt_error(-ENODEV, "unknown chip in 'ttsim:%s' (try 'ttsim:wh' or 'ttsim:bh')",
				spec);
	if (spec[n]) {
		char *end;
		unsigned long v;

		if (strncmp(spec + n + 1, "watchdog_ms=", 12))
			return tt_error(-EINVAL, "'ttsim:%s': the only option is watchdog_ms=N", spec);
		v = strtoul(spec + n + 13, &end, 10);
		if (*end || !v || v > 86400000ul)
			return tt_error(-EINVAL, "'ttsim:%s': watchdog_ms must be 1 to a day", spec);
		watchdog_ms = (unsigned)v;
	}
	ret = tt_ttsim_io_open(chip, &io);
	if (ret)
		return ret;
	return tt_chip_transport_open(dev, io, watchdog_ms);
}

int tt_device_open(const char *spec, struct tt_device **out)
{
	struct tt_device *dev;
	unsigned i;
	int ret;

	if (!out)
		return tt_error(-EINVAL, "tt_device_open: no place for the device");
	*out = NULL;
	if (!spec)
		spec = getenv("TT_DEVICE");
	if (!spec || !*spec)
		spec = "sim";

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return tt_error(-ENOMEM, "out of memory");
	pthread_mutex_init(&dev->lock, NULL);
	pthread_mutex_init(&dev->log_lock, NULL);
	pthread_mutex_init(&dev->trace_lock, NULL);

	if (!strcmp(spec, "sim"))
		ret = tt_sim_transport_open(dev, "");
	else if (!strncmp(spec, "sim:", 4))
		ret = tt_sim_transport_open(dev, spec + 4);
	else if (!strncmp(spec, "ttsim:", 6))
		ret = ttsim_open(dev, spec + 6);
	else if (!strncmp(spec, "/dev/", 5) || spec[strspn(spec, "0123456789")] == '\0')
		ret = tt_kmod_transport_open(dev, spec);
	else
		ret = tt_error(-ENODEV, "unknown device '%s' (try 'sim', 'sim:grid=4x4', "
			       "'ttsim:wh', '/dev/tenstorrent/0' or '0')", spec);
	if (ret)
		goto fail_free;

	ret = read_identity(dev);
	if (ret)
		goto fail_close;
	/* DRAM from 64 KiB up; L1 buffers from the top of L1 down. */
	tt_range_init(&dev->dram, 0x10000, dev->info.dram_bank_size, false);
	tt_range_init(&dev->l1, dev->info.l1_free, dev->info.l1_size, true);
	for (i = 0; i < dev->info.nqueues; i++) {
		ret = tt_cq_create(dev, i, &dev->cq[i]);
		if (ret)
			goto fail_queues;
	}
	*out = dev;
	return 0;

fail_queues:
	while (i--)
		tt_cq_destroy(dev->cq[i]);
	tt_range_fini(&dev->dram);
	tt_range_fini(&dev->l1);
fail_close:
	dev->ops->close(dev);
fail_free:
	free(dev);
	return ret;
}

void tt_device_close(struct tt_device *dev)
{
	unsigned i;

	if (!dev)
		return;
	for (i = 0; i < TTSIM_MAX_QUEUES; i++)
		if (dev->cq[i])
			tt_cq_destroy(dev->cq[i]);
	tt_traces_release_all(dev);
	dev->ops->close(dev);
	tt_range_fini(&dev->dram);
	tt_range_fini(&dev->l1);
	pthread_mutex_destroy(&dev->lock);
	pthread_mutex_destroy(&dev->log_lock);
	pthread_mutex_destroy(&dev->trace_lock);
	free(dev);
}

int tt_device_info(struct tt_device *dev, struct tt_device_info *info)
{
	if (!dev || !info)
		return tt_error(-EINVAL, "tt_device_info: NULL argument");
	*info = dev->info;
	return 0;
}

int tt_device_reset(struct tt_device *dev)
{
	uint32_t before;
	unsigned i;
	int ret = 0, waited = 0;

	if (!dev)
		return tt_error(-EINVAL, "tt_device_reset: NULL device");
	for (i = 0; i < dev->info.nqueues; i++)
		tt_cq_lock(dev->cq[i]);
	if (dev->ops->reset) {
		ret = dev->ops->reset(dev);
		goto restart;
	}

	before = __atomic_load_n(&dev->regs->reset_count, __ATOMIC_ACQUIRE);
	__atomic_store_n(&dev->regs->reset, TTSIM_RESET_MAGIC, __ATOMIC_RELEASE);
	dev->ops->doorbell(dev, TTSIM_CTRL_VECTOR);
	while (__atomic_load_n(&dev->regs->reset_count, __ATOMIC_ACQUIRE) == before ||
	       __atomic_load_n(&dev->regs->status, __ATOMIC_ACQUIRE) != TTSIM_STATUS_READY) {
		if (waited >= RESET_TIMEOUT_MS) {
			ret = tt_error(-ETIMEDOUT, "device did not come back from reset within %d ms",
				       RESET_TIMEOUT_MS);
			break;
		}
		ret = dev->ops->wait_irq(dev, TTSIM_CTRL_VECTOR, 100);
		if (ret && ret != -ETIMEDOUT) {
			ret = tt_error(ret, "waiting for reset: %s", strerror(-ret));
			break;
		}
		ret = 0;
		waited += 100;
	}
restart:
	for (i = 0; i < dev->info.nqueues; i++) {
		if (!ret)
			ret = tt_cq_restart(dev->cq[i]);
		tt_cq_unlock(dev->cq[i]);
	}
	return ret;
}
