// SPDX-License-Identifier: MIT
/*
 * race_kmod: mmap against reset, for as long as asked.
 *
 *   race_kmod [--seconds N] [--workers W] [--seed S] [--device PATH]
 *
 * One process resets the device in a loop (RESET_DEVICE ASIC_RESET,
 * RESET_STATE wait, POST_RESET). The others, each on files of its own,
 * allocate DMA buffers, map them, write and read them at once; one of them
 * maps a single buffer over and over. Whenever a worker finds its file
 * stale (a reset since it opened it), every mapping it made through that
 * file must raise SIGBUS: one that can still be read is a surviving
 * mapping, memory the module has already given back. Prints
 *
 *   race: N resets, M mmaps, S surviving mappings
 *
 * and exits non-zero if S > 0, if no reset happened, if a worker met an
 * error a reset does not explain, if the device does not work afterwards
 * or if the kernel logged a warning meanwhile. Lines starting with "@@RACE"
 * are for the harness.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include "kmod_attack.h"

#define MAX_WORKERS	8
#define WORKER_MAPS	32
#define WORKER_BUFS	4

struct shared {
	atomic_ullong resets, mmaps, survivors, stale_files, stale_checks, foreign;
	atomic_ullong mmap_again, max_ioctl_ns, max_reset_ns;
	atomic_uint errors, stop;
	char error[512];
};

static struct shared *sh;
static const char *dev_path;

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void report(const char *fmt, ...)
{
	va_list ap;

	if (atomic_fetch_add(&sh->errors, 1) == 0) {
		va_start(ap, fmt);
		vsnprintf(sh->error, sizeof(sh->error), fmt, ap);
		va_end(ap);
	}
}

static void note_max(atomic_ullong *max, uint64_t v)
{
	uint64_t cur = atomic_load(max);

	while (v > cur && !atomic_compare_exchange_weak(max, &cur, v))
		;
}

static uint64_t now_ns(void)
{
	return (uint64_t)(ka_now() * 1e9);
}

static uint64_t next_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static int open_dev(void)
{
	int fd;

	for (;;) {
		fd = open(dev_path, O_RDWR | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		if (errno != EINTR) {
			report("open %s: %s", dev_path, strerror(errno));
			_exit(3);
		}
	}
}

static void resetter(double end, uint64_t seed)
{
	uint64_t rng = seed | 1, t0;
	char why[256];
	int fd = open_dev();

	while (ka_now() < end) {
		t0 = now_ns();
		if (ka_reset_cycle(fd, 20000, why, sizeof(why))) {
			report("resetter: %s", why);
			break;
		}
		note_max(&sh->max_reset_ns, now_ns() - t0);
		atomic_fetch_add(&sh->resets, 1);
		ka_sleep_ms((unsigned)(next_rand(&rng) % 20));
	}
	close(fd);
	_exit(0);
}

struct wmap {
	volatile uint32_t *p;
	size_t len;
	uint32_t val;
};

struct worker {
	unsigned n;
	int fd;
	uint64_t rng;
	bool single;			/* maps one buffer over and over */
	bool buf[WORKER_BUFS];
	uint64_t off[WORKER_BUFS];
	uint32_t size[WORKER_BUFS];
	struct wmap map[WORKER_MAPS];
};

/* The file is stale: each of its mappings must fault; then a new file. */
static void worker_stale(struct worker *w)
{
	unsigned i;
	uint32_t seen;
	int sig;

	atomic_fetch_add(&sh->stale_files, 1);
	for (i = 0; i < WORKER_MAPS; i++) {
		struct wmap *m = &w->map[i];

		if (!m->p)
			continue;
		atomic_fetch_add(&sh->stale_checks, 1);
		seen = 0;
		sig = ka_probe(m->p, false, 0, &seen);
		if (sig != SIGBUS) {
			atomic_fetch_add(&sh->survivors, 1);
			if (!sig && seen != m->val)
				atomic_fetch_add(&sh->foreign, 1);
			printf("@@RACE worker %u: a mapping of a stale file %s (read 0x%08x, "
			       "its value 0x%08x)\n", w->n, sig ? strsignal(sig) : "is readable",
			       seen, m->val);
		}
		munmap((void *)m->p, m->len);
		m->p = NULL;
	}
	memset(w->buf, 0, sizeof(w->buf));
	close(w->fd);
	w->fd = open_dev();
}

