#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bring one of the other Debian kernels that noisetun supports into the
# cache, ready to build against and boot, without installing anything on
# the host:
#
#   NAME  suite   kernel                      compiler it was built with
#   6.12  trixie  linux-image-ABI-amd64-unsigned        gcc-14
#   7.2   sid     linux-binary-ABI-amd64 + linux-modules-ABI-amd64  gcc-16
#
# ABI (e.g. 6.12.117+deb13) is the suite's current one, read from the
# linux-headers-amd64 metapackage's Depends, so a new upload is picked up
# on the next run. Three things are cached under
# $NT_DEBIAN_CACHE/SUITE/ (scripts/fetch-debian.sh's cache):
#
#   kernel-ABI/     the image and its modules (fetch-debian.sh --tree),
#                   depmod'ed; vmlinuz and the modules under
#                   kernel-ABI/(usr/)lib/modules/KVER
#   buildroot/      a minimal chroot of the suite (debootstrap
#                   --variant=minbase) with the compiler the kernel was
#                   built with (the headers package's Depends names it),
#                   make, pahole, kmod and dkms. The kernel's kbuild
#                   helpers need the suite's libc, newer than the host's,
#                   so the module is built in there (scripts/in-root.sh).
#                   The headers (linux-headers-ABI-amd64, -common,
#                   linux-kbuild-ABI) are unpacked into it unmodified.
#   KVER.env        KVER= KDIR= KROOT= NT_KERNEL_IMAGE= NT_MODULES_ROOT=
#                   (shell), written last
#
# Usage: scripts/debian-kernel.sh NAME        (6.12 or 7.2)
# Prints progress on stderr, and as its last line on stdout
# NT_DEBIAN_KERNEL_ENV=FILE. Exit 0 when ready, 1 on a failure (said why).
# Offline, what is cached is used (fetch-debian.sh warns).
#
# Environment: NT_DEBIAN_CACHE, NT_DEBIAN_MIRROR (as fetch-debian.sh).
set -euo pipefail

# Bump when a change here changes the build root's contents.
ROOT_REV=1

top=$(cd "$(dirname "$0")/.." && pwd)
fetch=$top/scripts/fetch-debian.sh
cache=${NT_DEBIAN_CACHE:-/var/cache/noisetun/debian}

say() {
	echo "debian-kernel: $*" >&2
}
die() {
	echo "debian-kernel: error: $*" >&2
	exit 1
}

[ $# -eq 1 ] || die "usage: $0 NAME (6.12 or 7.2)"
case "$1" in
6.12) suite=trixie ;;
7.2) suite=sid ;;
*) die "unknown kernel '$1' (6.12: Debian 13 trixie's; 7.2: sid's; 6.1 is the host's own)" ;;
esac
name=$1
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot)"
command -v debootstrap >/dev/null || die "debootstrap missing (make deps)"
sdir=$cache/$suite
mkdir -p "$sdir"
exec 7>"$sdir/.kernel.lock"
flock 7

# The current ABI, from the metapackage.
deps=$("$fetch" --show Depends "$suite" linux-headers-amd64) ||
	die "cannot read $suite's linux-headers-amd64"
abi=$(printf '%s\n' "$deps" | grep -o -E 'linux-headers-[0-9][^ ,]*-amd64' | head -n 1)
abi=${abi#linux-headers-}
abi=${abi%-amd64}
case "$abi" in
"$name".*) ;;
*) die "$suite's kernel is now ${abi:-unknown}, not $name.x: update the table in $0" ;;
esac
kver=$abi-amd64
say "$suite's kernel: $kver"

# The compiler, from the headers package's Depends (gcc-14, gcc-16-for-host).
hdeps=$("$fetch" --show Depends "$suite" "linux-headers-$kver") ||
	die "cannot read linux-headers-$kver"
cc=$(printf '%s\n' "$hdeps" | tr ',' '\n' | sed 's/[[:space:]]//g; s/(.*//' |
	grep -m1 -E '^gcc-[0-9]+(-for-host)?$') || die "no gcc-N in linux-headers-$kver's Depends: $hdeps"

