// SPDX-License-Identifier: MIT
/*
 * The module's Wormhole and Blackhole classes against Tenstorrent's ttsim
 * behind QEMU (tools/ttsim-proxy), run once per chip (TT_DEVICE, TT_CHIP;
 * tests/qemu/chips.sh): device, driver and harvesting info; QUERY_MAPPINGS
 * and mmap of each BAR, UC and WC where the kernel's own mappings allow;
 * TLB windows of every size onto a worker's L1 and onto every DRAM
 * channel, unicast and multicast, each checked through a second path; DMA
 * buffers and pinned pages read and written by the chip itself (its NoC
 * to the PCIe tile, and the BAR2 DMA engine); locks, power, the NoC
 * cleanup write; hwmon and sysfs against the firmware's tag table read
 * from user space; ttctl; a process killed with everything held; resets.
 *
 * Every value is checked against the chip: what ttsim gives, read through
 * another path where there is one. Nothing here reads through a multicast
 * window, uses NoC 1, or touches a register ttsim does not model: ttsim
 * would stop the chip (and the harness counts its errors).
 */
#include <ctype.h>
#include <glob.h>
#include <signal.h>
#include <sys/klog.h>
#include <sys/wait.h>

#include <limits.h>
#include <sys/stat.h>

#include "kmod_test.h"

#define MIB		(1ull << 20)
#define GIB		(1ull << 30)
#define WORDS		256		/* 1 KiB: each word costs a BAR access (~50 us under TCG) */
#define L1_TEST		0x10000u	/* a worker's L1 used by the tests (cores are held in reset) */
#define DRAM_TEST	0x200000u	/* aligned to every window size */

struct coord {
	uint8_t x, y;
};

/* What the tests know about a chip (and about ttsim's model of it). */
struct chip {
	const char *name;
	uint16_t pci_id;
	uint32_t arch;
	unsigned int dma_bits;
	unsigned int kinds;
	uint64_t tlb_size[3];
	unsigned int tlb_first[3];
	unsigned int tlb_user[3];	/* windows user space may have (BAR4 absent: none) */
	unsigned int kernel_tlb;
	uint64_t bar_size[3];		/* RESOURCE0..2 = BAR0, BAR2, BAR4; 0: absent */
	struct coord core, mc_start, mc_end, outside;
	uint32_t node_id_reg;		/* NOC_NODE_ID in a worker's register space */
	unsigned int dram_channels;
	struct coord dram[8][2];	/* two NoC coordinates of each channel */
	struct coord pcie;
	uint64_t host_base;		/* NoC address of host address 0 at the PCIe tile */
	struct coord arc;
	uint64_t arc_csm;		/* NoC address of ARC's CSM (ARC address 0x10000000) */
	unsigned int grid_x, grid_y;
	const char *hwmon;
};

static const struct chip wormhole = {
	.name = "wormhole", .pci_id = 0x401e, .arch = TENSTORRENT_ARCH_WORMHOLE, .dma_bits = 32,
	.kinds = 3, .tlb_size = { MIB, 2 * MIB, 16 * MIB }, .tlb_first = { 0, 156, 166 },
	.tlb_user = { 156, 10, 19 }, .kernel_tlb = 185,
	.bar_size = { 512 * MIB, MIB, 32 * MIB },
	.core = { 1, 1 }, .mc_start = { 1, 1 }, .mc_end = { 2, 2 }, .outside = { 3, 1 },
	.node_id_reg = 0xffb2002c,
	.dram_channels = 6,
	.dram = { { { 0, 0 }, { 0, 11 } }, { { 0, 5 }, { 0, 7 } }, { { 5, 0 }, { 5, 11 } },
		  { { 5, 2 }, { 5, 10 } }, { { 5, 3 }, { 5, 8 } }, { { 5, 5 }, { 5, 7 } } },
	.pcie = { 0, 3 }, .host_base = 0x800000000ull,
	.arc = { 0, 10 }, .arc_csm = 0x810000000ull,
	.grid_x = 8, .grid_y = 10, .hwmon = "wormhole",
};

/* Blackhole's DRAM through its translated coordinates (x 17/18, y 12..23), as ttsim requires. */
static const struct chip blackhole = {
	.name = "blackhole", .pci_id = 0xb140, .arch = TENSTORRENT_ARCH_BLACKHOLE, .dma_bits = 58,
	.kinds = 2, .tlb_size = { 2 * MIB, 4 * GIB }, .tlb_first = { 0, 202 },
	.tlb_user = { 201, 0 }, .kernel_tlb = 201,
	.bar_size = { 512 * MIB, MIB, 0 },
	.core = { 1, 2 }, .mc_start = { 1, 2 }, .mc_end = { 2, 3 }, .outside = { 3, 2 },
	.node_id_reg = 0xffb20044,
	.dram_channels = 8,
	.dram = { { { 18, 12 }, { 18, 13 } }, { { 18, 15 }, { 18, 16 } }, { { 18, 21 }, { 18, 22 } },
		  { { 18, 18 }, { 18, 19 } }, { { 17, 12 }, { 17, 13 } }, { { 17, 15 }, { 17, 16 } },
		  { { 17, 21 }, { 17, 22 } }, { { 17, 18 }, { 17, 19 } } },
	.pcie = { 2, 0 }, .host_base = 0,
	.arc = { 8, 0 }, .arc_csm = 0x10000000ull,
	.grid_x = 14, .grid_y = 10, .hwmon = "blackhole",
};

static const struct chip *chip;
static int fd = -1;

/* ---- helpers ------------------------------------------------------------- */

static unsigned int dev_index(void)
{
	const char *p = kt_path() + strlen(kt_path());

	while (p > kt_path() && isdigit((unsigned char)p[-1]))
		p--;
	return (unsigned int)atoi(p);
}

static const char *sys_dir(void)
{
	static char dir[96];

	snprintf(dir, sizeof(dir), "/sys/class/tenstorrent/tenstorrent!%u", dev_index());
	return dir;
}

/* The first line of a file, or "" when it cannot be read. */
static const char *read_line(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static const char *sys_attr(const char *name)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", sys_dir(), name);
	return read_line(path);
}

static int sys_exists(const char *name)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", sys_dir(), name);
	return access(path, F_OK) == 0;
}

/* The path of the chip's hwmon attribute name. */
static const char *hwmon_path(const char *name)
{
	static char path[256];
	char pattern[192];
	glob_t g;

	snprintf(pattern, sizeof(pattern), "%s/device/hwmon/hwmon*/%s", sys_dir(), name);
	path[0] = '\0';
	if (!glob(pattern, 0, NULL, &g) && g.gl_pathc)
		snprintf(path, sizeof(path), "%s", g.gl_pathv[0]);
	globfree(&g);
	return path;
}

static uint32_t pattern(uint32_t seed, size_t i)
{
	uint32_t v = seed * 0x9e3779b1u + (uint32_t)i * 0x85ebca77u;

	return v ^ (v >> 15);
}

/* Word accesses one at a time: the chip's BARs take 32-bit accesses. */
static void fill(volatile uint32_t *p, uint32_t seed, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = pattern(seed, i);
	__sync_synchronize();
}

/* Index of the first word that differs from the pattern, or -1. */
static long differs(const volatile uint32_t *p, uint32_t seed, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != pattern(seed, i))
			return (long)i;
	return -1;
}

#define assert_pattern(p, seed, n) do {						\
	long at_ = differs((p), (seed), (n));					\
	if (at_ >= 0)								\
		fail_msg("word %ld: 0x%08x, expected 0x%08x", at_,		\
			 (unsigned)(p)[at_], (unsigned)pattern((seed), at_));	\
} while (0)

static unsigned int kind_of(uint64_t size)
{
	unsigned int k;

	for (k = 0; k < chip->kinds; k++)
		if (chip->tlb_size[k] == size)
			return k;
	fail_msg("no window size %llu", (unsigned long long)size);
	return 0;
}

/* A TLB window, configured and mapped. */
struct window {
	int fd;
	uint32_t id;
	uint64_t size;
	uint64_t bar_offset;	/* the window's place in BAR0 */
	uint8_t *map;
	int wc;
};

static int tlb_alloc(int f, uint64_t size, struct tenstorrent_allocate_tlb_out *out)
{
	struct tenstorrent_allocate_tlb a;
	int err;

	memset(&a, 0, sizeof(a));
	a.in.size = size;
	err = kt_ioctl(f, TENSTORRENT_IOCTL_ALLOCATE_TLB, &a);
	if (!err && out)
		*out = a.out;
	return err;
}

