#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# A station moves, and the very next frame to it follows, frame by frame
# as Linux alone sends it:
#   h1 --- p1 [br0] p2 --- h2
#               p3 --- h3
# Station MV is h1's MAC, learned behind p1. One iteration, sent by one
# process with no pause between frames (tna-pktio send-seq):
#   1. h2 -> MV twice (the second from the fast path's cached FDB copy)
#   2. MV's frame arrives on p3 (h3 sends with MV as its source): it moved
#   3. h2 -> MV: Linux sends it out of p3
#   4. h1 -> h2 from MV: the station is back on p1
# ITER iterations with Linux alone, then with tna run, in each
# br_netfilter mode: the frames h1 and h3 receive must be identical, and
# the fast path must have carried the frames of step 1.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh
ITER=${ITER:-50}

setup() {
	local i
	ip netns add "$P-s" && nsip s link set lo up
	nsip s link add br0 type bridge
	for i in 1 2 3; do
		ip netns add "$P-h$i" && nsip h$i link set lo up
		nsip h$i link add h$i type veth peer name p$i netns "$P-s"
		nsip h$i addr add 10.40.0.1$i/24 dev h$i
		nsx h$i sysctl -qw net.ipv6.conf.h$i.router_solicitations=0
		nsx h$i sysctl -qw net.ipv6.conf.h$i.disable_ipv6=1
		# no port unreachables for the test's datagrams
		nsx h$i nft add table inet quiet
		nsx h$i nft add chain inet quiet out '{ type filter hook output priority 0; }'
		nsx h$i nft add rule inet quiet out icmp type destination-unreachable drop
		nsip h$i link set h$i up
		nsx h$i ethtool -K h$i gro on >/dev/null # NAPI: ports can take XDP frames
		nsip s link set p$i master br0
		nsip s link set p$i up
	done
	nsip s link set br0 up
	MV=$(mac_of h1 h1)
	M2=$(mac_of h2 h2)
}

# The frames of ITER iterations, sport numbering each step of each.
sequence() {
	local i a
	for ((i = 0; i < ITER; i++)); do
		a=$((10000 + i * 10))
		echo "$P-h2 h2 - $MV --src 10.40.0.12 --dst 10.40.0.11 --sport $a --count 1"
		echo "$P-h2 h2 - $MV --src 10.40.0.12 --dst 10.40.0.11 --sport $((a + 1)) --count 1"
		echo "$P-h3 h3 $MV $M2 --src 10.40.0.11 --dst 10.40.0.12 --sport $((a + 2)) --count 1"
		echo "$P-h2 h2 - $MV --src 10.40.0.12 --dst 10.40.0.11 --sport $((a + 3)) --count 1"
		echo "$P-h1 h1 - $M2 --src 10.40.0.11 --dst 10.40.0.12 --sport $((a + 4)) --count 1"
	done
}

fdb_on() { [ "$(bridge -n "$P-s" fdb show br br0 | grep -i "^$MV " | grep -v permanent | awk '{print $3}')" = "$1" ]; }

# run PHASE: ITER iterations, one capture per receiving host for all of them
run() {
	local phase=$1 i
	sequence >"$T/seq"
	capture h1 h1 "$T/$phase.h1" --seconds $((ITER / 5 + 3)) --udp-dport 9
	capture h3 h3 "$T/$phase.h3" --seconds $((ITER / 5 + 3)) --udp-dport 9
	for ((i = 0; i < ITER; i++)); do
		sed -n "$((i * 5 + 1)),$((i * 5 + 5))p" "$T/seq" >"$T/seq1"
		nsx h1 "$PKTIO" send-seq "$T/seq1" || fail "$phase: send-seq"
		# until Linux (and tna) have the station back on p1
		wait_for 2 fdb_on p1
		[ "$phase" = tna ] && sleep 0.05
	done
	capture_wait
}

t_mode() { # br_netfilter on|off
	local mode=$1 v=0 fp0 fp1 n3
	[ "$mode" = on ] && v=1
	nsx s sh -c "echo $v > /proc/sys/net/bridge/bridge-nf-call-iptables"
	nsx h1 "$PKTIO" send h1 ff:ff:ff:ff:ff:ff --src 10.40.0.11 --dst 10.40.0.255 --count 1
	nsx h2 "$PKTIO" send h2 ff:ff:ff:ff:ff:ff --src 10.40.0.12 --dst 10.40.0.255 --count 1
	check "br_netfilter $mode: Linux learned MV on p1" wait_for 3 fdb_on p1
	run linux-$mode
	tna_start s
	if ! wait_for 10 attached p2; then
		fail "br_netfilter $mode: tna run attaches to p2"
		return
	fi
	fp0=$(fast_path p2)
	run tna-$mode
	fp1=$(fast_path p2)
	check "br_netfilter $mode: daemon exits 0" tna_stop
	n3=$(grep -c . "$T/linux-$mode.h3" || true)
	check "br_netfilter $mode: Linux alone sent the frame after each move to p3 ($n3 of $ITER at h3)" test "$n3" = "$ITER"
	check "br_netfilter $mode: with tna, h1 got the same frames as with Linux alone ($(lines "$T/tna-$mode.h1") vs $(lines "$T/linux-$mode.h1"))" \
		cmp -s "$T/linux-$mode.h1" "$T/tna-$mode.h1"
	check "br_netfilter $mode: with tna, h3 got the same frames as with Linux alone ($(lines "$T/tna-$mode.h3") vs $n3)" \
		cmp -s "$T/linux-$mode.h3" "$T/tna-$mode.h3"
	check "br_netfilter $mode: the fast path carried the frames before each move ($((fp1 - fp0)) >= $ITER)" \
		test $((fp1 - fp0)) -ge "$ITER"
}

setup
t_mode off
t_mode on
exit $FAILED
