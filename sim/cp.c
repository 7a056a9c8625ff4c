// SPDX-License-Identifier: MIT
/*
 * The command processor: one thread per command queue takes records from
 * the issue ring in host memory, executes them in order and writes one
 * completion per record, then raises the queue's interrupt. The queues run
 * independently: one may wait for an event of the other, or run a trace
 * (records kept in device memory), while the other goes on.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* Host link: device cycles per transfer and bytes per cycle (~16 GB/s at 1 GHz). */
#define HOST_LATENCY_CYCLES	500
#define HOST_BYTES_PER_CYCLE	16

#define MAX_RECORD		256	/* no command is bigger */

/* Every record keeps the ring aligned. */
_Static_assert(sizeof(struct ttsim_cmd_linear) % TTSIM_CMD_ALIGN == 0, "linear");
_Static_assert(sizeof(struct ttsim_cmd_paged) % TTSIM_CMD_ALIGN == 0, "paged");
_Static_assert(sizeof(struct ttsim_cmd_launch) % TTSIM_CMD_ALIGN == 0, "launch");
_Static_assert(sizeof(struct ttsim_cmd_event) % TTSIM_CMD_ALIGN == 0, "event");
_Static_assert(sizeof(struct ttsim_cmd_wait_event) % TTSIM_CMD_ALIGN == 0, "wait event");
_Static_assert(sizeof(struct ttsim_cmd_trace) % TTSIM_CMD_ALIGN == 0, "trace");
_Static_assert(sizeof(struct ttsim_cmd_launch_inline) % TTSIM_CMD_ALIGN == 0, "inline");

static uint64_t host_cycles(uint64_t len)
{
	return HOST_LATENCY_CYCLES + len / HOST_BYTES_PER_CYCLE;
}

static int fail(struct ttsim_completion *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct ttsim_completion *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	return err;
}

static int do_linear(struct sim_device *d, const struct ttsim_cmd_linear *cmd,
		     struct ttsim_completion *c)
{
	bool write = cmd->hdr.opcode == TTSIM_CMD_WRITE_LINEAR;
	char why[SIM_MSG_LEN - 32];
	uint8_t *host, *dev;

	if (cmd->reserved)
		return fail(c, -EINVAL, "reserved field is not zero");
	host = sim_dma_ptr(d, cmd->host_addr, cmd->len, why, sizeof(why));
	if (!host)
		return fail(c, -EFAULT, "%s", why);
	dev = sim_noc_ptr(d, cmd->noc_addr, cmd->len, why, sizeof(why));
	if (!dev)
		return fail(c, -EFAULT, "%s", why);
	if (write)
		memcpy(dev, host, cmd->len);
	else
		memcpy(host, dev, cmd->len);
	c->cycles = host_cycles(cmd->len);
	return 0;
}

static int do_paged(struct sim_device *d, const struct ttsim_cmd_paged *cmd,
		    struct ttsim_completion *c)
{
	bool write = cmd->hdr.opcode == TTSIM_CMD_WRITE_PAGED;
	uint64_t bytes = (uint64_t)cmd->num_pages * cmd->page_size;
	char why[SIM_MSG_LEN - 32];
	uint8_t *host;
	uint32_t i;

	if (cmd->reserved)
		return fail(c, -EINVAL, "reserved field is not zero");
	if (!cmd->page_size)
		return fail(c, -EINVAL, "page size 0");
	host = sim_dma_ptr(d, cmd->host_addr, bytes, why, sizeof(why));
	if (!host)
		return fail(c, -EFAULT, "%s", why);
	/* Check every page before touching any: no partial transfers. */
	for (i = 0; i < cmd->num_pages; i++)
		if (!sim_page_ptr(d, cmd->bank_kind, cmd->base, cmd->page_size,
				  cmd->start_page + i, why, sizeof(why)))
			return fail(c, -EFAULT, "%s", why);
	for (i = 0; i < cmd->num_pages; i++) {
		uint8_t *dev = sim_page_ptr(d, cmd->bank_kind, cmd->base, cmd->page_size,
					    cmd->start_page + i, why, sizeof(why));
		uint8_t *h = host + (size_t)i * cmd->page_size;

		if (write)
			memcpy(dev, h, cmd->page_size);
		else
			memcpy(h, dev, cmd->page_size);
	}
	c->cycles = host_cycles(bytes);
	return 0;
}

