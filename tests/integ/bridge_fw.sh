#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The firewall on bridged traffic, with real connections through a bridge:
#   h1 --- p1 [br0] p2 --- h2
#              p3 --- h3
# A bridge-family ruleset (ports, MACs, IP and TCP/UDP headers) and, through
# br_netfilter, stateful inet and iptables-nft rulesets give the same
# delivered and blocked connections with Linux alone and with tna, while
# the fast path carries the accepted flows; br_netfilter switched off takes
# the ip rules off bridged traffic, in both; a rule inserted under traffic
# is enforced at once; a bridge prerouting chain hands bridging to Linux,
# with the reason in tna status.
# The hosts compute their own TCP/UDP checksums (tx offload off), as
# traffic arriving from a NIC has them.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh

for ns in s h1 h2 h3; do ip netns add "$P-$ns" && nsip $ns link set lo up; done
nsip s link add br0 type bridge
for i in 1 2 3; do
	nsip h$i link add h$i type veth peer name p$i netns "$P-s"
	nsip h$i addr add 10.30.0.1$i/24 dev h$i
	nsip h$i addr add fd30::1$i/64 dev h$i nodad
	nsip h$i link set h$i up
	nsx h$i ethtool -K h$i gro on tx off >/dev/null
	nsip s link set p$i master br0
	nsip s link set p$i up
done
nsip s link set br0 up
M3=$(mac_of h3 h3)
brnf() { nsx s sh -c "echo $1 > /proc/sys/net/bridge/bridge-nf-call-iptables; echo $1 > /proc/sys/net/bridge/bridge-nf-call-ip6tables"; }
brnf 1 # Debian's default once br_netfilter is loaded
# Stations resolve each other (Linux learns where they are).
for i in 1 2 3; do
	for j in 1 2 3; do
		[ $i = $j ] || nsx h$i ping -c1 -W1 10.30.0.1$j >/dev/null 2>&1
	done
done

fw_q() { status_json | jq -r ".firewall.$1"; }
bridged() { status_json | jq '[.interfaces[].counters.fast_path.bridged // 0] | add'; }

# stream SRC-HOST DST-ADDR PORT BYTES: bytes the sink got ("0" if blocked)
stream() {
	local dh
	case $2 in *12) dh=h2 ;; *13) dh=h3 ;; *) dh=h1 ;; esac
	tcp_stream "$1" $dh "$2" "$3" "$4"
}

ruleset_bridge() {
	nsx s nft -f - <<NFT
table bridge filter {
	chain forward {
		type filter hook forward priority 0; policy accept;
		ether saddr $M3 ip daddr 10.30.0.12 tcp dport 5001 drop
		iifname "p1" tcp dport 5003 drop
		meta pkttype host drop
		ip daddr 10.30.0.12 tcp dport 5001 counter
		ip6 nexthdr tcp tcp dport 5004 drop
	}
}
NFT
}

ruleset_nft() {
	nsx s nft -f - <<'NFT'
table inet filter {
	chain forward {
		type filter hook forward priority 0; policy drop;
		ct state established,related counter accept
		ct state invalid drop
		meta l4proto { icmp, ipv6-icmp } accept
		iifname "br0" oifname "br0" ip saddr 10.30.0.13 drop
		tcp dport { 5001, 6001 } accept
	}
}
NFT
}

ruleset_iptables() {
	nsx s sh -e -c '
	iptables -P FORWARD DROP
	iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	iptables -A FORWARD -m conntrack --ctstate INVALID -j DROP
	iptables -A FORWARD -p icmp -j ACCEPT
	iptables -A FORWARD -s 10.30.0.13 -j DROP
	iptables -A FORWARD -p tcp -m multiport --dports 5001,6001 -j ACCEPT
	ip6tables -P FORWARD DROP
	ip6tables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	ip6tables -A FORWARD -p ipv6-icmp -j ACCEPT
	ip6tables -A FORWARD -p tcp --dport 5001 -j ACCEPT'
}

# Connections: "src dst port bytes"; what each ruleset lets through is
# Linux's to say, the fast path must agree.
CONNS=(
	"h1 10.30.0.12 5001 20000000"
	"h1 10.30.0.12 6001 3000000"
	"h1 10.30.0.12 5003 100000"
	"h3 10.30.0.12 5001 100000"
	"h1 fd30::12 5001 10000000"
	"h1 fd30::12 5004 100000"
)

outcomes() { # phase: one line per connection
	for c in "${CONNS[@]}"; do
		read -r src dst port bytes <<<"$c"
		echo "$(stream "$src" "$dst" "$port" "$bytes")"
	done >"$T/$1"
}

same_outcomes() {
	if ! cmp -s "$T/linux" "$T/tna"; then
		paste <(printf '%s\n' "${CONNS[@]}") "$T/linux" "$T/tna" | sed 's/^/    connection, Linux, tna: /'
		return 1
	fi
}

