#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 1200
#
# Queries and peer flags (uapi.md "Queries", "Peer flags"): a GET of one
# peer by public key, the dump filters (one peer, no allowed IPs,
# statistics only), keys only on request, a disabled peer (no handshake
# either way, its traffic dropped and counted, enabled again as it was)
# and a description (64 bytes of printable UTF-8, checked by the kernel,
# a refused request changing nothing); then a device of 100 000 peers
# created, read one peer at a time (every one of them), dumped with each
# filter, and dumped while peers come and go; then tunctl's own dumps
# (show dump, showconf) under churn spread over the whole list, which
# must finish and print every peer that stayed exactly once (tunctl keeps
# a dump flagged interrupted). Every step of the large part
# prints its time as a "# nt-bench:" line. The whole scenario takes about
# 2.5 minutes under TCG (the 100 000 creations about 35 s, the 100 000
# per-peer GETs about 40 s, each dump 1.5 to 3 s, tunctl's show dump and
# showconf under churn about 10 s each with some 3000 peer changes during
# each, on a busy host), so it runs in full in make check.
#
#   +--------- ntq1-$$ ---------+  veth 10.63.0.0/24   +--------- ntq2-$$ ---------+
#   | nt0 10.163.0.1:631        |----------------------| nt0 10.163.0.2:632        |
#   |   peers: ntq2 (k2), k3    |                      |   peer: ntq1 (k1)         |
#   +---------------------------+                      +---------------------------+
#
#   +------------------- ntqbig-$$ -------------------+
#   | nt0: N generated peers (one /32 each) + k3      |
#   +-------------------------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="ntq1-$$"
ns2="ntq2-$$"
nsb="ntqbig-$$"

nt_kind noisetun ping awk
nt_testprog probe_bin nlprobe
nt_tmpdir

# The size of the large part (NT_QUERIES_PEERS overrides it).
big=${NT_QUERIES_PEERS:-100000}

nt_netns_new "$ns1" "$ns2" "$nsb"
nt_keys "$tmp" 1 2 3 4
(umask 077; tunctl genpsk >"$tmp/psk")
nt_veth_link "$ns1" "$ns2" 10.63.0
nt_tunnel_pair "$ns1" "$ns2" "$tmp" 10.63.0 10.163.0 63

t1() { ip netns exec "$ns1" tunctl "$@"; }
t2() { ip netns exec "$ns2" tunctl "$@"; }
P1() { ip netns exec "$ns1" "$probe_bin" "$@"; }
PB() { ip netns exec "$nsb" "$probe_bin" "$@"; }

t1 set nt0 peer "$pub2" preshared-key "$tmp/psk" \
	peer "$pub3" allowed-ips 10.163.0.3/32 endpoint 10.63.0.3:633
t2 set nt0 peer "$pub1" preshared-key "$tmp/psk"

# has_lines TEXT LINE...: every LINE is a whole line of TEXT.
has_lines() {
	local text=$1 l
	shift
	for l in "$@"; do
		grep -qxF -- "$l" <<<"$text" || { echo "no line '$l' in:"; echo "$text"; return 1; }
	done
}

# lacks TEXT PATTERN...: no line of TEXT matches any PATTERN (grep -E).
lacks() {
	local text=$1 p
	shift
	for p in "$@"; do
		if grep -qE -- "$p" <<<"$text"; then
			echo "'$p' found in:"
			echo "$text"
			return 1
		fi
	done
}

# count TEXT PATTERN: how many lines of TEXT match PATTERN.
count() {
	grep -cE -- "$2" <<<"$1" || true
}

# peers_are TEXT N: TEXT (nlprobe get) lists N peers; else shows TEXT.
peers_are() {
	[ "$(count "$1" "^peer ")" = "$2" ] && return 0
	echo "not $2 peers in:"
	echo "$1"
	return 1
}

# The checks of this scenario go on after a failure, to tell all at once.
chk() { nt_check "$@" || true; }
chk_fails() { nt_check_fails "$@" || true; }

# ---- queries ------------------------------------------------------------

