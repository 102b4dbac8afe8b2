#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 600
# nt-category: bad netlink and tunctl input
#
# Bad input through `tunctl set` and `tunctl setconf`: each must exit
# non-zero with a message that names the offending word, and leave the
# device exactly as it was (`tunctl showconf nt0` byte-identical), even
# when the bad word comes after good ones. Also devices that do not
# exist or are of another kind (dummy, the in-tree wireguard).
#
#   +---------------- ntbi-$$ ----------------+
#   |  nt0 (noisetun, configured)              |
#   |  dummy0 (dummy)   wg0 (wireguard)        |
#   +------------------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns="ntbi-$$"
nt_tmpdir

nt_kind noisetun
nt_device_ns "$ns"

umask 077
tunctl genkey > "$tmp/priv"
printf 'AAAA\n' > "$tmp/shortkey"
p1=$(tunctl genkey | tunctl pubkey)
p2=$(tunctl genkey | tunctl pubkey)
K=$(tunctl genkey | tunctl pubkey)
t set nt0 listen-port 51820 fwmark 7 private-key "$tmp/priv" \
	peer "$p1" allowed-ips 10.0.1.0/24 endpoint 192.0.2.1:51820 persistent-keepalive 25 \
	peer "$p2" allowed-ips fd00::/64
baseline=$(t showconf nt0)
nt_diag "baseline: $(printf '%s\n' "$baseline" | wc -l) lines of showconf"

# refused WORD CMD...: CMD fails, its message contains WORD, nt0 unchanged.
refused() {
	local word=$1 err rc=0
	shift
	err=$("$@" 2>&1 >/dev/null) || rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "exited 0"
		return 1
	fi
	echo "message: $err"
	if ! grep -qF -- "$word" <<<"$err"; then
		echo "the message does not name $word"
		return 1
	fi
	if [ "$(t showconf nt0)" != "$baseline" ]; then
		echo "showconf nt0 changed:"
		t showconf nt0
		return 1
	fi
}

# bad_set WORD ARGS...: `tunctl set nt0 ARGS...` is refused naming WORD.
bad_set() {
	local word=$1
	shift
	nt_check "set $* is refused" refused "$word" t set nt0 "$@" || true
}

# bad_conf WORD CONTENT: `tunctl setconf nt0 FILE` is refused naming WORD.
n_conf=0
bad_conf() {
	n_conf=$((n_conf + 1))
	printf '%b' "$2" > "$tmp/bad$n_conf.conf"
	nt_check "setconf refuses: $(printf '%b' "$2" | tr '\n' '|' | cut -c1-60)" \
		refused "$1" t setconf nt0 "$tmp/bad$n_conf.conf" || true
}

# Test that bad ports, marks and keepalives are refused.
bad_set "'70000'" listen-port 70000
bad_set "'-1'" listen-port -1
bad_set "'abc'" listen-port abc
bad_set "got ''" listen-port ""
bad_set "'0x1ffffffff'" fwmark 0x1ffffffff
bad_set "'on'" fwmark on
bad_set "'65536'" peer "$K" persistent-keepalive 65536
bad_set "'soon'" peer "$K" persistent-keepalive soon

# Test that bad keys are refused (short, long, bad base64, non-canonical).
bad_set "'abc'" peer abc
bad_set "'${K}AAAA'" peer "${K}AAAA"
bad_set "'${K:0:20}!${K:21}'" peer "${K:0:20}!${K:21}"
bad_set "'${K:0:42}B='" peer "${K:0:42}B="
bad_set "'/nonexistent/key'" private-key /nonexistent/key
bad_set "'$tmp/shortkey'" private-key "$tmp/shortkey"
bad_set "'$tmp/shortkey'" peer "$K" preshared-key "$tmp/shortkey"

# Test that bad allowed IPs and endpoints are refused.
bad_set "'10.0.0.0/33'" peer "$K" allowed-ips 10.0.0.0/33
bad_set "'fd00::/129'" peer "$K" allowed-ips fd00::/129
bad_set "'banana'" peer "$K" allowed-ips 10.0.0.0/8,banana
bad_set "'10.0.0.1/'" peer "$K" allowed-ips 10.0.0.1/
bad_set "'192.0.2.1'" peer "$K" endpoint 192.0.2.1
bad_set "'[2001:db8::1:51820'" peer "$K" endpoint '[2001:db8::1:51820'
bad_set "'2001:db8::1:51820'" peer "$K" endpoint 2001:db8::1:51820
bad_set "'192.0.2.1:99999'" peer "$K" endpoint 192.0.2.1:99999

