#!/usr/bin/env bash
# xpkttrace record on this machine: a loopback workload recorded into a
# bundle that report decodes; the tracefs instance is gone afterwards, also
# after Ctrl-C (bundle marked incomplete) and after kill -9 (the next run
# removes the leftover); bad input is a one-line error before anything starts.
set -u
. "$(dirname "$0")/lib.bash"

TR=/sys/kernel/tracing
if [ "$(id -u)" -ne 0 ]; then echo "skip: record needs root"; exit 77; fi
if [ ! -d $TR/instances ]; then mount -t tracefs nodev $TR 2>/dev/null; fi
if [ ! -d $TR/instances ]; then echo "skip: no tracefs"; exit 77; fi
command -v python3 >/dev/null || { echo "skip: no python3 for the workload"; exit 77; }

# Leftovers: instances of recorders that are gone. A live recorder's (another
# run on this machine) is not ours to judge.
mine() {
	local d
	for d in $TR/instances/xpkttrace-*; do
		[ -d "$d" ] && ! kill -0 "${d##*-}" 2>/dev/null && echo "$d"
	done
	return 0
}
[ -z "$(mine)" ] || { echo "leftover instances before the test: $(mine); removing"; }

# Loopback TCP: N messages of SIZE bytes, read one by one.
cat >"$T/lo.py" <<'PY'
import socket, sys, time
n, size = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
c = socket.create_connection(s.getsockname()); a, _ = s.accept()
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for i in range(n):
    c.sendall(b"x" * size)
    got = 0
    while got < size:
        got += len(a.recv(size - got))
if len(sys.argv) > 3: time.sleep(float(sys.argv[3]))
PY

# 1. A normal run: report decodes it, events came back, nothing left behind.
expect_exit 0 "" "$X" record -o "$T/b" --quiet --duration 20 -- python3 "$T/lo.py" 300 1000
[ -z "$(mine)" ] || fail "instance left after a normal run: $(mine)"
[ -f "$T/b/manifest.json" ] || fail "no manifest"
grep -q '"incomplete"' "$T/b/manifest.json" && fail "normal run marked incomplete"
"$X" report --json -o "$T/r.json" "$T/b" || fail "report failed on a recorded bundle"
python3 - "$T/r.json" "$T/b/host.ftrace/meta.json" <<'PY' || fail "decoded events do not match"
import json, sys
r = json.load(open(sys.argv[1])); meta = json.load(open(sys.argv[2]))
written = sum(c["events"] for c in meta["cpus"])
# every native event is mapped, so the decoder returns what the kernel wrote
# (plus LOST records, none here): 300 messages make well over 300 x 4 events
assert r["events_read"] == written, (r["events_read"], written)
assert written > 1200, written
PY

# 2. Ctrl-C mid-recording: a readable bundle marked incomplete, no instance.
"$X" record -o "$T/int" --quiet -- python3 "$T/lo.py" 50 1000 30 &
pid=$!
sleep 2
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 0 ] || fail "interrupted record exited $rc"
[ -z "$(mine)" ] || fail "instance left after SIGINT: $(mine)"
grep -q '"incomplete": true' "$T/int/manifest.json" || fail "SIGINT run not marked incomplete"
"$X" report "$T/int" >/dev/null || fail "report failed on an interrupted bundle"

# 3. kill -9: the instance stays, the next run removes it.
"$X" record -o "$T/k9" --quiet -- sleep 30 &
pid=$!
for i in $(seq 50); do [ -d $TR/instances/xpkttrace-$pid ] && break; sleep 0.1; done
[ -d $TR/instances/xpkttrace-$pid ] || fail "no instance while recording"
kill -9 $pid
wait $pid 2>/dev/null
[ -d $TR/instances/xpkttrace-$pid ] || fail "expected a leftover after kill -9"
expect_exit 0 "" "$X" record -o "$T/after" --quiet --duration 0.5
[ -d $TR/instances/xpkttrace-$pid ] && fail "leftover xpkttrace-$pid not removed by the next run"
[ -z "$(mine)" ] || fail "instances left: $(mine)"

# 4. Bad input: one line, exit 1, nothing created, no instance.
one_line() { [ "$(wc -l <"$T/err")" -eq 1 ] || fail "$*: not one line: $(cat "$T/err")"; }
expect_exit 1 "unknown event 'net:no_such_event'" "$X" record -o "$T/e1" --events net:no_such_event -- true
one_line unknown event
expect_exit 1 "no such interface 'nosuchdev0'" "$X" record -o "$T/e2" --iface nosuchdev0 -- true
one_line missing iface
expect_exit 1 "bad filter" "$X" record -o "$T/e3" --iface lo --filter 'tcp port banana' -- true
one_line bad filter
expect_exit 1 "command not found" "$X" record -o "$T/e4" -- /nonexistent/cmd
one_line missing command
for d in e1 e2 e3 e4; do [ -e "$T/$d" ] && fail "$d: output left behind"; done
[ -z "$(mine)" ] || fail "instances left after errors: $(mine)"
expect_exit 2 "" "$X" record
expect_exit 2 "" "$X" record --duration banana -- true
expect_exit 0 "" "$X" record --help

# 5. Wire capture: pcap with nanosecond magic, a source in the manifest.
expect_exit 0 "" "$X" record -o "$T/w" --quiet --iface lo --filter tcp -- python3 "$T/lo.py" 20 500
[ "$(head -c4 "$T/w/wire.pcap" | od -An -tx4 | tr -d ' ')" = a1b23c4d ] || fail "wire.pcap is not nanosecond pcap"
grep -q '"format": "pcap"' "$T/w/manifest.json" || fail "no pcap source"
"$X" report "$T/w" >/dev/null || fail "report failed with a wire source"
exit 0
