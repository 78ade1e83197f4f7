#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Router acceptance in real namespaces:
#   h1 --- r0 [R] r1 --- h2
#               r2 --- h3
# Differential cases run once with Linux alone and once with `tna run` in R:
# what arrives must be byte-identical, and the fast-path counters must show
# tna carried it. Then live changes (routes, neighbours, ip_forward,
# interfaces, firewall, foreign programs) and the fail-safe (kill -9).
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh

setup() {
	router_topology
	nsx r sh -c 'echo 1 > /proc/sys/net/ipv4/fib_multipath_hash_policy'
	# ICMP errors are counted exactly below: no rate limiting in this test router
	nsx r sh -c 'echo 0 > /proc/sys/net/ipv4/icmp_ratelimit; echo 0 > /proc/sys/net/ipv6/icmp/ratelimit'
	nsip r route add 10.50.0.0/24 nexthop via 10.20.2.2 nexthop via 10.20.3.2
	nsip r rule add from 10.20.1.2 to 10.60.0.0/24 table 100
	nsip r route add 10.60.0.0/24 via 10.20.3.2 table 100
	nsip r route add 10.60.0.0/24 via 10.20.2.2
	nsip r route add 10.70.0.0/24 via 10.20.2.2 mtu 1000
	nsip r route add unreachable 10.99.0.0/24
}

# send ARGS: frames built by tna-pktio; send --socket DST PORT --count N
# SPORT: N datagrams from a UDP socket of h1's stack (answered by h2), with
# the checksum left to offload as containers leave it (veth tx on)
send() {
	if [ "$1" != --socket ]; then
		nsx h1 "$PKTIO" send h1 "$R0" "$@"
		return
	fi
	# a socket's IPv6 flow label is random per socket: none, to compare
	nsx h1 sysctl -qw net.ipv6.auto_flowlabels=0
	nsx h2 "$PKTIO" udp-echo "$2" "$3" 1.5 >/dev/null &
	local e=$!
	sleep 0.1
	nsx h1 "$PKTIO" udp-ping "$2" "$3" "$5" 10 "$6" >/dev/null
	wait $e
}

# Differential cases: name | where to capture (ns:iface:filter ...) | send args | compare bytes?
CASES=(
	"ipv4 udp, 4 flows|h2:h2:--udp-dport=9|--src 10.20.1.2 --dst 10.20.2.2 --count 20 --flows 4 --payload 18|bytes"
	"ipv4 short frame with ethernet padding|h2:h2:--udp-dport=9|--src 10.20.1.2 --dst 10.20.2.2 --count 10 --payload 2 --pad 12|bytes"
	"ipv4 icmp echo|h2:h2:--icmp-type=8|--src 10.20.1.2 --dst 10.20.2.2 --proto icmp --count 10 --payload 56|bytes"
	"ipv4 tcp ack, 954 bytes|h2:h2:--tcp-dport=5001|--src 10.20.1.2 --dst 10.20.2.2 --proto tcp --count 10 --payload 900 --dport 5001|bytes"
	"ipv6 udp, 4 flows|h2:h2:--udp-dport=9|--v6 --src fd20:1::2 --dst fd20:2::2 --count 20 --flows 4 --payload 30|bytes"
	"ipv6 icmp echo|h2:h2:--icmp-type=128|--v6 --src fd20:1::2 --dst fd20:2::2 --proto icmp --count 10 --payload 32|bytes"
	"ipv4 udp socket, checksum left to offload|h2:h2:--udp-dport=5002,--norm-id|--socket 10.20.2.2 5002 --count 10 40000|bytes"
	"ipv6 udp socket, checksum left to offload|h2:h2:--udp-dport=5002|--socket fd20:2::2 5002 --count 10 40001|bytes"
	"ipv4 multipath (L4 hash), 16 flows|h2:h2:--udp-dport=9 h3:h3:--udp-dport=9|--src 10.20.1.2 --dst 10.50.0.9 --count 64 --flows 16|bytes"
	"ipv4 policy rule picks table 100|h3:h3:--udp-dport=9 h2:h2:--udp-dport=9|--src 10.20.1.2 --dst 10.60.0.9 --count 10|bytes"
	# ip_error() rate-limits per peer and shares the bucket with icmp_send(): first, one per phase
	"ipv4 unreachable route: icmp from Linux|h1:h1:--icmp-type=3|--src 10.20.1.2 --dst 10.99.0.1 --count 1|count"
	"ipv4 ttl 1: time exceeded from Linux|h1:h1:--icmp-type=11|--src 10.20.1.2 --dst 10.20.2.2 --ttl 1 --count 5|count"
	"ipv4 over unlocked route mtu: frag needed from Linux|h1:h1:--icmp-type=3 h2:h2:--udp-dport=9|--src 10.20.1.2 --dst 10.70.0.9 --count 5 --payload 1200 --df|count"
	"ipv6 hop limit 1: time exceeded from Linux|h1:h1:--icmp-type=3|--v6 --src fd20:1::2 --dst fd20:2::2 --ttl 1 --count 5|count"
)

