// SPDX-License-Identifier: MIT
/*
 * What happens to resources when their holder goes: a process killed
 * with buffers, pinnings, mappings, eventfds, a lock and a live queue
 * (all reclaimed, debugfs shows none); a reset while other files are open
 * (they get ENODEV, their mappings SIGBUS, then the device works again);
 * the device removed under an open file, and bound again.
 */
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/wait.h>

#include "kmod_test.h"

static unsigned dev_index(void)
{
	const char *p = kt_path() + strlen(kt_path());

	while (p > kt_path() && p[-1] >= '0' && p[-1] <= '9')
		p--;
	return (unsigned)atoi(p);
}

/* The debugfs listing of this device, in buf. */
static void debugfs_files(char *buf, size_t len)
{
	char path[128];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/tenstorrent/%u/files", dev_index());
	f = fopen(path, "r");
	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* 1 if /proc/driver/tenstorrent/N/pids lists pid. */
static int procfs_lists(pid_t pid)
{
	char path[128];
	FILE *f;
	int p, found = 0;

	snprintf(path, sizeof(path), "/proc/driver/tenstorrent/%u/pids", dev_index());
	f = fopen(path, "r");
	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	while (fscanf(f, "%d", &p) == 1)
		found |= p == (int)pid;
	fclose(f);
	return found;
}

static int lock_ctl(int fd, uint32_t flags, unsigned index)
{
	struct tenstorrent_lock_ctl l;

	memset(&l, 0, sizeof(l));
	l.in.output_size_bytes = sizeof(l.out);
	l.in.flags = flags;
	l.in.index = (uint8_t)index;
	if (ioctl(fd, TENSTORRENT_IOCTL_LOCK_CTL, &l))
		return -errno;
	return l.out.value;
}

static void test_killed_process_reclaimed(void **state)
{
	char listing[8192], mine[64];
	int pipefd[2], status, fd;
	struct ttsim_regs *regs;
	pid_t child;
	char c;

	(void)state;
	assert_int_equal(pipe(pipefd), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct tenstorrent_set_eventfd s = { .argsz = sizeof(s), .vector = 1 };
		struct tenstorrent_pin_pages p;
		struct tenstorrent_map_peer_bar m;
		struct tenstorrent_allocate_dma_buf_out o;
		struct ttsim_regs *r;
		void *mem;
		int cfd = kt_open();

		r = kt_map(cfd, kt_regs_offset(cfd), PAGE);
		o = kt_dma_alloc(cfd, 0, 2 * PAGE);
		kt_map(cfd, o.mapping_offset, 2 * PAGE);
		kt_dma_alloc(cfd, 1, 64 * PAGE);
		/* A live queue whose rings are this process's buffers. */
		r->queue[1].issue_base = o.physical_address;
		r->queue[1].issue_size = PAGE;
		r->queue[1].comp_base = o.physical_address + PAGE;
		r->queue[1].comp_entries = 8;
		r->queue[1].enable = 1;
		mem = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		memset(mem, 1, PAGE);
		memset(&p, 0, sizeof(p));
		p.in.output_size_bytes = sizeof(p.out);
		p.in.virtual_address = (uintptr_t)mem;
		p.in.size = PAGE;
		s.fd = eventfd(0, 0);
		memset(&m, 0, sizeof(m));
		m.in.peer_fd = (uint32_t)kt_open_other();
		m.in.peer_bar_index = 2;
		m.in.peer_bar_length = PAGE;
		if (ioctl(cfd, TENSTORRENT_IOCTL_MAP_PEER_BAR, &m) ||
		    ioctl(cfd, TENSTORRENT_IOCTL_PIN_PAGES, &p) ||
		    ioctl(cfd, TENSTORRENT_IOCTL_SET_EVENTFD, &s) ||
		    lock_ctl(cfd, TENSTORRENT_LOCK_CTL_ACQUIRE, 7) != 1)
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
	assert_non_null(strstr(strstr(listing, mine), "locks 1"));
	assert_non_null(strstr(strstr(listing, mine), "eventfds 1"));
	assert_non_null(strstr(listing, "dma_buf 0 size 8192"));
	assert_non_null(strstr(listing, "dma_buf 1 size 262144"));
	assert_non_null(strstr(listing, "pin pages 1"));
	assert_non_null(strstr(listing, "peer_bar size 4096"));
	assert_int_equal(procfs_lists(child), 1);

	assert_int_equal(kill(child, SIGKILL), 0);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status));

	debugfs_files(listing, sizeof(listing));
	assert_null(strstr(listing, mine));
	assert_null(strstr(listing, "dma_buf"));
	assert_null(strstr(listing, "pin pages"));
	assert_null(strstr(listing, "peer_bar"));
	assert_non_null(strstr(listing, "open files 0,"));
	assert_int_equal(procfs_lists(child), 0);
	/* Its lock is free, the device forgot its queue. */
	fd = kt_open();
	assert_int_equal(lock_ctl(fd, TENSTORRENT_LOCK_CTL_ACQUIRE, 7), 1);
	regs = kt_map(fd, kt_regs_offset(fd), PAGE);
	assert_int_equal(regs->queue[1].issue_base, 0);
	assert_int_equal(regs->queue[1].enable, 0);
	assert_int_equal(regs->status, TTSIM_STATUS_READY);
	munmap(regs, PAGE);
	close(fd);
}

