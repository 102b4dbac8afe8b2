/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The parser of configuration files, in wg(8)'s format:
 *
 *   [Interface]
 *   PrivateKey = BASE64
 *   ListenPort = PORT
 *   FwMark = MARK | off
 *
 *   [Peer]
 *   PublicKey = BASE64
 *   PresharedKey = BASE64
 *   AllowedIPs = IP[/CIDR][, ...]      (may repeat)
 *   Endpoint = HOST:PORT | [IPv6]:PORT
 *   PersistentKeepalive = SECONDS | off
 *
 * '#' starts a comment; all whitespace is ignored, as wg ignores it; keys
 * and section names are case-insensitive. Stricter than wg: [Interface]
 * comes at most once and before any [Peer], a key appears once per
 * section (AllowedIPs excepted), a public key once per file.
 */
#ifndef TUNCTL_CONFIG_H
#define TUNCTL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct tunctl_device;

/**
 * nt_config_parse() - parse a whole configuration held in memory
 * @where: the file's name, used in messages ("wg0.conf:3: ...")
 * @text: the contents
 * @len: length of @text; NUL bytes are refused
 * @append: true for addconf (only what the file names changes); false for
 *          setconf and syncconf, where what the file leaves out is reset
 *          (no private key, port 0, fwmark off, only the file's peers)
 *
 * Return: the change, or NULL after errors were reported with nt_error().
 */
struct tunctl_device *nt_config_parse(const char *where, const char *text,
				      size_t len, bool append);

/**
 * nt_config_parse_file() - read and parse a configuration file
 * @path: the file
 * @append: as for nt_config_parse()
 *
 * Return: the change, or NULL after errors were reported.
 */
struct tunctl_device *nt_config_parse_file(const char *path, bool append);

#endif /* TUNCTL_CONFIG_H */
