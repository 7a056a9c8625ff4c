// SPDX-License-Identifier: MIT
/*
 * Command queues. Each queue owns an issue ring, a completion ring and a
 * staging area in DMA memory. Data for writes is copied into staging
 * before the command is queued; data of reads lands in staging and is
 * copied out when the completion arrives. Completions come back in order,
 * so what is in flight is a FIFO.
 *
 * A queue is safe to use from several threads. Errors of blocking calls
 * are returned by them; errors of non-blocking ones by tt_cq_finish.
 * While the queue captures a trace (trace.c), program enqueues and nops go
 * into the trace and everything else is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cq.h"

#define ISSUE_SIZE	(64u << 10)
#define COMP_ENTRIES	TT_CQ_COMP_ENTRIES
#define STAGING_SIZE	(32u << 20)
#define CHUNK_MAX	(4u << 20)	/* bytes of data per command */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct ttsim_queue_regs *qregs(struct tt_cq *cq)
{
	return &cq->dev->regs->queue[cq->id];
}

void tt_cq_lock(struct tt_cq *cq)
{
	pthread_mutex_lock(&cq->lock);
}

void tt_cq_unlock(struct tt_cq *cq)
{
	pthread_mutex_unlock(&cq->lock);
}

/* Tell the device where the rings are. */
static void program_rings(struct tt_cq *cq)
{
	struct ttsim_queue_regs *q = qregs(cq);

	cq->issue_wptr = 0;
	cq->comp_rptr = 0;
	q->issue_base = cq->issue.iova;
	q->issue_size = ISSUE_SIZE;
	q->comp_base = cq->comp.iova;
	q->comp_entries = COMP_ENTRIES;
	q->issue_wptr = 0;
	q->comp_rptr = 0;
	__atomic_store_n(&q->enable, 1, __ATOMIC_RELEASE);
}

int tt_cq_create(struct tt_device *dev, unsigned id, struct tt_cq **out)
{
	struct tt_cq *cq = calloc(1, sizeof(*cq));
	int ret;

	if (!cq)
		return tt_error(-ENOMEM, "out of memory");
	cq->dev = dev;
	cq->id = id;
	cq->next_seq = 1;
	cq->next_event = 1;
	pthread_mutex_init(&cq->lock, NULL);
	pthread_cond_init(&cq->cond, NULL);
	ret = dev->ops->dma_alloc(dev, ISSUE_SIZE, &cq->issue);
	if (!ret)
		ret = dev->ops->dma_alloc(dev, COMP_ENTRIES * sizeof(struct ttsim_completion),
					  &cq->comp);
	/* Some transports (the kernel module) give smaller contiguous DMA buffers. */
	cq->staging_size = dev->dma_max && dev->dma_max < STAGING_SIZE ? dev->dma_max : STAGING_SIZE;
	cq->chunk_max = cq->staging_size / 4 < CHUNK_MAX ? (uint32_t)(cq->staging_size / 4) : CHUNK_MAX;
	if (!ret)
		ret = dev->ops->dma_alloc(dev, cq->staging_size, &cq->staging);
	if (ret) {
		dev->ops->dma_free(dev, &cq->issue);
		dev->ops->dma_free(dev, &cq->comp);
		free(cq);
		return ret;
	}
	program_rings(cq);
	*out = cq;
	return 0;
}

struct tt_cq *tt_device_cq(struct tt_device *dev, unsigned id)
{
	if (!dev) {
		tt_error(-EINVAL, "tt_device_cq: NULL device");
		return NULL;
	}
	if (id >= dev->info.nqueues) {
		tt_error(-EINVAL, "the device has %u command queues, not %u", dev->info.nqueues,
			 id + 1);
		return NULL;
	}
	return dev->cq[id];
}

