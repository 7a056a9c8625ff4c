/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * Host interface of the model device, version 2 (version 2 added waits on
 * events across queues and traces: opcodes 8 to 10).
 *
 * The device shows one register page (struct ttsim_regs) at offset 0 of its
 * memory BAR. Each command queue is an issue ring and a completion ring in
 * host DMA memory. The host writes command records into the issue ring,
 * stores its new write pointer in the queue's issue_wptr and rings the
 * queue's doorbell (vector = queue index). The device executes the records
 * in order, writes exactly one completion per record, advances comp_wptr
 * and raises the queue's interrupt (same vector).
 *
 * Pointers are free-running 32-bit counters: issue pointers count bytes
 * (the ring size is a power of two, a record never wraps: TTSIM_CMD_PAD
 * fills the tail), completion pointers count records.
 *
 * Reset: the host writes TTSIM_RESET_MAGIC to `reset` and rings vector
 * TTSIM_CTRL_VECTOR. The device stops what runs, forgets its queues, clears
 * L1 and the error, bumps reset_count, sets status READY and raises
 * TTSIM_CTRL_VECTOR. Queues must be set up again afterwards.
 *
 * Host addresses in commands are DMA addresses: offsets into the window of
 * host memory the device can reach (in-process: the library's DMA pool;
 * under QEMU: guest physical addresses).
 */
#ifndef TTSIM_UAPI_H
#define TTSIM_UAPI_H

#include <linux/types.h>

#define TTSIM_MAGIC		0x4d535454u	/* "TTSM" */
#define TTSIM_VERSION		2u
#define TTSIM_ARCH_MODEL	1u
#define TTSIM_MAX_QUEUES	2u
#define TTSIM_CTRL_VECTOR	TTSIM_MAX_QUEUES
#define TTSIM_NUM_VECTORS	(TTSIM_MAX_QUEUES + 1)
#define TTSIM_REGS_SIZE		0x1000u
#define TTSIM_RESET_MAGIC	0x52535421u	/* "!TSR" */
#define TTSIM_MSG_LEN		216u

enum ttsim_status {
	TTSIM_STATUS_OFF = 0,
	TTSIM_STATUS_READY = 1,
	TTSIM_STATUS_RESETTING = 2,
};

struct ttsim_queue_regs {
	__u64 issue_base;	/* host: DMA address of the issue ring */
	__u32 issue_size;	/* host: bytes, power of two, >= 4096 */
	__u32 issue_wptr;	/* host: bytes written */
	__u32 issue_rptr;	/* device: bytes consumed */
	__u32 comp_entries;	/* host: completion slots, power of two */
	__u64 comp_base;	/* host: DMA address of the completion ring */
	__u32 comp_wptr;	/* device: completions written */
	__u32 comp_rptr;	/* host: completions consumed */
	__u32 enable;		/* host: 1 once the fields above are set */
	__u32 reserved[5];
};

struct ttsim_telemetry {
	__u32 temp_mc;		/* ASIC temperature, milli-degrees C */
	__u32 temp_limit_mc;
	__u32 vcore_mv;
	__u32 current_ma;
	__u32 current_limit_ma;
	__u32 power_mw;
	__u32 power_limit_mw;
	__u32 aiclk_mhz;
	__u32 aiclk_max_mhz;
	__u32 fw_version;	/* major << 16 | minor << 8 | patch */
	__u32 dram_status;	/* bit b: DRAM bank b trained and usable */
	__u32 reserved[5];
};

struct ttsim_regs {
	__u32 magic;		/* 0x000 TTSIM_MAGIC */
	__u32 version;		/* 0x004 TTSIM_VERSION */
	__u32 arch;		/* 0x008 TTSIM_ARCH_MODEL */
	__u32 nqueues;		/* 0x00c */
	__u32 grid_x;		/* 0x010 */
	__u32 grid_y;		/* 0x014 */
	__u32 l1_size;		/* 0x018 bytes per core */
	__u32 dram_banks;	/* 0x01c */
	__u64 dram_bank_size;	/* 0x020 bytes */
	__u64 dma_size;		/* 0x028 bytes of host memory the device reaches */
	__u32 status;		/* 0x030 enum ttsim_status */
	__s32 error;		/* 0x034 first error since reset, -errno; 0 none */
	__u32 reset;		/* 0x038 host writes TTSIM_RESET_MAGIC */
	__u32 reset_count;	/* 0x03c */
	__u64 heartbeat;	/* 0x040 advances while the device runs */
	__u64 reserved0;	/* 0x048 */
	struct ttsim_telemetry telemetry;	/* 0x050 */
	__u8 pad0[0x100 - 0x50 - sizeof(struct ttsim_telemetry)];
	struct ttsim_queue_regs queue[TTSIM_MAX_QUEUES];	/* 0x100 */
	__u8 pad1[0x200 - 0x100 - TTSIM_MAX_QUEUES * sizeof(struct ttsim_queue_regs)];
	char error_msg[256];	/* 0x200 the message of `error` */
};

