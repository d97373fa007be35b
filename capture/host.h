/* SPDX-License-Identifier: GPL-2.0 */
/*
 * host.h - what the manifest says about the recording machine: its network
 * devices (name, ifindex, kind), IPv4 addresses and kernel release.
 *
 * Tracepoints name devices, not ifindexes (net:* events carry the name), so
 * the decoder needs this name -> ifindex table from the manifest; the kind
 * (nic, bridge, veth, vif) is what stage rows select on.
 */
#ifndef XPKT_CAPTURE_HOST_H
#define XPKT_CAPTURE_HOST_H

#include "bundle/manifest.h"

/* Fills s->ifaces (first XPKT_MAX_IFACES, up ones first), s->addrs and s->kernel. */
void xpkt_host_describe(struct xpkt_source *s);

#endif