# Test that unknown and misplaced words are refused.
bad_set "'frobnicate'" frobnicate 1
bad_set "'listen-port'" peer "$K" listen-port 1
bad_set "'endpoint'" endpoint 192.0.2.1:1
bad_set "'endpoint'" peer "$K" endpoint

# Test that a good peer before a bad one is not applied either.
bad_set "'10.0.0.0/40'" peer "$K" allowed-ips 10.9.9.9/32 peer "$p1" allowed-ips 10.0.0.0/40
bad_set "'-5'" listen-port 4000 fwmark 9 peer "$K" persistent-keepalive -5

# Test that bad configuration files are refused, naming line and word.
bad_conf "'70000'" "[Interface]\nListenPort = 70000\n"
bad_conf "'Address'" "[Interface]\nAddress = 10.0.0.1/24\n"
bad_conf "'[Peer'" "[Interface]\nListenPort = 1\n[Peer\n"
bad_conf "'PublicKey'" "[Peer]\nPublicKey\n"
bad_conf "'[Interface]'" "[Peer]\nPublicKey = $K\n[Interface]\n"
bad_conf "'ListenPort'" "ListenPort = 1\n[Interface]\n"
bad_conf "has no PublicKey" "[Interface]\nListenPort = 1\n[Peer]\nAllowedIPs = 10.0.0.1/32\n"
bad_conf "'$K'" "[Peer]\nPublicKey = $K\n[Peer]\nPublicKey = $K\n"
bad_conf ":9: 'AllowedIPs'" "[Interface]\nListenPort = 1\n\n[Peer]\nPublicKey = $K\nAllowedIPs = 10.0.0.0/8\n\n[Peer]\nAllowedIPs = 10.0.0.0/99\nPublicKey = $p1\n"
bad_conf "'PrivateKey'" "[Interface]\nPrivateKey = AAAA=\n"
bad_conf "'PersistentKeepalive'" "[Peer]\nPublicKey = $K\nPersistentKeepalive = 1 0 0 0 0 0\n"
nt_check "setconf of a missing file is refused" \
	refused "'$tmp/missing.conf'" t setconf nt0 "$tmp/missing.conf" || true

# Test that unknown devices and devices of other kinds are refused by name.
nt_check "set on a device that does not exist" refused "'nt9'" t set nt9 listen-port 1 || true
nt_check "showconf of a device that does not exist" refused "'nt9'" t showconf nt9 || true
nt_check "a name longer than 15 characters" \
	refused "'abcdefghijklmnopq'" t set abcdefghijklmnopq listen-port 1 || true
if ip -n "$ns" link add dummy0 type dummy 2>/dev/null; then
	nt_check "set on a dummy device" refused "'dummy0' is not a noisetun device" t set dummy0 listen-port 1 || true
	nt_check "show of a dummy device" refused "'dummy0'" t show dummy0 || true
else
	nt_skip_check "set on a dummy device" "no dummy link kind"
fi
if modprobe wireguard 2>/dev/null && ip -n "$ns" link add wg0 type wireguard; then
	wgbefore=$(ip netns exec "$ns" wg showconf wg0 2>&1 || true)
	nt_check "set on a wireguard device" refused "'wg0' is not a noisetun device" t set wg0 listen-port 1 || true
	nt_check "showconf of a wireguard device" refused "'wg0'" t showconf wg0 || true
	nt_check "the wireguard device is unchanged" \
		test "$(ip netns exec "$ns" wg showconf wg0 2>&1 || true)" = "$wgbefore" || true
	nt_check "show interfaces lists noisetun devices only" \
		test "$(t show interfaces)" = nt0 || true
else
	nt_skip_check "set on a wireguard device" "the wireguard module does not load"
fi

nt_diag "$NT_N checks, $NT_FAILED failed"
[ "$NT_FAILED" -eq 0 ]
