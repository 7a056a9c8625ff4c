// SPDX-License-Identifier: MIT
/*
 * libttuser through the tenstorrent module: enumeration with libudev,
 * opening by index and path, telemetry against sysfs/hwmon, transfers
 * larger than one DMA buffer, reset, and bad device names.
 */
#include <dirent.h>
#include <glob.h>

#include "kmod_test.h"
#include "ttuser.h"

static double read_number(const char *pattern)
{
	glob_t g;
	double v = -1;
	FILE *f;

	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	f = fopen(g.gl_pathv[0], "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%lf", &v), 1);
	fclose(f);
	globfree(&g);
	return v;
}

static int cmp_nodes(const void *a, const void *b)
{
	return atoi(strrchr(a, '/') + 1) - atoi(strrchr(b, '/') + 1);
}

static void test_enumerate(void **state)
{
	char paths[64][64], want[64][64];
	struct dirent *e;
	DIR *d = opendir("/dev/tenstorrent");
	int n = 0, got, i;

	(void)state;
	assert_non_null(d);
	/* The nodes N (by-id and by-path are udev's folders of links). */
	while ((e = readdir(d)) && n < 64)
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
			snprintf(want[n++], sizeof(want[0]), "/dev/tenstorrent/%.20s", e->d_name);
	closedir(d);
	qsort(want, (size_t)n, sizeof(want[0]), cmp_nodes);
	assert_true(n >= 2);
	got = tt_device_list(paths, 64);
	assert_int_equal(got, n);
	for (i = 0; i < n; i++)
		assert_string_equal(paths[i], want[i]);
	assert_int_equal(tt_device_count(), n);
	/* Fewer places than devices: the count, and only that many filled. */
	memset(paths, 0, sizeof(paths));
	assert_int_equal(tt_device_list(paths, 1), n);
	assert_string_equal(paths[0], want[0]);
	assert_int_equal(paths[1][0], '\0');
}

static void test_open_and_telemetry(void **state)
{
	const char *node = kt_path();
	char sys[128], pattern[256];
	struct tt_device_info info;
	struct tt_telemetry t;
	struct tt_device *dev;

	(void)state;
	/* By index: the N of the node. */
	assert_int_equal(tt_device_open(strrchr(node, '/') + 1, &dev), 0);
	assert_int_equal(tt_device_info(dev, &info), 0);
	assert_string_equal(info.transport, "kmod");
	assert_int_equal(info.arch, TT_ARCH_MODEL);
	assert_int_equal(info.nqueues, 2);
	assert_int_equal(tt_device_telemetry(dev, &t), 0);
	snprintf(sys, sizeof(sys), "/sys/class/tenstorrent/tenstorrent!%s", strrchr(node, '/') + 1);
	snprintf(pattern, sizeof(pattern), "%s/tt_aiclk", sys);
	assert_true(t.aiclk_mhz == read_number(pattern));
	snprintf(pattern, sizeof(pattern), "%s/device/hwmon/hwmon*/temp1_max", sys);
	assert_true(t.temp_limit_c * 1000 == read_number(pattern));
	snprintf(pattern, sizeof(pattern), "%s/device/hwmon/hwmon*/in0_input", sys);
	assert_true(t.vcore_v * 1000 == read_number(pattern));
	snprintf(pattern, sizeof(pattern), "%s/device/hwmon/hwmon*/power1_max", sys);
	assert_true(t.power_limit_w * 1e6 == read_number(pattern));
	tt_device_close(dev);
}

static void test_bad_names(void **state)
{
	struct tt_device *dev = (void *)1;

	(void)state;
	assert_int_equal(tt_device_open("/dev/tenstorrent/99", &dev), -ENOENT);
	assert_null(dev);
	assert_non_null(strstr(tt_last_error(), "/dev/tenstorrent/99"));
	assert_int_equal(tt_device_open("99", &dev), -ENOENT);
	assert_int_equal(tt_device_open("/dev/null", &dev), -ENOTTY);
	assert_non_null(strstr(tt_last_error(), "GET_DEVICE_CAPS"));
}

/* More than the largest DMA buffer (4 MiB) in one call, then a reset. */
static void test_large_transfer_and_reset(void **state)
{
	struct tt_buffer_config bc = { .type = TT_BUFFER_DRAM, .size = 10u << 20, .page_size = 2048 };
	struct tt_device *dev;
	struct tt_buffer *buf;
	uint8_t *a = malloc(bc.size), *b = malloc(bc.size);
	uint32_t x = 7;
	size_t i;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	for (i = 0; i < bc.size; i++) {
		x = x * 1664525u + 1013904223u;
		a[i] = (uint8_t)(x >> 24);
	}
	assert_int_equal(tt_device_open(kt_path(), &dev), 0);
	assert_int_equal(tt_buffer_create(dev, &bc, &buf), 0);
	assert_int_equal(tt_cq_write_buffer(tt_device_cq(dev, 0), buf, a, false), 0);
	assert_int_equal(tt_cq_read_buffer(tt_device_cq(dev, 1), buf, b, true), 0);
	assert_int_equal(tt_cq_finish(tt_device_cq(dev, 0)), 0);
	/* Queue 1 may have read before queue 0 wrote: read again after finish. */
	assert_int_equal(tt_cq_read_buffer(tt_device_cq(dev, 1), buf, b, true), 0);
	assert_memory_equal(a, b, bc.size);

	assert_int_equal(tt_device_reset(dev), 0);
	/* DRAM keeps its contents over a reset; the queues work again. */
	memset(b, 0, bc.size);
	assert_int_equal(tt_cq_read_buffer(tt_device_cq(dev, 0), buf, b, true), 0);
	assert_memory_equal(a, b, bc.size);
	tt_buffer_destroy(buf);
	tt_device_close(dev);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enumerate),
		cmocka_unit_test(test_open_and_telemetry),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_large_transfer_and_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
