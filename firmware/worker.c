// SPDX-License-Identifier: MIT
/*
 * Worker firmware of a Tensix tile: BRISC runs the writer role on NoC 0,
 * NCRISC the reader role on NoC 1 (build with -DFW_BRISC or -DFW_NCRISC).
 *
 * The command processor releases BRISC from reset for a launch; BRISC
 * releases NCRISC if the launch has a reader kernel. Each runs its role's
 * kernel when the role's `go` word differs from its `done`, on a stack at
 * the top of the role's L1 window, reports `done` (with a status and, on
 * failure, a message) and spins until the command processor puts the core
 * back into reset: idle cores are held in reset, not spinning. A kernel reaches the firmware through the same calls it makes
 * on the model (uapi/tt_core.h): it stores the arguments and the call
 * number in core-local RAM at 0xFFB00000 and calls the handler whose
 * address the firmware left at FW_CALL_ENTRY.
 */

#include "fw.h"
#include "chip.h"
#include "noc.h"
#include "fwlib.h"
#include "tt_core.h"

#if defined(FW_BRISC)
#define ROLE		TT_ROLE_WRITER
#define NIU		0u
#elif defined(FW_NCRISC)
#define ROLE		TT_ROLE_READER
#define NIU		1u
#else
#error "build with -DFW_BRISC or -DFW_NCRISC"
#endif

#define BOUNCE_SIZE	1024u

int fw_enter(uint32_t entry, uint32_t sp, uint32_t *save);
void fw_leave(uint32_t *save, int ret) __attribute__((noreturn));
void fw_call(void);
int main(void);

static struct fw_mailbox *const mb = (struct fw_mailbox *)FW_BASE;
static struct noc noc;
static uint32_t save[14];
static uint32_t noc_bytes, dram_bytes;

/* This hart's side of each CB: its pointers and what it reserved or waited for. */
static struct {
	uint32_t wr, rd, reserved, waited;
} cbs[TT_MAX_CBS];

/* Transfers whose two ends disagree in alignment go through here. */
static uint8_t bounce[BOUNCE_SIZE + 64] __attribute__((aligned(64)));

#define ARG(i)		REG32(FW_LOCAL_BASE + 4u * (i))
#define VREAD(v)	(*(volatile __typeof__(v) *)&(v))
#define CALL_NUM	REG32(FW_LOCAL_BASE + 0x20u)
#define CALL_RESULT	REG32(FW_LOCAL_BASE + 0x24u)

static void fail(int err, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));

