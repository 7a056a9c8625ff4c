// SPDX-License-Identifier: MIT
/*
 * The module under faults: processes killed at random moments while they
 * hold every kind of resource or wait in the kernel; resets racing mmap,
 * fault-in and every ioctl on other files; many processes and threads on
 * the same and on different files; the device unbound under load with
 * files, mappings and blocked waiters, and bound again; rmmod with files
 * open; a reset the device does not finish; requests far too large; BAR
 * mappings unmapped in pieces and mapped UC and WC at once; the register
 * page given as an ioctl's output.
 *
 * After each test nothing of it is left: debugfs lists no file, procfs no
 * process, and the kernel logged no warning. Lines starting with "@@FAULT"
 * say what each test did (the harness shows them).
 *
 * test_kmod_fault [--scale X]: X (default 1) scales the time the load
 * tests run.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kmod_test.h"
#include "kmod_attack.h"

/* ---- shared between the test and its children ------------------------------ */
struct shared {
	atomic_uint errors;
	atomic_uint stop;
	atomic_ullong ops, mmaps, resets, stale_checks, survivors;
	atomic_uint ready, gone;
	atomic_int result[16];		/* a waiter's errno, -1 while it waits */
	atomic_ullong returned_ns[16];	/* when it came back */
	char error[512];
};

