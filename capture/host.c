// SPDX-License-Identifier: GPL-2.0
/* host.c - network devices, addresses and kernel of this machine (host.h). */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "capture/host.h"

static int exists(const char *dev, const char *what)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", dev, what);
	return stat(path, &st) == 0;
}

/* The driver name ethtool reports ("veth", "bridge", "e1000"...), or "". */
static void driver_of(int sock, const char *dev, char *out, size_t len)
{
	struct ethtool_drvinfo info = {.cmd = ETHTOOL_GDRVINFO};
	struct ifreq ifr;

	out[0] = 0;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = (void *)&info;
	if (sock >= 0 && ioctl(sock, SIOCETHTOOL, &ifr) == 0)
		snprintf(out, len, "%s", info.driver);
}

static enum xpkt_dev_kind kind_of(int sock, const char *dev, uint16_t *domid, uint16_t *handle)
{
	char drv[32];
	unsigned d, h;

	/* netback names its devices vif<domid>.<handle> (drivers/net/xen-netback/interface.c) */
	if (sscanf(dev, "vif%u.%u", &d, &h) == 2) {
		*domid = (uint16_t)d;
		*handle = (uint16_t)h;
		return XPKT_DEV_VIF;
	}
	if (exists(dev, "bridge"))
		return XPKT_DEV_BRIDGE;
	driver_of(sock, dev, drv, sizeof(drv));
	if (!strcmp(drv, "veth"))
		return XPKT_DEV_VETH;
	if (!strcmp(drv, "vif"))
		return XPKT_DEV_GUEST; /* netfront's driver name */
	if (exists(dev, "device"))
		return XPKT_DEV_NIC;
	return XPKT_DEV_ANY;
}

void xpkt_host_describe(struct xpkt_source *s)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	struct ifaddrs *ifa = NULL, *a;
	struct utsname u;
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (!uname(&u)) {
		size_t n = strnlen(u.release, sizeof(s->kernel) - 1);

		memcpy(s->kernel, u.release, n);
		s->kernel[n] = 0;
	}
	for (i = ifs; i && i->if_index && s->nifaces < XPKT_MAX_IFACES; i++) {
		struct xpkt_iface *f = &s->ifaces[s->nifaces];

		if (i->if_index > 0xffff || strlen(i->if_name) >= sizeof(f->name))
			continue;
		memset(f, 0, sizeof(*f));
		f->ifindex = (uint16_t)i->if_index;
		strcpy(f->name, i->if_name);
		f->kind = kind_of(sock, i->if_name, &f->domid, &f->handle);
		s->nifaces++;
	}
	if (ifs)
		if_freenameindex(ifs);
	if (!getifaddrs(&ifa)) {
		for (a = ifa; a && s->naddrs < XPKT_MAX_ADDRS; a = a->ifa_next)
			if (a->ifa_addr && a->ifa_addr->sa_family == AF_INET)
				s->addrs[s->naddrs++] =
				    ntohl(((struct sockaddr_in *)a->ifa_addr)->sin_addr.s_addr);
		freeifaddrs(ifa);
	}
	if (sock >= 0)
		close(sock);
}
