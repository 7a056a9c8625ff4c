// SPDX-License-Identifier: GPL-2.0-only
/*
 * User memory the device may reach: PIN_PAGES, UNPIN_PAGES, MAP_PEER_BAR.
 * A pinning must come out as one contiguous range of DMA addresses (an
 * IOMMU makes that so; without one the pages must be physically contiguous).
 */
#include <linux/dma-mapping.h>
#include <linux/file.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "device.h"

#define TT_PIN_FLAGS (TENSTORRENT_PIN_PAGES_CONTIGUOUS | TENSTORRENT_PIN_PAGES_NOC_DMA | \
		      TENSTORRENT_PIN_PAGES_NOC_TOP_DOWN | TENSTORRENT_PIN_PAGES_READ_ONLY)

static bool tt_iommu_translates(struct device *dev)
{
	struct iommu_domain *dom = iommu_get_domain_for_dev(dev);

	return dom && dom->type != IOMMU_DOMAIN_IDENTITY;
}

/* Give back what account_locked_vm() charged, unless the process is gone. */
static void tt_pin_uncharge(struct mm_struct *mm, unsigned long npages)
{
	if (mmget_not_zero(mm)) {
		account_locked_vm(mm, npages, false);
		mmput_async(mm);
	}
	mmdrop(mm);
}

static void tt_pin_free(struct tt_device *tt, struct tt_pin *pin)
{
	dma_unmap_sgtable(&tt->pdev->dev, &pin->sgt, DMA_BIDIRECTIONAL, 0);
	sg_free_table(&pin->sgt);
	unpin_user_pages_dirty_lock(pin->pages, pin->npages, pin->writable);
	tt_pin_uncharge(pin->mm, pin->npages);
	kvfree(pin->pages);
	kfree(pin);
}

/*
 * Can npages be pinned at all? Never more than the machine's memory, nor
 * more than a page array the allocator gives without complaint; the
 * caller's RLIMIT_MEMLOCK is charged by account_locked_vm() afterwards.
 */
static bool tt_pin_size_possible(unsigned long npages)
{
	return npages <= totalram_pages() && npages <= INT_MAX / sizeof(struct page *);
}

/* The DMA address of a mapping that is one contiguous range, or 0. */
static dma_addr_t tt_sgt_contiguous(struct sg_table *sgt)
{
	struct scatterlist *sg;
	dma_addr_t start = 0, next = 0;
	unsigned int i;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		if (i == 0)
			start = sg_dma_address(sg);
		else if (sg_dma_address(sg) != next)
			return 0;
		next = sg_dma_address(sg) + sg_dma_len(sg);
	}
	return start;
}

