#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Routing throughput, Linux alone vs tna, on the demo topology
# (gen ns -> router ns -> sink ns, 64-byte UDP, everything on CPU 0).
# Phases are interleaved per round (linux, tna, floor); medians over the
# rounds are reported, with the floor-subtracted per-packet cost.
#   bench/router.sh [ROUNDS] [SECONDS]
cd "$(dirname "$0")/.." || exit 1
ROUNDS=${1:-5}
SECS=${2:-2}
out=$(build/tna demo --rounds "$ROUNDS" --seconds "$SECS" --floor --json) || exit 1
echo "$out" | jq -r '
  "routing, 64-byte UDP, \(.rounds) rounds x \(.seconds) s, medians (min..max) in Mpps",
  "  Linux alone : \(.linux_mpps.median) (\(.linux_mpps.min)..\(.linux_mpps.max))",
  "  tna         : \(.tna_mpps.median) (\(.tna_mpps.min)..\(.tna_mpps.max))  fast path share \(.fast_path_share)",
  "  floor       : \(.floor_mpps.median) (\(.floor_mpps.min)..\(.floor_mpps.max))  generator + receive only",
  "throughput ratio tna/Linux: \(.ratio)x",
  (if .cost_ratio then "forwarding cost per packet: Linux \(.linux_ns_per_pkt) ns, tna \(.tna_ns_per_pkt) ns -> \(.cost_ratio)x" else "forwarding cost: floor not above both rates, not computed" end)'
echo "$out" >"${BENCH_JSON:-/dev/null}"
