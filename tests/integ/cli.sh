#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Command line contract: usage errors exit 2 with a message, plan works
# without a daemon and prints valid JSON, status without a daemon is a
# clear runtime error (1), a second daemon in one namespace is refused;
# packaging; the demo (tna-demo, also as `tna demo`) end to end with real
# traffic on every engine this kernel allows, its loss detection and the
# loop's own end when the demo is killed or stopped.
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
expect_rc 2 "stray argument" "$CLI" plan extra
expect_rc 2 "a demo flag to tna itself" "$CLI" run --seconds 3
check "usage names every command" grep -q "status \[--json" "$T/err"
expect_rc 2 "tna demo runs tna-demo: bad --seconds" "$CLI" demo --seconds 0
check "tna demo runs tna-demo: its usage" grep -q "Usage: tna-demo" "$T/err"
expect_rc 2 "bad --seconds" "$DEMO" --seconds 0
expect_rc 2 "bad --topology" "$DEMO" --topology mesh
expect_rc 2 "--br-netfilter without a bridge" "$DEMO" --br-netfilter on
expect_rc 2 "--paired with other phases" "$DEMO" --paired --floor
expect_rc 2 "--iptables without --rules" "$DEMO" --iptables
expect_rc 2 "--rules with a bridge topology" "$DEMO" --topology bridge-router --rules 5
for bad in 1,,2 1, ,1 x 100001 1,2,3,4,5,6,7,8,9; do
	expect_rc 2 "bad --rules '$bad'" "$DEMO" --rules "$bad"
done
expect_rc 2 "--paired with several rule counts" "$DEMO" --paired --rules 1,2
expect_rc 2 "bad --engine" "$DEMO" --engine warp
for bad in 0 257 x; do
	expect_rc 2 "bad --inflight '$bad'" "$DEMO" --inflight "$bad"
done
expect_rc 2 "stray demo argument" "$DEMO" extra
expect_rc 0 "--help" "$CLI" --help
check "--help documents every flag" sh -c "for f in --iface --exclude --mode --verbose --json demo; do grep -q -- \$f '$T/out' || exit 1; done"
expect_rc 0 "tna-demo --help" "$DEMO" --help
check "tna-demo --help documents every flag" sh -c "for f in --json --seconds --rounds --floor --bare --paired --topology --br-netfilter --rules --stateful --iptables bridge-router --engine --inflight --tna; do grep -q -- \$f '$T/out' || exit 1; done"
check "tna carries no demo: no namespaces, generator or sink in the daemon" \
	sh -c "! grep -qa -e 'ip netns add' -e trafgen_xdp -e sink_xdp '$CLI'"
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
check "make install: binary, demo beside it in libexec, man page, systemd units" test -x "$T/root/usr/local/sbin/tna" \
	-a -x "$T/root/usr/local/libexec/tna/tna-demo" \
	-a -f "$T/root/usr/local/share/man/man8/tna.8" \
	-a -f "$T/root/usr/local/lib/systemd/system/tna.service" \
	-a -f "$T/root/usr/local/lib/systemd/system/tna@.service"
check "systemd units start the installed binary" sh -c \
	"grep -q '^ExecStart=/usr/local/sbin/tna run\$' '$T/root/usr/local/lib/systemd/system/tna.service' &&
	 grep -q '^ExecStart=/usr/bin/ip netns exec %i /usr/local/sbin/tna run\$' '$T/root/usr/local/lib/systemd/system/tna@.service'"
check "the man page documents every flag and command" sh -c \
	"for f in run status plan demo tna-demo iface exclude mode verbose json seconds rounds floor bare paired topology br.netfilter rules stateful iptables bridge.router engine inflight SIGHUP 'EXIT STATUS'; do grep -q -- \"\$f\" docs/tna.8 || exit 1; done"
expect_rc 0 "installed binary runs" "$T/root/usr/local/sbin/tna" version
expect_rc 0 "installed tna demo finds the installed tna-demo" env -u TNA "$T/root/usr/local/sbin/tna" demo --help

# The demo end to end (short), default engine: real traffic in both
# phases, tna carried every frame, the engine named
expect_rc 0 "demo --topology bridge --json" "$CLI" demo --topology bridge --seconds 1 --json
check "bridge demo: both phases ran, tna carried every frame, engine named" \
	sh -c "jq -e '.topology == \"bridge\" and (.engine == \"loop\" or .engine == \"live\") and .fast_path_share >= 0.99 and .linux_mpps.median > 0 and .tna_mpps.median > .linux_mpps.median' '$T/out' >/dev/null"
expect_rc 0 "demo --topology bridge-router --json" "$DEMO" --topology bridge-router --seconds 1 --json
check "bridge+router demo: both phases ran, tna carried every frame" \
	sh -c "jq -e '.topology == \"bridge-router\" and .fast_path_share >= 0.99 and .linux_mpps.median > 0' '$T/out' >/dev/null"
expect_rc 0 "demo --rules 100 --stateful --iptables --json" "$DEMO" --rules 100 --stateful --iptables --seconds 1 --json
check "iptables demo: the ruleset was iptables-nft's, tna carried every frame" \
	sh -c "jq -e '.ruleset == \"iptables\" and .fast_path_share >= 0.99 and .linux_mpps.median > 0' '$T/out' >/dev/null"