/* ---- command records ------------------------------------------------ */
enum ttsim_opcode {
	TTSIM_CMD_NOP = 0,
	TTSIM_CMD_PAD = 1,		/* skip to the end of the ring; no completion */
	TTSIM_CMD_WRITE_LINEAR = 2,	/* host -> device memory */
	TTSIM_CMD_READ_LINEAR = 3,	/* device memory -> host */
	TTSIM_CMD_WRITE_PAGED = 4,	/* host -> interleaved pages */
	TTSIM_CMD_READ_PAGED = 5,	/* interleaved pages -> host */
	TTSIM_CMD_LAUNCH = 6,		/* run a program, wait for it */
	TTSIM_CMD_RECORD_EVENT = 7,
	/* queues: events across queues and traces (opcodes 8 and up) */
	TTSIM_CMD_WAIT_EVENT = 8,	/* stall until another queue recorded an event */
	TTSIM_CMD_EXEC_TRACE = 9,	/* run the records of a trace in device memory */
	TTSIM_CMD_LAUNCH_INLINE = 10,	/* a launch with its image inside; only in a trace */
};

#define TTSIM_CMD_ALIGN 16u

struct ttsim_cmd_hdr {
	__u16 opcode;
	__u16 flags;		/* none defined: must be 0 */
	__u32 size;		/* whole record, multiple of TTSIM_CMD_ALIGN */
	__u64 seq;		/* echoed in the completion */
};

struct ttsim_cmd_linear {
	struct ttsim_cmd_hdr hdr;
	__u64 noc_addr;		/* TT_NOC_ADDR(x, y, addr), unicast */
	__u64 host_addr;
	__u64 len;
	__u64 reserved;
};

enum ttsim_bank_kind {
	TTSIM_BANK_DRAM = 0,	/* page i in DRAM bank i % dram_banks */
	TTSIM_BANK_L1 = 1,	/* page i on core i % (grid_x * grid_y), row-major */
};

/* Page i lives at base + (i / nbanks) * align(page_size, TT_PAGE_ALIGN). */
struct ttsim_cmd_paged {
	struct ttsim_cmd_hdr hdr;
	__u64 host_addr;	/* num_pages * page_size contiguous bytes */
	__u32 bank_kind;
	__u32 base;
	__u32 page_size;
	__u32 start_page;
	__u32 num_pages;
	__u32 reserved;
};

struct ttsim_cmd_launch {
	struct ttsim_cmd_hdr hdr;
	__u64 prog_addr;	/* struct ttsim_prog_hdr and what follows */
	__u32 prog_size;
	__u32 reserved;
};

/*
 * RECORD_EVENT: everything before it on this queue has completed; the
 * queue's event counter becomes `event` once its completion is written
 * (so the host never sees a wait on it pass before the event itself).
 * The host numbers the events of a queue 1, 2, 3, ... (32-bit, wrapping);
 * a reset sets the counter to 0.
 */
struct ttsim_cmd_event {
	struct ttsim_cmd_hdr hdr;
	__u32 event;
	__u32 reserved[3];	/* version 1 had one word: the record was not aligned */
};

/* ---- queues: events across queues and traces ------------------------- */
/*
 * The queues run independently. A launch (LAUNCH, LAUNCH_INLINE) holds the
 * worker cores its program uses (kernels, CBs, semaphores) while it runs:
 * a launch of the other queue on other cores runs at the same time, one
 * that needs some of them waits until they are free.
 */

/*
 * WAIT_EVENT: the queue executes nothing more until queue `queue` has
 * recorded `event` or a later one (serial-number order: the counter minus
 * `event`, as a signed 32-bit number, is >= 0). The other queue goes on
 * meanwhile. Waiting on the own queue for an event it has not recorded is
 * an error (-EDEADLK); a reset ends the wait (-ECANCELED). The completion
 * echoes `event`.
 */
struct ttsim_cmd_wait_event {
	struct ttsim_cmd_hdr hdr;
	__u32 queue;		/* 0 .. TTSIM_MAX_QUEUES - 1 */
	__u32 event;
	__u32 reserved[2];
};

/*
 * EXEC_TRACE: a trace in device memory: `size` bytes stored as interleaved
 * pages (page i at the place WRITE_PAGED puts it). It holds records laid
 * out as in an issue ring (each TTSIM_CMD_ALIGN aligned, no PAD), of the
 * opcodes NOP and LAUNCH_INLINE only. The device reads the trace once,
 * checks every record's header, then executes them in order. One
 * completion covers the whole trace: the sums of cycles and instructions,
 * or the first failure ("trace record N: ..."), after which the rest of
 * the trace is skipped. size 0 is an empty trace.
 */
