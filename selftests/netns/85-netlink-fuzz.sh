#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 540
# nt-category: fuzz
#
# Fuzzing the generic netlink family (selftests/nlfuzz) while the module is
# busy otherwise: traffic through a live tunnel, tunctl changing that
# tunnel's peers and keys, a device deleted and made again over and over,
# a device of 1000 peers whose dumps are cut short. First, the reproducers
# of what the fuzzer found (each ended the VM).
#
# nlfuzz runs one worker per fuzzed device (fz0, fz1 down, fz2 up); each
# worker is the only writer of its device and keeps a model of it: every
# answer must be the predicted one (errno, ack or none, dump), and the
# device, read back after every request that could change it, must equal
# the model (so a refused request changed nothing, and an accepted one did
# exactly what the uAPI says). The seeds include the requests tunctl sends,
# captured on an nlmon device when the kernel has it.
#
# In rounds: tunctl setconf gives each fuzzed device a known configuration
# (nlfuzz conf), which tunctl showconf must read back; nlfuzz fuzzes; then
# tunctl showconf must equal the worker's model, i.e. the configuration
# that every SET the kernel accepted, and nothing else, made. At the end
# the tunnel must work, and every peer, keypair and interface the scenario
# created must be destroyed once its namespaces are gone.
#
# Duration: NT_FUZZ_SECONDS (default 40 times NT_TIMEOUT_SCALE; 300 with
# NT_SLOW=1), from the environment or /nt/config, as the seed is. Seed:
# NT_FUZZ_SEED, or the number in selftests/nlfuzz/seed when that file
# exists (to replay a failed run: put its seed there), else random. With
# NT_FUZZ_TRACE=1, or "SEED trace" in that file, every request is written
# to the console before it is sent (slow; to find the one that crashed).
#
#   +------------------------ nfa-$$ ------------------------+    +---- nfb-$$ ----+
#   | nlfuzz -> fz0 fz1 (down) fz2 (up)  fzbig  fzdel (churn) |    |                |
#   | tunctl churn -> ntA 10.85.0.1  <==== ping -f =====>          ntB 10.85.0.2    |
#   |                 veth1 192.168.85.1 ------------------------- veth2 .2         |
#   | nlmon0 (capture of tunctl's requests)                   |    +----------------+
#   +---------------------------------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

nsa="nfa-$$"
nsb="nfb-$$"
nt_testprog fuzz nlfuzz
nt_testprog probe nlprobe
nt_tmpdir

cleanup() {
	nt_cleanup
	[ "${#trace[@]}" = 0 ] || echo ratelimit >/proc/sys/kernel/printk_devkmsg
}
trace=()
trap cleanup EXIT

nt_kind noisetun ping
umask 077

# Knobs: the environment, or the VM's /nt/config (build-initramfs.sh
# --config), which the runner reads but does not export.
for v in NT_FUZZ_SECONDS NT_FUZZ_SEED NT_FUZZ_TRACE; do
	[ -n "${!v:-}" ] || [ ! -r /nt/config ] ||
		printf -v "$v" '%s' "$(. /nt/config 2>/dev/null; echo "${!v:-}")"
done
# A slower kernel (the debug lane's NT_TIMEOUT_SCALE) fuzzes longer.
scaled() { awk -v t="$1" -v s="${NT_TIMEOUT_SCALE:-1}" 'BEGIN { printf "%d", t * s }'; }
seconds=${NT_FUZZ_SECONDS:-}
[ -n "$seconds" ] || { [ "${NT_SLOW:-0}" = 1 ] && seconds=300 || seconds=$(scaled 40); }
[ "$seconds" -le "$(scaled 420)" ] || seconds=$(scaled 420)
seed=${NT_FUZZ_SEED:-} mode=
[ -n "$seed" ] || [ ! -r "$NT_SELFTESTS/nlfuzz/seed" ] ||
	read -r seed mode <"$NT_SELFTESTS/nlfuzz/seed" || true
