// SPDX-License-Identifier: MIT
/*
 * Reset as a sequence of steps, each bounded and each with its own
 * failure: check nobody else holds the device, trigger, wait for the
 * device to come back, health check (heartbeat moving, telemetry sane,
 * DRAM trained, no device error). A failed step never ends in success.
 */
#include <stdio.h>
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

int ctl_reset(struct ctl_device *d, bool force, bool show)
{
	const char *name = d->index < 0 ? d->spec : d->node;
	struct ctl_status st;
	char pids[256];
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
	if (tt_device_reset(d->dev)) {
		progress_end(show);
		return ctl_fail(EXIT_RESET_FAILED, "%s: reset failed: %s", name, tt_last_error());
	}

	progress(show, d, 3, "waiting for the device to come back");
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
	printf("reset %s: ok (reset %u, heartbeat %llu and moving, %.1f C, DRAM %s)\n", name,
	       st.t.reset_count, (unsigned long long)st.t.heartbeat, st.t.asic_temp_c,
	       st.dram_trained ? "trained" : "unknown");
	return EXIT_OK;
}
