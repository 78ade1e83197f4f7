#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Generated differential scenarios: for each seed, a random topology in
# namespaces (a router with 2-4 subnets, extra routes, a blackhole route,
# no route (IPv6), multipath, a policy rule, a route MTU; or a bridge with
# 3-5 ports, a gateway, sometimes a second bridge routed by the host) and a
# random packet mix (UDP/TCP/ICMP, IPv4/IPv6, ARP requests and replies, to
# hosts, routed prefixes, the device itself; TTL 1/2, DF with big sizes,
# padding; bridged, unknown and broadcast MACs; VLAN and other ethertypes,
# bad checksums, IP options, fragments, truncated frames); a third of them with an nft forward chain
# dropping part of the traffic. The same packets are sent with Linux alone
# and with `tna run`; every frame every host receives must be the same,
# byte for byte.
#   tests/integ/gen.sh [FIRST_SEED [NR_SEEDS [LINES_PER_SCENARIO]]]
# The defaults (20 seeds, 2,100 lines) send about 100,000 packets.
# GEN_SOAK_SECONDS=N: soak mode, seeds from FIRST_SEED on for N seconds
# (NR_SEEDS is then ignored); every seed still prints its re-run command.
# GEN_FW=1: firewall mode, every scenario with a random ruleset: routers
# (nft or iptables-nft) and, one seed in three, bridges (a bridge-family
# ruleset, or ip/inet/iptables rules bridged traffic meets through
# br_netfilter); every packet list sent twice so that the second pass
# meets the verdicts the fast path cached in the first.
# A failing seed is printed with the command that re-runs it alone.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh
FIRST=${1:-1}
NR=${2:-20}
LINES=${3:-2100} # send-file lines per scenario; each sends 1-4 packets (ARP: 1)
TOTAL=0
DIVERGED=0
GEN_FW=${GEN_FW:-0}

