// SPDX-License-Identifier: MIT
/*
 * mmap of each region of the tenstorrent module (the model's register
 * page UC and WC, DMA buffers), bad mmaps, and the device itself at work
 * through the module: command rings in DMA buffers, doorbells with
 * RING_DOORBELL, data moved by the device's DMA (host -> L1 -> host) and
 * completions delivered as interrupts on an eventfd.
 */
#include <poll.h>
#include <sys/klog.h>
#include <sys/eventfd.h>

#include "kmod_test.h"
#include "tt_core.h"

#define ISSUE_SIZE	8192u
#define COMP_ENTRIES	16u
#define DATA_SIZE	(64u << 10)

/* Entries of PAT's memtype list in the given mode; -1 without PAT. */
static int pat_entries(const char *mode)
{
	FILE *f = fopen("/sys/kernel/debug/x86/pat_memtype_list", "r");
	char line[256];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, mode))
			n++;
	fclose(f);
	return n;
}

/* The kernel log's last bytes (what a flood would change). */
static size_t klog_tail(char *buf, size_t len)
{
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, (int)len);

	assert_true(n >= 0);
	return (size_t)n;
}

static void test_regs_uc_wc(void **state)
{
	int fd = kt_open();
	uint64_t off = kt_regs_offset(fd);
	uint64_t wc_off = off + (1ull << TENSTORRENT_MMAP_BAR_SHIFT);
	struct ttsim_regs *uc = kt_map(fd, off, PAGE);
	uint32_t *wc, *uc2;
	uint64_t hb;
	int wc_before = pat_entries("write-combining");

	(void)state;
	assert_int_equal(uc->magic, TTSIM_MAGIC);
	assert_int_equal(uc->version, TTSIM_VERSION);
	/* The device is alive behind the mapping: its heartbeat moves. */
	hb = uc->heartbeat;
	usleep(100 * 1000);
	assert_true(__atomic_load_n(&uc->heartbeat, __ATOMIC_ACQUIRE) > hb);
	/* The whole 1 MiB BAR maps, and not a page more. */
	munmap(kt_map(fd, off, 1u << 20), 1u << 20);
	assert_true(mmap(NULL, 2u << 20, PROT_READ, MAP_SHARED, fd, (off_t)off) == MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	assert_true(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, (off_t)(off + (1u << 20))) ==
		    MAP_FAILED);

	/* One page is UC or WC, never both: the UC mapping holds page 0. */
	assert_true(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, (off_t)wc_off) == MAP_FAILED);
	assert_int_equal(errno, EBUSY);
	/* Page 1 WC: PAT really has it write-combining, and UC is refused there. */
	wc = kt_map(fd, wc_off + PAGE, PAGE);
	if (wc_before >= 0)
		assert_int_equal(pat_entries("write-combining"), wc_before + 1);
	wc[0] = 0x5a5a5a5a;
	assert_true(mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, (off_t)off) == MAP_FAILED);
	assert_int_equal(errno, EBUSY);
	munmap(wc, PAGE);
	if (wc_before >= 0)
		assert_int_equal(pat_entries("write-combining"), wc_before);
	/* Once the WC mapping is gone, UC maps the page and sees what WC wrote. */
	uc2 = kt_map(fd, off, 2 * PAGE);
	assert_int_equal(uc2[PAGE / 4], 0x5a5a5a5a);
	uc2[PAGE / 4] = 0;
	munmap(uc2, 2 * PAGE);
	munmap(uc, PAGE);
	close(fd);
}

