// SPDX-License-Identifier: GPL-2.0-only
/* /dev/tenstorrent/N: open, release, ioctl dispatch and the copy helpers. */
#include <linux/eventfd.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "device.h"

int tt_clear_out(void __user *out, u32 out_size)
{
	if (out_size > TT_MAX_OUTPUT)
		return -EINVAL;
	return clear_user(out, out_size) ? -EFAULT : 0;
}

int tt_copy_out(void __user *out, u32 out_size, const void *src, size_t size)
{
	int ret = tt_clear_out(out, out_size);

	if (ret)
		return ret;
	if (copy_to_user(out, src, min_t(size_t, out_size, size)))
		return -EFAULT;
	return 0;
}

int tt_copy_argsz_in(void *dst, size_t ksize, const void __user *arg, u32 *argsz)
{
	u32 usize;
	int ret;

	if (get_user(usize, (const u32 __user *)arg))
		return -EFAULT;
	if (usize < ksize)
		return -EINVAL;
	ret = copy_struct_from_user(dst, ksize, arg, usize);
	if (ret)
		return ret;
	*argsz = usize;
	return 0;
}

int tt_copy_argsz_out(void __user *arg, u32 argsz, const void *src, size_t ksize)
{
	if (copy_to_user(arg, src, min_t(size_t, argsz, ksize)))
		return -EFAULT;
	return 0;
}

static int tt_open(struct inode *inode, struct file *f)
{
	struct tt_device *tt = container_of(inode->i_cdev, struct tt_device, cdev);
	struct tt_file *tf;
	int ret = 0;

	tf = kzalloc(sizeof(*tf), GFP_KERNEL);
	if (!tf)
		return -ENOMEM;
	get_device(&tt->dev);
	tf->tt = tt;
	mutex_init(&tf->lock);
	spin_lock_init(&tf->dma_lock);
	INIT_LIST_HEAD(&tf->pins);
	INIT_LIST_HEAD(&tf->peers);
	address_space_init_once(&tf->mapping);
	tf->mapping.host = inode;
	tf->mapping.a_ops = inode->i_mapping->a_ops;
	tf->pid = get_task_pid(current, PIDTYPE_TGID);
	get_task_comm(tf->comm, current);
	tf->power_aware = f->f_flags & O_APPEND;

	down_read(&tt->reset_rwsem);
	if (tt->detached) {
		ret = -ENODEV;
	} else {
		tf->gen = tt->reset_gen;
		mutex_lock(&tt->files_lock);
		list_add_tail(&tf->node, &tt->files);
		mutex_unlock(&tt->files_lock);
	}
	up_read(&tt->reset_rwsem);
	if (ret) {
		put_pid(tf->pid);
		kfree(tf);
		put_device(&tt->dev);
		return ret;
	}
	f->private_data = tf;
	f->f_mapping = &tf->mapping;
	tt_power_apply(tt);
	return 0;
}

static int tt_release(struct inode *inode, struct file *f)
{
	struct tt_file *tf = f->private_data;
	struct tt_device *tt = tf->tt;
	struct tenstorrent_set_noc_cleanup *c = &tf->noc_cleanup;

	down_read(&tt->reset_rwsem);
	if (!tt_file_stale(tf) && c->enabled && tt->cls->noc_write32)
		tt->cls->noc_write32(tt, c->x, c->y, c->noc, c->addr, (u32)c->data);
	tt_eventfd_release_all(tf);
	tt_dma_release_all(tf);
	tt_pin_release_all(tf);
	tt_lock_release_all(tf);
	tt_tlb_release_all(tf);
	mutex_lock(&tt->files_lock);
	list_del(&tf->node);
	mutex_unlock(&tt->files_lock);
	up_read(&tt->reset_rwsem);
	tt_power_file_gone(tf);

	put_pid(tf->pid);
	kfree(tf);
	put_device(&tt->dev);
	return 0;
}

