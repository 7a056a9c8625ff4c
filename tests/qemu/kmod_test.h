/* SPDX-License-Identifier: MIT */
/* Helpers of the guest tests: the device file, guard pages, errno checks. */
#ifndef KMOD_TEST_H
#define KMOD_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "tenstorrent.h"
#include "ttsim.h"

#define PAGE 4096u

/* The device this test runs against (the harness sets TT_DEVICE). */
static inline const char *kt_path(void)
{
	const char *p = getenv("TT_DEVICE");

	return p && *p ? p : "/dev/tenstorrent/0";
}

static inline int kt_open(void)
{
	int fd = open(kt_path(), O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fail_msg("open %s: %s", kt_path(), strerror(errno));
	return fd;
}

/* ioctl's errno, or 0 on success. */
static inline int kt_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

/* Another model device than this test's (the harness gives several), opened; -1 if none. */
static inline int kt_open_other(void)
{
	char path[64];
	unsigned i;
	int other = -1;

	for (i = 0; i < 8 && other < 0; i++) {
		snprintf(path, sizeof(path), "/dev/tenstorrent/%u", i);
		if (strcmp(path, kt_path()))
			other = open(path, O_RDWR | O_CLOEXEC);
	}
	return other;
}

/*
 * Two pages, the second PROT_NONE: kt_guard_end(g, n) is n bytes that end
 * where the guard page begins.
 */
static inline void *kt_guard_alloc(void)
{
	uint8_t *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	assert_int_equal(mprotect(p + PAGE, PAGE, PROT_NONE), 0);
	return p;
}

static inline void *kt_guard_end(void *g, size_t n)
{
	return (uint8_t *)g + PAGE - n;
}

static inline void kt_guard_free(void *g)
{
	munmap(g, 2 * PAGE);
}

static inline void kt_caps(int fd, struct tenstorrent_get_device_caps *c)
{
	memset(c, 0, sizeof(*c));
	c->argsz = sizeof(*c);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_DEVICE_CAPS, c), 0);
}

/* mmap offset of the model's register page. */
static inline uint64_t kt_regs_offset(int fd)
{
	struct tenstorrent_get_device_caps c;

	kt_caps(fd, &c);
	assert_int_equal(c.regs_mapping_id, TENSTORRENT_MAPPING_RESOURCE1_UC);
	return ((uint64_t)(c.regs_mapping_id - 1) << TENSTORRENT_MMAP_BAR_SHIFT) + c.regs_offset;
}

/* Allocate DMA buffer idx of size bytes; returns its out struct. */
static inline struct tenstorrent_allocate_dma_buf_out kt_dma_alloc(int fd, unsigned idx,
								   uint32_t size)
{
	struct tenstorrent_allocate_dma_buf a;

	memset(&a, 0, sizeof(a));
	a.in.requested_size = size;
	a.in.buf_index = (uint8_t)idx;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_ALLOCATE_DMA_BUF, &a), 0);
	return a.out;
}

static inline void *kt_map(int fd, uint64_t off, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);

	if (p == MAP_FAILED)
		fail_msg("mmap offset 0x%llx: %s", (unsigned long long)off, strerror(errno));
	return p;
}

static sigjmp_buf kt_bus_jmp;

static inline void kt_on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(kt_bus_jmp, 1);
}

/* 1 if reading *p raises SIGBUS (a zapped or stale mapping). */
static inline int kt_faults(volatile uint32_t *p)
{
	struct sigaction sa = { .sa_handler = kt_on_sigbus }, old;
	volatile uint32_t v = 0;
	int hit;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(kt_bus_jmp, 1) == 0) {
		v = *p;
		hit = 0;
	} else {
		hit = 1;
	}
	sigaction(SIGBUS, &old, NULL);
	(void)v;
	return hit;
}

/* A line of debugfs files of device 0 containing text, or 0. */
static inline int kt_debugfs_has(const char *text)
{
	char line[512];
	FILE *f = fopen("/sys/kernel/debug/tenstorrent/0/files", "r");
	int found = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, text))
			found = 1;
	fclose(f);
	return found;
}

#endif
