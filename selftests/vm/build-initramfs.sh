#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test VM's initramfs: busybox for the small stuff, the real tools
# the scenarios use (bash, iproute2, wg, wg-quick (a bash script that
# needs only bash, ip, wg and coreutils; iptables-restore and sysctl for a
# default route), wireguard-go, iperf3, nc, iptables, nft (off PATH, in
# /usr/lib/nt/nft), ping, kmod, GNU
# coreutils..., and Debian sid's wireguard-go as
# wireguard-go-sid) with their shared libraries, the kernel
# modules the scenarios need with their dependency closure and a
# modules.dep made by depmod, our noisetun.ko under extra/, tunctl, and
# selftests/ at /nt/selftests. /init is selftests/vm/init.
#
# Usage: build-initramfs.sh --kver KVER --out FILE[.gz]
#            [--module noisetun.ko] [--tunctl tools/tunctl]
#            [--config KEY=VALUE]...   (lines of /nt/config, read by init)
#            [--modroot DIR]   (modules from DIR/lib/modules/KVER, e.g. the
#                               debug kernel's modules_install directory,
#                               instead of /lib/modules/KVER)
#            [--perf]          (also perf, for make bench PROFILE=1)
#            [--small]         (the small-memory VM's image: bash, ip,
#                               tunctl, a few coreutils and busybox; only
#                               noisetun's modules and veth; no reference
#                               peers, iperf3, iptables, unit tests or
#                               fuzzers. About 10 MB unpacked, where the
#                               whole image's 56 MB cannot be unpacked
#                               into a 256 MiB machine at all)
#
# Layout inside: /bin holds busybox and its applets, except the names that
# exist as real programs, which live in /usr/bin (first in PATH). busybox's
# own shell prefers its applets (its `ip`, `tunctl`, `modprobe`) over PATH,
# so nothing here runs scripts with busybox sh: /init and every scenario
# run under bash, and /bin/sh is bash.
set -euo pipefail

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
top=$(cd "$(dirname "$0")/../.." && pwd)
kver='' out='' module='' tunctl='' modroot='' small=0 perf=0
config=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kver) kver=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--module) module=$2; shift 2 ;;
	--tunctl) tunctl=$2; shift 2 ;;
	--config) config+=("$2"); shift 2 ;;
	--modroot) modroot=$2; shift 2 ;;
	--small) small=1; shift ;;
	--perf) perf=1; shift ;;
	*) echo "build-initramfs: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -n "$kver" ] && [ -n "$out" ] || { echo "usage: $0 --kver KVER --out FILE" >&2; exit 2; }

moddir=$modroot/lib/modules/$kver
if [ -n "$modroot" ] && [ -d "$moddir" ] && [ ! -e "$moddir/modules.dep" ]; then
	depmod -b "$modroot" "$kver"
fi
[ -e "$moddir/modules.dep" ] || { echo "build-initramfs: $moddir/modules.dep missing (install linux-image-$kver)" >&2; exit 1; }

mkdir -p "$(dirname "$out")"
stage=$(mktemp -d "$(dirname "$out")/root.XXXXXX")
trap 'rm -rf "$stage"' EXIT

# Directory skeleton. /lib and /lib64 point into /usr as on the host
# (merged /usr), so library paths printed by ldd work unchanged.
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,usr/lib,usr/lib64,etc/modprobe.d,proc,sys,dev,run,tmp,root,mnt,nt,var/tmp}
ln -s usr/lib "$stage/lib"
ln -s usr/lib64 "$stage/lib64"
ln -s ../run "$stage/var/run"
chmod 1777 "$stage/tmp" "$stage/var/tmp"

copy_file() {	# copy_file SRC [DEST-inside-stage]: dereferenced, parents created
	local dst="$stage${2:-$1}"
	[ -e "$dst" ] && return 0
	mkdir -p "$(dirname "$dst")"
	cp -L "$1" "$dst"
}

