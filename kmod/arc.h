/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What Wormhole and Blackhole share: the ARC firmware's telemetry tag
 * table and message queue, the reset marker and the config-space reset
 * trigger. The chips differ in how they reach ARC memory (read32/write32).
 */
#ifndef TT_ARC_H
#define TT_ARC_H

#include <linux/mutex.h>

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
	TT_TAG_GDDR_STATUS = 22,	/* 2 bits a channel: bit 0 trained, bit 1 error */
	TT_TAG_FLASH_BUNDLE_VERSION = 28,
	TT_TAG_TIMER_HEARTBEAT = 32,
	TT_TAG_ENABLED_TENSIX_COL = 34,	/* Blackhole: bit c, worker column c enabled */
	TT_TAG_ENABLED_GDDR = 36,	/* Blackhole: bit b, DRAM channel b enabled */
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
	unsigned int dram_channels;	/* for TT_SENSOR_DRAM_STATUS */
	struct mutex msg_lock;		/* one message in the queue at a time */
	u32 tag_addr[TT_TAG_MAX];	/* 0: tag absent */
	u32 queue;			/* ARC address of the message queue, 0 none */
	u32 queue_entries;
};

void tt_arc_init(struct tt_arc *arc, struct tt_device *tt, unsigned int dram_channels);
/* Read the tag table at (table, data); missing tags stay absent. */
int tt_arc_probe_telemetry(struct tt_arc *arc, u32 table, u32 data);
int tt_arc_read_tag(struct tt_arc *arc, enum tt_tag tag, u32 *val);
/* The sensors common to both chips, from tags. */
int tt_arc_read_sensor(struct tt_arc *arc, enum tt_sensor s, u64 *val);
/* DRAM channels the firmware reports unusable (GDDR_STATUS); -ENODATA if it does not. */
int tt_arc_dram_disabled(struct tt_arc *arc, u32 *mask);
/* The queue control block at qcb; 0 or -errno. */
int tt_arc_probe_queue(struct tt_arc *arc, u32 qcb);
/*
 * Send a message of 8 words and wait for its answer (unless resp is NULL);
 * 0 if ARC says so, -EOPNOTSUPP without a message queue. Sleeps.
 */
int tt_arc_message(struct tt_arc *arc, const u32 req[8], u32 resp[8]);
/* The board name of a BOARD_ID. */
const char *tt_arc_card_type(struct tt_arc *arc);

/* Reset marker: PCI_COMMAND's parity bit, which a chip reset clears. */
void tt_reset_marker_set(struct pci_dev *pdev);
bool tt_reset_marker_cleared(struct pci_dev *pdev);
/*
 * The device-side reset through vendor registers at 0x930 of the
 * extended config space; false when the device has none to reach (a
 * conventional PCI function, e.g. behind QEMU's proxy).
 */
bool tt_reset_config_write_possible(struct pci_dev *pdev);
void tt_reset_config_write(struct pci_dev *pdev);
/*
 * CONFIGURE_TLB's checks for both chips: the address aligned to the window
 * (1 << shift) and within addr_bits; ordering 0-2 (3 is no mode of the
 * chip); never linked (not safe: the kernel uses its own window at any
 * time); start coordinates only with multicast, and then not past the end.
 */
int tt_tlb_check(const struct tenstorrent_noc_tlb_config *c, unsigned int shift,
		 unsigned int addr_bits, u8 max_static_vc);
/* Interrupts the driver could have: false when the device has no MSI/MSI-X. */
bool tt_has_msi(struct pci_dev *pdev);

#endif
