// SPDX-License-Identifier: GPL-2.0-only
/*
 * Blackhole (1e52:b140). Runs in CI against Tenstorrent's ttsim behind
 * QEMU (tests/qemu/test_kmod_chip.c).
 *
 *   BAR0  202 x 2 MiB TLB windows (the last is the kernel's own); their
 *         registers (3 words each, 2 MiB windows then 4 GiB ones) at
 *         0x1FC00000. The module maps its window and those registers
 *         only, so that user space may map every other window WC.
 *   BAR2  PCIe controller registers (not used by the module)
 *   BAR4  up to 8 x 4 GiB TLB windows. QEMU's proxy cannot show a
 *         32 GiB BAR: without BAR4 there are no 4 GiB windows.
 *
 * ARC (NoC 8,0) is reached through the kernel's window: its boot status,
 * telemetry tag table and message queue. No interrupts are used.
 */
#include <linux/bitops.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "arc.h"

#define BH_TLB_2M_COUNT		202
#define BH_TLB_4G_MAX		8
#define BH_KERNEL_TLB		201
#define BH_TLB_REGS		0x1fc00000u
#define BH_TLB_REGS_SIZE	((BH_TLB_2M_COUNT + BH_TLB_4G_MAX) * 12)
#define BH_ARC_X		8
#define BH_ARC_Y		0
#define BH_RESET_SCRATCH(n)	(0x80030400u + 4 * (n))
#define BH_BOOT_STATUS		BH_RESET_SCRATCH(2)
#define BH_BOOT_READY		BIT(0)		/* ready for messages */
#define BH_BOOT_WAIT_MS		500
#define BH_ARC_MSI_FIFO		0x800b0000u
#define BH_MSG_POWER		0x21
#define BH_MSG_TRIGGER_RESET	0x56
#define BH_MSG_TEST		0x90
#define BH_GRID_X		14
#define BH_GRID_Y		10
#define BH_DRAM_CHANNELS	8

struct blackhole {
	void __iomem *tlb_regs;		/* BAR0: the TLB configuration */
	void __iomem *kernel_window;	/* BAR0: window 201 */
	unsigned int n4g;		/* 4 GiB windows BAR4 holds */
	spinlock_t kernel_tlb;		/* the kernel's window and its registers */
	bool arc_ready;
	struct tt_arc arc;
};

static struct blackhole *bh_of(struct tt_device *tt)
{
	return tt->cls_data;
}

static void bh_tlb_place(struct tt_device *tt, unsigned int id, unsigned int *bar, u64 *off)
{
	if (id < BH_TLB_2M_COUNT) {
		*bar = 0;
		*off = (u64)id << 21;
	} else {
		*bar = 4;
		*off = (u64)(id - BH_TLB_2M_COUNT) << 32;
	}
}

/* The fields after the address, from bit `at` on. */
static void bh_tlb_set(u32 w[3], unsigned int at, u64 v, unsigned int bits)
{
	unsigned int i;

	for (i = 0; i < bits; i++, at++)
		if (v & BIT_ULL(i))
			w[at / 32] |= BIT(at % 32);
}

static void bh_tlb_encode(unsigned int id, const struct tenstorrent_noc_tlb_config *c, u32 w[3])
{
	unsigned int at = id < BH_TLB_2M_COUNT ? 43 : 32;
	unsigned int shift = id < BH_TLB_2M_COUNT ? 21 : 32;

	w[0] = w[1] = w[2] = 0;
	bh_tlb_set(w, 0, c->addr >> shift, at);
	bh_tlb_set(w, at, c->x_end, 6);
	bh_tlb_set(w, at + 6, c->y_end, 6);
	bh_tlb_set(w, at + 12, c->x_start, 6);
	bh_tlb_set(w, at + 18, c->y_start, 6);
	bh_tlb_set(w, at + 24, c->noc, 2);
	bh_tlb_set(w, at + 26, c->mcast, 1);
	bh_tlb_set(w, at + 27, c->ordering, 2);
	bh_tlb_set(w, at + 29, c->linked, 1);
	bh_tlb_set(w, at + 30, c->static_vc ? 1 : 0, 1);
	bh_tlb_set(w, at + 32, c->static_vc, 3);
}

