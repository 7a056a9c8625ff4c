// SPDX-License-Identifier: MIT
/*
 * fuzz_kmod: a seeded fuzzer of the tenstorrent module, run in the QEMU
 * guest against a model device.
 *
 *   fuzz_kmod [--seconds N] [--seed S] [--device PATH] [--verbose]
 *
 * Several open files; every ioctl number 0..40 on magic 0xFA and others,
 * with random _IOC sizes and directions, on structs that are mostly right
 * with a field or two wrong (huge counts and sizes, unknown flags, argsz
 * below and above the struct), on NULL, kernel, unaligned, read-only and
 * mapped pointers; DMA buffers allocated, freed, mapped with random
 * offsets, lengths and protections, touched, partly unmapped, mprotected
 * and mremapped; pinnings, locks, eventfds, resets; forks that inherit the
 * files and close them before or after the parent does.
 *
 * What it checks as it goes: after every reset, each mapping of a file the
 * reset made stale raises SIGBUS; a word written to a DMA mapping reads
 * back; a forked child finishes, and finds the same. At the end it unmaps
 * and closes all, resets the device (RESET_DEVICE, RESET_STATE wait,
 * POST_RESET) and checks that the device works and nothing of it is left
 * (debugfs, procfs), and that the kernel logged no warning meanwhile.
 * Exit status 0 when all of that holds. Prints a table of outcomes per ioctl and per
 * memory operation, lines starting with "@@FUZZ" (the harness shows them).
 *
 * It never writes to the device's register page (BAR mappings are never
 * writable: neither the fuzzer nor the kernel on its behalf can store
 * there), never pins more than its own small arena, and keeps its DMA
 * memory under a budget: the tests that follow need the device and the
 * guest's memory.
 *
 * The seed replays the same sequence of choices; what the kernel answers
 * may differ where timing matters (resets, EAGAIN from mmap).
 */
#include <getopt.h>
#include <inttypes.h>
#include <sys/eventfd.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "kmod_attack.h"

#define NFILES		4
#define MAX_MAPS	96
#define MAX_BUFS	24		/* live DMA buffers per file */
#define DMA_BUDGET	(48u << 20)	/* bytes of DMA memory held at most */
#define MAX_PINS	32		/* per file */
#define MAX_PEER_MAPS	256		/* per file, then it is reopened */
#define ARENA_SIZE	(2u << 20)	/* what PIN_PAGES may pin */
#define ARG_PAGES	4		/* the ioctl argument area, then a guard page */
#define RESET_SPACING	300		/* operations between destructive resets */
#define BLOCK_MS	30		/* a blocking ioctl is interrupted after this */
#define MAX_BAD_LINES	8

#define DMA_BASE	((uint64_t)(KA_PAGE - 256) << TENSTORRENT_MMAP_DMA_SHIFT)
#define BAR_REGION(id)	((uint64_t)((id) - 1) << TENSTORRENT_MMAP_BAR_SHIFT)

/* ---- random numbers ---------------------------------------------------- */
static uint64_t rng;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned pct)
{
	return below(100) < pct;
}

/* Values that find the edges of checks. */
static uint64_t interesting(void)
{
	static const uint64_t v[] = {
		0, 1, 2, 3, 4, 7, 8, 15, 16, 63, 64, 255, 256, 4095, 4096, 4097, 65535, 65536,
		0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull, 1ull << 40, 1ull << 41,
		1ull << 63, ~0ull, ~0ull - 4095, 0xffff888000000000ull, 0x8000000000000000ull,
		(1ull << 47) - 4096, 1u << 22, (1u << 22) + 4096, 1u << 28, (1u << 28) + 4096,
	};

	if (chance(20))
		return rnd();
	return v[below(sizeof(v) / sizeof(v[0]))];
}

/* ---- outcome counts ---------------------------------------------------- */
#define OUT_SIGBUS	200
#define OUT_SIGSEGV	201
#define OUT_MISMATCH	202
#define OUT_HUNG	203
#define OUT_FAILED	204
#define NOUT		205
#define MAX_ROWS	128

struct row {
	char name[40];
	uint64_t n[NOUT];
};

static struct row rows[MAX_ROWS];
static unsigned nrows;

static struct row *row_of(const char *name)
{
	unsigned i;

	for (i = 0; i < nrows; i++)
		if (!strcmp(rows[i].name, name))
			return &rows[i];
	if (nrows == MAX_ROWS)
		return &rows[MAX_ROWS - 1];
	snprintf(rows[nrows].name, sizeof(rows[nrows].name), "%s", name);
	return &rows[nrows++];
}

static void count(const char *name, int outcome)
{
	if (outcome < 0 || outcome >= NOUT)
		outcome = NOUT - 1;
	row_of(name)->n[outcome]++;
}

static const char *outcome_name(int o)
{
	static char buf[16];
	const char *s;

	switch (o) {
	case 0:
		return "ok";
	case OUT_SIGBUS:
		return "SIGBUS";
	case OUT_SIGSEGV:
		return "SIGSEGV";
	case OUT_MISMATCH:
		return "MISMATCH";
	case OUT_HUNG:
		return "HUNG";
	case OUT_FAILED:
		return "FAILED";
	}
	s = strerrorname_np(o);
	if (s)
		return s;
	snprintf(buf, sizeof(buf), "errno%d", o);
	return buf;
}

static void print_rows(const char *prefix)
{
	unsigned i, j, k;

	for (i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];
		bool done[NOUT] = { false };
		uint64_t total = 0;
		char line[1024];
		int at;

		if (strncmp(r->name, prefix, strlen(prefix)))
			continue;
		for (j = 0; j < NOUT; j++)
			total += r->n[j];
		at = snprintf(line, sizeof(line), "@@FUZZ %-28s %8" PRIu64 ":", r->name, total);
		/* Outcomes by count, largest first. */
		for (k = 0; k < NOUT; k++) {
			int best = -1;

			for (j = 0; j < NOUT; j++)
				if (r->n[j] && !done[j] && (best < 0 || r->n[j] > r->n[best]))
					best = (int)j;
			if (best < 0)
				break;
			done[best] = true;
			at += snprintf(line + at, sizeof(line) - (size_t)at, "%s %s %" PRIu64,
				       k ? "," : "", outcome_name(best), r->n[best]);
			if (at >= (int)sizeof(line) - 40)
				break;
		}
		puts(line);
	}
}

/* ---- the fuzzer's view of its files and mappings ------------------------ */
struct buf {
	bool live;
	uint32_t size;
	uint64_t serial;
	uint64_t off;
};

struct pin {
	uint64_t va, size;
};

struct file {
	int fd;			/* -1: closed */
	unsigned id;		/* unique per open */
	bool stale;
	struct buf bufs[TENSTORRENT_MAX_DMA_BUFS];
	struct pin pins[MAX_PINS];
	unsigned npins;
	unsigned peer_maps;
};

enum map_kind { MAP_DMA, MAP_BAR, MAP_OTHER };

struct map {
	uint8_t *addr;
	size_t len;
	int prot;
	enum map_kind kind;
	unsigned file_id;
	uint64_t serial;	/* of the DMA buffer, 0 if not known */
	uint32_t bufsize;
	bool zapped;		/* its file went stale: it must fault */
};

static const char *dev_path;
static struct file files[NFILES];
static struct map maps[MAX_MAPS];
static unsigned nmaps;
static unsigned next_file_id = 1;
static uint64_t next_serial = 1;
static uint64_t dev_gen;
static bool needs_post;
static uint64_t ops, last_reset_op;
static uint8_t *arena, *argbuf, *ro_page;
static int peer_fd = -1, evfd[2] = { -1, -1 };
static bool in_child, verbose;

/* What fails the run. */
static uint64_t survivors, mismatches, hung_children, failed_children, resets_done, stale_checked;

#define VLOG(...)                                                 \
	do {                                                      \
		if (verbose && !in_child)                         \
			printf("op %" PRIu64 ": ", ops), printf(__VA_ARGS__); \
	} while (0)

static const char *const ioctl_names[41] = {
	[0] = "GET_DEVICE_INFO", [1] = "GET_HARVESTING", [2] = "QUERY_MAPPINGS",
	[3] = "ALLOCATE_DMA_BUF", [4] = "FREE_DMA_BUF", [5] = "GET_DRIVER_INFO",
	[6] = "RESET_DEVICE", [7] = "PIN_PAGES", [8] = "LOCK_CTL", [9] = "MAP_PEER_BAR",
	[10] = "UNPIN_PAGES", [11] = "ALLOCATE_TLB", [12] = "FREE_TLB", [13] = "CONFIGURE_TLB",
	[14] = "SET_NOC_CLEANUP", [15] = "SET_POWER_STATE", [16] = "EXPORT_TLB_DMABUF",
	[32] = "GET_DEVICE_CAPS", [33] = "SET_EVENTFD", [34] = "RESET_STATE",
	[35] = "RING_DOORBELL",
};

