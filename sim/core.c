// SPDX-License-Identifier: MIT
/*
 * A worker core as its kernels see it: the MMIO window through which they
 * use circular buffers, the NoC, semaphores and DPRINT. The tile engine's
 * calls are passed on to tile.c.
 *
 * A call that has to wait returns RV_MMIO_BLOCK without changing anything,
 * so it can simply be made again when the hart next runs.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/*
 * Costs in device cycles (1 GHz). The calls' own cost; what they move or
 * compute is charged by noc.c (transfers) and tile.c (tile-engine ops),
 * and a call that waits moves the hart's clock to when it could go on:
 * a CB page's push or pop, a semaphore's last NoC write, a transfer's
 * landing (barriers).
 */
#define CALL_CYCLES	4	/* any call into the core */

const char *sim_role_name(enum tt_role role)
{
	static const char *const names[TT_NUM_ROLES] = { "reader", "writer", "compute" };

	return (unsigned)role < TT_NUM_ROLES ? names[role] : "?";
}

void sim_core_fault(struct sim_hart *ht, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ht->rv.fault, sizeof(ht->rv.fault), fmt, ap);
	va_end(ap);
}

/*
 * Not now: what the hart waits for, fmt (%u and %x conversions only) with
 * its values, kept to be formatted for a hang report only (launch.c).
 */
static enum rv_mmio block(struct sim_hart *ht, const char *fmt, uint32_t a, uint32_t b,
			  uint32_t c, uint32_t d)
{
	ht->wait_fmt = fmt;
	ht->wait_arg[0] = a;
	ht->wait_arg[1] = b;
	ht->wait_arg[2] = c;
	ht->wait_arg[3] = d;
	return RV_MMIO_BLOCK;
}

/* ---- circular buffers ----------------------------------------------- */
static const char *const cb_call_names[] = {
	[TT_CALL_CB_RESERVE_BACK] = "cb_reserve_back",
	[TT_CALL_CB_PUSH_BACK] = "cb_push_back",
	[TT_CALL_CB_WAIT_FRONT] = "cb_wait_front",
	[TT_CALL_CB_POP_FRONT] = "cb_pop_front",
	[TT_CALL_CB_WRITE_PTR] = "get_write_ptr",
	[TT_CALL_CB_READ_PTR] = "get_read_ptr",
	[TT_CALL_CB_RESERVABLE] = "cb_pages_reservable_at_back",
	[TT_CALL_CB_AVAILABLE] = "cb_pages_available_at_front",
	[TT_CALL_CB_PAGE_SIZE] = "get_tile_size",
};

/* Advance a CB pointer by n pages; it may land exactly on the end only. */
static int cb_advance(struct sim_cb *cb, uint32_t *ptr, uint32_t n)
{
	uint64_t next = (uint64_t)*ptr + (uint64_t)n * cb->page_size;

	if (next > (uint64_t)cb->addr + cb->size)
		return -1;
	*ptr = next == (uint64_t)cb->addr + cb->size ? cb->addr : (uint32_t)next;
	return 0;
}

/*
 * Device time per page, so that a CB's timing follows its pages in FIFO
 * order whatever order the harts ran in on the host: a reserve waits for
 * the pops of the pages it reuses, a wait for the pushes of its pages.
 */
static uint32_t cb_page(const struct sim_cb *cb, uint32_t ptr)
{
	return (ptr - cb->addr) / cb->page_size;
}

/* The page after page p, in a CB of num_pages pages. */
static uint32_t cb_next(const struct sim_cb *cb, uint32_t p)
{
	return p + 1 == cb->num_pages ? 0 : p + 1;
}

static void cb_stamp(struct sim_cb *cb, uint64_t *clock, uint32_t ptr, uint32_t n, uint64_t t)
{
	uint32_t i, p = cb_page(cb, ptr);

	for (i = 0; i < n; i++, p = cb_next(cb, p))
		clock[p] = t;
}

static void cb_sync(struct sim_hart *ht, const struct sim_cb *cb, const uint64_t *clock,
		    uint32_t ptr, uint32_t n)
{
	uint32_t i, p = cb_page(cb, ptr);

	for (i = 0; i < n; i++, p = cb_next(cb, p))
		if (clock[p] > ht->clock)
			ht->clock = clock[p];
}

