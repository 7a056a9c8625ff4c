// SPDX-License-Identifier: MIT
/*
 * Finding devices and reading them: /dev/tenstorrent/N through sysfs,
 * hwmon and libttuser, and the in-process model ("sim").
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "ttctl.h"

#define DEV_DIR		"/dev/tenstorrent"

bool ctl_driver_loaded(void)
{
	return access("/sys/module/tenstorrent", F_OK) == 0;
}

/* The first line of a file, without its newline; false if unreadable. */
static bool read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

static bool read_number(const char *path, double *v)
{
	char buf[64], *end;

	if (!read_line(path, buf, sizeof(buf)))
		return false;
	errno = 0;
	*v = strtod(buf, &end);
	return !errno && end != buf;
}

static const char *chip_of(unsigned vendor, unsigned device)
{
	if (vendor == 0x1e52 && device == 0x401e)
		return "wormhole";
	if (vendor == 0x1e52 && device == 0xb140)
		return "blackhole";
	if (vendor == 0x1af4 && device == 0x1110)
		return "model";
	return "unknown";
}

/* Fill what sysfs knows about /dev/tenstorrent/N; 0 or an exit code. */
static int describe_node(int index, struct ctl_device *d)
{
	char path[PATH_MAX], link[PATH_MAX], buf[64];
	unsigned vendor = 0, device = 0;
	struct stat st;
	ssize_t n;

	memset(d, 0, sizeof(*d));
	d->index = index;
	snprintf(d->node, sizeof(d->node), DEV_DIR "/%d", index);
	snprintf(d->spec, sizeof(d->spec), "%s", d->node);
	strcpy(d->bus_id, "-");
	strcpy(d->board, "-");
	strcpy(d->serial, "-");
	if (stat(d->node, &st))
		return errno == EACCES ? EXIT_PERMISSION : EXIT_NO_DEVICE;
	if (!S_ISCHR(st.st_mode))
		return EXIT_NO_DEVICE;
	snprintf(d->sysfs, sizeof(d->sysfs), "/sys/dev/char/%u:%u", major(st.st_rdev),
		 minor(st.st_rdev));
	snprintf(path, sizeof(path), "%s/device", d->sysfs);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		snprintf(d->bus_id, sizeof(d->bus_id), "%s", strrchr(link, '/') + 1);
	}
	snprintf(path, sizeof(path), "%s/device/vendor", d->sysfs);
	if (read_line(path, buf, sizeof(buf)))
		vendor = (unsigned)strtoul(buf, NULL, 16);
	snprintf(path, sizeof(path), "%s/device/device", d->sysfs);
	if (read_line(path, buf, sizeof(buf)))
		device = (unsigned)strtoul(buf, NULL, 16);
	snprintf(d->chip, sizeof(d->chip), "%s", chip_of(vendor, device));
	snprintf(path, sizeof(path), "%s/tt_card_type", d->sysfs);
	if (!read_line(path, d->board, sizeof(d->board)))
		snprintf(d->board, sizeof(d->board), "%s",
			 strcmp(d->chip, "model") ? "-" : "ttsim");
	snprintf(path, sizeof(path), "%s/tt_serial", d->sysfs);
	if (!read_line(path, d->serial, sizeof(d->serial)))
		strcpy(d->serial, "-");
	return 0;
}

static int by_number(const void *a, const void *b)
{
	return ((const struct ctl_device *)a)->index - ((const struct ctl_device *)b)->index;
}

int ctl_list(struct ctl_device *devs, int max)
{
	struct dirent *e;
	DIR *dir;
	int n = 0;

	if (!ctl_driver_loaded())
		return -EXIT_NO_DRIVER;
	dir = opendir(DEV_DIR);
	if (!dir)
		return errno == EACCES ? -EXIT_PERMISSION : 0;
	while ((e = readdir(dir)) && n < max) {
		char *end;
		long idx = strtol(e->d_name, &end, 10);

		if (!isdigit((unsigned char)e->d_name[0]) || *end || idx < 0 || idx > 4095)
			continue;
		if (!describe_node((int)idx, &devs[n]))
			n++;
	}
	closedir(dir);
	qsort(devs, (size_t)n, sizeof(*devs), by_number);
	return n;
}

