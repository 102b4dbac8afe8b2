#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: the Debian packages, from a copy of the tree (no .git, no
# build output) in .cache/deb/build/noisetun-VERSION, with
# dpkg-buildpackage (debhelper, dh-dkms; debian/rules says what goes
# where). VERSION is the VERSION file's: a Debian version has no room for
# git describe's "-gHASH-dirty", and debian/changelog must name the same
# version (checked here). The two packages are copied to DEB_DIR (default
# dist/):
#
#   noisetun-dkms_VERSION_all.deb   the module's sources, built by DKMS
#   tunctl_VERSION_amd64.deb        the tool, man page, completion, units
#
# Prints their paths on stdout, last. Needs debhelper, dh-dkms,
# dpkg-dev, libmnl-dev, libsodium-dev (make deps).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=${DEB_DIR:-$top/dist}
v=$(sed -n '1{s/[[:space:]]//g;p;}' VERSION)
cv=$(dpkg-parsechangelog -l debian/changelog -S Version)
if [ "$cv" != "$v" ]; then
	echo "deb: debian/changelog's version is $cv but VERSION says $v: add a changelog entry (dch -v $v)" >&2
	exit 1
fi
arch=$(dpkg --print-architecture)
build=$top/.cache/deb/build
src=$build/noisetun-$v
rm -rf "$build"
mkdir -p "$src" "$out"
tar --exclude=./.git --exclude=./.cache --exclude=./dist --exclude='*.o' --exclude='*.ko' \
    --exclude='.*.cmd' --exclude='*.mod' --exclude='*.mod.c' --exclude='*.a' \
    --exclude=./Module.symvers --exclude=./modules.order --exclude=./tools/tunctl \
    -cf - . | tar -C "$src" -xf -
echo "deb: dpkg-buildpackage in $src (log: $build/build.log)" >&2
# MAKEFLAGS from our own make (e.g. KERNEL=) must not reach the build.
if ! (cd "$src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u KERNEL -u KDIR -u KVER -u KROOT \
	dpkg-buildpackage -us -uc -b) >"$build/build.log" 2>&1; then
	tail -n 30 "$build/build.log" >&2
	echo "deb: dpkg-buildpackage failed (log: $build/build.log)" >&2
	exit 1
fi
for p in "noisetun-dkms_${v}_all.deb" "tunctl_${v}_$arch.deb"; do
	cp "$build/$p" "$out/"
	echo "$out/$p"
done
