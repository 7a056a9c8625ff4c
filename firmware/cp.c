// SPDX-License-Identifier: MIT
/*
 * The command processor: BRISC of one Tensix core that runs no kernels.
 * It executes the command records of the host interface (uapi/ttsim.h)
 * exactly as the model device does, reading the queues' registers and
 * issue rings from host memory through the PCIe tile and writing the
 * completions back there. The host library cannot tell it from the model
 * but for the arch it reports.
 *
 * Everything moves through two staging areas of this core's L1: host or
 * device memory is read into the first at the source's alignment, moved
 * by the core if the destination needs another, and written from there.
 * A launch loads the kernels, arguments, CBs and semaphores into each
 * core's L1, bumps the `go` word of each role that has a kernel and waits
 * for its `done`; a kernel that does not finish in time is stopped by
 * putting its core back into soft reset and booting its firmware again.
 */
#include <stddef.h>

#include "fw.h"
#include "chip.h"
#include "noc.h"
#include "fwlib.h"
#include "tt_core.h"
#include "ttsim.h"

/* This core's L1 below FW_BASE */
#define CHUNK		0x10000u
#define STAGE_A		0x10000u	/* CHUNK + 64 */
#define STAGE_B		0x20100u	/* CHUNK + 64 */
#define ZEROS		0x30200u	/* ZEROS_SIZE bytes of zero */
#define ZEROS_SIZE	0x2000u
#define BLOCK		0x32400u	/* one core's args, info and CBs, put together */
#define STATS(q)	(0x36000u + (q) * 0x4000u)	/* struct ttsim_core_stats[], 256 cores */
#define IMAGE(q)	(FW_CP_IMAGE_BASE + (q) * FW_CP_IMAGE_ROOM(FW_BASE))	/* image or trace */
#define IMAGE_MAX	FW_CP_IMAGE_MAX(FW_BASE)

#define MAX_RECORD	256u
#define L1P(a)		((void *)(uintptr_t)(a))

int main(void);

static struct fw_mailbox *const mb = (struct fw_mailbox *)FW_BASE;
static const struct fw_cp_boot *const boot = (const struct fw_cp_boot *)(FW_BASE + FW_CP_BOOT_OFF);
static volatile struct fw_cp_state *const state =
	(volatile struct fw_cp_state *)(FW_BASE + FW_CP_STATE_OFF);
static struct noc noc;
static uint64_t regs_addr;			/* host: struct ttsim_regs */
static uint32_t nq;
static uint32_t launches;			/* sequence numbers of `go` */
static int32_t first_error;

static struct ttsim_queue_regs qregs[TTSIM_MAX_QUEUES] __attribute__((aligned(32)));
static uint8_t record[MAX_RECORD] __attribute__((aligned(32)));
static struct fw_role roles[FW_ROLES] __attribute__((aligned(32)));
static uint32_t word[8] __attribute__((aligned(32)));

