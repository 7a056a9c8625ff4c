// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmap: the offset names a BAR (UC or WC), a TLB window or a DMA buffer;
 * see uapi/tenstorrent.h.
 *
 * mmap only checks the request and describes it (struct tt_map); pages
 * are inserted by the fault handler, under tt->map_lock, after it has
 * checked that the file may still reach them. A VMA is in its file's
 * address_space before any fault can run, so a reset or a remove that
 * changes what the fault checks, takes and drops map_lock and then zaps
 * the file's address_space (tt_zap_file) leaves no page mapped that it
 * takes away: a fault that saw the old state finished before the zap, a
 * later one sees the new state and raises SIGBUS.
 *
 * Cache modes: a BAR range is mapped either UC or WC, never both at once
 * (x86 PAT cannot honour two modes for one physical page), and never WC
 * where the kernel maps the BAR itself (tt_iomap); a WC mapping holds a
 * PAT write-combining reservation, so that its pages really are WC. BAR and TLB mappings cannot be split (partial munmap, mremap of a
 * part): each holds exactly the range it reserved.
 */
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/version.h>

#include "device.h"

#define TT_MMAP_DMA_BASE	((u64)(PAGE_SIZE - 256) << TENSTORRENT_MMAP_DMA_SHIFT)
#define TT_MMAP_BAR_SIZE	(1ULL << TENSTORRENT_MMAP_BAR_SHIFT)
/* A fault maps up to this much around the faulting address. */
#define TT_FAULT_AROUND		SZ_2M

static void tt_vma_set_flags(struct vm_area_struct *vma, unsigned long flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/* The page frame of byte off of a coherent DMA buffer. */
static unsigned long tt_dma_pfn(const struct tt_dmabuf *buf, u64 off)
{
	void *va = buf->vaddr + off;

	return is_vmalloc_addr(va) ? vmalloc_to_pfn(va) : page_to_pfn(virt_to_page(va));
}

/* The page frame behind page pgoff of the map's region, or 0 if it has none. */
static unsigned long tt_map_pfn(const struct tt_map *m, pgoff_t pgoff)
{
	u64 off = ((u64)pgoff << PAGE_SHIFT) - m->offset;

	if (off >= m->size)
		return 0;
	if (m->kind == TT_MAP_DMA)
		return tt_dma_pfn(m->buf, off);
	return PHYS_PFN(m->phys + off);
}

/* May the map's file still reach its pages? Under map_lock. */
static bool tt_map_alive(const struct tt_map *m)
{
	const struct tt_file *tf = m->tf;

	if (tf->zapped)
		return false;
	if (m->kind == TT_MAP_TLB)
		return test_bit(m->tlb, tf->tlbs);
	if (m->kind == TT_MAP_DMA)
		return m->buf->vaddr;
	return true;
}

static vm_fault_t tt_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct tt_map *m = vma->vm_private_data;
	struct tt_device *tt = m->tf->tt;
	unsigned long start, end, addr;
	vm_fault_t ret = VM_FAULT_SIGBUS;

	start = max(ALIGN_DOWN(vmf->address, TT_FAULT_AROUND), vma->vm_start);
	end = min(ALIGN_DOWN(vmf->address, TT_FAULT_AROUND) + TT_FAULT_AROUND, vma->vm_end);

	mutex_lock(&tt->map_lock);
	if (m->kind == TT_MAP_DMA)
		mutex_lock(&m->buf->lock);
	if (!tt_map_alive(m))
		goto out;
	for (addr = start; addr < end; addr += PAGE_SIZE) {
		pgoff_t pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
		unsigned long pfn = tt_map_pfn(m, pgoff);
		vm_fault_t r;

		if (!pfn) {
			r = VM_FAULT_SIGBUS;
		} else {
			r = vmf_insert_pfn_prot(vma, addr, pfn, vma->vm_page_prot);
			if (!(r & VM_FAULT_ERROR))
				r = VM_FAULT_NOPAGE;
		}
		if (addr == (vmf->address & PAGE_MASK))
			ret = r;
		if (r & VM_FAULT_ERROR) {
			if (addr <= vmf->address)
				ret = r;
			break;
		}
	}
out:
	if (m->kind == TT_MAP_DMA)
		mutex_unlock(&m->buf->lock);
	mutex_unlock(&tt->map_lock);
	return ret;
}

