/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the guest programs that attack the module (fuzz_kmod,
 * race_kmod, test_kmod_fault): probing a mapping for SIGBUS/SIGSEGV, the
 * kernel log since a point, who holds the device (debugfs, procfs), the
 * model's register page read through a read-only mapping, a reset cycle
 * and a health check. No cmocka here: each returns what it found.
 */
#ifndef KMOD_ATTACK_H
#define KMOD_ATTACK_H

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "tenstorrent.h"
#include "ttsim.h"

#define KA_PAGE 4096u

/* ---- time ----------------------------------------------------------- */
static inline double ka_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void ka_sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- the device ------------------------------------------------------- */
static inline const char *ka_default_path(void)
{
	const char *p = getenv("TT_DEVICE");

	return p && *p ? p : "/dev/tenstorrent/0";
}

/* N of /dev/tenstorrent/N: the name of its debugfs and procfs folders. */
static inline unsigned ka_dev_index(const char *path)
{
	const char *p = path + strlen(path);

	while (p > path && p[-1] >= '0' && p[-1] <= '9')
		p--;
	return (unsigned)atoi(p);
}

/* ioctl's errno, or 0. */
static inline int ka_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

static inline int ka_caps(int fd, struct tenstorrent_get_device_caps *c)
{
	memset(c, 0, sizeof(*c));
	c->argsz = sizeof(*c);
	return ka_ioctl(fd, TENSTORRENT_IOCTL_GET_DEVICE_CAPS, c);
}

/* 1 if the fd is stale (a reset since it was opened), 0 if not, -errno. */
static inline int ka_stale(int fd)
{
	struct tenstorrent_get_device_caps c;
	int err = ka_caps(fd, &c);

	if (err)
		return -err;
	return c.fd_generation != c.reset_generation;
}

static inline int ka_reset_state(int fd, uint32_t flags, uint64_t gen, uint32_t timeout_ms,
				 struct tenstorrent_reset_state *s)
{
	memset(s, 0, sizeof(*s));
	s->argsz = sizeof(*s);
	s->flags = flags;
	s->generation = gen;
	s->timeout_ms = timeout_ms;
	return ka_ioctl(fd, TENSTORRENT_IOCTL_RESET_STATE, s);
}

/* RESET_DEVICE(how): errno, or 0 with *result as the kernel says. */
static inline int ka_reset_device(int fd, uint32_t how, uint32_t *result)
{
	struct tenstorrent_reset_device r;
	int err;

	memset(&r, 0, sizeof(r));
	r.in.output_size_bytes = sizeof(r.out);
	r.in.flags = how;
	r.out.result = 99;
	err = ka_ioctl(fd, TENSTORRENT_IOCTL_RESET_DEVICE, &r);
	if (!err && result)
		*result = r.out.result;
	return err;
}

/*
 * The usual reset: ASIC_RESET, RESET_STATE wait past the generation before,
 * POST_RESET. 0, or a short reason in why.
 */
static inline int ka_reset_cycle(int fd, uint32_t timeout_ms, char *why, size_t len)
{
	struct tenstorrent_reset_state s;
	uint32_t result = 0;
	int err;

	err = ka_reset_state(fd, 0, 0, 0, &s);
	if (err) {
		snprintf(why, len, "RESET_STATE: %s", strerror(err));
		return -1;
	}
	err = ka_reset_device(fd, TENSTORRENT_RESET_DEVICE_ASIC_RESET, &result);
	if (err || result) {
		snprintf(why, len, "ASIC_RESET: %s, result %u", strerror(err), result);
		return -1;
	}
	err = ka_reset_state(fd, TENSTORRENT_RESET_STATE_WAIT, s.generation, timeout_ms, &s);
	if (err) {
		snprintf(why, len, "RESET_STATE wait: %s", strerror(err));
		return -1;
	}
	err = ka_reset_device(fd, TENSTORRENT_RESET_DEVICE_POST_RESET, &result);
	if (err || result) {
		snprintf(why, len, "POST_RESET: %s, result %u", strerror(err), result);
		return -1;
	}
	return 0;
}

static inline int ka_dma_alloc(int fd, unsigned index, uint32_t size,
			       struct tenstorrent_allocate_dma_buf_out *out)
{
	struct tenstorrent_allocate_dma_buf a;
	int err;

	memset(&a, 0, sizeof(a));
	a.in.requested_size = size;
	a.in.buf_index = (uint8_t)index;
	err = ka_ioctl(fd, TENSTORRENT_IOCTL_ALLOCATE_DMA_BUF, &a);
	if (!err && out)
		*out = a.out;
	return err;
}