static long tt_pin_pages(struct tt_file *tf, struct tenstorrent_pin_pages __user *arg)
{
	struct tt_device *tt = tf->tt;
	struct tenstorrent_pin_pages_in in;
	struct tenstorrent_pin_pages_out_extended out = {};
	struct tt_pin *pin, *p;
	long pinned;
	int ret;

	if (copy_from_user(&in, &arg->in, sizeof(in)))
		return -EFAULT;
	if (in.flags & ~TT_PIN_FLAGS)
		return -EINVAL;
	if (in.flags & (TENSTORRENT_PIN_PAGES_NOC_DMA | TENSTORRENT_PIN_PAGES_NOC_TOP_DOWN))
		return -EOPNOTSUPP;
	if ((in.flags & TENSTORRENT_PIN_PAGES_READ_ONLY) && !tt_iommu_translates(&tt->pdev->dev))
		return -EOPNOTSUPP;
	if (!in.size || !PAGE_ALIGNED(in.size) || !PAGE_ALIGNED(in.virtual_address) ||
	    in.virtual_address + in.size < in.virtual_address ||
	    in.virtual_address + in.size > TASK_SIZE)
		return -EINVAL;
	if (!tt_pin_size_possible(in.size >> PAGE_SHIFT))
		return -ENOMEM;

	pin = kzalloc(sizeof(*pin), GFP_KERNEL_ACCOUNT);
	if (!pin)
		return -ENOMEM;
	pin->va = in.virtual_address;
	pin->size = in.size;
	pin->npages = in.size >> PAGE_SHIFT;
	pin->writable = !(in.flags & TENSTORRENT_PIN_PAGES_READ_ONLY);
	/* Charged to the caller's memory cgroup; a failure stays quiet. */
	pin->pages = kvmalloc_array(pin->npages, sizeof(*pin->pages),
				    GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!pin->pages) {
		kfree(pin);
		return -ENOMEM;
	}
	/* RLIMIT_MEMLOCK, as every long-term pinning in the kernel. */
	ret = account_locked_vm(current->mm, pin->npages, true);
	if (ret) {
		kvfree(pin->pages);
		kfree(pin);
		return ret;
	}
	pin->mm = current->mm;
	mmgrab(pin->mm);

	mutex_lock(&tf->lock);
	ret = -EEXIST;
	list_for_each_entry(p, &tf->pins, node)
		if (p->va == pin->va && p->size == pin->size)
			goto err_unlock;

	pinned = pin_user_pages_fast(pin->va, pin->npages,
				     FOLL_LONGTERM | (pin->writable ? FOLL_WRITE : 0), pin->pages);
	if (pinned != pin->npages) {
		if (pinned > 0)
			unpin_user_pages(pin->pages, pinned);
		ret = pinned < 0 ? pinned : -EFAULT;
		goto err_unlock;
	}
	ret = sg_alloc_table_from_pages(&pin->sgt, pin->pages, pin->npages, 0, pin->size,
					GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (ret)
		goto err_unpin;
	ret = dma_map_sgtable(&tt->pdev->dev, &pin->sgt, DMA_BIDIRECTIONAL, 0);
	if (ret)
		goto err_sgt;
	out.physical_address = tt_sgt_contiguous(&pin->sgt);
	if (!out.physical_address) {
		ret = -EINVAL;
		goto err_map;
	}
	ret = tt_copy_out(&arg->out, in.output_size_bytes, &out, sizeof(out));
	if (ret)
		goto err_map;
	list_add(&pin->node, &tf->pins);
	mutex_unlock(&tf->lock);
	return 0;

err_map:
	dma_unmap_sgtable(&tt->pdev->dev, &pin->sgt, DMA_BIDIRECTIONAL, 0);
err_sgt:
	sg_free_table(&pin->sgt);
err_unpin:
	unpin_user_pages(pin->pages, pin->npages);
err_unlock:
	mutex_unlock(&tf->lock);
	tt_pin_uncharge(pin->mm, pin->npages);
	kvfree(pin->pages);
	kfree(pin);
	return ret;
}

/* Memory the device may still reach: it lets go first (close, FREE, reset). */
static void tt_pin_revoke(struct tt_device *tt, struct tt_pin *pin)
{
	dma_addr_t dma = tt_sgt_contiguous(&pin->sgt);

	if (tt->cls->dma_release && dma)
		tt->cls->dma_release(tt, dma, pin->size);
}

static long tt_unpin_pages(struct tt_file *tf, struct tenstorrent_unpin_pages __user *arg)
{
	struct tenstorrent_unpin_pages_in in;
	struct tt_pin *p, *found = NULL;

	if (copy_from_user(&in, &arg->in, sizeof(in)))
		return -EFAULT;
	if (in.reserved)
		return -EINVAL;
	mutex_lock(&tf->lock);
	list_for_each_entry(p, &tf->pins, node) {
		if (p->va == in.virtual_address && p->size == in.size) {
			found = p;
			list_del(&p->node);
			break;
		}
	}
	mutex_unlock(&tf->lock);
	if (!found)
		return -EINVAL;
	tt_pin_revoke(tf->tt, found);
	tt_pin_free(tf->tt, found);
	return 0;
}

static long tt_map_peer_bar(struct tt_file *tf, struct tenstorrent_map_peer_bar __user *arg)
{
	struct tenstorrent_map_peer_bar_in in;
	struct tenstorrent_map_peer_bar_out out = {};
	struct tt_device *tt = tf->tt, *peer;
	struct tt_peer_map *map;
	struct file *pf;
	resource_size_t start, len;
	int ret = -EINVAL;

	if (copy_from_user(&in, &arg->in, sizeof(in)))
		return -EFAULT;
	if (in.flags || in.reserved || !in.peer_bar_length || in.peer_bar_index >= PCI_STD_NUM_BARS)
		return -EINVAL;
	pf = fget(in.peer_fd);
	if (!pf)
		return -EBADF;
	if (pf->f_op != &tt_fops)
		goto out_fput;
	peer = ((struct tt_file *)pf->private_data)->tt;
	if (peer == tt || peer->cls != tt->cls || READ_ONCE(peer->detached))
		goto out_fput;
	start = pci_resource_start(peer->pdev, in.peer_bar_index);
	len = pci_resource_len(peer->pdev, in.peer_bar_index);
	if (!(pci_resource_flags(peer->pdev, in.peer_bar_index) & IORESOURCE_MEM) ||
	    (u64)in.peer_bar_offset + in.peer_bar_length > len)
		goto out_fput;
	map = kzalloc(sizeof(*map), GFP_KERNEL);
	ret = -ENOMEM;
	if (!map)
		goto out_fput;
	map->size = in.peer_bar_length;
	map->dma = dma_map_resource(&tt->pdev->dev, start + in.peer_bar_offset, map->size,
				    DMA_BIDIRECTIONAL, 0);
	if (dma_mapping_error(&tt->pdev->dev, map->dma)) {
		kfree(map);
		goto out_fput;
	}
	out.dma_address = map->dma;
	ret = 0;
	if (copy_to_user(&arg->out, &out, sizeof(out))) {
		dma_unmap_resource(&tt->pdev->dev, map->dma, map->size, DMA_BIDIRECTIONAL, 0);
		kfree(map);
		ret = -EFAULT;
		goto out_fput;
	}
	mutex_lock(&tf->lock);
	list_add(&map->node, &tf->peers);
	mutex_unlock(&tf->lock);
out_fput:
	fput(pf);
	return ret;
}

long tt_ioctl_pin(struct tt_file *tf, unsigned int cmd, void __user *arg)
{
	switch (cmd) {
	case TENSTORRENT_IOCTL_PIN_PAGES:
		return tt_pin_pages(tf, arg);
	case TENSTORRENT_IOCTL_UNPIN_PAGES:
		return tt_unpin_pages(tf, arg);
	default:
		return tt_map_peer_bar(tf, arg);
	}
}

static void tt_pins_free(struct tt_device *tt, struct list_head *pins, struct list_head *peers,
			 bool revoke)
{
	struct tt_pin *pin, *tp;
	struct tt_peer_map *map, *tm;

	list_for_each_entry_safe(pin, tp, pins, node) {
		list_del(&pin->node);
		if (revoke)
			tt_pin_revoke(tt, pin);
		tt_pin_free(tt, pin);
	}
	list_for_each_entry_safe(map, tm, peers, node) {
		list_del(&map->node);
		dma_unmap_resource(&tt->pdev->dev, map->dma, map->size, DMA_BIDIRECTIONAL, 0);
		kfree(map);
	}
}

/* Close: the caller holds reset_rwsem for reading. */
void tt_pin_release_all(struct tt_file *tf)
{
	struct tt_reclaim rc;

	INIT_LIST_HEAD(&rc.pins);
	INIT_LIST_HEAD(&rc.peers);
	tt_pin_take_all(tf, &rc);
	tt_pins_free(tf->tt, &rc.pins, &rc.peers, !tf->tt->detached);
}

void tt_pin_take_all(struct tt_file *tf, struct tt_reclaim *rc)
{
	mutex_lock(&tf->lock);
	list_splice_tail_init(&tf->pins, &rc->pins);
	list_splice_tail_init(&tf->peers, &rc->peers);
	mutex_unlock(&tf->lock);
}

void tt_pin_free_taken(struct tt_device *tt, struct tt_reclaim *rc)
{
	tt_pins_free(tt, &rc->pins, &rc->peers, true);
}