static enum rv_mmio cb_call(struct sim_hart *ht, uint32_t call)
{
	struct sim_core *c = ht->core;
	uint32_t idx = ht->arg[0], n = ht->arg[1];
	const char *name = cb_call_names[call];
	struct sim_cb *cb;
	uint32_t filled, tmp;

	if (idx >= TT_MAX_CBS || !c->cb[idx].configured) {
		sim_core_fault(ht, "%s: cb %u is not configured on this core", name, idx);
		return RV_MMIO_FAULT;
	}
	cb = &c->cb[idx];
	filled = cb->received - cb->acked;

	switch (call) {
	case TT_CALL_CB_WRITE_PTR:
		ht->result = cb->wr_ptr;
		return RV_MMIO_OK;
	case TT_CALL_CB_READ_PTR:
		ht->result = cb->rd_ptr;
		return RV_MMIO_OK;
	case TT_CALL_CB_PAGE_SIZE:
		ht->result = cb->page_size;
		return RV_MMIO_OK;
	}

	if (!n || n > cb->num_pages) {
		sim_core_fault(ht, "%s(cb %u, %u pages): the CB holds %u pages", name, idx, n,
			       cb->num_pages);
		return RV_MMIO_FAULT;
	}
	switch (call) {
	case TT_CALL_CB_RESERVABLE:
		ht->result = cb->num_pages - filled >= n;
		return RV_MMIO_OK;
	case TT_CALL_CB_AVAILABLE:
		ht->result = filled >= n;
		return RV_MMIO_OK;
	case TT_CALL_CB_RESERVE_BACK:
		tmp = cb->wr_ptr;
		if (cb_advance(cb, &tmp, n)) {
			sim_core_fault(ht, "cb_reserve_back(cb %u, %u pages) crosses the end of the "
				       "CB: its %u pages must be a multiple of %u", idx, n,
				       cb->num_pages, n);
			return RV_MMIO_FAULT;
		}
		if (cb->num_pages - filled < n)
			return block(ht, "cb_reserve_back(cb %u, %u pages): %u of %u pages free",
				     idx, n, cb->num_pages - filled, cb->num_pages);
		cb_sync(ht, cb, cb->pop_clock, cb->wr_ptr, n);
		if (n > cb->reserved)
			cb->reserved = n;
		return RV_MMIO_OK;
	case TT_CALL_CB_PUSH_BACK:
		if (n > cb->reserved) {
			sim_core_fault(ht, "cb_push_back(cb %u, %u pages) without cb_reserve_back of "
				       "%u pages (%u reserved)", idx, n, n, cb->reserved);
			return RV_MMIO_FAULT;
		}
		tmp = cb->wr_ptr;
		if (cb_advance(cb, &cb->wr_ptr, n)) {
			sim_core_fault(ht, "cb_push_back(cb %u, %u pages) crosses the end of the CB",
				       idx, n);
			return RV_MMIO_FAULT;
		}
		cb_stamp(cb, cb->push_clock, tmp, n, ht->clock);
		cb->reserved -= n;
		cb->received += n;
		return RV_MMIO_OK;
	case TT_CALL_CB_WAIT_FRONT:
		tmp = cb->rd_ptr;
		if (cb_advance(cb, &tmp, n)) {
			sim_core_fault(ht, "cb_wait_front(cb %u, %u pages) crosses the end of the CB: "
				       "its %u pages must be a multiple of %u", idx, n,
				       cb->num_pages, n);
			return RV_MMIO_FAULT;
		}
		if (filled < n)
			return block(ht, "cb_wait_front(cb %u, %u pages): %u of %u pages filled",
				     idx, n, filled, cb->num_pages);
		cb_sync(ht, cb, cb->push_clock, cb->rd_ptr, n);
		if (n > cb->waited)
			cb->waited = n;
		return RV_MMIO_OK;
	case TT_CALL_CB_POP_FRONT:
		if (n > cb->waited) {
			sim_core_fault(ht, "cb_pop_front(cb %u, %u pages) without cb_wait_front of %u "
				       "pages (%u waited for)", idx, n, n, cb->waited);
			return RV_MMIO_FAULT;
		}
		tmp = cb->rd_ptr;
		if (cb_advance(cb, &cb->rd_ptr, n)) {
			sim_core_fault(ht, "cb_pop_front(cb %u, %u pages) crosses the end of the CB",
				       idx, n);
			return RV_MMIO_FAULT;
		}
		cb_stamp(cb, cb->pop_clock, tmp, n, ht->clock);
		cb->waited -= n;
		cb->acked += n;
		return RV_MMIO_OK;
	}
	return RV_MMIO_FAULT;
}

