#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make lint: checkpatch --strict over the kernel sources and headers, then
# sparse over the module (kbuild C=2). Fails on any warning.
#
# checkpatch.pl, spelling.txt and const_structs.checkpatch come from
# Debian's linux-source-6.1 tarball and are cached in .cache/checkpatch/.
#
# Ignored checkpatch types, and why:
#   FILE_PATH_CHANGES  only meaningful for patches (MAINTAINERS updates).
#   LINUX_VERSION_CODE, CONSTANT_COMPARISON
#                      module/compat.h only: it is the one place where
#                      kernel-version differences live (Documentation/style.md
#                      "Build"), written the usual way, LINUX_VERSION_CODE >=
#                      KERNEL_VERSION().
#   BIT_MACRO          module/uapi/ only: BIT() does not exist for userspace.
# Environment: KVER, KDIR, NOISETUN_VERSION (set by the Makefile).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
: "${MAKE:=make}"
cache=.cache/checkpatch
src_tar=/usr/src/linux-source-6.1.tar.xz
fail=0

if [ ! -x "$cache/checkpatch.pl" ]; then
	if [ ! -r "$src_tar" ]; then
		echo "lint: $src_tar missing (make deps installs linux-source-6.1)" >&2
		exit 1
	fi
	echo "lint: extracting checkpatch.pl from $src_tar (once)"
	tmp=$(mktemp -d)
	tar -C "$tmp" -xJf "$src_tar" --wildcards \
		'linux-source-*/scripts/checkpatch.pl' \
		'linux-source-*/scripts/spelling.txt' \
		'linux-source-*/scripts/const_structs.checkpatch' || { rm -rf "$tmp"; exit 1; }
	mkdir -p "$cache"
	cp "$tmp"/linux-source-*/scripts/{checkpatch.pl,spelling.txt,const_structs.checkpatch} "$cache/"
	rm -rf "$tmp"
fi

checkpatch() {
	perl "$cache/checkpatch.pl" --no-tree --strict --terse --show-types \
		--ignore FILE_PATH_CHANGES "$@" -f
}

mapfile -t files < <(find module crypto -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null | sort)
if [ ${#files[@]} -eq 0 ]; then
	echo "lint: no sources under module/ or crypto/"
	exit 1
fi

echo "lint: checkpatch --strict over ${#files[@]} files"
cp_out=$(mktemp)
for f in "${files[@]}"; do
	extra=()
	case "$f" in
	module/compat.h) extra=(--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON) ;;
	module/uapi/*) extra=(--ignore BIT_MACRO) ;;
	esac
	checkpatch "${extra[@]}" "$f" >>"$cp_out" 2>&1
done
# --terse prints "file:line: SEVERITY:TYPE: message" per problem.
cp_count=$(grep -c -E ': (ERROR|WARNING|CHECK):' "$cp_out")
if [ "$cp_count" -ne 0 ]; then
	grep -v '^total: 0 errors, 0 warnings, 0 checks' "$cp_out"
	fail=1
fi
echo "lint: checkpatch: $cp_count problem(s)"
rm -f "$cp_out"

echo "lint: sparse (kbuild C=2) for $KVER"
sp_out=$(mktemp)
$MAKE --no-print-directory module C=2 >"$sp_out" 2>&1
build_rc=$?
# Sparse reports as "file:line:col: warning|error: ..."; so does gcc.
sp_count=$(grep -c -E '(warning|error): ' "$sp_out")
if [ "$build_rc" -ne 0 ] || [ "$sp_count" -ne 0 ]; then
	grep -E '(warning|error)' "$sp_out" || tail -n 30 "$sp_out"
	fail=1
fi
[ "$build_rc" -ne 0 ] && echo "lint: module build failed (exit $build_rc)"
echo "lint: sparse: $sp_count warning(s)"
rm -f "$sp_out"

if [ "$fail" -ne 0 ]; then
	echo "lint: FAILED"
	exit 1
fi
echo "lint: clean"