priv1=$(cat "$tmp/k1")
psk=$(cat "$tmp/psk")

# Test that a GET of one peer (no NLM_F_DUMP) returns the device with that
# peer only.
got=$(P1 --no-dump --peer "$pub2" get nt0) || true
chk "per-peer GET: one peer, the one asked for" \
	eval 'peers_are "$got" 1 && has_lines "$got" "peer $pub2" "ifname nt0" "public_key $pub1" "listen_port 631" "  allowedip 10.163.0.2/32"'

# Test that an unknown public key is -ENOENT with an extack message, for
# the plain GET and for the dump.
got=$(P1 --no-dump --peer "$pub4" --expect ENOENT get nt0) || true
chk "per-peer GET of an unknown key: ENOENT, with a message" \
	grep -q "ENOENT: the device has no peer with this public key" <<<"$got"
got=$(P1 --peer "$pub4" --expect ENOENT get nt0) || true
chk "dump of an unknown key: ENOENT, with a message" \
	grep -q "ENOENT: the device has no peer with this public key" <<<"$got"

# Test that the dump filtered to one peer lists that peer only.
got=$(P1 --peer "$pub3" get nt0) || true
chk "dump filter one peer" \
	eval 'peers_are "$got" 1 && has_lines "$got" "peer $pub3" "  endpoint 10.63.0.3:633" "  allowedip 10.163.0.3/32"'

# Test that NO_ALLOWEDIPS leaves the ranges out and nothing else.
got=$(P1 --qflags 3 get nt0) || true
chk "dump filter without allowed IPs" \
	eval 'peers_are "$got" 2 && lacks "$got" allowedip && has_lines "$got" "  endpoint 10.63.0.2:632" "listen_port 631"'

# Test that STATS_ONLY carries the counters and no configuration.
got=$(P1 --qflags 4 --stats get nt0) || true
chk "dump filter statistics only" \
	eval 'peers_are "$got" 2 && [ "$(count "$got" "^  drops ")" = 2 ] && [ "$(count "$got" "^  counter13 ")" = 2 ] && lacks "$got" "^public_key" "^private_key" "^listen_port" "^fwmark" "^  endpoint" "^  allowedip" "^  preshared" "^  persistent_keepalive" "^  disabled"'

# Test that without the KEYS flag no private or preshared key is in a reply.
got=$(P1 --qflags 0 get nt0) || true
chk "no keys without the KEYS flag (dump)" \
	eval 'lacks "$got" private_key preshared_key && has_lines "$got" "public_key $pub1"'
got=$(P1 --qflags 0 --no-dump --peer "$pub2" get nt0) || true
chk "no keys without the KEYS flag (per-peer GET)" \
	eval 'lacks "$got" private_key preshared_key && has_lines "$got" "peer $pub2"'

# Test that with the flag the keys are there.
got=$(P1 --qflags 1 get nt0) || true
chk "keys with the KEYS flag" \
	has_lines "$got" "private_key $priv1" "  preshared_key $psk"

# Test that reading, with or without keys, still needs CAP_NET_ADMIN.
chk "GET with KEYS without CAP_NET_ADMIN: EPERM" \
	P1 --drop-caps --qflags 1 --expect EPERM get nt0
chk "GET without KEYS without CAP_NET_ADMIN: EPERM" \
	P1 --drop-caps --qflags 0 --no-dump --peer "$pub2" --expect EPERM get nt0

# Test that unknown query flags are refused.
chk "unknown QUERY_FLAGS bits: EOPNOTSUPP" \
	P1 --qflags 8 --expect EOPNOTSUPP get nt0

# Test that QUERY_PEER and QUERY_FLAGS are refused in a SET.
chk "QUERY_PEER in a SET: EINVAL" \
	P1 --expect EINVAL set ifname strz nt0 query_peer key "$pub2"
chk "QUERY_FLAGS in a SET: EINVAL" \
	P1 --expect EINVAL set ifname strz nt0 query_flags u32 1

# Test that tunctl asks for the keys where it prints them: show says
# (hidden) as wg does, showconf and the private-key field print them.
got=$(t1 show nt0) || true
chk "show: private and preshared key (hidden)" \
	has_lines "$got" "  private key: (hidden)" "  preshared key: (hidden)"
