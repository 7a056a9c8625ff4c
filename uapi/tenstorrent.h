/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * The ioctl ABI of the tenstorrent kernel module (/dev/tenstorrent/N).
 *
 * Numbers 0..16 keep the meaning and the struct layouts of Tenstorrent's
 * tt-kmd (API version 2), so that tools written for that driver run
 * unchanged. They are _IO(0xFA, n): size and direction live in the structs.
 * Their extensibility rule: inputs are read at a fixed size; where an input
 * carries output_size_bytes, the kernel zero-fills that many bytes of the
 * caller's output and then copies min(output_size_bytes, sizeof(out)).
 * Unlike tt-kmd, every flag and reserved field is checked here: an unknown
 * flag or a nonzero reserved field is -EINVAL.
 *
 * Numbers from 32 on are this module's own. Each takes one flat struct that
 * starts with __u32 argsz (the caller's sizeof) and __u32 flags. The kernel
 * reads min(argsz, sizeof) bytes; bytes of a larger argsz beyond what the
 * kernel knows must be zero (else -E2BIG); argsz below the first published
 * size of the struct is -EINVAL. Output fields are written back over the
 * same min(argsz, sizeof) bytes, never with uninitialised bytes; argsz
 * itself comes back as the kernel's size. 14..16 (argsz structs in tt-kmd,
 * which wants argsz == sizeof) follow the same rule here.
 *
 * Every command: unknown number -ENOTTY; an fd opened before the last
 * destructive reset gets -ENODEV (except GET_DEVICE_INFO, GET_DRIVER_INFO
 * and RESET_STATE); a removed device gets -ENODEV.
 */
#ifndef TENSTORRENT_UAPI_H
#define TENSTORRENT_UAPI_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define TENSTORRENT_DRIVER_VERSION	2

#define TENSTORRENT_IOCTL_MAGIC	0xFA

#define TENSTORRENT_IOCTL_GET_DEVICE_INFO	_IO(TENSTORRENT_IOCTL_MAGIC, 0)
#define TENSTORRENT_IOCTL_GET_HARVESTING	_IO(TENSTORRENT_IOCTL_MAGIC, 1)
#define TENSTORRENT_IOCTL_QUERY_MAPPINGS	_IO(TENSTORRENT_IOCTL_MAGIC, 2)
#define TENSTORRENT_IOCTL_ALLOCATE_DMA_BUF	_IO(TENSTORRENT_IOCTL_MAGIC, 3)
#define TENSTORRENT_IOCTL_FREE_DMA_BUF		_IO(TENSTORRENT_IOCTL_MAGIC, 4)
#define TENSTORRENT_IOCTL_GET_DRIVER_INFO	_IO(TENSTORRENT_IOCTL_MAGIC, 5)
#define TENSTORRENT_IOCTL_RESET_DEVICE		_IO(TENSTORRENT_IOCTL_MAGIC, 6)
#define TENSTORRENT_IOCTL_PIN_PAGES		_IO(TENSTORRENT_IOCTL_MAGIC, 7)
#define TENSTORRENT_IOCTL_LOCK_CTL		_IO(TENSTORRENT_IOCTL_MAGIC, 8)
#define TENSTORRENT_IOCTL_MAP_PEER_BAR		_IO(TENSTORRENT_IOCTL_MAGIC, 9)
#define TENSTORRENT_IOCTL_UNPIN_PAGES		_IO(TENSTORRENT_IOCTL_MAGIC, 10)
#define TENSTORRENT_IOCTL_ALLOCATE_TLB		_IO(TENSTORRENT_IOCTL_MAGIC, 11)
#define TENSTORRENT_IOCTL_FREE_TLB		_IO(TENSTORRENT_IOCTL_MAGIC, 12)
#define TENSTORRENT_IOCTL_CONFIGURE_TLB		_IO(TENSTORRENT_IOCTL_MAGIC, 13)
#define TENSTORRENT_IOCTL_SET_NOC_CLEANUP	_IO(TENSTORRENT_IOCTL_MAGIC, 14)
#define TENSTORRENT_IOCTL_SET_POWER_STATE	_IO(TENSTORRENT_IOCTL_MAGIC, 15)
#define TENSTORRENT_IOCTL_EXPORT_TLB_DMABUF	_IO(TENSTORRENT_IOCTL_MAGIC, 16)