static struct shared *sh;
static unsigned dev_idx;
static int kmsg = -1;
static double scale = 1;

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A child's (or thread's) finding: the first one is kept for the test to show. */
static void report(const char *fmt, ...)
{
	va_list ap;

	if (atomic_fetch_add(&sh->errors, 1) == 0) {
		va_start(ap, fmt);
		vsnprintf(sh->error, sizeof(sh->error), fmt, ap);
		va_end(ap);
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* open() in a child: no cmocka there (a failed assert would run the rest of the tests). */
static int child_open(void)
{
	int fd = open(kt_path(), O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		report("child: open %s: %s", kt_path(), strerror(errno));
		_exit(3);
	}
	return fd;
}

static void shared_reset(void)
{
	unsigned i;

	memset(sh, 0, sizeof(*sh));
	for (i = 0; i < 16; i++)
		atomic_store(&sh->result[i], -1);
}

static void assert_no_child_errors(void)
{
	if (atomic_load(&sh->errors))
		fail_msg("%u problem(s) in children, the first: %s", atomic_load(&sh->errors),
			 sh->error);
}

/* Nothing left of the test, and nothing in the kernel log. */
static void assert_clean(void)
{
	char why[1024];
	int bad;

	if (ka_idle(dev_idx, 3000, why, sizeof(why)))
		fail_msg("%s", why);
	bad = ka_kmsg_scan(kmsg, stdout, "@@FAULT ", 8);
	if (bad > 0)
		fail_msg("%d warning lines in the kernel log", bad);
}

static int setup(void **state)
{
	(void)state;
	shared_reset();
	ka_kmsg_scan(kmsg, NULL, "", 0);
	return 0;
}

/* Waits for pid up to ms; kills it after that. 1 if it ended by itself. */
static int wait_bounded(pid_t pid, int *status, unsigned ms)
{
	double end = ka_now() + ms / 1000.0;

	while (waitpid(pid, status, WNOHANG) == 0) {
		if (ka_now() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			return 0;
		}
		ka_sleep_ms(2);
	}
	return 1;
}

/* ---- random numbers per process and thread ------------------------------ */
static uint64_t next_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static unsigned rand_below(uint64_t *s, unsigned n)
{
	return n ? (unsigned)(next_rand(s) % n) : 0;
}

/* ---- a mixed ioctl and mmap load on one file ---------------------------------- */
#define LOAD_BUFS 4
#define LOAD_MAPS 6

struct load {
	int fd;
	uint64_t rng;
	unsigned dma_base;		/* buffer indices [dma_base, dma_base + LOAD_BUFS) */
	unsigned lock;			/* the lock index of this load */
	bool buf[LOAD_BUFS];
	uint64_t buf_off[LOAD_BUFS];
	uint32_t buf_size[LOAD_BUFS];
	volatile uint32_t *map[LOAD_MAPS];
	size_t map_len[LOAD_MAPS];
	uint32_t map_val[LOAD_MAPS];
	uint8_t *pin_page;
	bool own_pin_page, pinned;
	int efd;
	const char *op;			/* the last operation, for messages */
	uint64_t ops, mmaps;
};

/* pin_page: a page of its own to pin (NULL: a new one). */
static void load_init(struct load *l, int fd, uint64_t seed, unsigned dma_base, unsigned lock,
		      uint8_t *pin_page)
{
	memset(l, 0, sizeof(*l));
	l->fd = fd;
	l->rng = seed | 1;
	l->dma_base = dma_base;
	l->lock = lock;
	l->own_pin_page = !pin_page;
	l->pin_page = pin_page ? pin_page :
		mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	l->pin_page[0] = 1;
	l->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

/* The file went away (stale, or closed): forget what it held, keep the mappings. */
static void load_forget(struct load *l)
{
	memset(l->buf, 0, sizeof(l->buf));
	l->pinned = false;
}

static void load_unmap_all(struct load *l)
{
	unsigned i;

	for (i = 0; i < LOAD_MAPS; i++)
		if (l->map[i]) {
			munmap((void *)l->map[i], l->map_len[i]);
			l->map[i] = NULL;
		}
}

static void load_fini(struct load *l)
{
	load_unmap_all(l);
	if (l->own_pin_page)
		munmap(l->pin_page, PAGE);
	close(l->efd);
}

/*
 * Every mapping of a stale file must raise SIGBUS now. Returns how many
 * did not (and reports them).
 */
static unsigned load_check_stale(struct load *l)
{
	unsigned i, bad = 0;
	uint32_t seen;
	int sig;

	for (i = 0; i < LOAD_MAPS; i++) {
		if (!l->map[i])
			continue;
		atomic_fetch_add(&sh->stale_checks, 1);
		sig = ka_probe(l->map[i], false, 0, &seen);
		if (sig == SIGBUS)
			continue;
		bad++;
		atomic_fetch_add(&sh->survivors, 1);
		report("a mapping of a stale file %s (read 0x%08x, wrote 0x%08x)",
		       sig ? strsignal(sig) : "is still readable", seen, l->map_val[i]);
	}
	return bad;
}

/* A fresh mapping of a DMA buffer, written and read back at once (fault-in). */
static int load_mmap(struct load *l)
{
	unsigned b = rand_below(&l->rng, LOAD_BUFS), m = rand_below(&l->rng, LOAD_MAPS);
	uint32_t val = (uint32_t)next_rand(&l->rng), seen = 0;
	size_t len;
	void *p;
	int sig;

	l->op = "mmap";
	if (!l->buf[b])
		return 0;
	if (l->map[m]) {
		munmap((void *)l->map[m], l->map_len[m]);
		l->map[m] = NULL;
	}
	len = l->buf_size[b];
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, l->fd, (off_t)l->buf_off[b]);
	if (p == MAP_FAILED)
		return errno;
	l->mmaps++;
	atomic_fetch_add(&sh->mmaps, 1);
	l->map[m] = p;
	l->map_len[m] = len;
	l->map_val[m] = val;
	l->op = "touch a fresh mapping";
	sig = ka_probe(l->map[m], true, val, NULL);
	if (!sig)
		sig = ka_probe(l->map[m], false, 0, &seen);
	if (sig)
		return sig == SIGBUS ? EFAULT : EINTR;	/* the caller sees whether it is stale */
	if (seen != val)
		report("a fresh DMA mapping read 0x%08x after 0x%08x was written", seen, val);
	return 0;
}

/* One operation of the load; its errno (0 if it worked). */
static int load_op(struct load *l)
{
	unsigned what = rand_below(&l->rng, 18), b = rand_below(&l->rng, LOAD_BUFS);
	int err = 0;

	l->ops++;
	atomic_fetch_add(&sh->ops, 1);
	switch (what) {
	case 0: {
		struct tenstorrent_get_device_info d;

		l->op = "GET_DEVICE_INFO";
		memset(&d, 0, sizeof(d));
		d.in.output_size_bytes = sizeof(d.out);
		err = ka_ioctl(l->fd, TENSTORRENT_IOCTL_GET_DEVICE_INFO, &d);
		if (!err && d.out.vendor_id != 0x1af4)
			report("GET_DEVICE_INFO: vendor 0x%x", d.out.vendor_id);
		break;
	}
	case 1: {
		struct tenstorrent_get_harvesting h;

		l->op = "GET_HARVESTING";
		memset(&h, 0, sizeof(h));
		h.in.output_size_bytes = sizeof(h.out);
		err = ka_ioctl(l->fd, TENSTORRENT_IOCTL_GET_HARVESTING, &h);
		break;
	}
	case 2: {
		struct {
			struct tenstorrent_query_mappings q;
			struct tenstorrent_mapping m[6];
		} q;

		l->op = "QUERY_MAPPINGS";
		memset(&q, 0, sizeof(q));
		q.q.in.output_mapping_count = 6;
		err = ka_ioctl(l->fd, TENSTORRENT_IOCTL_QUERY_MAPPINGS, &q);
		break;
	}
	case 3: {
		struct tenstorrent_get_driver_info d;

		l->op = "GET_DRIVER_INFO";
		memset(&d, 0, sizeof(d));
		d.in.output_size_bytes = sizeof(d.out);
		err = ka_ioctl(l->fd, TENSTORRENT_IOCTL_GET_DRIVER_INFO, &d);
		break;
	}
	case 4:
	case 5: {
		struct tenstorrent_allocate_dma_buf_out o;

		if (l->buf[b]) {
			l->op = "FREE_DMA_BUF";
			err = ka_dma_free(l->fd, l->dma_base + b);
			if (!err)
				l->buf[b] = false;
			break;
		}
		l->op = "ALLOCATE_DMA_BUF";
		l->buf_size[b] = (rand_below(&l->rng, 8) + 1) * PAGE;
		err = ka_dma_alloc(l->fd, l->dma_base + b, l->buf_size[b], &o);
		if (!err) {
			l->buf[b] = true;
			l->buf_off[b] = o.mapping_offset;
		}
		break;
	}
	case 6:
	case 7:
	case 8:
		err = load_mmap(l);
		break;
	case 9: {
		unsigned m = rand_below(&l->rng, LOAD_MAPS);

		l->op = "touch";
		if (l->map[m] && ka_probe(l->map[m], false, 0, NULL))
			err = EFAULT;
		break;
	}
	case 10: {
		struct tenstorrent_pin_pages p;
		struct tenstorrent_unpin_pages u;

		if (l->pinned) {
			l->op = "UNPIN_PAGES";
			memset(&u, 0, sizeof(u));
			u.in.virtual_address = (uintptr_t)l->pin_page;
			u.in.size = PAGE;
			err = ka_ioctl(l->fd, TENSTORRENT_IOCTL_UNPIN_PAGES, &u);
			if (!err)
				l->pinned = false;
			break;
		}
		l->op = "PIN_PAGES";
		memset(&p, 0, sizeof(p));
		p.in.output_size_bytes = sizeof(p.out);
		p.in.virtual_address = (uintptr_t)l->pin_page;
		p.in.size = PAGE;
		err = ka_ioctl(l->fd, TENSTORRENT_IOCTL_PIN_PAGES, &p);
		if (!err)
			l->pinned = true;
		break;
	}
	case 11: {
		int v;

		l->op = "LOCK_CTL";
		v = ka_lock(l->fd, rand_below(&l->rng, 2) ? TENSTORRENT_LOCK_CTL_ACQUIRE :
			    TENSTORRENT_LOCK_CTL_RELEASE, l->lock);
		if (v >= 0)
			v = ka_lock(l->fd, TENSTORRENT_LOCK_CTL_TEST, rand_below(&l->rng, 64));
		err = v < 0 ? -v : 0;
		break;
	}
	case 12: {
		struct tenstorrent_get_device_caps c;

		l->op = "GET_DEVICE_CAPS";
		err = ka_caps(l->fd, &c);
		break;
	}
	case 13: {
		struct tenstorrent_set_eventfd e = { .argsz = sizeof(e) };

		l->op = "SET_EVENTFD";
		e.vector = rand_below(&l->rng, TTSIM_NUM_VECTORS);
		e.fd = rand_below(&l->rng, 2) ? l->efd : -1;
		err = ka_ioctl(l->fd, TENSTORRENT_IOCTL_SET_EVENTFD, &e);
		break;
	}
	case 14: {
		struct tenstorrent_reset_state s;

		l->op = "RESET_STATE";
		err = ka_reset_state(l->fd, 0, 0, 0, &s);
		break;
	}
	case 15: {
		struct tenstorrent_ring_doorbell d = { .argsz = sizeof(d) };

		l->op = "RING_DOORBELL";
		d.vector = rand_below(&l->rng, TTSIM_MAX_QUEUES);
		err = ka_ioctl(l->fd, TENSTORRENT_IOCTL_RING_DOORBELL, &d);
		break;
	}
	case 16: {
		struct tenstorrent_power_state p = { .argsz = sizeof(p) };

		l->op = "SET_POWER_STATE";
		p.validity = TT_POWER_VALIDITY(4, 1);
		p.power_flags = (uint16_t)rand_below(&l->rng, 16);
		err = ka_ioctl(l->fd, TENSTORRENT_IOCTL_SET_POWER_STATE, &p);
		break;
	}
	default: {
		struct ttsim_regs *r;

		/* The register page, read-only. */
		l->op = "mmap registers";
		r = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, l->fd, (off_t)ka_regs_offset());
		if (r == MAP_FAILED) {
			err = errno;
			break;
		}
		if (ka_probe(&r->magic, false, 0, NULL))
			err = EFAULT;
		munmap(r, PAGE);
		break;
	}
	}
	return err;
}

/* ---- the tests ---------------------------------------------------------- */
static void test_tlb_refused(void **state)
{
	struct tenstorrent_allocate_tlb a;
	struct tenstorrent_free_tlb f;
	struct tenstorrent_configure_tlb c;
	struct tenstorrent_get_device_caps caps;
	int fd = kt_open();

	(void)state;
	ka_fault_handlers();
	kt_caps(fd, &caps);
	assert_int_equal(caps.caps & TENSTORRENT_CAP_TLBS, 0);
	memset(&a, 0, sizeof(a));
	a.in.size = 1u << 20;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_ALLOCATE_TLB, &a), EOPNOTSUPP);
	memset(&f, 0, sizeof(f));
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_FREE_TLB, &f), EOPNOTSUPP);
	memset(&c, 0, sizeof(c));
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_CONFIGURE_TLB, &c), EOPNOTSUPP);
	assert_true(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, (off_t)TENSTORRENT_MMAP_TLB_UC) ==
		    MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	close(fd);
	assert_clean();
}

