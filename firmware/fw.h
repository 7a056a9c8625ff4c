/* SPDX-License-Identifier: MIT */
/*
 * The firmware of a Wormhole or Blackhole Tensix tile, as the host library
 * and the firmware both see it: where it lives in L1, the mailbox through
 * which the command processor launches kernels, and what the host tells
 * the firmware at boot. Plain C types: compiled for RV32 and for the host.
 *
 * Each chip keeps the top FW_REGION bytes of every core's L1 for the
 * firmware; the library reports l1_size = FW_BASE, so nothing else is
 * placed there. Below FW_BASE the layout is the model's (uapi/tt_core.h):
 * core info, semaphores, runtime args, the kernels of the three roles,
 * then CBs and L1 buffers.
 *
 *   FW_BASE + 0x0000  struct fw_mailbox
 *   FW_BASE + 0x1000  worker firmware of BRISC (the writer role)
 *   FW_BASE + 0x6000  worker firmware of NCRISC (the reader role)
 *   FW_BASE + 0xB000  .. end: free
 *
 * On the command processor's core the command processor's image sits at
 * FW_BASE + 0x1000 instead, and everything below FW_BASE is its scratch.
 */
#ifndef TTSTACK_FW_H
#define TTSTACK_FW_H

#include <stdint.h>

#define FW_REGION		0x10000u
#define FW_MAILBOX_OFF		0x0000u
#define FW_BRISC_OFF		0x1000u
#define FW_NCRISC_OFF		0x6000u
#define FW_IMAGE_MAX		0x5000u
#define FW_CP_OFF		0x1000u
#define FW_CP_MAX		0xF000u

#define FW_MAX_GRID		16u	/* logical columns or rows */
#define FW_MAX_DRAM		16u
#define FW_MSG_LEN		176u

/* Core-local data RAM of each RISC-V: the kernel call block, then the stack. */
#define FW_LOCAL_BASE		0xFFB00000u
#define FW_CALL_ENTRY		(FW_LOCAL_BASE + 0x28u)	/* the firmware's call handler */
#define FW_LOCAL_STACK_TOP	(FW_LOCAL_BASE + 0x800u)

/*
 * Where logical coordinates are on the NoC (NoC 0 coordinates; NoC 1's are
 * (noc_w - 1 - x, noc_h - 1 - y)). Written by the host into every core at
 * boot.
 */
struct fw_map {
	uint32_t magic;			/* FW_MAP_MAGIC once written */
	uint32_t grid_x, grid_y;	/* worker grid (logical) */
	uint32_t noc_w, noc_h;		/* NoC size */
	uint8_t worker_x[FW_MAX_GRID];	/* logical column -> NoC x */
	uint8_t worker_y[FW_MAX_GRID];	/* logical row -> NoC y */
	uint32_t dram_banks;
	uint8_t dram_x[FW_MAX_DRAM], dram_y[FW_MAX_DRAM];
	uint32_t dram_base;		/* bank-local address of byte 0 of a bank */
	uint32_t dram_bank_size;
	uint32_t pcie_x, pcie_y;
	uint32_t pcie_base_hi;		/* host DMA address a -> PCIe tile's (hi << 32) + a */
	uint32_t l1_size;		/* what the host library may use: FW_BASE */
	uint32_t wall_mhz;		/* the wall clock's rate */
	uint32_t reserved[7];
};

#define FW_MAP_MAGIC		0x50414d46u	/* "FMAP" */

/* One circular buffer of a core; num_pages 0: not configured. */
struct fw_cb {
	uint32_t addr, size, page_size, num_pages;
};

/* The counters of a CB, each written by one side only, 16 bytes apart. */
struct fw_cb_sync {
	uint32_t pushed;		/* pages the producer pushed */
	uint32_t pad0[3];
	uint32_t popped;		/* pages the consumer popped */
	uint32_t pad1[3];
};

#define FW_ROLES		3u	/* reader, writer, compute (enum tt_role) */

/* Per role of a core: one launch. */
struct fw_role {
	uint32_t go;			/* CP: the launch's sequence number; last written */
	uint32_t done;			/* core: go's value once the kernel ended */
	int32_t status;			/* core: 0 or -errno */
	uint32_t t_start, t_end;	/* core: wall clock, low 32 bits */
	uint32_t noc_bytes, dram_bytes;	/* core: what the kernel moved */
	uint32_t last_call;		/* core: the call it is in or made last, for a look */
	char msg[FW_MSG_LEN];		/* core: why, when status != 0 */
};

struct fw_mailbox {
	struct fw_map map;
	uint32_t booted[FW_ROLES];	/* firmware: FW_BOOTED once it waits for launches */
	uint32_t reserved;
	struct fw_role role[FW_ROLES];
	struct fw_cb cb[32];
	struct fw_cb_sync sync[32];
};

#define FW_BOOTED		0x544f4f42u	/* "BOOT" */

/*
 * The command processor's start-up parameters, in its core's mailbox
 * (after the map; the CP's core runs no kernels).
 */
struct fw_cp_boot {
	uint32_t magic;			/* FW_CP_MAGIC */
	uint32_t regs_lo, regs_hi;	/* host DMA address of struct ttsim_regs */
	uint32_t nqueues;
	uint32_t watchdog_ms;		/* a launch longer than this fails */
	uint32_t watchdog_lo, watchdog_hi;	/* the same in wall clock cycles */
	uint32_t reserved;
};

#define FW_CP_MAGIC		0x42504346u	/* "FCPB" */

/* What the command processor is doing, for a look from the host when it seems stuck. */
struct fw_cp_state {
	uint32_t step;			/* enum fw_cp_step */
	uint32_t queue, opcode;
	uint32_t launches;
	uint32_t x, y;			/* the core it waits for */
	uint32_t loops;
	uint32_t reserved;
};

enum fw_cp_step {
	FW_CP_IDLE = 1,
	FW_CP_EXECUTE = 2,
	FW_CP_SETUP = 3,
	FW_CP_WAIT_CORES = 4,
	FW_CP_COMPLETE = 5,
	FW_CP_WAIT_ROOM = 6,
};

#define FW_CP_STATE_OFF		0x0D00u		/* from FW_BASE, on the CP's core */

/*
 * The command processor's copy of a program image or a trace, one per
 * queue, in its core's L1 below FW_BASE: the largest it takes.
 */
#define FW_CP_IMAGE_BASE	0x40000u
#define FW_CP_IMAGE_ROOM(fw_base) (((fw_base) - FW_CP_IMAGE_BASE) / 2u & ~0xFFFu)
#define FW_CP_IMAGE_MAX(fw_base) (FW_CP_IMAGE_ROOM(fw_base) - 64u)
#define FW_CP_BOOT_OFF		0x0C00u		/* from FW_BASE, on the CP's core */

#endif
