// SPDX-License-Identifier: GPL-2.0-only
/* Module init and exit: the char device region, the class, debugfs, the PCI driver. */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/proc_fs.h>

#include "device.h"

unsigned int tt_simdev_server_peer;
module_param_named(simdev_server_peer, tt_simdev_server_peer, uint, 0444);
MODULE_PARM_DESC(simdev_server_peer, "ivshmem peer id of the ttsim-ivshmem server (default 0)");

dev_t tt_devt;
struct dentry *tt_debugfs_root;
struct proc_dir_entry *tt_proc_root;

struct class tt_device_class = {
	.name = TT_DRIVER_NAME,
	.dev_groups = tt_dev_groups,
};

static int __init tt_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&tt_devt, 0, TT_MAX_DEVICES, TT_DRIVER_NAME);
	if (ret)
		return ret;
	ret = class_register(&tt_device_class);
	if (ret)
		goto err_region;
	tt_debugfs_root = debugfs_create_dir(TT_DRIVER_NAME, NULL);
	tt_proc_root = proc_mkdir("driver/" TT_DRIVER_NAME, NULL);
	ret = pci_register_driver(&tt_pci_driver);
	if (ret)
		goto err_class;
	return 0;

err_class:
	proc_remove(tt_proc_root);
	debugfs_remove_recursive(tt_debugfs_root);
	class_unregister(&tt_device_class);
err_region:
	unregister_chrdev_region(tt_devt, TT_MAX_DEVICES);
	return ret;
}

static void __exit tt_exit(void)
{
	pci_unregister_driver(&tt_pci_driver);
	proc_remove(tt_proc_root);
	debugfs_remove_recursive(tt_debugfs_root);
	class_unregister(&tt_device_class);
	unregister_chrdev_region(tt_devt, TT_MAX_DEVICES);
}

module_init(tt_init);
module_exit(tt_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Tenstorrent PCIe accelerators and the ttstack model device");
MODULE_VERSION(TT_MODULE_VERSION);
