// SPDX-License-Identifier: MIT
/*
 * Events. Recording an event on a queue enqueues RECORD_EVENT: the event
 * is done when everything enqueued before it on that queue has completed.
 * Another queue can wait for it on the device (WAIT_EVENT: the host does
 * not block), the host can ask whether it is done or wait for it.
 *
 * An event names its last recording (queue, device event number, command
 * seq). Each command in flight that refers to an event holds a reference,
 * so destroying an event while it is queued is safe.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cq.h"

enum event_state {
	EVENT_NEVER = 0,	/* never recorded */
	EVENT_PENDING,		/* recorded, not yet completed */
	EVENT_DONE,
	EVENT_CANCELLED,	/* a reset cancelled the recording */
};

/* One recording of an event. */
struct recording {
	enum event_state state;
	struct tt_cq *cq;		/* the queue it was recorded on */
	uint32_t id;			/* the device's number of it on that queue */
	uint64_t seq;			/* the RECORD_EVENT command */
	uint64_t epoch;			/* cq->epoch when recorded */
};

struct tt_event {
	struct tt_device *dev;
	atomic_int refs;
	pthread_mutex_t lock;		/* rec; taken after a queue's lock, never before */
	struct recording rec;		/* the latest */
};

int tt_event_create(struct tt_device *dev, struct tt_event **out)
{
	struct tt_event *ev;

	if (!dev || !out)
		return tt_error(-EINVAL, "tt_event_create: NULL argument");
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return tt_error(-ENOMEM, "out of memory");
	ev->dev = dev;
	atomic_init(&ev->refs, 1);
	pthread_mutex_init(&ev->lock, NULL);
	*out = ev;
	return 0;
}

static void event_get(struct tt_event *ev)
{
	atomic_fetch_add(&ev->refs, 1);
}

void tt_event_put(struct tt_event *ev)
{
	if (atomic_fetch_sub(&ev->refs, 1) == 1) {
		pthread_mutex_destroy(&ev->lock);
		free(ev);
	}
}

void tt_event_destroy(struct tt_event *ev)
{
	if (ev)
		tt_event_put(ev);
}

void tt_event_completed(struct tt_event *ev, struct tt_cq *cq, uint64_t seq, int status)
{
	pthread_mutex_lock(&ev->lock);
	/* Only the latest recording of the event counts. */
	if (ev->rec.cq == cq && ev->rec.seq == seq)
		ev->rec.state = status == -ECANCELED ? EVENT_CANCELLED : EVENT_DONE;
	pthread_mutex_unlock(&ev->lock);
}

int tt_cq_enqueue_record_event(struct tt_cq *cq, struct tt_event *ev)
{
	struct ttsim_cmd_event cmd = { .hdr.opcode = TTSIM_CMD_RECORD_EVENT };
	struct tt_cq_pending p = { 0 };
	uint64_t seq;
	int ret;

	if (!cq || !ev)
		return tt_error(-EINVAL, "tt_cq_enqueue_record_event: NULL argument");
	if (ev->dev != cq->dev)
		return tt_error(-EINVAL, "the event belongs to another device");
	tt_cq_lock(cq);
	ret = tt_cq_not_capturing(cq, "recording an event");
	if (!ret) {
		cmd.event = cq->next_event;
		event_get(ev);
		p.event = ev;
		ret = tt_cq_submit(cq, &cmd, sizeof(cmd), &p, &seq);
	}
	if (!ret) {
		/* Its completion is taken under the queue lock, which we still hold. */
		pthread_mutex_lock(&ev->lock);
		ev->rec = (struct recording){ .state = EVENT_PENDING, .cq = cq, .id = cmd.event,
					      .seq = seq, .epoch = cq->epoch };
		pthread_mutex_unlock(&ev->lock);
		cq->next_event++;
	} else if (p.event) {
		tt_event_put(ev);
	}
	tt_cq_unlock(cq);
	return ret;
}

/* A copy of the event's latest recording. */
static struct recording snapshot(struct tt_event *ev)
{
	struct recording s;

	pthread_mutex_lock(&ev->lock);
	s = ev->rec;
	pthread_mutex_unlock(&ev->lock);
	return s;
}

int tt_cq_enqueue_wait_for_event(struct tt_cq *cq, struct tt_event *ev)
{
	struct ttsim_cmd_wait_event cmd = { .hdr.opcode = TTSIM_CMD_WAIT_EVENT };
	struct tt_cq_pending p = { 0 };
	struct recording s;
	int ret;

	if (!cq || !ev)
		return tt_error(-EINVAL, "tt_cq_enqueue_wait_for_event: NULL argument");
	if (ev->dev != cq->dev)
		return tt_error(-EINVAL, "the event belongs to another device");
	tt_cq_lock(cq);
	ret = tt_cq_not_capturing(cq, "waiting for an event");
	if (ret)
		goto out;
	s = snapshot(ev);
	if (s.state == EVENT_NEVER) {
		ret = tt_error(-EINVAL, "queue %u cannot wait for an event that was never "
			       "recorded", cq->id);
		goto out;
	}
	if (s.state == EVENT_CANCELLED || (s.state == EVENT_PENDING && s.epoch != s.cq->epoch)) {
		ret = tt_error(-ECANCELED, "queue %u cannot wait for event %u of queue %u: a "
			       "device reset cancelled it", cq->id, s.id, s.cq->id);
		goto out;
	}
	/* Done before a reset: the device no longer knows it, and need not. */
	if (s.state == EVENT_DONE && s.epoch != s.cq->epoch)
		goto out;
	cmd.queue = s.cq->id;
	cmd.event = s.id;
	ret = tt_cq_submit(cq, &cmd, sizeof(cmd), &p, NULL);
out:
	tt_cq_unlock(cq);
	return ret;
}

/* The recording queue has been asked for completions; what is the event's state? */
static int settled(struct tt_event *ev, struct recording *s)
{
	*s = snapshot(ev);
	if (s->state == EVENT_NEVER)
		return tt_error(-EINVAL, "the event was never recorded");
	if (s->state == EVENT_CANCELLED)
		return tt_error(-ECANCELED, "event %u of queue %u was cancelled by a device reset",
				s->id, s->cq->id);
	return s->state == EVENT_DONE;
}

int tt_event_query(struct tt_event *ev)
{
	struct recording s;
	int ret;

	if (!ev)
		return tt_error(-EINVAL, "tt_event_query: NULL event");
	s = snapshot(ev);
	if (s.state == EVENT_PENDING) {
		tt_cq_lock(s.cq);
		tt_cq_poll(s.cq);
		tt_cq_unlock(s.cq);
	}
	ret = settled(ev, &s);
	return ret;
}

int tt_event_synchronize(struct tt_event *ev)
{
	struct recording s;
	int ret;

	if (!ev)
		return tt_error(-EINVAL, "tt_event_synchronize: NULL event");
	s = snapshot(ev);
	if (s.state == EVENT_PENDING) {
		tt_cq_lock(s.cq);
		ret = tt_cq_wait_done(s.cq, s.seq);
		tt_cq_unlock(s.cq);
		if (ret)
			return ret;
	}
	ret = settled(ev, &s);
	return ret < 0 ? ret : 0;
}
