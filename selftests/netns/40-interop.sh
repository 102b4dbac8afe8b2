#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 1200
#
# The interop matrix (Documentation/testing.md section 6): a noisetun device
# against each reference implementation, the in-tree wireguard module, Debian
# 12's wireguard-go and Debian sid's (wireguard-go-sid, fetched by make
# deps: a newer wireguard-go that batches its UDP sends with GSO and
# receives with GRO), and against another noisetun device. For each
# reference peer, every combination (sid's wireguard-go: four of them,
# see there) of
#   - role: noisetun initiates (it alone knows the peer's endpoint and
#     sends first) or the reference initiates;
#   - preshared key on or off;
#   - outer IPv4 or outer IPv6 (the initiator's endpoint picks it);
# gets fresh devices on both sides (so a fresh handshake in the intended
# role) and carries inner IPv4 and inner IPv6: a ping each family in both
# directions, and a byte-exact 4 MiB TCP transfer (nc; 1 MiB with
# Debian 12's wireguard-go, whose iperf3 runs carry more) in one family,
# alternating so that each role and outer family carries both (inner v4
# flows from the responder to the initiator, inner v6 the other way).
#
# The role is checked on the wire's own evidence, before the transfer: a
# WireGuard peer counts handshake messages in its transfer bytes, and its
# transport messages for packets below the MTU (pings) are multiples of
# 16 bytes, so the initiator has sent 148 + 16k bytes (one initiation) and
# received 92 + 16j (one response), the responder the mirror; noisetun's
# handshake_attempts (initiations sent) say the same, and the responder,
# configured without an endpoint, must have learnt the initiator's.
#
# Then, against each wireguard-go, iperf3 TCP for a few seconds each way
# (the peer's batched upload into noisetun's receive path, and noisetun's
# GSO batches into the peer): a sane amount must arrive, and the tunnel
# (and the VM) must still be there afterwards.
#
#   +------------ ntio1-$$ -----------+          +------------ ntio2-$$ -----------+
#   | nt0  10.99.0.1/24  fd99::1/64   |          | PEER 10.99.0.2/24 fd99::2/64    |
#   |      (noisetun, udp 4001)       |==========| wg0 (wireguard.ko), wgo0        |
#   |                                 |  tunnel  | (wireguard-go), wgs0 (sid's     |
#   |                                 |          | wireguard-go) or nt0 (noisetun) |
#   |                                 |          |      (udp 4002)                 |
#   | veth1 192.168.241.1/24 ---------+----------+-- veth2 192.168.241.2/24        |
#   |       fd00:241::1/64            |          |        fd00:241::2/64           |
#   +---------------------------------+          +---------------------------------+
#
# NT_SELF_KIND=wireguard stands the in-tree wireguard module (and wg) in
# for noisetun on the noisetun side: a check of this scenario's own logic
# against a known-good implementation. The default is noisetun.

#
# NT_INTEROP_PEERS (make check's environment, passed through /nt/config)
# names the reference peers to run, of "wireguard wireguard-go
# wireguard-go-sid noisetun"; empty, the default: all. CI's runs on the
# other Debian kernels (make check KERNEL=... KERNEL_CI=1) take wireguard
# only, that kernel's own module: the userspace peers are the same
# programs on every kernel, and make check runs them.
set -e
source "$(dirname "$0")/../lib.sh"

ns1="ntio1-$$"
ns2="ntio2-$$"
nt_tmpdir
# The byte-exact transfer: 4 MiB; 1 MiB against Debian 12's wireguard-go,
# which runs at a few Mbit/s under TCG and sends no GSO batches (its
# iperf3 runs below carry the volume). Sid's, which does, sends 4 MiB.
blob_mib=4
blob_mib_go=1

# One side of the tunnel: its namespace, kind (self: noisetun, or what
# NT_SELF_KIND names; wg: wireguard.ko; wggo: wireguard-go; wggosid:
# Debian sid's wireguard-go), device, configuration tool and, for
# wireguard-go, its process.
declare -A side_ns side_kind side_dev side_tool side_pid
# The program of each userspace kind.
declare -A wggo_bin=([wggo]=wireguard-go [wggosid]=wireguard-go-sid)
# Side A is always 1 (addresses .1, port 4001), side B 2.
declare -A side_idx=([A]=1 [B]=2)

