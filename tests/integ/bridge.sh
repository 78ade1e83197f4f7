#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Bridge acceptance in real namespaces, in one switch namespace S:
#   h1 --- p1 [br0 10.30.0.1] p2 --- h2        br_netfilter as Debian has it
#               p3 --- h3                       (bridge-nf-call-iptables=1)
#   h4 --- q1 [br1 10.31.0.1] q2 --- h5        S routes between br0 and br1
# Differential cases (bridged and routed bridge to bridge) against Linux
# alone, then floods, ARP, station moves, STP, port flags, FDB ageing with
# the fast path carrying all traffic, bridge down, port removal, port churn
# under load, nft, tcpdump.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh

setup() {
	local i=1 h
	for ns in s h1 h2 h3 h4 h5; do ip netns add "$P-$ns" && nsip $ns link set lo up; done
	nsip s link add br0 type bridge
	nsip s link add br1 type bridge
	for h in h1 h2 h3 h4 h5; do
		local br=br0 port=p$i net=30 gw=1
		[ $i -ge 4 ] && br=br1 port=q$((i - 3)) net=31
		nsip $h link add $h type veth peer name $port netns "$P-s"
		nsip $h addr add 10.$net.0.1$i/24 dev $h
		nsip $h addr add fd$net::1$i/64 dev $h nodad
		# no router solicitations: a station sends only what a test sends
		nsx $h sysctl -qw net.ipv6.conf.$h.router_solicitations=0
		# nor port unreachables for the test's datagrams (each would make
		# the host resolve the sender: ARP and ND frames no test sent)
		nsx $h nft add table inet quiet
		nsx $h nft add chain inet quiet out '{ type filter hook output priority 0; }'
		nsx $h nft add rule inet quiet out icmp type destination-unreachable drop
		nsx $h nft add rule inet quiet out icmpv6 type destination-unreachable drop
		nsip $h link set $h up
		nsip $h route add default via 10.$net.0.$gw
		nsip $h -6 route add default via fd$net::$gw
		# NAPI on the host side, so the switch's ports can take XDP frames
		nsx $h ethtool -K $h gro on >/dev/null
		nsip s link set $port master $br
		nsip s link set $port up
		i=$((i + 1))
	done
	for net in 30 31; do
		local br=br$((net - 30))
		nsip s link set $br up
		nsip s addr add 10.$net.0.1/24 dev $br
		nsip s addr add fd$net::1/64 dev $br nodad
	done
	nsx s sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward; echo 1 > /proc/sys/net/ipv6/conf/all/forwarding'
	for i in 1 2 3 4 5; do eval "M$i=$(mac_of h$i h$i)"; done
	BR0=$(mac_of s br0)
	BR1=$(mac_of s br1)
	# Stations announce themselves (Linux learns them) and resolve their gateways.
	announce
	for i in 1 2 3 4 5; do
		local net=30
		[ $i -ge 4 ] && net=31
		nsx h$i bash -c "echo x > /dev/udp/10.$net.0.1/7" 2>/dev/null
	done
}

announce() { # every station sends a broadcast: Linux learns where it is
	local i net
	for i in 1 2 3 4 5; do
		net=30
		[ $i -ge 4 ] && net=31
		nsx h$i "$PKTIO" send h$i ff:ff:ff:ff:ff:ff --src 10.$net.0.1$i --dst 10.$net.0.255 --count 1
	done
}

# send HOST DMAC-VARIABLE pktio-args...
send() {
	local h=$1 dmac=${!2}
	shift 2
	nsx "$h" "$PKTIO" send "$h" "$dmac" "$@"
}

