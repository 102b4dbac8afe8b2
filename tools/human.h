/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The human `show` printer: wg's words, layout and ANSI colours, byte
 * for byte.
 */
#ifndef TUNCTL_HUMAN_H
#define TUNCTL_HUMAN_H

#include <stdbool.h>
#include <stdio.h>

struct tunctl_device;

/**
 * nt_human_print() - the `show` text, peers by latest handshake
 * @out: the stream
 * @dev: the device
 * @colour: use wg's ANSI colours
 */
void nt_human_print(FILE *out, const struct tunctl_device *dev, bool colour);

/**
 * nt_human_print_stats() - the `show IFACE stats` text: the device's
 * handshake counters and drops, then each peer's, in the kernel's order
 * @out: the stream
 * @dev: the device
 * @colour: use wg's ANSI colours
 */
void nt_human_print_stats(FILE *out, const struct tunctl_device *dev,
			  bool colour);

/**
 * nt_human_wants_colour() - whether human output is coloured: on a tty,
 * unless WG_COLOR_MODE says "always" or "never"
 * @out: the stream
 *
 * Return: true for colour.
 */
bool nt_human_wants_colour(FILE *out);

#endif /* TUNCTL_HUMAN_H */
