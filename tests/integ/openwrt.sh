#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# An OpenWrt router with firewall4's default ruleset (table inet fw4: ct
# state verdict map, lan/wan zones, reject handling, ICMPv6 rules with
# limit, empty raw/mangle hooks, MSS clamping on wan, an FTP helper on lan,
# IPv4 masquerade on wan), in namespaces:
#   l1 --- lan1 [br-lan 192.168.1.1, fd00:1::1] lan2 --- l2
#                wan 10.40.0.1, 2001:db8:40::1 --- w
# no br_netfilter (OpenWrt does not load it). The same connections run
# with Linux alone and with tna: LAN to LAN (bridged), LAN to WAN over
# IPv4 (masqueraded) and IPv6 (routed through the zones), WAN to LAN
# (refused by the zone). Every connection must deliver the same bytes;
# bridged, masqueraded and routed IPv6 TCP must be carried by the fast path
# (at least 90 % of the packets the ingresses see).
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh

for ns in r l1 l2 w; do ip netns add "$P-$ns" && nsip $ns link set lo up; done
nsip r link add br-lan type bridge
for i in 1 2; do
	nsip r link add lan$i type veth peer name eth0 netns "$P-l$i"
	nsip r link set lan$i master br-lan
	nsip r link set lan$i up
	nsip l$i addr add 192.168.1.1$i/24 dev eth0
	nsip l$i addr add fd00:1::1$i/64 dev eth0 nodad
	nsip l$i link set eth0 up
	nsip l$i route add default via 192.168.1.1
	nsip l$i -6 route add default via fd00:1::1
	nsx l$i ethtool -K eth0 gro on >/dev/null # a NIC's GRO
done
nsip r addr add 192.168.1.1/24 dev br-lan
nsip r addr add fd00:1::1/64 dev br-lan nodad
nsip r link set br-lan up
nsip r link add wan type veth peer name eth0 netns "$P-w"
nsip r addr add 10.40.0.1/24 dev wan
nsip r addr add 2001:db8:40::1/64 dev wan nodad
nsip r link set wan up
nsip w addr add 10.40.0.2/24 dev eth0
nsip w addr add 2001:db8:40::2/64 dev eth0 nodad
nsip w link set eth0 up
nsip w -6 route add fd00:1::/64 via 2001:db8:40::1
nsx w ethtool -K eth0 gro on >/dev/null
nsx r sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward; echo 1 > /proc/sys/net/ipv6/conf/all/forwarding
	[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] &&
		echo 0 > /proc/sys/net/bridge/bridge-nf-call-iptables &&
		echo 0 > /proc/sys/net/bridge/bridge-nf-call-ip6tables; true'
nsx r nft -f - <<'NFT'
table inet fw4 {
	ct helper ftp {
		type "ftp" protocol tcp;
	}
	chain input {
		type filter hook input priority filter; policy drop;
		iifname "lo" accept
		ct state vmap { established : accept, related : accept }
		iifname "br-lan" accept
		meta nfproto ipv6 icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit } accept
		jump handle_reject
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state vmap { established : accept, related : accept }
		iifname "br-lan" jump forward_lan
		iifname "wan" jump forward_wan
		jump handle_reject
	}
	chain prerouting {
		type filter hook prerouting priority filter;
		iifname "br-lan" jump helper_lan
	}
	chain handle_reject {
		meta l4proto tcp reject with tcp reset
		reject
	}
	chain forward_lan {
		jump accept_to_wan
		jump accept_to_lan
	}
	chain forward_wan {
		meta nfproto ipv6 icmpv6 type { destination-unreachable, time-exceeded, packet-too-big, parameter-problem } limit rate 1000/second accept
		meta nfproto ipv6 icmpv6 type { echo-request, echo-reply } limit rate 1000/second accept
		ct status dnat accept
		jump reject_to_wan
	}
	chain helper_lan {
		meta l4proto tcp tcp dport 21 ct helper set "ftp"
	}
	chain accept_to_lan {
		oifname "br-lan" accept
	}
	chain accept_to_wan {
		meta nfproto ipv4 oifname "wan" ct state invalid counter drop
		oifname "wan" accept
	}
	chain reject_to_wan {
		oifname "wan" jump handle_reject
	}
	chain dstnat {
		type nat hook prerouting priority dstnat;
	}
	chain srcnat {
		type nat hook postrouting priority srcnat;
		oifname "wan" jump srcnat_wan
	}
	chain srcnat_wan {
		meta nfproto ipv4 masquerade
	}
	chain raw_prerouting {
		type filter hook prerouting priority raw;
	}
	chain mangle_prerouting {
		type filter hook prerouting priority mangle;
	}
	chain mangle_postrouting {
		type filter hook postrouting priority mangle;
	}
	chain mangle_forward {
		type filter hook forward priority mangle;
		iifname "wan" tcp flags syn tcp option maxseg size set rt mtu
		oifname "wan" tcp flags syn tcp option maxseg size set rt mtu
	}
}
NFT
nsx l1 ping -c1 -W1 192.168.1.12 >/dev/null 2>&1
nsx l1 ping -6 -c1 -W1 2001:db8:40::2 >/dev/null 2>&1

outcomes() {
	{
		tcp_stream l1 l2 192.168.1.12 5001 20000000
		tcp_stream l1 w 10.40.0.2 5002 3000000
		tcp_stream l1 w 2001:db8:40::2 5003 20000000
		tcp_stream w l1 fd00:1::11 5004 100000 # refused by the wan zone
	} >"$T/$1"
}
outcomes linux
tna_start r
wait_for 10 attached lan1 || fail "tna run attaches to the LAN ports"
wait_for 10 attached wan || fail "tna run attaches to wan"
read -r fb lb <<<"$(stream_share '^lan[12]$' "$T/lanlan" l1 l2 192.168.1.12 5001)"
read -r fr lr <<<"$(stream_share '^(lan1|wan)$' "$T/v6" l1 w 2001:db8:40::2 5003)"
read -r fm lm <<<"$(stream_share '^(lan1|wan)$' "$T/masq" l1 w 10.40.0.2 5002)"
outcomes tna
check "every connection delivered (or refused) as with Linux alone ($(tr '\n' ' ' <"$T/linux")/ $(tr '\n' ' ' <"$T/tna"))" \
	cmp -s "$T/linux" "$T/tna"
check_share "LAN to LAN (bridged)" "$T/lanlan" "$fb" "$lb"
check_share "LAN to WAN over IPv6 (routed through fw4's zones)" "$T/v6" "$fr" "$lr"
check_share "LAN to WAN over IPv4, masqueraded" "$T/masq" "$fm" "$lm"
check "tna status: IPv6 firewall in the fast path ($(status_json | jq -r .firewall.ipv6))" \
	sh -c "ip netns exec $P-r $CLI status --json | jq -r .firewall.ipv6 | grep -q 'in the fast path'"
check_all_share "^(lan[12]|wan)$"
tna_stop || fail "daemon exit status"
exit $FAILED
