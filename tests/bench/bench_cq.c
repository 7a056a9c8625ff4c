// SPDX-License-Identifier: MIT
/*
 * Host-to-device and device-to-host throughput through a command queue,
 * next to memcpy of the same size in the same run.
 */
#include <stdint.h>
#include <string.h>

#include "bench.h"

#define SIZE	(64u << 20)
#define ROUNDS	5

static double best_memcpy(void *dst, const void *src)
{
	double best = 1e9;
	int r;

	for (r = 0; r < ROUNDS; r++) {
		double t0 = now_s();

		memcpy(dst, src, SIZE);
		__asm__ __volatile__("" : : "r"(dst) : "memory");
		if (now_s() - t0 < best)
			best = now_s() - t0;
	}
	return best;
}

int main(void)
{
	struct tt_buffer_config bc = { .type = TT_BUFFER_DRAM, .size = SIZE, .page_size = 4096 };
	struct tt_device *dev;
	struct tt_buffer *buf;
	struct tt_cq *cq;
	uint8_t *a = malloc(SIZE), *b = malloc(SIZE);
	double wr = 1e9, rd = 1e9, mc, t0;
	int r;

	if (!a || !b)
		return 1;
	memset(a, 0x5a, SIZE);
	memset(b, 0, SIZE);
	MUST(tt_device_open("sim", &dev));
	cq = tt_device_cq(dev, 0);
	MUST(tt_buffer_create(dev, &bc, &buf));
	for (r = 0; r < ROUNDS; r++) {
		t0 = now_s();
		MUST(tt_cq_write_buffer(cq, buf, a, true));
		if (now_s() - t0 < wr)
			wr = now_s() - t0;
		t0 = now_s();
		MUST(tt_cq_read_buffer(cq, buf, b, true));
		if (now_s() - t0 < rd)
			rd = now_s() - t0;
	}
	if (memcmp(a, b, SIZE)) {
		fprintf(stderr, "bench_cq: data came back different\n");
		return 1;
	}
	mc = best_memcpy(b, a);
	printf("{\"bench\":\"h2d_write\",\"bytes\":%u,\"page_size\":4096,\"gb_per_s\":%.2f,"
	       "\"unit\":\"GB/s\",\"memcpy_gb_per_s\":%.2f,\"of_memcpy\":%.2f}\n",
	       SIZE, SIZE / wr / 1e9, SIZE / mc / 1e9, mc / wr);
	printf("{\"bench\":\"d2h_read\",\"bytes\":%u,\"page_size\":4096,\"gb_per_s\":%.2f,"
	       "\"unit\":\"GB/s\",\"memcpy_gb_per_s\":%.2f,\"of_memcpy\":%.2f}\n",
	       SIZE, SIZE / rd / 1e9, SIZE / mc / 1e9, mc / rd);
	tt_buffer_destroy(buf);
	tt_device_close(dev);
	free(a);
	free(b);
	return 0;
}