# Bytes per connection Linux alone delivered, as one line: "all" or "none" each.
shape() {
	local i=0 out=""
	for c in "${CONNS[@]}"; do
		read -r _ _ _ bytes <<<"$c"
		i=$((i + 1))
		got=$(sed -n "${i}p" "$T/linux")
		if [ "$got" = "$bytes" ]; then out="$out all"; elif [ "$got" = 0 ]; then out="$out none"; else out="$out $got"; fi
	done
	echo "${out# }"
}

counter_rule() { # chain-spec pattern: the rule's line with packets and handle
	nsx s nft -a list chain $1 2>/dev/null | grep -m1 -E "$2"
}
rule_bytes() { counter_rule "$1" "$2" | sed -n 's/.*bytes \([0-9]*\).*/\1/p'; }
rule_handle() { counter_rule "$1" "$2" | sed -n 's/.*# handle \([0-9]*\).*/\1/p'; }
rule_q() { # chain-spec pattern jq-field: tna status' view of that rule's counter
	status_json | jq -r --arg r "$1 handle $(rule_handle "$1" "$2")" \
		'.firewall.rule_counters[] | select(.rule == $r) | '"$3"
}

# ruleset name, expected shape with Linux alone, chain and rule whose
# counter is compared, the family's tna status note
RULESETS=(
	"bridge|all all none none all none|bridge filter forward|tcp dport 5001 counter|bridge"
	"nft|all all none none all none|inet filter forward|ct state (related,)?established|ipv4"
	"iptables|all all none none all none|ip filter FORWARD|ct state (related,)?established|ipv4"
)
for spec in "${RULESETS[@]}"; do
	IFS='|' read -r rs want chain pat fam <<<"$spec"
	nsx s nft flush ruleset
	ruleset_$rs
	outcomes linux
	lin=$(rule_bytes "$chain" "$pat")
	check "$rs: Linux alone delivers and blocks as the ruleset says ($(shape))" [ "$(shape)" = "$want" ]
	tna_start s
	wait_for 10 attached p1
	b0=$(bridged)
	outcomes tna
	b1=$(bridged)
	check "$rs: same connections delivered and blocked with tna as with Linux alone" same_outcomes
	check "$rs: accepted bridged flows carried by the fast path ($((b1 - b0)) packets)" [ $((b1 - b0)) -gt 10000 ]
	# Bytes, not packets: the payload is fixed, the packet count moves
	# with GRO and delayed ACKs from run to run.
	fp=$(rule_q "$chain" "$pat" .fast_path_packets)
	fpb=$(rule_q "$chain" "$pat" .fast_path_bytes)
	tot=$(($(rule_q "$chain" "$pat" .bytes) - lin))
	check "$rs: rule counter ($pat): Linux + fast path counted $tot bytes ($fpb in $fp packets by the fast path) for traffic Linux alone counted $lin bytes" \
		[ "${fp:-0}" -gt 5000 -a "$tot" -ge $((lin * 15 / 16)) -a "$tot" -le $((lin * 16 / 15)) ]
	note=$(fw_q "$fam")
	check "$rs: tna status: $fam firewall $note" grep -q 'in the fast path' <<<"$note"
	tna_stop || fail "$rs: daemon exit status"
done

# br_netfilter off: the ip rules no longer see bridged frames, in Linux
# alone and in the fast path alike (the inet ruleset would block h3).
brnf 0
want=$(stream h3 10.30.0.12 5001 2000000)
tna_start s
wait_for 10 attached p1
b0=$(bridged)
got=$(stream h3 10.30.0.12 5001 2000000)
b1=$(bridged)
check "br_netfilter off: ip rules skip bridged frames (Linux alone $want bytes, tna $got, fast path $((b1 - b0)) packets)" \
	[ "$want" = 2000000 -a "$got" = 2000000 -a $((b1 - b0)) -gt 500 ]
tna_stop || fail "br_netfilter off: daemon exit status"
brnf 1

# A bridge-family rule inserted under fast-path traffic is enforced at
# once: nothing arrives after nft has returned.
nsx s nft flush ruleset
ruleset_bridge
tna_start s
wait_for 10 attached p1
rule_under_traffic "bridge rule" s h2 10.30.0.12 bridged insert rule bridge filter forward udp dport 5002 drop

# A bridge prerouting chain is not modelled: bridging goes to Linux, which
# still decides, with the reason in tna status.
nsx s nft add chain bridge filter pre '{ type filter hook prerouting priority 0; }'
wait_for 5 sh -c "ip netns exec $P-s $CLI status --json | jq -r .firewall.bridge | grep -q prerouting"
note=$(fw_q bridge)
check "bridge prerouting chain: bridging to Linux, reason in tna status ($note)" grep -q "to Linux.*hook prerouting" <<<"$note"
b0=$(bridged)
got=$(stream h1 10.30.0.12 6001 1000000)
b1=$(bridged)
check "bridge prerouting chain: connections as Linux decides ($got bytes), none on the fast path ($((b1 - b0)))" \
	[ "$got" = 1000000 -a $((b1 - b0)) = 0 ]
tna_stop || fail "daemon exit status"
exit $FAILED