[ -n "$seed" ] || seed=$(((RANDOM << 30) | (RANDOM << 15) | RANDOM))
if [ "$mode" = trace ] || [ "${NT_FUZZ_TRACE:-0}" = 1 ]; then
	# Every request on the console before the kernel sees it (slow).
	echo on >/proc/sys/kernel/printk_devkmsg
	trace=(--trace kmsg)
fi
rounds=3
[ "$seconds" -lt 90 ] || rounds=$((seconds / 30))
round_seconds=$((seconds / rounds))
nt_diag "seed $seed, $rounds rounds of ${round_seconds}s (replay: echo $seed > selftests/nlfuzz/seed; make check T=85-netlink-fuzz)"

# Only what this scenario makes is accounted for at the end.
mark=$(wc -l <"$NT_KMSG")

A() { ip netns exec "$nsa" "$@"; }
B() { ip netns exec "$nsb" "$@"; }

nt_netns_new "$nsa" "$nsb"
nt_veth_link "$nsa" "$nsb" 192.168.85
nt_keys "$tmp" A B1 B2 X

# --- regression: the policy of integer attributes ------------------------------
# FLAGS and PROTOCOL_VERSION once had a validation function in the policy,
# which shares a union with the range that 6.1's policy dump reads: the
# dump (in the extack of an attribute that fails its policy, and in
# CTRL_CMD_GETPOLICY, which needs no privilege) WARNed on the pointer's
# bytes. nlfuzz found it within seconds.
ip -n "$nsa" link add fz0 type noisetun
P() { ip netns exec "$nsa" "$probe" "$@"; }
# Test that the family's policies can be dumped, by anyone.
nt_check "policy dump, without capabilities" A "$fuzz" policy --drop-caps
# Test that integers of the wrong length, or flagged nested, are refused
# with EINVAL (the extack naming their policy) and nothing else happens.
nt_check "device FLAGS of 2 bytes: EINVAL" P --expect EINVAL set ifname strz fz0 flags u16 1
nt_check "device FLAGS flagged nested: EINVAL" P --expect EINVAL set ifname strz fz0 raw 0x8005 8 01000000
nt_check "peer FLAGS of 2 bytes: EINVAL" P --expect EINVAL set ifname strz fz0 \
	nest peers nest 0 public_key key "$(cat "$tmp/pA")" flags u16 1 end end
nt_check "peer PROTOCOL_VERSION of 1 byte: EINVAL" P --expect EINVAL set ifname strz fz0 \
	nest peers nest 0 public_key key "$(cat "$tmp/pA")" protocol_version u8 1 end end
nt_check "allowed IP FLAGS of 8 bytes: EINVAL" P --expect EINVAL set ifname strz fz0 \
	nest peers nest 0 public_key key "$(cat "$tmp/pA")" nest allowedips nest 0 \
	family u16 2 ipaddr ip 10.0.0.0 cidr_mask u8 8 flags u64 1 end end end end
# Test that their values are still checked, with the errnos of the uAPI.
nt_check "peer FLAGS bit 3: EOPNOTSUPP" P --expect EOPNOTSUPP set ifname strz fz0 \
	nest peers nest 0 public_key key "$(cat "$tmp/pA")" flags u32 8 end end
nt_check "PROTOCOL_VERSION 2: EPFNOSUPPORT" P --expect EPFNOSUPPORT set ifname strz fz0 \
	nest peers nest 0 public_key key "$(cat "$tmp/pA")" protocol_version u32 2 end end
nt_check "fz0 is still empty" eval "[ -z \"\$(A tunctl showconf fz0 | grep Peer)\" ]"

# --- regression: bytes after the last peer -------------------------------------
# The first pass counted PEERS into the plan before refusing trailing bytes
# (or failing to allocate the steps), and freeing the plan then walked
# steps that were never allocated: a NULL dereference. nlfuzz found it.
# Test that a peer followed by 4 bytes that are no attribute is refused.
nt_check "bytes after the last peer: EINVAL" P --expect EINVAL set ifname strz fz0 \
	nest peers nest 0 public_key key "$(cat "$tmp/pA")" end garbage 02000000 end