# --- the image and its modules ---------------------------------------------------
case "$suite" in
trixie) kpkgs=("linux-image-$kver-unsigned") ;;
*) kpkgs=("linux-binary-$kver" "linux-modules-$kver") ;;
esac
line=$("$fetch" --tree "kernel-$abi" "$suite" "${kpkgs[@]}" | tail -n 1) || die "fetching ${kpkgs[*]} failed"
ktree=${line##* }
image=
for f in "$ktree/boot/vmlinuz-$kver" "$ktree/usr/lib/modules/$kver/vmlinuz" "$ktree/lib/modules/$kver/vmlinuz"; do
	[ -r "$f" ] && { image=$f; break; }
done
[ -n "$image" ] || die "no vmlinuz in $ktree"
if [ -d "$ktree/usr/lib/modules/$kver" ]; then
	modroot=$ktree/usr
else
	modroot=$ktree
fi
[ -d "$modroot/lib/modules/$kver/kernel" ] || die "no modules in $modroot/lib/modules/$kver"
# Debian ships no modules.dep; make one (in the cache only).
if [ ! -e "$modroot/lib/modules/$kver/modules.dep" ] ||
	[ "$modroot/lib/modules/$kver/modules.order" -nt "$modroot/lib/modules/$kver/modules.dep" ]; then
	depmod -b "$modroot" "$kver" || die "depmod -b $modroot $kver failed"
fi

# --- the build root ----------------------------------------------------------------
root=$sdir/buildroot
include=make,bc,xz-utils,zstd,kmod,pahole,libc6-dev,libelf1t64,libssl3t64,zlib1g,openssl,dkms,patch,"$cc"
key="rev=$ROOT_REV suite=$suite include=$include"
if [ ! -e "$root/.noisetun-root" ] || [ "$(cat "$root/.noisetun-root")" != "$key" ]; then
	mirror=$(sed -n 's/^deb \[[^]]*\] \([^ ]*\) .*/\1/p' "$sdir/apt/sources.list")
	[ -n "$mirror" ] || die "no mirror in $sdir/apt/sources.list"
	say "creating the $suite build root with $cc (debootstrap, about a minute): $root"
	rm -rf "$root" "$root.new"
	if ! debootstrap --variant=minbase --include="$include" "$suite" "$root.new" "$mirror" \
		>"$sdir/debootstrap.log" 2>&1; then
		tail -n 20 "$sdir/debootstrap.log" >&2
		die "debootstrap of $suite failed (log: $sdir/debootstrap.log)"
	fi
	rm -rf "$root.new/var/cache/apt/archives/"*.deb
	echo "$key" >"$root.new/.noisetun-root"
	mv "$root.new" "$root"
fi

# The headers, unpacked into the root (only the current ABI's are kept).
hpkgs=("linux-headers-$kver" "linux-headers-$abi-common" "linux-kbuild-$abi")
line=$("$fetch" --tree "headers-$abi" "$suite" "${hpkgs[@]}" | tail -n 1) || die "fetching ${hpkgs[*]} failed"
htree=${line##* }
if ! cmp -s "$htree.versions" "$root/.noisetun-headers"; then
	say "unpacking the headers of $kver into the build root"
	rm -rf "$root"/usr/src/linux-headers-* "$root"/usr/lib/linux-kbuild-* "$root"/usr/lib/modules/*
	cp -a "$htree/." "$root/"
	cp "$htree.versions" "$root/.noisetun-headers"
	# Drop other ABIs' trees from the cache.
	for d in "$sdir"/headers-* "$sdir"/kernel-*; do
		case "$d" in
		"$sdir/headers-$abi" | "$sdir/kernel-$abi" | *.versions) ;;
		*) say "removing the old $d"; rm -rf "$d" "$d.versions" ;;
		esac
	done
fi
kdir=/usr/src/linux-headers-$kver
[ -e "$root$kdir/Makefile" ] || die "no $kdir/Makefile in the build root"
[ -e "$root/lib/modules/$kver/build" ] || ln -sfn "$kdir" "$root/usr/lib/modules/$kver/build"

env=$sdir/$kver.env
{
	printf 'KVER=%q\n' "$kver"
	printf 'KDIR=%q\n' "$kdir"
	printf 'KROOT=%q\n' "$root"
	printf 'NT_KERNEL_IMAGE=%q\n' "$image"
	printf 'NT_MODULES_ROOT=%q\n' "$modroot"
	printf 'NT_KERNEL_CC=%q\n' "$cc"
} >"$env.new"
mv "$env.new" "$env"
say "ready: $kver, built with $cc in $root"
echo "NT_DEBIAN_KERNEL_ENV=$env"
