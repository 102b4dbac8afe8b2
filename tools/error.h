/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Error reporting: every message reads
 *   tunctl: <subcommand>: [<file>:<line>: ]<what went wrong>
 * and names the offending word and what was expected.
 */
#ifndef TUNCTL_ERROR_H
#define TUNCTL_ERROR_H

#include <stdarg.h>
#include <stdio.h>

/* Where messages go; NULL means stderr (unit tests point it elsewhere). */
extern FILE *nt_error_stream;

/* The running subcommand ("set"), or NULL before dispatch. */
extern const char *nt_error_subcommand;

/* The input position ("wg0.conf:3"), or NULL outside a file. */
extern const char *nt_error_where;

/*
 * The same as a file and a line, for a reader that moves line by line
 * (the configuration parser): no text to format for every line. Used
 * when nt_error_where is NULL and nt_error_file is not.
 */
extern const char *nt_error_file;
extern unsigned int nt_error_line;

/**
 * nt_error() - print one error line with the prefixes above
 * @fmt: printf format of the message, without a trailing newline
 */
void nt_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * nt_verror() - nt_error() with a va_list
 */
void nt_verror(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/**
 * nt_warning() - like nt_error(), for accepted but suspicious input
 * @fmt: printf format of the message, without a trailing newline
 */
void nt_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* TUNCTL_ERROR_H */
