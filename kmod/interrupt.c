// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupts: MSI-X (or MSI) vectors, each delivered to the eventfds that
 * open files bound to it with SET_EVENTFD; and RING_DOORBELL, the model
 * device's way for user space to interrupt the device.
 */
#include <linux/eventfd.h>
#include <linux/interrupt.h>
#include <linux/pci.h>
#include <linux/uaccess.h>

#include "device.h"

static irqreturn_t tt_irq(int irq, void *data)
{
	struct tt_vector *v = data;
	struct tt_device *tt = v->tt;
	struct tt_file *tf;
	unsigned long flags;

	if (tt->cls->irq)
		tt->cls->irq(tt, v->index);
	spin_lock_irqsave(&tt->evt_lock, flags);
	list_for_each_entry(tf, &tt->evt_files, evt_node)
		if (tf->evt[v->index])
			eventfd_signal(tf->evt[v->index], 1);
	spin_unlock_irqrestore(&tt->evt_lock, flags);
	return IRQ_HANDLED;
}

int tt_irq_init(struct tt_device *tt)
{
	struct pci_dev *pdev = tt->pdev;
	unsigned int want = tt->cls->num_vectors, i;
	int n, ret;

	if (!want)
		return 0;
	n = pci_alloc_irq_vectors(pdev, 1, want, PCI_IRQ_MSIX | PCI_IRQ_MSI);
	if (n < 0) {
		/* Not fatal: the device works, user space just gets no interrupts. */
		dev_warn(&pdev->dev, "no MSI-X/MSI vectors (%d)\n", n);
		return 0;
	}
	for (i = 0; i < n; i++) {
		struct tt_vector *v = &tt->vec[i];

		v->tt = tt;
		v->index = i;
		v->irq = pci_irq_vector(pdev, i);
		ret = request_irq(v->irq, tt_irq, 0, TT_DRIVER_NAME, v);
		if (ret)
			goto err;
		tt->nvec = i + 1;
	}
	return 0;
err:
	tt_irq_fini(tt);
	return ret;
}

void tt_irq_fini(struct tt_device *tt)
{
	while (tt->nvec) {
		tt->nvec--;
		free_irq(tt->vec[tt->nvec].irq, &tt->vec[tt->nvec]);
	}
	pci_free_irq_vectors(tt->pdev);
}

long tt_ioctl_eventfd(struct tt_file *tf, void __user *arg)
{
	struct tt_device *tt = tf->tt;
	struct tenstorrent_set_eventfd s;
	struct eventfd_ctx *ctx = NULL, *old;
	unsigned long flags;
	u32 argsz;
	int ret;

	ret = tt_copy_argsz_in(&s, sizeof(s), arg, &argsz);
	if (ret)
		return ret;
	if (s.flags || s.vector >= tt->nvec || s.fd < -1)
		return -EINVAL;
	if (s.fd >= 0) {
		ctx = eventfd_ctx_fdget(s.fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
	spin_lock_irqsave(&tt->evt_lock, flags);
	old = tf->evt[s.vector];
	tf->evt[s.vector] = ctx;
	if (ctx && !tf->evt_listed) {
		list_add_tail(&tf->evt_node, &tt->evt_files);
		tf->evt_listed = true;
	}
	spin_unlock_irqrestore(&tt->evt_lock, flags);
	if (old)
		eventfd_ctx_put(old);
	return 0;
}

void tt_eventfd_release_all(struct tt_file *tf)
{
	struct tt_device *tt = tf->tt;
	struct eventfd_ctx *ctx[TT_MAX_VECTORS];
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&tt->evt_lock, flags);
	for (i = 0; i < TT_MAX_VECTORS; i++) {
		ctx[i] = tf->evt[i];
		tf->evt[i] = NULL;
	}
	if (tf->evt_listed) {
		list_del(&tf->evt_node);
		tf->evt_listed = false;
	}
	spin_unlock_irqrestore(&tt->evt_lock, flags);
	for (i = 0; i < TT_MAX_VECTORS; i++)
		if (ctx[i])
			eventfd_ctx_put(ctx[i]);
}

/* Eventfds bound by the file, for debugfs. */
unsigned int tt_eventfd_count(struct tt_file *tf)
{
	struct tt_device *tt = tf->tt;
	unsigned long flags;
	unsigned int i, n = 0;

	spin_lock_irqsave(&tt->evt_lock, flags);
	for (i = 0; i < TT_MAX_VECTORS; i++)
		n += tf->evt[i] != NULL;
	spin_unlock_irqrestore(&tt->evt_lock, flags);
	return n;
}

long tt_ioctl_doorbell(struct tt_file *tf, void __user *arg)
{
	struct tt_device *tt = tf->tt;
	struct tenstorrent_ring_doorbell d;
	u32 argsz;
	int ret;

	ret = tt_copy_argsz_in(&d, sizeof(d), arg, &argsz);
	if (ret)
		return ret;
	if (d.flags || d.reserved)
		return -EINVAL;
	if (!tt->cls->doorbell)
		return -EOPNOTSUPP;
	if (d.vector >= tt->cls->num_queues)
		return -EINVAL;
	return tt->cls->doorbell(tt, d.vector);
}
