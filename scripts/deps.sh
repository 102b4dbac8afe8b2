#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages that building and testing noisetun need.
#
# Quick when everything is there (one dpkg-query). As root, installs what
# is missing with apt-get, running `apt-get update` first only when the
# package lists are missing or the install fails. Not root: prints what
# is missing and exits 1.
#
# Usage: scripts/deps.sh [--check]   (--check: never install, just report)

PKGS="
linux-image-amd64 linux-headers-amd64
gcc make libc6-dev pkg-config libmnl-dev libsodium-dev
qemu-system-x86 busybox-static cpio gzip kmod
iproute2 iputils-ping wireguard-tools wireguard-go iperf3 netcat-openbsd
flex bison bc libelf-dev
iptables bash coreutils grep sed gawk findutils procps
dkms sparse linux-source-6.1 xz-utils perl python3
"

missing=
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)
	case "$st" in
	ii*) ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -z "$missing" ]; then
	echo "deps: all $(echo $PKGS | wc -w) packages installed"
	exit 0
fi

echo "deps: missing:$missing"
if [ "$1" = "--check" ]; then
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps: not root; install them with: sudo apt-get install$missing" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
install() {
	apt-get install -y -q --no-install-recommends $missing </dev/null
}
if [ -z "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v -e '^lock$' -e '^partial$' -e '^auxfiles$')" ]; then
	apt-get update -q </dev/null || exit 1
fi
if ! install; then
	echo "deps: install failed; refreshing package lists and retrying"
	apt-get update -q </dev/null && install || exit 1
fi
echo "deps: installed:$missing"
