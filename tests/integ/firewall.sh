#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The firewall in the fast path, on a router in namespaces with real
# sockets: each ruleset (nft, iptables-nft) gives the same delivered and
# blocked connections with Linux alone and with tna, established flows are
# carried by the fast path, conntrack keeps them alive, a rule added under
# traffic is enforced at once, and what cannot be modelled goes to Linux
# with the reason in tna status.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh

router_topology
# The hosts leave TCP/UDP checksums to offload (veth default: tx on), as
# containers do: the fast path completes them (CHECKSUM_PARTIAL).

fw_q() { status_json | jq -r ".firewall.$1"; }
routed() { status_json | jq '[.interfaces[].counters.fast_path.routed // 0] | add'; }

# stream SRC-HOST DST-ADDR PORT BYTES: bytes the sink got ("0" if blocked)
stream() {
	local dh
	case $2 in 10.20.2.* | fd20:2:*) dh=h2 ;; *) dh=h3 ;; esac
	tcp_stream "$1" $dh "$2" "$3" "$4"
}

ruleset_nft() {
	nsx r nft -f - <<'NFT'
table inet filter {
	set blocked { type ipv4_addr; flags interval; elements = { 10.20.3.0/24 }; }
	chain forward {
		type filter hook forward priority 0; policy drop;
		ct state established,related counter accept
		ct state invalid drop
		ip saddr @blocked drop
		tcp dport { 5001, 6001 } counter accept
		meta l4proto udp udp dport 5002 accept
	}
}
NFT
}

ruleset_iptables() {
	nsx r sh -e -c '
	iptables -P FORWARD DROP
	iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	iptables -A FORWARD -m conntrack --ctstate INVALID -j DROP
	iptables -A FORWARD -s 10.20.3.0/24 -j DROP
	iptables -A FORWARD -p tcp -m multiport --dports 5001,6001 -j ACCEPT
	iptables -A FORWARD -p udp --dport 5002 -j ACCEPT
	ip6tables -P FORWARD DROP
	ip6tables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	ip6tables -A FORWARD -p tcp --dport 5001 -j ACCEPT'
}

# Connections: "src dst port bytes expect" (expect: all or none)
CONNS=(
	"h1 10.20.2.2 5001 20000000 all"
	"h1 10.20.2.2 6001 3000000 all"
	"h1 10.20.2.2 5003 100000 none"
	"h3 10.20.2.2 5001 100000 none"
	"h1 fd20:2::2 5001 10000000 all"
)

outcomes() { # phase: one line per connection
	for c in "${CONNS[@]}"; do
		read -r src dst port bytes _ <<<"$c"
		echo "$(stream "$src" "$dst" "$port" "$bytes")"
	done >"$T/$1"
}

check_outcomes() { # name
	local i=0 ok=1 got want
	for c in "${CONNS[@]}"; do
		read -r _ _ _ bytes expect <<<"$c"
		i=$((i + 1))
		got=$(sed -n "${i}p" "$T/tna")
		want=$(sed -n "${i}p" "$T/linux")
		if [ "$got" != "$want" ] || { [ "$expect" = all ] && [ "$got" != "$bytes" ]; } ||
			{ [ "$expect" = none ] && [ "$got" != 0 ]; }; then
			echo "    connection $c: Linux $want bytes, tna $got"
			ok=0
		fi
	done
	[ $ok = 1 ]
}

# The established-traffic rule: nft "ct state established,related", the
# iptables conntrack ESTABLISHED,RELATED rule (nft shows it the same way)
est_rule() { nsx r nft -a list chain $EST_CHAIN | grep -m1 -E 'ct state (related,)?established'; }
est_bytes() { est_rule | sed -n 's/.*bytes \([0-9]*\).*/\1/p'; }
est_handle() { est_rule | sed -n 's/.*# handle \([0-9]*\).*/\1/p'; }
rule_q() { status_json | jq -r --arg r "$EST_CHAIN handle $(est_handle)" '.firewall.rule_counters[] | select(.rule == $r) | '"$1"; }

for rs in nft iptables; do
	nsx r nft flush ruleset
	ruleset_$rs
	if [ $rs = nft ]; then EST_CHAIN="inet filter forward"; else EST_CHAIN="ip filter FORWARD"; fi
	outcomes linux
	lin=$(est_bytes)
	tna_start r
	wait_for 10 attached r0
	r0=$(routed)
	outcomes tna
	r1=$(routed)
	check "$rs stateful ruleset: same connections delivered and blocked as Linux alone" check_outcomes
	check "$rs: established flows carried by the fast path ($((r1 - r0)) packets)" [ $((r1 - r0)) -gt 10000 ]
	# Same traffic again: Linux's counter grew by what Linux saw, the fast
	# path's by what it carried; together about what Linux alone counted.
	# Bytes, not packets: the payload is fixed, while the packet count
	# moves with GRO and delayed ACKs from run to run.
	fp=$(rule_q .fast_path_packets)
	fpb=$(rule_q .fast_path_bytes)
	tot=$(($(rule_q .bytes) - lin))
	check "$rs: rule counter (established): Linux + fast path counted $tot bytes ($fpb in $fp packets by the fast path) for the traffic Linux alone counted $lin bytes" \
		[ "${fp:-0}" -gt 10000 -a "$tot" -ge $((lin * 15 / 16)) -a "$tot" -le $((lin * 16 / 15)) ]
	check "$rs: verdicts from the ruleset ($(fw_q flows_accepted) flows accepted, window tracking off on $(fw_q conntrack_window_tracking_off))" \
		[ "$(fw_q flows_accepted)" -ge 3 ]
	note=$(fw_q ipv4)
	check "$rs: tna status: IPv4 firewall $note" grep -q 'in the fast path' <<<"$note"
	tna_stop || fail "$rs: daemon exit status"