/* Commands a stale fd, or a device waiting for POST_RESET, may still use. */
static bool tt_cmd_always_allowed(unsigned int cmd)
{
	return cmd == TENSTORRENT_IOCTL_GET_DEVICE_INFO ||
	       cmd == TENSTORRENT_IOCTL_GET_DRIVER_INFO ||
	       cmd == TENSTORRENT_IOCTL_GET_DEVICE_CAPS ||
	       cmd == TENSTORRENT_IOCTL_RESET_STATE;
}

static long tt_dispatch(struct tt_file *tf, unsigned int cmd, void __user *arg)
{
	switch (cmd) {
	case TENSTORRENT_IOCTL_GET_DEVICE_INFO:
	case TENSTORRENT_IOCTL_GET_HARVESTING:
	case TENSTORRENT_IOCTL_QUERY_MAPPINGS:
	case TENSTORRENT_IOCTL_GET_DRIVER_INFO:
	case TENSTORRENT_IOCTL_GET_DEVICE_CAPS:
		return tt_ioctl_info(tf, cmd, arg);
	case TENSTORRENT_IOCTL_ALLOCATE_DMA_BUF:
	case TENSTORRENT_IOCTL_FREE_DMA_BUF:
		return tt_ioctl_dma(tf, cmd, arg);
	case TENSTORRENT_IOCTL_PIN_PAGES:
	case TENSTORRENT_IOCTL_UNPIN_PAGES:
	case TENSTORRENT_IOCTL_MAP_PEER_BAR:
		return tt_ioctl_pin(tf, cmd, arg);
	case TENSTORRENT_IOCTL_LOCK_CTL:
		return tt_ioctl_lock(tf, arg);
	case TENSTORRENT_IOCTL_ALLOCATE_TLB:
	case TENSTORRENT_IOCTL_FREE_TLB:
	case TENSTORRENT_IOCTL_CONFIGURE_TLB:
	case TENSTORRENT_IOCTL_EXPORT_TLB_DMABUF:
		return tt_ioctl_tlb(tf, cmd, arg);
	case TENSTORRENT_IOCTL_SET_NOC_CLEANUP:
	case TENSTORRENT_IOCTL_SET_POWER_STATE:
		return tt_ioctl_power(tf, cmd, arg);
	case TENSTORRENT_IOCTL_SET_EVENTFD:
		return tt_ioctl_eventfd(tf, arg);
	case TENSTORRENT_IOCTL_RING_DOORBELL:
		return tt_ioctl_doorbell(tf, arg);
	default:
		return -ENOTTY;
	}
}

static long tt_ioctl(struct file *f, unsigned int cmd, unsigned long uarg)
{
	struct tt_file *tf = f->private_data;
	struct tt_device *tt = tf->tt;
	void __user *arg = (void __user *)uarg;
	long ret;

	/* These take reset_rwsem themselves: reset writes, waits sleep without it. */
	if (cmd == TENSTORRENT_IOCTL_RESET_DEVICE)
		return tt_ioctl_reset(tf, arg);
	if (cmd == TENSTORRENT_IOCTL_RESET_STATE)
		return tt_ioctl_reset_state(tf, arg);
	if (cmd == TENSTORRENT_IOCTL_LOCK_CTL)
		return tt_ioctl_lock(tf, arg);

	down_read(&tt->reset_rwsem);
	if (tt->detached)
		ret = -ENODEV;
	else if (!tt_cmd_always_allowed(cmd) && (tt_file_stale(tf) || tt->needs_post_reset))
		ret = _IOC_TYPE(cmd) == TENSTORRENT_IOCTL_MAGIC ? -ENODEV : -ENOTTY;
	else
		ret = tt_dispatch(tf, cmd, arg);
	up_read(&tt->reset_rwsem);
	return ret;
}

const struct file_operations tt_fops = {
	.owner = THIS_MODULE,
	.open = tt_open,
	.release = tt_release,
	.unlocked_ioctl = tt_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = tt_mmap,
	.llseek = noop_llseek,
};