int ctl_select(const char *name, struct ctl_device *d)
{
	struct ctl_device all[64];
	char *end;
	long idx;
	int n, i, ret;

	if (!name || !*name)
		return ctl_fail(EXIT_BAD_ARGUMENT, "empty device name");
	if (!strcmp(name, "sim") || !strncmp(name, "sim:", 4)) {
		memset(d, 0, sizeof(*d));
		d->index = -1;
		snprintf(d->spec, sizeof(d->spec), "%s", name);
		strcpy(d->node, "-");
		strcpy(d->bus_id, "-");
		strcpy(d->chip, "model");
		strcpy(d->board, "ttsim");
		strcpy(d->serial, "-");
		return 0;
	}
	idx = strtol(name, &end, 10);
	if (isdigit((unsigned char)name[0]) && !*end) {
		if (idx > 4095)
			return ctl_fail(EXIT_BAD_ARGUMENT, "device index %s is out of range", name);
	} else if (!strncmp(name, DEV_DIR "/", sizeof(DEV_DIR))) {
		idx = strtol(name + sizeof(DEV_DIR), &end, 10);
		if (!isdigit((unsigned char)name[sizeof(DEV_DIR)]) || *end)
			return ctl_fail(EXIT_BAD_ARGUMENT, "'%s' is not a device node "
					DEV_DIR "/N", name);
	} else if (strchr(name, ':')) {
		unsigned dom, bus, dev, fn;
		char tail;

		if (sscanf(name, "%4x:%2x:%2x.%1x%c", &dom, &bus, &dev, &fn, &tail) != 4)
			return ctl_fail(EXIT_BAD_ARGUMENT, "'%s' is not a PCI address "
					"(dddd:bb:dd.f)", name);
		if (!ctl_driver_loaded())
			return ctl_fail(EXIT_NO_DRIVER, "the tenstorrent driver is not loaded");
		n = ctl_list(all, 64);
		for (i = 0; i < n; i++)
			if (!strcmp(all[i].bus_id, name)) {
				*d = all[i];
				return 0;
			}
		return ctl_fail(EXIT_NO_DEVICE, "no Tenstorrent device at PCI address %s", name);
	} else {
		return ctl_fail(EXIT_BAD_ARGUMENT, "'%s' names no device: use an index, a PCI "
				"address, " DEV_DIR "/N or sim", name);
	}
	if (!ctl_driver_loaded())
		return ctl_fail(EXIT_NO_DRIVER, "the tenstorrent driver is not loaded "
				"(no /sys/module/tenstorrent)");
	ret = describe_node((int)idx, d);
	if (ret == EXIT_PERMISSION)
		return ctl_fail(ret, DEV_DIR "/%ld: permission denied", idx);
	if (ret)
		return ctl_fail(ret, "no device " DEV_DIR "/%ld", idx);
	return 0;
}

int ctl_open(struct ctl_device *d)
{
	int ret;

	if (d->dev)
		return 0;
	if (d->index >= 0 && strcmp(d->chip, "model"))
		return 0;	/* cards are read through sysfs and hwmon */
	ret = tt_device_open(d->spec, &d->dev);
	if (ret == -EACCES || ret == -EPERM)
		return ctl_fail(EXIT_PERMISSION, "%s: %s", d->spec, tt_last_error());
	if (ret == -ENOENT || ret == -ENODEV)
		return ctl_fail(d->index < 0 ? EXIT_BAD_ARGUMENT : EXIT_NO_DEVICE, "%s: %s",
				d->spec, tt_last_error());
	if (ret == -EINVAL)
		return ctl_fail(EXIT_BAD_ARGUMENT, "%s: %s", d->spec, tt_last_error());
	if (ret)
		return ctl_fail(EXIT_NOT_RESPONDING, "%s: %s", d->spec, tt_last_error());
	return 0;
}

void ctl_close(struct ctl_device *d)
{
	tt_device_close(d->dev);
	d->dev = NULL;
}

/* A hwmon value of the device scaled by div; negative when absent. */
static double hwmon(const struct ctl_device *d, const char *name, double div)
{
	char pattern[PATH_MAX];
	glob_t g;
	double v = -1;

	snprintf(pattern, sizeof(pattern), "%s/device/hwmon/hwmon*/%s", d->sysfs, name);
	if (!glob(pattern, 0, NULL, &g) && g.gl_pathc && read_number(g.gl_pathv[0], &v))
		v /= div;
	else
		v = -1;
	globfree(&g);
	return v;
}