static inline int ka_dma_free(int fd, unsigned index)
{
	struct tenstorrent_free_dma_buf f;

	memset(&f, 0, sizeof(f));
	f.in.buf_index = (uint8_t)index;
	return ka_ioctl(fd, TENSTORRENT_IOCTL_FREE_DMA_BUF, &f);
}

/* LOCK_CTL: out.value (>= 0) or -errno. */
static inline int ka_lock(int fd, uint32_t op, unsigned index)
{
	struct tenstorrent_lock_ctl l;

	memset(&l, 0, sizeof(l));
	l.in.output_size_bytes = sizeof(l.out);
	l.in.flags = op;
	l.in.index = (uint8_t)index;
	if (ioctl(fd, TENSTORRENT_IOCTL_LOCK_CTL, &l))
		return -errno;
	return l.out.value;
}

/* mmap offset of the model's register page (RESOURCE1, UC). */
static inline uint64_t ka_regs_offset(void)
{
	return ((uint64_t)(TENSTORRENT_MAPPING_RESOURCE1_UC - 1) << TENSTORRENT_MMAP_BAR_SHIFT);
}

/*
 * What the register page says about the device: fixed while it lives,
 * through resets; a rebind must give it back the same.
 */
struct ka_regs {
	uint32_t magic, version, arch, nqueues, grid_x, grid_y, l1_size, dram_banks;
	uint64_t dram_bank_size, dma_size;
	uint32_t status, reset_count;
	uint64_t heartbeat;
};

/* The register page as seen through mapping r. */
static inline void ka_regs_from(const volatile struct ttsim_regs *r, struct ka_regs *out)
{
	out->magic = r->magic;
	out->version = r->version;
	out->arch = r->arch;
	out->nqueues = r->nqueues;
	out->grid_x = r->grid_x;
	out->grid_y = r->grid_y;
	out->l1_size = r->l1_size;
	out->dram_banks = r->dram_banks;
	out->dram_bank_size = r->dram_bank_size;
	out->dma_size = r->dma_size;
	out->status = r->status;
	out->reset_count = r->reset_count;
	out->heartbeat = r->heartbeat;
}

/* Reads the register page through a read-only mapping of fd. 0 or errno. */
static inline int ka_regs_read(int fd, struct ka_regs *out)
{
	const volatile struct ttsim_regs *r;

	r = mmap(NULL, KA_PAGE, PROT_READ, MAP_SHARED, fd, (off_t)ka_regs_offset());
	if (r == MAP_FAILED)
		return errno;
	ka_regs_from(r, out);
	munmap((void *)r, KA_PAGE);
	return 0;
}

/* The fixed fields of a and b differ: which, in why. */
static inline int ka_regs_differ(const struct ka_regs *a, const struct ka_regs *b, char *why,
				 size_t len)
{
#define KA_CMP(f)                                                                          \
	do {                                                                               \
		if (a->f != b->f) {                                                        \
			snprintf(why, len, "register page: " #f " 0x%llx, was 0x%llx",    \
				 (unsigned long long)b->f, (unsigned long long)a->f);      \
			return 1;                                                          \
		}                                                                          \
	} while (0)
	KA_CMP(magic);
	KA_CMP(version);
	KA_CMP(arch);
	KA_CMP(nqueues);
	KA_CMP(grid_x);
	KA_CMP(grid_y);
	KA_CMP(l1_size);
	KA_CMP(dram_banks);
	KA_CMP(dram_bank_size);
	KA_CMP(dma_size);
#undef KA_CMP
	return 0;
}

/* ---- SIGBUS and SIGSEGV on purpose -------------------------------------- */
static __thread sigjmp_buf ka_jmp;
static __thread volatile sig_atomic_t ka_armed, ka_sig;

static inline void ka_on_fault(int sig)
{
	if (ka_armed) {
		ka_armed = 0;
		ka_sig = sig;
		siglongjmp(ka_jmp, 1);
	}
	/* Not a probe: die of it, as without the handler. */
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Once per process, before the first probe. */
static inline void ka_fault_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ka_on_fault;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
}

/*
 * Reads (or writes, with val) the 32-bit word at p: 0 if it worked, else
 * the signal it raised (SIGBUS, SIGSEGV). A read's value goes to *seen.
 */