/* ---- events across queues ----------------------------------------- */
static bool event_reached(struct sim_queue *q, uint32_t event)
{
	return (int32_t)(__atomic_load_n(&q->last_event, __ATOMIC_ACQUIRE) - event) >= 0;
}

static void record_event(struct sim_queue *q, uint32_t event)
{
	struct sim_device *d = q->dev;

	pthread_mutex_lock(&d->event_lock);
	__atomic_store_n(&q->last_event, event, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&d->event_cond);
	pthread_mutex_unlock(&d->event_lock);
}

static int wait_event(struct sim_queue *q, const struct ttsim_cmd_wait_event *cmd,
		      struct ttsim_completion *c)
{
	struct sim_device *d = q->dev;
	struct sim_queue *other;
	int ret = 0;

	if (cmd->reserved[0] || cmd->reserved[1])
		return fail(c, -EINVAL, "reserved field is not zero");
	if (cmd->queue >= TTSIM_MAX_QUEUES)
		return fail(c, -EINVAL, "wait for an event of queue %u: the device has %u queues",
			    cmd->queue, TTSIM_MAX_QUEUES);
	other = &d->queue[cmd->queue];
	c->event = cmd->event;
	if (other == q)
		return event_reached(q, cmd->event) ? 0 :
		       fail(c, -EDEADLK, "waits for event %u of its own queue, which it has not "
			    "recorded (last: %u)", cmd->event, q->last_event);
	pthread_mutex_lock(&d->event_lock);
	while (!event_reached(other, cmd->event)) {
		struct timespec ts;

		if (atomic_load(&d->abort)) {
			ret = fail(c, -ECANCELED, "wait for event %u of queue %u stopped by a "
				   "device reset", cmd->event, cmd->queue);
			break;
		}
		/* A reset does not signal the condition: look at abort now and then. */
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 5 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&d->event_cond, &d->event_lock, &ts);
	}
	pthread_mutex_unlock(&d->event_lock);
	return ret;
}

/* ---- traces -------------------------------------------------------- */
static int launch_inline(struct sim_device *d, const uint8_t *rec, struct ttsim_completion *c)
{
	const struct ttsim_cmd_launch_inline *l = (const void *)rec;

	if (l->reserved[0] || l->reserved[1] || l->reserved[2])
		return fail(c, -EINVAL, "reserved field is not zero");
	if (l->prog_size > l->hdr.size - sizeof(*l))
		return fail(c, -EINVAL, "program of %u bytes does not fit its record of %u bytes",
			    l->prog_size, l->hdr.size);
	return sim_launch_image(d, rec + sizeof(*l), l->prog_size, c);
}

/* Check the header of every record of a trace before running any. */
static int check_trace(const uint8_t *t, uint32_t size, struct ttsim_completion *c)
{
	uint32_t off = 0, n = 0;

	while (off < size) {
		const struct ttsim_cmd_hdr *h = (const void *)(t + off);
		uint32_t min;

		if (size - off < sizeof(*h))
			return fail(c, -EINVAL, "trace record %u at offset %u is cut off", n, off);
		if (h->opcode == TTSIM_CMD_NOP)
			min = sizeof(*h);
		else if (h->opcode == TTSIM_CMD_LAUNCH_INLINE)
			min = sizeof(struct ttsim_cmd_launch_inline);
		else
			return fail(c, -EINVAL, "trace record %u: command %u cannot be in a trace "
				    "(only NOP and LAUNCH_INLINE)", n, h->opcode);
		if (h->flags)
			return fail(c, -EINVAL, "trace record %u: unknown flags 0x%x", n, h->flags);
		if (h->size < min || h->size % TTSIM_CMD_ALIGN || h->size > size - off)
			return fail(c, -EINVAL, "trace record %u at offset %u: bad size %u", n, off,
				    h->size);
		off += h->size;
		n++;
	}
	return 0;
}

