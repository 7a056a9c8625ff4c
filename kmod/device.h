/* SPDX-License-Identifier: GPL-2.0-only */
/* One device, its class (Wormhole, Blackhole, the model) and one open file. */
#ifndef TT_DEVICE_H
#define TT_DEVICE_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/rwsem.h>
#include <linux/scatterlist.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "../uapi/tenstorrent.h"

#define TT_DRIVER_NAME		"tenstorrent"
/* This module's own version (modinfo, /sys/module/tenstorrent/version, dkms). */
#define TT_MODULE_VERSION	"0.1.0"
/*
 * The tt-kmd release whose ioctl ABI this module implements: what
 * GET_DRIVER_INFO reports in driver_version_major/minor/patch, where tt-kmd's
 * user space looks for the features it may use.
 */
#define TT_KMD_ABI_MAJOR	2
#define TT_KMD_ABI_MINOR	10
#define TT_KMD_ABI_PATCH	1
#define TT_MAX_VECTORS		8
#define TT_MAX_TLB_KINDS	4
#define TT_MAX_DEVICES		64
#define TT_MAX_KMAPS		8
#define TT_RESET_TIMEOUT_MS	10000	/* the longest POST_RESET waits for a device */

struct tt_device;
struct tt_file;

/* Sensors a class may report, in hwmon units (m°C, mV, mA, µW) or as named. */
enum tt_sensor {
	TT_SENSOR_TEMP,
	TT_SENSOR_TEMP_MAX,
	TT_SENSOR_VCORE,
	TT_SENSOR_VCORE_MAX,
	TT_SENSOR_CURRENT,
	TT_SENSOR_CURRENT_MAX,
	TT_SENSOR_POWER,
	TT_SENSOR_POWER_MAX,
	TT_SENSOR_AICLK,	/* MHz */
	TT_SENSOR_AICLK_MAX,	/* MHz */
	TT_SENSOR_FW_VERSION,	/* a << 24 | b << 16 | c << 8 | d */
	TT_SENSOR_HEARTBEAT,
	TT_SENSOR_BOARD_ID,	/* 64 bits */
	TT_SENSOR_DRAM_STATUS,	/* bit b: DRAM bank b usable */
	TT_SENSOR_COUNT,
};

/* What differs between chips: one table entry per class. */
struct tt_class {
	const char *name;
	u32 arch;			/* TENSTORRENT_ARCH_* */
	unsigned int dma_bits;		/* coherent and streaming DMA mask */
	unsigned int num_vectors;	/* MSI-X vectors wanted (at least 1) */
	unsigned int num_queues;	/* doorbell vectors (model) */
	u8 mapped_bars[3];		/* RESOURCE0..2 -> BAR number */
	unsigned int tlb_kinds;
	u64 tlb_size[TT_MAX_TLB_KINDS];
	unsigned int tlb_count[TT_MAX_TLB_KINDS];	/* user windows per kind */

	int (*init)(struct tt_device *tt);
	void (*fini)(struct tt_device *tt);
	/* Start a destructive reset (TENSTORRENT_RESET_DEVICE_*). */
	int (*reset)(struct tt_device *tt, u32 how);
	/*
	 * After a reset: 0 when the device is usable again, -errno if not,
	 * 1 when it is usable but did not reset (POST_RESET reports failure).
	 */
	int (*post_reset)(struct tt_device *tt);
	/* Optional: the device finished a reset, POST_RESET will succeed. */
	bool (*reset_ready)(struct tt_device *tt);
	/* BAR and offset of TLB window id. */
	void (*tlb_place)(struct tt_device *tt, unsigned int id, unsigned int *bar, u64 *offset);
	int (*configure_tlb)(struct tt_device *tt, unsigned int id,
			     const struct tenstorrent_noc_tlb_config *cfg);
	int (*noc_write32)(struct tt_device *tt, u8 x, u8 y, u8 noc, u64 addr, u32 val);
	int (*read_sensor)(struct tt_device *tt, enum tt_sensor s, u64 *val);
	int (*harvesting)(struct tt_device *tt, struct tenstorrent_get_harvesting_out *out);
	int (*set_power)(struct tt_device *tt, u16 flags, const u16 *settings);
	/* The model: interrupt the device on a doorbell vector. */
	int (*doorbell)(struct tt_device *tt, unsigned int vector);
	/* Called from the interrupt handler before eventfds are signalled. */
	void (*irq)(struct tt_device *tt, unsigned int vector);
	void (*caps)(struct tt_device *tt, struct tenstorrent_get_device_caps *caps);
	/* The board's name for sysfs tt_card_type, or NULL. */
	const char *(*card_type)(struct tt_device *tt);
	/*
	 * Optional: DMA memory [dma, dma + size) is about to be freed; make
	 * sure the device no longer uses it (may sleep).
	 */
	void (*dma_release)(struct tt_device *tt, dma_addr_t dma, size_t size);
	const char *hwmon_name;
};

struct tt_vector {
	struct tt_device *tt;
	unsigned int index;
	int irq;
};

