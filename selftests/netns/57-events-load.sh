#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 300
#
# What event listeners cost the data path (Documentation/uapi.md
# "Events"). An event is built with GFP_ATOMIC and handed to the
# multicast group, which puts it in each listener's socket buffer or,
# when that is full, drops it for that listener; nothing waits for a
# reader. So a listener that has stopped reading must not slow a tunnel.
#
# In ns1, a loop gives nt1 500 peers in a few requests and takes them
# away again, as fast as it can: a stream of peer-added and peer-removed
# events (a thousand a round), beside a TCP flow through nt0
# (iperf3, 3 s a round). Three conditions, alternated over three rounds:
# no listener; a `tunctl monitor` that reads (and prints to /dev/null);
# one stopped with SIGSTOP (its buffer fills, then every event is dropped
# for it). The flows' medians are compared: the stopped listener's must be
# at least 60 % of no listener's (TCG on a shared host swings single
# rounds by half; the figures are printed as `# nt-bench:` lines), and
# the stopped listener must have lost events (the overrun it reports once
# it runs again), or the comparison says nothing.
#
#   +------------------ ntel1-$$ ------------------+      +--- ntel2-$$ ---+
#   | nt0 10.59.0.1 ==== iperf3 client ============|======|= nt0 10.59.0.2 |
#   | nt1 (500 peers added and removed, a loop)    |      |  iperf3 server |
#   | tunctl monitor: none | reading | stopped     |      |                |
#   | veth1 192.168.59.1 --------------------------|------|- veth2 .2      |
#   +----------------------------------------------+      +----------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="ntel1-$$"
ns2="ntel2-$$"
nt_tmpdir
nt_kind noisetun iperf3
nt_testprog probe_bin nlprobe
nt_netns_new "$ns1" "$ns2"
nt_veth_link "$ns1" "$ns2" 192.168.59
nt_keys "$tmp" 1 2 3
nt_tunnel_pair "$ns1" "$ns2" "$tmp" 192.168.59 10.59.0 59
ip -n "$ns1" link add nt1 type noisetun

# Test that the tunnel carries traffic before anything is measured.
nt_check "ping through nt0" nt_wait_until 20 ip netns exec "$ns1" ping -c 1 -W 1 10.59.0.2

# The event stream: 500 peers on nt1, added and removed in a loop.
printf '[Interface]\n' >"$tmp/empty.conf"
churn() {
	while :; do
		ip netns exec "$ns1" "$probe_bin" gen nt1 500 500 >/dev/null 2>>"$tmp/churn.err" ||
			echo "nlprobe gen failed" >>"$tmp/churn.err"
		ip netns exec "$ns1" tunctl setconf nt1 "$tmp/empty.conf" 2>>"$tmp/churn.err" ||
			echo "tunctl setconf failed" >>"$tmp/churn.err"
	done
}
nt_bg churn
churn_pid=$NT_LAST_PID

# flow: one 3-second TCP flow through nt0; its rate in Mbit/s.
flow() {
	local out
	ip netns exec "$ns2" iperf3 -s -1 -B 10.59.0.2 -p 5959 >/dev/null 2>&1 &
	local srv=$!
	nt_wait_until 10 nt_listening "$ns2" t 5959 || { kill "$srv"; return 1; }
	out=$(ip netns exec "$ns1" timeout 60 iperf3 --connect-timeout 5000 -t 3 -J \
		-c 10.59.0.2 -p 5959) || { kill "$srv" 2>/dev/null; return 1; }
	wait "$srv" || true
	awk '/"sum_received"/ { s = 1 }
	     s && /"bits_per_second"/ { gsub(/[^0-9.e+]/, "", $2); printf "%.1f\n", $2 / 1e6; exit }' <<<"$out"
}
median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# One round: each condition once.
for round in 1 2 3; do
	flow >>"$tmp/none" || echo 0.0 >>"$tmp/none"

	nt_bg bash -c 'exec ip netns exec "$1" tunctl monitor --json >/dev/null 2>"$2"' - "$ns1" "$tmp/reader-$round.err"
	reader=$NT_LAST_PID
	flow >>"$tmp/reading" || echo 0.0 >>"$tmp/reading"
	# Test that the reading listener kept up and kept running.
	nt_check "round $round: the reading listener still runs after the flow" kill -0 "$reader" ||
		nt_diag "round $round: the reading listener said: $(cat "$tmp/reader-$round.err")"
	nt__kill_tree "$reader"

	nt_bg bash -c 'exec ip netns exec "$1" tunctl monitor --json >"$2" 2>"$2.err"' - "$ns1" "$tmp/stopped-$round.json"
	stopped=$NT_LAST_PID
	sleep 0.5
	kill -STOP "$stopped" || nt_diag "round $round: the listener to stop is gone"
	flow >>"$tmp/stopped" || echo 0.0 >>"$tmp/stopped"
	kill -CONT "$stopped" || true
	# Once it reads again, it finds its buffer overran.
	nt_wait_until 10 grep -q '"lost"' "$tmp/stopped-$round.json" || true
	kill -0 "$stopped" ||
		nt_diag "round $round: the stopped listener ended: $(cat "$tmp/stopped-$round.json.err")"
	nt__kill_tree "$stopped"
done
# Test that the churn went on through every flow (a failed step is
# written down and the loop goes on).
nt_check "the peer churn ran to the end" kill -0 "$churn_pid" || true
nt__kill_tree "$churn_pid"
[ ! -s "$tmp/churn.err" ] || nt_diag "churn: $(sort "$tmp/churn.err" | uniq -c | head -n 5 | tr '\n' ';')"

none=$(median <"$tmp/none") reading=$(median <"$tmp/reading") stopped=$(median <"$tmp/stopped")
nt_diag "Mbit/s, 3 rounds each: no listener $(tr '\n' ' ' <"$tmp/none")," \
	"a reading one $(tr '\n' ' ' <"$tmp/reading"), a stopped one $(tr '\n' ' ' <"$tmp/stopped")"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
echo "# nt-bench: events-listener-none mbit=$none"
echo "# nt-bench: events-listener-reading mbit=$reading ratio=$(ratio "$reading" "$none")"
echo "# nt-bench: events-listener-stopped mbit=$stopped ratio=$(ratio "$stopped" "$none")"

# Test that every flow ran and carried something.
nt_check "every flow ran" awk '!($1 > 0) { bad = 1 } END { exit bad }' "$tmp/none" "$tmp/reading" "$tmp/stopped"
# Test that the stopped listener did lose events: it was full.
nt_check "the stopped listener overran (it says events were lost)" \
	grep -q '"lost"' "$tmp"/stopped-*.json
# Test that it did not slow the flow beyond the host's noise.
nt_check "a stopped listener: the flow keeps at least 60 % ($stopped of $none Mbit/s)" \
	awk -v a="$stopped" -v b="$none" 'BEGIN { exit !(b > 0 && a >= 0.6 * b) }'
