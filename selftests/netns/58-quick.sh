#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tunctl up | down | save, wg-quick(8)'s commands for noisetun. In ntqa,
# `tunctl up` brings ntA up from a wg-quick style file with two peers: B
# (its own addresses) and C, which carries the default route (0.0.0.0/0
# and ::/0), so the default route goes through policy routing: table
# 51820, `not fwmark 51820`, and the main table tried first with
# `suppress_prefixlength 0`. Traffic reaches B, and through the default
# route the addresses behind C; `tunctl down` leaves the rules, routes and
# addresses exactly as they were. Then: hooks, DNS through resolvconf (a
# stand-in script that logs), Table = N, MTU and SaveConfig; files with an
# error on line N fail naming line N and leave nothing behind, as does a
# SIGTERM in the middle of up; and wg-quick itself (wireguard.ko) brings
# the same file up with the same routes and rules.
#
#                 +---------------- ntqa-$$ ----------------+
#                 | ntA 10.58.1.1/24 fd58:1::1/64 :5801     |
#                 | main: default via 192.168.158.2         |
#                 |  veth1 192.168.158.1    veth3 192.168.159.1
#                 +-----|-----------------------|-----------+
#                       | (mtu 1450)            | (mtu 1480)
#   +------------ ntqb-$$ ------------+   +------------- ntqc-$$ --------------+
#   | veth2 192.168.158.2             |   | veth4 192.168.159.2                |
#   | nt0 10.58.1.2 fd58:1::2 :5802   |   | nt0 10.58.1.3 fd58:1::3 :5803      |
#   +---------------------------------+   | lo 198.51.100.1 2001:db8:58::1     |
#                                         +------------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

nsa="ntqa-$$"
nsb="ntqb-$$"
nsc="ntqc-$$"
nt_tmpdir

