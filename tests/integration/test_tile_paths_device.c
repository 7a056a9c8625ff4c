// SPDX-License-Identifier: MIT
/*
 * The device gives the same bits on every vector path: this test runs
 * itself once per path this CPU has (TTSIM_SIMD=<path> <test> --child),
 * each child running matmuls at two fidelities and a broadcast multiply
 * into a 16-bit DST, and compares the children's output bytes.
 */
#include <limits.h>
#include <unistd.h>

#include "tile_harness.h"
#include "tile.h"

static const char kernel[] =
	"#include <ttuser/kernel/compute.h>\n"
	"void kernel_main(void)\n"
	"{\n"
	"	mm_init(0, 1, 16);\n"
	"	cb_wait_front(0, 2);\n"
	"	cb_wait_front(1, 2);\n"
	"	cb_reserve_back(16, 2);\n"
	"	tile_regs_acquire();\n"
	"	matmul_tiles(0, 1, 0, 0, 0);\n"
	"	matmul_tiles(0, 1, 1, 1, 0);\n"
	"	mul_tiles_bcast_rows(0, 1, 0, 1, 1);\n"
	"	tile_regs_commit();\n"
	"	tile_regs_wait();\n"
	"	pack_tile(0, 16);\n"
	"	pack_tile(1, 16);\n"
	"	tile_regs_release();\n"
	"	cb_push_back(16, 2);\n"
	"}\n";

#define OUT_BYTES (2 * 2 * 2048)

/* The child: one byte naming its path, then the outputs at LoFi and HiFi3. */
static int child(void)
{
	static const enum tt_math_fidelity fids[] = { TT_LOFI, TT_HIFI3 };
	static float a[2048], b[2048];
	static uint8_t out[OUT_BYTES];
	struct tt_device *dev = NULL;
	uint32_t seed = 12345;
	unsigned f, i;
	uint8_t path;

	if (tt_device_open("sim:grid=1x1,dram_banks=2,dram_mib=16", &dev))
		return 1;
	random_floats(a, 2048, -3, 3, &seed);
	random_floats(b, 2048, -3, 3, &seed);
	/* Some tiny values, so that flushing to zero matters. */
	for (i = 0; i < 2048; i += 7)
		a[i] = ldexpf(a[i], -100);
	for (f = 0; f < 2; f++) {
		struct tt_kernel_config cfg = { .math_fidelity = fids[f] };
		struct tile_io in[2] = {
			{ TT_FORMAT_FLOAT16_B, 2, to_tiles(a, 32, 64, TT_FORMAT_FLOAT16_B, NULL) },
			{ TT_FORMAT_FLOAT32, 2, to_tiles(b, 32, 64, TT_FORMAT_FLOAT32, NULL) },
		};
		struct tile_io o = { TT_FORMAT_FLOAT16_B, 2, out + f * 2 * 2048 };

		if (run_tiles(dev, kernel, &cfg, in, 2, &o))
			return 1;
		free(in[0].data), free(in[1].data);
	}
	tt_device_close(dev);
	path = (uint8_t)sim_simd_best();
	return fwrite(&path, 1, 1, stdout) != 1 || fwrite(out, 1, OUT_BYTES, stdout) != OUT_BYTES;
}

static void run_child(const char *exe, enum sim_simd p, uint8_t *out)
{
	char cmd[PATH_MAX + 64];
	uint8_t path = 0xff;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "TTSIM_SIMD=%s '%s' --child", sim_simd_name(p), exe);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_int_equal(fread(&path, 1, 1, f), 1);
	assert_int_equal(fread(out, 1, OUT_BYTES, f), OUT_BYTES);
	assert_int_equal(pclose(f), 0);
	/* The child ran on the path it was asked for. */
	assert_int_equal(path, p);
}

static void test_paths_identical_on_device(void **state)
{
	static uint8_t ref[OUT_BYTES], got[OUT_BYTES];
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	unsigned p, compared = 0;

	(void)state;
	assert_true(n > 0);
	exe[n] = '\0';
	run_child(exe, SIM_SIMD_PORTABLE, ref);
	for (p = SIM_SIMD_PORTABLE + 1; p < SIM_SIMD_PATHS; p++) {
		if (!sim_simd_available((enum sim_simd)p))
			continue;
		run_child(exe, (enum sim_simd)p, got);
		if (memcmp(got, ref, OUT_BYTES))
			fail_msg("%s path: device output differs from the portable path's",
				 sim_simd_name((enum sim_simd)p));
		compared++;
	}
	print_message("%u paths compared with the portable one\n", compared);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths_identical_on_device),
	};

	if (argc == 2 && !strcmp(argv[1], "--child"))
		return child();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