static inline int ka_probe(volatile uint32_t *p, bool write, uint32_t val, uint32_t *seen)
{
	if (sigsetjmp(ka_jmp, 1))
		return ka_sig;
	ka_armed = 1;
	if (write) {
		*p = val;
	} else {
		uint32_t v = *p;

		if (seen)
			*seen = v;
	}
	ka_armed = 0;
	return 0;
}

/* ---- the kernel log --------------------------------------------------- */
/*
 * What must never appear in the kernel log while the module is attacked
 * (the harness's dmesg scan fails on the same, and on any Call Trace: here
 * only the headline of a report counts). x86/PAT lines count when they
 * name a conflict, not the boot-time configuration line.
 *
 * KA_LINE_LATE: freed pages found written to (page_poison). The check runs
 * when a page is allocated again, so the writer may be a program that ran
 * before: shown, not held against the program that finds it.
 */
enum { KA_LINE_OK, KA_LINE_BAD, KA_LINE_LATE };

static inline int ka_kernel_line(const char *m)
{
	static const char *const bad[] = {
		"BUG:", "BUG ", "WARNING:", "Oops", "general protection",
		"lockdep", "circular locking", "Poison overwritten",
		"Redzone", "Object padding", "Freepointer corrupt", "blocked for more than",
		"soft lockup", "self-detected stall", "rcu: INFO", "vmalloc error",
		"vmalloc: allocation failure", "page allocation failure", "kernel BUG",
	};
	static const char *const pat[] = {
		"conflicting memory types", "freeing invalid memtype", "map pfn", "Overlap at",
		"failed",
	};
	size_t i;

	if (strstr(m, "pagealloc:"))
		return KA_LINE_LATE;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (strstr(m, bad[i]))
			return KA_LINE_BAD;
	if (strstr(m, "x86/PAT:"))
		for (i = 0; i < sizeof(pat) / sizeof(pat[0]); i++)
			if (strstr(m, pat[i]))
				return KA_LINE_BAD;
	return KA_LINE_OK;
}

/* /dev/kmsg positioned after the last record: ka_kmsg_scan reads what follows. */
static inline int ka_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/*
 * Counts the bad lines logged since ka_kmsg_open (or the last scan),
 * printing the first `show` of them to out with prefix (and a word on
 * memory corruption found late). -1 without /dev/kmsg.
 */
static inline int ka_kmsg_scan(int fd, FILE *out, const char *prefix, int show)
{
	char rec[8192];
	int bad = 0, late = 0, kind;

	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		char *msg;

		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on with the next */
		if (n <= 0)
			break;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		msg[strcspn(msg, "\n")] = '\0';
		kind = ka_kernel_line(msg);
		if (kind == KA_LINE_LATE) {
			late++;
			continue;
		}
		if (kind == KA_LINE_OK)
			continue;
		if (bad < show && out)
			fprintf(out, "%skernel: %s\n", prefix, msg);
		bad++;
	}
	if (late && out)
		fprintf(out, "%skernel: %d lines of freed pages found written to "
			"(pagealloc: memory corruption; the writer may have run before)\n",
			prefix, late);
	return bad;
}

/* ---- who holds the device ------------------------------------------------ */
/* /sys/kernel/debug/tenstorrent/N/files into buf; 0 or errno. */
static inline int ka_files(unsigned idx, char *buf, size_t len)
{
	char path[128];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/tenstorrent/%u/files", idx);
	f = fopen(path, "r");
	if (!f)
		return errno;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return 0;
}

/* Process ids /proc/driver/tenstorrent/N/pids lists; -errno. */
static inline int ka_pids(unsigned idx, int *pids, int max)
{
	char path[128];
	int n = 0, p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/driver/tenstorrent/%u/pids", idx);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fscanf(f, "%d", &p) == 1) {
		if (n < max)
			pids[n] = p;
		n++;
	}
	fclose(f);
	return n;
}

/* 1 if a file of process pid is listed in debugfs or procfs. */
static inline int ka_pid_holds(unsigned idx, int pid)
{
	char listing[16384], mine[48];
	int pids[256], n, i;

	snprintf(mine, sizeof(mine), "file pid %d ", pid);
	if (!ka_files(idx, listing, sizeof(listing)) && strstr(listing, mine))
		return 1;
	n = ka_pids(idx, pids, 256);
	for (i = 0; i < n && i < 256; i++)
		if (pids[i] == pid)
			return 1;
	return 0;
}

/*
 * Nobody holds the device: debugfs says "open files 0" and lists no
 * resource, procfs lists no process. Waits up to wait_ms for closes in
 * flight. 0, or the listing in why.
 */
