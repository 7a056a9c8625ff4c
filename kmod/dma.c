// SPDX-License-Identifier: GPL-2.0-only
/*
 * Coherent DMA buffers: ALLOCATE_DMA_BUF and FREE_DMA_BUF.
 *
 * A buffer is referenced by its slot in the file and by each mapping of
 * it; the memory goes back when the last reference does, or, after a
 * reset or a remove zapped the file's mappings, once the device let go.
 */
#include <linux/dma-mapping.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "device.h"

#define TT_DMA_MMAP_BASE ((u64)(PAGE_SIZE - 256) << TENSTORRENT_MMAP_DMA_SHIFT)

/*
 * The largest buffer ALLOCATE_DMA_BUF can give: without a CMA area the
 * page allocator's largest block, else what the ABI allows.
 */
unsigned int tt_dma_buf_max_log2(void)
{
#ifdef CONFIG_DMA_CMA
	return TENSTORRENT_MAX_DMA_BUF_SIZE_LOG2;
#else
	return min_t(unsigned int, TENSTORRENT_MAX_DMA_BUF_SIZE_LOG2, PAGE_SHIFT + MAX_ORDER - 1);
#endif
}

u64 tt_mmap_dma_offset(unsigned int index)
{
	return TT_DMA_MMAP_BASE + ((u64)index << TENSTORRENT_MMAP_DMA_SHIFT);
}

/* Frees the memory; the caller made sure no mapping can reach it. */
static void tt_dmabuf_free_memory(struct tt_dmabuf *buf)
{
	mutex_lock(&buf->lock);
	if (buf->vaddr)
		dma_free_coherent(&buf->tt->pdev->dev, buf->size, buf->vaddr, buf->dma);
	buf->vaddr = NULL;
	mutex_unlock(&buf->lock);
}

static void tt_dmabuf_release(struct kref *ref)
{
	struct tt_dmabuf *buf = container_of(ref, struct tt_dmabuf, ref);
	struct tt_device *tt = buf->tt;

	tt_dmabuf_free_memory(buf);
	kfree(buf);
	put_device(&tt->dev);
}

void tt_dmabuf_put(struct tt_dmabuf *buf)
{
	kref_put(&buf->ref, tt_dmabuf_release);
}

static long tt_allocate_dma_buf(struct tt_file *tf, struct tenstorrent_allocate_dma_buf __user *arg)
{
	struct tt_device *tt = tf->tt;
	struct tenstorrent_allocate_dma_buf_in in;
	struct tenstorrent_allocate_dma_buf_out out = {};
	struct tt_dmabuf *buf;
	bool busy;

	if (copy_from_user(&in, &arg->in, sizeof(in)))
		return -EFAULT;
	if (in.reserved0[0] || in.reserved0[1] || in.reserved1[0] || in.reserved1[1])
		return -EINVAL;
	if (in.flags & ~TENSTORRENT_ALLOCATE_DMA_BUF_NOC_DMA)
		return -EINVAL;
	if (in.flags & TENSTORRENT_ALLOCATE_DMA_BUF_NOC_DMA)
		return -EOPNOTSUPP;
	if (!in.requested_size || !PAGE_ALIGNED(in.requested_size) ||
	    in.requested_size > (1u << TENSTORRENT_MAX_DMA_BUF_SIZE_LOG2))
		return -EINVAL;
	if (in.requested_size > (1u << tt_dma_buf_max_log2()))
		return -ENOMEM;
	spin_lock(&tf->dma_lock);
	busy = tf->dma[in.buf_index];
	spin_unlock(&tf->dma_lock);
	if (busy)
		return -EINVAL;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	kref_init(&buf->ref);
	mutex_init(&buf->lock);
	buf->size = in.requested_size;
	buf->index = in.buf_index;
	/* Beyond the page allocator's largest block this fails quietly. */
	buf->vaddr = dma_alloc_coherent(&tt->pdev->dev, buf->size, &buf->dma,
					GFP_KERNEL | __GFP_NOWARN);
	if (!buf->vaddr) {
		kfree(buf);
		return -ENOMEM;
	}
	get_device(&tt->dev);
	buf->tt = tt;

	spin_lock(&tf->dma_lock);
	busy = tf->dma[in.buf_index];
	if (!busy)
		tf->dma[in.buf_index] = buf;
	spin_unlock(&tf->dma_lock);
	if (busy) {
		tt_dmabuf_put(buf);
		return -EINVAL;
	}

	out.physical_address = buf->dma;
	out.mapping_offset = tt_mmap_dma_offset(buf->index);
	out.size = buf->size;
	if (copy_to_user(&arg->out, &out, sizeof(out))) {
		spin_lock(&tf->dma_lock);
		tf->dma[in.buf_index] = NULL;
		spin_unlock(&tf->dma_lock);
		tt_dmabuf_put(buf);
		return -EFAULT;
	}
	return 0;
}

