#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# testbed/bundle.sh - one bundle of a run: dom0's recording plus the wire.
#
#   testbed/bundle.sh RUNDIR
#
# RUNDIR/dom0 is what `xpkttrace record --xen` wrote in dom0 (sources dom0 and
# xen). RUNDIR/bundle is that bundle (files hard-linked, the recording stays
# as it was) with QEMU's filter-dump capture added as source "wire"
# (wire.pcap, hard-linked too) in its manifest.
#
# The wire's clock: QEMU stamps pcap records with the host's realtime clock;
# dom0's and Xen's stamps are the TSC QEMU emulates. The offset between them
# comes from the clock markers (guest/nic-marker.sh): dom0's TSC at
# net_dev_start_xmit of each 1242-byte ICMP echo to 10.0.0.99 on the NIC
# (marker-dom0.txt) and the same frames' pcap times, paired in order;
# offset_ns = min(wire_ns - tsc_ns) over the pairs ("offset_from": "estimated",
# the pairs' spread on stderr). Markers are sent before the first test and
# after the last; with both groups the bundle's tsc_hz becomes the TSC's rate
# measured against the host's clock between the two groups' least-delayed
# pairs ("tsc_hz_from": "wire markers"; dom0's own calibration is kept as
# "tsc_hz_kernel"): under TCG the kernels' calibrations are off by up to
# 0.1 %, tens of milliseconds over a run, more than a packet's whole path.
# Without markers the source says "offset_from": "unaligned" and offset_ns 0.
#
# The guest agent's recording (RUNDIR/guest1/g, guest/domU-init) becomes source
# "guest1" (domain guest, domid 1, format ftrace, x86-tsc with tsc_offset 0:
# "offset_from": "tsc_mode=native", guest/domU.cfg), its trace directory
# hard-linked as guest1.ftrace; its PC samples (record --samples) become
# "guest1-samples" (guest1.perf) and its kernel symbols guest.kallsyms.
# Without a guest recording the domU is added as a passive domain: source
# "guest1" (domid 1, its addresses from guest/domU-init, an empty guest1.kev),
# so the correlator can tell RX wire segments (to the guest) from TX ones.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
RUN=${1:?usage: bundle.sh RUNDIR}
[ -f "$RUN/dom0/manifest.json" ] || tb_die "$RUN/dom0/manifest.json: no dom0 bundle"
[ -s "$RUN/wire.pcap" ] || tb_die "$RUN/wire.pcap: no wire capture"
B=$RUN/bundle
rm -rf "$B"
cp -al "$RUN/dom0" "$B"
rm "$B/manifest.json"
ln "$RUN/wire.pcap" "$B/wire.pcap"
WIRE_TIMES=$RUN/marker-wire.txt
# Seconds with the pcap's microseconds. tcpdump's BPF read filter skips the
# ~150 k data frames without dissecting them (tshark -Y took minutes on a
# 120 MB capture).
tcpdump -r "$RUN/wire.pcap" -nn -tt 'icmp[icmptype] == 8 and dst host 10.0.0.99 and len == 1242' \
	2>/dev/null | awk '{ print $1 }' >"$WIRE_TIMES" || : >"$WIRE_TIMES"
python3 - "$RUN/dom0/manifest.json" "$RUN/marker-dom0.txt" "$WIRE_TIMES" "$B/manifest.json.tmp" "$RUN" <<'PY'
import json, os, re, shutil, sys
from decimal import Decimal
man, dom0_markers, wire_markers, out, run = sys.argv[1:]
m = json.load(open(man))
hz = int(m["tsc_hz"])
tsc = []
try:
    for line in open(dom0_markers):
        # "ping-123 [000] d..1. 1234567890123: net_dev_start_xmit: dev=..."
        g = re.search(r"\s(\d+): net_dev_start_xmit:", line)
        if g:
            tsc.append(int(g.group(1)))
except FileNotFoundError:
    pass
wire = [int(Decimal(l.strip()) * 1000000000) for l in open(wire_markers) if l.strip()]
src = {"name": "wire", "domain": "wire", "format": "pcap", "file": "wire.pcap",
       "clock": "realtime", "timebase": "ns", "tsc_offset": 0, "offset_ns": 0,
       "offset_from": "unaligned", "lost_events": 0}
n = min(len(tsc), len(wire))
if len(tsc) != len(wire):
    print(f"testbed: wire clock: {len(tsc)} markers in dom0, {len(wire)} on the wire: pairing the first {n}",
          file=sys.stderr)
