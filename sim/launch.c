// SPDX-License-Identifier: MIT
/*
 * Launching a program: check the program image, load kernels, args, CBs
 * and semaphores into the cores, then run every hart to the end.
 *
 * A launch holds the cores it uses while it runs: a launch of the other
 * queue on other cores runs at the same time, one that needs some of them
 * waits. Each queue's launches have their own pool of host threads.
 *
 * Harts run on a pool of host threads; each thread owns a fixed share of
 * the active cores and gives each of their harts a quantum in turn. A hart
 * that has to wait (an empty CB, a semaphore) is skipped until it can go
 * on. Only another hart's progress can unblock a hart, so when every
 * thread has gone a full round without progress anywhere, the program is
 * stuck: that is reported as a hang, with what each hart waits for.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf.h"
#include "internal.h"
#include "tile.h"

#define QUANTUM		20000	/* instructions per hart per turn */

/*
 * Device time (1 GHz clock), this file's part: a hart's clock advances one
 * cycle per RISC-V instruction it retires. Calls into the core, transfers
 * and tile-engine ops add their own costs (core.c, noc.c, tile.c). A core
 * is done when its last hart is and its transfers have landed; a program
 * when its last core is, but no sooner than its busiest DRAM bank allows.
 */
#define HART_CYCLES_PER_INSTRUCTION	1

/* ---- decoded kernel code, cached by content ------------------------ */
static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ull;
	return h;
}

void sim_code_cache_clear(struct sim_device *d)
{
	unsigned i;

	for (i = 0; i < SIM_CODE_CACHE; i++) {
		struct sim_code_entry *e = &d->code_cache[i];

		if (e->bytes) {
			rv_code_free(&e->code);
			free(e->bytes);
		}
		memset(e, 0, sizeof(*e));
	}
}

/*
 * Decoded code for the executable segment; called under exec_lock. The
 * entry is pinned (users) until code_put: entries of the launches being
 * set up or running are never evicted.
 */
static const struct rv_code *code_get(struct sim_device *d, const struct elf_segment *s)
{
	uint64_t h = fnv1a(s->data, s->filesz) ^ s->vaddr;
	struct sim_code_entry *e, *victim = NULL;
	uint32_t *words;
	unsigned i;

	for (i = 0; i < SIM_CODE_CACHE; i++) {
		e = &d->code_cache[i];
		if (e->bytes && e->hash == h && e->base == s->vaddr && e->len == s->filesz &&
		    !memcmp(e->bytes, s->data, s->filesz)) {
			e->last_use = ++d->code_clock;
			e->users++;
			return &e->code;
		}
		if (e->users)
			continue;
		if (!victim || (victim->bytes && (!e->bytes || e->last_use < victim->last_use)))
			victim = e;
	}
	if (!victim)
		return NULL;
	if (victim->bytes) {
		rv_code_free(&victim->code);
		free(victim->bytes);
		memset(victim, 0, sizeof(*victim));
	}
	words = malloc(s->filesz ? s->filesz : 4);
	if (!words)
		return NULL;
	memcpy(words, s->data, s->filesz);
	if (rv_decode(&victim->code, s->vaddr, words, s->filesz / 4)) {
		free(words);
		return NULL;
	}
	victim->bytes = (uint8_t *)words;
	victim->hash = h;
	victim->base = s->vaddr;
	victim->len = s->filesz;
	victim->last_use = ++d->code_clock;
	victim->users = 1;
	return &victim->code;
}

/* Unpin what code_get returned; called under exec_lock. */
static void code_put(const struct rv_code *code)
{
	struct sim_code_entry *e = (struct sim_code_entry *)
		((const char *)code - offsetof(struct sim_code_entry, code));

	e->users--;
}

/* ---- checking the program image ------------------------------------ */
struct prog {
	const uint8_t *img;
	uint32_t size;
	const struct ttsim_prog_hdr *hdr;
	const struct ttsim_prog_kernel *kernels;
	const struct ttsim_prog_cb *cbs;
	const struct ttsim_prog_args *args;
	const struct ttsim_prog_sem *sems;
	struct elf_image elf[256];
	const struct rv_code *code[256];
};

