#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Churn and faults under load, on the router topology of lib.sh:
#   - 5,000 configuration changes while traffic flows: route replace between
#     two next hops and a blackhole, neighbour flushes, the other egress down
#     and up, interfaces created and destroyed, nft tables added and removed;
#   - an event storm (20,000 routes in one batch, then their removal) with a
#     route MTU hidden in it, to overflow the netlink socket;
#   - kill -9 under load, restart.
# Asserted: the daemon lives, answers and exits cleanly (no sanitizer
# report, no leak), its file descriptors and memory stay flat, no program
# outlives it, and afterwards the fast path agrees with Linux.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh
# Quarantined frees would look like growth: keep ASan's quarantine small here.
export ASAN_OPTIONS=$ASAN_OPTIONS:quarantine_size_mb=1

router_topology
send() { nsx h1 "$PKTIO" send h1 "$R0" "$@"; }
fds() { ls "/proc/$TNA_PID/fd" | wc -l; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$TNA_PID/status"; }
prog_ids() { status_json | jq -r '.interfaces[] | select(.prog_id) | .prog_id'; }
alive() { kill -0 "$TNA_PID" 2>/dev/null && status_json >/dev/null; }

nsip r route add 10.40.0.0/24 via 10.20.2.2
nsip r route add 10.41.0.0/24 via 10.20.2.2
tna_start r
wait_for 10 attached r0 || fail "tna run attaches to r0"
arrived h2 h2 --src 10.20.1.2 --dst 10.40.0.9 --count 5 >/dev/null # resolve neighbours
arrived h3 h3 --src 10.20.1.2 --dst 10.20.3.2 --count 1 >/dev/null
FD0=$(fds)
prog_ids >"$T/ids"

# Traffic for the whole churn
touch "$T/load"
(while [ -e "$T/load" ]; do send --src 10.20.1.2 --dst 10.40.0.9 --count 100 --flows 8; done) &
LOAD=$!

# 5,000 changes in batches of 250, nft tables in between (veths come and
# go, so programs are loaded and unloaded too)
churn_round() {
	for b in $(seq 0 19); do
		: >"$T/batch"
		for i in $(seq 0 249); do
			k=$((b * 250 + i))
			if [ $((k % 2)) = 0 ]; then
				echo "route replace 10.40.0.0/24 via 10.20.2.2"
				echo "route replace blackhole 10.41.0.0/24"
			else
				echo "route replace 10.40.0.0/24 via 10.20.3.2"
				echo "route replace 10.41.0.0/24 via 10.20.2.2"
			fi
			[ $((k % 50)) = 0 ] && echo "neigh flush dev r1"
			[ $((k % 125)) = 0 ] && echo "link set r2 down" && echo "link set r2 up"
			[ $((k % 250)) = 0 ] && echo "link add cv$b type veth peer name cw$b" &&
				echo "link set cv$b up" && echo "link set cw$b up"
			[ $((k % 250)) = 125 ] && echo "link del cv$((b))"
		done >"$T/batch"
		nsip r -force -batch "$T/batch" 2>/dev/null
		nsx r nft add table ip churn
		nsx r nft add chain ip churn fw '{ type filter hook forward priority 0; }'
		nsx r nft delete table ip churn
	done
}
churn_round
churn_round
check "2 x 5,000 changes under load: the daemon is alive and answers" alive
rm -f "$T/load"
wait $LOAD

# A drop rule appearing and disappearing under load: nothing may arrive
# while it is in force (from nft's return to the delete's start); what
# arrives between the add's start and its return was in flight, reported.
nsip r route replace 10.40.0.0/24 via 10.20.2.2
arrived h2 h2 --src 10.20.1.2 --dst 10.40.0.9 --count 1 >/dev/null
capture h2 h2 "$T/win" --seconds 12 --udp-dport 9 --timestamps
touch "$T/load"
(while [ -e "$T/load" ]; do send --src 10.20.1.2 --dst 10.40.0.9 --count 50; done) &
LOAD=$!
: >"$T/windows"
for i in $(seq 1 20); do
	a0=$(date +%s.%N)
	nsx r nft -f - <<NFT
table ip window {
	chain fw { type filter hook forward priority 0; udp dport 9 drop; }
}
NFT
	a1=$(date +%s.%N)
	sleep 0.2
	d0=$(date +%s.%N)
	nsx r nft delete table ip window
	echo "$a0 $a1 $d0" >>"$T/windows"
	sleep 0.2
done
rm -f "$T/load"
wait $LOAD
capture_wait
# in force: (a1, d0); in flight: (a0, a1)
read -r leaked inflight < <(awk 'NR == FNR { a0[NR] = $1; a1[NR] = $2; d0[NR] = $3; n = NR; next }
	{ for (i = 1; i <= n; i++) { if ($1 > a1[i] && $1 < d0[i]) l++; else if ($1 > a0[i] && $1 <= a1[i]) f++ } }
	END { print l + 0, f + 0 }' "$T/windows" "$T/win")
check "20 drop rules added and removed under load: 0 packets delivered while a rule was in force ($leaked; $inflight arrived while nft was still adding it, of $(lines "$T/win") delivered)" \
	test "$leaked" = 0 -a "$(lines "$T/win")" -gt 0

# Event storm: 20,000 routes in one go, a route MTU among them, then all removed
{
	for i in $(seq 0 19999); do echo "route add 10.100.$((i / 250)).$((i % 250))/32 via 10.20.2.2"; done
	echo "route add 10.101.0.0/24 via 10.20.2.2 mtu 1000"
} >"$T/storm"
nsip r -batch "$T/storm"
check "event storm: the daemon is alive ($(status_json | jq .netlink_resyncs) full resyncs)" alive
# the daemon may still be re-dumping: wait until one big packet goes to Linux
mtu_seen() {
	local f=$(fallback r0 frag_needed)
	send --src 10.20.1.2 --dst 10.20.2.2 --count 1 --payload 1200 --df
	[ "$(fallback r0 frag_needed)" -gt "$f" ]
}
wait_for 20 mtu_seen
f0=$(fallback r0 frag_needed)
n=$(arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 5 --payload 1200 --df)
check "the route MTU hidden in the storm is honoured: 5 big packets to Linux ($(($(fallback r0 frag_needed) - f0)))" \
	test $(($(fallback r0 frag_needed) - f0)) = 5
sed 's/^route add/route del/' "$T/storm" >"$T/unstorm"
nsip r -batch "$T/unstorm"
# the daemon may still be catching up: wait until a big packet is fast again
mtu_gone() {
	local f=$(fast_path r0)
	send --src 10.20.1.2 --dst 10.20.2.2 --count 1 --payload 1200
	[ "$(fast_path r0)" -gt "$f" ]
}
wait_for 20 mtu_gone
fp0=$(fast_path r0)
n=$(arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 10 --payload 1200)
check "storm undone: big packets on the fast path again (10/10 delivered $n, fast $(($(fast_path r0) - fp0)))" \
	test "$n" = 10 -a $(($(fast_path r0) - fp0)) = 10

# After all of it: the fast path agrees with Linux's final configuration
nsip r route replace 10.40.0.0/24 via 10.20.2.2
nsip r route replace blackhole 10.41.0.0/24
arrived h2 h2 --src 10.20.1.2 --dst 10.40.0.9 --count 1 >/dev/null
fp0=$(fast_path r0)
n=$(arrived h2 h2 --src 10.20.1.2 --dst 10.40.0.9 --count 20)
check "final state: 20/20 to h2 on the fast path ($n, fast $(($(fast_path r0) - fp0)))" test "$n" = 20 -a $(($(fast_path r0) - fp0)) = 20
n=$(arrived h2 h2 --src 10.20.1.2 --dst 10.41.0.9 --count 20)
check "final state: blackholed prefix, nothing delivered ($n)" test "$n" = 0
FD1=$(fds)
check "file descriptors flat ($FD0 -> $FD1)" test "$FD1" -le "$FD0"
prog_ids >>"$T/ids"

# kill -9 under load, then restart from a clean dump
touch "$T/load"
(while [ -e "$T/load" ]; do send --src 10.20.1.2 --dst 10.40.0.9 --count 100; done) &
LOAD=$!
sleep 0.5
kill -9 "$TNA_PID"
wait "$TNA_PID" 2>/dev/null
TNA_PID=
check "kill -9 under load: no XDP program left" wait_for 3 no_xdp_in r
leaked=0
for id in $(sort -u "$T/ids"); do bpftool prog show id "$id" >/dev/null 2>&1 && leaked=$((leaked + 1)); done
check "kill -9: none of the $(sort -u "$T/ids" | grep -c .) programs the daemon ever attached survives ($leaked)" test "$leaked" = 0
rm -f "$T/load"
wait $LOAD
n=$(arrived h2 h2 --src 10.20.1.2 --dst 10.40.0.9 --count 10)
check "kill -9: Linux carries the traffic (10/10: $n)" test "$n" = 10
tna_start r
check "restart: attached again from a clean dump" wait_for 10 attached r0
fp0=$(fast_path r0)
n=$(arrived h2 h2 --src 10.20.1.2 --dst 10.40.0.9 --count 10)
check "restart: 10/10 on the fast path ($n, fast $(($(fast_path r0) - fp0)))" test "$n" = 10 -a $(($(fast_path r0) - fp0)) = 10
check "SIGTERM after all of it: exit 0, no sanitizer report or leak" tna_stop

# Memory kept under churn, measured on the plain build: under ASan the
# RSS is a high-water mark (freed memory waits in quarantine, and every
# program load parses the kernel's BTF, several MB at once), so a leak
# there is LeakSanitizer's to find (the exit check above). The first round
# warms the allocator up; a second, identical one must keep no more.
TNA=$B/tna tna_start r
wait_for 10 attached r0 || fail "plain build attaches to r0"
churn_round
RSS0=$(rss_kb)
churn_round
RSS1=$(rss_kb)
check "memory flat: a second round of 5,000 changes keeps no more than the first ($RSS0 kB -> $RSS1 kB, allowed +1 MB)" test "$RSS1" -le $((RSS0 + 1024))
check "plain build stops cleanly" tna_stop
exit $FAILED
