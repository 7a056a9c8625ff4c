// SPDX-License-Identifier: MIT
/*
 * What ttctl prints: a table for people, JSON (keys as in tt-smi's
 * snapshot, numbers as numbers, null for what a device lacks) and CSV.
 */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "ttctl.h"

static const char *name_of(const struct ctl_device *d)
{
	return d->index < 0 ? d->spec : d->node;
}

/* A JSON string: the few characters that need it escaped. */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void json_num(double v, const char *fmt)
{
	if (v < 0)
		fputs("null", stdout);
	else
		printf(fmt, v);
}

/* A CSV field, quoted (RFC 4180) when it holds a comma or a quote. */
static void csv_str(const char *v, bool comma)
{
	if (comma)
		putchar(',');
	if (!strpbrk(v, ",\"\n")) {
		fputs(v, stdout);
		return;
	}
	putchar('"');
	for (; *v; v++) {
		if (*v == '"')
			putchar('"');
		putchar(*v);
	}
	putchar('"');
}

/* A CSV field: empty for what the device does not give (negative). */
static void csv_num(double v, const char *fmt)
{
	putchar(',');
	if (v >= 0)
		printf(fmt, v);
}

/* The fields that say which device this is. */
static void json_device(const struct ctl_device *d)
{
	const char *kv[] = {
		"device", name_of(d), "bus_id", d->bus_id, "chip", d->chip,
		"board_type", d->board, "board_id", d->serial,
	};
	unsigned i;

	for (i = 0; i < sizeof(kv) / sizeof(kv[0]); i += 2) {
		printf("%s\"%s\":", i ? "," : "", kv[i]);
		json_str(kv[i + 1]);
	}
}

void ctl_print_list(const struct ctl_device *devs, int n, enum ctl_format f)
{
	int i;

	if (f == FORMAT_JSON) {
		printf("[");
		for (i = 0; i < n; i++) {
			printf("%s{\"index\":%d,", i ? "," : "", devs[i].index);
			json_device(&devs[i]);
			printf("}");
		}
		printf("]\n");
		return;
	}
	if (f == FORMAT_CSV) {
		printf("index,bus_id,device,chip,board_type,board_id\n");
		for (i = 0; i < n; i++)
			printf("%d,%s,%s,%s,%s,%s\n", devs[i].index, devs[i].bus_id, devs[i].node,
			       devs[i].chip, devs[i].board, devs[i].serial);
		return;
	}
	printf("%-5s %-13s %-19s %-10s %-10s %s\n", "INDEX", "PCI", "NODE", "CHIP", "BOARD",
	       "SERIAL");
	for (i = 0; i < n; i++)
		printf("%-5d %-13s %-19s %-10s %-10s %s\n", devs[i].index, devs[i].bus_id,
		       devs[i].node, devs[i].chip, devs[i].board, devs[i].serial);
	if (!n)
		printf("(no devices)\n");
}

void ctl_print_info(const struct ctl_device *d, enum ctl_format f)
{
	struct tt_device_info info = { 0 };
	bool have = d->dev && !tt_device_info(d->dev, &info);

	if (f == FORMAT_JSON) {
		printf("{");
		json_device(d);
		if (have) {
			printf(",\"name\":");
			json_str(info.name);
			printf(",\"transport\":");
			json_str(info.transport);
			printf(",\"grid_x\":%u,\"grid_y\":%u,\"l1_size\":%u,\"dram_banks\":%u,"
			       "\"dram_bank_size\":%llu,\"command_queues\":%u", info.grid_x,
			       info.grid_y, info.l1_size, info.dram_banks,
			       (unsigned long long)info.dram_bank_size, info.nqueues);
		}
		printf("}\n");
		return;
	}
	if (f == FORMAT_CSV) {
		printf("device,bus_id,chip,board_type,grid_x,grid_y,l1_size,dram_banks,"
		       "dram_bank_size,command_queues\n");
		printf("%s,%s,%s,%s,", name_of(d), d->bus_id, d->chip, d->board);
		if (have)
			printf("%u,%u,%u,%u,%llu,%u\n", info.grid_x, info.grid_y, info.l1_size,
			       info.dram_banks, (unsigned long long)info.dram_bank_size,
			       info.nqueues);
		else
			printf(",,,,,\n");
		return;
	}
	printf("device:          %s\n", name_of(d));
	printf("chip:            %s\n", d->chip);
	printf("board:           %s\n", d->board);
	printf("PCI address:     %s\n", d->bus_id);
	printf("serial:          %s\n", d->serial);
	if (have) {
		printf("name:            %s (%s)\n", info.name, info.transport);
		printf("worker grid:     %u x %u\n", info.grid_x, info.grid_y);
		printf("L1 per core:     %u KiB\n", info.l1_size / 1024);
		printf("DRAM:            %u banks x %llu MiB\n", info.dram_banks,
		       (unsigned long long)(info.dram_bank_size >> 20));
		printf("command queues:  %u\n", info.nqueues);
	}
}

/* "measured / limit" for the table. */
static const char *pair(char *buf, size_t len, double v, double lim, const char *fmt)
{
	char a[16], b[16];

	if (v < 0)
		snprintf(a, sizeof(a), "N/A");
	else
		snprintf(a, sizeof(a), fmt, v);
	if (lim < 0)
		snprintf(buf, len, "%s", a);
	else {
		snprintf(b, sizeof(b), fmt, lim);
		snprintf(buf, len, "%s/%s", a, b);
	}
	return buf;
}

