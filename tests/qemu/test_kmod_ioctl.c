// SPDX-License-Identifier: MIT
/*
 * Every ioctl of the tenstorrent module on the model device, with good
 * and bad input; output structs placed against a guard page.
 */
#include <dirent.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "kmod_test.h"

static int fd;

static int setup(void **state)
{
	(void)state;
	fd = kt_open();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	close(fd);
	return 0;
}

static void read_sysfs(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	assert_non_null(fgets(buf, (int)len, f));
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

static void test_driver_info(void **state)
{
	struct tenstorrent_get_driver_info d;
	char version[64], want[64];

	(void)state;
	memset(&d, 0xa5, sizeof(d));
	d.in.output_size_bytes = sizeof(d.out);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_DRIVER_INFO, &d), 0);
	assert_int_equal(d.out.output_size_bytes, sizeof(d.out));
	assert_int_equal(d.out.driver_version, TENSTORRENT_DRIVER_VERSION);
	assert_int_equal(d.out.reserved0, 0);
	/* The tt-kmd release whose ABI the module implements ... */
	snprintf(want, sizeof(want), "%u.%u.%u", d.out.driver_version_major,
		 d.out.driver_version_minor, d.out.driver_version_patch);
	assert_string_equal(want, "2.10.1");
	/* ... and the module's own version, which is not Tenstorrent's driver's. */
	read_sysfs("/sys/module/tenstorrent/version", version, sizeof(version));
	assert_string_equal(version, "0.1.0");
}

static void test_device_info(void **state)
{
	struct tenstorrent_get_device_info d;
	char link[256], bdf[32];
	unsigned dom, bus, dev, fn;
	ssize_t n;

	(void)state;
	memset(&d, 0xa5, sizeof(d));
	d.in.output_size_bytes = sizeof(d.out);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_DEVICE_INFO, &d), 0);
	assert_int_equal(d.out.output_size_bytes, sizeof(d.out));
	assert_int_equal(d.out.vendor_id, 0x1af4);
	assert_int_equal(d.out.device_id, 0x1110);
	assert_int_equal(d.out.reserved, 0);
	/* No CMA in the guest kernel: the page allocator's 4 MiB blocks. */
	assert_int_equal(d.out.max_dma_buf_size_log2, 22);
	n = readlink("/sys/class/tenstorrent/tenstorrent!0/device", link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = '\0';
	snprintf(bdf, sizeof(bdf), "%s", strrchr(link, '/') + 1);
	assert_int_equal(sscanf(bdf, "%x:%x:%x.%x", &dom, &bus, &dev, &fn), 4);
	/* TT_DEVICE may name another device than 0: compare with its own link. */
	if (!strcmp(kt_path(), "/dev/tenstorrent/0")) {
		assert_int_equal(d.out.pci_domain, dom);
		assert_int_equal(d.out.bus_dev_fn, bus << 8 | dev << 3 | fn);
	}
}

/* Output smaller than the struct ends at a guard page: no fault, no overrun. */
static void test_output_guard(void **state)
{
	uint8_t *g = kt_guard_alloc();
	struct tenstorrent_get_device_info *di;
	struct tenstorrent_get_driver_info *dr;
	struct tenstorrent_lock_ctl *lk;
	struct tenstorrent_get_harvesting *hv;
	size_t short_out = 8;

	(void)state;
	di = kt_guard_end(g, sizeof(di->in) + short_out);
	di->in.output_size_bytes = (uint32_t)short_out;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_DEVICE_INFO, di), 0);
	assert_int_equal(di->out.output_size_bytes, sizeof(di->out));
	assert_int_equal(di->out.vendor_id, 0x1af4);

	dr = kt_guard_end(g, sizeof(dr->in) + short_out);
	dr->in.output_size_bytes = (uint32_t)short_out;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_DRIVER_INFO, dr), 0);
	assert_int_equal(dr->out.driver_version, TENSTORRENT_DRIVER_VERSION);

	hv = kt_guard_end(g, sizeof(hv->in) + 4);
	memset(hv, 0, sizeof(hv->in));
	hv->in.output_size_bytes = 4;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_HARVESTING, hv), 0);
	assert_int_equal(hv->out.output_size_bytes, sizeof(hv->out));

	/* A whole struct that does not fit: EFAULT, nothing else. */
	di = kt_guard_end(g, sizeof(di->in) + 4);
	di->in.output_size_bytes = sizeof(di->out);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_DEVICE_INFO, di), EFAULT);

	lk = kt_guard_end(g, sizeof(lk->in) + 1);
	memset(lk, 0, sizeof(lk->in));
	lk->in.output_size_bytes = 1;
	lk->in.index = 9;
	lk->in.flags = TENSTORRENT_LOCK_CTL_TEST;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_LOCK_CTL, lk), 0);
	assert_int_equal(lk->out.value, 0);
	kt_guard_free(g);
}

/* Output larger than the struct: the tail the kernel does not know is zeroed. */
static void test_output_zeroed(void **state)
{
	struct {
		struct tenstorrent_get_device_info_in in;
		uint8_t out[64];
	} d;
	struct {
		struct tenstorrent_get_harvesting_in in;
		uint8_t out[96];
	} h;
	size_t i;

	(void)state;
	memset(&d, 0xa5, sizeof(d));
	d.in.output_size_bytes = sizeof(d.out);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_DEVICE_INFO, &d), 0);
	for (i = sizeof(struct tenstorrent_get_device_info_out); i < sizeof(d.out); i++)
		assert_int_equal(d.out[i], 0);
	memset(&h, 0xa5, sizeof(h));
	h.in.output_size_bytes = sizeof(h.out);
	h.in.reserved = 0;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_HARVESTING, &h), 0);
	for (i = sizeof(struct tenstorrent_get_harvesting_out); i < sizeof(h.out); i++)
		assert_int_equal(h.out[i], 0);
}