struct ttsim_cmd_trace {
	struct ttsim_cmd_hdr hdr;
	__u32 bank_kind;	/* enum ttsim_bank_kind */
	__u32 base;
	__u32 page_size;
	__u32 size;		/* bytes, a multiple of TTSIM_CMD_ALIGN */
};

/*
 * LAUNCH_INLINE: as LAUNCH, with the program image (struct ttsim_prog_hdr
 * and what follows) right after this header, inside the record:
 * hdr.size >= sizeof(struct ttsim_cmd_launch_inline) + prog_size. It is
 * valid only inside a trace; in an issue ring it fails with -EINVAL.
 */
struct ttsim_cmd_launch_inline {
	struct ttsim_cmd_hdr hdr;
	__u32 prog_size;
	__u32 reserved[3];
};

struct ttsim_completion {
	__u64 seq;
	__u16 opcode;
	__u16 flags;
	__s32 status;		/* 0 or -errno */
	__u64 cycles;		/* device cycles the command took */
	__u64 instructions;	/* RISC-V instructions it retired */
	__u32 event;
	__u32 reserved;
	char msg[TTSIM_MSG_LEN];	/* why, when status != 0 */
};

/* ---- programs ------------------------------------------------------- */
/*
 * A program image: a header, then tables at the offsets it gives (all
 * offsets from the start of the image, 4-byte aligned), then the kernel
 * ELF images and argument words they point to.
 */
#define TTSIM_PROG_MAGIC	0x47505454u	/* "TTPG" */
#define TTSIM_KERNEL_FP32_DEST	0x1u		/* DST holds fp32 (8 tiles) */

struct ttsim_core_range {
	__u8 x0, y0, x1, y1;	/* inclusive */
};

struct ttsim_prog_hdr {
	__u32 magic;
	__u32 size;
	__u32 nkernels, kernels_off;	/* struct ttsim_prog_kernel[] */
	__u32 ncbs, cbs_off;		/* struct ttsim_prog_cb[] */
	__u32 nargs, args_off;		/* struct ttsim_prog_args[] */
	__u32 nsems, sems_off;		/* struct ttsim_prog_sem[] */
	__u32 stats_size;		/* bytes at stats_addr; 0: no per-core figures */
	__u32 reserved;
	__u64 stats_addr;		/* host DMA address for struct ttsim_core_stats[] */
};

/*
 * Device time: the model's clock, and what a launch reports per core. When
 * a launch ends the device writes one record per core (row-major, cores
 * without a kernel zero) to the program's stats_addr, as many as fit in
 * stats_size, before it posts the completion. A program replayed from a
 * trace writes none (the program that captured it may be gone).
 */
#define TTSIM_CLOCK_MHZ		1000u

struct ttsim_core_stats {
	__u64 cycles;			/* when the core's last kernel ended */
	__u64 hart_cycles[3];		/* per role: reader, writer, compute */
	__u64 instructions;
	__u64 noc_bytes;		/* bytes its kernels moved over the NoC */
	__u64 dram_bytes;		/* of those, to or from DRAM */
	__u64 reserved;
};

struct ttsim_prog_kernel {
	__u8 role;		/* enum tt_role */
	__u8 math_fidelity;	/* 0 LoFi, 2 HiFi2, 3 HiFi3, 4 HiFi4 */
	__u8 flags;		/* TTSIM_KERNEL_* */
	__u8 reserved;
	struct ttsim_core_range range;
	__u32 elf_off, elf_size;
	__u32 common_off, ncommon;	/* common runtime args (words) */
};

struct ttsim_prog_cb {
	struct ttsim_core_range range;
	__u8 index;		/* 0 .. TT_MAX_CBS - 1 */
	__u8 format;		/* enum tt_format */
	__u16 reserved;
	__u32 addr;		/* L1 address, same on every core of the range */
	__u32 page_size;
	__u32 num_pages;
};

struct ttsim_prog_args {
	__u8 kernel;		/* index into the kernel table */
	__u8 x, y;
	__u8 reserved;
	__u32 off, count;	/* runtime args (words) of that kernel on core (x, y) */
};

struct ttsim_prog_sem {
	struct ttsim_core_range range;
	__u32 id;
	__u32 value;
};

/* ---- device output behind ivshmem (ttsim-ivshmem) -------------------- */
/*
 * The device's output lines (DPRINT, warnings) in a ring in its memory
 * BAR, right after the register page, for the host library to read:
 * newline-terminated lines at wptr % size; wptr counts bytes, free
 * running, and moves after the bytes are in place. A reader more than
 * size behind has lost lines. (In-process, lines go to a callback.)
 */
#define TTSIM_LOG_OFFSET	0x1000u
#define TTSIM_LOG_MAGIC		0x474f4c54u	/* "TLOG" */

struct ttsim_log {
	__u32 magic;
	__u32 size;		/* bytes of data[], a power of two */
	__u32 wptr;
	__u32 reserved;
	char data[];
};

#endif
