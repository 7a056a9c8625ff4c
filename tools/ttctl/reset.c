// SPDX-License-Identifier: MIT
/*
 * Reset as a sequence of steps, each bounded and each with its own
 * failure: check nobody else holds the device, trigger, wait for the
 * device to come back, health check (heartbeat moving, telemetry sane,
 * DRAM trained, no device error). A failed step never ends in success.
 *
 * Coming back: where udev runs, the module's change event for the device
 * (TT_RESET=done with the new generation), which udev sends once it has
 * handled the device again (permissions, by-id names); where it does not
 * (an initramfs, the in-process model), the reset-state ioctl the library
 * waits on.
 */
#include <errno.h>
#include <inttypes.h>
#include <libudev.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ttctl.h"

#define RETURN_TIMEOUT_MS	10000

static void progress(bool on, const struct ctl_device *d, int step, const char *what)
{
	if (on)
		fprintf(stderr, "\r\033[Kreset %s: [%d/4] %s", d->index < 0 ? d->spec : d->node,
			step, what);
}

static void progress_end(bool on)
{
	if (on)
		fprintf(stderr, "\r\033[K");
}

/* Telemetry that a healthy device gives; NULL if fine, else what is wrong. */
static const char *insane(const struct ctl_status *st)
{
	const struct tt_telemetry *t = &st->t;

	if (!st->heartbeat_moving)
		return "the heartbeat does not move";
	if (t->asic_temp_c >= 0 && (t->asic_temp_c < 1 || t->asic_temp_c > 125))
		return "the temperature reading is implausible";
	if (t->vcore_v >= 0 && (t->vcore_v < 0.3 || t->vcore_v > 1.5))
		return "the core voltage reading is implausible";
	if (t->aiclk_mhz == 0)
		return "AICLK is 0";
	if (st->dram_trained == 0)
		return "DRAM is not trained";
	if (t->error)
		return "the device reports an error";
	return NULL;
}

struct reset_watch {
	struct udev *udev;
	struct udev_monitor *mon;
	uint64_t gen;			/* the device's reset generation before the reset */
};

/* Listens for the device's uevents, if udev runs and the device has a node. */
static void watch_start(struct reset_watch *w, const struct ctl_device *d)
{
	char path[320];
	FILE *f;

	memset(w, 0, sizeof(*w));
	if (d->index < 0 || !d->sysfs[0] || access("/run/udev/control", F_OK))
		return;
	snprintf(path, sizeof(path), "%s/tt_reset_generation", d->sysfs);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fscanf(f, "%" SCNu64, &w->gen) != 1) {
		fclose(f);
		return;
	}
	fclose(f);
	w->udev = udev_new();
	if (w->udev)
		w->mon = udev_monitor_new_from_netlink(w->udev, "udev");
	if (!w->mon || udev_monitor_filter_add_match_subsystem_devtype(w->mon, "tenstorrent",
									NULL) ||
	    udev_monitor_enable_receiving(w->mon)) {
		udev_monitor_unref(w->mon);
		w->mon = NULL;
	}
}

static void watch_end(struct reset_watch *w)
{
	udev_monitor_unref(w->mon);
	udev_unref(w->udev);
}

/*
 * Waits for udev's change event of d's node with a generation past w->gen:
 * 0, or -ETIMEDOUT.
 */
static int watch_wait(struct reset_watch *w, const struct ctl_device *d, int timeout_ms,
		      uint64_t *gen)
{
	struct pollfd pfd = { .fd = udev_monitor_get_fd(w->mon), .events = POLLIN };
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct udev_device *dev;
		int left, n;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = timeout_ms - (int)((t.tv_sec - t0.tv_sec) * 1000 +
					  (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, left);
		if (n <= 0)
			continue;
		dev = udev_monitor_receive_device(w->mon);
		if (!dev)
			continue;
		if (!strcmp(udev_device_get_action(dev) ?: "", "change") &&
		    !strcmp(udev_device_get_devnode(dev) ?: "", d->node) &&
		    !strcmp(udev_device_get_property_value(dev, "TT_RESET") ?: "", "done")) {
			const char *g = udev_device_get_property_value(dev, "TT_RESET_GENERATION");

			*gen = g ? strtoull(g, NULL, 10) : 0;
			if (*gen > w->gen) {
				udev_device_unref(dev);
				return 0;
			}
		}
		udev_device_unref(dev);
	}
}

int ctl_reset(struct ctl_device *d, bool force, bool show)
{
	const char *name = d->index < 0 ? d->spec : d->node;
	struct reset_watch w;
	struct ctl_status st;
	char pids[256], how[64];
	uint64_t gen = 0;
	int ret, waited;
	const char *bad;

	progress(show, d, 1, "checking who holds the device");
	if (ctl_holders(d, pids, sizeof(pids)) && !force) {
		progress_end(show);
		return ctl_fail(EXIT_BUSY, "%s is held by process %s; stop it, or use --force "
				"(its handles stop working)", name, pids);
	}
	ret = ctl_open(d);
	if (ret) {
		progress_end(show);
		return ret;
	}
	if (!d->dev) {
		progress_end(show);
		return ctl_fail(EXIT_RESET_FAILED, "%s: resetting a %s card needs the "
				"tenstorrent module's reset, which this ttctl cannot drive yet",
				name, d->chip);
	}

	progress(show, d, 2, "resetting");
	watch_start(&w, d);
	if (tt_device_reset(d->dev)) {
		progress_end(show);
		watch_end(&w);
		return ctl_fail(EXIT_RESET_FAILED, "%s: reset failed: %s", name, tt_last_error());
	}

	progress(show, d, 3, "waiting for the device to come back");
	if (w.mon) {
		ret = watch_wait(&w, d, RETURN_TIMEOUT_MS, &gen);
		watch_end(&w);
		if (ret) {
			progress_end(show);
			return ctl_fail(EXIT_NOT_RESPONDING, "%s: udev did not report the device "
					"back within %d ms after the reset", name,
					RETURN_TIMEOUT_MS);
		}
		snprintf(how, sizeof(how), "back through udev at generation %" PRIu64, gen);
	} else {
		watch_end(&w);
		snprintf(how, sizeof(how), "back by the reset state");
	}
	for (waited = 0;; waited += 100) {
		struct tt_telemetry t;

		if (!tt_device_telemetry(d->dev, &t))
			break;
		if (waited >= RETURN_TIMEOUT_MS) {
			progress_end(show);
			return ctl_fail(EXIT_NOT_RESPONDING, "%s did not come back within %d ms "
					"after the reset", name, RETURN_TIMEOUT_MS);
		}
		usleep(100 * 1000);
	}

	progress(show, d, 4, "health check");
	ret = ctl_read_status(d, &st);
	progress_end(show);
	if (ret)
		return EXIT_RESET_FAILED;
	bad = insane(&st);
	if (bad)
		return ctl_fail(EXIT_RESET_FAILED, "%s: after the reset %s", name, bad);
	printf("reset %s: ok (%s; reset %u, heartbeat %llu and moving, %.1f C, DRAM %s)\n",
	       name, how, st.t.reset_count, (unsigned long long)st.t.heartbeat, st.t.asic_temp_c,
	       st.dram_trained ? "trained" : "unknown");
	return EXIT_OK;
}