CASES=(
	"bridged ipv4 udp, 4 flows|h2:h2:--udp-dport=9|h1 M2 --src 10.30.0.11 --dst 10.30.0.12 --count 20 --flows 4 --payload 18|bytes"
	"bridged ipv4 short frame with padding (br_netfilter trims it)|h2:h2:--udp-dport=9|h1 M2 --src 10.30.0.11 --dst 10.30.0.12 --count 10 --payload 2 --pad 12|bytes"
	"bridged ipv4 tcp, 954 bytes|h3:h3:--tcp-dport=5001|h1 M3 --src 10.30.0.11 --dst 10.30.0.13 --proto tcp --count 10 --payload 900 --dport 5001|bytes"
	"bridged ipv4 icmp echo, reverse direction|h1:h1:--icmp-type=8|h3 M1 --src 10.30.0.13 --dst 10.30.0.11 --proto icmp --count 10 --payload 56|bytes|p3"
	"bridged ipv6 udp, 4 flows|h2:h2:--udp-dport=9|h1 M2 --v6 --src fd30::11 --dst fd30::12 --count 20 --flows 4 --payload 30|bytes"
	"bridged ttl 1 (a bridge does not look)|h2:h2:--udp-dport=9|h1 M2 --src 10.30.0.11 --dst 10.30.0.12 --ttl 1 --count 10|bytes"
	"routed bridge to bridge, ipv4|h4:h4:--udp-dport=9|h1 BR0 --src 10.30.0.11 --dst 10.31.0.14 --count 20 --flows 4|bytes"
	"routed bridge to bridge, ipv6|h5:h5:--udp-dport=9|h2 BR0 --v6 --src fd30::12 --dst fd31::15 --count 10 --payload 40|bytes|p2"
	"routed bridge to bridge, reverse|h1:h1:--udp-dport=9|h4 BR1 --src 10.31.0.14 --dst 10.30.0.11 --count 10|bytes|q1"
	"routed ttl 1: time exceeded from Linux|h1:h1:--icmp-type=11|h1 BR0 --src 10.30.0.11 --dst 10.31.0.14 --ttl 1 --count 1|count"
)

