/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunctl genkey | genpsk: a new private or preshared key on stdout.
 */
#ifndef TUNCTL_GENKEY_H
#define TUNCTL_GENKEY_H

/**
 * nt_genkey_main() - the `genkey` and `genpsk` subcommands
 * @argc: argument count, the subcommand's name included
 * @argv: the arguments, argv[0] naming which of the two runs
 *
 * Return: the exit status, 0 or 1.
 */
int nt_genkey_main(int argc, const char *argv[]);

#endif /* TUNCTL_GENKEY_H */
