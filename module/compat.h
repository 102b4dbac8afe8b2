/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels noisetun builds against, in one
 * place (Documentation/kernels.md: Debian 12's 6.1, Debian 13's 6.12, sid's
 * 7.2).
 *
 * Guards are named for the capability that differs, not for a version, so
 * that code reads "if the kernel can do X". None tests a version number:
 * each is probed from the target kernel's own headers, so that a
 * distribution's backport is seen as it is. A feature that leaves a macro
 * is tested with #ifdef, a header with __has_include(), and a structure or
 * prototype by the probes in Kbuild, which grep the target tree's headers
 * at build time and pass -DNT_HAVE_... (the probe is named next to each
 * guard). Each guard says which kernels were checked. The crypto
 * library's differences are in crypto/crypto_compat.h.
 *
 * Code elsewhere must not test LINUX_VERSION_CODE; it tests these guards or
 * calls the wrappers below. Kbuild refuses kernels outside the supported
 * range (6.1 to 7.2) before any of this is compiled.
 */

#ifndef _NT_COMPAT_H
#define _NT_COMPAT_H

#include <linux/netdevice.h>
#include <linux/timer.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/rtnetlink.h>
#include <net/udp_tunnel.h>

/*
 * NT_HAVE_NET_GSO_H (probe: the header exists): skb_gso_segment() and
 * friends moved out of netdevice.h into <net/gso.h> (mainline 6.5). 6.1:
 * absent; 6.12, 7.2: present. (A Kbuild probe rather than __has_include(),
 * which sparse does not know.)
 */
#ifdef NT_HAVE_NET_GSO_H
#include <net/gso.h>
#endif

/*
 * NT_HAVE_NETDEV_LLTX (probe: an lltx bit in struct net_device): the
 * "lockless transmit" property moved from the NETIF_F_LLTX feature bit to
 * the dev->lltx field (mainline 6.12). 6.1: the feature bit; 6.12, 7.2: the
 * field.
 */

/**
 * nt_compat_set_lltx() - declare that ndo_start_xmit needs no tx lock
 * @dev: the device, during setup
 */
static inline void nt_compat_set_lltx(struct net_device *dev)
{
#ifdef NT_HAVE_NETDEV_LLTX
	dev->lltx = true;
#else
	dev->features |= NETIF_F_LLTX;
#endif
}

/*
 * NT_HAVE_NETDEV_PCPU_STAT_TYPE (probe: NETDEV_PCPU_STAT_TSTATS in
 * <linux/netdevice.h>): the core allocates dev->tstats at registration and
 * frees it before the priv_destructor runs when dev->pcpu_stat_type asks
 * for them (mainline 6.6); from 6.12, iptunnel_xmit() WARNs when a tunnel
 * did not ask this way. 6.1: the driver allocates and frees them; 6.12,
 * 7.2: the core does, before device_destruct() runs: stop_device() has
 * drained the data path by then, so no packet still counts in them.
 */

/**
 * nt_compat_alloc_tstats() - per-CPU tunnel statistics for @dev
 * @dev: the device, before register_netdevice()
 *
 * Return: false when out of memory.
 */
static inline bool nt_compat_alloc_tstats(struct net_device *dev)
{
#ifdef NT_HAVE_NETDEV_PCPU_STAT_TYPE
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;
	return true;
#else
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	return dev->tstats;
#endif
}

/**
 * nt_compat_free_tstats() - undo nt_compat_alloc_tstats()
 * @dev: the device, unregistered or never registered
 */
static inline void nt_compat_free_tstats(struct net_device *dev)
{
#ifndef NT_HAVE_NETDEV_PCPU_STAT_TYPE
	free_percpu(dev->tstats);
#endif
}

/*
 * NT_HAVE_WQ_PERCPU (probe: WQ_PERCPU in <linux/workqueue.h>): a workqueue
 * bound to CPUs says so with WQ_PERCPU; from 7.x, alloc_workqueue() WARNs
 * when a caller gives neither WQ_PERCPU nor WQ_UNBOUND. 6.1: no flag (every
 * workqueue without WQ_UNBOUND is per-CPU); 6.12 (by backport), 7.2: the
 * flag. NT_WQ_PERCPU is the flag, or 0.
 */
#ifdef NT_HAVE_WQ_PERCPU
#define NT_WQ_PERCPU WQ_PERCPU
#else
#define NT_WQ_PERCPU 0
#endif

/*
 * NT_HAVE_GENL_SPLIT_OPS (probe: struct genl_split_ops in
 * <net/genetlink.h>): with split ops (mainline 6.2), struct
 * genl_dumpit_info embeds a struct genl_info that holds the parsed dump
 * request. 6.1 has struct genl_ops, one policy per command, and
 * genl_dumpit_info(cb)->attrs; 6.12 and 7.2 have split ops.
 */

/**
 * nt_compat_dump_attrs() - the parsed attributes of a dump request
 * @cb: the dump's callback state, in its start callback
 *
 * Return: the attribute table, indexed by attribute type.
 */
