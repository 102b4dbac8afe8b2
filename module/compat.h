/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels noisetun builds against, in one
 * place (Documentation/kernels.md: Debian 12's 6.1, Debian 13's 6.12, sid's
 * 7.2).
 *
 * Guards are named for the capability that differs, not for a version, so
 * that code reads "if the kernel can do X". Where a distribution backports a
 * feature, the guard tests the feature itself (a macro it defines) rather
 * than the version number. Each guard says which kernels were checked.
 *
 * Code elsewhere must not test LINUX_VERSION_CODE; it tests these guards or
 * calls the wrappers below.
 */

#ifndef _NT_COMPAT_H
#define _NT_COMPAT_H

#include <linux/netdevice.h>
#include <linux/version.h>
#include <net/genetlink.h>

/*
 * NT_HAVE_NETDEV_LLTX: the "lockless transmit" property moved from the
 * NETIF_F_LLTX feature bit to the dev->lltx field (mainline 6.12). Checked
 * against 6.1: NETIF_F_LLTX exists and dev->lltx does not.
 */
#if KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE
#define NT_HAVE_NETDEV_LLTX 1
#endif

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
 * NT_HAVE_GENL_SPLIT_OPS: struct genl_split_ops arrived in mainline 6.2, and
 * with it struct genl_dumpit_info embeds a struct genl_info that holds the
 * parsed dump request. 6.1 has struct genl_ops, one policy per command, and
 * genl_dumpit_info(cb)->attrs. The version is from mainline history and is
 * to be confirmed by the first 6.12 build.
 */
#if KERNEL_VERSION(6, 2, 0) <= LINUX_VERSION_CODE
#define NT_HAVE_GENL_SPLIT_OPS 1
#endif

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
 * Known differences not handled yet, for the 6.12/7.2 lane
 * (Documentation/kernels.md):
 * - a dump's start callback gets no extack on 6.1 (cb->extack is set only
 *   around dumpit), so GET's device lookup errors carry no message there;
 *   later kernels pass one through struct genl_info.
 * - rtnl_link_ops.newlink takes a struct rtnl_newlink_params from mainline
 *   6.15 (6.12 still has the 6.1 prototype that device.c uses).
 */

#endif /* _NT_COMPAT_H */