t_route_changes() {
	arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 1 >/dev/null # neighbours resolved
	arrived h3 h3 --src 10.20.1.2 --dst 10.20.3.2 --count 1 >/dev/null
	nsip r route add 10.30.0.0/24 via 10.20.2.2
	local fp0=$(fast_path r0)
	local n2=$(arrived h2 h2 --src 10.20.1.2 --dst 10.30.0.5 --count 10)
	check "route add: 10/10 via h2 on the fast path" test "$n2" = 10 -a $(($(fast_path r0) - fp0)) = 10
	nsip r route replace 10.30.0.0/24 via 10.20.3.2
	fp0=$(fast_path r0)
	local n3=$(arrived h3 h3 --src 10.20.1.2 --dst 10.30.0.5 --count 10)
	check "route replace: now 10/10 via h3 on the fast path" test "$n3" = 10 -a $(($(fast_path r0) - fp0)) = 10
	nsip r route del 10.30.0.0/24
	local nr0=$(fallback r0 local_or_no_route)
	n3=$(arrived h3 h3 --src 10.20.1.2 --dst 10.30.0.5 --count 10)
	check "route delete: nothing forwarded, 10 handed to Linux" test "$n3" = 0 -a $(($(fallback r0 local_or_no_route) - nr0)) = 10
}

t_neighbour() {
	nsip r neigh flush dev r1
	local nn0=$(fallback r0 no_neighbour) fp0=$(fast_path r0)
	local n=$(arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 5)
	check "neighbour flushed: Linux resolves it, 5/5 delivered" test "$n" = 5 -a $(($(fallback r0 no_neighbour) - nn0)) -ge 1
	n=$(arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 5)
	check "after resolution the fast path carries it again" test "$n" = 5 -a $(($(fast_path r0) - fp0)) -ge 5
}

neigh_state() { nsip r neigh show "$1" dev "$2" | awk '{print $NF}'; }
neigh_is() { [ "$(neigh_state "$1" "$2")" = "$3" ]; }
neigh_gone() { local st=$(neigh_state "$1" "$2"); [ "$st" = FAILED ] || [ "$st" = INCOMPLETE ] || [ -z "$st" ]; }

# A next hop only the fast path talks to must still be revalidated: when it
# stops answering ARP, Linux (kept informed by tna) marks it FAILED and the
# fast path stops sending to it, as Linux alone would.
# The kernel's IP counters miss fast-path packets; status adds them back.
t_counters() {
	local k0 f0 t0 n
	arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 1 >/dev/null
	k0=$(status_json | jq .ip_forwarded.linux_ipv4)
	f0=$(status_json | jq .ip_forwarded.fast_path)
	t0=$(status_json | jq .ip_forwarded.total)
	n=$(arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 50)
	local dk=$(($(status_json | jq .ip_forwarded.linux_ipv4) - k0))
	local df=$(($(status_json | jq .ip_forwarded.fast_path) - f0))
	local dt=$(($(status_json | jq .ip_forwarded.total) - t0))
	# Linux itself only routed the ICMP errors h2 sent back (dk of them).
	check "counters: 50 on the fast path, kernel ForwDatagrams +$dk (misses them), status total +$dt" \
		test "$n" = 50 -a "$df" = 50 -a "$dk" -lt 50 -a "$dt" = $((dk + 50))
}