got=$(WG_HIDE_KEYS=never t1 show nt0) || true
chk "show with WG_HIDE_KEYS=never prints them" \
	has_lines "$got" "  private key: $priv1" "  preshared key: $psk"
chk "show nt0 private-key" nt_is "$priv1" t1 show nt0 private-key
got=$(t1 showconf nt0) || true
chk "showconf prints the keys" \
	has_lines "$got" "PrivateKey = $priv1" "PresharedKey = $psk"
chk "show nt0 transfer (statistics only) lists both peers" \
	eval '[ "$(t1 show nt0 transfer | wc -l)" = 2 ]'

# Test that show IFACE peer KEY shows that peer only, and refuses others.
got=$(t1 show nt0 peer "$pub3") || true
chk "show nt0 peer KEY: that peer only" \
	eval 'has_lines "$got" "interface: nt0" "peer: $pub3" "  allowed ips: 10.163.0.3/32" && lacks "$got" "$pub2"'
got=$(t1 show nt0 peer "$pub3" --json) || true
chk "show nt0 peer KEY --json" \
	eval 'grep -q "\"public_key\": \"$pub3\"" <<<"$got" && lacks "$got" "$pub2"'
got=$(t1 show nt0 peer "$pub4" 2>&1) || true
chk "show nt0 peer UNKNOWN fails, naming it" \
	grep -q "device 'nt0' has no peer $pub4" <<<"$got"

# ---- peer flags: disabled -------------------------------------------------

# peer_field NS KEY FIELD: a value of the peer KEY in `nlprobe --stats get`:
# FIELD is a drop reason (peer_disabled) or counter13 (handshake attempts).
peer_field() {
	ip netns exec "$1" "$probe_bin" --stats get nt0 | awk -v k="$2" -v f="$3" '
		$1 == "peer" { in_peer = ($2 == k) }
		in_peer && $1 == f { print $2; exit }
		in_peer && $1 == "drops" {
			for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) { print kv[2]; exit } }
		}'
}
# device_drop NS REASON: the device-wide count of REASON.
device_drop() {
	ip netns exec "$1" "$probe_bin" --stats get nt0 | awk -v f="$2" '
		$1 == "drops" { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) { print kv[2]; exit } } }'
}
ping1() { ip netns exec "$ns1" ping -c 1 -W 1 "$@" 10.163.0.2 >/dev/null 2>&1; }
ping2() { ip netns exec "$ns2" ping -c 1 -W 1 "$@" 10.163.0.1 >/dev/null 2>&1; }

# The configuration events of ntq1, for the end of this part.
nt_bg bash -c "ip netns exec '$ns1' tunctl monitor nt0 >'$tmp/events'"
# listening: a change of ntq3's keepalive is announced (so the monitor has
# joined).
ka=0
listening() {
	ka=$((ka % 2 + 1))
	t1 set nt0 peer "$pub3" persistent-keepalive "$ka"
	grep -q "changed: persistent-keepalive" "$tmp/events"
}
nt_wait_until 10 listening
t1 set nt0 peer "$pub3" persistent-keepalive off

# Test that the tunnel works before anything is disabled.
chk "ping through the tunnel" nt_wait_until 10 ping1
conf_before=$(t1 showconf nt0)

t1 set nt0 peer "$pub2" disable

# Test that the peer shows as disabled everywhere, its configuration kept.
got=$(t1 show nt0) || true
chk "show: disabled: yes" has_lines "$got" "  disabled: yes"
chk "showconf: Disabled = true" has_lines "$(t1 showconf nt0)" "Disabled = true"
chk "show --json: \"disabled\": true" \
	grep -q '"disabled": true' <<<"$(t1 show nt0 --json)"
chk "nlprobe: DISABLED 1" has_lines "$(P1 --peer "$pub2" get nt0)" "  disabled 1"
chk "configuration kept (showconf but for Disabled)" \
	[ "$(t1 showconf nt0 | grep -v '^Disabled = ')" = "$conf_before" ]