/* Handle one completion (lock held). */
static void complete(struct tt_cq *cq, const struct ttsim_completion *c)
{
	struct tt_cq_pending *p = &cq->fifo[cq->fifo_head];

	if (c->seq != p->seq) {
		c = NULL;	/* the device lost track: fail this command */
	}
	if (c && !c->status && p->transfer)
		cq->transfer_cycles += c->cycles;
	if (c && !c->status && p->copy_to)
		memcpy(p->copy_to, (uint8_t *)cq->staging.va + p->copy_from % cq->staging_size,
		       p->copy_len);
	if (p->prog) {
		if (c && !c->status) {
			struct tt_program_stats s = {
				.device_cycles = c->cycles,
				.instructions = c->instructions,
				.host_us = (double)(now_ns() - p->t_start) / 1000.0,
			};

			tt_program_set_stats(p->prog, &s);
		}
		tt_program_put(p->prog);
	}
	if (p->event) {
		tt_event_completed(p->event, cq, p->seq, c ? c->status : -EPROTO);
		tt_event_put(p->event);
	}
	if (p->trace)
		tt_trace_put(p->trace);
	if (!c || c->status) {
		int err = c ? c->status : -EPROTO;

		if (p->status) {
			*p->status = err;
		} else if (!cq->error) {
			cq->error = err;
		}
		if (!cq->error_msg[0] || p->status)
			snprintf(cq->error_msg, sizeof(cq->error_msg), "%s",
				 c ? c->msg : "completion out of order");
	} else if (p->status) {
		*p->status = 0;
	}
	cq->staging_tail = p->staging_end;
	cq->done_seq = p->seq;
	cq->fifo_head = (cq->fifo_head + 1) % COMP_ENTRIES;
	cq->fifo_count--;
}

/* Take every completion the device has written (lock held). */
static void reap(struct tt_cq *cq)
{
	struct ttsim_queue_regs *q = qregs(cq);
	uint32_t wptr = __atomic_load_n(&q->comp_wptr, __ATOMIC_ACQUIRE);
	const struct ttsim_completion *ring = cq->comp.va;
	bool any = false;

	/* What the device printed comes before the completions that follow it. */
	if (cq->comp_rptr != wptr && cq->fifo_count && cq->dev->ops->drain_log)
		cq->dev->ops->drain_log(cq->dev);
	while (cq->comp_rptr != wptr && cq->fifo_count) {
		struct ttsim_completion c;

		memcpy(&c, &ring[cq->comp_rptr % COMP_ENTRIES], sizeof(c));
		c.msg[sizeof(c.msg) - 1] = '\0';
		complete(cq, &c);
		cq->comp_rptr++;
		any = true;
	}
	if (any) {
		__atomic_store_n(&q->comp_rptr, cq->comp_rptr, __ATOMIC_RELEASE);
		pthread_cond_broadcast(&cq->cond);
	}
}

/* Is the device still serving this queue? (lock held) */
static int device_alive(struct tt_cq *cq)
{
	struct ttsim_regs *r = cq->dev->regs;

	if (__atomic_load_n(&r->status, __ATOMIC_ACQUIRE) == TTSIM_STATUS_OFF)
		return tt_error(-ENODEV, "the device is off");
	if (!__atomic_load_n(&qregs(cq)->enable, __ATOMIC_ACQUIRE))
		return tt_error(-EIO, "the device stopped queue %u: %s", cq->id, r->error_msg);
	return 0;
}

/* Wait until cond(cq) holds, reaping completions (lock held). */
static int wait_until(struct tt_cq *cq, bool (*cond)(struct tt_cq *, uint64_t), uint64_t arg)
{
	int ret = 0;

	for (;;) {
		reap(cq);
		if (cond(cq, arg))
			return 0;
		ret = device_alive(cq);
		if (ret)
			return ret;
		if (cq->irq_waiter) {
			pthread_cond_wait(&cq->cond, &cq->lock);
			continue;
		}
		cq->irq_waiter = true;
		pthread_mutex_unlock(&cq->lock);
		ret = cq->dev->ops->wait_irq(cq->dev, cq->id, 100);
		pthread_mutex_lock(&cq->lock);
		cq->irq_waiter = false;
		pthread_cond_broadcast(&cq->cond);
		if (ret && ret != -ETIMEDOUT)
			return tt_error(ret, "waiting for queue %u: %s", cq->id, strerror(-ret));
	}
}

static bool seq_done(struct tt_cq *cq, uint64_t seq)
{
	return cq->done_seq >= seq;
}

static bool fifo_room(struct tt_cq *cq, uint64_t unused)
{
	(void)unused;
	return cq->fifo_count < COMP_ENTRIES;
}