static void test_unknown_command(void **state)
{
	uint8_t buf[64] = { 0 };

	(void)state;
	assert_int_equal(kt_ioctl(fd, _IO(TENSTORRENT_IOCTL_MAGIC, 17), buf), ENOTTY);
	assert_int_equal(kt_ioctl(fd, _IO(TENSTORRENT_IOCTL_MAGIC, 31), buf), ENOTTY);
	assert_int_equal(kt_ioctl(fd, _IO(TENSTORRENT_IOCTL_MAGIC, 99), buf), ENOTTY);
	assert_int_equal(kt_ioctl(fd, _IO('T', 1), buf), ENOTTY);
	/* The same numbers with a size/direction encoded are other commands. */
	assert_int_equal(kt_ioctl(fd, _IOR(TENSTORRENT_IOCTL_MAGIC, 0, uint32_t), buf), ENOTTY);
}

static void test_harvesting(void **state)
{
	struct tenstorrent_get_harvesting h;
	struct ttsim_regs *r;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.in.output_size_bytes = sizeof(h.out);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_HARVESTING, &h), 0);
	assert_int_equal(h.out.valid, TENSTORRENT_HARVEST_VALID_TENSIX | TENSTORRENT_HARVEST_VALID_DRAM);
	r = kt_map(fd, kt_regs_offset(fd), PAGE);
	assert_int_equal(h.out.grid_x, r->grid_x);
	assert_int_equal(h.out.grid_y, r->grid_y);
	assert_int_equal(h.out.tensix_disabled, 0);
	assert_int_equal(h.out.dram_disabled,
			 ((1u << r->dram_banks) - 1) & ~r->telemetry.dram_status);
	munmap(r, PAGE);
	h.in.reserved = 1;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_HARVESTING, &h), EINVAL);
}

static void test_query_mappings(void **state)
{
	struct {
		struct tenstorrent_query_mappings_in in;
		struct tenstorrent_mapping m[8];
	} q;
	unsigned i;

	(void)state;
	memset(&q, 0xa5, sizeof(q));
	q.in.output_mapping_count = 8;
	q.in.reserved = 0;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_QUERY_MAPPINGS, &q), 0);
	/* ivshmem: BAR0 is 256 bytes (not mappable alone), BAR2 the 1 MiB shared memory. */
	assert_int_equal(q.m[0].mapping_id, TENSTORRENT_MAPPING_RESOURCE1_UC);
	assert_int_equal(q.m[0].mapping_base, 2ull << 36);
	assert_int_equal(q.m[0].mapping_size, 1u << 20);
	assert_int_equal(q.m[0].reserved, 0);
	assert_int_equal(q.m[1].mapping_id, TENSTORRENT_MAPPING_RESOURCE1_WC);
	assert_int_equal(q.m[1].mapping_base, 3ull << 36);
	assert_int_equal(q.m[1].mapping_size, 1u << 20);
	for (i = 2; i < 8; i++) {
		assert_int_equal(q.m[i].mapping_id, TENSTORRENT_MAPPING_UNUSED);
		assert_int_equal(q.m[i].mapping_base, 0);
		assert_int_equal(q.m[i].mapping_size, 0);
	}
	/* One entry asked for: the second is not touched. */
	memset(&q, 0xa5, sizeof(q));
	q.in.output_mapping_count = 1;
	q.in.reserved = 0;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_QUERY_MAPPINGS, &q), 0);
	assert_int_equal(q.m[0].mapping_id, TENSTORRENT_MAPPING_RESOURCE1_UC);
	assert_int_equal(q.m[1].mapping_id, 0xa5a5a5a5u);
	q.in.reserved = 1;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_QUERY_MAPPINGS, &q), EINVAL);
}

static int alloc_err(uint32_t size, unsigned idx, uint8_t flags, uint8_t r0, uint64_t r1)
{
	struct tenstorrent_allocate_dma_buf a;

	memset(&a, 0, sizeof(a));
	a.in.requested_size = size;
	a.in.buf_index = (uint8_t)idx;
	a.in.flags = flags;
	a.in.reserved0[1] = r0;
	a.in.reserved1[1] = r1;
	return kt_ioctl(fd, TENSTORRENT_IOCTL_ALLOCATE_DMA_BUF, &a);
}

static int free_err(unsigned idx, uint8_t r0, uint32_t r1)
{
	struct tenstorrent_free_dma_buf f;

	memset(&f, 0, sizeof(f));
	f.in.buf_index = (uint8_t)idx;
	f.in.reserved0[2] = r0;
	f.in.reserved1 = r1;
	return kt_ioctl(fd, TENSTORRENT_IOCTL_FREE_DMA_BUF, &f);
}

