// SPDX-License-Identifier: GPL-2.0
/*
 * Error reporting with the tool, subcommand and input position as prefix.
 */
#include <stdarg.h>
#include <stdio.h>

#include "error.h"

FILE *nt_error_stream;
const char *nt_error_subcommand;
const char *nt_error_where;
const char *nt_error_file;
unsigned int nt_error_line;

static void print_message(const char *kind, const char *fmt, va_list ap)
{
	FILE *out = nt_error_stream ? nt_error_stream : stderr;

	fputs("tunctl: ", out);
	if (nt_error_subcommand)
		fprintf(out, "%s: ", nt_error_subcommand);
	if (nt_error_where)
		fprintf(out, "%s: ", nt_error_where);
	else if (nt_error_file)
		fprintf(out, "%s:%u: ", nt_error_file, nt_error_line);
	fputs(kind, out);
	vfprintf(out, fmt, ap);
	fputc('\n', out);
	fflush(out);
}

void nt_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_message("", fmt, ap);
	va_end(ap);
}

void nt_verror(const char *fmt, va_list ap)
{
	print_message("", fmt, ap);
}

void nt_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_message("warning: ", fmt, ap);
	va_end(ap);
}