/* A DMA buffer slot to map: allocated now if need be. -1 if not now (reset under way). */
static int worker_buf(struct worker *w)
{
	struct tenstorrent_allocate_dma_buf_out o;
	unsigned b = w->single ? 0 : (unsigned)(next_rand(&w->rng) % WORKER_BUFS);
	int err;

	if (w->buf[b])
		return (int)b;
	w->size[b] = w->single ? KA_PAGE : (uint32_t)(next_rand(&w->rng) % 4 + 1) * KA_PAGE;
	err = ka_dma_alloc(w->fd, b, w->size[b], &o);
	if (err == ENODEV)
		return -1;
	if (err) {
		report("worker %u: ALLOCATE_DMA_BUF: %s", w->n, strerror(err));
		return -1;
	}
	w->buf[b] = true;
	w->off[b] = o.mapping_offset;
	return (int)b;
}

static void worker(unsigned n, bool single, double end, uint64_t seed)
{
	struct tenstorrent_get_device_info info;
	struct worker w;
	uint64_t t0;
	unsigned slot = 0;
	int b, stale, err;

	ka_fault_handlers();
	memset(&w, 0, sizeof(w));
	w.n = n;
	w.single = single;
	w.rng = seed | 1;
	w.fd = open_dev();
	while (ka_now() < end) {
		struct wmap *m = &w.map[slot];
		void *p;

		/* Stale? Then all of this file's mappings must be gone. */
		stale = ka_stale(w.fd);
		if (stale < 0) {
			report("worker %u: GET_DEVICE_CAPS: %s", n, strerror(-stale));
			break;
		}
		if (stale) {
			worker_stale(&w);
			continue;
		}
		memset(&info, 0, sizeof(info));
		info.in.output_size_bytes = sizeof(info.out);
		t0 = now_ns();
		err = ka_ioctl(w.fd, TENSTORRENT_IOCTL_GET_DEVICE_INFO, &info);
		note_max(&sh->max_ioctl_ns, now_ns() - t0);
		if (err) {
			report("worker %u: GET_DEVICE_INFO: %s", n, strerror(err));
			break;
		}
		b = worker_buf(&w);
		if (b < 0)
			continue;
		if (m->p) {
			munmap((void *)m->p, m->len);
			m->p = NULL;
		}
		p = mmap(NULL, w.size[b], PROT_READ | PROT_WRITE, MAP_SHARED, w.fd,
			 (off_t)w.off[b]);
		if (p == MAP_FAILED) {
			if (errno == EAGAIN)
				atomic_fetch_add(&sh->mmap_again, 1);
			else if (errno != ENODEV)
				report("worker %u: mmap: %s", n, strerror(errno));
			continue;
		}
		atomic_fetch_add(&sh->mmaps, 1);
		m->p = p;
		m->len = w.size[b];
		m->val = (uint32_t)next_rand(&w.rng) | 1;
		/* Fault-in of the fresh mapping; a reset may have zapped it already. */
		if (!ka_probe(m->p, true, m->val, NULL))
			ka_probe(m->p + m->len / 4 - 1, true, m->val, NULL);
		slot = (slot + 1) % WORKER_MAPS;
	}
	/* The last reset may be after the last look. */
	if (ka_stale(w.fd) == 1)
		worker_stale(&w);
	for (slot = 0; slot < WORKER_MAPS; slot++)
		if (w.map[slot].p)
			munmap((void *)w.map[slot].p, w.map[slot].len);
	close(w.fd);
	_exit(0);
}