# pick VAR WORD...: VAR = one of the words, at random. Never in a $(...)
# subshell: bash reseeds RANDOM there, and seeds would not repeat.
pick() {
	local -n _v=$1
	shift
	local a=("$@")
	_v=${a[RANDOM % ${#a[@]}]}
}

# No ICMP rate limiting anywhere: error counts must not depend on timing.
quiet_icmp() {
	nsx "$1" sh -c 'echo 0 > /proc/sys/net/ipv4/icmp_ratemask; echo 0 > /proc/sys/net/ipv4/icmp_ratelimit; echo 0 > /proc/sys/net/ipv6/icmp/ratelimit; echo 0 > /proc/sys/net/ipv6/icmp/ratemask 2>/dev/null' 2>/dev/null
}

add_host() { # name dut-iface net(=third octet) v6net: a host behind the DUT
	local h=$1 d=$2 net=$3
	ip netns add "$P-$h"
	nsip "$h" link set lo up
	nsip "$h" link add "$h" type veth peer name "$d" netns "$P-d"
	nsx "$h" ethtool -K "$h" gro on >/dev/null
	nsip "$h" link set "$h" up
	nsip d link set "$d" up
	quiet_icmp "$h"
	HOSTS="$HOSTS $h"
}

# Router: hosts h0..hK-1 on 10.80+i.0.0/24, DUT .1, host .2
scenario_router() {
	local k=$((2 + RANDOM % 3)) i
	for i in $(seq 0 $((k - 1))); do
		add_host h$i d$i $i
		nsip d addr add 10.$((80 + i)).0.1/24 dev d$i
		nsip d addr add fd8$i::1/64 dev d$i nodad
		nsip h$i addr add 10.$((80 + i)).0.2/24 dev h$i
		nsip h$i addr add fd8$i::2/64 dev h$i nodad
		nsip h$i route add default via 10.$((80 + i)).0.1
		nsip h$i -6 route add default via fd8$i::1
		SRC4[$i]=10.$((80 + i)).0.2 SRC6[$i]=fd8$i::2 DMAC[$i]=$(mac_of d d$i)
		LOCAL4="$LOCAL4 10.$((80 + i)).0.1 10.$((80 + i)).0.255" LOCAL6="$LOCAL6 fd8$i::1"
		DST4="$DST4 10.$((80 + i)).0.2 10.$((80 + i)).0.1"
		DST6="$DST6 fd8$i::2 fd8$i::1"
	done
	nsx d sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward; echo 1 > /proc/sys/net/ipv6/conf/all/forwarding'
	for i in 0 1 2; do
		nsip d route add 10.9$i.0.0/24 via 10.$((80 + RANDOM % k)).0.2
		nsip d -6 route add fd9$i::/64 via fd8$((RANDOM % k))::2
		DST4="$DST4 10.9$i.0.9" DST6="$DST6 fd9$i::9"
	done
	# Not generated: destinations with an unreachable route or no route.
	# Linux answers them from ip_error(), whose per-source token bucket
	# (5 at once, 1 a second, no sysctl) makes the count depend on timing;
	# tests/integ/router.sh covers them one packet at a time.
	nsip d route add blackhole 10.88.0.0/24
	DST4="$DST4 10.88.0.9" DST6="$DST6 fd99::9"
	if [ $((RANDOM % 2)) = 0 ] && [ $k -ge 3 ]; then
		nsx d sh -c 'echo 1 > /proc/sys/net/ipv4/fib_multipath_hash_policy'
		nsip d route add 10.87.0.0/24 nexthop via 10.81.0.2 nexthop via 10.82.0.2
		DST4="$DST4 10.87.0.9"
	fi
	if [ $((RANDOM % 2)) = 0 ]; then
		nsip d rule add from 10.80.0.2 to 10.86.0.0/24 table 100
		nsip d route add 10.86.0.0/24 via 10.$((80 + RANDOM % k)).0.2 table 100
		nsip d route add 10.86.0.0/24 via 10.$((80 + RANDOM % k)).0.2
		DST4="$DST4 10.86.0.9"
	fi
	[ $((RANDOM % 2)) = 0 ] && nsip d route add 10.85.0.0/24 via 10.81.0.2 mtu 1000 &&
		DST4="$DST4 10.85.0.9"
	NK=$k
	KIND="router, $k subnets"
	random_firewall ip
}

# Bridge: br0 with hosts h0..hK-1 in 10.70.0.0/24 (gateway .1 on br0);
# sometimes br1 with two more hosts in 10.71.0.0/24, routed by the DUT.
scenario_bridge() {
	local k=$((3 + RANDOM % 3)) two=$((RANDOM % 2)) i br net
	nsip d link add br0 type bridge
	[ $two = 1 ] && nsip d link add br1 type bridge && k=$((k + 2))
	for i in $(seq 0 $((k - 1))); do
		br=br0 net=70
		[ $two = 1 ] && [ $i -ge $((k - 2)) ] && br=br1 net=71
		add_host h$i d$i
		nsip d link set d$i master $br
		nsip h$i addr add 10.$net.0.1$i/24 dev h$i
		nsip h$i addr add fd$net::1$i/64 dev h$i nodad
		nsip h$i route add default via 10.$net.0.1
		nsip h$i -6 route add default via fd$net::1
		SRC4[$i]=10.$net.0.1$i SRC6[$i]=fd$net::1$i
		DST4="$DST4 10.$net.0.1$i" DST6="$DST6 fd$net::1$i"
		HMAC[$i]=$(mac_of h$i h$i)
		BRIDGE[$i]=$br
	done
	for br in br0 br1; do
		[ $br = br1 ] && [ $two = 0 ] && continue
		net=$((70 + ${br#br}))
		nsip d link set $br up
		nsip d addr add 10.$net.0.1/24 dev $br
		nsip d addr add fd$net::1/64 dev $br nodad
		GW[$net]=$(mac_of d $br)
		LOCAL4="$LOCAL4 10.$net.0.1 10.$net.0.255" LOCAL6="$LOCAL6 fd$net::1"
		DST4="$DST4 10.$net.0.1" DST6="$DST6 fd$net::1"
	done
	nsx d sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward; echo 1 > /proc/sys/net/ipv6/conf/all/forwarding'
	for i in $(seq 0 $((k - 1))); do
		net=70
		[ "${BRIDGE[$i]}" = br1 ] && net=71
		DMAC[$i]=${GW[$net]}
	done
	NK=$k
	KIND="bridge, $k ports$([ $two = 1 ] && echo ', two bridges routed')"
	local fam
	pick fam ip bridge
	random_firewall "$fam"
}

# Sometimes a firewall: an nft forward chain dropping part of the traffic
# (ip family: routed, and bridged through br_netfilter; bridge family), or
# for routers a random ruleset (several rules, sets, ranges, a user chain,
# conntrack state, policy) in an ip or inet table, or iptables-nft rules:
# the fast path's firewall must give Linux's outcome for every packet.
random_firewall() { # family
	if [ "$GEN_FW" = 1 ]; then
		if [ "$1" = bridge ]; then random_bridge_ruleset; else random_ruleset; fi
		return
	fi
	[ $((RANDOM % 3)) = 0 ] || return 0
	local rule
	if [ "$1" = bridge ]; then
		# Not "ether type ip6 drop": it fails the hosts' neighbour
		# discovery, whose retries make ICMP error counts timing-dependent.
		pick rule "udp dport 5001 drop" "ip protocol icmp drop" "ip6 nexthdr udp drop"
	elif [ $((RANDOM % 2)) = 0 ]; then
		random_ruleset
		return
	else
		pick rule "udp dport 5001 drop" "ip daddr 10.90.0.0/24 drop" "tcp dport 9 drop" "icmp type echo-request drop"
	fi
	nsx d nft -f - <<NFT
table $1 gen {
	chain fw { type filter hook forward priority 0; policy accept; $rule; }
}
NFT
	KIND_FW=", nft $1 forward: $rule"
}

random_ruleset() {
	local fam rules="" n=$((1 + RANDOM % 6)) policy r s4 s6
	s4=${SRC4[RANDOM % NK]}
	s6=${SRC6[RANDOM % NK]}
	if [ $((RANDOM % 4)) = 0 ]; then
		# iptables-nft: xt matches (conntrack, multiport) and native ones
		for _ in $(seq $n); do
			pick r "-p udp --dport 5001 -j DROP" "-s $s4 -p udp -j DROP" \
				"-p tcp -m multiport --dports 9,5001 -j DROP" \
				"-m conntrack --ctstate INVALID -j DROP" \
				"-m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT" \
				"-p udp --dport 1000:1500 -j REJECT" "-p tcp --tcp-flags SYN,ACK ACK -j ACCEPT" \
				"-d 10.90.0.0/24 -j DROP" "-p icmp --icmp-type echo-request -j DROP" \
				"-m addrtype --dst-type LOCAL -j DROP" "-p udp --dport 9 -m addrtype --src-type UNICAST -j DROP" \
				"-p udp -m conntrack --ctstatus ASSURED -j ACCEPT" "-m conntrack --ctstatus SEEN_REPLY -p tcp -j ACCEPT" \
				"-p udp --dport 9 -m physdev --physdev-is-bridged -j DROP" "-m physdev ! --physdev-is-in -p udp --dport 5001 -j DROP" \
				"-p udp --dport 9 -j MARK --set-xmark 0x10/0x10" "-m mark --mark 0x10/0x10 -p udp --dport 5001 -j DROP"
			# shellcheck disable=SC2086
			nsx d iptables -A FORWARD $r
			rules="$rules $r;"
		done
		pick policy ACCEPT ACCEPT DROP
		nsx d iptables -P FORWARD "$policy"
		KIND_FW=", iptables-nft FORWARD policy $policy:$rules"
		return
	fi
	pick fam ip inet
	for _ in $(seq $n); do
		pick r "udp dport 5001 drop" "ip daddr 10.90.0.0/24 drop" "tcp dport 9 counter drop" \
			"icmp type echo-request drop" "udp dport 1000-1500 drop" "tcp dport { 9, 5001 } drop" \
			"meta l4proto udp udp dport != 9 counter" "ip saddr $s4 udp dport 9 drop" \
			"ip saddr @blk drop" "ct state established,related accept" "ct state invalid drop" \
			"jump sub" "udp sport 1000 accept" "udp dport vmap { 9 : accept, 5001 : drop }" \
			"tcp flags & (syn | ack) == ack accept" "meta mark 0 udp dport 9 counter" \
			"udp dport 5001 limit rate 1000000/second counter" "tcp dport 9 meta mark set 7" \
			"ct status dnat accept" "ct status assured udp dport 9 counter" "fib daddr type local drop" \
			"fib daddr . oif type unicast udp dport 9 counter" "meta iiftype ether udp dport 5001 drop" \
			"meta oiftype loopback drop" "udp dport 5001 meta mark set meta mark | 0x10" \
			"meta mark & 0x10 == 0x10 udp dport 9 drop"
		[ "$fam" = inet ] && [ $((RANDOM % 4)) = 0 ] && r="ip6 saddr $s6 udp dport 9 drop"
		rules="$rules $r;"
	done
	# The other hooks: filter chains on prerouting and postrouting (each
	# sees its own devices).
	local pre="" post="" nat="" d
	if [ $((RANDOM % 2)) = 0 ]; then
		for _ in $(seq $((RANDOM % 3))); do
			d=d$((RANDOM % NK))
			pick r "udp dport 5001 drop" "tcp dport 9 counter drop" "oifname $d drop" \
				"iifname $d udp dport 9 drop" "udp dport 9 limit rate 1000000/second counter" \
				"meta mark != 0 drop"
			pre="$pre $r;"
			pick r "oifname $d udp dport 9 drop" "udp dport 5001 counter" "tcp dport 9 drop" \
				"meta l4proto udp oifname != $d counter" "meta mark 7 udp dport 9 drop"
			post="$post $r;"
		done
	fi
	# NAT: a masquerade, a SNAT to another host's address, a DNAT of one
	# host's port 9 to another host (the nat chains see first packets)
	local ip="" natpre=""
	[ "$fam" = inet ] && ip="ip " # inet: the address family of the target
	case $((RANDOM % 6)) in
	0) nat="oifname d$((RANDOM % NK)) meta l4proto udp masquerade;" ;;
	1) nat="oifname d$((RANDOM % NK)) meta l4proto udp snat ${ip}to ${SRC4[RANDOM % NK]};" ;;
	esac
	[ $((RANDOM % 4)) = 0 ] &&
		natpre="ip daddr ${SRC4[RANDOM % NK]} udp dport 9 dnat ${ip}to ${SRC4[RANDOM % NK]};"
	KIND_PRE="${pre:+, prerouting:$pre}${post:+, postrouting:$post}${nat:+, nat:$nat}${natpre:+, dnat:$natpre}"
	pick policy accept accept drop
	# Bridged: hosts' neighbour discovery passes the inet rules through
	# br_netfilter; dropping it makes their answers timing-dependent.
	[ -n "${HMAC[0]:-}" ] && [ "$fam" = inet ] &&
		rules=" icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept;$rules"
	nsx d nft -f - <<NFT
table $fam gen {
	set blk { type ipv4_addr; flags interval; elements = { $s4, 10.90.0.0/25 }; }
	chain sub { udp dport 9 return; ip daddr 10.90.0.0/24 drop; }
	chain fw { type filter hook forward priority 0; policy $policy; $rules }
	chain pre { type filter hook prerouting priority -150; $pre }
	chain post { type filter hook postrouting priority 0; $post }
	chain natp { type nat hook postrouting priority 100; $nat }
	chain natq { type nat hook prerouting priority -100; $natpre }
}
NFT
	KIND_FW=", nft $fam forward policy $policy:$rules$KIND_PRE"
}

# Bridge family: ports, MACs, IP and TCP/UDP headers (never ARP or
# neighbour discovery: see random_firewall).
random_bridge_ruleset() {
	local rules="" n=$((1 + RANDOM % 6)) r s4 m d
	for _ in $(seq $n); do
		s4=${SRC4[RANDOM % NK]}
		m=${HMAC[RANDOM % NK]}
		d=d$((RANDOM % NK))
		pick r "udp dport 5001 drop" "ip saddr $s4 udp dport 9 drop" \
			"ether saddr $m meta l4proto udp drop" "ether daddr $m tcp dport 9 counter drop" \
			"iifname $d udp dport 9 drop" "oifname $d meta l4proto tcp drop" \
			"ip6 nexthdr udp udp dport 9 drop" "tcp flags & (syn | ack) == ack accept" \
			"meta pkttype host drop" "udp dport 1000-1500 counter accept" \
			"meta l4proto udp counter drop"
		rules="$rules $r;"
	done
	nsx d nft -f - <<NFT
table bridge gen {
	chain fw { type filter hook forward priority 0; policy accept; $rules }
}
NFT
	KIND_FW=", nft bridge forward:$rules"
}

# One line per packet, per sending host: "DMAC pktio-options"
make_packets() {
	local i n=0 dmac src dst v6 proto line cnt port v
	for i in $(seq 0 $((NK - 1))); do : >"$T/pk.$i"; done
	SENT=0
	while [ $n -lt "$LINES" ]; do
		i=$((RANDOM % NK))
		v6=$((RANDOM % 4 == 0))
		dmac=${DMAC[$i]}
		if [ -n "${HMAC[0]:-}" ] && [ $((RANDOM % 3)) = 0 ]; then # bridged, unknown or broadcast
			pick dmac "${HMAC[RANDOM % NK]}" "${HMAC[RANDOM % NK]}" 02:00:00:00:99:99 ff:ff:ff:ff:ff:ff
		fi
		if [ $((RANDOM % 25)) = 0 ]; then
			# ARP from a sender in 10.99.0.0/16 (never a real host's
			# address: no poisoning): requests, broadcast or unicast,
			# for the DUT, hosts or nobody, and unsolicited replies;
			# captures keep ARP naming 10.99/16 (pktio: control()).
			pick v request request reply
			# shellcheck disable=SC2086
			pick dst $DST4 10.99.200.1
			[ $v = request ] && [ $((RANDOM % 2)) = 0 ] && dmac=ff:ff:ff:ff:ff:ff
			echo "$dmac --arp $v --src 10.99.$i.$((1 + RANDOM % 250)) --dst $dst" >>"$T/pk.$i"
			SENT=$((SENT + 1))
			n=$((n + 1))
			continue
		fi
		# Now and then a source that is the DUT's own (or a broadcast)
		# address: Linux calls it martian, the fast path must agree.
		if [ $v6 = 1 ]; then
			src=${SRC6[$i]}
			# shellcheck disable=SC2086
			[ $((RANDOM % 16)) = 0 ] && pick src $LOCAL6
			# shellcheck disable=SC2086
			pick dst $DST6
			line="$dmac --v6 --src $src --dst $dst"
		else
			src=${SRC4[$i]}
			# shellcheck disable=SC2086
			[ $((RANDOM % 16)) = 0 ] && pick src $LOCAL4
			# shellcheck disable=SC2086
			pick dst $DST4
			line="$dmac --src $src --dst $dst"
		fi
		pick proto udp udp tcp icmp
		cnt=$((1 + RANDOM % 4))
		SENT=$((SENT + cnt))
		pick port 9 9 5001 $((RANDOM % 2000 + 1))
		line="$line --proto $proto --count $cnt --flows 3 --dport $port"
		[ $proto = icmp ] && line="$line --icmp-type 8"
		pick v 0 18 100 $((RANDOM % 600)) 1200
		line="$line --payload $v"
		pick v 1 2
		[ $((RANDOM % 10)) = 0 ] && line="$line --ttl $v"
		[ $((RANDOM % 8)) = 0 ] && line="$line --df"
		[ $v6 = 0 ] && [ $((RANDOM % 8)) = 0 ] && line="$line --pad $((RANDOM % 20))"
		# malformed and unusual: VLAN tag type, bad checksum, options,
		# fragments, truncated
		if [ $((RANDOM % 10)) = 0 ]; then
			case $((RANDOM % 5)) in
			0) pick v 8100 88a8 0806 86dd 0800; line="$line --ethertype $v" ;;
			1) [ $v6 = 0 ] && line="$line --bad-csum" ;;
			2) [ $v6 = 0 ] && line="$line --ip-options" ;;
			3) pick v 0 1 185; [ $v6 = 0 ] && line="$line --frag-offset $v" ;;
			4) line="$line --truncate $((1 + RANDOM % 10))" ;;
			esac
		fi
		echo "$line" >>"$T/pk.$i"
		n=$((n + 1))
	done
}

