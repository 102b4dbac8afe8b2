// SPDX-License-Identifier: GPL-2.0
/*
 * tunctl pubkey: the public key of a private key, read from stdin as wg
 * reads a key file; no kernel involved.
 */
#include <stdio.h>

#include <sodium.h>

#include "error.h"
#include "key.h"
#include "pubkey.h"
#include "subcommands.h"
#include "value.h"

int nt_pubkey_main(int argc, const char *argv[])
{
	uint8_t priv[NOISETUN_KEY_LEN], pub[NOISETUN_KEY_LEN];
	char text[NT_KEY_B64_LEN + 1];
	const char *why;
	int ret = 1;

	ret = nt_subcommand_check_args(argc, argv, argv[0], argc == 1,
				       "takes no arguments (the private key comes on stdin), got '%s'",
				       argv[1]);
	if (ret >= 0)
		return ret;
	ret = 1;
	why = nt_value_read_key(stdin, priv, false);
	if (why) {
		nt_error("expects one base64 private key on standard input (44 characters ending in '='), got input not shown here (it is secret): %s",
			 why);
		goto out;
	}
	if (nt_key_public_from_private(pub, priv)) {
		nt_error("cannot compute the public key");
		goto out;
	}
	nt_key_to_base64(text, pub);
	puts(text);
	ret = fflush(stdout) ? 1 : 0;
out:
	sodium_memzero(priv, sizeof(priv));
	return ret;
}
