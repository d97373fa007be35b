#!/usr/bin/env bash
# End to end on real packets (issue 3, "What it must show"): `xpkttrace demo
# native` runs a 3 s iperf3 between two network namespaces through a bridge
# under `record`; `report --json` of its bundle must show
#   - at least 5 TX stages with non-zero counts,
#   - at least 95 % of packets complete (tcp_build to socket_copy),
#   - zero lost events (default buffer size),
#   - p50 below 1 ms for every stage after dev_queue up to tcp_receive
#     (a stage's samples are the time since the previous stage, so these are
#     the hops from the qdisc to TCP's receive path);
# and nothing may be left behind: no namespace, no tracefs instance.
# Bad input is checked too (usage errors, no root).
set -u
. "$(dirname "$0")/lib.bash"

TR=/sys/kernel/tracing
if [ "$(id -u)" -ne 0 ]; then echo "skip: demo native needs root"; exit 77; fi
command -v iperf3 >/dev/null || { echo "skip: no iperf3"; exit 77; }
command -v ip >/dev/null || { echo "skip: no ip (iproute2)"; exit 77; }
command -v jq >/dev/null || { echo "skip: no jq"; exit 77; }
if [ ! -d $TR/instances ]; then mount -t tracefs nodev $TR 2>/dev/null; fi
if [ ! -d $TR/instances ]; then echo "skip: no tracefs"; exit 77; fi

# 1. usage errors: exit 2, one line plus the hint, before anything runs
expect_exit 2 "missing what to demo" "$X" demo
expect_exit 2 "unknown demo 'foo'" "$X" demo foo
expect_exit 2 "bad --duration '0'" "$X" demo native --duration 0
expect_exit 2 "bad --duration 'x'" "$X" demo native --duration x
expect_exit 2 "for demo synth" "$X" demo native --packets 5
expect_exit 0 "" "$X" demo --help
grep -q "usage: xpkttrace demo native" "$T/out" || fail "demo --help prints no usage"

expect_exit 1 "^xpkttrace: demo native needs iperf3" env PATH=/nonexistent "$X" demo native

# 2. not root: one line, exit 1, nothing built (setpriv drops to nobody)
if command -v setpriv >/dev/null; then
	expect_exit 1 "^xpkttrace: demo native needs root" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$X" demo native
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "no-root error is not one line: $(cat "$T/err")"
fi

# 3. the demo itself (its PID names its namespaces and tracefs instance;
# other demos may run on this machine at the same time)
"$X" demo native --duration 3 --quiet -o "$T/b" >"$T/demo.out" 2>"$T/demo.err" &
dpid=$!
wait $dpid || fail "demo native failed: $(cat "$T/demo.err")"
cat "$T/demo.out"
ip netns list 2>/dev/null | grep -E -- "^xpkt-(a|b|br)-$dpid\b" && fail "namespaces left behind"
[ -e $TR/instances/xpkttrace-$dpid ] && fail "tracefs instance xpkttrace-$dpid left behind"
grep -Eq "^iperf3 .* [0-9.]+ Gbit/s sent" "$T/demo.out" || fail "no iperf3 throughput line"
grep -q "client -> server" "$T/demo.out" || fail "no report in the demo's output"

# the manifest: native mode, the namespace devices with their kinds and
# unique ifindexes, the fclone offset
m=$T/b/manifest.json
[ "$(jq -r .mode "$m")" = native ] || fail "mode is not native"
for dk in xpa0:veth xpa1:port xpbr0:bridge xpb1:port xpb0:veth; do
	n=$(jq --arg d "${dk%%:*}" --arg k "${dk#*:}" \
		'[.sources[0].ifaces[] | select(.name == $d and .kind == $k)] | length' "$m")
	[ "$n" -eq 1 ] || fail "device ${dk%%:*} of kind ${dk#*:} listed $n times"
done
jq -e '[.sources[0].ifaces[].ifindex] | length == (unique | length)' "$m" >/dev/null ||
	fail "ifindexes in the manifest are not unique"
jq -e '.sources[0].skb_fclone_offset > 0' "$m" >/dev/null || fail "no skb_fclone_offset"

# the offset: the BTF reader and the measurement on loopback TCP are
# independent; where both work they must agree, and the manifest holds it
"$X" demo fclone >"$T/fc" || fail "demo fclone: neither BTF nor the measurement worked"
cat "$T/fc"
btf=$(sed -n 's/^btf: \([0-9]*\)$/\1/p' "$T/fc")
meas=$(sed -n 's/^measured: \([0-9]*\)$/\1/p' "$T/fc")
if [ -n "$btf" ] && [ -n "$meas" ]; then
	[ "$btf" = "$meas" ] || fail "fclone offset: BTF says $btf, measured $meas"
fi
[ "$(jq .sources[0].skb_fclone_offset "$m")" = "${btf:-$meas}" ] ||
	fail "manifest offset $(jq .sources[0].skb_fclone_offset "$m") is not ${btf:-$meas}"

# 4. what it must show
"$X" report --json -o "$T/r.json" "$T/b" || fail "report failed on the demo bundle"
r=$T/r.json
jq -c '{packets: .packets.tx, lost_events, stages: [.stages[] | select(.direction == "tx") |
	{name, count, p50_ns}]}' "$r"