t_neigh_keepalive() {
	local nc=/proc/sys/net/ipv4/neigh/r1 nn0 n end rev0 st rev h2mac
	nsx r sh -c "echo 2000 > $nc/base_reachable_time_ms; echo 1 > $nc/delay_first_probe_time; echo 200 > $nc/retrans_time_ms; echo 2 > $nc/ucast_solicit"
	arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 5 >/dev/null
	h2mac=$(mac_of h2 h2)
	# A STALE next hop the fast path uses: tna must make Linux revalidate it
	rev0=$(status_json | jq .neigh_revalidations)
	nsip r neigh change 10.20.2.2 lladdr "$h2mac" dev r1 nud stale
	end=$((SECONDS + 10))
	while [ $SECONDS -lt $end ] && neigh_is 10.20.2.2 r1 STALE; do
		send --src 10.20.1.2 --dst 10.20.2.2 --count 20
		sleep 0.2
	done
	st=$(neigh_state 10.20.2.2 r1) rev=$(status_json | jq .neigh_revalidations)
	check "stale next hop in use behind the fast path: tna asked Linux to revalidate it ($((rev - rev0)) times), Linux acted (now $st)" \
		test "$rev" -gt "$rev0" -a "$st" != STALE
	# The same with a next hop that stopped answering ARP: the fast path
	# must agree with whatever Linux concludes.
	nsip h2 link set h2 arp off
	nsip r neigh change 10.20.2.2 lladdr "$h2mac" dev r1 nud stale
	nn0=$(fallback r0 no_neighbour)
	end=$((SECONDS + 20))
	while [ $SECONDS -lt $end ] && ! neigh_gone 10.20.2.2 r1; do
		send --src 10.20.1.2 --dst 10.20.2.2 --count 20
		[ -n "${DEBUG:-}" ] && echo "$SECONDS $(neigh_state 10.20.2.2 r1) rev=$(status_json | jq .neigh_revalidations) nn=$(fallback r0 no_neighbour)"
		sleep 0.2
	done
	st=$(neigh_state 10.20.2.2 r1)
	n=$(arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 10)
	if neigh_gone 10.20.2.2 r1; then
		check "next hop stopped answering: Linux marked it $st, nothing arrived ($n), the fast path hands it to Linux" \
			test "$n" = 0 -a $(($(fallback r0 no_neighbour) - nn0)) -gt 0
	else
		check "next hop Linux still considers valid ($st): delivered as Linux would ($n/10)" test "$n" = 10
	fi
	nsip h2 link set h2 arp on
	nsx r sh -c "echo 30000 > $nc/base_reachable_time_ms; echo 5 > $nc/delay_first_probe_time; echo 1000 > $nc/retrans_time_ms; echo 3 > $nc/ucast_solicit"
	arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 3 >/dev/null
	local fp0=$(fast_path r0)
	n=$(arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 10)
	check "next hop answers again: 10/10 on the fast path ($n)" test "$n" = 10 -a $(($(fast_path r0) - fp0)) = 10
}

t_ip_forward() {
	nsx r sh -c 'echo 0 > /proc/sys/net/ipv4/ip_forward; echo 0 > /proc/sys/net/ipv6/conf/all/forwarding'
	check "ip_forward off: program detached" wait_for 5 not_attached r0
	check "ip_forward off: reason reported" test "$(iface_q r0 .reason)" != null
	check "ip_forward off: no XDP program left on r0" no_xdp_in r
	local n=$(arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 5)
	check "ip_forward off: nothing forwarded" test "$n" = 0
	nsx r sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward; echo 1 > /proc/sys/net/ipv6/conf/all/forwarding'
	check "ip_forward on: program attached again" wait_for 5 attached r0
}

t_hotplug_and_foreign() {
	ip netns add "$P-h4"
	nsip r link add r3 type veth peer name h4 netns "$P-h4"
	nsx h4 ethtool -K h4 gro on >/dev/null
	nsip h4 link set h4 up
	nsip r link set dev r3 xdpdrv obj "$B/sink.bpf.o" sec xdp
	nsip r addr add 10.20.4.1/24 dev r3
	nsip r link set r3 up
	check "new interface with a foreign XDP program: left alone and reported" \
		wait_for 5 reason_has r3 'another XDP program'
	nsip r link set dev r3 xdpdrv off
	check "foreign program removed: tna attaches to the new interface" wait_for 5 attached r3
	nsip r link del r3
	check "interface deleted: dropped from status" wait_for 5 absent r3
	check "daemon reports no apply errors" test -z "$(status_json | jq -r '.interfaces[] | select(.error != null) | .name')"
}