static int tlb_free(int f, uint32_t id)
{
	struct tenstorrent_free_tlb fr;

	memset(&fr, 0, sizeof(fr));
	fr.in.id = id;
	return kt_ioctl(f, TENSTORRENT_IOCTL_FREE_TLB, &fr);
}

static int tlb_configure(int f, uint32_t id, const struct tenstorrent_noc_tlb_config *cfg)
{
	struct tenstorrent_configure_tlb c;

	memset(&c, 0, sizeof(c));
	c.in.id = id;
	c.in.config = *cfg;
	return kt_ioctl(f, TENSTORRENT_IOCTL_CONFIGURE_TLB, &c);
}

static struct tenstorrent_noc_tlb_config unicast(struct coord c, uint64_t addr)
{
	struct tenstorrent_noc_tlb_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.addr = addr;
	cfg.x_end = c.x;
	cfg.y_end = c.y;
	return cfg;
}

/* A window of size onto (c, base), base aligned to the size; mapped UC or WC. */
static struct window win_open(int f, uint64_t size, struct coord c, uint64_t base, int wc)
{
	struct tenstorrent_allocate_tlb_out o;
	struct tenstorrent_noc_tlb_config cfg = unicast(c, base);
	struct window w = { .fd = f, .size = size, .wc = wc };

	assert_int_equal(tlb_alloc(f, size, &o), 0);
	w.id = o.id;
	w.bar_offset = (wc ? o.mmap_offset_wc - TENSTORRENT_MMAP_TLB_WC :
			     o.mmap_offset_uc - TENSTORRENT_MMAP_TLB_UC);
	assert_int_equal(tlb_configure(f, o.id, &cfg), 0);
	w.map = kt_map(f, wc ? o.mmap_offset_wc : o.mmap_offset_uc, size);
	return w;
}

static void win_retarget(struct window *w, struct coord c, uint64_t base)
{
	struct tenstorrent_noc_tlb_config cfg = unicast(c, base);

	assert_int_equal(tlb_configure(w->fd, w->id, &cfg), 0);
}

static void win_close(struct window *w)
{
	munmap(w->map, w->size);
	assert_int_equal(tlb_free(w->fd, w->id), 0);
}

static volatile uint32_t *at(const struct window *w, uint64_t off)
{
	return (volatile uint32_t *)(w->map + off);
}

/* The window size the tests use for a second path to the same bytes. */
static uint64_t other_size(uint64_t size)
{
	unsigned int k = kind_of(size);

	return chip->kinds > 1 && chip->tlb_user[(k + 1) % chip->kinds] ?
	       chip->tlb_size[(k + 1) % chip->kinds] : size;
}

/* The kernel log (for the lines the module prints about this device). */
static int klog_has(const char *text)
{
	static char buf[1 << 20];
	char bdf[64], link[256], path[160];
	int n = klogctl(3, buf, sizeof(buf) - 1);
	ssize_t l;
	char *line;

	assert_true(n >= 0);
	buf[n] = '\0';
	snprintf(path, sizeof(path), "%s/device", sys_dir());
	l = readlink(path, link, sizeof(link) - 1);
	assert_true(l > 0);
	link[l] = '\0';
	snprintf(bdf, sizeof(bdf), "%s: ", strrchr(link, '/') + 1);
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (strstr(line, bdf) && strstr(line, text))
			return 1;
	return 0;
}

/* ---- the firmware's telemetry table, read from user space ---------------- */

struct table {
	int tags;
	uint32_t value[80];
	int present[80];
};

/* ARC address space through a window (CSM: ARC 0x10000000 + off). */
static uint32_t arc_csm_read(const struct window *w, uint32_t arc_addr)
{
	return *at(w, arc_addr - 0x10000000u);
}

static void read_table(struct table *t)
{
	struct window w = win_open(fd, chip->tlb_size[0], chip->arc, chip->arc_csm, 0);
	uint32_t table, data, count, i;

	memset(t, 0, sizeof(*t));
	if (chip->arch == TENSTORRENT_ARCH_WORMHOLE) {
		/* The reset unit through BAR4 (where the module aims it): 0x1D0, 0x1D4. */
		uint8_t *bar4 = kt_map(fd, (uint64_t)(TENSTORRENT_MAPPING_RESOURCE2_UC - 1) <<
				       TENSTORRENT_MMAP_BAR_SHIFT, 32 * MIB);

		table = *(volatile uint32_t *)(bar4 + 0x1f301d0);
		data = *(volatile uint32_t *)(bar4 + 0x1f301d4);
		munmap(bar4, 32 * MIB);
	} else {
		/* ARC's scratch RAM 13 and 12 at 0x80030434, 0x80030430. */
		win_retarget(&w, chip->arc, 0x80000000u);
		table = *at(&w, 0x30434);
		data = *at(&w, 0x30430);
		win_retarget(&w, chip->arc, chip->arc_csm);
	}
	count = arc_csm_read(&w, table + 4);
	assert_true(count > 0 && count < 80);
	for (i = 0; i < count; i++) {
		uint32_t e = arc_csm_read(&w, table + 8 + 4 * i);
		uint32_t tag = e & 0xffff;

		if (tag < 80) {
			t->present[tag] = 1;
			t->value[tag] = arc_csm_read(&w, data + 4 * (e >> 16));
			t->tags++;
		}
	}
	win_close(&w);
}

/* ---- info ------------------------------------------------------------------ */

static void test_device_info(void **state)
{
	struct tenstorrent_get_device_info d;
	char path[160], link[256];
	unsigned int dom, bus, dev, fn;
	ssize_t n;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.in.output_size_bytes = sizeof(d.out);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_DEVICE_INFO, &d), 0);
	assert_int_equal(d.out.output_size_bytes, sizeof(d.out));
	assert_int_equal(d.out.vendor_id, 0x1e52);
	assert_int_equal(d.out.device_id, chip->pci_id);
	/* ttsim's config space: subsystem 0 (not a Galaxy board) */
	assert_int_equal(d.out.subsystem_vendor_id, 0);
	assert_int_equal(d.out.subsystem_id, 0);
	assert_int_equal(d.out.max_dma_buf_size_log2, 22);
	assert_int_equal(d.out.reserved, 0);
	snprintf(path, sizeof(path), "%s/device", sys_dir());
	n = readlink(path, link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = '\0';
	assert_int_equal(sscanf(strrchr(link, '/') + 1, "%x:%x:%x.%x", &dom, &bus, &dev, &fn), 4);
	assert_int_equal(d.out.pci_domain, dom);
	assert_int_equal(d.out.bus_dev_fn, bus << 8 | dev << 3 | fn);
}

static void test_driver_info(void **state)
{
	struct tenstorrent_get_driver_info d;
	unsigned int major, minor, patch;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.in.output_size_bytes = sizeof(d.out);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_DRIVER_INFO, &d), 0);
	assert_int_equal(d.out.driver_version, TENSTORRENT_DRIVER_VERSION);
	/* tt-kmd's ABI release; the module's own version is apart (0.1.0). */
	assert_int_equal(sscanf(read_line("/sys/module/tenstorrent/version"), "%u.%u.%u", &major,
				&minor, &patch), 3);
	assert_int_equal(major * 10000 + minor * 100 + patch, 100);
	assert_int_equal(d.out.driver_version_major, 2);
	assert_int_equal(d.out.driver_version_minor, 10);
	assert_int_equal(d.out.driver_version_patch, 1);
}

/* No MSI/MSI-X behind the proxy: no vectors, no eventfds; no doorbell (the model's). */
static void test_caps(void **state)
{
	struct tenstorrent_get_device_caps c;
	struct tenstorrent_set_eventfd e;
	struct tenstorrent_ring_doorbell r;

	(void)state;
	kt_caps(fd, &c);
	assert_int_equal(c.arch, chip->arch);
	assert_int_equal(c.caps, TENSTORRENT_CAP_TLBS | TENSTORRENT_CAP_HARVESTING);
	assert_int_equal(c.num_vectors, 0);
	assert_int_equal(c.num_queues, 0);
	assert_int_equal(c.regs_mapping_id, 0);
	assert_int_equal(c.dma_address_bits, chip->dma_bits);
	assert_int_equal(c.fd_generation, c.reset_generation);
	memset(&e, 0, sizeof(e));
	e.argsz = sizeof(e);
	e.fd = -1;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_SET_EVENTFD, &e), EINVAL);
	memset(&r, 0, sizeof(r));
	r.argsz = sizeof(r);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_RING_DOORBELL, &r), EOPNOTSUPP);
	/* The module says so in the kernel log. */
	assert_true(klog_has("no MSI or MSI-X capability: no interrupts, the driver polls"));
}