/* 32-bit writes only: the chip takes nothing else there. */
static void bh_tlb_write(struct blackhole *bh, unsigned int id, const u32 w[3])
{
	void __iomem *r = bh->tlb_regs + 12 * id;

	iowrite32(w[0], r);
	iowrite32(w[1], r + 4);
	iowrite32(w[2], r + 8);
}

static int bh_configure_tlb(struct tt_device *tt, unsigned int id,
			    const struct tenstorrent_noc_tlb_config *c)
{
	unsigned int shift = id < BH_TLB_2M_COUNT ? 21 : 32;
	u32 w[3];
	int ret = tt_tlb_check(c, shift, 64, 7);

	if (ret)
		return ret;
	bh_tlb_encode(id, c, w);
	bh_tlb_write(bh_of(tt), id, w);
	return 0;
}

/* Aim the kernel's window at (x, y, addr); returns the mapped word. Lock held. */
static void __iomem *bh_kernel_window(struct blackhole *bh, u8 x, u8 y, u8 noc, u64 addr)
{
	struct tenstorrent_noc_tlb_config c = {
		.addr = addr & ~(u64)(SZ_2M - 1),
		.x_end = x, .y_end = y, .noc = noc,
	};
	u32 w[3];

	bh_tlb_encode(BH_KERNEL_TLB, &c, w);
	bh_tlb_write(bh, BH_KERNEL_TLB, w);
	return bh->kernel_window + (addr & (SZ_2M - 1));
}

static int bh_noc_write32(struct tt_device *tt, u8 x, u8 y, u8 noc, u64 addr, u32 val)
{
	struct blackhole *bh = bh_of(tt);

	if (addr & 3)
		return -EINVAL;
	spin_lock(&bh->kernel_tlb);
	iowrite32(val, bh_kernel_window(bh, x, y, noc, addr));
	spin_unlock(&bh->kernel_tlb);
	return 0;
}

static int bh_arc_read32(struct tt_device *tt, u32 addr, u32 *val)
{
	struct blackhole *bh = bh_of(tt);

	spin_lock(&bh->kernel_tlb);
	*val = ioread32(bh_kernel_window(bh, BH_ARC_X, BH_ARC_Y, 0, addr));
	spin_unlock(&bh->kernel_tlb);
	return *val == 0xffffffff ? -ENODEV : 0;
}

static int bh_arc_write32(struct tt_device *tt, u32 addr, u32 val)
{
	return bh_noc_write32(tt, BH_ARC_X, BH_ARC_Y, 0, addr, val);
}

static int bh_arc_notify(struct tt_device *tt)
{
	return bh_noc_write32(tt, BH_ARC_X, BH_ARC_Y, 0, BH_ARC_MSI_FIFO, 0);
}

/* What the firmware offers: boot status, telemetry, message queue. */
static void bh_probe_firmware(struct tt_device *tt, bool verbose)
{
	struct blackhole *bh = bh_of(tt);
	struct device *dev = &tt->pdev->dev;
	unsigned long end = jiffies + msecs_to_jiffies(BH_BOOT_WAIT_MS);
	u32 boot = 0, table = 0, data = 0, qcb = 0;
	unsigned int tags, i;
	int ret;

	memset(bh->arc.tag_addr, 0, sizeof(bh->arc.tag_addr));
	bh->arc.queue = 0;
	for (;;) {
		ret = bh_arc_read32(tt, BH_BOOT_STATUS, &boot);
		if (ret || (boot & BH_BOOT_READY) || time_after(jiffies, end))
			break;
		msleep(10);
	}
	bh->arc_ready = !ret && (boot & BH_BOOT_READY);
	if (ret) {
		dev_warn(dev, "ARC does not answer: no telemetry, no firmware messages\n");
		return;
	}
	if (!bh->arc_ready)
		dev_warn(dev, "ARC firmware not ready for messages (boot status 0x%08x)\n", boot);
	if (bh_arc_read32(tt, BH_RESET_SCRATCH(13), &table) ||
	    bh_arc_read32(tt, BH_RESET_SCRATCH(12), &data) ||
	    tt_arc_probe_telemetry(&bh->arc, table, data))
		dev_warn(dev, "no telemetry table from the firmware: no hwmon or tt_* values\n");
	if (bh->arc_ready && (bh_arc_read32(tt, BH_RESET_SCRATCH(11), &qcb) ||
			      tt_arc_probe_queue(&bh->arc, qcb)))
		dev_warn(dev, "no message queue from the firmware: power settings and the DMC reset are not available\n");
	if (!verbose)
		return;
	for (tags = 0, i = 0; i < TT_TAG_MAX; i++)
		tags += bh->arc.tag_addr[i] != 0;
	dev_info(dev, "ARC boot status 0x%08x, %u telemetry tags, message queue %s\n", boot, tags,
		 bh->arc.queue ? "present" : "absent");
}