#define TENSTORRENT_IOCTL_GET_DEVICE_CAPS	_IO(TENSTORRENT_IOCTL_MAGIC, 32)
#define TENSTORRENT_IOCTL_SET_EVENTFD		_IO(TENSTORRENT_IOCTL_MAGIC, 33)
#define TENSTORRENT_IOCTL_RESET_STATE		_IO(TENSTORRENT_IOCTL_MAGIC, 34)
#define TENSTORRENT_IOCTL_RING_DOORBELL		_IO(TENSTORRENT_IOCTL_MAGIC, 35)

#define TENSTORRENT_MAX_DMA_BUFS		256
#define TENSTORRENT_MAX_INBOUND_TLBS		256
#define TENSTORRENT_RESOURCE_LOCK_COUNT		64
#define TENSTORRENT_MAX_DMA_BUF_SIZE_LOG2	28

/* ---- mmap offsets ----------------------------------------------------- */
/*
 * An mmap offset names a region and a place in it; QUERY_MAPPINGS,
 * ALLOCATE_DMA_BUF and ALLOCATE_TLB report the bases, which are fixed:
 *   BAR regions		(mapping_id - 1) << 36: RESOURCE0 = BAR0,
 *				RESOURCE1 = BAR2, RESOURCE2 = BAR4; UC then WC
 *   TLB windows		6 << 36 (UC), 7 << 36 (WC), + window's BAR offset
 *   DMA buffer i		(PAGE_SIZE - 256) << 32 + i << 32
 * A mapping must lie inside one region entry. UC maps uncached (device
 * memory), WC write-combined.
 */
#define TENSTORRENT_MMAP_BAR_SHIFT	36
#define TENSTORRENT_MMAP_TLB_UC		(6ULL << 36)
#define TENSTORRENT_MMAP_TLB_WC		(7ULL << 36)
#define TENSTORRENT_MMAP_DMA_SHIFT	32

/* ---- 0: GET_DEVICE_INFO ----------------------------------------------- */
struct tenstorrent_get_device_info_in {
	__u32 output_size_bytes;
};

struct tenstorrent_get_device_info_out {
	__u32 output_size_bytes;
	__u16 vendor_id;
	__u16 device_id;
	__u16 subsystem_vendor_id;
	__u16 subsystem_id;
	__u16 bus_dev_fn;	/* [0:2] function, [3:7] device, [8:15] bus */
	__u16 max_dma_buf_size_log2;	/* largest ALLOCATE_DMA_BUF this kernel can
					 * give: 28, or 22 without a CMA area */
	__u16 pci_domain;
	__u16 reserved;
};

struct tenstorrent_get_device_info {
	struct tenstorrent_get_device_info_in in;
	struct tenstorrent_get_device_info_out out;
};

/* ---- 1: GET_HARVESTING (this module's layout; a stub in tt-kmd) -------- */
#define TENSTORRENT_HARVEST_VALID_TENSIX	(1u << 0)
#define TENSTORRENT_HARVEST_VALID_DRAM		(1u << 1)

struct tenstorrent_get_harvesting_in {
	__u32 output_size_bytes;
	__u32 reserved;		/* 0 */
};

struct tenstorrent_get_harvesting_out {
	__u32 output_size_bytes;
	__u32 valid;		/* TENSTORRENT_HARVEST_VALID_*: what is known */
	__u32 grid_x;		/* worker grid (model); 0 when unknown */
	__u32 grid_y;
	__u64 tensix_disabled;	/* bit i: worker row (WH) / column (BH) i off */
	__u32 dram_disabled;	/* bit b: DRAM bank b unusable */
	__u32 reserved;
};

struct tenstorrent_get_harvesting {
	struct tenstorrent_get_harvesting_in in;
	struct tenstorrent_get_harvesting_out out;
};

/* ---- 2: QUERY_MAPPINGS ------------------------------------------------ */
#define TENSTORRENT_MAPPING_UNUSED		0
#define TENSTORRENT_MAPPING_RESOURCE0_UC	1
#define TENSTORRENT_MAPPING_RESOURCE0_WC	2
#define TENSTORRENT_MAPPING_RESOURCE1_UC	3
#define TENSTORRENT_MAPPING_RESOURCE1_WC	4
#define TENSTORRENT_MAPPING_RESOURCE2_UC	5
#define TENSTORRENT_MAPPING_RESOURCE2_WC	6