/* What the firmware reports, against its table read from user space. */
static void test_harvesting(void **state)
{
	struct tenstorrent_get_harvesting h;
	struct table t;
	uint32_t want_dram = 0;
	unsigned int b;

	(void)state;
	read_table(&t);
	memset(&h, 0, sizeof(h));
	h.in.output_size_bytes = sizeof(h.out);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_HARVESTING, &h), 0);
	assert_int_equal(h.out.output_size_bytes, sizeof(h.out));
	assert_int_equal(h.out.reserved, 0);
	/* DRAM: GDDR_STATUS (tag 22), two bits a channel, 0b01 trained */
	assert_true(t.present[22]);
	for (b = 0; b < chip->dram_channels; b++)
		if (((t.value[22] >> (2 * b)) & 3) != 1)
			want_dram |= 1u << b;
	assert_true(h.out.valid & TENSTORRENT_HARVEST_VALID_DRAM);
	assert_int_equal(h.out.dram_disabled, want_dram);
	assert_int_equal(want_dram, 0);		/* ttsim trains every channel */
	if (chip->arch == TENSTORRENT_ARCH_WORMHOLE) {
		/* ARC's harvesting message (0x57); ttsim harvests nothing */
		assert_true(h.out.valid & TENSTORRENT_HARVEST_VALID_TENSIX);
		assert_int_equal(h.out.tensix_disabled, 0);
		assert_int_equal(h.out.grid_x, chip->grid_x);
		assert_int_equal(h.out.grid_y, chip->grid_y);
	} else if (t.present[34]) {
		assert_true(h.out.valid & TENSTORRENT_HARVEST_VALID_TENSIX);
		assert_int_equal(h.out.tensix_disabled, ~t.value[34] & 0x3fff);
	} else {
		/* ttsim's Blackhole table has no ENABLED_TENSIX_COL: unknown, not made up */
		assert_false(h.out.valid & TENSTORRENT_HARVEST_VALID_TENSIX);
		assert_int_equal(h.out.grid_x, 0);
		assert_int_equal(h.out.grid_y, 0);
		assert_int_equal(h.out.tensix_disabled, 0);
	}
}

/* ---- BARs -------------------------------------------------------------- */

static void test_query_mappings(void **state)
{
	struct {
		struct tenstorrent_query_mappings q;
		struct tenstorrent_mapping m[8];
	} qm;
	unsigned int r, n = 0, i;

	(void)state;
	memset(&qm, 0xa5, sizeof(qm));
	qm.q.in.output_mapping_count = 8;
	qm.q.in.reserved = 0;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_QUERY_MAPPINGS, &qm), 0);
	for (r = 0; r < 3; r++) {
		unsigned int wc;

		if (!chip->bar_size[r])
			continue;
		for (wc = 0; wc < 2; wc++, n++) {
			assert_int_equal(qm.m[n].mapping_id,
					 TENSTORRENT_MAPPING_RESOURCE0_UC + 2 * r + wc);
			assert_int_equal(qm.m[n].mapping_base,
					 (uint64_t)(2 * r + wc) << TENSTORRENT_MMAP_BAR_SHIFT);
			assert_int_equal(qm.m[n].mapping_size, chip->bar_size[r]);
			assert_int_equal(qm.m[n].reserved, 0);
		}
	}
	for (i = n; i < 8; i++) {
		assert_int_equal(qm.m[i].mapping_id, TENSTORRENT_MAPPING_UNUSED);
		assert_int_equal(qm.m[i].mapping_size, 0);
	}
}

static uint64_t bar_offset(unsigned int resource, int wc)
{
	return (uint64_t)(2 * resource + (wc ? 1 : 0)) << TENSTORRENT_MMAP_BAR_SHIFT;
}

/* Physical address of BAR bar (sysfs resource file). */
static uint64_t bar_phys(unsigned int bar)
{
	char path[160], line[128];
	unsigned long long start = 0, end, flags;
	unsigned int i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/device/resource", sys_dir());
	f = fopen(path, "r");
	assert_non_null(f);
	for (i = 0; i <= bar && fgets(line, sizeof(line), f); i++)
		assert_int_equal(sscanf(line, "%llx %llx %llx", &start, &end, &flags), 3);
	fclose(f);
	return start;
}

/* PAT's memory type of exactly [start, end), or "" when PAT lists no such entry. */
static const char *pat_type(uint64_t start, uint64_t end)
{
	static char type[64];
	unsigned long long s, e;
	char line[256], t[64];
	FILE *f = fopen("/sys/kernel/debug/x86/pat_memtype_list", "r");

	type[0] = '\0';
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "PAT: [mem 0x%llx-0x%llx] %63s", &s, &e, t) == 3 && s == start &&
		    e == end)
			snprintf(type, sizeof(type), "%s", t);
	fclose(f);
	return type;
}

enum wc_result { WC_REFUSED, WC_MAPPED, WC_NOT_WC, WC_UNKNOWN };

/*
 * A WC mapping of [off, off + len) of resource r: refused, mapped and
 * write-combining by PAT, mapped but not write-combining (PAT kept the
 * type a kernel mapping of the range has), or mapped with no PAT list.
 */
static enum wc_result map_wc(unsigned int r, uint64_t off, size_t len)
{
	static const unsigned int bars[] = { 0, 2, 4 };
	uint64_t phys = bar_phys(bars[r]) + off;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       (off_t)(bar_offset(r, 1) + off));
	const char *type;

	if (p == MAP_FAILED) {
		assert_int_equal(errno, EBUSY);
		return WC_REFUSED;
	}
	type = pat_type(phys, phys + len);
	munmap(p, len);
	if (!type)
		return WC_UNKNOWN;
	return !strcmp(type, "write-combining") ? WC_MAPPED : WC_NOT_WC;
}

/* Where the kernel maps nothing, WC is write-combining. */
#define assert_wc(r, off, len) do {						\
	enum wc_result res_ = map_wc((r), (off), (len));			\
	assert_true(res_ == WC_MAPPED || res_ == WC_UNKNOWN);			\
} while (0)

/*
 * Where the kernel holds a range UC, a WC mapping must never be WC: it is
 * refused, or PAT keeps the kernel's type (x86's arch_io_reserve_memtype_wc
 * then succeeds with the existing type).
 */
#define assert_not_wc(r, off, len) do {						\
	enum wc_result res_ = map_wc((r), (off), (len));			\
	print_message("WC mapping of resource %u + 0x%llx, which the kernel maps: %s\n",	\
		      (r), (unsigned long long)(off),					\
		      res_ == WC_REFUSED ? "refused" : res_ == WC_NOT_WC ?		\
		      "mapped, not write-combining" : "mapped (no PAT list)");	\
	assert_true(res_ == WC_REFUSED || res_ == WC_NOT_WC || res_ == WC_UNKNOWN);	\
} while (0)

static int try_map(uint64_t off, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, len);
	return 0;
}

/*
 * Each BAR UC and WC. The kernel maps only the registers it uses, so
 * user space gets real WC everywhere else: all of Wormhole's BAR0, every
 * Blackhole window but the kernel's.
 */
