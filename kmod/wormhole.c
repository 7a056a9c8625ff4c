// SPDX-License-Identifier: GPL-2.0-only
/*
 * Wormhole (1e52:401e). Written from the public register facts; untested
 * without a card.
 *
 *   BAR0  TLB windows: 156 x 1 MiB, 10 x 2 MiB, 20 x 16 MiB; the last
 *         16 MiB window is the kernel's own (NoC reads and writes)
 *   BAR2  PCIe controller registers; the iATU at 0x1200
 *   BAR4  the chip's system registers (SoC 0x1E000000..0x20000000) once
 *         inbound iATU region 1 maps it
 */
#include <linux/io.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "arc.h"

#define WH_SOC_BAR4_BASE	0x1e000000u
#define WH_RESET_UNIT		(0x1ff30000u - WH_SOC_BAR4_BASE)
#define WH_SCRATCH(n)		(WH_RESET_UNIT + 0x60 + 4 * (n))
#define WH_ARC_MISC_CNTL	(WH_RESET_UNIT + 0x100)
#define WH_TELEMETRY_TABLE	(WH_RESET_UNIT + 0x1d0)
#define WH_TELEMETRY_DATA	(WH_RESET_UNIT + 0x1d4)
#define WH_QUEUE_CONTROL	(WH_RESET_UNIT + 0x1d8)
#define WH_ARC_CSM		(0x1fe80000u - WH_SOC_BAR4_BASE)
#define WH_TLB_REGS		(0x1fc00000u - WH_SOC_BAR4_BASE)

#define WH_IATU			0x1200
#define WH_IATU_INBOUND(r)	(WH_IATU + (r) * 0x200 + 0x100)
#define WH_IATU_CTRL1		0x00
#define WH_IATU_CTRL2		0x04
#define WH_IATU_TARGET_LO	0x14
#define WH_IATU_TARGET_HI	0x18
#define WH_IATU_ENABLE		BIT(31)
#define WH_IATU_BAR_MATCH	BIT(30)

#define WH_MSG_TRIGGER_RESET	0x56
#define WH_MSG_POWER		0xc0
#define WH_KERNEL_TLB		185
#define WH_TLB_16M_BASE		(176u << 20)
#define WH_NOC_ADDR_BITS	36

struct wormhole {
	void __iomem *bar0;
	void __iomem *bar2;
	void __iomem *bar4;
	spinlock_t kernel_tlb;		/* the kernel's window and its register */
	struct tt_arc arc;
};

static struct wormhole *wh_of(struct tt_device *tt)
{
	return tt->cls_data;
}

static void wh_tlb_place(struct tt_device *tt, unsigned int id, unsigned int *bar, u64 *off)
{
	*bar = 0;
	if (id < 156)
		*off = (u64)id << 20;
	else if (id < 166)
		*off = (156ull << 20) + ((u64)(id - 156) << 21);
	else
		*off = WH_TLB_16M_BASE + ((u64)(id - 166) << 24);
}

static unsigned int wh_tlb_shift(unsigned int id)
{
	return id < 156 ? 20 : id < 166 ? 21 : 24;
}

static u64 wh_tlb_encode(unsigned int shift, const struct tenstorrent_noc_tlb_config *c)
{
	unsigned int at = WH_NOC_ADDR_BITS - shift;

	return (c->addr >> shift) |
	       (u64)c->x_end << at | (u64)c->y_end << (at + 6) |
	       (u64)c->x_start << (at + 12) | (u64)c->y_start << (at + 18) |
	       (u64)c->noc << (at + 24) | (u64)c->mcast << (at + 25) |
	       (u64)c->ordering << (at + 26) | (u64)c->linked << (at + 28);
}

static void wh_tlb_write(struct wormhole *wh, unsigned int id, u64 val)
{
	iowrite32(lower_32_bits(val), wh->bar4 + WH_TLB_REGS + 8 * id);
	iowrite32(upper_32_bits(val), wh->bar4 + WH_TLB_REGS + 8 * id + 4);
}

static int wh_configure_tlb(struct tt_device *tt, unsigned int id,
			    const struct tenstorrent_noc_tlb_config *c)
{
	unsigned int shift = wh_tlb_shift(id);

	if (c->addr & (BIT_ULL(shift) - 1) || c->addr >> WH_NOC_ADDR_BITS ||
	    c->x_end > 63 || c->y_end > 63 || c->x_start > 63 || c->y_start > 63 ||
	    c->noc > 1 || c->mcast > 1 || c->ordering > 3 || c->linked > 1 || c->static_vc)
		return -EINVAL;
	wh_tlb_write(wh_of(tt), id, wh_tlb_encode(shift, c));
	return 0;
}

