#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Print the kernel release to build and test against.
#
# The running kernel when its build tree is installed; otherwise the newest
# Debian kernel whose headers are installed (/usr/src/linux-headers-*-amd64
# or /lib/modules/*/build). Override with `make KVER=...`.
# Exits 1 with a message when no kernel headers are installed at all.

running=$(uname -r)
if [ -e "/lib/modules/$running/build/Makefile" ]; then
	echo "$running"
	exit 0
fi

{
	for d in /usr/src/linux-headers-*-amd64; do
		[ -e "$d/Makefile" ] && echo "${d#/usr/src/linux-headers-}"
	done
	for d in /lib/modules/*/build; do
		[ -e "$d/Makefile" ] || continue
		d=${d%/build}
		echo "${d#/lib/modules/}"
	done
} | sort -uV | tail -n 1 | grep . && exit 0

echo "kver.sh: no kernel headers found (install linux-headers-amd64: make deps)" >&2
exit 1