static void test_bar_mmap(void **state)
{
	uint8_t *bar0, *bar2;

	(void)state;
	if (access("/sys/kernel/debug/x86/pat_memtype_list", R_OK))
		print_message("no PAT memtype list: WC mappings are not checked against PAT\n");
	/* BAR2: the inbound iATU region the module programmed, read back (Wormhole) */
	bar2 = kt_map(fd, bar_offset(1, 0), MIB);
	if (chip->arch == TENSTORRENT_ARCH_WORMHOLE)
		assert_int_equal(*(volatile uint32_t *)(bar2 + 0x1504), 0xc8000400);
	else
		assert_int_equal(*(volatile uint32_t *)(bar2 + 0x1004), 0);	/* outbound region 0 off */
	munmap(bar2, MIB);

	bar0 = kt_map(fd, bar_offset(0, 0), 512 * MIB);
	munmap(bar0, 512 * MIB);
	if (chip->arch == TENSTORRENT_ARCH_WORMHOLE) {
		uint8_t *bar4 = kt_map(fd, bar_offset(2, 0), 32 * MIB);

		/* ARC's post code, through BAR4 and through BAR0's last 32 MiB */
		bar0 = kt_map(fd, bar_offset(0, 0), 512 * MIB);
		assert_int_equal(*(volatile uint32_t *)(bar4 + 0x1f30060) & 0xffff0000, 0xc0de0000);
		assert_int_equal(*(volatile uint32_t *)(bar0 + 0x1ff30060),
				 *(volatile uint32_t *)(bar4 + 0x1f30060));
		munmap(bar0, 512 * MIB);
		munmap(bar4, 32 * MIB);
		assert_wc(0, 0, 512 * MIB);			/* all of BAR0 */
		assert_wc(1, 0, 4096);				/* BAR2's DMA registers */
		assert_not_wc(1, 0x1000, 4096);			/* the iATU page */
		assert_wc(2, 16 * MIB, MIB);			/* BAR4 between the registers */
		assert_not_wc(2, 0, 16 * MIB);			/* the kernel's window */
		assert_not_wc(2, 0x1f30000, 4096);		/* ARC's reset unit */
		/* BAR4 beyond its 32 MiB */
		assert_int_equal(try_map(bar_offset(2, 0), 64 * MIB), EINVAL);
	} else {
		assert_wc(0, 0, 201 * 2 * MIB);			/* the user windows */
		assert_not_wc(0, 201 * 2 * MIB, 2 * MIB);	/* the kernel's */
		assert_not_wc(0, 0x1fc00000, 4096);		/* the TLB registers */
		assert_wc(1, 0, MIB);
		/* no BAR4 behind QEMU's proxy */
		assert_int_equal(try_map(bar_offset(2, 0), 4096), EINVAL);
		assert_true(klog_has("no BAR4: no 4 GiB TLB windows"));
	}
}

/* ---- TLB windows ------------------------------------------------------------ */

static void test_tlb_allocation(void **state)
{
	static struct tenstorrent_allocate_tlb_out got[256];
	struct tenstorrent_allocate_tlb_out o;
	unsigned int k, n, i;

	(void)state;
	for (k = 0; k < chip->kinds; k++) {
		for (n = 0; tlb_alloc(fd, chip->tlb_size[k], &got[n]) == 0; n++) {
			unsigned int id = got[n].id;
			uint64_t off = got[n].mmap_offset_uc - TENSTORRENT_MMAP_TLB_UC;

			assert_true(id >= chip->tlb_first[k]);
			assert_true(id < chip->tlb_first[k] + chip->tlb_user[k]);
			assert_int_not_equal(id, chip->kernel_tlb);
			assert_int_equal(got[n].mmap_offset_wc - TENSTORRENT_MMAP_TLB_WC, off);
			if (k < 3 && chip->arch == TENSTORRENT_ARCH_WORMHOLE)
				assert_int_equal(off, k == 0 ? (uint64_t)id << 20 :
						 k == 1 ? (156ull << 20) + ((uint64_t)(id - 156) << 21) :
						 (176ull << 20) + ((uint64_t)(id - 166) << 24));
			else if (k == 0)
				assert_int_equal(off, (uint64_t)id << 21);
		}
		assert_int_equal(tlb_alloc(fd, chip->tlb_size[k], &o), ENOMEM);
		assert_int_equal(n, chip->tlb_user[k]);
		for (i = 0; i < n; i++)
			assert_int_equal(tlb_free(fd, got[i].id), 0);
	}
	assert_int_equal(tlb_alloc(fd, 4096, &o), EINVAL);
	assert_int_equal(tlb_alloc(fd, 3 * MIB, &o), EINVAL);
	assert_int_equal(tlb_free(fd, chip->kernel_tlb), EPERM);
	assert_int_equal(tlb_free(fd, 9999), EPERM);
}

static void test_tlb_config_checks(void **state)
{
	struct tenstorrent_allocate_tlb_out o;
	struct tenstorrent_noc_tlb_config cfg;
	struct tenstorrent_configure_tlb c;

	(void)state;
	assert_int_equal(tlb_alloc(fd, chip->tlb_size[0], &o), 0);
	cfg = unicast(chip->core, chip->tlb_size[0] / 2);		/* not aligned */
	assert_int_equal(tlb_configure(fd, o.id, &cfg), EINVAL);
	cfg = unicast(chip->core, 0);
	cfg.ordering = 3;						/* no such mode */
	assert_int_equal(tlb_configure(fd, o.id, &cfg), EINVAL);
	cfg.ordering = 2;
	assert_int_equal(tlb_configure(fd, o.id, &cfg), 0);
	cfg = unicast(chip->core, 0);
	cfg.x_start = 1;						/* start without multicast */
	assert_int_equal(tlb_configure(fd, o.id, &cfg), EINVAL);
	cfg = unicast(chip->mc_start, 0);
	cfg.mcast = 1;
	cfg.x_start = chip->mc_end.x;					/* start past the end */
	cfg.y_start = chip->mc_end.y;
	assert_int_equal(tlb_configure(fd, o.id, &cfg), EINVAL);
	cfg = unicast(chip->core, 0);
	cfg.linked = 1;							/* never safe */
	assert_int_equal(tlb_configure(fd, o.id, &cfg), EINVAL);
	cfg = unicast(chip->core, 0);
	cfg.noc = 2;
	assert_int_equal(tlb_configure(fd, o.id, &cfg), EINVAL);
	cfg = unicast(chip->core, 0);
	cfg.x_end = 64;
	assert_int_equal(tlb_configure(fd, o.id, &cfg), EINVAL);
	cfg = unicast(chip->core, 0);
	cfg.reserved1[1] = 1;
	assert_int_equal(tlb_configure(fd, o.id, &cfg), EINVAL);
	if (chip->arch == TENSTORRENT_ARCH_WORMHOLE) {
		cfg = unicast(chip->core, 1ull << 36);			/* beyond the NoC's 36 bits */
		assert_int_equal(tlb_configure(fd, o.id, &cfg), EINVAL);
		cfg = unicast(chip->core, 0);
		cfg.static_vc = 2;
		assert_int_equal(tlb_configure(fd, o.id, &cfg), EINVAL);
	}
	memset(&c, 0, sizeof(c));
	c.in.id = o.id;
	c.in.reserved = 1;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_CONFIGURE_TLB, &c), EINVAL);
	cfg = unicast(chip->core, 0);
	assert_int_equal(tlb_configure(fd, chip->kernel_tlb, &cfg), EPERM);
	assert_int_equal(tlb_free(fd, o.id), 0);
	assert_int_equal(tlb_configure(fd, o.id, &cfg), EPERM);
}

/* A worker's NOC_NODE_ID names the worker the window reaches. */
static void test_tlb_reaches_the_core(void **state)
{
	uint64_t size = chip->tlb_size[0];
	uint64_t base = chip->node_id_reg & ~(size - 1);
	struct window w = win_open(fd, size, chip->core, base, 0);
	uint32_t id = *at(&w, chip->node_id_reg - base);

	(void)state;
	assert_int_equal(id & 0x3f, chip->core.x);
	assert_int_equal((id >> 6) & 0x3f, chip->core.y);
	win_retarget(&w, chip->outside, base);
	id = *at(&w, chip->node_id_reg - base);
	assert_int_equal(id & 0x3f, chip->outside.x);
	assert_int_equal((id >> 6) & 0x3f, chip->outside.y);
	win_close(&w);
}

/*
 * L1 through every window size, UC and WC; each write is read back through
 * a window of another size (and through the BAR0 mapping at the window).
 */
static void test_tlb_l1_every_size(void **state)
{
	unsigned int k, wc;

	(void)state;
	for (k = 0; k < chip->kinds; k++) {
		uint64_t size = chip->tlb_size[k];

		if (!chip->tlb_user[k]) {
			assert_int_equal(tlb_alloc(fd, size, NULL), ENOMEM);
			continue;
		}
		for (wc = 0; wc < 2; wc++) {
			uint32_t seed = 0x1000 + k * 2 + wc;
			uint64_t off = L1_TEST + (k * 2 + wc) * WORDS * 4;
			struct window w = win_open(fd, size, chip->core, 0, (int)wc);
			struct window r = win_open(fd, other_size(size), chip->core, 0, 0);
			uint8_t *bar0;

			fill(at(&w, off), seed, WORDS);
			assert_pattern(at(&w, off), seed, WORDS);
			assert_pattern(at(&r, off), seed, WORDS);
			/* 64-bit accesses too */
			*(volatile uint64_t *)at(&w, off) = 0x0123456789abcdefull;
			__sync_synchronize();
			assert_true(*(volatile uint64_t *)at(&r, off) == 0x0123456789abcdefull);
			if (!wc) {
				/* the window's bytes in the BAR0 mapping */
				bar0 = kt_map(fd, bar_offset(0, 0), 512 * MIB);
				assert_true(*(volatile uint64_t *)(bar0 + w.bar_offset + off) ==
					    0x0123456789abcdefull);
				munmap(bar0, 512 * MIB);
			}
			win_close(&r);
			win_close(&w);
		}
	}
}

