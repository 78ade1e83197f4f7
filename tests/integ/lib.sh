#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Shared helpers of the namespace tests: unique names per run, cleanup on
# any exit, the daemon under test, captures and counters.
B=${B:-build}
TNA=${TNA:-$B/tna-asan} # the daemon under test: the ASan/UBSan build
CLI=$B/tna
DEMO=$B/tna-demo
PKTIO=$B/tna-pktio
P=ti$$r$RANDOM # namespace prefix, unique per run
T=$(mktemp -d /tmp/tna-test.XXXXXX)
FAILED=0
TNA_PID=
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=23}
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

pass() { echo "PASS $*"; }
fail() {
	echo "FAIL $*"
	FAILED=1
}
# check NAME CMD...: one line per case
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

lib_cleanup() {
	[ -n "$TNA_PID" ] && kill -9 "$TNA_PID" 2>/dev/null
	for ns in $(ip netns list | awk '{print $1}' | grep "^$P-"); do
		ip netns del "$ns"
	done
	rm -rf "$T"
}
trap lib_cleanup EXIT
trap 'exit 130' INT TERM

nsx() { local ns=$1; shift; ip netns exec "$P-$ns" "$@"; }
nsip() { local ns=$1; shift; ip -n "$P-$ns" "$@"; }
mac_of() { nsip "$1" -br link show "$2" | awk '{print $3}'; }

