#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or find in the cache) the sanitizing debug kernel that
# `make check-debug` boots: Debian's linux-source-6.1, `allnoconfig` plus
# selftests/debug.config merged by scripts/kconfig/merge_config.sh, bzImage
# and modules, modules_install into a private directory. The build tree is
# kept: noisetun.ko is built against it (make module KDIR=... KVER=...).
#
# Usage: scripts/debug-kernel.sh [--config-only] [--rebuild]
#   --config-only  make and verify the .config in a scratch tree, build nothing
#   --rebuild      drop the cached build for this key and build again
#
# Cache: $NT_DEBUG_KERNEL_CACHE (default /var/cache/noisetun/debug-kernel, or
# ~/.cache/noisetun/debug-kernel when that cannot be created)/KEY,
# KEY = the first 16 hex digits of the sha256 of the fragment, the
# linux-source package version, the compiler's version and BUILD_REV
# below, so a change to any of them builds anew, and nothing else does.
# Cache entries unused for 14 days are removed after a successful build.
# KEY/ holds:
#   linux/         the build tree (KDIR)
#   bzImage        the kernel image
#   modules/       INSTALL_MOD_PATH: modules/lib/modules/RELEASE, depmod'ed
#   env            KVER= KDIR= NT_KERNEL_IMAGE= NT_MODULES_ROOT= (shell)
#   build.log      the build's output; complete: written last
#
# Environment: NT_DEBUG_KERNEL_CACHE, NT_LINUX_SOURCE (the tarball, default
# /usr/src/linux-source-6.1.tar.xz), NT_DEBUG_CONFIG (the fragment, default
# selftests/debug.config), NT_KERNEL_JOBS (make -j, default nproc).
#
# Prints progress, and as its last line NT_DEBUG_KERNEL_DIR=KEY-DIR.
# Exit 0 when the kernel is ready; 1 on a failure (the reason is printed:
# options the .config lacks, the end of the build log...).
set -euo pipefail

# Bump when a change to this script changes what it produces.
BUILD_REV=1

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${NT_DEBUG_KERNEL_CACHE:-/var/cache/noisetun/debug-kernel}
# Not root: the user's cache directory instead.
if [ -z "${NT_DEBUG_KERNEL_CACHE:-}" ] && ! mkdir -p "$cache" 2>/dev/null; then
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/noisetun/debug-kernel
fi
tarball=${NT_LINUX_SOURCE:-/usr/src/linux-source-6.1.tar.xz}
fragment=${NT_DEBUG_CONFIG:-$top/selftests/debug.config}
jobs=${NT_KERNEL_JOBS:-$(nproc 2>/dev/null || echo 2)}
config_only=0 rebuild=0
while [ $# -gt 0 ]; do
	case "$1" in
	--config-only) config_only=1; shift ;;
	--rebuild) rebuild=1; shift ;;
	*) echo "debug-kernel: unknown argument $1" >&2; exit 2 ;;
	esac
done

say() {
	echo "debug-kernel: $*"
}
die() {
	echo "debug-kernel: error: $*" >&2
	exit 1
}

[ -r "$tarball" ] || die "$tarball missing (make deps installs linux-source-6.1)"
[ -r "$fragment" ] || die "$fragment missing"
for c in gcc make flex bison bc perl xz; do
	command -v "$c" >/dev/null || die "$c missing (make deps)"
done
[ -e /usr/include/libelf.h ] || die "libelf-dev missing (make deps): objtool needs it"

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || true)
[ -n "$srcver" ] || srcver="tarball $(stat -c '%s %Y' "$tarball")"
ccver=$(gcc --version | head -n 1)
key=$({
	echo "rev $BUILD_REV"
	echo "source $srcver"
	echo "cc $ccver"
	cat "$fragment"
} | sha256sum | cut -c1-16)
dir=$cache/$key

# check_config CONFIG: every line of the fragment must be in CONFIG as
# written ("# CONFIG_X is not set" means: not =y/=m there). Prints the
# misses with what CONFIG has instead; returns 1 if there is any.
check_config() {
	local cfg=$1 line name want have missing=0
	while IFS= read -r line; do
		if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
			name=${BASH_REMATCH[1]} want=${BASH_REMATCH[2]}
			have=$(grep -m1 -E "^$name=|^# $name is not set" "$cfg" || true)
			[ "$have" = "$name=$want" ] && continue
		elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set ]]; then
			name=${BASH_REMATCH[1]} want=n
			have=$(grep -m1 -E "^$name=" "$cfg" || true)
			[ -z "$have" ] && continue
		else
			continue
		fi
		echo "  $name: asked ${want}, got ${have:-nothing (a dependency is missing)}"
		missing=$((missing + 1))
	done <"$fragment"
	[ "$missing" -eq 0 ]
}

