// SPDX-License-Identifier: GPL-2.0
/*
 * xenstat.c - accumulate xenalyze-style summary numbers (decode/xenstat.h).
 *
 * The counting rules are xenalyze's (tools/xentrace/xenalyze.c, 4.17), so
 * the numbers can be compared with its --summary output byte for byte:
 * - a record's class is the single set bit of bits 16-23 of its event;
 *   an event with none or several set is not counted;
 * - hypercalls are TRC_PV_HYPERCALL_V2 and _SUBCALL records (minor 13 and
 *   14, with or without the 64-bit flag), op in the low 20 bits of the
 *   first extra word, charged to the vCPU running on that physical CPU;
 *   none is counted while that is unknown or the idle domain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/xenstat.h"

static const char *const class_names[XENSTAT_NCLASSES] = {
    "gen", "sched", "dom0op", "hvm", "mem", "pv", "shadow", "hw",
};

/* xen/include/public/xen.h __HYPERVISOR_* numbers, xenalyze's spelling. */
static const char *const hc_names[] = {
    [0] = "set_trap_table",
    [1] = "mmu_update",
    [2] = "set_gdt",
    [3] = "stack_switch",
    [4] = "set_callbacks",
    [5] = "fpu_taskswitch",
    [6] = "sched_op(compat)",
    [7] = "platform_op",
    [8] = "set_debugreg",
    [9] = "get_debugreg",
    [10] = "update_descriptor",
    [12] = "memory_op",
    [13] = "multicall",
    [14] = "update_va_mapping",
    [15] = "set_timer_op",
    [16] = "evtchn_op(compat)",
    [17] = "xen_version",
    [18] = "console_io",
    [19] = "physdev_op(compat)",
    [20] = "grant_table_op",
    [21] = "vm_assist",
    [22] = "update_va_mapping_otherdomain",
    [23] = "iret",
    [24] = "vcpu_op",
    [25] = "set_segment_base",
    [26] = "mmuext_op",
    [27] = "acm_op",
    [28] = "nmi_op",
    [29] = "sched_op",
    [30] = "callback_op",
    [31] = "xenoprof_op",
    [32] = "evtchn_op",
    [33] = "physdev_op",
    [34] = "hvm_op",
    [35] = "sysctl",
    [36] = "domctl",
    [37] = "kexec_op",
};

const char *xenstat_class_name(unsigned cls)
{
	return cls < XENSTAT_NCLASSES ? class_names[cls] : "?";
}

const char *xenstat_hypercall_name(unsigned op, char *buf, size_t len)
{
	if (op < sizeof(hc_names) / sizeof(hc_names[0]) && hc_names[op])
		return hc_names[op];
	snprintf(buf, len, "hypercall_%u", op);
	return buf;
}

int xenstat_class_of(uint32_t event)
{
	unsigned main_bits = (event >> 16) & 0xff;

	/* Exactly one bit: xenalyze's find_toplevel_event() sanity check. */
	if (!main_bits || (main_bits & (main_bits - 1)))
		return -1;
	return __builtin_ctz(main_bits);
}

struct hc_row {
	uint64_t n[XENSTAT_NHYPERCALLS];
};

static int cmp_vcpu(const void *a, const void *b)
{
	const struct xenstat_vcpu *x = a, *y = b;

	if (x->domid != y->domid)
		return x->domid < y->domid ? -1 : 1;
	return (x->vcpu > y->vcpu) - (x->vcpu < y->vcpu);
}

static int grow_rows(struct hc_row **rows, unsigned *cap, unsigned need)
{
	unsigned n = *cap ? *cap : 16;
	struct hc_row *r;

	while (n <= need)
		n *= 2;
	r = realloc(*rows, n * sizeof(*r));
	if (!r)
		return -1;
	memset(r + *cap, 0, (n - *cap) * sizeof(*r));
	*rows = r;
	*cap = n;
	return 0;
}

