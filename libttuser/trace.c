// SPDX-License-Identifier: MIT
/*
 * Traces. Between tt_cq_begin_trace_capture and tt_cq_end_trace_capture,
 * programs enqueued (non-blocking) on the queue are not run: each becomes
 * a LAUNCH_INLINE record holding the whole program image, as it is at
 * enqueue time (kernels, runtime args, CBs, buffer addresses). Ending the
 * capture stores the records in a DRAM buffer; tt_cq_replay_trace runs them
 * all with one EXEC_TRACE command. A replayed program does exactly what the
 * enqueued one would have done.
 *
 * Traces are named by ids, per device. A replay in flight holds the trace,
 * so releasing it while it runs is safe; its id is gone at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cq.h"

#define TRACE_PAGE	(64u << 10)	/* unit of interleaving of a trace in DRAM */

enum trace_state {
	TRACE_CAPTURING,
	TRACE_CANCELLED,	/* a reset ended the capture */
	TRACE_READY,		/* in DRAM, can be replayed */
};

struct tt_trace {
	struct tt_trace *next;		/* in dev->traces */
	struct tt_device *dev;
	atomic_int refs;
	uint32_t id;
	enum trace_state state;		/* under dev->trace_lock */
	unsigned cq_id;			/* the queue that captured it */

	uint8_t *recs;			/* while capturing */
	size_t len, cap;
	unsigned ncommands;

	struct tt_buffer *buf;		/* when ready */
	uint32_t size;
};

void tt_trace_put(struct tt_trace *t)
{
	if (atomic_fetch_sub(&t->refs, 1) == 1) {
		tt_buffer_destroy(t->buf);
		free(t->recs);
		free(t);
	}
}

/* The trace with this id, or NULL. (trace_lock held) */
static struct tt_trace *find(struct tt_device *dev, uint32_t id)
{
	struct tt_trace *t;

