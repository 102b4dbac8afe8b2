/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunctl up | down | save | strip CONFIG_FILE | IFACE: wg-quick(8) for
 * noisetun. The file is wg(8)'s format (config.h) plus these keys of
 * [Interface], which tunctl handles itself:
 *
 *   Address = IP[/CIDR][, ...]      (may repeat)
 *   DNS = IP | SEARCH-DOMAIN[, ...] (may repeat; through resolvconf)
 *   MTU = 68-65535                  (else derived from the endpoints' routes)
 *   Table = auto | off | main | NUMBER | NAME of rt_tables
 *   PreUp | PostUp | PreDown | PostDown = SHELL COMMAND   (may repeat; %i
 *                                         is the interface name)
 *   SaveConfig = true | false
 *
 * The file is /etc/noisetun/IFACE.conf, or a path whose file name is the
 * interface name followed by ".conf".
 */
#ifndef TUNCTL_QUICK_H
#define TUNCTL_QUICK_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"

/* Where `tunctl up nt0` looks for nt0.conf. */
#define NT_QUICK_CONFIG_DIR "/etc/noisetun"

/**
 * enum nt_quick_stage - when a hook runs
 * @NT_QUICK_PRE_UP: before the link is created
 * @NT_QUICK_POST_UP: after the routes are added
 * @NT_QUICK_PRE_DOWN: before anything is removed
 * @NT_QUICK_POST_DOWN: after the link is deleted
 * @NT_QUICK_STAGES: the number of stages
 */
enum nt_quick_stage {
	NT_QUICK_PRE_UP,
	NT_QUICK_POST_UP,
	NT_QUICK_PRE_DOWN,
	NT_QUICK_POST_DOWN,
	NT_QUICK_STAGES
};

/**
 * enum nt_quick_table - what Table says
 * @NT_QUICK_TABLE_AUTO: auto (the default): the main table, and policy
 *                       routing for a default route
 * @NT_QUICK_TABLE_OFF: off: no routes at all
 * @NT_QUICK_TABLE_ID: every route into table @table
 */
enum nt_quick_table {
	NT_QUICK_TABLE_AUTO,
	NT_QUICK_TABLE_OFF,
	NT_QUICK_TABLE_ID,
};

/**
 * struct nt_quick_item - one value of a key that may repeat, with its line
 * @text: the value as written (a hook's command, a DNS entry)
 * @line: the line of the file
 */
struct nt_quick_item {
	char *text;
	unsigned int line;
};

/**
 * struct nt_quick_address - one Address
 * @ip: the address and its prefix length (host bits kept)
 * @line: the line of the file
 */
struct nt_quick_address {
	struct tunctl_allowedip ip;
	unsigned int line;
};

/**
 * struct nt_quick_config - a parsed wg-quick style file
 * @name: the interface name (the file's name without ".conf")
 * @path: the file, as given or found
 * @dev: the tunnel configuration (what strip prints), for setconf
 * @addrs: the Addresses, in file order
 * @addrs_len: their number
 * @allowed: every AllowedIPs entry of the peers, host bits cleared, with its
 *	line (for the messages of route errors)
 * @allowed_len: their number
 * @dns: the DNS entries, in file order (servers and search domains)
 * @dns_len: their number
 * @mtu: the MTU, 0 when not given
 * @mtu_line: its line
 * @table: what Table says
 * @table_id: the table for NT_QUICK_TABLE_ID
 * @table_text: Table as written (NULL when not given), for save
 * @table_line: its line
 * @hooks: the hooks of each stage, in file order
 * @hooks_len: their numbers
 * @save_config: SaveConfig = true
 * @save_config_given: SaveConfig was given
 * @stripped: what strip prints
 * @stripped_len: its length
 */
struct nt_quick_config {
	char name[IFNAMSIZ];
	char *path;
	struct tunctl_device *dev;
	struct nt_quick_address *addrs;
	size_t addrs_len;
	struct nt_quick_address *allowed;
	size_t allowed_len;
	struct nt_quick_item *dns;
	size_t dns_len;
	uint32_t mtu;
	unsigned int mtu_line;
	enum nt_quick_table table;
	uint32_t table_id;
	char *table_text;
	unsigned int table_line;
	struct nt_quick_item *hooks[NT_QUICK_STAGES];
	size_t hooks_len[NT_QUICK_STAGES];
	bool save_config;
	bool save_config_given;
	char *stripped;
	size_t stripped_len;
};

/**
 * nt_quick_parse() - parse a wg-quick style file held in memory
 * @where: the file's name, for messages ("nt0.conf:3: ...")
 * @text: the contents
 * @len: the length of @text
 *
 * Every error names the line. @name and @path are left empty.
 *
 * Return: the configuration, or NULL after errors were reported.
 */
struct nt_quick_config *nt_quick_parse(const char *where, const char *text,
				       size_t len);

/**
 * nt_quick_free() - free a configuration, wiping its keys
 * @q: the configuration, may be NULL
 */
void nt_quick_free(struct nt_quick_config *q);

/**
 * nt_quick_is_server() - whether a DNS entry is a server (an IP address)
 * rather than a search domain
 * @entry: the entry
 *
 * Return: true for an IPv4 or IPv6 address.
 */
bool nt_quick_is_server(const char *entry);

/**
 * nt_quick_print_save() - the file that save writes: the wg-quick keys of
 * @q, then the configuration of the running device
 * @out: the stream
 * @q: the file's configuration
 * @running: the device as read back
 */
void nt_quick_print_save(FILE *out, const struct nt_quick_config *q,
			 const struct tunctl_device *running);

/**
 * nt_quick_main() - the up, down, save and strip subcommands
 * @argc: argument count, the subcommand's name included
 * @argv: the arguments, argv[0] being the subcommand's name
 *
 * Return: the exit status, 0 or 1.
 */
int nt_quick_main(int argc, const char *argv[]);

#endif /* TUNCTL_QUICK_H */