static void fail(int err, const char *fmt, ...)
{
	struct fw_role *r = &mb->role[ROLE];
	va_list ap;

	va_start(ap, fmt);
	fw_vfmt(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	r->status = err;
	fw_leave(save, err);
}

/* ---- addresses ------------------------------------------------------ */
static void check_local(uint32_t addr, uint32_t len, const char *what)
{
	if (addr > mb->map.l1_size || len > mb->map.l1_size - addr)
		fail(-EFAULT, "%s: local L1 0x%x + %u bytes is past the end of L1 (0x%x)", what,
		     addr, len, mb->map.l1_size);
}

struct place {
	uint32_t x, y;			/* NoC 0 */
	uint64_t addr;
	int dram;
};

/* Where a NoC address of the model's kind (uapi/tt_core.h) is on this chip. */
static struct place where(uint64_t n, uint32_t len, const char *what)
{
	const struct fw_map *m = &mb->map;
	uint32_t x = TT_NOC_X(n), y = TT_NOC_Y(n);
	uint64_t a = TT_NOC_LOCAL(n);
	struct place p;

	if (n & TT_NOC_MCAST)
		fail(-EFAULT, "%s: NoC address 0x%llx is a multicast address", what,
		     (unsigned long long)n);
	if (y == TT_NOC_DRAM_Y) {
		if (x >= m->dram_banks)
			fail(-EFAULT, "%s: NoC address 0x%llx: no DRAM bank %u (%u banks)", what,
			     (unsigned long long)n, x, m->dram_banks);
		if (a > m->dram_bank_size || len > m->dram_bank_size - a)
			fail(-EFAULT, "%s: DRAM bank %u: 0x%llx + %u bytes is past its end (0x%x)",
			     what, x, (unsigned long long)a, len, m->dram_bank_size);
		p.x = m->dram_x[x];
		p.y = m->dram_y[x];
		p.addr = m->dram_base + a;
		p.dram = 1;
		return p;
	}
	if (x >= m->grid_x || y >= m->grid_y)
		fail(-EFAULT, "%s: NoC address 0x%llx: no endpoint at (%u,%u)", what,
		     (unsigned long long)n, x, y);
	if (a > m->l1_size || len > m->l1_size - a)
		fail(-EFAULT, "%s: core (%u,%u) L1: 0x%llx + %u bytes is past its end (0x%x)",
		     what, x, y, (unsigned long long)a, len, m->l1_size);
	p.x = m->worker_x[x];
	p.y = m->worker_y[y];
	p.addr = a;
	p.dram = 0;
	return p;
}

/* ---- NoC calls ------------------------------------------------------ */
static void count(const struct place *p, uint32_t len)
{
	noc_bytes += len;
	if (p->dram)
		dram_bytes += len;
}

static void do_read(uint64_t src, uint32_t dst, uint32_t len)
{
	struct place p = where(src, len, "noc_async_read");
	uint32_t align = p.dram ? NOC_DRAM_ALIGN : NOC_L1_ALIGN;

	check_local(dst, len, "noc_async_read");
	count(&p, len);
	if (((uint32_t)p.addr & (align - 1)) == (dst & (align - 1))) {
		noc_read(&noc, p.x, p.y, p.addr, dst, len);
		return;
	}
	/* Through the bounce buffer, at the source's alignment. */
	while (len) {
		uint32_t k = len < BOUNCE_SIZE ? len : BOUNCE_SIZE;
		uint32_t b = (uint32_t)(uintptr_t)bounce + ((uint32_t)p.addr & (align - 1));

		noc_read(&noc, p.x, p.y, p.addr, b, k);
		noc_read_barrier(&noc);
		memcpy((void *)(uintptr_t)dst, (const void *)(uintptr_t)b, k);
		p.addr += k;
		dst += k;
		len -= k;
	}
}

static void do_write(uint32_t src, uint64_t dst, uint32_t len)
{
	struct place p = where(dst, len, "noc_async_write");

	check_local(src, len, "noc_async_write");
	count(&p, len);
	if (((uint32_t)p.addr & (NOC_L1_ALIGN - 1)) == (src & (NOC_L1_ALIGN - 1))) {
		noc_write(&noc, src, p.x, p.y, p.addr, len);
		return;
	}
	while (len) {
		uint32_t k = len < BOUNCE_SIZE ? len : BOUNCE_SIZE;
		uint32_t b = (uint32_t)(uintptr_t)bounce + ((uint32_t)p.addr & (NOC_L1_ALIGN - 1));

		noc_write_barrier(&noc);
		memcpy((void *)(uintptr_t)b, (const void *)(uintptr_t)src, k);
		noc_write(&noc, b, p.x, p.y, p.addr, k);
		p.addr += k;
		src += k;
		len -= k;
	}
	noc_write_barrier(&noc);
}

static void do_mcast(const char *what)
{
	const struct fw_map *m = &mb->map;
	uint64_t n = (uint64_t)ARG(2) << 32 | ARG(1), a = TT_NOC_LOCAL(n);
	uint32_t x0 = TT_NOC_X(n), y0 = TT_NOC_Y(n), x1 = TT_NOC_X_END(n), y1 = TT_NOC_Y_END(n);
	uint32_t src = ARG(0), len = ARG(3), flags = ARG(5), me_x = 0, me_y = 0, cnt, x, y;
	int loopback = flags & TT_MCAST_LOOPBACK, inside;

	if (flags & ~TT_MCAST_LOOPBACK)
		fail(-EFAULT, "%s: unknown flags 0x%x", what, flags);
	if (!(n & TT_NOC_MCAST) || x0 > x1 || y0 > y1 || x1 >= m->grid_x || y1 >= m->grid_y)
		fail(-EFAULT, "%s: 0x%llx is not a multicast address of a rectangle of cores "
		     "(%u,%u)-(%u,%u) inside the %ux%u grid (get_noc_multicast_addr)", what,
		     (unsigned long long)n, x0, y0, x1, y1, m->grid_x, m->grid_y);
	if (a > m->l1_size || len > m->l1_size - a)
		fail(-EFAULT, "%s: L1 0x%llx + %u bytes is past the end of L1 (0x%x)", what,
		     (unsigned long long)a, len, m->l1_size);
	check_local(src, len, what);
	for (x = 0; x < m->grid_x; x++)
		if (m->worker_x[x] == noc.x)
			me_x = x;
	for (y = 0; y < m->grid_y; y++)
		if (m->worker_y[y] == noc.y)
			me_y = y;
	inside = me_x >= x0 && me_x <= x1 && me_y >= y0 && me_y <= y1;
	cnt = (x1 - x0 + 1) * (y1 - y0 + 1) - (inside && !loopback);
	if (ARG(4) != cnt)
		fail(-EFAULT, "%s: num_dests is %u, but cores (%u,%u)-(%u,%u) are %u destinations "
		     "(the sender %s)", what, ARG(4), x0, y0, x1, y1, cnt,
		     !inside ? "is outside" : loopback ? "included: loopback" :
		     "excluded: no loopback");
	noc_bytes += len * cnt;
	/* One write per core: the NoC's own multicast reaches every tile of the rectangle. */
	for (y = y0; y <= y1; y++)
		for (x = x0; x <= x1; x++) {
			uint64_t d = TT_NOC_ADDR(x, y, a);

			if (x == me_x && y == me_y && inside && !loopback)
				continue;
			if ((a & (NOC_L1_ALIGN - 1)) == (src & (NOC_L1_ALIGN - 1))) {
				noc_write(&noc, src, m->worker_x[x], m->worker_y[y], a, len);
				continue;
			}
			do_write(src, d, len);
		}
}

static void do_sem_inc(void)
{
	uint64_t n = (uint64_t)ARG(1) << 32 | ARG(0);
	struct place p = where(n, 4, "noc_semaphore_inc");

	if (p.dram)
		fail(-EFAULT, "noc_semaphore_inc: 0x%llx is in DRAM: NoC atomics reach L1 only",
		     (unsigned long long)n);
	if (p.addr & 3)
		fail(-EFAULT, "noc_semaphore_inc: address is not 4-byte aligned");
	noc_atomic_inc(&noc, p.x, p.y, (uint32_t)p.addr, ARG(2),
		       (uint32_t)(uintptr_t)bounce);
}

static void do_sem_wait(uint32_t call)
{
	uint32_t addr = ARG(0), want = ARG(1);
	volatile uint32_t *w;

	check_local(addr, 4, "noc_semaphore_wait");
	if (addr & 3)
		fail(-EFAULT, "noc_semaphore_wait: 0x%x is not 4-byte aligned", addr);
	w = (volatile uint32_t *)(uintptr_t)addr;
	if (call == TT_CALL_SEM_WAIT)
		while (*w != want)
			;
	else
		while (*w < want)
			;
}

/* ---- circular buffers ----------------------------------------------- */
static const char *const cb_names[] = {
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
static int cb_advance(const struct fw_cb *cb, uint32_t *ptr, uint32_t n)
{
	uint32_t next = *ptr + n * cb->page_size;

	if (next > cb->addr + cb->size)
		return -1;
	*ptr = next == cb->addr + cb->size ? cb->addr : next;
	return 0;
}

static uint32_t cb_filled(uint32_t i)
{
	volatile struct fw_cb_sync *s = &mb->sync[i];

	return s->pushed - s->popped;
}

static uint32_t cb_call(uint32_t call)
{
	uint32_t i = ARG(0), n = ARG(1), tmp;
	const char *name = cb_names[call];
	const struct fw_cb *cb;
	volatile struct fw_cb_sync *s;

	if (i >= TT_MAX_CBS || !mb->cb[i].num_pages)
		fail(-EFAULT, "%s: cb %u is not configured on this core", name, i);
	cb = &mb->cb[i];
	s = &mb->sync[i];
	switch (call) {
	case TT_CALL_CB_WRITE_PTR:
		return cbs[i].wr;
	case TT_CALL_CB_READ_PTR:
		return cbs[i].rd;
	case TT_CALL_CB_PAGE_SIZE:
		return cb->page_size;
	}
	if (!n || n > cb->num_pages)
		fail(-EFAULT, "%s(cb %u, %u pages): the CB holds %u pages", name, i, n,
		     cb->num_pages);
	switch (call) {
	case TT_CALL_CB_RESERVABLE:
		return cb->num_pages - cb_filled(i) >= n;
	case TT_CALL_CB_AVAILABLE:
		return cb_filled(i) >= n;
	case TT_CALL_CB_RESERVE_BACK:
		tmp = cbs[i].wr;
		if (cb_advance(cb, &tmp, n))
			fail(-EFAULT, "cb_reserve_back(cb %u, %u pages) crosses the end of the CB: "
			     "its %u pages must be a multiple of %u", i, n, cb->num_pages, n);
		while (cb->num_pages - cb_filled(i) < n)
			;
		if (n > cbs[i].reserved)
			cbs[i].reserved = n;
		return 0;
	case TT_CALL_CB_PUSH_BACK:
		if (n > cbs[i].reserved)
			fail(-EFAULT, "cb_push_back(cb %u, %u pages) without cb_reserve_back of %u "
			     "pages (%u reserved)", i, n, n, cbs[i].reserved);
		if (cb_advance(cb, &cbs[i].wr, n))
			fail(-EFAULT, "cb_push_back(cb %u, %u pages) crosses the end of the CB", i, n);
		cbs[i].reserved -= n;
		s->pushed += n;
		return 0;
	case TT_CALL_CB_WAIT_FRONT:
		tmp = cbs[i].rd;
		if (cb_advance(cb, &tmp, n))
			fail(-EFAULT, "cb_wait_front(cb %u, %u pages) crosses the end of the CB: "
			     "its %u pages must be a multiple of %u", i, n, cb->num_pages, n);
		while (cb_filled(i) < n)
			;
		if (n > cbs[i].waited)
			cbs[i].waited = n;
		return 0;
	case TT_CALL_CB_POP_FRONT:
		if (n > cbs[i].waited)
			fail(-EFAULT, "cb_pop_front(cb %u, %u pages) without cb_wait_front of %u "
			     "pages (%u waited for)", i, n, n, cbs[i].waited);
		if (cb_advance(cb, &cbs[i].rd, n))
			fail(-EFAULT, "cb_pop_front(cb %u, %u pages) crosses the end of the CB", i, n);
		cbs[i].waited -= n;
		s->popped += n;
		return 0;
	}
	return 0;
}

/* ---- the call handler ----------------------------------------------- */
void fw_call(void)
{
	uint32_t call = CALL_NUM, result = 0;

	mb->role[ROLE].last_call = call;

	switch (call) {
	case TT_CALL_EXIT:
		fw_leave(save, 0);
	case TT_CALL_CB_RESERVE_BACK ... TT_CALL_CB_PAGE_SIZE:
		result = cb_call(call);
		break;
	case TT_CALL_NOC_READ:
		do_read((uint64_t)ARG(1) << 32 | ARG(0), ARG(2), ARG(3));
		break;
	case TT_CALL_NOC_WRITE:
		do_write(ARG(0), (uint64_t)ARG(2) << 32 | ARG(1), ARG(3));
		break;
	case TT_CALL_NOC_WRITE_MCAST:
		do_mcast(ARG(3) == 4 ? "noc_semaphore_set_multicast" : "noc_async_write_multicast");
		break;
	case TT_CALL_NOC_READ_BARRIER:
		noc_read_barrier(&noc);
		break;
	case TT_CALL_NOC_WRITE_BARRIER:
	case TT_CALL_NOC_WRITES_FLUSHED:
		noc_write_barrier(&noc);
		break;
	case TT_CALL_NOC_SEM_INC:
		do_sem_inc();
		break;
	case TT_CALL_SEM_WAIT:
	case TT_CALL_SEM_WAIT_MIN:
		do_sem_wait(call);
		break;
	case TT_CALL_DPRINT:
		fail(-EOPNOTSUPP, "DPRINT: device output is not carried to the host on %s yet",
		     CHIP_NAME);
	default:
		if (call >= TT_CALL_TILE_REGS_ACQUIRE)
			fail(-EOPNOTSUPP, "call %u: the Tensix compute engine of %s is not driven "
			     "yet", call, CHIP_NAME);
		fail(-EFAULT, "unknown call %u", call);
	}
	CALL_RESULT = result;
}

/* ---- launches ------------------------------------------------------- */
static void run(void)
{
	struct fw_role *r = &mb->role[ROLE];
	uint32_t i;
	int ret;

	for (i = 0; i < TT_MAX_CBS; i++) {
		cbs[i].wr = cbs[i].rd = mb->cb[i].addr;
		cbs[i].reserved = cbs[i].waited = 0;
	}
	noc_bytes = dram_bytes = 0;
	r->status = 0;
	r->msg[0] = '\0';
	r->last_call = ~0u;
	r->t_start = (uint32_t)wall_clock();
	ret = fw_enter(TT_L1_KERNEL(ROLE), TT_L1_KERNEL(ROLE) + TT_L1_KERNEL_SIZE, save);
	/* Done means done: what the kernel sent has landed. */
	noc_read_barrier(&noc);
	noc_write_barrier(&noc);
	r->t_end = (uint32_t)wall_clock();
	r->noc_bytes = noc_bytes;
	r->dram_bytes = dram_bytes;
	if (ret)
		r->status = ret;
}

int main(void)
{
	struct fw_role *r = &mb->role[ROLE];
	uint32_t g;

	noc_init(&noc, NIU, 0, mb->map.noc_w, mb->map.noc_h);
	REG32(FW_CALL_ENTRY) = (uint32_t)(uintptr_t)fw_call;
#if defined(FW_BRISC)
	/* NCRISC starts at its own firmware, if the launch gives it a kernel. */
	if (VREAD(mb->role[TT_ROLE_READER].go) != VREAD(mb->role[TT_ROLE_READER].done)) {
		ncrisc_set_start(FW_BASE + FW_NCRISC_OFF);
		REG32(REG_SOFT_RESET) = REG32(REG_SOFT_RESET) & ~SOFT_RESET_NCRISC;
	}
#endif
	mb->booted[ROLE] = FW_BOOTED;
	g = VREAD(r->go);
	if (g != VREAD(r->done)) {
		run();
		VREAD(r->done) = g;
	}
	/* The command processor puts the core back into reset. */
	for (;;)
		;
}