/* BAR mappings are not split, and refusals never flood the kernel log. */
static void test_bar_mapping_whole(void **state)
{
	static char before[1 << 16], after[1 << 16];
	int fd = kt_open();
	uint64_t off = kt_regs_offset(fd);
	uint64_t wc_off = off + (1ull << TENSTORRENT_MMAP_BAR_SHIFT);
	uint8_t *p = kt_map(fd, off, 4 * PAGE);
	size_t nb, na;
	unsigned i;

	(void)state;
	/* Partial munmap, and mremap of a part, are refused; the mapping stays. */
	assert_int_equal(munmap(p + PAGE, PAGE), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(munmap(p + 3 * PAGE, PAGE), -1);
	assert_true(mremap(p, 4 * PAGE, 2 * PAGE, 0) == MAP_FAILED);
	assert_int_equal(((struct ttsim_regs *)p)->magic, TTSIM_MAGIC);
	assert_int_equal(p[3 * PAGE], p[3 * PAGE]);
	/* Moving it whole is fine. */
	p = mremap(p, 4 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
		   mmap(NULL, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	assert_true(p != MAP_FAILED);
	assert_int_equal(((struct ttsim_regs *)p)->magic, TTSIM_MAGIC);

	nb = klog_tail(before, sizeof(before));
	for (i = 0; i < 1000; i++) {
		assert_true(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, (off_t)wc_off) == MAP_FAILED);
		assert_int_equal(munmap(p + PAGE, PAGE), -1);
	}
	na = klog_tail(after, sizeof(after));
	assert_int_equal(na, nb);
	assert_memory_equal(after, before, na);
	munmap(p, 4 * PAGE);
	close(fd);
}

static void test_bad_mmaps(void **state)
{
	int fd = kt_open();
	uint64_t regs = kt_regs_offset(fd);
	uint64_t dma0 = (uint64_t)(PAGE - 256) << 32;

	(void)state;
	/* Private mappings of device memory make no sense. */
	assert_true(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, (off_t)regs) == MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	/* BAR0 of ivshmem is 256 bytes: it shares its page, not mappable. */
	assert_true(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	/* BAR4 does not exist; TLB windows neither. */
	assert_true(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, (off_t)(4ull << 36)) == MAP_FAILED);
	assert_true(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, (off_t)(6ull << 36)) == MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	/* A DMA buffer that was never allocated. */
	assert_true(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, (off_t)dma0) == MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	kt_dma_alloc(fd, 0, PAGE);
	/* Larger than the buffer, or past its end. */
	assert_true(mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, (off_t)dma0) == MAP_FAILED);
	assert_true(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, (off_t)(dma0 + PAGE)) == MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	close(fd);
}

static void test_dma_buffer_mapping(void **state)
{
	int fd = kt_open();
	struct tenstorrent_allocate_dma_buf_out o = kt_dma_alloc(fd, 3, 4 * PAGE);
	struct tenstorrent_free_dma_buf f;
	uint32_t *a, *b, *second, *untouched;
	unsigned i;

	(void)state;
	a = kt_map(fd, o.mapping_offset, 4 * PAGE);
	b = kt_map(fd, o.mapping_offset, 4 * PAGE);
	/* The kernel hands out zeroed memory. */
	for (i = 0; i < PAGE; i++)
		assert_int_equal(a[i], 0);
	for (i = 0; i < PAGE; i++)
		a[i] = i * 2654435761u;
	for (i = 0; i < PAGE; i++)
		assert_int_equal(b[i], i * 2654435761u);
	/* A mapping of the buffer's second page only. */
	second = kt_map(fd, o.mapping_offset + PAGE, PAGE);
	untouched = kt_map(fd, o.mapping_offset, 4 * PAGE);
	assert_int_equal(second[0], (PAGE / 4) * 2654435761u);
	/* Freed while mapped: the index is free again, the pages stay valid. */
	memset(&f, 0, sizeof(f));
	f.in.buf_index = 3;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_FREE_DMA_BUF, &f), 0);
	a[5] = 77;
	assert_int_equal(b[5], 77);
	o = kt_dma_alloc(fd, 3, PAGE);
	munmap(a, 4 * PAGE);
	/* Pages are mapped when first touched: after the free too. */
	assert_int_equal(untouched[3 * PAGE / 4 + 1], (3 * PAGE / 4 + 1) * 2654435761u);
	munmap(untouched, 4 * PAGE);
	munmap(b, 4 * PAGE);
	munmap(second, PAGE);
	close(fd);
}

/* ---- the device at work ----------------------------------------------- */
struct queue {
	int fd, efd;
	struct ttsim_regs *regs;
	uint8_t *issue;
	struct ttsim_completion *comp;
	uint8_t *src, *dst;
	uint64_t issue_dma, comp_dma, src_dma, dst_dma;
	uint32_t wptr, crptr;
	uint64_t seq;
};

