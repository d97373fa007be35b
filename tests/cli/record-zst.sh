#!/usr/bin/env bash
# xpkttrace record's compressed bundles: by default the per-CPU pages end up
# as cpuN.raw.zst (no cpuN.raw left), meta.json names them, and report
# decodes them to exactly the events the kernel wrote; the zstd CLI (an
# independent decoder) gets back the byte counts the recorder wrote, and the
# bundle it decompresses reports the same. --no-compress keeps cpuN.raw.
# A cut .zst is a one-line error naming the file and an offset.
set -u
. "$(dirname "$0")/lib.bash"

TR=/sys/kernel/tracing
if [ "$(id -u)" -ne 0 ]; then echo "skip: record needs root"; exit 77; fi
if [ ! -d $TR/instances ]; then mount -t tracefs nodev $TR 2>/dev/null; fi
if [ ! -d $TR/instances ]; then echo "skip: no tracefs"; exit 77; fi
command -v python3 >/dev/null || { echo "skip: no python3 for the workload"; exit 77; }

# Loopback TCP: N messages of SIZE bytes, read one by one.
cat >"$T/lo.py" <<'PY'
import socket, sys
n, size = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
c = socket.create_connection(s.getsockname()); a, _ = s.accept()
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for i in range(n):
    c.sendall(b"x" * size)
    got = 0
    while got < size:
        got += len(a.recv(size - got))
PY

# events_read of report --json equals the kernel's count in meta.json
check_events() { # $1 = bundle, $2 = report json
	python3 - "$2" "$1/host.ftrace/meta.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); meta = json.load(open(sys.argv[2]))
written = sum(c["events"] for c in meta["cpus"])
assert r["events_read"] == written, (r["events_read"], written)
assert written > 1200, written  # 300 messages make well over 300 x 4 events
PY
}

# 1. Default: compressed.
"$X" record -o "$T/z" --duration 20 -- python3 "$T/lo.py" 300 1000 2>"$T/rec.err" ||
	fail "record failed: $(cat "$T/rec.err")"
grep -q 'compressed .* MB -> .* MB' "$T/rec.err" || fail "no compression summary: $(cat "$T/rec.err")"
ls "$T/z/host.ftrace"/cpu*.raw.zst >/dev/null 2>&1 || fail "no cpuN.raw.zst"
ls "$T/z/host.ftrace"/cpu*.raw >/dev/null 2>&1 && fail "raw files left beside the .zst"
ls "$T/z/host.ftrace"/*tmp* >/dev/null 2>&1 && fail "temporary files left"
python3 - "$T/z/host.ftrace/meta.json" "$T/z/host.ftrace" <<'PY' || fail "meta.json does not name the .zst files"
import json, os, sys
meta = json.load(open(sys.argv[1]))
for c in meta["cpus"]:
    assert c["file"] == "cpu%d.raw.zst" % c["cpu"], c
    assert os.path.getsize(os.path.join(sys.argv[2], c["file"])) == c["stored_bytes"], c
assert meta["compression"]["codec"] == "zstd"
assert meta["compression"]["raw_bytes"] == sum(c["bytes"] for c in meta["cpus"])
PY
"$X" report --json -o "$T/z.json" "$T/z" || fail "report failed on a compressed bundle"
check_events "$T/z" "$T/z.json" || fail "compressed: decoded events do not match the kernel's"

# 2. The zstd CLI decompresses each file to the bytes the recorder wrote,
#    and that raw bundle reports exactly what the compressed one did.
if command -v zstd >/dev/null; then
	cp -r "$T/z" "$T/u"
	for f in "$T/u/host.ftrace"/cpu*.raw.zst; do
		zstd -q -d --rm "$f" || fail "zstd -d $f failed"
	done
	python3 - "$T/u/host.ftrace/meta.json" "$T/u/host.ftrace" <<'PY' || fail "zstd -d sizes differ from meta.json bytes"
import json, os, sys
p = sys.argv[1]; meta = json.load(open(p))
for c in meta["cpus"]:
    c["file"] = c["file"][:-len(".zst")]
    assert os.path.getsize(os.path.join(sys.argv[2], c["file"])) == c["bytes"], c
json.dump(meta, open(p, "w"), indent=2)
PY
	"$X" report --json -o "$T/u.json" "$T/u" || fail "report failed on the decompressed bundle"
	cmp -s "$T/u.json" "$T/z.json" || fail "raw and compressed reports differ"
fi

# 3. --no-compress: raw pages, as before.
expect_exit 0 "" "$X" record -o "$T/r" --quiet --no-compress --duration 20 -- \
	python3 "$T/lo.py" 300 1000
ls "$T/r/host.ftrace"/cpu*.raw >/dev/null 2>&1 || fail "--no-compress: no cpuN.raw"
ls "$T/r/host.ftrace"/cpu*.zst >/dev/null 2>&1 && fail "--no-compress: .zst written"
grep -q '"compression"' "$T/r/host.ftrace/meta.json" && fail "--no-compress: meta.json says compressed"
"$X" report --json -o "$T/r.json" "$T/r" || fail "report failed on a raw bundle"
check_events "$T/r" "$T/r.json" || fail "raw: decoded events do not match the kernel's"

# 4. A cut .zst: one line, "FILE: offset N: ...", exit 1.
f=$(ls "$T/z/host.ftrace"/cpu*.raw.zst | head -1)
size=$(stat -c %s "$f")
head -c $((size - 5)) "$f" >"$T/cut" && mv "$T/cut" "$f"
expect_exit 1 "$(basename "$f"): offset [0-9]+: zstd" "$X" report "$T/z"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "cut .zst: not one line: $(cat "$T/err")"
exit 0
