/* SPDX-License-Identifier: MIT */
/* The chip the firmware is built for: -DCHIP_WORMHOLE or -DCHIP_BLACKHOLE. */
#ifndef TTSTACK_FW_CHIP_H
#define TTSTACK_FW_CHIP_H

#include <stdint.h>

#if defined(CHIP_WORMHOLE)
#include "wormhole.h"
#elif defined(CHIP_BLACKHOLE)
#include "blackhole.h"
#else
#error "build the firmware with -DCHIP_WORMHOLE or -DCHIP_BLACKHOLE"
#endif

#define FW_BASE			(CHIP_L1_SIZE - FW_REGION)

#endif