umask 077	# private keys in files
nt_self_kind ping nc ss sha256sum timeout iperf3
nt_diag "wireguard.ko: version $(cat /sys/module/wireguard/version 2>/dev/null || echo '?') in $(uname -r); $(wg --version)"

nt_netns_new "$ns1" "$ns2"
nt_veth_link "$ns1" "$ns2" 192.168.241
ip -n "$ns1" addr add fd00:241::1/64 dev veth1 nodad
ip -n "$ns2" addr add fd00:241::2/64 dev veth2 nodad

pub=()
for i in 1 2; do
	wg genkey >"$tmp/k$i"
	pub[i]=$(wg pubkey <"$tmp/k$i")
done
wg genpsk >"$tmp/psk"
declare -A blob_sum
for m in "$blob_mib" "$blob_mib_go"; do
	head -c $((m * 1024 * 1024)) /dev/urandom >"$tmp/blob$m"
	blob_sum[$m]=$(sha256sum <"$tmp/blob$m" | cut -d' ' -f1)
done

# wggo_ready NS DEV: wireguard-go has made DEV and listens on its socket.
wggo_ready() {
	[ -S "/var/run/wireguard/$2.sock" ] && ip -n "$1" link show "$2"
}

# gone PID: the process has exited (or is a zombie waiting for us).
gone() {
	[ ! -e "/proc/$1" ] || grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat"
}

# side_down SIDE: delete the side's device (ending its wireguard-go).
side_down() {
	local s=$1 pid=${side_pid[$1]:-}
	[ -n "${side_ns[$s]:-}" ] || return 0
	if [ -n "$pid" ]; then
		nt__kill_tree "$pid"
		nt_wait_until 10 gone "$pid" || nt_diag "wireguard-go $pid did not exit"
		wait "$pid" 2>/dev/null || true
		side_pid[$s]=
	fi
	ip -n "${side_ns[$s]}" link del "${side_dev[$s]}" 2>/dev/null || true
}

# side_up SIDE NS KIND DEV: make a fresh device of KIND named DEV in NS.
side_up() {
	local s=$1 ns=$2 kind=$3 dev=$4
	side_down "$s"
	side_ns[$s]=$ns side_kind[$s]=$kind side_dev[$s]=$dev side_pid[$s]=
	side_tool[$s]=wg
	[ "$kind" = self ] && side_tool[$s]=$self_tool
	case "$kind" in
	self)
		ip -n "$ns" link add "$dev" type "$self_kind"
		;;
	wg)
		ip -n "$ns" link add "$dev" type wireguard
		;;
	wggo | wggosid)
		WG_PROCESS_FOREGROUND=1 WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 \
			ip netns exec "$ns" "${wggo_bin[$kind]}" -f "$dev" >>"$tmp/$kind.log" 2>&1 &
		side_pid[$s]=$!
		NT_PIDS+=("$!")
		if ! nt_wait_until 20 wggo_ready "$ns" "$dev"; then
			tail -n 20 "$tmp/$kind.log" | sed "s/^/# ${wggo_bin[$kind]}: /"
			return 1
		fi
		;;
	esac
}

# side_conf SIDE IDX PEER_IDX PSK(psk|nopsk) ENDPOINT(none|v4|v6): the
# side's key, port and one peer (the other side), its tunnel addresses, up.
side_conf() {
	local s=$1 me=$2 him=$3 args=()
	args=(private-key "$tmp/k$me" listen-port $((4000 + me))
	      peer "${pub[him]}" allowed-ips "10.99.0.$him/32,fd99::$him/128")
	[ "$4" = psk ] && args+=(preshared-key "$tmp/psk")
	case "$5" in
	v4) args+=(endpoint "192.168.241.$him:$((4000 + him))") ;;
	v6) args+=(endpoint "[fd00:241::$him]:$((4000 + him))") ;;
	esac
	ip netns exec "${side_ns[$s]}" "${side_tool[$s]}" set "${side_dev[$s]}" "${args[@]}"
	ip -n "${side_ns[$s]}" -b - <<-EOF
		addr add 10.99.0.$me/24 dev ${side_dev[$s]}
		addr add fd99::$me/64 dev ${side_dev[$s]} nodad
		link set ${side_dev[$s]} up
	EOF
}