static inline struct nlattr **nt_compat_dump_attrs(struct netlink_callback *cb)
{
#ifdef NT_HAVE_GENL_SPLIT_OPS
	return genl_dumpit_info(cb)->info.attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/*
 * NT_HAVE_GENL_MCAST_CAP: multicast groups can require CAP_NET_ADMIN to
 * join (GENL_MCAST_CAP_NET_ADMIN). Mainline 6.7, backported to the 6.1
 * stable series and present in Debian's 6.1.0-56 headers, hence the test of
 * the macro itself rather than of a version. Without it, joining "events"
 * is open to anyone in the namespace, as for every family on such kernels.
 */
#ifdef GENL_MCAST_CAP_NET_ADMIN
#define NT_HAVE_GENL_MCAST_CAP 1
#endif

/*
 * NT_HAVE_RTNL_NEWLINK_PARAMS (probe: struct rtnl_newlink_params in
 * <net/rtnetlink.h>): rtnl_link_ops.newlink takes (dev, params, extack)
 * instead of (src_net, dev, tb, data, extack) (mainline 6.15). 6.1, 6.12:
 * the old prototype; 7.2: the new one.
 * device.c adapts its callback, which has the old prototype, when the
 * guard is set. @src_net stays the namespace of the request on every
 * kernel (the UDP sockets' home).
 */

/*
 * timer_container_of() (a macro; mainline 6.16) replaced from_timer(),
 * which 7.2 no longer has. 6.1, 6.12: from_timer() only.
 * timer_delete() and timer_delete_sync() (mainline 6.2) replaced
 * del_timer() and del_timer_sync(), gone by 7.2; Debian's 6.1 has them
 * (backported to 6.1 stable), so they are used directly.
 */
#ifndef timer_container_of
#define timer_container_of(var, callback_timer, timer_fieldname) \
	from_timer(var, callback_timer, timer_fieldname)
#endif

/*
 * NT_HAVE_UDP_TUNNEL_SK (probe: udp_tunnel_sock_release() taking a struct
 * sock in <net/udp_tunnel.h>): setup_udp_tunnel_sock() and
 * udp_tunnel_sock_release() take the struct sock instead of the struct
 * socket. 6.1, 6.12: the socket; 7.2: the sock.
 */
static inline void nt_compat_setup_udp_tunnel_sock(struct net *net,
						   struct socket *sock,
						   struct udp_tunnel_sock_cfg *cfg)
{
#ifdef NT_HAVE_UDP_TUNNEL_SK
	setup_udp_tunnel_sock(net, sock->sk, cfg);
#else
	setup_udp_tunnel_sock(net, sock, cfg);
#endif
}

static inline void nt_compat_udp_tunnel_sock_release(struct sock *sk)
{
#ifdef NT_HAVE_UDP_TUNNEL_SK
	udp_tunnel_sock_release(sk);
#else
	udp_tunnel_sock_release(sk->sk_socket);
#endif
}

/*
 * NT_HAVE_UDP_TUNNEL_XMIT_IPCB (probe: udp_tunnel_xmit_skb()'s last
 * parameter "u16 ipcb_flags") and NT_HAVE_UDP_TUNNEL6_XMIT_IPCB (probe:
 * udp_tunnel6_xmit_skb()'s "u16 ip6cb_flags"): the transmit helpers take
 * IP control block flags last; noisetun sets none. 6.1, 6.12: absent; 7.2:
 * present.
 */
static inline void nt_compat_udp_tunnel_xmit_skb(struct rtable *rt,
						 struct sock *sk,
						 struct sk_buff *skb,
						 __be32 src, __be32 dst,
						 __u8 tos, __u8 ttl, __be16 df,
						 __be16 src_port,
						 __be16 dst_port, bool xnet,
						 bool nocheck)
{
	udp_tunnel_xmit_skb(rt, sk, skb, src, dst, tos, ttl, df, src_port,
			    dst_port, xnet, nocheck
#ifdef NT_HAVE_UDP_TUNNEL_XMIT_IPCB
			    , 0
#endif
			    );
}

/* Non-const addresses: 6.1's prototype has them so. */
#if IS_ENABLED(CONFIG_IPV6)
static inline void nt_compat_udp_tunnel6_xmit_skb(struct dst_entry *dst,
						  struct sock *sk,
						  struct sk_buff *skb,
						  struct net_device *dev,
						  struct in6_addr *saddr,
						  struct in6_addr *daddr,
						  __u8 prio, __u8 ttl,
						  __be32 label,
						  __be16 src_port,
						  __be16 dst_port, bool nocheck)
{
	udp_tunnel6_xmit_skb(dst, sk, skb, dev, saddr, daddr, prio, ttl,
			     label, src_port, dst_port, nocheck
#ifdef NT_HAVE_UDP_TUNNEL6_XMIT_IPCB
			     , 0
#endif
			     );
}
#endif

/*
 * Other differences, handled without a guard:
 * - <net/ipv6_stubs.h> is gone in 7.2: IPv6 routes are looked up with
 *   ip6_dst_lookup_flow() directly, exported by all three kernels (whose
 *   Debian configs build IPv6 in).
 * - a dump's start callback gets no extack on 6.1 (cb->extack is set only
 *   around dumpit), so GET's device lookup errors carry no message there;
 *   later kernels pass one through struct genl_info.
 */

#endif /* _NT_COMPAT_H */
