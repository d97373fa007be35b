#!/usr/bin/env bash
# `xpkttrace diagnose` on the testbed's receive-collapse runs (make
# testbed-anomaly: testbed/out/anomaly-bad and anomaly-good). Skipped (77)
# where they were not recorded (CI has none). The bad run must report
# rx_truesize_collapse and the good run must evaluate it and not report it;
# the evidence counts must equal `xpkttrace events` of the same bundle (the
# decoder's per-source counts, an independent path that never correlates):
# kprobe:tcp_collapse, kprobe:skb_copy_bits, xen_netfront:rx_response and
# tcp:tcp_probe of the guest (its sources together: the trace and, with
# record --samples, its PC samples).
set -u
. "$(dirname "$0")/lib.bash"

command -v jq >/dev/null || { echo "skip: jq not installed"; exit 77; }
OUTD=$(cd "$(dirname "$0")/../../testbed/out" 2>/dev/null && pwd)
for k in bad good; do
	[ -n "$OUTD" ] && [ -f "$OUTD/anomaly-$k/bundle/manifest.json" ] ||
		{ echo "skip: no testbed/out/anomaly-$k bundle (make testbed-anomaly, root)"; exit 77; }
done

for k in bad good; do
	b="$OUTD/anomaly-$k/bundle"
	"$X" diagnose --json -q -o "$T/$k.json" "$b" || fail "diagnose $k"
	"$X" events --json "$b" >"$T/$k-events.json" || fail "events $k"
	# the rule's evidence, whichever list it is in
	errors=$(jq -r --slurpfile e "$T/$k-events.json" --arg k "$k" '
		([.findings[], .passed[]] | map(select(.id == "rx_truesize_collapse")) | .[0]) as $r
		| ([$e[0].sources[] | select(.domain == "guest") | .events] | add) as $g
		| if $r == null then "rx_truesize_collapse not evaluated: \(.not_evaluated)"
		  else
		    (if $r.evidence.tcp_collapse.value != ($g["kprobe:tcp_collapse"] // 0) then "tcp_collapse \($r.evidence.tcp_collapse.value) != events" else empty end),
		    (if $r.evidence.skb_copy_bits.value != $g["kprobe:skb_copy_bits"] then "skb_copy_bits != events" else empty end),
		    (if $r.evidence.netfront_rx_slots.value != $g["xen_netfront:rx_response"] then "netfront_rx_slots != events" else empty end),
		    (if $r.evidence.tcp_receives.value != $g["tcp:tcp_probe"] then "tcp_receives != events" else empty end),
		    (if ($k == "bad") != ([.findings[].id] | index("rx_truesize_collapse") != null)
		     then "anomaly-\($k): rx_truesize_collapse reported: \([.findings[].id] | index("rx_truesize_collapse") != null)" else empty end)
		  end' "$T/$k.json")
	[ -z "$errors" ] || fail "anomaly-$k: $errors"
	jq -r --arg k "$k" '"anomaly-\($k): findings \([.findings[].id] | join(" "))"' "$T/$k.json"
done
echo "diagnose-testbed: ok"
