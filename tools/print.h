/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The printers of the device model: human (show), tab-separated fields
 * and dump (show IFACE FIELD), JSON (show --json) and the configuration
 * text (showconf). Their formats are wg(8)'s, byte for byte, except JSON,
 * which wg lacks.
 */
#ifndef TUNCTL_PRINT_H
#define TUNCTL_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct tunctl_device;
union tunctl_endpoint;
struct tunctl_allowedip;

/**
 * nt_print_endpoint() - "1.2.3.4:51820" or "[fd00::1]:51820"
 * @buf: receives the text
 * @len: size of @buf
 * @endpoint: the address
 *
 * Return: @buf.
 */
char *nt_print_endpoint(char *buf, size_t len,
			const union tunctl_endpoint *endpoint);

/**
 * nt_print_allowedip() - "10.0.0.0" or "fd00::" without the prefix length
 * @buf: receives the text, at least INET6_ADDRSTRLEN bytes
 * @len: size of @buf
 * @aip: the range
 *
 * Return: @buf.
 */
char *nt_print_allowedip(char *buf, size_t len, const struct tunctl_allowedip *aip);

/**
 * nt_print_human() - the `show` text, peers by latest handshake
 * @out: the stream
 * @dev: the device
 * @colour: use wg's ANSI colours
 */
void nt_print_human(FILE *out, const struct tunctl_device *dev, bool colour);

/**
 * nt_print_colour_wanted() - whether human output is coloured: on a tty,
 * unless WG_COLOR_MODE says "always" or "never"
 * @out: the stream
 *
 * Return: true for colour.
 */
bool nt_print_colour_wanted(FILE *out);

/**
 * nt_print_is_field() - whether @field is a `show IFACE FIELD` word
 * @field: the word
 *
 * Return: true if nt_print_field() knows it.
 */
bool nt_print_is_field(const char *field);

/**
 * nt_print_field() - one tab-separated field form, or `dump`
 * @out: the stream
 * @dev: the device
 * @field: a word accepted by nt_print_is_field()
 * @with_name: prefix each line with the interface name (`show all`)
 */
void nt_print_field(FILE *out, const struct tunctl_device *dev, const char *field,
		    bool with_name);

/* The field words, comma separated, for usage and error messages. */
extern const char nt_print_field_list[];

/**
 * nt_print_json() - the JSON document of a list of devices
 * @out: the stream
 * @devs: the devices
 * @count: how many
 */
void nt_print_json(FILE *out, struct tunctl_device *const *devs, size_t count);

/**
 * nt_print_json_names() - the JSON document of `show interfaces --json`:
 * the same shape as nt_print_json(), each interface with its name only
 * @out: the stream
 * @names: NULL-terminated list of names
 */
void nt_print_json_names(FILE *out, char *const *names);

/**
 * nt_print_showconf() - the configuration text, for setconf
 * @out: the stream
 * @dev: the device
 */
void nt_print_showconf(FILE *out, const struct tunctl_device *dev);

#endif /* TUNCTL_PRINT_H */