copy_libs() {	# copy_libs FILE: every shared library FILE needs, as ldd names it
	local lib
	{ ldd "$1" 2>/dev/null || true; } | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }' |
	while read -r lib; do
		copy_file "$lib"
	done
}

real_names=()
copy_bin() {	# copy_bin NAME [HOSTPATH]: a real program into /usr/bin/NAME
	local name=$1 path=${2:-}
	[ -n "$path" ] || path=$(type -P "$name" || true)
	if [ -z "$path" ] || [ ! -e "$path" ]; then
		echo "build-initramfs: note: $name not found on the host; busybox's (if any) is used" >&2
		return 0
	fi
	copy_file "$(readlink -f "$path")" "/usr/bin/$name"
	chmod 0755 "$stage/usr/bin/$name"
	copy_libs "$path"
	real_names+=("$name")
}

link_bin() {	# link_bin TARGET NAME...: more names for a multi-call binary
	local target=$1 n
	shift
	for n in "$@"; do
		ln -sf "$target" "$stage/usr/bin/$n"
		real_names+=("$n")
	done
}

# --- real programs ----------------------------------------------------------
# What lib.sh, the runner and /init use, in both images.
for b in bash ip ping kmod timeout tail head stat date sort cut tr wc seq \
	 sleep cat ls mktemp env printf readlink basename dirname rm mkdir \
	 grep sed gawk ps pkill kill dmesg nsenter flock; do
	copy_bin "$b"
