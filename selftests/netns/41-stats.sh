#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 400
#
# The statistics of `tunctl show IFACE stats` and `show --json`
# (Documentation/uapi.md "Statistics"), each predicted exactly from what was
# scripted: handshakes completed as initiator and as responder with their
# round trips, handshakes answered, the last receive time, initiations
# answered without a session following, a flood of copies of one
# initiation (udpflood) that puts nt0 under load (cookie replies sent, handshakes answered, time under
# load, the handshake queue's length), valid and invalid cookie replies
# received (evilpeer's `fuzz class=cookie`, which predicts them), and,
# with NT_SLOW=1, a handshake given up after REKEY_ATTEMPT_TIME.
#
# What nt0 sent is counted where it arrives (evilpeer's rx_response,
# udpflood's answers), and ns3's UDP receive-buffer errors say whether any
# of it was lost on the way in; only then are the two compared one by one.
#
#  +--- ntst2-$$ ----+      +-------- ntst1-$$ ---------+      +--- ntst3-$$ ---+
#  | nt1 10.97.0.2   |      | nt0 10.97.0.1, port 4001  |      | evilpeer       |
#  | port 4002       |      | peers: nt1, evilpeer,     |      | 10.97.0.3      |
#  |                 |      |  (slow) a silent key      |      | port 4003      |
#  |                 |      |                           |      | udpflood       |
#  | veth2 ----------+------+- veth1         veth3 -----+------+- veth4        |
#  | 192.168.71.2    |      | 192.168.71.1  192.168.72.1|      | 192.168.72.2   |
#  +-----------------+      +---------------------------+      +----------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="ntst1-$$"
ns2="ntst2-$$"
ns3="ntst3-$$"
nt_tmpdir
nt_kind noisetun ping gawk
nt_testprog evilpeer evilpeer
nt_testprog udpflood udpflood

cleanup() {
	nt_ep_stop
	nt_cleanup
}

nt_netns_new "$ns1" "$ns2" "$ns3"
nt_veth_link "$ns1" "$ns2" 192.168.71
nt_veth_link "$ns1" "$ns3" 192.168.72 veth3 veth4
umask 077
nt_keys "$tmp" 1 2 3 4	# 1: nt0, 2: nt1, 3: evilpeer, 4: no one

ip -n "$ns1" link add nt0 type noisetun
ip netns exec "$ns1" tunctl set nt0 private-key "$tmp/k1" listen-port 4001 \
	peer "$pub2" allowed-ips 10.97.0.2/32 endpoint 192.168.71.2:4002 \
	peer "$pub3" allowed-ips 10.97.0.3/32
ip -n "$ns1" addr add 10.97.0.1/24 dev nt0
ip -n "$ns1" link set nt0 up
ip -n "$ns2" link add nt1 type noisetun
ip netns exec "$ns2" tunctl set nt1 private-key "$tmp/k2" listen-port 4002 \
	peer "$pub1" allowed-ips 10.97.0.0/24 endpoint 192.168.71.1:4001
ip -n "$ns2" addr add 10.97.0.2/24 dev nt1
ip -n "$ns2" link set nt1 up