int xenstat_file(const char *path, struct xenstat *st, struct xpkt_err *err)
{
	struct xt_reader *r;
	struct xt_rec rec;
	struct hc_row *rows = NULL;
	unsigned caprows = 0, n;
	int rc;

	memset(st, 0, sizeof(*st));
	r = xt_open(path, err);
	if (!r)
		return -1;
	st->ncpus = xt_ncpus(r);
	st->pcpus = calloc(st->ncpus ? st->ncpus : 1, sizeof(*st->pcpus));
	if (!st->pcpus) {
		xt_close(r);
		return xpkt_err_set(err, "%s: out of memory", path);
	}
	while ((rc = xt_next(r, &rec, err)) == 1) {
		int cls = xenstat_class_of(rec.event);

		st->records++;
		if (rec.has_tsc) {
			if (!st->first_tsc)
				st->first_tsc = rec.tsc;
			st->last_tsc = rec.tsc;
		}
		if (cls < 0)
			continue;
		st->pcpus[rec.cpu].cls[cls].records++;
		st->pcpus[rec.cpu].cls[cls].bytes += rec.size_bytes;
		if (rec.event == XT_TRC_LOST_RECORDS) {
			st->pcpus[rec.cpu].cls[cls].bytes += rec.size_bytes;
			st->lost_markers++;
			if (rec.nextra >= 1)
				st->lost_records += rec.extra[0];
			/*
			 * Like xenalyze, the trace starts where the first loss
			 * began if that is earlier than the first record.
			 */
			if (rec.nextra >= 4) {
				uint64_t lost_from = rec.extra[2] | (uint64_t)rec.extra[3] << 32;

				if (lost_from && lost_from < st->first_tsc)
					st->first_tsc = lost_from;
			}
			continue;
		}
		if (cls == XENSTAT_PV && rec.cur_index >= 0 && rec.cur_dom != XT_DOM_IDLE &&
		    rec.nextra >= 1) {
			unsigned minor = rec.event & 0xff;
			uint32_t op = rec.extra[0] & ~XT_HC_ARG_MASK;

			if ((minor == XT_PV_HYPERCALL_V2_MINOR ||
			     minor == XT_PV_HYPERCALL_SUB_MINOR) &&
			    op < XENSTAT_NHYPERCALLS) {
				if ((unsigned)rec.cur_index >= caprows &&
				    grow_rows(&rows, &caprows, (unsigned)rec.cur_index)) {
					rc = xpkt_err_set(err, "%s: out of memory", path);
					break;
				}
				rows[rec.cur_index].n[op]++;
			}
		}
	}
	if (rc < 0) {
		free(rows);
		xt_close(r);
		xenstat_free(st);
		return -1;
	}
	n = xt_nvcpus(r);
	st->vcpus = calloc(n ? n : 1, sizeof(*st->vcpus));
	if (!st->vcpus) {
		free(rows);
		xt_close(r);
		xenstat_free(st);
		return xpkt_err_set(err, "%s: out of memory", path);
	}
	for (unsigned i = 0; i < n; i++) {
		const struct xt_vcpu *v = xt_vcpu_at(r, i);
		struct xenstat_vcpu *o;

		if (v->domid == XT_DOM_DEFAULT)
			continue;
		o = &st->vcpus[st->nvcpus++];
		o->domid = v->domid;
		o->vcpu = v->vcpu;
		memcpy(o->rs_count, v->rs_count, sizeof(o->rs_count));
		memcpy(o->rs_cycles, v->rs_cycles, sizeof(o->rs_cycles));
		if (i < caprows)
			memcpy(o->hypercalls, rows[i].n, sizeof(o->hypercalls));
	}
	qsort(st->vcpus, st->nvcpus, sizeof(*st->vcpus), cmp_vcpu);
	free(rows);
	xt_close(r);
	return 0;
}

void xenstat_free(struct xenstat *st)
{
	free(st->pcpus);
	free(st->vcpus);
	memset(st, 0, sizeof(*st));
}
