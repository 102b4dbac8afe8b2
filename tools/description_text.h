/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's rule for a peer's description text (module/netlink.c), for
 * the programs that must judge one as it does: tunctl, which refuses a bad
 * one before asking, and the netlink fuzzer, which predicts the kernel's
 * answer.
 */

#ifndef NT_DESCRIPTION_TEXT_H
#define NT_DESCRIPTION_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * @s, @len bytes: UTF-8 in its shortest form, no surrogates, nothing
 * beyond U+10FFFF, no control characters (C0, DEL, C1). The length limit
 * is the caller's.
 */
static inline bool nt_description_text_ok(const unsigned char *s, size_t len)
{
	size_t i = 0, k, n;
	uint32_t cp, min;

	while (i < len) {
		if (s[i] < 0x80) {
			if (s[i] < 0x20 || s[i] == 0x7f)
				return false;
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			n = 1, cp = s[i] & 0x1f, min = 0x80;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			n = 2, cp = s[i] & 0x0f, min = 0x800;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			n = 3, cp = s[i] & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
			return false;
		i += n + 1;
	}
	return true;
}

#endif /* NT_DESCRIPTION_TEXT_H */