/* Every DRAM channel, through two of its NoC coordinates and two window sizes. */
static void test_tlb_dram_channels(void **state)
{
	unsigned int ch;
	uint64_t size = chip->tlb_size[0], size2 = other_size(size);
	struct window w = win_open(fd, size, chip->dram[0][0], DRAM_TEST, 0);
	struct window r = win_open(fd, size2, chip->dram[0][1], DRAM_TEST & ~(size2 - 1), 0);
	uint64_t roff = DRAM_TEST & (size2 - 1);

	(void)state;
	for (ch = 0; ch < chip->dram_channels; ch++) {
		uint32_t seed = 0x2000 + ch;

		win_retarget(&w, chip->dram[ch][0], DRAM_TEST);
		win_retarget(&r, chip->dram[ch][1], DRAM_TEST & ~(size2 - 1));
		fill(at(&w, 0), seed, WORDS);
		assert_pattern(at(&r, roff), seed, WORDS);
	}
	/* each channel kept its own bytes */
	for (ch = 0; ch < chip->dram_channels; ch++) {
		win_retarget(&r, chip->dram[ch][1], DRAM_TEST & ~(size2 - 1));
		assert_pattern(at(&r, roff), 0x2000 + ch, WORDS);
	}
	win_close(&r);
	win_close(&w);
}

/* A multicast write reaches every worker of the rectangle and none outside. */
static void test_tlb_multicast(void **state)
{
	uint64_t size = chip->tlb_size[0];
	struct tenstorrent_allocate_tlb_out o;
	struct tenstorrent_noc_tlb_config cfg;
	struct window r = win_open(fd, size, chip->outside, 0, 0);
	uint32_t seed = 0x3000, before = *at(&r, L1_TEST + 0x8000);
	volatile uint32_t *mc;
	struct coord c;

	(void)state;
	assert_int_equal(tlb_alloc(fd, size, &o), 0);
	cfg = unicast(chip->mc_end, 0);
	cfg.mcast = 1;
	cfg.x_start = chip->mc_start.x;
	cfg.y_start = chip->mc_start.y;
	assert_int_equal(tlb_configure(fd, o.id, &cfg), 0);
	mc = kt_map(fd, o.mmap_offset_uc, size);
	/* writes only: a read through a multicast window means nothing */
	fill(mc + (L1_TEST + 0x8000) / 4, seed, WORDS);
	for (c.y = chip->mc_start.y; c.y <= chip->mc_end.y; c.y++)
		for (c.x = chip->mc_start.x; c.x <= chip->mc_end.x; c.x++) {
			win_retarget(&r, c, 0);
			assert_pattern(at(&r, L1_TEST + 0x8000), seed, WORDS);
		}
	win_retarget(&r, chip->outside, 0);
	assert_int_equal(*at(&r, L1_TEST + 0x8000), before);
	assert_true(*at(&r, L1_TEST + 0x8000) != pattern(seed, 0));
	munmap((void *)mc, size);
	assert_int_equal(tlb_free(fd, o.id), 0);
	win_close(&r);
}

/* Wormhole has static_vc at bit N + 29: a window with it set works. */
static void test_tlb_static_vc(void **state)
{
	struct tenstorrent_allocate_tlb_out o;
	struct tenstorrent_noc_tlb_config cfg = unicast(chip->core, 0);
	struct window r;
	volatile uint32_t *p;

	(void)state;
	if (chip->arch != TENSTORRENT_ARCH_WORMHOLE)
		skip();
	assert_int_equal(tlb_alloc(fd, MIB, &o), 0);
	cfg.static_vc = 1;
	assert_int_equal(tlb_configure(fd, o.id, &cfg), 0);
	p = kt_map(fd, o.mmap_offset_uc, MIB);
	fill(p + (L1_TEST + 0x4000) / 4, 0x4000, 64);
	r = win_open(fd, 2 * MIB, chip->core, 0, 0);
	assert_pattern(at(&r, L1_TEST + 0x4000), 0x4000, 64);
	win_close(&r);
	munmap((void *)p, MIB);
	assert_int_equal(tlb_free(fd, o.id), 0);
}

/* A mapped window cannot be freed; a freed one cannot be mapped; one mapping, no splits. */
static void test_tlb_mapping_rules(void **state)
{
	struct tenstorrent_allocate_tlb_out o;
	uint64_t size = chip->tlb_size[0];
	uint8_t *p;

	(void)state;
	assert_int_equal(tlb_alloc(fd, size, &o), 0);
	p = kt_map(fd, o.mmap_offset_uc, size);
	assert_int_equal(tlb_free(fd, o.id), EBUSY);
	/* UC and WC of one window at once: refused */
	assert_true(mmap(NULL, size, PROT_READ, MAP_SHARED, fd, (off_t)o.mmap_offset_wc) ==
		    MAP_FAILED);
	assert_int_equal(errno, EBUSY);
	/* no partial munmap */
	assert_int_equal(munmap(p + 4096, 4096), -1);
	assert_int_equal(errno, EINVAL);
	munmap(p, size);
	/* larger than the window */
	assert_true(mmap(NULL, 2 * size, PROT_READ, MAP_SHARED, fd, (off_t)o.mmap_offset_uc) ==
		    MAP_FAILED);
	assert_int_equal(tlb_free(fd, o.id), 0);
	assert_true(mmap(NULL, size, PROT_READ, MAP_SHARED, fd, (off_t)o.mmap_offset_uc) ==
		    MAP_FAILED);
	assert_int_equal(errno, EPERM);
}

/* ---- host memory, read and written by the chip -------------------------------- */

/* A window onto host address dma at the PCIe tile; *off is dma's place in it. */
static struct window host_window(uint64_t dma, uint64_t *off)
{
	uint64_t size = chip->tlb_size[0], noc = chip->host_base + dma;

	*off = noc & (size - 1);
	return win_open(fd, size, chip->pcie, noc & ~(size - 1), 0);
}

/*
 * The chip's NoC reads and writes host memory (through the PCIe tile),
 * and the host sees the same bytes through the buffer's mapping.
 */
static void chip_noc_round_trip(volatile uint32_t *host, uint64_t dma, uint32_t seed)
{
	uint64_t off;
	struct window w = host_window(dma, &off);

	fill(host, seed, WORDS);
	assert_pattern(at(&w, off), seed, WORDS);
	fill(at(&w, off + WORDS * 4), seed + 1, WORDS);
	assert_pattern(host + WORDS, seed + 1, WORDS);
	win_close(&w);
}

/* BAR2's DMA engine registers (Wormhole: both directions; Blackhole: host to device). */
static volatile uint32_t *dma_reg(uint8_t *bar2, uint32_t off)
{
	return (volatile uint32_t *)(bar2 + off);
}

static int wait_word(volatile uint32_t *p, uint32_t want)
{
	int i;

	for (i = 0; i < 1000 && *p != want; i++)
		usleep(1000);
	return *p == want;
}

/*
 * Host to L1 and L1 to host with the DMA engine; the device address is a
 * BAR0 offset, i.e. a place in a TLB window the test aimed at the L1.
 * done is a word of host memory (dma address done_dma) the engine writes
 * when it finishes (Wormhole).
 */
