// SPDX-License-Identifier: GPL-2.0
/*
 * test_catalogue.c - the stage table is consistent: every join names a key
 * that an earlier stage of the same direction provides, each direction has
 * one origin and one terminal stage, and every event id has a name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tracepoints/stage.h"

static const enum xpkt_mode modes[] = {XPKT_MODE_XEN, XPKT_MODE_NATIVE};

static void test_keys_come_from_earlier_stages(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++)
		for (int d = 0; d < XPKT_DIR_COUNT; d++) {
			unsigned n;
			const struct xpkt_stage *s =
			    xpkt_mode_stages(modes[k], (enum xpkt_dir)d, &n);

			assert_true(n <= XPKT_MAX_STAGES);
			for (unsigned i = 0; i < n; i++) {
				if (s[i].join == XPKT_JOIN_ORIGIN) {
					assert_int_equal(s[i].key_from, -1);
					continue;
				}
				assert_true(s[i].key_from >= 0);
				assert_true((unsigned)s[i].key_from < i);
				assert_true(s[i].modes == (unsigned)modes[k]);
				if (s[i].join == XPKT_JOIN_KEY ||
				    s[i].join == XPKT_JOIN_SLOT_RANGE ||
				    s[i].join == XPKT_JOIN_SEQ_IN ||
				    s[i].join == XPKT_JOIN_FLOW_BYTES)
					assert_true(s[s[i].key_from].sets & (1u << s[i].key));
			}
		}
}

static void test_one_origin_one_terminal(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++)
		for (int d = 0; d < XPKT_DIR_COUNT; d++) {
			unsigned n, origins = 0, terminals = 0;
			const struct xpkt_stage *s =
			    xpkt_mode_stages(modes[k], (enum xpkt_dir)d, &n);

			if (n == 0) /* native mode has one direction */
				continue;
			for (unsigned i = 0; i < n; i++) {
				origins += s[i].join == XPKT_JOIN_ORIGIN;
				terminals += !!(s[i].flags & XPKT_STAGE_TERMINAL);
				assert_int_equal(s[i].dir, d);
				assert_int_equal(
				    xpkt_mode_stage_find(modes[k], (enum xpkt_dir)d, s[i].name),
				    (int)i);
			}
			assert_int_equal(origins, 1);
			assert_int_equal(terminals, 1);
			assert_int_equal(s[0].join, XPKT_JOIN_ORIGIN);
			assert_true(s[n - 1].flags & XPKT_STAGE_TERMINAL);
		}
}

static void test_stage_events_are_named(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++)
		for (int d = 0; d < XPKT_DIR_COUNT; d++) {
			unsigned n;
			const struct xpkt_stage *s =
			    xpkt_mode_stages(modes[k], (enum xpkt_dir)d, &n);

			for (unsigned i = 0; i < n; i++) {
				const struct xpkt_event_info *info = xpkt_event_info(s[i].event);

				assert_non_null(info);
				assert_true(info->domain == s[i].domain ||
					    info->domain == XPKT_DOM_COUNT);
				assert_true(s[i].dir == (enum xpkt_dir)d);
			}
		}
	assert_string_equal(xpkt_event_name(9999), "?");
}

/*
 * An event must pick its stage row without knowing the packet first (an event
 * that finds no packet is counted against a stage), so (event, device kind)
 * names at most one row in each direction and, but for the wire, in both.
 */
static void test_event_picks_one_row(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++) {
		unsigned ntx, nrx;
		const struct xpkt_stage *tx = xpkt_mode_stages(modes[k], XPKT_TX, &ntx),
					*rx = xpkt_mode_stages(modes[k], XPKT_RX, &nrx);

		for (unsigned i = 0; i < ntx + nrx; i++)
			for (unsigned j = i + 1; j < ntx + nrx; j++) {
				const struct xpkt_stage *a = i < ntx ? &tx[i] : &rx[i - ntx];
				const struct xpkt_stage *b = j < ntx ? &tx[j] : &rx[j - ntx];

				if (a->event != b->event || a->event == XPKT_EV_WIRE)
					continue;
				/* Xen window stages are found from the waiting packet, not the
				 * event. */
				if (a->join == XPKT_JOIN_SWITCH_IN &&
				    b->join == XPKT_JOIN_SWITCH_IN)
					continue;
				assert_true(a->dev_kind != b->dev_kind);
				assert_true(a->dev_kind != XPKT_DEV_ANY &&
					    b->dev_kind != XPKT_DEV_ANY);
			}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keys_come_from_earlier_stages),
	    cmocka_unit_test(test_one_origin_one_terminal),
	    cmocka_unit_test(test_stage_events_are_named),
	    cmocka_unit_test(test_event_picks_one_row),
	};

	return cmocka_run_group_tests_name("catalogue", tests, NULL, NULL);
}