	for (t = dev->traces; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

/* Take the trace out of the device's list. (trace_lock held) */
static void unlink_trace(struct tt_device *dev, struct tt_trace *t)
{
	struct tt_trace **pp;

	for (pp = &dev->traces; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			return;
		}
}

static int append(struct tt_trace *t, const void *rec, size_t rec_len, const void *data,
		  size_t data_len)
{
	size_t size = (rec_len + data_len + TTSIM_CMD_ALIGN - 1) & ~(size_t)(TTSIM_CMD_ALIGN - 1);
	uint64_t limit = t->dev->info.dram_bank_size / 4 * t->dev->info.dram_banks;

	if (t->dev->trace_max && limit > t->dev->trace_max)
		limit = t->dev->trace_max;

	if (t->len + size > limit || t->len + size > UINT32_MAX - TTSIM_CMD_ALIGN)
		return tt_error(-ENOMEM, "trace %u would grow to %zu bytes: at most %llu", t->id,
				t->len + size, (unsigned long long)limit);
	if (t->len + size > t->cap) {
		size_t cap = t->cap ? t->cap : 64 << 10;
		uint8_t *p;

		while (cap < t->len + size)
			cap *= 2;
		p = realloc(t->recs, cap);
		if (!p)
			return tt_error(-ENOMEM, "out of memory capturing trace %u", t->id);
		t->recs = p;
		t->cap = cap;
	}
	memcpy(t->recs + t->len, rec, rec_len);
	if (data_len)
		memcpy(t->recs + t->len + rec_len, data, data_len);
	memset(t->recs + t->len + rec_len + data_len, 0, size - rec_len - data_len);
	((struct ttsim_cmd_hdr *)(t->recs + t->len))->size = (uint32_t)size;
	t->len += size;
	t->ncommands++;
	return 0;
}

int tt_trace_append_program(struct tt_trace *t, const uint8_t *img, size_t size)
{
	struct ttsim_cmd_launch_inline rec = {
		.hdr.opcode = TTSIM_CMD_LAUNCH_INLINE,
		.prog_size = (uint32_t)size,
	};

	return append(t, &rec, sizeof(rec), img, size);
}

int tt_trace_append_nop(struct tt_trace *t)
{
	struct ttsim_cmd_hdr rec = { .opcode = TTSIM_CMD_NOP };

	return append(t, &rec, sizeof(rec), NULL, 0);
}

void tt_trace_capture_cancelled(struct tt_trace *t)
{
	pthread_mutex_lock(&t->dev->trace_lock);
	t->state = TRACE_CANCELLED;
	pthread_mutex_unlock(&t->dev->trace_lock);
	free(t->recs);
	t->recs = NULL;
	t->len = t->cap = 0;
}

int tt_cq_begin_trace_capture(struct tt_cq *cq)
{
	struct tt_device *dev;
	struct tt_trace *t;
	int ret;

	if (!cq)
		return tt_error(-EINVAL, "tt_cq_begin_trace_capture: NULL queue");
	dev = cq->dev;
	t = calloc(1, sizeof(*t));
	if (!t)
		return tt_error(-ENOMEM, "out of memory");
	t->dev = dev;
	t->cq_id = cq->id;
	atomic_init(&t->refs, 1);
	t->state = TRACE_CAPTURING;

	tt_cq_lock(cq);
	if (cq->capturing) {
		ret = tt_error(-EBUSY, "queue %u is already capturing trace %u: captures do not "
			       "nest", cq->id, cq->capture_id);
		tt_cq_unlock(cq);
		free(t);
		return ret;
	}
	pthread_mutex_lock(&dev->trace_lock);
	/* Ids count up from 0, wrap after INT32_MAX, and skip those still held. */
	while (find(dev, dev->next_trace_id))
		dev->next_trace_id = (dev->next_trace_id + 1) & INT32_MAX;
	t->id = dev->next_trace_id;
	dev->next_trace_id = (dev->next_trace_id + 1) & INT32_MAX;
	t->next = dev->traces;
	dev->traces = t;
	pthread_mutex_unlock(&dev->trace_lock);
	cq->capturing = t;
	cq->capture_id = t->id;
	tt_cq_unlock(cq);
	return (int)t->id;
}

/* Store the captured records in DRAM. */
static int store(struct tt_cq *cq, struct tt_trace *t)
{
	struct tt_buffer_config bc = { .type = TT_BUFFER_DRAM, .page_size = TRACE_PAGE };
	int ret;

	if (!t->len)
		return 0;
	/* Whole pages: the tail of the last one is zero and never read. */
	bc.size = (t->len + TRACE_PAGE - 1) / TRACE_PAGE * TRACE_PAGE;
	if (bc.size > t->cap) {
		uint8_t *p = realloc(t->recs, bc.size);

		if (!p)
			return tt_error(-ENOMEM, "out of memory storing trace %u", t->id);
		t->recs = p;
		t->cap = bc.size;
	}
	memset(t->recs + t->len, 0, bc.size - t->len);
	ret = tt_buffer_create(cq->dev, &bc, &t->buf);
	if (ret)
		return tt_error(ret, "no DRAM for trace %u (%zu bytes): %s", t->id, t->len,
				tt_last_error());
	ret = tt_cq_write_buffer(cq, t->buf, t->recs, true);
	if (ret)
		return ret;
	t->size = (uint32_t)t->len;
	free(t->recs);
	t->recs = NULL;
	return 0;
}

int tt_cq_end_trace_capture(struct tt_cq *cq, uint32_t trace_id)
{
	struct tt_device *dev;
	struct tt_trace *t;
	uint32_t busy_id;
	bool busy;
	int ret;

	if (!cq)
		return tt_error(-EINVAL, "tt_cq_end_trace_capture: NULL queue");
	dev = cq->dev;
	tt_cq_lock(cq);
	t = cq->capturing;
	busy = t != NULL;
	busy_id = cq->capture_id;
	if (t && t->id == trace_id)
		cq->capturing = NULL;
	tt_cq_unlock(cq);

	if (!t || t->id != trace_id) {
		pthread_mutex_lock(&dev->trace_lock);
		t = find(dev, trace_id);
		if (t && t->state == TRACE_CANCELLED && t->cq_id == cq->id) {
			unlink_trace(dev, t);
			pthread_mutex_unlock(&dev->trace_lock);
			tt_trace_put(t);
			return tt_error(-ECANCELED, "the capture of trace %u was ended by a device "
					"reset; the trace is dropped", trace_id);
		}
		pthread_mutex_unlock(&dev->trace_lock);
		if (busy)
			return tt_error(-EINVAL, "queue %u is capturing trace %u, not %u", cq->id,
					busy_id, trace_id);
		return tt_error(-EINVAL, "queue %u is not capturing trace %u", cq->id, trace_id);
	}

	ret = store(cq, t);
	pthread_mutex_lock(&dev->trace_lock);
	if (ret)
		unlink_trace(dev, t);
	else
		t->state = TRACE_READY;
	pthread_mutex_unlock(&dev->trace_lock);
	if (ret)
		tt_trace_put(t);
	return ret;
}

/* The trace to replay, with a reference; or NULL with the error in *err. */
static struct tt_trace *get_ready(struct tt_device *dev, uint32_t id, int *err)
{
	struct tt_trace *t;

	pthread_mutex_lock(&dev->trace_lock);
	t = find(dev, id);
	if (!t) {
		*err = tt_error(-ENOENT, "there is no trace %u (never captured, or released)", id);
	} else if (t->state == TRACE_CAPTURING) {
		*err = tt_error(-EBUSY, "trace %u is still being captured on queue %u", id,
				t->cq_id);
		t = NULL;
	} else if (t->state == TRACE_CANCELLED) {
		*err = tt_error(-ECANCELED, "the capture of trace %u was ended by a device reset",
				id);
		t = NULL;
	} else {
		atomic_fetch_add(&t->refs, 1);
	}
	pthread_mutex_unlock(&dev->trace_lock);
	return t;
}

int tt_cq_replay_trace(struct tt_cq *cq, uint32_t trace_id, bool blocking)
{
	struct ttsim_cmd_trace cmd = { .hdr.opcode = TTSIM_CMD_EXEC_TRACE };
	struct tt_cq_pending p = { 0 };
	struct tt_trace *t;
	uint64_t seq;
	int status = 0, ret;

	if (!cq)
		return tt_error(-EINVAL, "tt_cq_replay_trace: NULL queue");
	tt_cq_lock(cq);
	ret = tt_cq_not_capturing(cq, "replaying a trace");
	if (ret)
		goto out;
	t = get_ready(cq->dev, trace_id, &ret);
	if (!t)
		goto out;
	if (t->buf) {
		cmd.bank_kind = TTSIM_BANK_DRAM;
		cmd.base = tt_buffer_address(t->buf);
		cmd.page_size = TRACE_PAGE;
		cmd.size = t->size;
	}
	p.trace = t;
	p.status = blocking ? &status : NULL;
	ret = tt_cq_submit(cq, &cmd, sizeof(cmd), &p, &seq);
	if (ret) {
		tt_trace_put(t);
		goto out;
	}
	if (blocking) {
		ret = tt_cq_wait_done(cq, seq);
		if (!ret && status)
			ret = tt_error(status, "queue %u: replay of trace %u: %s", cq->id, trace_id,
				       cq->error_msg);
	}
out:
	tt_cq_unlock(cq);
	return ret;
}

int tt_release_trace(struct tt_device *dev, uint32_t trace_id)
{
	struct tt_trace *t;

	if (!dev)
		return tt_error(-EINVAL, "tt_release_trace: NULL device");
	pthread_mutex_lock(&dev->trace_lock);
	t = find(dev, trace_id);
	if (!t) {
		pthread_mutex_unlock(&dev->trace_lock);
		return tt_error(-ENOENT, "there is no trace %u (never captured, or released)",
				trace_id);
	}
	if (t->state == TRACE_CAPTURING) {
		pthread_mutex_unlock(&dev->trace_lock);
		return tt_error(-EBUSY, "trace %u is still being captured on queue %u: end the "
				"capture first", trace_id, t->cq_id);
	}
	unlink_trace(dev, t);
	pthread_mutex_unlock(&dev->trace_lock);
	tt_trace_put(t);
	return 0;
}

void tt_traces_release_all(struct tt_device *dev)
{
	while (dev->traces) {
		struct tt_trace *t = dev->traces;

		dev->traces = t->next;
		tt_trace_put(t);
	}
}