# configure TREE: allnoconfig + the fragment, then the check.
configure() {
	local tree=$1 misses
	say "configuring: allnoconfig + $(basename "$fragment")"
	(cd "$tree" && ARCH=x86_64 scripts/kconfig/merge_config.sh -n "$fragment") >"$tree/merge.log" 2>&1 ||
		{ tail -n 30 "$tree/merge.log" >&2; die "merge_config.sh failed"; }
	if ! misses=$(check_config "$tree/.config"); then
		echo "debug-kernel: error: these options of $fragment are not in the .config:" >&2
		printf '%s\n' "$misses" >&2
		[ "$config_only" = 1 ] ||
			echo "debug-kernel: (scripts/kconfig/merge_config.sh's notes: $tree/merge.log)" >&2
		exit 1
	fi
	say "all $(grep -c -E '^(CONFIG_|# CONFIG_.* is not set)' "$fragment") options of the fragment are set"
}

if [ "$config_only" = 1 ]; then
	scratch=$(mktemp -d)
	trap 'rm -rf "$scratch"' EXIT
	say "extracting $tarball (scratch)"
	tar -C "$scratch" -xJf "$tarball"
	configure "$scratch"/linux-source-*
	exit 0
fi

mkdir -p "$cache"
# One build per key at a time: a second caller waits for the first.
exec 8>>"$cache/$key.lock"
if ! flock -n 8; then
	say "waiting for another build of $key"
	flock 8
fi

if [ "$rebuild" = 1 ]; then
	rm -rf "$dir"
fi
if [ -e "$dir/complete" ]; then
	touch "$dir/complete"
	say "cached: $dir ($(cat "$dir/complete"))"
	echo "NT_DEBUG_KERNEL_DIR=$dir"
	exit 0
fi

avail=$(df -P -k "$cache" | awk 'NR == 2 { print int($4 / 1024 / 1024) }')
[ "$avail" -ge 6 ] || die "only ${avail} GiB free under $cache; the build needs about 6"

rm -rf "$dir"
mkdir -p "$dir"
t0=$(date +%s)
say "building in $dir (key: linux-source $srcver, $(basename "$fragment"), $ccver; make -j$jobs)"
say "extracting $tarball"
tar -C "$dir" -xJf "$tarball"
mv "$dir"/linux-source-* "$dir/linux"
tree=$dir/linux
configure "$tree"

log=$dir/build.log
t1=$(date +%s)
say "make bzImage modules (log: $log)"
if ! make -C "$tree" ARCH=x86_64 -j"$jobs" bzImage modules >"$log" 2>&1; then
	grep -E 'error|Error|\*\*\*' "$log" | head -n 30 >&2 || true
	tail -n 20 "$log" >&2
	die "the kernel build failed (log: $log)"
fi
t2=$(date +%s)
release=$(make -s -C "$tree" ARCH=x86_64 kernelrelease)
rm -rf "$dir/modules"
make -C "$tree" ARCH=x86_64 INSTALL_MOD_PATH="$dir/modules" modules_install >>"$log" 2>&1 ||
	die "modules_install failed (log: $log)"
# modules_install runs depmod when it finds it; make sure modules.dep is there.
[ -e "$dir/modules/lib/modules/$release/modules.dep" ] ||
	depmod -b "$dir/modules" "$release"
rm -f "$dir/modules/lib/modules/$release/build" "$dir/modules/lib/modules/$release/source"
cp "$tree/arch/x86/boot/bzImage" "$dir/bzImage"
{
	printf 'KVER=%q\n' "$release"
	printf 'KDIR=%q\n' "$tree"
	printf 'NT_KERNEL_IMAGE=%q\n' "$dir/bzImage"
	printf 'NT_MODULES_ROOT=%q\n' "$dir/modules"
} >"$dir/env"
t3=$(date +%s)
echo "release $release, built in $((t3 - t0))s (extract+config $((t1 - t0))s, make $((t2 - t1))s, install $((t3 - t2))s) on $(date -u +%F)" >"$dir/complete"
say "built: $dir ($(cat "$dir/complete"), $(du -sh "$dir" | cut -f1))"

# Drop other builds nobody used for two weeks.
find "$cache" -mindepth 2 -maxdepth 2 -name complete -mtime +14 -printf '%h\n' 2>/dev/null |
while read -r old; do
	[ "$old" = "$dir" ] && continue
	say "removing $old (unused for 14 days)"
	rm -rf "$old" "$old.lock"
done
echo "NT_DEBUG_KERNEL_DIR=$dir"
