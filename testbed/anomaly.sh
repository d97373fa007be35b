#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# testbed/anomaly.sh - the receive-collapse anomaly of the Xenoprof paper
# (tcp_adv_win_scale class), reproduced as two testbed runs.
#
#   testbed/anomaly.sh [bad|good]...   (root; `make testbed-anomaly`: both)
#
# The mechanism (Linux 6.1): netfront charges every RX slot a whole page
# (xennet_alloc_one_rx_buffer: skb_add_rx_frag(..., PAGE_SIZE)), so a
# 1448-byte segment costs ~4.9 KB of receive buffer (truesize/len ~3.4).
# TCP advertises a window of rcvbuf - rcvbuf/2^tcp_adv_win_scale, i.e. half
# the buffer at the default scale 1, assuming at most 2x overhead. With
# ~3.4x the data the window invites does not fit: the receive queue is
# pruned, tcp_collapse() copies skbs into compact ones (skb_copy_bits), and
# throughput falls. dom0's GRO would hide it (it merges segments into 64 KB
# skbs that netback hands over in full pages), so both runs turn GRO off on
# dom0's NIC: every segment reaches the guest on its own page.
#
#   bad:  64 KB receive buffer, tcp_adv_win_scale 4 (window = 15/16 of the buffer,
#         as if skbs cost no more than their data; ANOMALY_BAD_SCALE, ANOMALY_RMEM)
#   good: the same advertised window from a 256 KB buffer at tcp_adv_win_scale -2
#         (window = rcvbuf/4: 4x overhead fits; ANOMALY_GOOD_SCALE,
#         ANOMALY_GOOD_RMEM). Equal windows, so the sender is held back alike and
#         only where the data lands differs. (The same 64 KB buffer at scale -2
#         gave a quarter of the window: no collapse, but 13.9 Mbit/s against 35.7.)
# At 6.1's default scale 1 (window = half the buffer) and a reader that keeps
# up, the queue rarely overflows: one tcp_collapse in a 10 s run here.
#
# Results: testbed/out/anomaly-bad and testbed/out/anomaly-good (links to the
# runs), and a summary line per run: iperf3's receive throughput into the
# guest and the guest's tcp_collapse / skb_copy_bits kprobe counts per
# received data packet (xpkttrace events).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tb_need_root "the anomaly scenario"
X=${XPKTTRACE:?XPKTTRACE must name the xpkttrace binary}
OUTD=${XPKT_TESTBED_OUT:-$TB_DIR/out}
RMEM=${ANOMALY_RMEM:-4096 65536 65536}
export XPKT_TESTBED_DOM0_CMD="ethtool -K enp0s2 gro off; ethtool -k enp0s2 | grep generic-receive"
summary=()
[ $# -gt 0 ] || set -- bad good
for kind in "$@"; do
	case $kind in
	bad) scale=${ANOMALY_BAD_SCALE:-4} rmem=$RMEM ;;
	good) scale=${ANOMALY_GOOD_SCALE:--2} rmem=${ANOMALY_GOOD_RMEM:-4096 262144 262144} ;;
	*) tb_die "unknown run '$kind' (bad or good)" ;;
	esac
	export XPKT_TESTBED_GUEST_CMD="echo '$rmem' >/proc/sys/net/ipv4/tcp_rmem; echo $scale >/proc/sys/net/ipv4/tcp_adv_win_scale; cat /proc/sys/net/ipv4/tcp_rmem /proc/sys/net/ipv4/tcp_adv_win_scale"
	tb_log "anomaly-$kind: tcp_rmem '$rmem', tcp_adv_win_scale $scale, dom0 GRO off"
	"$TB_DIR/run.sh" nic || tb_die "anomaly-$kind: the testbed run failed"
	run=$(readlink -f "$OUTD/latest")
	ln -sfn "$(basename "$run")" "$OUTD/anomaly-$kind"
	mbit=$(jq -r '.end.sum_received.bits_per_second / 1e6 | . * 10 | floor / 10' "$run/iperf3-to-guest.json")
	"$X" events --json "$run/bundle" >"$run/events.json"
	ev() { jq -r --arg k "$1" '[.sources[] | select(.name == "guest1") | .events[$k] // 0] | add // 0' "$run/events.json"; }
	summary+=("anomaly-$kind: to guest $mbit Mbit/s; guest kprobe:tcp_collapse $(ev kprobe:tcp_collapse), kprobe:skb_copy_bits $(ev kprobe:skb_copy_bits), data packets received $(ev tcp:tcp_probe)")
done
for l in "${summary[@]}"; do tb_log "$l"; done