done
copy_bin nc "$(type -P nc.openbsd || type -P nc)"
link_bin gawk awk
link_bin bash sh
link_bin kmod modprobe insmod rmmod lsmod modinfo depmod
[ -n "$tunctl" ] && copy_bin tunctl "$tunctl"
[ "$perf" = 1 ] && copy_bin perf
# The rest: the whole image only.
if [ "$small" = 0 ]; then
	for b in ss tc bridge wg wg-quick wireguard-go iperf3 dd od base64 comm \
		 uniq tee realpath cp mv ln touch chmod id expr true false yes nproc \
		 sha256sum md5sum cmp diff find xargs pgrep sysctl unshare setsid \
		 taskset strace ethtool; do
		copy_bin "$b"
	done
	# iptables: the legacy (x_tables) flavour; its plugins are dlopen()ed.
	copy_bin xtables-legacy-multi
	link_bin xtables-legacy-multi iptables ip6tables iptables-save ip6tables-save \
		iptables-restore ip6tables-restore iptables-legacy ip6tables-legacy
	for d in /usr/lib/x86_64-linux-gnu/xtables /usr/lib/xtables; do
		[ -d "$d" ] || continue
		for so in "$d"/*.so; do
			copy_file "$so"
			copy_libs "$so"
		done
	done
	# nft, off PATH: up and wg-quick use nft whenever it is on PATH, and
	# iptables otherwise, so a scenario chooses by putting this directory
	# first in PATH (58-quick.sh runs both).
	if p=$(type -P nft); then
		copy_file "$(readlink -f "$p")" /usr/lib/nt/nft/nft
		chmod 0755 "$stage/usr/lib/nt/nft/nft"
		copy_libs "$p"
	else
		echo "build-initramfs: note: nft not found on the host (make deps installs nftables)" >&2
	fi
	# Reference peers from other Debian suites, fetched (not installed) by
	# make deps into scripts/fetch-debian.sh's cache, under their own names.
	if d=$("$top/scripts/fetch-debian.sh" --path sid wireguard-go) && [ -x "$d/usr/bin/wireguard-go" ]; then
		copy_bin wireguard-go-sid "$d/usr/bin/wireguard-go"
	else
		echo "build-initramfs: note: Debian sid's wireguard-go is not fetched (make deps): no wireguard-go-sid" >&2
	fi
fi

# The kernel's YNL client (scripts/ynl-client.sh: tools/net/ynl of
# trixie's linux-source-6.12, unpacked by make deps) at /nt/ynl, the spec
# at /nt/noisetun.yaml, and Debian's python3 with only the modules the
# client imports (listed by importing them on the host: the whole standard
# library would double the initramfs), for 57-ynl.sh.
if ynl=$("$top/scripts/ynl-client.sh" --path 2>/dev/null) && [ -x /usr/bin/python3.11 ]; then
	mkdir -p "$stage/nt/ynl"
	cp -r "$ynl/tools/net/ynl/." "$stage/nt/ynl/"
	cp "$top/module/uapi/noisetun.yaml" "$stage/nt/noisetun.yaml"
	copy_bin python3 /usr/bin/python3.11
	/usr/bin/python3.11 -S -I -c '
import sys
sys.path.insert(0, sys.argv[1])
sys.path.append("/usr/lib/python3/dist-packages")
import argparse, json, pprint, time, pathlib, yaml, lib.ynl, lib.nlspec
import encodings.utf_8, encodings.latin_1, encodings.ascii, encodings.aliases
import locale, gettext, textwrap, shutil, select, selectors, errno, signal
import copy, string, traceback, collections.abc, uuid, ipaddress, random
for m in list(sys.modules.values()):
	f = getattr(m, "__file__", None)
	if f and not f.startswith(sys.argv[1]):
		print(f)
' "$ynl/tools/net/ynl" | while read -r f; do
		copy_file "$f"
		case $f in *.so) copy_libs "$f" ;; esac
	done
	# Where python3 finds them, with no site module: sys.path as built in.
	mkdir -p "$stage/usr/lib/python3.11/lib-dynload"
else
	echo "build-initramfs: note: the YNL client is not unpacked (make deps): no python3, no /nt/ynl" >&2
fi

# The kernel's request_module() runs /sbin/modprobe; some scripts use /bin/bash.
ln -s ../usr/bin/kmod "$stage/sbin/modprobe"
ln -s ../usr/bin/bash "$stage/bin/bash"
ln -s ../usr/bin/bash "$stage/bin/sh"

# --- busybox: every applet that has no real program above --------------------
cp /bin/busybox "$stage/bin/busybox"
declare -A have
for n in "${real_names[@]}"; do have[$n]=1; done
for a in $(/bin/busybox --list); do
	[ -n "${have[$a]:-}" ] && continue
	# tunctl is ours, never busybox's (it makes tap devices).
	[ "$a" = tunctl ] && continue
	[ -e "$stage/bin/$a" ] || ln -s busybox "$stage/bin/$a"
done

# --- /etc ---------------------------------------------------------------------
printf 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$stage/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$stage/etc/group"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$stage/etc/hosts"
echo ntvm >"$stage/etc/hostname"
# Names are looked up in /etc/hosts only (the VM has no DNS server); a
# scenario gives a namespace names of its own in /etc/netns/NS/hosts,
# which `ip netns exec` binds over /etc/hosts (58-reresolve.sh).
printf 'hosts: files\n' >"$stage/etc/nsswitch.conf"
for f in /etc/protocols /etc/services /etc/ethertypes; do
	[ -e "$f" ] && copy_file "$f"
done
[ -d /etc/iproute2 ] && cp -rL /etc/iproute2 "$stage/etc/"

# --- kernel modules -----------------------------------------------------------
# Names as in modules.dep (dashes or underscores alike); the closure comes
# from modules.dep, which lists every module's transitive dependencies.
want_modules=(veth)
[ "$small" = 1 ] || want_modules+=(
	wireguard dummy tun macvlan ipvlan bridge sch_netem
	ip_tables ip6_tables iptable_filter iptable_nat iptable_mangle iptable_raw
	ip6table_filter ip6table_nat ip6table_mangle ip6table_raw
	nf_conntrack nf_nat nf_defrag_ipv4 nf_defrag_ipv6 nf_reject_ipv4 nf_reject_ipv6
	xt_MASQUERADE xt_length xt_mark xt_connmark xt_conntrack xt_state xt_addrtype
	xt_comment xt_multiport xt_tcpudp xt_nat xt_statistic xt_u32 xt_owner
	xt_REDIRECT xt_TCPMSS xt_LOG nf_log_syslog ipt_REJECT ip6t_REJECT
	xt_DSCP xt_dscp xt_ecn
	nf_tables nft_ct nft_fib_ipv4 nft_fib_ipv6
	udp_tunnel ip6_udp_tunnel crc32c_generic crc32c_intel
	nlmon
	libchacha20poly1305 libcurve25519 libchacha libpoly1305 libblake2s
	chacha_x86_64 poly1305_x86_64 curve25519_x86_64
)
declare -A modpath
while IFS=: read -r path _; do
	n=${path##*/}
	n=${n%%.ko*}
	modpath[${n//-/_}]=$path
done <"$moddir/modules.dep"
declare -A modsel
select_module() {	# select_module NAME: the module and its dependencies
	local n=${1//-/_} line dep
	local p=${modpath[$n]:-}
	if [ -z "$p" ]; then
		grep -q -E "/${n//_/[-_]}\\.ko" "$moddir/modules.builtin" 2>/dev/null ||
			echo "build-initramfs: note: module $1 not available for $kver" >&2
		return 0
	fi
	[ -n "${modsel[$p]:-}" ] && return 0
	modsel[$p]=1
	line=$(grep -m1 "^$p:" "$moddir/modules.dep" | cut -d: -f2)
	for dep in $line; do
		modsel[$dep]=1
	done
}
for m in "${want_modules[@]}"; do
	select_module "$m"
done
if [ -n "$module" ]; then
	for d in $(modinfo -F depends "$module" | tr , ' '); do
		select_module "$d"
	done
fi
# Inside the image, modules live in /lib/modules/KVER whatever $moddir is.
for p in "${!modsel[@]}"; do
	copy_file "$moddir/$p" "/lib/modules/$kver/$p"
done
for f in modules.order modules.builtin modules.builtin.modinfo; do
	[ -e "$moddir/$f" ] && copy_file "$moddir/$f" "/lib/modules/$kver/$f"
done
if [ -n "$module" ]; then
	copy_file "$module" "/lib/modules/$kver/extra/noisetun.ko"
	# (Its debug information is most of its 7 MB, which the small
	# machine's rootfs would hold in memory for nothing.)
	[ "$small" = 1 ] && strip --strip-debug "$stage/lib/modules/$kver/extra/noisetun.ko"
fi
depmod -b "$stage" "$kver"

# --- the tests ----------------------------------------------------------------
mkdir -p "$stage/nt/selftests"
# (The small image: without the unit tests, the benchmarks, the soak and
# the fuzzers, whose programs and libraries are most of the tree's size.)
skip=()
[ "$small" = 1 ] && skip=(--exclude=./unit --exclude=./bench --exclude=./soak
			   --exclude=./nlfuzz --exclude=./evilpeer)
(cd "$top/selftests" && tar --exclude='*.o' --exclude='*.ko' "${skip[@]+"${skip[@]}"}" -cf - .) |
	tar -C "$stage/nt/selftests" -xf -
# The test programs' shared libraries (evilpeer: libsodium, libcrypto).
for f in "$stage"/nt/selftests/*/*; do
	if [ -f "$f" ] && [ -x "$f" ] && [ "$(head -c 4 "$f" | tail -c 3)" = ELF ]; then
		copy_libs "$f"
	fi
done
cp "$top/selftests/vm/init" "$stage/init"
chmod 0755 "$stage/init"
{
	echo "NT_KVER=$kver"
	for c in "${config[@]+"${config[@]}"}"; do
		printf '%s=%q\n' "${c%%=*}" "${c#*=}"
	done
} >"$stage/nt/config"

# --- archive ------------------------------------------------------------------
tmp_out="$out.tmp"
case "$out" in
*.gz) (cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet | gzip -1) >"$tmp_out" ;;
*) (cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) >"$tmp_out" ;;
esac
mv "$tmp_out" "$out"
echo "build-initramfs: $out ($(du -h "$out" | cut -f1), ${#modsel[@]} modules, ${#real_names[@]} programs)"
