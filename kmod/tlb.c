// SPDX-License-Identifier: GPL-2.0-only
/*
 * TLB windows: ALLOCATE_TLB, FREE_TLB, CONFIGURE_TLB. Windows are device
 * wide; an open file owns the ones it allocated until it frees them or
 * closes, or a reset makes it stale. The model device has none.
 */
#include <linux/sizes.h>
#include <linux/uaccess.h>

#include "device.h"

unsigned int tt_tlb_first(const struct tt_class *cls, unsigned int kind)
{
	unsigned int k, first = 0;

	for (k = 0; k < kind; k++)
		first += cls->tlb_count[k];
	return first;
}

unsigned int tt_tlb_total(const struct tt_class *cls)
{
	return tt_tlb_first(cls, cls->tlb_kinds);
}

static u64 tt_tlb_mmap_offset(struct tt_device *tt, unsigned int id, bool wc)
{
	unsigned int bar;
	u64 off;

	tt->cls->tlb_place(tt, id, &bar, &off);
	if (bar != 0)
		off += SZ_512M;
	return (wc ? TENSTORRENT_MMAP_TLB_WC : TENSTORRENT_MMAP_TLB_UC) + off;
}

static long tt_allocate_tlb(struct tt_file *tf, struct tenstorrent_allocate_tlb __user *arg)
{
	struct tt_device *tt = tf->tt;
	const struct tt_class *cls = tt->cls;
	struct tenstorrent_allocate_tlb_in in;
	struct tenstorrent_allocate_tlb_out out = {};
	unsigned int kind, id, first;

	if (copy_from_user(&in, &arg->in, sizeof(in)))
		return -EFAULT;
	if (in.reserved)
		return -EINVAL;
	for (kind = 0; kind < cls->tlb_kinds; kind++)
		if (cls->tlb_size[kind] == in.size)
			break;
	if (kind == cls->tlb_kinds)
		return -EINVAL;
	first = tt_tlb_first(cls, kind);
	for (id = first; id < first + cls->tlb_count[kind]; id++)
		if (!test_and_set_bit(id, tt->tlbs))
			break;
	if (id == first + cls->tlb_count[kind])
		return -ENOMEM;
	set_bit(id, tf->tlbs);
	out.id = id;
	out.mmap_offset_uc = tt_tlb_mmap_offset(tt, id, false);
	out.mmap_offset_wc = tt_tlb_mmap_offset(tt, id, true);
	if (copy_to_user(&arg->out, &out, sizeof(out))) {
		clear_bit(id, tf->tlbs);
		clear_bit(id, tt->tlbs);
		return -EFAULT;
	}
	return 0;
}

static long tt_free_tlb(struct tt_file *tf, struct tenstorrent_free_tlb __user *arg)
{
	struct tt_device *tt = tf->tt;
	struct tenstorrent_free_tlb_in in;

	if (copy_from_user(&in, &arg->in, sizeof(in)))
		return -EFAULT;
	if (in.id >= TENSTORRENT_MAX_INBOUND_TLBS || !test_bit(in.id, tf->tlbs))
		return -EPERM;
	if (atomic_read(&tt->tlb_maps[in.id]))
		return -EBUSY;
	clear_bit(in.id, tf->tlbs);
	clear_bit(in.id, tt->tlbs);
	return 0;
}

static long tt_configure_tlb(struct tt_file *tf, struct tenstorrent_configure_tlb __user *arg)
{
	struct tt_device *tt = tf->tt;
	struct tenstorrent_configure_tlb_in in;
	struct tenstorrent_configure_tlb_out out = {};
	const struct tenstorrent_noc_tlb_config *c = &in.config;
	int ret;

	if (copy_from_user(&in, &arg->in, sizeof(in)))
		return -EFAULT;
	if (in.reserved || c->reserved0[0] || c->reserved0[1] || c->reserved0[2] ||
	    c->reserved1[0] || c->reserved1[1])
		return -EINVAL;
	if (in.id >= TENSTORRENT_MAX_INBOUND_TLBS || !test_bit(in.id, tf->tlbs))
		return -EPERM;
	ret = tt->cls->configure_tlb(tt, in.id, c);
	if (ret)
		return ret;
	return copy_to_user(&arg->out, &out, sizeof(out)) ? -EFAULT : 0;
}

long tt_ioctl_tlb(struct tt_file *tf, unsigned int cmd, void __user *arg)
{
	if (!tf->tt->cls->tlb_kinds || cmd == TENSTORRENT_IOCTL_EXPORT_TLB_DMABUF)
		return -EOPNOTSUPP;
	switch (cmd) {
	case TENSTORRENT_IOCTL_ALLOCATE_TLB:
		return tt_allocate_tlb(tf, arg);
	case TENSTORRENT_IOCTL_FREE_TLB:
		return tt_free_tlb(tf, arg);
	default:
		return tt_configure_tlb(tf, arg);
	}
}

/* The file's mappings are gone (closed or zapped): its windows go back. */
void tt_tlb_release_all(struct tt_file *tf)
{
	unsigned int id;

	for_each_set_bit(id, tf->tlbs, TENSTORRENT_MAX_INBOUND_TLBS) {
		clear_bit(id, tf->tlbs);
		clear_bit(id, tf->tt->tlbs);
	}
}