static int bad(struct ttsim_completion *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(struct ttsim_completion *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(c->msg, sizeof(c->msg), "malformed program: ");
	va_start(ap, fmt);
	vsnprintf(c->msg + n, sizeof(c->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool table_ok(const struct prog *p, uint32_t off, uint32_t n, size_t elem)
{
	return off % 4 == 0 && off <= p->size && (uint64_t)n * elem <= p->size - off;
}

static bool range_ok(const struct sim_device *d, const struct ttsim_core_range *r)
{
	return r->x0 <= r->x1 && r->y0 <= r->y1 && r->x1 < d->cfg.grid_x && r->y1 < d->cfg.grid_y;
}

static bool in_range(const struct ttsim_core_range *r, uint32_t x, uint32_t y)
{
	return x >= r->x0 && x <= r->x1 && y >= r->y0 && y <= r->y1;
}

/* Check the image; the code of its kernels is pinned (code_put). exec_lock held. */
static int check_program(struct sim_device *d, struct prog *p, bool stats,
			 struct ttsim_completion *c)
{
	const struct ttsim_prog_hdr *h = p->hdr;
	char why[SIM_MSG_LEN];
	uint32_t i, j;

	if (p->size < sizeof(*h) || h->magic != TTSIM_PROG_MAGIC || h->size != p->size)
		return bad(c, "bad header (magic 0x%08x, size %u of %u)",
			   p->size >= sizeof(*h) ? h->magic : 0,
			   p->size >= sizeof(*h) ? h->size : 0, p->size);
	if (h->reserved)
		return bad(c, "reserved header fields are not zero");
	if (stats && h->stats_size && !sim_dma_ptr(d, h->stats_addr, h->stats_size, why, sizeof(why)))
		return bad(c, "per-core figures: %s", why);
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
		if (!range_ok(d, &k->range))
			return bad(c, "kernel %u: cores (%u,%u)-(%u,%u) are not inside the %ux%u grid",
				   i, k->range.x0, k->range.y0, k->range.x1, k->range.y1,
				   d->cfg.grid_x, d->cfg.grid_y);
		if (!table_ok(p, k->elf_off, 1, k->elf_size) || !k->elf_size)
			return bad(c, "kernel %u: ELF image outside the program", i);
		if (k->ncommon > TT_MAX_ARGS || !table_ok(p, k->common_off, k->ncommon, 4))
			return bad(c, "kernel %u: %u common args (at most %u) or outside the image",
				   i, k->ncommon, TT_MAX_ARGS);
		for (j = 0; j < i; j++) {
			const struct ttsim_prog_kernel *o = &p->kernels[j];

			if (o->role == k->role && !(o->range.x1 < k->range.x0 ||
			    k->range.x1 < o->range.x0 || o->range.y1 < k->range.y0 ||
			    k->range.y1 < o->range.y0))
				return bad(c, "kernels %u and %u are both the %s kernel of a core", j,
					   i, sim_role_name(k->role));
		}
		if (elf_load(p->img + k->elf_off, k->elf_size, lo,
			     lo + TT_L1_KERNEL_SIZE - TT_L1_MIN_STACK, &p->elf[i], why, sizeof(why)))
			return bad(c, "kernel %u (%s): %s", i, sim_role_name(k->role), why);
		p->code[i] = code_get(d, &p->elf[i].seg[p->elf[i].text]);
		if (!p->code[i])
			return bad(c, "kernel %u: cannot decode it (out of memory, or more than %u "
				   "different kernels in the programs running)", i, SIM_CODE_CACHE);
	}
	for (i = 0; i < h->ncbs; i++) {
		const struct ttsim_prog_cb *b = &p->cbs[i];
		uint64_t end = (uint64_t)b->addr + (uint64_t)b->page_size * b->num_pages;

		if (!range_ok(d, &b->range) || b->index >= TT_MAX_CBS || b->reserved)
			return bad(c, "cb entry %u: bad cores or index %u", i, b->index);
		if (!sim_tile_size(b->format))
			return bad(c, "cb %u: unknown data format %u", b->index, b->format);
		if (!b->page_size || !b->num_pages || b->addr % TT_L1_ALIGN ||
		    b->addr < TT_L1_FREE || end > d->cfg.l1_size)
			return bad(c, "cb %u: %u pages of %u bytes at 0x%x do not fit in L1 "
				   "[0x%x, 0x%x)", b->index, b->num_pages, b->page_size, b->addr,
				   TT_L1_FREE, d->cfg.l1_size);
		for (j = 0; j < i; j++)
			if (p->cbs[j].index == b->index &&
			    !(p->cbs[j].range.x1 < b->range.x0 || b->range.x1 < p->cbs[j].range.x0 ||
			      p->cbs[j].range.y1 < b->range.y0 || b->range.y1 < p->cbs[j].range.y0))
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
		if (!range_ok(d, &p->sems[i].range) || p->sems[i].id >= TT_MAX_SEMS)
			return bad(c, "semaphore entry %u: bad cores or id %u", i, p->sems[i].id);
	return 0;
}

/* ---- setting up the cores ------------------------------------------ */
static void load_kernel(struct sim_core *c, const struct prog *p, uint32_t k)
{
	const struct ttsim_prog_kernel *pk = &p->kernels[k];
	const struct elf_image *e = &p->elf[k];
	struct sim_hart *ht = &c->hart[pk->role];
	uint32_t top = TT_L1_KERNEL(pk->role) + TT_L1_KERNEL_SIZE;
	unsigned s;

	for (s = 0; s < e->nseg; s++) {
		memcpy(c->l1 + e->seg[s].vaddr, e->seg[s].data, e->seg[s].filesz);
		memset(c->l1 + e->seg[s].vaddr + e->seg[s].filesz, 0,
		       e->seg[s].memsz - e->seg[s].filesz);
	}
	memcpy(c->l1 + TT_L1_ROLE_ARGS(pk->role) + TT_L1_COMMON_ARGS,
	       p->img + pk->common_off, (size_t)pk->ncommon * 4);
	ht->rv.code = p->code[k];
	rv_reset(&ht->rv, e->entry, top);
	ht->rv.instret = 0;
	ht->state = HART_RUNNING;
	ht->clock = 0;
	ht->noc_free = ht->read_done = ht->write_done = 0;
	ht->noc_bytes = ht->dram_bytes = 0;
	ht->wait_fmt = NULL;
	ht->line_len = 0;
	if (pk->role == TT_ROLE_COMPUTE) {
		c->dst_fp32 = pk->flags & TTSIM_KERNEL_FP32_DEST;
		c->dst_tiles = c->dst_fp32 ? 8 : 16;
		c->math_fidelity = pk->math_fidelity;
	}
	c->active = true;
}

/* The per-page CB clocks of the cores of `uses`. */
static void free_cb_clocks(struct sim_device *d, const bool *uses)
{
	unsigned i, j;

	for (i = 0; i < d->ncores; i++)
		for (j = 0; uses[i] && j < TT_MAX_CBS; j++) {
			free(d->cores[i].cb[j].push_clock);
			d->cores[i].cb[j].push_clock = d->cores[i].cb[j].pop_clock = NULL;
		}
}

/*
 * Set up the cores of `uses` (held by this launch, run); the others are
 * not touched. -ENOMEM if the CBs' clocks do not fit in memory.
 */
static int setup_cores(struct sim_device *d, const struct prog *p, const bool *uses,
		       struct sim_run *run)
{
	const struct ttsim_prog_hdr *h = p->hdr;
	uint32_t i, x, y;

	free_cb_clocks(d, uses);
	for (i = 0; i < d->ncores; i++) {
		struct sim_core *c = &d->cores[i];
		struct tt_core_info info = {
			.x = c->x, .y = c->y, .grid_x = d->cfg.grid_x, .grid_y = d->cfg.grid_y,
			.dram_banks = d->cfg.dram_banks, .l1_size = d->cfg.l1_size,
		};
		unsigned r;

		if (!uses[i])
			continue;
		c->active = false;
		c->run = run;
		c->dst_state = DST_FREE;
		c->fault[0] = '\0';
		memset(c->cb, 0, sizeof(c->cb));
		for (r = 0; r < TT_NUM_ROLES; r++) {
			c->hart[r].state = HART_IDLE;
			memset(c->hart[r].dram_bank_bytes, 0, sizeof(c->hart[r].dram_bank_bytes));
		}
		memcpy(c->l1 + TT_L1_INFO, &info, sizeof(info));
		memset(c->l1 + TT_L1_ARGS, 0, TT_NUM_ROLES * TT_L1_ARGS_STRIDE);
		/* Semaphores the program does not set start at 0. */
		memset(c->l1 + TT_L1_SEMS, 0, 16 * TT_MAX_SEMS);
		memset(c->sem_clock, 0, sizeof(c->sem_clock));
	}
	for (i = 0; i < h->nkernels; i++) {
		const struct ttsim_core_range *r = &p->kernels[i].range;

		for (y = r->y0; y <= r->y1; y++)
			for (x = r->x0; x <= r->x1; x++)
				load_kernel(&d->cores[y * d->cfg.grid_x + x], p, i);
	}
	for (i = 0; i < h->nargs; i++) {
		const struct ttsim_prog_args *a = &p->args[i];
		struct sim_core *c = &d->cores[a->y * d->cfg.grid_x + a->x];

		memcpy(c->l1 + TT_L1_ROLE_ARGS(p->kernels[a->kernel].role), p->img + a->off,
		       (size_t)a->count * 4);
	}
	for (i = 0; i < h->ncbs; i++) {
		const struct ttsim_prog_cb *b = &p->cbs[i];

		for (y = b->range.y0; y <= b->range.y1; y++)
			for (x = b->range.x0; x <= b->range.x1; x++) {
				struct sim_cb *cb = &d->cores[y * d->cfg.grid_x + x].cb[b->index];

				cb->configured = true;
				cb->format = b->format;
				cb->addr = b->addr;
				cb->page_size = b->page_size;
				cb->num_pages = b->num_pages;
				cb->size = b->page_size * b->num_pages;
				cb->wr_ptr = cb->rd_ptr = b->addr;
				cb->push_clock = calloc(2 * (size_t)b->num_pages, sizeof(uint64_t));
				if (!cb->push_clock)
					return -ENOMEM;
				cb->pop_clock = cb->push_clock + b->num_pages;
			}
	}
	for (i = 0; i < h->nsems; i++) {
		const struct ttsim_prog_sem *s = &p->sems[i];

		for (y = s->range.y0; y <= s->range.y1; y++)
			for (x = s->range.x0; x <= s->range.x1; x++)
				memcpy(d->cores[y * d->cfg.grid_x + x].l1 + TT_L1_SEMS + 16 * s->id,
				       &s->value, 4);
	}
	return 0;
}

/* ---- running the harts --------------------------------------------- */
static void stop_run(struct sim_run *run, const char *msg)
{

	pthread_mutex_lock(&run->run_lock);
	if (!atomic_load(&run->stop)) {
		snprintf(run->msg, sizeof(run->msg), "%s", msg);
		atomic_store(&run->stop, 1);
	}
	pthread_cond_broadcast(&run->run_cond);
	pthread_mutex_unlock(&run->run_lock);
}

/* Give one hart a turn. Returns true if it got anywhere. */
static bool run_hart(struct sim_run *run, struct sim_hart *ht)
{
	uint64_t before = ht->rv.instret;
	enum rv_exit ex = rv_run(&ht->rv, QUANTUM);
	bool progress = ht->rv.instret != before;
	char msg[SIM_MSG_LEN];

	ht->clock += (ht->rv.instret - before) * HART_CYCLES_PER_INSTRUCTION;
	switch (ex) {
	case RV_EXIT_QUANTUM:
		return true;
	case RV_EXIT_BLOCKED:
		return progress;
	case RV_EXIT_DONE:
		ht->state = HART_DONE;
		return true;
	case RV_EXIT_FAULT:
		snprintf(msg, sizeof(msg), "core (%u,%u) %s: %s", ht->core->x, ht->core->y,
			 sim_role_name(ht->role), ht->rv.fault);
		stop_run(run, msg);
		ht->state = HART_DONE;
		return true;
	}
	return true;
}

/* What every unfinished hart waits for, for the hang report. */
static void describe_hang(struct sim_run *run, char *out, size_t len)
{
	size_t n = (size_t)snprintf(out, len, "program hang: every kernel waits:");
	unsigned i, r, shown = 0;

	for (i = 0; i < run->ncores && n < len; i++)
		for (r = 0; r < TT_NUM_ROLES && n < len; r++) {
			struct sim_hart *ht = &run->cores[i]->hart[r];
			char wait[96] = "";

			if (ht->state != HART_RUNNING)
				continue;
			if (shown++ == 3) {
				n += (size_t)snprintf(out + n, len - n, " ...");
				return;
			}
			if (ht->wait_fmt)
				snprintf(wait, sizeof(wait), ht->wait_fmt, ht->wait_arg[0],
					 ht->wait_arg[1], ht->wait_arg[2], ht->wait_arg[3]);
			n += (size_t)snprintf(out + n, len - n, " core (%u,%u) %s in %s;",
					      ht->core->x, ht->core->y, sim_role_name(r), wait);
		}
}

/* The watchdog fired: name a kernel of this thread's share that still runs. */
static void stop_watchdog(struct sim_run *run, unsigned t)
{
	struct sim_device *d = run->dev;
	char msg[SIM_MSG_LEN];
	unsigned i, r;

	for (i = t; i < run->ncores; i += run->nthreads)
		for (r = 0; r < TT_NUM_ROLES; r++) {
			struct sim_hart *ht = &run->cores[i]->hart[r];

			if (ht->state != HART_RUNNING)
				continue;
			snprintf(msg, sizeof(msg), "program still running after %u ms (watchdog): "
				 "core (%u,%u) %s at pc 0x%08x; a reset stops it",
				 d->cfg.watchdog_ms, ht->core->x, ht->core->y, sim_role_name(r),
				 ht->rv.pc);
			stop_run(run, msg);
			return;
		}
}

/* A hart got somewhere: idle threads run their harts again. */
static void announce_progress(struct sim_run *run)
{
	pthread_mutex_lock(&run->run_lock);
	atomic_fetch_add(&run->epoch, 1);
	if (run->idle) {
		run->idle = 0;
		run->idle_gen++;
		pthread_cond_broadcast(&run->run_cond);
	}
	pthread_mutex_unlock(&run->run_lock);
}

static void run_share(struct sim_run *run, unsigned t)
{
	struct sim_device *d = run->dev;
	uint64_t seen;
	unsigned i, r;

	for (;;) {
		bool progress = false, left = false;

		seen = atomic_load(&run->epoch);
		for (i = t; i < run->ncores; i += run->nthreads) {
			struct sim_core *c = run->cores[i];

			for (r = 0; r < TT_NUM_ROLES; r++) {
				if (c->hart[r].state != HART_RUNNING)
					continue;
				if (run_hart(run, &c->hart[r]))
					progress = true;
				left |= c->hart[r].state == HART_RUNNING;
			}
		}
		if (atomic_load(&run->stop) || atomic_load(&d->abort))
			return;
		if (progress)
			announce_progress(run);
		if (!left)
			return;
		if (run->deadline_ns && sim_now_ns() > run->deadline_ns) {
			stop_watchdog(run, t);
			return;
		}
		if (progress)
			continue;
		/*
		 * Nothing moved here: wait for progress elsewhere, or find a hang.
		 * Threads counted idle all ran a whole round since the last
		 * progress anywhere (announce_progress empties the count).
		 */
		pthread_mutex_lock(&run->run_lock);
		if (atomic_load(&run->epoch) == seen) {
			struct timespec ts;
			uint64_t gen;

			if (run->idle + 1 == run->active) {
				char msg[SIM_MSG_LEN];

				pthread_mutex_unlock(&run->run_lock);
				describe_hang(run, msg, sizeof(msg));
				stop_run(run, msg);
				return;
			}
			run->idle++;
			gen = run->idle_gen;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 50 * 1000 * 1000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&run->run_cond, &run->run_lock, &ts);
			if (run->idle_gen == gen)
				run->idle--;
		}
		pthread_mutex_unlock(&run->run_lock);
	}
}

static void *worker(void *arg)
{
	struct sim_run *run = ((void **)arg)[0];
	unsigned t = (unsigned)(uintptr_t)((void **)arg)[1];
	uint64_t gen = 0;

	free(arg);
	pthread_mutex_lock(&run->run_lock);
	for (;;) {
		while (!run->workers_exit && run->generation == gen)
			pthread_cond_wait(&run->run_cond, &run->run_lock);
		if (run->workers_exit)
			break;
		gen = run->generation;
		if (t >= run->nthreads)
			continue;
		pthread_mutex_unlock(&run->run_lock);
		run_share(run, t);
		pthread_mutex_lock(&run->run_lock);
		/* This thread's harts are done (or the run stopped). */
		run->active--;
		run->finished++;
		pthread_cond_broadcast(&run->run_cond);
		if (run->finished == run->nthreads)
			pthread_cond_broadcast(&run->done_cond);
	}
	pthread_mutex_unlock(&run->run_lock);
	return NULL;
}

/* One pool of cfg.threads workers per run, so each queue can run a program. */
int sim_workers_start(struct sim_device *d)
{
	unsigned q, i;

	for (q = 0; q < TTSIM_MAX_QUEUES; q++) {
		struct sim_run *run = &d->run[q];

		run->dev = d;
		pthread_mutex_init(&run->run_lock, NULL);
		pthread_cond_init(&run->run_cond, NULL);
		pthread_cond_init(&run->done_cond, NULL);
	}
	for (q = 0; q < TTSIM_MAX_QUEUES; q++) {
		struct sim_run *run = &d->run[q];

		run->workers = calloc(d->cfg.threads, sizeof(*run->workers));
		if (!run->workers) {
			sim_workers_stop(d);
			return -ENOMEM;
		}
		for (i = 0; i < d->cfg.threads; i++) {
			void **arg = malloc(2 * sizeof(void *));

			if (arg) {
				arg[0] = run;
				arg[1] = (void *)(uintptr_t)i;
			}
			if (!arg || pthread_create(&run->workers[i], NULL, worker, arg)) {
				free(arg);
				sim_workers_stop(d);
				return -ENOMEM;
			}
			run->nworkers = i + 1;
		}
	}
	return 0;
}

void sim_workers_stop(struct sim_device *d)
{
	unsigned q, i;

	for (q = 0; q < TTSIM_MAX_QUEUES; q++) {
		struct sim_run *run = &d->run[q];

		pthread_mutex_lock(&run->run_lock);
		run->workers_exit = true;
		pthread_cond_broadcast(&run->run_cond);
		pthread_mutex_unlock(&run->run_lock);
		for (i = 0; i < run->nworkers; i++)
			pthread_join(run->workers[i], NULL);
		free(run->workers);
		run->workers = NULL;
		run->nworkers = 0;
	}
}

/* Run the loaded cores among `uses` to the end on the run's worker threads. */
/* ---- device time ---------------------------------------------------- */
/* When hart ht is done: its clock, or later if its last transfers land later. */
static uint64_t hart_end(const struct sim_hart *ht)
{
	uint64_t t = ht->clock;

	if (ht->read_done > t)
		t = ht->read_done;
	if (ht->write_done > t)
		t = ht->write_done;
	return t;
}

/* Per-core figures of the cores of `uses` into host memory at the program's stats_addr. */
static void write_core_stats(struct sim_device *d, const struct ttsim_prog_hdr *h,
			     const bool *uses)
{
	struct ttsim_core_stats *out;
	char why[SIM_MSG_LEN];
	unsigned i, r, n;

	if (!h->stats_size)
		return;
	n = h->stats_size / sizeof(*out);
	if (n > d->ncores)
		n = d->ncores;
	out = (struct ttsim_core_stats *)sim_dma_ptr(d, h->stats_addr, (uint64_t)n * sizeof(*out),
						      why, sizeof(why));
	if (!out)
		return;
	for (i = 0; i < n; i++) {
		struct sim_core *core = &d->cores[i];
		struct ttsim_core_stats st = { 0 };

		for (r = 0; uses[i] && core->active && r < TT_NUM_ROLES; r++) {
			const struct sim_hart *ht = &core->hart[r];

			if (ht->state == HART_IDLE)
				continue;
			st.hart_cycles[r] = hart_end(ht);
			if (st.hart_cycles[r] > st.cycles)
				st.cycles = st.hart_cycles[r];
			st.instructions += ht->rv.instret;
			st.noc_bytes += ht->noc_bytes;
			st.dram_bytes += ht->dram_bytes;
		}
		memcpy(&out[i], &st, sizeof(st));
	}
}

static int run_cores(struct sim_run *run, const bool *uses, struct ttsim_completion *c)
{
	struct sim_device *d = run->dev;
	struct sim_core **cores;
	unsigned i, n = 0, r;

	cores = malloc(d->ncores * sizeof(*cores));
	if (!cores) {
		snprintf(c->msg, sizeof(c->msg), "out of memory starting the program");
		return -ENOMEM;
	}
	for (i = 0; i < d->ncores; i++)
		if (uses[i] && d->cores[i].active)
			cores[n++] = &d->cores[i];

	pthread_mutex_lock(&run->run_lock);
	run->cores = cores;
	run->ncores = n;
	run->nthreads = n < run->nworkers ? n : run->nworkers;
	run->active = run->nthreads;
	run->idle = 0;
	run->finished = 0;
	run->msg[0] = '\0';
	atomic_store(&run->stop, 0);
	run->deadline_ns = d->cfg.watchdog_ms ?
		sim_now_ns() + (uint64_t)d->cfg.watchdog_ms * 1000000ull : 0;
	if (run->nthreads) {
		run->generation++;
		pthread_cond_broadcast(&run->run_cond);
		while (run->finished < run->nthreads)
			pthread_cond_wait(&run->done_cond, &run->run_lock);
	}
	pthread_mutex_unlock(&run->run_lock);

	for (i = 0; i < n; i++)
		for (r = 0; r < TT_NUM_ROLES; r++) {
			struct sim_hart *ht = &cores[i]->hart[r];

			if (ht->state == HART_IDLE)
				continue;
			c->instructions += ht->rv.instret;
			if (hart_end(ht) > c->cycles)
				c->cycles = hart_end(ht);
		}
	if (sim_dram_bound_cycles(run) > c->cycles)
		c->cycles = sim_dram_bound_cycles(run);
	free(cores);
	if (atomic_load(&d->abort)) {
		snprintf(c->msg, sizeof(c->msg), "program stopped by a device reset");
		return -ECANCELED;
	}
	if (atomic_load(&run->stop)) {
		snprintf(c->msg, sizeof(c->msg), "%s", run->msg);
		return strncmp(run->msg, "program hang", 12) == 0 ? -EDEADLK :
		       strstr(run->msg, "watchdog") ? -ETIMEDOUT : -EFAULT;
	}
	return 0;
}

/* ---- holding cores -------------------------------------------------- */
static void mark_range(struct sim_device *d, const struct ttsim_core_range *r, bool *uses)
{
	uint32_t x, y;

	for (y = r->y0; y <= r->y1; y++)
		for (x = r->x0; x <= r->x1; x++)
			uses[y * d->cfg.grid_x + x] = true;
}

/* The cores a checked program uses: its kernels', CBs' and semaphores'. */
static void cores_used(struct sim_device *d, const struct prog *p, bool *uses)
{
	uint32_t i;

	for (i = 0; i < p->hdr->nkernels; i++)
		mark_range(d, &p->kernels[i].range, uses);
	for (i = 0; i < p->hdr->ncbs; i++)
		mark_range(d, &p->cbs[i].range, uses);
	for (i = 0; i < p->hdr->nsems; i++)
		mark_range(d, &p->sems[i].range, uses);
}

/*
 * Wait until a run is free and no core of `uses` is held by a running
 * launch, then hold them (exec_lock held). The other launch ends, or a
 * reset stops it; NULL then.
 */
static struct sim_run *hold_cores(struct sim_device *d, const bool *uses)
{
	for (;;) {
		struct sim_run *run = NULL;
		bool free_cores = true;
		unsigned i;
		struct timespec ts;

		if (atomic_load(&d->abort))
			return NULL;
		for (i = 0; i < TTSIM_MAX_QUEUES && !run; i++)
			if (!d->run[i].in_use)
				run = &d->run[i];
		for (i = 0; i < d->ncores && free_cores; i++)
			free_cores = !(uses[i] && d->cores[i].held);
		if (run && free_cores) {
			for (i = 0; i < d->ncores; i++)
				if (uses[i])
					d->cores[i].held = true;
			run->in_use = true;
			return run;
		}
		/* A reset does not signal the condition: look at abort now and then. */
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 5 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&d->cores_cond, &d->exec_lock, &ts);
	}
}

static void release_cores(struct sim_device *d, struct sim_run *run, const bool *uses)
{
	unsigned i;

	for (i = 0; i < d->ncores; i++)
		if (uses[i]) {
			d->cores[i].held = false;
			d->cores[i].active = false;
		}
	run->in_use = false;
	pthread_cond_broadcast(&d->cores_cond);
}

/*
 * Check the program, hold its cores (waiting for a launch of the other
 * queue that holds some), set them up, and run it; programs on other
 * cores run meanwhile. With stats, the per-core figures go to the
 * program's stats_addr.
 */
static int launch(struct sim_device *d, const uint8_t *src, uint32_t prog_size, bool stats,
		  struct ttsim_completion *c)
{
	struct sim_run *run = NULL;
	struct prog *p;
	bool *uses;
	unsigned i;
	int ret;

	p = calloc(1, sizeof(*p));
	uses = calloc(d->ncores, sizeof(*uses));
	if (p)
		p->img = malloc(prog_size ? prog_size : 1);
	if (!p || !p->img || !uses) {
		if (p)
			free((void *)p->img);
		free(p);
		free(uses);
		snprintf(c->msg, sizeof(c->msg), "out of memory reading the program");
		return -ENOMEM;
	}
	/* The host may change its copy; check and use ours. */
	memcpy((void *)p->img, src, prog_size);
	p->size = prog_size;
	p->hdr = (const void *)p->img;

	pthread_mutex_lock(&d->exec_lock);
	ret = check_program(d, p, stats, c);
	if (!ret) {
		cores_used(d, p, uses);
		run = hold_cores(d, uses);
		if (!run) {
			snprintf(c->msg, sizeof(c->msg), "program stopped by a device reset");
			ret = -ECANCELED;
		} else if (setup_cores(d, p, uses, run)) {
			snprintf(c->msg, sizeof(c->msg), "out of memory setting up the CBs");
			ret = -ENOMEM;
		}
	}
	pthread_mutex_unlock(&d->exec_lock);

	if (run && !ret) {
		ret = run_cores(run, uses, c);
		if (stats)
			write_core_stats(d, p->hdr, uses);
	}

	pthread_mutex_lock(&d->exec_lock);
	if (run) {
		free_cb_clocks(d, uses);
		release_cores(d, run, uses);
	}
	for (i = 0; i < 256; i++)
		if (p->code[i])
			code_put(p->code[i]);
	pthread_mutex_unlock(&d->exec_lock);
	free((void *)p->img);
	free(p);
	free(uses);
	return ret;
}

int sim_launch(struct sim_device *d, uint64_t prog_addr, uint32_t prog_size,
	       struct ttsim_completion *c)
{
	const uint8_t *src;
	char why[SIM_MSG_LEN];

	src = sim_dma_ptr(d, prog_addr, prog_size, why, sizeof(why));
	if (!src)
		return bad(c, "%s", why);
	return launch(d, src, prog_size, true, c);
}

/* From a trace: no per-core figures, the program that asked may be gone. */
int sim_launch_image(struct sim_device *d, const uint8_t *src, uint32_t prog_size,
		     struct ttsim_completion *c)
{
	return launch(d, src, prog_size, false, c);
}
