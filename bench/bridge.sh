#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Bridging throughput, the Linux bridge alone vs tna, on the demo topology
# (gen ns -> bridge ns (br0) -> sink ns, 64-byte UDP, everything on CPU 0),
# once with br_netfilter's bridge-nf-call-ip(6)tables on (Debian's default
# once the module is loaded; costs the Linux bridge the most) and once off.
#   bench/bridge.sh [ROUNDS] [SECONDS]
. "$(dirname "$0")/lib.sh"
demo_bench "bridging, br_netfilter on" --topology bridge --br-netfilter on \
	--rounds "${1:-5}" --seconds "${2:-2}" &&
	demo_bench "bridging, br_netfilter off" --topology bridge --br-netfilter off \
		--rounds "${1:-5}" --seconds "${2:-2}"