static void test_dma_buf(void **state)
{
	struct tenstorrent_allocate_dma_buf_out o;

	(void)state;
	o = kt_dma_alloc(fd, 7, 3 * PAGE);
	assert_int_equal(o.size, 3 * PAGE);
	assert_int_equal(o.mapping_offset, ((uint64_t)(PAGE - 256) << 32) + (7ull << 32));
	assert_int_not_equal(o.physical_address, 0);
	assert_int_equal(o.physical_address % PAGE, 0);
	assert_int_equal(o.noc_address, 0);
	assert_int_equal(o.reserved0, 0);
	assert_int_equal(o.reserved1, 0);
	assert_int_equal(alloc_err(PAGE, 7, 0, 0, 0), EINVAL);		/* index in use */
	assert_int_equal(alloc_err(0, 8, 0, 0, 0), EINVAL);
	assert_int_equal(alloc_err(PAGE + 1, 8, 0, 0, 0), EINVAL);
	assert_int_equal(alloc_err(1u << 29, 8, 0, 0, 0), EINVAL);
	assert_int_equal(alloc_err(8u << 20, 8, 0, 0, 0), ENOMEM);	/* above 4 MiB */
	assert_int_equal(alloc_err(PAGE, 8, 1, 0, 0), EINVAL);		/* unknown flag */
	assert_int_equal(alloc_err(PAGE, 8, 0x80, 0, 0), EINVAL);
	assert_int_equal(alloc_err(PAGE, 8, TENSTORRENT_ALLOCATE_DMA_BUF_NOC_DMA, 0, 0), EOPNOTSUPP);
	assert_int_equal(alloc_err(PAGE, 8, 0, 1, 0), EINVAL);
	assert_int_equal(alloc_err(PAGE, 8, 0, 0, 1), EINVAL);
	assert_int_equal(alloc_err(4u << 20, 8, 0, 0, 0), 0);		/* the largest */
	assert_int_equal(free_err(8, 0, 0), 0);

	assert_int_equal(free_err(7, 1, 0), EINVAL);
	assert_int_equal(free_err(7, 0, 1), EINVAL);
	assert_int_equal(free_err(7, 0, 0), 0);
	assert_int_equal(free_err(7, 0, 0), EINVAL);			/* double free */
	assert_int_equal(free_err(200, 0, 0), EINVAL);			/* never allocated */
	o = kt_dma_alloc(fd, 7, PAGE);					/* index reusable */
	assert_int_equal(o.size, PAGE);
	assert_int_equal(free_err(7, 0, 0), 0);
}

static void test_dma_buf_all_indices(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < TENSTORRENT_MAX_DMA_BUFS; i++)
		assert_int_equal(alloc_err(PAGE, i, 0, 0, 0), 0);
	for (i = 0; i < TENSTORRENT_MAX_DMA_BUFS; i++)
		assert_int_equal(free_err(i, 0, 0), 0);
}

static int pin(void *va, uint64_t size, uint32_t flags, uint32_t out_size,
	       struct tenstorrent_pin_pages_out_extended *out)
{
	struct {
		struct tenstorrent_pin_pages_in in;
		struct tenstorrent_pin_pages_out_extended out;
	} p;
	int err;

	memset(&p, 0xa5, sizeof(p));
	p.in.output_size_bytes = out_size;
	p.in.flags = flags;
	p.in.virtual_address = (uintptr_t)va;
	p.in.size = size;
	err = kt_ioctl(fd, TENSTORRENT_IOCTL_PIN_PAGES, &p);
	if (out)
		*out = p.out;
	return err;
}

static int unpin(void *va, uint64_t size, uint64_t reserved)
{
	struct tenstorrent_unpin_pages u;

	memset(&u, 0, sizeof(u));
	u.in.virtual_address = (uintptr_t)va;
	u.in.size = size;
	u.in.reserved = reserved;
	return kt_ioctl(fd, TENSTORRENT_IOCTL_UNPIN_PAGES, &u);
}

static void test_pin_pages(void **state)
{
	struct tenstorrent_pin_pages_out_extended out;
	uint8_t *mem = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
	void *hole;

	(void)state;
	assert_true(mem != MAP_FAILED);
	memset(mem, 1, 4 * PAGE);
	assert_int_equal(pin(mem, PAGE, 0, sizeof(out), &out), 0);
	assert_int_not_equal(out.physical_address, 0);
	assert_int_equal(out.physical_address % PAGE, 0);
	assert_int_equal(out.noc_address, 0);
	assert_int_equal(pin(mem, PAGE, 0, sizeof(out), NULL), EEXIST);
	/* 8 bytes of output: noc_address is left alone. */
	assert_int_equal(pin(mem + PAGE, PAGE, TENSTORRENT_PIN_PAGES_CONTIGUOUS, 8, &out), 0);
	assert_int_not_equal(out.physical_address, 0);
	assert_int_equal(out.noc_address, 0xa5a5a5a5a5a5a5a5ull);

	assert_int_equal(pin(mem + 1, PAGE, 0, 8, NULL), EINVAL);
	assert_int_equal(pin(mem + 2 * PAGE, 0, 0, 8, NULL), EINVAL);
	assert_int_equal(pin(mem + 2 * PAGE, PAGE - 1, 0, 8, NULL), EINVAL);
	assert_int_equal(pin(mem + 2 * PAGE, PAGE, 16, 8, NULL), EINVAL);
	assert_int_equal(pin(mem + 2 * PAGE, PAGE, TENSTORRENT_PIN_PAGES_NOC_DMA, 8, NULL), EOPNOTSUPP);
	assert_int_equal(pin(mem + 2 * PAGE, PAGE, TENSTORRENT_PIN_PAGES_NOC_TOP_DOWN, 8, NULL),
			 EOPNOTSUPP);
	/* No IOMMU in the guest: the device could not be kept from writing. */
	assert_int_equal(pin(mem + 2 * PAGE, PAGE, TENSTORRENT_PIN_PAGES_READ_ONLY, 8, NULL),
			 EOPNOTSUPP);
	hole = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(hole != MAP_FAILED);
	munmap(hole, PAGE);
	assert_int_equal(pin(hole, PAGE, 0, 8, NULL), EFAULT);

	assert_int_equal(unpin(mem, PAGE, 1), EINVAL);
	assert_int_equal(unpin(mem, 2 * PAGE, 0), EINVAL);	/* not as pinned */
	assert_int_equal(unpin(mem + 3 * PAGE, PAGE, 0), EINVAL);
	assert_int_equal(unpin(mem, PAGE, 0), 0);
	assert_int_equal(unpin(mem, PAGE, 0), EINVAL);
	assert_int_equal(unpin(mem + PAGE, PAGE, 0), 0);
	munmap(mem, 4 * PAGE);
}

/*
 * Sizes nobody can pin are refused before the module allocates anything
 * (2^41 made kvmalloc warn, 2^38 took half the guest's memory for seconds).
 */