/*
 * What a child of the kill test takes, in a random order; then it waits
 * (pause, RESET_STATE with WAIT, or LOCK_CTL blocking on the test's lock).
 */
#define HELD_LOCK 63

static void *wait_reset_thread(void *arg)
{
	struct tenstorrent_reset_state s;
	int fd = *(int *)arg;

	ka_reset_state(fd, 0, 0, 0, &s);
	ka_reset_state(fd, TENSTORRENT_RESET_STATE_WAIT, s.generation, 0, &s);
	return NULL;
}

static void holder_child(unsigned slot, uint64_t seed)
{
	uint64_t rng = seed | 1;
	struct tenstorrent_allocate_dma_buf_out o;
	struct tenstorrent_allocate_tlb tlb;
	int fd = child_open(), fd2 = child_open(), err;
	unsigned steps = 8, i;
	pthread_t t;

	ka_fault_handlers();
	for (i = 0; i < steps; i++) {
		switch (rand_below(&rng, 8)) {
		case 0: {
			uint32_t size = (rand_below(&rng, 16) + 1) * PAGE;
			volatile uint32_t *p;

			err = ka_dma_alloc(fd, i, size, &o);
			if (err) {
				report("holder: ALLOCATE_DMA_BUF: %s", strerror(err));
				break;
			}
			p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
				 (off_t)o.mapping_offset);
			if (p == MAP_FAILED) {
				report("holder: mmap: %s", strerror(errno));
				break;
			}
			p[0] = slot;
			p[size / 4 - 1] = i;
			break;
		}
		case 1: {
			struct tenstorrent_pin_pages p;
			uint8_t *mem = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
					    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			mem[0] = 1;
			memset(&p, 0, sizeof(p));
			p.in.output_size_bytes = sizeof(p.out);
			p.in.virtual_address = (uintptr_t)mem;
			p.in.size = PAGE;
			err = ka_ioctl(fd2, TENSTORRENT_IOCTL_PIN_PAGES, &p);
			if (err)
				report("holder: PIN_PAGES: %s", strerror(err));
			break;
		}
		case 2: {
			const volatile struct ttsim_regs *r;

			r = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, (off_t)ka_regs_offset());
			if (r == MAP_FAILED || r->magic != TTSIM_MAGIC)
				report("holder: register page: %s", strerror(errno));
			break;
		}
		case 3:
			memset(&tlb, 0, sizeof(tlb));
			tlb.in.size = 1u << 20;
			err = ka_ioctl(fd, TENSTORRENT_IOCTL_ALLOCATE_TLB, &tlb);
			if (err != EOPNOTSUPP)
				report("holder: ALLOCATE_TLB on the model: %s", strerror(err));
			break;
		case 4:
			err = ka_lock(fd2, TENSTORRENT_LOCK_CTL_ACQUIRE, slot * 4 + i % 4);
			if (err < 0)
				report("holder: LOCK_CTL: %s", strerror(-err));
			break;
		case 5: {
			struct tenstorrent_set_eventfd e = { .argsz = sizeof(e) };

			e.vector = rand_below(&rng, TTSIM_NUM_VECTORS);
			e.fd = eventfd(0, 0);
			err = ka_ioctl(rand_below(&rng, 2) ? fd : fd2, TENSTORRENT_IOCTL_SET_EVENTFD, &e);
			if (err)
				report("holder: SET_EVENTFD: %s", strerror(err));
			break;
		}
		case 6:
			/* A thread that waits for a reset that never comes. */
			pthread_create(&t, NULL, wait_reset_thread, &fd2);
			break;
		default:
			ka_sleep_ms(rand_below(&rng, 5));
			break;
		}
	}
	atomic_fetch_add(&sh->ready, 1);
	switch (rand_below(&rng, 3)) {
	case 0:
		for (;;)
			pause();
	case 1: {
		struct tenstorrent_reset_state s;

		ka_reset_state(fd, 0, 0, 0, &s);
		ka_reset_state(fd, TENSTORRENT_RESET_STATE_WAIT, s.generation, 0, &s);
		report("holder: RESET_STATE wait came back");
		break;
	}
	default:
		/* The parent holds this lock: blocks until killed. */
		err = ka_lock(fd, TENSTORRENT_LOCK_CTL_ACQUIRE_BLOCKING, HELD_LOCK);
		report("holder: LOCK_CTL blocking came back: %d", err);
		break;
	}
	_exit(0);
}

