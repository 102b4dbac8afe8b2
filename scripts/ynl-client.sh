#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's YNL client (tools/net/ynl: cli.py and its lib, with the
# schemas of Documentation/netlink/), for driving the noisetun family from
# module/uapi/noisetun.yaml in the test VM (selftests/netns/57-ynl.sh).
#
# Debian 12's linux-source-6.1 has no tools/net/ynl (it arrived in 6.3),
# so it comes from Debian 13 trixie's linux-source-6.12, the newest
# kernel source of a stable Debian release: fetched (not installed) by
# make deps through scripts/fetch-debian.sh, and only the client's files
# are unpacked from its tarball, once per version, next to it in the
# cache.
#
# Usage: scripts/ynl-client.sh [--path]
#   Print the directory holding tools/net/ynl and Documentation/netlink
#   (unpacking them first if needed). --path: only if already unpacked,
#   without fetching or unpacking (exit 1 otherwise).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
suite=trixie pkg=linux-source-6.12

src=$("$here/fetch-debian.sh" --path "$suite" "$pkg") || {
	[ "${1:-}" = --path ] && exit 1
	"$here/fetch-debian.sh" "$suite" "$pkg" >/dev/null || exit 1
	src=$("$here/fetch-debian.sh" --path "$suite" "$pkg")
}
tarball=$(ls "$src"/usr/src/linux-source-*.tar.xz 2>/dev/null | head -n 1)
[ -n "$tarball" ] || { echo "ynl-client: no tarball in $src" >&2; exit 1; }
stamp=$(stat -c %Y-%s "$tarball")
out=$src.ynl
if [ ! -e "$out/.stamp" ] || [ "$(cat "$out/.stamp")" != "$stamp" ]; then
	[ "${1:-}" = --path ] && exit 1
	echo "ynl-client: unpacking tools/net/ynl from $(basename "$tarball") (once)" >&2
	rm -rf "$out.tmp"
	mkdir -p "$out.tmp"
	tar -xJf "$tarball" -C "$out.tmp" --strip-components=1 --wildcards \
		'*/tools/net/ynl/cli.py' '*/tools/net/ynl/lib/*.py' \
		'*/Documentation/netlink/*.yaml'
	echo "$stamp" >"$out.tmp/.stamp"
	rm -rf "$out"
	mv "$out.tmp" "$out"
fi
echo "$out"