/* ---- NoC and semaphores --------------------------------------------- */
static uint8_t *local_ptr(struct sim_hart *ht, uint32_t addr, uint32_t len, const char *what)
{
	struct sim_core *c = ht->core;

	if (addr > c->dev->cfg.l1_size || len > c->dev->cfg.l1_size - addr) {
		sim_core_fault(ht, "%s: local L1 0x%x + %u bytes is past the end of L1 (0x%x)",
			       what, addr, len, c->dev->cfg.l1_size);
		return NULL;
	}
	return c->l1 + addr;
}

static uint8_t *remote_ptr(struct sim_hart *ht, uint64_t noc, uint64_t len, const char *what)
{
	char why[SIM_MSG_LEN - 64];
	uint8_t *p = sim_noc_ptr(ht->core->dev, noc, len, why, sizeof(why));

	if (!p)
		sim_core_fault(ht, "%s: %s", what, why);
	return p;
}

/* The worker core a unicast NoC address names, or NULL (DRAM, or no core). */
static struct sim_core *noc_core(struct sim_device *d, uint64_t noc)
{
	uint32_t x = TT_NOC_X(noc), y = TT_NOC_Y(noc);

	if (x >= d->cfg.grid_x || y >= d->cfg.grid_y)
		return NULL;
	return &d->cores[y * d->cfg.grid_x + x];
}

/* Semaphores of c that a write of [addr, addr + len) landing at t touches. */
static void sem_written(struct sim_core *c, uint64_t addr, uint64_t len, uint64_t t)
{
	uint64_t lo = TT_L1_SEMS, hi = TT_L1_SEMS + 16ull * TT_MAX_SEMS, a;

	if (!c || addr + len <= lo || addr >= hi)
		return;
	for (a = addr < lo ? lo : addr & ~15ull; a < addr + len && a < hi; a += 16)
		sim_clock_raise(&c->sem_clock[(a - lo) / 16], t);
}

/* The hart waited for the word at local addr: it saw what was written by then. */
static void sem_seen(struct sim_hart *ht, uint32_t addr)
{
	uint64_t t;

	if (addr < TT_L1_SEMS || addr >= TT_L1_SEMS + 16 * TT_MAX_SEMS)
		return;
	t = __atomic_load_n(&ht->core->sem_clock[(addr - TT_L1_SEMS) / 16], __ATOMIC_SEQ_CST);
	if (t > ht->clock)
		ht->clock = t;
}

static void landed(uint64_t *done, uint64_t t)
{
	if (t > *done)
		*done = t;
}

/*
 * Multicast: a[0] source L1, a[2]:a[1] multicast NoC address, a[3] bytes,
 * a[4] how many cores the caller says it writes, a[5] flags.
 */
static enum rv_mmio noc_mcast(struct sim_hart *ht, const char *what)
{
	const uint32_t *a = ht->arg;
	struct sim_core *self = ht->core;
	struct sim_device *d = self->dev;
	uint64_t noc = (uint64_t)a[2] << 32 | a[1], addr = TT_NOC_LOCAL(noc), t;
	uint32_t x0 = TT_NOC_X(noc), y0 = TT_NOC_Y(noc), x1 = TT_NOC_X_END(noc);
	uint32_t y1 = TT_NOC_Y_END(noc), x, y, n;
	bool loopback = a[5] & TT_MCAST_LOOPBACK, inside;
	uint8_t *src;

