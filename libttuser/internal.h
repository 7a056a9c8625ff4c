/* SPDX-License-Identifier: MIT */
/* Declarations shared by the files of libttuser; not installed. */
#ifndef TTUSER_INTERNAL_H
#define TTUSER_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

#include "ttuser.h"
#include "ttsim.h"

/* ---- address ranges (DRAM and L1 allocators, the DMA pool) --------- */
struct tt_range_alloc {
	uint64_t lo, hi;		/* the managed range [lo, hi) */
	bool top_down;			/* take the highest gap that fits */
	struct { uint64_t addr, size; } *blocks;	/* sorted by addr */
	unsigned n, cap;
};

void tt_range_init(struct tt_range_alloc *a, uint64_t lo, uint64_t hi, bool top_down);
void tt_range_fini(struct tt_range_alloc *a);
/* 0 and *addr, or -ENOMEM. align is a power of two. */
int tt_range_alloc(struct tt_range_alloc *a, uint64_t size, uint64_t align, uint64_t *addr);
void tt_range_free(struct tt_range_alloc *a, uint64_t addr);
/* Lowest allocated address, or hi when nothing is allocated. */
uint64_t tt_range_lowest(const struct tt_range_alloc *a);

/* ---- transports ----------------------------------------------------- */
/* Host memory the device can reach. */
struct tt_dma {
	void *va;
	uint64_t iova;		/* the address the device uses */
	size_t size;
};

struct tt_transport_ops {
	const char *name;
	int (*dma_alloc)(struct tt_device *dev, size_t size, struct tt_dma *dma);
	void (*dma_free)(struct tt_device *dev, struct tt_dma *dma);
	void (*doorbell)(struct tt_device *dev, unsigned vector);
	/* 0 once vector fired, -ETIMEDOUT after timeout_ms, or -errno. */
	int (*wait_irq)(struct tt_device *dev, unsigned vector, int timeout_ms);
	/* Optional: reset the device itself (else: register page + control doorbell). */
	int (*reset)(struct tt_device *dev);
	/* Optional: deliver the device's output lines written so far. */
	void (*drain_log)(struct tt_device *dev);
	void (*close)(struct tt_device *dev);
};

/* Opens the in-process model; opts are the part of the spec after "sim:". */
int tt_sim_transport_open(struct tt_device *dev, const char *opts);
/* Opens the model device behind the tenstorrent module: a path or an index N. */
int tt_kmod_transport_open(struct tt_device *dev, const char *path);

struct tt_chip;

struct tt_device {
	const struct tt_transport_ops *ops;
	void *priv;
	const struct tt_chip *chip;	/* Wormhole or Blackhole; NULL: the model */
	struct ttsim_regs *regs;
	size_t dma_max;			/* largest DMA buffer the transport gives; 0: no limit */
	uint32_t trace_max;		/* largest trace the device runs; 0: DRAM's bound */
	struct tt_device_info info;
	struct tt_cq *cq[TTSIM_MAX_QUEUES];

	pthread_mutex_t lock;		/* the allocators */
	struct tt_range_alloc dram;	/* lock-step over all DRAM banks */
	struct tt_range_alloc l1;	/* lock-step over all cores, top-down */

	pthread_mutex_t log_lock;
	tt_log_fn log_fn;
	void *log_ctx;

	/* queues: the traces captured on this device (trace.c) */
	pthread_mutex_t trace_lock;
	struct tt_trace *traces;
	uint32_t next_trace_id;
};

/* Deliver one device line to the device's log handler. */
void tt_device_log(struct tt_device *dev, const char *line);

/* ---- buffers -------------------------------------------------------- */
struct tt_buffer {
	struct tt_device *dev;
	enum tt_buffer_type type;
	uint64_t size;
	uint32_t page_size;
	uint32_t num_pages;
	uint32_t address;
	struct tt_shard_spec shard;	/* TT_BUFFER_L1_SHARDED */
	uint32_t shard_slots;		/* pages each core holds */
};

/* ---- programs ------------------------------------------------------- */
/* Compile a kernel: 0 and a malloc'd ELF image, or -errno. */
int tt_compile_kernel(struct tt_device *dev, const char *source, size_t len, const char *origin,
		      const struct tt_kernel_config *cfg, uint8_t **elf, size_t *elf_size);

/* The program image for the device, in memory from malloc. */
int tt_program_image(struct tt_program *prog, uint8_t **img, size_t *size);
/* The highest L1 address the program's CBs use on any core. */
uint32_t tt_program_cb_end(const struct tt_program *prog);
/* Reference counting: a queued program stays alive until it completed. */
void tt_program_get(struct tt_program *prog);
void tt_program_put(struct tt_program *prog);
void tt_program_set_stats(struct tt_program *prog, const struct tt_program_stats *stats);

/* ---- command queues ------------------------------------------------- */
int tt_cq_create(struct tt_device *dev, unsigned id, struct tt_cq **cq);
void tt_cq_destroy(struct tt_cq *cq);
/* Fail what is queued with -ECANCELED, program the rings again. */
int tt_cq_restart(struct tt_cq *cq);
void tt_cq_lock(struct tt_cq *cq);
void tt_cq_unlock(struct tt_cq *cq);
/* buffer.c: whole transfers of a sharded buffer, pages in page order. */
int tt_sharded_write(struct tt_cq *cq, struct tt_buffer *buf, const void *src, bool blocking);
int tt_sharded_read(struct tt_cq *cq, struct tt_buffer *buf, void *dst);
/* Release every trace of the device (it is closing). */
void tt_traces_release_all(struct tt_device *dev);

#endif
