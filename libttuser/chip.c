// SPDX-License-Identifier: MIT
/*
 * A Wormhole or Blackhole as a device of this library. At open and at
 * every reset the firmware (firmware/, carried in the library) is loaded
 * into each Tensix core through the chip's BAR windows: the worker
 * firmware of BRISC and NCRISC on every core programs get, the command
 * processor on one more. The register page of the host interface
 * (uapi/ttsim.h) lives in host memory, where the command processor reads
 * the queues' registers and issue rings and writes completions; so
 * cq.c, programs, buffers, events and traces run on the chip unchanged.
 * There are no interrupts: waiting for a queue is polling its completion
 * pointer.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chip.h"
#include "fw.h"

#define BOOT_TIMEOUT_MS		5000
#define WATCHDOG_MS		120000
#define POLL_US			20

struct tt_embedded_file {
	const char *path;
	const unsigned char *data;
	unsigned len;
};

/* Generated at build time from firmware/ (Makefile: FW_IMAGES). */
extern const struct tt_embedded_file tt_firmware[];
extern const unsigned tt_firmware_count;

struct chip_dev {
	struct tt_chip_io *io;
	const struct tt_chip *chip;
	struct tt_dma regs_dma;		/* struct ttsim_regs, in host memory */
	uint32_t fw_base;
	struct tt_transport_ops ops;	/* chip_ops, named after the way to the chip */
	uint32_t seen[TTSIM_MAX_QUEUES];	/* comp_wptr at the last wake-up */
	unsigned watchdog_ms;
	bool booting;
};

static const struct tt_chip *const chips[] = { &tt_chip_wormhole, &tt_chip_blackhole };

const struct tt_chip *tt_chip_by_key(const char *key)
{
	unsigned i;

	for (i = 0; i < sizeof(chips) / sizeof(chips[0]); i++)
		if (!strcmp(chips[i]->key, key))
			return chips[i];
	return NULL;
}

static const struct tt_embedded_file *firmware(const struct tt_chip *chip, const char *name)
{
	char path[32];
	unsigned i;

	snprintf(path, sizeof(path), "%s/%s.bin", chip->key, name);
	for (i = 0; i < tt_firmware_count; i++)
		if (!strcmp(tt_firmware[i].path, path))
			return &tt_firmware[i];
	return NULL;
}