static void test_pin_pages_huge(void **state)
{
	uint8_t *mem = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
	void *low = (void *)(uintptr_t)(1u << 20);
	unsigned shift;
	int err;

	(void)state;
	assert_true(mem != MAP_FAILED);
	for (shift = 38; shift <= 46; shift++)
		assert_int_equal(pin(low, 1ull << shift, 0, 8, NULL), ENOMEM);
	/* Past the end of user space, or wrapping around. */
	assert_int_equal(pin((void *)(uintptr_t)((1ull << 63) - PAGE), 1ull << 20, 0, 8, NULL), EINVAL);
	assert_int_equal(pin(mem, -(uint64_t)PAGE, 0, 8, NULL), EINVAL);
	/* Possible in size, but not all mapped (or not contiguous): nothing stays pinned. */
	err = pin(low, 64ull << 20, 0, 8, NULL);
	assert_true(err == EFAULT || err == EINVAL);
	assert_int_equal(pin(mem, PAGE, 0, 8, NULL), 0);
	assert_int_equal(unpin(mem, PAGE, 0), 0);
	munmap(mem, 4 * PAGE);
}

/* Pinning is charged to RLIMIT_MEMLOCK, and given back on unpin and close. */
static void test_pin_pages_rlimit(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit one = { PAGE, PAGE };
		uint8_t *mem = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		int f = kt_open(), f2 = kt_open(), ok = 1;

		memset(mem, 1, 2 * PAGE);
		/* Without CAP_IPC_LOCK: the limit applies. */
		if (setrlimit(RLIMIT_MEMLOCK, &one) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(2);
		fd = f;
		ok &= pin(mem, PAGE, 0, 8, NULL) == 0;
		ok &= pin(mem + PAGE, PAGE, 0, 8, NULL) == ENOMEM;
		ok &= unpin(mem, PAGE, 0) == 0;
		ok &= pin(mem + PAGE, PAGE, 0, 8, NULL) == 0;
		/* Closing gives the page back too. */
		close(f);
		fd = f2;
		ok &= pin(mem, PAGE, 0, 8, NULL) == 0;
		close(f2);
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static int lock_ctl(int f, uint32_t flags, unsigned index, uint8_t reserved, uint8_t *value)
{
	struct tenstorrent_lock_ctl l;
	int err;

	memset(&l, 0, sizeof(l));
	l.in.output_size_bytes = sizeof(l.out);
	l.in.flags = flags;
	l.in.index = (uint8_t)index;
	l.in.reserved[1] = reserved;
	l.out.value = 0xee;
	err = kt_ioctl(f, TENSTORRENT_IOCTL_LOCK_CTL, &l);
	if (value)
		*value = l.out.value;
	return err;
}

static void test_lock_ctl(void **state)
{
	int fd2 = kt_open();
	uint8_t v;
	pid_t child;
	int status;

	(void)state;
	assert_int_equal(lock_ctl(fd, TENSTORRENT_LOCK_CTL_ACQUIRE, 5, 0, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(lock_ctl(fd, TENSTORRENT_LOCK_CTL_TEST, 5, 0, &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(lock_ctl(fd2, TENSTORRENT_LOCK_CTL_ACQUIRE, 5, 0, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(lock_ctl(fd2, TENSTORRENT_LOCK_CTL_TEST, 5, 0, &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(lock_ctl(fd2, TENSTORRENT_LOCK_CTL_RELEASE, 5, 0, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(lock_ctl(fd, TENSTORRENT_LOCK_CTL_TEST, 6, 0, &v), 0);
	assert_int_equal(v, 0);

	assert_int_equal(lock_ctl(fd, TENSTORRENT_LOCK_CTL_ACQUIRE, 64, 0, NULL), EINVAL);
	assert_int_equal(lock_ctl(fd, 4, 5, 0, NULL), EINVAL);
	assert_int_equal(lock_ctl(fd, TENSTORRENT_LOCK_CTL_TEST, 5, 1, NULL), EINVAL);

	/* A blocked acquirer gets the lock when the holder lets go. */
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		int err = lock_ctl(fd2, TENSTORRENT_LOCK_CTL_ACQUIRE_BLOCKING, 5, 0, &v);

		_exit(err ? 10 : v == 1 ? 0 : 11);
	}
	usleep(200 * 1000);
	assert_int_equal(lock_ctl(fd, TENSTORRENT_LOCK_CTL_RELEASE, 5, 0, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* fd2 (shared with the child) holds it; closing fd2 releases it. */
	assert_int_equal(lock_ctl(fd, TENSTORRENT_LOCK_CTL_TEST, 5, 0, &v), 0);
	assert_int_equal(v, 2);
	close(fd2);
	assert_int_equal(lock_ctl(fd, TENSTORRENT_LOCK_CTL_ACQUIRE, 5, 0, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(lock_ctl(fd, TENSTORRENT_LOCK_CTL_RELEASE, 5, 0, &v), 0);
	assert_int_equal(v, 1);
}

static int peer_bar(int peer, uint32_t bar, uint32_t off, uint32_t len, uint32_t flags,
		    uint64_t *dma)
{
	struct tenstorrent_map_peer_bar m;
	int err;

	memset(&m, 0, sizeof(m));
	m.in.peer_fd = (uint32_t)peer;
	m.in.peer_bar_index = bar;
	m.in.peer_bar_offset = off;
	m.in.peer_bar_length = len;
	m.in.flags = flags;
	err = kt_ioctl(fd, TENSTORRENT_IOCTL_MAP_PEER_BAR, &m);
	if (dma)
		*dma = m.out.dma_address;
	return err;
}

static void test_map_peer_bar(void **state)
{
	int null = open("/dev/null", O_RDWR);
	int other;
	uint64_t dma = 0;

	(void)state;
	assert_int_equal(peer_bar(fd, 2, 0, PAGE, 0, NULL), EINVAL);	/* itself */
	assert_int_equal(peer_bar(null, 2, 0, PAGE, 0, NULL), EINVAL);
	assert_int_equal(peer_bar(9999, 2, 0, PAGE, 0, NULL), EBADF);
	other = kt_open_other();
	assert_true(other >= 0);
	assert_int_equal(peer_bar(other, 2, 0, PAGE, 1, NULL), EINVAL);
	assert_int_equal(peer_bar(other, 2, 0, 0, 0, NULL), EINVAL);
	assert_int_equal(peer_bar(other, 7, 0, PAGE, 0, NULL), EINVAL);
	assert_int_equal(peer_bar(other, 2, 1u << 20, PAGE, 0, NULL), EINVAL);	/* past the BAR */
	assert_int_equal(peer_bar(other, 2, PAGE, PAGE, 0, &dma), 0);
	assert_int_not_equal(dma, 0);
	close(other);
	close(null);
}

static void test_tlb_unsupported(void **state)
{
	struct tenstorrent_allocate_tlb a;
	struct tenstorrent_free_tlb f;
	struct tenstorrent_configure_tlb c;
	struct tenstorrent_export_tlb_dmabuf e;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.in.size = 1u << 21;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_ALLOCATE_TLB, &a), EOPNOTSUPP);
	memset(&f, 0, sizeof(f));
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_FREE_TLB, &f), EOPNOTSUPP);
	memset(&c, 0, sizeof(c));
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_CONFIGURE_TLB, &c), EOPNOTSUPP);
	memset(&e, 0, sizeof(e));
	e.argsz = sizeof(e);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_EXPORT_TLB_DMABUF, &e), EOPNOTSUPP);
}

static void test_noc_cleanup(void **state)
{
	struct {
		struct tenstorrent_set_noc_cleanup c;
		uint32_t extra;
	} n;

	(void)state;
	memset(&n, 0, sizeof(n));
	n.c.argsz = sizeof(n.c);
	n.c.enabled = 1;
	n.c.addr = 0x100;
	/* Valid, but the model device has no NoC window for the kernel. */
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_SET_NOC_CLEANUP, &n), EOPNOTSUPP);
	n.c.addr = 0x101;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_SET_NOC_CLEANUP, &n), EINVAL);
	n.c.addr = 0x100;
	n.c.enabled = 2;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_SET_NOC_CLEANUP, &n), EINVAL);
	n.c.enabled = 1;
	n.c.flags = 1;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_SET_NOC_CLEANUP, &n), EINVAL);
	n.c.flags = 0;
	n.c.reserved0 = 1;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_SET_NOC_CLEANUP, &n), EINVAL);
	n.c.reserved0 = 0;
	n.c.argsz = sizeof(n.c) - 4;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_SET_NOC_CLEANUP, &n), EINVAL);
	n.c.argsz = sizeof(n);
	n.extra = 1;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_SET_NOC_CLEANUP, &n), E2BIG);
}

