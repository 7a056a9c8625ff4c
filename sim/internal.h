/* SPDX-License-Identifier: MIT */
/* The model device's insides, shared by the files of sim/. */
#ifndef SIM_INTERNAL_H
#define SIM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "riscv.h"
#include "sim.h"
#include "tt_core.h"

#define SIM_MSG_LEN TTSIM_MSG_LEN

/* A circular buffer as the core sees it. Page counters run freely. */
struct sim_cb {
	bool configured;
	uint8_t format;
	uint32_t addr, size, page_size, num_pages;
	uint32_t received, acked;	/* pages pushed / popped, ever */
	uint32_t wr_ptr, rd_ptr;	/* L1 addresses */
	uint32_t reserved;		/* pages the producer reserved, not pushed */
	uint32_t waited;		/* pages the consumer waited for, not popped */
	/* device time each page was last pushed / popped (num_pages each) */
	uint64_t *push_clock, *pop_clock;
};

enum sim_hart_state {
	HART_IDLE = 0,		/* no kernel in this launch */
	HART_RUNNING,
	HART_DONE,
};

struct sim_core;

/* DRAM banks whose traffic is counted for the bandwidth bound. */
#define SIM_DRAM_STAT_BANKS	32u

struct sim_hart {
	struct rv_hart rv;
	struct sim_core *core;
	enum tt_role role;
	enum sim_hart_state state;
	uint64_t clock;			/* device cycles */
	uint32_t arg[TT_MMIO_NARGS];	/* MMIO argument registers */
	uint32_t result;		/* MMIO result register */
	/* what a blocked hart waits for: a format of %u/%x conversions and their values */
	const char *wait_fmt;
	uint32_t wait_arg[4];
	/* data movement: this hart's NoC port (see noc.c for the costs) */
	uint64_t noc_free;		/* device time the port is free again */
	uint64_t read_done, write_done;	/* when the last issued read / write lands */
	uint64_t noc_bytes, dram_bytes;	/* moved in this launch */
	/* per DRAM bank; its own, not shared, so that the threads do not contend */
	uint64_t dram_bank_bytes[SIM_DRAM_STAT_BANKS];
	char line[256];			/* DPRINT text up to the next newline */
	unsigned line_len;
};

enum sim_dst_state {
	DST_FREE = 0,		/* nobody holds DST */
	DST_MATH,		/* acquired: math may write */
	DST_COMMITTED,		/* math done, packer not yet waited */
	DST_PACK,		/* packer may read */
};

struct sim_core {
	struct sim_device *dev;
	uint32_t x, y;
	uint8_t *l1;
	bool held;			/* by a launch that runs (exec_lock) */
	struct sim_run *run;		/* the launch that holds it */
	bool active;			/* has a kernel in the launch that holds it */
	struct sim_hart hart[TT_NUM_ROLES];
	struct sim_cb cb[TT_MAX_CBS];
	/* tile engine */
	enum sim_dst_state dst_state;
	bool dst_fp32;			/* DST holds fp32 (else bf16) */
	uint32_t dst_tiles;		/* 16, or 8 in fp32 mode */
	uint8_t math_fidelity;
	float *dst;			/* 16 tiles of TT_TILE_HW values */
	uint32_t dst_dirty;		/* tiles math touched since the last acquire */
	uint32_t dst_zero;		/* tiles that hold zeros but are not yet cleared */
	char fault[SIM_MSG_LEN];	/* first fault on this core in this launch */
	/* device time of the last NoC write into each semaphore (atomic max) */
	uint64_t sem_clock[TT_MAX_SEMS];
};

/* A decoded kernel text, kept across launches (keyed by its bytes). */
struct sim_code_entry {
	uint64_t hash;
	uint32_t base, len;
	uint8_t *bytes;
	struct rv_code code;
	uint64_t last_use;
	unsigned users;			/* kernels of launches being set up or running */
};

#define SIM_CODE_CACHE 64

/*
 * One launch as the harts' threads see it, and the pool of host threads
 * that runs its harts. There is one per queue, so that programs of the two
 * queues run at the same time (on different cores).
 */
struct sim_run {
	struct sim_device *dev;
	bool in_use;			/* a launch has it (exec_lock) */
	pthread_mutex_t run_lock;
	pthread_cond_t run_cond;	/* workers wait for a launch or progress */
	pthread_cond_t done_cond;	/* the launcher waits for the workers */
	unsigned nworkers;
	pthread_t *workers;
	bool workers_exit;