# Test that the same request, as a failure report prints it (family id
# 0xffff here), replays with nlfuzz send.
replay=4c000000ffff050001000000000000000201000008000200667a300030000880
replay+=2800008024000100010101010101010101010101010101010101010101010101010101010101010102000000
nt_check "nlfuzz send replays it: EINVAL" eval \
	"A '$fuzz' send --family-was 0xffff $replay | grep -q '^message 0: error EINVAL'"
nt_check "fz0 is still empty" eval "[ -z \"\$(A tunctl showconf fz0 | grep Peer)\" ]"

# The live tunnel.
ip -n "$nsa" link add ntA type noisetun
ip -n "$nsb" link add ntB type noisetun
A tunctl set ntA listen-port 51820 private-key "$tmp/kA" \
	peer "$(cat "$tmp/pB1")" endpoint 192.168.85.2:51821 allowed-ips 10.85.0.2/32
B tunctl set ntB listen-port 51821 private-key "$tmp/kB1" \
	peer "$(cat "$tmp/pA")" endpoint 192.168.85.1:51820 allowed-ips 10.85.0.1/32
ip -n "$nsa" addr add 10.85.0.1/24 dev ntA
ip -n "$nsb" addr add 10.85.0.2/24 dev ntB
ip -n "$nsa" link set ntA up
ip -n "$nsb" link set ntB up
nt_wait_until "$(scaled 20)" A ping -c 1 -W 1 10.85.0.2

# The fuzzed devices, a large one, and the seed capture's.
for d in fz1 fz2 fzbig fzseed; do
	ip -n "$nsa" link add "$d" type noisetun
done
ip -n "$nsa" link set fz2 up
A "$probe" gen fzbig 1000 2000 >/dev/null

# Seeds: what tunctl really sends, seen on an nlmon device.
corpus=()
if modprobe nlmon 2>/dev/null && ip -n "$nsa" link add nlmon0 type nlmon 2>/dev/null; then
	ip -n "$nsa" link set nlmon0 up
	ip netns exec "$nsa" "$fuzz" capture nlmon0 "$tmp/corpus" >"$tmp/capture.out" &
	cap=$!
	nt_wait_until 10 grep -q capturing "$tmp/capture.out"
	A "$fuzz" conf 1 >"$tmp/seed1.conf"
	A "$fuzz" conf 2 --no-port >"$tmp/seed2.conf"
	A tunctl setconf fzseed "$tmp/seed1.conf"
	A tunctl addconf fzseed "$tmp/seed2.conf"
	A tunctl syncconf fzseed "$tmp/seed2.conf"
	A tunctl set fzseed listen-port 0 fwmark 0x55 private-key "$tmp/kX" \
		peer "$(cat "$tmp/pA")" preshared-key "$tmp/kB1" endpoint "[2001:db8::5]:7" \
		persistent-keepalive 25 allowed-ips 10.9.0.0/16,fd00::/64 \
		peer "$(cat "$tmp/pB1")" allowed-ips 10.10.0.1/32 \
		peer "$(cat "$tmp/pB2")" remove
	A tunctl set fzseed peer "$(cat "$tmp/pA")" allowed-ips -10.9.0.0/16,+10.11.0.0/24
	A tunctl set fzseed fwmark off peer "$(cat "$tmp/pA")" persistent-keepalive off
	A tunctl showconf fzseed >/dev/null
	kill "$cap"
	wait "$cap" || true
	ncap=$(wc -l <"$tmp/corpus")
	# Test that tunctl's requests were captured, to seed the fuzzer.
	nt_check "tunctl's requests captured as seeds ($ncap)" [ "$ncap" -ge 6 ]
	corpus=(--corpus "$tmp/corpus")
	ip -n "$nsa" link del nlmon0