static void test_kill_holders(void **state)
{
	unsigned rounds = (unsigned)(12 * scale) + 1, round, i, killed = 0, early = 0;
	const unsigned per_round = 3;
	uint64_t rng = (uint64_t)time(NULL) * 2654435761u | 1;
	int fd = kt_open(), status, v;
	pid_t pids[3];

	(void)state;
	ka_fault_handlers();
	assert_int_equal(ka_lock(fd, TENSTORRENT_LOCK_CTL_ACQUIRE, HELD_LOCK), 1);
	for (round = 0; round < rounds; round++) {
		atomic_store(&sh->ready, 0);
		for (i = 0; i < per_round; i++) {
			uint64_t seed = next_rand(&rng);

			fflush(stdout);
			pids[i] = fork();
			assert_true(pids[i] >= 0);
			if (pids[i] == 0)
				holder_child(i, seed);
		}
		/* Some are still taking, most are holding or waiting. */
		ka_sleep_ms(rand_below(&rng, 60));
		if (atomic_load(&sh->ready) < per_round)
			early++;
		for (i = 0; i < per_round; i++) {
			kill(pids[i], SIGKILL);
			assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
			killed++;
			if (!WIFSIGNALED(status))
				fail_msg("a holder exited by itself (status 0x%x): %s", status,
					 sh->error);
		}
		for (i = 0; i < per_round; i++)
			if (ka_pid_holds(dev_idx, pids[i]))
				fail_msg("killed process %d still holds the device", (int)pids[i]);
	}
	assert_no_child_errors();
	/* Their locks are free, ours is still ours. */
	for (i = 0; i < TENSTORRENT_RESOURCE_LOCK_COUNT; i++) {
		v = ka_lock(fd, TENSTORRENT_LOCK_CTL_TEST, i);
		assert_int_equal(v, i == HELD_LOCK ? 3 : 0);
	}
	close(fd);
	assert_clean();
	printf("@@FAULT kill: %u holders killed (%u rounds, %u while still taking), none left behind\n",
	       killed, rounds, early);
}

/* ---- resets racing everything else -------------------------------------------- */
static void reset_loop(double seconds, uint64_t seed)
{
	uint64_t rng = seed | 1;
	double end = ka_now() + seconds;
	char why[256];
	int fd = child_open();

	while (ka_now() < end && !atomic_load(&sh->stop)) {
		if (ka_reset_cycle(fd, 20000, why, sizeof(why))) {
			report("reset: %s", why);
			break;
		}
		atomic_fetch_add(&sh->resets, 1);
		ka_sleep_ms(rand_below(&rng, 30));
	}
	close(fd);
	_exit(0);
}

/*
 * A worker on its own file: the mixed load; on ENODEV it learns whether
 * its file is stale, and if so checks that each mapping faults and reopens.
 */
static void race_worker(unsigned n, double seconds, uint64_t seed)
{
	double end = ka_now() + seconds;
	struct load l;
	int err, stale;

	ka_fault_handlers();
	load_init(&l, child_open(), seed, 8 * n, 8 + n, NULL);
	while (ka_now() < end) {
		err = load_op(&l);
		if (!err)
			continue;
		stale = ka_stale(l.fd);
		if (stale < 0) {
			report("worker %u: GET_DEVICE_CAPS: %s", n, strerror(-stale));
			break;
		}
		if (stale) {
			load_check_stale(&l);
			load_unmap_all(&l);
			load_forget(&l);
			close(l.fd);
			l.fd = child_open();
			continue;
		}
		/* Not stale: only a reset under way excuses an error. */
		if (err == ENODEV || (err == EAGAIN && !strncmp(l.op, "mmap", 4)))
			continue;
		report("worker %u: %s: %s", n, l.op, strerror(err));
	}
	load_fini(&l);
	close(l.fd);
	_exit(0);
}

static void test_reset_races(void **state)
{
	double seconds = 6 * scale;
	uint64_t seed = (uint64_t)time(NULL) | 1;
	const unsigned workers = 3;
	pid_t pids[4];
	unsigned i;
	int status;

	(void)state;
	ka_fault_handlers();
	for (i = 0; i <= workers; i++) {
		fflush(stdout);
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			if (i == workers)
				reset_loop(seconds, seed + i);
			race_worker(i, seconds, seed + i);
		}
	}
	for (i = 0; i <= workers; i++) {
		if (!wait_bounded(pids[i], &status, (unsigned)(seconds * 1000) + 30000))
			fail_msg("process %u did not finish", i);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fail_msg("process %u ended with status 0x%x", i, status);
	}
	printf("@@FAULT reset races: %llu resets, %llu ops and %llu mmaps by %u workers, "
	       "%llu stale mappings checked, %llu survived\n",
	       (unsigned long long)sh->resets, (unsigned long long)sh->ops,
	       (unsigned long long)sh->mmaps, workers, (unsigned long long)sh->stale_checks,
	       (unsigned long long)sh->survivors);
	assert_no_child_errors();
	assert_true(sh->resets > 0);
	assert_clean();
}

/* ---- many processes and threads, same and different files -------------------- */
struct hammer_thread {
	pthread_t t;
	int fd;
	unsigned proc, thread;
	double end;
	uint64_t seed;
	uint8_t *pin_page;
};

static void *hammer_thread(void *arg)
{
	struct hammer_thread *h = arg;
	struct load l;
	int err;

	/* Buffer indices and locks of their own: no thread waits for another. */
	load_init(&l, h->fd, h->seed, 16 * h->proc + 4 * h->thread, 4 * h->proc + h->thread,
		  h->pin_page);
	while (ka_now() < h->end && !atomic_load(&sh->stop)) {
		err = load_op(&l);
		if (err) {
			report("process %u thread %u: %s: %s", h->proc, h->thread, l.op,
			       strerror(err));
			break;
		}
	}
	load_fini(&l);
	return NULL;
}

/*
 * pins: 16 pages mapped before the fork, so that no two threads pin the
 * same address (a pinning is known by its address in the file, whichever
 * process made it).
 */