static bool staging_room(struct tt_cq *cq, uint64_t want)
{
	return cq->staging_size - (cq->staging_head - cq->staging_tail) >= want;
}

static bool issue_room(struct tt_cq *cq, uint64_t want)
{
	return ISSUE_SIZE - (cq->issue_wptr - __atomic_load_n(&qregs(cq)->issue_rptr,
							      __ATOMIC_ACQUIRE)) >= want;
}

/*
 * Room for len contiguous staging bytes; returns the offset. Skips the
 * tail of the area when the bytes would wrap. (lock held)
 */
static int staging_get(struct tt_cq *cq, size_t len, uint64_t *off)
{
	uint64_t pos = cq->staging_head % cq->staging_size;
	uint64_t skip = pos + len > cq->staging_size ? cq->staging_size - pos : 0;
	int ret;

	if (len > cq->staging_size / 2)
		return tt_error(-E2BIG, "transfer of %zu bytes in one command", len);
	ret = wait_until(cq, staging_room, skip + len);
	if (ret)
		return ret;
	cq->staging_head += skip;
	*off = cq->staging_head;
	cq->staging_head += len;
	return 0;
}

void tt_cq_poll(struct tt_cq *cq)
{
	reap(cq);
}

int tt_cq_wait_done(struct tt_cq *cq, uint64_t seq)
{
	return wait_until(cq, seq_done, seq);
}

int tt_cq_not_capturing(struct tt_cq *cq, const char *what)
{
	if (!cq->capturing)
		return 0;
	return tt_error(-EBUSY, "queue %u is capturing trace %u: %s cannot be captured (a "
			"trace holds non-blocking program enqueues and nops only)", cq->id,
			cq->capture_id, what);
}

/* Put a record in the issue ring and ring the doorbell (lock held). */
int tt_cq_submit(struct tt_cq *cq, void *rec, uint32_t size, const struct tt_cq_pending *p,
		 uint64_t *seq_out)
{
	struct ttsim_cmd_hdr *h = rec;
	uint32_t off;
	int ret;

	ret = wait_until(cq, fifo_room, 0);
	if (ret)
		return ret;
	off = cq->issue_wptr % ISSUE_SIZE;
	if (off + size > ISSUE_SIZE) {
		struct ttsim_cmd_hdr pad = { .opcode = TTSIM_CMD_PAD, .size = ISSUE_SIZE - off };

		ret = wait_until(cq, issue_room, pad.size + size);
		if (ret)
			return ret;
		memcpy((uint8_t *)cq->issue.va + off, &pad, sizeof(pad));
		cq->issue_wptr += pad.size;
		off = 0;
	} else {
		ret = wait_until(cq, issue_room, size);
		if (ret)
			return ret;
	}
	h->size = size;
	h->seq = cq->next_seq++;
	memcpy((uint8_t *)cq->issue.va + off, rec, size);
	cq->fifo[(cq->fifo_head + cq->fifo_count) % COMP_ENTRIES] = *p;
	cq->fifo[(cq->fifo_head + cq->fifo_count) % COMP_ENTRIES].seq = h->seq;
	cq->fifo[(cq->fifo_head + cq->fifo_count) % COMP_ENTRIES].staging_end = cq->staging_head;
	cq->fifo_count++;
	cq->issue_wptr += size;
	__atomic_store_n(&qregs(cq)->issue_wptr, cq->issue_wptr, __ATOMIC_RELEASE);
	cq->dev->ops->doorbell(cq->dev, cq->id);
	if (seq_out)
		*seq_out = h->seq;
	return 0;
}

/* Wait for the command seq whose blocking result goes to *status. */
static int wait_blocking(struct tt_cq *cq, uint64_t seq, int *status)
{
	int ret = wait_until(cq, seq_done, seq);

	if (ret)
		return ret;
	if (*status)
		return tt_error(*status, "queue %u: %s", cq->id, cq->error_msg);
	return 0;
}

