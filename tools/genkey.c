// SPDX-License-Identifier: GPL-2.0
/*
 * tunctl genkey | genpsk | pubkey: keys need no kernel.
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "error.h"
#include "key.h"
#include "subcommands.h"

int nt_genkey_main(int argc, const char *argv[])
{
	uint8_t key[NOISETUN_KEY_LEN];
	char b64[NT_KEY_B64_LEN + 1];
	struct stat st;

	if (nt_subcommand_wants_help(argc, argv)) {
		nt_subcommand_usage(stdout, argv[0]);
		return 0;
	}
	if (argc != 1) {
		nt_error("takes no arguments, got '%s'", argv[1]);
		nt_subcommand_usage(stderr, argv[0]);
		return 1;
	}
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

int nt_pubkey_main(int argc, const char *argv[])
{
	uint8_t priv[NOISETUN_KEY_LEN], pub[NOISETUN_KEY_LEN];
	char text[NT_KEY_B64_LEN + 2];
	enum nt_key_fault fault;
	size_t got;
	int c, ret = 1;

	if (nt_subcommand_wants_help(argc, argv)) {
		nt_subcommand_usage(stdout, argv[0]);
		return 0;
	}
	if (argc != 1) {
		nt_error("takes no arguments (the private key comes on stdin), got '%s'",
			 argv[1]);
		nt_subcommand_usage(stderr, argv[0]);
		return 1;
	}
	got = fread(text, 1, NT_KEY_B64_LEN, stdin);
	text[got] = '\0';
	/* The key, then only whitespace, as wg pubkey accepts. */
	while ((c = getchar()) != EOF) {
		if (!strchr(" \t\n\r\v\f", c)) {
			nt_error("expects one private key on stdin, but more follows it");
			goto out;
		}
	}
	fault = nt_key_from_base64(priv, text);
	if (fault != NT_KEY_OK) {
		nt_error("expects a base64 private key on stdin (44 characters ending in '='), got a value (not echoed: it is secret) that is %s",
			 nt_key_fault_explain(fault));
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
	sodium_memzero(text, sizeof(text));
	return ret;
}