# show SIDE FIELD: `wg show DEV FIELD` (or tunctl's) on the side.
show() {
	ip netns exec "${side_ns[$1]}" "${side_tool[$1]}" show "${side_dev[$1]}" "$2"
}

# ping_both FAMILY I R WAIT: side I pings side R's tunnel address of
# FAMILY (v4|v6) for up to WAIT seconds, then R pings I's (I first: I is
# the initiator, and R does not know I's endpoint before the handshake).
ping_both() {
	local a b
	if [ "$1" = v4 ]; then
		a=10.99.0.${side_idx[$3]} b=10.99.0.${side_idx[$2]}
	else
		a=fd99::${side_idx[$3]} b=fd99::${side_idx[$2]}
	fi
	nt_wait_until "$4" ip netns exec "${side_ns[$2]}" ping -c 1 -W 2 "$a" ||
		{ echo "${side_dev[$2]}: no reply from $a"; return 1; }
	nt_wait_until 10 ip netns exec "${side_ns[$3]}" ping -c 1 -W 2 "$b" ||
		{ echo "${side_dev[$3]}: no reply from $b"; return 1; }
}

# role_is SIDE initiator|responder: the side's transfer bytes hold exactly
# one initiation sent and one response received (initiator), or the
# mirror, modulo the 16-byte multiples of transport messages; noisetun's
# handshake_attempts agree.
role_is() {
	local s=$1 rx tx want_tx want_rx attempts
	read -r rx tx < <(show "$s" transfer | awk '{ print $2, $3 }')
	echo "${side_dev[$s]} (${side_kind[$s]}): rx_bytes $rx, tx_bytes $tx"
	if [ "$2" = initiator ]; then want_tx=4 want_rx=12; else want_tx=12 want_rx=4; fi
	[ $((tx % 16)) -eq "$want_tx" ] && [ $((rx % 16)) -eq "$want_rx" ] || return 1
	if [ "${side_kind[$s]}" = self ] && [ "$self_kind" = noisetun ]; then
		attempts=$(ip netns exec "${side_ns[$s]}" tunctl show "${side_dev[$s]}" --json |
			sed -n 's/.*"handshake_attempts": \([0-9]*\).*/\1/p')
		echo "handshake_attempts $attempts"
		if [ "$2" = initiator ]; then
			[ "$attempts" -ge 1 ]
		else
			[ "$attempts" -eq 0 ]
		fi
	fi
}

# endpoint_is SIDE ADDR: the side's peer endpoint reads ADDR.
endpoint_is() {
	local got
	got=$(show "$1" endpoints | awk '{ print $2 }')
	echo "endpoint $got, want $2"
	[ "$got" = "$2" ]
}

# listening NS PORT: a TCP socket listens on PORT in NS.
listening() {
	ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q .
}

# xfer FROM TO FAMILY PORT MIB: FROM sends the MIB MiB blob to TO's
# tunnel address of FAMILY over TCP (nc); TO's copy must be byte-identical.
xfer() {
	local from=${side_ns[$1]} to=${side_ns[$2]} addr pid sum rc=0
	if [ "$3" = v4 ]; then addr=10.99.0.${side_idx[$2]}; else addr=fd99::${side_idx[$2]}; fi
	rm -f "$tmp/recv"
	ip netns exec "$to" timeout 90 nc -l "$addr" "$4" >"$tmp/recv" </dev/null &
	pid=$!
	if ! nt_wait_until 10 listening "$to" "$4"; then
		kill "$pid" 2>/dev/null
		echo "nc -l $addr $4 is not listening"
		return 1
	fi
	ip netns exec "$from" timeout 60 nc -w 10 -N "$addr" "$4" <"$tmp/blob$5" || rc=$?
	[ "$rc" -eq 0 ] || kill "$pid" 2>/dev/null
	wait "$pid" || true
	sum=$(sha256sum <"$tmp/recv" | cut -d' ' -f1)
	echo "sender exit $rc; received $(stat -c %s "$tmp/recv") of $(($5 * 1024 * 1024)) bytes, sha256 $sum (sent ${blob_sum[$5]})"
	[ "$rc" -eq 0 ] && [ "$sum" = "${blob_sum[$5]}" ]
}

