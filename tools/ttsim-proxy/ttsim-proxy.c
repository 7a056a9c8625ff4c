// SPDX-License-Identifier: MIT
/*
 * ttsim-proxy: Tenstorrent's ttsim (libttsim_wh.so, libttsim_bh.so) as a
 * PCI device of QEMU 7.2, through QEMU's multi-process protocol: QEMU's
 * "-device x-pci-proxy-dev,fd=N" sends every config-space access, every
 * BAR access and its guest-RAM layout over a connected UNIX stream socket
 * and waits for the answer.
 *
 * ttsim is a process-wide singleton that may be initialised once per
 * process, and it stops on anything it does not support by printing
 * "ERROR: Category: ..." on stdout and calling _Exit(1). So each device is
 * two processes:
 *
 *  - the supervisor (the process started) loads the library, holds the
 *    socket and what must outlive a chip: the BAR registers, the guest RAM
 *    regions QEMU announced, the errors;
 *  - the chip process, forked from the supervisor before anything is
 *    initialised, runs libttsim_init and answers QEMU on the same socket
 *    itself (no relay on the data path) until QEMU hangs up, the machine
 *    is reset, or ttsim stops.
 *
 * The chip process's stdout is a pipe to the supervisor, which reads ttsim's
 * error line from it. A page shared by both says which request the chip
 * process was serving when it died; the supervisor answers that request
 * and from then on answers QEMU itself as a dead card would: BAR reads
 * all-ones, BAR writes dropped, config space as it was. A machine reset
 * (DEVICE_RESET) starts a fresh chip process.
 *
 * BARs: QEMU 7.2's proxy sizes BARs with 32-bit probes only, so the device
 * shows 32-bit memory BARs: BAR0 512 MiB, BAR2 1 MiB and, on Wormhole,
 * BAR4 32 MiB (Blackhole's 32 GiB BAR4 is left out). Guest accesses come
 * as guest-physical addresses; the BAR registers written by the guest say
 * which BAR and offset, which ttsim sees at its own BAR addresses.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB		(1ull << 20)
#define CFG_SIZE	256u	/* conventional PCI: x-pci-proxy-dev is not PCIe */

/* ---- QEMU 7.2's multi-process messages (x86_64 layouts) ------------------ */

enum {
	CMD_SYNC_SYSMEM,	/* guest RAM regions, one fd each; no reply */
	CMD_RET,		/* our reply: a u64 */
	CMD_PCI_CFGWRITE,
	CMD_PCI_CFGREAD,
	CMD_BAR_WRITE,
	CMD_BAR_READ,
	CMD_SET_IRQFD,		/* INTx irqfd + resample fd; no reply */
	CMD_DEVICE_RESET,
	CMD_MAX
};

#define MAX_FDS		8

struct msg_hdr {
	int32_t cmd;
	uint32_t pad;
	uint64_t size;		/* bytes of payload that follow */
};

struct cfg_msg {
	uint32_t addr;
	uint32_t val;
	int32_t len;
};

struct bar_msg {
	uint64_t addr;		/* guest-physical */
	uint64_t val;
	uint32_t size;
	uint8_t memory;		/* memory (1) or I/O (0) BAR */
	uint8_t pad[3];
};

struct sysmem_msg {
	uint64_t gpas[MAX_FDS];
	uint64_t sizes[MAX_FDS];
	int64_t offsets[MAX_FDS];
};

struct msg {
	struct msg_hdr hdr;
	union {
		uint64_t u64;
		struct cfg_msg cfg;
		struct bar_msg bar;
		struct sysmem_msg sysmem;
	} data;
};

_Static_assert(sizeof(struct msg_hdr) == 16, "header layout");
_Static_assert(sizeof(struct cfg_msg) == 12, "config payload layout");
_Static_assert(sizeof(struct bar_msg) == 24, "BAR payload layout");
_Static_assert(sizeof(struct sysmem_msg) == 192, "SYNC_SYSMEM payload layout");

/* ---- the chips -------------------------------------------------------------- */

struct chip {
	const char *name;
	const char *full_name;
	uint16_t device_id;
	uint64_t bar_size[6];	/* as shown to the guest; 0: absent */
	uint64_t sim_base[6];	/* the BAR's address in ttsim's address space */
};

static const struct chip chips[] = {
	{ "wh", "Wormhole", 0x401e,
	  { 512 * MIB, 0, 1 * MIB, 0, 32 * MIB, 0 },
	  { 0x100000000ull, 0, 0x120000000ull, 0, 0x800000000ull, 0 } },
	{ "bh", "Blackhole", 0xb140,
	  { 512 * MIB, 0, 1 * MIB, 0, 0, 0 },
	  { 0x100000000ull, 0, 0x120000000ull, 0, 0, 0 } },
};

struct ttsim_api {
	void (*init)(void);
	void (*exit)(void);
	void (*set_dma)(void (*rd)(uint64_t, void *, uint32_t),
			void (*wr)(uint64_t, const void *, uint32_t));
	uint32_t (*cfg_rd32)(uint32_t bdf, uint32_t off);
	void (*cfg_wr32)(uint32_t bdf, uint32_t off, uint32_t val);
	void (*mem_rd)(uint64_t paddr, void *p, uint32_t size);
	void (*mem_wr)(uint64_t paddr, const void *p, uint32_t size);
	void (*clock)(uint32_t n);
};

/* ---- state ------------------------------------------------------------------ */

/* What the supervisor and its chip process share (one MAP_SHARED page). */
struct shared {
	/* Config space state that outlives a chip process. */
	uint32_t bar[6];	/* BAR registers as the guest wrote them */
	uint32_t command;
	uint32_t header[16];	/* ttsim's config header, read by each chip process */
	bool header_valid;
	/* The request the chip process is inside ttsim for. */
	bool busy;
	struct msg req;
	/* A DEVICE_RESET the next chip process answers once ttsim is up. */
	bool reset_owed;
	/* Figures over all chip processes. */
	uint64_t accesses_since_init;
	uint64_t bar_reads, bar_writes, cfg_accesses, sysmem_syncs, resets;
	uint64_t read_ns, write_ns;	/* inside ttsim */
	uint64_t read_served_ns;	/* from the chip process's wake-up to its answer */
	uint64_t idle_clocks, access_clocks;
};

/* Exit codes of the chip process (1 is ttsim's own _Exit(1)). */
enum {
	CX_HANGUP = 0,		/* QEMU closed the socket */
	CX_TTSIM = 1,
	CX_RESET = 64,		/* a DEVICE_RESET needs a fresh process */
	CX_FATAL = 65,		/* an error it reported on the control socket */
	CX_PROTOCOL = 66,	/* QEMU's stream cannot be followed any more */
};