t_firewall_fallback() {
	# A rule the fast path models: enforced by it, IPv4 stays accelerated.
	nsx r nft add table ip tnatest
	nsx r nft add chain ip tnatest fw '{ type filter hook forward priority 0; policy accept; }'
	nsx r nft add rule ip tnatest fw udp dport 9 drop
	check "nft forward chain modelled: IPv4 firewall in the fast path" \
		wait_for 5 sh -c "ip netns exec $P-r $CLI status --json | jq -r .firewall.ipv4 | grep -q 'in the fast path'"
	local n=$(arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 10)
	check "nft drop rule is enforced: 0/10 delivered" test "$n" = 0
	# An expression it cannot model, reached by every flow: the flows go
	# to Linux, the reason counted; the family stays in the fast path.
	nsx r nft insert rule ip tnatest fw meta priority set 1:1
	local lx0=$(to_linux r0)
	n=$(arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 10)
	check "nft drop rule behind a priority setting is enforced (by Linux): 0/10 delivered, $(($(to_linux r0) - lx0)) handed to Linux" \
		test "$n" = 0 -a $(($(to_linux r0) - lx0)) -ge 10
	check "the flow left to Linux, the reason in tna status" \
		sh -c "ip netns exec $P-r $CLI status --json | jq -r '.firewall.undecidable_reasons[].reason' | grep -q 'meta set'"
	arrived h2 h2 --v6 --src fd20:1::2 --dst fd20:2::2 --count 1 >/dev/null # resolve ND again
	local fp0=$(fast_path r0)
	n=$(arrived h2 h2 --v6 --src fd20:1::2 --dst fd20:2::2 --count 10)
	check "IPv6 (no ip6 rules) stays on the fast path" test "$n" = 10 -a $(($(fast_path r0) - fp0)) = 10
	nsx r nft delete table ip tnatest
	check "rules removed: IPv4 fallback note gone" wait_for 5 v4_fast r0
	arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 1 >/dev/null # resolve ARP again
	fp0=$(fast_path r0)
	n=$(arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 10)
	check "rules removed: IPv4 10/10 on the fast path again ($n delivered, $(($(fast_path r0) - fp0)) fast)" test "$n" = 10 -a $(($(fast_path r0) - fp0)) = 10
}

t_ipsec_policy() {
	nsip r xfrm policy add src 10.20.1.0/24 dst 10.20.2.0/24 dir fwd action block
	check "xfrm policy: IPv4 handed to Linux, reason shown" wait_for 5 v4_fallback_has r0 IPsec
	local n=$(arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 10)
	check "xfrm block policy is enforced: 0/10 delivered" test "$n" = 0
	nsip r xfrm policy flush
	check "policy flushed: IPv4 fallback note gone" wait_for 5 v4_fast r0
	local fp0=$(fast_path r0)
	n=$(arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 10)
	check "policy flushed: IPv4 10/10 on the fast path again" test "$n" = 10 -a $(($(fast_path r0) - fp0)) = 10
}

# NAT through the kernel's conntrack: a masquerade out r1 and a DNAT of
# r0's port 7000 to h2:5002. A host's UDP socket pings (checksum left to
# offload) through each, first with Linux alone (the daemon stopped), then
# with the fast path: what h2 and h1 receive, as a wire carries it, must be
# byte-identical, and after the connection's first packets (Linux's: the
# nat chains choose the mapping) the fast path carries it, translated.
nat_pings() { # PHASE DST PORT SPORT
	nsx r conntrack -F >/dev/null 2>&1
	capture h2 h2 "$T/nat.$1.h2" --seconds 2 --wire --norm-id --udp-dport 5002
	capture h1 h1 "$T/nat.$1.h1" --seconds 2 --wire --norm-id --udp-dport "$4"
	nsx h2 "$PKTIO" udp-echo 10.20.2.2 5002 1.5 >/dev/null &
	local e=$!
	sleep 0.1
	nsx h1 "$PKTIO" udp-ping "$2" "$3" 20 20 "$4" >"$T/nat.$1.replies"
	wait $e
	capture_wait
}
t_nat() {
	local fp0 fp1 name dst port sport c
	tna_stop || fail "daemon exit status"
	nsx h1 sysctl -qw net.ipv6.auto_flowlabels=0
	nsx r nft -f - <<'NFT'
table ip tnanat {
	chain post { type nat hook postrouting priority srcnat; oifname "r1" masquerade; }
	chain pre { type nat hook prerouting priority dstnat; iifname "r0" udp dport 7000 dnat to 10.20.2.2:5002; }
}
NFT
	for c in "masq 10.20.2.2 5002 41000" "dnat 10.20.1.1 7000 41001"; do
		read -r name dst port sport <<<"$c"
		nat_pings "linux-$name" "$dst" "$port" "$sport"
	done
	tna_start r
	wait_for 10 attached r0 || fail "tna run attaches to r0"
	check "nat chains: IPv4 stays in the fast path, NAT from conntrack" \
		wait_for 5 sh -c "ip netns exec $P-r $CLI status --json | jq -r .firewall.ipv4 | grep -q 'NAT as conntrack'"
	for c in "masq 10.20.2.2 5002 41000" "dnat 10.20.1.1 7000 41001"; do
		read -r name dst port sport <<<"$c"
		fp0=$(fast_path r0)
		nat_pings "tna-$name" "$dst" "$port" "$sport"
		fp1=$(fast_path r0)
		check "nat $name: 20 pings answered ($(cat "$T/nat.tna-$name.replies")), $(lines "$T/nat.tna-$name.h2") at h2 and $(lines "$T/nat.tna-$name.h1") replies at h1 byte-identical to Linux alone, $((fp1 - fp0)) on the fast path" \
			sh -c "[ \"\$(cat $T/nat.tna-$name.replies)\" = 20 ] && [ \"\$(cat $T/nat.linux-$name.replies)\" = 20 ] &&
				cmp -s $T/nat.linux-$name.h2 $T/nat.tna-$name.h2 && cmp -s $T/nat.linux-$name.h1 $T/nat.tna-$name.h1 &&
				[ \$(grep -c . $T/nat.tna-$name.h2) = 20 ] && [ $((fp1 - fp0)) -ge 15 ]"
	done
	# DNAT to the router's own address: Linux delivers it to its socket
	nsx r nft add rule ip tnanat pre iifname r0 udp dport 7001 dnat to 10.20.1.1:5003
	nsx r "$PKTIO" udp-echo 10.20.1.1 5003 1.5 >/dev/null &
	c=$!
	sleep 0.1
	fp0=$(fast_path r0)
	nsx h1 "$PKTIO" udp-ping 10.20.2.2 7001 20 20 41002 >"$T/nat.local.replies"
	wait $c
	fp1=$(fast_path r0)
	check "DNAT to a local address: 20 pings answered by the router's socket ($(cat "$T/nat.local.replies")), none carried by the fast path ($((fp1 - fp0)))" \
		sh -c "[ \"\$(cat $T/nat.local.replies)\" = 20 ] && [ $((fp1 - fp0)) = 0 ]"
	nsx r nft delete table ip tnanat
}

