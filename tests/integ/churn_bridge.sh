#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Per-packet churn: a bridge and a route into it are reconfigured under
# load, one change at a time, and every frame that arrives anywhere is
# judged against the configuration Linux had when it arrived.
#   h1 --- p1 [br0 10.30.0.1] p2 --- h2        br_netfilter on
#               p3 --- h3
#   h0 --- r0 10.20.0.1                         S routes r0 -> br0
# Two flows, both UDP/9: from h1 bridged to station X (no host; the FDB
# says where it is), and from h0 routed into the bridge to 10.40.0.0/24
# (via h2, via h3, or blackholed). Changes, picked at random (seeded): X's static FDB entry
# moved between p2 and p3 or deleted, p3 removed from and added to the
# bridge, p2 down and up, the route replaced, an iptables-restore of the
# whole filter table (with or without a drop of the flows), a bridge-family
# table that drops X added and deleted.
# The same seeded sequence runs twice, Linux alone and with tna. A frame
# that arrives where the configuration in force at its arrival (the
# kernel's receive timestamp) would not send it is:
#   - in flight if it arrived while the change was being made;
#   - late if the configuration of at most $WINDOW_MS ms earlier sent it
#     there (the reconfiguration window, counted and reported);
#   - misdelivered otherwise: the test fails and prints it.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh

CHANGES=${CHANGES:-1000} # per run
SEED=${SEED:-$((RANDOM % 1000 + 1))}
WINDOW_MS=10
X=02:cc:00:00:00:01

for ns in s h0 h1 h2 h3; do ip netns add "$P-$ns" && nsip $ns link set lo up; done
nsip h0 link add h0 type veth peer name r0 netns "$P-s"
nsip h0 addr add 10.20.0.2/24 dev h0
nsip h0 link set h0 up
nsx h0 ethtool -K h0 gro on >/dev/null
nsip s addr add 10.20.0.1/24 dev r0
nsip s link set r0 up
# A bridge whose MAC follows its ports changes address when p3 (if it has
# the lowest MAC) leaves or joins, and a MAC change flushes every neighbour
# of br0, permanent ones too: frames then wait in the ARP queue for seconds
# and leave under a later configuration, which the judge cannot model. A
# set address stays put.
nsip s link add br0 address 02:cc:00:00:00:fe type bridge
for i in 1 2 3; do
	nsip h$i link add h$i type veth peer name p$i netns "$P-s"
	nsip h$i addr add 10.30.0.1$i/24 dev h$i
	nsx h$i sysctl -qw net.ipv6.conf.h$i.router_solicitations=0
	nsx h$i sysctl -qw net.ipv6.conf.h$i.disable_ipv6=1
	nsip h$i link set h$i up
	nsx h$i ethtool -K h$i gro on >/dev/null
	nsip s link set p$i master br0
	nsip s link set p$i up
done
nsip s link set br0 up
nsip s addr add 10.30.0.1/24 dev br0
nsx s sysctl -qw net.ipv4.ip_forward=1
nsx s sh -c 'echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables'
M2=$(mac_of h2 h2)
M3=$(mac_of h3 h3)
R0=$(mac_of s r0)
nsip s neigh replace 10.30.0.12 lladdr "$M2" nud permanent dev br0
nsip s neigh replace 10.30.0.13 lladdr "$M3" nud permanent dev br0
nsx h1 "$PKTIO" send h1 ff:ff:ff:ff:ff:ff --src 10.30.0.11 --dst 10.30.0.255 --count 1

ruleset() { # DROP: 1 drops the test's flows
	{
		printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n'
		printf -- '-A FORWARD -p tcp --dport 22 -j DROP\n-A FORWARD -s 10.99.0.0/16 -j DROP\n'
		[ "$1" = 1 ] && printf -- '-A FORWARD -p udp --dport 9 -j DROP\n'
		printf 'COMMIT\n'
	} >"$T/rules$1"
	nsx s iptables-restore "$T/rules$1"
}

# The configuration, as the test keeps track of it
reset_config() {
	nsip s link set p3 master br0 2>/dev/null
	nsip s link set p2 up
	bridge -n "$P-s" fdb replace "$M2" dev p2 master static
	bridge -n "$P-s" fdb replace "$M3" dev p3 master static
	bridge -n "$P-s" fdb replace "$X" dev p2 master static
	nsip s route replace 10.40.0.0/24 via 10.30.0.12
	nsx s nft delete table bridge churn 2>/dev/null
	ruleset 0
	FDBX=p2 P3IN=1 M3KNOWN=1 P2UP=1 FW=0 BFW=0 ROUTE=h2
}