static void sleep_us(unsigned us)
{
	struct timespec ts = { 0, (long)us * 1000 };

	nanosleep(&ts, NULL);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- boot -------------------------------------------------------------- */
/* `lui t0, hi; jalr zero, lo(t0)`: BRISC starts at L1 0 and goes to target. */
static void jump_to(uint32_t target, uint32_t insn[2])
{
	uint32_t hi = (target + 0x800) & 0xfffff000u, lo = target - hi;

	insn[0] = hi | 5u << 7 | 0x37u;
	insn[1] = (lo & 0xfffu) << 20 | 5u << 15 | 0x67u;
}

static void fill_map(struct chip_dev *cd, struct fw_map *m)
{
	const struct tt_chip *c = cd->chip;

	memset(m, 0, sizeof(*m));
	m->magic = FW_MAP_MAGIC;
	m->grid_x = c->grid_x;
	m->grid_y = c->grid_y;
	m->noc_w = c->noc_w;
	m->noc_h = c->noc_h;
	memcpy(m->worker_x, c->worker_x, sizeof(m->worker_x));
	memcpy(m->worker_y, c->worker_y, sizeof(m->worker_y));
	m->dram_banks = c->dram_banks;
	memcpy(m->dram_x, c->dram_x, sizeof(m->dram_x));
	memcpy(m->dram_y, c->dram_y, sizeof(m->dram_y));
	m->dram_base = 0;
	m->dram_bank_size = c->dram_bank_size;
	m->pcie_x = c->pcie_x;
	m->pcie_y = c->pcie_y;
	m->pcie_base_hi = c->pcie_base_hi;
	m->l1_size = cd->fw_base;
	m->wall_mhz = c->wall_mhz;
}

/* Put one core's firmware in place; the core stays in reset. */
static int load_core(struct chip_dev *cd, uint32_t x, uint32_t y, bool cp)
{
	const struct tt_chip *c = cd->chip;
	struct tt_chip_io *io = cd->io;
	static const char *const worker[] = { "brisc", "ncrisc" };
	static const uint32_t worker_off[] = { FW_BRISC_OFF, FW_NCRISC_OFF };
	struct fw_mailbox *mb;
	uint32_t jump[2];
	unsigned i;
	int ret;

	ret = io->ops->write(io, x, y, c->soft_reset, &c->soft_reset_all, 4);
	if (ret)
		return ret;
	mb = calloc(1, FW_REGION / 16);
	if (!mb)
		return tt_error(-ENOMEM, "out of memory");
	fill_map(cd, &mb->map);
	if (cp) {
		struct fw_cp_boot *b = (struct fw_cp_boot *)((uint8_t *)mb + FW_CP_BOOT_OFF);

		b->magic = FW_CP_MAGIC;
		b->regs_lo = (uint32_t)cd->regs_dma.iova;
		b->regs_hi = (uint32_t)(cd->regs_dma.iova >> 32);
		b->nqueues = TTSIM_MAX_QUEUES;
		uint64_t cycles = (uint64_t)cd->watchdog_ms * (cd->io->clocks_per_ms ?
				  cd->io->clocks_per_ms : 1000ull * c->wall_mhz);

		b->watchdog_ms = cd->watchdog_ms;
		b->watchdog_lo = (uint32_t)cycles;
		b->watchdog_hi = (uint32_t)(cycles >> 32);
	}
	ret = io->ops->write(io, x, y, cd->fw_base, mb, FW_REGION / 16);
	free(mb);
	for (i = 0; !ret && i < (cp ? 1u : 2u); i++) {
		const struct tt_embedded_file *f = firmware(c, cp ? "cp" : worker[i]);

		if (!f)
			return tt_error(-ENOENT, "this library carries no %s firmware for %s",
					cp ? "cp" : worker[i], c->name);
		ret = io->ops->write(io, x, y, cd->fw_base + worker_off[i], f->data, f->len);
	}
	if (ret)
		return ret;
	jump_to(cd->fw_base + FW_BRISC_OFF, jump);
	return io->ops->write(io, x, y, 0, jump, sizeof(jump));
}

static int release_core(struct chip_dev *cd, uint32_t x, uint32_t y)
{
	const struct tt_chip *c = cd->chip;
	uint32_t v = c->soft_reset_all & ~c->soft_reset_brisc;

	return cd->io->ops->write(cd->io, x, y, c->soft_reset, &v, 4);
}

/*
 * Every core of the grid and the command processor's: hold, load; then
 * release the command processor and wait until it runs. The workers stay
 * in reset until the command processor starts them for a launch.
 */
static int boot(struct chip_dev *cd)
{
	const struct tt_chip *c = cd->chip;
	struct tt_chip_io *io = cd->io;
	uint32_t x, y, booted[FW_ROLES];
	double t0;
	int ret = 0;

	cd->booting = true;
	for (y = 0; !ret && y < c->grid_y; y++)
		for (x = 0; !ret && x < c->grid_x; x++)
			ret = load_core(cd, c->worker_x[x], c->worker_y[y], false);
	if (!ret)
		ret = load_core(cd, c->cp_x, c->cp_y, true);
	if (!ret)
		ret = release_core(cd, c->cp_x, c->cp_y);
	if (io->ops->kick)
		io->ops->kick(io);
	t0 = now_ms();
	while (!ret) {
		ret = io->ops->read(io, c->cp_x, c->cp_y,
				    cd->fw_base + offsetof(struct fw_mailbox, booted), booted,
				    sizeof(booted));
		if (ret || booted[TT_ROLE_WRITER] == FW_BOOTED)
			break;
		if (now_ms() - t0 > BOOT_TIMEOUT_MS)
			ret = tt_error(-ETIMEDOUT, "%s: the command processor at NoC (%u,%u) did not "
				       "start within %d ms", c->name, c->cp_x, c->cp_y,
				       BOOT_TIMEOUT_MS);
		else
			sleep_us(100);
	}
	cd->booting = false;
	return ret;
}

/* The register page as the library reads it (device.c: read_identity). */
static void init_regs(struct chip_dev *cd, uint32_t reset_count)
{
	const struct tt_chip *c = cd->chip;
	struct ttsim_regs *r = cd->regs_dma.va;

	memset(r, 0, sizeof(*r));
	r->version = TTSIM_VERSION;
	r->arch = c->arch;
	r->nqueues = TTSIM_MAX_QUEUES;
	r->grid_x = c->grid_x;
	r->grid_y = c->grid_y;
	r->l1_size = cd->fw_base;
	r->dram_banks = c->dram_banks;
	r->dram_bank_size = c->dram_bank_size;
	r->reset_count = reset_count;
	r->status = TTSIM_STATUS_READY;
	__atomic_store_n(&r->magic, TTSIM_MAGIC, __ATOMIC_RELEASE);
}

/* ---- the transport ----------------------------------------------------- */
static struct chip_dev *cd_of(struct tt_device *dev)
{
	return dev->priv;
}

static int chip_dma_alloc(struct tt_device *dev, size_t size, struct tt_dma *dma)
{
	struct tt_chip_io *io = cd_of(dev)->io;

	return io->ops->dma_alloc(io, size, dma);
}

static void chip_dma_free(struct tt_device *dev, struct tt_dma *dma)
{
	struct tt_chip_io *io = cd_of(dev)->io;

	io->ops->dma_free(io, dma);
}

static void chip_doorbell(struct tt_device *dev, unsigned vector)
{
	struct tt_chip_io *io = cd_of(dev)->io;

	(void)vector;
	if (io->ops->kick)
		io->ops->kick(io);
}

/* With $TTUSER_CHIP_DEBUG: what the command processor and the core it waits for do. */
static void chip_dump(struct tt_device *dev)
{
	struct chip_dev *cd = cd_of(dev);
	const struct tt_chip *c = cd->chip;
	struct fw_cp_state st;
	struct fw_role roles[FW_ROLES];
	char line[512];
	unsigned r;

	if (cd->io->ops->read(cd->io, c->cp_x, c->cp_y, cd->fw_base + FW_CP_STATE_OFF, &st,
			      sizeof(st)))
		return;
	snprintf(line, sizeof(line), "chip: cp step %u queue %u opcode %u launch %u loops %u, "
		 "waits for core (%u,%u)", st.step, st.queue, st.opcode, st.launches, st.loops,
		 st.x, st.y);
	tt_device_log(dev, line);
	if (st.x >= c->grid_x || st.y >= c->grid_y ||
	    cd->io->ops->read(cd->io, c->worker_x[st.x], c->worker_y[st.y],
			      cd->fw_base + offsetof(struct fw_mailbox, role), roles, sizeof(roles)))
		return;
	for (r = 0; r < FW_ROLES; r++) {
		roles[r].msg[FW_MSG_LEN - 1] = '\0';
		snprintf(line, sizeof(line), "chip:   role %u go %u done %u status %d last call "
			 "%d %s", r, roles[r].go, roles[r].done, roles[r].status,
			 (int)roles[r].last_call, roles[r].msg);
		tt_device_log(dev, line);
	}
}

/* A queue's "interrupt": its completion pointer moved, or it stopped. */
static int chip_wait_irq(struct tt_device *dev, unsigned vector, int timeout_ms)
{
	struct chip_dev *cd = cd_of(dev);
	struct ttsim_queue_regs *q;
	double end = now_ms() + timeout_ms;

	if (vector >= TTSIM_MAX_QUEUES) {
		sleep_us((unsigned)timeout_ms * 1000u);
		return -ETIMEDOUT;
	}
	q = &dev->regs->queue[vector];
	for (;;) {
		uint32_t w = __atomic_load_n(&q->comp_wptr, __ATOMIC_ACQUIRE);

		if (w != cd->seen[vector] || !__atomic_load_n(&q->enable, __ATOMIC_ACQUIRE)) {
			cd->seen[vector] = w;
			return 0;
		}
		if (now_ms() >= end) {
			if (getenv("TTUSER_CHIP_DEBUG"))
				chip_dump(dev);
			return -ETIMEDOUT;
		}
		sleep_us(POLL_US);
	}
}

static bool chip_idle(void *ctx)
{
	struct chip_dev *cd = ctx;
	const struct ttsim_regs *r = cd->regs_dma.va;
	unsigned i;

	if (cd->booting)
		return false;
	for (i = 0; i < TTSIM_MAX_QUEUES; i++)
		if (__atomic_load_n(&r->queue[i].enable, __ATOMIC_ACQUIRE) &&
		    __atomic_load_n(&r->queue[i].issue_rptr, __ATOMIC_ACQUIRE) !=
		    __atomic_load_n(&r->queue[i].issue_wptr, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

/* A reset of the chip's cores: every RISC-V back into reset, the firmware booted again. */
static int chip_reset(struct tt_device *dev)
{
	struct chip_dev *cd = cd_of(dev);
	uint32_t count = dev->regs->reset_count + 1;
	int ret;

	__atomic_store_n(&dev->regs->status, TTSIM_STATUS_RESETTING, __ATOMIC_RELEASE);
	/*
	 * The command processor stops first: left running while the register
	 * page is cleared, it could write back a queue's old pointers.
	 */
	ret = cd->io->ops->write(cd->io, cd->chip->cp_x, cd->chip->cp_y, cd->chip->soft_reset,
				 &cd->chip->soft_reset_all, 4);
	if (ret)
		return ret;
	memset(cd->seen, 0, sizeof(cd->seen));
	init_regs(cd, count);
	dev->regs->status = TTSIM_STATUS_RESETTING;
	ret = boot(cd);
	__atomic_store_n(&dev->regs->status, ret ? TTSIM_STATUS_OFF : TTSIM_STATUS_READY,
			 __ATOMIC_RELEASE);
	return ret;
}

static void chip_close(struct tt_device *dev)
{
	struct chip_dev *cd = cd_of(dev);
	const struct tt_chip *c = cd->chip;
	uint32_t x, y;

	/* Leave the cores in reset: nothing of ours runs on after us. */
	for (y = 0; y < c->grid_y; y++)
		for (x = 0; x < c->grid_x; x++)
			cd->io->ops->write(cd->io, c->worker_x[x], c->worker_y[y], c->soft_reset,
					   &c->soft_reset_all, 4);
	cd->io->ops->write(cd->io, c->cp_x, c->cp_y, c->soft_reset, &c->soft_reset_all, 4);
	cd->io->ops->dma_free(cd->io, &cd->regs_dma);
	cd->io->ops->close(cd->io);
	free(cd);
}

static const struct tt_transport_ops chip_ops = {
	.name = "chip",
	.dma_alloc = chip_dma_alloc,
	.dma_free = chip_dma_free,
	.doorbell = chip_doorbell,
	.wait_irq = chip_wait_irq,
	.reset = chip_reset,
	.close = chip_close,
};

int tt_chip_transport_open(struct tt_device *dev, struct tt_chip_io *io, unsigned watchdog_ms)
{
	struct chip_dev *cd = calloc(1, sizeof(*cd));
	int ret;

	if (!cd) {
		io->ops->close(io);
		return tt_error(-ENOMEM, "out of memory");
	}
	cd->io = io;
	cd->chip = io->chip;
	cd->fw_base = io->chip->l1_size - FW_REGION;
	cd->watchdog_ms = watchdog_ms ? watchdog_ms : WATCHDOG_MS;
	ret = io->ops->dma_alloc(io, TTSIM_REGS_SIZE, &cd->regs_dma);
	if (ret)
		goto fail;
	init_regs(cd, 0);
	io->idle = chip_idle;
	io->idle_ctx = cd;
	ret = boot(cd);
	if (ret) {
		io->ops->dma_free(io, &cd->regs_dma);
		goto fail;
	}
	cd->ops = chip_ops;
	cd->ops.name = io->ops->name;
	dev->ops = &cd->ops;
	dev->priv = cd;
	dev->chip = io->chip;
	dev->regs = cd->regs_dma.va;
	dev->dma_max = io->dma_max;
	/* The command processor holds a trace in its L1. */
	dev->trace_max = FW_CP_IMAGE_MAX(cd->fw_base);
	return 0;

fail:
	io->ops->close(io);
	free(cd);
	return ret;
}