# Test that traffic to a disabled peer is dropped, counted, and starts no
# handshake.
drops_before=$(peer_field "$ns1" "$pub2" peer_disabled)
attempts_before=$(peer_field "$ns1" "$pub2" counter13)
chk_fails "no ping to the disabled peer" ping1 -c 3 -i 0.2
drops_after=$(peer_field "$ns1" "$pub2" peer_disabled)
chk "3 packets counted as peer_disabled" [ "$((drops_after - drops_before))" -ge 3 ]
chk "no handshake initiated to it" \
	[ "$(peer_field "$ns1" "$pub2" counter13)" = "$attempts_before" ]

# Test that its handshakes are refused and counted: ntq2 starts anew (down
# and up) and tries to reach ntq1.
hs2_before=$(t2 show nt0 latest-handshakes)
ip -n "$ns2" link set nt0 down
ip -n "$ns2" link set nt0 up
hs_before=$(peer_field "$ns1" "$pub2" peer_disabled)
ping2 -c 1 || true
refused() { [ "$(peer_field "$ns1" "$pub2" peer_disabled)" -gt "$hs_before" ]; }
chk "the disabled peer's initiation is refused and counted" nt_wait_until 10 refused
chk "the peer got no response: no handshake on its side" \
	nt_is "$hs2_before" t2 show nt0 latest-handshakes
chk "traffic from it does not get through" eval '! ping2 -c 2 -i 0.3'
nt_diag "peer_disabled: ntq1's peer $(peer_field "$ns1" "$pub2" peer_disabled), device $(device_drop "$ns1" peer_disabled)"

# Test that enabling needs nothing else: the tunnel comes back.
t1 set nt0 peer "$pub2" enable
chk "enabled again: ping works, no reconfiguring" nt_wait_until 15 ping1
chk "enabled again: the configuration is as before" \
	[ "$(t1 showconf nt0)" = "$conf_before" ]
chk "enabled again: nlprobe DISABLED 0" has_lines "$(P1 --peer "$pub2" get nt0)" "  disabled 0"

# ---- peer flags: description ----------------------------------------------

desc='office router – 2nd floor'
t1 set nt0 peer "$pub2" description "$desc"

# Test that the description is shown by show, showconf and --json.
chk "show: description" has_lines "$(t1 show nt0)" "  description: $desc"
chk "showconf: Description" has_lines "$(t1 showconf nt0)" "Description = $desc"
chk "show --json: description" \
	grep -qF "\"description\": \"$desc\"" <<<"$(t1 show nt0 --json)"

d64=$(printf '%064d' 7)
d65=$(printf '%065d' 7)
before=$(P1 get nt0)

# Test that 64 bytes pass and 65 are refused by the kernel, with a message,
# and that the request's other parts are not applied either.
chk "a description of 64 bytes" \
	P1 set ifname strz nt0 nest peers nest 0 public_key key "$pub3" description str "$d64" end end
got=$(P1 --expect EINVAL set ifname strz nt0 nest peers \
	nest 0 public_key key "$pub3" endpoint sa 10.63.0.9:639 description str x end \
	nest 1 public_key key "$pub2" description str "$d65" end end) || true
chk "65 bytes: EINVAL with a message" grep -q "EINVAL: peer DESCRIPTION is longer than 64 bytes" <<<"$got"
got=$(P1 --expect EINVAL set ifname strz nt0 nest peers \
	nest 0 public_key key "$pub3" disabled u8 1 end \
	nest 1 public_key key "$pub2" description hex 6f6666ff6365 end end) || true
chk "invalid UTF-8: EINVAL with a message" grep -q "EINVAL: peer DESCRIPTION is not printable UTF-8" <<<"$got"
chk "a control character: EINVAL" \
	P1 --expect EINVAL set ifname strz nt0 nest peers nest 0 public_key key "$pub2" description hex 610a62 end end
chk "an overlong UTF-8 form: EINVAL" \
	P1 --expect EINVAL set ifname strz nt0 nest peers nest 0 public_key key "$pub2" description hex 61c0af end end
