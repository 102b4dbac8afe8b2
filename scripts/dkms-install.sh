#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make dkms-install / dkms-uninstall.
#
# install: copy the files a module build needs, and the documentation its
# comments cite (no .git, no build output), to SOURCETREE/noisetun-VERSION
# (SOURCETREE is /usr/src unless DKMS_ARGS says --sourcetree DIR), with
# VERSION and dkms.conf's PACKAGE_VERSION set to NOISETUN_VERSION, then
# `dkms add`, `dkms build -k KVER` and `dkms install -k KVER`. A previous
# registration of the same version is removed first.
# uninstall: `dkms remove noisetun/VERSION --all` and delete the copy.
#
# Environment: KVER, NOISETUN_VERSION (from the Makefile), DKMS_ARGS
# (extra dkms options, e.g. --dkmstree/--sourcetree/--installtree).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
: "${KVER:=$(scripts/kver.sh)}"
: "${NOISETUN_VERSION:=$(scripts/version.sh)}"
read -r -a dkms_args <<<"${DKMS_ARGS:-}"
v=$NOISETUN_VERSION

srctree=/usr/src
for ((i = 0; i < ${#dkms_args[@]}; i++)); do
	case "${dkms_args[i]}" in
	--sourcetree=*) srctree=${dkms_args[i]#--sourcetree=} ;;
	--sourcetree) srctree=${dkms_args[i + 1]} ;;
	esac
done
dst=$srctree/noisetun-$v

dkms_() {
	echo "+ dkms $*"
	dkms "${dkms_args[@]}" "$@"
}

registered() {
	dkms "${dkms_args[@]}" status "noisetun/$v" 2>/dev/null | grep -q .
}

case "${1:-install}" in
install)
	command -v dkms >/dev/null || { echo "dkms-install: dkms is not installed (make deps)" >&2; exit 1; }
	registered && dkms_ remove "noisetun/$v" --all
	echo "dkms-install: copying the sources to $dst"
	rm -rf "$dst"
	mkdir -p "$dst"
	tar --exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
	    --exclude='.*.cmd' --exclude='*.a' \
	    -cf - Kbuild Makefile dkms.conf VERSION COPYING README.md scripts \
	    module $(test -d crypto && echo crypto) Documentation |
	    tar -C "$dst" -xf -
	echo "$v" >"$dst/VERSION"
	sed -i "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$v\"/" "$dst/dkms.conf"
	dkms_ add "noisetun/$v"
	dkms_ build "noisetun/$v" -k "$KVER"
	dkms_ install "noisetun/$v" -k "$KVER"
	;;
uninstall)
	registered && dkms_ remove "noisetun/$v" --all
	rm -rf "$dst"
	;;
*)
	echo "usage: $0 install|uninstall" >&2
	exit 2
	;;
esac