static void *alloc_map(struct queue *q, unsigned idx, uint32_t size, uint64_t *dma)
{
	struct tenstorrent_allocate_dma_buf_out o = kt_dma_alloc(q->fd, idx, size);

	*dma = o.physical_address;
	return kt_map(q->fd, o.mapping_offset, size);
}

static void queue_open(struct queue *q)
{
	struct tenstorrent_set_eventfd s = { .argsz = sizeof(s), .vector = 0 };
	struct ttsim_queue_regs *qr;

	memset(q, 0, sizeof(*q));
	q->fd = kt_open();
	q->regs = kt_map(q->fd, kt_regs_offset(q->fd), PAGE);
	q->issue = alloc_map(q, 0, ISSUE_SIZE, &q->issue_dma);
	q->comp = alloc_map(q, 1, COMP_ENTRIES * sizeof(struct ttsim_completion), &q->comp_dma);
	q->src = alloc_map(q, 2, DATA_SIZE, &q->src_dma);
	q->dst = alloc_map(q, 3, DATA_SIZE, &q->dst_dma);
	q->efd = eventfd(0, EFD_CLOEXEC);
	s.fd = q->efd;
	assert_int_equal(kt_ioctl(q->fd, TENSTORRENT_IOCTL_SET_EVENTFD, &s), 0);
	/* A queue the last user left behind was forgotten by the device. */
	qr = &q->regs->queue[0];
	assert_int_equal(qr->issue_rptr, 0);
	assert_int_equal(qr->comp_wptr, 0);
	qr->issue_base = q->issue_dma;
	qr->issue_size = ISSUE_SIZE;
	qr->comp_base = q->comp_dma;
	qr->comp_entries = COMP_ENTRIES;
	qr->issue_wptr = 0;
	qr->comp_rptr = 0;
	__atomic_store_n(&qr->enable, 1, __ATOMIC_RELEASE);
}

/* Queue one record, ring, wait for the interrupt, check its completion. */
static void run_cmd(struct queue *q, void *rec, uint32_t size, uint16_t opcode)
{
	struct ttsim_cmd_hdr *h = rec;
	struct ttsim_queue_regs *qr = &q->regs->queue[0];
	struct tenstorrent_ring_doorbell d = { .argsz = sizeof(d), .vector = 0 };
	struct pollfd pfd = { .fd = q->efd, .events = POLLIN };
	struct ttsim_completion c;
	uint64_t v;

	h->opcode = opcode;
	h->size = size;
	h->seq = ++q->seq;
	memcpy(q->issue + q->wptr % ISSUE_SIZE, rec, size);
	q->wptr += size;
	__atomic_store_n(&qr->issue_wptr, q->wptr, __ATOMIC_RELEASE);
	assert_int_equal(kt_ioctl(q->fd, TENSTORRENT_IOCTL_RING_DOORBELL, &d), 0);
	/* The interrupt, and nothing but it, says the command is done. */
	assert_int_equal(poll(&pfd, 1, 20000), 1);
	assert_int_equal(read(q->efd, &v, sizeof(v)), sizeof(v));
	assert_true(v >= 1);
	assert_int_equal(__atomic_load_n(&qr->comp_wptr, __ATOMIC_ACQUIRE), q->crptr + 1);
	memcpy(&c, &q->comp[q->crptr % COMP_ENTRIES], sizeof(c));
	q->crptr++;
	qr->comp_rptr = q->crptr;
	assert_int_equal(c.seq, q->seq);
	assert_int_equal(c.opcode, opcode);
	if (c.status)
		fail_msg("command %u failed: %d %s", opcode, c.status, c.msg);
	assert_int_equal(qr->issue_rptr, q->wptr);
}

static void queue_close(struct queue *q)
{
	close(q->efd);
	close(q->fd);	/* the module frees the buffers; the mappings keep their pages */
	munmap(q->issue, ISSUE_SIZE);
	munmap(q->comp, COMP_ENTRIES * sizeof(struct ttsim_completion));
	munmap(q->src, DATA_SIZE);
	munmap(q->dst, DATA_SIZE);
	munmap(q->regs, PAGE);
}

