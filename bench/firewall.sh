#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Firewall throughput on the demo router, Linux alone vs tna, same run per
# scenario: a forward chain (nft, and the same rules with iptables-nft) of
# 1, 100, 1,000 and 10,000 rules the flow
# does not match (Linux walks them all per packet; tna's fast path looks
# up the flow's cached verdict), and a stateful chain (ct state
# established,related accept first, 100 rules, policy drop) on an
# established, assured flow (tna asks conntrack once per clock tick per
# flow). Each round also measures the floor (the router's ingress drops in
# XDP), so the per-packet forwarding cost is 1/rate - 1/floor_rate.
# Writes bench/results/firewall.tsv; fails below a 99 % fast-path share.
#   bench/firewall.sh [ROUNDS] [SECONDS]
cd "$(dirname "$0")/.." || exit 1
ROUNDS=${1:-3}
SECS=${2:-1}
R=bench/results
mkdir -p "$R"
TSV=$R/firewall.tsv
printf 'scenario\trules\tlinux_mpps\ttna_mpps\tratio\tfast_path_share\tlinux_ns\ttna_ns\tcost_ratio\n' >"$TSV"
run() { # name rules [--stateful]
	local name=$1 n=$2 out
	shift 2
	out=$(build/tna demo --json --floor --rounds "$ROUNDS" --seconds "$SECS" --rules "$n" "$@") || return 1
	if ! echo "$out" | jq -e '.fast_path_share >= 0.99' >/dev/null; then
		echo "firewall $name: fast path share $(echo "$out" | jq .fast_path_share) below 99%: run failed" >&2
		return 1
	fi
	echo "$out" | jq -r --arg n "$name" --arg r "$n" '[$n, $r, .linux_mpps.median, .tna_mpps.median, .ratio, .fast_path_share, (.linux_ns_per_pkt // 0), (.tna_ns_per_pkt // 0), (.cost_ratio // 0)] | @tsv' >>"$TSV"
	echo "$out" | jq -r --arg n "$name" '"firewall \($n): Linux \(.linux_mpps.median) Mpps, tna \(.tna_mpps.median) Mpps, ratio \(.ratio)x; cost Linux \(.linux_ns_per_pkt // "?") ns, tna \(.tna_ns_per_pkt // "?") ns, \(.cost_ratio // "?")x; fast path share \(.fast_path_share)"'
	[ -n "${BENCH_JSON:-}" ] && echo "$out" | jq -c --arg n "$name" --arg r "$n" '. + {firewall_scenario: $n, rules: ($r | tonumber)}' >>"$BENCH_JSON"
	return 0
}
# NFT_COUNTS, IPTABLES_COUNTS: the rule counts loaded with nft and with
# iptables-restore (iptables-nft), default 1 100 1000 10000 each;
# IPTABLES_STATEFUL=0 skips the iptables stateful chain (bench-quick).
for n in ${NFT_COUNTS:-1 100 1000 10000}; do
	run "nft $n rules" $n || exit 1
done
run "nft stateful, 100 rules" 100 --stateful || exit 1
for n in ${IPTABLES_COUNTS:-1 100 1000 10000}; do
	run "iptables $n rules" $n --iptables || exit 1
done
if [ "${IPTABLES_STATEFUL:-1}" = 1 ]; then
	run "iptables stateful, 100 rules" 100 --stateful --iptables || exit 1
fi
for rs in nft iptables; do
	awk -F'\t' -v rs=$rs '$1 == rs " 1 rules" {a = $4; c = $8} $1 == rs " 10000 rules" {b = $4; d = $8}
		END {printf "%s: tna at 10,000 rules / at 1 rule: rate %.3f, cost %.3f (Linux: see the table)\n", rs, b / a, d / c}' "$TSV"
done
