#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 300
#
# Object accounting (Documentation/testing.md 1.1 #25 and section 4, criterion
# 4), run after every other scenario: once all noisetun devices are deleted and
# the module is unloaded, every interface, peer and keypair the module logged as
# created must have been logged as destroyed.
#
# DEBUG builds (make check builds with DEBUG=1) log, via pr_debug:
#   noisetun: <ifname>: Interface created | Interface destroyed
#   noisetun: <ifname>: Peer <id> created | Peer <id> destroyed
#   noisetun: <ifname>: Keypair <id> created | Keypair <id> destroyed
# <id> is unique module-wide, so peers and keypairs pair by kind and id;
# interfaces pair by name, counting creations against destructions since a
# name is reused. The log is the VM's /dev/kmsg capture since boot.
#
#   (no topology: reads the kernel log of all earlier scenarios)

set -e
source "$(dirname "$0")/../lib.sh"

# Print "KEY created destroyed" for every object key seen in the log
# (grep first: the log holds hundreds of thousands of lines once the
# scale scenarios have run, and awk's match is slow under TCG).
tally() {
	nt_kmsg | grep -E 'noisetun: .* (created|destroyed)$' | awk '
	match($0, /noisetun: [^ :]+: (Interface|Peer [0-9]+|Keypair [0-9]+) (created|destroyed)$/) {
		s = substr($0, RSTART, RLENGTH)
		n = split(s, w, " ")
		ifname = w[2]; sub(/:$/, "", ifname)
		what = w[n]
		key = (w[3] == "Interface") ? "Interface " ifname : w[3] " " w[4]
		if (what == "created") c[key]++; else d[key]++
		seen[key] = 1
	}
	END { for (k in seen) printf "%s %d %d\n", k, c[k], d[k] }'
}

# Lines "KEY created destroyed" whose counts differ (from $tmp/tally once
# it is taken, the log being read once).
unpaired() {
	if [ -s "$tmp/tally" ]; then cat "$tmp/tally"; else tally; fi |
		awk '$(NF - 1) != $NF'
}

all_paired() {
	[ -z "$(unpaired)" ]
}

# Delete every noisetun device left in any namespace, then unload.
if [ -d /sys/module/noisetun ]; then
	for ns in "" $(ip netns list | cut -d' ' -f1); do
		for dev in $(ip ${ns:+-n "$ns"} -o link show type noisetun 2>/dev/null |
			     awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
			nt_diag "deleting leftover ${ns:-init-ns}/$dev"
			ip ${ns:+-n "$ns"} link del "$dev" || true
		done
	done
	# Test that the module unloads (it may be briefly busy after a delete).
	nt_check "rmmod noisetun" nt_wait_until 10 rmmod noisetun
else
	nt_diag "noisetun is not loaded"
fi

# Destruction can trail the unload a little (RCU callbacks): poll.
nt_wait_until 5 all_paired || true
nt_tmpdir
tally >"$tmp/tally"

created() {	# created KIND: number of "KIND ... created" lines
	awk -v k="$1" '$1 == k { s += $(NF - 1) } END { print s + 0 }' "$tmp/tally"
}
n_if=$(created Interface)
n_peer=$(created Peer)
n_kp=$(created Keypair)

# Test that the module logged object creation at all: the suite, run
# before this scenario, creates interfaces, peers, and keypairs (every
# handshake makes one). Without these, the pairing below could pass on an
# empty log, or on a module that stopped logging one kind.
nt_check "the module logged interface creations ($n_if)" [ "$n_if" -gt 0 ] || true
nt_check "the module logged peer creations ($n_peer)" [ "$n_peer" -gt 0 ] || true
nt_check "the module logged keypair creations ($n_kp)" [ "$n_kp" -gt 0 ] || true

bad=$(unpaired)
[ -n "$bad" ] && printf '%s\n' "$bad" | awk '{ printf "# unpaired: %s %s: created %d, destroyed %d\n", $1, $2, $3, $4 }'

kind_paired() {	# kind_paired KIND: no unpaired KIND line
	! unpaired | grep -q "^$1 "
}
# Test that every created interface, peer and keypair was destroyed.
nt_check "every interface created was destroyed ($n_if created)" kind_paired Interface || true
nt_check "every peer created was destroyed ($n_peer created)" kind_paired Peer || true
nt_check "every keypair created was destroyed ($n_kp created)" kind_paired Keypair || true

[ "$NT_FAILED" -eq 0 ]