struct tenstorrent_mapping {
	__u32 mapping_id;
	__u32 reserved;
	__u64 mapping_base;	/* mmap offset */
	__u64 mapping_size;
};

struct tenstorrent_query_mappings_in {
	__u32 output_mapping_count;	/* entries the caller's array holds */
	__u32 reserved;			/* 0 */
};

/* The caller's array of output_mapping_count entries follows `in`. */
struct tenstorrent_query_mappings {
	struct tenstorrent_query_mappings_in in;
};

/* ---- 3: ALLOCATE_DMA_BUF, 4: FREE_DMA_BUF -------------------------------- */
#define TENSTORRENT_ALLOCATE_DMA_BUF_NOC_DMA	2

/* Above max_dma_buf_size_log2 (GET_DEVICE_INFO) but within the ABI: -ENOMEM. */
struct tenstorrent_allocate_dma_buf_in {
	__u32 requested_size;	/* page multiple, 1 .. 1 << MAX_DMA_BUF_SIZE_LOG2 */
	__u8 buf_index;		/* unused in this fd */
	__u8 flags;		/* NOC_DMA: -EOPNOTSUPP where the class has no iATU */
	__u8 reserved0[2];
	__u64 reserved1[2];
};

struct tenstorrent_allocate_dma_buf_out {
	__u64 physical_address;	/* DMA address: what the device uses */
	__u64 mapping_offset;	/* mmap offset */
	__u32 size;
	__u32 reserved0;
	__u64 noc_address;
	__u64 reserved1;
};

struct tenstorrent_allocate_dma_buf {
	struct tenstorrent_allocate_dma_buf_in in;
	struct tenstorrent_allocate_dma_buf_out out;
};

/*
 * Frees buffer buf_index of this fd at once for the device's purposes: the
 * index is reusable and the device must no longer use the address. Pages
 * still mapped into a process stay valid until the last munmap.
 */
struct tenstorrent_free_dma_buf_in {
	__u8 buf_index;
	__u8 reserved0[3];
	__u32 reserved1;
};

struct tenstorrent_free_dma_buf {
	struct tenstorrent_free_dma_buf_in in;
};

/* ---- 5: GET_DRIVER_INFO ----------------------------------------------- */
struct tenstorrent_get_driver_info_in {
	__u32 output_size_bytes;
};

struct tenstorrent_get_driver_info_out {
	__u32 output_size_bytes;
	__u32 driver_version;	/* TENSTORRENT_DRIVER_VERSION */
	__u8 driver_version_major;
	__u8 driver_version_minor;
	__u8 driver_version_patch;
	__u8 reserved0;
};

struct tenstorrent_get_driver_info {
	struct tenstorrent_get_driver_info_in in;
	struct tenstorrent_get_driver_info_out out;
};

/* ---- 6: RESET_DEVICE -------------------------------------------------- */
/*
 * USER_RESET, ASIC_RESET, ASIC_DMC_RESET and CONFIG_WRITE are destructive:
 * they bump the reset generation; the calling fd moves to the new one, all
 * other fds are stale (-ENODEV, their BAR/TLB mappings raise SIGBUS, their
 * TLB windows are reclaimed). Until POST_RESET succeeds only GET_DEVICE_INFO,
 * GET_DRIVER_INFO, RESET_DEVICE, RESET_STATE and GET_DEVICE_CAPS work.
 * The model device: ASIC_RESET and ASIC_DMC_RESET write TTSIM_RESET_MAGIC and
 * ring TTSIM_CTRL_VECTOR; POST_RESET reports result 0 once the device says
 * READY with a new reset_count (RESET_STATE with WAIT blocks until then).
 */
#define TENSTORRENT_RESET_DEVICE_RESTORE_STATE		0
#define TENSTORRENT_RESET_DEVICE_RESET_PCIE_LINK	1
#define TENSTORRENT_RESET_DEVICE_CONFIG_WRITE		2
#define TENSTORRENT_RESET_DEVICE_USER_RESET		3
#define TENSTORRENT_RESET_DEVICE_ASIC_RESET		4
#define TENSTORRENT_RESET_DEVICE_ASIC_DMC_RESET		5
#define TENSTORRENT_RESET_DEVICE_POST_RESET		6

struct tenstorrent_reset_device_in {
	__u32 output_size_bytes;
	__u32 flags;		/* one TENSTORRENT_RESET_DEVICE_* value */
};

