#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages (make deb), run on the host by make check and
# make check-deb. Prints KTAP.
#
# make deb builds noisetun-dkms_VERSION_all.deb and tunctl_VERSION_ARCH.deb;
# lintian finds nothing to say about them (any level, pedantic included;
# the one override in debian/ says why). Then both are installed with
# `apt-get install ./...deb` into a disposable root: a copy of a Debian 12
# chroot made once with debootstrap from the host's own Debian mirror and
# apt sources, with dkms and linux-headers-KVER (KVER: the VM's kernel,
# scripts/kver.sh) installed, cached in .cache/deb-root/ (NT_DEB_ROOT
# moves it; it is made again when KVER or ROOT_REV below changes). DKMS
# must have built noisetun.ko for KVER (vermagic) and installed it; the
# tool, man page, completion and units must be in place. Then both are
# purged, and the module, its DKMS registration and its sources must be
# gone. Nothing is installed on the host, nothing is loaded anywhere: the
# root is entered with chroot in a private mount namespace
# (scripts/in-root.sh), whose host kernel is not the root's.
#
# Times on the 2-core machine: 1.5 to 2.5 minutes with the root cached;
# making it adds about 3 minutes (debootstrap and the headers).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/selftests/ktap.sh"

# Bump when a change here changes the cached root's contents.
ROOT_REV=1
: "${KVER:=$("$top/scripts/kver.sh")}"
cache=${NT_DEB_ROOT:-$top/.cache/deb-root}
base=$cache/bookworm-$KVER-r$ROOT_REV
run=$cache/run.$$
tmp=$(mktemp -d /tmp/noisetun-deb.XXXXXX)
cleanup() {
	rm -rf "$tmp" "$run"
}
trap cleanup EXIT

echo "KTAP version 1"
echo "1..10"

skip_rest() {	# skip_rest FROM REASON
	local i
	for ((i = $1; i <= 10; i++)); do echo "ok $i - deb # SKIP $2"; done
	exit 0
}
if [ "$(id -u)" != 0 ]; then
	skip_rest 1 "needs root (debootstrap, chroot)"
fi
for c in dpkg-buildpackage dh_dkms lintian debootstrap; do
	command -v "$c" >/dev/null || skip_rest 1 "$c is not installed (make deps)"
done

v=$(sed -n '1{s/[[:space:]]//g;p;}' "$top/VERSION")
arch=$(dpkg --print-architecture)
dist=$tmp/dist
dkms_deb=$dist/noisetun-dkms_${v}_all.deb
tool_deb=$dist/tunctl_${v}_$arch.deb

# Test that make deb builds the two packages, named with the VERSION file's version.
build() {
	DEB_DIR=$dist "$top/scripts/deb.sh" >"$tmp/deb.out" 2>&1 || { cat "$tmp/deb.out"; return 1; }
	[ -f "$dkms_deb" ] && [ -f "$tool_deb" ] && return 0
	cat "$tmp/deb.out"
	ls -l "$dist"
	return 1
}
nt_check "make deb: noisetun-dkms_${v}_all.deb and tunctl_${v}_$arch.deb" build ||
	skip_rest 2 "make deb failed"

# Test that lintian has nothing to say, at any level (pedantic and info included).
lintian_as_root() {	# lintian ARGS..., without its note on running as root
	local out rc=0
	out=$(lintian "$@" 2>&1) || rc=$?
	grep -v '^running with root privileges is not recommended!$' <<<"$out"
	return "$rc"
}
nt_check "lintian: no tag at any level ($(lintian --version))" \
	nt_silent lintian lintian_as_root -I --pedantic \
	--fail-on error,warning,info,pedantic "$dkms_deb" "$tool_deb"

# The host's apt sources for the chroot: its deb822 and one-line files.
host_sources() {
	local f
	for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list; do
		[ -s "$f" ] && echo "$f"
	done
}
in_root() {	# in_root ROOT CMD...: run CMD in ROOT, with $dist visible
	local root=$1
	shift
	(cd "$dist" && DEBIAN_FRONTEND=noninteractive "$top/scripts/in-root.sh" "$root" "$@")
}
make_root() {
	local mirror codename t0 new=$base.new
	codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
	# shellcheck disable=SC2016 # apt's own $(FIELD) syntax
	mirror=$(apt-get indextargets --format '$(REPO_URI) $(CODENAME)' |
		 awk -v c="$codename" '$2 == c { print $1; exit }')
	[ -n "$mirror" ] || { echo "no Debian mirror for $codename in the host's apt sources"; return 1; }
	t0=$(date +%s)
	rm -rf "$cache"/bookworm-* "$cache"/run.*
	mkdir -p "$cache"
	debootstrap --variant=minbase "$codename" "$new" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$cache/debootstrap.log"; return 1; }
	# The host's own sources (its suites, updates and security included).
	if [ -n "$(host_sources)" ]; then
		rm -f "$new/etc/apt/sources.list"
		host_sources | while read -r f; do
			mkdir -p "$new$(dirname "$f")"
			cp "$f" "$new$f"
		done
	fi
	# What the packages need, so that installing them downloads nothing.
	in_root "$new" sh -c "apt-get update -q && apt-get install -y -q --no-install-recommends \
		dkms linux-headers-$KVER libmnl0 libsodium23 && apt-get clean" \
		>"$cache/apt.log" 2>&1 || { tail -n 20 "$cache/apt.log"; return 1; }
	mv "$new" "$base"
	echo "made in $(($(date +%s) - t0)) s"
}