/* Chip process to supervisor, on a SOCK_SEQPACKET pair. */
enum { CTL_SYSMEM, CTL_ERROR };
struct ctl_msg {
	uint32_t type;
	uint32_t fatal;		/* CTL_ERROR: the device is failed */
	uint32_t nfds;		/* CTL_SYSMEM: regions (one fd each) */
	uint32_t pad;
	union {
		struct sysmem_msg sysmem;
		char text[480];
	} u;
};

struct region {
	uint64_t gpa, size;
	uint8_t *host;
	void *map;
	size_t map_len;
};

#define MAX_ERRORS	32

struct proxy {
	const struct chip *chip;
	char *lib_path;
	const char *socket_path;
	const char *status_path;
	int inherited_fd;
	unsigned idle_clocks;	/* per quiet millisecond */
	unsigned access_clocks;	/* after each BAR access */
	unsigned idle_backoff_ms;

	int qfd;		/* QEMU's connection */
	struct shared *sh;
	void *lib;
	struct ttsim_api api;
	bool live;		/* this is the chip process */

	/* supervisor */
	pid_t self;
	pid_t chip_pid;
	int ctl;		/* control socket to the chip process */
	int out;		/* the chip process's stdout */
	int sigfd;
	char outbuf[4096];
	size_t outlen;
	char *ttsim_error;	/* "Category: function: message" */
	bool failed;
	bool ended;
	unsigned nerrors;
	char *errors[MAX_ERRORS];
	struct sysmem_msg sysmem;	/* the last SYNC_SYSMEM, for the next chip process */
	int sysmem_fds[MAX_FDS];
	int sysmem_n;

	/* chip process */
	int ctl_chip;
	uint64_t woke_ns;		/* when poll() returned */
	struct region map[MAX_FDS];
	int nmap;
};

