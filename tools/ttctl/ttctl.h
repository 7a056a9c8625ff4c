/* SPDX-License-Identifier: MIT */
/* ttctl: status, telemetry and reset of Tenstorrent devices and of the model. */
#ifndef TTCTL_H
#define TTCTL_H

#include <stdbool.h>
#include <stdint.h>

#include "ttuser.h"

/* Exit codes (documented in ttctl.1). */
enum {
	EXIT_OK = 0,
	EXIT_BAD_ARGUMENT = 2,
	EXIT_NO_DEVICE = 3,
	EXIT_PERMISSION = 4,
	EXIT_NO_DRIVER = 5,
	EXIT_NOT_RESPONDING = 6,
	EXIT_RESET_FAILED = 7,
	EXIT_BUSY = 8,
};

/* One device as ttctl sees it. */
struct ctl_device {
	int index;			/* N of /dev/tenstorrent/N; -1 for the in-process model */
	char spec[128];			/* what tt_device_open takes */
	char node[64];			/* "/dev/tenstorrent/0", or "-" */
	char bus_id[32];		/* PCI address, or "-" */
	char chip[16];			/* "model", "wormhole", "blackhole" */
	char board[32];
	char serial[32];
	char sysfs[256];		/* the device's sysfs directory, or "" */
	struct tt_device *dev;		/* open through libttuser, or NULL */
};

/* A reading; fields a device lacks are negative. */
struct ctl_status {
	struct tt_telemetry t;
	bool have_library;		/* t came from libttuser (else sysfs/hwmon) */
	bool heartbeat_moving;
	int dram_trained;		/* 1, 0, or -1 unknown */
	char fw[32];
};

enum ctl_format { FORMAT_TABLE, FORMAT_JSON, FORMAT_CSV };

/* devices.c */
bool ctl_driver_loaded(void);
/* All /dev/tenstorrent/N; returns how many (0..max) or -EXIT_*. */
int ctl_list(struct ctl_device *devs, int max);
/* The device -d names (index, PCI address, node, or sim[:opts]); 0 or an exit code. */
int ctl_select(const char *name, struct ctl_device *dev);
/* Open it through libttuser if it can be; 0 or an exit code. */
int ctl_open(struct ctl_device *dev);
void ctl_close(struct ctl_device *dev);
/* Telemetry now, and whether the heartbeat moves over ~50 ms; 0 or an exit code. */
int ctl_read_status(struct ctl_device *dev, struct ctl_status *st);
/* Processes other than this one that hold the device open (0 if unknown). */
int ctl_holders(const struct ctl_device *dev, char *pids, size_t len);

/* output.c */
void ctl_print_list(const struct ctl_device *devs, int n, enum ctl_format f);
void ctl_print_info(const struct ctl_device *dev, enum ctl_format f);
void ctl_print_status(const struct ctl_device *devs, const struct ctl_status *st, int n,
		      enum ctl_format f, bool header);

/* reset.c */
int ctl_reset(struct ctl_device *dev, bool force, bool progress);

/* Print "ttctl: ..." to stderr and return code. */
int ctl_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
