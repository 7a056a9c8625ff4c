// SPDX-License-Identifier: GPL-2.0-only
/*
 * RESET_DEVICE and RESET_STATE: the reset generation.
 *
 * A destructive reset bumps tt->reset_gen under reset_rwsem held for
 * writing. The calling file moves to the new generation; every other file
 * becomes stale: its mappings are zapped (SIGBUS on the next access), its
 * DMA buffers, pinnings, TLB windows and eventfds are taken back. Locks are
 * kept until the stale file closes, as in tt-kmd.
 *
 * Nothing waits for the device while holding reset_rwsem for writing: the
 * memory taken from stale files is given back after the lock is dropped,
 * once the device let go of it, and POST_RESET waits for the device
 * before it takes the lock. A slow device costs only the caller.
 */
#include <linux/jiffies.h>
#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/uaccess.h>

#include "device.h"

void tt_reclaim_init(struct tt_device *tt, struct tt_reclaim *rc)
{
	INIT_LIST_HEAD(&rc->bufs);
	INIT_LIST_HEAD(&rc->pins);
	INIT_LIST_HEAD(&rc->peers);
	atomic_inc(&tt->reclaims);
}

/* Under reset_rwsem for writing: no mapping of tf reaches anything any more. */
void tt_reclaim_file(struct tt_file *tf, struct tt_reclaim *rc)
{
	tt_zap_file(tf, true);
	tt_eventfd_release_all(tf);
	tt_dma_take_all(tf, rc);
	tt_pin_take_all(tf, rc);
	tt_tlb_release_all(tf);
}

/* Without reset_rwsem: the device lets go of the memory, which goes back. */
void tt_reclaim_finish(struct tt_device *tt, struct tt_reclaim *rc)
{
	tt_dma_free_taken(tt, rc);
	tt_pin_free_taken(tt, rc);
	if (atomic_dec_and_test(&tt->reclaims))
		wake_up_all(&tt->reset_wq);
}

static bool tt_reset_destructive(u32 how)
{
	return how == TENSTORRENT_RESET_DEVICE_CONFIG_WRITE ||
	       how == TENSTORRENT_RESET_DEVICE_USER_RESET ||
	       how == TENSTORRENT_RESET_DEVICE_ASIC_RESET ||
	       how == TENSTORRENT_RESET_DEVICE_ASIC_DMC_RESET;
}

/*
 * The device is back from a reset: a change event says so, with the
 * generation, for those who wait through udev (ttctl reset) and for rules
 * that name the device after what it reports.
 */
static void tt_uevent_reset_done(struct tt_device *tt, u64 gen)
{
	char g[40];
	char *env[] = { "TT_RESET=done", g, NULL };

	snprintf(g, sizeof(g), "TT_RESET_GENERATION=%llu", gen);
	kobject_uevent_env(&tt->dev.kobj, KOBJ_CHANGE, env);
}

/* The device ready for POST_RESET, gone, or too slow: no lock held. */
static bool tt_post_reset_ready(struct tt_device *tt)
{
	bool ready;

	if (!down_read_trylock(&tt->reset_rwsem))
		return false;
	ready = tt->detached || !tt->needs_post_reset || !tt->cls->reset_ready ||
		tt->cls->reset_ready(tt);
	up_read(&tt->reset_rwsem);
	return ready;
}

/*
 * POST_RESET: wait (polled, interruptible) until the device finished its
 * reset, then the caller takes reset_rwsem and finds it done. A device
 * that never finishes costs its caller TT_RESET_TIMEOUT_MS, nobody else.
 */
static int tt_post_reset_wait(struct tt_device *tt)
{
	unsigned long end = jiffies + msecs_to_jiffies(TT_RESET_TIMEOUT_MS);

	while (!tt_post_reset_ready(tt)) {
		if (time_after_eq(jiffies, end))
			return 0;	/* post_reset reports the device as not ready */
		if (wait_event_interruptible_timeout(tt->reset_wq, tt_post_reset_ready(tt),
						     msecs_to_jiffies(20)) < 0)
			return -EINTR;
	}
	return 0;
}

