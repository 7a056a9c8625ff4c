// SPDX-License-Identifier: GPL-2.0-only
/* LOCK_CTL: 64 advisory locks per device, owned by open files. */
#include <linux/uaccess.h>

#include "device.h"

/* Called with reset_rwsem held for reading; 0 or -errno, *value as LOCK_CTL reports it. */
static int tt_lock_op(struct tt_file *tf, u32 op, unsigned int i, u8 *value)
{
	struct tt_device *tt = tf->tt;

	switch (op) {
	case TENSTORRENT_LOCK_CTL_ACQUIRE:
		*value = !test_and_set_bit(i, tt->locks);
		if (*value)
			set_bit(i, tf->locks);
		return 0;
	case TENSTORRENT_LOCK_CTL_RELEASE:
		*value = test_and_clear_bit(i, tf->locks);
		if (*value) {
			clear_bit(i, tt->locks);
			wake_up_all(&tt->lock_wq);
		}
		return 0;
	case TENSTORRENT_LOCK_CTL_TEST:
		*value = test_bit(i, tf->locks) | (test_bit(i, tt->locks) << 1);
		return 0;
	}
	return -EINVAL;
}

long tt_ioctl_lock(struct tt_file *tf, void __user *uarg)
{
	struct tenstorrent_lock_ctl __user *arg = uarg;
	struct tt_device *tt = tf->tt;
	struct tenstorrent_lock_ctl_in in;
	struct tenstorrent_lock_ctl_out out = {};
	bool blocking;
	int ret;

	if (copy_from_user(&in, &arg->in, sizeof(in)))
		return -EFAULT;
	if (in.reserved[0] || in.reserved[1] || in.reserved[2] ||
	    in.flags > TENSTORRENT_LOCK_CTL_ACQUIRE_BLOCKING ||
	    in.index >= TENSTORRENT_RESOURCE_LOCK_COUNT)
		return -EINVAL;
	/* Fail on the output before taking or dropping a lock. */
	ret = tt_clear_out(&arg->out, in.output_size_bytes);
	if (ret)
		return ret;
	blocking = in.flags == TENSTORRENT_LOCK_CTL_ACQUIRE_BLOCKING;

	for (;;) {
		down_read(&tt->reset_rwsem);
		if (tt_file_stale(tf) || tt->needs_post_reset) {
			up_read(&tt->reset_rwsem);
			return -ENODEV;
		}
		ret = tt_lock_op(tf, blocking ? TENSTORRENT_LOCK_CTL_ACQUIRE : in.flags,
				 in.index, &out.value);
		up_read(&tt->reset_rwsem);
		if (ret || !blocking || out.value)
			break;
		/* Sleep without reset_rwsem, so that a reset is never held up. */
		ret = wait_event_interruptible(tt->lock_wq, !test_bit(in.index, tt->locks) ||
					       READ_ONCE(tt->detached) ||
					       READ_ONCE(tt->reset_gen) != tf->gen);
		if (ret)
			return ret;
	}
	if (ret)
		return ret;
	return tt_copy_out(&arg->out, in.output_size_bytes, &out, sizeof(out));
}

void tt_lock_release_all(struct tt_file *tf)
{
	struct tt_device *tt = tf->tt;
	unsigned int i;

	for_each_set_bit(i, tf->locks, TENSTORRENT_RESOURCE_LOCK_COUNT) {
		clear_bit(i, tf->locks);
		clear_bit(i, tt->locks);
	}
	wake_up_all(&tt->lock_wq);
}