/* Its last VMA is gone. */
static void tt_map_release(struct kref *ref)
{
	struct tt_map *m = container_of(ref, struct tt_map, ref);
	struct tt_device *tt = m->tf->tt;

	if (m->kind != TT_MAP_DMA) {
		mutex_lock(&tt->map_lock);
		list_del(&m->node);
		mutex_unlock(&tt->map_lock);
	}
	if (m->wc_reserved)
		arch_io_free_memtype_wc(m->map_start, m->map_end - m->map_start);
	if (m->buf)
		tt_dmabuf_put(m->buf);
	kfree(m);
}

static void tt_vm_open(struct vm_area_struct *vma)
{
	struct tt_map *m = vma->vm_private_data;

	kref_get(&m->ref);
	if (m->kind == TT_MAP_TLB)
		atomic_inc(&m->tf->tt->tlb_maps[m->tlb]);
}

static void tt_vm_close(struct vm_area_struct *vma)
{
	struct tt_map *m = vma->vm_private_data;

	if (m->kind == TT_MAP_TLB)
		atomic_dec(&m->tf->tt->tlb_maps[m->tlb]);
	kref_put(&m->ref, tt_map_release);
}

static int tt_vm_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	struct tt_map *m = vma->vm_private_data;

	return m->kind == TT_MAP_DMA ? 0 : -EINVAL;
}

static const struct vm_operations_struct tt_vm_ops = {
	.open = tt_vm_open,
	.close = tt_vm_close,
	.may_split = tt_vm_may_split,
	.fault = tt_vm_fault,
};

/*
 * The device range [start, end) in the given mode: refused while another
 * mapping holds an overlapping range in the other mode, or when PAT
 * cannot make it write-combining. Under map_lock.
 */
static int tt_claim_mode(struct tt_device *tt, struct tt_map *m)
{
	struct tt_map *o;
	unsigned int i;

	list_for_each_entry(o, &tt->maps, node)
		if (o->wc != m->wc && o->map_start < m->map_end && m->map_start < o->map_end)
			return -EBUSY;
	if (m->wc) {
		/* The kernel's own UC- ranges: PAT would refuse, and say so. */
		for (i = 0; i < tt->nkmaps; i++)
			if (tt->kmaps[i].start < m->map_end && m->map_start < tt->kmaps[i].end)
				return -EBUSY;
		if (arch_io_reserve_memtype_wc(m->map_start, m->map_end - m->map_start))
			return -EBUSY;
		m->wc_reserved = true;
	}
	list_add(&m->node, &tt->maps);
	return 0;
}

/* A BAR or TLB mapping: range checks, cache mode, flags. */
static int tt_map_device(struct tt_file *tf, struct vm_area_struct *vma, struct tt_map *m)
{
	struct tt_device *tt = tf->tt;
	u64 in = ((u64)vma->vm_pgoff << PAGE_SHIFT) - m->offset;
	u64 len = vma->vm_end - vma->vm_start;
	int ret;

	if (in > m->size || len > m->size - in)
		return -EINVAL;
	m->map_start = m->phys + in;
	m->map_end = m->map_start + len;
	vma->vm_page_prot = m->wc ? pgprot_writecombine(vma->vm_page_prot) :
				    pgprot_device(vma->vm_page_prot);
	tt_vma_set_flags(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	mutex_lock(&tt->map_lock);
	ret = tt_claim_mode(tt, m);
	mutex_unlock(&tt->map_lock);
	return ret;
}

static int tt_mmap_bar(struct tt_file *tf, struct vm_area_struct *vma, u64 off, struct tt_map *m)
{
	unsigned int id = (off >> TENSTORRENT_MMAP_BAR_SHIFT) + 1;
	unsigned int bar = tf->tt->cls->mapped_bars[(id - 1) / 2];
	struct pci_dev *pdev = tf->tt->pdev;
	resource_size_t start = pci_resource_start(pdev, bar);
	resource_size_t len = pci_resource_len(pdev, bar);

	if (!len || !(pci_resource_flags(pdev, bar) & IORESOURCE_MEM))
		return -EINVAL;
	/* A BAR smaller than a page may share it with another device's. */
	if (!PAGE_ALIGNED(start) || len < PAGE_SIZE)
		return -EINVAL;
	m->kind = TT_MAP_BAR;
	m->offset = off & ~(TT_MMAP_BAR_SIZE - 1);
	m->phys = start;
	m->size = len;
	m->wc = id == TENSTORRENT_MAPPING_RESOURCE0_WC || id == TENSTORRENT_MAPPING_RESOURCE1_WC ||
		id == TENSTORRENT_MAPPING_RESOURCE2_WC;
	return tt_map_device(tf, vma, m);
}

/* Offset of TLB window id inside the TLB mmap regions. */
static u64 tt_tlb_region_offset(unsigned int bar, u64 bar_off)
{
	return bar == 0 ? bar_off : SZ_512M + bar_off;
}

static int tt_mmap_tlb(struct tt_file *tf, struct vm_area_struct *vma, u64 off, struct tt_map *m)
{
	struct tt_device *tt = tf->tt;
	const struct tt_class *cls = tt->cls;
	bool wc = off >= TENSTORRENT_MMAP_TLB_WC;
	u64 region = wc ? TENSTORRENT_MMAP_TLB_WC : TENSTORRENT_MMAP_TLB_UC;
	u64 in = off - region;
	unsigned int kind, id;

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
			m->kind = TT_MAP_TLB;
			m->offset = region + base;
			m->phys = pci_resource_start(tt->pdev, bar) + bar_off;
			m->size = cls->tlb_size[kind];
			m->wc = wc;
			m->tlb = id;
			ret = tt_map_device(tf, vma, m);
			if (!ret)
				atomic_inc(&tt->tlb_maps[id]);
			return ret;
		}
	}
	return -EINVAL;
}

