/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The table of subcommands, and what they share: their usage text and
 * the recognition of a help word. Each subcommand (show.c, showconf.c,
 * set.c, setconf.c, genkey.c, pubkey.c, quick.c) takes its own name as argv[0],
 * returns the exit status, and prints its usage line from the table for
 * `--help` and after its errors.
 */
#ifndef TUNCTL_SUBCOMMANDS_H
#define TUNCTL_SUBCOMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/**
 * struct nt_subcommand - one entry of the dispatch table
 * @name: the word on the command line
 * @run: its function
 * @args: its arguments, for the usage text
 * @description: one line for the usage text
 */
struct nt_subcommand {
	const char *name;
	int (*run)(int argc, const char *argv[]);
	const char *args;
	const char *description;
};

/*
 * The dispatch table, in the order of the general usage, and its length.
 * One function may serve several names (setconf, addconf, syncconf).
 */
extern const struct nt_subcommand nt_subcommands[];
extern const size_t nt_subcommand_count;

/**
 * nt_subcommand_print_list() - print the general usage: every subcommand
 * @out: the stream
 */
void nt_subcommand_print_list(FILE *out);

/**
 * nt_subcommand_print_usage() - print "Usage: tunctl NAME ARGS" for a subcommand
 * @out: the stream
 * @name: the subcommand's name
 */
void nt_subcommand_print_usage(FILE *out, const char *name);

/**
 * nt_subcommand_wants_help() - whether the arguments are just a help word
 * @argc: argument count including the subcommand name
 * @argv: the arguments
 *
 * Return: true for "-h", "--help" or "help" as the only argument.
 */
bool nt_subcommand_wants_help(int argc, const char *argv[]);

/**
 * nt_subcommand_check_args() - a subcommand's help word and argument count
 * @argc: argument count including the subcommand name
 * @argv: the arguments
 * @name: the subcommand's name, for its usage
 * @args_ok: whether the arguments are what it takes
 * @fmt: the error when they are not, as for nt_error()
 *
 * Return: 0 after printing the usage on stdout for a help word; else 1
 * after the error and the usage on stderr unless @args_ok; else -1: the
 * subcommand goes on.
 */
int nt_subcommand_check_args(int argc, const char *argv[], const char *name,
			     bool args_ok, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#endif /* TUNCTL_SUBCOMMANDS_H */