	if (a[5] & ~TT_MCAST_LOOPBACK) {
		sim_core_fault(ht, "%s: unknown flags 0x%x", what, a[5]);
		return RV_MMIO_FAULT;
	}
	if (!(noc & TT_NOC_MCAST) || x0 > x1 || y0 > y1 || x1 >= d->cfg.grid_x ||
	    y1 >= d->cfg.grid_y) {
		sim_core_fault(ht, "%s: 0x%016llx is not a multicast address of a rectangle of "
			       "cores (%u,%u)-(%u,%u) inside the %ux%u grid (get_noc_multicast_addr)",
			       what, (unsigned long long)noc, x0, y0, x1, y1, d->cfg.grid_x,
			       d->cfg.grid_y);
		return RV_MMIO_FAULT;
	}
	if (addr > d->cfg.l1_size || a[3] > d->cfg.l1_size - addr) {
		sim_core_fault(ht, "%s: L1 0x%llx + %u bytes is past the end of L1 (0x%x)", what,
			       (unsigned long long)addr, a[3], d->cfg.l1_size);
		return RV_MMIO_FAULT;
	}
	src = local_ptr(ht, a[0], a[3], what);
	if (!src)
		return RV_MMIO_FAULT;
	inside = self->x >= x0 && self->x <= x1 && self->y >= y0 && self->y <= y1;
	n = (x1 - x0 + 1) * (y1 - y0 + 1) - (inside && !loopback);
	if (a[4] != n) {
		sim_core_fault(ht, "%s: num_dests is %u, but cores (%u,%u)-(%u,%u) are %u "
			       "destinations (the sender %s)", what, a[4], x0, y0, x1, y1, n,
			       !inside ? "is outside" : loopback ? "included: loopback" :
			       "excluded: no loopback");
		return RV_MMIO_FAULT;
	}
	t = sim_noc_transfer(ht, TT_NOC_MCAST, a[3]);
	for (y = y0; y <= y1; y++)
		for (x = x0; x <= x1; x++) {
			struct sim_core *c = &d->cores[y * d->cfg.grid_x + x];

			if (c == self && !loopback)
				continue;
			memmove(c->l1 + addr, src, a[3]);
			sem_written(c, addr, a[3], t);
		}
	landed(&ht->write_done, t);
	return RV_MMIO_OK;
}

static enum rv_mmio noc_call(struct sim_hart *ht, uint32_t call)
{
	const uint32_t *a = ht->arg;
	struct sim_device *d = ht->core->dev;
	uint64_t noc, t;
	uint8_t *src, *dst;
	uint32_t *word;

	switch (call) {
	case TT_CALL_NOC_READ:
		noc = (uint64_t)a[1] << 32 | a[0];
		src = remote_ptr(ht, noc, a[3], "noc_async_read");
		dst = src ? local_ptr(ht, a[2], a[3], "noc_async_read") : NULL;
		if (!dst)
			return RV_MMIO_FAULT;
		memmove(dst, src, a[3]);
		landed(&ht->read_done, sim_noc_transfer(ht, noc, a[3]));
		return RV_MMIO_OK;
	case TT_CALL_NOC_WRITE:
		noc = (uint64_t)a[2] << 32 | a[1];
		src = local_ptr(ht, a[0], a[3], "noc_async_write");
		dst = src ? remote_ptr(ht, noc, a[3], "noc_async_write") : NULL;
		if (!dst)
			return RV_MMIO_FAULT;
		memmove(dst, src, a[3]);
		t = sim_noc_transfer(ht, noc, a[3]);
		if (TT_NOC_Y(noc) != TT_NOC_DRAM_Y)
			sem_written(noc_core(d, noc), TT_NOC_LOCAL(noc), a[3], t);
		landed(&ht->write_done, t);
		return RV_MMIO_OK;
	case TT_CALL_NOC_WRITE_MCAST:
		return noc_mcast(ht, a[3] == 4 ? "noc_semaphore_set_multicast" :
				 "noc_async_write_multicast");
	case TT_CALL_NOC_READ_BARRIER:
		landed(&ht->clock, ht->read_done);
		return RV_MMIO_OK;
	case TT_CALL_NOC_WRITE_BARRIER:
		landed(&ht->clock, ht->write_done);
		return RV_MMIO_OK;
	case TT_CALL_NOC_WRITES_FLUSHED:
		landed(&ht->clock, ht->noc_free);
		return RV_MMIO_OK;
	case TT_CALL_NOC_SEM_INC:
		noc = (uint64_t)a[1] << 32 | a[0];
		word = (uint32_t *)remote_ptr(ht, noc, 4, "noc_semaphore_inc");
		if (!word)
			return RV_MMIO_FAULT;
		if ((uintptr_t)word & 3) {
			sim_core_fault(ht, "noc_semaphore_inc: address is not 4-byte aligned");
			return RV_MMIO_FAULT;
		}
		t = sim_noc_transfer(ht, noc, 4);
		/* The time first, so that whoever sees the new value sees it too. */
		if (TT_NOC_Y(noc) != TT_NOC_DRAM_Y)
			sem_written(noc_core(d, noc), TT_NOC_LOCAL(noc), 4, t);
		__atomic_add_fetch(word, a[2], __ATOMIC_SEQ_CST);
		landed(&ht->write_done, t);
		return RV_MMIO_OK;
	case TT_CALL_SEM_WAIT:
	case TT_CALL_SEM_WAIT_MIN: {
		uint32_t v;

		word = (uint32_t *)local_ptr(ht, a[0], 4, "noc_semaphore_wait");
		if (!word)
			return RV_MMIO_FAULT;
		if (a[0] & 3) {
			sim_core_fault(ht, "noc_semaphore_wait: 0x%x is not 4-byte aligned", a[0]);
			return RV_MMIO_FAULT;
		}
		v = __atomic_load_n(word, __ATOMIC_SEQ_CST);
		if (call == TT_CALL_SEM_WAIT ? v != a[1] : v < a[1])
			return block(ht, call == TT_CALL_SEM_WAIT ?
				     "noc_semaphore_wait(0x%x, %u): value is %u" :
				     "noc_semaphore_wait_min(0x%x, %u): value is %u", a[0], a[1], v, 0);
		sem_seen(ht, a[0]);
		return RV_MMIO_OK;
	}
	}
	return RV_MMIO_FAULT;
}