else
	nt_skip_check "tunctl's requests captured as seeds" "no nlmon device (CONFIG_NLMON)"
fi
ip -n "$nsa" link del fzseed

# --- what runs during the fuzzing ---------------------------------------------

touch "$tmp/run"
running() { [ -e "$tmp/run" ]; }

# tunctl: bogus peers come and go on ntA and fzbig; ntB changes its key
# (and ntA its peer) every few rounds; ntA's peer keepalive changes.
tunnel_churn() {
	local i=0 old=B1 new=B2
	while running; do
		i=$((i + 1))
		A tunctl set ntA peer "$(cat "$tmp/pX")" allowed-ips "10.86.$((i % 200)).0/24" || return 1
		A tunctl set fzbig peer "$(cat "$tmp/pX")" allowed-ips "10.87.$((i % 200)).0/24" || return 1
		sleep 0.1
		A tunctl set ntA peer "$(cat "$tmp/pX")" remove || return 1
		A tunctl set fzbig peer "$(cat "$tmp/pX")" remove || return 1
		A tunctl set ntA peer "$(cat "$tmp/p$old")" persistent-keepalive $((i % 3)) || return 1
		if [ $((i % 10)) = 0 ]; then
			B tunctl set ntB private-key "$tmp/k$new" || return 1
			A tunctl set ntA peer "$(cat "$tmp/p$old")" remove \
				peer "$(cat "$tmp/p$new")" endpoint 192.168.85.2:51821 \
				allowed-ips 10.85.0.2/32 || return 1
			local t=$old
			old=$new
			new=$t
		fi
		sleep 0.1
	done
	echo "$old" >"$tmp/tunnel-key"
	echo "tunnel churn: $i rounds" >"$tmp/churn.out"
}

# A device deleted and made again, which the fuzzer may hit any time.
device_churn() {
	local i=0
	while running; do
		i=$((i + 1))
		ip -n "$nsa" link del fzdel 2>/dev/null || true
		ip -n "$nsa" link add fzdel type noisetun || return 1
		A tunctl set fzdel listen-port 0 private-key "$tmp/kX" \
			peer "$(cat "$tmp/pA")" endpoint 127.0.0.1:51820 allowed-ips 10.88.0.0/16 || return 1
		ip -n "$nsa" link set fzdel up || return 1
		sleep 0.2
	done
	echo "device churn: $i rounds" >"$tmp/devchurn.out"
}

ip netns exec "$nsa" ping -f -q -w "$((2 * seconds + 120))" 10.85.0.2 >"$tmp/ping.out" 2>&1 &
ping_pid=$!
NT_PIDS+=("$ping_pid")
tunnel_churn >"$tmp/churn.log" 2>&1 &
churn_pid=$!
NT_PIDS+=("$churn_pid")
device_churn >"$tmp/devchurn.log" 2>&1 &
devchurn_pid=$!
NT_PIDS+=("$devchurn_pid")

# --- the rounds ---------------------------------------------------------------

