/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The `show --json` printer (wg has no JSON; the schema is in json.c and
 * tunctl(8)).
 */
#ifndef TUNCTL_JSON_H
#define TUNCTL_JSON_H

#include <stddef.h>
#include <stdio.h>

struct tunctl_device;

/**
 * nt_json_print() - the JSON document of a list of devices
 * @out: the stream
 * @devs: the devices
 * @count: how many
 */
void nt_json_print(FILE *out, struct tunctl_device *const *devs, size_t count);

/**
 * nt_json_print_names() - the JSON document of `show interfaces --json`:
 * the same shape as nt_json_print(), each interface with its name only
 * @out: the stream
 * @names: NULL-terminated list of names
 */
void nt_json_print_names(FILE *out, char *const *names);

/**
 * nt_json_print_string() - print a string as a JSON string, quoted and
 *                          escaped
 * @out: the stream
 * @s: the string
 */
void nt_json_print_string(FILE *out, const char *s);

#endif /* TUNCTL_JSON_H */
