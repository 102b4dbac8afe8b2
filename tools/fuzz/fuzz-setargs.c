// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of the `tunctl set` word parser (setargs.c).
 *
 * The input is the words after `set IFACE`, one per line (a NUL ends a
 * word early). The values of private-key and preshared-key name key files:
 * the harness maps each to a file of its own directory, named by the
 * value's letters and digits (so the fuzzer never opens a path of the
 * host): f holds a valid key, z an all-zero key, e is empty, n holds a key
 * and a newline, g is garbage, l a key with trailing garbage; any other
 * name does not exist.
 *
 * A change that parses must print with every printer and survive the
 * split into SET_DEVICE requests (fuzz.h).
 */
#include <limits.h>
#include <unistd.h>

#include "fuzz.h"
#include "setargs.h"

#define MAX_WORDS 512

static char keydir[] = "/tmp/tunctl-fuzz-setargs.XXXXXX";

static void put_file(const char *name, const char *text)
{
	char path[sizeof(keydir) + 16];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", keydir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		abort();
	}
}

static void remove_keydir(void)
{
	static const char *const names[] = { "f", "z", "e", "n", "g", "l" };
	char path[sizeof(keydir) + 16];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", keydir, names[i]);
		unlink(path);
	}
	rmdir(keydir);
}

/* The key files the words name, in a directory removed at exit. */
static void fuzz_setup_harness(void)
{
	if (!mkdtemp(keydir)) {
		perror(keydir);
		abort();
	}
	atexit(remove_keydir);
	put_file("f", "uKZ7OilsoTmfYzoMX/UhOya8S5taTTKAl3ZEFOyd5l8=\n");
	put_file("z", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
	put_file("e", "");
	put_file("n", "P4uC4tVsLTgOpa1pl7vbAaDCva8qRytf7l+EwKW2ZQQ=\n\n \t\n");
	put_file("g", "not a key at all, but long enough to be read as one\n");
	put_file("l", "SZlASiUkFE36ZPNDXtqQ6HHoltmPkODKyNC+B+9JAjY=x\n");
}

/* The path a key-file word stands for: KEYDIR/ and its letters and digits. */
static char *key_path(const char *word)
{
	char *path = malloc(sizeof(keydir) + 1 + strlen(word) + 1), *o;

	if (!path)
		abort();
	o = path + sprintf(path, "%s/", keydir);
	for (; *word; word++) {
		if ((*word >= 'a' && *word <= 'z') || (*word >= '0' && *word <= '9'))
			*o++ = *word;
	}
	*o = '\0';
	return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *argv[MAX_WORDS];
	char *text, *mapped[MAX_WORDS], *word, *rest;
	struct tunctl_device *dev;
	int argc = 0, i;

	text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	rest = text;
	while (argc < MAX_WORDS && (word = strsep(&rest, "\n"))) {
		mapped[argc] = NULL;
		if (argc && (!strcmp(argv[argc - 1], "private-key") ||
			     !strcmp(argv[argc - 1], "preshared-key")))
			word = mapped[argc] = key_path(word);
		argv[argc++] = word;
	}
	dev = nt_setargs_parse(argc, argv);
	if (dev) {
		fuzz_print_all(dev);
		fuzz_set_roundtrips(dev);
		nt_model_device_free(dev);
	}
	for (i = 0; i < argc; i++)
		free(mapped[i]);
	free(text);
	return 0;
}
