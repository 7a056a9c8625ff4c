/* SPDX-License-Identifier: MIT */
/*
 * Inside a command queue: what cq.c, event.c and trace.c share. Functions
 * marked "(lock held)" expect the caller to hold the queue's lock.
 */
#ifndef TTUSER_CQ_H
#define TTUSER_CQ_H

#include "internal.h"

#define TT_CQ_COMP_ENTRIES	256u

struct tt_trace;

/* A command in flight, and what to do when its completion arrives. */
struct tt_cq_pending {
	uint64_t seq;
	uint64_t staging_end;		/* staging may be reused up to here when done */
	void *copy_to;			/* a read: copy from staging ... */
	uint64_t copy_from;		/* ... at this staging offset ... */
	size_t copy_len;		/* ... this many bytes */
	struct tt_program *prog;	/* a launch: its stats go here */
	struct tt_event *event;		/* a recorded event: mark it done */
	struct tt_trace *trace;		/* a replay: the trace stays until it ran */
	bool transfer;			/* a write or read: its cycles count as the link's */
	uint64_t t_start;
	int *status;			/* a blocking caller's result */
};

struct tt_cq {
	struct tt_device *dev;
	unsigned id;
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* completions were reaped */
	bool irq_waiter;		/* one thread waits for the interrupt */

	struct tt_dma issue, comp, staging;
	uint32_t issue_wptr;
	uint32_t comp_rptr;
	uint64_t staging_head, staging_tail;	/* free-running offsets */
	uint64_t staging_size;		/* STAGING_SIZE, or less if the transport must */
	uint32_t chunk_max;		/* bytes of data per command */
	uint64_t next_seq, done_seq;

	struct tt_cq_pending fifo[TT_CQ_COMP_ENTRIES];
	unsigned fifo_head, fifo_count;

	uint64_t transfer_cycles;	/* of the writes and reads completed */

	int error;			/* first error of a non-blocking command */
	char error_msg[TTSIM_MSG_LEN + 64];

	/* events: the device counts this queue's events 1, 2, ... from a reset */
	uint32_t next_event;
	uint64_t epoch;			/* resets of the device seen by this queue */

	/* trace capture: enqueued programs go into this trace, not to the device */
	struct tt_trace *capturing;
	uint32_t capture_id;
};

/* Queue a record and ring the doorbell; *seq is its number. (lock held) */
int tt_cq_submit(struct tt_cq *cq, void *rec, uint32_t size, const struct tt_cq_pending *p,
		 uint64_t *seq);
/* Wait until command seq completed. (lock held) */
int tt_cq_wait_done(struct tt_cq *cq, uint64_t seq);
/* Take the completions the device has written, without waiting. (lock held) */
void tt_cq_poll(struct tt_cq *cq);
/* -EBUSY and a message if the queue is capturing a trace. (lock held) */
int tt_cq_not_capturing(struct tt_cq *cq, const char *what);

/* event.c: a recorded event's command completed with status. (queue lock held) */
void tt_event_completed(struct tt_event *ev, struct tt_cq *cq, uint64_t seq, int status);
void tt_event_put(struct tt_event *ev);

/* trace.c */
/* Add a program image to the trace being captured. */
int tt_trace_append_program(struct tt_trace *t, const uint8_t *img, size_t size);
/* Add a nop to the trace being captured. */
int tt_trace_append_nop(struct tt_trace *t);
/* A reset ended the capture: the trace can only be ended (and is then dropped). */
void tt_trace_capture_cancelled(struct tt_trace *t);
void tt_trace_put(struct tt_trace *t);

#endif
