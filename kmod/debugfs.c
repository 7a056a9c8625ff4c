// SPDX-License-Identifier: GPL-2.0-only
/*
 * Who holds what.
 * debugfs: /sys/kernel/debug/tenstorrent/N/files lists every open file of
 * the device, which process holds it and what it holds (DMA buffers,
 * pinnings, peer mappings, TLB windows, locks, eventfds). Addresses are
 * shown to CAP_SYS_ADMIN only. The format is for people, not programs.
 * procfs: /proc/driver/tenstorrent/N/pids, one process id per open file,
 * as tt-kmd has it (tools look there to say who holds a device).
 */
#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/pid.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "device.h"

static void tt_show_file(struct seq_file *m, struct tt_file *tf, bool addrs)
{
	unsigned int i, ndma = 0, nlocks, ntlbs;
	struct tt_peer_map *peer;
	struct tt_pin *pin;

	nlocks = bitmap_weight(tf->locks, TENSTORRENT_RESOURCE_LOCK_COUNT);
	ntlbs = bitmap_weight(tf->tlbs, TENSTORRENT_MAX_INBOUND_TLBS);
	seq_printf(m, "file pid %d comm %s generation %llu%s locks %u tlbs %u eventfds %u\n",
		   pid_vnr(tf->pid), tf->comm, tf->gen, tt_file_stale(tf) ? " (stale)" : "",
		   nlocks, ntlbs, tt_eventfd_count(tf));
	spin_lock(&tf->dma_lock);
	for (i = 0; i < TENSTORRENT_MAX_DMA_BUFS; i++) {
		struct tt_dmabuf *b = tf->dma[i];

		if (!b)
			continue;
		ndma++;
		seq_printf(m, "  dma_buf %u size %u", b->index, b->size);
		if (addrs)
			seq_printf(m, " dma %pad", &b->dma);
		seq_putc(m, '\n');
	}
	spin_unlock(&tf->dma_lock);
	/* A trylock: never wait behind a pinning in progress. */
	if (!mutex_trylock(&tf->lock)) {
		seq_puts(m, "  (pinnings busy)\n");
		return;
	}
	list_for_each_entry(pin, &tf->pins, node) {
		seq_printf(m, "  pin pages %lu", pin->npages);
		if (addrs)
			seq_printf(m, " va 0x%llx", pin->va);
		seq_putc(m, '\n');
	}
	list_for_each_entry(peer, &tf->peers, node) {
		seq_printf(m, "  peer_bar size %zu", peer->size);
		if (addrs)
			seq_printf(m, " dma %pad", &peer->dma);
		seq_putc(m, '\n');
	}
	mutex_unlock(&tf->lock);
}

static int tt_files_show(struct seq_file *m, void *unused)
{
	struct tt_device *tt = m->private;
	bool addrs = capable(CAP_SYS_ADMIN);
	struct tt_file *tf;
	unsigned int n = 0;

	mutex_lock(&tt->files_lock);
	list_for_each_entry(tf, &tt->files, node) {
		tt_show_file(m, tf, addrs);
		n++;
	}
	mutex_unlock(&tt->files_lock);
	seq_printf(m, "open files %u, reset generation %llu\n", n, READ_ONCE(tt->reset_gen));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tt_files);

static int tt_pids_show(struct seq_file *m, void *unused)
{
	struct tt_device *tt = m->private;
	struct tt_file *tf;

	mutex_lock(&tt->files_lock);
	list_for_each_entry(tf, &tt->files, node)
		seq_printf(m, "%d\n", pid_vnr(tf->pid));
	mutex_unlock(&tt->files_lock);
	return 0;
}

void tt_debugfs_init(struct tt_device *tt)
{
	char name[16];

	snprintf(name, sizeof(name), "%d", tt->ordinal);
	tt->debugfs = debugfs_create_dir(name, tt_debugfs_root);
	debugfs_create_file("files", 0400, tt->debugfs, tt, &tt_files_fops);
	if (tt_proc_root) {
		tt->procfs = proc_mkdir(name, tt_proc_root);
		if (tt->procfs)
			proc_create_single_data("pids", 0444, tt->procfs, tt_pids_show, tt);
	}
}

void tt_debugfs_fini(struct tt_device *tt)
{
	debugfs_remove_recursive(tt->debugfs);
	tt->debugfs = NULL;
	proc_remove(tt->procfs);
	tt->procfs = NULL;
}
