// SPDX-License-Identifier: MIT
/* Device health from the register page: temperatures, power, clocks, heartbeat. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

int tt_device_telemetry(struct tt_device *dev, struct tt_telemetry *t)
{
	struct ttsim_telemetry raw;
	const struct ttsim_regs *r;

	if (!dev || !t)
		return tt_error(-EINVAL, "tt_device_telemetry: NULL argument");
	r = dev->regs;
	if (__atomic_load_n(&r->magic, __ATOMIC_ACQUIRE) != TTSIM_MAGIC ||
	    __atomic_load_n(&r->status, __ATOMIC_ACQUIRE) == TTSIM_STATUS_OFF)
		return tt_error(-ENODEV, "the device does not answer (status %u)", r->status);
	memcpy(&raw, (const void *)&r->telemetry, sizeof(raw));
	memset(t, 0, sizeof(*t));
	t->asic_temp_c = raw.temp_mc / 1000.0;
	t->temp_limit_c = raw.temp_limit_mc / 1000.0;
	t->vcore_v = raw.vcore_mv / 1000.0;
	t->current_a = raw.current_ma / 1000.0;
	t->current_limit_a = raw.current_limit_ma / 1000.0;
	t->power_w = raw.power_mw / 1000.0;
	t->power_limit_w = raw.power_limit_mw / 1000.0;
	t->aiclk_mhz = raw.aiclk_mhz;
	t->aiclk_max_mhz = raw.aiclk_max_mhz;
	t->dram_banks_trained = raw.dram_status;
	t->fw_version = raw.fw_version;
	t->heartbeat = __atomic_load_n(&r->heartbeat, __ATOMIC_ACQUIRE);
	t->reset_count = __atomic_load_n(&r->reset_count, __ATOMIC_ACQUIRE);
	t->error = __atomic_load_n(&r->error, __ATOMIC_ACQUIRE);
	if (t->error)
		snprintf(t->error_msg, sizeof(t->error_msg), "%.*s",
			 (int)sizeof(r->error_msg) - 1, r->error_msg);
	return 0;
}