/* The table's row of an ioctl command. */
static void ioctl_row(unsigned long cmd, char *name, size_t len)
{
	unsigned nr = _IOC_NR(cmd);

	if (_IOC_TYPE(cmd) != TENSTORRENT_IOCTL_MAGIC)
		snprintf(name, len, "ioctl other magic");
	else if (nr > 40)
		snprintf(name, len, "ioctl 0xFA nr>40");
	else if (cmd != _IO(TENSTORRENT_IOCTL_MAGIC, nr))
		snprintf(name, len, "ioctl 0xFA dir/size");
	else if (ioctl_names[nr])
		snprintf(name, len, "ioctl %s", ioctl_names[nr]);
	else
		snprintf(name, len, "ioctl 0xFA nr %u", nr);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A one-shot timer that interrupts a blocking ioctl (no SA_RESTART). */
static void arm(unsigned ms)
{
	struct itimerval t = { .it_value = { .tv_sec = 0, .tv_usec = (long)ms * 1000 } };

	setitimer(ITIMER_REAL, &t, NULL);
}

static void disarm(void)
{
	struct itimerval t = { 0 };

	setitimer(ITIMER_REAL, &t, NULL);
}

static bool may_block(unsigned long cmd)
{
	return cmd == TENSTORRENT_IOCTL_LOCK_CTL || cmd == TENSTORRENT_IOCTL_RESET_STATE;
}

/* Every ioctl goes through here: counted, bounded in time (ms; 0: not at all). */
static int do_ioctl_t(int fd, unsigned long cmd, void *arg, unsigned ms)
{
	char name[48];
	int err;

	if (ms)
		arm(ms);
	err = ka_ioctl(fd, cmd, arg);
	if (ms)
		disarm();
	if (!in_child) {
		ioctl_row(cmd, name, sizeof(name));
		count(name, err);
	}
	return err;
}

static int do_ioctl(int fd, unsigned long cmd, void *arg)
{
	return do_ioctl_t(fd, cmd, arg, may_block(cmd) ? BLOCK_MS : 0);
}

/* Copies from memory that may fault; false if it did. */
static bool safe_copy(void *dst, const void *src, size_t len)
{
	if (sigsetjmp(ka_jmp, 1))
		return false;
	ka_armed = 1;
	memcpy(dst, src, len);
	ka_armed = 0;
	return true;
}

/* ---- mapping table ------------------------------------------------------ */
static bool serial_live(uint64_t serial)
{
	unsigned i, j;

	for (i = 0; i < NFILES; i++)
		for (j = 0; j < TENSTORRENT_MAX_DMA_BUFS; j++)
			if (files[i].bufs[j].live && files[i].bufs[j].serial == serial)
				return true;
	return false;
}

/* DMA memory the fuzzer holds: live buffers and freed ones still mapped. */
static uint64_t dma_in_use(void)
{
	uint64_t sum = 0;
	unsigned i, j;

	for (i = 0; i < NFILES; i++)
		for (j = 0; j < TENSTORRENT_MAX_DMA_BUFS; j++)
			if (files[i].bufs[j].live)
				sum += files[i].bufs[j].size;
	for (i = 0; i < nmaps; i++) {
		bool seen = false;

		if (maps[i].kind != MAP_DMA || maps[i].zapped || serial_live(maps[i].serial))
			continue;
		for (j = 0; j < i && !seen; j++)
			seen = maps[j].serial && maps[j].serial == maps[i].serial && !maps[j].zapped;
		if (!seen)
			sum += maps[i].bufsize ? maps[i].bufsize : (4u << 20);
	}
	return sum;
}

/*
 * Unmaps the device's VMAs (from /proc/self/maps) that [addr, addr + len)
 * touches, with every VMA that a book entry overlapping them touches in
 * turn, each whole (no split to refuse); drops those book entries.
 */
#define MAX_VMAS 1024

static void unmap_whole(const uint8_t *addr, size_t len)
{
	static unsigned long vlo[MAX_VMAS], vhi[MAX_VMAS];
	unsigned long lo = (unsigned long)addr, hi = lo + len;
	char line[512], path[256];
	unsigned nv = 0, i;
	bool grew = true;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return;
	while (nv < MAX_VMAS && fgets(line, sizeof(line), f)) {
		path[0] = '\0';
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %255s", &vlo[nv], &vhi[nv], path) == 3 &&
		    !strncmp(path, "/dev/tenstorrent/", 17))
			nv++;
	}
	fclose(f);
	/* Grow [lo, hi) until it ends on VMA and book boundaries both. */
	while (grew) {
		grew = false;
		for (i = 0; i < nv; i++)
			if (vhi[i] > lo && vlo[i] < hi && (vlo[i] < lo || vhi[i] > hi)) {
				lo = vlo[i] < lo ? vlo[i] : lo;
				hi = vhi[i] > hi ? vhi[i] : hi;
				grew = true;
			}
		for (i = 0; i < nmaps; i++) {
			unsigned long a = (unsigned long)maps[i].addr, b = a + maps[i].len;

			if (b > lo && a < hi && (a < lo || b > hi)) {
				lo = a < lo ? a : lo;
				hi = b > hi ? b : hi;
				grew = true;
			}
		}
	}
	for (i = 0; i < nv; i++)
		if (vhi[i] > lo && vlo[i] < hi)
			munmap((void *)vlo[i], vhi[i] - vlo[i]);
	for (i = 0; i < nmaps;) {
		unsigned long a = (unsigned long)maps[i].addr;

		if (a + maps[i].len > lo && a < hi)
			maps[i] = maps[--nmaps];
		else
			i++;
	}
}

static void map_add(const struct map *m)
{
	if (nmaps < MAX_MAPS)
		maps[nmaps++] = *m;
	else
		unmap_whole(m->addr, m->len);
}

static void map_drop(unsigned i)
{
	maps[i] = maps[--nmaps];
}

/*
 * Splits map i so that [off, off + len) is a map of its own; returns its
 * index (or -1 if the table is full). The pieces keep every attribute.
 */
static int map_carve(unsigned i, size_t off, size_t len)
{
	struct map m = maps[i];

	if (nmaps + 2 > MAX_MAPS)
		return -1;
	if (off) {
		struct map left = m;

		left.len = off;
		maps[nmaps++] = left;
	}
	if (off + len < m.len) {
		struct map right = m;

		right.addr = m.addr + off + len;
		right.len = m.len - off - len;
		maps[nmaps++] = right;
	}
	maps[i].addr = m.addr + off;
	maps[i].len = len;
	return (int)i;
}

/*
 * The books keep what the fuzzer did, not the kernel's VMAs: a no-op
 * mprotect splits nothing, adjacent DMA mappings may merge again. So a
 * piece of the books may be part of a larger VMA, one the module will not
 * split; such a munmap is refused and the books stay as they were.
 *
 * Undoes a map_carve whose memory operation the kernel refused (a module
 * may refuse to split its mappings): the pieces were appended, map i changed.
 */
static void map_uncarve(unsigned i, const struct map *saved, unsigned saved_n)
{
	maps[i] = *saved;
	nmaps = saved_n;
}

/* ---- probing mappings -------------------------------------------------- */
static int probe_outcome(int sig)
{
	return sig == SIGBUS ? OUT_SIGBUS : sig == SIGSEGV ? OUT_SIGSEGV : sig;
}

static const char *kind_name(enum map_kind k)
{
	return k == MAP_DMA ? "dma" : k == MAP_BAR ? "bar" : "other";
}

