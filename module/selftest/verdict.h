/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The last line of a self-test that counts its checks, included by the
 * self-tests of module/selftest/ that log it.
 */

#ifndef _NT_SELFTEST_VERDICT_H
#define _NT_SELFTEST_VERDICT_H

#include <linux/printk.h>
#include <linux/types.h>

/**
 * selftest_verdict() - log a self-test's result
 * @name: the part tested, as in "@name self-tests: pass (N checks)"
 * @checks: the checks made
 * @failures: how many of them failed
 *
 * Return: true when none failed.
 */
static inline bool selftest_verdict(const char *name, unsigned int checks,
				    unsigned int failures)
{
	if (!failures) {
		pr_info("%s self-tests: pass (%u checks)\n", name, checks);
		return true;
	}
	pr_err("%s self-tests: FAIL (%u of %u checks)\n", name, failures,
	       checks);
	return false;
}

#endif /* _NT_SELFTEST_VERDICT_H */