/* Move a buffer's pages between host memory and the device. */
static int transfer(struct tt_cq *cq, struct tt_buffer *buf, void *host, bool write,
		    bool blocking)
{
	uint32_t per_cmd, page = 0;
	uint64_t seq = 0;
	int status = 0, ret = 0;

	if (!cq || !buf || !host)
		return tt_error(-EINVAL, "tt_cq_%s_buffer: NULL argument", write ? "write" : "read");
	if (buf->dev != cq->dev)
		return tt_error(-EINVAL, "the buffer belongs to another device");
	per_cmd = cq->chunk_max / buf->page_size;
	if (!per_cmd)
		per_cmd = 1;

	tt_cq_lock(cq);
	ret = tt_cq_not_capturing(cq, write ? (blocking ? "a blocking write" : "a write") :
				  (blocking ? "a blocking read" : "a read"));
	while (!ret && page < buf->num_pages) {
		uint32_t n = buf->num_pages - page < per_cmd ? buf->num_pages - page : per_cmd;
		size_t len = (size_t)n * buf->page_size;
		uint8_t *at = (uint8_t *)host + (size_t)page * buf->page_size;
		struct ttsim_cmd_paged cmd = {
			.hdr.opcode = write ? TTSIM_CMD_WRITE_PAGED : TTSIM_CMD_READ_PAGED,
			.bank_kind = buf->type == TT_BUFFER_DRAM ? TTSIM_BANK_DRAM : TTSIM_BANK_L1,
			.base = buf->address,
			.page_size = buf->page_size,
			.start_page = page,
			.num_pages = n,
		};
		struct tt_cq_pending p = { .transfer = true };
		uint64_t off;

		ret = staging_get(cq, len, &off);
		if (ret)
			break;
		cmd.host_addr = cq->staging.iova + off % cq->staging_size;
		if (write) {
			memcpy((uint8_t *)cq->staging.va + off % cq->staging_size, at, len);
		} else {
			p.copy_to = at;
			p.copy_from = off;
			p.copy_len = len;
		}
		/* Only the last command of a blocking transfer reports to the caller. */
		if (blocking && page + n == buf->num_pages)
			p.status = &status;
		ret = tt_cq_submit(cq, &cmd, sizeof(cmd), &p, &seq);
		if (ret)
			break;
		page += n;
	}
	if (!ret && blocking) {
		int before = cq->error;

		ret = wait_blocking(cq, seq, &status);
		/* An earlier chunk of this transfer may have failed. */
		if (!ret && cq->error && !before) {
			ret = tt_error(cq->error, "queue %u: %s", cq->id, cq->error_msg);
			cq->error = 0;
			cq->error_msg[0] = '\0';
		}
	}
	tt_cq_unlock(cq);
	return ret;
}

int tt_cq_write_buffer(struct tt_cq *cq, struct tt_buffer *buf, const void *src, bool blocking)
{
	if (cq && buf && src && buf->type == TT_BUFFER_L1_SHARDED)
		return tt_sharded_write(cq, buf, src, blocking);
	return transfer(cq, buf, (void *)src, true, blocking);
}

int tt_cq_read_buffer(struct tt_cq *cq, struct tt_buffer *buf, void *dst, bool blocking)
{
	if (cq && buf && dst && buf->type == TT_BUFFER_L1_SHARDED) {
		if (!blocking)
			return tt_error(-EINVAL, "tt_cq_read_buffer: a read of a sharded buffer "
					"blocks (pass blocking = true)");
		return tt_sharded_read(cq, buf, dst);
	}
	return transfer(cq, buf, dst, false, blocking);
}

int tt_cq_enqueue_program(struct tt_cq *cq, struct tt_program *prog, bool blocking)
{
	struct ttsim_cmd_launch cmd = { .hdr.opcode = TTSIM_CMD_LAUNCH };
	struct tt_cq_pending p = { 0 };
	uint8_t *img;
	size_t size;
	uint64_t off, seq;
	uint32_t l1_low;
	int status = 0, ret;

	if (!cq || !prog)
		return tt_error(-EINVAL, "tt_cq_enqueue_program: NULL argument");
	pthread_mutex_lock(&cq->dev->lock);
	l1_low = (uint32_t)tt_range_lowest(&cq->dev->l1);
	pthread_mutex_unlock(&cq->dev->lock);
	if (tt_program_cb_end(prog) > l1_low)
		return tt_error(-ENOMEM, "the program's circular buffers end at 0x%x, above the "
				"L1 buffers that start at 0x%x", tt_program_cb_end(prog), l1_low);
	ret = tt_program_image(prog, &img, &size);
	if (ret)
		return ret;

	tt_cq_lock(cq);
	if (cq->capturing) {
		ret = blocking ? tt_cq_not_capturing(cq, "a blocking program enqueue") :
		      tt_trace_append_program(cq->capturing, img, size);
		tt_cq_unlock(cq);
		free(img);
		return ret;
	}
	ret = staging_get(cq, size, &off);
	if (!ret) {
		memcpy((uint8_t *)cq->staging.va + off % cq->staging_size, img, size);
		cmd.prog_addr = cq->staging.iova + off % cq->staging_size;
		cmd.prog_size = (uint32_t)size;
		tt_program_get(prog);
		p.prog = prog;
		p.t_start = now_ns();
		p.status = blocking ? &status : NULL;
		ret = tt_cq_submit(cq, &cmd, sizeof(cmd), &p, &seq);
		if (ret)
			tt_program_put(prog);
	}
	if (!ret && blocking)
		ret = wait_blocking(cq, seq, &status);
	tt_cq_unlock(cq);
	free(img);
	return ret;
}

