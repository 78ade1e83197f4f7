#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Veths as Docker and CNI plugins create them: the container-side peer has
# no XDP program and no GRO, so it cannot take XDP frames. Without
# --veth-gro the router's veth is no egress (the reason names the option)
# and traffic into the container stays with Linux; with it, tna turns GRO
# on in the peer (inside the container's namespace), the fast path carries
# that traffic, tna status lists the peer, and GRO is off again when the
# daemon exits. A peer whose GRO was on already (h1) is left alone, and a
# peer whose veth goes is let go.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh

router_topology
send() { nsx h1 "$PKTIO" send h1 "$R0" "$@"; }
gro() { nsx "$1" ethtool -k "$1" | awk '/^generic-receive-offload:/ {print $2}'; }
peer_q() { status_json | jq -r ".veth_peer_gro[] | select(.veth==\"$1\") | $2"; }

# As a container runtime leaves them: GRO off in h2 and h3 (h1 keeps the
# GRO router_topology gave it).
nsx h2 ethtool -K h2 gro off
nsx h3 ethtool -K h3 gro off
arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 1 >/dev/null # neighbours
arrived h3 h3 --src 10.20.1.2 --dst 10.20.3.2 --count 1 >/dev/null

tna_start r
wait_for 10 attached r1 || fail "tna run attaches to r1"
why=$(iface_q r1 .egress_reason)
check "without --veth-gro: r1 is no egress, the reason names the option ($why)" \
	grep -q -- '--veth-gro' <<<"$why"
fp0=$(fast_path r0)
n=$(arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 20)
check "without --veth-gro: 20/20 delivered by Linux ($(($(fast_path r0) - fp0)) on the fast path), h2's GRO untouched ($(gro h2))" \
	test "$n" = 20 -a "$(fast_path r0)" = "$fp0" -a "$(gro h2)" = off
tna_stop || fail "daemon exit status"

tna_start r --veth-gro
wait_for 10 attached r1 || fail "tna run --veth-gro attaches to r1"
check "--veth-gro: GRO on in h2 (inside its namespace), r1 an egress" \
	wait_for 10 sh -c "[ \"\$(ip netns exec $P-h2 ethtool -k h2 | awk '/^generic-receive-offload:/ {print \$2}')\" = on ] &&
		ip netns exec $P-r $CLI status --json | jq -e '.interfaces[] | select(.name==\"r1\") | .egress_xdp' >/dev/null"
fp0=$(fast_path r0)
n=$(arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 20)
check "--veth-gro: 20/20 delivered into h2 by the fast path ($(($(fast_path r0) - fp0)))" \
	test "$n" = 20 -a $(($(fast_path r0) - fp0)) = 20
check "tna status lists h2 as turned on by tna ($(peer_q r1 .peer) $(peer_q r1 .gro_on_by_tna))" \
	test "$(peer_q r1 .peer)" = h2 -a "$(peer_q r1 .gro_on_by_tna)" = true
check "h1 (GRO on already) is not listed" test -z "$(peer_q r0 .peer)"
check "h3 turned on too" wait_for 5 sh -c "[ \"\$(ip netns exec $P-r $CLI status --json | jq -r '.veth_peer_gro[] | select(.veth==\"r2\") | .gro_on_by_tna')\" = true ]"
nsip r link del r2
check "r2 deleted: its entry goes" wait_for 5 sh -c "! ip netns exec $P-r $CLI status --json | jq -e '.veth_peer_gro[] | select(.veth==\"r2\")'"
tna_stop || fail "daemon exit status"
check "daemon exited: GRO off again in h2 ($(gro h2)), still on in h1 ($(gro h1))" \
	test "$(gro h2)" = off -a "$(gro h1)" = on
n=$(arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 5)
check "after exit Linux delivers into h2 (5/$n)" test "$n" = 5
exit $FAILED
