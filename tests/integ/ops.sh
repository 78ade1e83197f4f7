#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Operating tna: `tna status --format openmetrics` is valid OpenMetrics
# text (tests/integ/openmetrics.awk) with a metric for every counter
# `tna status --json` shows, the same value where nothing moves; `tna run
# --metrics-file PATH` rewrites PATH whole (renamed over it) and removes
# it on exit; `tna status --watch` redraws the rates in a pseudo-terminal
# and ends on SIGINT with status 0; bad flags exit 2.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh

expect_usage() { # name args...: exit 2, a message
	local name=$1 rc=0
	shift
	"$CLI" "$@" >/dev/null 2>"$T/err" || rc=$?
	check "$name: usage error (exit $rc)" sh -c "[ $rc = 2 ] && grep -q tna: '$T/err'"
}
expect_usage "--format of an unknown kind" status --format xml
expect_usage "--watch 0" status --watch 0
expect_usage "--watch with --json" status --watch --json
expect_usage "--json and --format openmetrics" status --json --format openmetrics
expect_usage "--metrics-file for status" status --metrics-file /tmp/x

router_topology
send() { nsx h1 "$PKTIO" send h1 "$R0" "$@"; }
MF=$T/tna.prom
tna_start r --metrics-file "$MF"
wait_for 10 attached r0 || fail "tna run attaches to r0"
# a rule counter, and a rule the fast path leaves to Linux (a reason)
nsx r nft 'add table ip ops; add chain ip ops fw { type filter hook forward priority 0; };
	add rule ip ops fw udp dport 9 counter; add rule ip ops fw udp dport 9 limit rate 1000000/second'
arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 1 >/dev/null # neighbours
n=$(arrived h2 h2 --src 10.20.1.2 --dst 10.20.2.2 --count 20)
check "traffic: 20 packets delivered ($n)" test "$n" = 20
nsx r "$CLI" status --format openmetrics >"$T/om"
check "status --format openmetrics: valid OpenMetrics ($(awk -f tests/integ/openmetrics.awk "$T/om" 2>&1))" \
	awk -f tests/integ/openmetrics.awk "$T/om"
# Every counter of the JSON, as the metric it must be (values may move
# between the two reads: names and labels are compared, and one value).
status_json >"$T/js"
jq -r '
	def s(n; l): "\(n)" + (if l == "" then "" else "{\(l)}" end);
	s("tna_model_changes_total"; ""), s("tna_netlink_resyncs_total"; ""),
	s("tna_fdb_refreshes_total"; ""), s("tna_neigh_revalidations_total"; ""),
	s("tna_bypass"; ""), s("tna_local_addresses"; ""), s("tna_route_cache_ipv4_mtu_bytes"; ""),
	s("tna_fdb_not_mirrored"; ""),
	(if .ip_forwarded.linux_ipv4 >= 0 then s("tna_ip_forwarded_packets_total"; "path=\"linux\",family=\"ipv4\"") else empty end),
	(if .ip_forwarded.linux_ipv6 >= 0 then s("tna_ip_forwarded_packets_total"; "path=\"linux\",family=\"ipv6\"") else empty end),
	s("tna_ip_forwarded_packets_total"; "path=\"fast_path\""),
	(.firewall | keys_unsorted[] | select(test("^(flows_|verdicts_|conntrack_)")) | s("tna_firewall_\(.)_total"; "")),
	s("tna_firewall_wildcard_masks"; ""),
	(.firewall.rule_counters[] | .rule as $r | ("linux", "fast_path") as $p |
	 s("tna_firewall_rule_packets_total"; "rule=\"\($r)\",path=\"\($p)\""),
	 s("tna_firewall_rule_bytes_total"; "rule=\"\($r)\",path=\"\($p)\"")),
	(.firewall.undecidable_reasons[] | s("tna_firewall_undecidable_reason_flows_total"; "reason=\"\(.reason)\"")),
	(.bridges[] | s("tna_bridge_fdb_entries"; "bridge=\"\(.name)\"")),
	(.interfaces[] | .name as $n | s("tna_interface_accelerated"; "interface=\"\($n)\""),
	 (select(.counters) | s("tna_fast_path_packets_total"; "interface=\"\($n)\""),
	  s("tna_fast_path_bytes_total"; "interface=\"\($n)\""),
	  s("tna_fast_path_routed_packets_total"; "interface=\"\($n)\""),
	  s("tna_fast_path_bridged_packets_total"; "interface=\"\($n)\""),
	  s("tna_to_linux_packets_total"; "interface=\"\($n)\""),
	  s("tna_to_linux_bytes_total"; "interface=\"\($n)\""),
	  (.counters.fallback | keys_unsorted[] | s("tna_to_linux_reason_packets_total"; "interface=\"\($n)\",reason=\"\(.)\""))),
	 (select(.swaps != null) | s("tna_interface_program_swaps_total"; "interface=\"\($n)\"")))' \
	"$T/js" | sed 's/tna_firewall_wildcard_masks_total/tna_firewall_wildcard_masks/' | sort -u >"$T/want"
