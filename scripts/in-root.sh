#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a command inside a kernel build root (scripts/debian-kernel.sh's
# buildroot: a chroot of the suite the kernel came from, with its compiler
# and headers), with the given host directories visible at the same paths.
# Everything happens in a private mount namespace (unshare), so no mount
# is left behind on the host whatever happens; /proc is mounted (sid's
# objtool needs it) and /dev is the host's.
#
# Usage: scripts/in-root.sh ROOT [--bind DIR]... [--] CMD [ARG...]
#   The current directory is bound (and entered) by default.
#
# The environment is kept (MAKEFLAGS, W=, KDIR...), with PATH set to the
# root's standard one and KROOT and KERNEL unset (inside, the root is /
# and its kernel is the one to build for).
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 ROOT [--bind DIR]... CMD..." >&2; exit 2; }
root=$1
shift
[ -x "$root/bin/sh" ] || { echo "in-root: $root is not a build root (scripts/debian-kernel.sh)" >&2; exit 2; }
binds=("$PWD")
while [ $# -gt 0 ]; do
	case "$1" in
	--bind) binds+=("$(cd "$2" && pwd)"); shift 2 ;;
	--) shift; break ;;
	*) break ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "in-root: must run as root (chroot)" >&2; exit 2; }

# The inner script runs in the new mount namespace: $1 root, $2 cwd,
# then the number of binds, the binds, and the command.
# shellcheck disable=SC2016
inner='
	set -e
	root=$1 cwd=$2 nb=$3
	shift 3
	mount --make-rprivate /
	for ((i = 0; i < nb; i++)); do
		mkdir -p "$root$1"
		mount --bind "$1" "$root$1"
		shift
	done
	mount -t proc proc "$root/proc"
	mount --rbind /dev "$root/dev"
	exec chroot "$root" /bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$cwd" "$@"
'
unset KROOT KERNEL
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	exec unshare --mount --propagation private bash -c "$inner" in-root \
	"$root" "$PWD" "${#binds[@]}" "${binds[@]}" "$@"