chk "DISABLED 2: EINVAL" \
	P1 --expect EINVAL set ifname strz nt0 nest peers nest 0 public_key key "$pub2" disabled u8 2 end end
after=$(P1 get nt0)
chk "nothing of the refused requests was applied" \
	[ "$(grep -v "description $d64" <<<"$after")" = "$before" ]
chk "tunctl refuses 65 bytes itself" eval '! t1 set nt0 peer "$pub2" description "$d65" 2>/dev/null'

# Test that syncconf keeps both: the file showconf writes gives them back.
t1 set nt0 peer "$pub3" disable description "spare"
t1 showconf nt0 >"$tmp/conf"
chk "syncconf of showconf's file" t1 syncconf nt0 "$tmp/conf"
chk "syncconf kept description and disabled" \
	[ "$(t1 showconf nt0)" = "$(cat "$tmp/conf")" ]
grep -v -e '^Description = spare' -e '^Disabled = ' "$tmp/conf" >"$tmp/conf2"
chk "syncconf of a file without them" t1 syncconf nt0 "$tmp/conf2"
got=$(P1 --peer "$pub3" get nt0) || true
chk "what the file leaves out is off, as setconf would have it" \
	eval 'has_lines "$got" "  disabled 0" && lacks "$got" "description"'
chk "the description the file keeps stays" \
	has_lines "$(P1 --peer "$pub2" get nt0)" "  description $desc"

# Test that each change was announced as a peer change.
announced() {	# announced PUB CHANGE N: at least N such events
	[ "$(grep -c "peer $1: changed: .*$2" "$tmp/events")" -ge "$3" ]
}
chk "events: disabled, enabled, disabled and cleared by syncconf" \
	nt_wait_until 5 eval 'announced "$pub2" disabled 2 && announced "$pub3" disabled 2'
chk "events: description set, changed and cleared" \
	nt_wait_until 5 eval 'announced "$pub2" description 1 && announced "$pub3" description 3'
grep -q "changed: .*disabled\|changed: .*description" "$tmp/events" ||
	nt_diag "events: $(cat "$tmp/events")"

# ---- many peers -------------------------------------------------------------

# ms CMD...: run CMD, print its output, and set $elapsed (milliseconds).
ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$@"
	t1=$(date +%s%N)
	elapsed=$(((t1 - t0) / 1000000))
}
# field LINE KEY: the value of KEY=VALUE in LINE.
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
bench() {	# bench ID MS LABEL...
	local id=$1 v=$2
	shift 2
	nt_bench_record "queries-$id" lower ms "$v" "" "$*"
}

ip -n "$nsb" link add nt0 type noisetun

# Test that $big peers, one /32 each, go in.
ms PB gen nt0 "$big" "$big" >"$tmp/gen"
gen_out=$(cat "$tmp/gen")
bench create "$elapsed" "create $big peers with one allowed IP each"
nt_check "$big peers created" [ "$(field "$gen_out" peers)" = "$big" ]
ip netns exec "$nsb" tunctl set nt0 peer "$pub3" allowed-ips 10.250.0.1/32
total=$((big + 1))

# Test per-peer GETs: every peer, one GET each.
gets=$big
ms PB peerget nt0 "$big" "$gets" >"$tmp/get"
get_out=$(cat "$tmp/get")
bench peer-gets "$elapsed" "$gets per-peer GETs (one process) of $big peers"
nt_diag "per-peer GETs: $get_out"
nt_check "$gets per-peer GETs, each that peer" [ "$(field "$get_out" bad)" = 0 ]
ms ip netns exec "$nsb" tunctl show nt0 peer "$pub3" >"$tmp/show"
bench show-peer "$elapsed" "tunctl show nt0 peer KEY among $total peers"
nt_check "tunctl show nt0 peer KEY among $total" \
	eval '[ "$(grep -c "^peer: " "$tmp/show")" = 1 ] && grep -q "^peer: $pub3" "$tmp/show"'