int tt_cq_nop(struct tt_cq *cq, bool blocking)
{
	struct ttsim_cmd_hdr cmd = { .opcode = TTSIM_CMD_NOP };
	struct tt_cq_pending p = { 0 };
	uint64_t seq;
	int status = 0, ret;

	if (!cq)
		return tt_error(-EINVAL, "tt_cq_nop: NULL queue");
	tt_cq_lock(cq);
	if (cq->capturing) {
		ret = blocking ? tt_cq_not_capturing(cq, "a blocking nop") :
		      tt_trace_append_nop(cq->capturing);
		tt_cq_unlock(cq);
		return ret;
	}
	p.status = blocking ? &status : NULL;
	ret = tt_cq_submit(cq, &cmd, sizeof(cmd), &p, &seq);
	if (!ret && blocking)
		ret = wait_blocking(cq, seq, &status);
	tt_cq_unlock(cq);
	return ret;
}

int tt_cq_finish(struct tt_cq *cq)
{
	int ret;

	if (!cq)
		return tt_error(-EINVAL, "tt_cq_finish: NULL queue");
	tt_cq_lock(cq);
	ret = wait_until(cq, seq_done, cq->next_seq - 1);
	if (!ret && cq->error) {
		ret = tt_error(cq->error, "queue %u: %s", cq->id, cq->error_msg);
		cq->error = 0;
		cq->error_msg[0] = '\0';
	}
	tt_cq_unlock(cq);
	return ret;
}

uint64_t tt_cq_transfer_cycles(struct tt_cq *cq)
{
	uint64_t c;

	if (!cq)
		return 0;
	tt_cq_lock(cq);
	tt_cq_poll(cq);
	c = cq->transfer_cycles;
	tt_cq_unlock(cq);
	return c;
}

int tt_cq_restart(struct tt_cq *cq)
{
	/* The device forgot the queue: everything in flight is cancelled. */
	while (cq->fifo_count) {
		struct ttsim_completion c = {
			.seq = cq->fifo[cq->fifo_head].seq,
			.status = -ECANCELED,
		};

		snprintf(c.msg, sizeof(c.msg), "cancelled by a device reset");
		complete(cq, &c);
	}
	cq->error = 0;
	cq->error_msg[0] = '\0';
	cq->staging_head = cq->staging_tail = 0;
	cq->next_event = 1;
	cq->epoch++;
	if (cq->capturing) {
		tt_trace_capture_cancelled(cq->capturing);
		cq->capturing = NULL;
	}
	program_rings(cq);
	pthread_cond_broadcast(&cq->cond);
	return 0;
}

void tt_cq_destroy(struct tt_cq *cq)
{
	struct tt_device *dev = cq->dev;

	tt_cq_lock(cq);
	wait_until(cq, seq_done, cq->next_seq - 1);
	__atomic_store_n(&qregs(cq)->enable, 0, __ATOMIC_RELEASE);
	tt_cq_unlock(cq);
	dev->ops->dma_free(dev, &cq->issue);
	dev->ops->dma_free(dev, &cq->comp);
	dev->ops->dma_free(dev, &cq->staging);
	pthread_cond_destroy(&cq->cond);
	pthread_mutex_destroy(&cq->lock);
	free(cq);
}