static void test_power_state(void **state)
{
	struct tenstorrent_power_state p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.argsz = sizeof(p);
	p.validity = TT_POWER_VALIDITY(4, 2);
	p.power_flags = TT_POWER_FLAG_TENSIX_ENABLE;
	p.power_settings[0] = 100;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_SET_POWER_STATE, &p), 0);
	p.flags = 1;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_SET_POWER_STATE, &p), EINVAL);
	p.flags = 0;
	p.reserved0 = 1;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_SET_POWER_STATE, &p), EINVAL);
	p.reserved0 = 0;
	p.validity = TT_POWER_VALIDITY(4, 15);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_SET_POWER_STATE, &p), EINVAL);
	p.validity = TT_POWER_VALIDITY(4, 2);
	p.power_flags = 0x8000;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_SET_POWER_STATE, &p), EINVAL);
	p.power_flags = 0;
	p.argsz = 8;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_SET_POWER_STATE, &p), EINVAL);
}

static void test_device_caps(void **state)
{
	struct {
		struct tenstorrent_get_device_caps c;
		uint8_t more[16];
	} b;
	struct tenstorrent_get_device_caps c;
	unsigned i;

	(void)state;
	kt_caps(fd, &c);
	assert_int_equal(c.argsz, sizeof(c));
	assert_int_equal(c.arch, TENSTORRENT_ARCH_MODEL);
	assert_int_equal(c.num_vectors, TTSIM_NUM_VECTORS);
	assert_int_equal(c.num_queues, TTSIM_MAX_QUEUES);
	assert_int_equal(c.caps, TENSTORRENT_CAP_DOORBELL | TENSTORRENT_CAP_EVENTFD |
				 TENSTORRENT_CAP_HARVESTING);
	assert_int_equal(c.regs_mapping_id, TENSTORRENT_MAPPING_RESOURCE1_UC);
	assert_int_equal(c.regs_offset, 0);
	assert_int_equal(c.doorbell_reg, 12);
	assert_true(c.own_peer_id >= 1);
	assert_int_equal(c.server_peer_id, 0);
	assert_int_equal(c.fd_generation, c.reset_generation);
	assert_int_equal(c.dma_address_bits, 64);
	assert_int_equal(c.reserved0, 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(c.reserved1[i], 0);

	/* A longer struct with a zero tail works and its tail is not written. */
	memset(&b, 0, sizeof(b));
	b.c.argsz = sizeof(b);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_DEVICE_CAPS, &b), 0);
	assert_int_equal(b.c.arch, TENSTORRENT_ARCH_MODEL);
	for (i = 0; i < sizeof(b.more); i++)
		assert_int_equal(b.more[i], 0);
	/* The kernel wrote its own size back into argsz. */
	assert_int_equal(b.c.argsz, sizeof(b.c));
	b.c.argsz = sizeof(b);
	b.more[3] = 1;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_DEVICE_CAPS, &b), E2BIG);
	memset(&c, 0, sizeof(c));
	c.argsz = 8;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_DEVICE_CAPS, &c), EINVAL);
	c.argsz = sizeof(c);
	c.flags = 1;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_DEVICE_CAPS, &c), EINVAL);
}

