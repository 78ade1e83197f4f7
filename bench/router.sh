#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Routing throughput, Linux alone vs tna, on the demo topology
# (gen ns -> router ns -> sink ns, 64-byte UDP, everything on CPU 0).
# Phases are interleaved per round (linux, tna, floor); medians over the
# rounds are reported, with the floor-subtracted per-packet cost.
#   bench/router.sh [ROUNDS] [SECONDS]
. "$(dirname "$0")/lib.sh"
demo_bench routing --rounds "${1:-5}" --seconds "${2:-2}"
