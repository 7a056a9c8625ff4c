// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmap: the offset names a BAR (UC or WC), a TLB window or a DMA buffer;
 * see uapi/tenstorrent.h. Every mapping lives in its file's own
 * address_space, so a reset can zap the mappings of exactly the stale
 * files with unmap_mapping_range(); a later access then faults into
 * tt_vm_fault() and gets SIGBUS.
 */
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/version.h>

#include "device.h"

#define TT_MMAP_DMA_BASE ((u64)(PAGE_SIZE - 256) << TENSTORRENT_MMAP_DMA_SHIFT)

static vm_fault_t tt_vm_fault(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

static void tt_vma_set_flags(struct vm_area_struct *vma, unsigned long flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

static const struct vm_operations_struct tt_bar_vm_ops = {
	.fault = tt_vm_fault,
};

static void tt_dma_vm_open(struct vm_area_struct *vma)
{
	struct tt_dmabuf *buf = vma->vm_private_data;

	kref_get(&buf->ref);
}

static void tt_dma_vm_close(struct vm_area_struct *vma)
{
	tt_dmabuf_put(vma->vm_private_data);
}

static const struct vm_operations_struct tt_dma_vm_ops = {
	.open = tt_dma_vm_open,
	.close = tt_dma_vm_close,
	.fault = tt_vm_fault,
};

static struct tt_device *tt_vma_dev(struct vm_area_struct *vma)
{
	struct tt_file *tf = vma->vm_file->private_data;

	return tf->tt;
}

static void tt_tlb_vm_open(struct vm_area_struct *vma)
{
	atomic_inc(&tt_vma_dev(vma)->tlb_maps[(uintptr_t)vma->vm_private_data]);
}

static void tt_tlb_vm_close(struct vm_area_struct *vma)
{
	atomic_dec(&tt_vma_dev(vma)->tlb_maps[(uintptr_t)vma->vm_private_data]);
}

static int tt_tlb_vm_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	return -EINVAL;
}

static const struct vm_operations_struct tt_tlb_vm_ops = {
	.open = tt_tlb_vm_open,
	.close = tt_tlb_vm_close,
	.may_split = tt_tlb_vm_may_split,
	.fault = tt_vm_fault,
};

static int tt_map_phys(struct vm_area_struct *vma, phys_addr_t start, u64 len, u64 off, bool wc)
{
	u64 size = vma->vm_end - vma->vm_start;

	if (off > len || size > len - off)
		return -EINVAL;
	vma->vm_page_prot = wc ? pgprot_writecombine(vma->vm_page_prot) :
				 pgprot_device(vma->vm_page_prot);
	tt_vma_set_flags(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	return io_remap_pfn_range(vma, vma->vm_start, (start + off) >> PAGE_SHIFT, size,
				  vma->vm_page_prot);
}

static int tt_mmap_bar(struct tt_file *tf, struct vm_area_struct *vma, u64 off)
{
	unsigned int id = (off >> TENSTORRENT_MMAP_BAR_SHIFT) + 1;
	unsigned int bar = tf->tt->cls->mapped_bars[(id - 1) / 2];
	struct pci_dev *pdev = tf->tt->pdev;
	u64 in = off & ((1ULL << TENSTORRENT_MMAP_BAR_SHIFT) - 1);
	resource_size_t start = pci_resource_start(pdev, bar);
	resource_size_t len = pci_resource_len(pdev, bar);

	if (!len || !(pci_resource_flags(pdev, bar) & IORESOURCE_MEM))
		return -EINVAL;
	/* A BAR smaller than a page may share it with another device's. */
	if (!PAGE_ALIGNED(start) || len < PAGE_SIZE)
		return -EINVAL;
	vma->vm_ops = &tt_bar_vm_ops;
	return tt_map_phys(vma, start, len, in, !((id - 1) & 1));
}

/* Offset of TLB window id inside the TLB mmap regions. */
static u64 tt_tlb_region_offset(unsigned int bar, u64 bar_off)
{
	return bar == 0 ? bar_off : SZ_512M + bar_off;
}

static int tt_mmap_tlb(struct tt_file *tf, struct vm_area_struct *vma, u64 off)
{
	struct tt_device *tt = tf->tt;
	const struct tt_class *cls = tt->cls;
	bool wc = off >= TENSTORRENT_MMAP_TLB_WC;
	u64 in = off - (wc ? TENSTORRENT_MMAP_TLB_WC : TENSTORRENT_MMAP_TLB_UC);
	unsigned int kind, id;

	if (!cls->tlb_kinds)
		return -EINVAL;
	for (kind = 0; kind < cls->tlb_kinds; kind++) {
		unsigned int first = tt_tlb_first(cls, kind);

		for (id = first; id < first + cls->tlb_count[kind]; id++) {
			unsigned int bar;
			u64 bar_off, base;
			int ret;

			cls->tlb_place(tt, id, &bar, &bar_off);
			base = tt_tlb_region_offset(bar, bar_off);
			if (in < base || in >= base + cls->tlb_size[kind])
				continue;
			if (!test_bit(id, tf->tlbs))
				return -EPERM;
			ret = tt_map_phys(vma, pci_resource_start(tt->pdev, bar) + bar_off,
					  cls->tlb_size[kind], in - base, !wc);
			if (ret)
				return ret;
			vma->vm_private_data = (void *)(uintptr_t)id;
			vma->vm_ops = &tt_tlb_vm_ops;
			tt_tlb_vm_open(vma);
			return 0;
		}
	}
	return -EINVAL;
}

static int tt_mmap_dma(struct tt_file *tf, struct vm_area_struct *vma, u64 off)
{
	u64 rel = off - TT_MMAP_DMA_BASE;
	unsigned int index = rel >> TENSTORRENT_MMAP_DMA_SHIFT;
	u64 in = rel & ((1ULL << TENSTORRENT_MMAP_DMA_SHIFT) - 1);
	u64 size = vma->vm_end - vma->vm_start;
	struct tt_dmabuf *buf;
	int ret;

	if (index >= TENSTORRENT_MAX_DMA_BUFS)
		return -EINVAL;
	spin_lock(&tf->dma_lock);
	buf = tf->dma[index];
	if (buf)
		kref_get(&buf->ref);
	spin_unlock(&tf->dma_lock);
	if (!buf)
		return -EINVAL;
	ret = -EINVAL;
	mutex_lock(&buf->lock);
	if (buf->vaddr && in <= buf->size && size <= buf->size - in) {
		vma->vm_pgoff = in >> PAGE_SHIFT;
		ret = dma_mmap_coherent(&tf->tt->pdev->dev, vma, buf->vaddr, buf->dma, buf->size);
	}
	mutex_unlock(&buf->lock);
	if (ret) {
		tt_dmabuf_put(buf);
		return ret;
	}
	tt_vma_set_flags(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_private_data = buf;
	vma->vm_ops = &tt_dma_vm_ops;
	return 0;
}

int tt_mmap(struct file *f, struct vm_area_struct *vma)
{
	struct tt_file *tf = f->private_data;
	struct tt_device *tt = tf->tt;
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	int ret;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	/* A trylock: mmap holds mmap_lock, which ioctls take under reset_rwsem. */
	if (!down_read_trylock(&tt->reset_rwsem))
		return -EAGAIN;
	if (tt_file_stale(tf) || tt->needs_post_reset)
		ret = -ENODEV;
	else if (off < TENSTORRENT_MMAP_TLB_UC)
		ret = tt_mmap_bar(tf, vma, off);
	else if (off < TENSTORRENT_MMAP_TLB_WC + (1ULL << TENSTORRENT_MMAP_BAR_SHIFT))
		ret = tt_mmap_tlb(tf, vma, off);
	else if (off >= TT_MMAP_DMA_BASE)
		ret = tt_mmap_dma(tf, vma, off);
	else
		ret = -EINVAL;
	up_read(&tt->reset_rwsem);
	return ret;
}
