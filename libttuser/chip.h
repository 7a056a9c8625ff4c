/* SPDX-License-Identifier: MIT */
/*
 * Wormhole and Blackhole behind the library: what differs between the
 * chips (struct tt_chip, one table per chip in chip_wh.c and chip_bh.c),
 * and the small layer through which the library reaches a chip's NoC and
 * gives it host memory (struct tt_chip_io: in-process ttsim in io_ttsim.c,
 * the kernel module in io_kmod.c). chip.c builds the device on top: it
 * boots the firmware (firmware/) and is the transport of the device, so
 * that command queues, programs and buffers work as on the model.
 */
#ifndef TTUSER_CHIP_H
#define TTUSER_CHIP_H

#include <stdint.h>

#include "internal.h"

#define TT_CHIP_MAX_GRID	16
#define TT_CHIP_MAX_DRAM	16

struct tt_chip {
	const char *name;		/* "Wormhole" */
	const char *key;		/* "wh": device specs, firmware and ttsim file names */
	enum tt_arch arch;
	uint16_t pci_device;		/* 1e52:xxxx */

	/* kernels: how they are built for the chip's RISC-V cores */
	const char *march, *mabi, *define;

	/* the NoC, in NoC 0 coordinates */
	uint32_t noc_w, noc_h;
	uint32_t grid_x, grid_y;	/* the worker cores programs get */
	uint8_t worker_x[TT_CHIP_MAX_GRID], worker_y[TT_CHIP_MAX_GRID];
	uint32_t cp_x, cp_y;		/* the command processor's core */
	uint32_t dram_banks;
	uint8_t dram_x[TT_CHIP_MAX_DRAM], dram_y[TT_CHIP_MAX_DRAM];
	uint32_t dram_bank_size;	/* bytes of each channel the library uses */
	uint32_t pcie_x, pcie_y;
	uint32_t pcie_base_hi;		/* host address a is at PCIe (hi << 32) + a */
	uint32_t l1_size;		/* the whole L1 of a core */
	uint32_t wall_mhz;		/* the cores' wall clock */

	/* a Tensix tile's soft reset register and its bits */
	uint32_t soft_reset;
	uint32_t soft_reset_all, soft_reset_brisc;

	/* the TLB windows of BAR0, as the in-process path programs them */
	uint64_t tlb_window;		/* bytes of window 0 */
	uint64_t tlb_regs;		/* BAR0 offset of window 0's configuration */
	/* window 0's configuration for (x, y):addr; its BAR0 offset is addr % tlb_window */
	void (*tlb_config)(uint32_t x, uint32_t y, uint64_t addr, uint32_t words[3],
			   unsigned *nwords);
};

extern const struct tt_chip tt_chip_wormhole;
extern const struct tt_chip tt_chip_blackhole;

/* The chip named by a device spec's key ("wh", "bh"), or NULL. */
const struct tt_chip *tt_chip_by_key(const char *key);

/* ---- reaching a chip ------------------------------------------------ */
struct tt_chip_io;

struct tt_chip_io_ops {
	const char *name;		/* the device's transport: "ttsim", "kmod" */
	/* bytes at NoC 0 (x, y):addr; 0 or -errno */
	int (*read)(struct tt_chip_io *io, uint32_t x, uint32_t y, uint64_t addr, void *buf,
		    size_t len);
	int (*write)(struct tt_chip_io *io, uint32_t x, uint32_t y, uint64_t addr,
		     const void *buf, size_t len);
	/* host memory the chip reaches at PCIe (pcie_base_hi << 32) + iova */
	int (*dma_alloc)(struct tt_chip_io *io, size_t size, struct tt_dma *dma);
	void (*dma_free)(struct tt_chip_io *io, struct tt_dma *dma);
	/* optional: the host queued work (the in-process chip runs only when asked) */
	void (*kick)(struct tt_chip_io *io);
	void (*close)(struct tt_chip_io *io);
};

struct tt_chip_io {
	const struct tt_chip_io_ops *ops;
	const struct tt_chip *chip;
	size_t dma_max;			/* largest DMA buffer; 0: no limit */
	/* the chip's wall clock per millisecond of host time, for the watchdog */
	uint64_t clocks_per_ms;
	/* set by chip.c: true while the chip has nothing to do (kick wakes it) */
	bool (*idle)(void *ctx);
	void *idle_ctx;
};

/* In-process ttsim: the library of chip->key, from $TTSIM_LIB or the build folder. */
int tt_ttsim_io_open(const struct tt_chip *chip, struct tt_chip_io **io);

/*
 * Boot the firmware on the chip behind io and make dev its device (takes
 * io); a launch longer than watchdog_ms (0: two minutes) is stopped.
 */
int tt_chip_transport_open(struct tt_device *dev, struct tt_chip_io *io, unsigned watchdog_ms);

#endif