# Test that the disposable root is there: a copy of the cached Debian 12 chroot with the VM kernel's headers.
root_ready() {
	if [ ! -e "$base/usr/src/linux-headers-$KVER/Makefile" ]; then
		make_root || return 1
	fi
	cp -a "$base" "$run"
}
how=cached
[ -e "$base/usr/src/linux-headers-$KVER/Makefile" ] || how="made now (debootstrap)"
nt_check "a root with dkms and linux-headers-$KVER, $how ($base)" root_ready ||
	skip_rest 4 "no root to install into"

dkms_host_before=$(dkms status 2>&1)

# Test that apt-get installs both from the files. The host's running
# kernel gets an empty /lib/modules directory in the root, as a running
# kernel whose headers are not installed: DKMS's own postinst would then
# build for that kernel alone (and the newest in /boot: none here), so the
# module being built for KVER shows the package's "every kernel with
# headers" (debian/noisetun-dkms.postinst).
running=$(uname -r)
install() {
	[ "$running" = "$KVER" ] || mkdir -p "$run/lib/modules/$running"
	in_root "$run" apt-get install -y -q "./${dkms_deb##*/}" "./${tool_deb##*/}" \
		>"$tmp/install.log" 2>&1 && return 0
	tail -n 40 "$tmp/install.log"
	return 1
}
nt_check "apt-get install ./noisetun-dkms_${v}_all.deb ./tunctl_${v}_$arch.deb" install ||
	skip_rest 5 "the packages did not install"
sed -n '/Building for\|Building initial module\|Installing to\|skipped since/p' "$tmp/install.log" | sed 's/^/# /'

# Test that DKMS built and installed the module for the VM's kernel.
dkms_installed() {
	local out
	out=$(in_root "$run" dkms status noisetun) || return 1
	grep -q "^noisetun/$v, $KVER, [^:]*: installed" <<<"$out" && return 0
	echo "dkms status: $out"
	return 1
}
nt_check "dkms status: noisetun/$v, $KVER, installed" dkms_installed
modinfo_is() {	# modinfo_is FIELD WANT-REGEX
	local ko out
	ko=$(find "$run/lib/modules/$KVER" -name 'noisetun.ko*' | head -n 1)
	[ -n "$ko" ] || { echo "no noisetun.ko under /lib/modules/$KVER"; find "$run/lib/modules" -maxdepth 3; return 1; }
	out=$(modinfo -F "$1" "$ko") || return 1
	grep -q -E -- "$2" <<<"$out" && return 0
	echo "$ko: $1 is '$out', not /$2/"
	return 1
}
module_built() {
	modinfo_is vermagic "^$KVER " && modinfo_is version "^$v\$"
}
nt_check "noisetun.ko in /lib/modules/$KVER: vermagic $KVER, version $v" module_built

# Test that the tool runs, and its man page, completion and units are installed.
tool_there() {
	local f out
	out=$(in_root "$run" tunctl --version) || return 1
	[ "$out" = "tunctl v$v" ] || { echo "tunctl --version: $out"; return 1; }
	for f in /usr/bin/tunctl /usr/share/man/man8/tunctl.8.gz \
		 /usr/share/bash-completion/completions/tunctl \
		 /lib/systemd/system/tunctl-quick@.service /lib/systemd/system/tunctl-quick.target \
		 /lib/systemd/system/tunctl-reresolve@.service /lib/systemd/system/tunctl-reresolve@.timer; do
		[ -e "$run$f" ] || { echo "missing: $f"; return 1; }
	done
}
nt_check "tunctl v$v runs; man page, bash completion and the four units installed" tool_there

# Test that purging both removes the module, its DKMS registration and sources, and the tool.
purge() {
	in_root "$run" apt-get purge -y -q noisetun-dkms tunctl >"$tmp/purge.log" 2>&1 && return 0
	tail -n 40 "$tmp/purge.log"
	return 1
}
nt_check "apt-get purge noisetun-dkms tunctl" purge
gone() {
	local left
	left=$(find "$run/lib/modules" "$run/usr/src" "$run/var/lib/dkms" "$run/usr/bin" \
		"$run/lib/systemd/system" -name 'noisetun*' -o -name 'tunctl*' 2>/dev/null)
	[ -z "$left" ] && return 0
	echo "left behind:"
	printf '%s\n' "$left"
	return 1
}
nt_check "no noisetun.ko, DKMS tree, /usr/src copy, tunctl or unit left" gone

# Test that the host's DKMS saw nothing of it.
host_dkms_same() {
	local now
	now=$(dkms status 2>&1)
	[ "$now" = "$dkms_host_before" ] && return 0
	printf 'before:\n%s\nnow:\n%s\n' "$dkms_host_before" "$now"
	return 1
}
nt_check "the host's dkms status is unchanged" host_dkms_same
