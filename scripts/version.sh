#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Print the noisetun version string.
#
# In a git checkout: `git describe --always --dirty --tags`. When no tag
# exists yet, describe prints only an abbreviated hash; it is then prefixed
# with the base version from the VERSION file ("0.1.0-gabc1234-dirty") so
# the string always starts with a number. Outside git (a release tarball,
# a DKMS source tree) the VERSION file alone is the version.
#
# The same base version is written in dkms.conf (PACKAGE_VERSION); the
# DKMS MAKE line passes PACKAGE_VERSION back as NOISETUN_VERSION, so a
# DKMS-built module always reports its DKMS version.

top=$(cd "$(dirname "$0")/.." && pwd)
base=$(sed -n '1{s/[[:space:]]//g;p;}' "$top/VERSION" 2>/dev/null)
[ -n "$base" ] || base=0.0.0

# Only trust git if $top is the top of its own work tree: a tarball
# unpacked inside some unrelated repository must not take that one's hash.
if command -v git >/dev/null 2>&1 &&
   gittop=$(git -C "$top" rev-parse --show-toplevel 2>/dev/null) &&
   [ "$gittop" = "$top" ] &&
   desc=$(git -C "$top" describe --always --dirty --tags 2>/dev/null); then
	case "$desc" in
	v[0-9]*) echo "${desc#v}" ;;
	[0-9]*.*) echo "$desc" ;;
	*) echo "$base-g$desc" ;;
	esac
else
	echo "$base"
fi