/* Aim the kernel's window at (x, y, addr); returns the mapped word. Lock held. */
static void __iomem *wh_kernel_window(struct wormhole *wh, u8 x, u8 y, u8 noc, u64 addr)
{
	struct tenstorrent_noc_tlb_config c = {
		.addr = addr & ~(u64)(SZ_16M - 1),
		.x_end = x, .y_end = y, .noc = noc,
	};

	wh_tlb_write(wh, WH_KERNEL_TLB, wh_tlb_encode(24, &c));
	return wh->bar0 + WH_TLB_16M_BASE + (u64)(WH_KERNEL_TLB - 166) * SZ_16M +
	       (addr & (SZ_16M - 1));
}

static int wh_noc_write32(struct tt_device *tt, u8 x, u8 y, u8 noc, u64 addr, u32 val)
{
	struct wormhole *wh = wh_of(tt);

	if (addr >> WH_NOC_ADDR_BITS)
		return -EINVAL;
	spin_lock(&wh->kernel_tlb);
	iowrite32(val, wh_kernel_window(wh, x, y, noc, addr));
	spin_unlock(&wh->kernel_tlb);
	return 0;
}

static int wh_csm_read32(struct tt_device *tt, u32 addr, u32 *val)
{
	*val = ioread32(wh_of(tt)->bar4 + WH_ARC_CSM + (addr - TT_ARC_CSM_BASE));
	return 0;
}

static int wh_csm_write32(struct tt_device *tt, u32 addr, u32 val)
{
	iowrite32(val, wh_of(tt)->bar4 + WH_ARC_CSM + (addr - TT_ARC_CSM_BASE));
	return 0;
}

static int wh_arc_notify(struct tt_device *tt)
{
	void __iomem *cntl = wh_of(tt)->bar4 + WH_ARC_MISC_CNTL;

	iowrite32(ioread32(cntl) | BIT(16), cntl);
	return 0;
}

/* The scratch-register message: no answer awaited (reset). */
static void wh_scratch_message(struct wormhole *wh, u32 msg, u16 arg0, u16 arg1)
{
	iowrite32(arg0 | (u32)arg1 << 16, wh->bar4 + WH_SCRATCH(3));
	iowrite32(0xaa00 | msg, wh->bar4 + WH_SCRATCH(5));
	wh_arc_notify(wh->arc.tt);
}

/* BAR4 shows the system registers through inbound iATU region 1. */
static void wh_map_bar4(struct wormhole *wh)
{
	void __iomem *r = wh->bar2 + WH_IATU_INBOUND(1);

	iowrite32(WH_SOC_BAR4_BASE, r + WH_IATU_TARGET_LO);
	iowrite32(0, r + WH_IATU_TARGET_HI);
	iowrite32(0, r + WH_IATU_CTRL1);
	iowrite32(WH_IATU_ENABLE | WH_IATU_BAR_MATCH | 4 << 8, r + WH_IATU_CTRL2);
}

static void wh_probe_firmware(struct tt_device *tt)
{
	struct wormhole *wh = wh_of(tt);

	if (tt_arc_probe_telemetry(&wh->arc, ioread32(wh->bar4 + WH_TELEMETRY_TABLE),
				   ioread32(wh->bar4 + WH_TELEMETRY_DATA)))
		dev_warn(&tt->pdev->dev, "no telemetry table from the firmware\n");
	tt_arc_probe_queue(&wh->arc, ioread32(wh->bar4 + WH_QUEUE_CONTROL));
}