t_capture() { # tcpdump on the egress (-p: no promiscuity event) and on the ingress
	local ifc pid fp0 n
	for ifc in "r1 -p" "r0"; do
		set -- $ifc
		fp0=$(fast_path r0)
		ip netns exec "$P-r" tcpdump -Z root -U --immediate-mode -n -i "$1" ${2:-} -w "$T/cap.pcap" udp port 9 2>"$T/cap.err" &
		pid=$!
		# libpcap drains what arrives before its filter is set: wait until it listens
		wait_for 5 grep -q listening "$T/cap.err"
		check "tcpdump on $1: interface taken off the fast path" \
			wait_for 5 reason_has "$1" capture
		n=$(arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 10)
		wait_for 3 sh -c "tcpdump -n -r '$T/cap.pcap' 2>/dev/null | grep -c . | grep -qx 10"
		kill -INT $pid
		wait $pid
		check "tcpdump on $1 captured $(tcpdump -n -r "$T/cap.pcap" 2>/dev/null | grep -c .)/10 (arrived $n, fast path took $(($(fast_path r0) - fp0)))" \
			test "$(tcpdump -n -r "$T/cap.pcap" 2>/dev/null | grep -c .)" = 10 -a "$n" = 10 -a "$(fast_path r0)" = "$fp0"
		check "tcpdump on $1 stopped: fast path resumes" wait_for 5 resumed "$1"
		fp0=$(fast_path r0)
		n=$(arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 10)
		check "after tcpdump on $1: 10/10 on the fast path (arrived $n, fast path took $(($(fast_path r0) - fp0)))" test "$n" = 10 -a $(($(fast_path r0) - fp0)) = 10
	done
}

t_kill9() {
	local pid=$TNA_PID
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	TNA_PID=
	check "kill -9: no XDP program left attached" wait_for 3 no_xdp_in r
	local n=$(arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 10)
	check "kill -9: Linux carries the traffic (10/10)" test "$n" = 10
}

t_sigterm() { # in generic (skb) mode this time
	tna_start r --mode generic
	wait_for 10 attached r0
	check "--mode generic: attached in generic mode" test "$(iface_q r0 .mode)" = generic
	arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 1 >/dev/null
	local fp0=$(fast_path r0)
	local n=$(arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 10)
	check "--mode generic: 10/10 forwarded by the fast path" test "$n" = 10 -a $(($(fast_path r0) - fp0)) = 10
	check "SIGTERM: daemon exits 0 with no sanitizer report" tna_stop
	check "SIGTERM: everything detached" no_xdp_in r
}

t_differential() { DUT=r DUT_IFACE=r0 differential; }

# TESTS="t_a t_b" tests/integ/router.sh runs a subset (see run_tests in lib.sh).
setup
run_tests r r0 t_differential t_route_changes t_counters t_neighbour t_neigh_keepalive t_ip_forward t_hotplug_and_foreign t_firewall_fallback t_ipsec_policy t_nat t_capture t_kill9 t_sigterm
exit $FAILED
