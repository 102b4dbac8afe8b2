#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch packages from another Debian suite (sid, trixie, ...) and unpack
# them into a cache, without installing them on the host and without
# touching the host's apt state: a private sources list with one line for
# SUITE, private package lists, an empty dpkg status and a private archive
# cache, `apt-get download` and `dpkg -x`. Nothing is installed or
# upgraded, and /var/lib/apt and /var/lib/dpkg are only read.
#
# Usage:
#   fetch-debian.sh [--tree NAME] SUITE PKG...
#       Bring the packages up to date in the cache and print one line per
#       package on stdout: "PKG VERSION DIR" (DIR: the unpacked tree).
#   fetch-debian.sh --path [--tree NAME] SUITE PKG
#       Print the tree holding PKG from an earlier fetch, without any
#       network access; exit 1 if there is none.
#   fetch-debian.sh --show FIELD SUITE PKG
#       Print a control field (e.g. Depends) of the suite's candidate
#       version of PKG, from freshly refreshed lists (or the last lists
#       fetched, with a warning, when offline). Downloads no package: a
#       metapackage's Depends names the current kernel ABI, for example.
#
# Each package is unpacked into its own tree, CACHE/SUITE/PKG/. With --tree
# NAME, all the packages named go together into CACHE/SUITE/NAME/: for
# packages whose files refer to each other (a kernel's headers are split
# over linux-headers-VER-amd64, linux-headers-VER-common and
# linux-kbuild-VER, joined by relative symlinks). A tree is downloaded and
# unpacked again only when the suite's candidate version of one of its
# packages changed, or when it is missing; CACHE/SUITE/NAME.versions
# records the "PKG VERSION" lines it holds. Only the .deb files of the
# current versions are kept (CACHE/SUITE/debs/).
#
# The package lists are refreshed (`apt-get update`, a couple of seconds)
# on every call. If that fails (no network), a tree already in the cache is
# used as it is, with a warning on stderr; a tree not in the cache is an
# error (exit 1). Concurrent calls on one cache wait for each other.
#
# Environment:
#   NT_DEBIAN_CACHE   the cache (default /var/cache/noisetun/debian)
#   NT_DEBIAN_MIRROR  the archive's URL (default: the mirror the host's own
#                     apt sources use for its release, e.g.
#                     http://deb.debian.org/debian)
#   NT_DEBIAN_KEYRING the keyring the suite is signed with (default
#                     /usr/share/keyrings/debian-archive-keyring.gpg)
set -uo pipefail

prog=fetch-debian
cache=${NT_DEBIAN_CACHE:-/var/cache/noisetun/debian}
keyring=${NT_DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}

die() {
	echo "$prog: $*" >&2
	exit 1
}
warn() {
	echo "$prog: warning: $*" >&2
}

mode=fetch tree= field=
while [ $# -gt 0 ]; do
	case "$1" in
	--path) mode=path; shift ;;
	--show) mode=show; field=$2; shift 2 ;;
	--tree) tree=$2; shift 2 ;;
	-h | --help) sed -n '3,/^set /{/^set /d; s/^# \{0,1\}//; p}' "$0"; exit 0 ;;
	-*) die "unknown option $1" ;;
	*) break ;;
	esac