static void bh_unmap(struct pci_dev *pdev, struct blackhole *bh)
{
	if (bh->tlb_regs)
		pci_iounmap(pdev, bh->tlb_regs);
	if (bh->kernel_window)
		pci_iounmap(pdev, bh->kernel_window);
}

static int bh_init(struct tt_device *tt)
{
	struct pci_dev *pdev = tt->pdev;
	resource_size_t len0 = pci_resource_len(pdev, 0);
	struct blackhole *bh;
	unsigned int i;

	if (len0 < SZ_512M) {
		dev_err(&pdev->dev, "Blackhole BAR0 is smaller than expected (%pa)\n", &len0);
		return -ENODEV;
	}
	bh = kzalloc(sizeof(*bh), GFP_KERNEL);
	if (!bh)
		return -ENOMEM;
	spin_lock_init(&bh->kernel_tlb);
	bh->tlb_regs = tt_iomap(tt, 0, BH_TLB_REGS, BH_TLB_REGS_SIZE);
	bh->kernel_window = tt_iomap(tt, 0, (unsigned long)BH_KERNEL_TLB << 21, SZ_2M);
	if (!bh->tlb_regs || !bh->kernel_window) {
		bh_unmap(pdev, bh);
		kfree(bh);
		return -ENOMEM;
	}
	bh->n4g = min_t(u64, pci_resource_len(pdev, 4) >> 32, BH_TLB_4G_MAX);
	tt_arc_init(&bh->arc, tt, BH_DRAM_CHANNELS);
	bh->arc.read32 = bh_arc_read32;
	bh->arc.write32 = bh_arc_write32;
	bh->arc.notify = bh_arc_notify;
	tt->cls_data = bh;
	/* The kernel's window and 4 GiB windows BAR4 lacks are never handed out. */
	set_bit(BH_KERNEL_TLB, tt->tlbs);
	for (i = bh->n4g; i < BH_TLB_4G_MAX; i++)
		set_bit(BH_TLB_2M_COUNT + i, tt->tlbs);
	if (!bh->n4g)
		dev_info(&pdev->dev, "no BAR4: no 4 GiB TLB windows (ALLOCATE_TLB of 4 GiB: ENOMEM)\n");
	bh_probe_firmware(tt, true);
	if (!tt_has_msi(pdev))
		dev_info(&pdev->dev, "no MSI or MSI-X capability: no interrupts, the driver polls\n");
	if (!tt_reset_config_write_possible(pdev))
		dev_info(&pdev->dev, "no extended config space: the config-write resets (ASIC_RESET, CONFIG_WRITE) are not available\n");
	pci_save_state(pdev);
	return 0;
}

static void bh_fini(struct tt_device *tt)
{
	bh_unmap(tt->pdev, bh_of(tt));
	kfree(bh_of(tt));
	tt->cls_data = NULL;
}

static int bh_reset(struct tt_device *tt, u32 how)
{
	struct blackhole *bh = bh_of(tt);
	u32 req[8] = {}, resp[8];
	int ret;

	switch (how) {
	case TENSTORRENT_RESET_DEVICE_ASIC_RESET:
	case TENSTORRENT_RESET_DEVICE_CONFIG_WRITE:
		if (!tt_reset_config_write_possible(tt->pdev))
			return -EOPNOTSUPP;
		tt_reset_marker_set(tt->pdev);
		tt_reset_config_write(tt->pdev);
		return 0;
	case TENSTORRENT_RESET_DEVICE_ASIC_DMC_RESET:
		if (!bh->arc.queue)
			return -EOPNOTSUPP;
		/* ARC must answer before it is asked to reset the chip. */
		req[0] = BH_MSG_TEST;
		ret = tt_arc_message(&bh->arc, req, resp);
		tt_reset_marker_set(tt->pdev);
		if (ret)
			return ret;
		req[0] = BH_MSG_TRIGGER_RESET;
		req[1] = 3;
		return tt_arc_message(&bh->arc, req, NULL);
	default:
		return -EOPNOTSUPP;
	}
}

