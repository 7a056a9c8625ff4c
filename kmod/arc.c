// SPDX-License-Identifier: GPL-2.0-only
/*
 * ARC firmware interfaces shared by Wormhole and Blackhole (see arc.h).
 * Run under QEMU against Tenstorrent's ttsim (tests/qemu/test_kmod_chip.c):
 * the tag table and, on Blackhole, the message queue. ttsim's Wormhole
 * firmware has no message queue.
 */
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/pci.h>

#include "arc.h"

#define TT_QUEUE_REQ_WPTR	0x00
#define TT_QUEUE_RES_RPTR	0x04
#define TT_QUEUE_REQ_RPTR	0x10
#define TT_QUEUE_RES_WPTR	0x14
#define TT_QUEUE_HEADER		0x20
#define TT_QUEUE_SLOT		0x20
#define TT_QUEUE_TIMEOUT_MS	1000

#define TT_CFG_TIMER_TARGET	0x934
#define TT_CFG_TIMER_CTRL	0x930

void tt_arc_init(struct tt_arc *arc, struct tt_device *tt, unsigned int dram_channels)
{
	arc->tt = tt;
	arc->dram_channels = dram_channels;
	mutex_init(&arc->msg_lock);
}

static bool tt_csm_range(u32 addr, u32 len)
{
	return addr >= TT_ARC_CSM_BASE && len <= TT_ARC_CSM_SIZE &&
	       addr - TT_ARC_CSM_BASE <= TT_ARC_CSM_SIZE - len;
}

int tt_arc_probe_telemetry(struct tt_arc *arc, u32 table, u32 data)
{
	u32 version, count, i, e;
	int ret;

	memset(arc->tag_addr, 0, sizeof(arc->tag_addr));
	if (!tt_csm_range(table, 8) || !tt_csm_range(data, 4))
		return -ENODATA;
	ret = arc->read32(arc->tt, table, &version);
	if (!ret)
		ret = arc->read32(arc->tt, table + 4, &count);
	if (ret)
		return ret;
	if (((version >> 16) & 0xff) > 1 || !tt_csm_range(table + 8, count * 4))
		return -ENODATA;
	for (i = 0; i < count; i++) {
		u32 tag, off;

		ret = arc->read32(arc->tt, table + 8 + 4 * i, &e);
		if (ret)
			return ret;
		tag = e & 0xffff;
		off = e >> 16;
		if (tag < TT_TAG_MAX && tt_csm_range(data + 4 * off, 4))
			arc->tag_addr[tag] = data + 4 * off;
	}
	return 0;
}

int tt_arc_read_tag(struct tt_arc *arc, enum tt_tag tag, u32 *val)
{
	if (tag >= TT_TAG_MAX || !arc->tag_addr[tag])
		return -ENODATA;
	return arc->read32(arc->tt, arc->tag_addr[tag], val);
}

/* A tag's value times mul, shifted right by shift. */
static int tt_arc_scaled(struct tt_arc *arc, enum tt_tag tag, u64 mul, unsigned int shift,
			 u64 *val)
{
	u32 v;
	int ret = tt_arc_read_tag(arc, tag, &v);

	if (!ret)
		*val = ((u64)v * mul) >> shift;
	return ret;
}

int tt_arc_dram_disabled(struct tt_arc *arc, u32 *mask)
{
	unsigned int b;
	u32 v;
	int ret = tt_arc_read_tag(arc, TT_TAG_GDDR_STATUS, &v);

	if (ret)
		return ret;
	*mask = 0;
	for (b = 0; b < arc->dram_channels && b < 16; b++)
		if (((v >> (2 * b)) & 3) != 1)
			*mask |= BIT(b);
	return 0;
}