done
[ $# -ge 2 ] || die "usage: $0 [--path | --show FIELD] [--tree NAME] SUITE PKG..."
[[ $field =~ ^[A-Za-z0-9-]*$ ]] || die "bad field name '$field'"
suite=$1
shift
pkgs=("$@")
case "$suite" in
*/* | .* | "") die "bad suite name '$suite'" ;;
esac
for p in "${pkgs[@]}" $tree; do
	[[ $p =~ ^[a-z0-9][a-z0-9.+-]*$ ]] || die "bad package or tree name '$p'"
done
sdir=$cache/$suite

# tree_of PKG: the name of the tree PKG goes into.
tree_of() {
	echo "${tree:-$1}"
}

# cached_version PKG: the version of PKG in its tree, if the tree is there.
cached_version() {
	local t
	t=$(tree_of "$1")
	[ -d "$sdir/$t" ] && [ -f "$sdir/$t.versions" ] || return 1
	awk -v p="$1" '$1 == p { print $2; found = 1 } END { exit !found }' "$sdir/$t.versions"
}

if [ "$mode" = path ]; then
	[ ${#pkgs[@]} -eq 1 ] || die "--path takes one package"
	cached_version "${pkgs[0]}" >/dev/null || exit 1
	echo "$sdir/$(tree_of "${pkgs[0]}")"
	exit 0
fi

# host_mirror: the URL of the archive the host's apt sources use for the
# host's own release (deb822 .sources files and one-line .list files).
host_mirror() {
	local codename f
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$codename" ] || return 1
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		awk -v want="$codename" '
			BEGIN { RS = ""; FS = "\n" }
			{
				types = uris = suites = ""; enabled = "yes"
				for (i = 1; i <= NF; i++) {
					line = $i
					if (line ~ /^#/) continue
					key = tolower(line); sub(/:.*/, "", key)
					val = line; sub(/^[^:]*:[ \t]*/, "", val)
					if (key == "types") types = val
					else if (key == "uris") uris = val
					else if (key == "suites") suites = val
					else if (key == "enabled") enabled = tolower(val)
				}
				if (enabled == "no" || (" " types " ") !~ / deb /) next
				if ((" " suites " ") !~ (" " want " ")) next
				split(uris, u, /[ \t]+/); print u[1]; exit
			}' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -e "$f" ] || continue
		# deb [options] URI SUITE COMPONENT...
		sed -E 's/#.*//; s/\[[^]]*\]//' "$f" |
			awk -v want="$codename" '$1 == "deb" && $3 == want { print $2; exit }'
	done
}

