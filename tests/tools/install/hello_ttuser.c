// SPDX-License-Identifier: MIT
/*
 * A user's first program, built against the installed headers with
 * pkg-config: open the model, write a buffer to its DRAM and read it back,
 * and report a failure through tt_error()/tt_last_error().
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <ttuser.h>

int main(void)
{
	struct tt_buffer_config cfg = { .size = 4096, .page_size = 1024, .type = TT_BUFFER_DRAM };
	uint32_t in[1024], out[1024];
	struct tt_device *dev;
	struct tt_buffer *buf;
	unsigned i;

	if (tt_device_open("sim:grid=2x2,threads=1", &dev) < 0) {
		fprintf(stderr, "open: %s\n", tt_last_error());
		return 1;
	}
	for (i = 0; i < 1024; i++)
		in[i] = i * 2654435761u;
	if (tt_buffer_create(dev, &cfg, &buf) < 0 ||
	    tt_cq_write_buffer(tt_device_cq(dev, 0), buf, in, true) < 0 ||
	    tt_cq_read_buffer(tt_device_cq(dev, 0), buf, out, true) < 0) {
		fprintf(stderr, "buffer: %s\n", tt_last_error());
		return 1;
	}
	if (memcmp(in, out, sizeof(in))) {
		fprintf(stderr, "read back differs\n");
		return 1;
	}
	if (tt_error(-EIO, "from %s", "a library on top") != -EIO ||
	    strcmp(tt_last_error(), "from a library on top")) {
		fprintf(stderr, "tt_error: '%s'\n", tt_last_error());
		return 1;
	}
	tt_buffer_destroy(buf);
	tt_device_close(dev);
	printf("hello_ttuser: 4096 bytes through DRAM and back\n");
	return 0;
}