int tt_arc_read_sensor(struct tt_arc *arc, enum tt_sensor s, u64 *val)
{
	u32 hi, lo;
	int ret;

	switch (s) {
	case TT_SENSOR_TEMP:		/* 16.16 fixed point degrees */
		return tt_arc_scaled(arc, TT_TAG_ASIC_TEMP, 1000, 16, val);
	case TT_SENSOR_TEMP_MAX:
		return tt_arc_scaled(arc, TT_TAG_THM_LIMIT_THROTTLE, 1000, 0, val);
	case TT_SENSOR_VCORE:
		return tt_arc_scaled(arc, TT_TAG_VCORE, 1, 0, val);
	case TT_SENSOR_VCORE_MAX:
		return tt_arc_scaled(arc, TT_TAG_VDD_LIMITS, 1, 16, val);
	case TT_SENSOR_CURRENT:
		return tt_arc_scaled(arc, TT_TAG_CURRENT, 1000, 0, val);
	case TT_SENSOR_CURRENT_MAX:
		return tt_arc_scaled(arc, TT_TAG_TDC_LIMIT_MAX, 1000, 0, val);
	case TT_SENSOR_POWER:
		return tt_arc_scaled(arc, TT_TAG_POWER, 1000000, 0, val);
	case TT_SENSOR_POWER_MAX:
		return tt_arc_scaled(arc, TT_TAG_TDP_LIMIT_MAX, 1000000, 0, val);
	case TT_SENSOR_AICLK:
		ret = tt_arc_scaled(arc, TT_TAG_AICLK, 1, 0, val);
		if (!ret)
			*val &= 0xffff;
		return ret;
	case TT_SENSOR_AICLK_MAX:
		return tt_arc_scaled(arc, TT_TAG_AICLK_LIMIT_MAX, 1, 0, val);
	case TT_SENSOR_FW_VERSION:
		return tt_arc_scaled(arc, TT_TAG_FLASH_BUNDLE_VERSION, 1, 0, val);
	case TT_SENSOR_HEARTBEAT:
		return tt_arc_scaled(arc, TT_TAG_TIMER_HEARTBEAT, 1, 0, val);
	case TT_SENSOR_BOARD_ID:
		ret = tt_arc_read_tag(arc, TT_TAG_BOARD_ID_HIGH, &hi);
		if (!ret)
			ret = tt_arc_read_tag(arc, TT_TAG_BOARD_ID_LOW, &lo);
		if (!ret)
			*val = (u64)hi << 32 | lo;
		return ret;
	case TT_SENSOR_DRAM_STATUS:	/* bit b: channel b usable */
		ret = tt_arc_dram_disabled(arc, &lo);
		if (!ret)
			*val = ~lo & (u32)GENMASK(arc->dram_channels - 1, 0);
		return ret;
	default:
		return -ENODATA;
	}
}

const char *tt_arc_card_type(struct tt_arc *arc)
{
	u32 hi;

	if (tt_arc_read_tag(arc, TT_TAG_BOARD_ID_HIGH, &hi))
		return NULL;
	switch ((hi >> 4) & 0xffff) {
	case 0x14: return "n300";
	case 0x18: return "n150";
	case 0x35: return "galaxy-wormhole";
	case 0x36: return "p100";
	case 0x40: return "p150a";
	case 0x41: return "p150b";
	case 0x42: return "p150c";
	case 0x43: return "p100a";
	case 0x44: return "p300b";
	case 0x45: return "p300a";
	case 0x46: return "p300c";
	case 0x47: return "galaxy-blackhole";
	default: return "unknown";
	}
}

int tt_arc_probe_queue(struct tt_arc *arc, u32 qcb)
{
	u32 base, info;
	int ret;

	arc->queue = 0;
	if (!tt_csm_range(qcb, 8))
		return -ENODATA;
	ret = arc->read32(arc->tt, qcb, &base);
	if (!ret)
		ret = arc->read32(arc->tt, qcb + 4, &info);
	if (ret)
		return ret;
	arc->queue_entries = info & 0xff;
	if (!arc->queue_entries ||
	    !tt_csm_range(base, TT_QUEUE_HEADER + 2 * arc->queue_entries * TT_QUEUE_SLOT))
		return -ENODATA;
	arc->queue = base;
	return 0;
}

/* Poll until *val read from addr satisfies done(); bounded. */
static int tt_arc_wait(struct tt_arc *arc, u32 addr, u32 other, bool equal, u32 *val)
{
	unsigned long end = jiffies + msecs_to_jiffies(TT_QUEUE_TIMEOUT_MS);
	int ret;

	for (;;) {
		ret = arc->read32(arc->tt, addr, val);
		if (ret)
			return ret;
		if (*val == 0xffffffff)
			return -ENODEV;
		if ((*val == other) == equal)
			return 0;
		if (time_after(jiffies, end))
			return -ETIMEDOUT;
		usleep_range(100, 200);
	}
}

