// SPDX-License-Identifier: GPL-2.0
/*
 * tunctl genkey | genpsk: a new key from libsodium's random bytes; no
 * kernel involved.
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "error.h"
#include "genkey.h"
#include "key.h"
#include "subcommands.h"

int nt_genkey_main(int argc, const char *argv[])
{
	uint8_t key[NOISETUN_KEY_LEN];
	char b64[NT_KEY_B64_LEN + 1];
	struct stat st;
	int ret;

	ret = nt_subcommand_check_args(argc, argv, argv[0], argc == 1,
				       "takes no arguments, got '%s'", argv[1]);
	if (ret >= 0)
		return ret;
	/* The same warning as wg: a key file others can read is no secret. */
	if (!fstat(STDOUT_FILENO, &st) && S_ISREG(st.st_mode) &&
	    (st.st_mode & S_IRWXO))
		fputs("Warning: writing to world accessible file.\nConsider setting the umask to 077 and trying again.\n",
		      stderr);
	if (!strcmp(argv[0], "genpsk"))
		nt_key_generate_preshared(key);
	else
		nt_key_generate_private(key);
	nt_key_to_base64(b64, key);
	puts(b64);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(b64, sizeof(b64));
	return fflush(stdout) ? 1 : 0;
}
