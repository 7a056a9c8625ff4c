/* SPDX-License-Identifier: MIT */
/*
 * libttuser: programs, buffers and command queues for Tenstorrent devices
 * and for the model device.
 *
 * Every function that can fail returns 0 (or a non-negative value where
 * documented) or a negative errno, and never aborts. tt_last_error() then
 * says what was wrong, in this thread. Handles are opaque.
 */
#ifndef TTUSER_H
#define TTUSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ttuser/tt_core.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tt_device;
struct tt_buffer;
struct tt_program;
struct tt_cq;

/* The message of the last failure in this thread ("" if none yet). */
const char *tt_last_error(void);
/*
 * Set this thread's last-error message and return err (a negative errno):
 * for libraries built on this one, so that their callers read one message.
 */
int tt_error(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- devices -------------------------------------------------------- */
enum tt_arch {
	TT_ARCH_MODEL = 1,
	TT_ARCH_WORMHOLE = 2,
	TT_ARCH_BLACKHOLE = 3,
};

struct tt_device_info {
	enum tt_arch arch;
	uint32_t grid_x, grid_y;	/* worker cores */
	uint32_t l1_size;		/* bytes per core */
	uint32_t l1_free;		/* first L1 address for CBs and buffers */
	uint32_t dram_banks;
	uint64_t dram_bank_size;
	uint32_t nqueues;
	char name[64];			/* "model 8x8", ... */
	char transport[16];		/* "in-process" or "kmod" */
};

/*
 * Open a device. spec is "sim" or "sim:KEY=VALUE,..." for the in-process
 * model (keys: grid=XxY, l1=KiB, dram_banks=N, dram_mib=MiB per bank,
 * threads=N, watchdog_ms=MS), or NULL for $TT_DEVICE, defaulting to "sim".
 * A path such as "/dev/tenstorrent/0", or an index "0", opens the model
 * device behind the tenstorrent kernel module (transport "kmod").
 * "ttsim:wh" or "ttsim:bh" (",watchdog_ms=MS" after it) opens a Wormhole
 * or Blackhole under Tenstorrent's ttsim in this process (transport
 * "ttsim"; $TTSIM_LIB names the library): compute kernels do not run there.
 */
int tt_device_open(const char *spec, struct tt_device **dev);
void tt_device_close(struct tt_device *dev);
int tt_device_info(struct tt_device *dev, struct tt_device_info *info);

/*
 * The devices of the tenstorrent kernel module: fills up to max paths
 * ("/dev/tenstorrent/N", sorted by N) and returns how many there are
 * (0 when the module is not loaded), or -errno. paths may be NULL with max 0.
 */
int tt_device_list(char (*paths)[64], unsigned max);
/* How many devices the kernel module has, or -errno. */
int tt_device_count(void);

/* What the device reports about its health; figures it lacks are negative. */
struct tt_telemetry {
	double asic_temp_c, temp_limit_c;
	double vcore_v;
	double current_a, current_limit_a;
	double power_w, power_limit_w;
	double aiclk_mhz, aiclk_max_mhz;
	uint64_t heartbeat;		/* advances while the firmware runs */
	uint32_t dram_banks_trained;	/* bit b: bank b usable */
	uint32_t fw_version;		/* major << 16 | minor << 8 | patch */
	uint32_t reset_count;
	int error;			/* first device error since reset, -errno; 0 none */
	char error_msg[256];
};

int tt_device_telemetry(struct tt_device *dev, struct tt_telemetry *t);

/*
 * Reset the device: stops whatever runs, fails what is queued with
 * -ECANCELED, clears a device error and L1. Buffers stay allocated.
 */
int tt_device_reset(struct tt_device *dev);

/*
 * Where DPRINT lines and device messages go: each call gets one line,
 * without its newline, tagged "core (x,y) role: ". Default: stderr.
 * Pass NULL to restore the default.
 */
typedef void (*tt_log_fn)(void *ctx, const char *line);
void tt_device_set_log(struct tt_device *dev, tt_log_fn fn, void *ctx);

/* ---- buffers -------------------------------------------------------- */
enum tt_buffer_type {
	TT_BUFFER_DRAM = 0,	/* interleaved over DRAM banks */
	TT_BUFFER_L1 = 1,	/* interleaved over worker cores */
	TT_BUFFER_L1_SHARDED = 2,	/* shards on worker cores: see shard */
};

struct tt_shard_config;	/* below, with core ranges */

struct tt_buffer_config {
	enum tt_buffer_type type;
	uint64_t size;		/* bytes, a multiple of page_size */
	uint32_t page_size;	/* unit of interleaving: page i in bank i % nbanks */
	const struct tt_shard_config *shard;	/* TT_BUFFER_L1_SHARDED only */
};

int tt_buffer_create(struct tt_device *dev, const struct tt_buffer_config *cfg,
		     struct tt_buffer **buf);
void tt_buffer_destroy(struct tt_buffer *buf);
uint32_t tt_buffer_address(const struct tt_buffer *buf);	/* same in every bank */
uint64_t tt_buffer_size(const struct tt_buffer *buf);
uint32_t tt_buffer_page_size(const struct tt_buffer *buf);

/* Where a sharded buffer's pages are, for kernels (tt_shard_page_noc_addr). */
int tt_buffer_shard_spec(const struct tt_buffer *buf, struct tt_shard_spec *spec);

/* ---- tiles and formats ---------------------------------------------- */
/* Bytes of one 32x32 tile in fmt; 0 for a format tiles do not use. */
size_t tt_tile_size(enum tt_format fmt);

/* fp32 -> bf16 rounds to nearest even; NaN stays NaN. */
uint16_t tt_float_to_bf16(float f);
float tt_bf16_to_float(uint16_t b);

/* Bytes tt_tilize writes for a rows x cols matrix (padded to tiles). */
size_t tt_tilized_size(uint32_t rows, uint32_t cols, enum tt_format fmt);

/*
 * Row-major rows x cols matrix (src_fmt Float32 or Float16_b) into tiles
 * in dst_fmt: tiles row by row, each four 16x16 faces (TL, TR, BL, BR),
 * each face row-major. Rows and columns past the matrix are zero.
 * Bfp8_b tiles share an exponent per face row (layout: uapi/tt_bfp8.h).
 */
int tt_tilize(const void *src, enum tt_format src_fmt, uint32_t rows, uint32_t cols,
	      void *dst, enum tt_format dst_fmt);
/* The inverse: tiles in src_fmt into a row-major matrix in dst_fmt. */
int tt_untilize(const void *src, enum tt_format src_fmt, uint32_t rows, uint32_t cols,
		void *dst, enum tt_format dst_fmt);

/* ---- programs ------------------------------------------------------- */
struct tt_core {
	uint32_t x, y;
};

struct tt_core_range {
	struct tt_core start, end;	/* inclusive */
};

#define TT_CORE(cx, cy)		((struct tt_core){ .x = (cx), .y = (cy) })
#define TT_CORES(x0, y0, x1, y1) \
	((struct tt_core_range){ .start = { (x0), (y0) }, .end = { (x1), (y1) } })

/*
 * A sharded L1 buffer: a matrix of rows x cols pages (page id r * cols + c)
 * cut into shards of shard_rows x shard_cols pages, one per core of cores
 * (layouts and orientation as in ttuser/tt_core.h). Height sharding takes
 * shard_cols == cols, width sharding shard_rows == rows. Shards at the
 * bottom or right edge may be partial.
 */
struct tt_shard_config {
	enum tt_shard_layout layout;
	struct tt_core_range cores;
	bool col_major;
	uint32_t rows, cols;
	uint32_t shard_rows, shard_cols;
};

enum tt_math_fidelity {
	TT_LOFI = 0,
	TT_HIFI2 = 2,
	TT_HIFI3 = 3,
	TT_HIFI4 = 4,
};

struct tt_define {
	const char *name;
	const char *value;	/* NULL: defined as 1 */
};

struct tt_kernel_config {
	enum tt_role role;		/* reader, writer or compute */
	const uint32_t *compile_args;	/* get_compile_time_arg_val(i) */
	uint32_t ncompile_args;
	const struct tt_define *defines;
	uint32_t ndefines;
	enum tt_math_fidelity math_fidelity;	/* compute only */
	bool fp32_dest_acc;			/* compute only: DST in fp32, 8 tiles */
};

struct tt_cb_config {
	uint32_t index;			/* 0 .. TT_MAX_CBS - 1 */
	enum tt_format format;
	uint32_t page_size;		/* bytes */
	uint32_t num_pages;
	/*
	 * Optional: an L1 buffer (interleaved or sharded) the CB lives in, at
	 * the buffer's address, instead of the library's CB area; what a
	 * kernel pushes is then the buffer's data. The CB must fit in the
	 * buffer's part of each core's L1, and the buffer outlive the runs.
	 */
	struct tt_buffer *buffer;
};

struct tt_program_stats {
	uint64_t device_cycles;		/* modelled, at the device clock */
	uint64_t instructions;		/* RISC-V instructions retired */
	double host_us;			/* wall time from enqueue to completion */
	double device_us;		/* device_cycles at the model's 1 GHz clock */
	uint32_t cores;			/* cores that ran a kernel */
};

int tt_program_create(struct tt_device *dev, struct tt_program **prog);
void tt_program_destroy(struct tt_program *prog);

/*
 * Add a kernel from a C source file (or a source string) on a range of
 * cores. Compiles it for RV32 (cached by content hash under
 * $XDG_CACHE_HOME/ttuser). Returns the kernel's id (>= 0).
 */
int tt_kernel_create(struct tt_program *prog, const char *path, struct tt_core_range cores,
		     const struct tt_kernel_config *cfg);
int tt_kernel_create_from_string(struct tt_program *prog, const char *source,
				 struct tt_core_range cores, const struct tt_kernel_config *cfg);

/* Runtime args of one kernel on one core (get_arg_val) or on all (get_common_arg_val). */
int tt_runtime_args_set(struct tt_program *prog, int kernel, struct tt_core core,
			const uint32_t *args, uint32_t n);
int tt_common_runtime_args_set(struct tt_program *prog, int kernel, const uint32_t *args,
			       uint32_t n);

/* A circular buffer on every core of the range; placed in L1 by the library. */
int tt_cb_create(struct tt_program *prog, struct tt_core_range cores,
		 const struct tt_cb_config *cfg);

/* Figures of the program's last completed run. */
int tt_program_stats(struct tt_program *prog, struct tt_program_stats *stats);

/* ---- data movement and device time ---------------------------------- */
/*
 * A semaphore on every core of the range, starting at value; returns its
 * id (>= 0) for get_semaphore(id) in kernels: the lowest id free on all
 * those cores. Semaphores a program does not create start at 0.
 */
int tt_semaphore_create(struct tt_program *prog, struct tt_core_range cores, uint32_t value);

/* Device time of one core in the program's last completed run. */
struct tt_core_stats {
	uint64_t device_cycles;		/* when its last kernel ended (0: no kernel) */
	double device_us;
	uint64_t hart_cycles[TT_NUM_ROLES];	/* per role */
	uint64_t instructions;
	uint64_t noc_bytes;		/* moved over the NoC by its kernels */
	uint64_t dram_bytes;		/* of those, to or from DRAM */
};

int tt_program_core_stats(struct tt_program *prog, struct tt_core core,
			  struct tt_core_stats *stats);

/* The op name the program's profile rows carry (default "program"). */
int tt_program_set_name(struct tt_program *prog, const char *name);

/*
 * Append the program's last completed run to the CSV file at path as
 * "op,cores,device_us,host_us" (the header line first if the file is empty).
 */
int tt_program_profile_csv(struct tt_program *prog, const char *path);

/* ---- command queues ------------------------------------------------- */
/* Queue id of dev (0 or 1); NULL if there is no such queue. */
struct tt_cq *tt_device_cq(struct tt_device *dev, unsigned id);

/*
 * Whole-buffer transfers; host data is the buffer's pages in page order,
 * for sharded buffers too. A write copies src before it returns, so src
 * may be reused at once; a non-blocking read fills dst by tt_cq_finish.
 * A read of a sharded buffer must block (-EINVAL otherwise).
 */
int tt_cq_write_buffer(struct tt_cq *cq, struct tt_buffer *buf, const void *src, bool blocking);
int tt_cq_read_buffer(struct tt_cq *cq, struct tt_buffer *buf, void *dst, bool blocking);
int tt_cq_enqueue_program(struct tt_cq *cq, struct tt_program *prog, bool blocking);
int tt_cq_nop(struct tt_cq *cq, bool blocking);

/* Wait for everything enqueued; returns the first error among it. */
int tt_cq_finish(struct tt_cq *cq);

/*
 * The device cycles that the writes and reads completed on cq so far took
 * on the host link, as the device reports them (0 for a NULL cq): what to
 * add to programs' device time for a whole run's time.
 */
uint64_t tt_cq_transfer_cycles(struct tt_cq *cq);

/* ---- queues: events, traces, the two-queue pipeline ------------------ */
/*
 * The two queues of a device run independently on the device: a write on
 * queue 1 goes on while queue 0 runs a program. Order between them comes
 * from events.
 *
 * Events (tt-metal's EnqueueRecordEvent, EnqueueWaitForEvent, EventQuery,
 * EventSynchronize). Recording an event on a queue marks the point after
 * everything enqueued on it so far; recording it again moves the mark.
 * Another queue can wait for the mark on the device: the host does not
 * block, that queue's later commands run after the mark. The host can ask
 * whether it has passed, or wait for it. Completing an event also
 * completes what came before it on its queue: a non-blocking read before
 * the event has filled its destination once the event is done.
 * Errors: -EINVAL for an event never recorded or of another device,
 * -ECANCELED for an event whose recording a device reset cancelled,
 * -EBUSY while the queue captures a trace. Destroying an event that is
 * still queued is safe.
 */
struct tt_event;

int tt_event_create(struct tt_device *dev, struct tt_event **ev);
void tt_event_destroy(struct tt_event *ev);
int tt_cq_enqueue_record_event(struct tt_cq *cq, struct tt_event *ev);
int tt_cq_enqueue_wait_for_event(struct tt_cq *cq, struct tt_event *ev);
/* 1 if the event has passed, 0 if not yet, or -errno. Does not block. */
int tt_event_query(struct tt_event *ev);
/* Wait until the event has passed. */
int tt_event_synchronize(struct tt_event *ev);

/*
 * Traces (BeginTraceCapture, EndTraceCapture, ReplayTrace, ReleaseTrace).
 * While a queue captures, tt_cq_enqueue_program(..., false) and
 * tt_cq_nop(..., false) on it are recorded, not run: a program is recorded
 * as it is at that moment (kernels, args, CBs, buffer addresses). Ending
 * the capture stores the trace in device DRAM; a replay runs all of it
 * with one command, on either queue, and leaves the same results as
 * enqueueing the programs again. Anything else on a capturing queue
 * (reads, writes, blocking enqueues, events, replays, another capture)
 * fails with -EBUSY and runs nothing. Begin returns the trace id (>= 0).
 * Errors: -ENOENT for an id that was never captured or was released,
 * -EINVAL for ending a capture the queue is not doing, -EBUSY for
 * replaying or releasing a trace still being captured, -ECANCELED when a
 * device reset ended the capture (ending it then drops the trace). A
 * stored trace lives in DRAM and survives a reset. Releasing a trace
 * whose replay is queued is safe.
 */
int tt_cq_begin_trace_capture(struct tt_cq *cq);
int tt_cq_end_trace_capture(struct tt_cq *cq, uint32_t trace_id);
int tt_cq_replay_trace(struct tt_cq *cq, uint32_t trace_id, bool blocking);
int tt_release_trace(struct tt_device *dev, uint32_t trace_id);

/*
 * The pipeline of TT-CNN (trace + two command queues, overlapped input):
 * the programs, which read `input` and leave their result in `output`
 * (persistent buffers, best in DRAM), are captured once into traces on
 * queue 0. Each input is then written on queue 1 into `input` while queue
 * 0 replays the traces and reads `output` back, ordered by events: queue 0
 * runs the programs only after the write, and queue 1 writes input i + 1
 * as soon as the first ninput_programs programs (those that read `input`;
 * 0: all) have run on input i, while the rest run. Enqueueing does not
 * wait; tt_pipeline_pop_all waits for
 * everything enqueued and copies the outputs out, in order (each
 * tt_buffer_size(output) bytes), and returns how many, or -ENOSPC (and
 * pops nothing) if max is too small. Inputs are tt_buffer_size(input)
 * bytes and may be reused as soon as enqueue returns. One thread at a
 * time per pipeline; the device's queues are its own while it lives.
 */
struct tt_pipeline;

struct tt_pipeline_config {
	struct tt_program *const *programs;	/* run in this order for each input */
	unsigned nprograms;
	unsigned ninput_programs;		/* the first ones read input; 0: all */
	struct tt_buffer *input;
	struct tt_buffer *output;
};

int tt_pipeline_create(struct tt_device *dev, const struct tt_pipeline_config *cfg,
		       struct tt_pipeline **pl);
int tt_pipeline_enqueue(struct tt_pipeline *pl, const void *const *inputs, unsigned n);
int tt_pipeline_pop_all(struct tt_pipeline *pl, void *const *outputs, unsigned max);
void tt_pipeline_destroy(struct tt_pipeline *pl);

#ifdef __cplusplus
}
#endif

#endif