# Several rule counts in one run: each round reloads each ruleset, so in
# every round Linux is slow under 2,000 rules and fast again under none.
expect_rc 0 "demo --rules 0,2000 --floor --rounds 2 --json" "$DEMO" --rules 0,2000 --floor --rounds 2 --seconds 1 --json
check "rule counts in turn: one result each, Linux slowed by 2,000 rules in every round, tna not, scaling computed" \
	sh -c "jq -se 'length == 2 and .[0].rules == 0 and .[1].rules == 2000 and .[1].vs_rules == 0 and
		.[0].linux_mpps.min > 4 * .[1].linux_mpps.max and .[1].tna_cost_vs_first > 0 and .[1].tna_cost_vs_first < 2 and
		all(.fast_path_share >= 0.99)' '$T/out' >/dev/null"
expect_rc 0 "demo --paired --json" "$DEMO" --paired --seconds 1 --json
check "paired demo: windows of both kinds measured, the fast path carried the tna windows" \
	sh -c "jq -e '.mode == \"paired\" and .linux_mpps > 0 and .tna_mpps > 0 and .fast_path_share >= 0.95 and .fast_path_share <= 1.05' '$T/out' >/dev/null"

# The loop engine, forced: every phase, steady 1 s windows, the ordering
# every XDP forwarder must show (floor > bare > tna > Linux)
expect_rc 0 "demo --engine loop --floor --bare --seconds 3 --json" "$DEMO" --engine loop --floor --bare --seconds 3 --json
check "loop engine: floor > bare > tna > Linux, tna carried every frame, 1 s windows within 25% ($(jq -c '[.linux_window_spread, .tna_window_spread, .floor_window_spread]' "$T/out" 2>/dev/null))" \
	sh -c "jq -e '.engine == \"loop\" and .inflight == 128 and .floor_mpps.median > .bare_mpps.median and
		.bare_mpps.median > .tna_mpps.median and .tna_mpps.median > 2 * .linux_mpps.median and .fast_path_share >= 0.99 and
		.linux_window_spread < 0.25 and .tna_window_spread < 0.25 and .floor_window_spread < 0.25' '$T/out' >/dev/null"
# More frames in flight than a veth ring holds: the loss is seen, named,
# measured again, and fails the run
expect_rc 1 "loop engine overfilled (--inflight 256): the run fails" "$DEMO" --engine loop --inflight 256 --seconds 1
check "loop engine overfilled: the loss is named and measured again" \
	sh -c "grep -q 'frames in the loop did not come back' '$T/err' && grep -q 'measured again' '$T/err' && grep -q 'run failed' '$T/err'"
# Live frames where the kernel allows them; elsewhere one clear line
if "$B/tna-demo" --engine live --seconds 1 --json >"$T/live" 2>"$T/live.err"; then
	check "live engine (this kernel allows live frames): tna carried every frame" \
		sh -c "jq -e '.engine == \"live\" and .fast_path_share >= 0.99 and .tna_mpps.median > .linux_mpps.median' '$T/live' >/dev/null"
else
	check "live engine refused by this kernel: one line names the facility and the fallback" \
		sh -c "[ \$(wc -l <'$T/live.err') = 1 ] && grep -q 'BPF_F_TEST_XDP_LIVE_FRAMES' '$T/live.err' && grep -q -- '--engine loop' '$T/live.err'"
fi

# A loop cannot outlive its run: kill -9 closes the sink's link (the loop
# stops at once); a stopped demo keeps its links, and the program's own
# deadline (the run's end plus 2 s) stops the loop.
sink_rx() { ip -n "tna-demo-$1-sink" -s -j link show sink0 2>/dev/null | jq -r '.[0].stats64.rx.packets'; }
flowing() { local a b; a=$(sink_rx "$1"); sleep 0.2; b=$(sink_rx "$1"); [ -n "$a" ] && [ "$a" != null ] && [ "$b" -gt "$a" ]; }
still() { local a b; a=$(sink_rx "$1"); sleep 0.3; b=$(sink_rx "$1"); [ -n "$a" ] && [ "$a" = "$b" ]; }
demo_leftovers() { # kill the daemon a killed demo left, delete its namespaces
	local ns
	for ns in gen dut sink; do
		ip netns pids "tna-demo-$1-$ns" 2>/dev/null | xargs -r kill -9
		ip netns del "tna-demo-$1-$ns" 2>/dev/null
	done
}
for how in KILL STOP; do
	"$DEMO" --engine loop --seconds 4 >/dev/null 2>&1 &
	pid=$!
	if ! wait_for 10 flowing $pid; then
		fail "demo under SIG$how: traffic never flowed"
		kill -9 $pid
	else
		kill -$how $pid
		t0=$SECONDS
		if [ $how = KILL ]; then
			check "kill -9 of the demo: the loop stops at once" wait_for 1 still $pid
		else
			check "stopped demo: the loop still runs before its deadline" flowing $pid
			check "stopped demo: the program's deadline stops the loop (within 4 s + 2 s)" wait_for 8 still $pid
			kill -9 $pid
		fi
	fi
	wait $pid 2>/dev/null
	demo_leftovers $pid
done
exit $FAILED