/* Reads or writes a word of map i; counted. */
static void touch(unsigned i, bool allow_write)
{
	struct map *m = &maps[i];
	size_t word = below(m->len / 4);
	volatile uint32_t *p = (volatile uint32_t *)(m->addr + word * 4);
	bool write = allow_write && m->kind == MAP_DMA && (m->prot & PROT_WRITE) && chance(50);
	uint32_t v = (uint32_t)rnd(), seen = 0;
	char name[48];
	int sig;

	snprintf(name, sizeof(name), "touch %s %s", kind_name(m->kind), write ? "write" : "read");
	sig = ka_probe(p, write, v, NULL);
	if (!sig && m->zapped) {
		survivors++;
		if (!in_child)
			printf("@@FUZZ stale %s mapping %p+%zu of file %u is still %s\n",
			       kind_name(m->kind), (void *)m->addr, m->len, m->file_id,
			       write ? "writable" : "readable");
	}
	if (!sig && write && (m->prot & PROT_READ)) {
		sig = ka_probe(p, false, 0, &seen);
		if (!sig && seen != v) {
			mismatches++;
			if (!in_child)
				count(name, OUT_MISMATCH);
			if (!in_child)
				printf("@@FUZZ DMA word at %p: wrote 0x%08x, read 0x%08x\n", (void *)p,
				       v, seen);
			return;
		}
	}
	if (!in_child)
		count(name, probe_outcome(sig));
}

/*
 * A destructive reset by file `keeper` happened: every mapping of every
 * other file (open or closed) must raise SIGBUS now.
 */
static void check_zapped(unsigned keeper_id)
{
	unsigned i;

	for (i = 0; i < nmaps; i++) {
		struct map *m = &maps[i];
		size_t pg;
		int sig;

		if (m->file_id == keeper_id)
			continue;
		m->zapped = true;
		if (!(m->prot & PROT_READ))
			continue;
		pg = below(m->len / KA_PAGE);
		sig = ka_probe((volatile uint32_t *)(m->addr + pg * KA_PAGE), false, 0, NULL);
		stale_checked++;
		count("stale mapping after reset", probe_outcome(sig));
		/* SIGSEGV: not there as the books think (see map_uncarve); not readable either. */
		if (!sig) {
			survivors++;
			printf("@@FUZZ stale %s mapping %p+%zu of file %u is readable after a reset\n",
			       kind_name(m->kind), (void *)m->addr, m->len, m->file_id);
		}
	}
}

/* ---- files ---------------------------------------------------------------- */
static void file_forget(struct file *f)
{
	memset(f->bufs, 0, sizeof(f->bufs));
	f->npins = 0;
	f->peer_maps = 0;
}

static void file_open(unsigned k)
{
	static const int modes[] = { O_RDWR, O_RDWR, O_RDWR, O_RDWR | O_APPEND, O_RDONLY };
	struct file *f = &files[k];
	int mode = modes[below(sizeof(modes) / sizeof(modes[0]))];

	f->fd = open(dev_path, mode | O_CLOEXEC);
	if (!in_child)
		count("open", f->fd < 0 ? errno : 0);
	f->id = next_file_id++;
	f->stale = false;
	file_forget(f);
}

static void file_close(unsigned k)
{
	struct file *f = &files[k];

	if (f->fd >= 0) {
		close(f->fd);
		if (!in_child)
			count("close", 0);
	}
	f->fd = -1;
	file_forget(f);
}

static unsigned pick_file(void)
{
	unsigned k = (unsigned)below(NFILES), tries;

	for (tries = 0; tries < NFILES && files[k].fd < 0; tries++)
		k = (k + 1) % NFILES;
	if (files[k].fd < 0)
		file_open(k);
	return k;
}

static int live_buf(struct file *f)
{
	unsigned i, n = 0, pick;

	for (i = 0; i < TENSTORRENT_MAX_DMA_BUFS; i++)
		n += f->bufs[i].live;
	if (!n)
		return -1;
	pick = (unsigned)below(n);
	for (i = 0; i < TENSTORRENT_MAX_DMA_BUFS; i++)
		if (f->bufs[i].live && !pick--)
			return (int)i;
	return -1;
}

static unsigned live_bufs(const struct file *f)
{
	unsigned i, n = 0;

	for (i = 0; i < TENSTORRENT_MAX_DMA_BUFS; i++)
		n += f->bufs[i].live;
	return n;
}

static void free_buf(unsigned k, unsigned idx)
{
	struct tenstorrent_free_dma_buf fr;

	memset(&fr, 0, sizeof(fr));
	fr.in.buf_index = (uint8_t)idx;
	if (!do_ioctl(files[k].fd, TENSTORRENT_IOCTL_FREE_DMA_BUF, &fr) || files[k].stale)
		files[k].bufs[idx].live = false;
}

static void unpin(unsigned k, unsigned i)
{
	struct tenstorrent_unpin_pages u;
	struct file *f = &files[k];

	memset(&u, 0, sizeof(u));
	u.in.virtual_address = f->pins[i].va;
	u.in.size = f->pins[i].size;
	do_ioctl(f->fd, TENSTORRENT_IOCTL_UNPIN_PAGES, &u);
	f->pins[i] = f->pins[--f->npins];
}

/* Learns the device's reset generation and state after a RESET_DEVICE by file k. */
static void after_reset_call(unsigned k)
{
	struct tenstorrent_reset_state s;
	unsigned j;

	if (ka_reset_state(files[k].fd, 0, 0, 0, &s))
		return;
	needs_post = s.state != TENSTORRENT_STATE_READY;
	if (s.generation == dev_gen)
		return;
	dev_gen = s.generation;
	resets_done++;
	last_reset_op = ops;
	VLOG("reset by file %u, generation %" PRIu64 "\n", files[k].id, dev_gen);
	for (j = 0; j < NFILES; j++) {
		if (j == k || files[j].fd < 0)
			continue;
		files[j].stale = true;
		file_forget(&files[j]);
	}
	check_zapped(files[k].id);
}

/* What a successful ioctl did, in the fuzzer's books. */
static void after_ioctl(unsigned k, unsigned long cmd, const void *arg)
{
	struct file *f = &files[k];

	if (cmd == TENSTORRENT_IOCTL_ALLOCATE_DMA_BUF) {
		const struct tenstorrent_allocate_dma_buf *a = arg;
		struct buf *b = &f->bufs[a->in.buf_index];

		b->live = true;
		b->size = a->in.requested_size;
		b->off = a->out.mapping_offset;
		b->serial = next_serial++;
		if (dma_in_use() > DMA_BUDGET || live_bufs(f) > MAX_BUFS)
			free_buf(k, a->in.buf_index);
	} else if (cmd == TENSTORRENT_IOCTL_FREE_DMA_BUF) {
		const struct tenstorrent_free_dma_buf *fr = arg;

		f->bufs[fr->in.buf_index].live = false;
	} else if (cmd == TENSTORRENT_IOCTL_PIN_PAGES) {
		const struct tenstorrent_pin_pages *p = arg;

		if (f->npins < MAX_PINS) {
			f->pins[f->npins].va = p->in.virtual_address;
			f->pins[f->npins].size = p->in.size;
			f->npins++;
		} else {
			struct tenstorrent_unpin_pages u;

			memset(&u, 0, sizeof(u));
			u.in.virtual_address = p->in.virtual_address;
			u.in.size = p->in.size;
			do_ioctl(f->fd, TENSTORRENT_IOCTL_UNPIN_PAGES, &u);
		}
	} else if (cmd == TENSTORRENT_IOCTL_UNPIN_PAGES) {
		const struct tenstorrent_unpin_pages *u = arg;
		unsigned i;

		for (i = 0; i < f->npins; i++)
			if (f->pins[i].va == u->in.virtual_address && f->pins[i].size == u->in.size) {
				f->pins[i] = f->pins[--f->npins];
				break;
			}
	} else if (cmd == TENSTORRENT_IOCTL_MAP_PEER_BAR) {
		f->peer_maps++;
	} else if (cmd == TENSTORRENT_IOCTL_RESET_DEVICE && !in_child) {
		after_reset_call(k);
	}
}

/* ---- ioctl arguments ---------------------------------------------------- */
/* An output size: mostly right, sometimes short, long or absurd. */
static uint32_t out_size(size_t right)
{
	switch (below(8)) {
	case 0:
		return 0;
	case 1:
		return (uint32_t)below(right + 1);
	case 2:
		return (uint32_t)(right + below(64));
	case 3:
		return (uint32_t)interesting();
	default:
		return (uint32_t)right;
	}
}

/* argsz: mostly sizeof, else below, above (zero or junk tail) or absurd. */
static uint32_t argsz_of(size_t right, uint8_t *b, size_t cap)
{
	size_t more;

	switch (below(10)) {
	case 0:
		return (uint32_t)below(right);
	case 1:
		more = below(64) + 4;
		if (right + more <= cap)
			memset(b + right, chance(50) ? 0 : (int)(below(255) + 1), more);
		return (uint32_t)(right + more);
	case 2:
		return (uint32_t)interesting();
	default:
		return (uint32_t)right;
	}
}

