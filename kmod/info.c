// SPDX-License-Identifier: GPL-2.0-only
/* Read-only ioctls: device and driver info, harvesting, mappings, capabilities. */
#include <linux/pci.h>
#include <linux/uaccess.h>

#include "device.h"

static long tt_get_device_info(struct tt_file *tf, struct tenstorrent_get_device_info __user *arg)
{
	struct pci_dev *pdev = tf->tt->pdev;
	struct tenstorrent_get_device_info_out out = {};
	u32 size;

	if (get_user(size, &arg->in.output_size_bytes))
		return -EFAULT;
	out.output_size_bytes = sizeof(out);
	out.vendor_id = pdev->vendor;
	out.device_id = pdev->device;
	out.subsystem_vendor_id = pdev->subsystem_vendor;
	out.subsystem_id = pdev->subsystem_device;
	out.bus_dev_fn = PCI_DEVID(pdev->bus->number, pdev->devfn);
	out.max_dma_buf_size_log2 = tt_dma_buf_max_log2();
	out.pci_domain = pci_domain_nr(pdev->bus);
	return tt_copy_out(&arg->out, size, &out, sizeof(out));
}

static long tt_get_driver_info(struct tenstorrent_get_driver_info __user *arg)
{
	struct tenstorrent_get_driver_info_out out = {};
	u32 size;

	if (get_user(size, &arg->in.output_size_bytes))
		return -EFAULT;
	out.output_size_bytes = sizeof(out);
	out.driver_version = TENSTORRENT_DRIVER_VERSION;
	out.driver_version_major = TT_KMD_ABI_MAJOR;
	out.driver_version_minor = TT_KMD_ABI_MINOR;
	out.driver_version_patch = TT_KMD_ABI_PATCH;
	return tt_copy_out(&arg->out, size, &out, sizeof(out));
}

static long tt_get_harvesting(struct tt_file *tf, struct tenstorrent_get_harvesting __user *arg)
{
	struct tenstorrent_get_harvesting_in in;
	struct tenstorrent_get_harvesting_out out = {};
	int ret;

	if (copy_from_user(&in, &arg->in, sizeof(in)))
		return -EFAULT;
	if (in.reserved)
		return -EINVAL;
	if (tf->tt->cls->harvesting) {
		ret = tf->tt->cls->harvesting(tf->tt, &out);
		if (ret)
			return ret;
	}
	out.output_size_bytes = sizeof(out);
	return tt_copy_out(&arg->out, in.output_size_bytes, &out, sizeof(out));
}

u64 tt_mmap_bar_offset(unsigned int mapping_id)
{
	return (u64)(mapping_id - 1) << TENSTORRENT_MMAP_BAR_SHIFT;
}

static long tt_query_mappings(struct tt_file *tf, struct tenstorrent_query_mappings __user *arg)
{
	struct tenstorrent_mapping __user *umap = (void __user *)(arg + 1);
	struct tenstorrent_mapping m[6];
	struct tenstorrent_query_mappings_in in;
	struct pci_dev *pdev = tf->tt->pdev;
	unsigned int n = 0, r, wc;

	if (copy_from_user(&in, &arg->in, sizeof(in)))
		return -EFAULT;
	if (in.reserved || (u64)in.output_mapping_count * sizeof(*umap) > TT_MAX_OUTPUT)
		return -EINVAL;
	memset(m, 0, sizeof(m));
	for (r = 0; r < 3; r++) {
		unsigned int bar = tf->tt->cls->mapped_bars[r];
		u64 len = pci_resource_len(pdev, bar);

		if (!len || !(pci_resource_flags(pdev, bar) & IORESOURCE_MEM) ||
		    !PAGE_ALIGNED(pci_resource_start(pdev, bar)) || len < PAGE_SIZE)
			continue;
		for (wc = 0; wc < 2; wc++) {
			m[n].mapping_id = TENSTORRENT_MAPPING_RESOURCE0_UC + 2 * r + wc;
			m[n].mapping_base = tt_mmap_bar_offset(m[n].mapping_id);
			m[n].mapping_size = len;
			n++;
		}
	}
	if (in.output_mapping_count > n &&
	    clear_user(umap + n, (size_t)(in.output_mapping_count - n) * sizeof(*umap)))
		return -EFAULT;
	if (copy_to_user(umap, m, min(n, in.output_mapping_count) * sizeof(*umap)))
		return -EFAULT;
	return 0;
}

static long tt_get_caps(struct tt_file *tf, void __user *arg)
{
	struct tt_device *tt = tf->tt;
	struct tenstorrent_get_device_caps c;
	u32 argsz;
	int ret;

	ret = tt_copy_argsz_in(&c, sizeof(c), arg, &argsz);
	if (ret)
		return ret;
	if (c.flags)
		return -EINVAL;
	memset(&c, 0, sizeof(c));
	c.argsz = sizeof(c);
	c.arch = tt->cls->arch;
	c.num_vectors = tt->nvec;
	c.num_queues = tt->cls->doorbell ? tt->cls->num_queues : 0;
	if (tt->nvec)
		c.caps |= TENSTORRENT_CAP_EVENTFD;
	if (tt->cls->doorbell)
		c.caps |= TENSTORRENT_CAP_DOORBELL;
	if (tt->cls->tlb_kinds)
		c.caps |= TENSTORRENT_CAP_TLBS;
	if (tt->cls->harvesting)
		c.caps |= TENSTORRENT_CAP_HARVESTING;
	c.reset_generation = tt->reset_gen;
	c.fd_generation = tf->gen;
	c.dma_address_bits = tt->cls->dma_bits;
	if (tt->cls->caps)
		tt->cls->caps(tt, &c);
	return tt_copy_argsz_out(arg, argsz, &c, sizeof(c));
}

long tt_ioctl_info(struct tt_file *tf, unsigned int cmd, void __user *arg)
{
	switch (cmd) {
	case TENSTORRENT_IOCTL_GET_DEVICE_INFO:
		return tt_get_device_info(tf, arg);
	case TENSTORRENT_IOCTL_GET_DRIVER_INFO:
		return tt_get_driver_info(arg);
	case TENSTORRENT_IOCTL_GET_HARVESTING:
		return tt_get_harvesting(tf, arg);
	case TENSTORRENT_IOCTL_QUERY_MAPPINGS:
		return tt_query_mappings(tf, arg);
	case TENSTORRENT_IOCTL_GET_DEVICE_CAPS:
		return tt_get_caps(tf, arg);
	}
	return -ENOTTY;
}