struct tt_device {
	struct device dev;		/* lifetime: freed by its release */
	struct cdev cdev;
	struct pci_dev *pdev;
	const struct tt_class *cls;
	void *cls_data;			/* the class's own state */
	int ordinal;

	/*
	 * Held for reading by every ioctl, open and release; for writing by a
	 * destructive reset and by remove. mmap only tries it. Nothing waits
	 * for the device while holding it for writing.
	 */
	struct rw_semaphore reset_rwsem;
	u64 reset_gen;
	bool needs_post_reset;
	bool detached;
	wait_queue_head_t reset_wq;
	atomic_t reclaims;		/* resets handing back memory outside the lock */

	/*
	 * Page faults of user mappings insert pages under map_lock; whoever
	 * takes a mapping's pages away changes what the fault checks, takes
	 * and drops map_lock, then zaps (tt_zap_file). Also guards maps.
	 */
	struct mutex map_lock;
	struct list_head maps;		/* BAR and TLB mappings: cache modes */
	/* BAR ranges the kernel maps itself (UC-): no user WC over them. */
	struct { phys_addr_t start, end; } kmaps[TT_MAX_KMAPS];
	unsigned int nkmaps;

	struct mutex files_lock;	/* files, power aggregation */
	struct list_head files;

	unsigned long locks[BITS_TO_LONGS(TENSTORRENT_RESOURCE_LOCK_COUNT)];
	wait_queue_head_t lock_wq;

	unsigned long tlbs[BITS_TO_LONGS(TENSTORRENT_MAX_INBOUND_TLBS)];
	atomic_t tlb_maps[TENSTORRENT_MAX_INBOUND_TLBS];

	unsigned int nvec;
	struct tt_vector vec[TT_MAX_VECTORS];
	spinlock_t evt_lock;		/* evt_files and the files' evt[] */
	struct list_head evt_files;	/* files with an eventfd bound */

	struct device *hwmon;
	struct dentry *debugfs;
	struct proc_dir_entry *procfs;
};

/* A DMA buffer: one reference from its file slot, one per user mapping. */
struct tt_dmabuf {
	struct kref ref;
	struct tt_device *tt;
	struct list_head dead;		/* on a reclaim list (struct tt_reclaim) */
	struct mutex lock;		/* vaddr */
	void *vaddr;
	dma_addr_t dma;
	u32 size;
	u8 index;
};

struct tt_pin {
	struct list_head node;
	struct mm_struct *mm;		/* charged for the pages (locked_vm) */
	u64 va;
	u64 size;
	unsigned long npages;
	struct page **pages;
	struct sg_table sgt;
	bool writable;
};

/*
 * What a reset or a remove takes from stale files under reset_rwsem and
 * gives back after dropping it: the device may take its time to let go.
 */
struct tt_reclaim {
	struct list_head bufs;
	struct list_head pins;
	struct list_head peers;
};

/*
 * One user mapping, shared by the VMAs that fork and mremap make of it.
 * Its pages are inserted by the fault handler (mmap.c), never by mmap.
 */
struct tt_map {
	struct kref ref;
	struct tt_file *tf;		/* alive while a VMA holds the file */
	struct list_head node;		/* tt->maps (BAR and TLB kinds) */
	enum { TT_MAP_BAR, TT_MAP_TLB, TT_MAP_DMA } kind;
	u64 offset;			/* mmap offset of the region's start */
	phys_addr_t phys;		/* BAR and TLB: the region's first byte */
	u64 size;			/* the region (BAR, window or buffer) */
	phys_addr_t map_start, map_end;	/* BAR and TLB: what this mapping covers */
	bool wc;
	bool wc_reserved;		/* holds a PAT write-combining reservation */
	unsigned int tlb;		/* TLB kind: window id */
	struct tt_dmabuf *buf;		/* DMA kind */
};

struct tt_peer_map {
	struct list_head node;
	dma_addr_t dma;
	size_t size;
};

struct tt_file {
	struct tt_device *tt;
	struct list_head node;		/* tt->files */
	struct address_space mapping;	/* this file's mappings, zapped on reset */
	struct pid *pid;
	char comm[TASK_COMM_LEN];
	u64 gen;			/* reset generation at open (or own reset) */
	bool zapped;			/* mappings revoked: faults get SIGBUS (map_lock) */

	struct mutex lock;		/* pins, peers, noc_cleanup, power */
	spinlock_t dma_lock;		/* dma[] */
	struct tt_dmabuf *dma[TENSTORRENT_MAX_DMA_BUFS];
	struct list_head pins;
	struct list_head peers;
	struct tenstorrent_set_noc_cleanup noc_cleanup;
	struct tenstorrent_power_state power;
	bool power_aware;

	unsigned long locks[BITS_TO_LONGS(TENSTORRENT_RESOURCE_LOCK_COUNT)];
	unsigned long tlbs[BITS_TO_LONGS(TENSTORRENT_MAX_INBOUND_TLBS)];
	struct eventfd_ctx *evt[TT_MAX_VECTORS];	/* under tt->evt_lock */
	struct list_head evt_node;	/* tt->evt_files */
	bool evt_listed;
};

static inline struct tt_device *to_tt(struct device *dev)
{
	return container_of(dev, struct tt_device, dev);
}

