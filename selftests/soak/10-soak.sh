#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 600
#
# The soak (Documentation/testing.md section 4, F13): NT_SOAK_MINUTES (make soak
# MINUTES=N; default 30) of traffic through a hub device with two peers,
# another noisetun device and an in-tree wireguard one, while the hub's
# configuration changes every 10 s (or as soon as the last change has
# settled and been checked, when that takes longer: about 16 s under
# TCG). The changes go round:
#   listen port (the peers roam to it: the hub's keepalives reach them
#   from the new port), 100 more peers and their ranges, those peers
#   removed again, link down/up, a peer removed and added back, fwmark,
#   a new preshared key on both ends followed by a new handshake, the
#   noisetun peer's device deleted and made again.
# The hub's configuration is applied with tunctl syncconf from a file,
# so the last one applied is known. Checks:
#   - after every change the tunnel carries pings from both peers again
#     within 20 s;
#   - whenever the configuration is back at its base, our slab caches
#     (nt_peer, nt_allowedips_node) are back at their base counts: flat,
#     no growth over the run (and the kernel's unreclaimable slab and
#     available memory are reported as diagnostics, start and end);
#   - kmemleak (the debug kernel only: NT_DEBUG_KERNEL=1 make soak), a
#     scan every 5 minutes: nothing unreferenced;
#   - at the end, showconf equals the last configuration applied; once
#     all is deleted, every interface, peer and keypair of ours logged as
#     created is destroyed and the slab caches are back at their start;
#   - no warning: the runner's kernel-health (any WARN panics the VM).
#
#   +--------- ntsk2-$$ ---------+     +------------ ntsk1-$$ ------------+     +--------- ntsk3-$$ ---------+
#   | nt0 10.13.0.2 :1302        |     | sk<pid> 10.13.0.1 :13xx          |     | wg0 10.13.0.3 :1303        |
#   | iperf3 -c (20 Mbit/s),     |=====|   peers 2, 3 (+100), keepalive 1 |=====| ping -i 0.05               |
#   | ping -i 0.05               |     |   iperf3 -s                      |     | (wireguard)                |
#   | veth2 192.168.13.2 --------+-----+-- veth12 192.168.13.1            |     |                            |
#   +----------------------------+     |   veth13 192.168.14.1 -----------+-----+-- veth3 192.168.14.3       |
#                                      +----------------------------------+     +----------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="ntsk1-$$"
ns2="ntsk2-$$"
ns3="ntsk3-$$"
nt_tmpdir

minutes=${NT_SOAK_MINUTES:-30}
period=10
kmemleak=/sys/kernel/debug/kmemleak

nt_require tunctl wg ping iperf3
nt_load_module
modprobe wireguard 2>/dev/null || nt_skip "the in-tree wireguard module does not load"

meminfo() {	# meminfo KEY: the value in kB
	awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo
}
kmsg_start=$(stat -c %s "$NT_KMSG" 2>/dev/null || echo 0)
klog() {
	tail -c +$((kmsg_start + 1)) "$NT_KMSG" | sed 's/^[^;]*;//'
}
slab_start=$(nt_slab_counts)

hub="sk$(($$ % 100000))"
nt_netns_new "$ns1" "$ns2" "$ns3"
nt_veth_link "$ns1" "$ns2" 192.168.13 veth12 veth2
nt_veth_link "$ns1" "$ns3" 192.168.14 veth13 veth3 3
nt_keys "$tmp" 1 2 3
tunctl genpsk >"$tmp/psk"