sed 's/ [0-9.]*$//' "$T/om" | grep -v '^#' | sort -u >"$T/have"
check "status --json has rule counters and a reason to compare ($(jq '.firewall.rule_counters | length' "$T/js"), $(jq '.firewall.undecidable_reasons | length' "$T/js"))" \
	sh -c "[ \$(jq '.firewall.rule_counters | length' '$T/js') -ge 1 ] && [ \$(jq '.firewall.undecidable_reasons | length' '$T/js') -ge 1 ]"
check "every counter of status --json has its metric ($(wc -l <"$T/want") expected, missing: $(comm -23 "$T/want" "$T/have" | head -3 | tr '\n' ' '))" \
	test -z "$(comm -23 "$T/want" "$T/have")"
fp_json=$(jq -r '.interfaces[] | select(.name=="r0") | .counters.fast_path.packets' "$T/js")
check "r0's fast-path packets: the same in both ($fp_json)" \
	grep -qx "tna_fast_path_packets_total{interface=\"r0\"} $fp_json" "$T/om"
check "the daemon's CPU time and memory are metrics" \
	sh -c "grep -q '^tna_process_cpu_seconds_total ' '$T/om' && grep -q '^tna_process_resident_memory_bytes [1-9]' '$T/om'"
# --metrics-file: written at once, then rewritten every 5 s, whole
wait_for 3 test -s "$MF"
check "--metrics-file: valid OpenMetrics" awk -f tests/integ/openmetrics.awk "$MF"
ino=$(stat -c %i "$MF")
check "--metrics-file: replaced by a new file within 6 s (renamed, never rewritten in place)" \
	wait_for 6 sh -c "[ \"\$(stat -c %i '$MF')\" != '$ino' ]"
check "--metrics-file: no temporary file left" test ! -e "$MF.tmp"
# --watch in a pseudo-terminal: redraws, then SIGINT ends it with 0
nsx r script -qefc "$CLI status --watch 0.5" "$T/watch" >/dev/null 2>&1 &
spid=$!
sleep 2.2
for p in /proc/[0-9]*; do # the watcher script(1) runs, not script itself
	tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q "^$CLI status --watch 0.5" &&
		kill -INT "${p#/proc/}"
done
rc=0
wait $spid || rc=$?
redraws=$(grep -o 'tna status --watch' "$T/watch" | wc -l)
check "--watch: $redraws redraws through a pseudo-terminal, r0's rates shown, exit $rc on SIGINT" \
	sh -c "[ $redraws -ge 2 ] && grep -q '^r0 ' '$T/watch' && [ $rc = 0 ]"
tna_stop || fail "daemon exit status"
check "--metrics-file removed on exit" test ! -e "$MF"
exit $FAILED