/* Unknown flag bits now and then. */
static uint32_t flags_of(uint32_t valid_max)
{
	if (chance(70))
		return (uint32_t)below(valid_max + 1);
	if (chance(50))
		return 1u << below(32);
	return (uint32_t)rnd();
}

/*
 * A PIN_PAGES size. Sizes above 2^36 and below 2^40 are left out on
 * purpose: the module allocates its page array (8 bytes a page) before it
 * pins, and arrays of 256 MiB to 2 GiB in a 1 GiB guest may end in the
 * OOM killer, not in an answer. From 2^40 on the array is refused at once.
 */
static uint64_t pin_size(void)
{
	uint64_t s;

	switch (below(6)) {
	case 0:
		s = interesting();
		break;
	case 1:
		s = (1ull << 40) + below(7ull << 40);	/* up to 2^43: passes the INT_MAX check */
		break;
	case 2:
		s = rnd();
		break;
	case 3:
		s = below(64) * KA_PAGE + (chance(20) ? below(KA_PAGE) : 0);
		break;
	default:
		s = (below(4) + 1) * KA_PAGE;
		break;
	}
	if (s > (1ull << 36) && s < (1ull << 40))
		s = 1ull << 41;
	return s;
}

/* An address for PIN_PAGES: the arena mostly, else anything. */
static uint64_t pin_va(void)
{
	unsigned i;

	switch (below(10)) {
	case 0:
		return interesting();
	case 1:
		return 0xffff888000000000ull + below(1u << 30) * KA_PAGE;
	case 2:
		if (nmaps) {
			i = (unsigned)below(nmaps);
			return (uint64_t)(uintptr_t)maps[i].addr;
		}
		return 0;
	case 3:
		return (uint64_t)(uintptr_t)ro_page;
	case 4:
		return (uint64_t)(uintptr_t)arena + below(ARENA_SIZE);
	default:
		return (uint64_t)(uintptr_t)arena + below(ARENA_SIZE / KA_PAGE) * KA_PAGE;
	}
}

/* Sets a random word of b[0, len) to a value of the edges. */
static void mutate(uint8_t *b, size_t len)
{
	unsigned n = (unsigned)below(3) + 1;

	while (n-- && len >= 8) {
		size_t w = (size_t)below(4), at;
		uint64_t v = interesting();
		size_t sz = (size_t)1 << w;

		at = below(len / sz) * sz;
		memcpy(b + at, &v, sz);
	}
}

/*
 * Fills b with an argument for _IO(0xFA, nr): a plausible struct with a
 * field or two wrong. Returns its size.
 */
static size_t make_arg(unsigned k, unsigned nr, uint8_t *b, size_t cap, bool may_reset)
{
	struct file *f = &files[k];
	size_t len;
	int idx;

	memset(b, 0, cap);
	switch (nr) {
	case 0: {
		struct tenstorrent_get_device_info *a = (void *)b;

		a->in.output_size_bytes = out_size(sizeof(a->out));
		len = sizeof(*a);
		break;
	}
	case 1: {
		struct tenstorrent_get_harvesting *a = (void *)b;

		a->in.output_size_bytes = out_size(sizeof(a->out));
		a->in.reserved = chance(90) ? 0 : (uint32_t)rnd();
		len = sizeof(*a);
		break;
	}
	case 2: {
		struct tenstorrent_query_mappings *a = (void *)b;

		a->in.output_mapping_count = chance(70) ? (uint32_t)below(9) : (uint32_t)interesting();
		a->in.reserved = chance(90) ? 0 : (uint32_t)rnd();
		len = sizeof(*a) + 8 * sizeof(struct tenstorrent_mapping);
		break;
	}
	case 3: {
		struct tenstorrent_allocate_dma_buf *a = (void *)b;
		uint32_t sz;

		switch (below(10)) {
		case 0:
			sz = (uint32_t)interesting();
			break;
		case 1:
			sz = (uint32_t)below(1u << 20);
			break;
		case 2:
			sz = (uint32_t)(below(256) + 1) * KA_PAGE;
			break;
		case 3:
			sz = 4u << 20;
			break;
		default:
			sz = (uint32_t)(below(16) + 1) * KA_PAGE;
			break;
		}
		a->in.requested_size = sz;
		a->in.buf_index = chance(80) ? (uint8_t)below(32) : (uint8_t)rnd();
		a->in.flags = chance(90) ? 0 : (uint8_t)rnd();
		if (chance(5))
			a->in.reserved1[below(2)] = rnd();
		len = sizeof(*a);
		break;
	}
	case 4: {
		struct tenstorrent_free_dma_buf *a = (void *)b;

		idx = live_buf(f);
		a->in.buf_index = idx >= 0 && chance(70) ? (uint8_t)idx : (uint8_t)rnd();
		if (chance(5))
			a->in.reserved1 = (uint32_t)rnd();
		len = sizeof(*a);
		break;
	}
	case 5: {
		struct tenstorrent_get_driver_info *a = (void *)b;

		a->in.output_size_bytes = out_size(sizeof(a->out));
		len = sizeof(*a);
		break;
	}
	case 6: {
		struct tenstorrent_reset_device *a = (void *)b;
		static const uint32_t harmless[] = {
			TENSTORRENT_RESET_DEVICE_RESTORE_STATE, TENSTORRENT_RESET_DEVICE_RESET_PCIE_LINK,
			TENSTORRENT_RESET_DEVICE_POST_RESET, 7, 0x80000000u,
		};

		a->in.output_size_bytes = out_size(sizeof(a->out));
		if (may_reset && chance(50))
			a->in.flags = (uint32_t)below(8);
		else
			a->in.flags = harmless[below(sizeof(harmless) / sizeof(harmless[0]))];
		len = sizeof(*a);
		break;
	}
	case 7: {
		struct tenstorrent_pin_pages *a = (void *)b;

		a->in.output_size_bytes = out_size(chance(50) ? sizeof(a->out) :
					  sizeof(struct tenstorrent_pin_pages_out_extended));
		a->in.flags = flags_of(TENSTORRENT_PIN_PAGES_CONTIGUOUS);
		a->in.virtual_address = pin_va();
		a->in.size = pin_size();
		len = sizeof(a->in) + sizeof(struct tenstorrent_pin_pages_out_extended);
		break;
	}
	case 8: {
		struct tenstorrent_lock_ctl *a = (void *)b;

		a->in.output_size_bytes = out_size(sizeof(a->out));
		a->in.flags = flags_of(TENSTORRENT_LOCK_CTL_ACQUIRE_BLOCKING);
		a->in.index = chance(90) ? (uint8_t)below(TENSTORRENT_RESOURCE_LOCK_COUNT) :
					   (uint8_t)rnd();
		if (chance(5))
			a->in.reserved[below(3)] = (uint8_t)rnd();
		len = sizeof(*a);
		break;
	}
	case 9: {
		struct tenstorrent_map_peer_bar *a = (void *)b;
		const int choice[] = { peer_fd, f->fd, evfd[0], -1, (int)rnd() };

		a->in.peer_fd = (uint32_t)choice[below(5)];
		a->in.peer_bar_index = chance(80) ? (uint32_t)below(6) : (uint32_t)rnd();
		a->in.peer_bar_offset = chance(80) ? (uint32_t)below(256) * KA_PAGE : (uint32_t)rnd();
		a->in.peer_bar_length = chance(80) ? (uint32_t)(below(16) + 1) * KA_PAGE :
						     (uint32_t)interesting();
		a->in.flags = chance(90) ? 0 : (uint32_t)rnd();
		len = sizeof(*a);
		break;
	}
	case 10: {
		struct tenstorrent_unpin_pages *a = (void *)b;

		if (f->npins && chance(70)) {
			unsigned i = (unsigned)below(f->npins);

			a->in.virtual_address = f->pins[i].va;
			a->in.size = f->pins[i].size;
		} else {
			a->in.virtual_address = pin_va();
			a->in.size = pin_size();
		}
		a->in.reserved = chance(95) ? 0 : rnd();
		len = sizeof(*a);
		break;
	}
	case 11: {
		struct tenstorrent_allocate_tlb *a = (void *)b;
		const uint64_t sizes[] = { 1u << 20, 2u << 20, 16u << 20, 4u << 30, interesting() };

		a->in.size = sizes[below(5)];
		len = sizeof(*a);
		break;
	}
	case 12:
	case 13:
		len = nr == 12 ? sizeof(struct tenstorrent_free_tlb) :
				 sizeof(struct tenstorrent_configure_tlb);
		for (idx = 0; idx < (int)len; idx++)
			b[idx] = chance(50) ? 0 : (uint8_t)rnd();
		break;
	case 14: {
		struct tenstorrent_set_noc_cleanup *a = (void *)b;

		a->flags = chance(90) ? 0 : (uint32_t)rnd();
		a->enabled = (uint8_t)below(3);
		a->x = (uint8_t)below(70);
		a->y = (uint8_t)below(70);
		a->noc = (uint8_t)below(3);
		a->addr = chance(80) ? below(1u << 20) * 4 : interesting();
		a->data = chance(80) ? (uint32_t)rnd() : interesting();
		a->argsz = argsz_of(sizeof(*a), b, cap);
		len = a->argsz > sizeof(*a) && a->argsz <= cap ? a->argsz : sizeof(*a);
		break;
	}
	case 15: {
		struct tenstorrent_power_state *a = (void *)b;
		unsigned i;

		a->flags = chance(90) ? 0 : (uint32_t)rnd();
		a->validity = chance(80) ? (uint8_t)TT_POWER_VALIDITY(below(16), below(16)) :
					   (uint8_t)rnd();
		a->power_flags = (uint16_t)rnd();
		for (i = 0; i < 14; i++)
			a->power_settings[i] = (uint16_t)rnd();
		a->argsz = argsz_of(sizeof(*a), b, cap);
		len = a->argsz > sizeof(*a) && a->argsz <= cap ? a->argsz : sizeof(*a);
		break;
	}
	case 16: {
		struct tenstorrent_export_tlb_dmabuf *a = (void *)b;

		a->tlb_id = (uint32_t)below(300);
		a->size = interesting();
		a->argsz = argsz_of(sizeof(*a), b, cap);
		len = a->argsz > sizeof(*a) && a->argsz <= cap ? a->argsz : sizeof(*a);
		break;
	}
	case 32: {
		struct tenstorrent_get_device_caps *a = (void *)b;

		a->flags = chance(90) ? 0 : (uint32_t)rnd();
		a->argsz = argsz_of(sizeof(*a), b, cap);
		len = a->argsz > sizeof(*a) && a->argsz <= cap ? a->argsz : sizeof(*a);
		break;
	}
	case 33: {
		struct tenstorrent_set_eventfd *a = (void *)b;
		const int choice[] = { evfd[0], evfd[1], -1, -1, -2, f->fd, peer_fd, 1000, (int)rnd() };

		a->flags = chance(90) ? 0 : (uint32_t)rnd();
		a->vector = chance(80) ? (uint32_t)below(4) : (uint32_t)interesting();
		a->fd = choice[below(sizeof(choice) / sizeof(choice[0]))];
		a->argsz = argsz_of(sizeof(*a), b, cap);
		len = a->argsz > sizeof(*a) && a->argsz <= cap ? a->argsz : sizeof(*a);
		break;
	}
	case 34: {
		struct tenstorrent_reset_state *a = (void *)b;

		a->flags = flags_of(TENSTORRENT_RESET_STATE_WAIT);
		a->timeout_ms = chance(50) ? (uint32_t)below(20) : (uint32_t)interesting();
		a->generation = chance(50) ? dev_gen + below(2) - 1 : interesting();
		if (chance(5))
			a->state = (uint32_t)rnd();
		if (chance(5))
			a->fd_generation = rnd();
		a->argsz = argsz_of(sizeof(*a), b, cap);
		len = a->argsz > sizeof(*a) && a->argsz <= cap ? a->argsz : sizeof(*a);
		break;
	}
	case 35: {
		struct tenstorrent_ring_doorbell *a = (void *)b;

		a->flags = chance(90) ? 0 : (uint32_t)rnd();
		a->vector = chance(80) ? (uint32_t)below(4) : (uint32_t)interesting();
		a->reserved = chance(90) ? 0 : (uint32_t)rnd();
		a->argsz = argsz_of(sizeof(*a), b, cap);
		len = a->argsz > sizeof(*a) && a->argsz <= cap ? a->argsz : sizeof(*a);
		break;
	}
	default:
		len = below(256);
		for (idx = 0; idx < (int)len; idx++)
			b[idx] = chance(50) ? 0 : (uint8_t)rnd();
		break;
	}
	if (chance(25) && (nr != 6 || may_reset))
		mutate(b, len);
	/* A mutated PIN_PAGES size must stay out of the range pin_size() avoids. */
	if (nr == 7) {
		struct tenstorrent_pin_pages *a = (void *)b;

		if (a->in.size > (1ull << 36) && a->in.size < (1ull << 40))
			a->in.size = 1ull << 41;
	}
	return len;
}