# Send every host's list with captures on every host; frames per host,
# sorted, as a wire carries them (--wire): a host's own answers (a TCP
# reset) leave its stack with the checksum to be completed, which Linux
# forwards still partial into the receiving veth and the fast path
# completes.
run_phase() { # phase
	local i
	rm -f "$T"/cap.*
	for i in $(seq 0 $((NK - 1))); do
		capture h$i h$i "$T/cap.$i" --seconds 3 --no-control --norm-id --wire
	done
	for pass in $(seq $((1 + GEN_FW))); do
		for i in $(seq 0 $((NK - 1))); do
			nsx h$i "$PKTIO" send-file h$i "$T/pk.$i"
		done
	done
	capture_wait
	for i in $(seq 0 $((NK - 1))); do sort "$T/cap.$i" >"$T/$1.$i"; done
}

fast_total() { status_json | jq '[.interfaces[].counters.fast_path.packets // 0] | add'; }

run_seed() {
	local seed=$1 i same=1 got=0 fp
	RANDOM=$seed
	HOSTS= DST4= DST6= KIND_FW= LOCAL4= LOCAL6=
	unset SRC4 SRC6 DMAC HMAC BRIDGE GW
	declare -ga SRC4 SRC6 DMAC HMAC BRIDGE GW
	ip netns add "$P-d"
	nsip d link set lo up
	quiet_icmp d
	# Redirects have their own per-peer budget (9, then silence): with
	# every list sent twice, how many go out would depend on timing.
	[ "$GEN_FW" = 1 ] && nsx d sh -c 'echo 0 > /proc/sys/net/ipv4/conf/all/send_redirects; echo 0 > /proc/sys/net/ipv4/conf/default/send_redirects'
	if [ "$GEN_FW" = 1 ]; then
		if [ $((seed % 3)) = 2 ]; then scenario_bridge; else scenario_router; fi
	elif [ $((seed % 2)) = 0 ]; then
		scenario_router
	else
		scenario_bridge
	fi
	make_packets
	run_phase warm # neighbours resolved, stations learned
	run_phase linux
	tna_start d
	wait_for 10 sh -c "[ \"\$(ip netns exec $P-d $CLI status --json | jq '[.interfaces[] | select(.attached)] | length')\" -ge 2 ]"
	run_phase tna
	fp=$(fast_total)
	for i in $(seq 0 $((NK - 1))); do
		got=$((got + $(lines "$T/linux.$i")))
		if ! cmp -s "$T/linux.$i" "$T/tna.$i"; then
			same=0
			echo "    h$i: $(lines "$T/linux.$i") frames with Linux alone, $(lines "$T/tna.$i") with tna; first differences:"
			diff "$T/linux.$i" "$T/tna.$i" | grep '^[<>]' | head -4 | cut -c1-160 | sed 's/^/      /'
		fi
	done
	TOTAL=$((TOTAL + SENT * (1 + GEN_FW)))
	if [ $same = 1 ] && tna_stop; then
		pass "seed $seed ($KIND$KIND_FW): $SENT packets sent, $got frames received, identical; fast path carried $fp"
	else
		tna_stop
		DIVERGED=$((DIVERGED + 1))
		fail "seed $seed ($KIND$KIND_FW) diverged; re-run: GEN_FW=$GEN_FW tests/integ/gen.sh $seed 1 $LINES"
	fi
	for h in $HOSTS d; do ip netns del "$P-$h"; done
}

if [ -n "${GEN_SOAK_SECONDS:-}" ]; then
	# soak: new seeds from FIRST_SEED on until the time is up
	end=$((SECONDS + GEN_SOAK_SECONDS))
	NR=0
	while [ $SECONDS -lt $end ]; do
		run_seed $((FIRST + NR))
		NR=$((NR + 1))
	done
else
	for seed in $(seq "$FIRST" $((FIRST + NR - 1))); do
		run_seed "$seed"
	done
fi
check "generated scenarios: $NR scenarios, $TOTAL packets, $DIVERGED divergent" test "$DIVERGED" = 0 -a "$NR" -gt 0
exit $FAILED