static int fail(struct ttsim_completion *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct ttsim_completion *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fw_vfmt(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	return err;
}

/* ---- places and copies ---------------------------------------------- */
struct place {
	uint32_t x, y;			/* NoC 0; x == ~0u: this core's L1 */
	uint64_t addr;
	uint32_t align;			/* what a NoC read from here needs */
};

#define LOCAL		0xFFFFFFFFu

static struct place host_place(uint64_t a)
{
	struct place p = { mb->map.pcie_x, mb->map.pcie_y,
			   ((uint64_t)mb->map.pcie_base_hi << 32) + a, NOC_DRAM_ALIGN };

	return p;
}

static struct place local_place(uint32_t a)
{
	struct place p = { LOCAL, LOCAL, a, 4 };

	return p;
}

static struct place core_place(uint32_t x, uint32_t y, uint32_t a)
{
	struct place p = { mb->map.worker_x[x], mb->map.worker_y[y], a, NOC_L1_ALIGN };

	return p;
}

/* A NoC address of the model's kind; false and why if there is nothing. */
static int device_place(uint64_t n, uint64_t len, struct place *p, struct ttsim_completion *c)
{
	const struct fw_map *m = &mb->map;
	uint32_t x = TT_NOC_X(n), y = TT_NOC_Y(n);
	uint64_t a = TT_NOC_LOCAL(n);

	if (n & TT_NOC_MCAST)
		return fail(c, -EFAULT, "NoC address 0x%llx is a multicast address",
			    (unsigned long long)n);
	if (y == TT_NOC_DRAM_Y && x < m->dram_banks) {
		if (a > m->dram_bank_size || len > m->dram_bank_size - a)
			return fail(c, -EFAULT, "DRAM bank %u: 0x%llx + %llu bytes is past its end "
				    "(0x%x)", x, (unsigned long long)a, (unsigned long long)len,
				    m->dram_bank_size);
		p->x = m->dram_x[x];
		p->y = m->dram_y[x];
		p->addr = m->dram_base + a;
		p->align = NOC_DRAM_ALIGN;
		return 0;
	}
	if (y != TT_NOC_DRAM_Y && x < m->grid_x && y < m->grid_y) {
		if (a > m->l1_size || len > m->l1_size - a)
			return fail(c, -EFAULT, "core (%u,%u) L1: 0x%llx + %llu bytes is past its end "
				    "(0x%x)", x, y, (unsigned long long)a,
				    (unsigned long long)len, m->l1_size);
		*p = core_place(x, y, (uint32_t)a);
		return 0;
	}
	return fail(c, -EFAULT, "NoC address 0x%llx: no endpoint at (%u,%u)",
		    (unsigned long long)n, x, y);
}

/* Bring len (<= CHUNK) bytes of src into staging; returns where they are. */
static uint32_t fetch(const struct place *src, uint32_t len)
{
	uint32_t at;

	if (src->x == LOCAL)
		return (uint32_t)src->addr;
	at = STAGE_A + ((uint32_t)src->addr & (NOC_DRAM_ALIGN - 1));
	noc_read(&noc, src->x, src->y, src->addr, at, len);
	noc_read_barrier(&noc);
	return at;
}

/* Write len (<= CHUNK) bytes at local L1 `at` to dst. */
static void put(uint32_t at, const struct place *dst, uint32_t len)
{
	if (dst->x == LOCAL) {
		if (at != dst->addr)
			memcpy(L1P(dst->addr), L1P(at), len);
		return;
	}
	if ((at & (NOC_L1_ALIGN - 1)) != ((uint32_t)dst->addr & (NOC_L1_ALIGN - 1))) {
		uint32_t b = STAGE_B + ((uint32_t)dst->addr & (NOC_L1_ALIGN - 1));

		memcpy(L1P(b), L1P(at), len);
		at = b;
	}
	noc_write(&noc, at, dst->x, dst->y, dst->addr, len);
	noc_write_barrier(&noc);
}

static void copy(struct place src, struct place dst, uint64_t len)
{
	/* Straight into this core's L1 when the two ends agree. */
	if (src.x != LOCAL && dst.x == LOCAL &&
	    ((src.addr ^ dst.addr) & (NOC_DRAM_ALIGN - 1)) == 0) {
		noc_read(&noc, src.x, src.y, src.addr, (uint32_t)dst.addr, (uint32_t)len);
		noc_read_barrier(&noc);
		return;
	}
	while (len) {
		uint32_t k = len < CHUNK ? (uint32_t)len : CHUNK;

		put(fetch(&src, k), &dst, k);
		src.addr += k;
		dst.addr += k;
		len -= k;
	}
}

/* Zeros to len bytes at dst. */
static void zero(struct place dst, uint32_t len)
{
	while (len) {
		uint32_t k = len < ZEROS_SIZE ? len : ZEROS_SIZE;

		put(ZEROS + ((uint32_t)dst.addr & (NOC_L1_ALIGN - 1)), &dst, k);
		dst.addr += k;
		len -= k;
	}
}

static void host_read(uint64_t h, void *to, uint32_t len)
{
	copy(host_place(h), local_place((uint32_t)(uintptr_t)to), len);
}

static void host_write(const void *from, uint64_t h, uint32_t len)
{
	copy(local_place((uint32_t)(uintptr_t)from), host_place(h), len);
}

static void regs_write32(uint32_t off, uint32_t v)
{
	word[(off & 15) / 4] = v;
	host_write(&word[(off & 15) / 4], regs_addr + off, 4);
}

/* ---- paged buffers --------------------------------------------------- */
/* Where page `page` of an interleaved buffer is. */
static int page_place(uint32_t kind, uint32_t base, uint32_t page_size, uint32_t page,
		      struct place *p, struct ttsim_completion *c)
{
	const struct fw_map *m = &mb->map;
	uint32_t stride = (page_size + TT_PAGE_ALIGN - 1) & ~(TT_PAGE_ALIGN - 1);
	uint32_t ncores = m->grid_x * m->grid_y, b;
	uint64_t off;

	if (kind == TTSIM_BANK_DRAM) {
		off = (uint64_t)base + (uint64_t)(page / m->dram_banks) * stride;
		b = page % m->dram_banks;
		if (off + page_size > m->dram_bank_size)
			return fail(c, -EFAULT, "page %u is past the end of every bank", page);
		p->x = m->dram_x[b];
		p->y = m->dram_y[b];
		p->addr = m->dram_base + off;
		p->align = NOC_DRAM_ALIGN;
		return 0;
	}
	if (kind != TTSIM_BANK_L1)
		return fail(c, -EINVAL, "unknown bank kind %u", kind);
	off = (uint64_t)base + (uint64_t)(page / ncores) * stride;
	b = page % ncores;
	if (off < TT_L1_FREE || off + page_size > m->l1_size)
		return fail(c, -EFAULT, "L1 page %u at 0x%llx is outside the L1 buffer space "
			    "[0x%x, 0x%x)", page, (unsigned long long)off, TT_L1_FREE, m->l1_size);
	*p = core_place(b % m->grid_x, b / m->grid_x, (uint32_t)off);
	return 0;
}

/* ---- simple commands -------------------------------------------------- */
static int do_linear(const struct ttsim_cmd_linear *cmd, struct ttsim_completion *c)
{
	struct place dev;
	int ret;

	if (cmd->reserved)
		return fail(c, -EINVAL, "reserved field is not zero");
	ret = device_place(cmd->noc_addr, cmd->len, &dev, c);
	if (ret)
		return ret;
	if (cmd->hdr.opcode == TTSIM_CMD_WRITE_LINEAR)
		copy(host_place(cmd->host_addr), dev, cmd->len);
	else
		copy(dev, host_place(cmd->host_addr), cmd->len);
	return 0;
}

static int do_paged(const struct ttsim_cmd_paged *cmd, struct ttsim_completion *c)
{
	struct place p;
	uint32_t i;
	int ret;

	if (cmd->reserved)
		return fail(c, -EINVAL, "reserved field is not zero");
	if (!cmd->page_size)
		return fail(c, -EINVAL, "page size 0");
	/* Every page is checked before any is touched: no partial transfers. */
	for (i = 0; i < cmd->num_pages; i++) {
		ret = page_place(cmd->bank_kind, cmd->base, cmd->page_size, cmd->start_page + i,
				 &p, c);
		if (ret)
			return ret;
	}
	for (i = 0; i < cmd->num_pages; i++) {
		struct place h = host_place(cmd->host_addr + (uint64_t)i * cmd->page_size);

		page_place(cmd->bank_kind, cmd->base, cmd->page_size, cmd->start_page + i, &p, c);
		if (cmd->hdr.opcode == TTSIM_CMD_WRITE_PAGED)
			copy(h, p, cmd->page_size);
		else
			copy(p, h, cmd->page_size);
	}
	return 0;
}

/* ---- launches ---------------------------------------------------------- */
struct prog {
	const uint8_t *img;
	uint32_t size;
	const struct ttsim_prog_hdr *hdr;
	const struct ttsim_prog_kernel *kernels;
	const struct ttsim_prog_cb *cbs;
	const struct ttsim_prog_args *args;
	const struct ttsim_prog_sem *sems;
};

/* What a queue is doing: the record in progress and, for a launch, its state. */
enum { Q_IDLE, Q_WAIT_EVENT, Q_LAUNCH };

static struct queue {
	uint32_t last_event;
	uint32_t busy;			/* Q_* */
	uint32_t rptr, size;		/* the record in progress */
	struct ttsim_completion comp __attribute__((aligned(32)));
	struct ttsim_cmd_wait_event wait;
	/* a launch: of a LAUNCH, or of a LAUNCH_INLINE in a trace */
	struct prog p;
	int started;			/* its cores are set up and running */
	uint32_t seq;
	uint64_t t0;
	int stats;			/* write per-core figures at the end */
	struct ttsim_completion sub;	/* the launch's own result */
	/* a trace */
	int trace;
	uint32_t toff, tsize, tn;
} queues[TTSIM_MAX_QUEUES];

/* Which queue's launch holds each core: 0 none, else queue + 1. */
static uint8_t holder[FW_MAX_GRID][FW_MAX_GRID];

#define IN_PROGRESS	1		/* execute(): the record completes later */

static int bad(struct ttsim_completion *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(struct ttsim_completion *c, const char *fmt, ...)
{
	static const char head[] = "malformed program: ";
	va_list ap;

	memcpy(c->msg, head, sizeof(head));
	va_start(ap, fmt);
	fw_vfmt(c->msg + sizeof(head) - 1, sizeof(c->msg) - sizeof(head) + 1, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *role_name(uint32_t r)
{
	return r == TT_ROLE_READER ? "reader" : r == TT_ROLE_WRITER ? "writer" : "compute";
}

static int table_ok(const struct prog *p, uint32_t off, uint32_t n, uint32_t elem)
{
	return off % 4 == 0 && off <= p->size && (uint64_t)n * elem <= p->size - off;
}

static int range_ok(const struct ttsim_core_range *r)
{
	return r->x0 <= r->x1 && r->y0 <= r->y1 && r->x1 < mb->map.grid_x &&
	       r->y1 < mb->map.grid_y;
}

static int in_range(const struct ttsim_core_range *r, uint32_t x, uint32_t y)
{
	return x >= r->x0 && x <= r->x1 && y >= r->y0 && y <= r->y1;
}

static int overlap(const struct ttsim_core_range *a, const struct ttsim_core_range *b)
{
	return !(a->x1 < b->x0 || b->x1 < a->x0 || a->y1 < b->y0 || b->y1 < a->y0);
}

static uint32_t get16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) | get16(p + 2) << 16;
}

/* The checks of the model's loader, for a kernel built for this chip (soft float). */
static int check_elf(const uint8_t *e, uint32_t len, uint32_t lo, uint32_t hi, char *why,
		     uint32_t whylen)
{
	uint32_t phoff, phnum, i, nexec = 0, entry;

	if (len < 52 || get32(e) != 0x464c457fu)
		return fw_fmt(why, whylen, "not an ELF file"), -1;
	if (e[4] != 1 || e[5] != 1)
		return fw_fmt(why, whylen, "not a 32-bit little-endian ELF"), -1;
	if (get16(e + 18) != 243)
		return fw_fmt(why, whylen, "not a RISC-V executable (e_machine %u)", get16(e + 18)), -1;
	if (get16(e + 16) != 2)
		return fw_fmt(why, whylen, "not an executable (e_type %u)", get16(e + 16)), -1;
	if (get32(e + 36) & 0x1)
		return fw_fmt(why, whylen, "compressed instructions (RVC) are not supported"), -1;
	if (get32(e + 36) & 0x6)
		return fw_fmt(why, whylen, "built with hardware float (the model's ABI); %s's "
			      "cores have none", CHIP_NAME), -1;
	if (get16(e + 42) != 32)
		return fw_fmt(why, whylen, "program header size %u, expected 32", get16(e + 42)), -1;
	entry = get32(e + 24);
	phoff = get32(e + 28);
	phnum = get16(e + 44);
	if (!phnum || (uint64_t)phoff + phnum * 32ull > len)
		return fw_fmt(why, whylen, "program header table outside the file"), -1;
	for (i = 0; i < phnum; i++) {
		const uint8_t *ph = e + phoff + 32 * i;
		uint32_t off = get32(ph + 4), va = get32(ph + 8), fsz = get32(ph + 16);
		uint32_t msz = get32(ph + 20);

		if (get32(ph) != 1 || !msz)
			continue;
		if (fsz > msz)
			return fw_fmt(why, whylen, "segment %u: filesz > memsz (0x%x > 0x%x)", i, fsz,
				      msz), -1;
		if (fsz && (uint64_t)off + fsz > len)
			return fw_fmt(why, whylen, "segment %u data outside the file", i), -1;
		if (va < lo || (uint64_t)va + msz > hi)
			return fw_fmt(why, whylen, "segment %u at 0x%x - 0x%llx outside the kernel "
				      "region 0x%x - 0x%x", i, va, (unsigned long long)va + msz, lo,
				      hi), -1;
		if (get32(ph + 24) & 1)
			nexec++;
	}
	if (nexec != 1)
		return fw_fmt(why, whylen, "%s executable segment", nexec ? "more than one" : "no"), -1;
	if (entry != lo)
		return fw_fmt(why, whylen, "entry point 0x%x is not the start of the kernel region "
			      "0x%x", entry, lo), -1;
	return 0;
}

static int check_program(struct prog *p, struct ttsim_completion *c)
{
	const struct ttsim_prog_hdr *h = p->hdr;
	char why[120];
	uint32_t i, j;

	if (p->size < sizeof(*h) || h->magic != TTSIM_PROG_MAGIC || h->size != p->size)
		return bad(c, "bad header (magic 0x%x, size %u of %u)",
			   p->size >= sizeof(*h) ? h->magic : 0,
			   p->size >= sizeof(*h) ? h->size : 0, p->size);
	if (h->reserved)
		return bad(c, "reserved header fields are not zero");
	if (h->nkernels > 256 || !table_ok(p, h->kernels_off, h->nkernels, sizeof(*p->kernels)) ||
	    !table_ok(p, h->cbs_off, h->ncbs, sizeof(*p->cbs)) ||
	    !table_ok(p, h->args_off, h->nargs, sizeof(*p->args)) ||
	    !table_ok(p, h->sems_off, h->nsems, sizeof(*p->sems)))
		return bad(c, "a table lies outside the image");
	p->kernels = (const void *)(p->img + h->kernels_off);
	p->cbs = (const void *)(p->img + h->cbs_off);
	p->args = (const void *)(p->img + h->args_off);
	p->sems = (const void *)(p->img + h->sems_off);

	for (i = 0; i < h->nkernels; i++) {
		const struct ttsim_prog_kernel *k = &p->kernels[i];
		uint32_t lo = TT_L1_KERNEL(k->role);

		if (k->role >= TT_NUM_ROLES || k->reserved || (k->flags & ~TTSIM_KERNEL_FP32_DEST))
			return bad(c, "kernel %u: bad role %u or flags 0x%x", i, k->role, k->flags);
		if (k->math_fidelity != 0 && (k->math_fidelity < 2 || k->math_fidelity > 4))
			return bad(c, "kernel %u: bad math fidelity %u", i, k->math_fidelity);
		if (!range_ok(&k->range))
			return bad(c, "kernel %u: cores (%u,%u)-(%u,%u) are not inside the %ux%u grid",
				   i, k->range.x0, k->range.y0, k->range.x1, k->range.y1,
				   mb->map.grid_x, mb->map.grid_y);
		if (!table_ok(p, k->elf_off, 1, k->elf_size) || !k->elf_size)
			return bad(c, "kernel %u: ELF image outside the program", i);
		if (k->ncommon > TT_MAX_ARGS || !table_ok(p, k->common_off, k->ncommon, 4))
			return bad(c, "kernel %u: %u common args (at most %u) or outside the image",
				   i, k->ncommon, TT_MAX_ARGS);
		for (j = 0; j < i; j++)
			if (p->kernels[j].role == k->role && overlap(&p->kernels[j].range, &k->range))
				return bad(c, "kernels %u and %u are both the %s kernel of a core", j,
					   i, role_name(k->role));
		if (check_elf(p->img + k->elf_off, k->elf_size, lo,
			      lo + TT_L1_KERNEL_SIZE - TT_L1_MIN_STACK, why, sizeof(why)))
			return bad(c, "kernel %u (%s): %s", i, role_name(k->role), why);
		if (k->role == TT_ROLE_COMPUTE)
			return fail(c, -EOPNOTSUPP, "kernel %u (compute): the Tensix compute engine "
				    "of %s is not driven yet: compute kernels run on the model only",
				    i, CHIP_NAME);
	}
	for (i = 0; i < h->ncbs; i++) {
		const struct ttsim_prog_cb *b = &p->cbs[i];
		uint64_t end = (uint64_t)b->addr + (uint64_t)b->page_size * b->num_pages;

		if (!range_ok(&b->range) || b->index >= TT_MAX_CBS || b->reserved)
			return bad(c, "cb entry %u: bad cores or index %u", i, b->index);
		if (b->format != TT_FORMAT_FLOAT32 && b->format != TT_FORMAT_FLOAT16_B &&
		    b->format != TT_FORMAT_BFP8_B && b->format != TT_FORMAT_INT32 &&
		    b->format != TT_FORMAT_UINT32)
			return bad(c, "cb %u: unknown data format %u", b->index, b->format);
		if (!b->page_size || !b->num_pages || b->addr % TT_L1_ALIGN ||
		    b->addr < TT_L1_FREE || end > mb->map.l1_size)
			return bad(c, "cb %u: %u pages of %u bytes at 0x%x do not fit in L1 "
				   "[0x%x, 0x%x)", b->index, b->num_pages, b->page_size, b->addr,
				   TT_L1_FREE, mb->map.l1_size);
		for (j = 0; j < i; j++)
			if (p->cbs[j].index == b->index && overlap(&p->cbs[j].range, &b->range))
				return bad(c, "cb %u is configured twice on a core", b->index);
	}
	for (i = 0; i < h->nargs; i++) {
		const struct ttsim_prog_args *a = &p->args[i];

		if (a->kernel >= h->nkernels || a->reserved ||
		    !in_range(&p->kernels[a->kernel].range, a->x, a->y))
			return bad(c, "runtime args %u: kernel %u does not run on core (%u,%u)", i,
				   a->kernel, a->x, a->y);
		if (a->count > TT_MAX_ARGS || !table_ok(p, a->off, a->count, 4))
			return bad(c, "runtime args %u: %u args (at most %u) or outside the image",
				   i, a->count, TT_MAX_ARGS);
	}
	for (i = 0; i < h->nsems; i++)
		if (!range_ok(&p->sems[i].range) || p->sems[i].id >= TT_MAX_SEMS)
			return bad(c, "semaphore entry %u: bad cores or id %u", i, p->sems[i].id);
	return 0;
}

/* Load the segments of kernel k on core (x, y). */
static void load_kernel(const struct prog *p, uint32_t k, uint32_t x, uint32_t y)
{
	const uint8_t *e = p->img + p->kernels[k].elf_off;
	uint32_t phoff = get32(e + 28), phnum = get16(e + 44), i;

	for (i = 0; i < phnum; i++) {
		const uint8_t *ph = e + phoff + 32 * i;
		uint32_t off = get32(ph + 4), va = get32(ph + 8), fsz = get32(ph + 16);
		uint32_t msz = get32(ph + 20);

		if (get32(ph) != 1 || !msz)
			continue;
		state->opcode = 1000 + i;
		copy(local_place((uint32_t)(uintptr_t)(e + off)), core_place(x, y, va), fsz);
		state->opcode = 2000 + i;
		zero(core_place(x, y, va + fsz), msz - fsz);
		state->opcode = 3000 + i;
	}
}

/* The low block of a core's L1, from TT_L1_INFO to the kernels: info, semaphores, args. */
#define LOW_SIZE	(TT_L1_KERNEL_BASE - TT_L1_INFO)

static void setup_core(const struct prog *p, uint32_t x, uint32_t y)
{
	state->x = x;
	state->y = y;
	const struct ttsim_prog_hdr *h = p->hdr;
	uint8_t *low = L1P(BLOCK);
	struct tt_core_info *info = (struct tt_core_info *)low;
	struct fw_cb *cbs = (struct fw_cb *)(low + LOW_SIZE);
	uint32_t i;

	memset(low, 0, LOW_SIZE + sizeof(mb->cb) + sizeof(mb->sync));
	info->x = x;
	info->y = y;
	info->grid_x = mb->map.grid_x;
	info->grid_y = mb->map.grid_y;
	info->dram_banks = mb->map.dram_banks;
	info->l1_size = mb->map.l1_size;
	for (i = 0; i < h->nkernels; i++) {
		const struct ttsim_prog_kernel *k = &p->kernels[i];

		if (!in_range(&k->range, x, y))
			continue;
		memcpy(low + TT_L1_ROLE_ARGS(k->role) + TT_L1_COMMON_ARGS - TT_L1_INFO,
		       p->img + k->common_off, k->ncommon * 4);
		load_kernel(p, i, x, y);
	}
	for (i = 0; i < h->nargs; i++) {
		const struct ttsim_prog_args *a = &p->args[i];

		if (a->x == x && a->y == y)
			memcpy(low + TT_L1_ROLE_ARGS(p->kernels[a->kernel].role) - TT_L1_INFO,
			       p->img + a->off, a->count * 4);
	}
	for (i = 0; i < h->nsems; i++)
		if (in_range(&p->sems[i].range, x, y))
			memcpy(low + TT_L1_SEMS - TT_L1_INFO + 16 * p->sems[i].id, &p->sems[i].value, 4);
	for (i = 0; i < h->ncbs; i++) {
		const struct ttsim_prog_cb *b = &p->cbs[i];

		if (!in_range(&b->range, x, y))
			continue;
		cbs[b->index].addr = b->addr;
		cbs[b->index].page_size = b->page_size;
		cbs[b->index].num_pages = b->num_pages;
		cbs[b->index].size = b->page_size * b->num_pages;
	}
	state->opcode = 4000;
	copy(local_place(BLOCK), core_place(x, y, TT_L1_INFO), LOW_SIZE);
	state->opcode = 5000;
	copy(local_place(BLOCK + LOW_SIZE), core_place(x, y, FW_BASE + offsetof(struct fw_mailbox, cb)),
	     sizeof(mb->cb) + sizeof(mb->sync));
}

/* Which roles of core (x, y) have a kernel: a bit per role. */
static uint32_t roles_of(const struct prog *p, uint32_t x, uint32_t y)
{
	uint32_t i, r = 0;

	for (i = 0; i < p->hdr->nkernels; i++)
		if (in_range(&p->kernels[i].range, x, y))
			r |= 1u << p->kernels[i].role;
	return r;
}

static int core_used(const struct prog *p, uint32_t x, uint32_t y)
{
	const struct ttsim_prog_hdr *h = p->hdr;
	uint32_t i;

	if (roles_of(p, x, y))
		return 1;
	for (i = 0; i < h->ncbs; i++)
		if (in_range(&p->cbs[i].range, x, y))
			return 1;
	for (i = 0; i < h->nsems; i++)
		if (in_range(&p->sems[i].range, x, y))
			return 1;
	return 0;
}

static void read_roles(uint32_t x, uint32_t y)
{
	copy(core_place(x, y, FW_BASE + offsetof(struct fw_mailbox, role)),
	     local_place((uint32_t)(uintptr_t)roles), sizeof(roles));
}

/* A core's soft reset register: SOFT_RESET_ALL holds every RISC-V. */
#define SOFT_RESET_ALL	0x47800u

static void set_reset(uint32_t x, uint32_t y, uint32_t v)
{
	struct place r = core_place(x, y, REG_SOFT_RESET);

	word[0] = v;
	put((uint32_t)(uintptr_t)&word[0], &r, 4);
}

/* ---- launches ---------------------------------------------------------- */
/* Check a program image at img and make it queue q's launch (started later). */
static int prepare(uint32_t q, const uint8_t *img, uint32_t size, int stats,
		   struct ttsim_completion *c)
{
	struct queue *Q = &queues[q];
	int ret;

	if ((uintptr_t)img & 3)
		return bad(c, "image address is not 4-byte aligned");
	Q->p = (struct prog){ img, size, (const void *)img, 0, 0, 0, 0 };
	ret = check_program(&Q->p, c);
	if (ret)
		return ret;
	Q->busy = Q_LAUNCH;
	Q->started = 0;
	Q->stats = stats;
	memset(&Q->sub, 0, sizeof(Q->sub));
	return IN_PROGRESS;
}

/* Start queue q's launch if its cores are free; 1 if it started. */
static int start(uint32_t q)
{
	const struct fw_map *m = &mb->map;
	struct queue *Q = &queues[q];
	uint32_t x, y, r;

	for (y = 0; y < m->grid_y; y++)
		for (x = 0; x < m->grid_x; x++)
			if (holder[y][x] && holder[y][x] != q + 1 && core_used(&Q->p, x, y))
				return 0;
	Q->seq = ++launches;
	state->launches = Q->seq;
	state->step = FW_CP_SETUP;
	for (y = 0; y < m->grid_y; y++)
		for (x = 0; x < m->grid_x; x++)
			if (core_used(&Q->p, x, y)) {
				holder[y][x] = (uint8_t)(q + 1);
				setup_core(&Q->p, x, y);
			}
	/* Every core is ready before any starts: kernels may talk to each other. */
	for (y = 0; y < m->grid_y; y++)
		for (x = 0; x < m->grid_x; x++) {
			uint32_t rs = roles_of(&Q->p, x, y);

			for (r = 0; r < FW_ROLES; r++) {
				if (!(rs & 1u << r))
					continue;
				word[0] = Q->seq;
				put((uint32_t)(uintptr_t)&word[0],
				    &(struct place){ m->worker_x[x], m->worker_y[y],
						     FW_BASE + offsetof(struct fw_mailbox, role) +
						     r * sizeof(struct fw_role), NOC_L1_ALIGN }, 4);
			}
			if (rs)
				set_reset(x, y, SOFT_RESET_ALL & ~SOFT_RESET_BRISC);
		}
	memset(L1P(STATS(q)), 0, m->grid_x * m->grid_y * sizeof(struct ttsim_core_stats));
	Q->t0 = wall_clock();
	Q->started = 1;
	return 1;
}

/*
 * Look at each core of queue q's launch once; 1 when all finished (the
 * result in Q->sub, the cores given back), 0 while some run.
 */
static int poll_launch(uint32_t q)
{
	const struct fw_map *m = &mb->map;
	struct queue *Q = &queues[q];
	struct ttsim_completion *c = &Q->sub;
	uint64_t limit = (uint64_t)boot->watchdog_hi << 32 | boot->watchdog_lo;
	uint32_t x, y, r, pending = 0;

	state->step = FW_CP_WAIT_CORES;
	for (y = 0; y < m->grid_y; y++)
		for (x = 0; x < m->grid_x; x++) {
			struct ttsim_core_stats *st = (struct ttsim_core_stats *)L1P(STATS(q)) +
						      y * m->grid_x + x;
			uint32_t rs = roles_of(&Q->p, x, y);

			if (!rs || st->reserved)
				continue;
			read_roles(x, y);
			for (r = 0; r < FW_ROLES; r++)
				if (rs & 1u << r && roles[r].done != Q->seq)
					break;
			if (r < FW_ROLES) {
				state->x = x;
				state->y = y;
				if (wall_clock() - Q->t0 <= limit) {
					pending++;
					continue;
				}
				if (!c->status)
					c->status = fail(c, -ETIMEDOUT, "program still running after %u "
							 "ms (watchdog): core (%u,%u) %s in call %d; "
							 "the core was stopped", boot->watchdog_ms, x,
							 y, role_name(r), (int)roles[r].last_call);
				set_reset(x, y, SOFT_RESET_ALL);
				st->reserved = 1;
				continue;
			}
			st->reserved = 1;	/* finished: not looked at again */
			set_reset(x, y, SOFT_RESET_ALL);
			for (r = 0; r < FW_ROLES; r++) {
				if (!(rs & 1u << r))
					continue;
				st->hart_cycles[r] = roles[r].t_end - roles[r].t_start;
				if (roles[r].t_end - (uint32_t)Q->t0 > st->cycles)
					st->cycles = roles[r].t_end - (uint32_t)Q->t0;
				st->noc_bytes += roles[r].noc_bytes;
				st->dram_bytes += roles[r].dram_bytes;
				if (roles[r].status && !c->status) {
					roles[r].msg[FW_MSG_LEN - 1] = '\0';
					c->status = fail(c, roles[r].status, "core (%u,%u) %s: %s", x, y,
							 role_name(r), roles[r].msg);
				}
			}
		}
	if (pending)
		return 0;
	c->cycles = wall_clock() - Q->t0;
	for (y = 0; y < m->grid_y; y++)
		for (x = 0; x < m->grid_x; x++)
			if (holder[y][x] == q + 1)
				holder[y][x] = 0;
	if (Q->stats && Q->p.hdr->stats_size) {
		uint32_t n = m->grid_x * m->grid_y * sizeof(struct ttsim_core_stats);

		for (y = 0; y < m->grid_y * m->grid_x; y++)
			((struct ttsim_core_stats *)L1P(STATS(q)))[y].reserved = 0;
		host_write(L1P(STATS(q)), Q->p.hdr->stats_addr,
			   Q->p.hdr->stats_size < n ? Q->p.hdr->stats_size : n);
	}
	return 1;
}

static int do_launch(uint32_t q, const struct ttsim_cmd_launch *l, struct ttsim_completion *c)
{
	uint32_t at = IMAGE(q) + ((uint32_t)l->prog_addr & (NOC_DRAM_ALIGN - 1));

	if (l->reserved)
		return fail(c, -EINVAL, "reserved field is not zero");
	if (l->prog_size > IMAGE_MAX)
		return fail(c, -E2BIG, "program image of %u bytes: the command processor of %s "
			    "holds at most %u", l->prog_size, CHIP_NAME, IMAGE_MAX);
	copy(host_place(l->prog_addr), local_place(at), l->prog_size);
	return prepare(q, L1P(at), l->prog_size, 1, c);
}

/* ---- traces ------------------------------------------------------------ */
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

/* Go on with queue q's trace: start its next launch (IN_PROGRESS), or 0 at its end. */
static int trace_next(uint32_t q)
{
	struct queue *Q = &queues[q];
	const uint8_t *t = L1P(IMAGE(q));
	int ret;

	while (Q->toff < Q->tsize) {
		const struct ttsim_cmd_launch_inline *l = (const void *)(t + Q->toff);
		uint32_t n = Q->tn;

		Q->toff += l->hdr.size;
		Q->tn++;
		if (l->hdr.opcode != TTSIM_CMD_LAUNCH_INLINE)
			continue;
		memset(&Q->sub, 0, sizeof(Q->sub));
		if (l->reserved[0] || l->reserved[1] || l->reserved[2])
			ret = fail(&Q->sub, -EINVAL, "reserved field is not zero");
		else if (l->prog_size > l->hdr.size - sizeof(*l))
			ret = fail(&Q->sub, -EINVAL, "program of %u bytes does not fit its record of "
				   "%u bytes", l->prog_size, l->hdr.size);
		else
			ret = prepare(q, (const uint8_t *)(l + 1), l->prog_size, 0, &Q->sub);
		if (ret == IN_PROGRESS)
			return ret;
		return fail(&Q->comp, ret, "trace record %u: %s", n, Q->sub.msg);
	}
	Q->trace = 0;
	return 0;
}

static int exec_trace(uint32_t q, const struct ttsim_cmd_trace *cmd, struct ttsim_completion *c)
{
	struct queue *Q = &queues[q];
	static struct ttsim_completion why;
	uint32_t off = 0, page;
	struct place p;
	int ret;

	if (cmd->size % TTSIM_CMD_ALIGN)
		return fail(c, -EINVAL, "trace of %u bytes: not a multiple of %u", cmd->size,
			    TTSIM_CMD_ALIGN);
	if (!cmd->size)
		return 0;
	if (!cmd->page_size)
		return fail(c, -EINVAL, "trace: page size 0");
	if (cmd->size > IMAGE_MAX)
		return fail(c, -E2BIG, "trace of %u bytes: the command processor of %s holds at "
			    "most %u", cmd->size, CHIP_NAME, IMAGE_MAX);
	for (page = 0; off < cmd->size; page++) {
		uint32_t len = cmd->size - off < cmd->page_size ? cmd->size - off : cmd->page_size;

		ret = page_place(cmd->bank_kind, cmd->base, cmd->page_size, page, &p, &why);
		if (ret)
			return fail(c, ret, "trace: %s", why.msg);
		copy(p, local_place(IMAGE(q) + off), len);
		off += len;
	}
	ret = check_trace(L1P(IMAGE(q)), cmd->size, c);
	if (ret)
		return ret;
	Q->trace = 1;
	Q->toff = 0;
	Q->tsize = cmd->size;
	Q->tn = 0;
	return trace_next(q);
}

/* ---- the queues --------------------------------------------------------- */
static int event_reached(uint32_t q, uint32_t event)
{
	return (int32_t)(queues[q].last_event - event) >= 0;
}

static int execute(uint32_t q, const uint8_t *rec, struct ttsim_completion *c)
{
	const struct ttsim_cmd_hdr *h = (const void *)rec;
	static const uint8_t sizes[] = {
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

	if (h->opcode >= sizeof(sizes) || !sizes[h->opcode])
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
		return do_linear((const void *)rec, c);
	case TTSIM_CMD_WRITE_PAGED:
	case TTSIM_CMD_READ_PAGED:
		return do_paged((const void *)rec, c);
	case TTSIM_CMD_LAUNCH:
		return do_launch(q, (const void *)rec, c);
	case TTSIM_CMD_RECORD_EVENT: {
		const struct ttsim_cmd_event *e = (const void *)rec;

		if (e->reserved[0] || e->reserved[1] || e->reserved[2])
			return fail(c, -EINVAL, "reserved field is not zero");
		c->event = e->event;
		return 0;
	}
	case TTSIM_CMD_WAIT_EVENT: {
		const struct ttsim_cmd_wait_event *w = (const void *)rec;

		if (w->reserved[0] || w->reserved[1])
			return fail(c, -EINVAL, "reserved field is not zero");
		if (w->queue >= TTSIM_MAX_QUEUES)
			return fail(c, -EINVAL, "wait for an event of queue %u: the device has %u "
				    "queues", w->queue, TTSIM_MAX_QUEUES);
		c->event = w->event;
		if (w->queue == q && !event_reached(q, w->event))
			return fail(c, -EDEADLK, "waits for event %u of its own queue, which it has "
				    "not recorded (last: %u)", w->event, queues[q].last_event);
		if (event_reached(w->queue, w->event))
			return 0;
		memcpy(&queues[q].wait, w, sizeof(*w));
		queues[q].busy = Q_WAIT_EVENT;
		return IN_PROGRESS;
	}
	case TTSIM_CMD_EXEC_TRACE:
		return exec_trace(q, (const void *)rec, c);
	case TTSIM_CMD_LAUNCH_INLINE:
		return fail(c, -EINVAL, "LAUNCH_INLINE is valid only inside a trace");
	}
	return -EINVAL;
}

static void set_error(int32_t err, const char *fmt, uint32_t q, const char *msg, uint32_t a,
		      uint32_t b)
{
	static char text[256] __attribute__((aligned(32)));

	if (first_error)
		return;
	first_error = err;
	fw_fmt(text, sizeof(text), fmt, q, msg, a, b);
	host_write(text, regs_addr + offsetof(struct ttsim_regs, error_msg), sizeof(text));
	regs_write32(offsetof(struct ttsim_regs, error), (uint32_t)err);
}

static void queue_error(uint32_t q, const char *msg, uint32_t a, uint32_t b)
{
	/* The message first: the host reads it once it sees the queue stopped. */
	set_error(-EINVAL, "queue %u: %s (0x%x, 0x%x)", q, msg, a, b);
	regs_write32(offsetof(struct ttsim_regs, queue) + q * sizeof(struct ttsim_queue_regs) +
		     offsetof(struct ttsim_queue_regs, enable), 0);
	qregs[q].enable = 0;
}

/* Post queue q's completion of the record in progress; the queue is idle again. */
static void complete(uint32_t q)
{
	struct queue *Q = &queues[q];
	struct ttsim_queue_regs *qr = &qregs[q];
	struct ttsim_completion *c = &Q->comp;
	uint32_t cw = qr->comp_wptr;
	uint64_t qbase = regs_addr + offsetof(struct ttsim_regs, queue) +
			 q * sizeof(struct ttsim_queue_regs);

	Q->busy = Q_IDLE;
	/* Room for it: the host gave back enough completions. */
	state->step = FW_CP_WAIT_ROOM;
	while (cw - qr->comp_rptr >= qr->comp_entries)
		host_read(qbase, qr, sizeof(*qr));
	state->step = FW_CP_COMPLETE;
	if (c->status && c->status != -ECANCELED)
		set_error(c->status, "queue %u: %s", q, c->msg, 0, 0);
	host_write(c, qr->comp_base + (uint64_t)(cw & (qr->comp_entries - 1)) * sizeof(*c),
		   sizeof(*c));
	/* issue_rptr last: the host stops clocking an in-process chip once it caught up. */
	regs_write32(offsetof(struct ttsim_regs, queue) + q * sizeof(*qr) +
		     offsetof(struct ttsim_queue_regs, comp_wptr), cw + 1);
	regs_write32(offsetof(struct ttsim_regs, queue) + q * sizeof(*qr) +
		     offsetof(struct ttsim_queue_regs, issue_rptr), Q->rptr + Q->size);
	qr->issue_rptr = Q->rptr + Q->size;
	qr->comp_wptr = cw + 1;
	if (c->opcode == TTSIM_CMD_RECORD_EVENT && !c->status)
		Q->last_event = c->event;
}

/* A launch of queue q in progress: start it, or see whether it ended. */
static int progress(uint32_t q)
{
	struct queue *Q = &queues[q];
	int ret;

	if (!Q->started)
		return start(q);
	if (!poll_launch(q))
		return 0;
	Q->comp.cycles += Q->sub.cycles;
	if (!Q->trace) {
		Q->comp.status = Q->sub.status;
		memcpy(Q->comp.msg, Q->sub.msg, sizeof(Q->comp.msg));
		complete(q);
		return 1;
	}
	if (Q->sub.status) {
		Q->trace = 0;
		Q->comp.status = fail(&Q->comp, Q->sub.status, "trace record %u: %s", Q->tn - 1,
				      Q->sub.msg);
		complete(q);
		return 1;
	}
	ret = trace_next(q);
	if (ret != IN_PROGRESS) {
		Q->trace = 0;
		Q->comp.status = ret;
		complete(q);
	}
	return 1;
}

/* Move queue q on by one step; 0 when it has nothing to do now. */
static int serve(uint32_t q)
{
	struct queue *Q = &queues[q];
	struct ttsim_queue_regs *qr = &qregs[q];
	const struct ttsim_cmd_hdr *h = (const void *)record;
	uint32_t rptr = qr->issue_rptr, wptr = qr->issue_wptr, avail, off;
	uint64_t t0;
	int ret;

	if (Q->busy == Q_LAUNCH)
		return progress(q);
	if (!qr->enable) {
		Q->busy = Q_IDLE;
		return 0;
	}
	if (Q->busy == Q_WAIT_EVENT) {
		if (!event_reached(Q->wait.queue, Q->wait.event))
			return 0;
		complete(q);
		return 1;
	}
	if (rptr == wptr)
		return 0;
	if (qr->issue_size < 4096 || (qr->issue_size & (qr->issue_size - 1)) ||
	    !qr->comp_entries || (qr->comp_entries & (qr->comp_entries - 1))) {
		queue_error(q, "ring sizes must be powers of two", qr->issue_size, qr->comp_entries);
		return 0;
	}
	avail = wptr - rptr;
	off = rptr & (qr->issue_size - 1);
	if (avail > qr->issue_size || avail < sizeof(*h) || off % TTSIM_CMD_ALIGN) {
		queue_error(q, "issue pointers are inconsistent", rptr, wptr);
		return 0;
	}
	host_read(qr->issue_base + off, record, sizeof(*h));
	if (h->size < sizeof(*h) || h->size % TTSIM_CMD_ALIGN || h->size > avail ||
	    off + h->size > qr->issue_size || (h->opcode != TTSIM_CMD_PAD && h->size > MAX_RECORD)) {
		queue_error(q, "malformed record", rptr, h->size);
		return 0;
	}
	if (h->opcode == TTSIM_CMD_PAD) {
		regs_write32(offsetof(struct ttsim_regs, queue) + q * sizeof(*qr) +
			     offsetof(struct ttsim_queue_regs, issue_rptr), rptr + h->size);
		qr->issue_rptr = rptr + h->size;
		return 1;
	}
	host_read(qr->issue_base + off, record, h->size);
	memset(&Q->comp, 0, sizeof(Q->comp));
	Q->comp.seq = h->seq;
	Q->comp.opcode = h->opcode;
	Q->rptr = rptr;
	Q->size = h->size;
	state->queue = q;
	state->opcode = h->opcode;
	state->step = FW_CP_EXECUTE;
	t0 = wall_clock();
	ret = execute(q, record, &Q->comp);
	if (ret == IN_PROGRESS)
		return 1;
	/* Device time of a command: the chip's wall clock, unless it counted its own. */
	if (!Q->comp.cycles)
		Q->comp.cycles = wall_clock() - t0;
	Q->comp.status = ret;
	complete(q);
	return 1;
}

int main(void)
{
	uint32_t q, moved;

	noc_init(&noc, 0, 0, mb->map.noc_w, mb->map.noc_h);
	memset(L1P(ZEROS), 0, ZEROS_SIZE + 32);
	regs_addr = (uint64_t)boot->regs_hi << 32 | boot->regs_lo;
	nq = boot->nqueues < TTSIM_MAX_QUEUES ? boot->nqueues : TTSIM_MAX_QUEUES;
	mb->booted[TT_ROLE_WRITER] = FW_BOOTED;
	for (;;) {
		state->step = FW_CP_IDLE;
		state->loops++;
		host_read(regs_addr + offsetof(struct ttsim_regs, queue), qregs,
			  nq * sizeof(struct ttsim_queue_regs));
		/* Each queue in turn, a step at a time: neither waits for the other. */
		do {
			moved = 0;
			for (q = 0; q < nq; q++)
				moved |= (uint32_t)serve(q);
		} while (moved);
	}
}