# stats NS DEV: `show DEV --json` in NS, as "WHO KEY VALUE" lines, WHO
# "dev" or a peer's public key, for every number outside the drops
# (whose reasons come as "WHO d.REASON VALUE").
stats() {
	ip netns exec "$1" tunctl show "$2" --json | gawk '
		/"peers": \[/ { peers = 1 }
		peers && /"public_key":/ { who = $2; gsub(/[",]/, "", who) }
		/"drops": \{/ { dr = 1; next }
		dr && /\}/ { dr = 0; next }
		/^ *"[a-z_0-9]+": [0-9]+,?$/ {
			k = $1; gsub(/[":]/, "", k); v = $2; sub(/,$/, "", v)
			print (peers ? who : "dev"), (dr ? "d." k : k), v }'
}

# stat NS DEV WHO KEY: one of them.
stat() {
	stats "$1" "$2" | gawk -v w="$3" -v k="$4" '$1 == w && $2 == k { print $3; f = 1 } END { if (!f) print "missing" }'
}

# human_has NS REGEX...: `tunctl show nt0 stats` in NS, read once, has a
# line matching each extended REGEX (what it printed goes with a failure).
human_has() {
	local ns=$1 out re
	shift
	out=$(ip netns exec "$ns" tunctl show nt0 stats) || return 1
	printf '%s\n' "$out"
	for re in "$@"; do
		grep -Eq -- "$re" <<<"$out" || { echo "no line matches /$re/"; return 1; }
	done
}

# is WANT NS DEV WHO KEY: stat is exactly WANT.
is() {
	nt_is "$1" stat "$2" "$3" "$4" "$5"
}

# Test that a fresh device reports every statistic, all zero: nothing
# received, no round trip yet, an empty queue, never under load.
for k in cookies_sent handshakes_answered under_load_ns handshake_queue_len; do
	nt_check "fresh nt0: $k is 0" is 0 "$ns1" nt0 dev "$k"
done
for k in latest_receive last_handshake_rtt_ns handshakes_completed handshakes_failed cookies_received; do
	nt_check "fresh nt0: peer nt1's $k is 0" is 0 "$ns1" nt0 "$pub2" "$k"
done
# Test that the human form says so at a glance.
nt_check "show nt0 stats: never received, no round trip, never under load" \
	human_has "$ns1" 'last received: never' 'round trip: none yet' 'under load: never'

# --- one handshake each way ----------------------------------------------------
# Test that nt0 reaches nt1 (nt0 initiates: one handshake).
ping_time=$(date +%s)
nt_check "nt0 pings nt1" ip netns exec "$ns1" ping -c 1 -W 5 10.97.0.2
# nt1 completes as responder once nt0's first data arrives (the ping).
nt_wait_until 5 is 1 "$ns2" nt1 "$pub1" handshakes_completed >/dev/null || true
# Test that each side counted one completed handshake and nt1 one answered.
nt_check "nt0: peer nt1 handshakes_completed 1 (initiator)" is 1 "$ns1" nt0 "$pub2" handshakes_completed
nt_check "nt1: peer nt0 handshakes_completed 1 (responder)" is 1 "$ns2" nt1 "$pub1" handshakes_completed
nt_check "nt1: handshakes_answered 1" is 1 "$ns2" nt1 dev handshakes_answered
nt_check "nt0: handshakes_answered 0" is 0 "$ns1" nt0 dev handshakes_answered
nt_check "nt0: peer nt1 handshakes_failed 0" is 0 "$ns1" nt0 "$pub2" handshakes_failed
# Test that both round trips were measured, and are under REKEY_TIMEOUT
# (5 s: the first initiation was answered).
rtt_ok() {
	local v
	v=$(stat "$@" last_handshake_rtt_ns)
	echo "rtt $v ns"
	[ "$v" -gt 0 ] && [ "$v" -lt 5000000000 ]
}
nt_check "nt0: round trip to nt1 measured (initiator)" rtt_ok "$ns1" nt0 "$pub2"
nt_check "nt1: round trip to nt0 measured (responder)" rtt_ok "$ns2" nt1 "$pub1"
# Test that the last receive time is that of the ping (the clock read
# just before it, to now; the kernel's coarse clock may lag a tick).
recent() {
	local v now
	v=$(stat "$@" latest_receive) now=$(date +%s)
	echo "latest_receive $v, ping at $ping_time, now $now"
	[ "$v" -ge $((ping_time - 1)) ] && [ "$v" -le "$now" ]
}
nt_check "nt0: nt1 last received at the ping" recent "$ns1" nt0 "$pub2"
nt_check "nt1: nt0 last received at the ping" recent "$ns2" nt1 "$pub1"
# Test that the human form shows the handshakes and the round trip.
nt_check "show nt0 stats: 1 completed, 0 failed, a round trip in ms" \
	human_has "$ns1" 'handshakes: 1 completed, 0 failed, 1 initiations sent' \
	'round trip: [0-9.]+ (us|ms|s)$'

# --- evilpeer: handshakes, bare initiations, a flood, cookie replies ------------
nt_ep_start "$ns3" --key "$tmp/k3" --peer-key "$tmp/p1" \
	--bind 192.168.72.2:4003 --endpoint 192.168.72.1:4001 \
	--addr4 10.97.0.3 --dev-addr4 10.97.0.1

# ep_stat NAME: evilpeer's counter NAME now (after taking what came).
ep_stat() {
	nt_ep recv ms=300 >/dev/null || true
	nt_ep_val "$1"
}
# rcvbuf_errors: UDP datagrams ns3 (evilpeer, udpflood) lost to a full buffer.
rcvbuf_errors() {
	ip netns exec "$ns3" cat /proc/net/snmp | gawk '$1 == "Udp:" { if (!h) { for (i = 2; i <= NF; i++) n[i] = $i; h = 1; next } for (i = 2; i <= NF; i++) if (n[i] == "RcvbufErrors") print $i }'
}

# Test that three handshakes with evilpeer, each confirmed by a
# keepalive, count three answered and three completed.
for i in 1 2 3; do
	nt_ep handshake confirm=1 || true
	nt_check "evilpeer handshake $i" nt_ep_ok
	sleep 0.05	# (nt0 refuses a peer's initiations closer than 20 ms)
done
nt_wait_until 5 is 3 "$ns1" nt0 "$pub3" handshakes_completed >/dev/null || true
nt_check "nt0: handshakes_answered 3" is 3 "$ns1" nt0 dev handshakes_answered
nt_check "nt0: peer evilpeer handshakes_completed 3 (responder)" is 3 "$ns1" nt0 "$pub3" handshakes_completed
nt_check "nt0: round trip to evilpeer measured (responder)" rtt_ok "$ns1" nt0 "$pub3"

# Test that 5 initiations 100 ms apart, never followed by data, are
# answered (5 more) but complete nothing.
resp0=$(ep_stat rx_response)
nt_ep initiations count=5 rate=10 || true
nt_check "evilpeer: 5 initiations, 10 a second" nt_ep_ok
nt_wait_until 5 is 8 "$ns1" nt0 dev handshakes_answered >/dev/null || true
nt_check "nt0: handshakes_answered 8" is 8 "$ns1" nt0 dev handshakes_answered
nt_check "evilpeer received the 5 responses" nt_is 5 echo $(($(ep_stat rx_response) - resp0))
nt_check "nt0: peer evilpeer handshakes_completed still 3" is 3 "$ns1" nt0 "$pub3" handshakes_completed

# The flood: one real initiation from evilpeer's key, captured by
# udpflood, then replayed at nt0 as fast as udpflood sends, from 16 ports
# (35-handshake-flood.sh does the same, harder). The first copy nt0 takes
# is answered; the others cost a Diffie-Hellman step each and are dropped
# as replays, until the handshake queue is 512 long: nt0 is under load
# and answers with cookie replies. udpflood counts the answers.
nt_bg sh -c "ip netns exec '$ns3' '$udpflood' capture 5555 '$tmp/init' 30 >'$tmp/capture.out'"
nt_wait_until 10 nt_listening "$ns3" u 5555 || true
ip netns exec "$ns3" "$evilpeer" --key "$tmp/k3" --peer-key "$tmp/p1" \
	--endpoint 192.168.72.2:5555 "initiations count=1" >/dev/null || true
# Test that udpflood captured one 148-byte initiation.
nt_check "one initiation to nt0 captured" nt_wait_until 10 grep -q "captured 148 bytes" "$tmp/capture.out"
# The queue holds messages only until nt0 is under load (then what has no
# mac2 is answered before it is queued): a fraction of a second under
# TCG. A sampler inside ns1 (one `ip netns exec`, not one per sample)
# reads its length as fast as tunctl can from the flood's start. On a
# busy host the sampler may still miss that moment, so a flood that saw
# no queue is repeated, twice at most, once nt0 is out of load again; the
# counters below are taken over the last flood only.
flood_once() {
	answered0=$(stat "$ns1" nt0 dev handshakes_answered)
	cookies0=$(stat "$ns1" nt0 dev cookies_sent)
	under0=$(stat "$ns1" nt0 dev under_load_ns)
	lost0=$(rcvbuf_errors)
	flood_start=$(date +%s%N)
	q_start=$SECONDS
	rm -f "$tmp/flood.out"
	nt_bg ip netns exec "$ns1" bash -c "end=\$((SECONDS + 8)); while [ \$SECONDS -lt \$end ]; do
		tunctl show nt0 --json | grep -o '\"handshake_queue_len\": [0-9]*'; done >'$tmp/qlen'"
	nt_bg sh -c "ip netns exec '$ns3' '$udpflood' send 192.168.72.1 4001 '$tmp/init' 3 16 >'$tmp/flood.out'"
	nt_wait_until 60 grep -q "^sent=" "$tmp/flood.out" || return 1
	while [ $SECONDS -lt $((q_start + 9)) ]; do sleep 0.5; done	# the sampler's 8 s are over
	qmax=$(awk '{ print $2 }' "$tmp/qlen" | sort -n | tail -n 1)
	nt_diag "flood $flood: handshake_queue_len: $(wc -l <"$tmp/qlen") samples, the longest ${qmax:-none}"
}
# out_of_load: the queue is empty and under_load_ns no longer grows.
out_of_load() {
	local u
	is 0 "$ns1" nt0 dev handshake_queue_len || return 1
	u=$(stat "$ns1" nt0 dev under_load_ns)
	sleep 1.5
	is "$u" "$ns1" nt0 dev under_load_ns
}
for flood in 1 2 3; do
	qmax=0
	flood_once || break
	[ "${qmax:-0}" -eq 0 ] || break
	[ "$flood" = 3 ] || nt_wait_until 120 out_of_load || break
done
# Test that udpflood's last flood finished.
nt_check "udpflood finished" grep -q "^sent=" "$tmp/flood.out"
# Test that the handshake queue's length showed while a flood lasted.
nt_check "nt0: handshake_queue_len > 0 during the flood" [ "${qmax:-0}" -gt 0 ]
nt_diag "flood: $(cat "$tmp/flood.out")"
# Test that the queue empties once the flood is over.
nt_check "nt0: handshake_queue_len back to 0" nt_wait_until 120 is 0 "$ns1" nt0 dev handshake_queue_len
flood_ns=$(($(date +%s%N) - flood_start))
field() {	# field KEY: KEY=value from udpflood's figures
	sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p" "$tmp/flood.out" | tail -n 1
}
cookies=$(field cookie_replies)
responses=$(field responses)
lost=$(($(rcvbuf_errors) - lost0))
sent_cookies=$(($(stat "$ns1" nt0 dev cookies_sent) - cookies0))
answered=$(($(stat "$ns1" nt0 dev handshakes_answered) - answered0))
under=$(($(stat "$ns1" nt0 dev under_load_ns) - under0))
nt_diag "flood: nt0 sent $sent_cookies cookie replies and $answered responses; udpflood received $cookies and $responses, ns3 lost $lost; under load ${under} ns of ${flood_ns} ns"
# Test that nt0 was under load (it sent cookie replies), for no longer
# than from the flood's start to its queue's end, plus the second that
# load lasts after.
nt_check "nt0: cookies_sent > 0 (under load)" [ "$sent_cookies" -gt 0 ]
nt_check "nt0: under_load_ns > 0 and <= the flood's time + 1 s" \
	[ "$under" -gt 0 ] && [ "$under" -le $((flood_ns + 1000000000)) ]
if [ "$lost" = 0 ]; then
	# Test that every cookie reply and response nt0 counted reached
	# udpflood, and no more.
	nt_check "nt0 cookies_sent grew by udpflood's cookie replies ($cookies)" [ "$sent_cookies" -eq "$cookies" ]
	nt_check "nt0 handshakes_answered grew by udpflood's responses ($responses)" [ "$answered" -eq "$responses" ]
else
	# Test the sum, when ns3 lost some of them to a full buffer.
	nt_check "nt0 cookies_sent + answered grew by udpflood's received + lost ($cookies + $responses + $lost)" \
		[ $((sent_cookies + answered)) -eq $((cookies + responses + lost)) ]
fi
# Test that the time under load stops growing once the flood is over.
under2=$(stat "$ns1" nt0 dev under_load_ns)
sleep 1.5
nt_check "nt0: under_load_ns stops growing after the flood" is "$under2" "$ns1" nt0 dev under_load_ns

# Cookie replies received: one handshake (so that nt0 has just sent evilpeer
# a message a cookie can answer), then evilpeer's fuzzed cookie replies, of
# which fuzz predicts the ones nt0 takes (rx=) and those it refuses.
nt_ep handshake confirm=0 || true
nt_check "evilpeer handshake before the cookie replies" nt_ep_ok
cookies0=$(stat "$ns1" nt0 "$pub3" cookies_received)
invalid0=$(stat "$ns1" nt0 "$pub3" d.cookie_invalid)
nt_ep fuzz class=cookie count=40 || true
reply=$NT_EP_REPLY
nt_check "evilpeer: 40 fuzzed cookie replies" nt_ep_ok
nt_diag "cookie fuzz: $reply"
# (rx= counts every message nt0 takes from evilpeer: the cookie replies,
# and the data message of each sync= round trip)
want_rx=$(($(NT_EP_REPLY=$reply nt_ep_val rx) - $(NT_EP_REPLY=$reply nt_ep_val syncs)))
want_invalid=$(NT_EP_REPLY=$reply nt_ep_val drop.cookie_invalid)
# Test that cookies_received and cookie_invalid grew as fuzz predicted.
nt_check "nt0: peer evilpeer cookies_received grew by $want_rx" \
	nt_wait_until 5 is $((cookies0 + want_rx)) "$ns1" nt0 "$pub3" cookies_received
nt_check "nt0: peer evilpeer cookie_invalid grew by $want_invalid" \
	is $((invalid0 + want_invalid)) "$ns1" nt0 "$pub3" d.cookie_invalid
nt_check "fuzz predicted one valid cookie taken" [ "$want_rx" -eq 1 ]
nt_ep_stop

# Test that the human form of the whole device reads: answered, cookies,
# time under load in seconds or ms, the queue, non-zero drops by name.
nt_check "show nt0 stats after the flood" \
	human_has "$ns1" '^  under load: [0-9.]+ (ms|s)$' \
	'^  handshake queue: 0 waiting$' '^  cookie replies received: [1-9]'

# Test that the statistics are read-only: SET refuses each, by name.
nt_testprog nlprobe nlprobe
refused() {	# refused NAME WORDS...
	local name=$1 out
	shift
	out=$(ip netns exec "$ns1" "$nlprobe" --expect EINVAL set ifname strz nt0 "$@" 2>&1) ||
		{ echo "$out"; return 1; }
	echo "$out"
	grep -qF "$name is read-only" <<<"$out"
}
for a in cookies_sent handshakes_answered under_load_ns; do
	nt_check "SET device ${a^^}: EINVAL, named" refused "${a^^}" "$a" u64 1
done
nt_check "SET device HANDSHAKE_QUEUE_LEN: EINVAL, named" refused HANDSHAKE_QUEUE_LEN handshake_queue_len u32 1
for a in last_handshake_rtt_ns handshakes_completed handshakes_failed cookies_received; do
	nt_check "SET peer ${a^^}: EINVAL, named" refused "${a^^}" \
		nest peers nest 0 public_key key "$pub3" "$a" u64 1 end end
done
nt_check "SET peer LAST_RX_TIME: EINVAL, named" refused LAST_RX_TIME \
	nest peers nest 0 public_key key "$pub3" last_rx_time hex "$(printf '00%.0s' {1..16})" end end

# --- a handshake given up --------------------------------------------------------
if [ "${NT_SLOW:-0}" != 1 ]; then
	nt_skip_check "handshake given up counted in handshakes_failed" "slow (REKEY_ATTEMPT_TIME, 90 s); NT_SLOW=1 runs it"
else
	# A peer whose endpoint never answers (a port nobody listens on).
	ip netns exec "$ns1" tunctl set nt0 peer "$pub4" allowed-ips 10.97.0.4/32 endpoint 192.168.72.2:9
	ip netns exec "$ns1" ping -c 1 -W 1 10.97.0.4 >/dev/null 2>&1 || true
	# Test that the attempt is given up after REKEY_ATTEMPT_TIME and
	# counted once, with no handshake completed.
	nt_check "the silent peer's handshake is given up: handshakes_failed 1" \
		nt_wait_until 120 is 1 "$ns1" nt0 "$pub4" handshakes_failed
	nt_check "the silent peer: handshakes_completed 0" is 0 "$ns1" nt0 "$pub4" handshakes_completed
	nt_check "show nt0 stats: 0 completed, 1 failed" \
		human_has "$ns1" 'handshakes: 0 completed, 1 failed, [0-9]+ initiations sent'
fi