fuzzed=(fz0 fz1 fz2)
conf_ok=1 fuzz_ok=1 model_ok=1
: >"$tmp/fuzz.all"
for ((r = 1; r <= rounds; r++)); do
	i=0
	for d in "${fuzzed[@]}"; do
		i=$((i + 1))
		flag=()
		# fz2 is up: a port given may be taken, so it picks its own.
		[ "$d" = fz2 ] && flag=(--no-port)
		A "$fuzz" conf $((seed * 16 + r * 4 + i)) "${flag[@]}" >"$tmp/$d.known"
		A tunctl setconf "$d" "$tmp/$d.known"
		A tunctl showconf "$d" | A "$fuzz" canon "${flag[@]}" >"$tmp/$d.read"
		A "$fuzz" canon "${flag[@]}" <"$tmp/$d.known" >"$tmp/$d.want"
		if ! cmp -s "$tmp/$d.want" "$tmp/$d.read"; then
			conf_ok=0
			nt_diag "round $r: $d reads back otherwise than set:"
			diff "$tmp/$d.want" "$tmp/$d.read" | head -n 20 | sed 's/^/#   /' || true
		fi
	done

	mkdir -p "$tmp/r$r"
	rc=0
	A "$fuzz" run --seed $((seed + r)) --seconds "$round_seconds" \
		--own fz0,fz1,fz2 --free fzdel --out "$tmp/r$r" "${corpus[@]}" "${trace[@]}" \
		>"$tmp/r$r/out" 2>"$tmp/r$r/err" || rc=$?
	sed "s/^/round $r: /" "$tmp/r$r/out" >>"$tmp/fuzz.all"
	if [ "$rc" != 0 ]; then
		fuzz_ok=0
		nt_diag "round $r: nlfuzz --seed $((seed + r)) exited $rc:"
		head -n 60 "$tmp/r$r/err" | sed 's/^/#   /'
	fi

	for d in "${fuzzed[@]}"; do
		[ -e "$tmp/r$r/$d.conf" ] || { model_ok=0; nt_diag "round $r: no model of $d"; continue; }
		A tunctl showconf "$d" | A "$fuzz" canon >"$tmp/r$r/$d.read"
		A "$fuzz" canon <"$tmp/r$r/$d.conf" >"$tmp/r$r/$d.want"
		if ! cmp -s "$tmp/r$r/$d.want" "$tmp/r$r/$d.read"; then
			model_ok=0
			nt_diag "round $r: tunctl showconf $d differs from the model (seed $((seed + r))):"
			diff "$tmp/r$r/$d.want" "$tmp/r$r/$d.read" | head -n 20 | sed 's/^/#   /' || true
		fi
	done
done

rm -f "$tmp/run"
churn_done() { ! kill -0 "$churn_pid" 2>/dev/null && ! kill -0 "$devchurn_pid" 2>/dev/null; }
nt_wait_until "$(scaled 30)" churn_done || true
kill -INT "$ping_pid" 2>/dev/null || true
wait "$ping_pid" 2>/dev/null || true

# Totals over the rounds, for the record.
sum() {	# sum KEY: KEY=N summed over the rounds' nlfuzz lines
	grep -o "[ :]$1=[0-9]*" "$tmp/fuzz.all" | awk -F= '{ s += $2 } END { print s + 0 }'
}
sent=$(sum sent) accepted=$(sum accepted) applied=$(sum applied) checks=$(sum checks)
dumps=$(sum dumps) intr=$(sum interrupted) abandoned=$(sum abandoned) ebusy=$(sum ebusy)
refused=$(grep -h 'nlfuzz: refused' "$tmp/fuzz.all" | tr ' ' '\n' | grep = |
	awk -F= '{ n[$1] += $2 } END { for (k in n) printf "%s=%d ", k, n[k] }')
nt_diag "requests sent $sent in $(sum sends) send()s ($(sum batches) of several messages;" \
	"$(sum generated) random, $(sum mutants) mutants, $(sum seeds) seeds; $(sum skipped) not sent:" \
	"they could reach another worker's device)"
nt_diag "accepted $accepted (SETs applied $applied), no reply as due $(sum noreply)," \
	"not predictable $(sum unpredicted); refused: $refused"
nt_diag "dumps $dumps (interrupted $intr), cut short $abandoned (by exiting $(sum forks))," \
	"EBUSY $ebusy; devices read back and compared $checks times"
nt_diag "$(cat "$tmp/churn.out" "$tmp/devchurn.out" 2>/dev/null | tr '\n' ';')"
grep -h 'received' "$tmp/ping.out" | sed 's/^/# ping: /' || true
nt_fuzz_record "generic netlink (nlfuzz)" "$((rounds * round_seconds))" "$sent"

