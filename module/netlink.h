/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink family "noisetun" (uapi/noisetun.h, noisetun.yaml).
 */

#ifndef _NT_NETLINK_H
#define _NT_NETLINK_H

/**
 * nt_genetlink_init() - register the family and its "events" group
 *
 * Return: 0 or -errno.
 */
int nt_genetlink_init(void);

/**
 * nt_genetlink_uninit() - unregister the family
 *
 * Waits for commands and dumps in progress to finish.
 */
void nt_genetlink_uninit(void);

#endif /* _NT_NETLINK_H */
