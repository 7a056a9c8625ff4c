// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PCI driver: probe and remove.
 *
 * Wormhole and Blackhole match through the static id table. The model
 * device (QEMU's ivshmem-doorbell, 1af4:1110) is not in it, so the driver
 * never takes an ivshmem device on its own: it binds only when the
 * administrator asks, through driver_override (the PCI core then passes a
 * catch-all id) or through new_id (driver_data 0). Either way probe gets
 * an id without a class and picks the class from the vendor and device id.
 */
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/pci.h>

#include "device.h"

#define TT_VENDOR		0x1e52
#define TT_DEVICE_WORMHOLE	0x401e
#define TT_DEVICE_BLACKHOLE	0xb140
#define TT_VENDOR_IVSHMEM	0x1af4
#define TT_DEVICE_IVSHMEM	0x1110

static DEFINE_IDA(tt_ida);

static const struct pci_device_id tt_ids[] = {
	{ PCI_DEVICE(TT_VENDOR, TT_DEVICE_WORMHOLE),
	  .driver_data = (kernel_ulong_t)&tt_wormhole_class },
	{ PCI_DEVICE(TT_VENDOR, TT_DEVICE_BLACKHOLE),
	  .driver_data = (kernel_ulong_t)&tt_blackhole_class },
	{ 0 },
};
MODULE_DEVICE_TABLE(pci, tt_ids);

static const struct tt_class *tt_class_of(struct pci_dev *pdev, const struct pci_device_id *id)
{
	if (id && id->driver_data)
		return (const struct tt_class *)id->driver_data;
	if (pdev->vendor == TT_VENDOR_IVSHMEM && pdev->device == TT_DEVICE_IVSHMEM)
		return &tt_simdev_class;
	if (pdev->vendor == TT_VENDOR && pdev->device == TT_DEVICE_WORMHOLE)
		return &tt_wormhole_class;
	if (pdev->vendor == TT_VENDOR && pdev->device == TT_DEVICE_BLACKHOLE)
		return &tt_blackhole_class;
	return NULL;
}

/*
 * A BAR range for the kernel (UC-). It is recorded: PAT cannot give a user
 * a WC mapping over it, and asking it would log a conflict, so mmap
 * refuses such a mapping first. len 0: the rest of the BAR.
 */
void __iomem *tt_iomap(struct tt_device *tt, int bar, unsigned long offset, unsigned long len)
{
	struct pci_dev *pdev = tt->pdev;
	resource_size_t blen = pci_resource_len(pdev, bar);

	if (offset >= blen || tt->nkmaps == TT_MAX_KMAPS)
		return NULL;
	if (!len || len > blen - offset)
		len = blen - offset;
	tt->kmaps[tt->nkmaps].start = pci_resource_start(pdev, bar) + offset;
	tt->kmaps[tt->nkmaps].end = tt->kmaps[tt->nkmaps].start + len;
	tt->nkmaps++;
	return pci_iomap_range(pdev, bar, offset, len);
}

static void tt_dev_release(struct device *dev)
{
	struct tt_device *tt = to_tt(dev);

	ida_free(&tt_ida, tt->ordinal);
	pci_dev_put(tt->pdev);
	kfree(tt);
}

static int tt_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	const struct tt_class *cls = tt_class_of(pdev, id);
	struct tt_device *tt;
	int ret;

	if (!cls) {
		dev_err(&pdev->dev, "not a device this driver knows\n");
		return -ENODEV;
	}
	tt = kzalloc(sizeof(*tt), GFP_KERNEL);
	if (!tt)
		return -ENOMEM;
	ret = ida_alloc_max(&tt_ida, TT_MAX_DEVICES - 1, GFP_KERNEL);
	if (ret < 0) {
		kfree(tt);
		return ret;
	}
	tt->ordinal = ret;
	tt->pdev = pci_dev_get(pdev);
	tt->cls = cls;
	init_rwsem(&tt->reset_rwsem);
	init_waitqueue_head(&tt->reset_wq);
	init_waitqueue_head(&tt->lock_wq);
	atomic_set(&tt->reclaims, 0);
	mutex_init(&tt->map_lock);
	INIT_LIST_HEAD(&tt->maps);
	mutex_init(&tt->files_lock);
	INIT_LIST_HEAD(&tt->files);
	spin_lock_init(&tt->evt_lock);
	INIT_LIST_HEAD(&tt->evt_files);

	device_initialize(&tt->dev);
	tt->dev.class = &tt_device_class;
	tt->dev.parent = &pdev->dev;
	tt->dev.devt = MKDEV(MAJOR(tt_devt), tt->ordinal);
	tt->dev.release = tt_dev_release;
	dev_set_drvdata(&tt->dev, tt);
	ret = dev_set_name(&tt->dev, TT_DRIVER_NAME "!%d", tt->ordinal);
	if (ret)
		goto err_put;

	/* Managed: the regions and the enable go back when the driver lets go. */
	ret = pcim_enable_device(pdev);
	if (ret)
		goto err_put;
	ret = pci_request_regions(pdev, TT_DRIVER_NAME);
	if (ret)
		goto err_put;
	pci_set_master(pdev);
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(cls->dma_bits));
	if (ret) {
		dev_err(&pdev->dev, "no %u-bit DMA\n", cls->dma_bits);
		goto err_put;
	}
	dma_set_max_seg_size(&pdev->dev, UINT_MAX);
	pci_set_drvdata(pdev, tt);

	ret = cls->init(tt);
	if (ret)
		goto err_put;
	ret = tt_irq_init(tt);
	if (ret)
		goto err_fini;

	cdev_init(&tt->cdev, &tt_fops);
	tt->cdev.owner = THIS_MODULE;
	ret = cdev_device_add(&tt->cdev, &tt->dev);
	if (ret)
		goto err_irq;
	ret = tt_telemetry_init(tt);
	if (ret)
		dev_warn(&pdev->dev, "no hwmon device (%d)\n", ret);
	tt_debugfs_init(tt);
	dev_info(&pdev->dev, "%s device, /dev/tenstorrent/%d\n", cls->name, tt->ordinal);
	return 0;