static void usage(void)
{
	fprintf(stderr, "usage: race_kmod [--seconds N] [--workers W] [--seed S] [--device PATH]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 't' },
		{ "workers", required_argument, NULL, 'w' },
		{ "seed", required_argument, NULL, 's' },
		{ "device", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	pid_t pids[MAX_WORKERS + 1];
	double seconds = 20, end, start;
	unsigned workers = 3, i;
	struct ka_regs before;
	uint64_t seed;
	char why[512];
	int c, fd, status, kmsg, bad, failed = 0;

	seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	dev_path = ka_default_path();
	while ((c = getopt_long(argc, argv, "t:w:s:d:", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			seconds = atof(optarg);
			break;
		case 'w':
			workers = (unsigned)atoi(optarg);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'd':
			dev_path = optarg;
			break;
		default:
			usage();
		}
	}
	if (workers < 1 || workers > MAX_WORKERS)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("@@RACE race_kmod --seconds %g --workers %u --seed %" PRIu64 " --device %s\n",
	       seconds, workers, seed, dev_path);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	fd = open(dev_path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || ka_regs_read(fd, &before)) {
		printf("@@RACE %s: %s\n", dev_path, strerror(errno));
		return 1;
	}
	close(fd);
	kmsg = ka_kmsg_open();

	start = ka_now();
	end = start + seconds;
	for (i = 0; i <= workers; i++) {
		fflush(stdout);
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			return 1;
		}
		if (pids[i] == 0) {
			if (i == 0)
				resetter(end, seed);
			worker(i, i == 1, end, seed + i);
		}
	}
	for (i = 0; i <= workers; i++) {
		double limit = end + 60;

		while (waitpid(pids[i], &status, WNOHANG) == 0) {
			if (ka_now() > limit) {
				kill(pids[i], SIGKILL);
				waitpid(pids[i], &status, 0);
				report("%s %u did not finish", i ? "worker" : "resetter", i);
				break;
			}
			ka_sleep_ms(10);
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			printf("@@RACE %s %u ended with status 0x%x\n", i ? "worker" : "resetter", i,
			       status);
			failed = 1;
		}
	}

	printf("@@RACE race: %llu resets, %llu mmaps, %llu surviving mappings\n",
	       (unsigned long long)sh->resets, (unsigned long long)sh->mmaps,
	       (unsigned long long)sh->survivors);
	printf("@@RACE in %.1f s: %llu stale files, %llu stale mappings checked (%llu read other data), "
	       "%llu mmaps refused with EAGAIN; longest reset %.0f ms, longest GET_DEVICE_INFO %.0f ms\n",
	       ka_now() - start, (unsigned long long)sh->stale_files,
	       (unsigned long long)sh->stale_checks, (unsigned long long)sh->foreign,
	       (unsigned long long)sh->mmap_again, sh->max_reset_ns / 1e6, sh->max_ioctl_ns / 1e6);
	if (sh->errors) {
		printf("@@RACE FAIL: %u problems, the first: %s\n", sh->errors, sh->error);
		failed = 1;
	}
	if (sh->survivors) {
		printf("@@RACE FAIL: stale mappings survived a reset\n");
		failed = 1;
	}
	if (!sh->resets) {
		printf("@@RACE FAIL: no reset happened\n");
		failed = 1;
	}
	if (ka_idle(ka_dev_index(dev_path), 3000, why, sizeof(why))) {
		printf("@@RACE FAIL: %s\n", why);
		failed = 1;
	}
	if (ka_health(dev_path, &before, why, sizeof(why))) {
		printf("@@RACE FAIL: the device does not work after the run: %s\n", why);
		failed = 1;
	}
	bad = ka_kmsg_scan(kmsg, stdout, "@@RACE ", 8);
	if (bad > 0) {
		printf("@@RACE FAIL: %d warning lines in the kernel log during the run\n", bad);
		failed = 1;
	}
	printf("@@RACE result: %s\n", failed ? "FAILED" : "ok");
	return failed;
}
