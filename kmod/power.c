// SPDX-License-Identifier: GPL-2.0-only
/*
 * SET_NOC_CLEANUP (a NoC write done when the file is released) and
 * SET_POWER_STATE (per-file wishes, combined over all open files: flags
 * OR'ed, settings max'ed; flag bits a file did not declare count as on,
 * so an old client never turns off what it does not know about).
 */
#include <linux/uaccess.h>

#include "device.h"

#define TT_POWER_FLAG_BITS	15	/* bit 15 is reserved */
#define TT_POWER_SETTINGS	14
#define TT_POWER_LEGACY_FLAGS \
	(TT_POWER_FLAG_MRISC_PHY_WAKEUP | TT_POWER_FLAG_TENSIX_ENABLE | TT_POWER_FLAG_L2CPU_ENABLE)

static long tt_set_noc_cleanup(struct tt_file *tf, void __user *arg)
{
	struct tenstorrent_set_noc_cleanup c;
	u32 argsz;
	int ret;

	ret = tt_copy_argsz_in(&c, sizeof(c), arg, &argsz);
	if (ret)
		return ret;
	if (c.flags || c.reserved0 || c.enabled > 1 || c.noc > 1 || c.x > 63 || c.y > 63 ||
	    c.addr & 3 || c.data >> 32)
		return -EINVAL;
	if (!tf->tt->cls->noc_write32)
		return -EOPNOTSUPP;
	mutex_lock(&tf->lock);
	tf->noc_cleanup = c;
	mutex_unlock(&tf->lock);
	return 0;
}

/* The flags a file asks for: undeclared bits on, legacy files all but MAX_AI_CLK. */
static u16 tt_file_power_flags(struct tt_file *tf)
{
	const struct tenstorrent_power_state *p = &tf->power;
	unsigned int nflags = p->validity & 0xf;
	u16 all = GENMASK(TT_POWER_FLAG_BITS - 1, 0);
	u16 declared = nflags ? GENMASK(nflags - 1, 0) : 0;

	if (!p->argsz)
		return tf->power_aware ? 0 : TT_POWER_LEGACY_FLAGS;
	return (p->power_flags & declared) | (all & ~declared);
}

int tt_power_apply(struct tt_device *tt)
{
	u16 settings[TT_POWER_SETTINGS] = {};
	struct tt_file *tf;
	u16 flags = 0;
	unsigned int i;
	int ret = 0;

	mutex_lock(&tt->files_lock);
	list_for_each_entry(tf, &tt->files, node) {
		unsigned int nset = tf->power.validity >> 4;

		flags |= tt_file_power_flags(tf);
		for (i = 0; i < nset && i < TT_POWER_SETTINGS; i++)
			settings[i] = max(settings[i], tf->power.power_settings[i]);
	}
	if (tt->cls->set_power && !tt->detached)
		ret = tt->cls->set_power(tt, flags, settings);
	mutex_unlock(&tt->files_lock);
	return ret;
}

void tt_power_file_gone(struct tt_file *tf)
{
	tt_power_apply(tf->tt);
}

static long tt_set_power_state(struct tt_file *tf, void __user *arg)
{
	struct tenstorrent_power_state p;
	u32 argsz;
	int ret;

	ret = tt_copy_argsz_in(&p, sizeof(p), arg, &argsz);
	if (ret)
		return ret;
	if (p.flags || p.reserved0 || (p.validity >> 4) > TT_POWER_SETTINGS ||
	    (p.validity & 0xf) > TT_POWER_FLAG_BITS ||
	    p.power_flags & ~GENMASK(TT_POWER_FLAG_BITS - 1, 0))
		return -EINVAL;
	p.argsz = sizeof(p);
	mutex_lock(&tf->tt->files_lock);
	tf->power = p;
	mutex_unlock(&tf->tt->files_lock);
	return tt_power_apply(tf->tt);
}

long tt_ioctl_power(struct tt_file *tf, unsigned int cmd, void __user *arg)
{
	if (cmd == TENSTORRENT_IOCTL_SET_NOC_CLEANUP)
		return tt_set_noc_cleanup(tf, arg);
	return tt_set_power_state(tf, arg);
}
