#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Command line contract: usage errors exit 2 with a message, plan works
# without a daemon and prints valid JSON, status without a daemon is a
# clear runtime error (1), a second daemon in one namespace is refused.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh

expect_rc() { # want name cmd...
	local want=$1 name=$2 rc=0
	shift 2
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	if [ $rc = "$want" ]; then pass "$name (exit $rc)"; else
		fail "$name (exit $rc, want $want)"
		head -5 "$T/err" | sed 's/^/    | stderr: /'
	fi
}

ip netns add "$P-c"
nsip c link set lo up
expect_rc 2 "no command" "$CLI"
expect_rc 2 "unknown command" "$CLI" frobnicate
expect_rc 2 "unknown flag" "$CLI" run --no-such-flag
expect_rc 2 "flag of another command" "$CLI" status --iface x
expect_rc 2 "bad --mode" "$CLI" run --mode turbo
expect_rc 2 "bad --seconds" "$CLI" demo --seconds 0
expect_rc 2 "stray argument" "$CLI" plan extra
expect_rc 2 "bad --topology" "$CLI" demo --topology mesh
expect_rc 2 "--br-netfilter without a bridge" "$CLI" demo --br-netfilter on
expect_rc 2 "--paired with other phases" "$CLI" demo --paired --floor
expect_rc 2 "--iptables without --rules" "$CLI" demo --iptables
expect_rc 2 "--rules with a bridge topology" "$CLI" demo --topology bridge-router --rules 5
for bad in 1,,2 1, ,1 x 100001 1,2,3,4,5,6,7,8,9; do
	expect_rc 2 "bad --rules '$bad'" "$CLI" demo --rules "$bad"
done
expect_rc 2 "--paired with several rule counts" "$CLI" demo --paired --rules 1,2
check "usage names every command" grep -q "status \[--json\]" "$T/err"
expect_rc 0 "--help" "$CLI" --help
check "--help documents every flag" sh -c "for f in --iface --exclude --mode --verbose --json --seconds --rounds --floor --bare --paired --topology --br-netfilter --rules --stateful --iptables bridge-router; do grep -q -- \$f '$T/out' || exit 1; done"
expect_rc 1 "status without a daemon" nsx c "$CLI" status
check "status without a daemon says why" grep -q "no daemon" "$T/err"
expect_rc 0 "plan without a daemon" nsx c "$CLI" plan --json
check "plan --json is valid JSON and lists lo as not accelerated" \
	sh -c "jq -e '.interfaces[] | select(.name==\"lo\") | .accelerated == false' '$T/out' >/dev/null"
tna_start c
wait_for 5 nsx c "$CLI" status
expect_rc 0 "status with a daemon" nsx c "$CLI" status --json
check "status --json has the documented top-level keys" \
	sh -c "jq -e 'has(\"version\") and has(\"running\") and has(\"interfaces\") and has(\"bridges\")' '$T/out' >/dev/null"
expect_rc 1 "second daemon in the same namespace is refused" nsx c "$TNA" run
check "daemon stops cleanly" tna_stop
# Packaging: install lays out the binary, man page and units that point at it
make -s install DESTDIR="$T/root" PREFIX=/usr/local >/dev/null 2>&1
check "make install: binary, man page, systemd units" test -x "$T/root/usr/local/sbin/tna" \
	-a -f "$T/root/usr/local/share/man/man8/tna.8" \
	-a -f "$T/root/usr/local/lib/systemd/system/tna.service" \
	-a -f "$T/root/usr/local/lib/systemd/system/tna@.service"
check "systemd units start the installed binary" sh -c \
	"grep -q '^ExecStart=/usr/local/sbin/tna run\$' '$T/root/usr/local/lib/systemd/system/tna.service' &&
	 grep -q '^ExecStart=/usr/bin/ip netns exec %i /usr/local/sbin/tna run\$' '$T/root/usr/local/lib/systemd/system/tna@.service'"
check "the man page documents every flag and command" sh -c \
	"for f in run status plan demo iface exclude mode verbose json seconds rounds floor bare paired topology br.netfilter rules stateful iptables bridge.router SIGHUP 'EXIT STATUS'; do grep -q -- \"\$f\" docs/tna.8 || exit 1; done"
expect_rc 0 "installed binary runs" "$T/root/usr/local/sbin/tna" version

# The demo end to end (short): a bridge, real traffic, both phases reported
expect_rc 0 "demo --topology bridge --json" "$CLI" demo --topology bridge --seconds 1 --json
check "bridge demo: both phases ran, tna carried every frame" \
	sh -c "jq -e '.topology == \"bridge\" and .fast_path_share >= 0.99 and .linux_mpps.median > 0' '$T/out' >/dev/null"
expect_rc 0 "demo --topology bridge-router --json" "$CLI" demo --topology bridge-router --seconds 1 --json
check "bridge+router demo: both phases ran, tna carried every frame" \
	sh -c "jq -e '.topology == \"bridge-router\" and .fast_path_share >= 0.99 and .linux_mpps.median > 0' '$T/out' >/dev/null"
expect_rc 0 "demo --rules 100 --stateful --iptables --json" "$CLI" demo --rules 100 --stateful --iptables --seconds 1 --json
check "iptables demo: the ruleset was iptables-nft's, tna carried every frame" \
	sh -c "jq -e '.ruleset == \"iptables\" and .fast_path_share >= 0.99 and .linux_mpps.median > 0' '$T/out' >/dev/null"
# Several rule counts in one run: each round reloads each ruleset, so in
# every round Linux is slow under 2,000 rules and fast again under none.
expect_rc 0 "demo --rules 0,2000 --floor --rounds 2 --json" "$CLI" demo --rules 0,2000 --floor --rounds 2 --seconds 1 --json
check "rule counts in turn: one result each, Linux slowed by 2,000 rules in every round, tna not, scaling computed" \
	sh -c "jq -se 'length == 2 and .[0].rules == 0 and .[1].rules == 2000 and .[1].vs_rules == 0 and
		.[0].linux_mpps.min > 4 * .[1].linux_mpps.max and .[1].tna_cost_vs_first > 0 and .[1].tna_cost_vs_first < 2 and
		all(.fast_path_share >= 0.99)' '$T/out' >/dev/null"
expect_rc 0 "demo --paired --json" "$CLI" demo --paired --seconds 1 --json
check "paired demo: windows of both kinds measured, the fast path carried the tna windows" \
	sh -c "jq -e '.mode == \"paired\" and .linux_mpps > 0 and .tna_mpps > 0 and .fast_path_share >= 0.98' '$T/out' >/dev/null"
exit $FAILED