mirror=${NT_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
	mirror=$(host_mirror | head -n 1)
	[ -n "$mirror" ] || die "no Debian mirror found in the host's apt sources (set NT_DEBIAN_MIRROR)"
fi
[ -r "$keyring" ] || die "$keyring is missing (install debian-archive-keyring, or set NT_DEBIAN_KEYRING)"

if ! { mkdir -p "$sdir" 2>/dev/null && [ -w "$sdir" ]; }; then
	# Not ours to refresh (not root): what is cached will do.
	for p in "${pkgs[@]}"; do
		cached_version "$p" >/dev/null ||
			die "cannot write $sdir (run as root, or set NT_DEBIAN_CACHE to a writable directory)"
	done
	warn "cannot write $sdir: not refreshed; using what is cached"
	for p in "${pkgs[@]}"; do
		echo "$p $(cached_version "$p") $sdir/$(tree_of "$p")"
	done
	exit 0
fi
exec 9>"$sdir/.lock"
flock 9

# The private apt state.
st=$sdir/apt
mkdir -p "$st/lists/partial" "$st/cache/archives/partial" "$sdir/debs"
echo "deb [signed-by=$keyring] $mirror $suite main" >"$st/sources.list.new"
mv "$st/sources.list.new" "$st/sources.list"
: >>"$st/status"
apt_opts=(
	-o "Dir::Etc::SourceList=$st/sources.list"
	-o Dir::Etc::SourceParts=/dev/null
	-o Dir::Etc::Preferences=/dev/null
	-o Dir::Etc::PreferencesParts=/dev/null
	-o "Dir::State::Lists=$st/lists"
	-o "Dir::State::status=$st/status"
	-o "Dir::Cache=$st/cache"
	-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
	-o APT::Default-Release=
)

online=1
if ! apt-get "${apt_opts[@]}" -q update >"$st/update.log" 2>&1 </dev/null ||
	grep -q -E '^(W|E): ' "$st/update.log"; then
	online=0
	warn "apt-get update of $suite from $mirror failed:"
	grep -E '^(W|E|Err):? ' "$st/update.log" | head -n 5 | sed "s/^/$prog:   /" >&2
fi

if [ "$mode" = show ]; then
	[ ${#pkgs[@]} -eq 1 ] || die "--show takes one package"
	[ "$online" = 1 ] || [ -n "$(ls -A "$st/lists" 2>/dev/null | grep -v -e '^lock$' -e '^partial$')" ] ||
		die "no package lists for $suite"
	v=$(apt-cache "${apt_opts[@]}" policy "${pkgs[0]}" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')
	case "$v" in
	"" | "(none)") die "${pkgs[0]} is not in $suite (from $mirror)" ;;
	esac
	apt-cache "${apt_opts[@]}" show "${pkgs[0]}=$v" 2>/dev/null |
		awk -v f="$field" 'BEGIN { f = tolower(f) ":" }
			/^$/ { exit }
			tolower($1) == f { sub(/^[^:]*:[ \t]*/, ""); print; found = 1 }
			END { exit !found }' || die "${pkgs[0]} $v has no $field field"
	exit 0
fi

# Candidate versions, per tree.
declare -A want have trees
for p in "${pkgs[@]}"; do
	t=$(tree_of "$p")
	trees[$t]=1
	have[$p]=$(cached_version "$p" || true)
	if [ "$online" = 1 ]; then
		want[$p]=$(apt-cache "${apt_opts[@]}" policy "$p" 2>/dev/null |
			awk '$1 == "Candidate:" { print $2 }')
		case "${want[$p]}" in
		"" | "(none)") die "$p is not in $suite (from $mirror)" ;;
		esac
	elif [ -n "${have[$p]}" ]; then
		warn "using the cached $p ${have[$p]} ($suite)"
		want[$p]=${have[$p]}
	else
		die "$p ($suite) is not in the cache and cannot be downloaded"
	fi
done

# fetch_tree TREE: download the wanted versions of the tree's packages and
# unpack them into a fresh tree, which replaces the old one.
fetch_tree() {
	local t=$1 p dl new deb
	dl=$(mktemp -d "$sdir/dl.XXXXXX")
	new=$(mktemp -d "$sdir/new.XXXXXX")
	# Downloads run as the _apt user when we are root.
	[ "$(id -u)" = 0 ] && id _apt >/dev/null 2>&1 && chown _apt "$dl"
	for p in "${pkgs[@]}"; do
		[ "$(tree_of "$p")" = "$t" ] || continue
		if ! (cd "$dl" && apt-get "${apt_opts[@]}" -q download "$p=${want[$p]}" </dev/null) >"$st/download.log" 2>&1; then
			sed "s/^/$prog:   /" "$st/download.log" >&2
			rm -rf "$dl" "$new"
			die "apt-get download $p=${want[$p]} ($suite) failed"
		fi
		deb=$(ls "$dl"/"$p"_*.deb 2>/dev/null | head -n 1)
		[ -n "$deb" ] || { rm -rf "$dl" "$new"; die "apt-get download $p left no .deb"; }
		dpkg -x "$deb" "$new" || { rm -rf "$dl" "$new"; die "dpkg -x $deb failed"; }
		rm -f "$sdir/debs/$p"_*.deb
		mv "$deb" "$sdir/debs/"
		echo "$p ${want[$p]}"
	done >"$new.versions"
	rm -rf "$dl" "$sdir/$t" "$sdir/$t.versions"
	mv "$new" "$sdir/$t"
	mv "$new.versions" "$sdir/$t.versions"
}

for t in "${!trees[@]}"; do
	stale=0
	for p in "${pkgs[@]}"; do
		[ "$(tree_of "$p")" = "$t" ] || continue
		[ "${have[$p]}" = "${want[$p]}" ] || stale=1
	done
	if [ "$stale" = 1 ]; then
		echo "$prog: downloading into $sdir/$t: $(for p in "${pkgs[@]}"; do
			[ "$(tree_of "$p")" = "$t" ] && printf '%s ' "$p ${want[$p]}"; done)" >&2
		fetch_tree "$t"
	fi
done

for p in "${pkgs[@]}"; do
	echo "$p ${want[$p]} $sdir/$(tree_of "$p")"
done