nt_kind noisetun ping diff
nt_netns_new "$nsa" "$nsb" "$nsc"
a() { ip netns exec "$nsa" "$@"; }
ip link add veth1 netns "$nsa" mtu 1450 type veth peer name veth2 netns "$nsb" mtu 1450
ip link add veth3 netns "$nsa" mtu 1480 type veth peer name veth4 netns "$nsc" mtu 1480
ip -n "$nsa" addr add 192.168.158.1/24 dev veth1
ip -n "$nsa" addr add 192.168.159.1/24 dev veth3
ip -n "$nsb" addr add 192.168.158.2/24 dev veth2
ip -n "$nsc" addr add 192.168.159.2/24 dev veth4
for l in "$nsa veth1" "$nsa veth3" "$nsb veth2" "$nsc veth4"; do
	# shellcheck disable=SC2086 # "NS DEV"
	ip -n ${l% *} link set ${l#* } up
done
# A default route in main, which the default through the tunnel must beat.
ip -n "$nsa" route add default via 192.168.158.2 dev veth1
ip -n "$nsa" -6 route add default dev veth1
ip -n "$nsc" addr add 198.51.100.1/32 dev lo
ip -n "$nsc" addr add 2001:db8:58::1/128 dev lo
nt_keys "$tmp" A B C

# B and C, configured by hand: each has A as its peer.
for side in "B $nsb 2 192.168.158.1 5802" "C $nsc 3 192.168.159.1 5803"; do
	read -r n ns i ep port <<<"$side"
	ip -n "$ns" link add nt0 type noisetun
	ip netns exec "$ns" tunctl set nt0 private-key "$tmp/k$n" listen-port "$port" \
		peer "$pubA" allowed-ips 10.58.1.1/32,fd58:1::1/128 endpoint "$ep:5801"
	ip -n "$ns" addr add "10.58.1.$i/24" dev nt0
	ip -n "$ns" addr add "fd58:1::$i/64" dev nt0 nodad
	ip -n "$ns" link set nt0 up
done

# write_conf FILE [LINES OF [Interface]...]: ntA's file, two peers.
write_conf() {
	local f=$1 l
	shift
	{
		echo "[Interface]"
		echo "PrivateKey = $(cat "$tmp/kA")"
		echo "ListenPort = 5801"
		for l in "$@"; do echo "$l"; done
		echo
		echo "[Peer]"
		echo "# B"
		echo "PublicKey = $pubB"
		echo "AllowedIPs = 10.58.1.2/32, fd58:1::2/128"
		echo "Endpoint = 192.168.158.2:5802"
		echo
		echo "[Peer]"
		echo "# C: the default route"
		echo "PublicKey = $pubC"
		echo "AllowedIPs = 0.0.0.0/0, ::/0"
		echo "Endpoint = 192.168.159.2:5803"
	} >"$f"
	chmod 600 "$f"
}

# nft is in the VM off PATH (build-initramfs.sh): the last story puts it
# first in PATH, and then up and wg-quick use it instead of iptables.
nftdir=/usr/lib/nt/nft
# firewall: ntqa's iptables and ip6tables rules (the VM has no nft, so
# both up and wg-quick use iptables-restore), the comments that name
# their owner made alike.
firewall() {
	local t
	for t in iptables ip6tables; do
		a "$t-save" | { grep -- '^-A ' || true; } | sed -E 's/"(wg-quick\(8\)|tunctl) rule for /"rule for /'
	done
}
# state: what tunctl down must restore in ntqa.
state() {
	a ip rule
	a ip -6 rule
	a ip route show table all
	a ip -6 route show table all
	a ip -o addr show | awk '{ $1 = ""; print }'
	a ip -o link show | awk '{ print $2 }'
	firewall
	[ ! -x "$nftdir/nft" ] || a "$nftdir/nft" list ruleset
}
# routing IFACE: the rules, routes and firewall rules, with IFACE called ntA.
routing() {
	{
		a ip rule
		a ip -6 rule
		a ip route show table all
		a ip -6 route show table all
		a ip -o addr show dev "$1" | awk '{ print $3, $4 }'
		a ip link show dev "$1" | grep -o 'mtu [0-9]*'
		firewall
	} | sed "s/\\b$1\\b/ntA/g"
}
# raw_drops: packets the raw DROP rule for 10.58.1.1 has dropped.
raw_drops() {
	a iptables -t raw -nvx -L PREROUTING | awk '/DROP/ && /10\.58\.1\.1 / { print $1; exit }'
}
same_as() {
	local now
	now=$(state)
	[ "$now" = "$1" ] && return 0
	diff <(printf '%s\n' "$1") <(printf '%s\n' "$now")
	return 1
}
says() {	# says REGEX CMD...: CMD succeeds and its output matches REGEX
	local re=$1 out
	shift
	out=$("$@" 2>&1) || { echo "$out"; return 1; }
	grep -q -- "$re" <<<"$out" || { echo "$out"; return 1; }
}
ping_a() { a ping -c1 -W1 "$1" >/dev/null; }

# The state to come back to, once the veths' IPv6 link-local addresses
# (and their local routes) are in place: they come up a moment after the
# link, and a snapshot taken before them differs from any taken after.
ll_ready() {
	local d
	for d in veth1 veth3; do
		a ip -6 addr show dev "$d" scope link | grep -q 'inet6 fe80' || return 1
	done
	! a ip -6 addr show tentative | grep -q inet6
}
nt_check "A's veths have settled IPv6 link-local addresses" nt_wait_until 10 ll_ready
before=$(state)
conf="$tmp/ntA.conf"
write_conf "$conf" "Address = 10.58.1.1/24, fd58:1::1/64"

# Test that up brings the tunnel up, announcing each step.
nt_check "tunctl up from a wg-quick file" says '^\[#\] ip -4 rule add not fwmark 51820 table 51820' a tunctl up "$conf"
up_state=$(routing ntA)
nt_diag "after up:"
printf '%s\n' "$up_state" | sed 's/^/#   /'
# Test that the tunnel configuration is the file's (what strip gives).
nt_check "the device has the file's peers and port" \
	nt_is "$(printf '%s\n%s' "$pubB" "$pubC" | sort)" bash -c "ip netns exec $nsa tunctl show ntA peers | sort"
nt_check "the addresses are on ntA" \
	nt_is $'inet 10.58.1.1/24\ninet6 fd58:1::1/64' bash -c "ip -n $nsa -o addr show dev ntA | awk '{ print \$3, \$4 }'"
# Test that the MTU is the largest on the way to the endpoints (1480), less 80.
nt_check "MTU derived from the endpoints' routes: 1480 - 80" says 'mtu 1400 ' a ip link show dev ntA
nt_check "fwmark 51820 on ntA" nt_is 0xca6c a tunctl show ntA fwmark
# Test that the default route went to table 51820 with wg-quick's two rules, both families.
nt_check "IPv4 rules: not fwmark 51820 lookup 51820, main with suppress_prefixlength 0" \
	bash -c "ip -n $nsa rule | grep -q 'not from all fwmark 0xca6c lookup 51820' &&
		 ip -n $nsa rule | grep -q 'from all lookup main suppress_prefixlength 0'"
nt_check "IPv6 rules too" \
	bash -c "ip -n $nsa -6 rule | grep -q 'not from all fwmark 0xca6c lookup 51820' &&
		 ip -n $nsa -6 rule | grep -q 'from all lookup main suppress_prefixlength 0'"
nt_check "table 51820: the two default routes through ntA" \
	bash -c "ip -n $nsa route show table 51820 | grep -q '^default dev ntA scope link' &&
		 ip -n $nsa -6 route show table 51820 | grep -q '^default dev ntA metric 1024'"
# Test that the default route brought wg-quick's firewall rules: the
# tunnel's addresses dropped when they come from elsewhere than ntA and
# this host, the fwmark saved into the connection's mark and given back.
nt_check "raw: packets for 10.58.1.1 and fd58:1::1 from outside ntA dropped" \
	bash -c "ip netns exec $nsa iptables-save -t raw | grep -q -- '-d 10.58.1.1/32 ! -i ntA -m addrtype ! --src-type LOCAL -m comment --comment \"tunctl rule for ntA\" -j DROP' &&
		 ip netns exec $nsa ip6tables-save -t raw | grep -q -- '-d fd58:1::1/128 ! -i ntA -m addrtype ! --src-type LOCAL -m comment --comment \"tunctl rule for ntA\" -j DROP'"
nt_check "mangle: CONNMARK save of mark 51820, restore, both families" \
	bash -c "for t in iptables ip6tables; do
			 ip netns exec $nsa \$t-save -t mangle | grep -q -- '-A POSTROUTING -p udp -m mark --mark 0xca6c -m comment --comment \"tunctl rule for ntA\" -j CONNMARK --save-mark' &&
			 ip netns exec $nsa \$t-save -t mangle | grep -q -- '-A PREROUTING -p udp -m comment --comment \"tunctl rule for ntA\" -j CONNMARK --restore-mark' || exit 1
		 done"
# Test that the DROP works: B pings 10.58.1.1 over the veth, not the
# tunnel, and the rule drops the requests (A would answer otherwise).
ip -n "$nsb" route add 10.58.1.1/32 via 192.168.158.1 dev veth2
drops0=$(raw_drops)
nt_check "B's pings to 10.58.1.1 over the veth go unanswered" \
	bash -c "! ip netns exec $nsb ping -c 2 -i 0.2 -W 1 10.58.1.1"
nt_check "and the raw DROP rule counted them ($drops0 -> $(raw_drops))" test "$(raw_drops)" -ge $((drops0 + 2))
ip -n "$nsb" route del 10.58.1.1/32 via 192.168.158.1 dev veth2

# Test that B's /32 got no route of its own: the address's /24 covers it (as wg-quick).
nt_check "no route for 10.58.1.2/32 (the /24 of the address covers it)" \
	nt_is "" bash -c "ip -n $nsa route show 10.58.1.2/32"

# Test that traffic reaches both peers: B directly, C through the default route.
nt_check "ping B (10.58.1.2)" nt_wait_until 20 ping_a 10.58.1.2
nt_check "ping B over IPv6 (fd58:1::2)" nt_wait_until 20 ping_a fd58:1::2
nt_check "ping behind C through the default route (198.51.100.1)" nt_wait_until 20 ping_a 198.51.100.1
nt_check "ping behind C over IPv6 (2001:db8:58::1)" nt_wait_until 20 ping_a 2001:db8:58::1
# Test that flood pings through the default route all come back (netns.sh #13).
nt_check "flood pings through the default route, IPv4" nt_flood "$nsa" 198.51.100.1
nt_check "flood pings through the default route, IPv6" nt_flood "$nsa" 2001:db8:58::1
nt_check "main's default route via veth1 is bypassed: C saw the traffic" \
	says 'transfer: [1-9]' ip netns exec "$nsc" tunctl show nt0

# Test that up refuses a device that exists, and changes nothing.
nt_check "up again: refused, 'already exists'" nt_fails_saying "'ntA' already exists" a tunctl up "$conf"
nt_check "the refused up changed nothing" nt_is "$up_state" routing ntA

# Test that down restores the rules, routes and addresses exactly.
nt_check "tunctl down" a tunctl down "$conf"
nt_check "after down: rules, routes, addresses and links as before" same_as "$before"

# Test the hooks, DNS (a resolvconf that logs), Table = N, MTU and SaveConfig.
mkdir -p "$tmp/bin"
cat >"$tmp/bin/resolvconf" <<EOF
#!/bin/bash
{ echo "resolvconf \$*"; [ "\$1" != -a ] || cat; } >>"$tmp/resolv.log"
EOF
chmod 755 "$tmp/bin/resolvconf"
log="$tmp/hooks.log"
write_conf "$conf" "Address = 10.58.1.1/24" "DNS = 10.58.1.53, example.test" "Table = 580" "MTU = 1300" \
	"PreUp = echo pre-up %i >> $log" "PostUp = echo post-up %i >> $log" \
	"PreDown = echo pre-down %i >> $log" "PostDown = echo post-down %i >> $log" "SaveConfig = true"
qa() { ip netns exec "$nsa" env PATH="$tmp/bin:$PATH" tunctl "$@"; }
nt_check "up with hooks, DNS, Table = 580, MTU = 1300" qa up "$conf"
nt_check "PreUp and PostUp ran, with %i replaced" nt_is $'pre-up ntA\npost-up ntA' cat "$log"
nt_check "resolvconf -a ntA -m 0 -x got the servers and the search domain" \
	nt_is $'resolvconf -a ntA -m 0 -x\nnameserver 10.58.1.53\nsearch example.test' cat "$tmp/resolv.log"
nt_check "MTU 1300" says 'mtu 1300 ' a ip link show dev ntA
nt_check "Table = 580: every allowed IP routed there, the default too" \
	nt_is $'10.58.1.2 dev ntA scope link\ndefault dev ntA scope link' \
	bash -c "ip -n $nsa route show table 580 | sed 's/ *\$//' | sort"
nt_check "Table = 580: no rule added, no fwmark" \
	bash -c "! ip -n $nsa rule | grep -q fwmark && [ \"\$(ip netns exec $nsa tunctl show ntA fwmark)\" = off ]"
a tunctl set ntA listen-port 5811
nt_check "down (SaveConfig)" qa down "$conf"
nt_check "PreDown and PostDown ran" nt_is $'pre-up ntA\npost-up ntA\npre-down ntA\npost-down ntA' cat "$log"
nt_check "resolvconf -d ntA -f" says '^resolvconf -d ntA -f$' cat "$tmp/resolv.log"
nt_check "SaveConfig saved the running port, and kept the wg-quick keys" \
	bash -c "grep -qx 'ListenPort = 5811' $conf && grep -qx 'Table = 580' $conf &&
		 grep -qx 'DNS = example.test' $conf && grep -qx 'PostDown = echo post-down %i >> $log' $conf &&
		 grep -qx 'SaveConfig = true' $conf && grep -qx 'Address = 10.58.1.1/24' $conf &&
		 grep -q '^PublicKey = ' $conf && [ \"\$(stat -c %a $conf)\" = 600 ]"
nt_check "the saved file strips to a valid configuration" \
	bash -c "tunctl strip $conf >/dev/null"
nt_check "after down: as before" same_as "$before"

# Test that DNS without resolvconf fails before doing anything, saying why.
write_conf "$conf" "Address = 10.58.1.1/24" "DNS = 10.58.1.53"
nt_check "DNS without resolvconf: refused on the DNS line (line 5)" \
	nt_fails_saying "ntA.conf:5: DNS needs resolvconf" a env PATH=/usr/bin:/bin tunctl up "$conf"
nt_check "nothing left behind" same_as "$before"

# Test that errors name their line and leave nothing behind.
# A parse error on line 9 (the first peer's AllowedIPs).
write_conf "$conf" "Address = 10.58.1.1/24"
sed -i 's|^AllowedIPs = 10.58.1.2/32, fd58:1::2/128|AllowedIPs = 10.58.1.2/33|' "$conf"
nt_check "a bad AllowedIPs on line 9 is named" \
	nt_fails_saying "ntA.conf:9: 'AllowedIPs' expects" a tunctl up "$conf"
nt_check "nothing left behind" same_as "$before"
# A route the kernel refuses (main has 10.58.9.0/24 already), named by
# the line of its AllowedIPs entry, given with host bits (line 9).
ip -n "$nsa" route add 10.58.9.0/24 dev veth1
with_route=$(state)
write_conf "$conf" "Address = 10.58.1.1/24"
sed -i 's|^AllowedIPs = 10.58.1.2/32, fd58:1::2/128|&, 10.58.9.7/24|' "$conf"
nt_check "a route the kernel refuses is named by its AllowedIPs line (9)" \
	nt_fails_saying "ntA.conf:9: cannot add the route to 10.58.9.0/24 in table main: File exists" a tunctl up "$conf"
nt_check "nothing left behind" same_as "$with_route"
ip -n "$nsa" route del 10.58.9.0/24 dev veth1
# A PostUp that fails (line 5), after the default route's rules were added.
write_conf "$conf" "Address = 10.58.1.1/24, fd58:1::1/64" "PostUp = exit 3"
nt_check "a failing PostUp on line 5 is named" \
	nt_fails_saying "ntA.conf:5: the PostUp command exited with status 3" a tunctl up "$conf"
nt_check "its rules, routes, addresses and link undone" same_as "$before"
# SIGTERM in the middle (sent by a PostUp to tunctl, its parent).
# shellcheck disable=SC2016 # $PPID is the hook's to expand
write_conf "$conf" "Address = 10.58.1.1/24, fd58:1::1/64" 'PostUp = kill -TERM $PPID'
nt_check "SIGTERM during up: stops" nt_fails_saying "interrupted by signal 15" a tunctl up "$conf"
nt_check "and undoes it all" same_as "$before"
# An address the kernel refuses (given twice, line 5).
write_conf "$conf" "Address = 10.58.1.1/24" "Address = 10.58.1.1/24"
nt_check "an address the kernel refuses, line 5" \
	nt_fails_saying "ntA.conf:5: cannot add the address 10.58.1.1/24: File exists" a tunctl up "$conf"
nt_check "nothing left behind" same_as "$before"

# Test that wg-quick brings the same file up on wireguard.ko with the same
# routes and rules (the names mapped).
if ! command -v wg-quick >/dev/null; then
	nt_skip_check "wg-quick and tunctl up give the same routes and rules" "wg-quick is not in the VM"
elif ! modprobe wireguard 2>/dev/null; then
	nt_skip_check "wg-quick and tunctl up give the same routes and rules" "wireguard.ko does not load"
else
	write_conf "$conf" "Address = 10.58.1.1/24, fd58:1::1/64"
	cp "$conf" "$tmp/wgA.conf"
	a tunctl up "$conf" 2>/dev/null
	ours=$(routing ntA)
	a tunctl down "$conf" 2>/dev/null
	if a wg-quick up "$tmp/wgA.conf" >"$tmp/wgq.log" 2>&1; then
		theirs=$(routing wgA)
		nt_diag "comparing $(wc -l <<<"$ours") lines of rules, routes, addresses and MTU"
		# wireguard.ko (addr_gen_mode eui64, which fails on a device
		# without a hardware address) gets the link-local prefix route
		# without an address; noisetun (addr_gen_mode none) gets neither.
		# That is the module's doing, not up's: left out, and shown.
		ll='^fe80::/64 dev ntA proto kernel'
		grep -E "$ll" <<<"$theirs" | sed 's/^/# wg-quick only (the module): /' || true
		grep -E "$ll" <<<"$ours" | sed 's/^/# tunctl only (the module): /' || true
		nt_check "wg-quick and tunctl up give the same routes, rules, addresses and MTU" \
			nt_is "$(grep -Ev "$ll" <<<"$ours")" grep -Ev "$ll" <<<"$theirs"
		a wg-quick down "$tmp/wgA.conf" >>"$tmp/wgq.log" 2>&1 || true
	else
		sed 's/^/# /' "$tmp/wgq.log"
		nt_check "wg-quick up" false || true
	fi
	nt_check "after wg-quick down too: as before" same_as "$before"
fi

# Test that with nft installed, up (and wg-quick) take nft instead: the
# same rules in a table of the interface's own, per family; down deletes
# the tables, and wg-quick makes the same ones.
an() { ip netns exec "$nsa" env PATH="$nftdir:$PATH" "$@"; }
# nft_table FAMILY NAME: that table, with NAME's interface called ntA.
nft_table() {
	an nft list table "$1" "$2" | sed -E "s/(wg-quick|tunctl-quick)-[a-zA-Z]+/quick-ntA/; s/\"[a-zA-Z]+A\"/\"ntA\"/"
}
if [ ! -x "$nftdir/nft" ]; then
	nt_skip_check "with nft: up, its tables, down, and the same as wg-quick's" \
		"nft is not in the VM (make deps installs nftables)"
else
	write_conf "$conf" "Address = 10.58.1.1/24, fd58:1::1/64"
	nt_check "with nft on PATH: up says 'nft -f'" says '^\[#\] nft -f' an tunctl up "$conf"
	ours4=$(nft_table ip tunctl-quick-ntA) ours6=$(nft_table ip6 tunctl-quick-ntA)
	printf '%s\n%s\n' "$ours4" "$ours6" | sed 's/^/# /'
	nt_check "with nft: table ip tunctl-quick-ntA drops 10.58.1.1 from outside, keeps the mark" \
		bash -c "grep -q 'iifname != \"ntA\" ip daddr 10.58.1.1 fib saddr type != local drop' <<<'$ours4' &&
			 grep -q 'meta l4proto udp meta mark 0x0000ca6c ct mark set meta mark' <<<'$ours4' &&
			 grep -q 'meta l4proto udp meta mark set ct mark' <<<'$ours4'"
	nt_check "with nft: table ip6 tunctl-quick-ntA likewise for fd58:1::1" \
		bash -c "grep -q 'iifname != \"ntA\" ip6 daddr fd58:1::1 fib saddr type != local drop' <<<'$ours6' &&
			 grep -q 'meta l4proto udp meta mark 0x0000ca6c ct mark set meta mark' <<<'$ours6'"
	nt_check "with nft: no iptables rule" nt_is "" firewall
	# The drop, and that it is the table's doing: without the table,
	# A answers.
	ip -n "$nsb" route add 10.58.1.1/32 via 192.168.158.1 dev veth2
	nt_check "with nft: B's pings to 10.58.1.1 over the veth go unanswered" \
		bash -c "! ip netns exec $nsb ping -c 2 -i 0.2 -W 1 10.58.1.1"
	an nft delete table ip tunctl-quick-ntA
	nt_check "without the ip table, A answers them" ip netns exec "$nsb" ping -c 1 -W 2 10.58.1.1
	ip -n "$nsb" route del 10.58.1.1/32 via 192.168.158.1 dev veth2
	nt_check "with nft: down (one table left to delete)" an tunctl down "$conf"
	nt_check "with nft: after down, as before (no table left)" same_as "$before"
	if ! command -v wg-quick >/dev/null || ! modprobe wireguard 2>/dev/null; then
		nt_skip_check "wg-quick with nft makes the same tables" "wg-quick or wireguard.ko is not in the VM"
	elif an wg-quick up "$tmp/wgA.conf" >"$tmp/wgq.log" 2>&1; then
		theirs=$(nft_table ip wg-quick-wgA; nft_table ip6 wg-quick-wgA)
		nt_check "wg-quick with nft makes the same tables" \
			nt_is "$ours4"$'\n'"$ours6" printf '%s\n' "$theirs"
		an wg-quick down "$tmp/wgA.conf" >>"$tmp/wgq.log" 2>&1 || true
		nt_check "after wg-quick down with nft: as before" same_as "$before"
	else
		sed 's/^/# /' "$tmp/wgq.log"
		nt_check "wg-quick up with nft" false || true
	fi
fi

[ "$NT_FAILED" -eq 0 ]
