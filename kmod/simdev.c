// SPDX-License-Identifier: GPL-2.0-only
/*
 * The model device: ttstack's chip model (ttsim-ivshmem) behind QEMU's
 * ivshmem-doorbell (1af4:1110), bound through driver_override or new_id.
 *
 *   BAR0  ivshmem registers: IVPosition (our peer id), Doorbell
 *   BAR1  MSI-X
 *   BAR2  shared memory; the model's register page (uapi/ttsim.h) at 0
 *
 * The device reaches guest memory by guest physical address (no IOMMU):
 * its command rings live in coherent DMA buffers. Ringing (server peer,
 * vector q) wakes queue q; the device raises MSI-X vector q on its
 * completions and TTSIM_CTRL_VECTOR when a reset is done.
 */
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "../uapi/ttsim.h"
#include "device.h"

#define IVSHMEM_IVPOSITION	0x08
#define IVSHMEM_DOORBELL	0x0c

struct simdev {
	void __iomem *ctl;		/* BAR0 */
	void __iomem *regs;		/* BAR2: struct ttsim_regs */
	u32 peer_id;
	spinlock_t reset_lock;		/* starting a reset, reset_count */
	u32 reset_count;		/* before the reset in flight */
	bool unresponsive;		/* a reset timed out: wait no more until one works */
};

static struct simdev *sd_of(struct tt_device *tt)
{
	return tt->cls_data;
}

#define SIM_REG(field) offsetof(struct ttsim_regs, field)
#define SIM_QREG(q, field) \
	(offsetof(struct ttsim_regs, queue) + (q) * sizeof(struct ttsim_queue_regs) + \
	 offsetof(struct ttsim_queue_regs, field))
#define SIM_TREG(field) \
	(offsetof(struct ttsim_regs, telemetry) + offsetof(struct ttsim_telemetry, field))

static u32 sim_rd(struct tt_device *tt, size_t off)
{
	return ioread32(sd_of(tt)->regs + off);
}

static u64 sim_rd64(struct tt_device *tt, size_t off)
{
	u32 lo = sim_rd(tt, off), hi = sim_rd(tt, off + 4);

	return (u64)hi << 32 | lo;
}

static int simdev_init(struct tt_device *tt)
{
	struct pci_dev *pdev = tt->pdev;
	struct simdev *sd;
	u32 magic, version;
	unsigned int tries;

	if (pci_resource_len(pdev, 2) < TTSIM_REGS_SIZE || pci_resource_len(pdev, 0) < 16) {
		dev_err(&pdev->dev, "ivshmem BARs too small for the model device\n");
		return -ENODEV;
	}
	sd = kzalloc(sizeof(*sd), GFP_KERNEL);
	if (!sd)
		return -ENOMEM;
	spin_lock_init(&sd->reset_lock);
	sd->ctl = tt_iomap(tt, 0, 0, 0);
	sd->regs = tt_iomap(tt, 2, 0, TTSIM_REGS_SIZE);
	if (!sd->ctl || !sd->regs)
		goto err;
	tt->cls_data = sd;
	/*
	 * The register page is memory any writer can change; the device puts
	 * its identity back every tick (10 ms), so look again for a while.
	 */
	for (tries = 0; tries < 10; tries++) {
		magic = sim_rd(tt, SIM_REG(magic));
		version = sim_rd(tt, SIM_REG(version));
		if (magic == TTSIM_MAGIC && version == TTSIM_VERSION)
			break;
		msleep(20);
	}
	if (magic != TTSIM_MAGIC || version != TTSIM_VERSION) {
		dev_err(&pdev->dev, "no model device behind this ivshmem (magic 0x%08x, version %u)\n",
			magic, version);
		goto err;
	}
	sd->peer_id = ioread32(sd->ctl + IVSHMEM_IVPOSITION);
	dev_info(&pdev->dev, "model device: grid %ux%u, %u DRAM banks, peer %u\n",
		 sim_rd(tt, SIM_REG(grid_x)), sim_rd(tt, SIM_REG(grid_y)),
		 sim_rd(tt, SIM_REG(dram_banks)), sd->peer_id);
	return 0;
err:
	if (sd->regs)
		pci_iounmap(pdev, sd->regs);
	if (sd->ctl)
		pci_iounmap(pdev, sd->ctl);
	tt->cls_data = NULL;
	kfree(sd);
	return -ENODEV;
}

