// SPDX-License-Identifier: GPL-2.0-only
/*
 * Wormhole (1e52:401e). Runs in CI against Tenstorrent's ttsim behind
 * QEMU (tests/qemu/test_kmod_chip.c).
 *
 *   BAR0  TLB windows: 156 x 1 MiB, 10 x 2 MiB, 20 x 16 MiB (the last is
 *         the kernel's own), then the chip's registers. The module maps
 *         none of BAR0, so that user space may map any window WC.
 *   BAR2  PCIe controller registers: the iATU at 0x1200, a DMA engine
 *   BAR4  SoC 0x1E000000..0x20000000 once inbound iATU region 1 maps it:
 *         window 185 (the kernel's), the TLB configuration, ARC's CSM and
 *         reset unit. The module maps those ranges only.
 *
 * ARC: the scratch-register messages of older firmware, and the message
 * queue when the firmware has one (ttsim's has not: power settings are
 * then not available). No interrupts are used: everything is polled.
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

#define WH_SOC_BAR4_BASE	0x1e000000u
#define WH_BAR4_TLB_REGS	(0x1fc00000u - WH_SOC_BAR4_BASE)
#define WH_BAR4_CSM		(0x1fe80000u - WH_SOC_BAR4_BASE)
#define WH_BAR4_RESET_UNIT	(0x1ff30000u - WH_SOC_BAR4_BASE)
#define WH_TLB_REGS_SIZE	(186 * 8)

/* ARC reset unit registers */
#define WH_SCRATCH(n)		(0x60 + 4 * (n))
#define WH_ARC_MISC_CNTL	0x100
#define WH_ARC_IRQ0		BIT(16)
#define WH_TELEMETRY_TABLE	0x1d0
#define WH_TELEMETRY_DATA	0x1d4
#define WH_QUEUE_CONTROL	0x1d8
#define WH_POST_CODE_MASK	0xffff0000u
#define WH_POST_CODE_ALIVE	0xc0de0000u

/* BAR2: inbound iATU region 1, in the page the module maps */
#define WH_IATU_INBOUND1	(0x1200 + 1 * 0x200 + 0x100)
#define WH_IATU_PAGE		(WH_IATU_INBOUND1 & ~(SZ_4K - 1))
#define WH_IATU_CTRL1		0x00
#define WH_IATU_CTRL2		0x04
#define WH_IATU_TARGET_LO	0x14
#define WH_IATU_TARGET_HI	0x18
#define WH_IATU_ENABLE		BIT(31)
#define WH_IATU_BAR_MATCH	BIT(30)
#define WH_IATU_FUZZY_TYPE	BIT(27)		/* MRd, MWr, MRdLk treated alike */
#define WH_IATU_BAR(n)		((n) << 8)

#define WH_MSG_TRIGGER_RESET	0x56
#define WH_MSG_GET_HARVESTING	0x57
#define WH_MSG_POWER		0xc0
#define WH_MSG_TIMEOUT_MS	1000

#define WH_KERNEL_TLB		185
#define WH_NOC_ADDR_BITS	36
#define WH_GRID_X		8
#define WH_GRID_Y		10
#define WH_DRAM_CHANNELS	6

struct wormhole {
	void __iomem *iatu;		/* BAR2: the page of inbound region 1 */
	void __iomem *kernel_window;	/* BAR4: window 185 */
	void __iomem *tlb_regs;		/* BAR4: u64 config[186] */
	void __iomem *csm;		/* BAR4: ARC CSM */
	void __iomem *reset_unit;	/* BAR4: ARC reset unit */
	spinlock_t kernel_tlb;		/* the kernel's window and its register */
	struct mutex scratch_lock;	/* scratch-register messages */
	bool arc_alive;			/* the firmware's post code says it runs */
	bool harvest_valid;
	u32 harvest;			/* the firmware's worker-row mask */
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
		*off = (176ull << 20) + ((u64)(id - 166) << 24);
}

static unsigned int wh_tlb_shift(unsigned int id)
{
	return id < 156 ? 20 : id < 166 ? 21 : 24;
}