static int exec_trace(struct sim_device *d, const struct ttsim_cmd_trace *cmd,
		      struct ttsim_completion *c)
{
	char why[SIM_MSG_LEN - 32];
	uint32_t off = 0, n = 0, page;
	uint8_t *t;
	int ret;

	if (cmd->size % TTSIM_CMD_ALIGN)
		return fail(c, -EINVAL, "trace of %u bytes: not a multiple of %u", cmd->size,
			    TTSIM_CMD_ALIGN);
	if (!cmd->size)
		return 0;
	if (!cmd->page_size)
		return fail(c, -EINVAL, "trace: page size 0");
	/* Our own copy: device memory may change while the trace runs. */
	t = malloc(cmd->size);
	if (!t)
		return fail(c, -ENOMEM, "out of memory reading a trace of %u bytes", cmd->size);
	for (page = 0; off < cmd->size; page++) {
		uint32_t len = cmd->size - off < cmd->page_size ? cmd->size - off : cmd->page_size;
		const uint8_t *src = sim_page_ptr(d, cmd->bank_kind, cmd->base, cmd->page_size,
						  page, why, sizeof(why));

		if (!src) {
			free(t);
			return fail(c, -EFAULT, "trace: %s", why);
		}
		memcpy(t + off, src, len);
		off += len;
	}
	off = 0;
	c->cycles = sim_noc_cycles(cmd->size);
	ret = check_trace(t, cmd->size, c);
	while (!ret && off < cmd->size) {
		const struct ttsim_cmd_hdr *h = (const void *)(t + off);
		struct ttsim_completion sub;

		if (atomic_load(&d->abort)) {
			ret = fail(c, -ECANCELED, "trace stopped by a device reset at record %u", n);
			break;
		}
		memset(&sub, 0, sizeof(sub));
		ret = h->opcode == TTSIM_CMD_LAUNCH_INLINE ? launch_inline(d, t + off, &sub) : 0;
		c->cycles += sub.cycles;
		c->instructions += sub.instructions;
		if (ret)
			fail(c, ret, "trace record %u: %s", n, sub.msg);
		off += h->size;
		n++;
	}
	free(t);
	return ret;
}