/* ---- operations ---------------------------------------------------------- */
static bool reset_allowed(void)
{
	return !in_child && ops - last_reset_op >= RESET_SPACING;
}

/*
 * One ioctl: the command, then where its argument lives. A pointer the
 * kernel could write through is never a BAR mapping (those are never
 * writable).
 */
static void op_ioctl(void)
{
	unsigned k = pick_file(), nr;
	unsigned long cmd;
	uint8_t *place = argbuf;
	uint8_t tmp[ARG_PAGES * KA_PAGE / 2];
	void *arg;
	size_t len;
	bool exact;
	int err;

	switch (below(20)) {
	case 0:
	case 1:
	case 2:
		nr = (unsigned)below(41);
		cmd = _IOC(below(4), TENSTORRENT_IOCTL_MAGIC, nr, below(1u << 14));
		break;
	case 3:
		nr = (unsigned)below(256);
		cmd = _IOC(below(4), below(256), nr, below(1u << 14));
		break;
	case 4:
		cmd = (unsigned long)(uint32_t)rnd();
		nr = _IOC_NR(cmd);
		break;
	case 5:
		nr = (unsigned)below(256);
		cmd = _IO(TENSTORRENT_IOCTL_MAGIC, nr);
		break;
	default:
		nr = (unsigned)below(41);
		cmd = _IO(TENSTORRENT_IOCTL_MAGIC, nr);
		break;
	}
	/* Not FIFREEZE and FITHAW: they would freeze the file system of /dev. */
	if (_IOC_TYPE(cmd) == 'X')
		return;
	exact = cmd == _IO(TENSTORRENT_IOCTL_MAGIC, nr) && nr <= 40;
	/* Children do not reset, nor wait for resets. */
	if (in_child && exact && (nr == 6 || nr == 34))
		return;
	len = make_arg(k, exact ? nr : 255, tmp, sizeof(tmp), reset_allowed());

	switch (below(20)) {
	case 0:
		arg = NULL;
		break;
	case 1:
		arg = (void *)(uintptr_t)(0xffff888000000000ull + below(1u << 20) * 64);
		break;
	case 2:
		arg = (void *)(uintptr_t)(chance(50) ? 0x1000 + below(0xf000) : interesting());
		break;
	case 3:
		/* Zeros the kernel may read, not write. */
		arg = ro_page + below(KA_PAGE - len % KA_PAGE);
		break;
	case 4:
		if (nmaps) {
			/* Whatever a mapping holds (a BAR mapping is never writable). */
			struct map *m = &maps[below(nmaps)];

			arg = m->addr + below(m->len);
			break;
		}
		/* fall through */
	case 5:
	case 6:
		/* Ends where the guard page begins. */
		place = argbuf + ARG_PAGES * KA_PAGE - (len ? len : 1) - (chance(50) ? 0 : below(8));
		memcpy(place, tmp, len);
		arg = place;
		break;
	case 7:
	case 8:
		place = argbuf + 1 + below(63);
		memcpy(place, tmp, len);
		arg = place;
		break;
	default:
		memset(argbuf, 0, ARG_PAGES * KA_PAGE);
		memcpy(argbuf, tmp, len);
		arg = argbuf;
		break;
	}
	VLOG("ioctl file %u cmd 0x%lx arg %p len %zu\n", files[k].id, cmd, arg, len);
	err = do_ioctl(files[k].fd, cmd, arg);
	/* What the kernel took: the caller's memory, read back safely. */
	if (!err && exact && safe_copy(tmp, arg, len < 64 ? len : 64))
		after_ioctl(k, cmd, tmp);
	else if (exact && nr == 6 && !in_child)
		after_reset_call(k);
	if (files[k].peer_maps > MAX_PEER_MAPS) {
		file_close(k);
		file_open(k);
	}
}

