// SPDX-License-Identifier: MIT
/*
 * Finding the kernel module's devices with libudev: the "tenstorrent"
 * class. libudev reads sysfs, so this works without udevd (in a VM's
 * initramfs too).
 */
#include <libudev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define DEV_PREFIX	"/dev/tenstorrent/"

/* N of "/dev/tenstorrent/N", or -1. */
static long node_index(const char *node)
{
	char *end;
	long n;

	if (!node || strncmp(node, DEV_PREFIX, strlen(DEV_PREFIX)))
		return -1;
	n = strtol(node + strlen(DEV_PREFIX), &end, 10);
	return *end || n < 0 ? -1 : n;
}

static int cmp_index(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

int tt_device_list(char (*paths)[64], unsigned max)
{
	struct udev_list_entry *e;
	struct udev_enumerate *en;
	struct udev *udev;
	long *idx = NULL;
	unsigned n = 0, cap = 0, i;
	int ret = 0;

	if (max && !paths)
		return tt_error(-EINVAL, "tt_device_list: no place for %u paths", max);
	udev = udev_new();
	if (!udev)
		return tt_error(-ENOMEM, "udev_new failed");
	en = udev_enumerate_new(udev);
	if (!en || udev_enumerate_add_match_subsystem(en, "tenstorrent") < 0 ||
	    udev_enumerate_scan_devices(en) < 0) {
		ret = tt_error(-EIO, "enumerating tenstorrent devices with libudev failed");
		goto out;
	}
	udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en)) {
		struct udev_device *d = udev_device_new_from_syspath(udev, udev_list_entry_get_name(e));
		long k;

		if (!d)
			continue;
		k = node_index(udev_device_get_devnode(d));
		udev_device_unref(d);
		if (k < 0)
			continue;
		if (n == cap) {
			long *more = realloc(idx, (cap ? cap * 2 : 8) * sizeof(*idx));

			if (!more) {
				ret = tt_error(-ENOMEM, "out of memory listing devices");
				goto out;
			}
			idx = more;
			cap = cap ? cap * 2 : 8;
		}
		idx[n++] = k;
	}
	qsort(idx, n, sizeof(*idx), cmp_index);
	for (i = 0; i < n && i < max; i++)
		snprintf(paths[i], sizeof(paths[i]), DEV_PREFIX "%ld", idx[i]);
	ret = (int)n;
out:
	free(idx);
	udev_enumerate_unref(en);
	udev_unref(udev);
	return ret;
}

int tt_device_count(void)
{
	return tt_device_list(NULL, 0);
}
