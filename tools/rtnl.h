/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rtnetlink requests `tunctl up` and `down` make: links, addresses,
 * routes and policy rules, each the equivalent of one `ip` command, over
 * ipc.c's libmnl sockets. Each function runs one request (or one dump)
 * and reports nothing: it returns -errno, and the kernel's extended-ack
 * message, if it gave one, is in nt_rtnl_extack for the caller's error.
 *
 * Prefixes and addresses are struct tunctl_allowedip (family, address,
 * prefix length); an address keeps its host bits.
 */
#ifndef TUNCTL_RTNL_H
#define TUNCTL_RTNL_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"

/* The kernel's message about the last failed request, or "". */
extern char nt_rtnl_extack[512];

/**
 * nt_rtnl_link_find() - look a link up by name
 * @name: the interface name
 * @ifindex: receives its index
 * @kind: receives its link kind ("" for none), @kind_len bytes
 * @kind_len: size of @kind
 *
 * Return: 0, -ENODEV when there is no such link, or -errno.
 */
int nt_rtnl_link_find(const char *name, uint32_t *ifindex, char *kind,
		      size_t kind_len);

/**
 * nt_rtnl_link_add() - `ip link add NAME type KIND`
 * @name: the interface name
 * @kind: the link kind
 *
 * Return: 0, -EEXIST when the name is taken, or -errno.
 */
int nt_rtnl_link_add(const char *name, const char *kind);

/**
 * nt_rtnl_link_del() - `ip link delete dev NAME`
 * @ifindex: the link
 *
 * Return: 0 or -errno.
 */
int nt_rtnl_link_del(uint32_t ifindex);

/**
 * nt_rtnl_link_set_mtu_up() - `ip link set mtu MTU up dev NAME`
 * @ifindex: the link
 * @mtu: the MTU
 *
 * Return: 0 or -errno.
 */
int nt_rtnl_link_set_mtu_up(uint32_t ifindex, uint32_t mtu);

/**
 * nt_rtnl_link_mtu() - the MTU of a link
 * @ifindex: the link
 * @mtu: receives it
 *
 * Return: 0 or -errno.
 */
int nt_rtnl_link_mtu(uint32_t ifindex, uint32_t *mtu);

/**
 * nt_rtnl_addr_add() - `ip address add ADDR/LEN dev NAME`
 * @ifindex: the link
 * @addr: the address and its prefix length
 *
 * Return: 0 or -errno.
 */
int nt_rtnl_addr_add(uint32_t ifindex, const struct tunctl_allowedip *addr);

/**
 * nt_rtnl_route_add() - `ip route add PREFIX dev NAME table TABLE`
 * @ifindex: the link
 * @dst: the prefix
 * @table: the routing table (RT_TABLE_MAIN for the main table)
 *
 * Return: 0 or -errno.
 */
int nt_rtnl_route_add(uint32_t ifindex, const struct tunctl_allowedip *dst,
		      uint32_t table);

/**
 * nt_rtnl_route_get() - `ip route get ADDR`: where a packet to @dst goes
 * @dst: the address (its prefix length is ignored)
 * @oif: receives the output link, 0 when the route has none
 * @mtu: receives the route's MTU metric, 0 when it has none
 *
 * Return: 0 or -errno (-ENETUNREACH: no route).
 */
int nt_rtnl_route_get(const struct tunctl_allowedip *dst, uint32_t *oif,
		      uint32_t *mtu);

/**
 * nt_rtnl_default_route() - the first line of `ip route show default`:
 * the first IPv4 default route of the main table
 * @oif: receives its output link, 0 when it has none
 * @mtu: receives its MTU metric, 0 when it has none
 *
 * Return: 0, -ENOENT when there is none, or -errno.
 */
int nt_rtnl_default_route(uint32_t *oif, uint32_t *mtu);

/**
 * nt_rtnl_route_covers() - whether `ip route show dev NAME match PREFIX`
 * (main table) lists anything: a route through the link whose prefix
 * contains @dst
 * @ifindex: the link
 * @dst: the prefix
 * @covered: receives the answer
 *
 * Return: 0 or -errno.
 */
int nt_rtnl_route_covers(uint32_t ifindex, const struct tunctl_allowedip *dst,
			 bool *covered);

/**
 * nt_rtnl_table_used() - whether routing table @table holds any IPv4 or
 * IPv6 route
 * @table: the table
 * @used: receives the answer
 *
 * Return: 0 or -errno.
 */
int nt_rtnl_table_used(uint32_t table, bool *used);

/**
 * struct nt_rtnl_rule - one of the two policy rules of a default route
 * @family: AF_INET or AF_INET6
 * @table: the table to look up
 * @fwmark: `not fwmark FWMARK` when non-zero (the mark's full mask)
 * @suppress_prefixlen: `suppress_prefixlength N` when >= 0, else -1
 */
struct nt_rtnl_rule {
	uint8_t family;
	uint32_t table;
	uint32_t fwmark;
	int suppress_prefixlen;
};

/**
 * nt_rtnl_rule_add() - `ip rule add [not fwmark M] table T
 * [suppress_prefixlength N]`
 * @rule: the rule
 *
 * Return: 0 or -errno.
 */
int nt_rtnl_rule_add(const struct nt_rtnl_rule *rule);

/**
 * nt_rtnl_rule_del() - delete the first rule that is exactly @rule (no
 * other selector, any priority)
 * @rule: the rule
 *
 * Return: 0, -ENOENT when there is none, or -errno.
 */
int nt_rtnl_rule_del(const struct nt_rtnl_rule *rule);

#endif /* TUNCTL_RTNL_H */
