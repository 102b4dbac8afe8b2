/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunctl set IFACE WORDS...: one change given on the command line.
 */
#ifndef TUNCTL_SET_H
#define TUNCTL_SET_H

/**
 * nt_set_main() - the `set` subcommand
 * @argc: argument count, the subcommand's name included
 * @argv: the arguments, argv[0] being "set"
 *
 * Return: the exit status, 0 or 1.
 */
int nt_set_main(int argc, const char *argv[]);

#endif /* TUNCTL_SET_H */