static void test_device_dma_and_interrupts(void **state)
{
	struct ttsim_cmd_hdr nop = { 0 };
	struct ttsim_cmd_linear lin;
	struct queue q;
	unsigned i, round;

	(void)state;
	queue_open(&q);
	run_cmd(&q, &nop, sizeof(nop), TTSIM_CMD_NOP);
	for (round = 0; round < 3; round++) {
		uint32_t seed = 12345 + round;

		for (i = 0; i < DATA_SIZE; i++) {
			seed = seed * 1103515245u + 12345u;
			q.src[i] = (uint8_t)(seed >> 16);
		}
		memset(q.dst, 0, DATA_SIZE);
		/* Host buffer -> L1 of worker (1, 0) -> another host buffer. */
		memset(&lin, 0, sizeof(lin));
		lin.noc_addr = TT_NOC_ADDR(1, 0, TT_L1_FREE);
		lin.host_addr = q.src_dma;
		lin.len = DATA_SIZE;
		run_cmd(&q, &lin, sizeof(lin), TTSIM_CMD_WRITE_LINEAR);
		memset(&lin, 0, sizeof(lin));
		lin.noc_addr = TT_NOC_ADDR(1, 0, TT_L1_FREE);
		lin.host_addr = q.dst_dma;
		lin.len = DATA_SIZE;
		run_cmd(&q, &lin, sizeof(lin), TTSIM_CMD_READ_LINEAR);
		assert_memory_equal(q.dst, q.src, DATA_SIZE);
	}
	queue_close(&q);
}

/* A second process (file) finds the queue registers clean again. */
static void test_queue_forgotten_after_close(void **state)
{
	struct ttsim_cmd_hdr nop = { 0 };
	struct queue q;

	(void)state;
	queue_open(&q);
	run_cmd(&q, &nop, sizeof(nop), TTSIM_CMD_NOP);
	queue_close(&q);
}

/* A command the device rejects comes back with its error; the queue goes on. */
static void test_device_reports_bad_address(void **state)
{
	struct ttsim_cmd_linear lin;
	struct ttsim_cmd_hdr nop = { 0 };
	struct ttsim_queue_regs *qr;
	struct pollfd pfd;
	struct ttsim_completion c;
	struct tenstorrent_ring_doorbell d = { .argsz = sizeof(d), .vector = 0 };
	struct queue q;
	uint64_t v;

	(void)state;
	queue_open(&q);
	qr = &q.regs->queue[0];
	memset(&lin, 0, sizeof(lin));
	lin.hdr.opcode = TTSIM_CMD_WRITE_LINEAR;
	lin.hdr.size = sizeof(lin);
	lin.hdr.seq = ++q.seq;
	lin.noc_addr = TT_NOC_ADDR(1, 0, TT_L1_FREE);
	lin.host_addr = 1ull << 40;	/* beyond guest RAM */
	lin.len = 64;
	memcpy(q.issue, &lin, sizeof(lin));
	q.wptr = sizeof(lin);
	__atomic_store_n(&qr->issue_wptr, q.wptr, __ATOMIC_RELEASE);
	assert_int_equal(kt_ioctl(q.fd, TENSTORRENT_IOCTL_RING_DOORBELL, &d), 0);
	pfd.fd = q.efd;
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 20000), 1);
	assert_int_equal(read(q.efd, &v, sizeof(v)), sizeof(v));
	memcpy(&c, &q.comp[0], sizeof(c));
	q.crptr = 1;
	qr->comp_rptr = 1;
	assert_int_equal(c.seq, 1);
	assert_true(c.status < 0);
	assert_true(c.msg[0] != '\0');
	run_cmd(&q, &nop, sizeof(nop), TTSIM_CMD_NOP);
	queue_close(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regs_uc_wc),
		cmocka_unit_test(test_bar_mapping_whole),
		cmocka_unit_test(test_bad_mmaps),
		cmocka_unit_test(test_dma_buffer_mapping),
		cmocka_unit_test(test_device_dma_and_interrupts),
		cmocka_unit_test(test_queue_forgotten_after_close),
		cmocka_unit_test(test_device_reports_bad_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
