#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Reconfiguration latency: how long after a change made with ip, bridge or
# nft returns the attached fast path treats a probe packet accordingly.
# One namespace with a router part (in0 -> out0) and a bridge (bp0, bp1);
# `tna run` watches it. Each scenario flips ROUNDS times each way.
#   bench/latency.sh [ROUNDS]
cd "$(dirname "$0")/.." || exit 1
ROUNDS=${1:-100}
NS=tnalat-$$-$RANDOM
B=${B:-build}
cleanup() {
	[ -n "${PID:-}" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -f "/tmp/$NS.nft"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
n() { ip -n "$NS" "$@"; }
x() { ip netns exec "$NS" "$@"; }
mac() { n -br link show "$1" | awk '{print $3}'; }

ip netns add "$NS"
n link set lo up
for i in in0 out0 bp0 bp1; do
	n link add $i type veth peer name ${i}p
	n link set ${i}p up
	x ethtool -K ${i}p gro on >/dev/null # NAPI: the veth can take XDP frames
done
n link add br0 type bridge
n link set bp0 master br0
n link set bp1 master br0
for i in in0 out0 bp0 bp1 br0; do n link set $i up; done
x sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
n addr add 10.1.0.1/24 dev in0
n addr add 10.2.0.1/24 dev out0
n neigh add 10.2.0.2 lladdr 02:00:00:00:02:02 dev out0 nud permanent
n route add 10.77.0.0/24 via 10.2.0.2
x bridge fdb add 02:00:00:00:b0:01 dev bp0 master static # the probe's source
x bridge fdb add 02:00:00:00:b1:01 dev bp1 master static # its destination
printf 'table ip tnalat {\n chain fw { type filter hook forward priority 0; }\n}\n' >"/tmp/$NS.nft"

ip netns exec "$NS" "$B/tna" run >/dev/null 2>&1 &
PID=$!
for _ in $(seq 100); do
	[ "$(x "$B/tna" status --json 2>/dev/null | jq -r '[.interfaces[] | select(.attached)] | length')" = 4 ] && break
	sleep 0.1
done

IN0=$(mac in0)
run() { # name ingress dmac src dst smac to-linux-cmd to-fast-path-cmd
	local name=$1 out
	shift
	out=$(x "$B/tna-latency" "$1" "$2" "$3" "$4" "$5" "$ROUNDS" "$6" "$7") || {
		echo "$name: failed"
		return 1
	}
	echo "$out" | jq -r '[.to_linux.p50_us, .to_linux.p99_us, .to_fast_path.p50_us, .to_fast_path.p99_us, .to_linux_from_start.p99_us, .to_fast_path_from_start.p99_us] | @tsv' |
		while read -r a b c d e f; do printf '%-20s %9s %9s %9s %9s %11s %11s\n' "$name" "$a" "$b" "$c" "$d" "$e" "$f"; done
	[ -n "${BENCH_JSON:-}" ] && echo "{\"scenario\":\"$name\",\"latency\":$out}" >>"$BENCH_JSON"
	return 0
}
echo "reconfiguration latency, $ROUNDS changes each way, microseconds until the fast path reflects it,"
echo "counted from the command's return (p50, p99) and from its start (p99, an upper bound)"
printf '%-20s %9s %9s %9s %9s %11s %11s\n' scenario "off p50" "off p99" "on p50" "on p99" "off p99(s)" "on p99(s)"
rc=0
run "route del/add" in0 "$IN0" 10.1.0.5 10.77.0.9 02:00:00:00:01:05 \
	"ip route del 10.77.0.0/24" "ip route add 10.77.0.0/24 via 10.2.0.2" || rc=1
run "fdb del/add" bp0 02:00:00:00:b1:01 10.30.0.1 10.30.0.2 02:00:00:00:b0:01 \
	"bridge fdb del 02:00:00:00:b1:01 dev bp1 master" \
	"bridge fdb add 02:00:00:00:b1:01 dev bp1 master static" || rc=1
run "stp state 2/3" bp0 02:00:00:00:b1:01 10.30.0.1 10.30.0.2 02:00:00:00:b0:01 \
	"bridge link set dev bp1 state 2" "bridge link set dev bp1 state 3" || rc=1
run "nft chain add/del" in0 "$IN0" 10.1.0.5 10.77.0.9 02:00:00:00:01:05 \
	"nft -f /tmp/$NS.nft" "nft delete table ip tnalat" || rc=1
exit $rc
