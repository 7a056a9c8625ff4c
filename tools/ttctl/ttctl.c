// SPDX-License-Identifier: MIT
/*
 * ttctl: list Tenstorrent devices, show their status and telemetry, watch
 * them, reset them. See ttctl.1.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ttctl.h"

#define MAX_DEVICES	64
#define TTCTL_VERSION	"0.1.0"

static const char usage[] =
	"usage: ttctl [OPTIONS] COMMAND\n"
	"\n"
	"commands:\n"
	"  list               devices: index, PCI address, node, chip, board, serial\n"
	"  info               what a device is: grid, L1, DRAM, queues\n"
	"  status, telemetry  temperature, voltage, current, power, AICLK, heartbeat,\n"
	"                     DRAM, firmware, each with its limit where known\n"
	"  watch              status again every -i seconds, -n times (default: until ^C)\n"
	"  reset              reset -d DEVICE, or -d all; checks the device afterwards\n"
	"\n"
	"options:\n"
	"  -d, --device DEV   index, PCI address (dddd:bb:dd.f), /dev/tenstorrent/N,\n"
	"                     all, or sim[:grid=XxY,...] for the in-process model\n"
	"                     (default: every device)\n"
	"      --json         JSON (numbers as numbers; keys as in tt-smi's snapshot)\n"
	"      --csv          CSV with a header line\n"
	"      --force        reset even while other processes hold the device\n"
	"  -i, --interval S   seconds between watch readings (default 1)\n"
	"  -n, --count N      watch readings (default: no limit)\n"
	"  -h, --help         this text\n"
	"  -V, --version      ttctl's version\n"
	"\n"
	"exit codes: 0 ok, 2 bad argument, 3 no such device, 4 permission denied,\n"
	"5 driver not loaded, 6 device not responding, 7 reset failed, 8 device busy\n";

int ctl_fail(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("ttctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* The devices a command works on: -d's, or all of them. */
static int select_devices(const char *name, struct ctl_device *devs, int *n)
{
	int ret;

	if (name && strcmp(name, "all")) {
		*n = 1;
		return ctl_select(name, &devs[0]);
	}
	ret = ctl_list(devs, MAX_DEVICES);
	if (ret == -EXIT_NO_DRIVER)
		return ctl_fail(EXIT_NO_DRIVER, "the tenstorrent driver is not loaded (no "
				"/sys/module/tenstorrent); -d sim shows the in-process model");
	if (ret < 0)
		return ctl_fail(-ret, "cannot list /dev/tenstorrent");
	if (!ret)
		return ctl_fail(EXIT_NO_DEVICE, "no Tenstorrent devices found");
	*n = ret;
	return 0;
}

static int parse_positive(const char *s, const char *what, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (errno || end == s || *end || *v <= 0 || *v > 1e6)
		return ctl_fail(EXIT_BAD_ARGUMENT, "%s must be a positive number, not '%s'", what,
				s);
	return 0;
}

static int cmd_status(struct ctl_device *devs, int n, enum ctl_format f, double interval,
		      long count)
{
	static struct ctl_status st[MAX_DEVICES];
	static struct ctl_device ok[MAX_DEVICES];
	int i, ret = EXIT_OK, r, nok;
	long round;

	for (round = 0; !stop && (count < 0 || round < count); round++) {
		if (round) {
			struct timespec ts = { (time_t)interval,
					       (long)((interval - (time_t)interval) * 1e9) };

			while (nanosleep(&ts, &ts) && !stop)
				;
			if (stop)
				break;
		}
		/* A device that cannot be read said why on stderr; the others are shown. */
		for (i = 0, nok = 0; i < n; i++) {
			r = ctl_read_status(&devs[i], &st[nok]);
			if (r)
				ret = r;
			else
				ok[nok++] = devs[i];
		}
		if (nok)
			ctl_print_status(ok, st, nok, f, round == 0);
		fflush(stdout);
	}
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'c' },
		{ "force", no_argument, NULL, 'f' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	static struct ctl_device devs[MAX_DEVICES];
	enum ctl_format f = FORMAT_TABLE;
	const char *dev_name = NULL, *cmd;
	double interval = 1, count = -1;
	bool force = false;
	int c, n = 0, i, ret;

	while ((c = getopt_long(argc, argv, "d:i:n:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dev_name = optarg;
			break;
		case 'j':
			f = FORMAT_JSON;
			break;
		case 'c':
			f = FORMAT_CSV;
			break;
		case 'f':
			force = true;
			break;
		case 'i':
			if (parse_positive(optarg, "-i", &interval))
				return EXIT_BAD_ARGUMENT;
			break;
		case 'n':
			if (parse_positive(optarg, "-n", &count) || count != (long)count)
				return ctl_fail(EXIT_BAD_ARGUMENT, "-n must be a whole number");
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		case 'V':
			printf("ttctl %s\n", TTCTL_VERSION);
			return EXIT_OK;
		default:
			fputs(usage, stderr);
			return EXIT_BAD_ARGUMENT;
		}
	}
	if (optind != argc - 1) {
		fputs(usage, stderr);
		return EXIT_BAD_ARGUMENT;
	}
	cmd = argv[optind];
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	if (!strcmp(cmd, "list")) {
		n = ctl_list(devs, MAX_DEVICES);
		if (n == -EXIT_NO_DRIVER)
			return ctl_fail(EXIT_NO_DRIVER, "the tenstorrent driver is not loaded (no "
					"/sys/module/tenstorrent)");
		if (n < 0)
			return ctl_fail(-n, "cannot list /dev/tenstorrent");
		ctl_print_list(devs, n, f);
		return EXIT_OK;
	}
	if (strcmp(cmd, "info") && strcmp(cmd, "status") && strcmp(cmd, "telemetry") &&
	    strcmp(cmd, "watch") && strcmp(cmd, "reset"))
		return ctl_fail(EXIT_BAD_ARGUMENT, "unknown command '%s' (see ttctl --help)", cmd);
	if (!strcmp(cmd, "reset") && !dev_name)
		return ctl_fail(EXIT_BAD_ARGUMENT, "reset needs -d DEVICE or -d all");

	ret = select_devices(dev_name, devs, &n);
	if (ret)
		return ret;
	if (!strcmp(cmd, "info")) {
		for (i = 0; i < n && !ret; i++) {
			ret = ctl_open(&devs[i]);
			if (!ret)
				ctl_print_info(&devs[i], f);
		}
	} else if (!strcmp(cmd, "reset")) {
		bool show = isatty(STDERR_FILENO);

		for (i = 0; i < n; i++) {
			int r = ctl_reset(&devs[i], force, show);

			if (r && !ret)
				ret = r;
		}
	} else {
		ret = cmd_status(devs, n, f, interval,
				 !strcmp(cmd, "watch") ? (long)count : 1);
	}
	for (i = 0; i < n; i++)
		ctl_close(&devs[i]);
	return ret;
}
