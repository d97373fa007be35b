#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# testbed/scaling.sh - seed 001's cache and TLB scaling study (section 4.2,
# Figures 13-17) from ONE testbed run: the iperf3 NIC scenario under the
# pmu-sim plugin with several L2 sizes and TLB sizes modelled side by side,
# then `report --html` and `report --json` of that run (`make testbed-scaling`).
#
#   XPKTTRACE=build/xpkttrace testbed/scaling.sh      (root; what make does)
#
# The plugin runs every model instance on the same instruction stream, so
# one boot gives whole curves (docs/pmu-sim.md "Scaling"). Every option list
# has one entry or one per instance, so the 8 instances are:
#   instance   0     1     2    3    4    5    6    7
#   L2        256K  512K  1M   2M   4M   8M   1M   1M    (16-way, 64 B lines)
#   ITLB/DTLB  32    64   128  256  32:G 64:G 128:G 256:G (4-way)
# The repeated 1M L2 costs nothing: the plugin simulates one array per
# distinct (L2, L1I, L1D) and shares it. ":G": that instance's TLB entries
# for Xen's own range (hv_base..hv_end) are tagged global and survive CR3
# loads, the seed's Figure 17 experiment. L1I and L1D are the seed's 32 KB.
# Environment: PMU_SIM_MODEL overrides the list; IPERF_SECONDS (default 3
# here: a run takes ~10 min under the plugin and writes a multi-GB stream);
# XPKT_TESTBED_OUT (default testbed/out): runs go to its scaling/ (latest:
# scaling/latest); everything run.sh and boot.sh take.
# Outputs in the run directory: scaling.html, scaling.json (+ run.sh's).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tb_need_root "the testbed"
X=${XPKTTRACE:?XPKTTRACE must name the xpkttrace binary}
[ -x "$X" ] || tb_die "$X: not executable"

L2=256K:16:64+512K:16:64+1M:16:64+2M:16:64+4M:16:64+8M:16:64+1M:16:64+1M:16:64
TLB=32:4+64:4+128:4+256:4+32:4:G+64:4:G+128:4:G+256:4:G
export PMU_SIM_MODEL=${PMU_SIM_MODEL:-l1i=32K:8:64,l1d=32K:8:64,l2=$L2,itlb=$TLB,dtlb=$TLB}
export XPKT_TESTBED_PMU_SIM=1 IPERF_SECONDS=${IPERF_SECONDS:-3}
# A directory of its own, so scaling/latest is this script's run even when
# another testbed run (they take turns on run.sh's lock) finishes meanwhile.
OUTD=${XPKT_TESTBED_OUT:-$TB_DIR/out}/scaling
mkdir -p "$OUTD"
tb_log "scaling: pmu-sim models $PMU_SIM_MODEL"
# run.sh runs for ten minutes and bash reads a script as it goes: an edit to
# the file meanwhile (a shared tree) breaks the run at its end. So bash gets
# the text read now; $0 is still run.sh's path (it finds lib.sh by it).
XPKT_TESTBED_OUT=$OUTD bash -c "$(cat "$TB_DIR/run.sh")" "$TB_DIR/run.sh" nic
RUN=$(cd "$OUTD" && cd "$(readlink latest)" && pwd)
[ -d "$RUN/bundle" ] || tb_die "$RUN/bundle: no bundle (see $RUN/serial.log)"
[ -s "$RUN/pmu.sim" ] || [ -s "$RUN/bundle/pmu.sim" ] ||
	tb_die "$RUN: no pmu-sim stream (pmu.sim): the plugin did not run"

t=$(date +%s)
"$X" report --json -q -o "$RUN/scaling.json" "$RUN/bundle" || tb_die "report --json failed"
"$X" report --html "$RUN/scaling.html" -q "$RUN/bundle" || tb_die "report --html failed"
tb_log "reports in $(($(date +%s) - t)) s"
command -v jq >/dev/null || tb_die "jq is needed to summarise $RUN/scaling.json"
jq -e '.pmu_scaling' "$RUN/scaling.json" >/dev/null ||
	tb_die "$RUN/scaling.json has no pmu_scaling (a stream with one model?)"
# The whole run's miss rates per instance, a table on stderr.
jq -r '.pmu_scaling as $s |
	def pct(l): if l.accesses > 0 then (10000 * l.misses / l.accesses | round / 100 | tostring) + "%" else "-" end;
	(["instance", "L2", "ITLB", "DTLB", "L2-miss", "ITLB-miss", "DTLB-miss"] | @tsv),
	($s.models[] as $m | $s.total.models[$m.model] as $t |
	 [$m.model, $m.l2, $m.itlb, $m.dtlb, pct($t.l2), pct($t.itlb), pct($t.dtlb)] | @tsv)' \
	"$RUN/scaling.json" | column -t -s "$(printf '\t')" >&2
jq -r '.pmu_scaling | "whole run above; record intervals \(.total.intervals), taken by stages \(.total.intervals - .no_stage.intervals), lacking some instance'"'"'s counters \(.intervals_unknown)"' \
	"$RUN/scaling.json" >&2
# Cross-check: instance 0 is also the model of the stages' simulated deltas
# (simpmu), so its per-stage misses here must equal those stage sums (the
# listener invariant, simpmu.h); any stage where they differ is named.
jq -r '(.stages | map({key: "\(.direction) \(.name)", value: (if .pmu.source == "simulated" then .pmu else .pmu_sim end)}) | from_entries) as $st |
	[.pmu_scaling.stages[] | . as $s | $st["\($s.direction) \($s.name)"] as $p |
	 ([["l2", "l2_misses"], ["itlb", "itlb_misses"], ["dtlb", "dtlb_misses"]][] |
	  select($s.models[0][.[0]].misses != ($p[.[1]].sum // 0)) |
	  "\($s.direction) \($s.name) \(.[0]): \($s.models[0][.[0]].misses) here, \($p[.[1]].sum // 0) in the stage deltas")] |
	if length == 0 then "cross-check: instance 0 per stage = the stages'"'"' simulated deltas (all stages)"
	else "cross-check: warning: instance 0 differs from the stages'"'"' simulated deltas:", .[] end' \
	"$RUN/scaling.json" >&2
tb_log "scaling: done; open $RUN/scaling.html (section \"Cache and TLB scaling\"), numbers in $RUN/scaling.json (\"pmu_scaling\")"
echo "$RUN/scaling.html"
echo "$RUN/scaling.json"