/* ALLOCATE_DMA_BUF and FREE_DMA_BUF with good arguments mostly. */
static void op_dma(void)
{
	unsigned k = pick_file();
	struct file *f = &files[k];
	struct tenstorrent_allocate_dma_buf a;
	int idx;

	if (chance(40) && (idx = live_buf(f)) >= 0) {
		free_buf(k, (unsigned)idx);
		return;
	}
	memset(&a, 0, sizeof(a));
	switch (below(20)) {
	case 0:
		a.in.requested_size = (uint32_t)interesting();
		break;
	case 1:
		a.in.requested_size = 4u << 20;
		break;
	case 2:
	case 3:
		a.in.requested_size = (uint32_t)(below(256) + 1) * KA_PAGE;
		break;
	default:
		a.in.requested_size = (uint32_t)(below(8) + 1) * KA_PAGE;
		break;
	}
	a.in.buf_index = chance(90) ? (uint8_t)below(32) : (uint8_t)rnd();
	if (dma_in_use() + a.in.requested_size > DMA_BUDGET && a.in.requested_size <= (4u << 20))
		a.in.requested_size = KA_PAGE;
	if (!do_ioctl(f->fd, TENSTORRENT_IOCTL_ALLOCATE_DMA_BUF, &a))
		after_ioctl(k, TENSTORRENT_IOCTL_ALLOCATE_DMA_BUF, &a);
}

static enum map_kind kind_of_offset(uint64_t off)
{
	if (off >= DMA_BASE)
		return MAP_DMA;
	if (off < TENSTORRENT_MMAP_TLB_UC)
		return MAP_BAR;
	return MAP_OTHER;
}

/* mmap with a random offset, length and protection; a fresh one is touched at once. */
static void op_mmap(void)
{
	static const int dma_prots[] = {
		PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE, PROT_READ, PROT_WRITE, PROT_NONE,
		PROT_READ | PROT_EXEC,
	};
	static const int other_prots[] = { PROT_READ, PROT_READ, PROT_NONE, PROT_READ | PROT_EXEC };
	unsigned k = pick_file();
	struct file *f = &files[k];
	uint64_t off, serial = 0;
	uint32_t bufsize = 0;
	size_t len, pages;
	const char *what;
	char name[48];
	struct map m;
	int prot, flags = MAP_SHARED, idx;
	void *p;

	if (nmaps >= MAX_MAPS - 2) {
		unsigned i = (unsigned)below(nmaps);

		unmap_whole(maps[i].addr, maps[i].len);
	}
	switch (below(10)) {
	case 0:
	case 1:
	case 2:
	case 3:
		what = "dma";
		idx = live_buf(f);
		if (idx < 0 || chance(10))
			idx = (int)below(chance(90) ? 32 : 300);
		off = DMA_BASE + ((uint64_t)idx << TENSTORRENT_MMAP_DMA_SHIFT);
		if (idx < TENSTORRENT_MAX_DMA_BUFS && f->bufs[idx].live) {
			bufsize = f->bufs[idx].size;
			serial = f->bufs[idx].serial;
		}
		pages = bufsize ? bufsize / KA_PAGE : 4;
		len = (below(pages) + 1) * KA_PAGE;
		off += below(pages - len / KA_PAGE + 1) * KA_PAGE;
		if (chance(10))
			len += KA_PAGE * (below(2) + 1);
		if (chance(5))
			off += KA_PAGE * below(pages + 2);
		break;
	case 4:
	case 5:
	case 6:
		what = "bar";
		off = BAR_REGION(chance(70) ? TENSTORRENT_MAPPING_RESOURCE1_UC + below(2) :
					      below(7) + 1);
		off += chance(60) ? 0 : below(300) * KA_PAGE;
		len = chance(10) ? (below(2) + 256) * KA_PAGE : (below(8) + 1) * KA_PAGE;
		break;
	case 7:
		what = "tlb";
		off = (chance(50) ? TENSTORRENT_MMAP_TLB_UC : TENSTORRENT_MMAP_TLB_WC) +
		      below(1u << 20) * KA_PAGE;
		len = (below(4) + 1) * KA_PAGE;
		break;
	case 8:
		what = "random offset";
		off = chance(50) ? rnd() & ~(uint64_t)(KA_PAGE - 1) : rnd() >> below(64);
		len = (below(4) + 1) * KA_PAGE;
		break;
	default:
		what = "bad length";
		off = chance(50) ? DMA_BASE : ka_regs_offset();
		len = chance(50) ? 0 : chance(50) ? (size_t)interesting() : (size_t)1 << 40;
		break;
	}
	if (kind_of_offset(off) == MAP_DMA)
		prot = dma_prots[below(sizeof(dma_prots) / sizeof(dma_prots[0]))];
	else
		prot = other_prots[below(sizeof(other_prots) / sizeof(other_prots[0]))];
	switch (below(20)) {
	case 0:
		flags = MAP_PRIVATE;
		if (kind_of_offset(off) != MAP_DMA)
			prot &= ~PROT_WRITE;
		break;
	case 1:
	case 2:
		flags = MAP_SHARED | MAP_POPULATE;
		break;
	case 3:
		flags = MAP_SHARED_VALIDATE;
		break;
	}
	VLOG("mmap file %u off 0x%" PRIx64 " len %zu prot %d flags 0x%x\n", f->id, off, len, prot,
	     flags);
	p = mmap(NULL, len, prot, flags, f->fd, (off_t)off);
	snprintf(name, sizeof(name), "mmap %s", what);
	count(name, p == MAP_FAILED ? errno : 0);
	if (p == MAP_FAILED)
		return;
	memset(&m, 0, sizeof(m));
	m.addr = p;
	m.len = len;
	m.prot = prot;
	m.kind = kind_of_offset(off);
	m.file_id = f->id;
	m.serial = serial;
	m.bufsize = bufsize;
	m.zapped = f->stale;
	m.len = (len + KA_PAGE - 1) & ~(size_t)(KA_PAGE - 1);
	if (flags == MAP_PRIVATE) {
		/* Not something the module should give: unmap, count apart. */
		count("mmap private accepted", 0);
		munmap(p, len);
		return;
	}
	map_add(&m);
	if (chance(70))
		touch(nmaps - 1, true);
}

/* The same BAR range UC and WC at once, both read. */
static void op_uc_wc(void)
{
	unsigned k = pick_file();
	uint64_t in = below(4) * KA_PAGE;
	size_t len = (below(4) + 1) * KA_PAGE;
	void *uc, *wc;

	uc = mmap(NULL, len, PROT_READ, MAP_SHARED, files[k].fd,
		  (off_t)(BAR_REGION(TENSTORRENT_MAPPING_RESOURCE1_UC) + in));
	count("mmap bar uc+wc", uc == MAP_FAILED ? errno : 0);
	wc = mmap(NULL, len, PROT_READ, MAP_SHARED, files[k].fd,
		  (off_t)(BAR_REGION(TENSTORRENT_MAPPING_RESOURCE1_WC) + in));
	count("mmap bar uc+wc", wc == MAP_FAILED ? errno : 0);
	if (uc != MAP_FAILED) {
		count("touch bar read", probe_outcome(ka_probe(uc, false, 0, NULL)));
		if (chance(50) && len > KA_PAGE)
			munmap((uint8_t *)uc + KA_PAGE, KA_PAGE);	/* a hole first */
		munmap(uc, len);
	}
	if (wc != MAP_FAILED) {
		count("touch bar read", probe_outcome(ka_probe(wc, false, 0, NULL)));
		munmap(wc, len);
	}
}

static void op_touch(void)
{
	unsigned n = (unsigned)below(4) + 1;

	while (nmaps && n--)
		touch((unsigned)below(nmaps), true);
}

/* A page-aligned piece [off, off + len) of map i, at random. */
static void pick_piece(unsigned i, size_t *off, size_t *len)
{
	size_t pages = maps[i].len / KA_PAGE, first, n;

	switch (below(4)) {
	case 0:		/* all */
		first = 0;
		n = pages;
		break;
	case 1:		/* the head */
		first = 0;
		n = below(pages) + 1;
		break;
	case 2:		/* the tail */
		n = below(pages) + 1;
		first = pages - n;
		break;
	default:	/* the middle */
		first = below(pages);
		n = below(pages - first) + 1;
		break;
	}
	*off = first * KA_PAGE;
	*len = n * KA_PAGE;
}

