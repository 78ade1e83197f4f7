#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# A Kubernetes node with routed pod veths (as ptp/Calico-style CNI plugins
# leave them: a /32 route per pod, GRO off and tx checksum offload on in
# the pod) and kube-proxy in iptables mode (KUBE-FORWARD with its mark
# accept, services on NEW only, a ClusterIP service DNAT'ed to a pod,
# KUBE-MARK-MASQ / KUBE-POSTROUTING masquerade):
#   p1 eth0 --- vethp1 [node] vethp2 --- eth0 p2
# With argument "nft", kube-proxy's nftables mode instead (table ip
# kube-proxy: "ct state new" jumps on filter-prerouting/forward, vmaps over
# ip daddr . l4proto . dport, masquerading by mark, numgen to the endpoint).
# The same connections run with Linux alone and with `tna run --veth-gro`:
# pod to pod, and pod to the service's ClusterIP (DNAT'ed to the other pod).
# Both must deliver the same bytes, and both must be carried by the fast
# path (at least 90 % of the packets the pods' veths see), the service
# connection translated as its conntrack entry says.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh

for ns in n p1 p2; do ip netns add "$P-$ns" && nsip $ns link set lo up; done
for i in 1 2; do
	nsip n link add vethp$i type veth peer name eth0 netns "$P-p$i"
	nsip n addr add 169.254.1.1/32 dev vethp$i
	nsip n link set vethp$i up
	nsip n route add 10.244.0.$((i + 4))/32 dev vethp$i
	nsip p$i addr add 10.244.0.$((i + 4))/32 dev eth0
	nsip p$i link set eth0 up
	nsip p$i route add 169.254.1.1 dev eth0
	nsip p$i route add default via 169.254.1.1 dev eth0
	nsx p$i ethtool -K eth0 gro off >/dev/null # as the CNI plugin leaves it
done
MODE=${1:-iptables}
nsx n sh -e -c '
	echo 1 > /proc/sys/net/ipv4/ip_forward
	for v in vethp1 vethp2; do echo 1 > /proc/sys/net/ipv4/conf/$v/proxy_arp; done'
if [ "$MODE" = nft ]; then
	nsx n nft -f - <<'NFT' || fail "kube-proxy's nftables ruleset loads"