# allowed: where each flow may arrive now, as four 0/1 digits:
# bridged flow at h2, at h3, routed flow at h2, at h3
allowed() {
	local a=0 b=0 c=0 d=0
	if [ $FW = 0 ]; then
		if [ $BFW = 0 ]; then
			case $FDBX in
			p2) a=$P2UP ;;
			p3) b=$P3IN ;;
			none) a=$P2UP b=$P3IN ;; # unknown: flooded
			esac
		fi
		case $ROUTE in
		h2) c=$P2UP ;;
		h3) if [ $M3KNOWN = 1 ]; then d=$P3IN; else c=$P2UP d=$P3IN; fi ;;
		esac
	fi
	echo "$a$b$c$d"
}

# pick: one valid change, at random; sets CMD and the new state. Port and
# link changes make the daemon load a program (hundreds of ms, during which
# the fast path hands everything to Linux): they are 2 picks in 64.
pick() {
	local r
	while :; do
		r=$((RANDOM % 64))
		case $r in
		0) if [ $P3IN = 1 ]; then
				CMD="ip -n $P-s link set p3 nomaster" P3IN=0 M3KNOWN=0
				[ $FDBX = p3 ] && FDBX=none
			else
				CMD="ip -n $P-s link set p3 master br0" P3IN=1
			fi
			return ;;
		1) if [ $P2UP = 1 ]; then
				CMD="ip -n $P-s link set p2 down" P2UP=0
			else
				CMD="ip -n $P-s link set p2 up" P2UP=1
			fi
			return ;;
		esac
		case $((r % 12)) in
		0 | 1) CMD="bridge -n $P-s fdb replace $X dev p2 master static" FDBX=p2 ;;
		2 | 3) [ $P3IN = 1 ] || continue
			CMD="bridge -n $P-s fdb replace $X dev p3 master static" FDBX=p3 ;;
		4) [ $FDBX != none ] || continue
			CMD="bridge -n $P-s fdb del $X dev $FDBX master" FDBX=none ;;
		5) [ $P3IN = 1 ] && [ $M3KNOWN = 0 ] || continue
			CMD="bridge -n $P-s fdb replace $M3 dev p3 master static" M3KNOWN=1 ;;
		6 | 7) CMD="ip -n $P-s route replace 10.40.0.0/24 via 10.30.0.12" ROUTE=h2 ;;
		8) CMD="ip -n $P-s route replace 10.40.0.0/24 via 10.30.0.13" ROUTE=h3 ;;
		9) CMD="ip -n $P-s route replace blackhole 10.40.0.0/24" ROUTE=bh ;;
		10) FW=$((1 - FW))
			CMD="ip netns exec $P-s iptables-restore $T/rules$FW" ;;
		*) if [ $BFW = 0 ]; then
				CMD="ip netns exec $P-s nft -f $T/bfw" BFW=1
			else
				CMD="ip netns exec $P-s nft delete table bridge churn" BFW=0
			fi ;;
		esac
		return
	done
}
printf 'table bridge churn {\n\tchain f {\n\t\ttype filter hook forward priority 0;\n\t\tether daddr %s drop\n\t}\n}\n' "$X" >"$T/bfw"
ruleset 1 >/dev/null
ruleset 0

traffic() {
	while [ -e "$T/load" ]; do
		nsx h1 "$PKTIO" send h1 "$X" --src 10.30.0.11 --dst 10.30.0.99 --count 32 --flows 4 --stamp
		nsx h0 "$PKTIO" send h0 "$R0" --src 10.20.0.2 --dst 10.40.0.9 --count 32 --flows 4 --stamp
	done
}

# run NAME: the seeded sequence of $CHANGES changes under load
run() {
	local name=$1 i t0 t1 load
	reset_config
	RANDOM=$SEED
	rm -f "$T/stop"
	for h in h2 h3; do
		capture $h $h "$T/$name.$h" --seconds 120 --stop "$T/stop" --udp-dport 9 --timestamps
	done
	touch "$T/load"
	traffic &
	load=$!
	sleep 0.3
	echo "$EPOCHREALTIME $EPOCHREALTIME $(allowed) start" >"$T/$name.changes"
	for i in $(seq 1 "$CHANGES"); do
		pick
		t0=$EPOCHREALTIME
		$CMD >/dev/null 2>"$T/cmd.err" || fail "$name: change $i failed: $CMD: $(cat "$T/cmd.err")"
		t1=$EPOCHREALTIME
		echo "$t0 $t1 $(allowed) ${CMD#* $P-s }" >>"$T/$name.changes"
		sleep 0.0$((RANDOM % 20))
	done
	sleep 0.3
	rm -f "$T/load"
	wait $load
	sleep 0.2
	touch "$T/stop"
	capture_wait
}