/* The 64 configuration bits: address, then the fields from bit 36 - shift. */
static u64 wh_tlb_encode(unsigned int shift, const struct tenstorrent_noc_tlb_config *c)
{
	unsigned int at = WH_NOC_ADDR_BITS - shift;

	return (c->addr >> shift) |
	       (u64)c->x_end << at | (u64)c->y_end << (at + 6) |
	       (u64)c->x_start << (at + 12) | (u64)c->y_start << (at + 18) |
	       (u64)c->noc << (at + 24) | (u64)c->mcast << (at + 25) |
	       (u64)c->ordering << (at + 26) | (u64)c->linked << (at + 28) |
	       (u64)c->static_vc << (at + 29);
}

/* The configuration registers take 32-bit writes (a 64-bit one may be split anyway). */
static void wh_tlb_write(struct wormhole *wh, unsigned int id, u64 val)
{
	iowrite32(lower_32_bits(val), wh->tlb_regs + 8 * id);
	iowrite32(upper_32_bits(val), wh->tlb_regs + 8 * id + 4);
}

static int wh_configure_tlb(struct tt_device *tt, unsigned int id,
			    const struct tenstorrent_noc_tlb_config *c)
{
	unsigned int shift = wh_tlb_shift(id);
	int ret = tt_tlb_check(c, shift, WH_NOC_ADDR_BITS, 1);

	if (ret)
		return ret;
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
	return wh->kernel_window + (addr & (SZ_16M - 1));
}

static int wh_noc_write32(struct tt_device *tt, u8 x, u8 y, u8 noc, u64 addr, u32 val)
{
	struct wormhole *wh = wh_of(tt);

	if (addr >> WH_NOC_ADDR_BITS || addr & 3)
		return -EINVAL;
	spin_lock(&wh->kernel_tlb);
	iowrite32(val, wh_kernel_window(wh, x, y, noc, addr));
	spin_unlock(&wh->kernel_tlb);
	return 0;
}

static int wh_csm_read32(struct tt_device *tt, u32 addr, u32 *val)
{
	*val = ioread32(wh_of(tt)->csm + (addr - TT_ARC_CSM_BASE));
	return 0;
}

static int wh_csm_write32(struct tt_device *tt, u32 addr, u32 val)
{
	iowrite32(val, wh_of(tt)->csm + (addr - TT_ARC_CSM_BASE));
	return 0;
}

static void wh_arc_irq(struct wormhole *wh)
{
	void __iomem *cntl = wh->reset_unit + WH_ARC_MISC_CNTL;

	iowrite32(ioread32(cntl) | WH_ARC_IRQ0, cntl);
}

static int wh_arc_notify(struct tt_device *tt)
{
	wh_arc_irq(wh_of(tt));
	return 0;
}

/*
 * The scratch-register message: arguments in scratch 3, 0xAA00 | msg in
 * scratch 5, IRQ0; ARC answers by writing exit code << 16 | msg to scratch
 * 5 and its result to scratch 3. With timeout_ms 0 no answer is awaited.
 */
static int wh_scratch_message(struct wormhole *wh, u8 msg, u16 arg0, u16 arg1, u32 *result,
			      unsigned int timeout_ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(timeout_ms);
	int ret = 0;
	u32 v;

	mutex_lock(&wh->scratch_lock);
	iowrite32(arg0 | (u32)arg1 << 16, wh->reset_unit + WH_SCRATCH(3));
	iowrite32(0xaa00 | msg, wh->reset_unit + WH_SCRATCH(5));
	wh_arc_irq(wh);
	while (timeout_ms) {
		v = ioread32(wh->reset_unit + WH_SCRATCH(5));
		if (v == 0xffffffff) {
			ret = -ENODEV;
			break;
		}
		if ((v & 0xffff) == msg) {
			if (result)
				*result = ioread32(wh->reset_unit + WH_SCRATCH(3));
			ret = v >> 16 ? -EIO : 0;
			break;
		}
		if (time_after(jiffies, end)) {
			ret = -ETIMEDOUT;
			break;
		}
		usleep_range(100, 200);
	}
	mutex_unlock(&wh->scratch_lock);
	return ret;
}

/*
 * BAR4 shows the system registers through inbound iATU region 1: BAR
 * match mode on BAR4, type-fuzzy (reads and writes alike), target
 * 0x1E000000. Without the fuzzy-type bit the region is not one the chip
 * supports (ttsim refuses 0xC0000400; 0xC8000400 is right).
 */
