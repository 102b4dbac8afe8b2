#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages that building and testing noisetun need.
#
# Quick when everything is there (one dpkg-query, and the fetches below:
# a couple of seconds). As root, installs what is missing with apt-get,
# running `apt-get update` first only when the package lists are missing
# or the install fails. Not root: prints what is missing and exits 1.
#
# Then fetches, without installing them, the programs taken from other
# Debian suites (FETCH below: "SUITE:PACKAGE"), into the cache of
# scripts/fetch-debian.sh (/var/cache/noisetun/debian, NT_DEBIAN_CACHE).
# A failed fetch (no network) is reported loudly but does not fail deps:
# the tests that need the program fail instead, saying it is missing.
#
# Usage: scripts/deps.sh [--check]   (--check: never install, just report)

PKGS="
linux-image-amd64 linux-headers-amd64
gcc make libc6-dev pkg-config libmnl-dev libsodium-dev libssl-dev
qemu-system-x86 busybox-static cpio gzip kmod
iproute2 iputils-ping wireguard-tools wireguard-go iperf3 netcat-openbsd
iptables nftables bash coreutils grep sed gawk findutils procps ethtool
dkms sparse linux-source-6.1 xz-utils perl python3 python3-cryptography python3-yaml python3-jsonschema
flex bison bc libelf-dev linux-libc-dev
debian-archive-keyring util-linux systemd
debootstrap dwarves zstd
dpkg-dev debhelper dh-dkms lintian
clang libclang-rt-dev
gnuplot-nox linux-perf
"

# Reference peers from other suites, carried by the test VM under their
# own names: sid's wireguard-go (batched UDP sends with GSO) is
# wireguard-go-sid in 40-interop.sh. trixie's linux-source-6.12 carries
# the kernel's YNL client (tools/net/ynl, which 6.1's source lacks), of
# which scripts/ynl-client.sh unpacks only the client, for 57-ynl.sh.
FETCH="sid:wireguard-go trixie:linux-source-6.12"

fetch() {	# fetch [--check]: bring the FETCH packages into the cache
	mode=${1:-} rc=0
	for f in $FETCH; do
		suite=${f%%:*} pkg=${f#*:}
		if [ "$mode" = --check ]; then
			if dir=$("$here/fetch-debian.sh" --path "$suite" "$pkg"); then
				echo "deps: $suite's $pkg in $dir"
			else
				echo "deps: $suite's $pkg is not fetched yet"
				rc=1
			fi
		elif line=$("$here/fetch-debian.sh" "$suite" "$pkg"); then
			set -- $line
			echo "deps: $suite's $pkg $2 in $3"
		else
			echo "deps: WARNING: could not fetch $suite's $pkg (see the lines above);" \
			     "the tests that use it will fail" >&2
		fi
	done
	if [ "$mode" = --check ]; then
		"$here/ynl-client.sh" --path >/dev/null || { echo "deps: the YNL client is not unpacked yet"; rc=1; }
	elif ! dir=$("$here/ynl-client.sh"); then
		echo "deps: WARNING: could not unpack the YNL client; 57-ynl.sh will skip" >&2
	else
		echo "deps: the kernel's YNL client in $dir"
	fi
	return $rc
}
here=$(dirname "$0")

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
	fetch "$@"
	exit
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
fetch
