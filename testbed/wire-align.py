#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""testbed/wire-align.py - put the wire on the TSC timebase from causal pairs.

    wire-align.py XPKTTRACE BUNDLE

The clock markers (guest/nic-marker.sh, bundle.sh) align the wire within a
few hundred microseconds: their own delays vary that much under TCG, and a
rate taken from two groups 30 s apart carries that error into the middle of
the run. The packets' path between dom0's NIC and QEMU's filter-dump is
shorter than that (~15 us), so a stage order the correlator relies on (NIC
transmit before its wire segment, wire segment before GRO entry) came out
reversed for most packets of a fast run.

The packets themselves bound the offset better (DESIGN.md section 5: a send
precedes its receive). Pairs are matched by flow and TCP sequence, as the
correlator joins them (`xpkttrace events --dump` of the bundle):
  TX: dom0's transmit on the NIC (first seq of the skb) -> the wire segment
      with that seq:   wire_raw - tsc_ns = offset + delay_tx,  delay_tx >= 0
  RX: a wire segment -> dom0's GRO entry of that seq on the NIC:
      wire_raw - tsc_ns = offset - delay_rx,  delay_rx >= 0
Per 0.25 s window (shorter for a trace under 5 s) the smallest TX value is the pair closest to the offset
(dom0's NIC to QEMU's dump is ~15 us). A least-squares line through those
points, lowered so that no TX pair is out of order, gives the offset and
the TSC rate; the manifest gets them ("offset_from": "causal pairs",
"tsc_hz_from": "causal pairs") and the envelope's spread around the line
("offset_residual_ns"). RX pairs check it: dom0's receive side waits for
its vCPU at times, so their envelope is too loose to fit, but none should
come out of order. Nothing is changed when there are too few pairs.
"""
import json
import os
import subprocess
import sys
from collections import defaultdict

WINDOW_NS = 250_000_000
COARSE_NS = 5_000_000  # pairs farther than this from the marker alignment are not pairs


def dump(x, bundle, source):
    p = subprocess.run([x, "events", "--dump", "-s", source, bundle],
                       capture_output=True, text=True, check=True)
    for line in p.stdout.splitlines():
        f = line.split()
        if len(f) < 4:
            continue
        flow = next((t for t in f[4:] if ">" in t and ":" in t), None)
        kv = dict(t.split("=", 1) for t in f[4:] if "=" in t)
        yield f[3], int(f[2]), flow, int(kv.get("seq", 0)), int(kv.get("len", 0))


def main():
    x, bundle = sys.argv[1:3]
    path = bundle + "/manifest.json"
    man = json.load(open(path))
    hz = int(man["tsc_hz"])
    wire = next((s for s in man["sources"] if s.get("name") == "wire"), None)
    if not wire or wire.get("offset_from") != "estimated":
        print("testbed: wire align: no marker-aligned wire source, unchanged", file=sys.stderr)
        return 0
    off = int(wire["offset_ns"])
    segs = defaultdict(list)  # (flow, seq) -> wire raw ns
    for ev, ts, flow, seq, ln in dump(x, bundle, "wire"):
        if ln > 0 and flow:
            segs[(flow, seq)].append(ts)
    tx, rx = [], []  # (tsc, wire_raw - tsc_ns at the marker rate)
    for ev, ts, flow, seq, ln in dump(x, bundle, "dom0"):
        if ln <= 0 or not flow or not ev.endswith("@nic"):
            continue
        if ev.startswith("net:net_dev_start_xmit"):
            out = tx
        elif ev.startswith("net:napi_gro_receive_entry"):
            out = rx
        else:
            continue
        ns = ts * 1_000_000_000 // hz
        cand = [w - ns for w in segs.get((flow, seq), []) if abs(w - ns - off) < COARSE_NS]
        if cand:
            out.append((ts, min(cand, key=lambda d: abs(d - off))))
    if len(tx) < 100:
        print(f"testbed: wire align: {len(tx)} TX pairs, too few: markers kept",
              file=sys.stderr)
        return 0
    # The line: least squares through the TX lower envelope (per window, the
    # least-delayed pair: the NIC-to-QEMU path is ~15 us), then lowered to its
    # lowest point so that no TX pair is out of order. RX pairs are not fitted:
    # dom0's receive path waits for its vCPU (milliseconds at times), so their
    # envelope is loose; they check the line instead (pairs out of order).
    # 0.25 s windows, finer for a short trace (at least ~20 windows, 1 ms at least)
    span = (max(t for t, _ in tx) - min(t for t, _ in tx)) * 1_000_000_000 // hz
    window = max(1_000_000, min(WINDOW_NS, span // 20))
    win = defaultdict(list)
    for ts, d in tx:
        win[ts * 1_000_000_000 // hz // window].append((d - off, ts))
    pts = [min(v) for v in win.values()]  # (d - off, tsc): small numbers for floats
    if len(pts) < 8:
        print(f"testbed: wire align: TX pairs span {len(pts)} windows, too few: markers kept",
              file=sys.stderr)
        return 0
    t0 = sum(ts for _, ts in pts) / len(pts)
    sx = sum((ts - t0) / hz for _, ts in pts)
    sxx = sum(((ts - t0) / hz) ** 2 for _, ts in pts)
    sy = sum(d for d, _ in pts)
    sxy = sum(d * (ts - t0) / hz for d, ts in pts)
    n = len(pts)
    c1 = (n * sxy - sx * sy) / (n * sxx - sx * sx)  # ns per s
    c0 = (sy - c1 * sx) / n
    low = min(d - (c0 + c1 * (ts - t0) / hz) for d, ts in pts)
    resid = max(d - (c0 + c1 * (ts - t0) / hz) for d, ts in pts) - low
    c0 += low
    # wire_raw = tsc * 1e9 / hz + off + c0 + c1 * (tsc - t0) / hz    (c1: ns per s)
    #          = tsc * 1e9 * (1 + c1 / 1e9) / hz + off + c0 - c1 * t0 / hz
    new_hz = round(hz / (1 + c1 / 1e9))
    new_off = off + round(c0 - c1 * t0 / hz)
    neg = [0, 0]
    for i, (data, sign) in enumerate(((tx, 1), (rx, -1))):
        for ts, d in data:
            dd = sign * (d + ts * 1_000_000_000 // hz - ts * 1_000_000_000 // new_hz - new_off)
            neg[i] += dd < 0
    man.setdefault("tsc_hz_kernel", hz)
    man["tsc_hz"] = new_hz
    man["tsc_hz_from"] = "causal pairs"
    wire["offset_ns"] = new_off
    wire["offset_from"] = "causal pairs"
    wire["offset_residual_ns"] = round(resid)
    json.dump(man, open(path + ".tmp", "w"), indent=2)
    os.replace(path + ".tmp", path)
    print(f"testbed: wire align: {len(tx)} TX and {len(rx)} RX pairs by flow+seq; "
          f"rate {c1:+.1f} ns/s vs markers, offset {c0 / 1000:+.1f} us vs markers, "
          f"TX envelope spread {resid / 1000:.1f} us; pairs out of order: TX {neg[0]}, RX {neg[1]}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
