#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Shared by the benchmark scripts: run `tna demo --json` and print its
# result (medians over interleaved rounds, floor-subtracted cost).
cd "$(dirname "$0")/.." || exit 1

# demo_bench TITLE DEMO-ARGS...: prints the summary, appends the JSON to $BENCH_JSON
demo_bench() {
	local title=$1 out
	shift
	out=$(build/tna-demo --floor --json "$@") || return 1
	# A tna phase the fast path did not carry entirely compares nothing.
	if ! echo "$out" | jq -e '.fast_path_share >= 0.99' >/dev/null; then
		echo "$title: fast path share $(echo "$out" | jq .fast_path_share) below 100%: run failed" >&2
		return 1
	fi
	echo "$out" | jq -r --arg t "$title" '
  "\($t), 64-byte UDP, \(.rounds) rounds x \(.seconds) s, medians (min..max) in Mpps",
  "  Linux alone : \(.linux_mpps.median) (\(.linux_mpps.min)..\(.linux_mpps.max))",
  "  tna         : \(.tna_mpps.median) (\(.tna_mpps.min)..\(.tna_mpps.max))  fast path share \(.fast_path_share)",
  "  floor       : \(.floor_mpps.median) (\(.floor_mpps.min)..\(.floor_mpps.max))  generator + receive only",
  "  throughput ratio tna/Linux: \(.ratio)x",
  (if .cost_ratio then "  forwarding cost per packet: Linux \(.linux_ns_per_pkt) ns, tna \(.tna_ns_per_pkt) ns -> \(.cost_ratio)x" else "  forwarding cost: floor not above both rates, not computed" end),
  (if .bare_ns_per_pkt then "  bare XDP redirect \(.bare_ns_per_pkt) ns (tna \(.tna_vs_bare)x)" else empty end),
  (if .fib_ns_per_pkt then "  minimal XDP router (bpf_fib_lookup) \(.fib_ns_per_pkt) ns (tna \(.tna_vs_fib)x)" else empty end)'
	[ -n "${BENCH_JSON:-}" ] && echo "$out" >>"$BENCH_JSON"
	return 0
}