static int tt_arc_message_locked(struct tt_arc *arc, const u32 req[8], u32 resp[8])
{
	u32 n = arc->queue_entries, q = arc->queue, wptr, rptr, slot, i;
	unsigned long end = jiffies + msecs_to_jiffies(TT_QUEUE_TIMEOUT_MS);
	int ret;

	/*
	 * Answers nobody waited for (a reset request the chip then did not
	 * act on) would be taken for this message's: drop them first.
	 */
	ret = arc->read32(arc->tt, q + TT_QUEUE_RES_WPTR, &wptr);
	if (!ret)
		ret = arc->read32(arc->tt, q + TT_QUEUE_RES_RPTR, &rptr);
	if (!ret && wptr != rptr)
		ret = arc->write32(arc->tt, q + TT_QUEUE_RES_RPTR, wptr);
	if (!ret)
		ret = arc->read32(arc->tt, q + TT_QUEUE_REQ_WPTR, &wptr);
	if (ret)
		return ret;
	/* Pointers run mod 2n: full when they are n apart. */
	for (;;) {
		ret = arc->read32(arc->tt, q + TT_QUEUE_REQ_RPTR, &rptr);
		if (ret)
			return ret;
		if ((wptr - rptr) % (2 * n) < n)
			break;
		if (time_after(jiffies, end))
			return -ETIMEDOUT;
		usleep_range(100, 200);
	}
	slot = q + TT_QUEUE_HEADER + (wptr % n) * TT_QUEUE_SLOT;
	for (i = 0; i < 8; i++) {
		ret = arc->write32(arc->tt, slot + 4 * i, req[i]);
		if (ret)
			return ret;
	}
	ret = arc->write32(arc->tt, q + TT_QUEUE_REQ_WPTR, (wptr + 1) % (2 * n));
	if (!ret)
		ret = arc->notify(arc->tt);
	if (ret || !resp)
		return ret;

	ret = arc->read32(arc->tt, q + TT_QUEUE_RES_RPTR, &rptr);
	if (!ret)
		ret = tt_arc_wait(arc, q + TT_QUEUE_RES_WPTR, rptr, false, &wptr);
	if (ret)
		return ret;
	slot = q + TT_QUEUE_HEADER + (n + rptr % n) * TT_QUEUE_SLOT;
	for (i = 0; i < 8; i++) {
		ret = arc->read32(arc->tt, slot + 4 * i, &resp[i]);
		if (ret)
			return ret;
	}
	ret = arc->write32(arc->tt, q + TT_QUEUE_RES_RPTR, (rptr + 1) % (2 * n));
	if (ret)
		return ret;
	return (resp[0] & 0xff) ? -EIO : 0;
}

/*
 * Callers come from several paths (power updates under files_lock, resets
 * under reset_rwsem, GET_HARVESTING): one message at a time.
 */
int tt_arc_message(struct tt_arc *arc, const u32 req[8], u32 resp[8])
{
	int ret;

	if (!arc->queue)
		return -EOPNOTSUPP;
	mutex_lock(&arc->msg_lock);
	ret = tt_arc_message_locked(arc, req, resp);
	mutex_unlock(&arc->msg_lock);
	return ret;
}

void tt_reset_marker_set(struct pci_dev *pdev)
{
	u16 cmd;

	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	pci_write_config_word(pdev, PCI_COMMAND, cmd | PCI_COMMAND_PARITY);
}

bool tt_reset_marker_cleared(struct pci_dev *pdev)
{
	u16 cmd;

	if (pci_read_config_word(pdev, PCI_COMMAND, &cmd) || cmd == 0xffff)
		return false;
	return !(cmd & PCI_COMMAND_PARITY);
}

bool tt_reset_config_write_possible(struct pci_dev *pdev)
{
	return pdev->cfg_size >= TT_CFG_TIMER_TARGET + 4;
}

void tt_reset_config_write(struct pci_dev *pdev)
{
	pci_write_config_dword(pdev, TT_CFG_TIMER_TARGET, 1);
	pci_write_config_dword(pdev, TT_CFG_TIMER_CTRL, 0x11);
}

int tt_tlb_check(const struct tenstorrent_noc_tlb_config *c, unsigned int shift,
		 unsigned int addr_bits, u8 max_static_vc)
{
	if (c->addr & (BIT_ULL(shift) - 1) || (addr_bits < 64 && c->addr >> addr_bits))
		return -EINVAL;
	if (c->x_end > 63 || c->y_end > 63 || c->x_start > 63 || c->y_start > 63 ||
	    c->noc > 1 || c->mcast > 1 || c->ordering > 2 || c->linked ||
	    c->static_vc > max_static_vc)
		return -EINVAL;
	if (c->mcast ? c->x_start > c->x_end || c->y_start > c->y_end : c->x_start || c->y_start)
		return -EINVAL;
	return 0;
}

bool tt_has_msi(struct pci_dev *pdev)
{
	return pdev->msi_cap || pdev->msix_cap;
}