nz=$(jq '[.stages[] | select(.direction == "tx" and .count > 0)] | length' "$r")
[ "$nz" -ge 5 ] || fail "only $nz TX stages with non-zero counts (want >= 5)"
total=$(jq .packets.tx.total "$r")
complete=$(jq .packets.tx.complete "$r")
[ "$total" -gt 0 ] || fail "no TX packets"
# complete / total >= 95 %, in integers
[ $((complete * 100)) -ge $((total * 95)) ] ||
	fail "$complete of $total packets complete ($((complete * 100 / total)) %, want >= 95 %)"
lost=$(jq '[.lost_events[]] | add // 0' "$r")
[ "$lost" -eq 0 ] || fail "$lost events lost (want 0)"
mlost=$(jq '[.sources[].lost_events // 0] | add' "$m")
[ "$mlost" -eq 0 ] || fail "the recorder counted $mlost lost events (want 0)"
# stages after dev_queue, up to and including tcp_receive, in catalogue order
slow=$(jq -r '[.stages[] | select(.direction == "tx")] as $s
	| ($s | map(.name) | index("dev_queue")) as $q
	| ($s | map(.name) | index("tcp_receive")) as $t
	| if $q == null or $t == null then "missing dev_queue or tcp_receive"
	  else ($s[$q + 1 : $t + 1][] | select(.count == 0 or .p50_ns >= 1000000)
	        | "\(.name) count \(.count) p50 \(.p50_ns) ns") end' "$r")
[ -z "$slow" ] || fail "stages between dev_queue and tcp_receive: $slow"
# origin coverage: of the data skbs the first stage after tcp_build saw, the
# share tcp_sendmsg_locked named (the rest TCP made outside sendmsg: TSO
# split remainders, retransmissions). It follows the load: 74-92 % seen on
# this machine class (more TSO splits when the receiver keeps up). A broken
# identity rule (fclone offset, appends, the header-only filter) takes it near
# 0 %, so the floor is 50 %.
read -r first seen named < <(jq -r '[.stages[] | select(.direction == "tx")] as $s
	| ($s | map(.name) | index("tcp_build")) as $o
	| $s[$o + 1] | "\(.name) \(.count + .unattributed) \(.count)"' "$r")
[ "${seen:-0}" -gt 0 ] || fail "no data skbs seen at the stage after tcp_build"
echo "origin coverage: $named of $seen data skbs at $first named by tcp_build" \
	"($((named * 100 / seen)) %)"
[ $((named * 100)) -ge $((seen * 50)) ] ||
	fail "only $named of $seen data skbs at $first had a tcp_build record (want >= 50 %)"
# the report says the same in words, with the same numbers
if [ "$named" -lt "$seen" ]; then
	grep -q "^  $((seen - named)) of $seen transmitted data skbs at $first (.*) had no tcp_build" \
		"$T/demo.out" || fail "report does not explain the $((seen - named)) unnamed data skbs"
fi
# the capture filters are in the manifest (what was not recorded)
jq -e '.sources[0].filters["tcp:tcp_probe"] == "data_len > 0"
	and .sources[0].filters["net:net_dev_queue"] == "len > 134"' "$m" >/dev/null ||
	fail "manifest lacks the capture filters: $(jq -c .sources[0].filters "$m")"

# 5. Ctrl-C while iperf3 runs: the topology is still removed
"$X" demo native --duration 20 --quiet --no-record >"$T/int.out" 2>"$T/int.err" &
pid=$!
for _ in $(seq 50); do
	ip netns list 2>/dev/null | grep -q "xpkt-a-$pid" && break
	sleep 0.1
done
sleep 1
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 1 ] || fail "interrupted demo exited $rc (want 1): $(cat "$T/int.err")"
ip netns list 2>/dev/null | grep -qE -- "^xpkt-(a|b|br)-$pid\b" && fail "namespaces left after Ctrl-C"

# 6. a demo killed with -9 leaves namespaces; the next demo removes them
"$X" demo native --duration 20 --quiet --no-record >/dev/null 2>&1 &
pid=$!
for _ in $(seq 50); do
	ip netns list 2>/dev/null | grep -q "xpkt-b-$pid" && break
	sleep 0.1
done
sleep 1
kill -9 $pid
wait $pid 2>/dev/null
# its iperf3 processes live on inside the namespaces; the next run ends them
orphans=$(for ns in xpkt-a-$pid xpkt-b-$pid; do ip netns pids "$ns" 2>/dev/null; done)
ip netns list 2>/dev/null | grep -q "xpkt-a-$pid" || fail "kill -9 left no namespaces to clean (test is void)"
[ -n "$orphans" ] || fail "kill -9 left no iperf3 processes (test is void)"
"$X" demo native --duration 1 --quiet --no-record >"$T/next.out" 2>"$T/next.err" ||
	fail "demo after a killed one failed: $(cat "$T/next.err")"
grep -Eq "removed [0-9]+ namespaces of dead demos" "$T/next.err" ||
	fail "leftover namespaces were not reported removed: $(cat "$T/next.err")"
ip netns list 2>/dev/null | grep -qE -- "^xpkt-(a|b|br)-$pid\b" && fail "leftover namespaces of $pid remain"
ls -d /tmp/xpkt-demo-$pid-* 2>/dev/null && fail "private directory of the killed demo remains"
for p in $orphans; do # killed; give their new parent a moment to reap them
	for _ in $(seq 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$p" 2>/dev/null && fail "process $p of the killed demo still runs"
done
echo "ok"