static void simdev_fini(struct tt_device *tt)
{
	struct simdev *sd = sd_of(tt);

	pci_iounmap(tt->pdev, sd->regs);
	pci_iounmap(tt->pdev, sd->ctl);
	kfree(sd);
	tt->cls_data = NULL;
}

static int simdev_doorbell(struct tt_device *tt, unsigned int vector)
{
	iowrite32(tt_simdev_server_peer << 16 | vector, sd_of(tt)->ctl + IVSHMEM_DOORBELL);
	return 0;
}

static bool simdev_reset_ready(struct tt_device *tt)
{
	return sim_rd(tt, SIM_REG(status)) == TTSIM_STATUS_READY &&
	       sim_rd(tt, SIM_REG(reset_count)) != sd_of(tt)->reset_count &&
	       sim_rd(tt, SIM_REG(reset)) != TTSIM_RESET_MAGIC;
}

static bool simdev_reset_pending(struct tt_device *tt)
{
	return sim_rd(tt, SIM_REG(reset)) == TTSIM_RESET_MAGIC;
}

/* Asks for a reset unless one is asked for already. */
static void simdev_start_reset(struct tt_device *tt)
{
	struct simdev *sd = sd_of(tt);

	spin_lock(&sd->reset_lock);
	if (!simdev_reset_pending(tt)) {
		sd->unresponsive = false;
		sd->reset_count = sim_rd(tt, SIM_REG(reset_count));
		iowrite32(TTSIM_RESET_MAGIC, sd->regs + SIM_REG(reset));
	}
	spin_unlock(&sd->reset_lock);
	simdev_doorbell(tt, TTSIM_CTRL_VECTOR);
}

/*
 * Sleeps until the reset in flight is done: the control vector wakes us,
 * and every 20 ms we look anyway (an interrupt may be lost or unavailable).
 */
static int simdev_wait_reset(struct tt_device *tt)
{
	struct simdev *sd = sd_of(tt);
	unsigned long end = jiffies + msecs_to_jiffies(TT_RESET_TIMEOUT_MS);

	if (sd->unresponsive && !simdev_reset_ready(tt))
		return -ETIMEDOUT;
	while (!simdev_reset_ready(tt)) {
		if (time_after_eq(jiffies, end)) {
			sd->unresponsive = true;
			dev_err_ratelimited(&tt->pdev->dev,
					    "model device did not finish its reset\n");
			return -ETIMEDOUT;
		}
		wait_event_timeout(tt->reset_wq, simdev_reset_ready(tt), msecs_to_jiffies(20));
	}
	sd->unresponsive = false;
	return 0;
}

static int simdev_reset(struct tt_device *tt, u32 how)
{
	if (how != TENSTORRENT_RESET_DEVICE_ASIC_RESET &&
	    how != TENSTORRENT_RESET_DEVICE_ASIC_DMC_RESET)
		return -EOPNOTSUPP;
	simdev_start_reset(tt);
	return 0;
}

/* The caller waited for reset_ready (without the reset lock) already. */
static int simdev_post_reset(struct tt_device *tt)
{
	if (!simdev_reset_pending(tt) && sim_rd(tt, SIM_REG(status)) == TTSIM_STATUS_READY)
		return 0;
	dev_err_ratelimited(&tt->pdev->dev, "model device did not finish its reset\n");
	return -ETIMEDOUT;
}

/*
 * Memory a file gave the device is going away (close, kill, reset). If a
 * queue's rings are in it (enabled or not: the device keeps its read
 * pointers), the device must stop and forget the queue first: a device
 * reset waits until no command runs and clears the queue registers.
 */
static void simdev_dma_release(struct tt_device *tt, dma_addr_t dma, size_t size)
{
	unsigned int q;
	bool used = false;

	for (q = 0; q < TTSIM_MAX_QUEUES; q++) {
		u64 issue = sim_rd64(tt, SIM_QREG(q, issue_base));
		u64 comp = sim_rd64(tt, SIM_QREG(q, comp_base));

		if ((issue >= dma && issue < dma + size) || (comp >= dma && comp < dma + size))
			used = true;
	}
	if (!used)
		return;
	simdev_start_reset(tt);
	simdev_wait_reset(tt);
}