static void op_munmap(void)
{
	struct map saved;
	size_t off, len;
	unsigned i, saved_n = nmaps;
	int idx;

	if (!nmaps)
		return;
	i = (unsigned)below(nmaps);
	if (chance(5)) {
		/* Not page aligned, or nothing: EINVAL, the mapping stays. */
		count("munmap bad", munmap(maps[i].addr + 1 + below(KA_PAGE - 1), KA_PAGE) ? errno : 0);
		return;
	}
	saved = maps[i];
	pick_piece(i, &off, &len);
	idx = map_carve(i, off, len);
	if (idx < 0)
		return;
	if (munmap(maps[idx].addr, maps[idx].len)) {
		count(len < saved.len ? "munmap part" : "munmap", errno);
		map_uncarve(i, &saved, saved_n);
		return;
	}
	count(len < saved.len ? "munmap part" : "munmap", 0);
	map_drop((unsigned)idx);
}

static void op_mprotect(void)
{
	static const int prots[] = { PROT_READ, PROT_READ | PROT_WRITE, PROT_NONE, PROT_WRITE };
	struct map saved;
	size_t off, len;
	unsigned i, saved_n = nmaps;
	int idx, prot;

	if (!nmaps)
		return;
	i = (unsigned)below(nmaps);
	prot = prots[below(4)];
	if (maps[i].kind != MAP_DMA)
		prot &= ~PROT_WRITE;	/* never a writable BAR mapping */
	saved = maps[i];
	pick_piece(i, &off, &len);
	idx = map_carve(i, off, len);
	if (idx < 0)
		return;
	if (mprotect(maps[idx].addr, maps[idx].len, prot)) {
		count("mprotect", errno);
		map_uncarve(i, &saved, saved_n);
		return;
	}
	count("mprotect", 0);
	maps[idx].prot = prot;
}

static void op_mremap(void)
{
	struct map saved;
	size_t off, len, new_len;
	unsigned i, j, saved_n = nmaps;
	const char *what;
	void *p, *to = MAP_FAILED;
	int idx;

	if (!nmaps)
		return;
	i = (unsigned)below(nmaps);
	saved = maps[i];
	pick_piece(i, &off, &len);
	idx = map_carve(i, off, len);
	if (idx < 0)
		return;
	j = (unsigned)idx;
	switch (below(5)) {
	case 0:		/* shrink in place */
		what = "mremap shrink";
		new_len = maps[j].len > KA_PAGE ?
			  maps[j].len - (below(maps[j].len / KA_PAGE - 1) + 1) * KA_PAGE : KA_PAGE;
		p = mremap(maps[j].addr, maps[j].len, new_len, 0);
		break;
	case 1:		/* grow: the module's mappings do not expand */
		what = "mremap grow";
		new_len = maps[j].len + (below(4) + 1) * KA_PAGE;
		p = mremap(maps[j].addr, maps[j].len, new_len, chance(50) ? MREMAP_MAYMOVE : 0);
		break;
	case 2:		/* keep the old one too */
		what = "mremap dontunmap";
		new_len = maps[j].len;
		p = mremap(maps[j].addr, maps[j].len, new_len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
		break;
	default:	/* move elsewhere */
		what = "mremap move";
		new_len = maps[j].len;
		to = mmap(NULL, new_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (to == MAP_FAILED) {
			map_uncarve(i, &saved, saved_n);
			return;
		}
		p = mremap(maps[j].addr, maps[j].len, new_len, MREMAP_MAYMOVE | MREMAP_FIXED, to);
		break;
	}
	count(what, p == MAP_FAILED ? errno : 0);
	if (p == MAP_FAILED) {
		if (to != MAP_FAILED)
			munmap(to, new_len);
		map_uncarve(i, &saved, saved_n);
		return;
	}
	if (!strcmp(what, "mremap dontunmap")) {
		struct map m = maps[j];

		m.addr = p;
		map_add(&m);
		return;
	}
	maps[j].addr = p;
	maps[j].len = new_len;
	if (chance(50))
		touch(j, true);
}

/* madvise on the module's mappings; DONTFORK ones are missing in the next child. */
static void op_madvise(void)
{
	static const int advice[] = {
		MADV_DONTNEED, MADV_DONTFORK, MADV_DOFORK, MADV_WIPEONFORK, MADV_REMOVE,
		MADV_COLD, MADV_PAGEOUT, MADV_WILLNEED, MADV_POPULATE_READ, MADV_POPULATE_WRITE,
	};
	static const char *const names[] = {
		"madvise DONTNEED", "madvise DONTFORK", "madvise DOFORK", "madvise WIPEONFORK",
		"madvise REMOVE", "madvise COLD", "madvise PAGEOUT", "madvise WILLNEED",
		"madvise POPULATE_READ", "madvise POPULATE_WRITE",
	};
	unsigned a = (unsigned)below(sizeof(advice) / sizeof(advice[0]));
	size_t off, len;
	unsigned i;

	if (!nmaps)
		return;
	i = (unsigned)below(nmaps);
	pick_piece(i, &off, &len);
	count(names[a], madvise(maps[i].addr + off, len, advice[a]) ? errno : 0);
}

static void op_pin(void)
{
	unsigned k = pick_file();
	struct file *f = &files[k];
	struct tenstorrent_pin_pages p;

	if (f->npins && chance(40)) {
		unpin(k, (unsigned)below(f->npins));
		return;
	}
	memset(&p, 0, sizeof(p));
	p.in.output_size_bytes = sizeof(p.out);
	p.in.flags = chance(80) ? 0 : flags_of(15);
	if (chance(60)) {
		/* Pages of the arena, touched so that they exist. */
		size_t n = below(4) + 1, first = below(ARENA_SIZE / KA_PAGE - n);

		arena[first * KA_PAGE] ^= 1;
		p.in.virtual_address = (uintptr_t)arena + first * KA_PAGE;
		p.in.size = n * KA_PAGE;
	} else {
		p.in.virtual_address = pin_va();
		p.in.size = pin_size();
	}
	if (!do_ioctl(f->fd, TENSTORRENT_IOCTL_PIN_PAGES, &p))
		after_ioctl(k, TENSTORRENT_IOCTL_PIN_PAGES, &p);
}

static void op_lock(void)
{
	unsigned k = pick_file();
	struct tenstorrent_lock_ctl l;

	memset(&l, 0, sizeof(l));
	l.in.output_size_bytes = sizeof(l.out);
	l.in.flags = (uint32_t)below(4);
	l.in.index = (uint8_t)below(8);
	do_ioctl(files[k].fd, TENSTORRENT_IOCTL_LOCK_CTL, &l);
}

static void op_eventfd(void)
{
	unsigned k = pick_file(), e = (unsigned)below(2);
	struct tenstorrent_set_eventfd s = { .argsz = sizeof(s) };

	if (chance(10)) {
		/* The module holds its own reference: closing ours is fine. */
		close(evfd[e]);
		evfd[e] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	}
	s.vector = (uint32_t)below(4);
	s.fd = chance(80) ? evfd[e] : -1;
	do_ioctl(files[k].fd, TENSTORRENT_IOCTL_SET_EVENTFD, &s);
}

/* Resets: the whole sequence, or one step of it. */
static void op_reset(void)
{
	unsigned k = pick_file();
	struct tenstorrent_reset_state s;
	struct tenstorrent_reset_device r;
	int fd = files[k].fd;
	uint64_t before = dev_gen;

	memset(&r, 0, sizeof(r));
	r.in.output_size_bytes = sizeof(r.out);
	if (!reset_allowed() || chance(30)) {
		/* Finish one under way, or ask. */
		memset(&s, 0, sizeof(s));
		s.argsz = sizeof(s);
		s.flags = dev_gen ? TENSTORRENT_RESET_STATE_WAIT : 0;
		s.generation = dev_gen ? dev_gen - 1 : 0;
		s.timeout_ms = 2000;
		do_ioctl_t(fd, TENSTORRENT_IOCTL_RESET_STATE, &s, 3000);
		r.in.flags = chance(80) ? TENSTORRENT_RESET_DEVICE_POST_RESET :
					  TENSTORRENT_RESET_DEVICE_RESTORE_STATE;
		if (!do_ioctl(fd, TENSTORRENT_IOCTL_RESET_DEVICE, &r))
			after_reset_call(k);
		return;
	}
	r.in.flags = chance(70) ? TENSTORRENT_RESET_DEVICE_ASIC_RESET :
		     chance(50) ? TENSTORRENT_RESET_DEVICE_USER_RESET :
				  TENSTORRENT_RESET_DEVICE_ASIC_DMC_RESET;
	do_ioctl(fd, TENSTORRENT_IOCTL_RESET_DEVICE, &r);
	after_reset_call(k);
	if (chance(20))
		return;		/* POST_RESET later */
	memset(&s, 0, sizeof(s));
	s.argsz = sizeof(s);
	s.flags = TENSTORRENT_RESET_STATE_WAIT;
	s.generation = before;
	s.timeout_ms = 5000;
	do_ioctl_t(fd, TENSTORRENT_IOCTL_RESET_STATE, &s, 6000);
	memset(&r, 0, sizeof(r));
	r.in.output_size_bytes = sizeof(r.out);
	r.in.flags = TENSTORRENT_RESET_DEVICE_POST_RESET;
	if (!do_ioctl(fd, TENSTORRENT_IOCTL_RESET_DEVICE, &r))
		after_reset_call(k);
}

static void op_reopen(void)
{
	unsigned k = (unsigned)below(NFILES);

	file_close(k);
	if (chance(90))
		file_open(k);
}

static void child_run(uint64_t seed);

/*
 * A child inherits the files and mappings, works on them a little and
 * exits; the parent closes one of the files before or after it.
 */
static void op_fork(void)
{
	uint64_t seed = rnd();
	unsigned k = pick_file();
	bool parent_first = chance(50);
	double end;
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		count("fork", errno);
		return;
	}
	if (pid == 0)
		child_run(seed);
	if (parent_first) {
		file_close(k);
		file_open(k);
	}
	end = ka_now() + 10;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (ka_now() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			hung_children++;
			count("fork", OUT_HUNG);
			printf("@@FUZZ a forked child did not finish in 10 s\n");
			return;
		}
		ka_sleep_ms(1);
	}
	count(parent_first ? "fork, parent closes first" : "fork, child closes first",
	      WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : OUT_FAILED);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		failed_children++;
		printf("@@FUZZ a forked child ended with status 0x%x\n", status);
	}
	if (!parent_first) {
		file_close(k);
		file_open(k);
	}
}