struct tenstorrent_reset_device_out {
	__u32 output_size_bytes;
	__u32 result;		/* 0 ok, 1 failed */
};

struct tenstorrent_reset_device {
	struct tenstorrent_reset_device_in in;
	struct tenstorrent_reset_device_out out;
};

/* ---- 7: PIN_PAGES, 10: UNPIN_PAGES -------------------------------------- */
/*
 * The pinned range must come out as one range of DMA addresses: with an
 * IOMMU that translates, any range; without, physically contiguous pages
 * only (else -EINVAL). NOC_DMA and NOC_TOP_DOWN: -EOPNOTSUPP (this module
 * programs no outbound iATU); READ_ONLY without a translating IOMMU:
 * -EOPNOTSUPP. The same range twice: -EEXIST. Unpin of a range that is not
 * pinned exactly so: -EINVAL.
 */
#define TENSTORRENT_PIN_PAGES_CONTIGUOUS	1
#define TENSTORRENT_PIN_PAGES_NOC_DMA		2
#define TENSTORRENT_PIN_PAGES_NOC_TOP_DOWN	4
#define TENSTORRENT_PIN_PAGES_READ_ONLY		8

struct tenstorrent_pin_pages_in {
	__u32 output_size_bytes;
	__u32 flags;
	__u64 virtual_address;	/* page aligned */
	__u64 size;		/* page multiple, nonzero */
};

struct tenstorrent_pin_pages_out {
	__u64 physical_address;	/* DMA address of the first byte */
};

struct tenstorrent_pin_pages_out_extended {
	__u64 physical_address;
	__u64 noc_address;
};

struct tenstorrent_pin_pages {
	struct tenstorrent_pin_pages_in in;
	struct tenstorrent_pin_pages_out out;
};

struct tenstorrent_unpin_pages_in {
	__u64 virtual_address;	/* as pinned */
	__u64 size;		/* as pinned */
	__u64 reserved;		/* 0 */
};

struct tenstorrent_unpin_pages {
	struct tenstorrent_unpin_pages_in in;
};

/* ---- 8: LOCK_CTL ------------------------------------------------------ */
#define TENSTORRENT_LOCK_CTL_ACQUIRE		0
#define TENSTORRENT_LOCK_CTL_RELEASE		1
#define TENSTORRENT_LOCK_CTL_TEST		2
#define TENSTORRENT_LOCK_CTL_ACQUIRE_BLOCKING	3

struct tenstorrent_lock_ctl_in {
	__u32 output_size_bytes;
	__u32 flags;		/* one TENSTORRENT_LOCK_CTL_* value */
	__u8 index;		/* < TENSTORRENT_RESOURCE_LOCK_COUNT */
	__u8 reserved[3];
};

struct tenstorrent_lock_ctl_out {
	__u8 value;	/* ACQUIRE/RELEASE: 1 done; TEST: bit0 ours, bit1 anyone's */
	__u8 reserved[3];
};

struct tenstorrent_lock_ctl {
	struct tenstorrent_lock_ctl_in in;
	struct tenstorrent_lock_ctl_out out;
};

/* ---- 9: MAP_PEER_BAR -------------------------------------------------- */
struct tenstorrent_map_peer_bar_in {
	__u32 peer_fd;		/* another device of the same class */
	__u32 peer_bar_index;
	__u32 peer_bar_offset;
	__u32 peer_bar_length;
	__u32 flags;		/* 0 */
	__u32 reserved;		/* 0 */
};

struct tenstorrent_map_peer_bar_out {
	__u64 dma_address;
	__u64 reserved;
};

struct tenstorrent_map_peer_bar {
	struct tenstorrent_map_peer_bar_in in;
	struct tenstorrent_map_peer_bar_out out;
};

/* ---- 11: ALLOCATE_TLB, 12: FREE_TLB, 13: CONFIGURE_TLB ------------------ */
/* The model device has no TLB windows: these return -EOPNOTSUPP there. */
struct tenstorrent_allocate_tlb_in {
	__u64 size;		/* exactly one of the class's window sizes */
	__u64 reserved;
};

struct tenstorrent_allocate_tlb_out {
	__u32 id;
	__u32 reserved0;
	__u64 mmap_offset_uc;
	__u64 mmap_offset_wc;
	__u64 reserved1;
};