done

# Conntrack sees nothing of what the fast path carries: tna refreshes the
# entry's timeout as Linux would, so a short established timeout never
# expires under a long fast-path flow.
nsx r nft flush ruleset
ruleset_nft
nsx r sh -c 'echo 2 > /proc/sys/net/netfilter/nf_conntrack_udp_timeout_stream'
tna_start r
wait_for 10 attached r0
nsx h2 "$PKTIO" udp-echo 10.20.2.2 5002 10 >"$T/echo" &
EPID=$!
nsx h1 "$PKTIO" udp-ping 10.20.2.2 5002 70 100 >"$T/ping" &
PPID_=$!
sleep 5
ct_line=$(nsx r grep 'dport=5002' /proc/net/nf_conntrack | head -1)
ct_left=$(awk '{print $5}' <<<"$ct_line")
r0=$(routed)
sleep 1
r1=$(routed)
wait $PPID_
wait $EPID
check "udp flow carried by the fast path after conntrack assured it ($((r1 - r0)) packets in 1 s)" [ $((r1 - r0)) -ge 10 ]
check "conntrack timeout refreshed by the fast path (entry alive at 5 s with ${ct_left:-none} s left of 2 s)" \
	sh -c "[ -n '$ct_left' ] && [ '$ct_left' -ge 1 ] && echo '$ct_line' | grep -q ASSURED"
check "every ping answered ($(cat "$T/ping")/70)" [ "$(cat "$T/ping")" -ge 69 ]

# UDP before conntrack assures it: once the reply is seen, the fast path
# carries the flow in its first 2 s as Linux would treat it (refresh to
# nf_conntrack_udp_timeout, not assured), and leaves the first packet
# after those 2 s to Linux, which assures the entry (stream timeout).
nsx r sh -c 'echo 120 > /proc/sys/net/netfilter/nf_conntrack_udp_timeout_stream
	echo 7 > /proc/sys/net/netfilter/nf_conntrack_udp_timeout'
sleep 3 # the stream above expires (2 s)
nsx h2 "$PKTIO" udp-echo 10.20.2.2 5002 6 >"$T/echo" &
EPID=$!
sleep 0.2
nsx h1 "$PKTIO" udp-ping 10.20.2.2 5002 40 100 >"$T/ping" &
PPID_=$!
sleep 0.4
r0=$(routed)
sleep 1
r1=$(routed)
ct_early=$(nsx r grep 'dport=5002' /proc/net/nf_conntrack | head -1)
sleep 2.4
ct_late=$(nsx r grep 'dport=5002' /proc/net/nf_conntrack | head -1)
wait $PPID_
wait $EPID
left=$(awk '{print $5}' <<<"$ct_early")
check "udp in its first 2 s: carried by the fast path once the reply was seen ($((r1 - r0)) packets in 1 s)" [ $((r1 - r0)) -ge 8 ]
check "udp in its first 2 s: not assured, refreshed to nf_conntrack_udp_timeout (${left:-none} s left of 7: $ct_early)" \
	sh -c "[ -n '$left' ] && [ '$left' -ge 5 ] && [ '$left' -le 7 ] && ! echo '$ct_early' | grep -q ASSURED"
left=$(awk '{print $5}' <<<"$ct_late")
check "udp after 2 s: Linux assured it, stream timeout (${left:-none} s left of 120)" \
	sh -c "[ -n '$left' ] && [ '$left' -ge 100 ] && echo '$ct_late' | grep -q ASSURED"
check "every ping answered ($(cat "$T/ping")/40)" [ "$(cat "$T/ping")" -ge 39 ]

# A rule added under traffic is enforced at once: nothing arrives after
# nft has returned.
rule_under_traffic "rule" r h2 10.20.2.2 routed insert rule inet filter forward udp dport 5002 drop

# An expression tna does not model (log) sends to Linux only the flows
# whose evaluation reaches it, with the reason in tna status; the others
# stay on the fast path.
nsx r nft insert rule inet filter forward tcp dport 6001 log prefix x
nsx r nft insert rule inet filter forward tcp sport 6001 log prefix x
r0=$(routed)
got=$(stream h1 10.20.2.2 6001 3000000)
r1=$(routed)
got2=$(stream h1 10.20.2.2 5001 3000000)
r2=$(routed)
check "log rule reached by port 6001: delivered as Linux decides ($got bytes), by Linux ($((r1 - r0)) fast-path packets)" \
	[ "$got" = 3000000 -a $((r1 - r0)) -lt 100 ]
check "log rule not reached by port 5001: delivered ($got2 bytes) on the fast path ($((r2 - r1)) packets)" \
	[ "$got2" = 3000000 -a $((r2 - r1)) -gt 1000 ]
why=$(status_json | jq -r '.firewall.undecidable_reasons[] | "\(.flows) \(.reason)"' | tr '\n' ';')
note=$(fw_q ipv4)
ok=0
grep -q 'in the fast path' <<<"$note" && grep -q "expression 'log'" <<<"$why" && ok=1
check "tna status: the IPv4 firewall stays in the fast path ($note), flows left to Linux and why ($why)" [ $ok = 1 ]
tna_stop || fail "daemon exit status"
exit $FAILED