static int reset_device(int fd, uint32_t how, uint32_t *result)
{
	struct tenstorrent_reset_device r;

	memset(&r, 0, sizeof(r));
	r.in.output_size_bytes = sizeof(r.out);
	r.in.flags = how;
	r.out.result = 99;
	if (ioctl(fd, TENSTORRENT_IOCTL_RESET_DEVICE, &r))
		return errno;
	*result = r.out.result;
	return 0;
}

static void reset_state(int fd, struct tenstorrent_reset_state *s, uint32_t flags, uint64_t gen)
{
	memset(s, 0, sizeof(*s));
	s->argsz = sizeof(*s);
	s->flags = flags;
	s->generation = gen;
	s->timeout_ms = 20000;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_RESET_STATE, s), 0);
}

static void test_reset_with_other_files(void **state)
{
	struct tenstorrent_allocate_dma_buf a;
	struct tenstorrent_allocate_dma_buf_out o;
	struct tenstorrent_get_device_caps caps;
	struct tenstorrent_reset_state s;
	struct ttsim_regs *old_regs, *regs;
	uint32_t *old_buf, result, count;
	char listing[8192];
	int holder = kt_open(), resetter = kt_open(), fresh;
	int done_efd = eventfd(0, EFD_CLOEXEC), holder_efd = eventfd(0, EFD_CLOEXEC);
	struct tenstorrent_set_eventfd e = { .argsz = sizeof(e) };
	struct pollfd pfd = { .fd = done_efd, .events = POLLIN };
	uint64_t gen, ticks;

	(void)state;
	old_regs = kt_map(holder, kt_regs_offset(holder), PAGE);
	o = kt_dma_alloc(holder, 4, PAGE);
	old_buf = kt_map(holder, o.mapping_offset, PAGE);
	old_buf[0] = 42;
	assert_int_equal(lock_ctl(holder, TENSTORRENT_LOCK_CTL_ACQUIRE, 3), 1);
	count = old_regs->reset_count;
	/* The device says a reset is done on its control vector. */
	e.vector = TTSIM_CTRL_VECTOR;
	e.fd = done_efd;
	assert_int_equal(kt_ioctl(resetter, TENSTORRENT_IOCTL_SET_EVENTFD, &e), 0);
	e.vector = 0;
	e.fd = holder_efd;
	assert_int_equal(kt_ioctl(holder, TENSTORRENT_IOCTL_SET_EVENTFD, &e), 0);
	reset_state(resetter, &s, 0, 0);
	gen = s.generation;
	assert_int_equal(s.state, TENSTORRENT_STATE_READY);

	assert_int_equal(reset_device(resetter, TENSTORRENT_RESET_DEVICE_ASIC_RESET, &result), 0);
	assert_int_equal(result, 0);
	/* Until POST_RESET: even the resetting file may only ask. */
	memset(&a, 0, sizeof(a));
	a.in.requested_size = PAGE;
	assert_int_equal(kt_ioctl(resetter, TENSTORRENT_IOCTL_ALLOCATE_DMA_BUF, &a), ENODEV);
	reset_state(resetter, &s, TENSTORRENT_RESET_STATE_WAIT, gen);
	assert_int_equal(poll(&pfd, 1, 20000), 1);
	assert_int_equal(read(done_efd, &ticks, sizeof(ticks)), sizeof(ticks));
	assert_true(ticks >= 1);
	assert_int_equal(s.generation, gen + 1);
	assert_int_equal(s.fd_generation, gen + 1);
	assert_int_equal(reset_device(resetter, TENSTORRENT_RESET_DEVICE_POST_RESET, &result), 0);
	assert_int_equal(result, 0);
	reset_state(resetter, &s, 0, 0);
	assert_int_equal(s.state, TENSTORRENT_STATE_READY);
	assert_int_equal(kt_ioctl(resetter, TENSTORRENT_IOCTL_ALLOCATE_DMA_BUF, &a), 0);

	/* The holder is stale: ENODEV, its mappings SIGBUS, its buffers gone. */
	kt_caps(holder, &caps);
	assert_int_equal(caps.reset_generation, gen + 1);
	assert_int_equal(caps.fd_generation, gen);
	memset(&a, 0, sizeof(a));
	a.in.requested_size = PAGE;
	a.in.buf_index = 9;
	assert_int_equal(kt_ioctl(holder, TENSTORRENT_IOCTL_ALLOCATE_DMA_BUF, &a), ENODEV);
	assert_int_equal(reset_device(holder, TENSTORRENT_RESET_DEVICE_ASIC_RESET, &result), ENODEV);
	assert_int_equal(lock_ctl(holder, TENSTORRENT_LOCK_CTL_RELEASE, 3), -ENODEV);
	assert_true(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, holder,
			 (off_t)kt_regs_offset(resetter)) == MAP_FAILED);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(kt_faults(&old_regs->magic), 1);
	assert_int_equal(kt_faults(old_buf), 1);
	debugfs_files(listing, sizeof(listing));
	assert_non_null(strstr(listing, "(stale) locks 1 tlbs 0 eventfds 0"));
	assert_null(strstr(listing, "dma_buf 4 "));

	/* A new file works; the device did reset; the stale file's lock holds until it closes. */
	fresh = kt_open();
	regs = kt_map(fresh, kt_regs_offset(fresh), PAGE);
	assert_int_equal(regs->magic, TTSIM_MAGIC);
	assert_true(regs->reset_count > count);
	assert_int_equal(regs->status, TTSIM_STATUS_READY);
	assert_int_equal(lock_ctl(fresh, TENSTORRENT_LOCK_CTL_TEST, 3), 2);
	/* The file is released when its last mapping and descriptor are gone. */
	munmap(old_regs, PAGE);
	munmap(old_buf, PAGE);
	close(holder);
	assert_int_equal(lock_ctl(fresh, TENSTORRENT_LOCK_CTL_TEST, 3), 0);
	munmap(regs, PAGE);
	close(fresh);
	close(resetter);
	close(done_efd);
	close(holder_efd);
}