/* As on Wormhole: a chip still there with the marker set did not reset. */
static int bh_post_reset(struct tt_device *tt)
{
	struct pci_dev *pdev = tt->pdev;
	bool reset = tt_reset_marker_cleared(pdev);
	u16 vendor = 0;

	if (!reset && (pci_read_config_word(pdev, PCI_VENDOR_ID, &vendor) ||
		       vendor != pdev->vendor))
		return -EIO;
	pci_restore_state(pdev);
	pci_save_state(pdev);
	bh_probe_firmware(tt, false);
	if (reset)
		return 0;
	dev_warn(&pdev->dev, "the chip did not reset (the reset marker is still set): it keeps its state and stays in use\n");
	return 1;
}

static bool bh_reset_ready(struct tt_device *tt)
{
	return tt_reset_marker_cleared(tt->pdev);
}

static int bh_read_sensor(struct tt_device *tt, enum tt_sensor s, u64 *val)
{
	return tt_arc_read_sensor(&bh_of(tt)->arc, s, val);
}

static int bh_harvesting(struct tt_device *tt, struct tenstorrent_get_harvesting_out *out)
{
	struct tt_arc *arc = &bh_of(tt)->arc;
	u32 v;

	if (!tt_arc_read_tag(arc, TT_TAG_ENABLED_TENSIX_COL, &v)) {
		out->valid |= TENSTORRENT_HARVEST_VALID_TENSIX;
		out->tensix_disabled = ~v & GENMASK(BH_GRID_X - 1, 0);
		out->grid_x = BH_GRID_X - hweight32(out->tensix_disabled);
		out->grid_y = BH_GRID_Y;
	}
	if (!tt_arc_read_tag(arc, TT_TAG_ENABLED_GDDR, &v)) {
		out->valid |= TENSTORRENT_HARVEST_VALID_DRAM;
		out->dram_disabled = ~v & GENMASK(BH_DRAM_CHANNELS - 1, 0);
	} else if (!tt_arc_dram_disabled(arc, &v)) {
		out->valid |= TENSTORRENT_HARVEST_VALID_DRAM;
		out->dram_disabled = v;
	}
	return 0;
}

static int bh_set_power(struct tt_device *tt, u16 flags, const u16 *settings)
{
	u32 req[8] = {}, resp[8];
	unsigned int i;

	req[0] = BH_MSG_POWER | TT_POWER_VALIDITY(15, 14) << 8 | (u32)flags << 16;
	for (i = 0; i < 14; i++)
		req[1 + i / 2] |= (u32)settings[i] << (16 * (i % 2));
	return tt_arc_message(&bh_of(tt)->arc, req, resp);
}

static const char *bh_card_type(struct tt_device *tt)
{
	return tt_arc_card_type(&bh_of(tt)->arc);
}

const struct tt_class tt_blackhole_class = {
	.name = "blackhole",
	.arch = TENSTORRENT_ARCH_BLACKHOLE,
	.dma_bits = 58,
	.num_vectors = 1,
	.mapped_bars = { 0, 2, 4 },
	.tlb_kinds = 2,
	.tlb_size = { SZ_2M, SZ_4G },
	.tlb_count = { BH_TLB_2M_COUNT, BH_TLB_4G_MAX },
	.init = bh_init,
	.fini = bh_fini,
	.reset = bh_reset,
	.post_reset = bh_post_reset,
	.reset_ready = bh_reset_ready,
	.tlb_place = bh_tlb_place,
	.configure_tlb = bh_configure_tlb,
	.noc_write32 = bh_noc_write32,
	.read_sensor = bh_read_sensor,
	.harvesting = bh_harvesting,
	.set_power = bh_set_power,
	.card_type = bh_card_type,
	.hwmon_name = "blackhole",
};