table ip kube-proxy {
	comment "rules for kube-proxy"
	set cluster-ips { type ipv4_addr; comment "Active ClusterIPs"; elements = { 10.96.0.20 }; }
	set nodeport-ips { type ipv4_addr; }
	map no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict; }
	map no-endpoint-nodeports { type inet_proto . inet_service : verdict; }
	map firewall-ips { type ipv4_addr . inet_proto . inet_service : verdict; }
	map service-ips { type ipv4_addr . inet_proto . inet_service : verdict; }
	map service-nodeports { type inet_proto . inet_service : verdict; }
	chain filter-prerouting { type filter hook prerouting priority -110; ct state new jump firewall-check; }
	chain filter-input { type filter hook input priority -110; ct state new jump nodeport-endpoints-check; ct state new jump service-endpoints-check; }
	chain filter-forward { type filter hook forward priority -110; ct state new jump service-endpoints-check; ct state new jump cluster-ips-check; }
	chain filter-output { type filter hook output priority -110; ct state new jump service-endpoints-check; ct state new jump firewall-check; }
	chain filter-output-post-dnat { type filter hook output priority -90; ct state new jump cluster-ips-check; }
	chain nat-prerouting { type nat hook prerouting priority -100; jump services; }
	chain nat-output { type nat hook output priority -100; jump services; }
	chain nat-postrouting { type nat hook postrouting priority 100; jump masquerading; }
	chain firewall-check { ip daddr . meta l4proto . th dport vmap @firewall-ips; }
	chain cluster-ips-check { ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"; ip daddr { 10.96.0.0/16 } drop comment "Drop traffic to unallocated ClusterIPs"; }
	chain nodeport-endpoints-check { ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports; }
	chain service-endpoints-check { ip daddr . meta l4proto . th dport vmap @no-endpoint-services; }
	chain mark-for-masquerade { meta mark set meta mark | 0x4000; }
	chain masquerading { meta mark & 0x4000 == 0 return; meta mark set meta mark ^ 0x4000; masquerade fully-random; }
	chain services { ip daddr . meta l4proto . th dport vmap @service-ips; fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports; }
	chain endpoint-WEB { ip saddr 10.244.0.6 jump mark-for-masquerade; meta l4proto tcp dnat to 10.244.0.6:5002; }
	chain service-WEB { ip daddr 10.96.0.20 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade; numgen random mod 1 vmap { 0 : goto endpoint-WEB }; }
}
add element ip kube-proxy service-ips { 10.96.0.20 . tcp . 80 : goto service-WEB }
NFT
else
	nsx n sh -e -c '
	iptables -N KUBE-FORWARD; iptables -N KUBE-SERVICES; iptables -N KUBE-EXTERNAL-SERVICES
	iptables -N KUBE-NODEPORTS; iptables -N KUBE-PROXY-FIREWALL
	iptables -t mangle -N KUBE-IPTABLES-HINT; iptables -t mangle -N KUBE-KUBELET-CANARY
	iptables -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
	iptables -A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
	iptables -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
	iptables -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
	iptables -A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
	iptables -A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
	iptables -A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
	iptables -A KUBE-EXTERNAL-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
	iptables -t nat -N KUBE-SERVICES; iptables -t nat -N KUBE-POSTROUTING; iptables -t nat -N KUBE-MARK-MASQ
	iptables -t nat -N KUBE-SVC-WEB; iptables -t nat -N KUBE-SEP-WEB
	iptables -t nat -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
	iptables -t nat -A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
	iptables -t nat -A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
	iptables -t nat -A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
	iptables -t nat -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
	iptables -t nat -A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
	iptables -t nat -A KUBE-POSTROUTING -j MASQUERADE --random-fully
	iptables -t nat -A KUBE-SERVICES -d 10.96.0.20/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-WEB
	iptables -t nat -A KUBE-SVC-WEB ! -s 10.244.0.0/16 -d 10.96.0.20/32 -p tcp -m tcp --dport 80 -j KUBE-MARK-MASQ
	iptables -t nat -A KUBE-SVC-WEB -m statistic --mode random --probability 1.0 -j KUBE-SEP-WEB
	iptables -t nat -A KUBE-SEP-WEB -s 10.244.0.6/32 -j KUBE-MARK-MASQ
	iptables -t nat -A KUBE-SEP-WEB -p tcp -m tcp -j DNAT --to-destination 10.244.0.6:5002'
fi
nsx p1 ping -c1 -W1 10.244.0.6 >/dev/null 2>&1 # neighbours resolved

IN='^vethp' # the ingresses: the pods' veths
# outcomes PHASE: bytes each connection delivered; the service's sink
# listens on the pod the ClusterIP is DNAT'ed to
outcomes() {
	{
		tcp_stream p1 p2 10.244.0.6 5001 20000000
		tcp_stream p1 p2 10.96.0.20 80 3000000 10.244.0.6 5002
	} >"$T/$1"
}

outcomes linux
tna_start n --veth-gro
wait_for 10 attached vethp1 || fail "tna run --veth-gro attaches to the pod veths"
check "the pods' eth0 take XDP frames (GRO turned on by tna in both)" \
	wait_for 10 sh -c "[ \"\$(ip netns exec $P-n $CLI status --json | jq '[.veth_peer_gro[] | select(.gro_on_by_tna)] | length')\" = 2 ]"
read -r fp lp <<<"$(stream_share "$IN" "$T/p2p" p1 p2 10.244.0.6 5001)"
read -r fs ls <<<"$(stream_share "$IN" "$T/svc" p1 p2 10.96.0.20 80 10.244.0.6 5002)"
outcomes tna
check "every connection delivered as with Linux alone ($(tr '\n' ' ' <"$T/linux")/ $(tr '\n' ' ' <"$T/tna"))" \
	cmp -s "$T/linux" "$T/tna"
check_share "pod to pod" "$T/p2p" "$fp" "$lp"
check_share "pod to the ClusterIP, DNAT'ed to the other pod" "$T/svc" "$fs" "$ls"
check_all_share "$IN"
tna_stop || fail "daemon exit status"
exit $FAILED
