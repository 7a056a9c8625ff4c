/* SPDX-License-Identifier: MIT */
/*
 * The model device. The host reaches it only through its host interface
 * (uapi/ttsim.h): a register page, command rings in host DMA memory,
 * doorbells and interrupts. The same device runs inside a process
 * (libttuser's in-process transport) and behind QEMU (ttsim-ivshmem).
 */
#ifndef SIM_SIM_H
#define SIM_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "ttsim.h"

struct sim_config {
	uint32_t grid_x, grid_y;	/* worker cores */
	uint32_t l1_size;		/* bytes per core */
	uint32_t dram_banks;
	uint64_t dram_bank_size;	/* bytes per bank, backed lazily */
	unsigned threads;		/* host threads that run the harts */
	unsigned watchdog_ms;		/* a program running longer fails; 0: never */
	unsigned reset_ms;		/* a reset takes at least this long (a slow chip) */
};

/* Fill cfg with the defaults (8x8 grid, 1464 KiB L1, 12 x 1 GiB DRAM). */
void sim_config_default(struct sim_config *cfg);

/*
 * Apply "key=value,..." options (grid=XxY, l1=KiB, dram_banks=N,
 * dram_mib=MiB, threads=N, watchdog_ms=MS, reset_ms=MS) to cfg and check
 * the result.
 * Returns 0, or -EINVAL with a message in err.
 */
int sim_config_parse(struct sim_config *cfg, const char *opts, char *err, size_t errlen);

/* How the device reaches its host. */
struct sim_host {
	struct ttsim_regs *regs;	/* the register page, TTSIM_REGS_SIZE bytes */
	uint8_t *dma;			/* host memory the device can reach ... */
	uint64_t dma_size;		/* ... at DMA addresses [0, dma_size) */
	int doorbell_fd[TTSIM_NUM_VECTORS];	/* eventfds the device waits on */
	int irq_fd[TTSIM_NUM_VECTORS];		/* eventfds the device signals */
	/* One line of device output (DPRINT, warnings), without newline. */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
};

struct sim_device;

/* Create and start the device; it owns no host resource it was given. */
int sim_create(const struct sim_config *cfg, const struct sim_host *host,
	       struct sim_device **dev, char *err, size_t errlen);
/* Stop the device's threads and free it. */
void sim_destroy(struct sim_device *dev);

#endif
