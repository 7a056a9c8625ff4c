// SPDX-License-Identifier: MIT
/*
 * Interpreter speed: a branchy integer loop run as a kernel on the model,
 * next to the same loop compiled for this machine, in the same run. Both
 * must compute the same result.
 */
#include <stdint.h>
#include <string.h>

#include "bench.h"

#define LOOP_BODY                                                                      \
	"	for (uint32_t i = 0; i < n; i++) {\n"                                  \
	"		x ^= x << 13;\n"                                               \
	"		x ^= x >> 17;\n"                                               \
	"		x ^= x << 5;\n"                                                \
	"		if (x & 1)\n"                                                  \
	"			acc += x;\n"                                           \
	"		else\n"                                                        \
	"			acc ^= i;\n"                                           \
	"		if ((x & 6) == 2)\n"                                           \
	"			acc -= 3;\n"                                           \
	"	}\n"

static const char kernel[] =
	"#include <ttuser/kernel/dataflow.h>\n"
	"void kernel_main(void)\n"
	"{\n"
	"	uint32_t n = get_arg_val(1), x = get_arg_val(2), acc = 0;\n"
	"	InterleavedAddrGen out = { .bank_base_address = get_arg_val(0), .page_size = 4,\n"
	"				  .is_dram = true };\n"
	"	uint32_t page = get_absolute_logical_y() * 8 + get_absolute_logical_x();\n"
	"	volatile uint32_t *w = (volatile uint32_t *)0x40000;\n"
	LOOP_BODY
	"	*w = acc;\n"
	"	noc_async_write_page(page, &out, 0x40000);\n"
	"	noc_async_write_barrier();\n"
	"}\n";

/* The same loop, natively. */
static uint32_t native_loop(uint32_t n, uint32_t x)
{
	uint32_t acc = 0;

	for (uint32_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		if (x & 1)
			acc += x;
		else
			acc ^= i;
		if ((x & 6) == 2)
			acc -= 3;
	}
	return acc;
}

static void run(struct tt_device *dev, unsigned gx, unsigned gy, uint32_t n)
{
	struct tt_kernel_config cfg = { .role = TT_ROLE_READER };
	struct tt_buffer_config bc = { .type = TT_BUFFER_DRAM, .size = 64 * 4, .page_size = 4 };
	struct tt_program_stats st;
	struct tt_program *prog;
	struct tt_buffer *out;
	volatile uint32_t seed = 2463534242u;
	uint32_t got[64], want, args[3];
	double t0, t_dev, t_nat;
	unsigned cores = gx * gy, i;
	int k;

	MUST(tt_buffer_create(dev, &bc, &out));
	MUST(tt_program_create(dev, &prog));
	MUST(k = tt_kernel_create_from_string(prog, kernel, TT_CORES(0, 0, gx - 1, gy - 1), &cfg));
	args[0] = tt_buffer_address(out);
	args[1] = n;
	args[2] = seed;
	for (i = 0; i < cores; i++)
		MUST(tt_runtime_args_set(prog, k, TT_CORE(i % gx, i / gx), args, 3));
	/* Once to warm the kernel cache and the decoder. */
	MUST(tt_cq_enqueue_program(tt_device_cq(dev, 0), prog, true));
	t0 = now_s();
	MUST(tt_cq_enqueue_program(tt_device_cq(dev, 0), prog, true));
	t_dev = now_s() - t0;
	MUST(tt_program_stats(prog, &st));
	MUST(tt_cq_read_buffer(tt_device_cq(dev, 0), out, got, true));

	t0 = now_s();
	want = native_loop(n, seed);
	t_nat = now_s() - t0;
	for (i = 0; i < cores; i++)
		if (got[(i / gx) * 8 + i % gx] != want) {
			fprintf(stderr, "bench_interp: core %u computed %u, native %u\n", i,
				got[(i / gx) * 8 + i % gx], want);
			exit(1);
		}
	printf("{\"bench\":\"interpreter\",\"loop\":\"branchy integer\",\"cores\":%u,"
	       "\"mips\":%.1f,\"unit\":\"MIPS\",\"loop_iterations_per_s\":%.3g,"
	       "\"native_loop_iterations_per_s\":%.3g,\"native_over_model\":%.1f}\n",
	       cores, (double)st.instructions / t_dev / 1e6, (double)n * cores / t_dev,
	       (double)n / t_nat, ((double)n / t_nat) / ((double)n * cores / t_dev));
	tt_program_destroy(prog);
	tt_buffer_destroy(out);
}

int main(void)
{
	struct tt_device *dev;

	MUST(tt_device_open("sim:grid=8x8,dram_mib=16", &dev));
	run(dev, 1, 1, 20000000);
	run(dev, 8, 8, 1000000);
	tt_device_close(dev);
	return 0;
}
