/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunctl show [{IFACE | all | interfaces} [FIELD]] [--json]: devices as
 * they are, printed by human.c, dump.c or json.c.
 */
#ifndef TUNCTL_SHOW_H
#define TUNCTL_SHOW_H

/**
 * nt_show_main() - the `show` subcommand, and what tunctl runs without one
 * @argc: argument count, the subcommand's name included
 * @argv: the arguments, argv[0] being "show"
 *
 * Return: the exit status, 0 or 1.
 */
int nt_show_main(int argc, const char *argv[]);

#endif /* TUNCTL_SHOW_H */