/* The PCI address of this test's device (what unbind and drivers_probe take). */
static void device_bdf(char *bdf, size_t len)
{
	char path[128], link[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/tenstorrent/tenstorrent!%u/device", dev_index());
	n = readlink(path, link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = '\0';
	snprintf(bdf, len, "%s", strrchr(link, '/') + 1);
}

static void write_sysfs(const char *path, const char *value)
{
	FILE *f = fopen(path, "w");

	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	assert_true(fputs(value, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static void test_remove_with_open_file(void **state)
{
	char bdf[64], node[64];
	struct tenstorrent_get_device_info info;
	struct ttsim_regs *regs;
	uint32_t *buf;
	int fd = kt_open();

	(void)state;
	device_bdf(bdf, sizeof(bdf));
	regs = kt_map(fd, kt_regs_offset(fd), PAGE);
	buf = kt_map(fd, kt_dma_alloc(fd, 0, PAGE).mapping_offset, PAGE);

	write_sysfs("/sys/bus/pci/drivers/tenstorrent/unbind", bdf);
	assert_int_equal(access(kt_path(), F_OK), -1);
	memset(&info, 0, sizeof(info));
	info.in.output_size_bytes = sizeof(info.out);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_DEVICE_INFO, &info), ENODEV);
	assert_int_equal(kt_faults(&regs->magic), 1);
	assert_int_equal(kt_faults(buf), 1);
	munmap(regs, PAGE);
	munmap(buf, PAGE);
	close(fd);

	/* Bound again, it comes back under the same name. */
	write_sysfs("/sys/bus/pci/drivers_probe", bdf);
	snprintf(node, sizeof(node), "%s", kt_path());
	fd = kt_open();
	regs = kt_map(fd, kt_regs_offset(fd), PAGE);
	assert_int_equal(regs->magic, TTSIM_MAGIC);
	munmap(regs, PAGE);
	close(fd);
}

/*
 * The register page is memory: anything can write over it. An ioctl whose
 * argument lies there asked the module to clear output_size_bytes (then
 * the magic, 0x4d535454) bytes after it: refused now, as any output area
 * beyond a page, and the page is left alone. A user that writes over the
 * identity itself gets it put back by the device, which binds again.
 */
static void test_register_page_overwritten(void **state)
{
	char bdf[64];
	struct ttsim_regs *regs;
	int fd = kt_open();

	(void)state;
	device_bdf(bdf, sizeof(bdf));
	regs = kt_map(fd, kt_regs_offset(fd), PAGE);
	regs->queue[1].reserved[4] = 0xdeadbeef;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_DEVICE_INFO, regs), EINVAL);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_DRIVER_INFO, regs), EINVAL);
	assert_int_equal(regs->queue[1].reserved[4], 0xdeadbeef);
	assert_int_equal(regs->version, TTSIM_VERSION);
	regs->queue[1].reserved[4] = 0;

	/* Wiped by hand, then unbound and bound again. */
	memset((uint8_t *)regs + 4, 0, 0x30);
	munmap(regs, PAGE);
	close(fd);
	write_sysfs("/sys/bus/pci/drivers/tenstorrent/unbind", bdf);
	write_sysfs("/sys/bus/pci/drivers_probe", bdf);
	fd = kt_open();
	regs = kt_map(fd, kt_regs_offset(fd), PAGE);
	assert_int_equal(regs->magic, TTSIM_MAGIC);
	assert_int_equal(regs->version, TTSIM_VERSION);
	assert_true(regs->grid_x > 0);
	munmap(regs, PAGE);
	close(fd);
}