struct tenstorrent_allocate_tlb {
	struct tenstorrent_allocate_tlb_in in;
	struct tenstorrent_allocate_tlb_out out;
};

struct tenstorrent_free_tlb_in {
	__u32 id;
};

struct tenstorrent_free_tlb {
	struct tenstorrent_free_tlb_in in;
};

struct tenstorrent_noc_tlb_config {
	__u64 addr;		/* aligned to the window size */
	__u16 x_end;
	__u16 y_end;
	__u16 x_start;
	__u16 y_start;
	__u8 noc;
	__u8 mcast;
	__u8 ordering;
	__u8 linked;
	__u8 static_vc;
	__u8 reserved0[3];
	__u32 reserved1[2];
};

struct tenstorrent_configure_tlb_in {
	__u32 id;
	__u32 reserved;
	struct tenstorrent_noc_tlb_config config;
};

struct tenstorrent_configure_tlb_out {
	__u64 reserved;
};

struct tenstorrent_configure_tlb {
	struct tenstorrent_configure_tlb_in in;
	struct tenstorrent_configure_tlb_out out;
};

/* ---- 14: SET_NOC_CLEANUP ---------------------------------------------- */
/*
 * A 32-bit NoC write the kernel performs when the fd is released (not if
 * the fd went stale). Checked: flags 0, enabled and noc 0 or 1, x and y
 * < 64, reserved0 0, addr 4-byte aligned, data < 2^32. The model device
 * has no NoC window for the kernel: -EOPNOTSUPP there.
 */
struct tenstorrent_set_noc_cleanup {
	__u32 argsz;
	__u32 flags;
	__u8 enabled;		/* 0 or 1 */
	__u8 x;
	__u8 y;
	__u8 noc;		/* 0 or 1 */
	__u32 reserved0;
	__u64 addr;		/* 4-byte aligned */
	__u64 data;		/* low 32 bits written */
};

/* ---- 15: SET_POWER_STATE ---------------------------------------------- */
/*
 * Per open file; the module combines all files (flags OR'ed, settings
 * max'ed, flag bits a file did not declare count as on) and sends the
 * result to the firmware. Checked: flags 0, reserved0 0, at most 15 flag
 * bits and 14 settings declared, power_flags bit 15 clear.
 */
#define TT_POWER_FLAG_MAX_AI_CLK	(1u << 0)
#define TT_POWER_FLAG_MRISC_PHY_WAKEUP	(1u << 1)
#define TT_POWER_FLAG_TENSIX_ENABLE	(1u << 2)
#define TT_POWER_FLAG_L2CPU_ENABLE	(1u << 3)
#define TT_POWER_VALIDITY(flags, settings)	\
	((((settings) & 0xF) << 4) | ((flags) & 0xF))

struct tenstorrent_power_state {
	__u32 argsz;
	__u32 flags;
	__u8 reserved0;
	__u8 validity;		/* TT_POWER_VALIDITY(valid flag bits, valid settings) */
	__u16 power_flags;
	__u16 power_settings[14];
};

/* ---- 16: EXPORT_TLB_DMABUF (-EOPNOTSUPP: not provided by this module) ---- */
struct tenstorrent_export_tlb_dmabuf {
	__u32 argsz;
	__u32 flags;
	__u32 tlb_id;
	__s32 fd;		/* out */
	__u64 offset;
	__u64 size;
};

/* ---- 32: GET_DEVICE_CAPS ---------------------------------------------- */
#define TENSTORRENT_ARCH_WORMHOLE	1
#define TENSTORRENT_ARCH_BLACKHOLE	2
#define TENSTORRENT_ARCH_MODEL		3	/* uapi/ttsim.h behind ivshmem */

#define TENSTORRENT_CAP_TLBS		(1u << 0)	/* ALLOCATE_TLB works */
#define TENSTORRENT_CAP_DOORBELL	(1u << 1)	/* RING_DOORBELL works */
#define TENSTORRENT_CAP_DOORBELL_MMAP	(1u << 2)	/* doorbell_mmap_offset valid */
#define TENSTORRENT_CAP_EVENTFD		(1u << 3)	/* SET_EVENTFD works */
#define TENSTORRENT_CAP_HARVESTING	(1u << 4)	/* GET_HARVESTING knows something */