# outer_addr IDX FAMILY PORT: the endpoint string wg prints.
outer_addr() {
	if [ "$2" = v4 ]; then
		echo "192.168.241.$1:$3"
	else
		echo "[fd00:241::$1]:$3"
	fi
}

port=5000	# TCP port of the next transfer
ping_failures=0	# combinations whose pings failed so far

# combo PEER_KIND PEER_DEV INITIATOR(A|B) PSK OUTER LABEL: one cell
# of the matrix. Side A is noisetun's nt0 in ns1, side B the peer in ns2.
combo() {
	local kind=$1 dev=$2 ini=$3 psk=$4 outer=$5 label=$6 res ep_a=none ep_b=none
	local pings_ok=1 wait_s
	if [ "$ini" = A ]; then res=B ep_a=$outer; else res=A ep_b=$outer; fi
	side_up A "$ns1" self nt0
	side_up B "$ns2" "$kind" "$dev"
	side_conf A 1 2 "$psk" "$ep_a"
	side_conf B 2 1 "$psk" "$ep_b"

	# Test that inner IPv4 and inner IPv6 pings cross in both directions,
	# the initiator's first packet starting the handshake. (Once a ping
	# has failed, later ones wait less and the transfer is skipped: a
	# broken data path must not take the whole timeout.)
	if [ "$ping_failures" -eq 0 ]; then wait_s=15; else wait_s=6; fi
	nt_check "$label: inner v4 ping" ping_both v4 "$ini" "$res" "$wait_s" || pings_ok=0
	if [ "$pings_ok" = 1 ]; then wait_s=15; else wait_s=3; fi
	nt_check "$label: inner v6 ping" ping_both v6 "$ini" "$res" "$wait_s" || pings_ok=0
	[ "$pings_ok" = 1 ] || ping_failures=$((ping_failures + 1))
	# Test that the handshake went in the intended role: one initiation
	# from the initiator, one response from the responder, and the
	# responder learnt the initiator's endpoint from it.
	nt_check "$label: ${side_dev[$ini]} sent the initiation" role_is "$ini" initiator || true
	nt_check "$label: ${side_dev[$res]} sent the response" role_is "$res" responder || true
	nt_check "$label: responder learnt the initiator's endpoint" \
		endpoint_is "$res" "$(outer_addr "${side_idx[$ini]}" "$outer" $((4000 + ${side_idx[$ini]})))" || true
	# Test that 4 MiB (Debian 12's wireguard-go: 1 MiB) cross byte for
	# byte over inner TCP: inner IPv4 from the responder to the
	# initiator, or inner IPv6 the other way; the family alternates with
	# psk and outer family, so that every role and outer family carries
	# both.
	port=$((port + 1))
	local fam=v6 from=$ini to=$res
	case "$psk/$outer" in
	psk/v4 | nopsk/v6) fam=v4 from=$res to=$ini ;;
	esac
	local mib=$blob_mib
	[ "$kind" != wggo ] || mib=$blob_mib_go
	local what="$label: inner $fam $mib MiB TCP ${side_dev[$from]} -> ${side_dev[$to]} byte-exact"
	if [ "$pings_ok" = 1 ]; then
		nt_check "$what" xfer "$from" "$to" "$fam" "$port" "$mib" || true
	else
		nt_skip_check "$what" "a ping failed"
	fi
}

# matrix PEER_NAME PEER_KIND PEER_DEV: every cell against one peer.
# CELLS, if given, lists the cells to run as INITIATOR/PSK/OUTER words
# (e.g. "A/psk/v4 B/nopsk/v6"); the default is all eight.
matrix() {
	local pname=$1 kind=$2 dev=$3 cells=${4:-} ini psk outer role t0
	for ini in A B; do
		if [ "$ini" = A ]; then role="nt initiates"; else role="$pname initiates"; fi
		for psk in nopsk psk; do
			for outer in v4 v6; do
				[ -z "$cells" ] || [[ " $cells " == *" $ini/$psk/$outer "* ]] || continue
				t0=$(date +%s)
				combo "$kind" "$dev" "$ini" "$psk" "$outer" \
					"$pname: $role, ${psk/nopsk/no psk}, outer $outer"
				nt_diag "$pname: $role, $psk, outer $outer: $(($(date +%s) - t0)) s"
			done
		done
	done
	side_down A
	side_down B
}