static inline int ka_idle(unsigned idx, unsigned wait_ms, char *why, size_t len)
{
	double end = ka_now() + wait_ms / 1000.0;
	char listing[16384];
	int pids[16], n, err;

	for (;;) {
		err = ka_files(idx, listing, sizeof(listing));
		if (err) {
			snprintf(why, len, "debugfs files of %u: %s", idx, strerror(err));
			return -1;
		}
		n = ka_pids(idx, pids, 16);
		if (!strncmp(listing, "open files 0,", 13) && n == 0)
			return 0;
		if (ka_now() >= end)
			break;
		ka_sleep_ms(20);
	}
	snprintf(why, len, "device %u still held (%d pids): %.300s", idx, n, listing);
	return -1;
}

/*
 * The device works: it opens, answers GET_DEVICE_INFO as the model,
 * says READY, gives, maps and keeps a DMA buffer's contents, its register
 * page shows the fixed fields of *expect (if given), status READY and a
 * moving heartbeat. 0, or the reason in why.
 */
static inline int ka_health(const char *path, const struct ka_regs *expect, char *why, size_t len)
{
	struct tenstorrent_get_device_info info;
	struct tenstorrent_allocate_dma_buf_out o;
	struct tenstorrent_reset_state s;
	struct ka_regs r, r2;
	volatile uint32_t *buf;
	unsigned i;
	int fd, err, ret = -1;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "open %s: %s", path, strerror(errno));
		return -1;
	}
	memset(&info, 0, sizeof(info));
	info.in.output_size_bytes = sizeof(info.out);
	err = ka_ioctl(fd, TENSTORRENT_IOCTL_GET_DEVICE_INFO, &info);
	if (err || info.out.vendor_id != 0x1af4 || info.out.device_id != 0x1110) {
		snprintf(why, len, "GET_DEVICE_INFO: %s, %04x:%04x", strerror(err),
			 info.out.vendor_id, info.out.device_id);
		goto out;
	}
	err = ka_reset_state(fd, 0, 0, 0, &s);
	if (err || s.state != TENSTORRENT_STATE_READY || s.generation != s.fd_generation) {
		snprintf(why, len, "RESET_STATE: %s, state %u, generation %llu/%llu",
			 strerror(err), s.state, (unsigned long long)s.generation,
			 (unsigned long long)s.fd_generation);
		goto out;
	}
	err = ka_dma_alloc(fd, 0, 16 * KA_PAGE, &o);
	if (err) {
		snprintf(why, len, "ALLOCATE_DMA_BUF: %s", strerror(err));
		goto out;
	}
	buf = mmap(NULL, 16 * KA_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   (off_t)o.mapping_offset);
	if (buf == MAP_FAILED) {
		snprintf(why, len, "mmap of a DMA buffer: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < 16 * KA_PAGE / 4; i++)
		buf[i] = i * 2654435761u;
	for (i = 0; i < 16 * KA_PAGE / 4; i++)
		if (buf[i] != i * 2654435761u)
			break;
	munmap((void *)buf, 16 * KA_PAGE);
	if (i != 16 * KA_PAGE / 4) {
		snprintf(why, len, "DMA buffer lost its contents at word %u", i);
		goto out;
	}
	err = ka_dma_free(fd, 0);
	if (err) {
		snprintf(why, len, "FREE_DMA_BUF: %s", strerror(err));
		goto out;
	}
	err = ka_regs_read(fd, &r);
	if (err) {
		snprintf(why, len, "mmap of the register page: %s", strerror(err));
		goto out;
	}
	if (expect && ka_regs_differ(expect, &r, why, len))
		goto out;
	if (r.magic != TTSIM_MAGIC || r.version != TTSIM_VERSION || r.status != TTSIM_STATUS_READY) {
		snprintf(why, len, "register page: magic 0x%08x version %u status %u", r.magic,
			 r.version, r.status);
		goto out;
	}
	r2 = r;
	for (i = 0; i < 50; i++) {
		ka_sleep_ms(20);
		if (ka_regs_read(fd, &r2) || r2.heartbeat != r.heartbeat)
			break;
	}
	if (r2.heartbeat == r.heartbeat) {
		snprintf(why, len, "the device's heartbeat stands still at %llu",
			 (unsigned long long)r.heartbeat);
		goto out;
	}
	ret = 0;
out:
	close(fd);
	return ret;
}

#endif
