/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsers of single values (ports, marks, keys, endpoints, allowed IPs),
 * shared by the argv parser (setargs.c) and the config parser (config.c).
 *
 * Each takes the name of the setting as the user spelled it ("listen-port"
 * on the command line, "ListenPort" in a file) so that its error message
 * names the word, quotes the bad value and says what was expected, e.g.
 *   'listen-port' expects a port 0-65535, got '70000'
 * Each returns true on success; on failure it has reported the error and
 * left its output in an unspecified (but wiped, for keys) state.
 *
 * At the end, the lookup of a word in a table of names (keys, words,
 * fields), which every parser of tunctl shares.
 */
#ifndef TUNCTL_VALUE_H
#define TUNCTL_VALUE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

#include "model.h"

/*
 * Whether endpoints may name hosts to resolve (true by default). The
 * fuzzers turn it off so that random names never reach a DNS server.
 */
extern bool nt_value_resolve_names;

/**
 * nt_value_parse_bool() - true or false, in any case
 * @name: the setting's name, for messages
 * @text: the value
 * @value: receives it
 *
 * Return: true on success.
 */
bool nt_value_parse_bool(const char *name, const char *text, bool *value);

/**
 * nt_value_is_description() - whether text may be a peer's description:
 *                             UTF-8 in its shortest form, no control
 *                             characters (the kernel's rule)
 * @text: the bytes
 * @len: how many (the length limit is the caller's)
 *
 * Return: true if it may.
 */
bool nt_value_is_description(const char *text, size_t len);

/**
 * nt_value_parse_description() - a peer's description, at most
 *                                NOISETUN_DESCRIPTION_MAX bytes
 * @name: the setting's name, for messages
 * @text: the value ("" clears the description)
 * @peer: receives it, with TUNCTL_PEER_HAS_DESCRIPTION
 *
 * Return: true on success.
 */
bool nt_value_parse_description(const char *name, const char *text,
				struct tunctl_peer *peer);

/**
 * nt_value_parse_port() - a UDP port, 0-65535, decimal
 * @name: the setting's name, for messages
 * @text: the value
 * @port: receives the port
 *
 * Return: true on success.
 */
bool nt_value_parse_port(const char *name, const char *text, uint16_t *port);

/**
 * nt_value_parse_fwmark() - a mark, 0-0xffffffff in decimal or 0x hex, or "off"
 * @name: the setting's name, for messages
 * @text: the value
 * @mark: receives the mark (0 for "off")
 *
 * Return: true on success.
 */
bool nt_value_parse_fwmark(const char *name, const char *text, uint32_t *mark);

/**
 * nt_value_parse_keepalive() - seconds 0-65535 in decimal, or "off"
 * @name: the setting's name, for messages
 * @text: the value
 * @seconds: receives the interval (0 for "off")
 *
 * Return: true on success.
 */
bool nt_value_parse_keepalive(const char *name, const char *text,
			      uint16_t *seconds);

/**
 * nt_value_parse_key() - a base64 key
 * @name: the setting's name, for messages
 * @text: the value
 * @key: receives the key
 * @secret: true for private and preshared keys, whose text is not echoed
 *
 * Return: true on success.
 */
bool nt_value_parse_key(const char *name, const char *text,
			uint8_t key[NOISETUN_KEY_LEN], bool secret);

/**
 * nt_value_read_keyfile() - a key read from a file, as wg reads one
 * @name: the setting's name, for messages
 * @path: the file; an empty file (such as /dev/null) gives the zero key
 * @key: receives the key
 *
 * The file holds the 44 characters of the key, then optionally whitespace.
 *
 * Return: true on success.
 */
bool nt_value_read_keyfile(const char *name, const char *path,
			   uint8_t key[NOISETUN_KEY_LEN]);

/**
 * nt_value_read_key() - read one base64 key from a stream: its 44
 * characters, then nothing but whitespace (how wg reads key files and
 * `pubkey` input)
 * @f: the stream
 * @key: receives the key
 * @empty_ok: an empty stream gives the zero key ("remove the key")
 *
 * Return: NULL on success, else a phrase saying what is wrong (never the
 * key's text).
 */
const char *nt_value_read_key(FILE *f, uint8_t key[NOISETUN_KEY_LEN],
			      bool empty_ok);

/**
 * nt_value_is_space() - the whitespace that config lines and key files
 * may hold: space, \t, \n, \r, \v, \f
 * @c: the character
 *
 * Return: true for whitespace.
 */
static inline bool nt_value_is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '\v' || c == '\f';
}

/**
 * nt_value_parse_endpoint() - HOST:PORT or [IPv6]:PORT, names resolved
 * @name: the setting's name, for messages
 * @text: the value
 * @endpoint: receives the address
 *
 * Return: true on success.
 */
bool nt_value_parse_endpoint(const char *name, const char *text,
			     union tunctl_endpoint *endpoint);

/**
 * nt_value_parse_allowedips() - a comma-separated list of [+|-]IP[/CIDR]
 * @name: the setting's name, for messages
 * @text: the value, without whitespace; empty means "no ranges"
 * @peer: receives the ranges; a '+' or '-' on any range turns the list
 *        into an incremental change (no TUNCTL_PEER_REPLACE_ALLOWEDIPS)
 *
 * Without a prefix length an address means a single host (/32 or /128).
 * Host bits beyond the prefix are accepted with a warning (the kernel
 * clears them), as wg does.
 *
 * Return: true on success.
 */
bool nt_value_parse_allowedips(const char *name, const char *text,
			       struct tunctl_peer *peer);

/**
 * nt_value_clear_host_bits() - clear an allowed IP's bits beyond its prefix
 * @aip: the range, its family and cidr valid
 *
 * Return: whether any of those bits was set.
 */
bool nt_value_clear_host_bits(struct tunctl_allowedip *aip);

/**
 * nt_value_strip_spaces() - copy a string without its whitespace
 * @text: the input
 *
 * Return: a new string to free(), or NULL on allocation failure.
 */
char *nt_value_strip_spaces(const char *text);

/**
 * struct nt_value_named - a number and its name, the entry of a table
 *                         that nt_value_find_name() searches
 * @name: the name
 * @value: the number
 */
struct nt_value_named {
	const char *name;
	uint32_t value;
};

/**
 * nt_value_find_name() - look a word up in a table of named entries
 * @table: the entries, each starting with its name (a const char *), or
 *         an array of names
 * @count: how many entries
 * @size: the size of one
 * @name: the word
 * @ignore_case: compare as strcasecmp() does (a file's keys), else
 *               exactly
 *
 * NT_VALUE_FIND_NAME() gives @count and @size of an array.
 *
 * Return: the index of the first entry so named, or -1 when none is.
 */
int nt_value_find_name(const void *table, size_t count, size_t size,
		       const char *name, bool ignore_case);

#define NT_VALUE_FIND_NAME(table, name, ignore_case)			\
	nt_value_find_name(table, sizeof(table) / sizeof((table)[0]),	\
			   sizeof((table)[0]), name, ignore_case)

#endif /* TUNCTL_VALUE_H */