static int execute(struct sim_queue *q, const uint8_t *rec, struct ttsim_completion *c)
{
	const struct ttsim_cmd_hdr *h = (const void *)rec;
	struct sim_device *d = q->dev;
	static const uint32_t sizes[] = {
		[TTSIM_CMD_NOP] = sizeof(struct ttsim_cmd_hdr),
		[TTSIM_CMD_WRITE_LINEAR] = sizeof(struct ttsim_cmd_linear),
		[TTSIM_CMD_READ_LINEAR] = sizeof(struct ttsim_cmd_linear),
		[TTSIM_CMD_WRITE_PAGED] = sizeof(struct ttsim_cmd_paged),
		[TTSIM_CMD_READ_PAGED] = sizeof(struct ttsim_cmd_paged),
		[TTSIM_CMD_LAUNCH] = sizeof(struct ttsim_cmd_launch),
		[TTSIM_CMD_RECORD_EVENT] = sizeof(struct ttsim_cmd_event),
		[TTSIM_CMD_WAIT_EVENT] = sizeof(struct ttsim_cmd_wait_event),
		[TTSIM_CMD_EXEC_TRACE] = sizeof(struct ttsim_cmd_trace),
		[TTSIM_CMD_LAUNCH_INLINE] = sizeof(struct ttsim_cmd_launch_inline),
	};

	if (h->opcode >= sizeof(sizes) / sizeof(sizes[0]) || !sizes[h->opcode])
		return fail(c, -EINVAL, "unknown command %u", h->opcode);
	if (h->flags)
		return fail(c, -EINVAL, "command %u: unknown flags 0x%x", h->opcode, h->flags);
	if (h->size < sizes[h->opcode])
		return fail(c, -EINVAL, "command %u: record of %u bytes is too short", h->opcode,
			    h->size);

	switch (h->opcode) {
	case TTSIM_CMD_NOP:
		return 0;
	case TTSIM_CMD_WRITE_LINEAR:
	case TTSIM_CMD_READ_LINEAR:
		return do_linear(d, (const void *)rec, c);
	case TTSIM_CMD_WRITE_PAGED:
	case TTSIM_CMD_READ_PAGED:
		return do_paged(d, (const void *)rec, c);
	case TTSIM_CMD_LAUNCH: {
		const struct ttsim_cmd_launch *l = (const void *)rec;

		if (l->reserved)
			return fail(c, -EINVAL, "reserved field is not zero");
		return sim_launch(d, l->prog_addr, l->prog_size, c);
	}
	case TTSIM_CMD_RECORD_EVENT: {
		const struct ttsim_cmd_event *e = (const void *)rec;

		if (e->reserved[0] || e->reserved[1] || e->reserved[2])
			return fail(c, -EINVAL, "reserved field is not zero");
		/* The other queue sees it once the host can (serve_one). */
		c->event = e->event;
		return 0;
	}
	case TTSIM_CMD_WAIT_EVENT:
		return wait_event(q, (const void *)rec, c);
	case TTSIM_CMD_EXEC_TRACE:
		return exec_trace(d, (const void *)rec, c);
	case TTSIM_CMD_LAUNCH_INLINE:
		return fail(c, -EINVAL, "LAUNCH_INLINE is valid only inside a trace");
	}
	return -EINVAL;
}

static void signal_fd(int fd)
{
	uint64_t one = 1;

	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0) {
		/* nobody listens any more */
	}
}

/* Wait for a free completion slot; false if the device is stopping. */
static bool completion_room(struct sim_device *d, struct ttsim_queue_regs *qr, uint32_t wptr)
{
	while (wptr - __atomic_load_n(&qr->comp_rptr, __ATOMIC_ACQUIRE) >= qr->comp_entries) {
		struct timespec ts = { 0, 20000 };

		if (atomic_load(&d->abort))
			return false;
		nanosleep(&ts, NULL);
	}
	return true;
}