	uint64_t generation;		/* bumped to start the workers */
	unsigned nthreads;		/* workers taking part */
	unsigned active;		/* workers still with harts to run */
	unsigned idle;			/* workers waiting for progress elsewhere */
	uint64_t idle_gen;		/* bumped when progress empties `idle` */
	unsigned finished;		/* workers that returned */
	atomic_uint_fast64_t epoch;	/* bumped whenever a hart makes progress */
	atomic_int stop;		/* a fault, a deadlock, the watchdog or reset */
	bool deadlock;
	uint64_t deadline_ns;		/* 0: no watchdog */
	struct sim_core **cores;	/* the active cores */
	unsigned ncores;
	char msg[SIM_MSG_LEN];		/* why it stopped */
};

struct sim_queue {
	struct sim_device *dev;
	unsigned index;
	pthread_t thread;
	uint32_t last_event;		/* recorded; read by the other queue (atomics) */
};

struct sim_device {
	struct sim_config cfg;
	struct sim_host host;
	struct ttsim_regs *regs;
	unsigned ncores;
	struct sim_core *cores;		/* row-major */
	uint8_t *l1;			/* all cores' L1, one mapping */
	uint8_t *dram;			/* all banks, one lazily backed mapping */
	int stop_fd;			/* eventfd: threads exit */

	struct sim_queue queue[TTSIM_MAX_QUEUES];
	pthread_t ctrl_thread;

	/* queue threads vs. reset */
	pthread_mutex_t state_lock;
	pthread_cond_t state_cond;
	unsigned busy;			/* queue threads inside a command */
	bool resetting;
	uint32_t reset_count;		/* resets done: the register's value */
	atomic_int abort;		/* reset asked running work to stop */

	/* launches: each holds the cores it uses while it runs */
	pthread_mutex_t exec_lock;	/* code cache, held cores, runs in use */
	pthread_cond_t cores_cond;	/* cores were given back */
	struct sim_code_entry code_cache[SIM_CODE_CACHE];
	uint64_t code_clock;
	struct sim_run run[TTSIM_MAX_QUEUES];

	pthread_mutex_t log_lock;

	/* queues: a queue waiting for another queue's event */
	pthread_mutex_t event_lock;
	pthread_cond_t event_cond;	/* some queue recorded an event */
};

/* device.c */
void sim_log(struct sim_device *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sim_set_error(struct sim_device *d, int err, const char *msg);
uint64_t sim_now_ns(void);

/* noc.c: NoC endpoints and transfers */
/* Memory behind a unicast NoC address range, or NULL with a reason in err. */
uint8_t *sim_noc_ptr(struct sim_device *d, uint64_t noc_addr, uint64_t len,
		     char *err, size_t errlen);
/* Bytes of host memory at a DMA address range, or NULL with a reason. */
uint8_t *sim_dma_ptr(struct sim_device *d, uint64_t addr, uint64_t len,
		     char *err, size_t errlen);
/* Device cycles of moving len bytes over the NoC, latency included. */
uint64_t sim_noc_cycles(uint64_t len);
/*
 * Charge a transfer of len bytes between this hart's core and the endpoint
 * of noc_addr (a DRAM bank or a worker) to the hart's NoC port; returns
 * the device time it lands.
 */
uint64_t sim_noc_transfer(struct sim_hart *ht, uint64_t noc_addr, uint64_t len);
/* A launch's lower bound from DRAM bandwidth: the busiest bank's cycles (its harts' sum). */
uint64_t sim_dram_bound_cycles(struct sim_run *run);
/* Raise *clock to at least t (atomic, for clocks other threads read). */
void sim_clock_raise(uint64_t *clock, uint64_t t);
/* Where interleaved page `page` lives, or NULL with a reason. */
uint8_t *sim_page_ptr(struct sim_device *d, uint32_t bank_kind, uint32_t base,
		      uint32_t page_size, uint32_t page, char *err, size_t errlen);

/* core.c: what kernels call through MMIO */
enum rv_mmio sim_core_mmio_load(struct rv_hart *h, uint32_t addr, int size, uint32_t *val);
enum rv_mmio sim_core_mmio_store(struct rv_hart *h, uint32_t addr, int size, uint32_t val);
void sim_core_fault(struct sim_hart *ht, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *sim_role_name(enum tt_role role);

/* tile.c: the tile engine */
enum rv_mmio sim_tile_call(struct sim_hart *ht, uint32_t call, const uint32_t *arg,
			   uint32_t *result);

/* launch.c */
int sim_launch(struct sim_device *d, uint64_t prog_addr, uint32_t prog_size,
	       struct ttsim_completion *c);
/* The same, for an image the device already holds (a trace). */
int sim_launch_image(struct sim_device *d, const uint8_t *img, uint32_t prog_size,
		     struct ttsim_completion *c);
int sim_workers_start(struct sim_device *d);
void sim_workers_stop(struct sim_device *d);
void sim_code_cache_clear(struct sim_device *d);

/* cp.c: the command processor */
void *sim_queue_thread(void *arg);

#endif