static void wh_map_bar4(struct wormhole *wh)
{
	void __iomem *r = wh->iatu + (WH_IATU_INBOUND1 - WH_IATU_PAGE);

	iowrite32(WH_SOC_BAR4_BASE, r + WH_IATU_TARGET_LO);
	iowrite32(0, r + WH_IATU_TARGET_HI);
	iowrite32(0, r + WH_IATU_CTRL1);
	iowrite32(WH_IATU_ENABLE | WH_IATU_BAR_MATCH | WH_IATU_FUZZY_TYPE | WH_IATU_BAR(4),
		  r + WH_IATU_CTRL2);
}

/* What the firmware offers: post code, telemetry, message queue, harvesting. */
static void wh_probe_firmware(struct tt_device *tt, bool verbose)
{
	struct wormhole *wh = wh_of(tt);
	struct device *dev = &tt->pdev->dev;
	u32 post = ioread32(wh->reset_unit + WH_SCRATCH(0));
	u32 table, data, qcb;
	unsigned int tags, i;

	wh->arc_alive = (post & WH_POST_CODE_MASK) == WH_POST_CODE_ALIVE;
	memset(wh->arc.tag_addr, 0, sizeof(wh->arc.tag_addr));
	wh->arc.queue = 0;
	wh->harvest_valid = false;
	if (!wh->arc_alive) {
		dev_warn(dev, "ARC firmware is not running (post code 0x%08x): no telemetry, no firmware messages\n",
			 post);
		return;
	}
	table = ioread32(wh->reset_unit + WH_TELEMETRY_TABLE);
	data = ioread32(wh->reset_unit + WH_TELEMETRY_DATA);
	if (tt_arc_probe_telemetry(&wh->arc, table, data))
		dev_warn(dev, "no telemetry table from the firmware: no hwmon or tt_* values\n");
	qcb = ioread32(wh->reset_unit + WH_QUEUE_CONTROL);
	if (tt_arc_probe_queue(&wh->arc, qcb) && verbose)
		dev_info(dev, "ARC firmware has no message queue: power settings (SET_POWER_STATE) are not available\n");
	wh->harvest_valid = !wh_scratch_message(wh, WH_MSG_GET_HARVESTING, 0, 0, &wh->harvest,
						WH_MSG_TIMEOUT_MS);
	if (!verbose)
		return;
	for (tags = 0, i = 0; i < TT_TAG_MAX; i++)
		tags += wh->arc.tag_addr[i] != 0;
	dev_info(dev, "ARC post code 0x%08x, %u telemetry tags, harvesting %s0x%x\n", post, tags,
		 wh->harvest_valid ? "" : "unknown ", wh->harvest);
}

static void wh_unmap(struct pci_dev *pdev, struct wormhole *wh)
{
	void __iomem *maps[] = { wh->iatu, wh->kernel_window, wh->tlb_regs, wh->csm,
				 wh->reset_unit };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(maps); i++)
		if (maps[i])
			pci_iounmap(pdev, maps[i]);
}

static int wh_init(struct tt_device *tt)
{
	struct pci_dev *pdev = tt->pdev;
	resource_size_t len0 = pci_resource_len(pdev, 0), len2 = pci_resource_len(pdev, 2);
	resource_size_t len4 = pci_resource_len(pdev, 4);
	struct wormhole *wh;

	if (len0 < SZ_512M || len2 < SZ_8K || len4 < SZ_32M) {
		dev_err(&pdev->dev, "Wormhole BARs are smaller than expected (BAR0 %pa, BAR2 %pa, BAR4 %pa)\n",
			&len0, &len2, &len4);
		return -ENODEV;
	}
	wh = kzalloc(sizeof(*wh), GFP_KERNEL);
	if (!wh)
		return -ENOMEM;
	spin_lock_init(&wh->kernel_tlb);
	mutex_init(&wh->scratch_lock);
	wh->iatu = tt_iomap(tt, 2, WH_IATU_PAGE, SZ_4K);
	wh->kernel_window = tt_iomap(tt, 4, 0, SZ_16M);
	wh->tlb_regs = tt_iomap(tt, 4, WH_BAR4_TLB_REGS, WH_TLB_REGS_SIZE);
	wh->csm = tt_iomap(tt, 4, WH_BAR4_CSM, TT_ARC_CSM_SIZE);
	wh->reset_unit = tt_iomap(tt, 4, WH_BAR4_RESET_UNIT, SZ_4K);
	if (!wh->iatu || !wh->kernel_window || !wh->tlb_regs || !wh->csm || !wh->reset_unit) {
		wh_unmap(pdev, wh);
		kfree(wh);
		return -ENOMEM;
	}
	tt_arc_init(&wh->arc, tt, WH_DRAM_CHANNELS);
	wh->arc.read32 = wh_csm_read32;
	wh->arc.write32 = wh_csm_write32;
	wh->arc.notify = wh_arc_notify;
	tt->cls_data = wh;
	set_bit(WH_KERNEL_TLB, tt->tlbs);
	wh_map_bar4(wh);
	wh_probe_firmware(tt, true);
	if (!tt_has_msi(pdev))
		dev_info(&pdev->dev, "no MSI or MSI-X capability: no interrupts, the driver polls\n");
	if (!tt_reset_config_write_possible(pdev))
		dev_info(&pdev->dev, "no extended config space: the config-write reset (CONFIG_WRITE) is not available\n");
	pci_save_state(pdev);
	return 0;
}