fdb_port() { bridge -n "$P-s" fdb show br "$2" | grep -i "^$1 " | grep -v permanent | awk '{print $3}'; }
# Conditions polled by wait_for (arguments are evaluated on every try)
fdb_on() { [ "$(fdb_port "$1" "$2")" = "$3" ]; }
port_state_is() { [ "$(iface_q "$1" .port_state)" = "$2" ]; }
kstate_is() { [ "$(kstate "$1")" = "$2" ]; }
port_q() { iface_q "$1" "$2"; }
bridged() { iface_q "$1" '.counters.fast_path.bridged // 0'; }
mirrored() { [ "$(status_json | jq -r ".bridges[] | select(.name==\"$1\") | .fdb_entries")" = "$(kernel_fdb_count "$1")" ]; }
not_egress() { [ "$(iface_q "$1" '.egress_xdp')" = false ] && not_attached "$1"; }
bridge_is() { [ "$(iface_q "$1" .bridge)" = "$2" ]; }
kernel_fdb_count() { bridge -n "$P-s" fdb show br "$1" | grep -c "master $1" || true; }

t_status() {
	check "status lists br0 with 3 ports" test "$(status_json | jq -r '.bridges[] | select(.name=="br0") | .ports')" = 3
	check "status: every FDB entry of br0 mirrored" wait_for 3 mirrored br0
	check "status: p1 is a port of br0 with the bridge module" test "$(port_q p1 .bridge)" = br0 -a "$(iface_q p1 '.modules | index("bridge") != null')" = true
	check "status: the bridge device itself is not attached" test "$(iface_q br0 .attached)" = false
}

t_flood_and_arp() {
	local f0=$(fallback p1 fdb_miss) n2 n3
	capture h2 h2 "$T/u2" --seconds 1 --udp-dport 9
	capture h3 h3 "$T/u3" --seconds 1 --udp-dport 9
	nsx h1 "$PKTIO" send h1 02:00:00:00:99:99 --src 10.30.0.11 --dst 10.30.0.99 --count 5
	capture_wait
	n2=$(lines "$T/u2") n3=$(lines "$T/u3")
	check "unknown unicast flooded by Linux to h2 and h3 (5/5 each)" test "$n2" = 5 -a "$n3" = 5 -a $(($(fallback p1 fdb_miss) - f0)) = 5
	# The kernel's own stack: ARP request flooded, reply bridged, datagram delivered.
	nsx h1 ip neigh flush dev h1
	capture h2 h2 "$T/arp" --seconds 1 --udp-dport 9
	nsx h1 bash -c 'echo hello > /dev/udp/10.30.0.12/9'
	capture_wait
	check "ARP resolves through the bridge and the datagram arrives" test "$(lines "$T/arp")" = 1 -a -n "$(nsip h1 neigh show 10.30.0.12 | grep -i "$M2")"
}

t_station_move() { # h2's MAC appears behind p3: followed within one exchange
	# h2 itself must stay quiet meanwhile (ARP replies, MLD reports would
	# move it back): its egress drops everything
	nsx h2 nft add table netdev quiet
	nsx h2 nft add chain netdev quiet e '{ type filter hook egress device h2 priority 0; policy drop; }'
	nsip h3 link set h3 address "$M2"
	nsx h3 "$PKTIO" send h3 "$M1" --src 10.30.0.12 --dst 10.30.0.11 --count 1
	check "station move: Linux moved the entry to p3" wait_for 3 fdb_on "$M2" br0 p3
	local b0=$(bridged p1)
	capture h2 h2 "$T/m2" --seconds 1 --udp-dport 9
	capture h3 h3 "$T/m3" --seconds 1 --udp-dport 9
	send h1 M2 --src 10.30.0.11 --dst 10.30.0.12 --count 10
	capture_wait
	check "station move: fast path follows ($(lines "$T/m3")/10 at p3, $(lines "$T/m2") at p2, $(($(bridged p1) - b0)) bridged)" \
		test "$(lines "$T/m3")" = 10 -a "$(lines "$T/m2")" = 0 -a $(($(bridged p1) - b0)) = 10
	nsip h3 link set h3 address "$M3"
	nsx h2 nft delete table netdev quiet
	nsx h3 "$PKTIO" send h3 ff:ff:ff:ff:ff:ff --src 10.30.0.13 --dst 10.30.0.255 --count 1
	nsx h2 "$PKTIO" send h2 "$M1" --src 10.30.0.12 --dst 10.30.0.11 --count 1
	check "station moved back to p2" wait_for 3 fdb_on "$M2" br0 p2
}

t_stp() { # without STP, Linux turns a blocking port forwarding again: use learning
	nsx s bridge link set dev p2 state 2
	check "STP state learning (not forwarding) mirrored" wait_for 3 port_state_is p2 2
	local b0=$(bridged p1) n
	n=$(arrived h2 h2 h1 M2 --src 10.30.0.11 --dst 10.30.0.12 --count 10)
	check "blocking port: nothing forwarded to it ($n delivered, $(($(bridged p1) - b0)) by the fast path)" test "$n" = 0 -a "$(bridged p1)" = "$b0"
	b0=$(bridged p2)
	n=$(arrived h1 h1 h2 M1 --src 10.30.0.12 --dst 10.30.0.11 --count 10)
	check "blocking port: nothing forwarded from it ($n delivered)" test "$n" = 0 -a "$(bridged p2)" = "$b0"
	nsx s bridge link set dev p2 state 3
	sleep 0.3
	b0=$(bridged p1)
	n=$(arrived h2 h2 h1 M2 --src 10.30.0.11 --dst 10.30.0.12 --count 10)
	check "forwarding again: 10/10 on the fast path" test "$n" = 10 -a $(($(bridged p1) - b0)) = 10
}

kstate() { nsx s bridge -j link show dev "$1" | jq -r '.[0].state'; }
loop_blocked() { # which end of the loop kernel STP blocked
	local a=$(kstate lpa) b=$(kstate lpb)
	[ "$a" = blocking ] && [ "$b" = forwarding ] && echo lpa && return 0
	[ "$b" = blocking ] && [ "$a" = forwarding ] && echo lpb && return 0
	return 1
}

t_stp_loop() { # kernel STP blocks one end of a loop: the fast path sends nothing there
	local blk peer n p0
	nsip s link set br0 type bridge stp_state 1 forward_delay 200 hello_time 100
	nsip s link add lpa type veth peer name lpb
	for i in lpa lpb; do
		nsx s ethtool -K $i gro on >/dev/null
		nsip s link set $i master br0
		nsip s link set $i up
	done
	wait_for 15 loop_blocked
	blk=$(loop_blocked)
	peer=lpa
	[ "$blk" = lpa ] && peer=lpb
	check "kernel STP blocks ${blk:-nothing} in a loop; mirrored as blocking" \
		wait_for 3 port_state_is "${blk:-none}" 4
	wait_for 10 kstate_is p1 forwarding
	LOOPMAC=02:00:00:00:77:77
	nsx s bridge fdb add $LOOPMAC dev "$blk" master static
	p0=$(fallback p1 port_not_forwarding)
	capture s "$peer" "$T/loop" --seconds 1 --udp-dport 9
	send h1 LOOPMAC --src 10.30.0.11 --dst 10.30.0.77 --count 10
	capture_wait
	n=$(lines "$T/loop")
	check "blocking port: 0/10 forwarded into it, 10 handed to Linux" \
		test "$n" = 0 -a $(($(fallback p1 port_not_forwarding) - p0)) = 10
	nsip s link del lpa
	nsip s link set br0 type bridge stp_state 0
	wait_for 10 kstate_is p1 forwarding
	announce
}

t_port_flags() {
	local b0 n
	nsx s bridge link set dev p1 isolated on
	nsx s bridge link set dev p2 isolated on
	sleep 0.3
	n=$(arrived h2 h2 h1 M2 --src 10.30.0.11 --dst 10.30.0.12 --count 10)
	check "isolated ports: nothing forwarded between them" test "$n" = 0
	n=$(arrived h3 h3 h1 M3 --src 10.30.0.11 --dst 10.30.0.13 --count 10)
	check "isolated port to a plain port: 10/10" test "$n" = 10
	nsx s bridge link set dev p1 isolated off
	nsx s bridge link set dev p2 isolated off
	nsx s bridge link set dev p1 learning off
	sleep 0.3
	b0=$(bridged p1)
	n=$(arrived h2 h2 h1 M2 --src 10.30.0.11 --dst 10.30.0.12 --count 10)
	check "learning off: still bridged on the fast path (10/10)" test "$n" = 10 -a $(($(bridged p1) - b0)) = 10
	nsx s bridge link set dev p1 learning on
	# flood off: Linux does not flood unknown unicast to p3 (the fast path never floods)
	nsx s bridge link set dev p3 flood off
	sleep 0.3
	capture h2 h2 "$T/f2" --seconds 1 --udp-dport 9
	capture h3 h3 "$T/f3" --seconds 1 --udp-dport 9
	nsx h1 "$PKTIO" send h1 02:00:00:00:99:98 --src 10.30.0.11 --dst 10.30.0.98 --count 5
	capture_wait
	check "flood off on p3: unknown unicast to h2 only (h2 $(lines "$T/f2"), h3 $(lines "$T/f3"))" \
		test "$(lines "$T/f2")" = 5 -a "$(lines "$T/f3")" = 0
	nsx s bridge link set dev p3 flood on
	# hairpin: a station behind the ingress port gets the frame back only with hairpin on
	HAIRMAC=02:00:00:00:88:88
	nsx s bridge fdb add $HAIRMAC dev p1 master static
	for mode in off on; do
		nsx s bridge link set dev p1 hairpin $mode
		sleep 0.3
		local want=0 s0=$(fallback p1 same_port)
		[ $mode = on ] && want=10
		n=$(arrived h1 h1 h1 HAIRMAC --src 10.30.0.11 --dst 10.30.0.88 --count 10)
		check "hairpin $mode: $n/10 back out of the ingress port (Linux decides: $(($(fallback p1 same_port) - s0)) handed over)" \
			test "$n" = $want -a $(($(fallback p1 same_port) - s0)) = 10
	done
	nsx s bridge link set dev p1 hairpin off
	nsx s bridge fdb del $HAIRMAC dev p1 master
	# a port going down is no egress; back up, it is again
	nsip s link set p2 down
	check "port down: not attached, not an egress" wait_for 5 not_egress p2
	n=$(arrived h2 h2 h1 M2 --src 10.30.0.11 --dst 10.30.0.12 --count 10)
	check "port down: nothing reaches h2 ($n)" test "$n" = 0
	nsip s link set p2 up
	check "port up: attached again" wait_for 5 attached p2
	wait_for 5 kstate_is p2 forwarding
	announce
	b0=$(bridged p1)
	n=$(arrived h2 h2 h1 M2 --src 10.30.0.11 --dst 10.30.0.12 --count 10)
	check "port up: 10/10 bridged on the fast path" test "$n" = 10 -a $(($(bridged p1) - b0)) = 10
}

# Stations that answer (ICMP, ARP probes) would refresh Linux's FDB by
# themselves: send to an address nobody answers for.
t_ageing() { # 3x ageing_time of traffic only the fast path sees, then silence
	nsip s link set br0 type bridge ageing_time 300
	announce
	nsx s timeout 12 bridge monitor fdb >"$T/mon" 2>&1 &
	local mon=$! l0=$(fallback p1 source_not_learned) b0=$(bridged p1) end=$((SECONDS + 10)) miss=0
	while [ $SECONDS -lt $end ]; do
		send h1 M2 --src 10.30.0.11 --dst 10.30.0.99 --count 20
		send h2 M1 --src 10.30.0.12 --dst 10.30.0.98 --count 20
		[ -n "$(fdb_port "$M1" br0)" ] || miss=$((miss + 1))
		sleep 0.2
	done
	kill $mon 2>/dev/null
	wait $mon 2>/dev/null
	local dels=$(grep -ic "^Deleted \($M1\|$M2\)" "$T/mon")
	check "3x ageing_time through the fast path: entries never left the kernel FDB (deletions $dels, misses $miss, refreshes $(status_json | jq .fdb_refreshes))" \
		test "$dels" = 0 -a "$miss" = 0 -a $(($(fallback p1 source_not_learned) - l0)) = 0
	check "the traffic really went through the fast path ($(($(bridged p1) - b0)) frames bridged)" test $(($(bridged p1) - b0)) -gt 500
	check "idle station ages out of the kernel FDB" wait_for 12 fdb_on "$M1" br0 ""
	check "the mirror drops it too" wait_for 3 mirrored br0
	nsip s link set br0 type bridge ageing_time 30000
	announce
}

t_bridge_changes() {
	nsip s link set br0 down
	check "bridge down: its ports detached, reason shown" wait_for 5 reason_has p1 'down'
	nsip s link set br0 up
	check "bridge up: ports attached again" wait_for 5 attached p1
	nsip s link set p3 nomaster
	check "port removed from the bridge: no bridge module on it" wait_for 5 bridge_is p3 null
	nsip s link set p3 master br0
	check "port back in the bridge: bridge module again" wait_for 5 bridge_is p3 br0
	announce # bridge down flushed the learned entries
}

# Port churn under load: p3 leaves and rejoins br0 300 times while h1
# sends to h2 (p2) and h3 (p3). The daemon keeps up without leaking, and
# afterwards the mirror and the fast path agree with Linux.
t_port_churn() {
	local pid fd0 b0 n
	fd0=$(ls "/proc/$TNA_PID/fd" | wc -l)
	touch "$T/load"
	(while [ -e "$T/load" ]; do
		send h1 M2 --src 10.30.0.11 --dst 10.30.0.12 --count 50 --flows 4
		send h1 M3 --src 10.30.0.11 --dst 10.30.0.13 --count 50 --flows 4
	done) &
	pid=$!
	for _ in $(seq 300); do
		nsip s link set p3 nomaster
		nsip s link set p3 master br0
	done
	rm -f "$T/load"
	wait $pid
	check "port churn (300 removals and re-additions under load): daemon alive and answering" \
		sh -c "kill -0 $TNA_PID && ip netns exec $P-s $CLI status --json >/dev/null"
	check "port churn: p3 has the bridge module again" wait_for 5 bridge_is p3 br0
	announce
	check "port churn: FDB mirror agrees with the kernel" wait_for 5 mirrored br0
	check "port churn: daemon file descriptors flat ($fd0 before, $(ls "/proc/$TNA_PID/fd" | wc -l) after)" \
		[ "$(ls "/proc/$TNA_PID/fd" | wc -l)" -le $((fd0 + 2)) ]
	b0=$(bridged p1)
	n=$(arrived h3 h3 h1 M3 --src 10.30.0.11 --dst 10.30.0.13 --count 10)
	check "port churn: afterwards 10/10 to h3 on the fast path ($n delivered, $(($(bridged p1) - b0)) bridged)" \
		test "$n" = 10 -a $(($(bridged p1) - b0)) = 10
}

fw_note() { status_json | jq -r ".firewall.$1"; }
fw_note_has() { status_json | jq -r ".firewall.$1" | grep -q "$2"; }

# rules on bridged traffic: a bridge-family forward chain, and ip-family
# chains through br_netfilter; both in the fast path's firewall (more in
# tests/integ/bridge_fw.sh)
t_netfilter() {
	local n b0
	nsx s nft add table bridge tnatest
	nsx s nft add chain bridge tnatest fw '{ type filter hook forward priority 0; policy accept; }'
	nsx s nft add rule bridge tnatest fw ip saddr 10.30.0.11 udp dport 9 drop
	wait_for 5 fw_note_has bridge 'in the fast path'
	check "bridge-family forward chain: in the fast path's firewall ($(fw_note bridge))" fw_note_has bridge 'in the fast path'
	n=$(arrived h2 h2 h1 M2 --src 10.30.0.11 --dst 10.30.0.12 --count 10)
	check "bridge-family drop rule enforced: $n/10 delivered" test "$n" = 0
	arrived h2 h2 h1 M2 --v6 --src fd30::11 --dst fd30::12 --count 10 >/dev/null # the verdict is cached
	b0=$(bridged p1)
	n=$(arrived h2 h2 h1 M2 --v6 --src fd30::11 --dst fd30::12 --count 10)
	check "accepted flow bridged by the fast path ($n/10 delivered, $(($(bridged p1) - b0)) bridged)" test "$n" = 10 -a $(($(bridged p1) - b0)) = 10
	nsx s nft delete table bridge tnatest
	check "rules removed: no bridge-family rules" wait_for 5 fw_note_has bridge 'no forward-path rules'
	# br_netfilter (bridge-nf-call-iptables=1): ip-family rules see bridged IPv4
	nsx s nft add table ip tnatest
	nsx s nft add chain ip tnatest fw '{ type filter hook forward priority 0; policy accept; }'
	nsx s nft add rule ip tnatest fw ip daddr 10.30.0.12 udp dport 9 drop
	wait_for 5 fw_note_has ipv4 'in the fast path'
	check "br_netfilter + ip forward chain: in the fast path's firewall ($(fw_note ipv4))" fw_note_has ipv4 'in the fast path'
	n=$(arrived h2 h2 h1 M2 --src 10.30.0.11 --dst 10.30.0.12 --count 10)
	check "ip-family drop rule enforced on bridged traffic: $n/10 delivered" test "$n" = 0
	arrived h3 h3 h1 M3 --src 10.30.0.11 --dst 10.30.0.13 --count 10 >/dev/null # the verdict is cached
	b0=$(bridged p1)
	n=$(arrived h3 h3 h1 M3 --src 10.30.0.11 --dst 10.30.0.13 --count 10)
	check "ip-family rules accept another flow: bridged by the fast path ($n/10 delivered, $(($(bridged p1) - b0)) bridged)" test "$n" = 10 -a $(($(bridged p1) - b0)) = 10
	b0=$(bridged p1)
	n=$(arrived h2 h2 h1 M2 --v6 --src fd30::11 --dst fd30::12 --count 10)
	check "bridged IPv6 (no ip6 rules) stays on the fast path ($n delivered, $(($(bridged p1) - b0)) bridged)" test "$n" = 10 -a $(($(bridged p1) - b0)) -ge 10
	nsx s nft delete table ip tnatest
	check "rules removed: no ip forward rules" wait_for 5 fw_note_has ipv4 'no forward-path rules'
	b0=$(bridged p1)
	n=$(arrived h2 h2 h1 M2 --src 10.30.0.11 --dst 10.30.0.12 --count 10)
	check "rules removed: bridged IPv4 10/10 on the fast path again" test "$n" = 10 -a $(($(bridged p1) - b0)) = 10
}

t_capture_bridge() {
	local pid n b0
	ip netns exec "$P-s" tcpdump -Z root -U --immediate-mode -n -i br0 -w "$T/br.pcap" udp port 9 2>"$T/br.err" &
	pid=$!
	wait_for 5 grep -q listening "$T/br.err"
	check "tcpdump on br0: the bridge's ports fall back" wait_for 5 reason_has p1 capture
	b0=$(bridged p1)
	n=$(arrived h2 h2 h1 M2 --src 10.30.0.11 --dst 10.30.0.12 --count 10)
	wait_for 3 sh -c "tcpdump -n -r '$T/br.pcap' 2>/dev/null | grep -c . | grep -qx 10"
	kill -INT $pid
	wait $pid
	check "tcpdump on br0 saw $(tcpdump -n -r "$T/br.pcap" 2>/dev/null | grep -c .)/10 bridged frames ($n delivered, $(($(bridged p1) - b0)) by the fast path)" \
		test "$(tcpdump -n -r "$T/br.pcap" 2>/dev/null | grep -c .)" = 10 -a "$n" = 10 -a "$(bridged p1)" = "$b0"
	check "tcpdump stopped: fast path resumes" wait_for 5 resumed p1
}

t_kill9() {
	local pid=$TNA_PID
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	TNA_PID=
	check "kill -9: no XDP program left on any port" wait_for 3 no_xdp_in s
	local n=$(arrived h2 h2 h1 M2 --src 10.30.0.11 --dst 10.30.0.12 --count 10)
	check "kill -9: the Linux bridge carries the traffic (10/10)" test "$n" = 10
}

# More stations than the fast path's FDB holds (65,536): the overflow is
# reported and left to Linux, and nothing is forwarded anywhere wrong.
fdb_state() { status_json | jq -r '"\(.bridges[] | select(.name=="br0") | .fdb_entries) \(.fdb_not_mirrored)"'; }
fdb_full() { set -- $(fdb_state); [ "$1" -ge 60000 ] && [ "$2" -gt 0 ]; }
fdb_back() { set -- $(fdb_state); [ "$1" -lt 100 ] && [ "$2" = 0 ]; }
t_fdb_full() {
	local i n2 n3 b0 m0
	for i in $(seq 0 69999); do
		printf 'fdb add 02:aa:00:%02x:%02x:%02x dev p3 master static\n' $((i >> 16)) $(((i >> 8) & 255)) $((i & 255))
	done >"$T/fdb"
	nsx s bridge -batch "$T/fdb"
	check "70,000 stations: the map is full, the rest reported as left to Linux ($(fdb_state))" wait_for 60 fdb_full
	: >"$T/fdb.send"
	for i in $(seq 1 200); do
		i=$(((i * 7919) % 70000))
		printf '02:aa:00:%02x:%02x:%02x --src 10.30.0.11 --dst 10.30.0.13 --count 1\n' $((i >> 16)) $(((i >> 8) & 255)) $((i & 255)) >>"$T/fdb.send"
	done
	b0=$(bridged p1)
	m0=$(fallback p1 fdb_miss)
	capture h2 h2 "$T/f2" --seconds 2 --udp-dport 9
	capture h3 h3 "$T/f3" --seconds 2 --udp-dport 9
	nsx h1 "$PKTIO" send-file h1 "$T/fdb.send"
	capture_wait
	n2=$(lines "$T/f2") n3=$(lines "$T/f3")
	check "200 frames to stations behind p3: all at h3 ($n3), none at h2 ($n2); $(($(bridged p1) - b0)) by the fast path, $(($(fallback p1 fdb_miss) - m0)) by Linux" \
		test "$n3" = 200 -a "$n2" = 0 -a $(($(fallback p1 fdb_miss) - m0)) -gt 0 -a $(($(bridged p1) - b0 + $(fallback p1 fdb_miss) - m0)) -ge 200
	sed 's/^fdb add/fdb del/; s/ static$//' "$T/fdb" >"$T/fdb.del"
	nsx s bridge -batch "$T/fdb.del"
	check "stations removed: FDB back to normal, nothing left over ($(fdb_state))" wait_for 60 fdb_back
	announce
}

t_restart() {
	tna_start s
	check "restart: resynced from a clean dump and attached again" wait_for 10 attached p1
	check "restart: FDB mirrored again" wait_for 5 mirrored br0
	local b0=$(bridged p1) n
	n=$(arrived h2 h2 h1 M2 --src 10.30.0.11 --dst 10.30.0.12 --count 10)
	check "restart: 10/10 bridged on the fast path ($n delivered, $(($(bridged p1) - b0)) bridged; $(iface_q p1 '.counters.fallback | to_entries | map(select(.value > 0)) | map("\(.key)=\(.value)") | join(",")'))" \
		test "$n" = 10 -a $(($(bridged p1) - b0)) = 10
	check "SIGTERM: daemon exits 0 with no sanitizer report" tna_stop
	check "SIGTERM: no XDP program left on any port" no_xdp_in s
}

t_differential() { DUT=s DUT_IFACE=p1 differential; }

# TESTS="t_a t_b" tests/integ/bridge.sh runs a subset (see run_tests in lib.sh).
setup
run_tests s p1 t_differential t_status t_flood_and_arp t_station_move t_stp t_stp_loop t_port_flags t_ageing t_bridge_changes t_port_churn t_netfilter t_fdb_full t_capture_bridge t_kill9 t_restart
exit $FAILED
