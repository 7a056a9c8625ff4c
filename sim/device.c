// SPDX-License-Identifier: MIT
/*
 * The model device: its configuration, its register page, its life cycle
 * and reset. Commands are executed by cp.c, programs by launch.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define SIM_MAX_GRID		32u
#define SIM_MAX_DRAM_BANKS	32u
#define SIM_FW_VERSION		((1u << 16) | (0u << 8) | 0u)

uint64_t sim_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void sim_config_default(struct sim_config *cfg)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	memset(cfg, 0, sizeof(*cfg));
	cfg->grid_x = 8;
	cfg->grid_y = 8;
	cfg->l1_size = TT_L1_DEFAULT_SIZE;
	cfg->dram_banks = 12;
	cfg->dram_bank_size = 1ull << 30;
	cfg->threads = n > 0 ? (unsigned)n : 1;
	cfg->watchdog_ms = 120000;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

int sim_config_parse(struct sim_config *cfg, const char *opts, char *err, size_t errlen)
{
	char buf[256], *save = NULL, *tok;
	uint64_t v;

	if (opts && strlen(opts) >= sizeof(buf)) {
		snprintf(err, errlen, "model options too long");
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", opts ? opts : "");
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *val = strchr(tok, '=');

		if (!val) {
			snprintf(err, errlen, "model option '%s' has no value", tok);
			return -EINVAL;
		}
		*val++ = '\0';
		if (!strcmp(tok, "grid")) {
			char *x = strchr(val, 'x');
			uint64_t gx, gy;

			if (!x) {
				snprintf(err, errlen, "grid must be XxY, not '%s'", val);
				return -EINVAL;
			}
			*x = '\0';
			if (parse_u64(val, &gx) || parse_u64(x + 1, &gy) || !gx || !gy ||
			    gx > SIM_MAX_GRID || gy > SIM_MAX_GRID) {
				snprintf(err, errlen, "grid must be XxY with 1..%u each", SIM_MAX_GRID);
				return -EINVAL;
			}
			cfg->grid_x = (uint32_t)gx;
			cfg->grid_y = (uint32_t)gy;
			continue;
		}
		if (parse_u64(val, &v)) {
			snprintf(err, errlen, "model option %s: '%s' is not a number", tok, val);
			return -EINVAL;
		}
		if (!strcmp(tok, "l1")) {
			if (v * 1024 < TT_L1_FREE + 64 * 1024 || v > 16 * 1024) {
				snprintf(err, errlen, "l1 must be %u..16384 KiB",
					 (TT_L1_FREE + 64 * 1024) / 1024);
				return -EINVAL;
			}
			cfg->l1_size = (uint32_t)(v * 1024);
		} else if (!strcmp(tok, "dram_banks")) {
			if (!v || v > SIM_MAX_DRAM_BANKS) {
				snprintf(err, errlen, "dram_banks must be 1..%u", SIM_MAX_DRAM_BANKS);
				return -EINVAL;
			}
			cfg->dram_banks = (uint32_t)v;
		} else if (!strcmp(tok, "dram_mib")) {
			if (!v || v > 4096) {
				snprintf(err, errlen, "dram_mib must be 1..4096");
				return -EINVAL;
			}
			cfg->dram_bank_size = v << 20;
		} else if (!strcmp(tok, "threads")) {
			if (!v || v > 256) {
				snprintf(err, errlen, "threads must be 1..256");
				return -EINVAL;
			}
			cfg->threads = (unsigned)v;
		} else if (!strcmp(tok, "watchdog_ms")) {
			if (v > 24ull * 3600 * 1000) {
				snprintf(err, errlen, "watchdog_ms must be at most a day");
				return -EINVAL;
			}
			cfg->watchdog_ms = (unsigned)v;
		} else if (!strcmp(tok, "reset_ms")) {
			if (v > 60000) {
				snprintf(err, errlen, "reset_ms must be at most a minute");
				return -EINVAL;
			}
			cfg->reset_ms = (unsigned)v;
		} else {
			snprintf(err, errlen, "unknown model option '%s' (grid, l1, dram_banks, "
				 "dram_mib, threads, watchdog_ms, reset_ms)", tok);
			return -EINVAL;
		}
	}
	return 0;
}

void sim_log(struct sim_device *d, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&d->log_lock);
	if (d->host.log)
		d->host.log(d->host.log_ctx, line);
	else
		fprintf(stderr, "%s\n", line);
	pthread_mutex_unlock(&d->log_lock);
}

/* Remember the first device error since reset in the register page. */
void sim_set_error(struct sim_device *d, int err, const char *msg)
{
	int zero = 0;

	pthread_mutex_lock(&d->log_lock);
	if (__atomic_compare_exchange_n(&d->regs->error, &zero, err, false,
					__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		snprintf(d->regs->error_msg, sizeof(d->regs->error_msg), "%s", msg);
	pthread_mutex_unlock(&d->log_lock);
}

static void signal_fd(int fd)
{
	uint64_t one = 1;

	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0) {
		/* The host went away; nobody is left to tell. */
	}
}

/* A plausible, slowly moving telemetry so tools have something to show. */
static void update_telemetry(struct sim_device *d, uint64_t tick)
{
	struct ttsim_telemetry *t = &d->regs->telemetry;
	uint32_t wobble = (uint32_t)(tick % 20);

	t->temp_mc = 45000 + wobble * 100;
	t->temp_limit_mc = 90000;
	t->vcore_mv = 800;
	t->current_ma = 20000 + wobble * 50;
	t->current_limit_ma = 150000;
	t->power_mw = t->vcore_mv * t->current_ma / 1000;
	t->power_limit_mw = 150000;
	t->aiclk_mhz = 1000;
	t->aiclk_max_mhz = 1000;
	t->fw_version = SIM_FW_VERSION;
	t->dram_status = d->cfg.dram_banks >= 32 ? 0xffffffffu : (1u << d->cfg.dram_banks) - 1;
}

/*
 * The registers the device owns (identity, status, reset count) are
 * read-only on a chip; here they are shared memory that any writer of the
 * page (a user mapping, a kernel filling an ioctl's output there) can
 * change, and a host waiting for a reset would wait for a status that never
 * comes back. The control thread, which also runs resets, puts them back
 * every tick.
 */
static void restore_identity(struct sim_device *d)
{
	struct ttsim_regs *r = d->regs;

	if (__atomic_load_n(&r->status, __ATOMIC_ACQUIRE) != TTSIM_STATUS_READY)
		__atomic_store_n(&r->status, TTSIM_STATUS_READY, __ATOMIC_RELEASE);
	if (__atomic_load_n(&r->reset_count, __ATOMIC_ACQUIRE) != d->reset_count)
		__atomic_store_n(&r->reset_count, d->reset_count, __ATOMIC_RELEASE);

	r->version = TTSIM_VERSION;
	r->arch = TTSIM_ARCH_MODEL;
	r->nqueues = TTSIM_MAX_QUEUES;
	r->grid_x = d->cfg.grid_x;
	r->grid_y = d->cfg.grid_y;
	r->l1_size = d->cfg.l1_size;
	r->dram_banks = d->cfg.dram_banks;
	r->dram_bank_size = d->cfg.dram_bank_size;
	r->dma_size = d->host.dma_size;
	__atomic_store_n(&r->magic, TTSIM_MAGIC, __ATOMIC_RELEASE);
}

static void publish_identity(struct sim_device *d)
{
	memset(d->regs, 0, TTSIM_REGS_SIZE);
	update_telemetry(d, 0);
	restore_identity(d);
}

/*
 * Reset: stop what runs, wait until no queue thread is inside a command,
 * then forget queues, error and L1. DRAM keeps its contents.
 */
static void device_reset(struct sim_device *d)
{
	struct ttsim_regs *r = d->regs;
	uint64_t t0 = sim_now_ns(), waited;
	unsigned i;

	__atomic_store_n(&r->status, TTSIM_STATUS_RESETTING, __ATOMIC_RELEASE);
	pthread_mutex_lock(&d->state_lock);
	d->resetting = true;
	atomic_store(&d->abort, 1);
	while (d->busy)
		pthread_cond_wait(&d->state_cond, &d->state_lock);
	waited = sim_now_ns() - t0;
	if (d->cfg.reset_ms) {
		struct timespec ts = { d->cfg.reset_ms / 1000, (long)(d->cfg.reset_ms % 1000) * 1000000 };

		nanosleep(&ts, NULL);
	}

	for (i = 0; i < TTSIM_MAX_QUEUES; i++) {
		memset(&r->queue[i], 0, sizeof(r->queue[i]));
		d->queue[i].last_event = 0;
	}
	madvise(d->l1, (size_t)d->ncores * d->cfg.l1_size, MADV_DONTNEED);
	for (i = 0; i < d->ncores; i++) {
		memset(d->cores[i].cb, 0, sizeof(d->cores[i].cb));
		d->cores[i].dst_state = DST_FREE;
	}
	sim_code_cache_clear(d);
	r->error = 0;
	memset(r->error_msg, 0, sizeof(r->error_msg));
	r->reset = 0;
	d->reset_count++;
	__atomic_store_n(&r->reset_count, d->reset_count, __ATOMIC_RELEASE);	/* the host polls it */

	atomic_store(&d->abort, 0);
	d->resetting = false;
	pthread_cond_broadcast(&d->state_cond);
	pthread_mutex_unlock(&d->state_lock);
	__atomic_store_n(&r->status, TTSIM_STATUS_READY, __ATOMIC_RELEASE);
	signal_fd(d->host.irq_fd[TTSIM_CTRL_VECTOR]);
	/* A host waits for this: say when it was slow, and why. */
	if (sim_now_ns() - t0 > 500000000ull + (uint64_t)d->cfg.reset_ms * 1000000)
		sim_log(d, "reset took %llu ms, %llu ms of them waiting for commands to stop",
			(unsigned long long)((sim_now_ns() - t0) / 1000000),
			(unsigned long long)(waited / 1000000));
}

/* Heartbeat, telemetry and the control doorbell (reset). */
static void *ctrl_thread(void *arg)
{
	struct sim_device *d = arg;
	struct pollfd pfd[2] = {
		{ .fd = d->host.doorbell_fd[TTSIM_CTRL_VECTOR], .events = POLLIN },
		{ .fd = d->stop_fd, .events = POLLIN },
	};
	uint64_t tick = 0, v;

	for (;;) {
		int n = poll(pfd, 2, 10);

		if (n > 0 && (pfd[1].revents & POLLIN))
			break;
		__atomic_add_fetch(&d->regs->heartbeat, 1, __ATOMIC_RELAXED);
		restore_identity(d);
		if (++tick % 10 == 0)
			update_telemetry(d, tick / 10);
		if (n > 0 && (pfd[0].revents & POLLIN)) {
			if (read(pfd[0].fd, &v, sizeof(v)) < 0)
				continue;
			if (__atomic_load_n(&d->regs->reset, __ATOMIC_ACQUIRE) == TTSIM_RESET_MAGIC)
				device_reset(d);
		}
	}
	return NULL;
}

static int check_config(const struct sim_config *c, char *err, size_t errlen)
{
	if (!c->grid_x || !c->grid_y || c->grid_x > SIM_MAX_GRID || c->grid_y > SIM_MAX_GRID ||
	    !c->dram_banks || c->dram_banks > SIM_MAX_DRAM_BANKS || !c->threads ||
	    c->l1_size < TT_L1_FREE + 64 * 1024 || c->l1_size % TT_L1_ALIGN ||
	    !c->dram_bank_size || c->dram_bank_size > (1ull << TT_NOC_ADDR_BITS)) {
		snprintf(err, errlen, "invalid model configuration");
		return -EINVAL;
	}
	return 0;
}

/* Free what sim_create allocated; copes with a half-built device. */
static void free_memory(struct sim_device *d)
{
	unsigned i;

	if (d->stop_fd >= 0)
		close(d->stop_fd);
	if (d->cores)
		for (i = 0; i < d->ncores; i++)
			free(d->cores[i].dst);
	free(d->cores);
	if (d->l1 && d->l1 != MAP_FAILED)
		munmap(d->l1, (size_t)d->ncores * d->cfg.l1_size);
	if (d->dram && d->dram != MAP_FAILED)
		munmap(d->dram, (size_t)d->cfg.dram_banks * d->cfg.dram_bank_size);
	free(d);
}

int sim_create(const struct sim_config *cfg, const struct sim_host *host,
	       struct sim_device **out, char *err, size_t errlen)
{
	struct sim_device *d;
	unsigned i;
	int ret;

	ret = check_config(cfg, err, errlen);
	if (ret)
		return ret;
	d = calloc(1, sizeof(*d));
	if (!d)
		goto nomem;
	d->cfg = *cfg;
	d->host = *host;
	d->regs = host->regs;
	d->ncores = cfg->grid_x * cfg->grid_y;
	d->stop_fd = -1;
	pthread_mutex_init(&d->state_lock, NULL);
	pthread_cond_init(&d->state_cond, NULL);
	pthread_mutex_init(&d->exec_lock, NULL);
	pthread_cond_init(&d->cores_cond, NULL);
	pthread_mutex_init(&d->log_lock, NULL);
	pthread_mutex_init(&d->event_lock, NULL);
	pthread_cond_init(&d->event_cond, NULL);

	d->l1 = mmap(NULL, (size_t)d->ncores * cfg->l1_size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	d->dram = mmap(NULL, (size_t)cfg->dram_banks * cfg->dram_bank_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	d->cores = calloc(d->ncores, sizeof(*d->cores));
	if (d->l1 == MAP_FAILED || d->dram == MAP_FAILED || !d->cores)
		goto nomem_free;
	for (i = 0; i < d->ncores; i++) {
		struct sim_core *c = &d->cores[i];
		unsigned r;

		c->dev = d;
		c->x = i % cfg->grid_x;
		c->y = i / cfg->grid_x;
		c->l1 = d->l1 + (size_t)i * cfg->l1_size;
		c->dst = calloc(16 * TT_TILE_HW, sizeof(float));
		if (!c->dst)
			goto nomem_free;
		for (r = 0; r < TT_NUM_ROLES; r++) {
			c->hart[r].core = c;
			c->hart[r].role = (enum tt_role)r;
			c->hart[r].rv.mem = c->l1;
			c->hart[r].rv.mem_size = cfg->l1_size;
			c->hart[r].rv.mmio_load = sim_core_mmio_load;
			c->hart[r].rv.mmio_store = sim_core_mmio_store;
			c->hart[r].rv.ctx = &c->hart[r];
			/* The argument registers take words and do nothing else. */
			c->hart[r].rv.regs = c->hart[r].arg;
			c->hart[r].rv.regs_base = TT_MMIO_ARG(0);
			c->hart[r].rv.nregs = TT_MMIO_NARGS;
		}
	}
	d->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (d->stop_fd < 0)
		goto nomem_free;

	publish_identity(d);
	if (sim_workers_start(d))
		goto nomem_free;
	if (pthread_create(&d->ctrl_thread, NULL, ctrl_thread, d))
		goto nomem_workers;
	for (i = 0; i < TTSIM_MAX_QUEUES; i++) {
		d->queue[i].dev = d;
		d->queue[i].index = i;
		if (pthread_create(&d->queue[i].thread, NULL, sim_queue_thread, &d->queue[i])) {
			signal_fd(d->stop_fd);
			while (i--)
				pthread_join(d->queue[i].thread, NULL);
			pthread_join(d->ctrl_thread, NULL);
			goto nomem_workers;
		}
	}
	__atomic_store_n(&d->regs->status, TTSIM_STATUS_READY, __ATOMIC_RELEASE);
	*out = d;
	return 0;

nomem_workers:
	sim_workers_stop(d);
nomem_free:
	d->regs->magic = 0;
	free_memory(d);
nomem:
	snprintf(err, errlen, "out of memory creating the model device");
	return -ENOMEM;
}

void sim_destroy(struct sim_device *d)
{
	unsigned i;

	if (!d)
		return;
	atomic_store(&d->abort, 1);
	signal_fd(d->stop_fd);
	for (i = 0; i < TTSIM_MAX_QUEUES; i++)
		pthread_join(d->queue[i].thread, NULL);
	pthread_join(d->ctrl_thread, NULL);
	sim_workers_stop(d);
	sim_code_cache_clear(d);
	__atomic_store_n(&d->regs->status, TTSIM_STATUS_OFF, __ATOMIC_RELEASE);
	free_memory(d);
}
