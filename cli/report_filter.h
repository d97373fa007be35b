/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report_filter.h - `report --flow SPEC`: results that count only one
 * flow's packets, rebuilt from the correlator's packet records
 * (cli/report_filter.c).
 */
#ifndef XPKT_CLI_REPORT_FILTER_H
#define XPKT_CLI_REPORT_FILTER_H

#include "correlator/correlate.h"
#include "correlator/results.h"

struct report_flow;

/*
 * SPEC is matched as a substring of a packet's flow written
 * "SADDR:SPORT-DADDR:DPORT" or the other way round (a TCP connection's TX
 * and RX packets are its two orientations): "10.0.0.2:40000-10.0.0.1:5201",
 * "10.0.0.2:40000", ":5201". Digits, '.', ':' and '-' only. NULL if the SPEC
 * is not one (why: in *why) or out of memory (*why NULL).
 */
struct report_flow *report_flow_new(const char *spec, const char **why);
void report_flow_free(struct report_flow *f);
/* The packet sink (struct xpkt_correlate_opts.packet_sink), arg = the filter. */
void report_flow_sink(const struct xpkt_packet_rec *rec, void *arg);
/*
 * Replaces r's per-stage latency statistics (count, mean, quantiles, total,
 * histogram) and packet counts with those of the matching packets. Per-stage
 * event counts, unattributed and lost events, clocks stay the whole
 * bundle's (an event no packet was found for has no flow to match); PMU
 * deltas become n/a (packet records carry no counters). -1: out of memory.
 */
int report_flow_apply(struct report_flow *f, struct xpkt_results *r);
/* Packets seen and packets that matched. */
void report_flow_counts(const struct report_flow *f, uint64_t *seen, uint64_t *matched);

#endif