static int verbosity;

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	memcpy(buf, "ttsim-proxy: ", 13);
	va_start(ap, fmt);
	n = vsnprintf(buf + 13, sizeof(buf) - 14, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n += 13;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	/* One write per line: both processes share stderr. */
	if (write(STDERR_FILENO, buf, n) < 0)
		return;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t all_ones(uint32_t size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static void close_fds(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* ---- socket I/O ------------------------------------------------------------- */

/*
 * Reads exactly len bytes; file descriptors that come with them (QEMU sends
 * them with the header) are appended to fds. 1: done, 0: end of stream
 * before the first byte, < 0: -errno (-EPROTO: end of stream inside, or
 * more than MAX_FDS descriptors).
 */
static int recv_exact(int sock, void *buf, size_t len, int *fds, int *nfds)
{
	bool overflow = false;
	size_t got = 0;

	while (got < len) {
		union {
			char b[CMSG_SPACE(MAX_FDS * sizeof(int))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = { (char *)buf + got, len - got };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
		struct cmsghdr *c;
		ssize_t n;

		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			size_t k, nf;

			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			nf = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (k = 0; k < nf; k++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof(int));
				if (*nfds < MAX_FDS) {
					fds[(*nfds)++] = fd;
				} else {
					close(fd);
					overflow = true;
				}
			}
		}
		if (mh.msg_flags & MSG_CTRUNC)
			overflow = true;
		if (n == 0)
			return got ? -EPROTO : 0;
		got += (size_t)n;
	}
	return overflow ? -EPROTO : 1;
}

/* One message of QEMU's. 1: a message, 0: QEMU hung up, < 0: -errno. */
static int recv_msg(int sock, struct msg *m, int *fds, int *nfds)
{
	int ret;

	*nfds = 0;
	memset(m, 0, sizeof(*m));
	ret = recv_exact(sock, &m->hdr, sizeof(m->hdr), fds, nfds);
	if (ret <= 0)
		goto out;
	if (m->hdr.cmd < 0 || m->hdr.cmd >= CMD_MAX || m->hdr.size > sizeof(m->data)) {
		ret = -EBADMSG;
		goto out;
	}
	if (m->hdr.size) {
		ret = recv_exact(sock, &m->data, m->hdr.size, fds, nfds);
		if (ret == 0)
			ret = -EPROTO;
	}
out:
	if (ret <= 0) {
		close_fds(fds, *nfds);
		*nfds = 0;
	}
	return ret;
}

static int send_all(int sock, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(sock, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_ret(int sock, uint64_t value)
{
	struct {
		struct msg_hdr hdr;
		uint64_t value;
	} r = { { CMD_RET, 0, sizeof(uint64_t) }, value };

	return send_all(sock, &r, sizeof(r));
}

/* Does the message have the payload QEMU gives it? */
static bool msg_valid(const struct msg *m, int nfds)
{
	switch (m->hdr.cmd) {
	case CMD_SYNC_SYSMEM:
		return m->hdr.size == sizeof(struct sysmem_msg);
	case CMD_PCI_CFGREAD:
	case CMD_PCI_CFGWRITE:
		return m->hdr.size == sizeof(struct cfg_msg) && !nfds;
	case CMD_BAR_READ:
	case CMD_BAR_WRITE:
		return m->hdr.size == sizeof(struct bar_msg) && !nfds;
	case CMD_SET_IRQFD:
		return true;
	case CMD_DEVICE_RESET:
		return !nfds;
	default:
		return false;	/* RET: QEMU asks, it does not answer */
	}
}

/* ---- config space ------------------------------------------------------------ */

static uint32_t bar_mask(const struct proxy *p, unsigned i)
{
	uint64_t size = p->chip->bar_size[i];

	return size ? (uint32_t)~(size - 1) : 0;
}

static bool is_bar(unsigned off)
{
	return off >= 0x10 && off <= 0x24;
}

/* One dword of config space as the guest sees it. */
static uint32_t cfg_dword(struct proxy *p, unsigned off)
{
	struct shared *sh = p->sh;

	if (is_bar(off))
		return sh->bar[(off - 0x10) / 4];	/* 32-bit memory BARs: type bits 0 */
	if (off >= 0x40)
		return 0;				/* no capabilities */
	if (p->live)
		return p->api.cfg_rd32(0, off);
	/* A failed device: the header ttsim had, the command the guest wrote. */
	if (!sh->header_valid) {
		switch (off) {
		case 0x00: return 0x1e52u | (uint32_t)p->chip->device_id << 16;
		case 0x04: return sh->command;
		case 0x08: return 0x12000000u;
		default: return 0;
		}
	}
	if (off == 0x04)
		return (sh->header[1] & 0xffff0000u) | sh->command;
	return sh->header[off / 4];
}

static uint32_t cfg_read(struct proxy *p, uint32_t addr, unsigned len)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < len; i++) {
		unsigned a = addr + i;
		uint32_t d = cfg_dword(p, a & ~3u);

		v |= ((d >> (8 * (a & 3))) & 0xff) << (8 * i);
	}
	return v;
}

static void cfg_write(struct proxy *p, uint32_t addr, uint32_t val, unsigned len)
{
	struct shared *sh = p->sh;
	unsigned first = addr & ~3u, last = (addr + len - 1) & ~3u;

	for (unsigned d = first; d <= last; d += 4) {
		uint32_t mask = 0, bits = 0, merged;

		for (unsigned i = 0; i < len; i++) {
			unsigned a = addr + i;

			if ((a & ~3u) != d)
				continue;
			mask |= 0xffu << (8 * (a & 3));
			bits |= ((val >> (8 * i)) & 0xff) << (8 * (a & 3));
		}
		merged = (cfg_dword(p, d) & ~mask) | bits;
		if (is_bar(d)) {
			/* Sizing probes read back the size mask; absent BARs read 0. */
			sh->bar[(d - 0x10) / 4] = merged & bar_mask(p, (d - 0x10) / 4);
		} else if (d == 0x04) {
			sh->command = merged & 0xffff;
			if (p->live)
				p->api.cfg_wr32(0, d, merged & 0xffff);
		} else if (d == 0x0c || d == 0x3c) {
			/* cache line size, latency timer; interrupt line */
			if (p->live)
				p->api.cfg_wr32(0, d, merged);
		} else if (verbosity > 1) {
			/* read-only here, or a register ttsim does not implement */
			logmsg("config write 0x%08x to 0x%02x dropped", merged, d);
		}
	}
}

static bool cfg_args_valid(const struct cfg_msg *c)
{
	return (c->len == 1 || c->len == 2 || c->len == 4) && c->addr < CFG_SIZE &&
	       c->addr + (uint32_t)c->len <= CFG_SIZE;
}

/* Which BAR a guest-physical access hits, and where in it. */
static bool bar_lookup(const struct proxy *p, uint64_t addr, uint32_t size,
		       unsigned *bar, uint64_t *off)
{
	for (unsigned i = 0; i < 6; i++) {
		uint64_t sz = p->chip->bar_size[i];
		uint64_t base = p->sh->bar[i] & ~0xfull;

		if (!sz || !base || addr < base)
			continue;
		if (addr - base < sz && size <= sz - (addr - base)) {
			*bar = i;
			*off = addr - base;
			return true;
		}
	}
	return false;
}

/* "guest BAR0 read of 4 bytes at +0x1ff30060", for error reports. */
static void describe(const struct proxy *p, const struct msg *m, char *buf, size_t len)
{
	const struct bar_msg *b = &m->data.bar;
	const struct cfg_msg *c = &m->data.cfg;
	unsigned bar;
	uint64_t off;

	switch (m->hdr.cmd) {
	case CMD_BAR_READ:
	case CMD_BAR_WRITE:
		if (!bar_lookup(p, b->addr, b->size, &bar, &off)) {
			snprintf(buf, len, "guest access at 0x%llx", (unsigned long long)b->addr);
		} else if (m->hdr.cmd == CMD_BAR_READ) {
			snprintf(buf, len, "guest BAR%u read of %u bytes at +0x%llx", bar, b->size,
				 (unsigned long long)off);
		} else {
			snprintf(buf, len, "guest BAR%u write of %u bytes at +0x%llx, value 0x%llx",
				 bar, b->size, (unsigned long long)off,
				 (unsigned long long)(b->val & all_ones(b->size)));
		}
		break;
	case CMD_PCI_CFGREAD:
		snprintf(buf, len, "guest config read of %d bytes at 0x%x", c->len, c->addr);
		break;
	case CMD_PCI_CFGWRITE:
		snprintf(buf, len, "guest config write of %d bytes at 0x%x, value 0x%x",
			 c->len, c->addr, c->val);
		break;
	default:
		snprintf(buf, len, "QEMU command %d", m->hdr.cmd);
	}
}

/* ---- the chip process ------------------------------------------------------- */

static struct proxy *chip_proc;		/* for ttsim's DMA callbacks */

static void chip_exit(int code) __attribute__((noreturn));
static void chip_exit(int code)
{
	fflush(stdout);
	_exit(code);
}

/* Report an error to the supervisor; a fatal one ends the chip process. */
static void chip_report(struct proxy *p, bool fatal, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void chip_report(struct proxy *p, bool fatal, const char *fmt, ...)
{
	struct ctl_msg c = { .type = CTL_ERROR, .fatal = fatal };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c.u.text, sizeof(c.u.text), fmt, ap);
	va_end(ap);
	if (send(p->ctl_chip, &c, sizeof(c), MSG_NOSIGNAL) < 0)
		logmsg("%s", c.u.text);		/* the supervisor is gone */
	if (fatal)
		chip_exit(CX_FATAL);
}

static void sysmem_unmap(struct proxy *p)
{
	for (int i = 0; i < p->nmap; i++)
		munmap(p->map[i].map, p->map[i].map_len);
	p->nmap = 0;
}

/* Map guest RAM as QEMU described it; the fds stay the caller's. */
static void sysmem_map(struct proxy *p, const struct sysmem_msg *s, const int *fds, int n)
{
	long page = sysconf(_SC_PAGESIZE);

	sysmem_unmap(p);
	for (int i = 0; i < n; i++) {
		uint64_t off = (uint64_t)s->offsets[i], aligned = off & ~(uint64_t)(page - 1);
		size_t len = s->sizes[i] + (off - aligned);
		void *map;

		if (!s->sizes[i])
			continue;
		map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i], (off_t)aligned);
		if (map == MAP_FAILED) {
			chip_report(p, false, "proxy error: SystemError: mmap of guest RAM 0x%llx+0x%llx: %s",
				    (unsigned long long)s->gpas[i], (unsigned long long)s->sizes[i],
				    strerror(errno));
			continue;
		}
		p->map[p->nmap++] = (struct region){ s->gpas[i], s->sizes[i],
						     (uint8_t *)map + (off - aligned), map, len };
		if (verbosity > 1)
			logmsg("guest RAM 0x%llx-0x%llx", (unsigned long long)s->gpas[i],
			       (unsigned long long)(s->gpas[i] + s->sizes[i] - 1));
	}
}

static void dma_fault(uint64_t paddr, uint32_t size, bool write)
{
	struct proxy *p = chip_proc;
	char what[160] = "";

	if (p->sh->busy) {
		strcpy(what, " (while serving ");
		describe(p, &p->sh->req, what + strlen(what), sizeof(what) - strlen(what) - 2);
		strcat(what, ")");
	}
	chip_report(p, true, "dma error: OutsideGuestRam: chip %s of %u bytes at guest-physical 0x%llx%s",
		    write ? "write" : "read", size, (unsigned long long)paddr, what);
}

static void dma_access(uint64_t paddr, uint8_t *buf, uint32_t size, bool write)
{
	struct proxy *p = chip_proc;
	uint32_t done = 0;

	while (done < size) {
		uint64_t a = paddr + done;
		const struct region *r = NULL;
		uint64_t n;

		if (a < paddr)
			dma_fault(paddr, size, write);	/* wraps around */
		for (int i = 0; i < p->nmap; i++) {
			if (a >= p->map[i].gpa && a - p->map[i].gpa < p->map[i].size) {
				r = &p->map[i];
				break;
			}
		}
		if (!r)
			dma_fault(paddr, size, write);
		n = r->size - (a - r->gpa);
		if (n > size - done)
			n = size - done;
		if (write)
			memcpy(r->host + (a - r->gpa), buf + done, n);
		else
			memcpy(buf + done, r->host + (a - r->gpa), n);
		done += (uint32_t)n;
	}
}

static void dma_rd(uint64_t paddr, void *dst, uint32_t size)
{
	dma_access(paddr, dst, size, false);
}

static void dma_wr(uint64_t paddr, const void *src, uint32_t size)
{
	dma_access(paddr, (uint8_t *)src, size, true);
}

/* Serve one request; the replies are those QEMU 7.2 waits for. */
static void chip_handle(struct proxy *p, struct msg *m, int *fds, int nfds)
{
	struct shared *sh = p->sh;
	uint64_t reply = 0;

	switch (m->hdr.cmd) {
	case CMD_SYNC_SYSMEM: {
		struct ctl_msg c = { .type = CTL_SYSMEM, .u.sysmem = m->data.sysmem };
		union {
			char b[CMSG_SPACE(MAX_FDS * sizeof(int))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = { &c, sizeof(c) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

		sysmem_map(p, &m->data.sysmem, fds, nfds);
		sh->sysmem_syncs++;
		/* The supervisor keeps the fds for the next chip process. */
		if (nfds) {
			struct cmsghdr *cm;

			memset(&ctl, 0, sizeof(ctl));
			mh.msg_control = ctl.b;
			mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
			memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
		}
		c.nfds = (uint32_t)nfds;
		if (sendmsg(p->ctl_chip, &mh, MSG_NOSIGNAL) < 0)
			chip_exit(CX_HANGUP);	/* the supervisor is gone */
		close_fds(fds, nfds);
		return;
	}
	case CMD_SET_IRQFD:
		/* INTx: ttsim's device has no interrupt pin, and no MSI either. */
		close_fds(fds, nfds);
		return;
	case CMD_PCI_CFGREAD:
	case CMD_PCI_CFGWRITE: {
		const struct cfg_msg *c = &m->data.cfg;
		uint64_t v = 0;

		sh->cfg_accesses++;
		if (!cfg_args_valid(c)) {
			chip_report(p, false, "proxy error: Protocol: config access of %d bytes at 0x%x",
				    c->len, c->addr);
			v = m->hdr.cmd == CMD_PCI_CFGREAD ? ~0u : 0;
		} else {
			sh->req = *m;
			sh->busy = true;
			if (m->hdr.cmd == CMD_PCI_CFGREAD)
				v = cfg_read(p, c->addr, (unsigned)c->len);
			else
				cfg_write(p, c->addr, c->val, (unsigned)c->len);
			sh->busy = false;
		}
		if (verbosity > 1)
			logmsg("config %s 0x%02x/%d: 0x%llx", m->hdr.cmd == CMD_PCI_CFGREAD ? "read" : "write",
			       c->addr, c->len, (unsigned long long)(m->hdr.cmd == CMD_PCI_CFGREAD ? v : c->val));
		reply = v;
		break;
	}
	case CMD_BAR_READ:
	case CMD_BAR_WRITE: {
		const struct bar_msg *b = &m->data.bar;
		bool rd = m->hdr.cmd == CMD_BAR_READ;
		uint8_t buf[8] = { 0 };
		uint64_t v = 0, t0;
		unsigned bar;
		uint64_t off;

		if ((b->size != 1 && b->size != 2 && b->size != 4 && b->size != 8) || !b->memory ||
		    !bar_lookup(p, b->addr, b->size, &bar, &off)) {
			/* QEMU's BAR placement and ours disagree: a bug here, not the chip's. */
			chip_report(p, false, "proxy error: Protocol: %s of %u bytes at 0x%llx outside the BARs",
				    rd ? "read" : "write", b->size, (unsigned long long)b->addr);
			if (send_ret(p->qfd, rd ? all_ones(b->size) : 0))
				chip_exit(CX_HANGUP);
			return;
		}
		sh->req = *m;
		sh->busy = true;
		t0 = now_ns();
		if (rd) {
			p->api.mem_rd(p->chip->sim_base[bar] + off, buf, b->size);
		} else {
			memcpy(buf, &b->val, b->size);
			p->api.mem_wr(p->chip->sim_base[bar] + off, buf, b->size);
		}
		if (rd)
			sh->read_ns += now_ns() - t0;
		else
			sh->write_ns += now_ns() - t0;
		sh->busy = false;
		if (rd) {
			memcpy(&v, buf, b->size);
			sh->bar_reads++;
		} else {
			sh->bar_writes++;
		}
		sh->accesses_since_init++;
		if (send_ret(p->qfd, v))
			chip_exit(CX_HANGUP);
		if (rd)
			sh->read_served_ns += now_ns() - p->woke_ns;
		if (verbosity > 1)
			logmsg("BAR%u %s +0x%llx/%u: 0x%llx", bar, rd ? "read" : "write",
			       (unsigned long long)off, b->size, (unsigned long long)(rd ? v : b->val));
		/* The chip runs on while QEMU takes the answer. */
		if (p->access_clocks) {
			p->api.clock(p->access_clocks);
			sh->access_clocks += p->access_clocks;
		}
		return;
	}
	case CMD_DEVICE_RESET:
		sh->resets++;
		if (sh->accesses_since_init) {
			/* ttsim initialises once per process: the supervisor starts another. */
			sh->req = *m;
			sh->busy = true;
			chip_exit(CX_RESET);
		}
		/* Nothing has touched the chip since it came up: it is as a reset leaves it. */
		memset(sh->bar, 0, sizeof(sh->bar));
		sh->command = 0;
		p->api.cfg_wr32(0, 0x04, 0);
		if (verbosity)
			logmsg("machine reset (the chip is fresh)");
		break;
	}
	if (send_ret(p->qfd, reply))
		chip_exit(CX_HANGUP);
}

static void chip_main(struct proxy *p, int out_w) __attribute__((noreturn));
static void chip_main(struct proxy *p, int out_w)
{
	struct shared *sh = p->sh;
	unsigned quiet_ms = 0;
	sigset_t none;

	p->live = true;
	chip_proc = p;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != p->self)
		_exit(CX_HANGUP);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* ttsim reports on stdout: the supervisor reads it. */
	if (dup2(out_w, STDOUT_FILENO) < 0)
		_exit(CX_FATAL);
	close(out_w);
	close(p->out);
	close(p->ctl);
	close(p->sigfd);
	/* A semihosting exit of a program on the chip would end this process. */
	unsetenv("TTSIM_SEMIHOSTING");

	p->api.set_dma(dma_rd, dma_wr);
	p->api.init();
	for (unsigned off = 0; off < 0x40; off += 4)
		sh->header[off / 4] = is_bar(off) ? 0 : p->api.cfg_rd32(0, off);
	sh->header_valid = true;
	sh->accesses_since_init = 0;
	sysmem_map(p, &p->sysmem, p->sysmem_fds, p->sysmem_n);
	close_fds(p->sysmem_fds, p->sysmem_n);
	p->sysmem_n = 0;
	if (sh->reset_owed) {
		sh->reset_owed = false;
		if (send_ret(p->qfd, 0))
			chip_exit(CX_HANGUP);
	}

	for (;;) {
		struct pollfd pfd = { .fd = p->qfd, .events = POLLIN };
		int fds[MAX_FDS], nfds, timeout = -1, n;
		struct msg m;

		if (p->idle_clocks)
			timeout = p->idle_backoff_ms && quiet_ms >= p->idle_backoff_ms ? 10 : 1;
		n = poll(&pfd, 1, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			chip_report(p, true, "proxy error: SystemError: poll: %s", strerror(errno));
		}
		if (n == 0) {
			/* QEMU is quiet: let the chip run (its cores may poll host memory). */
			p->api.clock(p->idle_clocks);
			sh->idle_clocks += p->idle_clocks;
			quiet_ms += (unsigned)timeout;
			continue;
		}
		quiet_ms = 0;
		p->woke_ns = now_ns();
		n = recv_msg(p->qfd, &m, fds, &nfds);
		if (n == 0 || n == -ECONNRESET) {
			if (verbosity)
				p->api.exit();	/* its heartbeat line */
			chip_exit(CX_HANGUP);
		}
		if (n < 0 || !msg_valid(&m, nfds)) {
			chip_report(p, false, "proxy error: Protocol: %s (command %d, %llu bytes, %d fds)",
				    n < 0 ? strerror(-n) : "malformed message", m.hdr.cmd,
				    (unsigned long long)m.hdr.size, n < 0 ? 0 : nfds);
			chip_exit(CX_PROTOCOL);
		}
		chip_handle(p, &m, fds, nfds);
	}
}

/* ---- the supervisor --------------------------------------------------------- */

static void write_status(struct proxy *p)
{
	char tmp[PATH_MAX];
	FILE *f;

	if (!p->status_path)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", p->status_path);
	f = fopen(tmp, "w");
	if (!f) {
		logmsg("%s: %s", tmp, strerror(errno));
		return;
	}
	fprintf(f, "errors: %u\n", p->nerrors);
	for (unsigned i = 0; i < p->nerrors && i < MAX_ERRORS; i++)
		fprintf(f, "%s\n", p->errors[i]);
	if (p->nerrors > MAX_ERRORS)
		fprintf(f, "(%u more)\n", p->nerrors - MAX_ERRORS);
	if (fclose(f) || rename(tmp, p->status_path))
		logmsg("%s: %s", p->status_path, strerror(errno));
}

static void add_error(struct proxy *p, const char *text)
{
	logmsg("%s", text);
	if (p->nerrors < MAX_ERRORS)
		p->errors[p->nerrors] = strdup(text);
	p->nerrors++;
	write_status(p);
}

static void mark_failed(struct proxy *p)
{
	if (p->failed)
		return;
	p->failed = true;
	logmsg("%s device failed: BAR reads return all-ones, writes are dropped, until a machine reset",
	       p->chip->full_name);
}

static void sysmem_store(struct proxy *p, const struct sysmem_msg *s, int *fds, int n)
{
	close_fds(p->sysmem_fds, p->sysmem_n);
	p->sysmem = *s;
	memcpy(p->sysmem_fds, fds, n * sizeof(int));
	p->sysmem_n = n;
}

static void chip_output(struct proxy *p, const char *line)
{
	const char *e = strstr(line, "ERROR: ");

	/* ttsim: "[clock] ERROR: Category: function: message" */
	if (line[0] == '[' && e) {
		free(p->ttsim_error);
		p->ttsim_error = strdup(e + 7);
	} else if (verbosity) {
		logmsg("ttsim: %s", line);
	}
}

/* Reads what the chip process printed; false at end of file. */
static bool read_output(struct proxy *p)
{
	ssize_t n = read(p->out, p->outbuf + p->outlen, sizeof(p->outbuf) - 1 - p->outlen);
	char *nl;

	if (n < 0 && errno == EINTR)
		return true;
	if (n <= 0) {
		if (p->outlen) {
			p->outbuf[p->outlen] = 0;
			chip_output(p, p->outbuf);
			p->outlen = 0;
		}
		return false;
	}
	p->outlen += (size_t)n;
	p->outbuf[p->outlen] = 0;
	while ((nl = strchr(p->outbuf, '\n'))) {
		*nl = 0;
		chip_output(p, p->outbuf);
		p->outlen -= (size_t)(nl + 1 - p->outbuf);
		memmove(p->outbuf, nl + 1, p->outlen + 1);
	}
	if (p->outlen == sizeof(p->outbuf) - 1) {	/* a very long line */
		chip_output(p, p->outbuf);
		p->outlen = 0;
	}
	return true;
}

/* A message from the chip process; false when it has closed its end. */
static bool read_ctl(struct proxy *p)
{
	union {
		char b[CMSG_SPACE(MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct ctl_msg c;
	struct iovec iov = { &c, sizeof(c) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
	int fds[MAX_FDS], nfds = 0;
	struct cmsghdr *cm;
	ssize_t n;

	do
		n = recvmsg(p->ctl, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return false;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t k = 0; k < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); k++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
			if (nfds < MAX_FDS)
				fds[nfds++] = fd;
			else
				close(fd);
		}
	}
	if (n != sizeof(c)) {
		close_fds(fds, nfds);
		return true;
	}
	if (c.type == CTL_SYSMEM && c.nfds == (uint32_t)nfds) {
		sysmem_store(p, &c.u.sysmem, fds, nfds);
		return true;
	}
	close_fds(fds, nfds);
	if (c.type == CTL_ERROR) {
		c.u.text[sizeof(c.u.text) - 1] = 0;
		add_error(p, c.u.text);
		if (c.fatal)
			mark_failed(p);
	}
	return true;
}

static int start_chip(struct proxy *p)
{
	int sp[2], pipefd[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp))
		return -errno;
	if (pipe2(pipefd, O_CLOEXEC)) {
		close(sp[0]);
		close(sp[1]);
		return -errno;
	}
	p->ctl = sp[0];
	p->out = pipefd[0];
	pid = fork();
	if (pid < 0) {
		int err = errno;

		close(sp[0]);
		close(sp[1]);
		close(pipefd[0]);
		close(pipefd[1]);
		p->ctl = p->out = -1;
		return -err;
	}
	if (!pid) {
		p->ctl_chip = sp[1];
		chip_main(p, pipefd[1]);
	}
	close(sp[1]);
	close(pipefd[1]);
	p->chip_pid = pid;
	p->outlen = 0;
	free(p->ttsim_error);
	p->ttsim_error = NULL;
	if (verbosity)
		logmsg("chip process %d started", (int)pid);
	return 0;
}

static void serve_dead(struct proxy *p, struct msg *m, int *fds, int nfds);

/* A machine reset: a fresh chip, which answers the reset once it is up. */
static void device_reset(struct proxy *p)
{
	struct shared *sh = p->sh;
	int ret;

	memset(sh->bar, 0, sizeof(sh->bar));
	sh->command = 0;
	sh->reset_owed = true;
	if (p->failed)
		logmsg("machine reset: starting a fresh %s chip", p->chip->full_name);
	else if (verbosity)
		logmsg("machine reset: starting a fresh chip");
	p->failed = false;
	ret = start_chip(p);
	if (ret) {
		char text[160];

		snprintf(text, sizeof(text), "proxy error: SystemError: fork: %s", strerror(-ret));
		add_error(p, text);
		mark_failed(p);
		sh->reset_owed = false;
		if (send_ret(p->qfd, 0))
			p->ended = true;
	}
}

/* The chip process has ended: find out why and carry on. */
static void chip_ended(struct proxy *p)
{
	struct shared *sh = p->sh;
	int status, code = -1;
	char ctx[200] = "", text[900];

	while (read_ctl(p))
		;
	while (read_output(p))
		;
	while (waitpid(p->chip_pid, &status, 0) < 0 && errno == EINTR)
		;
	close(p->ctl);
	close(p->out);
	p->ctl = p->out = -1;
	p->chip_pid = 0;
	if (WIFEXITED(status))
		code = WEXITSTATUS(status);
	if (verbosity)
		logmsg("chip process ended (%s %d)", WIFEXITED(status) ? "status" : "signal",
		       WIFEXITED(status) ? code : WTERMSIG(status));

	if (code == CX_HANGUP || code == CX_PROTOCOL) {
		p->ended = true;
		return;
	}
	if (code == CX_RESET && sh->busy && sh->req.hdr.cmd == CMD_DEVICE_RESET) {
		sh->busy = false;
		device_reset(p);
		return;
	}
	if (sh->busy) {
		strcpy(ctx, " (while serving ");
		describe(p, &sh->req, ctx + strlen(ctx), sizeof(ctx) - strlen(ctx) - 2);
		strcat(ctx, ")");
	}
	if (p->ttsim_error) {
		snprintf(text, sizeof(text), "ttsim error: %s%s", p->ttsim_error, ctx);
		add_error(p, text);
	} else if (code == CX_TTSIM) {
		snprintf(text, sizeof(text), "ttsim error: Unknown: ttsim ended the chip process without a message%s",
			 ctx);
		add_error(p, text);
	} else if (WIFSIGNALED(status)) {
		snprintf(text, sizeof(text), "chip error: Crash: the chip process died of signal %d (%s)%s",
			 WTERMSIG(status), strsignal(WTERMSIG(status)), ctx);
		add_error(p, text);
	} else if (code != CX_FATAL) {
		snprintf(text, sizeof(text), "chip error: Exit: the chip process exited with status %d%s",
			 code, ctx);
		add_error(p, text);
	}
	mark_failed(p);
	/* The request it died on, and a reset it could not answer, get their answers here. */
	if (sh->reset_owed) {
		sh->reset_owed = false;
		if (send_ret(p->qfd, 0))
			p->ended = true;
	}
	if (sh->busy) {
		struct msg m = sh->req;

		sh->busy = false;
		if (m.hdr.cmd != CMD_DEVICE_RESET)
			serve_dead(p, &m, NULL, 0);
		else if (send_ret(p->qfd, 0))
			p->ended = true;
	}
}

/* QEMU's requests while there is no chip: a dead card's answers. */
static void serve_dead(struct proxy *p, struct msg *m, int *fds, int nfds)
{
	const struct cfg_msg *c = &m->data.cfg;
	uint64_t v = 0;

	switch (m->hdr.cmd) {
	case CMD_SYNC_SYSMEM:
		sysmem_store(p, &m->data.sysmem, fds, nfds);
		p->sh->sysmem_syncs++;
		return;
	case CMD_SET_IRQFD:
		close_fds(fds, nfds);
		return;
	case CMD_DEVICE_RESET:
		p->sh->resets++;
		device_reset(p);
		return;
	case CMD_PCI_CFGREAD:
		v = cfg_args_valid(c) ? cfg_read(p, c->addr, (unsigned)c->len) : ~0u;
		break;
	case CMD_PCI_CFGWRITE:
		if (cfg_args_valid(c))
			cfg_write(p, c->addr, c->val, (unsigned)c->len);
		break;
	case CMD_BAR_READ:
		v = all_ones(m->data.bar.size);
		break;
	case CMD_BAR_WRITE:
		break;
	}
	if (send_ret(p->qfd, v))
		p->ended = true;
}

static int supervise(struct proxy *p)
{
	int ret = start_chip(p);

	if (ret) {
		logmsg("fork: %s", strerror(-ret));
		return 2;
	}
	while (!p->ended) {
		struct pollfd pfd[3];
		int n = 0;

		pfd[n++] = (struct pollfd){ .fd = p->sigfd, .events = POLLIN };
		if (p->chip_pid) {
			pfd[n++] = (struct pollfd){ .fd = p->ctl, .events = POLLIN };
			pfd[n++] = (struct pollfd){ .fd = p->out, .events = POLLIN };
		} else {
			pfd[n++] = (struct pollfd){ .fd = p->qfd, .events = POLLIN };
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			logmsg("poll: %s", strerror(errno));
			break;
		}
		if (pfd[0].revents) {
			struct signalfd_siginfo si;

			if (read(p->sigfd, &si, sizeof(si)) == sizeof(si) && verbosity)
				logmsg("signal %u: stopping", si.ssi_signo);
			break;
		}
		if (p->chip_pid) {
			bool gone = false;

			if (pfd[2].revents && !read_output(p))
				gone = true;
			if (pfd[1].revents && !read_ctl(p))
				gone = true;
			if (gone)
				chip_ended(p);
		} else if (pfd[1].revents) {
			int fds[MAX_FDS], nfds;
			struct msg m;

			ret = recv_msg(p->qfd, &m, fds, &nfds);
			if (ret <= 0) {
				if (ret < 0 && ret != -ECONNRESET) {
					char text[160];

					snprintf(text, sizeof(text), "proxy error: Protocol: %s", strerror(-ret));
					add_error(p, text);
				}
				break;
			}
			if (!msg_valid(&m, nfds)) {
				char text[160];

				close_fds(fds, nfds);
				snprintf(text, sizeof(text), "proxy error: Protocol: malformed message (command %d)",
					 m.hdr.cmd);
				add_error(p, text);
				break;
			}
			serve_dead(p, &m, fds, nfds);
		}
	}
	if (p->chip_pid) {
		kill(p->chip_pid, SIGKILL);
		while (read_output(p))
			;
		waitpid(p->chip_pid, NULL, 0);
	}
	return 0;
}

/* ---- start-up ------------------------------------------------------------------ */

static int load_library(struct proxy *p)
{
	static const char *const names[] = {
		"libttsim_init", "libttsim_exit", "libttsim_set_pci_dma_mem_callbacks",
		"libttsim_pci_config_rd32", "libttsim_pci_config_wr32",
		"libttsim_pci_mem_rd_bytes", "libttsim_pci_mem_wr_bytes", "libttsim_clock",
	};
	void *sym[8];

	/* Loaded here, initialised only in the chip processes forked from here. */
	p->lib = dlopen(p->lib_path, RTLD_NOW | RTLD_LOCAL);
	if (!p->lib) {
		logmsg("%s", dlerror());
		return -1;
	}
	for (unsigned i = 0; i < 8; i++) {
		sym[i] = dlsym(p->lib, names[i]);
		if (!sym[i]) {
			logmsg("%s: no %s: not a ttsim library", p->lib_path, names[i]);
			return -1;
		}
	}
	p->api.init = (void (*)(void))sym[0];
	p->api.exit = (void (*)(void))sym[1];
	p->api.set_dma = (void (*)(void (*)(uint64_t, void *, uint32_t),
				   void (*)(uint64_t, const void *, uint32_t)))sym[2];
	p->api.cfg_rd32 = (uint32_t (*)(uint32_t, uint32_t))sym[3];
	p->api.cfg_wr32 = (void (*)(uint32_t, uint32_t, uint32_t))sym[4];
	p->api.mem_rd = (void (*)(uint64_t, void *, uint32_t))sym[5];
	p->api.mem_wr = (void (*)(uint64_t, const void *, uint32_t))sym[6];
	p->api.clock = (void (*)(uint32_t))sym[7];
	return 0;
}

/* --lib, else $TTSIM_LIB (a file, or a folder with libttsim_{wh,bh}.so), else ../ttsim/ of the binary. */
static char *default_lib(const struct chip *chip)
{
	const char *env = getenv("TTSIM_LIB");
	char exe[PATH_MAX], *slash, *path = NULL;
	struct stat st;
	ssize_t n;

	if (env && *env) {
		if (!stat(env, &st) && S_ISDIR(st.st_mode)) {
			if (asprintf(&path, "%s/libttsim_%s.so", env, chip->name) < 0)
				return NULL;
			return path;
		}
		return strdup(env);
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = 0;
	if (asprintf(&path, "%s/../ttsim/libttsim_%s.so", exe, chip->name) < 0)
		return NULL;
	return path;
}

static int listen_accept(struct proxy *p)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int lfd, fd = -1, err = 0;

	if (strlen(p->socket_path) >= sizeof(addr.sun_path)) {
		logmsg("%s: socket path too long", p->socket_path);
		return -1;
	}
	strcpy(addr.sun_path, p->socket_path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		goto fail;
	unlink(p->socket_path);
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 1))
		goto fail;
	logmsg("%s on %s, waiting for QEMU", p->chip->full_name, p->socket_path);
	for (;;) {
		struct pollfd pfd[2] = { { .fd = p->sigfd, .events = POLLIN },
					 { .fd = lfd, .events = POLLIN } };

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (pfd[0].revents) {
			logmsg("stopped before QEMU connected");
			fd = -2;
			break;
		}
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			break;
		if (errno != EINTR && errno != ECONNABORTED) {
			err = errno;
			break;
		}
	}
	if (err)
		logmsg("%s: accept: %s", p->socket_path, strerror(err));
	close(lfd);
	unlink(p->socket_path);
	return fd;
fail:
	logmsg("%s: %s", p->socket_path, strerror(errno));
	if (lfd >= 0)
		close(lfd);
	return -1;
}

/* ---- --exec: connect QEMU's proxy devices to their sockets ---------------- */

static int connect_wait(const char *path, uint64_t deadline)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(addr.sun_path)) {
		logmsg("%s: socket path too long", path);
		return -1;
	}
	strcpy(addr.sun_path, path);
	for (;;) {
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);	/* QEMU inherits it */

		if (fd < 0)
			break;
		if (!connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
			return fd;
		close(fd);
		if ((errno != ENOENT && errno != ECONNREFUSED) || now_ns() >= deadline)
			break;
		usleep(50000);
	}
	logmsg("%s: %s", path, strerror(errno));
	return -1;
}

/* "x-pci-proxy-dev,id=tt0,fd=/run/wh.sock" -> "x-pci-proxy-dev,id=tt0,fd=5" */
static char *connect_device_arg(const char *arg, uint64_t deadline)
{
	const char *field = arg;

	while (field) {
		const char *end = strchr(field, ',');
		size_t vlen;

		if (!strncmp(field, "fd=", 3)) {
			const char *v = field + 3;
			char path[PATH_MAX], *out;
			int fd;

			vlen = end ? (size_t)(end - v) : strlen(v);
			if (!vlen || strspn(v, "0123456789") == vlen || vlen >= sizeof(path))
				return NULL;	/* already a number: leave it */
			memcpy(path, v, vlen);
			path[vlen] = 0;
			fd = connect_wait(path, deadline);
			if (fd < 0)
				exit(2);
			if (asprintf(&out, "%.*sfd=%d%s", (int)(field - arg), arg, fd, end ? end : "") < 0)
				exit(2);
			if (verbosity)
				logmsg("%s: connected, fd %d", path, fd);
			return out;
		}
		field = end ? end + 1 : NULL;
	}
	return NULL;
}

static int exec_main(char **argv, unsigned wait_s)
{
	uint64_t deadline = now_ns() + (uint64_t)wait_s * 1000000000ull;

	if (!argv[0]) {
		logmsg("--exec: no program (ttsim-proxy --exec -- qemu-system-x86_64 ...)");
		return 2;
	}
	for (char **a = argv + 1; *a; a++) {
		char *rewritten;

		if (!strstr(*a, "x-pci-proxy-dev"))
			continue;
		rewritten = connect_device_arg(*a, deadline);
		if (rewritten)
			*a = rewritten;
	}
	execvp(argv[0], argv);
	logmsg("%s: %s", argv[0], strerror(errno));
	return 127;
}

/* ---- main ------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ttsim-proxy -c wh|bh (-s SOCKET | --fd N) [options]\n"
		"       ttsim-proxy --exec [--wait SECONDS] -- PROGRAM ARGS...\n"
		"  -c, --chip wh|bh        Wormhole (1e52:401e) or Blackhole (1e52:b140)\n"
		"  -l, --lib PATH          libttsim_{wh,bh}.so (default: $TTSIM_LIB, a file or a folder,\n"
		"                          else ../ttsim/ next to this binary's folder)\n"
		"  -s, --socket PATH       listen on PATH for QEMU's connection (see --exec)\n"
		"      --fd N              serve the connected socket N (inherited)\n"
		"      --status FILE       keep FILE up to date: \"errors: N\" and one line per error\n"
		"      --idle-clocks N     chip clocks per millisecond QEMU is quiet (1000; 0: none)\n"
		"      --access-clocks N   chip clocks after each BAR access (10)\n"
		"      --idle-backoff MS   after MS quiet milliseconds, clock every 10 ms only\n"
		"                          (1000; 0: never)\n"
		"  -v, --verbose           say what happens (twice: every access)\n"
		"      --exec              connect every x-pci-proxy-dev whose fd= is a socket path\n"
		"                          and run PROGRAM (QEMU) with the connected fds\n"
		"      --wait SECONDS      --exec: wait for the sockets that long (10)\n"
		"QEMU: -object memory-backend-memfd,id=mem,size=512M,share=on\n"
		"      -machine pc,memory-backend=mem -device x-pci-proxy-dev,id=tt0,fd=N\n");
}

static int parse_uint(const char *arg, const char *what, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 0);
	if (errno || end == arg || *end || arg[0] == '-' || v > max) {
		logmsg("%s: '%s' is not a number from 0 to %u", what, arg, max);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

enum { OPT_FD = 256, OPT_STATUS, OPT_IDLE, OPT_ACCESS, OPT_BACKOFF, OPT_EXEC, OPT_WAIT };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "chip", required_argument, NULL, 'c' },
		{ "lib", required_argument, NULL, 'l' },
		{ "socket", required_argument, NULL, 's' },
		{ "fd", required_argument, NULL, OPT_FD },
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "idle-clocks", required_argument, NULL, OPT_IDLE },
		{ "access-clocks", required_argument, NULL, OPT_ACCESS },
		{ "idle-backoff", required_argument, NULL, OPT_BACKOFF },
		{ "exec", no_argument, NULL, OPT_EXEC },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct proxy px = { .inherited_fd = -1, .qfd = -1, .ctl = -1, .out = -1, .sigfd = -1,
			    .ctl_chip = -1, .idle_clocks = 1000, .access_clocks = 10,
			    .idle_backoff_ms = 1000 };
	struct proxy *p = &px;
	bool exec_mode = false;
	unsigned wait_s = 10, fdnum;
	uint64_t t0;
	sigset_t mask;
	int c, status;

	while ((c = getopt_long(argc, argv, "+c:l:s:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			for (unsigned i = 0; i < sizeof(chips) / sizeof(chips[0]); i++)
				if (!strcmp(optarg, chips[i].name))
					p->chip = &chips[i];
			if (!p->chip) {
				logmsg("--chip '%s': wh or bh", optarg);
				return 2;
			}
			break;
		case 'l':
			p->lib_path = strdup(optarg);
			break;
		case 's':
			p->socket_path = optarg;
			break;
		case OPT_FD:
			if (parse_uint(optarg, "--fd", INT_MAX, &fdnum))
				return 2;
			p->inherited_fd = (int)fdnum;
			break;
		case OPT_STATUS:
			p->status_path = optarg;
			break;
		case OPT_IDLE:
			if (parse_uint(optarg, "--idle-clocks", 1000000, &p->idle_clocks))
				return 2;
			break;
		case OPT_ACCESS:
			if (parse_uint(optarg, "--access-clocks", 1000000, &p->access_clocks))
				return 2;
			break;
		case OPT_BACKOFF:
			if (parse_uint(optarg, "--idle-backoff", 86400000, &p->idle_backoff_ms))
				return 2;
			break;
		case OPT_EXEC:
			exec_mode = true;
			break;
		case OPT_WAIT:
			if (parse_uint(optarg, "--wait", 3600, &wait_s))
				return 2;
			break;
		case 'v':
			verbosity++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (exec_mode)
		return exec_main(argv + optind, wait_s);
	/* exactly one of --socket and --fd */
	if (optind != argc || !p->chip || (p->socket_path != NULL) == (p->inherited_fd >= 0)) {
		usage(stderr);
		return 2;
	}
	if (!p->lib_path)
		p->lib_path = default_lib(p->chip);
	if (!p->lib_path) {
		logmsg("no library: give --lib or $TTSIM_LIB");
		return 2;
	}
	if (p->inherited_fd >= 0) {
		int type;
		socklen_t len = sizeof(type);

		if (getsockopt(p->inherited_fd, SOL_SOCKET, SO_TYPE, &type, &len) || type != SOCK_STREAM) {
			logmsg("--fd %d: not a stream socket", p->inherited_fd);
			return 2;
		}
		fcntl(p->inherited_fd, F_SETFD, FD_CLOEXEC);
	}
	if (load_library(p))
		return 2;
	p->sh = mmap(NULL, sizeof(struct shared), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p->sh == MAP_FAILED) {
		logmsg("mmap: %s", strerror(errno));
		return 2;
	}
	p->self = getpid();

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	p->sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (p->sigfd < 0) {
		logmsg("signalfd: %s", strerror(errno));
		return 2;
	}
	write_status(p);
	if (p->socket_path) {
		p->qfd = listen_accept(p);
		if (p->qfd == -2)
			return 0;
		if (p->qfd < 0)
			return 2;
	} else {
		p->qfd = p->inherited_fd;
	}
	logmsg("%s (1e52:%04x) from %s, serving QEMU", p->chip->full_name, p->chip->device_id,
	       p->lib_path);
	t0 = now_ns();
	status = supervise(p);
	{
		const struct shared *sh = p->sh;

		logmsg("%llu BAR reads (%.2f us each in ttsim, %.2f us from wake-up to answer), "
		       "%llu writes (%.2f us in ttsim), %llu config accesses, "
		       "%llu memory maps, %llu resets, %.1f M idle clocks in %.1f s; %u error%s",
		       (unsigned long long)sh->bar_reads,
		       sh->bar_reads ? sh->read_ns / 1e3 / sh->bar_reads : 0.0,
		       sh->bar_reads ? sh->read_served_ns / 1e3 / sh->bar_reads : 0.0,
		       (unsigned long long)sh->bar_writes,
		       sh->bar_writes ? sh->write_ns / 1e3 / sh->bar_writes : 0.0,
		       (unsigned long long)sh->cfg_accesses, (unsigned long long)sh->sysmem_syncs,
		       (unsigned long long)sh->resets, sh->idle_clocks / 1e6, (now_ns() - t0) / 1e9,
		       p->nerrors, p->nerrors == 1 ? "" : "s");
	}
	write_status(p);
	close(p->qfd);
	close_fds(p->sysmem_fds, p->sysmem_n);
	for (unsigned i = 0; i < p->nerrors && i < MAX_ERRORS; i++)
		free(p->errors[i]);
	free(p->ttsim_error);
	free(p->lib_path);
	if (status)
		return status;
	return p->nerrors ? 1 : 0;
}