static int set_eventfd(uint32_t vector, int efd, uint32_t flags)
{
	struct tenstorrent_set_eventfd s = { .argsz = sizeof(s), .flags = flags, .vector = vector,
					     .fd = efd };

	return kt_ioctl(fd, TENSTORRENT_IOCTL_SET_EVENTFD, &s);
}

static void test_set_eventfd(void **state)
{
	int efd = eventfd(0, EFD_CLOEXEC), null = open("/dev/null", O_RDWR);

	(void)state;
	assert_int_equal(set_eventfd(0, efd, 0), 0);
	assert_int_equal(set_eventfd(0, efd, 0), 0);		/* rebinding */
	assert_int_equal(set_eventfd(TTSIM_CTRL_VECTOR, efd, 0), 0);
	assert_int_equal(set_eventfd(TTSIM_NUM_VECTORS, efd, 0), EINVAL);
	assert_int_equal(set_eventfd(0xffffffffu, efd, 0), EINVAL);
	assert_int_equal(set_eventfd(0, efd, 1), EINVAL);
	assert_int_equal(set_eventfd(0, null, 0), EINVAL);	/* not an eventfd */
	assert_int_equal(set_eventfd(0, 9999, 0), EBADF);
	assert_int_equal(set_eventfd(0, -2, 0), EINVAL);
	assert_int_equal(set_eventfd(0, -1, 0), 0);		/* unbind */
	assert_int_equal(set_eventfd(TTSIM_CTRL_VECTOR, -1, 0), 0);
	close(efd);
	close(null);
}

static void test_ring_doorbell(void **state)
{
	struct tenstorrent_ring_doorbell d;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.argsz = sizeof(d);
	d.vector = 1;		/* a queue without commands: nothing happens */
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_RING_DOORBELL, &d), 0);
	d.vector = TTSIM_CTRL_VECTOR;	/* the kernel's */
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_RING_DOORBELL, &d), EINVAL);
	d.vector = TTSIM_NUM_VECTORS;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_RING_DOORBELL, &d), EINVAL);
	d.vector = 0xffffffffu;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_RING_DOORBELL, &d), EINVAL);
	d.vector = 0;
	d.reserved = 1;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_RING_DOORBELL, &d), EINVAL);
	d.reserved = 0;
	d.flags = 2;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_RING_DOORBELL, &d), EINVAL);
}

static void test_reset_state_and_device_errors(void **state)
{
	struct tenstorrent_reset_state s;
	struct tenstorrent_reset_device r;
	struct tenstorrent_get_device_caps c;

	(void)state;
	kt_caps(fd, &c);
	memset(&s, 0, sizeof(s));
	s.argsz = sizeof(s);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_RESET_STATE, &s), 0);
	assert_int_equal(s.state, TENSTORRENT_STATE_READY);
	assert_int_equal(s.generation, c.reset_generation);
	assert_int_equal(s.fd_generation, c.fd_generation);
	s.flags = 2;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_RESET_STATE, &s), EINVAL);
	s.flags = 0;
	s.state = 1;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_RESET_STATE, &s), EINVAL);
	/* WAIT for a generation that does not come: the timeout. */
	memset(&s, 0, sizeof(s));
	s.argsz = sizeof(s);
	s.flags = TENSTORRENT_RESET_STATE_WAIT;
	s.generation = c.reset_generation;
	s.timeout_ms = 50;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_RESET_STATE, &s), ETIMEDOUT);

	memset(&r, 0, sizeof(r));
	r.in.output_size_bytes = sizeof(r.out);
	r.in.flags = 7;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_RESET_DEVICE, &r), EINVAL);
	r.in.flags = TENSTORRENT_RESET_DEVICE_RESET_PCIE_LINK;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_RESET_DEVICE, &r), EOPNOTSUPP);
	r.in.flags = TENSTORRENT_RESET_DEVICE_CONFIG_WRITE;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_RESET_DEVICE, &r), EOPNOTSUPP);
	/* Refused resets changed nothing. */
	kt_caps(fd, &c);
	assert_int_equal(c.fd_generation, c.reset_generation);
	/* POST_RESET on a ready device: nothing to do, success. */
	r.in.flags = TENSTORRENT_RESET_DEVICE_POST_RESET;
	r.out.result = 7;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_RESET_DEVICE, &r), 0);
	assert_int_equal(r.out.result, 0);
	assert_int_equal(r.out.output_size_bytes, sizeof(r.out));
}

static void test_bad_pointer(void **state)
{
	(void)state;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_DEVICE_INFO, NULL), EFAULT);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_DEVICE_CAPS, (void *)16), EFAULT);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_ALLOCATE_DMA_BUF, (void *)16), EFAULT);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_LOCK_CTL, NULL), EFAULT);
}

/*
 * Every other ioctl with an output, its struct ending where the guard page
 * begins: it works and writes nothing beyond. One that would cross into
 * the guard page is EFAULT and leaves nothing behind (no buffer, pinning,
 * lock or reset).
 */
