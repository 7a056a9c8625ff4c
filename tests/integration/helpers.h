/* SPDX-License-Identifier: MIT */
/* What the integration tests share: opening a device, checking calls, capturing device output. */
#ifndef TESTS_HELPERS_H
#define TESTS_HELPERS_H

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "ttuser.h"
#include "../test_util.h"

/* ---- seeded data, wall time, float distance (the model op tests) ---- */
/* Uniform in [lo, hi), from test_rand64. */
static inline float test_frand(uint64_t *state, float lo, float hi)
{
	return lo + (hi - lo) * (float)((double)(test_rand64(state) >> 11) / (double)(1ull << 53));
}

static inline double test_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Floats between a and b (0 when equal; UINT32_MAX across zero). */
static inline uint32_t test_ulps(float a, float b)
{
	int32_t x, y;

	memcpy(&x, &a, 4);
	memcpy(&y, &b, 4);
	if ((x < 0) != (y < 0))
		return a == b ? 0 : UINT32_MAX;
	return (uint32_t)(x > y ? x - y : y - x);
}

/* A call that must succeed; on failure the test says why. */
#define CHECK(call)                                                                     \
	do {                                                                            \
		int _r = (call);                                                        \
		if (_r < 0)                                                             \
			fail_msg("%s = %d: %s", #call, _r, tt_last_error());            \
	} while (0)

/* A call that must fail with err, with a message containing text. */
#define CHECK_FAILS(call, err, text)                                                    \
	do {                                                                            \
		int _r = (call);                                                        \
		if (_r != (err))                                                        \
			fail_msg("%s = %d, expected %d (%s)", #call, _r, (err),         \
				 tt_last_error());                                      \
		if (!strstr(tt_last_error(), (text)))                                   \
			fail_msg("%s: message '%s' lacks '%s'", #call, tt_last_error(), \
				 (text));                                               \
	} while (0)

/* Device lines captured by log_line. */
struct log_capture {
	pthread_mutex_t lock;
	unsigned n;
	char lines[64][256];
};

static inline void log_line(void *ctx, const char *line)
{
	struct log_capture *c = ctx;

	pthread_mutex_lock(&c->lock);
	if (c->n < 64)
		snprintf(c->lines[c->n++], sizeof(c->lines[0]), "%s", line);
	pthread_mutex_unlock(&c->lock);
}

static inline bool log_has(struct log_capture *c, const char *text)
{
	bool found = false;
	unsigned i;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < c->n && !found; i++)
		found = strstr(c->lines[i], text) != NULL;
	pthread_mutex_unlock(&c->lock);
	return found;
}

/*
 * The model with the given spec ("sim:OPTIONS"), in-process. The QEMU
 * harness sets TT_TEST_DEVICES to "OPTIONS=/dev/tenstorrent/N;..." so that
 * each spec opens a model with the same options behind the kernel module.
 */
static inline const char *test_device_for(const char *spec, char *buf, size_t len)
{
	const char *map = getenv("TT_TEST_DEVICES"), *chip = getenv("TT_TEST_CHIP"), *opts;
	size_t n;

	/*
	 * TT_TEST_CHIP=ttsim:wh (or a /dev/tenstorrent/N of a chip) runs the tests
	 * on that chip instead: its grid and banks are its own; a watchdog the
	 * test asks for is kept.
	 */
	if (chip && *chip && !strncmp(spec, "sim", 3)) {
		const char *w = strstr(spec, "watchdog_ms=");

		if (w)
			snprintf(buf, len, "%s%swatchdog_ms=%u", chip, strchr(chip, ',') ? "," :
				 strncmp(chip, "ttsim:", 6) ? "" : ",", (unsigned)atoi(w + 12));
		else
			snprintf(buf, len, "%s", chip);
		return buf;
	}

	if (!map || strncmp(spec, "sim:", 4))
		return spec;
	opts = spec + 4;
	n = strlen(opts);
	while (*map) {
		size_t item = strcspn(map, ";");

		if (item > n + 1 && !strncmp(map, opts, n) && map[n] == '=') {
			snprintf(buf, len, "%.*s", (int)(item - n - 1), map + n + 1);
			return buf;
		}
		map += item + (map[item] == ';');
	}
	return spec;
}

/* The tests run on a chip (TT_TEST_CHIP), not on the model. */
static inline bool test_on_chip(void)
{
	const char *chip = getenv("TT_TEST_CHIP");

	return chip && *chip;
}

/*
 * A test of the model itself (its timing model, a configuration a chip
 * does not have): on a chip it is skipped, saying why.
 */
#define MODEL_ONLY(why)                                                                 \
	do {                                                                            \
		if (test_on_chip()) {                                                   \
			print_message("model only: %s\n", why);                         \
			skip();                                                         \
		}                                                                       \
	} while (0)

/* "the WxH grid" of the device, as its errors say it. */
static inline const char *test_grid_text(struct tt_device *d)
{
	static char text[32];
	struct tt_device_info info;

	if (tt_device_info(d, &info))
		return "?";
	snprintf(text, sizeof(text), "inside the %ux%u grid", info.grid_x, info.grid_y);
	return text;
}

static inline uint32_t test_grid_x(struct tt_device *d)
{
	struct tt_device_info info = { 0 };

	tt_device_info(d, &info);
	return info.grid_x;
}