static void simdev_irq(struct tt_device *tt, unsigned int vector)
{
	if (vector == TTSIM_CTRL_VECTOR)
		wake_up_all(&tt->reset_wq);
}

static int simdev_read_sensor(struct tt_device *tt, enum tt_sensor s, u64 *val)
{
	u32 fw;

	switch (s) {
	case TT_SENSOR_TEMP:
		*val = sim_rd(tt, SIM_TREG(temp_mc));
		return 0;
	case TT_SENSOR_TEMP_MAX:
		*val = sim_rd(tt, SIM_TREG(temp_limit_mc));
		return 0;
	case TT_SENSOR_VCORE:
		*val = sim_rd(tt, SIM_TREG(vcore_mv));
		return 0;
	case TT_SENSOR_CURRENT:
		*val = sim_rd(tt, SIM_TREG(current_ma));
		return 0;
	case TT_SENSOR_CURRENT_MAX:
		*val = sim_rd(tt, SIM_TREG(current_limit_ma));
		return 0;
	case TT_SENSOR_POWER:
		*val = (u64)sim_rd(tt, SIM_TREG(power_mw)) * 1000;
		return 0;
	case TT_SENSOR_POWER_MAX:
		*val = (u64)sim_rd(tt, SIM_TREG(power_limit_mw)) * 1000;
		return 0;
	case TT_SENSOR_AICLK:
		*val = sim_rd(tt, SIM_TREG(aiclk_mhz));
		return 0;
	case TT_SENSOR_AICLK_MAX:
		*val = sim_rd(tt, SIM_TREG(aiclk_max_mhz));
		return 0;
	case TT_SENSOR_FW_VERSION:
		fw = sim_rd(tt, SIM_TREG(fw_version));
		*val = (u64)((fw >> 16) & 0xff) << 24 | ((fw >> 8) & 0xff) << 16 | (fw & 0xff) << 8;
		return 0;
	case TT_SENSOR_HEARTBEAT:
		*val = sim_rd64(tt, SIM_REG(heartbeat));
		return 0;
	case TT_SENSOR_DRAM_STATUS:
		*val = sim_rd(tt, SIM_TREG(dram_status));
		return 0;
	default:
		return -ENODATA;
	}
}

static int simdev_harvesting(struct tt_device *tt, struct tenstorrent_get_harvesting_out *out)
{
	u32 banks = sim_rd(tt, SIM_REG(dram_banks));
	u32 trained = sim_rd(tt, SIM_TREG(dram_status));

	out->valid = TENSTORRENT_HARVEST_VALID_TENSIX | TENSTORRENT_HARVEST_VALID_DRAM;
	out->grid_x = sim_rd(tt, SIM_REG(grid_x));
	out->grid_y = sim_rd(tt, SIM_REG(grid_y));
	out->tensix_disabled = 0;
	out->dram_disabled = (banks >= 32 ? ~0u : BIT(banks) - 1) & ~trained;
	return 0;
}

static void simdev_caps(struct tt_device *tt, struct tenstorrent_get_device_caps *c)
{
	c->own_peer_id = sd_of(tt)->peer_id;
	c->server_peer_id = tt_simdev_server_peer;
	c->regs_mapping_id = TENSTORRENT_MAPPING_RESOURCE1_UC;
	c->regs_offset = 0;
	c->doorbell_reg = IVSHMEM_DOORBELL;
}

static const char *simdev_card_type(struct tt_device *tt)
{
	return "ttsim";
}

const struct tt_class tt_simdev_class = {
	.name = "model",
	.arch = TENSTORRENT_ARCH_MODEL,
	.dma_bits = 64,
	.num_vectors = TTSIM_NUM_VECTORS,
	.num_queues = TTSIM_MAX_QUEUES,
	.mapped_bars = { 0, 2, 4 },
	.init = simdev_init,
	.fini = simdev_fini,
	.reset = simdev_reset,
	.post_reset = simdev_post_reset,
	.reset_ready = simdev_reset_ready,
	.read_sensor = simdev_read_sensor,
	.harvesting = simdev_harvesting,
	.doorbell = simdev_doorbell,
	.irq = simdev_irq,
	.caps = simdev_caps,
	.card_type = simdev_card_type,
	.dma_release = simdev_dma_release,
	.hwmon_name = "ttsim",
};