static void wh_fini(struct tt_device *tt)
{
	struct wormhole *wh = wh_of(tt);

	wh_unmap(tt->pdev, wh);
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
		if (!wh->arc_alive)
			return -EIO;
		/* The chip goes away at once: no answer to wait for. */
		return wh_scratch_message(wh, WH_MSG_TRIGGER_RESET,
					  how == TENSTORRENT_RESET_DEVICE_ASIC_RESET ? 0 : 3, 0,
					  NULL, 0);
	case TENSTORRENT_RESET_DEVICE_CONFIG_WRITE:
		if (!tt_reset_config_write_possible(tt->pdev))
			return -EOPNOTSUPP;
		tt_reset_marker_set(tt->pdev);
		tt_reset_config_write(tt->pdev);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/*
 * After a reset: the marker is clear if the chip reset (or nobody set it:
 * USER_RESET). A chip that is still there with the marker set did not
 * reset: it keeps its state and stays usable, which POST_RESET reports
 * as a failed reset (1) rather than leaving the device waiting for ever.
 */
static int wh_post_reset(struct tt_device *tt)
{
	struct pci_dev *pdev = tt->pdev;
	bool reset = tt_reset_marker_cleared(pdev);
	u16 vendor = 0;

	if (!reset && (pci_read_config_word(pdev, PCI_VENDOR_ID, &vendor) ||
		       vendor != pdev->vendor))
		return -EIO;
	pci_restore_state(pdev);
	pci_save_state(pdev);
	wh_map_bar4(wh_of(tt));
	wh_probe_firmware(tt, false);
	if (reset)
		return 0;
	dev_warn(&pdev->dev, "the chip did not reset (the reset marker is still set): it keeps its state and stays in use\n");
	return 1;
}

static bool wh_reset_ready(struct tt_device *tt)
{
	return tt_reset_marker_cleared(tt->pdev);
}

static int wh_read_sensor(struct tt_device *tt, enum tt_sensor s, u64 *val)
{
	return tt_arc_read_sensor(&wh_of(tt)->arc, s, val);
}

static int wh_harvesting(struct tt_device *tt, struct tenstorrent_get_harvesting_out *out)
{
	struct wormhole *wh = wh_of(tt);
	u32 dram;

	if (wh->harvest_valid) {
		out->valid |= TENSTORRENT_HARVEST_VALID_TENSIX;
		out->tensix_disabled = wh->harvest & GENMASK(WH_GRID_Y - 1, 0);
		out->grid_x = WH_GRID_X;
		out->grid_y = WH_GRID_Y - hweight32(out->tensix_disabled);
	}
	if (!tt_arc_dram_disabled(&wh->arc, &dram)) {
		out->valid |= TENSTORRENT_HARVEST_VALID_DRAM;
		out->dram_disabled = dram;
	}
	return 0;
}

static int wh_set_power(struct tt_device *tt, u16 flags, const u16 *settings)
{
	struct wormhole *wh = wh_of(tt);
	u32 req[8] = {}, resp[8];
	unsigned int i;

	if (!wh->arc.queue)
		return -EOPNOTSUPP;	/* firmware without a message queue */
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
	.harvesting = wh_harvesting,
	.set_power = wh_set_power,
	.card_type = wh_card_type,
	.hwmon_name = "wormhole",
};
