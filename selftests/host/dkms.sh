#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS build test (Documentation/testing.md F15, build half), run on the host by
# make check. Prints KTAP.
#
# A copy of the tree without .git (as in a release tarball) is added and
# built with DKMS against the test kernel, in private DKMS trees
# (--dkmstree/--sourcetree/--installtree) and with a throwaway signing key,
# so the host's /var/lib/dkms, /usr/src and /lib/modules are untouched.
# Nothing is installed or loaded. Then a deliberately broken copy must make
# `dkms build` fail. Everything is removed at the end.
#
# Environment: KVER (default: scripts/kver.sh); KROOT: a build root
# (scripts/debian-kernel.sh, make check KERNEL=6.12 or 7.2) holding that
# kernel's headers, its compiler and DKMS: dkms then runs in there
# (scripts/in-root.sh), with the private trees bound in at the same paths.

set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${KVER:=$("$top/scripts/kver.sh")}"
tmp=$(mktemp -d /tmp/noisetun-dkms.XXXXXX)

cleanup() {
	rm -rf "$tmp"
}
trap cleanup EXIT

source "$top/selftests/ktap.sh"

echo "KTAP version 1"
echo "1..10"

if ! command -v dkms >/dev/null; then
	echo "# SKIP dkms is not installed (make deps)"
	for i in 1 2 3 4 5 6 7 8 9 10; do echo "ok $i - dkms # SKIP dkms missing"; done
	exit 0
fi

# The signing key DKMS would otherwise create in /var/lib/dkms.
export mok_signing_key=$tmp/mok.key mok_certificate=$tmp/mok.pub
mkdir -p "$tmp"/{dkms,source,install}
# dkms runs as on an installed system: nothing of make check's own make
# (MAKEFLAGS carries its command line, e.g. KERNEL=) or kernel choice.
dk=(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u KERNEL -u KDIR -u KVER
    dkms --dkmstree "$tmp/dkms" --sourcetree "$tmp/source" --installtree "$tmp/install")
if [ -n "${KROOT:-}" ]; then
	dk=("$top/scripts/in-root.sh" "$KROOT" --bind "$tmp" "${dk[@]}")
	# Newer DKMS looks for the headers under the install tree.
	mkdir -p "$tmp/install/$KVER"
	ln -s "/lib/modules/$KVER/build" "$tmp/install/$KVER/build"
	echo "# dkms in the build root $KROOT ($("$top/scripts/in-root.sh" "$KROOT" dkms --version 2>&1))"
fi
host_dkms_before=$(ls -A /var/lib/dkms 2>/dev/null)

copy_tree() {	# copy_tree DIR: the work tree without .git, .cache or build output
	mkdir -p "$1"
	tar -C "$top" --exclude=./.git --exclude=./.cache --exclude='*.o' --exclude='*.ko' \
	    --exclude='.*.cmd' --exclude='*.mod' --exclude='*.mod.c' -cf - . | tar -C "$1" -xf -
}

base=$(sed -n '1{s/[[:space:]]//g;p;}' "$top/VERSION")
pkgver=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$top/dkms.conf")
# Test that dkms.conf and VERSION name the same version.
nt_check "dkms.conf PACKAGE_VERSION ($pkgver) equals VERSION ($base)" [ "$pkgver" = "$base" ]

copy_tree "$tmp/tree"
# Test that a tree without .git reports the VERSION file's version.
nt_check "version outside git is VERSION ($("$tmp/tree/scripts/version.sh"))" \
	[ "$("$tmp/tree/scripts/version.sh")" = "$base" ]

# Test that dkms add and build work on the tree, against $KVER.
nt_check "dkms add (tree without .git)" "${dk[@]}" add "$tmp/tree"
nt_check "dkms build noisetun/$pkgver -k $KVER" "${dk[@]}" build "noisetun/$pkgver" -k "$KVER"
ko=$(find "$tmp/dkms/noisetun/$pkgver/$KVER" -name 'noisetun.ko*' 2>/dev/null | head -n 1)
if [ -z "$ko" ]; then
	[ -r "$tmp/dkms/noisetun/$pkgver/build/make.log" ] &&
		tail -n 20 "$tmp/dkms/noisetun/$pkgver/build/make.log" | sed 's/^/# make.log: /'
fi
# Test that the module was built for the target kernel.
vermagic=$( [ -n "$ko" ] && modinfo -F vermagic "$ko")
nt_check "vermagic '${vermagic%% *}' is $KVER" sh -c "case '$vermagic' in '$KVER '*) ;; *) exit 1 ;; esac"
# Test that the DKMS version reached the module (NOISETUN_VERSION, printed at load).
nt_check "version string $pkgver is in the module" \
	sh -c "case '$ko' in *.xz) xz -dc '$ko' ;; *.zst) zstd -dc '$ko' ;; *) cat '${ko:-/nonexistent}' ;; esac | grep -a -q -F '$pkgver'"

# Test that DKMS refuses a kernel outside the supported range, saying so.
out=$("${dk[@]}" build "noisetun/$pkgver" -k 5.10.0-30-amd64 2>&1)
rc=$?
nt_check "dkms build for 5.10 is refused (status $rc): $(printf '%s\n' "$out" | grep -m1 'supports Linux')" \
	sh -c "[ $rc -ne 0 ] && printf '%s\n' \"\$1\" | grep -q 'noisetun supports Linux 6.1 to 7.2; not building for 5.10.0-30-amd64' &&
		printf '%s\n' \"\$1\" | grep -q BUILD_EXCLUSIVE" sh "$out"

# Test that a broken tree makes dkms build fail (exit status non-zero).
copy_tree "$tmp/broken"
sed -i 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="0.0.0-broken"/' "$tmp/broken/dkms.conf"
# A source file that does not compile, added to the module's objects.
echo '#error "deliberately broken by selftests/host/dkms.sh"' >"$tmp/broken/broken.c"
echo 'noisetun-y += broken.o' >>"$tmp/broken/Kbuild"
"${dk[@]}" add "$tmp/broken" >/dev/null 2>&1
nt_check "dkms build of a broken tree exits non-zero" \
	sh -c "! ${dk[*]} build noisetun/0.0.0-broken -k $KVER"

# Test that removal works and the host's DKMS state was not touched.
nt_check "dkms remove" sh -c "${dk[*]} remove noisetun/$pkgver --all && ${dk[*]} remove noisetun/0.0.0-broken --all"
nt_check "host /var/lib/dkms untouched" [ "$(ls -A /var/lib/dkms 2>/dev/null)" = "$host_dkms_before" ]

[ "$NT_FAILED" -eq 0 ]
