/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tab-separated printers: `show IFACE FIELD` for each field word and
 * `show IFACE dump`, in wg's format byte for byte.
 */
#ifndef TUNCTL_DUMP_H
#define TUNCTL_DUMP_H

#include <stdbool.h>
#include <stdio.h>

struct tunctl_device;

/* The field words, comma separated, for usage and error messages. */
extern const char nt_dump_field_list[];

/**
 * nt_dump_is_field() - whether @field is a `show IFACE FIELD` word
 * @field: the word
 *
 * Return: true if nt_dump_print_field() knows it.
 */
bool nt_dump_is_field(const char *field);

/**
 * nt_dump_print_field() - one tab-separated field form, or `dump`
 * @out: the stream
 * @dev: the device
 * @field: a word accepted by nt_dump_is_field()
 * @with_name: prefix each line with the interface name (`show all`)
 */
void nt_dump_print_field(FILE *out, const struct tunctl_device *dev,
			 const char *field, bool with_name);

#endif /* TUNCTL_DUMP_H */