# hub_conf PORT FWMARK EXTRA [nopeer2]: the hub's configuration file,
# with EXTRA more peers (10.13.128.0/17 ranges, no endpoint).
hub_conf() {
	local port=$1 mark=$2 extra=$3 i
	echo "[Interface]"
	echo "ListenPort = $port"
	if [ "$mark" != 0 ]; then
		echo "FwMark = $(printf '0x%x' "$mark")"
	fi
	echo "PrivateKey = $(cat "$tmp/k1")"
	if [ "${4:-}" != nopeer2 ]; then
		echo "[Peer]"
		echo "PublicKey = $(cat "$tmp/p2")"
		echo "PresharedKey = $(cat "$tmp/psk")"
		echo "AllowedIPs = 10.13.0.2/32"
		echo "Endpoint = 192.168.13.2:1302"
		echo "PersistentKeepalive = 1"
	fi
	echo "[Peer]"
	echo "PublicKey = $(cat "$tmp/p3")"
	echo "AllowedIPs = 10.13.0.3/32"
	echo "Endpoint = 192.168.14.3:1303"
	echo "PersistentKeepalive = 1"
	for ((i = 0; i < extra; i++)); do
		echo "[Peer]"
		echo "PublicKey = $(head -c 32 /dev/urandom | base64)"
		echo "AllowedIPs = 10.13.$((128 + i / 2)).$((i % 2 * 128))/25"
	done
}
port=1301 mark=0
apply() {	# apply [EXTRA [nopeer2]]: syncconf the hub with port, mark
	hub_conf "$port" "$mark" "${1:-0}" "${2:-}" >"$tmp/hub.conf"
	ip netns exec "$ns1" tunctl syncconf "$hub" "$tmp/hub.conf"
}
setup_ns2() {	# the hub's current port: ns2 initiates to it
	ip -n "$ns2" link add nt0 type noisetun
	ip netns exec "$ns2" tunctl set nt0 private-key "$tmp/k2" listen-port 1302 \
		peer "$(cat "$tmp/p1")" preshared-key "$tmp/psk" allowed-ips 10.13.0.1/32 \
		endpoint "192.168.13.1:$port"
	ip -n "$ns2" addr add 10.13.0.2/24 dev nt0
	ip -n "$ns2" link set nt0 up
}

ip -n "$ns1" link add "$hub" type noisetun
apply
ip -n "$ns1" addr add 10.13.0.1/24 dev "$hub"
ip -n "$ns1" link set "$hub" up
setup_ns2
ip -n "$ns3" link add wg0 type wireguard
ip netns exec "$ns3" wg set wg0 private-key "$tmp/k3" listen-port 1303 \
	peer "$(cat "$tmp/p1")" allowed-ips 10.13.0.1/32 endpoint 192.168.14.1:1301
ip -n "$ns3" addr add 10.13.0.3/24 dev wg0
ip -n "$ns3" link set wg0 up

both() {	# both peers reach the hub
	ip netns exec "$ns2" ping -c1 -W1 -q 10.13.0.1 >/dev/null &&
		ip netns exec "$ns3" ping -c1 -W1 -q 10.13.0.1 >/dev/null
}
# Test that the tunnels work before the soak.
nt_check "both peers reach the hub" nt_wait_until 20 both

# Traffic for the whole run; the stream restarts when a change breaks it.
nt_bg ip netns exec "$ns1" iperf3 -s -B 10.13.0.1 -i 0
nt_bg ip netns exec "$ns2" bash -c 'while :; do iperf3 -c 10.13.0.1 -t 60 -b 20M -i 0 >/dev/null 2>&1; sleep 1; done'
nt_bg ip netns exec "$ns2" ping -q -i 0.05 10.13.0.1
nt_bg ip netns exec "$ns3" ping -q -i 0.05 10.13.0.1

# With slub_debug (the stock kernel's profile) the active counts are
# exact; without it (the debug kernel), objects freed into a CPU's slab
# still count as active: nt_slab_slack allows one slab per CPU.
slab_base=$(nt_slab_counts) slab_slack=$(nt_slab_slack)
at_base() {	# our caches at their base counts (plus the slack)
	nt_slab_at_most "$slab_base" "$slab_slack"
}
unrecl0=$(meminfo SUnreclaim) avail0=$(meminfo MemAvailable)
nt_diag "base: $slab_base (slack: $slab_slack), SUnreclaim $unrecl0 kB, MemAvailable $avail0 kB"

have_kmemleak=0
if [ -w "$kmemleak" ]; then
	have_kmemleak=1
	echo clear >"$kmemleak"
fi
leaks=0
leak_scan() {
	echo scan >"$kmemleak"
	local n
	n=$(grep -c '^unreferenced object' "$kmemleak" || true)
	if [ "$n" -gt 0 ]; then
		leaks=$((leaks + n))
		head -n 30 "$kmemleak" | sed 's/^/# kmemleak: /'
		echo clear >"$kmemleak"
	fi
}