static void json_status(const struct ctl_device *d, const struct ctl_status *s)
{
	const struct tt_telemetry *t = &s->t;

	printf("{\"board_info\":{");
	json_device(d);
	printf(",\"dram_status\":%s}", s->dram_trained < 0 ? "null" :
	       s->dram_trained ? "true" : "false");
	printf(",\"telemetry\":{\"voltage\":");
	json_num(t->vcore_v, "%.3f");
	printf(",\"current\":");
	json_num(t->current_a, "%.1f");
	printf(",\"power\":");
	json_num(t->power_w, "%.1f");
	printf(",\"aiclk\":");
	json_num(t->aiclk_mhz, "%.0f");
	printf(",\"asic_temperature\":");
	json_num(t->asic_temp_c, "%.1f");
	printf(",\"heartbeat\":%llu,\"heartbeat_moving\":%s}", (unsigned long long)t->heartbeat,
	       s->heartbeat_moving ? "true" : "false");
	printf(",\"firmwares\":{\"fw_bundle_version\":");
	json_str(s->fw);
	printf("},\"limits\":{\"tdp_limit\":");
	json_num(t->power_limit_w, "%.1f");
	printf(",\"tdc_limit\":");
	json_num(t->current_limit_a, "%.1f");
	printf(",\"asic_fmax\":");
	json_num(t->aiclk_max_mhz, "%.0f");
	printf(",\"thm_limit\":");
	json_num(t->temp_limit_c, "%.1f");
	printf("},\"error\":");
	if (t->error)
		json_str(t->error_msg);
	else
		printf("null");
	printf("}");
}

void ctl_print_status(const struct ctl_device *devs, const struct ctl_status *st, int n,
		      enum ctl_format f, bool header)
{
	int i;

	if (f == FORMAT_JSON) {
		struct utsname u;
		char when[32];
		time_t now = time(NULL);
		FILE *v = fopen("/sys/module/tenstorrent/version", "r");
		char driver[64] = "";

		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", localtime(&now));
		if (v) {
			if (fgets(driver, sizeof(driver), v))
				driver[strcspn(driver, "\n")] = '\0';
			fclose(v);
		}
		uname(&u);
		printf("{\"time\":\"%s\",\"host_info\":{\"Kernel\":", when);
		json_str(u.release);
		printf(",\"Hostname\":");
		json_str(u.nodename);
		printf(",\"Driver\":");
		if (*driver) {
			printf("\"tenstorrent ");
			fputs(driver, stdout);
			putchar('"');
		} else {
			printf("null");
		}
		printf("},\"device_info\":[");
		for (i = 0; i < n; i++) {
			if (i)
				putchar(',');
			json_status(&devs[i], &st[i]);
		}
		printf("]}\n");
		return;
	}
	if (f == FORMAT_CSV) {
		if (header)
			printf("device,chip,bus_id,asic_temperature,thm_limit,voltage,current,"
			       "tdc_limit,power,tdp_limit,aiclk,asic_fmax,heartbeat,"
			       "heartbeat_moving,dram_status,fw_bundle_version\n");
		for (i = 0; i < n; i++) {
			const struct tt_telemetry *t = &st[i].t;

			csv_str(name_of(&devs[i]), false);
			csv_str(devs[i].chip, true);
			csv_str(devs[i].bus_id, true);
			csv_num(t->asic_temp_c, "%.1f");
			csv_num(t->temp_limit_c, "%.1f");
			csv_num(t->vcore_v, "%.3f");
			csv_num(t->current_a, "%.1f");
			csv_num(t->current_limit_a, "%.1f");
			csv_num(t->power_w, "%.1f");
			csv_num(t->power_limit_w, "%.1f");
			csv_num(t->aiclk_mhz, "%.0f");
			csv_num(t->aiclk_max_mhz, "%.0f");
			printf(",%llu,%d,", (unsigned long long)t->heartbeat, st[i].heartbeat_moving);
			if (st[i].dram_trained >= 0)
				printf("%d", st[i].dram_trained);
			csv_str(st[i].fw, true);
			putchar('\n');
		}
		return;
	}
	if (header)
		printf("%-18s %-9s %-13s %-12s %-8s %-12s %-12s %-10s %-14s %-5s %s\n", "DEVICE",
		       "CHIP", "PCI", "TEMP C", "VCORE V", "CURRENT A", "POWER W", "AICLK MHz",
		       "HEARTBEAT", "DRAM", "FW");
	for (i = 0; i < n; i++) {
		const struct tt_telemetry *t = &st[i].t;
		char a[32], b[32], c[32], e[32], g[32], hb[40];

		snprintf(hb, sizeof(hb), "%llu %s", (unsigned long long)t->heartbeat,
			 st[i].heartbeat_moving ? "alive" : "STUCK");
		printf("%-18s %-9s %-13s %-12s %-8s %-12s %-12s %-10s %-14s %-5s %s\n",
		       name_of(&devs[i]), devs[i].chip, devs[i].bus_id,
		       pair(a, sizeof(a), t->asic_temp_c, t->temp_limit_c, "%.1f"),
		       pair(b, sizeof(b), t->vcore_v, -1, "%.3f"),
		       pair(c, sizeof(c), t->current_a, t->current_limit_a, "%.1f"),
		       pair(e, sizeof(e), t->power_w, t->power_limit_w, "%.1f"),
		       pair(g, sizeof(g), t->aiclk_mhz, -1, "%.0f"), hb,
		       st[i].dram_trained < 0 ? "N/A" : st[i].dram_trained ? "ok" : "FAIL",
		       st[i].fw);
		if (t->error)
			printf("  device error: %s\n", t->error_msg);
	}
}
