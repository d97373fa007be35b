// SPDX-License-Identifier: GPL-2.0
/* results.c - helpers over struct xpkt_results: reason lists, freeing what a run owns. */
#include <stdio.h>
#include <string.h>

#include "correlator/correlate.h"
#include "correlator/hist.h"
#include "correlator/results.h"

void xpkt_reason_add(struct xpkt_reason_count *list, unsigned *n, const char *reason,
		     uint64_t count)
{
	unsigned i;

	for (i = 0; i < *n; i++)
		if (!strcmp(list[i].reason, reason))
			break;
	if (i == *n) {
		/* Past the table's end, fold into the last row rather than lose counts. */
		if (*n == XPKT_MAX_REASONS) {
			i = XPKT_MAX_REASONS - 1;
			snprintf(list[i].reason, sizeof(list[i].reason), "other");
		} else {
			snprintf(list[i].reason, sizeof(list[i].reason), "%s", reason);
			list[i].count = 0;
			(*n)++;
		}
	}
	list[i].count += count;
}

/* Frees the histograms a correlation run left in r (correlate.h). */
void xpkt_results_free(struct xpkt_results *r)
{
	for (unsigned d = 0; d < XPKT_DIR_COUNT; d++)
		for (unsigned s = 0; s < XPKT_MAX_STAGES; s++) {
			xpkt_hist_free(r->stages[d][s].hist);
			r->stages[d][s].hist = NULL;
		}
}