# The changes, one every $period s, round and round.
end=$(($(date +%s) + minutes * 60))
step=0 broken=0 notflat=0 flat_checks=0 last_scan=$(date +%s)
while [ "$(date +%s)" -lt "$end" ]; do
	t0=$(date +%s)
	base=0
	case $((step % 9)) in
	0) port=$((1310 + step % 50)); apply; base=1; what="listen-port $port" ;;
	1) apply 100; what="100 more peers" ;;
	2) apply; base=1; what="the 100 peers removed" ;;
	3) ip -n "$ns1" link set "$hub" down; ip -n "$ns1" link set "$hub" up
	   base=1; what="link down/up" ;;
	4) apply 0 nopeer2; apply; base=1; what="peer 2 removed and added" ;;
	5) mark=$(((mark + 1) % 4)); apply; base=1; what="fwmark $mark" ;;
	6) tunctl genpsk >"$tmp/psk"
	   ip netns exec "$ns2" tunctl set nt0 peer "$(cat "$tmp/p1")" preshared-key "$tmp/psk"
	   apply
	   # A new handshake with the new key: the hub forgets its sessions.
	   ip -n "$ns1" link set "$hub" down; ip -n "$ns1" link set "$hub" up
	   base=1; what="new preshared key, new handshake" ;;
	7) ip -n "$ns2" link del nt0; setup_ns2; base=1; what="peer 2's device made again" ;;
	8) apply 0; base=1; what="the same configuration again" ;;
	esac
	step=$((step + 1))
	if ! nt_wait_until 20 both; then
		broken=$((broken + 1))
		nt_diag "step $step ($what): a peer does not reach the hub after 20 s"
	fi
	if [ "$base" = 1 ]; then
		flat_checks=$((flat_checks + 1))
		if ! nt_wait_until 10 at_base; then
			notflat=$((notflat + 1))
			nt_diag "step $step ($what): $(at_base || true)"
		fi
	fi
	if [ "$have_kmemleak" = 1 ] && [ $(($(date +%s) - last_scan)) -ge 300 ]; then
		leak_scan
		last_scan=$(date +%s)
	fi
	if [ $((step % 30)) = 0 ]; then
		nt_diag "$step changes, $(((end - $(date +%s)) / 60)) min left;" \
			"SUnreclaim $(meminfo SUnreclaim) kB, MemAvailable $(meminfo MemAvailable) kB"
	fi
	left=$((period - ($(date +%s) - t0)))
	if [ "$left" -gt 0 ]; then
		sleep "$left"
	fi
done
nt_diag "$step changes in $minutes min; SUnreclaim $unrecl0 -> $(meminfo SUnreclaim) kB," \
	"MemAvailable $avail0 -> $(meminfo MemAvailable) kB"

# Test that the tunnel came back after every change.
nt_check "both peers reach the hub after each of $step changes" test "$broken" = 0 || true
# Test that our slab caches are flat over the run.
nt_check "our slab caches at base after each of $flat_checks base configurations" \
	test "$notflat" = 0 || true
# Test that kmemleak found nothing (only the debug kernel has it).
if [ "$have_kmemleak" = 1 ]; then
	leak_scan
	nt_check "kmemleak: nothing unreferenced ($leaks)" test "$leaks" = 0 || true
else
	nt_skip_check "kmemleak: nothing unreferenced" "this kernel has no kmemleak (NT_DEBUG_KERNEL=1 make soak)"
fi

# Test that showconf shows the last configuration applied (Endpoint
# lines aside: the peers' endpoints roam).
conf_lines() { grep -v -E '^(Endpoint|$)' | sed 's/ *= */ = /' | sort; }
nt_check "showconf equals the last configuration applied" eval \
	"diff <(conf_lines <'$tmp/hub.conf') <(ip netns exec '$ns1' tunctl showconf '$hub' | conf_lines)" || true

# Test that once everything is deleted, every object of ours is freed and
# the caches are back at their start.
nt_cleanup
objects_paired() {
	local k c d
	for k in 'Interface' 'Peer [0-9]+' 'Keypair [0-9]+'; do
		c=$(klog | grep -c -E "noisetun: ($hub|nt0): $k created\$" || true)
		d=$(klog | grep -c -E "noisetun: ($hub|nt0): $k destroyed\$" || true)
		echo "$k: $c created, $d destroyed"
		[ "$c" = "$d" ] || return 1
	done
}
nt_check "every interface, peer and keypair freed" nt_wait_until 30 objects_paired || true
caches_back() {
	nt_slab_at_most "$slab_start" "$slab_slack"
}
nt_check "slab caches back at their start" nt_wait_until 30 caches_back ||
	nt_diag "$(caches_back || true)"
[ "$NT_FAILED" -eq 0 ]
