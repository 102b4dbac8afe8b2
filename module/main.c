// SPDX-License-Identifier: GPL-2.0
/*
 * Module init and exit: self-tests (DEBUG builds), caches, the link kind
 * with its namespace hooks, and the netlink family, in that order.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/genetlink.h>
#include <net/genetlink.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/rcupdate.h>

#include "allowedips.h"
#include "cookie.h"
#include "crypto.h"
#include "device.h"
#include "netlink.h"
#include "noise.h"
#include "noisetun.h"
#include "peer.h"
#include "ratelimiter.h"
#include "replay.h"

/* Kbuild passes the version from git describe; it may be empty. */
#ifndef NOISETUN_VERSION
#define NOISETUN_VERSION ""
#endif
#define VERSION (sizeof(NOISETUN_VERSION) > 1 ? NOISETUN_VERSION : "unknown")

static int __init nt_mod_init(void)
{
	int ret;

	ret = nt_allowedips_slab_init();
	if (ret < 0)
		return ret;
	nt_crypto_aead_sg_init();

#ifdef DEBUG
	/* A module whose own logic fails its checks must not carry traffic. */
	if (!nt_allowedips_selftest() || !nt_crypto_selftest() ||
	    !nt_crypto_aead_sg_selftest() || !nt_replay_selftest() || !nt_ratelimiter_selftest() ||
	    !nt_cookie_selftest() || !nt_noise_selftest()) {
		ret = -ENOTRECOVERABLE;
		goto err_uninit_allowedips;
	}
#endif

	ret = nt_peer_slab_init();
	if (ret < 0)
		goto err_uninit_allowedips;

	ret = nt_device_init();
	if (ret < 0)
		goto err_uninit_peer;

	ret = nt_genetlink_init();
	if (ret < 0)
		goto err_uninit_device;

	pr_info("noisetun %s loaded\n", VERSION);
	return 0;

err_uninit_device:
	nt_device_uninit();
err_uninit_peer:
	nt_peer_slab_uninit();
err_uninit_allowedips:
	nt_allowedips_slab_uninit();
	return ret;
}

static void __exit nt_mod_exit(void)
{
	/* While the family is there to send them; no device is made after. */
	nt_device_announce_removal();
	nt_genetlink_uninit();
	nt_device_uninit();
	/* Peers freed by deleting the devices above still sit in call_rcu. */
	rcu_barrier();
	nt_peer_slab_uninit();
	nt_allowedips_slab_uninit();
}

module_init(nt_mod_init);
module_exit(nt_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("WireGuard-protocol tunnel configured over generic netlink");
MODULE_VERSION(NOISETUN_VERSION);
MODULE_ALIAS_RTNL_LINK(KBUILD_MODNAME);
MODULE_ALIAS_GENL_FAMILY(NOISETUN_GENL_NAME);