static void hammer_process(unsigned proc, int shared_fd, uint8_t *pins, double seconds,
			   uint64_t seed)
{
	struct hammer_thread h[4];
	int a = child_open(), b = child_open();
	const int fds[4] = { shared_fd, a, a, b };
	unsigned i;

	ka_fault_handlers();
	for (i = 0; i < 4; i++) {
		h[i].fd = fds[i];
		h[i].proc = proc;
		h[i].thread = i;
		h[i].end = ka_now() + seconds;
		h[i].seed = seed + 977 * i;
		h[i].pin_page = pins + (4 * proc + i) * PAGE;
		pthread_create(&h[i].t, NULL, hammer_thread, &h[i]);
	}
	for (i = 0; i < 4; i++)
		pthread_join(h[i].t, NULL);
	close(a);
	close(b);
	_exit(0);
}

static void test_hammer(void **state)
{
	double seconds = 5 * scale;
	uint64_t seed = (uint64_t)time(NULL) | 1;
	int shared_fd = kt_open(), status;
	uint8_t *pins = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			     -1, 0);
	pid_t pids[4];
	unsigned i;

	(void)state;
	ka_fault_handlers();
	assert_true(pins != MAP_FAILED);
	for (i = 0; i < 4; i++) {
		fflush(stdout);
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0)
			hammer_process(i, shared_fd, pins, seconds, seed + 7919 * i);
	}
	munmap(pins, 16 * PAGE);
	close(shared_fd);
	for (i = 0; i < 4; i++) {
		if (!wait_bounded(pids[i], &status, (unsigned)(seconds * 1000) + 30000))
			fail_msg("hammer process %u did not finish", i);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fail_msg("hammer process %u ended with status 0x%x", i, status);
	}
	printf("@@FAULT hammer: %llu operations, %llu mmaps by 4 processes x 4 threads in %.0f s\n",
	       (unsigned long long)sh->ops, (unsigned long long)sh->mmaps, seconds);
	assert_no_child_errors();
	assert_clean();
}

/* ---- unbind under load, with waiters; bind again --------------------------- */
static void write_sysfs(const char *path, const char *value)
{
	FILE *f = fopen(path, "w");

	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	assert_true(fputs(value, f) >= 0);
	if (fclose(f))
		fail_msg("writing %s to %s: %s", value, path, strerror(errno));
}

