#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Per-packet cost of the fast path in isolation: every case of the fast-path
# table (tests/unit/test_fastpath.c) that forwards, run through
# BPF_PROG_TEST_RUN in the fixture namespace, one run per call, the
# kernel's own timing, median of 2,001 calls. "net" subtracts the first
# line (program entry with the bypass switch on, plus the clock read the
# timing includes). A module whose cost moves shows up here alone.
# Writes bench/results/micro.tsv.
#   bench/micro.sh
cd "$(dirname "$0")/.." || exit 1
R=bench/results
mkdir -p "$R"
out=$(tests/unit/fastpath.sh test_fastpath --bench) || {
	echo "$out" | grep FAIL >&2
	exit 1
}
echo "$out" | awk '$1 == "MICRO" {
		ns = $2; feat = $3; $1 = $2 = $3 = ""; sub(/^ +/, "")
		if (!base) base = ns
		printf "%s\t%s\t%d\t%d\n", $0, feat, ns, ns - base
	}' | {
	printf 'case\tfeatures\tns\tnet_ns\n'
	cat
} >"$R/micro.tsv"
awk -F'\t' 'NR > 1 {printf "micro: %4d ns (net %4d)  %s  [%s]\n", $3, $4, $1, $2}' "$R/micro.tsv"