static int wh_init(struct tt_device *tt)
{
	struct pci_dev *pdev = tt->pdev;
	struct wormhole *wh;

	if (pci_resource_len(pdev, 0) < SZ_512M || pci_resource_len(pdev, 4) < SZ_32M) {
		dev_err(&pdev->dev, "Wormhole BARs are smaller than expected\n");
		return -ENODEV;
	}
	wh = kzalloc(sizeof(*wh), GFP_KERNEL);
	if (!wh)
		return -ENOMEM;
	spin_lock_init(&wh->kernel_tlb);
	wh->bar0 = pci_iomap(pdev, 0, 0);
	wh->bar2 = pci_iomap(pdev, 2, 0);
	wh->bar4 = pci_iomap(pdev, 4, 0);
	if (!wh->bar0 || !wh->bar2 || !wh->bar4) {
		if (wh->bar0)
			pci_iounmap(pdev, wh->bar0);
		if (wh->bar2)
			pci_iounmap(pdev, wh->bar2);
		if (wh->bar4)
			pci_iounmap(pdev, wh->bar4);
		kfree(wh);
		return -ENOMEM;
	}
	wh->arc.tt = tt;
	wh->arc.read32 = wh_csm_read32;
	wh->arc.write32 = wh_csm_write32;
	wh->arc.notify = wh_arc_notify;
	tt->cls_data = wh;
	set_bit(WH_KERNEL_TLB, tt->tlbs);
	wh_map_bar4(wh);
	wh_probe_firmware(tt);
	pci_save_state(pdev);
	return 0;
}

static void wh_fini(struct tt_device *tt)
{
	struct wormhole *wh = wh_of(tt);

	pci_iounmap(tt->pdev, wh->bar0);
	pci_iounmap(tt->pdev, wh->bar2);
	pci_iounmap(tt->pdev, wh->bar4);
	kfree(wh);
	tt->cls_data = NULL;
}

static int wh_reset(struct tt_device *tt, u32 how)
{
	struct wormhole *wh = wh_of(tt);

	switch (how) {
	case TENSTORRENT_RESET_DEVICE_ASIC_RESET:
	case TENSTORRENT_RESET_DEVICE_ASIC_DMC_RESET:
		tt_reset_marker_set(tt->pdev);
		wh_scratch_message(wh, WH_MSG_TRIGGER_RESET,
				   how == TENSTORRENT_RESET_DEVICE_ASIC_RESET ? 0 : 3, 0);
		return 0;
	case TENSTORRENT_RESET_DEVICE_CONFIG_WRITE:
		tt_reset_marker_set(tt->pdev);
		tt_reset_config_write(tt->pdev);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static int wh_post_reset(struct tt_device *tt)
{
	if (!tt_reset_marker_cleared(tt->pdev))
		return -EIO;
	pci_restore_state(tt->pdev);
	pci_save_state(tt->pdev);
	wh_map_bar4(wh_of(tt));
	wh_probe_firmware(tt);
	return 0;
}

static bool wh_reset_ready(struct tt_device *tt)
{
	return tt_reset_marker_cleared(tt->pdev);
}

static int wh_read_sensor(struct tt_device *tt, enum tt_sensor s, u64 *val)
{
	return tt_arc_read_sensor(&wh_of(tt)->arc, s, val);
}

static int wh_set_power(struct tt_device *tt, u16 flags, const u16 *settings)
{
	struct wormhole *wh = wh_of(tt);
	u32 req[8] = {}, resp[8];
	unsigned int i;

	if (!wh->arc.queue)
		return 0;	/* firmware without a message queue: no power control */
	req[0] = WH_MSG_POWER | TT_POWER_VALIDITY(15, 14) << 8 | (u32)flags << 16;
	for (i = 0; i < 14; i++)
		req[1 + i / 2] |= (u32)settings[i] << (16 * (i % 2));
	return tt_arc_message(&wh->arc, req, resp);
}

static const char *wh_card_type(struct tt_device *tt)
{
	return tt_arc_card_type(&wh_of(tt)->arc);
}

const struct tt_class tt_wormhole_class = {
	.name = "wormhole",
	.arch = TENSTORRENT_ARCH_WORMHOLE,
	.dma_bits = 32,
	.num_vectors = 1,
	.mapped_bars = { 0, 2, 4 },
	.tlb_kinds = 3,
	.tlb_size = { SZ_1M, SZ_2M, SZ_16M },
	.tlb_count = { 156, 10, 20 },
	.init = wh_init,
	.fini = wh_fini,
	.reset = wh_reset,
	.post_reset = wh_post_reset,
	.reset_ready = wh_reset_ready,
	.tlb_place = wh_tlb_place,
	.configure_tlb = wh_configure_tlb,
	.noc_write32 = wh_noc_write32,
	.read_sensor = wh_read_sensor,
	.set_power = wh_set_power,
	.card_type = wh_card_type,
	.hwmon_name = "wormhole",
};
