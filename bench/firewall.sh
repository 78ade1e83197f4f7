#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Firewall throughput on the demo router, Linux alone vs tna: a forward
# chain (nft, and the same rules with iptables-nft) of 1, 100, 1,000 and
# 10,000 rules the flow does not match (Linux walks them all per packet;
# tna's fast path looks up the flow's cached verdict), all rule counts of
# one ruleset tool in one demo run: every round loads each count in turn
# and measures Linux and tna under it, then the floor (the router's
# ingress drops in XDP), so the per-packet forwarding cost is
# 1/rate - 1/floor_rate and the scaling (tna's cost at N rules over its
# cost at 1 rule) is a median of per-round ratios that drift between runs
# cannot fake. Then a stateful chain (ct state established,related accept
# first, 100 rules, policy drop) on an established, assured flow (tna asks
# conntrack once per clock tick per flow). Then NAT on established
# flows: a masquerade out of the router and a DNAT to the sink (tna
# translates as the conntrack entry records it). Then the flow count: the
# stateless 100-rule chain with the looped frames rotating over 1, 1,000
# and 60,000 UDP flows (source ports; tna caches one verdict for all the
# flows that agree on the bits the rules read), and a flood of 1,000,000
# distinct flows (source ports and addresses: every packet may be a new
# flow) whose fast-path share must reach 95 %.
# Writes bench/results/firewall.tsv; fails below a 99 % fast-path share.
#   bench/firewall.sh [ROUNDS] [SECONDS]
cd "$(dirname "$0")/.." || exit 1
ROUNDS=${1:-3}
SECS=${2:-1}
R=bench/results
mkdir -p "$R"
TSV=$R/firewall.tsv
printf 'scenario\trules\tlinux_mpps\ttna_mpps\tratio\tfast_path_share\tlinux_ns\ttna_ns\tcost_ratio\ttna_cost_vs_1\n' >"$TSV"
# The scenario's name in the TSV and in BENCH_JSON.
LABEL='def scen($rs): $rs + (if .nat then " \(.nat) (stateful)" elif .stateful then " stateful, \(.rules) rules" else " \(.rules) rules" end) + (if .flows then ", \(.flows) flows" else "" end);'
run() { # ruleset-name rule-counts [tna-demo options]; MIN_SHARE (0.99)
	local rs=$1 counts=$2 out min=${MIN_SHARE:-0.99}
	shift 2
	out=$(build/tna-demo --json --floor --rounds "$ROUNDS" --seconds "$SECS" --rules "$counts" "$@") || return 1
	if ! echo "$out" | jq -se --argjson m "$min" 'all(.fast_path_share >= $m)' >/dev/null; then
		echo "firewall $rs: fast path share $(echo "$out" | jq -s 'map(.fast_path_share) | min') below $min: run failed" >&2
		return 1
	fi
	echo "$out" | jq -r --arg rs "$rs" "$LABEL"'[scen($rs), .rules, .linux_mpps.median, .tna_mpps.median, .ratio, .fast_path_share, (.linux_ns_per_pkt // 0), (.tna_ns_per_pkt // 0), (.cost_ratio // 0), (.tna_cost_vs_first // 0)] | @tsv' >>"$TSV"
	echo "$out" | jq -r --arg rs "$rs" "$LABEL"'"firewall \(scen($rs)): Linux \(.linux_mpps.median) Mpps, tna \(.tna_mpps.median) Mpps, ratio \(.ratio)x; cost Linux \(.linux_ns_per_pkt // "?") ns, tna \(.tna_ns_per_pkt // "?") ns, \(.cost_ratio // "?")x; fast path share \(.fast_path_share)\(if .vs_rules then "; tna cost vs \(.vs_rules) rule(s), per round: \(.tna_cost_vs_first)x" else "" end)"'
	[ -n "${BENCH_JSON:-}" ] && echo "$out" | jq -c --arg rs "$rs" "$LABEL"'. + {firewall_scenario: scen($rs)}' >>"$BENCH_JSON"
	return 0
}
# NFT_COUNTS, IPTABLES_COUNTS: the rule counts loaded with nft and with
# iptables-restore (iptables-nft), default 1,100,1000,10000 each (the
# first is the scaling's reference); IPTABLES_STATEFUL=0 skips the
# iptables stateful chain (bench-quick).
run nft "${NFT_COUNTS:-1,100,1000,10000}" || exit 1
run nft 100 --stateful || exit 1
run iptables "${IPTABLES_COUNTS:-1,100,1000,10000}" --iptables || exit 1
run nft 1 --nat masquerade || exit 1
run nft 1 --nat dnat || exit 1
if [ "${IPTABLES_STATEFUL:-1}" = 1 ]; then
	run iptables 100 --stateful --iptables || exit 1
fi
for n in ${FLOW_COUNTS:-1 1000 60000}; do
	run "nft flows" 100 --flows "$n" || exit 1
done
MIN_SHARE=0.95 run "nft flows" 100 --flows 1000000 || exit 1
bench/flows_summary.awk "$TSV"
awk -F'\t' '$1 ~ /^nft (masquerade|dnat)/ && $9 > 0 {
	printf "%s: tna costs %.2fx less per packet than Linux (target at least 4x: %s)\n", $1, $9, ($9 >= 4 ? "met" : "not met") }' "$TSV"
for rs in nft iptables; do
	awk -F'\t' -v rs=$rs '$1 == rs " 10000 rules" {
		printf "%s: tna at 10,000 rules / at 1 rule, median of per-round ratios: cost %.3fx\n", rs, $10 }' "$TSV"
done
