#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The systemd units of tools/systemd, run on the host by make check
# (systemd is not booted: the units are checked, not started). Prints KTAP.
#
# `make -C tools install` (what `make install` runs for tunctl) puts them
# under DESTDIR and PREFIX with tunctl's installed path in their commands;
# systemd-analyze verify accepts their instances (tunctl-quick@nt0.service,
# tunctl-reresolve@nt0.service and .timer) without a word; they behave
# like wg-quick@.service (oneshot, RemainAfterExit, up/down, a reload
# through syncconf and strip), and the reload command line, run as systemd
# runs it, hands syncconf what strip prints.

set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/noisetun-units.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

source "$top/selftests/ktap.sh"

units=(tunctl-quick@.service tunctl-quick.target tunctl-reresolve@.service
       tunctl-reresolve@.timer)

echo "KTAP version 1"
echo "1..9"

# Test that install (DESTDIR, PREFIX=/usr) puts the four units in PREFIX/lib/systemd/system.
inst() {
	make -s -C "$top/tools" install DESTDIR="$tmp/dest" PREFIX=/usr >"$tmp/inst.log" 2>&1 ||
		{ cat "$tmp/inst.log"; return 1; }
	local u
	for u in "${units[@]}"; do
		[ -f "$tmp/dest/usr/lib/systemd/system/$u" ] || { echo "missing: $u"; find "$tmp/dest"; return 1; }
	done
}
nt_check "make -C tools install DESTDIR=... PREFIX=/usr installs the units" inst
d=$tmp/dest/usr/lib/systemd/system

# Test that the commands name the installed tunctl, with nothing left to substitute.
nt_check "ExecStart/ExecStop are /usr/bin/tunctl up|down %i" \
	nt_is $'ExecStart=/usr/bin/tunctl up %i\nExecStop=/usr/bin/tunctl down %i' \
	grep -h -E '^Exec(Start|Stop)=' "$d/tunctl-quick@.service"
nt_check "no @...@ left in any unit" bash -c "! grep -n '@[A-Z]*@' $d/*"

# Test that tunctl-quick@ is what wg-quick@ is: oneshot, stays active, on in multi-user.target.
quick_like_wg() {
	local want
	for want in Type=oneshot RemainAfterExit=yes WantedBy=multi-user.target \
		    PartOf=tunctl-quick.target "After=network-online.target nss-lookup.target" \
		    "ExecReload=/bin/bash -c 'exec /usr/bin/tunctl syncconf %i <(exec /usr/bin/tunctl strip %i)'"; do
		grep -q -F -x -- "$want" "$d/tunctl-quick@.service" || { echo "missing: $want"; return 1; }
	done
}
nt_check "tunctl-quick@: oneshot, RemainAfterExit, reload via syncconf/strip" quick_like_wg
# Test that the timer runs the reresolve service every 30 s, to the second.
nt_check "tunctl-reresolve@.timer: every 30 s, AccuracySec=1s, in timers.target" \
	nt_is $'OnActiveSec=30s\nOnUnitActiveSec=30s\nAccuracySec=1s\nWantedBy=timers.target' \
	grep -E '^(On|Accuracy|WantedBy)' "$d/tunctl-reresolve@.timer"
nt_check "tunctl-reresolve@: tunctl reresolve %i, only while %i exists" \
	nt_is $'ConditionPathExists=/sys/class/net/%i\nExecStart=/usr/bin/tunctl reresolve %i' \
	grep -E '^(Condition|ExecStart)' "$d/tunctl-reresolve@.service"

# Test that systemd-analyze verify takes the instances without a word (with
# PREFIX in a temporary directory, so that the tunctl and man page the
# units name exist: verify checks both).
verify() {
	command -v systemd-analyze >/dev/null || { echo "systemd-analyze missing (make deps: systemd)"; return 1; }
	make -s -C "$top/tools" install PREFIX="$tmp/p" >"$tmp/inst2.log" 2>&1 ||
		{ cat "$tmp/inst2.log"; return 1; }
	nt_silent "systemd-analyze verify" \
		env -C "$tmp/p/lib/systemd/system" MANPATH="$tmp/p/share/man:" \
		systemd-analyze verify ./tunctl-quick@nt0.service ./tunctl-quick.target \
		./tunctl-reresolve@nt0.service ./tunctl-reresolve@nt0.timer
}
nt_check "systemd-analyze verify: the instances for nt0, no warning ($(systemd-analyze --version 2>/dev/null | head -n 1))" verify
# Test that verify is not blind: an unknown key and a missing program are reported.
verify_sees() {
	local b=$tmp/broken out
	mkdir -p "$b"
	sed -e 's|^Type=oneshot|Type=oneshot\nNoSuchKey=1|' -e "s|$tmp/p/bin/tunctl up|$tmp/none/tunctl up|" \
		"$tmp/p/lib/systemd/system/tunctl-quick@.service" >"$b/tunctl-quick@.service"
	cp "$tmp/p/lib/systemd/system/tunctl-quick.target" "$b/"
	out=$(cd "$b" && MANPATH="$tmp/p/share/man:" systemd-analyze verify ./tunctl-quick@nt0.service 2>&1)
	grep -q "NoSuchKey" <<<"$out" && grep -q "$tmp/none/tunctl" <<<"$out" && return 0
	echo "verify said: $out"
	return 1
}
nt_check "systemd-analyze verify reports a broken copy" verify_sees

# Test that the reload line, run as systemd runs it (one level of quotes
# taken off, %i replaced), gives syncconf a file holding what strip prints.
reload() {
	local stub=$tmp/stub line cmd
	mkdir -p "$stub"
	cat >"$stub/tunctl" <<'EOF'
#!/bin/bash
case "$1" in
strip) echo "[Interface] of $2, stripped" ;;
syncconf) echo "syncconf $2: $(cat "$3")" ;;
*) echo "unexpected: $*"; exit 1 ;;
esac
EOF
	chmod 755 "$stub/tunctl"
	line=$(sed -n 's/^ExecReload=//p' "$d/tunctl-quick@.service")
	cmd=${line//%i/nt0}
	cmd=${cmd//\/usr\/bin\/tunctl/$stub/tunctl}
	eval "set -- $cmd"
	nt_is "syncconf nt0: [Interface] of nt0, stripped" "$@"
}
nt_check "ExecReload: syncconf nt0 <(strip nt0)" reload
