/* SPDX-License-Identifier: MIT */
/* The kernel's fixed-size types, for uapi/ttsim.h in the freestanding firmware. */
#ifndef TTSTACK_FW_LINUX_TYPES_H
#define TTSTACK_FW_LINUX_TYPES_H

#include <stdint.h>

typedef uint8_t __u8;
typedef uint16_t __u16;
typedef uint32_t __u32;
typedef uint64_t __u64;
typedef int32_t __s32;
typedef int64_t __s64;

#endif
