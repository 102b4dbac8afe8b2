/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kshim.h of the unit tests of module/ code share: the kernel's
 * integer types, the attributes and small macros every file uses, printk as
 * KTAP diagnostics, and the IP headers as the kernel lays them out. Each
 * kshim.h includes it first, then maps what its own code under test uses.
 */
#ifndef NT_KCOMMON_H
#define NT_KCOMMON_H

#include <netinet/ip.h>		/* struct iphdr, the kernel's layout */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Types and attributes. */

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64;	/* as in the kernel, for printf */
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef long long s64;
typedef uint16_t __le16;
typedef uint32_t __le32;
typedef unsigned long long __le64;
typedef uint16_t __be16;
typedef uint32_t __be32;
typedef unsigned long long __be64;
typedef unsigned int gfp_t;

#define KBUILD_MODNAME "noisetun"
#define __force
#define __must_check __attribute__((warn_unused_result))
#define __maybe_unused __attribute__((unused))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BUILD_BUG_ON(cond) _Static_assert(!(cond), #cond)
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* printk: messages become KTAP diagnostics. */

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
#define pr_info(fmt, ...) printf("# " pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...) printf("# " pr_fmt(fmt), ##__VA_ARGS__)

/* Packets: the IPv6 header beside struct iphdr; ip_hdr() and ipv6_hdr(). */

struct ipv6hdr {
	u8 priority:4, version:4;
	u8 flow_lbl[3];
	__be16 payload_len;
	u8 nexthdr;
	u8 hop_limit;
	struct in6_addr saddr;
	struct in6_addr daddr;
};

/* Each kshim.h's struct sk_buff has these two fields. */
#define ip_hdr(skb) ((struct iphdr *)((skb)->head + (skb)->network_header))
#define ipv6_hdr(skb) ((struct ipv6hdr *)((skb)->head + (skb)->network_header))

#endif /* NT_KCOMMON_H */
