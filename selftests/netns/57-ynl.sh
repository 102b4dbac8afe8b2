#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 300
#
# The kernel's own YNL client (tools/net/ynl/cli.py with its lib, from
# Debian 13's linux-source-6.12: Debian 12's 6.1 source has none; see
# scripts/ynl-client.sh) drives the noisetun family from nothing but
# module/uapi/noisetun.yaml: a dump of GET_DEVICE, a GET of one peer by
# its key, a SET_DEVICE, and the events of the "events" group. What it
# reads must be what tunctl reads, and what it sets must be what tunctl
# then shows.
#
# (6.12's client cannot encode an indexed-array, so its SET carries the
# device attributes only; peers are set with tunctl.)
#
#  +--------- ntyl1-$$ ---------+      +--------- ntyl2-$$ ---------+
#  | nt0 10.98.0.1, port 4001   |      | nt0 10.98.0.2, port 4002   |
#  | cli.py --dump / --do /     |      |                            |
#  |        --subscribe events  |      |                            |
#  | veth1 192.168.73.1 --------+------+- veth2 192.168.73.2        |
#  +----------------------------+      +----------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="ntyl1-$$"
ns2="ntyl2-$$"
nt_tmpdir
nt_kind noisetun ping base64 od
if [ ! -x /usr/bin/python3 ] || [ ! -e /nt/ynl/cli.py ] || [ ! -e /nt/noisetun.yaml ]; then
	nt_skip "no python3 or YNL client in the VM (make deps unpacks it: scripts/ynl-client.sh)"
fi

nt_netns_new "$ns1" "$ns2"
nt_veth_link "$ns1" "$ns2" 192.168.73
umask 077
nt_keys "$tmp" 1 2 3 4
nt_tunnel_pair "$ns1" "$ns2" "$tmp" 192.168.73 10.98.0 400

# ynl ARGS...: the client in ns1, JSON out, no schema check (the host
# test checks the spec against the kernel's schema: host/ynl-spec.sh).
ynl() {
	PYTHONPATH=/nt/ynl:/usr/lib/python3/dist-packages ip netns exec "$ns1" \
		python3 -S /nt/ynl/cli.py --spec /nt/noisetun.yaml --no-schema --output-json "$@"
}
hex() {	# hex BASE64: the key's bytes in lower-case hex, as the client prints them
	base64 -d <<<"$1" | od -A n -t x1 | tr -d ' \n'
}
has() {	# has FILE TEXT: FILE holds TEXT
	grep -qF -- "$2" "$1" || { cat "$1"; echo "(no '$2')"; return 1; }
}

# Test that a handshake makes some statistics worth reading.
nt_check "nt0 pings its peer" ip netns exec "$ns1" ping -c 1 -W 5 10.98.0.2

# Test that the client dumps nt0 from the spec: device attributes, the
# peer by its key, and the statistics, as tunctl reads them.
dump() {
	ynl --dump get-device --json '{"ifname": "nt0"}' >"$tmp/dump.json"
}
nt_check "cli.py --dump get-device" dump
nt_diag "dump: $(head -c 800 "$tmp/dump.json")"
nt_check "dump: ifname nt0" has "$tmp/dump.json" '"ifname": "nt0"'
nt_check "dump: listen-port 4001" has "$tmp/dump.json" '"listen-port": 4001'
nt_check "dump: nt0's public key" has "$tmp/dump.json" "\"public-key\": \"$(hex "$pub1")\""
nt_check "dump: the peer's public key, in peers" has "$tmp/dump.json" "\"public-key\": \"$(hex "$pub2")\""
nt_check "dump: handshakes-completed 1" has "$tmp/dump.json" '"handshakes-completed": 1'
nt_check "tunctl agrees: handshakes_completed 1" \
	has <(ip netns exec "$ns1" tunctl show nt0 --json) '"handshakes_completed": 1'

# Test that the client reads one peer by its key (a GET without dump,
# query-peer): nt0 has a second peer (key 3), which the reply leaves out.
ip netns exec "$ns1" tunctl set nt0 peer "$pub3"
peerget() {
	ynl --do get-device --json "{\"ifname\": \"nt0\", \"query-peer\": \"$(hex "$pub2")\"}" \
		>"$tmp/peer.json"
}
nt_check "cli.py --do get-device with query-peer" peerget
nt_diag "one peer: $(head -c 600 "$tmp/peer.json")"
nt_check "the GET of one peer carries it" has "$tmp/peer.json" "\"public-key\": \"$(hex "$pub2")\""
nt_check "and not the other peer" bash -c "! grep -qF -- '$(hex "$pub3")' '$tmp/peer.json'"
ip netns exec "$ns1" tunctl set nt0 peer "$pub3" remove

# Test that a SET through the client applies: fwmark and a new private
# key, read back by tunctl.
set_device() {
	ynl --do set-device --json "{\"ifname\": \"nt0\", $1}"
}
nt_check "cli.py --do set-device (fwmark, private-key)" \
	set_device "\"fwmark\": 42, \"private-key\": \"$(hex "$(cat "$tmp/k3")")\""
nt_check "tunctl: fwmark 0x2a" nt_is 0x2a ip netns exec "$ns1" tunctl show nt0 fwmark
nt_check "tunctl: the new public key" nt_is "$pub3" ip netns exec "$ns1" tunctl show nt0 public-key
# Test that a read-only attribute is refused through the client too.
nt_check_fails "cli.py --do set-device with handshake-queue-len is refused" \
	set_device '"handshake-queue-len": 1'

# Test that the client receives events from the group the spec names:
# it listens for 15 s while tunctl changes a peer, adds and removes
# another, over and over (python's start under TCG takes a few seconds of
# those; the client prints what it got when it is done).
ynl --subscribe events --sleep 15 >"$tmp/events.json" 2>"$tmp/events.err" &
listener=$!
i=0
while kill -0 "$listener" 2>/dev/null && [ "$i" -lt 200 ]; do
	i=$((i + 1))
	ip netns exec "$ns1" tunctl set nt0 peer "$pub2" persistent-keepalive $((i % 2 ? 25 : 0))
	ip netns exec "$ns1" tunctl set nt0 peer "$pub4" allowed-ips 10.98.0.4/32
	ip netns exec "$ns1" tunctl set nt0 peer "$pub4" remove
	sleep 0.3
done
wait "$listener" || true
nt_diag "events: $(head -c 600 "$tmp/events.json") $(tail -n 3 "$tmp/events.err")"
nt_check "events: event-peer-changed for the peer" bash -c "
	grep -q '\"name\": \"event-peer-changed\"' $tmp/events.json &&
	grep -q '\"peer-public-key\": \"$(hex "$pub2")\"' $tmp/events.json"
nt_check "events: the changes say persistent-keepalive" has "$tmp/events.json" 'persistent-keepalive'
nt_check "events: event-peer-added and event-peer-removed for the new peer" bash -c "
	grep -q '\"name\": \"event-peer-added\"' $tmp/events.json &&
	grep -q '\"name\": \"event-peer-removed\"' $tmp/events.json &&
	grep -q '\"peer-public-key\": \"$(hex "$pub4")\"' $tmp/events.json"
