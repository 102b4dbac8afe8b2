/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KTAP result lines for the unit tests that include it: report() prints
 * "ok N - ..." or "not ok N - ..." and counts the failures; the test's
 * main() prints the plan and the summary from test_number and failed_tests.
 */
#ifndef NT_UNIT_KTAP_H
#define NT_UNIT_KTAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int test_number;
static int failed_tests;

static void report(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void report(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++test_number);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		++failed_tests;
}

#endif /* NT_UNIT_KTAP_H */