static int read_sysfs(const struct ctl_device *d, struct tt_telemetry *t)
{
	char path[PATH_MAX];
	double v;

	memset(t, 0, sizeof(*t));
	snprintf(path, sizeof(path), "%s/tt_heartbeat", d->sysfs);
	if (!read_number(path, &v))
		return ctl_fail(EXIT_NOT_RESPONDING, "%s: no heartbeat in sysfs", d->node);
	t->heartbeat = (uint64_t)v;
	t->asic_temp_c = hwmon(d, "temp1_input", 1000);
	t->temp_limit_c = hwmon(d, "temp1_max", 1000);
	t->vcore_v = hwmon(d, "in0_input", 1000);
	t->current_a = hwmon(d, "curr1_input", 1000);
	t->current_limit_a = hwmon(d, "curr1_max", 1000);
	t->power_w = hwmon(d, "power1_input", 1e6);
	t->power_limit_w = hwmon(d, "power1_max", 1e6);
	snprintf(path, sizeof(path), "%s/tt_aiclk", d->sysfs);
	t->aiclk_mhz = read_number(path, &v) ? v : -1;
	t->aiclk_max_mhz = -1;
	return 0;
}

int ctl_read_status(struct ctl_device *d, struct ctl_status *st)
{
	struct timespec pause = { 0, 60 * 1000 * 1000 };
	uint64_t first = 0;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = ctl_open(d);
	if (ret)
		return ret;
	st->have_library = d->dev != NULL;
	for (int i = 0; i < 2; i++) {
		if (i) {
			first = st->t.heartbeat;
			nanosleep(&pause, NULL);
		}
		if (d->dev) {
			if (tt_device_telemetry(d->dev, &st->t))
				return ctl_fail(EXIT_NOT_RESPONDING, "%s: %s", d->spec,
						tt_last_error());
		} else {
			ret = read_sysfs(d, &st->t);
			if (ret)
				return ret;
		}
	}
	st->heartbeat_moving = st->t.heartbeat != first;
	if (d->dev) {
		struct tt_device_info info;

		tt_device_info(d->dev, &info);
		st->dram_trained = st->t.dram_banks_trained ==
			(info.dram_banks >= 32 ? 0xffffffffu : (1u << info.dram_banks) - 1);
		/* A bundle version has four parts (tt-smi, the module's sysfs file). */
		snprintf(st->fw, sizeof(st->fw), "%u.%u.%u.0", st->t.fw_version >> 16,
			 (st->t.fw_version >> 8) & 0xff, st->t.fw_version & 0xff);
	} else {
		char path[PATH_MAX];

		st->dram_trained = -1;
		snprintf(path, sizeof(path), "%s/tt_fw_bundle_ver", d->sysfs);
		if (!read_line(path, st->fw, sizeof(st->fw)))
			strcpy(st->fw, "-");
	}
	return 0;
}

int ctl_holders(const struct ctl_device *d, char *pids, size_t len)
{
	struct dirent *p;
	size_t used = 0;
	int count = 0;
	DIR *proc;

	pids[0] = '\0';
	if (d->index < 0 || !(proc = opendir("/proc")))
		return 0;
	while ((p = readdir(proc))) {
		char dir[64], fd[384], target[PATH_MAX];
		struct dirent *f;
		DIR *fds;

		if (!isdigit((unsigned char)p->d_name[0]) || atoi(p->d_name) == getpid())
			continue;
		snprintf(dir, sizeof(dir), "/proc/%.20s/fd", p->d_name);
		fds = opendir(dir);
		if (!fds)
			continue;
		while ((f = readdir(fds))) {
			ssize_t n;

			snprintf(fd, sizeof(fd), "%s/%s", dir, f->d_name);
			n = readlink(fd, target, sizeof(target) - 1);
			if (n <= 0)
				continue;
			target[n] = '\0';
			if (!strcmp(target, d->node)) {
				int w = snprintf(pids + used, len - used, "%s%s", count ? "," : "",
						 p->d_name);

				if (w > 0 && (size_t)w < len - used)
					used += (size_t)w;
				count++;
				break;
			}
		}
		closedir(fds);
	}
	closedir(proc);
	return count;
}