long tt_ioctl_reset(struct tt_file *tf, void __user *uarg)
{
	struct tenstorrent_reset_device __user *arg = uarg;
	struct tt_device *tt = tf->tt;
	struct tenstorrent_reset_device_in in;
	struct tenstorrent_reset_device_out out = {};
	struct tt_reclaim rc;
	struct tt_file *other;
	bool back = false;
	u64 gen = 0;
	int ret = 0;

	if (copy_from_user(&in, &arg->in, sizeof(in)))
		return -EFAULT;
	if (in.flags > TENSTORRENT_RESET_DEVICE_POST_RESET)
		return -EINVAL;
	/* A reset cannot be undone: fail on the output before doing it. */
	ret = tt_clear_out(&arg->out, in.output_size_bytes);
	if (ret)
		return ret;
	if (in.flags == TENSTORRENT_RESET_DEVICE_POST_RESET ||
	    in.flags == TENSTORRENT_RESET_DEVICE_RESTORE_STATE) {
		ret = tt_post_reset_wait(tt);
		if (ret)
			return ret;
	}

	tt_reclaim_init(tt, &rc);
	down_write(&tt->reset_rwsem);
	if (tt->detached || tt_file_stale(tf)) {
		ret = -ENODEV;
		goto out;
	}
	if (tt_reset_destructive(in.flags)) {
		int err = 0;

		/* Stop the device first, so that it lets go of what is reclaimed. */
		if (in.flags != TENSTORRENT_RESET_DEVICE_USER_RESET) {
			err = tt->cls->reset(tt, in.flags);
			if (err == -EOPNOTSUPP) {
				ret = err;
				goto out;
			}
		}
		tt->reset_gen++;
		tf->gen = tt->reset_gen;
		tt->needs_post_reset = true;
		mutex_lock(&tt->files_lock);
		list_for_each_entry(other, &tt->files, node)
			if (other != tf)
				tt_reclaim_file(other, &rc);
		mutex_unlock(&tt->files_lock);
		/* The device forgets its TLB programming: so do the caller's windows. */
		tt_tlb_release_all(tf);
		tt_zap_tlbs(tf);
		wake_up_all(&tt->lock_wq);
		out.result = err ? 1 : 0;
		ret = 0;
	} else if (in.flags == TENSTORRENT_RESET_DEVICE_POST_RESET ||
		   in.flags == TENSTORRENT_RESET_DEVICE_RESTORE_STATE) {
		ret = tt->cls->post_reset(tt);
		out.result = ret ? 1 : 0;
		/* > 0: usable again, though the device did not reset (result 1). */
		if (ret >= 0 && tt->needs_post_reset) {
			tt->needs_post_reset = false;
			back = true;
			gen = tt->reset_gen;
		}
		ret = 0;
	} else {
		ret = -EOPNOTSUPP;	/* RESET_PCIE_LINK: not done by this module */
	}
out:
	up_write(&tt->reset_rwsem);
	tt_reclaim_finish(tt, &rc);
	wake_up_all(&tt->reset_wq);
	if (back)
		tt_uevent_reset_done(tt, gen);
	if (ret)
		return ret;
	out.output_size_bytes = sizeof(out);
	return tt_copy_out(&arg->out, in.output_size_bytes, &out, sizeof(out));
}

/*
 * Past `gen` and out of the reset: POST_RESET done, or the device says it
 * is ready. The class is asked under reset_rwsem (a remove may be tearing
 * it down otherwise); when the lock is busy, the next poll asks again.
 */
static bool tt_reset_done(struct tt_device *tt, u64 gen)
{
	bool done;

	if (!down_read_trylock(&tt->reset_rwsem))
		return false;
	done = tt->detached ||
	       (tt->reset_gen > gen && (!tt->needs_post_reset ||
					(tt->cls->reset_ready && tt->cls->reset_ready(tt))));
	up_read(&tt->reset_rwsem);
	return done;
}

/* Devices without a reset interrupt are polled: wake up every 20 ms. */
static long tt_reset_wait(struct tt_device *tt, u64 gen, u32 timeout_ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(timeout_ms);
	long ret;

	for (;;) {
		long slice = msecs_to_jiffies(20);

		if (timeout_ms) {
			if (time_after_eq(jiffies, end))
				return -ETIMEDOUT;
			slice = min_t(long, slice, (long)(end - jiffies));
		}
		ret = wait_event_interruptible_timeout(tt->reset_wq, tt_reset_done(tt, gen), slice);
		if (ret < 0)
			return -EINTR;
		if (ret > 0 || tt_reset_done(tt, gen))
			return 0;
	}
}

long tt_ioctl_reset_state(struct tt_file *tf, void __user *arg)
{
	struct tt_device *tt = tf->tt;
	struct tenstorrent_reset_state s;
	u32 argsz;
	long ret;

	ret = tt_copy_argsz_in(&s, sizeof(s), arg, &argsz);
	if (ret)
		return ret;
	if (s.flags & ~TENSTORRENT_RESET_STATE_WAIT || s.state || s.fd_generation)
		return -EINVAL;
	if (s.flags & TENSTORRENT_RESET_STATE_WAIT) {
		ret = tt_reset_wait(tt, s.generation, s.timeout_ms);
		if (ret)
			return ret;
	}
	down_read(&tt->reset_rwsem);
	if (tt->detached) {
		up_read(&tt->reset_rwsem);
		return -ENODEV;
	}
	s.generation = tt->reset_gen;
	s.fd_generation = tf->gen;
	s.state = tt->needs_post_reset ? TENSTORRENT_STATE_RESETTING : TENSTORRENT_STATE_READY;
	up_read(&tt->reset_rwsem);
	s.argsz = sizeof(s);
	return tt_copy_argsz_out(arg, argsz, &s, sizeof(s));
}
