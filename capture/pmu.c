// SPDX-License-Identifier: GPL-2.0
/*
 * pmu.c - hardware counter names and detection (pmu.h).
 *
 * perf_event_open(2) of a PERF_TYPE_HARDWARE event fails with ENOENT or
 * EOPNOTSUPP when the CPU (or the hypervisor's virtual CPU) exposes no
 * counter for it: a guest under QEMU's software emulation has no PMU at
 * all, and Xen exposes one to a guest only with its vpmu= boot option
 * (a boolean, off by default:
 * docs/misc/xen-command-line.pandoc). EACCES/EPERM mean
 * perf_event_paranoid forbids CPU-wide counting to this user.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "capture/pmu.h"

struct counter_def {
	const char *name;
	const char *what; /* for the manifest's reason */
	uint32_t type;
	uint64_t config;
};

#define HW_CACHE(c, op, res) ((uint64_t)(c) | ((uint64_t)(op) << 8) | ((uint64_t)(res) << 16))

static const struct counter_def defs[] = {
    {"cycles", "PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES", PERF_TYPE_HARDWARE,
     PERF_COUNT_HW_CPU_CYCLES},
    {"instructions", "PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS", PERF_TYPE_HARDWARE,
     PERF_COUNT_HW_INSTRUCTIONS},
    /* the kernel maps CACHE_MISSES to the last-level cache's misses */
    {"llc-misses", "PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES", PERF_TYPE_HARDWARE,
     PERF_COUNT_HW_CACHE_MISSES},
    {"dtlb-load-misses", "PERF_TYPE_HW_CACHE, DTLB read miss", PERF_TYPE_HW_CACHE,
     HW_CACHE(PERF_COUNT_HW_CACHE_DTLB, PERF_COUNT_HW_CACHE_OP_READ,
	      PERF_COUNT_HW_CACHE_RESULT_MISS)},
    {"branch-misses", "PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES", PERF_TYPE_HARDWARE,
     PERF_COUNT_HW_BRANCH_MISSES},
    /*
     * Software counters (kernel/events/core.c): kept by the kernel itself,
     * so they exist with no PMU at all and let the group reader run on
     * this project's machines. cpu-clock and task-clock count ns (CPU-wide,
     * both are the CPU's busy-or-not time and its tasks' time), the others
     * events.
     */
    {"cpu-clock", "PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK", PERF_TYPE_SOFTWARE,
     PERF_COUNT_SW_CPU_CLOCK},
    {"task-clock", "PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK", PERF_TYPE_SOFTWARE,
     PERF_COUNT_SW_TASK_CLOCK},
    {"page-faults", "PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS", PERF_TYPE_SOFTWARE,
     PERF_COUNT_SW_PAGE_FAULTS},
    {"context-switches", "PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES", PERF_TYPE_SOFTWARE,
     PERF_COUNT_SW_CONTEXT_SWITCHES},
    {"cpu-migrations", "PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS", PERF_TYPE_SOFTWARE,
     PERF_COUNT_SW_CPU_MIGRATIONS},
};
#define NDEFS (sizeof(defs) / sizeof(defs[0]))

static const char *const names[] = {
    "cycles",		"instructions",	  "llc-misses", "dtlb-load-misses",
    "branch-misses",	"cpu-clock",	  "task-clock", "page-faults",
    "context-switches", "cpu-migrations", NULL};

const char *const *xpkt_pmu_names(void)
{
	return names;
}

static const struct counter_def *find(const char *name, size_t len)
{
	for (size_t i = 0; i < NDEFS; i++)
		if (strlen(defs[i].name) == len && !strncmp(defs[i].name, name, len))
			return &defs[i];
	return NULL;
}

int xpkt_pmu_parse(const char *list, struct xpkt_pmu_info *info, struct xpkt_err *err)
{
	const char *p = list;

	memset(info, 0, sizeof(*info));
	if (!strcmp(list, "off"))
		return 0;
	for (;;) {
		size_t len = strcspn(p, ",");
		const struct counter_def *d = find(p, len);

		if (!d)
			return xpkt_err_set(
			    err,
			    "--pmu: unknown counter '%.*s' (cycles, instructions, "
			    "llc-misses, dtlb-load-misses, branch-misses, cpu-clock, "
			    "task-clock, page-faults, context-switches, "
			    "cpu-migrations, or off)",
			    (int)(len > 40 ? 40 : len), p);
		if (info->ncounters == XPKT_PMU_MAX)
			return xpkt_err_set(err, "--pmu: at most %d counters", XPKT_PMU_MAX);
		for (unsigned i = 0; i < info->ncounters; i++)
			if (!strcmp(info->counters[i], d->name))
				return xpkt_err_set(err, "--pmu: '%s' twice", d->name);
		snprintf(info->counters[info->ncounters++], sizeof(info->counters[0]), "%s",
			 d->name);
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

static int open_counter(const struct counter_def *d, int cpu)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = d->type;
	a.config = d->config;
	a.disabled = 1;
	a.exclude_hv = 1;
	return (int)syscall(SYS_perf_event_open, &a, -1, cpu, -1, 0);
}

void xpkt_pmu_probe(struct xpkt_pmu_info *info)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	info->known = 1;
	info->available = 0;
	info->reason[0] = 0;
	if (!info->ncounters) {
		snprintf(info->reason, sizeof(info->reason), "not asked for (--pmu=off)");
		return;
	}
	if (ncpu < 1)
		ncpu = 1;
	for (unsigned i = 0; i < info->ncounters; i++) {
		const struct counter_def *d = find(info->counters[i], strlen(info->counters[i]));

		for (long cpu = 0; d && cpu < ncpu; cpu++) {
			int fd = open_counter(d, (int)cpu);
			int e = errno;

			if (fd >= 0) {
				close(fd);
				continue;
			}
			snprintf(info->reason, sizeof(info->reason),
				 "%s: perf_event_open(%s) on cpu %ld: %s%s", d->name, d->what, cpu,
				 strerror(e),
				 e == ENOENT || e == EOPNOTSUPP || e == ENODEV
				     ? " (no hardware PMU; under Xen a guest needs vpmu=)"
				 : e == EACCES || e == EPERM ? " (perf_event_paranoid forbids it)"
							     : "");
			return;
		}
	}
	/*
	 * Every counter opens on every CPU: available, if the recorder then
	 * runs the group reader (capture/perf_rec.h); it says otherwise where
	 * it does not.
	 */
	info->available = 1;
}

int xpkt_pmu_attr(const char *name, uint32_t *type, uint64_t *config)
{
	const struct counter_def *d = find(name, strlen(name));

	if (!d)
		return -1;
	*type = d->type;
	*config = d->config;
	return 0;
}
