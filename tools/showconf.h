/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunctl showconf IFACE, and its printer: the configuration as a file
 * that setconf accepts, in wg's exact layout.
 */
#ifndef TUNCTL_SHOWCONF_H
#define TUNCTL_SHOWCONF_H

#include <stdio.h>

struct tunctl_device;

/**
 * nt_showconf_print() - the configuration text of a device
 * @out: the stream
 * @dev: the device
 */
void nt_showconf_print(FILE *out, const struct tunctl_device *dev);

/**
 * nt_showconf_main() - the `showconf` subcommand
 * @argc: argument count, the subcommand's name included
 * @argv: the arguments, argv[0] being "showconf"
 *
 * Return: the exit status, 0 or 1.
 */
int nt_showconf_main(int argc, const char *argv[]);

#endif /* TUNCTL_SHOWCONF_H */
