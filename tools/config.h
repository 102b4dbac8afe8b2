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
 *          (no private key, port 0, fwmark off, unknown-peer events
 *          off, only the file's peers)
 *
 * Return: the change, or NULL after errors were reported with nt_error().
 */
struct tunctl_device *nt_config_parse(const char *where, const char *text,
				      size_t len, bool append);

/**
 * struct nt_config_extra - the keys another format adds to the file
 *                          (wg-quick's Address, DNS, MTU, ...)
 * @key: called for each key the parser does not know, with the line's
 *       number, its section ("[Interface]", "[Peer]", or NULL before the
 *       first), the key and value without whitespace, and the line as
 *       written (no newline, comment included); error messages it gives
 *       with nt_error() carry the file and line. It returns 1 when it
 *       took the key, 0 when the key is not its either (the parser refuses
 *       it), -1 after reporting an error.
 * @endpoint: when set, called for each Endpoint instead of resolving it,
 *            with the line's number, the index of its peer in the
 *            device's array and the value without whitespace; the peer
 *            gets no endpoint. It returns false after reporting an error.
 *            (tunctl reresolve: the names themselves are what it needs.)
 * @ctx: passed to @key and @endpoint
 */
struct nt_config_extra {
	int (*key)(void *ctx, unsigned int line, const char *section,
		   const char *key, const char *value, const char *raw,
		   size_t raw_len);
	bool (*endpoint)(void *ctx, unsigned int line, size_t peer,
			 const char *value);
	void *ctx;
};

/**
 * nt_config_parse_extra() - nt_config_parse() for a format with more keys
 * @where: as for nt_config_parse()
 * @text: as for nt_config_parse()
 * @len: as for nt_config_parse()
 * @append: as for nt_config_parse()
 * @extra: who takes the keys the parser does not know, may be NULL
 *
 * Return: the change, or NULL after errors were reported.
 */
struct tunctl_device *nt_config_parse_extra(const char *where, const char *text,
					    size_t len, bool append,
					    const struct nt_config_extra *extra);

/**
 * nt_config_parse_file() - read and parse a configuration file
 * @path: the file
 * @append: as for nt_config_parse()
 *
 * Return: the change, or NULL after errors were reported.
 */
struct tunctl_device *nt_config_parse_file(const char *path, bool append);

/**
 * nt_config_read_file() - the whole text of a configuration file
 * @path: the file
 * @lenp: receives its length
 *
 * Return: the text with a NUL after it (it may hold others), to wipe with
 * sodium_memzero() and free(); or NULL after an error was reported.
 */
char *nt_config_read_file(const char *path, size_t *lenp);

#endif /* TUNCTL_CONFIG_H */