static void test_output_guard_every_ioctl(void **state)
{
	uint8_t *g = kt_guard_alloc();
	struct tenstorrent_query_mappings_in *qm;
	struct tenstorrent_mapping *m;
	struct tenstorrent_allocate_dma_buf *a;
	struct tenstorrent_free_dma_buf f;
	struct tenstorrent_pin_pages_in *pin;
	struct tenstorrent_map_peer_bar *peer;
	struct tenstorrent_reset_device *r;
	struct tenstorrent_lock_ctl *lk;
	struct tenstorrent_get_device_caps *c, caps;
	struct tenstorrent_reset_state *rs;
	struct tenstorrent_get_harvesting *hv;
	uint8_t *mem, value;
	int other;

	(void)state;
	/* QUERY_MAPPINGS: exactly two entries fit. */
	qm = kt_guard_end(g, sizeof(*qm) + 2 * sizeof(*m));
	m = (struct tenstorrent_mapping *)(qm + 1);
	qm->output_mapping_count = 2;
	qm->reserved = 0;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_QUERY_MAPPINGS, qm), 0);
	assert_int_equal(m[0].mapping_id, TENSTORRENT_MAPPING_RESOURCE1_UC);
	assert_int_equal(m[1].mapping_id, TENSTORRENT_MAPPING_RESOURCE1_WC);
	qm->output_mapping_count = 3;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_QUERY_MAPPINGS, qm), EFAULT);

	/* ALLOCATE_DMA_BUF: in and out, whole; then with out crossing. */
	a = kt_guard_end(g, sizeof(*a));
	memset(a, 0, sizeof(*a));
	a->in.requested_size = PAGE;
	a->in.buf_index = 11;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_ALLOCATE_DMA_BUF, a), 0);
	assert_int_equal(a->out.size, PAGE);
	assert_int_equal(a->out.mapping_offset, ((uint64_t)(PAGE - 256) << 32) + (11ull << 32));
	a = kt_guard_end(g, sizeof(*a) - 8);
	memset(a, 0, sizeof(a->in));
	a->in.requested_size = PAGE;
	a->in.buf_index = 12;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_ALLOCATE_DMA_BUF, a), EFAULT);
	memset(&f, 0, sizeof(f));
	f.in.buf_index = 12;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_FREE_DMA_BUF, &f), EINVAL);	/* none */
	f.in.buf_index = 11;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_FREE_DMA_BUF, &f), 0);

	/* PIN_PAGES: 8 bytes of output fit, 16 do not (and nothing stays pinned). */
	mem = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(mem != MAP_FAILED);
	memset(mem, 2, PAGE);
	pin = kt_guard_end(g, sizeof(*pin) + 8);
	memset(pin, 0, sizeof(*pin));
	pin->output_size_bytes = 16;
	pin->virtual_address = (uintptr_t)mem;
	pin->size = PAGE;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_PIN_PAGES, pin), EFAULT);
	pin->output_size_bytes = 8;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_PIN_PAGES, pin), 0);	/* not EEXIST */
	assert_int_not_equal(*(uint64_t *)(pin + 1), 0);
	{
		struct tenstorrent_unpin_pages u;

		memset(&u, 0, sizeof(u));
		u.in.virtual_address = (uintptr_t)mem;
		u.in.size = PAGE;
		assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_UNPIN_PAGES, &u), 0);
		assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_UNPIN_PAGES, &u), EINVAL);
	}
	munmap(mem, PAGE);

	/* MAP_PEER_BAR: in and out, whole; out crossing. */
	other = kt_open_other();
	assert_true(other >= 0);
	peer = kt_guard_end(g, sizeof(*peer));
	memset(peer, 0, sizeof(*peer));
	peer->in.peer_fd = (uint32_t)other;
	peer->in.peer_bar_index = 2;
	peer->in.peer_bar_length = PAGE;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_MAP_PEER_BAR, peer), 0);
	assert_int_not_equal(peer->out.dma_address, 0);
	assert_int_equal(peer->out.reserved, 0);
	peer = kt_guard_end(g, sizeof(*peer) - 8);
	memset(peer, 0, sizeof(peer->in));
	peer->in.peer_fd = (uint32_t)other;
	peer->in.peer_bar_index = 2;
	peer->in.peer_bar_length = PAGE;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_MAP_PEER_BAR, peer), EFAULT);
	close(other);

	/* RESET_DEVICE: POST_RESET fits; an ASIC_RESET whose output cannot be written is not done. */
	kt_caps(fd, &caps);
	r = kt_guard_end(g, sizeof(*r));
	memset(r, 0, sizeof(*r));
	r->in.output_size_bytes = sizeof(r->out);
	r->in.flags = TENSTORRENT_RESET_DEVICE_POST_RESET;
	r->out.result = 5;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_RESET_DEVICE, r), 0);
	assert_int_equal(r->out.result, 0);
	assert_int_equal(r->out.output_size_bytes, sizeof(r->out));
	r = kt_guard_end(g, sizeof(r->in) + 4);
	memset(r, 0, sizeof(r->in));
	r->in.output_size_bytes = sizeof(r->out);
	r->in.flags = TENSTORRENT_RESET_DEVICE_ASIC_RESET;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_RESET_DEVICE, r), EFAULT);
	{
		struct tenstorrent_get_device_caps after;

		kt_caps(fd, &after);
		assert_int_equal(after.reset_generation, caps.reset_generation);
	}

	/* LOCK_CTL: an ACQUIRE whose output cannot be written takes nothing. */
	lk = kt_guard_end(g, sizeof(lk->in) + 1);
	memset(lk, 0, sizeof(lk->in));
	lk->in.output_size_bytes = sizeof(lk->out);
	lk->in.index = 9;
	lk->in.flags = TENSTORRENT_LOCK_CTL_ACQUIRE;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_LOCK_CTL, lk), EFAULT);
	lk->in.output_size_bytes = 1;
	lk->in.flags = TENSTORRENT_LOCK_CTL_TEST;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_LOCK_CTL, lk), 0);
	value = lk->out.value;
	assert_int_equal(value, 0);

	/* GET_HARVESTING: the whole out struct. */
	hv = kt_guard_end(g, sizeof(*hv));
	memset(hv, 0, sizeof(hv->in));
	hv->in.output_size_bytes = sizeof(hv->out);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_HARVESTING, hv), 0);
	assert_int_equal(hv->out.reserved, 0);

	/* argsz structs: exactly their size fits; a larger argsz reads into the guard. */
	c = kt_guard_end(g, sizeof(*c));
	memset(c, 0, sizeof(*c));
	c->argsz = sizeof(*c);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_DEVICE_CAPS, c), 0);
	assert_int_equal(c->arch, TENSTORRENT_ARCH_MODEL);
	assert_int_equal(c->reserved1[2], 0);
	c->argsz = sizeof(*c) + 8;
	c->flags = 0;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_DEVICE_CAPS, c), EFAULT);
	rs = kt_guard_end(g, sizeof(*rs));
	memset(rs, 0, sizeof(*rs));
	rs->argsz = sizeof(*rs);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_RESET_STATE, rs), 0);
	assert_int_equal(rs->generation, caps.reset_generation);
	assert_int_equal(rs->fd_generation, caps.fd_generation);
	kt_guard_free(g);
}