# judge NAME: every frame at h2 and h3 against the change log. A frame
# carries its send time; it is right if a configuration in force at some
# moment between its sending and its arrival sends it there:
#   exact     the configuration at its arrival does;
#   inflight  an earlier one does (sent before a change, arrived after);
#   lag       none does, but one in force at most $WINDOW_MS ms before it
#             was sent does (the fast path had not caught up yet);
#   bad       misdelivered: printed on stderr.
# Prints "frames exact inflight lag max_lag_us bad".
judge() {
	awk -v W="$WINDOW_MS" -v H2="$T/$1.h2" '
	function hex(h,  v, i) { v = 0; for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1; return v }
	function at(t,  lo, hi, m) { lo = 1; hi = n; while (lo < hi) { m = int((lo + hi + 1) / 2); if (t0[m] <= t) lo = m; else hi = m - 1 } return lo }
	function ok(j) { return j >= 1 && substr(al[j], slot, 1) == "1" }
	FNR == 1 && FILENAME != prev { file++; prev = FILENAME }
	file == 1 { t0[NR] = $1; t1[NR] = $2; al[NR] = $3; $1 = $2 = $3 = ""; what[NR] = $0; n = NR; next }
	{
		dst = substr($2, 61, 8)
		flow = dst == "0a1e0063" ? 0 : dst == "0a280009" ? 2 : -1
		if (flow < 0) next
		slot = flow + (FILENAME == H2 ? 1 : 2)
		ta = $1; ts = hex(substr($2, 85, 16)) / 1e6; frames++
		ia = at(ta); is = at(ts)
		if (ts < t1[is]) is--
		if (ok(ia) && ta >= t1[ia]) { exact++; next }
		for (j = ia; j >= is; j--) if (ok(j)) { inflight++; next }
		for (j = is - 1; j >= 1 && ts - t1[j + 1] <= W / 1000; j--)
			if (ok(j)) {
				lag++; l = ts - t1[j + 1]
				if (l > maxl) maxl = l
				next
			}
		bad++
		printf "  misdelivered: %s frame at %s, sent %.3f ms after change %d (%s, allows %s), arrived %.3f ms later; before it: %s\n",
			flow ? "routed" : "bridged", FILENAME == H2 ? "h2" : "h3", (ts - t1[is]) * 1000, is - 1, what[is], al[is], (ta - ts) * 1000, al[is - 1] > "/dev/stderr"
	}
	END { printf "%d %d %d %d %d %d\n", frames, exact, inflight, lag, maxl * 1e6, bad }
	' "$T/$1.changes" "$T/$1.h2" "$T/$1.h3"
}

fast() { status_json | jq '[.interfaces[].counters.fast_path.packets // 0] | add'; }

run linux
read -r frames exact inflight lag maxl bad < <(judge linux 2>"$T/linux.bad")
check "Linux alone, seed $SEED: $CHANGES changes under load, $frames frames judged: $exact as configured, $inflight in flight, $lag sent after a change but forwarded by the configuration before it (max $maxl us), $bad misdelivered" \
	test "$bad" = 0 -a "$frames" -gt 1000
head -20 "$T/linux.bad"

tna_start s
check "tna run attaches to the bridge's ports and r0" wait_for 10 attached p1
wait_for 5 attached r0
fp0=$(fast)
run tna
fp=$(($(fast) - fp0))
busy=$(status_json | jq '[.interfaces[].counters.fallback.controller_busy // 0] | add')
read -r frames exact inflight lag maxl bad < <(judge tna 2>"$T/tna.bad")
check "tna, seed $SEED: $CHANGES changes under load, $frames frames judged: $exact as configured, $inflight in flight, $lag sent after a change but forwarded by the configuration before it (at most ${WINDOW_MS} ms; max $maxl us), $bad misdelivered; $fp by the fast path, $busy to Linux while the daemon loaded programs" \
	test "$bad" = 0 -a "$frames" -gt 1000 -a "$fp" -gt $((frames / 8))
head -20 "$T/tna.bad"
answers() { status_json >/dev/null; }
check "tna: the daemon is alive and answers after the churn" answers
reset_config
wait_for 5 attached p2
wait_for 5 attached p3
nsx h1 "$PKTIO" send h1 "$X" --src 10.30.0.11 --dst 10.30.0.99 --count 1
# The reset is a burst of changes the daemon may still be loading programs
# for (it then hands the frames to Linux): up to three tries, 1 s apart.
for try in 1 2 3; do
	sleep 0.5
	fp0=$(fast)
	capture h2 h2 "$T/final" --seconds 1 --udp-dport 9
	nsx h1 "$PKTIO" send h1 "$X" --src 10.30.0.11 --dst 10.30.0.99 --count 10
	capture_wait
	n=$(lines "$T/final") nf=$(($(fast) - fp0))
	[ "$n" = 10 -a "$nf" -ge 10 ] && break
done
check "after the churn: 10/10 bridged to X at h2 on the fast path ($n, fast $nf, try $try)" \
	test "$n" = 10 -a "$nf" -ge 10
check "SIGTERM: exit 0, no sanitizer report or leak" tna_stop
echo "re-run: SEED=$SEED CHANGES=$CHANGES $0"
[ -n "${KEEP:-}" ] && cp -r "$T" "$KEEP"
exit $FAILED
