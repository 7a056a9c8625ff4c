// SPDX-License-Identifier: MIT
/* Every struct of the ioctl ABI, for pahole (make abi-check). */
#include "tenstorrent.h"

struct tenstorrent_get_device_info a0;
struct tenstorrent_get_harvesting a1;
struct tenstorrent_query_mappings a2;
struct tenstorrent_mapping a2m;
struct tenstorrent_allocate_dma_buf a3;
struct tenstorrent_free_dma_buf a4;
struct tenstorrent_get_driver_info a5;
struct tenstorrent_reset_device a6;
struct tenstorrent_pin_pages a7;
struct tenstorrent_pin_pages_out_extended a7x;
struct tenstorrent_lock_ctl a8;
struct tenstorrent_map_peer_bar a9;
struct tenstorrent_unpin_pages a10;
struct tenstorrent_allocate_tlb a11;
struct tenstorrent_free_tlb a12;
struct tenstorrent_configure_tlb a13;
struct tenstorrent_set_noc_cleanup a14;
struct tenstorrent_power_state a15;
struct tenstorrent_export_tlb_dmabuf a16;
struct tenstorrent_get_device_caps a32;
struct tenstorrent_set_eventfd a33;
struct tenstorrent_reset_state a34;
struct tenstorrent_ring_doorbell a35;
