# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# One KTAP result line per check, for the netns scenarios (lib.sh sources
# this) and the host tests (selftests/host/*.sh): "ok N - desc" or "not ok
# N - desc", numbered from 1, with the failed command's output as "# "
# diagnostics. Source it; it runs nothing.

NT_N=0			# number of the last check printed
NT_FAILED=0		# number of failed checks so far
NT_CHECK_JUST_FAILED=0	# lib.sh's ERR trap: a failed nt_check said why already

# nt_diag MESSAGE...: print a diagnostic line ("# MESSAGE").
nt_diag() {
	echo "# $*"
}

# nt_check DESC CMD [ARGS...]: run CMD; print "ok N - DESC" if it exits 0,
# else "not ok N - DESC" followed by CMD's output as diagnostics, and
# return 1 (so `set -e` ends the scenario; write `nt_check ... || true` to
# go on after a failure). CMD's output is shown only on failure. CMD runs
# in a subshell: variables it sets are lost (use a function that prints,
# or run it again outside nt_check).
nt_check() {
	local desc=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	NT_N=$((NT_N + 1))
	if [ "$rc" -eq 0 ]; then
		echo "ok $NT_N - $desc"
		return 0
	fi
	echo "not ok $NT_N - $desc"
	echo "# command: $* (exit $rc)"
	[ -n "$out" ] && printf '%s\n' "$out" | tail -n 40 | sed 's/^/# /'
	NT_FAILED=$((NT_FAILED + 1))
	NT_CHECK_JUST_FAILED=1
	return 1
}

# nt_check_fails DESC CMD [ARGS...]: like nt_check, but the check passes
# when CMD exits non-zero (for "must be refused" cases).
nt_check_fails() {
	local desc=$1
	shift
	nt_check "$desc" nt__fails "$@"
}
nt__fails() {
	if "$@"; then
		echo "unexpectedly succeeded"
		return 1
	fi
	return 0
}

# nt_is WANT CMD...: CMD succeeds and prints exactly WANT (for nt_check and
# lib.sh's nt_wait_until); else says what was expected and what came. Runs
# CMD with pipefail, so that a failing command piped into awk fails here
# instead of reading as an empty answer.
nt_is() {
	local want=$1 got
	shift
	got=$(set -o pipefail; "$@") || { echo "failed: $* (status $?)"; return 1; }
	[ "$got" = "$want" ] && return 0
	printf 'expected:\n%s\ngot:\n%s\n' "$want" "$got"
	return 1
}

# nt_silent WHAT CMD...: CMD succeeds and prints nothing (a linter or
# verifier with nothing to say); else says WHAT's status and what it printed.
nt_silent() {
	local what=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	[ "$rc" = 0 ] && [ -z "$out" ] && return 0
	echo "$what: status $rc"
	printf '%s\n' "$out"
	return 1
}

# nt_skip_check DESC REASON: record one skipped check
# ("ok N - DESC # SKIP REASON").
nt_skip_check() {
	NT_N=$((NT_N + 1))
	echo "ok $NT_N - $1 # SKIP $2"
}


# nt_ktap_status N BAD SKIPPED [REASON]: the verdict of a test of N
# results, BAD of them failed and SKIPPED skipped, for its own KTAP line:
# sets the caller's $status ("ok" or "not ok") and $directive (" # SKIP",
# then REASON if given, when all N were skipped; else empty).
nt_ktap_status() {
	directive=
	if [ "$2" -gt 0 ]; then
		status="not ok"
	else
		status=ok
		if [ "$3" -eq "$1" ]; then
			directive=" # SKIP${4:+ $4}"
		fi
	fi
}