static void chip_dma_engine(volatile uint32_t *host, uint64_t dma, volatile uint32_t *done,
			    uint64_t done_dma, uint32_t seed)
{
	uint8_t *bar2 = kt_map(fd, bar_offset(1, 0), MIB);
	struct window w = win_open(fd, chip->tlb_size[0], chip->core, 0, 0);
	uint64_t l1 = L1_TEST + 0x20000;
	uint32_t bytes = WORDS * 4;

	fill(host, seed, WORDS);
	if (chip->arch == TENSTORRENT_ARCH_WORMHOLE) {
		*done = 0;
		*dma_reg(bar2, 0x308) = bytes;				/* read (host -> device) */
		*dma_reg(bar2, 0x30c) = (uint32_t)dma;
		*dma_reg(bar2, 0x310) = (uint32_t)(dma >> 32);
		*dma_reg(bar2, 0x314) = (uint32_t)(w.bar_offset + l1);
		*dma_reg(bar2, 0xcc) = (uint32_t)done_dma;
		*dma_reg(bar2, 0xd0) = (uint32_t)(done_dma >> 32);
		*dma_reg(bar2, 0xdc) = 0xd0e0d0e0u;
		*dma_reg(bar2, 0x30) = 0;				/* doorbell, channel 0 */
		assert_true(wait_word(done, 0xd0e0d0e0u));
		assert_pattern(at(&w, l1), seed, WORDS);

		fill(at(&w, l1 + bytes), seed + 1, WORDS);
		*done = 0;
		*dma_reg(bar2, 0x208) = bytes;				/* write (device -> host) */
		*dma_reg(bar2, 0x20c) = (uint32_t)(w.bar_offset + l1 + bytes);
		*dma_reg(bar2, 0x210) = 0;
		*dma_reg(bar2, 0x214) = (uint32_t)(dma + bytes);
		*dma_reg(bar2, 0x218) = (uint32_t)((dma + bytes) >> 32);
		*dma_reg(bar2, 0x60) = (uint32_t)done_dma;
		*dma_reg(bar2, 0x64) = (uint32_t)(done_dma >> 32);
		*dma_reg(bar2, 0x70) = 0xd1e1d1e1u;
		*dma_reg(bar2, 0x10) = 0;
		assert_true(wait_word(done, 0xd1e1d1e1u));
		assert_pattern(host + WORDS, seed + 1, WORDS);
	} else {
		*dma_reg(bar2, 0x100) = 1;				/* read channel 0 on */
		*dma_reg(bar2, 0x11c) = bytes;
		*dma_reg(bar2, 0x120) = (uint32_t)dma;
		*dma_reg(bar2, 0x124) = (uint32_t)(dma >> 32);
		*dma_reg(bar2, 0x128) = (uint32_t)(w.bar_offset + l1);
		*dma_reg(bar2, 0x12c) = 0;
		*dma_reg(bar2, 0x104) = 1;				/* doorbell */
		assert_true(wait_word(dma_reg(bar2, 0x11c), 0));	/* size 0: done */
		assert_pattern(at(&w, l1), seed, WORDS);
	}
	win_close(&w);
	munmap(bar2, MIB);
}

static void test_dma_buf_by_the_chip(void **state)
{
	struct tenstorrent_allocate_dma_buf_out b = kt_dma_alloc(fd, 0, 64 << 10);
	struct tenstorrent_allocate_dma_buf_out d = kt_dma_alloc(fd, 1, 4096);
	volatile uint32_t *host = kt_map(fd, b.mapping_offset, 64 << 10);
	volatile uint32_t *done = kt_map(fd, d.mapping_offset, 4096);
	struct tenstorrent_free_dma_buf f;

	(void)state;
	assert_int_equal(b.size, 64 << 10);
	assert_true(b.physical_address < (1ull << chip->dma_bits));
	chip_noc_round_trip(host, b.physical_address, 0x5000);
	chip_dma_engine(host + 4 * WORDS, b.physical_address + 16 * WORDS, done,
			d.physical_address, 0x5100);
	munmap((void *)done, 4096);
	munmap((void *)host, 64 << 10);
	memset(&f, 0, sizeof(f));
	f.in.buf_index = 0;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_FREE_DMA_BUF, &f), 0);
	f.in.buf_index = 1;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_FREE_DMA_BUF, &f), 0);
	/* NoC addresses through an outbound iATU: not provided by this module */
	{
		struct tenstorrent_allocate_dma_buf a;

		memset(&a, 0, sizeof(a));
		a.in.requested_size = 4096;
		a.in.flags = TENSTORRENT_ALLOCATE_DMA_BUF_NOC_DMA;
		assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_ALLOCATE_DMA_BUF, &a), EOPNOTSUPP);
	}
}

static void test_pinned_pages_by_the_chip(void **state)
{
	struct tenstorrent_pin_pages p;
	struct tenstorrent_unpin_pages u;
	struct tenstorrent_allocate_dma_buf_out d = kt_dma_alloc(fd, 2, 4096);
	volatile uint32_t *done = kt_map(fd, d.mapping_offset, 4096);
	uint32_t *mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)state;
	assert_true(mem != MAP_FAILED);
	memset(mem, 0, 4096);
	memset(&p, 0, sizeof(p));
	p.in.output_size_bytes = sizeof(p.out);
	p.in.virtual_address = (uintptr_t)mem;
	p.in.size = 4096;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_PIN_PAGES, &p), 0);
	assert_int_not_equal(p.out.physical_address, 0);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_PIN_PAGES, &p), EEXIST);
	chip_noc_round_trip(mem, p.out.physical_address, 0x6000);
	chip_dma_engine(mem + 2 * WORDS, p.out.physical_address + 8 * WORDS, done,
			d.physical_address, 0x6100);
	memset(&u, 0, sizeof(u));
	u.in.virtual_address = (uintptr_t)mem;
	u.in.size = 4096;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_UNPIN_PAGES, &u), 0);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_UNPIN_PAGES, &u), EINVAL);
	munmap(mem, 4096);
	munmap((void *)done, 4096);
}

/* ---- locks, power, the NoC cleanup write --------------------------------------- */

static int lock_ctl(int f, uint32_t flags, uint8_t index, uint8_t *value)
{
	struct tenstorrent_lock_ctl l;
	int err;

	memset(&l, 0, sizeof(l));
	l.in.output_size_bytes = sizeof(l.out);
	l.in.flags = flags;
	l.in.index = index;
	err = kt_ioctl(f, TENSTORRENT_IOCTL_LOCK_CTL, &l);
	*value = l.out.value;
	return err;
}