/* The PCI address of this device. */
static void device_bdf(char *bdf, size_t len)
{
	char path[128], link[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/tenstorrent/tenstorrent!%u/device", dev_idx);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		fail_msg("%s: %s", path, strerror(errno));
	link[n] = '\0';
	snprintf(bdf, len, "%s", strrchr(link, '/') + 1);
}

enum { W_RESET_STATE, W_LOCK, W_RESET_STATE2, W_COUNT };

static void waiter_child(unsigned which)
{
	struct tenstorrent_reset_state s;
	int fd = child_open(), err;

	ka_reset_state(fd, 0, 0, 0, &s);
	atomic_fetch_add(&sh->ready, 1);
	if (which == W_LOCK) {
		err = ka_lock(fd, TENSTORRENT_LOCK_CTL_ACQUIRE_BLOCKING, HELD_LOCK);
		err = err < 0 ? -err : 0;
	} else {
		err = ka_reset_state(fd, TENSTORRENT_RESET_STATE_WAIT, s.generation, 0, &s);
	}
	atomic_store(&sh->returned_ns[which], now_ns());
	atomic_store(&sh->result[which], err);
	close(fd);
	_exit(0);
}

/* Load until the device is gone; then every mapping must fault. */
static void unbind_load(unsigned n, uint64_t seed)
{
	struct load l;
	int err;

	ka_fault_handlers();
	load_init(&l, child_open(), seed, 8 * n, 16 + n, NULL);
	while (!atomic_load(&sh->stop)) {
		err = load_op(&l);
		if (!err || err == EAGAIN || (err == EFAULT && !strncmp(l.op, "touch", 5)))
			continue;
		if (err != ENODEV) {
			report("load %u before unbind: %s: %s", n, l.op, strerror(err));
			break;
		}
		/* Gone (or a reset, which nobody does here). */
		break;
	}
	atomic_fetch_add(&sh->gone, 1);
	load_check_stale(&l);
	load_fini(&l);
	close(l.fd);
	_exit(0);
}

/*
 * What the unbind test holds, for its teardown: whatever failed, the
 * processes go, the file closes and the device is bound again, so that
 * the tests after it find it.
 */
#define UB_LOADS 3
static struct {
	char bdf[64];
	pid_t pids[W_COUNT + UB_LOADS];
	int fd;
	const volatile struct ttsim_regs *regs;
	volatile uint32_t *buf;
} ub = { .fd = -1 };

static int unbind_teardown(void **state)
{
	FILE *f;
	unsigned i;
	double t0;

	(void)state;
	for (i = 0; i < W_COUNT + UB_LOADS; i++)
		if (ub.pids[i] > 0) {
			kill(ub.pids[i], SIGKILL);
			waitpid(ub.pids[i], NULL, 0);
			ub.pids[i] = 0;
		}
	if (ub.regs)
		munmap((void *)ub.regs, PAGE);
	if (ub.buf)
		munmap((void *)ub.buf, 4 * PAGE);
	if (ub.fd >= 0)
		close(ub.fd);
	ub.regs = NULL;
	ub.buf = NULL;
	ub.fd = -1;
	if (ub.bdf[0] && access(kt_path(), F_OK)) {
		f = fopen("/sys/bus/pci/drivers_probe", "w");
		if (f) {
			fputs(ub.bdf, f);
			fclose(f);
		}
		t0 = ka_now();
		while (access(kt_path(), F_OK) && ka_now() < t0 + 5)
			ka_sleep_ms(10);
	}
	return 0;
}

static void test_unbind_with_waiters(void **state)
{
	char why[512];
	struct ka_regs before, after;
	const unsigned loads = UB_LOADS;
	pid_t *waiters = ub.pids, *load_pids = ub.pids + W_COUNT;
	const volatile struct ttsim_regs *regs;
	volatile uint32_t *buf;
	struct tenstorrent_get_device_info info;
	uint64_t t_unbind, t_done, worst = 0;
	unsigned i;
	int fd, status, err;
	double t0;

	(void)state;
	ka_fault_handlers();
	device_bdf(ub.bdf, sizeof(ub.bdf));
	fd = ub.fd = kt_open();
	assert_int_equal(ka_regs_read(fd, &before), 0);
	assert_int_equal(ka_lock(fd, TENSTORRENT_LOCK_CTL_ACQUIRE, HELD_LOCK), 1);
	regs = ub.regs = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, (off_t)ka_regs_offset());
	assert_true(regs != MAP_FAILED);
	buf = ub.buf = kt_map(fd, kt_dma_alloc(fd, 0, 4 * PAGE).mapping_offset, 4 * PAGE);
	buf[0] = 7;

	for (i = 0; i < W_COUNT; i++) {
		fflush(stdout);
		waiters[i] = fork();
		assert_true(waiters[i] >= 0);
		if (waiters[i] == 0)
			waiter_child(i);
	}
	for (i = 0; i < loads; i++) {
		fflush(stdout);
		load_pids[i] = fork();
		assert_true(load_pids[i] >= 0);
		if (load_pids[i] == 0)
			unbind_load(i, (uint64_t)time(NULL) + i);
	}
	/* The waiters are in the kernel, the load runs. */
	t0 = ka_now();
	while (atomic_load(&sh->ready) < W_COUNT && ka_now() < t0 + 10)
		ka_sleep_ms(5);
	assert_int_equal(atomic_load(&sh->ready), W_COUNT);
	ka_sleep_ms((unsigned)(500 * scale));
	for (i = 0; i < W_COUNT; i++)
		assert_int_equal(atomic_load(&sh->result[i]), -1);

	t_unbind = now_ns();
	write_sysfs("/sys/bus/pci/drivers/tenstorrent/unbind", ub.bdf);
	t_done = now_ns();
	assert_int_equal(access(kt_path(), F_OK), -1);

	/* Every waiter comes back, promptly, with ENODEV. */
	for (i = 0; i < W_COUNT; i++) {
		if (!wait_bounded(waiters[i], &status, 5000))
			fail_msg("waiter %u (%s) still blocked 5 s after the unbind", i,
				 i == W_LOCK ? "LOCK_CTL" : "RESET_STATE");
		waiters[i] = 0;
		err = atomic_load(&sh->result[i]);
		if (err != ENODEV)
			fail_msg("waiter %u (%s) came back with %s, not ENODEV", i,
				 i == W_LOCK ? "LOCK_CTL" : "RESET_STATE",
				 err < 0 ? "nothing" : strerror(err));
		if (sh->returned_ns[i] > t_done && sh->returned_ns[i] - t_done > worst)
			worst = sh->returned_ns[i] - t_done;
	}
	/* Our own file: ENODEV, mappings fault, no new mapping. */
	memset(&info, 0, sizeof(info));
	info.in.output_size_bytes = sizeof(info.out);
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_GET_DEVICE_INFO, &info), ENODEV);
	assert_int_equal(ka_probe((volatile uint32_t *)&regs->magic, false, 0, NULL), SIGBUS);
	assert_int_equal(ka_probe(buf, false, 0, NULL), SIGBUS);
	assert_true(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, (off_t)ka_regs_offset()) ==
		    MAP_FAILED);
	atomic_store(&sh->stop, 1);
	for (i = 0; i < loads; i++) {
		if (!wait_bounded(load_pids[i], &status, 10000))
			fail_msg("load %u did not finish after the unbind", i);
		load_pids[i] = 0;
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fail_msg("load %u ended with status 0x%x", i, status);
	}
	assert_no_child_errors();
	munmap((void *)regs, PAGE);
	munmap((void *)buf, 4 * PAGE);
	close(fd);
	ub.regs = NULL;
	ub.buf = NULL;
	ub.fd = -1;

	/* Bound again: the same node, the same device, working. */
	write_sysfs("/sys/bus/pci/drivers_probe", ub.bdf);
	t0 = ka_now();
	while (access(kt_path(), F_OK) && ka_now() < t0 + 5)
		ka_sleep_ms(10);
	fd = kt_open();
	assert_int_equal(ka_regs_read(fd, &after), 0);
	close(fd);
	if (ka_regs_differ(&before, &after, why, sizeof(why)))
		fail_msg("after the rebind: %s", why);
	if (ka_health(kt_path(), &before, why, sizeof(why)))
		fail_msg("after the rebind: %s", why);
	printf("@@FAULT unbind: with %u loads, 3 waiters, files and mappings open: unbind %.0f ms, "
	       "waiters back with ENODEV within %.0f ms, %u loads saw it; rebind ok\n",
	       loads, (t_done - t_unbind) / 1e6, worst / 1e6, atomic_load(&sh->gone));
	assert_clean();
}

