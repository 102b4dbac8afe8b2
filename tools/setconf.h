/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunctl setconf | addconf | syncconf IFACE FILE: a configuration file
 * applied to a device.
 */
#ifndef TUNCTL_SETCONF_H
#define TUNCTL_SETCONF_H

/**
 * nt_setconf_main() - the `setconf`, `addconf` and `syncconf` subcommands
 * @argc: argument count, the subcommand's name included
 * @argv: the arguments, argv[0] naming which of the three runs
 *
 * Return: the exit status, 0 or 1.
 */
int nt_setconf_main(int argc, const char *argv[]);

#endif /* TUNCTL_SETCONF_H */