/* Stop serving a queue the host set up wrongly, and say why. */
static void queue_error(struct sim_queue *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void queue_error(struct sim_queue *q, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	int n;

	n = snprintf(msg, sizeof(msg), "queue %u: ", q->index);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	q->dev->regs->queue[q->index].enable = 0;
	sim_set_error(q->dev, -EINVAL, msg);
	sim_log(q->dev, "%s", msg);
	signal_fd(q->dev->host.irq_fd[q->index]);
}

/* Execute one record; false when there is nothing (more) to do. */
static bool serve_one(struct sim_queue *q)
{
	struct sim_device *d = q->dev;
	struct ttsim_queue_regs *qr = &d->regs->queue[q->index];
	uint8_t rec[MAX_RECORD];
	struct ttsim_completion c;
	const struct ttsim_cmd_hdr *h = (const void *)rec;
	struct ttsim_completion *slot;
	uint32_t rptr, wptr, off, avail, cw;
	uint8_t *ring, *comp;
	char why[128];

	if (!__atomic_load_n(&qr->enable, __ATOMIC_ACQUIRE))
		return false;
	rptr = qr->issue_rptr;
	wptr = __atomic_load_n(&qr->issue_wptr, __ATOMIC_ACQUIRE);
	if (rptr == wptr)
		return false;

	if (qr->issue_size < 4096 || (qr->issue_size & (qr->issue_size - 1)) ||
	    !qr->comp_entries || (qr->comp_entries & (qr->comp_entries - 1))) {
		queue_error(q, "ring sizes must be powers of two (issue %u bytes, %u completions)",
			    qr->issue_size, qr->comp_entries);
		return false;
	}
	ring = sim_dma_ptr(d, qr->issue_base, qr->issue_size, why, sizeof(why));
	comp = sim_dma_ptr(d, qr->comp_base, (uint64_t)qr->comp_entries * sizeof(c), why,
			   sizeof(why));
	if (!ring || !comp) {
		queue_error(q, "ring: %s", why);
		return false;
	}
	avail = wptr - rptr;
	off = rptr & (qr->issue_size - 1);
	if (avail > qr->issue_size || avail < sizeof(*h) || off % TTSIM_CMD_ALIGN) {
		queue_error(q, "issue pointers are inconsistent (read 0x%x, write 0x%x)", rptr, wptr);
		return false;
	}
	memcpy(rec, ring + off, sizeof(*h));
	if (h->size < sizeof(*h) || h->size % TTSIM_CMD_ALIGN || h->size > avail ||
	    off + h->size > qr->issue_size || (h->opcode != TTSIM_CMD_PAD && h->size > MAX_RECORD)) {
		queue_error(q, "malformed record at 0x%x (opcode %u, size %u)", rptr, h->opcode,
			    h->size);
		return false;
	}
	if (h->opcode == TTSIM_CMD_PAD) {
		__atomic_store_n(&qr->issue_rptr, rptr + h->size, __ATOMIC_RELEASE);
		return true;
	}
	memcpy(rec, ring + off, h->size);

	memset(&c, 0, sizeof(c));
	c.seq = h->seq;
	c.opcode = h->opcode;
	c.status = execute(q, rec, &c);
	if (c.status && c.status != -ECANCELED) {
		char msg[sizeof(c.msg) + 32];

		snprintf(msg, sizeof(msg), "queue %u: %s", q->index, c.msg);
		sim_set_error(d, c.status, msg);
	}

	cw = qr->comp_wptr;
	if (!completion_room(d, qr, cw))
		return false;
	slot = (struct ttsim_completion *)comp + (cw & (qr->comp_entries - 1));
	memcpy(slot, &c, sizeof(c));
	__atomic_store_n(&qr->issue_rptr, rptr + h->size, __ATOMIC_RELEASE);
	__atomic_store_n(&qr->comp_wptr, cw + 1, __ATOMIC_RELEASE);
	if (c.opcode == TTSIM_CMD_RECORD_EVENT && !c.status)
		record_event(q, c.event);
	signal_fd(d->host.irq_fd[q->index]);
	return true;
}

/* Enter a command unless a reset is under way; false means: not now. */
static bool enter(struct sim_device *d)
{
	bool ok;

	pthread_mutex_lock(&d->state_lock);
	ok = !d->resetting;
	if (ok)
		d->busy++;
	pthread_mutex_unlock(&d->state_lock);
	return ok;
}

static void leave(struct sim_device *d)
{
	pthread_mutex_lock(&d->state_lock);
	d->busy--;
	pthread_cond_broadcast(&d->state_cond);
	pthread_mutex_unlock(&d->state_lock);
}

void *sim_queue_thread(void *arg)
{
	struct sim_queue *q = arg;
	struct sim_device *d = q->dev;
	struct pollfd pfd[2] = {
		{ .fd = d->host.doorbell_fd[q->index], .events = POLLIN },
		{ .fd = d->stop_fd, .events = POLLIN },
	};
	uint64_t v;

	for (;;) {
		bool more;

		if (poll(pfd, 2, -1) < 0)
			continue;
		if (pfd[1].revents & POLLIN)
			break;
		if ((pfd[0].revents & POLLIN) && read(pfd[0].fd, &v, sizeof(v)) < 0)
			continue;
		do {
			if (!enter(d))
				break;
			more = serve_one(q);
			leave(d);
		} while (more && !atomic_load(&d->abort));
	}
	return NULL;
}