/* ---- rmmod with files open ------------------------------------------------------ */
static int module_refcnt(void)
{
	FILE *f = fopen("/sys/module/tenstorrent/refcnt", "r");
	int n = -1;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

/* An open file holds the module: rmmod is refused with EWOULDBLOCK, and nothing changes. */
static void test_rmmod_refused(void **state)
{
	int base = module_refcnt(), fd = kt_open(), held;
	volatile uint32_t *buf;
	char why[512];

	(void)state;
	ka_fault_handlers();
	held = module_refcnt();
	if (held <= base)
		fail_msg("an open file does not hold the module (refcnt %d, then %d)", base, held);
	buf = kt_map(fd, kt_dma_alloc(fd, 0, PAGE).mapping_offset, PAGE);
	buf[0] = 5;
	assert_int_equal(syscall(SYS_delete_module, "tenstorrent", O_NONBLOCK), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	/* A mapping alone keeps the file, so the module. */
	close(fd);
	assert_int_equal(module_refcnt(), held);
	assert_int_equal(syscall(SYS_delete_module, "tenstorrent", O_NONBLOCK), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	assert_int_equal(buf[0], 5);
	munmap((void *)buf, PAGE);
	if (module_refcnt() != base)
		fail_msg("module refcnt %d before the file, %d after it is gone", base,
			 module_refcnt());
	if (ka_health(kt_path(), NULL, why, sizeof(why)))
		fail_msg("after the refused rmmod: %s", why);
	printf("@@FAULT rmmod: refused with EWOULDBLOCK while a file or a mapping is open\n");
	assert_clean();
}

/* ---- a reset the device does not finish ---------------------------------------- */
struct post_reset {
	int fd;
	int err;
	uint32_t result;
	double seconds;
};

static void *post_reset_thread(void *arg)
{
	struct post_reset *p = arg;
	double t0 = ka_now();

	p->err = ka_reset_device(p->fd, TENSTORRENT_RESET_DEVICE_POST_RESET, &p->result);
	p->seconds = ka_now() - t0;
	return NULL;
}

/*
 * The device accepts a reset and never finishes it (here: the reset
 * request is left standing without a doorbell, as a hung device would).
 * POST_RESET waits for it; meanwhile the other files must get answers at
 * once: the wait must not hold up every other ioctl and open.
 */
static void test_post_reset_does_not_stall(void **state)
{
	struct tenstorrent_get_device_info info;
	struct tenstorrent_reset_state s;
	struct post_reset p = { 0 };
	volatile struct ttsim_regs *regs;
	int other = kt_open(), fd = kt_open(), fresh;
	double t0, info_s, state_s, open_s;
	uint32_t result;
	char why[512];
	pthread_t t;

	(void)state;
	ka_fault_handlers();
	/* The wait is long: once is enough (the second device runs it quick). */
	if (scale < 1) {
		close(fd);
		close(other);
		skip();
	}
	regs = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)ka_regs_offset());
	assert_true(regs != MAP_FAILED);
	assert_int_equal(ka_reset_state(fd, 0, 0, 0, &s), 0);
	assert_int_equal(ka_reset_device(fd, TENSTORRENT_RESET_DEVICE_ASIC_RESET, &result), 0);
	assert_int_equal(ka_reset_state(fd, TENSTORRENT_RESET_STATE_WAIT, s.generation, 20000, &s),
			 0);
	/* A reset requested that the device never takes up. */
	regs->reset = TTSIM_RESET_MAGIC;

	p.fd = fd;
	pthread_create(&t, NULL, post_reset_thread, &p);
	ka_sleep_ms(300);
	memset(&info, 0, sizeof(info));
	info.in.output_size_bytes = sizeof(info.out);
	t0 = ka_now();
	assert_int_equal(kt_ioctl(other, TENSTORRENT_IOCTL_GET_DEVICE_INFO, &info), 0);
	info_s = ka_now() - t0;
	t0 = ka_now();
	assert_int_equal(ka_reset_state(other, 0, 0, 0, &s), 0);
	state_s = ka_now() - t0;
	t0 = ka_now();
	fresh = kt_open();
	open_s = ka_now() - t0;
	close(fresh);
	pthread_join(t, NULL);
	printf("@@FAULT post-reset wait: POST_RESET came back after %.1f s (%s, result %u); "
	       "meanwhile GET_DEVICE_INFO %.0f ms, RESET_STATE %.0f ms, open %.0f ms\n",
	       p.seconds, p.err ? strerror(p.err) : "ok", p.result, info_s * 1e3, state_s * 1e3,
	       open_s * 1e3);

	/* A real reset brings it back. */
	if (ka_reset_cycle(fd, 20000, why, sizeof(why)))
		fail_msg("the reset after: %s", why);
	assert_int_equal(regs->status, TTSIM_STATUS_READY);
	munmap((void *)regs, PAGE);
	close(fd);
	close(other);
	if (ka_health(kt_path(), NULL, why, sizeof(why)))
		fail_msg("after the unfinished reset: %s", why);
	if (info_s > 2 || state_s > 2 || open_s > 2)
		fail_msg("a POST_RESET waiting for the device held up other files: "
			 "GET_DEVICE_INFO %.1f s, RESET_STATE %.1f s, open %.1f s",
			 info_s, state_s, open_s);
	assert_true(p.err || p.result);
	assert_clean();
}

/* ---- requests far too large ----------------------------------------------------- */
static void test_huge_requests(void **state)
{
	static const uint64_t sizes[] = {
		1ull << 36, 1ull << 40, 1ull << 41, 1ull << 42, (1ull << 43) - PAGE, 1ull << 43, 1ull << 62,
		1ull << 63, ~0ull & ~(uint64_t)(PAGE - 1),
	};
	struct tenstorrent_pin_pages p;
	struct tenstorrent_allocate_dma_buf a;
	uint8_t *mem = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = kt_open(), err, bad;
	unsigned i;

	(void)state;
	ka_fault_handlers();
	mem[0] = 1;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(&p, 0, sizeof(p));
		p.in.output_size_bytes = sizeof(p.out);
		p.in.virtual_address = (uintptr_t)mem;
		p.in.size = sizes[i];
		err = kt_ioctl(fd, TENSTORRENT_IOCTL_PIN_PAGES, &p);
		if (err != EINVAL && err != ENOMEM && err != EFAULT)
			fail_msg("PIN_PAGES of 0x%llx bytes: %s", (unsigned long long)sizes[i],
				 strerror(err));
	}
	memset(&a, 0, sizeof(a));
	a.in.requested_size = 1u << 28;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_ALLOCATE_DMA_BUF, &a), ENOMEM);
	a.in.requested_size = 0xfffff000u;
	assert_int_equal(kt_ioctl(fd, TENSTORRENT_IOCTL_ALLOCATE_DMA_BUF, &a), EINVAL);
	close(fd);
	munmap(mem, PAGE);
	bad = ka_kmsg_scan(kmsg, stdout, "@@FAULT ", 8);
	if (bad > 0)
		fail_msg("requests too large put %d warning lines in the kernel log", bad);
	assert_clean();
}

/* ---- the register page as an ioctl's argument -------------------------------------- */
/*
 * GET_DEVICE_INFO and GET_DRIVER_INFO read their output size from the
 * first word of their argument. Given the register page itself, mapped
 * writable, that word is the magic: an output of about 1.3 GB. The kernel
 * must not clear that much of the caller's memory, here the device's
 * registers after the magic.
 */