err_irq:
	tt_irq_fini(tt);
err_fini:
	cls->fini(tt);
err_put:
	pci_set_drvdata(pdev, NULL);
	put_device(&tt->dev);
	return ret;
}

static void tt_remove(struct pci_dev *pdev)
{
	struct tt_device *tt = pci_get_drvdata(pdev);
	struct tt_reclaim rc;
	struct tt_file *tf;

	tt_debugfs_fini(tt);
	tt_telemetry_fini(tt);
	cdev_device_del(&tt->cdev, &tt->dev);

	/*
	 * Open files stay, but lose everything: their mappings first, then,
	 * once the device let go of it, their memory. detached is set under
	 * files_lock too: power updates of files that close later (under
	 * files_lock only) must see it. Resets still giving memory back
	 * need the class: wait for them before it goes.
	 */
	tt_reclaim_init(tt, &rc);
	down_write(&tt->reset_rwsem);
	mutex_lock(&tt->files_lock);
	list_for_each_entry(tf, &tt->files, node)
		tt_reclaim_file(tf, &rc);
	tt->detached = true;
	mutex_unlock(&tt->files_lock);
	up_write(&tt->reset_rwsem);
	wake_up_all(&tt->lock_wq);
	wake_up_all(&tt->reset_wq);
	tt_reclaim_finish(tt, &rc);
	wait_event(tt->reset_wq, !atomic_read(&tt->reclaims));

	/* Interrupts go first: their handlers use tt, which open files keep. */
	tt_irq_fini(tt);
	tt->cls->fini(tt);
	pci_set_drvdata(pdev, NULL);
	put_device(&tt->dev);
}

struct pci_driver tt_pci_driver = {
	.name = TT_DRIVER_NAME,
	.id_table = tt_ids,
	.probe = tt_probe,
	.remove = tt_remove,
};
