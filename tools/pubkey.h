/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunctl pubkey: the public key of the private key given on stdin.
 */
#ifndef TUNCTL_PUBKEY_H
#define TUNCTL_PUBKEY_H

/**
 * nt_pubkey_main() - the `pubkey` subcommand
 * @argc: argument count, the subcommand's name included
 * @argv: the arguments, argv[0] being "pubkey"
 *
 * Return: the exit status, 0 or 1.
 */
int nt_pubkey_main(int argc, const char *argv[]);

#endif /* TUNCTL_PUBKEY_H */