# dump_check FLAGS ID LABEL WANT_IPS: a summary dump with QUERY_FLAGS, timed.
dump_check() {
	local got
	ms PB --qflags "$1" summary nt0 >"$tmp/dump"
	got=$(cat "$tmp/dump")
	bench "$2" "$elapsed" "dump of $total peers: $3"
	nt_diag "dump ($3): $got"
	has_peers() { [ "$(field "$got" peers)" = "$total" ] && [ "$(field "$got" allowedips)" = "$1" ] && [ "$(field "$got" errors)" = 0 ]; }
	nt_check "dump $3: $total peers, $4 ranges" has_peers "$4"
}
dump_check 1 dump-all "everything, keys included" "$total"
dump_check 0 dump-nokeys "without keys" "$total"
dump_check 2 dump-noips "without allowed IPs" 0
dump_check 4 dump-stats "statistics only" 0
ms PB --peer "$pub3" summary nt0 >"$tmp/dump"
got=$(cat "$tmp/dump")
bench dump-one "$elapsed" "dump filtered to one peer among $total"
nt_check "dump filtered to one peer among $total" \
	eval '[ "$(field "$got" peers)" = 1 ] && [ "$(field "$got" allowedips)" = 1 ]'

# Test that dumps of all of them keep working while peers come and go:
# each dump ends normally, without a malformed peer, and lists at least
# every peer that stayed (a peer added or removed meanwhile may or may
# not be listed; the dump is flagged interrupted).
churn() {
	local i=0
	while [ ! -e "$tmp/stop" ]; do
		PB set ifname strz nt0 nest peers nest 0 public_key key "$pub4" \
			nest allowedips nest 0 family u16 2 ipaddr ip 10.251.0.1 cidr_mask u8 32 \
			end end end end >/dev/null || true
		PB set ifname strz nt0 nest peers nest 0 public_key key "$pub4" flags u32 1 end end >/dev/null || true
		i=$((i + 2))
		echo "$i" >"$tmp/churned"
	done
}
rm -f "$tmp/stop"
nt_bg churn
dumps=0 bad=0 intr=0 dump_ms=0
for round in 1 2 3; do
	ms PB --qflags 2 summary nt0 >"$tmp/dump" 2>&1 || true
	got=$(cat "$tmp/dump")
	dumps=$((dumps + 1))
	dump_ms=$((dump_ms + elapsed))
	n=$(field "$got" peers)
	[ "$(field "$got" intr)" = 1 ] && intr=$((intr + 1))
	if [ -z "$n" ] || [ "$n" -lt "$total" ] || [ "$n" -gt $((total + 2)) ] ||
	   [ "$(field "$got" errors)" != 0 ]; then
		bad=$((bad + 1))
		nt_diag "bad dump under churn: $got"
	fi
done
touch "$tmp/stop"
churned=$(cat "$tmp/churned" 2>/dev/null || echo 0)
bench dump-churn "$((dump_ms / dumps))" "dump of $total peers while one is added and removed over and over (mean of $dumps)"
nt_diag "under churn: $dumps dumps, $intr flagged interrupted, $churned SETs meanwhile"
nt_check "dumps under churn end normally and list every peer that stayed" [ "$bad" = 0 ]
nt_check "peers were added and removed during the dumps" [ "$churned" -gt 0 ]
nt_wait_until 10 eval '! kill -0 "$NT_LAST_PID" 2>/dev/null' || true

# Test that the device is whole afterwards: a quiet dump is consistent.
got=$(PB --qflags 2 summary nt0)
nt_check "after the churn: $total or $((total + 1)) peers, not interrupted" \
	eval '[ "$(field "$got" intr)" = 0 ] && [ "$(field "$got" peers)" -ge "$total" ]'

# ---- tunctl under churn -----------------------------------------------------