static void test_lock_ctl(void **state)
{
	int other = kt_open();
	uint8_t v;

	(void)state;
	assert_int_equal(lock_ctl(fd, TENSTORRENT_LOCK_CTL_ACQUIRE, 5, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(lock_ctl(other, TENSTORRENT_LOCK_CTL_ACQUIRE, 5, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(lock_ctl(other, TENSTORRENT_LOCK_CTL_TEST, 5, &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(lock_ctl(fd, TENSTORRENT_LOCK_CTL_TEST, 5, &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(lock_ctl(other, TENSTORRENT_LOCK_CTL_RELEASE, 5, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(lock_ctl(fd, TENSTORRENT_LOCK_CTL_RELEASE, 5, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(lock_ctl(other, TENSTORRENT_LOCK_CTL_ACQUIRE, 5, &v), 0);
	assert_int_equal(v, 1);
	close(other);	/* released with its file */
	assert_int_equal(lock_ctl(fd, TENSTORRENT_LOCK_CTL_TEST, 5, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(lock_ctl(fd, TENSTORRENT_LOCK_CTL_ACQUIRE, 64, &v), EINVAL);
}

/*
 * Wormhole under ttsim: the firmware has no message queue, so power
 * settings cannot be sent (EOPNOTSUPP, and the kernel log says why);
 * Blackhole's queue takes them.
 */
static void test_power(void **state)
{
	struct tenstorrent_power_state p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.argsz = sizeof(p);
	p.validity = TT_POWER_VALIDITY(4, 1);
	p.power_flags = TT_POWER_FLAG_TENSIX_ENABLE | TT_POWER_FLAG_MAX_AI_CLK;
	p.power_settings[0] = 100;
	if (chip->arch == TENSTORRENT_ARCH_WORMHOLE) {
		assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_SET_POWER_STATE, &p), EOPNOTSUPP);
		assert_true(klog_has("no message queue: power settings (SET_POWER_STATE) are not available"));
	} else {
		assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_SET_POWER_STATE, &p), 0);
		p.power_flags = 0;
		assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_SET_POWER_STATE, &p), 0);
	}
	p.flags = 1;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_SET_POWER_STATE, &p), EINVAL);
	p.flags = 0;
	p.power_flags = 1u << 15;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_SET_POWER_STATE, &p), EINVAL);
}

/* The kernel's own window writes a word for a file that closes. */
static void test_noc_cleanup(void **state)
{
	struct tenstorrent_set_noc_cleanup c;
	int other = kt_open();
	struct window r = win_open(fd, chip->tlb_size[0], chip->core, 0, 0);

	(void)state;
	*at(&r, L1_TEST + 0xc000) = 0;
	memset(&c, 0, sizeof(c));
	c.argsz = sizeof(c);
	c.enabled = 1;
	c.x = chip->core.x;
	c.y = chip->core.y;
	c.addr = L1_TEST + 0xc000;
	c.data = 0x5eed1234;
	assert_int_equal(kt_ioctl(other, TENSTORRENT_IOCTL_SET_NOC_CLEANUP, &c), 0);
	c.addr = 2;
	assert_int_equal(kt_ioctl(other, TENSTORRENT_IOCTL_SET_NOC_CLEANUP, &c), EINVAL);
	assert_int_equal(*at(&r, L1_TEST + 0xc000), 0);
	close(other);
	assert_int_equal(*at(&r, L1_TEST + 0xc000), 0x5eed1234);
	win_close(&r);
}

/* ---- telemetry -------------------------------------------------------------------- */

static long long number(const char *s)
{
	char *end;
	long long v;

	assert_true(*s);
	v = strtoll(s, &end, 0);
	assert_true(end != s);
	return v;
}

/* hwmon and the tt_* files against the table the firmware publishes. */
static void test_telemetry(void **state)
{
	struct table t;
	char want[64];
	unsigned int b, dram = 0;

	(void)state;
	read_table(&t);
	assert_string_equal(read_line(hwmon_path("name")), chip->hwmon);
	/* ASIC temperature: 16.16 degrees C in tag 11 */
	assert_true(t.present[11]);
	assert_int_equal(number(read_line(hwmon_path("temp1_input"))),
			 ((long long)t.value[11] * 1000) >> 16);
	assert_int_equal(number(read_line(hwmon_path("temp1_input"))), 40000);	/* ttsim: 40 C */
	assert_string_equal(read_line(hwmon_path("temp1_label")), "asic_temp");
	/* what the table lacks is absent, not zero */
	assert_true(!t.present[6] && !*hwmon_path("in0_input"));
	assert_true(!t.present[7] && !*hwmon_path("power1_input"));
	assert_true(!t.present[8] && !*hwmon_path("curr1_input"));
	assert_true(!t.present[56] && !*hwmon_path("temp1_max"));
	assert_true(!t.present[63] && !sys_exists("tt_aiclk_max"));

	assert_true(t.present[14]);
	assert_int_equal(number(sys_attr("tt_aiclk")), t.value[14] & 0xffff);
	assert_true(t.present[32]);
	assert_int_equal(number(sys_attr("tt_heartbeat")), t.value[32]);
	snprintf(want, sizeof(want), "%08x%08x", t.value[1], t.value[2]);
	assert_string_equal(sys_attr("tt_serial"), want);
	snprintf(want, sizeof(want), "%u.%u.%u.%u", t.value[28] >> 24, (t.value[28] >> 16) & 0xff,
		 (t.value[28] >> 8) & 0xff, t.value[28] & 0xff);
	assert_string_equal(sys_attr("tt_fw_bundle_ver"), want);
	for (b = 0; b < chip->dram_channels; b++)
		if (((t.value[22] >> (2 * b)) & 3) == 1)
			dram |= 1u << b;
	snprintf(want, sizeof(want), "0x%x", dram);
	assert_string_equal(sys_attr("tt_dram_status"), want);
	/* ttsim's boards: an n150 (0x18) and a p150a (0x40) */
	assert_string_equal(sys_attr("tt_card_type"),
			    chip->arch == TENSTORRENT_ARCH_WORMHOLE ? "n150" : "p150a");
	assert_true(sys_exists("tt_reset_generation"));
}

/*
 * udev's names for the chip (tools/udev/60-tenstorrent.rules): by-id from
 * the board serial the firmware reports, by-path from the PCI slot.
 */
static void test_udev_names(void **state)
{
	char link[160], target[PATH_MAX], node[PATH_MAX];
	struct stat st;

	(void)state;
	snprintf(link, sizeof(link), "/dev/tenstorrent/by-id/%s-%s", chip->name,
		 sys_attr("tt_serial"));
	if (!realpath(link, target))
		fail_msg("%s: %s", link, strerror(errno));
	if (!realpath(kt_path(), node))
		fail_msg("%s: %s", kt_path(), strerror(errno));
	assert_string_equal(target, node);
	assert_int_equal(stat(node, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0660);
	assert_int_not_equal(st.st_gid, 0);
}

/* ttctl on every device of the guest, and on this chip against sysfs and hwmon. */
static void test_ttctl(void **state)
{
	const char *ttctl = getenv("TTCTL");
	char cmd[512], out[1 << 16], want[128];
	FILE *p;
	size_t n;
	int status;

	(void)state;
	if (!ttctl)
		skip();
	snprintf(cmd, sizeof(cmd), "%s list --json 2>&1", ttctl);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	status = pclose(p);
	assert_int_equal(WEXITSTATUS(status), 0);
	snprintf(want, sizeof(want), "\"device\":\"%s\",", kt_path());
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof(want), "\"chip\":\"%s\"", chip->name);
	assert_non_null(strstr(out, want));

	snprintf(cmd, sizeof(cmd), "%s -d %s info --json 2>&1", ttctl, kt_path());
	p = popen(cmd, "r");
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	assert_int_equal(WEXITSTATUS(pclose(p)), 0);
	snprintf(want, sizeof(want), "\"board_type\":\"%s\"", sys_attr("tt_card_type"));
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof(want), "\"board_id\":\"%s\"", sys_attr("tt_serial"));
	assert_non_null(strstr(out, want));

	snprintf(cmd, sizeof(cmd), "%s -d %s status --json 2>&1", ttctl, kt_path());
	p = popen(cmd, "r");
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	assert_int_equal(WEXITSTATUS(pclose(p)), 0);
	snprintf(want, sizeof(want), "\"asic_temperature\":%.1f",
		 number(read_line(hwmon_path("temp1_input"))) / 1000.0);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof(want), "\"aiclk\":%s", sys_attr("tt_aiclk"));
	assert_non_null(strstr(out, want));
	/* what the chip does not report is null, not a number */
	assert_non_null(strstr(out, "\"voltage\":null"));
	assert_non_null(strstr(out, "\"power\":null"));
	snprintf(want, sizeof(want), "\"fw_bundle_version\":\"%s\"", sys_attr("tt_fw_bundle_ver"));
	assert_non_null(strstr(out, want));

	/* every device at once: the model devices and both chips */
	snprintf(cmd, sizeof(cmd), "%s status --json >/dev/null 2>/tmp/ttctl.err", ttctl);
	status = system(cmd);
	if (WEXITSTATUS(status))
		fail_msg("ttctl status --json on all devices: exit %d: %s", WEXITSTATUS(status),
			 read_line("/tmp/ttctl.err"));
}

/* ---- lifetime ------------------------------------------------------------------------ */

static void debugfs_files(char *buf, size_t len)
{
	char path[128];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/tenstorrent/%u/files", dev_index());
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* A process killed with windows mapped, buffers, a pinning and a lock loses them all. */
static void test_killed_holder(void **state)
{
	int pipefd[2];
	pid_t child;
	char c, listing[8192], mine[64];
	unsigned int k, n, i;
	static struct tenstorrent_allocate_tlb_out got[256];
	uint8_t v;

	(void)state;
	assert_int_equal(pipe(pipefd), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		int cfd = open(kt_path(), O_RDWR);
		struct window w;
		struct tenstorrent_pin_pages p;
		void *mem;

		close(pipefd[0]);
		if (cfd < 0)
			_exit(2);
		w = win_open(cfd, chip->tlb_size[0], chip->core, 0, 1);
		*at(&w, L1_TEST) = 1;
		kt_dma_alloc(cfd, 3, 8192);
		mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		memset(mem, 1, 4096);
		memset(&p, 0, sizeof(p));
		p.in.output_size_bytes = sizeof(p.out);
		p.in.virtual_address = (uintptr_t)mem;
		p.in.size = 4096;
		if (ioctl(cfd, TENSTORRENT_IOCTL_PIN_PAGES, &p) ||
		    lock_ctl(cfd, TENSTORRENT_LOCK_CTL_ACQUIRE, 9, &v) || v != 1)
			_exit(3);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(4);
		pause();
		_exit(0);
	}
	close(pipefd[1]);
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	close(pipefd[0]);
	snprintf(mine, sizeof(mine), "file pid %d ", (int)child);
	debugfs_files(listing, sizeof(listing));
	assert_non_null(strstr(listing, mine));
	assert_non_null(strstr(strstr(listing, mine), "locks 1 tlbs 1"));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	debugfs_files(listing, sizeof(listing));
	assert_null(strstr(listing, mine));
	assert_int_equal(lock_ctl(fd, TENSTORRENT_LOCK_CTL_TEST, 9, &v), 0);
	assert_int_equal(v, 0);
	/* every window is back */
	for (k = 0; k < chip->kinds; k++) {
		for (n = 0; tlb_alloc(fd, chip->tlb_size[k], &got[n]) == 0; n++)
			;
		assert_int_equal(n, chip->tlb_user[k]);
		for (i = 0; i < n; i++)
			assert_int_equal(tlb_free(fd, got[i].id), 0);
	}
}

static int reset(int f, uint32_t how, uint32_t *result)
{
	struct tenstorrent_reset_device r;
	int err;

	memset(&r, 0, sizeof(r));
	r.in.output_size_bytes = sizeof(r.out);
	r.in.flags = how;
	err = kt_ioctl(f, TENSTORRENT_IOCTL_RESET_DEVICE, &r);
	if (result)
		*result = r.out.result;
	return err;
}

static uint32_t reset_state(int f, uint64_t *gen)
{
	struct tenstorrent_reset_state s;

	memset(&s, 0, sizeof(s));
	s.argsz = sizeof(s);
	assert_int_equal(kt_ioctl(f, TENSTORRENT_IOCTL_RESET_STATE, &s), 0);
	if (gen)
		*gen = s.generation;
	return s.state;
}

/*
 * USER_RESET (done out of band, as a board manager would): the other
 * file is stale (ENODEV, its window mapping SIGBUS), the caller works
 * again after POST_RESET, which finds the marker clear.
 */
static void test_user_reset(void **state)
{
	int other = kt_open();
	struct window w = win_open(other, chip->tlb_size[0], chip->core, 0, 0);
	struct tenstorrent_allocate_tlb_out o;
	uint64_t gen0, gen1;
	uint32_t result;

	(void)state;
	*at(&w, L1_TEST) = 0xfeedf00d;
	reset_state(fd, &gen0);
	assert_int_equal(reset(fd, TENSTORRENT_RESET_DEVICE_USER_RESET, &result), 0);
	assert_int_equal(result, 0);
	assert_int_equal(reset_state(fd, &gen1), TENSTORRENT_STATE_RESETTING);
	assert_true(gen1 == gen0 + 1);
	assert_true(kt_faults(at(&w, L1_TEST)));
	assert_int_equal(tlb_alloc(other, chip->tlb_size[0], &o), ENODEV);
	assert_int_equal(tlb_alloc(fd, chip->tlb_size[0], &o), ENODEV);	/* until POST_RESET */
	assert_int_equal(reset(fd, TENSTORRENT_RESET_DEVICE_POST_RESET, &result), 0);
	assert_int_equal(result, 0);
	assert_int_equal(reset_state(fd, NULL), TENSTORRENT_STATE_READY);
	assert_int_equal(number(sys_attr("tt_reset_generation")), (long long)gen1);
	/* the stale file keeps failing; its window went back */
	assert_int_equal(tlb_alloc(other, chip->tlb_size[0], &o), ENODEV);
	munmap(w.map, w.size);
	close(other);
	w = win_open(fd, chip->tlb_size[0], chip->core, 0, 0);
	assert_int_equal(*at(&w, L1_TEST), 0xfeedf00d);	/* nobody reset the chip */
	win_close(&w);
}

/*
 * The chip's own resets as far as ttsim models them. The config-space
 * reset needs the extended config space, which QEMU's proxy (a
 * conventional PCI function) lacks: refused, nothing changes. The ARC
 * reset (Wormhole ASIC_RESET, Blackhole ASIC_DMC_RESET) is sent and ARC
 * accepts it, but ttsim does not reset: after its wait POST_RESET reports
 * failure (1), says so in the kernel log, and the device is usable again
 * with its memory as it was.
 */
static void test_chip_reset(void **state)
{
	uint32_t how = chip->arch == TENSTORRENT_ARCH_WORMHOLE ?
		       TENSTORRENT_RESET_DEVICE_ASIC_RESET : TENSTORRENT_RESET_DEVICE_ASIC_DMC_RESET;
	struct window w = win_open(fd, chip->tlb_size[0], chip->core, 0, 0);
	uint64_t gen0, gen1;
	uint32_t result;

	(void)state;
	*at(&w, L1_TEST + 4) = 0xabad1dea;
	win_close(&w);
	reset_state(fd, &gen0);
	assert_int_equal(reset(fd, TENSTORRENT_RESET_DEVICE_CONFIG_WRITE, NULL), EOPNOTSUPP);
	if (chip->arch == TENSTORRENT_ARCH_BLACKHOLE)
		assert_int_equal(reset(fd, TENSTORRENT_RESET_DEVICE_ASIC_RESET, NULL), EOPNOTSUPP);
	assert_int_equal(reset_state(fd, &gen1), TENSTORRENT_STATE_READY);
	assert_true(gen1 == gen0);
	assert_true(klog_has("no extended config space"));

	assert_int_equal(reset(fd, how, &result), 0);
	assert_int_equal(result, 0);
	assert_int_equal(reset_state(fd, &gen1), TENSTORRENT_STATE_RESETTING);
	assert_true(gen1 == gen0 + 1);
	assert_int_equal(reset(fd, TENSTORRENT_RESET_DEVICE_POST_RESET, &result), 0);
	assert_int_equal(result, 1);
	assert_int_equal(reset_state(fd, NULL), TENSTORRENT_STATE_READY);
	assert_true(klog_has("the chip did not reset"));
	w = win_open(fd, chip->tlb_size[0], chip->core, 0, 0);
	assert_int_equal(*at(&w, L1_TEST + 4), 0xabad1dea);
	win_close(&w);
	/* telemetry is read again afterwards */
	assert_int_equal(number(read_line(hwmon_path("temp1_input"))), 40000);
}

/* ---- main --------------------------------------------------------------------------- */

static int setup(void **state)
{
	struct tenstorrent_get_device_info d;
	const char *want = getenv("TT_CHIP");

	(void)state;
	fd = open(kt_path(), O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "open %s: %s\n", kt_path(), strerror(errno));
		return -1;
	}
	memset(&d, 0, sizeof(d));
	d.in.output_size_bytes = sizeof(d.out);
	if (ioctl(fd, TENSTORRENT_IOCTL_GET_DEVICE_INFO, &d))
		return -1;
	chip = d.out.device_id == wormhole.pci_id ? &wormhole :
	       d.out.device_id == blackhole.pci_id ? &blackhole : NULL;
	if (!chip || (want && strcmp(want, chip->name))) {
		fprintf(stderr, "%s is not a %s (device id 0x%04x)\n", kt_path(),
			want ? want : "Wormhole or Blackhole", d.out.device_id);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	close(fd);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_info),
		cmocka_unit_test(test_driver_info),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_harvesting),
		cmocka_unit_test(test_query_mappings),
		cmocka_unit_test(test_bar_mmap),
		cmocka_unit_test(test_tlb_allocation),
		cmocka_unit_test(test_tlb_config_checks),
		cmocka_unit_test(test_tlb_reaches_the_core),
		cmocka_unit_test(test_tlb_l1_every_size),
		cmocka_unit_test(test_tlb_dram_channels),
		cmocka_unit_test(test_tlb_multicast),
		cmocka_unit_test(test_tlb_static_vc),
		cmocka_unit_test(test_tlb_mapping_rules),
		cmocka_unit_test(test_dma_buf_by_the_chip),
		cmocka_unit_test(test_pinned_pages_by_the_chip),
		cmocka_unit_test(test_lock_ctl),
		cmocka_unit_test(test_power),
		cmocka_unit_test(test_noc_cleanup),
		cmocka_unit_test(test_telemetry),
		cmocka_unit_test(test_ttctl),
		cmocka_unit_test(test_udev_names),
		cmocka_unit_test(test_killed_holder),
		cmocka_unit_test(test_user_reset),
		cmocka_unit_test(test_chip_reset),
	};

	return cmocka_run_group_tests_name(getenv("TT_CHIP") ? getenv("TT_CHIP") : "chip", tests,
					   setup, teardown);
}
