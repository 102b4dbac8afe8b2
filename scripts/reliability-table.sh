#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The reliability table: what the last `make check` (stock kernel) and
# `make check-debug` (sanitizing debug kernel) runs tried against bad
# input, floods, concurrency, faults and fuzzing, and how it went. It is
# made from the runs' own records (.cache/check*/tests.tsv, one line per
# test: name, leaves, passed, failed, skipped; fuzz.tsv, one line per
# fuzzer: test, fuzzer, seconds, cases) and the `# nt-category:` header
# of each scenario; host/fuzz (tunctl's libFuzzer harnesses) counts as
# fuzz.
#
# Usage: scripts/reliability-table.sh            print the table (Markdown)
#        scripts/reliability-table.sh --readme   also put it in README.md,
#            between the "reliability-table" markers
#
# NT_CHECK_DIRS overrides the runs read ("LABEL=DIR LABEL=DIR"; a run may
# be several directories joined with "+": make check and make check-long
# together are the stock kernel's).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
readme=0
[ "${1:-}" = --readme ] && readme=1

: "${NT_CHECK_DIRS:=stock=.cache/check+.cache/check-long debug=.cache/check-debug}"
labels=() dirs=()
for ld in $NT_CHECK_DIRS; do
	labels+=("${ld%%=*}")
	dirs+=("${ld#*=}")
done

# category TEST: the category of a test, or nothing.
category() {
	case $1 in
	host/fuzz) echo fuzz; return ;;
	*/* | build/* | kernel-health) return ;;
	esac
	local f=selftests/netns/$1
	[ -r "$f" ] || return 0
	sed -n 's/^# nt-category: *//p' "$f" | head -n 1
}

cats=("bad UDP input" "bad netlink and tunctl input" "floods" "concurrency" "faults" "fuzz")

# Per run and category: scenarios, leaves, passed, failed, skipped.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# records RUN FILE: the run's FILE (tests.tsv, fuzz.tsv) of each of its
# directories, one after the other.
records() {
	local d
	local IFS=+
	for d in ${dirs[$1]}; do
		cat "$d/$2" 2>/dev/null || true
	done
}
for i in "${!dirs[@]}"; do
	: >"$tmp/$i"
	while IFS=$'\t' read -r name n pass bad skip; do
		c=$(category "$name")
		[ -n "$c" ] && printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$name" "$n" "$pass" "$bad" "$skip" >>"$tmp/$i"
	done < <(records "$i" tests.tsv)
done

cell() {	# cell RUN CATEGORY: "P/N passed (F failed, S skipped)" or "not run"
	awk -F'\t' -v c="$2" '$1 == c { s++; n += $3; p += $4; f += $5; k += $6 }
		END {
			if (!s) { print "not run"; exit }
			printf "%d/%d passed, %d scenario%s", p, n, s, s == 1 ? "" : "s"
			if (f) printf ", **%d failed**", f
			if (k) printf ", %d skipped", k
			printf "\n"
		}' "$tmp/$1"
}

scenarios() {	# scenarios CATEGORY: the scenarios of the category, short names
	local f out=
	for f in selftests/netns/[0-9]*.sh; do
		grep -q "^# nt-category: *$1\$" "$f" || continue
		out+="${out:+, }$(basename "$f" .sh)"
	done
	[ "$1" = fuzz ] && out+="${out:+, }host/fuzz"
	echo "$out"
}

table() {
	local c i
	printf '| category | scenarios |'
	for i in "${!labels[@]}"; do printf ' %s kernel |' "${labels[$i]}"; done
	printf '\n| --- | --- |'
	for i in "${!labels[@]}"; do printf ' --- |'; done
	printf '\n'
	for c in "${cats[@]}"; do
		printf '| %s | %s |' "$c" "$(scenarios "$c")"
		for i in "${!labels[@]}"; do printf ' %s |' "$(cell "$i" "$c")"; done
		printf '\n'
	done
	echo
	printf '| fuzzer |'
	for i in "${!labels[@]}"; do printf ' %s kernel |' "${labels[$i]}"; done
	printf '\n| --- |'
	for i in "${!labels[@]}"; do printf ' --- |'; done
	printf '\n'
	for i in "${!labels[@]}"; do records "$i" fuzz.tsv; done | cut -f2 | sort -u | while IFS= read -r fz; do
		printf '| %s |' "$fz"
		for i in "${!labels[@]}"; do
			printf ' %s |' "$(records "$i" fuzz.tsv | awk -F'\t' -v z="$fz" '$2 == z { s += $3; n += $4; k++ }
				END { if (k) printf "%d s, %d cases\n", s, n; else print "not run" }')"
		done
		printf '\n'
	done
	echo
	for i in "${!labels[@]}"; do
		local when=unknown first=${dirs[$i]%%+*}
		[ -r "$first/tests.tsv" ] && when=$(date -u -r "$first/tests.tsv" '+%Y-%m-%d %H:%M UTC')
		printf '%s' "${labels[$i]}: run of $when"
		[ -r "$first/kernel" ] && printf ' on %s' "$(cat "$first/kernel")"
		printf '. '
	done
	printf '\n'
}

table >"$tmp/table"
cat "$tmp/table"

if [ "$readme" = 1 ]; then
	begin='<!-- reliability-table: begin (scripts/reliability-table.sh --readme) -->'
	end='<!-- reliability-table: end -->'
	grep -qF "$begin" README.md || { echo "README.md has no reliability-table markers" >&2; exit 1; }
	awk -v b="$begin" -v e="$end" -v t="$tmp/table" '
		$0 == b { print; while ((getline l < t) > 0) print l; skip = 1; next }
		$0 == e { skip = 0 }
		!skip' README.md >"$tmp/readme"
	cat "$tmp/readme" >README.md
	echo "README.md: table updated" >&2
fi