static int tt_mmap_dma(struct tt_file *tf, struct vm_area_struct *vma, u64 off, struct tt_map *m)
{
	u64 rel = off - TT_MMAP_DMA_BASE;
	unsigned int index = rel >> TENSTORRENT_MMAP_DMA_SHIFT;
	u64 in = rel & ((1ULL << TENSTORRENT_MMAP_DMA_SHIFT) - 1);
	u64 len = vma->vm_end - vma->vm_start;
	struct tt_dmabuf *buf;

	if (index >= TENSTORRENT_MAX_DMA_BUFS)
		return -EINVAL;
	spin_lock(&tf->dma_lock);
	buf = tf->dma[index];
	if (buf)
		kref_get(&buf->ref);
	spin_unlock(&tf->dma_lock);
	if (!buf)
		return -EINVAL;
	if (in > buf->size || len > buf->size - in) {
		tt_dmabuf_put(buf);
		return -EINVAL;
	}
	m->kind = TT_MAP_DMA;
	m->offset = off - in;
	m->size = buf->size;
	m->buf = buf;
	tt_vma_set_flags(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	return 0;
}

int tt_mmap(struct file *f, struct vm_area_struct *vma)
{
	struct tt_file *tf = f->private_data;
	struct tt_device *tt = tf->tt;
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	struct tt_map *m;
	int ret;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	kref_init(&m->ref);
	m->tf = tf;
	INIT_LIST_HEAD(&m->node);
	/* A trylock: mmap holds mmap_lock, which ioctls take under reset_rwsem. */
	if (!down_read_trylock(&tt->reset_rwsem)) {
		kfree(m);
		return -EAGAIN;
	}
	if (tt_file_stale(tf) || tt->needs_post_reset || READ_ONCE(tf->zapped))
		ret = -ENODEV;
	else if (off < TENSTORRENT_MMAP_TLB_UC)
		ret = tt_mmap_bar(tf, vma, off, m);
	else if (off < TENSTORRENT_MMAP_TLB_WC + TT_MMAP_BAR_SIZE)
		ret = tt->cls->tlb_kinds ? tt_mmap_tlb(tf, vma, off, m) : -EINVAL;
	else if (off >= TT_MMAP_DMA_BASE)
		ret = tt_mmap_dma(tf, vma, off, m);
	else
		ret = -EINVAL;
	up_read(&tt->reset_rwsem);
	if (ret) {
		kfree(m);
		return ret;
	}
	vma->vm_private_data = m;
	vma->vm_ops = &tt_vm_ops;
	return 0;
}

/*
 * After a change to what tt_map_alive() checks: faults that saw the old
 * state are done once map_lock was free, later ones see the new state;
 * then unmap what is mapped. With revoke the file's mappings are dead for
 * good (reset, remove).
 */
static void tt_zap_range(struct tt_file *tf, bool revoke, loff_t start, loff_t len)
{
	struct tt_device *tt = tf->tt;

	mutex_lock(&tt->map_lock);
	if (revoke)
		tf->zapped = true;
	mutex_unlock(&tt->map_lock);
	unmap_mapping_range(&tf->mapping, start, len, 1);
}

void tt_zap_file(struct tt_file *tf, bool revoke)
{
	tt_zap_range(tf, revoke, 0, 0);
}

/* The file's TLB windows went away (its own reset): unmap them. */
void tt_zap_tlbs(struct tt_file *tf)
{
	tt_zap_range(tf, false, TENSTORRENT_MMAP_TLB_UC, 2 * TT_MMAP_BAR_SIZE);
}