/* The device must stop using the buffer (caller holds reset_rwsem). */
static void tt_dmabuf_revoke(struct tt_dmabuf *buf)
{
	struct tt_device *tt = buf->tt;

	if (!tt->detached && tt->cls->dma_release)
		tt->cls->dma_release(tt, buf->dma, buf->size);
}

static long tt_free_dma_buf(struct tt_file *tf, struct tenstorrent_free_dma_buf __user *arg)
{
	struct tenstorrent_free_dma_buf_in in;
	struct tt_dmabuf *buf;

	if (copy_from_user(&in, &arg->in, sizeof(in)))
		return -EFAULT;
	if (in.reserved0[0] || in.reserved0[1] || in.reserved0[2] || in.reserved1)
		return -EINVAL;
	spin_lock(&tf->dma_lock);
	buf = tf->dma[in.buf_index];
	tf->dma[in.buf_index] = NULL;
	spin_unlock(&tf->dma_lock);
	if (!buf)
		return -EINVAL;
	tt_dmabuf_revoke(buf);
	tt_dmabuf_put(buf);
	return 0;
}

long tt_ioctl_dma(struct tt_file *tf, unsigned int cmd, void __user *arg)
{
	if (cmd == TENSTORRENT_IOCTL_ALLOCATE_DMA_BUF)
		return tt_allocate_dma_buf(tf, arg);
	return tt_free_dma_buf(tf, arg);
}

/*
 * Close: the file's slots go; a buffer's memory stays while a mapping of
 * it does (the last reference frees it).
 */
void tt_dma_release_all(struct tt_file *tf)
{
	unsigned int i;

	for (i = 0; i < TENSTORRENT_MAX_DMA_BUFS; i++) {
		struct tt_dmabuf *buf;

		spin_lock(&tf->dma_lock);
		buf = tf->dma[i];
		tf->dma[i] = NULL;
		spin_unlock(&tf->dma_lock);
		if (!buf)
			continue;
		tt_dmabuf_revoke(buf);
		tt_dmabuf_put(buf);
	}
}

/* A reset or a remove takes the buffers of a file whose mappings are zapped. */
void tt_dma_take_all(struct tt_file *tf, struct tt_reclaim *rc)
{
	unsigned int i;

	spin_lock(&tf->dma_lock);
	for (i = 0; i < TENSTORRENT_MAX_DMA_BUFS; i++) {
		if (tf->dma[i])
			list_add_tail(&tf->dma[i]->dead, &rc->bufs);
		tf->dma[i] = NULL;
	}
	spin_unlock(&tf->dma_lock);
}

/*
 * The device lets go of the taken buffers, then their memory goes back at
 * once (no mapping reaches it any more: the files were zapped first).
 */
void tt_dma_free_taken(struct tt_device *tt, struct tt_reclaim *rc)
{
	struct tt_dmabuf *buf, *tmp;

	if (tt->cls->dma_release)
		list_for_each_entry(buf, &rc->bufs, dead)
			tt->cls->dma_release(tt, buf->dma, buf->size);
	list_for_each_entry_safe(buf, tmp, &rc->bufs, dead) {
		list_del(&buf->dead);
		tt_dmabuf_free_memory(buf);
		tt_dmabuf_put(buf);
	}
}