/* ---- DPRINT --------------------------------------------------------- */
/* A NUL-terminated string in this core's L1, at most max bytes long. */
static const char *l1_string(struct sim_hart *ht, uint32_t addr, size_t max)
{
	struct sim_core *c = ht->core;
	size_t left;

	if (addr >= c->dev->cfg.l1_size)
		return NULL;
	left = c->dev->cfg.l1_size - addr;
	if (memchr(c->l1 + addr, '\0', left < max ? left : max) == NULL)
		return NULL;
	return (const char *)c->l1 + addr;
}

static void emit(struct sim_hart *ht, const char *s, size_t n)
{
	struct sim_core *c = ht->core;

	while (n--) {
		char ch = *s++;

		if (ch == '\n' || ht->line_len == sizeof(ht->line) - 1) {
			ht->line[ht->line_len] = '\0';
			sim_log(c->dev, "core (%u,%u) %s: %s", c->x, c->y,
				sim_role_name(ht->role), ht->line);
			ht->line_len = 0;
			if (ch == '\n')
				continue;
		}
		ht->line[ht->line_len++] = ch;
	}
}

/* Format one conversion; spec holds "%", flags, width, precision. */
static enum rv_mmio dprint_one(struct sim_hart *ht, char *spec, char conv, uint32_t v)
{
	char out[128];
	const char *str;
	size_t len = strlen(spec);
	float f;
	int n;

	spec[len] = conv;
	spec[len + 1] = '\0';
	switch (conv) {
	case 'd':
	case 'i':
		n = snprintf(out, sizeof(out), spec, (int)(int32_t)v);
		break;
	case 'u':
	case 'x':
	case 'X':
		n = snprintf(out, sizeof(out), spec, (unsigned)v);
		break;
	case 'c':
		n = snprintf(out, sizeof(out), spec, (int)(unsigned char)v);
		break;
	case 'f':
	case 'e':
	case 'g':
		memcpy(&f, &v, sizeof(f));
		n = snprintf(out, sizeof(out), spec, (double)f);
		break;
	case 's':
		str = l1_string(ht, v, 256);
		if (!str) {
			sim_core_fault(ht, "DPRINT: %%s argument 0x%x is not a string in L1", v);
			return RV_MMIO_FAULT;
		}
		n = snprintf(out, sizeof(out), spec, str);
		break;
	default:
		sim_core_fault(ht, "DPRINT: unsupported conversion %%%c", conv);
		return RV_MMIO_FAULT;
	}
	if (n > 0)
		emit(ht, out, (size_t)n < sizeof(out) ? (size_t)n : sizeof(out) - 1);
	return RV_MMIO_OK;
}

static enum rv_mmio dprint(struct sim_hart *ht)
{
	const char *fmt = l1_string(ht, ht->arg[0], 512);
	uint32_t nargs = ht->arg[2], used = 0;
	const uint32_t *args;
	const char *p;

	if (!fmt) {
		sim_core_fault(ht, "DPRINT: format at 0x%x is not a string in L1", ht->arg[0]);
		return RV_MMIO_FAULT;
	}
	if (nargs > 16) {
		sim_core_fault(ht, "DPRINT: %u arguments, at most 16", nargs);
		return RV_MMIO_FAULT;
	}
	args = (const uint32_t *)local_ptr(ht, ht->arg[1], nargs * 4, "DPRINT");
	if (nargs && !args)
		return RV_MMIO_FAULT;

