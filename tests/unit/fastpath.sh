#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Prepares the fixture namespace (tests/unit/fixture.h: interfaces, routes,
# neighbours, a bridge), then runs a BPF_PROG_TEST_RUN program inside it:
# the table (default) or the fuzzer.
#   tests/unit/fastpath.sh [test_fastpath|test_fuzz] [ARGS]
#   (test_fastpath --bench: per-case ns/packet, see bench/micro.sh)
set -eu
B=${B:-build}
PROG=${1:-test_fastpath}
NS=tnafp-$$-$RANDOM
cleanup() { ip netns del "$NS" 2>/dev/null || true; }
trap cleanup EXIT INT TERM
ip netns add "$NS"
n() { ip -n "$NS" "$@"; }
x() { ip netns exec "$NS" "$@"; }
for i in in0 in1 out0 out1; do
	n link add $i type veth peer name ${i}p
	n link set $i up
	n link set ${i}p up
done
n link set lo up
x sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward; echo 1 > /proc/sys/net/ipv6/conf/all/forwarding; echo 0 > /proc/sys/net/ipv4/conf/in1/forwarding'
n addr add 10.1.0.1/24 dev in0
n addr add 10.11.0.1/24 dev in1
n addr add 10.2.0.1/24 dev out0
n addr add 10.9.0.1/24 dev out1
n addr add fd01::1/64 dev in0 nodad
n addr add fd02::1/64 dev out0 nodad
n neigh add 10.2.0.2 lladdr 02:00:00:00:02:02 dev out0 nud permanent
n neigh add fd02::2 lladdr 02:00:00:00:02:02 dev out0 nud permanent
n neigh add 10.9.0.2 lladdr 02:00:00:00:09:02 dev out1 nud permanent
n neigh add 10.1.0.99 lladdr 02:00:00:00:01:99 dev in0 nud permanent
n route add 10.3.0.0/24 via 10.2.0.2
n route add blackhole 10.4.0.0/24
n route add unreachable 10.5.0.0/24
n route add prohibit 10.6.0.0/24
n route add 10.7.0.0/24 via 10.2.0.3
n route add 10.8.0.0/24 via 10.9.0.2
n route add 10.12.0.0/24 via 10.2.0.2 mtu lock 200
n route add fd03::/64 via fd02::2
n route add fd07::/64 via fd02::3
n route add fd12::/64 via fd02::2 mtu 1280
# br0 with ports bp0-bp5; the test fills the bridge maps itself
n link add br0 type bridge
for i in 0 1 2 3 4 5; do
	n link add bp$i type veth peer name bp${i}p
	n link set bp$i master br0
	n link set bp$i up
	n link set bp${i}p up
done
n link set br0 up
n addr add 10.20.0.1/24 dev br0
n addr add fd20::1/64 dev br0 nodad
n neigh add 10.20.0.2 lladdr 02:00:00:00:20:02 dev br0 nud permanent
n neigh add 10.20.0.3 lladdr 02:00:00:00:20:03 dev br0 nud permanent
n neigh add fd20::2 lladdr 02:00:00:00:20:02 dev br0 nud permanent
shift || true
x "$B/$PROG" "$@"
