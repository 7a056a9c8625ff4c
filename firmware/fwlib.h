/* SPDX-License-Identifier: MIT */
/* What every firmware image needs: byte copies and a small formatter. */
#ifndef TTSTACK_FW_LIB_H
#define TTSTACK_FW_LIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Linux's error numbers: statuses go to the host as -errno. */
#define E2BIG		7
#define EAGAIN		11
#define EFAULT		14
#define EINVAL		22
#define EDEADLK		35
#define EOPNOTSUPP	95
#define ETIMEDOUT	110
#define ECANCELED	125

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

/* snprintf for %u %d %x %s %c (and %llx of a 64-bit value), always terminated. */
void fw_vfmt(char *out, uint32_t len, const char *fmt, va_list ap);
void fw_fmt(char *out, uint32_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