static inline bool tt_file_stale(const struct tt_file *tf)
{
	return tf->tt->detached || tf->gen != tf->tt->reset_gen;
}

/* TLB windows: first id of a kind, window count of the class. */
unsigned int tt_tlb_first(const struct tt_class *cls, unsigned int kind);
unsigned int tt_tlb_total(const struct tt_class *cls);

extern const struct tt_class tt_wormhole_class;
extern const struct tt_class tt_blackhole_class;
extern const struct tt_class tt_simdev_class;
extern struct class tt_device_class;
extern struct pci_driver tt_pci_driver;
extern dev_t tt_devt;
extern struct dentry *tt_debugfs_root;
extern struct proc_dir_entry *tt_proc_root;
extern unsigned int tt_simdev_server_peer;

/* pci.c: a class maps BAR ranges for the kernel with tt_iomap (pci_iounmap frees). */
void __iomem *tt_iomap(struct tt_device *tt, int bar, unsigned long offset, unsigned long len);

/* chardev.c */
extern const struct file_operations tt_fops;
/* Each returns 0 or -errno; the caller holds reset_rwsem for reading. */
long tt_ioctl_info(struct tt_file *tf, unsigned int cmd, void __user *arg);
long tt_ioctl_dma(struct tt_file *tf, unsigned int cmd, void __user *arg);
long tt_ioctl_pin(struct tt_file *tf, unsigned int cmd, void __user *arg);
long tt_ioctl_lock(struct tt_file *tf, void __user *arg);
long tt_ioctl_tlb(struct tt_file *tf, unsigned int cmd, void __user *arg);
long tt_ioctl_reset(struct tt_file *tf, void __user *arg);
long tt_ioctl_reset_state(struct tt_file *tf, void __user *arg);
long tt_ioctl_eventfd(struct tt_file *tf, void __user *arg);
long tt_ioctl_power(struct tt_file *tf, unsigned int cmd, void __user *arg);
long tt_ioctl_doorbell(struct tt_file *tf, void __user *arg);
/*
 * Output helpers of the tt-kmd style: clear out_size bytes, copy min().
 * An output area larger than TT_MAX_OUTPUT is -EINVAL: no output is that
 * large, and clearing it would wipe whatever the caller has mapped there.
 */
#define TT_MAX_OUTPUT	PAGE_SIZE
int tt_clear_out(void __user *out, u32 out_size);
int tt_copy_out(void __user *out, u32 out_size, const void *src, size_t size);
/* Input helper of the argsz style: reads min(argsz, ksize); -EINVAL below minsz. */
int tt_copy_argsz_in(void *dst, size_t ksize, const void __user *arg, u32 *argsz);
int tt_copy_argsz_out(void __user *arg, u32 argsz, const void *src, size_t ksize);

unsigned int tt_dma_buf_max_log2(void);

/* Releasing what a file holds. */
void tt_dma_release_all(struct tt_file *tf);
void tt_dmabuf_put(struct tt_dmabuf *buf);
void tt_dma_take_all(struct tt_file *tf, struct tt_reclaim *rc);
void tt_dma_free_taken(struct tt_device *tt, struct tt_reclaim *rc);
void tt_pin_release_all(struct tt_file *tf);
void tt_pin_take_all(struct tt_file *tf, struct tt_reclaim *rc);
void tt_pin_free_taken(struct tt_device *tt, struct tt_reclaim *rc);
void tt_lock_release_all(struct tt_file *tf);
void tt_tlb_release_all(struct tt_file *tf);
void tt_eventfd_release_all(struct tt_file *tf);
unsigned int tt_eventfd_count(struct tt_file *tf);
void tt_power_file_gone(struct tt_file *tf);
int tt_power_apply(struct tt_device *tt);

/* mmap.c */
int tt_mmap(struct file *f, struct vm_area_struct *vma);
u64 tt_mmap_dma_offset(unsigned int index);
u64 tt_mmap_bar_offset(unsigned int mapping_id);
void tt_zap_file(struct tt_file *tf, bool revoke);
void tt_zap_tlbs(struct tt_file *tf);

/*
 * reset.c: stale files lose mappings and resources; tt_reclaim_file with
 * reset_rwsem held for writing, tt_reclaim_finish after dropping it.
 */
void tt_reclaim_init(struct tt_device *tt, struct tt_reclaim *rc);
void tt_reclaim_file(struct tt_file *tf, struct tt_reclaim *rc);
void tt_reclaim_finish(struct tt_device *tt, struct tt_reclaim *rc);

/* interrupt.c */
int tt_irq_init(struct tt_device *tt);
void tt_irq_fini(struct tt_device *tt);

/* telemetry.c */
int tt_telemetry_init(struct tt_device *tt);
void tt_telemetry_fini(struct tt_device *tt);
int tt_read_sensor(struct tt_device *tt, enum tt_sensor s, u64 *val);
extern const struct attribute_group *tt_dev_groups[];

/* debugfs.c */
void tt_debugfs_init(struct tt_device *tt);
void tt_debugfs_fini(struct tt_device *tt);

#endif