# Test that tunctl's dumps (show dump, showconf) finish under steady churn
# spread over the whole list, within a bounded time, and print every peer
# that stayed exactly once: tunctl keeps a dump flagged interrupted (the
# kernel goes on past a removed cursor and inside a peer's ranges; uapi.md
# "Dumps") rather than starting again, and keeps one copy of a peer listed
# twice. One peer in 1000 of the list, spread from its start to its end,
# is removed and added again (at the list's tail) over and over.
TB() { ip netns exec "$nsb" tunctl "$@"; }
TB show nt0 peers >"$tmp/all"
awk 'NR % 1000 == 500' "$tmp/all" >"$tmp/churnkeys"
sort "$tmp/churnkeys" >"$tmp/churnkeys.sorted"
sort "$tmp/all" | comm -23 - "$tmp/churnkeys.sorted" >"$tmp/stable"
nchurn=$(wc -l <"$tmp/churnkeys")
nstable=$(wc -l <"$tmp/stable")
nt_diag "tunctl under churn: $(wc -l <"$tmp/all") peers, $nchurn churned, $nstable stay"
remove_args=() add_args=()
j=0
while read -r k; do
	j=$((j + 1))
	remove_args+=(peer "$k" remove)
	add_args+=(peer "$k" allowed-ips "10.252.$((j / 250)).$((j % 250 + 1))/32")
done <"$tmp/churnkeys"
tchurn() {
	local i=0
	while [ ! -e "$tmp/stop2" ]; do
		TB set nt0 "${remove_args[@]}" >/dev/null 2>&1 || true
		TB set nt0 "${add_args[@]}" >/dev/null 2>&1 || true
		i=$((i + 2 * nchurn))
		echo "$i" >"$tmp/tchurned"
	done
}
# exactly_once FILE: every stable key is in FILE (one key a line) once,
# and no key is in it twice; else says which.
exactly_once() {
	local dups missing
	dups=$(sort "$1" | uniq -d | head -3)
	missing=$(sort -u "$1" | comm -13 - "$tmp/stable" | head -3)
	[ -z "$dups" ] && [ -z "$missing" ] && return 0
	echo "listed twice: ${dups:-none}; missing: ${missing:-none}"
	return 1
}
churned_now() { cat "$tmp/tchurned" 2>/dev/null || echo 0; }
# tunctl_dump ID LABEL EXTRACT CMD...: run CMD (a program, not a shell
# function: timeout runs it; timed, at most 300 s) under churn, its keys
# extracted by the awk program EXTRACT.
tunctl_dump() {
	local id=$1 label=$2 extract=$3 c0 c1 t0 rc=0
	shift 3
	c0=$(churned_now)
	t0=$(date +%s%N)
	timeout 300 "$@" >"$tmp/tout" 2>"$tmp/terr" || rc=$?
	elapsed=$((($(date +%s%N) - t0) / 1000000))
	c1=$(churned_now)
	bench "$id" "$elapsed" "tunctl $label of ~$total peers while $nchurn come and go"
	nt_diag "tunctl $label under churn: ${elapsed} ms, exit $rc, $(wc -l <"$tmp/tout") lines, $((c1 - c0)) peer changes meanwhile"
	[ "$rc" = 0 ] || nt_diag "stderr: $(head -c 300 "$tmp/terr")"
	awk "$extract" "$tmp/tout" >"$tmp/tkeys"
	chk "tunctl $label completes under churn (within 300 s)" [ "$rc" = 0 ]
	chk "tunctl $label lists every peer that stayed exactly once" \
		exactly_once "$tmp/tkeys"
	chk "tunctl $label: peers came and went while it ran" [ "$c1" -gt "$c0" ]
}
rm -f "$tmp/stop2" "$tmp/tchurned"
nt_bg tchurn
nt_wait_until 30 eval '[ "$(churned_now)" -gt 0 ]' || true
tunctl_dump tunctl-dump-churn "show nt0 dump" 'NR > 1 { print $1 }' \
	ip netns exec "$nsb" tunctl show nt0 dump
tunctl_dump tunctl-showconf-churn "showconf nt0" '$1 == "PublicKey" { print $3 }' \
	ip netns exec "$nsb" tunctl showconf nt0
got=$(PB --qflags 0 summary nt0) || true
nt_diag "an nlprobe dump under the same churn: $got"
touch "$tmp/stop2"
nt_wait_until 30 eval '! kill -0 "$NT_LAST_PID" 2>/dev/null' || true