if n >= 6:
    # Two groups (start, end): the least-delayed pair of each (smallest
    # wire - tsc at the kernel's rate), and the rate between them.
    d = [wire[i] - tsc[i] * 1000000000 // hz for i in range(n)]
    h = n // 2
    a = min(range(h), key=lambda i: d[i])
    b = min(range(h, n), key=lambda i: d[i])
    if wire[b] > wire[a] and tsc[b] > tsc[a]:
        m["tsc_hz_kernel"] = hz
        hz = (tsc[b] - tsc[a]) * 1000000000 // (wire[b] - wire[a])
        m["tsc_hz"] = hz
        m["tsc_hz_from"] = "wire markers"
        print(f"testbed: wire clock: TSC rate {hz} Hz over {(wire[b] - wire[a]) / 1e9:.1f} s "
              f"(kernel's {m['tsc_hz_kernel']}, {(hz - m['tsc_hz_kernel']) / m['tsc_hz_kernel'] * 1e6:+.0f} ppm)",
              file=sys.stderr)
if n:
    # the timebase's own conversion (correlator/timebase.c): ticks * 1e9 / hz
    d = [wire[i] - tsc[i] * 1000000000 // hz for i in range(n)]
    src["offset_ns"] = min(d)
    src["offset_from"] = "estimated"
    print(f"testbed: wire clock: {n} marker pairs, offset_ns {min(d)}, spread {max(d) - min(d)} ns",
          file=sys.stderr)
else:
    print(f"testbed: wire clock: no marker pairs (dom0 {len(tsc)}, wire {len(wire)}): unaligned",
          file=sys.stderr)
m["sources"] = [s for s in m["sources"] if s.get("name") != "wire"] + [src]
bdir = out.rsplit("/", 1)[0]
gman = run + "/guest1/g/manifest.json"
if os.path.exists(gman):
    # The guest agent's recording (guest/domU-init, fetched by nic-dom0.sh): its
    # Linux source becomes "guest1", the domU (domid 1). Its stamps are the
    # domU's x86-tsc, and with tsc_mode=native (guest/domU.cfg) that is the host
    # TSC dom0 and Xen stamp with: offset 0, from the configuration.
    g = json.load(open(gman))
    gs = [s for s in g["sources"] if s.get("format") == "ftrace"][0]
    shutil.copytree(run + "/guest1/g/" + gs["file"], bdir + "/guest1.ftrace",
                    copy_function=os.link)
    src = dict(gs)
    src.update({"name": "guest1", "domain": "guest", "domid": 1, "format": "ftrace",
                "file": "guest1.ftrace", "clock": "x86-tsc", "timebase": "tsc",
                "tsc_offset": 0, "offset_ns": 0, "offset_from": "tsc_mode=native",
                "addrs": [a for a in gs.get("addrs", []) if not a.startswith("127.")]
                or ["10.0.2.15", "10.0.0.2"]})
    m["sources"].insert(0, src)
    # Its PC samples (record --samples: format perf, TSC ticks like the ftrace
    # source) become "guest1-samples", and its symbols guest.kallsyms, the
    # name report looks up for the guest domain (docs/bundle.md).
    for ps in [s for s in g["sources"] if s.get("format") == "perf"]:
        shutil.copytree(run + "/guest1/g/" + ps["file"], bdir + "/guest1.perf",
                        copy_function=os.link)
        p = dict(ps)
        p.update({"name": "guest1-samples", "domain": "guest", "domid": 1,
                  "file": "guest1.perf", "tsc_offset": 0, "offset_ns": 0})
        m["sources"].insert(1, p)
    if os.path.exists(run + "/guest1/g/host.kallsyms"):
        os.link(run + "/guest1/g/host.kallsyms", bdir + "/guest.kallsyms")
    print(f"testbed: guest1: agent recording, {gs.get('lost_events')} lost, "
          f"guest tsc_hz {g.get('tsc_hz')} (dom0 {hz})", file=sys.stderr)
if not any(s.get("domain") == "guest" for s in m["sources"]):
    # The domU as a passive domain: declared, with the addresses guest/domU-init
    # gives it (they tell the wire's RX segments from TX ones, and start RX
    # packets at wire_rx), and no events (an empty .kev: the 64-byte header of
    # docs/bundle.md, domain 0 = guest, domid 1).
    import struct
    hdr = b"XPKTKEV1" + struct.pack("<IIIIQ", 1, 80, 0, 1, hz) + bytes(32)
    open(out.rsplit("/", 1)[0] + "/guest1.kev", "wb").write(hdr)
    m["sources"].insert(0, {
        "name": "guest1", "domain": "guest", "domid": 1, "format": "kev", "file": "guest1.kev",
        "clock": "x86-tsc", "timebase": "tsc", "tsc_offset": 0, "offset_ns": 0,
        "offset_from": "tsc_mode=native", "lost_events": 0,
        "addrs": ["10.0.2.15", "10.0.0.2"], "unavailable": ["agent:not-run"]})
json.dump(m, open(out, "w"), indent=2)
PY
mv "$B/manifest.json.tmp" "$B/manifest.json"
# The pmu-sim plugin's counter stream (XPKT_TESTBED_PMU_SIM=1, boot.sh), as
# source "pmu" (format pmu-sim, docs/bundle.md): its records are stamped with
# QEMU's host TSC, the traces with the guest-visible TSC; the plugin's MARKER
# records and dom0's rdtsc around each marker (in the same order: `record
# --pmu=sim`'s pmu-sim-markers.txt, else tsc-marker.txt) give the offset,
# taken from the pair with the tightest bracket.
MARKS=$RUN/dom0/pmu-sim-markers.txt
[ -s "$MARKS" ] || MARKS=$RUN/tsc-marker.txt
if [ -s "$RUN/pmu.sim" ] && [ -s "$MARKS" ]; then
	ln "$RUN/pmu.sim" "$B/pmu.sim"
	python3 - "$RUN/pmu.sim" "$MARKS" "$B/manifest.json" <<'PY' || tb_die "pmu-sim: no offset"
import json, struct, sys
stream, markers, man = sys.argv[1:]
with open(stream, "rb") as f:
    h = f.read(72)
    magic, ver, hdr_bytes, nv, nm, nc, rec = struct.unpack("<8sIIIIII", h[:32])
    # the model instances' geometry, for the manifest
    models = []
    for i in range(nm):
        g = [x.split(b"\0")[0].decode() for x in struct.unpack("<40s40s40s40s40s", f.read(200))]
        models.append(" ".join(f"{k}={v}" for k, v in zip(("l1i", "l1d", "l2", "itlb", "dtlb"), g)))
    f.seek(hdr_bytes)
    host = []
    while True:
        r = f.read(16)
        if len(r) < 16:
            break
        tsc, vcpu, kind, payload = struct.unpack("<QIHH", r)
        # version 2 (annotate=1): TBDEF and ANNOT records are head + payload
        f.seek(payload if kind >= 4 else rec - 16, 1)
        if kind == 1:
            host.append(tsc)
guest = [tuple(map(int, l.split())) for l in open(markers) if l.strip()]
if not host or len(host) != len(guest):
    sys.exit(f"pmu-sim: {len(host)} marker records, {len(guest)} tsc-marker lines")
pairs = sorted((a2 - a1, h - (a1 + a2) // 2) for (a1, a2), h in zip(guest, host))
off = pairs[0][1]
spread = max(p[1] for p in pairs) - min(p[1] for p in pairs)
m = json.load(open(man))
m["sources"].append({"name": "pmu", "domain": "xen", "domid": 65535, "format": "pmu-sim",
                     "file": "pmu.sim", "clock": "tsc", "timebase": "tsc", "tsc_offset": off,
                     "offset_ns": 0, "lost_events": 0,
                     "offset_from": "pmu-sim markers (" + markers.split("/")[-1] + ")",
                     "models": models, "stream_version": ver})
json.dump(m, open(man + ".tmp", "w"), indent=2)
print(f"testbed: pmu-sim: {len(pairs)} markers, offset {off} ticks (bracket {pairs[0][0]}, "
      f"spread {spread})", file=sys.stderr)
PY
	mv "$B/manifest.json.tmp" "$B/manifest.json"
fi
# Xen's symbols (hotspot tables, `xpkttrace annotate`): the System.map of
# Debian's -dbg build, only if its build ID is the hypervisor's that ran.
HV=${XPKT_TESTBED_XEN:-${XPKT_TESTBED_IMG:-/nonexistent}/xen}
FIX=$(bash "$TB_REPO/tests/cli/sym-fixtures.bash" 2>/dev/null || true)
XS=$(sed -n 's/^xen_syms=//p' <<<"$FIX")
XM=$(sed -n 's/^xen_map=//p' <<<"$FIX")
build_id() { readelf -n "$1" 2>/dev/null | sed -n 's/.*Build ID: //p'; }
if [ -f "$HV" ] && [ -n "$XS" ] && [ -n "$XM" ] && [ -n "$(build_id "$HV")" ] &&
	[ "$(build_id "$HV")" = "$(build_id "$XS")" ]; then
	cp "$XM" "$B/xen.kallsyms"
else
	tb_log "no Xen symbols for the bundle (no -dbg map of build $(build_id "$HV" || true))"
fi
# The markers align the wire to a few hundred microseconds; the packets' own
# flow+seq pairs (NIC transmit -> wire) to tens (testbed/wire-align.py).
if [ -n "${XPKTTRACE-}" ] && [ -x "$XPKTTRACE" ]; then
	python3 "$TB_DIR/wire-align.py" "$XPKTTRACE" "$B" || tb_log "warning: wire-align.py failed; marker alignment kept"
fi
tb_log "bundle $B: sources $(jq -r '[.sources[].name] | join(", ")' "$B/manifest.json")"