	for (p = fmt; *p; p++) {
		char spec[32];
		size_t len = 1;
		uint32_t v;

		if (*p != '%') {
			emit(ht, p, 1);
			continue;
		}
		if (p[1] == '%') {
			emit(ht, "%", 1);
			p++;
			continue;
		}
		spec[0] = '%';
		while (len < sizeof(spec) - 2 && p[1] && strchr("-+ 0#.123456789", p[1]))
			spec[len++] = *++p;
		spec[len] = '\0';
		if (!p[1]) {
			sim_core_fault(ht, "DPRINT: format ends inside a conversion");
			return RV_MMIO_FAULT;
		}
		if (used == nargs) {
			sim_core_fault(ht, "DPRINT: more conversions than the %u arguments", nargs);
			return RV_MMIO_FAULT;
		}
		memcpy(&v, &args[used++], sizeof(v));
		if (dprint_one(ht, spec, *++p, v) != RV_MMIO_OK)
			return RV_MMIO_FAULT;
	}
	return RV_MMIO_OK;
}

/* ---- the MMIO window ------------------------------------------------ */
static enum rv_mmio call(struct sim_hart *ht, uint32_t num)
{
	ht->clock += CALL_CYCLES;
	if (num == TT_CALL_EXIT) {
		if (ht->role == TT_ROLE_COMPUTE && ht->core->dst_state != DST_FREE) {
			sim_core_fault(ht, "kernel_main returned holding the DST registers "
				       "(tile_regs_commit/wait/release missing)");
			return RV_MMIO_FAULT;
		}
		if (ht->line_len)
			emit(ht, "\n", 1);
		return RV_MMIO_EXIT;
	}
	if (num >= TT_CALL_CB_RESERVE_BACK && num <= TT_CALL_CB_PAGE_SIZE)
		return cb_call(ht, num);
	if (num >= TT_CALL_NOC_READ && num <= TT_CALL_NOC_WRITES_FLUSHED)
		return noc_call(ht, num);
	if (num == TT_CALL_DPRINT)
		return dprint(ht);
	if (num >= TT_CALL_TILE_REGS_ACQUIRE && num <= TT_CALL_TILE_SFPU_BINARY) {
		if (ht->role != TT_ROLE_COMPUTE) {
			sim_core_fault(ht, "tile engine call %u from the %s kernel; only the "
				       "compute kernel drives the tile engine", num,
				       sim_role_name(ht->role));
			return RV_MMIO_FAULT;
		}
		return sim_tile_call(ht, num, ht->arg, &ht->result);
	}
	sim_core_fault(ht, "unknown call %u", num);
	return RV_MMIO_FAULT;
}

enum rv_mmio sim_core_mmio_store(struct rv_hart *h, uint32_t addr, int size, uint32_t val)
{
	struct sim_hart *ht = h->ctx;
	uint32_t off = addr - TT_MMIO_BASE;

	if (size != 4 || (off & 3)) {
		sim_core_fault(ht, "%d-byte MMIO store to 0x%08x; registers take aligned words",
			       size, addr);
		return RV_MMIO_FAULT;
	}
	if (off < 4 * TT_MMIO_NARGS) {
		ht->arg[off / 4] = val;
		return RV_MMIO_OK;
	}
	if (addr == TT_MMIO_CALL)
		return call(ht, val);
	sim_core_fault(ht, "store to unknown MMIO register 0x%08x", addr);
	return RV_MMIO_FAULT;
}

enum rv_mmio sim_core_mmio_load(struct rv_hart *h, uint32_t addr, int size, uint32_t *val)
{
	struct sim_hart *ht = h->ctx;
	uint32_t off = addr - TT_MMIO_BASE;

	if (size != 4 || (off & 3)) {
		sim_core_fault(ht, "%d-byte MMIO load from 0x%08x; registers take aligned words",
			       size, addr);
		return RV_MMIO_FAULT;
	}
	if (off < 4 * TT_MMIO_NARGS) {
		*val = ht->arg[off / 4];
		return RV_MMIO_OK;
	}
	if (addr == TT_MMIO_RESULT) {
		*val = ht->result;
		return RV_MMIO_OK;
	}
	sim_core_fault(ht, "load from unknown MMIO register 0x%08x", addr);
	return RV_MMIO_FAULT;
}