/*
 * Status wiped between a reset and POST_RESET: the device puts it back
 * (it wrote status only at a reset's start and end, so POST_RESET waited
 * 10 s for a READY that never came, and failed).
 */
static void test_status_wiped(void **state)
{
	int fd = kt_open();
	struct ttsim_regs *regs = kt_map(fd, kt_regs_offset(fd), PAGE);
	uint32_t result, count = regs->reset_count;

	(void)state;
	assert_int_equal(reset_device(fd, TENSTORRENT_RESET_DEVICE_ASIC_RESET, &result), 0);
	assert_int_equal(result, 0);
	while (__atomic_load_n(&regs->reset_count, __ATOMIC_ACQUIRE) == count)
		usleep(1000);
	usleep(50 * 1000);
	regs->status = 0;
	assert_int_equal(reset_device(fd, TENSTORRENT_RESET_DEVICE_POST_RESET, &result), 0);
	assert_int_equal(result, 0);
	assert_int_equal(regs->status, TTSIM_STATUS_READY);
	munmap(regs, PAGE);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_killed_process_reclaimed),
		cmocka_unit_test(test_reset_with_other_files),
		cmocka_unit_test(test_remove_with_open_file),
		cmocka_unit_test(test_status_wiped),
		cmocka_unit_test(test_register_page_overwritten),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