/*
 * The argsz rule of each argsz ioctl: below its size EINVAL; a larger
 * struct with a zero tail as the plain one (`ok`); a nonzero byte in the
 * tail E2BIG; argsz 0 EINVAL.
 */
static void check_argsz(unsigned long cmd, const void *good, size_t size, int ok)
{
	struct {
		uint32_t argsz;
		uint8_t rest[252];
	} u;
	uint8_t *b = (uint8_t *)&u;

	assert_true(size + 16 <= sizeof(u));
	memset(&u, 0, sizeof(u));
	memcpy(b, good, size);
	u.argsz = (uint32_t)size;
	assert_int_equal(kt_ioctl(fd, cmd, &u), ok);
	memcpy(b, good, size);
	u.argsz = (uint32_t)size - 4;
	assert_int_equal(kt_ioctl(fd, cmd, &u), EINVAL);
	u.argsz = 0;
	assert_int_equal(kt_ioctl(fd, cmd, &u), EINVAL);
	memcpy(b, good, size);
	u.argsz = (uint32_t)size + 16;
	assert_int_equal(kt_ioctl(fd, cmd, &u), ok);
	memcpy(b, good, size);
	u.argsz = (uint32_t)size + 16;
	b[size + 15] = 1;
	assert_int_equal(kt_ioctl(fd, cmd, &u), E2BIG);
}

static void test_argsz_every_ioctl(void **state)
{
	struct tenstorrent_get_device_caps c = { .argsz = sizeof(c) };
	struct tenstorrent_set_eventfd e = { .argsz = sizeof(e), .vector = 0, .fd = -1 };
	struct tenstorrent_reset_state rs = { .argsz = sizeof(rs) };
	struct tenstorrent_ring_doorbell d = { .argsz = sizeof(d), .vector = 1 };
	struct tenstorrent_power_state p = { .argsz = sizeof(p) };
	struct tenstorrent_set_noc_cleanup n = { .argsz = sizeof(n), .enabled = 1, .addr = 0x100 };
	struct tenstorrent_export_tlb_dmabuf x = { .argsz = sizeof(x) };

	(void)state;
	check_argsz(TENSTORRENT_IOCTL_GET_DEVICE_CAPS, &c, sizeof(c), 0);
	check_argsz(TENSTORRENT_IOCTL_SET_EVENTFD, &e, sizeof(e), 0);
	check_argsz(TENSTORRENT_IOCTL_RESET_STATE, &rs, sizeof(rs), 0);
	check_argsz(TENSTORRENT_IOCTL_RING_DOORBELL, &d, sizeof(d), 0);
	check_argsz(TENSTORRENT_IOCTL_SET_POWER_STATE, &p, sizeof(p), 0);
	/* Valid, but the model device has no NoC window for the kernel. */
	check_argsz(TENSTORRENT_IOCTL_SET_NOC_CLEANUP, &n, sizeof(n), EOPNOTSUPP);
	/* Not provided by this module, whatever the argument. */
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_EXPORT_TLB_DMABUF, &x), EOPNOTSUPP);
	x.argsz = 0;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_EXPORT_TLB_DMABUF, &x), EOPNOTSUPP);
}

/* Out fields of argsz ioctls go back over min(argsz, size); argsz is the kernel's size. */
static void test_argsz_output(void **state)
{
	struct {
		struct tenstorrent_reset_state s;
		uint8_t more[16];
	} b;
	struct tenstorrent_get_device_caps c;
	unsigned i;

	(void)state;
	kt_caps(fd, &c);
	memset(&b, 0, sizeof(b));
	b.s.argsz = sizeof(b);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_RESET_STATE, &b), 0);
	assert_int_equal(b.s.argsz, sizeof(b.s));
	assert_int_equal(b.s.state, TENSTORRENT_STATE_READY);
	assert_int_equal(b.s.generation, c.reset_generation);
	for (i = 0; i < sizeof(b.more); i++)
		assert_int_equal(b.more[i], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_driver_info),
		cmocka_unit_test(test_device_info),
		cmocka_unit_test(test_output_guard),
		cmocka_unit_test(test_output_zeroed),
		cmocka_unit_test(test_unknown_command),
		cmocka_unit_test(test_harvesting),
		cmocka_unit_test(test_query_mappings),
		cmocka_unit_test(test_dma_buf),
		cmocka_unit_test(test_dma_buf_all_indices),
		cmocka_unit_test(test_pin_pages),
		cmocka_unit_test(test_pin_pages_huge),
		cmocka_unit_test(test_pin_pages_rlimit),
		cmocka_unit_test(test_lock_ctl),
		cmocka_unit_test(test_map_peer_bar),
		cmocka_unit_test(test_tlb_unsupported),
		cmocka_unit_test(test_noc_cleanup),
		cmocka_unit_test(test_power_state),
		cmocka_unit_test(test_device_caps),
		cmocka_unit_test(test_set_eventfd),
		cmocka_unit_test(test_ring_doorbell),
		cmocka_unit_test(test_reset_state_and_device_errors),
		cmocka_unit_test(test_bad_pointer),
		cmocka_unit_test(test_output_guard_every_ioctl),
		cmocka_unit_test(test_argsz_every_ioctl),
		cmocka_unit_test(test_argsz_output),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