# peer_selected NAME: does NT_INTEROP_PEERS ask for this reference peer?
peer_selected() {
	[ -z "${NT_INTEROP_PEERS:-}" ] || [[ " $NT_INTEROP_PEERS " == *" $1 "* ]]
}
unselected() {
	nt_diag "$1: not run (NT_INTEROP_PEERS='$NT_INTEROP_PEERS')"
}

# --- against the in-tree wireguard module ---------------------------------------
if peer_selected wireguard; then
	matrix wireguard.ko wg wg0
else
	unselected wireguard.ko
fi

# iperf3_bytes NS ARGS...: run an iperf3 client in NS (-J); print the bytes
# its receiver counted. Fails when iperf3 does.
iperf3_bytes() {
	local ns=$1 json rc=0
	shift
	json=$(ip netns exec "$ns" timeout 30 iperf3 -J "$@") || rc=$?
	printf '%s\n' "$json" | awk '/"sum_received"/ { f = 1 }
		f && /"bytes"/ { gsub(/[^0-9]/, "", $2); print $2; exit }'
	[ "$rc" -eq 0 ] || { printf '%s\n' "$json" | grep '"error"' >&2; return "$rc"; }
}

# iperf_way SIDE_FROM SIDE_TO PORT: iperf3 TCP for $iperf_secs s from one
# side to the other through the tunnel (the server always runs on side A,
# noisetun, and -R turns the direction); iperf3 must succeed and at least
# $iperf_min bytes must arrive.
iperf_secs=3
iperf_min=$((512 * 1024))	# TCG on a busy 2-core host: 5 Mbit/s (~2 MB) seen
iperf_way() {
	local from=$1 to=$2 port=$3 bytes pid rc=0 args=()
	echo "iperf3: no result" >"$tmp/iperf.result"
	ip netns exec "${side_ns[A]}" timeout 40 iperf3 -s -1 -B 10.99.0.1 -p "$port" \
		>"$tmp/iperf3-s.log" 2>&1 </dev/null &
	pid=$!
	if ! nt_wait_until 10 listening "${side_ns[A]}" "$port"; then
		kill "$pid" 2>/dev/null
		echo "iperf3 -s is not listening on $port"
		return 1
	fi
	[ "$from" = A ] && args=(-R)
	bytes=$(iperf3_bytes "${side_ns[B]}" -c 10.99.0.1 -p "$port" -t "$iperf_secs" "${args[@]}") || rc=$?
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
	echo "iperf3 ${side_dev[$from]} -> ${side_dev[$to]}: exit $rc, ${bytes:-no} bytes received" \
		"in $iperf_secs s ($((${bytes:-0} * 8 / iperf_secs / 1000000)) Mbit/s), at least $iperf_min wanted" |
		tee "$tmp/iperf.result"
	[ "$rc" -eq 0 ] && [ "${bytes:-0}" -ge "$iperf_min" ]
}

# iperf_way2 SIDE_FROM SIDE_TO PORT: iperf_way, and once more on PORT+100
# if the first run fell short: a host whose other VMs take the CPU has
# slowed wireguard-go under TCG to 1 Mbit/s for a few seconds; a broken
# path fails both runs. Both results stay in the diagnostics.
iperf_way2() {
	local first rc=0
	iperf_way "$@" && return 0
	first=$(cat "$tmp/iperf.result")
	iperf_way "$1" "$2" "$(($3 + 100))" && rc=0 || rc=$?
	echo "first run: $first; second run: $(cat "$tmp/iperf.result")" >"$tmp/iperf.result"
	return "$rc"
}

