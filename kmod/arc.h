/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What Wormhole and Blackhole share: the ARC firmware's telemetry tag
 * table and message queue, the reset marker and the config-space reset
 * trigger. The chips differ in how they reach ARC memory (csm_read32).
 */
#ifndef TT_ARC_H
#define TT_ARC_H

#include "device.h"

/* Telemetry tags of the ARC firmware's table. */
enum tt_tag {
	TT_TAG_BOARD_ID_HIGH = 1,
	TT_TAG_BOARD_ID_LOW = 2,
	TT_TAG_VCORE = 6,
	TT_TAG_POWER = 7,
	TT_TAG_CURRENT = 8,
	TT_TAG_VDD_LIMITS = 9,
	TT_TAG_ASIC_TEMP = 11,
	TT_TAG_AICLK = 14,
	TT_TAG_FLASH_BUNDLE_VERSION = 28,
	TT_TAG_TIMER_HEARTBEAT = 32,
	TT_TAG_TDC_LIMIT_MAX = 55,
	TT_TAG_THM_LIMIT_THROTTLE = 56,
	TT_TAG_AICLK_LIMIT_MAX = 63,
	TT_TAG_TDP_LIMIT_MAX = 64,
	TT_TAG_MAX = 65,
};

#define TT_ARC_CSM_BASE		0x10000000u
#define TT_ARC_CSM_SIZE		0x80000u

struct tt_arc {
	struct tt_device *tt;
	/* Read/write a 32-bit word of ARC address space; 0 or -errno. */
	int (*read32)(struct tt_device *tt, u32 addr, u32 *val);
	int (*write32)(struct tt_device *tt, u32 addr, u32 val);
	/* Tell ARC a message is queued. */
	int (*notify)(struct tt_device *tt);
	u32 tag_addr[TT_TAG_MAX];	/* 0: tag absent */
	u32 queue;			/* ARC address of the message queue, 0 none */
	u32 queue_entries;
};

/* Read the tag table at (table, data); missing tags stay absent. */
int tt_arc_probe_telemetry(struct tt_arc *arc, u32 table, u32 data);
int tt_arc_read_tag(struct tt_arc *arc, enum tt_tag tag, u32 *val);
/* The sensors common to both chips, from tags. */
int tt_arc_read_sensor(struct tt_arc *arc, enum tt_sensor s, u64 *val);
/* The queue control block at qcb; 0 or -errno. */
int tt_arc_probe_queue(struct tt_arc *arc, u32 qcb);
/* Send a message of 8 words and wait for its answer (unless resp is NULL); 0 if ARC says so. */
int tt_arc_message(struct tt_arc *arc, const u32 req[8], u32 resp[8]);
/* The board name of a BOARD_ID. */
const char *tt_arc_card_type(struct tt_arc *arc);

/* Reset marker: PCI_COMMAND's parity bit, which a chip reset clears. */
void tt_reset_marker_set(struct pci_dev *pdev);
bool tt_reset_marker_cleared(struct pci_dev *pdev);
/* The device-side reset through vendor config registers. */
void tt_reset_config_write(struct pci_dev *pdev);

#endif