# wait_for SECONDS CMD...: poll until CMD succeeds
wait_for() {
	local t=$(($1 * 20))
	shift
	while [ $t -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
		t=$((t - 1))
	done
	return 1
}

tna_start() { # ns [run options]; ip netns exec execs the daemon: $! is the daemon
	local ns=$1
	shift
	ip netns exec "$P-$ns" "$TNA" run -v ${TNA_VERBOSE:-} "$@" >"$T/tna.log" 2>&1 &
	TNA_PID=$!
	TNA_NS=$ns
}
tna_stop() { # returns the daemon's exit status
	local rc=0
	[ -z "$TNA_PID" ] && return 0
	kill -TERM "$TNA_PID"
	wait "$TNA_PID" || rc=$?
	TNA_PID=
	[ $rc -ne 0 ] && sed 's/^/    daemon: /' "$T/tna.log" | tail -40
	return $rc
}
status_json() { nsx "$TNA_NS" "$CLI" status --json; }
# jq over one interface of the status: iface_q IFACE FILTER
iface_q() { status_json | jq -r ".interfaces[] | select(.name==\"$1\") | $2"; }
attached() { [ "$(iface_q "$1" .attached)" = true ]; }
not_attached() { [ "$(iface_q "$1" .attached)" = false ]; }
fast_path() { iface_q "$1" '.counters.fast_path.packets // 0'; }
to_linux() { iface_q "$1" '[.counters.fallback[]] | add // 0'; }
fallback() { iface_q "$1" ".counters.fallback.$2 // 0"; }
no_xdp_in() { ! nsip "$1" link show | grep -q 'xdp'; }
reason_has() { iface_q "$1" .reason | grep -q "$2"; }
v4_fallback_has() { iface_q "$1" .family_fallback.ipv4 | grep -q "$2"; }
v4_fast() { [ "$(iface_q "$1" .family_fallback.ipv4)" = null ]; }
has_module() { iface_q "$1" '.modules | join(",")' | grep -q "$2"; }
resumed() { [ "$(iface_q "$1" '.attached and .egress_xdp')" = true ]; }
absent() { [ -z "$(iface_q "$1" .name)" ]; }

# capture NS IFACE OUT [recv filters...]: background capture, ready when it returns
capture() {
	local ns=$1 ifc=$2 out=$3
	shift 3
	rm -f "$out.ready"
	nsx "$ns" "$PKTIO" recv "$ifc" --ready "$out.ready" "$@" >"$out" &
	CAP_PIDS="$CAP_PIDS $!"
	wait_for 3 test -e "$out.ready"
}
capture_wait() {
	for p in $CAP_PIDS; do wait "$p"; done
	CAP_PIDS=
}
lines() { grep -c . "$1" || true; }
# arrived NS IFACE SEND-ARGS...: UDP/9 packets arriving at NS's IFACE while
# the test's send() sends SEND-ARGS
arrived() {
	local ns=$1 ifc=$2
	shift 2
	capture "$ns" "$ifc" "$T/arrived.$ns" --seconds 1 --udp-dport 9
	send "$@"
	capture_wait
	lines "$T/arrived.$ns"
}

# run_tests NS IFACE DEFAULT-TESTS...: runs $TESTS if set (a subset, for
# developers: the daemon is started in NS first unless the subset begins
# with t_differential, which starts it), else the default list.
run_tests() {
	local ns=$1 ifc=$2 t
	shift 2
	if [ -n "${TESTS:-}" ] && [ "${TESTS#t_differential}" = "$TESTS" ]; then
		tna_start "$ns"
		wait_for 10 attached "$ifc" || fail "tna run attaches to $ifc"
	fi
	for t in ${TESTS:-$*}; do
		$t
	done
}

# h1 --- r0 [R] r1 --- h2, r2 --- h3: 10.20.N.0/24 and fd20:N::/64, hosts
# route via R, forwarding on, GRO on the hosts' veths (NAPI for XDP frames).
router_topology() {
	for ns in h1 r h2 h3; do ip netns add "$P-$ns" && nsip $ns link set lo up; done
	nsip h1 link add h1 type veth peer name r0 netns "$P-r"
	nsip r link add r1 type veth peer name h2 netns "$P-h2"
	nsip r link add r2 type veth peer name h3 netns "$P-h3"
	local i=1
	for h in h1 h2 h3; do
		nsip $h addr add 10.20.$i.2/24 dev $h
		nsip $h addr add fd20:$i::2/64 dev $h nodad
		nsip $h link set $h up
		nsip $h route add default via 10.20.$i.1
		nsip $h -6 route add default via fd20:$i::1
		# NAPI on the host side, so the router's veth can take XDP frames
		nsx $h ethtool -K $h gro on >/dev/null
		nsip r addr add 10.20.$i.1/24 dev r$((i - 1))
		nsip r addr add fd20:$i::1/64 dev r$((i - 1)) nodad
		nsip r link set r$((i - 1)) up
		i=$((i + 1))
	done
	nsx r sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward; echo 1 > /proc/sys/net/ipv6/conf/all/forwarding'
	R0=$(mac_of r r0)
}

run_case() { # phase case
	local phase=$1 spec=$2 name caps args k=0
	IFS='|' read -r name caps args _ <<<"$spec"
	for c in $caps; do
		IFS=':' read -r ns ifc filt <<<"$c"
		filt=${filt//,/ } # "--udp-dport=9,--norm-id": options, "=" for a space
		# frames as a wire would carry them (a checksum left to offload
		# completed), whoever forwarded them
		capture "$ns" "$ifc" "$T/$phase.$CASE_ID.$k" --seconds 1 --wire ${filt:+${filt//=/ }}
		k=$((k + 1))
	done
	# shellcheck disable=SC2086
	send $args
	capture_wait
}

# differential: CASES run with Linux alone, then with tna in $DUT (attached
# on $DUT_IFACE at least); send() is the test's. What arrives must be
# byte-identical and the fast path of the ingress (the case's fifth field,
# default $DUT_IFACE) must carry it.
differential() {
	local id
	# Prime neighbour caches with one Linux-only pass, then measure both.
	for phase in warm linux; do
		id=0
		for spec in "${CASES[@]}"; do CASE_ID=$id run_case $phase "$spec"; id=$((id + 1)); done
	done
	tna_start "$DUT"
	if ! wait_for 10 attached "$DUT_IFACE"; then
		fail "tna run attaches to $DUT_IFACE"
		sed 's/^/    /' "$T/tna.log"
		return
	fi
	pass "tna run attaches to $DUT_IFACE ($(iface_q "$DUT_IFACE" .mode), modules $(iface_q "$DUT_IFACE" '.modules | join(",")'))"
	id=0
	for spec in "${CASES[@]}"; do
		local name args mode ing fp0 fp1 lx0 lx1 same=1 total=0 k=0
		IFS='|' read -r name _ args mode ing <<<"$spec"
		ing=${ing:-$DUT_IFACE}
		fp0=$(fast_path "$ing")
		lx0=$(to_linux "$ing")
		CASE_ID=$id run_case tna "$spec"
		fp1=$(fast_path "$ing")
		lx1=$(to_linux "$ing")
		for f in "$T"/linux.$id.*; do
			[ "${f##*.}" = ready ] && continue
			local g=$T/tna.$id.${f##*.}
			total=$((total + $(lines "$f")))
			if [ "$mode" = bytes ]; then
				cmp -s "$f" "$g" || same=0
			else
				[ "$(lines "$f")" = "$(lines "$g")" ] || same=0
			fi
		done
		local sent=$(sed -n 's/.*--count \([0-9]*\).*/\1/p' <<<"$args")
		if [ "$mode" = bytes ]; then
			# Every packet arrived, identical to Linux's, and the fast path carried each one.
			if [ $same = 1 ] && [ "$total" = "$sent" ] && [ $((fp1 - fp0)) = "$sent" ]; then
				pass "differential: $name ($sent packets byte-identical, all via fast path)"
			else
				fail "differential: $name (identical=$same arrived=$total/$sent fast-path=$((fp1 - fp0)))"
				for f in "$T"/linux.$id.*; do
					[ "${f##*.}" = ready ] && continue
					diff <(cut -c1-200 "$f") <(cut -c1-200 "$T/tna.$id.${f##*.}") | head -6 | sed 's/^/    /'
				done
			fi
		else
			# Handed to Linux: counted as fallbacks on the ingress. (The
			# fast path may carry a host's own stray packet meanwhile.)
			if [ $same = 1 ] && [ $((lx1 - lx0)) -ge "$sent" ] && [ "$(lines "$T/tna.$id.0")" = "$sent" ] &&
				[ "$(lines "$T/linux.$id.0")" = "$sent" ]; then
				pass "differential: $name (Linux answered all $sent, all handed to Linux; fast path meanwhile $((fp1 - fp0)))"
			else
				fail "differential: $name (same=$same to-linux=$((lx1 - lx0)) fast-path=$((fp1 - fp0)) answers=$(lines "$T/tna.$id.0")/$sent)"
			fi
		fi
		id=$((id + 1))
	done
}

# tcp_stream SRC SINK ADDR PORT BYTES: a TCP connection from host SRC to
# ADDR:PORT on host SINK; prints the bytes the sink got ("0" if blocked).
tcp_stream() { # FROM TO ADDR PORT BYTES [LADDR LPORT]: the sink listens
	local out=$T/sink.$RANDOM pid # on LADDR:LPORT (NAT), default ADDR:PORT
	nsx "$2" "$PKTIO" tcp-sink "${6:-$3}" "${7:-$4}" 4 >"$out" &
	pid=$!
	sleep 0.2
	nsx "$1" timeout 3 "$PKTIO" tcp-send "$3" "$4" "$5" >/dev/null 2>&1
	wait $pid
	cat "$out"
}

# ingress_seen REGEX: "FAST LINUX" packets so far over the interfaces whose
# names match: carried by the fast path, handed to Linux
ingress_seen() {
	status_json | jq -r --arg re "$1" '[.interfaces[] | select(.name | test($re))] |
		"\([.[].counters.fast_path.packets // 0] | add) \([.[].counters.fallback[]?] | add // 0)"'
}
# stream_share REGEX OUT FROM TO ADDR PORT [LADDR LPORT]: a 20 MB stream
# (the bytes delivered into OUT); prints "FAST LINUX" it added over REGEX
stream_share() {
	local re=$1 out=$2 f0 l0 f1 l1
	shift 2
	read -r f0 l0 <<<"$(ingress_seen "$re")"
	tcp_stream "$1" "$2" "$3" "$4" 20000000 "${5:-}" "${6:-}" >"$out"
	read -r f1 l1 <<<"$(ingress_seen "$re")"
	echo "$((f1 - f0)) $((l1 - l0))"
}
# check_all_share REGEX: of every packet the ingresses matching REGEX saw
# while tna ran (streams, handshakes, neighbour resolution, the connections
# of both outcome rounds), at least 80 % on the fast path
check_all_share() {
	local f l
	read -r f l <<<"$(ingress_seen "$1")"
	check "all packets the ingresses saw while tna ran: $f on the fast path, $l to Linux (at least 80 %)" \
		test $((f * 10)) -ge $(((f + l) * 8))
}
# check_share LABEL OUT FAST LINUX: all 20 MB delivered, 90 % fast at least
check_share() {
	check "$1, 20 MB: $(cat "$2") bytes, $3 packets on the fast path, $4 to Linux (at least 90 %)" \
		test "$(cat "$2")" = 20000000 -a $(($3 * 10)) -ge $((($3 + $4) * 9))
}

# rule_under_traffic LABEL NS SINK ADDR COUNT-FN NFT-ARGS...: a UDP ping
# from h1 to ADDR:5002 (answered on host SINK) runs on the fast path
# (COUNT-FN: its packet counter); `nft NFT-ARGS` in NS then inserts a rule
# dropping it, and nothing may arrive once nft has returned.
rule_under_traffic() {
	local label=$1 ns=$2 sink=$3 addr=$4 count=$5 epid ppid c0 c1
	shift 5
	nsx "$sink" "$PKTIO" udp-echo "$addr" 5002 8 >"$T/echo" &
	epid=$!
	c0=$($count)
	nsx h1 "$PKTIO" udp-ping "$addr" 5002 60 50 >"$T/ping" &
	ppid=$!
	sleep 3
	c1=$($count)
	nsx "$ns" nft "$@"
	capture "$sink" "$sink" "$T/after" --seconds 1.5 --udp-dport 5002
	capture_wait
	wait $ppid
	wait $epid
	check "$label inserted under fast-path traffic: nothing delivered after nft returned ($(lines "$T/after") frames)" \
		[ "$(lines "$T/after")" = 0 ]
	check "$label: the flow was on the fast path before it ($((c1 - c0)) packets)" [ $((c1 - c0)) -gt 0 ]
}