# iperf_both PEER_NAME PEER_KIND PEER_DEV: a fresh tunnel (no psk, outer
# v4, the peer initiates), then iperf3 TCP both ways through it.
iperf_both() {
	local pname=$1 kind=$2 dev=$3
	side_up A "$ns1" self nt0
	side_up B "$ns2" "$kind" "$dev"
	side_conf A 1 2 nopsk none
	side_conf B 2 1 nopsk v4
	# Test that the tunnel is up before it is loaded.
	if nt_check "$pname iperf3: tunnel up" ping_both v4 B A 15; then
		# Test that iperf3 TCP from the peer into noisetun moves a
		# sane amount (the peer's batched sends into noisetun's
		# receive path), and the other way (noisetun's GSO batches).
		port=$((port + 1))
		nt_check "$pname iperf3: $dev -> nt0 TCP, $iperf_secs s, >= 512 KiB" iperf_way2 B A "$port" || true
		nt_diag "$(cat "$tmp/iperf.result")"
		port=$((port + 1))
		nt_check "$pname iperf3: nt0 -> $dev TCP, $iperf_secs s, >= 512 KiB" iperf_way2 A B "$port" || true
		nt_diag "$(cat "$tmp/iperf.result")"
		# Test that the tunnel still carries packets both ways after
		# the load.
		nt_check "$pname iperf3: tunnel still up afterwards" ping_both v4 B A 10 || true
	fi
	side_down A
	side_down B
}

# --- against wireguard-go -------------------------------------------------------
# Its device is wgo0: wg(8) prefers a userspace device's socket
# (/run/wireguard/NAME.sock, seen from every namespace) to a kernel device
# of the same name.
modprobe tun 2>/dev/null || true
if [ ! -e /dev/net/tun ]; then
	mkdir -p /dev/net
	mknod /dev/net/tun c 10 200 2>/dev/null || true
fi
if ! peer_selected wireguard-go; then
	unselected wireguard-go
elif ! command -v wireguard-go >/dev/null; then
	nt_skip_check "wireguard-go matrix" "wireguard-go is not in the VM"
elif [ ! -c /dev/net/tun ]; then
	nt_skip_check "wireguard-go matrix" "/dev/net/tun is missing"
else
	nt_diag "wireguard-go: $(wireguard-go --version | head -n 1)"
	matrix wireguard-go wggo wgo0
	iperf_both wireguard-go wggo wgo0
fi

# --- against Debian sid's wireguard-go -------------------------------------------
# wireguard-go-sid, device wgs0. make deps fetches it from sid without
# installing it (scripts/fetch-debian.sh); missing, it is a failure, not a
# skip: it is the one peer here that sends GSO batches.
# Its handshake and crypto are those of the wireguard-go above; what is
# new is how it batches data. So, to keep the scenario's time in check,
# four cells instead of eight: each role over each outer family, the psk on
# in two and off in two, chosen so that the 4 MiB transfer of every one
# goes from it to noisetun (the GSO batches into noisetun's receive path,
# over outer v4 and v6); noisetun's sends to it are iperf3's -R run below.
# Test that Debian sid's wireguard-go is in the VM.
if ! peer_selected wireguard-go-sid; then
	unselected wireguard-go-sid
elif ! nt_check "wireguard-go-sid is in the VM (make deps fetches it from Debian sid)" \
	command -v wireguard-go-sid; then
	true
elif [ ! -c /dev/net/tun ]; then
	nt_skip_check "wireguard-go-sid matrix" "/dev/net/tun is missing"
else
	nt_diag "wireguard-go-sid: $(wireguard-go-sid --version | head -n 1)"
	matrix wireguard-go-sid wggosid wgs0 "A/nopsk/v6 A/psk/v4 B/nopsk/v4 B/psk/v6"
	iperf_both wireguard-go-sid wggosid wgs0
fi

# --- noisetun against noisetun --------------------------------------------------
# Both sides are noisetun: the roles are symmetric, so one per outer family.
peer_selected noisetun || unselected noisetun
for psk in nopsk psk; do
	peer_selected noisetun || break
	for outer in v4 v6; do
		if [ "$outer" = v4 ]; then ini=A; else ini=B; fi
		t0=$(date +%s)
		combo self nt0 "$ini" "$psk" "$outer" \
			"noisetun: ns$([ "$ini" = A ] && echo 1 || echo 2) initiates, ${psk/nopsk/no psk}, outer $outer"
		nt_diag "noisetun: $ini initiates, $psk, outer $outer: $(($(date +%s) - t0)) s"
	done
done
side_down A
side_down B

# A failed check above went on (|| true): fail the scenario now.
[ "$NT_FAILED" -eq 0 ] || exit 1