/*
 * The model device (ivshmem-doorbell 1af4:1110 bound to this module):
 * - its register page (struct ttsim_regs) is at regs_offset of mapping
 *   regs_mapping_id (RESOURCE1 = BAR2, the shared memory), mmap it UC;
 * - issue and completion rings live in ALLOCATE_DMA_BUF buffers; their
 *   physical_address is what goes into struct ttsim_queue_regs;
 * - after publishing issue_wptr, ring vector q with RING_DOORBELL. The
 *   library must use RING_DOORBELL. A process may instead store
 *   (server_peer_id << 16) | q to the 32-bit register at
 *   doorbell_mmap_offset + doorbell_reg (ivshmem BAR0 Doorbell) when
 *   CAP_DOORBELL_MMAP is set, which it is only if BAR0 sits alone in its
 *   page;
 * - the device raises MSI-X vector q on completions of queue q and
 *   TTSIM_CTRL_VECTOR when a reset finishes: bind eventfds with SET_EVENTFD;
 * - TTSIM_CTRL_VECTOR belongs to the kernel (RESET_DEVICE): RING_DOORBELL
 *   accepts queue vectors only.
 * own_peer_id is the guest's ivshmem peer id (IVPosition); server_peer_id
 * is the ttsim-ivshmem server's (module parameter simdev_server_peer, 0 by
 * default).
 */
struct tenstorrent_get_device_caps {
	__u32 argsz;
	__u32 flags;		/* 0 */
	__u32 arch;		/* TENSTORRENT_ARCH_* */
	__u32 caps;		/* TENSTORRENT_CAP_* */
	__u32 num_vectors;	/* interrupt vectors SET_EVENTFD accepts */
	__u32 num_queues;	/* doorbell vectors RING_DOORBELL accepts */
	__u32 own_peer_id;
	__u32 server_peer_id;
	__u32 regs_mapping_id;	/* TENSTORRENT_MAPPING_*; 0 none */
	__u32 doorbell_reg;	/* byte offset of Doorbell in that page */
	__u64 regs_offset;
	__u64 doorbell_mmap_offset;
	__u64 reset_generation;	/* the device's */
	__u64 fd_generation;	/* this fd's; != reset_generation: stale */
	__u32 dma_address_bits;	/* coherent DMA mask */
	__u32 reserved0;
	__u64 reserved1[3];
};

/* ---- 33: SET_EVENTFD -------------------------------------------------- */
/*
 * Binds eventfd `fd` to interrupt `vector` for this open file (replacing an
 * earlier binding of the same vector); fd = -1 unbinds. Every file bound to
 * a vector is signalled when it fires. Bindings end with the file.
 */
struct tenstorrent_set_eventfd {
	__u32 argsz;
	__u32 flags;		/* 0 */
	__u32 vector;		/* < num_vectors */
	__s32 fd;		/* eventfd, or -1 */
};

/* ---- 34: RESET_STATE -------------------------------------------------- */
#define TENSTORRENT_RESET_STATE_WAIT	(1u << 0)

#define TENSTORRENT_STATE_READY		0
#define TENSTORRENT_STATE_RESETTING	1	/* POST_RESET not done yet */

/*
 * Reports the device's reset generation and state. With WAIT, first sleeps
 * until the generation is > `generation` and the device has finished the
 * reset (state READY, or RESETTING with the device ready for POST_RESET),
 * or until timeout_ms passes (-ETIMEDOUT; 0 = no limit), or a signal
 * (-EINTR). The usual sequence: RESET_DEVICE(ASIC_RESET), RESET_STATE(WAIT,
 * generation = the one before), RESET_DEVICE(POST_RESET). Works on stale
 * fds, so a process can learn that it must reopen.
 */
struct tenstorrent_reset_state {
	__u32 argsz;
	__u32 flags;		/* TENSTORRENT_RESET_STATE_WAIT */
	__u32 timeout_ms;	/* in */
	__u32 state;		/* out: TENSTORRENT_STATE_* */
	__u64 generation;	/* in: with WAIT, wait past it; out: current */
	__u64 fd_generation;	/* out: this fd's */
};

/* ---- 35: RING_DOORBELL ------------------------------------------------ */
/* The model device: interrupts the ttsim-ivshmem server on vector q. */
struct tenstorrent_ring_doorbell {
	__u32 argsz;
	__u32 flags;		/* 0 */
	__u32 vector;		/* < num_queues */
	__u32 reserved;		/* 0 */
};

#endif