static void test_output_into_registers(void **state)
{
	static const unsigned long cmds[] = {
		TENSTORRENT_IOCTL_GET_DEVICE_INFO, TENSTORRENT_IOCTL_GET_DRIVER_INFO,
	};
	volatile struct ttsim_regs *regs;
	struct ka_regs before, after;
	uint8_t *area;
	char why[512], failure[600] = "";
	unsigned i;
	int fd = kt_open(), err;

	(void)state;
	ka_fault_handlers();
	assert_int_equal(ka_regs_read(fd, &before), 0);
	/* A guard page after it: what a kernel clears stops there, not in our memory. */
	area = mmap(NULL, 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(area != MAP_FAILED);
	regs = mmap(area, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
		    (off_t)ka_regs_offset());
	assert_true(regs != MAP_FAILED);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]) && !failure[0]; i++) {
		err = kt_ioctl(fd, cmds[i], (void *)regs);
		ka_regs_from(regs, &after);
		if (ka_regs_differ(&before, &after, why, sizeof(why)))
			snprintf(failure, sizeof(failure),
				 "ioctl nr %lu on the register page (%s) wrote over it: %s",
				 (unsigned long)_IOC_NR(cmds[i]), strerror(err), why);
		else
			printf("@@FAULT registers as an argument: ioctl nr %lu: %s, registers intact\n",
			       (unsigned long)_IOC_NR(cmds[i]), err ? strerrorname_np(err) : "ok");
	}
	munmap(area, 2 * PAGE);
	close(fd);
	if (failure[0])
		fail_msg("%s", failure);
	if (ka_health(kt_path(), &before, why, sizeof(why)))
		fail_msg("afterwards: %s", why);
	assert_clean();
}

/* ---- BAR mappings in pieces, UC and WC together ----------------------------------- */
/*
 * A munmap or mprotect of part of a BAR mapping (ret): 1 if done; 0 if
 * refused (EINVAL: the module does not split its mappings), and then the
 * mapping must still be there: p readable.
 */
static unsigned piece(int ret, const uint8_t *p)
{
	if (!ret)
		return 1;
	if (errno != EINVAL)
		fail_msg("part of a BAR mapping: %s", strerror(errno));
	if (ka_probe((volatile uint32_t *)p, false, 0, NULL))
		fail_msg("a refused split left the mapping unreadable");
	return 0;
}
static void test_bar_pieces(void **state)
{
	uint64_t uc = ka_regs_offset(), wc = uc + (1ull << TENSTORRENT_MMAP_BAR_SHIFT);
	int fd = kt_open(), bad;
	uint8_t *a, *b, *c;
	unsigned round, refused = 0, split = 0, tries = 0;

	(void)state;
	ka_fault_handlers();
	for (round = 0; round < 20; round++) {
		a = mmap(NULL, 8 * PAGE, PROT_READ, MAP_SHARED, fd, (off_t)uc);
		assert_true(a != MAP_FAILED);
		assert_int_equal(*(volatile uint32_t *)a, TTSIM_MAGIC);
		/* The other type over the same range: it works, or it is refused. */
		b = mmap(NULL, 8 * PAGE, PROT_READ, MAP_SHARED, fd, (off_t)wc);
		if (b == MAP_FAILED) {
			if (errno != EINVAL && errno != EBUSY && errno != EAGAIN && errno != EPERM)
				fail_msg("a WC mapping over a UC one: %s", strerror(errno));
			refused++;
		} else {
			assert_int_equal(*(volatile uint32_t *)b, TTSIM_MAGIC);
		}
		c = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, fd, (off_t)(uc + 2 * PAGE));
		assert_true(c != MAP_FAILED);
		(void)*(volatile uint32_t *)c;
		/* Holes, a head, a tail: done, or refused with the mapping whole. */
		split += piece(munmap(a + 3 * PAGE, PAGE), a);
		split += piece(munmap(c + 3 * PAGE, PAGE), c);
		split += piece(munmap(a + 6 * PAGE, PAGE), a);
		split += piece(mprotect(a + 4 * PAGE, PAGE, PROT_NONE), a);
		tries += 4;
		if (b != MAP_FAILED) {
			split += piece(munmap(b, 2 * PAGE), b + 7 * PAGE);
			tries++;
		}
		/* Whole ranges go in any case. */
		assert_int_equal(munmap(a, 8 * PAGE), 0);
		assert_int_equal(munmap(c, 4 * PAGE), 0);
		if (b != MAP_FAILED)
			assert_int_equal(munmap(b, 8 * PAGE), 0);
	}
	/*
	 * WC inside WC: the larger one also covers the page the module itself
	 * maps uncached (the register page). It works or it is refused, quietly.
	 */
	a = mmap(NULL, 3 * PAGE, PROT_READ, MAP_SHARED, fd, (off_t)(wc + PAGE));
	assert_true(a != MAP_FAILED);
	b = mmap(NULL, 256 * PAGE, PROT_READ, MAP_SHARED, fd, (off_t)wc);
	if (b == MAP_FAILED) {
		if (errno != EINVAL && errno != EBUSY && errno != EAGAIN && errno != EPERM)
			fail_msg("a WC mapping around another: %s", strerror(errno));
		refused++;
	} else {
		assert_int_equal(*(volatile uint32_t *)b, TTSIM_MAGIC);
		munmap(b, 256 * PAGE);
	}
	munmap(a, 3 * PAGE);
	close(fd);
	bad = ka_kmsg_scan(kmsg, stdout, "@@FAULT ", 8);
	if (bad > 0)
		fail_msg("BAR mappings in pieces put %d warning lines in the kernel log", bad);
	printf("@@FAULT bar pieces: 20 rounds of UC and WC mappings; %u parts unmapped or "
	       "protected, %u refused; WC over UC refused %u times; log clean\n", split,
	       tries - split, refused);
	assert_clean();
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tlb_refused, setup, NULL),
		cmocka_unit_test_setup_teardown(test_huge_requests, setup, NULL),
		cmocka_unit_test_setup_teardown(test_bar_pieces, setup, NULL),
		cmocka_unit_test_setup_teardown(test_output_into_registers, setup, NULL),
		cmocka_unit_test_setup_teardown(test_kill_holders, setup, NULL),
		cmocka_unit_test_setup_teardown(test_reset_races, setup, NULL),
		cmocka_unit_test_setup_teardown(test_hammer, setup, NULL),
		cmocka_unit_test_setup_teardown(test_rmmod_refused, setup, NULL),
		cmocka_unit_test_setup_teardown(test_post_reset_does_not_stall, setup, NULL),
		cmocka_unit_test_setup_teardown(test_unbind_with_waiters, setup, unbind_teardown),
	};
	if (argc == 3 && !strcmp(argv[1], "--scale") && atof(argv[2]) > 0) {
		scale = atof(argv[2]);
	} else if (argc != 1) {
		fprintf(stderr, "usage: test_kmod_fault [--scale X]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	dev_idx = ka_dev_index(kt_path());
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	kmsg = ka_kmsg_open();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