static void child_run(uint64_t seed)
{
	double end = ka_now() + 0.3;
	unsigned n;

	in_child = true;
	rng = seed;
	for (n = 0; n < 100 && ka_now() < end; n++) {
		switch (below(8)) {
		case 0:
		case 1:
			op_ioctl();
			break;
		case 2:
			op_mmap();
			break;
		case 3:
			op_munmap();
			break;
		case 4:
			op_dma();
			break;
		case 5:
			if (chance(30))
				file_close((unsigned)below(NFILES));
			break;
		default:
			op_touch();
			break;
		}
	}
	_exit(mismatches ? 1 : 0);
}

static void one_op(void)
{
	unsigned r = (unsigned)below(1000);
	unsigned k;

	ops++;
	/* Stale files go back to the device now and then; a pending reset is finished. */
	for (k = 0; k < NFILES; k++)
		if (files[k].stale && chance(5)) {
			file_close(k);
			file_open(k);
		}
	if (needs_post && ops - last_reset_op > 50) {
		op_reset();
		return;
	}
	if (r < 320)
		op_ioctl();
	else if (r < 420)
		op_dma();
	else if (r < 550)
		op_mmap();
	else if (r < 660)
		op_touch();
	else if (r < 720)
		op_munmap();
	else if (r < 750)
		op_mprotect();
	else if (r < 770)
		op_mremap();
	else if (r < 780)
		op_madvise();
	else if (r < 830)
		op_pin();
	else if (r < 880)
		op_lock();
	else if (r < 910)
		op_eventfd();
	else if (r < 930)
		op_uc_wc();
	else if (r < 950)
		op_reset();
	else if (r < 955)
		op_fork();
	else if (r < 985)
		op_reopen();
	else
		op_ioctl();
}

/* ---- the run ----------------------------------------------------------- */
static void open_peer(void)
{
	char path[64];
	unsigned i;

	for (i = 0; i < 8 && peer_fd < 0; i++) {
		snprintf(path, sizeof(path), "/dev/tenstorrent/%u", i);
		if (strcmp(path, dev_path))
			peer_fd = open(path, O_RDONLY | O_CLOEXEC);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: fuzz_kmod [--seconds N] [--seed S] [--device PATH] [--verbose]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 's' },
		{ "device", required_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa;
	double seconds = 60, start, end;
	struct ka_regs before;
	uint64_t seed;
	char why[512];
	unsigned k, idx;
	int c, kmsg, bad_lines, fd, failed = 0;

	seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	dev_path = ka_default_path();
	while ((c = getopt_long(argc, argv, "t:s:d:v", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			seconds = atof(optarg);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'd':
			dev_path = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			usage();
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	rng = seed;
	idx = ka_dev_index(dev_path);
	printf("@@FUZZ fuzz_kmod --seed %" PRIu64 " --seconds %g --device %s\n", seed, seconds,
	       dev_path);

	ka_fault_handlers();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	fd = open(dev_path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || ka_regs_read(fd, &before) || before.magic != TTSIM_MAGIC) {
		printf("@@FUZZ %s is not a working model device (%s)\n", dev_path, strerror(errno));
		return 1;
	}
	{
		struct tenstorrent_reset_state s;

		if (!ka_reset_state(fd, 0, 0, 0, &s))
			dev_gen = s.generation;
	}
	close(fd);
	kmsg = ka_kmsg_open();

	arena = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	argbuf = mmap(NULL, (ARG_PAGES + 1) * KA_PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro_page = mmap(NULL, KA_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED || argbuf == MAP_FAILED || ro_page == MAP_FAILED)
		return 1;
	mprotect(argbuf + ARG_PAGES * KA_PAGE, KA_PAGE, PROT_NONE);
	evfd[0] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	evfd[1] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	open_peer();
	for (k = 0; k < NFILES; k++)
		file_open(k);

	start = ka_now();
	end = start + seconds;
	while (ka_now() < end)
		one_op();

	/* Everything goes back; the device is reset into a known state. */
	unmap_whole(NULL, ~(size_t)0);
	nmaps = 0;
	for (k = 0; k < NFILES; k++)
		file_close(k);
	if (peer_fd >= 0)
		close(peer_fd);
	close(evfd[0]);
	close(evfd[1]);

	printf("@@FUZZ %" PRIu64 " operations in %.1f s; %" PRIu64 " destructive resets\n", ops,
	       ka_now() - start, resets_done);
	print_rows("ioctl");
	print_rows("mmap");
	print_rows("munmap");
	print_rows("mremap");
	print_rows("mprotect");
	print_rows("madvise");
	print_rows("touch");
	print_rows("stale");
	print_rows("fork");
	print_rows("open");
	print_rows("close");

	fd = open(dev_path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || ka_reset_cycle(fd, 30000, why, sizeof(why))) {
		if (fd < 0)
			snprintf(why, sizeof(why), "open: %s", strerror(errno));
		printf("@@FUZZ FAIL: the final reset: %s\n", why);
		failed = 1;
	}
	if (fd >= 0)
		close(fd);
	if (ka_idle(idx, 2000, why, sizeof(why))) {
		printf("@@FUZZ FAIL: left behind after every file closed: %s\n", why);
		failed = 1;
	}
	if (ka_health(dev_path, &before, why, sizeof(why))) {
		printf("@@FUZZ FAIL: the device does not work after the run: %s\n", why);
		failed = 1;
	} else {
		printf("@@FUZZ health: the device works after the run (reset, info, DMA, registers)\n");
	}
	if (survivors) {
		printf("@@FUZZ FAIL: %" PRIu64 " of %" PRIu64 " stale mappings survived a reset\n",
		       survivors, stale_checked);
		failed = 1;
	}
	if (mismatches || hung_children || failed_children) {
		printf("@@FUZZ FAIL: %" PRIu64 " DMA words read back wrong, %" PRIu64
		       " children hung, %" PRIu64 " failed\n", mismatches, hung_children,
		       failed_children);
		failed = 1;
	}
	bad_lines = ka_kmsg_scan(kmsg, stdout, "@@FUZZ ", MAX_BAD_LINES);
	if (bad_lines > 0) {
		printf("@@FUZZ FAIL: %d warning lines in the kernel log during the run\n", bad_lines);
		failed = 1;
	}
	printf("@@FUZZ result: %s (seed %" PRIu64 ")\n", failed ? "FAILED" : "ok", seed);
	return failed;
}