static inline uint32_t test_grid_y(struct tt_device *d)
{
	struct tt_device_info info = { 0 };

	tt_device_info(d, &info);
	return info.grid_y;
}

static inline uint32_t test_dram_banks(struct tt_device *d)
{
	struct tt_device_info info = { 0 };

	tt_device_info(d, &info);
	return info.dram_banks;
}

static inline struct tt_device *open_device(const char *spec)
{
	struct tt_device *dev = NULL;
	char path[64];

	CHECK(tt_device_open(test_device_for(spec, path, sizeof(path)), &dev));
	return dev;
}

/* Deterministic test data. */
static inline uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static inline void fill_random(void *buf, size_t len, uint32_t seed)
{
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)xorshift(&seed);
}

/*
 * Build a program with one kernel from source on cores, a CB 0 of
 * cb_pages pages of cb_page bytes (none if cb_pages is 0), and the same
 * runtime args on every core; enqueue it blocking and return the result.
 */
static inline int run_kernel(struct tt_device *dev, const char *src, enum tt_role role,
			     struct tt_core_range cores, uint32_t cb_page, uint32_t cb_pages,
			     const uint32_t *args, uint32_t nargs)
{
	struct tt_kernel_config cfg = { .role = role };
	struct tt_cb_config cb = { .index = 0, .format = TT_FORMAT_FLOAT16_B,
				   .page_size = cb_page, .num_pages = cb_pages };
	struct tt_program *prog;
	uint32_t x, y;
	int k, ret;

	CHECK(tt_program_create(dev, &prog));
	k = tt_kernel_create_from_string(prog, src, cores, &cfg);
	if (k < 0)
		fail_msg("kernel: %s", tt_last_error());
	if (cb_pages)
		CHECK(tt_cb_create(prog, cores, &cb));
	for (y = cores.start.y; y <= cores.end.y; y++)
		for (x = cores.start.x; x <= cores.end.x; x++)
			CHECK(tt_runtime_args_set(prog, k, TT_CORE(x, y), args, nargs));
	ret = tt_cq_enqueue_program(tt_device_cq(dev, 0), prog, true);
	tt_program_destroy(prog);
	return ret;
}

/*
 * The add1 example as a program: n Float32 tiles from DRAM buffer `in`
 * through reader, compute (+1.0) and writer on one core, to buffer `out`.
 */
/* The writer's kernel id in add1_program's programs (on a chip it has no compute kernel). */
static inline int add1_writer_kernel(void)
{
	return test_on_chip() ? 1 : 2;
}

static inline struct tt_program *add1_program(struct tt_device *dev, struct tt_buffer *in,
					      struct tt_buffer *out, struct tt_core core)
{
	struct tt_core_range r = { core, core };
	struct tt_cb_config cb = { .index = 0, .format = TT_FORMAT_FLOAT32,
				   .page_size = TT_TILE_HW * 4, .num_pages = 1 };
	struct tt_kernel_config rd = { .role = TT_ROLE_READER }, wr = { .role = TT_ROLE_WRITER };
	struct tt_kernel_config cp = { .role = TT_ROLE_COMPUTE, .fp32_dest_acc = true };
	struct tt_program *prog;
	uint32_t a;
	int k;

	/*
	 * On a chip, whose compute engine is not driven yet, the writer adds
	 * the 1.0 on its RISC-V (soft float, the same IEEE sum).
	 */
	static const char add_on_writer[] =
		"#include <ttuser/kernel/dataflow.h>\n"
		"void kernel_main(void)\n"
		"{\n"
		"	const InterleavedAddrGenFast dst = { .bank_base_address = get_arg_val(0),\n"
		"		.page_size = get_tile_size(c_0), .data_format = TT_FORMAT_FLOAT32,\n"
		"		.is_dram = true };\n"
		"	volatile float *t;\n"
		"	uint32_t i;\n"
		"\n"
		"	cb_wait_front(c_0, 1);\n"
		"	t = (volatile float *)get_read_ptr(c_0);\n"
		"	for (i = 0; i < TT_TILE_HW; i++)\n"
		"		t[i] = t[i] + 1.0f;\n"
		"	noc_async_write_tile(0, &dst, get_read_ptr(c_0));\n"
		"	noc_async_write_barrier();\n"
		"	cb_pop_front(c_0, 1);\n"
		"}\n";

	CHECK(tt_program_create(dev, &prog));
	CHECK(tt_cb_create(prog, r, &cb));
	cb.index = 16;
	CHECK(tt_cb_create(prog, r, &cb));
	k = tt_kernel_create(prog, EXAMPLES_DIR "/add1/reader.c", r, &rd);
	CHECK(k);
	a = tt_buffer_address(in);
	CHECK(tt_runtime_args_set(prog, k, core, &a, 1));
	if (test_on_chip()) {
		k = tt_kernel_create_from_string(prog, add_on_writer, r, &wr);
		CHECK(k);
		a = tt_buffer_address(out);
		CHECK(tt_runtime_args_set(prog, k, core, &a, 1));
		return prog;
	}
	CHECK(tt_kernel_create(prog, EXAMPLES_DIR "/add1/compute.c", r, &cp));
	k = tt_kernel_create(prog, EXAMPLES_DIR "/add1/writer.c", r, &wr);
	CHECK(k);
	a = tt_buffer_address(out);
	CHECK(tt_runtime_args_set(prog, k, core, &a, 1));
	return prog;
}

#endif