# Test that tunctl setconf then showconf gave back each known configuration.
nt_check "known configurations read back by tunctl ($rounds rounds x ${#fuzzed[@]} devices)" [ "$conf_ok" = 1 ] || true
# Test that every answer was the predicted one and every device read back
# equal to its model, after every request that could change it.
nt_check "nlfuzz: answers and devices as the model says (seed $seed + round)" [ "$fuzz_ok" = 1 ] || true
# Test that the fuzzing did reach the family's paths: requests accepted,
# refused, applied, and dumps completed and cut short.
exercised() {
	[ "$sent" -ge 300 ] && [ "$accepted" -ge 30 ] && [ "$applied" -ge 10 ] &&
		[ "$dumps" -ge 30 ] && [ "$abandoned" -ge 5 ] && [ -n "$refused" ]
}
nt_check "nlfuzz exercised SET, GET and refusals (sent $sent)" exercised || true
# Test that tunctl showconf equals the model built from every accepted SET.
nt_check "tunctl showconf equals the model after every round" [ "$model_ok" = 1 ] || true
# Test that the churn ran (and never failed) alongside.
nt_check "tunctl and ip churn ran without an error" eval "[ -s '$tmp/churn.out' ] && [ -s '$tmp/devchurn.out' ]" || {
	sed 's/^/# churn: /' "$tmp/churn.log" "$tmp/devchurn.log" | tail -n 10
	true
}
# Test that packets went through the tunnel during the fuzzing.
received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$tmp/ping.out")
nt_check "traffic through the tunnel during the fuzzing (${received:-0} replies)" [ "${received:-0}" -gt 0 ] || true

# Test that the tunnel works afterwards, with its configuration set again.
key=$(cat "$tmp/tunnel-key" 2>/dev/null || echo B1)
B tunctl set ntB private-key "$tmp/k$key"
A tunctl set ntA peer "$(cat "$tmp/p$key")" endpoint 192.168.85.2:51821 allowed-ips 10.85.0.2/32
nt_check "the tunnel works after the fuzzing" nt_wait_until "$(scaled 20)" A ping -c 1 -W 1 10.85.0.2 || true

# --- leaks ----------------------------------------------------------------------

nt_teardown	# the namespaces go, and every device in them

# Print "KIND ID created destroyed" for what was created since the mark.
unpaired() {
	tail -n +"$((mark + 1))" "$NT_KMSG" | sed 's/^[^;]*;//' | awk '
	match($0, /noisetun: [^ :]+: (Interface|Peer [0-9]+|Keypair [0-9]+) (created|destroyed)$/) {
		s = substr($0, RSTART, RLENGTH); n = split(s, w, " ")
		ifname = w[2]; sub(/:$/, "", ifname)
		key = (w[3] == "Interface") ? "Interface " ifname : w[3] " " w[4]
		if (w[n] == "created") c[key]++; else d[key]++
	}
	END { for (k in c) if (c[k] != d[k]) printf "%s %d %d\n", k, c[k], d[k] }'
}
all_paired() { [ -z "$(unpaired)" ]; }
nt_wait_until "$(scaled 30)" all_paired || true
bad=$(unpaired)
[ -z "$bad" ] || printf '%s\n' "$bad" | head -n 20 | sed 's/^/# unpaired (created, destroyed): /'
created=$(tail -n +"$((mark + 1))" "$NT_KMSG" | grep -c -E 'noisetun: .*(Peer|Keypair) [0-9]+ created$' || true)
# Test that every peer, keypair and interface created here was destroyed.
nt_check "every object created during the fuzzing was destroyed ($created peers and keypairs)" \
	eval "[ -z '$bad' ] && [ '$created' -gt 0 ]" || true

# Test that the module unloads (nothing holds it) and loads again.
if nt_module_reloadable; then
	nt_check "rmmod and modprobe noisetun" nt_reload_module || true
else
	nt_skip_check "rmmod and modprobe noisetun" "other noisetun devices exist"
fi

[ "$NT_FAILED" = 0 ]
